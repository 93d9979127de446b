//! What a client needs to know before it sends anything: endpoints, credentials, limits, trust.
//!
//! Every rule about a setting lives here, in the setter that takes it: fields are private, each
//! setter checks its value and fails at once, endpoints are parsed and checked against the
//! transport policy once. The C layer and the bindings only forward.

use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::log::{LogFn, Logger};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{check_endpoint, Settings};

/// How the client proves who it is at the token endpoint (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// `client_id` and `client_secret` in the form body, as Works with Nest does.
    ClientSecretPost,
    /// HTTP Basic with the form-encoded id and secret.
    ClientSecretBasic,
    /// A public client: `client_id` in the body, no secret (RFC 6749 §2.1).
    None,
}

impl AuthMethod {
    /// The name RFC 8414 metadata uses (`token_endpoint_auth_methods_supported`).
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::None => "none",
        }
    }
}

/// The C ABI's fixed numbers (`tokenkit_auth_method`): never reused.
impl TryFrom<i32> for AuthMethod {
    type Error = Error;
    fn try_from(value: i32) -> Result<Self> {
        match value {
            0 => Ok(AuthMethod::ClientSecretPost),
            1 => Ok(AuthMethod::ClientSecretBasic),
            2 => Ok(AuthMethod::None),
            other => Err(Error::invalid_argument(format!("auth_method {other} is not a known auth method"))),
        }
    }
}

/// How tokens are revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationStyle {
    /// RFC 7009: POST `token` and `token_type_hint` to the revocation endpoint.
    Rfc7009,
    /// Works with Nest: `DELETE <revocation endpoint>/<access token>`.
    NestDelete,
}

/// The C ABI's fixed numbers (`tokenkit_revocation_style`): never reused.
impl TryFrom<i32> for RevocationStyle {
    type Error = Error;
    fn try_from(value: i32) -> Result<Self> {
        match value {
            0 => Ok(RevocationStyle::Rfc7009),
            1 => Ok(RevocationStyle::NestDelete),
            other => Err(Error::invalid_argument(format!("revocation_style {other} is not a known revocation style"))),
        }
    }
}

/// How the authorization URL is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizationStyle {
    /// RFC 6749 §4.1.1 with PKCE (RFC 7636).
    Standard,
    /// Works with Nest: only `client_id` and `state`; the redirect URI is registered with the product.
    NestLegacy,
}

/// The endpoints a client can know, each set by hand, by a preset or by discovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// RFC 6749 §3.2.
    Token,
    /// RFC 6749 §3.1: authorization URLs and loopback sign-in.
    Authorization,
    /// RFC 8628 §3.1.
    DeviceAuthorization,
    /// RFC 7009, or the base URL of Works with Nest's DELETE.
    Revocation,
    /// RFC 7662.
    Introspection,
}

impl Endpoint {
    /// The metadata name (RFC 8414 §2), used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Token => "token_endpoint",
            Endpoint::Authorization => "authorization_endpoint",
            Endpoint::DeviceAuthorization => "device_authorization_endpoint",
            Endpoint::Revocation => "revocation_endpoint",
            Endpoint::Introspection => "introspection_endpoint",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Default connect timeout.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default deadline of one call, retries included.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// A token response is a few kilobytes; 1 MiB leaves room for huge id_tokens and nothing more.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// Idle keep-alive connections kept per host: enough for 8 threads sharing one client.
pub(crate) const DEFAULT_MAX_IDLE_PER_HOST: usize = 16;

/// The User-Agent tokenkit sends unless told otherwise.
pub fn default_user_agent() -> String {
    format!("tokenkit/{}", env!("CARGO_PKG_VERSION"))
}

/// The settings of one client. Each setter checks its value; `Client::new` checks what depends on
/// several settings (a secret for the auth method, a token endpoint).
///
/// ```
/// use tokenkit::{AuthMethod, ClientConfig};
/// let mut config = ClientConfig::new("https://oauth2.example.com/token", "my-client")?;
/// config.set_client_secret(Some("s3cret"));
/// config.set_auth_method(AuthMethod::ClientSecretBasic);
/// assert!(config.set_connect_timeout(std::time::Duration::ZERO).is_err());
/// # Ok::<(), tokenkit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClientConfig {
    endpoints: [Option<Url>; 5],
    client_id: String,
    client_secret: Option<Secret>,
    auth_method: AuthMethod,
    connect_timeout: Duration,
    timeout: Duration,
    attempt_timeout: Option<Duration>,
    user_agent: String,
    extra_root_certs: Vec<Vec<u8>>,
    max_response_bytes: u64,
    max_idle_per_host: usize,
    revocation_style: RevocationStyle,
    authorization_style: AuthorizationStyle,
    issuer: Option<String>,
    issuer_in_authorization_response: bool,
    default_scope: Option<String>,
    authorization_params: Vec<(String, String)>,
    retry: RetryPolicy,
    /// The preset applied last and its project id: what a saved profile names to rebuild it.
    preset: Option<(String, Option<String>)>,
    /// Where the request log goes, if anywhere (never saved in a profile).
    logger: Option<Logger>,
}

