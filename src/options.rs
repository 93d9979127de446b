//! Per-call settings: what a grant, revocation, introspection, authorization URL, sign-in or device
//! flow may be given beyond its one required value. Setters check each value; each call checks that
//! it was given only what applies to it, so a setting is never silently ignored.

use std::sync::Arc;
use std::time::Duration;

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// The optional parts of a request (every setting is unset by default).
///
/// ```
/// use tokenkit::RequestOptions;
/// let mut options = RequestOptions::default();
/// options.set_scope("read write");
/// options.add_param("audience", "https://api.example.com")?;
/// # Ok::<(), tokenkit::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct RequestOptions {
    pub(crate) scope: Option<String>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) code_verifier: Option<Secret>,
    pub(crate) token_type_hint: Option<String>,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) cancel: Option<Arc<Cancel>>,
}

/// The settings a `RequestOptions` can carry, for the check that a call uses each one it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    Scope,
    RedirectUri,
    CodeVerifier,
    TokenTypeHint,
    Params,
}

impl RequestOptions {
    /// The scope (RFC 6749 §3.3), for refresh, client credentials, device flow and authorization URLs.
    pub fn set_scope(&mut self, scope: &str) {
        self.scope = Some(scope.to_owned());
    }

    /// The redirect URI the code was issued for (RFC 6749 §4.1.3), for code exchanges and
    /// authorization URLs. Not empty.
    pub fn set_redirect_uri(&mut self, redirect_uri: &str) -> Result<()> {
        if redirect_uri.is_empty() {
            return Err(Error::invalid_argument("redirect_uri is empty"));
        }
        self.redirect_uri = Some(redirect_uri.to_owned());
        Ok(())
    }

    /// The PKCE verifier (RFC 7636 §4.1: 43 to 128 characters of A-Z a-z 0-9 - . _ ~), for code
    /// exchanges.
    pub fn set_code_verifier(&mut self, code_verifier: &str) -> Result<()> {
        check_code_verifier(code_verifier)?;
        self.code_verifier = Some(Secret::from(code_verifier));
        Ok(())
    }

    /// `access_token` or `refresh_token` (RFC 7009 §2.1, RFC 7662 §2.1), for revocation and
    /// introspection. Other values are sent as given (the RFCs allow extensions). Not empty.
    pub fn set_token_type_hint(&mut self, hint: &str) -> Result<()> {
        if hint.is_empty() {
            return Err(Error::invalid_argument("token_type_hint is empty"));
        }
        self.token_type_hint = Some(hint.to_owned());
        Ok(())
    }

    /// Adds a parameter to the request (e.g. `audience`, `resource`, or `access_type` in an
    /// authorization URL). The name must not be empty; parameters tokenkit sets itself are refused
    /// when the request is built (RFC 6749 §3.2: no parameter twice).
    pub fn add_param(&mut self, name: &str, value: &str) -> Result<()> {
        push_param(&mut self.params, name, value)
    }

    /// A flag another thread can raise to stop the call (see `Cancel`).
    pub fn set_cancel(&mut self, cancel: Arc<Cancel>) {
        self.cancel = Some(cancel);
    }

    pub(crate) fn cancel(&self) -> Option<&Cancel> {
        self.cancel.as_deref()
    }

    /// The form of a request about one token (revocation, introspection): `token` and the
    /// options' `token_type_hint` (RFC 7009 §2.1, RFC 7662 §2.1), after checking that only the
    /// hint was set and that the token is not empty.
    pub(crate) fn token_params<'a>(&'a self, call: &str, token: &'a str) -> Result<Vec<(&'static str, &'a str)>> {
        self.only(call, &[Setting::TokenTypeHint])?;
        if token.is_empty() {
            return Err(Error::invalid_argument("token is empty"));
        }
        let mut params = vec![("token", token)];
        params.extend(self.token_type_hint.as_deref().map(|hint| ("token_type_hint", hint)));
        Ok(params)
    }

    /// Fails when a setting was given that `call` does not use.
    pub(crate) fn only(&self, call: &str, allowed: &[Setting]) -> Result<()> {
        let given = [
            (Setting::Scope, self.scope.is_some(), "scope"),
            (Setting::RedirectUri, self.redirect_uri.is_some(), "redirect_uri"),
            (Setting::CodeVerifier, self.code_verifier.is_some(), "code_verifier"),
            (Setting::TokenTypeHint, self.token_type_hint.is_some(), "token_type_hint"),
            (Setting::Params, !self.params.is_empty(), "params"),
        ];
        match given.iter().find(|(setting, set, _)| *set && !allowed.contains(setting)) {
            Some((_, _, name)) => Err(Error::invalid_argument(format!("{name} does not apply to {call}"))),
            None => Ok(()),
        }
    }
}

/// Adds an extra parameter; the name must not be empty. Names tokenkit sets itself are refused
/// when the request is built.
fn push_param(params: &mut Vec<(String, String)>, name: &str, value: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_argument("parameter name is empty"));
    }
    params.push((name.to_owned(), value.to_owned()));
    Ok(())
}

