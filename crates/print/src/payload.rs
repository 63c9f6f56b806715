//! The confirmation slip's QR payload: the case number and the key fields, signed with the
//! office's Ed25519 key, so that anyone holding the office's public key can check a slip
//! offline (`permitctl verify-slip`, the app's scanner).
//!
//! Version 1 is one line of UTF-8, fields separated by `|` (QR byte mode):
//!
//! ```text
//! PDSLIP1|<case number>|<name>|<ID number as printed>|<permit number>|<issue date YYYYMMDD>|<valid until YYYYMMDD or ->|<office county code>|<key id>|<signature>
//! ```
//!
//! - The ID number is the one printed on the slip (masked by default), so the QR never
//!   tells more than the paper.
//! - `key id` is the first 4 bytes of the office's public key in hex: it picks the key,
//!   it proves nothing.
//! - `signature` is the Ed25519 signature of every byte before the last `|`, in unpadded
//!   base64url (86 characters).
//! - `%` and `|` inside a field are written `%25` and `%7C`.
//!
//! **Do not change version 1**: slips already printed carry it. A new layout gets a new
//! prefix (`PDSLIP2`) and both are verified.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::PrintError;

/// First field of a version-1 payload.
pub const PAYLOAD_PREFIX: &str = "PDSLIP1";
/// Number of `|`-separated fields in a version-1 payload.
const FIELD_COUNT: usize = 10;
/// Seed of the demo key: for examples and tests only, never for a real office.
const DEMO_SEED: &[u8; 32] = b"permit-desk DEMO key, NOT SECRET";

/// What a slip's QR code vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipPayload {
    /// The case number (申请编号).
    pub case_number: String,
    /// The holder's name.
    pub name: String,
    /// The ID number as printed on the slip (masked unless the profile prints it in full).
    pub id_number: String,
    /// The electronic permit's number.
    pub permit_number: String,
    /// The permit's issue date.
    pub issue_date: NaiveDate,
    /// The end of validity; `None` for a long-term permit kept valid by endorsement.
    pub valid_until: Option<NaiveDate>,
    /// GB/T 2260 code of the issuing office's county.
    pub office_county_code: String,
}

/// A payload that passed [`verify_slip_payload`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedSlip {
    /// The signed fields.
    pub payload: SlipPayload,
    /// The key id found in the payload (matches the key it was checked with).
    pub key_id: String,
}

/// The key id of a public key: its first 4 bytes in hex.
pub fn key_id(public_key: &VerifyingKey) -> String {
    public_key.as_bytes()[..4].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The demo office key (its seed is public): for examples, tests and `permitctl` without
/// `--key`. A real office generates its own key and keeps it secret.
pub fn demo_signing_key() -> SigningKey {
    SigningKey::from_bytes(DEMO_SEED)
}

/// Parses a signing key given as 64 hex digits (the 32-byte Ed25519 seed); surrounding
/// whitespace is ignored.
pub fn signing_key_from_hex(text: &str) -> Result<SigningKey, PrintError> {
    let bytes = hex_32(text).ok_or(PrintError::KeyInvalid)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Parses a public key given as 64 hex digits.
pub fn verifying_key_from_hex(text: &str) -> Result<VerifyingKey, PrintError> {
    let bytes = hex_32(text).ok_or(PrintError::KeyInvalid)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| PrintError::KeyInvalid)
}

/// A key as 64 lowercase hex digits.
pub fn key_to_hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn hex_32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0_u8; 32];
    for (index, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * index..2 * index + 2)?, 16).ok()?;
    }
    Some(out)
}

fn escape(field: &str) -> String {
    field.replace('%', "%25").replace('|', "%7C")
}

fn unescape(field: &str) -> String {
    field.replace("%7C", "|").replace("%7c", "|").replace("%25", "%")
}

