//! Checkpoints off the clerk's path.
//!
//! In WAL mode a commit appends its pages to the log; a *checkpoint* copies them back into
//! the database file and syncs it. SQLite's default runs that checkpoint inside the commit
//! that takes the log past 1,000 pages, so one save in every fifty or so waited for a few
//! megabytes of writes and an fsync of the whole database file: that was the tail of the
//! durable save (100,000 cases: p50 0.68 ms, p99 6.1 ms; with the checkpoints taken out,
//! p99 1.05 ms — BENCHMARKS.md).
//!
//! Here the store's connection reports the log's length after every commit (SQLite's WAL
//! hook, which replaces its own automatic checkpoint), and past [`NUDGE_AT_PAGES`] it nudges
//! a thread that holds a second connection to the same file and runs a `PASSIVE`
//! checkpoint: it copies what no reader still needs, never waits for the writer, and the
//! writer never waits for it. Durability is unchanged: a commit is acknowledged only after
//! its log frames are synced (`synchronous = FULL`), and the checkpoint syncs the log
//! before copying and the database file before the log may be reused, as SQLite's own
//! does — the power-cut harness aims at those fsyncs.
//!
//! Should the thread fall behind (or have failed to start: then SQLite's automatic
//! checkpoint stays on), the writer checkpoints itself once the log passes
//! [`WRITER_CHECKPOINTS_AT_PAGES`], so the log stays bounded whatever happens.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;

use crate::crypto::DataKey;
use crate::error::Result;

/// Log length (pages) after a commit from which the background checkpoint is asked for:
/// SQLite's own automatic checkpoint threshold.
pub(crate) const NUDGE_AT_PAGES: i32 = 1_000;

/// Log length at which the committing connection checkpoints itself (64 MiB of 4 KiB
/// pages): only when the background thread is missing or far behind.
pub(crate) const WRITER_CHECKPOINTS_AT_PAGES: i32 = 16_000;

/// The background checkpointer of one store. Dropping it stops the thread (after the
/// checkpoint it may be running) and closes its connection.
#[derive(Debug, Default)]
pub(crate) struct Checkpointer {
    nudge: Option<SyncSender<Nudge>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens the second connection, starts the thread and hooks `conn`'s commits to it.
    /// If the second connection cannot be opened, `conn` keeps SQLite's automatic
    /// checkpoint and the store works as before, only with the old tail.
    pub(crate) fn start(conn: &mut Connection, path: &Path, data_key: &DataKey) -> Checkpointer {
        let Ok(background) = background_connection(path, data_key) else {
            return Checkpointer::default();
        };
        // One pending nudge is enough: the checkpoint it starts covers every commit so far.
        let (nudge, nudged) = mpsc::sync_channel::<Nudge>(1);
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".to_owned())
            .spawn(move || run(&background, &nudged));
        let Ok(thread) = thread else {
            return Checkpointer::default();
        };
        let hook_nudge = nudge.clone();
        let hooked = conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
            if pages >= WRITER_CHECKPOINTS_AT_PAGES {
                // The thread is behind: bound the log here, as SQLite's own hook would.
                // A checkpoint that cannot finish now is tried again at the next commit.
                let _ = wal.checkpoint_v2(CheckpointMode::PASSIVE);
            } else if pages >= NUDGE_AT_PAGES {
                // Full means a nudge is already waiting.
                let _ = hook_nudge.try_send(Nudge::Checkpoint);
            }
            Ok(())
        }));
        let checkpointer = Checkpointer { nudge: Some(nudge), thread: Some(thread) };
        if hooked.is_err() {
            // Dropping it stops the thread; `conn` keeps SQLite's automatic checkpoint.
            return Checkpointer::default();
        }
        checkpointer
    }

    /// True when the background thread runs (false: SQLite's automatic checkpoint).
    #[cfg(feature = "test-support")]
    pub(crate) fn is_running(&self) -> bool {
        self.thread.is_some()
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // The hook keeps a sender as long as the store's connection lives, so the thread
        // is told to stop rather than left to see the channel close. `send` waits only
        // while a nudge is pending, which the thread is about to take.
        if let Some(nudge) = self.nudge.take() {
            let _ = nudge.send(Nudge::Stop);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn background_connection(path: &Path, data_key: &DataKey) -> Result<Connection> {
    let conn = crate::store::keyed_connection(path, data_key, false)?;
    // The checkpoint syncs as the writer's commits do; SQLite's default is FULL too, said
    // here so that no build setting can weaken it.
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// What the thread is asked to do.
#[derive(Debug)]
enum Nudge {
    /// The log has grown past [`NUDGE_AT_PAGES`].
    Checkpoint,
    /// The store is closing.
    Stop,
}

fn run(conn: &Connection, nudged: &Receiver<Nudge>) {
    while let Ok(Nudge::Checkpoint) = nudged.recv() {
        // A failed checkpoint (the file busy, a read error) changes nothing on disk that a
        // later one cannot finish: the next nudge tries again, and the writer's own bound
        // holds meanwhile.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}
