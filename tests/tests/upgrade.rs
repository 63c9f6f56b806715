//! The upgrade from the previous release (docs/packaging.md, "Upgrades, tested"): `scripts/upgrade-test.sh`
//! builds the previous release from its recorded commit, lets it make an office
//! (`tests/upgrade/seeder`: cases in every state, pages, records synced, quarantined, held
//! and queued, the stand-in platform's database), then runs this test with
//! `PERMIT_DESK_UPGRADE_DIR` pointing at what it made.
//!
//! The current version opens the office, and everything the previous one read back is
//! there, the same: every case, its record, history, deadline and permit number, every
//! page's bytes, the outbox's counts, the audit chain. Then the outbox drains to the same
//! stand-in and every record reaches it exactly once, and new work goes on.
//!
//! Ignored in `cargo test`: it needs the previous release built (`make upgrade-test`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use app::cases::{self, CaseId, CaseState, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, StoreOptions};
use app::sync::{self, BackoffPolicy, DrainOptions, SyncConfig};
use chrono::{DateTime, TimeZone, Utc};
use domain::record::ApplicationRecord;
use platform_stub::{Platform, StubConfig};
use serde_json::Value;
use sha2::Digest;

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// The day after the seeder's, 09:00 in Zhejiang, plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 11, 1, 0, 0).single().expect("valid instant")
        + chrono::Duration::minutes(minutes)
}

struct Made {
    dir: PathBuf,
    manifest: Value,
}

impl Made {
    fn load() -> Made {
        let dir =
            PathBuf::from(std::env::var_os("PERMIT_DESK_UPGRADE_DIR").expect(
                "PERMIT_DESK_UPGRADE_DIR: the directory upgrade-seeder made (run `make upgrade-test`)",
            ));
        let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
        Made { manifest: serde_json::from_str(&text).expect("manifest parses"), dir }
    }

    fn password(&self, username: &str) -> String {
        let key = if username == "admin" { "admin_password" } else { "clerk_password" };
        self.manifest[key].as_str().expect("password").to_owned()
    }

    fn login(&self, office: &mut Office, username: &str, minutes: i64) {
        office
            .login(username, &self.password(username), at(minutes))
            .unwrap_or_else(|e| panic!("{username}: {e}"));
    }

    fn count(&self, key: &str) -> u64 {
        self.manifest["outbox"][key].as_u64().expect("outbox count")
    }

    /// Records free to go now: queued, less those held behind a quarantined record.
    fn ready(&self) -> u64 {
        self.count("queued") - self.count("held")
    }
}

/// Every value in `old` is in `new` (the current version may add fields, never lose one).
fn assert_contains(old: &Value, new: &Value, path: &str) {
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, value) in old {
                let new_value = new.get(key).unwrap_or(&Value::Null);
                assert_contains(value, new_value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(old), Value::Array(new)) => {
            assert_eq!(old.len(), new.len(), "{path}: length");
            for (index, (old, new)) in old.iter().zip(new).enumerate() {
                assert_contains(old, new, &format!("{path}[{index}]"));
            }
        }
        _ => assert_eq!(old, new, "{path}"),
    }
}

fn sync_config(url: &str, device: &str) -> SyncConfig {
    let mut config = SyncConfig::new(url);
    config.device_id = Some(device.to_owned());
    config.request_timeout = Duration::from_secs(10);
    config.drain = DrainOptions {
        max_retries: 1,
        backoff: BackoffPolicy { base: Duration::from_millis(5), cap: Duration::from_millis(20) },
        ..DrainOptions::default()
    };
    config
}

fn record_ids(platform: &Platform) -> Vec<String> {
    platform.records().expect("platform records").iter().map(|record| record.record_id.to_string()).collect()
}

fn the_copy_of(dir: &Path, version: u64) -> PathBuf {
    dir.join(format!("office.before-upgrade-v{version}.db"))
}

