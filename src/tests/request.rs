//! What goes on the wire: form fields in the Works with Nest order, each client authentication
//! method, PKCE, extra parameters, and the checks made before anything is sent.

use crate::{AuthMethod, Client, ClientConfig, ErrorKind, Grant};
use base64::Engine as _;

const URL: &str = "https://api.home.nest.com/oauth2/access_token";

fn client(method: AuthMethod, secret: Option<&str>) -> Client {
    let mut config = ClientConfig::new(URL, "CLIENT_ID").unwrap().with_auth_method(method);
    if let Some(s) = secret {
        config = config.with_client_secret(s);
    }
    Client::new(config).expect("valid config")
}

fn code(code: &str) -> Grant<'_> {
    Grant::AuthorizationCode { code, redirect_uri: None, code_verifier: None }
}

#[test]
fn nest_sample_form_is_byte_for_byte() {
    let c = client(AuthMethod::ClientSecretPost, Some("CLIENT_SECRET"));
    let (body, auth) = c.token_request(&code("AUTH_CODE"), &[]).unwrap();
    assert_eq!(
        body.as_str(),
        "code=AUTH_CODE&client_id=CLIENT_ID&client_secret=CLIENT_SECRET&grant_type=authorization_code"
    );
    assert!(auth.is_none());
}

#[test]
fn values_are_form_encoded() {
    let c = client(AuthMethod::ClientSecretPost, Some("s&=+ é"));
    let (body, _) = c.token_request(&code("a b/c"), &[]).unwrap();
    assert_eq!(
        body.as_str(),
        "code=a+b%2Fc&client_id=CLIENT_ID&client_secret=s%26%3D%2B+%C3%A9&grant_type=authorization_code"
    );
}

#[test]
fn basic_auth_form_encodes_id_and_secret_before_base64() {
    let c = Client::new(
        ClientConfig::new(URL, "id:1")
            .unwrap()
            .with_client_secret("p@ss word/é")
            .with_auth_method(AuthMethod::ClientSecretBasic),
    )
    .unwrap();
    let (body, auth) = c.token_request(&code("C"), &[]).unwrap();
    assert_eq!(body.as_str(), "code=C&grant_type=authorization_code");
    let auth = auth.unwrap();
    let b64 = auth.strip_prefix("Basic ").unwrap();
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    assert_eq!(decoded, "id%3A1:p%40ss+word%2F%C3%A9");
}

#[test]
fn public_client_sends_id_and_no_secret() {
    let c = client(AuthMethod::None, None);
    let (body, auth) = c.token_request(&code("C"), &[]).unwrap();
    assert_eq!(body.as_str(), "code=C&client_id=CLIENT_ID&grant_type=authorization_code");
    assert!(auth.is_none());
}

#[test]
fn authorization_code_with_redirect_uri_and_pkce_verifier() {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let c = client(AuthMethod::None, None);
    let g = Grant::AuthorizationCode {
        code: "C",
        redirect_uri: Some("http://127.0.0.1:8080/cb"),
        code_verifier: Some(verifier),
    };
    let (body, _) = c.token_request(&g, &[]).unwrap();
    assert_eq!(body.as_str(), format!("code=C&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&code_verifier={verifier}&client_id=CLIENT_ID&grant_type=authorization_code"));
}

#[test]
fn bad_pkce_verifiers_are_refused() {
    let c = client(AuthMethod::None, None);
    for v in ["short", &"a".repeat(129), &format!("{}!", "a".repeat(50))] {
        let g = Grant::AuthorizationCode { code: "C", redirect_uri: None, code_verifier: Some(v) };
        let e = c.token_request(&g, &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("code_verifier"));
    }
}

#[test]
fn refresh_and_client_credentials_with_scope() {
    let c = client(AuthMethod::ClientSecretPost, Some("S"));
    let (body, _) =
        c.token_request(&Grant::RefreshToken { refresh_token: "R", scope: Some("read write") }, &[]).unwrap();
    assert_eq!(
        body.as_str(),
        "refresh_token=R&scope=read+write&client_id=CLIENT_ID&client_secret=S&grant_type=refresh_token"
    );
    let (body, _) = c.token_request(&Grant::ClientCredentials { scope: None }, &[]).unwrap();
    assert_eq!(body.as_str(), "client_id=CLIENT_ID&client_secret=S&grant_type=client_credentials");
}

