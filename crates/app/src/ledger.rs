//! The register of applications (台账) for a range of days and its summary: what an office
//! keeps as its register and reports to the county bureau each month, shown in the
//! window, printed through the print system, and exported as an xlsx workbook. Reading it
//! is audited as a view of the personal data of every case in it (printing and exporting
//! as `printed` and `exported`); clerks without a case role (an administrator only) see
//! names reduced to their first character, on paper and in the file too.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Utc};
use domain::ledger::{Deadline, LedgerFacts, LedgerSummary, summarise};
use domain::record::RecognitionType;
use print::{LedgerCounts, LedgerRow, LedgerSheet, PrintJob, PrintSystem};
use serde_json::json;
use store::AuditAction;

use crate::cases::local;
use crate::office::Office;
use crate::printing::{Printed, Printing};
use crate::worklists::{CaseLine, line, may_see_names};
use crate::{AppError, clock};

/// The most lines one register holds; a longer range says it was cut.
pub const MAX_LINES: u32 = 5000;

/// The longest range, in days (a year and a day, for a leap year's register).
pub const MAX_DAYS: i64 = 366;

/// One application in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    /// The case as a worklist shows it (number, name, masked ID number, deadline, 受理人).
    pub case: CaseLine,
    /// The type applied for.
    pub recognition_type: Option<RecognitionType>,
    /// The county profile it was assessed under.
    pub profile: Option<String>,
    /// When it was first submitted (accepted, refused or given a notice).
    pub submitted_at: DateTime<Utc>,
    /// When it reached its outcome, if it has one.
    pub decided_at: Option<DateTime<Utc>>,
    /// Against its deadline.
    pub deadline: Deadline,
}

/// The register of a range of days.
#[derive(Debug, Clone, PartialEq)]
pub struct Ledger {
    /// First day (the counter's civil date).
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// The applications first submitted in those days, in order.
    pub lines: Vec<LedgerLine>,
    /// Their counts.
    pub summary: LedgerSummary,
    /// More than [`MAX_LINES`] applications: the register was cut (choose a shorter range).
    pub truncated: bool,
}

