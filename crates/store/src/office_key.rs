//! The office's signing key for printed documents: the seed of the Ed25519 key that signs
//! the QR code of every confirmation slip (确认单), so anyone holding the office's public
//! key can check a slip offline.
//!
//! It belongs to the office, not to a clerk or a device: it lives in the encrypted
//! database's `meta` table (so it is encrypted at rest and travels with backups) and is
//! created once, on first use. The store knows nothing of Ed25519; it keeps 32 bytes.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde_json::json;
use zeroize::Zeroizing;

use crate::Store;
use crate::audit::{self, AuditAction};
use crate::crypto::fill_random;
use crate::error::{Result, StoreError};
use crate::users::Session;

/// The `meta` key holding the seed, as 64 hex digits.
const SLIP_KEY: &str = "slip_signing_seed";

impl Store {
    /// The office's slip-signing seed, if it was created.
    pub fn slip_signing_seed(&self) -> Result<Option<Zeroizing<[u8; 32]>>> {
        let text: Option<Zeroizing<String>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [SLIP_KEY], |row| row.get(0))
            .optional()?
            .map(Zeroizing::new);
        text.map(|text| parse_seed(&text)).transpose()
    }

    /// The office's slip-signing seed, created from the operating system's random number
    /// generator on first use. A second call (or a racing one) never replaces a seed whose
    /// public key may already be published. Audited as `office_key_created` with
    /// `public_key(seed)` (the caller's hex of the public key, never the seed) when it writes.
    pub fn slip_signing_seed_or_create(
        &mut self,
        session: &Session,
        public_key: impl FnOnce(&[u8; 32]) -> String,
        at: DateTime<Utc>,
    ) -> Result<Zeroizing<[u8; 32]>> {
        if let Some(seed) = self.slip_signing_seed()? {
            return Ok(seed);
        }
        let mut seed = Zeroizing::new([0_u8; 32]);
        fill_random(seed.as_mut_slice())?;
        let public_key = public_key(&seed);
        let audit_key = *self.audit_key;
        let hex = Zeroizing::new(seed.iter().map(|byte| format!("{byte:02x}")).collect::<String>());
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = transaction.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
            params![SLIP_KEY, hex.as_str()],
        )?;
        if inserted == 1 {
            audit::append_by(
                &transaction,
                &audit_key,
                session,
                AuditAction::OfficeKeyCreated,
                None,
                json!({ "purpose": "confirmation_slip", "public_key": public_key }),
                at,
            )?;
        }
        transaction.commit()?;
        self.slip_signing_seed()?
            .ok_or_else(|| StoreError::Corrupt { detail: "the slip signing key was not stored".to_owned() })
    }
}

fn parse_seed(text: &str) -> Result<Zeroizing<[u8; 32]>> {
    let corrupt = || StoreError::Corrupt { detail: "the slip signing key is not 64 hex digits".to_owned() };
    if text.len() != 64 || !text.is_ascii() {
        return Err(corrupt());
    }
    let mut seed = Zeroizing::new([0_u8; 32]);
    for (index, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).map_err(|_| corrupt())?;
    }
    Ok(seed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_from_hex_and_refuse_anything_else() {
        let hex: String = (0_u8..32).map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(parse_seed(&hex).unwrap()[31], 31);
        assert!(parse_seed(&hex[..62]).is_err());
        assert!(parse_seed(&hex.replace("1f", "zz")).is_err());
        assert!(parse_seed(&"é".repeat(32)).is_err());
    }
}