impl Default for ClientConfig {
    /// No endpoint, no client id; client_secret_post, 10 s to connect, 30 s per call, 1 MiB cap.
    fn default() -> Self {
        ClientConfig {
            endpoints: Default::default(),
            client_id: String::new(),
            client_secret: None,
            auth_method: AuthMethod::ClientSecretPost,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            attempt_timeout: None,
            user_agent: default_user_agent(),
            extra_root_certs: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_idle_per_host: DEFAULT_MAX_IDLE_PER_HOST,
            revocation_style: RevocationStyle::Rfc7009,
            authorization_style: AuthorizationStyle::Standard,
            issuer: None,
            issuer_in_authorization_response: false,
            default_scope: None,
            authorization_params: Vec::new(),
            retry: RetryPolicy::default(),
            preset: None,
            logger: None,
        }
    }
}

impl ClientConfig {
    /// A config for one token endpoint and client id, with the defaults for everything else.
    pub fn new(token_endpoint: &str, client_id: &str) -> Result<ClientConfig> {
        let mut config = ClientConfig::default();
        config.set_endpoint(Endpoint::Token, token_endpoint)?;
        config.set_client_id(client_id)?;
        Ok(config)
    }

    /// Sets the client secret (chainable form of `set_client_secret`).
    pub fn with_client_secret(mut self, secret: &str) -> Self {
        self.set_client_secret(Some(secret));
        self
    }

    /// Sets the auth method (chainable form of `set_auth_method`).
    pub fn with_auth_method(mut self, method: AuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// Sets an endpoint. It must be https://, or http:// to a loopback address (RFC 8252 §8.3), have
    /// no fragment (RFC 6749 §3.2) and no credentials.
    pub fn set_endpoint(&mut self, which: Endpoint, url: &str) -> Result<()> {
        self.endpoints[which.index()] = Some(check_endpoint(url, which.name())?);
        Ok(())
    }

    /// An endpoint, if set.
    pub fn endpoint(&self, which: Endpoint) -> Option<&Url> {
        self.endpoints[which.index()].as_ref()
    }

    /// An endpoint the call needs, or the error that says which one is missing.
    pub(crate) fn required_endpoint(&self, which: Endpoint) -> Result<&Url> {
        self.endpoint(which).ok_or_else(|| Error::invalid_argument(format!("no {} is configured", which.name())))
    }

    /// Sets the client id (RFC 6749 §2.2): not empty.
    pub fn set_client_id(&mut self, client_id: &str) -> Result<()> {
        if client_id.is_empty() {
            return Err(Error::invalid_argument("client_id is empty"));
        }
        self.client_id = client_id.to_owned();
        Ok(())
    }

    /// The client id ("" until set).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Sets or clears the client secret; it is zeroized when the config is dropped.
    pub fn set_client_secret(&mut self, secret: Option<&str>) {
        self.client_secret = secret.map(Secret::from);
    }

    pub(crate) fn client_secret_value(&self) -> Option<&str> {
        self.client_secret.as_ref().map(Secret::expose)
    }

    /// Sets how the client authenticates.
    pub fn set_auth_method(&mut self, method: AuthMethod) {
        self.auth_method = method;
    }

    /// How the client authenticates.
    pub fn auth_method(&self) -> AuthMethod {
        self.auth_method
    }

    /// Sets the connect timeout (> 0).
    pub fn set_connect_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.connect_timeout = positive(timeout, "connect_timeout")?;
        Ok(())
    }

