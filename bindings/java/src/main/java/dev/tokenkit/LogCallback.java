package dev.tokenkit;

import java.util.function.Supplier;

/**
 * A {@link Config.Log} handed to the library as a {@code tokenkit_log_fn}. The native client, and
 * every token source made from it (each holds its own reference to the native client), may call it
 * until the last of them is freed, so each of their free actions keeps this object reachable.
 * What the log throws is kept out of native code by its guard and thrown by the call during which
 * it threw ({@link #around}), as a token source's onChange is.
 */
final class LogCallback {
    final CallbackGuard guard = new CallbackGuard();
    final LibTokenKit.LogFn fn;

    private LogCallback(Config.Log log) {
        this.fn = (userData, level, line) -> guard.invoke(() -> {
            log.line(level, NativeStrings.borrowed(line));
            return true;
        });
    }

    /** The callback of {@code config}'s log, or null when it has none. */
    static LogCallback of(Config config) {
        return config.log() == null ? null : new LogCallback(config.log());
    }

    /** The JNA callback of {@code log}, or null. */
    static LibTokenKit.LogFn fn(LogCallback log) {
        return log == null ? null : log.fn;
    }

    /** Makes {@code call}, then throws what {@code log} (may be null) threw during it. */
    static <T> T around(LogCallback log, Supplier<T> call) {
        return log == null ? call.get() : log.guard.callKeeping(call);
    }
}
