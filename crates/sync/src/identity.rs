//! The installation's identity on the platform: a device id and an Ed25519 key pair.
//!
//! The key pair is generated once per installation ([`DeviceIdentity::generate`]); the app
//! keeps the 32-byte secret in its encrypted store and rebuilds the identity with
//! [`DeviceIdentity::from_secret`] at startup. The public key is enrolled on the platform
//! (pre-shared by an operator, or through [`crate::PlatformClient::enrol`] with a one-time
//! code). See [`platform_api::signing`] for what is signed and why Ed25519.

use ed25519_dalek::{Signer, SigningKey};
use zeroize::Zeroizing;

use crate::error::SyncError;

/// A device id with its signing key. `Debug` shows the id and public key only.
#[derive(Clone)]
pub struct DeviceIdentity {
    device_id: String,
    signing_key: SigningKey,
}

impl std::fmt::Debug for DeviceIdentity {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("DeviceIdentity")
            .field("device_id", &self.device_id)
            .field("public_key", &self.public_key_hex())
            .finish_non_exhaustive()
    }
}

fn check_device_id(device_id: &str) -> Result<(), SyncError> {
    if platform_api::is_valid_device_id(device_id) {
        Ok(())
    } else {
        Err(SyncError::Identity {
            reason: "device id must be 1-64 characters of A-Z a-z 0-9 . _ -".to_owned(),
        })
    }
}

impl DeviceIdentity {
    /// A new identity with a fresh key from the operating system's random source.
    pub fn generate(device_id: &str) -> Result<DeviceIdentity, SyncError> {
        check_device_id(device_id)?;
        let mut secret = Zeroizing::new([0_u8; 32]);
        getrandom::fill(secret.as_mut_slice())
            .map_err(|error| SyncError::Identity { reason: format!("no random source: {error}") })?;
        Ok(DeviceIdentity { device_id: device_id.to_owned(), signing_key: SigningKey::from_bytes(&secret) })
    }

    /// The identity with a stored secret key.
    pub fn from_secret(device_id: &str, secret: &[u8; 32]) -> Result<DeviceIdentity, SyncError> {
        check_device_id(device_id)?;
        Ok(DeviceIdentity { device_id: device_id.to_owned(), signing_key: SigningKey::from_bytes(secret) })
    }

    /// The secret key, to store (encrypted) and pass to [`DeviceIdentity::from_secret`].
    /// Wiped from memory when dropped.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing_key.to_bytes())
    }

    /// The device id.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.signing_key.verifying_key().to_bytes()
    }

    /// The public key as 64 lowercase hex digits, as the platform enrols it.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.public_key())
    }

    /// The signature of `message`, 128 lowercase hex digits.
    pub(crate) fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.signing_key.sign(message).to_bytes())
    }
}
