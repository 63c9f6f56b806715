//! Keeps the domain crate pure: no IO crate in its manifest, no IO or clock in its sources.

use std::path::Path;

/// Crates that do IO, talk to the network, spawn tasks or open windows.
const FORBIDDEN_CRATES: &[&str] = &[
    "rusqlite",
    "sqlx",
    "reqwest",
    "hyper",
    "axum",
    "tokio",
    "async-std",
    "tauri",
    "printpdf",
    "image",
    "ureq",
    "curl",
    "sane-scan",
    "ipp",
    "tracing-subscriber",
    "dirs",
    "directories",
];

/// Source fragments that mean IO or the wall clock.
const FORBIDDEN_CALLS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "File::open",
    "SystemTime::now",
    "Instant::now",
    "Local::now",
    "Utc::now",
    "include_bytes!(\"/",
    "async fn",
    ".await",
];

#[test]
fn manifest_has_no_io_crates() {
    let manifest = std::fs::read_to_string(
        Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("Cargo.toml"),
    )
    .expect("read domain Cargo.toml");
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("domain has a [dependencies] table")
        .split("\n[")
        .next()
        .unwrap_or_default();
    for line in dependencies.lines() {
        let name = line.split(['=', '.']).next().unwrap_or_default().trim();
        assert!(
            !FORBIDDEN_CRATES.contains(&name),
            "domain must stay pure, but its manifest depends on `{name}` (see ARCHITECTURE.md, crates/domain)"
        );
    }
    assert!(
        manifest.contains("chrono.workspace = true"),
        "chrono must come from the workspace, which turns its clock feature off"
    );
}

#[test]
fn sources_do_no_io_and_read_no_clock() {
    let mut offenders = Vec::new();
    visit(
        &Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("src"),
        &mut offenders,
    );
    assert!(offenders.is_empty(), "domain sources must not do IO or read the clock: {offenders:#?}");
}

fn visit(dir: &Path, offenders: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            visit(&path, offenders);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path).expect("read source");
            for (line_idx, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for call in FORBIDDEN_CALLS {
                    if code.contains(call) {
                        offenders.push(format!("{}:{}: {call}", path.display(), line_idx + 1));
                    }
                }
            }
            assert!(text.starts_with("//!"), "{} must open with a //! module doc", path.display());
        }
    }
}

#[test]
fn chrono_clock_feature_is_off() {
    // The workspace pins chrono with default-features = false; if someone turns the
    // clock feature back on, `chrono::Local` appears and this file stops compiling
    // the assertion below only by reading the lock-free manifest of the workspace.
    let workspace = std::fs::read_to_string(
        Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("../../Cargo.toml"),
    )
    .expect("read workspace Cargo.toml");
    let chrono_line = workspace.lines().find(|l| l.starts_with("chrono")).expect("chrono in workspace deps");
    assert!(
        chrono_line.contains("default-features = false"),
        "chrono must not enable its clock: {chrono_line}"
    );
    assert!(!chrono_line.contains("clock"), "chrono must not enable its clock: {chrono_line}");
}
