//! Backup of the whole office store to one encrypted file, and restore from it.
//!
//! File format (version 2; a new layout gets a new version, and every version written
//! once is still read):
//!
//! ```text
//! PERMIT-DESK-BACKUP\n                       magic line
//! {"format": "permit-desk-backup", "version": 2, "office_id": "…", "created_at": "…",
//!  "created_by": "…", "database_bytes": N, "key_slots": { …office.keys.json… },
//!  "key_generation": G, "sealed_keys": { "<administrator>": "<hex>", … }}\n
//! N bytes: the SQLCipher database, copied with SQLite's online backup API
//! ```
//!
//! Version 2 (issue 18): the database part is encrypted under **a key of the backup's
//! own**, sealed to each administrator's SM2 sealing key (`sealed_keys`), so a clerk's
//! password opens nothing in a backup, and only an administrator of its day restores it
//! (`store::Store::backup_database_sealed`); `key_generation` names the office's data
//! key generation it was made under. The key slots are the office's of that day: after
//! the restore, the database is copied back under their key
//! (`store::Store::unseal_restored_database`) and the clerks log in as before. Version 1
//! (read, no longer written): the database part under the office's data key itself, so
//! any clerk's password of its day opened it. The header holds the office id and clerks'
//! user names, never applicant data.
//!
//! Restore refuses a backup of another office unless the administrator confirms
//! (`force_other_office`), puts the files of the replaced store aside (renamed with
//! `.before-restore-<millis>`, never deleted), opens the restored store with the
//! administrator's password, checks every page, and audits the restore. If any of that
//! fails, the replaced files are put back.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use store::{AuditAction, Store, StoreError, StoreOptions};

use crate::AppError;
use crate::archive::write_atomically;
use crate::bundle::BundleFileError;
use crate::office::{Office, Roles};

/// The first line of every backup file.
pub const BACKUP_MAGIC: &[u8] = b"PERMIT-DESK-BACKUP\n";
/// The format name in the header.
pub const BACKUP_FORMAT: &str = "permit-desk-backup";
/// The format version this build writes.
pub const BACKUP_VERSION: u64 = 2;
/// Every format version this build reads.
const READABLE_VERSIONS: [u64; 2] = [1, 2];
/// Every file of a store directory, moved aside together on restore.
/// With the files an unfinished re-key left (`store::REKEY_FILE_NAMES`): the next open
/// would finish it over the restored office.
const STORE_FILES: [&str; 7] = [
    "office.db",
    "office.db-wal",
    "office.db-shm",
    "office.keys.json",
    store::REKEY_FILE_NAMES[0],
    store::REKEY_FILE_NAMES[1],
    store::REKEY_FILE_NAMES[2],
];

/// What a backup file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// The office the backup belongs to.
    pub office_id: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// The administrator who made it.
    pub created_by: String,
    /// Size of the encrypted database inside.
    pub database_bytes: u64,
    /// The office's key generation it was made under (version 2; `None` before).
    pub key_generation: Option<u32>,
    /// The administrators who can restore it (version 2: its key is sealed to them; empty
    /// for version 1, which any clerk's password of its day opened).
    pub sealed_to: Vec<String>,
}

/// The note of the last backup, kept beside the office (`last-backup.json`: when, by
/// whom, to which file; no applicant data), so that a database found damaged at log-in —
/// which cannot be opened to read its audit trail — can still say where its last copy is.
pub const LAST_BACKUP_FILE: &str = "last-backup.json";

/// The last backup made on this PC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastBackup {
    /// When (RFC 3339).
    pub created_at: String,
    /// The administrator who made it.
    pub created_by: String,
    /// The file it was written to.
    pub path: PathBuf,
}

/// The last backup noted beside the office in `dir`, if any (an unreadable note is none).
pub fn last_backup(dir: &Path) -> Option<LastBackup> {
    let text = fs::read_to_string(dir.join(LAST_BACKUP_FILE)).ok()?;
    let note: Value = serde_json::from_str(&text).ok()?;
    Some(LastBackup {
        created_at: note["created_at"].as_str()?.to_owned(),
        created_by: note["created_by"].as_str()?.to_owned(),
        path: PathBuf::from(note["path"].as_str()?),
    })
}

