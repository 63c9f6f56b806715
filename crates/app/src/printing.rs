//! Printing: the counter's documents for a stored case, previewed and sent to a printer,
//! every print audited with its template version and printer.
//!
//! [`Printing`] holds the parsed font and templates (parsing the 16 MB font costs tens of
//! milliseconds: the shell builds it once) and the office's details printed on every
//! document. [`render`] makes the PDF of one document from the case as stored (the
//! preview; the case view is audited as a view of personal data); [`print`] renders it
//! again, sends it to the print system, waits for the outcome and writes an audit row
//! `printed` with the document, template and version, printer, copies, job and outcome —
//! a failed job is audited too. Reprinting is printing again: each is its own audit row.
//!
//! The confirmation slip (确认单) of an issued case carries a QR code signed with the
//! office's own Ed25519 key, created in the encrypted store on first use
//! ([`slip_public_key`] publishes its public half; [`verify_slip`] checks a scanned code).
//! Printing it takes the case off the 已签发待打印确认单 worklist; reprinting a lost slip
//! is the same action, audited again.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use domain::profile::SlipOptions;
use print::{
    Names, OfficeInfo, PermitInfo, PrintJob, PrintSystem, ReceiptData, Renderer, SigningKey, SlipData,
};
use serde_json::json;
use store::AuditAction;
pub use store::WaitingPrintJob;

use crate::cases::{CaseId, CaseState, CaseView};
use crate::office::Office;
use crate::{AppError, assess, cases, deadline};

/// How long [`print`] waits for the print system to finish a job.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(60);

/// The documents a clerk can print from a case: the print crate's one list. Its key
/// (`name()`: `form`, `receipt`, `notice`, `refusal`, `slip`) is what the window and the
/// audit trail carry; `label()` its Chinese name.
pub use print::DocumentKind as Document;

/// The print system as the shell sets it up (the CUPS client) and the facts the window
/// shows (printers and their state, a verified slip).
pub use print::{Cups, PrinterInfo, PrinterState, VerifiedSlip};

/// The document an audit row names: its key, or `confirmation_slip`, which
/// `Store::mark_slip_printed` writes for the slip.
pub fn document_in_audit(key: &str) -> Option<Document> {
    match key {
        "confirmation_slip" => Some(Document::Slip),
        _ => Document::from_name(key),
    }
}

/// The renderer, built once. The office printed on the documents is read from the store
/// on each render ([`office_info`]): there is no demo office, and an office whose details
/// were never set prints no official document.
#[derive(Debug)]
pub struct Printing {
    renderer: Renderer,
}

impl Printing {
    /// The embedded font and templates, with the division and ethnic-group names.
    pub fn load() -> Result<Printing, AppError> {
        let reference = crate::reference::embedded()?;
        let names = Names {
            divisions: Some(reference.divisions.clone()),
            ethnic_groups: Some(reference.ethnic_groups.clone()),
        };
        let renderer = Renderer::embedded()?.with_names(names);
        Ok(Printing { renderer })
    }

    /// The renderer, for the office's own documents (the register).
    pub(crate) fn renderer(&self) -> &Renderer {
        &self.renderer
    }
}

/// A rendered document for the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The document.
    pub document: Document,
    /// The PDF.
    pub pdf: Vec<u8>,
    /// Pages.
    pub pages: usize,
    /// Template name and version, e.g. `form 1.0.0`.
    pub template: String,
    /// What the clerk should check before printing, in Chinese (missing glyphs printed
    /// as boxes to write in by hand, texts cut to fit).
    pub warnings: Vec<String>,
}

/// What [`print`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    /// The print system's job, e.g. `PDF-12`.
    pub job: String,
    /// Template name and version.
    pub template: String,
    /// When it was printed (for the slip: its new `slip_printed_at`).
    pub at: DateTime<Utc>,
}

