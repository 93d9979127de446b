package dev.tokenkit;

import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A cancellation flag ({@code tokenkit_cancel}) for the calls that wait on the user:
 * {@link Client#signInLoopback}, {@link Client#devicePoll} and {@link Client#deviceFlow}. Raising
 * it makes a waiting call throw a {@link TokenKitException} of kind {@link ErrorKind#CANCELLED}
 * promptly, and a later call given it throw at once. A flag is never lowered again: use a new one
 * for each operation you may want to stop.
 *
 * <pre>{@code
 * try (Cancellation cancel = new Cancellation()) {
 *     cancelButton.onClick(cancel::cancel);           // any thread
 *     Token token = client.deviceFlow("read", null, this::show, cancel);
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #cancel()} may be called from any thread, any number of times, also
 * after {@link #close()} (then it does nothing). {@code close()} never waits: the native flag is
 * freed once the last call using it has returned. A call given a closed cancellation throws
 * INVALID_ARGUMENT ("cancellation is closed"). One that is never closed is freed when it is
 * garbage-collected.
 *
 * <p>To stop a call running in a {@link CompletableFuture} by cancelling the future, link the two
 * with {@link #cancelWhen(CompletableFuture)}. A thread's interrupt does not reach a call blocked
 * in the native library.
 */
public final class Cancellation implements AutoCloseable {
    private final Flag flag;
    private final Cleaner.Cleanable cleanable;

    /** A flag that is not raised. */
    public Cancellation() {
        LibTokenKit lib = NativeLib.get();
        this.flag = new Flag(lib);
        this.cleanable = NativeHandle.cleaner().register(this, flag::close);
    }

    /** Raises the flag: the calls waiting on it stop with CANCELLED. Idempotent; thread-safe. */
    public void cancel() {
        flag.cancel();
    }

    /** Whether {@link #cancel()} has been called. */
    public boolean isCancelled() {
        return flag.isCancelled();
    }

    /**
     * Raises this flag when {@code future} completes exceptionally: when it is cancelled
     * ({@code future.cancel(true)}), times out ({@code orTimeout}) or is completed with an
     * exception. Run the waiting call in the future, e.g.
     * {@code new Cancellation().cancelWhen(future)} with
     * {@code future = CompletableFuture.supplyAsync(() -> client.deviceFlow(..., cancel))}.
     * Returns this cancellation.
     */
    public Cancellation cancelWhen(CompletableFuture<?> future) {
        if (future == null) {
            throw TokenKitException.invalidArgument("future is null");
        }
        future.whenComplete((value, failure) -> {
            if (failure != null) {
                cancel();
            }
        });
        return this;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return flag.isClosed();
    }

    /** Frees the native flag once no call uses it. Idempotent; never waits. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "Cancellation[" + (isCancelled() ? "cancelled" : "not cancelled") + (isClosed() ? ", closed]" : "]");
    }

    /**
     * The flag one call passes to the library: the caller's own (or NULL when it gave none), or a
     * private one linked to the caller's, which the binding can raise alone when a callback of the
     * call fails, so the call stops waiting without cancelling the caller's other calls.
     */
    static final class Use implements AutoCloseable {
        private final Flag flag; // null: no flag
        private final Flag parent; // set for a private flag linked to the caller's
        private final boolean own;

        private Use(Flag flag, Flag parent, boolean own) {
            this.flag = flag;
            this.parent = parent;
            this.own = own;
        }

        /** The caller's flag itself, or none when {@code cancellation} is null. */
        static Use shared(Cancellation cancellation) {
            if (cancellation == null) {
                return new Use(null, null, false);
            }
            cancellation.flag.acquire();
            return new Use(cancellation.flag, null, false);
        }

        /** A private flag, raised with the caller's (when it gives one) and by {@link #abort()}. */
        static Use linked(LibTokenKit lib, Cancellation cancellation) {
            Flag parent = cancellation == null ? null : cancellation.flag;
            if (parent != null) {
                parent.checkOpen();
            }
            Flag own = new Flag(lib);
            own.acquire();
            if (parent != null) {
                parent.link(own);
            }
            return new Use(own, parent, true);
        }

        /** The {@code tokenkit_cancel *} to pass, or NULL. */
        Pointer pointer() {
            return flag == null ? null : flag.pointer();
        }

        /** Stops the call: raises the private flag only. */
        void abort() {
            if (own) {
                flag.cancel();
            }
        }

        @Override
        public void close() {
            if (flag == null) {
                return;
            }
            if (parent != null) {
                parent.unlink(flag);
            }
            flag.release();
            if (own) {
                flag.close();
            }
        }
    }

    /**
     * The native flag and its users: a call holds it between {@link #acquire()} and
     * {@link #release()}, and it is freed when it is closed and has no user. It never refers to
     * its {@link Cancellation}, so that one can be collected and cleaned.
     */
    private static final class Flag {
        private final LibTokenKit lib;
        private Pointer pointer; // guarded by this; null once freed
        private int users; // guarded by this
        private boolean closed; // guarded by this
        private boolean cancelled; // guarded by this
        private final List<Flag> linked = new ArrayList<>(); // guarded by this

        Flag(LibTokenKit lib) {
            this.lib = lib;
            this.pointer = lib.tokenkit_cancel_new();
        }

        synchronized void checkOpen() {
            if (closed) {
                throw TokenKitException.invalidArgument("cancellation is closed");
            }
        }

        synchronized void acquire() {
            checkOpen();
            users++;
        }

        synchronized Pointer pointer() {
            return pointer;
        }

        synchronized void release() {
            users--;
            freeIfUnused();
        }

        void cancel() {
            List<Flag> children;
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                cancelled = true;
                if (pointer != null) {
                    lib.tokenkit_cancel_trigger(pointer);
                }
                children = new ArrayList<>(linked);
            }
            // Outside this lock: a child takes its own.
            for (Flag child : children) {
                child.cancel();
            }
        }

        synchronized boolean isCancelled() {
            return cancelled;
        }

        synchronized boolean isClosed() {
            return closed;
        }

        /** Raises {@code child} with this flag, at once if this one is already raised. */
        void link(Flag child) {
            synchronized (this) {
                if (!cancelled) {
                    linked.add(child);
                    return;
                }
            }
            child.cancel();
        }

        synchronized void unlink(Flag child) {
            linked.remove(child);
        }

        synchronized void close() {
            closed = true;
            freeIfUnused();
        }

        private void freeIfUnused() {
            if (closed && users == 0 && pointer != null) {
                lib.tokenkit_cancel_free(pointer);
                pointer = null;
            }
        }
    }
}
