//! `permitctl ledger`: the register of applications (台账) for a range of days, with its
//! counts, as JSON: `{"from", "to", "truncated", "summary": {...}, "lines": [...]}`. Each
//! line: application number, name (only its first character for an administrator without
//! a case role), masked ID number, type, profile, state, submitted, accepted, 受理人,
//! deadline, decided, and the deadline status. Audited like the window's 台账.
//! `--xlsx PATH` also writes the register as a workbook, `--pdf PATH` as the printed
//! register (a folder gets a dated file name; an existing file is never overwritten); the JSON
//! then says what was written under `"files"`.
//! Exit 0; 1 when the range is refused (backwards, or longer than a year); 2 when the
//! office cannot be opened.

use std::process::ExitCode;

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::cmd_office::{self, OfficeArgs};

/// Arguments of `permitctl ledger`.
#[derive(clap::Args)]
pub struct LedgerArgs {
    #[command(flatten)]
    office: OfficeArgs,
    /// First day (`YYYY-MM-DD`; default: the first day of this month at the counter).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last day, included (default: today at the counter).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// Also write the register as an xlsx workbook: a file, or a folder for a dated name.
    #[arg(long, value_name = "PATH")]
    xlsx: Option<std::path::PathBuf>,
    /// Also write the register as the printed PDF: a file, or a folder for a dated name.
    #[arg(long, value_name = "PATH")]
    pdf: Option<std::path::PathBuf>,
}

/// Runs `permitctl ledger`.
pub fn run(args: &LedgerArgs) -> ExitCode {
    let today = app::clock::today();
    let from = args.from.unwrap_or_else(|| app::ledger::month_of(today).0);
    let to = args.to.unwrap_or(today);
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let now = app::clock::now().to_utc();
    let ledger = match app::ledger::ledger(&mut office, from, to, now) {
        Ok(ledger) => ledger,
        Err(error) => return cmd_office::report(&error),
    };
    let mut answer = to_json(&ledger);
    if args.xlsx.is_some() || args.pdf.is_some() {
        match write_files(&mut office, args, from, to, now) {
            Ok(files) => answer["files"] = files,
            Err(code) => return code,
        }
    }
    if let Err(error) = office.close() {
        return cmd_office::report(&error);
    }
    cmd_office::done(&answer)
}

/// Writes the workbook and the PDF asked for; what was written, as JSON.
fn write_files(
    office: &mut app::office::Office,
    args: &LedgerArgs,
    from: NaiveDate,
    to: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Value, ExitCode> {
    let printing = app::printing::Printing::load().map_err(|error| cmd_office::report(&error))?;
    let mut files = json!({});
    for (path, format) in
        [(&args.xlsx, app::ledger::LedgerFormat::Xlsx), (&args.pdf, app::ledger::LedgerFormat::Pdf)]
    {
        let Some(path) = path else { continue };
        let exported = app::ledger::export_ledger(office, &printing, (from, to), format, path, now)
            .map_err(|error| cmd_office::report(&error))?;
        files[format.extension()] =
            json!({ "path": exported.path, "bytes": exported.bytes, "lines": exported.lines });
    }
    Ok(files)
}

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&app::clock::china_standard_time()).format("%Y-%m-%d %H:%M").to_string()
}

fn date(day: Option<NaiveDate>) -> Value {
    day.map_or(Value::Null, |day| json!(day.to_string()))
}

fn to_json(ledger: &app::ledger::Ledger) -> Value {
    let summary = &ledger.summary;
    let counts = |pairs: Vec<(String, usize)>| -> Value {
        pairs.into_iter().map(|(label, count)| json!({ "label": label, "count": count })).collect()
    };
    let lines: Vec<Value> = ledger
        .lines
        .iter()
        .map(|line| {
            json!({
                "application_number": line.case.application_number,
                "name": line.case.name,
                "id_number_masked": line.case.id_number_masked,
                "type": line.recognition_type.map(|kind| kind.label()),
                "profile": line.profile,
                "state": line.case.state.as_str(),
                "state_label": line.case.state.label(),
                "submitted_at": local(line.submitted_at),
                "accepted_by": line.case.accepted_by.as_ref().map(|clerk| clerk.display_name.clone()),
                "due_date": date(line.case.due_date),
                "decided_at": line.decided_at.map(local),
                "deadline": line.deadline.key(),
                "deadline_label": line.deadline.label(),
            })
        })
        .collect();
    json!({
        "from": ledger.from.to_string(),
        "to": ledger.to.to_string(),
        "truncated": ledger.truncated,
        "summary": {
            "total": summary.total,
            "accepted": summary.accepted,
            "late": summary.late,
            "late_percent": summary.late_percent(),
            "by_state": counts(summary.by_state.iter().map(|(state, n)| (state.label().to_owned(), *n)).collect()),
            "by_type": counts(summary.by_type.iter().map(|(kind, n)| (app::ledger::type_label(*kind).to_owned(), *n)).collect()),
            "by_deadline": counts(summary.by_deadline.iter().map(|(deadline, n)| (deadline.label().to_owned(), *n)).collect()),
            "by_clerk": counts(summary.by_clerk.clone()),
        },
        "lines": lines,
    })
}
