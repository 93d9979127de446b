#![allow(non_camel_case_types)]
// The safety contract of every export is written in its doc, in C terms, for the header's readers.
#![allow(clippy::missing_safety_doc)]
//! The C ABI: every `extern "C"` function of tokenkit lives below this module, one file per
//! object, and each one only checks pointers, converts and forwards to the safe core. Every export's
//! body is one `ffi_boundary!` (a test checks it), so none can let a panic cross into C.

pub mod authorization;
pub mod boundary;
pub mod cancel;
pub mod client;
pub mod config;
pub mod device;
pub mod error;
pub mod introspection;
pub mod options;
pub mod source;
pub mod store;
pub mod token;

use std::ffi::{CStr, CString};

// The C types come from libc, the crate that defines the C boundary's types.
use libc::c_char;

use self::boundary::{ffi_boundary, required_out, required_str};
use self::error::tokenkit_error;
use self::token::tokenkit_token;
use crate::client::Client;
use crate::error::ErrorKind;
use crate::options::RequestOptions;

/// The ABI version this header describes: bumped whenever a function's signature, a type's layout
/// or a contract changes. Compare it with tokenkit_abi_version() at load time.
pub const TOKENKIT_ABI_VERSION: u32 = 2;

/// Status of a fallible call. Numbers are fixed and never reused; new ones may be added without a
/// change of TOKENKIT_ABI_VERSION, so treat any number you do not know as an error.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tokenkit_status {
    /// Success.
    TOKENKIT_STATUS_OK = 0,
    /// An argument was NULL, not UTF-8, malformed or out of range; the message names it.
    TOKENKIT_STATUS_INVALID_ARGUMENT = 1,
    /// The server sent an OAuth error response (RFC 6749 §5.2, HTTP 400 or 401, or 200 at the token
    /// and device endpoints); see tokenkit_error_oauth_error().
    TOKENKIT_STATUS_OAUTH_ERROR = 2,
    /// The server answered with another HTTP failure (a 404, a 500 page, a 3xx); the message quotes
    /// any `error` it sent.
    TOKENKIT_STATUS_HTTP_ERROR = 3,
    /// Connection refused or reset, or the host name did not resolve; the message names the host.
    TOKENKIT_STATUS_TRANSPORT_ERROR = 4,
    /// The connect timeout or the call's deadline ran out.
    TOKENKIT_STATUS_TIMEOUT = 5,
    /// TLS handshake or certificate verification failed.
    TOKENKIT_STATUS_TLS_ERROR = 6,
    /// The response broke the protocol: bad JSON, no access_token, body over the cap, NUL in a value.
    TOKENKIT_STATUS_PROTOCOL_ERROR = 7,
    /// A plain http:// URL to a host that is not a loopback address was refused.
    TOKENKIT_STATUS_INSECURE = 8,
    /// A bug in tokenkit was caught before it could reach the caller. Please report it.
    TOKENKIT_STATUS_INTERNAL_ERROR = 9,
    /// The application cancelled the call through a tokenkit_cancel, or a callback asked to stop.
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

/// The library's version, e.g. "0.2.0". Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn tokenkit_version() -> *const c_char {
    ffi_boundary!(fallback c"".as_ptr(), { concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast() })
}

/// The library's ABI version: TOKENKIT_ABI_VERSION of the header it was built with. A program or
/// binding compares it with the TOKENKIT_ABI_VERSION it was compiled against and refuses to run
/// on a mismatch. Thread-safe.
#[no_mangle]
pub extern "C" fn tokenkit_abi_version() -> u32 {
    ffi_boundary!(fallback 0, { TOKENKIT_ABI_VERSION })
}

/// A stable lower-case name for a status ("ok", "invalid_argument", "oauth_error", "http_error",
/// "transport_error", "timeout", "tls_error", "protocol_error", "insecure", "internal_error",
/// "cancelled"), or "unknown" for a number tokenkit never returns. Static storage: never free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn tokenkit_status_name(status: i32) -> *const c_char {
    ffi_boundary!(fallback c"unknown".as_ptr(), {
        let name = match status {
            0 => c"ok",
            _ => ErrorKind::ALL
                .into_iter()
                .find(|&kind| tokenkit_status::from_kind(kind) as i32 == status)
                .map_or(c"unknown", ErrorKind::name_cstr),
        };
        name.as_ptr()
    })
}

/// Frees a string that a tokenkit function handed out through a `char **` output, overwriting its
/// bytes with zeros first (it may hold a token). NULL is accepted. `s` must come from tokenkit, be
/// unchanged (tokenkit wipes it; do not overwrite it yourself) and not be freed yet; never pass it
/// to free(), and never pass a borrowed `const char *` here.
/// Thread-safe for distinct strings.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_string_free(s: *mut c_char) {
    ffi_boundary!(fallback(), {
        if !s.is_null() {
            let mut bytes = CString::from_raw(s).into_bytes_with_nul();
            zeroize::Zeroize::zeroize(&mut bytes);
        }
    })
}

