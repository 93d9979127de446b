package dev.tokenkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;

/**
 * The local test servers of scripts/with_servers.sh: the mock authorization server
 * (tools/mock-server) and its HTTPS endpoint signed by a throwaway CA. A test that needs them
 * fails, never skips, when they are not up.
 */
public final class TestServer {
    private static final String HOW =
            " is not set: run the Java tests with the local servers up, from the repository root:\n"
            + "  scripts/with_servers.sh bash -c 'cd bindings/java && mvn -q -B test'";
    private static final AtomicInteger CODES = new AtomicInteger();

    private TestServer() {}

    static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            fail(name + HOW);
        }
        return value;
    }

    /** The mock server, http://127.0.0.1:PORT. */
    public static String base() {
        return env("TOKENKIT_TEST_SERVER");
    }

    public static String url(String path) {
        return base() + path;
    }

    /** An HTTPS token endpoint on loopback whose certificate only {@link #caFile()} vouches for. */
    public static String tlsUrl() {
        return env("TOKENKIT_TEST_TLS_URL");
    }

    public static Path caFile() {
        return Path.of(env("TOKENKIT_TEST_CA_FILE"));
    }

    /** A code the mock server accepts once (any fresh "code-..." is valid). */
    public static String freshCode() {
        return "code-java-" + ProcessHandle.current().pid() + "-" + CODES.incrementAndGet();
    }

    /** http://127.0.0.1:PORT/token on a port nobody listens on. */
    public static String closedPortUrl() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return "http://127.0.0.1:" + port + "/token";
    }

    /** demo-client / demo-secret (client_secret_post) at {@code path} of the mock server. */
    static Config.Builder demo(String path) {
        return Config.builder().tokenEndpoint(url(path)).clientId("demo-client").clientSecret("demo-secret");
    }

    static Client demoClient(String path) {
        return Client.create(demo(path).build());
    }

    /** {@link #demo} with every endpoint of the mock server: authorization, device, revocation, introspection. */
    static Config.Builder flows(String tokenPath) {
        return demo(tokenPath)
                .authorizationEndpoint(url("/authorize"))
                .deviceAuthorizationEndpoint(url("/device_authorization"))
                .revocationEndpoint(url("/revoke"))
                .introspectionEndpoint(url("/introspect"));
    }

    /** Request options with only a scope. */
    static RequestOptions scope(String scope) {
        return RequestOptions.builder().scope(scope).build();
    }

    /** A unique name for this JVM's test run, for /flaky keys and codes. */
    static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + CODES.incrementAndGet();
    }

    /**
     * A count from GET /stats: a grant type under "by_grant" (e.g. "refresh_token"), or a
     * top-level counter ("token_requests", "revocations", "introspections").
     */
    /** As {@link #stat(String)}, but {@code whenAbsent} while the server has not counted it yet. */
    static long stat(String name, long whenAbsent) throws IOException, InterruptedException {
        try {
            return stat(name);
        } catch (AssertionError absent) {
            return whenAbsent;
        }
    }

    static long stat(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url("/stats"))).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        int byGrant = body.indexOf("\"by_grant\"");
        Pattern key = Pattern.compile("\"" + Pattern.quote(name) + "\":(\\d+)");
        Matcher m = key.matcher(body);
        if (byGrant >= 0 && m.find(byGrant)) {
            return Long.parseLong(m.group(1));
        }
        m = key.matcher(body);
        if (m.find()) {
            return Long.parseLong(m.group(1));
        }
        throw new AssertionError("no " + name + " in /stats: " + body);
    }

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /**
     * An openUrl that plays the user's browser on a thread of its own, as openUrl must return
     * promptly: GETs the authorization URL, then follows its 302 to the loopback redirect.
     * What went wrong, if anything, goes to {@code problems}.
     */
    static SignInOptions.OpenUrl browser(Consumer<Throwable> problems) {
        return url -> {
            Thread t = new Thread(() -> {
                try {
                    HttpResponse<Void> authorize = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
                    String location = authorize.headers().firstValue("Location")
                            .orElseThrow(() -> new AssertionError("no Location from /authorize: " + authorize.statusCode()));
                    HTTP.send(HttpRequest.newBuilder(URI.create(location)).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.discarding());
                } catch (Throwable e) {
                    problems.accept(e);
                }
            }, "test-browser");
            t.setDaemon(true);
            t.start();
            return true;
        };
    }

    /** POSTs a form to the mock server and returns the body; for /mint. */
    static String post(String path, String form) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(path)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    /** Asserts that {@code call} throws a TokenKitException of {@code kind} and returns it. */
    static TokenKitException expect(ErrorKind kind, Executable call) {
        TokenKitException e = assertThrows(TokenKitException.class, call);
        assertEquals(kind, e.kind(), () -> "kind of: " + e.getMessage());
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "empty message");
        return e;
    }

    /** Asserts INVALID_ARGUMENT with a message that contains {@code names}. */
    static TokenKitException expectInvalid(String names, Executable call) {
        TokenKitException e = expect(ErrorKind.INVALID_ARGUMENT, call);
        assertTrue(e.getMessage().contains(names), () -> "message '" + e.getMessage() + "' does not name " + names);
        return e;
    }
}
