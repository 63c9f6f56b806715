//! Wire types of the contract between a counter installation and the provincial platform,
//! version 1 (`/v1/...`).
//!
//! There is no public specification of the provincial interface, so this crate *is* the
//! specification: `docs/platform-api.md` explains it in prose, `docs/openapi/platform-v1.json`
//! describes it as OpenAPI 3.1, and the tests keep the three in step (golden JSON for every
//! type, and the document's paths and schema names against [`ROUTES`] and [`SCHEMAS`]).
//!
//! Both sides use these types: `sync` (the client that drains the outbox) and
//! `platform-stub` (the stand-in platform). Neither side's IO stack leaks in here: this
//! crate depends on serde and uuid only, and computes nothing that needs a clock, a
//! socket or a hash function.
//!
//! # The exchange in one paragraph
//!
//! A device pushes [`PushBatch`]es of [`PushRecord`]s to [`path::RECORDS`]. Each record
//! carries a client-generated UUIDv7 `record_id`, the idempotency key: the platform answers
//! per record with a [`RecordStatus`], where [`RecordStatus::Duplicate`] (the same record
//! again) is a success and [`RecordStatus::Conflict`] (a different record under the same id)
//! is not. Scanned pages travel as [`RecordKind::PageMetadata`] first; the platform lists the
//! content hashes it still lacks in [`PushResponse::missing_blobs`] and the device uploads
//! them with an idempotent `PUT` to [`path::blob`], or many at once with a `POST` to
//! [`path::BLOB_BATCH`]. Decisions come back through
//! [`path::DECISIONS`] as a feed with a cursor that the device stores. Every request except
//! [`path::TIME`] is signed by the device's Ed25519 key (see [`signing`]).
//!
//! # Compatibility rules
//!
//! - **Version 1 is frozen.** The golden files under `tests/golden/` pin the JSON of every
//!   type; a change that breaks them needs a `/v2` route, not an edit.
//! - Readers ignore unknown object keys, so a later minor revision may add optional fields.
//! - Unknown enum tags from the platform deserialize to an `Unknown` variant instead of
//!   failing the whole response ([`RecordStatus::Unknown`], [`DecisionKind::Unknown`]).

pub mod blobs;
pub mod decisions;
pub mod devices;
pub mod error;
pub mod records;
pub mod routes;
pub mod signing;
pub mod time;

pub use blobs::{
    BlobBatch, BlobBatchEntry, BlobBatchFramingError, BlobBatchResponse, BlobReceipt, BlobResult, BlobStatus,
    blob_batch_header, decode_blob_batch, encode_blob_batch,
};
pub use decisions::{Decision, DecisionKind, DecisionPage};
pub use devices::{DeviceEnrolment, EnrolmentReceipt};
pub use error::{ApiError, code};
pub use records::{
    AuditAnchor, AuditPoint, DeviceKeyAnswer, DeviceKeyChange, KeyCertificate, KeyRevocation, PushBatch,
    PushRecord, PushResponse, RATING_LEVELS, RecordKind, RecordResult, RecordStatus, StepSignature,
};
pub use routes::{ROUTES, Route, SCHEMAS, path};
pub use time::ServerTime;

/// The contract version this crate describes; it is the first segment of every path.
pub const API_VERSION: &str = "v1";

/// Most records one [`PushBatch`] may carry; a larger batch is refused with
/// [`code::BATCH_TOO_LARGE`].
pub const MAX_BATCH_RECORDS: usize = 500;

/// Largest request body the platform reads for JSON routes (8 MiB), and the most a
/// gzip-compressed JSON body may expand to.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// JSON bodies at least this long are sent gzip-compressed (`Content-Encoding: gzip`): the
/// signature covers the bytes as sent. A township line is a few Mbit/s; a batch of records
/// shrinks several times.
pub const COMPRESS_FROM_BYTES: usize = 1024;

/// Largest blob (one scanned page) the platform stores (16 MiB).
pub const MAX_BLOB_BYTES: usize = 16 * 1024 * 1024;

/// Largest body of a multi-blob upload (`POST /v1/blobs/batch`, 32 MiB): room for one blob
/// of [`MAX_BLOB_BYTES`] and its index, so any blob fits in a batch of its own.
pub const MAX_BLOB_BATCH_BYTES: usize = 2 * MAX_BLOB_BYTES;

/// Most blobs one multi-blob upload may carry.
pub const MAX_BLOB_BATCH_BLOBS: usize = 1000;

/// Most decisions one page of the feed returns, whatever `limit` asks for.
pub const MAX_DECISIONS_PER_PAGE: u32 = 500;

/// Whether `text` is a valid device id: 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
///
/// Device ids appear in headers and logs, so they are restricted to plain ASCII.
///
/// ```
/// assert!(platform_api::is_valid_device_id("zj-330182-counter-03"));
/// assert!(!platform_api::is_valid_device_id("柜台 3"));
/// ```
pub fn is_valid_device_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// Whether `text` is a SHA-256 digest in the contract's form: 64 lowercase hex digits.
///
/// ```
/// assert!(platform_api::is_sha256_hex(&"ab".repeat(32)));
/// assert!(!platform_api::is_sha256_hex(&"AB".repeat(32)));
/// ```
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}
