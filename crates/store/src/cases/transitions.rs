//! Saving a draft and changing a case's state, each in one transaction with its outbox
//! and audit rows.

use super::*;

pub(crate) fn case_row_id(conn: &Connection, case_id: &CaseId) -> Result<(i64, CaseState)> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, state FROM cases WHERE uuid = ?1")?
        .query_row([case_id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (row_id, state) =
        row.ok_or_else(|| StoreError::NotFound { what: "case", id: case_id.to_string() })?;
    Ok((row_id, parse_state(&state)?))
}

/// Who makes a state change: a clerk, or a system account such as the platform's.
pub(crate) struct TransitionActor<'a> {
    /// The `users` row named in the case event.
    pub(crate) user_id: UserId,
    /// The clerk named in the audit row (`None` for a system actor).
    pub(crate) audit_user_id: Option<UserId>,
    /// The name in the audit row and the outbox payload.
    pub(crate) name: &'a str,
    /// The clerk's signing key: every step a clerk takes is signed (issue 18); the
    /// platform's own decisions are not.
    pub(crate) signer: Option<&'a clerk_signing::ClerkKey>,
    /// The office server's joined desk the clerk works at, named in the audit row.
    pub(crate) desk: Option<&'a str>,
}

/// [`Store::transition`] inside the caller's transaction.
pub(crate) fn transition_in(
    transaction: &Connection,
    audit_key: &[u8; 32],
    actor: &TransitionActor<'_>,
    case_id: &CaseId,
    change: &StateChange,
    at: DateTime<Utc>,
) -> Result<TransitionReceipt> {
    if change.from == change.to {
        return Err(StoreError::InvalidInput {
            what: "state change",
            reason: "from and to are the same state",
        });
    }
    let at_millis = to_millis(at);
    let outbox_id = OutboxId::new(at)?;
    let (row_id, state, record_text, application_number): (i64, String, String, Option<String>) = transaction
        .prepare_cached("SELECT id, state, record, application_number FROM cases WHERE uuid = ?1")?
        .query_row([case_id.to_string()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound { what: "case", id: case_id.to_string() })?;
    let actual = parse_state(&state)?;
    if actual != change.from {
        return Err(StoreError::Conflict { expected_state: change.from, actual });
    }
    let application_number = match application_number {
        None if change.to == CaseState::Accepted => {
            let number = next_application_number(transaction, at)?;
            transaction
                .prepare_cached("UPDATE cases SET application_number = ?2 WHERE id = ?1")?
                .execute(params![row_id, number])?;
            Some(number)
        }
        kept => kept,
    };
    let to = change.to.as_str();
    transaction
        .prepare_cached(
            "UPDATE cases SET state = ?2, updated_at = ?3, synced = 0, version = version + 1,
                    accepted_by = CASE WHEN ?2 = 'accepted' THEN ?4 ELSE accepted_by END,
                    accepted_at = CASE WHEN ?2 = 'accepted' THEN ?3 ELSE accepted_at END,
                    reviewed_by = CASE WHEN ?2 = 'reviewed' THEN ?4 WHEN ?2 = 'refused' THEN NULL ELSE reviewed_by END,
                    approved_by = CASE WHEN ?2 = 'approved' THEN ?4 WHEN ?2 = 'refused' THEN NULL ELSE approved_by END,
                    due_date = COALESCE(?5, due_date),
                    profile = COALESCE(?7, profile)
             WHERE id = ?1 AND state = ?6",
        )?
        .execute(params![
            row_id,
            to,
            at_millis,
            actor.user_id.0,
            change.due_date.map(date_to_text),
            change.from.as_str(),
            change.profile
        ])?;
    transaction
        .prepare_cached(
            "INSERT INTO case_events (case_id, from_state, to_state, actor, at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![row_id, change.from.as_str(), to, actor.user_id.0, at_millis, change.note])?;
    let event_id = transaction.last_insert_rowid();
    // The record travels once, when the case leaves the draft state (the submission
    // the province accepts or refuses); later changes carry the state change only.
    // Freezing a copy per change would multiply the database size by the number of steps.
    // A draft given up before it was ever submitted (draft → withdrawn) sends the state
    // change only: the applicant's data never leaves the counter for an application that
    // was not made.
    let submitted = change.from == CaseState::Draft && change.to != CaseState::Withdrawn;
    let record: Value = if submitted { serde_json::from_str(&record_text)? } else { Value::Null };
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let case_text = case_id.to_string();
    let signature = match actor.signer {
        Some(signer) => Some(crate::clerk_keys::sign_step(
            transaction,
            signer,
            &crate::clerk_keys::StepToSign {
                row_id,
                case_id: &case_text,
                // The contract's names: what the platform sees the step as.
                from: change.from.contract_name(),
                to: change.to.contract_name(),
                at: &at_text,
                username: actor.name,
                record_text: &record_text,
            },
        )?),
        None => None,
    };
    let mut payload = json!({
        "type": "case_state_changed",
        "idempotency_key": outbox_id.to_string(),
        "case_id": case_id.to_string(),
        "application_number": application_number,
        "from": change.from.as_str(),
        "to": to,
        "at": at_text,
        "actor": actor.name,
        "note": change.note,
        "due_date": change.due_date.map(date_to_text),
        "profile": change.profile,
        "record": record,
    });
    if let Some(signature) = signature {
        payload["signature"] = serde_json::to_value(signature)?;
    }
    crate::outbox::queue(
        transaction,
        &outbox_id,
        row_id,
        Some(event_id),
        "case_state_changed",
        &payload,
        at,
    )?;
    if submitted {
        crate::pages::queue_all_pages(transaction, row_id, case_id, actor.name, at)?;
    }
    audit::append(
        transaction,
        audit_key,
        NewAuditRow {
            desk: actor.desk,
            at,
            actor_user_id: actor.audit_user_id,
            actor: actor.name,
            action: AuditAction::CaseStateChanged,
            case_id: Some(case_id),
            details: step_details(change, to, event_id, &outbox_id),
        },
    )?;
    Ok(TransitionReceipt { event_id, outbox_id })
}

/// What a state change's audit row says: from, to, its event and outbox item, and only
/// when there is one, the deadline set and that a note was written (the note itself is
/// the event's). Absent rather than `null`/`false`: this row is written for every step of
/// every case and kept for years (BENCHMARKS.md, size per case).
fn step_details(change: &StateChange, to: &str, event_id: i64, outbox_id: &OutboxId) -> Value {
    let mut details = json!({
        "from": change.from.as_str(),
        "to": to,
        "event_id": event_id,
        "outbox_id": outbox_id.to_string(),
    });
    if let Some(due_date) = change.due_date {
        details["due_date"] = json!(date_to_text(due_date));
    }
    if change.note.is_some() {
        details["with_note"] = json!(true);
    }
    details
}

/// [`Store::save_draft`] inside the caller's transaction (which it does not commit).
#[allow(clippy::too_many_arguments, reason = "the store's keys, the clerk and the draft, all needed")]
pub(super) fn save_draft_in(
    transaction: &Connection,
    blind_key: &[u8; 32],
    audit_key: &[u8; 32],
    session: &Session,
    case_id: &CaseId,
    record: &Value,
    index: &CaseIndex,
    at: DateTime<Utc>,
) -> Result<SaveOutcome> {
    let columns = IndexColumns::new(blind_key, index);
    let record_text = serde_json::to_string(record)?;
    let at_millis = to_millis(at);
    let uuid_text = case_id.to_string();
    let existing: Option<(i64, String, String, IndexColumns)> = transaction
        .prepare_cached(
            "SELECT id, state, record, application_number, id_blind, id_masked, name, phone, birth_date,
                    slip_required
             FROM cases WHERE uuid = ?1",
        )?
        .query_row([&uuid_text], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                IndexColumns {
                    application_number: row.get(3)?,
                    id_blind: row.get(4)?,
                    id_masked: row.get(5)?,
                    name: row.get(6)?,
                    phone: row.get(7)?,
                    birth_date: row.get(8)?,
                    slip_required: row.get(9)?,
                },
            ))
        })
        .optional()?;
    let outcome = match existing {
        None => {
            transaction
                .prepare_cached(
                    "INSERT INTO cases (uuid, state, record, application_number, id_blind, id_masked, name, phone,
                                        birth_date, slip_required, created_by, created_at, updated_at)
                     VALUES (?1, 'draft', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                )?
                .execute(params![
                    uuid_text,
                    record_text,
                    columns.application_number,
                    columns.id_blind,
                    columns.id_masked,
                    columns.name,
                    columns.phone,
                    columns.birth_date,
                    columns.slip_required,
                    session.user_id.0,
                    at_millis,
                ])
                .map_err(|error| map_application_number_conflict(error, &columns.application_number))?;
            let row_id = transaction.last_insert_rowid();
            transaction
                .prepare_cached(
                    "INSERT INTO case_events (case_id, from_state, to_state, actor, at) VALUES (?1, NULL, 'draft', ?2, ?3)",
                )?
                .execute(params![row_id, session.user_id.0, at_millis])?;
            // The top-level sections present, never their values.
            let filled: Vec<&String> = record.as_object().map(|map| map.keys().collect()).unwrap_or_default();
            audit::append(
                transaction,
                audit_key,
                NewAuditRow {
                    desk: session.desk(),
                    at,
                    actor_user_id: Some(session.user_id),
                    actor: &session.username,
                    action: AuditAction::CaseCreated,
                    case_id: Some(case_id),
                    details: json!({ "fields": filled }),
                },
            )?;
            SaveOutcome::Created
        }
        Some((row_id, state, old_record_text, old_columns)) => {
            let state = parse_state(&state)?;
            if state != CaseState::Draft {
                return Err(StoreError::Conflict { expected_state: CaseState::Draft, actual: state });
            }
            if old_record_text == record_text && old_columns == columns {
                return Ok(SaveOutcome::Unchanged);
            }
            let old_record: Value = serde_json::from_str(&old_record_text)?;
            let changed = changed_paths(&old_record, record);
            let index_changed = old_columns.changed_names(&columns);
            transaction
                .prepare_cached(
                    "UPDATE cases SET record = ?2, application_number = ?3, id_blind = ?4, id_masked = ?5,
                            name = ?6, phone = ?7, birth_date = ?8, slip_required = ?9, updated_at = ?10,
                            version = version + 1
                     WHERE id = ?1 AND state = 'draft'",
                )?
                .execute(params![
                    row_id,
                    record_text,
                    columns.application_number,
                    columns.id_blind,
                    columns.id_masked,
                    columns.name,
                    columns.phone,
                    columns.birth_date,
                    columns.slip_required,
                    at_millis,
                ])
                .map_err(|error| map_application_number_conflict(error, &columns.application_number))?;
            audit::append(
                transaction,
                audit_key,
                NewAuditRow {
                    desk: session.desk(),
                    at,
                    actor_user_id: Some(session.user_id),
                    actor: &session.username,
                    action: AuditAction::DraftSaved,
                    case_id: Some(case_id),
                    details: json!({ "changed": changed, "index_changed": index_changed }),
                },
            )?;
            SaveOutcome::Updated
        }
    };
    Ok(outcome)
}
