package dev.tokenkit;

/**
 * What kind of failure a {@link TokenKitException} reports: the C ABI's {@code tokenkit_status}
 * values, with the same fixed numbers.
 */
public enum ErrorKind {
    /** An argument was null, empty, malformed or out of range, or the client is closed; the message names it. */
    INVALID_ARGUMENT(1),
    /**
     * The server sent an OAuth error response (RFC 6749 §5.2: HTTP 400 or 401, or 200 at the token
     * and device endpoints); see {@link TokenKitException#oauthError()}.
     */
    OAUTH_ERROR(2),
    /** The server answered with another HTTP failure (a 500 page, a 3xx, a 404); the message quotes any {@code error}. */
    HTTP_ERROR(3),
    /** Connection refused or reset, or the host name did not resolve. */
    TRANSPORT_ERROR(4),
    /** The connect timeout or the call's deadline ran out. */
    TIMEOUT(5),
    /** TLS handshake or certificate verification failed. */
    TLS_ERROR(6),
    /** The response broke the protocol: bad JSON, no access_token, body over the cap, NUL in a value. */
    PROTOCOL_ERROR(7),
    /** A plain http:// URL to a host that is not loopback was refused. */
    INSECURE(8),
    /** A bug in tokenkit was caught before it could reach the caller. Please report it. */
    INTERNAL_ERROR(9),
    /**
     * A {@link Cancellation} given to the call was raised, or a callback ({@code openUrl},
     * {@code onPrompt}) asked to stop: see {@link TokenKitException#getCause()}.
     */
    CANCELLED(10);

    private final int status;

    ErrorKind(int status) {
        this.status = status;
    }

    /** The {@code tokenkit_status} number. */
    public int status() {
        return status;
    }

    /** The kind for a failed call's status; INTERNAL_ERROR for a number this binding does not know. */
    static ErrorKind ofStatus(int status) {
        for (ErrorKind kind : values()) {
            if (kind.status == status) {
                return kind;
            }
        }
        return INTERNAL_ERROR;
    }
}
