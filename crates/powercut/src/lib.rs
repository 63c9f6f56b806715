//! A power cut for the kill harnesses (issue 21), in the spirit of LazyFS.
//!
//! A process killed with SIGKILL keeps every write the kernel already has; a power cut
//! loses every write that was not yet forced to the disk. This crate makes the second out
//! of the first, for SQLite's files: [`install`] registers, in a child process, a SQLite
//! VFS that passes everything to the real one but, before each write or truncation of a
//! named file, appends the bytes about to be overwritten to a journal (a plain file next
//! to the office), and notes each completed `fsync`. After the harness has killed the
//! child, [`cut`] reads the journal and puts back, file by file, everything written since
//! that file's last `fsync` — the bytes overwritten, the length it had, and a file created
//! and never synced is removed — and removes SQLite's shared-memory index (`-shm`, never
//! synced, rebuilt from the log at the next open). What is left is what a disk that
//! honours `fsync` and nothing more would hold after the power went.
//!
//! The model is strict: every unsynced write is lost, none survives in part or out of
//! order (a real disk may keep some; SQLite's log checksums are made for that, and the
//! strict model is the one that catches an acknowledgement given before its data was
//! durable). Only files SQLite opens by name are followed; files written by our own code
//! (`std::fs`) are not, and a directory's entries are taken to be durable once the file
//! is synced (SQLite syncs the folder of a new log itself).
//!
//! Test-only: no crate depends on this one except in `[dev-dependencies]`.
#![allow(unsafe_code)]

use std::collections::{BTreeMap, HashSet};
use std::ffi::{CStr, c_char, c_int, c_void};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use libsqlite3_sys as ffi;

/// The name the layer registers under (and becomes the default VFS of the process).
pub const VFS_NAME: &str = "powercut";

/// One journal entry's kind.
const WROTE: u8 = b'W';
const LENGTH: u8 = b'L';
const CREATED: u8 = b'C';
const SYNCED: u8 = b'S';
const DELETED: u8 = b'D';

/// Which of SQLite's files an `fsync` is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// The write-ahead log (`-wal`): its fsync makes a commit durable.
    Log,
    /// A rollback journal (`-journal`).
    Journal,
    /// The database file itself: synced by a checkpoint (or a rollback-mode commit).
    Database,
}

impl FileKind {
    fn of(path: &str) -> Self {
        if path.ends_with("-wal") {
            Self::Log
        } else if path.ends_with("-journal") {
            Self::Journal
        } else {
            Self::Database
        }
    }

    /// The kind's name, as a [`SyncKill`] is written and a mark file names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Log => "log",
            Self::Journal => "journal",
            Self::Database => "database",
        }
    }
}

/// An aimed power cut: the child kills itself just before the `nth` fsync of a `kind` of
/// file (counted from 1, in this process) — the moment its writes are all in the kernel's
/// cache and none on the disk — after naming the kind in `mark`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncKill {
    /// Whose fsync.
    pub kind: FileKind,
    /// Which one.
    pub nth: u64,
    /// The file the kind is written to as the child dies.
    pub mark: PathBuf,
}

impl SyncKill {
    /// Reads `<kind>:<nth>` (`log:3`, `database:1`), as a harness passes it to a child.
    pub fn parse(text: &str, mark: PathBuf) -> Option<Self> {
        let (kind, nth) = text.split_once(':')?;
        let kind =
            [FileKind::Log, FileKind::Journal, FileKind::Database].into_iter().find(|k| k.name() == kind)?;
        Some(Self { kind, nth: nth.parse().ok()?, mark })
    }
}

/// The layer's state in the child: the journal, which files have unsynced changes, and
/// an aimed kill with the fsyncs counted so far.
struct Layer {
    journal: File,
    dirty: HashSet<String>,
    kill: Option<SyncKill>,
    syncs: u64,
}

static LAYER: Mutex<Option<Layer>> = Mutex::new(None);
/// The real VFS (SQLite's default before ours), as an address.
static REAL_VFS: OnceLock<usize> = OnceLock::new();

fn layer() -> MutexGuard<'static, Option<Layer>> {
    LAYER.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    REAL_VFS.get().map_or(std::ptr::null_mut(), |&address| address as *mut ffi::sqlite3_vfs)
}

