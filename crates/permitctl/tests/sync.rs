//! `permitctl outbox` and `permitctl sync`, run as an operator would, against the
//! stand-in platform on loopback. The office and its approved case are made through `app`
//! (there is no case command), then closed; permitctl opens it with the password.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

mod common;

use common::{ENROLMENT_CODE, office_with_approved_cases, permitctl};
use platform_stub::{StubConfig, TestServer};

#[test]
fn outbox_lists_the_queue_and_sync_drains_it_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    office_with_approved_cases(dir.path(), 1);
    let data_dir = dir.path().to_str().unwrap();

    let (code, json, _) = permitctl(&["outbox", "--dir", data_dir, "--user", "admin"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["queued_count"], 3);
    assert_eq!(json["queued"][0]["summary"], "状态变更：草稿 → 已受理");
    assert_eq!(json["queued"][0]["status"], "queued");
    assert_eq!(json["quarantined"], serde_json::json!([]));

    // Nowhere to send to: exit 1, the problem named, nothing lost.
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let dead = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    drop(listener);
    let (code, json, _) =
        permitctl(&["sync", "--platform", &dead, "--dir", data_dir, "--user", "admin", "--retries", "0"]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["problem"]["code"], "PLATFORM_UNREACHABLE");
    assert_eq!(json["outbox"]["queued"], 3);
    // Plain http to anything but loopback is refused before a request is made.
    let (code, json, _) =
        permitctl(&["sync", "--platform", "http://10.0.0.1:8787", "--dir", data_dir, "--user", "admin"]);
    assert_eq!(
        (code, &json["problem"]["code"]),
        (1, &serde_json::json!("PLATFORM_URL_INSECURE")),
        "{json:#}"
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let config = StubConfig {
        permit_delay: std::time::Duration::from_secs(60),
        enrolment_codes: vec![ENROLMENT_CODE.to_owned()],
    };
    let server = runtime.block_on(TestServer::start_with(config)).unwrap();
    let url = server.url();
    let (code, json, stderr) = permitctl(&[
        "sync",
        "--platform",
        &url,
        "--dir",
        data_dir,
        "--user",
        "admin",
        "--enrolment-code",
        ENROLMENT_CODE,
    ]);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    assert_eq!((json["confirmed"].as_u64(), json["remaining"].as_u64()), (Some(3), Some(0)), "{json:#}");
    assert_eq!(json["problem"], serde_json::Value::Null);
    assert!(stderr.contains("已处理 3/3"), "progress lines on stderr: {stderr}");
    assert_eq!(server.platform().records().unwrap().len(), 3);
    let device = json["device_id"].as_str().unwrap().to_owned();
    assert!(device.starts_with("330182-jiande-01-"), "{device}");

    let (code, json, _) = permitctl(&["outbox", "--data-dir", data_dir, "--user", "admin"]);
    assert_eq!(code, 0);
    assert_eq!((json["queued_count"].as_u64(), json["device_id"].as_str()), (Some(0), Some(device.as_str())));
    assert!(json["last_success_at"].is_string(), "{json:#}");
    drop(server);
}