/// The documents the case has now: the form always, the notice once one was given, the
/// receipt once accepted, the slip once the permit is issued.
pub fn available(view: &CaseView) -> Vec<Document> {
    Document::ALL
        .into_iter()
        .filter(|document| match document {
            Document::Form => true,
            Document::Notice => view.history.iter().any(|line| line.to == CaseState::NoticeIssued),
            Document::Refusal => view.state == CaseState::NotEligible,
            Document::Receipt => view.accepted_at.is_some() && view.due_date.is_some(),
            Document::Review => view.accepted_at.is_some() && view.profile.is_some(),
            Document::Rejection => view.state == CaseState::Rejected,
            Document::Slip => permit_issued(view) && view.permit_number.is_some(),
        })
        .collect()
}

/// The permit is issued (and stays so when the old permit is then cancelled).
fn permit_issued(view: &CaseView) -> bool {
    matches!(view.state, CaseState::Issued | CaseState::OldPermitCancelled)
}

/// Whether the slip prints in large type unless the clerk chooses otherwise: the office's
/// print setting, or, when it has none, the county profile's.
pub fn large_print_default(office: &Office, view: &CaseView) -> Result<bool, AppError> {
    let profile = profile_of(office, view)?;
    Ok(office.print_settings()?.large_print.unwrap_or(profile.slip.large_print))
}

/// What the clerk may choose besides the document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderChoices {
    /// The slip in large type (for elderly applicants); `None` follows the office's print
    /// setting, or the county profile's ([`large_print_default`]).
    pub large_print: Option<bool>,
}

/// Renders `document` of the case for the preview. Needs a case role (an administrator
/// alone sees masked data and may not print it).
pub fn render(
    office: &mut Office,
    printing: &Printing,
    case_id: &CaseId,
    document: Document,
    choices: RenderChoices,
    now: DateTime<Utc>,
) -> Result<Rendered, AppError> {
    let view = cases::get_case(office, case_id, now)?;
    if view.masked {
        return Err(AppError::RoleMissing {
            needed: store::Roles::ACCEPT | store::Roles::REVIEW | store::Roles::APPROVE,
        });
    }
    // The form carries no office; every other document does, and is refused (when asked
    // for) by an office whose details were never set.
    let office_info = office_info(office);
    let rendered = match document {
        Document::Form => {
            let pages = crate::scans::attached_pages(office, case_id)?;
            printing.renderer.render_form_with_pages(&view.record, &pages)?
        }
        Document::Receipt => {
            let receipt = receipt_data(&office_info?, &view)?;
            printing.renderer.render_receipt(&view.record, &receipt)?
        }
        Document::Notice => {
            let notice_day = notice_date(&view, CaseState::NoticeIssued, Document::Notice)?;
            let report = assess::assess_in_office(
                office,
                &view.record,
                &profile_of(office, &view)?.county.code,
                notice_day,
            )?;
            let data = print::NoticeData {
                case_number: case_number(&view),
                office: office_info?,
                clerk: last_actor(&view),
                date: notice_day,
            };
            // A case sent back at review: the reviewer's reasons come first.
            let sent_back: Vec<domain::assessment::NoticeItem> = view
                .history
                .iter()
                .rev()
                .find(|line| line.to == CaseState::NoticeIssued)
                .and_then(|line| line.note.as_deref())
                .map(domain::case::sent_back_reasons)
                .unwrap_or_default()
                .into_iter()
                .map(|reason| domain::assessment::NoticeItem::new("", domain::case::SENT_BACK_CODE, reason))
                .collect();
            let items = sent_back.into_iter().chain(report.assessment.items).collect();
            let assessment = crate::scans::notice_with_unscanned(
                office,
                case_id,
                &view.record,
                domain::assessment::Assessment::from_items(items),
            )?;
            printing.renderer.render_notice(&view.record, &assessment, &data)?
        }
        Document::Refusal => {
            let day = notice_date(&view, CaseState::NotEligible, Document::Refusal)?;
            let profile = profile_of(office, &view)?;
            let assessment = domain::assessment::assess(&view.record, &profile, day);
            let data = print::RefusalData {
                case_number: case_number(&view),
                office: office_info?,
                clerk: last_actor(&view),
                date: day,
                document: format!("{}《{}》", profile.document.number, profile.document.title),
            };
            printing.renderer.render_refusal(&view.record, &assessment, &data)?
        }
        Document::Rejection => {
            let refused = view.history.iter().rev().find(|line| line.to == CaseState::Rejected).ok_or(
                AppError::DocumentNotAvailable {
                    document: document.label(),
                    reason: "本案没有作出不予通过的决定。",
                },
            )?;
            let reasons = domain::case::rejected_reasons(refused.note.as_deref().unwrap_or_default());
            let profile = profile_of(office, &view)?;
            let day = cases::local(refused.at).date();
            let data = print::RejectionData {
                case_number: case_number(&view),
                office: office_info?,
                clerk: refused.actor.display_name.clone(),
                date: day,
                accepted_on: view.accepted_at.map_or(day, |at| cases::local(at).date()),
                document: format!("{}《{}》", profile.document.number, profile.document.title),
            };
            printing.renderer.render_rejection(&view.record, &reasons, &data)?
        }
        Document::Review => {
            let reasoning =
                crate::review::reasoning(office, case_id, &view)?.ok_or(AppError::DocumentNotAvailable {
                    document: document.label(),
                    reason: "本案尚未受理，没有审查结论可打印。",
                })?;
            let data = review_data(&view, &reasoning, cases::local(now).date());
            printing.renderer.render_review(&view.record, &data)?
        }
        Document::Slip => {
            let slip = slip_data(office, &office_info?, &view, choices, now)?;
            let key = office_signing_key(office, now)?;
            printing.renderer.render_slip(&view.record, &slip, &key)?
        }
    };
    Ok(Rendered {
        document,
        pages: rendered.pages,
        template: rendered.template.to_string(),
        warnings: rendered.warnings.iter().map(warning_text).collect(),
        pdf: rendered.bytes,
    })
}

