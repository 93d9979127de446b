//! Routes for the tests rather than for OAuth: POST /mint, POST /echo, GET /stats.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::device::{device_polls, DevicePolls};
use super::token::{mint_code, pkce_challenge, GRANT_TYPES};
use super::{json, oauth_error};
use crate::form::parse_form;
use crate::http::{Request, Response, TEXT};
use crate::state::{lock, CodeGrant, State};

/// POST /mint: a one-time code bound to client, redirect_uri, PKCE and scope.
pub(crate) fn mint(st: &State, req: &Request) -> Response {
    let form = match parse_form(&req.body) {
        Ok(f) => f,
        Err(msg) => return oauth_error(400, "invalid_request", &msg),
    };
    let Some(client_id) = form.get("client_id") else {
        return oauth_error(400, "invalid_request", "missing client_id");
    };
    let challenge = match pkce_challenge(&form) {
        Ok(c) => c,
        Err(msg) => return oauth_error(400, "invalid_request", msg),
    };
    let grant = CodeGrant {
        client_id: Some(client_id.to_string()),
        redirect_uri: form.get("redirect_uri").map(str::to_string),
        challenge: challenge.map(str::to_string),
        scope: form.get("scope").map(str::to_string),
    };
    Response::new(200, TEXT, mint_code(st, grant))
}

/// POST /echo: a valid token response that also reflects what arrived, so
/// tests can assert on the exact bytes and headers the client sent.
pub(crate) fn echo(req: &Request) -> Response {
    #[derive(Serialize)]
    struct Echo<'a> {
        access_token: &'a str,
        token_type: &'a str,
        expires_in: u64,
        request_body: String,
        authorization: &'a str,
        accept: &'a str,
        content_type: &'a str,
        user_agent: &'a str,
        method: &'a str,
        path: &'a str,
    }
    let h = |name: &str| req.header(name).unwrap_or("");
    let body = Echo {
        access_token: "echo-token",
        token_type: "Bearer",
        expires_in: 60,
        request_body: String::from_utf8_lossy(&req.body).into_owned(),
        authorization: h("authorization"),
        accept: h("accept"),
        content_type: h("content-type"),
        user_agent: h("user-agent"),
        method: &req.method,
        path: &req.path,
    };
    json(200, &body)
}

/// A JSON object whose members keep the order given (serde_json's own map sorts them).
struct Ordered<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Ordered<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
struct StatsDoc<'a> {
    token_requests: u64,
    by_grant: Ordered<&'static str, u64>,
    /// {"<device_code>":{"polls":N,"gaps_ms":[..]},..} for the newest codes.
    device_polls: Ordered<String, DevicePolls>,
    revocations: u64,
    introspections: u64,
    /// Requests per /flaky key.
    flaky: &'a BTreeMap<String, u64>,
    /// Requests per /held key.
    held: &'a BTreeMap<String, u64>,
    /// Every request read, then per path (query left off; Nest token paths redacted).
    requests: u64,
    paths: &'a BTreeMap<String, u64>,
}

/// Builds the GET /stats document under the stats lock. The first members keep their
/// historical order: the C and Java tests find counters by searching the text after "by_grant".
fn with_stats<R>(st: &State, f: impl FnOnce(&StatsDoc) -> R) -> R {
    let device_polls = device_polls(st);
    let s = lock(&st.stats);
    let by_grant = GRANT_TYPES
        .iter()
        .zip(s.by_grant)
        .map(|((_, short), n)| (*short, n))
        .collect();
    f(&StatsDoc {
        token_requests: s.token_requests,
        by_grant: Ordered(by_grant),
        device_polls: Ordered(device_polls),
        revocations: s.revocations,
        introspections: s.introspections,
        flaky: &s.flaky,
        held: &s.held,
        requests: s.requests,
        paths: &s.paths,
    })
}

/// GET /stats: counters since start, so tests can assert on request counts
/// and on how a device-flow client spaced its polls.
pub(crate) fn stats(st: &State) -> Response {
    with_stats(st, |doc| json(200, doc))
}

/// The same document as GET /stats, for in-process callers.
pub(crate) fn stats_value(st: &State) -> serde_json::Value {
    with_stats(st, |doc| {
        serde_json::to_value(doc).expect("stats serialize")
    })
}