fn date_field(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

fn parse_date(field: &str, what: &str) -> Result<NaiveDate, PrintError> {
    NaiveDate::parse_from_str(field, "%Y%m%d")
        .map_err(|_| PrintError::PayloadMalformed { detail: format!("{what} `{field}` is not YYYYMMDD") })
}

impl SlipPayload {
    /// The signed text for the QR code.
    pub fn encode_signed(&self, key: &SigningKey) -> String {
        let message = [
            PAYLOAD_PREFIX.to_owned(),
            escape(&self.case_number),
            escape(&self.name),
            escape(&self.id_number),
            escape(&self.permit_number),
            date_field(self.issue_date),
            self.valid_until.map_or_else(|| "-".to_owned(), date_field),
            escape(&self.office_county_code),
            key_id(&key.verifying_key()),
        ]
        .join("|");
        let signature = key.sign(message.as_bytes());
        format!("{message}|{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// Checks a scanned payload against the office's public key and returns what it vouches
/// for. Fails with [`PrintError::PayloadMalformed`] for a text that is not a version-1 slip
/// payload, [`PrintError::PayloadKeyMismatch`] when it names another key, and
/// [`PrintError::PayloadSignatureInvalid`] when any byte was changed.
pub fn verify_slip_payload(text: &str, public_key: &VerifyingKey) -> Result<VerifiedSlip, PrintError> {
    let text = text.trim_end_matches(['\r', '\n']);
    let malformed = |detail: &str| PrintError::PayloadMalformed { detail: detail.to_owned() };
    let (message, signature_text) = text.rsplit_once('|').ok_or_else(|| malformed("no `|` separators"))?;
    let fields: Vec<&str> = text.split('|').collect();
    if fields.first() != Some(&PAYLOAD_PREFIX) {
        return Err(malformed(&format!("does not start with {PAYLOAD_PREFIX}")));
    }
    if fields.len() != FIELD_COUNT {
        return Err(malformed(&format!("has {} fields, version 1 has {FIELD_COUNT}", fields.len())));
    }
    let found_key_id = fields[8];
    let expected_key_id = key_id(public_key);
    if found_key_id != expected_key_id {
        return Err(PrintError::PayloadKeyMismatch {
            expected: expected_key_id,
            found: found_key_id.to_owned(),
        });
    }
    let signature_bytes: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature_text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| malformed("signature is not 64 bytes of base64url"))?;
    public_key
        .verify(message.as_bytes(), &Signature::from_bytes(&signature_bytes))
        .map_err(|_| PrintError::PayloadSignatureInvalid)?;
    let payload = SlipPayload {
        case_number: unescape(fields[1]),
        name: unescape(fields[2]),
        id_number: unescape(fields[3]),
        permit_number: unescape(fields[4]),
        issue_date: parse_date(fields[5], "issue date")?,
        valid_until: match fields[6] {
            "-" => None,
            field => Some(parse_date(field, "valid-until date")?),
        },
        office_county_code: unescape(fields[7]),
    };
    Ok(VerifiedSlip { payload, key_id: found_key_id.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> SlipPayload {
        SlipPayload {
            case_number: "HY-2025-000123".to_owned(),
            name: "阿卜杜热合曼·买买提".to_owned(),
            id_number: "341203********1219".to_owned(),
            permit_number: "3304242025000123".to_owned(),
            issue_date: NaiveDate::from_ymd_opt(2025, 3, 12).unwrap_or_default(),
            valid_until: None,
            office_county_code: "330424".to_owned(),
        }
    }

    #[test]
    fn a_signed_payload_verifies_and_round_trips() {
        let key = demo_signing_key();
        let text = payload().encode_signed(&key);
        assert!(text.starts_with("PDSLIP1|HY-2025-000123|阿卜杜热合曼·买买提|"), "{text}");
        let verified = verify_slip_payload(&text, &key.verifying_key()).expect("valid");
        assert_eq!(verified.payload, payload());
        assert_eq!(verified.key_id, key_id(&key.verifying_key()));
        assert!(text.len() < 220, "the payload stays small enough for a version-10 QR code: {}", text.len());
    }

    #[test]
    fn a_changed_field_fails_the_signature() {
        let key = demo_signing_key();
        let text = payload().encode_signed(&key).replace("买买提", "买买题");
        let error = verify_slip_payload(&text, &key.verifying_key()).expect_err("tampered");
        assert!(matches!(error, PrintError::PayloadSignatureInvalid), "{error}");
    }

    #[test]
    fn another_office_key_is_named_not_trusted() {
        let text = payload().encode_signed(&demo_signing_key());
        let other = SigningKey::from_bytes(&[7; 32]).verifying_key();
        let error = verify_slip_payload(&text, &other).expect_err("other key");
        assert!(matches!(error, PrintError::PayloadKeyMismatch { .. }), "{error}");
    }

    #[test]
    fn separators_inside_fields_are_escaped() {
        let key = demo_signing_key();
        let mut odd = payload();
        odd.case_number = "A|B%C".to_owned();
        let text = odd.encode_signed(&key);
        let verified = verify_slip_payload(&text, &key.verifying_key()).expect("valid");
        assert_eq!(verified.payload.case_number, "A|B%C");
    }

    #[test]
    fn garbage_is_malformed() {
        let key = demo_signing_key().verifying_key();
        for text in ["", "hello", "PDSLIP1|a|b", "PDSLIP9|1|2|3|4|5|6|7|8|9"] {
            let error = verify_slip_payload(text, &key).expect_err(text);
            assert!(matches!(error, PrintError::PayloadMalformed { .. }), "{text}: {error}");
        }
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let key = demo_signing_key();
        let hex = key_to_hex(&key.to_bytes());
        assert_eq!(signing_key_from_hex(&hex).expect("hex").to_bytes(), key.to_bytes());
        let public = key_to_hex(key.verifying_key().as_bytes());
        assert_eq!(verifying_key_from_hex(&public).expect("hex"), key.verifying_key());
        assert!(signing_key_from_hex("abc").is_err());
    }
}
