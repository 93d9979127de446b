package dev.tokenkit;

import com.sun.jna.Pointer;
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
    private final String sub;
    private final long exp;
    private final String json;

    private Introspection(boolean active, String scope, String clientId, String sub, long exp, String json) {
        this.active = active;
        this.scope = scope;
        this.clientId = clientId;
        this.sub = sub;
        this.exp = exp;
        this.json = json;
    }

    /** Copies the response in {@code i} and frees it. */
    static Introspection take(LibTokenKit lib, Pointer i) {
        if (i == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR,
                    "the library reported success but returned no introspection response");
        }
        try {
            return new Introspection(
                    lib.tokenkit_introspection_active(i) == 1,
                    NativeStrings.take(lib, lib.tokenkit_introspection_scope(i)),
                    NativeStrings.take(lib, lib.tokenkit_introspection_client_id(i)),
                    NativeStrings.take(lib, lib.tokenkit_introspection_sub(i)),
                    lib.tokenkit_introspection_exp(i),
                    NativeStrings.take(lib, lib.tokenkit_introspection_json(i)));
        } finally {
            lib.tokenkit_introspection_free(i);
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

    /** The {@code sub} claim: the resource owner. */
    public Optional<String> sub() {
        return Optional.ofNullable(sub);
    }

    /** The {@code exp} claim: when the token expires. */
    public Optional<Instant> exp() {
        return exp == -1 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(exp));
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
                + ", exp=" + exp().map(Instant::toString).orElse("(none)") + "]";
    }
}
