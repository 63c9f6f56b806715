//! `permitctl audit verify`: recomputes the audit trail's hash chain.
//!
//! Prints `{"intact", "rows", "first_bad_row", "problem", "head": {"seq", "hash"},
//! "state_seal": {"intact", "problem"}, "database": {"intact", "problems"}}` — the state
//! seal's part says whether the clerks, cases, state changes, queue, page records, ratings
//! and clerk keys are as the program left them (`missing`, `forged`, `differs`: changed
//! beside the program); the last part from reading and checking every page of the database
//! (which page, which table or index is damaged); exits 0 when every row, the seal and
//! every page check out, 1 when a row was edited, deleted or renumbered, the seal is
//! broken or a page is damaged, 2 when the office cannot be opened (a database damaged at its first page: the
//! message names the last backup). Needs the administrator's password.

use std::process::ExitCode;

use app::audit::{AuditProblem, StateSealProblem};
use serde_json::json;

use crate::cmd_office::{self, OfficeArgs};

/// Subcommands of `permitctl audit`.
#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the whole audit trail.
    Verify(OfficeArgs),
}

/// Runs `permitctl audit …`.
pub fn run(command: &AuditCommand) -> ExitCode {
    match command {
        AuditCommand::Verify(args) => verify(args),
    }
}

fn verify(args: &OfficeArgs) -> ExitCode {
    let office = match cmd_office::open(args) {
        Ok(office) => office,
        Err(code) => return code,
    };
    // The pages first: a damaged page of the audit table would stop the chain's check
    // before it could say which page it is.
    let damage = match app::audit::check_database(&office) {
        Ok(problems) => problems,
        Err(error) => return cmd_office::report(&error),
    };
    let report = match app::audit::verify(&office) {
        Ok(report) => report,
        Err(error) if !damage.is_empty() => {
            let out = json!({
                "intact": false,
                "problem": { "kind": "unreadable", "detail": error.to_string() },
                "database": { "intact": false, "problems": damage },
            });
            println!("{out:#}");
            return ExitCode::from(1);
        }
        Err(error) => return cmd_office::report(&error),
    };
    let seal = match app::audit::state_seal(&office) {
        Ok(seal) => seal,
        Err(error) => return cmd_office::report(&error),
    };
    if let Err(error) = office.close() {
        return cmd_office::report(&error);
    }
    let problem = report.problem.map(|problem| match problem {
        AuditProblem::HashMismatch => json!({ "kind": "hash_mismatch" }),
        AuditProblem::SequenceGap { expected } => json!({ "kind": "sequence_gap", "expected": expected }),
        AuditProblem::TruncatedTail { head_seq } => json!({ "kind": "truncated_tail", "head_seq": head_seq }),
    });
    let out = json!({
        "intact": report.is_intact(),
        "rows": report.rows,
        "first_bad_row": report.first_bad_row,
        "problem": problem,
        "head": report.head.as_ref().map(|head| json!({ "seq": head.seq, "hash": head.hash_hex })),
        "state_seal": {
            "intact": seal.is_none(),
            "problem": seal.map(|problem| match problem {
                StateSealProblem::Missing => "missing",
                StateSealProblem::Forged => "forged",
                StateSealProblem::Differs => "differs",
            }),
        },
        "database": { "intact": damage.is_empty(), "problems": damage },
    });
    println!("{out:#}");
    if report.is_intact() && seal.is_none() && damage.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
