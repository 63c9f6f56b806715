//! The state seal (issue 18): the office's tables as a whole, sealed so that a change made
//! beside the program is found at the next log-in and before the next sync.
//!
//! The audit chain covers the audit rows; it says nothing when someone edits a case, a
//! clerk's roles or a queued item directly in the database. The seal covers those tables:
//! `state_seal` holds one value, the sum (modulo 2²⁵⁶) of an HMAC-SHA-256 of every row of
//! every sealed table, and a MAC of that sum. Triggers on each sealed table keep it current
//! in the same statement as the change, through an SQL function the program registers on
//! its own connection (`permit_seal`): every write path is covered without any of them
//! knowing, and a SQLCipher shell, which does not have the function, cannot change a
//! sealed row without first dropping the triggers. [`check`] adds the rows up again and
//! compares.
//!
//! What it catches, and what not: a row edited, added or removed without the program (a
//! shell, or a program without the seal key) makes the sum differ; a sum written by hand
//! fails its MAC, and the function keeps a failed MAC failed, so later saves do not heal
//! it. The key derives from the data key, as the audit chain's does: someone who holds the
//! data key *and writes a program* can recompute the seal. That is caught only for what the
//! platform already anchors (the audit chain) and what each clerk signs (their steps); see
//! docs/security.md. Scanned pages are sealed by their metadata, including each page's
//! SHA-256, not their image bytes (reading every image at each log-in would take minutes
//! in a large office).

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::crypto::{KEY_LEN, hmac_sm3};
use crate::error::Result;

/// The SQL function the triggers call: `permit_seal(value, sign, table, columns...)`.
const FUNCTION: &str = "permit_seal";

/// Each sealed table and the columns its rows are sealed by, in order. A migration that
/// adds a column to one of these tables adds it here, re-creates the table's triggers and
/// seals again ([`install`]); `crates/store/tests/store/state_seal.rs` fails until it does.
pub(crate) const SEALED: &[(&str, &[&str])] = &[
    (
        "users",
        &[
            "id",
            "username",
            "display_name",
            "roles",
            "active",
            "created_at",
            "created_by",
            "deactivated_at",
            "system",
            "password_from_admin",
        ],
    ),
    (
        "cases",
        &[
            "id",
            "uuid",
            "state",
            "record",
            "application_number",
            "id_blind",
            "id_masked",
            "name",
            "phone",
            "birth_date",
            "created_by",
            "created_at",
            "accepted_by",
            "reviewed_by",
            "approved_by",
            "accepted_at",
            "due_date",
            "updated_at",
            "synced",
            "version",
            "slip_required",
            "slip_printed_at",
            "profile",
            "step_link",
        ],
    ),
    ("case_events", &["id", "case_id", "from_state", "to_state", "actor", "at", "note"]),
    (
        "outbox",
        &[
            "seq",
            "id",
            "case_id",
            "event_id",
            "kind",
            "payload",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "updated_at",
            "quarantine_code",
        ],
    ),
    (
        "pages",
        &[
            "id",
            "uuid",
            "case_id",
            "evidence",
            "position",
            "sha256",
            "mode",
            "width",
            "height",
            "created_at",
            "created_by",
            "mark",
            "mark_note",
            "marked_by",
            "marked_at",
        ],
    ),
    ("ratings", &["id", "uuid", "case_id", "event_id", "level", "reason", "clerk", "rated_at"]),
    (
        "clerk_keys",
        &[
            "id",
            "user_id",
            "public_key",
            "issuer",
            "administrator",
            "certificate",
            "created_at",
            "retired_at",
        ],
    ),
    ("clerk_key_revocations", &["id", "public_key", "revocation", "created_at"]),
    // Schema 12: the office's settings and keys kept as meta rows — the office CA and its
    // key, the desks that joined, the slip's signing key, the office's details, the
    // application-number counter, the audit anchors.
    ("meta", &["key", "value"]),
];

/// Tables sealed from schema 12 on: the upgrade to schema 11 seals the others, the one to
/// 12 adds these to the same sum ([`seal_more`]).
pub(crate) const SEALED_FROM_12: &[&str] = &["meta"];

/// Columns of sealed tables that are deliberately not sealed (large bytes a hash column
/// beside them already covers).
#[cfg(test)]
const NOT_SEALED: &[(&str, &str)] = &[("pages", "jpeg"), ("pages", "thumbnail")];

const SUM_LEN: usize = 32;
const VALUE_LEN: usize = SUM_LEN + KEY_LEN;

/// What [`check`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateSealProblem {
    /// No seal at all (the row was removed, or the seal table emptied).
    Missing,
    /// The stored sum fails its MAC: it was written by hand, or a change once was.
    Forged,
    /// The rows do not add up to the sealed sum: a sealed row was changed, added or
    /// removed beside the program.
    Differs,
}

