//! HTTP under the client: the URL policy (https, or plain http only where the connection can only
//! reach this machine), the `Transport` seam the client sends through, and its ureq implementation
//! (one keep-alive agent per client, no redirects, a body cap enforced while reading, the proxy
//! decided per request, names resolved without a thread per request).

mod agent;
mod interrupt;
mod policy;
mod resolve;
mod tcp;
mod wipe;

use std::time::Duration;

use url::Url;

use crate::error::{Error, ErrorKind, Result};

pub(crate) use agent::UreqTransport;
pub(crate) use interrupt::InFlight;
pub(crate) use policy::check_endpoint;

/// What came back from the server, body already read within the cap.
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The Content-Type header, if sent.
    pub content_type: Option<String>,
    /// The body, at most the configured cap.
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

impl Drop for HttpResponse {
    // The body may hold tokens.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.body);
    }
}

impl HttpResponse {
    /// A response with no Retry-After, for parser tests and fuzzing.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn new(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, content_type: content_type.map(str::to_owned), body: body.into(), retry_after: None }
    }
}

/// The methods tokenkit sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One attempt: method, target, optional Authorization header value and form body, and how long
/// the attempt may take.
pub(crate) struct HttpRequest<'a> {
    pub method: Method,
    /// The URL as checked by the policy (its host decides proxy and resolution).
    pub url: &'a Url,
    /// The exact request target when it differs from `url` (a token in a path segment, which the
    /// URL parser would normalise).
    pub target: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub form_body: Option<&'a [u8]>,
    pub timeout: Duration,
}

/// What the HTTP layer takes from a client's config (the config owns the rules for each value).
pub(crate) struct Settings<'a> {
    pub connect_timeout: Duration,
    pub max_idle_per_host: usize,
    pub user_agent: &'a str,
    /// DER certificates trusted on top of the operating system's store.
    pub extra_root_certs: &'a [Vec<u8>],
    pub max_response_bytes: u64,
    /// Whether any request may use https (the system's trust store is read only then).
    pub tls: bool,
}

/// The seam between the client and HTTP: everything above it (policy, auth, retry, deadline,
/// parsing) is the client's, everything below is the implementation's.
pub(crate) trait Transport: Send + Sync {
    /// Sends one attempt and reads the body within the cap.
    fn send(&self, request: &HttpRequest<'_>) -> Result<HttpResponse>;
}

/// Maps an error from reading a body: ureq's own errors travel inside `io::Error`.
pub(crate) fn map_io_error(err: std::io::Error, cap: u64) -> Error {
    if err.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
        if let Some(inner) = err.into_inner() {
            if let Ok(ureq_error) = inner.downcast::<ureq::Error>() {
                return map_ureq_error(*ureq_error);
            }
        }
        return Error::new(ErrorKind::Transport, "request failed while reading the body");
    }
    if err.kind() == std::io::ErrorKind::FileTooLarge {
        return map_ureq_error(ureq::Error::BodyExceedsLimit(cap));
    }
    map_ureq_error(ureq::Error::Io(err))
}

/// Maps ureq's errors onto tokenkit's kinds. ureq's messages name no request data, only causes.
pub(crate) fn map_ureq_error(err: ureq::Error) -> Error {
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