/// Parameter names only: values may be assertions or other credentials.
fn param_names(params: &[(String, String)]) -> Vec<&str> {
    params.iter().map(|(n, _)| n.as_str()).collect()
}

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("scope", &self.scope)
            .field("redirect_uri", &self.redirect_uri)
            .field("code_verifier", &self.code_verifier)
            .field("token_type_hint", &self.token_type_hint)
            .field("params", &param_names(&self.params))
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

impl std::fmt::Debug for SignInOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInOptions")
            .field("port", &self.port)
            .field("scope", &self.scope)
            .field("params", &param_names(&self.params))
            .field("timeout", &self.timeout)
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

impl std::fmt::Debug for DeviceOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceOptions")
            .field("scope", &self.scope)
            .field("params", &param_names(&self.params))
            .field("pkce", &self.pkce)
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

// Parameter values may be assertions or other credentials.
fn wipe(params: &mut [(String, String)]) {
    for (_, value) in params {
        zeroize::Zeroize::zeroize(value);
    }
}

impl Drop for RequestOptions {
    fn drop(&mut self) {
        wipe(&mut self.params);
    }
}

impl Drop for SignInOptions {
    fn drop(&mut self) {
        wipe(&mut self.params);
    }
}

impl Drop for DeviceOptions {
    fn drop(&mut self) {
        wipe(&mut self.params);
    }
}

/// RFC 7636 §4.1: 43 to 128 characters from the unreserved set.
pub(crate) fn check_code_verifier(verifier: &str) -> Result<()> {
    let ok_len = (43..=128).contains(&verifier.len());
    let ok_chars = verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)",
        ))
    }
}

/// The settings of a loopback sign-in (RFC 8252 §7.3).
#[derive(Clone)]
pub struct SignInOptions {
    pub(crate) port: u16,
    pub(crate) scope: Option<String>,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) cancel: Option<Arc<Cancel>>,
}

/// How long a user gets to sign in unless told otherwise.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

impl Default for SignInOptions {
    /// Any free port, the config's default scope, five minutes.
    fn default() -> Self {
        SignInOptions { port: 0, scope: None, params: Vec::new(), timeout: DEFAULT_SIGN_IN_TIMEOUT, cancel: None }
    }
}

impl SignInOptions {
    /// The port to listen on at 127.0.0.1 (0, the default, picks a free one).
    pub fn set_port(&mut self, port: u16) {
        self.port = port;
    }
    /// The scope asked for.
    pub fn set_scope(&mut self, scope: &str) {
        self.scope = Some(scope.to_owned());
    }
    /// Adds a parameter to the authorization URL.
    pub fn add_param(&mut self, name: &str, value: &str) -> Result<()> {
        push_param(&mut self.params, name, value)
    }
    /// How long the user has to finish (> 0).
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<()> {
        if timeout.is_zero() {
            return Err(Error::invalid_argument("the sign-in timeout must be greater than zero"));
        }
        self.timeout = timeout;
        Ok(())
    }
    /// Stops the sign-in from another thread.
    pub fn set_cancel(&mut self, cancel: Arc<Cancel>) {
        self.cancel = Some(cancel);
    }
}

/// The settings of one device flow (RFC 8628).
#[derive(Clone, Default)]
pub struct DeviceOptions {
    pub(crate) scope: Option<String>,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) pkce: bool,
    pub(crate) cancel: Option<Arc<Cancel>>,
    pub(crate) on_poll: Option<Arc<OnPoll>>,
}

/// Told after each poll that did not end the device flow: what the server said
/// (`authorization_pending`, `slow_down`, or `retrying` after a transient failure) and the
/// interval until the next poll. Returning false ends the flow as cancelled.
pub type OnPoll = dyn Fn(&str, std::time::Duration) -> bool + Send + Sync;

impl DeviceOptions {
    /// Sets the callback told of each poll (for a live prompt: waiting, slowed down).
    pub fn set_on_poll(&mut self, on_poll: Arc<OnPoll>) {
        self.on_poll = Some(on_poll);
    }
    /// The scope asked for; unset uses the config's default scope.
    pub fn set_scope(&mut self, scope: &str) {
        self.scope = Some(scope.to_owned());
    }
    /// Adds a parameter, sent with the device authorization request and with every poll.
    pub fn add_param(&mut self, name: &str, value: &str) -> Result<()> {
        push_param(&mut self.params, name, value)
    }
    /// Sends a PKCE S256 challenge with the authorization request and the verifier with every poll
    /// (servers that require PKCE for public clients ask for it).
    pub fn set_pkce(&mut self, pkce: bool) {
        self.pkce = pkce;
    }
    /// Stops the flow from another thread.
    pub fn set_cancel(&mut self, cancel: Arc<Cancel>) {
        self.cancel = Some(cancel);
    }
    pub(crate) fn cancel(&self) -> Option<&Cancel> {
        self.cancel.as_deref()
    }
}
