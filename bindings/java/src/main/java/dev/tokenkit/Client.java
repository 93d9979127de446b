package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

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
 *
 * <p>Beyond the token endpoint's grants it builds authorization URLs, signs a user in through the
 * browser ({@link #signInLoopback}), runs the device flow ({@link #deviceFlow}), revokes and
 * introspects tokens, and makes {@link TokenSource}s; each needs its endpoint in the config (or
 * from a preset or discovery), or throws INVALID_ARGUMENT naming it. The calls that wait on the
 * user block the calling thread; a {@link Cancellation} stops them from another.
 */
public final class Client implements AutoCloseable {
    private final LibTokenKit lib;
    private final NativeHandle handle;
    private final String description;
    private final String metadata;
    // Per-thread "inside a callback" flags, and where what the callbacks throw is kept.
    private final CallbackGuard signInGuard = new CallbackGuard();
    private final CallbackGuard deviceFlowGuard = new CallbackGuard();

    private Client(LibTokenKit lib, Pointer client, Config config, String metadata) {
        this.lib = lib;
        this.handle = new NativeHandle(this, client, lib::tokenkit_client_free, "client is closed");
        this.metadata = metadata;
        String endpoint = config.tokenEndpoint() != null ? "tokenEndpoint=" + config.tokenEndpoint()
                : config.issuer() != null ? "issuer=" + config.issuer()
                : "preset=" + config.preset();
        this.description = "Client[" + endpoint + ", clientId=" + config.clientId();
    }

    /**
     * Makes a client; everything it needs from {@code config} is copied. Throws INVALID_ARGUMENT
     * (no endpoint, an empty client id, a secret missing for the auth method or present with
     * {@link AuthMethod#NONE}, a bad timeout, an unreadable CA file, an unknown preset…) or
     * INSECURE (plain http:// to a host that is not loopback). With an {@linkplain
     * Config.Builder#issuer issuer}, it first fetches the issuer's metadata, and also throws what
     * {@link TokenKit#discover} throws.
     */
    public static Client create(Config config) {
        if (config == null) {
            throw TokenKitException.invalidArgument("config is null");
        }
        LibTokenKit lib = NativeLib.get();
        Config.Native nativeConfig = config.toNative(lib);
        try {
            PointerByReference out = new PointerByReference();
            PointerByReference err = new PointerByReference();
            Errors.check(lib, lib.tokenkit_client_new(nativeConfig.config(), out, err), err);
            return new Client(lib, out.getValue(), config, nativeConfig.metadata());
        } finally {
            lib.tokenkit_config_free(nativeConfig.config());
        }
    }

    /**
     * The authorization server metadata (RFC 8414) fetched when this client was made from a
     * config with an {@linkplain Config.Builder#issuer issuer}, as JSON; empty otherwise.
     */
    public Optional<String> metadata() {
        return Optional.ofNullable(metadata);
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

    /**
     * Builds an authorization URL (RFC 6749 §4.1.1) with a fresh {@code state} and a PKCE S256
     * challenge (RFC 7636). {@code redirectUri} may be null where the provider has one registered
     * (Works with Nest), {@code scope} null for the preset's default, {@code params} (e.g.
     * {@code access_type=offline}) null or empty for none. No network call. Throws
     * INVALID_ARGUMENT (no authorization endpoint, a bad argument) or INSECURE.
     */
    public AuthorizationRequest authorizationRequest(String redirectUri, String scope, Map<String, String> params) {
        return handle.call(client -> {
            try (CString r = CString.of(redirectUri, "redirect_uri");
                    CString s = CString.of(scope, "scope");
                    NativeParams p = NativeParams.of(lib, params)) {
                return fetch((out, err) -> lib.tokenkit_client_authorization_request(
                        client, r.pointer(), s.pointer(), p.pointer(), out, err), a -> AuthorizationRequest.take(lib, a));
            }
        });
    }

    /**
     * Signs the user in through the browser with a loopback redirect (RFC 8252 §7.3): listens on
     * 127.0.0.1 (redirect URI {@code http://127.0.0.1:PORT/callback}), gives the authorization URL
     * to {@code options.openUrl()}, accepts exactly one redirect, checks its {@code state} and,
     * when the issuer is known from discovery, its {@code iss} (RFC 9207), and exchanges the code
     * with the PKCE verifier. Blocks until then, at most {@code options.timeout()}.
     *
     * <p>Throws INVALID_ARGUMENT (no authorization endpoint, no openUrl, a port outside 0..65535,
     * a timeout that is not positive, a closed cancellation, or called from inside openUrl of a
     * sign-in on this client), OAUTH_ERROR (e.g. {@code access_denied} from the redirect, or the
     * code exchange's error), PROTOCOL_ERROR (wrong state or iss, a redirect with neither code
     * nor error), TIMEOUT, CANCELLED, TRANSPORT_ERROR (cannot listen on the port), and what
     * {@link #exchangeCode} throws. If openUrl throws, the sign-in stops at once and this throws
     * what openUrl threw.
     */
    public Token signInLoopback(LoopbackOptions options) {
        if (options == null) {
            throw TokenKitException.invalidArgument("options is null");
        }
        if (signInGuard.inCallback()) {
            throw TokenKitException.invalidArgument("signInLoopback was called from inside openUrl of a sign-in on the same client");
        }
        int port = options.port();
        if (port < 0 || port > 0xFFFF) {
            throw TokenKitException.invalidArgument("port must be 0..65535");
        }
        long timeoutMs = options.timeout() == null ? 0L : Config.millis(options.timeout());
        LibTokenKit.BorrowingFn openUrl = options.openUrl() == null ? null
                : signInGuard.callback(url -> url.getString(0, StandardCharsets.UTF_8.name()), options.openUrl());
        return handle.call(client -> {
            try (CString s = CString.of(options.scope(), "scope");
                    NativeParams p = NativeParams.of(lib, options.params());
                    Cancellation.Use cancel = Cancellation.Use.linked(lib, options.cancellation())) {
                return signInGuard.call(cancel::abort, () -> Token.fetch(lib, (out, err) ->
                        lib.tokenkit_client_sign_in_loopback(client, s.pointer(), p.pointer(), (short) port, timeoutMs,
                                openUrl, null, cancel.pointer(), out, err)));
            } finally {
                Reference.reachabilityFence(openUrl);
            }
        });
    }

    /** Signs in with {@link LoopbackOptions} defaults: a free port, a 5-minute timeout, no cancellation. */
    public Token signInLoopback(String scope, Consumer<String> openUrl) {
        return signInLoopback(LoopbackOptions.builder().scope(scope).openUrl(openUrl).build());
    }

    /**
     * Requests a device code (RFC 8628 §3.1) for {@code scope} (null for the server's default),
     * with extra form parameters (null or empty for none). Show the user
     * {@link DeviceAuthorization#userCode()} and {@link DeviceAuthorization#verificationUri()},
     * then call {@link #devicePoll}; close the result when done. Throws INVALID_ARGUMENT (no device
     * authorization endpoint), OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR,
     * PROTOCOL_ERROR or INSECURE.
     */
    public DeviceAuthorization deviceAuthorize(String scope, Map<String, String> params) {
        return handle.call(client -> {
            try (CString s = CString.of(scope, "scope");
                    NativeParams p = NativeParams.of(lib, params)) {
                return fetch((out, err) -> lib.tokenkit_client_device_authorize(client, s.pointer(), p.pointer(), out, err),
                        a -> DeviceAuthorization.take(lib, a));
            }
        });
    }

    /**
     * Polls the token endpoint for {@code authorization} at the server's interval until the user
     * answers (RFC 8628 §3.4-3.5): keeps polling on {@code authorization_pending}, slows down on
     * {@code slow_down}. Blocks the calling thread; {@code cancellation} (may be null) stops it
     * from another. Throws OAUTH_ERROR ({@code access_denied}, {@code expired_token}), TIMEOUT (the
     * device code's lifetime ran out), CANCELLED, INVALID_ARGUMENT (a closed authorization or
     * cancellation) and the failures of {@link #refresh}.
     */
    public Token devicePoll(DeviceAuthorization authorization, Cancellation cancellation) {
        if (authorization == null) {
            throw TokenKitException.invalidArgument("authorization is null");
        }
        return handle.call(client -> authorization.call(auth -> {
            try (Cancellation.Use cancel = Cancellation.Use.shared(cancellation)) {
                return Token.fetch(lib, (out, err) -> lib.tokenkit_client_device_poll(client, auth, cancel.pointer(), out, err));
            }
        }));
    }

    /**
     * The whole device flow: {@link #deviceAuthorize}, then {@code show} with the response (on
     * this thread, before polling starts; it must return promptly: print or display the user
     * code and URI), then {@link #devicePoll}. {@code show} is required; the
     * {@link DeviceAuthorization} it gets is a copy that cannot be polled. If it throws, the flow
     * stops at once and this throws what it threw. Throws what those two throw.
     */
    public Token deviceFlow(String scope, Map<String, String> params, Consumer<DeviceAuthorization> show,
            Cancellation cancellation) {
        LibTokenKit.BorrowingFn showCode = show == null ? null
                : deviceFlowGuard.callback(a -> DeviceAuthorization.copy(lib, a), show);
        return handle.call(client -> {
            try (CString s = CString.of(scope, "scope");
                    NativeParams p = NativeParams.of(lib, params);
                    Cancellation.Use cancel = Cancellation.Use.linked(lib, cancellation)) {
                return deviceFlowGuard.call(cancel::abort, () -> Token.fetch(lib, (out, err) ->
                        lib.tokenkit_client_device_flow(client, s.pointer(), p.pointer(), showCode, null, cancel.pointer(),
                                out, err)));
            } finally {
                Reference.reachabilityFence(showCode);
            }
        });
    }

    /**
     * Revokes {@code token} (RFC 7009; or Works with Nest's DELETE with
     * {@link RevocationStyle#NEST_DELETE}). {@code tokenTypeHint} ("access_token" or
     * "refresh_token") may be null. Returns normally also for a token the server did not know
     * (RFC 7009 §2.2). Throws INVALID_ARGUMENT (no revocation endpoint), OAUTH_ERROR, HTTP_ERROR,
     * TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR or INSECURE.
     */
    public void revoke(String token, String tokenTypeHint) {
        handle.call(client -> {
            try (CString t = CString.of(token, "token");
                    CString h = CString.of(tokenTypeHint, "token_type_hint")) {
                PointerByReference err = new PointerByReference();
                Errors.check(lib, lib.tokenkit_client_revoke(client, t.pointer(), h.pointer(), err), err);
                return null;
            }
        });
    }

    /** Revokes {@code token} without a type hint. */
    public void revoke(String token) {
        revoke(token, null);
    }

    /**
     * Asks the introspection endpoint about {@code token} (RFC 7662); {@code tokenTypeHint} may be
     * null. Throws INVALID_ARGUMENT (no introspection endpoint), OAUTH_ERROR, HTTP_ERROR,
     * TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR or INSECURE.
     */
    public Introspection introspect(String token, String tokenTypeHint) {
        return handle.call(client -> {
            try (CString t = CString.of(token, "token");
                    CString h = CString.of(tokenTypeHint, "token_type_hint")) {
                return fetch((out, err) -> lib.tokenkit_client_introspect(client, t.pointer(), h.pointer(), out, err),
                        i -> Introspection.take(lib, i));
            }
        });
    }

    /** Asks the introspection endpoint about {@code token} without a type hint. */
    public Introspection introspect(String token) {
        return introspect(token, null);
    }

    /**
     * A {@link TokenSource} that starts from {@code initial} (it refreshes with the token's
     * refresh token), counting a token as expired {@code skew} before its expiry (null for the
     * default, 60 s; whole seconds, rounded up), and tells {@code onChange} (may be null) about
     * every new token. Throws INVALID_ARGUMENT for a null token or a negative skew.
     */
    public TokenSource tokenSource(Token initial, Duration skew, Consumer<Token> onChange) {
        if (initial == null) {
            return tokenSource((String) null, skew, onChange); // the library names what is missing
        }
        return loadTokenSource(initial.toSavedJson(), skew, onChange);
    }

    /**
     * A {@link TokenSource} from a refresh token alone: its first use refreshes. Otherwise as
     * {@link #tokenSource(Token, Duration, Consumer)}.
     */
    public TokenSource tokenSource(String refreshToken, Duration skew, Consumer<Token> onChange) {
        return handle.call(client -> {
            try (CString rt = CString.of(refreshToken, "refresh_token")) {
                return TokenSource.create(lib, skew, onChange, (skewSeconds, callback, out, err) ->
                        lib.tokenkit_source_new(client, null, rt.pointer(), skewSeconds, callback, null, out, err));
            }
        });
    }

    /** {@link TokenSource#load}. */
    TokenSource loadTokenSource(String json, Duration skew, Consumer<Token> onChange) {
        return handle.call(client -> {
            try (CString j = CString.of(json, "json")) {
                return TokenSource.create(lib, skew, onChange, (skewSeconds, callback, out, err) ->
                        lib.tokenkit_source_from_json(client, j.pointer(), skewSeconds, callback, null, out, err));
            }
        });
    }

    /** Makes a call that stores an object in {@code out}, and returns {@code take} of it, or throws its error. */
    private <T> T fetch(Token.Call call, Function<Pointer, T> take) {
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Errors.check(lib, call.invoke(out, err), err);
        return take.apply(out.getValue());
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
