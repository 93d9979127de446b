package dev.tokenkit;

import static dev.tokenkit.TestServer.demo;
import static dev.tokenkit.TestServer.demoClient;
import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.freshCode;
import static dev.tokenkit.TestServer.scope;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every Client method and Config setting against the mock server, and what a Token holds. */
class ClientTest {
    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    @Test
    void exchangeCodeCopiesEveryField() {
        try (Client client = demoClient("/token")) {
            long before = Instant.now().getEpochSecond();
            Token token = client.exchangeCode(freshCode());
            long after = Instant.now().getEpochSecond();
            assertTrue(token.accessToken().startsWith("at-"), token.accessToken());
            assertEquals("Bearer", token.tokenType());
            assertTrue(token.refreshToken().orElseThrow().startsWith("rt-"));
            assertEquals(Optional.of("read"), token.scope());
            assertEquals(Optional.empty(), token.idToken());
            assertEquals(OptionalLong.of(3600), token.expiresIn());
            long at = token.expiresAt().orElseThrow().getEpochSecond();
            assertTrue(at >= before + 3600 && at <= after + 3600, "expiresAt " + at);
            assertTrue(token.json().contains("\"access_token\":\"" + token.accessToken() + "\""), token.json());
        }
    }

    @Test
    void tokenSavedFormatRoundTripsThroughTheLibrary() {
        try (Client client = demoClient("/token")) {
            Token token = client.exchangeCode(freshCode());
            String saved = token.toJson();
            assertTrue(saved.contains("\"access_token\":\"" + token.accessToken() + "\""), saved);
            assertTrue(saved.contains("\"expires_at\":" + token.expiresAt().orElseThrow().getEpochSecond()), saved);
            Token back = Token.fromJson(saved);
            assertEquals(token.accessToken(), back.accessToken());
            assertEquals(token.tokenType(), back.tokenType());
            assertEquals(token.refreshToken(), back.refreshToken());
            assertEquals(token.scope(), back.scope());
            assertEquals(token.expiresAt(), back.expiresAt());
            assertEquals(saved, back.toJson());
        }
        // Characters a hand-written encoder gets wrong travel through the library's own format.
        String awkward = "a\"b\\c\u0001d\u00e9\ud83d\ude00";
        Token odd = Token.fromJson("{\"access_token\":\"at\",\"scope\":\"a\\\"b\\\\c\\u0001d\u00e9\ud83d\ude00\","
                + "\"expires_at\":\"1700000000\"}");
        assertEquals(Optional.of(awkward), odd.scope());
        assertEquals(Optional.of(Instant.ofEpochSecond(1_700_000_000L)), odd.expiresAt());
        assertEquals(Optional.of(awkward), Token.fromJson(odd.toJson()).scope());
        TestServer.expectInvalid("access_token", () -> Token.fromJson("{\"refresh_token\":\"r\"}"));
        TestServer.expectInvalid("json is NULL", () -> Token.fromJson(null));
        TestServer.expect(ErrorKind.INVALID_ARGUMENT, () -> Token.fromJson("not json"));
    }

    @Test
    void tokenToStringShowsNoToken() {
        try (Client client = demoClient("/token")) {
            Token token = client.exchangeCode(freshCode());
            String shown = token.toString();
            assertFalse(shown.contains(token.accessToken()), shown);
            assertFalse(shown.contains(token.refreshToken().orElseThrow()), shown);
            assertTrue(shown.contains("Bearer") && shown.contains("refreshToken=(present)"), shown);
        }
    }

