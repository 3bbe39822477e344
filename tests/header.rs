//! The committed C header is what cbindgen generates now, documents every
//! item, names every function of the C ABI contract, and carries the
//! version of Cargo.toml, which `mywsclient_version()` reports too.
//!
//! build.rs regenerates the header into `$OUT_DIR` on every build (and, when
//! not under CI, refreshes the committed copy): these tests compare that
//! fresh copy with `include/mywsclient/mywsclient.h`.

use std::ffi::CStr;
use std::path::Path;

const COMMITTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/include/mywsclient/mywsclient.h"
);

fn committed() -> String {
    std::fs::read_to_string(COMMITTED).unwrap_or_else(|e| panic!("cannot read {COMMITTED}: {e}"))
}

#[test]
fn committed_header_is_up_to_date() {
    let fresh_path = Path::new(env!("MYWSCLIENT_GENERATED_HEADER"));
    let fresh = std::fs::read_to_string(fresh_path).unwrap_or_else(|e| {
        panic!(
            "build.rs did not generate {} ({e}); see the cbindgen warning of the build",
            fresh_path.display()
        )
    });
    let old = committed();
    if fresh != old {
        let line = fresh
            .lines()
            .zip(old.lines())
            .position(|(a, b)| a != b)
            .map(|i| i + 1)
            .unwrap_or_else(|| fresh.lines().count().min(old.lines().count()) + 1);
        panic!(
            "{COMMITTED} is stale (first difference at line {line}); regenerate it with `cargo build` \
             outside CI (build.rs writes it) and commit it"
        );
    }
}

fn macro_value(header: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    header
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} missing from the header"))
        .trim()
        .to_string()
}

#[test]
fn version_macros_match_cargo_toml_and_the_library() {
    let h = committed();
    let major = macro_value(&h, "MYWSCLIENT_VERSION_MAJOR");
    let minor = macro_value(&h, "MYWSCLIENT_VERSION_MINOR");
    let patch = macro_value(&h, "MYWSCLIENT_VERSION_PATCH");
    assert_eq!(
        (major.as_str(), minor.as_str(), patch.as_str()),
        (
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR"),
            env!("CARGO_PKG_VERSION_PATCH")
        )
    );
    assert_eq!(
        macro_value(&h, "MYWSCLIENT_VERSION_STRING"),
        format!("\"{major}.{minor}.{patch}\"")
    );
    // Cargo.toml itself, not only the environment cargo derived from it.
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let version_line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("version"))
        .expect("package version");
    assert!(
        version_line.contains(&format!("\"{major}.{minor}.{patch}\"")),
        "{version_line}"
    );
    let runtime = unsafe_version();
    assert!(
        runtime.starts_with(&format!("mywsclient {major}.{minor}.{patch} (")),
        "{runtime}"
    );
    assert!(
        runtime.contains("tungstenite ") && runtime.contains("rustls "),
        "{runtime}"
    );
}

fn unsafe_version() -> String {
    let p = mywsclient::ffi::version::mywsclient_version();
    // SAFETY: a static NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
}

