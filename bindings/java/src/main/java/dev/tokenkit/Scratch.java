package dev.tokenkit;

import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * Out-parameters for one native call, reused by the thread that makes it: a JNA
 * {@code ByReference} allocates native memory and registers it with JNA's cleaner, which costs
 * microseconds, several times the call itself. Each thread keeps one set; a use nested in another
 * on the same thread (a callback's, during its call) gets a fresh set. Read what a call stored
 * before {@link #close()}, which hands the set back.
 */
final class Scratch implements AutoCloseable {
    private static final ThreadLocal<Scratch> SPARE = new ThreadLocal<>();

    /** A {@code T **} output; NULL when handed out. */
    final PointerByReference out = new PointerByReference();
    /** The {@code tokenkit_error **} output; NULL when handed out. */
    final PointerByReference err = new PointerByReference();
    /** An {@code int64_t *} output. */
    final LongByReference value = new LongByReference();

    private Scratch() {}

    /** This thread's set, with both pointer outputs NULL, as the ABI wants them. */
    static Scratch get() {
        Scratch s = SPARE.get();
        if (s == null) {
            return new Scratch();
        }
        SPARE.set(null);
        s.out.setValue(null);
        s.err.setValue(null);
        return s;
    }

    @Override
    public void close() {
        SPARE.set(this);
    }
}
