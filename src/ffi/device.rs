//! `tokenkit_device_authorization`: a device authorization response (RFC 8628 §3.2).

use libc::c_char;

use super::boundary::{ffi_boundary, free_handle};
use super::{kept_ptr, KeptCString};
use crate::device::DeviceAuthorization;

/// A device authorization response: what to show the user, and what the polls need. Made by
/// tokenkit_client_device_authorize(), or lent to the prompt callback of
/// tokenkit_client_device_flow(); an owned one is freed with tokenkit_device_authorization_free()
/// (which zeroizes the device code). Immutable: may be read from any thread.
///
/// Functions: tokenkit_device_authorization_user_code,
/// tokenkit_device_authorization_verification_uri,
/// tokenkit_device_authorization_verification_uri_complete,
/// tokenkit_device_authorization_expires_in, tokenkit_device_authorization_interval,
/// tokenkit_device_authorization_free.
pub struct tokenkit_device_authorization {
    pub(crate) inner: DeviceAuthorization,
    user_code: KeptCString,
    verification_uri: KeptCString,
    verification_uri_complete: Option<KeptCString>,
}

impl tokenkit_device_authorization {
    pub(crate) fn new(inner: DeviceAuthorization) -> Self {
        tokenkit_device_authorization {
            user_code: KeptCString::new(&inner.user_code),
            verification_uri: KeptCString::new(&inner.verification_uri),
            verification_uri_complete: inner.verification_uri_complete.as_deref().map(KeptCString::new),
            inner,
        }
    }
}

/// The code the user types (e.g. "WDJB-MJHT"). Borrowed from `authorization`; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_user_code(
    authorization: *const tokenkit_device_authorization,
) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { authorization.as_ref().map_or(std::ptr::null(), |a| a.user_code.as_ptr()) })
}

/// Where the user goes to type it. Borrowed; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_verification_uri(
    authorization: *const tokenkit_device_authorization,
) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), {
        authorization.as_ref().map_or(std::ptr::null(), |a| a.verification_uri.as_ptr())
    })
}

/// The verification URI with the code filled in, or NULL when the server sent none. Borrowed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_verification_uri_complete(
    authorization: *const tokenkit_device_authorization,
) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), {
        authorization.as_ref().map_or(std::ptr::null(), |a| kept_ptr(&a.verification_uri_complete))
    })
}

/// How long the codes stay valid, in seconds from when the response arrived (at most a day);
/// -1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_expires_in(
    authorization: *const tokenkit_device_authorization,
) -> i64 {
    ffi_boundary!(fallback - 1, {
        authorization.as_ref().map_or(-1, |a| i64::try_from(a.inner.expires_in).unwrap_or(i64::MAX))
    })
}

/// The polling interval in seconds (the server's, 5 when it named none, kept within 1 to 3600);
/// -1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_interval(
    authorization: *const tokenkit_device_authorization,
) -> i64 {
    ffi_boundary!(fallback - 1, {
        authorization.as_ref().map_or(-1, |a| i64::try_from(a.inner.interval.as_secs()).unwrap_or(i64::MAX))
    })
}

/// Frees a device authorization, zeroizing the device code. NULL is accepted. Never free the one
/// lent to a prompt callback.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_device_authorization_free(authorization: *mut tokenkit_device_authorization) {
    ffi_boundary!(fallback(), { free_handle(authorization) })
}
