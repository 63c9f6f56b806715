//! The layer has teeth: a child (this test binary, re-executed) commits rows one by one
//! through it and reports each commit; it is killed, the power "cut", and the database
//! opened. With `synchronous = FULL` every reported row must be there; with
//! `synchronous = OFF` (a commit acknowledged before its log is on the disk) reported rows
//! must be missing — if they were not, the layer would be dropping nothing and every
//! power-cut harness built on it would prove nothing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const CHILD: &str = "POWERCUT_TEST_CHILD";
const ROWS_BEFORE_KILL: u64 = 300;

fn child(dir: &Path, synchronous: &str, journal_mode: &str) {
    powercut::install(&dir.join("journal"), None).expect("install the layer");
    let conn = rusqlite::Connection::open(dir.join("test.db")).expect("open");
    let mode: String = conn
        .query_row(&format!("PRAGMA journal_mode = {journal_mode}"), [], |row| row.get(0))
        .expect("journal mode");
    assert!(mode.eq_ignore_ascii_case(journal_mode), "{mode}");
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous};
         CREATE TABLE IF NOT EXISTS rows (n INTEGER PRIMARY KEY, body TEXT NOT NULL);"
    ))
    .expect("set up");
    let body = "x".repeat(2_000);
    for n in 1..=100_000_i64 {
        conn.execute("INSERT INTO rows (n, body) VALUES (?1, ?2)", rusqlite::params![n, body])
            .expect("insert");
        // Reported only after the commit returned: an acknowledgement.
        eprintln!("\ncommitted {n}");
    }
}

/// Runs a child until it has reported `ROWS_BEFORE_KILL` commits, kills it, cuts the
/// power and returns (rows reported, rows in the database, what the cut undid).
fn run(synchronous: &str, journal_mode: &str, test: &str) -> (u64, u64, powercut::CutReport) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut process = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, dir.path())
        .env("POWERCUT_SYNCHRONOUS", synchronous)
        .env("POWERCUT_JOURNAL_MODE", journal_mode)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let mut reported = 0;
    for line in BufReader::new(process.stderr.take().expect("stderr")).lines() {
        let line = line.expect("read");
        if let Some(n) = line.strip_prefix("committed ") {
            reported = n.parse().expect("row number");
            if reported >= ROWS_BEFORE_KILL {
                process.kill().expect("SIGKILL the child");
                break;
            }
        }
    }
    process.wait().expect("reap the child");
    let report = powercut::cut(&dir.path().join("journal")).expect("cut the power");
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).expect("reopen");
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).expect("check");
    assert_eq!(integrity, "ok", "the database survives the cut whole");
    // No table at all is zero rows: the cut may take the table's creation too.
    let rows: i64 = conn.query_row("SELECT count(*) FROM rows", [], |row| row.get(0)).unwrap_or(0);
    let rows = u64::try_from(rows).expect("a count");
    eprintln!("{test}: {reported} commits acknowledged, {rows} rows after the cut; the cut undid {report:?}");
    (reported, rows, report)
}

fn child_if_asked() -> bool {
    let Some(dir) = std::env::var_os(CHILD) else { return false };
    let synchronous = std::env::var("POWERCUT_SYNCHRONOUS").expect("synchronous");
    let journal_mode = std::env::var("POWERCUT_JOURNAL_MODE").expect("journal mode");
    child(Path::new(&dir), &synchronous, &journal_mode);
    true
}

#[test]
fn wal_with_full_sync_keeps_every_acknowledged_commit() {
    if child_if_asked() {
        return;
    }
    let (reported, rows, report) = run("FULL", "WAL", "wal_with_full_sync_keeps_every_acknowledged_commit");
    assert!(rows >= reported, "{rows} rows after the cut, {reported} acknowledged ({report:?})");
}

#[test]
fn rollback_journal_with_full_sync_keeps_every_acknowledged_commit() {
    if child_if_asked() {
        return;
    }
    let (reported, rows, report) =
        run("FULL", "DELETE", "rollback_journal_with_full_sync_keeps_every_acknowledged_commit");
    assert!(rows >= reported, "{rows} rows after the cut, {reported} acknowledged ({report:?})");
}

#[test]
fn wal_without_sync_loses_acknowledged_commits() {
    if child_if_asked() {
        return;
    }
    let (reported, rows, report) = run("OFF", "WAL", "wal_without_sync_loses_acknowledged_commits");
    assert!(
        rows < reported,
        "the cut lost nothing ({rows} rows, {reported} acknowledged): the layer drops nothing"
    );
    assert!(report.changes_undone > 0 || report.files_removed > 0, "{report:?}");
}

#[test]
fn wal_with_normal_sync_loses_commits_since_the_last_checkpoint() {
    if child_if_asked() {
        return;
    }
    // NORMAL in WAL mode syncs at checkpoints only: durable as a process, not on power.
    let (reported, rows, report) =
        run("NORMAL", "WAL", "wal_with_normal_sync_loses_commits_since_the_last_checkpoint");
    assert!(rows < reported, "{rows} rows after the cut, {reported} acknowledged ({report:?})");
}
