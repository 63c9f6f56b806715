//! The boundary between the sync client and the local store: what the client needs from
//! an outbox, and the records it reads from it.
//!
//! The real implementation is the app's SQLite store; the tests implement it over a SQLite
//! file of their own. The client never holds records in memory across drains: the outbox
//! is the only truth, so a crash at any point leaves nothing half-known.
//!
//! # Contract for implementations
//!
//! - Records are written in the same transaction as the change they report, each with a
//!   client-generated UUIDv7 id that never changes (the idempotency key), and are frozen
//!   from then on: a resend must carry exactly the same content, or the platform answers
//!   `conflict`.
//! - [`Outbox::pending`] returns records that are neither confirmed nor quarantined, in
//!   queue order (so each case's records come in `sequence` order), and **leaves out every
//!   record of a case that has a quarantined record**: a case's later records wait behind
//!   its quarantined one, because the platform must see a case's records in order. Other
//!   cases are not affected. Once a person fixes and releases the quarantined record, the
//!   case flows again.
//! - Records are kept until the platform confirms them ([`Outbox::mark_confirmed`]) or a
//!   person deals with them; the client never deletes anything.
//! - Every method is a short local transaction; the client calls them between network
//!   requests, never while one is in flight.

use chrono::{DateTime, SecondsFormat, Utc};
use platform_api::{PushRecord, RecordKind};
use uuid::Uuid;

/// One queued record, as the outbox holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingRecord {
    /// The record's UUIDv7, its idempotency key.
    pub id: Uuid,
    /// The case it belongs to.
    pub case_id: Uuid,
    /// What it reports.
    pub kind: OutgoingKind,
    /// Its position within the case: strictly increasing, gaps allowed (the store's global
    /// outbox order will do).
    pub sequence: u64,
    /// Its content (personal data: never log it).
    pub payload: serde_json::Value,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// What an outgoing record reports (the outbox's view of [`platform_api::RecordKind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingKind {
    /// A case was opened.
    CaseCreated,
    /// A case changed state (snake_case state names, as `domain::case::CaseState` serializes).
    StateChanged {
        /// The state before.
        from: String,
        /// The state after.
        to: String,
    },
    /// An opinion was written.
    Opinion,
    /// A scanned page; its bytes come from [`Outbox::read_blob`].
    PageMetadata {
        /// SHA-256 of the page, 64 lowercase hex digits.
        content_hash: String,
        /// Its length.
        bytes: u64,
    },
    /// The confirmation slip was printed.
    SlipPrinted,
    /// The applicant rated a visit (好差评) at this level.
    Rating {
        /// The level's key.
        level: String,
    },
}

impl OutgoingKind {
    /// The blob this record needs on the platform, if it is a page.
    pub fn content_hash(&self) -> Option<&str> {
        match self {
            OutgoingKind::PageMetadata { content_hash, .. } => Some(content_hash),
            OutgoingKind::CaseCreated
            | OutgoingKind::StateChanged { .. }
            | OutgoingKind::Opinion
            | OutgoingKind::SlipPrinted
            | OutgoingKind::Rating { .. } => None,
        }
    }
}

impl OutgoingRecord {
    /// The record in the contract's form. Deterministic: the same record always converts
    /// to the same wire record (timestamps at millisecond precision), which is what makes
    /// a resend a `duplicate` rather than a `conflict`.
    pub fn to_wire(&self) -> PushRecord {
        let kind = match &self.kind {
            OutgoingKind::CaseCreated => RecordKind::CaseCreated,
            OutgoingKind::StateChanged { from, to } => {
                RecordKind::StateChanged { from: from.clone(), to: to.clone() }
            }
            OutgoingKind::Opinion => RecordKind::Opinion,
            OutgoingKind::PageMetadata { content_hash, bytes } => {
                RecordKind::PageMetadata { content_hash: content_hash.clone(), bytes: *bytes }
            }
            OutgoingKind::SlipPrinted => RecordKind::SlipPrinted,
            OutgoingKind::Rating { level } => RecordKind::Rating { level: level.clone() },
        };
        PushRecord {
            record_id: self.id,
            case_id: self.case_id,
            kind,
            sequence: self.sequence,
            created_at: self.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            payload: self.payload.clone(),
        }
    }
}

