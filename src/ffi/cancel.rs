//! `tokenkit_cancel`: lets another thread stop a waiting sign-in or device flow.

use std::sync::Arc;

use super::{free_handle, run_or};
use crate::cancel::Cancel;

/// A cancellation flag. Owned by the caller, freed with tokenkit_cancel_free() once no call uses
/// it. Thread-safe: tokenkit_cancel_trigger() may be called from any thread, any number of times.
pub struct tokenkit_cancel {
    pub(crate) inner: Arc<Cancel>,
}

impl tokenkit_cancel {
    /// The flag behind an optional handle (NULL means none).
    ///
    /// # Safety
    /// `ptr` is NULL or a live cancel handle.
    pub(crate) unsafe fn of<'a>(ptr: *const tokenkit_cancel) -> Option<&'a Cancel> {
        ptr.as_ref().map(|c| c.inner.as_ref())
    }
}

/// Makes a flag that is not raised. Never NULL.
#[no_mangle]
pub extern "C" fn tokenkit_cancel_new() -> *mut tokenkit_cancel {
    Box::into_raw(Box::new(tokenkit_cancel { inner: Arc::new(Cancel::new()) }))
}

/// Raises the flag: calls waiting on it return TOKENKIT_STATUS_CANCELLED promptly, and later
/// calls given it return at once. NULL is ignored.
///
/// # Safety
/// `cancel` is NULL or a live cancel handle.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_cancel_trigger(cancel: *const tokenkit_cancel) {
    run_or((), || {
        if let Some(c) = cancel.as_ref() {
            c.inner.cancel();
        }
    })
}

/// Frees a flag. NULL is accepted. No call may still be using it.
///
/// # Safety
/// `cancel` is NULL or a cancel handle not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_cancel_free(cancel: *mut tokenkit_cancel) {
    free_handle(cancel)
}
