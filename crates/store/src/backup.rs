//! Online backup of the database: a consistent copy of the encrypted file while the store
//! stays open, made with SQLite's backup API.
//!
//! The copy is encrypted with the same data key and the same SQLCipher salt as the
//! original, so the key-slot file of the office opens it unchanged: a backup is the copy
//! plus `office.keys.json`, and restoring is putting both files back (`app::backup`
//! packs them into one file). Nothing here writes plaintext: the destination connection
//! is keyed before the first page is copied.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use zeroize::Zeroizing;

use crate::Store;
use crate::crypto::hex_encode;
use crate::error::{Result, StoreError};

/// Pages copied per step; between steps other connections may write.
const PAGES_PER_STEP: std::os::raw::c_int = 256;

impl Store {
    /// Writes a consistent, encrypted copy of the database to `dest`, which must not
    /// exist (`AlreadyExists` otherwise). On error the partial file is removed.
    ///
    /// The caller checks who may back up (the administrator) and audits it; the copy
    /// holds the audit trail up to this call.
    pub fn backup_database(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::AlreadyExists { path: dest.to_owned() });
        }
        let result = self.copy_into(dest);
        if result.is_err() {
            let _ = fs::remove_file(dest);
        }
        result
    }

    fn copy_into(&self, dest: &Path) -> Result<()> {
        copy_database(&self.conn, &Store::db_path(&self.dir), &self.data_key, dest)
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
