//! The backend's idle lock (`app::office::IdleLock`), on a real encrypted office: a clerk's
//! commands keep the session; the window's polls do not; past the limit the office is
//! locked (a log-out in the audit trail) and the command refused with the clerk's name for
//! the log-in screen; a new log-in starts a new count.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::time::{Duration, Instant};

use app::AppError;
use app::office::{IdleLock, KdfParams, LockoutPolicy, Office, StoreOptions};
use app::problem::{ErrorCode, Problem};
use chrono::{DateTime, TimeZone, Utc};

const PASSWORD: &str = "admin-password-1";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().unwrap() + chrono::Duration::minutes(minutes)
}

#[test]
fn past_the_limit_the_office_locks_and_polls_never_keep_it_open() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() };
    let mut office =
        Office::set_up_with_options(dir.path(), "330182-jiande-01", "admin", PASSWORD, at(0), options)
            .unwrap();
    let lock = IdleLock::new(Duration::from_secs(600));
    let start = Instant::now();
    let after = |seconds: u64| start + Duration::from_secs(seconds);

    // Clerk commands within the limit keep the session, however long the day.
    for minute in [0, 9, 18, 27] {
        lock.pass(&mut office, after(minute * 60), at(1), true).unwrap();
    }
    // The window's polls every few seconds for 11 minutes do not.
    for second in (0..=660).step_by(5) {
        match lock.pass(&mut office, after(27 * 60 + second), at(2), false) {
            Ok(()) => assert!(second <= 600, "a poll at {second} s let through"),
            Err(error) => {
                assert!(second > 600, "locked early, at {second} s: {error:?}");
                assert!(
                    matches!(&error, AppError::IdleLocked { username, minutes: 10 } if username == "admin")
                );
                let problem = Problem::of(&error);
                assert_eq!(problem.code, ErrorCode::IdleLocked);
                assert!(problem.message.contains("超过 10 分钟未操作"), "{}", problem.message);
                break;
            }
        }
    }
    assert!(matches!(office.session(), Err(AppError::NotLoggedIn)), "the office is locked");
    // Locked: every command until a log-in says so, for the same clerk.
    let again = lock.pass(&mut office, after(40 * 60), at(3), true).unwrap_err();
    assert!(matches!(&again, AppError::IdleLocked { username, .. } if username == "admin"), "{again:?}");
    assert!(matches!(
        app::worklists::worklist_counts(&office, at(3).date_naive()),
        Err(AppError::NotLoggedIn)
    ));

    // A new log-in counts from its first command, whatever came before.
    office.login("admin", PASSWORD, at(50)).unwrap();
    lock.pass(&mut office, after(50 * 60), at(50), true).unwrap();
    lock.pass(&mut office, after(59 * 60), at(59), true).unwrap();
    assert!(office.session().is_ok());
    let error = lock.pass(&mut office, after(70 * 60), at(70), true).unwrap_err();
    assert!(matches!(error, AppError::IdleLocked { .. }), "{error:?}");

    office.login("admin", PASSWORD, at(80)).unwrap();
    let report = app::audit::verify(&office).unwrap();
    assert!(report.is_intact());
}
