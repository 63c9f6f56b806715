//! What a clerk's signature costs: signing a step (on the counter, inside the step's
//! transaction) and verifying one (on the platform, for every step it receives), each
//! `N` times (default 2,000), p50/p99. `cargo run --release -p clerk-signing --example sign_bench`.

#![allow(clippy::print_stdout, reason = "a benchmark prints its report")]

use std::time::{Duration, Instant};

use clerk_signing::{ClerkKey, NO_PREVIOUS, Step, record_digest};

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |share: f64| samples[((samples.len() as f64 * share) as usize).min(samples.len() - 1)];
    (at(0.5).as_secs_f64() * 1e6, at(0.99).as_secs_f64() * 1e6)
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|text| text.parse().ok()).unwrap_or(2_000);
    let key = ClerkKey::from_secret(&[7; 32]).expect("a valid secret");
    let record = serde_json::json!({ "applicant": { "name": "测试", "id_number": "330102199003071234" }, "schema_version": 2 });
    let digest = record_digest(&record);
    let case_ids: Vec<String> = (0..rounds).map(|n| format!("0190a1b2-0000-7000-8000-{n:012}")).collect();
    let mut signing = Vec::with_capacity(rounds);
    let mut signatures = Vec::with_capacity(rounds);
    for case_id in &case_ids {
        let step = Step {
            case_id,
            from: "accepted",
            to: "reviewed",
            at: "2026-12-05T08:00:00.000Z",
            username: "li",
            record: &digest,
            previous: NO_PREVIOUS,
        };
        let started = Instant::now();
        let signature = key.sign_step(&step);
        signing.push(started.elapsed());
        signatures.push(signature);
    }
    let mut verifying = Vec::with_capacity(rounds);
    for (case_id, signature) in case_ids.iter().zip(&signatures) {
        let started = Instant::now();
        signature.verify(case_id, "accepted", "reviewed", "2026-12-05T08:00:00.000Z").expect("verifies");
        verifying.push(started.elapsed());
    }
    let mut digesting = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        std::hint::black_box(record_digest(std::hint::black_box(&record)));
        digesting.push(started.elapsed());
    }
    for (label, samples) in
        [("sign a step", signing), ("verify a step", verifying), ("record digest", digesting)]
    {
        let (p50, p99) = percentiles(samples);
        println!("{label:<16} p50 {p50:>8.1} µs   p99 {p99:>8.1} µs   ({rounds} rounds)");
    }
}
