//! "`strings` on the database file and its -wal finds no ID number, name or address":
//! the raw bytes of every file in the store directory are searched for the plaintext
//! values of a saved case, while the data sits in the WAL and after a checkpoint.

use std::fs;
use std::path::Path;

use store::{CaseState, StateChange, Store};

use crate::common::{at, march, new_store, sample_case};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// Every regular file in the store directory, with its bytes.
fn store_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&path).unwrap()))
        .collect();
    files.sort();
    files
}

fn assert_no_plaintext(dir: &Path, secrets: &[String], moment: &str) -> Vec<String> {
    let files = store_files(dir);
    for (name, bytes) in &files {
        for secret in secrets {
            assert!(!contains(bytes, secret.as_bytes()), "{moment}: {name} contains {secret:?} in plaintext");
        }
    }
    files.into_iter().map(|(name, _)| name).collect()
}

#[test]
fn no_id_number_name_address_or_phone_in_any_file() {
    let (dir, mut store, admin) = new_store();
    let (record, mut index) = sample_case(7);
    index.application_number = Some("HY2026030200007".to_owned());
    let secrets: Vec<String> = vec![
        index.id_number.clone().unwrap(),
        index.name.clone().unwrap(),
        index.phone.clone().unwrap(),
        record["current_address"].as_str().unwrap().to_owned(),
        record["household_registration"]["address"].as_str().unwrap().to_owned(),
        // The masked form and the application number are also personal enough to hide.
        "330102********007X".to_owned(),
        "HY2026030200007".to_owned(),
    ];
    let case_id = store.create_case(&admin, &record, &index, at(10)).unwrap();
    let change = StateChange {
        from: CaseState::Draft,
        to: CaseState::Accepted,
        note: Some("材料齐全".into()),
        due_date: Some(march(4)),
        profile: None,
    };
    store.transition(&admin, &case_id, &change, at(11)).unwrap();

    let names = assert_no_plaintext(dir.path(), &secrets, "before checkpoint");
    assert!(names.contains(&"office.db-wal".to_owned()), "the case is in the WAL at this point: {names:?}");
    let wal_len = fs::metadata(dir.path().join("office.db-wal")).unwrap().len();
    assert!(wal_len > 0, "the WAL holds the committed case");

    store.close().unwrap();
    assert_no_plaintext(dir.path(), &secrets, "after checkpoint and close");
    let (mut store, admin) = Store::open_with_options(
        dir.path(),
        "admin",
        crate::common::ADMIN_PASSWORD,
        at(20),
        crate::common::options(),
    )
    .unwrap();
    let case = store.get_case(&admin, &case_id, at(21)).unwrap();
    assert_eq!(case.name, index.name, "the data is there, only encrypted");
    assert_no_plaintext(dir.path(), &secrets, "after reopening and reading");
}

#[test]
fn the_key_slot_file_holds_no_personal_data_and_no_key() {
    let (dir, mut store, admin) = new_store();
    let (record, index) = sample_case(3);
    store.create_case(&admin, &record, &index, at(10)).unwrap();
    let slots = fs::read_to_string(Store::key_slots_path(dir.path())).unwrap();
    for secret in [index.id_number.unwrap(), index.name.unwrap(), index.phone.unwrap()] {
        assert!(!slots.contains(&secret), "the sidecar must not contain {secret:?}");
    }
    let value: serde_json::Value = serde_json::from_str(&slots).unwrap();
    assert_eq!(value["format"], "permit-desk-key-slots");
    let slot = &value["slots"][0];
    assert_eq!(slot["username"], "admin");
    assert_eq!(slot["kdf"]["alg"], "argon2id");
    assert_eq!(slot["wrap"]["alg"], "xchacha20poly1305");
    assert_eq!(slot["wrap"]["ciphertext"].as_str().unwrap().len(), 2 * (32 + 16), "wrapped key plus tag");
}
