//! One program replaces the office's files only while no other program has them open: a
//! re-key (and an upgrade) is refused, with nothing changed, while another program — here
//! a real second process — has the office open, and goes through once it has let go; an
//! open is refused while another program re-keys, upgrades or restores. The other
//! program's writes are never lost to a swap.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use store::{CaseId, OFFICE_LOCK_FILE_NAME, REKEY_FILE_NAMES, Roles, SCHEMA_VERSION, Store, StoreError};

use crate::common::{ADMIN_PASSWORD, Child, OFFICE, add_clerk, at, new_store, options, sample_case};

const CHILD_ENV: &str = "STORE_OFFICE_LOCK_CHILD";

fn case_count(store: &Store) -> i64 {
    store.raw_connection().query_row("SELECT count(*) FROM cases", [], |row| row.get(0)).unwrap()
}

/// Another program holding the office's lock the way a second process does: its own open
/// file (a lock of another open file conflicts with this process's, as another process's
/// would).
fn other_program(dir: &Path) -> File {
    File::open(dir.join(OFFICE_LOCK_FILE_NAME)).unwrap()
}

/// The second program of the first test: opens the office, saves a case, says "open" and
/// stays until it is killed.
#[test]
fn office_lock_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return };
    let dir = PathBuf::from(dir);
    let (mut store, admin) =
        Store::open_with_options(&dir, "admin", ADMIN_PASSWORD, at(30), options()).unwrap();
    let (record, index) = sample_case(7);
    store.save_draft(&admin, &CaseId::new(at(31)).unwrap(), &record, &index, at(31)).unwrap();
    // On a line of its own: the test harness has printed the test's name without one.
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nopen").unwrap();
    out.flush().unwrap();
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[test]
fn a_re_key_waits_until_no_other_program_has_the_office_open_and_loses_none_of_its_writes() {
    let (dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "clerk_a", Roles::ACCEPT);
    add_clerk(&mut store, &admin, "clerk_b", Roles::ACCEPT);
    let (record, index) = sample_case(1);
    store.save_draft(&clerk, &CaseId::new(at(10)).unwrap(), &record, &index, at(10)).unwrap();
    store.revoke_slot(&admin, "clerk_b", at(20)).unwrap();

    // A second program (another window, a permitctl command) has the office open and has
    // written a case.
    let mut child = Child::start("office_lock::office_lock_child", CHILD_ENV, dir.path(), &[]);
    child.wait_for("open");
    assert_eq!(case_count(&store), 2, "the other program's case is in the office");

    let refused = store.rekey(&admin, at(40)).unwrap_err();
    assert!(matches!(refused, StoreError::OfficeOpenElsewhere), "{refused:?}");
    // Nothing changed: no half-made files, the same generation, the re-key still owed,
    // and this store goes on writing.
    for leftover in REKEY_FILE_NAMES {
        assert!(!dir.path().join(leftover).exists(), "{leftover} was not made");
    }
    assert_eq!(store.key_generation().unwrap(), 0);
    assert!(store.rekey_owed().unwrap());
    let (record, index) = sample_case(2);
    store.save_draft(&clerk, &CaseId::new(at(41)).unwrap(), &record, &index, at(41)).unwrap();
    assert_eq!(case_count(&store), 3);

    // The other program ends (killed: the system lets go of its lock) and the re-key goes
    // through, with every case of both programs.
    child.process.kill().unwrap();
    child.process.wait().unwrap();
    let rekeyed = store.rekey(&admin, at(50)).unwrap();
    assert_eq!(rekeyed.generation, 1);
    assert_eq!(case_count(&store), 3);
    store.close().unwrap();
    let (reopened, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(51), options()).unwrap();
    assert_eq!(case_count(&reopened), 3, "nothing written by either program was lost");
}

#[test]
fn an_open_is_refused_while_another_program_replaces_the_files() {
    let (dir, store, _) = new_store();
    store.close().unwrap();
    let other = other_program(dir.path());
    other.lock().unwrap();
    let refused =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(5), options()).unwrap_err();
    assert!(matches!(refused, StoreError::OfficeBusy), "{refused:?}");
    other.unlock().unwrap();
    let (store, _) = Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(6), options()).unwrap();
    assert_eq!(case_count(&store), 0);
}

#[test]
fn an_upgrade_waits_until_no_other_program_has_the_office_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 1)
            .unwrap();
    store.close().unwrap();
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let before = listing(dir.path());

    // An older program still has the office open.
    let other = other_program(dir.path());
    other.lock_shared().unwrap();
    let refused =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(5), options()).unwrap_err();
    assert!(matches!(refused, StoreError::OfficeOpenElsewhere), "{refused:?}");
    assert_eq!(listing(dir.path()), before, "no copy made, nothing migrated");

    other.unlock().unwrap();
    let (store, _) = Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(6), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn stores_of_one_office_in_one_program_share_its_hold() {
    // A restore opens the office it replaces while it holds the office to itself: within
    // one program the hold is shared, not refused.
    let (dir, store, _) = new_store();
    let lock = store::OfficeLock::shared(dir.path()).unwrap();
    let exclusive = lock.exclusive().unwrap();
    let (second, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(5), options()).unwrap();
    drop(exclusive);
    // Back to shared: another program may open the office again, and cannot take it whole.
    let other = other_program(dir.path());
    other.try_lock_shared().unwrap();
    assert!(other.try_lock().is_err(), "this program still holds it shared");
    drop((store, second, lock));
    other.unlock().unwrap();
    other.try_lock().unwrap();
}
