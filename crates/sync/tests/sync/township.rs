//! The drain over a township line (issue 20): cases of three scanned pages each, through a
//! shaped line ([`crate::line`]: bandwidth, delay, a cut), to the stand-in.
//!
//! - Over a clean line, the pages cross once (no byte sent twice) and the drain takes
//!   little more than the page bytes over the bandwidth.
//! - A line cut in the middle of the page uploads costs at most one page's bytes sent
//!   again: uploads are sized to the line (`sync::BlobPacer`), and the retry uploads only
//!   the pages the platform still lacks.
//!
//! In `make test` the line is 8 Mbit/s with 100 ms round trips and 4 cases (3.6 MB of
//! pages). The figures of the issue (2 Mbit/s, 100 cases, 90 MB, about six minutes) come
//! from `make bench-township` (`TOWNSHIP_CASES=100 TOWNSHIP_KBIT=2000`), which also
//! holds the drain to 1.2× the page bytes over the bandwidth; the short run allows 1.5×
//! on a machine the other tests share. The figures go to BENCHMARKS.md.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use platform_stub::TestServer;
use sync::{BackoffPolicy, DrainOptions, Drainer, Jitter, OutgoingKind, OutgoingRecord};

use crate::line::{Line, Shape};
use crate::outbox_file::FileOutbox;
use crate::support::{DEVICE, assert_platform_holds_exactly, case_id, client, identity, page, record};

/// What crosses the line besides a page's bytes, per page at most: its upload's request
/// line, headers and signature, its entry in the upload's index, and its records in a push
/// (about 590 bytes measured at one page per upload); and a fixed allowance for the pushes'
/// own headers. Far below a 300 KB page, so a page sent twice cannot hide in it.
const OVERHEAD_PER_PAGE: u64 = 700;
const OVERHEAD_FIXED: u64 = 32 * 1024;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

