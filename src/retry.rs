//! Retries for requests that may be repeated: transport failures, timeouts, HTTP 5xx and 429, with
//! capped exponential backoff and full jitter, honouring Retry-After. Never used for an
//! authorization code exchange, which is single-use (RFC 6749 §4.1.2).

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};

/// Which failures a request may be repeated after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryRule {
    /// Never: an authorization code is single-use.
    Never,
    /// Only when the first attempt cannot have been processed: no connection was made, or the
    /// server said 429 or 503. A refresh may rotate the refresh token, so repeating a refresh the
    /// server did process would send a dead token.
    Unprocessed,
    /// After any transient failure: transport, timeout, 5xx, 429.
    Transient,
}

/// How often and how patiently a failed request is repeated. The waits count against the call's
/// deadline: a call never outlives its timeout because of retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 retries, 200 ms base, 10 s cap.
    fn default() -> Self {
        RetryPolicy { max_retries: 3, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(10) }
    }
}

impl RetryPolicy {
    /// Up to `max_retries` more attempts (0 turns retrying off), waiting a random time below
    /// `base_delay` × 2^n, or the server's Retry-After, never more than `max_delay`.
    pub fn new(max_retries: u32, base_delay: Duration, max_delay: Duration) -> Result<RetryPolicy> {
        if max_delay < base_delay {
            return Err(Error::invalid_argument("max_delay must not be less than base_delay"));
        }
        Ok(RetryPolicy { max_retries, base_delay, max_delay })
    }

    /// No retries.
    pub fn disabled() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Whether a failed attempt may be repeated (RetryRule::Transient).
    pub(crate) fn is_retryable(err: &Error) -> bool {
        matches!(err.kind(), ErrorKind::Transport | ErrorKind::Timeout)
            || err.http_status().is_some_and(|s| s == 429 || (500..=599).contains(&s))
    }

    /// Whether the failed attempt cannot have been processed (RetryRule::Unprocessed).
    pub(crate) fn is_unprocessed(err: &Error) -> bool {
        err.not_sent() || matches!(err.http_status(), Some(429) | Some(503))
    }

    /// Whether `rule` allows repeating after `err`.
    pub(crate) fn allows(rule: RetryRule, err: &Error) -> bool {
        match rule {
            RetryRule::Never => false,
            RetryRule::Unprocessed => Self::is_unprocessed(err),
            RetryRule::Transient => Self::is_retryable(err),
        }
    }

    /// The wait before retry number `retry` (0-based) after `err`, or None when no retry is due.
    pub(crate) fn next_wait(&self, retry: u32, rule: RetryRule, err: &Error) -> Option<Duration> {
        (retry < self.max_retries && Self::allows(rule, err)).then(|| self.delay(retry, err))
    }

    /// How long to wait before retry number `retry` (0-based): the server's Retry-After when it
    /// sent one, else a random point below the exponential backoff (full jitter), both capped.
    fn delay(&self, retry: u32, err: &Error) -> Duration {
        if let Some(after) = err.retry_after() {
            return after.min(self.max_delay);
        }
        let ceiling = self.base_delay.saturating_mul(1u32 << retry.min(16)).min(self.max_delay);
        ceiling.mul_f64(random_unit())
    }
}

/// A uniform number in [0, 1) from the OS's CSPRNG (jitter need not be secret, but this is at hand).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if crate::pkce::fill_random(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}
