//! Each clerk signs the steps they take (issue 18).
//!
//! Separation of duties — accept, review and approve by three different people — held
//! only inside the office's own program: anyone holding the office's data key could write
//! an approval in a colleague's name, and the device's key signed whatever the database
//! said. Here every clerk has an SM2 key pair of their own, whose private half only their
//! own key slot (their password) unwraps, and signs each step over the record's digest and
//! the previous step. The platform checks the signatures and refuses an approval that three
//! different clerks did not sign, in order.
//!
//! A key is trusted because of a chain of [`KeyCertificate`]s:
//! - the office's first administrator's key certifies itself (`issuer: None`,
//!   `administrator: true`): the office's **root**, which the platform pins for the device
//!   the first time it sees it and never replaces;
//! - an administrator's key certifies a clerk's key when the administrator creates the
//!   clerk or sets their password (`administrator` says whether that key may certify
//!   others in turn);
//! - a clerk's key certifies their own next key when they choose their own password
//!   (the key made under a password an administrator knew is then retired);
//! - a key made at log-in for a clerk of an office older than this (no key yet) certifies
//!   itself without the administrator flag and counts only once an administrator's key has
//!   certified it too (at the administrator's next log-in).
//!
//! Everything here is pure: no IO, no clock, no randomness of its own (key generation takes
//! 32 random bytes from the caller). Signatures are deterministic (RFC 6979 nonces), so a
//! signature never depends on a random source being good.

use serde::{Deserialize, Serialize};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm3::{Digest, Sm3};
use std::fmt;
use zeroize::Zeroizing;

/// The signer's distinguishing identifier in SM2's `Z` value: the default of
/// GB/T 35276-2017 (SM2 密码算法使用规范), which the platform uses too.
pub const DIST_ID: &str = "1234567812345678";

/// The `previous` of a case's first signed step: no step before it.
pub const NO_PREVIOUS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Length of a public key in hex: SEC1 uncompressed (`04 ‖ x ‖ y`), 65 bytes.
pub const PUBLIC_KEY_HEX_LEN: usize = 130;

/// Why a key, a certificate or a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningError {
    /// Not hex of the right length, or not a point on the curve, or a secret out of range.
    Malformed(&'static str),
    /// Well-formed, but the signature does not verify.
    BadSignature,
}

impl fmt::Display for SigningError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningError::Malformed(what) => write!(formatter, "malformed {what}"),
            SigningError::BadSignature => formatter.write_str("the signature does not verify"),
        }
    }
}

impl std::error::Error for SigningError {}

/// A clerk's key pair. Its secret never leaves this type except as [`ClerkKey::secret`],
/// which the key slot wraps; its `Debug` shows the public key only.
#[derive(Clone)]
pub struct ClerkKey {
    signing: SigningKey,
    public_key: String,
}

impl ClerkKey {
    /// The key whose secret scalar is `secret` (big-endian). Fails for 0 and for values
    /// not below the curve's order (a random 32 bytes is out of range about once in 2³²
    /// tries: draw again).
    pub fn from_secret(secret: &[u8; 32]) -> Result<ClerkKey, SigningError> {
        let signing =
            SigningKey::from_slice(DIST_ID, secret).map_err(|_| SigningError::Malformed("secret key"))?;
        let public_key = to_hex(&signing.verifying_key().to_sec1_bytes());
        Ok(ClerkKey { signing, public_key })
    }

    /// A new key from 32 bytes of the caller's random source: `draw` is called again in
    /// the (vanishingly rare) case the bytes are not a valid secret.
    pub fn generate<E>(mut draw: impl FnMut(&mut [u8; 32]) -> Result<(), E>) -> Result<ClerkKey, E> {
        loop {
            let mut secret = Zeroizing::new([0_u8; 32]);
            draw(&mut secret)?;
            if let Ok(key) = ClerkKey::from_secret(&secret) {
                return Ok(key);
            }
        }
    }

