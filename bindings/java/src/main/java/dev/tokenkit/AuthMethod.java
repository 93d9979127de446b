package dev.tokenkit;

/** How the client authenticates at the token endpoint: the C ABI's {@code tokenkit_auth_method}. */
public enum AuthMethod {
    /** client_id and client_secret in the form body (RFC 6749 §2.3.1). The default, as Nest does. */
    CLIENT_SECRET_POST(0),
    /** HTTP Basic with the form-encoded client_id and client_secret (RFC 6749 §2.3.1). */
    CLIENT_SECRET_BASIC(1),
    /** A public client: client_id in the body, no secret. */
    NONE(2);

    private final int value;

    AuthMethod(int value) {
        this.value = value;
    }

    /** The {@code tokenkit_auth_method} number. */
    int value() {
        return value;
    }
}
