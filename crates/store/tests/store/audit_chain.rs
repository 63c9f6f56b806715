//! Tampering with the audit trail through raw SQL is detected at the right row.

use serde_json::json;
use store::{AuditAction, AuditProblem, Store};

use crate::common::{at, new_store, sample_case};

/// A store with a few dozen audit rows from ordinary work.
fn busy_store() -> (tempfile::TempDir, Store) {
    let (dir, mut store, admin) = new_store();
    for n in 0..5 {
        let (record, index) = sample_case(n);
        let case_id = store.create_case(&admin, &record, &index, at(10 + i64::from(n))).unwrap();
        store.get_case(&admin, &case_id, at(20)).unwrap();
    }
    let report = store.audit_verify().unwrap();
    assert!(report.is_intact(), "untouched trail verifies: {report:?}");
    assert_eq!(report.rows, 13);
    (dir, store)
}

#[test]
fn the_program_itself_cannot_edit_or_delete_audit_rows() {
    let (_dir, store) = busy_store();
    let conn = store.raw_connection();
    let error = conn.execute("UPDATE audit SET actor = 'someone' WHERE seq = 4", []).unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    let error = conn.execute("DELETE FROM audit WHERE seq = 4", []).unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    let error = conn.execute("DELETE FROM case_events", []).unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
}

