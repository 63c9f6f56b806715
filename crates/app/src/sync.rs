//! Sync with the provincial platform: drain the office's outbox, pull the platform's
//! decisions, apply them, and report a status for the window's header.
//!
//! # How it fits
//!
//! - [`StoreOutbox`] is the office store behind `sync::Outbox`: it maps outbox rows to
//!   `sync::OutgoingRecord`s (the row's UUIDv7 is the idempotency key, the queue position
//!   is the contract's `sequence`, state names as the domain spells them) and records every
//!   attempt, confirmation and quarantine through the store, audited as `sync_*` events
//!   by the system actor `sync`.
//! - [`Syncer`] runs one sync at a time: it makes sure the installation has its device
//!   identity ([`device_identity`]), drains the outbox with a `sync::Drainer` (kept between
//!   runs so the batch size it learned carries over), pulls decisions after the stored
//!   cursor and applies each page in one store transaction with the new cursor, then
//!   drains again if decisions queued something (the 签发 step is itself reported).
//!   [`sync_once`] is a one-shot `Syncer`.
//! - **Blocking API.** The app's API stays plain and synchronous for the shell and
//!   `permitctl`: a `Syncer` owns a small current-thread tokio runtime and blocks on it.
//!   Call it from a thread of its own (the shell: `tauri::async_runtime::spawn_blocking`
//!   or a `std::thread`), never from inside an async task, where blocking on a runtime
//!   panics.
//! - **The office lock is held only between requests.** Everything takes an
//!   [`OfficeHandle`]: `&mut Office` (permitctl, tests) or the shell's
//!   `&Mutex<Option<Office>>`, locked for each short store transaction and released while
//!   a request is on the wire, so the window stays usable during a long drain.
//! - **Who acts.** Syncing needs an unlocked office but no clerk: it runs as the system
//!   actor `sync` and keeps running while the screen is idle-locked. Decisions are applied
//!   by the platform's system account (`PLATFORM`, shown as 省平台): a `permit_issued`
//!   decision for an approved case is the domain's 签发 step with the permit number, made
//!   by 省平台, with its case event, outbox row and audit row like any step. A `rejected`
//!   decision is recorded with its reasons ([`case_decisions`]) but moves no state: the
//!   domain has no step from 已审批 to 不予通过, so a person decides what follows. Every
//!   decision is audited as `platform_decision`.
//! - **Failures are data.** Network and platform trouble end a sync with
//!   [`SyncReport::problem`] (a stable code and a Chinese sentence) and are kept for
//!   [`sync_status`]; records stay queued. Only a failing store is an `Err`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub use ::sync::{BackoffPolicy, DrainOptions};
use ::sync::{
    ClientConfig, Connectivity, ConnectivityMonitor, ConnectivityOptions, DeviceIdentity, Drainer, Jitter,
    Outbox, OutgoingKind, OutgoingRecord, PlatformClient, QuarantineReason, SyncError,
};
use chrono::{DateTime, Utc};
use domain::case::Actor;
use domain::record::ApplicationRecord;
use platform_api::{DecisionKind, DecisionPage};
use store::{CaseState, IncomingDecision, OutboxItem, StoreError};
pub use store::{OutboxId, OutboxStatus};
use uuid::Uuid;

use crate::cases::{self, CaseId};
use crate::office::{Office, Roles};
use crate::{AppError, clock};

/// Access to the office for the length of one short store transaction. The sync holds it
/// only between requests, never while one is on the wire.
pub trait OfficeHandle {
    /// Runs `f` on the office.
    fn with_office<R>(&mut self, f: impl FnOnce(&mut Office) -> Result<R, AppError>) -> Result<R, AppError>;
}

impl OfficeHandle for &mut Office {
    fn with_office<R>(&mut self, f: impl FnOnce(&mut Office) -> Result<R, AppError>) -> Result<R, AppError> {
        f(self)
    }
}

impl OfficeHandle for &Mutex<Office> {
    fn with_office<R>(&mut self, f: impl FnOnce(&mut Office) -> Result<R, AppError>) -> Result<R, AppError> {
        // A panic elsewhere while holding the lock leaves a store whose transactions were
        // rolled back: keep using it.
        let mut office = self.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut office)
    }
}

/// The shell's state: `None` before set-up or log-in opened the office, which fails with
/// [`AppError::NotLoggedIn`].
impl OfficeHandle for &Mutex<Option<Office>> {
    fn with_office<R>(&mut self, f: impl FnOnce(&mut Office) -> Result<R, AppError>) -> Result<R, AppError> {
        let mut office = self.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match office.as_mut() {
            Some(office) => f(office),
            None => Err(AppError::NotLoggedIn),
        }
    }
}

/// Where the platform is and how to talk to it.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Base URL: `https://…`, or `http://` to a loopback host (the stand-in).
    pub base_url: String,
    /// The device id to create the identity with on the first sync; `None` derives one
    /// from the office id and a random suffix. Once created, the stored identity wins.
    pub device_id: Option<String>,
    /// A one-time enrolment code: when set, each sync first enrols the device's public key
    /// with it (harmless once enrolled). Leave it `None` when an operator pre-shared the key.
    pub enrolment_code: Option<String>,
    /// Longest wait for one request.
    pub request_timeout: Duration,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Batch sizes, backoff and retries of the drain.
    pub drain: DrainOptions,
    /// Decisions per page pulled.
    pub decision_page_limit: u32,
    /// Pause between syncs of the background loop while things go well
    /// ([`Syncer::next_sync_in`]).
    pub interval: Duration,
    /// The wall clock (instants written to the store); tests pin it.
    pub clock: fn() -> DateTime<Utc>,
}

fn wall_clock() -> DateTime<Utc> {
    clock::now().to_utc()
}

