//! Name resolution for one client, without a lookup thread per request.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;
use url::Url;

/// How long a looked-up address list is reused.
const RESOLVE_TTL: Duration = Duration::from_secs(60);

/// Name resolution for one client. Literal addresses and `localhost` need no lookup (and
/// `localhost` never goes to DNS); other names are looked up once and reused for a minute, so a
/// request on a pooled connection costs no lookup and no lookup thread.
#[derive(Clone, Default)]
pub(crate) struct ClientResolver {
    cache: Arc<Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>>,
    lookup: Arc<DefaultResolver>,
}

impl std::fmt::Debug for ClientResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientResolver")
    }
}

impl ClientResolver {
    pub(crate) fn forget(&self, url: &Url) {
        if let Some(host) = url.host_str() {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|key, _| !key.starts_with(host));
        }
    }
}

impl Resolver for ClientResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> std::result::Result<ResolvedSocketAddrs, ureq::Error> {
        let port = uri
            .port_u16()
            .or_else(|| match uri.scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            })
            .ok_or(ureq::Error::HostNotFound)?;
        let host = uri.host().ok_or(ureq::Error::HostNotFound)?;
        let mut found = self.lookup.empty();
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            found.push(SocketAddr::new(ip, port));
            return Ok(found);
        }
        if host.eq_ignore_ascii_case("localhost") {
            found.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
            found.push(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port));
            return Ok(found);
        }
        let key = format!("{host}:{port}");
        if let Some((at, addrs)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            if at.elapsed() < RESOLVE_TTL {
                return Ok(addrs.clone());
            }
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}
