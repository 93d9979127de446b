package dev.tokenkit;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** The extra parameters of the options classes: ordered, names may repeat, nulls left for the library to name. */
final class Params {
    private Params() {}

    /** A name and value, either of which may be null. */
    static Map.Entry<String, String> entry(String name, String value) {
        return new AbstractMap.SimpleImmutableEntry<>(name, value);
    }

    /** An unmodifiable copy. */
    static List<Map.Entry<String, String>> copy(List<Map.Entry<String, String>> params) {
        return Collections.unmodifiableList(new ArrayList<>(params));
    }

    /** The names only, for toString(): values may be credentials. */
    static List<String> names(List<Map.Entry<String, String>> params) {
        return params.stream().map(Map.Entry::getKey).toList();
    }
}
