//! The grants of RFC 6749 as form parameters, in the order the Works with Nest sample sends them:
//! grant fields, then client authentication, then `grant_type`, then the caller's extra parameters.

use crate::error::{Error, Result};
use crate::options::check_code_verifier;
use crate::retry::RetryRule;

/// One token request's grant. Borrowed: the strings are copied into the request body only.
#[derive(Clone, Copy)]
pub enum Grant<'a> {
    /// RFC 6749 §4.1.3, with the PKCE `code_verifier` of RFC 7636 §4.5.
    AuthorizationCode {
        /// The code.
        code: &'a str,
        /// The redirect URI the code was issued for.
        redirect_uri: Option<&'a str>,
        /// The PKCE verifier.
        code_verifier: Option<&'a str>,
    },
    /// RFC 6749 §6.
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a str,
        /// A narrower scope, if asked for.
        scope: Option<&'a str>,
    },
    /// RFC 6749 §4.4.
    ClientCredentials {
        /// The scope asked for.
        scope: Option<&'a str>,
    },
    /// RFC 8628 §3.4, with the PKCE verifier when the device authorization carried a challenge.
    DeviceCode {
        /// The device code.
        device_code: &'a str,
        /// The PKCE verifier.
        code_verifier: Option<&'a str>,
    },
}

impl Grant<'_> {
    /// The `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::ClientCredentials { .. } => "client_credentials",
            Grant::DeviceCode { .. } => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }

    /// When a failed request for this grant may be repeated. An authorization code is single-use
    /// (RFC 6749 §4.1.2); a refresh may rotate the refresh token (§6, §10.4); device polls are
    /// paced by the device flow itself (RFC 8628 §3.5).
    pub fn retry_rule(&self) -> RetryRule {
        match self {
            Grant::AuthorizationCode { .. } | Grant::DeviceCode { .. } => RetryRule::Never,
            Grant::RefreshToken { .. } => RetryRule::Unprocessed,
            Grant::ClientCredentials { .. } => RetryRule::Transient,
        }
    }

    /// The grant's own parameters, checked for emptiness.
    pub(crate) fn params(&self) -> Result<Vec<(&'static str, &str)>> {
        let mut out = Vec::with_capacity(3);
        match *self {
            Grant::AuthorizationCode { code, redirect_uri, code_verifier } => {
                out.push(("code", non_empty(code, "code")?));
                if let Some(uri) = redirect_uri {
                    out.push(("redirect_uri", non_empty(uri, "redirect_uri")?));
                }
                if let Some(verifier) = code_verifier {
                    check_code_verifier(verifier)?;
                    out.push(("code_verifier", verifier));
                }
            }
            Grant::RefreshToken { refresh_token, scope } => {
                out.push(("refresh_token", non_empty(refresh_token, "refresh_token")?));
                if let Some(scope) = scope {
                    out.push(("scope", scope));
                }
            }
            Grant::ClientCredentials { scope } => {
                if let Some(scope) = scope {
                    out.push(("scope", scope));
                }
            }
            Grant::DeviceCode { device_code, code_verifier } => {
                out.push(("device_code", non_empty(device_code, "device_code")?));
                if let Some(verifier) = code_verifier {
                    check_code_verifier(verifier)?;
                    out.push(("code_verifier", verifier));
                }
            }
        }
        Ok(out)
    }
}

fn non_empty<'a>(value: &'a str, name: &str) -> Result<&'a str> {
    if value.is_empty() {
        Err(Error::invalid_argument(format!("{name} is empty")))
    } else {
        Ok(value)
    }
}
