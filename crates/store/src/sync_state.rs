//! What the sync with the provincial platform keeps besides the outbox: the decision
//! feed's cursor, this installation's device identity, the outcome of the last sync, and
//! every decision the platform sent, with what was done about it.
//!
//! Decisions arrive a page at a time. [`Store::apply_platform_decisions`] records a page,
//! applies the state changes the caller decided on (签发 with the permit number), and moves
//! the cursor, all in one transaction: a crash leaves the page either wholly applied or
//! not at all, and a page fetched twice is applied once (decisions are keyed by the
//! platform's cursor).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::Store;
use crate::audit::{self, AuditAction, NewAuditRow};
use crate::cases::{CaseId, StateChange, TransitionActor, transition_in};
use crate::error::{Result, StoreError};
use crate::outbox::SYNC_ACTOR;
use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::users::{Roles, User, UserId};

/// `meta` keys of the device key changes waiting for the platform, inside the encrypted
/// database like the current key: the first order (JSON) and its new key's secret (hex),
/// and the orders made after it, each replacing the key of the one before (a JSON list of
/// `{change, secret}`; absent when there are none, as in databases written before it).
const DEVICE_KEY_CHANGE: &str = "device_key_change";
const DEVICE_KEY_NEXT: &str = "device_key_next";
const DEVICE_KEY_LATER: &str = "device_key_changes_later";

/// An administrator's order to replace the device key, with the new key's secret
/// ([`Store::pending_device_key_change`]). `Debug` never shows the secret.
pub struct PendingDeviceKeyChange {
    /// The order, as the platform receives it.
    pub change: clerk_signing::DeviceKeyChange,
    /// The new key's secret.
    pub secret: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for PendingDeviceKeyChange {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PendingDeviceKeyChange").field("change", &self.change).finish_non_exhaustive()
    }
}

/// Writes the chain of device key changes waiting for the platform into `meta`, replacing
/// the one kept: the first in its two keys, the rest as a list (nothing when empty).
fn keep_pending_chain(
    transaction: &rusqlite::Transaction<'_>,
    chain: &[PendingDeviceKeyChange],
) -> Result<()> {
    transaction.execute(
        "DELETE FROM meta WHERE key IN (?1, ?2, ?3)",
        params![DEVICE_KEY_CHANGE, DEVICE_KEY_NEXT, DEVICE_KEY_LATER],
    )?;
    let Some((first, later)) = chain.split_first() else { return Ok(()) };
    let change_json = serde_json::to_string(&first.change)
        .map_err(|error| StoreError::Corrupt { detail: format!("device key change: {error}") })?;
    let secret_hex = Zeroizing::new(crate::crypto::hex_encode(first.secret.as_slice()));
    transaction.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2), (?3, ?4)",
        params![DEVICE_KEY_CHANGE, change_json, DEVICE_KEY_NEXT, secret_hex.as_str()],
    )?;
    if !later.is_empty() {
        let secrets: Vec<Zeroizing<String>> = later
            .iter()
            .map(|pending| Zeroizing::new(crate::crypto::hex_encode(pending.secret.as_slice())))
            .collect();
        let list: Vec<LaterChangeOut<'_>> = later
            .iter()
            .zip(&secrets)
            .map(|(pending, secret)| LaterChangeOut { change: &pending.change, secret: secret.as_str() })
            .collect();
        let list_json = Zeroizing::new(
            serde_json::to_string(&list)
                .map_err(|error| StoreError::Corrupt { detail: format!("device key change: {error}") })?,
        );
        transaction.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![DEVICE_KEY_LATER, list_json.as_str()],
        )?;
    }
    Ok(())
}

/// The device key changes kept in `meta`, oldest first ([`Store::pending_device_key_changes`]).
fn read_pending_chain(conn: &rusqlite::Connection) -> Result<Vec<PendingDeviceKeyChange>> {
    let read = |key: &str| -> Result<Option<String>> {
        Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    };
    let corrupt =
        |error: serde_json::Error| StoreError::Corrupt { detail: format!("device key change: {error}") };
    let (Some(change), Some(secret_hex)) = (read(DEVICE_KEY_CHANGE)?, read(DEVICE_KEY_NEXT)?) else {
        return Ok(Vec::new());
    };
    let secret_hex = Zeroizing::new(secret_hex);
    let mut chain = vec![PendingDeviceKeyChange {
        change: serde_json::from_str(&change).map_err(corrupt)?,
        secret: secret_from_hex(&secret_hex)?,
    }];
    if let Some(later) = read(DEVICE_KEY_LATER)? {
        let later = Zeroizing::new(later);
        let list: Vec<LaterChangeIn> = serde_json::from_str(&later).map_err(corrupt)?;
        for LaterChangeIn { change, secret } in list {
            let secret_hex = Zeroizing::new(secret);
            chain.push(PendingDeviceKeyChange { change, secret: secret_from_hex(&secret_hex)? });
        }
    }
    Ok(chain)
}

