//! The Tauri v2 shell of permit-desk.
//!
//! Thin by design: start-up ([`run`]), paths ([`paths`]), logging ([`logging`]),
//! the typed commands ([`commands`]), their transport types ([`json`]) and the single
//! mapping of every `app` error to a [`error::UiError`] the UI can switch on. Business
//! decisions live in the `app` crate; a command that branches on business data is a bug.

pub mod commands;
pub mod error;
pub mod json;
pub mod logging;
pub mod media;
pub mod paths;
pub mod sync_loop;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// Minutes without keyboard or mouse activity before the screen locks, unless
/// [`IDLE_LOCK_ENV`] says otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;

/// Overrides the idle-lock delay in minutes (1–240).
pub const IDLE_LOCK_ENV: &str = "PERMIT_DESK_IDLE_LOCK_MINUTES";

/// State shared by all commands.
pub struct AppState {
    /// Where this installation keeps its data.
    pub paths: paths::AppPaths,
    /// The office store once a clerk has unlocked it (`None` before the first log-in).
    /// Commands take the lock on a blocking thread, never on the window's thread.
    pub office: Arc<Mutex<Option<app::office::Office>>>,
    /// Minutes of inactivity before the window locks itself.
    pub idle_lock_minutes: u32,
    /// The renderer (font parsed once, on the first preview) and the office's details.
    pub printing: Arc<Mutex<Option<Arc<app::printing::Printing>>>>,
    /// The CUPS server (`host:port`), from [`CUPS_SERVER_ENV`] or `localhost:631`.
    pub cups_server: (String, u16),
    /// The background sync with the provincial platform.
    pub sync: sync_loop::SyncLoop,
    /// The watched folder of the scan panel, once the clerk has chosen one.
    pub scan_folder: Arc<Mutex<Option<app::scan_folder::FolderWatch>>>,
}

impl AppState {
    /// How to reach SANE: the system's configuration (or `SANE_CONFIG_DIR` from the
    /// environment, which scanimage reads itself), pages written under the data directory.
    pub fn sane_env(&self) -> app::scans::SaneEnv {
        app::scans::SaneEnv { work_dir: Some(self.paths.scans_dir.clone()), ..Default::default() }
    }
}

/// Sends print jobs to another CUPS server (`host:port`), e.g. the tests' private one.
pub const CUPS_SERVER_ENV: &str = "PERMIT_DESK_CUPS_SERVER";

/// `host:port` from the environment, or the local CUPS.
pub fn cups_server(value: Option<&str>) -> (String, u16) {
    value
        .and_then(|text| text.trim().rsplit_once(':'))
        .and_then(|(host, port)| Some((host.to_owned(), port.parse::<u16>().ok()?)))
        .filter(|(host, _)| !host.is_empty())
        .unwrap_or_else(|| ("localhost".to_owned(), 631))
}

/// The idle-lock delay from the environment, or the default when unset or out of range.
pub fn idle_lock_minutes(value: Option<&str>) -> u32 {
    value
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|minutes| (1..=240).contains(minutes))
        .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES)
}

/// Builds and runs the application until the last window closes.
pub fn run() -> ExitCode {
    let app = tauri::Builder::default()
        .setup(|app| {
            let paths = paths::AppPaths::resolve(app.handle())?;
            paths.create_all()?;
            logging::init(&paths.log_dir);
            tracing::info!(data_dir = %paths.data_dir.display(), "permit-desk starting");
            let idle_lock_minutes = idle_lock_minutes(std::env::var(IDLE_LOCK_ENV).ok().as_deref());
            let office = Arc::new(Mutex::new(None));
            let printing = Arc::new(Mutex::new(None));
            let cups_server = cups_server(std::env::var(CUPS_SERVER_ENV).ok().as_deref());
            let sync = sync_loop::SyncLoop::start(office.clone(), sync_loop::config_from_env())?;
            if let Some(window) = tauri::Manager::get_webview_window(app, "main") {
                media::enable_camera(&window)?;
            }
            tauri::Manager::manage(
                app,
                AppState {
                    paths,
                    office,
                    idle_lock_minutes,
                    printing,
                    cups_server,
                    sync,
                    scan_folder: Arc::new(Mutex::new(None)),
                },
            );
            Ok(())
        })
        .on_permission_request(|_webview, kind| media::permission(kind))
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    match app {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Logging may not be up yet if start-up itself failed: stderr is all we have.
            eprintln!("permit-desk: could not start: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_lock_delay_is_bounded() {
        assert_eq!(idle_lock_minutes(None), DEFAULT_IDLE_LOCK_MINUTES);
        assert_eq!(idle_lock_minutes(Some("5")), 5);
        assert_eq!(idle_lock_minutes(Some("0")), DEFAULT_IDLE_LOCK_MINUTES, "never disabled");
        assert_eq!(idle_lock_minutes(Some("ten")), DEFAULT_IDLE_LOCK_MINUTES);
        assert_eq!(idle_lock_minutes(Some("100000")), DEFAULT_IDLE_LOCK_MINUTES);
    }

    #[test]
    fn cups_server_from_the_environment() {
        assert_eq!(cups_server(None), ("localhost".to_owned(), 631));
        assert_eq!(cups_server(Some("127.0.0.1:40631")), ("127.0.0.1".to_owned(), 40631));
        assert_eq!(cups_server(Some("nonsense")), ("localhost".to_owned(), 631));
        assert_eq!(cups_server(Some(":631")), ("localhost".to_owned(), 631));
    }
}
