package dev.tokenkit;

import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.expectInvalid;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device flow (RFC 8628) against the mock server, as a public client: its interval is 1 s and
 * its scripted user approves after one pending poll, denies, lets the code expire, or never answers.
 */
class DeviceFlowTest {
    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    private static Client publicClient() {
        return Client.create(Config.builder().tokenEndpoint(url("/token")).clientId("public-client")
                .authMethod(AuthMethod.NONE).deviceAuthorizationEndpoint(url("/device_authorization")).build());
    }

    /** Device options for the scripted user's {@code behavior}, showing the code to no one. */
    private static DeviceOptions.Builder behavior(String behavior) {
        return DeviceOptions.builder().scope("read").param("mock_behavior", behavior).onPrompt(a -> true);
    }

    @Test
    void deviceFlowShowsTheCodeThenGetsTheToken() {
        List<DeviceAuthorization> shown = new CopyOnWriteArrayList<>();
        List<Thread> showThreads = new CopyOnWriteArrayList<>();
        try (Client client = publicClient()) {
            long start = System.nanoTime();
            Token token = client.deviceFlow(behavior("approve").onPrompt(a -> {
                shown.add(a);
                showThreads.add(Thread.currentThread());
                return true;
            }).build());
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(token.refreshToken().orElseThrow().startsWith("rt-"));
            assertTrue(took >= 1.9, "pending, then approved: two polls 1 s apart, not " + took + " s");
            assertEquals(1, shown.size());
            assertEquals(List.of(Thread.currentThread()), showThreads, "show runs on the calling thread");
            DeviceAuthorization a = shown.get(0);
            assertTrue(a.userCode().matches("[B-Z]{4}-[B-Z]{4}"), a.userCode());
            assertEquals(url("/device"), a.verificationUri());
            assertEquals(Optional.of(url("/device") + "?user_code=" + a.userCode()), a.verificationUriComplete());
            assertEquals(Duration.ofSeconds(1), a.interval());
            assertEquals(Duration.ofSeconds(600), a.expiresIn());
            assertTrue(a.isClosed(), "the shown copy has no native handle");
            expectInvalid("copy deviceFlow shows", () -> client.devicePoll(a, null));
            a.close(); // does nothing
        }
    }

    @Test
    void authorizeThenPoll() {
        try (Client client = publicClient(); Cancellation cancel = new Cancellation()) {
            DeviceOptions options = DeviceOptions.builder().scope("read").param("mock_behavior", "google")
                    .param("mock_expires_in", "60").cancellation(cancel).build();
            DeviceAuthorization a = client.deviceAuthorize(options);
            try (a) {
                assertTrue(a.verificationUri().endsWith("/device"), "Google's verification_url: " + a.verificationUri());
                assertEquals(Optional.empty(), a.verificationUriComplete());
                assertEquals(Duration.ofSeconds(60), a.expiresIn());
                assertTrue(a.toString().contains(a.userCode()), a.toString());
                Token token = client.devicePoll(a, options);
                assertTrue(token.accessToken().startsWith("at-"));
            }
            assertTrue(a.isClosed());
            expectInvalid("device authorization is closed", () -> client.devicePoll(a, null));
            assertEquals(Duration.ofSeconds(60), a.expiresIn(), "values outlive close");
        }
    }

    @Test
    void deniedAndExpiredAreOAuthErrors() {
        try (Client client = publicClient()) {
            TokenKitException denied = expect(ErrorKind.OAUTH_ERROR, () -> client.deviceFlow(behavior("deny").build()));
            assertEquals(Optional.of("access_denied"), denied.oauthError());
            TokenKitException expired = expect(ErrorKind.OAUTH_ERROR, () -> client.deviceFlow(behavior("expire").build()));
            assertEquals(Optional.of("expired_token"), expired.oauthError());
        }
    }

    @Test
    void userWhoNeverAnswersRunsIntoTheDeadline() {
        try (Client client = publicClient()) {
            long start = System.nanoTime();
            expect(ErrorKind.TIMEOUT, () -> client.deviceFlow(behavior("never").param("mock_expires_in", "3").build()));
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(took >= 2.5 && took < 8, "deadline after " + took + " s");
        }
    }

