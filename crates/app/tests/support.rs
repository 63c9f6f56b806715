//! 诊断信息 holds what support needs and no personal data: an office with cases typed
//! with names, ID numbers, phones and addresses, and a log with an unredacted ID number
//! in it, gives a bundle in which none of them appears.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::path::Path;

use app::cases::{self, DuplicateDecision, Submission};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::users::{self, NewClerk};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::record::ApplicationRecord;

const PASSWORD: &str = "admin-password-1";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().unwrap() + chrono::Duration::minutes(minutes)
}

fn example() -> ApplicationRecord {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/application-complete.json");
    ApplicationRecord::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_support_bundle_names_versions_queue_and_logs_but_no_person() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() };
    let mut office =
        Office::set_up_with_options(dir.path(), "330182-jiande-01", "admin", PASSWORD, at(0), options)
            .unwrap();
    let clerk =
        NewClerk { username: "a", display_name: "受理员甲", roles: Roles::ACCEPT, password: PASSWORD };
    users::add_clerk(&mut office, &clerk, at(1)).unwrap();
    office.login("a", PASSWORD, at(2)).unwrap();
    let people =
        [("341203199003071219", "张伟", "13812345678"), ("11010519491231002X", "欧阳秀兰", "13998765432")];
    for (n, (id, name, phone)) in people.iter().enumerate() {
        let mut record = example();
        record.applicant.id_number = (*id).to_owned();
        record.applicant.name = (*name).to_owned();
        record.phone_number = (*phone).to_owned();
        let case_id = cases::new_case_id(at(3 + n as i64)).unwrap();
        cases::save_draft(&mut office, &case_id, &record, at(3)).unwrap();
        let submission =
            Submission {
                profile: "330182", opinion: "同意受理。", duplicates: DuplicateDecision::Proceed
            };
        cases::submit(&mut office, &case_id, &submission, at(4)).unwrap();
    }
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("permit-desk.log"),
        "INFO start\nWARN a line that slipped: 341203199003071219\nINFO sync offline\n",
    )
    .unwrap();

    // Not for a counter clerk.
    assert!(
        app::support::bundle(&office, Some(&logs), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()).is_err()
    );
    office.login("admin", PASSWORD, at(5)).unwrap();
    // A folder (the USB stick) gets a file named by the counter's local time.
    let stick = dir.path().join("stick");
    std::fs::create_dir_all(&stick).unwrap();
    let written = app::support::export(&office, Some(&logs), &stick, at(5)).unwrap();
    assert_eq!(written.path, stick.join("permit-desk-support-20260302-090500.json"));
    let text = std::fs::read_to_string(&written.path).unwrap();
    assert_eq!(written.bytes, text.len() as u64);
    // Never over an existing file; a folder that is not there is named.
    let again = app::support::export(&office, Some(&logs), &written.path, at(6)).unwrap_err();
    assert!(
        again.to_string().contains("exists") || format!("{again:?}").contains("AlreadyExists"),
        "{again:?}"
    );
    let missing = app::support::export(&office, Some(&logs), &stick.join("gone/x.json"), at(6)).unwrap_err();
    assert!(format!("{missing:?}").contains("NotFound"), "{missing:?}");
    assert_eq!(std::fs::read_dir(&stick).unwrap().count(), 1, "nothing else was left on the stick");
    let bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(bundle["database_schema"], store::SCHEMA_VERSION);
    assert_eq!(bundle["queue"]["queued"], 2, "the two acceptances wait for the platform: {bundle:#}");
    assert!(bundle["program"].as_str().unwrap().starts_with("版本 "));
    assert!(bundle["logs"][0]["text"].as_str().unwrap().contains("sync offline"), "the log's end is there");

    let record = example();
    for (id, name, phone) in people {
        for secret in [id, name, phone] {
            assert!(!text.contains(secret), "{secret} leaked into the bundle");
        }
    }
    assert!(!text.contains(&record.current_address.address), "an address leaked");
    assert!(!text.contains(&record.household_registration.address), "an address leaked");
}