    /// The secret scalar, for the key slot to wrap.
    pub fn secret(&self) -> Zeroizing<[u8; 32]> {
        let mut secret = Zeroizing::new([0_u8; 32]);
        secret.copy_from_slice(&self.signing.to_bytes());
        secret
    }

    /// The public key, SEC1 uncompressed, lowercase hex ([`PUBLIC_KEY_HEX_LEN`] digits).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// What a person compares: the first 16 hex digits of the public key's SM3, in groups.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key)
    }

    fn sign(&self, message: &[u8]) -> String {
        let signature: Signature = self.signing.sign(message);
        to_hex(&signature.to_bytes())
    }

    /// A certificate for `subject`'s key signed by this key (this key is the issuer).
    pub fn certify(&self, subject: &CertificateSubject<'_>) -> KeyCertificate {
        let mut certificate = KeyCertificate {
            username: subject.username.to_owned(),
            public_key: subject.public_key.to_owned(),
            administrator: subject.administrator,
            issued_at: subject.issued_at.to_owned(),
            issuer: Some(self.public_key.clone()),
            signature: String::new(),
        };
        certificate.signature = self.sign(&certificate.message());
        certificate
    }

    /// A certificate of this key by itself: the office's root (with `administrator`), or
    /// a clerk's first key waiting for an administrator's certificate (without).
    pub fn certify_self(&self, username: &str, administrator: bool, issued_at: &str) -> KeyCertificate {
        let mut certificate = KeyCertificate {
            username: username.to_owned(),
            public_key: self.public_key.clone(),
            administrator,
            issued_at: issued_at.to_owned(),
            issuer: None,
            signature: String::new(),
        };
        certificate.signature = self.sign(&certificate.message());
        certificate
    }

    /// A revocation of `public_key` (a clerk's key), signed by this key: an administrator
    /// revoking a clerk, or a clerk retiring their own previous key.
    pub fn revoke(&self, username: &str, public_key: &str, revoked_at: &str) -> KeyRevocation {
        let mut revocation = KeyRevocation {
            username: username.to_owned(),
            public_key: public_key.to_owned(),
            revoked_at: revoked_at.to_owned(),
            issuer: self.public_key.clone(),
            signature: String::new(),
        };
        revocation.signature = self.sign(&revocation.message());
        revocation
    }

    /// An administrator's order to replace the device's request-signing key (a re-key
    /// after a revocation): signed by this (the administrator's) key.
    pub fn order_device_key_change(&self, subject: &DeviceKeySubject<'_>) -> DeviceKeyChange {
        let mut change = DeviceKeyChange {
            device_id: subject.device_id.to_owned(),
            previous_key: subject.previous_key.to_owned(),
            new_key: subject.new_key.to_owned(),
            changed_at: subject.changed_at.to_owned(),
            username: subject.username.to_owned(),
            issuer: self.public_key.clone(),
            signature: String::new(),
        };
        change.signature = self.sign(&change.message());
        change
    }

    /// Signs a step this clerk takes.
    pub fn sign_step(&self, step: &Step<'_>) -> StepSignature {
        StepSignature {
            username: step.username.to_owned(),
            key: self.public_key.clone(),
            record: step.record.to_owned(),
            previous: step.previous.to_owned(),
            signature: self.sign(&step.message()),
        }
    }
}

impl fmt::Debug for ClerkKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("ClerkKey").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

impl PartialEq for ClerkKey {
    fn eq(&self, other: &ClerkKey) -> bool {
        self.public_key == other.public_key
    }
}

impl Eq for ClerkKey {}

/// Whose key a certificate vouches for.
#[derive(Debug, Clone, Copy)]
pub struct CertificateSubject<'a> {
    /// The clerk's user name (lower case, as the office stores it).
    pub username: &'a str,
    /// Their public key, hex.
    pub public_key: &'a str,
    /// Whether the key may certify other clerks' keys.
    pub administrator: bool,
    /// When, RFC 3339 in UTC.
    pub issued_at: &'a str,
}

