//! Transport types of printing: printers, previews, print outcomes.

use base64::Engine;
use serde::Serialize;
use ts_rs::TS;

/// A printer the clerk may choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PrinterChoice {
    /// Queue name (sent back to print).
    pub name: String,
    /// Description, or the name when there is none.
    pub label: String,
    /// The system's default printer.
    pub is_default: bool,
    /// The one to choose for the clerk: the office's printer, else the system's default.
    pub preferred: bool,
    /// Accepting jobs now.
    pub ready: bool,
}

impl From<app::printing::ListedPrinter> for PrinterChoice {
    fn from(listed: app::printing::ListedPrinter) -> Self {
        let info = listed.info;
        let label =
            if info.description.trim().is_empty() { info.name.clone() } else { info.description.clone() };
        Self {
            ready: info.accepting_jobs && info.state != app::printing::PrinterState::Stopped,
            is_default: info.is_default,
            preferred: listed.preferred,
            name: info.name,
            label,
        }
    }
}

/// The office's print settings, both ways.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct PrintSettingsInput {
    /// The slip in large print by default; `null` follows the county profile.
    pub large_print: Option<bool>,
    /// The printer documents go to by default; `null` is the system's default printer.
    pub printer: Option<String>,
}

impl PrintSettingsInput {
    /// The app's settings (a blank printer name is the system's default).
    pub fn into_settings(self) -> app::office::PrintSettings {
        let printer = self.printer.map(|name| name.trim().to_owned()).filter(|name| !name.is_empty());
        app::office::PrintSettings { large_print: self.large_print, printer }
    }
}

impl From<app::office::PrintSettings> for PrintSettingsInput {
    fn from(settings: app::office::PrintSettings) -> Self {
        Self { large_print: settings.large_print, printer: settings.printer }
    }
}

/// A rendered document for the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PreviewInfo {
    /// The document's key.
    #[ts(type = "DocumentKey")]
    pub document: String,
    /// The PDF, base64.
    pub pdf_base64: String,
    /// Pages.
    pub pages: u32,
    /// Template name and version.
    pub template: String,
    /// What to check before printing, in Chinese.
    pub warnings: Vec<String>,
}

impl From<app::printing::Rendered> for PreviewInfo {
    fn from(rendered: app::printing::Rendered) -> Self {
        Self {
            document: rendered.document.name().to_owned(),
            pdf_base64: base64::engine::general_purpose::STANDARD.encode(&rendered.pdf),
            pages: u32::try_from(rendered.pages).unwrap_or(u32::MAX),
            template: rendered.template,
            warnings: rendered.warnings,
        }
    }
}

/// A finished print job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PrintedInfo {
    /// The job, e.g. `PDF-12`.
    pub job: String,
    /// Template name and version printed.
    pub template: String,
    /// When, local time (`YYYY-MM-DD HH:MM`).
    pub printed_at: String,
}

/// A joined desk's report of a print on its own printer (`record_desk_print`, a route of
/// the office server's own): `outcome` is `completed` or `held` with the print system's
/// `job`, or `failed` with the `error` code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeskPrintReport {
    /// The case.
    pub case_id: String,
    /// The document's key.
    pub document: String,
    /// The template the server rendered it with.
    pub template: String,
    /// The desk's printer.
    pub printer: String,
    /// Copies asked for.
    pub copies: u16,
    /// `completed`, `held` or `failed`.
    pub outcome: String,
    /// The print system's job, unless it failed.
    pub job: Option<String>,
    /// The error code, when it did not print.
    pub error: Option<String>,
}

/// How a joined desk's print on its own printer ended, for the page to report to the
/// office server (`record_desk_print`) and show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeskPrintInfo {
    /// `completed`, `held` (the printer keeps the job: it may still print) or `failed`.
    pub outcome: String,
    /// The print system's job, when it took one.
    pub job: Option<String>,
    /// Why it did not print (or why it is held), as the window shows errors.
    pub error: Option<crate::error::UiError>,
}

