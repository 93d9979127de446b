//! The long-running flows over real sockets: device flow, token source refreshes, loopback sign-in.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::*;
use tokenkit::{Cancel, Client, DeviceOptions, ErrorKind, SignInOptions, TokenSource};

fn device(behavior: &str, interval: &str) -> DeviceOptions {
    let mut options = DeviceOptions::default();
    options.add_param("mock_behavior", behavior).unwrap();
    options.add_param("mock_interval", interval).unwrap();
    options
}

#[test]
fn device_flow_polls_until_approved() {
    let server = server();
    let client = client(&server, "/token");
    let mut shown = None;
    let token = client
        .device_flow(&device("approve", "1"), &mut |a| {
            shown = Some((a.user_code.clone(), a.verification_uri.clone()));
            Ok(())
        })
        .unwrap();
    assert!(!token.access_token().is_empty());
    let (user_code, uri) = shown.expect("the prompt ran");
    assert!(!user_code.is_empty() && uri.ends_with("/device"));
}

#[test]
fn slow_down_adds_five_seconds_and_denial_stops() {
    let server = server();
    let client = client(&server, "/token");
    let started = Instant::now();
    client.device_flow(&device("slow_down", "1"), &mut |_| Ok(())).unwrap();
    // A poll after 1 s, slow_down, then the next 6 s later (RFC 8628 §3.5).
    assert!(started.elapsed() >= Duration::from_millis(6900), "{:?}", started.elapsed());
    let e = client.device_flow(&device("deny", "1"), &mut |_| Ok(())).unwrap_err();
    assert_eq!(e.oauth_code(), Some("access_denied"));
    let e = client.device_flow(&device("approve", "1"), &mut |_| Err(tokenkit::Error::cancelled("no"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "a prompt that says stop stops the flow");
}

#[test]
fn on_poll_hears_each_pending_poll_and_the_slow_down_and_can_stop_the_flow() {
    let server = server();
    let client = client(&server, "/token");
    let heard = Arc::new(Mutex::new(Vec::new()));
    let mut options = device("slow_down", "1");
    let sink = heard.clone();
    options.set_on_poll(Arc::new(move |outcome: &str, interval: Duration| {
        sink.lock().unwrap().push((outcome.to_owned(), interval));
        true
    }));
    client.device_flow(&options, &mut |_| Ok(())).unwrap();
    let heard = heard.lock().unwrap().clone();
    assert_eq!(heard, vec![("slow_down".to_owned(), Duration::from_secs(6))], "RFC 8628 §3.5: 5 s more");

    let mut options = device("never", "1");
    let polls = Arc::new(Mutex::new(0));
    let count = polls.clone();
    options.set_on_poll(Arc::new(move |outcome: &str, _| {
        assert_eq!(outcome, "authorization_pending");
        let mut polls = count.lock().unwrap();
        *polls += 1;
        *polls < 2
    }));
    let e = client.device_flow(&options, &mut |_| Ok(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert_eq!(*polls.lock().unwrap(), 2, "the flow stopped when on_poll said so");
}

#[test]
fn device_flow_is_cancelled_while_it_waits() {
    let server = server();
    let client = client(&server, "/token");
    let cancel = Arc::new(Cancel::new());
    let mut options = device("never", "1");
    options.set_cancel(cancel.clone());
    let started = Instant::now();
    let trigger = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            cancel.cancel();
        })
    };
    let e = client.device_flow(&options, &mut |_| Ok(())).unwrap_err();
    trigger.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn sixteen_threads_share_one_refresh() {
    let server = server();
    // The fixture holds each refresh for 1 s unless 16 arrive: a second refresh would be answered
    // at once, together with the first, and counted.
    let k = key("single-flight");
    let path = format!("/held/16/1000/{k}/token");
    let client = Arc::new(client(&server, &path));
    let first = common::client(&server, "/token").exchange_code(&code(), &options()).unwrap();
    let saved =
        format!(r#"{{"access_token":"expired","expires_at":1,"refresh_token":"{}"}}"#, first.refresh_token().unwrap());
    let changes = Arc::new(Mutex::new(0));
    let on_change = {
        let changes = changes.clone();
        Box::new(move |_: &tokenkit::Token| *changes.lock().unwrap() += 1)
    };
    let source =
        Arc::new(TokenSource::from_saved_json(client, &saved, Duration::from_secs(60), Some(on_change)).unwrap());
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (source, barrier) = (source.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                source.token().map(|t| t.access_token().to_owned())
            })
        })
        .collect();
    let tokens: Vec<String> =
        threads.into_iter().map(|t| t.join().unwrap().unwrap_or_else(|e| e.to_string())).collect();
    assert!(tokens.windows(2).all(|w| w[0] == w[1]), "all share one token: {tokens:?}");
    assert_eq!(server.hits(&path), 1, "exactly one refresh reached the server");
    assert_eq!(*changes.lock().unwrap(), 1);
}

