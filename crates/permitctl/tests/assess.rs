//! `permitctl assess` and `permitctl profiles` on the documented examples, run as an
//! operator would run them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn example(file: &str) -> String {
    let path: PathBuf =
        Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("../../docs/examples")
            .join(file);
    path.to_string_lossy().into_owned()
}

/// Runs permitctl with `args` (and `stdin`), returning the exit code and the JSON printed.
fn permitctl(args: &[&str], stdin: Option<&str>) -> (i32, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_permitctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run permitctl");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.unwrap_or_default().as_bytes()).expect("write stdin");
    drop(pipe);
    let output = child.wait_with_output().expect("wait for permitctl");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("permitctl {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    });
    (output.status.code().unwrap_or(-1), json)
}

fn codes(json: &serde_json::Value) -> Vec<&str> {
    json["items"].as_array().expect("items").iter().map(|item| item["code"].as_str().expect("code")).collect()
}

#[test]
fn complete_application_is_accepted_with_exit_zero() {
    let file = example("application-complete.json");
    for profile in ["330182", "建德", "建德市", "jiande"] {
        let (code, json) = permitctl(&["assess", "--profile", profile, &file, "--today", "2025-03-10"], None);
        assert_eq!(code, 0, "accepted under {profile} exits 0: {json:#}");
        assert_eq!(json["decision"], "accept");
        assert_eq!(json["items"], serde_json::json!([]), "nothing to notify");
        assert_eq!(json["profile"]["county"], "330182", "--profile {profile} picks Jiande");
        assert_eq!(json["profile"]["document"], "建政办函〔2024〕18号");
        assert_eq!(json["profile"]["effective"], "2024-06-17");
        assert_eq!(json["today"], "2025-03-10");
    }
}

#[test]
fn existing_permit_example_is_accepted_in_haiyan() {
    let (code, json) = permitctl(
        &[
            "assess",
            "--profile",
            "haiyan",
            &example("application-existing-permit.json"),
            "--today",
            "2025-03-10",
        ],
        None,
    );
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["profile"]["document"], "盐政办发〔2024〕10号");
}

#[test]
fn incomplete_application_gets_the_whole_notice_with_exit_one() {
    let (code, json) = permitctl(
        &["assess", "--profile", "330182", &example("application-incomplete.json"), "--today", "2025-03-10"],
        None,
    );
    assert_eq!(code, 1, "a notice exits 1: {json:#}");
    assert_eq!(json["decision"], "notice");
    assert_eq!(
        codes(&json),
        ["PHONE_NUMBER_INVALID", "OTHER_DESCRIPTION_MISSING", "GUARDIAN_MISSING", "DECLARATION_NOT_SIGNED"],
        "every problem at once"
    );
    for item in json["items"].as_array().expect("items") {
        assert!(!item["field"].as_str().unwrap_or_default().is_empty(), "each item names its field: {item}");
        assert!(!item["message"].as_str().unwrap_or_default().is_empty(), "each item has a sentence: {item}");
        assert_eq!(item["kind"], "materials", "papers the applicant can bring: {item}");
    }
}

/// The third answer (docs/application-record.md): 不符合互认条件, every reason with the
/// sentence it rests on; exit 1 like a notice, because the case cannot be accepted.
#[test]
fn a_local_applicant_is_not_eligible_with_exit_one() {
    let (code, json) = permitctl(
        &["assess", "--profile", "建德", &example("application-not-eligible.json"), "--today", "2025-03-10"],
        None,
    );
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["decision"], "not_eligible");
    assert_eq!(codes(&json), ["LOCAL_APPLICANT"]);
    let reason = &json["items"][0];
    assert_eq!(reason["kind"], "eligibility");
    assert!(reason["basis"].as_str().unwrap_or_default().contains("流动人口"), "{reason}");
    assert_eq!(json["profile"]["implements_recognition"], true);
    // Under the provincial default a county without its own document cannot accept.
    let (code, json) = permitctl(
        &["assess", "--profile", "province", &example("application-complete.json"), "--today", "2025-03-10"],
        None,
    );
    assert_eq!((code, json["decision"].as_str()), (1, Some("not_eligible")), "{json:#}");
    assert_eq!(codes(&json)[0], "RECOGNITION_NOT_IMPLEMENTED");
}

#[test]
fn the_same_record_under_another_county_or_date() {
    let file = example("application-complete.json");
    let (code, json) = permitctl(&["assess", "--profile", "海盐", &file, "--today", "2025-03-10"], None);
    assert_eq!(
        (code, codes(&json)),
        (1, vec!["CURRENT_ADDRESS_OUTSIDE_COUNTY"]),
        "a Jiande resident is not Haiyan's: {json:#}"
    );
    let (code, json) = permitctl(&["assess", "--profile", "jiande", &file, "--today", "2024-06-16"], None);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(codes(&json)[0], "PROFILE_NOT_IN_FORCE", "the measures start on 2024-06-17");
}

