//! Online backup of the database: a consistent copy of the encrypted file while the store
//! stays open, made with SQLite's backup API.
//!
//! Three copies: under the same data key and salt (the copy kept aside before an
//! upgrade, which the office's key-slot file opens unchanged); under a new key and salt
//! (a re-key, `rekey.rs`); and a backup's, under a key of its own sealed to the
//! administrators (`Store::backup_database_sealed`), turned back into the first kind at a
//! restore (`Store::unseal_restored_database`; `app::backup` packs the copy and
//! `office.keys.json` into one file). Nothing here writes plaintext: the destination
//! connection is keyed before the first page is copied.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use zeroize::Zeroizing;

use crate::Store;
use crate::crypto::{DataKey, fill_random, hex_encode};
use crate::error::{Result, StoreError};
use crate::keyslots::{self, KeySlotsFile};
use crate::users::{Roles, Session};

/// Pages copied per step; between steps other connections may write.
const PAGES_PER_STEP: std::os::raw::c_int = 256;

/// A backup's copy of the database under a key of its own (issue 18): what the backup
/// file's header keeps so that an administrator of the backup's day, and nobody else, can
/// restore it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedBackup {
    /// The office's key generation when the backup was made.
    pub generation: u32,
    /// The backup's key sealed to each active administrator's sealing key (SM2), by user
    /// name, hex.
    pub sealed_keys: Vec<(String, String)>,
}

impl Store {
    /// Writes a copy of the database to `dest` (which must not exist) under **a key of its
    /// own**, not the office's data key: a random key sealed to every active
    /// administrator's SM2 sealing key ([`SealedBackup`]). So a clerk's password — whose
    /// slot the backup's key-slot file still holds, for their log-ins after a restore —
    /// opens nothing in the backup; an administrator of the backup's day restores it
    /// ([`Store::unseal_restored_database`]). Needs 管理员. On error the partial file is
    /// removed.
    pub fn backup_database_sealed(&self, admin: &Session, dest: &Path) -> Result<SealedBackup> {
        self.require_role(admin, Roles::ADMIN)?;
        if dest.exists() {
            return Err(StoreError::AlreadyExists { path: dest.to_owned() });
        }
        let file = {
            let _lock = keyslots::lock_slots(&self.dir)?;
            KeySlotsFile::load(&Store::key_slots_path(&self.dir))?
        };
        let admins: Vec<String> = self
            .users()?
            .into_iter()
            .filter(|user| user.active && user.roles.contains(Roles::ADMIN))
            .map(|user| user.username)
            .collect();
        let backup_key = DataKey::generate()?;
        let mut sealed_keys = Vec::new();
        for slot in file.slots.iter().filter(|slot| admins.contains(&slot.username)) {
            if let Some(sealed) = slot.seal_backup_key(&file.office_id, &backup_key)? {
                sealed_keys.push((slot.username.clone(), hex_encode(&sealed)));
            }
        }
        if !sealed_keys.iter().any(|(username, _)| *username == admin.username) {
            return Err(StoreError::InvalidInput {
                what: "backup",
                reason: "the administrator's slot has no sealing key",
            });
        }
        let mut salt = [0u8; 16];
        fill_random(&mut salt)?;
        let result = copy_database_keyed(&self.conn, &backup_key, &salt, dest);
        if result.is_err() {
            let _ = fs::remove_file(dest);
        }
        result.map(|()| SealedBackup { generation: file.generation, sealed_keys })
    }

