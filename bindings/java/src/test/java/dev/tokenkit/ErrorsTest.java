package dev.tokenkit;

import static dev.tokenkit.TestServer.demo;
import static dev.tokenkit.TestServer.demoClient;
import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.expectInvalid;
import static dev.tokenkit.TestServer.freshCode;
import static dev.tokenkit.TestServer.scope;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every ErrorKind as a user meets it, and every bad argument. */
class ErrorsTest {
    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    @Test
    void errorKindsMatchTheCStatuses() {
        NativeLib.require();
        for (ErrorKind kind : ErrorKind.values()) {
            assertEquals(kind.name().toLowerCase(Locale.ROOT), statusName(kind.status()));
            assertEquals(kind, ErrorKind.ofStatus(kind.status()));
        }
        assertEquals("ok", statusName(LibTokenKit.STATUS_OK));
        assertEquals("unknown", statusName(1234));
        // A status from a newer library than this binding knows is reported, not lost.
        assertEquals(ErrorKind.INTERNAL_ERROR, ErrorKind.ofStatus(1234));
    }

    private static String statusName(int status) {
        return NativeStrings.borrowed(LibTokenKit.tokenkit_status_name(status));
    }

    @Test
    void reusedCodeIsOAuthInvalidGrant() {
        String code = freshCode();
        try (Client client = demoClient("/token")) {
            client.exchangeCode(code);
            TokenKitException e = expect(ErrorKind.OAUTH_ERROR, () -> client.exchangeCode(code));
            assertEquals(Optional.of("invalid_grant"), e.oauthError());
            assertEquals(Optional.of("authorization code was already used"), e.oauthErrorDescription());
            assertEquals(Optional.empty(), e.oauthErrorUri());
            assertEquals(400, e.httpStatus());
            assertTrue(e.getMessage().contains("invalid_grant"), e.getMessage());
            assertTrue(e.body().orElseThrow().contains("invalid_grant"));
            assertFalse(e.getMessage().contains(code), "the code leaked into the message");
        }
    }

    @Test
    void nestErrorKeepsItsCode() {
        try (Client client = demoClient("/fault/nest-error")) {
            TokenKitException e = expect(ErrorKind.OAUTH_ERROR, () -> client.exchangeCode(freshCode()));
            assertEquals(Optional.of("oauth2_error"), e.oauthError());
            assertEquals(400, e.httpStatus());
        }
    }

    @Test
    void serverErrorPageIsHttpError() {
        try (Client client = demoClient("/fault/500")) {
            TokenKitException e = expect(ErrorKind.HTTP_ERROR, () -> client.exchangeCode(freshCode()));
            assertEquals(500, e.httpStatus());
            assertEquals(Optional.empty(), e.oauthError());
            assertTrue(e.body().orElseThrow().contains("Internal Server Error"), e.body().toString());
        }
    }

    @Test
    void malformedJsonAndOversizeAreProtocolErrors() {
        for (String path : new String[] {"/fault/malformed", "/fault/no-access-token", "/fault/oversize"}) {
            try (Client client = demoClient(path)) {
                TokenKitException e = expect(ErrorKind.PROTOCOL_ERROR, () -> client.exchangeCode(freshCode()));
                assertEquals(200, e.httpStatus(), path);
            }
        }
        try (Client client = Client.create(demo("/token").maxResponseBytes(16).build())) {
            expect(ErrorKind.PROTOCOL_ERROR, () -> client.clientCredentials());
        }
    }

    @Test
    void hangingServerIsTimeout() {
        try (Client client = Client.create(demo("/fault/hang").timeout(Duration.ofMillis(500)).build())) {
            long start = System.nanoTime();
            TokenKitException e = expect(ErrorKind.TIMEOUT, () -> client.exchangeCode(freshCode()));
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(took >= 0.45 && took < 5, "took " + took + " s for a 500 ms timeout");
            assertEquals(0, e.httpStatus());
        }
    }

    @Test
    void closedPortIsTransportError() throws Exception {
        String closed = TestServer.closedPortUrl();
        try (Client client = Client.create(demo("/token").tokenEndpoint(closed).build())) {
            TokenKitException e = expect(ErrorKind.TRANSPORT_ERROR, () -> client.exchangeCode(freshCode()));
            assertEquals(0, e.httpStatus());
        }
    }

    @Test
    void httpsToPlainPortIsTlsError() {
        String https = "https" + TestServer.base().substring("http".length()) + "/token";
        try (Client client = Client.create(demo("/token").tokenEndpoint(https).timeout(Duration.ofSeconds(5)).build())) {
            expect(ErrorKind.TLS_ERROR, () -> client.exchangeCode(freshCode()));
        }
    }

    @Test
    void plainHttpElsewhereIsInsecure() {
        TokenKitException e = expect(ErrorKind.INSECURE,
                () -> Client.create(demo("/token").tokenEndpoint("http://example.com/oauth2/token").build()));
        assertTrue(e.getMessage().contains("https"), e.getMessage());
        expect(ErrorKind.INSECURE, () -> TokenKit.exchangeCode(
                "http://api.home.nest.com/oauth2/access_token", "c", "id", "s"));
    }

