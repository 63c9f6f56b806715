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
