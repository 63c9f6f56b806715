//! Reference-data updates the office loaded: for each kind of table (today the holiday
//! table), the last update accepted, kept in the encrypted `meta` table as the JSON the
//! caller hands over (its serial number, issuer, date and content). The store checks
//! nothing of the file's signature (the app does, before calling); it refuses only an
//! update whose serial is not above the one loaded, so an older table never replaces a
//! newer one whatever the caller does. Every load is audited (`reference_update_loaded`)
//! with the kind, serial, issuer and the serial it replaced, in the same transaction.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Store;
use crate::audit::{self, AuditAction};
use crate::error::{Result, StoreError};
use crate::users::{Roles, Session};

/// Prefix of the `meta` keys, followed by the kind (`reference_update:holidays`).
const PREFIX: &str = "reference_update:";

/// A loaded update as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReferenceUpdate {
    /// The issuer's serial number for this kind: each update's is higher.
    pub serial: u64,
    /// Who issued it (e.g. a county bureau), as the file says.
    pub issuer: String,
    /// The day it was issued, `YYYY-MM-DD`.
    pub issued_on: String,
    /// The table, as JSON text in the format of its `assets/reference` file.
    pub content: String,
}

impl Store {
    /// The last update of `kind` loaded, if any.
    pub fn reference_update(&self, kind: &str) -> Result<Option<StoredReferenceUpdate>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [format!("{PREFIX}{kind}")], |row| row.get(0))
            .optional()?;
        text.map(|text| serde_json::from_str(&text).map_err(StoreError::from)).transpose()
    }

    /// Keeps `update` as the update of `kind` (管理员 only), audited in the same
    /// transaction. Refuses a serial not above the one loaded.
    pub fn load_reference_update(
        &mut self,
        session: &Session,
        kind: &str,
        update: &StoredReferenceUpdate,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(session, Roles::ADMIN)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = format!("{PREFIX}{kind}");
        let previous: Option<StoredReferenceUpdate> = transaction
            .query_row("SELECT value FROM meta WHERE key = ?1", [&key], |row| row.get::<_, String>(0))
            .optional()?
            .map(|text| serde_json::from_str(&text))
            .transpose()?;
        if let Some(previous) = &previous
            && previous.serial >= update.serial
        {
            return Err(StoreError::InvalidInput {
                what: "reference update",
                reason: "its serial is not above the update already loaded",
            });
        }
        crate::office_details::put_meta(&transaction, &key, &serde_json::to_string(update)?)?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::ReferenceUpdateLoaded,
            None,
            json!({
                "kind": kind,
                "serial": update.serial,
                "issuer": update.issuer,
                "issued_on": update.issued_on,
                "previous_serial": previous.map(|previous| previous.serial),
            }),
            at,
        )?;
        transaction.commit()?;
        Ok(())
    }
}
