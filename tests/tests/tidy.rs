//! The workspace's shape, kept true by a test (ARCHITECTURE.md states the same rules):
//! which crate may depend on which, and which files may read the wall clock or the
//! environment. A new crate, dependency or reader fails here until the table says why.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").to_path_buf()
}

/// The workspace crates each crate may use as a normal dependency (dev-dependencies are
/// free: tests may reach anything).
fn allowed(package: &str) -> Option<&'static [&'static str]> {
    Some(match package {
        // Pure: rules, forms, calendar; and the wire types.
        "domain" => &[],
        // The wire types, with the clerks' certificates and step signatures they carry.
        "platform-api" => &["clerk-signing"],
        // Each clerk's signature on their steps: SM2/SM3, pure, no workspace crate.
        "clerk-signing" => &[],
        // Adapters: one kind of IO each, over the pure crates.
        "store" => &["domain", "crashpoint", "clerk-signing"],
        "print" | "scan" => &["domain"],
        // The ID-card reader: frames and the card's text block, on a serial port.
        "idcard" => &[],
        // The kill harnesses' crash points: no IO, no workspace crate (empty unless armed).
        "crashpoint" => &[],
        // The power cut of the kill harnesses: a SQLite VFS for tests, no workspace crate.
        "powercut" => &[],
        "sync" => &["domain", "platform-api", "crashpoint"],
        "bundle" => &["domain", "platform-api"],
        // A joined desk's link to its office server: HTTPS with its own certificate, the
        // joining protocol's types; no workspace crate (the page builds the requests).
        "desk-link" => &[],
        // The stand-in platform: a server of its own, speaking the wire types.
        "platform-stub" => &["platform-api", "bundle", "clerk-signing"],
        // The use cases, over every adapter.
        "app" => {
            &["domain", "platform-api", "store", "print", "scan", "sync", "bundle", "idcard", "crashpoint"]
        }
        // The window's vocabulary: the DTOs and the UI's error, over the use cases.
        "wire" => &["app"],
        // The window's shell only translates: it names everything through `app`, and
        // speaks the window's vocabulary.
        "permit-desk" => &["app", "wire", "desk-link"],
        // The office server: a second transport beside the shell, over the same use cases
        // and the same vocabulary (docs/office-server.md).
        "server" => &["app", "wire", "desk-link"],
        // The command line, like the shell, names everything through `app`.
        "permitctl" => &["app"],
        "workspace-tests" => &[],
        // The fuzz targets: the parsers of what others wrote, driven by AFL++ (fuzz/) and
        // replayed by `cargo test`. Nothing depends on them.
        "fuzz-targets" => {
            &["domain", "platform-api", "platform-stub", "print", "scan", "bundle", "server", "app", "wire"]
        }
        _ => return None,
    })
}

#[test]
fn dependencies_point_one_way() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let members: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(members.contains("domain") && members.contains("app"), "{members:?}");
    let mut problems = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let Some(allowed) = allowed(name) else {
            problems.push(format!("{name}: a new crate; give it a line in tests/tests/tidy.rs"));
            continue;
        };
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let target = dependency["name"].as_str().unwrap_or_default();
            let normal = dependency["kind"].is_null();
            if normal && members.contains(target) && !allowed.contains(&target) {
                problems.push(format!("{name} depends on {target}"));
            }
        }
    }
    assert!(problems.is_empty(), "dependencies against the layering:\n{}", problems.join("\n"));
}

/// Every Rust source file of the crates' `src/` folders and of the shell, with its text up
/// to its `#[cfg(test)]` module (tests may read what they like); files that are test-only
/// modules (`#![cfg(test)]`) are left out.
fn production_sources() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut folders = vec![root.join("src-tauri/src")];
    for entry in std::fs::read_dir(root.join("crates")).expect("crates/") {
        folders.push(entry.expect("entry").path().join("src"));
    }
    let mut files = Vec::new();
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                if text.contains("\n#![cfg(test)]") {
                    continue; // a test-only module (e.g. the shell's bindings generator)
                }
                let production = text.split("#[cfg(test)]").next().unwrap_or_default().to_owned();
                let relative = path.strip_prefix(&root).expect("under the root").display().to_string();
                files.push((relative, production));
            }
        }
    }
    assert!(files.len() > 50, "the walk found the sources ({} files)", files.len());
    files
}

fn readers(needles: &[&str]) -> BTreeSet<String> {
    production_sources()
        .into_iter()
        .filter(|(_, text)| needles.iter().any(|needle| text.contains(needle)))
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn only_the_clock_modules_read_the_wall_clock() {
    let found = readers(&["SystemTime::now", "Utc::now", "Local::now"]);
    let allowed: BTreeSet<String> = [
        // The app's one clock: China Standard Time, pinned by tests through parameters.
        "crates/app/src/clock.rs",
        // The stand-in platform's clock (settable by its fault injection).
        "crates/platform-stub/src/clock.rs",
        // The sync client stamps each request, corrected by the platform's clock offset.
        "crates/sync/src/client.rs",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(found, allowed, "files that read the wall clock");
}

#[test]
fn only_the_settings_read_the_environment() {
    let found = readers(&["env::var", "env::args", "from_env("]);
    let allowed: BTreeSet<String> = [
        // The window's command line and PERMIT_DESK_* variables, read once.
        "src-tauri/src/settings.rs",
        // permitctl's password for scripts (PERMITCTL_PASSWORD); its arguments are clap's.
        "crates/permitctl/src/cmd_office.rs",
        // The simulated ID-card reader of the WebDriver tests: its link and control file.
        "crates/idcard/src/bin/idcard-sim.rs",
        // The kill harnesses' crash points, armed per child; compiled only with the
        // `armed` feature, never into a release build.
        "crates/crashpoint/src/lib.rs",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(found, allowed, "files that read the environment or the command line");
}

/// The WebDriver run ends by searching every log file for personal data
/// (`scripts/scan-logs.sh`): it must find what it looks for, say only what kind it found,
/// and pass clean logs.
#[test]
fn the_log_scan_finds_id_numbers_phones_and_names_and_passes_clean_logs() {
    let root = tempfile::tempdir().expect("temp dir");
    let logs = root.path().join("app-1").join("logs");
    std::fs::create_dir_all(&logs).expect("logs folder");
    std::fs::write(logs.join("permit-desk.log"), "INFO case saved code=OK user=wang\n").expect("log");
    let scan = || {
        std::process::Command::new("bash")
            .arg(workspace_root().join("scripts/scan-logs.sh"))
            .arg(root.path())
            .output()
            .expect("run the scan")
    };
    let clean = scan();
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("1 log files searched"));

    for (line, kind) in [
        ("WARN command failed: 341203199003071219 is not valid", "ID number"),
        ("WARN sms to 13812345678 failed", "mobile number"),
        ("INFO 申请人 陈静", "applicant's name"),
    ] {
        std::fs::write(logs.join("permit-desk.log.1"), format!("{line}\n")).expect("log");
        let found = scan();
        let said = String::from_utf8_lossy(&found.stderr);
        assert!(!found.status.success(), "{line}: not found");
        assert!(said.contains(&format!("holds an applicant's {kind}")), "{said}");
        assert!(
            !said.contains("341203199003071219") && !said.contains("13812345678") && !said.contains("陈静")
        );
    }
}
