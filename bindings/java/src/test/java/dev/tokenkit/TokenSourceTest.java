package dev.tokenkit;

import static dev.tokenkit.TestServer.demoClient;
import static dev.tokenkit.TestServer.expectInvalid;
import static dev.tokenkit.TestServer.freshCode;
import static dev.tokenkit.TestServer.stat;
import static dev.tokenkit.TestServer.unique;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TokenSource: one refresh for many threads, onChange, rotation, save and load, callback rules. */
class TokenSourceTest {
    private static final int THREADS = 16;

    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    /** A code exchange whose access token lives {@code seconds}: 30 is within the default 60 s skew. */
    private static Token tokenExpiringIn(Client client, int seconds) {
        return client.exchangeCode(freshCode(),
                RequestOptions.builder().param("mock_expires_in", Integer.toString(seconds)).build());
    }

    private static TokenSourceOptions onChange(Consumer<Token> onChange) {
        return TokenSourceOptions.builder().onChange(onChange).build();
    }

    @Test
    void sixteenThreadsShareOneRefresh() throws Exception {
        List<Token> changes = new CopyOnWriteArrayList<>();
        List<Thread> changeThreads = new CopyOnWriteArrayList<>();
        Thread testThread = Thread.currentThread();
        Token initial;
        TokenSource source;
        // The source refreshes at an endpoint that holds requests until all threads could have
        // arrived (or 2 s): one refresh in flight is one request there, and a broken lock shows as
        // several, whatever the timing.
        String held = unique("java-held");
        try (Client plain = demoClient("/token"); Client client = demoClient("/held/" + THREADS + "/2000/" + held + "/token")) {
            initial = tokenExpiringIn(plain, 30);
            source = client.tokenSource(initial, onChange(token -> {
                changeThreads.add(Thread.currentThread());
                changes.add(token);
            }));
        } // the source keeps its own reference to the native client
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (source) {
            long before = stat("refresh_token");
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return source.accessToken();
                }));
            }
            go.countDown();
            List<String> accessTokens = new ArrayList<>();
            for (Future<String> r : results) {
                accessTokens.add(r.get(60, TimeUnit.SECONDS));
            }
            assertEquals(1, stat("refresh_token") - before, "refresh requests for " + THREADS + " threads");
            assertEquals(1, stat(held), "requests at the holding endpoint for " + THREADS + " threads");
            assertEquals(1, changes.size(), "onChange calls");
            Token refreshed = changes.get(0);
            assertNotEquals(initial.accessToken(), refreshed.accessToken());
            for (String at : accessTokens) {
                assertEquals(refreshed.accessToken(), at, "every thread got the refreshed token");
            }
            // The library calls onChange on the thread that performed the refresh: one of the pool's.
            assertTrue(changeThreads.get(0) != testThread, "onChange ran on the test thread");
            assertTrue(changeThreads.get(0).getName().startsWith("pool-"), changeThreads.get(0).getName());
            // demo-client's refresh answers carry no refresh token: the one in force is kept, and onChange sees it.
            assertEquals(initial.refreshToken(), refreshed.refreshToken());

            // A fresh token is served from the cache: no request.
            long requests = stat("token_requests");
            for (int i = 0; i < 50; i++) {
                assertEquals(refreshed.accessToken(), source.token().accessToken());
            }
            assertEquals(requests, stat("token_requests"), "the cached token made requests");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void freshTokenIsNotRefreshedAndRefreshIsForced() throws Exception {
        try (Client client = demoClient("/token")) {
            Token initial = client.exchangeCode(freshCode());
            try (TokenSource source = client.tokenSource(initial, TokenSourceOptions.builder().skew(Duration.ofSeconds(10)).build())) {
                long before = stat("refresh_token");
                Token same = source.token();
                assertEquals(initial.accessToken(), same.accessToken());
                assertEquals(initial.refreshToken(), same.refreshToken());
                assertEquals(initial.expiresAt(), same.expiresAt());
                assertEquals(initial.scope(), same.scope());
                assertEquals(before, stat("refresh_token"));
                Token forced = source.refresh();
                assertNotEquals(initial.accessToken(), forced.accessToken());
                assertEquals(before + 1, stat("refresh_token"));
                assertEquals(forced.accessToken(), source.accessToken());
            }
        }
    }

    @Test
    void zeroSkewDiffersFromTheDefault() throws Exception {
        // A token with 30 s left: within the default skew (60 s) it is refreshed on first use;
        // with a skew of zero it is used until it expires.
        try (Client client = demoClient("/token")) {
            Token initial = tokenExpiringIn(client, 30);
            try (TokenSource zero = client.tokenSource(initial, TokenSourceOptions.builder().skew(Duration.ZERO).build())) {
                long before = stat("refresh_token");
                assertEquals(initial.accessToken(), zero.accessToken());
                assertEquals(before, stat("refresh_token"));
            }
            try (TokenSource byDefault = client.tokenSource(initial, TokenSourceOptions.builder().build())) {
                long before = stat("refresh_token");
                assertNotEquals(initial.accessToken(), byDefault.accessToken());
                assertEquals(before + 1, stat("refresh_token"));
            }
        }
    }

    @Test
    void rotatedRefreshTokenReachesOnChangeAndTheSavedJson() {
        List<Token> changes = new CopyOnWriteArrayList<>();
        Config config = Config.builder().tokenEndpoint(url("/token")).clientId("rotating-client")
                .clientSecret("rotating-secret").build();
        try (Client client = Client.create(config)) {
            Token initial = client.exchangeCode(freshCode());
            String first = initial.refreshToken().orElseThrow();
            try (TokenSource source = client.tokenSource(initial, onChange(changes::add))) {
                source.refresh();
                source.refresh();
                assertEquals(2, changes.size());
                String rotated = changes.get(1).refreshToken().orElseThrow();
                assertNotEquals(first, rotated);
                assertNotEquals(changes.get(0).refreshToken().orElseThrow(), rotated);
                assertTrue(source.toJson().contains("\"refresh_token\":\"" + rotated + "\""), "saved JSON has the rotated token");
                // The first refresh token was spent by the rotation.
                TokenKitException e = TestServer.expect(ErrorKind.OAUTH_ERROR, () -> client.refresh(first));
                assertEquals(Optional.of("invalid_grant"), e.oauthError());
            }
        }
    }

    @Test
    void savedAndLoaded() throws Exception {
        try (Client client = demoClient("/token")) {
            Token initial = client.exchangeCode(freshCode());
            String json;
            try (TokenSource source = client.tokenSource(initial, null)) {
                json = source.toJson();
            }
            assertEquals(initial.toJson(), json, "one saved format, the library's");
            assertTrue(json.contains("\"refresh_token\":\"" + initial.refreshToken().orElseThrow() + "\""), json);
            assertTrue(json.contains("\"expires_at\":" + initial.expiresAt().orElseThrow().getEpochSecond()), json);
            List<Token> changes = new CopyOnWriteArrayList<>();
            try (TokenSource loaded = TokenSource.load(client, json, onChange(changes::add))) {
                long before = stat("refresh_token");
                assertEquals(initial.accessToken(), loaded.accessToken(), "a fresh saved token is used as it is");
                assertEquals(before, stat("refresh_token"));
                Token forced = loaded.refresh();
                assertEquals(List.of(forced.accessToken()), changes.stream().map(Token::accessToken).toList());
            }
            // From a refresh token alone: the first use refreshes.
            try (TokenSource bare = client.tokenSource(null,
                    TokenSourceOptions.builder().refreshToken(initial.refreshToken().orElseThrow()).build())) {
                long before = stat("refresh_token");
                assertTrue(bare.accessToken().startsWith("at-"));
                assertEquals(before + 1, stat("refresh_token"));
            }
            try (TokenSource onlyRt = TokenSource.load(client, "{\"refresh_token\":\"" + initial.refreshToken().orElseThrow() + "\"}",
                    null)) {
                assertTrue(onlyRt.token().accessToken().startsWith("at-"));
            }
            try (TokenSource nullAt = TokenSource.load(client, "{\"refresh_token\":\"" + initial.refreshToken().orElseThrow()
                    + "\",\"access_token\":null}", null)) {
                assertTrue(nullAt.accessToken().startsWith("at-"));
            }
            // A token read back with Token.fromJson makes the same source.
            try (TokenSource fromSaved = client.tokenSource(Token.fromJson(json), null)) {
                assertEquals(initial.accessToken(), fromSaved.accessToken());
            }
        }
    }

    @Test
    void onChangeThatThrowsFailsTheRefreshingCallOnly() throws Exception {
        IllegalStateException boom = new IllegalStateException("disk full");
        AtomicReference<Token> seen = new AtomicReference<>();
        try (Client client = demoClient("/token");
                TokenSource source = client.tokenSource(client.exchangeCode(freshCode()), onChange(token -> {
                    seen.set(token);
                    throw boom;
                }))) {
            assertSame(boom, assertThrows(IllegalStateException.class, source::refresh));
            // The refresh completed: the new token is in the source, served without a request.
            long before = stat("token_requests");
            assertEquals(seen.get().accessToken(), source.accessToken());
            assertEquals(before, stat("token_requests"));
        }
    }

    @Test
    void onChangeMustNotCallBackIntoItsSource() {
        AtomicReference<TokenSource> self = new AtomicReference<>();
        List<String> savedFromInside = new CopyOnWriteArrayList<>();
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        try (Client client = demoClient("/token")) {
            TokenSource source = client.tokenSource(client.exchangeCode(freshCode()), onChange(token -> {
                savedFromInside.add(self.get().toJson()); // allowed: no refresh lock
                for (Runnable call : List.<Runnable>of(() -> self.get().close(), () -> self.get().accessToken(),
                        () -> self.get().refresh())) {
                    try {
                        call.run();
                    } catch (TokenKitException e) {
                        refused.add(e);
                    }
                }
                self.get().token(); // not caught: reaches the caller of refresh()
            }));
            self.set(source);
            try (source) {
                TokenKitException e = expectInvalid("from inside this token source's onChange", source::refresh);
                assertTrue(e.getMessage().startsWith("token()"), e.getMessage());
                assertEquals(3, refused.size(), refused.toString());
                assertTrue(refused.get(0).getMessage().contains("cannot close from inside a call"), refused.get(0).getMessage());
                assertTrue(refused.get(1).getMessage().startsWith("accessToken() was called from inside"));
                assertTrue(refused.get(2).getMessage().startsWith("refresh() was called from inside"));
                assertEquals(1, savedFromInside.size());
                assertTrue(savedFromInside.get(0).contains("access_token"));
                // Outside onChange all is well.
                assertTrue(source.accessToken().startsWith("at-"));
            }
        }
    }

    @Test
    void closedSourceAndBadArguments() {
        try (Client client = demoClient("/token")) {
            Token token = client.exchangeCode(freshCode());
            TokenSource source = client.tokenSource(token, null);
            source.close();
            source.close();
            assertTrue(source.isClosed());
            expectInvalid("token source is closed", source::token);
            expectInvalid("token source is closed", source::accessToken);
            expectInvalid("token source is closed", source::refresh);
            expectInvalid("token source is closed", source::toJson);
            expectInvalid("a token or a refresh token", () -> client.tokenSource(null, null));
            expectInvalid("a token or a refresh token", () -> client.tokenSource(null, TokenSourceOptions.builder().build()));
            expectInvalid("refresh_token is empty", () -> client.tokenSource(null, TokenSourceOptions.builder().refreshToken("").build()));
            expectInvalid("skew must not be negative",
                    () -> client.tokenSource(token, TokenSourceOptions.builder().skew(Duration.ofSeconds(-1)).build()));
            expectInvalid("json is NULL", () -> TokenSource.load(client, null, null));
            expectInvalid("not a JSON object", () -> TokenSource.load(client, "not json", null));
            expectInvalid("client is null", () -> TokenSource.load(null, "{}", null));
        }
        // An expired token and no refresh token: nothing to refresh with.
        try (Client client = Client.create(TestServer.demo("/token").build())) {
            Token noRefresh = client.clientCredentials(RequestOptions.builder().param("mock_expires_in", "1").build());
            try (TokenSource source = client.tokenSource(noRefresh, null)) {
                expectInvalid("no refresh token", source::token);
            }
        }
    }

    @Test
    void forgottenSourcesAreFreedByTheCleaner() throws Exception {
        try (Client client = demoClient("/token")) {
            Token token = client.exchangeCode(freshCode());
            for (int i = 0; i < 200; i++) {
                client.tokenSource(token, onChange(t -> {}));
            }
            System.gc();
            Thread.sleep(200);
            try (TokenSource kept = client.tokenSource(token, onChange(t -> {}))) {
                assertTrue(kept.refresh().accessToken().startsWith("at-"));
            }
        }
    }
}
