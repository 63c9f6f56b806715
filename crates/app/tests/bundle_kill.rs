//! kill -9 while a platform's answer bundle is imported (issue 21): the import records the
//! verdicts, then applies the decisions (their 签发 steps and the cursor, one transaction),
//! then audits itself — separate transactions. A child process (this test binary,
//! re-executed) imports the answer with one crash point armed and kills itself there: after
//! the verdicts, with the decisions written but not committed, committed, after the rest
//! of their application, after the device key change the export carried was settled (a
//! clerk was revoked before the export, so the answer is addressed to the office's new
//! device key). Importing the same answer
//! again must then leave the office exactly as one clean import does: every record
//! confirmed once, both cases issued with their permit numbers, each decision recorded
//! once, the 签发 steps queued once, the device signing with its new key, the audit chain
//! whole.
//!
//! Runs: 8 (two per point); `BUNDLE_KILL_RUNS=200` (`make crash-sync`) for the full count.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::path::Path;
use std::time::Duration;

use app::bundle;
use app::cases::{self, CaseId, DuplicateDecision, Submission};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::sync;
use app::users::{self, NewClerk};
use chrono::{DateTime, TimeZone, Utc};
use domain::record::ApplicationRecord;
use platform_stub::{Platform, StubConfig};

const ADMIN_PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";
const CHILD_ENV: &str = "PERMIT_DESK_BUNDLE_KILL_CHILD";
const CHILD_TEST: &str = "the_child_imports_the_answer";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().unwrap() + chrono::Duration::minutes(minutes)
}

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// The points, in the order an import meets them.
const POINTS: [(&str, u64); 5] = [
    (bundle::IMPORT_CONFIRMED, 1),
    (store::crash::DECISIONS_BEFORE_COMMIT, 1),
    (store::crash::DECISIONS_COMMITTED, 1),
    (bundle::IMPORT_DECISIONS_APPLIED, 1),
    (bundle::IMPORT_DEVICE_KEY_SETTLED, 1),
];

/// The child: import the answer in `dir` (files `answer.bundle`, `platform.key`) as 审批.
#[test]
fn the_child_imports_the_answer() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return };
    let dir = Path::new(&dir);
    let answer = std::fs::read(dir.join("answer.bundle")).unwrap();
    let key = std::fs::read_to_string(dir.join("platform.key")).unwrap();
    let mut office =
        Office::open_with_options(&dir.join("office"), "c", CLERK_PASSWORD, at(31), options()).unwrap();
    bundle::import_bundle(&mut office, &key, &answer, at(31)).unwrap();
    office.close().unwrap();
}

/// An office with two approved cases and a clerk revoked (its device key ordered
/// replaced), its export answered by the stand-in: the office folder, the answer and the
/// platform's key in `dir`.
fn prepare(dir: &Path) -> Vec<CaseId> {
    let office_dir = dir.join("office");
    let mut office = Office::set_up_with_options(
        &office_dir,
        "330182-jiande-01",
        "admin",
        ADMIN_PASSWORD,
        at(0),
        options(),
    )
    .unwrap();
    for (username, roles) in
        [("a", Roles::ACCEPT), ("b", Roles::REVIEW), ("c", Roles::APPROVE), ("d", Roles::ACCEPT)]
    {
        let clerk = NewClerk { username, display_name: username, roles, password: CLERK_PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).unwrap();
    }
    let config = StubConfig { permit_delay: Duration::ZERO, enrolment_codes: Vec::new() };
    let platform = Platform::open(&dir.join("stub.sqlite3"), config).unwrap();
    let device = sync::device_identity(&mut office, Some("330182-jiande-01-airgap"), at(0)).unwrap();
    let mut key = [0_u8; 32];
    hex::decode_to_slice(&device.public_key_hex, &mut key).unwrap();
    platform.register_device(&device.device_id, key).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/application-complete.json");
    let mut ids = Vec::new();
    for (n, name) in ["张伟", "李娜"].iter().enumerate() {
        let minutes = 10 + 10 * n as i64;
        let mut record = ApplicationRecord::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        record.applicant.name = (*name).to_owned();
        office.login("a", CLERK_PASSWORD, at(minutes)).unwrap();
        let case_id = cases::new_case_id(at(minutes)).unwrap();
        cases::save_draft(&mut office, &case_id, &record, at(minutes)).unwrap();
        let submission =
            Submission {
                profile: "330182", opinion: "同意受理。", duplicates: DuplicateDecision::Proceed
            };
        cases::submit(&mut office, &case_id, &submission, at(minutes + 1)).unwrap();
        office.login("b", CLERK_PASSWORD, at(minutes + 2)).unwrap();
        cases::review(&mut office, &case_id, "材料真实有效。", at(minutes + 3)).unwrap();
        office.login("c", CLERK_PASSWORD, at(minutes + 4)).unwrap();
        cases::approve(&mut office, &case_id, "同意。", at(minutes + 5)).unwrap();
        ids.push(case_id);
    }
    office.login("admin", ADMIN_PASSWORD, at(28)).unwrap();
    users::revoke_clerk(&mut office, "d", at(28)).unwrap().rekeyed.unwrap();
    let platform_key = platform.public_key_hex().unwrap();
    let exported = bundle::export_bundle(&mut office, &platform_key, at(30)).unwrap();
    assert!(exported.device_key_change, "the export carries the re-key's order");
    let answer = platform.answer_bundle(&exported.file).unwrap();
    std::fs::write(dir.join("answer.bundle"), &answer.file).unwrap();
    std::fs::write(dir.join("platform.key"), &platform_key).unwrap();
    office.close().unwrap();
    ids
}