/// Prints `copies` of `document` on `printer` and waits for the outcome (at most
/// [`JOB_TIMEOUT`]). Every attempt is audited, the failed ones with the print system's
/// reason.
#[allow(clippy::too_many_arguments, reason = "each is one choice the clerk made")]
pub fn print(
    office: &mut Office,
    printing: &Printing,
    system: &dyn PrintSystem,
    case_id: &CaseId,
    document: Document,
    choices: RenderChoices,
    printer: &str,
    copies: u16,
    now: DateTime<Utc>,
) -> Result<Printed, AppError> {
    let rendered = render(office, printing, case_id, document, choices, now)?;
    let title = format!("{} {}", document.label(), case_id);
    let job = PrintJob::a4(printer, title, rendered.pdf).with_copies(copies);
    let session = office.session()?.clone();
    let mut details = json!({
        "document": document.name(),
        "template": rendered.template,
        "printer": printer,
        "copies": copies,
    });
    let outcome = run_job(system, &job, &mut details);
    match &outcome {
        // The slip is in the applicant's hands: off the 待打印确认单 worklist, same row.
        Ok(_) if document == Document::Slip => {
            office.store.mark_slip_printed(&session, case_id, details, now)?
        }
        // The printer holds the job and may print it once fixed: the desk follows it
        // ([`follow_waiting_jobs`]); the slip stays on 待打印确认单 until it completes.
        Err(error) => match still_held(error) {
            Some(held) => {
                details["outcome"] = json!("waiting");
                details["job"] = json!(held.to_string());
                let waiting = WaitingPrintJob {
                    printer: held.printer.clone(),
                    job: held.id,
                    case_id: *case_id,
                    document: audit_document(document).to_owned(),
                    queued_at: now,
                    queued_by: session.username().to_owned(),
                };
                office.store.print_left_waiting(&session, waiting, details, now)?;
            }
            None => {
                office.store.audit_event(&session, AuditAction::Printed, Some(case_id), details, now)?;
            }
        },
        Ok(_) => {
            office.store.audit_event(&session, AuditAction::Printed, Some(case_id), details, now)?;
        }
    }
    let id = outcome?;
    Ok(Printed { job: id.to_string(), template: rendered.template, at: now })
}

