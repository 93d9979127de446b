package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A native options object ({@code tokenkit_request_options}, {@code tokenkit_sign_in_options},
 * {@code tokenkit_device_options}, {@code tokenkit_source_options}) filled from a Java options
 * object for one call, and freed (its secrets zeroized) when closed. {@link #NONE} is the NULL
 * pointer that stands for "the defaults". Each setter's value is checked by the library as it is
 * set, so a bad one fails before anything is sent, with the library's message.
 */
final class NativeOptions implements AutoCloseable {
    /** No options object: NULL, the defaults. */
    static final NativeOptions NONE = new NativeOptions(null, p -> {});

    private final Pointer pointer;
    private final Consumer<Pointer> free;

    private NativeOptions(Pointer pointer, Consumer<Pointer> free) {
        this.pointer = pointer;
        this.free = free;
    }

    /** A setter of one string: {@code *_set_scope} and the like. */
    interface StringSetter {
        int set(Pointer options, Pointer value, PointerByReference err);
    }

    /** {@code *_add_param}. */
    interface ParamAdder {
        int add(Pointer options, Pointer name, Pointer value, PointerByReference err);
    }

    /** Any other setter, given the options pointer and the error out-parameter. */
    interface Setter {
        int set(Pointer options, PointerByReference err);
    }

    /**
     * Takes ownership of {@code pointer} (a {@code *_new} result freed by {@code free}), then runs
     * {@code fill}; frees the object if filling it fails.
     */
    static NativeOptions make(Pointer pointer, Consumer<Pointer> free, Consumer<NativeOptions> fill) {
        if (pointer == null) {
            throw new OutOfMemoryError("the library could not allocate an options object");
        }
        NativeOptions options = new NativeOptions(pointer, free);
        try {
            fill.accept(options);
            return options;
        } catch (RuntimeException | Error e) {
            options.close();
            throw e;
        }
    }

    Pointer pointer() {
        return pointer;
    }

    /**
     * Milliseconds for the ABI's {@code int64_t} durations: a positive duration is at least 1 ms
     * (rounded up), zero is 0 and a negative one stays negative, so the library refuses it with a
     * message naming the setting. Saturates at the ends of {@code long}.
     */
    static long millis(Duration d) {
        try {
            long ms = d.toMillis();
            return !d.isNegative() && d.getNano() % 1_000_000 != 0 ? Math.addExact(ms, 1) : ms;
        } catch (ArithmeticException tooLong) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Sets {@code value} (named {@code name} in messages about it) when it is not null. */
    void setString(StringSetter setter, String value, String name) {
        if (value == null) {
            return;
        }
        try (CString s = CString.of(value, name)) {
            Errors.run(err -> setter.set(pointer, s.pointer(), err));
        }
    }

    /** Adds each parameter in order; a null name or value is passed as NULL, which the library names. */
    void addParams(ParamAdder adder, List<Map.Entry<String, String>> params) {
        for (Map.Entry<String, String> p : params) {
            try (CString name = CString.of(p.getKey(), "extra parameter name");
                    CString value = CString.of(p.getValue(), "extra parameter " + p.getKey())) {
                Errors.run(err -> adder.add(pointer, name.pointer(), value.pointer(), err));
            }
        }
    }

    /** Gives the options the cancellation's flag, when there is one. */
    void setCancel(Cancellation.Setter setter, Cancellation cancellation) {
        if (cancellation != null) {
            cancellation.setOn(pointer, setter);
        }
    }

    void set(Setter setter) {
        Errors.run(err -> setter.set(pointer, err));
    }

    @Override
    public void close() {
        if (pointer != null) {
            free.accept(pointer);
        }
    }
}
