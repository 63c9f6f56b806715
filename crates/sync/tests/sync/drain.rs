//! Draining an outbox file to the stand-in: the happy path and each fault.

use std::time::Duration;

use platform_api::code;
use sync::{DeviceIdentity, Drainer, Jitter, OutgoingKind, QuarantineReason, SyncError};

use crate::support::{
    assert_platform_holds_exactly, case_id, client, fast_options, page, queue_cases, record, setup,
    setup_with,
};

#[tokio::test]
async fn happy_path_confirms_every_record_once_with_progress() {
    let mut setup = setup().await;
    let mut records = queue_cases(&setup.outbox, 1, 4, 5);
    for (n, bytes) in [(101_u64, b"page one".as_slice()), (102, b"page two".as_slice())] {
        let (kind, hash) = page(bytes);
        setup.outbox.store_blob(&hash, bytes);
        let record = record(1, n, case_id(1, 0), 100 + n, kind);
        setup.outbox.enqueue(&record);
        records.push(record);
    }
    let mut calls = Vec::new();
    let report =
        setup.drainer.drain(&mut setup.outbox, |done, total| calls.push((done, total))).await.expect("drain");
    assert!(report.stopped_by.is_none(), "nothing stops a healthy drain: {:?}", report.stopped_by);
    assert_eq!((report.confirmed, report.duplicates, report.quarantined, report.remaining), (22, 0, 0, 0));
    assert_eq!((report.sent, report.errors, report.blobs_uploaded), (22, 0, 2));
    assert_eq!(setup.outbox.counts().confirmed, 22);
    assert_platform_holds_exactly(&setup.server, &records);
    assert!(
        setup.server.platform().has_blob(&page(b"page one").1).expect("blob"),
        "pages reach the platform"
    );
    assert_eq!(calls.first(), Some(&(0, 22)), "progress starts at zero of the total");
    assert_eq!(calls.last(), Some(&(22, 22)), "progress ends at the total");
    assert!(calls.windows(2).all(|pair| pair[0].0 <= pair[1].0), "progress never goes back: {calls:?}");
    assert!(setup.drainer.batch_size() > 8, "batches grow after successes");
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let mut setup = setup().await;
    let records = queue_cases(&setup.outbox, 2, 3, 3);
    setup.server.faults().fail_next(3);
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(report.stopped_by.is_none());
    assert_eq!((report.errors, report.confirmed, report.remaining), (3, 9, 0), "three 503s, then everything");
    assert_platform_holds_exactly(&setup.server, &records);
}

#[tokio::test]
async fn a_timeout_shrinks_the_batch_and_the_resend_is_harmless() {
    let mut setup = setup_with(Duration::from_millis(300), fast_options()).await;
    let records = queue_cases(&setup.outbox, 3, 4, 4);
    setup.server.faults().hang_next(1, Duration::from_secs(10));
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(report.stopped_by.is_none());
    assert_eq!((report.errors, report.confirmed, report.remaining), (1, 16, 0));
    // 8 in the hung request, then 4 (halved), 8, … : more requests than 16/8.
    assert!(report.requests >= 4, "the batch shrank after the timeout: {} requests", report.requests);
    assert_platform_holds_exactly(&setup.server, &records);
}

#[tokio::test]
async fn a_lost_acknowledgement_heals_as_duplicates_and_nothing_is_stored_twice() {
    let mut setup = setup().await;
    let records = queue_cases(&setup.outbox, 4, 4, 3);
    setup.server.faults().drop_after_commit_next(1);
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(report.stopped_by.is_none());
    assert_eq!(report.errors, 1, "the dropped connection is one failed request");
    assert_eq!(report.duplicates, 8, "the first batch (8) was committed, then resent as duplicates");
    assert_eq!((report.confirmed, report.remaining), (12, 0));
    assert_platform_holds_exactly(&setup.server, &records);
    let stats = setup.server.platform().stats().expect("stats");
    assert_eq!((stats.records, stats.duplicates), (12, 8), "the platform stored each record once");
}

#[tokio::test]
async fn a_rejected_record_is_quarantined_with_the_reason_and_blocks_only_its_case() {
    let mut setup = setup().await;
    let records = queue_cases(&setup.outbox, 5, 3, 3);
    let blocked_case = case_id(5, 1);
    setup.server.faults().reject_case(blocked_case, code::RECORD_INVALID, "居住地址不在本省");
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(report.stopped_by.is_none(), "a rejection never stops the drain");
    assert_eq!((report.quarantined, report.confirmed, report.remaining), (1, 6, 0));
    let (first, later): (Vec<_>, Vec<_>) = records
        .iter()
        .filter(|record| record.case_id == blocked_case)
        .partition(|record| record.sequence == 1);
    assert_eq!(
        setup.outbox.quarantine_reason(first[0].id),
        Some((code::RECORD_INVALID.to_owned(), "居住地址不在本省".to_owned())),
        "quarantined with the platform's code and reason"
    );
    for record in later {
        assert_ne!(setup.outbox.status(record.id), "confirmed", "later records of the case wait behind it");
        assert_ne!(setup.outbox.status(record.id), "quarantined", "waiting is not quarantine");
    }
    let others: Vec<_> = records.iter().filter(|record| record.case_id != blocked_case).cloned().collect();
    assert_platform_holds_exactly(&setup.server, &others);
}

