//! Cases: the Annex 1 record as JSON, the index columns the caller derives from it, every
//! state change, and the outbox row each state change queues for the province.
//!
//! The store does not know the record's fields (they belong to `domain::record`): it
//! keeps the JSON as given and indexes the values the caller passes in [`CaseIndex`].
//! The ID number itself is stored only inside the record; the index keeps an HMAC-SM3
//! blind index for exact look-ups and a masked form for lists.
//!
//! Every multi-row change runs in one `BEGIN IMMEDIATE` transaction: a case never exists
//! without its creation event, and a state change never exists without its event, its
//! outbox row and its audit row.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use domain::id_number::canonical as canonical_id;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Store;
use crate::audit::{self, AuditAction, NewAuditRow};
use crate::crypto::{fill_random, hex_encode, hmac_sm3};
use crate::error::{Result, StoreError};
use crate::outbox::OutboxId;
use crate::time::{date_to_text, from_millis, opt_date_from_text, opt_from_millis, to_millis};
use crate::users::{Session, UserId};

mod index;
mod numbers;
mod transitions;

pub(crate) use domain::changes::changed_paths;
pub use index::BlindIndex;
use index::IndexColumns;
pub(crate) use index::blind_index;
#[cfg(test)]
use index::mask_id_number;
use numbers::{map_application_number_conflict, next_application_number};
use transitions::save_draft_in;
pub(crate) use transitions::{TransitionActor, case_row_id, transition_in};

/// Builds a UUIDv7 from `at` and 74 random bits: time-ordered, globally unique, and made
/// without reading the clock.
pub(crate) fn uuid_v7(at: DateTime<Utc>) -> Result<Uuid> {
    let mut random = [0u8; 10];
    fill_random(&mut random)?;
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    Ok(uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
}

/// A case's global identity: a client-generated UUIDv7, stable across backup, restore,
/// export and sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseId(Uuid);

impl CaseId {
    /// A new id for a case started at `at`. The UI can make one when the form opens and
    /// pass it to every [`Store::save_draft`].
    pub fn new(at: DateTime<Utc>) -> Result<CaseId> {
        Ok(CaseId(uuid_v7(at)?))
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(formatter)
    }
}

impl FromStr for CaseId {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<CaseId> {
        Uuid::parse_str(text)
            .map(CaseId)
            .map_err(|_| StoreError::InvalidInput { what: "case id", reason: "not a uuid" })
    }
}

/// As its text, the form every file and message carries it in.
impl serde::Serialize for CaseId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CaseId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<CaseId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a case stands: the domain's one definition. The store keeps each state under
/// its key ([`CaseState::as_str`]); a key this build does not know is a damaged row.
pub use domain::case::CaseState;

pub(crate) fn parse_state(text: &str) -> Result<CaseState> {
    CaseState::parse(text)
        .ok_or_else(|| StoreError::Corrupt { detail: format!("unknown case state {text:?}") })
}

/// Index values the caller derives from the record (the store never parses the record).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseIndex {
    /// 申请编号, unique among cases when present.
    pub application_number: Option<String>,
    /// 公民身份号码 as typed; only its blind index and masked form are stored as columns.
    pub id_number: Option<String>,
    /// 姓名, for prefix search and near matches.
    pub name: Option<String>,
    /// Contact phone, for search.
    pub phone: Option<String>,
    /// Birth date, for near matches.
    pub birth_date: Option<NaiveDate>,
    /// The applicant needs the paper confirmation slip (确认单) after issue.
    pub slip_required: bool,
}

/// One case for [`Store::bulk_create`]: its record and index, when it was made, and the
/// state changes it went through (all at that moment).
#[cfg(feature = "test-support")]
#[derive(Clone, Debug)]
pub struct BulkCase {
    /// The Annex 1 record.
    pub record: Value,
    /// Its searchable columns.
    pub index: CaseIndex,
    /// When the draft was made and changed.
    pub at: DateTime<Utc>,
    /// The state changes, in order, starting from `draft`.
    pub changes: Vec<StateChange>,
}

