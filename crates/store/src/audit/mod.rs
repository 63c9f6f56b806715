//! The audit trail: append-only, hash-chained with HMAC-SM3.
//!
//! Row `n` stores `hash_n = HMAC-SM3(audit key, "permit-desk audit v1" ‖ hash_{n-1} ‖
//! seq ‖ at ‖ actor id ‖ actor ‖ action ‖ case ‖ details)`, with every variable field
//! length-prefixed and `hash_0` all zeros. The audit key is derived from the office data
//! key, so someone who copies the file but has no clerk password can neither read nor
//! re-chain it. `audit_head` holds the last `(seq, hash)`, so removing rows at the end is
//! noticed too. A clerk who has the key and a SQLCipher shell can rebuild the whole
//! chain; anchoring [`AuditHead`] outside the PC (end-of-day manifest, sync) closes that.
//!
//! Stored compactly since schema 13 (issue 20, [`upgrade`]): a row keeps its own hash only
//! (the previous one is the previous row's, read while verifying), names its case by the
//! case's row number, and keeps its details deflated against a fixed dictionary
//! ([`packed`]); the hash still covers the case's UUID, read back through `cases`, and the
//! details' JSON text, so the chain's hashes are the ones schema 12 wrote. A case the
//! office holds no row of (none today) would keep its UUID as text in `case_uuid`.
//!
//! Details are JSON describing what changed, never values: digit runs that look like an
//! ID number are replaced before a row is written.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::cases::CaseId;
use crate::crypto::{KEY_LEN, hex_encode, hmac_sm3};
use crate::error::Result;
use crate::time::{from_millis, to_millis};
use crate::users::{Session, UserId};

mod packed;
mod upgrade;

#[cfg(feature = "test-support")]
pub(crate) use packed::pack as pack_details;
pub(crate) use upgrade::compact_table;

/// What happened. The strings are stored: never rename one that has shipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// The office store was created (first-run set-up).
    StoreCreated,
    /// The schema was migrated on open.
    SchemaMigrated,
    /// A clerk logged in.
    LoginSucceeded,
    /// A log-in failed (unknown user, wrong password, locked out, disabled account).
    LoginFailed,
    /// A clerk logged out or the screen was locked.
    Logout,
    /// A clerk account was created.
    UserCreated,
    /// A clerk's roles changed.
    UserRolesChanged,
    /// A key slot was written for an existing clerk (password reset by an administrator).
    SlotAdded,
    /// A clerk's key slot was removed and the account disabled.
    SlotRevoked,
    /// A clerk changed their own password.
    PasswordChanged,
    /// The lockout policy changed.
    LockoutPolicyChanged,
    /// A case was created as a draft.
    CaseCreated,
    /// A draft was saved with changes.
    DraftSaved,
    /// A case moved from one state to another.
    CaseStateChanged,
    /// A case's personal data was shown.
    CaseViewed,
    /// A search for cases was run.
    Searched,
    /// The duplicate guard was consulted before accepting.
    DuplicateCheck,
    /// The clerk decided whether a suspected duplicate is one.
    DuplicateDecision,
    /// A document was printed (slip, form, notice).
    Printed,
    /// Personal data left the store (one-file-per-person export, report).
    Exported,
    /// An outbox item was sent to the province.
    SyncSent,
    /// The province confirmed outbox items.
    SyncConfirmed,
    /// An outbox item failed and will be retried.
    SyncFailed,
    /// An outbox item was set aside for a person to look at.
    SyncQuarantined,
    /// A backup of the store was written.
    BackupCreated,
    /// The store was restored from a backup.
    Restored,
    /// A person released a quarantined outbox item to be sent again (fix and resend).
    SyncRequeued,
    /// This installation's device identity (id and key pair) was created.
    DeviceIdentityCreated,
    /// The office's key for signing printed slips was created (its public half only).
    OfficeKeyCreated,
    /// A decision of the platform (permit issued, rejection, SMS sent…) was received and
    /// recorded, and applied to its case when it changes one.
    PlatformDecision,
    /// A scanned page was attached to a case.
    PageAdded,
    /// A page was rotated, moved or linked to another evidence item.
    PageChanged,
    /// A page was removed from a case.
    PageDeleted,
    /// A reviewer marked a page 不清晰 or 与材料不符, or cleared the mark.
    PageMarked,
    /// The register of applications (台账) of a date range was read (shown, printed or
    /// exported): a view of the personal data of every case in it.
    LedgerViewed,
    /// An administrator set or replaced the county bureau's key for reference updates.
    ReferenceKeySet,
    /// A signed reference-data update (a holiday table) was loaded from a file.
    ReferenceUpdateLoaded,
    /// The queued records (and their pages) were written to an air-gapped bundle file.
    BundleExported,
    /// The platform's answer bundle was read and applied.
    BundleImported,
    /// An administrator set or replaced the platform's public key for bundles.
    PlatformKeySet,
    /// The office's details (county, station number, name, address, phone) were set.
    OfficeDetailsSet,
    /// The office's print settings (large-print default, printer) changed.
    PrintSettingsSet,
    /// An administrator confirmed the system clock after the header said it was behind.
    ClockConfirmed,
    /// An administrator recorded the date an undated draft policy document took effect.
    ProfileEffectiveSet,
    /// A revoked clerk's account was re-enabled with a new initial password.
    UserReenabled,
    /// A submission the platform refused was corrected and queued again (更正后重报).
    RecordCorrected,
    /// The applicant rated a visit (好差评) on the screen facing them.
    Rated,
    /// A certificate was recorded for a clerk's signing key (issue 18): the office's root,
    /// a key an administrator issued or certified, a clerk's own next key, or a key made at
    /// log-in waiting for an administrator.
    ClerkKeyCertified,
    /// The office server made the office's certificate authority (issue 17).
    OfficeCaCreated,
    /// A desk joined the office server with a one-time code and got a certificate.
    DeskJoined,
    /// An administrator removed a desk from the office: its certificate is refused.
    DeskRevoked,
    /// An administrator made (or made again) the office server's unlock slot.
    ServerUnlockCreated,
    /// An administrator removed the office server's unlock slot.
    ServerUnlockRemoved,
    /// The office server opened the office with its unlock slot (nobody logged in).
    ServerOpened,
    /// An administrator's revocation (or a restore) replaced the office's data key: the
    /// database copied under a new key, the remaining clerks' slots sealed to it.
    DatabaseRekeyed,
    /// An administrator's re-key ordered the device's request-signing key replaced (a new
    /// key kept, the order signed by the administrator, to be sent at the next sync).
    DeviceKeyChangeOrdered,
    /// The platform took the order: the device signs its requests with the new key.
    DeviceKeyChanged,
    /// The platform refused the order (its reason kept): the device keeps its key.
    DeviceKeyChangeRefused,
    /// A restore kept the device identity (and a key change waiting for the platform) of
    /// the office it replaced: the key the platform knows the device by.
    DeviceIdentityCarriedOver,
}

