//! The store's named crash points, for the kill harnesses (issue 21): a save and a state
//! change each with its rows written and the commit not made, and with the commit made
//! and the caller not yet told; an upgrade at each of its steps. Passed with `crashpoint::point`: empty in every release
//! build, armed by a harness only with this crate's `crash-points` feature (its tests turn
//! it on).

/// A draft's rows (case, index, event, audit) written; the commit not made.
pub const SAVE_BEFORE_COMMIT: &str = "store.save.before_commit";
/// A draft committed; the caller not yet told.
pub const SAVE_COMMITTED: &str = "store.save.committed";
/// A state change's rows (case, event, outbox item, audit) written; the commit not made.
pub const STEP_BEFORE_COMMIT: &str = "store.step.before_commit";
/// A state change committed; the caller not yet told.
pub const STEP_COMMITTED: &str = "store.step.committed";
/// An upgrade's copy of the old database written (`.partial`), not yet renamed.
pub const UPGRADE_COPY_WRITTEN: &str = "store.upgrade.copy_written";
/// The copy renamed complete and synced; the migration not begun.
pub const UPGRADE_COPIED: &str = "store.upgrade.copied";
/// Every migration applied in the upgrade's transaction; the commit not made.
pub const UPGRADE_BEFORE_COMMIT: &str = "store.upgrade.before_commit";
/// The upgrade committed; the open not finished.
pub const UPGRADE_COMMITTED: &str = "store.upgrade.committed";
/// The upgrade's points, in the order an open meets them.
pub const UPGRADE_POINTS: [&str; 4] =
    [UPGRADE_COPY_WRITTEN, UPGRADE_COPIED, UPGRADE_BEFORE_COMMIT, UPGRADE_COMMITTED];
/// A page of the platform's decisions written (their 签发 steps, the cursor); not committed.
pub const DECISIONS_BEFORE_COMMIT: &str = "store.decisions.before_commit";
/// A page of the platform's decisions committed; the caller not yet told.
pub const DECISIONS_COMMITTED: &str = "store.decisions.committed";
/// The platform's confirmations of a batch written (items confirmed, cases marked synced,
/// audit rows); not committed.
pub const CONFIRM_BEFORE_COMMIT: &str = "store.confirm.before_commit";
/// A re-key's new database and key-slot file written and synced; not committed.
pub const REKEY_PREPARED: &str = "store.rekey.prepared";
/// A re-key committed (its marker written); the files not yet swapped.
pub const REKEY_COMMITTED: &str = "store.rekey.committed";
/// A re-key's new database in place; its key-slot file not yet.
pub const REKEY_DATABASE_SWAPPED: &str = "store.rekey.database_swapped";
/// A re-key's points, in the order it meets them.
pub const REKEY_POINTS: [&str; 3] = [REKEY_PREPARED, REKEY_COMMITTED, REKEY_DATABASE_SWAPPED];
/// The points in the order a draft saved then accepted meets them.
pub const POINTS: [&str; 4] = [SAVE_BEFORE_COMMIT, SAVE_COMMITTED, STEP_BEFORE_COMMIT, STEP_COMMITTED];

pub use crashpoint::point;
#[cfg(feature = "crash-points")]
pub use crashpoint::{CRASH_AT, CRASH_MARK};
