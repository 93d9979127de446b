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
    private static Token take(LibTokenKit lib, PointerByReference out) {
        Pointer t = out.getValue();
        if (t == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR, "the library reported success but returned no token");
        }
        try {
            return new Token(
                    NativeStrings.take(lib, lib.tokenkit_token_access_token(t)),
                    NativeStrings.take(lib, lib.tokenkit_token_token_type(t)),
                    NativeStrings.take(lib, lib.tokenkit_token_refresh_token(t)),
                    NativeStrings.take(lib, lib.tokenkit_token_scope(t)),
                    NativeStrings.take(lib, lib.tokenkit_token_id_token(t)),
                    lib.tokenkit_token_expires_in(t),
                    lib.tokenkit_token_expires_at(t),
                    NativeStrings.take(lib, lib.tokenkit_token_json(t)));
        } finally {
            lib.tokenkit_token_free(t);
        }
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
