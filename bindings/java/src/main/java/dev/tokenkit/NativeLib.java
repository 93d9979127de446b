package dev.tokenkit;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Loads libtokenkit once, checks its ABI version, then binds {@link LibTokenKit}'s native methods
 * to it (JNA direct mapping).
 *
 * <p>JNA looks for the library in this order: the directories of the {@code jna.library.path}
 * system property, the system's library paths ({@code LD_LIBRARY_PATH}, ld.so.cache), then the
 * copy bundled in the jar as {@code linux-x86-64/libtokenkit.so}, which it extracts to a temporary
 * file. The version is read through {@code tokenkit_abi_version} alone, before anything else is
 * bound, so a library of another ABI is named as such instead of failing on a missing symbol. A
 * failure is remembered and reported again, with the same message, by every {@link #require()}.
 */
final class NativeLib {
    private static final String LOAD_FAILURE;
    private static final Throwable LOAD_CAUSE;

    static {
        String failure = null;
        Throwable cause = null;
        try {
            NativeLibrary library = NativeLibrary.getInstance("tokenkit");
            Function abiVersion = library.getFunction("tokenkit_abi_version");
            int abi = abiVersion.invokeInt(new Object[0]);
            if (abi != LibTokenKit.ABI_VERSION) {
                failure = "libtokenkit has ABI version " + Integer.toUnsignedString(abi) + " but this binding "
                        + "(dev.tokenkit:tokenkit) was written for ABI version " + LibTokenKit.ABI_VERSION
                        + ": use the binding released with that library";
            } else {
                try {
                    Native.register(LibTokenKit.class, library);
                } catch (UnsatisfiedLinkError e) {
                    failure = "libtokenkit (" + library.getFile() + ") has ABI version " + abi
                            + " but lacks a function this binding needs: " + e.getMessage();
                    cause = e;
                }
            }
        } catch (UnsatisfiedLinkError e) {
            failure = "cannot load libtokenkit: set -Djna.library.path to the directory holding libtokenkit.so "
                    + "(`make lib` puts it in target/release), or use a jar that bundles it for "
                    + Platform.RESOURCE_PREFIX + " (" + e.getMessage() + ")";
            cause = e;
        }
        LOAD_FAILURE = failure;
        LOAD_CAUSE = cause;
    }

    private NativeLib() {}

    /**
     * Returns once {@link LibTokenKit} is bound; throws {@link UnsatisfiedLinkError} if the library
     * could not be loaded or its ABI differs. Every public entry point that reaches native code
     * without an object made by an earlier call (a client, a cancellation) calls it first.
     */
    static void require() {
        if (LOAD_FAILURE != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(LOAD_FAILURE);
            if (LOAD_CAUSE != null) {
                e.initCause(LOAD_CAUSE);
            }
            throw e;
        }
    }
}