impl AuditAction {
    /// Every action, for tests and reports. Stored format since schema 13: an action is
    /// stored as its position here plus one ([`AuditAction::code`]), so a new action goes
    /// at the end and none is ever removed or moved.
    pub const ALL: &[AuditAction] = &[
        AuditAction::StoreCreated,
        AuditAction::SchemaMigrated,
        AuditAction::LoginSucceeded,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::UserCreated,
        AuditAction::UserRolesChanged,
        AuditAction::SlotAdded,
        AuditAction::SlotRevoked,
        AuditAction::PasswordChanged,
        AuditAction::LockoutPolicyChanged,
        AuditAction::CaseCreated,
        AuditAction::DraftSaved,
        AuditAction::CaseStateChanged,
        AuditAction::CaseViewed,
        AuditAction::Searched,
        AuditAction::DuplicateCheck,
        AuditAction::DuplicateDecision,
        AuditAction::Printed,
        AuditAction::Exported,
        AuditAction::SyncSent,
        AuditAction::SyncConfirmed,
        AuditAction::SyncFailed,
        AuditAction::SyncQuarantined,
        AuditAction::BackupCreated,
        AuditAction::Restored,
        AuditAction::SyncRequeued,
        AuditAction::DeviceIdentityCreated,
        AuditAction::PlatformDecision,
        AuditAction::PageAdded,
        AuditAction::PageChanged,
        AuditAction::PageDeleted,
        AuditAction::OfficeKeyCreated,
        AuditAction::BundleExported,
        AuditAction::BundleImported,
        AuditAction::PlatformKeySet,
        AuditAction::OfficeDetailsSet,
        AuditAction::ProfileEffectiveSet,
        AuditAction::UserReenabled,
        AuditAction::RecordCorrected,
        AuditAction::PageMarked,
        AuditAction::LedgerViewed,
        AuditAction::ReferenceKeySet,
        AuditAction::ReferenceUpdateLoaded,
        AuditAction::PrintSettingsSet,
        AuditAction::ClockConfirmed,
        AuditAction::Rated,
        AuditAction::ClerkKeyCertified,
        AuditAction::OfficeCaCreated,
        AuditAction::DeskJoined,
        AuditAction::DeskRevoked,
        AuditAction::ServerUnlockCreated,
        AuditAction::ServerUnlockRemoved,
        AuditAction::ServerOpened,
        AuditAction::DatabaseRekeyed,
        AuditAction::DeviceKeyChangeOrdered,
        AuditAction::DeviceKeyChanged,
        AuditAction::DeviceKeyChangeRefused,
        AuditAction::DeviceIdentityCarriedOver,
    ];

