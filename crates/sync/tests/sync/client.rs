//! The client's pieces: URL policy, backoff, skew, probing, decisions, enrolment.

use std::time::Duration;

use platform_api::DecisionKind;
use platform_stub::{StubConfig, TestServer};
use sync::{
    BackoffPolicy, ClientConfig, Connectivity, ConnectivityMonitor, ConnectivityOptions, DeviceIdentity,
    Jitter, OutgoingKind, PlatformClient, SyncError, backoff, check_platform_url, clock_skew_millis,
    pull_decisions,
};

use crate::support::{DEVICE, case_id, client, identity, record, setup};

#[test]
fn plain_http_is_refused_beyond_loopback() {
    for allowed in [
        "https://platform.example.cn",
        "http://127.0.0.1:8787",
        "http://127.9.9.9",
        "http://[::1]:80",
        "http://LOCALHOST:1",
    ] {
        assert!(check_platform_url(allowed).is_ok(), "{allowed} must be allowed");
    }
    for refused in
        ["http://10.0.0.8:8787", "http://platform.example.cn", "http://192.168.1.20", "http://[2001:db8::1]"]
    {
        let error = check_platform_url(refused).expect_err("refused");
        assert!(matches!(error, SyncError::InsecureUrl { .. }), "{refused}: {error:?}");
        assert!(error.to_string().starts_with("refusing plain http to "), "short lowercase message: {error}");
    }
    for invalid in
        ["ftp://127.0.0.1", "not a url", "https://platform.example.cn/api", "https://platform.example.cn?x=1"]
    {
        assert!(matches!(check_platform_url(invalid), Err(SyncError::InvalidUrl { .. })), "{invalid}");
    }
    let error = PlatformClient::new(&ClientConfig::new("http://10.0.0.8"), identity()).expect_err("refused");
    assert!(matches!(error, SyncError::InsecureUrl { .. }), "the client refuses too");
}

#[test]
fn backoff_doubles_within_jittered_bounds_up_to_the_cap() {
    let policy = BackoffPolicy { base: Duration::from_millis(100), cap: Duration::from_secs(5) };
    let mut jitter = Jitter::seeded(11);
    for (attempt, ceiling_millis) in
        [(0, 100), (1, 200), (2, 400), (3, 800), (5, 3200), (6, 5000), (40, 5000)]
    {
        for _ in 0..50 {
            let delay = backoff(&policy, attempt, &mut jitter);
            let ceiling = Duration::from_millis(ceiling_millis);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "attempt {attempt}: {delay:?} not in [{:?}, {ceiling:?}]",
                ceiling / 2
            );
        }
    }
    let sequence =
        |seed| (0..8).map(|attempt| backoff(&policy, attempt, &mut Jitter::seeded(seed))).collect::<Vec<_>>();
    assert_eq!(sequence(5), sequence(5), "the same seed gives the same delays");
    assert_ne!(sequence(5), sequence(6), "different seeds spread counters apart");
}

#[test]
fn clock_skew_uses_the_round_trip_midpoint() {
    assert_eq!(clock_skew_millis(1_000, 1_200, 1_100), 0);
    assert_eq!(clock_skew_millis(1_000, 1_200, 601_100), 600_000);
    assert_eq!(clock_skew_millis(1_000, 1_000, -59_000), -60_000);
}

#[tokio::test]
async fn a_probe_measures_the_skew_and_fixes_signatures() {
    let setup = setup().await;
    setup.server.faults().set_clock_offset(chrono::TimeDelta::minutes(10));
    let client = setup.drainer.client();
    let refused = client.decisions(0, 10).await.expect_err("stale timestamp");
    assert!(
        matches!(&refused, SyncError::Unauthorized { code, .. } if code == "TIMESTAMP_OUT_OF_WINDOW"),
        "a 10-minute skew is outside the window: {refused:?}"
    );
    let mut monitor = ConnectivityMonitor::new(ConnectivityOptions::default(), Jitter::seeded(1));
    let Connectivity::Online { skew_millis, clock_suspect, .. } = monitor.probe(client).await.clone() else {
        panic!("the platform answers");
    };
    assert!((595_000..605_000).contains(&skew_millis), "skew {skew_millis} ms");
    assert!(clock_suspect, "10 minutes is beyond the 2-minute warning");
    assert_eq!(monitor.next_probe_in(), Duration::from_secs(60), "relaxed interval while online");
    client.decisions(0, 10).await.expect("signatures use the corrected clock");
}

