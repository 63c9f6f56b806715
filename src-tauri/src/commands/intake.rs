//! Intake commands: what the clerk types into the application form.

use app::domain::reference::DivisionLevel;
use tauri::State;

use super::{parse_case_id, with_office};
use crate::AppState;

use crate::error::UiError;
use crate::json::{
    AssessmentInfo, DivisionChoice, EthnicChoice, IdNumberInfo, LevelName, ProfileInfo, RecordJson,
};

/// Largest number of picker entries sent to the window at once.
const PICKER_LIMIT: usize = 30;

/// Validates and decodes an ID number typed by the clerk.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn check_id_number(input: String) -> Result<IdNumberInfo, UiError> {
    Ok(app::intake::check_id_number(&input, app::clock::today())?.into())
}

/// Searches the division picker; `level` is `province`, `city` or `county`, `within` a
/// parent code.
#[tauri::command]
pub async fn search_divisions(
    query: String,
    level: Option<LevelName>,
    within: Option<String>,
) -> Result<Vec<DivisionChoice>, UiError> {
    // An unknown level searches every level, as no level does.
    let level = level.as_deref().and_then(DivisionLevel::parse);
    let choices = app::intake::search_divisions(&query, level, within.as_deref(), PICKER_LIMIT);
    Ok(choices.into_iter().map(DivisionChoice::from).collect())
}

/// Searches the ethnic-group picker.
#[tauri::command]
pub async fn search_ethnic_groups(query: String) -> Result<Vec<EthnicChoice>, UiError> {
    Ok(app::intake::search_ethnic_groups(&query).into_iter().map(EthnicChoice::from).collect())
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
    let record = app::assess::parse_record(&record.to_string()).map_err(app::AppError::from)?;
    let today = app::clock::today();
    let draft = with_office(&state, move |office| {
        let case_id = case_id.as_deref().map(parse_case_id).transpose()?;
        app::intake::assess_live(office, case_id.as_ref(), record, &profile, today)
    })
    .await?;
    Ok(AssessmentInfo::from_draft(draft))
}