/// What [`restore`] did.
#[derive(Debug)]
pub struct RestoreSummary {
    /// The backup restored.
    pub backup: BackupInfo,
    /// The backup came from another office and the administrator confirmed it.
    pub forced_other_office: bool,
    /// Files of the replaced store, renamed aside.
    pub set_aside: Vec<PathBuf>,
    /// Clerks revoked in the replaced office whose key slots the backup still had: revoked
    /// again in the restored one (`store::Store::carry_over_revocations`).
    pub revoked_again: Vec<String>,
    /// The re-key that followed when the restored office's key was one a revoked clerk
    /// held (clerks revoked again, or revoked in the backup before it was re-keyed); a
    /// failed one leaves the re-key owed.
    pub rekeyed: Option<Result<crate::office::Rekeyed, AppError>>,
}

/// Writes a backup of the whole store to `dest` (replacing it). Needs 管理员.
pub fn backup(office: &mut Office, dest: &Path, now: DateTime<Utc>) -> Result<BackupInfo, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ADMIN)?;
    let mut copy_name = dest.as_os_str().to_owned();
    copy_name.push(".db.partial");
    let copy_path = PathBuf::from(copy_name);
    // A leftover of an interrupted backup is ours to replace.
    let _ = fs::remove_file(&copy_path);
    // Where the backup goes is usually a USB stick: a full or read-only one is said as
    // such, and nothing is left there (the copy and the partial file are removed).
    let to_file = |source: std::io::Error| BundleFileError { path: dest.to_owned(), writing: true, source };
    let sealed = office.store.backup_database_sealed(&session, &copy_path).map_err(|error| match error {
        StoreError::DiskFull => AppError::from(to_file(std::io::ErrorKind::StorageFull.into())),
        StoreError::ReadOnly => AppError::from(to_file(std::io::ErrorKind::ReadOnlyFilesystem.into())),
        other => other.into(),
    })?;
    let database = fs::read(&copy_path).map_err(AppError::io("read database copy"));
    let _ = fs::remove_file(&copy_path);
    let database = database?;
    let slots_text =
        fs::read_to_string(Store::key_slots_path(office.dir())).map_err(AppError::io("read key slots"))?;
    let key_slots: Value = serde_json::from_str(&slots_text)
        .map_err(|error| AppError::BackupInvalid { reason: format!("key slot file: {error}") })?;
    let info = BackupInfo {
        office_id: office.office_id().to_owned(),
        created_at: now.to_rfc3339_opts(SecondsFormat::Millis, true),
        created_by: session.username().to_owned(),
        database_bytes: database.len() as u64,
        key_generation: Some(sealed.generation),
        sealed_to: sealed.sealed_keys.iter().map(|(username, _)| username.clone()).collect(),
    };
    let sealed_keys: serde_json::Map<String, Value> =
        sealed.sealed_keys.into_iter().map(|(username, key)| (username, Value::String(key))).collect();
    let header = json!({
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "office_id": info.office_id,
        "created_at": info.created_at,
        "created_by": info.created_by,
        "database_bytes": info.database_bytes,
        "key_slots": key_slots,
        "key_generation": sealed.generation,
        "sealed_keys": sealed_keys,
    });
    let mut bytes = BACKUP_MAGIC.to_vec();
    bytes.extend_from_slice(header.to_string().as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&database);
    crate::bundle::write_whole(dest, &bytes).map_err(to_file)?;
    // Best effort: the backup is made whether or not the note can be written.
    let note = json!({ "created_at": info.created_at, "created_by": info.created_by, "path": dest });
    let _ = write_atomically(&office.dir().join(LAST_BACKUP_FILE), note.to_string().as_bytes());
    let details = json!({
        "database_bytes": info.database_bytes,
        "format_version": BACKUP_VERSION,
        "key_generation": info.key_generation,
        "sealed_to": info.sealed_to,
    });
    office.store.audit_event(&session, AuditAction::BackupCreated, None, details, now)?;
    Ok(info)
}

/// The suffix of backup files: what the window looks for on the sticks.
pub const BACKUP_SUFFIX: &str = ".backup";

/// The name a backup gets in a folder the administrator picked: the office and when, so
/// that backups sort by time and a stick holding several offices' says whose each is.
pub fn file_name(office_id: &str, now: DateTime<Utc>) -> String {
    let office: String =
        office_id.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("permit-desk-backup-{office}-{}{BACKUP_SUFFIX}", crate::clock::file_stamp(now))
}