    @Test
    void cancelledFromAnotherThread() throws Exception {
        try (Client client = publicClient(); Cancellation cancel = new Cancellation()) {
            CompletableFuture<Void> canceller = CompletableFuture.runAsync(cancel::cancel,
                    CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS));
            long start = System.nanoTime();
            expect(ErrorKind.CANCELLED, () -> client.deviceFlow(behavior("never").cancellation(cancel).build()));
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(took >= 1.4 && took < 4, "cancelled after " + took + " s");
            canceller.get(5, TimeUnit.SECONDS);
            // A raised flag stops a poll at once.
            try (DeviceAuthorization a = client.deviceAuthorize(behavior("never").build())) {
                start = System.nanoTime();
                expect(ErrorKind.CANCELLED, () -> client.devicePoll(a, behavior("never").cancellation(cancel).build()));
                assertTrue((System.nanoTime() - start) / 1e9 < 0.9, "a raised flag did not stop the poll at once");
            }
        }
    }

    @Test
    void cancellingTheFutureStopsThePoll() throws Exception {
        try (Client client = publicClient(); Cancellation cancel = new Cancellation()) {
            CompletableFuture<TokenKitException> outcome = new CompletableFuture<>();
            CompletableFuture<Token> future = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.deviceFlow(behavior("never").cancellation(cancel).build());
                } catch (TokenKitException e) {
                    outcome.complete(e);
                    throw e;
                }
            });
            cancel.cancelWhen(future);
            Thread.sleep(500);
            long start = System.nanoTime();
            assertTrue(future.cancel(true));
            TokenKitException e = outcome.get(5, TimeUnit.SECONDS);
            assertEquals(ErrorKind.CANCELLED, e.kind(), e.getMessage());
            assertTrue((System.nanoTime() - start) / 1e9 < 2, "the poll went on after the future was cancelled");
            assertTrue(cancel.isCancelled());
        }
    }

    @Test
    void promptThatThrowsStopsTheFlowAtOnce() {
        IllegalStateException boom = new IllegalStateException("no screen");
        try (Client client = publicClient()) {
            long start = System.nanoTime();
            TokenKitException stopped = expect(ErrorKind.CANCELLED, () -> client.deviceFlow(behavior("never").onPrompt(a -> {
                throw boom;
            }).build()));
            assertSame(boom, stopped.getCause());
            assertTrue(stopped.getMessage().contains("on_prompt"), stopped.getMessage());
            assertTrue((System.nanoTime() - start) / 1e9 < 0.9, "the flow polled after the prompt threw");
        }
    }

    @Test
    void promptThatReturnsFalseStopsTheFlowAtOnce() {
        try (Client client = publicClient()) {
            long start = System.nanoTime();
            TokenKitException stopped = expect(ErrorKind.CANCELLED,
                    () -> client.deviceFlow(behavior("never").onPrompt(a -> false).build()));
            assertEquals(null, stopped.getCause());
            assertTrue((System.nanoTime() - start) / 1e9 < 0.9, "the flow polled after the prompt returned false");
        }
    }

    @Test
    void badArgumentsAreInvalidArgument() {
        try (Client client = publicClient()) {
            expectInvalid("on_prompt", () -> client.deviceFlow(DeviceOptions.builder().scope("read").build()));
            expectInvalid("options is NULL", () -> client.deviceFlow(null));
            expectInvalid("authorization is null", () -> client.devicePoll(null, null));
            TokenKitException e = expect(ErrorKind.OAUTH_ERROR, () -> client.deviceAuthorize(behavior("dance").build()));
            assertEquals(Optional.of("invalid_request"), e.oauthError());
        }
        try (Client noEndpoint = TestServer.demoClient("/token")) {
            expectInvalid("device_authorization_endpoint", () -> noEndpoint.deviceAuthorize(null));
        }
    }
}
