//! The device authorization grant (RFC 8628) through the C ABI.

use std::ffi::{c_char, c_void};

use super::cancel::tokenkit_cancel;
use super::client::tokenkit_client;
use super::error::tokenkit_error;
use super::params::tokenkit_params;
use super::token::tokenkit_token;
use super::{free_handle, give, optional_str, required_out, required_ref, run, run_or, string_field, tokenkit_status};
use crate::device::DeviceAuthorization;

/// A device authorization response (RFC 8628 §3.2). Owned by the caller, freed with
/// tokenkit_device_authorization_free() (which zeroizes the device code). Immutable: may be read
/// from several threads.
pub struct tokenkit_device_authorization {
    inner: DeviceAuthorization,
}

/// Shows the user where to go: called once, on the thread that called tokenkit_client_device_flow(),
/// before polling starts, with the device authorization borrowed for the call (read user_code and
/// verification_uri from it). It must return promptly and must not call back into the same flow.
pub type tokenkit_device_code_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, authorization: *const tokenkit_device_authorization)>;

/// Requests a device code (RFC 8628 §3.1). `scope` and `params` may be NULL (borrowed). Needs a
/// device authorization endpoint in the config. On success stores the response in `*out`. Returns
/// OK, INVALID_ARGUMENT, OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR,
/// PROTOCOL_ERROR or INSECURE. Thread-safe.
///
/// # Safety
/// `client` is NULL or a live client; strings NULL or NUL-terminated; `params` NULL or live;
/// `out`/`err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_device_authorize(
    client: *const tokenkit_client,
    scope: *const c_char,
    params: *const tokenkit_params,
    out: *mut *mut tokenkit_device_authorization,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let scope = optional_str(scope, "scope")?;
        required_out(out, "out")?;
        let inner = client.inner.device_authorize(scope, tokenkit_params::pairs_of(params))?;
        give(out, tokenkit_device_authorization { inner });
        Ok(())
    })
}

/// Polls the token endpoint for `authorization` (borrowed) at the server's interval (5 s when it
/// names none): keeps polling on authorization_pending, adds 5 s on slow_down, stops on
/// access_denied or expired_token (OAUTH_ERROR), at the expires_in deadline (TIMEOUT) or when
/// `cancel` (may be NULL) is raised (CANCELLED). On success stores the token in `*out`. Blocks the
/// calling thread. Thread-safe.
///
/// # Safety
/// `client` and `authorization` are NULL or live; `cancel` NULL or live; `out`/`err` NULL or places
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_device_poll(
    client: *const tokenkit_client,
    authorization: *const tokenkit_device_authorization,
    cancel: *const tokenkit_cancel,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let authorization = required_ref(authorization, "authorization")?;
        required_out(out, "out")?;
        let token = client.inner.device_poll(&authorization.inner, tokenkit_cancel::of(cancel))?;
        give(out, tokenkit_token { inner: token });
        Ok(())
    })
}

/// The whole device flow: tokenkit_client_device_authorize(), then `show` (required) with the
/// response, then tokenkit_client_device_poll(). Returns the statuses of both. Blocks the calling
/// thread.
///
/// # Safety
/// As tokenkit_client_device_authorize() and tokenkit_client_device_poll(); `show` is a function
/// safe to call with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_device_flow(
    client: *const tokenkit_client,
    scope: *const c_char,
    params: *const tokenkit_params,
    show: tokenkit_device_code_fn,
    user_data: *mut c_void,
    cancel: *const tokenkit_cancel,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let scope = optional_str(scope, "scope")?;
        let show = show.ok_or_else(|| crate::error::Error::invalid_argument("show is NULL"))?;
        required_out(out, "out")?;
        let mut call = |authorization: &DeviceAuthorization| {
            // The callback sees a handle that borrows the response for the call.
            let handle = tokenkit_device_authorization { inner: authorization.clone() };
            show(user_data, &handle);
        };
        let token = client.inner.device_flow(scope, tokenkit_params::pairs_of(params), &mut call, tokenkit_cancel::of(cancel))?;
        give(out, tokenkit_token { inner: token });
        Ok(())
    })
}


/// The code the user types (e.g. "WDJB-MJHT"): a new string freed with tokenkit_string_free().
///
/// # Safety
/// `authorization` is NULL or a live device authorization.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_user_code(authorization: *const tokenkit_device_authorization) -> *mut c_char {
    string_field(authorization, |a| Some(a.inner.user_code.as_str()))
}

/// Where the user goes (`verification_uri`, or the `verification_url` some servers send): a new
/// string freed with tokenkit_string_free().
///
/// # Safety
/// `authorization` is NULL or a live device authorization.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_verification_uri(
    authorization: *const tokenkit_device_authorization,
) -> *mut c_char {
    string_field(authorization, |a| Some(a.inner.verification_uri.as_str()))
}

/// The URI with the user code in it, or NULL when the server sent none: a new string freed with
/// tokenkit_string_free().
///
/// # Safety
/// `authorization` is NULL or a live device authorization.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_verification_uri_complete(
    authorization: *const tokenkit_device_authorization,
) -> *mut c_char {
    string_field(authorization, |a| a.inner.verification_uri_complete.as_deref())
}

/// Seconds the device code stays valid, counted from its arrival; -1 for NULL.
///
/// # Safety
/// `authorization` is NULL or a live device authorization.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_expires_in(authorization: *const tokenkit_device_authorization) -> i64 {
    run_or(-1, || authorization.as_ref().map(|a| a.inner.expires_in as i64).unwrap_or(-1))
}

/// The polling interval in seconds (5 when the server named none); -1 for NULL.
///
/// # Safety
/// `authorization` is NULL or a live device authorization.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_interval(authorization: *const tokenkit_device_authorization) -> i64 {
    run_or(-1, || authorization.as_ref().map(|a| a.inner.interval.as_secs() as i64).unwrap_or(-1))
}

/// Frees a device authorization. NULL is accepted.
///
/// # Safety
/// `authorization` is NULL or a device authorization not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_free(authorization: *mut tokenkit_device_authorization) {
    free_handle(authorization)
}