    /// The number a row stores for the action (schema 13): its position in
    /// [`AuditAction::ALL`] plus one.
    pub fn code(self) -> i64 {
        let position = AuditAction::ALL.iter().position(|action| *action == self).unwrap_or(usize::MAX);
        i64::try_from(position).map_or(0, |position| position + 1)
    }

    /// The action stored as `code`, if this program knows it.
    pub fn from_code(code: i64) -> Option<AuditAction> {
        let position = usize::try_from(code.checked_sub(1)?).ok()?;
        AuditAction::ALL.get(position).copied()
    }

    /// The action with this stored name (rows before schema 13, the upgrade).
    pub fn from_name(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.iter().copied().find(|action| action.as_str() == name)
    }

    /// The name of the action (the hash covers it, and the window shows it).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::StoreCreated => "store_created",
            AuditAction::SchemaMigrated => "schema_migrated",
            AuditAction::LoginSucceeded => "login_succeeded",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserRolesChanged => "user_roles_changed",
            AuditAction::SlotAdded => "slot_added",
            AuditAction::SlotRevoked => "slot_revoked",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::LockoutPolicyChanged => "lockout_policy_changed",
            AuditAction::CaseCreated => "case_created",
            AuditAction::DraftSaved => "draft_saved",
            AuditAction::CaseStateChanged => "case_state_changed",
            AuditAction::CaseViewed => "case_viewed",
            AuditAction::Searched => "searched",
            AuditAction::DuplicateCheck => "duplicate_check",
            AuditAction::DuplicateDecision => "duplicate_decision",
            AuditAction::Printed => "printed",
            AuditAction::Exported => "exported",
            AuditAction::SyncSent => "sync_sent",
            AuditAction::SyncConfirmed => "sync_confirmed",
            AuditAction::SyncFailed => "sync_failed",
            AuditAction::SyncQuarantined => "sync_quarantined",
            AuditAction::BackupCreated => "backup_created",
            AuditAction::Restored => "restored",
            AuditAction::SyncRequeued => "sync_requeued",
            AuditAction::DeviceIdentityCreated => "device_identity_created",
            AuditAction::OfficeKeyCreated => "office_key_created",
            AuditAction::PlatformDecision => "platform_decision",
            AuditAction::PageAdded => "page_added",
            AuditAction::PageChanged => "page_changed",
            AuditAction::PageDeleted => "page_deleted",
            AuditAction::BundleExported => "bundle_exported",
            AuditAction::BundleImported => "bundle_imported",
            AuditAction::PlatformKeySet => "platform_key_set",
            AuditAction::OfficeDetailsSet => "office_details_set",
            AuditAction::PrintSettingsSet => "print_settings_set",
            AuditAction::ClockConfirmed => "clock_confirmed",
            AuditAction::ProfileEffectiveSet => "profile_effective_set",
            AuditAction::UserReenabled => "user_reenabled",
            AuditAction::RecordCorrected => "record_corrected",
            AuditAction::PageMarked => "page_marked",
            AuditAction::LedgerViewed => "ledger_viewed",
            AuditAction::ReferenceKeySet => "reference_key_set",
            AuditAction::ReferenceUpdateLoaded => "reference_update_loaded",
            AuditAction::Rated => "rated",
            AuditAction::ClerkKeyCertified => "clerk_key_certified",
            AuditAction::OfficeCaCreated => "office_ca_created",
            AuditAction::DeskJoined => "desk_joined",
            AuditAction::DeskRevoked => "desk_revoked",
            AuditAction::ServerUnlockCreated => "server_unlock_created",
            AuditAction::ServerUnlockRemoved => "server_unlock_removed",
            AuditAction::ServerOpened => "server_opened",
            AuditAction::DatabaseRekeyed => "database_rekeyed",
            AuditAction::DeviceKeyChangeOrdered => "device_key_change_ordered",
            AuditAction::DeviceKeyChanged => "device_key_changed",
            AuditAction::DeviceKeyChangeRefused => "device_key_change_refused",
            AuditAction::DeviceIdentityCarriedOver => "device_identity_carried_over",
        }
    }
}

/// One audit row as read back.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it happened (passed in by the caller, never read from the clock here).
    pub at: DateTime<Utc>,
    /// The clerk, when one was logged in.
    pub actor_user_id: Option<UserId>,
    /// The clerk's user name, the name typed at a failed log-in, or a system actor such as "sync".
    pub actor: String,
    /// The stored action name (see [`AuditAction::as_str`]).
    pub action: String,
    /// The case concerned, if any.
    pub case_id: Option<CaseId>,
    /// What changed, as JSON without personal values.
    pub details: Value,
}

