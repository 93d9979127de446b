//! Options objects: the optional, per-call settings of requests, sign-in, the device flow and token
//! sources. A new setting is a new setter, never a new parameter; unset and 0 differ. Each setter
//! converts and forwards to the core's options type, where the rule for the value lives.

use libc::{c_char, c_void};
use std::sync::{Arc, LazyLock};

use super::boundary::{ffi_boundary, free_handle, millis, required_mut, required_ref, required_str, UserData};
use super::cancel::tokenkit_cancel;
use super::device::tokenkit_device_authorization;
use super::error::tokenkit_error;
use super::token::tokenkit_token;
use super::tokenkit_status;
use crate::error::{Error, Result};
use crate::options::{DeviceOptions, RequestOptions, SignInOptions};
use crate::secret::Secret;
use crate::source::DEFAULT_SKEW;

/// The optional parts of a request: scope, redirect_uri, code_verifier, token_type_hint, extra
/// parameters and a cancel flag. Made by tokenkit_request_options_new(), owned by the caller, freed
/// with tokenkit_request_options_free(). Not thread-safe to change; once filled it may be passed to
/// any number of concurrent calls. A call given a setting it does not use fails with
/// INVALID_ARGUMENT naming it (a scope on a code exchange is a mistake, not something to ignore).
///
/// Functions: tokenkit_request_options_new, tokenkit_request_options_set_scope,
/// tokenkit_request_options_set_redirect_uri, tokenkit_request_options_set_code_verifier,
/// tokenkit_request_options_set_token_type_hint, tokenkit_request_options_add_param,
/// tokenkit_request_options_set_cancel, tokenkit_request_options_free.
pub struct tokenkit_request_options {
    pub(crate) inner: RequestOptions,
}

impl tokenkit_request_options {
    /// The options behind an optional handle; NULL means the defaults.
    pub(crate) unsafe fn of<'a>(ptr: *const tokenkit_request_options) -> &'a RequestOptions {
        static DEFAULT: LazyLock<RequestOptions> = LazyLock::new(RequestOptions::default);
        ptr.as_ref().map_or(&*DEFAULT, |o| &o.inner)
    }
}

/// Makes request options with nothing set. NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn tokenkit_request_options_new() -> *mut tokenkit_request_options {
    ffi_boundary!(fallback std::ptr::null_mut(), {
        Box::into_raw(Box::new(tokenkit_request_options { inner: RequestOptions::default() }))
    })
}

unsafe fn with_request(
    options: *mut tokenkit_request_options,
    set: impl FnOnce(&mut RequestOptions) -> Result<()>,
) -> Result<()> {
    set(&mut required_mut(options, "options")?.inner)
}

/// Sets the scope (RFC 6749 §3.3), copied: for refresh, client credentials and authorization URLs.
/// Returns OK or INVALID_ARGUMENT. For every options setter: the options object is NULL or live and
/// used by no other thread during the call; strings are NULL or NUL-terminated, borrowed for the
/// call; `err` is NULL or a place for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_request_options_set_scope(
    options: *mut tokenkit_request_options,
    scope: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_request(options, |o| {
            o.set_scope(required_str(scope, "scope")?);
            Ok(())
        })
    })
}

/// Sets the redirect URI (RFC 6749 §4.1.3), copied, not empty: for code exchanges and authorization
/// URLs. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_request_options_set_redirect_uri(
    options: *mut tokenkit_request_options,
    redirect_uri: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_request(options, |o| o.set_redirect_uri(required_str(redirect_uri, "redirect_uri")?)) })
}

/// Sets the PKCE code_verifier (RFC 7636 §4.1: 43 to 128 characters of A-Z a-z 0-9 - . _ ~), copied
/// and zeroized on free: for code exchanges. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_request_options_set_code_verifier(
    options: *mut tokenkit_request_options,
    code_verifier: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_request(options, |o| o.set_code_verifier(required_str(code_verifier, "code_verifier")?))
    })
}