#[test]
#[ignore = "needs an office made by the previous release: `make upgrade-test`"]
fn the_previous_releases_office_opens_whole_and_its_outbox_drains_exactly_once() {
    let made = Made::load();
    let office_dir = made.dir.join("office");
    let found_schema = made.manifest["schema"].as_u64().expect("schema");
    let current_schema = u64::from(store::SCHEMA_VERSION);
    assert!(found_schema <= current_schema, "the seeder's release cannot be newer than this one");

    // Opening upgrades; the window's notice reads what happened.
    let mut office =
        Office::open_with_options(&office_dir, "c", &made.password("c"), at(0), options()).expect("open");
    let upgrade = app::about::last_upgrade(&office).expect("last upgrade");
    if found_schema < current_schema {
        let upgrade = upgrade.expect("an upgrade was recorded");
        assert_eq!((u64::from(upgrade.from), u64::from(upgrade.to)), (found_schema, current_schema));
        assert!(the_copy_of(&office_dir, found_schema).is_file(), "the copy of the old database is kept");
    } else {
        assert!(upgrade.is_none(), "same schema: nothing to migrate, no copy: {upgrade:?}");
    }

    // Every case, as the previous release read it.
    let expected = made.manifest["cases"].as_array().expect("cases");
    let mut states = HashSet::new();
    for line in expected {
        let case_id = CaseId::from_str(line["id"].as_str().expect("id")).expect("case id");
        let view = cases::get_case(&mut office, &case_id, at(1)).expect("case");
        let now = serde_json::json!({
            "state": view.state,
            "record": view.record,
            "permit_number": view.permit_number,
            "due_date": view.due_date,
            "history": view.history.iter().map(|line| serde_json::json!({
                "to": line.to, "actor": line.actor.username, "note": line.note
            })).collect::<Vec<_>>(),
        });
        let mut old = line.clone();
        old.as_object_mut().expect("case line").remove("id");
        assert_contains(&old, &now, &format!("case {case_id}"));
        states.insert(view.state);
    }
    assert_eq!(states.len(), CaseState::ALL.len(), "the office had a case in every state: {states:?}");

    // Every page: the same id, position and bytes (decrypted and hashed again).
    made.login(&mut office, "a", 2);
    let pages = made.manifest["pages"].as_array().expect("pages");
    assert!(!pages.is_empty());
    for page in pages {
        let case_id = CaseId::from_str(page["case"].as_str().expect("case")).expect("case id");
        let listed = app::scans::list(&office, &case_id).expect("pages");
        let id = page["id"].as_str().expect("page id");
        let info = listed.iter().find(|info| info.id == id).unwrap_or_else(|| panic!("page {id} is listed"));
        assert_eq!(Some(info.sha256.as_str()), page["sha256"].as_str());
        let bytes = app::scans::image(&mut office, id, at(3)).expect("page image");
        assert_eq!(Some(hex::encode(sha2::Sha256::digest(&bytes)).as_str()), page["sha256"].as_str());
    }

    // The outbox as it was: queued, held behind the quarantined record, quarantined.
    let status = sync::sync_status(&office).expect("status");
    assert_eq!(
        (status.queued, status.held, status.quarantined),
        (made.count("queued"), made.count("held"), made.count("quarantined"))
    );
    made.login(&mut office, "admin", 4);
    let audit = app::audit::verify(&office).expect("audit");
    assert!(audit.is_intact(), "{audit:?}");
    assert!(audit.rows > made.manifest["audit_rows"].as_u64().expect("rows"), "the chain goes on, whole");

    // The same stand-in, now served by the current version: the queue drains once.
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
    let platform = Platform::open(
        &made.dir.join("platform.sqlite3"),
        StubConfig { permit_delay: Duration::from_secs(3600), enrolment_codes: Vec::new() },
    )
    .expect("the stand-in's database");
    let server = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        platform_stub::spawn(listener, platform.clone()).expect("serve")
    });
    let url = format!("http://{}", server.local_addr());
    let device = made.manifest["device_id"].as_str().expect("device");
    let before = record_ids(&platform);
    let expected_before: Vec<&str> = made.manifest["platform_records"]
        .as_array()
        .expect("platform records")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(before, expected_before, "the stand-in's database came through as well");

    let report = sync::sync_once(&mut office, &sync_config(&url, device), |_, _| {}).expect("sync");
    assert_eq!(report.problem, None, "{report:?}");
    assert_eq!((report.confirmed, report.remaining), (made.ready(), 0), "{report:?}");
    assert_eq!(record_ids(&platform).len(), before.len() + made.ready() as usize);

    // The supervisor resends the quarantined record; it and the one held behind it follow.
    let quarantined = sync::quarantined(&office).expect("quarantined");
    assert_eq!(quarantined.len() as u64, made.count("quarantined"));
    for item in &quarantined {
        sync::resend(&mut office, &item.id, at(5)).expect("resend");
    }
    let report = sync::sync_once(&mut office, &sync_config(&url, device), |_, _| {}).expect("sync");
    assert_eq!(report.problem, None, "{report:?}");
    assert_eq!(report.confirmed, made.count("quarantined") + made.count("held"), "{report:?}");
    let report = sync::sync_once(&mut office, &sync_config(&url, device), |_, _| {}).expect("sync");
    assert_eq!((report.sent, report.confirmed), (0, 0), "nothing is sent twice: {report:?}");
    let after = record_ids(&platform);
    let unique: HashSet<&String> = after.iter().collect();
    assert_eq!(unique.len(), after.len(), "no record reached the platform twice");
    assert_eq!(after.len() as u64, before.len() as u64 + made.count("queued") + made.count("quarantined"));
    let status = sync::sync_status(&office).expect("status");
    assert_eq!((status.queued, status.held, status.quarantined), (0, 0, 0));

    // New work goes on in the upgraded office.
    made.login(&mut office, "a", 10);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/application-complete.json");
    let mut record =
        ApplicationRecord::from_json(&std::fs::read_to_string(path).expect("example")).expect("parses");
    record.applicant.name = "升级后".to_owned();
    let case_id = cases::new_case_id(at(10)).expect("case id");
    cases::save_draft(&mut office, &case_id, &record, at(10)).expect("draft");
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    let outcome = cases::submit(&mut office, &case_id, &submission, at(11)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    let report = sync::sync_once(&mut office, &sync_config(&url, device), |_, _| {}).expect("sync");
    assert_eq!((report.problem, report.confirmed), (None, 1));
    // The queue the old program left went through unsigned; only then did the office's
    // root and clerk keys go to the platform, which now holds the new steps to them.
    let keys = platform.clerk_keys(device).expect("keys");
    assert!(keys.iter().any(|key| key.0 == "admin" && key.3), "the office's root is pinned: {keys:?}");
    assert!(keys.iter().any(|key| key.0 == "a"), "the accepting clerk's key: {keys:?}");
    office.close().expect("close");
    runtime.block_on(server.shutdown());
}
