//! The authorization request (RFC 6749 §4.1.1) with PKCE (RFC 7636) and a fresh `state`.

use url::Url;

use crate::client::Client;
use crate::config::{AuthorizationStyle, Endpoint};
use crate::error::{Error, Result};
use crate::options::{RequestOptions, Setting};
use crate::pkce::{random_state, Pkce};
use crate::secret::Secret;

/// An authorization URL to send the user to, and what the client must keep to finish the flow.
#[derive(Clone, Debug)]
pub struct AuthorizationRequest {
    /// Where to send the user.
    pub url: String,
    /// The `state` the redirect must carry back (RFC 6749 §10.12).
    pub state: String,
    /// The PKCE verifier for the code exchange (RFC 7636).
    pub code_verifier: Secret,
    /// The redirect URI the URL names, if any.
    pub redirect_uri: Option<String>,
}

/// Parameters the builder sets itself; extra parameters may not repeat them.
const RESERVED: &[&str] =
    &["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"];

impl Client {
    /// Builds an authorization URL with a fresh `state` and PKCE pair, from the options'
    /// redirect URI (unset where the provider has one registered, as Works with Nest does), scope
    /// (unset: the config's default scope) and parameters.
    pub fn authorization_request(&self, options: &RequestOptions) -> Result<AuthorizationRequest> {
        use Setting::*;
        options.only("an authorization URL", &[RedirectUri, Scope, Params])?;
        self.build_authorization_request(options.redirect_uri.as_deref(), options.scope.as_deref(), &options.params)
    }

    pub(crate) fn build_authorization_request(
        &self,
        redirect_uri: Option<&str>,
        scope: Option<&str>,
        extra: &[(String, String)],
    ) -> Result<AuthorizationRequest> {
        let config = self.config();
        let mut url: Url = config.required_endpoint(Endpoint::Authorization)?.clone();
        let state = random_state()?;
        let pkce = Pkce::generate()?;
        let scope = scope.or(config.default_scope());
        {
            let mut query = url.query_pairs_mut();
            match config.authorization_style() {
                AuthorizationStyle::NestLegacy => {
                    query.append_pair("client_id", config.client_id());
                    query.append_pair("state", &state);
                }
                AuthorizationStyle::Standard => {
                    query.append_pair("response_type", "code");
                    query.append_pair("client_id", config.client_id());
                    if let Some(uri) = redirect_uri {
                        query.append_pair("redirect_uri", uri);
                    }
                    if let Some(scope) = scope.filter(|s| !s.is_empty()) {
                        query.append_pair("scope", scope);
                    }
                    query.append_pair("state", &state);
                    query.append_pair("code_challenge", &pkce.code_challenge);
                    query.append_pair("code_challenge_method", "S256");
                }
            }
            // A parameter the caller gives replaces the preset's default of the same name.
            let overridden = |name: &str| extra.iter().any(|(n, _)| n == name);
            let preset = config.authorization_params().iter().filter(|(n, _)| !overridden(n));
            for (name, value) in preset.chain(extra) {
                if name.is_empty() || RESERVED.contains(&name.as_str()) {
                    return Err(Error::invalid_argument(format!(
                        "authorization parameter {name:?} is empty or set by tokenkit itself"
                    )));
                }
                query.append_pair(name, value);
            }
        }
        Ok(AuthorizationRequest {
            url: url.into(),
            state,
            code_verifier: pkce.code_verifier,
            redirect_uri: redirect_uri.map(str::to_owned),
        })
    }
}
