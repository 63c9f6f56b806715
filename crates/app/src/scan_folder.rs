//! The watched folder: scanners that save to disk (a "scan to folder" button, a network
//! share) drop image files into a folder the clerk chose; while the scan panel is open,
//! the window asks every couple of seconds for what is new, and each new file goes through
//! the same pipeline as an imported file and into the open case.
//!
//! The folder is remembered per installation in `scan-folder.json` in the data directory
//! (`{"folder": "/home/…/扫描"}`). Watching starts with the files already in the folder
//! left alone: they may be another applicant's pages. A file is taken once it has stopped
//! growing ([`scan::WatchedFolder`]); once its page is stored with the case, the file is
//! moved into the folder's `imported/` subfolder, so the folder shows what is still to
//! come and nothing is imported twice, also after a restart. A file the pipeline refuses
//! (a PDF, a damaged image) stays where it is and is reported once with its Chinese
//! sentence; nothing else is lost.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use scan::{IntakeOptions, Page, WatchedFolder};

use crate::AppError;
use crate::cases::CaseId;
use crate::office::Office;
use crate::scans::{self, Overview};

/// The settings file in the data directory.
pub const SETTINGS_FILE: &str = "scan-folder.json";
/// Where imported files are moved, inside the watched folder.
pub const IMPORTED_DIR: &str = "imported";

/// The folder remembered for this installation, if any.
pub fn saved_folder(data_dir: &Path) -> Result<Option<PathBuf>, AppError> {
    let path = data_dir.join(SETTINGS_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(AppError::io("read scan-folder.json"))?;
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Ok(value["folder"].as_str().filter(|folder| !folder.trim().is_empty()).map(PathBuf::from))
}

/// Checks `folder` is an existing folder, starts watching it and remembers it for this
/// installation.
pub fn choose_folder(data_dir: &Path, folder: &str) -> Result<FolderWatch, AppError> {
    let watch = FolderWatch::start(Path::new(folder.trim()))?;
    let text = serde_json::json!({ "folder": watch.dir() }).to_string();
    crate::archive::write_atomically(&data_dir.join(SETTINGS_FILE), text.as_bytes())?;
    Ok(watch)
}

/// A folder being watched.
#[derive(Debug)]
pub struct FolderWatch {
    folder: WatchedFolder,
}

impl FolderWatch {
    /// Watches `dir`, leaving the files already in it alone.
    pub fn start(dir: &Path) -> Result<FolderWatch, AppError> {
        if dir.as_os_str().is_empty() || !dir.is_dir() {
            return Err(AppError::ScanFolderMissing { folder: dir.display().to_string() });
        }
        Ok(FolderWatch { folder: WatchedFolder::skipping_existing(dir)? })
    }

    /// The folder watched.
    pub fn dir(&self) -> &Path {
        self.folder.dir()
    }
}

/// A file the pipeline refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The file's name.
    pub name: String,
    /// The error's stable code (`SCAN_PDF_NOT_SUPPORTED`, …).
    pub code: crate::problem::ErrorCode,
    /// The Chinese sentence for the clerk.
    pub message: String,
}

/// The new files of one poll, through the pipeline.
#[derive(Debug, Default)]
pub struct Batch {
    /// Normalised pages with the file each came from, in name order.
    pub pages: Vec<(PathBuf, Page)>,
    /// The files refused.
    pub refused: Vec<Refused>,
}

/// What one poll brought into the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Names of the files stored as pages (and moved into `imported/`).
    pub files: Vec<String>,
    /// The files refused, each with its reason.
    pub refused: Vec<Refused>,
    /// The case's pages afterwards.
    pub overview: Overview,
}

/// Takes the new, complete files of the folder and runs each through the pipeline. Needs
/// no office (decoding takes time); [`store`] then puts the pages into the case.
pub fn take_new(watch: &mut FolderWatch, options: &IntakeOptions) -> Result<Batch, AppError> {
    let mut batch = Batch::default();
    for path in watch.folder.poll()? {
        match scan::intake_file_pages(&path, options) {
            // A PDF brings its pages in order, all from the one file.
            Ok(pages) => batch.pages.extend(pages.into_iter().map(|page| (path.clone(), page))),
            Err(error) => batch.refused.push(Refused {
                name: file_name(&path),
                code: crate::problem::scan_code(&error),
                message: error.message_zh(),
            }),
        }
    }
    Ok(batch)
}

/// A new file of the watched folder at a desk of an office server, as it lies on disk: the
/// server checks and normalises it (`import_page`), as it does the desk's scanned pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskFile {
    /// The file's name in the folder.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// How many bytes of files one poll at a desk hands the window, at most (one file larger
/// than this, within the intake's limit, still goes alone).
const DESK_POLL_BYTES: u64 = 64 * 1024 * 1024;