/// A device key change after the first, as kept in the list (its secret as hex).
#[derive(serde::Serialize)]
struct LaterChangeOut<'a> {
    change: &'a clerk_signing::DeviceKeyChange,
    secret: &'a str,
}

/// [`LaterChangeOut`] read back; the secret's text is moved into a [`Zeroizing`] at once.
#[derive(serde::Deserialize)]
struct LaterChangeIn {
    change: clerk_signing::DeviceKeyChange,
    secret: String,
}

/// A new key's secret kept as hex, read back.
fn secret_from_hex(secret_hex: &str) -> Result<Zeroizing<[u8; 32]>> {
    let bytes =
        Zeroizing::new(crate::crypto::hex_decode(secret_hex).filter(|bytes| bytes.len() == 32).ok_or_else(
            || StoreError::Corrupt { detail: "next device secret is not 32 bytes".to_owned() },
        )?);
    let mut secret = Zeroizing::new([0_u8; 32]);
    secret.copy_from_slice(&bytes);
    Ok(secret)
}

/// An audit row of the sync's own (no clerk, no case).
fn sync_row(action: AuditAction, details: Value, at: DateTime<Utc>) -> NewAuditRow<'static> {
    NewAuditRow { desk: None, at, actor_user_id: None, actor: SYNC_ACTOR, action, case_id: None, details }
}

/// The system actor named in the audit trail (and, through the `PLATFORM` account, in case
/// events) for decisions of the provincial platform.
pub const PLATFORM_ACTOR: &str = "platform";

/// User name of the system account that signs state changes the platform decides. Upper
/// case, which no clerk's normalised user name is.
const PLATFORM_USERNAME: &str = "PLATFORM";

/// This installation's identity on the platform. `Debug` leaves the secret out.
#[derive(Clone)]
pub struct DeviceSecret {
    /// The device id the platform knows.
    pub device_id: String,
    /// The Ed25519 secret key (32 bytes), wiped from memory when dropped.
    pub secret: Zeroizing<[u8; 32]>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for DeviceSecret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("DeviceSecret")
            .field("device_id", &self.device_id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// The sync bookkeeping, for the status in the header and the next sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncState {
    /// The decision feed's cursor: decisions after it have not been received.
    pub decision_cursor: u64,
    /// The device id, once the identity exists.
    pub device_id: Option<String>,
    /// When a sync last ran.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a sync last ended without trouble (everything sendable sent, decisions pulled).
    pub last_success_at: Option<DateTime<Utc>>,
    /// How the last sync ended, if it ended in trouble (a sentence for the header).
    pub last_error: Option<String>,
    /// The last sync could not reach the platform (offline).
    pub last_error_offline: bool,
}

/// One decision of a page, as the caller wants it recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomingDecision {
    /// The platform's cursor of this decision (unique, increasing).
    pub cursor: u64,
    /// The case it is about, when it names one.
    pub case_id: Option<CaseId>,
    /// The decision's kind as the platform names it (`permit_issued`, `rejected`…).
    pub kind: String,
    /// The whole decision as received.
    pub decision: Value,
    /// The state change it causes, decided by the caller (e.g. approved → issued with the
    /// permit number as note); made by the `PLATFORM` account, with its outbox and audit
    /// rows, in the same transaction.
    pub change: Option<StateChange>,
    /// What was done about it, stored as is: `applied`, `recorded`, `unknown_case`, or
    /// `not_applied: …` with the reason.
    pub outcome: String,
}

/// A decision as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDecision {
    /// The platform's cursor.
    pub cursor: u64,
    /// The case it is about.
    pub case_id: Option<CaseId>,
    /// Its kind.
    pub kind: String,
    /// The decision as received.
    pub decision: Value,
    /// What was done about it.
    pub outcome: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

