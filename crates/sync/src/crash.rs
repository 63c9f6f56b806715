//! Named crash points for the kill harnesses (issue 21): places in the drain and the
//! decision pull where a process killed at that instant leaves the most to get right — the
//! attempt noted but nothing sent, the platform's answer received but not recorded, pages
//! uploaded but not confirmed, the confirmation half-written, decisions received but not
//! applied.
//!
//! The points are passed with `crashpoint::point`: empty in every release build, armed
//! by a harness only with this crate's `crash-points` feature (its tests turn it on).

/// The points the drain passes, in the order a batch meets them.
pub const POINTS: [&str; 4] = [BEFORE_PUSH, ANSWERED, PAGES_UPLOADED, CONFIRMED];
/// The batch's attempt is noted in the outbox; the request is not sent yet.
pub const BEFORE_PUSH: &str = "drain.before_push";
/// The platform answered (it holds the records); the outbox does not know yet.
pub const ANSWERED: &str = "drain.answered";
/// The batch's pages are uploaded (or there were none); its records not yet confirmed.
pub const PAGES_UPLOADED: &str = "drain.pages_uploaded";
/// The batch is confirmed in the outbox; the next not yet taken.
pub const CONFIRMED: &str = "drain.confirmed";
/// A page of the platform's decisions received; not yet applied to the office.
pub const DECISIONS_RECEIVED: &str = "pull.decisions_received";
/// For an [`crate::Outbox`] to pass inside its confirming transaction, with some rows
/// changed and the commit not yet made.
pub const MID_CONFIRM: &str = "outbox.mid_confirm";

pub use crashpoint::point;
#[cfg(feature = "crash-points")]
pub use crashpoint::{CRASH_AT, CRASH_MARK};
