//! A token client: one authorization server, one set of credentials, one keep-alive connection
//! pool. `Client` is `Send + Sync`; share one across threads rather than making one per request.

use std::fmt;

use base64::Engine as _;
use url::Url;
use zeroize::Zeroizing;

use crate::config::{AuthMethod, ClientConfig};
use crate::error::{Error, Result};
use crate::grants::Grant;
use crate::retry::RetryRule;
use crate::token::{parse_token_response, Token};
use crate::transport::{build_agent, check_endpoint, send, HttpRequest, HttpResponse};

pub struct Client {
    config: ClientConfig,
    token_endpoint: Url,
    agent: ureq::Agent,
}

/// Parameters the library sets itself; an extra parameter may not repeat them (RFC 6749 §3.2:
/// parameters must not be included more than once).
const RESERVED: &[&str] = &[
    "grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope", "client_id",
    "client_secret", "device_code", "token", "token_type_hint",
];

/// A form body and the Authorization header value that goes with it; both may hold secrets.
pub(crate) type AuthenticatedForm = (Zeroizing<String>, Option<Zeroizing<String>>);

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client> {
        config.validate()?;
        let token_endpoint = check_endpoint(&config.token_endpoint, "token_endpoint")?;
        let agent = build_agent(&config, &token_endpoint);
        Ok(Client { config, token_endpoint, agent })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    /// An optional endpoint of the config, checked; `name` says which in the error.
    pub(crate) fn endpoint(&self, value: Option<&str>, name: &str) -> Result<Url> {
        let value = value.ok_or_else(|| Error::invalid_argument(format!("no {name} is configured")))?;
        check_endpoint(value, name)
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

    /// Sends one token request and parses the answer, retrying where the grant allows it.
    pub fn request_token(&self, grant: &Grant<'_>, extra: &[(String, String)]) -> Result<Token> {
        let form = self.token_request(grant, extra)?;
        self.send_form(&self.token_endpoint, &form, grant.retry_rule(), parse_token_response)
    }

    /// Builds a token request's form body and optional Authorization header value.
    pub fn token_request(&self, grant: &Grant<'_>, extra: &[(String, String)]) -> Result<AuthenticatedForm> {
        self.authenticated_form(&grant.params()?, Some(grant.grant_type()), extra)
    }

    /// A form in the Works with Nest order: the request's own fields, client authentication
    /// (RFC 6749 §2.3.1), `grant_type`, then the caller's extra parameters.
    pub(crate) fn authenticated_form(
        &self,
        params: &[(&str, &str)],
        grant_type: Option<&str>,
        extra: &[(String, String)],
    ) -> Result<AuthenticatedForm> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in params {
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
        if let Some(grant_type) = grant_type {
            form.append_pair("grant_type", grant_type);
        }
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

    /// POSTs a client-authenticated form to `url` and parses the answer with `parse`.
    pub(crate) fn post_authenticated<T>(
        &self,
        url: &Url,
        params: &[(&str, &str)],
        grant_type: Option<&str>,
        extra: &[(String, String)],
        retry: RetryRule,
        parse: impl Fn(&HttpResponse) -> Result<T>,
    ) -> Result<T> {
        let form = self.authenticated_form(params, grant_type, extra)?;
        self.send_form(url, &form, retry, parse)
    }

    /// Sends a form; `parse` turns the answer into a value or an error. Failed attempts are repeated
    /// by the config's policy, after the failures `retry` allows.
    pub(crate) fn send_form<T>(
        &self,
        url: &Url,
        (body, authorization): &AuthenticatedForm,
        retry: RetryRule,
        parse: impl Fn(&HttpResponse) -> Result<T>,
    ) -> Result<T> {
        let request = HttpRequest {
            method: "POST",
            url,
            authorization: authorization.as_deref().map(String::as_str),
            form_body: Some(body.as_bytes()),
        };
        let attempt = || {
            let mut response = send(&self.agent, &request, self.config.max_response_bytes)?;
            let parsed = parse(&response);
            response.wipe();
            parsed
        };
        self.config.retry.run_with(retry, attempt)
    }
}

/// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
pub fn basic_authorization(client_id: &str, client_secret: &str) -> Zeroizing<String> {
    let encode = |s: &str| Zeroizing::new(form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>());
    let joined = Zeroizing::new(format!("{}:{}", encode(client_id).as_str(), encode(client_secret).as_str()));
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
