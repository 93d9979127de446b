package dev.tokenkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the library is found, and the ABI check, each in a JVM of its own. */
class NativeLoadTest {
    @TempDir
    Path dir;

    record Result(int status, String out) {}

    private static Result probe(String libraryPath, String... jvmArgs) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        if (libraryPath != null) {
            command.add("-Djna.library.path=" + libraryPath);
        }
        command.addAll(List.of(jvmArgs));
        command.add(LoadProbe.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("LD_LIBRARY_PATH");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not finish");
        return new Result(p.exitValue(), out);
    }

    @Test
    void loadsFromJnaLibraryPath() throws Exception {
        Result r = probe(System.getProperty("jna.library.path"));
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.startsWith("loaded " + TokenKit.version()), r.out);
    }

    @Test
    void loadsTheCopyBundledOnTheClassPath() throws Exception {
        // target/classes holds linux-x86-64/libtokenkit.so when the build found the library.
        assertTrue(getClass().getResource("/" + com.sun.jna.Platform.RESOURCE_PREFIX + "/libtokenkit.so") != null,
                "the build did not bundle libtokenkit.so");
        Result r = probe(null);
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.startsWith("loaded "), r.out);
    }

    @Test
    void saysHowToProvideAMissingLibrary() throws Exception {
        Result r = probe(dir.toString(), "-Djna.noclasspath=true");
        assertEquals(1, r.status, r.out);
        assertTrue(r.out.startsWith("error cannot load libtokenkit: set -Djna.library.path to the directory holding "
                + "libtokenkit.so"), r.out);
    }

    /** A libtokenkit.so in {@link #dir} with only tokenkit_abi_version, returning {@code abi}. */
    private void fakeLibrary(int abi) throws Exception {
        Path source = dir.resolve("fake.c");
        Files.writeString(source, "#include <stdint.h>\nuint32_t tokenkit_abi_version(void) { return " + abi + "; }\n");
        Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", dir.resolve("libtokenkit.so").toString(),
                source.toString()).inheritIO().start();
        assertEquals(0, cc.waitFor(), "cc could not build the fake library");
    }

    @Test
    void refusesAnotherAbiVersion() throws Exception {
        fakeLibrary(1);
        Result r = probe(dir.toString());
        assertEquals(1, r.status, r.out);
        assertTrue(r.out.startsWith("error libtokenkit has ABI version 1 but this binding (dev.tokenkit:tokenkit) "
                + "was written for ABI version 2"), r.out);
        assertTrue(r.out.contains("\nagain libtokenkit has ABI version 1"), r.out);
    }

    @Test
    void namesAMissingFunction() throws Exception {
        fakeLibrary(LibTokenKit.ABI_VERSION);
        Result r = probe(dir.toString());
        assertEquals(1, r.status, r.out);
        assertTrue(r.out.startsWith("error libtokenkit (" + dir.resolve("libtokenkit.so") + ") has ABI version 2 but lacks "
                + "a function this binding needs"), r.out);
        assertTrue(r.out.contains("tokenkit_"), r.out);
    }
}
