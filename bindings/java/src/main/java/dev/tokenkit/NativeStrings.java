package dev.tokenkit;

import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/** Strings the library hands over: borrowed {@code const char *} and owned {@code char **} outputs. */
final class NativeStrings {
    private static final String UTF_8 = StandardCharsets.UTF_8.name();

    private NativeStrings() {}

    /**
     * Copies a borrowed {@code const char *} (an accessor's result, a callback's argument) into
     * Java, decoded as UTF-8; null for NULL. Call it while the string's owner is alive, and never
     * free the pointer.
     */
    static String borrowed(Pointer borrowed) {
        return borrowed == null ? null : borrowed.getString(0, UTF_8);
    }

    /**
     * Copies a string handed out through a {@code char **} output and frees it with
     * {@code tokenkit_string_free} (which zeroizes it); null for NULL.
     */
    static String take(Pointer owned) {
        if (owned == null) {
            return null;
        }
        try {
            return owned.getString(0, UTF_8);
        } finally {
            LibTokenKit.tokenkit_string_free(owned);
        }
    }
}
