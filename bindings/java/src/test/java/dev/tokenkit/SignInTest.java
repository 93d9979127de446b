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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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

    private LoopbackOptions.Builder signIn(String behavior) {
        return LoopbackOptions.builder()
                .scope("read")
                .params(behavior == null ? null : Map.of("mock_behavior", behavior))
                .timeout(Duration.ofSeconds(20))
                .openUrl(browser(browserProblems::add));
    }

    @Test
    void authorizationRequestHasStateAndPkce() {
        try (Client client = Client.create(flows("/token").build())) {
            AuthorizationRequest a = client.authorizationRequest("http://127.0.0.1:9/callback", "read",
                    Map.of("prompt", "consent"));
            assertTrue(a.url().startsWith(url("/authorize?response_type=code&client_id=demo-client&redirect_uri=")), a.url());
            assertTrue(a.url().contains("code_challenge_method=S256"), a.url());
            assertTrue(a.url().contains("state=" + a.state()), a.url());
            assertTrue(a.url().contains("prompt=consent"), a.url());
            assertEquals(43, a.codeVerifier().length(), "a 32-byte verifier in base64url (RFC 7636 §4.1)");
            assertFalse(a.toString().contains(a.codeVerifier()), a.toString());
            AuthorizationRequest b = client.authorizationRequest("http://127.0.0.1:9/callback", null, null);
            assertNotEquals(a.state(), b.state(), "every request has a fresh state");
            assertNotEquals(a.codeVerifier(), b.codeVerifier());
            expectInvalid("state", () -> client.authorizationRequest(null, null, Map.of("state", "mine")));
        }
        try (Client noEndpoint = TestServer.demoClient("/token")) {
            expectInvalid("no authorization_endpoint", () -> noEndpoint.authorizationRequest(null, null, null));
        }
    }

    @Test
    void signInSucceeds() {
        try (Client client = Client.create(flows("/token").build())) {
            Token token = client.signInLoopback(signIn(null).build());
            assertTrue(token.accessToken().startsWith("at-"), token.accessToken());
            assertTrue(token.json().contains("\"scope\":\"read\""), "the scope of the authorization request: " + token.json());
            assertTrue(token.refreshToken().isPresent());
            // The short form, and the same client again: the first listener was closed.
            Token again = client.signInLoopback("read", browser(browserProblems::add));
            assertNotEquals(token.accessToken(), again.accessToken());
        }
    }

    @Test
    void listensOnTheChosenPort() throws Exception {
        // A free port from the kernel's ephemeral range, usually above 32767: the C ABI's uint16_t
        // travels as a Java short, so such a port has its sign bit set.
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        AtomicReference<String> opened = new AtomicReference<>();
        Consumer<String> browser = browser(browserProblems::add);
        try (Client client = Client.create(flows("/token").build())) {
            Token token = client.signInLoopback(signIn(null).port(port).openUrl(url -> {
                opened.set(url);
                browser.accept(url);
            }).build());
            assertTrue(token.accessToken().startsWith("at-"));
            assertTrue(opened.get().contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A" + port + "%2Fcallback"), opened.get());
        }
    }

    @Test
    void deniedConsentIsAccessDenied() {
        try (Client client = Client.create(flows("/token").build())) {
            TokenKitException e = expect(ErrorKind.OAUTH_ERROR, () -> client.signInLoopback(signIn("deny").build()));
            assertEquals(Optional.of("access_denied"), e.oauthError());
        }
    }

    @Test
    void badRedirectsAreProtocolErrors() {
        try (Client client = Client.create(flows("/token").build())) {
            TokenKitException wrongState = expect(ErrorKind.PROTOCOL_ERROR,
                    () -> client.signInLoopback(signIn("wrong-state").build()));
            assertTrue(wrongState.getMessage().contains("state"), wrongState.getMessage());
            TokenKitException noCode = expect(ErrorKind.PROTOCOL_ERROR, () -> client.signInLoopback(signIn("no-code").build()));
            assertTrue(noCode.getMessage().contains("neither a code nor an error"), noCode.getMessage());
        }
    }

    @Test
    void nobodyComesBackIsTimeout() {
        try (Client client = Client.create(flows("/token").build())) {
            long start = System.nanoTime();
            expect(ErrorKind.TIMEOUT, () -> client.signInLoopback(signIn(null).openUrl(url -> {}).timeout(Duration.ofMillis(700)).build()));
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
            expect(ErrorKind.CANCELLED, () -> client.signInLoopback(signIn(null).openUrl(url -> {})
                    .timeout(Duration.ofSeconds(30)).cancellation(cancel).build()));
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(took < 5, "cancel took " + took + " s");
            canceller.join();
            assertTrue(cancel.isCancelled());
            // A raised flag stops a later call at once.
            expect(ErrorKind.CANCELLED, () -> client.signInLoopback(signIn(null).openUrl(url -> {}).cancellation(cancel).build()));
        }
    }

    @Test
    void openUrlThatThrowsStopsTheSignInAtOnce() {
        IllegalStateException boom = new IllegalStateException("no browser here");
        try (Client client = Client.create(flows("/token").build()); Cancellation cancel = new Cancellation()) {
            long start = System.nanoTime();
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> client.signInLoopback(
                    signIn(null).openUrl(url -> {
                        throw boom;
                    }).timeout(Duration.ofSeconds(30)).cancellation(cancel).build()));
            double took = (System.nanoTime() - start) / 1e9;
            assertSame(boom, thrown);
            assertTrue(took < 5, "the sign-in waited " + took + " s after openUrl threw");
            TokenKitException stopped = (TokenKitException) thrown.getSuppressed()[0];
            assertEquals(ErrorKind.CANCELLED, stopped.kind());
            assertFalse(cancel.isCancelled(), "the caller's cancellation was not raised");
            // The client and the cancellation still work.
            assertTrue(client.signInLoopback(signIn(null).cancellation(cancel).build()).accessToken().startsWith("at-"));
        }
    }

    @Test
    void openUrlMustNotStartAnotherSignInOnTheSameClient() {
        try (Client client = Client.create(flows("/token").build())) {
            TokenKitException e = expectInvalid("inside openUrl", () -> client.signInLoopback(signIn(null).openUrl(
                    url -> client.signInLoopback(signIn(null).build())).timeout(Duration.ofSeconds(30)).build()));
            assertEquals(ErrorKind.CANCELLED, ((TokenKitException) e.getSuppressed()[0]).kind());
        }
    }

    @Test
    void badOptionsAreInvalidArgument() {
        try (Client client = Client.create(flows("/token").build())) {
            expectInvalid("options is null", () -> client.signInLoopback(null));
            expectInvalid("open_url is NULL", () -> client.signInLoopback(signIn(null).openUrl(null).build()));
            expectInvalid("port", () -> client.signInLoopback(signIn(null).port(70000).build()));
            expectInvalid("timeout_ms", () -> client.signInLoopback(signIn(null).timeout(Duration.ZERO).build()));
            expectInvalid("timeout_ms", () -> client.signInLoopback(signIn(null).timeout(null).build()));
            Cancellation closed = new Cancellation();
            closed.close();
            assertTrue(closed.isClosed());
            expectInvalid("cancellation is closed", () -> client.signInLoopback(signIn(null).cancellation(closed).build()));
        }
    }

    @Test
    void issuerFromDiscoveryIsCheckedOnTheRedirect() {
        // RFC 9207: with the issuer known, the redirect's iss must name it.
        Config config = Config.builder().issuer(TestServer.base()).clientId("demo-client").clientSecret("demo-secret").build();
        try (Client client = Client.create(config)) {
            assertTrue(client.signInLoopback(signIn(null).build()).accessToken().startsWith("at-"));
            for (String behavior : new String[] {"wrong-iss", "no-iss"}) {
                TokenKitException e = expect(ErrorKind.PROTOCOL_ERROR, () -> client.signInLoopback(signIn(behavior).build()));
                assertTrue(e.getMessage().contains("iss"), behavior + ": " + e.getMessage());
            }
        }
    }

    @Test
    void everyNewMethodThrowsAfterClose() {
        Client client = Client.create(flows("/token").build());
        client.close();
        AtomicReference<String> opened = new AtomicReference<>();
        expectInvalid("client is closed", () -> client.authorizationRequest(null, null, null));
        expectInvalid("client is closed", () -> client.signInLoopback(signIn(null).openUrl(opened::set).build()));
        expectInvalid("client is closed", () -> client.deviceAuthorize(null, null));
        expectInvalid("client is closed", () -> client.deviceFlow(null, null, a -> {}, null));
        expectInvalid("client is closed", () -> client.revoke("t"));
        expectInvalid("client is closed", () -> client.introspect("t"));
        expectInvalid("client is closed", () -> client.tokenSource("rt", null, null));
        expectInvalid("client is closed", () -> TokenSource.load(client, "{\"refresh_token\":\"rt\"}", null, null));
        assertEquals(null, opened.get());
    }
}
