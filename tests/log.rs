//! The request log (`ClientConfig::set_logger`, the CLI's -v) over real sockets: what each level
//! shows, the retry decisions, and no secret in any line.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use tokenkit::{Client, ClientConfig, LOG_HEADERS, LOG_REQUESTS};

/// The lines a logger received, with their levels.
type Lines = Arc<Mutex<Vec<(u8, String)>>>;

/// A config whose log lines (up to `level`) are collected.
fn logged(mut config: ClientConfig, level: u8) -> (ClientConfig, Lines) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    config.set_logger(level, Arc::new(move |level, line: &str| sink.lock().unwrap().push((level, line.to_owned()))));
    (config, lines)
}

fn text(lines: &Mutex<Vec<(u8, String)>>) -> String {
    lines.lock().unwrap().iter().map(|(l, s)| format!("{l} {s}\n")).collect()
}

#[test]
fn level_one_shows_each_request_and_level_two_its_redacted_headers_and_form() {
    let server = server();
    let url = format!("{}/token", server.url());
    let code = code();
    let (first_config, lines) = logged(config(&server, "/token"), LOG_REQUESTS);
    let token = Client::new(first_config).unwrap().exchange_code(&code, &options()).unwrap();
    let shown = text(&lines);
    assert!(shown.starts_with(&format!("1 POST {url} -> 200 (")), "{shown}");
    assert_eq!(shown.lines().count(), 1, "{shown}");

    let (logged_config, lines) = logged(config(&server, "/token"), LOG_HEADERS);
    let refresh_token = token.refresh_token().unwrap();
    let mut options = with_param("audience", "Audience-Canary-71");
    options.set_scope("read");
    let fresh = Client::new(logged_config).unwrap().refresh(refresh_token, &options).unwrap();
    let shown = text(&lines);
    assert!(shown.contains(&format!("2 > POST {url}\n")), "{shown}");
    assert!(shown.contains("2 > Content-Type: application/x-www-form-urlencoded\n"), "{shown}");
    assert!(shown.contains("refresh_token=[redacted]") && shown.contains("client_secret=[redacted]"), "{shown}");
    assert!(shown.contains("client_id=demo-client") && shown.contains("scope=read"), "{shown}");
    assert!(shown.contains("audience=[redacted]"), "an extra parameter's value is hidden: {shown}");
    assert!(shown.contains("2 < Content-Type: application/json"), "{shown}");
    for secret in [SECRET, refresh_token, fresh.access_token(), "Audience-Canary-71", &code] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[test]
fn basic_credentials_show_their_scheme_only() {
    let server = server();
    let config = ClientConfig::new(&format!("{}/token", server.url()), "basic-client")
        .unwrap()
        .with_client_secret(BASIC_SECRET)
        .with_auth_method(tokenkit::AuthMethod::ClientSecretBasic);
    let (config, lines) = logged(config, LOG_HEADERS);
    Client::new(config).unwrap().client_credentials(&options()).unwrap();
    let shown = text(&lines);
    assert!(shown.contains("2 > Authorization: Basic [redacted]\n"), "{shown}");
    assert!(!shown.contains("YmFzaWMt"), "the base64 of the credentials: {shown}");
}

#[test]
fn retries_and_failures_are_logged_with_their_reason() {
    let server = server();
    let path = format!("/flaky/2/{}/token", key("log"));
    let (flaky, lines) = logged(config(&server, &path), LOG_REQUESTS);
    Client::new(flaky).unwrap().client_credentials(&options()).unwrap();
    let shown = text(&lines);
    assert_eq!(shown.matches(" -> 503 (").count(), 2, "{shown}");
    assert_eq!(shown.matches("retrying in ").count(), 2, "{shown}");
    assert!(shown.contains("(retry 1 of 3)") && shown.contains("(retry 2 of 3)"), "{shown}");
    assert!(shown.trim_end().ends_with(')') && shown.lines().last().unwrap().contains(" -> 200 ("), "{shown}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = ClientConfig::new(&format!("http://127.0.0.1:{closed}/token"), "demo-client")
        .unwrap()
        .with_client_secret(SECRET);
    config.set_retry(
        tokenkit::RetryPolicy::new(1, std::time::Duration::from_millis(1), std::time::Duration::from_millis(2))
            .unwrap(),
    );
    let (config, lines) = logged(config, LOG_REQUESTS);
    let err = Client::new(config).unwrap().client_credentials(&options()).unwrap_err();
    let shown = text(&lines);
    assert_eq!(shown.matches(&format!("POST http://127.0.0.1:{closed}/token failed after ")).count(), 2, "{shown}");
    assert!(shown.contains(&format!("127.0.0.1:{closed}/token")), "the failure names host and port: {shown}");
    assert!(shown.contains("not retrying: 1 retries made, none left"), "{shown}");
    assert!(err.to_string().contains(&format!("127.0.0.1:{closed}")), "{err}");
}

#[test]
fn a_token_in_the_url_path_is_hidden() {
    let server = server();
    let mut config = config(&server, "/token");
    config.set_endpoint(tokenkit::Endpoint::Revocation, &format!("{}/oauth2/access_tokens", server.url())).unwrap();
    config.set_revocation_style(tokenkit::RevocationStyle::NestDelete);
    let (config, lines) = logged(config, LOG_HEADERS);
    let client = Client::new(config).unwrap();
    let token = client.exchange_code(&code(), &options()).unwrap();
    client.revoke(token.access_token(), &options()).unwrap();
    let shown = text(&lines);
    assert!(shown.contains(&format!("DELETE {}/oauth2/access_tokens/[redacted] -> 204", server.url())), "{shown}");
    assert!(!shown.contains(token.access_token()), "{shown}");
}