#[tokio::test]
async fn probes_back_off_while_offline() {
    let server = TestServer::start().await.expect("start");
    let client = client(&server.url(), identity(), Duration::from_secs(1));
    server.stop().await;
    let options = ConnectivityOptions {
        backoff: BackoffPolicy { base: Duration::from_secs(5), cap: Duration::from_secs(300) },
        ..ConnectivityOptions::default()
    };
    let mut monitor = ConnectivityMonitor::new(options, Jitter::seeded(2));
    assert_eq!(monitor.next_probe_in(), Duration::ZERO, "probe at once when nothing is known");
    let mut waits = Vec::new();
    for failures in 1..=4_u32 {
        let state = monitor.probe(&client).await.clone();
        assert!(
            matches!(state, Connectivity::Offline { failures: counted, .. } if counted == failures),
            "{state:?}"
        );
        waits.push(monitor.next_probe_in());
    }
    for (attempt, wait) in waits.iter().enumerate() {
        let ceiling = Duration::from_secs(5) * (1 << attempt);
        assert!(*wait >= ceiling / 2 && *wait <= ceiling, "wait {attempt}: {wait:?}");
    }
}

#[tokio::test]
async fn decisions_are_pulled_page_by_page_with_a_persisted_cursor() {
    let mut setup = setup().await;
    for case_number in 0..3 {
        let case = case_id(20, case_number);
        setup.outbox.enqueue(&record(
            20,
            case_number + 1,
            case,
            1,
            OutgoingKind::StateChanged { from: "reviewed".to_owned(), to: "approved".to_owned() },
        ));
    }
    setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    setup.server.platform().publish_reference("holidays", "2027.1").expect("publish");
    // The caller's store: decisions and cursor written together.
    let mut stored: Vec<DecisionKind> = Vec::new();
    let mut stored_cursor = 0_u64;
    let report = pull_decisions(setup.drainer.client(), stored_cursor, 2, |page| {
        stored.extend(page.decisions.iter().map(|decision| decision.kind.clone()));
        stored_cursor = page.next_cursor;
        Ok::<(), std::io::Error>(())
    })
    .await
    .expect("pull");
    assert_eq!(report.decisions, 7, "3 permits, 3 SMS, 1 reference update");
    assert!(report.pages >= 4, "pages of 2: {}", report.pages);
    assert_eq!(report.cursor, stored_cursor);
    let permits = stored.iter().filter(|kind| kind.name() == "permit_issued").count();
    assert_eq!(permits, 3);
    let again = pull_decisions(setup.drainer.client(), stored_cursor, 2, |_| Ok::<(), std::io::Error>(()))
        .await
        .expect("pull again");
    assert_eq!((again.decisions, again.cursor), (0, stored_cursor), "nothing new after the stored cursor");
}

#[tokio::test]
async fn a_failing_store_stops_the_pull_and_keeps_the_cursor() {
    let setup = setup().await;
    setup.server.platform().publish_reference("divisions", "2026.2").expect("publish");
    let result =
        pull_decisions(setup.drainer.client(), 0, 10, |_| Err(std::io::Error::other("disk full"))).await;
    assert!(matches!(result, Err(SyncError::Outbox(_))), "{result:?}");
}

#[tokio::test]
async fn a_device_enrols_with_a_one_time_code() {
    let server = TestServer::start_with(StubConfig {
        permit_delay: Duration::ZERO,
        enrolment_codes: vec!["7K4Q-29XD".to_owned()],
    })
    .await
    .expect("start");
    let identity = DeviceIdentity::generate("counter-new").expect("generate");
    let public_key = identity.public_key();
    let client = client(&server.url(), identity, Duration::from_secs(5));
    assert!(matches!(client.decisions(0, 1).await, Err(SyncError::DeviceUnknown { .. })));
    let refused = client.enrol("WRONG", Vec::new()).await.expect_err("wrong code");
    assert!(
        matches!(&refused, SyncError::Rejected { status: 403, code, .. } if code == "ENROLMENT_REFUSED"),
        "{refused:?}"
    );
    // The office's root travels with the enrolment and is pinned then (issue 18).
    let administrator = clerk_signing::ClerkKey::from_secret(&[5; 32]).expect("valid secret");
    let root = administrator.certify_self("admin", true, "2026-03-01T07:30:00.000Z");
    let receipt = client.enrol("7K4Q-29XD", vec![root]).await.expect("enrol");
    assert_eq!(receipt.device_id, "counter-new");
    let keys = server.platform().clerk_keys("counter-new").expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].0.as_str(), keys[0].1.as_str(), keys[0].3),
        ("admin", administrator.public_key(), true)
    );
    assert_eq!(server.platform().device_key("counter-new").expect("key"), Some(public_key));
    client.decisions(0, 1).await.expect("the enrolled device is served");
    assert_ne!(DEVICE, "counter-new");
}

#[test]
fn identities_round_trip_through_their_secret_and_hide_it_in_debug() {
    let identity = DeviceIdentity::generate("counter-1").expect("generate");
    let restored = DeviceIdentity::from_secret("counter-1", &identity.secret_bytes()).expect("restore");
    assert_eq!(identity.public_key(), restored.public_key());
    let debug = format!("{identity:?}");
    assert!(
        debug.contains(&identity.public_key_hex()) && !debug.contains(&hex::encode(*identity.secret_bytes()))
    );
    assert!(matches!(DeviceIdentity::generate("柜台 3"), Err(SyncError::Identity { .. })));
}
