package dev.tokenkit;

import com.sun.jna.Pointer;

/** The library's version, the Works with Nest sample's one-call code exchange, and discovery. */
public final class TokenKit {
    private TokenKit() {}

    /** The native library's version, e.g. "0.2.0". */
    public static String version() {
        NativeLib.require();
        return NativeStrings.borrowed(LibTokenKit.tokenkit_version());
    }

    /**
     * The Works with Nest sample in one call: POSTs {@code code}, {@code client_id},
     * {@code client_secret} and {@code grant_type=authorization_code} as a form
     * (client_secret_post) to {@code tokenEndpoint} and returns the token. {@code clientSecret}
     * may be null for a public client (auth method none). Makes and frees a client each time: for
     * more than one request, or to cancel it, make a {@link Client}. Throws as
     * {@link Client#exchangeCode(String)}, plus INSECURE.
     */
    public static Token exchangeCode(String tokenEndpoint, String code, String clientId, String clientSecret) {
        NativeLib.require();
        try (CString u = CString.of(tokenEndpoint, "token_endpoint");
                CString c = CString.of(code, "code");
                CString id = CString.of(clientId, "client_id");
                CString secret = CString.of(clientSecret, "client_secret")) {
            LibTokenKit.ExchangeRequest request = new LibTokenKit.ExchangeRequest();
            request.token_endpoint = u.pointer();
            request.code = c.pointer();
            request.client_id = id.pointer();
            request.client_secret = secret.pointer();
            return Token.fetch((out, err) -> LibTokenKit.tokenkit_exchange_code(request, out, err));
        }
    }

    /** {@link #discover(String, RequestOptions)} without a cancellation. */
    public static String discover(String issuer) {
        return discover(issuer, null);
    }

    /**
     * Fetches the authorization server metadata of {@code issuer} (RFC 8414
     * {@code /.well-known/oauth-authorization-server}, then OpenID Connect's
     * {@code /.well-known/openid-configuration}), checks that it names exactly this issuer and has
     * a token endpoint, and returns the document as JSON. Of {@code options} (may be null), only
     * the cancellation applies. Uses the library's default timeouts, trust store and retry policy;
     * for others, make a client with {@link Config.Builder#issuer} and read
     * {@link Client#metadata()}. Throws INVALID_ARGUMENT, INSECURE (plain http:// to a host that
     * is not loopback), PROTOCOL_ERROR (issuer mismatch, bad JSON, no token_endpoint), HTTP_ERROR,
     * TRANSPORT_ERROR, TIMEOUT, TLS_ERROR or CANCELLED.
     */
    public static String discover(String issuer, RequestOptions options) {
        NativeLib.require();
        Pointer config = LibTokenKit.tokenkit_config_new();
        try {
            return Config.discover(config, issuer, options);
        } finally {
            LibTokenKit.tokenkit_config_free(config);
        }
    }
}
