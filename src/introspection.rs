//! Token introspection (RFC 7662).

use serde_json::{Map, Value};

use crate::client::Client;
use crate::retry::RetryRule;
use crate::error::{Error, Result};
use crate::token::{check_response, take_string};
use crate::transport::HttpResponse;

/// An introspection response: `active` and the optional fields of RFC 7662 §2.2, plus every field
/// the server sent as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Introspection {
    pub active: bool,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub token_type: Option<String>,
    pub sub: Option<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub raw_json: String,
}

impl Client {
    /// Asks the server whether `token` is active. Retried like other idempotent requests.
    pub fn introspect(&self, token: &str, token_type_hint: Option<&str>) -> Result<Introspection> {
        if token.is_empty() {
            return Err(Error::invalid_argument("token is empty"));
        }
        let endpoint = self.endpoint(self.config().introspection_endpoint.as_deref(), "introspection_endpoint")?;
        let mut params = vec![("token", token)];
        if let Some(hint) = token_type_hint.filter(|h| !h.is_empty()) {
            params.push(("token_type_hint", hint));
        }
        self.post_authenticated(&endpoint, &params, None, &[], RetryRule::Transient, parse_introspection)
    }
}

fn parse_introspection(response: &HttpResponse) -> Result<Introspection> {
    let mut fields: Map<String, Value> = check_response(response, "introspection endpoint")?
        .ok_or_else(|| Error::protocol("introspection response is not a JSON object"))?;
    let raw_json = Value::Object(fields.clone()).to_string();
    let active = match fields.get("active") {
        Some(Value::Bool(b)) => *b,
        // Some servers send "true"/"false" as strings.
        Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
        _ => return Err(Error::protocol("introspection response has no boolean active")),
    };
    let int = |fields: &Map<String, Value>, name: &str| fields.get(name).and_then(Value::as_i64);
    Ok(Introspection {
        active,
        exp: int(&fields, "exp"),
        iat: int(&fields, "iat"),
        scope: take_string(&mut fields, "scope")?,
        client_id: take_string(&mut fields, "client_id")?,
        username: take_string(&mut fields, "username")?,
        token_type: take_string(&mut fields, "token_type")?,
        sub: take_string(&mut fields, "sub")?,
        raw_json,
    })
}
