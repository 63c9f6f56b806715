//! Device identity: enrolment of an installation's public key.
//!
//! Each installation generates an Ed25519 key pair once and keeps the secret key on the
//! machine. The platform knows a device by its id and public key, either entered by an
//! operator (pre-shared) or enrolled through `POST /v1/devices` with a one-time enrolment
//! code handed out by the platform's operators. The enrolment request is itself signed
//! with the new key, which proves the device holds it. Requests from a device the platform
//! does not know are refused with 401 [`crate::code::DEVICE_UNKNOWN`].

use serde::{Deserialize, Serialize};

/// Body of `POST /v1/devices`. **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceEnrolment {
    /// The id the device will send in `X-Device-Id` (see [`crate::is_valid_device_id`]).
    pub device_id: String,
    /// The Ed25519 public key, 64 lowercase hex digits.
    pub public_key: String,
    /// The one-time code from the platform's operators.
    pub enrolment_code: String,
    /// The office's clerk-key certificates at enrolment (issue 18): the platform pins the
    /// office's root from them then, rather than on the first push (where an insider could
    /// be first). Optional (added compatibly).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clerk_keys: Vec<crate::KeyCertificate>,
}

/// The platform's answer to an enrolment (HTTP 201, or 200 when the same key was already
/// enrolled under this id). **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentReceipt {
    /// The enrolled device.
    pub device_id: String,
    /// When the platform enrolled it, RFC 3339 in UTC with milliseconds.
    pub enrolled_at: String,
}
