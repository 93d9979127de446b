//! tokenkit: an OAuth 2.0 token client with a C ABI.
//!
//! The safe core (`config`, `client`, `grants`, `token`, `error`, `transport`, and one module per
//! capability: `authorize`, `loopback`, `device`, `source`, `revocation`, `introspection`,
//! `discovery`, `retry`, `presets`) knows nothing of C;
//! `ffi` is the thin `extern "C"` layer that checks, converts and delegates.

pub mod authorize;
pub mod cancel;
pub mod client;
pub mod config;
pub mod device;
pub mod discovery;
pub mod error;
pub mod ffi;
pub mod grants;
pub mod introspection;
pub mod loopback;
pub mod pkce;
pub mod presets;
pub mod retry;
pub mod revocation;
pub mod secret;
pub mod source;
pub mod token;
pub mod transport;

pub use client::Client;
pub use config::{AuthMethod, ClientConfig};
pub use error::{Error, ErrorKind, OAuthError, Result};
pub use grants::Grant;
pub use secret::Secret;
pub use token::Token;
pub use cancel::Cancel;
pub use retry::RetryPolicy;
pub use source::TokenSource;
