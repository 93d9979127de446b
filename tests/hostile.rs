//! Broken and hostile servers over real sockets: error classes, secrets in echoes, redirects,
//! retries counted by the server, the call deadline, cancellation in flight.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tokenkit::{Cancel, Client, ClientConfig, ErrorKind, RequestOptions, RetryPolicy};

#[test]
fn an_error_member_is_an_oauth_error_only_with_400_401_or_a_token_200() {
    let server = server();
    for (path, kind, status) in [
        ("/fault/404-json", ErrorKind::Http, 404),
        ("/fault/405-json", ErrorKind::Http, 405),
        ("/fault/500-json", ErrorKind::Http, 500),
        ("/fault/error200", ErrorKind::OAuth, 200),
        ("/fault/nest-error", ErrorKind::OAuth, 400),
        ("/fault/500", ErrorKind::Http, 500),
        ("/fault/notjson400", ErrorKind::Http, 400),
        ("/nothing-here", ErrorKind::Http, 404),
    ] {
        let e = client(&server, path).exchange_code(&code(), &options()).unwrap_err();
        assert_eq!((e.kind(), e.http_status()), (kind, Some(status)), "{path}: {e}");
        if kind == ErrorKind::Http {
            assert!(e.oauth().is_none(), "{path}: an HTTP error carries no OAuth fields");
        }
    }
    let e = client(&server, "/fault/404-json").exchange_code(&code(), &options()).unwrap_err();
    assert!(e.message().contains("Realm does not exist"), "the server's error is quoted: {e}");
}

#[test]
fn protocol_breaks_are_protocol_errors() {
    let server = server();
    for path in [
        "/fault/malformed",
        "/fault/not-object",
        "/fault/no-access-token",
        "/fault/nul",
        "/fault/oversize",
        "/fault/oversize-chunked",
    ] {
        let e = client(&server, path).exchange_code(&code(), &options()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{path}: {e}");
    }
    let e = client(&server, "/fault/close").exchange_code(&code(), &options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert!(e.message().contains("127.0.0.1") && e.message().contains("/fault/close"), "names where: {e}");
}

#[test]
fn no_error_shows_the_request_secrets_a_server_echoes() {
    let server = server();
    let canary_code = format!("code-CANARY{}", code());
    for path in ["/fault/echo-400", "/fault/echo-500", "/fault/echo-500-json"] {
        let e = client(&server, path).exchange_code(&canary_code, &options()).unwrap_err();
        let shown = format!("{} {} {:?} {:?}", e.message(), e.body().unwrap_or(""), e.oauth(), e);
        assert!(!shown.contains(SECRET), "{path}: client secret in {shown}");
        assert!(!shown.contains(&canary_code), "{path}: code in {shown}");
        assert!(shown.contains("****"), "{path}: the echo was there to mask: {shown}");
    }
}

/// Every kind of failure, not only the OAuth ones: no error shows the client secret, the code
/// or the refresh token that were sent, whatever the server answered or failed to answer.
#[test]
fn no_failure_of_any_kind_shows_the_request_secrets() {
    let server = server();
    let canary_code = format!("code-CANARY{}", code());
    let canary_refresh = "rt-CANARY-7f3a9c";
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}/token")
    };
    let paths = [
        ("HTTP 5xx", format!("{}/fault/500", server.url())),
        ("4xx without an OAuth error", format!("{}/fault/no-such-mode", server.url())),
        ("malformed JSON", format!("{}/fault/malformed", server.url())),
        ("oversize", format!("{}/fault/oversize", server.url())),
        ("connection closed", format!("{}/fault/close", server.url())),
        ("redirect", format!("{}/fault/redirect", server.url())),
        ("timeout", format!("{}/fault/hang", server.url())),
        ("refused", closed),
    ];
    for (what, url) in paths {
        let mut config = ClientConfig::new(&url, "demo-client").unwrap().with_client_secret(SECRET);
        config.set_timeout(Duration::from_millis(300)).unwrap();
        config.set_retry(RetryPolicy::new(0, Duration::from_millis(10), Duration::from_millis(10)).unwrap());
        let client = Client::new(config).unwrap();
        let failures = [
            client.exchange_code(&canary_code, &options()).unwrap_err(),
            client.refresh(canary_refresh, &options()).unwrap_err(),
            client.client_credentials(&options()).unwrap_err(),
        ];
        for e in failures {
            let shown = format!("{} | {} | {:?} | {e:?} | {e}", e.message(), e.body().unwrap_or(""), e.oauth());
            for canary in [SECRET, canary_code.as_str(), canary_refresh] {
                assert!(!shown.contains(canary), "{what}: {canary:?} in the error: {shown}");
            }
        }
    }
}

