//! What the sync tests share: an office made through `app` with approved cases.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
#![allow(dead_code, reason = "each test file uses its part")]

use std::path::Path;
use std::process::Command;

use app::cases::{self, CaseId, DuplicateDecision, Submission, SubmitOutcome};
use app::domain::record::ApplicationRecord;
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::users::{self, NewClerk};
use chrono::{DateTime, Duration, TimeZone, Utc};

pub const PASSWORD: &str = "admin-password-1";
pub const CLERK_PASSWORD: &str = "clerk-password-1";
pub const ENROLMENT_CODE: &str = "TEST-ENROL-1";

pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().unwrap() + Duration::minutes(minutes)
}

/// An office in `dir` with `count` cases approved by three clerks: three queued records
/// each. The office is closed afterwards; permitctl opens it with the password.
pub fn office_with_approved_cases(dir: &Path, count: usize) -> Vec<CaseId> {
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
    let submission =
        Submission { profile: "330182", opinion: "同意受理。", duplicates: DuplicateDecision::Proceed };
    let mut ids = Vec::new();
    for n in 0..count {
        let minute = 2 + 10 * n as i64;
        office.login("a", CLERK_PASSWORD, at(minute)).unwrap();
        let case_id = cases::new_case_id(at(minute)).unwrap();
        cases::save_draft(&mut office, &case_id, &record, at(minute)).unwrap();
        assert!(matches!(
            cases::submit(&mut office, &case_id, &submission, at(minute + 1)).unwrap(),
            SubmitOutcome::Accepted { .. }
        ));
        office.login("b", CLERK_PASSWORD, at(minute + 2)).unwrap();
        cases::review(&mut office, &case_id, "材料真实有效。", at(minute + 3)).unwrap();
        office.login("c", CLERK_PASSWORD, at(minute + 4)).unwrap();
        cases::approve(&mut office, &case_id, "同意。", at(minute + 5)).unwrap();
        ids.push(case_id);
    }
    office.close().unwrap();
    ids
}

/// Runs permitctl with the administrator's password; its exit code, JSON and stderr.
pub fn permitctl(args: &[&str]) -> (i32, serde_json::Value, String) {
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