impl SyncConfig {
    /// Defaults for `base_url`: 30 s per request, 10 s to connect, the drain's defaults,
    /// pages of 200 decisions, a sync a minute, the system clock.
    pub fn new(base_url: &str) -> SyncConfig {
        SyncConfig {
            base_url: base_url.to_owned(),
            device_id: None,
            enrolment_code: None,
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            drain: DrainOptions::default(),
            decision_page_limit: 200,
            interval: Duration::from_secs(60),
            clock: wall_clock,
        }
    }
}

/// This installation's identity on the platform (the secret stays in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The device id.
    pub device_id: String,
    /// The Ed25519 public key, 64 lowercase hex digits, to register on the platform.
    pub public_key_hex: String,
    /// When the identity was created.
    pub created_at: DateTime<Utc>,
}

/// Why a sync ended early, for the header and the log. No personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProblem {
    /// Stable code (`PLATFORM_UNREACHABLE`, `DEVICE_NOT_ENROLLED`, …).
    pub code: &'static str,
    /// One Chinese sentence for the clerk.
    pub message: String,
    /// The counter looks offline (no connection or no answer).
    pub offline: bool,
    /// Retrying alone will not help: a person must act (enrol the device, fix the URL, the clock).
    pub needs_person: bool,
}

/// A permit number the platform issued during a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPermit {
    /// The case.
    pub case_id: CaseId,
    /// The electronic permit's number.
    pub permit_number: String,
}

/// A rejection the platform sent during a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRejection {
    /// The case.
    pub case_id: CaseId,
    /// The platform's reasons, as it wrote them.
    pub reasons: Vec<String>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Records put on the wire, resends included.
    pub sent: u64,
    /// Records the platform confirmed (duplicates included).
    pub confirmed: u64,
    /// Of those, records the platform already had (healed lost acknowledgements).
    pub duplicates: u64,
    /// Records set aside with the platform's reason.
    pub quarantined: u64,
    /// Records still queued at the end.
    pub remaining: u64,
    /// Decisions received and recorded.
    pub decisions: u64,
    /// Permits issued (cases moved to 已签发).
    pub issued: Vec<IssuedPermit>,
    /// Rejections recorded.
    pub rejected: Vec<PlatformRejection>,
    /// The device id used.
    pub device_id: String,
    /// Why the sync ended early; `None` when everything sendable went out and decisions
    /// were pulled.
    pub problem: Option<SyncProblem>,
}

/// The sync status for the window's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// Records not yet confirmed by the platform (including those held back).
    pub queued: u64,
    /// Of those, records waiting behind a quarantined record of their case.
    pub held: u64,
    /// When the oldest queued record was written.
    pub oldest_queued_at: Option<DateTime<Utc>>,
    /// Records quarantined, waiting for a person ([`quarantined`], [`resend`]).
    pub quarantined: u64,
    /// When a sync last ran.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a sync last ended without trouble.
    pub last_success_at: Option<DateTime<Utc>>,
    /// How the last sync ended, if in trouble (Chinese).
    pub last_error: Option<String>,
    /// The last sync could not reach the platform.
    pub offline: bool,
    /// The device id, once created.
    pub device_id: Option<String>,
    /// The platform's clock minus this machine's, in seconds, as the last sync measured
    /// it (`None` before a sync reached the platform since the office was opened).
    pub clock_skew_seconds: Option<i64>,
    /// Set when that difference is beyond [`CLOCK_SKEW_WARNING_SECONDS`] (Chinese).
    pub clock_warning: Option<String>,
    /// Free space for the data directory, in bytes (`None` when it cannot be read).
    pub disk_free_bytes: Option<u64>,
    /// Set when the data directory's disk is nearly full ([`disk_warning`], Chinese).
    pub disk_warning: Option<String>,
    /// Set when this year's holiday table is missing, or next year's from 1 December
    /// ([`crate::deadline::holiday_warning`], Chinese).
    pub holiday_warning: Option<String>,
}

/// Seconds of difference with the platform's clock beyond which the header warns (the
/// platform refuses signatures beyond 300 s; deadlines and audit times use this clock).
pub const CLOCK_SKEW_WARNING_SECONDS: i64 = 120;

/// Free space under which the header warns: 1 GiB…
pub const DISK_WARNING_FREE_BYTES: u64 = 1 << 30;
/// …or 5 % of the disk, whichever is hit first.
pub const DISK_WARNING_FREE_PERCENT: u64 = 5;

/// The last comparison of this machine's clock with the platform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockCheck {
    /// Platform minus local, in milliseconds.
    pub skew_millis: i64,
    /// When it was measured.
    pub measured_at: DateTime<Utc>,
}

/// The Chinese warning for a clock `skew_seconds` off the platform's (platform minus
/// local), or `None` within [`CLOCK_SKEW_WARNING_SECONDS`].
pub fn clock_warning(skew_seconds: i64) -> Option<String> {
    if skew_seconds.abs() <= CLOCK_SKEW_WARNING_SECONDS {
        return None;
    }
    let minutes = (skew_seconds.abs() + 30) / 60;
    let amount =
        if minutes >= 1 { format!("约 {minutes} 分钟") } else { format!("{} 秒", skew_seconds.abs()) };
    let direction = if skew_seconds > 0 { "慢" } else { "快" };
    Some(format!(
        "本机时间比省平台{direction}{amount}，请管理员校准系统时间：受理日期、办结期限和审计记录都以本机时间为准。"
    ))
}

/// The Chinese warning when `free` of `total` bytes is under [`DISK_WARNING_FREE_BYTES`]
/// or [`DISK_WARNING_FREE_PERCENT`] %, else `None`.
pub fn disk_warning(free: u64, total: u64) -> Option<String> {
    let low_percent = total > 0 && free.saturating_mul(100) < total.saturating_mul(DISK_WARNING_FREE_PERCENT);
    if free >= DISK_WARNING_FREE_BYTES && !low_percent {
        return None;
    }
    let shown = if free >= 1 << 30 {
        format!("{:.1} GB", free as f64 / f64::from(1_u32 << 30))
    } else {
        format!("{} MB", free >> 20)
    };
    Some(format!(
        "数据所在磁盘空间将满（仅剩 {shown}），请管理员清理磁盘或更换存储，否则将无法保存案件和扫描页。"
    ))
}

