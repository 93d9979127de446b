package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Cleaner;
import java.util.concurrent.CompletableFuture;

/**
 * A cancellation flag ({@code tokenkit_cancel}) for any call that talks to the server: give it to
 * a call through its options ({@link RequestOptions.Builder#cancellation},
 * {@link SignInOptions.Builder#cancellation}, {@link DeviceOptions.Builder#cancellation}). Raising it
 * makes the calls given it throw a {@link TokenKitException} of kind {@link ErrorKind#CANCELLED}
 * within about 100 ms, also in the middle of a request, and a later call given it throw at once.
 * A flag is never lowered again: use a new one for each operation you may want to stop.
 *
 * <pre>{@code
 * try (Cancellation cancel = new Cancellation()) {
 *     cancelButton.onClick(cancel::cancel);           // any thread
 *     Token token = client.deviceFlow(DeviceOptions.builder().onPrompt(this::show).cancellation(cancel).build());
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #cancel()} may be called from any thread, any number of times, also
 * after {@link #close()} (then it does nothing). {@code close()} never waits: the options of a
 * running call keep their own reference to the native flag. A call given a closed cancellation
 * throws INVALID_ARGUMENT ("cancellation is closed"). One that is never closed is freed when it
 * is garbage-collected.
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
        NativeLib.require();
        this.flag = new Flag();
        this.cleanable = NativeHandle.cleaner().register(this, flag::close);
    }

    /** Raises the flag: the calls given it stop with CANCELLED. Idempotent; thread-safe. */
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
     * exception. Run the call in the future, e.g.
     * {@code future = CompletableFuture.supplyAsync(() -> client.deviceFlow(options))} with this
     * cancellation in {@code options}. Returns this cancellation.
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

    /** Frees the caller's reference to the native flag. Idempotent; never waits. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "Cancellation[" + (isCancelled() ? "cancelled" : "not cancelled") + (isClosed() ? ", closed]" : "]");
    }

    /** A {@code *_set_cancel} function of an options object. */
    interface Setter {
        int set(Pointer options, Pointer cancel, PointerByReference err);
    }

    /**
     * Hands the native flag to an options object, which keeps its own reference, so this
     * cancellation may be closed while the call runs. Throws INVALID_ARGUMENT once it is closed.
     */
    void setOn(Pointer options, Setter setter) {
        flag.setOn(options, setter);
    }

    /**
     * The native flag. It never refers to its {@link Cancellation}, so that one can be collected
     * and cleaned. The lock keeps {@code close()} from freeing the flag while it is triggered or
     * handed to an options object.
     */
    private static final class Flag {
        private Pointer pointer; // guarded by this; null once freed
        private boolean cancelled; // guarded by this

        Flag() {
            this.pointer = LibTokenKit.tokenkit_cancel_new();
            if (pointer == null) {
                throw new OutOfMemoryError("tokenkit_cancel_new returned NULL");
            }
        }

        synchronized void setOn(Pointer options, Setter setter) {
            if (pointer == null) {
                throw TokenKitException.invalidArgument("cancellation is closed");
            }
            Pointer p = pointer;
            Errors.run(err -> setter.set(options, p, err));
        }

        synchronized void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (pointer != null) {
                LibTokenKit.tokenkit_cancel_trigger(pointer);
            }
        }

        synchronized boolean isCancelled() {
            return cancelled;
        }

        synchronized boolean isClosed() {
            return pointer == null;
        }

        synchronized void close() {
            if (pointer != null) {
                LibTokenKit.tokenkit_cancel_free(pointer);
                pointer = null;
            }
        }
    }
}
