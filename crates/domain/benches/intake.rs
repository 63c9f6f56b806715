//! Benchmarks of the intake hot paths: the ID-number check (run on every keystroke that
//! completes 18 characters) and the full assessment of an application (run as the clerk
//! types). `cargo bench -p domain`; figures go to BENCHMARKS.md.
//!
//! A plain harness (no extra crate): each case runs in batches until about a second has
//! passed, and the median of the batch means is reported.

#![allow(clippy::print_stdout, missing_docs, reason = "a benchmark prints its figures")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::{assessment, id_number, profile::PolicyProfile, record::ApplicationRecord};

fn measure(name: &str, mut body: impl FnMut()) {
    const BATCH: u32 = 1_000;
    let mut means = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) || means.len() < 5 {
        let batch_start = Instant::now();
        for _ in 0..BATCH {
            body();
        }
        means.push(batch_start.elapsed() / BATCH);
    }
    means.sort();
    let median = means[means.len() / 2];
    println!(
        "{name:<44} median {:>9.2} µs  ({} batches of {BATCH})",
        median.as_secs_f64() * 1e6,
        means.len()
    );
}

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
    measure("id_number::check (valid)", || {
        black_box(id_number::check(black_box("11010519491231002X"), today)).ok();
    });
    measure("id_number::check (bad check digit)", || {
        black_box(id_number::check(black_box("110105194912310021"), today)).ok();
    });

    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let record_text = std::fs::read_to_string(format!("{root}/docs/examples/application-complete.json"))
        .expect("example record");
    let record = ApplicationRecord::from_json(&record_text).expect("record parses");
    let profile_text =
        std::fs::read_to_string(format!("{root}/assets/profiles/330182-jiande.json")).expect("profile");
    let profile = PolicyProfile::from_json(&profile_text).expect("profile parses");
    measure("assessment::assess (complete, Jiande)", || {
        black_box(assessment::assess(black_box(&record), &profile, today));
    });
    measure("ApplicationRecord::from_json (complete)", || {
        black_box(ApplicationRecord::from_json(black_box(&record_text))).ok();
    });
}
