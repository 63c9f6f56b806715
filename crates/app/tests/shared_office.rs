//! One office, several clerks logged in at once (`Office::as_clerk`, the office server's
//! way in, docs/office-server.md): each request runs as its own clerk, on the real
//! encrypted store, and nothing of one clerk's session leaks into another's.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::path::Path;

use app::AppError;
use app::cases::{self, CaseState, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, Session, StoreOptions};
use app::users::{self, NewClerk};
use chrono::{DateTime, TimeZone, Utc};
use domain::record::ApplicationRecord;

const ADMIN_PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().unwrap() + chrono::Duration::minutes(minutes)
}

fn record() -> ApplicationRecord {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/application-complete.json");
    ApplicationRecord::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Logs `username` in on the shared office and hands back their own session; the office's
/// own session is left as it was.
fn log_in(office: &mut Office, username: &str, minutes: i64) -> Option<Session> {
    let mut session = None;
    office
        .as_clerk(&mut session, |office| office.login(username, CLERK_PASSWORD, at(minutes)).map(|_| ()))
        .unwrap();
    assert!(session.is_some(), "the log-in's session is handed back");
    session
}

#[test]
fn three_clerks_at_once_each_act_as_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() };
    let mut office =
        Office::set_up_with_options(dir.path(), "330182-jiande-01", "admin", ADMIN_PASSWORD, at(0), options)
            .unwrap();
    for (username, display_name, roles) in [
        ("a", "受理员甲", Roles::ACCEPT),
        ("b", "审核员乙", Roles::REVIEW),
        ("c", "审批员丙", Roles::APPROVE),
    ] {
        let clerk = NewClerk { username, display_name, roles, password: CLERK_PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).unwrap();
    }
    // The server's own session ends; from now on only the clerks' sessions act.
    office.logout(at(2)).unwrap();

    // All three log in before anyone works: three sessions live at once.
    let mut a = log_in(&mut office, "a", 3);
    let mut b = log_in(&mut office, "b", 3);
    let mut c = log_in(&mut office, "c", 3);
    assert!(matches!(office.session(), Err(AppError::NotLoggedIn)), "no clerk's session stays on the office");

    let case_id = cases::new_case_id(at(4)).unwrap();
    // The reviewer cannot accept, whatever order the requests come in.
    let refused = office.as_clerk(&mut b, |office| cases::save_draft(office, &case_id, &record(), at(4)));
    assert!(matches!(refused, Err(AppError::RoleMissing { .. })), "{refused:?}");
    office.as_clerk(&mut a, |office| cases::save_draft(office, &case_id, &record(), at(4))).unwrap();
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    let outcome =
        office.as_clerk(&mut a, |office| cases::submit(office, &case_id, &submission, at(5))).unwrap();
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    // The acceptor cannot review their own acceptance, even with the reviewer logged in.
    let own = office.as_clerk(&mut a, |office| cases::review(office, &case_id, "自审。", at(6)));
    assert!(own.is_err(), "the acceptor reviewed: {own:?}");
    office
        .as_clerk(&mut b, |office| cases::review(office, &case_id, "经审核，材料真实有效。", at(6)))
        .unwrap();

    // The acceptor leaves; the approver's session is untouched by it.
    office.as_clerk(&mut a, |office| office.logout(at(7))).unwrap();
    assert!(a.is_none(), "the log-out ended the acceptor's session");
    let after_logout =
        office.as_clerk(&mut a, |office| app::worklists::worklist_counts(office, at(7).date_naive()));
    assert!(matches!(after_logout, Err(AppError::NotLoggedIn)), "{after_logout:?}");
    office.as_clerk(&mut c, |office| cases::approve(office, &case_id, "同意签发。", at(8))).unwrap();

    // Each step is recorded under the clerk who took it.
    let trail = office.as_clerk(&mut b, |office| app::audit::case_trail(office, &case_id, 50)).unwrap();
    for (to, actor) in [("accepted", "a"), ("reviewed", "b"), ("approved", "c")] {
        let line = trail.iter().find(|line| line.action == "case_state_changed" && line.details["to"] == to);
        assert_eq!(line.map(|line| line.actor.as_str()), Some(actor), "{to}: {trail:#?}");
    }
    let page = office.as_clerk(&mut c, |office| app::review::case_page(office, &case_id, at(9))).unwrap();
    assert_eq!(page.view.state, CaseState::Approved);
    office.close().unwrap();
}
