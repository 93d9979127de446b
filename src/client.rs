//! A token client: one endpoint, one set of credentials, one keep-alive connection pool.
//! `Client` is `Send + Sync`; share one across threads rather than making one per request.

use std::fmt;

use base64::Engine as _;
use url::Url;
use zeroize::Zeroizing;

use crate::config::{AuthMethod, ClientConfig};
use crate::error::{Error, Result};
use crate::grants::Grant;
use crate::token::{parse_token_response, Token};
use crate::transport::{build_agent, check_endpoint, post_form};

pub struct Client {
    config: ClientConfig,
    token_endpoint: Url,
    agent: ureq::Agent,
}

/// Parameters the library sets itself; an extra parameter may not repeat them (RFC 6749 §3.2:
/// parameters must not be included more than once).
const RESERVED: &[&str] = &[
    "grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope", "client_id",
    "client_secret",
];

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client> {
        config.validate()?;
        let token_endpoint = check_endpoint(&config.token_endpoint, "token_endpoint")?;
        let agent = build_agent(&config);
        Ok(Client { config, token_endpoint, agent })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3). Never retried: a code is single-use.
    pub fn exchange_code(
        &self,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
        extra: &[(String, String)],
    ) -> Result<Token> {
        self.request_token(&Grant::AuthorizationCode { code, redirect_uri, code_verifier }, extra)
    }

    /// Uses a refresh token (RFC 6749 §6).
    pub fn refresh(&self, refresh_token: &str, scope: Option<&str>, extra: &[(String, String)]) -> Result<Token> {
        self.request_token(&Grant::RefreshToken { refresh_token, scope }, extra)
    }

    /// Client credentials grant (RFC 6749 §4.4).
    pub fn client_credentials(&self, scope: Option<&str>, extra: &[(String, String)]) -> Result<Token> {
        self.request_token(&Grant::ClientCredentials { scope }, extra)
    }

    /// Sends one token request and parses the answer.
    pub fn request_token(&self, grant: &Grant<'_>, extra: &[(String, String)]) -> Result<Token> {
        let (body, authorization) = self.token_request(grant, extra)?;
        let mut response = post_form(
            &self.agent,
            &self.token_endpoint,
            authorization.as_deref().map(String::as_str),
            body.as_bytes(),
            self.config.max_response_bytes,
        )?;
        let parsed = parse_token_response(&response);
        zeroize::Zeroize::zeroize(&mut response.body);
        parsed
    }

    /// Builds the form body and the optional Authorization header value; both hold secrets.
    pub fn token_request(
        &self,
        grant: &Grant<'_>,
        extra: &[(String, String)],
    ) -> Result<(Zeroizing<String>, Option<Zeroizing<String>>)> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in grant.params()? {
            form.append_pair(name, value);
        }
        let secret = self.config.client_secret.as_ref().map(|s| s.expose()).unwrap_or("");
        let mut authorization = None;
        match self.config.auth_method {
            AuthMethod::ClientSecretPost => {
                form.append_pair("client_id", &self.config.client_id);
                form.append_pair("client_secret", secret);
            }
            AuthMethod::ClientSecretBasic => {
                authorization = Some(basic_authorization(&self.config.client_id, secret));
            }
            AuthMethod::None => {
                form.append_pair("client_id", &self.config.client_id);
            }
        }
        form.append_pair("grant_type", grant.grant_type());
        for (name, value) in extra {
            if name.is_empty() {
                return Err(Error::invalid_argument("extra parameter name is empty"));
            }
            if RESERVED.contains(&name.as_str()) {
                return Err(Error::invalid_argument(format!(
                    "extra parameter {name:?} is set by tokenkit itself and may not be repeated"
                )));
            }
            form.append_pair(name, value);
        }
        Ok((Zeroizing::new(form.finish()), authorization))
    }
}

/// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
pub fn basic_authorization(client_id: &str, client_secret: &str) -> Zeroizing<String> {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let joined = Zeroizing::new(format!("{}:{}", encode(client_id), Zeroizing::new(encode(client_secret)).as_str()));
    Zeroizing::new(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(joined.as_bytes())))
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("token_endpoint", &self.token_endpoint.as_str())
            .field("client_id", &self.config.client_id)
            .field("auth_method", &self.config.auth_method)
            .finish_non_exhaustive()
    }
}
