//! Token and error responses as real servers send them (RFC 6749 §5.1, §5.2), one test per
//! tolerance, per error shape and per kind of breakage.

use crate::transport::HttpResponse;
use crate::{ErrorKind, Token};

fn response(status: u16, content_type: Option<&str>, body: &str) -> HttpResponse {
    HttpResponse::new(status, content_type, body.as_bytes())
}

fn json(status: u16, body: &str) -> HttpResponse {
    response(status, Some("application/json; charset=utf-8"), body)
}

fn ok(r: HttpResponse) -> Token {
    Token::from_response(&r).expect("a token")
}

fn err(r: HttpResponse) -> crate::Error {
    Token::from_response(&r).expect_err("an error")
}

#[test]
fn nest_sample_response_without_token_type_means_bearer() {
    let t = ok(json(200, r#"{"access_token": "c.twC2q", "expires_in": 315360000}"#));
    assert_eq!(t.access_token(), "c.twC2q");
    assert_eq!(t.token_type(), "Bearer");
    assert_eq!(t.expires_in(), Some(315360000));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let at = t.expires_at().unwrap();
    assert!((now + 315360000 - 2..=now + 315360000 + 2).contains(&at), "expires_at {at}");
    assert_eq!(t.refresh_token(), None);
}

#[test]
fn all_standard_fields_are_read_and_raw_json_keeps_everything() {
    let t = ok(json(
        200,
        r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r","scope":"x y","id_token":"i","custom":{"n":[1,2]}}"#,
    ));
    assert_eq!((t.refresh_token(), t.scope(), t.id_token()), (Some("r"), Some("x y"), Some("i")));
    let raw: serde_json::Value = serde_json::from_str(t.raw_json()).unwrap();
    assert_eq!(raw["custom"]["n"][1], 2);
    assert_eq!(raw["access_token"], "a");
}

#[test]
fn expires_in_as_string_azure() {
    assert_eq!(ok(json(200, r#"{"access_token":"a","expires_in":"3599"}"#)).expires_in(), Some(3599));
}

#[test]
fn expires_in_null_or_absent_or_empty_string_means_unknown() {
    for body in [
        r#"{"access_token":"a","expires_in":null}"#,
        r#"{"access_token":"a"}"#,
        r#"{"access_token":"a","expires_in":""}"#,
    ] {
        let t = ok(json(200, body));
        assert_eq!((t.expires_in(), t.expires_at()), (None, None), "{body}");
    }
}

#[test]
fn expires_in_as_float_is_truncated() {
    assert_eq!(ok(json(200, r#"{"access_token":"a","expires_in":59.9}"#)).expires_in(), Some(59));
}

#[test]
fn expires_in_garbage_is_a_protocol_error() {
    let e = err(json(200, r#"{"access_token":"a","expires_in":"soon"}"#));
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.message().contains("expires_in"));
}

#[test]
fn token_type_any_case_of_bearer_is_normalised() {
    for tt in ["bearer", "BEARER", "Bearer"] {
        assert_eq!(ok(json(200, &format!(r#"{{"access_token":"a","token_type":"{tt}"}}"#))).token_type(), "Bearer");
    }
    assert_eq!(ok(json(200, r#"{"access_token":"a","token_type":"DPoP"}"#)).token_type(), "DPoP");
}

#[test]
fn http_201_is_success() {
    assert_eq!(ok(json(201, r#"{"access_token":"a"}"#)).access_token(), "a");
}

#[test]
fn form_encoded_body_github() {
    let t = ok(response(
        200,
        Some("application/x-www-form-urlencoded"),
        "access_token=gho_x&scope=repo%2Cgist&token_type=bearer",
    ));
    assert_eq!((t.access_token(), t.scope(), t.token_type()), ("gho_x", Some("repo,gist"), "Bearer"));
    let raw: serde_json::Value = serde_json::from_str(t.raw_json()).unwrap();
    assert_eq!(raw["scope"], "repo,gist");
}

#[test]
fn text_plain_form_body() {
    assert_eq!(
        ok(response(200, Some("text/plain; charset=utf-8"), "access_token=t&token_type=bearer\n")).access_token(),
        "t"
    );
}

#[test]
fn json_body_with_wrong_content_type_is_still_json() {
    assert_eq!(ok(response(200, Some("text/html"), r#" {"access_token":"a"}"#)).access_token(), "a");
    assert_eq!(ok(response(200, None, r#"{"access_token":"a"}"#)).access_token(), "a");
}

#[test]
fn oauth_error_with_all_fields() {
    let e = err(json(400, r#"{"error":"invalid_grant","error_description":"code expired","error_uri":"https://e/x"}"#));
    assert_eq!(e.kind(), ErrorKind::OAuth);
    assert_eq!(e.http_status(), Some(400));
    let o = e.oauth().unwrap();
    assert_eq!(
        (o.error.as_str(), o.error_description.as_deref(), o.error_uri.as_deref()),
        ("invalid_grant", Some("code expired"), Some("https://e/x"))
    );
    assert!(e.message().contains("invalid_grant") && e.message().contains("code expired"));
    assert!(e.body().unwrap().contains("code expired"));
}

#[test]
fn oauth_error_message_escapes_control_characters() {
    let e = err(json(400, r#"{"error":"invalid_grant","error_description":"bad\u001b[2J\r\nforged: line\u009b"}"#));
    let m = e.message();
    assert!(!m.chars().any(char::is_control), "control character in {m:?}");
    assert!(m.contains(r"bad\u{1b}[2J\r\nforged: line\u{9b}"), "{m}");
    // The fields themselves keep the server's text as sent.
    assert_eq!(e.oauth().unwrap().error_description.as_deref(), Some("bad\u{1b}[2J\r\nforged: line\u{9b}"));
}

#[test]
fn oauth_error_with_http_200() {
    let e = err(json(200, r#"{"error":"invalid_grant"}"#));
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::OAuth, Some(200)));
}

#[test]
fn oauth_error_in_a_form_body() {
    let e = err(response(
        200,
        Some("application/x-www-form-urlencoded"),
        "error=bad_verification_code&error_description=The+code+is+wrong",
    ));
    assert_eq!(e.oauth().unwrap().error, "bad_verification_code");
    assert_eq!(e.oauth().unwrap().error_description.as_deref(), Some("The code is wrong"));
}

#[test]
fn nest_non_standard_error_code_is_kept() {
    let e = err(json(
        400,
        r#"{"error":"oauth2_error","error_description":"authorization code not found","instance_id":"a1"}"#,
    ));
    assert_eq!(e.oauth().unwrap().error, "oauth2_error");
}

#[test]
fn unauthorized_401_invalid_client() {
    let e = err(json(401, r#"{"error":"invalid_client"}"#));
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::OAuth, Some(401)));
}

#[test]
fn html_500_is_an_http_error_with_body() {
    let e = err(response(500, Some("text/html"), "<h1>Internal Server Error</h1>"));
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Http, Some(500)));
    assert!(e.body().unwrap().contains("Internal"));
    assert!(e.oauth().is_none());
}

#[test]
fn redirect_status_is_an_http_error() {
    let e = err(response(307, None, ""));
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Http, Some(307)));
    assert!(e.message().contains("redirect"));
}

#[test]
fn error_field_that_is_not_a_string_on_4xx_is_an_http_error() {
    let e = err(json(400, r#"{"error":{"code":400,"message":"bad"}}"#));
    assert_eq!(e.kind(), ErrorKind::Http);
}

#[test]
fn malformed_json_is_a_protocol_error() {
    let e = err(json(200, r#"{"access_token": "abc", "token_type": "#));
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Protocol, Some(200)));
}

#[test]
fn json_that_is_not_an_object_is_a_protocol_error() {
    assert_eq!(err(json(200, r#"["access_token"]"#)).kind(), ErrorKind::Protocol);
    assert_eq!(err(json(200, "")).kind(), ErrorKind::Protocol);
}

#[test]
fn missing_or_empty_or_non_string_access_token_is_a_protocol_error() {
    for body in
        [r#"{"token_type":"Bearer"}"#, r#"{"access_token":""}"#, r#"{"access_token":42}"#, r#"{"access_token":null}"#]
    {
        let e = err(json(200, body));
        assert_eq!(e.kind(), ErrorKind::Protocol, "{body}");
        assert!(e.message().contains("access_token"), "{body}: {}", e.message());
    }
}

#[test]
fn nul_inside_a_value_is_a_protocol_error_and_not_echoed() {
    let e = err(json(200, r#"{"access_token":"bad\u0000token"}"#));
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(!e.message().contains("bad"), "{}", e.message());
    assert_eq!(err(json(200, r#"{"access_token":"a","refresh_token":"r\u0000"}"#)).kind(), ErrorKind::Protocol);
}

#[test]
fn empty_refresh_token_counts_as_none() {
    assert_eq!(ok(json(200, r#"{"access_token":"a","refresh_token":""}"#)).refresh_token(), None);
}

#[test]
fn debug_output_redacts_every_secret() {
    let t = ok(json(200, r#"{"access_token":"SECRET-AT","refresh_token":"SECRET-RT","id_token":"SECRET-ID"}"#));
    let shown = format!("{t:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
}
