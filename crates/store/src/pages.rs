//! Scanned pages of a case: stored in the encrypted database, ordered, each linked to the
//! evidence checkbox it proves (a dotted path of the record, e.g.
//! `residence.rental.lease_contract`; empty while unassigned). Every change writes its
//! audit row in the same transaction; reading a page's image is audited as a view.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::json;

use domain::review::PageMark;

use crate::audit::{self, AuditAction};
use crate::cases::{CaseId, CaseState, case_row_id};
use crate::error::{Result, StoreError};
use crate::outbox::OutboxId;
use crate::time::{from_millis, to_millis};
use crate::{Session, Store, UserId};

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
    /// The reviewer's mark on it, if any.
    pub mark: Option<PageMarkInfo>,
}

/// A reviewer's mark on a page (see [`Store::mark_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMarkInfo {
    /// 不清晰 or 与材料不符.
    pub mark: PageMark,
    /// The reviewer's note (may be empty).
    pub note: String,
    /// The clerk who set it.
    pub by: UserId,
    /// When.
    pub at: DateTime<Utc>,
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
     length(p.jpeg), p.thumbnail, p.created_at, p.mark, p.mark_note, p.marked_by, p.marked_at";

fn meta(row: &rusqlite::Row<'_>) -> rusqlite::Result<(PageMetaRow, i64)> {
    let mark: Option<String> = row.get(11)?;
    let marked_at: Option<i64> = row.get(14)?;
    let marked_by: Option<i64> = row.get(13)?;
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
            mark: match (mark, marked_by, marked_at) {
                (Some(mark), Some(by), Some(at)) => {
                    Some((mark, row.get::<_, Option<String>>(12)?.unwrap_or_default(), by, at))
                }
                _ => None,
            },
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
    /// Key, note, clerk row id, millis.
    mark: Option<(String, String, i64, i64)>,
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
        mark: match row.mark {
            Some((key, note, by, at)) => Some(PageMarkInfo {
                mark: PageMark::from_key(&key)
                    .ok_or_else(|| StoreError::Corrupt { detail: format!("page mark {key}") })?,
                note,
                by: UserId(by),
                at: from_millis(at)?,
            }),
            None => None,
        },
    })
}

fn check_mode(mode: &str) -> Result<()> {
    if matches!(mode, "grey" | "colour") {
        Ok(())
    } else {
        Err(StoreError::InvalidInput { what: "page mode", reason: "must be grey or colour" })
    }
}

/// Whether page changes of a case in `state` must reach the platform: the case has been
/// submitted (it left the draft state, and not by being withdrawn).
fn is_submitted(state: CaseState) -> bool {
    !matches!(state, CaseState::Draft | CaseState::Withdrawn)
}

/// Queues a `page_metadata` outbox item describing page `page_uuid` as it is now (which
/// evidence it proves, its place, its content hash and size), in the caller's
/// transaction. The platform asks for the bytes by hash if it lacks them. `action` is
/// `added` (a new page, or every page of a case being submitted) or `changed` (relinked
/// or moved after submission).
pub(crate) fn queue_page_item(
    transaction: &Connection,
    case_row: i64,
    case_id: &CaseId,
    page_uuid: &str,
    action: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<OutboxId> {
    let (evidence, position, sha256, mode, width, height, bytes): (
        String,
        u32,
        String,
        String,
        u32,
        u32,
        i64,
    ) = transaction
        .prepare_cached(
            "SELECT evidence, position, sha256, mode, width, height, length(jpeg) FROM pages WHERE uuid = ?1",
        )?
        .query_row([page_uuid], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
        })?;
    let outbox_id = OutboxId::new(at)?;
    let payload = json!({
        "type": "page_metadata",
        "idempotency_key": outbox_id.to_string(),
        "case_id": case_id.to_string(),
        "action": action,
        "page": page_uuid,
        "evidence": evidence,
        "position": position,
        "content_hash": sha256,
        "bytes": bytes,
        "mode": mode,
        "width": width,
        "height": height,
        "at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "actor": actor,
    });
    crate::outbox::queue(transaction, &outbox_id, case_row, None, "page_metadata", &payload, at)?;
    // The case has something to send again.
    transaction.prepare_cached("UPDATE cases SET synced = 0 WHERE id = ?1")?.execute([case_row])?;
    Ok(outbox_id)
}

