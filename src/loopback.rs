//! Sign-in through the system browser with a loopback redirect (RFC 8252 §7.3): listen on
//! 127.0.0.1, hand the application the authorization URL, accept exactly one redirect, check
//! `state` (in constant time) and `iss` (RFC 9207), answer the browser, exchange the code with the
//! PKCE verifier. The listener is closed whatever happens.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::client::Client;
use crate::config::AuthorizationStyle;
use crate::error::{Error, ErrorKind, OAuthError, Result};
use crate::pkce::constant_time_eq;
use crate::secret::Secret;
use crate::token::Token;

/// The path of the redirect URI on the loopback listener.
pub const CALLBACK_PATH: &str = "/callback";
const MAX_REQUEST_BYTES: usize = 16 * 1024;
const POLL: Duration = Duration::from_millis(20);

pub struct LoopbackOptions<'a> {
    /// 0 picks a free port.
    pub port: u16,
    pub scope: Option<&'a str>,
    pub extra: &'a [(String, String)],
    /// How long the user has to finish signing in.
    pub timeout: Duration,
    pub cancel: Option<&'a Cancel>,
}

impl Client {
    /// Runs the whole sign-in. `open_url` receives the authorization URL on the calling thread
    /// before the wait starts; it must return promptly (open a browser, print the URL).
    pub fn sign_in_loopback(&self, options: &LoopbackOptions<'_>, open_url: &mut dyn FnMut(&str)) -> Result<Token> {
        if self.config().authorization_style != AuthorizationStyle::Standard {
            return Err(Error::invalid_argument(
                "loopback sign-in needs a standard authorization endpoint (Works with Nest registers its redirect URI with the product)",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", options.port)).map_err(|e| {
            Error::new(ErrorKind::Transport, format!("cannot listen on 127.0.0.1:{}: {e}", options.port))
        })?;
        let port = listener.local_addr().map_err(|e| Error::new(ErrorKind::Transport, e.to_string()))?.port();
        let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
        let request = self.authorization_request(Some(&redirect_uri), options.scope, options.extra)?;
        open_url(&request.url);
        let expected = Expected {
            state: &request.state,
            issuer: self.config().issuer.as_deref(),
            issuer_required: self.config().issuer_in_authorization_response,
        };
        let code = wait_for_redirect(&listener, &expected, Instant::now() + options.timeout, options.cancel)?;
        drop(listener);
        self.exchange_code(code.expose(), Some(&redirect_uri), Some(request.code_verifier.expose()), &[])
    }
}

struct Expected<'a> {
    state: &'a str,
    issuer: Option<&'a str>,
    issuer_required: bool,
}

/// Waits for the one redirect that matters; requests for other paths (a browser's favicon) get a
/// 404 and the wait goes on.
fn wait_for_redirect(listener: &TcpListener, expected: &Expected<'_>, deadline: Instant, cancel: Option<&Cancel>) -> Result<Secret> {
    listener.set_nonblocking(true).map_err(|e| Error::new(ErrorKind::Transport, e.to_string()))?;
    loop {
        if let Some(c) = cancel {
            c.check()?;
        }
        if Instant::now() >= deadline {
            return Err(Error::new(ErrorKind::Timeout, "no sign-in redirect arrived before the deadline"));
        }
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(outcome) = handle_connection(stream, expected, deadline, cancel) {
                    return outcome;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => crate::cancel::sleep(cancel, POLL)?,
            Err(e) => return Err(Error::new(ErrorKind::Transport, format!("loopback listener failed: {e}"))),
        }
    }
}

/// Reads one request; None when it was not the redirect (answered with 404). A request gets 5 s,
/// and never more than the sign-in's own deadline, so a client that drips bytes cannot hold it.
fn handle_connection(
    mut stream: TcpStream,
    expected: &Expected<'_>,
    deadline: Instant,
    cancel: Option<&Cancel>,
) -> Option<Result<Secret>> {
    let _ = stream.set_nonblocking(false);
    let request_deadline = (Instant::now() + Duration::from_secs(5)).min(deadline);
    let target = match read_request_target(&mut stream, request_deadline, cancel) {
        Some(t) => t,
        None => {
            respond(&mut stream, 400, "Bad request.");
            return None;
        }
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path != CALLBACK_PATH {
        respond(&mut stream, 404, "Not found.");
        return None;
    }
    let outcome = judge_redirect(query, expected);
    match &outcome {
        Ok(_) => respond(&mut stream, 200, "Signed in. You can close this window and return to the application."),
        Err(_) => respond(&mut stream, 400, "Sign-in failed. Return to the application for details."),
    }
    Some(outcome)
}

/// The request target of a GET, or None for anything else.
fn read_request_target(stream: &mut TcpStream, deadline: Instant, cancel: Option<&Cancel>) -> Option<String> {
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(1024));
    let mut chunk = zeroize::Zeroizing::new([0u8; 1024]);
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        // Short reads, so the deadline and a cancel are noticed while a client dawdles.
        let left = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())?;
        if cancel.is_some_and(Cancel::is_cancelled) {
            return None;
        }
        stream.set_read_timeout(Some(left.min(POLL * 10))).ok()?;
        let n = match stream.read(&mut chunk[..]) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(_) => return None,
        };
        if n == 0 || buf.len() + n > MAX_REQUEST_BYTES {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = std::str::from_utf8(&buf[..buf.iter().position(|&b| b == b'\r')?]).ok()?;
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_owned()),
        _ => None,
    }
}

/// Checks the redirect's parameters (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207).
fn judge_redirect(query: &str, expected: &Expected<'_>) -> Result<Secret> {
    let mut code = None;
    let (mut state, mut iss, mut error, mut description, mut uri) = (None, None, None, None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match name.as_ref() {
            "code" => {
                code = Some(Secret::new(value.into_owned()));
                continue;
            }
            "state" => &mut state,
            "iss" => &mut iss,
            "error" => &mut error,
            "error_description" => &mut description,
            "error_uri" => &mut uri,
            _ => continue,
        };
        *slot = Some(value.into_owned());
    }
    if !state.as_deref().is_some_and(|s| constant_time_eq(s, expected.state)) {
        return Err(Error::protocol(
            "the redirect's state does not match this sign-in (a forged or stale redirect); nothing was exchanged",
        ));
    }
    match (expected.issuer, iss.as_deref()) {
        (Some(want), Some(got)) if want != got => {
            return Err(Error::protocol(format!(
                "the redirect's iss {got:?} is not the configured issuer {want:?} (RFC 9207 mix-up defence)"
            )))
        }
        (Some(_), None) if expected.issuer_required => {
            return Err(Error::protocol("the redirect has no iss although the issuer promised one (RFC 9207)"))
        }
        _ => {}
    }
    if let Some(error) = error {
        let message = match &description {
            Some(d) => format!("authorization failed: {error}: {d}"),
            None => format!("authorization failed: {error}"),
        };
        return Err(Error::new(ErrorKind::OAuth, message).with_oauth(OAuthError {
            error,
            error_description: description,
            error_uri: uri,
        }));
    }
    code.filter(|c| !c.expose().is_empty())
        .ok_or_else(|| Error::protocol("the redirect carried neither a code nor an error"))
}

fn respond(stream: &mut TcpStream, status: u16, text: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>tokenkit</title></head><body><p>{text}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}
