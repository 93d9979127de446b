package dev.tokenkit;

import static dev.tokenkit.TestServer.demo;
import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.expectInvalid;
import static dev.tokenkit.TestServer.flows;
import static dev.tokenkit.TestServer.freshCode;
import static dev.tokenkit.TestServer.stat;
import static dev.tokenkit.TestServer.unique;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Revocation, introspection, discovery, presets and retries: the config beyond the token endpoint. */
class ProviderTest {
    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    @Test
    void revokeThenIntrospectInactive() throws Exception {
        try (Client client = Client.create(flows("/token").build())) {
            Token token = client.exchangeCode(freshCode());
            String at = token.accessToken();
            Introspection info = client.introspect(at, hint("access_token"));
            assertTrue(info.active());
            assertEquals(Optional.of("demo-client"), info.clientId());
            assertEquals(Optional.of("read"), info.scope());
            assertEquals(Optional.of("Bearer"), info.tokenType());
            assertTrue(info.exp().orElseThrow().isAfter(Instant.now()), info.toString());
            assertTrue(info.iat().orElseThrow().isBefore(info.exp().orElseThrow()), info.toString());
            assertTrue(info.json().contains("\"active\":true"), info.json());

            long revocations = stat("revocations");
            client.revoke(at, hint("access_token"));
            assertEquals(revocations + 1, stat("revocations"));
            Introspection after = client.introspect(at);
            assertFalse(after.active());
            assertEquals(Optional.empty(), after.clientId());
            assertEquals(Optional.empty(), after.iat());
            assertEquals(Optional.empty(), after.username());
            assertEquals("Introspection[active=false, scope=(none), clientId=(none), sub=(none), exp=(none)]", after.toString());

            String rt = token.refreshToken().orElseThrow();
            client.revoke(rt, hint("refresh_token"));
            expect(ErrorKind.OAUTH_ERROR, () -> client.refresh(rt));
            client.revoke("never-issued"); // RFC 7009 §2.2: fine
            TokenKitException hint = expect(ErrorKind.OAUTH_ERROR, () -> client.revoke(at, hint("bogus_hint")));
            assertEquals(Optional.of("unsupported_token_type"), hint.oauthError());
            expectInvalid("token is NULL", () -> client.revoke(null));
            expectInvalid("scope does not apply", () -> client.revoke(at, TestServer.scope("read")));
        }
        try (Client bare = TestServer.demoClient("/token")) {
            expectInvalid("revocation_endpoint", () -> bare.revoke("t"));
            expectInvalid("introspection_endpoint", () -> bare.introspect("t"));
        }
    }

    @Test
    void nestRevokesWithDelete() {
        try (Client client = Client.create(flows("/token").build());
                Client nest = Client.create(demo("/token").revocationEndpoint(url("/oauth2/access_tokens"))
                        .revocationStyle(RevocationStyle.NEST_DELETE).build())) {
            String at = client.exchangeCode(freshCode()).accessToken();
            nest.revoke(at);
            assertFalse(client.introspect(at).active());
            TokenKitException unknown = assertThrowsEither(() -> nest.revoke("never-issued"));
            assertEquals(404, unknown.httpStatus());
        }
    }

    private static RequestOptions hint(String tokenTypeHint) {
        return RequestOptions.builder().tokenTypeHint(tokenTypeHint).build();
    }

    private static TokenKitException assertThrowsEither(org.junit.jupiter.api.function.Executable call) {
        TokenKitException e = org.junit.jupiter.api.Assertions.assertThrows(TokenKitException.class, call);
        assertTrue(e.kind() == ErrorKind.HTTP_ERROR || e.kind() == ErrorKind.OAUTH_ERROR, e.kind() + ": " + e.getMessage());
        return e;
    }

    @Test
    void discoveryFindsTheEndpoints() {
        String metadata = TokenKit.discover(TestServer.base());
        assertTrue(metadata.contains("\"device_authorization_endpoint\":\"" + url("/device_authorization") + "\""), metadata);
        assertTrue(TokenKit.discover(url("/tenant1")).contains("\"issuer\":\"" + url("/tenant1") + "\""));

        Config config = Config.builder().issuer(TestServer.base()).clientId("demo-client").clientSecret("demo-secret")
                .timeout(Duration.ofSeconds(5)).build();
        try (Client client = Client.create(config)) {
            assertEquals(Optional.of(metadata), client.metadata());
            assertTrue(client.clientCredentials().accessToken().startsWith("at-"), "grant through the discovered endpoint");
            String at = client.clientCredentials().accessToken();
            assertTrue(client.introspect(at).active(), "the discovered introspection endpoint");
            assertTrue(client.toString().contains("issuer=" + TestServer.base()), client.toString());
        }
        // An endpoint set explicitly wins over the discovered one.
        try (Client echo = Client.create(Config.builder().issuer(TestServer.base()).tokenEndpoint(url("/echo"))
                .clientId("demo-client").clientSecret("demo-secret").build())) {
            assertTrue(echo.clientCredentials().json().contains("\"request_body\""));
        }
        try (Client plain = TestServer.demoClient("/token")) {
            assertEquals(Optional.empty(), plain.metadata());
        }
    }

