//! An [`Outbox`] over a SQLite file, the way the app's store keeps one: records with
//! their UUIDv7 ids, written once and frozen, moving queued → sent → confirmed or
//! quarantined, and never deleted.

use std::path::Path;

use chrono::{DateTime, Utc};
use platform_api::RecordKind;
use rusqlite::{Connection, OptionalExtension, params};
use sync::{Outbox, OutgoingKind, OutgoingRecord, QuarantineReason};
use uuid::Uuid;

pub struct FileOutbox {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    case_id           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    sequence          INTEGER NOT NULL,
    payload           TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    status            TEXT NOT NULL DEFAULT 'queued',
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    quarantine_code   TEXT,
    quarantine_reason TEXT
);
CREATE INDEX IF NOT EXISTS outbox_case_status ON outbox (case_id, status);
-- As the app's store has it: counting and listing what is pending reads this index only.
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (seq) WHERE status IN ('queued', 'sent');
CREATE TABLE IF NOT EXISTS blobs (
    content_hash TEXT PRIMARY KEY,
    bytes        BLOB NOT NULL
);
";

fn kind_to_json(kind: &OutgoingKind) -> String {
    let wire = match kind {
        OutgoingKind::CaseCreated => RecordKind::CaseCreated,
        OutgoingKind::StateChanged { from, to } => {
            RecordKind::StateChanged { from: from.clone(), to: to.clone() }
        }
        OutgoingKind::Opinion => RecordKind::Opinion,
        OutgoingKind::PageMetadata { content_hash, bytes } => {
            RecordKind::PageMetadata { content_hash: content_hash.clone(), bytes: *bytes }
        }
        OutgoingKind::SlipPrinted => RecordKind::SlipPrinted,
        OutgoingKind::Rating { level } => RecordKind::Rating { level: level.clone() },
    };
    serde_json::to_string(&wire).expect("kind serializes")
}

fn kind_from_json(text: &str) -> OutgoingKind {
    match serde_json::from_str::<RecordKind>(text).expect("stored kind parses") {
        RecordKind::CaseCreated => OutgoingKind::CaseCreated,
        RecordKind::StateChanged { from, to } => OutgoingKind::StateChanged { from, to },
        RecordKind::Opinion => OutgoingKind::Opinion,
        RecordKind::PageMetadata { content_hash, bytes } => {
            OutgoingKind::PageMetadata { content_hash, bytes }
        }
        RecordKind::SlipPrinted => OutgoingKind::SlipPrinted,
        RecordKind::Rating { level } => OutgoingKind::Rating { level },
    }
}

/// Counts of records by status.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub queued: u64,
    pub sent: u64,
    pub confirmed: u64,
    pub quarantined: u64,
}

impl FileOutbox {
    pub fn open(path: &Path) -> FileOutbox {
        let conn = Connection::open(path).expect("open outbox file");
        conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
        conn.pragma_update(None, "foreign_keys", "ON").expect("foreign keys");
        conn.busy_timeout(std::time::Duration::from_secs(5)).expect("busy timeout");
        conn.execute_batch(SCHEMA).expect("schema");
        FileOutbox { conn }
    }

    /// Queues a record (insert-or-ignore on its id, as a replayed write must do no harm).
    pub fn enqueue(&self, record: &OutgoingRecord) {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO outbox (id, case_id, kind, sequence, payload, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    record.id.to_string(),
                    record.case_id.to_string(),
                    kind_to_json(&record.kind),
                    record.sequence as i64,
                    serde_json::to_string(&record.payload).expect("payload"),
                    record.created_at.timestamp_millis()
                ],
            )
            .expect("enqueue");
    }

    pub fn store_blob(&self, content_hash: &str, bytes: &[u8]) {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO blobs (content_hash, bytes) VALUES (?1, ?2)",
                params![content_hash, bytes],
            )
            .expect("store blob");
    }

    /// Simulates a bug: the record's content changed after it was sent.
    pub fn overwrite_payload(&self, id: Uuid, payload: &serde_json::Value) {
        self.conn
            .execute(
                "UPDATE outbox SET payload = ?2 WHERE id = ?1",
                params![id.to_string(), payload.to_string()],
            )
            .expect("overwrite");
    }

    pub fn status(&self, id: Uuid) -> String {
        self.conn
            .query_row("SELECT status FROM outbox WHERE id = ?1", [id.to_string()], |row| row.get(0))
            .expect("status")
    }

    pub fn quarantine_reason(&self, id: Uuid) -> Option<(String, String)> {
        self.conn
            .query_row(
                "SELECT quarantine_code, quarantine_reason FROM outbox WHERE id = ?1 AND status = 'quarantined'",
                [id.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .expect("reason")
    }

    pub fn last_error(&self, id: Uuid) -> Option<String> {
        self.conn
            .query_row("SELECT last_error FROM outbox WHERE id = ?1", [id.to_string()], |row| row.get(0))
            .expect("last error")
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        let mut statement =
            self.conn.prepare("SELECT status, COUNT(*) FROM outbox GROUP BY status").expect("prepare");
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64)))
            .expect("query");
        for row in rows {
            let (status, count) = row.expect("row");
            match status.as_str() {
                "queued" => counts.queued = count,
                "sent" => counts.sent = count,
                "confirmed" => counts.confirmed = count,
                "quarantined" => counts.quarantined = count,
                other => panic!("unknown status {other}"),
            }
        }
        counts
    }
}

