//! tokenkit: an OAuth 2.0 token client with a C ABI.
//!
//! The safe core (`config`, `client`, `grants`, `token`, `error`, `transport`) knows nothing of C;
//! `ffi` is the thin `extern "C"` layer that checks, converts and delegates.

pub mod client;
pub mod config;
pub mod error;
pub mod ffi;
pub mod grants;
pub mod secret;
pub mod token;
pub mod transport;

pub use client::Client;
pub use config::{AuthMethod, ClientConfig};
pub use error::{Error, ErrorKind, OAuthError, Result};
pub use grants::Grant;
pub use secret::Secret;
pub use token::Token;
