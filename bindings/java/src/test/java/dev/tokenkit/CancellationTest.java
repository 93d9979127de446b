package dev.tokenkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Cancellation on its own: idempotent, safe after close, linked to a future. */
class CancellationTest {
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