    @Test
    void badConfigIsInvalidArgument() {
        expectInvalid("config is null", () -> Client.create(null));
        expectInvalid("token_endpoint is NULL", () -> Client.create(demo("/token").tokenEndpoint(null).build()));
        expectInvalid("token_endpoint is not a valid URL", () -> Client.create(demo("/token").tokenEndpoint("not a url").build()));
        expectInvalid("token_endpoint", () -> Client.create(demo("/token").tokenEndpoint("").build()));
        expectInvalid("client_id is NULL", () -> Client.create(demo("/token").clientId(null).build()));
        expectInvalid("client_id is empty", () -> Client.create(demo("/token").clientId("").build()));
        expectInvalid("client_secret is required", () -> Client.create(demo("/token").clientSecret(null).build()));
        expectInvalid("client_secret must not be set",
                () -> Client.create(demo("/token").authMethod(AuthMethod.NONE).build()));
        // The setters check at once, with messages that name the core's setting.
        expectInvalid("timeout must be greater than zero", () -> Client.create(demo("/token").timeout(Duration.ZERO).build()));
        expectInvalid("timeout must not be negative", () -> Client.create(demo("/token").timeout(Duration.ofSeconds(-1)).build()));
        expectInvalid("connect_timeout", () -> Client.create(demo("/token").connectTimeout(Duration.ZERO).build()));
        expectInvalid("attempt_timeout", () -> Client.create(demo("/token").attemptTimeout(Duration.ZERO).build()));
        expectInvalid("max_idle_connections_per_host", () -> Client.create(demo("/token").maxIdleConnectionsPerHost(0).build()));
        expectInvalid("max_response_bytes", () -> Client.create(demo("/token").maxResponseBytes(0).build()));
        expectInvalid("max_response_bytes", () -> Client.create(demo("/token").maxResponseBytes(-1).build()));
        expectInvalid("user_agent", () -> Client.create(demo("/token").userAgent("a\r\nX-Evil: 1").build()));
        expectInvalid("ca_file", () -> Client.create(demo("/token").caFile(Path.of("/nonexistent.pem")).build()));
        expectInvalid("ca_file is NULL", () -> Client.create(demo("/token").caFile(null).build()));
        expectInvalid("client_secret contains a NUL", () -> Client.create(demo("/token").clientSecret("demo\0secret").build()));
    }

    @Test
    void badRequestArgumentsAreInvalidArgument() {
        try (Client client = demoClient("/token")) {
            expectInvalid("code is NULL", () -> client.exchangeCode(null));
            expectInvalid("code is empty", () -> client.exchangeCode(""));
            // JNA's own conversion would have sent "code-a" here.
            expectInvalid("code contains a NUL", () -> client.exchangeCode(freshCode() + "\0-b"));
            expectInvalid("code is not valid Unicode", () -> client.exchangeCode("code-\ud800"));
            expectInvalid("redirect_uri is empty",
                    () -> client.exchangeCode("code-x", RequestOptions.builder().redirectUri("").build()));
            expectInvalid("code_verifier", () -> client.exchangeCode("code-x", RequestOptions.builder().codeVerifier("short").build()));
            expectInvalid("refresh_token is NULL", () -> client.refresh(null));
            expectInvalid("refresh_token is empty", () -> client.refresh("", null));
            expectInvalid("scope contains a NUL", () -> client.clientCredentials(scope("a\0b")));
            expectInvalid("grant_type", () -> client.clientCredentials(params(Map.of("grant_type", "password"))));
            expectInvalid("name is empty", () -> client.clientCredentials(params(Map.of("", "x"))));
            Map<String, String> nullValue = new HashMap<>();
            nullValue.put("audience", null);
            expectInvalid("value is NULL", () -> client.clientCredentials(params(nullValue)));
            Map<String, String> nullName = new HashMap<>();
            nullName.put(null, "x");
            expectInvalid("name is NULL", () -> client.clientCredentials(params(nullName)));
            expectInvalid("extra parameter audience contains a NUL",
                    () -> client.clientCredentials(params(Map.of("audience", "a\0"))));
            // A setting the call does not use is refused, not ignored.
            expectInvalid("scope does not apply", () -> client.exchangeCode("code-x", scope("read")));
            expectInvalid("code_verifier does not apply", () -> client.clientCredentials(
                    RequestOptions.builder().codeVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").build()));
            expectInvalid("token_type_hint does not apply",
                    () -> client.refresh("rt", RequestOptions.builder().tokenTypeHint("refresh_token").build()));
            // The client still works after all that.
            assertTrue(client.clientCredentials().accessToken().startsWith("at-"));
        }
    }

    private static RequestOptions params(Map<String, String> params) {
        return RequestOptions.builder().params(params).build();
    }

    @Test
    void badOneCallArgumentsAreInvalidArgument() {
        expectInvalid("token_endpoint is NULL", () -> TokenKit.exchangeCode(null, "c", "id", "s"));
        expectInvalid("client_id is empty", () -> TokenKit.exchangeCode(url("/token"), "c", "", "s"));
        expectInvalid("code is NULL", () -> TokenKit.exchangeCode(url("/token"), null, "id", "s"));
        expectInvalid("token_endpoint", () -> TokenKit.exchangeCode("::", "c", "id", "s"));
    }
}
