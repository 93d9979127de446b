package dev.tokenkit;

import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Optional;
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
 * <p>Every request method returns a new {@link Token} (or its result) or throws a
 * {@link TokenKitException}. String arguments are borrowed for the call; a null or empty required
 * one is reported as INVALID_ARGUMENT, as are strings holding a NUL character. The optional
 * settings of a call are in its options object ({@link RequestOptions}, {@link SignInOptions},
 * {@link DeviceOptions}), null for the defaults; each takes a {@link Cancellation}, which stops the
 * call from another thread within about 100 ms, also in the middle of a request.
 *
 * <p>Beyond the token endpoint's grants it builds authorization URLs, signs a user in through the
 * browser ({@link #signIn}), runs the device flow ({@link #deviceFlow}), revokes and introspects
 * tokens, and makes {@link TokenSource}s; each needs its endpoint in the config (or from a preset
 * or discovery), or throws INVALID_ARGUMENT naming it.
 */
public final class Client implements AutoCloseable {
    private final NativeHandle handle;
    private final String description;
    private final String metadata;
    // Per-thread "inside a callback" flags, and where what the callbacks throw is kept.
    private final CallbackGuard signInGuard = new CallbackGuard();
    private final CallbackGuard deviceFlowGuard = new CallbackGuard();
    private final CallbackGuard devicePollGuard = new CallbackGuard();
    // The config's log, or null: the library calls it until the native client is freed.
    private final LogCallback log;

    private Client(Pointer client, Config config, String metadata, LogCallback log) {
        this.log = log;
        // The free action holds the log's JNA callback, so it stays reachable until the client is freed.
        this.handle = new NativeHandle(this, client, p -> {
            LibTokenKit.tokenkit_client_free(p);
            Reference.reachabilityFence(log);
        }, "client is closed");
        this.metadata = metadata;
        String endpoint = config.tokenEndpoint() != null ? "tokenEndpoint=" + config.tokenEndpoint()
                : config.issuer() != null ? "issuer=" + config.issuer()
                : config.profile() != null ? "profile=" + config.profile()
                : "preset=" + config.preset();
        this.description = "Client[" + endpoint + ", clientId=" + config.clientId();
    }

    /** {@link #create(Config, RequestOptions)} without a cancellation. */
    public static Client create(Config config) {
        return create(config, null);
    }

    /**
     * Makes a client; everything it needs from {@code config} is copied. Throws INVALID_ARGUMENT
     * (no endpoint, an empty client id, a secret missing for the auth method or present with
     * {@link AuthMethod#NONE}, a bad timeout, an unreadable CA file, an unknown preset…) or
     * INSECURE (plain http:// to a host that is not loopback). With an {@linkplain
     * Config.Builder#issuer issuer}, it first fetches the issuer's metadata, which the
     * cancellation of {@code discovery} (may be null; nothing else of it applies) can stop, and
     * also throws what {@link TokenKit#discover} throws.
     */
    public static Client create(Config config, RequestOptions discovery) {
        if (config == null) {
            throw TokenKitException.invalidArgument("config is null");
        }
        NativeLib.require();
        LogCallback log = LogCallback.of(config);
        Config.Native nativeConfig = config.toNative(discovery, LogCallback.fn(log));
        try {
            Pointer client = Errors.fetch((out, err) -> LibTokenKit.tokenkit_client_new(nativeConfig.config(), out, err),
                    "client");
            return new Client(client, config, nativeConfig.metadata(), log);
        } finally {
            LibTokenKit.tokenkit_config_free(nativeConfig.config());
            Reference.reachabilityFence(log);
        }
    }

    /**
     * The authorization server metadata (RFC 8414) fetched when this client was made from a
     * config with an {@linkplain Config.Builder#issuer issuer}, as JSON; empty otherwise.
     */
    public Optional<String> metadata() {
        return Optional.ofNullable(metadata);
    }

    /** {@link #exchangeCode(String, RequestOptions)} with no options. */
    public Token exchangeCode(String code) {
        return exchangeCode(code, null);
    }

    /**
     * Exchanges an authorization code for a token (RFC 6749 §4.1.3). {@code options} may carry the
     * {@code redirect_uri} of the authorization request, the PKCE {@code code_verifier} (RFC 7636),
     * extra parameters and a cancellation. Never retried: a code is single-use.
     */
    public Token exchangeCode(String code, RequestOptions options) {
        return use(client -> {
            try (CString c = CString.of(code, "code"); NativeOptions o = RequestOptions.toNative(options)) {
                return Token.fetch((out, err) -> LibTokenKit.tokenkit_client_exchange_code(client, c.pointer(), o.pointer(),
                        out, err));
            }
        });
    }

    /** {@link #refresh(String, RequestOptions)} with no options: the original grant's scope. */
    public Token refresh(String refreshToken) {
        return refresh(refreshToken, null);
    }

    /**
     * Uses a refresh token (RFC 6749 §6). {@code options} may carry a scope (unset: the original
     * grant's), extra parameters and a cancellation. When the server sends no new refresh token,
     * the returned token has none and the one you used stays valid: keep it.
     */
    public Token refresh(String refreshToken, RequestOptions options) {
        return use(client -> {
            try (CString t = CString.of(refreshToken, "refresh_token"); NativeOptions o = RequestOptions.toNative(options)) {
                return Token.fetch((out, err) -> LibTokenKit.tokenkit_client_refresh(client, t.pointer(), o.pointer(),
                        out, err));
            }
        });
    }

    /** {@link #clientCredentials(RequestOptions)} with no options: the server's default scope. */
    public Token clientCredentials() {
        return clientCredentials(null);
    }

    /**
     * The client credentials grant (RFC 6749 §4.4). {@code options} may carry a scope (unset: the
     * server's default), extra parameters such as {@code audience} or {@code resource}, and a
     * cancellation.
     */
    public Token clientCredentials(RequestOptions options) {
        return use(client -> {
            try (NativeOptions o = RequestOptions.toNative(options)) {
                return Token.fetch((out, err) -> LibTokenKit.tokenkit_client_client_credentials(client, o.pointer(), out,
                        err));
            }
        });
    }

    /**
     * Builds an authorization URL (RFC 6749 §4.1.1) with a fresh {@code state} and a PKCE S256
     * challenge (RFC 7636). {@code options} may carry the redirect URI (leave it unset where the
     * provider has one registered, as Works with Nest does), a scope (unset: the preset's) and
     * extra parameters (e.g. {@code access_type=offline}). No network call. Throws
     * INVALID_ARGUMENT (no authorization endpoint, a bad argument).
     */
    public AuthorizationRequest authorizationRequest(RequestOptions options) {
        return use(client -> {
            try (NativeOptions o = RequestOptions.toNative(options)) {
                return fetch((out, err) -> LibTokenKit.tokenkit_client_authorization_request(client, o.pointer(), out, err),
                        "authorization request", AuthorizationRequest::take);
            }
        });
    }

    /**
     * Signs the user in through the browser with a loopback redirect (RFC 8252 §7.3): listens on
     * 127.0.0.1 (redirect URI {@code http://127.0.0.1:PORT/callback}), gives the authorization URL
     * to {@code options.openUrl()}, waits for the redirect that carries this sign-in's
     * {@code state}, checks its {@code iss} (RFC 9207) when the issuer is known from discovery, and
     * exchanges the code with the PKCE verifier. Blocks until then, at most
     * {@code options.timeout()}.
     *
     * <p>Throws INVALID_ARGUMENT (null options, no openUrl, no authorization endpoint, a port outside
     * 0..65535, a timeout that is not positive, a closed cancellation, or called from inside
     * openUrl of a sign-in on this client), OAUTH_ERROR (e.g. {@code access_denied} from the
     * redirect, or the code exchange's error), PROTOCOL_ERROR (wrong iss, a redirect with neither
     * code nor error), TIMEOUT, CANCELLED (the cancellation was raised, or openUrl returned false or
     * threw: then what it threw is the exception's cause), TRANSPORT_ERROR (cannot listen on the
     * port), and what {@link #exchangeCode} throws.
     */
    public Token signIn(SignInOptions options) {
        if (options == null) {
            throw TokenKitException.invalidArgument("options is null");
        }
        if (signInGuard.inCallback()) {
            throw TokenKitException.invalidArgument("signIn was called from inside openUrl of a sign-in on the same client");
        }
        SignInOptions.OpenUrl openUrl = options.openUrl();
        LibTokenKit.OpenUrlFn openUrlFn = openUrl == null ? null
                : (userData, url) -> signInGuard.invoke(() -> openUrl.open(NativeStrings.borrowed(url)));
        return use(client -> {
            try (NativeOptions o = options.toNative(openUrlFn)) {
                return signInGuard.call(() -> Token.fetch((out, err) ->
                        LibTokenKit.tokenkit_client_sign_in(client, o.pointer(), out, err)));
            } finally {
                Reference.reachabilityFence(openUrlFn);
            }
        });
    }

    /**
     * Requests a device code (RFC 8628 §3.1). {@code options} (may be null) may carry a scope,
     * extra parameters, PKCE and a cancellation; its prompt is not used. Show the user
     * {@link DeviceAuthorization#userCode()} and {@link DeviceAuthorization#verificationUri()},
     * then call {@link #devicePoll} with the same options; close the result when done. Throws
     * INVALID_ARGUMENT (no device authorization endpoint), OAUTH_ERROR, HTTP_ERROR,
     * TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR, INSECURE or CANCELLED.
     */
    public DeviceAuthorization deviceAuthorize(DeviceOptions options) {
        return use(client -> {
            try (NativeOptions o = DeviceOptions.toNative(options, null, null)) {
                return fetch((out, err) -> LibTokenKit.tokenkit_client_device_authorize(client, o.pointer(), out, err),
                        "device authorization", DeviceAuthorization::take);
            }
        });
    }

    /**
     * Polls the token endpoint for {@code authorization} at the server's interval until the user
     * answers (RFC 8628 §3.4-3.5): keeps polling on {@code authorization_pending}, slows down on
     * {@code slow_down}. {@code options} (may be null) should carry the extra parameters of the
     * authorization request, and may carry a cancellation that stops the wait from another thread.
     * Blocks the calling thread. Throws OAUTH_ERROR ({@code access_denied}, {@code expired_token}),
     * TIMEOUT (the device code's lifetime ran out), CANCELLED, INVALID_ARGUMENT (a closed
     * authorization or cancellation) and the failures of {@link #refresh}. Its
     * {@linkplain DeviceOptions.Builder#onPoll onPoll} is told of each poll; when it returns false
     * or throws, the poll stops with CANCELLED, whose cause is what it threw.
     */
    public Token devicePoll(DeviceAuthorization authorization, DeviceOptions options) {
        if (authorization == null) {
            throw TokenKitException.invalidArgument("authorization is null");
        }
        LibTokenKit.DevicePollFn pollFn = pollFn(devicePollGuard, options);
        return use(client -> authorization.call(auth -> {
            try (NativeOptions o = DeviceOptions.toNative(options, null, pollFn)) {
                return devicePollGuard.call(() -> Token.fetch((out, err) ->
                        LibTokenKit.tokenkit_client_device_poll(client, auth, o.pointer(), out, err)));
            } finally {
                Reference.reachabilityFence(pollFn);
            }
        }));
    }

    /** The JNA callback of {@code options.onPoll()}, run through {@code guard}; null when there is none. */
    private static LibTokenKit.DevicePollFn pollFn(CallbackGuard guard, DeviceOptions options) {
        DeviceOptions.Poll poll = options == null ? null : options.onPoll();
        return poll == null ? null : (userData, outcome, intervalMs) -> guard.invoke(
                () -> poll.polled(NativeStrings.borrowed(outcome), Duration.ofMillis(intervalMs)));
    }

    /**
     * The whole device flow: {@link #deviceAuthorize}, then {@code options.onPrompt()} with the
     * response (on this thread, before polling starts), then {@link #devicePoll}, telling
     * {@code options.onPoll()} (if any) of each poll. {@code options} and its prompt are required.
     * If the prompt or onPoll returns false or throws, the flow stops at once with CANCELLED, whose
     * cause is what it threw. Throws what those two throw.
     */
    public Token deviceFlow(DeviceOptions options) {
        DeviceOptions.Prompt prompt = options == null ? null : options.onPrompt();
        LibTokenKit.DevicePromptFn promptFn = prompt == null ? null
                : (userData, a) -> deviceFlowGuard.invoke(() -> prompt.show(DeviceAuthorization.copy(a)));
        LibTokenKit.DevicePollFn pollFn = pollFn(deviceFlowGuard, options);
        return use(client -> {
            try (NativeOptions o = DeviceOptions.toNative(options, promptFn, pollFn)) {
                return deviceFlowGuard.call(() -> Token.fetch((out, err) ->
                        LibTokenKit.tokenkit_client_device_flow(client, o.pointer(), out, err)));
            } finally {
                Reference.reachabilityFence(promptFn);
                Reference.reachabilityFence(pollFn);
            }
        });
    }

    /** {@link #revoke(String, RequestOptions)} with no options. */
    public void revoke(String token) {
        revoke(token, null);
    }

    /**
     * Revokes {@code token} (RFC 7009; or Works with Nest's DELETE with
     * {@link RevocationStyle#NEST_DELETE}). {@code options} may carry a token_type_hint
     * ("access_token" or "refresh_token") and a cancellation. Any 2xx answer is success, also for
     * a token the server did not know (RFC 7009 §2.2). Throws INVALID_ARGUMENT (no revocation
     * endpoint), OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR or
     * CANCELLED.
     */
    public void revoke(String token, RequestOptions options) {
        use(client -> {
            try (CString t = CString.of(token, "token"); NativeOptions o = RequestOptions.toNative(options)) {
                Errors.run(err -> LibTokenKit.tokenkit_client_revoke(client, t.pointer(), o.pointer(), err));
                return null;
            }
        });
    }

    /** {@link #introspect(String, RequestOptions)} with no options. */
    public Introspection introspect(String token) {
        return introspect(token, null);
    }

    /**
     * Asks the introspection endpoint about {@code token} (RFC 7662). {@code options} may carry a
     * token_type_hint and a cancellation. Throws INVALID_ARGUMENT (no introspection endpoint),
     * OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR or CANCELLED.
     */
    public Introspection introspect(String token, RequestOptions options) {
        return use(client -> {
            try (CString t = CString.of(token, "token"); NativeOptions o = RequestOptions.toNative(options)) {
                return fetch((out, err) -> LibTokenKit.tokenkit_client_introspect(client, t.pointer(), o.pointer(), out, err),
                        "introspection response", Introspection::take);
            }
        });
    }

    /**
     * A {@link TokenSource} that starts from {@code initial}, refreshing with its refresh token;
     * {@code initial} may be null when {@code options} has a {@linkplain
     * TokenSourceOptions.Builder#refreshToken refresh token}, and then the first use refreshes.
     * {@code options} may be null (skew 60 s, no onChange). Throws INVALID_ARGUMENT (no token and no
     * refresh token, a negative skew).
     */
    public TokenSource tokenSource(Token initial, TokenSourceOptions options) {
        if (initial != null) {
            return loadTokenSource(initial.toJson(), options);
        }
        return use(client -> TokenSource.create(options, log, (o, out, err) ->
                LibTokenKit.tokenkit_source_new(client, null, o, out, err)));
    }

    /** {@link TokenSource#load}. */
    TokenSource loadTokenSource(String json, TokenSourceOptions options) {
        return use(client -> {
            try (CString j = CString.of(json, "json")) {
                return TokenSource.create(options, log, (o, out, err) ->
                        LibTokenKit.tokenkit_source_from_json(client, j.pointer(), o, out, err));
            }
        });
    }

    /** {@link TokenSource#fromStore}. */
    TokenSource storeTokenSource(Store store, String name, TokenSourceOptions options) {
        return use(client -> store.call(s -> {
            try (CString n = CString.of(name, "name")) {
                return TokenSource.create(options, log, (o, out, err) ->
                        LibTokenKit.tokenkit_source_from_store(client, s, n.pointer(), o, out, err));
            }
        }));
    }

    /**
     * Runs {@code body} with the live native client, then throws what the config's log threw
     * during it. Every call on the native client goes through here.
     */
    <T> T use(Function<Pointer, T> body) {
        return handle.call(client -> LogCallback.around(log, () -> body.apply(client)));
    }

    /** Makes a call that stores an object, and returns {@code take} of it (which owns it), or throws its error. */
    private static <T> T fetch(Errors.OutCall call, String what, Function<Pointer, T> take) {
        return take.apply(Errors.fetch(call, what));
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