/// At a desk of an office server: the new, complete files of the folder as they are, for
/// the window to upload; a file too large or unreadable is refused here with its sentence
/// (and stays in the folder). Nothing is moved until [`desk_file_done`] says how its upload
/// went.
pub fn take_new_at_desk(watch: &mut FolderWatch) -> Result<(Vec<DeskFile>, Vec<Refused>), AppError> {
    let mut files = Vec::new();
    let mut refused = Vec::new();
    let mut taken = 0;
    for path in watch.folder.poll()? {
        let name = file_name(&path);
        // Over the intake's own limit the server would refuse it after a long upload.
        let size = std::fs::metadata(&path).map(|metadata| metadata.len()).unwrap_or(0);
        // A poll hands the window a bounded amount (it crosses as base64 in one message);
        // the rest comes at the next.
        if !files.is_empty() && taken + size > DESK_POLL_BYTES {
            watch.folder.hand_back(&path);
            continue;
        }
        let limit = scan::Limits::default().max_file_bytes;
        if size > limit {
            let error = scan::ScanError::TooLarge { bytes: size, limit };
            refused.push(Refused {
                name,
                code: crate::problem::scan_code(&error),
                message: error.message_zh(),
            });
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => {
                taken += size;
                files.push(DeskFile { name, bytes });
            }
            Err(source) => {
                let error = scan::ScanError::Io { what: name.clone(), source };
                refused.push(Refused {
                    name,
                    code: crate::problem::scan_code(&error),
                    message: error.message_zh(),
                });
            }
        }
    }
    Ok((files, refused))
}

/// How the upload of a watched file from a desk went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskFileOutcome {
    /// The server stored its pages: the file goes into `imported/`.
    Stored,
    /// The server refused it (its sentence shown): it stays where it is, reported once.
    Refused,
    /// The server did not answer: it stays, and is handed out again at a later poll.
    Retry,
}

/// After the window uploaded `name` from the watched folder: moved into `imported/` when
/// stored, handed out again when the server did not answer, left alone when refused. A
/// name that is not a file of the folder is refused (the window names only what it got).
pub fn desk_file_done(watch: &mut FolderWatch, name: &str, outcome: DeskFileOutcome) -> Result<(), AppError> {
    let plain = !name.is_empty() && Path::new(name).file_name().is_some_and(|file| file == name);
    let path = watch.dir().join(name);
    if !plain || !path.is_file() {
        return Err(AppError::ScanFolderMissing { folder: watch.dir().join(name).display().to_string() });
    }
    match outcome {
        DeskFileOutcome::Stored => {
            move_into_imported(&path).map_err(AppError::io("move the file into imported/"))
        }
        DeskFileOutcome::Refused => Ok(()),
        DeskFileOutcome::Retry => {
            watch.folder.hand_back(&path);
            Ok(())
        }
    }
}

/// Stores the batch's pages at the end of the case, linked to `evidence`, then moves each
/// stored file into `imported/`. Needs 受理.
pub fn store(
    office: &mut Office,
    case_id: &CaseId,
    batch: Batch,
    evidence: &str,
    now: DateTime<Utc>,
) -> Result<Imported, AppError> {
    let mut files = Vec::with_capacity(batch.pages.len());
    let mut refused = batch.refused;
    if !batch.pages.is_empty() {
        let pages: Vec<Page> = batch.pages.iter().map(|(_, page)| page.clone()).collect();
        scans::attach(office, case_id, &pages, evidence, now)?;
        let mut paths: Vec<&PathBuf> = Vec::new();
        for (path, _) in &batch.pages {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        for path in paths {
            let name = file_name(path);
            // The page is stored; a file that cannot be moved is reported, not lost.
            if let Err(error) = move_into_imported(path) {
                refused.push(Refused {
                    name: name.clone(),
                    code: crate::problem::ErrorCode::ScanFolderMoveFailed,
                    message: format!(
                        "已导入，但无法移入 {IMPORTED_DIR} 文件夹（{}），请手动移走以免重复导入。",
                        error.kind()
                    ),
                });
            }
            files.push(name);
        }
    }
    Ok(Imported { files, refused, overview: scans::overview(office, case_id)? })
}

fn move_into_imported(path: &Path) -> std::io::Result<()> {
    let Some(dir) = path.parent() else { return Ok(()) };
    let imported = dir.join(IMPORTED_DIR);
    std::fs::create_dir_all(&imported)?;
    let name = path.file_name().unwrap_or_default();
    let mut target = imported.join(name);
    let mut counter = 1;
    while target.exists() {
        let stem = Path::new(name).file_stem().unwrap_or_default().to_string_lossy();
        let extension =
            Path::new(name).extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
        target = imported.join(format!("{stem}-{counter}{extension}"));
        counter += 1;
    }
    std::fs::rename(path, target)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}
