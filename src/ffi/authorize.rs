//! The authorization request and loopback sign-in through the C ABI.

use std::ffi::{c_char, c_void, CString};
use std::time::Duration;

use super::cancel::tokenkit_cancel;
use super::client::tokenkit_client;
use super::error::tokenkit_error;
use super::params::tokenkit_params;
use super::token::tokenkit_token;
use super::{free_handle, give, optional_str, required_out, required_ref, run, string_field, tokenkit_status};
use crate::authorize::AuthorizationRequest;
use crate::error::Error;
use crate::loopback::LoopbackOptions;

/// Receives the authorization URL to open in the user's browser. `user_data` is what the caller
/// passed; `url` is borrowed for the call. Called on the thread that called
/// tokenkit_client_sign_in_loopback(), before the wait starts: it must return promptly and must not
/// call back into the same client's sign-in.
pub type tokenkit_open_url_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, url: *const c_char)>;

/// An authorization URL and the `state` and PKCE `code_verifier` that go with it. Owned by the
/// caller, freed with tokenkit_authorization_free() (which zeroizes the verifier). Immutable: may
/// be read from several threads.
pub struct tokenkit_authorization {
    inner: AuthorizationRequest,
}

/// Builds an authorization URL (RFC 6749 §4.1.1) with a fresh `state` and a PKCE S256 challenge
/// (RFC 7636). `redirect_uri` may be NULL where the provider has one registered (Works with Nest);
/// `scope` NULL uses the preset's default; `params` (e.g. access_type=offline) may be NULL. All are
/// borrowed. Needs an authorization endpoint in the config. On success stores the request in
/// `*out`; finish with tokenkit_client_exchange_code() and the request's code_verifier after
/// checking the redirect's state. Returns OK, INVALID_ARGUMENT or INSECURE. Thread-safe.
///
/// # Safety
/// `client` is NULL or a live client; strings are NULL or NUL-terminated; `params` is NULL or live;
/// `out` and `err` are NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_authorization_request(
    client: *const tokenkit_client,
    redirect_uri: *const c_char,
    scope: *const c_char,
    params: *const tokenkit_params,
    out: *mut *mut tokenkit_authorization,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let redirect_uri = optional_str(redirect_uri, "redirect_uri")?;
        let scope = optional_str(scope, "scope")?;
        required_out(out, "out")?;
        let inner = client.inner.authorization_request(redirect_uri, scope, tokenkit_params::pairs_of(params))?;
        give(out, tokenkit_authorization { inner });
        Ok(())
    })
}


/// The URL to send the user to: a new string freed with tokenkit_string_free(); NULL for NULL.
///
/// # Safety
/// `auth` is NULL or a live authorization request.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_url(auth: *const tokenkit_authorization) -> *mut c_char {
    string_field(auth, |a| Some(a.inner.url.as_str()))
}

/// The `state` the redirect must carry back: a new string freed with tokenkit_string_free().
///
/// # Safety
/// `auth` is NULL or a live authorization request.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_state(auth: *const tokenkit_authorization) -> *mut c_char {
    string_field(auth, |a| Some(a.inner.state.as_str()))
}

/// The PKCE `code_verifier` for the code exchange: a new string freed with tokenkit_string_free().
///
/// # Safety
/// `auth` is NULL or a live authorization request.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_code_verifier(auth: *const tokenkit_authorization) -> *mut c_char {
    string_field(auth, |a| Some(a.inner.code_verifier.expose()))
}

/// Frees an authorization request. NULL is accepted.
///
/// # Safety
/// `auth` is NULL or an authorization request not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_free(auth: *mut tokenkit_authorization) {
    free_handle(auth)
}

/// Signs the user in through the browser with a loopback redirect (RFC 8252 §7.3): listens on
/// 127.0.0.1:`port` (0 picks a free port), calls `open_url` with the authorization URL (redirect URI
/// `http://127.0.0.1:PORT/callback`), accepts exactly one redirect, checks `state` and `iss`
/// (RFC 9207, when the issuer is known from discovery), answers the browser with a short page, closes
/// the listener, and exchanges the code with the PKCE verifier. Waits at most `timeout_ms` for the
/// redirect; `cancel` (may be NULL) stops the wait from another thread. `scope` and `params` may be
/// NULL. On success stores the token in `*out`. Returns OK, INVALID_ARGUMENT, OAUTH_ERROR (e.g.
/// access_denied from the redirect, or the code exchange's error), PROTOCOL_ERROR (wrong state or
/// iss, a redirect with neither code nor error), TIMEOUT, CANCELLED, TRANSPORT_ERROR (cannot
/// listen), and the statuses of tokenkit_client_exchange_code(). Blocks the calling thread.
///
/// # Safety
/// `client` is NULL or a live client; strings NULL or NUL-terminated; `params`/`cancel` NULL or
/// live; `open_url` NULL or a function safe to call with `user_data`; `out`/`err` NULL or places
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_sign_in_loopback(
    client: *const tokenkit_client,
    scope: *const c_char,
    params: *const tokenkit_params,
    port: u16,
    timeout_ms: u64,
    open_url: tokenkit_open_url_fn,
    user_data: *mut c_void,
    cancel: *const tokenkit_cancel,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let scope = optional_str(scope, "scope")?;
        let open_url = open_url.ok_or_else(|| Error::invalid_argument("open_url is NULL"))?;
        required_out(out, "out")?;
        if timeout_ms == 0 {
            return Err(Error::invalid_argument("timeout_ms must be greater than zero"));
        }
        let options = LoopbackOptions {
            port,
            scope,
            extra: tokenkit_params::pairs_of(params),
            timeout: Duration::from_millis(timeout_ms),
            cancel: tokenkit_cancel::of(cancel),
        };
        let mut call = |url: &str| {
            if let Ok(url) = CString::new(url) {
                open_url(user_data, url.as_ptr());
            }
        };
        let token = client.inner.sign_in_loopback(&options, &mut call)?;
        give(out, tokenkit_token { inner: token });
        Ok(())
    })
}
