//! A file-backed store of named profiles, shared by every process of a user: what a client needs
//! (endpoints, client id, auth method; the client secret only when asked) and its token.
//!
//! Processes that share one profile share its refreshes: a refresh takes an advisory lock on the
//! profile (`flock`), reads the file again under it, and refreshes only if the token it finds is
//! still stale, so ten processes starting at once cause one refresh and all get its token. A
//! rotating refresh token (RFC 9700 §4.14.2) is therefore spent once and its successor saved
//! before the lock is let go. Files are written whole to a temporary file (mode 0600), flushed to
//! disk and renamed over the old one: a process killed mid-write leaves the old profile intact,
//! and a file that is not a profile is reported, never overwritten by a refresh.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::cancel::Cancel;
use crate::client::Client;
use crate::config::{AuthMethod, ClientConfig, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::options::RequestOptions;
use crate::response::Fields;
use crate::token::Token;

/// How long a cancellable wait for a profile's lock sleeps between tries.
const LOCK_NAP: Duration = Duration::from_millis(20);

/// The format version written in every profile.
const FORMAT: i64 = 1;

const ENDPOINTS: [Endpoint; 5] = [
    Endpoint::Token,
    Endpoint::Authorization,
    Endpoint::DeviceAuthorization,
    Endpoint::Revocation,
    Endpoint::Introspection,
];

/// A directory of profiles.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What `Store::profiles` tells of one profile: nothing secret.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileInfo {
    /// The profile's name.
    pub name: String,
    /// Its client id (empty when the file could not be read).
    pub client_id: String,
    /// Its token endpoint, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// Whether a token is saved.
    pub has_token: bool,
    /// Whether a refresh token is saved.
    pub has_refresh_token: bool,
    /// When the saved access token expires (Unix seconds), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Why the file could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The client part of a profile as written.
#[derive(Serialize)]
struct SavedClient<'a> {
    client_id: &'a str,
    auth_method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    preset: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    project_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    issuer_in_authorization_response: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_endpoint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization_endpoint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_authorization_endpoint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation_endpoint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    introspection_endpoint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
}

/// A profile as read: its client part kept as JSON text (rewritten as it was when only the token
/// changes) and its token.
struct Profile {
    client: Zeroizing<String>,
    token: Option<Token>,
}

