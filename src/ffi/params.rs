//! `tokenkit_params`: extra form parameters for a token request (e.g. `audience`, `resource`).

use std::ffi::c_char;

use zeroize::Zeroize;

use super::{free_handle, required_ref, required_str, run};
use super::error::tokenkit_error;
use super::tokenkit_status;
use crate::error::Error;

/// An ordered list of extra form parameters. Owned by the caller, freed with tokenkit_params_free().
/// Not thread-safe to modify; may be read by many concurrent requests once filled.
pub struct tokenkit_params {
    pub(crate) pairs: Vec<(String, String)>,
}

impl Drop for tokenkit_params {
    // Values may be assertions or other credentials.
    fn drop(&mut self) {
        for (_, value) in &mut self.pairs {
            value.zeroize();
        }
    }
}

impl tokenkit_params {
    /// The pairs of an optional params handle (NULL means none).
    ///
    /// # Safety
    /// `ptr` is NULL or a live params handle.
    pub(crate) unsafe fn pairs_of<'a>(ptr: *const tokenkit_params) -> &'a [(String, String)] {
        ptr.as_ref().map(|p| p.pairs.as_slice()).unwrap_or(&[])
    }
}

/// Makes an empty parameter list. Free it with tokenkit_params_free(). Never NULL.
#[no_mangle]
pub extern "C" fn tokenkit_params_new() -> *mut tokenkit_params {
    Box::into_raw(Box::new(tokenkit_params { pairs: Vec::new() }))
}

/// Appends `name=value` (both copied). The names the library sets itself (grant_type, code,
/// redirect_uri, code_verifier, refresh_token, scope, client_id, client_secret, device_code, token,
/// token_type_hint; for authorization URLs response_type, state, code_challenge and
/// code_challenge_method) make the call that uses the list fail with INVALID_ARGUMENT before
/// anything is sent. Returns OK or INVALID_ARGUMENT (NULL, empty name, invalid UTF-8).
///
/// # Safety
/// `params` is NULL or a live params handle not used by another thread during the call; `name` and
/// `value` are NULL or NUL-terminated strings; `err` is NULL or a place for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_params_add(
    params: *mut tokenkit_params,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        required_ref(params, "params")?;
        let name = required_str(name, "name")?;
        let value = required_str(value, "value")?;
        if name.is_empty() {
            return Err(Error::invalid_argument("name is empty"));
        }
        (*params).pairs.push((name.to_owned(), value.to_owned()));
        Ok(())
    })
}

/// Frees a parameter list, zeroizing its values. NULL is accepted.
///
/// # Safety
/// `params` is NULL or a params handle not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_params_free(params: *mut tokenkit_params) {
    free_handle(params)
}
