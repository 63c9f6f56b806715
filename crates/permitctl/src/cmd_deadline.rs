//! `permitctl deadline`: the last day of a case's processing period.
//!
//! Prints `{"accepted", "working_days", "due", "estimated_years", "estimate_note"}` and
//! exits 0; a period that reaches a year without a holiday table is estimated (Monday
//! to Friday count as working days there), and `estimated_years`/`estimate_note` say so.
//! Prints `{"error": {"code", "message"}}` with a Chinese message and exits 1 when the
//! calendar cannot answer, or 2 when an update file cannot be read or parsed, or the
//! embedded tables are broken.

use std::path::PathBuf;
use std::process::ExitCode;

use app::deadline::{self, DeadlineError};
use chrono::NaiveDate;
use serde_json::json;

/// Arguments of `permitctl deadline`.
#[derive(clap::Args)]
pub struct Args {
    /// The acceptance (受理) date, YYYY-MM-DD.
    #[arg(long)]
    accepted: NaiveDate,
    /// Working days allowed from acceptance.
    #[arg(long, default_value_t = deadline::STANDARD_WORKING_DAYS)]
    working_days: u32,
    /// A holiday table update (same JSON format as assets/reference/holidays.json),
    /// merged over the embedded table; repeat to merge several, later files win.
    #[arg(long = "holidays", value_name = "FILE")]
    holidays: Vec<PathBuf>,
}

/// Runs the command and prints its JSON answer.
pub fn run(args: &Args) -> ExitCode {
    let mut updates = Vec::new();
    for path in &args.holidays {
        match std::fs::read_to_string(path) {
            Ok(text) => updates.push(text),
            Err(error) => {
                return fail(
                    2,
                    "CALENDAR_FILE_UNREADABLE",
                    format!("无法读取节假日表文件 {}：{error}", path.display()),
                );
            }
        }
    }
    let updates: Vec<&str> = updates.iter().map(String::as_str).collect();
    match deadline::due_date(args.accepted, args.working_days, &updates) {
        Ok(deadline) => {
            let out = json!({
                "accepted": deadline.accepted,
                "working_days": deadline.working_days,
                "due": deadline.due,
                "estimated_years": deadline.estimated_years,
                "estimate_note": deadline.estimate_note(),
            });
            println!("{out:#}");
            ExitCode::SUCCESS
        }
        Err(DeadlineError::Update { index, error }) => {
            // Which of the files given is wrong, before the catalogue's sentence.
            let path = args.holidays.get(index).map(|p| p.display().to_string()).unwrap_or_default();
            let problem =
                app::problem::Problem::of(&DeadlineError::Update { index, error: error.clone() }.into());
            fail(
                2,
                problem.code.as_str(),
                format!("节假日表文件 {path} 有误（{error}）：{}", problem.message),
            )
        }
        Err(error) => crate::cmd_office::report(&error.into()),
    }
}

fn fail(exit_code: u8, code: &str, message: String) -> ExitCode {
    let out = json!({ "error": { "code": code, "message": message } });
    println!("{out:#}");
    ExitCode::from(exit_code)
}
