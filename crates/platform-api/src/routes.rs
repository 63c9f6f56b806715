//! The routes and schema names of contract v1, as data.
//!
//! The stand-in builds its router from [`path`], the client builds its URLs from it, and a
//! test compares [`ROUTES`] and [`SCHEMAS`] with `docs/openapi/platform-v1.json`, so the
//! document cannot drift from the code.

/// Path templates and builders. Templates use `{name}` for parameters, as OpenAPI does.
pub mod path {
    /// `POST`: push a [`crate::PushBatch`].
    pub const RECORDS: &str = "/v1/records";
    /// `PUT` and `HEAD`: one blob, by its SHA-256.
    pub const BLOB: &str = "/v1/blobs/{sha256}";
    /// `POST`: many blobs in one framed body (see [`crate::BlobBatch`]).
    pub const BLOB_BATCH: &str = "/v1/blobs/batch";
    /// `GET`: the decision feed.
    pub const DECISIONS: &str = "/v1/decisions";
    /// `GET`: the platform's clock (unsigned).
    pub const TIME: &str = "/v1/time";
    /// `POST`: enrol a device.
    pub const DEVICES: &str = "/v1/devices";

    /// The path of the blob named `sha256`.
    pub fn blob(sha256: &str) -> String {
        format!("/v1/blobs/{sha256}")
    }

    /// The decision feed's path and query after `cursor`, at most `limit` decisions.
    pub fn decisions(cursor: u64, limit: u32) -> String {
        format!("/v1/decisions?cursor={cursor}&limit={limit}")
    }
}

/// One operation of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// HTTP method in upper case.
    pub method: &'static str,
    /// Path template (see [`path`]).
    pub path: &'static str,
    /// Whether the request must carry the device's signature headers.
    pub signed: bool,
}

/// Every operation of contract v1.
pub const ROUTES: &[Route] = &[
    Route { method: "POST", path: path::RECORDS, signed: true },
    Route { method: "PUT", path: path::BLOB, signed: true },
    Route { method: "HEAD", path: path::BLOB, signed: true },
    Route { method: "POST", path: path::BLOB_BATCH, signed: true },
    Route { method: "GET", path: path::DECISIONS, signed: true },
    Route { method: "GET", path: path::TIME, signed: false },
    Route { method: "POST", path: path::DEVICES, signed: true },
];

/// The name of every schema of contract v1: one per wire type of this crate, as listed
/// under `components.schemas` in the OpenAPI document.
pub const SCHEMAS: &[&str] = &[
    "PushBatch",
    "PushRecord",
    "RecordKind",
    "PushResponse",
    "RecordResult",
    "BlobReceipt",
    "BlobBatch",
    "BlobBatchEntry",
    "BlobBatchResponse",
    "BlobResult",
    "DecisionPage",
    "Decision",
    "DecisionKind",
    "ServerTime",
    "DeviceEnrolment",
    "EnrolmentReceipt",
    "ApiError",
];
