//! `tokenkit_authorization`: an authorization URL and what finishing the flow needs.

use libc::c_char;

use super::boundary::{borrowed_field, ffi_boundary, free_handle};
use super::KeptCString;
use crate::authorize::AuthorizationRequest;

/// An authorization URL (RFC 6749 §4.1.1) with its `state` and PKCE `code_verifier` (RFC 7636).
/// Made by tokenkit_client_authorization_request(), owned by the caller, freed with
/// tokenkit_authorization_free() (which zeroizes the verifier). Immutable: may be read from any
/// thread.
///
/// Functions: tokenkit_authorization_url, tokenkit_authorization_state,
/// tokenkit_authorization_code_verifier, tokenkit_authorization_free.
pub struct tokenkit_authorization {
    url: KeptCString,
    state: KeptCString,
    request: AuthorizationRequest,
}

impl tokenkit_authorization {
    pub(crate) fn new(inner: AuthorizationRequest) -> Self {
        tokenkit_authorization {
            url: KeptCString::new(&inner.url),
            state: KeptCString::new(&inner.state),
            request: inner,
        }
    }
}

/// The URL to send the user to. Borrowed from `authorization`; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_url(authorization: *const tokenkit_authorization) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(authorization, |a| Some(a.url.as_c_str())) })
}

/// The `state` the redirect must carry back (compare it before exchanging the code). Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_state(authorization: *const tokenkit_authorization) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(authorization, |a| Some(a.state.as_c_str())) })
}

/// The PKCE `code_verifier` for the code exchange (tokenkit_request_options_set_code_verifier()).
/// Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_code_verifier(
    authorization: *const tokenkit_authorization,
) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { borrowed_field(authorization, |a| Some(a.request.code_verifier.as_c_str())) })
}

/// Frees an authorization request, zeroizing the verifier. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_authorization_free(authorization: *mut tokenkit_authorization) {
    ffi_boundary!(fallback(), { free_handle(authorization) })
}