/// Appends one entry: kind, path, a number (offset or length) and the bytes it carries.
fn record(layer: &mut Layer, kind: u8, path: &str, number: u64, bytes: &[u8]) -> bool {
    let mut entry = Vec::with_capacity(17 + path.len() + bytes.len());
    entry.push(kind);
    entry.extend_from_slice(&u32::try_from(path.len()).unwrap_or(u32::MAX).to_le_bytes());
    entry.extend_from_slice(path.as_bytes());
    entry.extend_from_slice(&number.to_le_bytes());
    entry.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    entry.extend_from_slice(bytes);
    // One write per entry: a kill lands before it, after it, or leaves a torn tail that
    // `cut` ignores — and the change it describes has not been made yet in either case.
    layer.journal.write_all(&entry).is_ok()
}

/// Registers the layer as the process's default SQLite VFS, journalling to `journal`
/// (created or appended to), and arms `kill` if given. Call it in the child, before the
/// first database is opened.
pub fn install(journal: &Path, kill: Option<SyncKill>) -> io::Result<()> {
    let file = OpenOptions::new().create(true).append(true).open(journal)?;
    *layer() = Some(Layer { journal: file, dirty: HashSet::new(), kill, syncs: 0 });
    if REAL_VFS.get().is_some() {
        return Ok(());
    }
    // SAFETY: sqlite3_vfs_find with a null name returns the default VFS (initialising the
    // library first); the pointer stays valid for the life of the process.
    let real = unsafe { ffi::sqlite3_vfs_find(std::ptr::null()) };
    if real.is_null() {
        return Err(io::Error::other("SQLite has no default VFS"));
    }
    let _ = REAL_VFS.set(real as usize);
    // SAFETY: `real` is SQLite's default VFS, valid and never freed; it is only read.
    let mut ours = unsafe { *real };
    ours.iVersion = ours.iVersion.min(3);
    ours.szOsFile = c_int::try_from(inner_offset()).unwrap_or(c_int::MAX).saturating_add(ours.szOsFile);
    ours.zName = c"powercut".as_ptr();
    ours.pNext = std::ptr::null_mut();
    // pAppData stays the real VFS's: its own methods, passed through below with our
    // pointer, read their settings from there.
    ours.xOpen = Some(pc_open);
    ours.xDelete = Some(pc_delete);
    let ours: &'static mut ffi::sqlite3_vfs = Box::leak(Box::new(ours));
    // SAFETY: `ours` lives for the rest of the process (leaked) and is a complete copy of
    // the real VFS with two methods replaced by ours below.
    let rc = unsafe { ffi::sqlite3_vfs_register(ours, 1) };
    if rc != ffi::SQLITE_OK {
        return Err(io::Error::other(format!("sqlite3_vfs_register: {rc}")));
    }
    Ok(())
}

/// Our file: SQLite's header, then a pointer to the real VFS's file (which follows it in
/// the same allocation) and the path it was opened by (null when unnamed: not followed).
#[repr(C)]
struct PcFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    path: *mut String,
}

fn inner_offset() -> usize {
    std::mem::size_of::<PcFile>().next_multiple_of(16)
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(pc_close),
    xRead: Some(pc_read),
    xWrite: Some(pc_write),
    xTruncate: Some(pc_truncate),
    xSync: Some(pc_sync),
    xFileSize: Some(pc_file_size),
    xLock: Some(pc_lock),
    xUnlock: Some(pc_unlock),
    xCheckReservedLock: Some(pc_check_reserved_lock),
    xFileControl: Some(pc_file_control),
    xSectorSize: Some(pc_sector_size),
    xDeviceCharacteristics: Some(pc_device_characteristics),
    xShmMap: Some(pc_shm_map),
    xShmLock: Some(pc_shm_lock),
    xShmBarrier: Some(pc_shm_barrier),
    xShmUnmap: Some(pc_shm_unmap),
    xFetch: Some(pc_fetch),
    xUnfetch: Some(pc_unfetch),
};

/// The real file and its methods behind one of ours.
///
/// # Safety
/// `file` must be a file opened by [`pc_open`] and not yet closed.
unsafe fn inner(file: *mut ffi::sqlite3_file) -> (*mut ffi::sqlite3_file, &'static ffi::sqlite3_io_methods) {
    // SAFETY: per the contract, `file` is a PcFile whose `real` was opened by the real VFS,
    // which set its methods (a static table of SQLite's) before returning success.
    unsafe {
        let real = (*file.cast::<PcFile>()).real;
        (real, &*(*real).pMethods)
    }
}

/// The path a file was opened by, when it is followed.
///
/// # Safety
/// As [`inner`].
unsafe fn path_of<'a>(file: *mut ffi::sqlite3_file) -> Option<&'a str> {
    // SAFETY: per the contract; `path` is null or a String leaked by pc_open until close.
    unsafe {
        let path = (*file.cast::<PcFile>()).path;
        (!path.is_null()).then(|| (*path).as_str())
    }
}

