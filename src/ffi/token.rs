//! `tokenkit_token`: a successful token response and its accessors.

use std::ffi::c_char;

use super::{free_handle, run_or, string_field};
use crate::token::Token;

/// A token response. Owned by the caller, freed with tokenkit_token_free(), which zeroizes the
/// tokens it holds. Immutable: may be read from several threads at once.
pub struct tokenkit_token {
    pub(crate) inner: Token,
}


/// The access token: a new string the caller frees with tokenkit_string_free(). NULL if `token`
/// is NULL.
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_access_token(token: *const tokenkit_token) -> *mut c_char {
    string_field(token, |t| Some(t.inner.access_token()))
}

/// The token type ("Bearer" when the server sent any case of it or none): a new string the caller
/// frees with tokenkit_string_free(). NULL if `token` is NULL.
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_token_type(token: *const tokenkit_token) -> *mut c_char {
    string_field(token, |t| Some(t.inner.token_type()))
}

/// The refresh token, or NULL when the server sent none: a new string the caller frees with
/// tokenkit_string_free().
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_refresh_token(token: *const tokenkit_token) -> *mut c_char {
    string_field(token, |t| t.inner.refresh_token())
}

/// The granted scope, or NULL when the server sent none: a new string the caller frees with
/// tokenkit_string_free().
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_scope(token: *const tokenkit_token) -> *mut c_char {
    string_field(token, |t| t.inner.scope())
}

/// The OpenID Connect id_token, or NULL when the server sent none: a new string the caller frees
/// with tokenkit_string_free().
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_id_token(token: *const tokenkit_token) -> *mut c_char {
    string_field(token, |t| t.inner.id_token())
}

/// Every field the server sent, as a JSON object (a form-encoded answer becomes an object of
/// strings): a new string the caller frees with tokenkit_string_free(). NULL if `token` is NULL.
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_json(token: *const tokenkit_token) -> *mut c_char {
    string_field(token, |t| Some(t.inner.raw_json()))
}

/// The lifetime in seconds as the server sent it (a number or a numeric string), or -1 when it sent
/// none or `token` is NULL (a server's own negative value reads as expired: check
/// tokenkit_token_expires_at() against the clock).
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_expires_in(token: *const tokenkit_token) -> i64 {
    run_or(-1, || token.as_ref().and_then(|t| t.inner.expires_in()).unwrap_or(-1))
}

/// The absolute expiry in Unix seconds (arrival time + expires_in), or -1 when the server sent no
/// expires_in or `token` is NULL.
///
/// # Safety
/// `token` is NULL or a live token from tokenkit.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_expires_at(token: *const tokenkit_token) -> i64 {
    run_or(-1, || token.as_ref().and_then(|t| t.inner.expires_at()).unwrap_or(-1))
}

/// Frees a token, zeroizing the secrets it holds. NULL is accepted.
///
/// # Safety
/// `token` is NULL or a token from tokenkit not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_free(token: *mut tokenkit_token) {
    free_handle(token)
}