impl Store {
    /// The sync bookkeeping (cursor, device id, last outcome).
    pub fn sync_state(&self) -> Result<SyncState> {
        self.conn
            .query_row(
                "SELECT decision_cursor, device_id, last_attempt_at, last_success_at, last_error, last_error_offline
                 FROM sync_state WHERE id = 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, Option<i64>>(2)?,
                        row.get::<_, Option<i64>>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, bool>(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::Corrupt { detail: "the sync_state row is missing".to_owned() })
            .and_then(|(cursor, device_id, attempt, success, error, offline)| {
                Ok(SyncState {
                    decision_cursor: u64::try_from(cursor).unwrap_or(0),
                    device_id,
                    last_attempt_at: opt_from_millis(attempt)?,
                    last_success_at: opt_from_millis(success)?,
                    last_error: error,
                    last_error_offline: offline,
                })
            })
    }

    /// The device identity, if one was created.
    pub fn device_secret(&self) -> Result<Option<DeviceSecret>> {
        let row: Option<(String, Vec<u8>, i64)> = self
            .conn
            .query_row(
                "SELECT device_id, device_secret, device_created_at FROM sync_state
                 WHERE id = 1 AND device_id IS NOT NULL AND device_secret IS NOT NULL
                   AND device_created_at IS NOT NULL",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((device_id, mut secret, created_at)) = row else { return Ok(None) };
        if secret.len() != 32 {
            return Err(StoreError::Corrupt { detail: "device secret is not 32 bytes".to_owned() });
        }
        let mut bytes = Zeroizing::new([0_u8; 32]);
        bytes.copy_from_slice(&secret);
        zeroize::Zeroize::zeroize(&mut secret);
        Ok(Some(DeviceSecret { device_id, secret: bytes, created_at: from_millis(created_at)? }))
    }

    /// Stores the device identity unless one exists, and returns the one stored: calling
    /// it again (or from two places) never replaces a key the platform may already know.
    /// Audited as `device_identity_created` (id only, never the key) when it writes.
    pub fn device_secret_or_insert(
        &mut self,
        device_id: &str,
        secret: &[u8; 32],
        at: DateTime<Utc>,
    ) -> Result<DeviceSecret> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = transaction.execute(
            "UPDATE sync_state SET device_id = ?1, device_secret = ?2, device_created_at = ?3
             WHERE id = 1 AND device_id IS NULL",
            params![device_id, secret.as_slice(), to_millis(at)],
        )?;
        if changed == 1 {
            audit::append(
                &transaction,
                &audit_key,
                sync_row(AuditAction::DeviceIdentityCreated, json!({ "device_id": device_id }), at),
            )?;
        }
        transaction.commit()?;
        self.device_secret()?
            .ok_or_else(|| StoreError::Corrupt { detail: "the device identity was not stored".to_owned() })
    }

    /// An administrator's order, signed with their clerk key, to replace the device's
    /// request-signing key (`previous_key`, the one the platform holds) by `new_key`, kept
    /// with the new key's secret until the platform answers it (the next sync sends it
    /// before anything else). When `previous_key` is the new key of an order not yet
    /// answered, the order follows it in the chain ([`Store::pending_device_key_changes`]):
    /// the platform may have taken that one with its answer lost, so its key is kept until
    /// it is answered. Otherwise it replaces the orders waiting. Audited
    /// `device_key_change_ordered` (the public keys and how many orders wait before it,
    /// never the secret). Needs 管理员;
    /// returns the order, or `None` when there is nothing to order or no one to sign it
    /// (the office has no device identity yet; the administrator's session has no signing
    /// key, which a log-in with this program always makes).
    pub fn order_device_key_change(
        &mut self,
        admin: &crate::Session,
        (previous_key, new_key): (&str, &str),
        secret: &[u8; 32],
        at: DateTime<Utc>,
    ) -> Result<Option<clerk_signing::DeviceKeyChange>> {
        self.require_role(admin, Roles::ADMIN)?;
        let (Some(signer), Some(device)) = (admin.signer.as_ref(), self.device_secret()?) else {
            return Ok(None);
        };
        let changed_at = crate::clerk_keys::rfc3339(at);
        let change = signer.order_device_key_change(&clerk_signing::DeviceKeySubject {
            device_id: &device.device_id,
            previous_key,
            new_key,
            changed_at: &changed_at,
            username: &admin.username,
        });
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut chain = read_pending_chain(&transaction)?;
        if chain.last().is_none_or(|last| last.change.new_key != previous_key) {
            chain.clear();
        }
        let waiting_before = chain.len();
        chain.push(PendingDeviceKeyChange { change: change.clone(), secret: Zeroizing::new(*secret) });
        keep_pending_chain(&transaction, &chain)?;
        audit::append(
            &transaction,
            &audit_key,
            crate::users::admin_row(
                admin,
                AuditAction::DeviceKeyChangeOrdered,
                json!({
                    "device_id": change.device_id,
                    "previous_key": change.previous_key,
                    "new_key": change.new_key,
                    "waiting_before": waiting_before,
                }),
                at,
            ),
        )?;
        transaction.commit()?;
        Ok(Some(change))
    }

    /// The device key change the platform is to answer next (the first of
    /// [`Store::pending_device_key_changes`]), if any.
    pub fn pending_device_key_change(&self) -> Result<Option<PendingDeviceKeyChange>> {
        Ok(self.pending_device_key_changes()?.into_iter().next())
    }

    /// The device key changes ordered and not yet answered by the platform, oldest first:
    /// each after the first replaces the new key of the one before, and is sent once the
    /// platform has taken that one.
    pub fn pending_device_key_changes(&self) -> Result<Vec<PendingDeviceKeyChange>> {
        read_pending_chain(&self.conn)
    }

    /// Ends the first pending device key change with the platform's answer: taken
    /// (`refused` `None`: the device's secret becomes its new one, audited
    /// `device_key_changed`; the next order in the chain, if any, is then the one to send)
    /// or refused with its reason (the device keeps its key, audited
    /// `device_key_change_refused`; the orders after it are dropped with it, since each
    /// replaces a key the platform now never holds). Nothing pending: nothing done.
    pub fn settle_device_key_change(&mut self, refused: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut chain = read_pending_chain(&transaction)?.into_iter();
        let Some(pending) = chain.next() else { return Ok(()) };
        let later: Vec<PendingDeviceKeyChange> = chain.collect();
        let (action, details, kept) = match refused {
            None => {
                transaction.execute(
                    "UPDATE sync_state SET device_secret = ?1 WHERE id = 1 AND device_id = ?2",
                    params![pending.secret.as_slice(), pending.change.device_id],
                )?;
                let details = json!({
                    "device_id": pending.change.device_id,
                    "new_key": pending.change.new_key,
                    "waiting_after": later.len(),
                });
                (AuditAction::DeviceKeyChanged, details, later.as_slice())
            }
            Some(reason) => {
                let details = json!({
                    "device_id": pending.change.device_id,
                    "reason": reason,
                    "dropped_after": later.len(),
                });
                (AuditAction::DeviceKeyChangeRefused, details, &[][..])
            }
        };
        keep_pending_chain(&transaction, kept)?;
        audit::append(&transaction, &audit_key, sync_row(action, details, at))?;
        transaction.commit()?;
        Ok(())
    }

    /// After a restore: the device identity of the office the restore replaced, with its
    /// key changes still waiting for the platform (the chain, or none). The platform
    /// knows the device by that key — a backup made before a key change holds one it has
    /// replaced. Audited `device_identity_carried_over` (the id and public keys) when it
    /// changes anything. Needs 管理员; returns whether it did.
    pub fn carry_over_device_identity(
        &mut self,
        admin: &crate::Session,
        replaced: &DeviceSecret,
        pending: &[PendingDeviceKeyChange],
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.require_role(admin, Roles::ADMIN)?;
        let same_key = self
            .device_secret()?
            .is_some_and(|own| own.device_id == replaced.device_id && *own.secret == *replaced.secret);
        let own_pending = self.pending_device_key_changes()?;
        let same_pending = own_pending.len() == pending.len()
            && own_pending
                .iter()
                .zip(pending)
                .all(|(own, theirs)| own.change == theirs.change && *own.secret == *theirs.secret);
        if same_key && same_pending {
            return Ok(false);
        }
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "UPDATE sync_state SET device_id = ?1, device_secret = ?2, device_created_at = ?3 WHERE id = 1",
            params![replaced.device_id, replaced.secret.as_slice(), to_millis(replaced.created_at)],
        )?;
        keep_pending_chain(&transaction, pending)?;
        audit::append(
            &transaction,
            &audit_key,
            crate::users::admin_row(
                admin,
                AuditAction::DeviceIdentityCarriedOver,
                json!({
                    "device_id": replaced.device_id,
                    "pending_new_key": pending.first().map(|pending| pending.change.new_key.clone()),
                    "pending_orders": pending.len(),
                }),
                at,
            ),
        )?;
        transaction.commit()?;
        Ok(true)
    }