/// The real file's size.
///
/// # Safety
/// As [`inner`].
unsafe fn real_size(file: *mut ffi::sqlite3_file) -> Option<u64> {
    // SAFETY: per the contract.
    unsafe {
        let (real, methods) = inner(file);
        let mut size: ffi::sqlite3_int64 = 0;
        let rc = methods.xFileSize?(real, &mut size);
        (rc == ffi::SQLITE_OK).then_some(u64::try_from(size).unwrap_or(0))
    }
}

/// Journals what a change of `path` at `[offset, offset + len)` is about to overwrite
/// (and the file's length, at its first change since a sync).
///
/// # Safety
/// As [`inner`].
unsafe fn remember(file: *mut ffi::sqlite3_file, path: &str, offset: u64, len: u64) -> bool {
    // SAFETY: per the contract.
    let Some(size) = (unsafe { real_size(file) }) else { return false };
    let mut guard = layer();
    let Some(layer) = guard.as_mut() else { return true };
    if layer.dirty.insert(path.to_owned()) && !record(layer, LENGTH, path, size, &[]) {
        return false;
    }
    if offset >= size || len == 0 {
        return true;
    }
    let count = len.min(size - offset);
    let mut old = vec![0_u8; usize::try_from(count).unwrap_or(0)];
    // SAFETY: per the contract; `old` has room for `count` bytes.
    let rc = unsafe {
        let (real, methods) = inner(file);
        let Some(read) = methods.xRead else { return false };
        read(
            real,
            old.as_mut_ptr().cast(),
            c_int::try_from(count).unwrap_or(c_int::MAX),
            ffi::sqlite3_int64::try_from(offset).unwrap_or(0),
        )
    };
    rc == ffi::SQLITE_OK && record(layer, WROTE, path, offset, &old)
}

unsafe extern "C" fn pc_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let real_vfs = real_vfs();
    let path = if name.is_null() {
        None
    } else {
        // SAFETY: SQLite passes a NUL-terminated full path.
        Some(unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned())
    };
    let existed = path.as_deref().is_none_or(|path| Path::new(path).exists());
    // SAFETY: SQLite allocated `szOsFile` bytes for `file`: our header, then the real
    // file at `inner_offset()`; the real VFS is valid for the life of the process.
    unsafe {
        let ours = file.cast::<PcFile>();
        let real = file.cast::<u8>().add(inner_offset()).cast::<ffi::sqlite3_file>();
        (*ours).base.pMethods = std::ptr::null();
        (*ours).real = real;
        (*ours).path = std::ptr::null_mut();
        let Some(open) = (*real_vfs).xOpen else { return ffi::SQLITE_ERROR };
        let rc = open(real_vfs, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        (*ours).base.pMethods = &METHODS;
        if let Some(path) = path {
            if !existed {
                let mut guard = layer();
                if let Some(layer) = guard.as_mut() {
                    layer.dirty.insert(path.clone());
                    if !record(layer, CREATED, &path, 0, &[]) {
                        return ffi::SQLITE_IOERR;
                    }
                }
            }
            (*ours).path = Box::into_raw(Box::new(path));
        }
        rc
    }
}

unsafe extern "C" fn pc_delete(_vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    let real_vfs = real_vfs();
    // SAFETY: the real VFS is valid; `name` is SQLite's NUL-terminated path.
    let rc = unsafe {
        let Some(delete) = (*real_vfs).xDelete else { return ffi::SQLITE_ERROR };
        delete(real_vfs, name, sync_dir)
    };
    if rc == ffi::SQLITE_OK && !name.is_null() {
        // SAFETY: as above.
        let path = unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned();
        let mut guard = layer();
        if let Some(layer) = guard.as_mut() {
            layer.dirty.remove(&path);
            if !record(layer, DELETED, &path, 0, &[]) {
                return ffi::SQLITE_IOERR_DELETE;
            }
        }
    }
    rc
}

unsafe extern "C" fn pc_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes each file it opened through us once.
    unsafe {
        let (real, methods) = inner(file);
        let rc = methods.xClose.map_or(ffi::SQLITE_OK, |close| close(real));
        let ours = file.cast::<PcFile>();
        if !(*ours).path.is_null() {
            drop(Box::from_raw((*ours).path));
            (*ours).path = std::ptr::null_mut();
        }
        rc
    }
}

