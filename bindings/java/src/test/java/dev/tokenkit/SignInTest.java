package dev.tokenkit;

import static dev.tokenkit.TestServer.browser;
import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.expectInvalid;
import static dev.tokenkit.TestServer.flows;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Authorization URLs and the loopback sign-in, with a thread playing the browser. */
class SignInTest {
    private final List<Throwable> browserProblems = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    @AfterEach
    void browserHadNoTrouble() {
        assertEquals(List.of(), browserProblems, "the test browser failed");
    }

    private SignInOptions.Builder signIn(String behavior) {
        return SignInOptions.builder()
                .scope("read")
                .params(behavior == null ? null : Map.of("mock_behavior", behavior))
                .timeout(Duration.ofSeconds(20))
                .openUrl(browser(browserProblems::add));
    }

    private static RequestOptions authorization(String redirectUri, String scope, Map<String, String> params) {
        return RequestOptions.builder().redirectUri(redirectUri).scope(scope).params(params).build();
    }

    @Test
    void authorizationRequestHasStateAndPkce() {
        try (Client client = Client.create(flows("/token").build())) {
            AuthorizationRequest a = client.authorizationRequest(authorization("http://127.0.0.1:9/callback", "read",
                    Map.of("prompt", "consent")));
            assertTrue(a.url().startsWith(url("/authorize?response_type=code&client_id=demo-client&redirect_uri=")), a.url());
            assertTrue(a.url().contains("code_challenge_method=S256"), a.url());
            assertTrue(a.url().contains("state=" + a.state()), a.url());
            assertTrue(a.url().contains("prompt=consent"), a.url());
            assertEquals(43, a.codeVerifier().length(), "a 32-byte verifier in base64url (RFC 7636 §4.1)");
            assertFalse(a.toString().contains(a.codeVerifier()), a.toString());
            AuthorizationRequest b = client.authorizationRequest(authorization("http://127.0.0.1:9/callback", null, null));
            assertNotEquals(a.state(), b.state(), "every request has a fresh state");
            assertNotEquals(a.codeVerifier(), b.codeVerifier());
            expectInvalid("state", () -> client.authorizationRequest(authorization(null, null, Map.of("state", "mine"))));
            expectInvalid("token_type_hint does not apply",
                    () -> client.authorizationRequest(RequestOptions.builder().tokenTypeHint("access_token").build()));
        }
        try (Client noEndpoint = TestServer.demoClient("/token")) {
            expectInvalid("authorization_endpoint", () -> noEndpoint.authorizationRequest(null));
        }
    }

    @Test
    void signInSucceeds() {
        try (Client client = Client.create(flows("/token").build())) {
            Token token = client.signIn(signIn(null).build());
            assertTrue(token.accessToken().startsWith("at-"), token.accessToken());
            assertTrue(token.json().contains("\"scope\":\"read\""), "the scope of the authorization request: " + token.json());
            assertTrue(token.refreshToken().isPresent());
            // The same client again: the first listener was closed.
            Token again = client.signIn(SignInOptions.builder().scope("read").openUrl(browser(browserProblems::add)).build());
            assertNotEquals(token.accessToken(), again.accessToken());
        }
    }

