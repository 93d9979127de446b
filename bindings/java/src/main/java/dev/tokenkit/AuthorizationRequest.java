package dev.tokenkit;

import com.sun.jna.Pointer;

/**
 * An authorization URL (RFC 6749 §4.1.1) with the {@code state} its redirect must carry back and
 * the PKCE {@code code_verifier} (RFC 7636) for the code exchange, copied out of the library
 * (whose copy is zeroized and freed at once). Immutable. {@link #toString()} never shows the
 * verifier.
 *
 * <p>Send the user to {@link #url()}; when the redirect comes back, check that its {@code state}
 * equals {@link #state()}, then call
 * {@code client.exchangeCode(code, RequestOptions.builder().redirectUri(redirectUri)
 * .codeVerifier(request.codeVerifier()).build())}. {@link Client#signIn} does all of this for a
 * loopback redirect.
 */
public final class AuthorizationRequest {
    private final String url;
    private final String state;
    private final String codeVerifier;

    private AuthorizationRequest(String url, String state, String codeVerifier) {
        this.url = url;
        this.state = state;
        this.codeVerifier = codeVerifier;
    }

    /** Copies the request in {@code auth} and frees it. */
    static AuthorizationRequest take(Pointer auth) {
        if (auth == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR,
                    "the library reported success but returned no authorization request");
        }
        try {
            return new AuthorizationRequest(
                    NativeStrings.borrowed(LibTokenKit.tokenkit_authorization_url(auth)),
                    NativeStrings.borrowed(LibTokenKit.tokenkit_authorization_state(auth)),
                    NativeStrings.borrowed(LibTokenKit.tokenkit_authorization_code_verifier(auth)));
        } finally {
            LibTokenKit.tokenkit_authorization_free(auth);
        }
    }

    /** The URL to send the user to. */
    public String url() {
        return url;
    }

    /** The {@code state} the redirect must carry back. */
    public String state() {
        return state;
    }

    /** The PKCE {@code code_verifier} for the code exchange. Keep it secret. */
    public String codeVerifier() {
        return codeVerifier;
    }

    /** The URL and state; never the verifier. */
    @Override
    public String toString() {
        return "AuthorizationRequest[url=" + url + ", state=" + state + "]";
    }
}
