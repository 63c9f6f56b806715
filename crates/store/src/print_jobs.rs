//! Print jobs left waiting at the printer: sent, but the printer stopped (out of paper,
//! jammed, paused) or had not finished when the clerk stopped waiting. CUPS keeps such a
//! job and prints it once the printer is fixed, perhaps after the applicant went home or
//! another clerk logged in. The office remembers each one (a `meta` list, written in the
//! same transaction as the print's audit row) so that the desk can follow it to its end:
//! a slip whose job completes later leaves 待打印确认单 then, and one that is cancelled or
//! fails is recorded so — never a slip marked printed before a job really completed.

use chrono::{DateTime, Utc};
use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Store;
use crate::cases::{CaseId, print_recorded_in};
use crate::error::Result;
use crate::office_details::{put_meta, read_json};
use crate::users::Session;

/// The `meta` key of the list.
const WAITING: &str = "print_jobs_waiting";

/// A print job the printer still holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingPrintJob {
    /// The printer's queue name.
    pub printer: String,
    /// The print system's job number.
    pub job: i32,
    /// The case printed from.
    pub case_id: CaseId,
    /// What was printed: `confirmation_slip` for the slip, else the document's name.
    pub document: String,
    /// When it was sent.
    pub queued_at: DateTime<Utc>,
    /// The clerk who sent it (user name).
    pub queued_by: String,
}

impl WaitingPrintJob {
    fn same_job(&self, other: &WaitingPrintJob) -> bool {
        self.printer == other.printer && self.job == other.job
    }
}

impl Store {
    /// Records a print whose job the printer still holds: its audit row (`details`, the
    /// print's) and the job in the list of waiting jobs, in one transaction.
    pub fn print_left_waiting(
        &mut self,
        session: &Session,
        waiting: WaitingPrintJob,
        details: Value,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        print_recorded_in(&transaction, &audit_key, session, &waiting.case_id, false, details, at)?;
        let mut list = waiting_in(&transaction)?;
        list.retain(|held| !held.same_job(&waiting));
        list.push(waiting);
        put_meta(&transaction, WAITING, &serde_json::to_string(&list)?)?;
        transaction.commit()?;
        Ok(())
    }

    /// The print jobs the printers still hold, oldest first.
    pub fn print_jobs_waiting(&self) -> Result<Vec<WaitingPrintJob>> {
        waiting_in(&self.conn)
    }

    /// A waiting job came to its end: off the list, its outcome in the audit trail
    /// (`details`, recorded by `session`, the clerk at the desk when it was seen), and a
    /// slip whose job `completed` marked printed — all in one transaction. `false` when the
    /// job was no longer on the list (already followed): nothing is recorded twice.
    pub fn print_job_ended(
        &mut self,
        session: &Session,
        ended: &WaitingPrintJob,
        completed: bool,
        details: Value,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut list = waiting_in(&transaction)?;
        let before = list.len();
        list.retain(|held| !held.same_job(ended));
        if list.len() == before {
            return Ok(false);
        }
        put_meta(&transaction, WAITING, &serde_json::to_string(&list)?)?;
        let slip_printed = completed && ended.document == "confirmation_slip";
        print_recorded_in(&transaction, &audit_key, session, &ended.case_id, slip_printed, details, at)?;
        transaction.commit()?;
        Ok(true)
    }
}

fn waiting_in(conn: &rusqlite::Connection) -> Result<Vec<WaitingPrintJob>> {
    Ok(read_json(conn, WAITING, "print jobs waiting")?.unwrap_or_default())
}