    @Test
    void listensOnTheChosenPort() throws Exception {
        // A free port from the kernel's ephemeral range, usually above 32767 (an int32_t in the ABI).
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        AtomicReference<String> opened = new AtomicReference<>();
        SignInOptions.OpenUrl browser = browser(browserProblems::add);
        try (Client client = Client.create(flows("/token").build())) {
            Token token = client.signIn(signIn(null).port(port).openUrl(url -> {
                opened.set(url);
                return browser.open(url);
            }).build());
            assertTrue(token.accessToken().startsWith("at-"));
            assertTrue(opened.get().contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A" + port + "%2Fcallback"), opened.get());
        }
    }

    @Test
    void deniedConsentIsAccessDenied() {
        try (Client client = Client.create(flows("/token").build())) {
            TokenKitException e = expect(ErrorKind.OAUTH_ERROR, () -> client.signIn(signIn("deny").build()));
            assertEquals(Optional.of("access_denied"), e.oauthError());
        }
    }

    @Test
    void badRedirectsAreIgnoredOrProtocolErrors() {
        try (Client client = Client.create(flows("/token").build())) {
            // A redirect without this sign-in's state is not its answer: it gets an error page and
            // the sign-in goes on waiting for the right one, here until its deadline.
            long start = System.nanoTime();
            expect(ErrorKind.TIMEOUT, () -> client.signIn(signIn("wrong-state").timeout(Duration.ofMillis(1500)).build()));
            assertTrue((System.nanoTime() - start) / 1e9 >= 1.4, "the sign-in did not wait after a wrong state");
            TokenKitException noCode = expect(ErrorKind.PROTOCOL_ERROR, () -> client.signIn(signIn("no-code").build()));
            assertTrue(noCode.getMessage().contains("neither a code nor an error"), noCode.getMessage());
        }
    }

    @Test
    void nobodyComesBackIsTimeout() {
        try (Client client = Client.create(flows("/token").build())) {
            long start = System.nanoTime();
            expect(ErrorKind.TIMEOUT, () -> client.signIn(signIn(null).openUrl(url -> true).timeout(Duration.ofMillis(700)).build()));
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(took >= 0.6 && took < 5, "took " + took + " s for a 700 ms timeout");
        }
    }

    @Test
    void cancelledFromAnotherThread() throws Exception {
        try (Client client = Client.create(flows("/token").build()); Cancellation cancel = new Cancellation()) {
            Thread canceller = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                cancel.cancel();
            });
            canceller.start();
            long start = System.nanoTime();
            expect(ErrorKind.CANCELLED, () -> client.signIn(signIn(null).openUrl(url -> true)
                    .timeout(Duration.ofSeconds(30)).cancellation(cancel).build()));
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(took < 5, "cancel took " + took + " s");
            canceller.join();
            assertTrue(cancel.isCancelled());
            // A raised flag stops a later call at once.
            expect(ErrorKind.CANCELLED, () -> client.signIn(signIn(null).openUrl(url -> true).cancellation(cancel).build()));
        }
    }

    @Test
    void openUrlThatThrowsStopsTheSignInAtOnce() throws Exception {
        java.io.IOException boom = new java.io.IOException("no browser here");
        try (Client client = Client.create(flows("/token").build()); Cancellation cancel = new Cancellation()) {
            long start = System.nanoTime();
            TokenKitException stopped = expect(ErrorKind.CANCELLED, () -> client.signIn(
                    signIn(null).openUrl(url -> {
                        throw boom; // a checked exception, as Desktop.browse throws
                    }).timeout(Duration.ofSeconds(30)).cancellation(cancel).build()));
            double took = (System.nanoTime() - start) / 1e9;
            assertSame(boom, stopped.getCause());
            assertTrue(stopped.getMessage().contains("open_url"), stopped.getMessage());
            assertTrue(took < 5, "the sign-in waited " + took + " s after openUrl threw");
            assertFalse(cancel.isCancelled(), "the caller's cancellation was not raised");
            // The client and the cancellation still work.
            assertTrue(client.signIn(signIn(null).cancellation(cancel).build()).accessToken().startsWith("at-"));
        }
    }

    @Test
    void openUrlThatReturnsFalseStopsTheSignInAtOnce() {
        try (Client client = Client.create(flows("/token").build())) {
            long start = System.nanoTime();
            TokenKitException stopped = expect(ErrorKind.CANCELLED, () -> client.signIn(
                    signIn(null).openUrl(url -> false).timeout(Duration.ofSeconds(30)).build()));
            assertTrue((System.nanoTime() - start) / 1e9 < 5, "the sign-in waited after openUrl returned false");
            assertEquals(null, stopped.getCause());
            assertTrue(stopped.getMessage().contains("open_url"), stopped.getMessage());
        }
    }

    @Test
    void openUrlMustNotStartAnotherSignInOnTheSameClient() {
        try (Client client = Client.create(flows("/token").build())) {
            TokenKitException e = expect(ErrorKind.CANCELLED, () -> client.signIn(signIn(null).openUrl(
                    url -> client.signIn(signIn(null).build()) != null).timeout(Duration.ofSeconds(30)).build()));
            TokenKitException inner = (TokenKitException) e.getCause();
            assertEquals(ErrorKind.INVALID_ARGUMENT, inner.kind());
            assertTrue(inner.getMessage().contains("inside openUrl"), inner.getMessage());
        }
    }

    @Test
    void badOptionsAreInvalidArgument() {
        try (Client client = Client.create(flows("/token").build())) {
            expectInvalid("options is null", () -> client.signIn(null));
            expectInvalid("open_url", () -> client.signIn(signIn(null).openUrl(null).build()));
            expectInvalid("port", () -> client.signIn(signIn(null).port(70000).build()));
            expectInvalid("port", () -> client.signIn(signIn(null).port(-1).build()));
            expectInvalid("timeout must be greater than zero", () -> client.signIn(signIn(null).timeout(Duration.ZERO).build()));
            expectInvalid("timeout must not be negative", () -> client.signIn(signIn(null).timeout(Duration.ofSeconds(-1)).build()));
            Cancellation closed = new Cancellation();
            closed.close();
            assertTrue(closed.isClosed());
            expectInvalid("cancellation is closed", () -> client.signIn(signIn(null).cancellation(closed).build()));
        }
    }

    @Test
    void issuerFromDiscoveryIsCheckedOnTheRedirect() {
        // RFC 9207: with the issuer known, the redirect's iss must name it.
        Config config = Config.builder().issuer(TestServer.base()).clientId("demo-client").clientSecret("demo-secret").build();
        try (Client client = Client.create(config)) {
            assertTrue(client.signIn(signIn(null).build()).accessToken().startsWith("at-"));
            for (String behavior : new String[] {"wrong-iss", "no-iss"}) {
                TokenKitException e = expect(ErrorKind.PROTOCOL_ERROR, () -> client.signIn(signIn(behavior).build()));
                assertTrue(e.getMessage().contains("iss"), behavior + ": " + e.getMessage());
            }
        }
    }

    @Test
    void everyNewMethodThrowsAfterClose() {
        Client client = Client.create(flows("/token").build());
        client.close();
        AtomicReference<String> opened = new AtomicReference<>();
        expectInvalid("client is closed", () -> client.authorizationRequest(null));
        expectInvalid("client is closed", () -> client.signIn(signIn(null).openUrl(url -> {
            opened.set(url);
            return true;
        }).build()));
        expectInvalid("client is closed", () -> client.deviceAuthorize(null));
        expectInvalid("client is closed", () -> client.deviceFlow(DeviceOptions.builder().onPrompt(a -> true).build()));
        expectInvalid("client is closed", () -> client.revoke("t"));
        expectInvalid("client is closed", () -> client.introspect("t"));
        expectInvalid("client is closed", () -> client.tokenSource(null, TokenSourceOptions.builder().refreshToken("rt").build()));
        expectInvalid("client is closed", () -> TokenSource.load(client, "{\"refresh_token\":\"rt\"}", null));
        assertEquals(null, opened.get());
    }
}
