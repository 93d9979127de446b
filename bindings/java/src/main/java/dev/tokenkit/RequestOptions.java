package dev.tokenkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The optional parts of one request ({@code tokenkit_request_options}): scope, redirect_uri,
 * code_verifier, token_type_hint, extra parameters and a {@link Cancellation}. Immutable and
 * reusable; made with {@link #builder()}. Everything is unset by default, and null options mean
 * the same as empty ones.
 *
 * <pre>{@code
 * Token token = client.clientCredentials(RequestOptions.builder()
 *         .scope("read write")
 *         .param("audience", "https://api.example")
 *         .cancellation(cancel)
 *         .build());
 * }</pre>
 *
 * <p>Each call uses only some settings, and refuses the others with INVALID_ARGUMENT naming them
 * (a scope given to a code exchange is a mistake, not something to ignore):
 *
 * <table>
 *   <caption>Which call uses what</caption>
 *   <tr><th>call</th><th>settings</th></tr>
 *   <tr><td>{@link Client#exchangeCode}</td><td>redirectUri, codeVerifier, params</td></tr>
 *   <tr><td>{@link Client#refresh}, {@link Client#clientCredentials}</td><td>scope, params</td></tr>
 *   <tr><td>{@link Client#authorizationRequest}</td><td>redirectUri, scope, params</td></tr>
 *   <tr><td>{@link Client#revoke}, {@link Client#introspect}</td><td>tokenTypeHint</td></tr>
 *   <tr><td>{@link TokenKit#discover}, {@link Client#create(Config, RequestOptions)}</td><td>none</td></tr>
 * </table>
 *
 * <p>Every one of them takes a cancellation. The library checks the values when the call is made.
 * {@link #toString()} never shows the code verifier or a parameter's value.
 */
public final class RequestOptions {
    private final String scope;
    private final String redirectUri;
    private final String codeVerifier;
    private final String tokenTypeHint;
    private final List<Map.Entry<String, String>> params;
    private final Cancellation cancellation;

    private RequestOptions(Builder b) {
        this.scope = b.scope;
        this.redirectUri = b.redirectUri;
        this.codeVerifier = b.codeVerifier;
        this.tokenTypeHint = b.tokenTypeHint;
        this.params = Params.copy(b.params);
        this.cancellation = b.cancellation;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The scope to ask for (RFC 6749 §3.3), or null for the grant's or the server's default. */
    public String scope() {
        return scope;
    }

    /** The redirect URI (RFC 6749 §4.1.3), or null. */
    public String redirectUri() {
        return redirectUri;
    }

    /** The PKCE code verifier (RFC 7636), or null. */
    public String codeVerifier() {
        return codeVerifier;
    }

    /** The token_type_hint (RFC 7009 §2.1), or null. */
    public String tokenTypeHint() {
        return tokenTypeHint;
    }

    /** The extra parameters in the order they are sent; an unmodifiable list, empty for none. */
    public List<Map.Entry<String, String>> params() {
        return params;
    }

    /** The cancellation that stops the call, or null. */
    public Cancellation cancellation() {
        return cancellation;
    }

    /** The native options for one call; {@link NativeOptions#NONE} for null or empty options. */
    static NativeOptions toNative(RequestOptions o) {
        if (o == null || (o.scope == null && o.redirectUri == null && o.codeVerifier == null
                && o.tokenTypeHint == null && o.params.isEmpty() && o.cancellation == null)) {
            return NativeOptions.NONE;
        }
        return NativeOptions.make(LibTokenKit.tokenkit_request_options_new(), LibTokenKit::tokenkit_request_options_free,
                n -> {
                    n.setString(LibTokenKit::tokenkit_request_options_set_scope, o.scope, "scope");
                    n.setString(LibTokenKit::tokenkit_request_options_set_redirect_uri, o.redirectUri, "redirect_uri");
                    n.setString(LibTokenKit::tokenkit_request_options_set_code_verifier, o.codeVerifier, "code_verifier");
                    n.setString(LibTokenKit::tokenkit_request_options_set_token_type_hint, o.tokenTypeHint,
                            "token_type_hint");
                    n.addParams(LibTokenKit::tokenkit_request_options_add_param, o.params);
                    n.setCancel(LibTokenKit::tokenkit_request_options_set_cancel, o.cancellation);
                });
    }

    @Override
    public String toString() {
        return "RequestOptions[scope=" + scope + ", redirectUri=" + redirectUri
                + ", codeVerifier=" + (codeVerifier == null ? "(none)" : "(set)")
                + ", tokenTypeHint=" + tokenTypeHint + ", params=" + Params.names(params)
                + ", cancellation=" + (cancellation == null ? "(none)" : "(set)") + "]";
    }

    /** Builds {@link RequestOptions}. Setting a value twice keeps the last; parameters add up. */
    public static final class Builder {
        private String scope;
        private String redirectUri;
        private String codeVerifier;
        private String tokenTypeHint;
        private final List<Map.Entry<String, String>> params = new ArrayList<>();
        private Cancellation cancellation;

        private Builder() {}

        /** The scope to ask for: for refresh, client credentials and authorization URLs. Null unsets it. */
        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        /**
         * The redirect URI, not empty: for code exchanges (the one of the authorization request)
         * and authorization URLs (leave it unset where the provider has one registered, as Works
         * with Nest does). Null unsets it.
         */
        public Builder redirectUri(String redirectUri) {
            this.redirectUri = redirectUri;
            return this;
        }

        /**
         * The PKCE code verifier of the authorization request (RFC 7636 §4.1: 43 to 128
         * characters), for code exchanges. Null unsets it.
         */
        public Builder codeVerifier(String codeVerifier) {
            this.codeVerifier = codeVerifier;
            return this;
        }

        /** "access_token" or "refresh_token" (RFC 7009 §2.1): for revocation and introspection. Null unsets it. */
        public Builder tokenTypeHint(String tokenTypeHint) {
            this.tokenTypeHint = tokenTypeHint;
            return this;
        }

        /**
         * Adds an extra form parameter (e.g. {@code audience}, {@code resource}; {@code access_type}
         * in an authorization URL), sent after those tokenkit sets; a name may repeat. The names
         * tokenkit sets itself (grant_type, code, client_id, …) are refused when the call is made.
         */
        public Builder param(String name, String value) {
            this.params.add(Params.entry(name, value));
            return this;
        }

        /** Adds every entry of {@code params} in its iteration order (use a {@code LinkedHashMap} to choose it). */
        public Builder params(Map<String, String> params) {
            if (params != null) {
                params.forEach(this::param);
            }
            return this;
        }

        /** Stops the call when raised from another thread (CANCELLED); null, the default, for none. */
        public Builder cancellation(Cancellation cancellation) {
            this.cancellation = cancellation;
            return this;
        }

        public RequestOptions build() {
            return new RequestOptions(this);
        }
    }
}
