//! Blobs: the bytes of scanned pages, named by their SHA-256.
//!
//! Protocol choice: **idempotent `PUT` of the whole blob**, not a resumable `PATCH` with
//! offsets. A scanned page is at most about 1 MB after compression at capture, so a
//! resumed upload would save little, while a whole-blob `PUT` verified against the hash in
//! its path is trivially idempotent: repeating it after a lost answer stores nothing new.
//! `HEAD /v1/blobs/{sha256}` answers 200 when the platform holds the complete, verified
//! blob and 404 otherwise; partial uploads are never kept. The unit of resumption is the
//! page. Should bundles of many megabytes appear, a `PATCH` with an `Upload-Offset` header
//! (as in the tus protocol) can be added as a new route without changing this one.
//!
//! `PUT` answers 201 with a [`BlobReceipt`] when the blob is new and 200 with the same
//! receipt when it was already there. A body whose SHA-256 differs from the path is refused
//! with 400 [`crate::code::HASH_MISMATCH`]; one over [`crate::MAX_BLOB_BYTES`] with 413
//! [`crate::code::BLOB_TOO_LARGE`].

use serde::{Deserialize, Serialize};

/// The platform's receipt for a stored blob. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobReceipt {
    /// SHA-256 of the bytes, 64 lowercase hex digits.
    pub content_hash: String,
    /// Length in bytes.
    pub bytes: u64,
}

/// Index of a multi-blob upload (`POST /v1/blobs/batch`). **Wire format v1: do not change.**
///
/// The request body is framed, not JSON throughout, so pages travel as raw bytes:
///
/// ```text
/// 4 bytes   length J of the index, big-endian
/// J bytes   the index: this type as JSON
/// then      each blob's bytes, in the index's order, back to back
/// ```
///
/// The lengths in the index must add up to exactly what follows it. The platform checks
/// every blob against its `content_hash` and answers one [`BlobResult`] per entry, so one
/// bad blob does not fail the others. See [`encode_blob_batch`] and [`decode_blob_batch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobBatch {
    /// The blobs that follow the index, in order.
    pub blobs: Vec<BlobBatchEntry>,
}

/// One blob of a [`BlobBatch`]. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobBatchEntry {
    /// SHA-256 of the blob's bytes, 64 lowercase hex digits.
    pub content_hash: String,
    /// Length of the blob's bytes in the body.
    pub bytes: u64,
}

/// The platform's answer to a [`BlobBatch`] (HTTP 200). **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobBatchResponse {
    /// One result per entry of the index, in the index's order.
    pub results: Vec<BlobResult>,
}

/// The platform's verdict on one blob of a batch. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobResult {
    /// The blob this result is about, as the index named it.
    pub content_hash: String,
    /// The verdict, flattened into this object (its tag is the `status` key).
    #[serde(flatten)]
    pub status: BlobStatus,
}

/// Verdict on one blob of a batch, tagged by `status`. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BlobStatus {
    /// Stored now.
    Stored,
    /// The platform already held this blob: a success (re-uploading is harmless).
    AlreadyStored,
    /// Refused; nothing stored for this blob (the others are not affected).
    Refused {
        /// Stable SCREAMING_SNAKE code: [`crate::code::HASH_MISMATCH`] or
        /// [`crate::code::BLOB_TOO_LARGE`].
        code: String,
        /// Why, in one sentence.
        reason: String,
    },
    /// A verdict this client does not know; the client treats the blob as not uploaded.
    #[serde(other)]
    Unknown,
}

impl BlobStatus {
    /// Whether the platform now holds the blob (stored or already stored).
    pub fn is_success(&self) -> bool {
        matches!(self, BlobStatus::Stored | BlobStatus::AlreadyStored)
    }
}

/// Why a multi-blob body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobBatchFramingError {
    /// The body is shorter than its 4-byte index length or than the index.
    Truncated,
    /// The index is not a [`BlobBatch`] in JSON.
    IndexInvalid,
    /// The lengths in the index do not add up to the bytes after it.
    LengthMismatch,
    /// More than [`crate::MAX_BLOB_BATCH_BLOBS`] blobs.
    TooManyBlobs,
}

