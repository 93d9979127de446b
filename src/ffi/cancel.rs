//! `tokenkit_cancel`: lets another thread stop a call.

use std::sync::Arc;

use super::boundary::{ffi_boundary, free_handle};
use crate::cancel::Cancel;

/// A cancellation flag. Owned by the caller, freed with tokenkit_cancel_free(). Options objects
/// that are given it keep their own reference, so it may be freed once handed over. Thread-safe:
/// tokenkit_cancel_trigger() may be called from any thread, any number of times, also while calls
/// wait on it.
///
/// Functions: tokenkit_cancel_new, tokenkit_cancel_trigger, tokenkit_cancel_free; handed to calls
/// through tokenkit_request_options_set_cancel, tokenkit_sign_in_options_set_cancel and
/// tokenkit_device_options_set_cancel.
pub struct tokenkit_cancel {
    pub(crate) inner: Arc<Cancel>,
}

/// Makes a flag that is not raised. NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn tokenkit_cancel_new() -> *mut tokenkit_cancel {
    ffi_boundary!(fallback std::ptr::null_mut(), {
        Box::into_raw(Box::new(tokenkit_cancel { inner: Arc::new(Cancel::new()) }))
    })
}

/// Raises the flag: every call using it returns TOKENKIT_STATUS_CANCELLED within about 100 ms while
/// it waits for a server's answer, during retry waits and device polling; a connection being opened
/// is given up when its connect timeout ends. Calls started later fail at once. It stays raised.
/// NULL is ignored.
/// `cancel` is NULL or a live flag.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_cancel_trigger(cancel: *const tokenkit_cancel) {
    ffi_boundary!(fallback(), {
        if let Some(c) = cancel.as_ref() {
            c.inner.cancel();
        }
    })
}

/// Frees the caller's reference to a flag (options that hold it keep theirs). NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_cancel_free(cancel: *mut tokenkit_cancel) {
    ffi_boundary!(fallback(), { free_handle(cancel) })
}
