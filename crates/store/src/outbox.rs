//! The outbox: what must reach the province, written in the same transaction as the
//! state change it reports.
//!
//! Each item's id is a client-generated UUIDv7 and doubles as the idempotency key sent
//! with every attempt, so a resend after a lost reply does no harm. Items move
//! queued → sent → confirmed, or to quarantined with a reason for a person to read.
//! Items are never deleted here: the audit trail and the case history refer to them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Store;
use crate::audit::{self, AuditAction, NewAuditRow};
use crate::cases::{CaseId, uuid_v7};
use crate::error::{Result, StoreError};
use crate::time::{from_millis, to_millis};

/// The system actor named in the audit trail for sync events.
pub const SYNC_ACTOR: &str = "sync";

/// Id and idempotency key of an outbox item (UUIDv7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutboxId(Uuid);

impl OutboxId {
    /// A new id for an item queued at `at`.
    pub(crate) fn new(at: DateTime<Utc>) -> Result<OutboxId> {
        Ok(OutboxId(uuid_v7(at)?))
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for OutboxId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(formatter)
    }
}

impl FromStr for OutboxId {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<OutboxId> {
        Uuid::parse_str(text)
            .map(OutboxId)
            .map_err(|_| StoreError::InvalidInput { what: "outbox id", reason: "not a uuid" })
    }
}

/// Delivery state of an outbox item. The strings are stored: do not rename them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Written, never attempted.
    Queued,
    /// Attempted at least once, not yet confirmed (resend with the same id).
    Sent,
    /// The province confirmed it.
    Confirmed,
    /// Set aside after a permanent error; needs a person.
    Quarantined,
}

impl OutboxStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Confirmed => "confirmed",
            OutboxStatus::Quarantined => "quarantined",
        }
    }

    fn parse(text: &str) -> Result<OutboxStatus> {
        match text {
            "queued" => Ok(OutboxStatus::Queued),
            "sent" => Ok(OutboxStatus::Sent),
            "confirmed" => Ok(OutboxStatus::Confirmed),
            "quarantined" => Ok(OutboxStatus::Quarantined),
            other => Err(StoreError::Corrupt { detail: format!("unknown outbox status {other:?}") }),
        }
    }
}

/// One item to deliver.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    /// Id and idempotency key.
    pub id: OutboxId,
    /// The case it reports on.
    pub case_id: Option<CaseId>,
    /// What kind of message (`case_state_changed`).
    pub kind: String,
    /// The message, frozen when the item was written.
    pub payload: Value,
    /// Delivery state.
    pub status: OutboxStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// The last error reported by the sync client, for the "why is this stuck" view.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Last status change.
    pub updated_at: DateTime<Utc>,
}

const OUTBOX_COLUMNS: &str = "outbox.id, cases.uuid, outbox.kind, outbox.payload, outbox.status, outbox.attempts, \
     outbox.last_error, outbox.created_at, outbox.updated_at";

fn item_from_row(row: &rusqlite::Row<'_>) -> Result<OutboxItem> {
    let id: String = row.get(0)?;
    let case_uuid: Option<String> = row.get(1)?;
    let payload: String = row.get(3)?;
    let status: String = row.get(4)?;
    Ok(OutboxItem {
        id: id.parse().map_err(|_| StoreError::Corrupt { detail: format!("outbox id {id:?}") })?,
        case_id: case_uuid.map(|text| text.parse()).transpose()?,
        kind: row.get(2)?,
        payload: serde_json::from_str(&payload)?,
        status: OutboxStatus::parse(&status)?,
        attempts: row.get(5)?,
        last_error: row.get(6)?,
        created_at: from_millis(row.get(7)?)?,
        updated_at: from_millis(row.get(8)?)?,
    })
}

