//! `tokenkit_config`: a client's settings, filled before the client is made. Each setter converts
//! and forwards to `ClientConfig`, where the rule for the value lives.

use libc::{c_char, c_void};

use super::boundary::{ffi_boundary, free_handle, millis, optional_str, required_mut, required_str, UserData};
use super::error::tokenkit_error;
use super::options::tokenkit_request_options;
use super::{owned_c_string, tokenkit_status};
use crate::config::{AuthMethod, ClientConfig, Endpoint, RevocationStyle};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// Client authentication methods (RFC 6749 §2.3.1). Numbers are fixed and never reused.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // named by the header; setters take an int32_t, so an unknown number is an error, not UB
pub enum tokenkit_auth_method {
    /// client_id and client_secret in the form body. The default, as Works with Nest does.
    TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST = 0,
    /// HTTP Basic with the form-encoded client_id and client_secret.
    TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC = 1,
    /// A public client: client_id in the body, no secret.
    TOKENKIT_AUTH_METHOD_NONE = 2,
}

/// How tokens are revoked. Numbers are fixed and never reused.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // named by the header, as tokenkit_auth_method
pub enum tokenkit_revocation_style {
    /// RFC 7009: POST token and token_type_hint to the revocation endpoint. The default.
    TOKENKIT_REVOCATION_STYLE_RFC7009 = 0,
    /// Works with Nest: DELETE <revocation endpoint>/<access token>.
    TOKENKIT_REVOCATION_STYLE_NEST_DELETE = 1,
}

/// A client's settings. Made by tokenkit_config_new(), owned by the caller, freed with
/// tokenkit_config_free(). Not thread-safe: fill it from one thread. A client copies what it
/// needs, so the config may be freed or reused as soon as tokenkit_client_new() returns. Every
/// setter checks its value at once and leaves the config unchanged when it fails.
///
/// Functions: tokenkit_config_new, tokenkit_config_set_token_endpoint,
/// tokenkit_config_set_authorization_endpoint, tokenkit_config_set_device_authorization_endpoint,
/// tokenkit_config_set_revocation_endpoint, tokenkit_config_set_introspection_endpoint,
/// tokenkit_config_set_client_id, tokenkit_config_set_client_secret,
/// tokenkit_config_set_auth_method, tokenkit_config_set_connect_timeout_ms,
/// tokenkit_config_set_timeout_ms, tokenkit_config_set_attempt_timeout_ms,
/// tokenkit_config_set_max_response_bytes, tokenkit_config_set_max_idle_connections_per_host,
/// tokenkit_config_set_user_agent, tokenkit_config_add_ca_file,
/// tokenkit_config_set_revocation_style, tokenkit_config_set_retry, tokenkit_config_set_log,
/// tokenkit_config_apply_preset,
/// tokenkit_config_discover, tokenkit_config_free.
pub struct tokenkit_config {
    pub(crate) inner: ClientConfig,
}

/// Makes a config with the defaults: no endpoint, no client id, auth method client_secret_post,
/// connect timeout 10 s, call deadline 30 s, response cap 1 MiB, 16 idle connections per host,
/// 3 retries, User-Agent "tokenkit/VERSION". NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn tokenkit_config_new() -> *mut tokenkit_config {
    ffi_boundary!(fallback std::ptr::null_mut(), {
        Box::into_raw(Box::new(tokenkit_config { inner: ClientConfig::default() }))
    })
}

/// The shape of every setter: `config` checked, then the change.
unsafe fn with_config(config: *mut tokenkit_config, set: impl FnOnce(&mut ClientConfig) -> Result<()>) -> Result<()> {
    set(&mut required_mut(config, "config")?.inner)
}

unsafe fn set_endpoint(config: *mut tokenkit_config, url: *const c_char, which: Endpoint) -> Result<()> {
    with_config(config, |c| c.set_endpoint(which, required_str(url, which.name())?))
}

/// Sets the token endpoint (RFC 6749 §3.2), copied. It must be https://, or http:// to a loopback
/// address (127.0.0.0/8, [::1] or exactly `localhost`, which tokenkit resolves without DNS), with no
/// fragment and no credentials. Returns OK, INVALID_ARGUMENT (NULL, not UTF-8, not such a URL) or
/// INSECURE (plain http:// elsewhere). For this and every setter: `config` is NULL or a live config
/// no other thread uses during the call; strings are NULL or NUL-terminated and borrowed for the
/// call; `err` is NULL or a place for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_token_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { set_endpoint(config, url, Endpoint::Token) })
}

/// Sets the authorization endpoint (RFC 6749 §3.1), for authorization URLs and sign-in. As
/// tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_authorization_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { set_endpoint(config, url, Endpoint::Authorization) })
}

/// Sets the device authorization endpoint (RFC 8628 §3.1). As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_device_authorization_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { set_endpoint(config, url, Endpoint::DeviceAuthorization) })
}

/// Sets the revocation endpoint (RFC 7009, or the base URL of Nest's DELETE). As
/// tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_revocation_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { set_endpoint(config, url, Endpoint::Revocation) })
}

