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
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Store;
use crate::audit::{self, AuditAction, NewAuditRow};
use crate::cases::{CaseId, uuid_v7};
use crate::error::{Result, StoreError};
use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::users::Session;

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
    /// Position in the queue: increases with every item written, so it also orders each
    /// case's items (the contract's `sequence`).
    pub seq: i64,
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
    /// The last error reported by the sync client, for the "why is this stuck" view; for
    /// a quarantined item, the platform's reason.
    pub last_error: Option<String>,
    /// For a quarantined item, the platform's stable code (`RECORD_INVALID`, `CONFLICT`…).
    pub quarantine_code: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Last status change.
    pub updated_at: DateTime<Utc>,
}

const OUTBOX_COLUMNS: &str = "outbox.id, cases.uuid, outbox.kind, outbox.payload, outbox.status, outbox.attempts, \
     outbox.last_error, outbox.created_at, outbox.updated_at, outbox.seq, outbox.quarantine_code";

/// Pending items that may go out now: not those of a case that has a quarantined item,
/// which wait behind it so the platform sees each case in order.
const SENDABLE: &str = "outbox.status IN ('queued', 'sent') AND outbox.case_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM outbox AS held
                     WHERE held.case_id = outbox.case_id AND held.status = 'quarantined')";

/// Counts for the sync status in the window's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxSummary {
    /// Items not yet confirmed and not quarantined (including those held back).
    pub pending: u64,
    /// Of those, items that wait behind a quarantined item of their case.
    pub held: u64,
    /// Items quarantined, waiting for a person.
    pub quarantined: u64,
    /// When the oldest pending item was queued.
    pub oldest_pending_at: Option<DateTime<Utc>>,
}

/// Items an older program left `confirmed` in the outbox that one acknowledgement also
/// settles (see [`Store::outbox_mark_confirmed`]).
pub const LEGACY_SETTLED_PER_CALL: i64 = 500;

/// Removes one settled item inside the confirming transaction: its id and the SM3 of its
/// payload go into the acknowledgement's digest, and its case becomes `synced` when
/// nothing else of it is left to deliver.
fn settle(
    transaction: &Connection,
    digest: &mut sm3::Sm3,
    id: &str,
    payload: &str,
    case_row_id: Option<i64>,
) -> Result<()> {
    use sm3::Digest;
    digest.update(id.as_bytes());
    digest.update(sm3::Sm3::digest(payload.as_bytes()));
    transaction.prepare_cached("DELETE FROM outbox WHERE id = ?1")?.execute([id])?;
    if let Some(case_row_id) = case_row_id {
        transaction
            .prepare_cached(
                "UPDATE cases SET synced = NOT EXISTS (
                     SELECT 1 FROM outbox WHERE outbox.case_id = cases.id AND outbox.status <> 'confirmed')
                 WHERE id = ?1",
            )?
            .execute([case_row_id])?;
    }
    Ok(())
}

