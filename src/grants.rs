//! The grants of RFC 6749 as form parameters, in the order the Works with Nest sample sends them:
//! grant fields, then client authentication, then `grant_type`, then the caller's extra parameters.

use crate::error::{Error, Result};
use crate::retry::RetryRule;

/// One token request's grant. Borrowed: the strings are copied into the request body only.
#[derive(Clone, Copy)]
pub enum Grant<'a> {
    /// RFC 6749 §4.1.3, with the PKCE `code_verifier` of RFC 7636 §4.5.
    AuthorizationCode { code: &'a str, redirect_uri: Option<&'a str>, code_verifier: Option<&'a str> },
    /// RFC 6749 §6.
    RefreshToken { refresh_token: &'a str, scope: Option<&'a str> },
    /// RFC 6749 §4.4.
    ClientCredentials { scope: Option<&'a str> },
    /// RFC 8628 §3.4.
    DeviceCode { device_code: &'a str },
}

impl Grant<'_> {
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
                    out.push(("code_verifier", check_code_verifier(verifier)?));
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
            Grant::DeviceCode { device_code } => out.push(("device_code", non_empty(device_code, "device_code")?)),
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

/// RFC 7636 §4.1: 43 to 128 characters from the unreserved set.
fn check_code_verifier(verifier: &str) -> Result<&str> {
    let ok_len = (43..=128).contains(&verifier.len());
    let ok_chars = verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if ok_len && ok_chars {
        Ok(verifier)
    } else {
        Err(Error::invalid_argument(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)",
        ))
    }
}
