//! A small local OAuth 2.0 authorization server used as a test fixture by the
//! tokenkit demo and tests. Standard library only, so it builds anywhere with a
//! plain `rustc --edition 2021 -O examples/mock_server.rs`.
//!
//! Usage:
//!   mock_server [--port N] [--port-file PATH] [--code CODE]... [--max-seconds S]
//!
//! Binds 127.0.0.1:N (0 = ephemeral), prints `http://127.0.0.1:PORT` on stdout
//! and, with --port-file, writes the same URL to PATH atomically. Set
//! MOCK_SERVER_VERBOSE=1 for one stderr line per request (secrets never logged).
//!
//! The issuer is that base URL, `http://127.0.0.1:PORT`. Endpoints:
//!
//!   POST /token                  grant_type authorization_code | refresh_token |
//!                                client_credentials | urn:ietf:params:oauth:grant-type:device_code;
//!                                optional mock_expires_in=SECONDS for the access token
//!   GET  /authorize              RFC 6749 §4.1 + PKCE S256, loopback redirect_uri only (RFC 8252);
//!                                302 with code, state, iss (RFC 9207); optional mock_behavior=
//!                                deny | wrong-state | wrong-iss | no-iss | no-code
//!   POST /device_authorization   RFC 8628 §3.1; scope, optional mock_behavior=approve | slow_down |
//!                                deny | expire | never | google, mock_interval=N | absent,
//!                                mock_expires_in=N (device code lifetime)
//!   GET  /device                 placeholder verification page (codes are approved by mock_behavior)
//!   POST /revoke                 RFC 7009; token, optional token_type_hint
//!   DELETE /oauth2/access_tokens/<token>   Nest-style revocation: 204, or 404 if unknown
//!   POST /introspect             RFC 7662; confidential clients only
//!   GET  /.well-known/oauth-authorization-server[/<tenant>]   RFC 8414 metadata
//!   GET  [/<tenant>]/.well-known/openid-configuration         the same, OIDC path style
//!                                tenant: tenant1 (issuer <issuer>/tenant1), evil (lies about its
//!                                issuer), broken (invalid JSON)
//!   POST /flaky/<N>/<key>/token     first N requests per key: 503, Retry-After: 0; then /token
//!   POST /flaky429/<N>/<key>/token  the same with 429, Retry-After: 1
//!   GET  /stats                  request counters and device poll spacing, for assertions
//!   POST /mint                   a one-time code bound to client_id, redirect_uri, code_challenge, scope
//!   POST /echo                   a valid token response reflecting the request
//!   POST /fault/<mode>           token endpoints that misbehave on purpose (see CANNED)
//!
//! Client authentication (token, device authorization, revocation, introspection):
//! demo-client / demo-secret (client_secret_post), basic-client / "basic secret:+&/é"
//! (client_secret_basic), public-client (none), rotating-client / rotating-secret
//! (client_secret_post; refresh grants rotate the refresh token).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str =
    "usage: mock_server [--port N] [--port-file PATH] [--code CODE]... [--max-seconds S]";

// Limits keep a hostile or buggy client from making the server allocate freely.
const MAX_LINE: u64 = 8 * 1024;
const MAX_HEADERS: usize = 100;
const MAX_BODY: usize = 64 * 1024;
// Idle keep-alive connections are dropped eventually so half-open sockets
// cannot pin threads forever; generous so pooled client connections survive.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
const THREAD_STACK: usize = 256 * 1024;

const JSON: &str = "application/json";
const TEXT: &str = "text/plain";
const HTML: &str = "text/html";
const FORM: &str = "application/x-www-form-urlencoded";

// ---------------------------------------------------------------------------
// Registered clients

#[derive(Clone, Copy, PartialEq)]
enum AuthMethod {
    /// client_id + client_secret in the form body.
    Post,
    /// HTTP Basic with form-urlencoded id and secret (RFC 6749 §2.3.1).
    Basic,
    /// Public client: client_id in the body, no secret.
    None,
}

struct Client {
    id: &'static str,
    secret: &'static str,
    method: AuthMethod,
    /// Refresh grants return a new refresh token and invalidate the old one.
    rotates: bool,
}

const CLIENTS: [Client; 4] = [
    Client { id: "demo-client", secret: "demo-secret", method: AuthMethod::Post, rotates: false },
    // The secret has every character that breaks naive Basic encoding.
    Client { id: "basic-client", secret: "basic secret:+&/é", method: AuthMethod::Basic, rotates: false },
    Client { id: "public-client", secret: "", method: AuthMethod::None, rotates: false },
    Client { id: "rotating-client", secret: "rotating-secret", method: AuthMethod::Post, rotates: true },
];

// ---------------------------------------------------------------------------
// Shared state

#[derive(Default)]
struct CodeGrant {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    challenge: Option<String>,
    scope: Option<String>,
}

/// Pending and used codes under one lock so "check then consume" is atomic.
#[derive(Default)]
struct Codes {
    pending: HashMap<String, CodeGrant>,
    used: HashSet<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum TokenKind {
    Access,
    Refresh,
}

/// Every access and refresh token issued, so that refresh, revocation and
/// introspection all see one truth.
struct TokenRecord {
    kind: TokenKind,
    client_id: &'static str,
    scope: String,
    issued: SystemTime,
    lifetime: Duration,
    revoked: bool,
}

impl TokenRecord {
    fn expiry(&self) -> SystemTime {
        self.issued + self.lifetime
    }

    fn active(&self) -> bool {
        !self.revoked && SystemTime::now() < self.expiry()
    }
}

/// Refresh tokens need some `exp` for introspection; long enough never to
/// matter within a test run.
const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Counters behind GET /stats; device poll spacing lives with the device grants.
#[derive(Default)]
struct Stats {
    token_requests: u64,
    /// Indexed like GRANT_TYPES.
    by_grant: [u64; 4],
    revocations: u64,
    introspections: u64,
    /// Requests per /flaky key (both flavours share a key's counter).
    flaky: HashMap<String, u64>,
}

struct State {
    port: u16,
    verbose: bool,
    serial: AtomicU64,
    urandom: Mutex<Option<File>>,
    codes: Mutex<Codes>,
    tokens: Mutex<HashMap<String, TokenRecord>>,
    devices: Mutex<HashMap<String, DeviceGrant>>,
    stats: Mutex<Stats>,
}

impl State {
    fn next_serial(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::Relaxed)
    }