    /// Sets the deadline of one call (> 0): from the first byte sent to the last byte read, retries
    /// and the waits between them included, so a dripping server cannot stretch it.
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.timeout = positive(timeout, "timeout")?;
        Ok(())
    }

    /// Sets a bound on each attempt within a call (> 0), so a retry is still possible when one
    /// attempt hangs; None (the default) lets one attempt use the whole call's deadline.
    pub fn set_attempt_timeout(&mut self, timeout: Option<Duration>) -> Result<()> {
        self.attempt_timeout = timeout.map(|t| positive(t, "attempt_timeout")).transpose()?;
        Ok(())
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }
    pub(crate) fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// Sets the cap on a response body in bytes (> 0); a larger body fails while it is read.
    pub fn set_max_response_bytes(&mut self, max_bytes: u64) -> Result<()> {
        if max_bytes == 0 {
            return Err(Error::invalid_argument("max_response_bytes must be greater than zero"));
        }
        self.max_response_bytes = max_bytes;
        Ok(())
    }

    /// Sets how many idle keep-alive connections are kept per host (> 0; default 16).
    pub fn set_max_idle_connections_per_host(&mut self, count: usize) -> Result<()> {
        if count == 0 {
            return Err(Error::invalid_argument("max_idle_connections_per_host must be greater than zero"));
        }
        self.max_idle_per_host = count;
        Ok(())
    }

    /// Sets the User-Agent header. A header value may not carry control characters (they would
    /// split or smuggle headers).
    pub fn set_user_agent(&mut self, user_agent: &str) -> Result<()> {
        if user_agent.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(Error::invalid_argument("user_agent contains a control character"));
        }
        self.user_agent = user_agent.to_owned();
        Ok(())
    }

    /// Adds every certificate of a PEM file to the trusted roots, which then replace the system's
    /// store. Fails when the file holds none.
    pub fn add_ca_file(&mut self, path: &str) -> Result<()> {
        let pem =
            std::fs::read(path).map_err(|e| Error::invalid_argument(format!("ca_file: cannot read {path}: {e}")))?;
        self.add_ca_pem(&pem).map_err(|e| Error::invalid_argument(format!("ca_file: {path}: {}", e.message())))
    }

    /// Adds every certificate of PEM text to the trusted roots, which then replace the system's
    /// store. Fails when it holds none.
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

    /// What the HTTP layer needs.
    pub(crate) fn transport_settings(&self) -> Settings<'_> {
        Settings {
            connect_timeout: self.connect_timeout,
            max_idle_per_host: self.max_idle_per_host,
            user_agent: &self.user_agent,
            extra_root_certs: &self.extra_root_certs,
            max_response_bytes: self.max_response_bytes,
            tls: self.endpoints.iter().flatten().any(|url| url.scheme() == "https"),
        }
    }

    /// Sets how tokens are revoked.
    pub fn set_revocation_style(&mut self, style: RevocationStyle) {
        self.revocation_style = style;
    }

    pub(crate) fn revocation_style(&self) -> RevocationStyle {
        self.revocation_style
    }

    pub(crate) fn authorization_style(&self) -> AuthorizationStyle {
        self.authorization_style
    }

    /// Sends the request log to `write`: at level 1 (`LOG_REQUESTS`) a line per attempt (method,
    /// URL, status or error, time) and per retry decision, at level 2 (`LOG_HEADERS`) also the
    /// headers and form body, every secret value written as `[redacted]`; level 0 turns it off.
    /// `write` is called on the thread that makes the request, and must not block for long.
    pub fn set_logger(&mut self, level: u8, write: std::sync::Arc<LogFn>) {
        self.logger = (level > 0).then(|| Logger::new(level, write));
    }

    pub(crate) fn logger(&self) -> Option<&Logger> {
        self.logger.as_ref()
    }

    /// Sets the retry policy (see `RetryPolicy::new`).
    pub fn set_retry(&mut self, retry: RetryPolicy) {
        self.retry = retry;
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The issuer, when known from discovery (compared with `iss` in redirects, RFC 9207).
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    pub(crate) fn issuer_in_authorization_response(&self) -> bool {
        self.issuer_in_authorization_response
    }

    pub(crate) fn default_scope(&self) -> Option<&str> {
        self.default_scope.as_deref()
    }

    pub(crate) fn authorization_params(&self) -> &[(String, String)] {
        &self.authorization_params
    }

    /// Applies what a preset or discovery found. Only the owning modules call it.
    pub(crate) fn set_provider(&mut self, provider: Provider) {
        self.authorization_style = provider.authorization_style;
        self.default_scope = provider.default_scope;
        self.authorization_params = provider.authorization_params;
    }

    pub(crate) fn set_issuer(&mut self, issuer: String, in_authorization_response: bool) {
        self.issuer = Some(issuer);
        self.issuer_in_authorization_response = in_authorization_response;
    }

    /// The preset applied last, with its project id.
    pub(crate) fn preset(&self) -> Option<(&str, Option<&str>)> {
        self.preset.as_ref().map(|(name, id)| (name.as_str(), id.as_deref()))
    }

    pub(crate) fn set_preset(&mut self, name: &str, project_id: Option<&str>) {
        self.preset = Some((name.to_owned(), project_id.map(str::to_owned)));
    }

    /// Checks what depends on several settings, when a client is made.
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
        // A client may serve only revocation or introspection (Hydra's introspection lives on its
        // admin port, in no metadata): each call asks for the endpoint it uses when it is made.
        if self.endpoints.iter().all(Option::is_none) {
            return Err(Error::invalid_argument(
                "no endpoint is configured: set token_endpoint (or the endpoint the calls use)",
            ));
        }
        Ok(())
    }

    /// Forgets an endpoint (a preset that has none).
    pub(crate) fn clear_endpoint(&mut self, which: Endpoint) {
        self.endpoints[which.index()] = None;
    }
}

/// What a preset sets beyond endpoints and the auth method.
pub(crate) struct Provider {
    pub authorization_style: AuthorizationStyle,
    pub default_scope: Option<String>,
    pub authorization_params: Vec<(String, String)>,
}

fn positive(value: Duration, name: &str) -> Result<Duration> {
    if value.is_zero() {
        Err(Error::invalid_argument(format!("{name} must be greater than zero")))
    } else {
        Ok(value)
    }
}
