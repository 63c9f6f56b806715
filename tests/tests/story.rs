//! The story of one case through the `app` facade, on a real encrypted store in a
//! temporary directory, with three real clerks: set-up, draft, one-time notice,
//! acceptance with its deadline, duplicate guard, review, a refused approval
//! (separation of duties), approval, issue, audit chain, one-file-per-person export,
//! backup and restore, wrong password, lockout, and reopening after the process drops
//! the store.

use std::path::Path;

use app::AppError;
use app::cases::{self, CaseId, CaseState, DuplicateDecision, SaveOutcome, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::users::{self, NewClerk};
use app::worklists::{self, SearchQuery, Worklist};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::case::Role;
use domain::record::ApplicationRecord;

const OFFICE_ID: &str = "330182-jiande-01";
const ADMIN_PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";
const ID_NUMBER: &str = "341203199003071219";

/// Fast key derivation: each log-in takes milliseconds. Real offices use the default.
fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// Monday 2025-03-10, 09:00 in Zhejiang (01:00 UTC), plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().expect("valid instant") + Duration::minutes(minutes)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 10).expect("date")
}

fn complete_record() -> ApplicationRecord {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../docs/examples/application-complete.json");
    let text = std::fs::read_to_string(path).expect("example record");
    ApplicationRecord::from_json(&text).expect("example parses")
}

fn submission(duplicates: DuplicateDecision) -> Submission<'static> {
    Submission { profile: "330182", opinion: "材料齐全，同意受理。", duplicates }
}

fn login(office: &mut Office, username: &str, minutes: i64) {
    let password = if username == "admin" { ADMIN_PASSWORD } else { CLERK_PASSWORD };
    office.login(username, password, at(minutes)).unwrap_or_else(|e| panic!("{username} logs in: {e}"));
}

fn set_up_office(dir: &Path) -> Office {
    let mut office = Office::set_up_with_options(dir, OFFICE_ID, "admin", ADMIN_PASSWORD, at(0), options())
        .expect("set up");
    for (username, display_name, roles) in [
        // A accepts and may also approve, so the separation of duties is what stops A.
        ("a", "受理员甲", Roles::ACCEPT | Roles::APPROVE),
        ("b", "审核员乙", Roles::REVIEW),
        ("c", "审批员丙", Roles::APPROVE),
    ] {
        let clerk = NewClerk { username, display_name, roles, password: CLERK_PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).unwrap_or_else(|e| panic!("add {username}: {e}"));
    }
    office
}

