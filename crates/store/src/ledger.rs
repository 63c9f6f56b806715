//! The register of applications (台账): every case first submitted (leaving the draft
//! state other than by being withdrawn) in a time range, with what a register shows —
//! number, name, type, profile, where it stands, when it was submitted, accepted and
//! decided, its deadline. Read from an index on submissions (`case_events_submitted`,
//! schema 8), so a day's or a month's register does not scan the office's history.
//!
//! Not audited here: the caller audits the register as a view of personal data
//! ([`Store::audit_event`]) with the range and the number of lines.

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::Store;
use crate::error::Result;
use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::worklists::{CaseSummary, SUMMARY_COLUMNS_OF_C, summary_from_row};

/// One line of the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The case as worklists show it (masked ID number, no record).
    pub summary: CaseSummary,
    /// The recognition type's key in the record (`registration_time`, `existing_permit`),
    /// if one was chosen.
    pub recognition_type: Option<String>,
    /// The county profile it was assessed under.
    pub profile: Option<String>,
    /// When it was first submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it reached the state it is in, if that state is an outcome (approved — kept
    /// once issued —, rejected, not eligible, withdrawn, or the one-time notice given);
    /// `None` while it waits for review or approval.
    pub decided_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The cases first submitted in `[from, to)`, in the order they were submitted, at
    /// most `limit` (ask for one more than you show to know whether there are more).
    pub fn ledger(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: u32) -> Result<Vec<LedgerEntry>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS_OF_C}, json_extract(c.record, '$.recognition_type'), c.profile, e.at,
                    (SELECT MAX(d.at) FROM case_events d
                      WHERE d.case_id = c.id
                        AND c.state NOT IN ('draft', 'accepted', 'reviewed')
                        AND d.to_state = CASE c.state WHEN 'issued' THEN 'approved'
                                                      WHEN 'old_permit_cancelled' THEN 'approved'
                                                      ELSE c.state END)
             FROM case_events e JOIN cases c ON c.id = e.case_id
             WHERE e.from_state = 'draft' AND e.to_state <> 'withdrawn' AND e.at >= ?1 AND e.at < ?2
               AND NOT EXISTS (SELECT 1 FROM case_events p
                                WHERE p.case_id = e.case_id AND p.id < e.id
                                  AND p.from_state = 'draft' AND p.to_state <> 'withdrawn')
             ORDER BY e.at, e.id
             LIMIT ?3"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query(params![to_millis(from), to_millis(to), limit])?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next()? {
            entries.push(LedgerEntry {
                summary: summary_from_row(row)?,
                recognition_type: row.get(11)?,
                profile: row.get(12)?,
                submitted_at: from_millis(row.get(13)?)?,
                decided_at: opt_from_millis(row.get(14)?)?,
            });
        }
        Ok(entries)
    }
}
