//! `tokenkit_error`: the owned error object every fallible call can hand back.

use libc::c_char;

use super::boundary::{ffi_boundary, free_handle};
use super::{kept_ptr, tokenkit_status, KeptCString};
use crate::error::Error;

/// An error from a failed call: status, message, HTTP status and the OAuth fields the server sent.
/// Made by any fallible call when its `err` argument is not NULL; owned by the caller, freed with
/// tokenkit_error_free(). Immutable: may be read from any thread.
///
/// Functions: tokenkit_error_kind, tokenkit_error_message, tokenkit_error_http_status,
/// tokenkit_error_oauth_error, tokenkit_error_oauth_error_description,
/// tokenkit_error_oauth_error_uri, tokenkit_error_body, tokenkit_error_free.
pub struct tokenkit_error {
    kind: tokenkit_status,
    http_status: i32,
    message: KeptCString,
    oauth_error: Option<KeptCString>,
    oauth_error_description: Option<KeptCString>,
    oauth_error_uri: Option<KeptCString>,
    body: Option<KeptCString>,
}

impl tokenkit_error {
    pub(crate) fn new(e: Error) -> Self {
        let oauth = e.oauth();
        tokenkit_error {
            kind: tokenkit_status::from_kind(e.kind()),
            http_status: e.http_status().map(i32::from).unwrap_or(0),
            message: KeptCString::new(e.message()),
            oauth_error: oauth.map(|o| KeptCString::new(&o.error)),
            oauth_error_description: oauth.and_then(|o| o.error_description.as_deref()).map(KeptCString::new),
            oauth_error_uri: oauth.and_then(|o| o.error_uri.as_deref()).map(KeptCString::new),
            body: e.body().map(KeptCString::new),
        }
    }
}

/// The status this error stands for (never TOKENKIT_STATUS_OK); TOKENKIT_STATUS_INVALID_ARGUMENT
/// for NULL. `err` is NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_kind(err: *const tokenkit_error) -> tokenkit_status {
    ffi_boundary!(fallback tokenkit_status::TOKENKIT_STATUS_INTERNAL_ERROR, {
        err.as_ref().map_or(tokenkit_status::TOKENKIT_STATUS_INVALID_ARGUMENT, |e| e.kind)
    })
}

/// A one-line message for humans; "" for NULL. It never holds a secret of the request (a value the
/// server echoes is redacted); text the server sent is quoted with control characters escaped.
/// Borrowed from `err`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_message(err: *const tokenkit_error) -> *const c_char {
    ffi_boundary!(fallback c"".as_ptr(), { err.as_ref().map_or(c"".as_ptr(), |e| e.message.as_ptr()) })
}

/// The HTTP status of the server's answer, or 0 when no answer was received (or `err` is NULL);
/// no answer has status 0, so the two cannot be confused.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_http_status(err: *const tokenkit_error) -> i32 {
    ffi_boundary!(fallback 0, { err.as_ref().map_or(0, |e| e.http_status) })
}

/// The OAuth `error` code as the server sent it (e.g. "invalid_grant", or Nest's "oauth2_error"),
/// or NULL when the server sent none (always NULL unless the kind is OAUTH_ERROR). Borrowed from
/// `err`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_oauth_error(err: *const tokenkit_error) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { err.as_ref().map_or(std::ptr::null(), |e| kept_ptr(&e.oauth_error)) })
}

/// The OAuth `error_description`, or NULL. Borrowed from `err`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_oauth_error_description(err: *const tokenkit_error) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), {
        err.as_ref().map_or(std::ptr::null(), |e| kept_ptr(&e.oauth_error_description))
    })
}

/// The OAuth `error_uri`, or NULL. Borrowed from `err`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_oauth_error_uri(err: *const tokenkit_error) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { err.as_ref().map_or(std::ptr::null(), |e| kept_ptr(&e.oauth_error_uri)) })
}

/// The body of the server's error answer (lossily decoded as UTF-8, the request's own secrets
/// redacted), or NULL when there was none. For logging what a broken server sent. Borrowed from
/// `err`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_body(err: *const tokenkit_error) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { err.as_ref().map_or(std::ptr::null(), |e| kept_ptr(&e.body)) })
}

/// Frees an error and the strings borrowed from it. NULL is accepted. `err` is NULL or an error not
/// yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_free(err: *mut tokenkit_error) {
    ffi_boundary!(fallback(), { free_handle(err) })
}
