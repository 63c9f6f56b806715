//! [`Store`]: creating, opening and unlocking the office database, clerk accounts and
//! their key slots, and the audit-trail entry points.
//!
//! Opening never creates anything: a missing, damaged or foreign file is reported as
//! such and left exactly as it was (`SQLITE_OPEN_CREATE` is off, no migration runs on a
//! file without a schema), so an unreadable database is never replaced by an empty one.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::audit::{self, AuditAction, AuditEntry, AuditHead, AuditReport, NewAuditRow};
use crate::cases::CaseId;
use crate::checkpointer::Checkpointer;
use crate::crypto::{DataKey, KEY_LEN, KdfParams};
use crate::error::{Result, StoreError};
use crate::keyslots::{
    self, Attempt, FailureLog, KEY_SLOTS_FILE_NAME, KeySlot, KeySlotsFile, LockoutPolicy, LoginFailure,
    Unlocked,
};
use crate::office_lock::OfficeLock;
use crate::schema::{self, SCHEMA_VERSION};
use crate::state_seal::{SealKey, StateSealChecker, StateSealProblem};
use clerk_signing::ClerkKey;

/// The schema version that holds clerk keys (`clerk_keys`, `cases.step_link`).
const CLERK_KEYS_SINCE: u32 = 10;
use crate::time::{from_millis, to_millis};
use crate::users::{Roles, Session, User, UserId, check_new_password, normalise_username};

/// File name of the encrypted database inside the store directory.
pub const DB_FILE_NAME: &str = "office.db";
/// The system actor named in the audit trail for events the store itself causes.
pub const STORE_ACTOR: &str = "store";
const MAX_OFFICE_ID_CHARS: usize = 64;

/// Settings that are not stored in the database.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// Argon2id parameters for key slots written by this process. Existing slots keep
    /// the parameters they were written with.
    pub kdf: KdfParams,
    /// Lockout policy written into a new store by [`Store::create_with_options`]; an
    /// existing store keeps its own (see [`Store::set_lockout_policy`]).
    pub lockout: LockoutPolicy,
}

/// How long the whole-database check waits for readers of an older snapshot (another
/// program's, or the state seal's check at log-in: 22 s at a million cases) before it says
/// so rather than give a verdict on a file the log still covers.
const INTEGRITY_CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// The unlocked office store. One SQLite connection; wrap it in a mutex to share it.
pub struct Store {
    pub(crate) dir: PathBuf,
    /// Declared before `conn`: dropped first, so its thread has stopped before the
    /// connection closes.
    pub(crate) checkpointer: Checkpointer,
    pub(crate) conn: Connection,
    pub(crate) data_key: DataKey,
    /// The key the office's own keys derive from ([`key_root`]); the data key until a re-key.
    pub(crate) root: DataKey,
    pub(crate) blind_key: Zeroizing<[u8; KEY_LEN]>,
    pub(crate) audit_key: Zeroizing<[u8; KEY_LEN]>,
    pub(crate) office_id: String,
    pub(crate) options: StoreOptions,
    /// False once no item an older program left `confirmed` remains: this program never
    /// writes one, so the search for them (a scan, no index has them) stops for good.
    pub(crate) legacy_confirmed_left: bool,
    /// The server's unlock secret when the office server opened the store with it: a
    /// re-key then wraps the new data key for the server too ([`Store::rekey`]).
    pub(crate) server_secret: Option<Zeroizing<[u8; KEY_LEN]>>,
    /// The connections of checks running beside this one, closed before a re-key swaps
    /// the file.
    pub(crate) side_connections: crate::rekey::SideConnections,
    /// This program's shared hold on the office's lock, made exclusive while a re-key
    /// replaces the files (`office_lock.rs`).
    pub(crate) office_lock: OfficeLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        formatter
            .debug_struct("Store")
            .field("dir", &self.dir)
            .field("office_id", &self.office_id)
            .finish_non_exhaustive()
    }
}

fn check_office_id(office_id: &str) -> Result<()> {
    let reason = if office_id.trim().is_empty() {
        Some("empty")
    } else if office_id.chars().count() > MAX_OFFICE_ID_CHARS {
        Some("longer than 64 characters")
    } else if office_id.chars().any(char::is_control) {
        Some("contains control characters")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::InvalidInput { what: "office id", reason }),
        None => Ok(()),
    }
}

