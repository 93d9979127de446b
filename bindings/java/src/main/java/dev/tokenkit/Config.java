package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The settings of a {@link Client}: its endpoints and one set of credentials. Immutable and
 * reusable; made with {@link #builder()}.
 *
 * <pre>{@code
 * Config config = Config.builder()
 *         .tokenEndpoint("https://api.home.nest.com/oauth2/access_token")
 *         .clientId("CLIENT_ID")
 *         .clientSecret(System.getenv("CLIENT_SECRET"))
 *         .timeout(Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 *
 * <p>The endpoints can also come from a provider preset ({@link Builder#preset}) or from the
 * issuer's metadata ({@link Builder#issuer}, RFC 8414 discovery when the client is made); an
 * endpoint set explicitly wins over both.
 *
 * <p>A config only holds values: the library checks them when {@link Client#create} makes a
 * client, and reports a bad one there as INVALID_ARGUMENT or INSECURE. Settings left unset keep
 * the library's defaults (client_secret_post, connect timeout 10 s, call deadline 30 s, response
 * cap 1 MiB, 16 idle connections per host, User-Agent "tokenkit/VERSION", {@link RetryPolicy#DEFAULT},
 * RFC 7009 revocation).
 * The client secret is held as a Java string, which cannot be zeroized; the library's copy is.
 * {@link #toString()} never shows the secret.
 *
 * <p>A builder from {@link Store#config} starts from a saved profile's settings: what is set on it
 * overrides them, what is not keeps them.
 */
public final class Config {
    /** Log level: a line per request attempt and per retry decision. */
    public static final int LOG_REQUESTS = 1;
    /** Log level: also the headers and form body of each request and the response's headers. */
    public static final int LOG_HEADERS = 2;

    /**
     * Receives the request log ({@code tokenkit_log_fn}): the line's level ({@link #LOG_REQUESTS}
     * or {@link #LOG_HEADERS}) and the line, without a newline, every secret (client secret,
     * codes, tokens, PKCE verifier, extra parameters) written as {@code [redacted]}. It is called
     * on the thread that makes the request, during the call, by any number of threads at once, so
     * it must be thread-safe and return promptly. What it throws never reaches the library: the
     * call during which it threw throws it once the library has returned (as a token source's
     * onChange does), so a throwing log loses that call's result.
     */
    @FunctionalInterface
    public interface Log {
        void line(int level, String line);
    }

    private final String tokenEndpoint;
    private final String clientId;
    private final String clientSecret;
    private final AuthMethod authMethod;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final Duration attemptTimeout;
    private final Integer maxIdleConnectionsPerHost;
    private final String userAgent;
    private final List<Path> caFiles;
    private final Long maxResponseBytes;
    private final String authorizationEndpoint;
    private final String deviceAuthorizationEndpoint;
    private final String revocationEndpoint;
    private final String introspectionEndpoint;
    private final RevocationStyle revocationStyle;
    private final RetryPolicy retry;
    private final String preset;
    private final String presetProjectId;
    private final String issuer;
    private final int logLevel;
    private final Log log;
    private final Store profileStore;
    private final String profileName;

    private Config(Builder b) {
        this.tokenEndpoint = b.tokenEndpoint;
        this.clientId = b.clientId;
        this.clientSecret = b.clientSecret;
        this.authMethod = b.authMethod;
        this.connectTimeout = b.connectTimeout;
        this.timeout = b.timeout;
        this.attemptTimeout = b.attemptTimeout;
        this.maxIdleConnectionsPerHost = b.maxIdleConnectionsPerHost;
        this.userAgent = b.userAgent;
        this.caFiles = Collections.unmodifiableList(new ArrayList<>(b.caFiles));
        this.maxResponseBytes = b.maxResponseBytes;
        this.authorizationEndpoint = b.authorizationEndpoint;
        this.deviceAuthorizationEndpoint = b.deviceAuthorizationEndpoint;
        this.revocationEndpoint = b.revocationEndpoint;
        this.introspectionEndpoint = b.introspectionEndpoint;
        this.revocationStyle = b.revocationStyle;
        this.retry = b.retry;
        this.preset = b.preset;
        this.presetProjectId = b.presetProjectId;
        this.issuer = b.issuer;
        this.logLevel = b.logLevel;
        this.log = b.log;
        this.profileStore = b.profileStore;
        this.profileName = b.profileName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The token endpoint set explicitly, or null (then from the preset or the issuer's metadata). */
    public String tokenEndpoint() {
        return tokenEndpoint;
    }

    public String clientId() {
        return clientId;
    }

    /** The auth method, or null for the library's default (client_secret_post) or the preset's. */
    public AuthMethod authMethod() {
        return authMethod;
    }

    /** The issuer whose metadata is discovered when a client is made, or null. */
    public String issuer() {
        return issuer;
    }

    /** The provider preset's name, or null. */
    public String preset() {
        return preset;
    }

    /** The retry policy, or null for the library's default ({@link RetryPolicy#DEFAULT}). */
    public RetryPolicy retry() {
        return retry;
    }

    /** The request log's function, or null for none. */
    public Log log() {
        return log;
    }

    /** The saved profile the settings start from ({@link Store#config}), or null. */
    public String profile() {
        return profileName;
    }

    @Override
    public String toString() {
        return "Config[" + (profileName == null ? "" : "profile=" + profileName + ", ")
                + (issuer == null ? "" : "issuer=" + issuer + ", ")
                + (preset == null ? "" : "preset=" + preset + ", ")
                + "tokenEndpoint=" + tokenEndpoint + ", clientId=" + clientId
                + ", clientSecret=" + (clientSecret == null ? "(none)" : "(set)")
                + ", authMethod=" + (authMethod == null ? "(default)" : authMethod)
                + (log == null ? "" : ", log=level " + logLevel) + "]";
    }

    /** A {@code tokenkit_config} the caller frees, and the issuer's metadata when it was discovered. */
    record Native(Pointer config, String metadata) {}

    /**
     * A new {@code tokenkit_config} with these settings; the caller frees it. Each setter checks its
     * value at once, so a bad one fails here with the library's message. The preset comes first
     * and the explicit settings after it, so they win; discovery (given {@code discovery}, whose
     * cancellation stops it) comes after the timeouts, CA files and retry policy it uses, and
     * before the explicit endpoints. The token endpoint is passed, null included, unless a preset
     * or an issuer provides it, so the library names it when it is missing.
     */
    Native toNative(RequestOptions discovery, LibTokenKit.LogFn logFn) {
        Pointer c = profileStore != null ? profileStore.nativeConfig(profileName) : LibTokenKit.tokenkit_config_new();
        if (c == null) {
            throw new OutOfMemoryError("tokenkit_config_new returned NULL");
        }
        boolean ok = false;
        try {
            if (preset != null) {
                try (CString name = CString.of(preset, "name");
                        CString project = CString.of(presetProjectId, "project_id")) {
                    Errors.run(err -> LibTokenKit.tokenkit_config_apply_preset(c, name.pointer(), project.pointer(), err));
                }
            }
            if (clientId != null || profileStore == null) { // a profile has its client id
                setString(c, clientId, "client_id", LibTokenKit::tokenkit_config_set_client_id);
            }
            if (authMethod != null) {
                Errors.run(err -> LibTokenKit.tokenkit_config_set_auth_method(c, authMethod.value(), err));
            }
            if (clientSecret != null) {
                setString(c, clientSecret, "client_secret", LibTokenKit::tokenkit_config_set_client_secret);
            }
            setMillis(c, connectTimeout, LibTokenKit::tokenkit_config_set_connect_timeout_ms);
            setMillis(c, timeout, LibTokenKit::tokenkit_config_set_timeout_ms);
            setMillis(c, attemptTimeout, LibTokenKit::tokenkit_config_set_attempt_timeout_ms);
            if (maxResponseBytes != null) {
                Errors.run(err -> LibTokenKit.tokenkit_config_set_max_response_bytes(c, maxResponseBytes, err));
            }
            if (maxIdleConnectionsPerHost != null) {
                Errors.run(err -> LibTokenKit.tokenkit_config_set_max_idle_connections_per_host(c,
                        maxIdleConnectionsPerHost, err));
            }
            if (userAgent != null) {
                setString(c, userAgent, "user_agent", LibTokenKit::tokenkit_config_set_user_agent);
            }
            for (Path caFile : caFiles) {
                setString(c, caFile == null ? null : caFile.toString(), "ca_file", LibTokenKit::tokenkit_config_add_ca_file);
            }
            if (retry != null) {
                Errors.run(err -> LibTokenKit.tokenkit_config_set_retry(c, retry.maxRetries(),
                        NativeOptions.millis(retry.baseDelay()), NativeOptions.millis(retry.maxDelay()), err));
            }
            String metadata = null;
            if (issuer != null) {
                metadata = discover(c, issuer, discovery);
            }
            if (tokenEndpoint != null || (preset == null && issuer == null && profileStore == null)) {
                setString(c, tokenEndpoint, "token_endpoint", LibTokenKit::tokenkit_config_set_token_endpoint);
            }
            if (authorizationEndpoint != null) {
                setString(c, authorizationEndpoint, "authorization_endpoint",
                        LibTokenKit::tokenkit_config_set_authorization_endpoint);
            }
            if (deviceAuthorizationEndpoint != null) {
                setString(c, deviceAuthorizationEndpoint, "device_authorization_endpoint",
                        LibTokenKit::tokenkit_config_set_device_authorization_endpoint);
            }
            if (revocationEndpoint != null) {
                setString(c, revocationEndpoint, "revocation_endpoint", LibTokenKit::tokenkit_config_set_revocation_endpoint);
            }
            if (introspectionEndpoint != null) {
                setString(c, introspectionEndpoint, "introspection_endpoint",
                        LibTokenKit::tokenkit_config_set_introspection_endpoint);
            }
            if (revocationStyle != null) {
                Errors.run(err -> LibTokenKit.tokenkit_config_set_revocation_style(c, revocationStyle.value(), err));
            }
            if (logFn != null) {
                Errors.run(err -> LibTokenKit.tokenkit_config_set_log(c, logLevel, logFn, null, err));
            }
            ok = true;
            return new Native(c, metadata);
        } finally {
            if (!ok) {
                LibTokenKit.tokenkit_config_free(c);
            }
        }
    }

    /** Runs discovery of {@code issuer} on config {@code c} and returns the metadata document. */
    static String discover(Pointer c, String issuer, RequestOptions options) {
        try (CString i = CString.of(issuer, "issuer"); NativeOptions o = RequestOptions.toNative(options)) {
            return NativeStrings.take(Errors.fetch(
                    (metadata, err) -> LibTokenKit.tokenkit_config_discover(c, i.pointer(), o.pointer(), metadata, err),
                    "metadata"));
        }
    }

    private interface StringSetter {
        int set(Pointer config, Pointer value, PointerByReference err);
    }

    private interface MillisSetter {
        int set(Pointer config, long ms, PointerByReference err);
    }

    private static void setString(Pointer c, String value, String name, StringSetter setter) {
        try (CString s = CString.of(value, name)) {
            Errors.run(err -> setter.set(c, s.pointer(), err));
        }
    }

    private static void setMillis(Pointer c, Duration value, MillisSetter setter) {
        if (value != null) {
            long ms = NativeOptions.millis(value);
            Errors.run(err -> setter.set(c, ms, err));
        }
    }

    /** Builds a {@link Config}. Setting a value twice keeps the last, except {@link #caFile}, which adds. */
    public static final class Builder {
        private String tokenEndpoint;
        private String clientId;
        private String clientSecret;
        private AuthMethod authMethod;
        private Duration connectTimeout;
        private Duration timeout;
        private Duration attemptTimeout;
        private Integer maxIdleConnectionsPerHost;
        private String userAgent;
        private final List<Path> caFiles = new ArrayList<>();
        private Long maxResponseBytes;
        private String authorizationEndpoint;
        private String deviceAuthorizationEndpoint;
        private String revocationEndpoint;
        private String introspectionEndpoint;
        private RevocationStyle revocationStyle;
        private RetryPolicy retry;
        private String preset;
        private String presetProjectId;
        private String issuer;
        private int logLevel;
        private Log log;
        private final Store profileStore;
        private final String profileName;

        private Builder() {
            this(null, null);
        }

        /** A builder that starts from profile {@code name} of {@code store}. */
        Builder(Store store, String name) {
            this.profileStore = store;
            this.profileName = name;
        }

        /**
         * The token endpoint: https://, or http:// to a loopback host (127.0.0.0/8, ::1, localhost).
         * Required, unless a {@link #preset} or an {@link #issuer} provides it.
         */
        public Builder tokenEndpoint(String url) {
            this.tokenEndpoint = url;
            return this;
        }

        /** The client id. Required, not empty. */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /** The client secret: required by the secret methods, refused with {@link AuthMethod#NONE}. Null clears it. */
        public Builder clientSecret(String clientSecret) {
            this.clientSecret = clientSecret;
            return this;
        }

        /** How the client authenticates; null keeps the default, client_secret_post. */
        public Builder authMethod(AuthMethod authMethod) {
            this.authMethod = authMethod;
            return this;
        }

        /** The connect timeout (> 0, millisecond precision); null keeps the default, 10 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * The deadline of one call (> 0, millisecond precision): from the first attempt to the last
         * byte of the answer, retries and the waits between them included; null keeps the default,
         * 30 s.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * A bound on each attempt within a call (> 0, millisecond precision), so that a retry is
         * still possible when one attempt hangs; null (the default) lets one attempt use the whole
         * {@link #timeout}.
         */
        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
            return this;
        }

        /**
         * How many idle keep-alive connections the client keeps per host (> 0); null keeps the
         * default, 16, enough for 8 threads sharing one client without reconnecting.
         */
        public Builder maxIdleConnectionsPerHost(int count) {
            this.maxIdleConnectionsPerHost = count;
            return this;
        }

        /** The User-Agent header (no control characters); null keeps the default. */
        public Builder userAgent(String userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        /**
         * Trusts every certificate in this PEM file; once one is given, the client trusts only the
         * CA files it was given, not the system's trust store (as {@code curl --cacert} does). The
         * file is read when the client is made. Each call adds a file.
         */
        public Builder caFile(Path pemFile) {
            this.caFiles.add(pemFile);
            return this;
        }

        /** The cap on a response body in bytes (> 0); a larger body fails with PROTOCOL_ERROR. Default 1 MiB. */
        public Builder maxResponseBytes(long maxBytes) {
            this.maxResponseBytes = maxBytes;
            return this;
        }

        /** The authorization endpoint (RFC 6749 §3.1), for authorization URLs and loopback sign-in. */
        public Builder authorizationEndpoint(String url) {
            this.authorizationEndpoint = url;
            return this;
        }

        /** The device authorization endpoint (RFC 8628 §3.1), for the device flow. */
        public Builder deviceAuthorizationEndpoint(String url) {
            this.deviceAuthorizationEndpoint = url;
            return this;
        }

        /** The revocation endpoint (RFC 7009), or Nest's DELETE base URL with {@link RevocationStyle#NEST_DELETE}. */
        public Builder revocationEndpoint(String url) {
            this.revocationEndpoint = url;
            return this;
        }

        /** The introspection endpoint (RFC 7662). */
        public Builder introspectionEndpoint(String url) {
            this.introspectionEndpoint = url;
            return this;
        }

        /** How tokens are revoked; null keeps the default, {@link RevocationStyle#RFC7009} (or the preset's). */
        public Builder revocationStyle(RevocationStyle style) {
            this.revocationStyle = style;
            return this;
        }

        /** How requests other than a code exchange are retried; null keeps {@link RetryPolicy#DEFAULT}. */
        public Builder retry(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        /** Turns retrying off: {@code retry(RetryPolicy.NONE)}. */
        public Builder noRetry() {
            return retry(RetryPolicy.NONE);
        }

        /**
         * Applies a provider preset: "nest" (legacy Works with Nest: its authorization and token
         * endpoints, client_secret_post, DELETE revocation; {@code projectId} null) or
         * "google-nest" (Device Access: {@code projectId} required; Google's endpoints, scope
         * sdm.service, access_type=offline, prompt=consent). The client id and secret still have
         * to be set; other explicit settings win over the preset's. Null clears it.
         */
        public Builder preset(String name, String projectId) {
            this.preset = name;
            this.presetProjectId = projectId;
            return this;
        }

        /** A preset without a project id, e.g. {@code preset("nest")}. */
        public Builder preset(String name) {
            return preset(name, null);
        }

        /**
         * The authorization server's issuer identifier. When the client is made, its metadata is
         * fetched (RFC 8414 {@code /.well-known/oauth-authorization-server}, then OpenID Connect's
         * {@code /.well-known/openid-configuration}) with this config's timeouts, CA files and
         * retry policy, checked to name exactly this issuer, and its endpoints used where none is
         * set explicitly; the sign-in then also checks the redirect's {@code iss} (RFC 9207).
         * {@link Client#metadata()} returns the document; {@link Client#create(Config, RequestOptions)}
         * can cancel it. Null (the default) for no discovery.
         */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /**
         * Sends the request log of clients made from this config to {@code log}, up to
         * {@code level}: {@link #LOG_REQUESTS} or {@link #LOG_HEADERS} (see {@link Log}). A level
         * of 0, or a null function, turns it off. The client, and the token sources made from
         * it, keep the function until they are freed. Not saved in a profile.
         */
        public Builder log(int level, Log log) {
            this.logLevel = log == null ? 0 : level;
            this.log = this.logLevel == 0 ? null : log;
            return this;
        }

        /** {@link #log(int, Log)} at {@link #LOG_REQUESTS}. */
        public Builder log(Log log) {
            return log(LOG_REQUESTS, log);
        }

        public Config build() {
            return new Config(this);
        }
    }
}
