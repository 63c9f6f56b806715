//! Pages over real loopback HTTP: many pages in few multi-blob uploads, a page whose bytes
//! do not match its hash refused while the rest are stored, and repeats that change nothing.

use std::time::Duration;

use platform_api::BlobStatus;
use sync::QuarantineReason;

use crate::support::{case_id, client, identity, page, record, setup};

#[tokio::test]
async fn many_pages_go_up_in_few_requests_and_a_tampered_page_is_refused_alone() {
    let mut setup = setup().await;
    let cases = 200_u64;
    let tampered_case = 7_u64;
    let mut page_records = Vec::new();
    for case_number in 0..cases {
        let mut bytes = format!("page of case {case_number} ").into_bytes();
        bytes.resize(1024, b'.');
        let (kind, hash) = page(&bytes);
        if case_number == tampered_case {
            // The local store's bytes no longer match the hash the record names.
            setup.outbox.store_blob(&hash, b"changed after the hash was taken");
        } else {
            setup.outbox.store_blob(&hash, &bytes);
        }
        let record = record(20, case_number + 1, case_id(20, case_number), 1, kind);
        setup.outbox.enqueue(&record);
        page_records.push((record, hash));
    }
    let report = setup.drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(report.stopped_by.is_none(), "a refused page does not stop the drain: {:?}", report.stopped_by);
    assert_eq!((report.confirmed, report.quarantined, report.remaining), (cases - 1, 1, 0));
    assert_eq!(report.blobs_uploaded, cases - 1);
    assert!(
        report.blob_requests <= report.requests && report.blob_requests < 10,
        "{} pages took {} upload requests for {} pushes",
        cases,
        report.blob_requests,
        report.requests
    );
    let (tampered, tampered_hash) = &page_records[tampered_case as usize];
    let (code, reason) =
        setup.outbox.quarantine_reason(tampered.id).expect("the tampered page is quarantined");
    assert_eq!(code, QuarantineReason::BLOB_REFUSED);
    assert!(reason.starts_with(platform_api::code::HASH_MISMATCH), "the platform's code is kept: {reason}");
    let platform = setup.server.platform();
    assert!(!platform.has_blob(tampered_hash).expect("blob"), "a refused page is not stored");
    for (_, hash) in page_records.iter().filter(|(_, hash)| hash != tampered_hash) {
        assert!(platform.has_blob(hash).expect("blob"), "every other page is stored");
    }
    assert_eq!(platform.stats().expect("stats").blobs, cases - 1);
}

#[tokio::test]
async fn a_repeated_multi_blob_upload_is_harmless() {
    let setup = setup().await;
    let client = client(&setup.server.url(), identity(), Duration::from_secs(5));
    let pages: Vec<(String, Vec<u8>)> = (0..5_u8)
        .map(|n| {
            let bytes = vec![n; 300];
            (page(&bytes).1, bytes)
        })
        .collect();
    let first = client.put_blobs(&pages).await.expect("first upload");
    assert!(first.results.iter().all(|result| result.status == BlobStatus::Stored), "{first:?}");
    let again = client.put_blobs(&pages).await.expect("second upload");
    assert!(again.results.iter().all(|result| result.status == BlobStatus::AlreadyStored), "{again:?}");
    assert_eq!(setup.server.platform().stats().expect("stats").blobs, 5);
    // An empty upload is a valid, empty answer.
    assert!(client.put_blobs(&[]).await.expect("empty upload").results.is_empty());
    // The single-blob route still answers for the same pages.
    let receipt = client.put_blob(&pages[0].0, pages[0].1.clone()).await.expect("put");
    assert_eq!(receipt.bytes, 300);
}