/// What [`Store::save_draft`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveOutcome {
    /// A new draft case was written.
    Created,
    /// The draft changed and was written.
    Updated,
    /// Nothing changed; nothing was written or audited.
    Unchanged,
}

/// A case as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Global id.
    pub id: CaseId,
    /// Current state.
    pub state: CaseState,
    /// The Annex 1 record as saved.
    pub record: Value,
    /// 申请编号.
    pub application_number: Option<String>,
    /// Masked ID number (first 6, last 4).
    pub id_number_masked: Option<String>,
    /// 姓名.
    pub name: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Who started the case.
    pub created_by: UserId,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// 受理人.
    pub accepted_by: Option<UserId>,
    /// 审核人.
    pub reviewed_by: Option<UserId>,
    /// 审批人.
    pub approved_by: Option<UserId>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Last day allowed by the deadline (2 working days from acceptance).
    pub due_date: Option<NaiveDate>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Every outbox item of the case has been confirmed by the province.
    pub synced: bool,
    /// Needs the paper confirmation slip.
    pub slip_required: bool,
    /// When the slip was printed.
    pub slip_printed_at: Option<DateTime<Utc>>,
    /// Incremented by every write; lets a screen notice it is stale.
    pub version: i64,
    /// The policy profile (county code) the submission was assessed under; `None` for a
    /// draft, or a case submitted before schema 7.
    pub profile: Option<String>,
}

/// One row of a case's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    /// Row id, increasing.
    pub id: i64,
    /// State before (`None` for the creation event).
    pub from_state: Option<CaseState>,
    /// State after.
    pub to_state: CaseState,
    /// Who made the change.
    pub actor: UserId,
    /// When.
    pub at: DateTime<Utc>,
    /// Opinion or reason entered with the change (审核意见, refusal reasons...).
    pub note: Option<String>,
}

/// A state change requested by a clerk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// The state the clerk saw; the change is refused with `Conflict` if it moved.
    pub from: CaseState,
    /// The new state.
    pub to: CaseState,
    /// Opinion or reason, stored with the event.
    pub note: Option<String>,
    /// Deadline to set (the caller computes it with the working-day calendar on
    /// acceptance); `None` keeps the current one.
    pub due_date: Option<NaiveDate>,
    /// The policy profile applied (its county code) when the submission was assessed;
    /// `None` keeps the one stored.
    pub profile: Option<String>,
}

/// What a state change wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransitionReceipt {
    /// The `case_events` row.
    pub event_id: i64,
    /// The outbox item queued for the province (its id is the idempotency key).
    pub outbox_id: OutboxId,
}

pub(crate) const CASE_COLUMNS: &str = "uuid, state, record, application_number, id_masked, name, phone, birth_date, \
     created_by, created_at, accepted_by, reviewed_by, approved_by, accepted_at, due_date, updated_at, synced, \
     slip_required, slip_printed_at, version, profile";

fn case_from_row(row: &rusqlite::Row<'_>) -> Result<Case> {
    let uuid: String = row.get(0)?;
    let state: String = row.get(1)?;
    let record: String = row.get(2)?;
    Ok(Case {
        id: uuid.parse().map_err(|_| StoreError::Corrupt { detail: format!("case uuid {uuid:?}") })?,
        state: parse_state(&state)?,
        record: serde_json::from_str(&record)?,
        application_number: row.get(3)?,
        id_number_masked: row.get(4)?,
        name: row.get(5)?,
        phone: row.get(6)?,
        birth_date: opt_date_from_text(row.get(7)?)?,
        created_by: UserId(row.get(8)?),
        created_at: from_millis(row.get(9)?)?,
        accepted_by: row.get::<_, Option<i64>>(10)?.map(UserId),
        reviewed_by: row.get::<_, Option<i64>>(11)?.map(UserId),
        approved_by: row.get::<_, Option<i64>>(12)?.map(UserId),
        accepted_at: opt_from_millis(row.get(13)?)?,
        due_date: opt_date_from_text(row.get(14)?)?,
        updated_at: from_millis(row.get(15)?)?,
        synced: row.get(16)?,
        slip_required: row.get(17)?,
        slip_printed_at: opt_from_millis(row.get(18)?)?,
        version: row.get(19)?,
        profile: row.get(20)?,
    })
}

