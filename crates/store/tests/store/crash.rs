//! kill -9 in the middle of saving: a child process (this test binary, re-executed)
//! saves cases in a loop and prints each id after its commit; the parent kills it at
//! random moments (seeded, so a failure can be replayed), reopens the store and checks
//! that every reported case is intact and that no case is half-written.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use store::{CaseId, CaseState, StateChange, Store};

use crate::common::{ADMIN_PASSWORD, at, march, new_store, options, sample_case};

/// Set in the child's environment to the store directory.
const CHILD_ENV: &str = "PERMIT_DESK_STORE_CRASH_CHILD";
/// The full name of the test below, for `--exact`.
const TEST_NAME: &str = "crash::kill_nine_mid_save_leaves_no_half_written_case";
const RUNS: u64 = 10;
const SEED: u64 = 0x5eed_2026_0302;
/// The child stops by itself after this many cases, in case nobody kills it.
const CHILD_MAX_CASES: u32 = 2_000;

/// SplitMix64: a tiny seeded generator, enough to pick kill moments reproducibly.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The child: open the store and save cases until killed, reporting each commit.
fn child_loop(dir: &Path, first_case: u32) {
    let (mut store, admin) =
        Store::open_with_options(dir, "admin", ADMIN_PASSWORD, at(1), options()).expect("child opens");
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // libtest has already printed "test <name> ... " without a newline: start a fresh line.
    writeln!(out, "\nready").expect("report");
    out.flush().expect("flush");
    for n in first_case..first_case + CHILD_MAX_CASES {
        let (mut record, index) = sample_case(n);
        let case_id = store.create_case(&admin, &record, &index, at(2)).expect("create");
        writeln!(out, "created {case_id} {n}").expect("report");
        out.flush().expect("flush");
        // A second save as the clerk keeps typing, then acceptance (event + outbox + audit).
        record["remarks"] = serde_json::json!(format!("draft {n}"));
        store.save_draft(&admin, &case_id, &record, &index, at(3)).expect("save");
        writeln!(out, "saved {case_id} {n}").expect("report");
        out.flush().expect("flush");
        let change = StateChange {
            from: CaseState::Draft,
            to: CaseState::Accepted,
            note: None,
            due_date: Some(march(4)),
            profile: None,
        };
        store.transition(&admin, &case_id, &change, at(4)).expect("accept");
        writeln!(out, "accepted {case_id} {n}").expect("report");
        out.flush().expect("flush");
    }
}

/// What the child reported for one case: its number and the last step committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Created,
    Saved,
    Accepted,
}

/// Runs one child, kills it after `delay`, and returns what it reported.
fn run_child(dir: &Path, first_case: u32, delay: Duration) -> BTreeMap<CaseId, (u32, Step)> {
    let mut child = Command::new(std::env::current_exe().expect("test binary path"))
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .env("PERMIT_DESK_FIRST_CASE", first_case.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let mut stderr = child.stderr.take().expect("child stderr");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let stdout = child.stdout.take().expect("child stdout");
    let (sender, receiver) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line == "ready" => break,
            Ok(_) => {}
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = stderr_reader.join().unwrap_or_default();
                panic!("the child never became ready ({error}); its stderr:\n{stderr}");
            }
        }
    }
    std::thread::sleep(delay);
    child.kill().expect("SIGKILL the child");
    child.wait().expect("reap the child");
    reader.join().expect("reader thread");
    drop(stderr_reader);
    let mut reported = BTreeMap::new();
    for line in receiver.try_iter() {
        let mut words = line.split_whitespace();
        let step = match words.next() {
            Some("created") => Step::Created,
            Some("saved") => Step::Saved,
            Some("accepted") => Step::Accepted,
            _ => continue,
        };
        let (Some(id), Some(n)) = (words.next(), words.next()) else { continue };
        reported.insert(id.parse().expect("case id"), (n.parse().expect("case number"), step));
    }
    reported
}

