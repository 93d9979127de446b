//! Device authorization grant (RFC 8628): POST /device_authorization, GET /device, and the
//! poll logic behind the token endpoint's device_code grant.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::token::form_secs;
use super::{form_body, json, oauth_error, Handled};
use crate::clients::{authenticate, Client};
use crate::http::{Request, Response, HTML};
use crate::state::{lock, State};

/// What the simulated user (or server) does while the client polls.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum DeviceBehavior {
    /// Pending once, then a token.
    Approve,
    /// slow_down once, then a token.
    SlowDown,
    Deny,
    Expire,
    /// Pending forever: the client's own deadline has to end it.
    Never,
    /// Like Approve, with Google's non-standard response field names.
    Google,
}

impl DeviceBehavior {
    fn parse(value: Option<&str>) -> Option<Self> {
        Some(match value {
            None | Some("approve") => Self::Approve,
            Some("slow_down") => Self::SlowDown,
            Some("deny") => Self::Deny,
            Some("expire") => Self::Expire,
            Some("never") => Self::Never,
            Some("google") => Self::Google,
            Some(_) => return None,
        })
    }
}

const DEFAULT_DEVICE_EXPIRES_IN: u64 = 600;
const DEFAULT_MOCK_INTERVAL: u64 = 1;
/// RFC 8628 §3.2: the interval clients must assume when none is given;
/// the server enforces it too.
const RFC_DEFAULT_INTERVAL: u64 = 5;
/// A poll this much early still counts as on time: clients that time polls
/// from when they sent the previous one can land a hair early.
const POLL_SLACK: Duration = Duration::from_millis(100);
/// /stats lists polls of at most this many of the newest device codes.
const STATS_DEVICE_CODES: usize = 50;
/// RFC 8628 §6.1: consonants only, so no words and no look-alikes.
const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

pub(crate) struct DeviceGrant {
    /// Creation order, for picking the newest codes in /stats.
    seq: u64,
    client_id: &'static str,
    behavior: DeviceBehavior,
    scope: String,
    /// Seconds; grows by 5 with every slow_down (RFC 8628 §3.5).
    interval: u64,
    expires: Instant,
    polls: u64,
    /// Polls that passed the validity and pacing checks; they drive `behavior`.
    answered: u64,
    last_poll: Option<Instant>,
    gaps_ms: Vec<u64>,
    /// A device code yields its token once.
    redeemed: bool,
    /// The PKCE S256 challenge of the authorization request, when it had one: every poll must
    /// then carry the matching code_verifier.
    code_challenge: Option<String>,
}

/// "ABCD-EFGH"
fn user_code(st: &State) -> String {
    let letters: String = st
        .random_bytes()
        .iter()
        .map(|b| USER_CODE_ALPHABET[usize::from(b % 20)] as char)
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// RFC 8628 §3.2 response; Google's variant renames verification_uri and has no _complete.
#[derive(Serialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_uri_complete: Option<String>,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<u64>,
}

/// POST /device_authorization (RFC 8628 §3.1-3.2).
pub(crate) fn device_authorization(st: &State, req: &Request) -> Handled {
    let form = form_body(req)?;
    let client = authenticate(req, &form)?;
    let behavior = DeviceBehavior::parse(form.get("mock_behavior"))
        .ok_or_else(|| oauth_error(400, "invalid_request", "unknown mock_behavior"))?;
    // "absent" leaves interval out of the response, to test the client's 5 s default.
    let interval = match form.get("mock_interval") {
        Some("absent") => None,
        _ => Some(form_secs(&form, "mock_interval", DEFAULT_MOCK_INTERVAL)?),
    };
    let expires_in = form_secs(&form, "mock_expires_in", DEFAULT_DEVICE_EXPIRES_IN)?;
    let code_challenge = match (
        form.get("code_challenge"),
        form.get("code_challenge_method"),
    ) {
        (Some(challenge), Some("S256")) => Some(challenge.to_string()),
        (Some(_), _) => {
            return Err(oauth_error(
                400,
                "invalid_request",
                "code_challenge_method must be S256",
            ))
        }
        (None, _) if client.device_pkce => {
            return Err(oauth_error(
                400,
                "invalid_request",
                "Missing parameter: code_challenge_method",
            ))
        }
        (None, _) => None,
    };
    let seq = st.next_serial();
    let device_code = format!("dc-{seq}-{}", st.random_hex());
    let user_code = user_code(st);
    let grant = DeviceGrant {
        seq,
        client_id: client.id,
        behavior,
        scope: form.get("scope").unwrap_or("read").to_string(),
        interval: interval.unwrap_or(RFC_DEFAULT_INTERVAL),
        expires: Instant::now() + Duration::from_secs(expires_in),
        polls: 0,
        answered: 0,
        last_poll: None,
        gaps_ms: Vec::new(),
        redeemed: false,
        code_challenge,
    };
    lock(&st.devices).insert(device_code.clone(), grant);

    let uri = format!("{}/device", req.issuer());
    let google = behavior == DeviceBehavior::Google;
    let body = DeviceAuthorization {
        device_code,
        verification_url: google.then(|| uri.clone()),
        verification_uri_complete: (!google).then(|| format!("{uri}?user_code={user_code}")),
        verification_uri: (!google).then_some(uri),
        user_code,
        expires_in,
        interval,
    };
    Ok(json(200, &body))
}