/// The seal's key, and the HMAC-SHA-256 key every row's MAC is made with.
#[derive(Clone)]
pub(crate) struct SealKey {
    key: Zeroizing<[u8; KEY_LEN]>,
    rows: ring::hmac::Key,
}

impl SealKey {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> SealKey {
        SealKey { key: Zeroizing::new(*key), rows: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key) }
    }

    /// A row's MAC: HMAC-SHA-256 rather than the audit chain's HMAC-SM3 because the check
    /// reads every sealed row at each log-in, and ring's SHA-256 (assembly, and the CPU's
    /// SHA instructions where it has them) is several times the portable SM3's speed
    /// (BENCHMARKS.md, "State seal"). Integrity inside the office, not a national
    /// interface: docs/security.md.
    fn row_mac<'a>(&self, table: &str, values: impl Iterator<Item = ValueRef<'a>>) -> [u8; SUM_LEN] {
        let mut mac = ring::hmac::Context::with_key(&self.rows);
        mac.update(b"permit-desk state row v1\0");
        mac.update(table.as_bytes());
        mac.update(&[0]);
        for value in values {
            match value {
                ValueRef::Null => mac.update(&[0]),
                ValueRef::Integer(number) => {
                    mac.update(&[1]);
                    mac.update(&number.to_le_bytes());
                }
                ValueRef::Real(number) => {
                    mac.update(&[2]);
                    mac.update(&number.to_bits().to_le_bytes());
                }
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                    mac.update(&[if matches!(value, ValueRef::Text(_)) { 3 } else { 4 }]);
                    mac.update(&(bytes.len() as u64).to_le_bytes());
                    mac.update(bytes);
                }
            }
        }
        let mut out = [0u8; SUM_LEN];
        out.copy_from_slice(mac.sign().as_ref());
        out
    }

    fn sum_mac(&self, sum: &[u8; SUM_LEN]) -> [u8; KEY_LEN] {
        hmac_sm3(self.key.as_ref(), &[b"permit-desk state seal v1", sum])
    }

    /// The stored value of `sum`: the sum and its MAC (or, for a seal already found
    /// forged, a MAC that can never verify, so a forgery stays visible).
    fn value(&self, sum: &[u8; SUM_LEN], forged: bool) -> Vec<u8> {
        let mut value = Vec::with_capacity(VALUE_LEN);
        value.extend_from_slice(sum);
        if forged {
            value.extend_from_slice(&[0u8; KEY_LEN]);
        } else {
            value.extend_from_slice(&self.sum_mac(sum));
        }
        value
    }

    /// The sum in `value` and whether its MAC verifies.
    fn open(&self, value: &[u8]) -> ([u8; SUM_LEN], bool) {
        let mut sum = [0u8; SUM_LEN];
        if value.len() != VALUE_LEN {
            return (sum, false);
        }
        sum.copy_from_slice(&value[..SUM_LEN]);
        let expected = self.sum_mac(&sum);
        let difference = expected.iter().zip(&value[SUM_LEN..]).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        (sum, difference == 0)
    }
}

/// `sum + mac` (or `sum - mac`) modulo 2²⁵⁶, little-endian.
fn add(sum: &mut [u8; SUM_LEN], mac: &[u8; SUM_LEN], subtract: bool) {
    let mut carry = 0u16;
    for (byte, other) in sum.iter_mut().zip(mac) {
        let other = if subtract { u16::from(!*other) } else { u16::from(*other) };
        let total = u16::from(*byte) + other + carry;
        *byte = (total & 0xff) as u8;
        carry = total >> 8;
    }
    if subtract {
        // Two's complement: a - b = a + !b + 1.
        let mut carry = 1u16;
        for byte in sum.iter_mut() {
            let total = u16::from(*byte) + carry;
            *byte = (total & 0xff) as u8;
            carry = total >> 8;
            if carry == 0 {
                break;
            }
        }
    }
}

/// Registers `permit_seal` on the program's connection; every connection that writes the
/// sealed tables needs it (the triggers call it).
pub(crate) fn register(conn: &Connection, key: SealKey) -> Result<()> {
    conn.create_scalar_function(
        FUNCTION,
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS,
        move |context: &Context<'_>| {
            // Anything but a seal's blob opens as forged (and stays so): refusing the write
            // instead would stop the office's work over a damaged seal.
            let value = match context.get_raw(0) {
                ValueRef::Blob(value) => value,
                _ => &[][..],
            };
            let subtract = context.get::<i64>(1)? < 0;
            let table = context
                .get_raw(2)
                .as_str()
                .map_err(|error| rusqlite::Error::UserFunctionError(error.into()))?;
            let (mut sum, intact) = key.open(value);
            let mac = key.row_mac(table, (3..context.len()).map(|index| context.get_raw(index)));
            add(&mut sum, &mac, subtract);
            Ok(key.value(&sum, !intact))
        },
    )?;
    Ok(())
}

