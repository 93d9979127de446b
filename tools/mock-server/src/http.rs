//! HTTP/1.1 plumbing: reading requests within fixed limits, writing responses, keep-alive.
//! Hand-written on purpose: the faults (dripping, hanging, oversize, closing) need byte-level
//! control of the socket that an HTTP framework would hide.

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::endpoints::{self, NEST_REVOKE_PREFIX};
use crate::faults;
use crate::state::State;

// Limits keep a hostile or buggy client from making the server allocate freely.
const MAX_LINE: u64 = 8 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_BODY: usize = 64 * 1024;
// Idle keep-alive connections are dropped eventually so half-open sockets
// cannot pin threads forever; generous so pooled client connections survive.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) const JSON: &str = "application/json";
pub(crate) const TEXT: &str = "text/plain";
pub(crate) const HTML: &str = "text/html";
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// A connection the server can speak HTTP over: plain TCP or TLS on top of it. The socket
/// itself stays reachable for timeouts and shutdown.
pub(crate) trait Transport: Read + Write {
    fn tcp(&self) -> &TcpStream;

    /// Before closing: TLS says goodbye (close_notify) so clients see a clean end.
    fn close_notify(&mut self) {}
}

impl Transport for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

/// Which listener a request came in on; the base URL doubles as the issuer there.
#[derive(Clone)]
pub(crate) struct Origin {
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub base: Arc<str>,
    pub tls: bool,
}

pub(crate) struct Request {
    pub method: String,
    pub path: String,
    /// Raw query string, without the '?'.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
    pub origin: Origin,
}

impl Request {
    /// First header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The issuer identifier of the listener this request arrived on (RFC 8414 §2, RFC 9207).
    pub fn issuer(&self) -> &str {
        &self.origin.base
    }
}

pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// What to do with the connection after routing. Fault modes that stream or
/// withhold a response cannot be expressed as a plain `Response`.
pub(crate) enum Reply {
    Send(Response),
    Slow,
    Hang,
    Close,
    Oversize { chunked: bool },
}

impl Reply {
    fn describe(&self) -> String {
        match self {
            Reply::Send(r) => r.status.to_string(),
            Reply::Slow => "200 (dripping 1 byte/s)".into(),
            Reply::Hang => "(hanging, no answer)".into(),
            Reply::Close => "(closed, no answer)".into(),
            Reply::Oversize { chunked } => format!("200 (2 MiB body, chunked={chunked})"),
        }
    }
}

