//! HTTPS: a throwaway CA and a loopback server certificate made at start-up (rcgen), served
//! with rustls. Nothing is read from or left on disk unless the caller writes the CA out.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpStream};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use time::{Duration, OffsetDateTime};

use crate::http::Transport;

/// The server side of HTTPS, plus the CA certificate clients must trust.
pub(crate) struct Identity {
    pub ca_pem: String,
    pub config: Arc<ServerConfig>,
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("TLS set-up: {e}"))
}

/// Valid from a day ago (clock skew) for two days, like the openssl certificates this replaces.
fn validity(params: &mut CertificateParams) -> io::Result<()> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(tls_error)?
        .as_secs();
    let now = OffsetDateTime::from_unix_timestamp(now as i64).map_err(tls_error)?;
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(2);
    Ok(())
}

/// A CA (ECDSA P-256) and a certificate for 127.0.0.1, ::1 and localhost signed by it.
pub(crate) fn generate() -> io::Result<Identity> {
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "tokenkit mock server test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut ca)?;
    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(tls_error)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf = CertificateParams::default();
    leaf.distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    leaf.subject_alt_names = vec![
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        SanType::DnsName("localhost".try_into().map_err(tls_error)?),
    ];
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    validity(&mut leaf)?;
    let leaf_key = KeyPair::generate().map_err(tls_error)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(tls_error)?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_error)?;
    Ok(Identity {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}

/// A TLS connection over an accepted socket; the handshake runs on first read.
pub(crate) type TlsStream = StreamOwned<ServerConnection, TcpStream>;

pub(crate) fn accept(config: &Arc<ServerConfig>, tcp: TcpStream) -> io::Result<TlsStream> {
    let conn = ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
    Ok(StreamOwned::new(conn, tcp))
}

impl Transport for TlsStream {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    fn close_notify(&mut self) {
        self.conn.send_close_notify();
        let _ = io::Write::flush(self);
    }
}
