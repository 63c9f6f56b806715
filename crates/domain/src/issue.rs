//! Validation problems as data: a field path, a stable code and a Chinese sentence.
//!
//! The domain never stops at the first problem; functions that validate return every
//! [`FieldIssue`] they find, and callers decide how to present them.

use serde::Serialize;

/// One problem with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldIssue {
    /// Dotted path of the field in the documented JSON form, e.g. `applicant.id_number`.
    pub field: String,
    /// Stable SCREAMING_SNAKE code; never renamed or reused once shipped.
    pub code: &'static str,
    /// One plain Chinese sentence a clerk can read to the applicant.
    pub message: String,
}

impl FieldIssue {
    /// Builds an issue for `field` with `code` and a Chinese `message`.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }

    /// Returns the same issue re-rooted under `prefix` (e.g. `guardian`).
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.field =
            if self.field.is_empty() { prefix.to_owned() } else { format!("{prefix}.{}", self.field) };
        self
    }
}
