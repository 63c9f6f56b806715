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
        use app::AppError;
        // Log the full chain here, before it is reduced to a code (never personal data:
        // AppError's Display carries counts, codes and clerk user names only).
        tracing::warn!(error = %error, "command failed");
        match error {
            AppError::Validation(issues) => UiError {
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
            AppError::Store(store) => from_store(store),
            AppError::Assess(assess) => from_assess(assess),
            AppError::Deadline(deadline) => match deadline {
                app::deadline::DeadlineError::Calendar(calendar)
                | app::deadline::DeadlineError::Update { error: calendar, .. } => {
                    plain(calendar.code(), calendar.message_zh())
                }
                app::deadline::DeadlineError::Reference(_) => reference_broken(),
            },
            AppError::Reference(_) => reference_broken(),
            AppError::Record(record) => from_record(&record),
            AppError::Transition(transition) => {
                use domain::case::TransitionError;
                let code = match &transition {
                    TransitionError::NotAllowed { .. } => "CASE_STEP_NOT_ALLOWED",
                    TransitionError::SameActor { role, earlier, .. } => {
                        return separation_of_duties(*role, *earlier);
                    }
                    TransitionError::AssessmentNotAccept { .. } => "CASE_NOTICE_REQUIRED",
                    TransitionError::NothingToNotify => "CASE_NOTHING_TO_NOTIFY",
                    TransitionError::DecisionMismatch { .. } => "CASE_DECISION_MISMATCH",
                    TransitionError::NotExistingPermit => "CASE_NOT_EXISTING_PERMIT",
                    TransitionError::TextMissing { .. } => "CASE_TEXT_MISSING",
                    TransitionError::ActorIncomplete => "CASE_ACTOR_INCOMPLETE",
                    TransitionError::TimeBeforeLastStep { .. } => "CASE_TIME_BEFORE_LAST_STEP",
                };
                // The domain's messages are already one Chinese sentence for the clerk.
                plain(code, format!("{transition}。"))
            }
            AppError::SeparationOfDuties { role, earlier } => separation_of_duties(role, earlier),
            AppError::NotLoggedIn => plain("NOT_LOGGED_IN", "请先登录。"),
            AppError::RoleMissing { .. } => plain("ROLE_MISSING", "您的账户没有办理此项业务的权限。"),
            AppError::PersonNotFound => plain("PERSON_NOT_FOUND", "没有找到此公民身份号码的案件。"),
            AppError::OtherOffice { backup_office, this_office } => plain(
                "BACKUP_OTHER_OFFICE",
                format!("该备份属于办理点 {backup_office}，本机为 {this_office}；确需恢复请由管理员确认。"),
            ),
            AppError::BackupInvalid { .. } => {
                plain("BACKUP_INVALID", "备份文件无法识别或已损坏，未作任何改动。")
            }
            AppError::Print(print) => print_error(&print),
            AppError::Printer(printer) => plain(printer.code(), printer.message_zh()),
            AppError::Scan(scan) => plain(scan.code(), scan.message_zh()),
            AppError::DocumentNotAvailable { reason, .. } => plain("DOCUMENT_NOT_AVAILABLE", reason),
            AppError::BundleFile(file) => plain(file.code(), file.message_zh()),
            AppError::Io { .. } => plain("FILE_ERROR", "文件读写失败，请检查磁盘空间和文件位置后重试。"),
            AppError::ScanFolderMissing { folder } => plain(
                "SCAN_FOLDER_NOT_FOUND",
                format!("找不到文件夹“{folder}”，请检查路径（须是本机或已连接的共享文件夹）。"),
            ),
        }
    }
}

fn plain(code: &str, message: impl Into<String>) -> UiError {
    UiError { code: code.to_owned(), message: message.into(), fields: Vec::new() }
}

fn reference_broken() -> UiError {
    plain("REFERENCE_DATA_INVALID", "内置参考数据损坏，请重新安装程序。")
}

fn internal() -> UiError {
    UiError::internal()
}

impl UiError {
    /// Something failed that the clerk cannot fix (a bug, a panicked worker).
    pub fn internal() -> UiError {
        plain("INTERNAL", "系统内部错误，请重试；如仍失败请联系管理员。")
    }
}

/// 受理/审核/审批 for the step a role signs.
fn step_name(role: domain::case::Role) -> &'static str {
    match role {
        domain::case::Role::Accepter => "受理",
        domain::case::Role::Reviewer => "审核",
        domain::case::Role::Approver => "审批",
    }
}

fn separation_of_duties(role: domain::case::Role, earlier: domain::case::Role) -> UiError {
    plain(
        "SEPARATION_OF_DUTIES",
        format!(
            "受理、审核、审批须由三名不同人员办理：您已办理本案的{}环节，不能再{}。",
            step_name(earlier),
            step_name(role)
        ),
    )
}

