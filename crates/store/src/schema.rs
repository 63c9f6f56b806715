//! Embedded, numbered, forward-only migrations, tracked in `PRAGMA user_version`.
//!
//! Migration `n` brings the schema from version `n - 1` to `n`; all the migrations an
//! open needs run in one transaction that also sets `user_version`, so a crash leaves the
//! file at the version found or at the latest, never in
//! between. A migration that has shipped is never edited: add a new one at the end.
//! Timestamps are INTEGER milliseconds since the Unix epoch (UTC); calendar dates are
//! TEXT `YYYY-MM-DD` (the office's local date, computed by the caller).

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Result, StoreError};
use crate::state_seal::SealKey;

/// The migrations, in order; index `i` holds migration `i + 1`.
const MIGRATIONS: &[&str] = &[
    MIGRATION_1,
    MIGRATION_2,
    MIGRATION_3,
    MIGRATION_4,
    MIGRATION_5,
    MIGRATION_6,
    MIGRATION_7,
    MIGRATION_8,
    MIGRATION_9,
    MIGRATION_10,
    MIGRATION_11,
    MIGRATION_12,
    MIGRATION_13,
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Version 1: office metadata, clerks, cases with their index columns, state changes,
/// the outbox and the hash-chained audit trail.
const MIGRATION_1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    roles          INTEGER NOT NULL CHECK (roles BETWEEN 0 AND 15),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     INTEGER NOT NULL,
    created_by     INTEGER REFERENCES users(id),
    deactivated_at INTEGER
) STRICT;

CREATE TABLE cases (
    id                 INTEGER PRIMARY KEY,
    uuid               TEXT NOT NULL UNIQUE,
    state              TEXT NOT NULL,
    record             TEXT NOT NULL CHECK (json_valid(record)),
    application_number TEXT UNIQUE,
    id_blind           BLOB,
    id_masked          TEXT,
    name               TEXT,
    phone              TEXT,
    birth_date         TEXT,
    created_by         INTEGER NOT NULL REFERENCES users(id),
    created_at         INTEGER NOT NULL,
    accepted_by        INTEGER REFERENCES users(id),
    reviewed_by        INTEGER REFERENCES users(id),
    approved_by        INTEGER REFERENCES users(id),
    accepted_at        INTEGER,
    due_date           TEXT,
    updated_at         INTEGER NOT NULL,
    synced             INTEGER NOT NULL DEFAULT 0 CHECK (synced IN (0, 1)),
    version            INTEGER NOT NULL DEFAULT 1
) STRICT;

-- Worklists by state (drafts by last edit; review and approval by deadline).
CREATE INDEX cases_state_updated ON cases(state, updated_at);
CREATE INDEX cases_state_due ON cases(state, due_date, accepted_at);
-- Due today and overdue: only open cases with a deadline are in this index.
CREATE INDEX cases_open_due ON cases(due_date, accepted_at)
    WHERE state IN ('accepted', 'reviewed', 'approved');
-- Not yet synced: drafts are never sent, so they are left out.
CREATE INDEX cases_unsynced ON cases(updated_at) WHERE synced = 0 AND state <> 'draft';
-- Search and duplicate guard.
CREATE INDEX cases_id_blind ON cases(id_blind) WHERE id_blind IS NOT NULL;
CREATE INDEX cases_phone ON cases(phone) WHERE phone IS NOT NULL;
CREATE INDEX cases_name_birth ON cases(name, birth_date) WHERE name IS NOT NULL;

CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    from_state TEXT,
    to_state   TEXT NOT NULL,
    actor      INTEGER NOT NULL REFERENCES users(id),
    at         INTEGER NOT NULL,
    note       TEXT
) STRICT;
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    case_id    INTEGER REFERENCES cases(id),
    event_id   INTEGER REFERENCES case_events(id),
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    status     TEXT NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'sent', 'confirmed', 'quarantined')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_pending ON outbox(seq) WHERE status IN ('queued', 'sent');
CREATE INDEX outbox_case ON outbox(case_id, status);