/// [`backup`] into `folder` (a USB stick the administrator picked), as a new file named by
/// [`file_name`]; never over an existing file. Needs 管理员.
pub fn backup_to_folder(
    office: &mut Office,
    folder: &Path,
    now: DateTime<Utc>,
) -> Result<(PathBuf, BackupInfo), AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    let target = crate::bundle::export_target(folder, &file_name(office.office_id(), now))?;
    let info = backup(office, &target, now)?;
    Ok((target, info))
}

/// The folder beside the office where the office server keeps the backups its
/// administrators make from a desk.
pub const SERVER_BACKUPS_DIR: &str = "backups";

/// [`backup_to_folder`] into the office's own [`SERVER_BACKUPS_DIR`] folder (made private
/// to the server's user when missing): an office run by the office server is backed up
/// while it serves the desks, and the administrator copies the folder off its PC.
/// Needs 管理员.
pub fn backup_beside_office(
    office: &mut Office,
    now: DateTime<Utc>,
) -> Result<(PathBuf, BackupInfo), AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    let folder = office.dir().join(SERVER_BACKUPS_DIR);
    if !folder.is_dir() {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&folder).map_err(AppError::io("make the backups folder"))?;
    }
    backup_to_folder(office, &folder, now)
}

/// A backup file the window offers to restore from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundBackup {
    /// The file, where it was found.
    pub file: crate::media::FoundFile,
    /// What its header says.
    pub info: BackupInfo,
    /// The last backup made on this PC (its note beside the office names this file).
    pub last: bool,
}

/// The backups a restore can be made from, newest first: the last one made on this PC
/// (if its file is still there) and every `.backup` file at the top of `places` (the
/// sticks, the home folder) or one folder down. Files whose header is not a backup's are
/// left out. Needs no log-in: the office may be the damaged one.
pub fn found_backups(dir: &Path, places: &[crate::media::Place]) -> Vec<FoundBackup> {
    let last = last_backup(dir).map(|note| note.path);
    let mut files = crate::media::files_ending(places, BACKUP_SUFFIX);
    if let Some(path) = &last
        && !files.iter().any(|file| &file.path == path)
        && let Ok(metadata) = fs::metadata(path)
    {
        files.push(crate::media::FoundFile {
            path: path.clone(),
            name: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
            place: path.parent().map(|folder| folder.display().to_string()).unwrap_or_default(),
            removable: false,
            bytes: metadata.len(),
            modified: metadata.modified().ok().map(DateTime::<Utc>::from),
        });
    }
    let mut found: Vec<FoundBackup> = files
        .into_iter()
        .filter_map(|file| {
            let info = inspect_header(&file.path).ok()?;
            let is_last = last.as_ref() == Some(&file.path);
            Some(FoundBackup { file, info, last: is_last })
        })
        .collect();
    found.sort_by(|a, b| b.info.created_at.cmp(&a.info.created_at));
    found
}

/// A backup's header alone (the database part is not read: a backup of a large office is
/// hundreds of megabytes on a slow stick). The size is checked against the file's.
pub fn inspect_header(path: &Path) -> Result<BackupInfo, AppError> {
    use std::io::{BufRead, Read};
    let file = fs::File::open(path).map_err(AppError::io("read backup file"))?;
    let total = file.metadata().map_err(AppError::io("read backup file"))?.len();
    // The header holds the key slots: a few kilobytes per clerk.
    let mut reader = std::io::BufReader::new(file).take(4 * 1024 * 1024);
    let mut head = Vec::new();
    for _ in 0..2 {
        reader.read_until(b'\n', &mut head).map_err(AppError::io("read backup file"))?;
    }
    let (info, _, _) = parse_header(&head)?;
    if head.len() as u64 + info.database_bytes != total {
        return Err(invalid(format!(
            "the file has {total} bytes, its header promises {} (truncated file?)",
            head.len() as u64 + info.database_bytes
        )));
    }
    Ok(info)
}

/// Reads a backup file's header without restoring it.
pub fn inspect(path: &Path) -> Result<BackupInfo, AppError> {
    let bytes = fs::read(path).map_err(AppError::io("read backup file"))?;
    Ok(parse(&bytes)?.0)
}

