//! The boundary every export's body goes through, after rustls-ffi's `ffi_panic_boundary!` and
//! hyper's `ffi_fn!`: panics are caught, errors become a status and an owned error object, and the
//! small pointer checks every export needs live here once.

use libc::c_char;
use std::ffi::CStr;
use std::panic::{self, AssertUnwindSafe};

use super::error::tokenkit_error;
use super::tokenkit_status;
use crate::error::{Error, ErrorKind, Result};

/// The body of an export.
/// - `ffi_boundary!(err, { ... })` for a fallible call: the block returns `Result<()>`; a failure
///   (or a caught panic) stores an owned error in `*err` when `err` is not NULL and returns its
///   status.
/// - `ffi_boundary!(fallback VALUE, { ... })` for an accessor or a free: the block returns the
///   value; a caught panic returns `VALUE`.
macro_rules! ffi_boundary {
    ($err:ident, $body:block) => {
        $crate::ffi::boundary::fallible($err, || -> $crate::error::Result<()> { $body })
    };
    (fallback $fallback:expr, $body:block) => {
        $crate::ffi::boundary::infallible($fallback, || $body)
    };
}
pub(crate) use ffi_boundary;

pub(crate) fn fallible(err: *mut *mut tokenkit_error, body: impl FnOnce() -> Result<()>) -> tokenkit_status {
    let result = panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        Err(Error::new(ErrorKind::Internal, "internal error: a panic was caught at the C boundary"))
    });
    match result {
        Ok(()) => tokenkit_status::TOKENKIT_STATUS_OK,
        Err(e) => {
            let status = tokenkit_status::from_kind(e.kind());
            if !err.is_null() {
                // SAFETY: the caller passes either NULL or a valid place for one pointer.
                unsafe { *err = Box::into_raw(Box::new(tokenkit_error::new(e))) };
            }
            status
        }
    }
}

pub(crate) fn infallible<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Borrows a required C string argument as UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for the call.
pub(crate) unsafe fn required_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    optional_str(ptr, name)?.ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// Borrows an optional C string argument as UTF-8; NULL means absent.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for the call.
pub(crate) unsafe fn optional_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(ptr).to_str().map(Some).map_err(|_| Error::invalid_argument(format!("{name} is not valid UTF-8")))
}

/// Borrows a required handle.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` made by tokenkit.
pub(crate) unsafe fn required_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T> {
    ptr.as_ref().ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// Borrows a required handle for a change.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` made by tokenkit, used by no other thread.
pub(crate) unsafe fn required_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T> {
    ptr.as_mut().ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// Checks an output pointer before any work is done (a request must not be spent on a call whose
/// result has nowhere to go).
pub(crate) fn required_out<T>(ptr: *mut *mut T, name: &str) -> Result<()> {
    if ptr.is_null() {
        Err(Error::invalid_argument(format!("{name} is NULL")))
    } else {
        Ok(())
    }
}

/// A C milliseconds argument as a duration: negative values are refused.
pub(crate) fn millis(ms: i64, name: &str) -> Result<std::time::Duration> {
    u64::try_from(ms)
        .map(std::time::Duration::from_millis)
        .map_err(|_| Error::invalid_argument(format!("{name} must not be negative")))
}

/// Hands a new handle to the caller through `out` (checked non-NULL beforehand).
///
/// # Safety
/// `out` is a valid place for one pointer.
pub(crate) unsafe fn give<T>(out: *mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// Frees a handle made by `give`; NULL is ignored. The body of every `_free`.
///
/// # Safety
/// `handle` is NULL or a handle from `give` not yet freed.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    if !handle.is_null() {
        drop(Box::from_raw(handle));
    }
}

/// A string field of a live handle, borrowed from it; NULL when the handle is NULL or the field
/// absent. The body of every string accessor.
///
/// # Safety
/// `handle` is NULL or a live handle of type `T`.
pub(crate) unsafe fn borrowed_field<T>(handle: *const T, field: impl FnOnce(&T) -> Option<&CStr>) -> *const c_char {
    handle.as_ref().and_then(field).map_or(std::ptr::null(), CStr::as_ptr)
}

/// An optional integer field through an out-parameter: 1 and `*out` written when present, 0 when
/// absent (or the handle NULL). No in-band sentinel: a present 0 and an absent value differ.
///
/// # Safety
/// `handle` is NULL or a live handle; `out` is NULL or a place for one value.
pub(crate) unsafe fn optional_int<T>(handle: *const T, out: *mut i64, field: impl FnOnce(&T) -> Option<i64>) -> u8 {
    match handle.as_ref().and_then(field) {
        Some(value) => {
            if !out.is_null() {
                *out = value;
            }
            1
        }
        None => 0,
    }
}

/// The application's pointer, handed back to its callback on whatever thread calls it.
pub(crate) struct UserData(pub(crate) *mut libc::c_void);
// SAFETY: the documented contract of every callback type that takes user_data is that it is
// usable from any thread; tokenkit only passes it back.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    // A method, not a field access, so closures capture the whole Send + Sync wrapper.
    pub(crate) fn get(&self) -> *mut libc::c_void {
        self.0
    }
}
