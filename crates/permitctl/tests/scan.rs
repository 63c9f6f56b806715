//! `permitctl intake` and `permitctl scanners`, run as an operator would.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::process::Command;

fn permitctl(args: &[&str], env: &[(&str, &std::path::Path)]) -> (i32, serde_json::Value) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_permitctl"));
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run permitctl");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("permitctl {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    });
    (output.status.code().unwrap_or(-1), json)
}

#[test]
fn intake_normalises_a_page_and_refuses_bad_files_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.png");
    // A white page with black "text" bars, drawn by ImageMagick (installed with the test tools).
    let drawn = Command::new("convert")
        .args(["-size", "1240x1754", "xc:white", "-fill", "black"])
        .args(["-draw", "rectangle 100,100 1100,140", "-draw", "rectangle 100,200 900,240"])
        .arg(&page)
        .status()
        .expect("run ImageMagick's convert (apt install imagemagick)");
    assert!(drawn.success());
    let out = dir.path().join("page.jpg");
    let (code, json) =
        permitctl(&["intake", page.to_str().unwrap(), "-o", out.to_str().unwrap(), "--mode", "grey"], &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!((json["width"].as_u64(), json["height"].as_u64()), (Some(1240), Some(1754)));
    assert_eq!(json["source_format"], "png");
    let written = std::fs::read(&out).unwrap();
    assert_eq!(json["bytes"].as_u64(), Some(written.len() as u64));
    assert_eq!(&written[..2], &[0xFF, 0xD8], "a JPEG was written");
    assert_eq!(json["sha256"].as_str().map(str::len), Some(64));

    let pdf = dir.path().join("proof.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();
    let (code, json) = permitctl(&["intake", pdf.to_str().unwrap(), "-o", out.to_str().unwrap()], &[]);
    assert_eq!((code, json["error"]["code"].as_str()), (1, Some("SCAN_CORRUPT")), "a damaged PDF: {json}");
    assert!(json["error"]["message"].as_str().unwrap().contains("PDF 文件已损坏"), "{json}");

    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let (code, json) = permitctl(&["intake", empty.to_str().unwrap(), "-o", out.to_str().unwrap()], &[]);
    assert_eq!((code, json["error"]["code"].as_str()), (1, Some("SCAN_EMPTY")), "{json}");
}

#[test]
fn scanners_lists_the_sane_test_device() {
    let config = tempfile::tempdir().unwrap();
    std::fs::write(config.path().join("dll.conf"), "test\n").unwrap();
    if let Ok(test_conf) = std::fs::read("/etc/sane.d/test.conf") {
        std::fs::write(config.path().join("test.conf"), test_conf).unwrap();
    }
    let (code, json) = permitctl(&["scanners"], &[("SANE_CONFIG_DIR", config.path())]);
    assert_eq!(code, 0, "{json} (apt install sane-utils)");
    let names: Vec<&str> = json.as_array().unwrap().iter().filter_map(|d| d["name"].as_str()).collect();
    assert!(names.contains(&"test:0"), "{names:?}");
}
