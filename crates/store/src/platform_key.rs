//! The public keys the office trusts ([`TrustedKey`]): the provincial platform's key for
//! the air-gapped transfer (the Ed25519 key that signs the platform's answer bundles and to
//! which the counter's export bundles are encrypted), and the county bureau's key that
//! signs reference-data updates (holiday tables). An administrator sets each from a value
//! its issuer hands over (and checks its fingerprint by phone); every set or replacement
//! is audited (`platform_key_set`, `reference_key_set`) with the old and the new key.
//!
//! They are public, but they decide whose answers and tables the office accepts, so they
//! live in the encrypted database's `meta` table (they travel with backups and cannot be
//! swapped without the office key). The store knows nothing of Ed25519; it keeps 32 bytes.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior};
use serde_json::json;

use crate::Store;
use crate::audit::{self, AuditAction};
use crate::crypto::hex_encode;
use crate::error::{Result, StoreError};
use crate::users::{Roles, Session};

/// A public key the office trusts, each kept under its own `meta` key as 64 lowercase hex
/// digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustedKey {
    /// The provincial platform's bundle key.
    PlatformBundle,
    /// The county bureau's key for signed reference-data updates.
    ReferenceUpdates,
}

impl TrustedKey {
    /// Its `meta` key (a stored format).
    fn meta_key(self) -> &'static str {
        match self {
            TrustedKey::PlatformBundle => "platform_bundle_key",
            TrustedKey::ReferenceUpdates => "reference_update_key",
        }
    }

    fn audit_action(self) -> AuditAction {
        match self {
            TrustedKey::PlatformBundle => AuditAction::PlatformKeySet,
            TrustedKey::ReferenceUpdates => AuditAction::ReferenceKeySet,
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            TrustedKey::PlatformBundle => "bundle",
            TrustedKey::ReferenceUpdates => "reference_updates",
        }
    }
}

/// What [`Store::set_trusted_key`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformKeyChange {
    /// No key was stored; this one is now.
    Set,
    /// Another key was stored (given here); this one replaced it.
    Replaced {
        /// The key it replaced.
        previous: [u8; 32],
    },
    /// The same key was stored already: nothing was written or audited.
    Unchanged,
}

impl Store {
    /// The platform's bundle key, if an administrator set one.
    pub fn platform_bundle_key(&self) -> Result<Option<[u8; 32]>> {
        self.trusted_key(TrustedKey::PlatformBundle)
    }

    /// Stores the platform's bundle key: [`Store::set_trusted_key`].
    pub fn set_platform_bundle_key(
        &mut self,
        session: &Session,
        key: &[u8; 32],
        at: DateTime<Utc>,
    ) -> Result<PlatformKeyChange> {
        self.set_trusted_key(session, TrustedKey::PlatformBundle, key, at)
    }

    /// A trusted key, if an administrator set it.
    pub fn trusted_key(&self, which: TrustedKey) -> Result<Option<[u8; 32]>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [which.meta_key()], |row| row.get(0))
            .optional()?;
        text.map(|text| parse_key(&text)).transpose()
    }

    /// Stores `key` as the trusted key `which`, replacing any other one. Needs the
    /// administrator role. Audited with the new key and the one it replaced, in the same
    /// transaction; setting the key already stored changes nothing. Whether a replacement
    /// was confirmed is the caller's business.
    pub fn set_trusted_key(
        &mut self,
        session: &Session,
        which: TrustedKey,
        key: &[u8; 32],
        at: DateTime<Utc>,
    ) -> Result<PlatformKeyChange> {
        self.require_role(session, Roles::ADMIN)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored: Option<String> = transaction
            .query_row("SELECT value FROM meta WHERE key = ?1", [which.meta_key()], |row| row.get(0))
            .optional()?;
        let previous = stored.map(|text| parse_key(&text)).transpose()?;
        if previous.as_ref() == Some(key) {
            return Ok(PlatformKeyChange::Unchanged);
        }
        crate::office_details::put_meta(&transaction, which.meta_key(), &hex_encode(key))?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            which.audit_action(),
            None,
            json!({
                "purpose": which.purpose(),
                "public_key": grouped_hex(key),
                "previous_public_key": previous.as_ref().map(grouped_hex),
            }),
            at,
        )?;
        transaction.commit()?;
        Ok(match previous {
            Some(previous) => PlatformKeyChange::Replaced { previous },
            None => PlatformKeyChange::Set,
        })
    }
}

/// The key in groups of four hex digits: readable, and never a run of digits that the
/// audit trail would take for an ID number and blank out.
fn grouped_hex(key: &[u8; 32]) -> String {
    let hex = hex_encode(key);
    let groups: Vec<&str> =
        hex.as_bytes().chunks(4).filter_map(|chunk| std::str::from_utf8(chunk).ok()).collect();
    groups.join(" ")
}

fn parse_key(text: &str) -> Result<[u8; 32]> {
    let corrupt = || StoreError::Corrupt { detail: "a trusted public key is not 64 hex digits".to_owned() };
    if text.len() != 64 || !text.is_ascii() {
        return Err(corrupt());
    }
    let mut key = [0_u8; 32];
    for (index, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).map_err(|_| corrupt())?;
    }
    Ok(key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_hex_and_are_audited_in_groups() {
        let key: [u8; 32] = std::array::from_fn(|index| index as u8);
        assert_eq!(parse_key(&hex_encode(&key)).unwrap(), key);
        assert!(parse_key(&hex_encode(&key)[..62]).is_err());
        assert!(parse_key(&hex_encode(&key).replace("1f", "zz")).is_err());
        let grouped = grouped_hex(&[0x12; 32]);
        assert!(grouped.starts_with("1212 1212 "), "{grouped}");
        assert_eq!(grouped.split(' ').count(), 16);
    }
}
