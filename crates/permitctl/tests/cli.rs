//! The `permitctl` binary, run as an operator would run it.

use std::process::Command;

fn permitctl(args: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_permitctl")).args(args).output().expect("run permitctl");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("permitctl {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    });
    (output.status.code().unwrap_or(-1), json)
}

#[test]
fn id_valid_exits_zero_with_decoded_fields() {
    let (code, json) = permitctl(&["id", "11010519491231002x", "--today", "2026-11-21"]);
    assert_eq!(code, 0, "valid number exits 0: {json}");
    assert_eq!(json["valid"], true);
    assert_eq!(json["normalized"], "11010519491231002X", "lowercase x is normalised");
    assert_eq!(json["birth_date"], "1949-12-31");
    assert_eq!(json["gender"], "female");
    assert_eq!(json["region"], "北京市朝阳区", "the address code is named from the shipped divisions");
    assert_eq!(json["region_code"], "110105");
}

#[test]
fn id_invalid_exits_one_with_codes() {
    let (code, json) = permitctl(&["id", "110105194912310021", "--today", "2026-11-21"]);
    assert_eq!(code, 1, "invalid number exits 1: {json}");
    assert_eq!(json["valid"], false);
    assert_eq!(json["errors"][0]["code"], "ID_NUMBER_CHECKSUM");
}

#[test]
fn version_and_about_name_the_schemas_templates_profiles_and_holiday_years() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_permitctl")).arg("--version").output().expect("run permitctl");
    let line = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(output.status.success());
    assert!(line.starts_with(&format!("permitctl 版本 {}", env!("CARGO_PKG_VERSION"))), "{line}");
    assert!(line.contains("数据库结构 ") && line.contains("节假日 2023–"), "{line}");

    let (code, json) = permitctl(&["about"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["database_schema"].as_u64().is_some_and(|schema| schema >= 8), "{json}");
    let templates = json["templates"].as_array().expect("templates");
    assert_eq!(templates.len(), 7, "seven printed documents: {json}");
    assert!(templates.iter().all(|template| template["version"].as_str().is_some_and(|v| !v.is_empty())));
    let counties: Vec<&str> =
        json["profiles"].as_array().expect("profiles").iter().filter_map(|p| p["county"].as_str()).collect();
    assert!(counties.contains(&"330182") && counties.contains(&"330424"), "{counties:?}");
    assert!(json["holiday_years"].as_array().is_some_and(|years| years.iter().any(|y| y["year"] == 2026)));
}
