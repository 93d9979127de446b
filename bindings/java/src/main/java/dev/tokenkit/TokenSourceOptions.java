package dev.tokenkit;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The settings of a {@link TokenSource} ({@code tokenkit_source_options}): skew, the change
 * callback and a refresh token to start from. Immutable; made with {@link #builder()}. What is
 * not set keeps the library's default (skew 60 s, no callback, no refresh token).
 *
 * <pre>{@code
 * TokenSource source = client.tokenSource(token, TokenSourceOptions.builder()
 *         .skew(Duration.ofSeconds(30))
 *         .onChange(t -> store.save(t.toJson()))
 *         .build());
 * }</pre>
 */
public final class TokenSourceOptions {
    private final Duration skew;
    private final Consumer<Token> onChange;
    private final String refreshToken;

    private TokenSourceOptions(Builder b) {
        this.skew = b.skew;
        this.onChange = b.onChange;
        this.refreshToken = b.refreshToken;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How long before its expiry a token counts as expired, or null for the default (60 s). */
    public Duration skew() {
        return skew;
    }

    /** Told about every new token, or null. */
    public Consumer<Token> onChange() {
        return onChange;
    }

    /** The refresh token a source without a token starts from, or null. */
    public String refreshToken() {
        return refreshToken;
    }

    /** The native options, with {@code onChangeFn} (may be null) as the change callback. */
    static NativeOptions toNative(TokenSourceOptions o, LibTokenKit.TokenChangedFn onChangeFn) {
        if (o == null) {
            return NativeOptions.NONE;
        }
        return NativeOptions.make(LibTokenKit.tokenkit_source_options_new(), LibTokenKit::tokenkit_source_options_free,
                n -> {
                    if (o.skew != null) {
                        long ms = NativeOptions.millis(o.skew);
                        n.set((p, err) -> LibTokenKit.tokenkit_source_options_set_skew_ms(p, ms, err));
                    }
                    if (onChangeFn != null) {
                        n.set((p, err) -> LibTokenKit.tokenkit_source_options_set_on_change(p, onChangeFn, null, err));
                    }
                    n.setString(LibTokenKit::tokenkit_source_options_set_refresh_token, o.refreshToken, "refresh_token");
                });
    }

    @Override
    public String toString() {
        return "TokenSourceOptions[skew=" + (skew == null ? "(default)" : skew)
                + ", onChange=" + (onChange == null ? "(none)" : "(set)")
                + ", refreshToken=" + (refreshToken == null ? "(none)" : "(set)") + "]";
    }

    /** Builds {@link TokenSourceOptions}. Setting a value twice keeps the last. */
    public static final class Builder {
        private Duration skew;
        private Consumer<Token> onChange;
        private String refreshToken;

        private Builder() {}

        /**
         * How long before its expiry a token counts as expired and is refreshed (>= 0,
         * millisecond precision; {@link Duration#ZERO} uses a token until it expires); null for
         * the default, 60 s. Keep it below the server's token lifetime, or every use refreshes.
         */
        public Builder skew(Duration skew) {
            this.skew = skew;
            return this;
        }

        /**
         * Told about every new token, after each successful refresh, so a rotated refresh token
         * can be saved (see {@link TokenSource} for where it runs and what it may call). Null for
         * none.
         */
        public Builder onChange(Consumer<Token> onChange) {
            this.onChange = onChange;
            return this;
        }

        /**
         * A refresh token to start from when the source is made without a token: its first use
         * refreshes. Not used by {@link TokenSource#load}.
         */
        public Builder refreshToken(String refreshToken) {
            this.refreshToken = refreshToken;
            return this;
        }

        public TokenSourceOptions build() {
            return new TokenSourceOptions(this);
        }
    }
}
