package dev.tokenkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The settings of one {@link Client#signIn} (RFC 8252 §7.3, {@code tokenkit_sign_in_options}).
 * Immutable; made with {@link #builder()}. Only {@link Builder#openUrl} is required; what is not set
 * keeps the library's default (any free port, the config's scope, 5 minutes, no cancellation).
 *
 * <pre>{@code
 * SignInOptions options = SignInOptions.builder()
 *         .scope("read")
 *         .openUrl(url -> {
 *             Desktop.getDesktop().browse(URI.create(url));
 *             return true;                                       // false would stop the sign-in
 *         })
 *         .timeout(Duration.ofMinutes(2))
 *         .build();
 * }</pre>
 */
public final class SignInOptions {
    /**
     * Opens the authorization URL in the user's browser ({@code tokenkit_open_url_fn}). Called once,
     * on the thread that called {@link Client#signIn}, before the wait starts; it must return
     * promptly (open a browser, print the URL). Return true to go on; returning false, or
     * throwing, stops the sign-in at once: {@code signIn} throws CANCELLED, whose cause is what
     * this threw.
     */
    @FunctionalInterface
    public interface OpenUrl {
        boolean open(String url) throws Exception;
    }

    private final String scope;
    private final Integer port;
    private final Duration timeout;
    private final List<Map.Entry<String, String>> params;
    private final OpenUrl openUrl;
    private final Cancellation cancellation;

    private SignInOptions(Builder b) {
        this.scope = b.scope;
        this.port = b.port;
        this.timeout = b.timeout;
        this.params = Params.copy(b.params);
        this.openUrl = b.openUrl;
        this.cancellation = b.cancellation;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The scope to ask for, or null for the config's (or the preset's) default. */
    public String scope() {
        return scope;
    }

    /** The loopback port to listen on, or null for any free one. */
    public Integer port() {
        return port;
    }

    /** How long the user has to finish, or null for the library's default (5 minutes). */
    public Duration timeout() {
        return timeout;
    }

    /** Extra parameters of the authorization URL, in order; empty for none. */
    public List<Map.Entry<String, String>> params() {
        return params;
    }

    /** Receives the authorization URL to open in the user's browser. */
    public OpenUrl openUrl() {
        return openUrl;
    }

    /** The cancellation that stops the sign-in, or null. */
    public Cancellation cancellation() {
        return cancellation;
    }

    /** The native options for one sign-in, with {@code openUrl} (null when none was set) as its callback. */
    NativeOptions toNative(LibTokenKit.OpenUrlFn openUrlFn) {
        return NativeOptions.make(LibTokenKit.tokenkit_sign_in_options_new(), LibTokenKit::tokenkit_sign_in_options_free,
                n -> {
                    if (openUrlFn != null) {
                        n.set((o, err) -> LibTokenKit.tokenkit_sign_in_options_set_open_url(o, openUrlFn, null, err));
                    }
                    if (port != null) {
                        n.set((o, err) -> LibTokenKit.tokenkit_sign_in_options_set_port(o, port, err));
                    }
                    n.setString(LibTokenKit::tokenkit_sign_in_options_set_scope, scope, "scope");
                    n.addParams(LibTokenKit::tokenkit_sign_in_options_add_param, params);
                    if (timeout != null) {
                        long ms = NativeOptions.millis(timeout);
                        n.set((o, err) -> LibTokenKit.tokenkit_sign_in_options_set_timeout_ms(o, ms, err));
                    }
                    n.setCancel(LibTokenKit::tokenkit_sign_in_options_set_cancel, cancellation);
                });
    }

    @Override
    public String toString() {
        return "SignInOptions[scope=" + scope + ", port=" + (port == null ? "(any)" : port)
                + ", timeout=" + (timeout == null ? "(default)" : timeout) + ", params=" + Params.names(params)
                + ", cancellation=" + (cancellation == null ? "(none)" : "(set)") + "]";
    }

    /** Builds {@link SignInOptions}. Setting a value twice keeps the last; parameters add up. */
    public static final class Builder {
        private String scope;
        private Integer port;
        private Duration timeout;
        private final List<Map.Entry<String, String>> params = new ArrayList<>();
        private OpenUrl openUrl;
        private Cancellation cancellation;

        private Builder() {}

        /** The scope to ask for; null (the default) for the config's or the preset's. */
        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        /** The loopback port (0..65535) to listen on 127.0.0.1; 0 or null (the default) picks a free one. */
        public Builder port(Integer port) {
            this.port = port;
            return this;
        }

        /** How long the user has to finish signing in (> 0, millisecond precision); null for the default, 5 minutes. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Adds a parameter of the authorization URL (e.g. {@code prompt=consent}); not sent with the code exchange. */
        public Builder param(String name, String value) {
            this.params.add(Params.entry(name, value));
            return this;
        }

        /** Adds every entry of {@code params} in its iteration order. */
        public Builder params(Map<String, String> params) {
            if (params != null) {
                params.forEach(this::param);
            }
            return this;
        }

        /**
         * Required: opens the authorization URL (see {@link OpenUrl}). It must not start another
         * sign-in on the same client (that throws INVALID_ARGUMENT).
         */
        public Builder openUrl(OpenUrl openUrl) {
            this.openUrl = openUrl;
            return this;
        }

        /** Stops the sign-in (the wait and the code exchange) when raised from another thread; null for none. */
        public Builder cancellation(Cancellation cancellation) {
            this.cancellation = cancellation;
            return this;
        }

        public SignInOptions build() {
            return new SignInOptions(this);
        }
    }
}
