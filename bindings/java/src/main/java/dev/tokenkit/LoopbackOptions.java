package dev.tokenkit;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The settings of one {@link Client#signInLoopback} (RFC 8252 §7.3). Immutable; made with
 * {@link #builder()}. Only {@link Builder#openUrl} is required.
 *
 * <pre>{@code
 * LoopbackOptions options = LoopbackOptions.builder()
 *         .scope("read")
 *         .openUrl(url -> Desktop.getDesktop().browse(URI.create(url)))   // wrap its IOException
 *         .timeout(Duration.ofMinutes(2))
 *         .build();
 * }</pre>
 */
public final class LoopbackOptions {
    /** How long the user has to finish signing in when {@link Builder#timeout} is not set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private final String scope;
    private final int port;
    private final Duration timeout;
    private final Map<String, String> params;
    private final Consumer<String> openUrl;
    private final Cancellation cancellation;

    private LoopbackOptions(Builder b) {
        this.scope = b.scope;
        this.port = b.port;
        this.timeout = b.timeout;
        this.params = b.params == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(b.params));
        this.openUrl = b.openUrl;
        this.cancellation = b.cancellation;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The scope to ask for, or null for the server's (or the preset's) default. */
    public String scope() {
        return scope;
    }

    /** The loopback port to listen on; 0 picks a free one. */
    public int port() {
        return port;
    }

    /** How long to wait for the browser's redirect. */
    public Duration timeout() {
        return timeout;
    }

    /** Extra parameters of the authorization URL, or null for none. */
    public Map<String, String> params() {
        return params;
    }

    /** Receives the authorization URL to open in the user's browser. */
    public Consumer<String> openUrl() {
        return openUrl;
    }

    /** The cancellation that stops the wait, or null. */
    public Cancellation cancellation() {
        return cancellation;
    }

    @Override
    public String toString() {
        return "LoopbackOptions[scope=" + scope + ", port=" + port + ", timeout=" + timeout
                + ", params=" + (params == null ? "(none)" : params.keySet()) + "]";
    }

    /** Builds {@link LoopbackOptions}. Setting a value twice keeps the last. */
    public static final class Builder {
        private String scope;
        private int port;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Map<String, String> params;
        private Consumer<String> openUrl;
        private Cancellation cancellation;

        private Builder() {}

        /** The scope to ask for; null (the default) for the server's or the preset's. */
        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        /** The loopback port (0..65535) to listen on 127.0.0.1; 0, the default, picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** How long the user has to finish signing in (> 0, millisecond precision); default 5 minutes. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Extra parameters of the authorization URL (e.g. {@code prompt=consent}), in the map's
         * iteration order; null or empty for none. They are not sent with the code exchange.
         */
        public Builder params(Map<String, String> params) {
            this.params = params;
            return this;
        }

        /**
         * Required: receives the authorization URL to open in the user's browser. It is called
         * once, on the thread that called {@code signInLoopback}, before the wait starts, and must
         * return promptly (open a browser, print the URL). If it throws, the sign-in stops and
         * {@code signInLoopback} throws what it threw. It must not start another sign-in on the
         * same client (that throws INVALID_ARGUMENT).
         */
        public Builder openUrl(Consumer<String> openUrl) {
            this.openUrl = openUrl;
            return this;
        }

        /** Stops the wait when raised from another thread (CANCELLED); null, the default, for none. */
        public Builder cancellation(Cancellation cancellation) {
            this.cancellation = cancellation;
            return this;
        }

        public LoopbackOptions build() {
            return new LoopbackOptions(this);
        }
    }
}