#[test]
fn extra_parameters_come_last() {
    let c = client(AuthMethod::ClientSecretPost, Some("S"));
    let extra = vec![("audience".to_owned(), "https://api".to_owned())];
    let (body, _) = c.token_request(&Grant::ClientCredentials { scope: None }, &extra).unwrap();
    assert!(body.ends_with("&grant_type=client_credentials&audience=https%3A%2F%2Fapi"), "{}", body.as_str());
}

#[test]
fn extra_parameters_may_not_repeat_reserved_ones() {
    let c = client(AuthMethod::ClientSecretPost, Some("S"));
    for name in ["grant_type", "client_secret", "scope"] {
        let e = c
            .token_request(&Grant::ClientCredentials { scope: None }, &[(name.to_owned(), "x".to_owned())])
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains(name));
    }
}

#[test]
fn empty_code_and_refresh_token_are_refused() {
    let c = client(AuthMethod::ClientSecretPost, Some("S"));
    assert!(c.token_request(&code(""), &[]).unwrap_err().message().contains("code"));
    let e = c.token_request(&Grant::RefreshToken { refresh_token: "", scope: None }, &[]).unwrap_err();
    assert!(e.message().contains("refresh_token"));
}

#[test]
fn plain_http_is_refused_except_on_loopback() {
    // Look-alike names go to DNS, so a hostile resolver could send the request anywhere.
    for url in [
        "http://api.home.nest.com/token",
        "http://10.0.0.1/token",
        "http://127.0.0.1.example.com/t",
        "http://localhost./t",
        "http://LOCALHOST./t",
        "http://localhost.example.com/t",
        "http://localhost.attacker.invalid/token",
        "http://localhostx/t",
        "http://mylocalhost/t",
        "http://[::ffff:10.0.0.1]/t",
    ] {
        let e = ClientConfig::new(url, "id").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Insecure, "{url}");
    }
    for url in [
        "http://127.0.0.1:8080/t",
        "http://127.1.2.3/t",
        "http://[::1]:9/t",
        "http://localhost/t",
        "http://LocalHost:1/t",
        "https://example.com/t",
    ] {
        let config = ClientConfig::new(url, "id").unwrap_or_else(|e| panic!("{url}: {e}"));
        Client::new(config.with_auth_method(AuthMethod::None)).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

#[test]
fn malformed_endpoints_are_refused_by_the_setter() {
    for url in ["not a url", "ftp://127.0.0.1/t", "https://e.com/t#frag", "https://u:p@e.com/t"] {
        assert_eq!(ClientConfig::new(url, "id").unwrap_err().kind(), ErrorKind::InvalidArgument, "{url}");
    }
    assert_eq!(ClientConfig::new("https://e.com/t", "").unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn missing_credentials_are_refused_when_the_client_is_made() {
    let cases = [
        ClientConfig::new("https://e.com/t", "id").unwrap(),
        ClientConfig::new("https://e.com/t", "id").unwrap().with_auth_method(AuthMethod::ClientSecretBasic),
        ClientConfig::new("https://e.com/t", "id").unwrap().with_auth_method(AuthMethod::None).with_client_secret("s"),
        ClientConfig::default().with_auth_method(AuthMethod::None),
    ];
    for config in cases {
        let shown = format!("{config:?}");
        assert_eq!(Client::new(config).unwrap_err().kind(), ErrorKind::InvalidArgument, "{shown}");
    }
}

#[test]
fn secrets_never_show_in_debug() {
    let config = ClientConfig::new(URL, "id").unwrap().with_client_secret("TOP-SECRET");
    assert!(!format!("{config:?}").contains("TOP-SECRET"));
    let c = Client::new(config).unwrap();
    assert!(!format!("{c:?}").contains("TOP-SECRET"));
}

#[test]
fn ca_pem_without_certificates_is_refused() {
    let mut config = ClientConfig::new(URL, "id").unwrap();
    assert_eq!(config.add_ca_pem(b"not a pem").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(config.add_ca_file("/nonexistent/ca.pem").unwrap_err().kind(), ErrorKind::InvalidArgument);
}