/// The last link of the chain; write it somewhere the PC cannot rewrite (end-of-day
/// manifest, provincial sync) to make a rebuilt chain detectable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditHead {
    /// Sequence number of the last row.
    pub seq: i64,
    /// Its hash, lower-case hex.
    pub hash_hex: String,
}

/// What [`crate::Store::audit_verify`] found wrong first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditProblem {
    /// The row's content, chained to the row before it, does not match its stored hash: it
    /// was edited, or the rows before it were replaced or renumbered.
    HashMismatch,
    /// Sequence numbers jump: rows before this one were deleted.
    SequenceGap {
        /// The sequence number that should have come next.
        expected: i64,
    },
    /// Rows at the end of the trail are missing (the head records a later row).
    TruncatedTail {
        /// The sequence number recorded in the head.
        head_seq: i64,
    },
}

/// Result of verifying the whole chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    /// Rows read.
    pub rows: u64,
    /// The first row whose check failed (for a truncated tail: the first missing row).
    pub first_bad_row: Option<i64>,
    /// What was wrong with it.
    pub problem: Option<AuditProblem>,
    /// The last row of the chain as found.
    pub head: Option<AuditHead>,
}

impl AuditReport {
    /// True when every row checked out.
    pub fn is_intact(&self) -> bool {
        self.first_bad_row.is_none()
    }
}

/// A row to append.
pub(crate) struct NewAuditRow<'a> {
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor_user_id: Option<UserId>,
    pub(crate) actor: &'a str,
    pub(crate) action: AuditAction,
    pub(crate) case_id: Option<&'a CaseId>,
    pub(crate) details: Value,
    /// The office server's joined desk the clerk works at (their session's), named in the
    /// row's details.
    pub(crate) desk: Option<&'a str>,
}

const GENESIS: [u8; KEY_LEN] = [0u8; KEY_LEN];

/// A row's hashed columns as read back (`a` the audit row): the clerk's name from `users`
/// when the row keeps none, the action's number, the case by UUID, the stored details.
const COLUMNS: &str = "a.seq, a.at, a.actor_user_id, coalesce(a.actor, u.username), a.action, \
                       coalesce(c.uuid, a.case_uuid), a.details";
/// The audit table with each row's clerk and case, for [`COLUMNS`].
const FROM: &str =
    "FROM audit a LEFT JOIN cases c ON c.id = a.case_id LEFT JOIN users u ON u.id = a.actor_user_id";
/// The rows of the case whose UUID is `?1`.
const OF_CASE: &str = "(a.case_id = (SELECT id FROM cases WHERE uuid = ?1) OR a.case_uuid = ?1)";

#[allow(clippy::too_many_arguments, reason = "one argument per hashed column keeps the format visible")]
fn row_hash(
    audit_key: &[u8; KEY_LEN],
    prev_hash: &[u8],
    seq: i64,
    at_millis: i64,
    actor_user_id: Option<i64>,
    actor: &str,
    action: &str,
    case_uuid: Option<&str>,
    details: &str,
) -> [u8; KEY_LEN] {
    let mut content = Vec::with_capacity(96 + actor.len() + action.len() + details.len());
    content.extend_from_slice(&seq.to_be_bytes());
    content.extend_from_slice(&at_millis.to_be_bytes());
    match actor_user_id {
        Some(id) => {
            content.push(1);
            content.extend_from_slice(&id.to_be_bytes());
        }
        None => content.push(0),
    }
    for field in [Some(actor), Some(action), case_uuid, Some(details)] {
        match field {
            Some(text) => {
                content.push(1);
                content.extend_from_slice(&(text.len() as u64).to_be_bytes());
                content.extend_from_slice(text.as_bytes());
            }
            None => content.push(0),
        }
    }
    hmac_sm3(audit_key, &[b"permit-desk audit v1", prev_hash, &content])
}

/// Appends the row of a clerk's action (`session` is the actor) inside the caller's
/// transaction: [`append`] for the common case.
pub(crate) fn append_by(
    conn: &Connection,
    audit_key: &[u8; KEY_LEN],
    session: &Session,
    action: AuditAction,
    case_id: Option<&CaseId>,
    details: Value,
    at: DateTime<Utc>,
) -> Result<i64> {
    let row = NewAuditRow {
        desk: session.desk(),
        at,
        actor_user_id: Some(session.user_id),
        actor: &session.username,
        action,
        case_id,
        details,
    };
    append(conn, audit_key, row)
}