/// Queues every page of a case being submitted, in order (see [`queue_page_item`]).
pub(crate) fn queue_all_pages(
    transaction: &Connection,
    case_row: i64,
    case_id: &CaseId,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<usize> {
    let uuids: Vec<String> = transaction
        .prepare_cached("SELECT uuid FROM pages WHERE case_id = ?1 ORDER BY position")?
        .query_map([case_row], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for uuid in &uuids {
        queue_page_item(transaction, case_row, case_id, uuid, "added", actor, at)?;
    }
    Ok(uuids.len())
}

impl Store {
    /// Attaches a page at the end of the case's pages. Returns its id. A page added to a
    /// submitted case is queued for the platform in the same transaction; the pages of a
    /// draft go with its submission ([`Store::transition`]).
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
        let (case_row, state) = case_row_id(&transaction, case_id)?;
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
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::PageAdded,
            Some(case_id),
            json!({
                "page": id, "evidence": page.evidence, "sha256": page.sha256,
                "bytes": page.jpeg.len(), "position": position,
            }),
            at,
        )?;
        if is_submitted(state) {
            queue_page_item(&transaction, case_row, case_id, &id, "added", &session.username, at)?;
        }
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
    /// Once the case has been submitted, a relink or move is queued for the platform
    /// (`page_metadata`, `changed`) and replacing the image is refused
    /// ([`StoreError::PageFrozen`]).
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
        let (case_row, state) = case_row_id(&transaction, &before.case_id)?;
        if change.image.is_some() && is_submitted(state) {
            return Err(StoreError::PageFrozen { state });
        }
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
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::PageChanged,
            Some(&before.case_id),
            details,
            at,
        )?;
        if is_submitted(state) && (change.evidence.is_some() || change.position.is_some()) {
            queue_page_item(
                &transaction,
                case_row,
                &before.case_id,
                page_id,
                "changed",
                &session.username,
                at,
            )?;
        }
        transaction.commit()?;
        self.page(page_id)
    }

    /// Sets the reviewer's mark on a page (`Some`: the mark and a note, which may be empty)
    /// or clears it (`None`), in one transaction with its audit row (the note is the
    /// reviewer's words about a document and stays out of the audit details). Who may mark
    /// and when is the caller's rule; the store keeps the mark on the page until it is
    /// cleared or the page removed. Marks are local working notes and are not sent.
    pub fn mark_page(
        &mut self,
        session: &Session,
        page_id: &str,
        mark: Option<(PageMark, &str)>,
        at: DateTime<Utc>,
    ) -> Result<PageMeta> {
        let before = self.page(page_id)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match mark {
            Some((mark, note)) => transaction.execute(
                "UPDATE pages SET mark = ?2, mark_note = ?3, marked_by = ?4, marked_at = ?5 WHERE uuid = ?1",
                params![page_id, mark.key(), note.trim(), session.user_id.0, to_millis(at)],
            )?,
            None => transaction.execute(
                "UPDATE pages SET mark = NULL, mark_note = NULL, marked_by = NULL, marked_at = NULL WHERE uuid = ?1",
                [page_id],
            )?,
        };
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::PageMarked,
            Some(&before.case_id),
            json!({
                "page": page_id,
                "position": before.position,
                "from": before.mark.as_ref().map(|info| info.mark.key()),
                "to": mark.map(|(mark, _)| mark.key()),
                "with_note": mark.is_some_and(|(_, note)| !note.trim().is_empty()),
            }),
            at,
        )?;
        transaction.commit()?;
        self.page(page_id)
    }

    /// Removes a page; the pages after it move up. The audit row keeps its hash. Refused
    /// with [`StoreError::PageFrozen`] once the case has been submitted: its pages are then
    /// evidence on their way to the platform (add a page instead).
    pub fn delete_page(&mut self, session: &Session, page_id: &str, at: DateTime<Utc>) -> Result<()> {
        let before = self.page(page_id)?;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (case_row, state) = case_row_id(&transaction, &before.case_id)?;
        if is_submitted(state) {
            return Err(StoreError::PageFrozen { state });
        }
        transaction.execute("DELETE FROM pages WHERE uuid = ?1", [page_id])?;
        transaction.execute(
            "UPDATE pages SET position = position - 1 WHERE case_id = ?1 AND position > ?2",
            params![case_row, before.position],
        )?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::PageDeleted,
            Some(&before.case_id),
            json!({ "page": page_id, "sha256": before.sha256, "evidence": before.evidence }),
            at,
        )?;
        transaction.commit()?;
        Ok(())
    }
}
