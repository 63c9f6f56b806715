//! Scanned pages of a case: stored in the encrypted database, ordered, each linked to the
//! evidence checkbox it proves (a dotted path of the record, e.g.
//! `residence.rental.lease_contract`; empty while unassigned). Every change writes its
//! audit row in the same transaction; reading a page's image is audited as a view.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde_json::json;

use crate::audit::{self, AuditAction, NewAuditRow};
use crate::cases::{CaseId, case_row_id};
use crate::error::{Result, StoreError};
use crate::time::{from_millis, to_millis};
use crate::{Session, Store};

/// A page to store (already normalised by the scan pipeline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPage<'a> {
    /// Evidence path it proves, or empty.
    pub evidence: &'a str,
    /// SHA-256 of `jpeg`, lowercase hex.
    pub sha256: &'a str,
    /// `grey` or `colour`.
    pub mode: &'a str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The page.
    pub jpeg: &'a [u8],
    /// Its thumbnail.
    pub thumbnail: &'a [u8],
}

/// A stored page without its full image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMeta {
    /// Global id of the page.
    pub id: String,
    /// The case.
    pub case_id: CaseId,
    /// Evidence path, or empty.
    pub evidence: String,
    /// Order within the case, from 1.
    pub position: u32,
    /// Content hash.
    pub sha256: String,
    /// `grey` or `colour`.
    pub mode: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size of the stored JPEG.
    pub bytes: u64,
    /// Thumbnail JPEG.
    pub thumbnail: Vec<u8>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// How a page changes with [`Store::update_page`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageChange<'a> {
    /// Link it to another evidence item (empty string: unassigned).
    pub evidence: Option<&'a str>,
    /// Move it to this position (1 = first); the others shift.
    pub position: Option<u32>,
    /// Replace the image (a rotation): JPEG, thumbnail, width, height, hash.
    pub image: Option<NewPage<'a>>,
}

const META_COLUMNS: &str = "p.uuid, c.uuid, p.evidence, p.position, p.sha256, p.mode, p.width, p.height, \
     length(p.jpeg), p.thumbnail, p.created_at";

fn meta(row: &rusqlite::Row<'_>) -> rusqlite::Result<(PageMetaRow, i64)> {
    Ok((
        PageMetaRow {
            id: row.get(0)?,
            case_uuid: row.get(1)?,
            evidence: row.get(2)?,
            position: row.get(3)?,
            sha256: row.get(4)?,
            mode: row.get(5)?,
            width: row.get(6)?,
            height: row.get(7)?,
            bytes: row.get::<_, i64>(8)?.unsigned_abs(),
            thumbnail: row.get(9)?,
        },
        row.get(10)?,
    ))
}

struct PageMetaRow {
    id: String,
    case_uuid: String,
    evidence: String,
    position: u32,
    sha256: String,
    mode: String,
    width: u32,
    height: u32,
    bytes: u64,
    thumbnail: Vec<u8>,
}

fn into_meta((row, created): (PageMetaRow, i64)) -> Result<PageMeta> {
    Ok(PageMeta {
        case_id: row.case_uuid.parse()?,
        id: row.id,
        evidence: row.evidence,
        position: row.position,
        sha256: row.sha256,
        mode: row.mode,
        width: row.width,
        height: row.height,
        bytes: row.bytes,
        thumbnail: row.thumbnail,
        created_at: from_millis(created)?,
    })
}

/// The audit row of a page change, written in the change's transaction.
fn audit_page(
    transaction: &rusqlite::Transaction<'_>,
    audit_key: &[u8; crate::crypto::KEY_LEN],
    session: &Session,
    action: AuditAction,
    case_id: &CaseId,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let row = NewAuditRow {
        at,
        actor_user_id: Some(session.user_id),
        actor: &session.username,
        action,
        case_id: Some(case_id),
        details,
    };
    audit::append(transaction, audit_key, row)?;
    Ok(())
}

fn check_mode(mode: &str) -> Result<()> {
    if matches!(mode, "grey" | "colour") {
        Ok(())
    } else {
        Err(StoreError::InvalidInput { what: "page mode", reason: "must be grey or colour" })
    }
}