/// One link of a key's chain of trust. **A wire format (platform contract): do not
/// rename fields.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCertificate {
    /// The clerk whose key this is.
    pub username: String,
    /// Their public key, SEC1 uncompressed, lowercase hex.
    pub public_key: String,
    /// Whether this key may certify other clerks' keys.
    pub administrator: bool,
    /// When it was issued, RFC 3339 in UTC.
    pub issued_at: String,
    /// The key that signed it (hex); `None` when the key signed itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// SM2 signature (`r ‖ s`, 128 hex digits) of [`KeyCertificate::message`].
    pub signature: String,
}

impl KeyCertificate {
    /// What the issuer signs: a tag and every field but the signature, one per line.
    pub fn message(&self) -> Vec<u8> {
        let mut message = b"permit-desk clerk key v1\n".to_vec();
        for part in [
            self.username.as_str(),
            self.public_key.as_str(),
            if self.administrator { "administrator" } else { "clerk" },
            self.issued_at.as_str(),
            self.issuer.as_deref().unwrap_or("self"),
        ] {
            message.extend_from_slice(part.as_bytes());
            message.push(b'\n');
        }
        message
    }

    /// The key the certificate must verify under: its issuer's, or its own.
    pub fn signer(&self) -> &str {
        self.issuer.as_deref().unwrap_or(&self.public_key)
    }

    /// Whether the key signed itself (the office's root, or a clerk's first key that an
    /// administrator has still to certify).
    pub fn is_self_signed(&self) -> bool {
        self.issuer.is_none()
    }

    /// Checks the certificate's own signature (not whether its issuer is trusted: that is
    /// the chain the platform walks) and that the key it names is a key.
    pub fn verify(&self) -> Result<(), SigningError> {
        verifying_key(&self.public_key)?;
        verify(self.signer(), &self.message(), &self.signature)
    }
}

/// The end of a key: steps it signs dated from `revoked_at` on no longer count. Signed by
/// an administrator's key (a clerk revoked, or their password reset), or by the clerk's own
/// (the key made under a password an administrator knew, retired when the clerk chose
/// their own). **A wire format (platform contract): do not rename fields.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRevocation {
    /// The clerk whose key it is.
    pub username: String,
    /// The key revoked (hex).
    pub public_key: String,
    /// From when, RFC 3339 in UTC.
    pub revoked_at: String,
    /// The key that signed the revocation (hex).
    pub issuer: String,
    /// SM2 signature (128 hex digits) of [`KeyRevocation::message`].
    pub signature: String,
}

impl KeyRevocation {
    /// What the issuer signs: a tag and every field but the signature, one per line.
    pub fn message(&self) -> Vec<u8> {
        let mut message = b"permit-desk clerk key revoked v1\n".to_vec();
        for part in [&self.username, &self.public_key, &self.revoked_at, &self.issuer] {
            message.extend_from_slice(part.as_bytes());
            message.push(b'\n');
        }
        message
    }

    /// Checks the revocation's own signature under its issuer.
    pub fn verify(&self) -> Result<(), SigningError> {
        verifying_key(&self.public_key)?;
        verify(&self.issuer, &self.message(), &self.signature)
    }
}

/// Which device key an administrator orders replaced, and by which.
#[derive(Debug, Clone, Copy)]
pub struct DeviceKeySubject<'a> {
    /// The device (its platform id).
    pub device_id: &'a str,
    /// The Ed25519 key the platform holds for it now, 64 lowercase hex digits.
    pub previous_key: &'a str,
    /// The Ed25519 key that replaces it, 64 lowercase hex digits.
    pub new_key: &'a str,
    /// When, RFC 3339 in UTC.
    pub changed_at: &'a str,
    /// The administrator ordering it (lower case, as the office stores it).
    pub username: &'a str,
}