/// Appends one row inside the caller's transaction and moves the head.
pub(crate) fn append(conn: &Connection, audit_key: &[u8; KEY_LEN], row: NewAuditRow<'_>) -> Result<i64> {
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (prev_seq, prev_hash) = head.unwrap_or((0, GENESIS.to_vec()));
    let seq = prev_seq + 1;
    let mut details = row.details;
    if let Some(desk) = row.desk {
        match &mut details {
            Value::Object(fields) => {
                fields.entry("desk").or_insert_with(|| Value::String(desk.to_owned()));
            }
            Value::Null => details = serde_json::json!({ "desk": desk }),
            _ => {}
        }
    }
    redact_id_numbers(&mut details);
    let details_text = serde_json::to_string(&details)?;
    let at_millis = to_millis(row.at);
    let case_uuid = row.case_id.map(|id| id.to_string());
    let actor_id = row.actor_user_id.map(|id| id.0);
    let action = row.action.as_str();
    let hash = row_hash(
        audit_key,
        &prev_hash,
        seq,
        at_millis,
        actor_id,
        row.actor,
        action,
        case_uuid.as_deref(),
        &details_text,
    );
    #[cfg(feature = "test-support")]
    if crate::schema::schema_version(conn)? < crate::schema::COMPACT_AUDIT_VERSION {
        // An office made at an older schema for the upgrade tests: its rows as that
        // program wrote them.
        conn.execute(
            "INSERT INTO audit (seq, at, actor_user_id, actor, action, case_uuid, details, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                seq,
                at_millis,
                actor_id,
                row.actor,
                action,
                case_uuid,
                details_text,
                prev_hash,
                hash.to_vec()
            ],
        )?;
        set_head(conn, seq, &hash)?;
        return Ok(seq);
    }
    let case_row: Option<i64> = match &case_uuid {
        Some(uuid) => conn
            .prepare_cached("SELECT id FROM cases WHERE uuid = ?1")?
            .query_row([uuid], |r| r.get(0))
            .optional()?,
        None => None,
    };
    let orphan_uuid = if case_row.is_none() { case_uuid } else { None };
    // A clerk's own name is read back from `users`; a name typed at a failed log-in, a
    // system actor or a name that differs from the account's is kept.
    let own_name = match actor_id {
        Some(id) => conn
            .prepare_cached("SELECT username FROM users WHERE id = ?1")?
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()?
            .is_some_and(|username| username == row.actor),
        None => false,
    };
    let stored_actor = if own_name { None } else { Some(row.actor) };
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, actor_user_id, actor, action, case_id, case_uuid, details, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        seq,
        at_millis,
        actor_id,
        stored_actor,
        row.action.code(),
        case_row,
        orphan_uuid,
        packed::pack(&details_text)?,
        hash.to_vec()
    ])?;
    set_head(conn, seq, &hash)?;
    if row.action == AuditAction::SchemaMigrated {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![LAST_UPGRADE, seq.to_string()],
        )?;
    }
    Ok(seq)
}

/// The `meta` key naming the row of the last `schema_migrated` (its `seq`): the window asks
/// for it after every log-in, and no index finds a row by its action.
const LAST_UPGRADE: &str = "audit_last_upgrade_seq";

/// Moves `audit_head` to row `seq`.
fn set_head(conn: &Connection, seq: i64, hash: &[u8; KEY_LEN]) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![seq, hash.to_vec()])?;
    Ok(())
}

/// Walks the whole chain and reports the first row that fails.
pub(crate) fn verify(conn: &Connection, audit_key: &[u8; KEY_LEN]) -> Result<AuditReport> {
    verify_from(conn, audit_key, None)
}

