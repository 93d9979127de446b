//! Sign-in through the system browser with a loopback redirect (RFC 8252 §7.3): listen on
//! 127.0.0.1, hand the application the authorization URL, wait for the redirect that carries this
//! sign-in's `state` (checked in constant time), check `iss` (RFC 9207), answer the browser,
//! exchange the code with the PKCE verifier. The listener is closed whatever happens.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::client::Client;
use crate::config::AuthorizationStyle;
use crate::error::{Error, ErrorKind, OAuthError, Result};
use crate::grants::Grant;
use crate::options::SignInOptions;
use crate::pkce::constant_time_eq;
use crate::secret::Secret;
use crate::token::Token;

/// The path of the redirect URI on the loopback listener.
pub const CALLBACK_PATH: &str = "/callback";
const MAX_REQUEST_BYTES: usize = 16 * 1024;
const POLL: Duration = Duration::from_millis(20);

impl Client {
    /// Runs the whole sign-in. `open_url` receives the authorization URL on the calling thread
    /// before the wait starts; it must return promptly (open a browser, print the URL), and an
    /// error it returns ends the sign-in with that error.
    pub fn sign_in(&self, options: &SignInOptions, open_url: &mut dyn FnMut(&str) -> Result<()>) -> Result<Token> {
        if self.config().authorization_style() != AuthorizationStyle::Standard {
            return Err(Error::invalid_argument(
                "loopback sign-in needs a standard authorization endpoint (Works with Nest registers its redirect URI with the product)",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", options.port)).map_err(|e| {
            Error::new(ErrorKind::Transport, format!("cannot listen on 127.0.0.1:{}: {e}", options.port))
        })?;
        let port = listener.local_addr().map_err(|e| Error::new(ErrorKind::Transport, e.to_string()))?.port();
        let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
        let request =
            self.build_authorization_request(Some(&redirect_uri), options.scope.as_deref(), &options.params)?;
        open_url(&request.url)?;
        let expected = Expected {
            state: &request.state,
            issuer: self.config().issuer(),
            issuer_required: self.config().issuer_in_authorization_response(),
        };
        let code =
            wait_for_redirect(&listener, &expected, Instant::now() + options.timeout, options.cancel.as_deref())?;
        drop(listener);
        let grant = Grant::AuthorizationCode {
            code: code.expose(),
            redirect_uri: Some(&redirect_uri),
            code_verifier: Some(request.code_verifier.expose()),
        };
        self.request_token(&grant, &[], options.cancel.as_deref())
    }
}

pub(crate) struct Expected<'a> {
    pub(crate) state: &'a str,
    pub(crate) issuer: Option<&'a str>,
    pub(crate) issuer_required: bool,
}

/// A connection to the listener, read a little at a time so that no connection waits for another.
struct Pending {
    stream: TcpStream,
    request: zeroize::Zeroizing<Vec<u8>>,
    accepted: Instant,
}

/// Connections read at once; more wait in the listen queue, so a flood cannot exhaust descriptors.
const MAX_PENDING: usize = 32;

/// How long one connection may take to send its request line and headers.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Waits for the redirect that carries this sign-in's `state`. Every connection is read without
/// blocking, so an idle or dripping one holds up no other and is dropped after 5 s. A request for
/// another path (a browser's favicon) gets a 404; a redirect without the right `state`, or with a
/// parameter given twice (RFC 6749 §3.1), gets an error page and is otherwise ignored: any local
/// process or web page that finds the port could send one, and must not end the sign-in.
fn wait_for_redirect(
    listener: &TcpListener,
    expected: &Expected<'_>,
    deadline: Instant,
    cancel: Option<&Cancel>,
) -> Result<Secret> {
    listener.set_nonblocking(true).map_err(|e| Error::new(ErrorKind::Transport, e.to_string()))?;
    let mut pending: Vec<Pending> = Vec::new();
    loop {
        if let Some(c) = cancel {
            c.check()?;
        }
        if Instant::now() >= deadline {
            return Err(Error::new(ErrorKind::Timeout, "no sign-in redirect arrived before the deadline"));
        }
        while pending.len() < MAX_PENDING {
            match listener.accept() {
                Ok((stream, _)) if stream.set_nonblocking(true).is_ok() => {
                    // Sized for the largest request up front: no reallocation leaves a code behind.
                    let request = zeroize::Zeroizing::new(Vec::with_capacity(MAX_REQUEST_BYTES));
                    pending.push(Pending { stream, request, accepted: Instant::now() })
                }
                Ok(_) => {}
                // A connection reset before it was accepted, or no descriptor free for it
                // (another local process flooding the port): this one is lost, the wait goes on.
                Err(_) => break,
            }
        }
        let mut index = 0;
        while index < pending.len() {
            match read_some(&mut pending[index]) {
                Progress::Waiting if pending[index].accepted.elapsed() < REQUEST_TIMEOUT => index += 1,
                Progress::Waiting | Progress::Broken => drop(pending.swap_remove(index)),
                Progress::Complete => {
                    let mut conn = pending.swap_remove(index);
                    if let Some(outcome) = handle_request(&mut conn, expected) {
                        return outcome;
                    }
                }
            }
        }
        crate::cancel::sleep(cancel, POLL)?;
    }
}

