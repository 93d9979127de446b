#![allow(non_camel_case_types)]
//! The C ABI: every `extern "C"` function of tokenkit lives below this module, and each one only
//! checks its arguments, converts them, and calls the safe core. No OAuth rule lives here.
//!
//! Conventions (see include/tokenkit.h):
//! - A fallible call returns a `tokenkit_status` and, when `err` is not NULL and the call fails,
//!   stores an owned `tokenkit_error *` in `*err` that the caller frees with `tokenkit_error_free`.
//! - Outputs are written only on success; initialise them to NULL and free them unconditionally.
//! - Inputs are borrowed for the call only; what tokenkit keeps, it copies.
//! - Every `_free` accepts NULL. Strings tokenkit returns are freed with `tokenkit_string_free`.
//! - No panic crosses the boundary: each export runs inside `catch_unwind`.

pub mod authorize;
pub mod cancel;
pub mod client;
pub mod config;
pub mod device;
pub mod error;
pub mod introspection;
pub mod params;
pub mod source;
pub mod token;

use std::ffi::{c_char, CStr, CString};
use std::panic::{self, AssertUnwindSafe};

use crate::error::{Error, ErrorKind, Result};
use self::error::tokenkit_error;

/// Status of a fallible call. Numbers are fixed and never reused; new ones may be added without a
/// change of TOKENKIT_ABI_VERSION, so treat any number you do not know as an error.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tokenkit_status {
    /// Success.
    TOKENKIT_STATUS_OK = 0,
    /// An argument was NULL, not UTF-8, malformed or out of range; the message names it.
    TOKENKIT_STATUS_INVALID_ARGUMENT = 1,
    /// The server sent an OAuth error response (RFC 6749 §5.2); see tokenkit_error_oauth_error().
    TOKENKIT_STATUS_OAUTH_ERROR = 2,
    /// The server answered with an HTTP failure that is not an OAuth error (e.g. a 500 page, a 3xx).
    TOKENKIT_STATUS_HTTP_ERROR = 3,
    /// Connection refused, reset, or the host name did not resolve.
    TOKENKIT_STATUS_TRANSPORT_ERROR = 4,
    /// The connect timeout or the overall timeout ran out.
    TOKENKIT_STATUS_TIMEOUT = 5,
    /// TLS handshake or certificate verification failed.
    TOKENKIT_STATUS_TLS_ERROR = 6,
    /// The response broke the protocol: bad JSON, no access_token, body over the cap, NUL in a value.
    TOKENKIT_STATUS_PROTOCOL_ERROR = 7,
    /// A plain http:// URL to a host that is not loopback was refused.
    TOKENKIT_STATUS_INSECURE = 8,
    /// A bug in tokenkit was caught before it could reach the caller. Please report it.
    TOKENKIT_STATUS_INTERNAL_ERROR = 9,
    /// The application cancelled the wait through a tokenkit_cancel (sign-in, device flow).
    TOKENKIT_STATUS_CANCELLED = 10,
}

impl tokenkit_status {
    pub(crate) fn from_kind(kind: ErrorKind) -> Self {
        use tokenkit_status::*;
        match kind {
            ErrorKind::InvalidArgument => TOKENKIT_STATUS_INVALID_ARGUMENT,
            ErrorKind::OAuth => TOKENKIT_STATUS_OAUTH_ERROR,
            ErrorKind::Http => TOKENKIT_STATUS_HTTP_ERROR,
            ErrorKind::Transport => TOKENKIT_STATUS_TRANSPORT_ERROR,
            ErrorKind::Timeout => TOKENKIT_STATUS_TIMEOUT,
            ErrorKind::Tls => TOKENKIT_STATUS_TLS_ERROR,
            ErrorKind::Protocol => TOKENKIT_STATUS_PROTOCOL_ERROR,
            ErrorKind::Insecure => TOKENKIT_STATUS_INSECURE,
            ErrorKind::Internal => TOKENKIT_STATUS_INTERNAL_ERROR,
            ErrorKind::Cancelled => TOKENKIT_STATUS_CANCELLED,
        }
    }
}

