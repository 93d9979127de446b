//! `tokenkit_store`: the file-backed store of named profiles, shared by every process of a user.

use libc::c_char;
use std::path::Path;

use super::boundary::{
    ffi_boundary, free_handle, give, millis, optional_str, required_out, required_ref, required_str,
};
use super::client::tokenkit_client;
use super::config::tokenkit_config;
use super::error::tokenkit_error;
use super::options::tokenkit_request_options;
use super::token::tokenkit_token;
use super::{owned_c_string, tokenkit_status, KeptCString};
use crate::error::{Error, ErrorKind, Result};
use crate::store::Store;

/// A directory of profiles: per profile the client's settings (endpoints, client id, auth method;
/// the client secret only when asked) and its token, each in `<dir>/<name>.json`, mode 0600.
/// Writes are atomic; a refresh holds an advisory lock on the profile, so processes sharing one
/// refresh once and all get the new token. Made by tokenkit_store_open(), owned by the caller,
/// freed with tokenkit_store_free() once no call on it is running. Thread-safe: share it between
/// threads. A profile name is 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'.
///
/// Functions: tokenkit_store_open, tokenkit_store_dir, tokenkit_store_save_profile,
/// tokenkit_store_config, tokenkit_store_token, tokenkit_store_saved_token,
/// tokenkit_store_save_token, tokenkit_store_remove_token, tokenkit_store_delete_profile,
/// tokenkit_store_profiles, tokenkit_store_free; tokenkit_source_from_store.
pub struct tokenkit_store {
    pub(crate) inner: Store,
    dir: KeptCString,
}

unsafe fn store_and_name<'a>(store: *const tokenkit_store, name: *const c_char) -> Result<(&'a Store, &'a str)> {
    Ok((&required_ref(store, "store")?.inner, required_str(name, "name")?))
}

/// Opens the store in `dir` (made with mode 0700 if missing), or, when `dir` is NULL, in the
/// default place: $TOKENKIT_STORE, else $XDG_CONFIG_HOME/tokenkit, else ~/.config/tokenkit.
/// Stores the store in `*out`. Returns OK or INVALID_ARGUMENT (not UTF-8, no home, the directory
/// cannot be made, `out` NULL). `dir` is NULL or NUL-terminated, borrowed for the call; `out` a
/// place for one pointer; `err` NULL or a place for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_open(
    dir: *const c_char,
    out: *mut *mut tokenkit_store,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let dir = optional_str(dir, "dir")?;
        required_out(out, "out")?;
        let inner = Store::open(dir.map(Path::new))?;
        let shown = KeptCString::new(&inner.dir().to_string_lossy());
        give(out, tokenkit_store { inner, dir: shown });
        Ok(())
    })
}

/// The store's directory, for messages: borrowed from `store`; NULL for NULL. A directory name
/// that is not UTF-8 is shown with U+FFFD in place of the bytes that are not.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_dir(store: *const tokenkit_store) -> *const c_char {
    ffi_boundary!(fallback std::ptr::null(), { store.as_ref().map_or(std::ptr::null(), |s| s.dir.as_ptr()) })
}

/// Saves profile `name` from `config` (its endpoints, client id, auth method, and the preset or
/// issuer it came from; its client secret only when `with_secret` is not 0) and `token` (NULL for
/// none yet), replacing a profile of that name. Timeouts, CA files and logging are not saved: they
/// belong to the program. Returns OK or INVALID_ARGUMENT (bad name, no client id, the file cannot
/// be written). Thread-safe. `store`, `config` and `token` are NULL or live; `name` NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_save_profile(
    store: *const tokenkit_store,
    name: *const c_char,
    config: *const tokenkit_config,
    token: *const tokenkit_token,
    with_secret: u8,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let (store, name) = store_and_name(store, name)?;
        let config = &required_ref(config, "config")?.inner;
        store.save_profile(name, config, token.as_ref().map(|t| &t.0), with_secret != 0)
    })
}

/// The client settings of profile `name` as a new config in `*out` (with the client secret when
/// the profile holds one), freed with tokenkit_config_free(): add what the program owns (the
/// secret, timeouts, a CA file), then tokenkit_client_new(). Returns OK or INVALID_ARGUMENT (no
/// such profile, a file that is not a profile: the message names it). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_config(
    store: *const tokenkit_store,
    name: *const c_char,
    out: *mut *mut tokenkit_config,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let (store, name) = store_and_name(store, name)?;
        required_out(out, "out")?;
        give(out, tokenkit_config { inner: store.config(name)? });
        Ok(())
    })
}

