//! The security-critical pieces on their own, each property asserted so that a one-token change
//! to it fails a test (mutation testing found these unasserted): endpoint credentials, secret
//! redaction in Debug, the C boundary's handling of NULL and negative arguments, retry counts and
//! backoff.

use std::ffi::CStr;
use std::ptr;
use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::ffi::client::tokenkit_client_new;
use crate::ffi::config::{tokenkit_config_free, tokenkit_config_new, tokenkit_config_set_timeout_ms};
use crate::ffi::error::{tokenkit_error_free, tokenkit_error_message};
use crate::ffi::options::{
    tokenkit_source_options_free, tokenkit_source_options_new, tokenkit_source_options_set_skew_ms,
};
use crate::ffi::tokenkit_status;
use crate::retry::{RetryPolicy, RetryRule};
use crate::secret::Secret;
use crate::transport::check_endpoint;

#[test]
fn endpoints_with_any_credentials_are_refused() {
    for url in ["https://user@as.example/t", "https://:pw@as.example/t", "https://user:pw@as.example/t"] {
        let e = check_endpoint(url, "token_endpoint").unwrap_err();
        assert!(e.message().contains("must not contain credentials"), "{url}: {e}");
    }
    assert!(check_endpoint("https://as.example/t", "token_endpoint").is_ok());
}

#[test]
fn a_secret_never_shows_in_debug_output() {
    let shown = format!("{:?}", Secret::new("s3cr3t-value".to_owned()));
    assert!(!shown.contains("s3cr3t") && shown.contains("redacted"), "{shown}");
}

/// The message of a C error, freed.
unsafe fn take_message(err: *mut crate::ffi::error::tokenkit_error) -> String {
    assert!(!err.is_null(), "no error object");
    let text = CStr::from_ptr(tokenkit_error_message(err)).to_string_lossy().into_owned();
    tokenkit_error_free(err);
    text
}

#[test]
fn the_c_boundary_reports_through_err_only_when_given_one() {
    unsafe {
        let mut client = ptr::null_mut();
        // err NULL on a failing call: a status, no crash, nothing written.
        let s = tokenkit_client_new(ptr::null(), &mut client, ptr::null_mut());
        assert_eq!(s, tokenkit_status::TOKENKIT_STATUS_INVALID_ARGUMENT);
        assert!(client.is_null());
        // err given: the error object says what was wrong.
        let mut err = ptr::null_mut();
        let s = tokenkit_client_new(ptr::null(), &mut client, &mut err);
        assert_eq!(s, tokenkit_status::TOKENKIT_STATUS_INVALID_ARGUMENT);
        assert!(take_message(err).contains("config is NULL"));
        // A NULL output is refused, not written through.
        let config = tokenkit_config_new();
        let mut err = ptr::null_mut();
        let s = tokenkit_client_new(config, ptr::null_mut(), &mut err);
        assert_eq!(s, tokenkit_status::TOKENKIT_STATUS_INVALID_ARGUMENT);
        assert!(take_message(err).contains("out is NULL"));
        // Negative milliseconds are refused at the boundary, also where 0 is a valid value.
        let mut err = ptr::null_mut();
        assert_eq!(
            tokenkit_config_set_timeout_ms(config, -1, &mut err),
            tokenkit_status::TOKENKIT_STATUS_INVALID_ARGUMENT
        );
        tokenkit_error_free(err);
        let options = tokenkit_source_options_new();
        let mut err = ptr::null_mut();
        assert_eq!(tokenkit_source_options_set_skew_ms(options, 0, &mut err), tokenkit_status::TOKENKIT_STATUS_OK);
        assert!(err.is_null(), "an error object on success");
        let s = tokenkit_source_options_set_skew_ms(options, -1, &mut err);
        assert_eq!(s, tokenkit_status::TOKENKIT_STATUS_INVALID_ARGUMENT);
        assert!(take_message(err).contains("skew"));
        tokenkit_source_options_free(options);
        tokenkit_config_free(config);
    }
}

fn http_503() -> Error {
    Error::new(ErrorKind::Http, "HTTP 503").with_http_status(503)
}

#[test]
fn retries_stop_at_the_count_and_back_off_with_jitter() {
    let policy = RetryPolicy::new(2, Duration::from_millis(100), Duration::from_secs(10)).unwrap();
    let err = http_503();
    assert!(policy.next_wait(0, RetryRule::Transient, &err).is_some());
    assert!(policy.next_wait(1, RetryRule::Transient, &err).is_some());
    assert!(policy.next_wait(2, RetryRule::Transient, &err).is_none(), "a third retry");
    assert!(policy.next_wait(0, RetryRule::Never, &err).is_none());
    // Retry 3 waits a uniform random time below 100 ms × 2³ = 800 ms: over many draws some are
    // above half of it and some well below all of it.
    let long = RetryPolicy::new(9, Duration::from_millis(100), Duration::from_secs(10)).unwrap();
    let waits: Vec<Duration> = (0..200).map(|_| long.next_wait(3, RetryRule::Transient, &err).unwrap()).collect();
    assert!(waits.iter().all(|w| *w <= Duration::from_millis(800)), "over the ceiling");
    assert!(waits.iter().any(|w| *w > Duration::from_millis(400)), "no exponential growth");
    assert!(waits.iter().any(|w| *w < Duration::from_millis(700)), "no jitter");
    // The server's Retry-After, capped by max_delay.
    let capped = RetryPolicy::new(1, Duration::from_millis(10), Duration::from_secs(2)).unwrap();
    let after = http_503().with_retry_after(Some(Duration::from_secs(30)));
    assert_eq!(capped.next_wait(0, RetryRule::Transient, &after), Some(Duration::from_secs(2)));
}
