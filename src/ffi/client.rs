//! `tokenkit_client`: every call that talks to the authorization server.

use libc::c_char;
use std::ffi::CString;
use std::sync::Arc;

use super::authorization::tokenkit_authorization;
use super::boundary::{ffi_boundary, free_handle, give, required_out, required_ref, required_str};
use super::config::tokenkit_config;
use super::device::tokenkit_device_authorization;
use super::error::tokenkit_error;
use super::introspection::tokenkit_introspection;
use super::options::{tokenkit_device_options, tokenkit_request_options, tokenkit_sign_in_options};
use super::token::tokenkit_token;
use super::tokenkit_status;
use crate::client::Client;
use crate::device::DeviceAuthorization;
use crate::error::Error;

/// A token client: one authorization server, one set of credentials, one pool of keep-alive
/// connections. Made by tokenkit_client_new(), owned by the caller, freed with
/// tokenkit_client_free(). Thread-safe: share one client between any number of threads (do not
/// free it while a call on it runs). Every call that sends a request takes an options object that
/// may be NULL, returns a status, and can be cancelled through the options' cancel flag.
///
/// Functions: tokenkit_client_new, tokenkit_client_exchange_code, tokenkit_client_refresh,
/// tokenkit_client_client_credentials, tokenkit_client_revoke, tokenkit_client_introspect,
/// tokenkit_client_authorization_request, tokenkit_client_sign_in,
/// tokenkit_client_device_authorize, tokenkit_client_device_poll, tokenkit_client_device_flow,
/// tokenkit_client_free.
pub struct tokenkit_client {
    pub(crate) inner: Arc<Client>,
}

/// Makes a client from `config` (borrowed; what the client needs is copied, the secret included).
/// Stores the client in `*out`. Returns OK or INVALID_ARGUMENT (NULL, no client id, no endpoint at
/// all, no secret for a client_secret_* method, a secret with method none). A client may have only
/// the endpoints its calls use (e.g. introspection alone); a call whose endpoint is not set fails
/// with INVALID_ARGUMENT naming it. Thread-safe.
/// `config` is NULL or live; `out` and `err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_new(
    config: *const tokenkit_config,
    out: *mut *mut tokenkit_client,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let config = required_ref(config, "config")?;
        required_out(out, "out")?;
        give(out, tokenkit_client { inner: Arc::new(Client::new(config.inner.clone())?) });
        Ok(())
    })
}

/// Exchanges an authorization code for a token (RFC 6749 §4.1.3). `options` (may be NULL) may
/// carry redirect_uri, code_verifier (PKCE) and extra parameters. Never retried: a code is
/// single-use. Stores the token in `*out`. Returns OK, INVALID_ARGUMENT, OAUTH_ERROR (e.g.
/// invalid_grant for a used code), HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR
/// or CANCELLED. Every argument is checked before anything is sent. Blocks the calling thread;
/// thread-safe. For this and every call below: `client` and `options` are NULL or live; strings
/// are NULL or NUL-terminated, borrowed for the call; `out` and `err` are NULL or places for one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_exchange_code(
    client: *const tokenkit_client,
    code: *const c_char,
    options: *const tokenkit_request_options,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        let code = required_str(code, "code")?;
        required_out(out, "out")?;
        let token = client.inner.exchange_code(code, tokenkit_request_options::of(options))?;
        give(out, tokenkit_token(token));
        Ok(())
    })
}

/// Uses a refresh token (RFC 6749 §6). `options` may carry a scope and extra parameters. When the
/// server sends no new refresh token, the old one stays valid and the new token has none. Repeated
/// by the retry policy only when the server cannot have processed the attempt (no connection,
/// 429, 503), so a rotated refresh token is never lost. Returns as tokenkit_client_exchange_code().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_refresh(
    client: *const tokenkit_client,
    refresh_token: *const c_char,
    options: *const tokenkit_request_options,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        let refresh_token = required_str(refresh_token, "refresh_token")?;
        required_out(out, "out")?;
        let token = client.inner.refresh(refresh_token, tokenkit_request_options::of(options))?;
        give(out, tokenkit_token(token));
        Ok(())
    })
}

/// Client credentials grant (RFC 6749 §4.4). `options` may carry a scope and extra parameters.
/// Retried by the retry policy on transport failures, timeouts, 5xx and 429. Returns as
/// tokenkit_client_exchange_code().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_client_credentials(
    client: *const tokenkit_client,
    options: *const tokenkit_request_options,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        required_out(out, "out")?;
        let token = client.inner.client_credentials(tokenkit_request_options::of(options))?;
        give(out, tokenkit_token(token));
        Ok(())
    })
}

/// Revokes `token` (RFC 7009, or Nest's DELETE when the config says so). `options` may carry a
/// token_type_hint. Needs a revocation endpoint. Any 2xx answer is success, whatever its body says
/// (RFC 7009 §2.2: revoking an unknown or expired token is not an error). Retried like
/// tokenkit_client_client_credentials(). Returns OK, INVALID_ARGUMENT, OAUTH_ERROR, HTTP_ERROR,
/// TRANSPORT_ERROR, TIMEOUT, TLS_ERROR, PROTOCOL_ERROR or CANCELLED.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_revoke(
    client: *const tokenkit_client,
    token: *const c_char,
    options: *const tokenkit_request_options,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        let token = required_str(token, "token")?;
        client.inner.revoke(token, tokenkit_request_options::of(options))
    })
}