/// Free and total bytes of the file system holding `dir` (`statvfs`), or `None` where
/// they cannot be read.
pub fn disk_space(dir: &std::path::Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let stats = rustix::fs::statvfs(dir).ok()?;
        Some((stats.f_bavail.saturating_mul(stats.f_frsize), stats.f_blocks.saturating_mul(stats.f_frsize)))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

impl SyncStatus {
    /// True when the oldest queued record is older than `max_age` at `now` (the "queue
    /// older than N days" warning).
    pub fn queue_older_than(&self, now: DateTime<Utc>, max_age: chrono::Duration) -> bool {
        self.oldest_queued_at.is_some_and(|oldest| now - oldest > max_age)
    }
}

/// One outbox record for the supervisor view and `permitctl outbox`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// The record's id (its idempotency key); pass it to [`resend`].
    pub id: OutboxId,
    /// The case.
    pub case_id: Option<CaseId>,
    /// Delivery state.
    pub status: OutboxStatus,
    /// What it reports, in Chinese (e.g. `状态变更：已审核 → 已审批`).
    pub summary: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// Last change (for a quarantined record: when it was set aside).
    pub updated_at: DateTime<Utc>,
    /// The platform's code, for a quarantined record.
    pub code: Option<String>,
    /// The last error or the platform's reason, as received.
    pub detail: Option<String>,
    /// Why it is quarantined or stuck, in Chinese, for the clerk.
    pub reason_zh: Option<String>,
    /// For a quarantined record: who must do what next, in Chinese ([`next_step_zh`]).
    pub next_step_zh: Option<String>,
    /// The applicant's name (filled by [`quarantined`] for the supervisor's view).
    pub applicant: Option<String>,
    /// The case's 申请编号, once given (filled by [`quarantined`]).
    pub application_number: Option<String>,
    /// A quarantined submission refused for its content: its application can be corrected
    /// and sent again ([`correct_and_resend`]).
    pub correctable: bool,
}

/// The outbox for `permitctl outbox`: what waits and what is set aside.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxListing {
    /// Records not yet confirmed, in queue order (at most the limit asked for).
    pub queued: Vec<OutboxEntry>,
    /// Quarantined records, oldest first.
    pub quarantined: Vec<OutboxEntry>,
}

/// A decision of the platform about one case, for the case page.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDecision {
    /// The platform's cursor.
    pub cursor: u64,
    /// The kind as the platform names it (`permit_issued`, `rejected`, `sms_sent`…).
    pub kind: String,
    /// In Chinese, e.g. `省平台签发居住证 3300…` or `省平台不予通过：…`.
    pub summary: String,
    /// What the app did: `applied`, `recorded`, `not_applied: …`.
    pub outcome: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// The office store behind `sync::Outbox` (see the module docs).
pub struct StoreOutbox<'h, H: OfficeHandle> {
    handle: &'h mut H,
    clock: fn() -> DateTime<Utc>,
}

impl<'h, H: OfficeHandle> StoreOutbox<'h, H> {
    /// The outbox of the office behind `handle`, writing instants read from `clock`.
    pub fn new(handle: &'h mut H, clock: fn() -> DateTime<Utc>) -> StoreOutbox<'h, H> {
        StoreOutbox { handle, clock }
    }
}

fn outbox_ids(ids: &[Uuid]) -> Result<Vec<OutboxId>, AppError> {
    ids.iter().map(|id| Ok(id.hyphenated().to_string().parse::<OutboxId>()?)).collect()
}

/// A stored state key as the contract spells it: the domain's serde name (the one-time
/// notice is stored as `refused` and travels as `notice_issued`). A key this build does
/// not know travels as it is stored, for the platform to refuse.
fn wire_state(stored: &str) -> String {
    CaseState::parse(stored)
        .and_then(|state| serde_json::to_value(state).ok())
        .and_then(|name| name.as_str().map(str::to_owned))
        .unwrap_or_else(|| stored.to_owned())
}

pub(crate) fn outgoing(item: OutboxItem) -> Result<OutgoingRecord, AppError> {
    let corrupt = |detail: String| AppError::Store(StoreError::Corrupt { detail });
    let case_id = item.case_id.ok_or_else(|| corrupt(format!("outbox item {} names no case", item.id)))?;
    let kind = match item.kind.as_str() {
        "case_state_changed" => {
            let state = |key: &str| {
                item.payload[key]
                    .as_str()
                    .map(wire_state)
                    .ok_or_else(|| corrupt(format!("outbox item {} has no {key} state", item.id)))
            };
            OutgoingKind::StateChanged { from: state("from")?, to: state("to")? }
        }
        "page_metadata" => {
            let content_hash = item.payload["content_hash"]
                .as_str()
                .ok_or_else(|| corrupt(format!("outbox item {} has no content hash", item.id)))?
                .to_owned();
            let bytes = item.payload["bytes"]
                .as_u64()
                .ok_or_else(|| corrupt(format!("outbox item {} has no page size", item.id)))?;
            OutgoingKind::PageMetadata { content_hash, bytes }
        }
        other => return Err(corrupt(format!("outbox item {} has unknown kind {other:?}", item.id))),
    };
    Ok(OutgoingRecord {
        id: *item.id.as_uuid(),
        case_id: *case_id.as_uuid(),
        kind,
        sequence: u64::try_from(item.seq).unwrap_or(0),
        payload: item.payload,
        created_at: item.created_at,
    })
}

impl<H: OfficeHandle> Outbox for StoreOutbox<'_, H> {
    type Error = AppError;

