//! The contract's rules, through the router with hand-signed requests.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ed25519_dalek::SigningKey;
use platform_api::{DecisionKind, DecisionPage, RecordKind};
use platform_stub::StubConfig;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{
    DEVICE, HOST, call, case, fixture, fixture_with, fresh_nonce, now_seconds, record, signed, signed_for,
    statuses, uuid_v7,
};

#[tokio::test]
async fn a_repeated_record_is_a_duplicate_and_stored_once() {
    let fixture = fixture();
    let first = record(1, case(1), 1, RecordKind::CaseCreated);
    let (status, answer) = fixture.push(vec![first.clone()]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(statuses(&answer), ["accepted"]);
    let (_, answer) = fixture.push(vec![first]).await;
    assert_eq!(statuses(&answer), ["duplicate"], "the same record again is a success, not a second copy");
    let records = fixture.platform.records().expect("records");
    assert_eq!(records.len(), 1, "the platform holds the record exactly once");
    assert_eq!(records[0].duplicates, 1);
}

#[tokio::test]
async fn payload_key_order_does_not_make_a_conflict() {
    let fixture = fixture();
    let mut first = record(1, case(1), 1, RecordKind::CaseCreated);
    first.payload = json!({"a": 1, "b": {"y": 2, "x": 1}});
    fixture.push(vec![first.clone()]).await;
    // Same content, keys written in another order by another serializer.
    let body = serde_json::to_string(&platform_api::PushBatch {
        device_id: DEVICE.to_owned(),
        records: vec![first],
        audit_anchor: None,
        clerk_keys: Vec::new(),
        clerk_key_revocations: Vec::new(),
        device_key_change: None,
    })
    .expect("serialize")
    .replace(r#"{"a":1,"b":{"x":1,"y":2}}"#, r#"{"b":{"y":2,"x":1},"a":1}"#);
    let (_, answer) = fixture.send("POST", "/v1/records", body.into_bytes()).await;
    assert_eq!(statuses(&answer), ["duplicate"], "content equality must not depend on key order");
}

#[tokio::test]
async fn other_content_under_a_known_id_is_a_conflict_and_changes_nothing() {
    let fixture = fixture();
    let original = record(1, case(1), 1, RecordKind::CaseCreated);
    fixture.push(vec![original.clone()]).await;
    let mut changed = original.clone();
    changed.payload = json!({"note": "edited after sending"});
    let (_, answer) = fixture.push(vec![changed]).await;
    assert_eq!(statuses(&answer), ["conflict"]);
    let payload = fixture.platform.record_payload(original.record_id).expect("payload");
    assert_eq!(payload, Some(original.payload), "a conflict must not overwrite the stored record");
    assert_eq!(fixture.platform.stats().expect("stats").conflicts, 1);
}

#[tokio::test]
async fn a_rejected_record_defers_its_case_but_not_other_cases() {
    let fixture = fixture();
    fixture.platform.faults().reject_case(case(1), "RECORD_INVALID", "居住地址不在本省");
    let batch = vec![
        record(1, case(1), 1, RecordKind::CaseCreated),
        record(2, case(2), 1, RecordKind::CaseCreated),
        record(3, case(1), 2, RecordKind::Opinion),
    ];
    let (_, answer) = fixture.push(batch).await;
    assert_eq!(statuses(&answer), ["rejected", "accepted", "deferred"]);
    assert_eq!(answer["results"][0]["code"], "RECORD_INVALID");
    assert_eq!(answer["results"][0]["reason"], "居住地址不在本省");
    assert_eq!(answer["results"][2]["blocked_by"], uuid_v7(1).to_string(), "deferred names its blocker");
    let stored: Vec<_> =
        fixture.platform.records().expect("records").iter().map(|record| record.record_id).collect();
    assert_eq!(stored, [uuid_v7(2)], "only the other case's record is stored");
}

#[tokio::test]
async fn rejection_by_kind_and_invalid_ids_are_per_record() {
    let fixture = fixture();
    fixture.platform.faults().reject_kind("opinion", "RECORD_INVALID", "意见为空");
    let mut not_v7 = record(2, case(2), 1, RecordKind::CaseCreated);
    not_v7.record_id = uuid::Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
    let (_, answer) = fixture
        .push(vec![
            record(1, case(1), 1, RecordKind::Opinion),
            not_v7,
            record(3, case(3), 1, RecordKind::SlipPrinted),
        ])
        .await;
    assert_eq!(statuses(&answer), ["rejected", "rejected", "accepted"]);
    assert_eq!(answer["results"][1]["code"], "RECORD_ID_INVALID");
}

#[tokio::test]
async fn a_record_older_than_its_case_is_rejected() {
    let fixture = fixture();
    fixture.push(vec![record(1, case(1), 5, RecordKind::CaseCreated)]).await;
    let (_, answer) = fixture.push(vec![record(2, case(1), 3, RecordKind::Opinion)]).await;
    assert_eq!(statuses(&answer), ["rejected"]);
    assert_eq!(answer["results"][0]["code"], "SEQUENCE_OUT_OF_ORDER");
    let (_, answer) = fixture.push(vec![record(3, case(1), 9, RecordKind::Opinion)]).await;
    assert_eq!(statuses(&answer), ["accepted"], "gaps in the sequence are allowed");
}

#[tokio::test]
async fn unknown_devices_bad_signatures_and_stale_timestamps_are_refused() {
    let fixture = fixture();
    let now = now_seconds(&fixture.platform);
    let stranger = SigningKey::from_bytes(&[9; 32]);
    let (status, body) = call(
        &fixture.router,
        signed("GET", "/v1/decisions?cursor=0&limit=10", vec![], "stranger", &stranger, now),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("DEVICE_UNKNOWN")));
    let (status, body) = call(
        &fixture.router,
        signed("GET", "/v1/decisions?cursor=0&limit=10", vec![], DEVICE, &stranger, now),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("SIGNATURE_INVALID")),
        "wrong key"
    );
    let mut tampered = signed("GET", "/v1/decisions?cursor=0&limit=10", vec![], DEVICE, &fixture.key, now);
    *tampered.uri_mut() = "/v1/decisions?cursor=0&limit=11".parse().expect("uri");
    let (status, body) = call(&fixture.router, tampered).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("SIGNATURE_INVALID")),
        "tampered query"
    );
    let stale = signed("GET", "/v1/decisions?cursor=0&limit=10", vec![], DEVICE, &fixture.key, now - 301);
    let (status, body) = call(&fixture.router, stale).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("TIMESTAMP_OUT_OF_WINDOW")));
    let mut unsigned = signed("GET", "/v1/decisions?cursor=0&limit=10", vec![], DEVICE, &fixture.key, now);
    unsigned.headers_mut().remove("x-signature");
    let (status, body) = call(&fixture.router, unsigned).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("SIGNATURE_INVALID")));
    let mut no_nonce = signed("GET", "/v1/decisions?cursor=0&limit=10", vec![], DEVICE, &fixture.key, now);
    no_nonce.headers_mut().remove("x-nonce");
    let (status, body) = call(&fixture.router, no_nonce).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("SIGNATURE_INVALID")));
}

