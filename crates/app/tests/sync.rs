//! Sync over real loopback HTTP: the office's real encrypted store, three real clerks,
//! and the stand-in platform (`platform_stub::TestServer`) with its fault switches.
//!
//! Each test runs the stand-in on a tokio runtime of its own threads while the test
//! thread calls the blocking `app::sync` API, as the shell's sync thread and `permitctl`
//! do.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use app::cases::{self, CaseId, CaseState, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::sync::{self, BackoffPolicy, DrainOptions, OutboxStatus, SyncConfig};
use app::users::{self, NewClerk};
use chrono::{DateTime, Duration as Minutes, TimeZone, Utc};
use domain::record::ApplicationRecord;
use platform_stub::{StubConfig, TestServer};

const ADMIN_PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";
const OWN_PASSWORD: &str = "own-password-9";
const DEVICE: &str = "330182-jiande-01-test";

/// Monday 2025-03-10, 09:00 in Zhejiang, plus `minutes`: the clerks' steps happen then;
/// the sync writes the real time, which is later.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().unwrap() + Minutes::minutes(minutes)
}

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

fn record(name: &str) -> ApplicationRecord {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/application-complete.json");
    let mut record = ApplicationRecord::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    record.applicant.name = name.to_owned();
    record
}

fn login(office: &mut Office, username: &str, minutes: i64) {
    let password = if username == "admin" { ADMIN_PASSWORD } else { CLERK_PASSWORD };
    office.login(username, password, at(minutes)).unwrap();
}

fn set_up_office(dir: &Path) -> Office {
    let mut office =
        Office::set_up_with_options(dir, "330182-jiande-01", "admin", ADMIN_PASSWORD, at(0), options())
            .unwrap();
    for (username, display_name, roles) in [
        ("a", "受理员甲", Roles::ACCEPT),
        ("b", "审核员乙", Roles::REVIEW),
        ("c", "审批员丙", Roles::APPROVE),
    ] {
        let clerk = NewClerk { username, display_name, roles, password: CLERK_PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).unwrap();
    }
    office
}

/// A accepts a case for `name`; then B reviews it and C approves it, as far as `until`.
fn case_until(office: &mut Office, name: &str, until: CaseState, minutes: i64) -> CaseId {
    case_with_record_until(office, &record(name), until, minutes)
}

fn case_with_record_until(
    office: &mut Office,
    record: &ApplicationRecord,
    until: CaseState,
    minutes: i64,
) -> CaseId {
    login(office, "a", minutes);
    let case_id = cases::new_case_id(at(minutes)).unwrap();
    cases::save_draft(office, &case_id, record, at(minutes)).unwrap();
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    let outcome = cases::submit(office, &case_id, &submission, at(minutes + 1)).unwrap();
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    if until == CaseState::Accepted {
        return case_id;
    }
    login(office, "b", minutes + 2);
    cases::review(office, &case_id, "经审核，材料真实有效。", at(minutes + 3)).unwrap();
    if until == CaseState::Reviewed {
        return case_id;
    }
    login(office, "c", minutes + 4);
    cases::approve(office, &case_id, "同意签发。", at(minutes + 5)).unwrap();
    case_id
}

/// Each clerk logs in with the administrator's password and chooses their own
/// (`OWN_PASSWORD`): a new signing key, certified by the previous one, which retires.
fn clerks_choose_their_own_passwords(office: &mut Office) {
    for (n, username) in ["a", "b", "c"].into_iter().enumerate() {
        login(office, username, 2 + n as i64);
        users::change_password(office, CLERK_PASSWORD, OWN_PASSWORD, at(2 + n as i64)).unwrap();
    }
}

/// Logs a clerk in with the password they chose.
fn own(office: &mut Office, username: &str, minutes: i64) {
    office.login(username, OWN_PASSWORD, at(minutes)).unwrap();
}

/// The stand-in with the office's one-time enrolment code, and the sync configuration
/// that presents it.
fn enrolling_stand_in(runtime: &tokio::runtime::Runtime) -> (TestServer, SyncConfig) {
    let config =
        StubConfig { permit_delay: Duration::from_millis(1), enrolment_codes: vec!["7K4Q-29XD".to_owned()] };
    let server = runtime.block_on(TestServer::start_with(config)).unwrap();
    let mut sync_config = config_for(&server.url());
    sync_config.enrolment_code = Some("7K4Q-29XD".to_owned());
    (server, sync_config)
}

/// [`config`] with one retry.
fn config_for(base_url: &str) -> SyncConfig {
    config(base_url, 1)
}

/// Millisecond backoff and few retries, so a dead link fails a sync in well under a second.
fn config(base_url: &str, max_retries: u32) -> SyncConfig {
    let mut config = SyncConfig::new(base_url);
    config.device_id = Some(DEVICE.to_owned());
    config.request_timeout = Duration::from_secs(5);
    config.connect_timeout = Duration::from_secs(2);
    config.drain = DrainOptions {
        max_retries,
        backoff: BackoffPolicy { base: Duration::from_millis(5), cap: Duration::from_millis(20) },
        ..DrainOptions::default()
    };
    config
}

/// The stand-in and the runtime serving it (fields drop in order: the server stops first).
struct Stub {
    server: TestServer,
    _runtime: tokio::runtime::Runtime,
}

impl Stub {
    fn start(permit_delay: Duration) -> Stub {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let config = StubConfig { permit_delay, enrolment_codes: Vec::new() };
        let server = runtime.block_on(TestServer::start_with(config)).unwrap();
        Stub { server, _runtime: runtime }
    }

    /// Registers the office's device (its identity is made on first use) as an operator would.
    fn register(&self, office: &mut Office) {
        let device = sync::device_identity(&mut *office, Some(DEVICE), at(0)).unwrap();
        let mut key = [0_u8; 32];
        hex::decode_to_slice(&device.public_key_hex, &mut key).unwrap();
        self.server.platform().register_device(&device.device_id, key).unwrap();
    }

    /// The records the platform holds, checking that none arrived twice.
    fn record_ids(&self) -> HashSet<uuid::Uuid> {
        let records = self.server.platform().records().unwrap();
        let ids: HashSet<_> = records.iter().map(|record| record.record_id).collect();
        assert_eq!(ids.len(), records.len(), "no record stored twice");
        ids
    }
}

/// A port on loopback where nothing listens: the stand-in "not running".
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn a_case_approved_offline_is_queued_then_drained_and_its_permit_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let case_id = case_until(&mut office, "张伟", CaseState::Approved, 10);

    // The platform is not running: the sync fails cleanly, nothing leaves the queue.
    let report = sync::sync_once(&mut office, &config(&dead_url(), 1), |_, _| {}).unwrap();
    let problem = report.problem.expect("a network problem");
    assert_eq!(problem.code.as_str(), "PLATFORM_UNREACHABLE", "{problem:?}");
    assert!(problem.offline && !problem.needs_person);
    assert_eq!((report.confirmed, report.remaining), (0, 3));
    let status = sync::sync_status(&office).unwrap();
    assert_eq!(status.queued, 3, "accepted, reviewed, approved: one record each");
    assert_eq!(status.oldest_queued_at, Some(at(11)));
    assert!(status.offline && status.last_error.is_some() && status.last_success_at.is_none(), "{status:?}");
    assert_eq!(status.device_id.as_deref(), Some(DEVICE), "the identity was created by the first sync");

    // The platform starts: the queue drains, with progress.
    let stub = Stub::start(Duration::from_millis(300));
    stub.register(&mut office);
    let mut progress = Vec::new();
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |done, total| {
        progress.push((done, total))
    })
    .unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.confirmed, report.quarantined, report.remaining), (3, 0, 0));
    assert_eq!(progress.last(), Some(&(3, 3)), "{progress:?}");
    assert!(report.issued.is_empty(), "the permit is not due yet");
    let status = sync::sync_status(&office).unwrap();
    assert_eq!((status.queued, status.offline, status.last_error.clone()), (0, false, None));
    assert!(status.last_success_at.is_some());

    // After the stand-in's delay, the next sync brings the permit number back.
    std::thread::sleep(Duration::from_millis(400));
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.issued.len(), 1, "{report:?}");
    let permit_number = report.issued[0].permit_number.clone();
    assert_eq!(report.issued[0].case_id, case_id);
    assert!(permit_number.starts_with("3300"), "{permit_number}");
    assert_eq!(report.decisions, 2, "permit issued and sms sent");
    assert_eq!((report.confirmed, report.remaining), (1, 0), "the 签发 step is reported at once");

    login(&mut office, "a", 100);
    let view = cases::get_case(&mut office, &case_id, (SyncConfig::new("").clock)()).unwrap();
    assert_eq!(view.state, CaseState::Issued);
    assert_eq!(view.permit_number.as_deref(), Some(permit_number.as_str()));
    let issue = view.history.last().unwrap();
    assert_eq!(
        (issue.actor.display_name.as_str(), issue.note.as_deref()),
        ("省平台", Some(permit_number.as_str()))
    );
    let decisions = sync::case_decisions(&office, &case_id).unwrap();
    assert_eq!(decisions.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(), ["permit_issued", "sms_sent"]);
    assert!(decisions[0].summary.contains(&permit_number));

    // A sync with nothing new changes nothing; every record reached the platform once.
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.sent, report.decisions, report.issued.len()), (0, 0, 0));
    assert_eq!(stub.record_ids().len(), 4);
    assert_eq!(sync::sync_status(&office).unwrap().queued, 0);
    login(&mut office, "admin", 101);
    assert!(app::audit::verify(&office).unwrap().is_intact());
}

