//! Which programs have the office open: an advisory lock on `office.lock` in the office's
//! folder, so an operation that replaces the office's files never runs while another
//! program has them open.
//!
//! Every open store holds the lock **shared** for as long as it lives: the window, the
//! office server, each `permitctl` command, any number at once (SQLite keeps their writes
//! apart). Four operations replace or rewrite the files themselves and take it
//! **exclusive** first: a re-key (the database copied under a new key, then renamed over
//! the old one: a write another program made after the copy would go to a file no one
//! reads again), finishing a re-key that was cut short (the other program may be the one
//! still making it), an upgrade of the schema, and a restore. When another program holds
//! it, the operation is refused before it changes anything ([`StoreError::OfficeOpenElsewhere`]),
//! and an open that finds one of those operations under way is refused
//! ([`StoreError::OfficeBusy`]) rather than read half-replaced files.
//!
//! The lock is the operating system's (`flock` on Linux, `LockFileEx` on Windows), held by
//! an open file: a program that is killed or loses its power lets go of it with no file
//! left to clean up. Turning a shared hold into an exclusive one is not promised atomic
//! (flock(2)): a refused attempt lets go of the shared hold for an instant before taking it
//! again, so two programs asking to re-key the same office in the same instant could both
//! be refused or, rarely, the second let through while the first still has the office
//! open — the one case this does not cover. Within one process the stores of one folder share one lock file handle
//! (a restore opens the office it is replacing): the lock keeps programs apart, and the
//! program's own mutex keeps its threads apart.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError, Weak};

use crate::error::{Result, StoreError};

/// The lock file in the office's folder (empty; only its lock matters).
pub const OFFICE_LOCK_FILE_NAME: &str = "office.lock";

/// One process's hold on one office's lock file.
struct Held {
    /// `None` in a folder this program cannot write and where no lock file was made: no
    /// program can replace the office's files there either.
    file: Option<File>,
    /// How many exclusive holds of this process are open (nested: a restore re-keys).
    exclusive: Mutex<u32>,
}

/// The offices this process holds, by folder.
fn held_locks() -> MutexGuard<'static, HashMap<PathBuf, Weak<Held>>> {
    static HELD: LazyLock<Mutex<HashMap<PathBuf, Weak<Held>>>> = LazyLock::new(Mutex::default);
    HELD.lock().unwrap_or_else(PoisonError::into_inner)
}

/// This process's shared hold on an office's lock; cloned into every store of the folder.
#[derive(Clone)]
pub struct OfficeLock {
    held: Arc<Held>,
}

impl std::fmt::Debug for OfficeLock {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("OfficeLock").finish_non_exhaustive()
    }
}

impl OfficeLock {
    /// Takes the office's lock shared (the folder must exist). Refused with
    /// [`StoreError::OfficeBusy`] while another program re-keys, upgrades or restores it.
    pub fn shared(dir: &Path) -> Result<OfficeLock> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        let mut held = held_locks();
        if let Some(live) = held.get(&key).and_then(Weak::upgrade) {
            return Ok(OfficeLock { held: live });
        }
        let file = open_lock_file(&dir.join(OFFICE_LOCK_FILE_NAME))?;
        match file.as_ref().map(File::try_lock_shared) {
            None | Some(Ok(())) => {}
            Some(Err(TryLockError::WouldBlock)) => return Err(StoreError::OfficeBusy),
            Some(Err(TryLockError::Error(error))) => return Err(error.into()),
        }
        let live = Arc::new(Held { file, exclusive: Mutex::new(0) });
        held.retain(|_, weak| weak.strong_count() > 0);
        held.insert(key, Arc::downgrade(&live));
        Ok(OfficeLock { held: live })
    }

    /// Makes the hold exclusive until the guard is dropped: refused with
    /// [`StoreError::OfficeOpenElsewhere`] while another program has the office open (this
    /// process's shared hold is kept then). Nested holds in one process are counted.
    pub fn exclusive(&self) -> Result<ExclusiveHold> {
        let mut depth = self.held.exclusive.lock().unwrap_or_else(PoisonError::into_inner);
        if let (0, Some(file)) = (*depth, &self.held.file) {
            // Linux turns the shared lock into an exclusive one (flock(2)); Windows does not
            // (LockFileEx would refuse it over this handle's own shared lock), so there it
            // is let go of first.
            #[cfg(windows)]
            file.unlock()?;
            match file.try_lock() {
                Ok(()) => {}
                Err(refused) => {
                    // Shared again (Linux too may have let go of it on the way): another
                    // program holds it shared, so this waits for nothing.
                    file.lock_shared()?;
                    return Err(match refused {
                        TryLockError::WouldBlock => StoreError::OfficeOpenElsewhere,
                        TryLockError::Error(error) => error.into(),
                    });
                }
            }
        }
        *depth += 1;
        Ok(ExclusiveHold { held: Arc::clone(&self.held) })
    }
}

/// An exclusive hold on the office's lock ([`OfficeLock::exclusive`]); back to shared when
/// dropped.
pub struct ExclusiveHold {
    held: Arc<Held>,
}

impl std::fmt::Debug for ExclusiveHold {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ExclusiveHold").finish_non_exhaustive()
    }
}

impl Drop for ExclusiveHold {
    fn drop(&mut self) {
        let mut depth = self.held.exclusive.lock().unwrap_or_else(PoisonError::into_inner);
        *depth = depth.saturating_sub(1);
        if let (0, Some(file)) = (*depth, &self.held.file) {
            // Linux converts the exclusive lock into a shared one; Windows stacks a shared
            // lock on this handle's exclusive one, and the first unlock then lets go of the
            // exclusive one only. (Failing, it stays exclusive: other programs are refused,
            // nothing is lost.)
            let _ = file.lock_shared();
            #[cfg(windows)]
            let _ = file.unlock();
        }
    }
}

/// The lock file, made if need be (0600); in a folder this program cannot write, the one
/// there opened for reading (a lock needs no write access), or none.
fn open_lock_file(path: &Path) -> Result<Option<File>> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(file) => Ok(Some(file)),
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
            ) =>
        {
            match File::open(path) {
                Ok(file) => Ok(Some(file)),
                Err(missing) if missing.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(other) => Err(other.into()),
            }
        }
        Err(error) => Err(error.into()),
    }
}