/// A signed request captured on its way is worth nothing elsewhere or again: sent a second
/// time it is refused as a replay (its nonce was seen), and one signed for another
/// platform's host is refused here whatever its signature; a request re-pointed at this
/// host without re-signing fails its signature.
#[tokio::test]
async fn a_replayed_request_or_one_signed_for_another_host_is_refused() {
    let fixture = fixture();
    let now = now_seconds(&fixture.platform);
    let nonce = fresh_nonce();
    let request = || {
        signed_for("GET", "/v1/decisions?cursor=0&limit=10", vec![], DEVICE, &fixture.key, now, HOST, &nonce)
    };
    let (status, _) = call(&fixture.router, request()).await;
    assert_eq!(status, StatusCode::OK, "the first time");
    let (status, body) = call(&fixture.router, request()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("REQUEST_REPLAYED")));

    let elsewhere = signed_for(
        "GET",
        "/v1/decisions?cursor=0&limit=10",
        vec![],
        DEVICE,
        &fixture.key,
        now,
        "other-platform.test",
        &fresh_nonce(),
    );
    let (status, body) = call(&fixture.router, elsewhere).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("WRONG_HOST")));
    let mut redirected = signed_for(
        "GET",
        "/v1/decisions?cursor=0&limit=10",
        vec![],
        DEVICE,
        &fixture.key,
        now,
        "other-platform.test",
        &fresh_nonce(),
    );
    redirected.headers_mut().insert("host", HOST.parse().expect("header"));
    let (status, body) = call(&fixture.router, redirected).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("SIGNATURE_INVALID")));
}

