//! Our half of `scripts/bench-print-vs-libreoffice.sh`: the tests' 张伟 slip, timed the way a
//! process that prints one slip pays for it (start → font parsed → first PDF on disk) and the
//! way the running app pays for it (font already parsed: median of RUNS renders).
//!
//! `cargo run --release -p print --example slip_vs_libreoffice -- OUT.pdf [RUNS]` writes the
//! slip to OUT.pdf and prints `key=value` lines for the script.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::record::ApplicationRecord;
use domain::reference::{Divisions, EthnicGroups};
use print::{
    EndorsementWindow, Fonts, Names, OfficeInfo, PermitInfo, Renderer, SlipData, Templates, demo_signing_key,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: slip_vs_libreoffice OUT.pdf [RUNS]")?;
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30).max(1);

    let names = Names {
        divisions: Some(Divisions::parse(
            include_str!("../../../assets/reference/divisions.csv"),
            include_str!("../../../assets/reference/divisions-historical.csv"),
        )?),
        ethnic_groups: Some(EthnicGroups::parse(include_str!(
            "../../../assets/reference/ethnic-groups.csv"
        ))?),
    };
    let renderer = Renderer::new(Fonts::embedded()?, Templates::embedded()?).with_names(names);
    let mut record =
        ApplicationRecord::from_json(include_str!("../../../docs/examples/application-complete.json"))?;
    record.application_number = "JD-2025-000123".to_owned();
    let slip = SlipData {
        case_number: "JD-2025-000123".to_owned(),
        permit: PermitInfo {
            number: "330182202503120123".to_owned(),
            issue_date: day(2025, 3, 12),
            valid_until: None,
            next_endorsement: Some(EndorsementWindow { from: day(2026, 2, 12), to: day(2026, 3, 11) }),
        },
        office: OfficeInfo::demo()?,
        clerk: "李建国".to_owned(),
        printed_on: day(2025, 3, 12),
        options: Default::default(),
    };
    let key = demo_signing_key();

    let first = renderer.render_slip(&record, &slip, &key)?;
    std::fs::write(&out, &first.bytes)?;
    let cold = started.elapsed();

    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let render_started = Instant::now();
        let document = renderer.render_slip(&record, &slip, &key)?;
        times.push(render_started.elapsed());
        drop(document);
    }
    times.sort();
    println!("cold_process_ms={:.1}", ms(cold));
    println!("render_median_ms={:.1}", ms(times[times.len() / 2]));
    println!("render_max_ms={:.1}", ms(times[times.len() - 1]));
    println!("runs={runs}");
    println!("bytes={}", first.bytes.len());
    println!("pages={}", first.pages);
    Ok(())
}