/// An administrator's order to replace the key a device signs its requests with (the
/// device's Ed25519 key, kept in the office's database): after a re-key, a copy of the
/// database made before it — by the clerk just revoked — no longer holds a key the platform
/// takes. The device key alone cannot order it (whoever copied it could then replace it
/// first): an administrator's clerk key, registered and never revoked at the platform,
/// signs it. **A wire format (platform contract): do not rename fields.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKeyChange {
    /// The device.
    pub device_id: String,
    /// The Ed25519 key replaced (hex).
    pub previous_key: String,
    /// The Ed25519 key that replaces it (hex).
    pub new_key: String,
    /// When it was ordered, RFC 3339 in UTC.
    pub changed_at: String,
    /// The administrator who ordered it.
    pub username: String,
    /// Their SM2 key (hex), which signed it.
    pub issuer: String,
    /// SM2 signature (128 hex digits) of [`DeviceKeyChange::message`].
    pub signature: String,
}

impl DeviceKeyChange {
    /// What the administrator signs: a tag and every field but the signature, one per line.
    pub fn message(&self) -> Vec<u8> {
        let mut message = b"permit-desk device key change v1\n".to_vec();
        for part in [
            &self.device_id,
            &self.previous_key,
            &self.new_key,
            &self.changed_at,
            &self.username,
            &self.issuer,
        ] {
            message.extend_from_slice(part.as_bytes());
            message.push(b'\n');
        }
        message
    }

    /// Checks that both device keys are Ed25519 keys as hex (64 lowercase digits, not the
    /// same) and the order's signature under its issuer (not whether the issuer may order
    /// it: that is the platform's list of the device's administrators).
    pub fn verify(&self) -> Result<(), SigningError> {
        for key in [&self.previous_key, &self.new_key] {
            if key.len() != 64 || from_hex(key).is_none() {
                return Err(SigningError::Malformed("device key"));
            }
        }
        if self.previous_key == self.new_key {
            return Err(SigningError::Malformed("device key change"));
        }
        verify(&self.issuer, &self.message(), &self.signature)
    }
}

/// A step as signed: the case, the change, when and by whom, the record's digest and the
/// previous signed step of the case.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// The case's UUID.
    pub case_id: &'a str,
    /// State before (the contract's snake_case name).
    pub from: &'a str,
    /// State after.
    pub to: &'a str,
    /// When, RFC 3339 in UTC with milliseconds, as the payload says it.
    pub at: &'a str,
    /// Who (user name).
    pub username: &'a str,
    /// [`record_digest`] of the application as it stands.
    pub record: &'a str,
    /// [`StepSignature::link`] of the case's previous signed step, or [`NO_PREVIOUS`].
    pub previous: &'a str,
}

impl Step<'_> {
    /// What the clerk signs: a tag and the step's fields, one per line.
    pub fn message(&self) -> Vec<u8> {
        let mut message = b"permit-desk step v1\n".to_vec();
        for part in [self.case_id, self.from, self.to, self.at, self.username, self.record, self.previous] {
            message.extend_from_slice(part.as_bytes());
            message.push(b'\n');
        }
        message
    }
}

/// A clerk's signature on one step, as the step's outbox payload carries it (`signature`).
/// **A wire format (platform contract): do not rename fields.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSignature {
    /// Who signed.
    pub username: String,
    /// With which key (hex).
    pub key: String,
    /// The record's digest the step was taken on.
    pub record: String,
    /// The previous signed step's link, or [`NO_PREVIOUS`].
    pub previous: String,
    /// SM2 signature (128 hex digits) of [`Step::message`].
    pub signature: String,
}

impl StepSignature {
    /// Checks the signature against the step the payload describes (case, states, time):
    /// the signer, record and previous link are the signature's own fields.
    pub fn verify(&self, case_id: &str, from: &str, to: &str, at: &str) -> Result<(), SigningError> {
        let step = Step {
            case_id,
            from,
            to,
            at,
            username: &self.username,
            record: &self.record,
            previous: &self.previous,
        };
        verify(&self.key, &step.message(), &self.signature)
    }

