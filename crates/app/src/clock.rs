//! The one place the workspace reads the wall clock.
//!
//! Counters are in Zhejiang: "today" is the civil date in China Standard Time
//! (UTC+8, no daylight saving), whatever time zone the machine is set to.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// China Standard Time, UTC+8.
pub fn china_standard_time() -> FixedOffset {
    // 8 hours is always inside FixedOffset's ±24 h range.
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()))
}

/// The current instant, read from the system clock.
pub fn now() -> DateTime<FixedOffset> {
    DateTime::<Utc>::from(std::time::SystemTime::now()).with_timezone(&china_standard_time())
}

/// Today's civil date at the counter.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// `YYYYMMDD-HHMMSS` at the counter: the time part of the names files get when the clerk
/// picks a folder (exports, support files), so they sort by when they were made.
pub fn file_stamp(at: DateTime<Utc>) -> String {
    at.with_timezone(&china_standard_time()).format("%Y%m%d-%H%M%S").to_string()
}

/// The wall clock watched against the time since the machine started (which no one sets):
/// a wall clock moved while the app runs — set back a day after a dead CMOS battery was
/// "fixed" by hand, a year ahead by a mistyped date — drifts away from it. Minutes of
/// difference are NTP corrections; days are a clock someone moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockWatch {
    wall: DateTime<Utc>,
    since_boot: std::time::Duration,
}

/// How far the wall clock may move against the time since boot before the header says
/// the clock was changed (time servers correct by seconds).
pub const CLOCK_JUMP_WARNING_MINUTES: i64 = 10;

impl ClockWatch {
    /// A watch from one reading of both clocks.
    pub fn new(wall: DateTime<Utc>, since_boot: std::time::Duration) -> ClockWatch {
        ClockWatch { wall, since_boot }
    }

    /// A watch from this machine's clocks now; `None` where the time since boot cannot be
    /// read (then no jump is ever reported).
    pub fn start() -> Option<ClockWatch> {
        Some(ClockWatch::new(now().to_utc(), since_boot()?))
    }

    /// How far the wall clock has moved against the time since boot, at a later reading
    /// of both (positive: set ahead). Zero when the readings agree.
    pub fn moved(&self, wall: DateTime<Utc>, since_boot: std::time::Duration) -> chrono::Duration {
        let elapsed = since_boot.saturating_sub(self.since_boot);
        let expected = self.wall + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::zero());
        wall - expected
    }

    /// [`ClockWatch::moved`] now, when it is more than [`CLOCK_JUMP_WARNING_MINUTES`].
    pub fn jumped(&self) -> Option<chrono::Duration> {
        let moved = self.moved(now().to_utc(), since_boot()?);
        (moved.num_minutes().abs() > CLOCK_JUMP_WARNING_MINUTES).then_some(moved)
    }
}

/// Time since the machine started, including time asleep (Linux's boot-time clock, as
/// `/proc/uptime` gives it); `None` elsewhere or when it cannot be read.
pub fn since_boot() -> Option<std::time::Duration> {
    let text = std::fs::read_to_string("/proc/uptime").ok()?;
    let seconds: f64 = text.split_whitespace().next()?.parse().ok()?;
    std::time::Duration::try_from_secs_f64(seconds).ok()
}

/// The header's words for a wall clock moved by `moved` while the app ran.
pub fn clock_jump_warning(moved: chrono::Duration) -> String {
    let amount = moved.num_minutes().abs();
    let said = if amount >= 24 * 60 {
        format!("约 {} 天", (amount + 12 * 60) / (24 * 60))
    } else if amount >= 60 {
        format!("约 {} 小时", (amount + 30) / 60)
    } else {
        format!("{amount} 分钟")
    };
    let direction = if moved > chrono::Duration::zero() { "调快" } else { "调慢" };
    format!(
        "本机时间在程序运行期间被{direction}了{said}。如不是有意校时，请管理员检查系统时间：受理日期、办结期限和审计记录都以本机时间为准；校准后由管理员点“时间已校准，确认无误”。"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).single().expect("a time") + chrono::Duration::hours(hours)
    }

    fn boot(hours: u64) -> std::time::Duration {
        std::time::Duration::from_secs(3600 * (100 + hours))
    }

    #[test]
    fn a_clock_that_runs_on_has_not_moved() {
        let watch = ClockWatch::new(at(0), boot(0));
        assert_eq!(watch.moved(at(5), boot(5)), chrono::Duration::zero());
    }

    #[test]
    fn set_back_a_day_or_ahead_a_year_while_running_is_measured() {
        let watch = ClockWatch::new(at(0), boot(0));
        assert_eq!(watch.moved(at(2) - chrono::Duration::days(1), boot(2)), -chrono::Duration::days(1));
        assert_eq!(watch.moved(at(2) + chrono::Duration::days(365), boot(2)), chrono::Duration::days(365));
        assert_eq!(
            clock_jump_warning(-chrono::Duration::days(1)),
            "本机时间在程序运行期间被调慢了约 1 天。如不是有意校时，请管理员检查系统时间：受理日期、办结期限和审计记录都以本机时间为准；校准后由管理员点“时间已校准，确认无误”。"
        );
        assert!(clock_jump_warning(chrono::Duration::days(365)).contains("被调快了约 365 天"));
        assert!(clock_jump_warning(chrono::Duration::minutes(90)).contains("约 2 小时"));
    }

    #[test]
    fn this_machines_time_since_boot_can_be_read() {
        let first = since_boot().expect("/proc/uptime");
        let second = since_boot().expect("/proc/uptime");
        assert!(second >= first);
        let watch = ClockWatch::start().expect("a watch");
        assert_eq!(watch.jumped(), None, "nothing moved the clock in between");
    }
}
