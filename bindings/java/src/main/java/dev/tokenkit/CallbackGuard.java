package dev.tokenkit;

import com.sun.jna.Pointer;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keeps what Java callbacks throw out of native code. A Java method makes its native call through
 * {@link #call}; the JNA callbacks the library makes during it run their Java code through
 * {@link #invoke}, which catches every {@link Throwable}: the first is kept (later ones are added
 * to it as suppressed) and rethrown by {@code call} on the calling thread once the native call has
 * returned, in place of the call's own result or error (which is added as suppressed).
 *
 * <p>Today's library calls every callback on the thread that made the native call. Should one
 * arrive on a thread that is not inside a {@code call} of this guard, nothing can rethrow what it
 * throws, so that is logged to the {@link System.Logger} named {@code dev.tokenkit}, at ERROR.
 *
 * <p>A guard also knows whether the current thread is running one of its callbacks (a per-thread
 * flag), so a method can refuse to be called from inside a callback where the library says that
 * would deadlock.
 */
final class CallbackGuard {
    private static final System.Logger LOG = System.getLogger("dev.tokenkit");

    private final ThreadLocal<Frame> frames = new ThreadLocal<>();

    /** One thread's native call on this guard, or a callback that arrived outside any. */
    private static final class Frame {
        final Runnable onFailure;
        final boolean inCall;
        Throwable failure;
        boolean inCallback;

        Frame(Runnable onFailure, boolean inCall) {
            this.onFailure = onFailure;
            this.inCall = inCall;
        }
    }

    /** Whether the current thread is running one of this guard's callbacks. */
    boolean inCallback() {
        Frame frame = frames.get();
        return frame != null && frame.inCallback;
    }

    /**
     * Makes {@code nativeCall}, during which this guard's callbacks may run on this thread, and
     * rethrows the first thing they threw. {@code onFailure} (may be null) runs once, right after
     * the first callback failure, e.g. to stop a wait; it must not throw.
     */
    <T> T call(Runnable onFailure, Supplier<T> nativeCall) {
        Frame outer = frames.get();
        Frame frame = new Frame(onFailure, true);
        frames.set(frame);
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
            if (outer == null) {
                frames.remove();
            } else {
                frames.set(outer);
            }
        }
        if (frame.failure != null) {
            throw unchecked(frame.failure);
        }
        return result;
    }

    /**
     * A JNA callback that copies what the library lends it ({@code copy}, during the call) and
     * hands the copy to the application's {@code sink}, through this guard.
     */
    <T> LibTokenKit.BorrowingFn callback(Function<Pointer, T> copy, Consumer<T> sink) {
        return new Lending<>(this, copy, sink);
    }

    private static final class Lending<T> implements LibTokenKit.BorrowingFn {
        private final CallbackGuard guard;
        private final Function<Pointer, T> copy;
        private final Consumer<T> sink;

        Lending(CallbackGuard guard, Function<Pointer, T> copy, Consumer<T> sink) {
            this.guard = guard;
            this.copy = copy;
            this.sink = sink;
        }

        @Override
        public void invoke(Pointer userData, Pointer borrowed) {
            guard.invoke(() -> sink.accept(copy.apply(borrowed)));
        }
    }

    /** Runs a callback's Java code; called by the JNA callback, so it never throws. */
    void invoke(Runnable body) {
        Frame frame = frames.get();
        boolean outside = frame == null;
        if (outside) {
            frame = new Frame(null, false);
            frames.set(frame);
        }
        boolean wasInCallback = frame.inCallback;
        frame.inCallback = true;
        try {
            body.run();
        } catch (Throwable t) {
            record(frame, t);
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
            if (frame.onFailure != null) {
                try {
                    frame.onFailure.run();
                } catch (Throwable e) {
                    t.addSuppressed(e);
                }
            }
        } else if (frame.failure != t) {
            frame.failure.addSuppressed(t);
        }
    }

    /** Runtime exceptions and errors as they are; a checked exception thrown sneakily, wrapped. */
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
