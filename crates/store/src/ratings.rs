//! The applicant's 好差评 ratings: one per visit, written with its outbox item and its
//! audit row in one transaction, never changed.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde_json::json;

use domain::rating::{Rating, RatingLevel};

use crate::audit::{self, AuditAction};
use crate::cases::{CaseId, case_row_id};
use crate::error::{Result, StoreError};
use crate::outbox::OutboxId;
use crate::time::{from_millis, to_millis};
use crate::{Session, Store};

/// A rating as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRating {
    /// Its id, also the id of the outbox item that carries it to the platform.
    pub id: OutboxId,
    /// The level.
    pub level: RatingLevel,
    /// Why (empty for a level that needs none).
    pub reason: String,
    /// The visit rated: the state the case reached in it (`accepted`, `refused`…).
    pub visit_state: String,
    /// The clerk who served the applicant.
    pub clerk: String,
    /// When.
    pub rated_at: DateTime<Utc>,
}

impl Store {
    /// Keeps the applicant's rating of the visit that ended with the case's latest state
    /// change, and queues it for the platform. `session` is the clerk at the counter, who
    /// served them (named, not the author: the applicant gave it). Refused when the case
    /// has no decision yet ([`StoreError::NothingToRate`]) or the visit was already rated
    /// ([`StoreError::AlreadyRated`]).
    pub fn record_rating(
        &mut self,
        session: &Session,
        case_id: &CaseId,
        rating: &Rating,
        at: DateTime<Utc>,
    ) -> Result<StoredRating> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (row_id, _) = case_row_id(&transaction, case_id)?;
        let visit: Option<(i64, String)> = transaction
            .prepare_cached(
                "SELECT id, to_state FROM case_events WHERE case_id = ?1 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([row_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let (event_id, visit_state) = visit.ok_or(StoreError::NothingToRate)?;
        let rated: bool = transaction
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM ratings WHERE case_id = ?1 AND event_id = ?2)")?
            .query_row(params![row_id, event_id], |row| row.get(0))?;
        if rated {
            return Err(StoreError::AlreadyRated);
        }
        let application_number: Option<String> = transaction
            .prepare_cached("SELECT application_number FROM cases WHERE id = ?1")?
            .query_row([row_id], |row| row.get(0))?;
        let id = OutboxId::new(at)?;
        let at_millis = to_millis(at);
        transaction
            .prepare_cached(
                "INSERT INTO ratings (uuid, case_id, event_id, level, reason, clerk, rated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id.to_string(),
                row_id,
                event_id,
                rating.level.key(),
                rating.reason,
                session.user_id.0,
                at_millis
            ])?;
        let payload = json!({
            "type": "rating",
            "idempotency_key": id.to_string(),
            "case_id": case_id.to_string(),
            "application_number": application_number,
            "level": rating.level.key(),
            "reason": rating.reason,
            "visit_state": visit_state,
            "clerk": session.username,
            "at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        crate::outbox::queue(&transaction, &id, row_id, Some(event_id), "rating", &payload, at)?;
        transaction.prepare_cached("UPDATE cases SET synced = 0 WHERE id = ?1")?.execute([row_id])?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::Rated,
            Some(case_id),
            json!({
                "level": rating.level.key(),
                "with_reason": !rating.reason.is_empty(),
                "event_id": event_id,
                "outbox_id": id.to_string(),
            }),
            at,
        )?;
        transaction.commit()?;
        Ok(StoredRating {
            id,
            level: rating.level,
            reason: rating.reason.clone(),
            visit_state,
            clerk: session.username.clone(),
            rated_at: at,
        })
    }

    /// The ratings of a case, oldest first.
    pub fn ratings(&self, case_id: &CaseId) -> Result<Vec<StoredRating>> {
        let (row_id, _) = case_row_id(&self.conn, case_id)?;
        let rows: Vec<(String, String, String, String, String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT ratings.uuid, ratings.level, ratings.reason, case_events.to_state, users.username,
                        ratings.rated_at
                 FROM ratings JOIN case_events ON case_events.id = ratings.event_id
                      JOIN users ON users.id = ratings.clerk
                 WHERE ratings.case_id = ?1 ORDER BY ratings.id",
            )?
            .query_map([row_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(id, level, reason, visit_state, clerk, rated_at)| {
                let corrupt = |detail: String| StoreError::Corrupt { detail };
                Ok(StoredRating {
                    id: id.parse().map_err(|_| corrupt(format!("rating id {id}")))?,
                    level: RatingLevel::from_key(&level)
                        .ok_or_else(|| corrupt(format!("rating level {level}")))?,
                    reason,
                    visit_state,
                    clerk,
                    rated_at: from_millis(rated_at)?,
                })
            })
            .collect()
    }
}
