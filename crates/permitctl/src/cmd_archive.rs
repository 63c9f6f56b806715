//! `permitctl export-person ID_NUMBER -o FILE`: one file per person (一人一档).
//!
//! Writes the person's archive (a self-contained HTML page with the complete data
//! embedded as JSON and the scanned pages as images, in an AES-256 ZIP, see
//! `app::archive`) and prints `{"path", "cases", "events", "audit_rows", "pages",
//! "password"}` — the password the archive opens with, shown this once and nowhere
//! else; exits 1 when no case has this ID number. Needs the administrator's password.
//! The ID number is never printed back.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use crate::cmd_office::{self, OfficeArgs};

/// Arguments of `permitctl export-person`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The person's ID number (公民身份号码).
    id_number: String,
    /// The archive file to write (an AES-256 ZIP, e.g. `person.zip`).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    office: OfficeArgs,
}

/// Runs `permitctl export-person`.
pub fn run(args: &ExportArgs) -> ExitCode {
    let mut office = match cmd_office::open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let result =
        app::archive::export_person(&mut office, &args.id_number, &args.output, app::clock::now().to_utc());
    let closed = office.close();
    match (result, closed) {
        (Ok(summary), Ok(())) => cmd_office::done(&json!({
            "path": summary.path,
            "cases": summary.cases,
            "events": summary.events,
            "audit_rows": summary.audit_rows,
            "pages": summary.pages,
            "password": summary.password,
        })),
        (Err(error), _) | (Ok(_), Err(error)) => cmd_office::report(&error),
    }
}
