//! The header's sync status: queue size and age, quarantined records, the last sync's
//! outcome, the clock compared with the platform's, the data disk's free space.

use super::*;

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
    /// Set when the check of the audit chain at the last log-in found rows changed or
    /// removed (Chinese).
    pub audit_warning: Option<String>,
}

/// Seconds of difference with the platform's clock beyond which the header warns (the
/// platform refuses signatures beyond 300 s; deadlines and audit times use this clock).
pub const CLOCK_SKEW_WARNING_SECONDS: i64 = 120;

/// How far this machine's clock may be behind the latest time the office recorded before
/// the header says it was set back (clocks are corrected by seconds or minutes; a dead
/// CMOS battery or a mistyped date moves them by days or years).
pub const CLOCK_BEHIND_WARNING_MINUTES: i64 = 10;

/// The Chinese warning when `now` is more than [`CLOCK_BEHIND_WARNING_MINUTES`] before
/// `latest`, the latest time the office recorded, else `None`. Works offline, unlike the
/// comparison with the platform's clock; a clock that ran ahead is caught when it is set
/// right again (or, online, by the platform's).
pub fn clock_behind_warning(now: DateTime<Utc>, latest: Option<DateTime<Utc>>) -> Option<String> {
    let latest = latest?;
    if latest - now <= chrono::Duration::minutes(CLOCK_BEHIND_WARNING_MINUTES) {
        return None;
    }
    let local = |at: DateTime<Utc>| {
        at.with_timezone(&crate::clock::china_standard_time()).format("%Y-%m-%d %H:%M").to_string()
    };
    Some(format!(
        "本机时间（{}）早于本办理点已记录的时间（{}），系统时间可能被调回或主板电池失效。请管理员校准系统时间：受理日期、办结期限和审计记录都以本机时间为准。",
        local(now),
        local(latest)
    ))
}

/// An administrator confirms the system clock after checking it (管理员; audited as
/// `clock_confirmed`): from now on only later records count for [`clock_behind_warning`].
pub fn confirm_clock(office: &mut Office, now: DateTime<Utc>) -> Result<(), AppError> {
    let (session, _) = office.clerk_with_any_role(store::Roles::ADMIN)?;
    Ok(office.store.confirm_clock(&session, now)?)
}

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
        audit_warning: office.audit_warning(),
    })
}

/// Days after which a record still waiting in the queue is a warning in the header.
pub const OLD_QUEUE_DAYS: i64 = 3;

/// The header's sync badge: the stored status with what the background loop last saw
/// laid over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Records waiting to be sent.
    pub queued: u64,
    /// Records the platform refused (被退回).
    pub quarantined: u64,
    /// The platform could not be reached: the loop's last try if it has tried since the
    /// start, else the stored last outcome.
    pub offline: bool,
    /// A sync is running now.
    pub running: bool,
    /// Progress of the running drain: records done and in all.
    pub done: u64,
    /// See `done`.
    pub total: u64,
    /// The last sync that reached the platform.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The latest problem in Chinese: the loop's if it has one, else the stored one.
    pub problem: Option<String>,
    /// The oldest queued record is older than [`OLD_QUEUE_DAYS`].
    pub queue_too_old: bool,
    /// The clock differs from the platform's, or is behind the latest time the office
    /// recorded ([`clock_behind_warning`]).
    pub clock_warning: Option<String>,
    /// The warning is one an administrator may confirm ([`confirm_clock`]) once the clock
    /// is set right: behind the office's records, or moved while the app ran.
    pub clock_behind: bool,
    /// The data disk is nearly full.
    pub disk_warning: Option<String>,
    /// The holiday table does not cover the coming deadlines.
    pub holiday_warning: Option<String>,
    /// The audit chain's check at log-in found rows changed or removed.
    pub audit_warning: Option<String>,
}

/// The header's badge on `today` at `now`: [`header_status`] merged with `live`, what the
/// background loop ([`super::SyncLoop`]) last saw, and `jumped`, how far the wall clock
/// was moved while the app ran ([`crate::clock::ClockWatch::jumped`]). Needs a logged-in
/// clerk.
pub fn header(
    office: &Office,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
    live: &super::LiveSync,
    jumped: Option<chrono::Duration>,
) -> Result<Header, AppError> {
    let status = header_status(office, today)?;
    let behind = clock_behind_warning(now, office.store.latest_recorded_time()?)
        .or_else(|| jumped.map(crate::clock::clock_jump_warning));
    Ok(Header {
        queued: status.queued,
        quarantined: status.quarantined,
        offline: live.offline.unwrap_or(status.offline),
        running: live.running,
        done: live.progress.0,
        total: live.progress.1,
        last_success_at: status.last_success_at,
        problem: live.last_problem.clone().or(status.last_error.clone()),
        queue_too_old: status.queue_older_than(now, chrono::Duration::days(OLD_QUEUE_DAYS)),
        clock_behind: behind.is_some(),
        clock_warning: behind.or(status.clock_warning),
        disk_warning: status.disk_warning,
        holiday_warning: status.holiday_warning,
        audit_warning: status.audit_warning,
    })
}

/// What the window's header shows on `today`: [`sync_status`] with the holiday table's
/// warning ([`crate::deadline::holiday_warning`]).
pub fn header_status(office: &Office, today: chrono::NaiveDate) -> Result<SyncStatus, AppError> {
    let mut status = sync_status(office)?;
    let updates = crate::reference_update::holiday_updates(office)?;
    status.holiday_warning =
        crate::deadline::holiday_warning(today, &crate::reference_update::texts(&updates))?;
    Ok(status)
}
