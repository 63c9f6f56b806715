//! The error the UI receives: `{code, message, fields}`.
//!
//! The shell only translates: the code and the Chinese sentence come from the one error
//! catalogue, `app::problem` (which `permitctl` prints too). The UI's own table of what
//! each code does is `ui/src/errors.ts`, typed by the same `ErrorCode` union.

use app::problem::{ErrorCode, Problem};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One problem with one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UiFieldError {
    /// Dotted path of the field in the record, e.g. `id_number`.
    pub field: String,
    /// Stable code of the problem, e.g. `ID_NUMBER_CHECKSUM`.
    pub code: String,
    /// Chinese sentence shown next to the field.
    pub message: String,
}

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UiError {
    /// Stable code the UI switches on.
    pub code: ErrorCode,
    /// One plain Chinese sentence for the clerk.
    pub message: String,
    /// Per-field problems, for highlighting inputs.
    pub fields: Vec<UiFieldError>,
}

impl From<Problem> for UiError {
    fn from(problem: Problem) -> Self {
        UiError {
            code: problem.code,
            message: problem.message,
            fields: problem
                .fields
                .into_iter()
                .map(|field| UiFieldError { field: field.field, code: field.code, message: field.message })
                .collect(),
        }
    }
}

impl From<app::AppError> for UiError {
    fn from(error: app::AppError) -> Self {
        // Log the full chain here, before it is reduced to a code (never personal data:
        // AppError's Display carries counts, codes and clerk user names only).
        tracing::warn!(error = %error, "command failed");
        Problem::of(&error).into()
    }
}

impl UiError {
    /// Something failed that the clerk cannot fix (a bug, a panicked worker).
    pub fn internal() -> UiError {
        Problem::internal().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_shape_is_code_message_fields() {
        let issues = vec![
            app::domain::FieldIssue::new("id_number", "ID_NUMBER_BIRTH_DATE", "出生日期无效。"),
            app::domain::FieldIssue::new("id_number", "ID_NUMBER_CHECKSUM", "校验位错误。"),
        ];
        let ui = UiError::from(app::AppError::Validation(issues));
        let json = serde_json::to_value(&ui).expect("serialise");
        assert_eq!(json["code"], "VALIDATION");
        assert_eq!(
            json["fields"][1]["code"], "ID_NUMBER_CHECKSUM",
            "no issue is dropped on the way to the UI"
        );
        assert_eq!(json["fields"][0]["field"], "id_number");
        assert_eq!(json["message"], "有2处需要更正，请查看标红的项目。");
    }

    #[test]
    fn a_failed_worker_is_internal() {
        let json = serde_json::to_value(UiError::internal()).expect("serialise");
        assert_eq!(json["code"], "INTERNAL");
        assert!(json["message"].as_str().is_some_and(|m| m.contains("联系管理员")));
    }
}
