//! `permitctl bundle export | import`, run as an operator would, with the stand-in
//! platform's database on the other side of the "air gap": the full round trip, a repeated
//! import that changes nothing, and a tampered file refused in Chinese.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

mod common;

use std::path::Path;
use std::time::Duration as StdDuration;

use common::{at, office_with_approved_cases, permitctl};
use platform_stub::{Platform, StubConfig};

/// An office in `dir` with one approved case (three queued records), its device
/// registered on `platform`.
fn office_with_an_approved_case(dir: &Path, platform: &Platform) {
    office_with_approved_cases(dir, 1);
    let mut office = app::office::Office::open(dir, "admin", common::PASSWORD, at(8)).unwrap();
    let device = app::sync::device_identity(&mut office, Some("counter-airgap"), at(8)).unwrap();
    let mut key = [0_u8; 32];
    hex::decode_to_slice(&device.public_key_hex, &mut key).unwrap();
    platform.register_device(&device.device_id, key).unwrap();
    office.close().unwrap();
}

/// The stand-in's database and an office beside it in `dir`, its approved case queued and
/// its device registered with the stand-in.
fn platform_and_office(dir: &std::path::Path) -> (Platform, std::path::PathBuf) {
    let platform = Platform::open(
        &dir.join("stub.sqlite3"),
        StubConfig { permit_delay: StdDuration::ZERO, enrolment_codes: Vec::new() },
    )
    .unwrap();
    let office_dir = dir.join("office");
    office_with_an_approved_case(&office_dir, &platform);
    (platform, office_dir)
}

#[test]
fn export_answer_import_round_trip_and_a_tampered_answer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (platform, office_dir) = platform_and_office(dir.path());
    let data_dir = office_dir.to_str().unwrap();
    let key = platform.public_key_hex().unwrap();
    let export_path = dir.path().join("export.pdb");
    let answer_path = dir.path().join("answer.pdb");
    let office = ["--dir", data_dir, "--user", "admin"];

    let export = export_path.to_str().unwrap();
    let (code, json, stderr) =
        permitctl(&[&["bundle", "export", "-o", export, "--platform-key", &key][..], &office[..]].concat());
    assert_eq!(code, 0, "{json:#} {stderr}");
    assert_eq!((json["records"].as_u64(), json["pages"].as_u64()), (Some(3), Some(0)), "{json:#}");
    assert!(stderr.contains("已导出 3 条"), "{stderr}");

    // The platform's side: ingest, answer (what `platform-stub bundle-answer` does).
    let answer = platform.answer_bundle(&std::fs::read(&export_path).unwrap()).unwrap();
    std::fs::write(&answer_path, &answer.file).unwrap();
    let answer_file = answer_path.to_str().unwrap();
    let import = |file: &str| {
        permitctl(&[&["bundle", "import", file, "--platform-key", &key][..], &office[..]].concat())
    };
    let (code, json, _) = import(answer_file);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!((json["confirmed"].as_u64(), json["decisions"].as_u64()), (Some(3), Some(2)), "{json:#}");
    assert!(json["issued"][0]["permit_number"].as_str().unwrap().starts_with("3300"));

    // Again: nothing new.
    let (code, json, _) = import(answer_file);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        (json["confirmed"].as_u64(), json["decisions"].as_u64(), json["skipped"].as_u64()),
        (Some(0), Some(0), Some(3)),
        "{json:#}"
    );

    // One byte flipped: refused in Chinese, exit 1.
    let mut tampered = answer.file.clone();
    let position = tampered.len() - 100;
    tampered[position] ^= 0x80;
    let tampered_path = dir.path().join("tampered.pdb");
    std::fs::write(&tampered_path, &tampered).unwrap();
    let (code, json, _) = import(tampered_path.to_str().unwrap());
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(rule(&json), "BUNDLE_DAMAGED", "{json:#}");
    assert!(json["error"]["message"].as_str().unwrap().contains("已被改动或损坏"), "{json:#}");

    // The 签发 step is the only record left, for the next export.
    let (code, json, _) = permitctl(&[&["outbox"][..], &office[..]].concat());
    assert_eq!(code, 0);
    assert_eq!(json["queued_count"], 1, "{json:#}");
}