/// Restores the store in `dir` from the backup at `source`, then opens it as
/// `username` (who must be an administrator in the backup and, when `dir` holds a
/// store, in that store too). Refuses a backup of another office unless
/// `force_other_office`, and any while another program has the office open
/// (`OFFICE_OPEN_ELSEWHERE`). Clerks revoked in the replaced office stay revoked, and its
/// device identity (the key the platform holds) is kept rather than the backup's.
#[allow(clippy::too_many_arguments, reason = "each argument is a separate decision of the operator")]
pub fn restore(
    source: &Path,
    dir: &Path,
    username: &str,
    password: &str,
    force_other_office: bool,
    now: DateTime<Utc>,
    options: StoreOptions,
) -> Result<(Office, RestoreSummary), AppError> {
    let bytes = fs::read(source).map_err(AppError::io("read backup file"))?;
    let (info, header, database) = parse(&bytes)?;
    let key_slots = &header["key_slots"];
    // The files are replaced only while no other program has the office open (a window
    // left open would go on writing to the set-aside database): refused before anything
    // changes, `OfficeOpenElsewhere`. Held to the end, the re-key after it included.
    fs::create_dir_all(dir).map_err(AppError::io("create data directory"))?;
    let office_lock = store::OfficeLock::shared(dir)?;
    let _exclusive = office_lock.exclusive()?;
    // A sealed backup (version 2) opens only with an administrator of its day: find their
    // sealed key before anything is changed.
    let sealed = if info.sealed_to.is_empty() {
        None
    } else {
        let key = header["sealed_keys"]
            .as_object()
            .and_then(|keys| keys.iter().find(|(name, _)| name.eq_ignore_ascii_case(username.trim())))
            .and_then(|(_, key)| key.as_str())
            .ok_or_else(|| AppError::BackupNotYours { administrators: info.sealed_to.clone() })?;
        Some(key.to_owned())
    };
    let mut forced = false;
    let mut replaced_device = None;
    if Office::exists(dir) {
        let this_office = match Office::open_with_options(dir, username, password, now, options) {
            Ok(current) => {
                current.clerk_with_any_role(Roles::ADMIN)?;
                let this_office = current.office_id().to_owned();
                // The key the platform knows the device by is this office's, not the
                // backup's: a backup made before a device key change holds a replaced one.
                replaced_device = current
                    .store
                    .device_secret()?
                    .map(|identity| {
                        Ok::<_, AppError>((identity, current.store.pending_device_key_changes()?))
                    })
                    .transpose()?;
                current.close()?;
                this_office
            }
            // The database that restoring is for: its roles cannot be read. The password
            // must still open this clerk's key slot (a clerk of this office), and the
            // backup must make them an administrator (checked once it is in place).
            Err(AppError::DatabaseDamaged { .. }) => {
                Store::check_slot_password(dir, username, password, now)?
            }
            Err(other) => return Err(other),
        };
        if this_office != info.office_id {
            if !force_other_office {
                return Err(AppError::OtherOffice { backup_office: info.office_id, this_office });
            }
            forced = true;
        }
    }
    // Who was revoked here, from the key-slot file (readable when the database is not):
    // a backup made before a revocation must not bring the clerk back.
    let revocations =
        if Office::exists(dir) { Store::revocations_in(dir).unwrap_or_default() } else { Vec::new() };
    // And how far its key generations went, so a re-key after the restore numbers on.
    let replaced_generation =
        if Office::exists(dir) { Store::key_generation_in(dir).unwrap_or(0) } else { 0 };
    fs::create_dir_all(dir).map_err(AppError::io("create data directory"))?;
    let set_aside = set_aside(dir, now)?;
    let restored = put_back_files(dir, key_slots, database)
        .and_then(|()| match &sealed {
            Some(sealed) => Ok(Store::unseal_restored_database(dir, username, password, sealed)?),
            None => Ok(()),
        })
        .and_then(|()| Office::open_with_options(dir, username, password, now, options))
        .and_then(|office| {
            office.clerk_with_any_role(Roles::ADMIN)?;
            office.store.check_integrity()?;
            Ok(office)
        });
    let mut office = match restored {
        Ok(office) => office,
        Err(error) => {
            undo(dir, &set_aside);
            return Err(error);
        }
    };
    let (session, _) = office.clerk_with_any_role(Roles::ADMIN)?;
    let details = json!({
        "backup_office": info.office_id,
        "backup_created_at": info.created_at,
        "forced_other_office": forced,
    });
    office.store.audit_event(&session, AuditAction::Restored, None, details, now)?;
    let revoked_again = office.store.carry_over_revocations(&session, &revocations, now)?;
    if let Some((identity, pending)) = &replaced_device {
        office.store.carry_over_device_identity(&session, identity, pending, now)?;
    }
    // The backup's data key is one the clerks revoked since held: replace it now.
    let rekeyed = if office.store.rekey_owed()? {
        Some(office.rekey_store(&session, now, replaced_generation))
    } else {
        None
    };
    Ok((
        office,
        RestoreSummary { backup: info, forced_other_office: forced, set_aside, revoked_again, rekeyed },
    ))
}

