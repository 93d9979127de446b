//! Token endpoints that misbehave on purpose: POST /fault/<mode>, the recovering
//! /flaky/<N>/<key>/token and /flaky429/<N>/<key>/token, and the gathering /held/... endpoint.

use std::io::{self, Write};
use std::thread;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::endpoints::token::token_endpoint;
use crate::endpoints::{json_error, oauth_error};
use crate::http::{head, Reply, Request, Response, Transport, FORM, HTML, JSON, TEXT};
use crate::state::{lock, State};

const HTML_429: &str = "<html><body><h1>Too Many Requests</h1></body></html>";
const HTML_500: &str = "<html><body><h1>Internal Server Error</h1></body></html>";
const HTML_503: &str = "<html><body><h1>Service Unavailable</h1></body></html>";

/// A fixed answer: (mode, status, content type, body, extra header).
type Canned = (
    &'static str,
    u16,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

const CANNED: &[Canned] = &[
    ("500", 500, HTML, HTML_500, None),
    ("notjson400", 400, TEXT, "bad request", None),
    (
        "malformed",
        200,
        JSON,
        r#"{"access_token": "abc", "token_type": "#,
        None,
    ),
    (
        "error200",
        200,
        JSON,
        r#"{"error":"invalid_grant","error_description":"code expired"}"#,
        None,
    ),
    (
        "nest-error",
        400,
        JSON,
        r#"{"error":"oauth2_error","error_description":"authorization code not found","instance_id":"a1b2c3"}"#,
        None,
    ),
    (
        "nest",
        200,
        JSON,
        r#"{"access_token":"c.twC2qmock","expires_in":315360000}"#,
        None,
    ),
    (
        "form",
        200,
        FORM,
        "access_token=gho_mock&scope=repo%2Cgist&token_type=bearer",
        None,
    ),
    (
        "textplain",
        200,
        TEXT,
        "access_token=gho_mock&scope=repo%2Cgist&token_type=bearer",
        None,
    ),
    (
        "string-expires",
        200,
        JSON,
        r#"{"access_token":"az-mock","token_type":"bearer","expires_in":"3599","ext_expires_in":"3599"}"#,
        None,
    ),
    (
        "null-expires",
        200,
        JSON,
        r#"{"access_token":"n-mock","token_type":"BEARER","expires_in":null}"#,
        None,
    ),
    (
        "created",
        201,
        JSON,
        r#"{"access_token":"created-mock","token_type":"Bearer","expires_in":120}"#,
        None,
    ),
    (
        "no-access-token",
        200,
        JSON,
        r#"{"token_type":"Bearer","expires_in":3600}"#,
        None,
    ),
    (
        "nul",
        200,
        JSON,
        r#"{"access_token":"bad\u0000token","token_type":"Bearer"}"#,
        None,
    ),
    ("not-object", 200, JSON, r#"["access_token"]"#, None),
    (
        "extra-fields",
        200,
        JSON,
        r#"{"access_token":"x-mock","token_type":"Bearer","expires_in":3600,"id_token":"eyJhbGciOiJub25lIn0.e30.","custom":{"nested":[1,2]},"scope":"openid profile"}"#,
        None,
    ),
    // JSON error bodies under statuses other than 400, as gateways and some servers send.
    (
        "404-json",
        404,
        JSON,
        r#"{"error":"Realm does not exist"}"#,
        None,
    ),
    (
        "405-json",
        405,
        JSON,
        r#"{"error":"method_not_allowed"}"#,
        Some(("Allow", "GET")),
    ),
    ("500-json", 500, JSON, r#"{"error":"server_error"}"#, None),
    // A hostile server's terminal escapes: ESC (clear screen, set title), CR/LF (a forged line),
    // BEL, DEL and the C1 CSI U+009B, as JSON escapes in the fields a client shows to a user...
    (
        "control-chars",
        400,
        JSON,
        r#"{"error":"invalid_grant","error_description":"\u001b[2J\r\nforged line\u0007\u007f\u009b31m"}"#,
        None,
    ),
    (
        "control-chars-device",
        200,
        JSON,
        r#"{"device_code":"dc-control-chars","user_code":"\u001b[2JUSER\rCODE","verification_uri":"http://127.0.0.1/device\u001b]0;owned\u0007","verification_uri_complete":"http://127.0.0.1/device?c=\r\nforged line\u009b2J","expires_in":30,"interval":1}"#,
        None,
    ),
    // ...and raw in a token response: CR, LF and tab between tokens, DEL and U+009B inside a
    // string (all valid JSON as sent).
    (
        "control-chars-token",
        200,
        JSON,
        "{\"access_token\":\"ctl-mock\",\r\n\t\"token_type\":\"Bearer\",\r\"note\":\"a\u{7f}b\u{9b}2Jc\"}",
        None,
    ),
];

const GZIP_JSON: &str =
    r#"{"access_token":"gz-mock","token_type":"Bearer","expires_in":300,"scope":"a b"}"#;
/// Padded with spaces (valid JSON whitespace) to exactly SLOW_LEN bytes.
const SLOW_JSON: &str = r#"{"access_token":"slow-mock","token_type":"Bearer"}"#;
const SLOW_LEN: usize = 64;
const OVERSIZE_LEN: usize = 2 * 1024 * 1024;
const OVERSIZE_CHUNK: usize = 64 * 1024;
const REDIRECT_STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

/// None for an unknown mode (-> 404).
pub(crate) fn fault(req: &Request, mode: &str) -> Option<Reply> {
    Some(match mode {
        "slow" => Reply::Slow,
        "hang" => Reply::Hang,
        "close" => Reply::Close,
        "oversize" => Reply::Oversize { chunked: false },
        "oversize-chunked" => Reply::Oversize { chunked: true },
        "503" => Reply::Send(Response::new(503, HTML, HTML_503).with_header("Retry-After", "1")),
        "redirect" => Reply::Send(redirect(req, 307, "token")),
        "gzip" => Reply::Send(gzip_fault(req)),
        "big-id-token" => Reply::Send(Response::new(200, JSON, big_id_token())),
        "echo-400" | "echo-500" | "echo-500-json" => Reply::Send(echo_body(req, mode)),
        _ => {
            if let Some(rest) = mode.strip_prefix("redirect/") {
                let (status, target) = rest.split_once('/').unwrap_or((rest, "token"));
                let status = status
                    .parse()
                    .ok()
                    .filter(|s| REDIRECT_STATUSES.contains(s))?;
                return Some(Reply::Send(redirect(req, status, target)));
            }
            let &(_, status, content_type, body, header) =
                CANNED.iter().find(|(m, ..)| *m == mode)?;
            let resp = Response::new(status, content_type, body);
            Reply::Send(match header {
                Some((name, value)) => resp.with_header(name, value),
                None => resp,
            })
        }
    })
}

/// To another route of this same listener; `target` is a path without its leading '/'.
fn redirect(req: &Request, status: u16, target: &str) -> Response {
    let location = format!("{}/{target}", req.issuer());
    Response::new(status, TEXT, "").with_header("Location", location)
}

/// The raw request body (the client secret included) inside an error, so tests can check
/// that the client redacts secrets from the errors it reports.
fn echo_body(req: &Request, mode: &str) -> Response {
    let body = String::from_utf8_lossy(&req.body);
    let description = format!("could not process the request: {body}");
    match mode {
        "echo-400" => oauth_error(400, "invalid_request", &description),
        "echo-500-json" => json_error(500, "server_error", Some(&description)),
        _ => Response::new(500, TEXT, description),
    }
}

fn gzip_fault(req: &Request) -> Response {
    let wants_gzip = req
        .header("accept-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
    let resp = if wants_gzip {
        Response::new(200, JSON, gzip(GZIP_JSON.as_bytes())).with_header("Content-Encoding", "gzip")
    } else {
        Response::new(200, JSON, GZIP_JSON)
    };
    resp.with_header("Vary", "Accept-Encoding")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .expect("gzip into memory cannot fail")
}

/// Headers promise SLOW_LEN bytes; the body then trickles out one byte per
/// second, to exercise client read timeouts. Stops once writes fail.
pub(crate) fn slow(st: &State, out: &mut impl Transport) {
    let mut body = SLOW_JSON.as_bytes().to_vec();
    body.resize(SLOW_LEN, b' ');
    if write_flush(out, &head(200, JSON, &[], Some(SLOW_LEN), true)).is_err() {
        return;
    }
    for (i, byte) in body.iter().enumerate() {
        if i > 0 {
            thread::sleep(Duration::from_secs(1));
        }
        if st.shutting_down() || write_flush(out, &[*byte]).is_err() {
            return;
        }
    }
    out.close_notify();
}

fn write_flush(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)?;
    out.flush()
}

/// Never answers; returns early once the client gives up (EOF), else after 120 s.
pub(crate) fn hang(st: &State, stream: &mut impl Transport) {
    let _ = stream.tcp().set_read_timeout(Some(Duration::from_secs(1)));
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline && !st.shutting_down() {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

/// A token response of about 20 KiB, well inside a client's cap: an id_token of 20,000 characters,
/// as a token with many claims may be (bindings that copy tokens through a fixed buffer must
/// still take it whole).
fn big_id_token() -> String {
    let id_token: String = (0..20_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    format!(
        r#"{{"access_token":"big-mock","token_type":"Bearer","expires_in":3600,"id_token":"{id_token}"}}"#
    )
}

/// ~2 MiB token response, to exercise client response-size caps. Write errors
/// are expected (the client hangs up once over its cap) and ignored.
pub(crate) fn oversize(out: &mut impl Transport, chunked: bool) {
    const PREFIX: &str = r#"{"access_token":"big","padding":""#;
    let mut body = Vec::with_capacity(OVERSIZE_LEN);
    body.extend_from_slice(PREFIX.as_bytes());
    body.resize(OVERSIZE_LEN - 2, b'x');
    body.extend_from_slice(b"\"}");
    let (length, headers) = if chunked {
        (None, vec![("Transfer-Encoding", "chunked".to_string())])
    } else {
        (Some(OVERSIZE_LEN), Vec::new())
    };
    if out
        .write_all(&head(200, JSON, &headers, length, true))
        .is_err()
    {
        return;
    }
    for chunk in body.chunks(OVERSIZE_CHUNK) {
        let sent = if chunked {
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(chunk);
            framed.extend_from_slice(b"\r\n");
            out.write_all(&framed)
        } else {
            out.write_all(chunk)
        };
        if sent.is_err() {
            return;
        }
    }
    if chunked {
        let _ = out.write_all(b"0\r\n\r\n");
    }
    if out.flush().is_ok() {
        out.close_notify();
    }
}

/// POST /flaky/<N>/<key>/token and /flaky429/<N>/<key>/token.
pub(crate) struct Flaky<'a> {
    /// How many requests with this key fail before /token takes over.
    pub failures: u64,
    pub key: &'a str,
    pub status: u16,
    body: &'static str,
    pub retry_after: &'static str,
}

/// "<N>/<key>" with N decimal digits and key one non-empty path segment.
fn count_and_key(rest: &str) -> Option<(u32, &str)> {
    let (n, key) = rest.split_once('/')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || key.is_empty() || key.contains('/')
    {
        return None;
    }
    Some((n.parse().ok()?, key))
}

pub(crate) fn parse_flaky(path: &str) -> Option<Flaky<'_>> {
    let rest = path.strip_suffix("/token")?;
    let (rest, status, body, retry_after) = match rest.strip_prefix("/flaky/") {
        Some(rest) => (rest, 503, HTML_503, "0"),
        None => (rest.strip_prefix("/flaky429/")?, 429, HTML_429, "1"),
    };
    let (failures, key) = count_and_key(rest)?;
    Some(Flaky {
        failures: failures.into(),
        key,
        status,
        body,
        retry_after,
    })
}

/// Fails the first N requests per key, then behaves exactly like POST /token,
/// so retry logic meets a server that recovers.
pub(crate) fn flaky_token(st: &State, req: &Request, flaky: &Flaky) -> Response {
    let seen = {
        let mut stats = lock(&st.stats);
        let count = stats.flaky.entry(flaky.key.to_string()).or_default();
        *count += 1;
        *count
    };
    if seen > flaky.failures {
        return token_endpoint(st, req);
    }
    Response::new(flaky.status, HTML, flaky.body).with_header("Retry-After", flaky.retry_after)
}

/// Longest a /held request may be told to wait.
const MAX_HOLD: Duration = Duration::from_secs(60);

/// POST /held/<N>/<ms>/<key>/token.
pub(crate) struct Held<'a> {
    /// Requests with this key are held until this many have arrived...
    pub gather: u64,
    /// ...or this long has passed since each one arrived.
    pub timeout: Duration,
    pub key: &'a str,
}

pub(crate) fn parse_held(path: &str) -> Option<Held<'_>> {
    let rest = path.strip_suffix("/token")?.strip_prefix("/held/")?;
    let (gather, rest) = rest.split_once('/')?;
    if gather.is_empty() || !gather.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (ms, key) = count_and_key(rest)?;
    Some(Held {
        gather: gather.parse::<u32>().ok()?.into(),
        timeout: Duration::from_millis(ms.into()).min(MAX_HOLD),
        key,
    })
}

/// Holds each request until N with its key have arrived (or its timeout passes), then answers
/// it like POST /token: a deterministic stage for single-flight refresh tests, which assert on
/// the count in /stats "held".
pub(crate) fn held_token(st: &State, req: &Request, held: &Held) -> Response {
    let deadline = Instant::now() + held.timeout;
    let mut stats = lock(&st.stats);
    *stats.held.entry(held.key.to_string()).or_default() += 1;
    st.held_cv.notify_all();
    loop {
        let arrived = stats.held.get(held.key).copied().unwrap_or(0);
        let now = Instant::now();
        if arrived >= held.gather || now >= deadline || st.shutting_down() {
            break;
        }
        stats = st
            .held_cv
            .wait_timeout(stats, deadline - now)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    drop(stats);
    token_endpoint(st, req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn special_paths() {
        let f = parse_flaky("/flaky/3/k1/token").unwrap();
        assert_eq!(
            (f.failures, f.key, f.status, f.retry_after),
            (3, "k1", 503, "0")
        );
        let f = parse_flaky("/flaky429/0/x/token").unwrap();
        assert_eq!(
            (f.failures, f.key, f.status, f.retry_after),
            (0, "x", 429, "1")
        );
        for bad in [
            "/flaky/x/k/token",
            "/flaky/1//token",
            "/flaky/1/a/b/token",
            "/flaky/1/k",
            "/flaky/+1/k/token",
        ] {
            assert!(parse_flaky(bad).is_none(), "{bad}");
        }
        let h = parse_held("/held/2/1500/k/token").unwrap();
        assert_eq!(
            (h.gather, h.timeout, h.key),
            (2, Duration::from_millis(1500), "k")
        );
        assert_eq!(
            parse_held("/held/1/999999/k/token").unwrap().timeout,
            MAX_HOLD
        );
        for bad in ["/held/2/k/token", "/held/2/1/a/b/token", "/held//1/k/token"] {
            assert!(parse_held(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn control_chars_are_valid_json() {
        let body = |mode: &str| {
            let &(_, _, _, body, _) = CANNED.iter().find(|(m, ..)| *m == mode).unwrap();
            serde_json::from_str::<serde_json::Value>(body).unwrap()
        };
        let error = body("control-chars");
        assert!(error["error_description"]
            .as_str()
            .unwrap()
            .contains("\u{1b}[2J\r\n"));
        let device = body("control-chars-device");
        assert!(device["verification_uri"]
            .as_str()
            .unwrap()
            .contains('\u{1b}'));
        let token = body("control-chars-token");
        assert_eq!(token["note"], "a\u{7f}b\u{9b}2Jc");
    }

    #[test]
    fn gzip_round_trip() {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gzip(GZIP_JSON.as_bytes())[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, GZIP_JSON);
    }
}