/// The printer name a browser desk's print is audited with.
pub const BROWSER_PRINTER: &str = "浏览器";

/// `document` of the case for a browser desk of the office server to print with the
/// browser's own print dialog: rendered as for the preview and audited as `printed` with
/// the outcome `sent_to_browser`. The browser does not tell whether a page came out, so a
/// slip stays on 待打印确认单 (the window's CUPS print is what takes it off).
pub fn sent_to_browser(
    office: &mut Office,
    printing: &Printing,
    case_id: &CaseId,
    document: Document,
    choices: RenderChoices,
    now: DateTime<Utc>,
) -> Result<Rendered, AppError> {
    let rendered = render(office, printing, case_id, document, choices, now)?;
    let session = office.session()?.clone();
    let details = json!({
        "document": document.name(),
        "template": rendered.template,
        "printer": BROWSER_PRINTER,
        "copies": 1,
        "outcome": "sent_to_browser",
    });
    office.store.audit_event(&session, AuditAction::Printed, Some(case_id), details, now)?;
    Ok(rendered)
}

/// How a print at a joined desk of the office server ended, as that desk reports it: the
/// desk prints the PDF the server rendered on its own printer ([`print_pdf`]) and the
/// server records the outcome ([`record_desk_print`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskPrintOutcome {
    /// The printer printed it.
    Completed {
        /// The print system's job, e.g. `PDF-12`.
        job: String,
    },
    /// The printer holds it (stopped, or not done in time): it may still print, but the
    /// desk does not follow it, so a slip stays on 待打印确认单.
    Held {
        /// The job the printer holds.
        job: String,
    },
    /// It did not print.
    Failed {
        /// Why, as a code (`PRINTER_NOT_FOUND`, `PRINT_JOB_FAILED`, …).
        code: crate::problem::ErrorCode,
    },
}

/// Prints `copies` of a PDF the office server rendered on `printer` of this desk and waits
/// for the outcome (at most [`JOB_TIMEOUT`]): a joined desk's own CUPS. Nothing is
/// recorded here (the desk holds no office); the outcome goes to the server.
pub fn print_pdf(
    system: &dyn PrintSystem,
    printer: &str,
    title: String,
    pdf: Vec<u8>,
    copies: u16,
) -> (DeskPrintOutcome, Option<print::PrinterError>) {
    let job = PrintJob::a4(printer, title, pdf).with_copies(copies);
    let outcome = system.submit(&job).and_then(|id| system.wait_for(&id, JOB_TIMEOUT).map(|()| id));
    match outcome {
        Ok(id) => (DeskPrintOutcome::Completed { job: id.to_string() }, None),
        Err(error) => match still_held(&error) {
            Some(held) => (DeskPrintOutcome::Held { job: held.to_string() }, Some(error)),
            None => (DeskPrintOutcome::Failed { code: crate::problem::printer_code(&error) }, Some(error)),
        },
    }
}

/// Records a print a joined desk made of `document` of the case (rendered by the server
/// with `template`) on its own `printer`: audited as `printed` with the desk's outcome, as
/// the window's own print is, and a slip that printed leaves 待打印确认单. The clerk is the
/// desk's, logged in at the server, with a case role.
#[allow(clippy::too_many_arguments, reason = "each is one fact of the print the desk reports")]
pub fn record_desk_print(
    office: &mut Office,
    case_id: &CaseId,
    document: Document,
    template: &str,
    printer: &str,
    copies: u16,
    outcome: &DeskPrintOutcome,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let session = office.session()?.clone();
    // As for rendering: a case role (an administrator alone may not print case data).
    let view = cases::get_case(office, case_id, now)?;
    if view.masked {
        return Err(AppError::RoleMissing {
            needed: store::Roles::ACCEPT | store::Roles::REVIEW | store::Roles::APPROVE,
        });
    }
    let mut details = json!({
        "document": document.name(),
        "template": template,
        "printer": printer,
        "copies": copies,
        "at_desk": true,
    });
    match outcome {
        DeskPrintOutcome::Completed { job } => {
            details["job"] = json!(job);
            details["outcome"] = json!("completed");
            if document == Document::Slip {
                return Ok(office.store.mark_slip_printed(&session, case_id, details, now)?);
            }
        }
        DeskPrintOutcome::Held { job } => {
            details["job"] = json!(job);
            details["outcome"] = json!("held_at_desk");
        }
        DeskPrintOutcome::Failed { code } => {
            details["outcome"] = json!("failed");
            details["error"] = json!(code.as_str());
        }
    }
    office.store.audit_event(&session, AuditAction::Printed, Some(case_id), details, now)?;
    Ok(())
}