unsafe extern "C" fn pc_read(
    file: *mut ffi::sqlite3_file,
    buffer: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xRead.map_or(ffi::SQLITE_IOERR_READ, |read| read(real, buffer, amount, offset))
    }
}

unsafe extern "C" fn pc_write(
    file: *mut ffi::sqlite3_file,
    buffer: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: a file of ours; the old bytes are journalled before the real write.
    unsafe {
        if let Some(path) = path_of(file) {
            let start = u64::try_from(offset).unwrap_or(0);
            if !remember(file, path, start, u64::try_from(amount).unwrap_or(0)) {
                return ffi::SQLITE_IOERR_WRITE;
            }
        }
        let (real, methods) = inner(file);
        methods.xWrite.map_or(ffi::SQLITE_IOERR_WRITE, |write| write(real, buffer, amount, offset))
    }
}

unsafe extern "C" fn pc_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: a file of ours; the tail cut off is journalled before the real truncation.
    unsafe {
        if let Some(path) = path_of(file) {
            let start = u64::try_from(size).unwrap_or(0);
            if !remember(file, path, start, u64::MAX - start) {
                return ffi::SQLITE_IOERR_TRUNCATE;
            }
        }
        let (real, methods) = inner(file);
        methods.xTruncate.map_or(ffi::SQLITE_IOERR_TRUNCATE, |truncate| truncate(real, size))
    }
}

/// Kills the process here when the harness aimed at this fsync.
fn kill_if_aimed(path: &str) {
    let kind = FileKind::of(path);
    let mut guard = layer();
    let Some(layer) = guard.as_mut() else { return };
    let Some(kill) = &layer.kill else { return };
    if kill.kind != kind {
        return;
    }
    layer.syncs += 1;
    if layer.syncs != kill.nth {
        return;
    }
    if let Ok(mut mark) = File::create(&kill.mark) {
        let _ = mark.write_all(kind.name().as_bytes());
        let _ = mark.sync_all();
    }
    let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
    std::process::abort();
}

unsafe extern "C" fn pc_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: a file of ours; the sync is noted only once the real one succeeded.
    unsafe {
        if let Some(path) = path_of(file) {
            kill_if_aimed(path);
        }
        let (real, methods) = inner(file);
        let rc = methods.xSync.map_or(ffi::SQLITE_IOERR_FSYNC, |sync| sync(real, flags));
        if rc == ffi::SQLITE_OK
            && let Some(path) = path_of(file)
        {
            let mut guard = layer();
            if let Some(layer) = guard.as_mut() {
                layer.dirty.remove(path);
                if !record(layer, SYNCED, path, 0, &[]) {
                    return ffi::SQLITE_IOERR_FSYNC;
                }
            }
        }
        rc
    }
}

unsafe extern "C" fn pc_file_size(file: *mut ffi::sqlite3_file, size: *mut ffi::sqlite3_int64) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xFileSize.map_or(ffi::SQLITE_IOERR_FSTAT, |file_size| file_size(real, size))
    }
}

unsafe extern "C" fn pc_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xLock.map_or(ffi::SQLITE_IOERR_LOCK, |lock| lock(real, level))
    }
}

unsafe extern "C" fn pc_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xUnlock.map_or(ffi::SQLITE_IOERR_UNLOCK, |unlock| unlock(real, level))
    }
}

unsafe extern "C" fn pc_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xCheckReservedLock.map_or(ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, |check| check(real, out))
    }
}

unsafe extern "C" fn pc_file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    // SAFETY: a file of ours. A size hint may grow the file outside xWrite: its length
    // before is journalled first.
    unsafe {
        if op == ffi::SQLITE_FCNTL_SIZE_HINT
            && let Some(path) = path_of(file)
            && !remember(file, path, 0, 0)
        {
            return ffi::SQLITE_IOERR;
        }
        let (real, methods) = inner(file);
        methods.xFileControl.map_or(ffi::SQLITE_NOTFOUND, |control| control(real, op, arg))
    }
}

unsafe extern "C" fn pc_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xSectorSize.map_or(4096, |sector_size| sector_size(real))
    }
}

unsafe extern "C" fn pc_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xDeviceCharacteristics.map_or(0, |characteristics| characteristics(real))
    }
}

unsafe extern "C" fn pc_shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xShmMap.map_or(ffi::SQLITE_IOERR_SHMMAP, |map| map(real, page, page_size, extend, out))
    }
}

unsafe extern "C" fn pc_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xShmLock.map_or(ffi::SQLITE_IOERR_SHMLOCK, |lock| lock(real, offset, n, flags))
    }
}