/// Why a record was set aside, as the platform (or the client) put it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineReason {
    /// Stable code: the platform's (`RECORD_INVALID`, …) or [`QuarantineReason::CONFLICT`] and
    /// the other client codes below.
    pub code: String,
    /// The reason for the supervisor view, as the platform wrote it.
    pub reason: String,
}

impl QuarantineReason {
    /// The platform holds a different record under this id.
    pub const CONFLICT: &'static str = "CONFLICT";
    /// The page's bytes are not in the local store, so the platform cannot get them.
    pub const BLOB_MISSING_LOCALLY: &'static str = "BLOB_MISSING_LOCALLY";
    /// The platform refused the page's bytes (they do not match the hash, or are too large).
    pub const BLOB_REFUSED: &'static str = "BLOB_REFUSED";
}

impl std::fmt::Display for QuarantineReason {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.code, self.reason)
    }
}

/// The office's clerk keys as a push carries them (issue 18).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClerkKeys {
    /// Every certificate, oldest first.
    pub certificates: Vec<platform_api::KeyCertificate>,
    /// Every revocation, oldest first.
    pub revocations: Vec<platform_api::KeyRevocation>,
}

/// What the sync client needs from the local outbox (see the module docs for the contract).
pub trait Outbox {
    /// The store's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Up to `limit` records to send, in queue order, without confirmed or quarantined
    /// records and without any record of a case that has a quarantined record.
    fn pending(&mut self, limit: usize) -> Result<Vec<OutgoingRecord>, Self::Error>;

    /// How many records [`Outbox::pending`] could return in all (for progress and the
    /// report's `remaining`).
    fn count_pending(&mut self) -> Result<u64, Self::Error>;

    /// Notes an attempt to send `ids`: `None` just before the request goes out, or the
    /// transient error it ended with (for the "why is this stuck" view). The records stay
    /// pending. Ids that are no longer pending (confirmed meanwhile) must be ignored.
    fn record_attempt(&mut self, ids: &[Uuid], error: Option<&str>) -> Result<(), Self::Error>;

    /// The platform holds these records: they are done. Unknown or already confirmed ids
    /// must be ignored (an acknowledgement may be applied twice).
    fn mark_confirmed(&mut self, ids: &[Uuid]) -> Result<(), Self::Error>;

    /// Sets a record aside with the reason; it leaves the pending set and holds back its
    /// case's later records until a person acts.
    fn quarantine(&mut self, id: Uuid, reason: &QuarantineReason) -> Result<(), Self::Error>;

    /// The bytes of the blob named `content_hash`, if the store has them.
    fn read_blob(&mut self, content_hash: &str) -> Result<Option<Vec<u8>>, Self::Error>;

    /// The office's audit chain for the next push ([`platform_api::AuditAnchor`]: its head,
    /// and its hashes now at the rows of the last acknowledged and last sent anchors),
    /// noting the head as sent. `None` (the default) for an outbox without an audit chain.
    fn audit_anchor(&mut self) -> Result<Option<platform_api::AuditAnchor>, Self::Error> {
        Ok(None)
    }

    /// The certificates of the office's clerk keys and their revocations, sent with every
    /// push ([`platform_api::PushBatch::clerk_keys`], `clerk_key_revocations`). Empty (the
    /// default) for an outbox of an office without clerk keys.
    fn clerk_keys(&mut self) -> Result<ClerkKeys, Self::Error> {
        Ok(ClerkKeys::default())
    }

    /// The platform accepted a push carrying the anchor whose head was row `seq`.
    fn anchor_acknowledged(&mut self, seq: u64) -> Result<(), Self::Error> {
        let _ = seq;
        Ok(())
    }
}
