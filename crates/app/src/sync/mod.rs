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

mod background;
mod identity;
mod outbox;
mod quarantine;
mod status;

pub use background::{LiveSync, SyncLoop};
pub use identity::device_identity;
pub(crate) use identity::{load_identity, order_device_key_change};
pub use outbox::StoreOutbox;
pub(crate) use outbox::outgoing;
pub use quarantine::{
    CaseDecision, OutboxEntry, OutboxListing, case_decisions, correct_and_resend, next_step_zh, outbox,
    quarantine_reason_zh, quarantined, resend,
};
pub use status::{
    CLOCK_BEHIND_WARNING_MINUTES, CLOCK_SKEW_WARNING_SECONDS, ClockCheck, DISK_WARNING_FREE_BYTES,
    DISK_WARNING_FREE_PERCENT, Header, OLD_QUEUE_DAYS, SyncStatus, clock_behind_warning, clock_warning,
    confirm_clock, disk_space, disk_warning, header, header_status, sync_status,
};

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
    /// Stable code from the error catalogue (`PLATFORM_UNREACHABLE`, `DEVICE_NOT_ENROLLED`, …).
    pub code: crate::problem::ErrorCode,
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

/// The problem a sync error means for the clerk.
pub fn problem_of(error: &SyncError) -> SyncProblem {
    let problem =
        |code, message: String, offline, needs_person| SyncProblem { code, message, offline, needs_person };
    match error {
        SyncError::Unreachable { .. } => problem(
            crate::problem::ErrorCode::PlatformUnreachable,
            "无法连接省平台，记录已保留在本机，联网后自动上报。".to_owned(),
            true,
            false,
        ),
        SyncError::Timeout => problem(
            crate::problem::ErrorCode::PlatformTimeout,
            "省平台响应超时，记录已保留在本机，稍后自动重试。".to_owned(),
            true,
            false,
        ),
        SyncError::ConnectionLost { .. } => problem(
            crate::problem::ErrorCode::PlatformConnectionLost,
            "与省平台的连接中断，稍后自动重试。".to_owned(),
            false,
            false,
        ),
        SyncError::Unavailable { status, .. } => problem(
            crate::problem::ErrorCode::PlatformUnavailable,
            format!("省平台暂时无法处理（HTTP {status}），稍后自动重试。"),
            false,
            false,
        ),
        SyncError::AnswerUnverified { status, .. } => problem(
            crate::problem::ErrorCode::PlatformAnswerUnverified,
            format!(
                "收到的省平台答复（HTTP {status}）没有通过平台签名核验：可能在途中被篡改，或本机保存的平台公钥不对。答复未被采用，记录仍在待上传队列中。请管理员在“离线传输 → 省平台公钥”与省平台核对公钥指纹。"
            ),
            false,
            true,
        ),
        SyncError::Protocol { .. } => problem(
            crate::problem::ErrorCode::PlatformAnswerInvalid,
            "省平台的应答无法识别，可能被代理或网关拦截，稍后自动重试。".to_owned(),
            false,
            false,
        ),
        SyncError::DeviceUnknown { device_id } => problem(
            crate::problem::ErrorCode::DeviceNotEnrolled,
            format!("本机（设备号 {device_id}）尚未在省平台登记，请管理员登记本机公钥后再同步。"),
            false,
            true,
        ),
        SyncError::Unauthorized { code, .. } if code == platform_api::code::WRONG_HOST => problem(
            crate::problem::ErrorCode::PlatformSignatureRefused,
            "本机的请求被省平台以“主机名不符”拒绝：所设平台地址不是平台自己的地址（例如经过了改写主机名的代理）。请管理员按平台提供的地址设置。"
                .to_owned(),
            false,
            true,
        ),
        SyncError::Unauthorized { code, .. } if code == platform_api::code::DEVICE_KEY_REPLACED => problem(
            crate::problem::ErrorCode::PlatformSignatureRefused,
            "省平台不再认可本机的设备密钥：本办理点管理员的更换密钥指令已由省平台执行，而本机没有更换后的密钥（例如恢复了更换前的备份，或有人用旧的数据另行更换了密钥）。同步已停止，记录仍在本机。请管理员联系省平台重新登记本机设备密钥。"
                .to_owned(),
            false,
            true,
        ),
        SyncError::Unauthorized { code, .. } => problem(
            crate::problem::ErrorCode::PlatformSignatureRefused,
            format!("省平台拒绝了本机的签名（{code}），请检查本机时间和设备密钥。"),
            false,
            true,
        ),
        SyncError::Rejected { code, .. } if code == platform_api::code::AUDIT_CHAIN_BROKEN => problem(
            crate::problem::ErrorCode::AuditChainBroken,
            "省平台拒收本机数据：本机审计记录与省平台上次同步时核对的不一致，本机数据可能在上次同步后被改动过（审计记录被改写或回退，例如换用了旧的数据库文件）。同步已停止，记录仍在本机。请管理员立即核查，并联系省平台和技术支持。"
                .to_owned(),
            false,
            true,
        ),
        SyncError::Rejected { code, status, .. } => problem(
            crate::problem::ErrorCode::PlatformRequestRefused,
            format!("省平台拒绝了请求（HTTP {status} {code}），请检查平台地址设置。"),
            false,
            true,
        ),
        SyncError::InsecureUrl { .. } => problem(
            crate::problem::ErrorCode::PlatformUrlInsecure,
            "平台地址必须使用 https（只有本机上的测试平台可以用 http）。".to_owned(),
            false,
            true,
        ),
        SyncError::InvalidUrl { reason } => problem(
            crate::problem::ErrorCode::PlatformUrlInvalid,
            format!("平台地址无效（{reason}）。"),
            false,
            true,
        ),
        SyncError::ClientSetup { detail } => problem(
            crate::problem::ErrorCode::PlatformClientSetup,
            format!("无法建立安全连接（{detail}）。"),
            false,
            true,
        ),
        SyncError::Identity { .. } => problem(
            crate::problem::ErrorCode::DeviceIdInvalid,
            "设备号不合规：只能使用字母、数字和 . _ -，最长 64 个字符。".to_owned(),
            false,
            true,
        ),
        SyncError::Outbox(_) => problem(
            crate::problem::ErrorCode::LocalStoreFailed,
            "本机数据库操作失败。".to_owned(),
            false,
            true,
        ),
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
        let (identity, platform_key) = handle.with_office(|office| {
            Ok((load_identity(office, preferred.as_deref(), started)?, office.store.platform_bundle_key()?))
        })?;
        let mut report = SyncReport { device_id: identity.device_id().to_owned(), ..SyncReport::default() };
        let mut outcome = self.run(&mut handle, identity, platform_key, &mut report, &mut progress);
        // The platform took an administrator's order: everything else (the next order of a
        // chain first) goes out signed with the new key, the drainer made again for it. Each
        // turn settles one order; the bound only guards against a platform that answers
        // "taken" for ever.
        let mut turns = 0;
        while matches!(outcome, Ok(RunEnd::DeviceKeyChanged)) && turns < MAX_DEVICE_KEY_TURNS {
            turns += 1;
            let identity =
                handle.with_office(|office| load_identity(office, preferred.as_deref(), started))?;
            outcome = self.run(&mut handle, identity, platform_key, &mut report, &mut progress);
        }
        let problem = match outcome {
            Ok(_) => None,
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
        platform_key: Option<[u8; 32]>,
        report: &mut SyncReport,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<RunEnd, SyncError> {
        let clock = self.config.clock;
        let page_limit = self.config.decision_page_limit;
        let enrolment_code = self.config.enrolment_code.clone();
        let client_config = client_config(&self.config, platform_key);
        let drainer = ensure_drainer(&mut self.drainer, &client_config, &self.config.drain, identity)?;
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
                // The office's root travels with the enrolment: the platform pins it then.
                let clerk_keys = handle
                    .with_office(|office| clerk_keys_to_send(&office.store))
                    .map_err(SyncError::outbox)?;
                drainer.client().enrol(&code, clerk_keys.certificates).await?;
            }
            // A device key change an administrator's re-key ordered goes first, on its own:
            // the drain's requests are all signed with the key the platform holds.
            let pending = handle
                .with_office(|office| Ok(office.store.pending_device_key_change()?))
                .map_err(SyncError::outbox)?;
            if let Some(pending) = pending
                && send_device_key_change(handle, drainer.client(), &pending, clock).await?
            {
                return Ok(RunEnd::DeviceKeyChanged);
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
            Ok(RunEnd::Done)
        })
    }
}