#[tokio::test]
async fn a_batch_for_another_device_is_refused() {
    let fixture = fixture();
    let batch = platform_api::PushBatch {
        device_id: "counter-2".to_owned(),
        records: vec![],
        audit_anchor: None,
        clerk_keys: Vec::new(),
        clerk_key_revocations: Vec::new(),
        device_key_change: None,
    };
    let (status, body) = fixture.send("POST", "/v1/records", serde_json::to_vec(&batch).expect("json")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("DEVICE_MISMATCH")));
    let (status, body) = fixture.send("POST", "/v1/records", b"{not json".to_vec()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("BODY_INVALID")));
}

#[tokio::test]
async fn pages_are_asked_for_until_their_blob_arrives() {
    let fixture = fixture();
    let page_bytes = b"scanned page".to_vec();
    let hash = hex::encode(Sha256::digest(&page_bytes));
    let page = record(1, case(1), 1, RecordKind::PageMetadata { content_hash: hash.clone(), bytes: 12 });
    let (_, answer) = fixture.push(vec![page.clone()]).await;
    assert_eq!(answer["missing_blobs"], json!([hash]));
    let (_, answer) = fixture.push(vec![page.clone()]).await;
    assert_eq!(answer["missing_blobs"], json!([hash]), "a duplicate names the missing page again");
    let blob_path = format!("/v1/blobs/{hash}");
    let (status, body) = fixture.send("PUT", &blob_path, b"other bytes".to_vec()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("HASH_MISMATCH")));
    let (status, _) = fixture.send("HEAD", &blob_path, vec![]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = fixture.send("PUT", &blob_path, page_bytes.clone()).await;
    assert_eq!((status, body["bytes"].as_u64()), (StatusCode::CREATED, Some(12)));
    let (status, _) = fixture.send("PUT", &blob_path, page_bytes).await;
    assert_eq!(status, StatusCode::OK, "a repeated upload is harmless");
    let (status, _) = fixture.send("HEAD", &blob_path, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, answer) = fixture.push(vec![page]).await;
    assert_eq!(answer["missing_blobs"], json!([]));
}