/// Verifies the chain from the row after `start` (its sequence number and the hash it
/// had when it was last found good), or from the first row when `None`: the row at
/// `start` must still carry that hash, and every later row must link and hash.
fn verify_from(
    conn: &Connection,
    audit_key: &[u8; KEY_LEN],
    start: Option<(i64, Vec<u8>)>,
) -> Result<AuditReport> {
    let mut report = AuditReport { rows: 0, first_bad_row: None, problem: None, head: None };
    let fail = |report: &mut AuditReport, seq: i64, problem: AuditProblem| {
        if report.first_bad_row.is_none() {
            report.first_bad_row = Some(seq);
            report.problem = Some(problem);
        }
    };
    let (mut expected_seq, mut expected_prev) = match start {
        None => (1i64, GENESIS.to_vec()),
        Some((seq, hash)) => {
            let found: Option<Vec<u8>> = conn
                .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |row| row.get(0))
                .optional()?;
            match found {
                Some(found) if found == hash => {
                    report.head = Some(AuditHead { seq, hash_hex: hex_encode(&hash) });
                }
                Some(_) => fail(&mut report, seq, AuditProblem::HashMismatch),
                None => fail(&mut report, seq, AuditProblem::SequenceGap { expected: seq }),
            }
            (seq + 1, hash)
        }
    };
    let mut statement =
        conn.prepare(&format!("SELECT {COLUMNS}, a.hash {FROM} WHERE a.seq >= ?1 ORDER BY a.seq"))?;
    let mut rows = statement.query([expected_seq])?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let at: i64 = row.get(1)?;
        let actor_user_id: Option<i64> = row.get(2)?;
        let actor: Option<String> = row.get(3)?;
        let action = AuditAction::from_code(row.get(4)?);
        let case_uuid: Option<String> = row.get(5)?;
        let details: Vec<u8> = row.get(6)?;
        let hash: Vec<u8> = row.get(7)?;
        report.rows += 1;
        if seq != expected_seq {
            fail(&mut report, seq, AuditProblem::SequenceGap { expected: expected_seq });
        } else {
            // Details the program did not write (they do not inflate) were changed too.
            // An action number this program does not know was not written by it either.
            let read = packed::unpack(&details).ok().zip(action).zip(actor);
            let intact = read.is_some_and(|((details, action), actor)| {
                let computed = row_hash(
                    audit_key,
                    &expected_prev,
                    seq,
                    at,
                    actor_user_id,
                    &actor,
                    action.as_str(),
                    case_uuid.as_deref(),
                    &details,
                );
                computed.as_slice() == hash.as_slice()
            });
            if !intact {
                fail(&mut report, seq, AuditProblem::HashMismatch);
            }
        }
        expected_prev = hash.clone();
        expected_seq = seq + 1;
        report.head = Some(AuditHead { seq, hash_hex: hex_encode(&hash) });
    }
    let head_seq: Option<i64> =
        conn.query_row("SELECT seq FROM audit_head WHERE id = 1", [], |r| r.get(0)).optional()?;
    let last_seq = expected_seq - 1;
    if let Some(head_seq) = head_seq
        && head_seq > last_seq
    {
        fail(&mut report, last_seq + 1, AuditProblem::TruncatedTail { head_seq });
    }
    Ok(report)
}

/// The `meta` key of the last row a check at log-in found good: `seq:hash` (hex).
const VERIFIED_UP_TO: &str = "audit_verified_up_to";
/// How many of the last rows the first check at log-in covers (an office whose chain was
/// never checked this way: the whole chain is `permitctl audit verify`'s job).
const FIRST_CHECK_ROWS: i64 = 10_000;

/// The check at log-in (issue 18): the chain from the last row a previous check found
/// good to the head, so each log-in reads only what was written since. Found intact, the
/// head becomes the new starting point; found broken, the starting point stays, so every
/// later log-in says so again until someone looks.
pub(crate) fn verify_since_last_check(conn: &Connection, audit_key: &[u8; KEY_LEN]) -> Result<AuditReport> {
    let stored: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [VERIFIED_UP_TO], |row| row.get(0))
        .optional()?;
    let start = match stored.as_deref().and_then(|text| text.split_once(':')) {
        Some((seq, hash)) => match (seq.parse::<i64>(), crate::crypto::hex_decode(hash)) {
            (Ok(seq), Some(hash)) => Some((seq, hash)),
            // A starting point that does not read was changed by hand: start again from
            // the row it cannot hide (the first of the last rows).
            _ => None,
        },
        None => None,
    };
    let start = match start {
        Some(start) => Some(start),
        None => {
            let last: Option<i64> = conn.query_row("SELECT max(seq) FROM audit", [], |row| row.get(0))?;
            match last {
                Some(last) if last > FIRST_CHECK_ROWS => {
                    let seq = last - FIRST_CHECK_ROWS;
                    conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |row| {
                        row.get::<_, Vec<u8>>(0)
                    })
                    .optional()?
                    .map(|hash| (seq, hash))
                }
                _ => None,
            }
        }
    };
    let report = verify_from(conn, audit_key, start)?;
    if report.is_intact()
        && let Some(head) = &report.head
    {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![VERIFIED_UP_TO, format!("{}:{}", head.seq, head.hash_hex)],
        )?;
    }
    Ok(report)
}

/// The `meta` keys of the audit anchors (issue 18): the head row of the last anchor sent
/// to the platform, and of the last one it accepted.
const ANCHOR_SENT: &str = "audit_anchor_sent_seq";
const ANCHOR_ACKNOWLEDGED: &str = "audit_anchor_acknowledged_seq";

/// The audit chain as a push names it to the platform: its head, and the chain's hashes
/// now at the rows of the last acknowledged and last sent anchors (each `(seq, hash)`,
/// lowercase hex). Computed from the rows themselves, never from a stored copy: a chain
/// rewritten below an anchor the platform holds cannot name that anchor's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnchorPoints {
    /// The last row.
    pub head: (u64, String),
    /// Earlier anchors' rows as the chain holds them now.
    pub at: Vec<(u64, String)>,
}

fn row_hash_at(conn: &Connection, seq: u64) -> Result<Option<String>> {
    let seq = i64::try_from(seq).unwrap_or(i64::MAX);
    Ok(conn
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |row| row.get::<_, Vec<u8>>(0))
        .optional()?
        .map(|hash| hex_encode(&hash)))
}

