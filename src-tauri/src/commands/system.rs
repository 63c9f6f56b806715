//! Commands about the installation itself.

use tauri::State;

use crate::AppState;
use crate::json::AppInfo;

/// Version, today's date and the data directory, for the header.
#[tauri::command]
pub async fn get_app_info(state: State<'_, AppState>) -> Result<AppInfo, crate::error::UiError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        today: app::clock::today().to_string(),
        data_dir: state.paths.data_dir.display().to_string(),
        about: app::about::about()?.into(),
    })
}
