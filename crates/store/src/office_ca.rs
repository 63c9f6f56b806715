//! The office's certificate authority for the office server's TLS (issue 17,
//! docs/office-server.md "Trust on the LAN"): the CA certificate and its private key, which
//! sign the server's certificate and the certificate of every desk that joins.
//!
//! Like the slip-signing seed it belongs to the office, not to a PC: it lives in the
//! encrypted database's `meta` table (encrypted at rest, carried by backups, so a restored
//! office keeps the CA its desks and browsers trust) and is created once, by an
//! administrator, never replaced. The store knows nothing of X.509: it keeps the bytes the
//! server hands it. Desks joining are audited here too (`desk_joined`), in the name of the
//! administrator who gave out the one-time code.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde_json::json;
use zeroize::Zeroizing;

use crate::Store;
use crate::audit::{self, AuditAction};
use crate::crypto::hex_encode;
use crate::error::{Result, StoreError};
use crate::users::{Roles, Session};

/// The `meta` key of the CA certificate (DER, hex).
const CA_CERTIFICATE: &str = "office_ca_certificate";
/// The `meta` key of the CA's private key (PKCS#8 DER, hex).
const CA_KEY: &str = "office_ca_key";

/// The `meta` key of the desks that joined (JSON, [`DeskRecord`]s).
const DESKS: &str = "office_desks";

/// A desk that joined the office server: what the server serves its certificate by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeskRecord {
    /// Its certificate's SHA-256 fingerprint (`AB:CD:…`).
    pub fingerprint: String,
    /// The name it gave itself (e.g. 二号窗口).
    pub name: String,
    /// When it joined.
    pub joined_at: DateTime<Utc>,
    /// The administrator whose one-time code it used.
    pub joined_by: String,
    /// When an administrator removed it: its certificate is refused from then on.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The office CA as kept: its certificate and private key, both DER.
#[derive(Clone, PartialEq, Eq)]
pub struct OfficeCa {
    /// The CA's self-signed certificate (DER), public.
    pub certificate_der: Vec<u8>,
    /// The CA's private key (PKCS#8 DER), secret.
    pub key_der: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for OfficeCa {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("OfficeCa").field("certificate_der", &self.certificate_der.len()).finish()
    }
}

impl Store {
    /// The office CA, if one was created.
    pub fn office_ca(&self) -> Result<Option<OfficeCa>> {
        let certificate: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [CA_CERTIFICATE], |row| row.get(0))
            .optional()?;
        let key: Option<Zeroizing<String>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [CA_KEY], |row| row.get(0))
            .optional()?
            .map(Zeroizing::new);
        match (certificate, key) {
            (Some(certificate), Some(key)) => Ok(Some(OfficeCa {
                certificate_der: parse_hex(&certificate)?,
                key_der: Zeroizing::new(parse_hex(&key)?),
            })),
            (None, None) => Ok(None),
            _ => Err(StoreError::Corrupt { detail: "the office CA is stored only in part".to_owned() }),
        }
    }

    /// The office CA, created by `make` on first use. Needs the administrator role. A CA
    /// once stored is never replaced (desks and browsers trust it): a second call returns
    /// the stored one and `make` is not called. Audited as `office_ca_created` with the
    /// fingerprint `make` gives (never the key).
    pub fn office_ca_or_create<E>(
        &mut self,
        session: &Session,
        make: impl FnOnce() -> std::result::Result<(OfficeCa, String), E>,
        at: DateTime<Utc>,
    ) -> Result<std::result::Result<OfficeCa, E>> {
        if let Some(ca) = self.office_ca()? {
            return Ok(Ok(ca));
        }
        self.require_role(session, Roles::ADMIN)?;
        let (ca, fingerprint) = match make() {
            Ok(made) => made,
            Err(error) => return Ok(Err(error)),
        };
        let audit_key = *self.audit_key;
        let key_hex = Zeroizing::new(hex_encode(&ca.key_der));
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = transaction.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
            params![CA_CERTIFICATE, hex_encode(&ca.certificate_der)],
        )?;
        if inserted == 1 {
            transaction.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![CA_KEY, key_hex.as_str()],
            )?;
            audit::append_by(
                &transaction,
                &audit_key,
                session,
                AuditAction::OfficeCaCreated,
                None,
                json!({ "fingerprint": fingerprint }),
                at,
            )?;
        }
        transaction.commit()?;
        let stored = self
            .office_ca()?
            .ok_or_else(|| StoreError::Corrupt { detail: "the office CA was not stored".to_owned() })?;
        Ok(Ok(stored))
    }

    /// The desks that joined, in the order they joined (removed ones included).
    pub fn desks(&self) -> Result<Vec<DeskRecord>> {
        read_desks(&self.conn)
    }

    /// Removes a desk from the office (`desk_revoked`, audited with its name and
    /// fingerprint): the server refuses its certificate from now on; to work again it must
    /// join anew. Needs the administrator role. A desk already removed stays as it was.
    pub fn revoke_desk(
        &mut self,
        session: &Session,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<DeskRecord> {
        self.require_role(session, Roles::ADMIN)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut desks = read_desks(&transaction)?;
        let desk = desks
            .iter_mut()
            .find(|desk| desk.fingerprint == fingerprint)
            .ok_or_else(|| StoreError::NotFound { what: "desk", id: fingerprint.to_owned() })?;
        if desk.revoked_at.is_none() {
            desk.revoked_at = Some(at);
            let details = json!({ "desk": desk.name, "fingerprint": desk.fingerprint });
            let revoked = desk.clone();
            write_desks(&transaction, &desks)?;
            audit::append_by(&transaction, &audit_key, session, AuditAction::DeskRevoked, None, details, at)?;
            transaction.commit()?;
            return Ok(revoked);
        }
        Ok(desk.clone())
    }

    /// Audits that a desk joined the office (`desk_joined`), in the name of the
    /// administrator whose one-time code it used: its name as typed there and its
    /// certificate's fingerprint, and keeps it among the office's desks. Needs the
    /// administrator role.
    pub fn record_desk_joined(
        &mut self,
        session: &Session,
        desk_name: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(session, Roles::ADMIN)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut desks = read_desks(&transaction)?;
        desks.push(DeskRecord {
            fingerprint: fingerprint.to_owned(),
            name: desk_name.to_owned(),
            joined_at: at,
            joined_by: session.username().to_owned(),
            revoked_at: None,
        });
        write_desks(&transaction, &desks)?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::DeskJoined,
            None,
            json!({ "desk": desk_name, "fingerprint": fingerprint }),
            at,
        )?;
        transaction.commit()?;
        Ok(())
    }
}

fn read_desks(conn: &rusqlite::Connection) -> Result<Vec<DeskRecord>> {
    let text: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [DESKS], |row| row.get(0)).optional()?;
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|_| StoreError::Corrupt { detail: "the office's desks are unreadable".to_owned() }),
    }
}

fn write_desks(conn: &rusqlite::Connection, desks: &[DeskRecord]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![DESKS, serde_json::to_string(desks)?],
    )?;
    Ok(())
}

fn parse_hex(text: &str) -> Result<Vec<u8>> {
    let corrupt = || StoreError::Corrupt { detail: "the office CA is not hex".to_owned() };
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return Err(corrupt());
    }
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&text[index..index + 2], 16).map_err(|_| corrupt()))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn hex_parses_and_refuses_anything_else() {
        assert_eq!(parse_hex("00ff10").unwrap(), vec![0, 255, 16]);
        assert!(parse_hex("0ff").is_err());
        assert!(parse_hex("zz").is_err());
        assert!(parse_hex("éé").is_err());
    }
}
