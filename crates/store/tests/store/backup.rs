//! Online backup: the copy opens with the office's key-slot file and holds every row.

use store::{Store, StoreError};

use crate::common::{ADMIN_PASSWORD, at, new_store, options, sample_case};

#[test]
fn backup_copy_opens_with_the_same_key_slots_and_holds_every_row() {
    let (dir, mut store, admin) = new_store();
    let (record, index) = sample_case(7);
    let case_id = store.create_case(&admin, &record, &index, at(5)).expect("create case");
    let copy_dir = tempfile::tempdir().expect("temporary directory");
    let copy = copy_dir.path().join("office.db");
    store.backup_database(&copy).expect("backup");
    assert!(
        matches!(store.backup_database(&copy), Err(StoreError::AlreadyExists { .. })),
        "an existing file is never overwritten"
    );
    let bytes = std::fs::read(&copy).expect("read copy");
    assert!(!bytes.windows("测试人7".len()).any(|w| w == "测试人7".as_bytes()), "the copy is encrypted");
    std::fs::copy(Store::key_slots_path(dir.path()), Store::key_slots_path(copy_dir.path()))
        .expect("copy key slots");
    let (restored, _) = Store::open_with_options(copy_dir.path(), "admin", ADMIN_PASSWORD, at(10), options())
        .expect("the copy opens with the office's key slots");
    assert_eq!(restored.read_case(&case_id).expect("case").record, record, "the case came along");
    assert!(restored.audit_verify().expect("verify").is_intact(), "the audit chain came along intact");
    assert_eq!(restored.schema_version().expect("version"), store::SCHEMA_VERSION);
}
