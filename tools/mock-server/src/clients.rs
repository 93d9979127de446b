//! The registered clients and client authentication (RFC 6749 §2.3).

use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine as _, GeneralPurpose, GeneralPurposeConfig};
use subtle::ConstantTimeEq;

use crate::endpoints::json_error;
use crate::form::{form_decode, Form};
use crate::http::{Request, Response};

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum AuthMethod {
    /// client_id + client_secret in the form body.
    Post,
    /// HTTP Basic with form-urlencoded id and secret (RFC 6749 §2.3.1).
    Basic,
    /// Public client: client_id in the body, no secret.
    None,
}

pub(crate) struct Client {
    pub id: &'static str,
    pub secret: &'static str,
    pub method: AuthMethod,
    /// Refresh grants return a new refresh token and invalidate the old one.
    pub rotates: bool,
    /// The device flow requires PKCE (as some servers require it of public clients).
    pub device_pkce: bool,
}

pub(crate) const CLIENTS: [Client; 5] = [
    Client {
        id: "demo-client",
        secret: "demo-secret",
        method: AuthMethod::Post,
        rotates: false,
        device_pkce: false,
    },
    // The secret has every character that breaks naive Basic encoding.
    Client {
        id: "basic-client",
        secret: "basic secret:+&/é",
        method: AuthMethod::Basic,
        rotates: false,
        device_pkce: false,
    },
    Client {
        id: "public-client",
        secret: "",
        method: AuthMethod::None,
        rotates: false,
        device_pkce: false,
    },
    Client {
        id: "rotating-client",
        secret: "rotating-secret",
        method: AuthMethod::Post,
        rotates: true,
        device_pkce: false,
    },
    // A public client whose device authorization must carry a PKCE challenge, answered like a
    // widely used server does without one: invalid_request "Missing parameter:
    // code_challenge_method".
    Client {
        id: "pkce-device-client",
        secret: "",
        method: AuthMethod::None,
        rotates: false,
        device_pkce: true,
    },
];

pub(crate) fn invalid_client(basic_attempted: bool) -> Response {
    let resp = json_error(401, "invalid_client", Some("client authentication failed"));
    if basic_attempted {
        resp.with_header("WWW-Authenticate", r#"Basic realm="mock""#)
    } else {
        resp
    }
}

/// Accepts exactly the client's registered method; anything else is 401.
pub(crate) fn authenticate(req: &Request, form: &Form) -> Result<&'static Client, Response> {
    let basic = req.header("authorization").and_then(|v| {
        let (scheme, cred) = v.split_once(' ').unwrap_or((v, ""));
        scheme.eq_ignore_ascii_case("basic").then(|| cred.trim())
    });
    let (id, secret, method) = match basic {
        Some(cred) => {
            let (id, secret) = decode_basic(cred).ok_or_else(|| invalid_client(true))?;
            // Two authentication methods in one request is an error (RFC 6749 §2.3);
            // a matching client_id in the body is tolerated.
            if form.get("client_secret").is_some() || form.get("client_id").is_some_and(|b| b != id)
            {
                return Err(invalid_client(true));
            }
            (id, Some(secret), AuthMethod::Basic)
        }
        None => {
            let id = form
                .get("client_id")
                .ok_or_else(|| invalid_client(false))?
                .to_string();
            let secret = form.get("client_secret").map(str::to_string);
            let method = if secret.is_some() {
                AuthMethod::Post
            } else {
                AuthMethod::None
            };
            (id, secret, method)
        }
    };
    // Constant-time comparison: cheap, and keeps the fixture a good example.
    let secret_ok = |c: &Client| match &secret {
        Some(s) => bool::from(s.as_bytes().ct_eq(c.secret.as_bytes())),
        None => c.method == AuthMethod::None,
    };
    CLIENTS
        .iter()
        .find(|c| c.id == id && c.method == method && secret_ok(c))
        .ok_or_else(|| invalid_client(basic.is_some()))
}

/// Standard alphabet; padding optional and stray low bits tolerated, as many clients send.
const BASIC_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// base64(urlencode(id) ":" urlencode(secret)) -> (id, secret).
pub(crate) fn decode_basic(cred: &str) -> Option<(String, String)> {
    let raw = BASIC_B64.decode(cred).ok()?;
    let colon = raw.iter().position(|&b| b == b':')?;
    Some((form_decode(&raw[..colon])?, form_decode(&raw[colon + 1..])?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials() {
        let pair = |id: &str, secret: &str| Some((id.to_string(), secret.to_string()));
        assert_eq!(decode_basic("YTpi"), pair("a", "b"));
        // "a:bc" with and without padding; '+' decodes to a space (form encoding).
        assert_eq!(decode_basic("YTpiYw=="), pair("a", "bc"));
        assert_eq!(decode_basic("YTpiYw"), pair("a", "bc"));
        assert_eq!(decode_basic("YTorJTJC"), pair("a", " +"));
        assert_eq!(decode_basic("YWJj"), None, "no colon");
        assert_eq!(decode_basic("Y"), None, "a lone sextet encodes no byte");
        assert_eq!(decode_basic("YTpi!"), None);
    }
}