#[test]
fn record_on_stdin() {
    let text = std::fs::read_to_string(example("application-complete.json")).expect("read example");
    let (code, json) =
        permitctl(&["assess", "--profile", "jiande", "-", "--today", "2025-03-10"], Some(&text));
    assert_eq!(code, 0, "{json:#}");
}

#[test]
fn bad_input_exits_two_with_a_clear_message() {
    let cases: [(&[&str], Option<&str>, &str); 5] = [
        (&["assess", "--profile", "jiande", "/nonexistent/record.json"], None, "RECORD_FILE_UNREADABLE"),
        (&["assess", "--profile", "jiande", "-"], Some("{not json"), "RECORD_INVALID"),
        (&["assess", "--profile", "jiande", "-"], Some(r#"{"schema_version": 3}"#), "RECORD_INVALID"),
        (
            &["assess", "--profile", "jiande", "-"],
            Some(r#"{"schema_version": 1, "applicant": {"nmae": "张伟"}}"#),
            "RECORD_INVALID",
        ),
        (&["assess", "--profile", "上海", "-"], Some(r#"{"schema_version": 1}"#), "PROFILE_UNKNOWN"),
    ];
    for (args, stdin, expected) in cases {
        let (code, json) = permitctl(args, stdin);
        assert_eq!(code, 2, "{args:?} {stdin:?} is bad input: {json:#}");
        assert_eq!(json["error"]["code"], expected, "{args:?} {stdin:?}");
        assert!(
            !json["error"]["message"].as_str().unwrap_or_default().is_empty(),
            "the message says what is wrong"
        );
    }
    let (_, json) = permitctl(
        &["assess", "--profile", "jiande", "-"],
        Some(r#"{"schema_version": 1, "applicant": {"nmae": "张伟"}}"#),
    );
    assert!(
        json["error"]["message"].as_str().unwrap_or_default().contains("nmae"),
        "the message names the bad key: {json:#}"
    );
    let (_, json) = permitctl(&["assess", "--profile", "上海", "-"], Some(r#"{"schema_version": 1}"#));
    assert!(
        json["error"]["message"].as_str().unwrap_or_default().contains("330182 建德市"),
        "the message lists the known profiles: {json:#}"
    );
}

#[test]
fn profiles_lists_every_county_with_its_document() {
    let (code, json) = permitctl(&["profiles"], None);
    assert_eq!(code, 0, "{json:#}");
    let profiles = json.as_array().expect("an array");
    let row = |county: &str| {
        profiles
            .iter()
            .find(|p| p["county"] == county)
            .unwrap_or_else(|| panic!("{county} is listed: {json:#}"))
    };
    assert_eq!(row("330182")["document"], "建政办函〔2024〕18号");
    assert_eq!(row("330424")["effective"], "2024-07-04");
    assert_eq!(row("331121")["name"], "青田县");
    assert_eq!(
        (row("330105")["draft"].clone(), row("330105")["effective"].clone()),
        (true.into(), serde_json::Value::Null),
        "Gongshu is an undated draft"
    );
    assert_eq!(row("330000")["document"], "浙政办发〔2023〕41号");
    assert_eq!(profiles.len(), 5);
}

#[test]
fn explain_lists_every_rule_with_what_was_checked() {
    let file = example("application-complete.json");
    let (code, json) =
        permitctl(&["assess", "--profile", "jiande", &file, "--today", "2025-03-10", "--explain"], None);
    assert_eq!(code, 0, "{json:#}");
    let rules = json["explanation"].as_array().expect("an explanation");
    let keys: Vec<&str> = rules.iter().filter_map(|rule| rule["key"].as_str()).collect();
    assert_eq!(
        keys,
        [
            "policy",
            "applicant",
            "residence",
            "registration_time",
            "employment",
            "residence_evidence",
            "study",
            "declaration"
        ]
    );
    let registration = rules.iter().find(|rule| rule["key"] == "registration_time").expect("registration");
    assert_eq!(registration["outcome"], "met");
    assert_eq!(
        registration["sentence"],
        "在浙江省内连续累计居住登记12个月1日（2024年3月1日至今，共2段），最长中断9日，不超过30日；须满6个月。"
    );
    let employment = rules.iter().find(|rule| rule["key"] == "employment").expect("employment");
    assert_eq!(employment["sentence"], "签订劳动合同；参加社会保险。", "a record alone has no pages to name");

    let (_, plain) = permitctl(&["assess", "--profile", "jiande", &file, "--today", "2025-03-10"], None);
    assert!(plain.get("explanation").is_none(), "only when asked");
}
