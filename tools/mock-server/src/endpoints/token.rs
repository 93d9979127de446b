//! POST /token and its grants: authorization_code (with PKCE S256), refresh_token (optionally
//! rotating), client_credentials, and the device_code poll.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::digest::{digest, SHA256};
use serde::Serialize;

use super::{device, json, oauth_error};
use crate::clients::{authenticate, AuthMethod, Client};
use crate::form::{parse_form, Form};
use crate::http::{Request, Response};
use crate::state::{lock, CodeGrant, State, TokenKind, TokenRecord, REFRESH_LIFETIME};

pub(crate) const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Grant types the token endpoint serves, with their names in /stats.
pub(crate) const GRANT_TYPES: [(&str, &str); 4] = [
    ("authorization_code", "authorization_code"),
    ("refresh_token", "refresh_token"),
    ("client_credentials", "client_credentials"),
    (DEVICE_GRANT, "device_code"),
];

const DEFAULT_EXPIRES_IN: u64 = 3600;

/// An optional whole number of seconds. u32 keeps `now + secs` far from
/// overflowing SystemTime/Instant arithmetic (which would panic).
pub(crate) fn form_secs(form: &Form, key: &str, default: u64) -> Result<u64, Response> {
    match form.get(key).map(str::parse::<u32>) {
        None => Ok(default),
        Some(Ok(n)) => Ok(u64::from(n)),
        Some(Err(_)) => Err(oauth_error(
            400,
            "invalid_request",
            &format!("{key} must be a number of seconds"),
        )),
    }
}

/// Absent method means S256 here (not RFC 7636's "plain"): plain is unsupported.
pub(crate) fn pkce_challenge(form: &Form) -> Result<Option<&str>, &'static str> {
    let challenge = form.get("code_challenge");
    match (form.get("code_challenge_method"), challenge) {
        (Some("S256"), Some(_)) | (None, _) => Ok(challenge),
        (Some("S256"), None) => Err("missing code_challenge"),
        (Some(_), _) => Err("only S256 is supported"),
    }
}

/// RFC 7636 §4.2: BASE64URL(SHA256(verifier)), unpadded.
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

/// Stores a one-time code for the token endpoint's authorization_code grant.
pub(crate) fn mint_code(st: &State, grant: CodeGrant) -> String {
    let code = format!("mint-{}-{}", st.next_serial(), st.random_hex());
    lock(&st.codes).pending.insert(code.clone(), grant);
    code
}

pub(crate) fn token_endpoint(st: &State, req: &Request) -> Response {
    lock(&st.stats).token_requests += 1;
    let form = match parse_form(&req.body) {
        Ok(f) => f,
        Err(msg) => return oauth_error(400, "invalid_request", &msg),
    };
    let Some(grant_type) = form.get("grant_type") else {
        return oauth_error(400, "invalid_request", "missing grant_type");
    };
    // Counted before authentication: tests assert on what the client sent.
    if let Some(i) = GRANT_TYPES.iter().position(|(g, _)| *g == grant_type) {
        lock(&st.stats).by_grant[i] += 1;
    }
    let client = match authenticate(req, &form) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    // Lets tests get tokens that expire (or already have) without waiting an hour.
    let ttl = match form_secs(&form, "mock_expires_in", DEFAULT_EXPIRES_IN) {
        Ok(n) => n,
        Err(resp) => return resp,
    };
    let grant = Grant {
        st,
        req,
        client,
        form: &form,
        ttl,
    };
    match grant_type {
        "authorization_code" => grant.code(),
        "refresh_token" => grant.refresh(),
        "client_credentials" => grant.client_credentials(),
        DEVICE_GRANT => grant.device(),
        _ => oauth_error(400, "unsupported_grant_type", "grant_type is not supported"),
    }
}

/// One authenticated token request, as the grant handlers need it.
struct Grant<'a> {
    st: &'a State,
    req: &'a Request,
    client: &'static Client,
    form: &'a Form,
    ttl: u64,
}

