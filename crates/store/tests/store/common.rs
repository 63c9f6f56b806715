//! Shared fixtures: temporary store directories, fixed instants, sample records.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use store::{CaseIndex, KdfParams, LockoutPolicy, NewUser, Roles, Session, Store, StoreOptions};
use tempfile::TempDir;

/// Password of the administrator created by [`new_store`].
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// Password of every clerk created by [`add_clerk`].
pub const CLERK_PASSWORD: &str = "clerk-password-1";
/// Office id of every test store.
pub const OFFICE: &str = "330424-test";

/// Fast Argon2id so that each log-in takes milliseconds; real stores use the default.
pub fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// 2026-03-02 09:00 in Zhejiang (01:00 UTC) plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().expect("valid instant") + Duration::minutes(minutes)
}

/// A date in March 2026.
pub fn march(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).expect("valid date")
}

/// A fresh store in a temporary directory, with the administrator logged in.
pub fn new_store() -> (TempDir, Store, Session) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (store, admin) =
        Store::create_with_options(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options())
            .expect("create store");
    (dir, store, admin)
}

/// Creates a clerk with `roles` and logs them in.
pub fn add_clerk(store: &mut Store, admin: &Session, username: &str, roles: Roles) -> Session {
    store
        .add_user(
            admin,
            &NewUser { username, display_name: username, roles, password: CLERK_PASSWORD },
            at(1),
        )
        .expect("add clerk");
    store.login(username, CLERK_PASSWORD, at(2)).expect("clerk logs in")
}

/// A realistic Annex 1 record and its index, for applicant number `n`.
pub fn sample_case(n: u32) -> (Value, CaseIndex) {
    let id_number = format!("3301021990{:02}{:02}{:03}X", 1 + n % 12, 1 + n % 28, n % 1000);
    let name = format!("测试人{n}");
    let phone = format!("138{:08}", n);
    let record = json!({
        "applicant": {
            "name": name,
            "id_number": id_number,
            "gender": "male",
            "ethnic_group": "01",
            "phone": phone,
        },
        "household_registration": { "province": "33", "county": "330102", "address": format!("杭州市上城区清波街道{n}号") },
        "current_address": format!("嘉兴市海盐县武原街道测试路{n}号"),
        "recognition_type": "ExistingPermit",
        "evidence": { "employment": ["labour_contract"], "residence": [], "study": [] },
    });
    let index = CaseIndex {
        application_number: None,
        id_number: Some(id_number),
        name: Some(name),
        phone: Some(phone),
        birth_date: NaiveDate::from_ymd_opt(1990, 1 + n % 12, 1 + n % 28),
        slip_required: false,
    };
    (record, index)
}
