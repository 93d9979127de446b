//! The baseline: a plain ureq loop, as a Rust program would write it by hand. ureq's default
//! config (no timeouts at all, so no lookup thread), with two settings a program needs here: the
//! benchmark's CA as the root of trust for https, and an idle pool of 16 connections per host
//! (tokenkit's default) so that 8 threads do not reconnect; ureq's default of 3 would make the
//! baseline slower and flatter tokenkit.

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::Agent;

/// The agent shared by every thread of a measurement.
pub fn agent(ca_file: Option<&str>) -> Agent {
    let mut config = Agent::config_builder().max_idle_connections_per_host(16);
    if let Some(path) = ca_file {
        config = config.tls_config(TlsConfig::builder().root_certs(RootCerts::Specific(roots(path).into())).build());
    }
    config.build().new_agent()
}

/// The certificates of a PEM file.
pub fn roots(path: &str) -> Vec<Certificate<'static>> {
    let pem = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(cert)) => Some(cert.to_owned()),
            _ => None,
        })
        .collect()
}

/// One client-credentials request: the same form tokenkit sends, POST, read the body, parse the
/// JSON, take the access token. Returns its length.
pub fn request(agent: &Agent, endpoint: &str) -> usize {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", "demo-client")
        .append_pair("client_secret", "demo-secret")
        .finish();
    let mut response = agent
        .post(endpoint)
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.as_bytes())
        .expect("plain ureq request");
    let bytes = response.body_mut().read_to_vec().expect("body");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    json["access_token"].as_str().expect("access_token").len()
}