    /// The base URL doubles as the issuer identifier (RFC 8414 §2, RFC 9207).
    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From /dev/urandom (one shared handle: one syscall per token).
    fn random_bytes(&self) -> [u8; 8] {
        let mut bytes = [0u8; 8];
        let ok = lock(&self.urandom).as_mut().is_some_and(|f| f.read_exact(&mut bytes).is_ok());
        if !ok {
            // No /dev/urandom (odd sandbox): time + serial still yields unique tokens.
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            bytes = splitmix(nanos ^ self.next_serial().rotate_left(32)).to_le_bytes();
        }
        bytes
    }

    /// 16 hex digits.
    fn random_hex(&self) -> String {
        self.random_bytes().iter().fold(String::with_capacity(16), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A panic in one connection thread must not take the whole server down with a
/// poisoned lock, so poisoning is ignored (the data stays consistent anyway).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------
// Command line and main

struct Config {
    port: u16,
    port_file: Option<String>,
    codes: Vec<String>,
    max_seconds: Option<Duration>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut cfg = Config { port: 0, port_file: None, codes: Vec::new(), max_seconds: None };
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        // Accept both "--flag value" and "--flag=value".
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg, None),
        };
        if !matches!(flag.as_str(), "--port" | "--port-file" | "--code" | "--max-seconds") {
            return Err(format!("unknown argument {flag:?}"));
        }
        let value = inline.or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => cfg.port = value.parse().map_err(|_| format!("bad port {value:?}"))?,
            "--port-file" => cfg.port_file = Some(value),
            "--code" => cfg.codes.push(value),
            _ => {
                let secs = value.parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok());
                cfg.max_seconds = Some(secs.ok_or_else(|| format!("bad --max-seconds {value:?}"))?);
            }
        }
    }
    Ok(cfg)
}

fn die(msg: String) -> ! {
    eprintln!("mock_server: {msg}");
    std::process::exit(1)
}