fn record_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OutgoingRecord> {
    let id: String = row.get(0)?;
    let case_id: String = row.get(1)?;
    let kind: String = row.get(2)?;
    let payload: String = row.get(4)?;
    let created_at: i64 = row.get(5)?;
    Ok(OutgoingRecord {
        id: Uuid::parse_str(&id).expect("id"),
        case_id: Uuid::parse_str(&case_id).expect("case id"),
        kind: kind_from_json(&kind),
        sequence: row.get::<_, i64>(3)? as u64,
        payload: serde_json::from_str(&payload).expect("payload"),
        created_at: DateTime::<Utc>::from_timestamp_millis(created_at).expect("time"),
    })
}

const PENDING: &str = "FROM outbox AS o WHERE o.status IN ('queued', 'sent')
     AND NOT EXISTS (SELECT 1 FROM outbox AS q WHERE q.case_id = o.case_id AND q.status = 'quarantined')";

impl Outbox for FileOutbox {
    type Error = rusqlite::Error;

    fn pending(&mut self, limit: usize) -> Result<Vec<OutgoingRecord>, rusqlite::Error> {
        let sql = format!(
            "SELECT id, case_id, kind, sequence, payload, created_at {PENDING} ORDER BY o.seq LIMIT ?1"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([limit as i64], record_from_row)?;
        rows.collect()
    }

    fn count_pending(&mut self) -> Result<u64, rusqlite::Error> {
        let sql = format!("SELECT COUNT(*) {PENDING}");
        Ok(self.conn.query_row(&sql, [], |row| row.get::<_, i64>(0))? as u64)
    }

    fn record_attempt(&mut self, ids: &[Uuid], error: Option<&str>) -> Result<(), rusqlite::Error> {
        let transaction = self.conn.transaction()?;
        for id in ids {
            transaction
                .prepare_cached(
                    "UPDATE outbox SET status = 'sent', attempts = attempts + (?2 IS NULL), last_error = ?2
                     WHERE id = ?1 AND status IN ('queued', 'sent')",
                )?
                .execute(params![id.to_string(), error])?;
        }
        transaction.commit()
    }

    fn mark_confirmed(&mut self, ids: &[Uuid]) -> Result<(), rusqlite::Error> {
        let transaction = self.conn.transaction()?;
        for id in ids {
            transaction
                .prepare_cached(
                    "UPDATE outbox SET status = 'confirmed', last_error = NULL WHERE id = ?1 AND status IN ('queued', 'sent')",
                )?
                .execute([id.to_string()])?;
            sync::crash::point(sync::crash::MID_CONFIRM);
        }
        transaction.commit()
    }

    fn quarantine(&mut self, id: Uuid, reason: &QuarantineReason) -> Result<(), rusqlite::Error> {
        self.conn.execute(
            "UPDATE outbox SET status = 'quarantined', quarantine_code = ?2, quarantine_reason = ?3
             WHERE id = ?1 AND status IN ('queued', 'sent')",
            params![id.to_string(), reason.code, reason.reason],
        )?;
        Ok(())
    }

    fn read_blob(&mut self, content_hash: &str) -> Result<Option<Vec<u8>>, rusqlite::Error> {
        self.conn
            .query_row("SELECT bytes FROM blobs WHERE content_hash = ?1", [content_hash], |row| row.get(0))
            .optional()
    }
}
