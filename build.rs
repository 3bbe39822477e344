//! Build script: generates the C header with cbindgen, gives the shared
//! library its soname and export list, and passes the dependency versions
//! to `mywsclient_version()`.
//!
//! The header is always written to `$OUT_DIR/mywsclient.h` (the test
//! `tests/header.rs` compares it with the committed one) and, except under
//! CI (`CI` set) or with `MYWSCLIENT_NO_HEADER_WRITE=1`, also to
//! `include/mywsclient/mywsclient.h` when it changed.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// The committed header, relative to the crate root.
pub const HEADER_PATH: &str = "include/mywsclient/mywsclient.h";

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    for p in [
        "build.rs",
        "cbindgen.toml",
        "Cargo.toml",
        "src/ffi",
        "src/lib.rs",
    ] {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=MYWSCLIENT_NO_HEADER_WRITE");

    let manifest = fs::read_to_string(dir.join("Cargo.toml")).expect("read Cargo.toml");
    println!(
        "cargo:rustc-env=MYWSCLIENT_DEP_VERSIONS={}",
        dep_versions(&manifest)
    );

    link_args(&dir);

    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("mywsclient.h");
    println!(
        "cargo:rustc-env=MYWSCLIENT_GENERATED_HEADER={}",
        out.display()
    );
    let version = env::var("CARGO_PKG_VERSION").expect("CARGO_PKG_VERSION");
    match generate_header(&dir, &version) {
        Ok(text) => {
            fs::write(&out, &text).expect("write the generated header");
            let ci = env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
            let no_write = env::var_os("MYWSCLIENT_NO_HEADER_WRITE").is_some_and(|v| v == "1");
            let committed = dir.join(HEADER_PATH);
            if !ci && !no_write && fs::read(&committed).ok().as_deref() != Some(text.as_bytes()) {
                fs::create_dir_all(committed.parent().expect("parent"))
                    .expect("create include/mywsclient");
                fs::write(&committed, &text).expect("write the header");
            }
        }
        Err(e) => {
            // Do not block the library build; tests/header.rs fails instead.
            let _ = fs::remove_file(&out);
            println!("cargo:warning=cbindgen could not generate the C header: {e}");
        }
    }
}

/// Shared library: soname per cargo-c's rule (`lib<name>.so.0.<minor>` while
/// the version is 0.x, `lib<name>.so.<major>` from 1.0 on) and a version
/// script that exports only `mywsclient_*`.
fn link_args(dir: &Path) {
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "macos" || os == "ios" || os == "windows" {
        return;
    }
    let major: u64 = env::var("CARGO_PKG_VERSION_MAJOR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let minor: u64 = env::var("CARGO_PKG_VERSION_MINOR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let map = dir.join("src/ffi/mywsclient.map");
    println!("cargo:rerun-if-changed=src/ffi/mywsclient.map");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,-soname,libmywsclient.so.{}",
        soversion(major, minor)
    );
}

/// cargo-c's soversion: `0.<minor>` before 1.0, else `<major>`.
pub fn soversion(major: u64, minor: u64) -> String {
    if major == 0 {
        format!("0.{minor}")
    } else {
        major.to_string()
    }
}

/// "tungstenite 0.30, rustls 0.23": the version requirements of the key
/// dependencies in Cargo.toml's `[dependencies]`.
pub fn dep_versions(manifest: &str) -> String {
    let mut section = "";
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section != "[dependencies]" {
            continue;
        }
        for name in ["tungstenite", "rustls"] {
            let Some(rest) = line.strip_prefix(name) else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            let rest = rest.trim();
            let spec = match rest.find("version") {
                Some(i) if rest.starts_with('{') => &rest[i..],
                _ => rest,
            };
            if let Some(v) = spec.split('"').nth(1) {
                found.push((name, v.trim_start_matches(['^', '=', '~']).to_string()));
            }
        }
    }
    let mut parts = Vec::new();
    for name in ["tungstenite", "rustls"] {
        if let Some((_, v)) = found.iter().find(|(n, _)| *n == name) {
            parts.push(format!("{name} {v}"));
        }
    }
    parts.join(", ")
}

/// The header text for the crate at `dir`, version `version` ("X.Y.Z").
pub fn generate_header(dir: &Path, version: &str) -> Result<String, String> {
    let mut config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).map_err(|e| e.to_string())?;
    let mut nums = version
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u64>().unwrap_or(0));
    let (major, minor, patch) = (
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
    );
    config.after_includes = Some(format!(
        "\n/** The version of this header (the library reports its own in mywsclient_version()). */\n\
         #define MYWSCLIENT_VERSION_MAJOR {major}\n\
         #define MYWSCLIENT_VERSION_MINOR {minor}\n\
         #define MYWSCLIENT_VERSION_PATCH {patch}\n\
         /** The version as a string, \"{major}.{minor}.{patch}\". */\n\
         #define MYWSCLIENT_VERSION_STRING \"{major}.{minor}.{patch}\""
    ));
    let bindings = cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    bindings.write(&mut buf);
    String::from_utf8(buf).map_err(|e| e.to_string())
}
