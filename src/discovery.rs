//! Authorization server metadata: RFC 8414 (`/.well-known/oauth-authorization-server`) and OpenID
//! Connect Discovery (`/.well-known/openid-configuration`). The `issuer` in the document must be
//! exactly the one asked for (RFC 8414 §3.3), or an attacker's metadata could redirect the client.

use serde_json::{Map, Value};
use url::Url;

use crate::config::{AuthMethod, ClientConfig};
use crate::error::{Error, Result};
use crate::token::{check_response, take_string};
use crate::transport::{build_agent, check_endpoint, send, HttpRequest};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub device_authorization_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub introspection_endpoint: Option<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub authorization_response_iss_parameter_supported: bool,
    pub raw_json: String,
}

/// The two well-known URLs for an issuer, RFC 8414's first (§3.1 puts the well-known segment
/// before the issuer's path), then OpenID Connect's (appended to the issuer).
pub fn well_known_urls(issuer: &Url) -> [String; 2] {
    let path = issuer.path().trim_end_matches('/');
    let origin = issuer.origin().ascii_serialization();
    [
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{origin}{path}/.well-known/openid-configuration"),
    ]
}

/// Fetches and checks the metadata of `issuer`, with the config's timeouts, CAs and retries.
pub fn discover(config: &ClientConfig, issuer: &str) -> Result<ProviderMetadata> {
    let issuer_url = check_endpoint(issuer, "issuer")?;
    if issuer_url.query().is_some() {
        return Err(Error::invalid_argument("issuer must not contain a query (RFC 8414 §2)"));
    }
    let agent = build_agent(config, &issuer_url);
    let mut last_error = None;
    for candidate in well_known_urls(&issuer_url) {
        let url = Url::parse(&candidate).map_err(|e| Error::invalid_argument(format!("issuer: {e}")))?;
        let request = HttpRequest { method: "GET", url: &url, authorization: None, form_body: None };
        let fetched = config.retry.run(|| {
            let response = send(&agent, &request, config.max_response_bytes)?;
            check_response(&response, "discovery endpoint")
        });
        match fetched {
            Ok(fields) => {
                let fields = fields.ok_or_else(|| Error::protocol("discovery document is not a JSON object"))?;
                return parse_metadata(fields, issuer);
            }
            // Not served there (404, or a 4xx error document as oidc-provider sends): try the other
            // well-known location.
            Err(e) if e.http_status().is_some_and(|s| (400..500).contains(&s)) => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| Error::protocol("no discovery document found")))
}

fn parse_metadata(mut fields: Map<String, Value>, expected_issuer: &str) -> Result<ProviderMetadata> {
    let raw_json = Value::Object(fields.clone()).to_string();
    let issuer = take_string(&mut fields, "issuer")?.ok_or_else(|| Error::protocol("discovery document has no issuer"))?;
    if issuer != expected_issuer {
        return Err(Error::protocol(format!(
            "discovery document names issuer {issuer:?}, not the {expected_issuer:?} asked for (RFC 8414 §3.3)"
        )));
    }
    let list = |fields: &Map<String, Value>, name: &str| -> Vec<String> {
        fields.get(name).and_then(Value::as_array).map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    };
    Ok(ProviderMetadata {
        token_endpoint_auth_methods_supported: list(&fields, "token_endpoint_auth_methods_supported"),
        code_challenge_methods_supported: list(&fields, "code_challenge_methods_supported"),
        authorization_response_iss_parameter_supported: fields
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        authorization_endpoint: take_string(&mut fields, "authorization_endpoint")?,
        token_endpoint: take_string(&mut fields, "token_endpoint")?,
        device_authorization_endpoint: take_string(&mut fields, "device_authorization_endpoint")?,
        revocation_endpoint: take_string(&mut fields, "revocation_endpoint")?,
        introspection_endpoint: take_string(&mut fields, "introspection_endpoint")?,
        issuer,
        raw_json,
    })
}

/// The client authentication method to use with a server that lists the ones it supports: the
/// configured one when listed (or when the server lists none, RFC 8414 §2 then means
/// client_secret_basic), else the other secret-based method when that one is listed. A public
/// client stays public.
fn supported_auth_method(current: AuthMethod, supported: &[String]) -> AuthMethod {
    let listed = |m: &str| supported.iter().any(|s| s == m);
    match current {
        AuthMethod::None => AuthMethod::None,
        _ if supported.is_empty() || listed(auth_method_name(current)) => current,
        AuthMethod::ClientSecretPost if listed("client_secret_basic") => AuthMethod::ClientSecretBasic,
        AuthMethod::ClientSecretBasic if listed("client_secret_post") => AuthMethod::ClientSecretPost,
        _ => current,
    }
}

fn auth_method_name(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::ClientSecretPost => "client_secret_post",
        AuthMethod::ClientSecretBasic => "client_secret_basic",
        AuthMethod::None => "none",
    }
}

impl ClientConfig {
    /// Takes the endpoints and the issuer from discovered metadata, and switches between
    /// client_secret_post and client_secret_basic when the server supports only the other.
    /// Endpoints the document lacks keep their current value.
    pub fn apply_metadata(&mut self, metadata: &ProviderMetadata) -> Result<()> {
        let token_endpoint = metadata
            .token_endpoint
            .clone()
            .or_else(|| (!self.token_endpoint.is_empty()).then(|| self.token_endpoint.clone()))
            .ok_or_else(|| Error::protocol("discovery document has no token_endpoint"))?;
        self.token_endpoint = token_endpoint;
        let keep = |found: &Option<String>, current: &mut Option<String>| {
            if found.is_some() {
                current.clone_from(found);
            }
        };
        keep(&metadata.authorization_endpoint, &mut self.authorization_endpoint);
        keep(&metadata.device_authorization_endpoint, &mut self.device_authorization_endpoint);
        keep(&metadata.revocation_endpoint, &mut self.revocation_endpoint);
        keep(&metadata.introspection_endpoint, &mut self.introspection_endpoint);
        self.issuer = Some(metadata.issuer.clone());
        self.issuer_in_authorization_response = metadata.authorization_response_iss_parameter_supported;
        self.auth_method = supported_auth_method(self.auth_method, &metadata.token_endpoint_auth_methods_supported);
        Ok(())
    }
}