/// Runs SQLCipher's process-wide initialisation to its end, once, before the first
/// connection of ours is opened, and waits for it on every other thread.
///
/// SQLite marks itself initialised (`isInit`) and releases its init mutex *before* it runs
/// SQLCipher's initialisation (`SQLITE_EXTRA_INIT`): a thread opening its first connection
/// in that window finds SQLCipher not ready, and its `PRAGMA key` is refused ("An error
/// occurred with PRAGMA key or rekey"). That is the refusal parallel tests used to meet.
/// Opening one in-memory connection here makes this thread run the whole initialisation
/// (`sqlite3_open` returns after it) while every other thread waits on the `OnceLock`.
pub fn sqlcipher_ready() -> Result<()> {
    static READY: std::sync::OnceLock<std::result::Result<(), String>> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            // Another thread of the process (not through here) may have started SQLite's
            // initialisation: then this open returns at once, before SQLCipher is ready.
            // Keying a scratch database succeeds only once it is, so wait for that.
            let mut last = String::new();
            for _ in 0..500 {
                let conn = Connection::open_in_memory().map_err(|error| error.to_string())?;
                let version: Option<String> = conn
                    .query_row("PRAGMA cipher_version", [], |row| row.get(0))
                    .optional()
                    .map_err(|error| error.to_string())?;
                if version.is_none() {
                    return Err("this SQLite has no SQLCipher".to_owned());
                }
                match conn.execute_batch("PRAGMA key = 'permit-desk-ready';") {
                    Ok(()) => return Ok(()),
                    Err(error) => last = error.to_string(),
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(last)
        })
        .clone()
        .map_err(|detail| {
            if detail.contains("no SQLCipher") {
                StoreError::EncryptionUnavailable
            } else {
                StoreError::Corrupt { detail: format!("SQLCipher did not start: {detail}") }
            }
        })
}

/// Opens the database file with the data key and applies the connection settings.
/// `create` is true only for a brand-new store.
/// Returns the connection and the office's key root (see [`key_root`]).
pub(crate) fn open_connection(
    path: &Path,
    data_key: &DataKey,
    create: bool,
) -> Result<(Connection, DataKey)> {
    let conn = keyed_connection(path, data_key, create).and_then(|conn| configure(conn, create))?;
    let root = if create { data_key.duplicate() } else { key_root(&conn, data_key)? };
    crate::state_seal::register(&conn, seal_key(&root))?;
    Ok((conn, root))
}

/// The key the office's own keys derive from (the blind index's, the audit chain's, the
/// state seal's): the data key the office was created with. A re-key replaces the data
/// key that opens the file and keeps this one inside the database (`meta.key_root`), so
/// the blind index, the chain and the seal stay as they are ([`Store::rekey`]).
pub(crate) fn key_root(conn: &Connection, data_key: &DataKey) -> Result<DataKey> {
    let stored: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'key_root'", [], |row| row.get(0)).optional()?;
    match stored {
        None => Ok(data_key.duplicate()),
        Some(hex) => crate::crypto::hex_decode(&hex)
            .and_then(|bytes| DataKey::from_slice(&bytes))
            .ok_or_else(|| StoreError::Corrupt { detail: "the key root is malformed".to_owned() }),
    }
}

/// The state seal's key (`crate::state_seal`), from the key root.
fn seal_key(root: &DataKey) -> SealKey {
    SealKey::new(&root.subkey("permit-desk/state-seal/v1"))
}

pub(crate) fn keyed_connection(path: &Path, data_key: &DataKey, create: bool) -> Result<Connection> {
    sqlcipher_ready()?;
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // Until the database has proved readable, closing this connection must not checkpoint
    // a write-ahead log left by a killed process into it: a file found damaged stays
    // exactly as found (the log too), for the restore to set aside. [`configure`] turns the
    // checkpoint on close back on.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    let cipher_version: Option<String> =
        conn.query_row("PRAGMA cipher_version", [], |row| row.get(0)).optional()?;
    if cipher_version.is_none() {
        return Err(StoreError::EncryptionUnavailable);
    }
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", data_key.sqlcipher_pragma_value().as_str()))?;
    // The first read decrypts page 1: a wrong key or a damaged header fails here, before
    // anything is written.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get::<_, i64>(0))?;
    Ok(conn)
}

fn configure(conn: Connection, create: bool) -> Result<Connection> {
    // An existing store always has a schema. An emptied file reads as a valid empty
    // database, and switching it to WAL below would write a fresh header into it: stop
    // here so the file stays exactly as found.
    if !create && schema::schema_version(&conn)? == 0 {
        return Err(StoreError::Corrupt { detail: "the database file is empty or has no schema".to_owned() });
    }
    // WAL lets readers go on while a draft is saved. synchronous = FULL syncs the WAL on
    // every commit, so a committed case survives a power cut, not only a crash of the
    // process (NORMAL would keep the file consistent but could lose the last commits).
    let journal_mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !journal_mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt {
            detail: format!("cannot switch to WAL (journal mode {journal_mode})"),
        });
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
    Ok(conn)
}

/// Reads SQLCipher's salt: the first 16 bytes of the database file.
fn read_db_salt(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut salt = vec![0u8; 16];
    let mut file = fs::File::open(path)?;
    let read = file.read(&mut salt)?;
    salt.truncate(read);
    Ok(salt)
}

pub(crate) fn read_user(conn: &Connection, username: &str) -> Result<Option<User>> {
    conn.prepare_cached(
        "SELECT id, username, display_name, roles, active, created_at FROM users WHERE username = ?1 AND system = 0",
    )?
    .query_row([username], |row| {
        Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?, row.get::<_, i64>(3)?, row.get(4)?, row.get(5)?))
    })
    .optional()?
    .map(|(id, username, display_name, roles, active, created_at)| {
        Ok(User {
            id: UserId(id),
            username,
            display_name,
            roles: u8::try_from(roles)
                .ok()
                .and_then(Roles::from_bits)
                .ok_or_else(|| StoreError::Corrupt { detail: format!("roles {roles}") })?,
            active,
            created_at: from_millis(created_at)?,
        })
    })
    .transpose()
}