/// The answer to one poll of the token endpoint.
pub(crate) enum Poll {
    Pending,
    SlowDown,
    Denied,
    Expired,
    Invalid(&'static str),
    Approved(String),
}

/// Records the poll, then checks in order: the code is this client's and not
/// yet redeemed, not expired, polled no faster than the interval; only then
/// does the scripted behaviour decide.
pub(crate) fn poll_device(
    st: &State,
    client: &Client,
    code: &str,
    code_verifier: Option<&str>,
) -> Poll {
    let now = Instant::now();
    let mut devices = lock(&st.devices);
    let Some(d) = devices.get_mut(code).filter(|d| d.client_id == client.id) else {
        return Poll::Invalid("unknown device_code");
    };
    d.polls += 1;
    let gap = d.last_poll.replace(now).map(|last| now - last);
    if let Some(gap) = gap {
        d.gaps_ms.push(gap.as_millis() as u64);
    }
    if d.redeemed {
        return Poll::Invalid("device code was already used");
    }
    if let Some(challenge) = &d.code_challenge {
        if code_verifier.map(super::token::s256).as_ref() != Some(challenge) {
            return Poll::Invalid(
                "code_verifier does not match the device authorization's code_challenge",
            );
        }
    }
    if now >= d.expires {
        return Poll::Expired;
    }
    if gap.is_some_and(|g| g + POLL_SLACK < Duration::from_secs(d.interval)) {
        d.interval += 5;
        return Poll::SlowDown;
    }
    d.answered += 1;
    let first = d.answered == 1;
    match d.behavior {
        DeviceBehavior::Approve | DeviceBehavior::Google if first => Poll::Pending,
        DeviceBehavior::SlowDown if first => {
            d.interval += 5;
            Poll::SlowDown
        }
        DeviceBehavior::Approve | DeviceBehavior::Google | DeviceBehavior::SlowDown => {
            d.redeemed = true;
            Poll::Approved(d.scope.clone())
        }
        DeviceBehavior::Deny => Poll::Denied,
        DeviceBehavior::Expire => Poll::Expired,
        DeviceBehavior::Never => Poll::Pending,
    }
}

/// One device code's entry in /stats.
#[derive(Serialize)]
pub(crate) struct DevicePolls {
    polls: u64,
    gaps_ms: Vec<u64>,
}

/// The newest codes' polls, oldest first, for /stats.
pub(crate) fn device_polls(st: &State) -> Vec<(String, DevicePolls)> {
    let devices = lock(&st.devices);
    let mut newest: Vec<(&String, &DeviceGrant)> = devices.iter().collect();
    newest.sort_by_key(|(_, d)| std::cmp::Reverse(d.seq));
    newest.truncate(STATS_DEVICE_CODES);
    newest
        .iter()
        .rev()
        .map(|(code, d)| {
            let polls = DevicePolls {
                polls: d.polls,
                gaps_ms: d.gaps_ms.clone(),
            };
            (code.to_string(), polls)
        })
        .collect()
}

/// GET /device: where verification_uri points; the mock's "user" is mock_behavior.
pub(crate) fn device_page() -> Response {
    Response::new(
        200,
        HTML,
        "<html><body><h1>Device verification</h1><p>This mock server answers device codes by their mock_behavior; there is nothing to enter.</p></body></html>",
    )
}
