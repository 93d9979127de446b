package dev.tokenkit;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Loads libtokenkit once and checks its ABI version.
 *
 * <p>JNA looks for the library in this order: the directories of the {@code jna.library.path}
 * system property, the system's library paths ({@code LD_LIBRARY_PATH}, ld.so.cache), then the
 * copy bundled in the jar as {@code linux-x86-64/libtokenkit.so}, which it extracts to a temporary
 * file. A failure is remembered and reported again, with the same message, on every use.
 */
final class NativeLib {
    private static final LibTokenKit LIB;
    private static final String LOAD_FAILURE;
    private static final Throwable LOAD_CAUSE;

    static {
        LibTokenKit lib = null;
        String failure = null;
        Throwable cause = null;
        try {
            // Borrowed `const char *` results are decoded as UTF-8 whatever the platform charset.
            lib = Native.load("tokenkit", LibTokenKit.class,
                    Map.of(Library.OPTION_STRING_ENCODING, StandardCharsets.UTF_8.name()));
            int abi = lib.tokenkit_abi_version();
            if (abi != LibTokenKit.ABI_VERSION) {
                failure = "libtokenkit has ABI version " + Integer.toUnsignedString(abi) + " but this binding "
                        + "(dev.tokenkit:tokenkit) was written for ABI version " + LibTokenKit.ABI_VERSION
                        + ": use the binding released with that library";
                lib = null;
            }
        } catch (UnsatisfiedLinkError e) {
            failure = "cannot load libtokenkit: set -Djna.library.path to the directory holding libtokenkit.so "
                    + "(`make lib` puts it in target/release), or use a jar that bundles it for "
                    + Platform.RESOURCE_PREFIX + " (" + e.getMessage() + ")";
            cause = e;
        }
        LIB = lib;
        LOAD_FAILURE = failure;
        LOAD_CAUSE = cause;
    }

    private NativeLib() {}

    /** The loaded library; throws {@link UnsatisfiedLinkError} if it could not be loaded or its ABI differs. */
    static LibTokenKit get() {
        if (LIB == null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(LOAD_FAILURE);
            if (LOAD_CAUSE != null) {
                e.initCause(LOAD_CAUSE);
            }
            throw e;
        }
        return LIB;
    }
}
