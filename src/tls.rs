//! rustls client configuration: system roots, a private CA file, client
//! certificates, and the explicitly dangerous no-verification mode.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::SystemTime;

use once_cell::sync::Lazy;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::TlsOptions;
use crate::error::{Error, ErrorKind, Result};

/// The environment variable that turns verification off for zero-code
/// migrations from the original class (which accepted any certificate).
pub const INSECURE_ENV: &str = "MYWSCLIENT_TLS_INSECURE";

fn provider() -> Arc<CryptoProvider> {
    static P: Lazy<Arc<CryptoProvider>> = Lazy::new(|| Arc::new(crypto::ring::default_provider()));
    P.clone()
}

/// The system's roots, loaded once per process.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: Lazy<Vec<CertificateDer<'static>>> =
        Lazy::new(|| rustls_native_certs::load_native_certs().certs);
    &ROOTS
}

/// True when `MYWSCLIENT_TLS_INSECURE` is set to a true value.
pub fn insecure_from_env() -> bool {
    matches!(
        std::env::var(INSECURE_ENV).as_deref().map(str::trim),
        Ok("1" | "true" | "TRUE" | "yes" | "on")
    )
}

fn config_err(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Config, format!("{what} {}: {e}", path.display()))
}

/// Reads every certificate of a PEM file.
pub fn load_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| config_err(what, path, e))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| config_err(what, path, e))?;
    if certs.is_empty() {
        return Err(config_err(what, path, "no PEM certificate found"));
    }
    Ok(certs)
}

/// Reads a PEM private key.
fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| config_err("client key", path, e))
}

/// Reads the files `opts` names (CA file; client certificate and key) and
/// checks that they hold what they should, as [`client_config`] will at each
/// start: an [`ErrorKind::Config`] error names the first unusable file.
/// Checks no certificate against a key or a server; a certificate without
/// its key (or the reverse) is left to [`Config::validate`](crate::Config::validate).
///
/// The C setters (`mywsclient_set_ca_file()`, `mywsclient_set_client_cert()`)
/// call it so that C callers learn of a bad file when they name it.
pub fn check_files(opts: &TlsOptions) -> Result<()> {
    if let Some(ca) = &opts.ca_file {
        load_certs(ca, "CA file")?;
    }
    if let (Some(cert), Some(key)) = (&opts.client_cert_file, &opts.client_key_file) {
        load_certs(cert, "client certificate")?;
        load_key(key)?;
    }
    Ok(())
}

/// A file named by the options, with its size and modification time.
type FileStamp = (PathBuf, Option<(u64, SystemTime)>);

/// The configurations built so far, by what they were built from.
type ConfigCache = Mutex<Vec<(ConfigKey, Weak<ClientConfig>)>>;

/// What a configuration was built from: the options, the insecure switch,
/// and each named file's size and modification time (a file rewritten in
/// place gives a new configuration to clients started afterwards).
#[derive(PartialEq, Eq)]
struct ConfigKey {
    files: [Option<FileStamp>; 3],
    no_system_roots: bool,
    insecure: bool,
}

impl ConfigKey {
    fn new(opts: &TlsOptions, insecure: bool) -> ConfigKey {
        let file = |p: &Option<PathBuf>| {
            p.as_ref().map(|p| {
                let meta = std::fs::metadata(p).ok();
                let stamp = meta.and_then(|m| Some((m.len(), m.modified().ok()?)));
                (p.clone(), stamp)
            })
        };
        ConfigKey {
            files: [
                file(&opts.ca_file),
                file(&opts.client_cert_file),
                file(&opts.client_key_file),
            ],
            no_system_roots: opts.no_system_roots,
            insecure,
        }
    }
}

/// The rustls configuration for `opts`, shared by every client whose TLS
/// options (and files) are the same while one of them still holds it: one
/// root store and one session cache for all of them instead of one each, so
/// a client resumes a TLS session that another (or its own earlier
/// connection) got from the same server. Returns it and whether verification
/// is disabled.
pub fn client_config(opts: &TlsOptions) -> Result<(Arc<ClientConfig>, bool)> {
    static CONFIGS: Lazy<ConfigCache> = Lazy::new(|| Mutex::new(Vec::new()));
    let insecure = opts.dangerous_disable_verification || insecure_from_env();
    let key = ConfigKey::new(opts, insecure);
    let mut configs = CONFIGS.lock().unwrap_or_else(|e| e.into_inner());
    configs.retain(|(_, w)| w.strong_count() > 0);
    if let Some(c) = configs
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, w)| w.upgrade())
    {
        return Ok((c, insecure));
    }
    let config = build_config(opts, insecure)?;
    configs.push((key, Arc::downgrade(&config)));
    Ok((config, insecure))
}