/// Sets the token_type_hint ("access_token" or "refresh_token", RFC 7009 §2.1), copied: for
/// revocation and introspection. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_request_options_set_token_type_hint(
    options: *mut tokenkit_request_options,
    hint: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_request(options, |o| o.set_token_type_hint(required_str(hint, "token_type_hint")?)) })
}

/// Adds an extra parameter (e.g. `audience`, `resource`; `access_type` in an authorization URL),
/// both copied, the value zeroized on free: for grants and authorization URLs. A name tokenkit sets
/// itself (grant_type, code, client_id, ...) is refused when the request is made (RFC 6749 §3.2).
/// Returns OK or INVALID_ARGUMENT (NULL, not UTF-8, empty name).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_request_options_add_param(
    options: *mut tokenkit_request_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_request(options, |o| o.add_param(required_str(name, "name")?, required_str(value, "value")?))
    })
}

/// Lets `cancel` stop the calls made with these options (see tokenkit_cancel_trigger() for how
/// fast). The options keep their own reference to the flag. Returns OK or INVALID_ARGUMENT (NULL).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_request_options_set_cancel(
    options: *mut tokenkit_request_options,
    cancel: *const tokenkit_cancel,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let cancel = Arc::clone(&required_ref(cancel, "cancel")?.inner);
        with_request(options, |o| {
            o.set_cancel(cancel);
            Ok(())
        })
    })
}

/// Frees request options, zeroizing their secrets. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_request_options_free(options: *mut tokenkit_request_options) {
    ffi_boundary!(fallback(), { free_handle(options) })
}

/// Receives the authorization URL to open in the user's browser during tokenkit_client_sign_in().
/// `url` is borrowed for the call. Called once, on the thread that called
/// tokenkit_client_sign_in(), before the wait starts; it must return promptly. Return 0 to go on;
/// any other value ends the sign-in with TOKENKIT_STATUS_CANCELLED.
pub type tokenkit_open_url_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, url: *const c_char) -> i32>;

/// The settings of a loopback sign-in (RFC 8252 §7.3): the callback that opens the browser
/// (required), port, scope, extra authorization parameters, timeout and a cancel flag. Made by
/// tokenkit_sign_in_options_new(), owned by the caller, freed with tokenkit_sign_in_options_free().
/// Not thread-safe to change.
///
/// Functions: tokenkit_sign_in_options_new, tokenkit_sign_in_options_set_open_url,
/// tokenkit_sign_in_options_set_port, tokenkit_sign_in_options_set_scope,
/// tokenkit_sign_in_options_add_param, tokenkit_sign_in_options_set_timeout_ms,
/// tokenkit_sign_in_options_set_cancel, tokenkit_sign_in_options_free.
pub struct tokenkit_sign_in_options {
    pub(crate) inner: SignInOptions,
    pub(crate) open_url: tokenkit_open_url_fn,
    pub(crate) user_data: *mut c_void,
}

/// Makes sign-in options: any free port, the config's default scope, 5 minutes, no callback yet.
/// NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn tokenkit_sign_in_options_new() -> *mut tokenkit_sign_in_options {
    ffi_boundary!(fallback std::ptr::null_mut(), {
        Box::into_raw(Box::new(tokenkit_sign_in_options {
            inner: SignInOptions::default(),
            open_url: None,
            user_data: std::ptr::null_mut(),
        }))
    })
}

unsafe fn with_sign_in(
    options: *mut tokenkit_sign_in_options,
    set: impl FnOnce(&mut tokenkit_sign_in_options) -> Result<()>,
) -> Result<()> {
    set(required_mut(options, "options")?)
}

