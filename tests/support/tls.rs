//! TLS: a test CA written to a temporary directory, and wss echo servers
//! with certificates signed by it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use mywsclient::Config;

use super::{echo_server_with, pki, test_config, EchoConfig, EchoServer, TempDir};

/// A CA written to a temp dir, and TLS echo servers signed by it.
pub struct Tls {
    pub pki: pki::Pki,
    pub dir: TempDir,
    pub ca_file: PathBuf,
}

impl Tls {
    pub fn new() -> Tls {
        // Distinct names: two test CAs must not look like the same issuer.
        static N: AtomicUsize = AtomicUsize::new(0);
        let pki = pki::Pki::new(&format!(
            "mywsclient test CA {}",
            N.fetch_add(1, Ordering::SeqCst)
        ))
        .unwrap();
        let dir = TempDir::new("tls");
        let ca_file = dir.write("ca.pem", &pki.ca_pem);
        Tls { pki, dir, ca_file }
    }

    /// A wss echo server presenting `leaf`; with `client_ca`, mTLS.
    pub fn server(&self, leaf: &pki::Leaf, client_ca: Option<&str>) -> EchoServer {
        let cfg = pki::server_config(leaf, client_ca).unwrap();
        echo_server_with(EchoConfig {
            tls: Some(cfg),
            ..EchoConfig::default()
        })
    }

    /// A wss echo server with a valid certificate for the local names.
    pub fn valid_server(&self) -> EchoServer {
        self.server(&self.pki.server(pki::LOCAL_NAMES).unwrap(), None)
    }

    /// Options that trust only this CA.
    pub fn config(&self) -> Config {
        let mut c = test_config();
        c.tls.ca_file = Some(self.ca_file.clone());
        c.tls.no_system_roots = true;
        c
    }
}

impl Default for Tls {
    fn default() -> Self {
        Tls::new()
    }
}