/// Queues one item for the platform inside the caller's transaction: its row, `queued`,
/// with `payload` frozen as it will travel. The one place an outbox row is written (state
/// changes, pages, ratings).
pub(crate) fn queue(
    transaction: &rusqlite::Connection,
    id: &OutboxId,
    case_row: i64,
    event_id: Option<i64>,
    kind: &str,
    payload: &Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let at_millis = to_millis(at);
    transaction
        .prepare_cached(
            // `seq` is the contract's `sequence` and must only grow: settled items leave the
            // table, so the next one counts on from the highest ever written, not from the
            // highest still there (SQLite would reuse a deleted last rowid).
            "INSERT INTO outbox (seq, id, case_id, event_id, kind, payload, status, created_at, updated_at)
             VALUES (
                 max(coalesce((SELECT max(seq) FROM outbox), 0),
                     coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'outbox_seq_settled'), 0)) + 1,
                 ?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?6)",
        )?
        .execute(params![
            id.to_string(),
            case_row,
            event_id,
            kind,
            serde_json::to_string(payload)?,
            at_millis
        ])?;
    Ok(())
}

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
        seq: row.get(9)?,
        quarantine_code: row.get(10)?,
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
                    desk: None,
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

    /// Settles items the province confirmed: each leaves the outbox (the platform holds
    /// it; the case keeps its own record and events) and cases with nothing left to
    /// deliver become `synced`. Unknown or already settled ids are skipped, so a repeated
    /// acknowledgement is harmless. Returns how many items were settled.
    ///
    /// One audit row records the whole acknowledgement: the items' ids (each is the
    /// record's id at the platform, and the step's own audit row names it) and one SM3
    /// over every item's id and the SM3 of the payload sent, which proves which versions
    /// the platform acknowledged. One row per item, as before, was with the sending
    /// rows the largest part of a synced office's file (BENCHMARKS.md). Items an older
    /// program left `confirmed` in the outbox are settled with the next acknowledgement,
    /// up to [`LEGACY_SETTLED_PER_CALL`] at a time, and counted in the same row.
    pub fn outbox_mark_confirmed(&mut self, ids: &[OutboxId], at: DateTime<Utc>) -> Result<usize> {
        use sm3::Digest;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut digest = sm3::Sm3::new();
        let mut settled = Vec::new();
        let mut highest_seq = 0;
        for id in ids {
            let pending: Option<(i64, String, Option<i64>)> = transaction
                .prepare_cached(
                    "SELECT seq, payload, case_id FROM outbox WHERE id = ?1 AND status IN ('queued', 'sent')",
                )?
                .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?;
            let Some((seq, payload, case_row_id)) = pending else { continue };
            highest_seq = highest_seq.max(seq);
            settle(&transaction, &mut digest, &id.to_string(), &payload, case_row_id)?;
            settled.push(id.to_string());
        }
        // No index holds `confirmed` items (this program writes none), so finding an
        // older program's is a scan of the outbox: done until one finds fewer than a
        // call's share, then never again while this store is open.
        let legacy: Vec<(i64, String, String, Option<i64>)> = if self.legacy_confirmed_left {
            transaction
                .prepare_cached(
                    "SELECT seq, id, payload, case_id FROM outbox WHERE status = 'confirmed' ORDER BY seq LIMIT ?1",
                )?
                .query_map([LEGACY_SETTLED_PER_CALL], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })?
                .collect::<std::result::Result<_, _>>()?
        } else {
            Vec::new()
        };
        let legacy_left = i64::try_from(legacy.len()).unwrap_or(i64::MAX) >= LEGACY_SETTLED_PER_CALL;
        for (seq, id, payload, case_row_id) in &legacy {
            highest_seq = highest_seq.max(*seq);
            settle(&transaction, &mut digest, id, payload, *case_row_id)?;
        }
        if highest_seq > 0 {
            // The highest `seq` that left the table, for [`queue`] to count on from.
            transaction
                .prepare_cached(
                    "INSERT INTO meta (key, value) VALUES ('outbox_seq_settled', ?1)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value
                     WHERE CAST(excluded.value AS INTEGER) > CAST(meta.value AS INTEGER)",
                )?
                .execute([highest_seq.to_string()])?;
        }
        if !settled.is_empty() || !legacy.is_empty() {
            let mut details = json!({
                "count": settled.len(),
                "items": settled,
                "sm3": crate::crypto::hex_encode(&digest.finalize()),
            });
            if !legacy.is_empty() {
                details["earlier_confirmed"] = json!(legacy.len());
            }
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    desk: None,
                    at,
                    actor_user_id: None,
                    actor: SYNC_ACTOR,
                    action: AuditAction::SyncConfirmed,
                    case_id: None,
                    details,
                },
            )?;
        }
        crate::crash::point(crate::crash::CONFIRM_BEFORE_COMMIT);
        transaction.commit()?;
        self.legacy_confirmed_left = self.legacy_confirmed_left && legacy_left;
        Ok(settled.len())
    }

    /// Sets an item aside after a permanent error (validation refused by the province,
    /// 4xx): it is no longer pending and its case stays unsynced until a person acts.
    pub fn outbox_quarantine(&mut self, id: &OutboxId, reason: &str, at: DateTime<Utc>) -> Result<()> {
        self.quarantine(id, None, reason, at)
    }

    /// [`Store::outbox_quarantine`] with the platform's stable code (`RECORD_INVALID`,
    /// `CONFLICT`…), kept beside the reason for the supervisor view.
    pub fn outbox_quarantine_with_code(
        &mut self,
        id: &OutboxId,
        code: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.quarantine(id, Some(code), reason, at)
    }

    fn quarantine(
        &mut self,
        id: &OutboxId,
        code: Option<&str>,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (case_uuid, _) = outbox_case(&transaction, id)?;
        let changed = transaction.execute(
            "UPDATE outbox SET status = 'quarantined', last_error = ?2, quarantine_code = ?4, updated_at = ?3
             WHERE id = ?1 AND status IN ('queued', 'sent')",
            params![id.to_string(), reason, to_millis(at), code],
        )?;
        if changed == 1 {
            let case_id: Option<CaseId> = case_uuid.map(|text| text.parse()).transpose()?;
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    desk: None,
                    at,
                    actor_user_id: None,
                    actor: SYNC_ACTOR,
                    action: AuditAction::SyncQuarantined,
                    case_id: case_id.as_ref(),
                    details: json!({ "outbox_id": id.to_string(), "code": code, "reason": reason }),
                },
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Up to `limit` items the sync client may send now, in queue order: pending items
    /// (queued or sent) of cases that have no quarantined item. A case's later items wait
    /// behind its quarantined one; other cases flow on.
    pub fn outbox_sendable(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox LEFT JOIN cases ON cases.id = outbox.case_id
             WHERE {SENDABLE} ORDER BY outbox.seq LIMIT ?1"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query([limit])?;
        let mut items = Vec::new();
        while let Some(row) = rows.next()? {
            items.push(item_from_row(row)?);
        }
        Ok(items)
    }

    /// How many items [`Store::outbox_sendable`] could return in all.
    pub fn outbox_count_sendable(&self) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM outbox WHERE {SENDABLE}");
        let count: i64 = self.conn.prepare_cached(&sql)?.query_row([], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Pending, held and quarantined counts and the age of the queue, for the header.
    pub fn outbox_summary(&self) -> Result<OutboxSummary> {
        let (pending, held, quarantined, oldest): (i64, i64, i64, Option<i64>) = self.conn.query_row(
            "SELECT
                 (SELECT count(*) FROM outbox WHERE status IN ('queued', 'sent')),
                 (SELECT count(*) FROM outbox WHERE status IN ('queued', 'sent') AND EXISTS (
                      SELECT 1 FROM outbox AS held
                      WHERE held.case_id = outbox.case_id AND held.status = 'quarantined')),
                 (SELECT count(*) FROM outbox WHERE status = 'quarantined'),
                 (SELECT min(created_at) FROM outbox WHERE status IN ('queued', 'sent'))",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
        let count = |value: i64| u64::try_from(value).unwrap_or(0);
        Ok(OutboxSummary {
            pending: count(pending),
            held: count(held),
            quarantined: count(quarantined),
            oldest_pending_at: opt_from_millis(oldest)?,
        })
    }

    /// Quarantined items, oldest first, for the supervisor view.
    pub fn outbox_quarantined(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox LEFT JOIN cases ON cases.id = outbox.case_id
             WHERE outbox.status = 'quarantined' ORDER BY outbox.seq LIMIT ?1"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query([limit])?;
        let mut items = Vec::new();
        while let Some(row) = rows.next()? {
            items.push(item_from_row(row)?);
        }
        Ok(items)
    }

    /// Records one delivery attempt for several items in one transaction, with one audit
    /// row for the attempt. `error: None` means the request is about to go out: the items become
    /// `sent` and their attempt count goes up. `Some(error)` is how that request ended
    /// (network error, 5xx…): the error is kept for the "why is this stuck" view and the
    /// items stay pending; the attempt is not counted twice. Items no longer pending
    /// (confirmed or quarantined meanwhile) and unknown ids are skipped. Returns how many
    /// items changed.
    pub fn outbox_mark_attempts(
        &mut self,
        ids: &[OutboxId],
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let audit_key = *self.audit_key;
        let at_millis = to_millis(at);
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed_items = 0;
        for id in ids {
            let changed = match error {
                None => transaction
                    .prepare_cached(
                        "UPDATE outbox SET status = 'sent', attempts = attempts + 1, updated_at = ?2
                         WHERE id = ?1 AND status IN ('queued', 'sent')",
                    )?
                    .execute(params![id.to_string(), at_millis])?,
                Some(error) => transaction
                    .prepare_cached(
                        "UPDATE outbox SET last_error = ?2, updated_at = ?3
                         WHERE id = ?1 AND status IN ('queued', 'sent')",
                    )?
                    .execute(params![id.to_string(), error, at_millis])?,
            };
            if changed == 0 {
                continue;
            }
            changed_items += 1;
        }
        if changed_items > 0 {
            // One row for the request, not one per item: which items it carried is in the
            // outbox until they are settled, and their acknowledgement names them.
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    desk: None,
                    at,
                    actor_user_id: None,
                    actor: SYNC_ACTOR,
                    action: if error.is_some() { AuditAction::SyncFailed } else { AuditAction::SyncSent },
                    case_id: None,
                    details: json!({ "count": changed_items, "error": error }),
                },
            )?;
        }
        transaction.commit()?;
        Ok(changed_items)
    }

    /// Fix and resend: a person releases a quarantined item. It goes back to `queued`
    /// with the same id and content (records are frozen: the platform must get exactly
    /// what was queued), its case's later items follow it, and the release is audited
    /// with the clerk and the reason it had. Refuses an item that is not quarantined.
    pub fn outbox_requeue(&mut self, session: &Session, id: &OutboxId, at: DateTime<Utc>) -> Result<()> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (case_uuid, _) = outbox_case(&transaction, id)?;
        let previous: (Option<String>, Option<String>) = transaction.query_row(
            "SELECT quarantine_code, last_error FROM outbox WHERE id = ?1",
            [id.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let changed = transaction.execute(
            "UPDATE outbox SET status = 'queued', quarantine_code = NULL, last_error = NULL, updated_at = ?2
             WHERE id = ?1 AND status = 'quarantined'",
            params![id.to_string(), to_millis(at)],
        )?;
        if changed == 0 {
            return Err(StoreError::InvalidInput { what: "outbox item", reason: "it is not quarantined" });
        }
        let case_id: Option<CaseId> = case_uuid.map(|text| text.parse()).transpose()?;
        audit::append(
            &transaction,
            &audit_key,
            NewAuditRow {
                desk: session.desk(),
                at,
                actor_user_id: Some(session.user_id),
                actor: &session.username,
                action: AuditAction::SyncRequeued,
                case_id: case_id.as_ref(),
                details: json!({
                    "outbox_id": id.to_string(),
                    "code": previous.0,
                    "reason": previous.1,
                }),
            },
        )?;
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