/// The Works with Nest sample's request, by field name so that no two strings can be swapped
/// unnoticed: `token_endpoint`, `code` and `client_id` are required, `client_secret` is NULL for a
/// public client (then auth method none, else client_secret_post). In C, initialise it with
/// designated initialisers: `tokenkit_exchange_request req = {.token_endpoint = ..., .code = ...};`
/// (fields left out are NULL).
#[repr(C)]
pub struct tokenkit_exchange_request {
    /// The token endpoint URL: https://, or http:// to a loopback address.
    pub token_endpoint: *const c_char,
    /// The authorization code.
    pub code: *const c_char,
    /// The client id.
    pub client_id: *const c_char,
    /// The client secret, or NULL for a public client.
    pub client_secret: *const c_char,
}

/// The Works with Nest sample in one call: POSTs `code`, `client_id`, `client_secret` and
/// `grant_type=authorization_code` as a form to `request->token_endpoint` and stores the token in
/// `*out`. Every string is borrowed for the call. Makes and frees a client each time: for more
/// than one request, make a tokenkit_client. Returns as tokenkit_client_exchange_code(), plus
/// INSECURE. Thread-safe. `request` is NULL or points to a filled struct; `out` and `err` are NULL
/// or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_exchange_code(
    request: *const tokenkit_exchange_request,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let request = boundary::required_ref(request, "request")?;
        let token_endpoint = required_str(request.token_endpoint, "token_endpoint")?;
        let code = required_str(request.code, "code")?;
        let client_id = required_str(request.client_id, "client_id")?;
        let client_secret = boundary::optional_str(request.client_secret, "client_secret")?;
        required_out(out, "out")?;
        let client = Client::for_code_exchange(token_endpoint, client_id, client_secret)?;
        boundary::give(out, tokenkit_token(client.exchange_code(code, &RequestOptions::default())?));
        Ok(())
    })
}

/// A C string that tokenkit keeps inside an object and lends out; NULs (from a server's text)
/// become U+FFFD. Zeroized when dropped: it may be a token or a server's echo of one.
pub(crate) struct KeptCString(CString);

impl KeptCString {
    pub(crate) fn new(value: &str) -> KeptCString {
        let text = if value.contains('\0') { value.replace('\0', "\u{FFFD}") } else { value.to_owned() };
        KeptCString(CString::new(text).unwrap_or_default())
    }

    pub(crate) fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr()
    }

    pub(crate) fn as_c_str(&self) -> &CStr {
        &self.0
    }
}

impl Drop for KeptCString {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes_with_nul();
        zeroize::Zeroize::zeroize(&mut bytes);
    }
}

/// The borrowed pointer of an optional kept string: NULL when absent.
pub(crate) fn kept_ptr(value: &Option<KeptCString>) -> *const c_char {
    value.as_ref().map_or(std::ptr::null(), KeptCString::as_ptr)
}

/// A new string for a `char **` output, freed by tokenkit_string_free(). Values that reach here
/// hold no NUL (parsers refuse them); one that did would yield an error rather than a cut value.
pub(crate) fn owned_c_string(value: &str) -> crate::error::Result<*mut c_char> {
    // Room for the NUL up front: no reallocation leaves a copy of a secret behind.
    let mut bytes = Vec::with_capacity(value.len() + 1);
    bytes.extend_from_slice(value.as_bytes());
    CString::new(bytes)
        .map(CString::into_raw)
        .map_err(|_| crate::error::Error::protocol("the value contains a NUL character"))
}

#[cfg(test)]
mod tests {
    /// Every export's body is one `ffi_boundary!`: an export that could let a panic or an unchecked
    /// error reach C does not pass this test.
    #[test]
    fn every_export_runs_inside_the_boundary() {
        let files = [
            ("mod.rs", include_str!("mod.rs")),
            ("authorization.rs", include_str!("authorization.rs")),
            ("cancel.rs", include_str!("cancel.rs")),
            ("client.rs", include_str!("client.rs")),
            ("config.rs", include_str!("config.rs")),
            ("device.rs", include_str!("device.rs")),
            ("error.rs", include_str!("error.rs")),
            ("introspection.rs", include_str!("introspection.rs")),
            ("options.rs", include_str!("options.rs")),
            ("source.rs", include_str!("source.rs")),
            ("token.rs", include_str!("token.rs")),
        ];
        let mut exports = 0;
        for (file, text) in files {
            let mut rest = text;
            while let Some(at) = rest.find("extern \"C\" fn tokenkit_") {
                let after = &rest[at..];
                let body = &after[after.find('{').expect("a body") + 1..];
                let name = &after["extern \"C\" fn ".len()..after.find('(').unwrap()];
                assert!(
                    body.trim_start().starts_with("ffi_boundary!("),
                    "{file}: {name} does not start with ffi_boundary!"
                );
                exports += 1;
                rest = body;
            }
        }
        assert!(exports > 80, "found only {exports} exports");
    }
}