#[test]
fn a_rejected_record_is_quarantined_the_rest_drains_and_a_resend_goes_through() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let refused = case_until(&mut office, "李娜", CaseState::Reviewed, 10);
    let fine = case_until(&mut office, "王芳", CaseState::Accepted, 20);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    stub.server.faults().reject_case(*refused.as_uuid(), "RECORD_INVALID", "现居住地址不完整");

    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "a rejected record does not stop the sync");
    assert_eq!((report.confirmed, report.quarantined, report.remaining), (1, 1, 0), "{report:?}");
    login(&mut office, "admin", 40);
    let status = sync::sync_status(&office).unwrap();
    assert_eq!((status.queued, status.held, status.quarantined), (1, 1, 1), "{status:?}");
    let quarantined = sync::quarantined(&office).unwrap();
    assert_eq!(quarantined.len(), 1);
    let item = &quarantined[0];
    assert_eq!(
        (item.case_id, item.status, item.code.as_deref()),
        (Some(refused), OutboxStatus::Quarantined, Some("RECORD_INVALID"))
    );
    let reason = item.reason_zh.clone().unwrap();
    assert!(reason.contains("不合规") && reason.contains("现居住地址不完整"), "{reason}");
    assert_eq!(item.summary, "状态变更：草稿 → 已受理");
    let on_platform = stub.record_ids();
    assert_eq!(on_platform.len(), 1, "only the other case's record");

    // Clerks without 审批 or 管理员 may not release it.
    login(&mut office, "b", 41);
    assert!(matches!(sync::resend(&mut office, &item.id, at(41)), Err(app::AppError::RoleMissing { .. })));

    // The platform's rule is fixed; the supervisor resends; the held record follows.
    stub.server.faults().clear();
    login(&mut office, "admin", 42);
    sync::resend(&mut office, &item.id, at(42)).unwrap();
    assert_eq!(sync::sync_status(&office).unwrap().quarantined, 0);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.confirmed, report.quarantined, report.remaining), (2, 0, 0), "{report:?}");
    assert_eq!(stub.record_ids().len(), 3);
    assert_eq!(sync::sync_status(&office).unwrap().queued, 0);
    assert!(stub.server.platform().records().unwrap().iter().any(|record| record.case_id == *fine.as_uuid()));
}

/// 更正后重报: the platform refuses an application for what it says (a malformed address);
/// the clerk corrects it; the same record id goes again with the corrected application and
/// is accepted (the platform stored nothing of the refused one), the later steps follow,
/// and nothing arrives twice. An application already reviewed on top of the refused one
/// cannot be corrected: the reviewer signed what was refused (issue 18).
#[test]
fn a_refused_application_is_corrected_and_delivered_under_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let mut bad = record("周敏");
    bad.current_address.address = "建德市XX路".to_owned();
    let case_id = case_with_record_until(&mut office, &bad, CaseState::Accepted, 10);
    let mut reviewed_bad = record("钱程");
    reviewed_bad.current_address.address = "建德市XX路".to_owned();
    let reviewed_case = case_with_record_until(&mut office, &reviewed_bad, CaseState::Reviewed, 20);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    stub.server.faults().add_reject_rule(platform_stub::RejectRule {
        case_id: None,
        kind: None,
        payload_contains: Some("XX路".to_owned()),
        code: "RECORD_INVALID".to_owned(),
        reason: "现居住地址不规范".to_owned(),
    });
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.confirmed, report.quarantined), (0, 2), "{report:?}");
    login(&mut office, "admin", 40);
    let mut items = sync::quarantined(&office).unwrap();
    let reviewed_item =
        items.remove(items.iter().position(|item| item.case_id == Some(reviewed_case)).unwrap());
    assert!(!reviewed_item.correctable, "reviewed on top of the refused application: {reviewed_item:?}");
    assert!(reviewed_item.next_step_zh.as_deref().is_some_and(|step| step.contains("重新受理")));
    let item = items.remove(0);
    assert!(item.correctable, "a refused submission carries its application");
    assert_eq!(item.applicant.as_deref(), Some("周敏"));
    assert!(item.next_step_zh.as_deref().is_some_and(|step| step.contains("更正")));

    // A reviewer may not change an application; the accepting clerk corrects it.
    login(&mut office, "b", 41);
    let mut corrected = bad.clone();
    corrected.current_address.address = "浙江省杭州市建德市新安江街道江滨中路88号".to_owned();
    assert!(matches!(
        sync::correct_and_resend(&mut office, &item.id, &corrected, at(41)),
        Err(app::AppError::RoleMissing { .. })
    ));
    login(&mut office, "a", 42);
    let mut reviewed_corrected = reviewed_bad.clone();
    reviewed_corrected.current_address.address = corrected.current_address.address.clone();
    assert!(sync::correct_and_resend(&mut office, &reviewed_item.id, &reviewed_corrected, at(42)).is_err());
    assert_eq!(sync::correct_and_resend(&mut office, &item.id, &corrected, at(42)).unwrap(), case_id);
    assert!(sync::correct_and_resend(&mut office, &item.id, &corrected, at(43)).is_err(), "not twice");
    let view = cases::get_case(&mut office, &case_id, at(44)).unwrap();
    assert_eq!(view.record.current_address.address, corrected.current_address.address);
    assert_eq!(view.state, CaseState::Accepted, "the case goes on where it was");
    login(&mut office, "b", 45);
    cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(46)).unwrap();

    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.confirmed, report.quarantined, report.remaining), (2, 0, 0), "{report:?}");
    let records = stub.server.platform().records().unwrap();
    assert_eq!(stub.record_ids().len(), 2, "acceptance and review, each once");
    assert!(records.iter().any(|record| record.record_id == *item.id.as_uuid()), "the same id, accepted");

    // The correction is audited with the clerk and the changed field, never its value.
    login(&mut office, "admin", 50);
    let audit = app::audit::case_trail(&office, &case_id, 100).unwrap();
    let line = audit.iter().find(|line| line.action == "record_corrected").expect("audited");
    assert_eq!(line.actor, "a");
    assert!(line.details.to_string().contains("current_address"));
    assert!(!line.details.to_string().contains("江滨中路"), "no personal data in the audit row");
}

