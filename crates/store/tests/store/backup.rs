//! Backups: a sealed copy, unsealed, opens with the office's key-slot file and holds every
//! row; a clerk's password opens nothing in it.

use store::{Store, StoreError};

use crate::common::{ADMIN_PASSWORD, at, new_store, options, sample_case};

/// The online copy a backup makes (sealed since issue 18: the unsealing is the restore's
/// step) holds every row, is encrypted, never overwrites a file, and opens with the
/// office's key slots once unsealed.
#[test]
fn backup_copy_opens_with_the_same_key_slots_and_holds_every_row() {
    let (dir, mut store, admin) = new_store();
    let (record, index) = sample_case(7);
    let case_id = store.create_case(&admin, &record, &index, at(5)).expect("create case");
    let copy_dir = tempfile::tempdir().expect("temporary directory");
    let copy = copy_dir.path().join("office.db");
    let sealed = store.backup_database_sealed(&admin, &copy).expect("backup");
    assert!(
        matches!(store.backup_database_sealed(&admin, &copy), Err(StoreError::AlreadyExists { .. })),
        "an existing file is never overwritten"
    );
    let bytes = std::fs::read(&copy).expect("read copy");
    assert!(!bytes.windows("测试人7".len()).any(|w| w == "测试人7".as_bytes()), "the copy is encrypted");
    std::fs::copy(Store::key_slots_path(dir.path()), Store::key_slots_path(copy_dir.path()))
        .expect("copy key slots");
    Store::unseal_restored_database(copy_dir.path(), "admin", ADMIN_PASSWORD, &sealed.sealed_keys[0].1)
        .expect("unsealed");
    let (restored, _) = Store::open_with_options(copy_dir.path(), "admin", ADMIN_PASSWORD, at(10), options())
        .expect("the copy opens with the office's key slots");
    assert_eq!(restored.read_case(&case_id).expect("case").record, record, "the case came along");
    assert!(restored.audit_verify().expect("verify").is_intact(), "the audit chain came along intact");
    assert_eq!(restored.schema_version().expect("version"), store::SCHEMA_VERSION);
}

/// A sealed backup (issue 18): its database is under a key of its own, sealed to each
/// administrator. A clerk's password with the office's key slots opens nothing in it; an
/// administrator of its day unseals it, and the office's slots open it again afterwards.
#[test]
fn a_sealed_backup_opens_for_its_administrators_and_for_no_clerk() {
    use crate::common::{CLERK_PASSWORD, add_clerk};
    use store::Roles;
    let (dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "clerk_a", Roles::ACCEPT);
    add_clerk(&mut store, &admin, "second_admin", Roles::ADMIN);
    let (record, index) = sample_case(3);
    let case_id = store.create_case(&clerk, &record, &index, at(5)).expect("create case");
    let made = tempfile::tempdir().expect("temporary directory");
    let copy = made.path().join("office.db");
    assert!(
        matches!(store.backup_database_sealed(&clerk, &copy), Err(StoreError::Forbidden { .. })),
        "only an administrator backs up"
    );
    let sealed = store.backup_database_sealed(&admin, &copy).expect("sealed backup");
    assert_eq!(sealed.generation, 0);
    let mut admins: Vec<&str> = sealed.sealed_keys.iter().map(|(username, _)| username.as_str()).collect();
    admins.sort_unstable();
    assert_eq!(admins, ["admin", "second_admin"], "sealed to every active administrator, no clerk");
    let copy_bytes = std::fs::read(&copy).expect("read copy");
    let key_slots = std::fs::read(Store::key_slots_path(dir.path())).expect("slots");

    // The clerk, with the office's key slots of the backup's day and their own password.
    let insider = tempfile::tempdir().expect("insider");
    std::fs::write(Store::db_path(insider.path()), &copy_bytes).expect("copy");
    std::fs::write(Store::key_slots_path(insider.path()), &key_slots).expect("slots");
    let refused = Store::open_with_options(insider.path(), "clerk_a", CLERK_PASSWORD, at(10), options());
    assert!(matches!(refused, Err(StoreError::KeyMismatch)), "a clerk opens nothing: {refused:?}");
    // Nor may the clerk use an administrator's sealed key, nor an administrator another's.
    let admin_sealed =
        &sealed.sealed_keys.iter().find(|(username, _)| username == "admin").expect("admin's").1;
    let refused = Store::unseal_restored_database(insider.path(), "clerk_a", CLERK_PASSWORD, admin_sealed);
    assert!(matches!(refused, Err(StoreError::KeySlotsDamaged { .. })), "{refused:?}");
    let refused =
        Store::unseal_restored_database(insider.path(), "second_admin", CLERK_PASSWORD, admin_sealed);
    assert!(matches!(refused, Err(StoreError::KeySlotsDamaged { .. })), "{refused:?}");
    let refused =
        Store::unseal_restored_database(insider.path(), "admin", "not-the-password-9", admin_sealed);
    assert!(matches!(refused, Err(StoreError::WrongPassword)), "{refused:?}");

    // The administrator unseals it; the office's slots then open it, for every clerk.
    Store::unseal_restored_database(insider.path(), "admin", ADMIN_PASSWORD, admin_sealed).expect("unsealed");
    let (restored, _) =
        Store::open_with_options(insider.path(), "clerk_a", CLERK_PASSWORD, at(11), options())
            .expect("the clerk logs in to the restored office");
    assert_eq!(restored.read_case(&case_id).expect("case").record, record, "the case came along");
    assert!(restored.audit_verify().expect("verify").is_intact());
    assert_eq!(restored.state_seal_check().expect("seal"), None);
    restored.close().expect("close");
    assert!(!insider.path().join("office.db.unsealed").exists(), "the unsealed copy took the file's place");
}
