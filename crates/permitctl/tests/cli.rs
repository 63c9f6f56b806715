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
