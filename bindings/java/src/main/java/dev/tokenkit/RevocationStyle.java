package dev.tokenkit;

/** How {@link Client#revoke} revokes a token: the C ABI's {@code tokenkit_revocation_style}. */
public enum RevocationStyle {
    /** RFC 7009: POST token and token_type_hint to the revocation endpoint. The default. */
    RFC7009(0),
    /** Works with Nest: DELETE {@code <revocation endpoint>/<access token>}. */
    NEST_DELETE(1);

    private final int value;

    RevocationStyle(int value) {
        this.value = value;
    }

    /** The {@code tokenkit_revocation_style} number. */
    int value() {
        return value;
    }
}