/// How many device key changes one sync sends, one after the other (a chain is as long as
/// the re-keys made while the first waited for its answer).
const MAX_DEVICE_KEY_TURNS: usize = 16;

/// How [`Syncer::run`] ended.
enum RunEnd {
    /// Everything it could do.
    Done,
    /// The platform took the device key change: the rest goes with the new key.
    DeviceKeyChanged,
}

/// Sends the pending device key change in a push of its own (no records; the office's
/// audit anchor and clerk keys as every push carries them), signed with the key it
/// replaces, and settles it with the platform's answer. A push refused
/// `DEVICE_KEY_REPLACED` means an earlier push took it and its answer was lost: the same
/// push signed with the new key then gets the answer. Returns whether the device now
/// signs with the new key.
async fn send_device_key_change<H: OfficeHandle>(
    handle: &mut H,
    client: &PlatformClient,
    pending: &store::PendingDeviceKeyChange,
    clock: fn() -> DateTime<Utc>,
) -> Result<bool, SyncError> {
    let mut outbox = StoreOutbox::new(handle, clock);
    let audit_anchor = outbox.audit_anchor().map_err(SyncError::outbox)?;
    let anchored = audit_anchor.as_ref().map(|anchor| anchor.head.seq);
    let clerk_keys = outbox.clerk_keys().map_err(SyncError::outbox)?;
    let batch = platform_api::PushBatch {
        device_id: client.device_id().to_owned(),
        records: Vec::new(),
        audit_anchor,
        clerk_keys: clerk_keys.certificates,
        clerk_key_revocations: clerk_keys.revocations,
        device_key_change: Some(pending.change.clone()),
    };
    let answer = match client.push(&batch).await {
        Err(SyncError::Unauthorized { code, .. }) if code == platform_api::code::DEVICE_KEY_REPLACED => {
            // The same client (its clock skew measured) signing with the new key.
            let next = DeviceIdentity::from_secret(client.device_id(), &pending.secret)?;
            client.with_identity(next).push(&batch).await?
        }
        answered => answered?,
    };
    if let Some(seq) = anchored {
        outbox.anchor_acknowledged(seq).map_err(SyncError::outbox)?;
    }
    let refused = match &answer.device_key {
        Some(answer) => device_key_refusal(answer, pending),
        None => Some("省平台没有答复设备密钥变更单（不支持更换设备密钥）。".to_owned()),
    };
    let now = clock();
    outbox
        .handle
        .with_office(|office| Ok(office.store.settle_device_key_change(refused.as_deref(), now)?))
        .map_err(SyncError::outbox)?;
    Ok(refused.is_none())
}

