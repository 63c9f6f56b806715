//! The stand-in platform's state: its own SQLite database and the rules of contract v1.
//!
//! Everything a handler does to the database happens here, in one transaction per
//! request, so "committed" has one meaning: the transaction of [`Platform::push`] returned.
//! The database is plain SQLite in WAL mode (the workspace links SQLCipher, which without
//! a key behaves as SQLite).
//!
//! Personal data: records' payloads are stored but never logged; logs name record ids,
//! case ids and counts only.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Datelike, Months, TimeDelta, Utc};
use platform_api::{
    Decision, DecisionKind, DecisionPage, PushBatch, PushRecord, PushResponse, RecordKind, RecordResult,
    RecordStatus, code,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::clerk_steps::{self, SCHEMA_V4, SCHEMA_V5};
use crate::clock::{Clock, rfc3339};
use crate::error::{Result, StubError};
use crate::faults::Faults;

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct StubConfig {
    /// How long after a case's change to `approved` the permit is issued (and the SMS sent).
    pub permit_delay: Duration,
    /// One-time codes that let a device enrol itself through `POST /v1/devices`.
    pub enrolment_codes: Vec<String>,
}

impl Default for StubConfig {
    /// Permits after 2 seconds (visible in a demo), no enrolment codes.
    fn default() -> StubConfig {
        StubConfig { permit_delay: Duration::from_secs(2), enrolment_codes: Vec::new() }
    }
}

/// The case states a `state_changed` record may name (the counter's `CaseState`s).
const CASE_STATES: &[&str] = &[
    "draft",
    "notice_issued",
    "not_eligible",
    "accepted",
    "reviewed",
    "approved",
    "rejected",
    "issued",
    "old_permit_cancelled",
    "withdrawn",
];

const SCHEMA: &str = "
CREATE TABLE devices (
    device_id   TEXT PRIMARY KEY,
    public_key  BLOB NOT NULL,
    enrolled_at INTEGER NOT NULL
);
CREATE TABLE enrolment_codes (
    code    TEXT PRIMARY KEY,
    used_by TEXT
);
CREATE TABLE records (
    arrival      INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id    TEXT NOT NULL UNIQUE,
    device_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    content_hash BLOB NOT NULL,
    blob_hash    TEXT,
    body         TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_case ON records (case_id, sequence);
CREATE TABLE cases (
    case_id        TEXT PRIMARY KEY,
    device_id      TEXT NOT NULL,
    last_sequence  INTEGER NOT NULL,
    permit_due_at  INTEGER,
    permit_number  TEXT
);
CREATE TABLE blobs (
    content_hash TEXT PRIMARY KEY,
    bytes        BLOB NOT NULL,
    received_at  INTEGER NOT NULL
);
CREATE TABLE decisions (
    cursor     INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  TEXT,
    case_id    TEXT,
    kind       TEXT NOT NULL,
    decided_at INTEGER NOT NULL
);
CREATE INDEX decisions_device ON decisions (device_id, cursor);
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
";

/// Version 2: the platform's own Ed25519 key, which signs answer bundles and to which
/// export bundles are encrypted.
const SCHEMA_V2: &str = "
CREATE TABLE platform_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL
);
";

/// Version 3: each device's last audit anchor (issue 18): the head of the office's audit
/// chain as the last accepted push named it.
const SCHEMA_V3: &str = "
CREATE TABLE audit_anchors (
    device_id      TEXT PRIMARY KEY,
    seq            INTEGER NOT NULL,
    hash           TEXT NOT NULL,
    at             INTEGER NOT NULL,
    -- The first bad row the office's own check reported, if it reported one.
    reported_break INTEGER
);
CREATE TABLE answered_exports (
    bundle_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    at        INTEGER NOT NULL
);
";

/// What the platform made of a push's audit anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorCheck {
    /// It extends the anchor held (or is the first); the new head is held now.
    Accepted,
    /// It does not: why, for the refusal's message.
    Broken(String),
}

/// A record as the platform holds it, without its payload (for tests and `/admin/records`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRecord {
    /// Order of arrival on the platform, from 1.
    pub arrival: i64,
    /// The record's idempotency key.
    pub record_id: Uuid,
    /// The device that pushed it.
    pub device_id: String,
    /// Its case.
    pub case_id: Uuid,
    /// Its kind's wire name.
    pub kind: String,
    /// Its position within the case.
    pub sequence: u64,
    /// How many times it was pushed again and answered `duplicate`.
    pub duplicates: u64,
}

/// Counters of what the platform did, for tests, the benchmark and `/admin/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Push requests committed.
    pub push_requests: u64,
    /// Records stored.
    pub records: u64,
    /// Records answered `duplicate`.
    pub duplicates: u64,
    /// Records answered `conflict`.
    pub conflicts: u64,
    /// Records answered `rejected`.
    pub rejections: u64,
    /// Blobs stored.
    pub blobs: u64,
    /// Decisions in the feed.
    pub decisions: u64,
    /// Permits issued.
    pub permits: u64,
}