pub(crate) enum ReadError {
    /// Socket error or timeout: nobody to answer, just drop the connection.
    Io,
    /// Malformed request: answer with this status, then close.
    Bad(u16, &'static str),
}

fn bad(msg: &'static str) -> ReadError {
    ReadError::Bad(400, msg)
}

/// Reads one line (without CRLF) into `buf`. Ok(0) means clean EOF.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> Result<usize, ReadError> {
    buf.clear();
    let n = r
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', buf)
        .map_err(|_| ReadError::Io)?;
    if n == 0 {
        return Ok(0);
    }
    if buf.pop() != Some(b'\n') {
        return Err(bad("line too long or truncated request"));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(n)
}

/// Ok(None) when the client closed the connection between requests.
pub(crate) fn read_request<S: Read + Write>(
    r: &mut BufReader<S>,
    origin: &Origin,
) -> Result<Option<Request>, ReadError> {
    let mut line = Vec::new();
    // RFC 9112 §2.2: tolerate a few stray CRLFs before the request line.
    for _ in 0..8 {
        if read_line(r, &mut line)? == 0 {
            return Ok(None);
        }
        if !line.is_empty() {
            break;
        }
    }
    let (method, path, query, http10) = parse_request_line(&line)?;
    let headers = read_headers(r, &mut line)?;
    let mut req = Request {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
        keep_alive: false,
        origin: origin.clone(),
    };

    let connection = req.header("connection").unwrap_or("").to_ascii_lowercase();
    let has_token = |t: &str| connection.split(',').any(|c| c.trim() == t);
    // HTTP/1.0 keep-alive needs extra response headers; simply close instead.
    req.keep_alive = !http10 && !has_token("close");

    let content_lengths: Vec<&str> = req
        .headers
        .iter()
        .filter(|(k, _)| k == "content-length")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    let chunked = match req.header("transfer-encoding") {
        None => false,
        // Both framings at once is a request-smuggling shape: refuse it.
        Some(_) if !content_lengths.is_empty() => {
            return Err(bad("both Content-Length and Transfer-Encoding"))
        }
        Some(te) if te.eq_ignore_ascii_case("chunked") => true,
        Some(_) => return Err(bad("unsupported Transfer-Encoding")),
    };
    let length = parse_content_length(&content_lengths)?;
    if length > MAX_BODY {
        return Err(ReadError::Bad(413, "request body too large"));
    }
    let expects_continue = req
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
    if (chunked || length > 0) && !http10 && expects_continue {
        // curl waits up to a second for this before sending large bodies.
        let w = r.get_mut();
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .and_then(|()| w.flush())
            .map_err(|_| ReadError::Io)?;
    }
    req.body = if chunked {
        read_chunked(r, &mut line)?
    } else {
        let mut body = vec![0; length];
        r.read_exact(&mut body).map_err(|_| bad("truncated body"))?;
        body
    };
    Ok(Some(req))
}

/// (method, path, query, is HTTP/1.0)
fn parse_request_line(line: &[u8]) -> Result<(String, String, String, bool), ReadError> {
    let text = std::str::from_utf8(line).map_err(|_| bad("request line is not UTF-8"))?;
    let mut parts = text.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && !t.is_empty() => (m, t, v),
        _ => return Err(bad("malformed request line")),
    };
    let token_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !method.bytes().all(token_char) {
        return Err(bad("malformed method"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(bad("unsupported HTTP version")),
    };
    // Absolute-form targets (proxies) carry the path after the authority.
    let target = target
        .strip_prefix("http://")
        .and_then(|t| t.find('/').map(|i| &t[i..]))
        .unwrap_or(target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Ok((
        method.to_string(),
        path.to_string(),
        query.to_string(),
        http10,
    ))
}

fn read_headers(
    r: &mut impl BufRead,
    line: &mut Vec<u8>,
) -> Result<Vec<(String, String)>, ReadError> {
    let mut headers = Vec::new();
    loop {
        if read_line(r, line)? == 0 {
            return Err(bad("truncated headers"));
        }
        if line.is_empty() {
            return Ok(headers);
        }
        if headers.len() == MAX_HEADERS {
            return Err(bad("too many headers"));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(bad("obsolete header line folding"));
        }
        let text = String::from_utf8_lossy(line);
        let (name, value) = text.split_once(':').ok_or(bad("malformed header"))?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(bad("malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
}

/// All Content-Length values (repeated headers or lists) must agree.
fn parse_content_length(values: &[&str]) -> Result<usize, ReadError> {
    let mut length = None;
    for v in values {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("malformed Content-Length"));
        }
        // Anything that does not fit is certainly over the body cap.
        let n = v.parse::<usize>().unwrap_or(usize::MAX);
        if length.is_some_and(|l| l != n) {
            return Err(bad("conflicting Content-Length"));
        }
        length = Some(n);
    }
    Ok(length.unwrap_or(0))
}

/// Chunked request bodies are rare for form posts, but supported so that
/// streaming HTTP clients are not rejected.
fn read_chunked(r: &mut impl BufRead, line: &mut Vec<u8>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        if read_line(r, line)? == 0 {
            return Err(bad("truncated chunked body"));
        }
        let size = std::str::from_utf8(line)
            .ok()
            .map(|s| s.split(';').next().unwrap_or("").trim())
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or(bad("malformed chunk size"))?;
        if size == 0 {
            break;
        }
        if size > MAX_BODY - body.len() {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])
            .map_err(|_| bad("truncated chunk"))?;
        if read_line(r, line)? == 0 || !line.is_empty() {
            return Err(bad("missing CRLF after chunk"));
        }
    }
    // Trailers are read and ignored.
    for _ in 0..=MAX_HEADERS {
        if read_line(r, line)? == 0 {
            return Err(bad("truncated trailers"));
        }
        if line.is_empty() {
            return Ok(body);
        }
    }
    Err(bad("too many trailers"))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// An empty `content_type` sends no Content-Type (for 204).
pub(crate) fn head(
    status: u16,
    content_type: &str,
    headers: &[(&str, String)],
    length: Option<usize>,
    close: bool,
) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if !content_type.is_empty() {
        let _ = write!(h, "Content-Type: {content_type}\r\n");
    }
    h.push_str("Cache-Control: no-store\r\nServer: tokenkit-mock\r\n");
    if let Some(len) = length {
        let _ = write!(h, "Content-Length: {len}\r\n");
    }
    for (name, value) in headers {
        let _ = write!(h, "{name}: {value}\r\n");
    }
    if close {
        h.push_str("Connection: close\r\n");
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// Head and body leave in one write: separate small writes would hit Nagle /
/// delayed-ACK stalls on keep-alive connections.
fn write_response(out: &mut impl Write, resp: &Response, keep_alive: bool) -> io::Result<()> {
    // RFC 9110 §8.6: a 204 must not carry Content-Length (it never has a body).
    let length = (resp.status != 204).then_some(resp.body.len());
    let mut buf = head(
        resp.status,
        resp.content_type,
        &resp.headers,
        length,
        !keep_alive,
    );
    buf.extend_from_slice(&resp.body);
    out.write_all(&buf)?;
    out.flush()
}

/// After rejecting a request whose body we did not read, drain a little before
/// closing: closing with unread data sends RST, which can destroy the error
/// response before the client reads it.
fn linger_close(stream: &mut impl Transport) {
    stream.close_notify();
    let tcp = stream.tcp();
    let _ = tcp.shutdown(Shutdown::Write);
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(500)));
    let deadline = Instant::now() + Duration::from_secs(2);
    let (mut buf, mut total, mut s) = ([0u8; 8192], 0, tcp);
    while total < (1 << 20) && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

/// Nest-style revocation carries the token in its path, which must not reach logs or /stats.
pub(crate) fn log_path(path: &str) -> &str {
    if path.starts_with(NEST_REVOKE_PREFIX) {
        "/oauth2/access_tokens/<redacted>"
    } else {
        path
    }
}

/// Serves requests on one connection until the client or a fault closes it.
pub(crate) fn serve_connection<S: Transport>(st: &State, stream: S, origin: &Origin) {
    let tcp = stream.tcp();
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = tcp.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut reader = BufReader::new(stream);
    loop {
        let req = match read_request(&mut reader, origin) {
            Ok(Some(req)) => req,
            Ok(None) | Err(ReadError::Io) => return,
            Err(ReadError::Bad(status, msg)) => {
                st.log(format_args!("malformed request -> {status} ({msg})"));
                let resp = endpoints::oauth_error(status, "invalid_request", msg);
                let _ = write_response(reader.get_mut(), &resp, false);
                linger_close(reader.get_mut());
                return;
            }
        };
        st.count_request(log_path(&req.path));
        let reply = endpoints::route(st, &req);
        // Only method, path and sizes: bodies and headers may carry secrets.
        st.log(format_args!(
            "{} {} ({} body bytes{}) -> {}",
            req.method,
            log_path(&req.path),
            req.body.len(),
            if origin.tls { ", TLS" } else { "" },
            reply.describe()
        ));
        let stream = reader.get_mut();
        match reply {
            Reply::Send(resp) => {
                if write_response(stream, &resp, req.keep_alive).is_err() || !req.keep_alive {
                    stream.close_notify();
                    return;
                }
            }
            Reply::Close => return,
            Reply::Hang => return faults::hang(st, stream),
            Reply::Slow => return faults::slow(st, stream),
            Reply::Oversize { chunked } => return faults::oversize(stream, chunked),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            base: "http://127.0.0.1:1".into(),
            tls: false,
        }
    }

    /// A byte buffer that reads as a request and swallows what is written.
    struct Fake(io::Cursor<Vec<u8>>);

    impl Read for Fake {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl Write for Fake {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn parse(raw: &str) -> Result<Option<Request>, ReadError> {
        let mut r = BufReader::new(Fake(io::Cursor::new(raw.as_bytes().to_vec())));
        read_request(&mut r, &origin())
    }

    fn status(raw: &str) -> u16 {
        match parse(raw) {
            Err(ReadError::Bad(s, _)) => s,
            Err(ReadError::Io) => 1,
            Ok(_) => 0,
        }
    }

    #[test]
    fn requests() {
        let req = parse(
            "\r\nPOST http://h/token?a=1 HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        )
        .ok()
        .flatten()
        .unwrap();
        assert_eq!(
            (req.method.as_str(), req.path.as_str(), req.query.as_str()),
            ("POST", "/token", "a=1")
        );
        assert_eq!((req.body.as_slice(), req.keep_alive), (&b"abc"[..], false));
        let req = parse(
            "POST /t HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;x\r\nab\r\n1\r\nc\r\n0\r\nT: 1\r\n\r\n",
        )
        .ok()
        .flatten()
        .unwrap();
        assert_eq!((req.body.as_slice(), req.keep_alive), (&b"abc"[..], true));
        assert!(matches!(parse(""), Ok(None)));
    }

    #[test]
    fn malformed_requests() {
        assert_eq!(status("GET / HTTP/2\r\n\r\n"), 400);
        assert_eq!(status("GET  / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("G(T / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\n folded\r\n\r\n"), 400);
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
            400
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"),
            413
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"),
            400
        );
    }
}
