//! The token (RFC 6749 §5.1): what a token response carries, and the saved-token format tokenkit
//! owns. The response reader (errors, lenient fields) is `response`.

use std::ffi::CStr;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::response::{raw_json, read, Answer, Fields as Response};
use crate::secret::Secret;
use crate::transport::HttpResponse;

/// A successful token response. Immutable and cheap to clone (the fields are shared); secrets are
/// zeroized when the last clone is dropped.
#[derive(Clone)]
pub struct Token(Arc<Fields>);

struct Fields {
    access_token: Secret,
    token_type: Secret,
    expires_in: Option<i64>,
    expires_at: Option<i64>,
    refresh_token: Option<Secret>,
    scope: Option<Secret>,
    id_token: Option<Secret>,
    /// Every field the server sent, as a JSON object (form bodies become an object of strings).
    raw_json: Secret,
}

impl Token {
    /// The access token.
    pub fn access_token(&self) -> &str {
        self.0.access_token.expose()
    }
    /// As sent; `Bearer` when the server left it out (RFC 6750 is the only type in use).
    pub fn token_type(&self) -> &str {
        self.0.token_type.expose()
    }
    /// Lifetime in seconds as sent, if sent.
    pub fn expires_in(&self) -> Option<i64> {
        self.0.expires_in
    }
    /// Absolute expiry in Unix seconds, computed from `expires_in` when the response arrived.
    pub fn expires_at(&self) -> Option<i64> {
        self.0.expires_at
    }
    /// The refresh token, if the server sent one (or kept from before a refresh that sent none).
    pub fn refresh_token(&self) -> Option<&str> {
        self.0.refresh_token.as_ref().map(Secret::expose)
    }
    /// The granted scope, if sent.
    pub fn scope(&self) -> Option<&str> {
        self.0.scope.as_ref().map(Secret::expose)
    }
    /// The OpenID Connect ID token, if sent.
    pub fn id_token(&self) -> Option<&str> {
        self.0.id_token.as_ref().map(Secret::expose)
    }
    /// The whole response as JSON.
    pub fn raw_json(&self) -> &str {
        self.0.raw_json.expose()
    }

    /// The fields as C strings, borrowed from the token (the C layer's accessors).
    pub(crate) fn c_field(&self, field: TokenField) -> Option<&CStr> {
        let f = &self.0;
        match field {
            TokenField::AccessToken => Some(f.access_token.as_c_str()),
            TokenField::TokenType => Some(f.token_type.as_c_str()),
            TokenField::RefreshToken => f.refresh_token.as_ref().map(Secret::as_c_str),
            TokenField::Scope => f.scope.as_ref().map(Secret::as_c_str),
            TokenField::IdToken => f.id_token.as_ref().map(Secret::as_c_str),
            TokenField::Json => Some(f.raw_json.as_c_str()),
        }
    }

    /// Whether the access token is still good `skew` from now. An unknown expiry counts as good:
    /// the server will say otherwise, and the application can force a refresh. (Like
    /// golang.org/x/oauth2's expiry delta, the skew is not scaled to the lifetime: a server whose
    /// tokens live shorter than the skew gets a refresh on every use, so pick a smaller skew.)
    pub fn is_fresh(&self, skew: Duration) -> bool {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let skew_ms = skew.as_millis();
        self.0.expires_at.is_none_or(|at| now_ms.saturating_add(skew_ms) < u128::try_from(at).unwrap_or(0) * 1000)
    }

    /// RFC 6749 §6: a refresh response may omit the refresh token; the old one then stays valid.
    pub(crate) fn keep_refresh_token(self, old: Option<&Secret>) -> Self {
        match (&self.0.refresh_token, old) {
            (None, Some(old)) => {
                let f = &self.0;
                Token(Arc::new(Fields {
                    access_token: f.access_token.clone(),
                    token_type: f.token_type.clone(),
                    expires_in: f.expires_in,
                    expires_at: f.expires_at,
                    refresh_token: Some(old.clone()),
                    scope: f.scope.clone(),
                    id_token: f.id_token.clone(),
                    raw_json: f.raw_json.clone(),
                }))
            }
            _ => self,
        }
    }

    pub(crate) fn refresh_secret(&self) -> Option<&Secret> {
        self.0.refresh_token.as_ref()
    }