#[test]
fn redirects_are_never_followed() {
    let server = server();
    for status in [301, 302, 303, 307, 308] {
        let target = format!("flaky/0/{}/token", key("redirect"));
        let e = client(&server, &format!("/fault/redirect/{status}/{target}"))
            .exchange_code(&code(), &options())
            .unwrap_err();
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::Http, Some(status)));
        assert_eq!(server.hits(&format!("/{target}")), 0, "{status}: the redirect target was reached");
    }
}

fn retrying(server: &Server, path: &str, retries: u32) -> Client {
    let mut config = with_endpoints(config(server, path), server);
    config.set_retry(RetryPolicy::new(retries, Duration::from_millis(10), Duration::from_millis(50)).unwrap());
    Client::new(config).unwrap()
}

#[test]
fn retries_are_counted_by_the_server() {
    let server = server();
    let k = key("cc");
    retrying(&server, &format!("/flaky/2/{k}/token"), 3).client_credentials(&options()).unwrap();
    assert_eq!(server.hits(&format!("/flaky/2/{k}/token")), 3, "two 503s, then success");

    let k = key("code");
    let e = retrying(&server, &format!("/flaky/1/{k}/token"), 3).exchange_code(&code(), &options()).unwrap_err();
    assert_eq!(e.http_status(), Some(503));
    assert_eq!(server.hits(&format!("/flaky/1/{k}/token")), 1, "a code is never sent twice");

    let k = key("refresh");
    let rt = client(&server, "/token").exchange_code(&code(), &options()).unwrap();
    let e = retrying(&server, "/fault/500", 3).refresh(rt.refresh_token().unwrap_or("r"), &options()).unwrap_err();
    assert_eq!(e.http_status(), Some(500));
    assert_eq!(server.hits("/fault/500"), 1, "a 500 may have rotated the refresh token: not repeated");
    retrying(&server, &format!("/flaky/1/{k}/token"), 3).refresh(rt.refresh_token().unwrap_or("r"), &options()).ok();
    assert_eq!(server.hits(&format!("/flaky/1/{k}/token")), 2, "a 503 was not processed: repeated once");
}

#[test]
fn the_timeout_covers_the_whole_call_retries_included() {
    let server = server();
    let mut config = config(&server, "/fault/503");
    config.set_timeout(Duration::from_millis(1500)).unwrap();
    config.set_retry(RetryPolicy::new(5, Duration::from_millis(100), Duration::from_secs(2)).unwrap());
    let started = Instant::now();
    let e = Client::new(config).unwrap().client_credentials(&options()).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(2500), "took {:?}: {e}", started.elapsed());

    let mut config = self::config(&server, "/fault/slow");
    config.set_timeout(Duration::from_millis(1000)).unwrap();
    let started = Instant::now();
    let e = Client::new(config).unwrap().client_credentials(&options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "a dripping server stretched the call: {:?}",
        started.elapsed()
    );
}

/// Calls client credentials at `path` with a 30 s deadline and raises the cancel flag after
/// `delay`; the error and how long the call took.
fn cancelled_after(
    server: &Server,
    path: &str,
    delay: Duration,
) -> (Client, RequestOptions, tokenkit::Error, Duration) {
    let mut config = config(server, path);
    config.set_timeout(Duration::from_secs(30)).unwrap();
    let client = Client::new(config).unwrap();
    let cancel = Arc::new(Cancel::new());
    let mut options = RequestOptions::default();
    options.set_cancel(cancel.clone());
    let trigger = std::thread::spawn(move || {
        std::thread::sleep(delay);
        cancel.cancel();
    });
    let started = Instant::now();
    let e = client.client_credentials(&options).unwrap_err();
    let took = started.elapsed();
    trigger.join().unwrap();
    (client, options, e, took)
}

#[test]
fn a_cancel_interrupts_a_request_in_flight() {
    let server = server();
    let (client, options, e, took) = cancelled_after(&server, "/fault/hang", Duration::from_millis(200));
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(took < Duration::from_millis(800), "the cancel took {took:?}");
    // A raised flag stops the next call before it sends anything.
    let before = server.requests();
    assert_eq!(client.client_credentials(&options).unwrap_err().kind(), ErrorKind::Cancelled);
    assert_eq!(server.requests(), before);
}

#[test]
fn a_cancel_interrupts_a_body_that_drips() {
    let server = server();
    let (_, _, e, took) = cancelled_after(&server, "/fault/slow", Duration::from_millis(1500));
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(took < Duration::from_millis(2300), "the cancel took {took:?}");
}

#[test]
fn localhost_is_reached_without_dns() {
    let server = server();
    let url = server.url().replace("127.0.0.1", "localhost");
    let client = Client::new(
        tokenkit::ClientConfig::new(&format!("{url}/token"), "demo-client").unwrap().with_client_secret(SECRET),
    )
    .unwrap();
    client.exchange_code(&code(), &options()).unwrap();
}
