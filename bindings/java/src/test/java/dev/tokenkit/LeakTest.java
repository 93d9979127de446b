package dev.tokenkit;

import static dev.tokenkit.TestServer.demoClient;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 100,000 client-credentials calls must not grow resident memory by 5 MiB: every token, string and
 * error the binding receives is freed.
 *
 * <p>It runs alone in a JVM with a fixed, pre-touched heap (see pom.xml), so what could grow is
 * native memory, and the warm-up lets JIT compilation and the malloc arenas reach their working
 * size first. Before each reading the JVM collects garbage and glibc's {@code malloc_trim(0)}
 * hands free pages back to the system: without it, free memory that glibc keeps in its per-thread
 * arenas moves RSS by several MiB either way from one reading to the next. Trimming only releases
 * memory that is free, so a leak still shows.
 */
class LeakTest {
    private static final int WARM_UP = 20_000;
    private static final int CALLS = 100_000;
    private static final long MAX_GROWTH_KIB = 5 * 1024;

    /** glibc. */
    interface LibC extends Library {
        int malloc_trim(long pad);
    }

    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    @Test
    void oneHundredThousandCallsDoNotGrowResidentMemory() throws Exception {
        LibC libc = Native.load("c", LibC.class);
        try (Client client = demoClient("/token")) {
            run(client, WARM_UP);
            collectGarbage();
            long rawBefore = residentKiB();
            libc.malloc_trim(0);
            long before = residentKiB();
            long start = System.nanoTime();
            run(client, CALLS);
            double seconds = (System.nanoTime() - start) / 1e9;
            collectGarbage();
            long rawAfter = residentKiB();
            libc.malloc_trim(0);
            long after = residentKiB();
            String report = String.format("leak check: VmRSS %d KiB after %d warm-up calls, %d KiB after %d more "
                    + "client-credentials calls (%+d KiB; before malloc_trim: %d -> %d KiB, %+d KiB); %.1f s, %.0f calls/s",
                    before, WARM_UP, after, CALLS, after - before, rawBefore, rawAfter, rawAfter - rawBefore,
                    seconds, CALLS / seconds);
            System.out.println(report);
            Files.writeString(Path.of("target", "leak-check.txt"), report + "\n");
            assertTrue(after - before < MAX_GROWTH_KIB, report);
        }
    }

    /**
     * Client-credentials calls with request options; every 100th is followed by a failing one, so
     * errors are freed too.
     */
    private static void run(Client client, int calls) {
        try (Cancellation never = new Cancellation()) {
            // Every call makes and frees a native options object holding a reference to the flag.
            run(client, calls, RequestOptions.builder().scope("read").cancellation(never).build());
        }
    }

    private static void run(Client client, int calls, RequestOptions read) {
        for (int i = 0; i < calls; i++) {
            client.clientCredentials(read);
            if (i % 100 == 99) {
                try {
                    client.refresh("rt-unknown", read);
                } catch (TokenKitException expected) {
                    // invalid_grant: its native error was freed before the throw
                }
            }
        }
    }

    /** Also lets JNA's cleaner free the Memory of collected out-parameters. */
    private static void collectGarbage() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
