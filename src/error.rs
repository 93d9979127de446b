//! The one error type of the safe core. Every message is written by tokenkit itself, so it never
//! carries a secret: request bodies, codes and tokens are never formatted into it.

use std::ffi::CStr;
use std::fmt;
use std::time::Duration;

/// What went wrong, in the terms a caller acts on. The C ABI maps each kind to a fixed status number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller passed something unusable: NULL, invalid UTF-8, a malformed URL, an empty client id.
    InvalidArgument,
    /// The server answered with an OAuth error response (RFC 6749 §5.2), whatever its HTTP status.
    OAuth,
    /// The server answered with an HTTP failure that is not an OAuth error (a 500 HTML page, a 3xx).
    Http,
    /// The connection could not be made or broke: refused, reset, DNS failure.
    Transport,
    /// The connect timeout or the overall timeout ran out.
    Timeout,
    /// The TLS handshake failed or a certificate could not be loaded.
    Tls,
    /// The server's answer broke the protocol: bad JSON, no access_token, body over the cap, NUL in a value.
    Protocol,
    /// A plain http:// URL to a host that is not loopback was refused.
    Insecure,
    /// A bug inside tokenkit (a caught panic). Never expected.
    Internal,
    /// The application cancelled a waiting operation (sign-in, device flow) from another thread.
    Cancelled,
}

impl ErrorKind {
    /// A short stable name, used in messages and by the CLI.
    pub fn name(self) -> &'static str {
        self.name_cstr().to_str().unwrap_or("unknown")
    }

    /// The same name, NUL-terminated, so the C layer can hand it out without a copy.
    pub fn name_cstr(self) -> &'static CStr {
        match self {
            ErrorKind::InvalidArgument => c"invalid_argument",
            ErrorKind::OAuth => c"oauth_error",
            ErrorKind::Http => c"http_error",
            ErrorKind::Transport => c"transport_error",
            ErrorKind::Timeout => c"timeout",
            ErrorKind::Tls => c"tls_error",
            ErrorKind::Protocol => c"protocol_error",
            ErrorKind::Insecure => c"insecure",
            ErrorKind::Internal => c"internal_error",
            ErrorKind::Cancelled => c"cancelled",
        }
    }

    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidArgument,
        ErrorKind::OAuth,
        ErrorKind::Http,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::Tls,
        ErrorKind::Protocol,
        ErrorKind::Insecure,
        ErrorKind::Internal,
        ErrorKind::Cancelled,
    ];
}

/// The fields of an OAuth error response (RFC 6749 §5.2), kept as the server sent them, including
/// non-standard codes such as Works with Nest's `oauth2_error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub error: String,
    pub error_description: Option<String>,
    pub error_uri: Option<String>,
}

/// A failed operation: kind, a message for humans, and what the server said, when it said anything.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    http_status: Option<u16>,
    oauth: Option<OAuthError>,
    body: Option<String>,
    /// The server's Retry-After, when it sent one (RFC 9110 §10.2.3); used by retries.
    retry_after: Option<Duration>,
    /// The request provably never reached the server (no connection was made), so repeating it
    /// cannot consume anything, not even a rotating refresh token.
    not_sent: bool,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), http_status: None, oauth: None, body: None, retry_after: None, not_sent: false }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Protocol, message)
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub(crate) fn with_oauth(mut self, oauth: OAuthError) -> Self {
        self.oauth = Some(oauth);
        self
    }

    /// Keeps the server's raw body (lossily decoded) so a caller can log what a broken server sent.
    pub(crate) fn with_body(mut self, body: &[u8]) -> Self {
        self.body = Some(String::from_utf8_lossy(body).into_owned());
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub(crate) fn with_not_sent(mut self) -> Self {
        self.not_sent = true;
        self
    }

    pub fn not_sent(&self) -> bool {
        self.not_sent
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The OAuth `error` code, if the server sent one.
    pub fn oauth_code(&self) -> Option<&str> {
        self.oauth.as_ref().map(|o| o.error.as_str())
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }
    pub fn oauth(&self) -> Option<&OAuthError> {
        self.oauth.as_ref()
    }
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

// Debug omits the raw body: it is the server's text and may be long; the fields say what matters.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("http_status", &self.http_status)
            .field("oauth", &self.oauth)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