    fn pending(&mut self, limit: usize) -> Result<Vec<OutgoingRecord>, AppError> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let items = self.handle.with_office(|office| Ok(office.store.outbox_sendable(limit)?))?;
        items.into_iter().map(outgoing).collect()
    }

    fn count_pending(&mut self) -> Result<u64, AppError> {
        self.handle.with_office(|office| Ok(office.store.outbox_count_sendable()?))
    }

    fn record_attempt(&mut self, ids: &[Uuid], error: Option<&str>) -> Result<(), AppError> {
        let ids = outbox_ids(ids)?;
        let at = (self.clock)();
        self.handle
            .with_office(|office| Ok(office.store.outbox_mark_attempts(&ids, error, at).map(|_| ())?))
    }

    fn mark_confirmed(&mut self, ids: &[Uuid]) -> Result<(), AppError> {
        let ids = outbox_ids(ids)?;
        let at = (self.clock)();
        self.handle.with_office(|office| Ok(office.store.outbox_mark_confirmed(&ids, at).map(|_| ())?))
    }

    fn quarantine(&mut self, id: Uuid, reason: &QuarantineReason) -> Result<(), AppError> {
        let ids = outbox_ids(&[id])?;
        let at = (self.clock)();
        self.handle.with_office(|office| {
            Ok(office.store.outbox_quarantine_with_code(&ids[0], &reason.code, &reason.reason, at)?)
        })
    }

    fn read_blob(&mut self, content_hash: &str) -> Result<Option<Vec<u8>>, AppError> {
        // The stored page with that hash; a page record whose bytes are missing (the page
        // was deleted) is quarantined as BLOB_MISSING_LOCALLY by the drain.
        self.handle.with_office(|office| Ok(office.store.page_bytes_by_hash(content_hash)?))
    }
}

/// A device id from the office id: its characters outside `A-Z a-z 0-9 . _ -` become
/// `-`, then a random suffix, so two installations of one office differ.
fn default_device_id(office_id: &str) -> Result<String, AppError> {
    let stem: String = office_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .take(48)
        .collect();
    let suffix = CaseId::new(DateTime::UNIX_EPOCH)?.as_uuid().simple().to_string();
    let suffix = &suffix[suffix.len() - 8..];
    Ok(if stem.trim_matches('-').is_empty() {
        format!("counter-{suffix}")
    } else {
        format!("{stem}-{suffix}")
    })
}

fn identity_problem(error: &SyncError) -> AppError {
    AppError::Validation(vec![domain::FieldIssue::new(
        "device_id",
        "DEVICE_ID_INVALID",
        format!("设备号不合规：只能使用字母、数字和 . _ -，最长 64 个字符（{error}）。"),
    )])
}

