//! The device authorization grant (RFC 8628): request a device code, show the user where to go,
//! poll the token endpoint at the interval the server asks for.

use std::time::{Duration, Instant};

use crate::client::{Call, Client};
use crate::config::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::grants::Grant;
use crate::options::DeviceOptions;
use crate::pkce::Pkce;
use crate::response::{read, Answer};
use crate::retry::{RetryPolicy, RetryRule};
use crate::secret::Secret;
use crate::token::Token;
use crate::transport::HttpResponse;

/// RFC 8628 §3.2: poll every 5 seconds when the server names no interval.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// RFC 8628 §3.5: each `slow_down` adds 5 seconds to the interval.
pub(crate) const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Bounds on what a server may ask for: no busy polling, no waits or lifetimes past reason (and no
/// arithmetic overflow on a hostile value).
pub(crate) const MIN_INTERVAL: Duration = Duration::from_secs(1);
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(3600);
pub(crate) const MAX_EXPIRES_IN: u64 = 24 * 3600;

/// A device authorization response (RFC 8628 §3.2).
#[derive(Clone, Debug)]
pub struct DeviceAuthorization {
    /// The device code the polls send.
    pub device_code: Secret,
    /// The code the user types.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// The same with the code filled in, when the server offers it.
    pub verification_uri_complete: Option<String>,
    /// How long the codes live, seconds (capped at a day).
    pub expires_in: u64,
    /// How often to poll.
    pub interval: Duration,
    /// When the response arrived; `expires_in` counts from here.
    pub received_at: Instant,
    /// The PKCE verifier the polls send, when the authorization request carried a challenge.
    pub code_verifier: Option<Secret>,
}

impl Client {
    /// Asks for a device code (RFC 8628 §3.1). Retried like other idempotent requests.
    pub fn device_authorize(&self, options: &DeviceOptions) -> Result<DeviceAuthorization> {
        let scope = options.scope.as_deref().or(self.config().default_scope());
        let pkce = options.pkce.then(Pkce::generate).transpose()?;
        let mut params: Vec<(&str, &str)> = scope.map(|s| vec![("scope", s)]).unwrap_or_default();
        if let Some(pkce) = &pkce {
            params.push(("code_challenge", &pkce.code_challenge));
            params.push(("code_challenge_method", "S256"));
        }
        let call = Call {
            extra: &options.params,
            cancel: options.cancel(),
            ..Call::post(Endpoint::DeviceAuthorization, &params, RetryRule::Transient)
        };
        let mut authorization = self.send(&call, parse_device_authorization)?;
        authorization.code_verifier = pkce.map(|p| p.code_verifier);
        Ok(authorization)
    }

    /// Polls until the user approves or denies, the device code expires, or `cancel` is raised.
    pub fn device_poll(&self, authorization: &DeviceAuthorization, options: &DeviceOptions) -> Result<Token> {
        let cancel = options.cancel();
        let deadline = authorization.received_at + Duration::from_secs(authorization.expires_in);
        let mut interval = authorization.interval;
        let grant = Grant::DeviceCode {
            device_code: authorization.device_code.expose(),
            code_verifier: authorization.code_verifier.as_ref().map(Secret::expose),
        };
        // Transient failures (a 503, a reset) are retried at the polling interval, never faster.
        let mut failures = 0;
        loop {
            // A poll that would land after the deadline is not sent: the code is dead by then.
            let now = Instant::now();
            if now + interval >= deadline {
                crate::cancel::sleep(cancel, deadline.saturating_duration_since(now))?;
                return Err(Error::new(ErrorKind::Timeout, "the device code expired before the user finished"));
            }
            crate::cancel::sleep(cancel, interval)?;
            let outcome = match self.request_token(&grant, &options.params, cancel) {
                Err(e) if e.oauth_code() == Some("authorization_pending") => {
                    failures = 0;
                    "authorization_pending"
                }
                Err(e) if e.oauth_code() == Some("slow_down") => {
                    interval += SLOW_DOWN_STEP;
                    "slow_down"
                }
                Err(e) if failures < self.config().retry().max_retries() && RetryPolicy::is_retryable(&e) => {
                    failures += 1;
                    if let Some(after) = e.retry_after() {
                        interval = interval.max(after.min(MAX_INTERVAL));
                    }
                    "retrying"
                }
                other => return other,
            };
            if let Some(on_poll) = &options.on_poll {
                if !on_poll(outcome, interval) {
                    return Err(Error::cancelled("device flow: cancelled by the application"));
                }
            }
        }
    }

    /// The whole flow: `show` receives the user code and verification URI on the calling thread,
    /// then polling starts; an error `show` returns ends the flow with that error.
    pub fn device_flow(
        &self,
        options: &DeviceOptions,
        show: &mut dyn FnMut(&DeviceAuthorization) -> Result<()>,
    ) -> Result<Token> {
        let authorization = self.device_authorize(options)?;
        show(&authorization)?;
        self.device_poll(&authorization, options)
    }
}

pub(crate) fn parse_device_authorization(response: &HttpResponse) -> Result<DeviceAuthorization> {
    let mut fields = read(response, Answer::DeviceAuthorization)?
        .ok_or_else(|| Error::protocol("device authorization response is not a JSON object"))?;
    let mut required = |name: &str| -> Result<String> {
        fields
            .string(name)?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::protocol(format!("device authorization response has no {name}")))
    };
    let device_code = Secret::new(required("device_code")?);
    let user_code = required("user_code")?;
    // Some servers (Google) spell it verification_url.
    let verification_uri = match fields.string("verification_uri")? {
        Some(uri) if !uri.is_empty() => uri,
        _ => fields
            .string("verification_url")?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::protocol("device authorization response has no verification_uri"))?,
    };
    let verification_uri_complete = fields.string("verification_uri_complete")?;
    let seconds = |value: i64| u64::try_from(value).unwrap_or(0);
    let expires_in =
        fields.int("expires_in")?.ok_or_else(|| Error::protocol("device authorization response has no expires_in"))?;
    let interval = fields
        .int("interval")?
        .map(|s| Duration::from_secs(seconds(s).min(MAX_INTERVAL.as_secs())).max(MIN_INTERVAL))
        .unwrap_or(DEFAULT_INTERVAL);
    Ok(DeviceAuthorization {
        device_code,
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in: seconds(expires_in).min(MAX_EXPIRES_IN),
        interval,
        received_at: Instant::now(),
        code_verifier: None,
    })
}
