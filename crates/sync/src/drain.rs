//! Draining the outbox: read pending records, push them in batches, apply the platform's
//! verdicts, upload missing pages, and repeat until nothing is left or the link gives up.
//!
//! Rules, in the order they matter:
//! - **Nothing is confirmed before the platform says so**, and a record whose page the
//!   platform still lacks is confirmed only after the page's upload succeeded. Until then
//!   the record stays pending and is resent; the platform answers `duplicate` and names the
//!   page again. A crash at any point therefore loses nothing, and a resend doubles nothing.
//! - `accepted` and `duplicate` confirm (the latter heals lost acknowledgements).
//! - `rejected` (the platform's 4xx verdict on a record) and `conflict` **quarantine** the
//!   record with the platform's code and reason. They never stop other cases: the drain
//!   goes on. The quarantined record's case waits behind it (see [`crate::Outbox`]), and
//!   the platform itself defers that case's later records in the same batch (`deferred`).
//! - Network errors, timeouts, lost answers and 5xx are retried with exponential backoff
//!   and jitter ([`crate::backoff`]); after [`DrainOptions::max_retries`] failures in a
//!   row the drain stops and says why in [`DrainReport::stopped_by`]. The records stay
//!   queued for the next drain.
//! - **Batch size adapts**: halved (down to [`DrainOptions::min_batch`]) after a timeout or
//!   a broken answer or a 413, doubled (up to [`DrainOptions::max_batch`]) after a success.
//!   A batch the platform refuses as unreadable (400 `BODY_INVALID`) is retried one record
//!   at a time, so the bad record is found and quarantined with the platform's reason
//!   instead of blocking all; a single record refused that way is quarantined at once.
//!   Any other 4xx (a wrong URL, a proxy) stops the drain: it is not the records' fault.
//! - Errors that need a person (device not enrolled, signature refused) stop the drain at
//!   once, also reported in [`DrainReport::stopped_by`].
//! - Pages the platform lacks go up in multi-blob uploads (`POST /v1/blobs/batch`) of at
//!   most [`DrainOptions::blob_batch_bytes`]. A page the platform refuses (its bytes do not
//!   match its hash) quarantines its records; the other pages of the upload are stored.
//! - **An upload is sized to the line** ([`BlobPacer`]): the platform keeps nothing of an
//!   upload cut short, so each holds about a second of the line's measured throughput
//!   (at least one page): on a township line of a few Mbit/s that is one page per upload,
//!   and a cut costs that page, not four megabytes; on a fast link uploads grow to the
//!   most allowed. The first upload of a drain carries at most [`FIRST_UPLOAD_BYTES`];
//!   a failed one halves the estimate.
//!
//! - **The client and the platform work at the same time**: a batch's page uploads and
//!   confirmations finish while the next batch is pushed. Its records stay pending until
//!   then and are left out of the next batch, so nothing is sent twice by the overlap; a
//!   drain that stops still settles what the platform already answered.
//!
//! Logs name record ids and counts only; payloads hold ID numbers and never reach a log.

use std::collections::{HashMap, HashSet};

use platform_api::{BlobBatchResponse, BlobStatus, PushBatch, RecordStatus};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::backoff::{BackoffPolicy, Jitter, backoff};
use crate::client::PlatformClient;
use crate::error::SyncError;
use crate::outbox::{Outbox, OutgoingRecord, QuarantineReason};
use crate::verdict::{Verdict, page_missing_locally, verdict};

/// How a drain behaves.
#[derive(Debug, Clone)]
pub struct DrainOptions {
    /// Batch size to start with.
    pub initial_batch: usize,
    /// Smallest batch (after timeouts).
    pub min_batch: usize,
    /// Largest batch (at most [`platform_api::MAX_BATCH_RECORDS`]).
    pub max_batch: usize,
    /// Delays between retries.
    pub backoff: BackoffPolicy,
    /// Failed requests in a row after which the drain gives up (records stay queued).
    pub max_retries: u32,
    /// Multi-blob uploads (`POST /v1/blobs/batch`) in flight at the same time after a
    /// batch (at least 1).
    pub blob_concurrency: usize,
    /// Most page bytes in one multi-blob upload (at most [`platform_api::MAX_BLOB_BYTES`]);
    /// a larger page goes in an upload of its own.
    pub blob_batch_bytes: usize,
}

