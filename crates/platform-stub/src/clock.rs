//! The stand-in's clock: the system clock plus an offset that tests set to fake a
//! platform whose time differs from the counter's.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};

/// Shared handle on the stand-in's notion of "now".
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_millis: Arc<AtomicI64>,
}

impl Clock {
    /// Now, as the stand-in sees it.
    pub fn now(&self) -> DateTime<Utc> {
        let system = DateTime::<Utc>::from(SystemTime::now());
        system + chrono::TimeDelta::milliseconds(self.offset_millis.load(Ordering::Relaxed))
    }

    /// Shifts the stand-in's clock by `offset_millis` from the system clock.
    pub fn set_offset_millis(&self, offset_millis: i64) {
        self.offset_millis.store(offset_millis, Ordering::Relaxed);
    }
}

/// RFC 3339 in UTC with milliseconds, the contract's timestamp form.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
