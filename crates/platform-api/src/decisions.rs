//! Pull: the platform's decisions, as a feed read with a cursor.
//!
//! `GET /v1/decisions?cursor=N&limit=M` returns the decisions for this device with a
//! cursor greater than `N`, oldest first, at most `M` of them (at most
//! [`crate::MAX_DECISIONS_PER_PAGE`]). Cursors grow strictly but need not be contiguous
//! (the feed is shared by all devices and filtered). The device stores `next_cursor`
//! together with what it did with the decisions, in one transaction, and asks again with
//! it; an empty page means it is up to date. Reading is side-effect free on the device's
//! behalf, so a lost answer is simply asked for again.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One page of the decision feed (HTTP 200). **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPage {
    /// Decisions after the requested cursor, oldest first.
    pub decisions: Vec<Decision>,
    /// The cursor to ask with next time: the last decision's cursor, or the requested
    /// cursor when the page is empty.
    pub next_cursor: u64,
}

/// One decision of the platform. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Position in the feed.
    pub cursor: u64,
    /// The case decided on; `null` for decisions about no case (reference data).
    pub case_id: Option<Uuid>,
    /// When the platform decided, RFC 3339 in UTC with milliseconds.
    pub decided_at: String,
    /// What was decided.
    pub kind: DecisionKind,
}

/// What the platform decided, tagged by `type`. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DecisionKind {
    /// The electronic residence permit was issued.
    PermitIssued {
        /// The permit's number.
        permit_number: String,
        /// First day of validity, `YYYY-MM-DD`.
        valid_from: String,
        /// Last day of validity, `YYYY-MM-DD`.
        valid_until: String,
    },
    /// The platform refused the application.
    Rejected {
        /// The reasons, one sentence each, for the clerk and the applicant.
        reasons: Vec<String>,
    },
    /// The platform sent the applicant the SMS announcing the result.
    SmsSent,
    /// The applicant's old permit was cancelled (existing-permit recognition).
    OldPermitCancelled,
    /// Reference data changed; the device should fetch the new version.
    ReferenceUpdated {
        /// Which table: `holidays`, `divisions`, `policy_profiles`, ….
        name: String,
        /// Its new version.
        version: String,
    },
    /// A decision this client does not know (from a later revision of the platform). The
    /// client skips it but still advances its cursor past it.
    #[serde(other)]
    Unknown,
}

impl DecisionKind {
    /// The kind's tag as it appears on the wire (`permit_issued`).
    pub fn name(&self) -> &'static str {
        match self {
            DecisionKind::PermitIssued { .. } => "permit_issued",
            DecisionKind::Rejected { .. } => "rejected",
            DecisionKind::SmsSent => "sms_sent",
            DecisionKind::OldPermitCancelled => "old_permit_cancelled",
            DecisionKind::ReferenceUpdated { .. } => "reference_updated",
            DecisionKind::Unknown => "unknown",
        }
    }
}