#[test]
fn a_lost_acknowledgement_heals_on_the_next_sync_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "赵敏", CaseState::Approved, 10);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    let local_ids: HashSet<uuid::Uuid> = {
        login(&mut office, "admin", 30);
        sync::outbox(&office, 100).unwrap().queued.iter().map(|entry| *entry.id.as_uuid()).collect()
    };
    assert_eq!(local_ids.len(), 3);

    // The platform commits the batch and drops the connection before answering; with no
    // retries left, this sync ends with the records still queued. (The first dropped
    // request is the sync's clock probe, GET /v1/time: the sync goes on without it.)
    stub.server.faults().drop_after_commit_next(2);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(
        report.problem.as_ref().map(|p| p.code.as_str()),
        Some("PLATFORM_CONNECTION_LOST"),
        "{report:?}"
    );
    assert_eq!((report.confirmed, report.remaining), (0, 3));
    assert_eq!(stub.record_ids(), local_ids, "the platform has them already");

    // The next sync resends them: duplicates, confirmed, stored once.
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.confirmed, report.duplicates, report.remaining), (3, 3, 0), "{report:?}");
    assert_eq!(stub.record_ids(), local_ids);
    let stats = stub.server.platform().stats().unwrap();
    assert_eq!((stats.records, stats.duplicates), (3, 3));
    assert!(sync::outbox(&office, 100).unwrap().queued.is_empty());
}

/// The office keeps the platform's key (set for air-gapped bundles): every answer must
/// then carry the platform's signature. A verdict changed on its way is refused with a
/// reason a person can act on, nothing is confirmed; the next clean sync delivers once.
#[test]
fn with_the_platforms_key_kept_a_tampered_answer_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "钱多", CaseState::Approved, 10);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    login(&mut office, "admin", 30);
    let key = stub.server.platform().public_key_hex().unwrap();
    app::bundle::set_platform_key(&mut office, &key, false, at(30)).unwrap();

    // The clock probe is unsigned; the first signed answer (the push's verdicts) is changed.
    stub.server.faults().tamper_next(1);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 3), |_, _| {}).unwrap();
    let problem = report.problem.expect("the tampered answer is refused");
    assert_eq!(problem.code.as_str(), "PLATFORM_ANSWER_UNVERIFIED", "{problem:?}");
    assert!(problem.needs_person && !problem.offline);
    assert!(problem.message.contains("没有通过平台签名核验"), "{}", problem.message);
    assert_eq!((report.confirmed, report.remaining), (0, 3), "nothing confirmed on a forged answer");

    // Clean answers, verified with the kept key: delivered, each record once.
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 3), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.confirmed, report.remaining), (3, 0), "{report:?}");
    assert_eq!(stub.server.platform().stats().unwrap().records, 3);
}

/// The insider of issue 18: a clerk copies the office's files, opens them with their own
/// password, rewrites an early audit row (their refused log-ins, say) and recomputes the
/// whole chain with the key their password unlocks, so the office's own check passes.
/// The platform holds the chain's head from the last sync: the next push cannot name the
/// hash it saw there, and is refused; the window says why and nothing is confirmed.
#[test]
fn an_audit_chain_rewritten_after_a_sync_is_refused_by_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "孙立", CaseState::Approved, 10);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.problem, report.confirmed), (None, 3));
    let (anchored_seq, _) =
        stub.server.platform().audit_anchor(DEVICE).unwrap().expect("the push anchored the audit chain");
    office.close().unwrap();

    {
        // The insider, with clerk a's own password and the files.
        let (store, _) =
            store::Store::open_with_options(dir.path(), "a", CLERK_PASSWORD, at(40), options()).unwrap();
        store.rewrite_audit_row(2, r#"{"rewritten":true}"#).unwrap();
        assert!(store.audit_verify().unwrap().is_intact(), "the office's own check is fooled");
        assert!(anchored_seq > 2, "the edited row is below the platform's anchor");
        store.close().unwrap();
    }

    let mut office = Office::open(dir.path(), "admin", ADMIN_PASSWORD, at(50)).unwrap();
    case_until(&mut office, "周明", CaseState::Accepted, 60);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    let problem = report.problem.expect("the platform refuses the office");
    assert_eq!(problem.code.as_str(), "AUDIT_CHAIN_BROKEN", "{problem:?}");
    assert!(problem.needs_person);
    assert!(problem.message.contains("审计记录"), "{}", problem.message);
    assert_eq!(report.confirmed, 0, "nothing of the push is taken");
    assert_eq!(stub.server.platform().stats().unwrap().records, 3, "the platform stored nothing new");
    assert_eq!(sync::sync_status(&office).unwrap().queued, 1, "the office keeps its record");

    // The platform's operator, having checked with the office, forgets the anchor: the
    // office anchors afresh and delivers.
    assert!(stub.server.platform().forget_audit_anchor(DEVICE).unwrap());
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.problem, report.confirmed), (None, 1));
}

