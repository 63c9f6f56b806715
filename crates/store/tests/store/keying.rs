//! SQLCipher keying under concurrency. SQLite marks itself initialised before it runs
//! SQLCipher's own initialisation (`SQLITE_EXTRA_INIT`, run after `isInit` is set and the
//! init mutex released), so a second thread opening its first connection in that window
//! finds SQLCipher not ready and its `PRAGMA key` is refused ("An error occurred with
//! PRAGMA key or rekey"). It can only happen while a process opens its first connections,
//! from several threads at once — as parallel tests do. `store::sqlcipher_ready` runs that
//! initialisation once, to the end, before any connection of ours is opened.
//!
//! Each run is a fresh child process (this test binary again) whose threads all open their
//! first keyed connection at the same instant.

use std::process::Command;
use std::sync::{Arc, Barrier};

use rusqlite::{Connection, OpenFlags};

const KEY: &str = "x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'";
const THREADS: usize = 16;

fn keyed(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.execute_batch(&format!("PRAGMA key = \"{KEY}\";"))?;
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get::<_, i64>(0))?;
    Ok(conn)
}

/// Makes an encrypted database with one table at `path`.
fn encrypted_database(path: &std::path::Path) {
    Connection::open(path)
        .unwrap()
        .execute_batch(&format!("PRAGMA key = \"{KEY}\"; CREATE TABLE t (x); PRAGMA journal_mode = WAL;"))
        .unwrap();
}

/// In the child: `THREADS` threads open their first keyed connection together, after
/// `store::sqlcipher_ready` when `ready`; prints how many were refused.
fn child(path: &std::path::Path, ready: bool) {
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (path, start) = (path.to_owned(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                if ready {
                    store::sqlcipher_ready().unwrap();
                }
                keyed(&path).is_err()
            })
        })
        .collect();
    let refused = workers.into_iter().map(|worker| worker.join().unwrap()).filter(|refused| *refused).count();
    eprintln!("REFUSED {refused}");
}

/// Runs `runs` children; the keyings they refused in all.
fn refusals(path: &std::path::Path, ready: bool, runs: usize) -> usize {
    (0..runs)
        .map(|_| {
            let output = Command::new(std::env::current_exe().unwrap())
                .args(["keying::first_connections", "--exact", "--nocapture", "--test-threads=1"])
                .env("KEYING_CHILD_DB", path)
                .env("KEYING_CHILD_READY", if ready { "1" } else { "0" })
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            let count = stderr.split("REFUSED ").nth(1).and_then(|rest| rest.split_whitespace().next());
            let count = count.unwrap_or_else(|| {
                panic!("the child reported nothing: {stderr}\n{}", String::from_utf8_lossy(&output.stdout))
            });
            count.parse::<usize>().unwrap()
        })
        .sum()
}

#[test]
fn first_connections_from_many_threads_are_never_refused() {
    let runs: usize = std::env::var("KEYING_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(12);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stress.db");
    encrypted_database(&path);
    let without =
        if std::env::var_os("KEYING_SHOW_RACE").is_some() { refusals(&path, false, runs) } else { 0 };
    let with = refusals(&path, true, runs);
    eprintln!(
        "{runs} processes × {THREADS} threads: {without} refused without sqlcipher_ready, {with} with it"
    );
    assert_eq!(with, 0, "no keying is refused once SQLCipher is ready");
}

/// The child's entry (runs only when the parent test starts this binary with its path).
#[test]
fn first_connections() {
    if let Some(path) = std::env::var_os("KEYING_CHILD_DB") {
        child(std::path::Path::new(&path), std::env::var("KEYING_CHILD_READY").as_deref() == Ok("1"));
    }
}

/// Once ready, connections keyed, read and closed by many threads at once are never
/// refused (the store no longer serialises keying, nor retries it).
#[test]
fn keyed_connections_opened_and_closed_by_many_threads_are_never_refused() {
    store::sqlcipher_ready().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stress.db");
    encrypted_database(&path);
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || (0..150).filter(|_| keyed(&path).is_err()).count())
        })
        .collect();
    let refused: usize = workers.into_iter().map(|worker| worker.join().unwrap()).sum();
    assert_eq!(refused, 0, "{refused} of 1200 keyings refused");
}
