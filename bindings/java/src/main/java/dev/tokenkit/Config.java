package dev.tokenkit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The settings of a {@link Client}: one token endpoint and one set of credentials. Immutable and
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
 * <p>A config only holds values: the library checks them when {@link Client#create} makes a
 * client, and reports a bad one there as INVALID_ARGUMENT or INSECURE. Settings left unset keep
 * the library's defaults (client_secret_post, connect timeout 10 s, overall timeout 30 s, response
 * cap 1 MiB, User-Agent "tokenkit/VERSION"). The client secret is held as a Java string, which
 * cannot be zeroized; the library's copy is. {@link #toString()} never shows the secret.
 */
public final class Config {
    private final String tokenEndpoint;
    private final String clientId;
    private final String clientSecret;
    private final AuthMethod authMethod;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final String userAgent;
    private final List<Path> caFiles;
    private final Long maxResponseBytes;

    private Config(Builder b) {
        this.tokenEndpoint = b.tokenEndpoint;
        this.clientId = b.clientId;
        this.clientSecret = b.clientSecret;
        this.authMethod = b.authMethod;
        this.connectTimeout = b.connectTimeout;
        this.timeout = b.timeout;
        this.userAgent = b.userAgent;
        this.caFiles = Collections.unmodifiableList(new ArrayList<>(b.caFiles));
        this.maxResponseBytes = b.maxResponseBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String tokenEndpoint() {
        return tokenEndpoint;
    }

    public String clientId() {
        return clientId;
    }

    /** The auth method, or null for the library's default (client_secret_post). */
    public AuthMethod authMethod() {
        return authMethod;
    }

    @Override
    public String toString() {
        return "Config[tokenEndpoint=" + tokenEndpoint + ", clientId=" + clientId
                + ", clientSecret=" + (clientSecret == null ? "(none)" : "(set)")
                + ", authMethod=" + (authMethod == null ? "(default)" : authMethod) + "]";
    }

    /**
     * A new {@code tokenkit_config} with these settings; the caller frees it. The endpoint and
     * client id are always passed, null included, so the library names what is missing; the
     * other settings only when set.
     */
    Pointer toNative(LibTokenKit lib) {
        Pointer c = lib.tokenkit_config_new();
        boolean ok = false;
        try {
            setString(lib, tokenEndpoint, "token_endpoint", (s, err) -> lib.tokenkit_config_set_token_endpoint(c, s, err));
            setString(lib, clientId, "client_id", (s, err) -> lib.tokenkit_config_set_client_id(c, s, err));
            if (authMethod != null) {
                check(lib, err -> lib.tokenkit_config_set_auth_method(c, authMethod.value(), err));
            }
            if (clientSecret != null) {
                setString(lib, clientSecret, "client_secret", (s, err) -> lib.tokenkit_config_set_client_secret(c, s, err));
            }
            if (connectTimeout != null) {
                check(lib, err -> lib.tokenkit_config_set_connect_timeout_ms(c, millis(connectTimeout), err));
            }
            if (timeout != null) {
                check(lib, err -> lib.tokenkit_config_set_timeout_ms(c, millis(timeout), err));
            }
            if (maxResponseBytes != null) {
                // uint64_t: a negative Java long would wrap to a huge cap; 0 makes the library refuse it.
                long max = Math.max(0L, maxResponseBytes);
                check(lib, err -> lib.tokenkit_config_set_max_response_bytes(c, max, err));
            }
            if (userAgent != null) {
                setString(lib, userAgent, "user_agent", (s, err) -> lib.tokenkit_config_set_user_agent(c, s, err));
            }
            for (Path caFile : caFiles) {
                String path = caFile == null ? null : caFile.toString();
                setString(lib, path, "ca_file", (s, err) -> lib.tokenkit_config_add_ca_file(c, s, err));
            }
            ok = true;
            return c;
        } finally {
            if (!ok) {
                lib.tokenkit_config_free(c);
            }
        }
    }

    /**
     * Milliseconds for a {@code uint64_t} timeout: a positive duration is at least 1 ms, and a zero
     * or negative one is 0, which the library refuses with a message naming the setting.
     */
    private static long millis(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return 0L;
        }
        try {
            return Math.max(1L, d.toMillis());
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private interface Setter {
        int set(PointerByReference err);
    }

    private interface StringSetter {
        int set(Pointer value, PointerByReference err);
    }

    private static void check(LibTokenKit lib, Setter setter) {
        PointerByReference err = new PointerByReference();
        Errors.check(lib, setter.set(err), err);
    }

    private static void setString(LibTokenKit lib, String value, String name, StringSetter setter) {
        try (CString s = CString.of(value, name)) {
            PointerByReference err = new PointerByReference();
            Errors.check(lib, setter.set(s.pointer(), err), err);
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
        private String userAgent;
        private final List<Path> caFiles = new ArrayList<>();
        private Long maxResponseBytes;

        private Builder() {}

        /** The token endpoint: https://, or http:// to a loopback host (127.0.0.0/8, ::1, localhost). Required. */
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
         * The overall timeout of one request (> 0, millisecond precision), from name resolution to the
         * last byte of the body; null keeps the default, 30 s.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The User-Agent header (no control characters); null keeps the default. */
        public Builder userAgent(String userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        /**
         * Also trusts every certificate in this PEM file, on top of the system's trust store. The
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

        public Config build() {
            return new Config(this);
        }
    }
}