/// Write then rename, so a watcher never reads a half-written file.
fn write_atomically(path: &str, contents: &str) -> io::Result<()> {
    let tmp = format!("{path}.tmp");
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

fn main() {
    let cfg = parse_args(std::env::args().skip(1)).unwrap_or_else(|msg| {
        eprintln!("mock_server: {msg}\n{USAGE}");
        std::process::exit(2)
    });
    let listener = TcpListener::bind(("127.0.0.1", cfg.port))
        .unwrap_or_else(|e| die(format!("cannot bind 127.0.0.1:{}: {e}", cfg.port)));
    let port = listener.local_addr().map_or_else(|e| die(format!("local_addr: {e}")), |a| a.port());
    let url = format!("http://127.0.0.1:{port}");

    // Ignore stdout errors: a parent that stopped reading must not kill us.
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{url}");
    let _ = out.flush();
    drop(out);
    if let Some(path) = &cfg.port_file {
        write_atomically(path, &url).unwrap_or_else(|e| die(format!("cannot write {path}: {e}")));
    }
    if let Some(limit) = cfg.max_seconds {
        // Safety net so a forgotten fixture does not outlive its test run.
        thread::spawn(move || {
            thread::sleep(limit);
            std::process::exit(0)
        });
    }

    let codes = Codes {
        pending: cfg.codes.into_iter().map(|c| (c, CodeGrant::default())).collect(),
        used: HashSet::new(),
    };
    let state = Arc::new(State {
        port,
        verbose: std::env::var_os("MOCK_SERVER_VERBOSE").is_some_and(|v| v == "1"),
        serial: AtomicU64::new(1),
        urandom: Mutex::new(File::open("/dev/urandom").ok()),
        codes: Mutex::new(codes),
        tokens: Mutex::new(HashMap::new()),
        devices: Mutex::new(HashMap::new()),
        stats: Mutex::new(Stats::default()),
    });

    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                let st = Arc::clone(&state);
                // If no thread can be spawned the closure (and socket) is dropped:
                // that client sees a reset, the server carries on.
                let _ = thread::Builder::new()
                    .stack_size(THREAD_STACK)
                    .spawn(move || serve_connection(&st, stream));
            }
            // EMFILE and friends: back off instead of spinning at 100% CPU.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

// ---------------------------------------------------------------------------
// HTTP/1.1 plumbing

struct Request {
    method: String,
    path: String,
    /// Raw query string, without the '?'.
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    /// First header with this (lower-case) name.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response { status, content_type, headers: Vec::new(), body: body.into() }
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// What to do with the connection after routing. Fault modes that stream or
/// withhold a response cannot be expressed as a plain `Response`.
enum Reply {
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

enum ReadError {
    /// Socket error or timeout: nobody to answer, just drop the connection.
    Io,
    /// Malformed request: answer with this status, then close.
    Bad(u16, &'static str),
}

fn bad(msg: &'static str) -> ReadError {
    ReadError::Bad(400, msg)
}

/// Reads one line (without CRLF) into `buf`. Ok(0) means clean EOF.
fn read_line(r: &mut BufReader<TcpStream>, buf: &mut Vec<u8>) -> Result<usize, ReadError> {
    buf.clear();
    let n = r.by_ref().take(MAX_LINE).read_until(b'\n', buf).map_err(|_| ReadError::Io)?;
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
fn read_request(r: &mut BufReader<TcpStream>) -> Result<Option<Request>, ReadError> {
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
    let mut req = Request { method, path, query, headers, body: Vec::new(), keep_alive: false };

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
        Some(_) if !content_lengths.is_empty() => return Err(bad("both Content-Length and Transfer-Encoding")),
        Some(te) if te.eq_ignore_ascii_case("chunked") => true,
        Some(_) => return Err(bad("unsupported Transfer-Encoding")),
    };
    let length = parse_content_length(&content_lengths)?;
    if length > MAX_BODY {
        return Err(ReadError::Bad(413, "request body too large"));
    }
    if (chunked || length > 0) && !http10 && req.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        // curl waits up to a second for this before sending large bodies.
        let mut w = r.get_ref();
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Io)?;
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
    if !method.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
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
    Ok((method.to_string(), path.to_string(), query.to_string(), http10))
}

fn read_headers(r: &mut BufReader<TcpStream>, line: &mut Vec<u8>) -> Result<Vec<(String, String)>, ReadError> {
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
fn read_chunked(r: &mut BufReader<TcpStream>, line: &mut Vec<u8>) -> Result<Vec<u8>, ReadError> {
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
        r.read_exact(&mut body[start..]).map_err(|_| bad("truncated chunk"))?;
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
        302 => "Found",
        307 => "Temporary Redirect",
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
fn head(status: u16, content_type: &str, headers: &[(&str, String)], length: Option<usize>, close: bool) -> Vec<u8> {
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
fn write_response(mut out: &TcpStream, resp: &Response, keep_alive: bool) -> io::Result<()> {
    // RFC 9110 §8.6: a 204 must not carry Content-Length (it never has a body).
    let length = (resp.status != 204).then_some(resp.body.len());
    let mut buf = head(resp.status, resp.content_type, &resp.headers, length, !keep_alive);
    buf.extend_from_slice(&resp.body);
    out.write_all(&buf)
}

/// After rejecting a request whose body we did not read, drain a little before
/// closing: closing with unread data sends RST, which can destroy the error
/// response before the client reads it.
fn linger_close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let deadline = Instant::now() + Duration::from_secs(2);
    let (mut buf, mut total, mut s) = ([0u8; 8192], 0, stream);
    while total < (1 << 20) && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

fn log(st: &State, args: std::fmt::Arguments) {
    if st.verbose {
        let _ = writeln!(io::stderr(), "mock_server: {args}");
    }
}

/// Nest-style revocation carries the token in its path.
fn log_path(path: &str) -> &str {
    if path.starts_with(NEST_REVOKE_PREFIX) {
        "/oauth2/access_tokens/<redacted>"
    } else {
        path
    }
}

fn serve_connection(st: &State, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut reader = BufReader::new(stream);
    loop {
        let req = match read_request(&mut reader) {
            Ok(Some(req)) => req,
            Ok(None) | Err(ReadError::Io) => return,
            Err(ReadError::Bad(status, msg)) => {
                log(st, format_args!("malformed request -> {status} ({msg})"));
                let _ = write_response(reader.get_ref(), &oauth_error(status, "invalid_request", msg), false);
                linger_close(reader.get_ref());
                return;
            }
        };
        let reply = route(st, &req);
        // Only method, path and sizes: bodies and headers may carry secrets.
        log(st, format_args!("{} {} ({} body bytes) -> {}", req.method, log_path(&req.path), req.body.len(), reply.describe()));
        let stream = reader.get_ref();
        match reply {
            Reply::Send(resp) => {
                if write_response(stream, &resp, req.keep_alive).is_err() || !req.keep_alive {
                    return;
                }
            }
            Reply::Close => return,
            Reply::Hang => return hang(stream),
            Reply::Slow => return slow(stream),
            Reply::Oversize { chunked } => return oversize(stream, chunked),
        }
    }
}

// ---------------------------------------------------------------------------
// Routing and helper endpoints

fn json(status: u16, body: String) -> Response {
    Response::new(status, JSON, body)
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    json(status, format!(r#"{{"error":{},"error_description":{}}}"#, js(error), js(description)))
}

fn not_found() -> Response {
    json(404, r#"{"error":"not_found"}"#.into())
}

fn method_not_allowed(allow: &'static str) -> Response {
    oauth_error(405, "invalid_request", "method not allowed").with_header("Allow", allow)
}

fn route(st: &State, req: &Request) -> Reply {
    if let Some(mode) = req.path.strip_prefix("/fault/") {
        if req.method != "POST" {
            return Reply::Send(method_not_allowed("POST"));
        }
        return fault(st, req, mode).unwrap_or_else(|| Reply::Send(not_found()));
    }
    Reply::Send(route_plain(st, req))
}

/// Every path answers one method; any other gets 405. Unknown paths are 404
/// whatever the method.
fn route_plain(st: &State, req: &Request) -> Response {
    let only = |method: &'static str, handler: &dyn Fn() -> Response| {
        if req.method == method {
            handler()
        } else {
            method_not_allowed(method)
        }
    };
    let path = req.path.as_str();
    match path {
        "/token" => return only("POST", &|| token_endpoint(st, req)),
        "/mint" => return only("POST", &|| mint(st, req)),
        "/echo" => return only("POST", &|| echo(req)),
        "/authorize" => return only("GET", &|| answer(authorize(st, req))),
        "/device_authorization" => return only("POST", &|| answer(device_authorization(st, req))),
        "/device" => return only("GET", &device_page),
        "/revoke" => return only("POST", &|| answer(revoke(st, req))),
        "/introspect" => return only("POST", &|| answer(introspect(st, req))),
        "/stats" => return only("GET", &|| stats(st)),
        _ => {}
    }
    if let Some(token) = path.strip_prefix(NEST_REVOKE_PREFIX) {
        return only("DELETE", &|| nest_revoke(st, token));
    }
    if let Some(flaky) = parse_flaky(path) {
        return only("POST", &|| flaky_token(st, req, &flaky));
    }
    if let Some(tenant) = discovery_tenant(path) {
        return only("GET", &|| discovery(st, tenant));
    }
    not_found()
}

/// Absent method means S256 here (not RFC 7636's "plain"): plain is unsupported.
fn pkce_challenge(form: &Form) -> Result<Option<&str>, &'static str> {
    let challenge = form.get("code_challenge");
    match (form.get("code_challenge_method"), challenge) {
        (Some("S256"), Some(_)) | (None, _) => Ok(challenge),
        (Some("S256"), None) => Err("missing code_challenge"),
        (Some(_), _) => Err("only S256 is supported"),
    }
}

/// Stores a one-time code for the token endpoint's authorization_code grant.
fn mint_code(st: &State, grant: CodeGrant) -> String {
    let code = format!("mint-{}-{}", st.next_serial(), st.random_hex());
    lock(&st.codes).pending.insert(code.clone(), grant);
    code
}

/// POST /mint: a one-time code bound to client, redirect_uri, PKCE and scope.
fn mint(st: &State, req: &Request) -> Response {
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

/// GET /stats: counters since start, so tests can assert on request counts
/// and on how a device-flow client spaced its polls.
fn stats(st: &State) -> Response {
    let device_polls = device_polls_json(st);
    let s = lock(&st.stats);
    let by_grant: Vec<String> =
        GRANT_TYPES.iter().zip(s.by_grant).map(|((_, short), n)| format!("{}:{n}", js(short))).collect();
    let mut flaky: Vec<String> = s.flaky.iter().map(|(key, n)| format!("{}:{n}", js(key))).collect();
    flaky.sort();
    json(
        200,
        format!(
            r#"{{"token_requests":{},"by_grant":{{{}}},"device_polls":{device_polls},"revocations":{},"introspections":{},"flaky":{{{}}}}}"#,
            s.token_requests,
            by_grant.join(","),
            s.revocations,
            s.introspections,
            flaky.join(","),
        ),
    )
}

/// POST /echo: a valid token response that also reflects what arrived, so
/// tests can assert on the exact bytes and headers the client sent.
fn echo(req: &Request) -> Response {
    let h = |name: &str| js(req.header(name).unwrap_or(""));
    json(
        200,
        format!(
            r#"{{"access_token":"echo-token","token_type":"Bearer","expires_in":60,"request_body":{},"authorization":{},"accept":{},"content_type":{},"user_agent":{},"method":{},"path":{}}}"#,
            js(&String::from_utf8_lossy(&req.body)),
            h("authorization"),
            h("accept"),
            h("content-type"),
            h("user-agent"),
            js(&req.method),
            js(&req.path),
        ),
    )
}

// ---------------------------------------------------------------------------
// Token endpoint

/// Decoded form parameters; duplicates are rejected while parsing.
struct Form(HashMap<String, String>);

impl Form {
    /// RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }
}

fn parse_form(body: &[u8]) -> Result<Form, String> {
    let mut map = HashMap::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let (Some(key), Some(value)) = (form_decode(k), form_decode(v)) else {
            return Err("malformed form encoding".into());
        };
        match map.entry(key) {
            Entry::Occupied(e) => return Err(format!("duplicate parameter {}", e.key())),
            Entry::Vacant(e) => e.insert(value),
        };
    }
    Ok(Form(map))
}

/// application/x-www-form-urlencoded decoding: '+' is space, %XX a byte, then UTF-8.
fn form_decode(s: &[u8]) -> Option<String> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let (hi, lo) = (hex(*s.get(i + 1)?)?, hex(*s.get(i + 2)?)?);
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Grant types the token endpoint serves, with their names in /stats.
const GRANT_TYPES: [(&str, &str); 4] = [
    ("authorization_code", "authorization_code"),
    ("refresh_token", "refresh_token"),
    ("client_credentials", "client_credentials"),
    (DEVICE_GRANT, "device_code"),
];

const DEFAULT_EXPIRES_IN: u64 = 3600;

/// An optional whole number of seconds. u32 keeps `now + secs` far from
/// overflowing SystemTime/Instant arithmetic (which would panic).
fn form_secs(form: &Form, key: &str, default: u64) -> Result<u64, Response> {
    match form.get(key).map(str::parse::<u32>) {
        None => Ok(default),
        Some(Ok(n)) => Ok(u64::from(n)),
        Some(Err(_)) => Err(oauth_error(400, "invalid_request", &format!("{key} must be a number of seconds"))),
    }
}

fn token_endpoint(st: &State, req: &Request) -> Response {
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
    match grant_type {
        "authorization_code" => code_grant(st, client, &form, ttl),
        "refresh_token" => refresh_grant(st, client, &form, ttl),
        "client_credentials" => client_credentials_grant(st, client, &form, ttl),
        DEVICE_GRANT => device_grant(st, client, &form, ttl),
        _ => oauth_error(400, "unsupported_grant_type", "grant_type is not supported"),
    }
}

fn invalid_client(basic_attempted: bool) -> Response {
    let resp = json(401, r#"{"error":"invalid_client","error_description":"client authentication failed"}"#.into());
    if basic_attempted {
        resp.with_header("WWW-Authenticate", r#"Basic realm="mock""#)
    } else {
        resp
    }
}

/// Accepts exactly the client's registered method; anything else is 401.
fn authenticate(req: &Request, form: &Form) -> Result<&'static Client, Response> {
    let basic = req.header("authorization").and_then(|v| {
        let (scheme, cred) = v.split_once(' ').unwrap_or((v, ""));
        scheme.eq_ignore_ascii_case("basic").then(|| cred.trim())
    });
    let (id, secret, method) = match basic {
        Some(cred) => {
            let (id, secret) = decode_basic(cred).ok_or_else(|| invalid_client(true))?;
            // Two authentication methods in one request is an error (RFC 6749 §2.3);
            // a matching client_id in the body is tolerated.
            if form.get("client_secret").is_some() || form.get("client_id").is_some_and(|b| b != id) {
                return Err(invalid_client(true));
            }
            (id, Some(secret), AuthMethod::Basic)
        }
        None => {
            let id = form.get("client_id").ok_or_else(|| invalid_client(false))?.to_string();
            let secret = form.get("client_secret").map(str::to_string);
            let method = if secret.is_some() { AuthMethod::Post } else { AuthMethod::None };
            (id, secret, method)
        }
    };
    let secret_ok = |c: &Client| match &secret {
        Some(s) => ct_eq(s.as_bytes(), c.secret.as_bytes()),
        None => c.method == AuthMethod::None,
    };
    CLIENTS
        .iter()
        .find(|c| c.id == id && c.method == method && secret_ok(c))
        .ok_or_else(|| invalid_client(basic.is_some()))
}

/// base64(urlencode(id) ":" urlencode(secret)) -> (id, secret).
fn decode_basic(cred: &str) -> Option<(String, String)> {
    let raw = b64_decode(cred)?;
    let colon = raw.iter().position(|&b| b == b':')?;
    Some((form_decode(&raw[..colon])?, form_decode(&raw[colon + 1..])?))
}

/// Constant-time comparison: cheap, and keeps the fixture a good example.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
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
        if b64url(&sha256(verifier.as_bytes())) != *challenge {
            return Err("code_verifier does not match code_challenge");
        }
    }
    Ok(())
}

fn code_grant(st: &State, client: &'static Client, form: &Form, ttl: u64) -> Response {
    let Some(code) = form.get("code") else {
        return oauth_error(400, "invalid_request", "missing code");
    };
    let grant = match take_code(st, code) {
        Ok(g) => g,
        Err(msg) => return oauth_error(400, "invalid_grant", msg),
    };
    if let Err(msg) = check_binding(&grant, client, form) {
        return oauth_error(400, "invalid_grant", msg);
    }
    let scope = grant.scope.unwrap_or_else(|| "read".into());
    issue(st, client, &scope, ttl, Some(&scope))
}

fn refresh_grant(st: &State, client: &'static Client, form: &Form, ttl: u64) -> Response {
    let Some(token) = form.get("refresh_token") else {
        return oauth_error(400, "invalid_request", "missing refresh_token");
    };
    let wanted: Vec<&str> = form.get("scope").unwrap_or("").split(' ').filter(|s| !s.is_empty()).collect();
    let mut tokens = lock(&st.tokens);
    let found = tokens.get_mut(token).filter(|r| r.kind == TokenKind::Refresh && r.client_id == client.id);
    let Some(record) = found else {
        return oauth_error(400, "invalid_grant", "unknown refresh token");
    };
    if !record.active() {
        return oauth_error(400, "invalid_grant", "refresh token was revoked or has expired");
    }
    if !wanted.iter().all(|w| record.scope.split(' ').any(|o| o == *w)) {
        return oauth_error(400, "invalid_scope", "requested scope exceeds the original grant");
    }
    // Rotation: the old token dies under the same lock that checked it, so
    // two concurrent refreshes cannot both redeem it.
    record.revoked |= client.rotates;
    let original = record.scope.clone();
    drop(tokens);
    let scope = if wanted.is_empty() { original.clone() } else { wanted.join(" ") };
    // Non-rotating clients get no refresh_token: they must keep their old one.
    // A rotated token keeps the original grant's scope (RFC 6749 §6).
    issue(st, client, &scope, ttl, client.rotates.then_some(original.as_str()))
}

fn client_credentials_grant(st: &State, client: &'static Client, form: &Form, ttl: u64) -> Response {
    if client.method == AuthMethod::None {
        return oauth_error(400, "unauthorized_client", "public clients cannot use client_credentials");
    }
    issue(st, client, form.get("scope").unwrap_or("read"), ttl, None)
}

/// Mints an access token living `ttl` seconds (plus a refresh token carrying
/// `refresh_scope`), records both for refresh, revocation and introspection,
/// and answers with the token response.
fn issue(st: &State, client: &'static Client, scope: &str, ttl: u64, refresh_scope: Option<&str>) -> Response {
    let n = st.next_serial();
    let access = format!("at-{n}-{}", st.random_hex());
    let refresh = refresh_scope.map(|s| (format!("rt-{n}-{}", st.random_hex()), s));
    let issued = SystemTime::now();
    let record = |kind, scope: &str, lifetime| TokenRecord {
        kind,
        client_id: client.id,
        scope: scope.to_string(),
        issued,
        lifetime,
        revoked: false,
    };
    let mut tokens = lock(&st.tokens);
    tokens.insert(access.clone(), record(TokenKind::Access, scope, Duration::from_secs(ttl)));
    if let Some((token, refresh_scope)) = &refresh {
        tokens.insert(token.clone(), record(TokenKind::Refresh, refresh_scope, REFRESH_LIFETIME));
    }
    drop(tokens);
    token_json(&access, refresh.as_ref().map(|(t, _)| t.as_str()), scope, ttl)
}

fn token_json(access: &str, refresh: Option<&str>, scope: &str, expires_in: u64) -> Response {
    let refresh = refresh.map(|r| format!(r#","refresh_token":{}"#, js(r))).unwrap_or_default();
    json(
        200,
        format!(
            r#"{{"access_token":{},"token_type":"Bearer","expires_in":{expires_in}{refresh},"scope":{}}}"#,
            js(access),
            js(scope)
        ),
    )
}

/// JSON string literal: escapes quotes, backslash and control characters as
/// \u00XX; other non-ASCII stays as UTF-8.
fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Shared by the endpoints below

/// Handlers with many early exits return Err(response) and use `?`.
type Handled = Result<Response, Response>;

fn answer(result: Handled) -> Response {
    result.unwrap_or_else(|resp| resp)
}

fn form_body(req: &Request) -> Result<Form, Response> {
    parse_form(&req.body).map_err(|msg| oauth_error(400, "invalid_request", &msg))
}

/// application/x-www-form-urlencoded encoding (space as '+'), for the
/// parameters /authorize appends to a redirect_uri.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Authorization endpoint: GET /authorize (RFC 6749 §4.1, RFC 9207 iss)

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
    Response::new(400, HTML, format!("<html><body><h1>Bad Request</h1><p>{msg}</p></body></html>"))
}

/// RFC 8252 §7.3: native apps receive the redirect on a loopback address at
/// any port. ASCII-only also keeps CR/LF out of the Location header.
fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    // RFC 6749 §3.1.2: the redirection endpoint must not have a fragment.
    if !uri.bytes().all(|b| b.is_ascii_graphic()) || uri.contains('#') {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let (host, port_ok) = match authority.split_once(':') {
        Some((host, port)) => (host, port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0)),
        None => (authority, true),
    };
    matches!(host, "127.0.0.1" | "localhost") && port_ok
}

/// Appends parameters, keeping any query the redirect_uri already has.
fn with_query(uri: &str, params: &[(&str, String)]) -> String {
    let sep = match uri.find('?') {
        None => "?",
        Some(_) if uri.ends_with(['?', '&']) => "",
        Some(_) => "&",
    };
    let pairs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", form_encode(v))).collect();
    format!("{uri}{sep}{}", pairs.join("&"))
}

fn authorize(st: &State, req: &Request) -> Handled {
    let q = parse_form(req.query.as_bytes()).map_err(|_| bad_page("malformed or repeated query parameter"))?;
    let client_id = q.get("client_id").unwrap_or("");
    if !CLIENTS.iter().any(|c| c.id == client_id) {
        return Err(bad_page("unknown client_id"));
    }
    let redirect_uri = q.get("redirect_uri").filter(|u| is_loopback_redirect(u)).ok_or_else(|| {
        bad_page("redirect_uri must be http://127.0.0.1:PORT/... or http://localhost:PORT/...")
    })?;
    if q.get("response_type") != Some("code") {
        return Err(bad_page("response_type must be code"));
    }
    let behavior = AuthorizeBehavior::parse(q.get("mock_behavior")).ok_or_else(|| bad_page("unknown mock_behavior"))?;
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
    let state = if behavior == AuthorizeBehavior::WrongState { Some("not-the-state") } else { q.get("state") };
    if let Some(state) = state {
        params.push(("state", state.to_string()));
    }
    match behavior {
        AuthorizeBehavior::NoIss => {}
        AuthorizeBehavior::WrongIss => params.push(("iss", "http://evil.example".into())),
        _ => params.push(("iss", st.issuer())),
    }
    Ok(Response::new(302, HTML, "").with_header("Location", with_query(redirect_uri, &params)))
}

// ---------------------------------------------------------------------------
// Device authorization grant (RFC 8628)

/// What the simulated user (or server) does while the client polls.
#[derive(Clone, Copy, PartialEq)]
enum DeviceBehavior {
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

struct DeviceGrant {
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
}

/// "ABCD-EFGH"
fn user_code(st: &State) -> String {
    let letters: String = st.random_bytes().iter().map(|b| USER_CODE_ALPHABET[usize::from(b % 20)] as char).collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// POST /device_authorization (RFC 8628 §3.1-3.2).
fn device_authorization(st: &State, req: &Request) -> Handled {
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
    };
    lock(&st.devices).insert(device_code.clone(), grant);

    let uri = format!("{}/device", st.issuer());
    let mut body = format!(r#"{{"device_code":{},"user_code":{}"#, js(&device_code), js(&user_code));
    if behavior == DeviceBehavior::Google {
        // Google spells it verification_url and has no _complete variant.
        let _ = write!(body, r#","verification_url":{}"#, js(&uri));
    } else {
        let complete = format!("{uri}?user_code={user_code}");
        let _ = write!(body, r#","verification_uri":{},"verification_uri_complete":{}"#, js(&uri), js(&complete));
    }
    let _ = write!(body, r#","expires_in":{expires_in}"#);
    if let Some(interval) = interval {
        let _ = write!(body, r#","interval":{interval}"#);
    }
    body.push('}');
    Ok(json(200, body))
}

/// The answer to one poll of the token endpoint.
enum Poll {
    Pending,
    SlowDown,
    Denied,
    Expired,
    Invalid(&'static str),
    Approved(String),
}

/// grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4-3.5).
fn device_grant(st: &State, client: &'static Client, form: &Form, ttl: u64) -> Response {
    let Some(code) = form.get("device_code") else {
        return oauth_error(400, "invalid_request", "missing device_code");
    };
    match poll_device(st, client, code) {
        Poll::Approved(scope) => issue(st, client, &scope, ttl, Some(&scope)),
        Poll::Pending => oauth_error(400, "authorization_pending", "the user has not answered yet"),
        Poll::SlowDown => oauth_error(400, "slow_down", "polling too fast: interval increased by 5 seconds"),
        Poll::Denied => oauth_error(400, "access_denied", "the user denied access"),
        Poll::Expired => oauth_error(400, "expired_token", "the device code has expired"),
        Poll::Invalid(msg) => oauth_error(400, "invalid_grant", msg),
    }
}

/// Records the poll, then checks in order: the code is this client's and not
/// yet redeemed, not expired, polled no faster than the interval; only then
/// does the scripted behaviour decide.
fn poll_device(st: &State, client: &Client, code: &str) -> Poll {
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

/// {"<device_code>":{"polls":N,"gaps_ms":[..]},..} for the newest codes.
fn device_polls_json(st: &State) -> String {
    let devices = lock(&st.devices);
    let mut newest: Vec<(&String, &DeviceGrant)> = devices.iter().collect();
    newest.sort_by_key(|(_, d)| std::cmp::Reverse(d.seq));
    newest.truncate(STATS_DEVICE_CODES);
    let entries: Vec<String> = newest
        .iter()
        .rev()
        .map(|(code, d)| {
            let gaps: Vec<String> = d.gaps_ms.iter().map(u64::to_string).collect();
            format!(r#"{}:{{"polls":{},"gaps_ms":[{}]}}"#, js(code), d.polls, gaps.join(","))
        })
        .collect();
    format!("{{{}}}", entries.join(","))
}

/// GET /device: where verification_uri points; the mock's "user" is mock_behavior.
fn device_page() -> Response {
    Response::new(
        200,
        HTML,
        "<html><body><h1>Device verification</h1><p>This mock server answers device codes by their mock_behavior; there is nothing to enter.</p></body></html>",
    )
}

// ---------------------------------------------------------------------------
// Revocation (RFC 7009) and introspection (RFC 7662)

/// POST /revoke
fn revoke(st: &State, req: &Request) -> Handled {
    lock(&st.stats).revocations += 1;
    let form = form_body(req)?;
    let client = authenticate(req, &form)?;
    let token = form.get("token").ok_or_else(|| oauth_error(400, "invalid_request", "missing token"))?;
    match form.get("token_type_hint") {
        None | Some("access_token" | "refresh_token") => {}
        Some(_) => return Err(oauth_error(400, "unsupported_token_type", "token_type_hint is not supported")),
    }
    // The hint only speeds up real servers' lookups (RFC 7009 §2.1), so either
    // kind is revoked whatever it says. Unknown tokens, and other clients'
    // tokens, are silently ignored (RFC 7009 §2.2).
    if let Some(record) = lock(&st.tokens).get_mut(token).filter(|r| r.client_id == client.id) {
        record.revoked = true;
    }
    Ok(Response::new(200, TEXT, ""))
}

const NEST_REVOKE_PREFIX: &str = "/oauth2/access_tokens/";

/// DELETE /oauth2/access_tokens/<token>: Nest's API, where the token in the
/// path is its own credential (no client authentication).
fn nest_revoke(st: &State, segment: &str) -> Response {
    lock(&st.stats).revocations += 1;
    // Percent-decoding only: '+' is literal in a path.
    let token = form_decode(segment.replace('+', "%2B").as_bytes()).unwrap_or_default();
    let mut tokens = lock(&st.tokens);
    match tokens.get_mut(&token).filter(|r| r.kind == TokenKind::Access) {
        Some(record) => {
            record.revoked = true;
            Response::new(204, "", "")
        }
        None => not_found(),
    }
}

/// POST /introspect
fn introspect(st: &State, req: &Request) -> Handled {
    lock(&st.stats).introspections += 1;
    let form = form_body(req)?;
    let client = authenticate(req, &form)?;
    // Introspection is for resource servers, which can keep a secret.
    if client.method == AuthMethod::None {
        return Err(invalid_client(false));
    }
    let token = form.get("token").ok_or_else(|| oauth_error(400, "invalid_request", "missing token"))?;
    let tokens = lock(&st.tokens);
    // RFC 7662 §2.2: unknown, revoked and expired all look the same.
    let Some(record) = tokens.get(token).filter(|r| r.active()) else {
        return Ok(json(200, r#"{"active":false}"#.into()));
    };
    let token_type = match record.kind {
        TokenKind::Access => "Bearer",
        TokenKind::Refresh => "refresh_token",
    };
    Ok(json(
        200,
        format!(
            r#"{{"active":true,"client_id":{},"scope":{},"token_type":{},"exp":{},"iat":{},"sub":"user-1","iss":{}}}"#,
            js(record.client_id),
            js(&record.scope),
            js(token_type),
            unix_secs(record.expiry()),
            unix_secs(record.issued),
            js(&st.issuer()),
        ),
    ))
}

// ---------------------------------------------------------------------------
// Discovery (RFC 8414, OpenID Connect Discovery 1.0)

const WELL_KNOWN_OAUTH: &str = "/.well-known/oauth-authorization-server";
const WELL_KNOWN_OIDC: &str = "/.well-known/openid-configuration";

/// Issuers with a path, and servers that get their metadata wrong on purpose.
#[derive(Clone, Copy)]
enum Tenant {
    Root,
    /// Issuer <issuer>/tenant1.
    Tenant1,
    /// Claims issuer <issuer>/not-evil: clients must notice the mismatch (RFC 8414 §3.3).
    Evil,
    /// 200 with invalid JSON.
    Broken,
}

const TENANTS: [(&str, Tenant); 4] =
    [("", Tenant::Root), ("tenant1", Tenant::Tenant1), ("evil", Tenant::Evil), ("broken", Tenant::Broken)];

/// RFC 8414 §3.1 inserts the well-known segment before the issuer's path
/// (/.well-known/oauth-authorization-server/tenant1); OIDC Discovery §4
/// appends it (/tenant1/.well-known/openid-configuration). Both are served.
fn discovery_tenant(path: &str) -> Option<Tenant> {
    let name = if path == WELL_KNOWN_OAUTH || path == WELL_KNOWN_OIDC {
        ""
    } else {
        let inserted = path.strip_prefix(WELL_KNOWN_OAUTH).and_then(|p| p.strip_prefix('/'));
        let appended = || path.strip_suffix(WELL_KNOWN_OIDC).and_then(|p| p.strip_prefix('/'));
        inserted.or_else(appended).filter(|name| !name.is_empty())?
    };
    TENANTS.iter().find(|(n, _)| *n == name).map(|&(_, tenant)| tenant)
}

fn discovery(st: &State, tenant: Tenant) -> Response {
    let base = st.issuer();
    let issuer = match tenant {
        Tenant::Root => base.clone(),
        Tenant::Tenant1 => format!("{base}/tenant1"),
        Tenant::Evil => format!("{base}/not-evil"),
        Tenant::Broken => return json(200, format!(r#"{{"issuer":{},"token_endpoint":"#, js(&base))),
    };
    json(200, metadata(&base, &issuer))
}

/// One document for every tenant: only the issuer differs, the endpoints
/// stay those of this server.
fn metadata(base: &str, issuer: &str) -> String {
    let endpoint = |path: &str| js(&format!("{base}{path}"));
    let grants: Vec<String> = GRANT_TYPES.iter().map(|(g, _)| js(g)).collect();
    format!(
        concat!(
            r#"{{"issuer":{},"authorization_endpoint":{},"token_endpoint":{},"#,
            r#""device_authorization_endpoint":{},"revocation_endpoint":{},"introspection_endpoint":{},"#,
            r#""token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic","none"],"#,
            r#""code_challenge_methods_supported":["S256"],"grant_types_supported":[{}],"#,
            r#""response_types_supported":["code"],"authorization_response_iss_parameter_supported":true}}"#,
        ),
        js(issuer),
        endpoint("/authorize"),
        endpoint("/token"),
        endpoint("/device_authorization"),
        endpoint("/revoke"),
        endpoint("/introspect"),
        grants.join(","),
    )
}

// ---------------------------------------------------------------------------
// Retries: POST /flaky/<N>/<key>/token, POST /flaky429/<N>/<key>/token

const HTML_429: &str = "<html><body><h1>Too Many Requests</h1></body></html>";

struct Flaky<'a> {
    /// How many requests with this key fail before /token takes over.
    failures: u64,
    key: &'a str,
    status: u16,
    body: &'static str,
    retry_after: &'static str,
}

fn parse_flaky(path: &str) -> Option<Flaky<'_>> {
    let rest = path.strip_suffix("/token")?;
    let (rest, status, body, retry_after) = match rest.strip_prefix("/flaky/") {
        Some(rest) => (rest, 503, HTML_503, "0"),
        None => (rest.strip_prefix("/flaky429/")?, 429, HTML_429, "1"),
    };
    let (n, key) = rest.split_once('/')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || key.is_empty() || key.contains('/') {
        return None;
    }
    Some(Flaky { failures: n.parse::<u32>().ok()?.into(), key, status, body, retry_after })
}

/// Fails the first N requests per key, then behaves exactly like POST /token,
/// so retry logic meets a server that recovers.
fn flaky_token(st: &State, req: &Request, flaky: &Flaky) -> Response {
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

// ---------------------------------------------------------------------------
// Fault modes: POST /fault/<mode>, token endpoints that misbehave on purpose

const HTML_500: &str = "<html><body><h1>Internal Server Error</h1></body></html>";
const HTML_503: &str = "<html><body><h1>Service Unavailable</h1></body></html>";

/// Fixed answers: (mode, status, content type, body).
const CANNED: &[(&str, u16, &str, &str)] = &[
    ("500", 500, HTML, HTML_500),
    ("notjson400", 400, TEXT, "bad request"),
    ("malformed", 200, JSON, r#"{"access_token": "abc", "token_type": "#),
    ("error200", 200, JSON, r#"{"error":"invalid_grant","error_description":"code expired"}"#),
    (
        "nest-error",
        400,
        JSON,
        r#"{"error":"oauth2_error","error_description":"authorization code not found","instance_id":"a1b2c3"}"#,
    ),
    ("nest", 200, JSON, r#"{"access_token":"c.twC2qmock","expires_in":315360000}"#),
    ("form", 200, FORM, "access_token=gho_mock&scope=repo%2Cgist&token_type=bearer"),
    ("textplain", 200, TEXT, "access_token=gho_mock&scope=repo%2Cgist&token_type=bearer"),
    (
        "string-expires",
        200,
        JSON,
        r#"{"access_token":"az-mock","token_type":"bearer","expires_in":"3599","ext_expires_in":"3599"}"#,
    ),
    ("null-expires", 200, JSON, r#"{"access_token":"n-mock","token_type":"BEARER","expires_in":null}"#),
    ("created", 201, JSON, r#"{"access_token":"created-mock","token_type":"Bearer","expires_in":120}"#),
    ("no-access-token", 200, JSON, r#"{"token_type":"Bearer","expires_in":3600}"#),
    ("nul", 200, JSON, r#"{"access_token":"bad\u0000token","token_type":"Bearer"}"#),
    ("not-object", 200, JSON, r#"["access_token"]"#),
    (
        "extra-fields",
        200,
        JSON,
        r#"{"access_token":"x-mock","token_type":"Bearer","expires_in":3600,"id_token":"eyJhbGciOiJub25lIn0.e30.","custom":{"nested":[1,2]},"scope":"openid profile"}"#,
    ),
];

const GZIP_JSON: &str = r#"{"access_token":"gz-mock","token_type":"Bearer","expires_in":300,"scope":"a b"}"#;
/// Padded with spaces (valid JSON whitespace) to exactly SLOW_LEN bytes.
const SLOW_JSON: &str = r#"{"access_token":"slow-mock","token_type":"Bearer"}"#;
const SLOW_LEN: usize = 64;
const OVERSIZE_LEN: usize = 2 * 1024 * 1024;
const OVERSIZE_CHUNK: usize = 64 * 1024;

/// None for an unknown mode (-> 404).
fn fault(st: &State, req: &Request, mode: &str) -> Option<Reply> {
    Some(match mode {
        "slow" => Reply::Slow,
        "hang" => Reply::Hang,
        "close" => Reply::Close,
        "oversize" => Reply::Oversize { chunked: false },
        "oversize-chunked" => Reply::Oversize { chunked: true },
        "503" => Reply::Send(Response::new(503, HTML, HTML_503).with_header("Retry-After", "1")),
        "redirect" => Reply::Send(Response::new(307, TEXT, "").with_header("Location", format!("{}/token", st.issuer()))),
        "gzip" => Reply::Send(gzip_fault(req)),
        _ => {
            let &(_, status, content_type, body) = CANNED.iter().find(|(m, ..)| *m == mode)?;
            Reply::Send(Response::new(status, content_type, body))
        }
    })
}

fn gzip_fault(req: &Request) -> Response {
    let wants_gzip = req.header("accept-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
    let resp = if wants_gzip {
        Response::new(200, JSON, gzip_stored(GZIP_JSON.as_bytes())).with_header("Content-Encoding", "gzip")
    } else {
        Response::new(200, JSON, GZIP_JSON)
    };
    resp.with_header("Vary", "Accept-Encoding")
}

/// Headers promise SLOW_LEN bytes; the body then trickles out one byte per
/// second, to exercise client read timeouts. Stops once writes fail.
fn slow(mut out: &TcpStream) {
    let mut body = SLOW_JSON.as_bytes().to_vec();
    body.resize(SLOW_LEN, b' ');
    if out.write_all(&head(200, JSON, &[], Some(SLOW_LEN), true)).is_err() {
        return;
    }
    for (i, byte) in body.iter().enumerate() {
        if i > 0 {
            thread::sleep(Duration::from_secs(1));
        }
        if out.write_all(&[*byte]).is_err() {
            return;
        }
    }
}

/// Never answers; returns early once the client gives up (EOF), else after 120 s.
fn hang(mut stream: &TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// ~2 MiB token response, to exercise client response-size caps. Write errors
/// are expected (the client hangs up once over its cap) and ignored.
fn oversize(mut out: &TcpStream, chunked: bool) {
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
    if out.write_all(&head(200, JSON, &headers, length, true)).is_err() {
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
}

// ---------------------------------------------------------------------------
// Small codecs (std has none): gzip with stored deflate blocks, CRC-32,
// base64, SHA-256.

/// A valid gzip member (RFC 1952) whose deflate stream uses only stored
/// blocks (RFC 1951 §3.2.4): no compression needed to test decoding.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    // ID1 ID2, CM=deflate, no flags, MTIME=0, XFL=0, OS=unknown.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut blocks = data.chunks(u16::MAX as usize).peekable();
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        // BFINAL bit, BTYPE=00 (stored); the rest of the byte is padding.
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Bitwise CRC-32 (IEEE, reflected); bodies here are tiny, no table needed.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Standard-alphabet base64 decoding; padding optional, anything else invalid.
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_suffix("==").or_else(|| s.strip_suffix('=')).unwrap_or(s);
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6 | u32::from(v)) & 0xfff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // A lone trailing sextet cannot encode a byte.
    (bits < 6).then_some(out)
}

/// base64url without padding (RFC 7636 code_challenge encoding).
fn b64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// SHA-256 (FIPS 180-4), for verifying PKCE S256 challenges.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];
    let mut h: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    // Padding: 0x80, zeros to 56 mod 64, then the bit length big-endian.
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&(data.len() as u64).wrapping_mul(8).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = h;
        for (k, wi) in K.iter().zip(w) {
            let [a, b, c, d, e, f, g, hh] = v;
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(*k).wrapping_add(wi);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            v = [t1.wrapping_add(s0.wrapping_add(maj)), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        for (x, y) in h.iter_mut().zip(v) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (dst, word) in out.chunks_exact_mut(4).zip(h) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    out
}

// `rustc --edition 2021 --test examples/mock_server.rs` runs these.
#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_vectors() {
        let cases: [(&[u8], &str); 3] = [
            (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(hex(&sha256(input)), want);
        }
    }

    #[test]
    fn codecs() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(b64url(b"\xfb\xff"), "-_8");
        assert_eq!(b64_decode("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(b64_decode("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(b64_decode("Y"), None);
        assert_eq!(form_decode(b"a+b%2B%C3%A9").as_deref(), Some("a b+é"));
        assert_eq!(form_decode(b"%zz"), None);
        assert_eq!(js("a\"\\\u{1}é"), "\"a\\\"\\\\\\u0001é\"");
    }

    #[test]
    fn loopback_redirects() {
        for ok in ["http://127.0.0.1:8080/cb", "http://localhost:1/", "http://127.0.0.1:9/cb?x=1", "http://127.0.0.1"] {
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
        assert_eq!(form_encode("a b&c=é/:"), "a+b%26c%3D%C3%A9%2F%3A");
        let p = [("code", "c 1".to_string()), ("state", "s".to_string())];
        assert_eq!(with_query("http://h/cb", &p), "http://h/cb?code=c+1&state=s");
        assert_eq!(with_query("http://h/cb?x=1", &p), "http://h/cb?x=1&code=c+1&state=s");
        assert_eq!(with_query("http://h/cb?", &p), "http://h/cb?code=c+1&state=s");
    }

    #[test]
    fn special_paths() {
        let f = parse_flaky("/flaky/3/k1/token").unwrap();
        assert_eq!((f.failures, f.key, f.status, f.retry_after), (3, "k1", 503, "0"));
        let f = parse_flaky("/flaky429/0/x/token").unwrap();
        assert_eq!((f.failures, f.key, f.status, f.retry_after), (0, "x", 429, "1"));
        for bad in ["/flaky/x/k/token", "/flaky/1//token", "/flaky/1/a/b/token", "/flaky/1/k", "/flaky/+1/k/token"] {
            assert!(parse_flaky(bad).is_none(), "{bad}");
        }
        let tenant = |p| discovery_tenant(p).map(|t| t as u8);
        assert_eq!(tenant("/.well-known/oauth-authorization-server"), Some(Tenant::Root as u8));
        assert_eq!(tenant("/.well-known/openid-configuration"), Some(Tenant::Root as u8));
        assert_eq!(tenant("/.well-known/oauth-authorization-server/tenant1"), Some(Tenant::Tenant1 as u8));
        assert_eq!(tenant("/tenant1/.well-known/openid-configuration"), Some(Tenant::Tenant1 as u8));
        assert_eq!(tenant("/evil/.well-known/openid-configuration"), Some(Tenant::Evil as u8));
        assert_eq!(tenant("/broken/.well-known/openid-configuration"), Some(Tenant::Broken as u8));
        for bad in ["//.well-known/openid-configuration", "/.well-known/oauth-authorization-server/", "/other/.well-known/openid-configuration"] {
            assert!(tenant(bad).is_none(), "{bad}");
        }
    }
}
