//! POST /introspect (RFC 7662), for confidential clients.

use serde::Serialize;

use super::{form_body, json, oauth_error, Handled};
use crate::clients::{authenticate, invalid_client, AuthMethod};
use crate::http::Request;
use crate::state::{lock, unix_secs, State, TokenKind};

#[derive(Serialize)]
struct Active<'a> {
    active: bool,
    client_id: &'a str,
    scope: &'a str,
    token_type: &'a str,
    exp: u64,
    iat: u64,
    sub: &'a str,
    iss: &'a str,
}

pub(crate) fn introspect(st: &State, req: &Request) -> Handled {
    lock(&st.stats).introspections += 1;
    let form = form_body(req)?;
    let client = authenticate(req, &form)?;
    // Introspection is for resource servers, which can keep a secret.
    if client.method == AuthMethod::None {
        return Err(invalid_client(false));
    }
    let token = form
        .get("token")
        .ok_or_else(|| oauth_error(400, "invalid_request", "missing token"))?;
    let tokens = lock(&st.tokens);
    // RFC 7662 §2.2: unknown, revoked and expired all look the same.
    let Some(record) = tokens.get(token).filter(|r| r.active()) else {
        return Ok(json(200, &serde_json::json!({ "active": false })));
    };
    let token_type = match record.kind {
        TokenKind::Access => "Bearer",
        TokenKind::Refresh => "refresh_token",
    };
    Ok(json(
        200,
        &Active {
            active: true,
            client_id: record.client_id,
            scope: &record.scope,
            token_type,
            exp: unix_secs(record.expiry()),
            iat: unix_secs(record.issued),
            sub: "user-1",
            iss: req.issuer(),
        },
    ))
}
