//! Benchmark: drain queued cases, one scanned page each, to the stand-in on loopback, side
//! by side with a naive loop that sends one POST per record (and one PUT per page). The
//! drain uploads the pages the platform lacks in multi-blob requests (`POST /v1/blobs/batch`).
//!
//! ```text
//! cargo run -p sync --example drain_bench -- [CASES=10000] [PAGE_BYTES=4096]
//! ```
//!
//! Each case is two records (`case_created`, then `page_metadata`) and one blob. Both
//! sides use the same stand-in build, outbox code and client; only the batching differs.
//! The stand-in runs in-process on `127.0.0.1:0`, so the figures measure the protocol and
//! the two SQLite databases, not a network.

#[allow(dead_code, reason = "the example uses only part of the test outbox")]
#[path = "../tests/sync/outbox_file.rs"]
mod outbox_file;

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use chrono::{DateTime, Utc};
use platform_api::PushBatch;
use platform_stub::TestServer;
use sha2::{Digest, Sha256};
use sync::{
    ClientConfig, DeviceIdentity, DrainOptions, Drainer, Jitter, OutgoingKind, OutgoingRecord, PlatformClient,
};

use crate::outbox_file::FileOutbox;

const DEVICE: &str = "bench-counter";

struct Queued {
    records: Vec<OutgoingRecord>,
    pages: Vec<(String, Vec<u8>)>,
}

fn queue(outbox: &FileOutbox, cases: u64, page_bytes: usize) -> anyhow::Result<Queued> {
    let mut records = Vec::new();
    let mut pages = Vec::new();
    for case_number in 0..cases {
        let case_id = uuid::Builder::from_unix_timestamp_millis(1_772_000_000_000 + case_number, &[0xca; 10])
            .into_uuid();
        let mut page = format!("page of case {case_number} ").into_bytes();
        page.resize(page_bytes, b'.');
        let hash = hex::encode(Sha256::digest(&page));
        outbox.store_blob(&hash, &page);
        let kinds = [
            OutgoingKind::CaseCreated,
            OutgoingKind::PageMetadata { content_hash: hash.clone(), bytes: page.len() as u64 },
        ];
        for (step, kind) in kinds.into_iter().enumerate() {
            let n = case_number * 2 + step as u64;
            let mut random = [0_u8; 10];
            random[..8].copy_from_slice(&n.to_be_bytes());
            let record = OutgoingRecord {
                id: uuid::Builder::from_unix_timestamp_millis(1_772_438_400_000 + n, &random).into_uuid(),
                case_id,
                kind,
                sequence: step as u64 + 1,
                payload: serde_json::json!({"application_number": format!("B{case_number:06}"), "note": "基准测试"}),
                created_at: DateTime::<Utc>::from_timestamp_millis(1_772_438_400_000 + n as i64)
                    .context("time")?,
            };
            outbox.enqueue(&record);
            records.push(record);
        }
        pages.push((hash, page));
    }
    Ok(Queued { records, pages })
}

async fn start_platform(identity: &DeviceIdentity) -> anyhow::Result<(TestServer, PlatformClient)> {
    let server = TestServer::start().await?;
    server.platform().register_device(DEVICE, identity.public_key())?;
    let client = PlatformClient::new(&ClientConfig::new(&server.url()), identity.clone())?;
    Ok((server, client))
}

#[allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut arguments = std::env::args().skip(1);
    let cases: u64 = arguments.next().map(|text| text.parse()).transpose()?.unwrap_or(10_000);
    let page_bytes: usize = arguments.next().map(|text| text.parse()).transpose()?.unwrap_or(4096);
    let identity = DeviceIdentity::from_secret(DEVICE, &[5; 32])?;
    let directory = tempfile::tempdir()?;

    // Batched: the Drainer with its defaults.
    let (server, client) = start_platform(&identity).await?;
    let mut outbox = FileOutbox::open(&directory.path().join("batched.sqlite3"));
    let queued = queue(&outbox, cases, page_bytes)?;
    let mut drainer = Drainer::new(client, DrainOptions::default(), Jitter::seeded(1));
    let started = Instant::now();
    let report = drainer.drain(&mut outbox, |_, _| {}).await?;
    let batched = started.elapsed();
    ensure!(report.remaining == 0 && report.stopped_by.is_none(), "the drain did not finish: {report:?}");
    let stats = server.platform().stats()?;
    ensure!(stats.records == 2 * cases && stats.blobs == cases, "the platform is missing records: {stats:?}");
    let batched_requests = report.requests + report.blob_requests;
    drop(server);

    // Naive: one POST per record, one PUT per page it asks for, in queue order.
    let (server, client) = start_platform(&identity).await?;
    let started = Instant::now();
    let mut naive_requests = 0_u64;
    for record in &queued.records {
        let answer = client
            .push(&PushBatch {
                device_id: DEVICE.to_owned(),
                records: vec![record.to_wire()],
                audit_anchor: None,
                clerk_keys: Vec::new(),
                clerk_key_revocations: Vec::new(),
                device_key_change: None,
            })
            .await?;
        naive_requests += 1;
        ensure!(answer.results[0].status.is_success(), "naive push refused");
        for hash in answer.missing_blobs {
            let (_, bytes) = queued.pages.iter().find(|(page_hash, _)| *page_hash == hash).context("page")?;
            client.put_blob(&hash, bytes.clone()).await?;
            naive_requests += 1;
        }
    }
    let naive = started.elapsed();
    let stats = server.platform().stats()?;
    ensure!(stats.records == 2 * cases && stats.blobs == cases, "the naive loop lost records: {stats:?}");

    let per_second = |elapsed: Duration| (2 * cases) as f64 / elapsed.as_secs_f64();
    println!("cases: {cases}, records: {}, page size: {page_bytes} B", 2 * cases);
    println!(
        "batched drain: {:>8.2} s  {:>8.0} records/s  {batched_requests} requests (pushes + page uploads)",
        batched.as_secs_f64(),
        per_second(batched)
    );
    println!(
        "naive loop:    {:>8.2} s  {:>8.0} records/s  {naive_requests} requests",
        naive.as_secs_f64(),
        per_second(naive)
    );
    println!("speed-up: {:.1}x", naive.as_secs_f64() / batched.as_secs_f64());
    Ok(())
}