impl Store {
    fn from_parts(
        dir: &Path,
        (mut conn, root): (Connection, DataKey),
        data_key: DataKey,
        (office_id, office_lock): (String, OfficeLock),
        options: StoreOptions,
    ) -> Store {
        let blind_key = root.subkey("permit-desk/blind-index/id-number/v1");
        let audit_key = root.subkey("permit-desk/audit-chain/v1");
        let checkpointer = Checkpointer::start(&mut conn, &Store::db_path(dir), &data_key);
        Store {
            dir: dir.to_owned(),
            checkpointer,
            conn,
            data_key,
            root,
            blind_key,
            audit_key,
            office_id,
            options,
            legacy_confirmed_left: true,
            server_secret: None,
            side_connections: crate::rekey::SideConnections::default(),
            office_lock,
        }
    }

    /// Path of the database file in `dir`.
    pub fn db_path(dir: &Path) -> PathBuf {
        dir.join(DB_FILE_NAME)
    }

    /// Path of the key-slot file in `dir`.
    pub fn key_slots_path(dir: &Path) -> PathBuf {
        dir.join(KEY_SLOTS_FILE_NAME)
    }

    /// True when `dir` holds a store (database or key slots), i.e. first-run set-up has
    /// happened; the log-in screen shows set-up when this is false.
    pub fn exists(dir: &Path) -> bool {
        Store::db_path(dir).exists() || Store::key_slots_path(dir).exists()
    }

    /// Whether `password` opens `username`'s key slot in `dir`, without the database: for
    /// deciding who may restore an office whose database is damaged or missing. A wrong
    /// password counts against the clerk as at log-in (recorded in the key-slot file, to
    /// the audit trail at the next log-in). Returns the office the slots belong to.
    pub fn check_slot_password(
        dir: &Path,
        username: &str,
        password: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        let username = normalise_username(username)?;
        let Attempt { outcome, file } =
            keyslots::attempt_unlock(dir, &username, password, at, FailureLog::Sidecar)?;
        outcome.map_err(|(error, _)| error)?;
        Ok(file.office_id)
    }

    /// First-run set-up with default options: creates the encrypted database, the
    /// administrator's account and key slot, and logs the administrator in.
    pub fn create(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        at: DateTime<Utc>,
    ) -> Result<(Store, Session)> {
        Store::create_with_options(
            dir,
            office_id,
            admin_username,
            admin_password,
            at,
            StoreOptions::default(),
        )
    }

