//! Re-keying the office (issue 18): after a clerk is revoked, the database is copied under
//! a new data key and every remaining clerk's slot is handed the new key sealed to their
//! own SM2 sealing key, so no password is needed and the revoked clerk's old password (or
//! a copy of the old key-slot file) no longer opens the office.
//!
//! What changes and what does not: the SQLCipher key and salt of `office.db` change, and
//! so does every slot; the keys the office's own keys derive from (the blind index's, the
//! audit chain's, the state seal's) stay the key the office was created with, kept inside
//! the database as `meta.key_root`, so nothing in the file needs rewriting but the pages
//! SQLCipher encrypts. A revoked clerk who kept that root learns nothing from it without
//! the new file key.
//!
//! Crash safety: the new database (`office.db.rekey-new`) and key-slot file
//! (`office.keys.json.rekey-new`) are written and synced beside the old ones; the marker
//! `office.rekey` then commits the change; the swap (rename over the old files) follows,
//! and [`finish_interrupted`], run before every open, completes a swap the marker names or
//! removes new files no marker commits. A kill at any point leaves either the old office
//! or the new one, never a mix (`tests/store/rekey.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior, params};
use serde_json::json;

use crate::audit::{self, AuditAction};
use crate::crypto::{DataKey, fill_random, hex_encode};
use crate::error::{Result, StoreError};
use crate::keyslots::{self, KEY_SLOTS_FILE_NAME, KeySlotsFile};
use crate::office_lock::OfficeLock;
use crate::store::DB_FILE_NAME;
use crate::users::{Roles, Session, admin_row};
use crate::{Store, crash};

/// The file whose presence commits a re-key: the new files beside the old ones are the
/// office's from then on.
pub const REKEY_MARKER_FILE_NAME: &str = "office.rekey";
/// Suffix of the new database and key-slot file while a re-key writes them.
const NEW_SUFFIX: &str = ".rekey-new";
/// Every file a re-key leaves in the office's folder until it is finished: a restore sets
/// them aside with the office's files, or the next open would finish a re-key of the
/// replaced office over the restored one.
pub const REKEY_FILE_NAMES: [&str; 3] =
    [REKEY_MARKER_FILE_NAME, "office.db.rekey-new", "office.keys.json.rekey-new"];
/// How long a re-key waits for the checks running beside the store to stop.
const SIDE_CONNECTIONS_WAIT: Duration = Duration::from_secs(30);

/// What a re-key did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rekeyed {
    /// The office's key generation now (0 is the key it was created with).
    pub generation: u32,
    /// The clerks whose slots hold the new key (sealed until their next log-in).
    pub carried: Vec<String>,
    /// The clerks whose slots could not be handed the new key because they have not
    /// logged in since this program came (their slots have no sealing key): their slots
    /// are gone and their accounts paused; an administrator re-enables them with a new
    /// password before they can log in again.
    pub needs_reset: Vec<String>,
    /// What became of the office server's unlock slot.
    pub server_slot: ServerSlotAfterRekey,
}

/// The office server's unlock slot after a re-key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerSlotAfterRekey {
    /// The office has none.
    None,
    /// The server made the re-key with its secret at hand: its unlock file still opens.
    Kept,
    /// Made elsewhere: the slot is removed (it held the old key); an administrator runs
    /// the server's set-up again.
    Removed,
}

/// The store's record of the connections opened beside its own (the state seal's checks):
/// a re-key interrupts them and waits for them to close before it swaps the file, as a
/// connection to the old file that closed after the swap would remove the new file's
/// write-ahead log by name.
#[derive(Default)]
pub(crate) struct SideConnections(Mutex<Vec<(Weak<()>, rusqlite::InterruptHandle)>>);

