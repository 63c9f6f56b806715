//! `upgrade-seeder OUT`: an office as the previous release leaves it on a counter PC, for
//! the upgrade test (scripts/upgrade-test.sh, docs/packaging.md, "Upgrades, tested").
//!
//! Built from the previous release's crates. It makes, in `OUT`:
//! - `office/`: an office with its details, an administrator and three clerks, and cases
//!   in every state a counter reaches, with scanned pages; some of their records already
//!   reached the platform, one was refused by it (quarantined, the case's later records
//!   held behind it), and the rest wait in the outbox, as after a day offline;
//! - `platform.sqlite3`: the stand-in platform's database, holding what reached it;
//! - `manifest.json`: what the office holds, read back through the release's own API (the
//!   cases, their records and histories, the pages' SHA-256, the outbox's counts, the audit
//!   chain's length), for the current version to compare after the upgrade.
//!
//! Any failure panics: the seeder is test tooling, and its message is the report.

use std::path::{Path, PathBuf};
use std::time::Duration;

use app::cases::{self, CaseId, CaseState, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{FirstRun, KdfParams, LockoutPolicy, Office, OfficeDetails, Roles, StoreOptions};
use app::scans::{ColourMode, IntakeOptions};
use app::sync::{self, BackoffPolicy, DrainOptions, SyncConfig};
use app::users::{self, NewClerk};
use chrono::{DateTime, TimeZone, Utc};
use domain::record::ApplicationRecord;
use platform_stub::{Platform, StubConfig};
use serde_json::{Value, json};

/// The passwords and the device id the verifier uses to open what the seeder made.
const ADMIN_PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";
const DEVICE: &str = "3301820-upgrade";

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// Monday 2025-03-10, 09:00 in Zhejiang, plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().expect("valid instant")
        + chrono::Duration::minutes(minutes)
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn example(name: &str, applicant: &str) -> ApplicationRecord {
    let path = repository().join("docs/examples").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut record = ApplicationRecord::from_json(&text).expect("example record parses");
    record.applicant.name = applicant.to_owned();
    record
}

fn login(office: &mut Office, username: &str, minutes: i64) {
    let password = if username == "admin" { ADMIN_PASSWORD } else { CLERK_PASSWORD };
    office.login(username, password, at(minutes)).unwrap_or_else(|e| panic!("{username} logs in: {e}"));
}

/// A accepts a case with `record`, then B reviews and C approves it, as far as `until`.
fn accepted_until(office: &mut Office, record: &ApplicationRecord, until: CaseState, minutes: i64) -> CaseId {
    login(office, "a", minutes);
    let case_id = cases::new_case_id(at(minutes)).expect("case id");
    cases::save_draft(office, &case_id, record, at(minutes)).expect("draft");
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    let outcome = cases::submit(office, &case_id, &submission, at(minutes + 1)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    if until != CaseState::Accepted {
        login(office, "b", minutes + 2);
        cases::review(office, &case_id, "经审核，材料真实有效。", at(minutes + 3)).expect("review");
    }
    if until == CaseState::Approved {
        login(office, "c", minutes + 4);
        cases::approve(office, &case_id, "同意签发。", at(minutes + 5)).expect("approve");
    }
    case_id
}

/// Two scanned pages on the case, through the release's own intake pipeline.
fn attach_pages(office: &mut Office, case_id: &CaseId, minutes: i64) {
    login(office, "a", minutes);
    let options = IntakeOptions::for_mode(ColourMode::Grey);
    for (file, evidence) in [("receipt.png", ""), ("notice.png", "")] {
        let path = repository().join("docs/examples/rendered").join(file);
        let pages = app::scans::intake_file(&path, &options).expect("intake");
        app::scans::attach(office, case_id, &pages, evidence, at(minutes)).expect("attach");
    }
}

fn sync_config(url: &str) -> SyncConfig {
    let mut config = SyncConfig::new(url);
    config.device_id = Some(DEVICE.to_owned());
    config.request_timeout = Duration::from_secs(10);
    config.drain = DrainOptions {
        max_retries: 1,
        backoff: BackoffPolicy { base: Duration::from_millis(5), cap: Duration::from_millis(20) },
        ..DrainOptions::default()
    };
    config
}

fn decode_key(hex_text: &str) -> [u8; 32] {
    let mut key = [0_u8; 32];
    for (index, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex_text[index * 2..index * 2 + 2], 16).expect("hex key");
    }
    key
}

fn main() {
    let out = PathBuf::from(std::env::args_os().nth(1).expect("usage: upgrade-seeder OUT"));
    std::fs::create_dir_all(&out).expect("create OUT");
    let office_dir = out.join("office");

    let details = OfficeDetails {
        county_code: "330182".to_owned(),
        station: "01".to_owned(),
        name: "建德市公安局新安江派出所".to_owned(),
        address: "浙江省建德市新安江街道严州大道1号".to_owned(),
        phone: "0571-64700000".to_owned(),
    };
    let setup =
        FirstRun { details: &details, username: "admin", password: ADMIN_PASSWORD, extra_roles: Roles::NONE };
    let mut office = Office::first_run(&office_dir, &setup, at(0), options()).expect("first run");
    for (username, display_name, roles) in [
        ("a", "受理员甲", Roles::ACCEPT),
        ("b", "审核员乙", Roles::REVIEW),
        ("c", "审批员丙", Roles::APPROVE),
    ] {
        let clerk = NewClerk { username, display_name, roles, password: CLERK_PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).expect("add clerk");
    }

    // The stand-in platform, with its database kept for the verifier.
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let platform = Platform::open(
        &out.join("platform.sqlite3"),
        StubConfig { permit_delay: Duration::ZERO, enrolment_codes: Vec::new() },
    )
    .expect("stand-in database");
    let server = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        platform_stub::spawn(listener, platform.clone()).expect("serve")
    });
    let url = format!("http://{}", server.local_addr());
    let device = sync::device_identity(&mut office, Some(DEVICE), at(2)).expect("device identity");
    platform.register_device(&device.device_id, decode_key(&device.public_key_hex)).expect("register");

    // Morning, online: two approved cases reach the platform; both permits come back, and
    // the old permit of the existing-permit case is cancelled.
    let mut existing = example("application-existing-permit.json", "赵敏");
    existing.current_address = example("application-complete.json", "赵敏").current_address;
    let cancelled = accepted_until(&mut office, &existing, CaseState::Approved, 10);
    let issued =
        accepted_until(&mut office, &example("application-complete.json", "钱军"), CaseState::Approved, 20);
    // A third is refused by the platform's rule: quarantined, its review held behind it.
    let refused =
        accepted_until(&mut office, &example("application-complete.json", "孙丽"), CaseState::Accepted, 30);
    platform.faults().reject_case(*refused.as_uuid(), "RECORD_INVALID", "现居住地址不完整");
    let report = sync::sync_once(&mut office, &sync_config(&url), |_, _| {}).expect("morning sync");
    assert_eq!((report.problem.clone(), report.remaining), (None, 0), "{report:?}");
    platform.decide(*cancelled.as_uuid(), &platform_api::DecisionKind::OldPermitCancelled).expect("decide");
    let report = sync::sync_once(&mut office, &sync_config(&url), |_, _| {}).expect("decisions");
    assert_eq!(report.problem, None, "{report:?}");
    login(&mut office, "b", 40);
    cases::review(&mut office, &refused, "经审核，材料真实有效。", at(41)).expect("review behind quarantine");

    // Afternoon, the link is down: every other state, nothing synced.
    let reviewed =
        accepted_until(&mut office, &example("application-complete.json", "周强"), CaseState::Reviewed, 50);
    let approved =
        accepted_until(&mut office, &example("application-complete.json", "吴芳"), CaseState::Approved, 60);
    let accepted =
        accepted_until(&mut office, &example("application-complete.json", "郑华"), CaseState::Accepted, 70);
    attach_pages(&mut office, &accepted, 72);
    let rejected =
        accepted_until(&mut office, &example("application-complete.json", "王磊"), CaseState::Reviewed, 80);
    login(&mut office, "c", 84);
    cases::reject(&mut office, &rejected, &["居住时间不满足互认条件。".to_owned()], at(85)).expect("reject");
    let sent_back =
        accepted_until(&mut office, &example("application-complete.json", "冯静"), CaseState::Accepted, 90);
    login(&mut office, "b", 92);
    cases::send_back(&mut office, &sent_back, &["居住证明材料不清晰，请补正。".to_owned()], at(93))
        .expect("send back");
    let withdrawn =
        accepted_until(&mut office, &example("application-complete.json", "陈刚"), CaseState::Accepted, 100);
    login(&mut office, "a", 102);
    cases::withdraw(&mut office, &withdrawn, "申请人撤回申请。", at(103)).expect("withdraw");

    login(&mut office, "a", 110);
    let not_eligible = cases::new_case_id(at(110)).expect("case id");
    cases::save_draft(&mut office, &not_eligible, &example("application-not-eligible.json", "褚明"), at(110))
        .expect("draft");
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    let outcome = cases::submit(&mut office, &not_eligible, &submission, at(111)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::NotEligible { .. }), "{outcome:?}");
    let notice = cases::new_case_id(at(112)).expect("case id");
    cases::save_draft(&mut office, &notice, &example("application-incomplete.json", "卫兰"), at(112))
        .expect("draft");
    let outcome = cases::submit(&mut office, &notice, &submission, at(113)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Notice { .. }), "{outcome:?}");
    let draft = cases::new_case_id(at(114)).expect("case id");
    cases::save_draft(&mut office, &draft, &example("application-complete.json", "蒋涛"), at(114))
        .expect("draft");
    attach_pages(&mut office, &draft, 115);

    // Read everything back through the release's API.
    let all = [
        cancelled,
        issued,
        refused,
        reviewed,
        approved,
        accepted,
        rejected,
        sent_back,
        withdrawn,
        not_eligible,
        notice,
        draft,
    ];
    login(&mut office, "c", 120);
    let mut case_lines = Vec::new();
    let mut page_lines = Vec::new();
    for case_id in &all {
        let view = cases::get_case(&mut office, case_id, at(120)).expect("case");
        let history: Vec<Value> = view
            .history
            .iter()
            .map(|line| json!({ "to": line.to, "actor": line.actor.username, "note": line.note }))
            .collect();
        case_lines.push(json!({
            "id": case_id.to_string(),
            "state": view.state,
            "record": view.record,
            "permit_number": view.permit_number,
            "due_date": view.due_date,
            "history": history,
        }));
    }
    login(&mut office, "a", 121);
    for case_id in &all {
        for page in app::scans::list(&office, case_id).expect("pages") {
            page_lines.push(json!({ "case": case_id.to_string(), "id": page.id, "sha256": page.sha256 }));
        }
    }
    let states: std::collections::BTreeSet<String> =
        case_lines.iter().map(|line| line["state"].to_string()).collect();
    let status = sync::sync_status(&office).expect("status");
    login(&mut office, "admin", 122);
    let audit = app::audit::verify(&office).expect("audit");
    assert!(audit.is_intact(), "{audit:?}");
    let records = platform.records().expect("platform records");
    let manifest = json!({
        "admin_password": ADMIN_PASSWORD,
        "clerk_password": CLERK_PASSWORD,
        "device_id": DEVICE,
        "schema": store::SCHEMA_VERSION,
        "details": details,
        "cases": case_lines,
        "states": states,
        "pages": page_lines,
        "outbox": { "queued": status.queued, "held": status.held, "quarantined": status.quarantined },
        "platform_records": records.iter().map(|record| record.record_id.to_string()).collect::<Vec<_>>(),
        "audit_rows": audit.rows,
    });
    office.close().expect("close");
    runtime.block_on(server.shutdown());
    std::fs::write(out.join("manifest.json"), serde_json::to_string_pretty(&manifest).expect("json"))
        .expect("write manifest");
    eprintln!(
        "upgrade-seeder: {} cases in {} states, {} pages, outbox {} queued / {} held / {} quarantined, {} records on the platform",
        all.len(),
        states.len(),
        page_lines.len(),
        status.queued,
        status.held,
        status.quarantined,
        records.len()
    );
}
