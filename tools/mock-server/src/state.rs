//! Everything the server remembers between requests: codes, tokens, device grants and the
//! counters behind GET /stats.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::{SecureRandom, SystemRandom};

use crate::endpoints::device::DeviceGrant;
use crate::endpoints::token::GRANT_TYPES;

/// What a one-time authorization code was bound to when it was minted (None: unbound).
#[derive(Default)]
pub(crate) struct CodeGrant {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub challenge: Option<String>,
    pub scope: Option<String>,
}

/// Pending and used codes under one lock so "check then consume" is atomic.
#[derive(Default)]
pub(crate) struct Codes {
    pub pending: HashMap<String, CodeGrant>,
    pub used: HashSet<String>,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum TokenKind {
    Access,
    Refresh,
}

/// Every access and refresh token issued, so that refresh, revocation and
/// introspection all see one truth.
pub(crate) struct TokenRecord {
    pub kind: TokenKind,
    pub client_id: &'static str,
    pub scope: String,
    pub issued: SystemTime,
    pub lifetime: Duration,
    pub revoked: bool,
}

impl TokenRecord {
    pub fn expiry(&self) -> SystemTime {
        self.issued + self.lifetime
    }

    pub fn active(&self) -> bool {
        !self.revoked && SystemTime::now() < self.expiry()
    }
}

/// Refresh tokens need some `exp` for introspection; long enough never to
/// matter within a test run.
pub(crate) const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Distinct paths counted one by one in /stats; a client inventing paths without end lands
/// in OTHER_PATHS instead of growing the map.
const MAX_COUNTED_PATHS: usize = 1000;
const OTHER_PATHS: &str = "<other>";

/// Counters behind GET /stats; device poll spacing lives with the device grants.
#[derive(Default)]
pub(crate) struct Stats {
    pub token_requests: u64,
    /// Indexed like GRANT_TYPES.
    pub by_grant: [u64; GRANT_TYPES.len()],
    pub revocations: u64,
    pub introspections: u64,
    /// Requests per /flaky key (both flavours share a key's counter).
    pub flaky: BTreeMap<String, u64>,
    /// Requests per /held key; waiters watch it through `State::held_cv`.
    pub held: BTreeMap<String, u64>,
    /// Every request read, and how many per path (without query).
    pub requests: u64,
    pub paths: BTreeMap<String, u64>,
}

pub(crate) struct State {
    pub verbose: bool,
    serial: AtomicU64,
    rng: SystemRandom,
    pub codes: Mutex<Codes>,
    pub tokens: Mutex<HashMap<String, TokenRecord>>,
    pub devices: Mutex<HashMap<String, DeviceGrant>>,
    pub stats: Mutex<Stats>,
    /// Signalled whenever a /held counter grows or the server shuts down.
    pub held_cv: Condvar,
    /// Set once the owning `Server` is dropped: long-running faults give up early.
    pub shutdown: AtomicBool,
}

impl State {
    pub fn new(codes: impl IntoIterator<Item = String>, verbose: bool) -> State {
        let codes = Codes {
            pending: codes
                .into_iter()
                .map(|c| (c, CodeGrant::default()))
                .collect(),
            used: HashSet::new(),
        };
        State {
            verbose,
            serial: AtomicU64::new(1),
            rng: SystemRandom::new(),
            codes: Mutex::new(codes),
            tokens: Mutex::new(HashMap::new()),
            devices: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            held_cv: Condvar::new(),
            shutdown: AtomicBool::new(false),
        }
    }

    pub fn next_serial(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::Relaxed)
    }

    /// From the OS CSPRNG, through ring (the same generator rustls uses).
    pub fn random_bytes(&self) -> [u8; 8] {
        let mut bytes = [0u8; 8];
        self.rng
            .fill(&mut bytes)
            .expect("the operating system's random number generator failed");
        bytes
    }

    /// 16 hex digits.
    pub fn random_hex(&self) -> String {
        self.random_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }

    pub fn count_request(&self, path: &str) {
        let mut stats = lock(&self.stats);
        stats.requests += 1;
        let key = if stats.paths.len() < MAX_COUNTED_PATHS || stats.paths.contains_key(path) {
            path
        } else {
            OTHER_PATHS
        };
        *stats.paths.entry(key.to_string()).or_default() += 1;
    }

    /// One stderr line when verbose; callers never pass bodies or headers (they carry secrets).
    pub fn log(&self, args: std::fmt::Arguments) {
        if self.verbose {
            let _ = writeln!(std::io::stderr(), "mock_server: {args}");
        }
    }
}

pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A panic in one connection thread must not take the whole server down with a
/// poisoned lock, so poisoning is ignored (the data stays consistent anyway).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