/// `permitctl platform-key set | show`, then `bundle export | import` without
/// `--platform-key`: the kept key is used, and a flag that disagrees with it is refused.
#[test]
fn the_kept_platform_key_is_used_and_a_disagreeing_flag_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (platform, office_dir) = platform_and_office(dir.path());
    let data_dir = office_dir.to_str().unwrap();
    let office = ["--dir", data_dir, "--user", "admin"];
    let key = platform.public_key_hex().unwrap();
    let other = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let export_path = dir.path().join("export.pdb");
    let export = export_path.to_str().unwrap();

    let (code, json, _) = permitctl(&[&["platform-key", "show"][..], &office[..]].concat());
    assert_eq!((code, &json["public_key"]), (0, &serde_json::Value::Null), "{json:#}");
    let (code, json, _) = permitctl(&[&["bundle", "export", "-o", export][..], &office[..]].concat());
    assert_eq!((code, rule(&json)), (1, "PLATFORM_KEY_MISSING"), "{json:#}");

    let (code, json, stderr) = permitctl(&[&["platform-key", "set", &key][..], &office[..]].concat());
    assert_eq!(code, 0, "{json:#}");
    assert_eq!((json["public_key"].as_str(), json["changed"].as_bool()), (Some(key.as_str()), Some(true)));
    let fingerprint = json["fingerprint"].as_str().unwrap().to_owned();
    assert!(stderr.contains(&fingerprint), "{stderr}");
    let (code, json, _) = permitctl(&[&["platform-key", "set", other][..], &office[..]].concat());
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(rule(&json), "PLATFORM_KEY_REPLACE_UNCONFIRMED");
    let (code, json, _) = permitctl(&[&["platform-key", "show"][..], &office[..]].concat());
    assert_eq!((code, json["fingerprint"].as_str()), (0, Some(fingerprint.as_str())), "{json:#}");

    let (code, json, _) =
        permitctl(&[&["bundle", "export", "-o", export, "--platform-key", other][..], &office[..]].concat());
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(rule(&json), "PLATFORM_KEY_MISMATCH");
    assert!(json["error"]["message"].as_str().unwrap().contains("不一致"), "{json:#}");
    assert!(!export_path.exists(), "nothing written for the wrong platform");

    let (code, json, _) = permitctl(&[&["bundle", "export", "-o", export][..], &office[..]].concat());
    assert_eq!((code, json["records"].as_u64()), (0, Some(3)), "{json:#}");
    let (code, json, _) = permitctl(&[&["bundle", "export", "-o", export][..], &office[..]].concat());
    assert_eq!((code, &json["error"]["code"]), (1, &serde_json::json!("BUNDLE_FILE_EXISTS")), "{json:#}");

    let answer = platform.answer_bundle(&std::fs::read(&export_path).unwrap()).unwrap();
    let answer_path = dir.path().join("answer.pdb");
    std::fs::write(&answer_path, &answer.file).unwrap();
    let answer_file = answer_path.to_str().unwrap();
    let (code, json, _) = permitctl(&[&["bundle", "import", answer_file][..], &office[..]].concat());
    assert_eq!((code, json["confirmed"].as_u64()), (0, Some(3)), "{json:#}");
    let (code, json, _) =
        permitctl(&[&["bundle", "import", answer_file, "--platform-key", &key][..], &office[..]].concat());
    assert_eq!(
        (code, json["confirmed"].as_u64(), json["skipped"].as_u64()),
        (0, Some(0), Some(3)),
        "{json:#}"
    );
}

/// A refusal of the input is `VALIDATION`, as in the window; the rule that refused it is
/// the first field problem's code.
fn rule(json: &serde_json::Value) -> &str {
    assert_eq!(json["error"]["code"], "VALIDATION", "{json:#}");
    json["error"]["fields"][0]["code"].as_str().unwrap_or_default()
}