impl DeskPrintInfo {
    /// The page's account of an outcome of `app::printing::print_pdf`.
    pub fn from_outcome(outcome: app::printing::DeskPrintOutcome, error: Option<app::AppError>) -> Self {
        use app::printing::DeskPrintOutcome as O;
        let error = error.map(crate::error::UiError::from);
        match outcome {
            O::Completed { job } => Self { outcome: "completed".to_owned(), job: Some(job), error: None },
            O::Held { job } => Self { outcome: "held".to_owned(), job: Some(job), error },
            O::Failed { .. } => Self { outcome: "failed".to_owned(), job: None, error },
        }
    }
}

/// A confirmation slip whose QR code passed the check: what it vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VerifiedSlipInfo {
    /// 申请编号.
    pub case_number: String,
    /// The holder's name.
    pub name: String,
    /// The ID number as printed (masked unless the profile prints it in full).
    pub id_number: String,
    /// The electronic permit's number.
    pub permit_number: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// End of validity, `YYYY-MM-DD`; `null` when kept valid by endorsement.
    pub valid_until: Option<String>,
    /// The issuing office's county code.
    pub office_county_code: String,
    /// The key id in the payload.
    pub key_id: String,
    /// This office's public key (hex), for verifiers elsewhere.
    pub office_public_key: String,
}

impl VerifiedSlipInfo {
    /// From the app's verified payload and the office key.
    pub fn new(verified: app::printing::VerifiedSlip, office_public_key: String) -> Self {
        let payload = verified.payload;
        Self {
            case_number: payload.case_number,
            name: payload.name,
            id_number: payload.id_number,
            permit_number: payload.permit_number,
            issue_date: payload.issue_date.to_string(),
            valid_until: payload.valid_until.map(|date| date.to_string()),
            office_county_code: payload.office_county_code,
            key_id: verified.key_id,
            office_public_key,
        }
    }
}

/// A print job a printer still holds (sent while it was stopped or slow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WaitingJobInfo {
    /// `PRINTER-ID`, as the printer's queue shows it.
    pub job: String,
    /// The case printed from.
    pub case_id: String,
    /// The document's Chinese name.
    pub document: String,
    /// When it was sent, local minute.
    pub queued_at: String,
    /// The clerk who sent it.
    pub queued_by: String,
}

impl From<&app::printing::WaitingPrintJob> for WaitingJobInfo {
    fn from(job: &app::printing::WaitingPrintJob) -> Self {
        Self {
            job: format!("{}-{}", job.printer, job.job),
            case_id: job.case_id.to_string(),
            document: app::printing::document_in_audit(&job.document)
                .map_or_else(|| job.document.clone(), |document| document.label().to_owned()),
            queued_at: super::local_minute(job.queued_at),
            queued_by: job.queued_by.clone(),
        }
    }
}

/// A held job that has now ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EndedJobInfo {
    /// The job as it waited.
    pub job: WaitingJobInfo,
    /// Printed (a slip then left 待打印确认单); otherwise it will not print.
    pub printed: bool,
    /// One sentence for the clerk.
    pub message: String,
}

impl From<app::printing::EndedJob> for EndedJobInfo {
    fn from(ended: app::printing::EndedJob) -> Self {
        let job = WaitingJobInfo::from(&ended.job);
        let (printed, message) = match ended.end {
            app::printing::JobEnd::Completed => (
                true,
                format!("{}（打印任务 {}，{} 发送）已打印完成。", job.document, job.job, job.queued_at),
            ),
            app::printing::JobEnd::NotPrinted { message, .. } => {
                (false, format!("{}（{} 发送）没有打印：{message}", job.document, job.queued_at))
            }
        };
        Self { job, printed, message }
    }
}

/// The jobs printers still hold, and those that ended since the last look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PrintJobsInfo {
    /// Still held, oldest first.
    pub waiting: Vec<WaitingJobInfo>,
    /// Ended just now.
    pub ended: Vec<EndedJobInfo>,
}