/// Incompressible bytes, as a JPEG page is: a xorshift stream seeded per page.
fn random_page(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut bytes = Vec::with_capacity(length + 8);
    while bytes.len() < length {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(length);
    bytes
}

struct Township {
    server: TestServer,
    line: Line,
    outbox: FileOutbox,
    drainer: Drainer,
    records: Vec<OutgoingRecord>,
    page_bytes: u64,
    page_size: u64,
    bits_per_second: u64,
    _directory: tempfile::TempDir,
}

/// A stand-in, a line in front of it, and `cases` cases of a creation and three pages.
async fn township(space: u64, cut_at_fraction: Option<f64>) -> Township {
    let cases = env_number("TOWNSHIP_CASES", 4);
    let page_size = env_number("TOWNSHIP_PAGE_BYTES", 300_000);
    let bits_per_second = env_number("TOWNSHIP_KBIT", 8_000) * 1000;
    let delay = Duration::from_millis(env_number("TOWNSHIP_DELAY_MS", 50));
    let page_bytes = cases * 3 * page_size;
    let cut_at_upload_byte = cut_at_fraction.map(|fraction| (page_bytes as f64 * fraction) as u64);
    let server = TestServer::start().await.expect("start the stand-in");
    server.platform().register_device(DEVICE, identity().public_key()).expect("register device");
    let upstream = server.url().trim_start_matches("http://").to_owned();
    let line = Line::start(upstream, Shape { bits_per_second, delay, cut_at_upload_byte }).await;
    server.platform().accept_host(line.url.trim_start_matches("http://"));
    let directory = tempfile::tempdir().expect("temp dir");
    let outbox = FileOutbox::open(&directory.path().join("outbox.sqlite3"));
    let mut records = Vec::new();
    let mut n = 0;
    for case_number in 0..cases {
        let case = case_id(space, case_number);
        n += 1;
        let created = record(space, n, case, 1, OutgoingKind::CaseCreated);
        outbox.enqueue(&created);
        records.push(created);
        for sheet in 0..3 {
            let bytes = random_page(space * 1_000 + case_number * 3 + sheet, page_size as usize);
            let (kind, hash) = page(&bytes);
            outbox.store_blob(&hash, &bytes);
            n += 1;
            let page_record = record(space, n, case, 2 + sheet, kind);
            outbox.enqueue(&page_record);
            records.push(page_record);
        }
    }
    let options = DrainOptions {
        backoff: BackoffPolicy { base: Duration::from_millis(50), cap: Duration::from_millis(400) },
        ..DrainOptions::default()
    };
    // A page takes seconds on this line: the request timeout is the issue's, not loopback's.
    let drainer =
        Drainer::new(client(&line.url, identity(), Duration::from_secs(60)), options, Jitter::seeded(7));
    Township {
        server,
        line,
        outbox,
        drainer,
        records,
        page_bytes,
        page_size,
        bits_per_second,
        _directory: directory,
    }
}

/// Drains until the outbox is empty (a cut stops a drain; the next one resumes), and
/// returns the time it took.
async fn drain_all(town: &mut Township) -> Duration {
    let started = Instant::now();
    for attempt in 0..10 {
        let report = town.drainer.drain(&mut town.outbox, |_, _| {}).await.expect("drain");
        if report.remaining == 0 && report.stopped_by.is_none() {
            return started.elapsed();
        }
        assert!(attempt < 9, "the outbox never emptied: {report:?}");
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_line_carries_each_page_once_near_its_bandwidth() {
    let mut town = township(40, None).await;
    let took = drain_all(&mut town).await;
    assert_platform_holds_exactly(&town.server, &town.records);
    let up = town.line.counters.up.load(Ordering::SeqCst);
    let down = town.line.counters.down.load(Ordering::SeqCst);
    let ideal = Duration::from_secs_f64(town.page_bytes as f64 * 8.0 / town.bits_per_second as f64);
    let ratio = took.as_secs_f64() / ideal.as_secs_f64();
    eprintln!(
        "township line {} kbit/s: {} pages of {} B ({} B) drained in {took:.2?}, {ratio:.2}× the page bytes over the bandwidth ({ideal:.2?}); {up} B up, {down} B down, {} connections",
        town.bits_per_second / 1000,
        town.page_bytes / town.page_size,
        town.page_size,
        town.page_bytes,
        town.line.counters.connections.load(Ordering::SeqCst)
    );
    // Every page once: what went up beyond the pages is requests and records, not pages.
    let pages = town.page_bytes / town.page_size;
    assert!(
        up <= town.page_bytes + pages * OVERHEAD_PER_PAGE + OVERHEAD_FIXED,
        "{up} B went up for {} B of pages: a page was sent twice",
        town.page_bytes
    );
    let limit = if std::env::var_os("TOWNSHIP_STRICT").is_some() { 1.2 } else { 1.5 };
    assert!(ratio <= limit, "the drain took {ratio:.2}× the page bytes over the bandwidth (limit {limit})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_cut_mid_upload_costs_at_most_one_page_sent_again() {
    let mut town = township(41, Some(0.45)).await;
    drain_all(&mut town).await;
    assert_eq!(town.line.counters.cuts.load(Ordering::SeqCst), 1, "the line was cut once");
    assert_platform_holds_exactly(&town.server, &town.records);
    let platform = town.server.platform();
    assert_eq!(platform.stats().expect("stats").blobs, town.page_bytes / town.page_size, "every page stored");
    let up = town.line.counters.up.load(Ordering::SeqCst);
    // Requests, headers and records are under a kilobyte a page; what is over that was
    // sent again.
    let pages = town.page_bytes / town.page_size;
    let again = up.saturating_sub(town.page_bytes + pages * OVERHEAD_PER_PAGE + OVERHEAD_FIXED);
    eprintln!(
        "township line cut at 45 % of {} B of pages: {up} B went up, {} B more than the pages, at most {again} B of it sent again (one page: {} B)",
        town.page_bytes,
        up - town.page_bytes,
        town.page_size
    );
    assert!(
        again <= town.page_size,
        "a cut cost {again} B sent again, more than one page ({} B)",
        town.page_size
    );
}