pub(crate) fn load_identity(
    office: &mut Office,
    preferred_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DeviceIdentity, AppError> {
    let stored = match office.store.device_secret()? {
        Some(stored) => stored,
        None => {
            let device_id = match preferred_id {
                Some(id) => id.to_owned(),
                None => default_device_id(office.office_id())?,
            };
            let fresh = DeviceIdentity::generate(&device_id).map_err(|error| identity_problem(&error))?;
            office.store.device_secret_or_insert(&device_id, &fresh.secret_bytes(), now)?
        }
    };
    DeviceIdentity::from_secret(&stored.device_id, &stored.secret).map_err(|error| identity_problem(&error))
}

/// This installation's device identity, created (and audited) the first time: a device id
/// (`preferred_id`, or one derived from the office id) and an Ed25519 key pair whose
/// secret is kept in the encrypted store. Idempotent: later calls return the stored one.
/// Needs no clerk (the first sync calls it); show the public key to the operator who
/// registers the device on the platform.
pub fn device_identity(
    mut handle: impl OfficeHandle,
    preferred_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DeviceInfo, AppError> {
    handle.with_office(|office| {
        let identity = load_identity(office, preferred_id, now)?;
        let created_at = office.store.device_secret()?.map_or(now, |stored| stored.created_at);
        Ok(DeviceInfo {
            device_id: identity.device_id().to_owned(),
            public_key_hex: identity.public_key_hex(),
            created_at,
        })
    })
}

/// The problem a sync error means for the clerk.
pub fn problem_of(error: &SyncError) -> SyncProblem {
    let problem =
        |code, message: String, offline, needs_person| SyncProblem { code, message, offline, needs_person };
    match error {
        SyncError::Unreachable { .. } => problem(
            "PLATFORM_UNREACHABLE",
            "无法连接省平台，记录已保留在本机，联网后自动上报。".to_owned(),
            true,
            false,
        ),
        SyncError::Timeout => problem(
            "PLATFORM_TIMEOUT",
            "省平台响应超时，记录已保留在本机，稍后自动重试。".to_owned(),
            true,
            false,
        ),
        SyncError::ConnectionLost { .. } => {
            problem("PLATFORM_CONNECTION_LOST", "与省平台的连接中断，稍后自动重试。".to_owned(), false, false)
        }
        SyncError::Unavailable { status, .. } => problem(
            "PLATFORM_UNAVAILABLE",
            format!("省平台暂时无法处理（HTTP {status}），稍后自动重试。"),
            false,
            false,
        ),
        SyncError::Protocol { .. } => problem(
            "PLATFORM_ANSWER_INVALID",
            "省平台的应答无法识别，可能被代理或网关拦截，稍后自动重试。".to_owned(),
            false,
            false,
        ),
        SyncError::DeviceUnknown { device_id } => problem(
            "DEVICE_NOT_ENROLLED",
            format!("本机（设备号 {device_id}）尚未在省平台登记，请管理员登记本机公钥后再同步。"),
            false,
            true,
        ),
        SyncError::Unauthorized { code, .. } => problem(
            "PLATFORM_SIGNATURE_REFUSED",
            format!("省平台拒绝了本机的签名（{code}），请检查本机时间和设备密钥。"),
            false,
            true,
        ),
        SyncError::Rejected { code, status, .. } => problem(
            "PLATFORM_REQUEST_REFUSED",
            format!("省平台拒绝了请求（HTTP {status} {code}），请检查平台地址设置。"),
            false,
            true,
        ),
        SyncError::InsecureUrl { .. } => problem(
            "PLATFORM_URL_INSECURE",
            "平台地址必须使用 https（只有本机上的测试平台可以用 http）。".to_owned(),
            false,
            true,
        ),
        SyncError::InvalidUrl { reason } => {
            problem("PLATFORM_URL_INVALID", format!("平台地址无效（{reason}）。"), false, true)
        }
        SyncError::ClientSetup { detail } => {
            problem("PLATFORM_CLIENT_SETUP", format!("无法建立安全连接（{detail}）。"), false, true)
        }
        SyncError::Identity { .. } => problem(
            "DEVICE_ID_INVALID",
            "设备号不合规：只能使用字母、数字和 . _ -，最长 64 个字符。".to_owned(),
            false,
            true,
        ),
        SyncError::Outbox(_) => problem("LOCAL_STORE_FAILED", "本机数据库操作失败。".to_owned(), false, true),
    }
}

/// The store's error back out of a `SyncError::Outbox`, or `None` for a network or
/// platform error.
fn store_failure(error: SyncError) -> Result<SyncError, AppError> {
    match error {
        SyncError::Outbox(inner) => match inner.downcast::<AppError>() {
            Ok(app) => Err(*app),
            Err(other) => Err(AppError::Store(StoreError::Corrupt { detail: other.to_string() })),
        },
        other => Ok(other),
    }
}

/// Runs syncs for one platform; keep one for the life of the program (the batch size it
/// learned and the retry pacing carry over). Blocking: see the module docs.
pub struct Syncer {
    config: SyncConfig,
    runtime: tokio::runtime::Runtime,
    drainer: Option<Drainer>,
    failures_in_a_row: u32,
    jitter: Jitter,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Syncer")
            .field("base_url", &self.config.base_url)
            .field("failures_in_a_row", &self.failures_in_a_row)
            .finish_non_exhaustive()
    }
}

impl Syncer {
    /// A syncer for `config` with its own current-thread runtime.
    pub fn new(config: SyncConfig) -> Result<Syncer, AppError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(AppError::io("starting the sync runtime"))?;
        Ok(Syncer { config, runtime, drainer: None, failures_in_a_row: 0, jitter: Jitter::from_entropy() })
    }

    /// How long the background loop should wait before the next sync: the configured
    /// interval after a good sync, and after trouble a backoff from 5 s doubling to 5
    /// minutes (jittered), so an offline counter does not hammer the link.
    pub fn next_sync_in(&mut self) -> Duration {
        if self.failures_in_a_row == 0 {
            return self.config.interval;
        }
        let policy = BackoffPolicy { base: Duration::from_secs(5), cap: Duration::from_secs(300) };
        ::sync::backoff(&policy, self.failures_in_a_row - 1, &mut self.jitter)
    }

    /// One sync: enrol if configured, drain, pull and apply decisions, drain what they
    /// queued, and record the outcome for [`sync_status`]. `progress(done, total)` is
    /// called after each batch. `Err` only when the office store fails; network and
    /// platform trouble is [`SyncReport::problem`].
    pub fn sync(
        &mut self,
        mut handle: impl OfficeHandle,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<SyncReport, AppError> {
        let clock = self.config.clock;
        let started = clock();
        let preferred = self.config.device_id.clone();
        let identity = handle.with_office(|office| load_identity(office, preferred.as_deref(), started))?;
        let mut report = SyncReport { device_id: identity.device_id().to_owned(), ..SyncReport::default() };
        let outcome = self.run(&mut handle, identity, &mut report, &mut progress);
        let problem = match outcome {
            Ok(()) => None,
            Err(error) => Some(problem_of(&store_failure(error)?)),
        };
        let finished = clock();
        handle.with_office(|office| {
            Ok(office
                .store
                .record_sync_outcome(finished, problem.as_ref().map(|p| (p.message.as_str(), p.offline)))?)
        })?;
        self.failures_in_a_row = if problem.is_some() { self.failures_in_a_row.saturating_add(1) } else { 0 };
        report.problem = problem;
        Ok(report)
    }

    fn run<H: OfficeHandle>(
        &mut self,
        handle: &mut H,
        identity: DeviceIdentity,
        report: &mut SyncReport,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<(), SyncError> {
        let clock = self.config.clock;
        let page_limit = self.config.decision_page_limit;
        let enrolment_code = self.config.enrolment_code.clone();
        let drainer = ensure_drainer(&mut self.drainer, &self.config, identity)?;
        let runtime = &self.runtime;
        runtime.block_on(async {
            // Compare clocks first (one unsigned GET /v1/time): the client then signs with
            // the platform's time, and the header can warn about a wrong clock.
            let mut monitor =
                ConnectivityMonitor::new(ConnectivityOptions::default(), Jitter::from_entropy());
            if let Connectivity::Online { skew_millis, .. } = monitor.probe(drainer.client()).await {
                let check = ClockCheck { skew_millis: *skew_millis, measured_at: clock() };
                handle
                    .with_office(|office| {
                        office.clock_check = Some(check);
                        Ok(())
                    })
                    .map_err(SyncError::outbox)?;
            }
            if let Some(code) = enrolment_code {
                drainer.client().enrol(&code).await?;
            }
            let mut outbox = StoreOutbox::new(handle, clock);
            let drained = drainer.drain(&mut outbox, &mut *progress).await?;
            add_drain(report, &drained);
            if let Some(error) = drained.stopped_by {
                return Err(error);
            }
            let client = drainer.client().clone();
            let cursor = outbox.handle.with_office(|office| Ok(office.store.sync_state()?.decision_cursor));
            let cursor = cursor.map_err(SyncError::outbox)?;
            let mut applied = Applied::default();
            ::sync::pull_decisions(&client, cursor, page_limit, |page| {
                apply_page(outbox.handle, page, clock(), &mut applied)
            })
            .await?;
            report.decisions += applied.decisions;
            report.issued.append(&mut applied.issued);
            report.rejected.append(&mut applied.rejected);
            if applied.queued_changes > 0 {
                // The 签发 steps are state changes too: report them now.
                let again = drainer.drain(&mut outbox, &mut *progress).await?;
                add_drain(report, &again);
                if let Some(error) = again.stopped_by {
                    return Err(error);
                }
            }
            Ok(())
        })
    }
}

/// The drainer for `identity`, made on first use (and again if the device changed).
fn ensure_drainer<'d>(
    drainer: &'d mut Option<Drainer>,
    config: &SyncConfig,
    identity: DeviceIdentity,
) -> Result<&'d mut Drainer, SyncError> {
    if drainer.as_ref().is_some_and(|drainer| drainer.client().device_id() == identity.device_id()) {
        return drainer.as_mut().ok_or(SyncError::Protocol { detail: "no drainer".to_owned() });
    }
    let mut client_config = ClientConfig::new(&config.base_url);
    client_config.request_timeout = config.request_timeout;
    client_config.connect_timeout = config.connect_timeout;
    let client = PlatformClient::new(&client_config, identity)?;
    Ok(drainer.insert(Drainer::new(client, config.drain.clone(), Jitter::from_entropy())))
}

