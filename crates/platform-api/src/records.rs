//! Push: what a device sends to `POST /v1/records` and what the platform answers.
//!
//! Contract of the platform, record by record, in the order of the batch:
//! - A record id never seen before is validated and stored: [`RecordStatus::Accepted`].
//! - The same record id with the same content (every field of [`PushRecord`] equal) is
//!   [`RecordStatus::Duplicate`], a success: this is how a resend after a lost answer heals.
//! - The same record id with different content is [`RecordStatus::Conflict`] and nothing
//!   is stored.
//! - A record the platform refuses is [`RecordStatus::Rejected`] with a code and a reason
//!   for the clerk; nothing is stored, so the same id may be sent again once fixed.
//! - Once a record of a case was not accepted in a batch, the case's later records in the
//!   same batch are [`RecordStatus::Deferred`]: not looked at, to be sent again later. This
//!   keeps each case's records in order on the platform.
//! - `sequence` must grow strictly within a case (gaps are allowed, so a device may use
//!   its global outbox order). A record older than the last one stored for its case is
//!   rejected with [`crate::code::SEQUENCE_OUT_OF_ORDER`].

pub use clerk_signing::{DeviceKeyChange, KeyCertificate, KeyRevocation, StepSignature};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A batch of records from one device. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushBatch {
    /// The sending device; must equal the `X-Device-Id` header.
    pub device_id: String,
    /// The records, in the order the device wants them applied (per case: by `sequence`).
    /// At most [`crate::MAX_BATCH_RECORDS`].
    pub records: Vec<PushRecord>,
    /// Where the office's audit chain stands (issue 18), so the platform can hold it to
    /// what it saw before. Optional (added compatibly): a device that ever sent one must
    /// always send one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_anchor: Option<AuditAnchor>,
    /// The certificates of the office's clerk keys (issue 18): the platform learns from
    /// them which keys may sign whose steps, each chained to the office's root key, which
    /// it pins for the device the first time it sees one. Optional (added compatibly);
    /// sent whole with every push (a few hundred bytes a clerk).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clerk_keys: Vec<KeyCertificate>,
    /// The revocations of clerk keys (a clerk revoked, a password reset, a key made under
    /// an administrator's password retired by the clerk's own): the platform stops counting
    /// a revoked key's steps dated from the revocation on. Optional (added compatibly).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clerk_key_revocations: Vec<KeyRevocation>,
    /// An administrator's order to replace the key this device signs its requests with
    /// (sent after a re-key until the platform answers it, [`PushResponse::device_key`]):
    /// the push itself is signed with the key it replaces. Optional (added compatibly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key_change: Option<DeviceKeyChange>,
}

/// The office's audit chain at the time of a push: its head (while a sent anchor is not yet
/// acknowledged, that anchor's row again), and the chain's hash at the row of the last
/// anchor the platform acknowledged, computed from the chain as it is now. The platform refuses the push
/// with 409 [`crate::code::AUDIT_CHAIN_BROKEN`] when none of `at` equals the anchor it
/// holds for the device: the chain was rewritten below a point the platform already saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    /// The chain's head: the last row's sequence number and hash.
    pub head: AuditPoint,
    /// The chain's hash at the last acknowledged anchor's row, as the chain is now (none
    /// before the first acknowledgement).
    #[serde(default)]
    pub at: Vec<AuditPoint>,
    /// The first row the office's own check (at log-in) found changed or removed, when it
    /// found one: the office reports its own alarm, which the platform keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<u64>,
}

/// One row of an audit chain: its sequence number and its hash (64 lowercase hex digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPoint {
    /// The row's sequence number (from 1).
    pub seq: u64,
    /// The row's hash (HMAC-SM3), lowercase hex.
    pub hash: String,
}

/// One change the platform must learn about. **Wire format v1: do not change.**
///
/// Content equality (for duplicate versus conflict) covers every field, so a device must
/// send a record byte-for-byte the same way every time: it is frozen when queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRecord {
    /// Client-generated UUIDv7: the idempotency key of this record.
    pub record_id: Uuid,
    /// The case the record belongs to (the counter's case UUID).
    pub case_id: Uuid,
    /// What happened.
    pub kind: RecordKind,
    /// Position within the case: strictly increasing, gaps allowed.
    pub sequence: u64,
    /// When the record was created at the counter, RFC 3339 in UTC with milliseconds
    /// (`2026-03-02T08:15:00.000Z`).
    pub created_at: String,
    /// The record's content as the counter wrote it (contains personal data: never log it).
    pub payload: serde_json::Value,
}