#[test]
fn an_edited_row_is_reported_at_that_row() {
    let (_dir, store) = busy_store();
    let conn = store.raw_connection();
    conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
    // Stored details are a format byte and the text (0: as it is; docs/store.md).
    let edited = [&[0u8][..], br#"{"fields":[]}"#].concat();
    conn.execute("UPDATE audit SET details = ?1 WHERE seq = 6", [edited]).unwrap();
    let report = store.audit_verify().unwrap();
    assert_eq!(report.first_bad_row, Some(6));
    assert_eq!(report.problem, Some(AuditProblem::HashMismatch));
    assert_eq!(report.rows, 13);
}

#[test]
fn an_edited_time_or_actor_is_reported_too() {
    let (_dir, store) = busy_store();
    let conn = store.raw_connection();
    conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
    conn.execute("UPDATE audit SET at = at + 1 WHERE seq = 9", []).unwrap();
    assert_eq!(store.audit_verify().unwrap().first_bad_row, Some(9));
}

#[test]
fn a_deleted_row_is_reported_at_the_row_after_the_gap() {
    let (_dir, store) = busy_store();
    let conn = store.raw_connection();
    conn.execute_batch("DROP TRIGGER audit_no_delete").unwrap();
    conn.execute("DELETE FROM audit WHERE seq = 7", []).unwrap();
    let report = store.audit_verify().unwrap();
    assert_eq!(report.first_bad_row, Some(8));
    assert_eq!(report.problem, Some(AuditProblem::SequenceGap { expected: 7 }));
}

#[test]
fn a_renumbered_chain_after_a_deletion_is_still_caught() {
    let (_dir, store) = busy_store();
    let conn = store.raw_connection();
    conn.execute_batch("DROP TRIGGER audit_no_delete; DROP TRIGGER audit_no_update").unwrap();
    conn.execute("DELETE FROM audit WHERE seq = 7", []).unwrap();
    conn.execute("UPDATE audit SET seq = seq - 1 WHERE seq > 7", []).unwrap();
    let report = store.audit_verify().unwrap();
    assert_eq!(report.first_bad_row, Some(7), "the row now numbered 7 does not chain to row 6");
    assert_eq!(report.problem, Some(AuditProblem::HashMismatch));
}

#[test]
fn deleting_the_last_rows_is_caught_by_the_head() {
    let (_dir, store) = busy_store();
    let conn = store.raw_connection();
    conn.execute_batch("DROP TRIGGER audit_no_delete").unwrap();
    conn.execute("DELETE FROM audit WHERE seq >= 12", []).unwrap();
    let report = store.audit_verify().unwrap();
    assert_eq!(report.first_bad_row, Some(12));
    assert_eq!(report.problem, Some(AuditProblem::TruncatedTail { head_seq: 13 }));
}

#[test]
fn events_from_outside_the_store_are_chained_and_never_hold_id_numbers() {
    let (_dir, mut store, admin) = new_store();
    let (record, index) = sample_case(9);
    let case_id = store.create_case(&admin, &record, &index, at(10)).unwrap();
    let id_number = index.id_number.unwrap();
    store
        .audit_event(
            &admin,
            AuditAction::Exported,
            Some(&case_id),
            json!({ "file": format!("archive-{id_number}.zip"), "format": "zip" }),
            at(11),
        )
        .unwrap();
    let exported = store.audit_entries(Some(&case_id), 10).unwrap().pop().unwrap();
    assert_eq!(exported.details["file"], "archive-[id number removed].zip");
    store.audit_system_event("sync", AuditAction::SyncSent, None, json!({ "batch": 1 }), at(12)).unwrap();
    let head = store.audit_head().unwrap().unwrap();
    let report = store.audit_verify().unwrap();
    assert!(report.is_intact());
    assert_eq!(report.head, Some(head));
}

/// The check at log-in reads only what was written since the last check, finds a row
/// edited since, and keeps saying so; a chain recomputed below the starting point is
/// found at the starting row itself.
#[test]
fn the_check_at_log_in_reads_what_is_new_and_finds_what_was_changed() {
    let (_dir, mut store) = busy_store();
    let admin = store.login("admin", crate::common::ADMIN_PASSWORD, at(30)).unwrap();
    let first = store.audit_verify_since_last_check().unwrap();
    assert!(first.is_intact(), "{first:?}");
    let start = first.head.clone().expect("a head").seq;

    // More work: the next check reads those rows only.
    for n in 10..13 {
        let (record, index) = sample_case(n);
        store.create_case(&admin, &record, &index, at(40 + i64::from(n))).unwrap();
    }
    let second = store.audit_verify_since_last_check().unwrap();
    assert!(second.is_intact(), "{second:?}");
    let head = second.head.clone().expect("a head").seq;
    assert_eq!(second.rows, u64::try_from(head - start).unwrap(), "only the rows written since");

    // A row written since the last check, edited by hand: found, at that row, and again at
    // the next check (the starting point does not move past a break).
    store.create_case(&admin, &sample_case(20).0, &sample_case(20).1, at(60)).unwrap();
    let edited = head + 1;
    store.raw_connection().execute_batch("DROP TRIGGER audit_no_update").unwrap();
    store.raw_connection().execute("UPDATE audit SET actor = 'someone' WHERE seq = ?1", [edited]).unwrap();
    for _ in 0..2 {
        let report = store.audit_verify_since_last_check().unwrap();
        assert_eq!(report.first_bad_row, Some(edited), "{report:?}");
        assert_eq!(report.problem, Some(AuditProblem::HashMismatch));
    }
    store.raw_connection().execute("UPDATE audit SET actor = 'admin' WHERE seq = ?1", [edited]).unwrap();
    assert!(store.audit_verify_since_last_check().unwrap().is_intact(), "put back: whole again");

    // The whole chain recomputed after an edit below the starting point (the insider with
    // the key): the starting row no longer carries the hash the last check saw.
    let start = store.audit_verify_since_last_check().unwrap().head.expect("a head").seq;
    store.rewrite_audit_row(2, r#"{"rewritten":true}"#).unwrap();
    let report = store.audit_verify_since_last_check().unwrap();
    assert_eq!(report.first_bad_row, Some(start), "{report:?}");
}

/// Schema 13 keeps a row's case as the case's row number: every row the program writes
/// about a case it holds names it so (the UUID as text is for a case with no row here), and
/// reads back with the case's UUID.
#[test]
fn rows_name_their_case_by_its_row_number() {
    let (_dir, store) = busy_store();
    let conn = store.raw_connection();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM audit WHERE case_id IS NOT NULL"), 10, "5 created, 5 viewed");
    assert_eq!(count("SELECT count(*) FROM audit WHERE case_uuid IS NOT NULL"), 0);
    let entries = store.audit_entries(None, 100).unwrap();
    let cases: Vec<_> = entries.iter().filter_map(|entry| entry.case_id).collect();
    assert_eq!(cases.len(), 10);
    for case_id in &cases {
        assert_eq!(store.audit_entries(Some(case_id), 100).unwrap().len(), 2, "each case's two rows");
    }
}

/// Schema 13 stores the action as a number and a clerk's own name not at all: a number no
/// program wrote, another action's number, or a name put where the clerk's was, is found at
/// that row.
#[test]
fn a_changed_action_number_or_actor_is_reported_at_its_row() {
    for change in [
        "UPDATE audit SET action = 999 WHERE seq = 5",
        "UPDATE audit SET action = action + 1 WHERE seq = 5",
        "UPDATE audit SET actor = 'someone' WHERE seq = 5",
    ] {
        let (_dir, store) = busy_store();
        let conn = store.raw_connection();
        conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
        assert_eq!(conn.execute(change, []).unwrap(), 1);
        let report = store.audit_verify().unwrap();
        assert_eq!(
            (report.first_bad_row, report.problem),
            (Some(5), Some(AuditProblem::HashMismatch)),
            "{change}"
        );
    }
}
