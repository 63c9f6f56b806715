//! The body of every non-2xx answer, and the codes it may carry.
//!
//! Clients switch on [`ApiError::code`], never on the message. Codes are stable: never
//! rename or reuse one that has shipped; mark it deprecated here instead.

use serde::{Deserialize, Serialize};

/// Body of an error answer (4xx, 5xx). **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable SCREAMING_SNAKE code from [`code`].
    pub code: String,
    /// One short sentence; for logs and, where it is Chinese, for the clerk.
    pub message: String,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        ApiError { code: code.to_owned(), message: message.into() }
    }
}

/// The error codes of contract v1, in answers ([`ApiError`]) and in per-record
/// rejections ([`crate::RecordStatus::Rejected`]).
pub mod code {
    /// 401: the `X-Device-Id` is not enrolled on the platform.
    pub const DEVICE_UNKNOWN: &str = "DEVICE_UNKNOWN";
    /// 401: the request is signed with a key the device's administrator had replaced (a
    /// device key change, after a re-key): a copy of the office made before it, or the
    /// office itself when the answer to its change was lost — it then signs with the new key.
    pub const DEVICE_KEY_REPLACED: &str = "DEVICE_KEY_REPLACED";
    /// 409: the push's audit anchor does not extend the one the platform holds for the
    /// device: the office's audit chain was rewritten (or a device stopped anchoring).
    pub const AUDIT_CHAIN_BROKEN: &str = "AUDIT_CHAIN_BROKEN";
    /// 401: a signature header is missing or malformed, or the signature does not verify.
    pub const SIGNATURE_INVALID: &str = "SIGNATURE_INVALID";
    /// 401: `X-Timestamp` is further than the allowed window from the platform's clock;
    /// the device should probe `GET /v1/time` and correct for the skew.
    pub const TIMESTAMP_OUT_OF_WINDOW: &str = "TIMESTAMP_OUT_OF_WINDOW";
    /// 401: a signed request was received before (its `X-Nonce` within the signature
    /// window): a replay, refused. A device signs every send, retries included, afresh.
    pub const REQUEST_REPLAYED: &str = "REQUEST_REPLAYED";
    /// 401: the request was signed for another host than the platform that received it.
    pub const WRONG_HOST: &str = "WRONG_HOST";
    /// 403: the batch's `device_id` differs from the signing device.
    pub const DEVICE_MISMATCH: &str = "DEVICE_MISMATCH";
    /// 403: the enrolment code is wrong, used up, or enrolment is closed.
    pub const ENROLMENT_REFUSED: &str = "ENROLMENT_REFUSED";
    /// 409: the device id is already enrolled with a different public key.
    pub const DEVICE_KEY_CONFLICT: &str = "DEVICE_KEY_CONFLICT";
    /// 400: the body is not the JSON the route expects.
    pub const BODY_INVALID: &str = "BODY_INVALID";
    /// 400: a query parameter is missing or malformed.
    pub const QUERY_INVALID: &str = "QUERY_INVALID";
    /// 413: more than [`crate::MAX_BATCH_RECORDS`] records, or a body over the size limit.
    pub const BATCH_TOO_LARGE: &str = "BATCH_TOO_LARGE";
    /// 400: a blob's bytes do not hash to the name in its path.
    pub const HASH_MISMATCH: &str = "HASH_MISMATCH";
    /// 413: a blob over [`crate::MAX_BLOB_BYTES`].
    pub const BLOB_TOO_LARGE: &str = "BLOB_TOO_LARGE";
    /// 404: no such route or blob.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// 503: the platform cannot serve now; retry later with backoff.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    /// 500: the platform failed; retry later with backoff.
    pub const INTERNAL: &str = "INTERNAL";
    /// Per record: the record is not valid for the platform (the reason says why).
    pub const RECORD_INVALID: &str = "RECORD_INVALID";
    /// Per record: `record_id` is not a UUIDv7.
    pub const RECORD_ID_INVALID: &str = "RECORD_ID_INVALID";
    /// Per record: `sequence` is not greater than the last one stored for the case.
    pub const SEQUENCE_OUT_OF_ORDER: &str = "SEQUENCE_OUT_OF_ORDER";
    /// Per record: the case belongs to another device.
    pub const CASE_OWNED_ELSEWHERE: &str = "CASE_OWNED_ELSEWHERE";
    /// Per record: a clerk's step (a state change) from a device whose office has a root
    /// key carries no clerk's signature (issue 18, `clerk_signing`).
    pub const STEP_NOT_SIGNED: &str = "STEP_NOT_SIGNED";
    /// Per record: the step's signature does not verify, or it names another clerk than
    /// the step's, another record than the case's, or not the case's previous signed step.
    pub const STEP_SIGNATURE_INVALID: &str = "STEP_SIGNATURE_INVALID";
    /// Per record: the step is signed with a key that does not chain to the office's root
    /// (not certified by an administrator's key, or certified for another clerk).
    pub const CLERK_KEY_UNTRUSTED: &str = "CLERK_KEY_UNTRUSTED";
    /// Per record: an approval without the signed acceptance and review of the same
    /// application by two other clerks (three different people, in order).
    pub const APPROVAL_NOT_SEPARATED: &str = "APPROVAL_NOT_SEPARATED";
}