#[tokio::test]
async fn a_blob_batch_stores_the_good_blobs_refuses_the_bad_one_and_repeats_harmlessly() {
    let fixture = fixture();
    let pages: Vec<Vec<u8>> = (0..3).map(|n| format!("page {n}").into_bytes()).collect();
    let hashes: Vec<String> = pages.iter().map(|page| hex::encode(Sha256::digest(page))).collect();
    // The second blob's bytes are not those its hash names.
    let blobs = vec![
        (hashes[0].clone(), pages[0].as_slice()),
        (hashes[1].clone(), b"tampered".as_slice()),
        (hashes[2].clone(), pages[2].as_slice()),
    ];
    let body = platform_api::encode_blob_batch(&blobs).expect("frame");
    let (status, answer) = fixture.send("POST", "/v1/blobs/batch", body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let statuses: Vec<&str> = answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["stored", "refused", "stored"], "one bad blob does not fail the others");
    assert_eq!(answer["results"][1]["code"], "HASH_MISMATCH");
    assert_eq!(answer["results"][1]["content_hash"], hashes[1].as_str());
    assert!(
        fixture.platform.has_blob(&hashes[0]).expect("blob")
            && fixture.platform.has_blob(&hashes[2]).expect("blob")
    );
    assert!(!fixture.platform.has_blob(&hashes[1]).expect("blob"), "a refused blob is not stored");
    let (status, answer) = fixture.send("POST", "/v1/blobs/batch", body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["results"][0]["status"], "already_stored", "a repeated upload is harmless");
    assert_eq!(answer["results"][2]["status"], "already_stored");
    assert_eq!(fixture.platform.stats().expect("stats").blobs, 2);
    // Framing errors refuse the whole request and store nothing.
    let (status, answer) = fixture.send("POST", "/v1/blobs/batch", b"\x00\x00\x00\x09{}".to_vec()).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("BODY_INVALID")));
    let mut short =
        platform_api::encode_blob_batch(&[(hashes[1].clone(), pages[1].as_slice())]).expect("frame");
    short.pop();
    let (status, answer) = fixture.send("POST", "/v1/blobs/batch", short).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("BODY_INVALID")));
    assert!(!fixture.platform.has_blob(&hashes[1]).expect("blob"));
    // Unsigned: refused like every contract route.
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/v1/blobs/batch")
        .body(axum::body::Body::from(Vec::new()))
        .expect("request");
    let (status, _) = call(&fixture.router, request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The single-blob route still works next to it.
    let (status, _) = fixture.send("PUT", &format!("/v1/blobs/{}", hashes[1]), pages[1].clone()).await;
    assert_eq!(status, StatusCode::CREATED);
}

fn approval(id: u64, case_number: u64, sequence: u64) -> platform_api::PushRecord {
    record(
        id,
        case(case_number),
        sequence,
        RecordKind::StateChanged { from: "reviewed".to_owned(), to: "approved".to_owned() },
    )
}

async fn pull(fixture: &crate::helpers::Fixture, cursor: u64) -> DecisionPage {
    let (status, body) =
        fixture.send("GET", &format!("/v1/decisions?cursor={cursor}&limit=100"), vec![]).await;
    assert_eq!(status, StatusCode::OK);
    serde_json::from_value(body).expect("decision page")
}

#[tokio::test]
async fn approval_issues_a_permit_and_an_sms_in_the_feed() {
    let fixture = fixture();
    fixture.push(vec![approval(1, 1, 1)]).await;
    let page = pull(&fixture, 0).await;
    let kinds: Vec<&str> = page.decisions.iter().map(|decision| decision.kind.name()).collect();
    assert_eq!(kinds, ["permit_issued", "sms_sent"]);
    let DecisionKind::PermitIssued { permit_number, valid_from, valid_until } = &page.decisions[0].kind
    else {
        panic!("first decision is the permit");
    };
    assert_eq!(permit_number.len(), 16, "permit numbers are 3300, the year and 8 digits");
    assert!(valid_until > valid_from);
    assert_eq!(page.decisions[0].case_id, Some(case(1)));
    let again = pull(&fixture, page.next_cursor).await;
    assert!(again.decisions.is_empty(), "the cursor moves past what was read");
    assert_eq!(again.next_cursor, page.next_cursor, "an empty page keeps the cursor");
    fixture.push(vec![record(2, case(1), 2, RecordKind::SlipPrinted)]).await;
    assert_eq!(fixture.platform.stats().expect("stats").permits, 1, "one permit per case");
}

#[tokio::test]
async fn permits_wait_for_the_configured_delay() {
    let fixture =
        fixture_with(StubConfig { permit_delay: Duration::from_secs(3600), enrolment_codes: vec![] });
    fixture.push(vec![approval(1, 1, 1)]).await;
    assert!(pull(&fixture, 0).await.decisions.is_empty(), "no permit before the delay");
    fixture.platform.faults().set_clock_offset(chrono::TimeDelta::hours(2));
    // The signature window follows the platform's clock, so sign with its time.
    let page = pull(&fixture, 0).await;
    assert_eq!(page.decisions.len(), 2, "the permit and the SMS once the delay has passed");
}