unsafe extern "C" fn pc_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        if let Some(barrier) = methods.xShmBarrier {
            barrier(real);
        }
    }
}

unsafe extern "C" fn pc_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        methods.xShmUnmap.map_or(ffi::SQLITE_OK, |unmap| unmap(real, delete))
    }
}

unsafe extern "C" fn pc_fetch(
    file: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: a file of ours, passed straight through when the real file maps memory;
    // otherwise "no mapping", and SQLite reads with xRead.
    unsafe {
        let (real, methods) = inner(file);
        match methods.xFetch {
            Some(fetch) if methods.iVersion >= 3 => fetch(real, offset, amount, out),
            _ => {
                *out = std::ptr::null_mut();
                ffi::SQLITE_OK
            }
        }
    }
}

unsafe extern "C" fn pc_unfetch(
    file: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    page: *mut c_void,
) -> c_int {
    // SAFETY: a file of ours, passed straight through.
    unsafe {
        let (real, methods) = inner(file);
        match methods.xUnfetch {
            Some(unfetch) if methods.iVersion >= 3 => unfetch(real, offset, page),
            _ => ffi::SQLITE_OK,
        }
    }
}

/// What [`cut`] undid.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CutReport {
    /// Files that had unsynced changes and were put back to their last synced state.
    pub files_restored: usize,
    /// Writes and truncations undone.
    pub changes_undone: usize,
    /// Bytes put back.
    pub bytes_restored: u64,
    /// Files created and never synced, removed.
    pub files_removed: usize,
}

/// One file's changes since its last sync, as the journal tells them.
#[derive(Default)]
struct Pending {
    created: bool,
    length: Option<u64>,
    undo: Vec<(u64, Vec<u8>)>,
}

/// Cuts the power: after the child that journalled to `journal` was killed, puts every
/// file it changed back to what it was at that file's last `fsync`, removes SQLite's
/// shared-memory files beside them, and removes the journal.
pub fn cut(journal: &Path) -> io::Result<CutReport> {
    let mut bytes = Vec::new();
    File::open(journal)?.read_to_end(&mut bytes)?;
    let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut at = 0_usize;
    while let Some((kind, path, number, data, next)) = parse(&bytes, at) {
        at = next;
        seen.insert(path.clone());
        match kind {
            WROTE => pending.entry(path).or_default().undo.push((number, data)),
            LENGTH => {
                let entry = pending.entry(path).or_default();
                entry.length.get_or_insert(number);
            }
            CREATED => {
                pending.insert(path, Pending { created: true, ..Pending::default() });
            }
            SYNCED | DELETED => {
                pending.remove(&path);
            }
            _ => break,
        }
    }
    let mut report = CutReport::default();
    for (path, change) in pending {
        let path = PathBuf::from(path);
        if change.created {
            if path.exists() {
                std::fs::remove_file(&path)?;
                report.files_removed += 1;
            }
            continue;
        }
        if !path.exists() {
            continue;
        }
        let file = OpenOptions::new().write(true).open(&path)?;
        for (offset, old) in change.undo.iter().rev() {
            file.write_all_at(old, *offset)?;
            report.changes_undone += 1;
            report.bytes_restored += old.len() as u64;
        }
        if let Some(length) = change.length {
            file.set_len(length)?;
        }
        report.files_restored += 1;
    }
    for path in seen {
        let shm = PathBuf::from(format!("{path}-shm"));
        if shm.exists() {
            std::fs::remove_file(shm)?;
        }
    }
    std::fs::remove_file(journal)?;
    Ok(report)
}

/// One entry from `at`: kind, path, number, bytes and where the next begins; `None` at the
/// end or at a torn tail.
fn parse(bytes: &[u8], at: usize) -> Option<(u8, String, u64, Vec<u8>, usize)> {
    let kind = *bytes.get(at)?;
    let path_len = usize::try_from(u32::from_le_bytes(bytes.get(at + 1..at + 5)?.try_into().ok()?)).ok()?;
    let mut next = at + 5;
    let path = String::from_utf8(bytes.get(next..next + path_len)?.to_vec()).ok()?;
    next += path_len;
    let number = u64::from_le_bytes(bytes.get(next..next + 8)?.try_into().ok()?);
    next += 8;
    let data_len = usize::try_from(u32::from_le_bytes(bytes.get(next..next + 4)?.try_into().ok()?)).ok()?;
    next += 4;
    let data = bytes.get(next..next + data_len)?.to_vec();
    next += data_len;
    Some((kind, path, number, data, next))
}