/// Bumped whenever a function's signature or a type's layout changes, so bindings can refuse a
/// library they were not written for.
pub const TOKENKIT_ABI_VERSION: u32 = 1;

/// Runs the body of a fallible export: catches panics, and on failure stores an owned error in
/// `*err` (when `err` is not NULL) and returns its status.
pub(crate) fn run(err: *mut *mut tokenkit_error, body: impl FnOnce() -> Result<()>) -> tokenkit_status {
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

/// Runs the body of an infallible export (accessors, frees): a panic yields `fallback`.
pub(crate) fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
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
    CStr::from_ptr(ptr)
        .to_str()
        .map(Some)
        .map_err(|_| Error::invalid_argument(format!("{name} is not valid UTF-8")))
}

/// Borrows a required handle.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` made by tokenkit.
pub(crate) unsafe fn required_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T> {
    ptr.as_ref().ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// Checks an output pointer before any work is done.
pub(crate) fn required_out<T>(ptr: *mut *mut T, name: &str) -> Result<()> {
    if ptr.is_null() {
        Err(Error::invalid_argument(format!("{name} is NULL")))
    } else {
        Ok(())
    }
}

/// An owned C string for the caller, freed by `tokenkit_string_free`. Values that reach here were
/// checked for NUL when parsed; a NUL that slips through yields NULL rather than a truncated value.
pub(crate) fn owned_c_string(value: &str) -> *mut c_char {
    CString::new(value).map(CString::into_raw).unwrap_or(std::ptr::null_mut())
}

/// A copy of a field of a live handle for the caller, freed with tokenkit_string_free(); NULL when
/// the handle is NULL or the field absent. The shape of every string accessor.
pub(crate) unsafe fn string_field<T>(handle: *const T, field: impl FnOnce(&T) -> Option<&str>) -> *mut c_char {
    run_or(std::ptr::null_mut(), || handle.as_ref().and_then(field).map(owned_c_string).unwrap_or(std::ptr::null_mut()))
}

/// Hands a new handle to the caller through `out` (checked non-NULL beforehand).
pub(crate) unsafe fn give<T>(out: *mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// Frees a handle made by `give`; NULL is ignored. The shape of every `_free`.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    run_or((), || {
        if !handle.is_null() {
            drop(Box::from_raw(handle));
        }
    })
}

/// A C string that tokenkit keeps inside an object; NULs (from a server's text) become U+FFFD.
pub(crate) fn lossless_c_string(value: &str) -> CString {
    CString::new(value.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// The library's version, e.g. "0.1.0". Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn tokenkit_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version (TOKENKIT_ABI_VERSION when the header was generated). Bindings compare it at
/// load time. Thread-safe.
#[no_mangle]
pub extern "C" fn tokenkit_abi_version() -> u32 {
    TOKENKIT_ABI_VERSION
}

/// A stable lower-case name for a status ("ok", "invalid_argument", "oauth_error", "http_error",
/// "transport_error", "timeout", "tls_error", "protocol_error", "insecure", "internal_error",
/// "cancelled"), or
/// "unknown" for a number tokenkit never returns. Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn tokenkit_status_name(status: i32) -> *const c_char {
    let name = match status {
        0 => c"ok",
        _ => ErrorKind::ALL
            .into_iter()
            .find(|&kind| tokenkit_status::from_kind(kind) as i32 == status)
            .map_or(c"unknown", ErrorKind::name_cstr),
    };
    name.as_ptr()
}

/// Frees a string returned by tokenkit, overwriting its bytes with zeros first (it may be a token).
/// NULL is accepted and ignored. Never pass it a string tokenkit did not return, and never free a
/// tokenkit string with free(). Thread-safe for distinct strings.
///
/// # Safety
/// `s` is NULL or a string returned by a tokenkit function and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_string_free(s: *mut c_char) {
    run_or((), || {
        if !s.is_null() {
            let mut bytes = CString::from_raw(s).into_bytes_with_nul();
            zeroize::Zeroize::zeroize(&mut bytes);
        }
    })
}
