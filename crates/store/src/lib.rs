//! The encrypted office store of permit-desk: one SQLCipher database per office
//! installation, unlocked by any clerk's password through per-clerk key slots.
//!
//! Architecture invariant: the store never reads the clock. Every instant (`at`) and
//! every "today" is an argument, so tests and the CLI decide what time it is.
//! API boundary: `app` is the only crate that should call this one; the shell and the
//! CLI go through `app`.
//!
//! # How to use it
//!
//! ```no_run
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use store::{CaseIndex, CaseState, StateChange, Store, Worklist};
//!
//! # fn main() -> Result<(), store::StoreError> {
//! let dir = std::path::Path::new("/var/lib/permit-desk");
//! let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! // First run: the administrator sets up the office.
//! let (mut store, admin) = Store::create(dir, "330424-haiyan-01", "admin", "a long passphrase", now)?;
//! // A clerk types a form; every save is durable and audited.
//! let record = serde_json::json!({ "applicant": { "name": "张三" } });
//! let index = CaseIndex { name: Some("张三".into()), ..CaseIndex::default() };
//! let case_id = store.create_case(&admin, &record, &index, now)?;
//! // Accepting moves the state, records the event and queues the outbox item at once.
//! let change = StateChange {
//!     from: CaseState::Draft,
//!     to: CaseState::Accepted,
//!     note: None,
//!     due_date: NaiveDate::from_ymd_opt(2026, 3, 4),
//!     profile: None,
//! };
//! store.transition(&admin, &case_id, &change, now)?;
//! let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
//! assert_eq!(store.worklist(Worklist::AwaitingReview, today, 50)?.len(), 1);
//! assert!(store.audit_verify()?.is_intact());
//! # Ok(()) }
//! ```
//!
//! Files, schema, key slots and the audit chain are described in `docs/store.md`.

mod audit;
mod backup;
pub use backup::SealedBackup;
mod cases;
mod checkpointer;
mod clerk_keys;
mod clock_check;
pub mod crash;
mod crypto;
mod error;
mod keyslots;
mod ledger;
mod office_ca;
mod office_details;
mod office_key;
mod office_lock;
mod outbox;
mod pages;
mod platform_key;
mod print_jobs;
mod ratings;
mod reference_updates;
mod rekey;
mod schema;
mod server_unlock;
mod state_seal;
mod store;
mod sync_state;
mod time;
mod users;
mod worklists;

pub use audit::{AuditAction, AuditAnchorPoints, AuditEntry, AuditHead, AuditProblem, AuditReport};
#[cfg(feature = "test-support")]
pub use cases::BulkCase;
pub use cases::{
    BlindIndex, Case, CaseEvent, CaseId, CaseIndex, CaseState, SaveOutcome, StateChange, TransitionReceipt,
};
pub use clerk_keys::{CurrentClerkKey, KeyStanding};
pub use crypto::KdfParams;
pub use error::{ServerUnlockProblem, StoreError};
pub use keyslots::{KEY_SLOTS_FILE_NAME, KEY_SLOTS_LOCK_FILE_NAME, LockoutPolicy, Revocation};
pub use ledger::LedgerEntry;
pub use office_ca::{DeskRecord, OfficeCa};
pub use office_details::{OfficeDetails, PrintSettings};
pub use office_lock::{ExclusiveHold, OFFICE_LOCK_FILE_NAME, OfficeLock};
pub use outbox::{LEGACY_SETTLED_PER_CALL, OutboxId, OutboxItem, OutboxStatus, OutboxSummary, SYNC_ACTOR};
pub use pages::{NewPage, PageChange, PageMarkInfo, PageMeta};
pub use platform_key::{PlatformKeyChange, TrustedKey};
pub use print_jobs::WaitingPrintJob;
pub use ratings::StoredRating;
pub use reference_updates::StoredReferenceUpdate;
pub use rekey::{REKEY_FILE_NAMES, REKEY_MARKER_FILE_NAME, Rekeyed, ServerSlotAfterRekey};
pub use schema::SCHEMA_VERSION;
pub use server_unlock::{SERVER_ACTOR, ServerUnlockSecret};
pub use state_seal::{StateSealChecker, StateSealInterrupt, StateSealProblem};
pub use store::{DB_FILE_NAME, STORE_ACTOR, SchemaUpgrade, Store, StoreOptions, sqlcipher_ready};
pub use sync_state::{
    DeviceSecret, IncomingDecision, PLATFORM_ACTOR, PendingDeviceKeyChange, StoredDecision, SyncState,
};
pub use users::{
    COMMON_PASSWORDS, MIN_PASSWORD_CHARS, NewUser, PasswordWeakness, Roles, Session, User, UserId,
    normalise_username, password_weakness,
};
pub use worklists::{CaseSummary, SearchQuery, WORKLIST_COUNT_CAP, Worklist, WorklistCounts};