impl Default for DrainOptions {
    /// Batches of 50 growing to 500, backoff from 1 s to 5 minutes, 6 retries in a row,
    /// pages uploaded in batches of up to 4 MiB, 2 batches at a time.
    fn default() -> DrainOptions {
        DrainOptions {
            initial_batch: 50,
            min_batch: 1,
            max_batch: platform_api::MAX_BATCH_RECORDS,
            backoff: BackoffPolicy::default(),
            max_retries: 6,
            blob_concurrency: 2,
            blob_batch_bytes: 4 * 1024 * 1024,
        }
    }
}

/// What one drain did.
#[derive(Debug, Default)]
pub struct DrainReport {
    /// Records put on the wire, resends included.
    pub sent: u64,
    /// Records confirmed (accepted or duplicate), duplicates included.
    pub confirmed: u64,
    /// Of the confirmed records, those the platform already had (healed lost answers).
    pub duplicates: u64,
    /// Records set aside with the platform's reason.
    pub quarantined: u64,
    /// Records still pending when the drain ended.
    pub remaining: u64,
    /// Requests that failed (and were retried or ended the drain).
    pub errors: u64,
    /// Push requests made.
    pub requests: u64,
    /// Pages the platform now holds after an upload (stored or already stored).
    pub blobs_uploaded: u64,
    /// Multi-blob upload requests made.
    pub blob_requests: u64,
    /// Why the drain ended before the outbox was empty; `None` when it was emptied.
    pub stopped_by: Option<SyncError>,
}

/// Drains outboxes to one platform. Keep one per platform for the life of the app: the
/// batch size it learned carries over from one drain to the next.
#[derive(Debug)]
pub struct Drainer {
    client: PlatformClient,
    options: DrainOptions,
    jitter: Jitter,
    batch_size: usize,
    pacer: std::sync::Arc<std::sync::Mutex<BlobPacer>>,
}