/// The register of the days `from` to `to` (both included) as of `now`. Needs a case role
/// or 管理员; audited with the range and the number of lines.
pub fn ledger(
    office: &mut Office,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Ledger, AppError> {
    let ledger = read(office, from, to, now)?;
    let session = office.session()?.clone();
    office.store.audit_event(
        &session,
        AuditAction::LedgerViewed,
        None,
        json!({ "from": from.to_string(), "to": to.to_string(), "lines": ledger.lines.len(), "truncated": ledger.truncated }),
        now,
    )?;
    Ok(ledger)
}

/// The register, read for the caller to audit what it does with it.
fn read(office: &mut Office, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>) -> Result<Ledger, AppError> {
    check_range(from, to)?;
    let full_names = may_see_names(office)?;
    let users = office.users()?;
    let today = local(now).date();
    let start = day_start(from);
    let end = day_start(to.checked_add_days(Days::new(1)).unwrap_or(to));
    let mut entries = office.store.ledger(start, end, MAX_LINES + 1)?;
    let truncated = entries.len() > MAX_LINES as usize;
    entries.truncate(MAX_LINES as usize);
    let lines: Vec<LedgerLine> = entries
        .into_iter()
        .map(|entry| {
            let decided_on = entry.decided_at.map(|at| local(at).date());
            let deadline = Deadline::of(entry.summary.state, entry.summary.due_date, decided_on, today);
            LedgerLine {
                case: line(entry.summary, today, full_names, &users),
                recognition_type: entry.recognition_type.as_deref().and_then(recognition_type),
                profile: entry.profile,
                submitted_at: entry.submitted_at,
                decided_at: entry.decided_at,
                deadline,
            }
        })
        .collect();
    let summary = summarise(lines.iter().map(|line| LedgerFacts {
        state: line.case.state,
        recognition_type: line.recognition_type,
        deadline: line.deadline,
        accepted_by: line.case.accepted_by.as_ref().map(|clerk| clerk.display_name.as_str()),
    }));
    Ok(Ledger { from, to, lines, summary, truncated })
}

/// The register in words, as it is printed and exported: the office's name, each line's
/// type, policy, outcome and deadline by their Chinese names, the counts labelled.
pub fn sheet(office: &Office, ledger: &Ledger, now: DateTime<Utc>) -> Result<LedgerSheet, AppError> {
    let office_name = office.details()?.map(|details| details.name).unwrap_or_default();
    let profiles = crate::assess::profiles_in_office(office)?;
    let profile_name = |code: &str| {
        profiles.iter().find(|profile| profile.county.code == code).map_or_else(
            || code.to_owned(),
            |profile| format!("{} {}", profile.county.name, profile.document.number),
        )
    };
    let type_name = |kind: Option<RecognitionType>| type_label(kind).to_owned();
    let rows = ledger
        .lines
        .iter()
        .map(|line| LedgerRow {
            application_number: line.case.application_number.clone().unwrap_or_default(),
            name: line.case.name.clone().unwrap_or_default(),
            id_number: line.case.id_number_masked.clone().unwrap_or_default(),
            recognition_type: type_name(line.recognition_type),
            profile: line.profile.as_deref().map(profile_name).unwrap_or_default(),
            submitted_on: local(line.submitted_at).date(),
            decided_on: line.decided_at.map(|at| local(at).date()),
            outcome: line.case.state.label().to_owned(),
            deadline: line.deadline.label().to_owned(),
            accepted_by: line
                .case
                .accepted_by
                .as_ref()
                .map(|clerk| clerk.display_name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let summary = &ledger.summary;
    let counts = LedgerCounts {
        total: summary.total,
        accepted: summary.accepted,
        late: summary.late,
        late_percent: summary.late_percent(),
        by_state: summary.by_state.iter().map(|(state, n)| (state.label().to_owned(), *n)).collect(),
        by_type: summary.by_type.iter().map(|(kind, n)| (type_name(*kind), *n)).collect(),
        by_deadline: summary
            .by_deadline
            .iter()
            .map(|(deadline, n)| (deadline.label().to_owned(), *n))
            .collect(),
        by_clerk: summary.by_clerk.clone(),
    };
    Ok(LedgerSheet {
        office: office_name,
        from: ledger.from,
        to: ledger.to,
        rows,
        counts,
        truncated: ledger.truncated,
        printed_on: local(now).date(),
    })
}

/// Prints the register of `from`..=`to` on `printer` and waits for the outcome, as a case's
/// documents are printed. Needs a case role or 管理员; every attempt is audited as
/// `printed` (document `ledger`, the range, the lines, printer, copies, outcome).
#[allow(clippy::too_many_arguments, reason = "each is one choice the clerk made")]
pub fn print_ledger(
    office: &mut Office,
    printing: &Printing,
    system: &dyn PrintSystem,
    from: NaiveDate,
    to: NaiveDate,
    printer: &str,
    copies: u16,
    now: DateTime<Utc>,
) -> Result<Printed, AppError> {
    let ledger = read(office, from, to, now)?;
    let document = printing.renderer().render_ledger(&sheet(office, &ledger, now)?)?;
    let template = document.template.to_string();
    let job = PrintJob::a4(printer, format!("台账 {from} 至 {to}"), document.bytes).with_copies(copies);
    let session = office.session()?.clone();
    let mut details = json!({
        "document": LEDGER_DOCUMENT,
        "template": template,
        "from": from.to_string(),
        "to": to.to_string(),
        "lines": ledger.lines.len(),
        "printer": printer,
        "copies": copies,
    });
    let outcome = crate::printing::run_job(system, &job, &mut details);
    office.store.audit_event(&session, AuditAction::Printed, None, details, now)?;
    let id = outcome?;
    Ok(Printed { job: id.to_string(), template, at: now })
}

/// What [`export_ledger`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedLedger {
    /// The file written.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Applications in it.
    pub lines: usize,
}

/// The file a register is exported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    /// An Excel workbook (a sheet of lines, a sheet of counts).
    Xlsx,
    /// The printed register as a PDF.
    Pdf,
}

impl LedgerFormat {
    /// The file extension, also the audit row's `format`.
    pub fn extension(self) -> &'static str {
        match self {
            LedgerFormat::Xlsx => "xlsx",
            LedgerFormat::Pdf => "pdf",
        }
    }
}

/// The file name of a register exported on `now`: `台账_20261201-20261231_20270102-093000.xlsx`
/// (the range, then when, so a second export never meets the first).
pub fn export_file_name(from: NaiveDate, to: NaiveDate, format: LedgerFormat, now: DateTime<Utc>) -> String {
    let (from, to) = (from.format("%Y%m%d"), to.format("%Y%m%d"));
    format!("台账_{from}-{to}_{}.{}", clock::file_stamp(now), format.extension())
}

/// Writes the register of `from`..=`to` as `format` into `path` (a USB stick picked in the
/// window, or a file or folder given to `permitctl`), whole or not at all, never over
/// another file; refuses a pulled stick's folder. Needs a case role or 管理员; audited as
/// `exported` (kind `ledger`, the format, the range, the lines and the file's name).
pub fn export_ledger(
    office: &mut Office,
    printing: &Printing,
    (from, to): (NaiveDate, NaiveDate),
    format: LedgerFormat,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<ExportedLedger, AppError> {
    let target = crate::bundle::export_target(path, &export_file_name(from, to, format, now))?;
    let ledger = read(office, from, to, now)?;
    let sheet = sheet(office, &ledger, now)?;
    let bytes = match format {
        LedgerFormat::Xlsx => printing.renderer().ledger_xlsx(&sheet)?,
        LedgerFormat::Pdf => printing.renderer().render_ledger(&sheet)?.bytes,
    };
    crate::bundle::write_whole(&target, &bytes).map_err(|source| crate::bundle::BundleFileError {
        path: target.clone(),
        writing: true,
        source,
    })?;
    let session = office.session()?.clone();
    let name = target.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let details = json!({
        "kind": LEDGER_DOCUMENT,
        "format": format.extension(),
        "from": from.to_string(),
        "to": to.to_string(),
        "lines": ledger.lines.len(),
        "file": name,
    });
    office.store.audit_event(&session, AuditAction::Exported, None, details, now)?;
    Ok(ExportedLedger { path: target, bytes: bytes.len() as u64, lines: ledger.lines.len() })
}

/// A line's type in words (未选择类型 when the applicant chose none).
pub fn type_label(kind: Option<RecognitionType>) -> &'static str {
    kind.map_or("未选择类型", RecognitionType::label)
}

/// The register's name in the audit trail's `printed` and `exported` rows.
pub const LEDGER_DOCUMENT: &str = "ledger";

/// The range must run forwards and hold at most [`MAX_DAYS`] days.
fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), AppError> {
    let issue = if to < from {
        Some("结束日期不能早于开始日期。".to_owned())
    } else if (to - from).num_days() + 1 > MAX_DAYS {
        Some(format!("台账一次最多查询{MAX_DAYS}天，请缩短日期范围。"))
    } else {
        None
    };
    match issue {
        Some(message) => {
            Err(AppError::Validation(vec![domain::FieldIssue::new("to", "LEDGER_RANGE_INVALID", message)]))
        }
        None => Ok(()),
    }
}