fn add_drain(report: &mut SyncReport, drained: &::sync::DrainReport) {
    report.sent += drained.sent;
    report.confirmed += drained.confirmed;
    report.duplicates += drained.duplicates;
    report.quarantined += drained.quarantined;
    report.remaining = drained.remaining;
}

/// What applying the pulled pages did.
#[derive(Default)]
pub(crate) struct Applied {
    pub(crate) decisions: u64,
    pub(crate) queued_changes: u64,
    pub(crate) issued: Vec<IssuedPermit>,
    pub(crate) rejected: Vec<PlatformRejection>,
}

/// Decides what each decision of a page does (with the domain's state machine), then
/// records the page and its cursor in one store transaction.
pub(crate) fn apply_page<H: OfficeHandle>(
    handle: &mut H,
    page: &DecisionPage,
    now: DateTime<Utc>,
    applied: &mut Applied,
) -> Result<(), AppError> {
    handle.with_office(|office| {
        let platform = office.store.platform_user()?;
        let platform_actor =
            Actor { user_id: platform.id.0.to_string(), name: platform.display_name.clone() };
        let users = office.users()?;
        let mut incoming = Vec::with_capacity(page.decisions.len());
        let mut issued = Vec::new();
        let mut rejected = Vec::new();
        let mut stepped: HashMap<CaseId, domain::case::Case> = HashMap::new();
        for decision in &page.decisions {
            let case_id: Option<CaseId> =
                decision.case_id.map(|id| id.hyphenated().to_string().parse()).transpose()?;
            let stored = match &case_id {
                Some(case_id) => match office.store.read_case(case_id) {
                    Ok(case) => Some(case),
                    Err(StoreError::NotFound { .. }) => None,
                    Err(other) => return Err(other.into()),
                },
                None => None,
            };
            let mut change = None;
            // The case as this page has left it so far (a permit issued and the old permit
            // cancelled can arrive in one page).
            let current = match (&stored, &case_id) {
                (Some(stored), Some(case_id)) => match stepped.get(case_id).cloned() {
                    Some(case) => Some(case),
                    None => Some(cases::domain_case(stored, &office.store.case_events(case_id)?, &users)?),
                },
                _ => None,
            };
            let outcome = match (&decision.kind, &current, &case_id) {
                (_, None, Some(_)) => "unknown_case".to_owned(),
                (DecisionKind::PermitIssued { permit_number, .. }, Some(current), Some(case_id)) => {
                    if current.state == CaseState::Issued {
                        "already_issued".to_owned()
                    } else {
                        match current.issue(&platform_actor, cases::local(now), permit_number) {
                            Ok(next) => {
                                change = cases::change_between(current, &next);
                                issued.push(IssuedPermit {
                                    case_id: *case_id,
                                    permit_number: permit_number.trim().to_owned(),
                                });
                                stepped.insert(*case_id, next);
                                "applied".to_owned()
                            }
                            Err(error) => format!("not_applied: {error}"),
                        }
                    }
                }
                (DecisionKind::OldPermitCancelled, Some(current), Some(case_id)) => {
                    if current.state == CaseState::OldPermitCancelled {
                        "already_cancelled".to_owned()
                    } else {
                        match current.record_old_permit_cancelled(&platform_actor, cases::local(now)) {
                            Ok(next) => {
                                change = cases::change_between(current, &next);
                                stepped.insert(*case_id, next);
                                "applied".to_owned()
                            }
                            Err(error) => format!("not_applied: {error}"),
                        }
                    }
                }
                (DecisionKind::Rejected { reasons }, Some(_), Some(case_id)) => {
                    rejected.push(PlatformRejection { case_id: *case_id, reasons: reasons.clone() });
                    "recorded".to_owned()
                }
                _ => "recorded".to_owned(),
            };
            incoming.push(IncomingDecision {
                cursor: decision.cursor,
                case_id,
                kind: decision.kind.name().to_owned(),
                decision: serde_json::to_value(decision).map_err(|error| AppError::Store(error.into()))?,
                change,
                outcome,
            });
        }
        let new = office.store.apply_platform_decisions(&incoming, page.next_cursor, now)?;
        applied.decisions += new as u64;
        applied.queued_changes += incoming.iter().filter(|decision| decision.change.is_some()).count() as u64;
        applied.issued.append(&mut issued);
        applied.rejected.append(&mut rejected);
        Ok(())
    })
}