/// Sets the introspection endpoint (RFC 7662). As tokenkit_config_set_token_endpoint().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_introspection_endpoint(
    config: *mut tokenkit_config,
    url: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { set_endpoint(config, url, Endpoint::Introspection) })
}

/// Sets the client id, copied; it must not be empty. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_client_id(
    config: *mut tokenkit_config,
    client_id: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_config(config, |c| c.set_client_id(required_str(client_id, "client_id")?)) })
}

/// Sets the client secret, copied and zeroized when the config or client is freed; NULL clears it.
/// Returns OK or INVALID_ARGUMENT (not UTF-8).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_client_secret(
    config: *mut tokenkit_config,
    client_secret: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_config(config, |c| {
            c.set_client_secret(optional_str(client_secret, "client_secret")?);
            Ok(())
        })
    })
}

/// Sets how the client authenticates: a tokenkit_auth_method. Returns OK or INVALID_ARGUMENT (a
/// number that is not one).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_auth_method(
    config: *mut tokenkit_config,
    auth_method: i32,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_config(config, |c| {
            c.set_auth_method(AuthMethod::try_from(auth_method)?);
            Ok(())
        })
    })
}

/// Sets the connect timeout in milliseconds (> 0; default 10 000). Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_connect_timeout_ms(
    config: *mut tokenkit_config,
    timeout_ms: i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_config(config, |c| c.set_connect_timeout(millis(timeout_ms, "connect_timeout")?)) })
}

/// Sets the deadline of one call in milliseconds (> 0; default 30 000): from the first attempt to
/// the last byte of the answer, retries and the waits between them included, so neither a dripping
/// server nor retries can stretch a call past it. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_timeout_ms(
    config: *mut tokenkit_config,
    timeout_ms: i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_config(config, |c| c.set_timeout(millis(timeout_ms, "timeout")?)) })
}

/// Sets a bound on each attempt within a call, in milliseconds (> 0), so that a retry is still
/// possible when one attempt hangs; by default one attempt may use the whole call's deadline.
/// Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_attempt_timeout_ms(
    config: *mut tokenkit_config,
    timeout_ms: i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_config(config, |c| c.set_attempt_timeout(Some(millis(timeout_ms, "attempt_timeout")?))) })
}

/// Sets the cap on a response body in bytes (> 0; default 1 MiB). A larger body fails with
/// PROTOCOL_ERROR as soon as the cap is passed, while it is read. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_max_response_bytes(
    config: *mut tokenkit_config,
    max_bytes: i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let max_bytes = u64::try_from(max_bytes)
            .map_err(|_| Error::invalid_argument("max_response_bytes must be greater than zero"))?;
        with_config(config, |c| c.set_max_response_bytes(max_bytes))
    })
}

/// Sets how many idle keep-alive connections the client keeps per host (> 0; default 16, enough
/// for 8 threads sharing one client without reconnecting). Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_max_idle_connections_per_host(
    config: *mut tokenkit_config,
    count: i32,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let count = usize::try_from(count)
            .map_err(|_| Error::invalid_argument("max_idle_connections_per_host must be greater than zero"))?;
        with_config(config, |c| c.set_max_idle_connections_per_host(count))
    })
}

/// Sets the User-Agent header, copied. Returns OK or INVALID_ARGUMENT (NULL, not UTF-8, control
/// characters).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_user_agent(
    config: *mut tokenkit_config,
    user_agent: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_config(config, |c| c.set_user_agent(required_str(user_agent, "user_agent")?)) })
}

/// Trusts every certificate in the PEM file at `path`. Once a CA file is added the client trusts
/// only the CA files it was given, not the operating system's store (as `curl --cacert` does);
/// each call adds a file. The file is read now. Returns OK or INVALID_ARGUMENT (NULL, unreadable,
/// no certificate).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_add_ca_file(
    config: *mut tokenkit_config,
    path: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_config(config, |c| c.add_ca_file(required_str(path, "ca_file")?)) })
}

/// Sets how tokens are revoked: a tokenkit_revocation_style. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_revocation_style(
    config: *mut tokenkit_config,
    style: i32,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_config(config, |c| {
            c.set_revocation_style(RevocationStyle::try_from(style)?);
            Ok(())
        })
    })
}

/// Receives the request log: `level` 1 for a line per attempt (method, URL, status or error, time)
/// and per retry decision, 2 for the request's headers and form body and the response's headers
/// too. Every secret value (client secret, codes, tokens, PKCE verifier, extra parameters, a
/// token in a URL path) is written as `[redacted]`. `line` has no newline and is borrowed for the
/// call. Called on the thread that makes the request, during the call; `user_data` must be usable
/// from any thread that makes requests with the client.
pub type tokenkit_log_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, level: i32, line: *const c_char)>;