    /// Records how a sync ended: `None` for success (sets the last success time and clears
    /// the error), or the error sentence and whether it means the counter is offline.
    pub fn record_sync_outcome(&mut self, at: DateTime<Utc>, error: Option<(&str, bool)>) -> Result<()> {
        let at_millis = to_millis(at);
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET last_attempt_at = ?1, last_success_at = ?1, last_error = NULL,
                        last_error_offline = 0 WHERE id = 1",
                [at_millis],
            )?,
            Some((error, offline)) => self.conn.execute(
                "UPDATE sync_state SET last_attempt_at = ?1, last_error = ?2, last_error_offline = ?3 WHERE id = 1",
                params![at_millis, error, offline],
            )?,
        };
        Ok(())
    }

    /// The system account that signs the state changes the platform decides.
    pub fn platform_user(&self) -> Result<User> {
        let (id, username, display_name, created_at): (i64, String, String, i64) = self
            .conn
            .query_row(
                "SELECT id, username, display_name, created_at FROM users WHERE system = 1 AND username = ?1",
                [PLATFORM_USERNAME],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::Corrupt { detail: "the platform account is missing".to_owned() })?;
        Ok(User {
            id: UserId(id),
            username,
            display_name,
            roles: Roles::NONE,
            active: false,
            created_at: from_millis(created_at)?,
        })
    }

    /// Records one page of decisions in one transaction: each decision not seen before
    /// (by cursor) is stored with its outcome and audited as `platform_decision`; its
    /// state change, if any, is made by the `PLATFORM` account (case event, outbox row and
    /// audit row, as for a clerk's step); and the cursor moves to `next_cursor`. Returns
    /// how many decisions were new. A state change refused by the store (the case moved
    /// meanwhile) fails the whole page, which is then fetched again.
    pub fn apply_platform_decisions(
        &mut self,
        decisions: &[IncomingDecision],
        next_cursor: u64,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let audit_key = *self.audit_key;
        let platform = self.platform_user()?;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut new = 0;
        for decision in decisions {
            let cursor = i64::try_from(decision.cursor)
                .map_err(|_| StoreError::InvalidInput { what: "decision cursor", reason: "too large" })?;
            let seen: Option<i64> = transaction
                .prepare_cached("SELECT cursor FROM platform_decisions WHERE cursor = ?1")?
                .query_row([cursor], |row| row.get(0))
                .optional()?;
            if seen.is_some() {
                continue;
            }
            let event_id = match (&decision.change, &decision.case_id) {
                (Some(change), Some(case_id)) => {
                    let actor = TransitionActor {
                        user_id: platform.id,
                        audit_user_id: None,
                        name: PLATFORM_ACTOR,
                        signer: None,
                        desk: None,
                    };
                    Some(transition_in(&transaction, &audit_key, &actor, case_id, change, at)?.event_id)
                }
                _ => None,
            };
            transaction
                .prepare_cached(
                    "INSERT INTO platform_decisions (cursor, case_uuid, kind, decision, outcome, event_id, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    cursor,
                    decision.case_id.map(|id| id.to_string()),
                    decision.kind,
                    serde_json::to_string(&decision.decision)?,
                    decision.outcome,
                    event_id,
                    to_millis(at),
                ])?;
            audit::append(
                &transaction,
                &audit_key,
                NewAuditRow {
                    desk: None,
                    at,
                    actor_user_id: None,
                    actor: PLATFORM_ACTOR,
                    action: AuditAction::PlatformDecision,
                    case_id: decision.case_id.as_ref(),
                    details: json!({
                        "cursor": decision.cursor,
                        "kind": decision.kind,
                        "outcome": decision.outcome,
                        "event_id": event_id,
                    }),
                },
            )?;
            new += 1;
        }
        let next = i64::try_from(next_cursor)
            .map_err(|_| StoreError::InvalidInput { what: "decision cursor", reason: "too large" })?;
        transaction.execute(
            "UPDATE sync_state SET decision_cursor = max(decision_cursor, ?1) WHERE id = 1",
            [next],
        )?;
        crate::crash::point(crate::crash::DECISIONS_BEFORE_COMMIT);
        transaction.commit()?;
        crate::crash::point(crate::crash::DECISIONS_COMMITTED);
        Ok(new)
    }

    /// The platform's decisions about one case, oldest first.
    pub fn platform_decisions(&self, case_id: &CaseId) -> Result<Vec<StoredDecision>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT cursor, case_uuid, kind, decision, outcome, received_at FROM platform_decisions
             WHERE case_uuid = ?1 ORDER BY cursor",
        )?;
        let mut rows = statement.query([case_id.to_string()])?;
        let mut decisions = Vec::new();
        while let Some(row) = rows.next()? {
            let case_uuid: Option<String> = row.get(1)?;
            let decision: String = row.get(3)?;
            decisions.push(StoredDecision {
                cursor: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                case_id: case_uuid.map(|text| text.parse()).transpose()?,
                kind: row.get(2)?,
                decision: serde_json::from_str(&decision)?,
                outcome: row.get(4)?,
                received_at: from_millis(row.get(5)?)?,
            });
        }
        Ok(decisions)
    }
}
