//! The office's details: the application-number prefix unique by construction, kept
//! numbers across the upgrade, audited changes, and recorded effective dates.

use serde_json::json;
use store::{CaseState, OfficeDetails, PrintSettings, Roles, StateChange, Store, StoreError};

use crate::common::{ADMIN_PASSWORD, OFFICE, add_clerk, at, march, new_store, options, sample_case};

fn details(station: &str) -> OfficeDetails {
    OfficeDetails {
        county_code: "330182".to_owned(),
        station: station.to_owned(),
        name: "建德市公安局新安江派出所".to_owned(),
        address: "建德市新安江街道府前路1号".to_owned(),
        phone: "0571-64780000".to_owned(),
    }
}

/// Creates a case and accepts it; returns the number the store gave it.
fn accept_one(store: &mut Store, clerk: &store::Session, n: u32, minutes: i64) -> String {
    let (record, index) = sample_case(n);
    let case_id = store.create_case(clerk, &record, &index, at(minutes)).unwrap();
    let change = StateChange {
        from: CaseState::Draft,
        to: CaseState::Accepted,
        note: None,
        due_date: Some(march(4)),
        profile: Some("330182".to_owned()),
    };
    store.transition(clerk, &case_id, &change, at(minutes + 1)).unwrap();
    let case = store.get_case(clerk, &case_id, at(minutes + 2)).unwrap();
    assert_eq!(case.profile.as_deref(), Some("330182"), "the profile applied is kept with the case");
    case.application_number.unwrap()
}

/// Two stations that typed the same free-text name at set-up (the old prefix came from
/// it) number their applications apart: the prefix is county code + station number.
#[test]
fn two_offices_with_the_same_typed_name_number_differently() {
    let mut numbers = Vec::new();
    let mut dirs = Vec::new();
    for station in ["01", "02"] {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, admin) = Store::create_with_options(
            dir.path(),
            "330182-新安江派出所",
            "admin",
            ADMIN_PASSWORD,
            at(0),
            options(),
        )
        .unwrap();
        store.set_office_details(&admin, &details(station), at(1)).unwrap();
        let clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT);
        numbers.push(accept_one(&mut store, &clerk, 1, 10));
        dirs.push(dir);
    }
    assert_eq!(numbers, ["33018201-20260302-0001", "33018202-20260302-0001"]);
}

/// An office set up before the details existed keeps every number it gave; its next
/// numbers use the new prefix once an administrator sets the details.
#[test]
fn numbers_given_before_the_details_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 6)
            .unwrap();
    let old_case = store::CaseId::new(at(1)).unwrap();
    {
        // A case accepted by the previous build, numbered from the free-text office id.
        let conn = store.raw_connection();
        conn.execute(
            "INSERT INTO cases (uuid, state, record, name, created_by, created_at, updated_at, application_number,
                                accepted_at, due_date)
             VALUES (?1, 'accepted', '{}', '王五', 1, ?2, ?2, '330424test-20260302-0001', ?2, '2026-03-04')",
            rusqlite::params![old_case.to_string(), at(1).timestamp_millis()],
        )
        .unwrap();
        conn.execute("INSERT INTO meta (key, value) VALUES ('application_seq', '20260302:1')", []).unwrap();
    }
    store.close().unwrap();

    let (mut store, admin) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(7), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), store::SCHEMA_VERSION);
    let clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT);
    store.set_office_details(&admin, &details("03"), at(11)).unwrap();
    let fresh = accept_one(&mut store, &clerk, 2, 12);
    assert_eq!(fresh, "33018203-20260302-0002", "the day's counter goes on with the new prefix");
    let old = store.get_case(&admin, &old_case, at(20)).unwrap();
    assert_eq!(old.application_number.as_deref(), Some("330424test-20260302-0001"), "a number given is kept");
    assert_eq!(old.profile, None, "cases submitted before schema 7 name no profile");
}