/// The insider of issue 18: clerk a, who may only accept, opens the office's files with
/// a's own password (all a SQLCipher shell with the unwrapped key gives), grants themselves
/// every role and takes an accepted case on to approved — then forges the approval three
/// ways: in a's own name, in a colleague's name with a key minted for them, and unsigned
/// under the platform's account. The office's program pushes whatever its database says;
/// the platform refuses each approval for who signed it and issues no permit, while a case
/// that three different clerks signed gets its permit from the same push.
#[test]
fn an_insider_cannot_push_an_approval_that_three_clerks_did_not_sign() {
    use clerk_signing::{ClerkKey, StepSignature};
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let case_id = case_until(&mut office, "吴桐", CaseState::Accepted, 10);
    let stub = Stub::start(Duration::from_millis(1));
    stub.register(&mut office);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((&report.problem, report.confirmed), (&None, 1), "{report:?}");
    let keys = stub.server.platform().clerk_keys(DEVICE).unwrap();
    let names: HashSet<&str> = keys.iter().map(|key| key.0.as_str()).collect();
    assert_eq!(names, HashSet::from(["admin", "a", "b", "c"]), "every clerk's key came with the push");
    let roots: Vec<&str> = keys.iter().filter(|key| key.3).map(|key| key.0.as_str()).collect();
    assert_eq!(roots, ["admin"], "the administrator's key is the office's root");
    office.close().unwrap();

    let platform = stub.server.platform();
    // Pushes what the office now holds as the administrator would, then reads the verdict
    // on the case's approval from the quarantine.
    let push_and_read_refusal = |minutes: i64| {
        let mut office = Office::open(dir.path(), "admin", ADMIN_PASSWORD, at(minutes)).unwrap();
        sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
        platform.issue_due_permits().unwrap();
        let refused = sync::quarantined(&office).unwrap();
        office.close().unwrap();
        refused.into_iter().find(|entry| entry.case_id == Some(case_id)).expect("the approval is refused")
    };

    // 1. In a's own name: a grants themselves every role with a SQLCipher shell (which has
    // to drop the state seal's triggers first), signs the review and the approval with a's
    // own key and changes the applicant's phone in the stored case.
    {
        let (mut store, a) =
            store::Store::open_with_options(dir.path(), "a", CLERK_PASSWORD, at(20), options()).unwrap();
        let shell = store.shell_connection().unwrap();
        let grant = "UPDATE users SET roles = 15 WHERE username = 'a'";
        let refused = shell.execute(grant, []).unwrap_err();
        assert!(refused.to_string().contains("permit_seal"), "the seal's trigger stops the shell: {refused}");
        shell
            .execute_batch("DROP TRIGGER state_seal_users_update; DROP TRIGGER state_seal_cases_update;")
            .unwrap();
        shell.execute(grant, []).unwrap();
        for (from, to) in
            [(CaseState::Accepted, CaseState::Reviewed), (CaseState::Reviewed, CaseState::Approved)]
        {
            let change = store::StateChange { from, to, note: None, due_date: None, profile: None };
            store.transition(&a, &case_id, &change, at(21)).unwrap();
        }
        shell
            .execute("UPDATE cases SET phone = '13900000000' WHERE uuid = ?1", [case_id.to_string()])
            .unwrap();
        drop(shell);
        store.close().unwrap();
    }
    let refusal = push_and_read_refusal(30);
    // The log-in before that push found the tables changed beside the program, and the
    // push reported it to the platform; the next clerk to log in is told too.
    let reported = platform.reported_audit_break(DEVICE).unwrap();
    assert!(reported.is_some(), "the push reported the broken seal");
    let mut office = Office::open(dir.path(), "b", CLERK_PASSWORD, at(31)).unwrap();
    office.wait_for_state_seal_check();
    let warning = sync::sync_status(&office).unwrap().audit_warning.expect("the next log-in finds it");
    assert!(warning.starts_with("本机数据核验未通过"), "{warning}");
    office.close().unwrap();
    assert_eq!(refusal.code.as_deref(), Some("APPROVAL_NOT_SEPARATED"), "{refusal:?}");
    assert!(
        refusal.reason_zh.as_deref().is_some_and(|reason| reason.contains("三名不同人员")),
        "{refusal:?}"
    );
    assert!(
        refusal.next_step_zh.as_deref().is_some_and(|step| step.contains("不要重新发送")),
        "the supervisor is told this may be tampering: {refusal:?}"
    );
    assert_eq!(platform.stats().unwrap().permits, 0);

    // The refused approval's payload, which the insider now rewrites by hand.
    let forge = |edit: &dyn Fn(&mut serde_json::Value)| {
        let (store, _) =
            store::Store::open_with_options(dir.path(), "a", CLERK_PASSWORD, at(40), options()).unwrap();
        let conn = store.raw_connection();
        let (id, text): (String, String) = conn
            .query_row(
                "SELECT id, payload FROM outbox WHERE status = 'quarantined' AND json_extract(payload, '$.to') = 'approved'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        let mut payload: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut payload);
        conn.execute(
            "UPDATE outbox SET payload = ?2, status = 'queued', quarantine_code = NULL, last_error = NULL WHERE id = ?1",
            rusqlite::params![id, payload.to_string()],
        )
        .unwrap();
        // The minted key's certificates travel with the push too: self-signed as a root,
        // and claiming the administrator as its issuer.
        let minted = ClerkKey::from_secret(&[42; 32]).unwrap();
        let mut claimed = minted.certify_self("c", false, "2025-03-10T01:40:00.000Z");
        claimed.issuer = Some(keys.iter().find(|key| key.0 == "admin").unwrap().1.clone());
        for certificate in [minted.certify_self("c", true, "2025-03-10T01:40:00.000Z"), claimed] {
            conn.execute(
                "INSERT INTO clerk_keys (user_id, public_key, issuer, administrator, certificate, created_at)
                 VALUES ((SELECT id FROM users WHERE username = 'c'), ?1, ?2, ?3, ?4, 0)",
                rusqlite::params![
                    certificate.public_key,
                    certificate.issuer,
                    certificate.administrator,
                    serde_json::to_string(&certificate).unwrap()
                ],
            )
            .unwrap();
        }
        store.close().unwrap();
    };

    // 2. In approver c's name, with a key a minted for c.
    forge(&|payload| {
        let minted = ClerkKey::from_secret(&[42; 32]).unwrap();
        let genuine: StepSignature = serde_json::from_value(payload["signature"].clone()).unwrap();
        let step = clerk_signing::Step {
            case_id: &case_id.to_string(),
            from: "reviewed",
            to: "approved",
            at: payload["at"].as_str().unwrap(),
            username: "c",
            record: &genuine.record,
            previous: &genuine.previous,
        };
        payload["signature"] = serde_json::to_value(minted.sign_step(&step)).unwrap();
        payload["actor"] = "c".into();
    });
    let refusal = push_and_read_refusal(50);
    assert_eq!(refusal.code.as_deref(), Some("CLERK_KEY_UNTRUSTED"), "{refusal:?}");
    assert_eq!(platform.stats().unwrap().permits, 0);
    assert!(
        !platform
            .clerk_keys(DEVICE)
            .unwrap()
            .iter()
            .any(|key| key.1 == ClerkKey::from_secret(&[42; 32]).unwrap().public_key()),
        "the minted key's certificates chain to nothing the platform trusts"
    );

    // 3. Unsigned, under the account the platform's own decisions come back with.
    forge(&|payload| {
        payload.as_object_mut().unwrap().remove("signature");
        payload["actor"] = "platform".into();
    });
    let refusal = push_and_read_refusal(60);
    assert_eq!(refusal.code.as_deref(), Some("STEP_NOT_SIGNED"), "{refusal:?}");

    // A case three different clerks signed is approved by the same platform.
    let mut office = Office::open(dir.path(), "admin", ADMIN_PASSWORD, at(70)).unwrap();
    let genuine = case_until(&mut office, "郑洁", CaseState::Approved, 70);
    sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    platform.issue_due_permits().unwrap();
    assert_eq!(platform.stats().unwrap().permits, 1, "the genuine approval gets its permit");
    let records = platform.records().unwrap();
    assert!(records.iter().any(|record| record.case_id == *genuine.as_uuid()));
    let refused = sync::quarantined(&office).unwrap();
    assert!(refused.iter().all(|entry| entry.case_id == Some(case_id)), "{refused:?}");
}

/// Signed steps through a whole real case (issue 18): the office enrols with a one-time
/// code (its root travels with the enrolment), each clerk replaces the administrator's
/// password with their own (a new key, the old one revoked), the reviewer sends the case
/// back (a one-time notice, `notice_issued` on the wire, signed under that name), the
/// counter corrects and accepts it again, a third clerk approves: every step verifies at
/// the platform and the permit comes back.
#[test]
fn a_case_sent_back_and_accepted_again_by_clerks_on_their_own_passwords_gets_its_permit() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    clerks_choose_their_own_passwords(&mut office);
    own(&mut office, "a", 10);
    let case_id = cases::new_case_id(at(10)).unwrap();
    cases::save_draft(&mut office, &case_id, &record("陈静"), at(10)).unwrap();
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    cases::submit(&mut office, &case_id, &submission, at(11)).unwrap();
    own(&mut office, "b", 12);
    cases::send_back(&mut office, &case_id, &["居住证明材料不清晰".to_owned()], at(13)).unwrap();
    own(&mut office, "a", 14);
    let mut corrected = record("陈静");
    corrected.current_address.address = "浙江省杭州市建德市新安江街道江滨中路90号".to_owned();
    cases::save_draft(&mut office, &case_id, &corrected, at(15)).unwrap();
    cases::submit(&mut office, &case_id, &submission, at(16)).unwrap();
    own(&mut office, "b", 17);
    cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(18)).unwrap();
    own(&mut office, "c", 19);
    cases::approve(&mut office, &case_id, "同意签发。", at(20)).unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (server, sync_config) = enrolling_stand_in(&runtime);
    let report = sync::sync_once(&mut office, &sync_config, |_, _| {}).unwrap();
    assert_eq!((&report.problem, report.quarantined), (&None, 0), "{report:?}");
    assert_eq!(report.issued.len(), 1, "{report:?}");
    let keys = server.platform().clerk_keys(DEVICE).unwrap();
    assert!(keys.iter().any(|key| key.0 == "admin" && key.3), "the root came with the enrolment: {keys:?}");
    assert_eq!(
        keys.iter().filter(|key| key.0 == "a").count(),
        2,
        "the administrator's key for a and a's own"
    );
    assert_eq!(cases::get_case(&mut office, &case_id, at(30)).unwrap().state, CaseState::Issued);
}

/// The check at log-in: an audit row changed by hand (the chain not recomputed) is found
/// by the next clerk who logs in, and every clerk's header says so until it is whole.
#[test]
fn a_hand_edited_audit_row_is_found_at_the_next_log_in_and_shown_in_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "何平", CaseState::Accepted, 10);
    assert_eq!(sync::sync_status(&office).unwrap().audit_warning, None);
    office.close().unwrap();
    {
        let (store, _) =
            store::Store::open_with_options(dir.path(), "a", CLERK_PASSWORD, at(20), options()).unwrap();
        let conn = store.raw_connection();
        conn.execute_batch("DROP TRIGGER audit_no_update;").unwrap();
        let last: i64 = conn.query_row("SELECT max(seq) FROM audit", [], |row| row.get(0)).unwrap();
        conn.execute("UPDATE audit SET actor = 'nobody' WHERE seq = ?1", [last - 1]).unwrap();
        store.close().unwrap();
    }
    let mut office = Office::open(dir.path(), "b", CLERK_PASSWORD, at(30)).unwrap();
    let warning = sync::sync_status(&office).unwrap().audit_warning.expect("the log-in found it");
    assert!(warning.starts_with("审计记录核验未通过"), "{warning}");
    login(&mut office, "c", 31);
    assert!(sync::sync_status(&office).unwrap().audit_warning.is_some(), "every clerk is told");
    // And the platform is told, with the next sync (the stored hashes still chain: the
    // edit was not recomputed, so the anchor holds and the records go through).
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    let reported = stub.server.platform().reported_audit_break(DEVICE).unwrap();
    assert!(reported.is_some(), "the office reported its own alarm");
}

