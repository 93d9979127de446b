//! HTTP for the token endpoint: one keep-alive `ureq::Agent` per client, loopback-only plain HTTP,
//! no redirects, a body cap enforced while reading, and ureq's errors mapped to tokenkit's kinds.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::Agent;
use url::{Host, Url};

use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result};

/// What came back from the server, body already read within the cap.
pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Retry-After in seconds, when the server sent it as a number (RFC 9110 §10.2.3).
    pub retry_after: Option<Duration>,
}

// The body may hold tokens: Debug shows its size only.
impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl HttpResponse {
    /// A response with no Retry-After, for parsers and tests.
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, content_type: content_type.map(str::to_owned), body: body.into(), retry_after: None }
    }

    /// Zeroizes the body: it may hold tokens.
    pub fn wipe(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.body);
    }
}

/// What to send: method, optional Authorization header value, optional form body.
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub url: &'a Url,
    pub authorization: Option<&'a str>,
    pub form_body: Option<&'a [u8]>,
}

/// Parses an endpoint URL and refuses plain HTTP unless the host is loopback.
/// `what` names the argument in error messages.
pub fn check_endpoint(raw: &str, what: &str) -> Result<Url> {
    let url = Url::parse(raw)
        .map_err(|e| Error::invalid_argument(format!("{what} is not a valid URL: {e}")))?;
    // RFC 6749 §3.2: the endpoint URI must not include a fragment.
    if url.fragment().is_some() {
        return Err(Error::invalid_argument(format!("{what} must not contain a fragment")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_argument(format!("{what} must not contain credentials")));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if url.host().is_some_and(|h| is_loopback(&h)) => Ok(url),
        "http" => Err(Error::new(
            ErrorKind::Insecure,
            format!("{what} uses plain http:// to a host that is not loopback; use https://"),
        )),
        other => Err(Error::invalid_argument(format!("{what} has unsupported scheme {other:?}"))),
    }
}

/// Loopback as RFC 8252 §8.3 means it: 127.0.0.0/8, ::1 and the name `localhost`.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost")
        }
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// The operating system's trust store, read once per process: a service that builds a client per
/// tenant should not parse /etc/ssl a thousand times.
fn native_roots() -> &'static [Certificate<'static>] {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect()
    })
}

/// The agent for a client whose main endpoint is `target`. A loopback target is reached directly:
/// a proxy from the environment would carry its plaintext secrets off this machine.
pub fn build_agent(config: &ClientConfig, target: &Url) -> Agent {
    let mut roots: Vec<Certificate<'static>> = native_roots().to_vec();
    roots.extend(config.extra_root_certs.iter().map(|der| Certificate::from_der(der).to_owned()));
    // Without any OS store (a bare container) fall back to the bundled Mozilla roots.
    let root_certs = if roots.is_empty() { RootCerts::WebPki } else { RootCerts::Specific(Arc::new(roots)) };
    let tls = TlsConfig::builder().root_certs(root_certs).build();
    let direct = target.host().is_some_and(|h| is_loopback(&h));
    let proxy = if direct { None } else { ureq::Proxy::try_from_env() };
    Agent::config_builder()
        .proxy(proxy)
        .tls_config(tls)
        // Credentials must never reach another URL: a 3xx comes back to us as an HTTP error.
        .max_redirects(0)
        // 4xx bodies carry the OAuth error; we judge the status ourselves.
        .http_status_as_error(false)
        .timeout_connect(Some(config.connect_timeout))
        .timeout_global(Some(config.timeout))
        .user_agent(config.user_agent.as_str())
        .accept("application/json")
        .build()
        .new_agent()
}

/// Sends one request and reads the body within the cap.
pub fn send(agent: &Agent, request: &HttpRequest<'_>, max_response_bytes: u64) -> Result<HttpResponse> {
    let mut builder = ureq::http::Request::builder().method(request.method).uri(request.url.as_str());
    if let Some(value) = request.authorization {
        builder = builder.header("Authorization", value);
    }
    let result = match request.form_body {
        Some(body) => {
            let req = builder
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .map_err(|e| Error::invalid_argument(format!("cannot build the request: {e}")))?;
            agent.run(req)
        }
        None => {
            let req = builder.body(()).map_err(|e| Error::invalid_argument(format!("cannot build the request: {e}")))?;
            agent.run(req)
        }
    };
    let mut response = result.map_err(map_ureq_error)?;
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type = header("content-type");
    let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
    let body = response
        .body_mut()
        .with_config()
        .limit(max_response_bytes)
        .read_to_vec()
        .map_err(|e| map_ureq_error(e).with_http_status(status))?;
    Ok(HttpResponse { status, content_type, body, retry_after })
}

/// Maps ureq's errors onto tokenkit's kinds. ureq's messages name no request data, only causes.
pub fn map_ureq_error(err: ureq::Error) -> Error {
    use ureq::Error as U;
    let kind = match &err {
        U::Timeout(_) => ErrorKind::Timeout,
        U::Io(io) if matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => {
            ErrorKind::Timeout
        }
        // rustls reports handshake and certificate failures as I/O errors wrapping its own error.
        U::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => ErrorKind::Tls,
        U::HostNotFound | U::ConnectionFailed | U::Io(_) | U::ConnectProxyFailed(_) => ErrorKind::Transport,
        U::Tls(_) | U::Pem(_) | U::Rustls(_) | U::TlsRequired => ErrorKind::Tls,
        U::BodyExceedsLimit(_) => ErrorKind::Protocol,
        U::Protocol(_) | U::LargeResponseHeader(..) | U::Decompress(..) | U::BodyStalled => ErrorKind::Protocol,
        U::BadUri(_) | U::Http(_) => ErrorKind::InvalidArgument,
        U::RequireHttpsOnly(_) => ErrorKind::Insecure,
        _ => ErrorKind::Transport,
    };
    let not_sent = match &err {
        U::HostNotFound | U::ConnectionFailed => true,
        U::Timeout(which) => matches!(which, ureq::Timeout::Resolve | ureq::Timeout::Connect),
        U::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        _ => false,
    };
    let message = match &err {
        U::BodyExceedsLimit(limit) => format!("response body is larger than the cap of {limit} bytes"),
        U::Timeout(which) => format!("timed out ({which})"),
        _ => format!("request failed: {err}"),
    };
    let error = Error::new(kind, message);
    if not_sent {
        error.with_not_sent()
    } else {
        error
    }
}
