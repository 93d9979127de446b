package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/** Turns a failed call's status and owned {@code tokenkit_error} into a {@link TokenKitException}. */
final class Errors {
    private Errors() {}

    /** Returns if {@code status} is OK; otherwise frees the error in {@code err} and throws it. */
    static void check(LibTokenKit lib, int status, PointerByReference err) {
        if (status == LibTokenKit.STATUS_OK) {
            return;
        }
        Pointer e = err.getValue();
        try {
            throw toException(lib, status, e);
        } finally {
            lib.tokenkit_error_free(e);
        }
    }

    private static TokenKitException toException(LibTokenKit lib, int status, Pointer e) {
        ErrorKind kind = ErrorKind.ofStatus(status);
        if (e == null) {
            // The ABI stores an error whenever a call fails and err is not NULL; say so if it did not.
            return new TokenKitException(kind, lib.tokenkit_status_name(status) + " (status " + status
                    + ", and the library returned no error object)");
        }
        String message = lib.tokenkit_error_message(e);
        if (kind == ErrorKind.INTERNAL_ERROR && status != ErrorKind.INTERNAL_ERROR.status()) {
            message = "unknown status " + status + ": " + message;
        }
        return new TokenKitException(kind, message, lib.tokenkit_error_http_status(e),
                lib.tokenkit_error_oauth_error(e), lib.tokenkit_error_oauth_error_description(e),
                lib.tokenkit_error_oauth_error_uri(e), lib.tokenkit_error_body(e));
    }
}