/// How often a drain recounts the pending records for its progress total.
const RECOUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether a whole-batch refusal is about the records (so a smaller batch or a single
/// record can be tried and set aside) rather than about the setup. Only the platform's own
/// codes count: a proxy's or a wrong URL's 4xx carries none and must stop the drain instead
/// of quarantining the whole outbox one record at a time.
fn blames_the_records(code: &str) -> bool {
    code == platform_api::code::BODY_INVALID || code == platform_api::code::BATCH_TOO_LARGE
}

/// The pages of one multi-blob upload and the platform's answer.
type UploadOutcome = (Vec<String>, Result<BlobBatchResponse, SyncError>);

/// The most page bytes the first upload of a drain carries, before the line is measured.
pub const FIRST_UPLOAD_BYTES: usize = 256 * 1024;
/// How long one upload should take at the measured throughput: what a cut can waste.
const UPLOAD_SECONDS: f64 = 1.0;

/// Sizes multi-blob uploads to the line: an estimate of one upload's throughput (bytes per
/// second, an average of the last uploads' own), from which each next upload takes about
/// [`UPLOAD_SECONDS`] of pages, and at least one page.
#[derive(Debug, Default)]
pub struct BlobPacer {
    bytes_per_second: Option<f64>,
}

impl BlobPacer {
    /// The page bytes the next upload may carry, at most `most`.
    pub fn upload_bytes(&self, most: usize) -> usize {
        match self.bytes_per_second {
            None => FIRST_UPLOAD_BYTES.min(most),
            Some(rate) => ((rate * UPLOAD_SECONDS) as usize).clamp(1, most),
        }
    }

    /// An upload of `bytes` completed in `took`.
    pub fn completed(&mut self, bytes: usize, took: std::time::Duration) {
        let rate = bytes as f64 / took.as_secs_f64().max(0.000_1);
        self.bytes_per_second = Some(self.bytes_per_second.map_or(rate, |old| (old + rate) / 2.0));
    }

    /// An upload failed: the line may be worse than measured.
    pub fn failed(&mut self) {
        if let Some(rate) = &mut self.bytes_per_second {
            *rate /= 2.0;
        }
    }
}

/// The result of one upload task; a panicked task counts as a failed upload.
fn upload_outcome(joined: Result<UploadOutcome, tokio::task::JoinError>) -> UploadOutcome {
    joined.unwrap_or_else(|error| {
        (Vec::new(), Err(SyncError::Protocol { detail: format!("page upload task failed: {error}") }))
    })
}

/// A push answer being applied: its verdicts are recorded except the confirmations,
/// which wait for the page uploads still running.
#[derive(Default)]
struct Applying {
    /// Records confirmed by their verdict alone (not yet marked in the outbox).
    confirm: Vec<Uuid>,
    /// Records the platform holds whose page is uploading, by content hash.
    waiting_for_blob: HashMap<String, Vec<OutgoingRecord>>,
    /// The uploads, if any page was missing.
    uploads: Option<tokio::task::JoinHandle<Vec<UploadOutcome>>>,
    /// Records already quarantined.
    settled: u64,
    /// A verdict this client cannot read, to retry later.
    retry_error: Option<SyncError>,
}

impl Applying {
    /// The records still pending in the outbox because this batch has not finished.
    fn unsettled(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.confirm.iter().copied().chain(self.waiting_for_blob.values().flatten().map(|record| record.id))
    }
}

/// What applying one push answer achieved.
struct Applied {
    /// Records confirmed or quarantined (they left the pending set).
    settled: u64,
    /// An upload or verdict problem to retry later, if any.
    retry_error: Option<SyncError>,
}

impl Drainer {
    /// A drainer with `options` (sizes clamped to sane bounds) and a jitter source.
    pub fn new(client: PlatformClient, options: DrainOptions, jitter: Jitter) -> Drainer {
        let max_batch = options.max_batch.clamp(1, platform_api::MAX_BATCH_RECORDS);
        let min_batch = options.min_batch.clamp(1, max_batch);
        let batch_size = options.initial_batch.clamp(min_batch, max_batch);
        Drainer {
            client,
            options: DrainOptions { max_batch, min_batch, ..options },
            jitter,
            batch_size,
            pacer: std::sync::Arc::default(),
        }
    }

    /// The batch size the next push will use.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The client.
    pub fn client(&self) -> &PlatformClient {
        &self.client
    }

    fn shrink(&mut self) {
        self.batch_size = (self.batch_size / 2).max(self.options.min_batch);
    }

    fn grow(&mut self) {
        self.batch_size = (self.batch_size.saturating_mul(2)).min(self.options.max_batch);
    }

    /// Drains `outbox` until it is empty or the link gives up, calling `progress(done,
    /// total)` after each batch (`done` counts records confirmed or quarantined, `total` the
    /// records pending at the start, raised if more arrive meanwhile).
    ///
    /// Returns `Err` only when the outbox itself fails; platform and network trouble end
    /// the drain with [`DrainReport::stopped_by`] set.
    pub async fn drain<O: Outbox>(
        &mut self,
        outbox: &mut O,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<DrainReport, SyncError> {
        let mut report = DrainReport::default();
        let mut total = outbox.count_pending().map_err(SyncError::outbox)?;
        let mut last_count = std::time::Instant::now();
        let mut done = 0_u64;
        let mut failures_in_a_row = 0_u32;
        // Cases quarantined during this drain. The outbox already leaves them out of
        // `pending`; this is a second guard against sending a case's later record first.
        let mut held_cases: HashSet<Uuid> = HashSet::new();
        // After a whole-batch refusal, send one record at a time until this many went out.
        let mut isolate_for = 0_usize;
        progress(done, total);
        // The previous batch, applied except for its page uploads and confirmations: they
        // finish while the next batch is pushed, so the client and the platform work at the
        // same time. Its records are still pending in the outbox and are not sent again.
        let mut previous: Option<Applying> = None;
        loop {
            let limit = if isolate_for > 0 { 1 } else { self.batch_size };
            let in_flight: HashSet<Uuid> = previous.iter().flat_map(Applying::unsettled).collect();
            let records: Vec<OutgoingRecord> = outbox
                .pending(limit + in_flight.len())
                .map_err(SyncError::outbox)?
                .into_iter()
                .filter(|record| !held_cases.contains(&record.case_id) && !in_flight.contains(&record.id))
                .take(limit)
                .collect();
            if records.is_empty() {
                match previous.take() {
                    // Finish the last batch, then look again (a failed upload leaves its
                    // records pending).
                    Some(applying) => {
                        let applied = self.finish(outbox, applying, &mut held_cases, &mut report).await?;
                        done += applied.settled;
                        if let Some(error) = applied.retry_error {
                            report.errors += 1;
                            if self.pause_after(error, &mut failures_in_a_row, &mut report).await {
                                break;
                            }
                        }
                        progress(done, total.max(done));
                        continue;
                    }
                    None => break,
                }
            }
            isolate_for = isolate_for.saturating_sub(1);
            let ids: Vec<Uuid> = records.iter().map(|record| record.id).collect();
            outbox.record_attempt(&ids, None).map_err(SyncError::outbox)?;
            crate::crash::point(crate::crash::BEFORE_PUSH);
            let audit_anchor = outbox.audit_anchor().map_err(SyncError::outbox)?;
            let anchored = audit_anchor.as_ref().map(|anchor| anchor.head.seq);
            let clerk_keys = outbox.clerk_keys().map_err(SyncError::outbox)?;
            let batch = PushBatch {
                device_id: self.client.device_id().to_owned(),
                records: records.iter().map(OutgoingRecord::to_wire).collect(),
                audit_anchor,
                clerk_keys: clerk_keys.certificates,
                clerk_key_revocations: clerk_keys.revocations,
                // Sent on its own before a drain (`app::sync`): the key it replaces would
                // still sign this drain's later requests.
                device_key_change: None,
            };
            report.sent += records.len() as u64;
            report.requests += 1;
            tracing::debug!(records = records.len(), first = %ids[0], "pushing batch");
            let finishing = async {
                match previous.take() {
                    Some(applying) => {
                        self.finish(outbox, applying, &mut held_cases, &mut report).await.map(Some)
                    }
                    None => Ok(None),
                }
            };
            let (pushed, finished) = tokio::join!(self.client.push(&batch), finishing);
            let mut failure = None;
            if let Some(applied) = finished? {
                done += applied.settled;
                failure = applied.retry_error;
            }
            let push_failure = match pushed {
                Ok(answer) => {
                    crate::crash::point(crate::crash::ANSWERED);
                    if let Some(seq) = anchored {
                        outbox.anchor_acknowledged(seq).map_err(SyncError::outbox)?;
                    }
                    let mut applying =
                        self.start_apply(outbox, &records, answer, &mut held_cases, &mut report)?;
                    let progressed = applying.settled > 0 || applying.unsettled().next().is_some();
                    done += applying.settled;
                    let retry_error = applying.retry_error.take();
                    previous = Some(applying);
                    match retry_error {
                        None if progressed => {
                            failures_in_a_row = 0;
                            self.grow();
                            None
                        }
                        None => Some(SyncError::Protocol { detail: "a batch settled no record".to_owned() }),
                        Some(error) => Some(error),
                    }
                }
                Err(SyncError::Rejected { code, reason, .. })
                    if blames_the_records(&code) && records.len() == 1 =>
                {
                    // The platform refuses this one record whatever the batch: set it aside.
                    self.quarantine(outbox, &records[0], QuarantineReason { code, reason }, &mut held_cases)?;
                    report.quarantined += 1;
                    report.errors += 1;
                    done += 1;
                    None
                }
                Err(SyncError::Rejected { code, .. }) if blames_the_records(&code) => {
                    report.errors += 1;
                    if code == platform_api::code::BATCH_TOO_LARGE {
                        self.shrink();
                    } else {
                        // Find the record the platform cannot read by sending one at a time.
                        tracing::info!(records = records.len(), "batch refused as a whole; isolating");
                        isolate_for = records.len();
                    }
                    None
                }
                Err(error) => {
                    outbox.record_attempt(&ids, Some(&error.to_string())).map_err(SyncError::outbox)?;
                    if error.suggests_smaller_batch() {
                        self.shrink();
                    }
                    Some(error)
                }
            };
            if let Some(error) = push_failure.or(failure) {
                report.errors += 1;
                if self.pause_after(error, &mut failures_in_a_row, &mut report).await {
                    break;
                }
            }
            // Counting what is pending reads every pending item (an index scan), so it is
            // done once a second, or when the progress bar would reach its end; records
            // queued meanwhile still raise the total before the bar says "done".
            if done >= total || last_count.elapsed() >= RECOUNT_EVERY {
                total = total.max(done + outbox.count_pending().map_err(SyncError::outbox)?);
                last_count = std::time::Instant::now();
            }
            progress(done, total);
        }
        // A drain stopped by an error still settles what the platform already answered.
        if let Some(applying) = previous.take() {
            let applied = self.finish(outbox, applying, &mut held_cases, &mut report).await?;
            done += applied.settled;
            progress(done, total.max(done));
        }
        report.remaining = outbox.count_pending().map_err(SyncError::outbox)?;
        tracing::info!(
            sent = report.sent,
            confirmed = report.confirmed,
            duplicates = report.duplicates,
            quarantined = report.quarantined,
            remaining = report.remaining,
            errors = report.errors,
            "drain finished"
        );
        Ok(report)
    }

    /// After a failed request or upload: stops the drain (returns `true`, with the reason
    /// in the report) if the error needs a person or failed too often in a row; otherwise
    /// waits the backoff delay and returns `false`.
    async fn pause_after(
        &mut self,
        error: SyncError,
        failures_in_a_row: &mut u32,
        report: &mut DrainReport,
    ) -> bool {
        if !error.is_retryable() {
            tracing::warn!(%error, "drain stopped: needs a person");
            report.stopped_by = Some(error);
            return true;
        }
        *failures_in_a_row += 1;
        if *failures_in_a_row > self.options.max_retries {
            tracing::warn!(%error, failures_in_a_row = *failures_in_a_row, "drain gave up for now");
            report.stopped_by = Some(error);
            return true;
        }
        let delay = backoff(&self.options.backoff, *failures_in_a_row - 1, &mut self.jitter);
        tracing::info!(%error, retry_in_ms = delay.as_millis() as u64, "request failed; retrying");
        tokio::time::sleep(delay).await;
        false
    }

    fn quarantine<O: Outbox>(
        &self,
        outbox: &mut O,
        record: &OutgoingRecord,
        reason: QuarantineReason,
        held_cases: &mut HashSet<Uuid>,
    ) -> Result<(), SyncError> {
        tracing::warn!(record_id = %record.id, case_id = %record.case_id, code = %reason.code, "record quarantined");
        outbox.quarantine(record.id, &reason).map_err(SyncError::outbox)?;
        held_cases.insert(record.case_id);
        Ok(())
    }

    /// Applies the verdicts of one push answer: quarantines what the platform refused,
    /// reads the pages it lacks and starts their uploads. The records to confirm are
    /// confirmed by [`Drainer::finish`] once the uploads are done, so the caller can push
    /// the next batch meanwhile (the client and the platform then work at the same time).
    fn start_apply<O: Outbox>(
        &self,
        outbox: &mut O,
        records: &[OutgoingRecord],
        answer: platform_api::PushResponse,
        held_cases: &mut HashSet<Uuid>,
        report: &mut DrainReport,
    ) -> Result<Applying, SyncError> {
        let verdicts: HashMap<Uuid, RecordStatus> =
            answer.results.into_iter().map(|result| (result.record_id, result.status)).collect();
        let missing: HashSet<String> = answer.missing_blobs.into_iter().collect();
        let mut applying = Applying::default();
        for record in records {
            match verdict(record, verdicts.get(&record.id), &missing) {
                Verdict::Confirm { duplicate } => {
                    report.duplicates += u64::from(duplicate);
                    applying.confirm.push(record.id);
                }
                Verdict::NeedsPage { content_hash, duplicate } => {
                    report.duplicates += u64::from(duplicate);
                    applying.waiting_for_blob.entry(content_hash).or_default().push(record.clone());
                }
                Verdict::Quarantine(reason) => {
                    self.quarantine(outbox, record, reason, held_cases)?;
                    report.quarantined += 1;
                    applying.settled += 1;
                }
                Verdict::Leave => {
                    tracing::debug!(record_id = %record.id, "deferred behind an earlier record");
                }
                Verdict::Unknown => {
                    applying.retry_error = Some(SyncError::Protocol {
                        detail: "a record got no verdict this client knows".to_owned(),
                    });
                }
            }
        }
        // Read each page from the store; the upload task groups them into multi-blob
        // uploads sized to the line as it goes (see `BlobPacer`).
        let most_bytes = self.options.blob_batch_bytes.clamp(1, platform_api::MAX_BLOB_BYTES);
        let mut pages: Vec<(String, Vec<u8>)> = Vec::new();
        let mut unreadable = Vec::new();
        for (hash, waiting) in &applying.waiting_for_blob {
            let bytes = match outbox.read_blob(hash).map_err(SyncError::outbox)? {
                Some(bytes) if bytes.len() <= platform_api::MAX_BLOB_BYTES => bytes,
                found => {
                    let reason = match found {
                        None => page_missing_locally(),
                        Some(_) => QuarantineReason {
                            code: QuarantineReason::BLOB_REFUSED.to_owned(),
                            reason: format!(
                                "{}: page over the platform's {} bytes",
                                platform_api::code::BLOB_TOO_LARGE,
                                platform_api::MAX_BLOB_BYTES
                            ),
                        },
                    };
                    for record in waiting {
                        self.quarantine(outbox, record, reason.clone(), held_cases)?;
                        report.quarantined += 1;
                        applying.settled += 1;
                    }
                    unreadable.push(hash.clone());
                    continue;
                }
            };
            pages.push((hash.clone(), bytes));
        }
        for hash in unreadable {
            applying.waiting_for_blob.remove(&hash);
        }
        // One task runs the uploads, at most `blob_concurrency` at a time.
        if !pages.is_empty() {
            let client = self.client.clone();
            let concurrency = self.options.blob_concurrency.max(1);
            let pacer = self.pacer.clone();
            applying.uploads = Some(tokio::spawn(async move {
                let mut running = JoinSet::new();
                let mut outcomes: Vec<UploadOutcome> = Vec::new();
                let mut pages = pages.into_iter().peekable();
                while pages.peek().is_some() {
                    while running.len() >= concurrency {
                        outcomes.extend(running.join_next().await.map(upload_outcome));
                    }
                    let budget = pacer
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .upload_bytes(most_bytes);
                    let mut blobs = Vec::new();
                    let mut bytes = 0_usize;
                    while let Some((_, next)) = pages.peek() {
                        let full = !blobs.is_empty()
                            && (bytes.saturating_add(next.len()) > budget
                                || blobs.len() >= platform_api::MAX_BLOB_BATCH_BLOBS);
                        if full {
                            break;
                        }
                        let Some(page) = pages.next() else { break };
                        bytes = bytes.saturating_add(page.1.len());
                        blobs.push(page);
                    }
                    let client = client.clone();
                    let pacer = pacer.clone();
                    tracing::debug!(pages = blobs.len(), bytes, "uploading pages");
                    running.spawn(async move {
                        let started = std::time::Instant::now();
                        let result = client.put_blobs(&blobs).await;
                        let mut pacer = pacer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        match &result {
                            Ok(_) => pacer.completed(bytes, started.elapsed()),
                            Err(_) => pacer.failed(),
                        }
                        drop(pacer);
                        let hashes = blobs.into_iter().map(|(hash, _)| hash).collect();
                        (hashes, result)
                    });
                }
                while let Some(joined) = running.join_next().await {
                    outcomes.push(upload_outcome(joined));
                }
                outcomes
            }));
        }
        Ok(applying)
    }

    /// Waits for the uploads [`Drainer::start_apply`] started, quarantines the records of
    /// pages the platform refused, and confirms the rest in one outbox call.
    async fn finish<O: Outbox>(
        &self,
        outbox: &mut O,
        applying: Applying,
        held_cases: &mut HashSet<Uuid>,
        report: &mut DrainReport,
    ) -> Result<Applied, SyncError> {
        let Applying { mut confirm, waiting_for_blob, uploads, mut settled, mut retry_error } = applying;
        let outcomes = match uploads {
            Some(task) => task.await.unwrap_or_else(|error| {
                vec![(
                    Vec::new(),
                    Err(SyncError::Protocol { detail: format!("page upload task failed: {error}") }),
                )]
            }),
            None => Vec::new(),
        };
        report.blob_requests += outcomes.len() as u64;
        for (hashes, result) in outcomes {
            let answer = match result {
                Ok(answer) => answer,
                Err(error) => {
                    // Left pending, with the reason for the stuck-items view: the next push
                    // names the pages again. A whole upload refused with a 4xx is not
                    // retryable and stops the drain.
                    tracing::info!(%error, pages = hashes.len(), "page upload failed");
                    let waiting: Vec<Uuid> = hashes
                        .iter()
                        .filter_map(|hash| waiting_for_blob.get(hash))
                        .flatten()
                        .map(|record| record.id)
                        .collect();
                    outbox.record_attempt(&waiting, Some(&error.to_string())).map_err(SyncError::outbox)?;
                    retry_error = Some(error);
                    continue;
                }
            };
            for result in answer.results {
                let waiting =
                    waiting_for_blob.get(&result.content_hash).map(Vec::as_slice).unwrap_or_default();
                match result.status {
                    BlobStatus::Stored | BlobStatus::AlreadyStored => {
                        report.blobs_uploaded += 1;
                        confirm.extend(waiting.iter().map(|record| record.id));
                    }
                    BlobStatus::Refused { code, reason } => {
                        for record in waiting {
                            let reason = QuarantineReason {
                                code: QuarantineReason::BLOB_REFUSED.to_owned(),
                                reason: format!("{code}: {reason}"),
                            };
                            self.quarantine(outbox, record, reason, held_cases)?;
                            report.quarantined += 1;
                            settled += 1;
                        }
                    }
                    BlobStatus::Unknown => {
                        retry_error = Some(SyncError::Protocol {
                            detail: "a page got no verdict this client knows".to_owned(),
                        });
                    }
                }
            }
        }
        crate::crash::point(crate::crash::PAGES_UPLOADED);
        if !confirm.is_empty() {
            outbox.mark_confirmed(&confirm).map_err(SyncError::outbox)?;
            report.confirmed += confirm.len() as u64;
            settled += confirm.len() as u64;
            crate::crash::point(crate::crash::CONFIRMED);
        }
        Ok(Applied { settled, retry_error })
    }
}
