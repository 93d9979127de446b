//! Entry points for the fuzz targets in fuzz/ (built only with `--cfg fuzzing`, as cargo-fuzz
//! does): every parser of untrusted input, fed arbitrary bytes. A finding is a panic, a hang or a
//! crash; errors are the expected outcome.

use crate::transport::HttpResponse;

/// Statuses and media types the answer readers treat differently.
const STATUSES: [u16; 8] = [200, 201, 400, 401, 404, 405, 500, 503];
const MEDIA_TYPES: [Option<&str>; 5] = [
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("text/plain; charset=utf-8"),
    Some("text/html"),
    None,
];

/// A response from fuzz input: the first byte picks the status and the media type.
fn response(data: &[u8]) -> HttpResponse {
    let (first, body) = data.split_first().map_or((0, data), |(f, b)| (*f, b));
    let status = STATUSES[usize::from(first) % STATUSES.len()];
    let media_type = MEDIA_TYPES[usize::from(first / 8) % MEDIA_TYPES.len()];
    HttpResponse::new(status, media_type, body.to_vec())
}

/// A token endpoint's answer (token responses and error bodies).
pub fn token_response(data: &[u8]) {
    let _ = crate::token::Token::from_response(&response(data));
}

/// A revocation endpoint's answer.
pub fn revocation_response(data: &[u8]) {
    let _ = crate::response::read_status(&response(data), crate::response::Answer::Revocation);
}

/// A discovery document.
pub fn discovery_document(data: &[u8]) {
    let _ = crate::discovery::parse_metadata(&response(data), "https://issuer.example");
}

/// A device authorization response.
pub fn device_response(data: &[u8]) {
    let _ = crate::device::parse_device_authorization(&response(data));
}

/// An introspection response.
pub fn introspection_response(data: &[u8]) {
    let _ = crate::introspection::parse_introspection(&response(data));
}

/// The saved-token JSON.
pub fn saved_token(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(token) = crate::token::Token::from_saved_json(text) {
            let again =
                crate::token::Token::from_saved_json(&token.to_saved_json()).expect("what tokenkit writes, it reads");
            assert_eq!(again.access_token(), token.access_token());
        }
    }
}

/// A request to the sign-in listener: the request line and the redirect's query.
pub fn redirect_request(data: &[u8]) {
    let expected = crate::loopback::Expected {
        state: "expected-state",
        issuer: Some("https://issuer.example"),
        issuer_required: true,
    };
    if let Some(target) = crate::loopback::request_target(data) {
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let _ = crate::loopback::judge_redirect(query, &expected);
    }
}
