package dev.tokenkit;

import static dev.tokenkit.TestServer.demoClient;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One client shared by 16 threads, as the C client allows. */
class ConcurrencyTest {
    private static final int THREADS = 16;
    private static final int PER_THREAD = 100;

    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    @Test
    void sixteenThreadsShareOneClient() throws Exception {
        Set<String> accessTokens = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        RequestOptions read = RequestOptions.builder().scope("read").build(); // one options object for every thread
        try (Client client = demoClient("/token")) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (int i = 0; i < PER_THREAD; i++) {
                        Token token = client.clientCredentials(read);
                        if (token.accessToken().startsWith("at-") && accessTokens.add(token.accessToken())) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> r : results) {
                total += r.get(120, TimeUnit.SECONDS);
            }
            assertEquals(THREADS * PER_THREAD, total, "requests that returned a new access token");
        } finally {
            pool.shutdownNow();
        }
    }
}
