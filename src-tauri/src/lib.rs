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
pub mod paths;

use std::process::ExitCode;

/// State shared by all commands.
pub struct AppState {
    /// Where this installation keeps its data.
    pub paths: paths::AppPaths,
}

/// Builds and runs the application until the last window closes.
pub fn run() -> ExitCode {
    let app = tauri::Builder::default()
        .setup(|app| {
            let paths = paths::AppPaths::resolve(app.handle())?;
            paths.create_all()?;
            logging::init(&paths.log_dir);
            tracing::info!(data_dir = %paths.data_dir.display(), "permit-desk starting");
            tauri::Manager::manage(app, AppState { paths });
            Ok(())
        })
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
