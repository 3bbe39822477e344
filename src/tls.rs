//! rustls client configuration: system roots, a private CA file, client
//! certificates, and the explicitly dangerous no-verification mode.

use std::path::Path;
use std::sync::Arc;

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

/// Builds the rustls configuration for `opts`. Returns it and whether
/// verification is disabled.
pub fn client_config(opts: &TlsOptions) -> Result<(Arc<ClientConfig>, bool)> {
    let insecure = opts.dangerous_disable_verification || insecure_from_env();
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
    Ok((Arc::new(config), insecure))
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