impl Grant<'_> {
    fn code(&self) -> Response {
        let Some(code) = self.form.get("code") else {
            return oauth_error(400, "invalid_request", "missing code");
        };
        let grant = match take_code(self.st, code) {
            Ok(g) => g,
            Err(msg) => return oauth_error(400, "invalid_grant", msg),
        };
        if let Err(msg) = check_binding(&grant, self.client, self.form) {
            return oauth_error(400, "invalid_grant", msg);
        }
        let scope = grant.scope.unwrap_or_else(|| "read".into());
        self.issue(&scope, Some(&scope))
    }

    fn refresh(&self) -> Response {
        let Some(token) = self.form.get("refresh_token") else {
            return oauth_error(400, "invalid_request", "missing refresh_token");
        };
        let wanted: Vec<&str> = self
            .form
            .get("scope")
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
            .collect();
        let client = self.client;
        let mut tokens = lock(&self.st.tokens);
        let found = tokens
            .get_mut(token)
            .filter(|r| r.kind == TokenKind::Refresh && r.client_id == client.id);
        let Some(record) = found else {
            return oauth_error(400, "invalid_grant", "unknown refresh token");
        };
        if !record.active() {
            return oauth_error(
                400,
                "invalid_grant",
                "refresh token was revoked or has expired",
            );
        }
        if !wanted
            .iter()
            .all(|w| record.scope.split(' ').any(|o| o == *w))
        {
            return oauth_error(
                400,
                "invalid_scope",
                "requested scope exceeds the original grant",
            );
        }
        // Rotation: the old token dies under the same lock that checked it, so
        // two concurrent refreshes cannot both redeem it.
        record.revoked |= client.rotates;
        let original = record.scope.clone();
        drop(tokens);
        let scope = if wanted.is_empty() {
            original.clone()
        } else {
            wanted.join(" ")
        };
        // Non-rotating clients get no refresh_token: they must keep their old one.
        // A rotated token keeps the original grant's scope (RFC 6749 §6).
        self.issue(&scope, client.rotates.then_some(original.as_str()))
    }

    fn client_credentials(&self) -> Response {
        if self.client.method == AuthMethod::None {
            return oauth_error(
                400,
                "unauthorized_client",
                "public clients cannot use client_credentials",
            );
        }
        self.issue(self.form.get("scope").unwrap_or("read"), None)
    }

    /// grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4-3.5).
    fn device(&self) -> Response {
        let Some(code) = self.form.get("device_code") else {
            return oauth_error(400, "invalid_request", "missing device_code");
        };
        match device::poll_device(self.st, self.client, code, self.form.get("code_verifier")) {
            device::Poll::Approved(scope) => self.issue(&scope, Some(&scope)),
            device::Poll::Pending => oauth_error(
                400,
                "authorization_pending",
                "the user has not answered yet",
            ),
            device::Poll::SlowDown => oauth_error(
                400,
                "slow_down",
                "polling too fast: interval increased by 5 seconds",
            ),
            device::Poll::Denied => oauth_error(400, "access_denied", "the user denied access"),
            device::Poll::Expired => {
                oauth_error(400, "expired_token", "the device code has expired")
            }
            device::Poll::Invalid(msg) => oauth_error(400, "invalid_grant", msg),
        }
    }

    /// Mints an access token living `ttl` seconds (plus a refresh token carrying
    /// `refresh_scope`), records both for refresh, revocation and introspection,
    /// and answers with the token response.
    fn issue(&self, scope: &str, refresh_scope: Option<&str>) -> Response {
        let st = self.st;
        let n = st.next_serial();
        // Tokens minted over HTTPS say so, so a test can tell which listener answered.
        let tls = if self.req.origin.tls { "tls-" } else { "" };
        let access = format!("{tls}at-{n}-{}", st.random_hex());
        let refresh = refresh_scope.map(|s| (format!("rt-{n}-{}", st.random_hex()), s));
        let issued = SystemTime::now();
        let record = |kind, scope: &str, lifetime| TokenRecord {
            kind,
            client_id: self.client.id,
            scope: scope.to_string(),
            issued,
            lifetime,
            revoked: false,
        };
        let mut tokens = lock(&st.tokens);
        tokens.insert(
            access.clone(),
            record(TokenKind::Access, scope, Duration::from_secs(self.ttl)),
        );
        if let Some((token, refresh_scope)) = &refresh {
            tokens.insert(
                token.clone(),
                record(TokenKind::Refresh, refresh_scope, REFRESH_LIFETIME),
            );
        }
        drop(tokens);
        token_response(
            &access,
            refresh.as_ref().map(|(t, _)| t.as_str()),
            scope,
            self.ttl,
        )
    }
}

/// Consumes a code. It is burnt on first presentation even if a later binding
/// check fails, like real servers (RFC 6749 §4.1.2: use at most once).
fn take_code(st: &State, code: &str) -> Result<CodeGrant, &'static str> {
    let mut codes = lock(&st.codes);
    if codes.used.contains(code) {
        return Err("authorization code was already used");
    }
    let grant = match codes.pending.remove(code) {
        Some(g) => g,
        // Any fresh "code-..." is valid once, so tests can invent codes.
        None if code.starts_with("code-") => CodeGrant::default(),
        None => return Err("unknown authorization code"),
    };
    codes.used.insert(code.to_string());
    Ok(grant)
}

fn check_binding(grant: &CodeGrant, client: &Client, form: &Form) -> Result<(), &'static str> {
    if grant.client_id.as_deref().is_some_and(|id| id != client.id) {
        return Err("authorization code was issued to another client");
    }
    if let Some(uri) = &grant.redirect_uri {
        if form.get("redirect_uri") != Some(uri.as_str()) {
            return Err("redirect_uri does not match the authorization request");
        }
    }
    if let Some(challenge) = &grant.challenge {
        let verifier = form.get("code_verifier").ok_or("missing code_verifier")?;
        if s256(verifier) != *challenge {
            return Err("code_verifier does not match code_challenge");
        }
    }
    Ok(())
}

fn token_response(access: &str, refresh: Option<&str>, scope: &str, expires_in: u64) -> Response {
    #[derive(Serialize)]
    struct TokenResponse<'a> {
        access_token: &'a str,
        token_type: &'a str,
        expires_in: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        refresh_token: Option<&'a str>,
        scope: &'a str,
    }
    json(
        200,
        &TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in,
            refresh_token: refresh,
            scope,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256() {
        // RFC 7636 Appendix B.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        // SHA-256("") through the same encoding.
        assert_eq!(s256(""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    }

    #[test]
    fn token_json() {
        let resp = token_response("a\"b", Some("r"), "x y", 60);
        assert_eq!(
            String::from_utf8(resp.body).unwrap(),
            r#"{"access_token":"a\"b","token_type":"Bearer","expires_in":60,"refresh_token":"r","scope":"x y"}"#
        );
    }
}
