//! The token response (RFC 6749 §5.1) and the error response (§5.2), parsed with the tolerance real
//! servers need: `expires_in` as a string or null, any case of `token_type`, form or text bodies,
//! errors sent with HTTP 200.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, ErrorKind, OAuthError, Result};
use crate::secret::Secret;
use crate::transport::HttpResponse;

/// A successful token response. Secrets are zeroized when it is dropped.
#[derive(Clone)]
pub struct Token {
    access_token: Secret,
    token_type: String,
    expires_in: Option<i64>,
    expires_at: Option<i64>,
    refresh_token: Option<Secret>,
    scope: Option<String>,
    id_token: Option<Secret>,
    /// Every field the server sent, as a JSON object (form bodies become an object of strings).
    raw_json: Zeroizing<String>,
}

impl Token {
    pub fn access_token(&self) -> &str {
        self.access_token.expose()
    }
    /// As sent; `Bearer` when the server left it out (RFC 6750 is the only type in use).
    pub fn token_type(&self) -> &str {
        &self.token_type
    }
    /// Lifetime in seconds as sent, if sent.
    pub fn expires_in(&self) -> Option<i64> {
        self.expires_in
    }
    /// Absolute expiry in Unix seconds, computed from `expires_in` when the response arrived.
    pub fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_ref().map(Secret::expose)
    }
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
    pub fn id_token(&self) -> Option<&str> {
        self.id_token.as_ref().map(Secret::expose)
    }
    pub fn raw_json(&self) -> &str {
        &self.raw_json
    }

    /// Whether the access token is still good `skew` from now. An unknown expiry counts as good:
    /// the server will say otherwise, and the application can force a refresh. (Like
    /// golang.org/x/oauth2's expiry delta, the skew is not scaled to the lifetime: a server whose
    /// tokens live shorter than the skew gets a refresh on every use, so pick a smaller skew.)
    pub fn is_fresh(&self, skew: Duration) -> bool {
        self.expires_at.is_none_or(|at| now_unix().saturating_add(skew.as_secs() as i64) < at)
    }

    /// RFC 6749 §6: a refresh response may omit the refresh token; the old one then stays valid.
    pub(crate) fn keep_refresh_token(mut self, old: Option<&Secret>) -> Self {
        if self.refresh_token.is_none() {
            self.refresh_token = old.cloned();
        }
        self
    }

    pub(crate) fn refresh_secret(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }

    /// The token as tokenkit saves it: the standard fields with an absolute `expires_at`.
    pub fn to_saved_json(&self) -> Zeroizing<String> {
        let mut map = Map::new();
        map.insert("access_token".into(), Value::String(self.access_token().into()));
        map.insert("token_type".into(), Value::String(self.token_type.clone()));
        if let Some(at) = self.expires_at {
            map.insert("expires_at".into(), Value::from(at));
        }
        for (name, value) in [("refresh_token", self.refresh_token()), ("scope", self.scope()), ("id_token", self.id_token())] {
            if let Some(v) = value {
                map.insert(name.into(), Value::String(v.into()));
            }
        }
        Zeroizing::new(Value::Object(map).to_string())
    }

    /// Reads what `to_saved_json` wrote. `expires_in` becomes the time left.
    pub fn from_saved_json(json: &str) -> Result<Token> {
        let invalid = |what: &str| Error::invalid_argument(format!("saved token: {what}"));
        let mut fields: Map<String, Value> =
            serde_json::from_str(json).map_err(|_| invalid("not a JSON object"))?;
        let expires_at = match fields.get("expires_at") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| invalid("expires_at is not an integer"))?),
        };
        let string = |fields: &mut Map<String, Value>, name: &str| {
            take_string(fields, name).map_err(|e| Error::invalid_argument(format!("saved token: {}", e.message())))
        };
        let access_token = string(&mut fields, "access_token")?.filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("no access_token"))?;
        Ok(Token {
            access_token: Secret::new(access_token),
            token_type: string(&mut fields, "token_type")?.unwrap_or_else(|| "Bearer".into()),
            expires_in: expires_at.map(|at| at.saturating_sub(now_unix())),
            expires_at,
            refresh_token: string(&mut fields, "refresh_token")?.filter(|t| !t.is_empty()).map(Secret::new),
            scope: string(&mut fields, "scope")?,
            id_token: string(&mut fields, "id_token")?.map(Secret::new),
            raw_json: Zeroizing::new(json.trim().to_owned()),
        })
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Reads the body as a JSON object or, for form and text bodies (GitHub), as form fields.
fn body_fields(response: &HttpResponse) -> Option<Map<String, Value>> {
    let media_type = response
        .content_type
        .as_deref()
        .map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    let is_form = matches!(
        media_type.as_deref(),
        Some("application/x-www-form-urlencoded") | Some("text/plain")
    );
    let trimmed = response.body.trim_ascii_start();
    if trimmed.starts_with(b"{") {
        return serde_json::from_slice::<Map<String, Value>>(&response.body).ok();
    }
    if is_form && !trimmed.is_empty() && std::str::from_utf8(&response.body).is_ok() {
        let map = form_urlencoded::parse(response.body.trim_ascii())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect::<Map<_, _>>();
        return Some(map);
    }
    None
}

