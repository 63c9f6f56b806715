//! `permitctl bundle export | import`, run as an operator would, with the stand-in
//! platform's database on the other side of the "air gap": the full round trip, a repeated
//! import that changes nothing, and a tampered file refused in Chinese.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::path::Path;
use std::process::Command;
use std::time::Duration as StdDuration;

use app::cases::{self, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::users::{self, NewClerk};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::record::ApplicationRecord;
use platform_stub::{Platform, StubConfig};

const PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().unwrap() + Duration::minutes(minutes)
}

/// An office in `dir` with one approved case (three queued records), its device
/// registered on `platform`.
fn office_with_an_approved_case(dir: &Path, platform: &Platform) {
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() };
    let mut office =
        Office::set_up_with_options(dir, "330182-jiande-01", "admin", PASSWORD, at(0), options).unwrap();
    for (username, roles) in [("a", Roles::ACCEPT), ("b", Roles::REVIEW), ("c", Roles::APPROVE)] {
        let clerk = NewClerk { username, display_name: username, roles, password: CLERK_PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).unwrap();
    }
    let example = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/application-complete.json");
    let record = ApplicationRecord::from_json(&std::fs::read_to_string(example).unwrap()).unwrap();
    office.login("a", CLERK_PASSWORD, at(2)).unwrap();
    let case_id = cases::new_case_id(at(2)).unwrap();
    cases::save_draft(&mut office, &case_id, &record, at(2)).unwrap();
    let submission = Submission {
        profile: "330182",
        opinion: "同意受理。",
        duplicates: DuplicateDecision::Proceed,
        holiday_updates: &[],
    };
    assert!(matches!(
        cases::submit(&mut office, &case_id, &submission, at(3)).unwrap(),
        SubmitOutcome::Accepted { .. }
    ));
    office.login("b", CLERK_PASSWORD, at(4)).unwrap();
    cases::review(&mut office, &case_id, "材料真实有效。", at(5)).unwrap();
    office.login("c", CLERK_PASSWORD, at(6)).unwrap();
    cases::approve(&mut office, &case_id, "同意。", at(7)).unwrap();
    let device = app::sync::device_identity(&mut office, Some("counter-airgap"), at(8)).unwrap();
    let mut key = [0_u8; 32];
    hex::decode_to_slice(&device.public_key_hex, &mut key).unwrap();
    platform.register_device(&device.device_id, key).unwrap();
    office.close().unwrap();
}

fn permitctl(args: &[&str]) -> (i32, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_permitctl"))
        .args(args)
        .env("PERMITCTL_PASSWORD", PASSWORD)
        .output()
        .expect("run permitctl");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("permitctl {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    });
    (output.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn export_answer_import_round_trip_and_a_tampered_answer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::open(
        &dir.path().join("stub.sqlite3"),
        StubConfig { permit_delay: StdDuration::ZERO, enrolment_codes: Vec::new() },
    )
    .unwrap();
    let office_dir = dir.path().join("office");
    office_with_an_approved_case(&office_dir, &platform);
    let data_dir = office_dir.to_str().unwrap();
    let key = platform.public_key_hex().unwrap();
    let export_path = dir.path().join("export.pdb");
    let answer_path = dir.path().join("answer.pdb");
    let office = ["--dir", data_dir, "--user", "admin"];

    let export = export_path.to_str().unwrap();
    let (code, json, stderr) =
        permitctl(&[&["bundle", "export", "-o", export, "--platform-key", &key][..], &office[..]].concat());
    assert_eq!(code, 0, "{json:#} {stderr}");
    assert_eq!((json["records"].as_u64(), json["pages"].as_u64()), (Some(3), Some(0)), "{json:#}");
    assert!(stderr.contains("已导出 3 条"), "{stderr}");

    // The platform's side: ingest, answer (what `platform-stub bundle-answer` does).
    let answer = platform.answer_bundle(&std::fs::read(&export_path).unwrap()).unwrap();
    std::fs::write(&answer_path, &answer.file).unwrap();
    let answer_file = answer_path.to_str().unwrap();
    let import = |file: &str| {
        permitctl(&[&["bundle", "import", file, "--platform-key", &key][..], &office[..]].concat())
    };
    let (code, json, _) = import(answer_file);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!((json["confirmed"].as_u64(), json["decisions"].as_u64()), (Some(3), Some(2)), "{json:#}");
    assert!(json["issued"][0]["permit_number"].as_str().unwrap().starts_with("3300"));

    // Again: nothing new.
    let (code, json, _) = import(answer_file);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        (json["confirmed"].as_u64(), json["decisions"].as_u64(), json["skipped"].as_u64()),
        (Some(0), Some(0), Some(3)),
        "{json:#}"
    );

    // One byte flipped: refused in Chinese, exit 1.
    let mut tampered = answer.file.clone();
    let position = tampered.len() - 100;
    tampered[position] ^= 0x80;
    let tampered_path = dir.path().join("tampered.pdb");
    std::fs::write(&tampered_path, &tampered).unwrap();
    let (code, json, _) = import(tampered_path.to_str().unwrap());
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["error"]["code"], "BUNDLE_DAMAGED", "{json:#}");
    assert!(json["error"]["message"].as_str().unwrap().contains("已被改动或损坏"), "{json:#}");

    // The 签发 step is the only record left, for the next export.
    let (code, json, _) = permitctl(&[&["outbox"][..], &office[..]].concat());
    assert_eq!(code, 0);
    assert_eq!(json["queued_count"], 1, "{json:#}");
}