    /// What the case's next signed step names as its `previous`: the SM3 of this
    /// signature's bytes, hex.
    pub fn link(&self) -> String {
        link_of(&self.signature)
    }
}

/// [`StepSignature::link`] from the signature's hex alone.
pub fn link_of(signature_hex: &str) -> String {
    to_hex(&Sm3::digest(signature_hex.as_bytes()))
}

/// The SM3 of an application record's canonical JSON (keys sorted at every level, no
/// spaces), hex: the same on the counter and on the platform whatever order the keys came in.
pub fn record_digest(record: &serde_json::Value) -> String {
    let mut text = String::new();
    write_canonical(record, &mut text);
    to_hex(&Sm3::digest(text.as_bytes()))
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|left, right| left.0.cmp(right.0));
            out.push('{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// What a person compares for a public key (hex): the first 16 hex digits of its SM3, in
/// groups of four.
pub fn fingerprint(public_key_hex: &str) -> String {
    let digest = to_hex(&Sm3::digest(public_key_hex.as_bytes()));
    let groups: Vec<&str> = (0..4).map(|group| &digest[group * 4..group * 4 + 4]).collect();
    groups.join(" ")
}

fn verifying_key(public_key_hex: &str) -> Result<VerifyingKey, SigningError> {
    if public_key_hex.len() != PUBLIC_KEY_HEX_LEN {
        return Err(SigningError::Malformed("public key"));
    }
    let bytes = from_hex(public_key_hex).ok_or(SigningError::Malformed("public key"))?;
    VerifyingKey::from_sec1_bytes(DIST_ID, &bytes).map_err(|_| SigningError::Malformed("public key"))
}

/// Checks an SM2 signature (hex `r ‖ s`) of `message` under a public key (hex).
pub fn verify(public_key_hex: &str, message: &[u8], signature_hex: &str) -> Result<(), SigningError> {
    let key = verifying_key(public_key_hex)?;
    if signature_hex.len() != 128 {
        return Err(SigningError::Malformed("signature"));
    }
    let bytes = from_hex(signature_hex).ok_or(SigningError::Malformed("signature"))?;
    let signature = Signature::from_slice(&bytes).map_err(|_| SigningError::Malformed("signature"))?;
    key.verify(message, &signature).map_err(|_| SigningError::BadSignature)
}

fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Lowercase hex only: an uppercase key or signature is another string on the wire.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_key_change_verifies_under_its_administrator_and_any_changed_field_does_not() {
        let admin = key(3);
        let (previous, new) = ("a".repeat(64), "b".repeat(64));
        let order = admin.order_device_key_change(&DeviceKeySubject {
            device_id: "desk-1",
            previous_key: &previous,
            new_key: &new,
            changed_at: "2026-12-06T08:00:00.000Z",
            username: "admin",
        });
        assert_eq!(order.verify(), Ok(()));
        assert_eq!(order.issuer, admin.public_key());
        let changed: [fn(&mut DeviceKeyChange); 5] = [
            |order| order.device_id = "desk-2".to_owned(),
            |order| order.new_key = "c".repeat(64),
            |order| order.previous_key = "d".repeat(64),
            |order| order.changed_at = "2026-12-05T08:00:00.000Z".to_owned(),
            |order| order.username = "li".to_owned(),
        ];
        for change in changed {
            let mut forged = order.clone();
            change(&mut forged);
            assert_eq!(forged.verify(), Err(SigningError::BadSignature), "{forged:?}");
        }
        let mut other_issuer = order.clone();
        other_issuer.issuer = key(4).public_key().to_owned();
        assert_eq!(other_issuer.verify(), Err(SigningError::BadSignature));
        let mut short = order.clone();
        short.new_key = "b".repeat(63);
        assert_eq!(short.verify(), Err(SigningError::Malformed("device key")));
        let mut upper = order.clone();
        upper.new_key = "B".repeat(64);
        assert_eq!(upper.verify(), Err(SigningError::Malformed("device key")));
        let same = admin.order_device_key_change(&DeviceKeySubject {
            device_id: "desk-1",
            previous_key: &previous,
            new_key: &previous,
            changed_at: "2026-12-06T08:00:00.000Z",
            username: "admin",
        });
        assert_eq!(same.verify(), Err(SigningError::Malformed("device key change")));
    }

    fn key(seed: u8) -> ClerkKey {
        ClerkKey::from_secret(&[seed; 32]).expect("a small constant is a valid secret")
    }

    fn step<'a>(username: &'a str, previous: &'a str) -> Step<'a> {
        Step {
            case_id: "0190a1b2-0000-7000-8000-000000000001",
            from: "accepted",
            to: "reviewed",
            at: "2026-12-05T08:00:00.000Z",
            username,
            record: "ab",
            previous,
        }
    }

    #[test]
    fn a_signed_step_verifies_and_any_changed_field_does_not() {
        let clerk = key(7);
        let signed = clerk.sign_step(&step("li", NO_PREVIOUS));
        assert_eq!(
            signed.verify(
                "0190a1b2-0000-7000-8000-000000000001",
                "accepted",
                "reviewed",
                "2026-12-05T08:00:00.000Z"
            ),
            Ok(())
        );
        let case = "0190a1b2-0000-7000-8000-000000000002";
        assert_eq!(
            signed.verify(case, "accepted", "reviewed", "2026-12-05T08:00:00.000Z"),
            Err(SigningError::BadSignature)
        );
        assert_eq!(
            signed.verify(
                "0190a1b2-0000-7000-8000-000000000001",
                "accepted",
                "approved",
                "2026-12-05T08:00:00.000Z"
            ),
            Err(SigningError::BadSignature)
        );
        let mut renamed = signed.clone();
        renamed.username = "wang".to_owned();
        assert_eq!(
            renamed.verify(
                "0190a1b2-0000-7000-8000-000000000001",
                "accepted",
                "reviewed",
                "2026-12-05T08:00:00.000Z"
            ),
            Err(SigningError::BadSignature)
        );
        let mut other_key = signed.clone();
        other_key.key = key(8).public_key().to_owned();
        assert_eq!(
            other_key.verify(
                "0190a1b2-0000-7000-8000-000000000001",
                "accepted",
                "reviewed",
                "2026-12-05T08:00:00.000Z"
            ),
            Err(SigningError::BadSignature)
        );
        let mut relinked = signed;
        relinked.previous = link_of("something else");
        assert_eq!(
            relinked.verify(
                "0190a1b2-0000-7000-8000-000000000001",
                "accepted",
                "reviewed",
                "2026-12-05T08:00:00.000Z"
            ),
            Err(SigningError::BadSignature)
        );
    }

    #[test]
    fn signing_is_deterministic_and_the_secret_round_trips() {
        let clerk = key(9);
        assert_eq!(clerk.sign_step(&step("li", NO_PREVIOUS)), clerk.sign_step(&step("li", NO_PREVIOUS)));
        let again = ClerkKey::from_secret(&clerk.secret()).expect("its own secret");
        assert_eq!(again, clerk);
        assert_eq!(clerk.public_key().len(), PUBLIC_KEY_HEX_LEN);
        assert!(clerk.public_key().starts_with("04"));
        assert_eq!(clerk.fingerprint().len(), 19);
        assert!(!format!("{clerk:?}").contains(&to_hex(&clerk.secret()[..])));
    }

    #[test]
    fn secrets_out_of_range_are_refused_and_generation_draws_again() {
        assert!(ClerkKey::from_secret(&[0; 32]).is_err());
        assert!(ClerkKey::from_secret(&[0xff; 32]).is_err());
        let mut draws = 0;
        let generated = ClerkKey::generate(|bytes: &mut [u8; 32]| {
            draws += 1;
            *bytes = if draws == 1 { [0xff; 32] } else { [3; 32] };
            Ok::<(), ()>(())
        })
        .expect("the second draw is valid");
        assert_eq!(draws, 2);
        assert_eq!(generated, key(3));
    }

    #[test]
    fn certificates_verify_under_their_issuer_and_not_when_changed() {
        let administrator = key(1);
        let root = administrator.certify_self("admin", true, "2026-12-05T08:00:00.000Z");
        assert!(root.is_self_signed());
        assert_eq!(root.verify(), Ok(()));
        let clerk = key(2);
        let certificate = administrator.certify(&CertificateSubject {
            username: "li",
            public_key: clerk.public_key(),
            administrator: false,
            issued_at: "2026-12-05T08:01:00.000Z",
        });
        assert_eq!(certificate.signer(), administrator.public_key());
        assert_eq!(certificate.verify(), Ok(()));
        for change in [
            |c: &mut KeyCertificate| c.username = "wang".to_owned(),
            |c: &mut KeyCertificate| c.administrator = true,
            |c: &mut KeyCertificate| c.issued_at = "2027-01-01T00:00:00.000Z".to_owned(),
            |c: &mut KeyCertificate| c.public_key = key(5).public_key().to_owned(),
        ] {
            let mut changed = certificate.clone();
            change(&mut changed);
            assert_eq!(changed.verify(), Err(SigningError::BadSignature), "{changed:?}");
        }
        let mut not_a_key = certificate.clone();
        not_a_key.public_key = "04".repeat(65);
        assert_eq!(not_a_key.verify(), Err(SigningError::Malformed("public key")));
        let mut short = certificate;
        short.signature.pop();
        assert_eq!(short.verify(), Err(SigningError::Malformed("signature")));
        // A clerk's key claiming to be self-certified by the administrator's key: the
        // signature is the clerk's, so it does not verify under the issuer named.
        let forged = clerk.certify(&CertificateSubject {
            username: "zhao",
            public_key: key(6).public_key(),
            administrator: false,
            issued_at: "2026-12-05T08:02:00.000Z",
        });
        let mut misattributed = forged;
        misattributed.issuer = Some(administrator.public_key().to_owned());
        assert_eq!(misattributed.verify(), Err(SigningError::BadSignature));
    }

    #[test]
    fn a_revocation_verifies_under_its_issuer_only() {
        let administrator = key(1);
        let clerk = key(2);
        let revocation = administrator.revoke("li", clerk.public_key(), "2026-12-05T09:00:00.000Z");
        assert_eq!(revocation.verify(), Ok(()));
        let mut later = revocation.clone();
        later.revoked_at = "2027-01-01T00:00:00.000Z".to_owned();
        assert_eq!(later.verify(), Err(SigningError::BadSignature));
        let mut claimed = revocation;
        claimed.issuer = key(3).public_key().to_owned();
        assert_eq!(claimed.verify(), Err(SigningError::BadSignature));
    }

    #[test]
    fn the_record_digest_does_not_depend_on_key_order_but_on_every_value() {
        let one: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,"二"],"x":null}}"#).expect("json");
        let two: serde_json::Value =
            serde_json::from_str(r#"{"a":{"x":null,"y":[1,"二"]},"b":1}"#).expect("json");
        let three: serde_json::Value =
            serde_json::from_str(r#"{"a":{"x":null,"y":[1,"三"]},"b":1}"#).expect("json");
        assert_eq!(record_digest(&one), record_digest(&two));
        assert_ne!(record_digest(&one), record_digest(&three));
        assert_eq!(record_digest(&one).len(), 64);
    }

    #[test]
    fn malformed_hex_is_refused_not_panicked_on() {
        for text in ["", "0", "zz", "04", &"g".repeat(130)] {
            assert!(
                matches!(verify(text, b"m", &"0".repeat(128)), Err(SigningError::Malformed(_))),
                "{text}"
            );
        }
        assert!(matches!(verify(key(1).public_key(), b"m", "xyz"), Err(SigningError::Malformed(_))));
        assert!(matches!(
            verify(key(1).public_key(), b"m", &"0".repeat(128)),
            Err(SigningError::Malformed(_))
        ));
    }
}