enum Progress {
    Waiting,
    Complete,
    Broken,
}

/// Reads what has arrived on one connection without waiting.
fn read_some(conn: &mut Pending) -> Progress {
    let mut chunk = zeroize::Zeroizing::new([0u8; 1024]);
    loop {
        match conn.stream.read(&mut chunk[..]) {
            Ok(0) => return Progress::Broken,
            Ok(n) if conn.request.len() + n > MAX_REQUEST_BYTES => return Progress::Broken,
            Ok(n) => {
                conn.request.extend_from_slice(&chunk[..n]);
                if conn.request.windows(4).any(|w| w == b"\r\n\r\n") {
                    return Progress::Complete;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Progress::Waiting,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Progress::Broken,
        }
    }
}

/// Answers one complete request; Some when it ends the sign-in.
fn handle_request(conn: &mut Pending, expected: &Expected<'_>) -> Option<Result<Secret>> {
    let _ = conn.stream.set_nonblocking(false);
    let _ = conn.stream.set_write_timeout(Some(Duration::from_secs(1)));
    let Some(target) = request_target(&conn.request) else {
        respond(&mut conn.stream, 400, "Bad request.");
        return None;
    };
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    if path != CALLBACK_PATH {
        respond(&mut conn.stream, 404, "Not found.");
        return None;
    }
    match judge_redirect(query, expected) {
        Verdict::NotOurs => {
            respond(&mut conn.stream, 400, "This sign-in link is not the one the application is waiting for.");
            None
        }
        Verdict::Done(Ok(code)) => {
            respond(&mut conn.stream, 200, "Signed in. You can close this window and return to the application.");
            Some(Ok(code))
        }
        Verdict::Done(Err(e)) => {
            respond(&mut conn.stream, 400, "Sign-in failed. Return to the application for details.");
            Some(Err(e))
        }
    }
}

/// The request target of a GET, or None for anything else.
pub(crate) fn request_target(request: &[u8]) -> Option<zeroize::Zeroizing<String>> {
    let line = std::str::from_utf8(&request[..request.iter().position(|&b| b == b'\r')?]).ok()?;
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(zeroize::Zeroizing::new(target.to_owned())),
        _ => None,
    }
}

/// What a redirect to the callback path means for this sign-in.
pub(crate) enum Verdict {
    /// Not this sign-in's redirect (wrong or missing state, a parameter twice): ignored.
    NotOurs,
    /// This sign-in's redirect: its code, or the error it carries.
    Done(Result<Secret>),
}

/// Checks the redirect's parameters (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207).
pub(crate) fn judge_redirect(query: &str, expected: &Expected<'_>) -> Verdict {
    const NAMES: [&str; 6] = ["code", "state", "iss", "error", "error_description", "error_uri"];
    let mut values: [Option<zeroize::Zeroizing<String>>; 6] = Default::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(i) = NAMES.iter().position(|n| *n == name) {
            if values[i].is_some() {
                return Verdict::NotOurs; // RFC 6749 §3.1: no parameter twice
            }
            values[i] = Some(zeroize::Zeroizing::new(value.into_owned()));
        }
    }
    let [code, state, iss, error, description, uri] = values;
    if !state.as_deref().is_some_and(|s| constant_time_eq(s, expected.state)) {
        return Verdict::NotOurs;
    }
    let text = |v: Option<zeroize::Zeroizing<String>>| v.map(|v| v.to_string());
    Verdict::Done(match (expected.issuer, iss.as_deref()) {
        (Some(want), Some(got)) if want != got.as_str() => Err(Error::protocol(format!(
            "the redirect's iss {got:?} is not the configured issuer {want:?} (RFC 9207 mix-up defence)"
        ))),
        (Some(_), None) if expected.issuer_required => {
            Err(Error::protocol("the redirect has no iss although the issuer promised one (RFC 9207)"))
        }
        _ => match text(error) {
            Some(error) => {
                let description = text(description);
                let message = match &description {
                    Some(d) => format!("authorization failed: {error:?}: {d:?}"),
                    None => format!("authorization failed: {error:?}"),
                };
                Err(Error::new(ErrorKind::OAuth, message).with_oauth(OAuthError {
                    error,
                    error_description: description,
                    error_uri: text(uri),
                }))
            }
            None => code
                .filter(|c| !c.is_empty())
                .map(|c| Secret::from(c.as_str()))
                .ok_or_else(|| Error::protocol("the redirect carried neither a code nor an error")),
        },
    })
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
