//! A watched folder, for scanners that save to disk (a network share or a USB scanner's
//! "scan to folder" button): each new file is handed out once, when it has stopped growing.
//!
//! Polling, not inotify: network shares do not report changes, and a poll every second or
//! two is cheap. The caller runs each path through [`crate::intake_file`] and decides what
//! to do with the file afterwards (the app moves it into an `imported/` folder).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::ScanError;

/// Size and modification time: a file whose state is unchanged between two polls is
/// complete.
type FileState = (u64, Option<SystemTime>);

/// A folder polled for new files.
#[derive(Debug)]
pub struct WatchedFolder {
    dir: PathBuf,
    /// Size and modification time of files not yet handed out, as last seen.
    growing: HashMap<PathBuf, FileState>,
    /// Files already handed out (or present at the start, if skipped).
    handed_out: HashSet<PathBuf>,
}

impl WatchedFolder {
    /// Watches `dir`; files already in it count as new.
    pub fn new(dir: &Path) -> Self {
        WatchedFolder { dir: dir.to_owned(), growing: HashMap::new(), handed_out: HashSet::new() }
    }

    /// Watches `dir`, ignoring the files already in it.
    pub fn skipping_existing(dir: &Path) -> Result<Self, ScanError> {
        let mut folder = WatchedFolder::new(dir);
        folder.handed_out = folder.list()?.into_iter().map(|(path, _)| path).collect();
        Ok(folder)
    }

    /// The folder watched.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files that are new and complete since the last poll, sorted by name.
    ///
    /// A file is complete when its size and modification time are the same at two polls in
    /// a row and it is not empty, so a page still being written is picked up at a later
    /// poll. Hidden files and the usual partial-download names (`.part`, `.tmp`, `~`) are
    /// skipped.
    pub fn poll(&mut self) -> Result<Vec<PathBuf>, ScanError> {
        let mut ready = Vec::new();
        let mut still_growing = HashMap::new();
        for (path, state) in self.list()? {
            if self.handed_out.contains(&path) {
                continue;
            }
            if state.0 > 0 && self.growing.get(&path) == Some(&state) {
                ready.push(path);
            } else {
                still_growing.insert(path, state);
            }
        }
        self.growing = still_growing;
        ready.sort();
        self.handed_out.extend(ready.iter().cloned());
        Ok(ready)
    }

    /// Hands `path` out again at a later poll (once it is seen unchanged again): its page
    /// could not be stored this time (a desk whose office server did not answer), and the
    /// file, still in the folder, must not be forgotten.
    pub fn hand_back(&mut self, path: &Path) {
        self.handed_out.remove(path);
    }

    fn list(&self) -> Result<Vec<(PathBuf, FileState)>, ScanError> {
        let io_error = |source| ScanError::Io { what: self.dir.display().to_string(), source };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.')
                || name.ends_with(".part")
                || name.ends_with(".tmp")
                || name.ends_with('~')
            {
                continue;
            }
            // A file deleted between listing and looking is simply not there.
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_file() {
                files.push((entry.path(), (metadata.len(), metadata.modified().ok())));
            }
        }
        Ok(files)
    }
}
