//! The pure domain of permit-desk: everything a counter knows about 《浙江省居住证》
//! mutual recognition without touching the outside world.
//!
//! Architecture invariant: this crate does no IO, reads no clock and spawns nothing.
//! "Today" is always an argument; reference data (divisions, ethnic groups, holidays,
//! policy profiles) arrives as text or values parsed by the functions here, never as
//! paths. `tests/tidy.rs` keeps the manifest and the sources honest.

pub mod assessment;
pub mod calendar;
pub mod case;
pub mod changes;
pub mod id_number;
pub mod issue;
pub mod ledger;
pub mod profile;
pub mod rating;
pub mod record;
pub mod reference;
pub mod review;

pub use id_number::{DecodedId, Gender, IdNumber};
pub use issue::FieldIssue;
