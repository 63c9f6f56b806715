//! The state seal (issue 18): the program's own writes keep it, a change made beside the
//! program (a SQLCipher shell with the data key) is found by the next check and stays
//! found, and an office upgraded from before the seal is sealed as it was.

use store::{CaseState, OutboxId, Roles, SCHEMA_VERSION, StateChange, StateSealProblem, Store};

use crate::common::{ADMIN_PASSWORD, OFFICE, add_clerk, at, new_store, options, sample_case};

fn step(from: CaseState, to: CaseState) -> StateChange {
    StateChange { from, to, note: None, due_date: None, profile: None }
}

/// An office with some of everything the seal covers: clerks, a case taken two steps,
/// a draft, and an outbox with an item the platform confirmed.
fn busy_store() -> (tempfile::TempDir, Store, store::Session) {
    let (dir, mut store, admin) = new_store();
    let accepting = add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    let reviewing = add_clerk(&mut store, &admin, "wang", Roles::REVIEW);
    let (record, index) = sample_case(1);
    let case_id = store.create_case(&accepting, &record, &index, at(10)).unwrap();
    store.transition(&accepting, &case_id, &step(CaseState::Draft, CaseState::Accepted), at(11)).unwrap();
    store.transition(&reviewing, &case_id, &step(CaseState::Accepted, CaseState::Reviewed), at(12)).unwrap();
    let (draft, draft_index) = sample_case(2);
    store.create_case(&accepting, &draft, &draft_index, at(13)).unwrap();
    let first: Vec<OutboxId> = store.outbox_pending(1).unwrap().into_iter().map(|item| item.id).collect();
    store.outbox_mark_confirmed(&first, at(14)).unwrap();
    store.set_roles(&admin, "li", Roles::ACCEPT | Roles::REVIEW, at(15)).unwrap();
    (dir, store, admin)
}

#[test]
fn the_programs_own_writes_keep_the_seal() {
    let (_dir, store, _admin) = busy_store();
    assert_eq!(store.state_seal_check().unwrap(), None);
    // The test connection's writes go through the program's function too.
    store.raw_connection().execute("UPDATE cases SET phone = '13800000000' WHERE id = 1", []).unwrap();
    assert_eq!(store.state_seal_check().unwrap(), None);
}

#[test]
fn a_shell_cannot_change_a_sealed_row_without_dropping_the_triggers_and_then_it_is_found() {
    let (dir, mut store, admin) = busy_store();
    let shell = store.shell_connection().unwrap();
    let refused = shell.execute("UPDATE users SET roles = 15 WHERE username = 'li'", []).unwrap_err();
    assert!(refused.to_string().contains("permit_seal"), "{refused}");
    assert_eq!(store.state_seal_check().unwrap(), None, "the refused edit changed nothing");

    // The insider drops the seal's triggers on users and grants li every role.
    for event in ["insert", "update", "delete"] {
        shell.execute_batch(&format!("DROP TRIGGER state_seal_users_{event}")).unwrap();
    }
    shell.execute("UPDATE users SET roles = 15 WHERE username = 'li'", []).unwrap();
    drop(shell);
    assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Differs));

    // The program's later writes do not heal it, and the next log-in's check finds it.
    store.set_roles(&admin, "wang", Roles::REVIEW | Roles::APPROVE, at(20)).unwrap();
    assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Differs));
    store.close().unwrap();
    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(30), options()).unwrap();
    assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Differs));
}

