package dev.tokenkit;

import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.expectInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Cancellation on its own (idempotent, safe after close, linked to a future), and as every network
 * call meets it: a raised flag stops a request in flight, against a server that never answers.
 */
class CancellationTest {
    /** How long after cancel() a call in flight must have returned: the library promises about 100 ms. */
    private static final double MAX_CANCEL_SECONDS = 1.0;

    /** A server on loopback that accepts connections, reads nothing and never answers. */
    private static final class SilentServer implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        SilentServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(socket.accept());
                    }
                } catch (IOException closed) {
                    // close() ends the loop
                }
            }, "silent-server");
            t.setDaemon(true);
            t.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + socket.getLocalPort() + path;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /**
     * Starts {@code call} with a fresh cancellation on another thread, raises it once the request
     * has been in flight for a while, and returns how long the call took to stop with CANCELLED.
     */
    private static double cancelInFlight(String what, Function<Cancellation, Object> call) throws Exception {
        try (Cancellation cancel = new Cancellation()) {
            CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> call.apply(cancel));
            Thread.sleep(300);
            assertFalse(running.isDone(), what + " returned before it was cancelled: " + running);
            long start = System.nanoTime();
            cancel.cancel();
            try {
                running.get(10, TimeUnit.SECONDS);
                throw new AssertionError(what + " succeeded after cancel()");
            } catch (ExecutionException e) {
                TokenKitException t = (TokenKitException) e.getCause();
                assertEquals(ErrorKind.CANCELLED, t.kind(), what + ": " + t.getMessage());
            }
            double took = (System.nanoTime() - start) / 1e9;
            assertTrue(took < MAX_CANCEL_SECONDS, what + " stopped " + took + " s after cancel()");
            return took;
        }
    }

    @Test
    void everyNetworkCallStopsInFlight() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            Config config = Config.builder().tokenEndpoint(silent.url("/token")).clientId("demo-client")
                    .clientSecret("demo-secret").revocationEndpoint(silent.url("/revoke"))
                    .introspectionEndpoint(silent.url("/introspect"))
                    .deviceAuthorizationEndpoint(silent.url("/device_authorization"))
                    .timeout(Duration.ofSeconds(30)).noRetry().build();
            Function<Cancellation, RequestOptions> with = c -> RequestOptions.builder().cancellation(c).build();
            Map<String, Double> took = new java.util.LinkedHashMap<>();
            try (Client client = Client.create(config)) {
                took.put("exchangeCode", cancelInFlight("exchangeCode", c -> client.exchangeCode("code-x", with.apply(c))));
                took.put("refresh", cancelInFlight("refresh", c -> client.refresh("rt-x", with.apply(c))));
                took.put("clientCredentials", cancelInFlight("clientCredentials", c -> client.clientCredentials(with.apply(c))));
                took.put("revoke", cancelInFlight("revoke", c -> {
                    client.revoke("t", with.apply(c));
                    return null;
                }));
                took.put("introspect", cancelInFlight("introspect", c -> client.introspect("t", with.apply(c))));
                took.put("deviceAuthorize", cancelInFlight("deviceAuthorize",
                        c -> client.deviceAuthorize(DeviceOptions.builder().cancellation(c).build())));
            }
            took.put("discover", cancelInFlight("discover", c -> TokenKit.discover(silent.url(""), with.apply(c))));
            took.put("create with issuer", cancelInFlight("create with issuer", c -> Client.create(Config.builder()
                    .issuer(silent.url("")).clientId("demo-client").clientSecret("demo-secret").build(), with.apply(c))));
            System.out.println("cancel latency in flight (s): " + took);
        }
    }

    @Test
    void aRaisedFlagStopsEveryCallAtOnce() throws Exception {
        TestServer.base();
        try (Client client = Client.create(TestServer.flows("/token").build()); Cancellation cancel = new Cancellation()) {
            cancel.cancel();
            RequestOptions cancelled = RequestOptions.builder().cancellation(cancel).build();
            expect(ErrorKind.CANCELLED, () -> client.exchangeCode(TestServer.freshCode(), cancelled));
            expect(ErrorKind.CANCELLED, () -> client.clientCredentials(cancelled));
            expect(ErrorKind.CANCELLED, () -> client.refresh("rt-x", cancelled));
            expect(ErrorKind.CANCELLED, () -> client.revoke("t", cancelled));
            expect(ErrorKind.CANCELLED, () -> client.introspect("t", cancelled));
            expect(ErrorKind.CANCELLED, () -> TokenKit.discover(TestServer.base(), cancelled));
            expect(ErrorKind.CANCELLED, () -> client.deviceAuthorize(DeviceOptions.builder().cancellation(cancel).build()));
            // A closed cancellation is refused before anything is sent.
            Cancellation closed = new Cancellation();
            closed.close();
            expectInvalid("cancellation is closed",
                    () -> client.clientCredentials(RequestOptions.builder().cancellation(closed).build()));
        }
    }

    @Test
    void closingTheCancellationDuringACallIsSafe() throws Exception {
        // The options keep their own reference to the flag: closing (freeing) the Java side while
        // the call runs frees nothing the call uses.
        TestServer.base();
        try (Client client = Client.create(TestServer.demo("/token").build())) {
            for (int i = 0; i < 50; i++) {
                Cancellation cancel = new Cancellation();
                CompletableFuture<Token> call = CompletableFuture.supplyAsync(
                        () -> client.clientCredentials(RequestOptions.builder().cancellation(cancel).build()));
                cancel.close();
                try {
                    assertTrue(call.get(10, TimeUnit.SECONDS).accessToken().startsWith("at-"));
                } catch (ExecutionException e) {
                    // The close may come first: then the call is refused, never run on a freed flag.
                    TokenKitException t = (TokenKitException) e.getCause();
                    assertTrue(t.getMessage().contains("cancellation is closed"), t.getMessage());
                }
            }
        }
    }
    @Test
    @SuppressWarnings("try") // the explicit close inside try-with-resources is the point
    void cancelAndCloseInAnyOrder() throws Exception {
        Cancellation c = new Cancellation();
        assertFalse(c.isCancelled());
        assertEquals("Cancellation[not cancelled]", c.toString());
        c.cancel();
        c.cancel();
        assertTrue(c.isCancelled());
        c.close();
        c.close();
        c.cancel(); // after close: nothing
        assertEquals("Cancellation[cancelled, closed]", c.toString());
        try (Cancellation d = new Cancellation()) {
            d.close();
            d.cancel();
            assertTrue(d.isCancelled() && d.isClosed());
        }
        // Many threads raising one flag at once.
        try (Cancellation shared = new Cancellation()) {
            CompletableFuture<?>[] all = new CompletableFuture<?>[8];
            for (int i = 0; i < all.length; i++) {
                all[i] = CompletableFuture.runAsync(shared::cancel);
            }
            CompletableFuture.allOf(all).get(5, TimeUnit.SECONDS);
            assertTrue(shared.isCancelled());
        }
    }

    @Test
    void futureCompletingExceptionallyRaisesIt() {
        try (Cancellation onCancel = new Cancellation(); Cancellation onSuccess = new Cancellation();
                Cancellation onTimeout = new Cancellation()) {
            CompletableFuture<String> cancelled = new CompletableFuture<>();
            onCancel.cancelWhen(cancelled);
            assertFalse(onCancel.isCancelled());
            cancelled.cancel(true);
            assertTrue(onCancel.isCancelled());

            CompletableFuture<String> done = new CompletableFuture<>();
            onSuccess.cancelWhen(done);
            done.complete("token");
            assertFalse(onSuccess.isCancelled());

            CompletableFuture<String> failed = new CompletableFuture<>();
            failed.completeExceptionally(new IllegalStateException());
            assertTrue(onTimeout.cancelWhen(failed).isCancelled(), "an already failed future raises it at once");
        }
    }

    @Test
    void forgottenCancellationsAreFreedByTheCleaner() throws Exception {
        for (int i = 0; i < 1000; i++) {
            new Cancellation().cancel();
        }
        System.gc();
        Thread.sleep(100);
        try (Cancellation kept = new Cancellation()) {
            kept.cancel();
            assertTrue(kept.isCancelled());
        }
    }
}