    /// After a restore put a sealed backup's files in `dir` (its database under the
    /// backup's own key, its key-slot file): opens the backup's key sealed to `username`
    /// (`sealed`, from the header) with their password and copies the database under the
    /// office's data key of the backup's day, so the key-slot file opens it again.
    /// Errors: `UnknownUser`, `WrongPassword`, `KeySlotsDamaged` (a sealed key not this
    /// administrator's), `Corrupt` (the database part does not open with the key).
    pub fn unseal_restored_database(dir: &Path, username: &str, password: &str, sealed: &str) -> Result<()> {
        let username = crate::users::normalise_username(username)?;
        let slots_path = Store::key_slots_path(dir);
        let file = {
            let _lock = keyslots::lock_slots(dir)?;
            KeySlotsFile::load(&slots_path)?
        };
        let sealed = crate::crypto::hex_decode(sealed).ok_or_else(|| StoreError::KeySlotsDamaged {
            path: slots_path.clone(),
            reason: "sealed key is not hex".to_owned(),
        })?;
        let (data_key, backup_key) =
            keyslots::open_backup_key(&file, &slots_path, &username, password, &sealed)?;
        let salt = file.db_salt_bytes().filter(|salt| salt.len() == 16).ok_or_else(|| {
            StoreError::KeySlotsDamaged {
                path: slots_path.clone(),
                reason: "db_salt is malformed".to_owned(),
            }
        })?;
        let db_path = Store::db_path(dir);
        let mut unsealed = db_path.as_os_str().to_owned();
        unsealed.push(".unsealed");
        let unsealed = std::path::PathBuf::from(unsealed);
        let _ = fs::remove_file(&unsealed);
        let copied = crate::store::keyed_connection(&db_path, &backup_key, false)
            .and_then(|conn| copy_database_keyed(&conn, &data_key, &salt, &unsealed));
        if let Err(error) = copied {
            let _ = fs::remove_file(&unsealed);
            return Err(error);
        }
        // The backup-key file was only read, its connection is closed: a log or index it
        // left belongs to it, not to the copy taking its name.
        for suffix in ["-wal", "-shm"] {
            let mut name = db_path.as_os_str().to_owned();
            name.push(suffix);
            match fs::remove_file(std::path::PathBuf::from(name)) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
                _ => {}
            }
        }
        fs::rename(&unsealed, &db_path)?;
        if let Ok(handle) = fs::File::open(dir) {
            // As for the key-slot file: the rename's directory entry to the disk, best effort.
            let _ = handle.sync_all();
        }
        Ok(())
    }
}

/// Copies the open database `conn` (the file at `db_path`, keyed with `data_key`) into a
/// new encrypted file `dest` with the same key and salt, checks the copy reads, and
/// syncs it to disk.
pub(crate) fn copy_database(
    conn: &Connection,
    db_path: &Path,
    data_key: &crate::crypto::DataKey,
    dest: &Path,
) -> Result<()> {
    let salt = read_salt(db_path)?;
    copy_database_keyed(conn, data_key, &salt, dest)
}

/// Copies the open database `conn` into a new encrypted file `dest` under `data_key` and
/// SQLCipher salt `salt` (16 bytes), checks the copy reads, and syncs it to disk. A re-key
/// passes a new key and salt ([`crate::Store::rekey`]).
pub(crate) fn copy_database_keyed(
    conn: &Connection,
    data_key: &crate::crypto::DataKey,
    salt: &[u8],
    dest: &Path,
) -> Result<()> {
    crate::store::sqlcipher_ready()?;
    let flags =
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut target = Connection::open_with_flags(dest, flags)?;
    // Raw key plus the original salt (SQLCipher's `x'<key><salt>'` form), so the copy's
    // header carries the salt recorded in the key-slot file.
    let key = Zeroizing::new(format!("x'{}{}'", hex_encode(data_key.as_bytes()), hex_encode(salt)));
    target.execute_batch(&format!("PRAGMA key = \"{}\";", key.as_str()))?;
    {
        let backup = rusqlite::backup::Backup::new(conn, &mut target)?;
        backup.run_to_completion(PAGES_PER_STEP, Duration::from_millis(0), None)?;
    }
    // Read the copy back through its own key: a copy that cannot be read is an error now,
    // not on the day it is needed.
    target.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get::<_, i64>(0))?;
    target.close().map_err(|(_, error)| StoreError::from(error))?;
    fs::File::open(dest)?.sync_all()?;
    Ok(())
}

/// SQLCipher's salt: the first 16 bytes of the database file.
fn read_salt(path: &Path) -> Result<Vec<u8>> {
    let mut salt = vec![0u8; 16];
    let read = fs::File::open(path)?.read(&mut salt)?;
    if read != salt.len() {
        return Err(StoreError::Corrupt { detail: "database shorter than its salt".to_owned() });
    }
    Ok(salt)
}
