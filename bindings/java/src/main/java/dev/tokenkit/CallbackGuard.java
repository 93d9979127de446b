package dev.tokenkit;

import java.lang.reflect.UndeclaredThrowableException;
import java.util.function.Supplier;

/**
 * Keeps what Java callbacks throw out of native code. A Java method makes its native call through
 * {@link #call} or {@link #callKeeping}; the JNA callbacks the library makes during it run their
 * Java code through {@link #invoke}, which catches every {@link Throwable} (the first is kept, later
 * ones are added to it as suppressed) and tells the callback what to return to the library.
 *
 * <ul>
 *   <li>A callback that can stop its call ({@code tokenkit_open_url_fn},
 *       {@code tokenkit_device_prompt_fn}) returns non-zero when its Java code threw or returned
 *       false; the library then ends the call with CANCELLED, and {@link #call} throws that
 *       {@link TokenKitException} with what the Java code threw as its cause.</li>
 *   <li>A callback that cannot ({@code tokenkit_token_changed_fn}) lets the call complete;
 *       {@link #callKeeping} then rethrows what the Java code threw, as it was, in place of the
 *       call's result.</li>
 * </ul>
 *
 * <p>The library calls every callback on the thread that made the native call. Should one arrive
 * on a thread that is not inside a call of this guard, nothing can rethrow what it throws, so that
 * is logged to the {@link System.Logger} named {@code dev.tokenkit}, at ERROR.
 *
 * <p>A guard also knows whether the current thread is running one of its callbacks (a per-thread
 * flag), so a method can refuse to be called from inside a callback where that would deadlock.
 */
final class CallbackGuard {
    private static final System.Logger LOG = System.getLogger("dev.tokenkit");

    private final ThreadLocal<Frame> frames = new ThreadLocal<>();

    /** One thread's native call on this guard, or a callback that arrived outside any. */
    private static final class Frame {
        final boolean inCall;
        Throwable failure;
        boolean inCallback;

        Frame(boolean inCall) {
            this.inCall = inCall;
        }
    }

    /** The Java code of a callback: false (or a throw) asks the library to stop the call. */
    interface Body {
        boolean run() throws Exception;
    }

    /** Whether the current thread is running one of this guard's callbacks. */
    boolean inCallback() {
        Frame frame = frames.get();
        return frame != null && frame.inCallback;
    }

    /**
     * Makes {@code nativeCall}, whose callbacks stop it when they fail. When one threw, the call's
     * exception (CANCELLED) gets what it threw as its cause.
     */
    <T> T call(Supplier<T> nativeCall) {
        Frame outer = frames.get();
        Frame frame = enter();
        T result;
        try {
            result = nativeCall.get();
        } catch (TokenKitException e) {
            if (frame.failure != null && e.getCause() == null) {
                e.initCause(frame.failure);
            }
            throw e;
        } finally {
            leave(outer);
        }
        if (frame.failure != null) {
            // The library went on although the callback returned non-zero: not its contract.
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR, "a callback failed but the call went on",
                    frame.failure);
        }
        return result;
    }

    /**
     * Makes {@code nativeCall}, whose callbacks cannot stop it, and rethrows the first thing they
     * threw, with the call's own exception, if any, added as suppressed.
     */
    <T> T callKeeping(Supplier<T> nativeCall) {
        Frame outer = frames.get();
        Frame frame = enter();
        T result;
        try {
            result = nativeCall.get();
        } catch (RuntimeException | Error e) {
            if (frame.failure != null) {
                frame.failure.addSuppressed(e);
                throw unchecked(frame.failure);
            }
            throw e;
        } finally {
            leave(outer);
        }
        if (frame.failure != null) {
            throw unchecked(frame.failure);
        }
        return result;
    }

    private Frame enter() {
        Frame frame = new Frame(true);
        frames.set(frame);
        return frame;
    }

    /** Restores the frame of the call this one is nested in (from inside a callback), if any. */
    private void leave(Frame outer) {
        if (outer == null) {
            frames.remove();
        } else {
            frames.set(outer);
        }
    }

    /**
     * Runs a callback's Java code; called by the JNA callback, so it never throws. Returns what the
     * callback returns to the library: 0 to go on, 1 to stop (the Java code threw or returned false).
     */
    int invoke(Body body) {
        Frame frame = frames.get();
        boolean outside = frame == null;
        if (outside) {
            frame = new Frame(false);
            frames.set(frame);
        }
        boolean wasInCallback = frame.inCallback;
        frame.inCallback = true;
        try {
            return body.run() ? 0 : 1;
        } catch (Throwable t) {
            record(frame, t);
            return 1;
        } finally {
            frame.inCallback = wasInCallback;
            if (outside) {
                frames.remove();
            }
        }
    }

    private static void record(Frame frame, Throwable t) {
        if (!frame.inCall) {
            try {
                LOG.log(System.Logger.Level.ERROR, "a tokenkit callback threw outside any call that could rethrow it", t);
            } catch (Throwable ignored) {
                // Nothing may reach native code, not even a failing logger.
            }
            return;
        }
        if (frame.failure == null) {
            frame.failure = t;
        } else if (frame.failure != t) {
            frame.failure.addSuppressed(t);
        }
    }

    /** Runtime exceptions and errors as they are; a checked exception, wrapped. */
    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new UndeclaredThrowableException(t, "a callback threw a checked exception");
    }
}