/// Held by a connection opened beside the store's own; dropped with it.
pub(crate) struct SideConnection(#[allow(dead_code, reason = "held for its reference count")] Arc<()>);

impl SideConnections {
    pub(crate) fn register(&self, conn: &Connection) -> SideConnection {
        let token = Arc::new(());
        if let Ok(mut open) = self.0.lock() {
            open.retain(|(weak, _)| weak.strong_count() > 0);
            open.push((Arc::downgrade(&token), conn.get_interrupt_handle()));
        }
        SideConnection(token)
    }

    /// Interrupts every open one and waits until all are closed; false if one is still
    /// open after `wait`.
    fn close_all(&self, wait: Duration) -> bool {
        let started = Instant::now();
        loop {
            match self.0.lock() {
                Ok(mut open) => {
                    open.retain(|(weak, _)| weak.strong_count() > 0);
                    if open.is_empty() {
                        return true;
                    }
                    for (_, handle) in open.iter() {
                        handle.interrupt();
                    }
                }
                Err(_) => return false,
            }
            if started.elapsed() > wait {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl std::fmt::Debug for SideConnections {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SideConnections")
    }
}

fn new_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(NEW_SUFFIX);
    PathBuf::from(name)
}

impl Store {
    /// Replaces the office's data key (an administrator only; after a revocation, and
    /// after a restore that revoked clerks again): the database is copied under a new key
    /// and salt, each remaining clerk's slot is sealed to the new key with their sealing
    /// key, the server's slot re-wrapped when this is the server (removed otherwise), and
    /// the new files take the old ones' place (crash-safe, see the module). Audited
    /// `database_rekeyed` with the generation and the clerks who need a reset. The store
    /// stays open on the new file; the administrator's session goes on.
    ///
    /// Needs free disk space for a second copy of the database. On an error before the
    /// swap nothing has changed (the new files are removed); after it, the files on disk
    /// are the new office's and the store must be opened again.
    pub fn rekey(&mut self, admin: &Session, at: DateTime<Utc>) -> Result<Rekeyed> {
        self.rekey_past(admin, at, 0)
    }

    /// [`Store::rekey`] to a generation above both this office's and `past` (a restore
    /// passes the replaced office's, so the numbers the administrator has seen go on).
    pub fn rekey_past(&mut self, admin: &Session, at: DateTime<Utc>, past: u32) -> Result<Rekeyed> {
        self.require_role(admin, Roles::ADMIN)?;
        // No other program may have the office open: a write it made after the copy below
        // would go to the file the swap replaces, and be lost (`OfficeOpenElsewhere`).
        let office_lock = self.office_lock.clone();
        let _exclusive = office_lock.exclusive()?;
        let dir = self.dir.clone();
        let db_path = Store::db_path(&dir);
        let slots_path = Store::key_slots_path(&dir);
        let (new_db, new_slots, marker) =
            (new_path(&db_path), new_path(&slots_path), dir.join(REKEY_MARKER_FILE_NAME));
        let lock = keyslots::lock_slots(&dir)?;
        let mut file = KeySlotsFile::load(&slots_path)?;
        let Some(own) = file.slot_index(&admin.username) else {
            return Err(StoreError::UnknownUser { username: admin.username.clone() });
        };
        if !file.slots[own].can_be_resealed() {
            // Cannot happen after a log-in with this program (it makes the sealing key);
            // refuse rather than lock the administrator out.
            return Err(StoreError::InvalidInput {
                what: "re-key",
                reason: "the administrator's slot has no sealing key",
            });
        }
        let new_key = DataKey::generate()?;
        let mut salt = [0u8; 16];
        fill_random(&mut salt)?;
        let generation = file.generation.max(past).saturating_add(1);

        let mut carried = Vec::new();
        let mut needs_reset = Vec::new();
        let mut kept_slots = Vec::new();
        for mut slot in std::mem::take(&mut file.slots) {
            if slot.reseal(&file.office_id, generation, &new_key)? {
                carried.push(slot.username.clone());
                kept_slots.push(slot);
            } else {
                needs_reset.push(slot.username.clone());
            }
        }
        file.slots = kept_slots;
        let server_slot = match (&file.server, &self.server_secret) {
            (None, _) => ServerSlotAfterRekey::None,
            (Some(slot), Some(secret)) => {
                file.server = Some(slot.rewrapped(&file.office_id, secret, &new_key)?);
                ServerSlotAfterRekey::Kept
            }
            (Some(_), None) => {
                file.server = None;
                ServerSlotAfterRekey::Removed
            }
        };
        file.generation = generation;
        file.db_salt = hex_encode(&salt);
        file.rekey_owed = false;

        // The key root in the old file first (the copy carries it; the same key the office's
        // own keys derive from now, so a re-key that fails after this changes nothing).
        let audit_key = *self.audit_key;
        let root_hex = hex_encode(self.root.as_bytes());
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('key_root', ?1) ON CONFLICT(key) DO NOTHING",
            params![root_hex],
        )?;
        let audit_details = json!({
            "generation": generation,
            "needs_reset": needs_reset,
            "server_slot": match server_slot {
                ServerSlotAfterRekey::None => "none",
                ServerSlotAfterRekey::Kept => "kept",
                ServerSlotAfterRekey::Removed => "removed",
            },
        });
        // What the re-key changes in the office's rows goes into the copy only: a re-key that
        // fails or is cut short leaves the office's file as it was, claiming nothing.
        let record_in_copy = |new_db: &Path| -> Result<()> {
            let (mut conn, _) = crate::store::open_connection(new_db, &new_key, false)?;
            let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // A clerk the new key cannot be handed to is paused, their keys ended (the
            // signing key went with the slot): an administrator re-enables them with a new
            // password (重新启用), which makes a new slot and key.
            for username in &needs_reset {
                if let Some(user) = crate::store::read_user(&transaction, username)? {
                    transaction.execute(
                        "UPDATE users SET active = 0, deactivated_at = ?2 WHERE id = ?1",
                        params![user.id.0, crate::time::to_millis(at)],
                    )?;
                    crate::clerk_keys::retire_others(
                        &transaction,
                        (user.id, username),
                        None,
                        admin.signer.as_ref(),
                        at,
                    )?;
                }
            }
            audit::append(
                &transaction,
                &audit_key,
                admin_row(admin, AuditAction::DatabaseRekeyed, audit_details.clone(), at),
            )?;
            transaction.commit()?;
            // Closing the last connection checkpoints the log into the file; then to disk.
            conn.close().map_err(|(_, error)| StoreError::from(error))?;
            fs::File::open(new_db)?.sync_all()?;
            Ok(())
        };

        let prepared = (|| -> Result<()> {
            remove_if_present(&new_db)?;
            crate::backup::copy_database_keyed(&self.conn, &new_key, &salt, &new_db)?;
            record_in_copy(&new_db)?;
            file.save(&new_slots)?;
            crash::point(crash::REKEY_PREPARED);
            if !self.side_connections.close_all(SIDE_CONNECTIONS_WAIT) {
                return Err(StoreError::InvalidInput {
                    what: "re-key",
                    reason: "a check of the database did not stop",
                });
            }
            write_marker(&marker, generation)
        })();
        if let Err(error) = prepared {
            let _ = remove_if_present(&new_db);
            let _ = remove_if_present(&new_slots);
            return Err(error);
        }
        crash::point(crash::REKEY_COMMITTED);

        // Committed: close this connection (its log is in the copy), swap, open the new file.
        let options = self.options;
        let server_secret = self.server_secret.take();
        drop(std::mem::take(&mut self.checkpointer));
        let old = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        old.close().map_err(|(_, error)| StoreError::from(error))?;
        swap(&dir)?;
        // The open takes the key-slot file's lock itself.
        drop(lock);
        let mut reopened = Store::open_unlocked(&dir, &file, new_key, at, options, office_lock.clone())?;
        reopened.server_secret = server_secret;
        reopened.legacy_confirmed_left = self.legacy_confirmed_left;
        *self = reopened;
        Ok(Rekeyed { generation, carried, needs_reset, server_slot })
    }

    /// The office's key generation (0 until its first re-key), from the key-slot file.
    pub fn key_generation(&self) -> Result<u32> {
        Store::key_generation_in(&self.dir)
    }

    /// The key generation of the office in `dir`, from its key-slot file alone (no
    /// password; for a restore, before the office's files are set aside).
    pub fn key_generation_in(dir: &Path) -> Result<u32> {
        Ok(KeySlotsFile::load(&Store::key_slots_path(dir))?.generation)
    }

    /// Whether the data key is one a revoked clerk held (a revocation, or a restore that
    /// revoked clerks again, since the last re-key; an office from before re-keying with
    /// any revocation): the window then offers the re-key.
    pub fn rekey_owed(&self) -> Result<bool> {
        Ok(KeySlotsFile::load(&Store::key_slots_path(&self.dir))?.rekey_owed())
    }
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error.into()),
    }
}