fn meta_seq(conn: &Connection, key: &str) -> Result<Option<u64>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get::<_, String>(0))
        .optional()?
        .and_then(|text| text.parse().ok()))
}

fn set_meta_seq(conn: &Connection, key: &str, seq: u64) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, seq.to_string()],
    )?;
    Ok(())
}

/// The anchor for the next push, noting its head as sent; `None` before any audit row.
///
/// While a sent anchor is unacknowledged (its answer lost, or the push never arrived), the
/// same head is sent again, so the platform holds either the last acknowledged anchor or
/// that one, and the push names both: a lost answer never looks like a rewritten chain.
/// Once acknowledged, the next push names the chain's current head.
pub(crate) fn anchor_for_push(conn: &Connection) -> Result<Option<AuditAnchorPoints>> {
    let last: Option<i64> = conn.query_row("SELECT max(seq) FROM audit", [], |row| row.get(0))?;
    let Some(last) = last.and_then(|seq| u64::try_from(seq).ok()) else { return Ok(None) };
    let acknowledged = meta_seq(conn, ANCHOR_ACKNOWLEDGED)?;
    let pending = meta_seq(conn, ANCHOR_SENT)?.filter(|sent| Some(*sent) != acknowledged && *sent <= last);
    let head_seq = pending.unwrap_or(last);
    // A row gone (the chain cut short) names nothing: the platform will refuse.
    let Some(head_hash) = row_hash_at(conn, head_seq)? else { return Ok(None) };
    let mut at: Vec<(u64, String)> = Vec::new();
    if let Some(seq) = acknowledged.filter(|seq| *seq != head_seq)
        && let Some(hash) = row_hash_at(conn, seq)?
    {
        at.push((seq, hash));
    }
    set_meta_seq(conn, ANCHOR_SENT, head_seq)?;
    Ok(Some(AuditAnchorPoints { head: (head_seq, head_hash), at }))
}

/// The platform accepted a push whose anchor's head was row `seq`.
pub(crate) fn anchor_acknowledged(conn: &Connection, seq: u64) -> Result<()> {
    set_meta_seq(conn, ANCHOR_ACKNOWLEDGED, seq)
}

/// Recomputes every row's chain from the first, as someone holding the office's data key
/// could after editing rows (tests of what catches that: the platform's anchor).
#[cfg(feature = "test-support")]
pub(crate) fn rechain(conn: &Connection, audit_key: &[u8; KEY_LEN]) -> Result<()> {
    type Row = (i64, i64, Option<i64>, String, i64, Option<String>, Vec<u8>);
    let rows: Vec<Row> = {
        let mut statement = conn.prepare(&format!("SELECT {COLUMNS} {FROM} ORDER BY a.seq"))?;
        let mapped = statement.query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
        })?;
        mapped.collect::<rusqlite::Result<_>>()?
    };
    let mut prev = GENESIS.to_vec();
    for (seq, at, actor_user_id, actor, action, case_uuid, details) in rows {
        let details = packed::unpack(&details)?;
        let action = action_name(action)?;
        let hash = row_hash(
            audit_key,
            &prev,
            seq,
            at,
            actor_user_id,
            &actor,
            action,
            case_uuid.as_deref(),
            &details,
        );
        conn.execute("UPDATE audit SET hash = ?2 WHERE seq = ?1", params![seq, hash.to_vec()])?;
        conn.execute("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1", params![seq, hash.to_vec()])?;
        prev = hash.to_vec();
    }
    Ok(())
}

/// The head as recorded in `audit_head`.
pub(crate) fn head(conn: &Connection) -> Result<Option<AuditHead>> {
    Ok(conn
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok(AuditHead { seq: r.get(0)?, hash_hex: hex_encode(&r.get::<_, Vec<u8>>(1)?) })
        })
        .optional()?)
}

/// Reads audit rows for one case, or all rows when `case_id` is `None`, oldest first.
pub(crate) fn entries(conn: &Connection, case_id: Option<&CaseId>, limit: u32) -> Result<Vec<AuditEntry>> {
    let sql = if case_id.is_some() {
        format!("SELECT {COLUMNS} {FROM} WHERE {OF_CASE} ORDER BY a.seq LIMIT ?2")
    } else {
        format!("SELECT {COLUMNS} {FROM} WHERE ?1 IS NULL ORDER BY a.seq LIMIT ?2")
    };
    read_entries(conn, &sql, params![case_id.map(|id| id.to_string()), limit])
}

/// The last `schema_migrated` row, if any: the row `meta` names, written with it (an office
/// that never upgraded has none, and nothing is searched for).
pub(crate) fn last_upgrade(conn: &Connection) -> Result<Option<AuditEntry>> {
    let seq: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [LAST_UPGRADE], |row| row.get::<_, String>(0))
        .optional()?
        .and_then(|text| text.parse().ok());
    let Some(seq) = seq else { return Ok(None) };
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE a.seq = ?1 AND a.action = {}",
        AuditAction::SchemaMigrated.code()
    );
    Ok(read_entries(conn, &sql, [seq])?.into_iter().next())
}