/// Checks, with raw SQL over every case, that nothing is half-written.
fn assert_no_half_written_case(store: &Store) {
    let conn = store.raw_connection();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).expect(sql) };
    assert_eq!(
        count(
            "SELECT count(*) FROM cases c WHERE NOT EXISTS
                 (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.from_state IS NULL AND e.to_state = 'draft')"
        ),
        0,
        "every case has its creation event"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM cases c WHERE c.state <>
                 (SELECT e.to_state FROM case_events e WHERE e.case_id = c.id ORDER BY e.id DESC LIMIT 1)"
        ),
        0,
        "every case is in the state of its last event"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM cases c WHERE
                 (SELECT count(*) FROM outbox o WHERE o.case_id = c.id) <>
                 (SELECT count(*) FROM case_events e WHERE e.case_id = c.id) - 1"
        ),
        0,
        "every state change has its outbox item"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM cases c WHERE
                 (SELECT count(*) FROM audit a WHERE a.case_uuid = c.uuid AND a.action = 'case_state_changed') <>
                 (SELECT count(*) FROM case_events e WHERE e.case_id = c.id) - 1"
        ),
        0,
        "every state change is audited"
    );
    assert_eq!(count("SELECT count(*) FROM outbox WHERE event_id IS NULL"), 0);
}

#[test]
fn kill_nine_mid_save_leaves_no_half_written_case() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        let first_case =
            std::env::var("PERMIT_DESK_FIRST_CASE").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
        child_loop(Path::new(&dir), first_case);
        return;
    }
    let (dir, store, _) = new_store();
    store.close().unwrap();
    let mut random = SplitMix(SEED);
    let mut all_reported = BTreeMap::new();
    for run in 0..RUNS {
        let delay = Duration::from_millis(20 + random.next() % 250);
        let first_case = u32::try_from(run).unwrap() * CHILD_MAX_CASES;
        let reported = run_child(dir.path(), first_case, delay);
        let (mut store, admin) = Store::open_with_options(
            dir.path(),
            "admin",
            ADMIN_PASSWORD,
            at(10),
            options(),
        )
        .unwrap_or_else(|error| {
            panic!(
                "run {run} (seed {SEED:#x}, delay {delay:?}): the store must reopen after kill -9: {error}"
            )
        });
        for (case_id, (n, step)) in &reported {
            let case =
                store.read_case(case_id).unwrap_or_else(|error| panic!("run {run}: case {n} lost: {error}"));
            let (created_record, _) = sample_case(*n);
            let mut saved_record = created_record.clone();
            saved_record["remarks"] = serde_json::json!(format!("draft {n}"));
            // A step may have committed after the last report (killed before printing),
            // never the other way round.
            match step {
                Step::Accepted => {
                    assert_eq!(case.state, CaseState::Accepted, "run {run}: case {n} lost its acceptance");
                    assert_eq!(case.record, saved_record, "run {run}: case {n}");
                }
                Step::Saved => {
                    assert_eq!(case.record, saved_record, "run {run}: case {n} lost its second save")
                }
                Step::Created => {
                    if case.state == CaseState::Accepted || case.record != created_record {
                        assert_eq!(
                            case.record, saved_record,
                            "run {run}: case {n} has a record never written"
                        );
                    }
                }
            }
        }
        assert_no_half_written_case(&store);
        assert!(store.audit_verify().unwrap().is_intact(), "run {run}: the audit chain survives kill -9");
        store.check_integrity().unwrap_or_else(|error| panic!("run {run}: {error}"));
        let _ = store.worklist(store::Worklist::AwaitingReview, march(3), 10).unwrap();
        store.logout(&admin, at(11)).unwrap();
        store.close().unwrap();
        all_reported.extend(reported);
    }
    assert!(all_reported.len() >= RUNS as usize, "the children committed cases before being killed");
}
