//! Errors of the stand-in's own operations (opening its database, binding its socket).
//!
//! Errors a *client* causes are not here: they become HTTP answers with an
//! [`platform_api::ApiError`] body in the handlers.

/// What went wrong in the stand-in.
#[derive(Debug, thiserror::Error)]
pub enum StubError {
    /// The stand-in's SQLite database failed.
    #[error("platform database: {0}")]
    Database(#[from] rusqlite::Error),
    /// A socket or file operation failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A stored JSON value did not parse (the database was edited by hand?).
    #[error("stored json: {0}")]
    Json(#[from] serde_json::Error),
    /// An argument was not acceptable.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which argument.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A case named by the caller has never been pushed.
    #[error("unknown case {0}")]
    UnknownCase(uuid::Uuid),
    /// An air-gapped bundle was refused (damaged, wrong key, wrong kind).
    #[error("bundle: {0}")]
    Bundle(#[from] bundle::BundleError),
    /// A bundle came from a device the platform does not know.
    #[error("bundle from unknown device {0}")]
    UnknownDevice(String),
    /// An export's audit anchor does not extend the one held for its device
    /// (`AUDIT_CHAIN_BROKEN`): the export is refused whole, no answer is written.
    #[error("export refused, audit chain broken: {0}")]
    AuditChainBroken(String),
    /// An export signed with a key the device's administrator replaced, not carrying the
    /// order that replaced it (`DEVICE_KEY_REPLACED`): a copy of the office made before
    /// the re-key. Refused whole, no answer is written.
    #[error("export from device {0} signed with a replaced device key")]
    DeviceKeyReplaced(String),
}

/// Result of the stand-in's operations.
pub type Result<T, E = StubError> = std::result::Result<T, E>;