impl Store {
    /// Items still to deliver (queued or sent, not confirmed or quarantined), oldest
    /// first, so a case's state changes reach the province in the order they happened.
    pub fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox LEFT JOIN cases ON cases.id = outbox.case_id
             WHERE outbox.status IN ('queued', 'sent') ORDER BY outbox.seq LIMIT ?1"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query([limit])?;
        let mut items = Vec::new();
        while let Some(row) = rows.next()? {
            items.push(item_from_row(row)?);
        }
        Ok(items)
    }

    /// Reads one item in any status.
    pub fn outbox_item(&self, id: &OutboxId) -> Result<OutboxItem> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox LEFT JOIN cases ON cases.id = outbox.case_id WHERE outbox.id = ?1"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query([id.to_string()])?;
        match rows.next()? {
            Some(row) => item_from_row(row),
            None => Err(StoreError::NotFound { what: "outbox item", id: id.to_string() }),
        }
    }

    /// Records one delivery attempt: `error` is `None` when the request went out and the
    /// answer is awaited, or the transient error to show while it is retried.
    pub fn outbox_mark_attempt(
        &mut self,
        id: &OutboxId,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (case_uuid, _) = outbox_case(&transaction, id)?;
        let changed = transaction.execute(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_error = ?2, updated_at = ?3
             WHERE id = ?1 AND status IN ('queued', 'sent')",
            params![id.to_string(), error, to_millis(at)],
        )?;
        if changed == 1 {
            let case_id: Option<CaseId> = case_uuid.map(|text| text.parse()).transpose()?;
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    at,
                    actor_user_id: None,
                    actor: SYNC_ACTOR,
                    action: if error.is_some() { AuditAction::SyncFailed } else { AuditAction::SyncSent },
                    case_id: case_id.as_ref(),
                    details: json!({ "outbox_id": id.to_string(), "error": error }),
                },
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Marks items as confirmed by the province (unknown or already confirmed ids are
    /// skipped, so a repeated acknowledgement is harmless) and sets `synced` on cases
    /// that have nothing left to deliver. Returns how many items changed.
    pub fn outbox_mark_confirmed(&mut self, ids: &[OutboxId], at: DateTime<Utc>) -> Result<usize> {
        let audit_key = *self.audit_key;
        let at_millis = to_millis(at);
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut confirmed = 0;
        for id in ids {
            let changed = transaction
                .prepare_cached(
                    "UPDATE outbox SET status = 'confirmed', last_error = NULL, updated_at = ?2
                     WHERE id = ?1 AND status IN ('queued', 'sent')",
                )?
                .execute(params![id.to_string(), at_millis])?;
            if changed == 0 {
                continue;
            }
            confirmed += 1;
            let (case_uuid, case_row_id) = outbox_case(&transaction, id)?;
            if let Some(case_row_id) = case_row_id {
                transaction
                    .prepare_cached(
                        "UPDATE cases SET synced = NOT EXISTS (
                             SELECT 1 FROM outbox WHERE outbox.case_id = cases.id AND outbox.status <> 'confirmed')
                         WHERE id = ?1",
                    )?
                    .execute([case_row_id])?;
            }
            let case_id: Option<CaseId> = case_uuid.map(|text| text.parse()).transpose()?;
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    at,
                    actor_user_id: None,
                    actor: SYNC_ACTOR,
                    action: AuditAction::SyncConfirmed,
                    case_id: case_id.as_ref(),
                    details: json!({ "outbox_id": id.to_string() }),
                },
            )?;
        }
        transaction.commit()?;
        Ok(confirmed)
    }

    /// Sets an item aside after a permanent error (validation refused by the province,
    /// 4xx): it is no longer pending and its case stays unsynced until a person acts.
    pub fn outbox_quarantine(&mut self, id: &OutboxId, reason: &str, at: DateTime<Utc>) -> Result<()> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (case_uuid, _) = outbox_case(&transaction, id)?;
        let changed = transaction.execute(
            "UPDATE outbox SET status = 'quarantined', last_error = ?2, updated_at = ?3
             WHERE id = ?1 AND status IN ('queued', 'sent')",
            params![id.to_string(), reason, to_millis(at)],
        )?;
        if changed == 1 {
            let case_id: Option<CaseId> = case_uuid.map(|text| text.parse()).transpose()?;
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    at,
                    actor_user_id: None,
                    actor: SYNC_ACTOR,
                    action: AuditAction::SyncQuarantined,
                    case_id: case_id.as_ref(),
                    details: json!({ "outbox_id": id.to_string(), "reason": reason }),
                },
            )?;
        }
        transaction.commit()?;
        Ok(())
    }
}

/// The case (uuid and row id) of an outbox item; `NotFound` for an unknown id.
fn outbox_case(conn: &rusqlite::Connection, id: &OutboxId) -> Result<(Option<String>, Option<i64>)> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT cases.uuid, outbox.case_id FROM outbox LEFT JOIN cases ON cases.id = outbox.case_id WHERE outbox.id = ?1",
    )?
    .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
    .optional()?
    .ok_or_else(|| StoreError::NotFound { what: "outbox item", id: id.to_string() })
}