/// Sets the callback that opens the browser and the pointer handed back to it. Returns OK or
/// INVALID_ARGUMENT (NULL function).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_sign_in_options_set_open_url(
    options: *mut tokenkit_sign_in_options,
    open_url: tokenkit_open_url_fn,
    user_data: *mut c_void,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let open_url = open_url.ok_or_else(|| Error::invalid_argument("open_url is NULL"))?;
        with_sign_in(options, |o| {
            o.open_url = Some(open_url);
            o.user_data = user_data;
            Ok(())
        })
    })
}

/// Sets the port to listen on at 127.0.0.1 (0 to 65535; 0, the default, picks a free one).
/// Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_sign_in_options_set_port(
    options: *mut tokenkit_sign_in_options,
    port: i32,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let port = u16::try_from(port).map_err(|_| Error::invalid_argument("port must be 0 to 65535"))?;
        with_sign_in(options, |o| {
            o.inner.set_port(port);
            Ok(())
        })
    })
}

/// Sets the scope, copied. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_sign_in_options_set_scope(
    options: *mut tokenkit_sign_in_options,
    scope: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_sign_in(options, |o| {
            o.inner.set_scope(required_str(scope, "scope")?);
            Ok(())
        })
    })
}

/// Adds a parameter to the authorization URL, copied. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_sign_in_options_add_param(
    options: *mut tokenkit_sign_in_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_sign_in(options, |o| o.inner.add_param(required_str(name, "name")?, required_str(value, "value")?))
    })
}

/// Sets how long the user has to finish signing in, in milliseconds (> 0; default 300 000).
/// Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_sign_in_options_set_timeout_ms(
    options: *mut tokenkit_sign_in_options,
    timeout_ms: i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, { with_sign_in(options, |o| o.inner.set_timeout(millis(timeout_ms, "timeout")?)) })
}

/// Lets `cancel` stop the sign-in (the wait and the code exchange). Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_sign_in_options_set_cancel(
    options: *mut tokenkit_sign_in_options,
    cancel: *const tokenkit_cancel,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let cancel = Arc::clone(&required_ref(cancel, "cancel")?.inner);
        with_sign_in(options, |o| {
            o.inner.set_cancel(cancel);
            Ok(())
        })
    })
}

/// Frees sign-in options. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_sign_in_options_free(options: *mut tokenkit_sign_in_options) {
    ffi_boundary!(fallback(), { free_handle(options) })
}

/// Receives the device authorization (user code, verification URI) during
/// tokenkit_client_device_flow(), to show to the user. `authorization` is borrowed for the call.
/// Called once, on the calling thread, before polling starts. Return 0 to go on; any other value
/// ends the flow with TOKENKIT_STATUS_CANCELLED.
pub type tokenkit_device_prompt_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, authorization: *const tokenkit_device_authorization) -> i32>;

/// The settings of a device flow (RFC 8628): the prompt callback (required by
/// tokenkit_client_device_flow()), scope, extra parameters (sent with the authorization request
/// and every poll), PKCE, and a cancel flag. Made by tokenkit_device_options_new(), owned by the
/// caller, freed with tokenkit_device_options_free(). Not thread-safe to change.
///
/// Functions: tokenkit_device_options_new, tokenkit_device_options_set_on_prompt,
/// tokenkit_device_options_set_on_poll,
/// tokenkit_device_options_set_scope, tokenkit_device_options_add_param,
/// tokenkit_device_options_set_pkce, tokenkit_device_options_set_cancel,
/// tokenkit_device_options_free.
pub struct tokenkit_device_options {
    pub(crate) inner: DeviceOptions,
    pub(crate) on_prompt: tokenkit_device_prompt_fn,
    pub(crate) user_data: *mut c_void,
}

impl tokenkit_device_options {
    /// The options behind an optional handle; NULL means the defaults.
    pub(crate) unsafe fn of<'a>(ptr: *const tokenkit_device_options) -> &'a DeviceOptions {
        static DEFAULT: LazyLock<DeviceOptions> = LazyLock::new(DeviceOptions::default);
        ptr.as_ref().map_or(&*DEFAULT, |o| &o.inner)
    }
}

