package dev.tokenkit;

import java.util.Objects;
import java.util.Optional;

/**
 * A failed tokenkit call: its {@link #kind()}, the library's one-line message (which never holds a
 * secret), and what the server answered, when it answered.
 *
 * <p>Absent values are {@link Optional#empty()}; {@link #httpStatus()} is 0 when no answer was
 * received. A call that a callback stopped (by throwing, or by returning false) fails with
 * {@link ErrorKind#CANCELLED}, and {@link #getCause()} is what the callback threw, if it threw.
 */
public class TokenKitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final int httpStatus;
    private final String oauthError;
    private final String oauthErrorDescription;
    private final String oauthErrorUri;
    private final String body;

    /** An error with no server answer, e.g. for a fake client in tests. */
    public TokenKitException(ErrorKind kind, String message) {
        this(kind, message, 0, null, null, null, null);
    }

    /** An error with everything a server can send; null for what it did not send. */
    public TokenKitException(ErrorKind kind, String message, int httpStatus, String oauthError,
            String oauthErrorDescription, String oauthErrorUri, String body) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.httpStatus = httpStatus;
        this.oauthError = oauthError;
        this.oauthErrorDescription = oauthErrorDescription;
        this.oauthErrorUri = oauthErrorUri;
        this.body = body;
    }

    /** An error with no server answer, caused by {@code cause} (e.g. what a callback threw). */
    public TokenKitException(ErrorKind kind, String message, Throwable cause) {
        this(kind, message);
        initCause(cause);
    }

    static TokenKitException invalidArgument(String message) {
        return new TokenKitException(ErrorKind.INVALID_ARGUMENT, message);
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The HTTP status of the server's answer, or 0 when no answer was received. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The OAuth {@code error} code as the server sent it, e.g. "invalid_grant" or Nest's "oauth2_error". */
    public Optional<String> oauthError() {
        return Optional.ofNullable(oauthError);
    }

    /** The OAuth {@code error_description}. */
    public Optional<String> oauthErrorDescription() {
        return Optional.ofNullable(oauthErrorDescription);
    }

    /** The OAuth {@code error_uri}. */
    public Optional<String> oauthErrorUri() {
        return Optional.ofNullable(oauthErrorUri);
    }

    /** The raw body of the server's error answer (lossily decoded as UTF-8), for logging what a broken server sent. */
    public Optional<String> body() {
        return Optional.ofNullable(body);
    }
}
