package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Hands out a valid access token, refreshing it when it is within the skew of expiry (default 60
 * s) or on demand: one refresh in flight at a time however many threads ask, the others waiting
 * for it and sharing its result. A fresh cached token costs no network call. When the server
 * sends no new refresh token, the old one is kept. Made by {@link Client#tokenSource} or
 * {@link #load}.
 *
 * <pre>{@code
 * try (TokenSource source = client.tokenSource(token, null, t -> store.save(t.refreshToken().orElseThrow()))) {
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
 * <p><b>onChange.</b> The optional {@code Consumer<Token>} is told about every new token, after
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
    private final LibTokenKit lib;
    private final NativeHandle handle;
    private final CallbackGuard guard;

    private TokenSource(LibTokenKit lib, Pointer source, CallbackGuard guard, LibTokenKit.BorrowingFn callback) {
        this.lib = lib;
        this.guard = guard;
        // The free action holds the JNA callback, so it stays reachable until the source is freed:
        // the library may call it on any refresh until then.
        this.handle = new NativeHandle(this, source, p -> {
            lib.tokenkit_source_free(p);
            Reference.reachabilityFence(callback);
        }, "token source is closed");
    }

    /** A native source made by {@code make}, which receives the skew and the callback (or null). */
    interface Maker {
        int make(long skewSeconds, LibTokenKit.BorrowingFn onChange, PointerByReference out, PointerByReference err);
    }

    static TokenSource create(LibTokenKit lib, Duration skew, Consumer<Token> onChange, Maker maker) {
        long skewSeconds = skewSeconds(skew);
        CallbackGuard guard = new CallbackGuard();
        LibTokenKit.BorrowingFn callback = onChange == null ? null : guard.callback(t -> Token.copy(lib, t), onChange);
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Errors.check(lib, maker.make(skewSeconds, callback, out, err), err);
        Pointer source = out.getValue();
        if (source == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR, "the library reported success but returned no token source");
        }
        return new TokenSource(lib, source, guard, callback);
    }

    /** Whole seconds, rounded up; -1 (the library's default, 60 s) for null. */
    private static long skewSeconds(Duration skew) {
        if (skew == null) {
            return -1;
        }
        if (skew.isNegative()) {
            throw TokenKitException.invalidArgument("skew must not be negative (null for the default)");
        }
        long seconds = skew.getSeconds();
        return skew.getNano() > 0 && seconds < Long.MAX_VALUE ? seconds + 1 : seconds;
    }

    /**
     * A source from JSON saved by {@link #toJson()} (or any JSON object with at least a
     * refresh_token), refreshing through {@code client}; {@code skew} null for the default (60 s),
     * {@code onChange} null for none. Throws INVALID_ARGUMENT for JSON it cannot use.
     */
    public static TokenSource load(Client client, String json, Duration skew, Consumer<Token> onChange) {
        if (client == null) {
            throw TokenKitException.invalidArgument("client is null");
        }
        return client.loadTokenSource(json, skew, onChange);
    }

    /**
     * A valid token, refreshed first if it is within the skew of expiry. When a refresh is already
     * running, waits for it and shares its result. Throws INVALID_ARGUMENT (expired and no
     * refresh token; or called from inside this source's onChange) or what a refresh throws (see
     * {@link Client#refresh}), or what onChange threw during the refresh this call made.
     */
    public Token token() {
        return call("token()", (source, out, err) -> lib.tokenkit_source_token(source, out, err),
                out -> Token.take(lib, out));
    }

    /** As {@link #token()}, but just the access token, e.g. for an Authorization header. */
    public String accessToken() {
        return call("accessToken()", (source, out, err) -> lib.tokenkit_source_access_token(source, out, err),
                out -> NativeStrings.take(lib, out.getValue()));
    }

    /**
     * Refreshes now, whatever the expiry (e.g. after the resource server refused the token);
     * threads that ask together share one refresh. Returns the new token; throws as
     * {@link #token()}.
     */
    public Token refresh() {
        return call("refresh()", (source, out, err) -> lib.tokenkit_source_refresh(source, out, err),
                out -> Token.take(lib, out));
    }

    /**
     * The source's state to persist, as JSON (access_token, token_type, expires_at,
     * refresh_token, scope, id_token), for {@link #load}. No network call. It holds the tokens: keep
     * it as secret as a password. May be called from inside onChange.
     */
    public String toJson() {
        return handle.call(source -> {
            PointerByReference out = new PointerByReference();
            PointerByReference err = new PointerByReference();
            Errors.check(lib, lib.tokenkit_source_to_json(source, out, err), err);
            return NativeStrings.take(lib, out.getValue());
        });
    }

    private interface NativeCall {
        int invoke(Pointer source, PointerByReference out, PointerByReference err);
    }

    private interface Result<T> {
        T take(PointerByReference out);
    }

    private <T> T call(String method, NativeCall nativeCall, Result<T> result) {
        if (guard.inCallback()) {
            throw TokenKitException.invalidArgument(method + " was called from inside this token source's onChange, "
                    + "which runs while the source holds its refresh lock: it would deadlock");
        }
        return handle.call(source -> guard.call(null, () -> {
            PointerByReference out = new PointerByReference();
            PointerByReference err = new PointerByReference();
            Errors.check(lib, nativeCall.invoke(source, out, err), err);
            return result.take(out);
        }));
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
