//! `permitctl deadline`, run as an operator would run it.

use std::path::PathBuf;
use std::process::Command;

/// A made-up 2027 table; NOT the official 2027 arrangement.
const UPDATE_2027: &str = r#"{"years": {"2027": {
    "source": "test fixture, not an official notice",
    "holidays": ["2027-01-01"], "adjusted_working_days": []}}}"#;

fn permitctl(args: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_permitctl")).args(args).output().expect("run permitctl");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("permitctl {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    });
    (output.status.code().unwrap_or(-1), json)
}

/// A file in the temp directory, unique to this test process, deleted on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("permitctl-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Asserts a successful answer: exit 0 and `{"accepted", "working_days", "due"}`.
fn check_due(args: &[&str], accepted: &str, working_days: u32, due: &str, why: &str) {
    let (code, json) = permitctl(args);
    assert_eq!(code, 0, "{why}: exits 0: {json}");
    let expected = serde_json::json!({
        "accepted": accepted, "working_days": working_days, "due": due,
        "estimated_years": [], "estimate_note": null,
    });
    assert_eq!(json, expected, "{why}");
}

/// Asserts a refusal: the exit code and the error code, with a Chinese message.
fn check_error(args: &[&str], exit_code: i32, error_code: &str, why: &str) {
    let (code, json) = permitctl(args);
    assert_eq!(code, exit_code, "{why}: exit code: {json}");
    assert_eq!(json["error"]["code"], error_code, "{why}: {json}");
    let message = json["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{why}: Chinese message: {message}"
    );
}

#[test]
fn default_is_two_working_days() {
    check_due(&["deadline", "--accepted", "2026-09-30"], "2026-09-30", 2, "2026-10-09", "National Day 2026");
    check_due(
        &["deadline", "--accepted", "2026-02-13"],
        "2026-02-13",
        2,
        "2026-02-24",
        "Spring Festival 2026 with the adjusted Saturday",
    );
    check_due(
        &["deadline", "--accepted", "2025-01-24", "--working-days", "1"],
        "2025-01-24",
        1,
        "2025-01-26",
        "Sun 2025-01-26 is a working day",
    );
}

/// A counter must accept on 31 December before next year's arrangement is published: the
/// deadline is estimated (Monday to Friday) and says so, instead of failing.
#[test]
fn an_uncovered_year_is_estimated_and_says_so() {
    let (code, json) = permitctl(&["deadline", "--accepted", "2026-12-31"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["due"], "2027-01-04", "Fri 01-01 and Mon 01-04 counted as working days: {json}");
    assert_eq!(json["estimated_years"], serde_json::json!([2027]));
    let note = json["estimate_note"].as_str().unwrap_or_default();
    assert!(note.contains("2027年节假日安排尚未载入"), "{note}");
}

#[test]
fn an_update_file_adds_the_missing_year() {
    let update = TempFile::new("holidays-2027.json", UPDATE_2027);
    check_due(
        &["deadline", "--accepted", "2026-12-31", "--holidays", update.path()],
        "2026-12-31",
        2,
        "2027-01-05",
        "2027 merged from the file",
    );
}

#[test]
fn bad_update_files_exit_two() {
    let broken = TempFile::new("broken.json", r#"{"years": {"2027": {"source": "x"}}}"#);
    check_error(
        &["deadline", "--accepted", "2026-12-31", "--holidays", broken.path()],
        2,
        "CALENDAR_TABLE_INVALID",
        "an update file without its date lists",
    );
    check_error(
        &["deadline", "--accepted", "2026-12-31", "--holidays", "/nonexistent/holidays.json"],
        2,
        "CALENDAR_FILE_UNREADABLE",
        "a missing update file",
    );
}
