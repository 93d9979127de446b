//! Token introspection (RFC 7662).

use crate::client::{Call, Client};
use crate::config::Endpoint;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::response::{raw_json, read, Answer};
use crate::retry::RetryRule;
use crate::transport::HttpResponse;

/// An introspection response: `active` and the optional fields of RFC 7662 §2.2, plus every field
/// the server sent as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Introspection {
    /// Whether the token is active.
    pub active: bool,
    /// Its scope.
    pub scope: Option<String>,
    /// The client it was issued to.
    pub client_id: Option<String>,
    /// The resource owner's name.
    pub username: Option<String>,
    /// Its type.
    pub token_type: Option<String>,
    /// Its subject.
    pub sub: Option<String>,
    /// Its expiry, Unix seconds.
    pub exp: Option<i64>,
    /// When it was issued, Unix seconds.
    pub iat: Option<i64>,
    /// Every field as JSON.
    pub raw_json: String,
}

impl Client {
    /// Asks the server whether `token` is active (with the options' `token_type_hint`). Retried like other idempotent requests.
    pub fn introspect(&self, token: &str, options: &RequestOptions) -> Result<Introspection> {
        let params = options.token_params("introspection", token)?;
        let call =
            Call { cancel: options.cancel(), ..Call::post(Endpoint::Introspection, &params, RetryRule::Transient) };
        self.send(&call, parse_introspection)
    }
}

pub(crate) fn parse_introspection(response: &HttpResponse) -> Result<Introspection> {
    let mut fields = read(response, Answer::Introspection)?
        .ok_or_else(|| Error::protocol("introspection response is not a JSON object"))?;
    let raw_json = raw_json(response, &fields).to_string();
    let active =
        fields.boolean("active")?.ok_or_else(|| Error::protocol("introspection response has no boolean active"))?;
    Ok(Introspection {
        active,
        exp: fields.int("exp")?,
        iat: fields.int("iat")?,
        scope: fields.string("scope")?,
        client_id: fields.string("client_id")?,
        username: fields.string("username")?,
        token_type: fields.string("token_type")?,
        sub: fields.string("sub")?,
        raw_json,
    })
}
