//! The office server under twenty desks at once (issue 17, docs/office-server.md step 6):
//! each desk a clerk of its own, logged in, opening cases and saving each draft three
//! times as a clerk typing would, and reading its worklist after each case, all against
//! one server on loopback over the real encrypted office.
//!
//! `cargo test` runs it for three seconds and checks that nothing a desk was told was
//! saved is missing and nothing is there twice; `make bench-server` runs it for a minute
//! in release and prints the save's and the worklist's latencies (BENCHMARKS.md).

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use app::office::Roles;
use serde_json::json;
use server::ServerConfig;
use support::{ADMIN_PASSWORD, Desk, options, random_below, record};

/// What the desks did.
#[derive(Default)]
struct Run {
    saves: Vec<Duration>,
    worklists: Vec<Duration>,
    /// Every case a desk was told it saved.
    cases: Vec<String>,
    /// The cases in the office afterwards.
    stored: BTreeSet<String>,
    elapsed: Duration,
}

/// How the desks' requests are spread in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arrivals {
    /// Every desk waits exactly `pause` after each answer, all starting together: the
    /// twenty desks stay in step and press 保存 in the same millisecond each round (the
    /// worst case; no counter works so).
    Lockstep,
    /// Each desk starts at a random moment within the first `pause` and then waits a
    /// random time between none and twice `pause` (the same mean): twenty clerks typing
    /// independently.
    Independent,
}

impl Arrivals {
    /// The wait after a request (and before the first, for `Independent`).
    fn wait(self, pause: Duration) -> Duration {
        match self {
            Arrivals::Lockstep => pause,
            Arrivals::Independent => {
                let millis = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX);
                Duration::from_millis(random_below(millis.saturating_mul(2).max(1)))
            }
        }
    }
}

/// `pause`: each desk's mean wait after each request (a clerk typing); zero saturates
/// the server.
async fn run(desks: usize, for_time: Duration, pause: Duration, arrivals: Arrivals) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<(String, String)> =
        (1..=desks).map(|n| (format!("d{n:02}"), format!("受理员{n:02}"))).collect();
    let clerks: Vec<(&str, &str, Roles)> =
        names.iter().map(|(user, name)| (user.as_str(), name.as_str(), Roles::ACCEPT)).collect();
    let office = support::office_with(dir.path(), &clerks);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let server = server::serve(listener, office, ServerConfig::default()).unwrap();
    let (url, ca) = (server.url(), server.ca_pem().to_owned());

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (user, _) in names {
        let (url, ca) = (url.clone(), ca.clone());
        tasks.spawn(async move {
            let mut desk = Desk::new(&url, &ca);
            desk.first_log_in(&user).await;
            if arrivals == Arrivals::Independent && !pause.is_zero() {
                let millis = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX);
                tokio::time::sleep(Duration::from_millis(random_below(millis))).await;
            }
            let mut done = Run::default();
            let deadline = Instant::now() + for_time;
            let mut record = record();
            while Instant::now() < deadline {
                let case_id = desk.ok("new_case", json!({})).await.as_str().unwrap().to_owned();
                for typed in ["", "（临时）", "（已核对）"] {
                    record["remarks"] = json!(format!("{user}{typed}"));
                    let at = Instant::now();
                    desk.ok("save_draft", json!({ "caseId": case_id, "record": record })).await;
                    done.saves.push(at.elapsed());
                    tokio::time::sleep(arrivals.wait(pause)).await;
                }
                done.cases.push(case_id);
                let at = Instant::now();
                desk.ok("worklist", json!({ "list": "drafts" })).await;
                done.worklists.push(at.elapsed());
                tokio::time::sleep(arrivals.wait(pause)).await;
            }
            done
        });
    }
    let mut all = Run::default();
    while let Some(done) = tasks.join_next().await {
        let done = done.unwrap();
        all.saves.extend(done.saves);
        all.worklists.extend(done.worklists);
        all.cases.extend(done.cases);
    }
    all.elapsed = started.elapsed();
    server.stop().await.unwrap().close().unwrap();

    let (store, _) = store::Store::open_with_options(
        dir.path(),
        "admin",
        ADMIN_PASSWORD,
        wire::commands::now(),
        options(),
    )
    .unwrap();
    let mut query = store.raw_connection().prepare("SELECT uuid FROM cases").unwrap();
    all.stored = query.query_map([], |row| row.get::<_, String>(0)).unwrap().map(Result::unwrap).collect();
    all
}

fn percentile(values: &mut [Duration], p: f64) -> Duration {
    values.sort();
    let rank = ((values.len() as f64) * p).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// Every case a desk was told it saved is in the office, once; nothing else is.
fn nothing_lost_or_doubled(run: &Run) {
    let told: BTreeSet<String> = run.cases.iter().cloned().collect();
    assert_eq!(told.len(), run.cases.len(), "no id handed out twice");
    assert_eq!(run.stored, told, "the office holds exactly the cases the desks saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_desks_at_once_lose_and_double_nothing() {
    let run = run(20, Duration::from_secs(3), Duration::ZERO, Arrivals::Lockstep).await;
    assert!(run.cases.len() >= 20, "every desk saved a case: {}", run.cases.len());
    nothing_lost_or_doubled(&run);
}

/// `make bench-server`: a minute (SERVER_LOAD_SECONDS) of twenty desks, each waiting
/// SERVER_LOAD_PAUSE_MS after each request (0: as fast as the server answers), in step
/// (SERVER_LOAD_ARRIVALS=lockstep) or independently (the default), the figures printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: make bench-server"]
async fn twenty_desks_for_a_minute() {
    let seconds = std::env::var("SERVER_LOAD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let pause = std::env::var("SERVER_LOAD_PAUSE_MS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let arrivals = match std::env::var("SERVER_LOAD_ARRIVALS").as_deref() {
        Ok("lockstep") => Arrivals::Lockstep,
        _ => Arrivals::Independent,
    };
    let mut run = run(20, Duration::from_secs(seconds), Duration::from_millis(pause), arrivals).await;
    nothing_lost_or_doubled(&run);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (saves, lists) = (run.saves.len(), run.worklists.len());
    let save =
        (percentile(&mut run.saves, 0.5), percentile(&mut run.saves, 0.99), percentile(&mut run.saves, 1.0));
    let list = (
        percentile(&mut run.worklists, 0.5),
        percentile(&mut run.worklists, 0.99),
        percentile(&mut run.worklists, 1.0),
    );
    eprintln!(
        "20 desks, {pause} ms between requests ({arrivals:?}), {:.0} s: {} cases, {saves} saves ({:.0}/s), {lists} worklists\n  save      p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms\n  worklist  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        run.elapsed.as_secs_f64(),
        run.cases.len(),
        saves as f64 / run.elapsed.as_secs_f64(),
        ms(save.0),
        ms(save.1),
        ms(save.2),
        ms(list.0),
        ms(list.1),
        ms(list.2),
    );
}