#[test]
fn a_source_from_a_refresh_token_alone_refreshes_on_first_use() {
    let server = server();
    let client = Arc::new(client(&server, "/token"));
    let first = client.exchange_code(&code(), &options()).unwrap();
    let saved = format!(r#"{{"refresh_token":"{}","access_token":null}}"#, first.refresh_token().unwrap());
    let source = TokenSource::from_saved_json(client.clone(), &saved, Duration::from_secs(60), None).unwrap();
    let token = source.token().unwrap();
    assert_ne!(token.access_token(), first.access_token());
    assert_eq!(token.refresh_token(), first.refresh_token(), "the old refresh token is kept (RFC 6749 §6)");
    let empty = format!(r#"{{"refresh_token":"{}","access_token":""}}"#, first.refresh_token().unwrap());
    TokenSource::from_saved_json(client, &empty, Duration::ZERO, None).unwrap();
}

/// GET `url` without following redirects; the Location header, if any.
fn get(url: &str) -> Option<String> {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).build(),
    );
    let response = agent.get(url).call().ok()?;
    response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Sends raw bytes to the listener and returns the status line of its answer.
fn raw(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or("").to_owned()
}

#[test]
fn sign_in_ignores_forged_redirects_and_idle_connections() {
    let server = server();
    let client: Client = public_client(&server);
    let mut options = SignInOptions::default();
    options.set_timeout(Duration::from_secs(20)).unwrap();
    // The browser thread's own assertions count: it is joined after the sign-in.
    let mut browser = None;
    let token = client
        .sign_in(&options, &mut |url: &str| {
            let url = url.to_owned();
            let redirect_uri = url::Url::parse(&url)
                .unwrap()
                .query_pairs()
                .find(|(n, _)| n == "redirect_uri")
                .map(|(_, v)| v.into_owned())
                .unwrap();
            let port = url::Url::parse(&redirect_uri).unwrap().port().unwrap();
            browser = Some(std::thread::spawn(move || {
                // An idle connection must hold up nobody: the next request is answered long
                // before the idle one's 5 s allowance runs out.
                let _idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let asked = Instant::now();
                let forged = raw(port, "GET /callback?code=evil&state=wrong HTTP/1.1\r\nHost: x\r\n\r\n");
                assert!(forged.contains("400"), "{forged}");
                assert!(
                    asked.elapsed() < Duration::from_millis(2500),
                    "waited {:?} behind an idle connection",
                    asked.elapsed()
                );
                let state =
                    url::Url::parse(&url).unwrap().query_pairs().find(|(n, _)| n == "state").unwrap().1.into_owned();
                let twice = raw(port, &format!("GET /callback?code=a&state={state}&state={state} HTTP/1.1\r\n\r\n"));
                assert!(twice.contains("400"), "repeated parameters are refused: {twice}");
                assert_eq!(raw(port, "GET /favicon.ico HTTP/1.1\r\n\r\n"), "HTTP/1.1 404 Not Found");
                let location = get(&url).expect("the fixture redirects");
                get(&location);
            }));
            Ok(())
        })
        .unwrap();
    assert!(!token.access_token().is_empty());
    browser.take().expect("the browser ran").join().expect("the browser saw what it should");
}

/// The listener's limits, each shown by what a user would see: a full queue of idle connections
/// is dropped after 5 s so the browser still gets through; a request over 16 KiB is dropped, not
/// used; a browser's request of a few KiB, arriving in two pieces, is read whole.
#[test]
fn sign_in_outlasts_idle_connections_and_refuses_oversize_requests() {
    let server = server();
    let client: Client = public_client(&server);
    let mut options = SignInOptions::default();
    options.set_timeout(Duration::from_secs(15)).unwrap();
    // The browser thread's own assertions count: it is joined after the sign-in.
    let mut browser = None;
    let token = client
        .sign_in(&options, &mut |url: &str| {
            let url = url::Url::parse(url).unwrap();
            let query =
                |u: &url::Url, name: &str| u.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into_owned());
            let port = url::Url::parse(&query(&url, "redirect_uri").unwrap()).unwrap().port().unwrap();
            let state = query(&url, "state").unwrap();
            let location = url::Url::parse(&get(url.as_str()).expect("the fixture redirects")).unwrap();
            browser = Some(std::thread::spawn(move || {
                // As many idle connections as the listener reads at once: they fill its queue
                // until they time out.
                // They stay open: the listener must drop them itself.
                let idle: Vec<TcpStream> = (0..32).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
                std::thread::sleep(Duration::from_millis(5500));
                // A connection reset by its peer is dropped, not read again and again.
                let reset = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let linger = libc::linger { l_onoff: 1, l_linger: 0 };
                // SAFETY: setsockopt on a socket this test owns, with a correctly sized linger.
                unsafe {
                    use std::os::unix::io::AsRawFd;
                    libc::setsockopt(
                        reset.as_raw_fd(),
                        libc::SOL_SOCKET,
                        libc::SO_LINGER,
                        (&linger as *const libc::linger).cast(),
                        std::mem::size_of::<libc::linger>() as libc::socklen_t,
                    );
                }
                drop(reset); // closed with linger 0: an RST
                             // Over 16 KiB, with the right state and a code the server does not know: if it were
                             // read, the sign-in would end with invalid_grant. Sent in two parts so the reads
                             // do not fall on 1 KiB boundaries.
                let mut oversize = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let pad = "p".repeat(17 * 1024);
                let request = format!("GET /callback?code=not-issued&state={state} HTTP/1.1\r\nX-Pad: {pad}\r\n\r\n");
                let _ = oversize.write_all(&request.as_bytes()[..100]);
                std::thread::sleep(Duration::from_millis(100));
                let _ = oversize.write_all(&request.as_bytes()[100..]);
                drop(oversize);
                // The browser: ~2 KiB of headers, the request line first and the rest 150 ms later.
                let mut browser = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let path = format!("{}?{}", location.path(), location.query().unwrap_or(""));
                browser.write_all(format!("GET {path} HTTP/1.1\r\n").as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(150));
                let agent = "Mozilla/5.0 ".repeat(160);
                browser.write_all(format!("Host: 127.0.0.1:{port}\r\nUser-Agent: {agent}\r\n\r\n").as_bytes()).unwrap();
                let mut answer = String::new();
                browser.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let _ = browser.read_to_string(&mut answer);
                assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
                drop(idle);
            }));
            Ok(())
        })
        .unwrap();
    assert!(!token.access_token().is_empty());
    browser.take().expect("the browser ran").join().expect("the browser saw what it should");
}

