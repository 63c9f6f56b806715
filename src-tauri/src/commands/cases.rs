//! Cases: the durable draft, submission, review, approval, the case page and the
//! worklists of the home screen.

use app::cases::{CaseId, DuplicateDecision, Submission};
use tauri::State;

use super::{now, parse_case_id, with_office};
use crate::AppState;
use crate::error::UiError;
use crate::json::{
    AuditLineInfo, CaseInfo, CaseLineInfo, DraftSavedInfo, LedgerExportInfo, LedgerInfo, RecordJson,
    SubmitResult, WorklistCount, WorklistName,
};
use app::problem::Unrecognised;

/// Most lines a worklist or a search sends to the window at once.
const LIST_LIMIT: u32 = 200;

/// Most audit rows the case page lists.
const AUDIT_LIMIT: u32 = 100;

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
) -> Result<DraftSavedInfo, UiError> {
    with_office(&state, move |office| {
        let now = now();
        let id = parse_case_id(&case_id)?;
        let saved = app::cases::save_draft_json(office, &id, &record.to_string(), paper_slip, now)?;
        Ok(DraftSavedInfo::new(saved, now))
    })
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
    with_office(&state, move |office| {
        let now = now();
        let submission = Submission {
            profile: &profile,
            opinion: &opinion,
            duplicates: if proceed { DuplicateDecision::Proceed } else { DuplicateDecision::Check },
        };
        let outcome = app::cases::submit(office, &parse_case_id(&case_id)?, &submission, now)?;
        let today = app::clock::today();
        SubmitResult::from_outcome(outcome, |summaries| app::worklists::lines_for(office, summaries, today))
    })
    .await
}

/// 审核 with the reviewer's opinion.
#[tauri::command]
pub async fn review_case(
    state: State<'_, AppState>,
    case_id: String,
    opinion: String,
) -> Result<CaseInfo, UiError> {
    step(&state, case_id, move |office, id| app::cases::review(office, id, &opinion, now()).map(|_| ())).await
}

/// 审批 with the approver's opinion.
#[tauri::command]
pub async fn approve_case(
    state: State<'_, AppState>,
    case_id: String,
    opinion: String,
) -> Result<CaseInfo, UiError> {
    step(&state, case_id, move |office, id| app::cases::approve(office, id, &opinion, now()).map(|_| ()))
        .await
}

/// 不予通过 with every reason (one per line in the window).
#[tauri::command]
pub async fn reject_case(
    state: State<'_, AppState>,
    case_id: String,
    reasons: Vec<String>,
) -> Result<CaseInfo, UiError> {
    step(&state, case_id, move |office, id| app::cases::reject(office, id, &reasons, now()).map(|_| ())).await
}

/// 退回补正: sends the case back to the counter with every reason (one per line in the
/// window); it becomes a one-time notice of them.
#[tauri::command]
pub async fn send_back_case(
    state: State<'_, AppState>,
    case_id: String,
    reasons: Vec<String>,
) -> Result<CaseInfo, UiError> {
    step(&state, case_id, move |office, id| app::cases::send_back(office, id, &reasons, now()).map(|_| ()))
        .await
}

/// Withdraws an open case at the applicant's request.
#[tauri::command]
pub async fn withdraw_case(
    state: State<'_, AppState>,
    case_id: String,
    reason: String,
) -> Result<CaseInfo, UiError> {
    step(&state, case_id, move |office, id| app::cases::withdraw(office, id, &reason, now()).map(|_| ()))
        .await
}

/// Opens the case page (audited as a view of personal data).
#[tauri::command]
pub async fn get_case(state: State<'_, AppState>, case_id: String) -> Result<CaseInfo, UiError> {
    with_office(&state, move |office| view(office, &parse_case_id(&case_id)?)).await
}

/// The case's latest audit rows, newest first.
#[tauri::command]
pub async fn case_audit(state: State<'_, AppState>, case_id: String) -> Result<Vec<AuditLineInfo>, UiError> {
    with_office(&state, move |office| {
        let lines = app::audit::case_trail(office, &parse_case_id(&case_id)?, AUDIT_LIMIT)?;
        Ok(lines.into_iter().map(AuditLineInfo::from).collect())
    })
    .await
}

/// The badge numbers of the home screen's worklists.
#[tauri::command]
pub async fn worklist_counts(state: State<'_, AppState>) -> Result<Vec<WorklistCount>, UiError> {
    with_office(&state, |office| {
        let counts = app::worklists::worklist_counts(office, app::clock::today())?;
        Ok(counts
            .into_iter()
            .map(|(list, count)| WorklistCount {
                key: list.key().to_owned(),
                count: u32::try_from(count).unwrap_or(u32::MAX),
                at_least: count >= app::worklists::WORKLIST_COUNT_CAP,
            })
            .collect())
    })
    .await
}

/// The lines of one worklist.
#[tauri::command]
pub async fn worklist(state: State<'_, AppState>, list: WorklistName) -> Result<Vec<CaseLineInfo>, UiError> {
    let list =
        app::worklists::Worklist::from_key(&list).ok_or(app::AppError::from(Unrecognised::Worklist))?;
    with_office(&state, move |office| {
        let lines = app::worklists::worklist(office, list, app::clock::today(), LIST_LIMIT)?;
        Ok(lines.into_iter().map(CaseLineInfo::from).collect())
    })
    .await
}

/// The register of applications (台账) from `from` to `to` (`YYYY-MM-DD`, both included),
/// with its counts (audited as a view of every case in it).
#[tauri::command]
pub async fn ledger(state: State<'_, AppState>, from: String, to: String) -> Result<LedgerInfo, UiError> {
    with_office(&state, move |office| {
        let from = app::problem::parse_date(&from)?;
        let to = app::problem::parse_date(&to)?;
        Ok(LedgerInfo::from(app::ledger::ledger(office, from, to, now())?))
    })
    .await
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
    with_office(&state, move |office| {
        let Some(query) = app::worklists::query_for(&text) else {
            return Ok(Vec::new());
        };
        let lines = app::worklists::search(office, &query, LIST_LIMIT, now())?;
        Ok(lines.into_iter().map(CaseLineInfo::from).collect())
    })
    .await
}

/// Runs one step on a case and answers with the case page as it is afterwards.
async fn step<F>(state: &AppState, case_id_text: String, run: F) -> Result<CaseInfo, UiError>
where
    F: FnOnce(&mut app::office::Office, &CaseId) -> Result<(), app::AppError> + Send + 'static,
{
    with_office(state, move |office| {
        let id = parse_case_id(&case_id_text)?;
        run(office, &id)?;
        view(office, &id)
    })
    .await
}

fn view(office: &mut app::office::Office, id: &CaseId) -> Result<CaseInfo, app::AppError> {
    let page = app::review::case_page(office, id, now())?;
    CaseInfo::new(page).map_err(|error| app::AppError::Record(error.into()))
}