/// The state seal before every sync (issue 18): a clerk's roles changed with a SQLCipher
/// shell while the office is open, after everyone logged in, are reported to the platform
/// by the next sync and shown in the header from then on.
#[test]
fn a_change_made_beside_the_program_while_it_runs_is_reported_by_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "钱进", CaseState::Accepted, 10);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(stub.server.platform().reported_audit_break(DEVICE).unwrap(), None, "an untouched office");
    {
        let (store, _) =
            store::Store::open_with_options(dir.path(), "a", CLERK_PASSWORD, at(20), options()).unwrap();
        let shell = store.shell_connection().unwrap();
        shell.execute_batch("DROP TRIGGER state_seal_users_update;").unwrap();
        shell.execute("UPDATE users SET roles = 15 WHERE username = 'a'", []).unwrap();
    }
    assert_eq!(sync::sync_status(&office).unwrap().audit_warning, None, "not known before the check");
    case_until(&mut office, "孙立", CaseState::Accepted, 30);
    the_next_sync_reports(&mut office, &stub, "本机数据核验未通过");
}

/// Syncs; the platform was told of a break, and every clerk's header starts with `said`.
fn the_next_sync_reports(office: &mut Office, stub: &Stub, said: &str) {
    sync::sync_once(&mut *office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert!(stub.server.platform().reported_audit_break(DEVICE).unwrap().is_some(), "the sync reported it");
    let warning = sync::sync_status(office).unwrap().audit_warning.expect("and the header shows it");
    assert!(warning.starts_with(said), "{warning}");
}

/// The chain's check before every sync: an audit row changed by hand while the office is
/// open (after the log-in's check) is reported by the next sync, and shown.
#[test]
fn an_audit_row_changed_while_the_office_is_open_is_reported_by_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "周义", CaseState::Accepted, 10);
    {
        let (store, _) =
            store::Store::open_with_options(dir.path(), "a", CLERK_PASSWORD, at(20), options()).unwrap();
        let conn = store.raw_connection();
        conn.execute_batch("DROP TRIGGER audit_no_update;").unwrap();
        let last: i64 = conn.query_row("SELECT max(seq) FROM audit", [], |row| row.get(0)).unwrap();
        conn.execute("UPDATE audit SET actor = 'nobody' WHERE seq = ?1", [last - 2]).unwrap();
    }
    assert_eq!(sync::sync_status(&office).unwrap().audit_warning, None, "not known before the check");
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    the_next_sync_reports(&mut office, &stub, "审计记录核验未通过");
}

/// An office that only syncs (no one rewrote anything) keeps passing its anchor: every
/// push extends the last, also after an answer was lost on the way back.
#[test]
fn an_untouched_audit_chain_keeps_extending_its_anchor_even_after_a_lost_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "吴芳", CaseState::Approved, 10);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    // The push is stored and its answer lost (after the clock probe's connection).
    stub.server.faults().drop_after_commit_next(2);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert!(report.problem.is_some(), "the answer was lost");
    let first = stub.server.platform().audit_anchor(DEVICE).unwrap().expect("anchored");
    // The next push names the chain at the anchor it sent (its answer lost) and goes on.
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    case_until(&mut office, "郑和", CaseState::Accepted, 30);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    let last = stub.server.platform().audit_anchor(DEVICE).unwrap().expect("anchored");
    assert!(last.0 > first.0, "the anchor moved on: {first:?} → {last:?}");
}

/// A platform address that answers with a redirect: the sync never follows it (the signed
/// records would go to an address nobody configured); the records stay queued.
#[test]
fn a_redirect_is_never_followed() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "孙悦", CaseState::Accepted, 10);
    let elsewhere = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let elsewhere_url = format!("http://{}", elsewhere.local_addr().unwrap());
    elsewhere.set_nonblocking(true).unwrap();
    let redirecting = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let redirecting_url = format!("http://{}", redirecting.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in redirecting.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0_u8; 65536];
            let _ = stream.read(&mut request);
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {elsewhere_url}/v1/records\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    login(&mut office, "admin", 20);
    sync::device_identity(&mut office, Some(DEVICE), at(0)).unwrap();
    let report = sync::sync_once(&mut office, &config(&redirecting_url, 0), |_, _| {}).unwrap();
    assert!(report.problem.is_some(), "a redirect is a failure: {report:?}");
    assert_eq!(report.confirmed, 0);
    assert!(elsewhere.accept().is_err(), "nothing reached the address the redirect named");
    assert!(!sync::outbox(&office, 100).unwrap().queued.is_empty(), "the records stay queued");
}

/// 好差评: the applicant's rating of the visit travels as its own record, reaches the
/// platform once even when the answer is lost, and a second rating of the visit is refused.
#[test]
fn a_rating_reaches_the_platform_once_and_is_never_given_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let case_id = case_until(&mut office, "钱进", CaseState::Accepted, 10);
    let code = |error: app::AppError| app::problem::Problem::of(&error).code;
    let missing = app::ratings::rate_visit(&mut office, &case_id, "dissatisfied", " ", at(12)).unwrap_err();
    assert!(
        matches!(missing, app::AppError::Validation(ref issues) if issues[0].code == "RATING_REASON_MISSING")
    );
    let rating =
        app::ratings::rate_visit(&mut office, &case_id, "dissatisfied", "排队时间长", at(12)).unwrap();
    assert_eq!((rating.visit_state.as_str(), rating.clerk.as_str()), ("accepted", "a"));
    let again = app::ratings::rate_visit(&mut office, &case_id, "very_satisfied", "", at(13)).unwrap_err();
    assert_eq!(code(again), app::problem::ErrorCode::RatingAlreadyGiven, "nobody changes a rating");

    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    stub.server.faults().drop_after_commit_next(2);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.confirmed, 0, "{report:?}");
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!((report.problem.is_none(), report.remaining), (true, 0), "{report:?}");
    let ratings: Vec<_> = stub
        .server
        .platform()
        .records()
        .unwrap()
        .into_iter()
        .filter(|record| record.kind == "rating")
        .collect();
    assert_eq!(ratings.len(), 1, "the rating is stored once");
    assert_eq!(
        (ratings[0].record_id, ratings[0].duplicates),
        (*rating.id.as_uuid(), 1),
        "sent again, kept once"
    );
    assert_eq!(stub.record_ids().len(), 2, "the submission and the rating");

    // After the next decision, the next visit may be rated.
    login(&mut office, "b", 20);
    cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(21)).unwrap();
    app::ratings::rate_visit(&mut office, &case_id, "very_satisfied", "", at(22)).unwrap();
    let kept = app::ratings::ratings(&office, &case_id).unwrap();
    let levels: Vec<&str> = kept.iter().map(|rating| rating.level.key()).collect();
    assert_eq!(levels, ["dissatisfied", "very_satisfied"]);
}

