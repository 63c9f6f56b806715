//! Shared setup: a stand-in on loopback, a registered device, an outbox file, records.

use std::time::Duration;

use chrono::{DateTime, Utc};
use platform_stub::TestServer;
use serde_json::json;
use sha2::{Digest, Sha256};
use sync::{
    BackoffPolicy, ClientConfig, DeviceIdentity, DrainOptions, Drainer, Jitter, OutgoingKind, OutgoingRecord,
    PlatformClient,
};
use tempfile::TempDir;
use uuid::Uuid;

use crate::outbox_file::FileOutbox;

pub const DEVICE: &str = "counter-1";
pub const SECRET: [u8; 32] = [7; 32];

pub fn identity() -> DeviceIdentity {
    DeviceIdentity::from_secret(DEVICE, &SECRET).expect("identity")
}

pub fn client(url: &str, identity: DeviceIdentity, timeout: Duration) -> PlatformClient {
    let mut config = ClientConfig::new(url);
    config.request_timeout = timeout;
    config.connect_timeout = Duration::from_secs(2);
    PlatformClient::new(&config, identity).expect("client")
}

/// Small batches and millisecond backoff, so fault tests stay fast.
pub fn fast_options() -> DrainOptions {
    DrainOptions {
        initial_batch: 8,
        min_batch: 1,
        max_batch: 64,
        backoff: BackoffPolicy { base: Duration::from_millis(5), cap: Duration::from_millis(40) },
        max_retries: 5,
        blob_concurrency: 2,
        blob_batch_bytes: 64 * 1024,
    }
}

pub struct Setup {
    pub server: TestServer,
    pub outbox: FileOutbox,
    pub drainer: Drainer,
    _directory: TempDir,
}

pub async fn setup() -> Setup {
    setup_with(Duration::from_secs(5), fast_options()).await
}

pub async fn setup_with(timeout: Duration, options: DrainOptions) -> Setup {
    let server = TestServer::start().await.expect("start the stand-in");
    let identity = identity();
    server.platform().register_device(DEVICE, identity.public_key()).expect("register device");
    let directory = tempfile::tempdir().expect("temp dir");
    let outbox = FileOutbox::open(&directory.path().join("outbox.sqlite3"));
    let drainer = Drainer::new(client(&server.url(), identity, timeout), options, Jitter::seeded(42));
    Setup { server, outbox, drainer, _directory: directory }
}

pub fn created_at(n: u64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(1_772_438_400_000 + n as i64).expect("time")
}

/// A UUIDv7 for record number `n` of namespace `space`.
pub fn record_id(space: u64, n: u64) -> Uuid {
    let mut random = [0_u8; 10];
    random[..8].copy_from_slice(&space.to_be_bytes());
    random[8..].copy_from_slice(&(n as u16).to_be_bytes());
    uuid::Builder::from_unix_timestamp_millis(1_772_438_400_000 + n, &random).into_uuid()
}

pub fn case_id(space: u64, n: u64) -> Uuid {
    let mut random = [0xca_u8; 10];
    random[..8].copy_from_slice(&space.to_be_bytes());
    random[8] = n as u8;
    uuid::Builder::from_unix_timestamp_millis(1_772_000_000_000 + n, &random).into_uuid()
}

pub fn record(space: u64, n: u64, case: Uuid, sequence: u64, kind: OutgoingKind) -> OutgoingRecord {
    OutgoingRecord {
        id: record_id(space, n),
        case_id: case,
        kind,
        sequence,
        // Made-up content; no real ID number appears in tests.
        payload: json!({"record": n, "note": "测试", "applicant": {"name": "张三"}}),
        created_at: created_at(n),
    }
}

pub fn page(bytes: &[u8]) -> (OutgoingKind, String) {
    let hash = hex::encode(Sha256::digest(bytes));
    (OutgoingKind::PageMetadata { content_hash: hash.clone(), bytes: bytes.len() as u64 }, hash)
}

/// Queues `per_case` records for each of `cases` cases, interleaved the way a counter
/// works on several cases at once; returns them in queue order.
pub fn queue_cases(outbox: &FileOutbox, space: u64, cases: u64, per_case: u64) -> Vec<OutgoingRecord> {
    let mut records = Vec::new();
    let mut n = 0;
    for step in 1..=per_case {
        for case_number in 0..cases {
            n += 1;
            let kind = match step {
                1 => OutgoingKind::CaseCreated,
                2 => OutgoingKind::StateChanged { from: "draft".to_owned(), to: "accepted".to_owned() },
                _ => OutgoingKind::Opinion,
            };
            let record = record(space, n, case_id(space, case_number), step, kind);
            outbox.enqueue(&record);
            records.push(record);
        }
    }
    records
}

/// Asserts the platform holds exactly `records`, each once, and each case's records in order.
pub fn assert_platform_holds_exactly(server: &TestServer, records: &[OutgoingRecord]) {
    let stored = server.platform().records().expect("platform records");
    let mut stored_ids: Vec<Uuid> = stored.iter().map(|record| record.record_id).collect();
    stored_ids.sort();
    let before = stored_ids.len();
    stored_ids.dedup();
    assert_eq!(before, stored_ids.len(), "the platform holds a record twice");
    let mut expected: Vec<Uuid> = records.iter().map(|record| record.id).collect();
    expected.sort();
    assert_eq!(stored_ids, expected, "the platform must hold every record exactly once");
    let mut last_sequence = std::collections::HashMap::new();
    for record in &stored {
        let previous = last_sequence.insert(record.case_id, record.sequence);
        assert!(
            previous.is_none_or(|previous| previous < record.sequence),
            "records of case {} arrived out of order",
            record.case_id
        );
    }
}
