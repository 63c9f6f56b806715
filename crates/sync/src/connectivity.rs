//! Online/offline detection and the clock-skew check, without hammering the platform.
//!
//! A probe is one unsigned `GET /v1/time`. While the platform answers, the app probes at a
//! relaxed interval ([`ConnectivityOptions::online_interval`]); after a failure the next
//! probe waits by exponential backoff with jitter, so a hundred counters that lose the
//! link together neither flood the platform nor return in lockstep. Each successful probe
//! also measures the clock skew, hands it to the client for signing, and warns when it is
//! beyond [`ConnectivityOptions::skew_warning`] (a counter's wrong clock corrupts
//! deadlines and audit times).

use std::time::Duration;

use crate::backoff::{BackoffPolicy, Jitter, backoff};
use crate::client::{PlatformClient, local_millis};

/// How the probe behaves.
#[derive(Debug, Clone)]
pub struct ConnectivityOptions {
    /// Time between probes while online.
    pub online_interval: Duration,
    /// Delays between probes while offline.
    pub backoff: BackoffPolicy,
    /// Skew beyond which the clock is reported as wrong.
    pub skew_warning: Duration,
}

impl Default for ConnectivityOptions {
    /// Every minute while online; 5 s doubling to 5 minutes while offline; warn past 2 minutes.
    fn default() -> ConnectivityOptions {
        ConnectivityOptions {
            online_interval: Duration::from_secs(60),
            backoff: BackoffPolicy { base: Duration::from_secs(5), cap: Duration::from_secs(300) },
            skew_warning: Duration::from_secs(120),
        }
    }
}

/// The platform's clock minus the local clock, from one round trip: the platform read its
/// clock somewhere between sending and receiving, so the midpoint is the best local match.
///
/// ```
/// // Sent at 1 000 ms, answered at 1 200 ms, the platform said 61 100 ms: a minute ahead.
/// assert_eq!(sync::clock_skew_millis(1_000, 1_200, 61_100), 60_000);
/// ```
pub fn clock_skew_millis(sent_at_millis: i64, received_at_millis: i64, platform_millis: i64) -> i64 {
    let midpoint = sent_at_millis + (received_at_millis - sent_at_millis) / 2;
    platform_millis - midpoint
}

/// What the last probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connectivity {
    /// Not probed yet.
    Unknown,
    /// The platform answered.
    Online {
        /// Platform clock minus local clock, in milliseconds.
        skew_millis: i64,
        /// Whether the skew is beyond the warning threshold.
        clock_suspect: bool,
        /// The probe's round trip.
        round_trip: Duration,
    },
    /// The platform did not answer.
    Offline {
        /// Failed probes in a row.
        failures: u32,
        /// The last error, for the status line (no personal data in it).
        last_error: String,
    },
}

impl Connectivity {
    /// Whether the last probe reached the platform.
    pub fn is_online(&self) -> bool {
        matches!(self, Connectivity::Online { .. })
    }
}

/// Probes the platform and remembers what it found.
#[derive(Debug)]
pub struct ConnectivityMonitor {
    options: ConnectivityOptions,
    jitter: Jitter,
    state: Connectivity,
}

impl ConnectivityMonitor {
    /// A monitor that has not probed yet.
    pub fn new(options: ConnectivityOptions, jitter: Jitter) -> ConnectivityMonitor {
        ConnectivityMonitor { options, jitter, state: Connectivity::Unknown }
    }

    /// What the last probe found.
    pub fn state(&self) -> &Connectivity {
        &self.state
    }

    /// Probes once: `GET /v1/time`, then the skew (passed on to `client` for signing).
    pub async fn probe(&mut self, client: &PlatformClient) -> &Connectivity {
        let sent_at = local_millis();
        let started = std::time::Instant::now();
        self.state = match client.server_time().await {
            Ok(time) => {
                let round_trip = started.elapsed();
                let skew_millis = clock_skew_millis(sent_at, local_millis(), time.unix_millis);
                client.set_clock_skew_millis(skew_millis);
                let clock_suspect = skew_millis.unsigned_abs() > self.options.skew_warning.as_millis() as u64;
                if clock_suspect {
                    tracing::warn!(skew_millis, "the local clock differs from the platform's");
                }
                Connectivity::Online { skew_millis, clock_suspect, round_trip }
            }
            Err(error) => {
                let failures = match &self.state {
                    Connectivity::Offline { failures, .. } => failures.saturating_add(1),
                    Connectivity::Unknown | Connectivity::Online { .. } => 1,
                };
                tracing::info!(%error, failures, "platform probe failed");
                Connectivity::Offline { failures, last_error: error.to_string() }
            }
        };
        &self.state
    }

    /// How long to wait before the next probe.
    pub fn next_probe_in(&mut self) -> Duration {
        match &self.state {
            Connectivity::Unknown => Duration::ZERO,
            Connectivity::Online { .. } => self.options.online_interval,
            Connectivity::Offline { failures, .. } => {
                backoff(&self.options.backoff, failures.saturating_sub(1), &mut self.jitter)
            }
        }
    }
}