CREATE TABLE audit (
    seq           INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    case_uuid     TEXT,
    details       TEXT NOT NULL CHECK (json_valid(details)),
    prev_hash     BLOB NOT NULL,
    hash          BLOB NOT NULL
) STRICT;
CREATE INDEX audit_case ON audit(case_uuid) WHERE case_uuid IS NOT NULL;
CREATE INDEX audit_at ON audit(at);

-- The last row of the chain, updated with every append, so that deleting rows at the
-- end of the trail is noticed too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
) STRICT;

-- Audit rows and state changes are append-only. These triggers stop the program (and
-- a careless sync or clean-up job) from editing history; a person with the key and a
-- SQLite shell can drop them, which the hash chain then reveals.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
"#;

/// Version 2: the paper confirmation slip (确认单). Applicants without a smartphone get
/// one after issue; the worklist "issued, awaiting slip" finds those not yet printed.
const MIGRATION_2: &str = r#"
ALTER TABLE cases ADD COLUMN slip_required INTEGER NOT NULL DEFAULT 0 CHECK (slip_required IN (0, 1));
ALTER TABLE cases ADD COLUMN slip_printed_at INTEGER;
CREATE INDEX cases_awaiting_slip ON cases(updated_at)
    WHERE state = 'issued' AND slip_required = 1 AND slip_printed_at IS NULL;
"#;

/// Version 3: sync with the provincial platform.
///
/// - `users.system` marks accounts that are not clerks. One is added: `PLATFORM` (省平台),
///   the actor of state changes the platform decides (签发 with the permit number), row id
///   0. Its
///   name is upper case, which a clerk's normalised (lower-case) user name never is, so it
///   cannot clash with an existing clerk; it has no roles, no key slot and is inactive, so
///   nobody can log in as it, and clerk lists leave it out.
/// - `outbox.quarantine_code`: the platform's stable code for a quarantined item, beside
///   the reason text kept in `last_error`.
/// - `sync_state` (one row): the decision feed's cursor, this installation's device
///   identity (id and Ed25519 secret key, encrypted with the rest of the database) and the
///   outcome of the last sync for the window's header.
/// - `platform_decisions`: every decision received, keyed by the platform's cursor, so a
///   page fetched twice is applied once, with what was done about it.
const MIGRATION_3: &str = r#"
ALTER TABLE users ADD COLUMN system INTEGER NOT NULL DEFAULT 0 CHECK (system IN (0, 1));
-- Row id 0: never taken by SQLite's own numbering, so clerks keep ids from 1.
INSERT INTO users (id, username, display_name, roles, active, created_at, system)
    VALUES (0, 'PLATFORM', '省平台', 0, 0, 0, 1);

ALTER TABLE outbox ADD COLUMN quarantine_code TEXT;
CREATE INDEX outbox_quarantined ON outbox(seq) WHERE status = 'quarantined';

CREATE TABLE sync_state (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    decision_cursor    INTEGER NOT NULL DEFAULT 0,
    device_id          TEXT,
    device_secret      BLOB CHECK (device_secret IS NULL OR length(device_secret) = 32),
    device_created_at  INTEGER,
    last_attempt_at    INTEGER,
    last_success_at    INTEGER,
    last_error         TEXT,
    last_error_offline INTEGER NOT NULL DEFAULT 0 CHECK (last_error_offline IN (0, 1))
) STRICT;
INSERT INTO sync_state (id) VALUES (1);

CREATE TABLE platform_decisions (
    cursor      INTEGER PRIMARY KEY,
    case_uuid   TEXT,
    kind        TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (json_valid(decision)),
    outcome     TEXT NOT NULL,
    event_id    INTEGER REFERENCES case_events(id),
    received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX platform_decisions_case ON platform_decisions(case_uuid) WHERE case_uuid IS NOT NULL;
"#;

/// Version 4: scanned pages, stored in the encrypted database with their case (the same
/// guarantees as the record: encrypted at rest, in the backup, in one transaction with
/// their audit row), each linked to the evidence checkbox it proves.
const MIGRATION_4: &str = r#"
CREATE TABLE pages (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    evidence    TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('grey', 'colour')),
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    jpeg        BLOB NOT NULL,
    thumbnail   BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id)
) STRICT;
CREATE INDEX pages_case ON pages(case_id, position);
"#;

