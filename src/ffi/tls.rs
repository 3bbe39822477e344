//! A `mywsclient`'s TLS options: CA file, system roots, client certificate,
//! and the dangerous switch that turns verification off. Setters, only
//! before start or after stop.

use std::os::raw::c_char;
use std::path::PathBuf;

use crate::config::TlsOptions;
use crate::ffi::boundary::{core_arg, fail, opt_str_arg, ArgError};
use crate::ffi::client::{configure, configure_with, mywsclient};
use crate::ffi::types::mywsclient_result;
use crate::tls;

/// Trusts the CA certificates of the PEM file at `pem_path`, in addition to
/// the system's roots (see `mywsclient_set_system_roots()`); NULL clears it.
/// The file is read now to check it: `..._CONFIG` when it cannot be read or
/// holds no certificate; it is read again at each start. Only before start
/// or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `pem_path` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_ca_file(
    c: *mut mywsclient,
    pem_path: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| {
                let ca_file = opt_str_arg(pem_path, "pem_path")?.map(PathBuf::from);
                core_arg(tls::check_files(&TlsOptions {
                    ca_file: ca_file.clone(),
                    ..TlsOptions::default()
                }))?;
                Ok(ca_file)
            },
            |cfg, ca_file| cfg.tls.ca_file = ca_file,
        )
    }
}

/// Whether to trust the system's root certificates (default true). With
/// false, only the CA file of `mywsclient_set_ca_file()` is trusted. Only
/// before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_system_roots(
    c: *mut mywsclient,
    use_system_roots: bool,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, move |cfg| cfg.tls.no_system_roots = !use_system_roots) }
}

/// A client certificate chain and its private key (PEM files) for mutual
/// TLS; both NULL clear them, one NULL is `..._NULL_ARGUMENT`. The files are
/// read now to check them (`..._CONFIG` when unusable) and again at each
/// start. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; the paths are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_client_cert(
    c: *mut mywsclient,
    cert_pem_path: *const c_char,
    key_pem_path: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| {
                let cert = opt_str_arg(cert_pem_path, "cert_pem_path")?.map(PathBuf::from);
                let key = opt_str_arg(key_pem_path, "key_pem_path")?.map(PathBuf::from);
                if cert.is_some() != key.is_some() {
                    return Err(ArgError(fail(
                        mywsclient_result::NullArgument,
                        "a client certificate needs both a certificate file and a key file",
                    )));
                }
                let files = TlsOptions {
                    client_cert_file: cert,
                    client_key_file: key,
                    ..TlsOptions::default()
                };
                core_arg(tls::check_files(&files))?;
                Ok(files)
            },
            |cfg, files| {
                cfg.tls.client_cert_file = files.client_cert_file;
                cfg.tls.client_key_file = files.client_key_file;
            },
        )
    }
}

/// DANGEROUS: with `disable` true, any server certificate is accepted, as
/// the original libwebsockets class did (a warning is logged at each start).
/// Prefer `mywsclient_set_ca_file()`. The environment variable
/// `MYWSCLIENT_TLS_INSECURE=1` has the same effect. Only before start or
/// after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_dangerous_disable_tls_verification(
    c: *mut mywsclient,
    disable: bool,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        configure(c, move |cfg| {
            cfg.tls.dangerous_disable_verification = disable
        })
    }
}