impl Store {
    /// Attaches a page at the end of the case's pages. Returns its id.
    pub fn add_page(
        &mut self,
        session: &Session,
        case_id: &CaseId,
        page: &NewPage<'_>,
        at: DateTime<Utc>,
    ) -> Result<String> {
        check_mode(page.mode)?;
        let audit_key = *self.audit_key;
        let id = crate::cases::uuid_v7(at)?.to_string();
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (case_row, _) = case_row_id(&transaction, case_id)?;
        let position: u32 = transaction.query_row(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM pages WHERE case_id = ?1",
            [case_row],
            |row| row.get(0),
        )?;
        transaction.execute(
            "INSERT INTO pages (uuid, case_id, evidence, position, sha256, mode, width, height, jpeg, \
             thumbnail, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                id,
                case_row,
                page.evidence,
                position,
                page.sha256,
                page.mode,
                page.width,
                page.height,
                page.jpeg,
                page.thumbnail,
                to_millis(at),
                session.user_id.0
            ],
        )?;
        audit_page(
            &transaction,
            &audit_key,
            session,
            AuditAction::PageAdded,
            case_id,
            json!({
                "page": id, "evidence": page.evidence, "sha256": page.sha256,
                "bytes": page.jpeg.len(), "position": position,
            }),
            at,
        )?;
        transaction.commit()?;
        Ok(id)
    }

    /// The case's pages in order, with thumbnails.
    pub fn pages(&self, case_id: &CaseId) -> Result<Vec<PageMeta>> {
        let sql = format!(
            "SELECT {META_COLUMNS} FROM pages p JOIN cases c ON c.id = p.case_id \
             WHERE c.uuid = ?1 ORDER BY p.position"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([case_id.to_string()], meta)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(into_meta).collect()
    }

    /// One page's metadata.
    pub fn page(&self, page_id: &str) -> Result<PageMeta> {
        let sql =
            format!("SELECT {META_COLUMNS} FROM pages p JOIN cases c ON c.id = p.case_id WHERE p.uuid = ?1");
        let row = self.conn.prepare_cached(&sql)?.query_row([page_id], meta).optional()?;
        into_meta(row.ok_or_else(|| StoreError::NotFound { what: "page", id: page_id.to_owned() })?)
    }

    /// The full image of a page (audited as a view of the case's personal data).
    pub fn page_image(&mut self, session: &Session, page_id: &str, at: DateTime<Utc>) -> Result<Vec<u8>> {
        let page = self.page(page_id)?;
        let jpeg: Vec<u8> =
            self.conn.query_row("SELECT jpeg FROM pages WHERE uuid = ?1", [page_id], |row| row.get(0))?;
        self.audit_event(
            session,
            AuditAction::CaseViewed,
            Some(&page.case_id),
            json!({ "page": page_id }),
            at,
        )?;
        Ok(jpeg)
    }

    /// The bytes of a stored page by content hash, for the sync (a page record's blob) and
    /// the air-gapped bundle; `None` when no page has that hash. Not audited here: the
    /// records that carry the page to the platform are audited as they are sent.
    pub fn page_bytes_by_hash(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT jpeg FROM pages WHERE sha256 = ?1 LIMIT 1")?
            .query_row([sha256], |row| row.get(0))
            .optional()?)
    }

    /// Relinks, moves or replaces the image of a page, in one transaction with its audit row.
    pub fn update_page(
        &mut self,
        session: &Session,
        page_id: &str,
        change: &PageChange<'_>,
        at: DateTime<Utc>,
    ) -> Result<PageMeta> {
        let before = self.page(page_id)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut details = json!({ "page": page_id });
        if let Some(evidence) = change.evidence {
            transaction
                .execute("UPDATE pages SET evidence = ?2 WHERE uuid = ?1", params![page_id, evidence])?;
            details["evidence"] = json!({ "from": before.evidence, "to": evidence });
        }
        if let Some(image) = &change.image {
            check_mode(image.mode)?;
            transaction.execute(
                "UPDATE pages SET jpeg = ?2, thumbnail = ?3, width = ?4, height = ?5, sha256 = ?6, mode = ?7 \
                 WHERE uuid = ?1",
                params![
                    page_id,
                    image.jpeg,
                    image.thumbnail,
                    image.width,
                    image.height,
                    image.sha256,
                    image.mode
                ],
            )?;
            details["sha256"] = json!({ "from": before.sha256, "to": image.sha256 });
        }
        if let Some(target) = change.position {
            let case_row: i64 =
                transaction
                    .query_row("SELECT case_id FROM pages WHERE uuid = ?1", [page_id], |row| row.get(0))?;
            let count: u32 = transaction.query_row(
                "SELECT COUNT(*) FROM pages WHERE case_id = ?1",
                [case_row],
                |row| row.get(0),
            )?;
            let target = target.clamp(1, count.max(1));
            let from = before.position;
            // Park the page, shift the ones between, then drop it in place.
            transaction.execute("UPDATE pages SET position = 0 WHERE uuid = ?1", [page_id])?;
            if target < from {
                transaction.execute(
                    "UPDATE pages SET position = position + 1 WHERE case_id = ?1 AND position >= ?2 AND position < ?3",
                    params![case_row, target, from],
                )?;
            } else if target > from {
                transaction.execute(
                    "UPDATE pages SET position = position - 1 WHERE case_id = ?1 AND position > ?2 AND position <= ?3",
                    params![case_row, from, target],
                )?;
            }
            transaction
                .execute("UPDATE pages SET position = ?2 WHERE uuid = ?1", params![page_id, target])?;
            details["position"] = json!({ "from": from, "to": target });
        }
        audit_page(
            &transaction,
            &audit_key,
            session,
            AuditAction::PageChanged,
            &before.case_id,
            details,
            at,
        )?;
        transaction.commit()?;
        self.page(page_id)
    }

    /// Removes a page; the pages after it move up. The audit row keeps its hash.
    pub fn delete_page(&mut self, session: &Session, page_id: &str, at: DateTime<Utc>) -> Result<()> {
        let before = self.page(page_id)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let case_row: i64 =
            transaction
                .query_row("SELECT case_id FROM pages WHERE uuid = ?1", [page_id], |row| row.get(0))?;
        transaction.execute("DELETE FROM pages WHERE uuid = ?1", [page_id])?;
        transaction.execute(
            "UPDATE pages SET position = position - 1 WHERE case_id = ?1 AND position > ?2",
            params![case_row, before.position],
        )?;
        audit_page(
            &transaction,
            &audit_key,
            session,
            AuditAction::PageDeleted,
            &before.case_id,
            json!({ "page": page_id, "sha256": before.sha256, "evidence": before.evidence }),
            at,
        )?;
        transaction.commit()?;
        Ok(())
    }
}
