//! The three answers through the `app` facade, on a real encrypted store: a local
//! applicant is told they are not eligible (不予受理) and the case closes for good; an
//! applicant without a phone is marked for the paper slip; an office set up in the window
//! (county and station) numbers its applications with its own prefix and applies its
//! county's profile; an undated draft becomes applicable once its date is recorded; a
//! case accepted on 31 December gets an estimated deadline that says so.

use std::path::Path;

use app::AppError;
use app::cases::{self, CaseState, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{
    FirstRun, KdfParams, LockoutPolicy, Office, OfficeDetails, PrintSettings, Roles, StoreOptions,
};
use app::printing::{self, Document, Printing, RenderChoices};
use app::worklists::{self, Worklist};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::assessment::Decision;
use domain::record::ApplicationRecord;

const ADMIN_PASSWORD: &str = "admin-password-1";

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// Monday 2025-03-10, 09:00 in Zhejiang (01:00 UTC), plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().expect("valid instant") + Duration::minutes(minutes)
}

fn example(name: &str) -> ApplicationRecord {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../docs/examples")
        .join(name);
    ApplicationRecord::from_json(&std::fs::read_to_string(path).expect("example")).expect("example parses")
}

fn details(county_code: &str, station: &str) -> OfficeDetails {
    OfficeDetails {
        county_code: county_code.to_owned(),
        station: station.to_owned(),
        name: "建德市公安局新安江派出所".to_owned(),
        address: "建德市新安江街道府前路1号".to_owned(),
        phone: "0571-64780000".to_owned(),
    }
}

/// An office set up as the window does it, the administrator also holding 受理.
fn set_up(dir: &Path, county_code: &str, station: &str) -> Office {
    let details = details(county_code, station);
    let setup = FirstRun {
        details: &details,
        username: "admin",
        password: ADMIN_PASSWORD,
        extra_roles: Roles::ACCEPT,
        print: &PrintSettings::default(),
    };
    Office::first_run(dir, &setup, at(0), options()).expect("first run")
}

fn submission(profile: &str) -> Submission<'_> {
    Submission { profile, opinion: "材料齐全，同意受理。", duplicates: DuplicateDecision::Proceed }
}

#[test]
fn a_local_applicant_is_refused_once_and_the_case_closes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up(dir.path(), "330182", "01");
    let printing = Printing::load().expect("printing");
    let case_id = cases::new_case_id(at(1)).expect("case id");
    cases::save_draft(&mut office, &case_id, &example("application-not-eligible.json"), at(1))
        .expect("draft");

    let outcome = cases::submit(&mut office, &case_id, &submission("330182"), at(2)).expect("submit");
    let SubmitOutcome::NotEligible { assessment, .. } = outcome else {
        panic!("a local applicant is not eligible: {outcome:?}");
    };
    assert_eq!(assessment.decision, Decision::NotEligible);
    assert_eq!(assessment.reasons()[0].code, "LOCAL_APPLICANT");

    let view = cases::get_case(&mut office, &case_id, at(3)).expect("view");
    assert_eq!(view.state, CaseState::NotEligible);
    assert_eq!(view.state_label, "不予受理");
    assert_eq!(view.profile.as_deref(), Some("330182"), "the profile applied is kept");
    assert_eq!(
        printing::available(&view),
        [Document::Form, Document::Refusal],
        "the refusal, not the notice"
    );

    // Its own worklist; not among the notices waiting for the applicant.
    let closed = worklists::worklist(&office, Worklist::NotEligible, at(3).date_naive(), 10).expect("list");
    assert_eq!(closed.iter().map(|line| line.id).collect::<Vec<_>>(), [case_id]);
    assert!(
        worklists::worklist(&office, Worklist::NoticesIssued, at(3).date_naive(), 10)
            .expect("list")
            .is_empty()
    );

    // Closed for good: no papers reopen it.
    let refused = cases::save_draft(&mut office, &case_id, &example("application-complete.json"), at(4))
        .expect_err("a not-eligible case is never reopened");
    assert!(matches!(refused, AppError::Transition(_)), "{refused:?}");

    // The refusal prints its reasons, their sentence and the document applied.
    let rendered = printing::render(
        &mut office,
        &printing,
        &case_id,
        Document::Refusal,
        RenderChoices::default(),
        at(5),
    )
    .expect("render the refusal");
    assert_eq!(rendered.template, "refusal 1.0.0");
    let notice =
        printing::render(&mut office, &printing, &case_id, Document::Notice, RenderChoices::default(), at(5));
    assert!(notice.is_err(), "no one-time notice was given");

    // The platform learns the closing as its own state (sent as `not_eligible`).
    let queued: Vec<String> = app::sync::outbox(&office, 100)
        .expect("outbox")
        .queued
        .into_iter()
        .map(|entry| entry.summary)
        .collect();
    assert!(queued.iter().any(|summary| summary == "状态变更：草稿 → 不予受理"), "{queued:?}");
}

