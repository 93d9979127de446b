package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.Map;

/**
 * Extra form parameters as a {@code tokenkit_params} for one call, freed (values zeroized) when
 * closed. A null or empty map is a NULL handle.
 */
final class NativeParams implements AutoCloseable {
    private final LibTokenKit lib;
    private final Pointer params;

    private NativeParams(LibTokenKit lib, Pointer params) {
        this.lib = lib;
        this.params = params;
    }

    /** Copies {@code extra} in its iteration order; the library checks names when the request is sent. */
    static NativeParams of(LibTokenKit lib, Map<String, String> extra) {
        if (extra == null || extra.isEmpty()) {
            return new NativeParams(lib, null);
        }
        NativeParams result = new NativeParams(lib, lib.tokenkit_params_new());
        try {
            for (Map.Entry<String, String> e : extra.entrySet()) {
                try (CString name = CString.of(e.getKey(), "extra parameter name");
                        CString value = CString.of(e.getValue(), "extra parameter " + e.getKey())) {
                    PointerByReference err = new PointerByReference();
                    Errors.check(lib, lib.tokenkit_params_add(result.params, name.pointer(), value.pointer(), err), err);
                }
            }
            return result;
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
    }

    Pointer pointer() {
        return params;
    }

    @Override
    public void close() {
        lib.tokenkit_params_free(params);
    }
}