impl std::fmt::Display for BlobBatchFramingError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            BlobBatchFramingError::Truncated => "body is shorter than its index",
            BlobBatchFramingError::IndexInvalid => "index is not a blob batch in json",
            BlobBatchFramingError::LengthMismatch => "blob lengths do not add up to the body",
            BlobBatchFramingError::TooManyBlobs => "too many blobs in one batch",
        })
    }
}

impl std::error::Error for BlobBatchFramingError {}

/// Frames `blobs` (content hash, bytes) as a `POST /v1/blobs/batch` body.
///
/// ```
/// let body = platform_api::encode_blob_batch(&[("ab".repeat(32), b"page".as_slice())]).unwrap();
/// let (index, blobs) = platform_api::decode_blob_batch(&body).unwrap();
/// assert_eq!(index.blobs[0].bytes, 4);
/// assert_eq!(blobs, vec![b"page".as_slice()]);
/// ```
pub fn encode_blob_batch(blobs: &[(String, &[u8])]) -> Result<Vec<u8>, serde_json::Error> {
    let index = BlobBatch {
        blobs: blobs
            .iter()
            .map(|(content_hash, bytes)| BlobBatchEntry {
                content_hash: content_hash.clone(),
                bytes: bytes.len() as u64,
            })
            .collect(),
    };
    let index = serde_json::to_vec(&index)?;
    let index_length = u32::try_from(index.len())
        .map_err(|_| <serde_json::Error as serde::ser::Error>::custom("index over 4 GiB"))?;
    let total: usize = blobs.iter().map(|(_, bytes)| bytes.len()).sum();
    let mut body = Vec::with_capacity(4 + index.len() + total);
    body.extend_from_slice(&index_length.to_be_bytes());
    body.extend_from_slice(&index);
    for (_, bytes) in blobs {
        body.extend_from_slice(bytes);
    }
    Ok(body)
}

/// The part of a `POST /v1/blobs/batch` body that the request signature's body hash
/// covers: the 4-byte length and the index (see [`crate::signing::signed_body`]). `None`
/// when the body is too short to hold them (the request then fails as `BODY_INVALID`).
pub fn blob_batch_header(body: &[u8]) -> Option<&[u8]> {
    let (length, _) = body.split_first_chunk::<4>()?;
    let end = usize::try_from(u32::from_be_bytes(*length)).ok()?.checked_add(4)?;
    body.get(..end)
}

/// Reads a `POST /v1/blobs/batch` body: the index and each blob's bytes, in order. Checks
/// the framing only; hashes are the platform's to verify.
pub fn decode_blob_batch(body: &[u8]) -> Result<(BlobBatch, Vec<&[u8]>), BlobBatchFramingError> {
    let (length, rest) = body.split_first_chunk::<4>().ok_or(BlobBatchFramingError::Truncated)?;
    let index_length =
        usize::try_from(u32::from_be_bytes(*length)).map_err(|_| BlobBatchFramingError::Truncated)?;
    if rest.len() < index_length {
        return Err(BlobBatchFramingError::Truncated);
    }
    let (index, mut data) = rest.split_at(index_length);
    let index: BlobBatch = serde_json::from_slice(index).map_err(|_| BlobBatchFramingError::IndexInvalid)?;
    if index.blobs.len() > crate::MAX_BLOB_BATCH_BLOBS {
        return Err(BlobBatchFramingError::TooManyBlobs);
    }
    let mut blobs = Vec::with_capacity(index.blobs.len());
    for entry in &index.blobs {
        let length = usize::try_from(entry.bytes).map_err(|_| BlobBatchFramingError::LengthMismatch)?;
        if data.len() < length {
            return Err(BlobBatchFramingError::LengthMismatch);
        }
        let (blob, after) = data.split_at(length);
        blobs.push(blob);
        data = after;
    }
    if !data.is_empty() {
        return Err(BlobBatchFramingError::LengthMismatch);
    }
    Ok((index, blobs))
}
