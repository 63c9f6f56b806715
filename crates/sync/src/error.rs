//! The errors of the sync client, named for what the app must do about them.
//!
//! [`SyncError::is_retryable`] splits them: the link or the platform is down for now
//! (retry with backoff, records stay queued), or something needs a person (a device that is
//! not enrolled, a URL that would send personal data in clear, a local store that failed).

/// What went wrong talking to the platform or draining the outbox.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The platform URL is `http://` to a host other than loopback; personal data never
    /// travels unencrypted. Use an `https://` URL (plain HTTP is for the local stand-in only).
    #[error("refusing plain http to {host}: use an https url (plain http is allowed on loopback only)")]
    InsecureUrl {
        /// The host that was refused.
        host: String,
    },
    /// The platform URL does not parse or has another scheme than http or https.
    #[error("invalid platform url: {reason}")]
    InvalidUrl {
        /// Why.
        reason: String,
    },
    /// No connection could be made: offline, DNS failure, connection refused.
    #[error("platform unreachable")]
    Unreachable {
        /// The transport's own words, for the log.
        detail: String,
    },
    /// The platform did not answer within the request timeout.
    #[error("platform did not answer in time")]
    Timeout,
    /// The connection broke after the request was sent and before the answer arrived. The
    /// platform may have processed the request (a lost acknowledgement): resending is safe.
    #[error("connection lost before the answer")]
    ConnectionLost {
        /// The transport's own words, for the log.
        detail: String,
    },
    /// The platform answered 5xx, 408 or 429: it cannot serve now.
    #[error("platform unavailable (http {status})")]
    Unavailable {
        /// The HTTP status.
        status: u16,
        /// The platform's error code, when it sent one.
        code: Option<String>,
    },
    /// The platform does not know this device (401 `DEVICE_UNKNOWN`). Enrol the device's
    /// public key on the platform, then sync again.
    #[error("device {device_id} is not enrolled on the platform: enrol its public key, then sync again")]
    DeviceUnknown {
        /// This device's id.
        device_id: String,
    },
    /// The platform refused the request's signature (401), e.g. `TIMESTAMP_OUT_OF_WINDOW`
    /// when the clock is far off. Check the device's clock and key.
    #[error("platform refused the signature ({code})")]
    Unauthorized {
        /// The platform's code.
        code: String,
        /// The platform's message.
        message: String,
    },
    /// The platform refused the request itself (a 4xx other than 401, 408 and 429).
    #[error("platform rejected the request ({code}, http {status})")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The platform's code.
        code: String,
        /// The platform's reason.
        reason: String,
    },
    /// An answer to a signed request without the platform's valid signature, while the
    /// platform's key is known: tampered on its way, or the office keeps a wrong key.
    /// Nothing of it is applied; a person must look (not retried by the drain).
    #[error("the platform's answer (http {status}) does not carry its valid signature")]
    AnswerUnverified {
        /// The answer's HTTP status.
        status: u16,
        /// Whether it carried a signature at all (a wrong one) or none.
        signed: bool,
    },
    /// The platform's answer does not follow the contract (unparsable JSON, a captive
    /// portal's HTML page, results that do not match the batch).
    #[error("unexpected answer from the platform: {detail}")]
    Protocol {
        /// What was wrong.
        detail: String,
    },
    /// The HTTP client could not be set up (TLS roots, certificates).
    #[error("http client setup: {detail}")]
    ClientSetup {
        /// What failed.
        detail: String,
    },
    /// The device id or key is not usable.
    #[error("device identity: {reason}")]
    Identity {
        /// Why.
        reason: String,
    },
    /// The local outbox (or decision store) failed.
    #[error("outbox: {0}")]
    Outbox(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl SyncError {
    /// Whether trying again later may succeed without anyone acting: network errors,
    /// timeouts, lost answers, 5xx/408/429, and malformed answers (often a proxy or a
    /// captive portal in the way).
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Unreachable { .. }
            | SyncError::Timeout
            | SyncError::ConnectionLost { .. }
            | SyncError::Unavailable { .. }
            | SyncError::Protocol { .. } => true,
            SyncError::InsecureUrl { .. }
            | SyncError::InvalidUrl { .. }
            | SyncError::DeviceUnknown { .. }
            | SyncError::Unauthorized { .. }
            | SyncError::AnswerUnverified { .. }
            | SyncError::Rejected { .. }
            | SyncError::ClientSetup { .. }
            | SyncError::Identity { .. }
            | SyncError::Outbox(_) => false,
        }
    }

    /// Whether the error suggests the device is offline rather than the platform failing.
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Unreachable { .. } | SyncError::Timeout)
    }

    /// Whether a smaller batch might get through (the answer took too long or broke off).
    pub(crate) fn suggests_smaller_batch(&self) -> bool {
        matches!(self, SyncError::Timeout | SyncError::ConnectionLost { .. })
    }

    /// Wraps an outbox (store) error.
    pub fn outbox(error: impl std::error::Error + Send + Sync + 'static) -> SyncError {
        SyncError::Outbox(Box::new(error))
    }
}
