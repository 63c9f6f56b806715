//! Retry delays: exponential backoff with jitter, as a pure function of the attempt and a
//! seeded random source, so that tests can pin it.
//!
//! "Equal jitter": the delay for attempt `n` (from 0) is drawn uniformly from
//! `[c/2, c]` where `c = min(cap, base × 2^n)`. Half of it is fixed, so retries never
//! collapse to zero; half is random, so counters that lost the link together do not
//! return together.

use std::time::Duration;

/// How retry delays grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// The ceiling of the first delay.
    pub base: Duration,
    /// The largest ceiling, however many attempts failed.
    pub cap: Duration,
}

impl Default for BackoffPolicy {
    /// 1 s doubling up to 5 minutes.
    fn default() -> BackoffPolicy {
        BackoffPolicy { base: Duration::from_secs(1), cap: Duration::from_secs(300) }
    }
}

/// A small seedable random source (SplitMix64) for jitter: not for secrets.
#[derive(Debug, Clone)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    /// A source that always yields the same sequence for the same seed.
    pub fn seeded(seed: u64) -> Jitter {
        Jitter { state: seed }
    }

    /// A source seeded from the operating system (falling back to a fixed seed if it has
    /// none: jitter is a courtesy, not a security property).
    pub fn from_entropy() -> Jitter {
        let mut bytes = [0_u8; 8];
        match getrandom::fill(&mut bytes) {
            Ok(()) => Jitter::seeded(u64::from_le_bytes(bytes)),
            Err(_) => Jitter::seeded(0x5eed_5eed_5eed_5eed),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// A number in `[0, bound)`; 0 when `bound` is 0.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next_u64() % bound }
    }
}

/// The delay before retry number `attempt` (0 for the first retry).
///
/// ```
/// use std::time::Duration;
/// use sync::{BackoffPolicy, Jitter, backoff};
///
/// let policy = BackoffPolicy { base: Duration::from_secs(1), cap: Duration::from_secs(60) };
/// let delay = backoff(&policy, 3, &mut Jitter::seeded(7));
/// assert!(delay >= Duration::from_secs(4) && delay <= Duration::from_secs(8));
/// ```
pub fn backoff(policy: &BackoffPolicy, attempt: u32, jitter: &mut Jitter) -> Duration {
    let factor = 1_u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
    let ceiling = policy.base.saturating_mul(factor).min(policy.cap);
    let half = ceiling / 2;
    half + (ceiling - half).mul_f64(jitter.unit())
}
