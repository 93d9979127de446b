//! `tokenkit_error`: the owned error object every fallible call can hand back.

use std::ffi::{c_char, CString};
use std::ptr;

use super::{free_handle, lossless_c_string, run_or, tokenkit_status};
use crate::error::Error;

/// An error from a failed call: status, message, HTTP status and the OAuth fields the server sent.
/// Owned by the caller, freed with tokenkit_error_free(). Immutable: may be read from any thread.
/// Strings returned by its accessors are borrowed from it and live until it is freed.
pub struct tokenkit_error {
    kind: tokenkit_status,
    http_status: i32,
    message: CString,
    oauth_error: Option<CString>,
    oauth_error_description: Option<CString>,
    oauth_error_uri: Option<CString>,
    body: Option<CString>,
}

impl tokenkit_error {
    pub(crate) fn new(e: Error) -> Self {
        let oauth = e.oauth();
        tokenkit_error {
            kind: tokenkit_status::from_kind(e.kind()),
            http_status: e.http_status().map(i32::from).unwrap_or(0),
            message: lossless_c_string(e.message()),
            oauth_error: oauth.map(|o| lossless_c_string(&o.error)),
            oauth_error_description: oauth.and_then(|o| o.error_description.as_deref()).map(lossless_c_string),
            oauth_error_uri: oauth.and_then(|o| o.error_uri.as_deref()).map(lossless_c_string),
            body: e.body().map(lossless_c_string),
        }
    }
}

fn borrowed(s: &Option<CString>) -> *const c_char {
    s.as_ref().map(|c| c.as_ptr()).unwrap_or(ptr::null())
}

/// The status this error stands for (never TOKENKIT_STATUS_OK); TOKENKIT_STATUS_INVALID_ARGUMENT
/// for a NULL error.
///
/// # Safety
/// `err` is NULL or a live error from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_kind(err: *const tokenkit_error) -> tokenkit_status {
    run_or(tokenkit_status::TOKENKIT_STATUS_INTERNAL_ERROR, || {
        err.as_ref().map(|e| e.kind).unwrap_or(tokenkit_status::TOKENKIT_STATUS_INVALID_ARGUMENT)
    })
}

/// A one-line message for humans. tokenkit puts none of your secrets in it; text the server sent
/// (an error_description) is quoted as sent. Borrowed from `err`; "" for NULL.
///
/// # Safety
/// `err` is NULL or a live error from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_message(err: *const tokenkit_error) -> *const c_char {
    run_or(c"".as_ptr(), || err.as_ref().map(|e| e.message.as_ptr()).unwrap_or(c"".as_ptr()))
}

/// The HTTP status of the server's answer, or 0 when no answer was received (or `err` is NULL).
///
/// # Safety
/// `err` is NULL or a live error from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_http_status(err: *const tokenkit_error) -> i32 {
    run_or(0, || err.as_ref().map(|e| e.http_status).unwrap_or(0))
}

/// The OAuth `error` code as the server sent it (e.g. "invalid_grant", or Nest's "oauth2_error"),
/// or NULL when the server sent none. Borrowed from `err`.
///
/// # Safety
/// `err` is NULL or a live error from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_oauth_error(err: *const tokenkit_error) -> *const c_char {
    run_or(ptr::null(), || err.as_ref().map(|e| borrowed(&e.oauth_error)).unwrap_or(ptr::null()))
}

/// The OAuth `error_description`, or NULL. Borrowed from `err`.
///
/// # Safety
/// `err` is NULL or a live error from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_oauth_error_description(err: *const tokenkit_error) -> *const c_char {
    run_or(ptr::null(), || err.as_ref().map(|e| borrowed(&e.oauth_error_description)).unwrap_or(ptr::null()))
}

/// The OAuth `error_uri`, or NULL. Borrowed from `err`.
///
/// # Safety
/// `err` is NULL or a live error from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_oauth_error_uri(err: *const tokenkit_error) -> *const c_char {
    run_or(ptr::null(), || err.as_ref().map(|e| borrowed(&e.oauth_error_uri)).unwrap_or(ptr::null()))
}

/// The raw body of the server's error answer (lossily decoded as UTF-8), or NULL when there was
/// none. Useful for logging what a broken server sent. Borrowed from `err`.
///
/// # Safety
/// `err` is NULL or a live error from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_body(err: *const tokenkit_error) -> *const c_char {
    run_or(ptr::null(), || err.as_ref().map(|e| borrowed(&e.body)).unwrap_or(ptr::null()))
}

/// Frees an error. NULL is accepted. The error and the strings borrowed from it must not be used
/// again.
///
/// # Safety
/// `err` is NULL or an error from tokenkit not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_error_free(err: *mut tokenkit_error) {
    free_handle(err)
}
