//! `tokenkit_config`: a mutable builder for a client's settings.

use std::ffi::c_char;
use std::time::Duration;

use super::error::tokenkit_error;
use super::{free_handle, optional_str, owned_c_string, required_str, run, tokenkit_status};
use crate::config::{check_user_agent, AuthMethod, ClientConfig, RevocationStyle};
use crate::discovery::discover;
use crate::retry::RetryPolicy;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::transport::check_endpoint;

/// Client authentication methods. Numbers are fixed and never reused.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tokenkit_auth_method {
    /// client_id and client_secret in the form body (RFC 6749 §2.3.1). The default, as Nest does.
    TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST = 0,
    /// HTTP Basic with the form-encoded client_id and client_secret (RFC 6749 §2.3.1).
    TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC = 1,
    /// A public client: client_id in the body, no secret.
    TOKENKIT_AUTH_METHOD_NONE = 2,
}

/// How tokens are revoked. Numbers are fixed and never reused.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tokenkit_revocation_style {
    /// RFC 7009: POST token and token_type_hint to the revocation endpoint. The default.
    TOKENKIT_REVOCATION_RFC7009 = 0,
    /// Works with Nest: DELETE <revocation endpoint>/<access token>.
    TOKENKIT_REVOCATION_NEST_DELETE = 1,
}

/// Settings for tokenkit_client_new(). Owned by the caller, freed with tokenkit_config_free().
/// Not thread-safe: fill it from one thread; a client copies what it needs, so the config may be
/// freed or reused as soon as tokenkit_client_new() returns.
pub struct tokenkit_config {
    pub(crate) inner: ClientConfig,
}

/// Makes a config with the defaults: auth method client_secret_post, connect timeout 10 s, overall
/// timeout 30 s, response cap 1 MiB, User-Agent "tokenkit/VERSION". Never NULL.
#[no_mangle]
pub extern "C" fn tokenkit_config_new() -> *mut tokenkit_config {
    Box::into_raw(Box::new(tokenkit_config { inner: ClientConfig::new("", "") }))
}

/// Runs a setter on a config: shared NULL check and panic boundary.
unsafe fn with_config(
    config: *mut tokenkit_config,
    err: *mut *mut tokenkit_error,
    set: impl FnOnce(&mut ClientConfig) -> Result<()>,
) -> tokenkit_status {
    run(err, || {
        let config = config.as_mut().ok_or_else(|| Error::invalid_argument("config is NULL"))?;
        set(&mut config.inner)
    })
}

fn millis(ms: u64, name: &str) -> Result<Duration> {
    if ms == 0 {
        Err(Error::invalid_argument(format!("{name} must be greater than zero")))
    } else {
        Ok(Duration::from_millis(ms))
    }
}

/// Sets the token endpoint URL (copied). It must be https://, or http:// to a loopback host
/// (127.0.0.0/8, ::1, localhost). Returns OK, INVALID_ARGUMENT (NULL, not UTF-8, not a URL) or
/// INSECURE (plain http:// elsewhere).
///
/// # Safety
/// `config` is NULL or a live config not used by another thread during the call; `url` is NULL or a
/// NUL-terminated string; `err` is NULL or a place for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_token_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        let url = required_str(url, "token_endpoint")?;
        check_endpoint(url, "token_endpoint")?;
        c.token_endpoint = url.to_owned();
        Ok(())
    })
}

/// Sets the client id (copied; must not be empty). Returns OK or INVALID_ARGUMENT.
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_client_id(
    config: *mut tokenkit_config,
    client_id: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        let id = required_str(client_id, "client_id")?;
        if id.is_empty() {
            return Err(Error::invalid_argument("client_id is empty"));
        }
        c.client_id = id.to_owned();
        Ok(())
    })
}

/// Sets the client secret (copied, zeroized when the config or client is freed). NULL clears it.
/// Returns OK or INVALID_ARGUMENT (not UTF-8).
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_client_secret(
    config: *mut tokenkit_config,
    client_secret: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        c.client_secret = optional_str(client_secret, "client_secret")?.map(Secret::from);
        Ok(())
    })
}

