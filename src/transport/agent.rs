//! The ureq implementation of the transport seam: one keep-alive agent per client.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};
use ureq::Agent;

use super::interrupt::Interruptible;
use super::policy::is_loopback_url;
use super::resolve::ClientResolver;
use super::tcp::TcpConnector;
use super::wipe::Wiping;
use super::{map_io_error, map_ureq_error, HttpRequest, HttpResponse, Settings, Transport};
use crate::error::Result;

/// The operating system's trust store, read once per process and only when a client that speaks
/// https is made: a service that builds a client per tenant should not parse /etc/ssl a thousand
/// times, and a loopback-only program should not read it at all. Shared, not copied, by clients.
fn native_roots() -> Arc<Vec<Certificate<'static>>> {
    static ROOTS: OnceLock<Arc<Vec<Certificate<'static>>>> = OnceLock::new();
    ROOTS.get_or_init(|| Arc::new(load_native_roots())).clone()
}

/// Bundles the major distributions ship: one file holds every root.
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// One bundle file when there is one (`SSL_CERT_FILE`, else the system's): a single read instead
/// of opening every file of a certificate directory. Otherwise the platform's store as
/// rustls-native-certs finds it.
fn load_native_roots() -> Vec<Certificate<'static>> {
    let from_env = std::env::var_os("SSL_CERT_FILE").map(std::path::PathBuf::from);
    let bundle = from_env.into_iter().chain(BUNDLES.iter().map(std::path::PathBuf::from)).find(|p| p.is_file());
    if let Some(pem) = bundle.and_then(|path| std::fs::read(path).ok()) {
        let roots: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert.to_owned()),
                _ => None,
            })
            .collect();
        if !roots.is_empty() {
            return roots;
        }
    }
    rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect()
}

/// The roots a client trusts. CA files given to the client replace the system's store, as
/// `curl --cacert`, Go's `tls.Config.RootCAs` and Python's `verify=path` do: a private CA means
/// "this server, through this CA", and a one-shot process then never reads /etc/ssl at all.
/// Without them: the system's store, read only when the client speaks https.
fn root_certs(config: &Settings<'_>) -> RootCerts {
    if !config.extra_root_certs.is_empty() {
        let given = config.extra_root_certs.iter().map(|der| Certificate::from_der(der).to_owned()).collect();
        return RootCerts::Specific(Arc::new(given));
    }
    if !config.tls {
        return RootCerts::Specific(Arc::new(Vec::new()));
    }
    let native = native_roots();
    // Without any OS store (a bare container) fall back to the bundled Mozilla roots.
    if native.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::Specific(native)
    }
}

/// A connection's input buffer, which also caps the response headers.
const BUFFER_BYTES: usize = 32 * 1024;

/// The ureq implementation of the seam.
pub(crate) struct UreqTransport {
    agent: Agent,
    /// The proxy from the environment, used only for requests that leave this machine.
    env_proxy: Option<ureq::Proxy>,
    max_response_bytes: u64,
    resolver: ClientResolver,
}

impl UreqTransport {
    pub(crate) fn new(config: &Settings<'_>) -> UreqTransport {
        let tls = TlsConfig::builder().root_certs(root_certs(config)).build();
        let agent_config = Agent::config_builder()
            .proxy(None)
            .tls_config(tls)
            // Credentials must never reach another URL: a 3xx comes back to us as an HTTP error.
            .max_redirects(0)
            // 4xx bodies carry the OAuth error; the response reader judges the status.
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .max_idle_connections_per_host(config.max_idle_per_host)
            .max_idle_connections(config.max_idle_per_host.max(10) * 4)
            // ureq's 128 KiB buffers per connection are zeroed when made and wiped (Wiping) when
            // dropped: a quarter of a one-shot process's instructions. A token exchange needs
            // far less: response headers up to 32 KiB (the cap below), small request bodies.
            .input_buffer_size(BUFFER_BYTES)
            .output_buffer_size(BUFFER_BYTES / 2)
            .max_response_header_size(BUFFER_BYTES)
            .user_agent(config.user_agent)
            .accept("application/json")
            .build();
        let resolver = ClientResolver::default();
        // ureq's default chain without SOCKS (not built in) and with a socket of our own (fewer
        // system calls per request), interruptible reads under TLS and buffers wiped on top of it.
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector)
                .chain(Interruptible)
                .chain(RustlsConnector::default())
                .chain(Wiping);
        let agent = Agent::with_parts(agent_config, connector, resolver.clone());
        UreqTransport {
            agent,
            env_proxy: ureq::Proxy::try_from_env(),
            max_response_bytes: config.max_response_bytes,
            resolver,
        }
    }

    fn run(&self, request: &HttpRequest<'_>) -> std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let target = request.target.unwrap_or(request.url.as_str());
        let mut builder = ureq::http::Request::builder().method(request.method.as_str()).uri(target);
        if let Some(value) = request.authorization {
            builder = builder.header("Authorization", value);
        }
        // A loopback request never goes through a proxy: it would carry plaintext secrets off
        // this machine. The decision is made per request, not per client.
        let proxy = if is_loopback_url(request.url) { None } else { self.env_proxy.clone() };
        match request.form_body {
            Some(body) => {
                let req = builder.header("Content-Type", "application/x-www-form-urlencoded").body(body)?;
                let req = self.agent.configure_request(req).proxy(proxy).timeout_global(Some(request.timeout)).build();
                self.agent.run(req)
            }
            None => {
                let req = builder.body(())?;
                let req = self.agent.configure_request(req).proxy(proxy).timeout_global(Some(request.timeout)).build();
                self.agent.run(req)
            }
        }
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: &HttpRequest<'_>) -> Result<HttpResponse> {
        let mut response = self.run(request).map_err(|e| {
            // A name that pointed at a dead address is looked up again next time.
            if matches!(e, ureq::Error::ConnectionFailed | ureq::Error::HostNotFound | ureq::Error::Io(_)) {
                self.resolver.forget(request.url);
            }
            map_ureq_error(e)
        })?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = header("content-type");
        let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
        let reader = response.body_mut().with_config().limit(self.max_response_bytes).reader();
        let body = read_capped(reader, length, self.max_response_bytes)
            .map_err(|e| map_io_error(e, self.max_response_bytes).with_http_status(status))?;
        Ok(HttpResponse { status, content_type, body, retry_after })
    }
}

/// Reads a body into one buffer that grows without leaving copies behind: a token response is
/// small, but each reallocation of a plain `Vec` would free a copy of the tokens unwiped. The
/// bytes go straight into the buffer (sized from Content-Length, plus one byte so the end is seen
/// without growing it), with no intermediate chunk to clear and wipe on every response.
fn read_capped(mut reader: impl std::io::Read, length: Option<u64>, cap: u64) -> std::io::Result<Vec<u8>> {
    let first = length.map_or(4096, |l| l.saturating_add(1)).min(cap.saturating_add(1)).min(1 << 20) as usize;
    let mut body = zeroize::Zeroizing::new(Vec::with_capacity(first.max(256)));
    loop {
        if body.len() == body.capacity() {
            let mut bigger = Vec::with_capacity(body.capacity() * 2);
            bigger.extend_from_slice(&body);
            let mut old = std::mem::replace(&mut *body, bigger);
            zeroize::Zeroize::zeroize(&mut old);
        }
        let filled = body.len();
        let capacity = body.capacity();
        body.resize(capacity, 0);
        let read = reader.read(&mut body[filled..]);
        body.truncate(filled + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(std::mem::take(&mut *body))
}