    @Test
    void exchangeCodeWithRedirectUriPkceAndExtraParams() throws Exception {
        // A code bound to a redirect_uri and a PKCE S256 challenge (RFC 7636 §4.2).
        String verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        String redirect = "https://app.example/callback";
        String code = TestServer.post("/mint", "client_id=demo-client&redirect_uri=" + redirect
                + "&code_challenge=" + challenge + "&code_challenge_method=S256");
        try (Client client = demoClient("/token")) {
            TokenKitException wrong = expect(ErrorKind.OAUTH_ERROR,
                    () -> client.exchangeCode(code, RequestOptions.builder().redirectUri(redirect)
                            .codeVerifier(verifier.replace('d', 'e')).build()));
            assertEquals(Optional.of("invalid_grant"), wrong.oauthError());
        }
        String code2 = TestServer.post("/mint", "client_id=demo-client&redirect_uri=" + redirect
                + "&code_challenge=" + challenge + "&code_challenge_method=S256");
        try (Client client = demoClient("/token")) {
            Token token = client.exchangeCode(code2, RequestOptions.builder().redirectUri(redirect).codeVerifier(verifier)
                    .params(Map.of()).build());
            assertTrue(token.accessToken().startsWith("at-"));
        }
        // What went over the wire, as /echo saw it: every field, extra ones in map order.
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("resource", "https://api.example");
        extra.put("audience", "a b");
        try (Client client = Client.create(demo("/echo").clientId("CLIENT_ID").clientSecret("CLIENT_SECRET").build())) {
            String json = client.exchangeCode("AUTH_CODE", RequestOptions.builder().redirectUri(redirect)
                    .codeVerifier(verifier).params(extra).build()).json();
            assertTrue(json.contains("\"request_body\":\"code=AUTH_CODE&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback"
                    + "&code_verifier=" + verifier + "&client_id=CLIENT_ID&client_secret=CLIENT_SECRET"
                    + "&grant_type=authorization_code&resource=https%3A%2F%2Fapi.example&audience=a+b\""), json);
        }
    }

    @Test
    void nestSampleFormFields() {
        try (Client client = Client.create(demo("/echo").clientId("CLIENT_ID").clientSecret("CLIENT_SECRET").build())) {
            String json = client.exchangeCode("AUTH_CODE").json();
            assertTrue(json.contains("\"request_body\":\"code=AUTH_CODE&client_id=CLIENT_ID&client_secret=CLIENT_SECRET"
                    + "&grant_type=authorization_code\""), json);
            assertTrue(json.contains("\"user_agent\":\"tokenkit/"), json);
        }
    }

    @Test
    void refreshKeepsNoNewRefreshToken() {
        try (Client client = demoClient("/token")) {
            String refreshToken = client.exchangeCode(freshCode()).refreshToken().orElseThrow();
            Token refreshed = client.refresh(refreshToken);
            assertTrue(refreshed.accessToken().startsWith("at-"));
            assertEquals(Optional.empty(), refreshed.refreshToken(), "the server sent no new refresh token");
            Token narrowed = client.refresh(refreshToken, RequestOptions.builder().scope("read").build());
            assertEquals(Optional.of("read"), narrowed.scope());
            TokenKitException e = expect(ErrorKind.OAUTH_ERROR, () -> client.refresh("rt-unknown"));
            assertEquals(Optional.of("invalid_grant"), e.oauthError());
        }
    }

    @Test
    void clientCredentials() {
        try (Client client = demoClient("/token")) {
            assertEquals(Optional.of("read write"), client.clientCredentials(scope("read write")).scope());
            Token token = client.clientCredentials();
            assertEquals(Optional.of("read"), token.scope());
            assertEquals(Optional.empty(), token.refreshToken());
        }
    }

    @Test
    void clientSecretBasicWithAwkwardSecretAndUserAgent() {
        // The secret has every character that breaks naive Basic encoding, é included (UTF-8).
        Config config = Config.builder()
                .tokenEndpoint(url("/token"))
                .clientId("basic-client")
                .clientSecret("basic secret:+&/é")
                .authMethod(AuthMethod.CLIENT_SECRET_BASIC)
                .connectTimeout(Duration.ofSeconds(2))
                .timeout(Duration.ofSeconds(5))
                .userAgent("tokenkit-java-test/1")
                .maxResponseBytes(64 * 1024)
                .build();
        try (Client client = Client.create(config)) {
            assertTrue(client.exchangeCode(freshCode()).accessToken().startsWith("at-"));
            assertTrue(client.clientCredentials(RequestOptions.builder().scope("read").param("audience", "x").build())
                    .accessToken().startsWith("at-"));
        }
        try (Client echo = Client.create(Config.builder().tokenEndpoint(url("/echo")).clientId("my id")
                .clientSecret("p@ss:w").authMethod(AuthMethod.CLIENT_SECRET_BASIC).userAgent("tokenkit-java-test/1").build())) {
            String json = echo.clientCredentials(RequestOptions.builder().param("resource", "https://api.example").build())
                    .json();
            // base64("my+id:p%40ss%3Aw"), RFC 6749 §2.3.1
            assertTrue(json.contains("\"authorization\":\"Basic bXkraWQ6cCU0MHNzJTNBdw==\""), json);
            assertTrue(json.contains("\"request_body\":\"grant_type=client_credentials&resource=https%3A%2F%2Fapi.example\""), json);
            assertTrue(json.contains("\"user_agent\":\"tokenkit-java-test/1\""), json);
        }
    }