/// Sends `job` and waits for its outcome (at most [`JOB_TIMEOUT`]), and writes the job and
/// its outcome (or the failure's code) into `details`, the print's audit row.
pub(crate) fn run_job(
    system: &dyn PrintSystem,
    job: &PrintJob,
    details: &mut serde_json::Value,
) -> Result<print::JobId, print::PrinterError> {
    let outcome = system.submit(job).and_then(|id| system.wait_for(&id, JOB_TIMEOUT).map(|()| id));
    match &outcome {
        Ok(id) => {
            details["job"] = json!(id.to_string());
            details["outcome"] = json!("completed");
        }
        Err(error) => {
            details["outcome"] = json!("failed");
            details["error"] = json!(crate::problem::printer_code(error).as_str());
        }
    }
    outcome
}

/// The job a failed wait left at the printer: the printer stopped with it queued, or it
/// had not finished in time. CUPS keeps it and prints it once the printer is fixed.
fn still_held(error: &print::PrinterError) -> Option<&print::JobId> {
    match error {
        print::PrinterError::JobStopped { job, .. } | print::PrinterError::JobTimeout { job, .. } => {
            Some(job)
        }
        _ => None,
    }
}

/// The document's name in the audit trail (`confirmation_slip` for the slip).
fn audit_document(document: Document) -> &'static str {
    match document {
        Document::Slip => "confirmation_slip",
        other => other.name(),
    }
}

/// How a job the printer held came to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    /// Printed (the slip then leaves 待打印确认单).
    Completed,
    /// It will not print: failed, cancelled at the printer, or forgotten by the print
    /// system; the sentence says which.
    NotPrinted {
        /// The stable code (`PRINT_JOB_FAILED`, `PRINT_JOB_CANCELED`, `PRINT_JOB_UNKNOWN`).
        code: crate::problem::ErrorCode,
        /// The print system's account of it, in Chinese.
        message: String,
    },
}

/// A job the printer held that has now ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedJob {
    /// The waiting job as recorded when it was sent.
    pub job: WaitingPrintJob,
    /// How it ended.
    pub end: JobEnd,
}

/// The jobs printers still hold, oldest first (any clerk).
pub fn waiting_jobs(office: &Office) -> Result<Vec<WaitingPrintJob>, AppError> {
    office.session()?;
    Ok(office.store.print_jobs_waiting()?)
}

