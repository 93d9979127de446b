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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.function.Executable;

/**
 * The local test servers of scripts/with_servers.sh: the mock authorization server
 * (examples/mock_server.rs) and an HTTPS endpoint signed by a throwaway CA. A test that needs them
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
