//! Intake commands: what the clerk types into the application form.

use crate::error::UiError;
use crate::json::IdNumberInfo;

/// Validates and decodes an ID number typed by the clerk.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn check_id_number(input: String) -> Result<IdNumberInfo, UiError> {
    let today = app::clock::today();
    let report = app::intake::check_id_number(&input, today)?;
    Ok(IdNumberInfo::from_report(report, today))
}
