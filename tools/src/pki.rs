//! A throw-away PKI for TLS tests and the echo server: a CA, server
//! certificates (valid, expired, for any names) and client certificates, made
//! with rcgen; and rustls server configurations built from them.
//! Self-contained (also compiled into the integration tests via `#[path]`).

use std::io;
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// A certificate and its private key.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl Leaf {
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }

    /// Writes `<dir>/<stem>.pem` and `<dir>/<stem>.key`; returns both paths.
    pub fn write(
        &self,
        dir: &Path,
        stem: &str,
    ) -> io::Result<(std::path::PathBuf, std::path::PathBuf)> {
        let cert = dir.join(format!("{stem}.pem"));
        let key = dir.join(format!("{stem}.key"));
        std::fs::write(&cert, &self.cert_pem)?;
        std::fs::write(&key, &self.key_pem)?;
        Ok((cert, key))
    }
}

/// A certificate authority.
pub struct Pki {
    pub ca_pem: String,
    pub ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn rc(e: rcgen::Error) -> io::Error {
    io::Error::other(format!("rcgen: {e}"))
}

impl Pki {
    /// A new CA whose common name is `name`.
    pub fn new(name: &str) -> io::Result<Pki> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(rc)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().map_err(rc)?;
        let cert = params.self_signed(&key).map_err(rc)?;
        Ok(Pki {
            ca_pem: cert.pem(),
            ca_der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        })
    }

    fn leaf(&self, names: &[&str], server: bool, expired: bool) -> io::Result<Leaf> {
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map_err(rc)?;
        params
            .distinguished_name
            .push(DnType::CommonName, names.first().copied().unwrap_or("leaf"));
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![if server {
            ExtendedKeyUsagePurpose::ServerAuth
        } else {
            ExtendedKeyUsagePurpose::ClientAuth
        }];
        if expired {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().map_err(rc)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(rc)?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        })
    }

    /// A server certificate for `names` (DNS names or IP literals).
    pub fn server(&self, names: &[&str]) -> io::Result<Leaf> {
        self.leaf(names, true, false)
    }

    /// A server certificate for `names` that expired in 2001.
    pub fn server_expired(&self, names: &[&str]) -> io::Result<Leaf> {
        self.leaf(names, true, true)
    }

    /// A client certificate (for mutual TLS) with common name `name`.
    pub fn client(&self, name: &str) -> io::Result<Leaf> {
        self.leaf(&[name], false, false)
    }
}

/// The names a local test server answers to.
pub const LOCAL_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1"];

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_err(e: rustls::Error) -> io::Error {
    io::Error::other(format!("rustls: {e}"))
}

/// A rustls server configuration presenting `leaf`. With `client_ca_pem`,
/// clients must present a certificate issued by that CA (mutual TLS).
pub fn server_config(leaf: &Leaf, client_ca_pem: Option<&str>) -> io::Result<Arc<ServerConfig>> {
    server_config_from(vec![leaf.cert_der.clone()], leaf.key_der(), client_ca_pem)
}

fn server_config_from(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_ca_pem: Option<&str>,
) -> io::Result<Arc<ServerConfig>> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?;
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let c = c.map_err(|e| io::Error::other(format!("client CA PEM: {e}")))?;
                roots.add(c).map_err(tls_err)?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| io::Error::other(format!("client verifier: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let cfg = builder.with_single_cert(chain, key).map_err(tls_err)?;
    Ok(Arc::new(cfg))
}

/// A server configuration from PEM files (`--tls-cert` / `--tls-key`).
pub fn server_config_from_files(cert: &Path, key: &Path) -> io::Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| io::Error::other(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(io::Error::other(format!(
            "{}: no certificate",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| io::Error::other(format!("{}: {e}", key.display())))?;
    server_config_from(chain, key, None)
}

/// `--tls-self-signed DIR`: a new CA and a server certificate for
/// localhost/127.0.0.1/::1, written as DIR/ca.pem, DIR/server.pem and
/// DIR/server.key; returns the server configuration.
pub fn self_signed_dir(dir: &Path) -> io::Result<Arc<ServerConfig>> {
    std::fs::create_dir_all(dir)?;
    let pki = Pki::new("mywsclient test CA")?;
    let leaf = pki.server(LOCAL_NAMES)?;
    std::fs::write(dir.join("ca.pem"), &pki.ca_pem)?;
    leaf.write(dir, "server")?;
    server_config(&leaf, None)
}
