//! What the platform's answer to a push means for one record: shared by the online drain
//! ([`crate::Drainer`]) and the air-gapped import of an answer bundle, so both settle
//! records by the same rules (and an answer applied twice settles nothing twice).

use std::collections::HashSet;

use platform_api::RecordStatus;

use crate::outbox::{OutgoingRecord, QuarantineReason};

/// What to do with one record after the platform's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The platform holds it (`accepted`, or `duplicate` healing a lost answer): confirm.
    Confirm {
        /// It was a `duplicate`.
        duplicate: bool,
    },
    /// The platform holds the record but still lacks its page: confirm only once the page
    /// is there (upload it, or carry it again).
    NeedsPage {
        /// The page's content hash.
        content_hash: String,
        /// It was a `duplicate`.
        duplicate: bool,
    },
    /// Refused (`rejected`) or another record under its id (`conflict`): set it aside
    /// with the reason; its case waits behind it.
    Quarantine(QuarantineReason),
    /// `deferred` behind an earlier record of its case: leave it pending.
    Leave,
    /// No verdict this client understands: leave it pending and report a protocol problem.
    Unknown,
}

/// The verdict for `record`, given its status in the answer (if any) and the pages the
/// platform said it lacks.
pub fn verdict(
    record: &OutgoingRecord,
    status: Option<&RecordStatus>,
    missing_blobs: &HashSet<String>,
) -> Verdict {
    match status {
        Some(status @ (RecordStatus::Accepted | RecordStatus::Duplicate)) => {
            let duplicate = *status == RecordStatus::Duplicate;
            match record.kind.content_hash().filter(|hash| missing_blobs.contains(*hash)) {
                Some(hash) => Verdict::NeedsPage { content_hash: hash.to_owned(), duplicate },
                None => Verdict::Confirm { duplicate },
            }
        }
        Some(RecordStatus::Conflict) => Verdict::Quarantine(QuarantineReason {
            code: QuarantineReason::CONFLICT.to_owned(),
            reason: "the platform holds a different record under this id".to_owned(),
        }),
        Some(RecordStatus::Rejected { code, reason }) => {
            Verdict::Quarantine(QuarantineReason { code: code.clone(), reason: reason.clone() })
        }
        Some(RecordStatus::Deferred { .. }) => Verdict::Leave,
        Some(RecordStatus::Unknown) | None => Verdict::Unknown,
    }
}

/// The reason a page record is set aside when the local store lacks its page.
pub fn page_missing_locally() -> QuarantineReason {
    QuarantineReason {
        code: QuarantineReason::BLOB_MISSING_LOCALLY.to_owned(),
        reason: "the scanned page is missing from the local store; scan it again".to_owned(),
    }
}