/// Version 5: the state `old_permit_cancelled` (现有证件互认: the platform cancelled the old
/// permit after issuing the new one). Its permit is still issued, so its slip still waits
/// to be printed: the "issued, awaiting slip" index covers both states. (Application
/// numbers given at acceptance and the office's slip key live in `meta`; no change here.)
const MIGRATION_5: &str = r#"
DROP INDEX cases_awaiting_slip;
CREATE INDEX cases_awaiting_slip ON cases(updated_at)
    WHERE state IN ('issued', 'old_permit_cancelled') AND slip_required = 1 AND slip_printed_at IS NULL;
"#;

/// Version 6: scanned pages travel to the platform (`page_metadata` outbox items, their
/// bytes read by content hash when the platform asks for them), so pages are found by
/// hash through an index instead of a scan of every page.
///
/// And the name index covers the result lines: at 1 M cases a 2-character name prefix
/// matches thousands of cases, and reading the 50 shown from the table meant 50 random
/// encrypted pages (p99 6.5 ms); read from this index they sit side by side. Near matches
/// (same name and birth date, newest first) read it too.
const MIGRATION_6: &str = r#"
CREATE INDEX pages_sha256 ON pages(sha256);
DROP INDEX cases_name_birth;
CREATE INDEX cases_name_birth ON cases(name, birth_date, created_at, uuid, state, application_number,
    id_masked, due_date, accepted_at, accepted_by, updated_at, synced) WHERE name IS NOT NULL;
"#;

/// Version 7: the policy profile a submission was assessed under (its county code), kept
/// with the case so the printed notice, the 不予受理告知书 and the reviewer apply the same
/// rules the counter did. The state `not_eligible` (不予受理) and the office's details in
/// `meta` need no schema change: the worklists of notices and of not-eligible cases use
/// `cases_state_updated`.
const MIGRATION_7: &str = r#"
ALTER TABLE cases ADD COLUMN profile TEXT;
"#;

/// Version 8: the reviewer's mark on a scanned page (不清晰 or 与材料不符, with a note), who
/// set it and when. A working note of the review, not part of the application: it offers a
/// reason when the case is sent back, and stays on the page (the counter sees which page
/// to bring again) until a reviewer clears it.
///
/// And submissions (events leaving the draft state) are indexed by time, for the register
/// of applications (台账) of a day or a month; and a clerk whose password an administrator
/// set (a new account, a reset, a re-enabled account) is marked until they choose their
/// own, so the window can ask them to (the administrator knows that password).
const MIGRATION_8: &str = r#"
ALTER TABLE pages ADD COLUMN mark TEXT CHECK (mark IS NULL OR mark IN ('unclear', 'mismatch'));
ALTER TABLE pages ADD COLUMN mark_note TEXT;
ALTER TABLE pages ADD COLUMN marked_by INTEGER REFERENCES users(id);
ALTER TABLE pages ADD COLUMN marked_at INTEGER;
CREATE INDEX case_events_submitted ON case_events(at) WHERE from_state = 'draft';
ALTER TABLE users ADD COLUMN password_from_admin INTEGER NOT NULL DEFAULT 0
    CHECK (password_from_admin IN (0, 1));
"#;

/// Version 9: the applicant's 好差评 rating of a visit: one per visit, the visit being the
/// case's latest state change when the applicant rated (the decision they were told), the
/// clerk who served them, the level and the reason (required for the two bad levels; the
/// domain checks it). It travels to the platform as its own `rating` outbox item.
const MIGRATION_9: &str = r#"
CREATE TABLE ratings (
    id       INTEGER PRIMARY KEY,
    uuid     TEXT NOT NULL UNIQUE,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    event_id INTEGER NOT NULL REFERENCES case_events(id),
    level    TEXT NOT NULL CHECK (level IN ('very_satisfied', 'satisfied', 'basic', 'dissatisfied',
                                            'very_dissatisfied')),
    reason   TEXT NOT NULL,
    clerk    INTEGER NOT NULL REFERENCES users(id),
    rated_at INTEGER NOT NULL,
    UNIQUE (case_id, event_id)
) STRICT;
"#;

