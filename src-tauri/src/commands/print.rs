//! Printing from the case page: the printers, the preview (the PDF itself, drawn page by
//! page in the window) and the audited print.

use std::sync::Arc;

use app::printing::{Document, Printing, RenderChoices};
use tauri::State;

use super::{now, with_office, with_office_passive, with_office_slot};
use crate::AppState;
use crate::error::UiError;
use crate::json::{
    DeskPrintInfo, DocumentName, EndedJobInfo, PreviewInfo, PrintJobsInfo, PrintSettingsInput, PrintedInfo,
    PrinterChoice, VerifiedSlipInfo, WaitingJobInfo, local_minute,
};

fn document(key: &str) -> Result<Document, UiError> {
    Ok(wire::commands::parse_document(key)?)
}

/// The renderer, built on first use (parsing the font takes a moment, so on a blocking
/// thread) and then shared.
pub(super) async fn printing(state: &AppState) -> Result<Arc<Printing>, UiError> {
    let slot = state.printing.clone();
    let built = tauri::async_runtime::spawn_blocking(move || {
        let mut slot = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(printing) = slot.as_ref() {
            return Ok(printing.clone());
        }
        let printing = Arc::new(Printing::load()?);
        *slot = Some(printing.clone());
        Ok::<_, app::AppError>(printing)
    })
    .await
    .map_err(|_| UiError::internal())?;
    Ok(built?)
}

/// The print system, submitting as the operating-system user running the app (what `lp`
/// would do: the queue shows who printed, and a PDF printer writes into their folder).
fn cups(state: &AppState) -> app::printing::Cups {
    let (host, port) = &state.settings.cups_server;
    let cups = app::printing::Cups::new(host.clone(), *port);
    match &state.settings.os_user {
        Some(user) => cups.with_user(user.clone()),
        None => cups,
    }
}

/// The printers CUPS offers, the one to preselect first: the office's printer (its print
/// settings), else the system's default. Before set-up there are no settings yet.
#[tauri::command]
pub async fn list_printers(state: State<'_, AppState>) -> Result<Vec<PrinterChoice>, UiError> {
    let office_printer = with_office_slot(&state, |slot| match slot.as_ref() {
        Some(office) => Ok(office.print_settings()?.printer),
        None => Ok(None),
    })
    .await?;
    let system = cups(&state);
    let found = tauri::async_runtime::spawn_blocking(move || {
        app::printing::printers(&system, office_printer.as_deref())
    })
    .await
    .map_err(|_| UiError::internal())??;
    Ok(found.into_iter().map(PrinterChoice::from).collect())
}

/// A joined desk prints a document the office server rendered for it (`pdf_base64`, as its
/// preview gave it) on this PC's own `printer` and waits for the outcome, which the page
/// then reports to the server (`recordDeskPrint`). Nothing is kept here.
#[tauri::command]
#[tracing::instrument(skip_all, fields(copies), err(Debug))]
pub async fn print_pdf_at_desk(
    state: State<'_, AppState>,
    pdf_base64: String,
    title: String,
    printer: String,
    copies: u16,
) -> Result<DeskPrintInfo, UiError> {
    use base64::Engine as _;
    if state.desk.link().is_none() {
        return Err(app::AppError::DeskNotJoined.into());
    }
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(pdf_base64.as_bytes())
        .map_err(|_| UiError::from(app::AppError::from(app::problem::Unrecognised::Request)))?;
    let system = cups(&state);
    let (outcome, error) = tauri::async_runtime::spawn_blocking(move || {
        app::printing::print_pdf(&system, &printer, title, pdf, copies.max(1))
    })
    .await
    .map_err(|_| UiError::internal())?;
    Ok(DeskPrintInfo::from_outcome(outcome, error.map(app::AppError::from)))
}

/// The office's print settings: the slip's large-print default and the printer.
#[tauri::command]
pub async fn print_settings(state: State<'_, AppState>) -> Result<PrintSettingsInput, UiError> {
    with_office(&state, |office| Ok(office.print_settings()?.into())).await
}

