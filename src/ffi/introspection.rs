//! `tokenkit_introspection`: an introspection response (RFC 7662 §2.2).

use libc::c_char;

use super::boundary::{ffi_boundary, free_handle, optional_int};
use super::{kept_ptr, KeptCString};
use crate::introspection::Introspection;

/// An introspection response. Made by tokenkit_client_introspect(), owned by the caller, freed with
/// tokenkit_introspection_free(). Immutable: may be read from any thread.
///
/// Functions: tokenkit_introspection_active, tokenkit_introspection_exp,
/// tokenkit_introspection_iat, tokenkit_introspection_scope, tokenkit_introspection_client_id,
/// tokenkit_introspection_username, tokenkit_introspection_token_type,
/// tokenkit_introspection_sub, tokenkit_introspection_json, tokenkit_introspection_free.
pub struct tokenkit_introspection {
    inner: Introspection,
    scope: Option<KeptCString>,
    client_id: Option<KeptCString>,
    username: Option<KeptCString>,
    token_type: Option<KeptCString>,
    sub: Option<KeptCString>,
    json: KeptCString,
}

impl tokenkit_introspection {
    pub(crate) fn new(inner: Introspection) -> Self {
        let kept = |v: &Option<String>| v.as_deref().map(KeptCString::new);
        tokenkit_introspection {
            scope: kept(&inner.scope),
            client_id: kept(&inner.client_id),
            username: kept(&inner.username),
            token_type: kept(&inner.token_type),
            sub: kept(&inner.sub),
            json: KeptCString::new(&inner.raw_json),
            inner,
        }
    }
}

/// 1 when the server says the token is active, else 0 (also for NULL).
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_active(introspection: *const tokenkit_introspection) -> u8 {
    ffi_boundary!(fallback 0, { introspection.as_ref().map_or(0, |i| u8::from(i.inner.active)) })
}

/// The token's expiry (`exp`, Unix seconds): returns 1 and stores it in `*out` (when not NULL), or
/// 0 when the server sent none.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_exp(introspection: *const tokenkit_introspection, out: *mut i64) -> u8 {
    ffi_boundary!(fallback 0, { optional_int(introspection, out, |i| i.inner.exp) })
}

/// When the token was issued (`iat`, Unix seconds): as tokenkit_introspection_exp().
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_iat(introspection: *const tokenkit_introspection, out: *mut i64) -> u8 {
    ffi_boundary!(fallback 0, { optional_int(introspection, out, |i| i.inner.iat) })
}

/// `scope`, or NULL. Borrowed from `introspection`.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_scope(introspection: *const tokenkit_introspection) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { introspection.as_ref().map_or(std::ptr::null(), |i| kept_ptr(&i.scope)) })
}

/// `client_id`, or NULL. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_client_id(
    introspection: *const tokenkit_introspection,
) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { introspection.as_ref().map_or(std::ptr::null(), |i| kept_ptr(&i.client_id)) })
}

/// `username`, or NULL. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_username(
    introspection: *const tokenkit_introspection,
) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { introspection.as_ref().map_or(std::ptr::null(), |i| kept_ptr(&i.username)) })
}

/// `token_type`, or NULL. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_token_type(
    introspection: *const tokenkit_introspection,
) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { introspection.as_ref().map_or(std::ptr::null(), |i| kept_ptr(&i.token_type)) })
}

/// `sub`, or NULL. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_sub(introspection: *const tokenkit_introspection) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { introspection.as_ref().map_or(std::ptr::null(), |i| kept_ptr(&i.sub)) })
}

/// The whole response as JSON. Borrowed; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_json(introspection: *const tokenkit_introspection) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { introspection.as_ref().map_or(std::ptr::null(), |i| i.json.as_ptr()) })
}

/// Frees an introspection response. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_free(introspection: *mut tokenkit_introspection) {
    ffi_boundary!(fallback(), { free_handle(introspection) })
}
