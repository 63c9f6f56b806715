//! kill -9 in the middle of saving: a child process (this test binary, re-executed)
//! saves cases in a loop and prints each id after its commit; the parent kills it at
//! random moments (seeded, so a failure can be replayed), reopens the store and checks
//! that every reported case is intact and that no case is half-written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use store::{CaseId, CaseState, StateChange, Store};

use crate::common::{ADMIN_PASSWORD, Child, SplitMix, at, march, new_store, options, sample_case};

/// Set in the child's environment to the store directory.
const CHILD_ENV: &str = "PERMIT_DESK_STORE_CRASH_CHILD";
/// The full name of the test below, for `--exact`.
const TEST_NAME: &str = "crash::kill_nine_mid_save_leaves_no_half_written_case";
const RUNS: u64 = 10;
const SEED: u64 = 0x5eed_2026_0302;
/// The child stops by itself after this many cases, in case nobody kills it.
const CHILD_MAX_CASES: u32 = 2_000;

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
    let mut child =
        Child::start(TEST_NAME, CHILD_ENV, dir, &[("PERMIT_DESK_FIRST_CASE", first_case.to_string())]);
    child.wait_for("ready");
    std::thread::sleep(delay);
    child.process.kill().expect("SIGKILL the child");
    child.process.wait().expect("reap the child");
    child.reader.join().expect("reader thread");
    let mut reported = BTreeMap::new();
    for line in child.lines.try_iter() {
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
