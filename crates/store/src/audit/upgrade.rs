//! Schema 13 (issue 20): the audit table rebuilt compactly, every hash unchanged.
//!
//! A row no longer repeats the previous row's hash (`prev_hash`: the chain reads it from
//! that row), names its case by the case's row number instead of its UUID's 36 characters
//! (in the row and in the `audit_case` index; the hash still covers the UUID, read back
//! through `cases`), and keeps its details deflated ([`super::packed`]). `case_uuid` stays
//! for a row whose case has no row here (none is written so today). The action is stored
//! as its number ([`AuditAction::code`]) and a clerk's own name not at all (`actor` is NULL
//! when it is the name of `actor_user_id`, read back through `users`; user names never
//! change); the hash covers both names, as before. The index on `at` is not rebuilt: no
//! query used it. About 1 KB a case of an office's 3 KB (BENCHMARKS.md).

use rusqlite::{Connection, params};

use super::AuditAction;
use crate::error::{Result, StoreError};

/// Rebuilds `audit` inside the upgrade's transaction.
pub(crate) fn compact_table(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE audit_compact (
             seq           INTEGER PRIMARY KEY,
             at            INTEGER NOT NULL,
             actor_user_id INTEGER REFERENCES users(id),
             -- NULL: the user name of actor_user_id.
             actor         TEXT,
             action        INTEGER NOT NULL,
             case_id       INTEGER REFERENCES cases(id),
             case_uuid     TEXT,
             details       BLOB NOT NULL,
             hash          BLOB NOT NULL,
             CHECK (case_id IS NULL OR case_uuid IS NULL),
             CHECK (actor IS NOT NULL OR actor_user_id IS NOT NULL)
         ) STRICT;",
    )?;
    {
        let mut read = conn.prepare(
            "SELECT a.seq, a.at, a.actor_user_id, CASE WHEN a.actor IS u.username THEN NULL ELSE a.actor END,
                    a.action, c.id, CASE WHEN c.id IS NULL THEN a.case_uuid END, a.details, a.hash
             FROM audit a LEFT JOIN cases c ON c.uuid = a.case_uuid LEFT JOIN users u ON u.id = a.actor_user_id
             ORDER BY a.seq",
        )?;
        let mut write = conn.prepare(
            "INSERT INTO audit_compact (seq, at, actor_user_id, actor, action, case_id, case_uuid, details, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let details: String = row.get(7)?;
            let name: String = row.get(4)?;
            // The names are frozen (a test holds them): one this program does not know was
            // not written by a program; the upgrade stops and the office stays as it was.
            let action = AuditAction::from_name(&name)
                .ok_or_else(|| StoreError::Corrupt { detail: format!("audit action {name:?}") })?;
            write.execute(params![
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<i64>>(2)?,
                row.get::<_, Option<String>>(3)?,
                action.code(),
                row.get::<_, Option<i64>>(5)?,
                row.get::<_, Option<String>>(6)?,
                super::packed::pack(&details)?,
                row.get::<_, Vec<u8>>(8)?,
            ])?;
        }
    }
    conn.execute_batch(
        "DROP TABLE audit;
         ALTER TABLE audit_compact RENAME TO audit;
         CREATE INDEX audit_case ON audit(case_id) WHERE case_id IS NOT NULL;
         CREATE INDEX audit_case_uuid ON audit(case_uuid) WHERE case_uuid IS NOT NULL;
         CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
         BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
         CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
         BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
    )?;
    Ok(())
}