fn columns(table: &str, prefix: &str) -> String {
    let list = SEALED.iter().find(|(name, _)| *name == table).map_or(&[][..], |(_, columns)| *columns);
    list.iter().map(|column| format!("{prefix}{column}")).collect::<Vec<_>>().join(", ")
}

/// Creates the seal's table and triggers and seals the rows as they are: the upgrade to
/// schema 11, inside its transaction (the tables of [`SEALED_FROM_12`] wait for theirs).
pub(crate) fn install(conn: &Connection, key: &SealKey) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE state_seal (
             id    INTEGER PRIMARY KEY CHECK (id = 1),
             value BLOB NOT NULL
         ) STRICT;",
    )?;
    let mut sum = [0u8; SUM_LEN];
    for (table, _) in SEALED.iter().filter(|(table, _)| !SEALED_FROM_12.contains(table)) {
        add(&mut sum, &table_sum(conn, key, table)?, false);
        create_triggers(conn, table)?;
    }
    conn.execute("INSERT INTO state_seal (id, value) VALUES (1, ?1)", [key.value(&sum, false)])?;
    Ok(())
}

/// Adds `tables` to the seal as their rows are now: the upgrade to schema 12, inside its
/// transaction. A seal already found forged stays forged; one that differs still differs.
pub(crate) fn seal_more(conn: &Connection, key: &SealKey, tables: &[&str]) -> Result<()> {
    let value: Vec<u8> = conn.query_row("SELECT value FROM state_seal WHERE id = 1", [], |row| row.get(0))?;
    let (mut sum, intact) = key.open(&value);
    for table in tables {
        add(&mut sum, &table_sum(conn, key, table)?, false);
        create_triggers(conn, table)?;
    }
    conn.execute("UPDATE state_seal SET value = ?1 WHERE id = 1", [key.value(&sum, !intact)])?;
    Ok(())
}

/// The triggers that keep the seal current through every insert, delete and update of
/// `table`.
fn create_triggers(conn: &Connection, table: &str) -> Result<()> {
    let new = columns(table, "NEW.");
    let old = columns(table, "OLD.");
    conn.execute_batch(&format!(
        "CREATE TRIGGER state_seal_{table}_insert AFTER INSERT ON {table} BEGIN
             UPDATE state_seal SET value = {FUNCTION}(value, 1, '{table}', {new}) WHERE id = 1;
         END;
         CREATE TRIGGER state_seal_{table}_delete AFTER DELETE ON {table} BEGIN
             UPDATE state_seal SET value = {FUNCTION}(value, -1, '{table}', {old}) WHERE id = 1;
         END;
         CREATE TRIGGER state_seal_{table}_update AFTER UPDATE ON {table} BEGIN
             UPDATE state_seal
             SET value = {FUNCTION}({FUNCTION}(value, -1, '{table}', {old}), 1, '{table}', {new})
             WHERE id = 1;
         END;"
    ))?;
    Ok(())
}

/// The sum of the row MACs of `table`, read now.
fn table_sum(conn: &Connection, key: &SealKey, table: &str) -> Result<[u8; SUM_LEN]> {
    let mut sum = [0u8; SUM_LEN];
    let columns = columns(table, "");
    let count = columns.split(", ").count();
    let mut statement = conn.prepare(&format!("SELECT {columns} FROM {table}"))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(count);
        for index in 0..count {
            values.push(row.get_ref(index)?);
        }
        add(&mut sum, &key.row_mac(table, values.into_iter()), false);
    }
    Ok(sum)
}

/// Reads every sealed row and compares their sum with the seal. `Ok(None)`: intact.
pub(crate) fn check(conn: &Connection, key: &SealKey) -> Result<Option<StateSealProblem>> {
    let value: Option<Vec<u8>> =
        conn.query_row("SELECT value FROM state_seal WHERE id = 1", [], |row| row.get(0)).optional()?;
    let Some(value) = value else { return Ok(Some(StateSealProblem::Missing)) };
    let (sealed, intact) = key.open(&value);
    if !intact {
        return Ok(Some(StateSealProblem::Forged));
    }
    let mut sum = [0u8; SUM_LEN];
    for (table, _) in SEALED {
        add(&mut sum, &table_sum(conn, key, table)?, false);
    }
    Ok((sum != sealed).then_some(StateSealProblem::Differs))
}

/// The check on a connection of its own, so that it can run off the clerk's path (a
/// thread at log-in; a sync before its first push, outside the office's lock). It reads
/// the seal and every sealed row in one read transaction: one snapshot, whatever the
/// program writes meanwhile.
pub struct StateSealChecker {
    conn: Connection,
    key: SealKey,
    /// Tells the store this connection is open (a re-key waits for it to close).
    _open: crate::rekey::SideConnection,
}