#[test]
fn sign_in_times_out_and_is_cancelled() {
    let server = server();
    let client = public_client(&server);
    let mut options = SignInOptions::default();
    options.set_timeout(Duration::from_millis(300)).unwrap();
    let e = client.sign_in(&options, &mut |_| Ok(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let cancel = Arc::new(Cancel::new());
    cancel.cancel();
    let mut options = SignInOptions::default();
    options.set_cancel(cancel);
    assert_eq!(client.sign_in(&options, &mut |_| Ok(())).unwrap_err().kind(), ErrorKind::Cancelled);
    let mut options = SignInOptions::default();
    options.set_timeout(Duration::from_secs(5)).unwrap();
    let e =
        client.sign_in(&options, &mut |_| Err(tokenkit::Error::cancelled("the browser would not open"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
}

#[test]
fn device_flow_with_pkce_for_servers_that_require_it() {
    let server = server();
    let config = tokenkit::ClientConfig::new(&format!("{}/token", server.url()), "pkce-device-client")
        .unwrap()
        .with_auth_method(tokenkit::AuthMethod::None);
    let client = Client::new(with_endpoints(config, &server)).unwrap();
    let e = client.device_flow(&device("approve", "1"), &mut |_| Ok(())).unwrap_err();
    assert_eq!(e.oauth_code(), Some("invalid_request"));
    assert!(e.message().contains("code_challenge_method"), "{e}");
    let mut options = device("approve", "1");
    options.set_pkce(true);
    // The fixture checks the verifier on every poll against the authorization's challenge.
    let token = client.device_flow(&options, &mut |_| Ok(())).unwrap();
    assert!(!token.access_token().is_empty());
}

#[test]
fn a_source_saves_the_refresh_token_it_was_given() {
    let server = server();
    let client = Arc::new(client(&server, "/token"));
    let token = tokenkit::Token::from_saved_json(r#"{"access_token":"a","expires_at":4102444800}"#).unwrap();
    let source =
        TokenSource::new(client, Some(token), Some(tokenkit::Secret::from("rt-given")), Duration::from_secs(60), None)
            .unwrap();
    let saved = source.to_saved_json();
    let back = tokenkit::Token::from_saved_json(&saved).unwrap();
    assert_eq!((back.access_token(), back.refresh_token()), ("a", Some("rt-given")));
}
