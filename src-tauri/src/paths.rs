//! Where the app keeps its files: resolved once at start-up, in one place.
//!
//! By default everything lives under the OS data directory for the app (on Linux
//! `~/.local/share/org.permitdesk.counter`). `--data-dir PATH` or `PERMIT_DESK_DATA_DIR`
//! (read in [`crate::settings`]) moves all of it (database, scans, logs) to one folder, for
//! tests and demos. Nothing is ever written next to the binary. Lower crates never look
//! directories up: they receive these paths.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Manager, Runtime};

/// The folders of one installation.
#[derive(Debug, Clone)]
pub struct AppPaths {
    /// Root of the installation's data.
    pub data_dir: PathBuf,
    /// The office database lives here.
    pub db_dir: PathBuf,
    /// Normalised scanned pages.
    pub scans_dir: PathBuf,
    /// Log files (never personal data).
    pub log_dir: PathBuf,
    /// A joined desk's key, certificate and pinned office CA (`desk-link`), 0600.
    pub desk_file: PathBuf,
}

impl AppPaths {
    /// The paths under the data directory the settings name, else the OS data directory.
    pub fn resolve<R: Runtime>(app: &AppHandle<R>, data_dir: Option<&Path>) -> tauri::Result<Self> {
        match data_dir {
            Some(dir) => Ok(Self::under(dir)),
            None => Ok(Self::under(&app.path().app_data_dir()?)),
        }
    }

    /// The layout under one root folder.
    pub fn under(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            db_dir: data_dir.join("db"),
            scans_dir: data_dir.join("scans"),
            log_dir: data_dir.join("logs"),
            desk_file: data_dir.join("desk.json"),
        }
    }

    /// The folders that must exist, outermost first (made by `app::office::prepare_folders`).
    pub fn folders(&self) -> [&Path; 4] {
        [&self.data_dir, &self.db_dir, &self.scans_dir, &self.log_dir]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_stays_under_the_root() {
        let paths = AppPaths::under(Path::new("/tmp/pd"));
        for path in [&paths.db_dir, &paths.scans_dir, &paths.log_dir, &paths.desk_file] {
            assert!(path.starts_with("/tmp/pd"), "{} escapes the data dir", path.display());
        }
    }
}