/// Stops a running [`StateSealChecker::check`] (which then returns an error).
pub struct StateSealInterrupt(rusqlite::InterruptHandle);

impl StateSealInterrupt {
    /// Interrupts the check: the office is closing.
    pub fn interrupt(&self) {
        self.0.interrupt();
    }
}

impl std::fmt::Debug for StateSealInterrupt {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("StateSealInterrupt")
    }
}

impl std::fmt::Debug for StateSealChecker {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("StateSealChecker")
    }
}

impl StateSealChecker {
    pub(crate) fn new(
        conn: Connection,
        key: SealKey,
        open: crate::rekey::SideConnection,
    ) -> StateSealChecker {
        StateSealChecker { conn, key, _open: open }
    }

    /// A handle that stops the check from another thread.
    pub fn interrupt_handle(&self) -> StateSealInterrupt {
        StateSealInterrupt(self.conn.get_interrupt_handle())
    }

    /// Runs the check (see [`crate::Store::state_seal_check`]). `Ok(None)`: intact.
    pub fn check(mut self) -> Result<Option<StateSealProblem>> {
        let transaction = self.conn.transaction()?;
        let found = check(&transaction, &self.key)?;
        transaction.finish()?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_of_a_sealed_table_is_sealed_or_deliberately_left_out() {
        let mut conn = Connection::open_in_memory().expect("an in-memory database");
        let key = SealKey::new(&[1; KEY_LEN]);
        register(&conn, key.clone()).expect("the function registers");
        crate::schema::migrate(&mut conn, crate::schema::SCHEMA_VERSION, &key).expect("every migration runs");
        for (table, sealed) in SEALED {
            let mut statement = conn.prepare(&format!("PRAGMA table_info({table})")).expect("table_info");
            let found: Vec<String> = statement
                .query_map([], |row| row.get(1))
                .expect("columns")
                .collect::<rusqlite::Result<_>>()
                .expect("names");
            let expected: Vec<&str> = found
                .iter()
                .map(String::as_str)
                .filter(|column| !NOT_SEALED.contains(&(*table, *column)))
                .collect();
            assert_eq!(
                &expected, sealed,
                "{table}: add the new column to SEALED and re-seal in its migration"
            );
        }
        assert_eq!(check(&conn, &key).expect("the check reads"), None, "sealed at the upgrade");
    }

    #[test]
    fn adding_and_subtracting_undo_each_other_with_carries() {
        let mut sum = [0xffu8; SUM_LEN];
        let mut one = [0u8; SUM_LEN];
        one[0] = 1;
        add(&mut sum, &one, false);
        assert_eq!(sum, [0u8; SUM_LEN], "wraps modulo 2^256");
        add(&mut sum, &one, true);
        assert_eq!(sum, [0xffu8; SUM_LEN]);
        let mac = [0x5au8; SUM_LEN];
        let before = sum;
        add(&mut sum, &mac, false);
        add(&mut sum, &mac, true);
        assert_eq!(sum, before);
    }

    #[test]
    fn a_value_written_without_the_key_never_opens_and_stays_forged() {
        let key = SealKey::new(&[7; KEY_LEN]);
        let sum = [3u8; SUM_LEN];
        let good = key.value(&sum, false);
        assert_eq!(key.open(&good), (sum, true));
        let mut forged = good.clone();
        forged[0] ^= 1;
        assert!(!key.open(&forged).1);
        assert!(!key.open(&key.value(&sum, true)).1, "a forged seal stays forged");
        assert!(!key.open(&good[..10]).1);
        assert!(!SealKey::new(&[8; KEY_LEN]).open(&good).1, "another key");
    }

    #[test]
    fn every_value_kind_and_boundary_changes_the_row_mac() {
        let key = SealKey::new(&[7; KEY_LEN]);
        let mac = |values: &[ValueRef<'_>]| key.row_mac("t", values.iter().copied());
        let base = mac(&[ValueRef::Text(b"ab"), ValueRef::Text(b"c")]);
        assert_ne!(base, mac(&[ValueRef::Text(b"a"), ValueRef::Text(b"bc")]));
        assert_ne!(base, mac(&[ValueRef::Blob(b"ab"), ValueRef::Text(b"c")]));
        assert_ne!(mac(&[ValueRef::Null]), mac(&[ValueRef::Integer(0)]));
        assert_ne!(mac(&[ValueRef::Integer(1)]), mac(&[ValueRef::Real(1.0)]));
        assert_ne!(base, key.row_mac("u", [ValueRef::Text(b"ab"), ValueRef::Text(b"c")].into_iter()));
    }
}