/// Asks the print system about each job a printer still holds and records each that has
/// ended: a slip whose job completed leaves 待打印确认单 now (audited `printed`, outcome
/// `completed`, with who sent it and when); one that failed, was cancelled or is unknown
/// to the print system is audited as not printed and stays on the list to print again. A
/// job still queued, or a print system that does not answer, is asked again next time.
/// The clerk logged in at this desk records what it sees.
pub fn follow_waiting_jobs(
    office: &mut Office,
    system: &dyn PrintSystem,
    now: DateTime<Utc>,
) -> Result<Vec<EndedJob>, AppError> {
    let session = office.session()?.clone();
    let mut ended = Vec::new();
    for waiting in office.store.print_jobs_waiting()? {
        let id = print::JobId { printer: waiting.printer.clone(), id: waiting.job };
        let end = match system.job_state(&id) {
            Ok(print::JobOutcome::Completed) => JobEnd::Completed,
            Ok(print::JobOutcome::Failed { reason }) => {
                not_printed(&print::PrinterError::JobFailed { job: id.clone(), reason })
            }
            Ok(print::JobOutcome::Canceled) => {
                not_printed(&print::PrinterError::JobCanceled { job: id.clone() })
            }
            Err(error @ print::PrinterError::NoSuchJob { .. }) => not_printed(&error),
            Ok(print::JobOutcome::Pending { .. }) | Err(_) => continue,
        };
        let mut details = json!({
            "document": waiting.document,
            "printer": waiting.printer,
            "job": id.to_string(),
            "queued_at": waiting.queued_at.to_rfc3339(),
            "queued_by": waiting.queued_by,
        });
        match &end {
            JobEnd::Completed => details["outcome"] = json!("completed"),
            JobEnd::NotPrinted { code, .. } => {
                details["outcome"] = json!("failed");
                details["error"] = json!(code.as_str());
            }
        }
        let completed = end == JobEnd::Completed;
        if office.store.print_job_ended(&session, &waiting, completed, details, now)? {
            ended.push(EndedJob { job: waiting, end });
        }
    }
    Ok(ended)
}

fn not_printed(error: &print::PrinterError) -> JobEnd {
    JobEnd::NotPrinted { code: crate::problem::printer_code(error), message: error.message_zh() }
}

/// A printer of the print system, and whether documents go there unless the clerk picks
/// another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPrinter {
    /// What the print system says of it.
    pub info: PrinterInfo,
    /// The printer chosen for the clerk: the office's printer (its print settings) when
    /// the system has it, else the system's default, else the first. At most one is.
    pub preferred: bool,
}

/// The printers of the print system, the preferred one first (see
/// [`ListedPrinter::preferred`]); `office_printer` is the print settings' printer.
pub fn printers(
    system: &dyn PrintSystem,
    office_printer: Option<&str>,
) -> Result<Vec<ListedPrinter>, AppError> {
    let found = system.printers()?;
    let preferred = office_printer
        .and_then(|name| found.iter().position(|info| info.name == name))
        .or_else(|| found.iter().position(|info| info.is_default))
        .unwrap_or(0);
    let mut listed: Vec<ListedPrinter> = found
        .into_iter()
        .enumerate()
        .map(|(index, info)| ListedPrinter { info, preferred: index == preferred })
        .collect();
    listed.sort_by_key(|printer| !printer.preferred);
    Ok(listed)
}

/// The office's public key for slips, in hex (64 digits), with its key id (the first 8
/// digits, printed in every QR payload): what a verifier elsewhere needs. Creates the key
/// on first use. Needs a logged-in clerk.
pub fn slip_public_key(office: &mut Office, now: DateTime<Utc>) -> Result<(String, String), AppError> {
    let key = office_signing_key(office, now)?.verifying_key();
    Ok((print::key_to_hex(key.as_bytes()), print::key_id(&key)))
}

/// Checks the text of a slip's QR code (as a scanner types it) against this office's key.
/// A forged, altered or foreign slip is `AppError::Print` with the reason.
pub fn verify_slip(office: &mut Office, payload: &str, now: DateTime<Utc>) -> Result<VerifiedSlip, AppError> {
    let key = office_signing_key(office, now)?.verifying_key();
    let verified = print::verify_slip_payload(payload.trim(), &key)?;
    let session = office.session()?.clone();
    office.store.audit_event(
        &session,
        AuditAction::CaseViewed,
        None,
        json!({ "slip_verified": verified.payload.case_number }),
        now,
    )?;
    Ok(verified)
}

/// The office's slip-signing key from the store, created on first use.
fn office_signing_key(office: &mut Office, now: DateTime<Utc>) -> Result<SigningKey, AppError> {
    let session = office.session()?.clone();
    let seed = office.store.slip_signing_seed_or_create(
        &session,
        |seed| print::key_to_hex(SigningKey::from_bytes(seed).verifying_key().as_bytes()),
        now,
    )?;
    Ok(SigningKey::from_bytes(&seed))
}

