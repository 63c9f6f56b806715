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