fn from_store(error: app::error::StoreError) -> UiError {
    use app::error::StoreError;
    match error {
        StoreError::WrongPassword | StoreError::UnknownUser { .. } => {
            plain("WRONG_PASSWORD", "用户名或密码不正确。")
        }
        StoreError::LockedOut { until } => {
            let local = until.with_timezone(&app::clock::china_standard_time());
            plain("LOCKED_OUT", format!("连续输错次数过多，账户已锁定至 {}。", local.format("%H:%M")))
        }
        StoreError::AccountDisabled { .. } => plain("ACCOUNT_DISABLED", "该账户已停用，请联系管理员。"),
        StoreError::NotInitialised { .. } => {
            plain("OFFICE_NOT_SET_UP", "本机尚未设置办理点，请先完成首次设置。")
        }
        StoreError::AlreadyExists { .. } => {
            plain("OFFICE_ALREADY_SET_UP", "本机已设置办理点，不会覆盖现有数据。")
        }
        StoreError::Corrupt { .. } | StoreError::DatabaseMissing { .. } => {
            plain("DATABASE_DAMAGED", "数据库文件损坏或缺失，请联系管理员从备份恢复。")
        }
        StoreError::KeySlotsMissing { .. } | StoreError::KeySlotsDamaged { .. } => {
            plain("KEY_SLOTS_DAMAGED", "密钥文件缺失或损坏，请联系管理员从备份恢复。")
        }
        StoreError::KeyMismatch => {
            plain("KEY_MISMATCH", "密钥文件与数据库不匹配，请联系管理员恢复同一次备份的两个文件。")
        }
        StoreError::TooNew { .. } => plain("DATABASE_TOO_NEW", "数据库由更新版本的程序创建，请升级本程序。"),
        StoreError::EncryptionUnavailable => {
            plain("ENCRYPTION_UNAVAILABLE", "本程序无法加密数据库，已停止运行，请重新安装。")
        }
        StoreError::Forbidden { .. } => plain("ROLE_MISSING", "您的账户没有办理此项业务的权限。"),
        StoreError::WeakPassword { min_chars } => {
            plain("WEAK_PASSWORD", format!("密码太短，至少需要{min_chars}个字符。"))
        }
        StoreError::InvalidInput { .. } => plain("INVALID_INPUT", "输入的内容不符合要求，请检查后重试。"),
        StoreError::UserExists { .. } => plain("USER_EXISTS", "该用户名已被使用。"),
        StoreError::NoRoles => plain("NO_ROLES", "请至少勾选一个岗位；不再办理业务的人员请“停用”其账户。"),
        StoreError::LastAdmin => plain("LAST_ADMIN", "不能停用或降级最后一名管理员。"),
        StoreError::DuplicateApplicationNumber { .. } => {
            plain("APPLICATION_NUMBER_TAKEN", "该申请编号已被其他案件使用。")
        }
        StoreError::NotFound { .. } => plain("NOT_FOUND", "没有找到该记录，可能已被删除或编号有误。"),
        StoreError::Conflict { .. } => plain("CASE_CHANGED", "本案已被他人办理或页面已过期，请刷新后重试。"),
        StoreError::PageFrozen { .. } => plain(
            "PAGE_FROZEN",
            "本案已提交，扫描页已作为证据留存并报送省平台，不能删除或替换；如需更正，请补扫一页并注明。",
        ),
        StoreError::Random | StoreError::Io(_) | StoreError::Sqlite(_) => internal(),
    }
}

fn from_assess(error: app::assess::AssessError) -> UiError {
    use app::assess::AssessError;
    match error {
        AssessError::Profile { .. } => plain("PROFILE_INVALID", "内置政策配置有误，请重新安装程序。"),
        AssessError::UnknownProfile { .. } => plain("PROFILE_UNKNOWN", "没有这个县（市、区）的政策配置。"),
        AssessError::Record(record) => from_record(&record),
    }
}

fn from_record(error: &domain::record::RecordError) -> UiError {
    use domain::record::RecordError;
    match error {
        RecordError::Json(_) | RecordError::MissingSchemaVersion => {
            plain("RECORD_INVALID", "申请表数据格式有误，无法读取。")
        }
        RecordError::UnsupportedSchemaVersion { .. } => {
            plain("RECORD_VERSION_UNSUPPORTED", "申请表数据由其他版本的程序生成，本程序无法读取。")
        }
    }
}

