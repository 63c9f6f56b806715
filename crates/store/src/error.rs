//! `StoreError`: the one error type of the store, named for what went wrong.
//!
//! The shell maps every variant to a stable UI code with an exhaustive match, so a
//! variant is added only when the clerk or an operator must tell the case apart.
//! SQLite's "not a database" and "corrupt" codes are turned into [`StoreError::Corrupt`],
//! its "disk full" and the system's "no space left" into [`StoreError::DiskFull`], and its
//! "read-only" and the system's "read-only file system" into [`StoreError::ReadOnly`],
//! here, once, so no caller has to dig through a wrapped `rusqlite::Error`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::cases::CaseState;
use crate::users::Roles;

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Neither the database nor its key slots exist: the office has not been set up.
    #[error("no store in {dir}: run the first-time set-up")]
    NotInitialised {
        /// The directory that was searched.
        dir: PathBuf,
    },
    /// `create` found an existing database or key-slot file; it never overwrites one.
    #[error("a store already exists at {path}")]
    AlreadyExists {
        /// The file that is already there.
        path: PathBuf,
    },
    /// The database exists but its key-slot file does not. Without the slots the data key
    /// cannot be unwrapped, so the file must come back from a backup.
    #[error("key slot file {path} is missing: restore it from the backup made with the database")]
    KeySlotsMissing {
        /// Where the key-slot file was expected.
        path: PathBuf,
    },
    /// The key-slot file exists but the database does not.
    #[error("database {path} is missing: restore it from a backup")]
    DatabaseMissing {
        /// Where the database was expected.
        path: PathBuf,
    },
    /// The key-slot file cannot be parsed or holds impossible values.
    #[error("key slot file {path} is damaged: {reason}")]
    KeySlotsDamaged {
        /// The key-slot file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The password does not unwrap this user's key slot.
    #[error("wrong password")]
    WrongPassword,
    /// No key slot (or no user row) exists for this user name.
    #[error("unknown user {username}")]
    UnknownUser {
        /// The user name as typed, normalised.
        username: String,
    },
    /// Too many failed log-ins: this account may not try again before `until`.
    #[error("account locked until {until}")]
    LockedOut {
        /// The first instant at which a log-in is allowed again.
        until: DateTime<Utc>,
    },
    /// The account has been revoked; an old copy of its key slot does not bring it back.
    #[error("account {username} is disabled")]
    AccountDisabled {
        /// The disabled account.
        username: String,
    },
    /// The data key unwrapped fine but does not open this database: the key-slot file
    /// belongs to another office or another copy of the database.
    #[error("the key slots do not belong to this database: restore the key slot file made with it")]
    KeyMismatch,
    /// The office server's unlock file does not open this office (issue 17): none was
    /// made, an administrator removed it, or the file is another office's or damaged.
    #[error("the server unlock file does not open this office: {reason}")]
    ServerUnlock {
        /// What is wrong.
        reason: ServerUnlockProblem,
    },
    /// The database file is damaged or truncated. The file is left exactly as found.
    #[error("database is damaged: {detail}; restore it from a backup")]
    Corrupt {
        /// What SQLite or the store noticed.
        detail: String,
    },
    /// The database was written by a newer version of permit-desk.
    #[error("database schema {found} is newer than this program ({supported}): update permit-desk")]
    TooNew {
        /// `user_version` found in the file.
        found: u32,
        /// The newest schema this build knows.
        supported: u32,
    },
    /// SQLite was built without SQLCipher, so nothing would be encrypted; refuse to work.
    #[error("this build of SQLite cannot encrypt: enable rusqlite's bundled-sqlcipher feature")]
    EncryptionUnavailable,
    /// The logged-in user lacks a role the operation needs.
    #[error("this needs the {needed} role")]
    Forbidden {
        /// The role that is missing.
        needed: Roles,
    },
    /// A new password is refused by the password rule ([`crate::PasswordWeakness`]).
    #[error("password refused: {weakness:?}")]
    WeakPassword {
        /// What is wrong with it.
        weakness: crate::PasswordWeakness,
    },
    /// A user name, office id or other identifier is empty, too long or has control characters.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which input.
        what: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A user with this user name already exists.
    #[error("user {username} already exists")]
    UserExists {
        /// The existing user name.
        username: String,
    },
    /// A clerk must hold at least one role; one who no longer works here is revoked instead.
    #[error("a clerk needs at least one role")]
    NoRoles,
    /// Revoking or demoting this account would leave the office without an administrator.
    #[error("the last administrator cannot be revoked or demoted")]
    LastAdmin,
    /// Another case already uses this application number.
    #[error("application number {application_number} is already used by another case")]
    DuplicateApplicationNumber {
        /// The number that is taken.
        application_number: String,
    },
    /// The row asked for does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// What kind of row: "case", "user", "outbox item".
        what: &'static str,
        /// Its identifier.
        id: String,
    },
    /// The case is not in the state the caller expected (someone else moved it, or the
    /// screen is stale). Nothing was written.
    #[error("case is {actual}, expected {expected_state}")]
    Conflict {
        /// The state the caller based its change on.
        expected_state: CaseState,
        /// The state the case is actually in.
        actual: CaseState,
    },
    /// The case has been submitted, so its pages are evidence on their way to the platform:
    /// they can be added, relinked and reordered, not deleted or replaced.
    #[error("the case is {state}: its pages can no longer be deleted or replaced")]
    PageFrozen {
        /// The case's state.
        state: CaseState,
    },
    /// The applicant has already rated this visit (one 好差评 per visit; nobody changes it).
    #[error("this visit has already been rated")]
    AlreadyRated,
    /// The case has no decision yet (a draft never submitted): there is no visit to rate.
    #[error("the case has no decision to rate yet")]
    NothingToRate,
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// The whole-database check could not start: a reader of an older snapshot (another
    /// program reading the office, a long check of its own) kept the log from being copied
    /// in for two minutes. No verdict was given; nothing is wrong with the office for it.
    #[error("the database check waited for another reader ({copied} of {log} log pages copied in)")]
    CheckWaiting {
        /// Pages of the log copied into the file.
        copied: i64,
        /// Pages in the log.
        log: i64,
    },
    /// Another program is re-keying, upgrading or restoring the office (it holds the
    /// office's lock exclusive, `office_lock.rs`): nothing was opened; try again when it is
    /// done.
    #[error("another program is re-keying, upgrading or restoring this office")]
    OfficeBusy,
    /// The operation replaces the office's files (a re-key, an upgrade, a restore, finishing
    /// a re-key cut short) and another program has the office open: nothing was changed;
    /// close the other program first.
    #[error("another program has this office open")]
    OfficeOpenElsewhere,
    /// The disk holding the office's data is full. Nothing of the change was written: the
    /// transaction rolled back, and what was saved before is untouched.
    #[error("the disk holding the office's data is full")]
    DiskFull,
    /// The office's data folder cannot be written (a file system remounted read-only, a
    /// write-protected medium, no permission). Nothing was written.
    #[error("the office's data folder cannot be written")]
    ReadOnly,
    /// A file operation on the database directory failed.
    #[error("file error: {0}")]
    Io(std::io::Error),
    /// Any other SQLite error (busy, constraint, ...).
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::StorageFull => StoreError::DiskFull,
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                StoreError::ReadOnly
            }
            _ => StoreError::Io(error),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match &error {
            rusqlite::Error::SqliteFailure(failure, message)
                if matches!(failure.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) =>
            {
                StoreError::Corrupt { detail: message.clone().unwrap_or_else(|| failure.to_string()) }
            }
            rusqlite::Error::SqliteFailure(failure, _) if failure.code == ErrorCode::DiskFull => {
                StoreError::DiskFull
            }
            rusqlite::Error::SqliteFailure(failure, _) if failure.code == ErrorCode::ReadOnly => {
                StoreError::ReadOnly
            }
            _ => StoreError::Sqlite(error),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        // JSON is only ever parsed from columns the store wrote itself, so a parse error
        // means the stored bytes are not what was written.
        StoreError::Corrupt { detail: format!("stored json: {error}") }
    }
}

/// Short alias used throughout the crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why the office server's unlock file did not open the office.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerUnlockProblem {
    /// The office has no server slot (never set up, or removed by an administrator).
    NotSetUp,
    /// The file is not an unlock file.
    Malformed,
    /// The file's secret does not open the office's server slot (another office's file,
    /// or one replaced by a later set-up).
    WrongSecret,
}

impl std::fmt::Display for ServerUnlockProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ServerUnlockProblem::NotSetUp => "the office has no server unlock (run permit-desk-server setup)",
            ServerUnlockProblem::Malformed => "the file is not a server unlock file",
            ServerUnlockProblem::WrongSecret => "the file belongs to another office or to an earlier set-up",
        })
    }
}
