//! `tokenkit_source`: an auto-refreshing token source.

use libc::{c_char, c_void};

use super::boundary::{ffi_boundary, free_handle, give, required_out, required_ref, required_str, UserData};
use super::client::tokenkit_client;
use super::error::tokenkit_error;
use super::options::{tokenkit_source_options, tokenkit_token_changed_fn};
use super::store::tokenkit_store;
use super::token::tokenkit_token;
use super::{owned_c_string, tokenkit_status};
use crate::error::{Error, Result};
use crate::source::{OnChange, TokenSource, DEFAULT_SKEW};
use crate::token::Token;

/// Hands out a valid access token, refreshing it when it is within the skew of expiry or on
/// demand; one refresh is in flight at a time however many threads ask, and the others share its
/// result. Made by tokenkit_source_new() or tokenkit_source_from_json(); owned by the caller,
/// freed with tokenkit_source_free() once no call on it is running. Thread-safe: share it between
/// any number of threads. It keeps its own reference to the client, so the client may be freed
/// first.
///
/// Functions: tokenkit_source_new, tokenkit_source_from_json, tokenkit_source_token,
/// tokenkit_source_access_token, tokenkit_source_access_token_copy,
/// tokenkit_source_refresh, tokenkit_source_to_json, tokenkit_source_from_store,
/// tokenkit_source_free.
pub struct tokenkit_source {
    inner: TokenSource,
}

fn change_callback(callback: tokenkit_token_changed_fn, user_data: *mut c_void) -> Option<OnChange> {
    let callback = callback?;
    let user_data = UserData(user_data);
    Some(Box::new(move |token: &Token| {
        let handle = tokenkit_token(token.clone());
        // SAFETY: the caller promised a function safe to call with its user_data.
        unsafe { callback(user_data.get(), &handle) };
    }))
}

unsafe fn make(
    client: *const tokenkit_client,
    options: *const tokenkit_source_options,
    out: *mut *mut tokenkit_source,
    build: impl FnOnce(
        std::sync::Arc<crate::client::Client>,
        std::time::Duration,
        Option<OnChange>,
        Option<crate::secret::Secret>,
    ) -> Result<TokenSource>,
) -> Result<()> {
    let client = required_ref(client, "client")?;
    required_out(out, "out")?;
    let (skew, on_change, refresh_token) = match options.as_ref() {
        Some(o) => (o.skew, change_callback(o.on_change, o.user_data), o.refresh_token.clone()),
        None => (DEFAULT_SKEW, None, None),
    };
    let source = build(client.inner.clone(), skew, on_change, refresh_token)?;
    give(out, tokenkit_source { inner: source });
    Ok(())
}

/// Makes a source from `token` (copied; may be NULL when `options` has a refresh token, and then
/// the first use refreshes). `options` may be NULL (skew 60 s, no callback). Stores the source in
/// `*out`. Returns OK or INVALID_ARGUMENT (no token and no refresh token). `client`, `token` and
/// `options` are NULL or live; `out` and `err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_new(
    client: *const tokenkit_client,
    token: *const tokenkit_token,
    options: *const tokenkit_source_options,
    out: *mut *mut tokenkit_source,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let token = token.as_ref().map(|t| t.0.clone());
        make(client, options, out, |client, skew, on_change, refresh_token| {
            TokenSource::new(client, token, refresh_token, skew, on_change)
        })
    })
}

/// Makes a source from JSON saved by tokenkit_source_to_json() or tokenkit_token_to_json(), or any
/// JSON object with a usable token: an absent, null or empty access_token with a refresh_token
/// means "refresh on first use". `options` may be NULL; a refresh token in it is not used. Returns
/// OK or INVALID_ARGUMENT (not JSON, no access_token and no refresh_token). `json` is NULL or
/// NUL-terminated, borrowed for the call.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_from_json(
    client: *const tokenkit_client,
    json: *const c_char,
    options: *const tokenkit_source_options,
    out: *mut *mut tokenkit_source,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let json = required_str(json, "json")?;
        make(client, options, out, |client, skew, on_change, _| {
            TokenSource::from_saved_json(client, json, skew, on_change)
        })
    })
}

