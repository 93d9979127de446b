package dev.tokenkit;

import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An owned pointer to a thread-safe tokenkit object (a client, a token source, a device
 * authorization): calls run under a read lock, so any number run at once, and freeing takes the
 * write lock, so it waits for running calls and never frees the object under one. After
 * {@link #close()} every call throws INVALID_ARGUMENT.
 *
 * <p>A {@link Cleaner} frees the object if its owner is dropped without being closed: a safety net
 * for a forgotten {@code close()}, not a way to manage it. The cleaning action holds the pointer,
 * the lock and the free function, never the owner, or the owner could never become unreachable.
 */
final class NativeHandle {
    private static final Cleaner CLEANER = Cleaner.create();

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final String closedMessage;

    /**
     * @param owner the public object whose loss frees the pointer
     * @param pointer a live object from tokenkit, now owned by this handle
     * @param free the library's free function for it
     * @param closedMessage the message of the exception thrown after close, e.g. "client is closed"
     */
    NativeHandle(Object owner, Pointer pointer, Consumer<Pointer> free, String closedMessage) {
        this.state = new State(pointer, free);
        this.cleanable = CLEANER.register(owner, state);
        this.closedMessage = closedMessage;
    }

    /** The binding's one Cleaner thread, shared by every object that owns native memory. */
    static Cleaner cleaner() {
        return CLEANER;
    }

    /** Runs {@code body} with the live pointer; throws INVALID_ARGUMENT if the handle is closed. */
    <T> T call(Function<Pointer, T> body) {
        ReentrantReadWriteLock.ReadLock lock = state.lock.readLock();
        lock.lock();
        try {
            Pointer p = state.pointer;
            if (p == null) {
                throw TokenKitException.invalidArgument(closedMessage);
            }
            return body.apply(p);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees the object once the calls running on it have ended. Idempotent. Refused from inside a
     * call on the same handle (a future callback, say), which would otherwise wait for itself.
     */
    void close() {
        if (state.lock.getReadHoldCount() > 0) {
            throw TokenKitException.invalidArgument("cannot close from inside a call on the same object");
        }
        cleanable.clean();
    }

    boolean isClosed() {
        ReentrantReadWriteLock.ReadLock lock = state.lock.readLock();
        lock.lock();
        try {
            return state.pointer == null;
        } finally {
            lock.unlock();
        }
    }

    /** The cleaning action: run once, by close() or by the Cleaner. */
    private static final class State implements Runnable {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        final Consumer<Pointer> free;
        Pointer pointer; // guarded by lock

        State(Pointer pointer, Consumer<Pointer> free) {
            this.pointer = pointer;
            this.free = free;
        }

        @Override
        public void run() {
            ReentrantReadWriteLock.WriteLock w = lock.writeLock();
            w.lock();
            try {
                Pointer p = pointer;
                pointer = null;
                if (p != null) {
                    free.accept(p);
                }
            } finally {
                w.unlock();
            }
        }
    }
}
