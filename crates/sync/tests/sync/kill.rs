//! The kill -9 harness: a child process drains an outbox file to the stand-in and is killed
//! with SIGKILL, restarted, killed again; at the end the platform must hold every record
//! exactly once, in order per case, and the outbox agree (everything confirmed, nothing
//! quarantined).
//!
//! The kills are aimed (issue 21): each start of a run's first six arms one named crash
//! point of the drain (`sync::crash`: the attempt noted before the push, the answer
//! received before it is recorded, the pages uploaded before the confirmation, the
//! confirmation committed, and inside the outbox's confirming transaction), at its first,
//! second or third pass, in turn; the child kills itself there and names the point. The
//! next two starts are killed after a delay drawn over the time an undisturbed child takes
//! (measured in the run), then the child is left to finish. The harness counts the kills
//! landed per point and fails when a point was never hit (at least 20 each with 200 runs).
//!
//! The child is this test binary run again with `SYNC_KILL_CHILD_*` variables set, filtered
//! to [`child_drains_outbox`]; without them that test does nothing. Runs: 20 by default,
//! `SYNC_KILL_RUNS=200` (`make crash-sync`) for the full suite; `SYNC_KILL_SEED` replays a
//! failing seed.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use platform_stub::TestServer;
use sync::{BackoffPolicy, DrainOptions, Drainer, Jitter, OutgoingKind, OutgoingRecord};

use crate::outbox_file::FileOutbox;
use crate::support::{DEVICE, assert_platform_holds_exactly, case_id, client, identity, page, record};

const CHILD_DB: &str = "SYNC_KILL_CHILD_DB";
const CHILD_URL: &str = "SYNC_KILL_CHILD_URL";
const CHILD_BATCH: &str = "SYNC_KILL_CHILD_BATCH";

/// Exit code of a child whose drain ended with records left (the parent restarts it).
const EXIT_INCOMPLETE: i32 = 3;

/// The child's side: drain the outbox named in the environment, exit 0 when it is empty.
#[test]
fn child_drains_outbox() {
    let (Ok(db), Ok(url), Ok(batch)) =
        (std::env::var(CHILD_DB), std::env::var(CHILD_URL), std::env::var(CHILD_BATCH))
    else {
        return; // Not a child: nothing to do in the normal suite.
    };
    let batch: usize = batch.parse().expect("batch size");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let complete = runtime.block_on(async {
        let mut outbox = FileOutbox::open(Path::new(&db));
        let options = DrainOptions {
            initial_batch: batch,
            min_batch: 1,
            max_batch: batch * 2,
            backoff: BackoffPolicy { base: Duration::from_millis(2), cap: Duration::from_millis(20) },
            max_retries: 50,
            blob_concurrency: 2,
            blob_batch_bytes: 1024,
        };
        let mut drainer =
            Drainer::new(client(&url, identity(), Duration::from_secs(5)), options, Jitter::from_entropy());
        let report = drainer.drain(&mut outbox, |_, _| {}).await.expect("outbox works");
        report.remaining == 0 && report.stopped_by.is_none()
    });
    std::process::exit(if complete { 0 } else { EXIT_INCOMPLETE });
}

/// Queues an outbox for one run: several cases, interleaved, some with pages.
fn queue_run(outbox: &FileOutbox, run: u64, jitter: &mut Jitter) -> Vec<OutgoingRecord> {
    let space = 1_000 + run;
    let cases = 3 + jitter.below(5);
    let mut records = Vec::new();
    let mut sequences = vec![0_u64; cases as usize];
    for n in 1..=(20 + jitter.below(30)) {
        let case_number = jitter.below(cases);
        sequences[case_number as usize] += 1;
        let sequence = sequences[case_number as usize];
        let kind = if sequence == 1 {
            OutgoingKind::CaseCreated
        } else if jitter.below(6) == 0 {
            let bytes = format!("page {run}-{n}").into_bytes();
            let (kind, hash) = page(&bytes);
            outbox.store_blob(&hash, &bytes);
            kind
        } else {
            OutgoingKind::Opinion
        };
        let record = record(space, n, case_id(space, case_number), sequence, kind);
        outbox.enqueue(&record);
        records.push(record);
    }
    records
}

fn runs() -> u64 {
    std::env::var("SYNC_KILL_RUNS").ok().and_then(|text| text.parse().ok()).unwrap_or(20)
}

/// The crash points a child is killed at: the drain's, and the test outbox's own inside
/// its confirming transaction.
const PHASES: [&str; 5] = [
    sync::crash::BEFORE_PUSH,
    sync::crash::ANSWERED,
    sync::crash::PAGES_UPLOADED,
    sync::crash::CONFIRMED,
    sync::crash::MID_CONFIRM,
];
/// Kills aimed at a crash point per run, then kills after a random delay, then the child
/// is left to finish.
const AIMED_PER_RUN: u64 = 6;
const TIMED_PER_RUN: u64 = 2;