/// The print crate's errors: a slip that fails its check is the clerk's business (read
/// out to the holder); the rest means the installation's templates or font are broken.
fn print_error(error: &print::PrintError) -> UiError {
    use print::PrintError;
    let broken = "打印模板或字体有误，请重新安装程序或联系管理员。";
    match error {
        PrintError::PayloadMalformed { .. } => {
            plain("SLIP_UNREADABLE", "这不是确认单二维码的内容，请对准确认单右上角的二维码重新扫描。")
        }
        PrintError::PayloadKeyMismatch { found, .. } => plain(
            "SLIP_OTHER_OFFICE",
            format!("该确认单由其他办理点签发（密钥 {found}），本机无法核验，请向签发的办理点核实。"),
        ),
        PrintError::PayloadSignatureInvalid => plain(
            "SLIP_SIGNATURE_INVALID",
            "确认单二维码签名无效：内容被改动过，或并非本办理点签发。请勿凭此确认单办理业务。",
        ),
        PrintError::NothingToRefuse => {
            plain("REFUSAL_NOT_AVAILABLE", "本案的评估结果没有不符合互认条件的理由，不能出具不予受理告知书。")
        }
        PrintError::FontUnreadable { .. } | PrintError::FontInvalid { .. } => {
            plain("PRINT_FONT_INVALID", broken)
        }
        PrintError::TemplateUnreadable { .. }
        | PrintError::TemplateInvalid { .. }
        | PrintError::OfficeInvalid { .. }
        | PrintError::QrTooLong { .. }
        | PrintError::KeyInvalid => plain("PRINT_TEMPLATE_INVALID", broken),
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

    fn code_of(error: app::AppError) -> String {
        UiError::from(error).code
    }

    #[test]
    fn log_in_errors_have_their_own_codes() {
        use app::error::StoreError;
        assert_eq!(code_of(StoreError::WrongPassword.into()), "WRONG_PASSWORD");
        let unknown = StoreError::UnknownUser { username: "nobody".to_owned() };
        assert_eq!(code_of(unknown.into()), "WRONG_PASSWORD", "an unknown user looks like a wrong password");
        let until = chrono::DateTime::from_timestamp(1_772_413_200, 0).expect("instant"); // 2026-03-02 01:00 UTC
        let locked = UiError::from(app::AppError::from(StoreError::LockedOut { until }));
        assert_eq!(locked.code, "LOCKED_OUT");
        assert!(
            locked.message.contains("09:00"),
            "the time is shown in China Standard Time: {}",
            locked.message
        );
        let damaged = StoreError::Corrupt { detail: "file is not a database".to_owned() };
        assert_eq!(code_of(damaged.into()), "DATABASE_DAMAGED");
    }

    #[test]
    fn bundle_file_errors_name_the_file_and_the_cause_in_chinese() {
        let file = |writing, kind| app::bundle::BundleFileError {
            path: "/media/clerk/STICK/answer.pdb".into(),
            writing,
            source: std::io::Error::from(kind),
        };
        let exists = UiError::from(app::AppError::from(file(true, std::io::ErrorKind::AlreadyExists)));
        assert_eq!(exists.code, "BUNDLE_FILE_EXISTS");
        assert!(
            exists.message.contains("/media/clerk/STICK/answer.pdb") && exists.message.contains("不会覆盖")
        );
        let missing = UiError::from(app::AppError::from(file(false, std::io::ErrorKind::NotFound)));
        assert_eq!(missing.code, "BUNDLE_FILE_NOT_FOUND");
        assert!(missing.message.starts_with("找不到文件“"), "{}", missing.message);
        let locked = UiError::from(app::AppError::from(file(true, std::io::ErrorKind::PermissionDenied)));
        assert_eq!(locked.code, "BUNDLE_WRITE_FAILED");
        assert!(locked.message.contains("写保护"), "{}", locked.message);
    }

    #[test]
    fn separation_of_duties_names_both_steps() {
        use domain::case::Role;
        let ui = UiError::from(app::AppError::SeparationOfDuties {
            role: Role::Reviewer,
            earlier: Role::Accepter,
        });
        assert_eq!(ui.code, "SEPARATION_OF_DUTIES");
        assert_eq!(ui.message, "受理、审核、审批须由三名不同人员办理：您已办理本案的受理环节，不能再审核。");
    }

    #[test]
    fn case_steps_backups_and_roles_have_codes() {
        let step = domain::case::TransitionError::TextMissing { what: "审核人意见" };
        let ui = UiError::from(app::AppError::from(step));
        assert_eq!(ui.code, "CASE_TEXT_MISSING");
        assert!(ui.message.contains("审核人意见"), "{}", ui.message);
        let other = app::AppError::OtherOffice { backup_office: "a".to_owned(), this_office: "b".to_owned() };
        assert_eq!(code_of(other), "BACKUP_OTHER_OFFICE");
        assert_eq!(code_of(app::AppError::NotLoggedIn), "NOT_LOGGED_IN");
        assert_eq!(code_of(app::AppError::PersonNotFound), "PERSON_NOT_FOUND");
    }
}
