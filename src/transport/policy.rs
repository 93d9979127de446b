//! Where plain http is allowed: only where the connection can only reach this machine.

use url::{Host, Url};

use crate::error::{Error, ErrorKind, Result};

/// Parses an endpoint URL and applies the policy: https, or plain http to a loopback address.
/// `what` names the argument in error messages.
pub(crate) fn check_endpoint(raw: &str, what: &str) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| Error::invalid_argument(format!("{what} is not a valid URL: {e}")))?;
    // RFC 6749 §3.2: the endpoint URI must not include a fragment.
    if url.fragment().is_some() {
        return Err(Error::invalid_argument(format!("{what} must not contain a fragment")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_argument(format!("{what} must not contain credentials")));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_url(&url) => Ok(url),
        "http" => Err(Error::new(
            ErrorKind::Insecure,
            format!("{what} uses plain http:// to a host that is not a loopback address; use https://"),
        )),
        other => Err(Error::invalid_argument(format!("{what} has unsupported scheme {other:?}"))),
    }
}

/// Whether a connection to this URL can only reach this machine: 127.0.0.0/8, ::1, or the exact
/// name `localhost`, which tokenkit resolves itself without DNS (see `ClientResolver`). A look-alike
/// (`localhost.`, `localhost.example`, `mylocalhost`) goes to DNS and is not loopback.
pub(crate) fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