/// An outbox item as a correction reads it: kind, status, payload, quarantine code, case row.
type QuarantinedItem = (String, String, String, Option<String>, Option<i64>);

impl Store {
    /// The blind index of an ID number, for [`Store::find_open_cases_by_id`]; `None` when
    /// the number is empty after normalisation.
    pub fn blind_index(&self, id_number: &str) -> Option<BlindIndex> {
        blind_index(&self.blind_key, id_number)
    }

    /// Starts a new draft case with a fresh id. Same as [`Store::save_draft`] with
    /// [`CaseId::new`].
    pub fn create_case(
        &mut self,
        session: &Session,
        record: &Value,
        index: &CaseIndex,
        at: DateTime<Utc>,
    ) -> Result<CaseId> {
        let case_id = CaseId::new(at)?;
        self.save_draft(session, &case_id, record, index, at)?;
        Ok(case_id)
    }

    /// Saves a draft as the clerk types: inserts the case (with its creation event) the
    /// first time `case_id` is seen, updates it while it is a draft, and refuses with
    /// `Conflict` once it has been accepted. Saving identical content writes nothing.
    /// Audited as `case_created` / `draft_saved` with the changed field paths only.
    pub fn save_draft(
        &mut self,
        session: &Session,
        case_id: &CaseId,
        record: &Value,
        index: &CaseIndex,
        at: DateTime<Utc>,
    ) -> Result<SaveOutcome> {
        let blind_key = *self.blind_key;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcome =
            save_draft_in(&transaction, &blind_key, &audit_key, session, case_id, record, index, at)?;
        if outcome != SaveOutcome::Unchanged {
            crate::crash::point(crate::crash::SAVE_BEFORE_COMMIT);
            transaction.commit()?;
            crate::crash::point(crate::crash::SAVE_COMMITTED);
        }
        Ok(outcome)
    }

    /// Reads a case and audits the view (`case_viewed`): opening a case shows personal data.
    pub fn get_case(&mut self, session: &Session, case_id: &CaseId, at: DateTime<Utc>) -> Result<Case> {
        let case = self.read_case(case_id)?;
        self.append_audit(NewAuditRow {
            desk: session.desk(),
            at,
            actor_user_id: Some(session.user_id),
            actor: &session.username,
            action: AuditAction::CaseViewed,
            case_id: Some(case_id),
            details: json!({ "state": case.state.as_str() }),
        })?;
        Ok(case)
    }