/// Makes device options: the config's default scope, no PKCE, no callback yet. NULL only if memory
/// ran out.
#[no_mangle]
pub extern "C" fn tokenkit_device_options_new() -> *mut tokenkit_device_options {
    ffi_boundary!(fallback std::ptr::null_mut(), {
        Box::into_raw(Box::new(tokenkit_device_options {
            inner: DeviceOptions::default(),
            on_prompt: None,
            user_data: std::ptr::null_mut(),
        }))
    })
}

unsafe fn with_device(
    options: *mut tokenkit_device_options,
    set: impl FnOnce(&mut tokenkit_device_options) -> Result<()>,
) -> Result<()> {
    set(required_mut(options, "options")?)
}

/// Sets the callback that shows the user code and the pointer handed back to it. Returns OK or
/// INVALID_ARGUMENT (NULL function).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_options_set_on_prompt(
    options: *mut tokenkit_device_options,
    on_prompt: tokenkit_device_prompt_fn,
    user_data: *mut c_void,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let on_prompt = on_prompt.ok_or_else(|| Error::invalid_argument("on_prompt is NULL"))?;
        with_device(options, |o| {
            o.on_prompt = Some(on_prompt);
            o.user_data = user_data;
            Ok(())
        })
    })
}

/// Told after each poll of a device flow that did not end it, on the polling thread: `outcome`
/// is "authorization_pending", "slow_down" (the interval grew) or "retrying" (a transient
/// failure), borrowed for the call; `interval_ms` is the wait before the next poll. Return 0 to go
/// on; any other value ends the flow with TOKENKIT_STATUS_CANCELLED.
pub type tokenkit_device_poll_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, outcome: *const c_char, interval_ms: i64) -> i32>;

/// Sets the callback told of each poll (for a live prompt: still waiting, slowed down) and the
/// pointer handed back to it; used by tokenkit_client_device_flow() and
/// tokenkit_client_device_poll(). Returns OK or INVALID_ARGUMENT (NULL function).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_options_set_on_poll(
    options: *mut tokenkit_device_options,
    on_poll: tokenkit_device_poll_fn,
    user_data: *mut c_void,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let on_poll = on_poll.ok_or_else(|| Error::invalid_argument("on_poll is NULL"))?;
        let user_data = UserData(user_data);
        with_device(options, |o| {
            o.inner.set_on_poll(std::sync::Arc::new(move |outcome: &str, interval: std::time::Duration| {
                let outcome = std::ffi::CString::new(outcome).unwrap_or_default();
                let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
                // SAFETY: the caller promised a function safe to call with its user_data.
                unsafe { on_poll(user_data.get(), outcome.as_ptr(), interval_ms) == 0 }
            }));
            Ok(())
        })
    })
}

/// Sets the scope, copied. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_options_set_scope(
    options: *mut tokenkit_device_options,
    scope: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_device(options, |o| {
            o.inner.set_scope(required_str(scope, "scope")?);
            Ok(())
        })
    })
}

/// Adds a parameter, sent with the device authorization request and with every poll. Returns OK or
/// INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_options_add_param(
    options: *mut tokenkit_device_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_device(options, |o| o.inner.add_param(required_str(name, "name")?, required_str(value, "value")?))
    })
}

/// Turns PKCE on (non-zero) or off (0, the default): an S256 challenge on the device authorization
/// request and the verifier on every poll, for servers that require PKCE of public clients. Returns
/// OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_options_set_pkce(
    options: *mut tokenkit_device_options,
    pkce: u8,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        with_device(options, |o| {
            o.inner.set_pkce(pkce != 0);
            Ok(())
        })
    })
}

/// Lets `cancel` stop the flow (requests and waits alike). Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_options_set_cancel(
    options: *mut tokenkit_device_options,
    cancel: *const tokenkit_cancel,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let cancel = Arc::clone(&required_ref(cancel, "cancel")?.inner);
        with_device(options, |o| {
            o.inner.set_cancel(cancel);
            Ok(())
        })
    })
}

