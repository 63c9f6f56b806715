//! The kill -9 harness against the office's real encrypted store: `permitctl sync` (the
//! same `app::sync` the window's sync thread runs) drains an office with approved cases to
//! the stand-in on loopback and is killed with SIGKILL at random moments — while opening
//! the store, marking attempts, applying decisions, recording confirmations — then started
//! again. At the end of each run, on the platform every case has its four records
//! (accepted, reviewed, approved, issued) exactly once and in order; in the office every
//! case is issued, nothing is queued or quarantined, and the audit chain verifies.
//!
//! Runs: 3 by default (CI), `PERMITCTL_KILL_RUNS=200` for the full suite;
//! `PERMITCTL_KILL_SEED` replays a failing seed.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use app::cases::{self, CaseState};
use app::office::Office;
use common::{ENROLMENT_CODE, PASSWORD, office_with_approved_cases};
use platform_stub::{StubConfig, TestServer};

struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

fn sync_command(url: &str, dir: &Path, code: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_permitctl"));
    command
        .args(["sync", "--platform", url, "--dir", dir.to_str().unwrap(), "--user", "admin"])
        .args(["--enrolment-code", code, "--retries", "3"])
        .env("PERMITCTL_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Starts `permitctl sync` and kills it after `after` unless it ended first. True if killed.
fn sync_killed_after(url: &str, dir: &Path, code: &str, after: Duration) -> bool {
    let mut child = sync_command(url, dir, code).spawn().unwrap();
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    true
}

/// Every case issued and nothing left in the office's queue.
fn office_settled(dir: &Path, ids: &[app::cases::CaseId]) -> bool {
    let now = app::clock::now().to_utc();
    let mut office = Office::open(dir, "admin", PASSWORD, now).unwrap();
    let queued = app::sync::sync_status(&office).unwrap().queued;
    let issued =
        ids.iter().all(|id| cases::get_case(&mut office, id, now).unwrap().state == CaseState::Issued);
    office.close().unwrap();
    queued == 0 && issued
}

#[test]
fn killing_the_sync_at_random_points_loses_nothing_and_sends_nothing_twice() {
    let runs = env_number("PERMITCTL_KILL_RUNS", 3);
    let seed = env_number("PERMITCTL_KILL_SEED", 0x5eed_0001);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let config = StubConfig {
        permit_delay: Duration::from_millis(20),
        // One code per run: each run's office is a new device.
        enrolment_codes: (0..runs).map(|run| format!("{ENROLMENT_CODE}-{run}")).collect(),
    };
    let server = runtime.block_on(TestServer::start_with(config)).unwrap();
    let url = server.url();
    let mut random = SplitMix(seed);
    let mut kills = 0;
    for run in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let ids = office_with_approved_cases(dir.path(), 2 + random.below(3) as usize);
        let code = format!("{ENROLMENT_CODE}-{run}");
        // A few syncs killed at random moments, then syncs left to finish.
        for _ in 0..2 + random.below(5) {
            if sync_killed_after(&url, dir.path(), &code, Duration::from_millis(random.below(150))) {
                kills += 1;
            }
        }
        let mut settled = false;
        for _ in 0..40 {
            let status = sync_command(&url, dir.path(), &code).status().unwrap();
            assert!(status.code().is_some(), "run {run} (seed {seed}): the sync itself crashed: {status:?}");
            if office_settled(dir.path(), &ids) {
                settled = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(settled, "run {run} (seed {seed}): the office never settled");

        // The platform holds each case's four records exactly once, in order.
        let ours: HashSet<uuid::Uuid> = ids.iter().map(|id| *id.as_uuid()).collect();
        let records: Vec<_> =
            server.platform().records().unwrap().into_iter().filter(|r| ours.contains(&r.case_id)).collect();
        let unique: HashSet<_> = records.iter().map(|record| record.record_id).collect();
        assert_eq!(unique.len(), records.len(), "run {run} (seed {seed}): a record stored twice");
        let mut per_case: HashMap<uuid::Uuid, Vec<u64>> = HashMap::new();
        for record in &records {
            per_case.entry(record.case_id).or_default().push(record.sequence);
        }
        for (case, sequences) in &per_case {
            assert_eq!(sequences.len(), 4, "run {run} (seed {seed}): case {case} has {sequences:?}");
            assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]), "in order: {sequences:?}");
        }
        assert_eq!(per_case.len(), ids.len(), "run {run} (seed {seed}): every case reached the platform");
        let office = Office::open(dir.path(), "admin", PASSWORD, app::clock::now().to_utc()).unwrap();
        assert!(app::audit::verify(&office).unwrap().is_intact(), "run {run} (seed {seed}): audit chain");
        assert!(app::sync::quarantined(&office).unwrap().is_empty(), "run {run}: nothing quarantined");
        office.close().unwrap();
    }
    eprintln!("{runs} runs, {kills} syncs killed mid-way (seed {seed})");
}
