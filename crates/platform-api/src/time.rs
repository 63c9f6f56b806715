//! `GET /v1/time`: the platform's clock, for the online probe and the clock-skew check.
//!
//! The only route that is not signed: a device whose clock is far off could not produce
//! an acceptable `X-Timestamp`, and it needs this answer to correct it.

use serde::{Deserialize, Serialize};

/// The platform's clock (HTTP 200). **Wire format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerTime {
    /// Milliseconds since the Unix epoch.
    pub unix_millis: i64,
    /// The same instant, RFC 3339 in UTC with milliseconds, for people reading logs.
    pub now: String,
}