/// An exclusive advisory lock on one profile, let go when dropped (or when the process dies).
struct Lock(#[allow(dead_code)] File);

impl Store {
    /// The store in `dir`, or in the default place (`default_dir`) when None. The directory is
    /// made (mode 0700) if it does not exist.
    pub fn open(dir: Option<&Path>) -> Result<Store> {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => Store::default_dir()?,
        };
        if dir.as_os_str().is_empty() {
            return Err(Error::invalid_argument("store directory is empty"));
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io_error(format!("cannot make the token store {}", dir.display()), &e))?;
        Ok(Store { dir })
    }

    /// `$TOKENKIT_STORE`, else `$XDG_CONFIG_HOME/tokenkit`, else `~/.config/tokenkit`.
    pub fn default_dir() -> Result<PathBuf> {
        let nonempty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(dir) = nonempty("TOKENKIT_STORE") {
            return Ok(dir);
        }
        if let Some(config) = nonempty("XDG_CONFIG_HOME") {
            return Ok(config.join("tokenkit"));
        }
        nonempty("HOME").map(|home| home.join(".config").join("tokenkit")).ok_or_else(|| {
            Error::invalid_argument("no place for the token store: set TOKENKIT_STORE, XDG_CONFIG_HOME or HOME")
        })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Saves a profile: the client settings of `config` (endpoints, client id, auth method, the
    /// preset and issuer it came from; its client secret only when `with_secret`) and `token`, if
    /// any. Replaces a profile of that name.
    pub fn save_profile(
        &self,
        name: &str,
        config: &ClientConfig,
        token: Option<&Token>,
        with_secret: bool,
    ) -> Result<()> {
        check_name(name)?;
        let endpoint = |which| config.endpoint(which).map(url::Url::as_str);
        let preset = config.preset();
        let client = SavedClient {
            client_id: config.client_id(),
            auth_method: config.auth_method().name(),
            preset: preset.map(|(p, _)| p),
            project_id: preset.and_then(|(_, id)| id),
            issuer: config.issuer(),
            issuer_in_authorization_response: config.issuer_in_authorization_response(),
            token_endpoint: endpoint(Endpoint::Token),
            authorization_endpoint: endpoint(Endpoint::Authorization),
            device_authorization_endpoint: endpoint(Endpoint::DeviceAuthorization),
            revocation_endpoint: endpoint(Endpoint::Revocation),
            introspection_endpoint: endpoint(Endpoint::Introspection),
            client_secret: if with_secret { config.client_secret_value() } else { None },
        };
        if config.client_id().is_empty() {
            return Err(Error::invalid_argument("client_id is empty"));
        }
        let client =
            Zeroizing::new(serde_json::to_string(&client).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?);
        let _lock = self.lock(name)?;
        self.write(name, &Profile { client, token: token.cloned() })
    }

    /// The client settings of a profile as a config, ready for `Client::new` (with the client
    /// secret when the profile holds one).
    pub fn config(&self, name: &str) -> Result<ClientConfig> {
        self.config_of(name, &self.read(name)?)
    }

    /// The client settings of a profile already read.
    fn config_of(&self, name: &str, profile: &Profile) -> Result<ClientConfig> {
        let mut client =
            Fields::from_json(&profile.client).ok_or_else(|| self.corrupt(name, "client is not an object"))?;
        let mut text = |field: &str| client.string(field).map_err(|e| self.corrupt(name, e.message()));
        let mut config = ClientConfig::default();
        if let Some(preset) = text("preset")? {
            config.apply_preset(&preset, text("project_id")?.as_deref())?;
        }
        for which in ENDPOINTS {
            if let Some(url) = text(which.name())? {
                config.set_endpoint(which, &url)?;
            }
        }
        config.set_client_id(&text("client_id")?.unwrap_or_default())?;
        config.set_auth_method(match text("auth_method")?.as_deref() {
            None | Some("client_secret_post") => AuthMethod::ClientSecretPost,
            Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
            Some("none") => AuthMethod::None,
            Some(other) => return Err(self.corrupt(name, &format!("unknown auth_method {other:?}"))),
        });
        if let Some(issuer) = text("issuer")? {
            let required = client.boolean("issuer_in_authorization_response").ok().flatten().unwrap_or(false);
            config.set_issuer(issuer, required);
        }
        if let Some(secret) = client.secret("client_secret").map_err(|e| self.corrupt(name, e.message()))? {
            config.set_client_secret(Some(secret.expose()));
        }
        Ok(config)
    }

    /// The token saved in a profile, as it is (fresh or not), without any request.
    pub fn saved_token(&self, name: &str) -> Result<Option<Token>> {
        Ok(self.read(name)?.token)
    }

    /// A fresh token of the profile: the saved one while it is fresh (`skew` before its expiry),
    /// else refreshed through `client` with the saved refresh token and saved, under the profile's
    /// lock so that processes asking together refresh once. When the server sends no new refresh
    /// token the old one is kept (RFC 6749 §6).
    ///
    /// `options` go with the refresh (a scope, extra parameters); their cancel flag also ends the
    /// wait for another process's refresh.
    pub fn token(&self, name: &str, client: &Client, skew: Duration, options: &RequestOptions) -> Result<Token> {
        if let Some(token) = self.read(name)?.token.filter(|t| t.is_fresh(skew)) {
            return Ok(token);
        }
        self.refresh(name, client, skew, None, options)
    }

    /// Refreshes a profile's token under its lock, unless another process did it first: a saved
    /// token that is fresh and is not `stale` (the access token the caller found wanting) is
    /// returned as it is. A token source backed by the store refreshes through here.
    pub(crate) fn refresh(
        &self,
        name: &str,
        client: &Client,
        skew: Duration,
        stale: Option<&str>,
        options: &RequestOptions,
    ) -> Result<Token> {
        let _lock = self.lock_or_cancel(name, options.cancel())?;
        // Read again under the lock: another process may have refreshed while this one waited.
        let profile = self.read(name)?;
        let old = match profile.token {
            Some(t) if t.is_fresh(skew) && stale != Some(t.access_token()) => return Ok(t),
            other => other,
        };
        let refresh_token = old.as_ref().and_then(Token::refresh_token).ok_or_else(|| {
            Error::invalid_argument(format!(
                "profile {name} has {}: sign in again",
                if old.is_some() { "an expired token and no refresh token" } else { "no token" }
            ))
        })?;
        let fresh = client
            .refresh(refresh_token, options)
            .map_err(|e| e.with_context(&format!("refreshing profile {name}")))?
            .keep_refresh_token(old.as_ref().and_then(Token::refresh_secret));
        self.write(name, &Profile { client: profile.client, token: Some(fresh.clone()) }).map_err(|e| {
            e.with_context(&format!(
                "profile {name}: the refreshed token could not be saved (the old refresh token may be spent)"
            ))
        })?;
        Ok(fresh)
    }

    /// Saves a token in an existing profile (after a sign-in), keeping its client settings.
    pub fn save_token(&self, name: &str, token: &Token) -> Result<()> {
        let _lock = self.lock(name)?;
        let profile = self.read(name)?;
        self.write(name, &Profile { client: profile.client, token: Some(token.clone()) })
    }

    /// Removes the token of a profile (keeping its client settings) and returns it, for revocation.
    pub fn remove_token(&self, name: &str) -> Result<Option<Token>> {
        let _lock = self.lock(name)?;
        let profile = self.read(name)?;
        if profile.token.is_some() {
            self.write(name, &Profile { client: profile.client, token: None })?;
        }
        Ok(profile.token)
    }

    /// Deletes a profile and its lock file. False when there was none.
    pub fn delete_profile(&self, name: &str) -> Result<bool> {
        check_name(name)?;
        let lock = self.lock(name)?;
        let existed = match fs::remove_file(self.path(name)) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_error(format!("cannot delete profile {name}"), &e)),
        };
        let _ = fs::remove_file(self.dir.join(format!("{name}.lock")));
        drop(lock);
        Ok(existed)
    }

    /// Every profile, by name, with nothing secret.
    pub fn profiles(&self) -> Result<Vec<ProfileInfo>> {
        let entries =
            fs::read_dir(&self.dir).map_err(|e| io_error(format!("cannot list {}", self.dir.display()), &e))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|f| f.strip_suffix(".json").map(str::to_owned))
            .filter(|n| check_name(n).is_ok())
            .collect();
        names.sort();
        Ok(names.into_iter().map(|name| self.info(name)).collect())
    }

    fn info(&self, name: String) -> ProfileInfo {
        let mut info = ProfileInfo {
            name,
            client_id: String::new(),
            token_endpoint: None,
            has_token: false,
            has_refresh_token: false,
            expires_at: None,
            problem: None,
        };
        // One read of the file for both its client settings and its token.
        let read = self.read(&info.name).and_then(|profile| {
            let config = self.config_of(&info.name, &profile)?;
            Ok((profile, config))
        });
        match read {
            Ok((profile, config)) => {
                info.client_id = config.client_id().to_owned();
                info.token_endpoint = config.endpoint(Endpoint::Token).map(|u| u.as_str().to_owned());
                info.has_token = profile.token.is_some();
                info.has_refresh_token = profile.token.as_ref().is_some_and(|t| t.refresh_token().is_some());
                info.expires_at = profile.token.as_ref().and_then(Token::expires_at);
            }
            Err(e) => info.problem = Some(e.message().to_owned()),
        }
        info
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    fn corrupt(&self, name: &str, what: &str) -> Error {
        Error::invalid_argument(format!(
            "profile {name}: {} is not a tokenkit profile ({what}); it is left as it is",
            self.path(name).display()
        ))
    }

    fn read(&self, name: &str) -> Result<Profile> {
        check_name(name)?;
        let path = self.path(name);
        let text = match fs::read(&path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::invalid_argument(format!("no profile {name} in {}", self.dir.display())))
            }
            Err(e) => return Err(io_error(format!("cannot read profile {name}"), &e)),
        };
        let text = std::str::from_utf8(&text).map_err(|_| self.corrupt(name, "not UTF-8"))?;
        let mut fields = Fields::from_json(text).ok_or_else(|| {
            // serde's message says where (line, column) and never quotes the content.
            let why = serde_json::from_str::<serde::de::IgnoredAny>(text).err().map(|e| e.to_string());
            self.corrupt(name, why.as_deref().unwrap_or("not a JSON object"))
        })?;
        let bad = |e: Error| self.corrupt(name, e.message());
        if fields.int("tokenkit_profile").map_err(bad)? != Some(FORMAT) {
            return Err(self.corrupt(name, "no tokenkit_profile 1"));
        }
        let client = fields.object("client").map_err(bad)?.ok_or_else(|| self.corrupt(name, "no client"))?;
        let token = match fields.object("token").map_err(bad)? {
            Some(token) => Some(Token::from_saved_json(&token.to_json()).map_err(bad)?),
            None => None,
        };
        Ok(Profile { client: client.to_json(), token })
    }

    /// Writes a whole profile atomically: a temporary file (0600) in the same directory, flushed,
    /// then renamed over the old one, and the directory flushed.
    fn write(&self, name: &str, profile: &Profile) -> Result<()> {
        let token = profile.token.as_ref().map(Token::to_saved_json);
        let token = token.as_ref().map_or("null", |t| t.as_str());
        let mut text = Zeroizing::new(String::with_capacity(profile.client.len() + token.len() + 64));
        text.push_str("{\"tokenkit_profile\":1,\"client\":");
        text.push_str(&profile.client);
        text.push_str(",\"token\":");
        text.push_str(token);
        text.push_str("}\n");
        let target = self.path(name);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let temporary = self.dir.join(format!(".{name}.json.{}.{nanos}.tmp", std::process::id()));
        let written = (|| {
            let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            drop(file);
            fs::rename(&temporary, &target)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(io_error(format!("cannot save profile {name}"), &e));
        }
        // The rename itself reaches the disk with the directory.
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// The profile's lock, waited for in short naps so that `cancel` can end the wait (another
    /// process may hold it for a whole refresh).
    fn lock_or_cancel(&self, name: &str, cancel: Option<&Cancel>) -> Result<Lock> {
        let Some(cancel) = cancel else { return self.lock(name) };
        let file = self.lock_file(name)?;
        loop {
            cancel.check()?;
            // SAFETY: flock on a descriptor this function owns; no memory is involved.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Lock(file));
            }
            let e = std::io::Error::last_os_error();
            match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => cancel.sleep(LOCK_NAP)?,
                _ => return Err(io_error(format!("cannot lock profile {name}"), &e)),
            }
        }
    }

    fn lock(&self, name: &str) -> Result<Lock> {
        let file = self.lock_file(name)?;
        loop {
            // SAFETY: flock on a descriptor this function owns; no memory is involved.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(Lock(file));
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(io_error(format!("cannot lock profile {name}"), &e));
            }
        }
    }

    fn lock_file(&self, name: &str) -> Result<File> {
        check_name(name)?;
        let path = self.dir.join(format!("{name}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_error(format!("cannot lock profile {name}"), &e))?;
        let _ = file.set_permissions(fs::Permissions::from_mode(0o600));
        Ok(file)
    }
}

/// A profile name: 1 to 64 letters, digits, `.`, `_` and `-`, not starting with `.` (it names a
/// file in the store and must not reach outside it).
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "profile name {name:?} is not 1 to 64 letters, digits, '.', '_' or '-' (not starting with '.')"
        )))
    }
}

fn io_error(what: String, e: &std::io::Error) -> Error {
    Error::new(ErrorKind::InvalidArgument, format!("{what}: {e}"))
}
