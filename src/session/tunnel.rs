//! The proxy step between the TCP connect and the TLS/WebSocket handshake:
//! which proxy this run uses (chosen once at `begin`), TLS to an HTTPS
//! proxy, and the tunnel handshake ([`crate::proxy::Tunnel`], sans-IO)
//! driven over the non-blocking socket.

use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use super::{Phase, Session};
use crate::error::{Error, ErrorKind};
use crate::proxy::env::{self, Chosen, ProxySetting};
use crate::proxy::{Progress, ProxyScheme, TargetHost, Tunnel, TunnelTarget};
use crate::tls;
use crate::tls_stream::TlsStream;

/// The proxy a run uses, and the TLS configuration for an HTTPS proxy.
pub(crate) struct Route {
    pub chosen: Chosen,
    pub tls: Option<Arc<ClientConfig>>,
}

/// The connection to the proxy: TCP, or TLS over TCP for an HTTPS proxy.
pub(crate) enum Link {
    Tcp(TcpStream),
    Tls(Box<TlsStream>),
}

impl Link {
    pub(crate) fn fd(&self) -> RawFd {
        match self {
            Link::Tcp(s) => s.as_raw_fd(),
            Link::Tls(t) => t.fd(),
        }
    }

    /// TLS records wait for the socket.
    pub(crate) fn wants_write(&self) -> bool {
        match self {
            Link::Tcp(_) => false,
            Link::Tls(t) => t.wants_write(),
        }
    }

    fn write_some(&mut self, data: &[u8]) -> io::Result<usize> {
        let r = match self {
            Link::Tcp(s) => s.write(data),
            Link::Tls(t) => t.write(data),
        };
        match r {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            other => other,
        }
    }

    fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let _ = crate::sys::quickack(self.fd());
        match self {
            Link::Tcp(s) => s.read(buf),
            Link::Tls(t) => t.read(buf),
        }
    }

    fn tls_error(&self) -> Option<&rustls::Error> {
        match self {
            Link::Tcp(_) => None,
            Link::Tls(t) => t.error.as_ref(),
        }
    }
}

impl Session {
    /// Chooses this run's proxy: the client's setting or the environment
    /// (curl's rules), minus the no-proxy list. An invalid proxy URL from
    /// the environment ends the run with a `Proxy` error.
    pub(super) fn choose_proxy(&mut self) -> Result<(), Error> {
        let ep = self.req.endpoint();
        let setting = ProxySetting::from_option(self.cfg.proxy.as_deref());
        let chosen = env::choose(
            &ep.host,
            ep.secure,
            &setting,
            self.cfg.no_proxy.as_deref(),
            &env::getenv,
        )
        .map_err(|m| Error::new(ErrorKind::Proxy, m))?;
        self.proxy = match chosen {
            None => None,
            Some(chosen) => {
                let tls = if chosen.proxy.scheme == ProxyScheme::Https {
                    Some(tls::client_config(&self.cfg.tls)?.0)
                } else {
                    None
                };
                Some(Route { chosen, tls })
            }
        };
        Ok(())
    }

    /// A `Proxy` error about the proxy of this run.
    pub(super) fn proxy_error(&self, step: &str, why: impl std::fmt::Display) -> Error {
        let p = match &self.proxy {
            Some(r) => r.chosen.proxy.to_string(),
            None => "(none)".into(),
        };
        Error::new(ErrorKind::Proxy, format!("proxy {p}: {step}: {why}"))
    }

    /// TCP to the proxy is up: TLS to it (HTTPS proxies), then the tunnel.
    pub(super) fn begin_tunnel(&mut self, now: Instant, sock: TcpStream, target: Option<IpAddr>) {
        let Some(route) = &self.proxy else {
            return self.connected(now, Link::Tcp(sock), Vec::new());
        };
        let proxy = route.chosen.proxy.clone();
        let link = match &route.tls {
            None => Link::Tcp(sock),
            Some(cfg) => {
                let name = match proxy.ip {
                    Some(ip) => ServerName::IpAddress(ip.into()),
                    None => match ServerName::try_from(proxy.host.clone()) {
                        Ok(n) => n,
                        Err(e) => {
                            let err =
                                self.proxy_error("TLS", format!("not a TLS server name: {e}"));
                            return self.fail(now, err);
                        }
                    },
                };
                match rustls::ClientConnection::new(cfg.clone(), name) {
                    Ok(c) => Link::Tls(Box::new(TlsStream::new(c, sock))),
                    Err(e) => return self.fail(now, tls::map_tls_error(&proxy.host, &e)),
                }
            }
        };
        let ep = self.req.endpoint();
        let host = match (ep.ip, target) {
            (Some(ip), _) | (None, Some(ip)) => TargetHost::Ip(ip),
            (None, None) => TargetHost::Name(ep.host.clone()),
        };
        let target = TunnelTarget {
            host,
            port: ep.port,
        };
        match Tunnel::new(&proxy, &target) {
            Ok(t) => {
                let deadline = now + self.cfg.handshake_timeout;
                self.step_tunnel(now, link, Box::new(t), deadline);
            }
            Err(e) => self.fail(now, Error::new(ErrorKind::Proxy, e.message)),
        }
    }

    /// Moves the tunnel handshake's bytes; on success, the TLS/WebSocket
    /// handshake starts inside the tunnel.
    pub(super) fn step_tunnel(
        &mut self,
        now: Instant,
        mut link: Link,
        mut tunnel: Box<Tunnel>,
        deadline: Instant,
    ) {
        let mut chunk = [0u8; 4096];
        loop {
            while !tunnel.to_send().is_empty() {
                match link.write_some(tunnel.to_send()) {
                    Ok(0) => break,
                    Ok(n) => tunnel.sent(n),
                    Err(e) => return self.tunnel_io_error(now, &link, "writing to the proxy", e),
                }
            }
            match link.read_some(&mut chunk) {
                Ok(0) => return self.fail(now, Error::new(ErrorKind::Proxy, tunnel.eof().message)),
                Ok(n) => match tunnel.receive(&chunk[..n]) {
                    Ok(Progress::Pending) => continue,
                    Ok(Progress::Open(rest)) => {
                        if let Some(r) = &self.proxy {
                            self.log.debug(format_args!(
                                "tunnel to {} open through proxy {}",
                                self.req.endpoint().url(),
                                r.chosen.proxy
                            ));
                        }
                        return self.connected(now, link, rest);
                    }
                    Err(e) => return self.fail(now, Error::new(ErrorKind::Proxy, e.message)),
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return self.tunnel_io_error(now, &link, "reading from the proxy", e),
            }
        }
        if now >= deadline {
            let err = self.proxy_error(
                "tunnel",
                format!("no complete answer within {:?}", self.cfg.handshake_timeout),
            );
            return self.fail(now, err);
        }
        self.phase = Phase::Tunneling {
            link,
            tunnel,
            deadline,
        };
    }

    fn tunnel_io_error(&mut self, now: Instant, link: &Link, what: &str, e: io::Error) {
        let err = match (link.tls_error(), &self.proxy) {
            (Some(te), Some(r)) => {
                let mut err = tls::map_tls_error(&r.chosen.proxy.host, te);
                err.message = format!("proxy {}: {}", r.chosen.proxy, err.message);
                err
            }
            _ => self.proxy_error(what, e),
        };
        self.fail(now, err);
    }
}