#[tokio::test]
async fn decisions_reach_only_their_device_and_references_reach_all() {
    let fixture = fixture();
    let other_key = SigningKey::from_bytes(&[8; 32]);
    fixture.platform.register_device("counter-2", other_key.verifying_key().to_bytes()).expect("register");
    fixture.push(vec![record(1, case(1), 1, RecordKind::CaseCreated)]).await;
    fixture
        .platform
        .decide(case(1), &DecisionKind::Rejected { reasons: vec!["居住登记时间不足".to_owned()] })
        .expect("decide");
    fixture.platform.publish_reference("holidays", "2027.1").expect("publish");
    let own = pull(&fixture, 0).await;
    assert_eq!(own.decisions.len(), 2);
    let request = signed(
        "GET",
        "/v1/decisions?cursor=0&limit=10",
        vec![],
        "counter-2",
        &other_key,
        now_seconds(&fixture.platform),
    );
    let (_, body) = call(&fixture.router, request).await;
    let other: DecisionPage = serde_json::from_value(body).expect("page");
    let kinds: Vec<&str> = other.decisions.iter().map(|decision| decision.kind.name()).collect();
    assert_eq!(kinds, ["reference_updated"], "another device sees the reference update only");
    let (status, body) = fixture.send("GET", "/v1/decisions?cursor=0", vec![]).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("QUERY_INVALID")));
}

