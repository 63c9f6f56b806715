//! `permitctl ledger`: the register of an office's applications for a range of days, run
//! as an administrator would on a real office made through `app`.

mod common;

use common::{office_with_approved_cases, permitctl};

/// `permitctl ledger` of the office in `data` as its administrator: exit code and JSON.
fn ledger(data: &str, from: &str, to: &str) -> (i32, serde_json::Value, String) {
    permitctl(&["ledger", "--dir", data, "--user", "admin", "--from", from, "--to", to])
}

#[test]
fn the_register_of_a_day_lists_its_applications_with_their_counts_and_masks_names_for_an_administrator() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().to_str().expect("UTF-8 path");
    office_with_approved_cases(dir.path(), 3);

    let (code, json, stderr) = ledger(data, "2025-03-10", "2025-03-10");
    assert_eq!(code, 0, "{json:#} {stderr}");
    let lines = json["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 3);
    for line in lines {
        assert_eq!(line["state"], "approved");
        assert_eq!(line["deadline"], "met", "approved the day it was accepted: {line:#}");
        assert_eq!(line["type"], "居住登记时间互认");
        assert_eq!(line["profile"], "330182");
        assert_eq!(line["accepted_by"], "a");
        let name = line["name"].as_str().expect("a name");
        assert!(
            name.chars().skip(1).all(|c| c == '*'),
            "an administrator sees the first character only: {name}"
        );
    }
    let summary = &json["summary"];
    assert_eq!(
        (summary["total"].as_u64(), summary["accepted"].as_u64(), summary["late"].as_u64()),
        (Some(3), Some(3), Some(0))
    );
    assert_eq!(summary["late_percent"], 0.0);
    assert_eq!(summary["by_clerk"], serde_json::json!([{ "label": "a", "count": 3 }]));
    assert_eq!(summary["by_state"], serde_json::json!([{ "label": "已审批", "count": 3 }]));

    // The next day has none; a range that runs backwards is refused with a sentence.
    let (code, json, _) = ledger(data, "2025-03-11", "2025-03-31");
    assert_eq!((code, json["lines"].as_array().map(Vec::len)), (0, Some(0)));
    let (code, json, _) = ledger(data, "2025-03-11", "2025-03-10");
    assert_eq!((code, json["error"]["code"].as_str()), (1, Some("VALIDATION")), "{json:#}");
    assert!(json.to_string().contains("结束日期不能早于开始日期"), "{json:#}");
}

#[test]
fn the_register_is_written_as_a_workbook_and_a_pdf_and_never_over_another_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("office");
    std::fs::create_dir(&data).expect("office folder");
    let data = data.to_str().expect("UTF-8 path");
    office_with_approved_cases(std::path::Path::new(data), 2);
    let out = dir.path().join("stick");
    std::fs::create_dir(&out).expect("stick folder");
    let pdf = out.join("ledger.pdf");
    let args = |pdf: &std::path::Path| {
        vec![
            "ledger".to_owned(),
            "--dir".into(),
            data.into(),
            "--user".into(),
            "admin".into(),
            "--from".into(),
            "2025-03-01".into(),
            "--to".into(),
            "2025-03-31".into(),
            "--xlsx".into(),
            out.to_string_lossy().into_owned(),
            "--pdf".into(),
            pdf.to_string_lossy().into_owned(),
        ]
    };
    let first = args(&pdf);
    let (code, json, stderr) = permitctl(&first.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{json:#} {stderr}");
    let xlsx = std::path::PathBuf::from(json["files"]["xlsx"]["path"].as_str().expect("the workbook's path"));
    assert!(xlsx.starts_with(&out), "{}", xlsx.display());
    let name = xlsx.file_name().expect("name").to_string_lossy().into_owned();
    assert!(name.starts_with("台账_20250301-20250331_") && name.ends_with(".xlsx"), "{name}");
    let bytes = std::fs::read(&xlsx).expect("the workbook is there");
    assert!(bytes.starts_with(b"PK"));
    assert_eq!(json["files"]["xlsx"]["bytes"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(json["files"]["xlsx"]["lines"], 2);
    assert!(std::fs::read(&pdf).expect("the PDF is there").starts_with(b"%PDF"));
    let names: Vec<String> = std::fs::read_dir(&out)
        .expect("listed")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no partial file is left: {names:?}");

    // The same PDF path again: refused, the first file kept as it was.
    let before = std::fs::read(&pdf).expect("PDF");
    let pdf_only: Vec<&str> =
        first[..first.len() - 4].iter().chain(&first[first.len() - 2..]).map(String::as_str).collect();
    assert!(!pdf_only.contains(&"--xlsx"), "{pdf_only:?}");
    let (code, json, _) = permitctl(&pdf_only);
    assert_eq!((code, json["error"]["code"].as_str()), (1, Some("BUNDLE_FILE_EXISTS")), "{json:#}");
    assert_eq!(std::fs::read(&pdf).expect("PDF"), before);
}