/// 现有证件互认: the platform issues the new permit and cancels the old one; both
/// decisions can arrive in one page and are applied in order, by the platform's account.
/// For a case of the other recognition type, the same decision is recorded, not applied.
#[test]
fn the_old_permit_cancelled_after_issue_is_applied_in_order_from_one_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/application-existing-permit.json");
    let mut existing = ApplicationRecord::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    existing.current_address = record("王芳").current_address; // lives in Jiande, applies there
    let case_id = case_with_record_until(&mut office, &existing, CaseState::Approved, 10);
    let other_id = case_until(&mut office, "李娜", CaseState::Approved, 20);

    let stub = Stub::start(Duration::from_millis(300));
    stub.register(&mut office);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.problem, report.remaining, report.issued.len()), (None, 0, 0));
    // Both permits, then both cancellations, wait on the platform for the next sync.
    std::thread::sleep(Duration::from_millis(400));
    stub.server.platform().issue_due_permits().unwrap();
    for id in [case_id, other_id] {
        stub.server
            .platform()
            .decide(*id.as_uuid(), &platform_api::DecisionKind::OldPermitCancelled)
            .unwrap();
    }

    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.issued.len(), 2, "{report:?}");
    login(&mut office, "a", 100);
    let view = cases::get_case(&mut office, &case_id, at(100)).unwrap();
    let outcomes: Vec<_> =
        sync::case_decisions(&office, &case_id).unwrap().into_iter().map(|d| (d.kind, d.outcome)).collect();
    assert_eq!(view.state, CaseState::OldPermitCancelled, "{outcomes:?}");
    assert!(view.permit_number.is_some(), "the new permit stays issued");
    let last: Vec<_> =
        view.history.iter().rev().take(2).map(|line| (line.to, line.actor.display_name.clone())).collect();
    assert_eq!(
        last,
        [(CaseState::OldPermitCancelled, "省平台".to_owned()), (CaseState::Issued, "省平台".to_owned())]
    );
    assert!(
        app::printing::available(&view).contains(&app::printing::Document::Slip),
        "its slip can still be printed"
    );

    let other = cases::get_case(&mut office, &other_id, at(100)).unwrap();
    assert_eq!(other.state, CaseState::Issued, "居住登记时间互认 has no old permit to cancel");
    let outcomes: Vec<_> =
        sync::case_decisions(&office, &other_id).unwrap().into_iter().map(|d| (d.kind, d.outcome)).collect();
    assert!(
        outcomes
            .iter()
            .any(|(kind, outcome)| kind == "old_permit_cancelled" && outcome.starts_with("not_applied")),
        "{outcomes:?}"
    );

    // The cancellation is a state change the platform hears back about, exactly once.
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.problem, report.remaining, report.decisions), (None, 0, 0));
    assert_eq!(sync::sync_status(&office).unwrap().queued, 0);
    login(&mut office, "admin", 101);
    assert!(app::audit::verify(&office).unwrap().is_intact());
}

#[test]
fn the_header_warns_about_a_wrong_clock_and_the_sync_signs_with_the_platforms_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "赵敏", CaseState::Accepted, 10);
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(&mut office);
    assert_eq!(sync::sync_status(&office).unwrap().clock_skew_seconds, None, "not measured yet");

    // The platform's clock is ten minutes ahead: beyond its 300 s signature window.
    stub.server.faults().set_clock_offset(chrono::TimeDelta::minutes(10));
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "the sync signs with the platform's time");
    assert_eq!(report.confirmed, 1);
    let status = sync::sync_status(&office).unwrap();
    let skew = status.clock_skew_seconds.unwrap();
    assert!((595..=605).contains(&skew), "{skew}");
    let warning = status.clock_warning.unwrap();
    assert!(warning.contains("本机时间比省平台慢约 10 分钟"), "{warning}");

    // Back in step: no warning.
    stub.server.faults().set_clock_offset(chrono::TimeDelta::zero());
    sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    let status = sync::sync_status(&office).unwrap();
    assert!(status.clock_skew_seconds.unwrap().abs() <= 2, "{status:?}");
    assert_eq!(status.clock_warning, None);

    // A platform behind: the words say so.
    assert!(sync::clock_warning(-3600).unwrap().contains("快约 60 分钟"));
    assert_eq!(sync::clock_warning(120), None, "the threshold itself is fine");
    assert!(sync::clock_warning(121).is_some());
}

#[test]
fn the_header_warns_when_the_data_disk_is_nearly_full() {
    const GIB: u64 = 1 << 30;
    for (free, total, warns) in [
        (100 * GIB, 200 * GIB, false),
        (GIB, 10 * GIB, false),
        (GIB - 1, 1000 * GIB, true),
        (4 * GIB, 100 * GIB, true),
        (5 * GIB, 100 * GIB, false),
        (0, 0, true),
    ] {
        assert_eq!(sync::disk_warning(free, total).is_some(), warns, "{free} of {total}");
    }
    let warning = sync::disk_warning(GIB - (1 << 20), 1000 * GIB).unwrap();
    assert!(warning.contains("仅剩 1023 MB"), "{warning}");
    assert!(sync::disk_warning(3 * GIB, 100 * GIB).unwrap().contains("仅剩 3.0 GB"));

    // The real statvfs of the office's directory, as the header shows it.
    let dir = tempfile::tempdir().unwrap();
    let office = set_up_office(dir.path());
    let (free, total) = sync::disk_space(dir.path()).unwrap();
    assert!(total > 0 && free <= total, "{free} of {total}");
    let status = sync::sync_status(&office).unwrap();
    let shown = status.disk_free_bytes.unwrap();
    assert!(shown.abs_diff(free) < 256 << 20, "{shown} vs {free}");
    assert_eq!(status.disk_warning, sync::disk_warning(shown, total));
}

/// Scanned pages reach the platform: a draft's pages go with its submission (the platform
/// asks for their bytes by hash, the drain uploads them), a page added after acceptance
/// goes on the next sync, and nothing is sent twice.
#[test]
fn scanned_pages_go_with_the_submission_and_their_bytes_reach_the_platform() {
    use app::scans;
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let root = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let page = |name: &str| {
        scans::intake_file(&root.join("docs/examples/rendered").join(name), &scans::IntakeOptions::default())
            .unwrap()
            .remove(0)
    };
    let (slip, form) = (page("slip.png"), page("form.png"));

    login(&mut office, "a", 10);
    let case_id = cases::new_case_id(at(10)).unwrap();
    cases::save_draft(&mut office, &case_id, &record("李娜"), at(10)).unwrap();
    scans::attach(&mut office, &case_id, std::slice::from_ref(&slip), "employment.labour_contract", at(10))
        .unwrap();
    assert_eq!(sync::sync_status(&office).unwrap().queued, 0, "a draft's pages stay at the counter");
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    let outcome = cases::submit(&mut office, &case_id, &submission, at(11)).unwrap();
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    assert_eq!(sync::sync_status(&office).unwrap().queued, 2, "the acceptance and its page");

    let stub = Stub::start(Duration::from_secs(3600));
    stub.register(&mut office);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.confirmed, report.quarantined, report.remaining), (2, 0, 0));
    let platform = stub.server.platform();
    assert!(platform.has_blob(&slip.sha256).unwrap(), "the page's bytes were uploaded");
    assert!(!platform.has_blob(&form.sha256).unwrap());

    // A page scanned after acceptance (a reviewer's supplement) goes on the next sync.
    scans::attach(&mut office, &case_id, std::slice::from_ref(&form), "", at(12)).unwrap();
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((report.confirmed, report.remaining), (1, 0));
    assert!(platform.has_blob(&form.sha256).unwrap());
    assert_eq!(platform.stats().unwrap().blobs, 2);
    assert_eq!(stub.record_ids().len(), 3);

    // Submitted pages are evidence: deleting one is refused and nothing is queued.
    let pages = scans::list(&office, &case_id).unwrap();
    let refused = scans::delete(&mut office, &pages[0].id, at(13)).unwrap_err();
    assert!(
        matches!(refused, app::AppError::Store(app::error::StoreError::PageFrozen { .. })),
        "{refused:?}"
    );
    assert_eq!(scans::list(&office, &case_id).unwrap().len(), 2);
    assert_eq!(sync::sync_status(&office).unwrap().queued, 0);
}