#[test]
fn one_case_from_draft_to_issued_with_three_clerks() {
    let dir = tempfile::tempdir().expect("temporary directory");
    assert!(!Office::exists(dir.path()), "an empty directory shows first-run set-up");
    let mut office = set_up_office(dir.path());
    assert!(Office::exists(dir.path()));

    // A types the form; every save is durable, identical saves write nothing.
    login(&mut office, "a", 2);
    let case_id = cases::new_case_id(at(3)).expect("case id");
    let mut record = ApplicationRecord::new();
    record.applicant.name = "张伟".to_owned();
    let saved = cases::save_draft(&mut office, &case_id, &record, at(3)).expect("first save");
    assert_eq!(saved.outcome, SaveOutcome::Created);
    assert_eq!(
        cases::save_draft(&mut office, &case_id, &record, at(3)).expect("same").outcome,
        SaveOutcome::Unchanged
    );

    // Submitted incomplete: the one-time notice lists every item at once.
    let mut incomplete = complete_record();
    incomplete.phone_number = "1381234567".to_owned();
    incomplete.declaration.signed = false;
    assert_eq!(
        cases::save_draft(&mut office, &case_id, &incomplete, at(4)).expect("save").outcome,
        SaveOutcome::Updated
    );
    let outcome =
        cases::submit(&mut office, &case_id, &submission(DuplicateDecision::Check), at(5)).expect("submit");
    let SubmitOutcome::Notice { assessment, .. } = outcome else {
        panic!("expected a notice, got {outcome:?}")
    };
    let codes = assessment.codes();
    for code in ["PHONE_NUMBER_INVALID", "DECLARATION_NOT_SIGNED"] {
        assert!(codes.contains(&code), "the notice lists {code} with the rest: {codes:?}");
    }

    // Completed: saving reopens the case; submitting accepts it with the deadline.
    let saved = cases::save_draft(&mut office, &case_id, &complete_record(), at(10)).expect("complete");
    assert!(saved.reopened, "a case with a notice is reopened by the completed record");
    let outcome =
        cases::submit(&mut office, &case_id, &submission(DuplicateDecision::Check), at(11)).expect("submit");
    let SubmitOutcome::Accepted { due_date, .. } = outcome else {
        panic!("expected acceptance, got {outcome:?}")
    };
    assert_eq!(due_date, NaiveDate::from_ymd_opt(2025, 3, 12).expect("date"), "2 working days after Monday");

    // A second application for the same person stops at the duplicate guard.
    let second = cases::new_case_id(at(12)).expect("case id");
    cases::save_draft(&mut office, &second, &complete_record(), at(12)).expect("second draft");
    let outcome =
        cases::submit(&mut office, &second, &submission(DuplicateDecision::Check), at(13)).expect("submit");
    let SubmitOutcome::PossibleDuplicates(candidates) = outcome else {
        panic!("expected duplicates, got {outcome:?}")
    };
    assert!(candidates.same_id_number.iter().any(|line| line.id == case_id), "the first case is a candidate");
    cases::withdraw(&mut office, &second, "重复申请，申请人撤回。", at(14)).expect("withdraw the duplicate");

    // B reviews.
    login(&mut office, "b", 20);
    let awaiting = worklists::worklist(&office, Worklist::AwaitingReview, today(), 50).expect("worklist");
    assert_eq!(awaiting.iter().map(|line| line.id).collect::<Vec<_>>(), [case_id]);
    assert!(
        awaiting[0].id_number_masked.as_deref().is_some_and(|id| id.contains('*')),
        "lists mask the ID number"
    );
    let refused = cases::approve(&mut office, &case_id, "同意。", at(21)).expect_err("B may not approve");
    assert!(matches!(refused, AppError::RoleMissing { .. }), "{refused:?}");
    assert_eq!(
        cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(22)).expect("review").state,
        CaseState::Reviewed
    );

    // A, who accepted the case, may not approve it even with the approve role.
    login(&mut office, "a", 30);
    let refused = cases::approve(&mut office, &case_id, "同意。", at(31)).expect_err("A accepted this case");
    assert!(
        matches!(refused, AppError::SeparationOfDuties { role: Role::Approver, earlier: Role::Accepter }),
        "{refused:?}"
    );

    // C approves; the platform's permit number is recorded.
    login(&mut office, "c", 40);
    assert_eq!(
        cases::approve(&mut office, &case_id, "同意签发。", at(41)).expect("approve").state,
        CaseState::Approved
    );
    let issued = cases::record_issued(&mut office, &case_id, "330182202503100001", at(50)).expect("issue");
    assert_eq!(issued.state, CaseState::Issued);

    let view = cases::get_case(&mut office, &case_id, at(51)).expect("view");
    assert_eq!(view.permit_number.as_deref(), Some("330182202503100001"));
    assert_eq!(view.record.opinions.acceptance.person, "受理员甲", "the opinion line names the clerk");
    assert_eq!(view.record.opinions.review.text, "经审核，材料真实有效。");
    assert_eq!(view.record.opinions.approval.person, "审批员丙");
    assert!(!view.masked, "an approver sees the record in full");
    let steps: Vec<CaseState> = view.history.iter().map(|line| line.to).collect();
    use CaseState::{Accepted, Approved, Draft, Issued, NoticeIssued, Reviewed};
    assert_eq!(
        steps,
        [Draft, NoticeIssued, Draft, Accepted, Reviewed, Approved, Issued],
        "every step is in the history"
    );
    let found =
        worklists::search(&mut office, &SearchQuery::IdNumber(ID_NUMBER), 10, at(52)).expect("search");
    assert_eq!(found.len(), 2, "both cases of the person are found by ID number");

    // The administrator verifies the trail, exports the person and backs up.
    login(&mut office, "admin", 60);
    let report = app::audit::verify(&office).expect("verify");
    assert!(report.is_intact(), "the audit chain verifies: {report:?}");
    let archive_path = dir.path().join("person.zip");
    let summary = app::archive::export_person(&mut office, ID_NUMBER, &archive_path, at(61)).expect("export");
    assert_eq!(summary.cases, 2);
    let html =
        app::archive::open_archive(&std::fs::read(&archive_path).expect("archive file"), &summary.password)
            .expect("the archive opens with the password shown");
    let archive = app::archive::embedded_json(&html).expect("the archive embeds its JSON");
    let exported = archive["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|case| case["case_id"] == case_id.to_string().as_str()))
        .expect("the case is in the archive");
    let exported_steps: Vec<&str> = exported["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|line| line["to"].as_str())
        .collect();
    assert_eq!(exported_steps, ["draft", "refused", "draft", "accepted", "reviewed", "approved", "issued"]);
    assert_eq!(exported["history"][4]["actor"]["display_name"], "审核员乙", "each step names its clerk");
    assert!(exported["audit"].as_array().is_some_and(|rows| rows.len() >= 7), "the audit extract is there");
    assert!(html.contains("审核员乙") && html.contains("办理经过"), "a person can read it without the app");

    let backup_path = dir.path().join("office.backup");
    let info = app::backup::backup(&mut office, &backup_path, at(62)).expect("backup");
    assert_eq!(info.office_id, OFFICE_ID);
    let backup_bytes = std::fs::read(&backup_path).expect("backup file");
    assert!(
        !backup_bytes.windows(ID_NUMBER.len()).any(|window| window == ID_NUMBER.as_bytes()),
        "the backup holds no ID number in clear"
    );
    let restored_dir = tempfile::tempdir().expect("temporary directory");
    let (mut restored, restore_summary) = app::backup::restore(
        &backup_path,
        restored_dir.path(),
        "admin",
        ADMIN_PASSWORD,
        false,
        at(63),
        options(),
    )
    .expect("restore into an empty directory");
    assert!(!restore_summary.forced_other_office);
    assert!(app::audit::verify(&restored).expect("verify").is_intact());
    let masked_view = cases::get_case(&mut restored, &case_id, at(64)).expect("restored case");
    assert!(masked_view.masked, "an administrator without case roles sees ID numbers masked");
    assert_eq!(masked_view.record.applicant.id_number, "341203********1219");
    login(&mut restored, "c", 65);
    let restored_view = cases::get_case(&mut restored, &case_id, at(66)).expect("restored case");
    assert_eq!(restored_view.record, view.record, "same data after restore");
    assert_eq!(restored_view.history, view.history);
    restored.close().expect("close restored");

    // The process drops the store without closing it; everything is there on reopening.
    drop(office);
    let mut office =
        Office::open_with_options(dir.path(), "c", CLERK_PASSWORD, at(70), options()).expect("reopen");
    assert_eq!(cases::get_case(&mut office, &case_id, at(71)).expect("case").state, CaseState::Issued);
    office.close().expect("close");
}

#[test]
fn wrong_password_lockout_and_other_office_backups_are_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    let error = office.login("a", "not-the-password", at(2)).expect_err("wrong password");
    assert!(matches!(error, AppError::Store(store_error) if store_error.to_string() == "wrong password"));
    assert!(
        matches!(office.session(), Err(AppError::NotLoggedIn)),
        "a failed log-in leaves nobody logged in"
    );
    let mut last = None;
    for attempt in 0..5 {
        last = Some(office.login("b", "not-the-password", at(3 + attempt)).expect_err("wrong password"));
    }
    let locked = last.expect("five attempts");
    assert!(locked.to_string().contains("locked until"), "the fifth wrong password locks: {locked}");
    let still = office.login("b", CLERK_PASSWORD, at(10)).expect_err("locked even with the right password");
    assert!(still.to_string().contains("locked until"), "{still}");
    login(&mut office, "b", 30);

    // A clerk without the administrator role cannot back up; the administrator can.
    let backup_path = dir.path().join("office.backup");
    assert!(matches!(
        app::backup::backup(&mut office, &backup_path, at(31)),
        Err(AppError::RoleMissing { .. })
    ));
    login(&mut office, "admin", 32);
    app::backup::backup(&mut office, &backup_path, at(33)).expect("backup");
    office.close().expect("close");

    // Another office's store refuses the backup unless the administrator confirms.
    let other_dir = tempfile::tempdir().expect("temporary directory");
    Office::set_up_with_options(
        other_dir.path(),
        "330424-haiyan-01",
        "admin",
        ADMIN_PASSWORD,
        at(40),
        options(),
    )
    .expect("other office")
    .close()
    .expect("close");
    let refused = app::backup::restore(
        &backup_path,
        other_dir.path(),
        "admin",
        ADMIN_PASSWORD,
        false,
        at(41),
        options(),
    )
    .expect_err("another office");
    assert!(matches!(refused, AppError::OtherOffice { .. }), "{refused:?}");
    let other = Office::open_with_options(other_dir.path(), "admin", ADMIN_PASSWORD, at(42), options())
        .expect("the refused restore left the other office untouched");
    assert_eq!(other.office_id(), "330424-haiyan-01");
    other.close().expect("close");
    let (restored, summary) = app::backup::restore(
        &backup_path,
        other_dir.path(),
        "admin",
        ADMIN_PASSWORD,
        true,
        at(43),
        options(),
    )
    .expect("confirmed restore");
    assert!(summary.forced_other_office);
    assert_eq!(restored.office_id(), OFFICE_ID);
    assert!(!summary.set_aside.is_empty(), "the replaced store is set aside, not deleted");

    // A damaged backup is refused before anything is touched.
    let mut bytes = std::fs::read(&backup_path).expect("backup");
    bytes.truncate(bytes.len() - 100);
    let truncated = dir.path().join("truncated.backup");
    std::fs::write(&truncated, bytes).expect("write");
    let fresh = tempfile::tempdir().expect("temporary directory");
    let error =
        app::backup::restore(&truncated, fresh.path(), "admin", ADMIN_PASSWORD, false, at(50), options())
            .expect_err("truncated");
    assert!(matches!(error, AppError::BackupInvalid { .. }), "{error:?}");
    assert!(!Office::exists(fresh.path()), "nothing was written");
}

