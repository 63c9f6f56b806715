//! Intake commands: what the clerk types into the application form.

use tauri::State;

use super::with_office;
use crate::AppState;

use crate::error::UiError;
use crate::json::{
    AssessmentInfo, DivisionChoice, EthnicChoice, IdNumberInfo, LevelName, ProfileInfo, RecordJson,
};

/// Validates and decodes an ID number typed by the clerk.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn check_id_number(input: String) -> Result<IdNumberInfo, UiError> {
    Ok(wire::commands::check_id_number(input)?)
}

/// Searches the division picker; `level` is `province`, `city` or `county`, `within` a
/// parent code.
#[tauri::command]
pub async fn search_divisions(
    query: String,
    level: Option<LevelName>,
    within: Option<String>,
) -> Result<Vec<DivisionChoice>, UiError> {
    Ok(wire::commands::search_divisions(query, level, within)?)
}

/// Searches the ethnic-group picker.
#[tauri::command]
pub async fn search_ethnic_groups(query: String) -> Result<Vec<EthnicChoice>, UiError> {
    Ok(wire::commands::search_ethnic_groups(query)?)
}

/// The policy profiles the office can apply (the shipped ones and those of loaded updates).
#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> Result<Vec<ProfileInfo>, UiError> {
    with_office(&state, wire::commands::list_profiles).await
}

/// The live assessment of the form as typed so far; for a stored case (`case_id`), with
/// the ticked evidence no scanned page proves yet.
#[tauri::command]
#[tracing::instrument(skip_all, fields(profile = %profile), err(Debug))]
pub async fn assess_application(
    state: State<'_, AppState>,
    record: RecordJson,
    profile: String,
    case_id: Option<String>,
) -> Result<AssessmentInfo, UiError> {
    with_office(&state, move |office| wire::commands::assess_application(office, record, profile, case_id))
        .await
}