/// Polls `ready` until it holds or ten seconds pass; the last value back.
fn wait_for<T>(mut probe: impl FnMut() -> T, ready: impl Fn(&T) -> bool) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let value = probe();
        if ready(&value) || std::time::Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_background_loop_drains_while_open_and_the_header_lays_its_view_over_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    case_until(&mut office, "钱芳", CaseState::Accepted, 10);
    let queued = sync::sync_status(&office).unwrap().queued;
    assert!(queued > 0);

    // The platform is down: the loop's first try says offline, the queue stays whole.
    let shared = std::sync::Arc::new(std::sync::Mutex::new(Some(office)));
    let down = sync::SyncLoop::start(shared.clone(), config(&dead_url(), 0)).unwrap();
    let live = wait_for(|| down.snapshot(), |live| live.offline.is_some() && !live.running);
    assert_eq!(live.offline, Some(true), "{live:?}");
    let header = {
        let guard = shared.lock().unwrap();
        sync::header(guard.as_ref().unwrap(), at(0).date_naive(), at(60), &live, None).unwrap()
    };
    assert!(header.offline && !header.running);
    assert_eq!(header.queued, queued, "nothing left the queue");
    assert!(header.problem.is_some(), "the loop's problem is shown");
    assert!(!header.queue_too_old, "queued an hour ago");
    let later = {
        let guard = shared.lock().unwrap();
        sync::header(guard.as_ref().unwrap(), at(0).date_naive(), at(60 * 24 * 4), &live, None).unwrap()
    };
    assert!(later.queue_too_old, "four days later the header warns");

    // The platform is up: a loop that reaches it drains the queue, and says it is online.
    let stub = Stub::start(Duration::from_secs(60));
    stub.register(shared.lock().unwrap().as_mut().unwrap());
    let up = sync::SyncLoop::start(shared.clone(), config(&stub.server.url(), 1)).unwrap();
    up.sync_now();
    let header = wait_for(
        || {
            let live = up.snapshot();
            let guard = shared.lock().unwrap();
            sync::header(guard.as_ref().unwrap(), at(0).date_naive(), at(61), &live, None).unwrap()
        },
        |header| header.queued == 0 && !header.running && !header.offline,
    );
    assert_eq!(header.queued, 0, "{header:?}");
    assert!(!header.offline && header.problem.is_none(), "{header:?}");
    assert_eq!(stub.record_ids().len() as u64, queued, "every queued record arrived once");
}

/// The office enrols at once (the platform is reachable at set-up), and only then do the
/// clerks log in for the first time and replace the administrator's passwords (new keys,
/// certified by their previous ones): their steps still verify at the platform.
#[test]
fn clerks_who_choose_their_passwords_after_the_enrolment_still_sign_steps_the_platform_trusts() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (_server, sync_config) = enrolling_stand_in(&runtime);
    let first = sync::sync_once(&mut office, &sync_config, |_, _| {}).unwrap();
    assert_eq!(first.problem, None, "{first:?}");

    clerks_choose_their_own_passwords(&mut office);
    own(&mut office, "a", 10);
    let case_id = cases::new_case_id(at(10)).unwrap();
    cases::save_draft(&mut office, &case_id, &record("陈静"), at(10)).unwrap();
    let submission =
        Submission { profile: "330182", opinion: "同意受理。", duplicates: DuplicateDecision::Proceed };
    cases::submit(&mut office, &case_id, &submission, at(11)).unwrap();
    own(&mut office, "b", 12);
    cases::review(&mut office, &case_id, "同意。", at(13)).unwrap();
    own(&mut office, "c", 14);
    cases::approve(&mut office, &case_id, "同意签发。", at(15)).unwrap();
    let report = sync::sync_once(&mut office, &sync_config, |_, _| {}).unwrap();
    assert_eq!((&report.problem, report.quarantined), (&None, 0), "{report:?}");
    assert_eq!(report.issued.len(), 1, "{report:?}");
}

/// An office with one case `name` accepted by a, its device registered at a running
/// stand-in and synced once.
fn synced_office(dir: &Path, name: &str) -> (Office, CaseId, Stub) {
    let mut office = set_up_office(dir);
    let case_id = case_until(&mut office, name, CaseState::Accepted, 10);
    let stub = Stub::start(Duration::from_millis(1));
    stub.register(&mut office);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((&report.problem, report.confirmed), (&None, 1), "{report:?}");
    (office, case_id, stub)
}

/// The device's key as a clerk's copy of the office holds it: the office's files opened
/// with that clerk's own password, as an insider about to be revoked would keep them.
fn device_key_in_a_copy(dir: &Path, username: &str, minutes: i64) -> ::sync::DeviceIdentity {
    let (store, _) =
        store::Store::open_with_options(dir, username, CLERK_PASSWORD, at(minutes), options()).unwrap();
    let secret = store.device_secret().unwrap().expect("the office has synced");
    store.close().unwrap();
    ::sync::DeviceIdentity::from_secret(&secret.device_id, &secret.secret).unwrap()
}

/// The audit actions of the office's last `limit` rows, read by the administrator.
fn audit_actions(dir: &Path, minutes: i64) -> Vec<String> {
    let (store, _) =
        store::Store::open_with_options(dir, "admin", ADMIN_PASSWORD, at(minutes), options()).unwrap();
    let actions = store.audit_entries(None, 500).unwrap().into_iter().map(|entry| entry.action).collect();
    store.close().unwrap();
    actions
}

/// The office's audit trail holds `times` device key orders and as many changes taken.
fn assert_device_key_changes_audited(dir: &Path, times: usize) {
    let actions = audit_actions(dir, 40);
    for action in ["device_key_change_ordered", "device_key_changed"] {
        assert_eq!(actions.iter().filter(|a| *a == action).count(), times, "{action}: {actions:?}");
    }
}

/// What the platform answers a push signed with `identity` (no records).
fn push_as(
    stub: &Stub,
    identity: ::sync::DeviceIdentity,
) -> Result<platform_api::PushResponse, ::sync::SyncError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client =
        ::sync::PlatformClient::new(&::sync::ClientConfig::new(&stub.server.url()), identity).unwrap();
    let batch = platform_api::PushBatch {
        device_id: DEVICE.to_owned(),
        records: Vec::new(),
        audit_anchor: None,
        clerk_keys: Vec::new(),
        clerk_key_revocations: Vec::new(),
        device_key_change: None,
    };
    runtime.block_on(client.push(&batch))
}

/// A clerk who copied the office's files before being revoked holds the device's key
/// (it is in the database): the re-key after the revocation orders it replaced, signed by
/// the administrator, and the next sync has the platform take the new key, so the copy
/// signs nothing the platform accepts; the office goes on with the new key.
#[test]
fn a_revocation_replaces_the_device_key_so_a_copy_made_before_it_signs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut office, case_id, stub) = synced_office(dir.path(), "周琳");
    let insider = device_key_in_a_copy(dir.path(), "a", 15);
    // While the clerk is not revoked the copy's key signs requests the platform takes (this
    // empty push lacks the office's audit anchor, which the platform then refuses: past the
    // signature).
    let before = push_as(&stub, insider.clone());
    assert!(!matches!(before, Err(::sync::SyncError::Unauthorized { .. })), "{before:?}");

    login(&mut office, "admin", 20);
    users::revoke_clerk(&mut office, "a", at(20)).unwrap().rekeyed.unwrap();
    let ordered = sync::device_identity(&mut office, None, at(20)).unwrap();
    assert_eq!(
        ordered.public_key_hex,
        insider.public_key_hex(),
        "the office signs with the old key until the platform takes the new one"
    );

    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    let now_signing = sync::device_identity(&mut office, None, at(21)).unwrap().public_key_hex;
    let held = hex::encode(stub.server.platform().device_key(DEVICE).unwrap().unwrap());
    assert_eq!(held, now_signing, "the platform holds the office's new key");
    assert_ne!(held, insider.public_key_hex());

    match push_as(&stub, insider) {
        Err(refused @ ::sync::SyncError::Unauthorized { .. }) => {
            assert!(
                matches!(&refused, ::sync::SyncError::Unauthorized { code, .. } if code == "DEVICE_KEY_REPLACED")
            );
            // What a counter left with the replaced key is told.
            let said = sync::problem_of(&refused);
            assert!(said.message.contains("不再认可本机的设备密钥"), "{said:?}");
        }
        other => panic!("the copy's key is refused: {other:?}"),
    }
    // The office goes on: b reviews the case a accepted, and the review reaches the platform.
    login(&mut office, "b", 30);
    cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(31)).unwrap();
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!((&report.problem, report.confirmed), (&None, 1), "{report:?}");
    office.close().unwrap();
    assert_device_key_changes_audited(dir.path(), 1);
}