/// One sync with a fresh [`Syncer`]: for `permitctl sync` and tests. A background loop
/// keeps a `Syncer` instead. Blocking (see the module docs); needs no clerk.
pub fn sync_once(
    handle: impl OfficeHandle,
    config: &SyncConfig,
    progress: impl FnMut(u64, u64),
) -> Result<SyncReport, AppError> {
    Syncer::new(config.clone())?.sync(handle, progress)
}

/// The sync status for the header: queue size and age, quarantined records, the last
/// sync's outcome, the clock compared with the platform's and the data disk's free space
/// (no holiday warning: see [`header_status`]). Needs a logged-in clerk (any role); reads
/// only.
pub fn sync_status(office: &Office) -> Result<SyncStatus, AppError> {
    office.session()?;
    let summary = office.store.outbox_summary()?;
    let state = office.store.sync_state()?;
    let clock_skew_seconds = office.clock_check.map(|check| check.skew_millis / 1000);
    let disk = disk_space(office.store.dir());
    Ok(SyncStatus {
        queued: summary.pending,
        held: summary.held,
        oldest_queued_at: summary.oldest_pending_at,
        quarantined: summary.quarantined,
        last_attempt_at: state.last_attempt_at,
        last_success_at: state.last_success_at,
        last_error: state.last_error,
        offline: state.last_error_offline,
        device_id: state.device_id,
        clock_skew_seconds,
        clock_warning: clock_skew_seconds.and_then(clock_warning),
        disk_free_bytes: disk.map(|(free, _)| free),
        disk_warning: disk.and_then(|(free, total)| disk_warning(free, total)),
        holiday_warning: None,
    })
}

/// What the window's header shows on `today`: [`sync_status`] with the holiday table's
/// warning ([`crate::deadline::holiday_warning`]).
pub fn header_status(office: &Office, today: chrono::NaiveDate) -> Result<SyncStatus, AppError> {
    let mut status = sync_status(office)?;
    status.holiday_warning = crate::deadline::holiday_warning(today, &[])?;
    Ok(status)
}

/// Why the platform refused a record, in Chinese, from its stable code and its reason.
pub fn quarantine_reason_zh(code: Option<&str>, reason: Option<&str>) -> String {
    use platform_api::code;
    let reason = reason.unwrap_or("").trim();
    let with_reason =
        |text: &str| if reason.is_empty() { format!("{text}。") } else { format!("{text}：{reason}") };
    match code {
        Some(code::RECORD_INVALID) => with_reason("省平台认为记录内容不合规"),
        Some(code::RECORD_ID_INVALID) => with_reason("记录编号不合规"),
        Some(code::SEQUENCE_OUT_OF_ORDER) => "记录顺序与省平台已收到的不一致，需人工核对该案件。".to_owned(),
        Some(code::CASE_OWNED_ELSEWHERE) => "该案件已由其他办理点向省平台上报，需人工核对。".to_owned(),
        Some(code::BODY_INVALID) => with_reason("省平台无法读取该记录"),
        Some(QuarantineReason::CONFLICT) => {
            "省平台已有同一编号但内容不同的记录（冲突），重发不会改变结果，需与省平台核对。".to_owned()
        }
        Some(QuarantineReason::BLOB_MISSING_LOCALLY) => "本机缺少该扫描页，请重新扫描后重发。".to_owned(),
        Some(QuarantineReason::BLOB_REFUSED) => with_reason("省平台拒收该扫描页"),
        Some(other) => with_reason(&format!("省平台拒收（{other}）")),
        None => with_reason("省平台拒收"),
    }
}

fn state_label(stored: Option<&str>) -> &'static str {
    stored.and_then(CaseState::parse).map_or("?", CaseState::label)
}

fn entry(item: OutboxItem) -> OutboxEntry {
    let summary = match item.kind.as_str() {
        "case_state_changed" => format!(
            "状态变更：{} → {}",
            state_label(item.payload["from"].as_str()),
            state_label(item.payload["to"].as_str())
        ),
        "page_metadata" => {
            let position = item.payload["position"].as_u64().unwrap_or(0);
            match item.payload["action"].as_str() {
                Some("changed") => format!("扫描页调整：第 {position} 页"),
                _ => format!("扫描页：第 {position} 页"),
            }
        }
        other => other.to_owned(),
    };
    let correctable = item.status == OutboxStatus::Quarantined
        && item.kind == "case_state_changed"
        && !item.payload["record"].is_null()
        && item.quarantine_code.as_deref() != Some(QuarantineReason::CONFLICT);
    let next_step_zh = match item.status {
        OutboxStatus::Quarantined => Some(next_step_zh(item.quarantine_code.as_deref()).to_owned()),
        OutboxStatus::Queued | OutboxStatus::Sent | OutboxStatus::Confirmed => None,
    };
    let reason_zh = match item.status {
        OutboxStatus::Quarantined => {
            Some(quarantine_reason_zh(item.quarantine_code.as_deref(), item.last_error.as_deref()))
        }
        OutboxStatus::Queued | OutboxStatus::Sent | OutboxStatus::Confirmed => {
            item.last_error.as_ref().map(|_| "上次发送未成功，将自动重试。".to_owned())
        }
    };
    OutboxEntry {
        id: item.id,
        case_id: item.case_id,
        status: item.status,
        summary,
        attempts: item.attempts,
        queued_at: item.created_at,
        updated_at: item.updated_at,
        code: item.quarantine_code,
        detail: item.last_error,
        reason_zh,
        correctable,
        next_step_zh,
        applicant: None,
        application_number: None,
    }
}

