package dev.tokenkit;

import com.sun.jna.Pointer;

/** The library's version, the Works with Nest sample's one-call code exchange, and discovery. */
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

    /**
     * Fetches the authorization server metadata of {@code issuer} (RFC 8414
     * {@code /.well-known/oauth-authorization-server}, then OpenID Connect's
     * {@code /.well-known/openid-configuration}), checks that it names exactly this issuer and has
     * a token endpoint, and returns the document as JSON. Uses the library's default timeouts,
     * trust store and retry policy; for others, make a client with {@link Config.Builder#issuer}
     * and read {@link Client#metadata()}. Throws INVALID_ARGUMENT, INSECURE (plain http:// to a
     * host that is not loopback), PROTOCOL_ERROR (issuer mismatch, bad JSON, no token_endpoint),
     * HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT or TLS_ERROR.
     */
    public static String discover(String issuer) {
        LibTokenKit lib = NativeLib.get();
        Pointer config = lib.tokenkit_config_new();
        try {
            return Config.discover(lib, config, issuer);
        } finally {
            lib.tokenkit_config_free(config);
        }
    }
}