/// Sets how the client authenticates: one of tokenkit_auth_method. Returns OK or INVALID_ARGUMENT
/// (an unknown number).
///
/// # Safety
/// `config` is NULL or a live config not used by another thread; `err` is NULL or a place for one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_auth_method(
    config: *mut tokenkit_config,
    auth_method: i32,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        c.auth_method = match auth_method {
            0 => AuthMethod::ClientSecretPost,
            1 => AuthMethod::ClientSecretBasic,
            2 => AuthMethod::None,
            other => return Err(Error::invalid_argument(format!("auth_method {other} is not a tokenkit_auth_method"))),
        };
        Ok(())
    })
}

/// Sets the connect timeout in milliseconds (> 0). Returns OK or INVALID_ARGUMENT.
///
/// # Safety
/// As tokenkit_config_set_auth_method().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_connect_timeout_ms(
    config: *mut tokenkit_config,
    timeout_ms: u64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        c.connect_timeout = millis(timeout_ms, "connect_timeout_ms")?;
        Ok(())
    })
}

/// Sets the overall timeout of one request in milliseconds (> 0): from name resolution to the last
/// byte of the body, so it also bounds a server that drips its answer. Returns OK or
/// INVALID_ARGUMENT.
///
/// # Safety
/// As tokenkit_config_set_auth_method().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_timeout_ms(
    config: *mut tokenkit_config,
    timeout_ms: u64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        c.timeout = millis(timeout_ms, "timeout_ms")?;
        Ok(())
    })
}

/// Sets the cap on a response body in bytes (> 0; default 1 MiB). A larger body fails with
/// PROTOCOL_ERROR as soon as the cap is passed, while it is read. Returns OK or INVALID_ARGUMENT.
///
/// # Safety
/// As tokenkit_config_set_auth_method().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_max_response_bytes(
    config: *mut tokenkit_config,
    max_bytes: u64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        if max_bytes == 0 {
            return Err(Error::invalid_argument("max_response_bytes must be greater than zero"));
        }
        c.max_response_bytes = max_bytes;
        Ok(())
    })
}

/// Sets the User-Agent header (copied). Returns OK or INVALID_ARGUMENT (NULL, not UTF-8, control
/// characters).
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_user_agent(
    config: *mut tokenkit_config,
    user_agent: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        let ua = required_str(user_agent, "user_agent")?;
        check_user_agent(ua)?;
        c.user_agent = ua.to_owned();
        Ok(())
    })
}

/// Trusts every certificate in the PEM file at `path`, on top of the operating system's trust
/// store. The file is read now. Returns OK or INVALID_ARGUMENT (NULL, unreadable, no certificate).
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_add_ca_file(
    config: *mut tokenkit_config,
    path: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| c.add_ca_file(required_str(path, "ca_file")?))
}

/// Shared shape of the optional-endpoint setters: checks the URL like the token endpoint's.
unsafe fn set_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    name: &str,
    err: *mut *mut tokenkit_error,
    field: fn(&mut ClientConfig) -> &mut Option<String>,
) -> tokenkit_status {
    with_config(config, err, |c| {
        let url = required_str(url, name)?;
        check_endpoint(url, name)?;
        *field(c) = Some(url.to_owned());
        Ok(())
    })
}

/// Sets the authorization endpoint (RFC 6749 §3.1), for authorization URLs and loopback sign-in.
/// Copied. Returns OK, INVALID_ARGUMENT or INSECURE.
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_authorization_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    set_endpoint(config, url, "authorization_endpoint", err, |c| &mut c.authorization_endpoint)
}

/// Sets the device authorization endpoint (RFC 8628 §3.1). Copied. Returns OK, INVALID_ARGUMENT or
/// INSECURE.
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_device_authorization_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    set_endpoint(config, url, "device_authorization_endpoint", err, |c| &mut c.device_authorization_endpoint)
}

/// Sets the revocation endpoint (RFC 7009, or Nest's DELETE base URL). Copied. Returns OK,
/// INVALID_ARGUMENT or INSECURE.
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_revocation_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    set_endpoint(config, url, "revocation_endpoint", err, |c| &mut c.revocation_endpoint)
}