/// Who must do what about a record the platform refused, by its code: plain steps for
/// the supervisor, never just the code.
pub fn next_step_zh(code: Option<&str>) -> &'static str {
    use platform_api::code;
    match code {
        Some(code::RECORD_INVALID) | Some(code::BODY_INVALID) => {
            "请受理人打开该案件核对申请表，按退回原因更正；省平台规则已调整的，由审批人或管理员“重新发送”。原因不明时请致电省平台。"
        }
        Some(code::RECORD_ID_INVALID) => "请管理员联系技术支持：本机生成的记录编号不合规，重发不会改变结果。",
        Some(code::SEQUENCE_OUT_OF_ORDER) => {
            "请管理员与省平台核对该案件已收到的记录；核对清楚前不要重新发送，该案件之后的记录会一直等待。"
        }
        Some(code::CASE_OWNED_ELSEWHERE) => {
            "请审批人与省平台及另一办理点核实该申请是否重复受理；确认本案有效后，由省平台处理后再重新发送。"
        }
        Some(QuarantineReason::CONFLICT) => {
            "请管理员与省平台核对：省平台已有同一编号但内容不同的记录，重发不会改变结果。"
        }
        Some(QuarantineReason::BLOB_MISSING_LOCALLY) => {
            "请受理人打开该案件，重新扫描缺失的证明材料页面，然后由审批人或管理员“重新发送”。"
        }
        Some(QuarantineReason::BLOB_REFUSED) => {
            "请受理人重新扫描该页（清晰、完整、不超过大小限制），然后由审批人或管理员“重新发送”。"
        }
        _ => "请审批人或管理员按退回原因处理后“重新发送”；需要时致电省平台。",
    }
}

/// The supervisor view: quarantined records, oldest first, with the platform's reason in
/// Chinese. Needs 审批 or 管理员.
pub fn quarantined(office: &Office) -> Result<Vec<OutboxEntry>, AppError> {
    office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    let mut entries: Vec<OutboxEntry> =
        office.store.outbox_quarantined(1000)?.into_iter().map(entry).collect();
    // The supervisor finds the case by the applicant and the 申请编号, not by an internal id.
    for entry in &mut entries {
        if let Some(case_id) = entry.case_id
            && let Ok(case) = office.store.read_case(&case_id)
        {
            entry.applicant = case.name;
            entry.application_number = case.application_number;
        }
    }
    Ok(entries)
}

/// What waits in the outbox (up to `limit` queued records) and what is quarantined.
/// Needs any role.
pub fn outbox(office: &Office, limit: u32) -> Result<OutboxListing, AppError> {
    office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE | Roles::ADMIN)?;
    Ok(OutboxListing {
        queued: office.store.outbox_pending(limit)?.into_iter().map(entry).collect(),
        quarantined: office.store.outbox_quarantined(1000)?.into_iter().map(entry).collect(),
    })
}

/// 更正后重报: the clerk corrected the application the platform refused (a quarantined
/// submission); the case's record becomes the corrected one and the record is queued
/// again under its id with the corrected application, audited as `record_corrected` with
/// the changed field paths. Needs 受理 or 审批 (it changes an application).
pub fn correct_and_resend(
    office: &mut Office,
    id: &OutboxId,
    record: &ApplicationRecord,
    now: DateTime<Utc>,
) -> Result<CaseId, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT | Roles::APPROVE)?;
    // The application as the counter submitted it: the opinions travel with their steps and
    // the number with the record's envelope, as in the original submission.
    let mut record = record.clone();
    record.opinions = Default::default();
    record.application_number.clear();
    let record = &record;
    let value = serde_json::to_value(record).map_err(|error| AppError::Record(error.into()))?;
    let mut index = crate::cases::index_of(record, now);
    index.slip_required = record.needs_paper_slip();
    Ok(office.store.correct_quarantined(&session, id, &value, &index, now)?)
}

/// Fix and resend: releases a quarantined record to be sent again with the same id and
/// content at the next sync (records are frozen; the fix is on the platform's side or in
/// its rules, e.g. after a reference-data update). Its case's later records follow it.
/// Audited as `sync_requeued` with the clerk. Needs 审批 or 管理员.
pub fn resend(office: &mut Office, id: &OutboxId, now: DateTime<Utc>) -> Result<(), AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    Ok(office.store.outbox_requeue(&session, id, now)?)
}

/// The platform's decisions about a case, oldest first, for the case page (the permit
/// number, a rejection's reasons, the SMS). Needs any role.
pub fn case_decisions(office: &Office, case_id: &CaseId) -> Result<Vec<CaseDecision>, AppError> {
    office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE | Roles::ADMIN)?;
    Ok(office
        .store
        .platform_decisions(case_id)?
        .into_iter()
        .map(|stored| {
            let summary = match serde_json::from_value::<platform_api::Decision>(stored.decision.clone()) {
                Ok(decision) => match decision.kind {
                    DecisionKind::PermitIssued { permit_number, valid_from, valid_until } => {
                        format!("省平台签发居住证 {permit_number}（有效期 {valid_from} 至 {valid_until}）")
                    }
                    DecisionKind::Rejected { reasons } => format!("省平台不予通过：{}", reasons.join("；")),
                    DecisionKind::SmsSent => "省平台已发送短信通知申请人".to_owned(),
                    DecisionKind::OldPermitCancelled => "省平台已注销原居住证".to_owned(),
                    DecisionKind::ReferenceUpdated { name, version } => {
                        format!("参考数据 {name} 更新至 {version}")
                    }
                    DecisionKind::Unknown => format!("省平台决定（{}）", stored.kind),
                },
                Err(_) => format!("省平台决定（{}）", stored.kind),
            };
            CaseDecision {
                cursor: stored.cursor,
                kind: stored.kind,
                summary,
                outcome: stored.outcome,
                received_at: stored.received_at,
            }
        })
        .collect())
}
