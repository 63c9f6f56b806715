//! The use cases of permit-desk, as one plain Rust API.
//!
//! API boundary: the Tauri shell (`src-tauri`), the `permitctl` command-line tool and
//! the workspace `tests` crate all call this crate and nothing below it. Types here are
//! plain data with public fields; serialisation for the UI happens in the shell.
//!
//! Architecture invariant: `app` reads the clock only through [`clock`], so every use
//! case takes "today" explicitly and tests can pin it.

pub mod about;
pub mod applicant_screen;
pub mod archive;
pub mod assess;
pub mod audit;
pub mod backup;
pub mod bundle;
pub mod case_file;
pub mod cases;
pub mod clock;
pub mod deadline;
pub mod desks;
pub mod error;
pub mod idcard;
pub mod intake;
pub mod ledger;
pub mod media;
pub mod office;
pub mod printing;
pub mod problem;
pub mod ratings;
pub mod reference;
pub mod reference_update;
pub mod review;
pub mod scan_folder;
pub mod scans;
pub mod support;
pub mod sync;
pub mod users;
pub mod worklists;

pub use error::AppError;

/// The domain's types cross this API (records, assessments, case states, field issues):
/// callers name them through `app::domain`, so they depend on this crate only.
pub use domain;
