//! Re-keying after a revocation (issue 18): the revoked clerk's copy of the key-slot file
//! and their password no longer open the office; everyone else logs in as before, with
//! nothing lost; a clerk the re-key could not hand the key to is named for a reset; the
//! server's slot follows when the server re-keys; and a kill at each step leaves the old
//! office or the new one, whole.

use std::io::Write;
use std::path::Path;

use store::{CaseId, REKEY_MARKER_FILE_NAME, Roles, SearchQuery, ServerSlotAfterRekey, Store, StoreError};

use crate::common::{
    ADMIN_PASSWORD, CLERK_PASSWORD, Child, OFFICE, add_clerk, at, new_store, options, sample_case,
};

fn case_count(store: &Store) -> i64 {
    store.raw_connection().query_row("SELECT count(*) FROM cases", [], |row| row.get(0)).unwrap()
}

fn slots_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(store::KEY_SLOTS_FILE_NAME)).unwrap()).unwrap()
}

fn slot<'a>(file: &'a serde_json::Value, username: &str) -> &'a serde_json::Value {
    file["slots"].as_array().unwrap().iter().find(|slot| slot["username"] == username).unwrap()
}

#[test]
fn a_revoked_clerks_copy_of_the_keys_no_longer_opens_the_office_and_everyone_else_goes_on() {
    let (dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "clerk_a", Roles::ACCEPT);
    add_clerk(&mut store, &admin, "clerk_b", Roles::ACCEPT);
    let (record, index) = sample_case(1);
    store.save_draft(&clerk, &CaseId::new(at(10)).unwrap(), &record, &index, at(10)).unwrap();
    let salt_before = std::fs::read(Store::db_path(dir.path())).unwrap()[..16].to_vec();

    // The insider keeps a copy of the key-slot file while still a clerk.
    let insider = tempfile::tempdir().unwrap();
    std::fs::copy(Store::key_slots_path(dir.path()), Store::key_slots_path(insider.path())).unwrap();

    assert!(!store.rekey_owed().unwrap());
    store.revoke_slot(&admin, "clerk_b", at(20)).unwrap();
    assert!(store.rekey_owed().unwrap(), "a revocation owes a re-key");
    let rekeyed = store.rekey(&admin, at(21)).unwrap();
    assert!(!store.rekey_owed().unwrap(), "the re-key pays it");
    assert_eq!(rekeyed.generation, 1);
    assert_eq!(rekeyed.carried, vec!["admin".to_owned(), "clerk_a".to_owned()]);
    assert!(rekeyed.needs_reset.is_empty());
    assert_eq!(rekeyed.server_slot, ServerSlotAfterRekey::None);
    assert_eq!(store.key_generation().unwrap(), 1);
    for leftover in [REKEY_MARKER_FILE_NAME, "office.db.rekey-new", "office.keys.json.rekey-new"] {
        assert!(!dir.path().join(leftover).exists(), "{leftover} is gone after the swap");
    }
    let salt_after = std::fs::read(Store::db_path(dir.path())).unwrap()[..16].to_vec();
    assert_ne!(salt_before, salt_after, "the file has a new SQLCipher salt");

    // The store goes on, on the new file: a case saved after the re-key, the old one found
    // by its ID number (the blind index's key did not change), the chain and seal intact.
    let (record, index) = sample_case(2);
    store.save_draft(&clerk, &CaseId::new(at(22)).unwrap(), &record, &index, at(22)).unwrap();
    let (_, first_index) = sample_case(1);
    let id_number = first_index.id_number.unwrap();
    let found = store.search(&clerk, &SearchQuery::IdNumber(&id_number), 10, at(23)).unwrap();
    assert_eq!(found.len(), 1, "the case saved before the re-key is found by its ID number");
    assert!(store.audit_verify().unwrap().first_bad_row.is_none());
    assert_eq!(store.state_seal_check().unwrap(), None);
    let actions: Vec<String> =
        store.audit_entries(None, 50).unwrap().into_iter().map(|entry| entry.action).collect();
    assert!(actions.iter().any(|action| action == "database_rekeyed"), "audited: {actions:?}");
    store.close().unwrap();

    // The insider: the current database with their copy of the slots and their own
    // password, as the program (or a SQLCipher shell given the key it unwraps) would open it.
    std::fs::copy(Store::db_path(dir.path()), Store::db_path(insider.path())).unwrap();
    let refused = Store::open_with_options(insider.path(), "clerk_b", CLERK_PASSWORD, at(30), options());
    assert!(
        matches!(refused, Err(StoreError::KeyMismatch)),
        "the revoked clerk's old key does not open the re-keyed file: {refused:?}"
    );
    // And the office's own slots do not know them.
    let refused = Store::open_with_options(dir.path(), "clerk_b", CLERK_PASSWORD, at(30), options());
    assert!(matches!(refused, Err(StoreError::UnknownUser { .. })), "{refused:?}");

    // The remaining clerk logs in with their own password: the sealed key opens, and the
    // slot is wrapped under the password again.
    assert!(slot(&slots_json(dir.path()), "clerk_a").get("sealed").is_some());
    let (store, _) =
        Store::open_with_options(dir.path(), "clerk_a", CLERK_PASSWORD, at(31), options()).unwrap();
    assert_eq!(case_count(&store), 2, "nothing was lost");
    store.close().unwrap();
    let file = slots_json(dir.path());
    assert!(slot(&file, "clerk_a").get("sealed").is_none() && slot(&file, "clerk_a").get("wrap").is_some());
    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(32), options()).unwrap();
    assert_eq!(case_count(&store), 2);
    store.close().unwrap();
}

