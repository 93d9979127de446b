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

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn resolve(resolver: &ClientResolver, uri: &str) -> std::result::Result<Vec<SocketAddr>, ureq::Error> {
        let timeout = NextTimeout {
            after: UreqDuration::Exact(Duration::from_millis(300)),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        let config = ureq::Agent::config_builder().build();
        resolver.resolve(&uri.parse::<Uri>().unwrap(), &config, timeout).map(|a| a.to_vec())
    }

    fn seed(resolver: &ClientResolver, key: &str, age: Duration, addr: &str) {
        let mut addrs = resolver.lookup.empty();
        addrs.push(addr.parse().unwrap());
        let at = Instant::now().checked_sub(age).unwrap();
        resolver.cache.lock().unwrap().insert(key.to_owned(), (at, addrs));
    }

    #[test]
    fn literals_and_localhost_need_no_lookup_and_get_the_scheme_s_port() {
        let r = ClientResolver::default();
        assert_eq!(resolve(&r, "http://127.0.0.1/t").unwrap(), ["127.0.0.1:80".parse().unwrap()]);
        assert_eq!(resolve(&r, "https://[::1]/t").unwrap(), ["[::1]:443".parse().unwrap()]);
        assert_eq!(
            resolve(&r, "http://localhost:8080/t").unwrap(),
            ["127.0.0.1:8080".parse().unwrap(), "[::1]:8080".parse().unwrap()]
        );
        assert!(r.cache.lock().unwrap().is_empty(), "literals are not cached");
    }

    #[test]
    fn names_are_cached_for_a_minute_and_forgotten_one_host_at_a_time() {
        let r = ClientResolver::default();
        seed(&r, "a.tokenkit.invalid:443", Duration::from_secs(5), "127.0.0.2:443");
        seed(&r, "b.tokenkit.invalid:443", Duration::from_secs(5), "127.0.0.3:443");
        seed(&r, "old.tokenkit.invalid:443", Duration::from_secs(61), "127.0.0.4:443");
        assert_eq!(resolve(&r, "https://a.tokenkit.invalid/t").unwrap(), ["127.0.0.2:443".parse().unwrap()]);
        // An entry older than a minute is looked up again (here: a name no DNS knows).
        assert_ne!(resolve(&r, "https://old.tokenkit.invalid/t").ok(), Some(vec!["127.0.0.4:443".parse().unwrap()]));
        r.forget(&Url::parse("https://a.tokenkit.invalid/t").unwrap());
        let cache = r.cache.lock().unwrap();
        assert!(!cache.contains_key("a.tokenkit.invalid:443"), "the failed host is forgotten");
        assert!(cache.contains_key("b.tokenkit.invalid:443"), "other hosts are kept");
    }
}
