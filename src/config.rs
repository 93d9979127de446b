//! What a client needs to know before it sends anything: endpoint, credentials, limits, trust.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// How the client proves who it is at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1), as Works with Nest does.
    ClientSecretPost,
    /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// A public client: `client_id` in the body, no secret (RFC 6749 §2.1).
    None,
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// A token response is a few kilobytes; 1 MiB leaves room for huge id_tokens and nothing more.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1 << 20;

pub fn default_user_agent() -> String {
    format!("tokenkit/{}", env!("CARGO_PKG_VERSION"))
}

/// How tokens are revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationStyle {
    /// RFC 7009: POST `token` and `token_type_hint` to the revocation endpoint.
    Rfc7009,
    /// Works with Nest: `DELETE <revocation endpoint>/<access token>`.
    NestDelete,
}

/// How the authorization URL is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizationStyle {
    /// RFC 6749 §4.1.1 with PKCE (RFC 7636).
    Standard,
    /// Works with Nest: only `client_id` and `state`; the redirect URI is registered with the product.
    NestLegacy,
}

/// The settings of one client. Plain data: it is validated when a `Client` is made from it.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub token_endpoint: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub auth_method: AuthMethod,
    pub connect_timeout: Duration,
    /// The whole exchange, from DNS to the last body byte.
    pub timeout: Duration,
    pub user_agent: String,
    /// DER certificates trusted on top of the operating system's store.
    pub extra_root_certs: Vec<Vec<u8>>,
    pub max_response_bytes: u64,
    /// Endpoints beyond the token endpoint, set by hand, by a preset or by discovery.
    pub authorization_endpoint: Option<String>,
    pub device_authorization_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub introspection_endpoint: Option<String>,
    pub revocation_style: RevocationStyle,
    pub authorization_style: AuthorizationStyle,
    /// The issuer (from discovery), compared with `iss` in authorization responses (RFC 9207).
    pub issuer: Option<String>,
    /// Whether the server promised `iss` in every authorization response (RFC 9207 §3).
    pub issuer_in_authorization_response: bool,
    /// Scope used when a call names none (a preset's).
    pub default_scope: Option<String>,
    /// Parameters added to every authorization URL (a preset's, e.g. `access_type=offline`).
    pub authorization_params: Vec<(String, String)>,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    pub fn new(token_endpoint: impl Into<String>, client_id: impl Into<String>) -> Self {
        ClientConfig {
            token_endpoint: token_endpoint.into(),
            client_id: client_id.into(),
            client_secret: None,
            auth_method: AuthMethod::ClientSecretPost,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: default_user_agent(),
            extra_root_certs: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            authorization_endpoint: None,
            device_authorization_endpoint: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            revocation_style: RevocationStyle::Rfc7009,
            authorization_style: AuthorizationStyle::Standard,
            issuer: None,
            issuer_in_authorization_response: false,
            default_scope: None,
            authorization_params: Vec::new(),
            retry: RetryPolicy::default(),
        }
    }

    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    pub fn auth_method(mut self, method: AuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn timeouts(mut self, connect: Duration, overall: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = overall;
        self
    }

    /// Adds every certificate of a PEM file to the trusted roots. Fails when the file holds none.
    pub fn add_ca_file(&mut self, path: &str) -> Result<()> {
        let pem = std::fs::read(path)
            .map_err(|e| Error::invalid_argument(format!("ca_file: cannot read {path}: {e}")))?;
        self.add_ca_pem(&pem).map_err(|e| {
            Error::invalid_argument(format!("ca_file: {path}: {}", e.message()))
        })
    }

    /// Adds every certificate of PEM text to the trusted roots. Fails when it holds none.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<()> {
        let mut found = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => found.push(cert.der().to_vec()),
                Ok(_) => {} // keys and other items are not trust anchors
                Err(e) => return Err(Error::invalid_argument(format!("bad PEM: {e}"))),
            }
        }
        if found.is_empty() {
            return Err(Error::invalid_argument("no certificate found in PEM"));
        }
        self.extra_root_certs.extend(found);
        Ok(())
    }

    /// Checks everything that can be checked without the network.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.client_id.is_empty() {
            return Err(Error::invalid_argument("client_id is empty"));
        }
        let has_secret = self.client_secret.as_ref().is_some_and(|s| !s.expose().is_empty());
        match self.auth_method {
            AuthMethod::ClientSecretPost | AuthMethod::ClientSecretBasic if !has_secret => {
                return Err(Error::invalid_argument(
                    "client_secret is required by auth method client_secret_post and client_secret_basic",
                ))
            }
            AuthMethod::None if has_secret => {
                return Err(Error::invalid_argument(
                    "client_secret must not be set with auth method none (a public client)",
                ))
            }
            _ => {}
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::invalid_argument("timeouts must be greater than zero"));
        }
        if self.max_response_bytes == 0 {
            return Err(Error::invalid_argument("max_response_bytes must be greater than zero"));
        }
        check_user_agent(&self.user_agent)
    }
}

/// A header value may not carry control characters (they would split or smuggle headers).
pub(crate) fn check_user_agent(user_agent: &str) -> Result<()> {
    if user_agent.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(Error::invalid_argument("user_agent contains a control character"));
    }
    Ok(())
}
