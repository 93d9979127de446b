//! `tokenkit_token`: a token response, read through borrowed accessors.

use libc::c_char;

use super::boundary::{
    borrowed_field, ffi_boundary, free_handle, give, optional_int, required_out, required_ref, required_str,
};
use super::error::tokenkit_error;
use super::{owned_c_string, tokenkit_status};
use crate::token::{Token, TokenField};

/// A token (RFC 6749 §5.1). Made by the grant calls, a token source or tokenkit_token_from_json();
/// owned by the caller, freed with tokenkit_token_free(), which zeroizes its secrets (the last of
/// its copies does). Immutable: may be read from any thread.
///
/// Functions: tokenkit_token_access_token, tokenkit_token_token_type, tokenkit_token_expires_in,
/// tokenkit_token_expires_at, tokenkit_token_refresh_token, tokenkit_token_scope,
/// tokenkit_token_id_token, tokenkit_token_json, tokenkit_token_to_json, tokenkit_token_from_json,
/// tokenkit_token_free.
pub struct tokenkit_token(pub(crate) Token);

/// The access token; NULL only for a NULL token. Borrowed from `token`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_access_token(token: *const tokenkit_token) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(token, |t| t.0.c_field(TokenField::AccessToken)) })
}

/// The token type as sent ("Bearer" when the server sent none or any case of it). Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_token_type(token: *const tokenkit_token) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(token, |t| t.0.c_field(TokenField::TokenType)) })
}

/// The refresh token, or NULL when the server sent none. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_refresh_token(token: *const tokenkit_token) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(token, |t| t.0.c_field(TokenField::RefreshToken)) })
}

/// The granted scope, or NULL when the server sent none. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_scope(token: *const tokenkit_token) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(token, |t| t.0.c_field(TokenField::Scope)) })
}

/// The OpenID Connect ID token, or NULL. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_id_token(token: *const tokenkit_token) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(token, |t| t.0.c_field(TokenField::IdToken)) })
}

/// The whole response as a JSON object (a form-encoded answer converted), for fields tokenkit has
/// no accessor for. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_json(token: *const tokenkit_token) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(token, |t| t.0.c_field(TokenField::Json)) })
}

/// The lifetime in seconds as the server sent it: returns 1 and stores it in `*seconds` (when not
/// NULL), or returns 0 when the server sent none or `token` is NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_expires_in(token: *const tokenkit_token, seconds: *mut i64) -> u8 {
    ffi_boundary!(fallback 0, { optional_int(token, seconds, |t| t.0.expires_in()) })
}

/// The absolute expiry in Unix seconds (from expires_in when the answer arrived, or as saved):
/// returns 1 and stores it in `*unix_seconds` (when not NULL), or 0 when unknown.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_expires_at(token: *const tokenkit_token, unix_seconds: *mut i64) -> u8 {
    ffi_boundary!(fallback 0, { optional_int(token, unix_seconds, |t| t.0.expires_at()) })
}

/// The token in tokenkit's saved format (access_token, token_type, expires_at, refresh_token,
/// scope, id_token), for tokenkit_token_from_json() to read back: a new string in `*out`, freed
/// with tokenkit_string_free() (it holds secrets; store it as such). Returns OK or
/// INVALID_ARGUMENT. `token` is NULL or live; `out` and `err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_to_json(
    token: *const tokenkit_token,
    out: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let token = required_ref(token, "token")?;
        required_out(out, "out")?;
        *out = owned_c_string(&token.0.to_saved_json())?;
        Ok(())
    })
}

/// Reads a token from tokenkit's saved format, or any JSON object with a non-empty access_token
/// (expires_at a number or numeric string). Stores a new token in `*out`. Returns OK or
/// INVALID_ARGUMENT (not JSON, no access_token, a field of the wrong type). `json` is NULL or
/// NUL-terminated, borrowed for the call.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_from_json(
    json: *const c_char,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let json = required_str(json, "json")?;
        required_out(out, "out")?;
        give(out, tokenkit_token(Token::from_saved_json(json)?));
        Ok(())
    })
}

/// Frees a token. NULL is accepted. Strings borrowed from it must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_token_free(token: *mut tokenkit_token) {
    ffi_boundary!(fallback(), { free_handle(token) })
}