    @Test
    void publicClient() {
        Config config = Config.builder().tokenEndpoint(url("/token")).clientId("public-client")
                .authMethod(AuthMethod.NONE).build();
        try (Client client = Client.create(config)) {
            assertTrue(client.exchangeCode(freshCode()).accessToken().startsWith("at-"));
        }
    }

    @Test
    void wrongSecretIsInvalidClientAndNeverShown() {
        try (Client client = Client.create(demo("/token").clientSecret("WRONG-SECRET-123").build())) {
            TokenKitException e = expect(ErrorKind.OAUTH_ERROR, () -> client.exchangeCode(freshCode()));
            assertEquals(Optional.of("invalid_client"), e.oauthError());
            assertEquals(401, e.httpStatus());
            assertFalse(e.getMessage().contains("WRONG-SECRET"), e.getMessage());
        }
        Config config = demo("/token").clientSecret("WRONG-SECRET-123").build();
        assertFalse(config.toString().contains("WRONG-SECRET"), config.toString());
    }

    @Test
    void caFileTrustsTheTestCa() {
        Config.Builder builder = Config.builder().tokenEndpoint(TestServer.tlsUrl()).clientId("demo-client")
                .clientSecret("demo-secret").timeout(Duration.ofSeconds(5));
        try (Client untrusted = Client.create(builder.build())) {
            expect(ErrorKind.TLS_ERROR, () -> untrusted.exchangeCode(freshCode()));
        }
        try (Client client = Client.create(builder.caFile(TestServer.caFile()).build())) {
            assertTrue(client.exchangeCode(freshCode()).accessToken().startsWith("tls-"));
        }
    }

    @Test
    void toleratedResponses() {
        record Case(String path, String accessToken, long expiresIn, String scope) {}
        Case[] cases = {
            new Case("/fault/nest", "c.twC2qmock", 315360000, null),
            new Case("/fault/form", "gho_mock", -1, "repo,gist"),
            new Case("/fault/string-expires", "az-mock", 3599, null),
            new Case("/fault/null-expires", "n-mock", -1, null),
            new Case("/fault/created", "created-mock", 120, null),
            new Case("/fault/gzip", "gz-mock", 300, "a b"),
        };
        for (Case c : cases) {
            try (Client client = demoClient(c.path)) {
                Token token = client.exchangeCode(freshCode());
                assertEquals(c.accessToken, token.accessToken(), c.path);
                assertEquals("Bearer", token.tokenType(), c.path);
                assertEquals(c.expiresIn < 0 ? OptionalLong.empty() : OptionalLong.of(c.expiresIn), token.expiresIn(), c.path);
                assertEquals(c.expiresIn < 0, token.expiresAt().isEmpty(), c.path);
                if (c.scope != null) {
                    assertEquals(Optional.of(c.scope), token.scope(), c.path);
                }
            }
        }
        try (Client client = demoClient("/fault/extra-fields")) {
            Token token = client.exchangeCode(freshCode());
            assertEquals(Optional.of("eyJhbGciOiJub25lIn0.e30."), token.idToken());
            assertTrue(token.json().contains("\"custom\":{\"nested\":[1,2]}"), token.json());
            assertTrue(token.toString().contains("idToken=(present)"));
        }
    }

    @Test
    void oneConfigMakesManyClients() {
        Config config = demo("/token").build();
        try (Client a = Client.create(config); Client b = Client.create(config)) {
            a.clientCredentials();
            b.clientCredentials();
        }
        assertTrue(config.toString().contains("clientSecret=(set)"));
    }
}
