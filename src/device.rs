//! The device authorization grant (RFC 8628): request a device code, show the user where to go,
//! poll the token endpoint at the interval the server asks for.

use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::client::Client;
use crate::retry::{RetryPolicy, RetryRule};
use crate::error::{Error, ErrorKind, Result};
use crate::grants::Grant;
use crate::secret::Secret;
use crate::token::{check_response, take_string, Token};

/// RFC 8628 §3.2: poll every 5 seconds when the server names no interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// RFC 8628 §3.5: each `slow_down` adds 5 seconds to the interval.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Bounds on what a server may ask for: no busy polling, no waits or lifetimes past reason (and no
/// arithmetic overflow on a hostile value).
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
pub const MAX_INTERVAL: Duration = Duration::from_secs(3600);
pub const MAX_EXPIRES_IN: u64 = 24 * 3600;

/// A device authorization response (RFC 8628 §3.2).
#[derive(Clone, Debug)]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: Duration,
    /// When the response arrived; `expires_in` counts from here.
    pub received_at: Instant,
}

impl Client {
    /// Asks for a device code (RFC 8628 §3.1). Retried like other idempotent requests.
    pub fn device_authorize(&self, scope: Option<&str>, extra: &[(String, String)]) -> Result<DeviceAuthorization> {
        let endpoint = self.endpoint(self.config().device_authorization_endpoint.as_deref(), "device_authorization_endpoint")?;
        let scope = scope.or(self.config().default_scope.as_deref());
        let params: Vec<(&str, &str)> = scope.map(|s| vec![("scope", s)]).unwrap_or_default();
        self.post_authenticated(&endpoint, &params, None, extra, RetryRule::Transient, parse_device_authorization)
    }

    /// Polls until the user approves or denies, the device code expires, or `cancel` is raised.
    pub fn device_poll(&self, authorization: &DeviceAuthorization, cancel: Option<&Cancel>) -> Result<Token> {
        let deadline = authorization.received_at + Duration::from_secs(authorization.expires_in);
        let mut interval = authorization.interval;
        let grant = Grant::DeviceCode { device_code: authorization.device_code.expose() };
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
            match self.request_token(&grant, &[]) {
                Err(e) if e.oauth_code() == Some("authorization_pending") => failures = 0,
                Err(e) if e.oauth_code() == Some("slow_down") => interval += SLOW_DOWN_STEP,
                Err(e) if failures < self.config().retry.max_retries && RetryPolicy::is_retryable(&e) => {
                    failures += 1;
                    if let Some(after) = e.retry_after() {
                        interval = interval.max(after.min(MAX_INTERVAL));
                    }
                }
                other => return other,
            }
        }
    }

    /// The whole flow: `show` receives the user code and verification URI on the calling thread,
    /// then polling starts.
    pub fn device_flow(
        &self,
        scope: Option<&str>,
        extra: &[(String, String)],
        show: &mut dyn FnMut(&DeviceAuthorization),
        cancel: Option<&Cancel>,
    ) -> Result<Token> {
        let authorization = self.device_authorize(scope, extra)?;
        show(&authorization);
        self.device_poll(&authorization, cancel)
    }
}

fn parse_device_authorization(response: &crate::transport::HttpResponse) -> Result<DeviceAuthorization> {
    let mut fields = check_response(response, "device authorization endpoint")?
        .ok_or_else(|| Error::protocol("device authorization response is not a JSON object"))?;
    let mut required = |name: &str| -> Result<String> {
        take_string(&mut fields, name)?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::protocol(format!("device authorization response has no {name}")))
    };
    let device_code = Secret::new(required("device_code")?);
    let user_code = required("user_code")?;
    // Some servers (Google) spell it verification_url.
    let verification_uri = match take_string(&mut fields, "verification_uri")? {
        Some(uri) if !uri.is_empty() => uri,
        _ => take_string(&mut fields, "verification_url")?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::protocol("device authorization response has no verification_uri"))?,
    };
    let verification_uri_complete = take_string(&mut fields, "verification_uri_complete")?;
    let number = |fields: &serde_json::Map<String, serde_json::Value>, name: &str| -> Result<Option<u64>> {
        match fields.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| Error::protocol(format!("{name} is not a positive integer"))),
            Some(serde_json::Value::String(s)) => s.trim().parse().map(Some).map_err(|_| Error::protocol(format!("{name} is not a number"))),
            Some(_) => Err(Error::protocol(format!("{name} is not a number"))),
        }
    };
    let expires_in = number(&fields, "expires_in")?.ok_or_else(|| Error::protocol("device authorization response has no expires_in"))?;
    let expires_in = expires_in.min(MAX_EXPIRES_IN);
    let interval = number(&fields, "interval")?
        .map(|s| Duration::from_secs(s.min(MAX_INTERVAL.as_secs())).max(MIN_INTERVAL))
        .unwrap_or(DEFAULT_INTERVAL);
    Ok(DeviceAuthorization {
        device_code,
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
        received_at: Instant::now(),
    })
}