/// Builds a new rustls configuration for `opts`.
fn build_config(opts: &TlsOptions, insecure: bool) -> Result<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Tls, format!("TLS setup: {e}")))?;
    let builder = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
    } else {
        let mut roots = RootCertStore::empty();
        if !opts.no_system_roots {
            roots.add_parsable_certificates(system_roots().iter().cloned());
        }
        if let Some(ca) = &opts.ca_file {
            for cert in load_certs(ca, "CA file")? {
                roots.add(cert).map_err(|e| config_err("CA file", ca, e))?;
            }
        }
        builder.with_root_certificates(roots)
    };
    let config = match (&opts.client_cert_file, &opts.client_key_file) {
        (Some(cert), Some(key)) => {
            let chain = load_certs(cert, "client certificate")?;
            let key = load_key(key)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("client certificate and key do not match: {e}"),
                )
            })?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// Accepts any certificate, but still checks the handshake signatures so the
/// session keys belong to whoever holds the certificate's key.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Turns a rustls error into ours; certificate problems become `TlsVerify`
/// with a message that says how to trust the server, or knowingly not verify.
pub fn map_tls_error(host: &str, e: &rustls::Error) -> Error {
    match e {
        rustls::Error::InvalidCertificate(cert) => Error::new(
            ErrorKind::TlsVerify,
            format!(
                "TLS certificate verification failed for {host}: {}. To trust this server, give its CA \
                 certificate (PEM) with mywsclient_set_ca_file() / MyWSClient::setCaFile(); to skip verification \
                 knowingly (dangerous), call mywsclient_set_dangerous_disable_tls_verification() / \
                 MyWSClient::setDangerousDisableTlsVerification(true) or set the environment variable {INSECURE_ENV}=1",
                describe_cert_error(host, cert)
            ),
        ),
        other => Error::new(ErrorKind::Tls, format!("TLS error with {host}: {other}")),
    }
}

/// A certificate problem in plain words.
fn describe_cert_error(host: &str, e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match e {
        C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet".into()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            format!("the server's certificate is not valid for the name {host}")
        }
        C::UnknownIssuer => {
            "the server's certificate is signed by an unknown issuer (not in the trusted roots)"
                .into()
        }
        C::Revoked => "the server's certificate has been revoked".into(),
        C::BadSignature => "the server's certificate has a bad signature".into(),
        C::BadEncoding => "the server's certificate is malformed".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn clients_with_the_same_options_share_one_config() {
        let opts = TlsOptions {
            no_system_roots: true,
            ..TlsOptions::default()
        };
        let (a, _) = client_config(&opts).unwrap();
        let (b, _) = client_config(&opts).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let other = TlsOptions {
            no_system_roots: true,
            dangerous_disable_verification: true,
            ..TlsOptions::default()
        };
        let (c, insecure) = client_config(&other).unwrap();
        assert!(insecure);
        assert!(!Arc::ptr_eq(&a, &c));
        // Once no client holds it, the next start builds a new one.
        let weak = Arc::downgrade(&a);
        drop((a, b));
        assert!(weak.upgrade().is_none());
        let (d, _) = client_config(&opts).unwrap();
        assert!(Arc::ptr_eq(&d, &client_config(&opts).unwrap().0));
    }

    #[test]
    fn check_files_names_the_unusable_file() {
        assert!(check_files(&TlsOptions::default()).is_ok());
        let missing = TlsOptions {
            ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..TlsOptions::default()
        };
        let e = check_files(&missing).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        assert!(
            e.message.starts_with("CA file /nonexistent/ca.pem"),
            "{}",
            e.message
        );
        let not_pem = TlsOptions {
            client_cert_file: Some(PathBuf::from("Cargo.toml")),
            client_key_file: Some(PathBuf::from("Cargo.toml")),
            ..TlsOptions::default()
        };
        let e = check_files(&not_pem).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        assert!(
            e.message.starts_with("client certificate Cargo.toml"),
            "{}",
            e.message
        );
    }
}
