//! GET /authorize (RFC 6749 §4.1 with PKCE and RFC 9207 `iss`), with scripted outcomes.

use super::token::{mint_code, pkce_challenge};
use super::Handled;
use crate::clients::CLIENTS;
use crate::form::{form_encode, parse_form};
use crate::http::{Request, Response, HTML};
use crate::state::{CodeGrant, State};

/// Scripted outcomes, so clients can be tested against denial, CSRF (state)
/// and mix-up attacks (iss).
#[derive(Clone, Copy, PartialEq)]
enum AuthorizeBehavior {
    Approve,
    Deny,
    WrongState,
    WrongIss,
    NoIss,
    NoCode,
}

impl AuthorizeBehavior {
    fn parse(value: Option<&str>) -> Option<Self> {
        Some(match value {
            None | Some("approve") => Self::Approve,
            Some("deny") => Self::Deny,
            Some("wrong-state") => Self::WrongState,
            Some("wrong-iss") => Self::WrongIss,
            Some("no-iss") => Self::NoIss,
            Some("no-code") => Self::NoCode,
            Some(_) => return None,
        })
    }
}

/// Until client and redirect_uri are validated, errors must not redirect
/// (RFC 6749 §4.1.2.1); for simplicity every request error here is a page.
fn bad_page(msg: &str) -> Response {
    Response::new(
        400,
        HTML,
        format!("<html><body><h1>Bad Request</h1><p>{msg}</p></body></html>"),
    )
}

/// RFC 8252 §7.3: native apps receive the redirect on a loopback address at
/// any port. ASCII-only also keeps CR/LF out of the Location header.
pub(crate) fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    // RFC 6749 §3.1.2: the redirection endpoint must not have a fragment.
    if !uri.bytes().all(|b| b.is_ascii_graphic()) || uri.contains('#') {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let (host, port_ok) = match authority.split_once(':') {
        Some((host, port)) => (
            host,
            port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0),
        ),
        None => (authority, true),
    };
    matches!(host, "127.0.0.1" | "localhost") && port_ok
}

/// Appends parameters, keeping any query the redirect_uri already has.
pub(crate) fn with_query(uri: &str, params: &[(&str, String)]) -> String {
    let sep = match uri.find('?') {
        None => "?",
        Some(_) if uri.ends_with(['?', '&']) => "",
        Some(_) => "&",
    };
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect();
    format!("{uri}{sep}{}", pairs.join("&"))
}

pub(crate) fn authorize(st: &State, req: &Request) -> Handled {
    let q = parse_form(req.query.as_bytes())
        .map_err(|_| bad_page("malformed or repeated query parameter"))?;
    let client_id = q.get("client_id").unwrap_or("");
    if !CLIENTS.iter().any(|c| c.id == client_id) {
        return Err(bad_page("unknown client_id"));
    }
    let redirect_uri = q
        .get("redirect_uri")
        .filter(|u| is_loopback_redirect(u))
        .ok_or_else(|| {
            bad_page("redirect_uri must be http://127.0.0.1:PORT/... or http://localhost:PORT/...")
        })?;
    if q.get("response_type") != Some("code") {
        return Err(bad_page("response_type must be code"));
    }
    let behavior = AuthorizeBehavior::parse(q.get("mock_behavior"))
        .ok_or_else(|| bad_page("unknown mock_behavior"))?;
    let challenge = pkce_challenge(&q).map_err(bad_page)?;

    let mut params: Vec<(&str, String)> = Vec::new();
    match behavior {
        AuthorizeBehavior::Deny => {
            params.push(("error", "access_denied".into()));
            params.push(("error_description", "The user denied access".into()));
        }
        AuthorizeBehavior::NoCode => {}
        _ => {
            let grant = CodeGrant {
                client_id: Some(client_id.to_string()),
                redirect_uri: Some(redirect_uri.to_string()),
                challenge: challenge.map(str::to_string),
                scope: q.get("scope").map(str::to_string),
            };
            params.push(("code", mint_code(st, grant)));
        }
    }
    let state = if behavior == AuthorizeBehavior::WrongState {
        Some("not-the-state")
    } else {
        q.get("state")
    };
    if let Some(state) = state {
        params.push(("state", state.to_string()));
    }
    match behavior {
        AuthorizeBehavior::NoIss => {}
        AuthorizeBehavior::WrongIss => params.push(("iss", "http://evil.example".into())),
        _ => params.push(("iss", req.issuer().to_string())),
    }
    Ok(Response::new(302, HTML, "").with_header("Location", with_query(redirect_uri, &params)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects() {
        for ok in [
            "http://127.0.0.1:8080/cb",
            "http://localhost:1/",
            "http://127.0.0.1:9/cb?x=1",
            "http://127.0.0.1",
        ] {
            assert!(is_loopback_redirect(ok), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:8080/cb",
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:99999/cb",
            "http://127.0.0.1:/cb",
            "http://127.0.0.1:+80/cb",
            "http://127.0.0.2:8080/cb",
            "http://evil@127.0.0.1:8080/cb",
            "http://127.0.0.1.evil.example/cb",
            "http://127.0.0.1:8080/cb#frag",
            "http://127.0.0.1:8080/c\r\nb",
        ] {
            assert!(!is_loopback_redirect(bad), "{bad}");
        }
    }

    #[test]
    fn redirect_queries() {
        let p = [("code", "c 1".to_string()), ("state", "s".to_string())];
        assert_eq!(
            with_query("http://h/cb", &p),
            "http://h/cb?code=c+1&state=s"
        );
        assert_eq!(
            with_query("http://h/cb?x=1", &p),
            "http://h/cb?x=1&code=c+1&state=s"
        );
        assert_eq!(
            with_query("http://h/cb?", &p),
            "http://h/cb?code=c+1&state=s"
        );
    }
}
