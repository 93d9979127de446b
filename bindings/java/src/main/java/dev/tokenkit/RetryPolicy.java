package dev.tokenkit;

import java.time.Duration;

/**
 * How a client retries refresh, client credentials, device polling, revocation, introspection and
 * discovery (never a code exchange, as a code is single-use): up to {@code maxRetries} more
 * attempts after transport failures, timeouts, HTTP 5xx and 429, each after a random wait below
 * {@code baseDelay} × 2^n, or the server's Retry-After, capped at {@code maxDelay}. The library
 * does the retrying; this only carries the numbers (millisecond precision).
 *
 * <p>The library's default, when {@link Config.Builder#retry} is not called, is
 * {@link #DEFAULT}: 3 retries, 200 ms base, 10 s cap.
 *
 * @param maxRetries retries after the first attempt; 0 turns retrying off
 * @param baseDelay the first backoff, doubled by each retry; zero or more
 * @param maxDelay the cap on one wait, Retry-After included; not less than {@code baseDelay}
 */
public record RetryPolicy(int maxRetries, Duration baseDelay, Duration maxDelay) {
    /** The library's default: 3 retries, 200 ms base, 10 s cap. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(10));

    /** No retries: every failure comes straight back. */
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

    /**
     * Throws INVALID_ARGUMENT for a null delay, which the C ABI cannot carry; the library checks
     * the numbers (none negative, {@code maxDelay} not below {@code baseDelay}) when a client is
     * made with the policy.
     */
    public RetryPolicy {
        if (baseDelay == null) {
            throw TokenKitException.invalidArgument("base_delay is null");
        }
        if (maxDelay == null) {
            throw TokenKitException.invalidArgument("max_delay is null");
        }
    }
}
