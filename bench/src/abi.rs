//! tokenkit through its C ABI (include/tokenkit.h), called as a C program calls it: one client,
//! token requests whose access token is read through the borrowed accessor, and a token source.

use std::ffi::{c_char, CStr, CString};
use std::ptr;

#[allow(non_camel_case_types)]
enum tokenkit_config {}
#[allow(non_camel_case_types)]
enum tokenkit_client {}
#[allow(non_camel_case_types)]
enum tokenkit_token {}
#[allow(non_camel_case_types)]
enum tokenkit_error {}
#[allow(non_camel_case_types)]
enum tokenkit_source {}
#[allow(non_camel_case_types)]
enum tokenkit_options {}

/// TOKENKIT_ABI_VERSION of the header these declarations were written from.
const ABI_VERSION: u32 = 2;
const OK: i32 = 0;

#[link(name = "tokenkit")]
extern "C" {
    fn tokenkit_abi_version() -> u32;
    fn tokenkit_config_new() -> *mut tokenkit_config;
    fn tokenkit_config_set_token_endpoint(
        c: *mut tokenkit_config,
        url: *const c_char,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_config_set_client_id(c: *mut tokenkit_config, id: *const c_char, err: *mut *mut tokenkit_error) -> i32;
    fn tokenkit_config_set_client_secret(
        c: *mut tokenkit_config,
        s: *const c_char,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_config_add_ca_file(c: *mut tokenkit_config, path: *const c_char, err: *mut *mut tokenkit_error) -> i32;
    fn tokenkit_config_free(c: *mut tokenkit_config);
    fn tokenkit_client_new(
        c: *const tokenkit_config,
        out: *mut *mut tokenkit_client,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_client_client_credentials(
        client: *const tokenkit_client,
        options: *const tokenkit_options,
        out: *mut *mut tokenkit_token,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_client_free(c: *mut tokenkit_client);
    fn tokenkit_token_access_token(t: *const tokenkit_token) -> *const c_char;
    fn tokenkit_token_free(t: *mut tokenkit_token);
    fn tokenkit_error_message(e: *const tokenkit_error) -> *const c_char;
    fn tokenkit_error_free(e: *mut tokenkit_error);
    fn tokenkit_source_new(
        client: *const tokenkit_client,
        token: *const tokenkit_token,
        options: *const tokenkit_options,
        out: *mut *mut tokenkit_source,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_source_token(
        s: *const tokenkit_source,
        out: *mut *mut tokenkit_token,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_source_access_token_copy(
        s: *const tokenkit_source,
        buffer: *mut c_char,
        capacity: i64,
        length: *mut i64,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_source_access_token(
        s: *const tokenkit_source,
        out: *mut *mut c_char,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_source_free(s: *mut tokenkit_source);
    fn tokenkit_string_free(s: *mut c_char);
}

/// Panics with the library's message when `status` is not OK (a benchmark has no error path).
fn check(what: &str, status: i32, err: *mut tokenkit_error) {
    if status != OK {
        // SAFETY: on failure the call stored an owned error (or left NULL), freed here once.
        let message = unsafe {
            let m = if err.is_null() { ptr::null() } else { tokenkit_error_message(err) };
            let text = if m.is_null() { String::new() } else { CStr::from_ptr(m).to_string_lossy().into_owned() };
            tokenkit_error_free(err);
            text
        };
        panic!("{what} failed (status {status}): {message}");
    }
}

/// One tokenkit client, shared by every thread of a measurement.
pub struct Client(*mut tokenkit_client);

// SAFETY: the header documents tokenkit_client as thread-safe: share one between any number of
// threads, and it is freed only by Drop, after every thread is joined.
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

impl Client {
    /// A client with tokenkit's defaults, trusting `ca_file` on top of the system's store.
    pub fn new(endpoint: &str, ca_file: Option<&str>) -> Client {
        // SAFETY: the calls follow the header's contracts: live config, NUL-terminated strings
        // borrowed for the call, outputs initialised to NULL.
        unsafe {
            let version = tokenkit_abi_version();
            assert_eq!(
                version, ABI_VERSION,
                "libtokenkit has ABI {version}, the benchmark was written for {ABI_VERSION}"
            );
            let config = tokenkit_config_new();
            assert!(!config.is_null());
            let endpoint = CString::new(endpoint).expect("endpoint");
            let mut err = ptr::null_mut();
            check("set_token_endpoint", tokenkit_config_set_token_endpoint(config, endpoint.as_ptr(), &mut err), err);
            check("set_client_id", tokenkit_config_set_client_id(config, c"demo-client".as_ptr(), &mut err), err);
            check(
                "set_client_secret",
                tokenkit_config_set_client_secret(config, c"demo-secret".as_ptr(), &mut err),
                err,
            );
            if let Some(ca) = ca_file {
                let ca = CString::new(ca).expect("ca file");
                check("add_ca_file", tokenkit_config_add_ca_file(config, ca.as_ptr(), &mut err), err);
            }
            let mut client = ptr::null_mut();
            check("client_new", tokenkit_client_new(config, &mut client, &mut err), err);
            tokenkit_config_free(config);
            Client(client)
        }
    }

    /// One client-credentials request; reads the access token through the borrowed accessor and
    /// frees the token. Returns the token's length, so that nothing is optimised away.
    pub fn request(&self) -> usize {
        // SAFETY: live client; the token is read before it is freed.
        unsafe {
            let token = self.request_token();
            let len = CStr::from_ptr(tokenkit_token_access_token(token)).to_bytes().len();
            tokenkit_token_free(token);
            len
        }
    }

    fn request_token(&self) -> *mut tokenkit_token {
        let (mut token, mut err) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: live client, NULL options, outputs initialised to NULL.
        let status = unsafe { tokenkit_client_client_credentials(self.0, ptr::null(), &mut token, &mut err) };
        check("client_credentials", status, err);
        token
    }

    /// A token source holding a fresh token from the server (default skew: 60 s).
    pub fn source(&self) -> Source {
        let token = self.request_token();
        let (mut source, mut err) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: live client and token; the source copies the token, which is freed after.
        unsafe {
            let status = tokenkit_source_new(self.0, token, ptr::null(), &mut source, &mut err);
            tokenkit_token_free(token);
            check("source_new", status, err);
        }
        Source(source)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: made by tokenkit_client_new, freed once, no call running.
        unsafe { tokenkit_client_free(self.0) }
    }
}

/// A token source over a cached, fresh token.
pub struct Source(*mut tokenkit_source);

impl Source {
    /// tokenkit_source_token + tokenkit_token_access_token (borrowed) + tokenkit_token_free.
    pub fn token_accessor(&self) -> usize {
        let (mut token, mut err) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: live source; the token is read before it is freed.
        unsafe {
            check("source_token", tokenkit_source_token(self.0, &mut token, &mut err), err);
            let len = CStr::from_ptr(tokenkit_token_access_token(token)).to_bytes().len();
            tokenkit_token_free(token);
            len
        }
    }

    /// tokenkit_source_access_token_copy into a caller's buffer, as a C program asking on every
    /// request would: no allocation, nothing to free.
    pub fn access_token_copy(&self) -> usize {
        let (mut buffer, mut length, mut err) = ([0 as c_char; 256], 0i64, ptr::null_mut());
        // SAFETY: live source; the buffer holds 256 bytes.
        unsafe {
            let status = tokenkit_source_access_token_copy(self.0, buffer.as_mut_ptr(), 256, &mut length, &mut err);
            check("source_access_token_copy", status, err);
        }
        assert!(length < 256, "the bench token fits");
        length as usize
    }

    /// tokenkit_source_access_token + tokenkit_string_free.
    pub fn access_token(&self) -> usize {
        let (mut out, mut err) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: live source; the string is tokenkit's, freed once with its own function.
        unsafe {
            check("source_access_token", tokenkit_source_access_token(self.0, &mut out, &mut err), err);
            let len = CStr::from_ptr(out).to_bytes().len();
            tokenkit_string_free(out);
            len
        }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        // SAFETY: made by tokenkit_source_new, freed once, no call running.
        unsafe { tokenkit_source_free(self.0) }
    }
}