fn invalid(reason: impl Into<String>) -> AppError {
    AppError::BackupInvalid { reason: reason.into() }
}

/// The header of a backup starting `bytes`: what it says, the header itself (its key
/// slots, its sealed keys), and the rest of `bytes` after it (the database part, or as
/// much of it as `bytes` holds).
fn parse_header(bytes: &[u8]) -> Result<(BackupInfo, Value, &[u8]), AppError> {
    let rest = bytes.strip_prefix(BACKUP_MAGIC).ok_or_else(|| invalid("not a permit-desk backup"))?;
    let header_end = rest.iter().position(|&b| b == b'\n').ok_or_else(|| invalid("no header"))?;
    let header: Value =
        serde_json::from_slice(&rest[..header_end]).map_err(|error| invalid(format!("header: {error}")))?;
    let database = &rest[header_end + 1..];
    if header["format"] != BACKUP_FORMAT {
        return Err(invalid("header names another format"));
    }
    let version = header["version"].as_u64().filter(|version| READABLE_VERSIONS.contains(version));
    let Some(version) = version else {
        return Err(invalid(format!("version {} is not supported", header["version"])));
    };
    let text = |key: &str| {
        header[key].as_str().map(str::to_owned).ok_or_else(|| invalid(format!("header has no {key}")))
    };
    let info = BackupInfo {
        office_id: text("office_id")?,
        created_at: text("created_at")?,
        created_by: text("created_by")?,
        database_bytes: header["database_bytes"].as_u64().ok_or_else(|| invalid("header has no size"))?,
        key_generation: header["key_generation"]
            .as_u64()
            .and_then(|generation| u32::try_from(generation).ok()),
        sealed_to: header["sealed_keys"]
            .as_object()
            .map(|keys| keys.keys().cloned().collect())
            .unwrap_or_default(),
    };
    if version >= 2 && info.sealed_to.is_empty() {
        return Err(invalid("a version 2 backup names no administrator its key is sealed to"));
    }
    if header["key_slots"]["office_id"] != info.office_id.as_str() {
        return Err(invalid("key slots belong to another office than the header"));
    }
    Ok((info, header, database))
}

/// A whole backup file: its header, key slots and database part, the size checked.
fn parse(bytes: &[u8]) -> Result<(BackupInfo, Value, &[u8]), AppError> {
    let (info, key_slots, database) = parse_header(bytes)?;
    if database.len() as u64 != info.database_bytes {
        return Err(invalid(format!(
            "database part has {} bytes, the header says {} (truncated file?)",
            database.len(),
            info.database_bytes
        )));
    }
    Ok((info, key_slots, database))
}

/// Renames every file of the current store aside; returns (original, aside) pairs.
fn set_aside(dir: &Path, now: DateTime<Utc>) -> Result<Vec<PathBuf>, AppError> {
    let mut moved = Vec::new();
    for name in STORE_FILES {
        let path = dir.join(name);
        if path.exists() {
            let aside = dir.join(format!("{name}.before-restore-{}", now.timestamp_millis()));
            if let Err(error) = fs::rename(&path, &aside) {
                undo(dir, &moved);
                return Err(AppError::Io { what: "set the current store aside", source: error });
            }
            moved.push(aside);
        }
    }
    Ok(moved)
}

fn put_back_files(dir: &Path, key_slots: &Value, database: &[u8]) -> Result<(), AppError> {
    write_atomically(&Store::db_path(dir), database)?;
    let slots =
        serde_json::to_vec_pretty(key_slots).map_err(|error| invalid(format!("key slots: {error}")))?;
    write_atomically(&Store::key_slots_path(dir), &slots)
}

/// Removes restored files and renames the set-aside ones back.
fn undo(dir: &Path, set_aside: &[PathBuf]) {
    for name in STORE_FILES {
        let _ = fs::remove_file(dir.join(name));
    }
    for aside in set_aside {
        if let Some(name) = STORE_FILES.iter().find(|name| {
            aside
                .file_name()
                .and_then(|file| file.to_str())
                .is_some_and(|file| file.starts_with(&format!("{name}.before-restore-")))
        }) {
            let _ = fs::rename(aside, dir.join(name));
        }
    }
}
