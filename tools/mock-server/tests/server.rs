//! The server in-process over real sockets: the library API, HTTPS, and the routes and fault
//! modes added for the Rust tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use mock_server::{Options, Server};
use serde_json::Value;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::Agent;

const DEMO: [(&str, &str); 2] = [
    ("client_id", "demo-client"),
    ("client_secret", "demo-secret"),
];

fn agent(ca_pem: Option<&str>) -> Agent {
    let mut tls = TlsConfig::builder();
    if let Some(pem) = ca_pem {
        let cert = Certificate::from_pem(pem.as_bytes()).unwrap();
        tls = tls.root_certs(RootCerts::new_with_certs(&[cert]));
    }
    Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(tls.build())
        .build()
        .into()
}

struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn post(agent: &Agent, url: &str, form: &[(&str, &str)]) -> Answer {
    let mut resp = agent.post(url).send_form(form.iter().copied()).unwrap();
    Answer {
        status: resp.status().as_u16(),
        location: resp
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string()),
        body: resp.body_mut().read_to_string().unwrap(),
    }
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    DEMO.iter().chain(extra).copied().collect()
}

#[test]
fn token_over_http_and_counts() {
    let server = Server::start(Options::default()).unwrap();
    let url = format!("{}/token", server.url());
    let form = with(&[("grant_type", "authorization_code"), ("code", "code-rs-1")]);
    let a = post(&agent(None), &url, &form);
    assert_eq!(a.status, 200, "{}", a.body);
    let token = a.json();
    assert!(token["access_token"].as_str().unwrap().starts_with("at-"));
    assert_eq!(token["token_type"], "Bearer");
    let again = post(&agent(None), &url, &form);
    assert_eq!(
        (again.status, again.json()["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    assert_eq!(server.hits("/token"), 2);
    assert_eq!(server.requests(), 2);
    let stats = server.stats();
    assert_eq!(stats["token_requests"], 2);
    assert_eq!(stats["by_grant"]["authorization_code"], 2);
    assert_eq!(stats["paths"]["/token"], 2);

    // Over the wire, the historical members come first, in their old order.
    let mut resp = agent(None)
        .get(&format!("{}/stats", server.url()))
        .call()
        .unwrap();
    let text = resp.body_mut().read_to_string().unwrap();
    let order: Vec<usize> = ["token_requests", "by_grant", "device_polls", "revocations"]
        .iter()
        .map(|k| text.find(&format!("\"{k}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert_eq!(server.hits("/stats"), 1);
}

#[test]
fn codes_from_options_and_add_code() {
    let server = Server::start(Options {
        codes: vec!["given".into()],
        ..Options::default()
    })
    .unwrap();
    server.add_code("added");
    let url = format!("{}/token", server.url());
    for code in ["given", "added"] {
        let form = with(&[("grant_type", "authorization_code"), ("code", code)]);
        assert_eq!(post(&agent(None), &url, &form).status, 200, "{code}");
    }
}

#[test]
fn https_with_the_throwaway_ca() {
    let server = Server::start(Options {
        tls: true,
        ..Options::default()
    })
    .unwrap();
    let https = server.https_url().unwrap();
    assert!(https.starts_with("https://127.0.0.1:"));
    let url = format!("{https}/token");
    let form = with(&[("grant_type", "client_credentials")]);

    let untrusted = agent(None).post(&url).send_form(form.iter().copied());
    assert!(
        untrusted.is_err(),
        "a certificate from an unknown CA was accepted"
    );

    let a = post(&agent(server.ca_pem()), &url, &form);
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json()["access_token"]
        .as_str()
        .unwrap()
        .starts_with("tls-"));
    // The issuer follows the listener.
    let mut meta = agent(server.ca_pem())
        .get(&format!("{https}/.well-known/oauth-authorization-server"))
        .call()
        .unwrap();
    let meta: Value = serde_json::from_str(&meta.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(meta["issuer"], https);
    assert_eq!(meta["token_endpoint"], url);
    // localhost is in the certificate too.
    let local = url.replace("127.0.0.1", "localhost");
    assert_eq!(post(&agent(server.ca_pem()), &local, &form).status, 200);
    assert_eq!(server.hits("/token"), 2);
}

#[test]
fn strict_revocation_reports_unknown_tokens_in_a_200() {
    let server = Server::start(Options::default()).unwrap();
    let base = server.url();
    let token = post(
        &agent(None),
        &format!("{base}/token"),
        &with(&[("grant_type", "client_credentials")]),
    )
    .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke = |path: &str, token: &str| {
        let mut form = DEMO.to_vec();
        form.push(("token", token));
        post(&agent(None), &format!("{base}{path}"), &form)
    };
    let first = revoke("/revoke/strict", &token);
    assert_eq!((first.status, first.body.as_str()), (200, ""));
    for again in [
        revoke("/revoke/strict", &token),
        revoke("/revoke/strict", "nope"),
    ] {
        assert_eq!(again.status, 200);
        assert_eq!(again.json()["error"], "invalid_token");
        assert!(again.json()["error_description"].is_string());
    }
    // The plain endpoint stays silent about unknown tokens.
    assert_eq!(revoke("/revoke", "nope").body, "");
    assert_eq!(server.stats()["revocations"], 4);
}

#[test]
fn json_errors_under_other_statuses() {
    let server = Server::start(Options::default()).unwrap();
    let cases = [
        ("404-json", 404, r#"{"error":"Realm does not exist"}"#),
        ("405-json", 405, r#"{"error":"method_not_allowed"}"#),
        ("500-json", 500, r#"{"error":"server_error"}"#),
    ];
    for (mode, status, body) in cases {
        let a = post(
            &agent(None),
            &format!("{}/fault/{mode}", server.url()),
            &DEMO,
        );
        assert_eq!((a.status, a.body.as_str()), (status, body), "{mode}");
    }
}

#[test]
fn echoed_bodies_carry_the_secret() {
    let server = Server::start(Options::default()).unwrap();
    for (mode, status) in [("echo-400", 400), ("echo-500", 500), ("echo-500-json", 500)] {
        let a = post(
            &agent(None),
            &format!("{}/fault/{mode}", server.url()),
            &DEMO,
        );
        assert_eq!(a.status, status, "{mode}");
        assert!(
            a.body.contains("client_secret=demo-secret"),
            "{mode}: {}",
            a.body
        );
    }
    let a = post(
        &agent(None),
        &format!("{}/fault/echo-400", server.url()),
        &DEMO,
    );
    assert_eq!(a.json()["error"], "invalid_request");
    let a = post(
        &agent(None),
        &format!("{}/fault/echo-500-json", server.url()),
        &DEMO,
    );
    assert_eq!(a.json()["error"], "server_error");
}

#[test]
fn redirects_and_their_targets() {
    let server = Server::start(Options::default()).unwrap();
    let base = server.url();
    for status in [301u16, 302, 303, 307, 308] {
        let target = format!("flaky/0/redirect-{status}/token");
        let a = post(
            &agent(None),
            &format!("{base}/fault/redirect/{status}/{target}"),
            &DEMO,
        );
        assert_eq!(a.status, status);
        assert_eq!(a.location, Some(format!("{base}/{target}")));
        assert_eq!(server.hits(&format!("/{target}")), 0);
    }
    let a = post(&agent(None), &format!("{base}/fault/redirect/302"), &DEMO);
    assert_eq!(a.location, Some(format!("{base}/token")));
    let a = post(&agent(None), &format!("{base}/fault/redirect"), &DEMO);
    assert_eq!((a.status, a.location), (307, Some(format!("{base}/token"))));
    let a = post(&agent(None), &format!("{base}/fault/redirect/305"), &DEMO);
    assert_eq!(a.status, 404);
    assert_eq!(server.hits("/token"), 0);
}

#[test]
fn held_refreshes_gather_or_time_out() {
    let server = Server::start(Options::default()).unwrap();
    let base = server.url().to_string();
    let refresh = |path: String| {
        let form = with(&[("grant_type", "client_credentials")]);
        post(&agent(None), &format!("{base}{path}"), &form).status
    };

    // Two arrive: both are released together, long before the 20 s timeout.
    let start = Instant::now();
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(|| refresh("/held/2/20000/pair/token".into()));
        let b = s.spawn(|| refresh("/held/2/20000/pair/token".into()));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!((a, b), (200, 200));
    assert!(start.elapsed() < Duration::from_secs(10));

    // One alone waits out its timeout, then is answered.
    let start = Instant::now();
    assert_eq!(refresh("/held/2/300/alone/token".into()), 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    let held = &server.stats()["held"];
    assert_eq!(
        (held["pair"].as_u64(), held["alone"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn gzip_fault_decodes() {
    let server = Server::start(Options::default()).unwrap();
    let a = post(&agent(None), &format!("{}/fault/gzip", server.url()), &DEMO);
    assert_eq!(a.json()["access_token"], "gz-mock");
}

#[test]
fn drop_is_prompt_with_hanging_clients() {
    let server = Server::start(Options {
        tls: true,
        ..Options::default()
    })
    .unwrap();
    let addr = server.url().trim_start_matches("http://").to_string();
    let mut hung = TcpStream::connect(&addr).unwrap();
    hung.write_all(b"POST /fault/hang HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    let mut idle = TcpStream::connect(&addr).unwrap();
    let held = thread::spawn({
        let url = format!("{}/held/5/60000/drop/token", server.url());
        move || agent(None).post(&url).send_form(DEMO).map(|r| r.status())
    });
    // Let the requests arrive before pulling the plug.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.requests() < 2 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }

    let start = Instant::now();
    drop(server);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    // The held request is let go rather than left waiting its minute (it may or may not get
    // its answer out before its socket is cut).
    let _ = held.join().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let mut buf = [0u8; 16];
    hung.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(matches!(hung.read(&mut buf), Ok(0) | Err(_)));
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(matches!(idle.read(&mut buf), Ok(0) | Err(_)));
    // Nobody listens any more.
    assert!(TcpStream::connect(&addr).is_err());
}
