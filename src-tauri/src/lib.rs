//! The Tauri v2 shell of permit-desk.
//!
//! Thin by design: start-up ([`run`]), paths ([`paths`]), logging ([`logging`]),
//! the typed commands ([`commands`]), their transport types ([`json`]) and the single
//! mapping of every `app` error to a [`error::UiError`] the UI can switch on. Business
//! decisions live in the `app` crate; a command that branches on business data is a bug.

pub mod commands;
pub mod desk;
// The transport types and the UI's error live in `crates/wire`, shared with the office
// server to come; the shell names them as before.
pub use wire::{error, json};
pub mod logging;
pub mod media;
pub mod paths;
pub mod settings;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// State shared by all commands.
pub struct AppState {
    /// Where this installation keeps its data.
    pub paths: paths::AppPaths,
    /// The office store once a clerk has unlocked it (`None` before the first log-in).
    /// Commands take the lock on a blocking thread, never on the window's thread.
    pub office: Arc<Mutex<Option<app::office::Office>>>,
    /// The command line and environment, read once at start-up.
    pub settings: settings::Settings,
    /// The renderer (font parsed once, on the first preview) and the office's details.
    pub printing: Arc<Mutex<Option<Arc<app::printing::Printing>>>>,
    /// The background sync with the provincial platform.
    pub sync: app::sync::SyncLoop,
    /// The watched folder of the scan panel, once the clerk has chosen one.
    pub scan_folder: Arc<Mutex<Option<app::scan_folder::FolderWatch>>>,
    /// The ID-card reader at this counter.
    pub reader: Arc<app::idcard::CounterReader>,
    /// The screen facing the applicant (what it shows, their answers).
    pub applicant: Arc<app::applicant_screen::ApplicantScreen>,
    /// The wall clock watched since the start (or since an administrator last confirmed
    /// it): a clock moved while the app runs is said in the header.
    pub clock_watch: Mutex<Option<app::clock::ClockWatch>>,
    /// The backend's idle lock: the office locks itself after the idle limit without a
    /// clerk command, whatever the page does.
    pub idle: Arc<app::office::IdleLock>,
    /// The office server this PC joined as a desk, if it did (then it has no office store
    /// of its own and the page's commands go to that server).
    pub desk: desk::DeskState,
}

impl AppState {
    /// How to reach SANE: the system's configuration (or `SANE_CONFIG_DIR` from the
    /// environment, which scanimage reads itself), pages written under the data directory.
    pub fn sane_env(&self) -> app::scans::SaneEnv {
        app::scans::SaneEnv { work_dir: Some(self.paths.scans_dir.clone()), ..Default::default() }
    }
}

/// Builds and runs the application until the last window closes.
pub fn run() -> ExitCode {
    let app = tauri::Builder::default()
        .setup(|app| {
            let settings = settings::Settings::from_process();
            let paths = paths::AppPaths::resolve(app.handle(), settings.data_dir.as_deref())?;
            // A data folder that cannot be made is no reason to exit: the window starts and
            // says so (`office_status` refuses with DATA_FOLDER_UNUSABLE), with 重试.
            if let Err(error) = app::office::Office::prepare_folders(&paths.folders()) {
                eprintln!("permit-desk: {error}");
            }
            logging::init(&paths.log_dir, &settings.log_filter);
            tracing::info!(data_dir = %paths.data_dir.display(), "permit-desk starting");
            let office = Arc::new(Mutex::new(None));
            let printing = Arc::new(Mutex::new(None));
            let sync = app::sync::SyncLoop::start(office.clone(), settings.sync_config())?;
            if let Some(window) = tauri::Manager::get_webview_window(app, "main") {
                media::enable_camera(&window)?;
            }
            let reader = Arc::new(app::idcard::CounterReader::with_library(
                settings.idcard_port.clone(),
                settings.idcard_library.clone(),
            ));
            let scan_folder = Arc::new(Mutex::new(None));
            let idle_lock_minutes = settings.idle_lock_minutes;
            let desk = desk::DeskState::load(paths.desk_file.clone());
            desk.follow_events(app.handle());
            tauri::Manager::manage(
                app,
                AppState {
                    paths,
                    office,
                    settings,
                    printing,
                    sync,
                    scan_folder,
                    clock_watch: Mutex::new(app::clock::ClockWatch::start()),
                    idle: Arc::new(app::office::IdleLock::new(std::time::Duration::from_secs(
                        60 * u64::from(idle_lock_minutes),
                    ))),
                    reader,
                    applicant: Arc::default(),
                    desk,
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