/// Outcome of storing a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlobOutcome {
    /// Stored now.
    Stored,
    /// Was already there.
    AlreadyStored,
}

/// Outcome of an enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EnrolOutcome {
    /// Enrolled now, at this time.
    Enrolled(DateTime<Utc>),
    /// The same key was already enrolled under this id, at this time.
    AlreadyEnrolled(DateTime<Utc>),
    /// The code is unknown or used.
    CodeRefused,
    /// The id is enrolled with another key.
    KeyConflict,
}

/// Handle on the stand-in platform. Cloning gives another handle on the same platform.
#[derive(Clone, Debug)]
pub struct Platform {
    conn: Arc<Mutex<Connection>>,
    config: Arc<StubConfig>,
    clock: Clock,
    faults: Faults,
    /// The hosts a signed request may name (its `Host` header): the address the server
    /// listens on, and the names given to it; empty until the server starts.
    hosts: Arc<Mutex<Vec<String>>>,
    /// Nonces of signed requests seen within the signature window, per device, with the
    /// time each was seen (seconds): a second use is a replay.
    nonces: Arc<Mutex<std::collections::HashMap<(String, String), i64>>>,
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(value: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(value)
        .ok_or_else(|| StubError::InvalidInput { what: "stored time", reason: value.to_string() })
}

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text)
        .map_err(|_| StubError::InvalidInput { what: "stored uuid", reason: text.to_owned() })
}

