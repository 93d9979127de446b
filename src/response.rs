//! The one reader of every endpoint's answer: which answers are errors, and of which class
//! (RFC 6749 §5.2, RFC 7009 §2.2), and one lenient reader for the fields real servers send
//! (numbers as strings, floats, nulls, form or text bodies).

use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, ErrorKind, OAuthError, Result};
use crate::secret::Secret;
use crate::transport::HttpResponse;

/// Which endpoint answered: the error rules differ between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    Token,
    DeviceAuthorization,
    Revocation,
    Introspection,
    Discovery,
}

impl Answer {
    fn name(self) -> &'static str {
        match self {
            Answer::Token => "token endpoint",
            Answer::DeviceAuthorization => "device authorization endpoint",
            Answer::Revocation => "revocation endpoint",
            Answer::Introspection => "introspection endpoint",
            Answer::Discovery => "discovery endpoint",
        }
    }

    /// Whether an `error` member with this status is an OAuth error response. RFC 6749 §5.2 says
    /// 400 (or 401 for client authentication); some servers send token and device errors with 200.
    /// Any other status is an HTTP failure that happens to carry JSON (a 404 "Realm does not
    /// exist" must not read as "sign in again").
    fn is_oauth_status(self, status: u16) -> bool {
        matches!(status, 400 | 401) || (status == 200 && matches!(self, Answer::Token | Answer::DeviceAuthorization))
    }
}

/// The answer of an endpoint that returns nothing of interest: RFC 7009 §2.2 says any 200 is
/// success and its body is ignored (an `invalid_token` error in it included).
pub(crate) fn read_status(response: &HttpResponse, answer: Answer) -> Result<()> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    read(response, answer).map(drop)
}

/// Reads an answer: the error it carries, else its fields (None when the 2xx body is not a JSON
/// object or a form).
pub(crate) fn read(response: &HttpResponse, answer: Answer) -> Result<Option<Fields>> {
    let status = response.status;
    let fields = Fields::parse(response);
    let server_error = fields.as_ref().and_then(Fields::oauth_error);
    let failure = |kind: ErrorKind, message: String| {
        Error::new(kind, message)
            .with_http_status(status)
            .with_body(&response.body)
            .with_retry_after(response.retry_after)
    };
    match server_error {
        Some(oauth) if answer.is_oauth_status(status) => {
            // The server's words, readable but with control characters escaped: a description
            // carrying ESC or CR LF must not rewrite the terminal or forge log lines.
            let message = match &oauth.error_description {
                Some(d) => {
                    format!("server returned OAuth error {}: {}", escape_controls(&oauth.error), escape_controls(d))
                }
                None => format!("server returned OAuth error {}", escape_controls(&oauth.error)),
            };
            Err(failure(ErrorKind::OAuth, message).with_oauth(oauth))
        }
        Some(oauth) if (200..300).contains(&status) => Err(failure(
            ErrorKind::Protocol,
            format!("{} answered HTTP {status} with an error: {}", answer.name(), quote(&oauth)),
        )),
        Some(oauth) => {
            Err(failure(ErrorKind::Http, format!("{} answered HTTP {status}: {}", answer.name(), quote(&oauth))))
        }
        None if (300..400).contains(&status) => Err(failure(
            ErrorKind::Http,
            format!("{} answered HTTP {status} (a redirect); redirects are not followed", answer.name()),
        )),
        None if !(200..300).contains(&status) => {
            Err(failure(ErrorKind::Http, format!("{} answered HTTP {status}", answer.name())))
        }
        None => Ok(fields),
    }
}

/// The `error` code of an answer, if it has one: a protocol word the caller compares, which
/// masking must leave whole.
pub(crate) fn error_code(response: &HttpResponse) -> Option<Zeroizing<String>> {
    let fields = Fields::parse(response)?;
    let code = fields.0.get("error")?.as_str()?;
    Some(Zeroizing::new(code.to_owned()))
}

/// Server text with every control character (C0, DEL, C1) written as a Rust escape (`\u{1b}`,
/// `\r`), the rest as sent.
pub(crate) fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The server's `error` and `error_description`, escaped: server text may carry control characters.
fn quote(oauth: &OAuthError) -> String {
    match &oauth.error_description {
        Some(d) => format!("{:?} ({:?})", oauth.error, d),
        None => format!("{:?}", oauth.error),
    }
}

/// The fields of a JSON object or form body. String values are zeroized when it is dropped: they
/// may be tokens.
pub(crate) struct Fields(Map<String, Value>);

impl Drop for Fields {
    fn drop(&mut self) {
        fn wipe(value: &mut Value) {
            match value {
                Value::String(s) => s.zeroize(),
                Value::Array(items) => items.iter_mut().for_each(wipe),
                Value::Object(map) => map.values_mut().for_each(wipe),
                _ => {}
            }
        }
        self.0.values_mut().for_each(wipe);
    }
}