/// Every function and name of the C ABI contract, exactly.
const CONTRACT: &[&str] = &[
    "struct mywsclient *mywsclient_new(",
    "mywsclient_result mywsclient_start(",
    "mywsclient_result mywsclient_stop(",
    "mywsclient_result mywsclient_send(",
    "mywsclient_result mywsclient_send_binary(",
    "void mywsclient_free(",
    "mywsclient_result mywsclient_set_message_callback(",
    "mywsclient_result mywsclient_set_event_callback(",
    "mywsclient_result mywsclient_set_log_callback(",
    "mywsclient_result mywsclient_set_log_level(",
    "mywsclient_result mywsclient_set_reconnect(",
    "mywsclient_result mywsclient_set_backoff(",
    "mywsclient_result mywsclient_set_heartbeat(",
    "mywsclient_result mywsclient_set_timeouts(",
    "mywsclient_result mywsclient_set_queue_limits(",
    "mywsclient_result mywsclient_set_max_message_size(",
    "mywsclient_result mywsclient_set_ca_file(",
    "mywsclient_result mywsclient_set_client_cert(",
    "mywsclient_result mywsclient_set_dangerous_disable_tls_verification(",
    "mywsclient_result mywsclient_add_header(",
    "mywsclient_result mywsclient_clear_headers(",
    "mywsclient_result mywsclient_add_subprotocol(",
    "mywsclient_result mywsclient_clear_subprotocols(",
    "uint32_t mywsclient_state(const struct mywsclient *c)",
    "mywsclient_result mywsclient_get_stats(const struct mywsclient *c",
    "const char *mywsclient_version(void)",
    "const char *mywsclient_result_str(int32_t result)",
    "const char *mywsclient_last_error(void)",
    "typedef struct mywsclient mywsclient;",
    "typedef void (*mywsclient_message_cb)(void *user_data,",
    "typedef void (*mywsclient_event_cb)(void *user_data, const struct mywsclient_event *event);",
    "typedef void (*mywsclient_log_cb)(void *user_data, uint32_t level, const char *line);",
    "MYWSCLIENT_RESULT_OK = 0,",
    "MYWSCLIENT_RESULT_PANIC = 9,",
    "MYWSCLIENT_STATE_IDLE = 0,",
    "MYWSCLIENT_STATE_STOPPED = 5,",
    "MYWSCLIENT_EVENT_TYPE_CONNECTING = 1,",
    "MYWSCLIENT_EVENT_TYPE_RECONNECT_SCHEDULED = 5,",
    "MYWSCLIENT_EVENT_TYPE_STOPPED = 6,",
    "MYWSCLIENT_ERROR_KIND_NONE = 0,",
    "MYWSCLIENT_ERROR_KIND_GAVE_UP = 19,",
    "MYWSCLIENT_ERROR_KIND_PROXY = 20,",
    "MYWSCLIENT_CLOSE_INITIATOR_CLIENT = 0,",
    "MYWSCLIENT_CLOSE_INITIATOR_ABNORMAL = 2,",
    "MYWSCLIENT_LOG_LEVEL_OFF = 0,",
    "MYWSCLIENT_LOG_LEVEL_DEBUG = 4,",
    "#ifndef MYWSCLIENT_C_H",
    "#define MYWSCLIENT_C_H",
    "generated — do not edit",
    "extern \"C\" {",
];

#[test]
fn header_has_every_contract_name() {
    let h = committed();
    // Normalise multi-line prototypes to one line per declaration.
    let flat = h.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    for want in CONTRACT {
        assert!(
            h.contains(want) || flat.contains(want),
            "the header lacks {want:?}"
        );
    }
    for (field, ty) in [
        ("type", "uint32_t"),
        ("attempt", "uint32_t"),
        ("delay_ms", "uint64_t"),
        ("close_code", "uint16_t"),
        ("close_initiator", "uint32_t"),
        ("error_kind", "uint32_t"),
        ("text", "const char *"),
        ("last_close_code", "uint16_t"),
        ("queued_bytes", "uint64_t"),
    ] {
        let decl = if ty.ends_with('*') {
            format!("{ty}{field};")
        } else {
            format!("{ty} {field};")
        };
        assert!(h.contains(&decl), "the header lacks the field {decl:?}");
    }
}

#[test]
fn every_item_is_documented() {
    let h = committed();
    let lines: Vec<&str> = h.lines().collect();
    let mut in_comment = false;
    let mut undocumented = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let l = raw.trim();
        if in_comment {
            in_comment = !l.ends_with("*/");
            continue;
        }
        if l.starts_with("/*") {
            in_comment = !l.ends_with("*/");
            continue;
        }
        if l.is_empty()
            || l.starts_with('#')
            || l.starts_with('}')
            || l == "{"
            || l.starts_with(':')
            || l == "extern \"C\" {"
        {
            continue;
        }
        let prev = lines[..i]
            .iter()
            .rev()
            .map(|p| p.trim())
            .find(|p| !p.is_empty())
            .unwrap_or("");
        // Continuation lines of a multi-line prototype, and typedefs chosen by
        // the preprocessor for an enum (documented on the enum itself).
        if prev.ends_with(',') && !l.starts_with("MYWSCLIENT_") && !raw.starts_with("  ")
            || prev.ends_with('(')
            || prev.starts_with('#')
        {
            continue;
        }
        if prev.ends_with(',') && raw.starts_with("   ") {
            continue;
        }
        if !prev.ends_with("*/") {
            undocumented.push(format!("line {}: {l}", i + 1));
        }
    }
    assert!(
        undocumented.is_empty(),
        "undocumented items in the header:\n{}",
        undocumented.join("\n")
    );
}
