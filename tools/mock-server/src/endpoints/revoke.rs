//! Revocation: RFC 7009 POST /revoke, a strict variant that reports unknown tokens in a 200,
//! and Nest's DELETE /oauth2/access_tokens/<token>.

use super::{form_body, json_error, not_found, oauth_error, Handled};
use crate::clients::authenticate;
use crate::form::form_decode;
use crate::http::{Request, Response, TEXT};
use crate::state::{lock, State, TokenKind};

pub(crate) const NEST_REVOKE_PREFIX: &str = "/oauth2/access_tokens/";

/// POST /revoke, and with `strict` POST /revoke/strict: some real servers answer an unknown or
/// already revoked token with 200 and an `invalid_token` body, which RFC 7009 §2.2 says a
/// client must still treat as success.
pub(crate) fn revoke(st: &State, req: &Request, strict: bool) -> Handled {
    lock(&st.stats).revocations += 1;
    let form = form_body(req)?;
    let client = authenticate(req, &form)?;
    let token = form
        .get("token")
        .ok_or_else(|| oauth_error(400, "invalid_request", "missing token"))?;
    match form.get("token_type_hint") {
        None | Some("access_token" | "refresh_token") => {}
        Some(_) => {
            return Err(oauth_error(
                400,
                "unsupported_token_type",
                "token_type_hint is not supported",
            ))
        }
    }
    // The hint only speeds up real servers' lookups (RFC 7009 §2.1), so either
    // kind is revoked whatever it says. Unknown tokens, and other clients'
    // tokens, are silently ignored (RFC 7009 §2.2) unless `strict`.
    let mut tokens = lock(&st.tokens);
    let record = tokens.get_mut(token).filter(|r| r.client_id == client.id);
    let was_live = record.is_some_and(|r| !std::mem::replace(&mut r.revoked, true));
    drop(tokens);
    if strict && !was_live {
        return Ok(json_error(
            200,
            "invalid_token",
            Some("the token is unknown or was already revoked"),
        ));
    }
    Ok(Response::new(200, TEXT, ""))
}

/// DELETE /oauth2/access_tokens/<token>: Nest's API, where the token in the
/// path is its own credential (no client authentication).
pub(crate) fn nest_revoke(st: &State, segment: &str) -> Response {
    lock(&st.stats).revocations += 1;
    // Percent-decoding only: '+' is literal in a path.
    let token = form_decode(segment.replace('+', "%2B").as_bytes()).unwrap_or_default();
    let mut tokens = lock(&st.tokens);
    match tokens
        .get_mut(&token)
        .filter(|r| r.kind == TokenKind::Access)
    {
        Some(record) => {
            record.revoked = true;
            Response::new(204, "", "")
        }
        None => not_found(),
    }
}
