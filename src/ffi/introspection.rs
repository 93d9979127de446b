//! `tokenkit_introspection`: token introspection (RFC 7662) through the C ABI.

use std::ffi::c_char;

use super::client::tokenkit_client;
use super::error::tokenkit_error;
use super::{free_handle, give, optional_str, required_out, required_ref, required_str, run, run_or, string_field, tokenkit_status};
use crate::introspection::Introspection;

/// An introspection response. Owned by the caller, freed with tokenkit_introspection_free().
/// Immutable: may be read from several threads at once.
pub struct tokenkit_introspection {
    inner: Introspection,
}

/// Asks the introspection endpoint about `token` (borrowed; `token_type_hint` may be NULL). On
/// success stores the response in `*out`. Needs an introspection endpoint in the config. Returns
/// OK, INVALID_ARGUMENT, OAUTH_ERROR, HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT, TLS_ERROR,
/// PROTOCOL_ERROR or INSECURE. Thread-safe.
///
/// # Safety
/// `client` is NULL or a live client; strings are NULL or NUL-terminated; `out` and `err` are NULL
/// or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_client_introspect(
    client: *const tokenkit_client,
    token: *const c_char,
    token_type_hint: *const c_char,
    out: *mut *mut tokenkit_introspection,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let token = required_str(token, "token")?;
        let hint = optional_str(token_type_hint, "token_type_hint")?;
        required_out(out, "out")?;
        let inner = client.inner.introspect(token, hint)?;
        give(out, tokenkit_introspection { inner });
        Ok(())
    })
}

/// 1 when the token is active, 0 when it is not (or `introspection` is NULL).
///
/// # Safety
/// `introspection` is NULL or a live introspection.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_active(introspection: *const tokenkit_introspection) -> i32 {
    run_or(0, || introspection.as_ref().map(|i| i32::from(i.inner.active)).unwrap_or(0))
}

/// The `exp` claim in Unix seconds, or -1 when absent (or `introspection` is NULL).
///
/// # Safety
/// `introspection` is NULL or a live introspection.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_exp(introspection: *const tokenkit_introspection) -> i64 {
    run_or(-1, || introspection.as_ref().and_then(|i| i.inner.exp).unwrap_or(-1))
}


/// The `scope`, or NULL when absent: a new string freed with tokenkit_string_free().
///
/// # Safety
/// `introspection` is NULL or a live introspection.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_scope(introspection: *const tokenkit_introspection) -> *mut c_char {
    string_field(introspection, |i| i.inner.scope.as_deref())
}

/// The `client_id`, or NULL when absent: a new string freed with tokenkit_string_free().
///
/// # Safety
/// `introspection` is NULL or a live introspection.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_client_id(introspection: *const tokenkit_introspection) -> *mut c_char {
    string_field(introspection, |i| i.inner.client_id.as_deref())
}

/// The `sub`, or NULL when absent: a new string freed with tokenkit_string_free().
///
/// # Safety
/// `introspection` is NULL or a live introspection.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_sub(introspection: *const tokenkit_introspection) -> *mut c_char {
    string_field(introspection, |i| i.inner.sub.as_deref())
}

/// Every field the server sent, as a JSON object: a new string freed with tokenkit_string_free().
///
/// # Safety
/// `introspection` is NULL or a live introspection.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_json(introspection: *const tokenkit_introspection) -> *mut c_char {
    string_field(introspection, |i| Some(i.inner.raw_json.as_str()))
}

/// Frees an introspection response. NULL is accepted.
///
/// # Safety
/// `introspection` is NULL or an introspection not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_introspection_free(introspection: *mut tokenkit_introspection) {
    free_handle(introspection)
}