/// Version 10: each clerk's signing keys with the certificates that chain them to the
/// office's root (issue 18, `crate::clerk_keys`) and the revocations that end them, and the link of each case's last signed
/// step (the SM3 of its signature; the next step signs over it).
const MIGRATION_10: &str = r#"
CREATE TABLE clerk_keys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    public_key    TEXT NOT NULL,
    -- The certificate's issuer (hex public key); NULL when the key certified itself.
    issuer        TEXT,
    administrator INTEGER NOT NULL CHECK (administrator IN (0, 1)),
    certificate   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    retired_at    INTEGER
) STRICT;
CREATE INDEX clerk_keys_key ON clerk_keys (public_key);
-- Keys whose steps stop counting from a time on (a clerk revoked, a password reset, a
-- key made under an administrator's password retired by the clerk's own).
CREATE TABLE clerk_key_revocations (
    id         INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL,
    revocation TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
ALTER TABLE cases ADD COLUMN step_link BLOB;
"#;

/// Version 11: the state seal (issue 18, `crate::state_seal`): one sealed sum over the rows
/// of the clerks, cases, state changes, outbox, pages, ratings and clerk keys, kept current
/// by triggers, so a change made beside the program is found at the next log-in. The table,
/// the triggers and the first sum are made in Rust ([`crate::state_seal::install`]), which
/// this version runs after its (empty) SQL.
const MIGRATION_11: &str = "";

/// The version whose upgrade also runs [`crate::state_seal::install`].
const STATE_SEAL_VERSION: u32 = 11;

/// Version 12: the `meta` table joins the state seal (issue 18): the office CA's key and
/// the desks that joined (issue 17), the slip's signing key, the office's details and the
/// other settings kept there, so a row changed beside the program is found as a case's
/// would be. Rust again ([`crate::state_seal::seal_more`]).
const MIGRATION_12: &str = "";

/// The version whose upgrade also runs [`crate::state_seal::seal_more`].
const META_SEAL_VERSION: u32 = 12;

/// Version 13 (issue 20): the audit table stored compactly with every hash unchanged, in
/// Rust ([`crate::audit::compact_table`]: no `prev_hash`, the case by row number, details
/// deflated, no index on the time), which this version runs after its (empty) SQL.
const MIGRATION_13: &str = "";

/// The version whose audit rows keep no `prev_hash`, name their case by row number and
/// keep their details deflated.
pub(crate) const COMPACT_AUDIT_VERSION: u32 = 13;

/// Reads `PRAGMA user_version`.
pub(crate) fn schema_version(conn: &Connection) -> Result<u32> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    u32::try_from(version).map_err(|_| StoreError::Corrupt { detail: format!("schema version {version}") })
}

/// Applies every migration after the current version up to `target` in one transaction
/// that also sets `user_version`: a crash or a failure anywhere leaves the file exactly as
/// it was (the previous program still opens it), a commit leaves it at `target`. Returns
/// the version found before migrating.
pub(crate) fn migrate(conn: &mut Connection, target: u32, seal: &SealKey) -> Result<u32> {
    let found = schema_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew { found, supported: SCHEMA_VERSION });
    }
    let target = target.min(SCHEMA_VERSION);
    if found >= target {
        return Ok(found);
    }
    let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for version in (found + 1)..=target {
        transaction.execute_batch(MIGRATIONS[(version - 1) as usize])?;
        if version == STATE_SEAL_VERSION {
            crate::state_seal::install(&transaction, seal)?;
        }
        if version == META_SEAL_VERSION {
            crate::state_seal::seal_more(&transaction, seal, crate::state_seal::SEALED_FROM_12)?;
        }
        if version == COMPACT_AUDIT_VERSION {
            crate::audit::compact_table(&transaction)?;
        }
    }
    transaction.pragma_update(None, "user_version", target)?;
    crate::crash::point(crate::crash::UPGRADE_BEFORE_COMMIT);
    transaction.commit()?;
    crate::crash::point(crate::crash::UPGRADE_COMMITTED);
    Ok(found)
}

/// The name of the copy [`crate::Store::open`] writes before migrating a database found
/// at `version`: `office.before-upgrade-v{version}.db`, next to `office.db`. It opens with
/// the same key slots.
pub fn pre_migration_copy_name(version: u32) -> String {
    format!("office.before-upgrade-v{version}.db")
}