/// Sets the introspection endpoint (RFC 7662). Copied. Returns OK, INVALID_ARGUMENT or INSECURE.
///
/// # Safety
/// As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_introspection_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    set_endpoint(config, url, "introspection_endpoint", err, |c| &mut c.introspection_endpoint)
}

/// Sets how tokens are revoked: one of tokenkit_revocation_style. Returns OK or INVALID_ARGUMENT.
///
/// # Safety
/// As tokenkit_config_set_auth_method().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_revocation_style(
    config: *mut tokenkit_config,
    style: i32,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        c.revocation_style = match style {
            0 => RevocationStyle::Rfc7009,
            1 => RevocationStyle::NestDelete,
            other => return Err(Error::invalid_argument(format!("revocation style {other} is not a tokenkit_revocation_style"))),
        };
        Ok(())
    })
}

/// Sets the retry policy for refresh, client credentials, device polling, revocation, introspection
/// and discovery (never for an authorization code, which is single-use): up to `max_retries` more
/// attempts after transport failures, timeouts, HTTP 5xx and 429, waiting a random time below
/// `base_delay_ms` × 2^n, or the server's Retry-After, capped at `max_delay_ms`. `max_retries` 0
/// turns retrying off. Default: 3 retries, 200 ms base, 10 s cap. Returns OK or INVALID_ARGUMENT.
///
/// # Safety
/// As tokenkit_config_set_auth_method().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_retry(
    config: *mut tokenkit_config,
    max_retries: u32,
    base_delay_ms: u64,
    max_delay_ms: u64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        if max_delay_ms < base_delay_ms {
            return Err(Error::invalid_argument("max_delay_ms must not be less than base_delay_ms"));
        }
        c.retry = RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(base_delay_ms),
            max_delay: Duration::from_millis(max_delay_ms),
        };
        Ok(())
    })
}

/// Applies a provider preset: "nest" (legacy Works with Nest: its authorization and token
/// endpoints, client_secret_post, DELETE revocation) or "google-nest" (Device Access:
/// `project_id` required; Google's endpoints, scope sdm.service, access_type=offline,
/// prompt=consent). The client id and secret still have to be set. Returns OK or INVALID_ARGUMENT
/// (unknown preset, missing project_id).
///
/// # Safety
/// As tokenkit_config_set_token_endpoint(); `project_id` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_apply_preset(
    config: *mut tokenkit_config,
    name: *const c_char,
    project_id: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        let name = required_str(name, "name")?;
        let project_id = optional_str(project_id, "project_id")?;
        c.apply_preset(name, project_id)
    })
}

/// Fetches the metadata of `issuer` (RFC 8414 `/.well-known/oauth-authorization-server`, then
/// OpenID Connect `/.well-known/openid-configuration`), checks that it names exactly this issuer,
/// and sets the config's endpoints and issuer from it (endpoints it lacks are left as they were);
/// when the server lists only the other of client_secret_post and client_secret_basic, switches to
/// it.
/// Uses the config's timeouts, CA files and retry policy, so set those first. When
/// `metadata_json` is not NULL, stores the document there (a new string freed with
/// tokenkit_string_free()). Returns OK, INVALID_ARGUMENT, INSECURE, PROTOCOL_ERROR (issuer
/// mismatch, bad JSON, no token_endpoint), HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT or TLS_ERROR.
///
/// # Safety
/// As tokenkit_config_set_token_endpoint(); `metadata_json` is NULL or a place for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_discover(
    config: *mut tokenkit_config,
    issuer: *const c_char,
    metadata_json: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    with_config(config, err, |c| {
        let issuer = required_str(issuer, "issuer")?;
        let metadata = discover(c, issuer)?;
        c.apply_metadata(&metadata)?;
        if !metadata_json.is_null() {
            *metadata_json = owned_c_string(&metadata.raw_json);
        }
        Ok(())
    })
}

/// Frees a config, zeroizing the client secret. NULL is accepted.
///
/// # Safety
/// `config` is NULL or a config not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_free(config: *mut tokenkit_config) {
    free_handle(config)
}
