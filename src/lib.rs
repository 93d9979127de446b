//! tokenkit: an OAuth 2.0 token client with a C ABI.
//!
//! The safe core knows nothing of C: `config` (settings and their rules), `client` (the one send
//! path), `response` (the one reader of answers), `transport` (the HTTP seam), `token`, `error`,
//! and one module per capability (`grants`, `authorize`, `loopback`, `device`, `source`,
//! `revocation`, `introspection`, `discovery`, `retry`, `presets`). `ffi` is the thin
//! `extern "C"` layer that checks pointers, converts and forwards.
//!
//! ```no_run
//! use tokenkit::{Client, ClientConfig, RequestOptions};
//! let config = ClientConfig::new("https://oauth2.example.com/token", "my-client")?
//!     .with_client_secret("s3cret");
//! let mut options = RequestOptions::default();
//! options.set_scope("read");
//! let token = Client::new(config)?.client_credentials(&options)?;
//! println!("{}", token.access_token());
//! # Ok::<(), tokenkit::Error>(())
//! ```

#![deny(missing_docs)]

mod authorize;
mod cancel;
mod client;
mod config;
mod device;
mod discovery;
mod error;
mod ffi;
mod grants;
mod introspection;
mod log;
mod loopback;
mod options;
mod pkce;
mod presets;
mod response;
mod retry;
mod revocation;
mod secret;
mod source;
mod store;
mod token;
mod transport;

pub use authorize::AuthorizationRequest;
pub use cancel::Cancel;
pub use client::Client;
pub use config::{AuthMethod, ClientConfig, Endpoint, RevocationStyle};
pub use device::DeviceAuthorization;
pub use discovery::ProviderMetadata;
pub use error::{Error, ErrorKind, OAuthError, Result};
pub use grants::Grant;
pub use introspection::Introspection;
pub use log::{LogFn, LOG_HEADERS, LOG_REQUESTS};
pub use loopback::CALLBACK_PATH;
pub use options::{DeviceOptions, OnPoll, RequestOptions, SignInOptions, DEFAULT_SIGN_IN_TIMEOUT};
pub use presets::preset_names;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use source::{OnChange, TokenSource, DEFAULT_SKEW};
pub use store::{ProfileInfo, Store};
pub use token::Token;

#[cfg(test)]
mod tests;

#[cfg(fuzzing)]
pub mod fuzzing;
