package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/** Turns a failed call's status and owned {@code tokenkit_error} into a {@link TokenKitException}. */
final class Errors {
    private Errors() {}

    /** A native call that reports failure through a status and an error out-parameter. */
    interface Call {
        int invoke(PointerByReference err);
    }

    /** Makes {@code call} and returns if it succeeded; otherwise throws its error, having freed it. */
    static void run(Call call) {
        try (Scratch s = Scratch.get()) {
            check(call.invoke(s.err), s.err);
        }
    }

    /** A native call that stores an object in {@code out} on success, or an error in {@code err}. */
    interface OutCall {
        int invoke(PointerByReference out, PointerByReference err);
    }

    /**
     * Makes {@code call} and returns the object it stored (never NULL: INTERNAL_ERROR then), or
     * throws its error, having freed it. {@code what} names the object in that message.
     */
    static Pointer fetch(OutCall call, String what) {
        try (Scratch s = Scratch.get()) {
            check(call.invoke(s.out, s.err), s.err);
            return output(s.out, what);
        }
    }

    /** Returns if {@code status} is OK; otherwise frees the error in {@code err} and throws it. */
    static void check(int status, PointerByReference err) {
        if (status == LibTokenKit.STATUS_OK) {
            return;
        }
        Pointer e = err.getValue();
        try {
            throw toException(status, e);
        } finally {
            LibTokenKit.tokenkit_error_free(e);
        }
    }

    /** The exception for a failed status; its strings are copied while the error is alive. */
    private static TokenKitException toException(int status, Pointer e) {
        ErrorKind kind = ErrorKind.ofStatus(status);
        if (e == null) {
            // The ABI stores an error whenever a call fails and err is not NULL; say so if it did not.
            return new TokenKitException(kind, NativeStrings.borrowed(LibTokenKit.tokenkit_status_name(status))
                    + " (status " + status + ", and the library returned no error object)");
        }
        String message = NativeStrings.borrowed(LibTokenKit.tokenkit_error_message(e));
        if (kind == ErrorKind.INTERNAL_ERROR && status != ErrorKind.INTERNAL_ERROR.status()) {
            message = "unknown status " + status + ": " + message;
        }
        return new TokenKitException(kind, message, LibTokenKit.tokenkit_error_http_status(e),
                NativeStrings.borrowed(LibTokenKit.tokenkit_error_oauth_error(e)),
                NativeStrings.borrowed(LibTokenKit.tokenkit_error_oauth_error_description(e)),
                NativeStrings.borrowed(LibTokenKit.tokenkit_error_oauth_error_uri(e)),
                NativeStrings.borrowed(LibTokenKit.tokenkit_error_body(e)));
    }

    /** A successful call's object output, or INTERNAL_ERROR if the library broke its contract. */
    static Pointer output(PointerByReference out, String what) {
        Pointer p = out.getValue();
        if (p == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR, "the library reported success but returned no " + what);
        }
        return p;
    }
}
