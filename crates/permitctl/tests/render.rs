//! `permitctl render` and `permitctl verify-slip`, run as an operator would, on the
//! documented examples; the PDFs are checked with poppler-utils and zbar-tools
//! (`apt-get install -y poppler-utils zbar-tools`; a missing tool fails the test).

use std::path::{Path, PathBuf};
use std::process::Command;

fn example(file: &str) -> String {
    let path: PathBuf =
        Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("../../docs/examples")
            .join(file);
    path.to_string_lossy().into_owned()
}

fn out_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("permitctl-render").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Runs permitctl, returning the exit code and the JSON printed.
fn permitctl(args: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_permitctl")).args(args).output().expect("run permitctl");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "permitctl {args:?} printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

/// Runs an external tool; a missing one fails with the install command.
fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `{program}` ({e}): apt-get install -y poppler-utils zbar-tools")
    });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn text_of(pdf: &Path) -> String {
    tool("pdftotext", &["-raw", "-enc", "UTF-8", path_str(pdf), "-"])
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .collect()
}

/// The fourth printed document: 不予受理告知书, with every reason, the sentence each rests
/// on, the document applied and room for the office's stamp; refused for an eligible one.
#[test]
fn the_refusal_of_a_not_eligible_applicant_renders_with_its_reasons() {
    let dir = out_dir("refusal");
    let pdf = dir.join("refusal.pdf");
    let case = example("application-not-eligible.json");
    let (code, json) =
        permitctl(&["render", "refusal", "--case", &case, "-o", path_str(&pdf), "--today", "2025-03-10"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["template"]["name"], "refusal");
    let text = text_of(&pdf);
    for expected in
        ["不予受理告知书", "王建国", "不是流动人口", "依据", "建政办函〔2024〕18号", "盖章", "行政复议"]
    {
        assert!(text.contains(expected), "the refusal prints {expected}:\n{text}");
    }
    assert!(!text.contains("补齐材料"), "it asks for no papers:\n{text}");
    let eligible = example("application-complete.json");
    let (code, json) = permitctl(&[
        "render",
        "refusal",
        "--case",
        &eligible,
        "-o",
        path_str(&dir.join("no.pdf")),
        "--today",
        "2025-03-10",
    ]);
    assert_eq!((code, json["error"]["code"].as_str()), (2, Some("REFUSAL_NOT_AVAILABLE")), "{json:#}");
}

#[test]
fn every_document_renders_from_a_bare_record() {
    let dir = out_dir("bare");
    let case = example("application-complete.json");
    for document in ["slip", "form", "notice", "receipt", "review"] {
        let pdf = dir.join(format!("{document}.pdf"));
        let (code, json) =
            permitctl(&["render", document, "--case", &case, "-o", path_str(&pdf), "--today", "2025-03-10"]);
        assert_eq!(code, 0, "render {document}: {json:#}");
        assert_eq!(json["document"], document);
        assert_eq!(json["template"]["name"], document);
        // The form's template gained the list of scanned pages (1.1.0) and moved the
        // standalone 其他 under 连续就读 (1.2.0).
        let version = if document == "form" { "1.2.0" } else { "1.0.0" };
        assert_eq!(json["template"]["version"], version);
        assert_eq!(json["pages"], 1, "{document} is one page");
        assert_eq!(json["warnings"], serde_json::json!([]), "{document}");
        let bytes = std::fs::read(&pdf).expect("the PDF is written");
        assert!(bytes.starts_with(b"%PDF-"), "{document} is a PDF");
        assert_eq!(json["bytes"].as_u64(), Some(bytes.len() as u64));
        let text = text_of(&pdf);
        assert!(text.contains("张伟"), "{document} names the applicant:\n{text}");
        if document == "review" {
            // The 审核单 prints the domain's explanation, rule by rule (a record alone: no pages).
            for expected in [
                "互认转换审核单",
                "居住登记时间",
                "须满6个月",
                "签订劳动合同；参加社会保险",
                "审核人（签名）",
            ] {
                assert!(text.replace(['\n', ' '], "").contains(expected), "{expected}:\n{text}");
            }
        }
    }
    let (_, json) = permitctl(&[
        "render",
        "slip",
        "--case",
        &case,
        "-o",
        path_str(&dir.join("again.pdf")),
        "--today",
        "2025-03-10",
    ]);
    let defaults: Vec<&str> =
        json["defaults"].as_array().expect("defaults").iter().filter_map(|d| d.as_str()).collect();
    for made_up in ["office", "case_number", "clerk", "key", "permit"] {
        assert!(
            defaults.contains(&made_up),
            "a bare record leaves {made_up} to a demo default: {defaults:?}"
        );
    }
}

#[test]
fn slip_from_a_case_file_verifies_from_its_png_and_refuses_a_forgery() {
    let dir = out_dir("slip");
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(example("application-complete.json")).expect("example"),
    )
    .expect("json");
    let case = serde_json::json!({
        "record": record,
        "case_number": "JD-2025-000777",
        "clerk": "李建国",
        "profile": "jiande",
        "date": "2025-03-12",
        "permit": {
            "number": "330182202503120777",
            "issue_date": "2025-03-12",
            "valid_until": null,
            "next_endorsement": {"from": "2026-02-12", "to": "2026-03-11"}
        },
        "slip_options": {"mask_id_number": true, "large_print": true}
    });
    let case_path = dir.join("case.json");
    std::fs::write(&case_path, case.to_string()).expect("write case");
    let pdf = dir.join("slip.pdf");
    let (code, json) = permitctl(&["render", "slip", "--case", path_str(&case_path), "-o", path_str(&pdf)]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        json["defaults"],
        serde_json::json!(["office", "key"]),
        "only the office and key are demo defaults"
    );
    let text = text_of(&pdf);
    for expected in [
        "JD-2025-000777",
        "李建国",
        "330182202503120777",
        "341203********1219",
        "2026年2月12日至2026年3月11日",
    ] {
        assert!(text.contains(expected), "the slip shows {expected}:\n{text}");
    }

    tool("pdftoppm", &["-r", "150", "-png", "-singlefile", path_str(&pdf), path_str(&dir.join("slip"))]);
    let png = dir.join("slip.png");
    let (code, json) = permitctl(&["verify-slip", "--png", path_str(&png)]);
    assert_eq!(code, 0, "the printed slip verifies: {json:#}");
    assert_eq!(json["valid"], true);
    assert_eq!(json["case_number"], "JD-2025-000777");
    assert_eq!(json["name"], "张伟");
    assert_eq!(json["id_number"], "341203********1219");
    assert_eq!(json["permit_number"], "330182202503120777");
    assert_eq!(json["issue_date"], "2025-03-12");
    assert_eq!(json["valid_until"], serde_json::Value::Null);

    let payload = tool("zbarimg", &["--raw", "-q", path_str(&png)]);
    let payload = payload.trim_end();
    let (code, json) = permitctl(&["verify-slip", "--payload", payload]);
    assert_eq!((code, &json["valid"]), (0, &serde_json::json!(true)), "{json:#}");
    let forged = payload.replace("张伟", "张三");
    let (code, json) = permitctl(&["verify-slip", "--payload", &forged]);
    assert_eq!(code, 1, "a changed name fails: {json:#}");
    assert_eq!(json["valid"], false);
    assert_eq!(json["error"]["code"], "SLIP_SIGNATURE_INVALID");
    let other_key = "07".repeat(32);
    let key_file = dir.join("other.key");
    std::fs::write(&key_file, &other_key).expect("write key");
    let (code, json) = permitctl(&["verify-slip", "--payload", payload, "--key", path_str(&key_file)]);
    assert_eq!((code, &json["error"]["code"]), (1, &serde_json::json!("SLIP_OTHER_OFFICE")), "{json:#}");
}