fn write_marker(marker: &Path, generation: u32) -> Result<()> {
    use std::io::Write;
    let mut file = fs::File::create(marker)?;
    writeln!(file, "permit-desk re-key to generation {generation}")?;
    file.sync_all()?;
    sync_directory(marker);
    Ok(())
}

fn sync_directory(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(handle) = fs::File::open(dir)
    {
        // As for the key-slot file: a failed directory sync leaves the rename in the page
        // cache, the best the platform offers.
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Puts the committed new files in the old ones' place, then removes the marker. Each
/// step can be repeated: a kill between two steps is finished by the next open.
fn swap(dir: &Path) -> Result<()> {
    let db_path = dir.join(DB_FILE_NAME);
    let slots_path = dir.join(KEY_SLOTS_FILE_NAME);
    let (new_db, new_slots) = (new_path(&db_path), new_path(&slots_path));
    if new_db.exists() {
        // The old file's log and index belong to the old key; the copy holds everything
        // they did.
        for suffix in ["-wal", "-shm"] {
            let mut name = db_path.as_os_str().to_owned();
            name.push(suffix);
            remove_if_present(Path::new(&name))?;
        }
        fs::rename(&new_db, &db_path)?;
        sync_directory(&db_path);
    }
    crash::point(crash::REKEY_DATABASE_SWAPPED);
    if new_slots.exists() {
        fs::rename(&new_slots, &slots_path)?;
        sync_directory(&slots_path);
    }
    remove_if_present(&dir.join(REKEY_MARKER_FILE_NAME))?;
    sync_directory(&db_path);
    Ok(())
}

/// Before an open: a re-key the marker commits is finished; new files without a marker
/// (a re-key cut short before its commit) are removed. True when a re-key was finished.
pub(crate) fn finish_interrupted(dir: &Path, office_lock: &OfficeLock) -> Result<bool> {
    let marker = dir.join(REKEY_MARKER_FILE_NAME);
    let new_db = new_path(&dir.join(DB_FILE_NAME));
    let new_slots = new_path(&dir.join(KEY_SLOTS_FILE_NAME));
    if !marker.exists() && !new_db.exists() && !new_slots.exists() {
        return Ok(false);
    }
    // Files of a re-key are another program's still being made, or a cut-short one's:
    // only with the office to itself may this program finish or remove them.
    let _exclusive = office_lock.exclusive()?;
    if !marker.exists() && !new_db.exists() && !new_slots.exists() {
        return Ok(false);
    }
    let _lock = keyslots::lock_slots(dir)?;
    if marker.exists() {
        swap(dir)?;
        Ok(true)
    } else {
        remove_if_present(&new_db)?;
        remove_if_present(&new_slots)?;
        Ok(false)
    }
}