/// Changes the print settings (管理员; audited as `print_settings_set`).
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_print_settings(
    state: State<'_, AppState>,
    settings: PrintSettingsInput,
) -> Result<PrintSettingsInput, UiError> {
    with_office(&state, move |office| {
        office.set_print_settings(&settings.into_settings(), now())?;
        Ok(office.print_settings()?.into())
    })
    .await
}

/// Follows the jobs printers still hold (a slip sent to a stopped printer): records each
/// that ended since the last look (a completed slip leaves 待打印确认单) and lists the rest.
/// The header asks every few seconds while someone is logged in.
#[tauri::command]
pub async fn print_jobs(state: State<'_, AppState>) -> Result<PrintJobsInfo, UiError> {
    let system = cups(&state);
    with_office_passive(&state, move |office| {
        // Nothing to ask the print system while no job waits (the usual case).
        let ended = if app::printing::waiting_jobs(office)?.is_empty() {
            Vec::new()
        } else {
            app::printing::follow_waiting_jobs(office, &system, now())?
        };
        let waiting = app::printing::waiting_jobs(office)?;
        Ok(PrintJobsInfo {
            waiting: waiting.iter().map(WaitingJobInfo::from).collect(),
            ended: ended.into_iter().map(EndedJobInfo::from).collect(),
        })
    })
    .await
}

/// Renders a document of the case for the preview. `large_print`: the slip in large
/// type; left out, the county profile decides.
#[tauri::command]
pub async fn preview_document(
    state: State<'_, AppState>,
    case_id: String,
    document: DocumentName,
    large_print: Option<bool>,
) -> Result<PreviewInfo, UiError> {
    let printing = printing(&state).await?;
    with_office(&state, move |office| {
        wire::commands::preview_document(office, &printing, case_id, document, large_print)
    })
    .await
}

/// Prints a document of the case (audited, also when the job fails); `large_print` as
/// for the preview.
#[tauri::command]
#[tracing::instrument(skip_all, fields(document = %document, copies), err(Debug))]
pub async fn print_document(
    state: State<'_, AppState>,
    case_id: String,
    document: DocumentName,
    printer: String,
    copies: u16,
    large_print: Option<bool>,
) -> Result<PrintedInfo, UiError> {
    let document = self::document(&document)?;
    let system = cups(&state);
    let printing = printing(&state).await?;
    with_office(&state, move |office| {
        let id = super::parse_case_id(&case_id)?;
        let choices = RenderChoices { large_print };
        let printed = app::printing::print(
            office,
            &printing,
            &system,
            &id,
            document,
            choices,
            &printer,
            copies,
            now(),
        )?;
        Ok(PrintedInfo { job: printed.job, template: printed.template, printed_at: local_minute(printed.at) })
    })
    .await
}

/// Prints the register of applications (台账) from `from` to `to` (`YYYY-MM-DD`, both
/// included) with its counts; audited, also when the job fails.
#[tauri::command]
#[tracing::instrument(skip_all, fields(copies), err(Debug))]
pub async fn print_ledger(
    state: State<'_, AppState>,
    from: String,
    to: String,
    printer: String,
    copies: u16,
) -> Result<PrintedInfo, UiError> {
    let system = cups(&state);
    let printing = printing(&state).await?;
    with_office(&state, move |office| {
        let from = app::problem::parse_date(&from)?;
        let to = app::problem::parse_date(&to)?;
        let printed =
            app::ledger::print_ledger(office, &printing, &system, from, to, &printer, copies, now())?;
        Ok(PrintedInfo { job: printed.job, template: printed.template, printed_at: local_minute(printed.at) })
    })
    .await
}

/// Checks the text of a confirmation slip's QR code (a scanner types it like a keyboard)
/// against this office's key.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn verify_slip(state: State<'_, AppState>, payload: String) -> Result<VerifiedSlipInfo, UiError> {
    with_office(&state, move |office| {
        let verified = app::printing::verify_slip(office, &payload, now())?;
        let (public_key, _key_id) = app::printing::slip_public_key(office, now())?;
        Ok(VerifiedSlipInfo::new(verified, public_key))
    })
    .await
}