/// What an import changes: the outbox, the cases' states and permits, the decisions.
fn state(office_dir: &Path, cases: &[CaseId]) -> String {
    let mut office =
        Office::open_with_options(office_dir, "admin", ADMIN_PASSWORD, at(200), options()).unwrap();
    let listing = sync::outbox(&office, 1000).unwrap();
    let status = sync::sync_status(&office).unwrap();
    let mut text = format!("{} {} {}\n", status.queued, status.held, status.quarantined);
    let device = sync::device_identity(&mut office, None, at(200)).unwrap();
    text += &format!("device key {}\n", device.public_key_hex);
    // Each waiting record by what it is, not its id (an id is drawn fresh when it is queued).
    let mut waiting: Vec<String> = listing
        .queued
        .iter()
        .chain(&listing.quarantined)
        .map(|entry| format!("{:?} {:?} {}", entry.status, entry.code, entry.updated_at))
        .collect();
    waiting.sort();
    for entry in waiting {
        text += &format!("{entry}\n");
    }
    for case_id in cases {
        let view = cases::get_case(&mut office, case_id, at(200)).unwrap();
        text += &format!("{case_id} {:?} {:?}\n", view.state, view.permit_number);
        for decision in sync::case_decisions(&office, case_id).unwrap() {
            text += &format!("  {} {} {}\n", decision.cursor, decision.kind, decision.outcome);
        }
    }
    assert!(app::audit::verify(&office).unwrap().is_intact(), "the audit chain");
    office.close().unwrap();
    text
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn killed_while_importing_an_answer_the_next_import_finishes_it_exactly_once() {
    use std::os::unix::process::ExitStatusExt;
    let root = tempfile::tempdir().unwrap();
    let template = root.path().join("template");
    let cases = prepare(&template);

    // One clean import: what every run must end with.
    let clean = root.path().join("clean");
    copy_dir(&template, &clean);
    let import = |dir: &Path| {
        let answer = std::fs::read(dir.join("answer.bundle")).unwrap();
        let key = std::fs::read_to_string(dir.join("platform.key")).unwrap();
        let mut office =
            Office::open_with_options(&dir.join("office"), "c", CLERK_PASSWORD, at(31), options()).unwrap();
        let imported = bundle::import_bundle(&mut office, &key, &answer, at(31)).unwrap();
        office.close().unwrap();
        imported
    };
    let first = import(&clean);
    assert_eq!((first.confirmed, first.decisions, first.issued.len()), (6, 4, 2), "{first:?}");
    assert_eq!(first.device_key, Some(bundle::DeviceKeyOutcome::Changed));
    let expected = state(&clean.join("office"), &cases);
    assert!(expected.starts_with("2 0 0\n"), "the two 签发 steps wait for the next export: {expected}");
    let unimported = root.path().join("unimported");
    copy_dir(&template, &unimported);
    let before = state(&unimported.join("office"), &cases);
    assert_ne!(before.lines().nth(1), expected.lines().nth(1), "the import changes the device key");

    let runs: u64 = std::env::var("BUNDLE_KILL_RUNS").ok().and_then(|text| text.parse().ok()).unwrap_or(8);
    let mut landed = std::collections::BTreeMap::<&str, u64>::new();
    for run in 0..runs {
        let (point, hit) = POINTS[(run % POINTS.len() as u64) as usize];
        let dir = root.path().join(format!("run-{run}"));
        copy_dir(&template, &dir);
        let mark = dir.join("crash-mark");
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", CHILD_TEST, "--test-threads=1"])
            .env(CHILD_ENV, &dir)
            .env(crashpoint::CRASH_AT, format!("{point}:{hit}"))
            .env(crashpoint::CRASH_MARK, &mark)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.signal(), Some(9), "run {run}: the import reached {point} and died there");
        assert_eq!(std::fs::read_to_string(&mark).unwrap(), point, "run {run}: killed where it was aimed");
        *landed.entry(point).or_default() += 1;

        // The clerk imports the same answer again.
        let again = import(&dir);
        assert_eq!(again.confirmed + again.skipped, 6, "run {run} ({point}): {again:?}");
        assert_eq!(
            state(&dir.join("office"), &cases),
            expected,
            "run {run}: killed at {point}, then imported again"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!(
        "bundle import kills: {runs} runs, by point: {landed:?}; each finished by a second import exactly as one clean import"
    );
    let at_least = if runs >= 200 { 20 } else { 1 };
    for (point, _) in POINTS {
        let hits = landed.get(point).copied().unwrap_or(0);
        assert!(hits >= at_least, "{point} was hit {hits} times, fewer than {at_least}");
    }
}