#[test]
fn details_are_set_by_an_administrator_audited_and_checked() {
    let (_dir, mut store, admin) = new_store();
    assert_eq!(store.office_details().unwrap(), None);
    let clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT);
    assert!(matches!(
        store.set_office_details(&clerk, &details("01"), at(3)),
        Err(StoreError::Forbidden { .. })
    ));
    for (bad, why) in [
        (OfficeDetails { station: "1".to_owned(), ..details("01") }, "one digit"),
        (OfficeDetails { station: "00".to_owned(), ..details("01") }, "station 00"),
        (OfficeDetails { county_code: "330100".to_owned(), ..details("01") }, "a city, not a county"),
        (OfficeDetails { name: " ".to_owned(), ..details("01") }, "no name"),
    ] {
        assert!(
            matches!(store.set_office_details(&admin, &bad, at(4)), Err(StoreError::InvalidInput { .. })),
            "{why}"
        );
    }
    store.set_office_details(&admin, &details("01"), at(5)).unwrap();
    store.set_office_details(&admin, &details("02"), at(6)).unwrap();
    store.set_office_details(&admin, &details("02"), at(7)).unwrap(); // unchanged: not audited again
    assert_eq!(store.office_details().unwrap(), Some(details("02")));
    let rows: Vec<_> = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "office_details_set")
        .collect();
    assert_eq!(rows.len(), 2, "each change once");
    let last = rows.iter().max_by_key(|entry| entry.seq).unwrap();
    assert_eq!(last.details["previous"]["station"], json!("01"));
    assert_eq!(last.details["details"]["station"], json!("02"));
    assert_eq!(store.audit_verify().unwrap().problem, None, "the chain holds");
}

/// The print settings: defaults until set, an administrator's to change, each change
/// audited once with the old and new values, a printer name CUPS could not hold refused;
/// and they survive closing the store.
#[test]
fn print_settings_are_set_by_an_administrator_audited_and_kept() {
    let (dir, mut store, admin) = new_store();
    assert_eq!(store.print_settings().unwrap(), PrintSettings::default());
    let clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT | Roles::APPROVE);
    let large = PrintSettings { large_print: Some(true), printer: Some("counter-a4".to_owned()) };
    assert!(matches!(store.set_print_settings(&clerk, &large, at(3)), Err(StoreError::Forbidden { .. })));
    for bad in ["", "two words", "lp/0", "a#b", "\u{7}"] {
        let settings = PrintSettings { printer: Some(bad.to_owned()), ..large.clone() };
        assert!(
            matches!(
                store.set_print_settings(&admin, &settings, at(4)),
                Err(StoreError::InvalidInput { .. })
            ),
            "{bad:?}"
        );
    }
    store.set_print_settings(&admin, &large, at(5)).unwrap();
    store.set_print_settings(&admin, &large, at(6)).unwrap(); // unchanged: not audited again
    let back = PrintSettings { large_print: Some(false), printer: None };
    store.set_print_settings(&admin, &back, at(7)).unwrap();
    let rows: Vec<_> = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "print_settings_set")
        .collect();
    assert_eq!(rows.len(), 2, "each change once");
    let last = rows.iter().max_by_key(|entry| entry.seq).unwrap();
    assert_eq!(last.details["previous"], json!({ "large_print": true, "printer": "counter-a4" }));
    assert_eq!(last.details["settings"], json!({ "large_print": false, "printer": null }));
    store.close().unwrap();
    let store = Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(8), options()).unwrap().0;
    assert_eq!(store.print_settings().unwrap(), back);
    assert_eq!(store.audit_verify().unwrap().problem, None, "the chain holds");
}

#[test]
fn effective_dates_of_drafts_are_recorded_and_audited() {
    let (_dir, mut store, admin) = new_store();
    assert!(store.recorded_effective_dates().unwrap().is_empty());
    store.record_effective_date(&admin, "330105", "拱墅区征求意见稿", march(1), at(1)).unwrap();
    assert_eq!(store.recorded_effective_dates().unwrap(), [("330105".to_owned(), march(1))]);
    store.record_effective_date(&admin, "330105", "拱墅区征求意见稿", march(2), at(2)).unwrap();
    let entry = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "profile_effective_set")
        .max_by_key(|entry| entry.seq)
        .unwrap();
    assert_eq!(entry.details["previous"], json!("2026-03-01"));
    assert_eq!(entry.details["effective"], json!("2026-03-02"));
}