    @Test
    void discoveryRefusesLiesAndPlainHttp() {
        TokenKitException evil = expect(ErrorKind.PROTOCOL_ERROR, () -> TokenKit.discover(url("/evil")));
        assertTrue(evil.getMessage().contains("issuer"), evil.getMessage());
        expect(ErrorKind.PROTOCOL_ERROR, () -> TokenKit.discover(url("/broken")));
        expect(ErrorKind.INSECURE, () -> TokenKit.discover("http://as.example.com"));
        expectInvalid("issuer is NULL", () -> TokenKit.discover(null));
        expect(ErrorKind.PROTOCOL_ERROR, () -> Client.create(Config.builder().issuer(url("/evil")).clientId("demo-client")
                .clientSecret("demo-secret").build()));
    }

    @Test
    void presetsSetTheProvidersEndpoints() {
        try (Client google = Client.create(Config.builder().preset("google-nest", "my-project").clientId("id")
                .clientSecret("secret").build())) {
            String u = google.authorizationRequest(RequestOptions.builder().redirectUri("https://www.google.com").build()).url();
            assertTrue(u.startsWith("https://nestservices.google.com/partnerconnections/my-project/auth?"), u);
            assertTrue(u.contains("access_type=offline") && u.contains("prompt=consent") && u.contains("sdm.service"), u);
            assertTrue(google.toString().contains("preset=google-nest"), google.toString());
        }
        try (Client nest = Client.create(Config.builder().preset("nest").clientId("id").clientSecret("secret").build())) {
            String u = nest.authorizationRequest(null).url();
            assertTrue(u.startsWith("https://home.nest.com/login/oauth2?client_id=id&state="), u);
        }
        expectInvalid("project_id", () -> Client.create(Config.builder().preset("google-nest").clientId("id")
                .clientSecret("secret").build()));
        expectInvalid("preset", () -> Client.create(Config.builder().preset("myspace").clientId("id")
                .clientSecret("secret").build()));
        // The explicit token endpoint wins over the preset's.
        try (Client echo = Client.create(Config.builder().preset("nest").tokenEndpoint(url("/echo")).clientId("id")
                .clientSecret("secret").build())) {
            assertTrue(echo.clientCredentials().json().contains("\"request_body\""));
        }
    }

    @Test
    void refreshIsRetriedAfterA503() {
        String rt;
        try (Client client = TestServer.demoClient("/token")) {
            rt = client.exchangeCode(freshCode()).refreshToken().orElseThrow();
        }
        RetryPolicy fast = new RetryPolicy(3, Duration.ofMillis(50), Duration.ofSeconds(2));
        try (Client flaky = Client.create(demo("/flaky/1/" + unique("refresh") + "/token").retry(fast).build())) {
            assertTrue(flaky.refresh(rt).accessToken().startsWith("at-"));
        }
        // A code exchange is never retried: the 503 comes back and the code is still unused.
        String code = freshCode();
        try (Client flaky = Client.create(demo("/flaky/1/" + unique("code") + "/token").retry(fast).build())) {
            TokenKitException e = expect(ErrorKind.HTTP_ERROR, () -> flaky.exchangeCode(code));
            assertEquals(503, e.httpStatus());
            assertTrue(flaky.exchangeCode(code).accessToken().startsWith("at-"));
        }
        try (Client off = Client.create(demo("/flaky/1/" + unique("off") + "/token").noRetry().build())) {
            assertEquals(503, expect(ErrorKind.HTTP_ERROR, off::clientCredentials).httpStatus());
        }
    }

    @Test
    void badRetryPoliciesAreInvalidArgument() {
        expectInvalid("max_retries must not be negative",
                () -> Client.create(demo("/token").retry(new RetryPolicy(-1, Duration.ZERO, Duration.ZERO)).build()));
        expectInvalid("base_delay must not be negative",
                () -> Client.create(demo("/token").retry(new RetryPolicy(1, Duration.ofMillis(-1), Duration.ZERO)).build()));
        expectInvalid("max_delay is null", () -> new RetryPolicy(1, Duration.ZERO, null));
        expectInvalid("max_delay must not be less than base_delay", () -> Client.create(demo("/token")
                .retry(new RetryPolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1))).build()));
        assertEquals(new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(10)), RetryPolicy.DEFAULT);
        expectInvalid("authorization_endpoint", () -> Client.create(demo("/token").authorizationEndpoint("not a url").build()));
        expect(ErrorKind.INSECURE, () -> Client.create(demo("/token").revocationEndpoint("http://example.com/revoke").build()));
    }
}
