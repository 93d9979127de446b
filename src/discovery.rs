//! Authorization server metadata: RFC 8414 (`/.well-known/oauth-authorization-server`) and OpenID
//! Connect Discovery (`/.well-known/openid-configuration`). The `issuer` in the document must be
//! exactly the one asked for (RFC 8414 §3.3), or an attacker's metadata could redirect the client.

use url::Url;

use crate::client::{Call, Client, Target};
use crate::config::{AuthMethod, ClientConfig, Endpoint};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::response::{raw_json, read, Answer};
use crate::retry::RetryRule;
use crate::transport::{check_endpoint, HttpResponse, Method};

/// What discovery found: the fields tokenkit uses, and the whole document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// The issuer, exactly as asked for.
    pub issuer: String,
    /// RFC 8414 §2.
    pub authorization_endpoint: Option<String>,
    /// RFC 8414 §2.
    pub token_endpoint: Option<String>,
    /// RFC 8628 §4.
    pub device_authorization_endpoint: Option<String>,
    /// RFC 8414 §2.
    pub revocation_endpoint: Option<String>,
    /// RFC 8414 §2.
    pub introspection_endpoint: Option<String>,
    /// RFC 8414 §2.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// RFC 8414 §2.
    pub code_challenge_methods_supported: Vec<String>,
    /// RFC 9207 §3.
    pub authorization_response_iss_parameter_supported: bool,
    /// The document as sent.
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

impl ClientConfig {
    /// Fetches the metadata of `issuer` with this config's timeouts, CAs and retries, checks that
    /// it names exactly this issuer, and takes the endpoints and the issuer from it (endpoints the
    /// document lacks keep their value); switches between client_secret_post and
    /// client_secret_basic when the server supports only the other.
    /// Of the options only the cancel flag applies.
    pub fn discover(&mut self, issuer: &str, options: &RequestOptions) -> Result<ProviderMetadata> {
        options.only("discovery", &[])?;
        let cancel = options.cancel();
        let issuer_url = check_endpoint(issuer, "issuer")?;
        if issuer_url.query().is_some() {
            return Err(Error::invalid_argument("issuer must not contain a query (RFC 8414 §2)"));
        }
        let client = Client::unchecked_for(self.clone(), issuer_url.scheme() == "https");
        let mut last_error = None;
        for candidate in well_known_urls(&issuer_url) {
            let url = check_endpoint(&candidate, "issuer")?;
            let call = Call {
                target: Target::Url(&url),
                method: Method::Get,
                authenticate: false,
                cancel,
                ..Call::post(Endpoint::Token, &[], RetryRule::Transient)
            };
            match client.send(&call, |r| parse_metadata(r, issuer)) {
                Ok(metadata) => {
                    self.apply_metadata(&metadata)?;
                    return Ok(metadata);
                }
                // Not served there (404, or a 4xx error document as oidc-provider sends): try the
                // other well-known location.
                Err(e) if e.http_status().is_some_and(|s| (400..500).contains(&s)) => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| Error::protocol("no discovery document found")))
    }

    /// Takes the endpoints and the issuer from discovered metadata. Every endpoint is checked
    /// against the transport policy before any is taken.
    pub(crate) fn apply_metadata(&mut self, metadata: &ProviderMetadata) -> Result<()> {
        if metadata.token_endpoint.is_none() && self.endpoint(Endpoint::Token).is_none() {
            return Err(Error::protocol("discovery document has no token_endpoint"));
        }
        let mut updated = self.clone();
        for (which, found) in [
            (Endpoint::Token, &metadata.token_endpoint),
            (Endpoint::Authorization, &metadata.authorization_endpoint),
            (Endpoint::DeviceAuthorization, &metadata.device_authorization_endpoint),
            (Endpoint::Revocation, &metadata.revocation_endpoint),
            (Endpoint::Introspection, &metadata.introspection_endpoint),
        ] {
            if let Some(url) = found {
                updated.set_endpoint(which, url)?;
            }
        }
        updated.set_issuer(metadata.issuer.clone(), metadata.authorization_response_iss_parameter_supported);
        let method = supported_auth_method(updated.auth_method(), &metadata.token_endpoint_auth_methods_supported);
        updated.set_auth_method(method);
        *self = updated;
        Ok(())
    }
}

pub(crate) fn parse_metadata(response: &HttpResponse, expected_issuer: &str) -> Result<ProviderMetadata> {
    let mut fields =
        read(response, Answer::Discovery)?.ok_or_else(|| Error::protocol("discovery document is not a JSON object"))?;
    let raw_json = raw_json(response, &fields).to_string();
    let issuer = fields.string("issuer")?.ok_or_else(|| Error::protocol("discovery document has no issuer"))?;
    if issuer != expected_issuer {
        return Err(Error::protocol(format!(
            "discovery document names issuer {issuer:?}, not the {expected_issuer:?} asked for (RFC 8414 §3.3)"
        )));
    }
    Ok(ProviderMetadata {
        token_endpoint_auth_methods_supported: fields.strings("token_endpoint_auth_methods_supported"),
        code_challenge_methods_supported: fields.strings("code_challenge_methods_supported"),
        authorization_response_iss_parameter_supported: fields
            .boolean("authorization_response_iss_parameter_supported")
            .ok()
            .flatten()
            .unwrap_or(false),
        authorization_endpoint: fields.string("authorization_endpoint")?,
        token_endpoint: fields.string("token_endpoint")?,
        device_authorization_endpoint: fields.string("device_authorization_endpoint")?,
        revocation_endpoint: fields.string("revocation_endpoint")?,
        introspection_endpoint: fields.string("introspection_endpoint")?,
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
        _ if supported.is_empty() || listed(current.name()) => current,
        AuthMethod::ClientSecretPost if listed("client_secret_basic") => AuthMethod::ClientSecretBasic,
        AuthMethod::ClientSecretBasic if listed("client_secret_post") => AuthMethod::ClientSecretPost,
        _ => current,
    }
}