    /// [`Store::create`] with explicit options.
    pub fn create_with_options(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        at: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<(Store, Session)> {
        Store::create_at_version(dir, office_id, admin_username, admin_password, at, options, SCHEMA_VERSION)
    }

    /// True when this store's log is checkpointed by its background thread (false: by
    /// SQLite's automatic checkpoint inside the commit, the fallback).
    #[cfg(feature = "test-support")]
    pub fn checkpoints_in_background(&self) -> bool {
        self.checkpointer.is_running()
    }

    /// Creates a store whose schema stops at `version`, to test migrations from it.
    #[cfg(feature = "test-support")]
    pub fn create_at_schema_version(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        at: DateTime<Utc>,
        options: StoreOptions,
        version: u32,
    ) -> Result<(Store, Session)> {
        Store::create_at_version(dir, office_id, admin_username, admin_password, at, options, version)
    }

    fn create_at_version(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        at: DateTime<Utc>,
        options: StoreOptions,
        version: u32,
    ) -> Result<(Store, Session)> {
        check_office_id(office_id)?;
        let username = normalise_username(admin_username)?;
        check_new_password(admin_password, &username)?;
        fs::create_dir_all(dir)?;
        let office_lock = OfficeLock::shared(dir)?;
        let _lock = keyslots::lock_slots(dir)?;
        let db_path = Store::db_path(dir);
        let slots_path = Store::key_slots_path(dir);
        for path in [&db_path, &slots_path] {
            if path.exists() {
                return Err(StoreError::AlreadyExists { path: path.clone() });
            }
        }
        let data_key = DataKey::generate()?;
        let result = Store::initialise(
            dir,
            (office_id, office_lock),
            &username,
            admin_password,
            at,
            options,
            version,
            data_key,
        );
        if result.is_err() {
            // Nothing existed before this call (checked above, under the lock), so the
            // half-made files are ours to remove; a retry then starts clean.
            for suffix in ["", "-wal", "-shm"] {
                let mut name = db_path.as_os_str().to_owned();
                name.push(suffix);
                let _ = fs::remove_file(PathBuf::from(name));
            }
        }
        result
    }

    #[allow(clippy::too_many_arguments, reason = "private step of create, called once")]
    fn initialise(
        dir: &Path,
        (office_id, office_lock): (&str, OfficeLock),
        username: &str,
        password: &str,
        at: DateTime<Utc>,
        options: StoreOptions,
        version: u32,
        data_key: DataKey,
    ) -> Result<(Store, Session)> {
        let db_path = Store::db_path(dir);
        let (mut conn, root) = open_connection(&db_path, &data_key, true)?;
        schema::migrate(&mut conn, version, &seal_key(&root))?;
        let mut store =
            Store::from_parts(dir, (conn, root), data_key, (office_id.to_owned(), office_lock), options);
        // The first administrator's signing key is the office's root (issue 18).
        let signer = keyslots::new_clerk_key()?;
        let at_millis = to_millis(at);
        let audit_key = *store.audit_key;
        let transaction = store.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO meta (key, value) VALUES ('office_id', ?1), ('created_at', ?2)",
            params![office_id, at_millis.to_string()],
        )?;
        transaction.execute(
            "INSERT INTO users (username, display_name, roles, created_at) VALUES (?1, ?1, ?2, ?3)",
            params![username, Roles::ADMIN.bits(), at_millis],
        )?;
        let user_id = UserId(transaction.last_insert_rowid());
        let mut created = json!({ "username": username, "roles": Roles::ADMIN.to_string() });
        if version >= CLERK_KEYS_SINCE {
            let root = signer.certify_self(username, true, &crate::clerk_keys::rfc3339(at));
            crate::clerk_keys::insert_certificate(&transaction, user_id, &root, at)?;
            created["key"] = crate::clerk_keys::key_details(&root);
        }
        for (action, details) in [
            (AuditAction::StoreCreated, json!({ "office_id": office_id, "schema_version": version })),
            (AuditAction::UserCreated, created),
            (AuditAction::LoginSucceeded, json!({})),
        ] {
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    desk: None,
                    at,
                    actor_user_id: Some(user_id),
                    actor: username,
                    action,
                    case_id: None,
                    details,
                },
            )?;
        }
        transaction.commit()?;
        // Move everything into the main file so its header (and SQLCipher's salt) is on
        // disk before the salt is copied into the key-slot file.
        store.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let db_salt = read_db_salt(&db_path)?;
        let slot = KeySlot::new(office_id, username, password, &store.data_key, &signer, &options.kdf, at)?;
        KeySlotsFile::new(office_id, &db_salt, options.lockout, slot).save(&Store::key_slots_path(dir))?;
        let session = Session {
            user_id,
            username: username.to_owned(),
            display_name: username.to_owned(),
            roles: Roles::ADMIN,
            logged_in_at: at,
            password_from_admin: false,
            signer: Some(signer),
            desk: None,
        };
        Ok((store, session))
    }

    /// Unlocks the store with a clerk's password and logs the clerk in, with default
    /// options. See [`Store::open_with_options`].
    pub fn open(dir: &Path, username: &str, password: &str, at: DateTime<Utc>) -> Result<(Store, Session)> {
        Store::open_with_options(dir, username, password, at, StoreOptions::default())
    }

    /// Unlocks the store: checks lockout, unwraps the clerk's key slot (Argon2id), opens
    /// and checks the database, copies a database of an older schema aside
    /// (`office.before-upgrade-v{n}.db`) and migrates it to the current schema in one
    /// transaction (audited `schema_migrated` with the copy's name), copies failed log-ins
    /// recorded in the key-slot file into the audit trail, and audits the log-in.
    ///
    /// Errors: `NotInitialised`, `KeySlotsMissing`, `DatabaseMissing`, `UnknownUser`,
    /// `WrongPassword`, `LockedOut`, `AccountDisabled`, `KeyMismatch`, `Corrupt`, `TooNew`.
    pub fn open_with_options(
        dir: &Path,
        username: &str,
        password: &str,
        at: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<(Store, Session)> {
        let office_lock = Store::check_files(dir)?;
        let username = normalise_username(username)?;
        let Attempt { outcome, file } =
            keyslots::attempt_unlock(dir, &username, password, at, FailureLog::Sidecar)?;
        let Unlocked { data_key, signer } = outcome.map_err(|(error, _)| error)?;
        let mut store = Store::open_unlocked(dir, &file, data_key, at, options, office_lock)?;
        let session = store.start_session(&username, signer, None, at)?;
        Ok((store, session))
    }

    /// Takes the office's lock shared and checks both of the office's files are there:
    /// the hold when they are, the error that says which is missing otherwise (or that
    /// another program is replacing them, `OfficeBusy`).
    pub(crate) fn check_files(dir: &Path) -> Result<OfficeLock> {
        // Nothing is made in a folder without an office (not even the lock file).
        let anything = [DB_FILE_NAME, KEY_SLOTS_FILE_NAME, crate::rekey::REKEY_MARKER_FILE_NAME]
            .iter()
            .any(|name| dir.join(name).exists());
        if !anything {
            return Err(StoreError::NotInitialised { dir: dir.to_owned() });
        }
        let office_lock = OfficeLock::shared(dir)?;
        // A re-key cut short is finished (or undone) before anything reads the files.
        crate::rekey::finish_interrupted(dir, &office_lock)?;
        let db_path = Store::db_path(dir);
        let slots_path = Store::key_slots_path(dir);
        match (db_path.exists(), slots_path.exists()) {
            (false, false) => Err(StoreError::NotInitialised { dir: dir.to_owned() }),
            (true, false) => Err(StoreError::KeySlotsMissing { path: slots_path }),
            (false, true) => Err(StoreError::DatabaseMissing { path: db_path }),
            (true, true) => Ok(office_lock),
        }
    }

    /// Opens the database with a data key a slot of `file` gave: checks it is this
    /// office's, migrates an older schema (a copy kept aside first) and copies failed
    /// log-ins from the key-slot file into the audit trail. Nobody is logged in yet.
    pub(crate) fn open_unlocked(
        dir: &Path,
        file: &KeySlotsFile,
        data_key: DataKey,
        at: DateTime<Utc>,
        options: StoreOptions,
        office_lock: OfficeLock,
    ) -> Result<Store> {
        let db_path = Store::db_path(dir);
        let (conn, root) = match open_connection(&db_path, &data_key, false) {
            Ok(opened) => opened,
            Err(StoreError::Corrupt { detail }) => {
                // The key is the one the slots hold, so either the slots belong to
                // another database, or this database is damaged. SQLCipher's salt tells.
                // A file too short to hold a salt is simply damaged.
                let found_salt = read_db_salt(&db_path)?;
                let foreign =
                    found_salt.len() == 16 && file.db_salt_bytes().is_some_and(|salt| salt != found_salt);
                return Err(if foreign { StoreError::KeyMismatch } else { StoreError::Corrupt { detail } });
            }
            Err(other) => return Err(other),
        };
        let found_version = schema::schema_version(&conn)?;
        let stored_office: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'office_id'", [], |row| row.get(0))
            .optional()?;
        if stored_office.as_deref() != Some(file.office_id.as_str()) {
            return Err(StoreError::KeyMismatch);
        }
        let mut conn = conn;
        // An upgrade rewrites the database while no other program has it open (an older
        // one would go on writing by its old schema).
        let upgrading = if found_version < SCHEMA_VERSION { Some(office_lock.exclusive()?) } else { None };
        // Before an upgrade, a copy of the database as it is, next to it: the way back if
        // the new program misbehaves (the previous program opens it with the same slots).
        let pre_migration_copy = if found_version < SCHEMA_VERSION {
            Some(write_pre_migration_copy(dir, &conn, &data_key, found_version)?)
        } else {
            None
        };
        schema::migrate(&mut conn, SCHEMA_VERSION, &seal_key(&root))?;
        drop(upgrading);
        let mut store =
            Store::from_parts(dir, (conn, root), data_key, (file.office_id.clone(), office_lock), options);
        if let Some(copy) = pre_migration_copy {
            store.append_audit(NewAuditRow {
                desk: None,
                at,
                actor_user_id: None,
                actor: STORE_ACTOR,
                action: AuditAction::SchemaMigrated,
                case_id: None,
                details: json!({ "from": found_version, "to": SCHEMA_VERSION, "copy": copy }),
            })?;
        }
        store.flush_pending_login_events()?;
        Ok(store)
    }

    /// Copies failed log-ins recorded while the database was locked into the audit trail,
    /// then clears them from the key-slot file.
    fn flush_pending_login_events(&mut self) -> Result<()> {
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        if file.pending_events.is_empty() && file.dropped_events == 0 {
            return Ok(());
        }
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for event in &file.pending_events {
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    desk: None,
                    at: event.at,
                    actor_user_id: None,
                    actor: &event.username,
                    action: AuditAction::LoginFailed,
                    case_id: None,
                    details: json!({ "reason": event.reason.as_str(), "recorded_while_locked": true }),
                },
            )?;
        }
        if file.dropped_events > 0 {
            let at = file.pending_events.first().map(|event| event.at).unwrap_or(DateTime::UNIX_EPOCH);
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    desk: None,
                    at,
                    actor_user_id: None,
                    actor: STORE_ACTOR,
                    action: AuditAction::LoginFailed,
                    case_id: None,
                    details: json!({ "reason": "too_many_to_keep", "dropped": file.dropped_events }),
                },
            )?;
        }
        transaction.commit()?;
        // A crash between the commit and this save copies the same events once more on the
        // next log-in: a duplicate row is better than a lost one.
        file.pending_events.clear();
        file.dropped_events = 0;
        file.save(&slots_path)
    }

    /// Checks the user row after a successful unwrap, audits the log-in, returns the session.
    fn start_session(
        &mut self,
        username: &str,
        signer: ClerkKey,
        desk: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Session> {
        let user = match read_user(&self.conn, username)? {
            Some(user) if user.active => user,
            found => {
                let reason =
                    if found.is_some() { LoginFailure::AccountDisabled } else { LoginFailure::UnknownUser };
                self.audit_login_failure_at(username, reason, desk, at)?;
                return Err(match reason {
                    LoginFailure::AccountDisabled => {
                        StoreError::AccountDisabled { username: username.to_owned() }
                    }
                    _ => StoreError::UnknownUser { username: username.to_owned() },
                });
            }
        };
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::append(
            &transaction,
            &audit_key,
            NewAuditRow {
                desk,
                at,
                actor_user_id: Some(user.id),
                actor: &user.username,
                action: AuditAction::LoginSucceeded,
                case_id: None,
                details: json!({}),
            },
        )?;
        let clerk = crate::clerk_keys::Recorder { user_id: user.id, username: &user.username };
        let is_admin = user.roles.contains(Roles::ADMIN);
        crate::clerk_keys::on_session_start(&transaction, &audit_key, &clerk, is_admin, &signer, at)?;
        transaction.commit()?;
        let password_from_admin: bool = self
            .conn
            .prepare_cached("SELECT password_from_admin FROM users WHERE id = ?1")?
            .query_row([user.id.0], |row| row.get(0))?;
        Ok(Session {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            roles: user.roles,
            logged_in_at: at,
            password_from_admin,
            signer: Some(signer),
            desk: None,
        })
    }

    pub(crate) fn audit_login_failure(
        &mut self,
        username: &str,
        reason: LoginFailure,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.audit_login_failure_at(username, reason, None, at)
    }

    /// [`Store::audit_login_failure`] at the office server's joined desk `desk`.
    fn audit_login_failure_at(
        &mut self,
        username: &str,
        reason: LoginFailure,
        desk: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let actor: String = username.chars().take(32).collect();
        self.append_audit(NewAuditRow {
            desk,
            at,
            actor_user_id: None,
            actor: &actor,
            action: AuditAction::LoginFailed,
            case_id: None,
            details: json!({ "reason": reason.as_str() }),
        })
        .map(|_| ())
    }

    /// Logs a clerk in to the already unlocked store (clerk change at a shared PC, or
    /// unlocking after the idle lock). Same checks as [`Store::open`]; failures go
    /// straight to the audit trail.
    pub fn login(&mut self, username: &str, password: &str, at: DateTime<Utc>) -> Result<Session> {
        self.login_at_desk(username, password, None, at)
    }

    /// [`Store::login`] at the office server's joined desk `desk`: the log-in (or its
    /// failure) and every row of the session name the desk.
    pub fn login_at_desk(
        &mut self,
        username: &str,
        password: &str,
        desk: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Session> {
        let username = normalise_username(username)?;
        let Attempt { outcome, .. } =
            keyslots::attempt_unlock(&self.dir, &username, password, at, FailureLog::Caller)?;
        match outcome {
            Ok(Unlocked { data_key, signer }) if data_key.same_as(&self.data_key) => {
                let session = self.start_session(&username, signer, desk, at)?;
                Ok(match desk {
                    Some(desk) => session.at_desk(desk),
                    None => session,
                })
            }
            Ok(_) => Err(StoreError::KeyMismatch),
            Err((error, reason)) => {
                self.audit_login_failure_at(&username, reason, desk, at)?;
                Err(error)
            }
        }
    }

    /// Audits the end of a session (log-out or idle lock).
    pub fn logout(&mut self, session: &Session, at: DateTime<Utc>) -> Result<()> {
        self.append_audit(NewAuditRow {
            desk: session.desk(),
            at,
            actor_user_id: Some(session.user_id),
            actor: &session.username,
            action: AuditAction::Logout,
            case_id: None,
            details: json!({}),
        })
        .map(|_| ())
    }

    /// The office this store belongs to.
    pub fn office_id(&self) -> &str {
        &self.office_id
    }

    /// The directory holding the database and its key slots.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Re-reads the session's roles and refuses unless the account is active and holds `needed`.
    pub(crate) fn require_role(&self, session: &Session, needed: Roles) -> Result<User> {
        match read_user(&self.conn, &session.username)? {
            Some(user) if user.active && user.roles.contains(needed) => Ok(user),
            _ => Err(StoreError::Forbidden { needed }),
        }
    }

    /// Appends one audit row in its own transaction.
    /// Appends a row recording that someone *read* (a search): committed without waiting
    /// for the disk (`synchronous = NORMAL` for this one commit, in WAL mode), so a search
    /// costs a write to the page cache, not an fsync. A power cut may lose the last such
    /// rows; it never loses a case write (those stay `FULL`) and never breaks the chain:
    /// the row and the chain head are in one transaction either way.
    pub(crate) fn append_read_audit(&mut self, row: NewAuditRow<'_>) -> Result<i64> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let appended = self.append_audit(row);
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        let seq = appended?;
        restored?;
        Ok(seq)
    }

    pub(crate) fn append_audit(&mut self, row: NewAuditRow<'_>) -> Result<i64> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = audit::append(&transaction, &audit_key, row)?;
        transaction.commit()?;
        Ok(seq)
    }

    /// Records an event the store does not perform itself: printing, export, a duplicate
    /// decision, backup. `details` says what happened without personal values; digit
    /// runs that look like ID numbers are removed before the row is written.
    pub fn audit_event(
        &mut self,
        session: &Session,
        action: AuditAction,
        case_id: Option<&CaseId>,
        details: Value,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        self.append_audit(NewAuditRow {
            desk: session.desk(),
            at,
            actor_user_id: Some(session.user_id),
            actor: &session.username,
            action,
            case_id,
            details,
        })
    }

    /// Records an event of a system actor (the sync client, a scheduled backup).
    pub fn audit_system_event(
        &mut self,
        actor: &str,
        action: AuditAction,
        case_id: Option<&CaseId>,
        details: Value,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        self.append_audit(NewAuditRow {
            at,
            actor_user_id: None,
            actor,
            action,
            case_id,
            details,
            desk: None,
        })
    }

    /// Recomputes the whole hash chain and reports the first row that does not check out.
    pub fn audit_verify(&self) -> Result<AuditReport> {
        audit::verify(&self.conn, &self.audit_key)
    }

    /// The last upgrade of this database's schema, from its `schema_migrated` audit row (the
    /// row `meta` names, written with it; every office made before schema 13 has one from
    /// that upgrade, one made since has none until its next):
    /// when, from which version to which, and the name of the copy made before it.
    pub fn last_schema_upgrade(&self) -> Result<Option<SchemaUpgrade>> {
        let Some(entry) = audit::last_upgrade(&self.conn)? else {
            return Ok(None);
        };
        let version =
            |key: &str| entry.details[key].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
        Ok(Some(SchemaUpgrade {
            seq: entry.seq,
            at: entry.at,
            from: version("from"),
            to: version("to"),
            copy: entry.details["copy"].as_str().map(|name| self.dir.join(name)),
        }))
    }

    /// The last link of the chain, to anchor outside this PC.
    pub fn audit_head(&self) -> Result<Option<AuditHead>> {
        audit::head(&self.conn)
    }

    /// The check at log-in: the audit chain from the last row an earlier check found good
    /// to the head (the first time, the last 10,000 rows); found intact, the head is the
    /// next check's starting point (issue 18).
    pub fn audit_verify_since_last_check(&mut self) -> Result<AuditReport> {
        audit::verify_since_last_check(&self.conn, &self.audit_key)
    }

    /// The state seal's check (issue 18): every sealed row (clerks, cases, state changes,
    /// outbox, page metadata, ratings, clerk keys) read and added up again, against the
    /// sum the program's own writes kept. `None`: nothing was changed beside the program.
    /// Reads the whole of those tables: run at log-in and before a sync or an export.
    pub fn state_seal_check(&self) -> Result<Option<StateSealProblem>> {
        crate::state_seal::check(&self.conn, &seal_key(&self.root))
    }

    /// The same check on a connection of its own, to run off the clerk's path: in a
    /// thread, or outside the lock the window's commands take.
    pub fn state_seal_checker(&self) -> Result<StateSealChecker> {
        let conn = keyed_connection(&Store::db_path(&self.dir), &self.data_key, false)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let open = self.side_connections.register(&conn);
        Ok(StateSealChecker::new(conn, seal_key(&self.root), open))
    }

    /// The audit chain as the next push to the platform names it (its head, and its hashes
    /// now at the rows of earlier anchors), noting the head as sent (issue 18).
    pub fn audit_anchor_for_push(&mut self) -> Result<Option<crate::AuditAnchorPoints>> {
        audit::anchor_for_push(&self.conn)
    }

    /// The platform accepted a push whose audit anchor's head was row `seq`.
    pub fn audit_anchor_acknowledged(&mut self, seq: u64) -> Result<()> {
        audit::anchor_acknowledged(&self.conn, seq)
    }

    /// Audit rows, oldest first: one case's (for its history and the one-file-per-person
    /// export) or everyone's when `case_id` is `None`.
    pub fn audit_entries(&self, case_id: Option<&CaseId>, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::entries(&self.conn, case_id, limit)
    }

    /// The latest `limit` audit rows of one case, newest first.
    pub fn audit_latest(&self, case_id: &CaseId, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::latest_entries(&self.conn, case_id, limit)
    }

    /// Full check of the file: SQLCipher's page authentication codes and SQLite's
    /// structural check. Reads every page; run it from a maintenance command, not at log-in.
    pub fn check_integrity(&self) -> Result<()> {
        let problems = self.integrity_problems()?;
        if problems.is_empty() { Ok(()) } else { Err(StoreError::Corrupt { detail: problems.join("; ") }) }
    }

    /// What [`Store::check_integrity`] finds, one line per problem (the page, the table or
    /// index); empty when the file is whole.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        self.integrity_problems_waiting(INTEGRITY_CHECK_WAIT)
    }

    /// [`Store::integrity_problems`], waiting at most `wait` for readers of an older
    /// snapshot before `StoreError::CheckWaiting` (tests: seconds, not minutes).
    #[cfg(feature = "test-support")]
    pub fn integrity_problems_within(&self, wait: std::time::Duration) -> Result<Vec<String>> {
        self.integrity_problems_waiting(wait)
    }

    fn integrity_problems_waiting(&self, wait: std::time::Duration) -> Result<Vec<String>> {
        self.copy_whole_log_in(wait)?;
        // A read transaction from here on: while it lasts no checkpoint (this program's, or
        // another's on the same office: `permitctl` beside the window) copies into the
        // file a page committed after it began, so nothing writes the file under the check.
        let read = self.conn.unchecked_transaction()?;
        read.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
        // SQLCipher's check lists every page whose authentication code fails, by number.
        let mut statement = read.prepare("PRAGMA cipher_integrity_check")?;
        let problems =
            statement.query_map([], |row| row.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        if !problems.is_empty() {
            // SQLite's own check would stop at the first of those pages it cannot read.
            return Ok(problems);
        }
        let mut statement = read.prepare("PRAGMA integrity_check")?;
        let lines: rusqlite::Result<Vec<String>> =
            statement.query_map([], |row| row.get::<_, String>(0)).and_then(Iterator::collect);
        match lines {
            Ok(lines) => Ok(lines.into_iter().filter(|line| line != "ok").collect()),
            Err(error @ rusqlite::Error::SqliteFailure(..)) => {
                Ok(vec![format!("integrity check stopped: {error}")])
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Copies every page of the log into the database file, before SQLCipher's page check
    /// reads that file (and not the log). Between checkpoints the file may hold a hole: a
    /// checkpoint held back by a reader copies only the pages whose newest copy every
    /// reader has passed, so a page higher up can reach the file while one below it is
    /// still only in the log, where every read finds it — and where the page check does
    /// not look: it reported such a page as damaged (the power-cut harness found it,
    /// 2026-12-06; `lifecycle.rs` makes one). A background checkpoint running beside the
    /// check would also be writing pages as it read them. `FULL` waits for that checkpoint
    /// and for readers of an older snapshot (the state seal's check at log-in: up to 22 s
    /// at a million cases), so it is asked again until the log is all in, for two minutes;
    /// with nothing left in the log, and the check's read transaction keeping any later
    /// commit out of the file, no checkpoint writes the file while it is read.
    fn copy_whole_log_in(&self, wait: std::time::Duration) -> Result<()> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let (busy, log, copied): (i64, i64, i64) =
                self.conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?;
            if busy == 0 && copied >= log {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(StoreError::CheckWaiting { copied, log });
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        schema::schema_version(&self.conn)
    }

    /// Checkpoints the WAL into the main file and closes the connection.
    pub fn close(self) -> Result<()> {
        let Store { checkpointer, conn, .. } = self;
        drop(checkpointer);
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        conn.close().map_err(|(_, error)| StoreError::from(error))
    }

    /// What an insider holding the data key (any clerk's password and a copy of the
    /// files) can do with a SQLCipher shell: drop the append-only trigger, change audit row
    /// `seq`'s details, recompute the whole chain so the office's own check passes, and
    /// put the trigger back. For the tests of what still catches it (the platform's anchor).
    #[cfg(feature = "test-support")]
    pub fn rewrite_audit_row(&self, seq: i64, details: &str) -> Result<()> {
        self.conn.execute_batch("DROP TRIGGER IF EXISTS audit_no_update;")?;
        let changed = self.conn.execute(
            "UPDATE audit SET details = ?2 WHERE seq = ?1",
            params![seq, audit::pack_details(details)?],
        )?;
        if changed != 1 {
            return Err(StoreError::NotFound { what: "audit row", id: seq.to_string() });
        }
        audit::rechain(&self.conn, &self.audit_key)?;
        self.conn.execute_batch(
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
             BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
        )?;
        Ok(())
    }

    /// A connection to this office's database as a SQLCipher shell opened with the data
    /// key gives it: keyed, but without the program's SQL functions (the state seal's), for
    /// tests that play an insider.
    #[cfg(feature = "test-support")]
    pub fn shell_connection(&self) -> Result<Connection> {
        keyed_connection(&Store::db_path(&self.dir), &self.data_key, false)
    }

    /// The raw connection, for tests that tamper with rows or inspect query plans (its
    /// writes keep the state seal, as the program's do).
    #[cfg(feature = "test-support")]
    pub fn raw_connection(&self) -> &Connection {
        &self.conn
    }

    /// The schema version of the database in `dir`, read with a clerk's key slot without
    /// migrating it or logging in (for tests that check what a crash left behind).
    #[cfg(feature = "test-support")]
    pub fn peek_schema_version(dir: &Path, username: &str, password: &str, at: DateTime<Utc>) -> Result<u32> {
        let username = normalise_username(username)?;
        let Attempt { outcome, .. } =
            keyslots::attempt_unlock(dir, &username, password, at, FailureLog::Sidecar)?;
        let Unlocked { data_key, .. } = outcome.map_err(|(error, _)| error)?;
        let (conn, _) = open_connection(&Store::db_path(dir), &data_key, false)?;
        schema::schema_version(&conn)
    }
}

/// An upgrade of the database's schema, as its audit row records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaUpgrade {
    /// The audit row's position in the chain (to show a notice once per upgrade).
    pub seq: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The version found.
    pub from: u32,
    /// The version it was brought to.
    pub to: u32,
    /// The copy of the database as it was, if one was made (upgrades before copies were
    /// made have none).
    pub copy: Option<PathBuf>,
}

/// Writes the copy of a database found at `version` before migrating it: to a `.partial`
/// file first, renamed when complete and synced, so a copy that exists is whole. A copy
/// from an earlier, interrupted attempt is replaced (the database may have been used since).
fn write_pre_migration_copy(
    dir: &Path,
    conn: &Connection,
    data_key: &DataKey,
    version: u32,
) -> Result<String> {
    let name = schema::pre_migration_copy_name(version);
    let partial = dir.join(format!("{name}.partial"));
    let _ = fs::remove_file(&partial);
    crate::backup::copy_database(conn, &Store::db_path(dir), data_key, &partial)?;
    crate::crash::point(crate::crash::UPGRADE_COPY_WRITTEN);
    fs::rename(&partial, dir.join(&name))?;
    fs::File::open(dir)?.sync_all()?;
    crate::crash::point(crate::crash::UPGRADE_COPIED);
    Ok(name)
}
