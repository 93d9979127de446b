//! A token source: hands out a valid access token, refreshing it when it is within `skew` of expiry
//! or on demand. One refresh is in flight at a time however many threads ask; the others wait and
//! share its result. A cached token is returned under a read lock, without a network call.
//! When the server sends no new refresh token the old one is kept (RFC 6749 §6); every change of
//! token reaches `on_change`, so a rotated refresh token can be persisted.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::response::Fields;
use crate::secret::Secret;
use crate::store::Store;
use crate::token::{SavedToken, Token};

/// How long before its expiry a token counts as expired unless told otherwise.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

thread_local! {
    /// The address of the source whose on_change runs on this thread, or 0.
    static IN_CALLBACK_OF: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Marks this thread as inside a source's on_change; restores the previous mark when dropped, so
/// nested sources and a panicking callback leave no stale mark behind.
struct CallbackMark(usize);

impl CallbackMark {
    fn enter(source: &TokenSource) -> CallbackMark {
        CallbackMark(IN_CALLBACK_OF.with(|c| c.replace(source as *const TokenSource as usize)))
    }
}

impl Drop for CallbackMark {
    fn drop(&mut self) {
        IN_CALLBACK_OF.with(|c| c.set(self.0));
    }
}

/// Called with the new token after every successful refresh, on the refreshing thread, while the
/// refresh lock is held (so calls never overlap). Asking the same source for a token from inside it
/// fails with InvalidArgument instead of deadlocking.
pub type OnChange = Box<dyn Fn(&Token) + Send + Sync>;

/// Hands out a valid access token, refreshing it when it is within the skew of expiry; one
/// refresh at a time however many threads ask (see the module doc).
pub struct TokenSource {
    client: Arc<Client>,
    /// The store profile whose token this source shares with other processes, if any: refreshes
    /// then go through the store's lock, and a token another process saved is taken up.
    profile: Option<(Store, String)>,
    skew: Duration,
    on_change: Option<OnChange>,
    state: RwLock<State>,
    /// Held for the whole of a refresh, so there is one at a time.
    refresh_lock: Mutex<()>,
}

struct State {
    token: Option<Token>,
    refresh_token: Option<Secret>,
    /// Bumped by every refresh attempt, so a waiter can tell that one finished while it waited.
    generation: u64,
    last_error: Option<Error>,
}

impl TokenSource {
    /// A source from a token, or from a refresh token alone (the first use then refreshes).
    pub fn new(
        client: Arc<Client>,
        token: Option<Token>,
        refresh_token: Option<Secret>,
        skew: Duration,
        on_change: Option<OnChange>,
    ) -> Result<TokenSource> {
        if refresh_token.as_ref().is_some_and(|t| t.expose().is_empty()) {
            return Err(Error::invalid_argument("refresh_token is empty"));
        }
        let refresh_token = refresh_token.or_else(|| token.as_ref().and_then(|t| t.refresh_secret().cloned()));
        if token.is_none() && refresh_token.is_none() {
            return Err(Error::invalid_argument("a token source needs a token or a refresh token"));
        }
        Ok(TokenSource::with_state(client, None, token, refresh_token, skew, on_change))
    }

    fn with_state(
        client: Arc<Client>,
        profile: Option<(Store, String)>,
        token: Option<Token>,
        refresh_token: Option<Secret>,
        skew: Duration,
        on_change: Option<OnChange>,
    ) -> TokenSource {
        TokenSource {
            client,
            profile,
            skew,
            on_change,
            state: RwLock::new(State { token, refresh_token, generation: 0, last_error: None }),
            refresh_lock: Mutex::new(()),
        }
    }

    /// A source from what `to_saved_json` wrote, or any JSON object with a usable access token or
    /// refresh token: an absent, null or empty `access_token` with a refresh token means "refresh
    /// on first use".
    pub fn from_saved_json(
        client: Arc<Client>,
        json: &str,
        skew: Duration,
        on_change: Option<OnChange>,
    ) -> Result<TokenSource> {
        let mut fields =
            Fields::from_json(json).ok_or_else(|| Error::invalid_argument("saved token: not a JSON object"))?;
        let saved = |e: Error| Error::invalid_argument(format!("saved token: {}", e.message()));
        let has_access_token = fields.secret("access_token").map_err(saved)?.is_some();
        let token = if has_access_token { Some(Token::from_saved_json(json)?) } else { None };
        let refresh_token = fields.secret("refresh_token").map_err(saved)?;
        if token.is_none() && refresh_token.is_none() {
            return Err(Error::invalid_argument("saved token: no access_token and no refresh_token"));
        }
        TokenSource::new(client, token, refresh_token, skew, on_change)
    }

    /// A source backed by profile `name` of `store`: it starts from the saved token and refreshes
    /// through the store (`Store::token`), so processes sharing the profile refresh once and each
    /// takes up the token another saved. The profile must exist; it may hold no token yet only
    /// if one is saved before the first use.
    pub fn from_store(
        client: Arc<Client>,
        store: Store,
        name: &str,
        skew: Duration,
        on_change: Option<OnChange>,
    ) -> Result<TokenSource> {
        let token = store.saved_token(name)?;
        let refresh_token = token.as_ref().and_then(|t| t.refresh_secret().cloned());
        let profile = Some((store, name.to_owned()));
        Ok(TokenSource::with_state(client, profile, token, refresh_token, skew, on_change))
    }

    /// A token whose access token is fresh, refreshing first if needed.
    pub fn token(&self) -> Result<Token> {
        self.with_fresh_token(Token::clone)
    }

    /// Runs `f` on a fresh access token, refreshing first if needed, without cloning the token
    /// (the C layer's `tokenkit_source_access_token_copy` copies just its bytes).
    pub(crate) fn with_access_token<R>(&self, f: impl FnOnce(&str) -> R) -> Result<R> {
        self.with_fresh_token(|t| f(t.access_token()))
    }

    /// Runs `f` on a fresh token: the cached one, borrowed under the read lock, or the result of a
    /// refresh (shared with the threads that asked together).
    fn with_fresh_token<R>(&self, f: impl FnOnce(&Token) -> R) -> Result<R> {
        self.refuse_reentry()?;
        let seen = {
            let state = self.read();
            match &state.token {
                Some(t) if t.is_fresh(self.skew) => return Ok(f(t)),
                _ => state.generation,
            }
        };
        Ok(f(&self.refresh_after(seen)?))
    }

    /// Refreshes now, whatever the expiry. Threads that ask together share one refresh.
    pub fn refresh(&self) -> Result<Token> {
        self.refuse_reentry()?;
        let seen = self.read().generation;
        self.refresh_after(seen)
    }

    /// The current token without any network call (None before the first refresh of a source made
    /// from a refresh token alone).
    pub fn current(&self) -> Option<Token> {
        self.read().token.clone()
    }

    /// The state to persist: the current token, or just the refresh token.
    pub fn to_saved_json(&self) -> Zeroizing<String> {
        let state = self.read();
        // The source's refresh token, not the token's: it may have been given on its own.
        let refresh_token = state.refresh_token.as_ref().map(Secret::expose);
        let token = state.token.as_ref();
        SavedToken {
            access_token: token.map(Token::access_token),
            token_type: token.map(Token::token_type),
            expires_at: token.and_then(Token::expires_at),
            refresh_token,
            scope: token.and_then(Token::scope),
            id_token: token.and_then(Token::id_token),
        }
        .to_json()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Refreshes unless another refresh finished since generation `seen`, whose result is shared.
    fn refresh_after(&self, seen: u64) -> Result<Token> {
        let _one_at_a_time = self.refresh_lock.lock().unwrap_or_else(|p| p.into_inner());
        let (refresh_token, stale) = {
            let state = self.read();
            if state.generation != seen {
                return match (&state.last_error, &state.token) {
                    (Some(e), _) => Err(e.clone()),
                    (None, Some(t)) => Ok(t.clone()),
                    (None, None) => Err(Error::invalid_argument("no token is available")),
                };
            }
            // Only the store compares the token it finds with the one this source holds.
            let stale =
                self.profile.as_ref().and(state.token.as_ref()).map(|t| Zeroizing::new(t.access_token().to_owned()));
            (state.refresh_token.clone(), stale)
        };
        let result = match (&self.profile, refresh_token) {
            // The store reads the profile again under its lock and refreshes with the refresh
            // token saved there, which another process may have rotated.
            (Some((store, name)), _) => store.refresh(
                name,
                &self.client,
                self.skew,
                stale.as_deref().map(String::as_str),
                &RequestOptions::default(),
            ),
            (None, Some(refresh_token)) => self
                .client
                .refresh(refresh_token.expose(), &RequestOptions::default())
                .map(|t| t.keep_refresh_token(Some(&refresh_token))),
            (None, None) => Err(Error::invalid_argument(
                "the access token has expired and there is no refresh token; sign in again",
            )),
        };
        {
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            state.generation += 1;
            match &result {
                Ok(token) => {
                    state.refresh_token = token.refresh_secret().cloned();
                    state.token = Some(token.clone());
                    state.last_error = None;
                }
                Err(e) => state.last_error = Some(e.clone()),
            }
        }
        if let (Ok(token), Some(on_change)) = (&result, &self.on_change) {
            let _marked = CallbackMark::enter(self);
            on_change(token);
        }
        result
    }

    /// The refresh lock is held while on_change runs, so a token request from inside it would
    /// wait for itself.
    fn refuse_reentry(&self) -> Result<()> {
        if IN_CALLBACK_OF.with(|c| c.get()) == self as *const TokenSource as usize {
            return Err(Error::invalid_argument(
                "a token source was asked for a token from its own on_change callback",
            ));
        }
        Ok(())
    }
}
