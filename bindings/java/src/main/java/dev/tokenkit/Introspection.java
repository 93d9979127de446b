package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.time.Instant;
import java.util.Optional;

/**
 * What the introspection endpoint said about a token (RFC 7662 §2.2), copied out of the library
 * (whose copy is freed at once). Immutable. Claims the server did not send are
 * {@link Optional#empty()}; {@link #json()} has every field it sent.
 */
public final class Introspection {
    private final boolean active;
    private final String scope;
    private final String clientId;
    private final String username;
    private final String tokenType;
    private final String sub;
    private final Optional<Instant> exp;
    private final Optional<Instant> iat;
    private final String json;

    private Introspection(Pointer i) {
        this.active = LibTokenKit.tokenkit_introspection_active(i) != 0;
        this.scope = NativeStrings.borrowed(LibTokenKit.tokenkit_introspection_scope(i));
        this.clientId = NativeStrings.borrowed(LibTokenKit.tokenkit_introspection_client_id(i));
        this.username = NativeStrings.borrowed(LibTokenKit.tokenkit_introspection_username(i));
        this.tokenType = NativeStrings.borrowed(LibTokenKit.tokenkit_introspection_token_type(i));
        this.sub = NativeStrings.borrowed(LibTokenKit.tokenkit_introspection_sub(i));
        this.json = NativeStrings.borrowed(LibTokenKit.tokenkit_introspection_json(i));
        try (Scratch s = Scratch.get()) {
            LongByReference seconds = s.value;
            this.exp = LibTokenKit.tokenkit_introspection_exp(i, seconds) != 0
                    ? Optional.of(Instant.ofEpochSecond(seconds.getValue())) : Optional.empty();
            this.iat = LibTokenKit.tokenkit_introspection_iat(i, seconds) != 0
                    ? Optional.of(Instant.ofEpochSecond(seconds.getValue())) : Optional.empty();
        }
    }

    /** Copies the response in {@code i} and frees it. */
    static Introspection take(Pointer i) {
        if (i == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR,
                    "the library reported success but returned no introspection response");
        }
        try {
            return new Introspection(i);
        } finally {
            LibTokenKit.tokenkit_introspection_free(i);
        }
    }

    /** Whether the token is active: issued by this server, not expired, not revoked. */
    public boolean active() {
        return active;
    }

    /** The {@code scope} claim. */
    public Optional<String> scope() {
        return Optional.ofNullable(scope);
    }

    /** The {@code client_id} claim: the client the token was issued to. */
    public Optional<String> clientId() {
        return Optional.ofNullable(clientId);
    }

    /** The {@code username} claim: a human-readable name of the resource owner. */
    public Optional<String> username() {
        return Optional.ofNullable(username);
    }

    /** The {@code token_type} claim, e.g. "Bearer". */
    public Optional<String> tokenType() {
        return Optional.ofNullable(tokenType);
    }

    /** The {@code sub} claim: the resource owner. */
    public Optional<String> sub() {
        return Optional.ofNullable(sub);
    }

    /** The {@code exp} claim: when the token expires. */
    public Optional<Instant> exp() {
        return exp;
    }

    /** The {@code iat} claim: when the token was issued. */
    public Optional<Instant> iat() {
        return iat;
    }

    /** Every field the server sent, as a JSON object. */
    public String json() {
        return json;
    }

    @Override
    public String toString() {
        return "Introspection[active=" + active
                + ", scope=" + (scope == null ? "(none)" : scope)
                + ", clientId=" + (clientId == null ? "(none)" : clientId)
                + ", sub=" + (sub == null ? "(none)" : sub)
                + ", exp=" + exp.map(Instant::toString).orElse("(none)") + "]";
    }
}
