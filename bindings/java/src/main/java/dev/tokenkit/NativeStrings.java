package dev.tokenkit;

import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/** Strings the library hands over as {@code char *}: copied into Java, then freed by the library. */
final class NativeStrings {
    private NativeStrings() {}

    /**
     * Copies an owned string and frees it with {@code tokenkit_string_free} (which zeroizes it);
     * null for NULL.
     */
    static String take(LibTokenKit lib, Pointer owned) {
        if (owned == null) {
            return null;
        }
        try {
            return owned.getString(0, StandardCharsets.UTF_8.name());
        } finally {
            lib.tokenkit_string_free(owned);
        }
    }
}
