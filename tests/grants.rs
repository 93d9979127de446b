//! Every endpoint against the fixture over real sockets: grants, client authentication methods,
//! revocation, introspection, discovery, saved tokens.

mod common;

use common::*;
use tokenkit::{AuthMethod, Client, ClientConfig, ErrorKind, RequestOptions, RevocationStyle, Token};

#[test]
fn the_nest_sample_exchanges_a_code_once() {
    let server = server();
    let client = client(&server, "/token");
    let code = code();
    let token = client.exchange_code(&code, &options()).unwrap();
    assert!(!token.access_token().is_empty());
    assert_eq!(token.token_type(), "Bearer");
    assert!(token.expires_in().is_some_and(|s| s > 0));
    let again = client.exchange_code(&code, &options()).unwrap_err();
    assert_eq!((again.kind(), again.oauth_code()), (ErrorKind::OAuth, Some("invalid_grant")));
    assert_eq!(server.hits("/token"), 2, "a code exchange is never repeated");
}

#[test]
fn each_client_authentication_method_is_accepted() {
    let server = server();
    let url = format!("{}/token", server.url());
    let basic = ClientConfig::new(&url, "basic-client")
        .unwrap()
        .with_client_secret(BASIC_SECRET)
        .with_auth_method(AuthMethod::ClientSecretBasic);
    Client::new(basic).unwrap().exchange_code(&code(), &options()).unwrap();
    public_client(&server).exchange_code(&code(), &options()).unwrap();
    let wrong = ClientConfig::new(&url, "demo-client").unwrap().with_client_secret("wrong-secret");
    let e = Client::new(wrong).unwrap().exchange_code(&code(), &options()).unwrap_err();
    assert_eq!(e.oauth_code(), Some("invalid_client"));
    assert!(!e.message().contains("wrong-secret") && !e.body().unwrap_or("").contains("wrong-secret"));
}

#[test]
fn refresh_rotates_and_client_credentials_carries_scope() {
    let server = server();
    let url = format!("{}/token", server.url());
    let rotating =
        Client::new(ClientConfig::new(&url, "rotating-client").unwrap().with_client_secret("rotating-secret")).unwrap();
    let first = rotating.exchange_code(&code(), &options()).unwrap();
    let old = first.refresh_token().expect("a refresh token").to_owned();
    let second = rotating.refresh(&old, &options()).unwrap();
    assert_ne!(second.refresh_token(), Some(old.as_str()), "the fixture rotates");
    let reused = rotating.refresh(&old, &options()).unwrap_err();
    assert_eq!(reused.oauth_code(), Some("invalid_grant"));

    let mut scoped = RequestOptions::default();
    scoped.set_scope("read write");
    let token = client(&server, "/token").client_credentials(&scoped).unwrap();
    assert_eq!(token.scope(), Some("read write"));
}