impl Fields {
    /// A JSON object, or for form and text bodies (GitHub) form fields; None for anything else.
    fn parse(response: &HttpResponse) -> Option<Fields> {
        let media_type =
            response.content_type.as_deref().map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let is_form = matches!(media_type.as_deref(), Some("application/x-www-form-urlencoded") | Some("text/plain"));
        let body = response.body.trim_ascii();
        if body.starts_with(b"{") {
            return serde_json::from_slice::<Map<String, Value>>(body).ok().map(Fields);
        }
        if is_form && !body.is_empty() && std::str::from_utf8(body).is_ok() {
            let map = form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect::<Map<_, _>>();
            return Some(Fields(map));
        }
        None
    }

    /// Fields from a JSON text the caller owns (saved tokens).
    pub(crate) fn from_json(json: &str) -> Option<Fields> {
        serde_json::from_str::<Map<String, Value>>(json).ok().map(Fields)
    }

    /// Takes a nested object out as fields of its own (wiped when dropped); None when absent or
    /// null, a protocol error naming the field when it is something else.
    pub(crate) fn object(&mut self, name: &str) -> Result<Option<Fields>> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields(map))),
            Some(other) => {
                drop(Fields(Map::from_iter([(String::new(), other)]))); // wiped, as every value
                Err(Error::protocol(format!("{name} is not an object")))
            }
        }
    }

    /// The OAuth error in the fields, if any (§5.2: `error` is a string).
    fn oauth_error(&self) -> Option<OAuthError> {
        let error = self.0.get("error")?.as_str()?.to_owned();
        let text = |name: &str| self.0.get(name).and_then(Value::as_str).map(str::to_owned);
        Some(OAuthError { error, error_description: text("error_description"), error_uri: text("error_uri") })
    }

    /// Takes a string field out (no copy is left behind). Absent or null: None. A NUL inside, or a
    /// value that is not a string: a protocol error naming the field, never quoting its value.
    pub(crate) fn string(&mut self, name: &str) -> Result<Option<String>> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(mut s)) if s.contains('\0') => {
                s.zeroize();
                Err(Error::protocol(format!("{name} contains a NUL character")))
            }
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::protocol(format!("{name} is not a string"))),
        }
    }

    /// A non-empty string field as a secret.
    pub(crate) fn secret(&mut self, name: &str) -> Result<Option<Secret>> {
        Ok(self.string(name)?.filter(|s| !s.is_empty()).map(Secret::new))
    }

    /// An integer as a number, a numeric string (Azure AD), or a float (truncated); absent, null
    /// or an empty string: None.
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>> {
        let bad = || Error::protocol(format!("{name} is not a number"));
        let from_f64 = |f: f64| f.is_finite().then_some(f as i64);
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_u64().map(|v| i64::try_from(v).unwrap_or(i64::MAX)))
                .or_else(|| n.as_f64().and_then(from_f64))
                .map(Some)
                .ok_or_else(bad),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => {
                let s = s.trim();
                s.parse::<i64>().ok().or_else(|| s.parse::<f64>().ok().and_then(from_f64)).map(Some).ok_or_else(bad)
            }
            Some(_) => Err(bad()),
        }
    }

    /// A boolean as `true`/`false` or their strings; absent or null: None.
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(_) => Err(Error::protocol(format!("{name} is not a boolean"))),
        }
    }

    /// A list of strings (non-strings skipped); absent: empty.
    pub(crate) fn strings(&self, name: &str) -> Vec<String> {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    /// The fields as a JSON object text (for `raw` accessors of form bodies).
    pub(crate) fn to_json(&self) -> Zeroizing<String> {
        // Sized up front (escaping grows a string at most six-fold): no reallocation leaves a
        // copy of a token behind.
        let size: usize = self.0.iter().map(|(k, v)| 8 + 6 * (k.len() + v.as_str().map_or(32, str::len))).sum();
        let mut buf = Zeroizing::new(Vec::with_capacity(size + 2));
        if serde_json::to_writer(&mut *buf, &self.0).is_err() {
            return Zeroizing::new("{}".to_owned());
        }
        Zeroizing::new(String::from_utf8(std::mem::take(&mut *buf)).unwrap_or_default())
    }
}

/// The body as the caller should see it raw: a JSON body as sent, a form body as a JSON object.
pub(crate) fn raw_json(response: &HttpResponse, fields: &Fields) -> Zeroizing<String> {
    match std::str::from_utf8(response.body.trim_ascii()) {
        Ok(text) if text.starts_with('{') => Zeroizing::new(text.to_owned()),
        _ => fields.to_json(),
    }
}
