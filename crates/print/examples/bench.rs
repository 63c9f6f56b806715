//! Render time and file size of each document, with the font parsed once.
//!
//! `cargo run --release -p print --example bench [-- RUNS]` prints one Markdown table
//! (median and slowest of RUNS renders, default 30, after one warm-up) and the cost of
//! parsing the font, which a running app pays once. The cases are the tests' 张伟 record
//! (docs/examples/application-complete.json) and the incomplete example's notice.

#![allow(clippy::print_stdout, reason = "a benchmark prints its table")]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::assessment::{assess, explain};
use domain::profile::PolicyProfile;
use domain::record::ApplicationRecord;
use domain::reference::{Divisions, EthnicGroups};
use print::{
    EndorsementWindow, Fonts, LedgerCounts, LedgerRow, LedgerSheet, Names, NoticeData, OfficeInfo,
    PermitInfo, PrintError, ReceiptData, RejectionData, RenderedDocument, Renderer, ReviewData, ReviewLine,
    SlipData, Templates, demo_signing_key,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn median(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

/// A register of `lines` made-up applications over December 2026.
fn ledger(lines: usize) -> LedgerSheet {
    let outcomes = ["已受理", "已签发", "不予受理", "已一次性告知"];
    let rows: Vec<LedgerRow> = (0..lines)
        .map(|index| LedgerRow {
            application_number: format!("33018201-202612{:02}-{:04}", 1 + index % 28, index + 1),
            name: format!("申请人{index}"),
            id_number: "341203********1219".to_owned(),
            recognition_type: "居住登记时间互认".to_owned(),
            profile: "建德市 建政办函〔2024〕18号".to_owned(),
            submitted_on: day(2026, 12, 1 + (index % 28) as u32),
            decided_on: (index % 2 == 0).then(|| day(2026, 12, 2 + (index % 27) as u32)),
            outcome: outcomes[index % outcomes.len()].to_owned(),
            deadline: "按期办结".to_owned(),
            accepted_by: "李建国".to_owned(),
        })
        .collect();
    LedgerSheet {
        office: "建德市公安局新安江派出所".to_owned(),
        from: day(2026, 12, 1),
        to: day(2026, 12, 31),
        counts: LedgerCounts {
            total: lines,
            accepted: lines / 2,
            late: 0,
            late_percent: Some(0.0),
            by_state: outcomes.iter().map(|label| ((*label).to_owned(), lines / 4)).collect(),
            by_type: vec![("居住登记时间互认".to_owned(), lines)],
            by_deadline: vec![("按期办结".to_owned(), lines / 2)],
            by_clerk: vec![("李建国".to_owned(), lines / 2)],
        },
        rows,
        truncated: false,
        printed_on: day(2027, 1, 2),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30).max(1);

    let mut parse_times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let fonts = Fonts::embedded()?;
        parse_times.push(started.elapsed());
        drop(fonts);
    }
    let (parse_median, parse_max) = median(parse_times);

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
    let record =
        ApplicationRecord::from_json(include_str!("../../../docs/examples/application-complete.json"))?;
    let incomplete =
        ApplicationRecord::from_json(include_str!("../../../docs/examples/application-incomplete.json"))?;
    let profile = PolicyProfile::from_json(include_str!("../../../assets/profiles/330182-jiande.json"))?;
    let assessment = assess(&incomplete, &profile, day(2025, 3, 10));
    let office = OfficeInfo::demo()?;
    let key = demo_signing_key();
    let mut slip = SlipData {
        case_number: "JD-2025-000123".to_owned(),
        permit: PermitInfo {
            number: "330182202503120123".to_owned(),
            issue_date: day(2025, 3, 12),
            valid_until: None,
            next_endorsement: Some(EndorsementWindow { from: day(2026, 2, 12), to: day(2026, 3, 11) }),
        },
        office: office.clone(),
        clerk: "李建国".to_owned(),
        printed_on: day(2025, 3, 12),
        options: Default::default(),
    };
    let mut large = slip.clone();
    large.options.large_print = true;
    slip.options.large_print = false;
    let notice = NoticeData {
        case_number: String::new(),
        office: office.clone(),
        clerk: "李建国".to_owned(),
        date: day(2025, 3, 10),
    };
    let rejection = RejectionData {
        case_number: "JD-2025-000123".to_owned(),
        office: office.clone(),
        clerk: "赵审批".to_owned(),
        date: day(2025, 3, 12),
        accepted_on: day(2025, 3, 10),
        document: format!("{}《{}》", profile.document.number, profile.document.title),
    };
    let rejected_because = vec![
        "经核查，原《浙江省居住证》已于2024年12月注销，不能作为现有证件申请互认".to_owned(),
        "申请人在本县无居住登记记录".to_owned(),
    ];
    let receipt = ReceiptData {
        case_number: "JD-2025-000123".to_owned(),
        office,
        clerk: "李建国".to_owned(),
        accepted_on: day(2025, 3, 10),
        due: day(2025, 3, 12),
        working_days: 2,
        due_note: None,
    };

    let accepted = assess(&record, &profile, day(2025, 3, 10));
    let review = ReviewData {
        case_number: "JD-2025-000123".to_owned(),
        policy: format!("{}（{}）", profile.county.name, profile.document.number),
        assessed_on: day(2025, 3, 10),
        decision: accepted.decision.label().to_owned(),
        lines: explain(&record, &profile, day(2025, 3, 10), &accepted, None)
            .into_iter()
            .map(|rule| ReviewLine {
                title: rule.title,
                outcome: rule.outcome.label().to_owned(),
                sentence: rule.sentence,
            })
            .collect(),
        unscanned: Some(Vec::new()),
        printed_on: day(2025, 3, 12),
    };

    let month = ledger(600);
    type Render<'a> = Box<dyn Fn() -> Result<RenderedDocument, PrintError> + 'a>;
    let documents: Vec<(&str, Render<'_>)> = vec![
        ("slip", Box::new(|| renderer.render_slip(&record, &slip, &key))),
        ("slip (large print)", Box::new(|| renderer.render_slip(&record, &large, &key))),
        ("form (Annex 1)", Box::new(|| renderer.render_form(&record))),
        ("notice (5 items)", Box::new(|| renderer.render_notice(&incomplete, &assessment, &notice))),
        ("receipt", Box::new(|| renderer.render_receipt(&record, &receipt))),
        ("review sheet", Box::new(|| renderer.render_review(&record, &review))),
        (
            "rejection (2 reasons)",
            Box::new(|| renderer.render_rejection(&record, &rejected_because, &rejection)),
        ),
        ("台账 (a month, 600 lines)", Box::new(|| renderer.render_ledger(&month))),
    ];

    println!(
        "Font parse (embedded 16 MB Noto Sans CJK SC, once per process): median {parse_median:.1?}, max {parse_max:.1?}"
    );
    println!();
    println!("| document | median | slowest | size | pages |");
    println!("|---|---|---|---|---|");
    for (name, render) in &documents {
        let warm = render()?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let document = render()?;
            times.push(started.elapsed());
            drop(document);
        }
        let (median, slowest) = median(times);
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} KB | {} |",
            median.as_secs_f64() * 1000.0,
            slowest.as_secs_f64() * 1000.0,
            warm.bytes.len() as f64 / 1024.0,
            warm.pages
        );
    }
    println!();
    println!(
        "{runs} renders each after one warm-up; `cargo run --release -p print --example bench -- {runs}`."
    );

    // The longest register the app makes (5,000 lines), as a PDF and as a workbook, and
    // the month as a workbook: fewer runs, these take longer.
    let longest = ledger(5000);
    let heavy = runs.div_ceil(10).max(3);
    println!();
    println!("| register | median | slowest | size |");
    println!("|---|---|---|---|");
    type Bytes<'a> = Box<dyn Fn() -> Result<Vec<u8>, PrintError> + 'a>;
    let registers: Vec<(&str, Bytes<'_>)> = vec![
        (
            "台账 PDF, 5,000 lines",
            Box::new(|| renderer.render_ledger(&longest).map(|document| document.bytes)),
        ),
        ("台账 xlsx, 600 lines", Box::new(|| renderer.ledger_xlsx(&month))),
        ("台账 xlsx, 5,000 lines", Box::new(|| renderer.ledger_xlsx(&longest))),
    ];
    for (name, make) in &registers {
        let size = make()?.len();
        let mut times = Vec::with_capacity(heavy);
        for _ in 0..heavy {
            let started = Instant::now();
            drop(make()?);
            times.push(started.elapsed());
        }
        let (median, slowest) = median(times);
        println!(
            "| {name} | {:.0} ms | {:.0} ms | {:.1} KB |",
            median.as_secs_f64() * 1000.0,
            slowest.as_secs_f64() * 1000.0,
            size as f64 / 1024.0
        );
    }
    println!();
    println!("{heavy} runs each after one warm-up.");
    Ok(())
}