    /// Reads a case without auditing: for the application's own checks (duplicate guard,
    /// separation of duties), never to show the record to a person.
    pub fn read_case(&self, case_id: &CaseId) -> Result<Case> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE uuid = ?1");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query([case_id.to_string()])?;
        match rows.next()? {
            Some(row) => case_from_row(row),
            None => Err(StoreError::NotFound { what: "case", id: case_id.to_string() }),
        }
    }

    /// The case's version (it changes with every write): what a desk saves a draft from.
    pub fn case_version(&self, case_id: &CaseId) -> Result<i64> {
        self.conn
            .prepare_cached("SELECT version FROM cases WHERE uuid = ?1")?
            .query_row([case_id.to_string()], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "case", id: case_id.to_string() })
    }

    /// The case's state changes, oldest first.
    pub fn case_events(&self, case_id: &CaseId) -> Result<Vec<CaseEvent>> {
        let (row_id, _) = case_row_id(&self.conn, case_id)?;
        let mut statement = self.conn.prepare_cached(
            "SELECT id, from_state, to_state, actor, at, note FROM case_events WHERE case_id = ?1 ORDER BY id",
        )?;
        let mut rows = statement.query([row_id])?;
        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            let from_state: Option<String> = row.get(1)?;
            let to_state: String = row.get(2)?;
            events.push(CaseEvent {
                id: row.get(0)?,
                from_state: from_state.as_deref().map(parse_state).transpose()?,
                to_state: parse_state(&to_state)?,
                actor: UserId(row.get(3)?),
                at: from_millis(row.get(4)?)?,
                note: row.get(5)?,
            });
        }
        Ok(events)
    }

    /// The application as it was accepted, each time the case was accepted, oldest first:
    /// the record frozen in the outbox item that submitted it to the platform (a case sent
    /// back and accepted again has two). The reviewer of a second acceptance compares the
    /// last two. Read from the outbox, which keeps every submission it sent: an outbox
    /// clean-up must keep these records or move them here first.
    pub fn accepted_records(&self, case_id: &CaseId) -> Result<Vec<(DateTime<Utc>, Value)>> {
        let (row_id, _) = case_row_id(&self.conn, case_id)?;
        let mut statement = self.conn.prepare_cached(
            "SELECT created_at, json_extract(payload, '$.record') FROM outbox
             WHERE case_id = ?1 AND kind = 'case_state_changed'
               AND json_extract(payload, '$.to') = 'accepted'
               AND json_type(payload, '$.record') = 'object'
             ORDER BY seq",
        )?;
        let rows = statement
            .query_map([row_id], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(|(at, record)| Ok((from_millis(at)?, serde_json::from_str(&record)?))).collect()
    }

    /// Moves a case from `change.from` to `change.to` in one transaction: updates the
    /// case (recording the clerk as 受理人/审核人/审批人 for accepted/reviewed/approved),
    /// appends the state-change event, queues an outbox item (with a frozen copy of the
    /// record when the case leaves the draft state), and appends the audit row. Refuses with `Conflict` if the case is not in
    /// `change.from`. Which transitions and which clerks are allowed is decided by the
    /// caller (the domain's state machine and separation-of-duties rules).
    pub fn transition(
        &mut self,
        session: &Session,
        case_id: &CaseId,
        change: &StateChange,
        at: DateTime<Utc>,
    ) -> Result<TransitionReceipt> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = TransitionActor {
            user_id: session.user_id,
            audit_user_id: Some(session.user_id),
            name: &session.username,
            signer: session.signer.as_ref(),
            desk: session.desk(),
        };
        let receipt = transition_in(&transaction, &audit_key, &actor, case_id, change, at)?;
        crate::crash::point(crate::crash::STEP_BEFORE_COMMIT);
        transaction.commit()?;
        crate::crash::point(crate::crash::STEP_COMMITTED);
        Ok(receipt)
    }

    /// Saves many cases, each a new draft followed by its state changes, in **one**
    /// transaction: the same rows, events, outbox items and audit chain as calling
    /// [`Store::create_case`] and [`Store::transition`] for each, without a commit per
    /// call. Only for generating large stores in benchmarks; a counter never does this.
    #[cfg(feature = "test-support")]
    pub fn bulk_create(&mut self, session: &Session, cases: &[BulkCase]) -> Result<Vec<CaseId>> {
        let blind_key = *self.blind_key;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = TransitionActor {
            user_id: session.user_id,
            audit_user_id: Some(session.user_id),
            name: &session.username,
            signer: session.signer.as_ref(),
            desk: session.desk(),
        };
        let mut ids = Vec::with_capacity(cases.len());
        for case in cases {
            let case_id = CaseId::new(case.at)?;
            save_draft_in(
                &transaction,
                &blind_key,
                &audit_key,
                session,
                &case_id,
                &case.record,
                &case.index,
                case.at,
            )?;
            for change in &case.changes {
                transition_in(&transaction, &audit_key, &actor, &case_id, change, case.at)?;
            }
            ids.push(case_id);
        }
        transaction.commit()?;
        Ok(ids)
    }

    /// 更正后重报: the platform refused a submission (a quarantined `case_state_changed` item
    /// carrying the record) for its content; the clerk corrected the application. In one
    /// transaction: the case's record and index columns become the corrected ones (its
    /// application number and state stay), the quarantined item's frozen record is replaced
    /// by the corrected one and it is queued again under the same id (the platform stored
    /// nothing of a refused record, so the same id with new content is a new record to it),
    /// and an audit row `record_corrected` names the clerk, the item, the platform's code
    /// and the changed field paths (never values). Refuses an item that is not quarantined,
    /// carries no record, or was answered `conflict` (the platform holds other content
    /// under that id: correcting cannot help).
    pub fn correct_quarantined(
        &mut self,
        session: &Session,
        outbox_id: &OutboxId,
        record: &Value,
        index: &CaseIndex,
        at: DateTime<Utc>,
    ) -> Result<CaseId> {
        let blind_key = *self.blind_key;
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item: Option<QuarantinedItem> = transaction
            .query_row(
                "SELECT kind, status, payload, quarantine_code, case_id FROM outbox WHERE id = ?1",
                [outbox_id.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
            )
            .optional()?;
        let (kind, status, payload_text, code, case_row) =
            item.ok_or_else(|| StoreError::NotFound { what: "outbox item", id: outbox_id.to_string() })?;
        let mut payload: Value = serde_json::from_str(&payload_text)?;
        let refuse = |reason: &'static str| Err(StoreError::InvalidInput { what: "correction", reason });
        if status != "quarantined" {
            return refuse("the record is not quarantined");
        }
        if kind != "case_state_changed" || payload["record"].is_null() {
            return refuse("the record carries no application to correct");
        }
        if code.as_deref() == Some("CONFLICT") {
            return refuse("the platform holds other content under this id");
        }
        let row_id = case_row.ok_or(StoreError::InvalidInput { what: "correction", reason: "no case" })?;
        let (uuid, old_record_text, application_number, old_slip): (String, String, Option<String>, bool) =
            transaction.query_row(
                "SELECT uuid, record, application_number, slip_required FROM cases WHERE id = ?1",
                [row_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )?;
        let case_id: CaseId = uuid.parse()?;
        let mut columns = IndexColumns::new(&blind_key, index);
        columns.application_number = application_number;
        columns.slip_required |= old_slip;
        let old_record: Value = serde_json::from_str(&old_record_text)?;
        let changed = changed_paths(&old_record, record);
        transaction.execute(
            "UPDATE cases SET record = ?2, id_blind = ?3, id_masked = ?4, name = ?5, phone = ?6, birth_date = ?7,
                    slip_required = ?8, updated_at = ?9, synced = 0, version = version + 1
             WHERE id = ?1",
            params![
                row_id,
                serde_json::to_string(record)?,
                columns.id_blind,
                columns.id_masked,
                columns.name,
                columns.phone,
                columns.birth_date,
                columns.slip_required,
                to_millis(at),
            ],
        )?;
        payload["record"] = record.clone();
        if !payload["signature"].is_null() {
            // The step was signed over the record as it was: the clerk correcting it signs
            // the corrected one in its place (and so answers for the acceptance), on the
            // same previous step; refused if later steps were signed on top of it.
            let old: clerk_signing::StepSignature = serde_json::from_value(payload["signature"].clone())?;
            let signer = session.signer.as_ref().ok_or(StoreError::InvalidInput {
                what: "correction",
                reason: "the clerk has no signing key",
            })?;
            let link: Option<Vec<u8>> =
                transaction
                    .query_row("SELECT step_link FROM cases WHERE id = ?1", [row_id], |row| row.get(0))?;
            if link.map(|bytes| crate::crypto::hex_encode(&bytes)) != Some(old.link()) {
                return refuse("later steps of the case were signed on top of this record");
            }
            let text = |key: &str| payload[key].as_str().unwrap_or_default().to_owned();
            // Signed under the contract's names of the states (the payload has the keys).
            let contract = |key: &str| {
                let stored = text(key);
                CaseState::parse(&stored).map_or(stored, |state| state.contract_name().to_owned())
            };
            let (from, to, step_at) = (contract("from"), contract("to"), text("at"));
            let signature = signer.sign_step(&clerk_signing::Step {
                case_id: &uuid,
                from: &from,
                to: &to,
                at: &step_at,
                username: &session.username,
                record: &clerk_signing::record_digest(record),
                previous: &old.previous,
            });
            let next = crate::crypto::hex_decode(&signature.link())
                .ok_or(StoreError::InvalidInput { what: "step link", reason: "not hex" })?;
            transaction.execute(
                "UPDATE cases SET step_link = ?2,
                        accepted_by = CASE WHEN ?3 = 'accepted' THEN ?4 ELSE accepted_by END
                 WHERE id = ?1",
                params![row_id, next, to, session.user_id.0],
            )?;
            payload["actor"] = Value::String(session.username.clone());
            payload["signature"] = serde_json::to_value(signature)?;
        }
        transaction.execute(
            "UPDATE outbox SET payload = ?2, status = 'queued', quarantine_code = NULL, last_error = NULL,
                    updated_at = ?3
             WHERE id = ?1 AND status = 'quarantined'",
            params![outbox_id.to_string(), serde_json::to_string(&payload)?, to_millis(at)],
        )?;
        audit::append(
            &transaction,
            &audit_key,
            NewAuditRow {
                desk: session.desk(),
                at,
                actor_user_id: Some(session.user_id),
                actor: &session.username,
                action: AuditAction::RecordCorrected,
                case_id: Some(&case_id),
                details: json!({ "outbox_id": outbox_id.to_string(), "code": code, "changed": changed }),
            },
        )?;
        transaction.commit()?;
        Ok(case_id)
    }

    /// Records that the confirmation slip was printed, so the case leaves the
    /// "issued, awaiting slip" worklist. Audited as `printed` with `details` (the printer,
    /// template, job…), and `"document": "confirmation_slip"`.
    pub fn mark_slip_printed(
        &mut self,
        session: &Session,
        case_id: &CaseId,
        mut details: Value,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(object) = details.as_object_mut() {
            object.insert("document".to_owned(), json!("confirmation_slip"));
        } else {
            details = json!({ "document": "confirmation_slip" });
        }
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        print_recorded_in(&transaction, &audit_key, session, case_id, true, details, at)?;
        transaction.commit()?;
        Ok(())
    }
}

/// A print of `case_id` recorded inside the caller's transaction: its audit row
/// (`printed`, `details`) and, when `slip_printed`, the slip off 待打印确认单.
pub(crate) fn print_recorded_in(
    conn: &Connection,
    audit_key: &[u8; 32],
    session: &Session,
    case_id: &CaseId,
    slip_printed: bool,
    details: Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let (row_id, _) = case_row_id(conn, case_id)?;
    if slip_printed {
        conn.execute(
            "UPDATE cases SET slip_printed_at = ?2, version = version + 1 WHERE id = ?1",
            params![row_id, to_millis(at)],
        )?;
    }
    audit::append(
        conn,
        audit_key,
        NewAuditRow {
            desk: session.desk(),
            at,
            actor_user_id: Some(session.user_id),
            actor: &session.username,
            action: AuditAction::Printed,
            case_id: Some(case_id),
            details,
        },
    )?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_normalise_and_mask() {
        assert_eq!(canonical_id(" 33010219900307123x "), "33010219900307123X");
        assert_eq!(canonical_id("３３０１０２１９９００３０７１２３Ｘ"), "33010219900307123X");
        assert_eq!(mask_id_number("33010219900307123X"), "330102********123X");
        assert_eq!(mask_id_number("12345"), "*****");
    }

    #[test]
    fn blind_index_ignores_formatting_but_not_digits() {
        let key = [9u8; 32];
        assert_eq!(blind_index(&key, "33010219900307123x"), blind_index(&key, "330102 19900307 123X"));
        assert_ne!(blind_index(&key, "33010219900307123X"), blind_index(&key, "330102199003071230"));
        assert_ne!(blind_index(&key, "33010219900307123X"), blind_index(&[8u8; 32], "33010219900307123X"));
        assert_eq!(blind_index(&key, "  "), None);
    }

    #[test]
    fn state_names_are_frozen() {
        let names: Vec<&str> = CaseState::ALL.iter().map(|state| state.as_str()).collect();
        assert_eq!(
            names,
            [
                "draft",
                "accepted",
                "reviewed",
                "approved",
                "issued",
                "refused",
                "not_eligible",
                "rejected",
                "withdrawn",
                "old_permit_cancelled"
            ]
        );
        for state in CaseState::ALL {
            assert_eq!(CaseState::parse(state.as_str()), Some(*state));
        }
    }
}
