package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A token response, copied out of the library (whose copy is zeroized and freed at once).
 * Immutable and safe to share between threads.
 *
 * <p>Fields the server did not send are {@link Optional#empty()} / {@link OptionalLong#empty()}.
 * {@link #toString()} never shows a token; {@link #json()} holds every field the server sent and
 * {@link #toJson()} the token in the saved format, tokens included, so log neither.
 *
 * <p>To keep a token across restarts, store {@link #toJson()} as a secret and read it back with
 * {@link #fromJson(String)}, or give it to {@link TokenSource#load}; the library owns that format.
 */
public final class Token {
    private final String accessToken;
    private final String tokenType;
    private final String refreshToken;
    private final String scope;
    private final String idToken;
    private final OptionalLong expiresIn;
    private final Optional<Instant> expiresAt;
    private final String json;
    /** The saved form, made by the library on first use: most tokens are used, never saved. */
    private volatile String savedJson;

    private Token(Pointer t) {
        this.accessToken = NativeStrings.borrowed(LibTokenKit.tokenkit_token_access_token(t));
        this.tokenType = NativeStrings.borrowed(LibTokenKit.tokenkit_token_token_type(t));
        this.refreshToken = NativeStrings.borrowed(LibTokenKit.tokenkit_token_refresh_token(t));
        this.scope = NativeStrings.borrowed(LibTokenKit.tokenkit_token_scope(t));
        this.idToken = NativeStrings.borrowed(LibTokenKit.tokenkit_token_id_token(t));
        this.json = NativeStrings.borrowed(LibTokenKit.tokenkit_token_json(t));
        try (Scratch s = Scratch.get()) {
            LongByReference value = s.value;
            this.expiresIn = LibTokenKit.tokenkit_token_expires_in(t, value) != 0
                    ? OptionalLong.of(value.getValue()) : OptionalLong.empty();
            this.expiresAt = LibTokenKit.tokenkit_token_expires_at(t, value) != 0
                    ? Optional.of(Instant.ofEpochSecond(value.getValue())) : Optional.empty();
        }
    }

    /** Makes a call that stores a new token; returns it or throws the call's error, having freed both. */
    static Token fetch(Errors.OutCall call) {
        return take(Errors.fetch(call, "token"));
    }

    /** Copies an owned token, then frees it. */
    static Token take(Pointer owned) {
        try {
            return new Token(owned);
        } finally {
            LibTokenKit.tokenkit_token_free(owned);
        }
    }

    /** Copies a live token without freeing it: one the library lends a callback. */
    static Token copy(Pointer borrowed) {
        return new Token(borrowed);
    }

    /**
     * Reads a token saved by {@link #toJson()} (or {@link TokenSource#toJson()}), or any JSON object
     * with a non-empty {@code access_token}. Throws INVALID_ARGUMENT for JSON the library cannot
     * use (not JSON, no access_token, a field of the wrong type).
     */
    public static Token fromJson(String json) {
        NativeLib.require();
        try (CString j = CString.of(json, "json")) {
            return fetch((out, err) -> LibTokenKit.tokenkit_token_from_json(j.pointer(), out, err));
        }
    }

    /**
     * This token in the library's saved format (access_token, token_type, expires_at,
     * refresh_token, scope, id_token), for {@link #fromJson(String)} or {@link TokenSource#load}.
     * It holds the tokens: keep it as secret as a password.
     */
    public String toJson() {
        String saved = savedJson;
        if (saved == null) {
            saved = savedForm();
            savedJson = saved; // the same text whichever thread makes it first
        }
        return saved;
    }

    /**
     * The saved format is the library's: it reads this token's fields back (the format's own
     * names, in the JSON that tokenkit_token_from_json takes) and writes them out.
     */
    private String savedForm() {
        StringBuilder fields = new StringBuilder(256).append('{');
        field(fields, "access_token", accessToken);
        field(fields, "token_type", tokenType);
        expiresAt.ifPresent(at -> fields.append(",\"expires_at\":").append(at.getEpochSecond()));
        field(fields, "refresh_token", refreshToken);
        field(fields, "scope", scope);
        field(fields, "id_token", idToken);
        try (CString doc = CString.of(fields.append('}').toString(), "token")) {
            fields.setLength(0);
            Pointer read = Errors.fetch((out, err) -> LibTokenKit.tokenkit_token_from_json(doc.pointer(), out, err),
                    "token");
            try (Scratch s = Scratch.get()) {
                Errors.check(LibTokenKit.tokenkit_token_to_json(read, s.out, s.err), s.err);
                return NativeStrings.take(s.out.getValue());
            } finally {
                LibTokenKit.tokenkit_token_free(read);
            }
        }
    }

    /** Appends {@code ,"name":"value"} (the first without the comma) unless value is null. */
    private static void field(StringBuilder json, String name, String value) {
        if (value == null) {
            return;
        }
        if (json.length() > 1) {
            json.append(',');
        }
        json.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        json.append('"');
    }

    /** The access token. */
    public String accessToken() {
        return accessToken;
    }

    /** The token type: "Bearer" when the server sent any case of it, or none. */
    public String tokenType() {
        return tokenType;
    }

    /**
     * The refresh token. Empty when the server sent none; after a refresh that means the refresh
     * token you used stays valid.
     */
    public Optional<String> refreshToken() {
        return Optional.ofNullable(refreshToken);
    }

    /** The granted scope, if the server sent it. */
    public Optional<String> scope() {
        return Optional.ofNullable(scope);
    }

    /** The OpenID Connect id_token, if the server sent one. */
    public Optional<String> idToken() {
        return Optional.ofNullable(idToken);
    }

    /** The lifetime in seconds as the server sent it (a number or a numeric string). */
    public OptionalLong expiresIn() {
        return expiresIn;
    }

    /** When the token expires: its arrival time plus {@code expires_in}, to the second, or as saved. */
    public Optional<Instant> expiresAt() {
        return expiresAt;
    }

    /**
     * Every field the server sent, as a JSON object (a form-encoded answer becomes an object of
     * strings). It holds the tokens: do not log it.
     */
    public String json() {
        return json;
    }

    /** The type, scope and expiry, and whether a refresh or id token is present; never a token. */
    @Override
    public String toString() {
        return "Token[tokenType=" + tokenType
                + ", scope=" + (scope == null ? "(none)" : scope)
                + ", expiresAt=" + expiresAt.map(Instant::toString).orElse("(none)")
                + ", refreshToken=" + (refreshToken == null ? "(none)" : "(present)")
                + ", idToken=" + (idToken == null ? "(none)" : "(present)") + "]";
    }
}
