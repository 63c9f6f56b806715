//! Cases: the durable draft, submission, review, approval, the case page and the
//! worklists of the home screen.
//!
//! The commands the office server serves too are thin: the work is in
//! `wire::commands` (one translation for every transport).

use tauri::State;
use wire::commands as desk;

use super::{now, with_office};
use crate::AppState;
use crate::error::UiError;
use crate::json::{
    AuditLineInfo, CaseInfo, CaseLineInfo, DraftSavedInfo, LedgerExportInfo, LedgerInfo, RecordJson,
    SubmitResult, WorklistCount, WorklistName,
};

/// A fresh case id for a form being opened (nothing is stored until the first save).
#[tauri::command]
pub async fn new_case() -> Result<String, UiError> {
    Ok(app::cases::new_case_id(now())?.to_string())
}

/// Saves the draft as the clerk types: durable at once, audited with the changed fields.
/// `paper_slip` (the applicant needs the paper 确认单): left out, it keeps what was set.
#[tauri::command]
pub async fn save_draft(
    state: State<'_, AppState>,
    case_id: String,
    record: RecordJson,
    paper_slip: Option<bool>,
    base_version: Option<i64>,
) -> Result<DraftSavedInfo, UiError> {
    with_office(&state, move |office| desk::save_draft(office, case_id, record, paper_slip, base_version))
        .await
}

/// Submits a saved draft for acceptance: a one-time notice, the duplicate guard's
/// candidates (submit again with `proceed` after the clerk has looked), or 受理.
#[tauri::command]
#[tracing::instrument(skip_all, fields(profile = %profile), err(Debug))]
pub async fn submit_case(
    state: State<'_, AppState>,
    case_id: String,
    profile: String,
    opinion: String,
    proceed: bool,
) -> Result<SubmitResult, UiError> {
    with_office(&state, move |office| desk::submit_case(office, case_id, profile, opinion, proceed)).await
}

/// 审核 with the reviewer's opinion.
#[tauri::command]
pub async fn review_case(
    state: State<'_, AppState>,
    case_id: String,
    opinion: String,
) -> Result<CaseInfo, UiError> {
    with_office(&state, move |office| desk::review_case(office, case_id, opinion)).await
}

/// 审批 with the approver's opinion.
#[tauri::command]
pub async fn approve_case(
    state: State<'_, AppState>,
    case_id: String,
    opinion: String,
) -> Result<CaseInfo, UiError> {
    with_office(&state, move |office| desk::approve_case(office, case_id, opinion)).await
}

/// 不予通过 with every reason (one per line in the window).
#[tauri::command]
pub async fn reject_case(
    state: State<'_, AppState>,
    case_id: String,
    reasons: Vec<String>,
) -> Result<CaseInfo, UiError> {
    with_office(&state, move |office| desk::reject_case(office, case_id, reasons)).await
}

/// 退回补正: sends the case back to the counter with every reason (one per line in the
/// window); it becomes a one-time notice of them.
#[tauri::command]
pub async fn send_back_case(
    state: State<'_, AppState>,
    case_id: String,
    reasons: Vec<String>,
) -> Result<CaseInfo, UiError> {
    with_office(&state, move |office| desk::send_back_case(office, case_id, reasons)).await
}

/// Withdraws an open case at the applicant's request.
#[tauri::command]
pub async fn withdraw_case(
    state: State<'_, AppState>,
    case_id: String,
    reason: String,
) -> Result<CaseInfo, UiError> {
    with_office(&state, move |office| desk::withdraw_case(office, case_id, reason)).await
}

/// Opens the case page (audited as a view of personal data).
#[tauri::command]
pub async fn get_case(state: State<'_, AppState>, case_id: String) -> Result<CaseInfo, UiError> {
    with_office(&state, move |office| desk::get_case(office, case_id)).await
}

/// The case's latest audit rows, newest first.
#[tauri::command]
pub async fn case_audit(state: State<'_, AppState>, case_id: String) -> Result<Vec<AuditLineInfo>, UiError> {
    with_office(&state, move |office| desk::case_audit(office, case_id)).await
}

/// The badge numbers of the home screen's worklists.
#[tauri::command]
pub async fn worklist_counts(state: State<'_, AppState>) -> Result<Vec<WorklistCount>, UiError> {
    with_office(&state, desk::worklist_counts).await
}

/// The lines of one worklist.
#[tauri::command]
pub async fn worklist(state: State<'_, AppState>, list: WorklistName) -> Result<Vec<CaseLineInfo>, UiError> {
    with_office(&state, move |office| desk::worklist(office, list)).await
}

/// The register of applications (台账) from `from` to `to` (`YYYY-MM-DD`, both included),
/// with its counts (audited as a view of every case in it).
#[tauri::command]
pub async fn ledger(state: State<'_, AppState>, from: String, to: String) -> Result<LedgerInfo, UiError> {
    with_office(&state, move |office| desk::ledger(office, from, to)).await
}

/// Writes the register from `from` to `to` as an xlsx workbook into `folder` (a drive
/// picked in the window), under a dated name; audited as an export.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn export_ledger(
    state: State<'_, AppState>,
    from: String,
    to: String,
    folder: String,
) -> Result<LedgerExportInfo, UiError> {
    let printing = super::print::printing(&state).await?;
    with_office(&state, move |office| {
        let from = app::problem::parse_date(&from)?;
        let to = app::problem::parse_date(&to)?;
        let folder = std::path::PathBuf::from(folder);
        let format = app::ledger::LedgerFormat::Xlsx;
        Ok(app::ledger::export_ledger(office, &printing, (from, to), format, &folder, now())?.into())
    })
    .await
}

/// The search box: ID number, phone, name prefix or application number (audited without
/// the searched text).
#[tauri::command]
pub async fn search_cases(state: State<'_, AppState>, text: String) -> Result<Vec<CaseLineInfo>, UiError> {
    with_office(&state, move |office| desk::search_cases(office, text)).await
}
