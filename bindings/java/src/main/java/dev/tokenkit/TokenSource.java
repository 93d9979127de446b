package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Reference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Hands out a valid access token, refreshing it when it is within the skew of expiry (default 60
 * s) or on demand: one refresh in flight at a time however many threads ask, the others waiting
 * for it and sharing its result. A fresh cached token costs no network call. When the server
 * sends no new refresh token, the old one is kept. Made by {@link Client#tokenSource} or
 * {@link #load}.
 *
 * <pre>{@code
 * try (TokenSource source = client.tokenSource(token, TokenSourceOptions.builder()
 *         .onChange(t -> store.save(t.toJson())).build())) {
 *     request.header("Authorization", "Bearer " + source.accessToken());
 * }
 * }</pre>
 *
 * <p>Thread-safe: share one source between any number of threads. It keeps its own reference to
 * the native client, so the {@link Client} may be closed first. {@link #close()} waits for running
 * calls, then frees the source and zeroizes its tokens; afterwards every method throws
 * INVALID_ARGUMENT ("token source is closed"). One that is never closed is freed when it is
 * garbage-collected.
 *
 * <p><b>onChange.</b> The optional {@link TokenSourceOptions.Builder#onChange} is told about every new token, after
 * each successful refresh, so a rotated refresh token can be persisted: the token it gets always
 * has the refresh token now in force. It runs on the thread that performed the refresh (one of
 * the threads calling {@link #token()}, {@link #accessToken()} or {@link #refresh()}), while the
 * library holds the source's refresh lock, so calls never overlap and it must return promptly. It
 * may call {@link #toJson()}, but not {@code token()}, {@code accessToken()} or {@code refresh()}
 * on the same source, which would deadlock: those throw INVALID_ARGUMENT when called from inside
 * it. (Do not make it wait for another thread that calls them either: that cannot be detected.)
 * What it throws never reaches the library: the refresh completes and the new token stays in the
 * source, and the exception is thrown by the call that performed the refresh, on its thread; the
 * other threads waiting for that refresh get the token. Should the library ever call it outside
 * such a call, what it throws is logged to the {@link System.Logger} {@code dev.tokenkit}.
 */
public final class TokenSource implements AutoCloseable {
    private final NativeHandle handle;
    private final CallbackGuard guard;
    // The client's log, or null: the source's refreshes go through the client, which logs them.
    private final LogCallback log;

    private TokenSource(Pointer source, CallbackGuard guard, LibTokenKit.TokenChangedFn callback, LogCallback log) {
        this.guard = guard;
        this.log = log;
        // The free action holds the JNA callbacks, so they stay reachable until the source is freed:
        // the library may call them on any refresh until then.
        this.handle = new NativeHandle(this, source, p -> {
            LibTokenKit.tokenkit_source_free(p);
            Reference.reachabilityFence(callback);
            Reference.reachabilityFence(log);
        }, "token source is closed");
    }

    /** A native source made by {@code make}, which receives the native options (or NULL). */
    interface Maker {
        int make(Pointer options, PointerByReference out, PointerByReference err);
    }

    static TokenSource create(TokenSourceOptions options, LogCallback log, Maker maker) {
        CallbackGuard guard = new CallbackGuard();
        LibTokenKit.TokenChangedFn callback = options == null || options.onChange() == null ? null
                : onChange(guard, options.onChange());
        Pointer source;
        try (NativeOptions o = TokenSourceOptions.toNative(options, callback)) {
            source = Errors.fetch((out, err) -> maker.make(o.pointer(), out, err), "token source");
        }
        return new TokenSource(source, guard, callback, log);
    }

    /** The JNA callback: copies the lent token and hands the copy to the application, through the guard. */
    private static LibTokenKit.TokenChangedFn onChange(CallbackGuard guard, Consumer<Token> sink) {
        return (userData, token) -> guard.invoke(() -> {
            sink.accept(Token.copy(token));
            return true;
        });
    }

    /**
     * A source from JSON saved by {@link #toJson()} or {@link Token#toJson()} (or any JSON object
     * with an access_token or a refresh_token: with only the latter, the first use refreshes),
     * refreshing through {@code client}; {@code options} may be null (its refresh token is not
     * used). Throws INVALID_ARGUMENT for JSON it cannot use.
     */
    public static TokenSource load(Client client, String json, TokenSourceOptions options) {
        if (client == null) {
            throw TokenKitException.invalidArgument("client is null");
        }
        return client.loadTokenSource(json, options);
    }

    /**
     * A source backed by profile {@code name} of {@code store}: it starts from the saved token, and
     * each refresh goes through the store (as {@link Store#token} does), so that processes sharing
     * the profile refresh once, take up the token another process saved, and never spend a
     * rotated refresh token twice. It refreshes through {@code client}; {@code options} may be
     * null (a refresh token in it is not used). It keeps its own reference to the store, which
     * may be closed first. Throws INVALID_ARGUMENT (no such profile, a file that is not a
     * profile, a closed store or client).
     */
    public static TokenSource fromStore(Client client, Store store, String name, TokenSourceOptions options) {
        if (client == null || store == null) {
            throw TokenKitException.invalidArgument(client == null ? "client is null" : "store is null");
        }
        return client.storeTokenSource(store, name, options);
    }

    /**
     * A valid token, refreshed first if it is within the skew of expiry. When a refresh is already
     * running, waits for it and shares its result. Throws INVALID_ARGUMENT (expired and no
     * refresh token; or called from inside this source's onChange) or what a refresh throws (see
     * {@link Client#refresh}), or what onChange threw during the refresh this call made.
     */
    public Token token() {
        return call("token()", LibTokenKit::tokenkit_source_token, Token::take);
    }

    /** As {@link #token()}, but just the access token, e.g. for an Authorization header. */
    public String accessToken() {
        return call("accessToken()", LibTokenKit::tokenkit_source_access_token, NativeStrings::take);
    }

    /**
     * Refreshes now, whatever the expiry (e.g. after the resource server refused the token);
     * threads that ask together share one refresh. Returns the new token; throws as
     * {@link #token()}.
     */
    public Token refresh() {
        return call("refresh()", LibTokenKit::tokenkit_source_refresh, Token::take);
    }

    /**
     * The source's state to persist in the library's saved format (the current token, or only the
     * refresh token), for {@link #load}. No network call. It holds the tokens: keep it as secret
     * as a password. May be called from inside onChange.
     */
    public String toJson() {
        return NativeStrings.take(handle.call(source -> Errors.fetch(
                (out, err) -> LibTokenKit.tokenkit_source_to_json(source, out, err), "saved token")));
    }

    private interface NativeCall {
        int invoke(Pointer source, PointerByReference out, PointerByReference err);
    }

    /**
     * Makes a call that stores a new object (a token, a string) and returns {@code take} of it,
     * which copies and frees it; or throws the call's error, or what onChange threw during it.
     */
    private <T> T call(String method, NativeCall nativeCall, Function<Pointer, T> take) {
        if (guard.inCallback()) {
            throw TokenKitException.invalidArgument(method + " was called from inside this token source's onChange, "
                    + "which runs while the source holds its refresh lock: it would deadlock");
        }
        return handle.call(source -> LogCallback.around(log, () -> guard.callKeeping(
                () -> take.apply(Errors.fetch((out, err) -> nativeCall.invoke(source, out, err), "result")))));
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /**
     * Frees the native source, zeroizing its tokens, once the calls running on it have ended.
     * Idempotent. Refused (INVALID_ARGUMENT) from inside its own onChange.
     */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "TokenSource[" + (isClosed() ? "closed]" : "open]");
    }
}
