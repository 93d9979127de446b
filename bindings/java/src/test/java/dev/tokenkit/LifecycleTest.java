package dev.tokenkit;

import static dev.tokenkit.TestServer.demo;
import static dev.tokenkit.TestServer.demoClient;
import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.expectInvalid;
import static dev.tokenkit.TestServer.freshCode;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** close(): idempotent, every method throws after it, and it never frees a client under a running call. */
class LifecycleTest {
    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    @Test
    void everyMethodThrowsAfterClose() {
        Client client = demoClient("/token");
        String refreshToken = client.exchangeCode(freshCode()).refreshToken().orElseThrow();
        assertFalse(client.isClosed());
        client.close();
        assertTrue(client.isClosed());
        assertTrue(client.toString().endsWith(", closed]"), client.toString());
        expectInvalid("client is closed", () -> client.exchangeCode(freshCode()));
        expectInvalid("client is closed", () -> client.exchangeCode(freshCode(), RequestOptions.builder().params(Map.of("a", "b")).build()));
        expectInvalid("client is closed", () -> client.refresh(refreshToken));
        expectInvalid("client is closed", () -> client.refresh(refreshToken, TestServer.scope("read")));
        expectInvalid("client is closed", () -> client.clientCredentials());
        expectInvalid("client is closed", () -> client.clientCredentials(TestServer.scope("read")));
        // Closed wins over a bad argument: the client is gone whatever was passed.
        expectInvalid("client is closed", () -> client.exchangeCode(null));
    }

    @Test
    @SuppressWarnings("try") // the explicit close inside try-with-resources is the point
    void closeTwiceIsFine() {
        Client client = demoClient("/token");
        client.close();
        client.close();
        try (Client other = demoClient("/token")) {
            other.close(); // and once more by try-with-resources
        }
    }

    @Test
    void closeWaitsForARunningCall() throws Exception {
        Client client = Client.create(demo("/fault/hang").timeout(Duration.ofMillis(1500)).build());
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<TokenKitException> running = CompletableFuture.supplyAsync(() -> {
            started.countDown();
            try {
                client.exchangeCode(freshCode());
                return null;
            } catch (TokenKitException e) {
                return e;
            }
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));
        Thread.sleep(300); // let the request reach the server
        long start = System.nanoTime();
        client.close();
        double waited = (System.nanoTime() - start) / 1e9;
        // The call had about 1.2 s left to its timeout: close waited for it instead of freeing under it.
        assertTrue(waited > 0.9, "close did not wait for the running call: " + waited + " s");
        TokenKitException e = running.get(5, TimeUnit.SECONDS);
        assertTrue(e != null && e.kind() == ErrorKind.TIMEOUT, String.valueOf(e));
        expectInvalid("client is closed", () -> client.clientCredentials());
    }

    @Test
    void callsRacingCloseEitherSucceedOrSeeItClosed() throws Exception {
        for (int round = 0; round < 20; round++) {
            Client client = demoClient("/token");
            CompletableFuture<?>[] workers = new CompletableFuture<?>[4];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = CompletableFuture.runAsync(() -> {
                    for (int n = 0; n < 20; n++) {
                        try {
                            client.clientCredentials();
                        } catch (TokenKitException e) {
                            if (!"client is closed".equals(e.getMessage())) {
                                throw e;
                            }
                        }
                    }
                });
            }
            Thread.sleep(round % 5);
            client.close();
            try {
                CompletableFuture.allOf(workers).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("a call failed other than with 'client is closed'", e.getCause());
            }
        }
    }

    @Test
    void forgottenClientsAreFreedByTheCleaner() throws Exception {
        // Nothing observable from outside but the absence of a crash: the Cleaner frees each one
        // once, on its own thread, and never one that is still in use.
        for (int i = 0; i < 200; i++) {
            demoClient("/token");
        }
        Client kept = demoClient("/token");
        System.gc();
        Thread.sleep(200);
        System.gc();
        assertTrue(kept.clientCredentials().accessToken().startsWith("at-"));
        kept.close();
    }

    @Test
    void tokensOutliveTheirClient() {
        Token token;
        try (Client client = demoClient("/token")) {
            token = client.exchangeCode(freshCode());
        }
        assertTrue(token.accessToken().startsWith("at-"));
        expect(ErrorKind.INVALID_ARGUMENT, () -> demoClient("/token").exchangeCode(""));
    }
}
