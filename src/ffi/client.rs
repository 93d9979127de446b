//! `tokenkit_client`: token requests through the C ABI.

use std::ffi::c_char;
use std::sync::Arc;

use super::config::tokenkit_config;
use super::error::tokenkit_error;
use super::params::tokenkit_params;
use super::token::tokenkit_token;
use super::{free_handle, give, optional_str, required_out, required_ref, required_str, run, tokenkit_status};
use crate::client::Client;
use crate::config::ClientConfig;
use crate::error::Result;
use crate::token::Token;
use crate::transport::check_endpoint;

/// A token client: one token endpoint, one set of credentials, one pool of keep-alive connections.
/// Owned by the caller, freed with tokenkit_client_free(). Thread-safe: share one client between
/// any number of threads; do not free it while a call on it is running.
pub struct tokenkit_client {
    pub(crate) inner: Arc<Client>,
}

/// Hands a token to the caller through `out`.
unsafe fn give_token(out: *mut *mut tokenkit_token, token: Result<Token>) -> Result<()> {
    let token = token?;
    give(out, tokenkit_token { inner: token });
    Ok(())
}

/// Makes a client from `config` (borrowed; everything needed is copied, the secret included). On
/// success stores the new client in `*out`. Returns OK, INVALID_ARGUMENT (NULL, empty client_id, no
/// token endpoint, a secret missing for the auth method or present with method none) or INSECURE.
/// Thread-safe.
///
/// # Safety
/// `config` is NULL or a live config; `out` is NULL or a place for one pointer; `err` is NULL or a
/// place for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_new(
    config: *const tokenkit_config,
    out: *mut *mut tokenkit_client,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let config = required_ref(config, "config")?;
        required_out(out, "out")?;
        let client = Client::new(config.inner.clone())?;
        give(out, tokenkit_client { inner: Arc::new(client) });
        Ok(())
    })
}

/// Exchanges an authorization code for a token (RFC 6749 §4.1.3). `code` is required;
/// `redirect_uri` and `code_verifier` (PKCE, RFC 7636) may be NULL; `params` (extra form
/// parameters) may be NULL. All are borrowed for the call. Never retried, since a code is
/// single-use. On success stores a new token in `*out`. Returns OK, INVALID_ARGUMENT,
/// OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR or PROTOCOL_ERROR. Thread-safe.
///
/// # Safety
/// `client` is NULL or a live client; string arguments are NULL or NUL-terminated; `params` is
/// NULL or a live params handle; `out` and `err` are NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_exchange_code(
    client: *const tokenkit_client,
    code: *const c_char,
    redirect_uri: *const c_char,
    code_verifier: *const c_char,
    params: *const tokenkit_params,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let code = required_str(code, "code")?;
        let redirect_uri = optional_str(redirect_uri, "redirect_uri")?;
        let code_verifier = optional_str(code_verifier, "code_verifier")?;
        required_out(out, "out")?;
        let extra = tokenkit_params::pairs_of(params);
        give_token(out, client.inner.exchange_code(code, redirect_uri, code_verifier, extra))
    })
}

/// Uses a refresh token (RFC 6749 §6). `refresh_token` is required; `scope` and `params` may be
/// NULL. All are borrowed for the call. On success stores a new token in `*out`; when the server
/// sends no new refresh token the old one stays valid and the new token has none. Unlike a code
/// exchange, retried by the config's retry policy (default: 3 retries on transport failures,
/// timeouts, 5xx and 429; see tokenkit_config_set_retry()); the timeout applies to each attempt.
/// Returns OK, INVALID_ARGUMENT, OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR or
/// PROTOCOL_ERROR. Thread-safe.
///
/// # Safety
/// As tokenkit_client_exchange_code().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_refresh(
    client: *const tokenkit_client,
    refresh_token: *const c_char,
    scope: *const c_char,
    params: *const tokenkit_params,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let refresh_token = required_str(refresh_token, "refresh_token")?;
        let scope = optional_str(scope, "scope")?;
        required_out(out, "out")?;
        give_token(out, client.inner.refresh(refresh_token, scope, tokenkit_params::pairs_of(params)))
    })
}

/// Client credentials grant (RFC 6749 §4.4). `scope` and `params` may be NULL; both are borrowed
/// for the call. On success stores a new token in `*out`. Retried like tokenkit_client_refresh().
/// Returns as tokenkit_client_refresh(). Thread-safe.
///
/// # Safety
/// As tokenkit_client_exchange_code().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_client_credentials(
    client: *const tokenkit_client,
    scope: *const c_char,
    params: *const tokenkit_params,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let scope = optional_str(scope, "scope")?;
        required_out(out, "out")?;
        give_token(out, client.inner.client_credentials(scope, tokenkit_params::pairs_of(params)))
    })
}

/// Revokes `token` (RFC 7009; or the Works with Nest DELETE form when the config says so).
/// `token_type_hint` ("access_token" or "refresh_token") may be NULL. Both are borrowed for the
/// call. Needs a revocation endpoint in the config. Retried on transport failures, 5xx and 429.
/// Returns OK (also for a token the server did not know, RFC 7009 §2.2), INVALID_ARGUMENT,
/// OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR or INSECURE.
/// Thread-safe.
///
/// # Safety
/// `client` is NULL or a live client; strings are NULL or NUL-terminated; `err` is NULL or a place
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_revoke(
    client: *const tokenkit_client,
    token: *const c_char,
    token_type_hint: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let token = required_str(token, "token")?;
        let hint = optional_str(token_type_hint, "token_type_hint")?;
        client.inner.revoke(token, hint)
    })
}

/// Frees a client and its connections, zeroizing its secret. NULL is accepted. No call on the
/// client may be running or follow. Token sources made from the client keep what they need.
///
/// # Safety
/// `client` is NULL or a client from tokenkit not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_free(client: *mut tokenkit_client) {
    free_handle(client)
}

/// The Works with Nest sample in one call: POSTs `code`, `client_id`, `client_secret` and
/// `grant_type=authorization_code` as a form (client_secret_post) to `token_url` and stores the
/// token in `*out`. All arguments are borrowed for the call; `client_secret` may be NULL for a
/// public client. Makes and frees a client each time: for more than one request, make a
/// tokenkit_client. Returns as tokenkit_client_exchange_code(), plus INSECURE. Thread-safe.
///
/// # Safety
/// String arguments are NULL or NUL-terminated; `out` and `err` are NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_exchange_code(
    token_url: *const c_char,
    code: *const c_char,
    client_id: *const c_char,
    client_secret: *const c_char,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let token_url = required_str(token_url, "token_url")?;
        let code = required_str(code, "code")?;
        let client_id = required_str(client_id, "client_id")?;
        let client_secret = optional_str(client_secret, "client_secret")?;
        required_out(out, "out")?;
        check_endpoint(token_url, "token_url")?;
        let mut config = ClientConfig::new(token_url, client_id);
        config = match client_secret {
            Some(secret) => config.client_secret(secret),
            None => config.auth_method(crate::config::AuthMethod::None),
        };
        let client = Client::new(config)?;
        give_token(out, client.exchange_code(code, None, None, &[]))
    })
}
