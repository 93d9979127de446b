package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.Map;

/**
 * A token client: one token endpoint, one set of credentials, one pool of keep-alive connections.
 * Make one with {@link #create(Config)}, share it, and close it when done:
 *
 * <pre>{@code
 * try (Client client = Client.create(config)) {
 *     Token token = client.exchangeCode(code);
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may call it at once. {@link #close()} waits for the calls
 * running on it to end, then frees the native client; it is idempotent, and afterwards every
 * method throws a {@link TokenKitException} of kind INVALID_ARGUMENT ("client is closed"). A
 * client that is never closed is freed once it is garbage-collected, but only then: close it.
 *
 * <p>Every request method returns a new {@link Token} or throws a {@link TokenKitException}. String
 * arguments are borrowed for the call; null means absent for the optional ones, and for a required
 * one is reported as INVALID_ARGUMENT, as are strings holding a NUL character. Extra form
 * parameters are sent in the map's iteration order (use a {@code LinkedHashMap} to choose it); the
 * names tokenkit sets itself (grant_type, code, scope, client_id, …) are refused.
 */
public final class Client implements AutoCloseable {
    private final LibTokenKit lib;
    private final NativeHandle handle;
    private final String description;

    private Client(LibTokenKit lib, Pointer client, Config config) {
        this.lib = lib;
        this.handle = new NativeHandle(this, client, lib::tokenkit_client_free, "client is closed");
        this.description = "Client[tokenEndpoint=" + config.tokenEndpoint() + ", clientId=" + config.clientId();
    }

    /**
     * Makes a client; everything it needs from {@code config} is copied. Throws INVALID_ARGUMENT
     * (no endpoint, an empty client id, a secret missing for the auth method or present with
     * {@link AuthMethod#NONE}, a bad timeout, an unreadable CA file…) or INSECURE (plain http:// to
     * a host that is not loopback).
     */
    public static Client create(Config config) {
        if (config == null) {
            throw TokenKitException.invalidArgument("config is null");
        }
        LibTokenKit lib = NativeLib.get();
        Pointer nativeConfig = config.toNative(lib);
        try {
            PointerByReference out = new PointerByReference();
            PointerByReference err = new PointerByReference();
            Errors.check(lib, lib.tokenkit_client_new(nativeConfig, out, err), err);
            return new Client(lib, out.getValue(), config);
        } finally {
            lib.tokenkit_config_free(nativeConfig);
        }
    }

    /** Exchanges an authorization code for a token (RFC 6749 §4.1.3). Never retried: a code is single-use. */
    public Token exchangeCode(String code) {
        return exchangeCode(code, null, null, null);
    }

    /**
     * Exchanges an authorization code for a token (RFC 6749 §4.1.3), with the {@code redirect_uri}
     * of the authorization request and the PKCE {@code code_verifier} (RFC 7636), each null when
     * not used, and extra form parameters (null or empty for none). Never retried.
     */
    public Token exchangeCode(String code, String redirectUri, String codeVerifier, Map<String, String> extraParams) {
        return handle.call(client -> {
            try (CString c = CString.of(code, "code");
                    CString r = CString.of(redirectUri, "redirect_uri");
                    CString v = CString.of(codeVerifier, "code_verifier");
                    NativeParams p = NativeParams.of(lib, extraParams)) {
                return Token.fetch(lib, (out, err) -> lib.tokenkit_client_exchange_code(
                        client, c.pointer(), r.pointer(), v.pointer(), p.pointer(), out, err));
            }
        });
    }

    /** Uses a refresh token (RFC 6749 §6) for the scope of the original grant. */
    public Token refresh(String refreshToken) {
        return refresh(refreshToken, null, null);
    }

    /**
     * Uses a refresh token (RFC 6749 §6), asking for {@code scope} (null for the original grant's),
     * with extra form parameters (null or empty for none). When the server sends no new refresh
     * token, the returned token has none and the one you used stays valid: keep it.
     */
    public Token refresh(String refreshToken, String scope, Map<String, String> extraParams) {
        return handle.call(client -> {
            try (CString t = CString.of(refreshToken, "refresh_token");
                    CString s = CString.of(scope, "scope");
                    NativeParams p = NativeParams.of(lib, extraParams)) {
                return Token.fetch(lib, (out, err) -> lib.tokenkit_client_refresh(
                        client, t.pointer(), s.pointer(), p.pointer(), out, err));
            }
        });
    }

    /** The client credentials grant (RFC 6749 §4.4) for the server's default scope. */
    public Token clientCredentials() {
        return clientCredentials(null, null);
    }

    /**
     * The client credentials grant (RFC 6749 §4.4) for {@code scope} (null for the server's
     * default), with extra form parameters such as {@code audience} or {@code resource} (null or
     * empty for none).
     */
    public Token clientCredentials(String scope, Map<String, String> extraParams) {
        return handle.call(client -> {
            try (CString s = CString.of(scope, "scope");
                    NativeParams p = NativeParams.of(lib, extraParams)) {
                return Token.fetch(lib, (out, err) -> lib.tokenkit_client_client_credentials(
                        client, s.pointer(), p.pointer(), out, err));
            }
        });
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /**
     * Frees the native client and its connections, zeroizing its secret, once the calls running on
     * it have ended. Calling it again does nothing.
     */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return description + (isClosed() ? ", closed]" : "]");
    }
}