/// Frees device options. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_options_free(options: *mut tokenkit_device_options) {
    ffi_boundary!(fallback(), { free_handle(options) })
}

/// Told about every new token after a successful refresh, so that a rotated refresh token can be
/// saved: read it with tokenkit_token_refresh_token(), or call tokenkit_source_to_json() (allowed
/// here). `token` is borrowed for the call. Called on the thread whose tokenkit_source_token(),
/// _access_token() or _refresh() performed the refresh, before that call returns; calls never
/// overlap. Asking the same source for a token from inside it fails with INVALID_ARGUMENT.
/// `user_data` must be usable from any thread.
pub type tokenkit_token_changed_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, token: *const tokenkit_token)>;

/// The settings of a token source: skew, the change callback and a refresh token to start from.
/// Made by tokenkit_source_options_new(), owned by the caller, freed with
/// tokenkit_source_options_free(). Not thread-safe to change.
///
/// Functions: tokenkit_source_options_new, tokenkit_source_options_set_skew_ms,
/// tokenkit_source_options_set_on_change, tokenkit_source_options_set_refresh_token,
/// tokenkit_source_options_free.
pub struct tokenkit_source_options {
    pub(crate) skew: std::time::Duration,
    pub(crate) on_change: tokenkit_token_changed_fn,
    pub(crate) user_data: *mut c_void,
    pub(crate) refresh_token: Option<Secret>,
}

/// Makes source options: skew 60 s, no callback, no refresh token. NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn tokenkit_source_options_new() -> *mut tokenkit_source_options {
    ffi_boundary!(fallback std::ptr::null_mut(), {
        Box::into_raw(Box::new(tokenkit_source_options {
            skew: DEFAULT_SKEW,
            on_change: None,
            user_data: std::ptr::null_mut(),
            refresh_token: None,
        }))
    })
}

unsafe fn with_source(
    options: *mut tokenkit_source_options,
    set: impl FnOnce(&mut tokenkit_source_options) -> Result<()>,
) -> Result<()> {
    set(required_mut(options, "options")?)
}

/// Sets how long before its expiry a token counts as expired, in milliseconds (>= 0; 0 means
/// "use it until it expires"; default 60 000). Keep it below the server's token lifetime, or every
/// use refreshes. Returns OK or INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_options_set_skew_ms(
    options: *mut tokenkit_source_options,
    skew_ms: i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let skew = millis(skew_ms, "skew")?;
        with_source(options, |o| {
            o.skew = skew;
            Ok(())
        })
    })
}

/// Sets the callback told about each new token and the pointer handed back to it. Returns OK or
/// INVALID_ARGUMENT (NULL function).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_options_set_on_change(
    options: *mut tokenkit_source_options,
    on_change: tokenkit_token_changed_fn,
    user_data: *mut c_void,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let on_change = on_change.ok_or_else(|| Error::invalid_argument("on_change is NULL"))?;
        with_source(options, |o| {
            o.on_change = Some(on_change);
            o.user_data = user_data;
            Ok(())
        })
    })
}

/// Sets the refresh token the source uses (instead of the token's own, if any; with no token, the
/// first use refreshes),
/// copied and zeroized on free. Returns OK or INVALID_ARGUMENT (an empty one is refused by
/// tokenkit_source_new()).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_options_set_refresh_token(
    options: *mut tokenkit_source_options,
    refresh_token: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let refresh_token = required_str(refresh_token, "refresh_token")?;
        with_source(options, |o| {
            o.refresh_token = Some(Secret::from(refresh_token));
            Ok(())
        })
    })
}

/// Frees source options, zeroizing the refresh token. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_options_free(options: *mut tokenkit_source_options) {
    ffi_boundary!(fallback(), { free_handle(options) })
}
