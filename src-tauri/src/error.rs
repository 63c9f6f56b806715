//! The error the UI receives: `{code, message, fields}`.
//!
//! Every `app::AppError` variant is mapped here, in one exhaustive `match` with no
//! catch-all arm, so a new variant fails to compile until it has a code and a Chinese
//! sentence. Codes are stable SCREAMING_SNAKE strings: never rename or reuse one; mark
//! it deprecated instead. The UI switches on `code`, never on `message`.

use serde::Serialize;
use ts_rs::TS;

/// One problem with one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UiFieldError {
    /// Dotted path of the field in the record, e.g. `id_number`.
    pub field: String,
    /// Stable code of the problem, e.g. `ID_NUMBER_CHECKSUM`.
    pub code: String,
    /// Chinese sentence shown next to the field.
    pub message: String,
}

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UiError {
    /// Stable code the UI switches on.
    pub code: String,
    /// One plain Chinese sentence for the clerk.
    pub message: String,
    /// Per-field problems, for highlighting inputs.
    pub fields: Vec<UiFieldError>,
}

/// Error codes the shell itself emits.
pub mod codes {
    /// The input has field problems; see `fields`.
    pub const VALIDATION: &str = "VALIDATION";
}

impl From<app::AppError> for UiError {
    fn from(error: app::AppError) -> Self {
        // Log the full chain here, before it is reduced to a code (never personal data:
        // AppError's Display carries counts and codes only).
        tracing::warn!(error = %error, "command failed");
        match error {
            app::AppError::Validation(issues) => UiError {
                code: codes::VALIDATION.to_owned(),
                message: match issues.as_slice() {
                    [only] => only.message.clone(),
                    _ => format!("有{}处需要更正，请查看标红的项目。", issues.len()),
                },
                fields: issues
                    .into_iter()
                    .map(|issue| UiFieldError {
                        field: issue.field,
                        code: issue.code.to_owned(),
                        message: issue.message,
                    })
                    .collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_keeps_every_field_issue_and_code() {
        let issues = vec![
            domain::FieldIssue::new("id_number", "ID_NUMBER_BIRTH_DATE", "出生日期无效。"),
            domain::FieldIssue::new("id_number", "ID_NUMBER_CHECKSUM", "校验位错误。"),
        ];
        let ui = UiError::from(app::AppError::Validation(issues));
        assert_eq!(ui.code, "VALIDATION");
        assert_eq!(ui.fields.len(), 2, "no issue is dropped on the way to the UI");
        assert_eq!(ui.fields[1].code, "ID_NUMBER_CHECKSUM");
        let json = serde_json::to_value(&ui).expect("serialise");
        assert_eq!(json["fields"][0]["field"], "id_number", "wire shape is {{code, message, fields}}");
    }

    #[test]
    fn single_issue_message_is_the_issue_itself() {
        let issues = vec![domain::FieldIssue::new("id_number", "ID_NUMBER_CHECKSUM", "校验位错误。")];
        assert_eq!(UiError::from(app::AppError::Validation(issues)).message, "校验位错误。");
    }
}