    /// The token as tokenkit saves it: the standard fields with an absolute `expires_at`. The one
    /// owner of the saved format; `from_saved_json` reads it back.
    pub fn to_saved_json(&self) -> Zeroizing<String> {
        let saved = SavedToken {
            access_token: Some(self.access_token()),
            token_type: Some(self.token_type()),
            expires_at: self.expires_at(),
            refresh_token: self.refresh_token(),
            scope: self.scope(),
            id_token: self.id_token(),
        };
        saved.to_json()
    }

    /// Reads what `to_saved_json` wrote, and any JSON object with a non-empty `access_token`;
    /// `expires_at` may be a number or a numeric string. `expires_in` becomes the time left.
    pub fn from_saved_json(json: &str) -> Result<Token> {
        let invalid = |what: &str| Error::invalid_argument(format!("saved token: {what}"));
        let mut fields = Response::from_json(json).ok_or_else(|| invalid("not a JSON object"))?;
        let saved = |e: Error| Error::invalid_argument(format!("saved token: {}", e.message()));
        let expires_at = fields.int("expires_at").map_err(saved)?;
        let access_token = fields.secret("access_token").map_err(saved)?.ok_or_else(|| invalid("no access_token"))?;
        let token_type = fields.string("token_type").map_err(saved)?.filter(|t| !t.is_empty());
        Ok(Token(Arc::new(Fields {
            access_token,
            token_type: Secret::new(token_type.unwrap_or_else(|| "Bearer".into())),
            expires_in: expires_at.map(|at| at.saturating_sub(now_unix())),
            expires_at,
            refresh_token: fields.secret("refresh_token").map_err(saved)?,
            scope: fields.string("scope").map_err(saved)?.map(Secret::new),
            id_token: fields.secret("id_token").map_err(saved)?,
            raw_json: Secret::from(json.trim()),
        })))
    }

    /// A token endpoint's answer as a token, or the error the server meant.
    pub(crate) fn from_response(response: &HttpResponse) -> Result<Token> {
        let mut fields = read(response, Answer::Token)?
            .ok_or_else(|| Error::protocol("token response is not a JSON object").with_http_status(response.status))?;
        let raw = raw_json(response, &fields);
        Token::from_fields(&mut fields, raw).map_err(|e| e.with_http_status(response.status))
    }

    fn from_fields(fields: &mut Response, mut raw_json: Zeroizing<String>) -> Result<Token> {
        let expires_in = fields.int("expires_in")?;
        let access_token =
            fields.secret("access_token")?.ok_or_else(|| Error::protocol("token response has no access_token"))?;
        // RFC 6750 is the only type in use; servers spell it in any case.
        let token_type = match fields.string("token_type")? {
            None => "Bearer".to_owned(),
            Some(t) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
            Some(t) => t,
        };
        Ok(Token(Arc::new(Fields {
            access_token,
            token_type: Secret::new(token_type),
            expires_in,
            expires_at: expires_in.map(|s| now_unix().saturating_add(s)),
            refresh_token: fields.secret("refresh_token")?,
            scope: fields.string("scope")?.map(Secret::new),
            id_token: fields.secret("id_token")?,
            raw_json: Secret::new(std::mem::take(&mut *raw_json)),
        })))
    }
}

/// A string field of a token, for the C layer's borrowed accessors.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TokenField {
    AccessToken,
    TokenType,
    RefreshToken,
    Scope,
    IdToken,
    Json,
}

/// The saved-token format, written with serde. Serialized into a buffer sized up front, so no
/// copy of a token is left behind in a reallocated buffer.
#[derive(Serialize)]
pub(crate) struct SavedToken<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<&'a str>,
}

impl SavedToken<'_> {
    pub(crate) fn to_json(&self) -> Zeroizing<String> {
        let strings = [self.access_token, self.token_type, self.refresh_token, self.scope, self.id_token];
        // JSON escaping grows a string at most six-fold (\u00XX); 128 covers names and numbers.
        let capacity = 128 + strings.iter().flatten().map(|s| s.len() * 6).sum::<usize>();
        let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
        if serde_json::to_writer(&mut *buf, self).is_err() {
            return Zeroizing::new("{}".to_owned());
        }
        let bytes = std::mem::take(&mut *buf);
        Zeroizing::new(String::from_utf8(bytes).unwrap_or_default())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.0;
        f.debug_struct("Token")
            .field("access_token", &t.access_token)
            .field("token_type", &self.token_type())
            .field("expires_in", &t.expires_in)
            .field("expires_at", &t.expires_at)
            .field("refresh_token", &t.refresh_token)
            .field("scope", &self.scope())
            .field("id_token", &t.id_token)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