/// What the slip prints besides the record: the permit as the platform issued it (its
/// validity from the platform's decision), the office, the clerk printing it, today, and
/// the county profile's options with the clerk's large-print choice.
fn slip_data(
    office: &mut Office,
    office_info: &OfficeInfo,
    view: &CaseView,
    choices: RenderChoices,
    now: DateTime<Utc>,
) -> Result<SlipData, AppError> {
    let not_yet = AppError::DocumentNotAvailable {
        document: Document::Slip.label(),
        reason: "居住证尚未签发，不能打印确认单。",
    };
    let Some(number) = view.permit_number.clone().filter(|_| permit_issued(view)) else {
        return Err(not_yet);
    };
    let issued_line = view.history.iter().rev().find(|line| line.to == CaseState::Issued);
    let mut permit = PermitInfo {
        number,
        issue_date: issued_line.map_or_else(|| cases::local(now).date(), |line| cases::local(line.at).date()),
        valid_until: None,
        next_endorsement: None,
    };
    for decision in office.store.platform_decisions(&view.id)? {
        let Ok(decision) = serde_json::from_value::<platform_api::Decision>(decision.decision) else {
            continue;
        };
        if let platform_api::DecisionKind::PermitIssued { permit_number, valid_from, valid_until } =
            decision.kind
            && permit_number == permit.number
        {
            permit.issue_date = valid_from.parse().unwrap_or(permit.issue_date);
            permit.valid_until = valid_until.parse().ok();
        }
    }
    let profile = profile_of(office, view)?;
    let large_print = match choices.large_print {
        Some(chosen) => chosen,
        None => large_print_default(office, view)?,
    };
    let options = SlipOptions { large_print, ..profile.slip };
    let clerk =
        office.clerk_with_any_role(store::Roles::ACCEPT | store::Roles::REVIEW | store::Roles::APPROVE)?.1;
    Ok(SlipData {
        case_number: case_number(view),
        permit,
        office: office_info.clone(),
        clerk: clerk.display_name,
        printed_on: cases::local(now).date(),
        options,
    })
}

fn receipt_data(office_info: &OfficeInfo, view: &CaseView) -> Result<ReceiptData, AppError> {
    let not_yet = AppError::DocumentNotAvailable {
        document: Document::Receipt.label(),
        reason: "案件尚未受理，没有受理回执。",
    };
    let (Some(accepted_at), Some(due)) = (view.accepted_at, view.due_date) else {
        return Err(not_yet);
    };
    Ok(ReceiptData {
        case_number: case_number(view),
        office: office_info.clone(),
        clerk: view.accepted_by.as_ref().map(|clerk| clerk.display_name.clone()).unwrap_or_default(),
        accepted_on: cases::local(accepted_at).date(),
        due,
        working_days: deadline::STANDARD_WORKING_DAYS,
        due_note: view.due_estimate.clone(),
    })
}

/// The office printed on the documents: the details set at first-run set-up or on the
/// administrator's 办理点信息 page. An office without them (set up from the command line, or
/// before the details existed) is refused with [`AppError::OfficeNotConfigured`] rather
/// than printing a made-up office on an official document.
pub fn office_info(office: &Office) -> Result<OfficeInfo, AppError> {
    let details = office.details()?.ok_or(AppError::OfficeNotConfigured)?;
    Ok(OfficeInfo {
        office_format: print::OFFICE_FORMAT,
        issuing_authority: issuing_authority(&details.county_code),
        county_code: details.county_code,
        name: details.name,
        address: details.address,
        phone: details.phone,
    })
}

/// The permit's issuing authority (签发机关) of a county: `建德市公安局` for a county or a
/// county-level city, `杭州市公安局拱墅区分局` for a city district (a district's bureau is a
/// branch of the city's).
pub fn issuing_authority(county_code: &str) -> String {
    let Ok(reference) = crate::reference::embedded() else {
        return String::new();
    };
    let divisions = &reference.divisions;
    let Some(county) = divisions.get(county_code) else {
        return String::new();
    };
    match domain::profile::urban_area_of(county_code).and_then(|city| divisions.get(&format!("{city}00"))) {
        Some(city) => format!("{}公安局{}分局", city.name, county.name),
        None => format!("{}公安局", county.name),
    }
}

