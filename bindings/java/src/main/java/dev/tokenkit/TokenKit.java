package dev.tokenkit;

/** The library's version and the Works with Nest sample's one-call code exchange. */
public final class TokenKit {
    private TokenKit() {}

    /** The native library's version, e.g. "0.1.0". */
    public static String version() {
        return NativeLib.get().tokenkit_version();
    }

    /**
     * The Works with Nest sample in one call: POSTs {@code code}, {@code client_id},
     * {@code client_secret} and {@code grant_type=authorization_code} as a form
     * (client_secret_post) to {@code tokenUrl} and returns the token. {@code clientSecret} may be
     * null for a public client. Makes and frees a client each time: for more than one request,
     * make a {@link Client}. Throws as {@link Client#exchangeCode(String)}, plus INSECURE.
     */
    public static Token exchangeCode(String tokenUrl, String code, String clientId, String clientSecret) {
        LibTokenKit lib = NativeLib.get();
        try (CString u = CString.of(tokenUrl, "token_url");
                CString c = CString.of(code, "code");
                CString id = CString.of(clientId, "client_id");
                CString secret = CString.of(clientSecret, "client_secret")) {
            return Token.fetch(lib, (out, err) -> lib.tokenkit_exchange_code(
                    u.pointer(), c.pointer(), id.pointer(), secret.pointer(), out, err));
        }
    }
}