/// Takes a string field out of the map (the map is dropped afterwards, so nothing is copied).
pub(crate) fn take_string(fields: &mut Map<String, Value>, name: &str) -> Result<Option<String>> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(mut s)) if s.contains('\0') => {
            s.zeroize();
            Err(Error::protocol(format!("{name} in the response contains a NUL character")))
        }
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::protocol(format!("{name} in the response is not a string"))),
    }
}

/// `expires_in` as a number, a numeric string (Azure AD) or null (absent).
pub(crate) fn expires_in_field(fields: &Map<String, Value>) -> Result<Option<i64>> {
    let bad = || Error::protocol("expires_in in the response is not a number");
    match fields.get("expires_in") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|v| i64::try_from(v).unwrap_or(i64::MAX)))
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(bad),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse::<i64>().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// The OAuth error in a body, if it has one (§5.2: `error` is a string).
fn oauth_error(fields: &Map<String, Value>) -> Option<OAuthError> {
    let error = fields.get("error")?.as_str()?.to_owned();
    let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
    Some(OAuthError { error, error_description: text("error_description"), error_uri: text("error_uri") })
}

/// Reads any OAuth endpoint's answer: the OAuth error it carries (RFC 6749 §5.2, whatever the
/// status), an HTTP error for other non-2xx answers, else the body's fields (None when the body is
/// not a JSON object or a form).
pub(crate) fn check_response(response: &HttpResponse, what: &str) -> Result<Option<Map<String, Value>>> {
    let status = response.status;
    let fields = body_fields(response);
    if let Some(oauth) = fields.as_ref().and_then(oauth_error) {
        let message = match &oauth.error_description {
            Some(d) => format!("server returned OAuth error {}: {d}", oauth.error),
            None => format!("server returned OAuth error {}", oauth.error),
        };
        return Err(Error::new(ErrorKind::OAuth, message)
            .with_http_status(status)
            .with_oauth(oauth)
            .with_body(&response.body)
            .with_retry_after(response.retry_after));
    }
    if !(200..300).contains(&status) {
        let message = if (300..400).contains(&status) {
            format!("{what} answered HTTP {status} (a redirect); redirects are not followed")
        } else {
            format!("{what} answered HTTP {status}")
        };
        return Err(Error::new(ErrorKind::Http, message)
            .with_http_status(status)
            .with_body(&response.body)
            .with_retry_after(response.retry_after));
    }
    Ok(fields)
}

/// Turns a token endpoint's answer into a token or the error the server meant.
pub fn parse_token_response(response: &HttpResponse) -> Result<Token> {
    let fields = check_response(response, "token endpoint")?;
    token_from_fields(fields, &response.body).map_err(|e| e.with_http_status(response.status))
}

fn token_from_fields(fields: Option<Map<String, Value>>, body: &[u8]) -> Result<Token> {
    let mut fields = fields.ok_or_else(|| Error::protocol("token response is not a JSON object"))?;
    // A JSON body is kept as sent (field order and all); a form body becomes a JSON object.
    let raw_json = Zeroizing::new(match std::str::from_utf8(body) {
        Ok(text) if text.trim_start().starts_with('{') => text.trim().to_owned(),
        _ => Value::Object(fields.clone()).to_string(),
    });
    let expires_in = expires_in_field(&fields)?;
    let access_token = take_string(&mut fields, "access_token")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::protocol("token response has no access_token"))?;
    let access_token = Secret::new(access_token);
    let token_type = match take_string(&mut fields, "token_type")? {
        None => "Bearer".to_owned(),
        Some(t) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
        Some(t) => t,
    };
    let refresh_token = take_string(&mut fields, "refresh_token")?.map(Secret::new);
    let scope = take_string(&mut fields, "scope")?;
    let id_token = take_string(&mut fields, "id_token")?.map(Secret::new);

    Ok(Token {
        access_token,
        token_type,
        expires_in,
        expires_at: expires_in.map(|s| now_unix().saturating_add(s)),
        refresh_token: refresh_token.filter(|t| !t.expose().is_empty()),
        scope,
        id_token,
        raw_json,
    })
}
