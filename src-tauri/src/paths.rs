//! Where the app keeps its files: resolved once at start-up, in one place.
//!
//! By default everything lives under the OS data directory for the app (on Linux
//! `~/.local/share/org.permitdesk.counter`). The environment variable
//! [`DATA_DIR_ENV`] or the command-line option `--data-dir PATH` (which wins) moves all
//! of it (database, scans, logs, config) to one folder, for tests and demos. Nothing is ever written next to the binary. Lower crates never look
//! directories up: they receive these paths.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Manager, Runtime};

/// Overrides the data directory (and everything under it).
pub const DATA_DIR_ENV: &str = "PERMIT_DESK_DATA_DIR";

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
    /// The optional `config.toml`.
    pub config_file: PathBuf,
}

impl AppPaths {
    /// Resolves the paths from `--data-dir`, the environment override or the OS data
    /// directory, in that order.
    pub fn resolve<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Self> {
        let data_dir = match data_dir_argument(std::env::args()) {
            Some(dir) => dir,
            None => match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => app.path().app_data_dir()?,
            },
        };
        Ok(Self::under(&data_dir))
    }

    /// The layout under one root folder.
    pub fn under(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            db_dir: data_dir.join("db"),
            scans_dir: data_dir.join("scans"),
            log_dir: data_dir.join("logs"),
            config_file: data_dir.join("config.toml"),
        }
    }

    /// Creates the folders that must exist.
    pub fn create_all(&self) -> std::io::Result<()> {
        for dir in [&self.data_dir, &self.db_dir, &self.scans_dir, &self.log_dir] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }
}

/// The value of `--data-dir PATH` or `--data-dir=PATH`, if given and not empty.
fn data_dir_argument(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--data-dir") {
            Some("") => args.next(),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            return Some(PathBuf::from(value));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn data_dir_option_in_both_spellings() {
        assert_eq!(data_dir_argument(args(&["pd", "--data-dir", "/tmp/a"])), Some(PathBuf::from("/tmp/a")));
        assert_eq!(data_dir_argument(args(&["pd", "--data-dir=/tmp/b"])), Some(PathBuf::from("/tmp/b")));
        assert_eq!(data_dir_argument(args(&["pd", "--data-dir"])), None, "a missing value is ignored");
        assert_eq!(data_dir_argument(args(&["pd", "--data-directory=/x"])), None);
    }

    #[test]
    fn layout_stays_under_the_root() {
        let paths = AppPaths::under(Path::new("/tmp/pd"));
        for path in [&paths.db_dir, &paths.scans_dir, &paths.log_dir, &paths.config_file] {
            assert!(path.starts_with("/tmp/pd"), "{} escapes the data dir", path.display());
        }
    }
}