#[tokio::test]
async fn enrolment_needs_an_unused_code_and_proof_of_the_key() {
    let fixture = fixture();
    let key = SigningKey::from_bytes(&[3; 32]);
    let enrol = |code: &str, device: &str| {
        let body = serde_json::to_vec(&platform_api::DeviceEnrolment {
            device_id: device.to_owned(),
            public_key: hex::encode(key.verifying_key().to_bytes()),
            enrolment_code: code.to_owned(),
            clerk_keys: Vec::new(),
        })
        .expect("json");
        signed("POST", "/v1/devices", body, device, &key, now_seconds(&fixture.platform))
    };
    let (status, body) = call(&fixture.router, enrol("WRONG", "counter-3")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("ENROLMENT_REFUSED")));
    let (status, _) = call(&fixture.router, enrol("CODE-1", "counter-3")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(&fixture.router, enrol("CODE-1", "counter-3")).await;
    assert_eq!(status, StatusCode::OK, "enrolling the same key again is harmless");
    let (status, _) = call(&fixture.router, enrol("CODE-1", "counter-4")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a code works once");
    let request = signed(
        "GET",
        "/v1/decisions?cursor=0&limit=1",
        vec![],
        "counter-3",
        &key,
        now_seconds(&fixture.platform),
    );
    assert_eq!(call(&fixture.router, request).await.0, StatusCode::OK, "the enrolled device is known");
}

#[tokio::test]
async fn admin_faults_switch_the_contract_routes_only() {
    let fixture = fixture();
    let admin = axum::http::Request::builder()
        .method("POST")
        .uri("/admin/faults")
        .body(axum::body::Body::from(r#"{"fail_next": 1, "clock_offset_seconds": 600}"#))
        .expect("request");
    assert_eq!(call(&fixture.router, admin).await.0, StatusCode::NO_CONTENT);
    let stats =
        axum::http::Request::builder().uri("/admin/stats").body(axum::body::Body::empty()).expect("request");
    assert_eq!(call(&fixture.router, stats).await.0, StatusCode::OK, "admin routes are never faulted");
    let time =
        || axum::http::Request::builder().uri("/v1/time").body(axum::body::Body::empty()).expect("request");
    let (status, body) = call(&fixture.router, time()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("UNAVAILABLE")));
    let (status, body) = call(&fixture.router, time()).await;
    assert_eq!(status, StatusCode::OK, "only the next request fails");
    let skew = body["unix_millis"].as_i64().expect("millis")
        - chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).timestamp_millis();
    assert!((590_000..610_000).contains(&skew), "the clock offset shows in /v1/time, got {skew} ms");
}

/// A blob batch is signed over its index, which names each page's hash and length: pages
/// changed after signing are refused one by one, never stored under the signed hash, and
/// an index changed after signing fails the signature.
#[tokio::test]
async fn a_blob_batch_signature_binds_its_pages_through_the_index() {
    let fixture = fixture();
    let page = b"page signed through the index".to_vec();
    let hash = hex::encode(Sha256::digest(&page));
    let body = platform_api::encode_blob_batch(&[(hash.clone(), page.as_slice())]).expect("frame");
    // The headers of `body` signed afresh (each send has its own nonce), to send with
    // another body.
    let parts = || {
        signed("POST", "/v1/blobs/batch", body.clone(), DEVICE, &fixture.key, now_seconds(&fixture.platform))
            .into_parts()
            .0
    };

    // Same signature, page bytes swapped for others of the same length.
    let mut swapped = body.clone();
    let last = swapped.len() - 1;
    swapped[last] ^= 1;
    let (status, answer) = call(&fixture.router, Request::from_parts(parts(), Body::from(swapped))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (answer["results"][0]["status"].as_str(), answer["results"][0]["code"].as_str()),
        (Some("refused"), Some("HASH_MISMATCH"))
    );
    assert!(!fixture.platform.has_blob(&hash).expect("blob"));

    // Same signature, index naming a different length: the signature no longer verifies.
    let mut index_changed =
        platform_api::encode_blob_batch(&[(hash.clone(), &page[..page.len() - 1])]).expect("frame");
    index_changed.push(page[page.len() - 1]);
    let (status, answer) =
        call(&fixture.router, Request::from_parts(parts(), Body::from(index_changed))).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("SIGNATURE_INVALID")));

    // Extra bytes after the last page: refused whole.
    let mut longer = body.clone();
    longer.push(0);
    let (status, answer) = call(&fixture.router, Request::from_parts(parts(), Body::from(longer))).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("BODY_INVALID")));

    let (status, _) = call(&fixture.router, Request::from_parts(parts(), Body::from(body.clone()))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(fixture.platform.has_blob(&hash).expect("blob"));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

/// A JSON body may come gzip-compressed (`Content-Encoding: gzip`), signed as sent: it is
/// read expanded. One that expands beyond the JSON limit (a compression bomb) is refused
/// before it is held whole; bytes that are no gzip are refused.
#[tokio::test]
async fn a_compressed_push_is_read_expanded_and_a_compression_bomb_is_refused() {
    let fixture = fixture();
    let records: Vec<_> = (1..=40).map(|n| record(n, case(n), 1, RecordKind::CaseCreated)).collect();
    let json = serde_json::to_vec(&platform_api::PushBatch {
        device_id: DEVICE.to_owned(),
        records,
        audit_anchor: None,
        clerk_keys: Vec::new(),
        clerk_key_revocations: Vec::new(),
        device_key_change: None,
    })
    .expect("json");
    let compressed = gzip(&json);
    eprintln!("a batch of 40 records: {} bytes of JSON, {} gzip-compressed", json.len(), compressed.len());
    assert!(
        compressed.len() * 3 < json.len(),
        "records compress well: {} → {}",
        json.len(),
        compressed.len()
    );
    let send = |body: Vec<u8>| {
        let mut request =
            signed("POST", "/v1/records", body, DEVICE, &fixture.key, now_seconds(&fixture.platform));
        request.headers_mut().insert("content-encoding", "gzip".parse().expect("header"));
        request
    };
    let (status, answer) = call(&fixture.router, send(compressed)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(statuses(&answer).len(), 40);
    assert!(statuses(&answer).iter().all(|status| status == "accepted"), "{answer}");

    let bomb = gzip(&vec![b' '; platform_api::MAX_REQUEST_BYTES + 1]);
    assert!(bomb.len() < platform_api::MAX_REQUEST_BYTES / 100, "small on the wire: {}", bomb.len());
    let (status, answer) = call(&fixture.router, send(bomb)).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("BATCH_TOO_LARGE")));

    let (status, answer) = call(&fixture.router, send(b"not gzip at all".to_vec())).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("BODY_INVALID")));
}
