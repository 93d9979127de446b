package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A token response, copied out of the library (whose copy is zeroized and freed at once).
 * Immutable and safe to share between threads.
 *
 * <p>Fields the server did not send are {@link Optional#empty()} / {@link OptionalLong#empty()}.
 * {@link #toString()} never shows a token; {@link #json()} holds every field the server sent,
 * tokens included, so do not log it.
 */
public final class Token {
    private final String accessToken;
    private final String tokenType;
    private final String refreshToken;
    private final String scope;
    private final String idToken;
    private final long expiresIn;
    private final long expiresAt;
    private final String json;

    private Token(String accessToken, String tokenType, String refreshToken, String scope, String idToken,
            long expiresIn, long expiresAt, String json) {
        this.accessToken = accessToken;
        this.tokenType = tokenType;
        this.refreshToken = refreshToken;
        this.scope = scope;
        this.idToken = idToken;
        this.expiresIn = expiresIn;
        this.expiresAt = expiresAt;
        this.json = json;
    }

    /** A call that stores a new token in {@code out} on success, or an error in {@code err}. */
    interface Call {
        int invoke(PointerByReference out, PointerByReference err);
    }

    /** Makes the call; returns its token or throws its error, having freed both. */
    static Token fetch(LibTokenKit lib, Call call) {
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Errors.check(lib, call.invoke(out, err), err);
        return take(lib, out);
    }

    /** Copies the token a successful call stored in {@code out}, then frees it. */
    static Token take(LibTokenKit lib, PointerByReference out) {
        Pointer t = out.getValue();
        if (t == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR, "the library reported success but returned no token");
        }
        try {
            return copy(lib, t);
        } finally {
            lib.tokenkit_token_free(t);
        }
    }

    /** Copies a live token without freeing it: one the library lends a callback. */
    static Token copy(LibTokenKit lib, Pointer t) {
        return new Token(
                NativeStrings.take(lib, lib.tokenkit_token_access_token(t)),
                NativeStrings.take(lib, lib.tokenkit_token_token_type(t)),
                NativeStrings.take(lib, lib.tokenkit_token_refresh_token(t)),
                NativeStrings.take(lib, lib.tokenkit_token_scope(t)),
                NativeStrings.take(lib, lib.tokenkit_token_id_token(t)),
                lib.tokenkit_token_expires_in(t),
                lib.tokenkit_token_expires_at(t),
                NativeStrings.take(lib, lib.tokenkit_token_json(t)));
    }

    /**
     * This token in the format of {@code tokenkit_source_to_json()} (access_token, token_type,
     * expires_at, refresh_token, scope, id_token), which {@code tokenkit_source_from_json()} reads.
     * The ABI has no way to hand a copied token back to the library, so a {@link TokenSource} made
     * from a {@code Token} goes through this; {@link #json()} would not do, as the server's
     * {@code expires_in} there is relative to a time the library no longer knows.
     */
    String toSavedJson() {
        StringBuilder b = new StringBuilder(256).append('{');
        field(b, "access_token", accessToken);
        field(b, "token_type", tokenType);
        if (expiresAt != -1) {
            b.append(",\"expires_at\":").append(expiresAt);
        }
        field(b, "refresh_token", refreshToken);
        field(b, "scope", scope);
        field(b, "id_token", idToken);
        return b.append('}').toString();
    }

    /** Appends {@code "name":"value"} (RFC 8259 string escapes), nothing for a null value. */
    private static void field(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        if (b.length() > 1) {
            b.append(',');
        }
        b.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
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
        return expiresIn == -1 ? OptionalLong.empty() : OptionalLong.of(expiresIn);
    }

    /** When the token expires: its arrival time plus {@code expires_in}, to the second. */
    public Optional<Instant> expiresAt() {
        return expiresAt == -1 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(expiresAt));
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
                + ", expiresAt=" + expiresAt().map(Instant::toString).orElse("(none)")
                + ", refreshToken=" + (refreshToken == null ? "(none)" : "(present)")
                + ", idToken=" + (idToken == null ? "(none)" : "(present)") + "]";
    }
}
