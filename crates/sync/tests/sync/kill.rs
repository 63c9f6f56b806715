//! The kill -9 harness: a child process drains an outbox file to the stand-in; the parent
//! kills it with SIGKILL at random moments (seeded), restarts it, and at the end checks on
//! the platform that every record arrived exactly once, in order per case, and that the
//! outbox agrees (everything confirmed, nothing quarantined).
//!
//! The child is this test binary run again with `SYNC_KILL_CHILD_*` variables set, filtered
//! to [`child_drains_outbox`]; without them that test does nothing. Runs: 20 by default,
//! `SYNC_KILL_RUNS=200` for the full suite; `SYNC_KILL_SEED` replays a failing seed.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_every_record_arrives_exactly_once() {
    let seed =
        std::env::var("SYNC_KILL_SEED").ok().and_then(|text| text.parse().ok()).unwrap_or(20_260_302_u64);
    let mut jitter = Jitter::seeded(seed);
    let server = TestServer::start().await.expect("start the stand-in");
    server.platform().register_device(DEVICE, identity().public_key()).expect("register");
    let directory = tempfile::tempdir().expect("temp dir");
    let test_binary = std::env::current_exe().expect("test binary");
    let mut all_records = Vec::new();
    let (mut kills, mut starts) = (0_u64, 0_u64);
    for run in 0..runs() {
        let db = directory.path().join(format!("outbox-{run}.sqlite3"));
        let outbox = FileOutbox::open(&db);
        let records = queue_run(&outbox, run, &mut jitter);
        // A slow platform widens the window between its commit and the child's.
        server.faults().slow(Duration::from_millis(2 + jitter.below(8)));
        let batch = 1 + jitter.below(8);
        let mut finished = false;
        for restart in 0..40 {
            starts += 1;
            let mut child = tokio::process::Command::new(&test_binary)
                .args(["--exact", "kill::child_drains_outbox", "--nocapture", "--test-threads=1"])
                .env(CHILD_DB, &db)
                .env(CHILD_URL, server.url())
                .env(CHILD_BATCH, batch.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("spawn child");
            // After many kills, let it finish so every run ends.
            let kill_after =
                if restart < 30 { Some(Duration::from_millis(80 + jitter.below(250))) } else { None };
            let status = match kill_after {
                Some(delay) => match tokio::time::timeout(delay, child.wait()).await {
                    Ok(status) => status.expect("wait"),
                    Err(_) => {
                        child.start_kill().expect("kill -9");
                        kills += 1;
                        child.wait().await.expect("reap");
                        continue;
                    }
                },
                None => child.wait().await.expect("wait"),
            };
            if status.success() {
                finished = true;
                break;
            }
            assert_eq!(status.code(), Some(EXIT_INCOMPLETE), "the child failed in run {run} (seed {seed})");
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
    eprintln!(
        "kill harness: {} runs, {} records, {starts} child starts, {kills} kills, {} duplicates healed (seed {seed})",
        runs(),
        all_records.len(),
        stats.duplicates
    );
}