/// A fresh token of profile `name` in `*out` (free with tokenkit_token_free()): the saved one
/// while it is more than `skew_ms` from expiry, else refreshed through `client` with the saved
/// refresh token and saved, under the profile's lock, so that threads and processes asking
/// together cause one refresh and all get its token. A rotated refresh token is saved before the
/// lock is let go; when the server sends none, the old one is kept. `options` (NULL for none) go
/// with the refresh as with tokenkit_client_refresh(); their cancel flag also ends the wait for
/// another process's refresh. Returns OK, INVALID_ARGUMENT (no such profile, no token or no
/// refresh token: sign in again), CANCELLED, or the statuses of tokenkit_client_refresh(). Blocks
/// while another process refreshes. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_token(
    store: *const tokenkit_store,
    name: *const c_char,
    client: *const tokenkit_client,
    skew_ms: i64,
    options: *const tokenkit_request_options,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let (store, name) = store_and_name(store, name)?;
        let client = required_ref(client, "client")?;
        let skew = millis(skew_ms, "skew_ms")?;
        required_out(out, "out")?;
        let options = tokenkit_request_options::of(options);
        give(out, tokenkit_token(store.token(name, &client.inner, skew, options)?));
        Ok(())
    })
}

/// The token saved in profile `name`, as it is (fresh or not), with no request: a new token in
/// `*out`, or NULL there when the profile holds none. Returns OK or INVALID_ARGUMENT. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_saved_token(
    store: *const tokenkit_store,
    name: *const c_char,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let (store, name) = store_and_name(store, name)?;
        required_out(out, "out")?;
        *out = std::ptr::null_mut();
        if let Some(token) = store.saved_token(name)? {
            give(out, tokenkit_token(token));
        }
        Ok(())
    })
}

/// Saves `token` in the existing profile `name` (after a sign-in), keeping its client settings.
/// Returns OK or INVALID_ARGUMENT. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_save_token(
    store: *const tokenkit_store,
    name: *const c_char,
    token: *const tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let (store, name) = store_and_name(store, name)?;
        store.save_token(name, &required_ref(token, "token")?.0)
    })
}

/// Removes the token of profile `name`, keeping its client settings (a logout). When `out` is not
/// NULL it receives the removed token, to revoke (NULL when there was none); free it with
/// tokenkit_token_free(). Returns OK or INVALID_ARGUMENT. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_remove_token(
    store: *const tokenkit_store,
    name: *const c_char,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let (store, name) = store_and_name(store, name)?;
        if !out.is_null() {
            *out = std::ptr::null_mut();
        }
        let removed = store.remove_token(name)?;
        if let (false, Some(token)) = (out.is_null(), removed) {
            give(out, tokenkit_token(token));
        }
        Ok(())
    })
}

/// Deletes profile `name` and its lock file. When `existed` is not NULL it receives 1 if there
/// was such a profile, else 0. Returns OK or INVALID_ARGUMENT. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_delete_profile(
    store: *const tokenkit_store,
    name: *const c_char,
    existed: *mut u8,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let (store, name) = store_and_name(store, name)?;
        let found = store.delete_profile(name)?;
        if !existed.is_null() {
            *existed = u8::from(found);
        }
        Ok(())
    })
}

/// Every profile as a JSON array, by name, with nothing secret: a new string in `*out`, freed with
/// tokenkit_string_free(). Each element has `name`, `client_id`, `has_token`,
/// `has_refresh_token`, and when known `token_endpoint` and `expires_at` (Unix seconds); a file
/// that could not be read has `problem` instead. Returns OK or INVALID_ARGUMENT. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_profiles(
    store: *const tokenkit_store,
    out: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let store = required_ref(store, "store")?;
        required_out(out, "out")?;
        let profiles = store.inner.profiles()?;
        let json = serde_json::to_string(&profiles).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        *out = owned_c_string(&json)?;
        Ok(())
    })
}

/// Frees a store. NULL is accepted. No call on it may be running; sources made from it keep
/// their own reference.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_store_free(store: *mut tokenkit_store) {
    ffi_boundary!(fallback(), { free_handle(store) })
}