#[test]
fn every_sealed_table_is_watched() {
    let edits = [
        "UPDATE cases SET record = json_set(record, '$.applicant.address', '别处') WHERE id = 1",
        "DELETE FROM case_events WHERE id = (SELECT max(id) FROM case_events)",
        "UPDATE outbox SET attempts = attempts + 7",
        "INSERT INTO clerk_keys (user_id, public_key, administrator, certificate, created_at)
             VALUES (2, 'ab', 1, '{}', 0)",
        "INSERT INTO clerk_key_revocations (public_key, revocation, created_at) VALUES ('ab', '{}', 0)",
        "UPDATE users SET active = 1",
        // A desk the administrator never let join, written into the office's registry.
        "INSERT INTO meta (key, value) VALUES ('office_desks', '[]')",
        "UPDATE meta SET value = value || '0' WHERE key = 'created_at'",
    ];
    for edit in edits {
        let (_dir, store, _admin) = busy_store();
        let shell = store.shell_connection().unwrap();
        // Every trigger goes: the seal's and the append-only ones.
        let all: Vec<String> = shell
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(all.iter().any(|name| name.starts_with("state_seal_")), "the seal has triggers: {all:?}");
        for name in &all {
            shell.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
        }
        let changed = shell.execute(edit, []).unwrap();
        assert!(changed > 0, "{edit} changed nothing");
        drop(shell);
        assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Differs), "{edit}");
    }
}

#[test]
fn a_seal_written_by_hand_or_removed_is_found_and_stays_found() {
    let (_dir, mut store, admin) = busy_store();
    let shell = store.shell_connection().unwrap();
    shell.execute("UPDATE state_seal SET value = zeroblob(64)", []).unwrap();
    assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Forged));
    store.set_roles(&admin, "li", Roles::ACCEPT, at(20)).unwrap();
    assert_eq!(
        store.state_seal_check().unwrap(),
        Some(StateSealProblem::Forged),
        "a later save does not heal it"
    );
    shell.execute("DELETE FROM state_seal", []).unwrap();
    assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Missing));
}

#[test]
fn an_office_from_before_the_seal_is_sealed_as_it_was_at_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, admin) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 10)
            .unwrap();
    let clerk = add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    let (record, index) = sample_case(1);
    let case_id = store.create_case(&clerk, &record, &index, at(10)).unwrap();
    store.transition(&clerk, &case_id, &step(CaseState::Draft, CaseState::Accepted), at(11)).unwrap();
    store.close().unwrap();

    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(20), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.state_seal_check().unwrap(), None);
    let sealed: i64 =
        store.raw_connection().query_row("SELECT count(*) FROM state_seal", [], |row| row.get(0)).unwrap();
    assert_eq!(sealed, 1);
}

/// Schema 12 adds `meta` (the office CA's key, the desks that joined, the slip's key, the
/// office's details) to a seal made at 11: sealed as it was, and a later change beside the
/// program found; a seal already forged at 11 stays forged.
#[test]
fn an_office_sealed_at_11_gets_its_meta_sealed_at_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, admin) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 11)
            .unwrap();
    let clerk = add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    let (record, index) = sample_case(1);
    store.create_case(&clerk, &record, &index, at(10)).unwrap();
    let meta_triggers = |store: &Store| -> i64 {
        store
            .raw_connection()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'state_seal_meta_%'",
                [],
                |row| row.get(0),
            )
            .unwrap()
    };
    assert_eq!(meta_triggers(&store), 0, "meta is not sealed at 11");
    store.close().unwrap();

    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(20), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(meta_triggers(&store), 3);
    assert_eq!(store.state_seal_check().unwrap(), None, "sealed as it was at the upgrade");
    let shell = store.shell_connection().unwrap();
    let refused =
        shell.execute("INSERT INTO meta (key, value) VALUES ('office_desks', '[]')", []).unwrap_err();
    assert!(refused.to_string().contains("permit_seal"), "{refused}");
    for event in ["insert", "update", "delete"] {
        shell.execute_batch(&format!("DROP TRIGGER state_seal_meta_{event}")).unwrap();
    }
    shell.execute("INSERT INTO meta (key, value) VALUES ('office_desks', '[]')", []).unwrap();
    drop(shell);
    assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Differs));
    store.close().unwrap();

    // Forged before the upgrade: still forged after it.
    let dir = tempfile::tempdir().unwrap();
    let (store, _) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 11)
            .unwrap();
    store.shell_connection().unwrap().execute("UPDATE state_seal SET value = zeroblob(64)", []).unwrap();
    store.close().unwrap();
    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(20), options()).unwrap();
    assert_eq!(store.state_seal_check().unwrap(), Some(StateSealProblem::Forged));
}