/// A draft saved with opinions and an application number in it (as any caller of the
/// window's commands could send): neither is kept. The opinions are the steps' own notes,
/// by the clerks who took them; the number is the store's.
#[test]
fn a_draft_never_carries_opinions_or_a_number_of_its_own() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    login(&mut office, "a", 2);
    let id = cases::new_case_id(at(2)).expect("id");
    let mut forged = complete_record();
    forged.opinions.review.text = "经审核，材料真实有效。".to_owned();
    forged.opinions.review.person = "审核员乙".to_owned();
    forged.opinions.approval.text = "同意签发。".to_owned();
    forged.application_number = "330182-99-20250101-9999".to_owned();
    cases::save_draft(&mut office, &id, &forged, at(3)).expect("draft");
    let outcome =
        cases::submit(&mut office, &id, &submission(DuplicateDecision::Proceed), at(4)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    let view = cases::get_case(&mut office, &id, at(5)).expect("the case");
    assert_eq!(view.record.opinions.review.text, "", "no review opinion before a reviewer gives one");
    assert_eq!(view.record.opinions.approval.text, "");
    assert_eq!(
        view.record.opinions.acceptance.text, "材料齐全，同意受理。",
        "the acceptance is the step's own note"
    );
    assert_eq!(view.record.opinions.acceptance.person, "受理员甲");
    assert_ne!(
        view.record.application_number, "330182-99-20250101-9999",
        "the store's number, not the draft's"
    );
    assert!(view.record.application_number.starts_with("330182"), "{}", view.record.application_number);
}

#[test]
fn a_case_id_from_the_ui_survives_as_text() {
    let id = cases::new_case_id(at(0)).expect("id");
    let parsed: CaseId = id.to_string().parse().expect("parses back");
    assert_eq!(parsed, id);
}
