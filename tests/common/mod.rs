//! What every network test needs: a fixture server on loopback and clients for its registered
//! clients.

#![allow(dead_code)] // each test binary uses its own part

use std::sync::atomic::{AtomicU64, Ordering};

pub use mock_server::{Options, Server};
use tokenkit::{AuthMethod, Client, ClientConfig, Endpoint, RequestOptions};

pub const SECRET: &str = "demo-secret";
pub const BASIC_SECRET: &str = "basic secret:+&/é";

pub fn server() -> Server {
    Server::start(Options::default()).expect("the fixture starts")
}

/// A fresh authorization code the fixture accepts once.
pub fn code() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("code-rust-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A unique key for the fixture's flaky and held routes.
pub fn key(name: &str) -> String {
    format!("{name}-{}", code())
}

/// A config for the fixture's `demo-client` (client_secret_post) with `path` as token endpoint.
pub fn config(server: &Server, path: &str) -> ClientConfig {
    ClientConfig::new(&format!("{}{path}", server.url()), "demo-client").unwrap().with_client_secret(SECRET)
}

pub fn with_endpoints(mut config: ClientConfig, server: &Server) -> ClientConfig {
    for (which, path) in [
        (Endpoint::Authorization, "/authorize"),
        (Endpoint::DeviceAuthorization, "/device_authorization"),
        (Endpoint::Revocation, "/revoke"),
        (Endpoint::Introspection, "/introspect"),
    ] {
        config.set_endpoint(which, &format!("{}{path}", server.url())).unwrap();
    }
    config
}

pub fn client(server: &Server, path: &str) -> Client {
    Client::new(with_endpoints(config(server, path), server)).unwrap()
}

pub fn public_client(server: &Server) -> Client {
    let config = ClientConfig::new(&format!("{}/token", server.url()), "public-client").unwrap();
    Client::new(with_endpoints(config.with_auth_method(AuthMethod::None), server)).unwrap()
}

pub fn options() -> RequestOptions {
    RequestOptions::default()
}

pub fn with_param(name: &str, value: &str) -> RequestOptions {
    let mut options = RequestOptions::default();
    options.add_param(name, value).unwrap();
    options
}