/// How the child of one start ended.
enum Ended {
    /// Drained everything.
    Finished,
    /// Stopped with records left (the platform gave up for now): start again.
    Incomplete,
    /// Killed itself at the armed crash point, which it named.
    KilledAt(String),
    /// Killed by the harness after a delay.
    KilledAfterDelay,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_chosen_points_every_record_arrives_exactly_once() {
    use std::os::unix::process::ExitStatusExt;

    let seed =
        std::env::var("SYNC_KILL_SEED").ok().and_then(|text| text.parse().ok()).unwrap_or(20_260_302_u64);
    let mut jitter = Jitter::seeded(seed);
    let server = TestServer::start().await.expect("start the stand-in");
    server.platform().register_device(DEVICE, identity().public_key()).expect("register");
    let directory = tempfile::tempdir().expect("temp dir");
    let test_binary = std::env::current_exe().expect("test binary");
    let mut all_records = Vec::new();
    let mut landed = std::collections::BTreeMap::<&str, u64>::new();
    let mut missed = std::collections::BTreeMap::<&str, u64>::new();
    let (mut starts, mut aimed, mut timed, mut timed_landed) = (0_u64, 0_u64, 0_u64, 0_u64);
    // How long an undisturbed child takes, from the finishing starts so far: the timed
    // kills are drawn over it, so that they land instead of arriving after the end.
    let mut typical = Duration::from_millis(100);
    for run in 0..runs() {
        let db = directory.path().join(format!("outbox-{run}.sqlite3"));
        let outbox = FileOutbox::open(&db);
        let records = queue_run(&outbox, run, &mut jitter);
        // A slow platform widens the window between its commit and the child's.
        server.faults().slow(Duration::from_millis(2 + jitter.below(8)));
        let batch = 1 + jitter.below(8);
        let mut finished = false;
        for restart in 0..40_u64 {
            starts += 1;
            let mark = directory.path().join(format!("mark-{run}-{restart}"));
            let target = (restart < AIMED_PER_RUN).then(|| {
                let phase = PHASES[(aimed % PHASES.len() as u64) as usize];
                aimed += 1;
                (phase, 1 + jitter.below(3))
            });
            let delay = (target.is_none() && restart < AIMED_PER_RUN + TIMED_PER_RUN).then(|| {
                timed += 1;
                Duration::from_micros(jitter.below(typical.as_micros() as u64 + 1))
            });
            let mut command = tokio::process::Command::new(&test_binary);
            command
                .args(["--exact", "kill::child_drains_outbox", "--nocapture", "--test-threads=1"])
                .env(CHILD_DB, &db)
                .env(CHILD_URL, server.url())
                .env(CHILD_BATCH, batch.to_string())
                .env(sync::crash::CRASH_MARK, &mark)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true);
            if let Some((phase, hit)) = target {
                command.env(sync::crash::CRASH_AT, format!("{phase}:{hit}"));
            }
            let started = std::time::Instant::now();
            let mut child = command.spawn().expect("spawn child");
            let status = match delay {
                Some(delay) => match tokio::time::timeout(delay, child.wait()).await {
                    Ok(status) => Some(status.expect("wait")),
                    Err(_) => {
                        child.start_kill().expect("kill -9");
                        child.wait().await.expect("reap");
                        None
                    }
                },
                None => Some(child.wait().await.expect("wait")),
            };
            let ended = match status {
                None => Ended::KilledAfterDelay,
                Some(status) if status.signal() == Some(9) => Ended::KilledAt(
                    std::fs::read_to_string(&mark).expect("the point names itself before dying"),
                ),
                Some(status) if status.success() => Ended::Finished,
                Some(status) => {
                    assert_eq!(
                        status.code(),
                        Some(EXIT_INCOMPLETE),
                        "the child failed in run {run} (seed {seed})"
                    );
                    Ended::Incomplete
                }
            };
            match ended {
                Ended::KilledAt(point) => {
                    let (phase, _) = target.expect("only an armed child kills itself");
                    assert_eq!(point, phase, "killed where it was aimed (seed {seed})");
                    *landed.entry(phase).or_default() += 1;
                }
                Ended::KilledAfterDelay => timed_landed += 1,
                Ended::Finished => {
                    if let Some((phase, _)) = target {
                        *missed.entry(phase).or_default() += 1;
                    }
                    if target.is_none() && delay.is_none() {
                        typical = (typical + started.elapsed()) / 2;
                    }
                    finished = true;
                    break;
                }
                Ended::Incomplete => {
                    if let Some((phase, _)) = target {
                        *missed.entry(phase).or_default() += 1;
                    }
                }
            }
        }
        assert!(finished, "run {run} (seed {seed}) never finished");
        let counts = outbox.counts();
        assert_eq!(
            (counts.confirmed, counts.quarantined, counts.queued + counts.sent),
            (records.len() as u64, 0, 0),
            "run {run} (seed {seed}): the outbox must show every record confirmed"
        );
        all_records.extend(records);
    }
    server.faults().slow(Duration::ZERO);
    assert_platform_holds_exactly(&server, &all_records);
    let stats = server.platform().stats().expect("stats");
    assert_eq!(stats.records, all_records.len() as u64, "seed {seed}");
    assert_eq!(stats.conflicts, 0, "a resend after a kill is never a conflict (seed {seed})");
    let by_phase: Vec<String> = PHASES
        .iter()
        .map(|phase| {
            format!(
                "{phase} {} (missed {})",
                landed.get(phase).unwrap_or(&0),
                missed.get(phase).unwrap_or(&0)
            )
        })
        .collect();
    eprintln!(
        "kill harness: {} runs, {} records, {starts} child starts; aimed kills landed: {}; timed kills {timed_landed} of {timed} (over {typical:?}); {} duplicates healed; every record exactly once (seed {seed})",
        runs(),
        all_records.len(),
        by_phase.join(", "),
        stats.duplicates
    );
    // Every phase hit: a few in the short run, at least 20 each in the full one.
    let at_least = if runs() >= 200 { 20 } else { 2 };
    for phase in PHASES {
        let hits = landed.get(phase).copied().unwrap_or(0);
        assert!(hits >= at_least, "{phase} was hit {hits} times, fewer than {at_least} (seed {seed})");
    }
}
