//! `permitctl assess`: the one-time notice for an application record, as the counter
//! would give it.
//!
//! Prints `{"decision", "today", "profile": {county, name, document, effective, draft,
//! implements_recognition}, "items": [{code, field, message, kind, basis?}]}`. The
//! decision is `accept`, `notice` (materials to bring: 一次性告知) or `not_eligible`
//! (不符合互认条件: every item of kind `eligibility` is a reason, with the sentence it rests
//! on in `basis`). Exit status: 0 when the case can be accepted, 1 for a notice or a
//! not-eligible answer, 2 when the input cannot be used (file unreadable, not a record of
//! a known schema version, unknown profile), printed as `{"error": {"code", "message"}}`
//! with the message also on stderr. With `--explain`, `explanation` lists every rule as
//! `{key, title, outcome: met|not_met|not_applicable, sentence}`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use app::assess::{self, AssessError};
use app::domain::assessment::Decision;
use chrono::NaiveDate;
use serde_json::json;

/// Arguments of `permitctl assess`.
#[derive(clap::Args)]
pub struct Args {
    /// The county whose rules apply: a code (330182), a name (建德市, 建德) or an alias (jiande).
    #[arg(long)]
    profile: String,
    /// The application record as JSON (docs/application-record.md); `-` reads stdin.
    file: PathBuf,
    /// The assessment (acceptance) date, YYYY-MM-DD (default: today, UTC+8).
    #[arg(long)]
    today: Option<NaiveDate>,
    /// Also explain each rule: what was checked and whether it is met (`explanation`).
    #[arg(long)]
    explain: bool,
}

/// Runs the command and prints its JSON answer.
pub fn run(args: &Args) -> ExitCode {
    let text = match read(&args.file) {
        Ok(text) => text,
        Err(error) => {
            return fail(
                "RECORD_FILE_UNREADABLE",
                format!("无法读取申请表文件 {}：{error}", args.file.display()),
            );
        }
    };
    let record = match assess::parse_record(&text) {
        Ok(record) => record,
        Err(error) => return fail_assess(&error, &args.file),
    };
    let today = args.today.unwrap_or_else(app::clock::today);
    match assess::explain(&record, &args.profile, today) {
        Ok((report, rules)) => {
            let mut out = json!({
                "decision": report.assessment.decision,
                "today": today,
                "profile": report.profile,
                "items": report.assessment.items,
            });
            if args.explain {
                out["explanation"] = json!(rules);
            }
            println!("{out:#}");
            match report.assessment.decision {
                Decision::Accept => ExitCode::SUCCESS,
                Decision::Notice | Decision::NotEligible => ExitCode::from(1),
            }
        }
        Err(error) => fail_assess(&error, &args.file),
    }
}

fn read(path: &PathBuf) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

fn fail_assess(error: &AssessError, file: &std::path::Path) -> ExitCode {
    match error {
        AssessError::Record(source) => {
            fail("RECORD_INVALID", format!("申请表文件 {} 不是有效的申请表 JSON（{source}）", file.display()))
        }
        AssessError::UnknownProfile { query, known } => {
            fail("PROFILE_UNKNOWN", format!("没有名为“{query}”的县（市、区）政策配置；可用的有：{known}"))
        }
        AssessError::Profile { file, source } => {
            fail("PROFILE_INVALID", format!("内置政策配置 {file} 有误（{source}）"))
        }
    }
}

fn fail(code: &str, message: String) -> ExitCode {
    eprintln!("permitctl assess: {message}");
    println!("{:#}", json!({ "error": { "code": code, "message": message } }));
    ExitCode::from(2)
}