/// The latest `limit` rows of one case, newest first (the case page's extract).
pub(crate) fn latest_entries(conn: &Connection, case_id: &CaseId, limit: u32) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE {OF_CASE} ORDER BY a.seq DESC LIMIT ?2");
    read_entries(conn, &sql, params![case_id.to_string(), limit])
}

/// The name of a stored action number; `Corrupt` for one this program never wrote.
fn action_name(code: i64) -> Result<&'static str> {
    AuditAction::from_code(code)
        .map(AuditAction::as_str)
        .ok_or_else(|| crate::error::StoreError::Corrupt { detail: format!("audit action {code}") })
}

fn read_entries(conn: &Connection, sql: &str, parameters: impl rusqlite::Params) -> Result<Vec<AuditEntry>> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(parameters)?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        let case_uuid: Option<String> = row.get(5)?;
        let details = packed::unpack(&row.get::<_, Vec<u8>>(6)?)?;
        entries.push(AuditEntry {
            seq: row.get(0)?,
            at: from_millis(row.get(1)?)?,
            actor_user_id: row.get::<_, Option<i64>>(2)?.map(UserId),
            actor: row.get(3)?,
            action: action_name(row.get(4)?)?.to_owned(),
            case_id: case_uuid.map(|text| text.parse()).transpose()?,
            details: serde_json::from_str(&details)?,
        });
    }
    Ok(entries)
}

/// Replaces, in every string of `value`, every ID number ([`domain::id_number::redact`])
/// with a marker: audit details must never hold ID numbers.
pub(crate) fn redact_id_numbers(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(redacted) = domain::id_number::redact(text) {
                *text = redacted;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_id_numbers),
        Value::Object(map) => map.values_mut().for_each(redact_id_numbers),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_removed_from_details() {
        let mut details = serde_json::json!({
            "note": "applicant 33010219900307123X asked",
            "phone": "13800138000",
            "nested": ["110101199003074258"],
        });
        redact_id_numbers(&mut details);
        assert_eq!(details["note"], "applicant [id number removed] asked");
        assert_eq!(details["phone"], "13800138000", "an 11-digit phone number is not an ID number");
        assert_eq!(details["nested"][0], "[id number removed]");
    }

    #[test]
    fn action_numbers_are_positions_and_go_both_ways() {
        // Stored format since schema 13: `ALL`'s order is frozen with the names below.
        for (position, action) in AuditAction::ALL.iter().enumerate() {
            assert_eq!(action.code(), i64::try_from(position).unwrap() + 1);
            assert_eq!(AuditAction::from_code(action.code()), Some(*action));
            assert_eq!(AuditAction::from_name(action.as_str()), Some(*action));
        }
        assert_eq!(AuditAction::StoreCreated.code(), 1);
        assert_eq!(AuditAction::CaseStateChanged.code(), 14);
        assert_eq!(AuditAction::DatabaseRekeyed.code(), 55);
        assert_eq!(AuditAction::DeviceIdentityCarriedOver.code(), 59);
        for unknown in [0, -1, 60, i64::MIN, i64::MAX] {
            assert_eq!(AuditAction::from_code(unknown), None);
        }
        assert_eq!(AuditAction::from_name("case_stolen"), None);
    }

    #[test]
    fn action_names_are_frozen() {
        // Stored format: changing a name orphans every row already written with it.
        let names: Vec<&str> = AuditAction::ALL.iter().map(|action| action.as_str()).collect();
        assert_eq!(
            names.join(","),
            "store_created,schema_migrated,login_succeeded,login_failed,logout,user_created,\
             user_roles_changed,slot_added,slot_revoked,password_changed,lockout_policy_changed,\
             case_created,draft_saved,case_state_changed,case_viewed,searched,duplicate_check,\
             duplicate_decision,printed,exported,sync_sent,sync_confirmed,sync_failed,\
             sync_quarantined,backup_created,restored,sync_requeued,device_identity_created,\
             platform_decision,page_added,page_changed,page_deleted,office_key_created,bundle_exported,\
             bundle_imported,platform_key_set,office_details_set,profile_effective_set,user_reenabled,record_corrected,\
             page_marked,ledger_viewed,reference_key_set,reference_update_loaded,print_settings_set,clock_confirmed,\
             rated,clerk_key_certified,office_ca_created,desk_joined,desk_revoked,\
             server_unlock_created,server_unlock_removed,server_opened,database_rekeyed,\
             device_key_change_ordered,device_key_changed,device_key_change_refused,\
             device_identity_carried_over"
        );
    }
}