#[test]
fn notice_prints_the_assessment_of_the_record() {
    let dir = out_dir("notice");
    let case = example("application-incomplete.json");
    let pdf = dir.join("notice.pdf");
    let (code, json) = permitctl(&[
        "render",
        "notice",
        "--case",
        &case,
        "-o",
        path_str(&pdf),
        "--profile",
        "jiande",
        "--today",
        "2025-03-10",
    ]);
    assert_eq!(code, 0, "{json:#}");
    let (_, assessment) = permitctl(&["assess", "--profile", "jiande", &case, "--today", "2025-03-10"]);
    let text = text_of(&pdf);
    let items = assessment["items"].as_array().expect("items");
    assert!(!items.is_empty());
    for item in items {
        let message: String =
            item["message"].as_str().expect("message").chars().filter(|ch| !ch.is_whitespace()).collect();
        assert!(text.contains(&message), "the notice lists {}:\n{text}", item["code"]);
    }
}

#[test]
fn receipt_due_date_comes_from_the_working_day_calendar() {
    let dir = out_dir("receipt");
    let pdf = dir.join("receipt.pdf");
    // Accepted 2026-09-30: National Day 10-01..07 pushes the due date to 10-09.
    let case = example("application-complete.json");
    let (code, json) = permitctl(&[
        "render",
        "receipt",
        "--case",
        &case,
        "-o",
        path_str(&pdf),
        "--today",
        "2026-09-30",
        "--profile",
        "jiande",
    ]);
    assert_eq!(code, 0, "{json:#}");
    let text = text_of(&pdf);
    assert!(text.contains("2026年10月9日前（自受理之日起2个工作日内）"), "{text}");
}

#[test]
fn unusable_input_exits_2_with_a_code() {
    let dir = out_dir("errors");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"schema_version": 1, "applicant": {"nmae": "张伟"}}"#).expect("write");
    let (code, json) =
        permitctl(&["render", "form", "--case", path_str(&bad), "-o", path_str(&dir.join("x.pdf"))]);
    assert_eq!((code, &json["error"]["code"]), (2, &serde_json::json!("RECORD_INVALID")), "{json:#}");
    let (code, json) = permitctl(&[
        "render",
        "form",
        "--case",
        path_str(&dir.join("missing.json")),
        "-o",
        path_str(&dir.join("x.pdf")),
    ]);
    assert_eq!((code, &json["error"]["code"]), (2, &serde_json::json!("CASE_FILE_UNREADABLE")), "{json:#}");
    let (code, json) = permitctl(&["verify-slip", "--payload", "hello"]);
    assert_eq!((code, &json["error"]["code"]), (1, &serde_json::json!("SLIP_UNREADABLE")), "{json:#}");
}
