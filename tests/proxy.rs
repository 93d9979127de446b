//! The proxy decision is made per request: with a proxy in the environment, a request to a
//! loopback endpoint goes straight to it (a proxy would carry its plaintext secrets off the
//! machine), while a request to a remote endpoint of the same client goes through the proxy.
//! Its own test binary: it sets the process's proxy variables.

mod common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use tokenkit::{Client, ClientConfig, Endpoint};

#[test]
fn loopback_requests_never_go_through_the_proxy() {
    // A "proxy" on loopback that counts connections and answers none.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    {
        let seen = seen.clone();
        std::thread::spawn(move || {
            for stream in proxy.incoming() {
                seen.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
    }
    for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        std::env::set_var(name, &proxy_url);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let server = server();
    // The token endpoint is remote (and never reachable here); introspection is on loopback.
    let mut config =
        ClientConfig::new("https://token.example.invalid/token", "demo-client").unwrap().with_client_secret(SECRET);
    config.set_endpoint(Endpoint::Introspection, &format!("{}/introspect", server.url())).unwrap();
    config.set_timeout(Duration::from_secs(5)).unwrap();
    let client = Client::new(config).unwrap();

    let info = client.introspect("some-token", &options()).unwrap();
    assert!(!info.active);
    assert_eq!(seen.load(Ordering::SeqCst), 0, "a loopback request went through the proxy");
    assert_eq!(server.hits("/introspect"), 1);

    // The remote endpoint of the same client does use the proxy.
    assert!(client.client_credentials(&options()).is_err());
    assert!(seen.load(Ordering::SeqCst) >= 1, "the remote request bypassed the proxy from the environment");
}
