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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token store against the mock server: profiles on disk, a client from a profile, one refresh
 * for many callers, the rotated refresh token saved, logout, the profile list, a token source
 * backed by a profile; and the request log and the device flow's poll callback.
 */
class StoreTest {
    private static final Duration SKEW = Duration.ofMinutes(1);

    @TempDir
    Path tmp;

    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    private Store open() {
        return Store.open(tmp.resolve("store"));
    }

    /** A token whose access token lives {@code seconds}: 30 is within the 60 s skew, so stale. */
    private static Token expiringIn(Client client, String seconds) {
        return client.exchangeCode(freshCode(), RequestOptions.builder().param("mock_expires_in", seconds).build());
    }

    private static Config.Builder rotating(String tokenPath) {
        return Config.builder().tokenEndpoint(url(tokenPath)).clientId("rotating-client").clientSecret("rotating-secret");
    }

    @Test
    void aProfileKeepsTheClientSettingsButTheSecretOnlyWhenAsked() throws Exception {
        try (Store store = open()) {
            assertEquals(tmp.resolve("store"), store.dir());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir())));
            Config config = flows("/token").build();
            store.saveProfile("work", config, null, false);
            Path file = store.dir().resolve("work.json");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            String text = Files.readString(file);
            assertFalse(text.contains("demo-secret"), text);
            assertTrue(text.contains("\"tokenkit_profile\":1") && text.contains("\"token\":null"), text);

            // No secret saved: client_secret_post needs the program's; then the client works.
            expect(ErrorKind.INVALID_ARGUMENT, () -> Client.create(store.config("work").build()));
            Config fromProfile = store.config("work").clientSecret("demo-secret").timeout(Duration.ofSeconds(10)).build();
            assertTrue(fromProfile.toString().contains("profile=work"), fromProfile.toString());
            try (Client client = Client.create(fromProfile)) {
                assertTrue(client.exchangeCode(freshCode()).accessToken().startsWith("at-"));
                assertTrue(client.toString().contains("profile=work"), client.toString());
            }

            // With the secret, when asked: nothing to add.
            store.saveProfile("work", config, null, true);
            assertTrue(Files.readString(file).contains("demo-secret"));
            try (Client client = Client.create(store.config("work").build())) {
                assertTrue(client.exchangeCode(freshCode()).accessToken().startsWith("at-"));
            }

            for (String bad : List.of("", "../escape", ".hidden", "a/b", "x".repeat(65))) {
                expect(ErrorKind.INVALID_ARGUMENT, () -> store.config(bad));
                expect(ErrorKind.INVALID_ARGUMENT, () -> store.saveProfile(bad, config, null, false));
            }
            expectInvalid("no profile absent", () -> store.config("absent"));
            expect(ErrorKind.INVALID_ARGUMENT, () -> store.config(null));
            expect(ErrorKind.INVALID_ARGUMENT, () -> store.saveProfile("work", null, null, false));
        }
    }

    @Test
    void anExpiredProfileRefreshesOnceAndSavesTheRotatedRefreshToken() throws Exception {
        String held = unique("java-store-rot");
        Config config = rotating("/held/1/3000/" + held + "/token").build();
        try (Store store = open(); Client minter = Client.create(rotating("/token").build());
                Client client = Client.create(config)) {
            Token initial = expiringIn(minter, "30");
            store.saveProfile("rot", config, initial, false);
            Token fresh = store.token("rot", client, SKEW);
            assertEquals(1, stat(held), "refresh requests");
            assertNotEquals(initial.accessToken(), fresh.accessToken());
            assertNotEquals(initial.refreshToken(), fresh.refreshToken(), "the server rotates");
            assertEquals(fresh.refreshToken(), store.savedToken("rot").orElseThrow().refreshToken(), "saved");
            assertEquals(fresh.accessToken(), store.token("rot", client, SKEW).accessToken(), "fresh: the saved one");
            assertEquals(1, stat(held), "a fresh token refreshed");
            TokenKitException spent = expect(ErrorKind.OAUTH_ERROR, () -> client.refresh(initial.refreshToken().orElseThrow()));
            assertEquals(Optional.of("invalid_grant"), spent.oauthError());

            store.saveProfile("empty", config, null, false);
            expectInvalid("has no token", () -> store.token("empty", client, SKEW));
            expect(ErrorKind.INVALID_ARGUMENT, () -> store.token("rot", client, Duration.ofSeconds(-1)));
            expect(ErrorKind.INVALID_ARGUMENT, () -> store.token("rot", null, SKEW));
        }
    }

    /**
     * The options go with the refresh (a parameter the server reads), and their cancellation ends
     * the wait for the lock another caller holds while its refresh is held at the server.
     */
    @Test
    void theOptionsGoWithTheRefreshAndTheirCancellationEndsTheWait() throws Exception {
        String held = unique("java-store-wait");
        Config holding = demo("/held/2/3000/" + held + "/token").build();
        try (Store store = open(); Client minter = TestServer.demoClient("/token");
                Client client = Client.create(holding)) {
            store.saveProfile("opts", demo("/token").build(), expiringIn(minter, "30"), false);
            Token longer = store.token("opts", minter, SKEW,
                    RequestOptions.builder().param("mock_expires_in", "7200").build());
            assertEquals(java.util.OptionalLong.of(7200), longer.expiresIn());

            store.saveProfile("held", holding, expiringIn(minter, "30"), false);
            try (Cancellation cancelled = new Cancellation()) {
                cancelled.cancel();
                expect(ErrorKind.CANCELLED, () -> store.token("held", client, SKEW,
                        RequestOptions.builder().cancellation(cancelled).build()));
            }
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (Cancellation cancel = new Cancellation()) {
                Future<Token> holder = pool.submit(() -> store.token("held", client, SKEW));
                while (stat(held, 0) < 1) { // the holder's request has not arrived yet
                    Thread.sleep(20);
                }
                long start = System.nanoTime();
                new Thread(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    cancel.cancel();
                }).start();
                expect(ErrorKind.CANCELLED, () -> store.token("held", client, SKEW,
                        RequestOptions.builder().cancellation(cancel).build()));
                double took = (System.nanoTime() - start) / 1e9;
                assertTrue(took < 2, "the wait for the lock ended after " + took + " s");
                assertTrue(holder.get().accessToken().startsWith("at-"));
                assertEquals(1, stat(held), "refresh requests");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Eight threads, each with a store and a client of its own as a process would have: one refresh. */
    @Test
    void concurrentCallersOnAnExpiredProfileRefreshOnce() throws Exception {
        int threads = 8;
        String held = unique("java-store-many");
        try (Store store = open(); Client minter = TestServer.demoClient("/token")) {
            Token initial = expiringIn(minter, "30");
            store.saveProfile("shared", demo("/held/" + threads + "/3000/" + held + "/token").build(), initial, true);
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    results.add(pool.submit(() -> {
                        try (Store own = Store.open(store.dir()); Client client = Client.create(own.config("shared").build())) {
                            start.await();
                            return own.token("shared", client, SKEW).accessToken();
                        }
                    }));
                }
                List<String> tokens = new ArrayList<>();
                for (Future<String> f : results) {
                    tokens.add(f.get());
                }
                assertEquals(1, stat(held), "refresh requests from " + threads + " threads");
                assertTrue(tokens.stream().allMatch(t -> t.equals(tokens.get(0))), tokens.toString());
                assertNotEquals(initial.accessToken(), tokens.get(0));
                Token saved = store.savedToken("shared").orElseThrow();
                assertEquals(tokens.get(0), saved.accessToken());
                assertEquals(initial.refreshToken(), saved.refreshToken(), "the refresh token the server kept stays");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void logoutDeletionAndTheListWithNothingSecret() throws Exception {
        try (Store store = open(); Client client = TestServer.demoClient("/token")) {
            Config config = demo("/token").build();
            Token token = expiringIn(client, "3600");
            store.saveProfile("b", config, token, false);
            store.saveProfile("a", config, null, false);
            List<Store.Profile> profiles = store.profiles();
            assertEquals(List.of("a", "b"), profiles.stream().map(Store.Profile::name).toList());
            Store.Profile a = profiles.get(0);
            Store.Profile b = profiles.get(1);
            assertEquals("demo-client", a.clientId());
            assertEquals(Optional.of(url("/token")), a.tokenEndpoint());
            assertFalse(a.hasToken());
            assertEquals(Optional.empty(), a.expiresAt());
            assertTrue(b.hasToken() && b.hasRefreshToken() && b.problem().isEmpty(), b.toString());
            assertTrue(b.expiresAt().orElseThrow().isAfter(Instant.now().plusSeconds(3000)), b.toString());
            String shown = profiles.toString();
            for (String secret : List.of("demo-secret", token.accessToken(), token.refreshToken().orElseThrow())) {
                assertFalse(shown.contains(secret), shown);
            }

            store.saveToken("a", token);
            expect(ErrorKind.INVALID_ARGUMENT, () -> store.saveToken("absent", token));
            expect(ErrorKind.INVALID_ARGUMENT, () -> store.saveToken("a", null));

            assertEquals(token.accessToken(), store.removeToken("b").orElseThrow().accessToken());
            assertEquals(Optional.empty(), store.savedToken("b"));
            assertEquals(Optional.empty(), store.removeToken("b"));
            store.config("b"); // the client settings stay
            assertTrue(store.deleteProfile("b"));
            assertFalse(store.deleteProfile("b"));
            assertFalse(Files.exists(store.dir().resolve("b.json")));
            expect(ErrorKind.INVALID_ARGUMENT, () -> store.deleteProfile("../x"));
            assertEquals(1, store.profiles().size());

            store.close();
            store.close();
            assertTrue(store.isClosed());
            expectInvalid("store is closed", store::profiles);
        }
    }

    @Test
    void aTokenSourceBackedByAProfile() throws Exception {
        Config config = rotating("/token").build();
        List<Token> changes = new CopyOnWriteArrayList<>();
        try (Client client = Client.create(config)) {
            Token initial = expiringIn(client, "30");
            TokenSource source;
            TokenSource other;
            try (Store store = open()) {
                store.saveProfile("src", config, initial, false);
                source = TokenSource.fromStore(client, store, "src",
                        TokenSourceOptions.builder().onChange(changes::add).build());
                Token token = source.token();
                assertNotEquals(initial.accessToken(), token.accessToken());
                assertEquals(1, changes.size());
                Token saved = store.savedToken("src").orElseThrow();
                assertEquals(token.accessToken(), saved.accessToken());
                assertEquals(token.refreshToken(), saved.refreshToken());
                // Another source (another process) takes up the saved token, without a refresh.
                other = TokenSource.fromStore(client, store, "src", null);
                assertEquals(token.accessToken(), other.accessToken());
                expect(ErrorKind.INVALID_ARGUMENT, () -> TokenSource.fromStore(client, store, "absent", null));
            }
            // The store is closed: the sources keep their own reference.
            try (TokenSource s = source; TokenSource o = other) {
                Token forced = o.refresh();
                try (Store reopened = open()) {
                    assertEquals(forced.refreshToken(), reopened.savedToken("src").orElseThrow().refreshToken());
                    expectInvalid("store is closed", () -> {
                        reopened.close();
                        TokenSource.fromStore(client, reopened, "src", null);
                    });
                }
                assertEquals(1, changes.size(), "the other source's refresh is not this one's change");
            }
        }
    }

    @Test
    void theLogGetsEveryRequestAndNoSecret() {
        List<String> lines = new CopyOnWriteArrayList<>();
        List<Integer> levels = new CopyOnWriteArrayList<>();
        String code = freshCode();
        Config config = demo("/token").log(Config.LOG_HEADERS, (level, line) -> {
            levels.add(level);
            lines.add(line);
        }).build();
        assertSame(config.log(), config.log());
        Token token;
        Token refreshed;
        TokenSource source;
        try (Client client = Client.create(config)) {
            token = client.exchangeCode(code);
            refreshed = client.refresh(token.refreshToken().orElseThrow());
            source = client.tokenSource(null, TokenSourceOptions.builder()
                    .refreshToken(token.refreshToken().orElseThrow()).build());
        }
        // The source logs through the client's log after the client is closed.
        Token sourced;
        try (TokenSource s = source) {
            sourced = s.refresh();
        }
        String text = String.join("\n", lines);
        assertTrue(levels.contains(1) && levels.contains(2), levels.toString());
        assertTrue(text.contains("POST " + url("/token")), text);
        assertTrue(text.contains("[redacted]"), text);
        for (String secret : List.of("demo-secret", code, token.accessToken(), token.refreshToken().orElseThrow(),
                refreshed.accessToken(), sourced.accessToken())) {
            assertFalse(text.contains(secret), secret + " in\n" + text);
        }

        // The default level is requests only.
        levels.clear();
        try (Client client = Client.create(demo("/token").log((level, line) -> levels.add(level)).build())) {
            client.exchangeCode(freshCode());
        }
        assertTrue(!levels.isEmpty() && levels.stream().allMatch(l -> l == Config.LOG_REQUESTS), levels.toString());
        expect(ErrorKind.INVALID_ARGUMENT, () -> Client.create(demo("/token").log(3, (level, line) -> {}).build()));
    }

    @Test
    void whatTheLogThrowsIsThrownByTheCall() {
        boolean[] thrown = {false};
        Config config = demo("/token").log((level, line) -> {
            if (!thrown[0]) {
                thrown[0] = true;
                throw new IllegalStateException("log sink broke");
            }
        }).build();
        try (Client client = Client.create(config)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> client.clientCredentials());
            assertEquals("log sink broke", e.getMessage());
            assertTrue(client.clientCredentials().accessToken().startsWith("at-"), "the next call is fine");
        }
    }

    @Test
    void onPollIsToldOfEachPoll() {
        List<String> outcomes = new CopyOnWriteArrayList<>();
        List<Duration> intervals = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        DeviceOptions.Poll record = (outcome, interval) -> {
            outcomes.add(outcome);
            intervals.add(interval);
            threads.add(Thread.currentThread());
            return true;
        };
        try (Client client = Client.create(Config.builder().tokenEndpoint(url("/token")).clientId("public-client")
                .authMethod(AuthMethod.NONE).deviceAuthorizationEndpoint(url("/device_authorization")).build())) {
            client.deviceFlow(DeviceOptions.builder().param("mock_behavior", "approve").onPrompt(a -> true)
                    .onPoll(record).build());
            assertEquals(List.of("authorization_pending"), outcomes);
            assertEquals(List.of(Duration.ofSeconds(1)), intervals);
            assertEquals(List.of(Thread.currentThread()), threads);

            // By hand: devicePoll tells the options' onPoll.
            outcomes.clear();
            intervals.clear();
            DeviceOptions slow = DeviceOptions.builder().param("mock_behavior", "slow_down").onPoll(record).build();
            try (DeviceAuthorization auth = client.deviceAuthorize(slow)) {
                client.devicePoll(auth, slow);
            }
            assertEquals(List.of("slow_down"), outcomes);
            assertEquals(List.of(Duration.ofSeconds(6)), intervals);

            // false stops the flow; what it throws is the cause.
            TokenKitException stopped = expect(ErrorKind.CANCELLED, () -> client.deviceFlow(DeviceOptions.builder()
                    .param("mock_behavior", "never").onPrompt(a -> true).onPoll((o, i) -> false).build()));
            assertEquals(null, stopped.getCause());
            IllegalStateException why = new IllegalStateException("gave up");
            TokenKitException thrown = expect(ErrorKind.CANCELLED, () -> client.deviceFlow(DeviceOptions.builder()
                    .param("mock_behavior", "never").onPrompt(a -> true).onPoll((o, i) -> {
                        throw why;
                    }).build()));
            assertSame(why, thrown.getCause());
        }
    }
}
