//! The request log: one line per attempt (method, URL, status or error, time), one per retry
//! decision, and at the second level the request's headers and form body. It is for operators
//! (`tokenkit -v`), so nothing secret reaches it: the client secret, codes, tokens, the PKCE
//! verifier and every extra parameter's value are written as `[redacted]`, and a token in a URL
//! path (Nest's DELETE) as well.

use std::fmt;
use std::sync::Arc;

use url::Url;

/// What the application receives: the line's level (1 requests and retries, 2 headers) and the
/// line, without a newline.
pub type LogFn = dyn Fn(u8, &str) + Send + Sync;

/// Requests and retry decisions.
pub const LOG_REQUESTS: u8 = 1;
/// Also the headers and the form body of each request, and the response's headers.
pub const LOG_HEADERS: u8 = 2;

/// A config's logger: the most detailed level wanted and where lines go.
#[derive(Clone)]
pub(crate) struct Logger {
    level: u8,
    write: Arc<LogFn>,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Logger(level {})", self.level)
    }
}

/// The text that stands for a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// Form fields whose value is always secret, whatever the request.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "device_code",
    "token",
    "password",
    "assertion",
    "client_assertion",
    "subject_token",
    "actor_token",
];

impl Logger {
    pub(crate) fn new(level: u8, write: Arc<LogFn>) -> Logger {
        Logger { level, write }
    }

    pub(crate) fn wants(&self, level: u8) -> bool {
        level <= self.level
    }

    pub(crate) fn line(&self, level: u8, text: &str) {
        if self.wants(level) {
            (self.write)(level, text);
        }
    }
}

/// The URL as logged: the endpoint's own URL, with `/[redacted]` for a path segment that holds a
/// token.
pub(crate) fn shown_url(url: &Url, has_secret_segment: bool) -> String {
    if has_secret_segment {
        format!("{}/{REDACTED}", url.as_str().trim_end_matches('/'))
    } else {
        url.as_str().to_owned()
    }
}

/// A form body with every secret value replaced: the fields named in `SECRET_FIELDS`, and any
/// value that is one of `secrets` (the request's extra parameters, whose meaning tokenkit cannot
/// know).
pub(crate) fn redacted_form(body: &[u8], secrets: &[&str]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(body) {
        let secret = SECRET_FIELDS.contains(&name.as_ref()) || secrets.iter().any(|s| *s == value.as_ref());
        out.append_pair(&name, if secret { REDACTED } else { &value });
    }
    // The serializer encodes the brackets; the marker reads better as written.
    out.finish().replace("%5Bredacted%5D", REDACTED)
}

/// An Authorization header as logged: its scheme only.
pub(crate) fn redacted_authorization(value: &str) -> String {
    let scheme = value.split(' ').next().unwrap_or("");
    format!("{scheme} {REDACTED}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_keeps_its_plain_fields_and_hides_every_secret() {
        let body = b"grant_type=refresh_token&refresh_token=rt-123&client_id=cli&client_secret=s%26x&scope=a+b&audience=aud-secret-value";
        let shown = redacted_form(body, &["aud-secret-value"]);
        assert_eq!(
            shown,
            "grant_type=refresh_token&refresh_token=[redacted]&client_id=cli&client_secret=[redacted]&scope=a+b&audience=[redacted]"
        );
        for secret in ["rt-123", "s%26x", "s&x", "aud-secret-value"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn an_authorization_header_shows_its_scheme_only() {
        assert_eq!(redacted_authorization("Basic Y2xpOnNlY3JldA=="), "Basic [redacted]");
    }

    #[test]
    fn a_token_in_the_path_is_hidden() {
        let url = Url::parse("https://example.com/revoke/").unwrap();
        assert_eq!(shown_url(&url, true), "https://example.com/revoke/[redacted]");
        assert_eq!(shown_url(&url, false), "https://example.com/revoke/");
    }

    #[test]
    fn lines_above_the_level_are_not_written() {
        let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = lines.clone();
        let logger = Logger::new(
            LOG_REQUESTS,
            Arc::new(move |level, text: &str| seen.lock().unwrap().push((level, text.to_owned()))),
        );
        logger.line(LOG_REQUESTS, "one");
        logger.line(LOG_HEADERS, "two");
        assert_eq!(*lines.lock().unwrap(), vec![(1, "one".to_owned())]);
    }
}