#[test]
fn options_that_do_not_apply_are_refused_before_anything_is_sent() {
    let server = server();
    let client = client(&server, "/token");
    let mut scoped = RequestOptions::default();
    scoped.set_scope("read");
    let e = client.exchange_code(&code(), &scoped).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("scope"), "{}", e.message());
    let mut bad = RequestOptions::default();
    bad.add_param("client_secret", "x").unwrap();
    assert_eq!(client.exchange_code(&code(), &bad).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(client.exchange_code("", &options()).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(server.requests(), 0, "bad arguments spend nothing");
}

#[test]
fn revocation_and_introspection() {
    let server = server();
    let client = client(&server, "/token");
    let token = client.client_credentials(&options()).unwrap();
    let mut hint = RequestOptions::default();
    hint.set_token_type_hint("access_token").unwrap();
    let info = client.introspect(token.access_token(), &hint).unwrap();
    assert!(info.active);
    assert_eq!(info.client_id.as_deref(), Some("demo-client"));
    client.revoke(token.access_token(), &hint).unwrap();
    assert!(!client.introspect(token.access_token(), &options()).unwrap().active);
}

#[test]
fn revocation_of_an_unknown_token_is_success_even_with_an_error_body() {
    // RFC 7009 §2.2: the client ignores the body of a 200; some servers put invalid_token there.
    let server = server();
    let mut config = config(&server, "/token");
    config.set_endpoint(tokenkit::Endpoint::Revocation, &format!("{}/revoke/strict", server.url())).unwrap();
    Client::new(config).unwrap().revoke("no-such-token", &options()).unwrap();
    assert_eq!(server.hits("/revoke/strict"), 1);
}

#[test]
fn nest_delete_revocation_keeps_the_token_in_one_path_segment() {
    let server = server();
    let mut config = config(&server, "/token");
    config.set_endpoint(tokenkit::Endpoint::Revocation, &format!("{}/oauth2/access_tokens", server.url())).unwrap();
    config.set_revocation_style(RevocationStyle::NestDelete);
    let client = Client::new(config).unwrap();
    // Dots alone are path steps to URL normalisers, even percent-encoded: refused before sending.
    for token in ["..", "."] {
        assert_eq!(client.revoke(token, &options()).unwrap_err().kind(), ErrorKind::InvalidArgument, "{token}");
    }
    for token in ["a/b", "a?b#c", "%2e%2e", "../x"] {
        let e = client.revoke(token, &options()).unwrap_err();
        assert_eq!(
            (e.kind(), e.http_status()),
            (ErrorKind::Http, Some(404)),
            "{token}: the fixture knows no such token"
        );
    }
    assert_eq!(server.hits("/oauth2/access_tokens"), 0, "no token may turn into a DELETE of the collection");
    assert_eq!(server.hits("/oauth2/access_tokens/<redacted>"), 4);
    assert_eq!(client.revoke("", &options()).unwrap_err().kind(), ErrorKind::InvalidArgument);
    let real = Client::new(self::config(&server, "/token")).unwrap().exchange_code(&code(), &options()).unwrap();
    client.revoke(real.access_token(), &options()).unwrap();
}

#[test]
fn discovery_takes_the_endpoints_of_exactly_the_issuer_asked_for() {
    let server = server();
    let mut config = ClientConfig::default();
    config.set_client_id("demo-client").unwrap();
    config.set_client_secret(Some(SECRET));
    let metadata = config.discover(server.url(), &options()).unwrap();
    assert_eq!(metadata.issuer, server.url());
    let client = Client::new(config).unwrap();
    client.exchange_code(&code(), &options()).unwrap();
    client.introspect("x", &options()).unwrap();

    let mut evil = ClientConfig::default();
    let e = evil.discover(&format!("{}/evil", server.url()), &options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(evil.endpoint(tokenkit::Endpoint::Token).is_none(), "a failed discovery changes nothing");
}

#[test]
fn saved_tokens_round_trip_and_load_what_is_documented() {
    let server = server();
    let token = client(&server, "/token").exchange_code(&code(), &options()).unwrap();
    let saved = token.to_saved_json();
    let back = Token::from_saved_json(&saved).unwrap();
    assert_eq!((back.access_token(), back.expires_at()), (token.access_token(), token.expires_at()));
    let loaded = Token::from_saved_json(r#"{"access_token":"a","expires_at":"1700000000"}"#).unwrap();
    assert_eq!(loaded.expires_at(), Some(1_700_000_000));
    for bad in ["[]", "{}", r#"{"access_token":""}"#, "not json", r#"{"access_token":5}"#] {
        assert_eq!(Token::from_saved_json(bad).unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad}");
    }
}

#[test]
fn tolerant_of_real_servers_answers() {
    let server = server();
    for (path, check) in [
        ("/fault/form", "form"),
        ("/fault/textplain", "text"),
        ("/fault/string-expires", "string expires_in"),
        ("/fault/null-expires", "null expires_in"),
        ("/fault/created", "201"),
        ("/fault/nest", "no token_type"),
        ("/fault/gzip", "gzip"),
        ("/fault/extra-fields", "extra fields"),
    ] {
        let token = client(&server, path).exchange_code(&code(), &options()).unwrap_or_else(|e| panic!("{check}: {e}"));
        assert!(!token.access_token().is_empty(), "{check}");
    }
}

#[test]
fn https_with_an_extra_ca_and_refused_without_it() {
    let server = Server::start(Options { tls: true, ..Options::default() }).unwrap();
    let url = format!("{}/token", server.https_url().unwrap());
    let mut config = ClientConfig::new(&url, "demo-client").unwrap().with_client_secret(SECRET);
    let untrusted = Client::new(config.clone()).unwrap().exchange_code(&code(), &options()).unwrap_err();
    assert_eq!(untrusted.kind(), ErrorKind::Tls, "{untrusted}");
    config.add_ca_pem(server.ca_pem().unwrap().as_bytes()).unwrap();
    let token = Client::new(config).unwrap().exchange_code(&code(), &options()).unwrap();
    assert!(token.access_token().starts_with("tls-"));
}
