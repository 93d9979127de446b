package dev.tokenkit;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A directory of profiles, the library's token store ({@code tokenkit_store}): per profile a
 * client's settings (endpoints, client id, auth method, and the client secret only when asked) and
 * its token, each in {@code <dir>/<name>.json} with mode 0600. Writes are atomic, and a refresh
 * holds an advisory lock on the profile, so the threads and processes sharing one refresh it once,
 * all get the new token, and never spend a rotated refresh token twice. A profile name is 1 to 64
 * letters, digits, '.', '_' or '-', not starting with '.'.
 *
 * <pre>{@code
 * try (Store store = Store.open(null);
 *         Client client = Client.create(store.config("work").clientSecret(secret).build())) {
 *     String accessToken = store.token("work", client, Duration.ofMinutes(1)).accessToken();
 * }
 * }</pre>
 *
 * <p>Thread-safe: share one store between any number of threads. {@link #close()} waits for the
 * calls running on it, then frees it; afterwards every method throws INVALID_ARGUMENT ("store is
 * closed"). One that is never closed is freed when it is garbage-collected. Token sources made
 * from it ({@link TokenSource#fromStore}) keep their own reference to the native store.
 */
public final class Store implements AutoCloseable {
    private final NativeHandle handle;
    private final Path dir;

    /** What {@link #profiles()} tells of one profile: nothing secret. */
    public record Profile(String name, String clientId, Optional<String> tokenEndpoint, boolean hasToken,
            boolean hasRefreshToken, Optional<Instant> expiresAt, Optional<String> problem) {}

    private Store(Pointer store) {
        this.dir = Path.of(NativeStrings.borrowed(LibTokenKit.tokenkit_store_dir(store)));
        this.handle = new NativeHandle(this, store, LibTokenKit::tokenkit_store_free, "store is closed");
    }

    /**
     * Opens the store in {@code dir} (made with mode 0700 if missing), or, when {@code dir} is
     * null, in the default place: {@code $TOKENKIT_STORE}, else {@code $XDG_CONFIG_HOME/tokenkit},
     * else {@code ~/.config/tokenkit}. Throws INVALID_ARGUMENT when the directory cannot be made.
     */
    public static Store open(Path dir) {
        NativeLib.require();
        try (CString d = CString.of(dir == null ? null : dir.toString(), "dir")) {
            return new Store(Errors.fetch((out, err) -> LibTokenKit.tokenkit_store_open(d.pointer(), out, err), "store"));
        }
    }

    /** The store's directory. */
    public Path dir() {
        return dir;
    }

    /**
     * Saves profile {@code name} from {@code config} (its endpoints, client id, auth method, and
     * the preset or issuer it names; its client secret only when {@code withSecret}) and
     * {@code token} (null for none yet), replacing a profile of that name. Timeouts, CA files and
     * the log are not saved: they belong to the program. With an issuer, its metadata is fetched
     * first. Throws INVALID_ARGUMENT (a bad name, no client id, the file cannot be written) and
     * what {@link Client#create} throws for a bad config.
     */
    public void saveProfile(String name, Config config, Token token, boolean withSecret) {
        if (config == null) {
            throw TokenKitException.invalidArgument("config is null");
        }
        Config.Native nativeConfig = config.toNative(null, null);
        try {
            byte secret = (byte) (withSecret ? 1 : 0);
            call(s -> withName(name, n -> withToken(token, t -> {
                Errors.run(err -> LibTokenKit.tokenkit_store_save_profile(s, n, nativeConfig.config(), t, secret, err));
                return null;
            })));
        } finally {
            LibTokenKit.tokenkit_config_free(nativeConfig.config());
        }
    }

    /**
     * A builder that starts from the client settings of profile {@code name} (with the client
     * secret when the profile holds one): set what the program owns (the secret, timeouts, CA
     * files, a log), then {@link Config.Builder#build()} and {@link Client#create}. What is set on
     * it overrides the saved value. The profile is read now, to report a missing or broken one
     * (INVALID_ARGUMENT), and again when the client is made, so the store must still be open then.
     */
    public Config.Builder config(String name) {
        LibTokenKit.tokenkit_config_free(nativeConfig(name));
        return new Config.Builder(this, name);
    }

    /**
     * A fresh token of profile {@code name}: the saved one while it is more than {@code skew} from
     * expiry, else refreshed through {@code client} with the saved refresh token and saved, under
     * the profile's lock, so that threads and processes asking together cause one refresh and all
     * get its token. A rotated refresh token is saved before the lock is let go; when the server
     * sends none, the old one is kept. Throws INVALID_ARGUMENT (no such profile, no token or no
     * refresh token: sign in again, a negative skew) and what {@link Client#refresh} throws.
     * Blocks while another process refreshes.
     */
    public Token token(String name, Client client, Duration skew) {
        return token(name, client, skew, null);
    }

    /**
     * {@link #token(String, Client, Duration)} with the options of the refresh (a scope, extra
     * parameters; null for none). Their cancellation also ends the wait for another process's
     * refresh: then CANCELLED (a refresh cancelled in flight may lose a rotated refresh token, as
     * {@link Client#refresh}'s).
     */
    public Token token(String name, Client client, Duration skew, RequestOptions options) {
        if (client == null || skew == null) {
            throw TokenKitException.invalidArgument(client == null ? "client is null" : "skew is null");
        }
        long skewMs = NativeOptions.millis(skew);
        return client.use(c -> call(s -> withName(name, n -> {
            try (NativeOptions o = RequestOptions.toNative(options)) {
                return Token.fetch((out, err) -> LibTokenKit.tokenkit_store_token(s, n, c, skewMs, o.pointer(), out, err));
            }
        })));
    }

    /** The token saved in profile {@code name} as it is (fresh or not), with no request; empty when there is none. */
    public Optional<Token> savedToken(String name) {
        return optionalToken(name, LibTokenKit::tokenkit_store_saved_token);
    }

    /** Saves {@code token} in the existing profile {@code name} (after a sign-in), keeping its client settings. */
    public void saveToken(String name, Token token) {
        if (token == null) {
            throw TokenKitException.invalidArgument("token is null");
        }
        call(s -> withName(name, n -> withToken(token, t -> {
            Errors.run(err -> LibTokenKit.tokenkit_store_save_token(s, n, t, err));
            return null;
        })));
    }

    /**
     * Removes the token of profile {@code name}, keeping its client settings (a logout), and
     * returns it, to revoke; empty when there was none.
     */
    public Optional<Token> removeToken(String name) {
        return optionalToken(name, LibTokenKit::tokenkit_store_remove_token);
    }

    /** Deletes profile {@code name} and its lock file; false when there was no such profile. */
    public boolean deleteProfile(String name) {
        return call(s -> withName(name, n -> {
            Memory existed = new Memory(1);
            existed.setByte(0, (byte) 0);
            Errors.run(err -> LibTokenKit.tokenkit_store_delete_profile(s, n, existed, err));
            return existed.getByte(0) != 0;
        }));
    }

    /** Every profile, by name, with nothing secret. */
    public List<Profile> profiles() {
        String json = NativeStrings.take(call(s -> Errors.fetch(
                (out, err) -> LibTokenKit.tokenkit_store_profiles(s, out, err), "profile list")));
        List<Profile> profiles = new ArrayList<>();
        for (Object element : (List<?>) new JsonReader(json).value()) {
            Map<?, ?> p = (Map<?, ?>) element;
            Object expiresAt = p.get("expires_at");
            profiles.add(new Profile((String) p.get("name"), (String) p.get("client_id"),
                    Optional.ofNullable((String) p.get("token_endpoint")), Boolean.TRUE.equals(p.get("has_token")),
                    Boolean.TRUE.equals(p.get("has_refresh_token")),
                    expiresAt == null ? Optional.empty() : Optional.of(Instant.ofEpochSecond((Long) expiresAt)),
                    Optional.ofNullable((String) p.get("problem"))));
        }
        return Collections.unmodifiableList(profiles);
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native store once the calls running on it have ended. Idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "Store[" + dir + (isClosed() ? ", closed]" : "]");
    }

    /** Runs {@code body} with the live native store. */
    <T> T call(Function<Pointer, T> body) {
        return handle.call(body);
    }

    /** A new native config from profile {@code name}; the caller frees it. For {@link Config}. */
    Pointer nativeConfig(String name) {
        return call(s -> withName(name, n -> Errors.fetch(
                (out, err) -> LibTokenKit.tokenkit_store_config(s, n, out, err), "config")));
    }

    private interface TokenCall {
        int invoke(Pointer store, Pointer name, PointerByReference out, PointerByReference err);
    }

    /** A call whose token output may be NULL, "none". */
    private Optional<Token> optionalToken(String name, TokenCall call) {
        return call(s -> withName(name, n -> {
            PointerByReference out = new PointerByReference();
            Errors.run(err -> call.invoke(s, n, out, err));
            Pointer token = out.getValue();
            return token == null ? Optional.<Token>empty() : Optional.of(Token.take(token));
        }));
    }

    private static <T> T withName(String name, Function<Pointer, T> body) {
        try (CString n = CString.of(name, "name")) {
            return body.apply(n.pointer());
        }
    }

    /** Runs {@code body} with {@code token} as a native token (NULL for null), freed afterwards. */
    private static <T> T withToken(Token token, Function<Pointer, T> body) {
        if (token == null) {
            return body.apply(null);
        }
        Pointer t;
        try (CString json = CString.of(token.toJson(), "token")) {
            t = Errors.fetch((out, err) -> LibTokenKit.tokenkit_token_from_json(json.pointer(), out, err), "token");
        }
        try {
            return body.apply(t);
        } finally {
            LibTokenKit.tokenkit_token_free(t);
        }
    }

    /**
     * Reads the profile list the library writes (serde_json): arrays, objects, strings, integers,
     * booleans and null. Not a general JSON reader.
     */
    private static final class JsonReader {
        private final String s;
        private int i;

        JsonReader(String s) {
            this.s = s;
        }

        Object value() {
            skip();
            char c = s.charAt(i);
            switch (c) {
                case '[' -> {
                    List<Object> list = new ArrayList<>();
                    i++;
                    skip();
                    if (s.charAt(i) == ']') {
                        i++;
                        return list;
                    }
                    while (true) {
                        list.add(value());
                        skip();
                        if (s.charAt(i++) == ']') {
                            return list;
                        }
                    }
                }
                case '{' -> {
                    Map<String, Object> map = new LinkedHashMap<>();
                    i++;
                    skip();
                    if (s.charAt(i) == '}') {
                        i++;
                        return map;
                    }
                    while (true) {
                        skip();
                        String key = string();
                        skip();
                        i++; // ':'
                        map.put(key, value());
                        skip();
                        if (s.charAt(i++) == '}') {
                            return map;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                case 't' -> {
                    i += 4;
                    return Boolean.TRUE;
                }
                case 'f' -> {
                    i += 5;
                    return Boolean.FALSE;
                }
                case 'n' -> {
                    i += 4;
                    return null;
                }
                default -> {
                    int start = i;
                    while (i < s.length() && "-0123456789".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    return Long.parseLong(s.substring(start, i));
                }
            }
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            i++; // '"'
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e); // '"', '\\', '/'
                }
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