/// Midnight at the counter (China Standard Time) starting `day`, as an instant.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(clock::china_standard_time()).single())
        .map_or(DateTime::<Utc>::MIN_UTC, |at| at.with_timezone(&Utc))
}

/// The record's recognition type by its serde key (`registration_time`); older records
/// wrote the variant name (`RegistrationTime`).
fn recognition_type(key: &str) -> Option<RecognitionType> {
    match key {
        "existing_permit" | "ExistingPermit" => Some(RecognitionType::ExistingPermit),
        "registration_time" | "RegistrationTime" => Some(RecognitionType::RegistrationTime),
        _ => None,
    }
}

/// The first and last day of the month holding `day`.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day0(0).unwrap_or(day);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    (first, next.pred_opt().unwrap_or(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn a_day_starts_at_midnight_at_the_counter() {
        assert_eq!(day_start(day("2026-12-04")).to_rfc3339(), "2026-12-03T16:00:00+00:00");
    }

    #[test]
    fn ranges_run_forwards_and_hold_a_year_at_most() {
        assert!(check_range(day("2026-12-01"), day("2026-12-01")).is_ok());
        assert!(check_range(day("2026-01-01"), day("2026-12-31")).is_ok());
        assert!(check_range(day("2026-12-02"), day("2026-12-01")).is_err());
        assert!(check_range(day("2025-01-01"), day("2026-01-02")).is_err());
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        assert_eq!(month_of(day("2024-02-10")), (day("2024-02-01"), day("2024-02-29")));
        assert_eq!(month_of(day("2026-12-31")), (day("2026-12-01"), day("2026-12-31")));
        assert_eq!(month_of(day("2026-12-31")).0.day(), 1);
    }
}