/// Asks the introspection endpoint (RFC 7662) about `token`. `options` may carry a
/// token_type_hint. Stores the answer in `*out`. Returns as tokenkit_client_revoke().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_introspect(
    client: *const tokenkit_client,
    token: *const c_char,
    options: *const tokenkit_request_options,
    out: *mut *mut tokenkit_introspection,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        let token = required_str(token, "token")?;
        required_out(out, "out")?;
        let introspection = client.inner.introspect(token, tokenkit_request_options::of(options))?;
        give(out, tokenkit_introspection::new(introspection));
        Ok(())
    })
}

/// Builds an authorization URL (RFC 6749 §4.1.1) with a fresh `state` and a PKCE S256 challenge
/// (RFC 7636). `options` may carry redirect_uri (leave it unset where the provider has one
/// registered, as Works with Nest does), scope (unset: the preset's) and extra parameters. Needs an
/// authorization endpoint. Sends nothing. Stores the request in `*out`; after the redirect, compare
/// its state, then exchange the code with its code_verifier. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_authorization_request(
    client: *const tokenkit_client,
    options: *const tokenkit_request_options,
    out: *mut *mut tokenkit_authorization,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        required_out(out, "out")?;
        let request = client.inner.authorization_request(tokenkit_request_options::of(options))?;
        give(out, tokenkit_authorization::new(request));
        Ok(())
    })
}

/// Signs the user in through the browser with a loopback redirect (RFC 8252 §7.3): listens on
/// 127.0.0.1 (the options' port, or a free one), calls the options' open_url callback with the
/// authorization URL (redirect URI `http://127.0.0.1:PORT/callback`), waits for the redirect that
/// carries this sign-in's `state` (others get an error page and are ignored), checks `iss`
/// (RFC 9207) when the issuer is known, answers the browser, closes the listener and exchanges the
/// code with the PKCE verifier. `options` is required (it holds the callback). Stores the token in
/// `*out`. Returns OK, INVALID_ARGUMENT, OAUTH_ERROR (access_denied in the redirect, or the
/// exchange's error), PROTOCOL_ERROR (a wrong iss, a redirect with neither code nor error),
/// TIMEOUT, CANCELLED, TRANSPORT_ERROR (cannot listen) and the statuses of
/// tokenkit_client_exchange_code(). Blocks the calling thread.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_sign_in(
    client: *const tokenkit_client,
    options: *const tokenkit_sign_in_options,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        let options = required_ref(options, "options")?;
        let open_url =
            options.open_url.ok_or_else(|| Error::invalid_argument("the options have no open_url callback"))?;
        required_out(out, "out")?;
        let user_data = options.user_data;
        let mut call = |url: &str| {
            let url = CString::new(url).map_err(|_| Error::protocol("the authorization URL contains a NUL"))?;
            match open_url(user_data, url.as_ptr()) {
                0 => Ok(()),
                _ => Err(Error::cancelled("the open_url callback asked to stop")),
            }
        };
        give(out, tokenkit_token(client.inner.sign_in(&options.inner, &mut call)?));
        Ok(())
    })
}

/// Requests a device code (RFC 8628 §3.1). `options` may carry scope, extra parameters, PKCE and a
/// cancel flag (its callback is not used). Needs a device authorization endpoint. Stores the
/// answer in `*out`: show its user code and verification URI, then call
/// tokenkit_client_device_poll(). Returns as tokenkit_client_client_credentials().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_device_authorize(
    client: *const tokenkit_client,
    options: *const tokenkit_device_options,
    out: *mut *mut tokenkit_device_authorization,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        required_out(out, "out")?;
        let authorization = client.inner.device_authorize(tokenkit_device_options::of(options))?;
        give(out, tokenkit_device_authorization::new(authorization));
        Ok(())
    })
}

/// Polls the token endpoint for `authorization` at the server's interval: goes on after
/// authorization_pending, adds 5 s after slow_down, stops on access_denied or expired_token
/// (OAUTH_ERROR), when the codes expire (TIMEOUT) or when cancelled (CANCELLED). `options` may be
/// NULL; give it the same extra parameters as the authorization request. Stores the token in
/// `*out`. Blocks the calling thread.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_device_poll(
    client: *const tokenkit_client,
    authorization: *const tokenkit_device_authorization,
    options: *const tokenkit_device_options,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        let authorization = required_ref(authorization, "authorization")?;
        required_out(out, "out")?;
        let token = client.inner.device_poll(&authorization.inner, tokenkit_device_options::of(options))?;
        give(out, tokenkit_token(token));
        Ok(())
    })
}

/// The whole device flow: tokenkit_client_device_authorize(), then the options' on_prompt callback
/// with the answer, then tokenkit_client_device_poll(). `options` is required (it holds the
/// callback). Returns the statuses of both, and CANCELLED when the callback returns non-zero.
/// Blocks the calling thread.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_device_flow(
    client: *const tokenkit_client,
    options: *const tokenkit_device_options,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let client = required_ref(client, "client")?;
        let options = required_ref(options, "options")?;
        let on_prompt =
            options.on_prompt.ok_or_else(|| Error::invalid_argument("the options have no on_prompt callback"))?;
        required_out(out, "out")?;
        let user_data = options.user_data;
        let mut show = |authorization: &DeviceAuthorization| {
            // The callback borrows a handle for the call.
            let handle = tokenkit_device_authorization::new(authorization.clone());
            match on_prompt(user_data, &handle) {
                0 => Ok(()),
                _ => Err(Error::cancelled("the on_prompt callback asked to stop")),
            }
        };
        give(out, tokenkit_token(client.inner.device_flow(&options.inner, &mut show)?));
        Ok(())
    })
}

/// Frees a client and its connections, zeroizing its secret. NULL is accepted. No call on it may be
/// running or follow; token sources made from it keep what they need.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_free(client: *mut tokenkit_client) {
    ffi_boundary!(fallback(), { free_handle(client) })
}