/// Makes a source backed by profile `name` of `store`: it starts from the saved token, and each
/// refresh goes through the store (as tokenkit_store_token()), so processes sharing the profile
/// refresh once, take up the token another process saved, and never spend a rotated refresh token
/// twice. `options` may be NULL; a refresh token in it is not used. Returns OK or INVALID_ARGUMENT
/// (no such profile, a file that is not a profile). The source keeps its own reference to the
/// store, which may be freed first. `name` is NULL or NUL-terminated, borrowed for the call.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_from_store(
    client: *const tokenkit_client,
    store: *const tokenkit_store,
    name: *const c_char,
    options: *const tokenkit_source_options,
    out: *mut *mut tokenkit_source,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let store = required_ref(store, "store")?.inner.clone();
        let name = required_str(name, "name")?;
        make(client, options, out, |client, skew, on_change, _| {
            TokenSource::from_store(client, store, name, skew, on_change)
        })
    })
}

/// A valid token, refreshed first when it is within the skew of expiry: a new token handle in
/// `*out` (sharing the source's copy; free it with tokenkit_token_free()). A fresh cached token
/// costs no network call and does not wait for other readers; when a refresh is running, waits
/// for it and shares its result. Returns OK, INVALID_ARGUMENT (expired and no refresh token, or
/// called from this source's own on_change) or the statuses of tokenkit_client_refresh().
/// Thread-safe. `source` is NULL or live; `out` and `err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_token(
    source: *const tokenkit_source,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let source = required_ref(source, "source")?;
        required_out(out, "out")?;
        give(out, tokenkit_token(source.inner.token()?));
        Ok(())
    })
}

/// As tokenkit_source_token(), but only the access token: a new string in `*out`, freed with
/// tokenkit_string_free() (which zeroizes it). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_access_token(
    source: *const tokenkit_source,
    out: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let source = required_ref(source, "source")?;
        required_out(out, "out")?;
        *out = owned_c_string(source.inner.token()?.access_token())?;
        Ok(())
    })
}

/// As tokenkit_source_access_token(), but copied into the caller's buffer: no allocation and no
/// string to free, for callers that ask for the token on every request. `*length` receives the
/// access token's length in bytes (without the NUL). When `capacity` (not negative) is greater than that length,
/// `buffer` receives the token and a terminating NUL; otherwise nothing of the token is written
/// (`buffer[0]` is set to NUL when `capacity` > 0), never a truncated secret, and the caller asks
/// again with a buffer of `*length` + 1 bytes. Returns as tokenkit_source_token(). The caller
/// zeroizes its buffer when done with it. Thread-safe. `source` is NULL or live; `buffer` NULL
/// (with `capacity` 0) or `capacity` writable bytes; `length` not NULL.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_access_token_copy(
    source: *const tokenkit_source,
    buffer: *mut c_char,
    capacity: i64,
    length: *mut i64,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let source = required_ref(source, "source")?;
        if length.is_null() {
            return Err(Error::invalid_argument("length is NULL"));
        }
        let capacity = usize::try_from(capacity).map_err(|_| Error::invalid_argument("capacity is negative"))?;
        if buffer.is_null() && capacity > 0 {
            return Err(Error::invalid_argument("buffer is NULL"));
        }
        *length = source.inner.with_access_token(|token| {
            let bytes = token.as_bytes();
            if bytes.len() < capacity {
                // SAFETY: the caller gives `capacity` writable bytes at `buffer`, more than
                // `bytes.len()`, and the token's own bytes cannot overlap a caller's buffer.
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.cast::<u8>(), bytes.len());
                *buffer.add(bytes.len()) = 0;
            } else if capacity > 0 {
                *buffer = 0;
            }
            i64::try_from(bytes.len()).unwrap_or(i64::MAX)
        })?;
        Ok(())
    })
}

/// Refreshes now, whatever the expiry (after the server said the token is invalid); threads that
/// ask together share one refresh. When `out` is not NULL, stores the new token there. Returns as
/// tokenkit_source_token(). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_refresh(
    source: *const tokenkit_source,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let source = required_ref(source, "source")?;
        let token = source.inner.refresh()?;
        if !out.is_null() {
            give(out, tokenkit_token(token));
        }
        Ok(())
    })
}

/// The source's state in the saved format (the current token, or only the refresh token), for
/// tokenkit_source_from_json() after a restart: a new string in `*out`, freed with
/// tokenkit_string_free(). Allowed inside on_change. Returns OK or INVALID_ARGUMENT. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_to_json(
    source: *const tokenkit_source,
    out: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    ffi_boundary!(err, {
        let source = required_ref(source, "source")?;
        required_out(out, "out")?;
        *out = owned_c_string(&source.inner.to_saved_json())?;
        Ok(())
    })
}

/// Frees a source. NULL is accepted. No call on it may be running.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_free(source: *mut tokenkit_source) {
    ffi_boundary!(fallback(), { free_handle(source) })
}