/// The platform takes the change and the connection drops before its answer: the office
/// still holds the order and signs with the old key; the next sync is told the key was
/// replaced, sends the same order with the new key, and goes on with it.
#[test]
fn a_device_key_change_whose_answer_was_lost_is_finished_by_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let (mut office, _, stub) = synced_office(dir.path(), "钱枫");
    let old = sync::device_identity(&mut office, None, at(15)).unwrap().public_key_hex;
    login(&mut office, "admin", 20);
    users::revoke_clerk(&mut office, "a", at(20)).unwrap().rekeyed.unwrap();

    // The clock probe and the change's push are answered with a dropped connection.
    stub.server.faults().drop_after_commit_next(2);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(
        report.problem.as_ref().map(|p| p.code.as_str()),
        Some("PLATFORM_CONNECTION_LOST"),
        "{report:?}"
    );
    let held = hex::encode(stub.server.platform().device_key(DEVICE).unwrap().unwrap());
    assert_ne!(held, old, "the platform took the change");
    assert_eq!(sync::device_identity(&mut office, None, at(21)).unwrap().public_key_hex, old);

    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    assert_eq!(sync::device_identity(&mut office, None, at(22)).unwrap().public_key_hex, held);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "and the next: {report:?}");
}

/// Two re-keys before the first order's answer comes back: the platform took the first
/// (its answer lost), so it holds the first order's key, which the clerk revoked second
/// may have copied while the order waited. The second order replaces that key and is sent
/// after the first: the next sync settles both, one after the other, and neither copy's
/// key signs anything.
#[test]
fn a_second_re_key_while_the_first_order_waits_replaces_the_first_orders_key() {
    let dir = tempfile::tempdir().unwrap();
    let (mut office, _, stub) = synced_office(dir.path(), "冯岚");
    let a_copy = device_key_in_a_copy(dir.path(), "a", 15);
    let old = a_copy.public_key_hex();
    login(&mut office, "admin", 20);
    users::revoke_clerk(&mut office, "a", at(20)).unwrap().rekeyed.unwrap();
    // The clock probe and the change's push are answered with a dropped connection.
    stub.server.faults().drop_after_commit_next(2);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem.as_ref().map(|p| p.code.as_str()), Some("PLATFORM_CONNECTION_LOST"));
    let first = hex::encode(stub.server.platform().device_key(DEVICE).unwrap().unwrap());
    assert_ne!(first, old, "the platform took the first order");

    // Clerk c copies the office while the first order waits: the copy holds its new key.
    let (store, _) =
        store::Store::open_with_options(dir.path(), "c", CLERK_PASSWORD, at(22), options()).unwrap();
    let waiting = store.pending_device_key_change().unwrap().expect("the first order waits");
    store.close().unwrap();
    let copied = ::sync::DeviceIdentity::from_secret(DEVICE, &waiting.secret).unwrap();
    assert_eq!(copied.public_key_hex(), first);

    login(&mut office, "admin", 25);
    users::revoke_clerk(&mut office, "c", at(25)).unwrap().rekeyed.unwrap();
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    let now_signing = sync::device_identity(&mut office, None, at(26)).unwrap().public_key_hex;
    let held = hex::encode(stub.server.platform().device_key(DEVICE).unwrap().unwrap());
    assert_eq!(held, now_signing, "the platform holds the key the office signs with");
    assert!(held != first && held != old, "the second order's key");
    for (whose, identity) in [("c's copy", copied), ("a's copy", a_copy)] {
        match push_as(&stub, identity) {
            Err(::sync::SyncError::Unauthorized { code, .. }) => {
                assert_eq!(code, "DEVICE_KEY_REPLACED", "{whose}")
            }
            other => panic!("{whose} is refused: {other:?}"),
        }
    }
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "and the next: {report:?}");
    office.close().unwrap();
    assert_device_key_changes_audited(dir.path(), 2);
}

/// A restore while two orders wait (the first taken, its answer lost) carries the whole
/// chain over, and the restore's own re-key follows it: the next sync settles all three.
#[test]
fn a_restore_carries_the_waiting_orders_over_and_the_next_sync_settles_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let stick = tempfile::tempdir().unwrap();
    let (mut office, _, stub) = synced_office(dir.path(), "秦川");
    login(&mut office, "admin", 15);
    let (backup, _) = app::backup::backup_to_folder(&mut office, stick.path(), at(16)).unwrap();
    users::revoke_clerk(&mut office, "a", at(20)).unwrap().rekeyed.unwrap();
    stub.server.faults().drop_after_commit_next(2);
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem.as_ref().map(|p| p.code.as_str()), Some("PLATFORM_CONNECTION_LOST"));
    users::revoke_clerk(&mut office, "c", at(25)).unwrap().rekeyed.unwrap();
    office.close().unwrap();

    let (office, summary) =
        app::backup::restore(&backup, dir.path(), "admin", ADMIN_PASSWORD, false, at(30), options()).unwrap();
    assert_eq!(summary.revoked_again, ["a", "c"]);
    summary.rekeyed.expect("the backup's data key is one a and c held").unwrap();
    office.close().unwrap();
    let (store, _) =
        store::Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(31), options()).unwrap();
    let chain = store.pending_device_key_changes().unwrap();
    store.close().unwrap();
    assert_eq!(chain.len(), 3, "the two orders carried over, the restore's re-key after them");
    assert!(chain.windows(2).all(|pair| pair[1].change.previous_key == pair[0].change.new_key));

    let mut office =
        Office::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(32), options()).unwrap();
    assert!(stub.server.platform().forget_audit_anchor(DEVICE).unwrap());
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 0), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    let now_signing = sync::device_identity(&mut office, None, at(33)).unwrap().public_key_hex;
    assert_eq!(hex::encode(stub.server.platform().device_key(DEVICE).unwrap().unwrap()), now_signing);
    assert_eq!(now_signing, chain[2].change.new_key, "the restore's order is the last taken");
    office.close().unwrap();
}

/// A backup made before a device key change holds the key the platform has since
/// replaced: a restore keeps the replaced office's key (the one the platform holds), and
/// the re-key the restore makes orders it replaced again, which the next sync delivers.
#[test]
fn a_restore_keeps_the_device_key_the_platform_holds_not_the_backups() {
    let dir = tempfile::tempdir().unwrap();
    let stick = tempfile::tempdir().unwrap();
    let (mut office, _, stub) = synced_office(dir.path(), "孙悦");
    login(&mut office, "admin", 15);
    let (backup, _) = app::backup::backup_to_folder(&mut office, stick.path(), at(16)).unwrap();
    let in_backup = sync::device_identity(&mut office, None, at(16)).unwrap().public_key_hex;
    users::revoke_clerk(&mut office, "a", at(20)).unwrap().rekeyed.unwrap();
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    let held = hex::encode(stub.server.platform().device_key(DEVICE).unwrap().unwrap());
    assert_ne!(held, in_backup, "the platform took the new key");
    office.close().unwrap();

    let (mut office, summary) =
        app::backup::restore(&backup, dir.path(), "admin", ADMIN_PASSWORD, false, at(30), options()).unwrap();
    assert_eq!(summary.revoked_again, ["a"]);
    summary.rekeyed.expect("the backup's data key is one a held").unwrap();
    assert_eq!(
        sync::device_identity(&mut office, None, at(31)).unwrap().public_key_hex,
        held,
        "the restored office signs with the key the platform holds"
    );
    // The backup's audit chain is older than what the platform saw: a legitimate roll-back
    // the platform's operator accepts by forgetting the device's anchor (docs/security.md).
    assert!(stub.server.platform().forget_audit_anchor(DEVICE).unwrap());
    let report = sync::sync_once(&mut office, &config(&stub.server.url(), 1), |_, _| {}).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    let now_signing = sync::device_identity(&mut office, None, at(32)).unwrap().public_key_hex;
    assert_eq!(hex::encode(stub.server.platform().device_key(DEVICE).unwrap().unwrap()), now_signing);
    assert_ne!(now_signing, held, "the restore's re-key replaced it once more");
    office.close().unwrap();
}