/// Why the platform's answer to the pending device key change (online, or in an answer
/// bundle) leaves the office on its old key; `None` when it took the change.
pub(crate) fn device_key_refusal(
    answer: &platform_api::DeviceKeyAnswer,
    pending: &store::PendingDeviceKeyChange,
) -> Option<String> {
    let refused = match answer {
        platform_api::DeviceKeyAnswer { key, refused: None } if *key == pending.change.new_key => None,
        platform_api::DeviceKeyAnswer { refused: Some(reason), .. } => Some(reason.clone()),
        platform_api::DeviceKeyAnswer { .. } => Some("省平台为本机登记的设备密钥与变更单不一致。".to_owned()),
    };
    if let Some(reason) = &refused {
        tracing::warn!(reason, "the platform did not take the device key change");
    }
    refused
}

/// The office's audit anchor as the contract carries it, online or in an export bundle;
/// `broken_at` is the first bad row the office's own check at log-in found, reported with
/// it.
pub(crate) fn wire_anchor(
    points: &store::AuditAnchorPoints,
    broken_at: Option<i64>,
) -> platform_api::AuditAnchor {
    platform_api::AuditAnchor {
        head: platform_api::AuditPoint { seq: points.head.0, hash: points.head.1.clone() },
        at: points
            .at
            .iter()
            .map(|(seq, hash)| platform_api::AuditPoint { seq: *seq, hash: hash.clone() })
            .collect(),
        broken_at: broken_at.and_then(|row| u64::try_from(row).ok()),
    }
}

/// The drainer for `identity`, made on first use (and again if the device or the platform
/// key kept by the office changed). With the platform's key, every answer the drain acts
/// on must carry the platform's signature (`sync::ClientConfig::platform_key`).
fn ensure_drainer<'d>(
    drainer: &'d mut Option<Drainer>,
    client_config: &ClientConfig,
    options: &DrainOptions,
    identity: DeviceIdentity,
) -> Result<&'d mut Drainer, SyncError> {
    if drainer.as_ref().is_some_and(|drainer| {
        drainer.client().device_id() == identity.device_id()
            && drainer.client().public_key_hex() == identity.public_key_hex()
            && drainer.client().platform_key() == client_config.platform_key
    }) {
        return drainer.as_mut().ok_or(SyncError::Protocol { detail: "no drainer".to_owned() });
    }
    let client = PlatformClient::new(client_config, identity)?;
    Ok(drainer.insert(Drainer::new(client, options.clone(), Jitter::from_entropy())))
}

/// The HTTP client's settings for `config`, checking answers with `platform_key`.
fn client_config(config: &SyncConfig, platform_key: Option<[u8; 32]>) -> ClientConfig {
    let mut client_config = ClientConfig::new(&config.base_url);
    client_config.request_timeout = config.request_timeout;
    client_config.connect_timeout = config.connect_timeout;
    client_config.platform_key = platform_key;
    client_config
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

/// The office's clerk-key certificates and revocations for the next push, export or
/// enrolment (issue 18) — none while the queue still holds a clerk's step the program
/// queued unsigned before clerks signed their steps: the platform pins the office's root
/// from the first certificates it sees and then refuses unsigned steps, so the root waits
/// until those have gone through.
pub(crate) fn clerk_keys_to_send(store: &store::Store) -> Result<::sync::ClerkKeys, AppError> {
    if store.unsigned_steps_waiting()? {
        return Ok(::sync::ClerkKeys::default());
    }
    Ok(::sync::ClerkKeys {
        certificates: store.clerk_key_certificates()?,
        revocations: store.clerk_key_revocations()?,
    })
}
