//! `tokenkit_source`: an auto-refreshing token source through the C ABI.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use super::client::tokenkit_client;
use super::error::tokenkit_error;
use super::token::tokenkit_token;
use super::{free_handle, give, optional_str, owned_c_string, required_out, required_ref, required_str, run, tokenkit_status};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::source::{OnChange, TokenSource, DEFAULT_SKEW};
use crate::token::Token;

/// Told about every new token (after each successful refresh), so a rotated refresh token can be
/// persisted: read tokenkit_token_refresh_token(), or call tokenkit_source_to_json() (safe here).
/// Called, with the token borrowed for the call, on the application thread whose
/// tokenkit_source_token(), _access_token() or _refresh() performed the refresh, before that call
/// returns; calls never overlap. It must not call tokenkit_source_token(), _access_token() or
/// _refresh() on the same source (that would deadlock); `user_data` must be usable from any thread.
pub type tokenkit_token_changed_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, token: *const tokenkit_token)>;

/// Hands out a valid access token, refreshing it when it is within the skew of expiry or on
/// demand; one refresh in flight at a time however many threads ask. Owned by the caller, freed
/// with tokenkit_source_free(). Thread-safe: share it between any number of threads. It keeps its
/// own reference to the client, so the client may be freed first.
pub struct tokenkit_source {
    inner: TokenSource,
}

/// The application's pointer, handed back to its callback on whatever thread refreshes.
struct UserData(*mut c_void);
// SAFETY: the documented contract of tokenkit_token_changed_fn is that user_data is usable from
// any thread; tokenkit only passes it back.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    // A method, not a field access, so closures capture the whole Send + Sync wrapper.
    fn get(&self) -> *mut c_void {
        self.0
    }
}

fn change_callback(callback: tokenkit_token_changed_fn, user_data: *mut c_void) -> Option<OnChange> {
    let callback = callback?;
    let user_data = UserData(user_data);
    Some(Box::new(move |token: &Token| {
        let handle = tokenkit_token { inner: token.clone() };
        // SAFETY: the caller promised a function safe to call with its user_data.
        unsafe { callback(user_data.get(), &handle) };
    }))
}

fn skew_of(skew_seconds: i64) -> Duration {
    if skew_seconds < 0 {
        DEFAULT_SKEW
    } else {
        Duration::from_secs(skew_seconds as u64)
    }
}

unsafe fn give_source(out: *mut *mut tokenkit_source, source: Result<TokenSource>) -> Result<()> {
    give(out, tokenkit_source { inner: source? });
    Ok(())
}

/// Makes a source from a token (copied; may be NULL) and/or a refresh token (copied; may be NULL
/// when the token carries one); with only a refresh token the first use refreshes. `skew_seconds`
/// is how long before expiry a token counts as expired (negative: the default, 60 s; keep it below
/// the server's token lifetime, or every use refreshes).
/// `on_change` may be NULL. Returns OK or INVALID_ARGUMENT (no token and no refresh token).
///
/// # Safety
/// `client` and `token` are NULL or live; `refresh_token` NULL or NUL-terminated; `on_change` NULL or
/// a function safe to call with `user_data` from any thread; `out`/`err` NULL or places for one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_new(
    client: *const tokenkit_client,
    token: *const tokenkit_token,
    refresh_token: *const c_char,
    skew_seconds: i64,
    on_change: tokenkit_token_changed_fn,
    user_data: *mut c_void,
    out: *mut *mut tokenkit_source,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let refresh_token = optional_str(refresh_token, "refresh_token")?.filter(|t| !t.is_empty()).map(Secret::from);
        required_out(out, "out")?;
        let token = token.as_ref().map(|t| t.inner.clone());
        let source = TokenSource::new(client.inner.clone(), token, refresh_token, skew_of(skew_seconds), change_callback(on_change, user_data));
        give_source(out, source)
    })
}

/// Makes a source from JSON saved by tokenkit_source_to_json() (or any JSON object with at least a
/// refresh_token). Otherwise as tokenkit_source_new().
///
/// # Safety
/// As tokenkit_source_new(); `json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_from_json(
    client: *const tokenkit_client,
    json: *const c_char,
    skew_seconds: i64,
    on_change: tokenkit_token_changed_fn,
    user_data: *mut c_void,
    out: *mut *mut tokenkit_source,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let client = required_ref(client, "client")?;
        let json = required_str(json, "json")?;
        required_out(out, "out")?;
        let source = TokenSource::from_saved_json(client.inner.clone(), json, skew_of(skew_seconds), change_callback(on_change, user_data));
        give_source(out, source)
    })
}

/// A valid token, refreshed first if it is within the skew of expiry: stores a new token in `*out`.
/// A fresh cached token costs no network call and does not wait for other readers. When a refresh
/// is already running, waits for it and shares its result. Returns OK, INVALID_ARGUMENT (expired and
/// no refresh token) or the statuses of tokenkit_client_refresh(). Thread-safe.
///
/// # Safety
/// `source` is NULL or live; `out`/`err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_token(
    source: *const tokenkit_source,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let source = required_ref(source, "source")?;
        required_out(out, "out")?;
        let token = source.inner.token()?;
        give(out, tokenkit_token { inner: token });
        Ok(())
    })
}

/// As tokenkit_source_token(), but stores just the access token: a new string in `*out`, freed
/// with tokenkit_string_free().
///
/// # Safety
/// `source` is NULL or live; `out`/`err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_access_token(
    source: *const tokenkit_source,
    out: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let source = required_ref(source, "source")?;
        required_out(out, "out")?;
        let token = source.inner.token()?;
        let s = owned_c_string(token.access_token());
        if s.is_null() {
            return Err(Error::protocol("access token contains a NUL character"));
        }
        *out = s;
        Ok(())
    })
}

/// Refreshes now, whatever the expiry; threads that ask together share one refresh. When `out` is
/// not NULL stores the new token there. Returns as tokenkit_source_token(). Thread-safe.
///
/// # Safety
/// `source` is NULL or live; `out`/`err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_refresh(
    source: *const tokenkit_source,
    out: *mut *mut tokenkit_token,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let source = required_ref(source, "source")?;
        let token = source.inner.refresh()?;
        if !out.is_null() {
            give(out, tokenkit_token { inner: token });
        }
        Ok(())
    })
}

/// The source's state as JSON to persist (access_token, token_type, expires_at, refresh_token,
/// scope, id_token): a new string in `*out`, freed with tokenkit_string_free(). No network call.
/// Returns OK or INVALID_ARGUMENT. Thread-safe.
///
/// # Safety
/// `source` is NULL or live; `out`/`err` NULL or places for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_to_json(
    source: *const tokenkit_source,
    out: *mut *mut c_char,
    err: *mut *mut tokenkit_error,
) -> tokenkit_status {
    run(err, || {
        let source = required_ref(source, "source")?;
        required_out(out, "out")?;
        *out = owned_c_string(&source.inner.to_saved_json());
        Ok(())
    })
}

/// Frees a source, zeroizing its tokens. NULL is accepted. No call on it may be running.
///
/// # Safety
/// `source` is NULL or a source not yet freed.
#[no_mangle]
pub unsafe extern "C" fn tokenkit_source_free(source: *mut tokenkit_source) {
    free_handle(source)
}
