//! The cold-start peer: one https client-credentials token per process with plain ureq (default
//! config; the CA file as its only root of trust, as `curl --cacert` does), the access token's
//! length on stdout. Usage: oneshot-ureq TOKEN_URL CA_FILE

use ureq::tls::{RootCerts, TlsConfig};

#[allow(dead_code)]
#[path = "../plain.rs"]
mod plain;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, ca] = &args[..] else {
        eprintln!("usage: oneshot-ureq TOKEN_URL CA_FILE");
        std::process::exit(2)
    };
    let tls = TlsConfig::builder().root_certs(RootCerts::Specific(plain::roots(ca).into())).build();
    let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls).build().new_agent();
    println!("{}", plain::request(&agent, url));
}