#[tokio::test]
async fn an_unknown_device_is_refused_and_the_drain_stops_with_a_clear_error() {
    let mut setup = setup().await;
    queue_cases(&setup.outbox, 6, 2, 2);
    let stranger = DeviceIdentity::from_secret("counter-9", &[9; 32]).expect("identity");
    let mut drainer = Drainer::new(
        client(&setup.server.url(), stranger, Duration::from_secs(5)),
        fast_options(),
        Jitter::seeded(1),
    );
    let report = drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    let Some(error @ SyncError::DeviceUnknown { .. }) = &report.stopped_by else {
        panic!("expected DeviceUnknown, got {:?}", report.stopped_by);
    };
    assert_eq!(
        error.to_string(),
        "device counter-9 is not enrolled on the platform: enrol its public key, then sync again"
    );
    assert_eq!(
        (report.requests, report.confirmed, report.remaining),
        (1, 0, 4),
        "no retry loop for a person's problem"
    );
    assert!(setup.server.platform().records().expect("records").is_empty());
}

#[tokio::test]
async fn duplicate_succeeds_and_conflict_is_quarantined() {
    let mut setup = setup().await;
    let records = queue_cases(&setup.outbox, 7, 2, 1);
    setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("first drain");
    // Same ids queued again (a restored backup, say): one unchanged, one edited.
    let outbox_path = setup.server.directory().join("replay.sqlite3");
    let mut replay = crate::outbox_file::FileOutbox::open(&outbox_path);
    replay.enqueue(&records[0]);
    replay.enqueue(&records[1]);
    replay.overwrite_payload(records[1].id, &serde_json::json!({"edited": true}));
    let report = setup.drainer.drain(&mut replay, |_, _| {}).await.expect("replay drain");
    assert_eq!((report.confirmed, report.duplicates, report.quarantined), (1, 1, 1));
    assert_eq!(replay.status(records[0].id), "confirmed", "an identical resend is a success");
    let (code, _) = replay.quarantine_reason(records[1].id).expect("quarantined");
    assert_eq!(code, QuarantineReason::CONFLICT);
    assert_platform_holds_exactly(&setup.server, &records);
}

#[tokio::test]
async fn a_page_missing_locally_is_quarantined_not_retried_forever() {
    let mut setup = setup().await;
    let (kind, _) = page(b"never stored locally");
    let record = record(8, 1, case_id(8, 0), 1, kind);
    setup.outbox.enqueue(&record);
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert_eq!((report.quarantined, report.remaining), (1, 0));
    let (code, _) = setup.outbox.quarantine_reason(record.id).expect("quarantined");
    assert_eq!(code, QuarantineReason::BLOB_MISSING_LOCALLY);
}

#[tokio::test]
async fn the_drain_gives_up_after_its_retries_and_keeps_everything_queued() {
    let mut setup = setup().await;
    let records = queue_cases(&setup.outbox, 9, 2, 2);
    setup.server.faults().fail_next(100);
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(
        matches!(report.stopped_by, Some(SyncError::Unavailable { status: 503, .. })),
        "stopped by the 503s: {:?}",
        report.stopped_by
    );
    assert_eq!((report.errors, report.confirmed, report.remaining), (6, 0, 4), "1 try + 5 retries");
    assert_eq!(setup.outbox.last_error(records[0].id).as_deref(), Some("platform unavailable (http 503)"));
}

#[tokio::test]
async fn an_unreachable_platform_leaves_the_outbox_intact() {
    let mut setup = setup().await;
    queue_cases(&setup.outbox, 10, 1, 3);
    let url = setup.server.url();
    let mut drainer = Drainer::new(
        client(&url, crate::support::identity(), Duration::from_secs(2)),
        fast_options(),
        Jitter::seeded(3),
    );
    setup.server.stop().await;
    let report = drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    let Some(error) = &report.stopped_by else { panic!("an unreachable platform stops the drain") };
    assert!(error.is_offline(), "reported as offline: {error:?}");
    assert_eq!((report.confirmed, report.remaining), (0, 3));
    assert_eq!(setup.outbox.counts().sent, 3, "attempted, kept, not lost");
}

#[tokio::test]
async fn state_changes_to_approved_come_back_as_permits() {
    let mut setup = setup().await;
    let case = case_id(11, 0);
    setup.outbox.enqueue(&record(11, 1, case, 1, OutgoingKind::CaseCreated));
    setup.outbox.enqueue(&record(
        11,
        2,
        case,
        2,
        OutgoingKind::StateChanged { from: "reviewed".to_owned(), to: "approved".to_owned() },
    ));
    setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    let page = setup.drainer.client().decisions(0, 10).await.expect("decisions");
    assert_eq!(page.decisions[0].case_id, Some(case));
    assert_eq!(page.decisions[0].kind.name(), "permit_issued");
}

#[tokio::test]
async fn an_unreadable_record_is_found_by_isolation_and_quarantined() {
    let mut setup = setup().await;
    let records = queue_cases(&setup.outbox, 12, 3, 3);
    let poisoned = case_id(12, 2);
    setup.server.faults().poison_case(poisoned);
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(
        report.stopped_by.is_none(),
        "one unreadable record must not stop the queue: {:?}",
        report.stopped_by
    );
    assert_eq!((report.quarantined, report.confirmed, report.remaining), (1, 6, 0));
    let first = records.iter().find(|record| record.case_id == poisoned).expect("first record of the case");
    let (code, reason) = setup.outbox.quarantine_reason(first.id).expect("quarantined");
    assert_eq!(code, code::BODY_INVALID);
    assert!(reason.contains("not readable"), "the platform's reason is kept: {reason}");
    let others: Vec<_> = records.iter().filter(|record| record.case_id != poisoned).cloned().collect();
    assert_platform_holds_exactly(&setup.server, &others);
}
