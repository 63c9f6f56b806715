//! `AppError`: the one error type of the use cases.
//!
//! Each adapter crate's error is wrapped in its own variant, and validation problems
//! travel as data ([`AppError::Validation`]). The shell maps every variant to a stable
//! code and a Chinese sentence with an exhaustive match.

use domain::FieldIssue;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input has problems; every one is listed, none is fatal to the app.
    #[error("validation failed: {} issue(s)", .0.len())]
    Validation(Vec<FieldIssue>),
}
