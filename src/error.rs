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

    /// Every kind, for tables keyed by kind.
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
    /// The `error` code.
    pub error: String,
    /// The `error_description`, if sent.
    pub error_description: Option<String>,
    /// The `error_uri`, if sent.
    pub error_uri: Option<String>,
}

/// A failed operation: kind, a message for humans, and what the server said, when it said anything.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

/// Boxed so that `Result<T, Error>` stays one pointer wide on the error side.
#[derive(Clone, PartialEq, Eq)]
struct Inner {
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
    /// An error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            http_status: None,
            oauth: None,
            body: None,
            retry_after: None,
            not_sent: false,
        }))
    }

    /// An InvalidArgument error.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// A Protocol error.
    pub fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Protocol, message)
    }

    /// A Cancelled error.
    pub fn cancelled(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Cancelled, message)
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Self {
        self.0.http_status = Some(status);
        self
    }

    pub(crate) fn with_oauth(mut self, oauth: OAuthError) -> Self {
        self.0.oauth = Some(oauth);
        self
    }

    /// Keeps the server's raw body (lossily decoded) so a caller can log what a broken server sent.
    pub(crate) fn with_body(mut self, body: &[u8]) -> Self {
        self.0.body = Some(String::from_utf8_lossy(body).into_owned());
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.0.retry_after = retry_after;
        self
    }

    pub(crate) fn with_not_sent(mut self) -> Self {
        self.0.not_sent = true;
        self
    }

    /// Prefixes the message with where the failure happened.
    pub(crate) fn with_context(mut self, context: &str) -> Self {
        self.0.message = format!("{context}: {}", self.0.message);
        self
    }

    /// Replaces every occurrence of the request's own secrets (as sent: raw, form-encoded or in a
    /// Basic header) in the message, the OAuth fields and the body with `[redacted]`: a server that
    /// echoes its request must not turn an error into a leak.
    pub(crate) fn redact(mut self, secrets: &[&str]) -> Self {
        // The server's error code is a protocol word that callers compare, never a secret: a value
        // that is part of it (a test fixture's short device code) is not searched for.
        let code = self.0.oauth.as_ref().map(|o| o.error.clone()).unwrap_or_default();
        let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !code.contains(s)).collect();
        let fields = [Some(&mut self.0.message), self.0.body.as_mut()].into_iter().flatten().chain(
            self.0
                .oauth
                .iter_mut()
                .flat_map(|o| [o.error_description.as_mut(), o.error_uri.as_mut()].into_iter().flatten()),
        );
        for text in fields {
            redact_text(text, &secrets);
        }
        self
    }

    /// Whether the request provably never reached the server.
    pub fn not_sent(&self) -> bool {
        self.0.not_sent
    }

    /// The server's Retry-After, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The OAuth `error` code, if the server sent one.
    pub fn oauth_code(&self) -> Option<&str> {
        self.0.oauth.as_ref().map(|o| o.error.as_str())
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// A message for humans, without the request's secrets.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The HTTP status of the server's answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.0.http_status
    }
    /// The OAuth error fields, for an OAuth error.
    pub fn oauth(&self) -> Option<&OAuthError> {
        self.0.oauth.as_ref()
    }
    /// The body of the server's error answer (the request's secrets redacted).
    pub fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
}

impl Drop for Inner {
    // A server's text may hold what it was sent or what it issued.
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.message.zeroize();
        self.body.zeroize();
        if let Some(o) = &mut self.oauth {
            o.error.zeroize();
            o.error_description.zeroize();
            o.error_uri.zeroize();
        }
    }
}

/// Secrets shorter than this are not searched for: they would match ordinary text.
const MIN_REDACTED_LEN: usize = 4;

fn redact_text(text: &mut String, secrets: &[&str]) {
    for secret in secrets.iter().filter(|s| s.len() >= MIN_REDACTED_LEN) {
        let encoded: zeroize::Zeroizing<String> =
            zeroize::Zeroizing::new(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
        for form in [*secret, encoded.as_str()] {
            if text.contains(form) {
                let mut replaced = text.replace(form, "[redacted]");
                std::mem::swap(text, &mut replaced);
                zeroize::Zeroize::zeroize(&mut replaced);
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind.name(), self.0.message)
    }
}

// Debug omits the raw body: it is the server's text and may be long; the fields say what matters.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("http_status", &self.0.http_status)
            .field("oauth", &self.0.oauth)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for Error {}

/// tokenkit's result type.
pub type Result<T> = std::result::Result<T, Error>;