/// Sends the request log of clients made from this config to `log` with `user_data`, up to
/// `level` (0 turns it off, and then `log` may be NULL; 1 requests and retries; 2 also headers).
/// `log` and `user_data` must stay usable until every client made from this config, and every
/// token source made from those clients, is freed (a source keeps its client alive). During
/// tokenkit_store_token() the log is called while the profile is locked: a log function must not
/// ask the store for the same profile. Returns OK or INVALID_ARGUMENT (a level outside 0 to 2, a
/// NULL function with a level above 0).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_log(
    config: *mut tokenkit_config,
    level: i32,
    log: tokenkit_log_fn,
    user_data: *mut c_void,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let level = u8::try_from(level)
            .ok()
            .filter(|l| *l <= crate::log::LOG_HEADERS)
            .ok_or_else(|| Error::invalid_argument("level must be 0, 1 or 2"))?;
        let write: Option<std::sync::Arc<crate::log::LogFn>> = match (level, log) {
            (0, _) => None,
            (_, None) => return Err(Error::invalid_argument("log is NULL")),
            (_, Some(log)) => {
                let user_data = UserData(user_data);
                Some(std::sync::Arc::new(move |level: u8, line: &str| {
                    // Our lines never hold a NUL; one that did would be cut there, not lost.
                    let line = std::ffi::CString::new(line.replace('\0', "\\0")).unwrap_or_default();
                    // SAFETY: the caller promised a function safe to call with its user_data.
                    unsafe { log(user_data.get(), i32::from(level), line.as_ptr()) };
                }))
            }
        };
        with_config(config, |c| {
            match write {
                Some(write) => c.set_logger(level, write),
                None => c.set_logger(0, std::sync::Arc::new(|_: u8, _: &str| {})),
            }
            Ok(())
        })
    })
}

/// Sets the retry policy for refresh, client credentials, device polling, revocation,
/// introspection and discovery (never a code exchange: a code is single-use): up to `max_retries`
/// (>= 0; 0 turns retrying off) more attempts after transport failures, timeouts, HTTP 5xx and
/// 429 (a refresh only when the server cannot have processed it), waiting a random time below
/// `base_delay_ms` × 2^n, or the server's Retry-After, at most `max_delay_ms`; the waits count
/// against the call's deadline. Default: 3 retries, 200 ms, 10 000 ms. Returns OK or
/// INVALID_ARGUMENT (a negative number, max_delay_ms below base_delay_ms).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_set_retry(
    config: *mut tokenkit_config,
    max_retries: i32,
    base_delay_ms: i64,
    max_delay_ms: i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let max_retries =
            u32::try_from(max_retries).map_err(|_| Error::invalid_argument("max_retries must not be negative"))?;
        let policy =
            RetryPolicy::new(max_retries, millis(base_delay_ms, "base_delay")?, millis(max_delay_ms, "max_delay")?)?;
        with_config(config, |c| {
            c.set_retry(policy);
            Ok(())
        })
    })
}

/// Applies a provider preset: "nest" (Works with Nest: its authorization and token endpoints,
/// client_secret_post, DELETE revocation) or "google-nest" (Device Access: `project_id` required;
/// Google's endpoints, scope sdm.service, access_type=offline, prompt=consent). The client id and
/// secret still have to be set. Returns OK or INVALID_ARGUMENT (unknown preset, missing
/// project_id); on failure the config is unchanged.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_apply_preset(
    config: *mut tokenkit_config,
    name: *const c_char,
    project_id: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let name = required_str(name, "name")?;
        let project_id = optional_str(project_id, "project_id")?;
        with_config(config, |c| c.apply_preset(name, project_id))
    })
}

/// Fetches the metadata of `issuer` (RFC 8414 `/.well-known/oauth-authorization-server`, then
/// OpenID Connect `/.well-known/openid-configuration`), checks that it names exactly this issuer,
/// and sets the config's endpoints and issuer from it (endpoints it lacks keep their value); when
/// the server lists only the other of client_secret_post and client_secret_basic, switches to it.
/// Uses the config's timeouts, CA files and retry policy, so set those first. `options` may be
/// NULL; of its settings only the cancel flag applies. When `metadata_json` is not NULL, stores
/// the document there (a new string freed with tokenkit_string_free()). Returns OK,
/// INVALID_ARGUMENT, INSECURE, PROTOCOL_ERROR (issuer mismatch, bad JSON, no token_endpoint),
/// HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR or CANCELLED; on failure the config is
/// unchanged. Blocks the calling thread.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_discover(
    config: *mut tokenkit_config,
    issuer: *const c_char,
    options: *const tokenkit_request_options,
    metadata_json: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let issuer = required_str(issuer, "issuer")?;
        let options = tokenkit_request_options::of(options);
        with_config(config, |c| {
            let metadata = c.discover(issuer, options)?;
            if !metadata_json.is_null() {
                *metadata_json = owned_c_string(&metadata.raw_json)?;
            }
            Ok(())
        })
    })
}

/// Frees a config, zeroizing the client secret. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_config_free(config: *mut tokenkit_config) {
    ffi_boundary!(fallback(), { free_handle(config) })
}