/// What a record reports. Serialized as an object tagged by `type`.
/// **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RecordKind {
    /// A case was opened at the counter; `payload` holds the application record.
    CaseCreated,
    /// A case moved from one state to another. States are the snake_case names of the
    /// counter's case states (`draft`, `notice_issued`, `not_eligible`, `accepted`, `reviewed`,
    /// `approved`, `rejected`, `issued`, `old_permit_cancelled`, `withdrawn`). The platform issues a
    /// permit after a change `to: "approved"`.
    ///
    /// A clerk's step carries the clerk's [`StepSignature`] in `payload.signature` (issue 18;
    /// the payload's `case_id`, `from`, `to` and `at` are what it signs, with the clerk, the
    /// record's digest and the case's previous signed step). Once the platform holds a root
    /// key for the device (from [`PushBatch::clerk_keys`]), every step but the platform's
    /// own decisions must be signed by a key chained to it, and an approval needs the
    /// signed acceptance and review by two other clerks of the same record: refused
    /// otherwise with [`crate::code::STEP_NOT_SIGNED`], [`crate::code::STEP_SIGNATURE_INVALID`],
    /// [`crate::code::CLERK_KEY_UNTRUSTED`] or [`crate::code::APPROVAL_NOT_SEPARATED`].
    StateChanged {
        /// The state before.
        from: String,
        /// The state after.
        to: String,
    },
    /// An opinion (受理人/审核人/审批人意见) was written; `payload` holds it.
    Opinion,
    /// A scanned page: its bytes travel separately as a blob.
    PageMetadata {
        /// SHA-256 of the page's bytes, 64 lowercase hex digits; the blob's name.
        content_hash: String,
        /// Length of the page in bytes.
        bytes: u64,
    },
    /// The confirmation slip was printed at the counter.
    SlipPrinted,
    /// The applicant rated a visit (政务服务"好差评"); `payload` holds the reason, the visit
    /// and the clerk who served them. Added after v1: a platform that does not know it
    /// refuses the record, which the counter keeps and shows.
    Rating {
        /// One of [`RATING_LEVELS`].
        level: String,
    },
}

/// The five 好差评 levels as the wire spells them, best first (非常满意 … 非常不满意).
pub const RATING_LEVELS: [&str; 5] =
    ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"];

impl RecordKind {
    /// The kind's tag as it appears on the wire (`state_changed`).
    pub fn name(&self) -> &'static str {
        match self {
            RecordKind::CaseCreated => "case_created",
            RecordKind::StateChanged { .. } => "state_changed",
            RecordKind::Opinion => "opinion",
            RecordKind::PageMetadata { .. } => "page_metadata",
            RecordKind::SlipPrinted => "slip_printed",
            RecordKind::Rating { .. } => "rating",
        }
    }

    /// The blob this record refers to, if it is a page.
    pub fn content_hash(&self) -> Option<&str> {
        match self {
            RecordKind::PageMetadata { content_hash, .. } => Some(content_hash),
            RecordKind::CaseCreated
            | RecordKind::StateChanged { .. }
            | RecordKind::Opinion
            | RecordKind::SlipPrinted
            | RecordKind::Rating { .. } => None,
        }
    }
}

/// The platform's answer to a [`PushBatch`] (HTTP 200). **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per record of the batch, in the batch's order.
    pub results: Vec<RecordResult>,
    /// Content hashes named by page records of this batch (accepted or duplicate) whose
    /// blob the platform does not hold yet. The device uploads them with
    /// `POST /v1/blobs/batch` (or each with `PUT /v1/blobs/{sha256}`) and should keep those records unconfirmed until the upload succeeded: a resend then
    /// names the hash again.
    pub missing_blobs: Vec<String>,
    /// The platform's answer to the batch's [`PushBatch::device_key_change`], when it
    /// carried one. Optional (added compatibly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<DeviceKeyAnswer>,
}

/// What the platform did with a device key change. **Wire format: do not rename fields.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKeyAnswer {
    /// The key the platform now holds for the device, 64 hex digits: the change's new key
    /// when it was applied (now, or by an earlier push whose answer was lost), else the
    /// key it replaces.
    pub key: String,
    /// Why the change was not applied (not signed by an administrator the platform knows
    /// for this device, one revoked, or naming another key than the one it holds), in
    /// Chinese; `None` when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// The verdict on one record. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    /// The record this result is about.
    pub record_id: Uuid,
    /// The verdict, flattened into this object (its tag is the `status` key).
    #[serde(flatten)]
    pub status: RecordStatus,
}

/// Verdict on one record, tagged by `status`. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RecordStatus {
    /// Stored now.
    Accepted,
    /// Already stored with the same content: a success.
    Duplicate,
    /// Already stored with *different* content under this id; nothing changed. A person
    /// must look at it: the device sent two different things under one idempotency key.
    Conflict,
    /// Refused as invalid; nothing stored. The reason is meant for the clerk.
    Rejected {
        /// Stable SCREAMING_SNAKE code (see [`crate::code`]).
        code: String,
        /// Why, in one sentence (Chinese for the clerk where the platform has it).
        reason: String,
    },
    /// Not looked at, because an earlier record of the same case in this batch was not
    /// accepted; send it again after that one.
    Deferred {
        /// The earlier record of the same case that held this one back.
        blocked_by: Uuid,
    },
    /// A verdict this client does not know (from a later revision of the platform). The
    /// client treats it as "not confirmed" and sends the record again later.
    #[serde(other)]
    Unknown,
}

impl RecordStatus {
    /// Whether the platform now holds this record (accepted or duplicate).
    pub fn is_success(&self) -> bool {
        matches!(self, RecordStatus::Accepted | RecordStatus::Duplicate)
    }
}