/// The day of the latest step into `state` (a notice, or the refusal).
fn notice_date(view: &CaseView, state: CaseState, document: Document) -> Result<NaiveDate, AppError> {
    view.history.iter().rev().find(|line| line.to == state).map(|line| cases::local(line.at).date()).ok_or(
        AppError::DocumentNotAvailable {
            document: document.label(),
            reason: match document {
                Document::Refusal => "本案没有作出不予受理的决定。",
                _ => "本案没有出具过一次性告知。",
            },
        },
    )
}

/// The profile the submission was assessed under, as the office applies it; for a case
/// submitted before that was kept, the profile of the county where the applicant lives, or
/// the province's.
fn profile_of(office: &Office, view: &CaseView) -> Result<domain::profile::PolicyProfile, AppError> {
    let all = assess::profiles_in_office(office)?;
    let known = |query: &str| all.iter().any(|profile| profile.matches(query));
    let county = view.record.current_address.county_code.trim();
    let query = match view.profile.as_deref() {
        Some(profile) if known(profile) => profile,
        _ if known(county) => county,
        _ => "330000",
    };
    assess::choose_in_office(office, all, query)
}

/// The 申请编号 printed, or blank before acceptance (a notice or a refusal of a case never
/// accepted prints no number: the internal case id means nothing to the applicant).
/// The 审核单's data: the case, the policy, the decision and every explained rule.
fn review_data(view: &CaseView, reasoning: &crate::review::Reasoning, today: NaiveDate) -> print::ReviewData {
    review_sheet(
        case_number(view),
        &reasoning.profile,
        reasoning.on,
        &reasoning.assessment.report.assessment,
        &reasoning.rules,
        Some(reasoning.assessment.unscanned.iter().filter_map(|item| unscanned_name(&item.field)).collect()),
        today,
    )
}

/// The 审核单's data from its parts (a stored case, or `permitctl render review`).
pub(crate) fn review_sheet(
    case_number: String,
    profile: &domain::profile::PolicyProfile,
    on: NaiveDate,
    assessment: &domain::assessment::Assessment,
    rules: &[domain::assessment::ExplainedRule],
    unscanned: Option<Vec<String>>,
    today: NaiveDate,
) -> print::ReviewData {
    print::ReviewData {
        case_number,
        policy: format!(
            "{}《{}》（{}）",
            profile.county.name, profile.document.title, profile.document.number
        ),
        assessed_on: on,
        decision: assessment.decision.label().to_owned(),
        lines: rules
            .iter()
            .map(|rule| print::ReviewLine {
                title: rule.title.clone(),
                outcome: rule.outcome.label().to_owned(),
                sentence: rule.sentence.clone(),
            })
            .collect(),
        unscanned,
        printed_on: today,
    }
}

/// The name of the evidence box an unscanned item's field names.
fn unscanned_name(field: &str) -> Option<String> {
    let key = field.strip_prefix("evidence.")?;
    domain::record::EvidenceItem::from_key(key).map(|item| item.label().to_owned())
}

fn case_number(view: &CaseView) -> String {
    view.record.application_number.trim().to_owned()
}

fn last_actor(view: &CaseView) -> String {
    view.history.last().map(|line| line.actor.display_name.clone()).unwrap_or_default()
}

fn warning_text(warning: &print::RenderWarning) -> String {
    match warning {
        print::RenderWarning::MissingGlyph { ch, code_point, .. } => {
            format!("字库缺少“{ch}”（{code_point}），已印为方框，请手写补齐。")
        }
        print::RenderWarning::TextOverflow { shown, total, .. } => {
            format!("有一处文字过长，只印出 {shown}/{total} 个字，请核对。")
        }
    }
}