#[test]
fn a_clerk_without_a_sealing_key_is_named_for_a_reset_and_a_sealed_key_moved_to_another_slot_does_not_open() {
    let (dir, mut store, admin) = new_store();
    add_clerk(&mut store, &admin, "clerk_a", Roles::ACCEPT);
    add_clerk(&mut store, &admin, "clerk_b", Roles::ACCEPT);
    add_clerk(&mut store, &admin, "clerk_c", Roles::REVIEW);
    // clerk_c's slot as an older program wrote it: no sealing key (made at the next log-in,
    // which has not come).
    let path = Store::key_slots_path(dir.path());
    let mut file = slots_json(dir.path());
    for slot in file["slots"].as_array_mut().unwrap() {
        if slot["username"] == "clerk_c" {
            slot.as_object_mut().unwrap().remove("sealing");
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();

    store.revoke_slot(&admin, "clerk_b", at(20)).unwrap();
    let rekeyed = store.rekey(&admin, at(21)).unwrap();
    assert_eq!(rekeyed.needs_reset, vec!["clerk_c".to_owned()]);
    assert!(matches!(store.login("clerk_c", CLERK_PASSWORD, at(22)), Err(StoreError::UnknownUser { .. })));
    let paused = store.users().unwrap().into_iter().find(|user| user.username == "clerk_c").unwrap();
    assert!(!paused.active, "the account is paused until an administrator re-enables it");
    store.reenable_user(&admin, "clerk_c", "a-new-password-7", at(23)).unwrap();
    store.login("clerk_c", "a-new-password-7", at(24)).unwrap();
    store.close().unwrap();

    // Someone with write access to the key-slot file moves clerk_a's sealed key into
    // admin's slot: it names clerk_a, so it does not open as admin's.
    let mut file = slots_json(dir.path());
    let sealed = slot(&file, "clerk_a")["sealed"].clone();
    assert!(sealed.is_string());
    for slot in file["slots"].as_array_mut().unwrap() {
        if slot["username"] == "admin" {
            slot.as_object_mut().unwrap().remove("wrap");
            slot["sealed"] = sealed.clone();
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let refused = Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(30), options());
    assert!(matches!(refused, Err(StoreError::KeySlotsDamaged { .. })), "{refused:?}");
}

#[test]
fn the_server_keeps_its_slot_when_it_re_keys_and_loses_it_when_the_window_does() {
    let (dir, mut store, admin) = new_store();
    add_clerk(&mut store, &admin, "clerk_b", Roles::ACCEPT);
    let secret = store.create_server_unlock(&admin, at(5)).unwrap();
    store.close().unwrap();

    // The server re-keys (a revocation through its routes): its file still opens.
    let mut served = Store::open_for_server(dir.path(), &secret, at(10), options()).unwrap();
    let admin = served.login("admin", ADMIN_PASSWORD, at(11)).unwrap();
    served.revoke_slot(&admin, "clerk_b", at(12)).unwrap();
    assert_eq!(served.rekey(&admin, at(13)).unwrap().server_slot, ServerSlotAfterRekey::Kept);
    served.close().unwrap();
    let served = Store::open_for_server(dir.path(), &secret, at(20), options()).unwrap();
    served.close().unwrap();

    // The window re-keys: the slot held the old key and goes; the file no longer opens.
    let (mut store, admin) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(30), options()).unwrap();
    assert_eq!(store.rekey(&admin, at(31)).unwrap().server_slot, ServerSlotAfterRekey::Removed);
    store.close().unwrap();
    assert!(Store::open_for_server(dir.path(), &secret, at(40), options()).is_err());
}

/// A state seal check running on its own connection while the administrator re-keys (a
/// sync's check runs outside the office's lock): the re-key interrupts it and waits for its
/// connection to close before the swap — closed after it, that connection would remove
/// the new file's log by name. The office is whole afterwards.
#[test]
fn a_re_key_stops_a_seal_check_running_beside_it_and_loses_nothing() {
    let (dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "clerk_a", Roles::ACCEPT);
    add_clerk(&mut store, &admin, "clerk_b", Roles::ACCEPT);
    for n in 0..300 {
        let (record, index) = sample_case(n);
        let case = CaseId::new(at(3) + chrono::Duration::seconds(i64::from(n))).unwrap();
        store.save_draft(&clerk, &case, &record, &index, at(3)).unwrap();
    }
    // Checks started and running (each loops until the re-key has happened), one waiting.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut running = Vec::new();
    for _ in 0..2 {
        let checker = store.state_seal_checker().unwrap();
        running.push(std::thread::spawn(move || checker.check().is_ok()));
    }
    let waiting = store.state_seal_checker().unwrap();
    let done = std::sync::Arc::clone(&stop);
    let holder = std::thread::spawn(move || {
        // Held without running until the re-key interrupts it: then it runs (and fails or
        // passes) and is dropped, closing its connection.
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = waiting.check();
    });
    let stopper = std::sync::Arc::clone(&stop);
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        stopper.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    store.revoke_slot(&admin, "clerk_b", at(20)).unwrap();
    let started = std::time::Instant::now();
    store.rekey(&admin, at(21)).unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "the re-key waited for the held check"
    );
    release.join().unwrap();
    holder.join().unwrap();
    for check in running {
        check.join().unwrap();
    }
    assert_eq!(case_count(&store), 300);
    assert_eq!(store.state_seal_check().unwrap(), None);
    store.close().unwrap();
    let (store, _) =
        Store::open_with_options(dir.path(), "clerk_a", CLERK_PASSWORD, at(30), options()).unwrap();
    assert_eq!(case_count(&store), 300, "nothing lost in the file the swap left");
    assert!(store.audit_verify().unwrap().first_bad_row.is_none());
    store.close().unwrap();
}

const CHILD_ENV: &str = "PERMIT_DESK_REKEY_CRASH_CHILD";
const TEST_NAME: &str = "rekey::a_kill_at_each_step_of_a_re_key_leaves_the_old_office_or_the_new_one";

/// In a child: logs in as admin, revokes clerk_b and re-keys (killed at the armed point).
fn child_if_asked() -> bool {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return false };
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nopening").unwrap();
    out.flush().unwrap();
    let (mut store, admin) =
        Store::open_with_options(Path::new(&dir), "admin", ADMIN_PASSWORD, at(5), options()).unwrap();
    store.revoke_slot(&admin, "clerk_b", at(6)).unwrap();
    store.rekey(&admin, at(7)).unwrap();
    writeln!(out, "rekeyed").unwrap();
    true
}

