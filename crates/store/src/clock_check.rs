//! The office's own memory of time, for a clock that was set back: the latest time its
//! audit rows record ([`Store::latest_recorded_time`], indexed). A machine whose clock is
//! now earlier than that was set back (a dead CMOS battery, a mistyped date) or ran ahead
//! and was set right. An administrator who has checked the clock confirms it
//! ([`Store::confirm_clock`], audited as `clock_confirmed` with the time it cancels), after
//! which only later rows count: a clock that once ran a year ahead does not warn for a year.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior};
use serde_json::json;

use crate::Store;
use crate::audit::{self, AuditAction};
use crate::error::Result;
use crate::time::opt_from_millis;
use crate::users::{Roles, Session};

/// The `meta` key holding the audit sequence number of the last confirmation.
const CLOCK_CONFIRMED_SEQ: &str = "clock_confirmed_seq";

impl Store {
    /// The latest time recorded by an audit row after the last confirmation of the clock.
    pub fn latest_recorded_time(&self) -> Result<Option<DateTime<Utc>>> {
        latest(&self.conn)
    }

    /// An administrator confirms the clock is right now (管理员; audited as
    /// `clock_confirmed` with the latest recorded time it sets aside).
    pub fn confirm_clock(&mut self, session: &Session, at: DateTime<Utc>) -> Result<()> {
        self.require_role(session, Roles::ADMIN)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let set_aside = latest(&transaction)?;
        let seq = audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::ClockConfirmed,
            None,
            json!({ "latest_recorded": set_aside.map(|at| at.to_rfc3339()), "confirmed_at": at.to_rfc3339() }),
            at,
        )?;
        crate::office_details::put_meta(&transaction, CLOCK_CONFIRMED_SEQ, &seq.to_string())?;
        transaction.commit()?;
        Ok(())
    }
}

fn latest(conn: &rusqlite::Connection) -> Result<Option<DateTime<Utc>>> {
    let since: i64 = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [CLOCK_CONFIRMED_SEQ], |row| {
            row.get::<_, String>(0)
        })
        .optional()?
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    let millis: Option<i64> =
        conn.query_row("SELECT MAX(at) FROM audit WHERE seq > ?1", [since], |row| row.get(0))?;
    opt_from_millis(millis)
}