/// The value with every object's keys in sorted order, so that the content hash of a
/// record does not depend on how the sender ordered its payload's keys.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|left, right| left.0.cmp(right.0));
            Value::Object(entries.into_iter().map(|(key, value)| (key.clone(), canonical(value))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// SHA-256 of the record's canonical JSON: equal for equal content.
fn content_hash(record: &PushRecord) -> Result<Vec<u8>> {
    let json = canonical(&serde_json::to_value(record)?);
    Ok(ring::digest::digest(&ring::digest::SHA256, &serde_json::to_vec(&json)?).as_ref().to_vec())
}

/// Why a new record is not acceptable, as (code, reason), if it is not.
fn validate(record: &PushRecord) -> Option<(&'static str, String)> {
    if record.record_id.get_version_num() != 7 {
        return Some((code::RECORD_ID_INVALID, "record_id is not a UUIDv7".to_owned()));
    }
    if DateTime::parse_from_rfc3339(&record.created_at).is_err() {
        return Some((code::RECORD_INVALID, "created_at is not an RFC 3339 time".to_owned()));
    }
    match &record.kind {
        RecordKind::PageMetadata { content_hash, bytes } => {
            if !platform_api::is_sha256_hex(content_hash) {
                return Some((code::RECORD_INVALID, "content_hash is not a lowercase sha-256".to_owned()));
            }
            if *bytes > platform_api::MAX_BLOB_BYTES as u64 {
                return Some((code::RECORD_INVALID, "page is larger than the blob limit".to_owned()));
            }
        }
        RecordKind::StateChanged { from, to } => {
            for state in [from, to] {
                if !CASE_STATES.contains(&state.as_str()) {
                    return Some((code::RECORD_INVALID, format!("unknown case state {state:?}")));
                }
            }
        }
        RecordKind::Rating { level } => {
            if !platform_api::RATING_LEVELS.contains(&level.as_str()) {
                return Some((code::RECORD_INVALID, format!("unknown rating level {level:?}")));
            }
            let bad = matches!(level.as_str(), "dissatisfied" | "very_dissatisfied");
            if bad && record.payload["reason"].as_str().is_none_or(|reason| reason.trim().is_empty()) {
                return Some((code::RECORD_INVALID, "a bad rating carries no reason".to_owned()));
            }
        }
        RecordKind::CaseCreated | RecordKind::Opinion | RecordKind::SlipPrinted => {}
    }
    None
}

fn bump(transaction: &Connection, name: &str, by: u64) -> Result<()> {
    if by > 0 {
        transaction
            .prepare_cached(
                "INSERT INTO counters (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = value + ?2",
            )?
            .execute(params![name, by as i64])?;
    }
    Ok(())
}

fn counter(conn: &Connection, name: &str) -> Result<u64> {
    let value: Option<i64> =
        conn.query_row("SELECT value FROM counters WHERE name = ?1", [name], |row| row.get(0)).optional()?;
    Ok(value.unwrap_or(0) as u64)
}

fn insert_decision(
    conn: &Connection,
    device_id: Option<&str>,
    case_id: Option<Uuid>,
    kind: &DecisionKind,
    at: DateTime<Utc>,
) -> Result<u64> {
    conn.prepare_cached(
        "INSERT INTO decisions (device_id, case_id, kind, decided_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        device_id,
        case_id.map(|id| id.to_string()),
        serde_json::to_string(kind)?,
        millis(at)
    ])?;
    Ok(conn.last_insert_rowid() as u64)
}

impl Platform {
    /// Opens (creating if needed) the stand-in's database at `path`.
    pub fn open(path: &Path, config: StubConfig) -> Result<Platform> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        // Each version's additions, in order; an older database gets the ones it lacks.
        let steps = [SCHEMA, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5];
        if (0..5).contains(&version) {
            let missing: String = steps[version as usize..].concat();
            conn.execute_batch(&format!("BEGIN; {missing} PRAGMA user_version = 5; COMMIT;"))?;
        } else if version != 5 {
            return Err(StubError::InvalidInput {
                what: "database",
                reason: format!("schema version {version} is newer than this stand-in"),
            });
        }
        for code in &config.enrolment_codes {
            conn.execute("INSERT OR IGNORE INTO enrolment_codes (code) VALUES (?1)", [code])?;
        }
        let has_key: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM platform_key)", [], |row| row.get(0))?;
        if !has_key {
            let mut secret = zeroize::Zeroizing::new([0_u8; 32]);
            getrandom::fill(secret.as_mut_slice()).map_err(|error| StubError::InvalidInput {
                what: "random source",
                reason: error.to_string(),
            })?;
            conn.execute("INSERT INTO platform_key (id, secret) VALUES (1, ?1)", [secret.to_vec()])?;
        }
        let clock = Clock::default();
        Ok(Platform {
            conn: Arc::new(Mutex::new(conn)),
            config: Arc::new(config),
            faults: Faults::new(clock.clone()),
            clock,
            hosts: Arc::new(Mutex::new(Vec::new())),
            nonces: Arc::new(Mutex::new(std::collections::HashMap::new())),
        })
    }

    /// Accepts signed requests naming `host` (`name` or `name:port`, as their `Host`
    /// header has it). The server adds the address it listens on when it starts.
    pub fn accept_host(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !hosts.iter().any(|known| known.eq_ignore_ascii_case(host)) {
            hosts.push(host.to_owned());
        }
    }

    /// Whether a signed request naming `host` was meant for this platform (any host while
    /// none is known: a platform not behind a server of ours).
    pub(crate) fn is_own_host(&self, host: &str) -> bool {
        let hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        hosts.is_empty() || hosts.iter().any(|known| known.eq_ignore_ascii_case(host))
    }

    /// Records `device`'s `nonce` seen at `now` (seconds); `false` when it was seen within
    /// `window` seconds before (a replay). Older nonces are forgotten: the signature window
    /// refuses their requests anyway.
    pub(crate) fn first_use_of_nonce(&self, device: &str, nonce: &str, now: i64, window: i64) -> bool {
        let mut nonces = self.nonces.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        nonces.retain(|_, seen| now - *seen <= 2 * window);
        nonces.insert((device.to_owned(), nonce.to_owned()), now).is_none()
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back an unfinished transaction, so the connection is usable after a
        // panic elsewhere; keep serving.
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The platform's own signing key (answer bundles are signed with it, export bundles
    /// are encrypted to it).
    pub(crate) fn signing_key(&self) -> Result<ed25519_dalek::SigningKey> {
        let secret: Vec<u8> =
            self.conn().query_row("SELECT secret FROM platform_key WHERE id = 1", [], |row| row.get(0))?;
        let secret = zeroize::Zeroizing::new(<[u8; 32]>::try_from(secret.as_slice()).map_err(|_| {
            StubError::InvalidInput { what: "stored platform key", reason: "not 32 bytes".to_owned() }
        })?);
        Ok(ed25519_dalek::SigningKey::from_bytes(&secret))
    }

    /// The platform's Ed25519 public key, 64 hex digits: what the operator gives the
    /// counter for air-gapped bundles (`permitctl bundle … --platform-key`).
    pub fn public_key_hex(&self) -> Result<String> {
        Ok(hex::encode(self.signing_key()?.verifying_key().to_bytes()))
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The stand-in's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Registers a device's Ed25519 public key (the pre-shared way). Registering the same
    /// key again is harmless; another key under a known id is refused.
    pub fn register_device(&self, device_id: &str, public_key: [u8; 32]) -> Result<()> {
        if !platform_api::is_valid_device_id(device_id) {
            return Err(StubError::InvalidInput { what: "device id", reason: device_id.to_owned() });
        }
        let conn = self.conn();
        let existing = device_key(&conn, device_id)?;
        match existing {
            Some(key) if key == public_key => Ok(()),
            Some(_) => Err(StubError::InvalidInput {
                what: "device",
                reason: format!("{device_id} is registered with another key"),
            }),
            None => {
                conn.execute(
                    "INSERT INTO devices (device_id, public_key, enrolled_at) VALUES (?1, ?2, ?3)",
                    params![device_id, public_key.to_vec(), millis(self.clock.now())],
                )?;
                tracing::info!(device_id, "device registered");
                Ok(())
            }
        }
    }

    /// Adds a one-time enrolment code.
    pub fn add_enrolment_code(&self, code: &str) -> Result<()> {
        self.conn().execute("INSERT OR IGNORE INTO enrolment_codes (code) VALUES (?1)", [code])?;
        Ok(())
    }

    /// The enrolled public key of `device_id`.
    pub fn device_key(&self, device_id: &str) -> Result<Option<[u8; 32]>> {
        device_key(&self.conn(), device_id)
    }

    /// The audit anchor held for `device_id`: the row number and hash of its office's
    /// audit chain as its last accepted push named them.
    pub fn audit_anchor(&self, device_id: &str) -> Result<Option<(u64, String)>> {
        Ok(self
            .conn()
            .query_row("SELECT seq, hash FROM audit_anchors WHERE device_id = ?1", [device_id], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .optional()?
            .map(|(seq, hash)| (u64::try_from(seq).unwrap_or(0), hash)))
    }

    /// Whether the export bundle `bundle_id` was answered before (a file handed in again:
    /// its anchor was checked then, and it is answered again without another check).
    pub(crate) fn export_answered_before(&self, bundle_id: &str) -> Result<bool> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM answered_exports WHERE bundle_id = ?1)",
            [bundle_id],
            |row| row.get(0),
        )?)
    }

    /// Notes the export bundle `bundle_id` of `device_id` as answered.
    pub(crate) fn note_export_answered(&self, bundle_id: &str, device_id: &str) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO answered_exports (bundle_id, device_id, at) VALUES (?1, ?2, ?3)",
            params![bundle_id, device_id, self.clock().now().timestamp_millis()],
        )?;
        Ok(())
    }

    /// The first bad row an office's own audit check reported (with a push or an export),
    /// kept until the operator forgets the device's anchor.
    pub fn reported_audit_break(&self, device_id: &str) -> Result<Option<u64>> {
        Ok(self
            .conn()
            .query_row("SELECT reported_break FROM audit_anchors WHERE device_id = ?1", [device_id], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .optional()?
            .flatten()
            .and_then(|row| u64::try_from(row).ok()))
    }

    /// Forgets the audit anchor held for `device_id`: the operator's step after checking
    /// with the office that its data was legitimately rolled back (a restore from a backup
    /// older than its last sync); the next push anchors afresh.
    pub fn forget_audit_anchor(&self, device_id: &str) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM audit_anchors WHERE device_id = ?1", [device_id])? > 0)
    }

    /// Holds a push's audit anchor to the one held for the device: the push must name, at
    /// the held anchor's row, the same hash (its chain still holds what the platform saw),
    /// and a head no lower. A device that anchored once must always anchor. Accepted, the
    /// new head is held.
    pub fn check_audit_anchor(
        &self,
        device_id: &str,
        anchor: Option<&platform_api::AuditAnchor>,
    ) -> Result<AnchorCheck> {
        let held = self.audit_anchor(device_id)?;
        let anchor = match (held.as_ref(), anchor) {
            (None, None) => return Ok(AnchorCheck::Accepted),
            (Some(_), None) => {
                return Ok(AnchorCheck::Broken(
                    "this device anchored its audit chain before; a push without its anchor is refused"
                        .to_owned(),
                ));
            }
            (_, Some(anchor)) => anchor,
        };
        if let Some((seq, hash)) = &held {
            if anchor.head.seq < *seq {
                return Ok(AnchorCheck::Broken(format!(
                    "the audit chain's head {} is behind row {seq}, which this platform saw",
                    anchor.head.seq
                )));
            }
            let extends = std::iter::once(&anchor.head)
                .chain(&anchor.at)
                .any(|point| point.seq == *seq && point.hash.eq_ignore_ascii_case(hash));
            if !extends {
                return Ok(AnchorCheck::Broken(format!(
                    "the audit chain no longer holds row {seq} as this platform saw it: it was rewritten"
                )));
            }
        }
        let seq = i64::try_from(anchor.head.seq).unwrap_or(i64::MAX);
        let reported = anchor.broken_at.and_then(|row| i64::try_from(row).ok());
        if let Some(row) = reported {
            tracing::warn!(device_id, row, "the office reports its own audit check failed");
        }
        self.conn().execute(
            "INSERT INTO audit_anchors (device_id, seq, hash, at, reported_break) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at,
                 reported_break = coalesce(excluded.reported_break, reported_break)",
            params![
                device_id,
                seq,
                anchor.head.hash.to_lowercase(),
                self.clock().now().timestamp_millis(),
                reported
            ],
        )?;
        Ok(AnchorCheck::Accepted)
    }

    /// Every record the platform holds, in order of arrival.
    pub fn records(&self) -> Result<Vec<StoredRecord>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT arrival, record_id, device_id, case_id, kind, sequence, duplicates FROM records ORDER BY arrival",
        )?;
        let mut rows = statement.query([])?;
        let mut records = Vec::new();
        while let Some(row) = rows.next()? {
            records.push(StoredRecord {
                arrival: row.get(0)?,
                record_id: parse_uuid(&row.get::<_, String>(1)?)?,
                device_id: row.get(2)?,
                case_id: parse_uuid(&row.get::<_, String>(3)?)?,
                kind: row.get(4)?,
                sequence: row.get::<_, i64>(5)? as u64,
                duplicates: row.get::<_, i64>(6)? as u64,
            });
        }
        Ok(records)
    }

    /// The payload the platform holds for `record_id`, if any.
    pub fn record_payload(&self, record_id: Uuid) -> Result<Option<Value>> {
        let body: Option<String> = self
            .conn()
            .query_row("SELECT body FROM records WHERE record_id = ?1", [record_id.to_string()], |row| {
                row.get(0)
            })
            .optional()?;
        match body {
            Some(text) => {
                let record: PushRecord = serde_json::from_str(&text)?;
                Ok(Some(record.payload))
            }
            None => Ok(None),
        }
    }

    /// The keys `device_id` signed with before its administrator replaced them.
    pub fn replaced_device_keys(&self, device_id: &str) -> Result<Vec<[u8; 32]>> {
        clerk_steps::replaced_device_keys(&self.conn(), device_id)
    }

    /// The administrator's order that replaced `previous_key` (hex) of `device_id`, as
    /// applied, if one did.
    pub(crate) fn applied_device_key_change(
        &self,
        device_id: &str,
        previous_key: &str,
    ) -> Result<Option<platform_api::DeviceKeyChange>> {
        clerk_steps::applied_device_key_change(&self.conn(), device_id, previous_key)
    }

    /// The clerk keys registered for a device, as (user name, public key hex,
    /// administrator, root), oldest first (issue 18).
    pub fn clerk_keys(&self, device_id: &str) -> Result<Vec<(String, String, bool, bool)>> {
        clerk_steps::keys_of(&self.conn(), device_id)
    }

    /// The counters.
    pub fn stats(&self) -> Result<Stats> {
        let conn = self.conn();
        let count =
            |sql: &str| -> Result<u64> { Ok(conn.query_row(sql, [], |row| row.get::<_, i64>(0))? as u64) };
        Ok(Stats {
            push_requests: counter(&conn, "push_requests")?,
            records: count("SELECT COUNT(*) FROM records")?,
            duplicates: counter(&conn, "duplicates")?,
            conflicts: counter(&conn, "conflicts")?,
            rejections: counter(&conn, "rejections")?,
            blobs: count("SELECT COUNT(*) FROM blobs")?,
            decisions: count("SELECT COUNT(*) FROM decisions")?,
            permits: count("SELECT COUNT(*) FROM cases WHERE permit_number IS NOT NULL")?,
        })
    }

    /// Whether the platform holds the blob named `content_hash`.
    pub fn has_blob(&self, content_hash: &str) -> Result<bool> {
        has_blob(&self.conn(), content_hash)
    }

    /// Adds a decision about `case_id` to the feed of the device that pushed the case
    /// (for decisions the stand-in does not make by itself: rejections, cancellations).
    pub fn decide(&self, case_id: Uuid, kind: &DecisionKind) -> Result<u64> {
        let conn = self.conn();
        let device_id: Option<String> = conn
            .query_row("SELECT device_id FROM cases WHERE case_id = ?1", [case_id.to_string()], |row| {
                row.get(0)
            })
            .optional()?;
        let device_id = device_id.ok_or(StubError::UnknownCase(case_id))?;
        let cursor = insert_decision(&conn, Some(&device_id), Some(case_id), kind, self.clock.now())?;
        tracing::info!(%case_id, cursor, kind = kind.name(), "decision added");
        Ok(cursor)
    }

    /// Announces a new version of a reference table to every device.
    pub fn publish_reference(&self, name: &str, version: &str) -> Result<u64> {
        let kind = DecisionKind::ReferenceUpdated { name: name.to_owned(), version: version.to_owned() };
        let cursor = insert_decision(&self.conn(), None, None, &kind, self.clock.now())?;
        tracing::info!(name, version, cursor, "reference update published");
        Ok(cursor)
    }

    /// Issues the permits whose delay has passed: a number, a `permit_issued` and a
    /// `sms_sent` decision per case, and the fake SMS in the log. Returns how many.
    pub fn issue_due_permits(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut conn = self.conn();
        let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let due: Vec<(String, String)> = {
            let mut statement = transaction.prepare_cached(
                "SELECT case_id, device_id FROM cases
                 WHERE permit_number IS NULL AND permit_due_at IS NOT NULL AND permit_due_at <= ?1
                 ORDER BY permit_due_at, case_id",
            )?;
            let rows = statement.query_map([millis(now)], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (case_text, device_id) in &due {
            let case_id = parse_uuid(case_text)?;
            bump(&transaction, "permit_sequence", 1)?;
            let sequence = counter(&transaction, "permit_sequence")?;
            let permit_number = format!("3300{:04}{sequence:08}", now.year());
            let valid_from = now.date_naive();
            let valid_until = valid_from
                .checked_add_months(Months::new(12))
                .and_then(|date| date.pred_opt())
                .ok_or(StubError::InvalidInput { what: "date", reason: valid_from.to_string() })?;
            transaction.execute(
                "UPDATE cases SET permit_number = ?2 WHERE case_id = ?1",
                params![case_text, permit_number],
            )?;
            let issued = DecisionKind::PermitIssued {
                permit_number,
                valid_from: valid_from.to_string(),
                valid_until: valid_until.to_string(),
            };
            insert_decision(&transaction, Some(device_id), Some(case_id), &issued, now)?;
            insert_decision(&transaction, Some(device_id), Some(case_id), &DecisionKind::SmsSent, now)?;
            // The fake SMS: the stand-in knows the applicant's phone number from the payload,
            // but a log is no place for it, so the case id stands in for the recipient.
            tracing::info!(target: "platform_stub::sms", %case_id, "fake sms sent: permit issued");
        }
        transaction.commit()?;
        Ok(due.len())
    }

    /// Applies a push batch from `device_id` in one transaction (see
    /// [`platform_api::records`] for the rules). The caller has checked that the batch's
    /// device is the signing device and that the batch is not too large.
    pub(crate) fn push(&self, device_id: &str, batch: &PushBatch) -> Result<PushResponse> {
        let now = self.clock.now();
        let mut conn = self.conn();
        let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // The clerks' keys first: the records' steps are checked against them.
        // Revocations of keys already known first (a revoked key certifies nothing new),
        // then again for keys this push brought.
        clerk_steps::revoke(&transaction, device_id, &batch.clerk_key_revocations)?;
        clerk_steps::register(&transaction, device_id, &batch.clerk_keys, millis(now))?;
        clerk_steps::revoke(&transaction, device_id, &batch.clerk_key_revocations)?;
        // The device's own key next, checked against those clerk keys; the push was
        // signed with the key it replaces.
        let device_key = match &batch.device_key_change {
            Some(change) => {
                let current = device_key(&transaction, device_id)?.ok_or_else(|| {
                    StubError::InvalidInput { what: "device", reason: device_id.to_owned() }
                })?;
                let answer = clerk_steps::change_device_key(
                    &transaction,
                    device_id,
                    &hex::encode(current),
                    change,
                    millis(now),
                )?;
                Some(answer)
            }
            None => None,
        };
        let mut results = Vec::with_capacity(batch.records.len());
        let mut missing_blobs = BTreeSet::new();
        // Cases whose record in this batch was not accepted, with that record's id.
        let mut held: HashMap<Uuid, Uuid> = HashMap::new();
        let (mut duplicates, mut conflicts, mut rejections) = (0, 0, 0);
        for record in &batch.records {
            let status = if let Some(blocker) = held.get(&record.case_id) {
                RecordStatus::Deferred { blocked_by: *blocker }
            } else {
                self.apply_record(&transaction, device_id, record, now)?
            };
            match &status {
                RecordStatus::Accepted | RecordStatus::Duplicate => {
                    if let Some(hash) = record.kind.content_hash()
                        && !has_blob(&transaction, hash)?
                    {
                        missing_blobs.insert(hash.to_owned());
                    }
                    if status == RecordStatus::Duplicate {
                        duplicates += 1;
                    }
                }
                RecordStatus::Conflict => {
                    conflicts += 1;
                    held.insert(record.case_id, record.record_id);
                }
                RecordStatus::Rejected { .. } => {
                    rejections += 1;
                    held.insert(record.case_id, record.record_id);
                }
                RecordStatus::Deferred { .. } | RecordStatus::Unknown => {}
            }
            results.push(RecordResult { record_id: record.record_id, status });
        }
        bump(&transaction, "push_requests", 1)?;
        bump(&transaction, "duplicates", duplicates)?;
        bump(&transaction, "conflicts", conflicts)?;
        bump(&transaction, "rejections", rejections)?;
        transaction.commit()?;
        tracing::debug!(
            device_id,
            records = batch.records.len(),
            duplicates,
            conflicts,
            rejections,
            "push committed"
        );
        Ok(PushResponse { results, missing_blobs: missing_blobs.into_iter().collect(), device_key })
    }

    fn apply_record(
        &self,
        transaction: &Connection,
        device_id: &str,
        record: &PushRecord,
        now: DateTime<Utc>,
    ) -> Result<RecordStatus> {
        let hash = content_hash(record)?;
        let stored: Option<Vec<u8>> = transaction
            .prepare_cached("SELECT content_hash FROM records WHERE record_id = ?1")?
            .query_row([record.record_id.to_string()], |row| row.get(0))
            .optional()?;
        if let Some(stored) = stored {
            if stored == hash {
                transaction
                    .prepare_cached("UPDATE records SET duplicates = duplicates + 1 WHERE record_id = ?1")?
                    .execute([record.record_id.to_string()])?;
                return Ok(RecordStatus::Duplicate);
            }
            tracing::warn!(record_id = %record.record_id, "conflict: another record under this id");
            return Ok(RecordStatus::Conflict);
        }
        let rejected = |code: &str, reason: String| {
            tracing::info!(record_id = %record.record_id, code, "record rejected");
            Ok(RecordStatus::Rejected { code: code.to_owned(), reason })
        };
        if let Some((code, reason)) = validate(record) {
            return rejected(code, reason);
        }
        if let Some((code, reason)) =
            self.faults.rejection_for(record.case_id, record.kind.name(), &record.payload.to_string())
        {
            return rejected(&code, reason);
        }
        let case_text = record.case_id.to_string();
        let case_row: Option<(String, i64)> = transaction
            .prepare_cached("SELECT device_id, last_sequence FROM cases WHERE case_id = ?1")?
            .query_row([&case_text], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let sequence = i64::try_from(record.sequence)
            .map_err(|_| StubError::InvalidInput { what: "sequence", reason: record.sequence.to_string() })?;
        match case_row {
            Some((owner, _)) if owner != device_id => {
                return rejected(
                    code::CASE_OWNED_ELSEWHERE,
                    "the case was opened by another device".to_owned(),
                );
            }
            Some((_, last_sequence)) if sequence <= last_sequence => {
                return rejected(
                    code::SEQUENCE_OUT_OF_ORDER,
                    format!("sequence {sequence} is not after {last_sequence}, the case's last"),
                );
            }
            _ => {}
        }
        // Who did the step (issue 18): checked before anything of the record is stored.
        let step = match &record.kind {
            RecordKind::StateChanged { from, to } => {
                match clerk_steps::check(transaction, device_id, record, from, to)? {
                    Ok(effect) => effect,
                    Err((code, reason)) => return rejected(code, reason),
                }
            }
            _ => None,
        };
        match case_row {
            Some(_) => {
                transaction
                    .prepare_cached("UPDATE cases SET last_sequence = ?2 WHERE case_id = ?1")?
                    .execute(params![case_text, sequence])?;
            }
            None => {
                transaction
                    .prepare_cached(
                        "INSERT INTO cases (case_id, device_id, last_sequence) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![case_text, device_id, sequence])?;
            }
        }
        transaction
            .prepare_cached(
                "INSERT INTO records (record_id, device_id, case_id, kind, sequence, content_hash, blob_hash, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                record.record_id.to_string(),
                device_id,
                case_text,
                record.kind.name(),
                sequence,
                hash,
                record.kind.content_hash(),
                serde_json::to_string(record)?,
                millis(now)
            ])?;
        if let Some(step) = &step {
            clerk_steps::apply(transaction, step)?;
        }
        if let RecordKind::StateChanged { to, .. } = &record.kind
            && to == "approved"
        {
            let delay = TimeDelta::from_std(self.config.permit_delay).unwrap_or(TimeDelta::zero());
            transaction
                .prepare_cached(
                    "UPDATE cases SET permit_due_at = COALESCE(permit_due_at, ?2) WHERE case_id = ?1",
                )?
                .execute(params![case_text, millis(now + delay)])?;
        }
        Ok(RecordStatus::Accepted)
    }

    /// Stores a blob whose bytes the caller has verified against `content_hash`.
    pub(crate) fn put_blob(&self, content_hash: &str, bytes: &[u8]) -> Result<BlobOutcome> {
        let changed = self.conn().execute(
            "INSERT OR IGNORE INTO blobs (content_hash, bytes, received_at) VALUES (?1, ?2, ?3)",
            params![content_hash, bytes, millis(self.clock.now())],
        )?;
        Ok(if changed == 1 { BlobOutcome::Stored } else { BlobOutcome::AlreadyStored })
    }

    /// Stores blobs whose bytes the caller has verified, in one transaction; one outcome
    /// per blob, in order.
    pub(crate) fn put_blobs(&self, blobs: &[(&str, &[u8])]) -> Result<Vec<BlobOutcome>> {
        let mut conn = self.conn();
        let transaction = conn.transaction()?;
        let now = millis(self.clock.now());
        let mut outcomes = Vec::with_capacity(blobs.len());
        {
            let mut insert = transaction.prepare_cached(
                "INSERT OR IGNORE INTO blobs (content_hash, bytes, received_at) VALUES (?1, ?2, ?3)",
            )?;
            for (content_hash, bytes) in blobs {
                let changed = insert.execute(params![content_hash, bytes, now])?;
                outcomes.push(if changed == 1 { BlobOutcome::Stored } else { BlobOutcome::AlreadyStored });
            }
        }
        transaction.commit()?;
        Ok(outcomes)
    }

    /// Length of a stored blob.
    pub(crate) fn blob_length(&self, content_hash: &str) -> Result<Option<u64>> {
        let length: Option<i64> = self
            .conn()
            .query_row("SELECT length(bytes) FROM blobs WHERE content_hash = ?1", [content_hash], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(length.map(|length| length as u64))
    }

    /// The feed for `device_id` after `cursor`, issuing due permits first.
    pub(crate) fn decisions(&self, device_id: &str, cursor: u64, limit: u32) -> Result<DecisionPage> {
        self.issue_due_permits()?;
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT cursor, case_id, kind, decided_at FROM decisions
             WHERE cursor > ?1 AND (device_id = ?2 OR device_id IS NULL) ORDER BY cursor LIMIT ?3",
        )?;
        let mut rows = statement.query(params![cursor as i64, device_id, limit])?;
        let mut decisions = Vec::new();
        while let Some(row) = rows.next()? {
            let case_id: Option<String> = row.get(1)?;
            let kind: String = row.get(2)?;
            decisions.push(Decision {
                cursor: row.get::<_, i64>(0)? as u64,
                case_id: case_id.as_deref().map(parse_uuid).transpose()?,
                decided_at: rfc3339(from_millis(row.get(3)?)?),
                kind: serde_json::from_str(&kind)?,
            });
        }
        let next_cursor = decisions.last().map_or(cursor, |decision| decision.cursor);
        Ok(DecisionPage { decisions, next_cursor })
    }

    /// Enrols `device_id` with `public_key` if `enrolment_code` is valid and unused, and
    /// registers the clerk keys sent with it (pinning the office's root, issue 18).
    pub(crate) fn enrol(
        &self,
        device_id: &str,
        public_key: [u8; 32],
        enrolment_code: &str,
        clerk_keys: &[platform_api::KeyCertificate],
    ) -> Result<EnrolOutcome> {
        let now = self.clock.now();
        let mut conn = self.conn();
        let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(Vec<u8>, i64)> = transaction
            .query_row(
                "SELECT public_key, enrolled_at FROM devices WHERE device_id = ?1",
                [device_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let Some((key, enrolled_at)) = existing {
            return Ok(if key == public_key {
                EnrolOutcome::AlreadyEnrolled(from_millis(enrolled_at)?)
            } else {
                EnrolOutcome::KeyConflict
            });
        }
        let claimed = transaction.execute(
            "UPDATE enrolment_codes SET used_by = ?2 WHERE code = ?1 AND used_by IS NULL",
            params![enrolment_code, device_id],
        )?;
        if claimed == 0 {
            return Ok(EnrolOutcome::CodeRefused);
        }
        transaction.execute(
            "INSERT INTO devices (device_id, public_key, enrolled_at) VALUES (?1, ?2, ?3)",
            params![device_id, public_key.to_vec(), millis(now)],
        )?;
        clerk_steps::register(&transaction, device_id, clerk_keys, millis(now))?;
        transaction.commit()?;
        tracing::info!(device_id, "device enrolled");
        Ok(EnrolOutcome::Enrolled(now))
    }
}

fn device_key(conn: &Connection, device_id: &str) -> Result<Option<[u8; 32]>> {
    let key: Option<Vec<u8>> = conn
        .prepare_cached("SELECT public_key FROM devices WHERE device_id = ?1")?
        .query_row([device_id], |row| row.get(0))
        .optional()?;
    match key {
        Some(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
            .map(Some)
            .map_err(|_| StubError::InvalidInput { what: "stored public key", reason: device_id.to_owned() }),
        None => Ok(None),
    }
}

fn has_blob(conn: &Connection, content_hash: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM blobs WHERE content_hash = ?1")?
        .query_row([content_hash], |_| Ok(()))
        .optional()?
        .is_some())
}