#[test]
fn a_kill_at_each_step_of_a_re_key_leaves_the_old_office_or_the_new_one() {
    use std::os::unix::process::ExitStatusExt;
    if child_if_asked() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    for (run, point) in store::crash::REKEY_POINTS.iter().enumerate() {
        let dir = root.path().join(format!("run-{run}"));
        std::fs::create_dir_all(&dir).unwrap();
        {
            let (mut store, admin) =
                Store::create_with_options(&dir, OFFICE, "admin", ADMIN_PASSWORD, at(0), options()).unwrap();
            let clerk = add_clerk(&mut store, &admin, "clerk_a", Roles::ACCEPT);
            add_clerk(&mut store, &admin, "clerk_b", Roles::ACCEPT);
            for n in 0..20 {
                let (record, index) = sample_case(n);
                let case = CaseId::new(at(3) + chrono::Duration::seconds(i64::from(n))).unwrap();
                store.save_draft(&clerk, &case, &record, &index, at(3)).unwrap();
            }
            store.close().unwrap();
        }
        let old_slots = std::fs::read(Store::key_slots_path(&dir)).unwrap();
        let mark = dir.join("crash-mark");
        let env = [
            (store::crash::CRASH_AT, format!("{point}:1")),
            (store::crash::CRASH_MARK, mark.display().to_string()),
        ];
        let mut child = Child::start(TEST_NAME, CHILD_ENV, &dir, &env);
        child.wait_for("opening");
        let status = child.process.wait().unwrap();
        child.reader.join().unwrap();
        assert_eq!(status.signal(), Some(9), "the child reached {point} and killed itself there");
        assert_eq!(std::fs::read_to_string(&mark).unwrap(), *point);
        std::fs::remove_file(&mark).unwrap();

        // The next open finishes or undoes it: both remaining clerks log in, every case is
        // there, the chain and the seal hold, no new file or marker is left behind.
        let committed = *point != store::crash::REKEY_PREPARED;
        for (username, password) in [("admin", ADMIN_PASSWORD), ("clerk_a", CLERK_PASSWORD)] {
            let (store, _) = Store::open_with_options(&dir, username, password, at(9), options())
                .unwrap_or_else(|error| panic!("{username} opens after a kill at {point}: {error}"));
            assert_eq!(case_count(&store), 20, "after a kill at {point}");
            assert!(store.audit_verify().unwrap().first_bad_row.is_none());
            assert_eq!(store.state_seal_check().unwrap(), None);
            assert_eq!(store.key_generation().unwrap(), u32::from(committed), "after a kill at {point}");
            let rekey_rows = store
                .audit_entries(None, 100)
                .unwrap()
                .into_iter()
                .filter(|entry| entry.action == "database_rekeyed")
                .count();
            assert_eq!(
                rekey_rows,
                usize::from(committed),
                "the trail claims a re-key only once it is the office's"
            );
            assert_eq!(
                store.rekey_owed().unwrap(),
                !committed,
                "the revocation's re-key owed until it commits"
            );
            store.close().unwrap();
        }
        for leftover in [REKEY_MARKER_FILE_NAME, "office.db.rekey-new", "office.keys.json.rekey-new"] {
            assert!(!dir.join(leftover).exists(), "{leftover} is left after a kill at {point}");
        }
        // The revocation was committed before the re-key began, whatever the kill.
        assert!(Store::open_with_options(&dir, "clerk_b", CLERK_PASSWORD, at(10), options()).is_err());
        // Once committed, the slots as they were before no longer open the file.
        if committed {
            let insider = root.path().join(format!("insider-{run}"));
            std::fs::create_dir_all(&insider).unwrap();
            std::fs::write(Store::key_slots_path(&insider), &old_slots).unwrap();
            std::fs::copy(Store::db_path(&dir), Store::db_path(&insider)).unwrap();
            let refused = Store::open_with_options(&insider, "clerk_b", CLERK_PASSWORD, at(11), options());
            assert!(matches!(refused, Err(StoreError::KeyMismatch)), "after a kill at {point}: {refused:?}");
        }
    }
}
