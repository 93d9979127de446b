//! The pure parts of the OAuth capabilities: authorization URLs, PKCE, presets, discovery URLs,
//! retry decisions, saved tokens. The network parts are tested through the C ABI (tests/c).

use std::time::Duration;

use crate::discovery::well_known_urls;
use crate::pkce::{constant_time_eq, s256_challenge};
use crate::transport::HttpResponse;
use crate::{AuthMethod, Client, ClientConfig, Endpoint, Error, ErrorKind, RetryPolicy, Token};

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn id_only(id: &str) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.set_client_id(id).unwrap();
    config
}

fn public_client(config: ClientConfig) -> Client {
    Client::new(config.with_auth_method(AuthMethod::None)).unwrap()
}

#[test]
fn rfc7636_appendix_b_challenge() {
    assert_eq!(
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn authorization_url_has_every_parameter_and_a_matching_challenge() {
    let mut config = ClientConfig::new("https://as.example/token", "my app").unwrap();
    config.set_endpoint(Endpoint::Authorization, "https://as.example/authorize?tenant=t1").unwrap();
    let client = public_client(config);
    let extra = vec![("prompt".to_owned(), "consent".to_owned())];
    let req =
        client.build_authorization_request(Some("http://127.0.0.1:5000/callback"), Some("read write"), &extra).unwrap();
    let q = query(&req.url);
    assert!(req.url.starts_with("https://as.example/authorize?tenant=t1&response_type=code&"), "{}", req.url);
    assert_eq!(get(&q, "client_id"), Some("my app"));
    assert_eq!(get(&q, "redirect_uri"), Some("http://127.0.0.1:5000/callback"));
    assert_eq!(get(&q, "scope"), Some("read write"));
    assert_eq!(get(&q, "state"), Some(req.state.as_str()));
    assert_eq!(get(&q, "code_challenge_method"), Some("S256"));
    assert_eq!(get(&q, "code_challenge"), Some(s256_challenge(req.code_verifier.expose()).as_str()));
    assert_eq!(get(&q, "prompt"), Some("consent"));
    let verifier = req.code_verifier.expose();
    assert_eq!(verifier.len(), 43);
    assert!(verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert!(req.state.len() >= 22);
}

#[test]
fn each_authorization_request_is_fresh() {
    let mut config = ClientConfig::new("https://as.example/token", "id").unwrap();
    config.set_endpoint(Endpoint::Authorization, "https://as.example/authorize").unwrap();
    let client = public_client(config);
    let a = client.build_authorization_request(None, None, &[]).unwrap();
    let b = client.build_authorization_request(None, None, &[]).unwrap();
    assert_ne!(a.state, b.state);
    assert_ne!(a.code_verifier.expose(), b.code_verifier.expose());
}

#[test]
fn authorization_request_refuses_reserved_extras_and_missing_endpoint() {
    let client = public_client(ClientConfig::new("https://as.example/token", "id").unwrap());
    assert!(client
        .build_authorization_request(None, None, &[])
        .unwrap_err()
        .message()
        .contains("authorization_endpoint"));
    let mut config = ClientConfig::new("https://as.example/token", "id").unwrap();
    let e = config.set_endpoint(Endpoint::Authorization, "http://as.example/authorize").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Insecure);
    let mut config = ClientConfig::new("https://as.example/token", "id").unwrap();
    config.set_endpoint(Endpoint::Authorization, "https://as.example/authorize").unwrap();
    let e = public_client(config).build_authorization_request(None, None, &[("state".into(), "x".into())]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn nest_preset_builds_the_legacy_authorization_url() {
    let mut config = id_only("CLIENT_ID").with_client_secret("s");
    config.apply_preset("nest", None).unwrap();
    assert_eq!(config.endpoint(Endpoint::Token).unwrap().as_str(), "https://api.home.nest.com/oauth2/access_token");
    let client = Client::new(config).unwrap();
    let req = client.build_authorization_request(None, None, &[]).unwrap();
    assert_eq!(req.url, format!("https://home.nest.com/login/oauth2?client_id=CLIENT_ID&state={}", req.state));
}

#[test]
fn google_nest_preset_needs_a_project_and_sets_offline_consent_and_scope() {
    let mut config = id_only("id").with_client_secret("s");
    assert_eq!(config.apply_preset("google-nest", None).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(config.apply_preset("google-nest", Some("a/../b")).unwrap_err().kind(), ErrorKind::InvalidArgument);
    config.apply_preset("google-nest", Some("proj-123")).unwrap();
    assert_eq!(config.endpoint(Endpoint::Token).unwrap().as_str(), "https://www.googleapis.com/oauth2/v4/token");
    let client = Client::new(config).unwrap();
    let req = client
        .build_authorization_request(Some("https://www.google.com"), None, &[("prompt".into(), "none".into())])
        .unwrap();
    assert!(req.url.starts_with("https://nestservices.google.com/partnerconnections/proj-123/auth?"), "{}", req.url);
    let q = query(&req.url);
    assert_eq!(get(&q, "scope"), Some("https://www.googleapis.com/auth/sdm.service"));
    assert_eq!(get(&q, "access_type"), Some("offline"));
    // The caller's prompt replaces the preset's, and appears once.
    assert_eq!(q.iter().filter(|(n, _)| n == "prompt").count(), 1);
    assert_eq!(get(&q, "prompt"), Some("none"));
}

#[test]
fn unknown_preset_lists_the_known_ones() {
    let e = id_only("id").apply_preset("nope", None).unwrap_err();
    assert!(e.message().contains("nest") && e.message().contains("google-nest"), "{}", e.message());
}

#[test]
fn well_known_urls_follow_rfc8414_and_oidc() {
    let issuer = url::Url::parse("https://as.example/tenant1").unwrap();
    assert_eq!(
        well_known_urls(&issuer),
        [
            "https://as.example/.well-known/oauth-authorization-server/tenant1".to_owned(),
            "https://as.example/tenant1/.well-known/openid-configuration".to_owned()
        ]
    );
    let issuer = url::Url::parse("https://as.example").unwrap();
    assert_eq!(well_known_urls(&issuer)[0], "https://as.example/.well-known/oauth-authorization-server");
}

fn http_error(status: u16, retry_after: Option<u64>) -> Error {
    let mut response = HttpResponse::new(status, Some("text/html"), "oops");
    response.retry_after = retry_after.map(Duration::from_secs);
    match Token::from_response(&response) {
        Err(e) => e,
        Ok(_) => panic!("an error"),
    }
}

#[test]
fn what_is_retried() {
    assert!(RetryPolicy::is_retryable(&http_error(503, None)));
    assert!(RetryPolicy::is_retryable(&http_error(429, Some(1))));
    assert!(RetryPolicy::is_retryable(&Error::new(ErrorKind::Transport, "reset")));
    assert!(RetryPolicy::is_retryable(&Error::new(ErrorKind::Timeout, "slow")));
    assert!(!RetryPolicy::is_retryable(&http_error(400, None)));
    assert!(!RetryPolicy::is_retryable(&Error::new(ErrorKind::Tls, "bad cert")));
    assert!(!RetryPolicy::is_retryable(&Error::new(ErrorKind::Protocol, "bad json")));
}

fn wait(policy: &RetryPolicy, retry: u32, err: &Error) -> Duration {
    policy.next_wait(retry, crate::retry::RetryRule::Transient, err).expect("a retry is due")
}

#[test]
fn backoff_honours_retry_after_and_the_cap() {
    let policy = RetryPolicy::new(5, Duration::from_millis(100), Duration::from_secs(2)).unwrap();
    assert_eq!(wait(&policy, 0, &http_error(429, Some(1))), Duration::from_secs(1));
    assert_eq!(wait(&policy, 0, &http_error(503, Some(3600))), Duration::from_secs(2));
    for retry in 0..10 {
        let d = wait(
            &RetryPolicy::new(20, Duration::from_millis(100), Duration::from_secs(2)).unwrap(),
            retry,
            &http_error(503, None),
        );
        assert!(d <= Duration::from_millis(100 << retry.min(5)).min(Duration::from_secs(2)), "retry {retry}: {d:?}");
    }
}

#[test]
fn saved_token_round_trips_and_knows_when_it_is_stale() {
    let token = Token::from_response(&HttpResponse::new(
        200,
        Some("application/json"),
        r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r","scope":"s"}"#,
    ))
    .unwrap();
    assert!(token.is_fresh(Duration::from_secs(60)));
    assert!(!token.is_fresh(Duration::from_secs(3601)));
    let saved = token.to_saved_json();
    let back = Token::from_saved_json(&saved).unwrap();
    assert_eq!((back.access_token(), back.refresh_token(), back.scope()), ("a", Some("r"), Some("s")));
    assert_eq!(back.expires_at(), token.expires_at());
    assert_eq!(Token::from_saved_json("{}").unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn constant_time_eq_compares_whole_strings() {
    assert!(constant_time_eq("abc", "abc"));
    assert!(!constant_time_eq("abc", "abd"));
    assert!(!constant_time_eq("abc", "ab"));
    // Differences that cancel out under XOR must still differ (the fold ORs them).
    assert!(!constant_time_eq("ab", "ba"));
    assert!(!constant_time_eq("abab", "baba"));
}

#[test]
fn discovery_switches_to_an_auth_method_the_server_supports() {
    use crate::discovery::ProviderMetadata;
    let metadata = |methods: &[&str]| ProviderMetadata {
        issuer: "https://as.example".into(),
        token_endpoint: Some("https://as.example/token".into()),
        token_endpoint_auth_methods_supported: methods.iter().map(|m| m.to_string()).collect(),
        ..ProviderMetadata::default()
    };
    let cases = [
        (AuthMethod::ClientSecretPost, vec!["client_secret_basic"], AuthMethod::ClientSecretBasic),
        (AuthMethod::ClientSecretBasic, vec!["client_secret_post"], AuthMethod::ClientSecretPost),
        (AuthMethod::ClientSecretPost, vec!["client_secret_post", "client_secret_basic"], AuthMethod::ClientSecretPost),
        (AuthMethod::ClientSecretPost, vec![], AuthMethod::ClientSecretPost),
        (AuthMethod::None, vec!["client_secret_basic"], AuthMethod::None),
    ];
    for (start, methods, want) in cases {
        let mut config = id_only("id").with_auth_method(start);
        config.apply_metadata(&metadata(&methods)).unwrap();
        assert_eq!(config.auth_method(), want, "{start:?} with {methods:?}");
        assert_eq!(config.endpoint(Endpoint::Token).unwrap().as_str(), "https://as.example/token");
        assert_eq!(config.issuer(), Some("https://as.example"));
    }
}

#[test]
fn a_refresh_is_repeated_only_when_the_server_cannot_have_processed_it() {
    use crate::retry::RetryRule;
    let refused = Error::new(ErrorKind::Transport, "refused");
    assert!(
        !RetryPolicy::allows(RetryRule::Unprocessed, &refused),
        "a transport error may come after the request was sent"
    );
    assert!(RetryPolicy::allows(RetryRule::Unprocessed, &http_error(503, None)));
    assert!(RetryPolicy::allows(RetryRule::Unprocessed, &http_error(429, Some(1))));
    assert!(!RetryPolicy::allows(RetryRule::Unprocessed, &http_error(500, None)), "a 500 may have rotated the token");
    assert!(!RetryPolicy::allows(RetryRule::Unprocessed, &Error::new(ErrorKind::Timeout, "read")));
    assert!(RetryPolicy::allows(RetryRule::Transient, &http_error(500, None)));
    assert!(!RetryPolicy::allows(RetryRule::Never, &http_error(503, None)));
}

#[test]
fn the_sign_in_redirect_is_judged_by_state_and_issuer() {
    use crate::loopback::{judge_redirect, Expected, Verdict};
    let code_of = |query: &str, expected: &Expected<'_>| match judge_redirect(query, expected) {
        Verdict::NotOurs => Err("not ours".to_owned()),
        Verdict::Done(Ok(code)) => Ok(code.expose().to_owned()),
        Verdict::Done(Err(e)) => Err(format!("{:?}: {}", e.kind(), e.message())),
    };
    let plain = Expected { state: "s1", issuer: None, issuer_required: false };
    assert_eq!(code_of("code=c1&state=s1", &plain), Ok("c1".to_owned()));
    assert_eq!(code_of("code=c1&state=s2", &plain), Err("not ours".to_owned()));
    assert_eq!(code_of("code=c1", &plain), Err("not ours".to_owned()));
    assert_eq!(code_of("code=c1&state=s1&state=s1", &plain), Err("not ours".to_owned()));
    let e = code_of("error=access_denied&error_description=no&state=s1", &plain).unwrap_err();
    assert!(e.starts_with("OAuth:") && e.contains("access_denied"), "{e}");
    assert!(code_of("state=s1", &plain).unwrap_err().contains("neither a code nor an error"));

    // RFC 9207: a known issuer must match the redirect's iss; a promised iss must be there.
    let known = Expected { state: "s1", issuer: Some("https://as.example"), issuer_required: false };
    assert_eq!(code_of("code=c1&state=s1&iss=https%3A%2F%2Fas.example", &known), Ok("c1".to_owned()));
    let e = code_of("code=c1&state=s1&iss=https%3A%2F%2Fevil.example", &known).unwrap_err();
    assert!(e.starts_with("Protocol:") && e.contains("mix-up"), "{e}");
    assert_eq!(code_of("code=c1&state=s1", &known), Ok("c1".to_owned()), "iss is optional unless promised");
    let promised = Expected { state: "s1", issuer: Some("https://as.example"), issuer_required: true };
    assert!(code_of("code=c1&state=s1", &promised).unwrap_err().contains("no iss"));
    assert_eq!(code_of("code=c1&state=s1&iss=https%3A%2F%2Fas.example", &promised), Ok("c1".to_owned()));
}

#[test]
fn retry_policies_say_how_many_retries() {
    use crate::retry::RetryPolicy;
    assert_eq!(RetryPolicy::disabled().max_retries(), 0);
    assert_eq!(RetryPolicy::default().max_retries(), 3);
    let five = RetryPolicy::new(5, std::time::Duration::from_millis(1), std::time::Duration::from_millis(2)).unwrap();
    assert_eq!(five.max_retries(), 5);
}