#[test]
fn an_office_numbers_with_its_county_and_station_and_applies_its_county() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up(dir.path(), "330182", "07");
    let default = app::assess::office_profile(&office).expect("default profile");
    assert_eq!(default.county.code, "330182", "建德市's own document");

    // Without a phone: accepted (the phone never blocks) and marked for the paper slip.
    let mut record = example("application-complete.json");
    record.phone_number.clear();
    let case_id = cases::new_case_id(at(1)).expect("case id");
    cases::save_draft(&mut office, &case_id, &record, at(1)).expect("draft");
    let outcome =
        cases::submit(&mut office, &case_id, &submission(&default.county.code), at(2)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    let view = cases::get_case(&mut office, &case_id, at(3)).expect("view");
    assert!(view.paper_slip, "no phone: the paper 确认单");
    assert_eq!(view.record.application_number, "33018207-20250310-0001");

    // A county without its own document: the provincial default, which never accepts.
    let dir = tempfile::tempdir().expect("temporary directory");
    let office = set_up(dir.path(), "330127", "01");
    let default = app::assess::office_profile(&office).expect("default profile");
    assert_eq!(default.county.code, "330000");
    assert!(!default.recognition.implemented);

    // Details with every problem are refused before anything is created.
    let dir = tempfile::tempdir().expect("temporary directory");
    let bad = OfficeDetails {
        county_code: "330100".to_owned(),
        station: "7".to_owned(),
        name: String::new(),
        ..details("", "")
    };
    let print = PrintSettings::default();
    let setup = FirstRun {
        details: &bad,
        username: "admin",
        password: ADMIN_PASSWORD,
        extra_roles: Roles::NONE,
        print: &print,
    };
    let Err(AppError::Validation(issues)) = Office::first_run(dir.path(), &setup, at(0), options()) else {
        panic!("bad details are refused");
    };
    let fields: Vec<&str> = issues.iter().map(|issue| issue.field.as_str()).collect();
    assert_eq!(fields, ["county_code", "station", "name"]);
    assert!(!Office::exists(dir.path()), "nothing was created");
}

#[test]
fn gongshu_applies_once_an_administrator_records_its_effective_date() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up(dir.path(), "330105", "01");
    let mut record = example("application-complete.json");
    record.current_address.county_code = "330105".to_owned();
    record.registration_history = vec![domain::record::RegistrationPeriod {
        county_code: "330105".to_owned(),
        start: at(0).date_naive() - Duration::days(400),
        end: None,
    }];
    record.evidence = Default::default();
    record.evidence.residence.own_home = true;
    let report =
        app::assess::assess_in_office(&office, &record, "330105", at(0).date_naive()).expect("assess");
    assert_eq!(report.assessment.codes(), ["PROFILE_NOT_IN_FORCE"], "an undated draft is not in force");
    let recorded = office
        .record_effective_date("拱墅", NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"), at(1))
        .expect("recorded");
    assert!(recorded.draft, "still shown as a draft");
    let report =
        app::assess::assess_in_office(&office, &record, "330105", at(2).date_naive()).expect("assess");
    assert_eq!(report.assessment.decision, Decision::Accept, "{:?}", report.assessment.items);
    let refused =
        office.record_effective_date("建德", NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"), at(3));
    assert!(refused.is_err(), "a dated document's date is its own");
}

#[test]
fn a_case_accepted_on_new_years_eve_gets_an_estimated_deadline_that_says_so() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up(dir.path(), "330182", "01");
    // 2026-12-31 09:00 in Zhejiang; the shipped tables end with 2026.
    let eve = Utc.with_ymd_and_hms(2026, 12, 31, 1, 0, 0).single().expect("instant");
    let mut record = example("application-complete.json");
    record.declaration.date = Some(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"));
    let case_id = cases::new_case_id(eve).expect("case id");
    cases::save_draft(&mut office, &case_id, &record, eve).expect("draft");
    let outcome = cases::submit(&mut office, &case_id, &submission("330182"), eve + Duration::minutes(1))
        .expect("submit");
    let SubmitOutcome::Accepted { due_date, due_estimate, .. } = outcome else {
        panic!("accepted, not refused for a missing table: {outcome:?}");
    };
    assert_eq!(due_date, NaiveDate::from_ymd_opt(2027, 1, 4).expect("date"));
    assert!(due_estimate.as_deref().is_some_and(|note| note.contains("2027年")), "{due_estimate:?}");
    let view = cases::get_case(&mut office, &case_id, eve + Duration::minutes(2)).expect("view");
    assert!(view.due_estimate.is_some(), "the case page says so too");
}
