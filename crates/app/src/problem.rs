//! The one error catalogue: every code a use case can fail with, its class, and the
//! Chinese sentence a clerk reads.
//!
//! [`ErrorCode`] lists every code once. [`Problem::of`] turns any [`AppError`] into
//! `{code, message, fields}` in one exhaustive `match` with no catch-all arm, so a new
//! variant (here or in an adapter crate) does not compile until it has a code and a
//! sentence. The window (`crates/wire/src/error.rs`) and `permitctl` both print what this
//! module says; neither keeps a table of its own. The adapters' own errors keep their
//! Chinese sentences next to their variants (`message_zh()`), because the sentence needs
//! the variant's data; which code each variant has is decided here.
//!
//! Codes are stable SCREAMING_SNAKE strings: never rename or reuse one.

use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::error::StoreError;

/// Whether the request was refused (the operator can do something about it) or
/// something underneath is broken (a file, a device, the installation). `permitctl`
/// exits 1 or 2 accordingly; the window shows both the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Refused: wrong input, missing right, a rule of the case, nothing found.
    Refused,
    /// Broken: a damaged file, a missing program, a device or server that failed.
    Fault,
}

macro_rules! catalogue {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $class:ident; )*) => {
        /// Every error code permit-desk shows or prints; TypeScript gets the same list
        /// as a union of strings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* #[serde(rename = $code)] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The stable string, e.g. `"CASE_CHANGED"`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// Refused or broken.
            pub fn class(self) -> Class {
                match self { $(ErrorCode::$variant => Class::$class,)* }
            }
        }
    };
}

catalogue! {
    // ---- input, session, rights ------------------------------------------------------
    /// The input has field problems; `fields` lists each.
    Validation = "VALIDATION", Refused;
    /// A value chosen in the window or on the command line is not one this build knows.
    InvalidInput = "INVALID_INPUT", Refused;
    /// Nobody is logged in (log-out, the idle lock): back to the log-in screen.
    NotLoggedIn = "NOT_LOGGED_IN", Refused;
    /// The backend locked the office after the idle limit: back to the log-in screen, the
    /// clerk's name kept.
    IdleLocked = "IDLE_LOCKED", Refused;
    /// The password an administrator set must be changed before anything else.
    PasswordChangeRequired = "PASSWORD_CHANGE_REQUIRED", Refused;
    /// The office server refused a desk's request that did not carry its session's
    /// security token (CSRF: a page of another site, or one open since before a log-in).
    DeskRequestRefused = "DESK_REQUEST_REFUSED", Refused;
    /// The one-time code a new desk typed to join the office server is wrong, used or
    /// expired: an administrator gives a new one.
    JoinCodeInvalid = "JOIN_CODE_INVALID", Refused;
    /// The office server serves only joined desks (and browsers from given addresses), and
    /// this PC is neither.
    DeskNotJoined = "DESK_NOT_JOINED", Refused;
    /// This desk's certificate is no longer served: an administrator removed the desk (or
    /// it joined before the server kept its desks).
    DeskRevoked = "DESK_REVOKED", Refused;
    /// The office server's address typed at a desk cannot be read.
    ServerAddressInvalid = "SERVER_ADDRESS_INVALID", Refused;
    /// A desk cannot reach its office server (the LAN, the server PC, the address).
    ServerUnreachable = "SERVER_UNREACHABLE", Fault;
    /// What answers at the office server's address is not this office's server (its
    /// certificate is not from the CA the desk pinned, or it shows none).
    NotAnOfficeServer = "NOT_AN_OFFICE_SERVER", Fault;
    /// The desk's file from joining (its key, certificate and the pinned CA) is damaged.
    DeskFileDamaged = "DESK_FILE_DAMAGED", Fault;
    /// The clerk lacks the role the step needs.
    RoleMissing = "ROLE_MISSING", Refused;
    /// 受理、审核、审批 by three different people.
    SeparationOfDuties = "SEPARATION_OF_DUTIES", Refused;
    /// Wrong user name or password (an unknown user looks the same).
    WrongPassword = "WRONG_PASSWORD", Refused;
    /// Too many wrong passwords.
    LockedOut = "LOCKED_OUT", Refused;
    /// The account was disabled by an administrator.
    AccountDisabled = "ACCOUNT_DISABLED", Refused;
    /// A password shorter than the minimum.
    WeakPassword = "WEAK_PASSWORD", Refused;
    /// The user name is taken.
    UserExists = "USER_EXISTS", Refused;
    /// An account without any role.
    NoRoles = "NO_ROLES", Refused;
    /// The last administrator cannot be disabled or demoted.
    LastAdmin = "LAST_ADMIN", Refused;

    // ---- the office's store -------------------------------------------------------------
    /// No office store on this machine yet.
    OfficeNotSetUp = "OFFICE_NOT_SET_UP", Refused;
    /// An office store exists already; set-up never overwrites it.
    OfficeAlreadySetUp = "OFFICE_ALREADY_SET_UP", Refused;
    /// The database file is damaged or missing.
    DatabaseDamaged = "DATABASE_DAMAGED", Fault;
    /// The disk holding the office's data is full; nothing of the change was written.
    DiskFull = "DISK_FULL", Fault;
    /// The office's data folder cannot be written (read-only file system, no permission).
    DataReadOnly = "DATA_READ_ONLY", Fault;
    /// The office's data folder cannot be made at start (see `AppError::DataFolderUnusable`).
    DataFolderUnusable = "DATA_FOLDER_UNUSABLE", Fault;
    /// The key slots file is damaged or missing.
    KeySlotsDamaged = "KEY_SLOTS_DAMAGED", Fault;
    /// The key slots and the database are from different stores.
    KeyMismatch = "KEY_MISMATCH", Fault;
    /// The office server's unlock file does not open the office.
    ServerUnlockInvalid = "SERVER_UNLOCK_INVALID", Fault;
    /// The database was written by a newer program.
    DatabaseTooNew = "DATABASE_TOO_NEW", Fault;
    /// The whole-database check waited two minutes for another reader and gave no verdict.
    DatabaseCheckWaiting = "DATABASE_CHECK_WAITING", Refused;
    /// Another program is re-keying, upgrading or restoring the office: try again when it
    /// is done.
    OfficeBusy = "OFFICE_BUSY", Refused;
    /// A re-key, upgrade or restore needs the office to itself, and another program (a
    /// second window, `permitctl`) has it open: close it first. Nothing was changed.
    OfficeOpenElsewhere = "OFFICE_OPEN_ELSEWHERE", Refused;
    /// This build cannot encrypt the database.
    EncryptionUnavailable = "ENCRYPTION_UNAVAILABLE", Fault;
    /// A typed application number is used by another case.
    ApplicationNumberTaken = "APPLICATION_NUMBER_TAKEN", Refused;
    /// No such case, page or user.
    NotFound = "NOT_FOUND", Refused;
    /// Someone else changed the case first: reload it.
    CaseChanged = "CASE_CHANGED", Refused;
    /// A submitted case's page is evidence and stays.
    PageFrozen = "PAGE_FROZEN", Refused;
    /// The applicant already rated this visit (好差评 is given once and never changed).
    RatingAlreadyGiven = "RATING_ALREADY_GIVEN", Refused;
    /// A draft never submitted has no visit to rate yet.
    NothingToRate = "NOTHING_TO_RATE", Refused;
    /// No case belongs to this person.
    PersonNotFound = "PERSON_NOT_FOUND", Refused;
    /// The backup was made by another office.
    BackupOtherOffice = "BACKUP_OTHER_OFFICE", Refused;
    /// The backup can be restored only by an administrator of its day.
    BackupNotYours = "BACKUP_NOT_YOURS", Refused;
    /// Not a usable backup file.
    BackupInvalid = "BACKUP_INVALID", Fault;
    /// A file of an export or backup could not be read or written.
    FileError = "FILE_ERROR", Fault;

    // ---- the case's steps -----------------------------------------------------------------
    /// The step is not possible in the case's state.
    CaseStepNotAllowed = "CASE_STEP_NOT_ALLOWED", Refused;
    /// Acceptance asked for while the assessment calls for a notice.
    CaseNoticeRequired = "CASE_NOTICE_REQUIRED", Refused;
    /// A notice asked for with nothing to notify.
    CaseNothingToNotify = "CASE_NOTHING_TO_NOTIFY", Refused;
    /// The answer asked for is not the assessment's.
    CaseDecisionMismatch = "CASE_DECISION_MISMATCH", Refused;
    /// A cancellation for a case that is not 现有证件互认.
    CaseNotExistingPermit = "CASE_NOT_EXISTING_PERMIT", Refused;
    /// An opinion or reason left blank.
    CaseTextMissing = "CASE_TEXT_MISSING", Refused;
    /// The clerk's name or id is missing from a step.
    CaseActorIncomplete = "CASE_ACTOR_INCOMPLETE", Refused;
    /// The clock reads earlier than the case's last step.
    CaseTimeBeforeLastStep = "CASE_TIME_BEFORE_LAST_STEP", Refused;
    /// The document does not exist for the case in its present state.
    DocumentNotAvailable = "DOCUMENT_NOT_AVAILABLE", Refused;
    /// The office's printed details were never set.
    OfficeNotConfigured = "OFFICE_NOT_CONFIGURED", Refused;
    /// A reference-update file is not one (or of a newer version).
    ReferenceUpdateUnreadable = "REFERENCE_UPDATE_UNREADABLE", Refused;
    /// No key to check reference updates with.
    ReferenceKeyMissing = "REFERENCE_KEY_MISSING", Refused;
    /// A reference update's signature does not match the office's key.
    ReferenceUpdateSignatureInvalid = "REFERENCE_UPDATE_SIGNATURE_INVALID", Refused;
    /// A kind of reference table the program does not take from a file.
    ReferenceUpdateKindUnsupported = "REFERENCE_UPDATE_KIND_UNSUPPORTED", Refused;
    /// A reference update not newer than the one loaded.
    ReferenceUpdateNotNewer = "REFERENCE_UPDATE_NOT_NEWER", Refused;
    /// The table inside a reference update is invalid.
    ReferenceUpdateContentInvalid = "REFERENCE_UPDATE_CONTENT_INVALID", Refused;

    // ---- reference data, policy, records ---------------------------------------------------
    /// The embedded reference tables are broken.
    ReferenceDataInvalid = "REFERENCE_DATA_INVALID", Fault;
    /// A county profile shipped with the program is broken.
    ProfileInvalid = "PROFILE_INVALID", Fault;
    /// No profile for this county.
    ProfileUnknown = "PROFILE_UNKNOWN", Refused;
    /// A record that is not an application record.
    RecordInvalid = "RECORD_INVALID", Refused;
    /// A case file (`permitctl render`) that is neither a record nor a case wrapping one.
    CaseFileInvalid = "CASE_INVALID", Refused;
    /// A record of a schema version this build does not read.
    RecordVersionUnsupported = "RECORD_VERSION_UNSUPPORTED", Refused;
    /// No holiday table for the year.
    CalendarYearNotCovered = "CALENDAR_YEAR_NOT_COVERED", Refused;
    /// The holiday table is malformed.
    CalendarTableInvalid = "CALENDAR_TABLE_INVALID", Fault;
    /// A date outside what can be computed.
    CalendarDateOutOfRange = "CALENDAR_DATE_OUT_OF_RANGE", Refused;

    // ---- documents and the print system -------------------------------------------------------
    /// Not a confirmation slip's QR text.
    SlipUnreadable = "SLIP_UNREADABLE", Refused;
    /// A slip signed by another office's key.
    SlipOtherOffice = "SLIP_OTHER_OFFICE", Refused;
    /// A slip whose signature does not verify (forged or altered).
    SlipSignatureInvalid = "SLIP_SIGNATURE_INVALID", Refused;
    /// No not-eligible reason to print a refusal for.
    RefusalNotAvailable = "REFUSAL_NOT_AVAILABLE", Refused;
    /// The print font is unreadable.
    PrintFontInvalid = "PRINT_FONT_INVALID", Fault;
    /// A print template, the office's details or a key is broken.
    PrintTemplateInvalid = "PRINT_TEMPLATE_INVALID", Fault;
    /// No ID-card reader at the port given (unplugged, no permission).
    IdCardReaderMissing = "IDCARD_READER_MISSING", Fault;
    /// The reader has no card on it.
    IdCardNoCard = "IDCARD_NO_CARD", Refused;
    /// The card was lifted, or a byte was damaged on the line: read again.
    IdCardReadFailed = "IDCARD_READ_FAILED", Refused;
    /// The card did not pass the reader's security check, or is not a card it reads.
    IdCardNotGenuine = "IDCARD_NOT_GENUINE", Refused;
    /// The reader is silent, broken or not authorised.
    IdCardReaderFault = "IDCARD_READER_FAULT", Fault;
    /// The register could not be written as a spreadsheet.
    LedgerSpreadsheetFailed = "LEDGER_SPREADSHEET_FAILED", Fault;
    /// CUPS cannot be reached.
    PrintServerUnreachable = "PRINT_SERVER_UNREACHABLE", Fault;
    /// No such printer.
    PrinterNotFound = "PRINTER_NOT_FOUND", Fault;
    /// The printer does not accept jobs.
    PrinterNotAccepting = "PRINTER_NOT_ACCEPTING", Fault;
    /// The job failed.
    PrintJobFailed = "PRINT_JOB_FAILED", Fault;
    /// The job was cancelled.
    PrintJobCanceled = "PRINT_JOB_CANCELED", Fault;
    /// The printer stopped (jam, paper, toner); the job waits.
    PrintJobStopped = "PRINT_JOB_STOPPED", Fault;
    /// The job did not finish in time.
    PrintJobTimeout = "PRINT_JOB_TIMEOUT", Fault;
    /// CUPS does not know the job.
    PrintJobUnknown = "PRINT_JOB_UNKNOWN", Fault;
    /// The job's data was refused before sending.
    PrintJobInvalid = "PRINT_JOB_INVALID", Fault;
    /// CUPS refused the request.
    PrintServerRefused = "PRINT_SERVER_REFUSED", Fault;
    /// CUPS answered something unreadable.
    PrintServerProtocol = "PRINT_SERVER_PROTOCOL", Fault;

    // ---- scanned pages --------------------------------------------------------------------------
    /// An empty file.
    ScanEmpty = "SCAN_EMPTY", Refused;
    /// A file over the size limit.
    ScanTooLarge = "SCAN_TOO_LARGE", Refused;
    /// An image over the pixel limit.
    ScanTooManyPixels = "SCAN_TOO_MANY_PIXELS", Refused;
    /// A damaged image or PDF.
    ScanCorrupt = "SCAN_CORRUPT", Refused;
    /// A PDF where only one image fits.
    ScanPdfNotSupported = "SCAN_PDF_NOT_SUPPORTED", Refused;
    /// A password-protected PDF.
    ScanPdfEncrypted = "SCAN_PDF_ENCRYPTED", Refused;
    /// A PDF with more pages than one import takes.
    ScanPdfTooManyPages = "SCAN_PDF_TOO_MANY_PAGES", Refused;
    /// poppler-utils is not installed.
    PdfSoftwareMissing = "PDF_SOFTWARE_MISSING", Fault;
    /// Reading a PDF took too long.
    ScanPdfTimeout = "SCAN_PDF_TIMEOUT", Refused;
    /// A file format that is not taken.
    ScanUnsupported = "SCAN_UNSUPPORTED", Refused;
    /// A camera frame that cannot be read.
    ScanInvalidData = "SCAN_INVALID_DATA", Refused;
    /// sane-utils is not installed.
    ScannerSoftwareMissing = "SCANNER_SOFTWARE_MISSING", Fault;
    /// The scanner is gone.
    ScannerNotFound = "SCANNER_NOT_FOUND", Fault;
    /// The scanner did not finish in time.
    ScanTimeout = "SCAN_TIMEOUT", Fault;
    /// The scanner failed (jam, cover, empty feeder).
    ScanFailed = "SCAN_FAILED", Fault;
    /// The watched folder is not there.
    ScanFolderNotFound = "SCAN_FOLDER_NOT_FOUND", Refused;
    /// A file of the watched folder was imported but could not be moved aside.
    ScanFolderMoveFailed = "SCAN_FOLDER_MOVE_FAILED", Fault;

    // ---- air-gapped transfer files ---------------------------------------------------------------
    /// An export would overwrite a file.
    BundleFileExists = "BUNDLE_FILE_EXISTS", Refused;
    /// The file or folder is not there.
    BundleFileNotFound = "BUNDLE_FILE_NOT_FOUND", Refused;
    /// Writing the transfer file failed.
    BundleWriteFailed = "BUNDLE_WRITE_FAILED", Fault;
    /// Reading the transfer file failed.
    BundleReadFailed = "BUNDLE_READ_FAILED", Fault;

    // ---- the provincial platform: the sync's problems (data in its status, not command errors)
    /// The platform cannot be reached.
    PlatformUnreachable = "PLATFORM_UNREACHABLE", Fault;
    /// The platform did not answer in time.
    PlatformTimeout = "PLATFORM_TIMEOUT", Fault;
    /// The connection dropped during the sync.
    PlatformConnectionLost = "PLATFORM_CONNECTION_LOST", Fault;
    /// The platform answered that it is unavailable.
    PlatformUnavailable = "PLATFORM_UNAVAILABLE", Fault;
    /// The platform's answer could not be read.
    PlatformAnswerInvalid = "PLATFORM_ANSWER_INVALID", Fault;
    /// The platform refused a push: the office's audit chain does not extend the anchor it
    /// holds (rewritten or rolled back since the last sync).
    AuditChainBroken = "AUDIT_CHAIN_BROKEN", Refused;
    /// An answer of the platform without its valid signature (tampered, or a wrong key kept).
    PlatformAnswerUnverified = "PLATFORM_ANSWER_UNVERIFIED", Refused;
    /// This device is not enrolled with the platform.
    DeviceNotEnrolled = "DEVICE_NOT_ENROLLED", Refused;
    /// The platform refused the request's signature (clock, key).
    PlatformSignatureRefused = "PLATFORM_SIGNATURE_REFUSED", Refused;
    /// The platform refused the request.
    PlatformRequestRefused = "PLATFORM_REQUEST_REFUSED", Refused;
    /// A platform address without TLS off loopback.
    PlatformUrlInsecure = "PLATFORM_URL_INSECURE", Refused;
    /// A platform address that is not a URL.
    PlatformUrlInvalid = "PLATFORM_URL_INVALID", Refused;
    /// The secure connection could not be set up.
    PlatformClientSetup = "PLATFORM_CLIENT_SETUP", Fault;
    /// The device identity is not usable.
    DeviceIdInvalid = "DEVICE_ID_INVALID", Refused;
    /// The office store failed during the sync.
    LocalStoreFailed = "LOCAL_STORE_FAILED", Fault;

    // ---- everything else ------------------------------------------------------------------------
    /// A bug or a failed worker: nothing the clerk can fix.
    Internal = "INTERNAL", Fault;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// Dotted path of the field in the record, e.g. `id_number`.
    pub field: String,
    /// The validation rule's own stable code, e.g. `ID_NUMBER_CHECKSUM`.
    pub code: String,
    /// Chinese sentence shown next to the field.
    pub message: String,
}

/// An error as the clerk meets it: a code, one Chinese sentence, and the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The catalogue's code.
    pub code: ErrorCode,
    /// One plain Chinese sentence: what happened and what to do.
    pub message: String,
    /// Per-field problems (only with [`ErrorCode::Validation`]).
    pub fields: Vec<FieldProblem>,
}

impl Problem {
    fn new(code: ErrorCode, message: impl Into<String>) -> Problem {
        Problem { code, message: message.into(), fields: Vec::new() }
    }

    /// Something failed that the clerk cannot fix (a bug, a panicked worker).
    pub fn internal() -> Problem {
        Problem::new(ErrorCode::Internal, "系统内部错误，请重试；如仍失败请联系管理员。")
    }

    /// The code and sentence of any error a use case returns.
    pub fn of(error: &AppError) -> Problem {
        use ErrorCode as C;
        match error {
            AppError::Validation(issues) => Problem {
                code: C::Validation,
                message: match issues.as_slice() {
                    [only] => only.message.clone(),
                    _ => format!("有{}处需要更正，请查看标红的项目。", issues.len()),
                },
                fields: issues
                    .iter()
                    .map(|issue| FieldProblem {
                        field: issue.field.clone(),
                        code: issue.code.to_owned(),
                        message: issue.message.clone(),
                    })
                    .collect(),
            },
            AppError::Store(store) => of_store(store),
            AppError::Assess(assess) => match assess {
                crate::assess::AssessError::Profile { .. } => {
                    Problem::new(C::ProfileInvalid, "内置政策配置有误，请重新安装程序。")
                }
                crate::assess::AssessError::UnknownProfile { .. } => {
                    Problem::new(C::ProfileUnknown, "没有这个县（市、区）的政策配置。")
                }
                crate::assess::AssessError::Record(record) => of_record(record),
            },
            AppError::Deadline(deadline) => match deadline {
                crate::deadline::DeadlineError::Calendar(calendar)
                | crate::deadline::DeadlineError::Update { error: calendar, .. } => of_calendar(calendar),
                crate::deadline::DeadlineError::Reference(_) => reference_broken(),
            },
            AppError::Reference(_) => reference_broken(),
            AppError::Record(record) => of_record(record),
            AppError::Transition(transition) => {
                use domain::case::TransitionError as T;
                let code = match transition {
                    T::NotAllowed { .. } => C::CaseStepNotAllowed,
                    T::SameActor { role, earlier, .. } => return separation_of_duties(*role, *earlier),
                    T::AssessmentNotAccept { .. } => C::CaseNoticeRequired,
                    T::NothingToNotify => C::CaseNothingToNotify,
                    T::DecisionMismatch { .. } => C::CaseDecisionMismatch,
                    T::NotExistingPermit => C::CaseNotExistingPermit,
                    T::TextMissing { .. } => C::CaseTextMissing,
                    T::ActorIncomplete => C::CaseActorIncomplete,
                    T::TimeBeforeLastStep { .. } => C::CaseTimeBeforeLastStep,
                };
                // The domain's messages are already one Chinese sentence for the clerk.
                Problem::new(code, format!("{transition}。"))
            }
            AppError::SeparationOfDuties { role, earlier } => separation_of_duties(*role, *earlier),
            AppError::NotLoggedIn => Problem::new(C::NotLoggedIn, "请先登录。"),
            AppError::IdleLocked { minutes, .. } => Problem::new(
                C::IdleLocked,
                format!("超过 {minutes} 分钟未操作，已自动锁屏（未保存的内容仍在窗口中），请重新登录。"),
            ),
            AppError::DeskRequestRefused => Problem::new(
                C::DeskRequestRefused,
                "办理点服务器拒绝了这次操作：页面的安全校验不符。请刷新页面并重新登录；如反复出现，请报告管理员。",
            ),
            AppError::DeskNotJoined => Problem::new(
                C::DeskNotJoined,
                "这台电脑还没有加入本办理点，办理点服务器不为它办理业务。请管理员生成加入码，在本机「加入办理点」。",
            ),
            AppError::DraftChanged { fields } => Problem {
                code: C::CaseChanged,
                message: if fields.is_empty() {
                    "此草稿已在另一办理台保存过，本次修改未保存。请从首页「草稿」重新打开该草稿，核对后再改。".to_owned()
                } else {
                    format!(
                        "此草稿已在另一办理台修改（与本页不同 {} 处），本次修改未保存。请从首页「草稿」重新打开该草稿，核对后再改。",
                        fields.len()
                    )
                },
                fields: fields
                    .iter()
                    .map(|field| FieldProblem {
                        field: field.clone(),
                        code: "CHANGED_AT_ANOTHER_DESK".to_owned(),
                        message: "另一办理台已修改此项".to_owned(),
                    })
                    .collect(),
            },
            AppError::DeskRevoked => Problem::new(
                C::DeskRevoked,
                "本机已被管理员移出办理点，不能再办理业务。如需继续使用，请在登录页「退出办理点」，再用管理员给的新加入码重新加入。",
            ),
            AppError::ServerAddressInvalid => Problem::new(
                C::ServerAddressInvalid,
                "办理点服务器地址无法识别。请填写服务器电脑的地址，如 192.168.1.10 或 192.168.1.10:8443。",
            ),
            AppError::ServerUnreachable => Problem::new(
                C::ServerUnreachable,
                "与办理点服务器的连接中断。请检查网线和服务器电脑后再试；已保存的内容不会丢失。",
            ),
            AppError::NotAnOfficeServer => Problem::new(
                C::NotAnOfficeServer,
                "此地址上的服务不是本办理点的服务器（证书不符）。请核对地址；服务器如已重装，请管理员生成加入码后重新加入。",
            ),
            AppError::DeskFileDamaged => Problem::new(
                C::DeskFileDamaged,
                "本机加入办理点的凭据已损坏。请管理员生成加入码，在本机重新「加入办理点」。",
            ),
            AppError::JoinCodeInvalid => Problem::new(
                C::JoinCodeInvalid,
                "加入码不对、已用过或已过期（每个加入码 10 分钟内有效，只能用一次）。请管理员在办理点服务器上重新生成。",
            ),
            AppError::PasswordChangeRequired => Problem::new(
                C::PasswordChangeRequired,
                "您的密码是管理员设置的，请先修改为只有您自己知道的密码，然后才能办理业务。",
            ),
            AppError::RoleMissing { .. } => role_missing(),
            AppError::PersonNotFound => Problem::new(C::PersonNotFound, "没有找到此公民身份号码的案件。"),
            AppError::OtherOffice { backup_office, this_office } => Problem::new(
                C::BackupOtherOffice,
                format!("该备份属于办理点 {backup_office}，本机为 {this_office}；确需恢复请由管理员确认。"),
            ),
            AppError::BackupNotYours { administrators } => Problem::new(
                C::BackupNotYours,
                format!(
                    "此备份只能由备份时的管理员（{}）恢复：请其中一位在上方填写用户名和密码后再恢复。",
                    administrators.join("、")
                ),
            ),
            AppError::BackupInvalid { .. } => {
                Problem::new(C::BackupInvalid, "备份文件无法识别或已损坏，未作任何改动。")
            }
            AppError::Print(print) => of_print(print),
            AppError::Printer(printer) => Problem::new(printer_code(printer), printer.message_zh()),
            AppError::Scan(scan) => Problem::new(scan_code(scan), scan.message_zh()),
            AppError::DocumentNotAvailable { reason, .. } => Problem::new(C::DocumentNotAvailable, *reason),
            AppError::ReferenceUpdate(update) => {
                use crate::reference_update::UpdateError as U;
                let code = match update {
                    U::Unreadable(_) => C::ReferenceUpdateUnreadable,
                    U::KeyMissing => C::ReferenceKeyMissing,
                    U::SignatureInvalid => C::ReferenceUpdateSignatureInvalid,
                    U::KindUnsupported(_) => C::ReferenceUpdateKindUnsupported,
                    U::NotNewer { .. } => C::ReferenceUpdateNotNewer,
                    U::ContentInvalid { .. } => C::ReferenceUpdateContentInvalid,
                };
                Problem::new(code, update.message_zh())
            }
            AppError::OfficeNotConfigured => Problem::new(
                C::OfficeNotConfigured,
                "本办理点的名称、地址和电话尚未设置，不能打印正式文书。请管理员在“办理点信息”页面填写后再打印。",
            ),
            AppError::BundleFile(file) => Problem::new(bundle_file_code(file), file.message_zh()),
            AppError::IdCard(error) => Problem::new(idcard_code(error), error.message_zh()),
            AppError::DatabaseDamaged { last_backup, .. } => Problem::new(
                ErrorCode::DatabaseDamaged,
                match last_backup {
                    Some(backup) => format!(
                        "数据库文件损坏或缺失，无法打开（没有建立新的空数据库，原文件保持原样）。本机最近一次备份：{}，由 {} 备份到“{}”。请管理员在下方“从备份恢复”中选它恢复（命令行：permitctl restore “{}”）。",
                        local_minute(&backup.created_at),
                        backup.created_by,
                        backup.path.display(),
                        backup.path.display()
                    ),
                    None => "数据库文件损坏或缺失，无法打开（没有建立新的空数据库，原文件保持原样）。本机没有备份记录：请管理员插入存有本办理点备份的U盘，在下方“从备份恢复”中选择备份文件。".to_owned(),
                },
            ),
            AppError::Io { .. } => {
                Problem::new(C::FileError, "文件读写失败，请检查磁盘空间和文件位置后重试。")
            }
            AppError::DataFolderUnusable { folder, source } => {
                let folder = folder.display();
                let why = match source.kind() {
                    std::io::ErrorKind::PermissionDenied => "没有写入权限",
                    std::io::ErrorKind::ReadOnlyFilesystem => "所在磁盘是只读的",
                    std::io::ErrorKind::StorageFull => "所在磁盘已满",
                    std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory => {
                        "该位置已有同名文件"
                    }
                    _ => "磁盘未连接或无法访问",
                };
                Problem::new(
                    C::DataFolderUnusable,
                    format!(
                        "无法建立办理点数据文件夹“{folder}”（{why}），本程序暂时不能使用，也没有写入任何内容。请联系管理员检查磁盘和文件夹权限，处理后点“重试”。"
                    ),
                )
            }
            AppError::ScanFolderMissing { folder } => Problem::new(
                C::ScanFolderNotFound,
                format!("找不到文件夹“{folder}”，请检查U盘或共享文件夹是否已连接，再重新选择。"),
            ),
            AppError::Unrecognised(what) => Problem::new(C::InvalidInput, what.message_zh()),
            AppError::CaseFileInvalid { detail } => {
                Problem::new(C::CaseFileInvalid, format!("案件文件不是有效的申请表或案件 JSON（{detail}）。"))
            }
        }
    }
}

/// A value chosen in the window or typed on the command line that this build does not
/// know: the shell and `permitctl` parse their strings through the app and get this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unrecognised {
    /// Not one of the worklists.
    #[error("unknown worklist")]
    Worklist,
    /// Not one of 受理/审核/审批/管理员.
    #[error("unknown role")]
    Role,
    /// Not one of the printed documents.
    #[error("unknown document")]
    Document,
    /// Not one of the marks a reviewer sets on a page.
    #[error("unknown page mark")]
    PageMark,
    /// An applicant's answer (确认无误, 好差评) sent from a window other than the screen
    /// facing the applicant.
    #[error("not the applicant's window")]
    NotApplicantWindow,
    /// A request to the office server whose arguments could not be read.
    #[error("unreadable request")]
    Request,
    /// Not a `YYYY-MM-DD` date.
    #[error("not a date")]
    Date {
        /// What was typed (a date, never personal data).
        text: String,
    },
}

impl Unrecognised {
    /// One Chinese sentence.
    pub fn message_zh(&self) -> String {
        match self {
            Unrecognised::Worklist => "没有这个工作清单。".to_owned(),
            Unrecognised::Role => "岗位只能是受理、审核、审批或管理员。".to_owned(),
            Unrecognised::Document => "没有这种文书。".to_owned(),
            Unrecognised::PageMark => "扫描页只能标记为不清晰或与材料不符。".to_owned(),
            Unrecognised::Request => "办理点服务器无法读取这次操作的内容，请刷新页面后重试。".to_owned(),
            Unrecognised::NotApplicantWindow => "确认和评价只能由申请人在申请人屏幕上操作。".to_owned(),
            Unrecognised::Date { text } => {
                format!("日期“{}”无效，请按“年-月-日”填写，如 2027-01-01。", text.trim())
            }
        }
    }
}

/// A reviewer's mark on a page by its key (`unclear`, `mismatch`).
pub fn parse_page_mark(key: &str) -> Result<domain::review::PageMark, AppError> {
    domain::review::PageMark::from_key(key).ok_or(AppError::Unrecognised(Unrecognised::PageMark))
}

/// A date typed by the clerk (`YYYY-MM-DD`).
pub fn parse_date(text: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::Unrecognised(Unrecognised::Date { text: text.to_owned() }))
}

fn reference_broken() -> Problem {
    Problem::new(ErrorCode::ReferenceDataInvalid, "内置参考数据损坏，请重新安装程序。")
}

fn role_missing() -> Problem {
    Problem::new(ErrorCode::RoleMissing, "您的账户没有办理此项业务的权限。")
}

/// 受理/审核/审批 for the step a role signs.
fn step_name(role: domain::case::Role) -> &'static str {
    match role {
        domain::case::Role::Accepter => "受理",
        domain::case::Role::Reviewer => "审核",
        domain::case::Role::Approver => "审批",
    }
}

fn separation_of_duties(role: domain::case::Role, earlier: domain::case::Role) -> Problem {
    Problem::new(
        ErrorCode::SeparationOfDuties,
        format!(
            "受理、审核、审批须由三名不同人员办理：您已办理本案的{}环节，不能再{}。",
            step_name(earlier),
            step_name(role)
        ),
    )
}

fn of_store(error: &StoreError) -> Problem {
    use ErrorCode as C;
    match error {
        StoreError::WrongPassword | StoreError::UnknownUser { .. } => {
            Problem::new(C::WrongPassword, "用户名或密码不正确。")
        }
        StoreError::LockedOut { until } => {
            let local = until.with_timezone(&crate::clock::china_standard_time());
            Problem::new(C::LockedOut, format!("连续输错次数过多，账户已锁定至 {}。", local.format("%H:%M")))
        }
        StoreError::AccountDisabled { .. } => {
            Problem::new(C::AccountDisabled, "该账户已停用，请联系管理员。")
        }
        StoreError::NotInitialised { .. } => {
            Problem::new(C::OfficeNotSetUp, "本机尚未设置办理点，请先完成首次设置。")
        }
        StoreError::AlreadyExists { .. } => {
            Problem::new(C::OfficeAlreadySetUp, "本机已设置办理点，不会覆盖现有数据。")
        }
        StoreError::CheckWaiting { .. } => Problem::new(
            C::DatabaseCheckWaiting,
            "本机另一个程序（另一个窗口或 permitctl 命令）正在读取办理点数据，整库核验等了两分钟仍要等它读完，这次没有得出结论（并不说明数据有问题）。请稍后再试，或先关闭它。",
        ),
        StoreError::OfficeBusy => Problem::new(
            C::OfficeBusy,
            "本机另一个程序正在对办理点数据重新加密、升级或恢复备份，请等它完成后再试。",
        ),
        StoreError::OfficeOpenElsewhere => Problem::new(
            C::OfficeOpenElsewhere,
            "本机另一个程序（另一个窗口或 permitctl 命令）正打开着办理点数据：重新加密、升级和恢复备份需要先关闭它。数据未作任何改动。",
        ),
        StoreError::Corrupt { .. } | StoreError::DatabaseMissing { .. } => {
            Problem::new(C::DatabaseDamaged, "数据库文件损坏或缺失，请联系管理员从备份恢复。")
        }
        StoreError::KeySlotsMissing { .. } | StoreError::KeySlotsDamaged { .. } => {
            Problem::new(C::KeySlotsDamaged, "密钥文件缺失或损坏，请联系管理员从备份恢复。")
        }
        StoreError::KeyMismatch => {
            Problem::new(C::KeyMismatch, "密钥文件与数据库不匹配，请联系管理员恢复同一次备份的两个文件。")
        }
        StoreError::ServerUnlock { reason } => Problem::new(
            C::ServerUnlockInvalid,
            match reason {
                store::ServerUnlockProblem::NotSetUp => {
                    "本办理点还没有设置服务器开启密钥（或已被管理员撤销）：请管理员运行 permit-desk-server setup。"
                }
                store::ServerUnlockProblem::Malformed => {
                    "服务器开启密钥文件已损坏或不是开启密钥文件：请管理员运行 permit-desk-server setup 重新生成。"
                }
                store::ServerUnlockProblem::WrongSecret => {
                    "服务器开启密钥文件打不开本办理点（属于其他办理点，或已被重新生成）：请管理员运行 permit-desk-server setup 重新生成。"
                }
            },
        ),
        StoreError::TooNew { .. } => {
            Problem::new(C::DatabaseTooNew, "数据库由更新版本的程序创建，请升级本程序。")
        }
        StoreError::EncryptionUnavailable => {
            Problem::new(C::EncryptionUnavailable, "本程序无法加密数据库，已停止运行，请重新安装。")
        }
        StoreError::Forbidden { .. } => role_missing(),
        StoreError::WeakPassword { weakness } => Problem::new(
            C::WeakPassword,
            match weakness {
                store::PasswordWeakness::TooShort { min_chars } => {
                    format!("密码太短，至少需要{min_chars}个字符。")
                }
                store::PasswordWeakness::OneKind => {
                    "密码太简单：请同时使用字母、数字、符号中的至少两种（例如字母加数字）。".to_owned()
                }
                store::PasswordWeakness::Common => {
                    "这个密码太常见，容易被猜中（如 abc12345、admin123），请换一个。".to_owned()
                }
                store::PasswordWeakness::IsUserName => "密码不能与用户名相同。".to_owned(),
            },
        ),
        StoreError::InvalidInput { .. } => {
            Problem::new(C::InvalidInput, "输入的内容不符合要求，请检查后重试。")
        }
        StoreError::UserExists { .. } => Problem::new(C::UserExists, "该用户名已被使用。"),
        StoreError::NoRoles => {
            Problem::new(C::NoRoles, "请至少勾选一个岗位；不再办理业务的人员请“停用”其账户。")
        }
        StoreError::LastAdmin => Problem::new(C::LastAdmin, "不能停用或降级最后一名管理员。"),
        StoreError::DuplicateApplicationNumber { .. } => {
            Problem::new(C::ApplicationNumberTaken, "该申请编号已被其他案件使用。")
        }
        StoreError::NotFound { .. } => Problem::new(C::NotFound, "没有找到该记录，可能已被删除或编号有误。"),
        StoreError::Conflict { .. } => {
            Problem::new(C::CaseChanged, "本案已被他人办理或页面已过期，请刷新后重试。")
        }
        StoreError::PageFrozen { .. } => Problem::new(
            C::PageFrozen,
            "本案已提交，扫描页已作为证据留存并报送省平台，不能删除或替换；如需更正，请补扫一页并注明。",
        ),
        StoreError::DiskFull => Problem::new(
            C::DiskFull,
            "磁盘空间已满，本次内容未保存（此前保存的内容不受影响）。窗口中填写的内容仍在：请清理磁盘或联系管理员，腾出空间后再保存。",
        ),
        StoreError::ReadOnly => Problem::new(
            C::DataReadOnly,
            "办理点数据所在的磁盘或文件夹现在是只读的（磁盘出错后被系统设为只读、U盘写保护，或没有写入权限），本程序不能保存任何内容。已保存的数据不受影响；请联系管理员检查磁盘后重新启动本程序。",
        ),
        StoreError::AlreadyRated => {
            Problem::new(C::RatingAlreadyGiven, "申请人已对本次办理作出评价，评价不能更改。")
        }
        StoreError::NothingToRate => Problem::new(C::NothingToRate, "本申请尚未提交，提交后再请申请人评价。"),
        StoreError::Random | StoreError::Io(_) | StoreError::Sqlite(_) => Problem::internal(),
    }
}

fn of_record(error: &domain::record::RecordError) -> Problem {
    use domain::record::RecordError;
    match error {
        RecordError::Json(_) | RecordError::MissingSchemaVersion => {
            Problem::new(ErrorCode::RecordInvalid, "申请表数据格式有误，无法读取。")
        }
        RecordError::UnsupportedSchemaVersion { .. } => Problem::new(
            ErrorCode::RecordVersionUnsupported,
            "申请表数据由其他版本的程序生成，本程序无法读取。",
        ),
    }
}

fn of_calendar(error: &domain::calendar::CalendarError) -> Problem {
    use domain::calendar::CalendarError;
    let code = match error {
        CalendarError::YearNotCovered(_) => ErrorCode::CalendarYearNotCovered,
        CalendarError::Format(_) | CalendarError::Invalid(_) => ErrorCode::CalendarTableInvalid,
        CalendarError::OutOfRange => ErrorCode::CalendarDateOutOfRange,
    };
    Problem::new(code, error.message_zh())
}

/// The print crate's errors: a slip that fails its check is the clerk's business (read
/// out to the holder); the rest means the installation's templates or font are broken.
fn of_print(error: &print::PrintError) -> Problem {
    use print::PrintError;
    let broken = "打印模板或字体有误，请重新安装程序或联系管理员。";
    match error {
        PrintError::PayloadMalformed { .. } => Problem::new(
            ErrorCode::SlipUnreadable,
            "这不是确认单二维码的内容，请对准确认单右上角的二维码重新扫描。",
        ),
        PrintError::PayloadKeyMismatch { found, .. } => Problem::new(
            ErrorCode::SlipOtherOffice,
            format!("该确认单由其他办理点签发（密钥 {found}），本机无法核验，请向签发的办理点核实。"),
        ),
        PrintError::PayloadSignatureInvalid => Problem::new(
            ErrorCode::SlipSignatureInvalid,
            "确认单二维码签名无效：内容被改动过，或并非本办理点签发。请勿凭此确认单办理业务。",
        ),
        PrintError::NothingToRefuse => Problem::new(
            ErrorCode::RefusalNotAvailable,
            "没有可写入告知书的理由（不予受理须有不符合互认条件的理由，不予办理须有审核或审批的理由），不能出具。",
        ),
        PrintError::FontUnreadable { .. } | PrintError::FontInvalid { .. } => {
            Problem::new(ErrorCode::PrintFontInvalid, broken)
        }
        PrintError::TemplateUnreadable { .. }
        | PrintError::TemplateInvalid { .. }
        | PrintError::OfficeInvalid { .. }
        | PrintError::QrTooLong { .. }
        | PrintError::KeyInvalid => Problem::new(ErrorCode::PrintTemplateInvalid, broken),
        PrintError::Spreadsheet { .. } => Problem::new(
            ErrorCode::LedgerSpreadsheetFailed,
            "无法生成台账表格文件，请缩短日期范围后重试；仍不行请导出诊断信息交技术人员。",
        ),
    }
}

/// The code of a reader's failure.
fn idcard_code(error: &idcard::ReaderError) -> ErrorCode {
    use idcard::{ReaderError as R, Status as S};
    match error {
        R::Port { .. } | R::NotFound | R::Library { .. } => ErrorCode::IdCardReaderMissing,
        R::Status(S::NoCard) => ErrorCode::IdCardNoCard,
        R::Status(S::SelectFailed | S::ReadFailed) | R::Frame(_) | R::Layout(_) | R::Card(_) => {
            ErrorCode::IdCardReadFailed
        }
        R::Status(S::NotAuthentic(_) | S::WrongCard) => ErrorCode::IdCardNotGenuine,
        R::Status(S::Ok | S::CardFound | S::FrameRejected(_) | S::ModuleFault(_) | S::Other(_))
        | R::Io(_)
        | R::Silent(_) => ErrorCode::IdCardReaderFault,
    }
}

/// The code of a print-system failure (also written into the print job's audit row).
pub fn printer_code(error: &print::PrinterError) -> ErrorCode {
    use print::PrinterError as P;
    match error {
        P::Unreachable { .. } => ErrorCode::PrintServerUnreachable,
        P::NoSuchPrinter { .. } => ErrorCode::PrinterNotFound,
        P::NotAcceptingJobs { .. } => ErrorCode::PrinterNotAccepting,
        P::JobFailed { .. } => ErrorCode::PrintJobFailed,
        P::JobCanceled { .. } => ErrorCode::PrintJobCanceled,
        P::JobStopped { .. } => ErrorCode::PrintJobStopped,
        P::JobTimeout { .. } => ErrorCode::PrintJobTimeout,
        P::NoSuchJob { .. } => ErrorCode::PrintJobUnknown,
        P::InvalidJob(_) => ErrorCode::PrintJobInvalid,
        P::Refused { .. } => ErrorCode::PrintServerRefused,
        P::Protocol { .. } => ErrorCode::PrintServerProtocol,
    }
}

/// The code of a page that could not be scanned or taken in.
pub fn scan_code(error: &scan::ScanError) -> ErrorCode {
    use scan::ScanError as S;
    match error {
        S::Empty => ErrorCode::ScanEmpty,
        S::TooLarge { .. } => ErrorCode::ScanTooLarge,
        S::TooManyPixels { .. } | S::DimensionTooLarge { .. } => ErrorCode::ScanTooManyPixels,
        S::Corrupt { .. } | S::PdfDamaged { .. } => ErrorCode::ScanCorrupt,
        S::PdfNotSupported => ErrorCode::ScanPdfNotSupported,
        S::PdfEncrypted => ErrorCode::ScanPdfEncrypted,
        S::PdfTooManyPages { .. } => ErrorCode::ScanPdfTooManyPages,
        S::PdfRendererMissing { .. } => ErrorCode::PdfSoftwareMissing,
        S::PdfTimeout { .. } => ErrorCode::ScanPdfTimeout,
        S::Unsupported { .. } | S::UnsupportedVariant { .. } => ErrorCode::ScanUnsupported,
        S::InvalidDataUrl { .. } => ErrorCode::ScanInvalidData,
        S::SaneMissing { .. } => ErrorCode::ScannerSoftwareMissing,
        S::ScannerNotFound { .. } => ErrorCode::ScannerNotFound,
        S::ScanTimeout { .. } => ErrorCode::ScanTimeout,
        S::ScanFailed { .. } => ErrorCode::ScanFailed,
        S::Io { .. } => ErrorCode::FileError,
    }
}

/// An RFC 3339 instant as the counter's local date and minute (`2026-12-05 16:40`); the
/// text as it is when it does not parse.
fn local_minute(instant: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(instant).map_or_else(
        |_| instant.to_owned(),
        |at| at.with_timezone(&crate::clock::china_standard_time()).format("%Y-%m-%d %H:%M").to_string(),
    )
}

fn bundle_file_code(error: &crate::bundle::BundleFileError) -> ErrorCode {
    use std::io::ErrorKind;
    match (error.writing, error.source.kind()) {
        (true, ErrorKind::AlreadyExists) => ErrorCode::BundleFileExists,
        (_, ErrorKind::NotFound) => ErrorCode::BundleFileNotFound,
        (true, _) => ErrorCode::BundleWriteFailed,
        (false, _) => ErrorCode::BundleReadFailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_screaming_snake() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} is listed twice");
            assert!(
                !text.is_empty() && text.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'),
                "{text} is not SCREAMING_SNAKE"
            );
            let json = serde_json::to_value(code).expect("serialise");
            assert_eq!(json, text, "the wire name is the catalogue's");
        }
    }

    #[test]
    fn validation_keeps_every_field_issue_and_code() {
        let issues = vec![
            domain::FieldIssue::new("id_number", "ID_NUMBER_BIRTH_DATE", "出生日期无效。"),
            domain::FieldIssue::new("id_number", "ID_NUMBER_CHECKSUM", "校验位错误。"),
        ];
        let problem = Problem::of(&AppError::Validation(issues));
        assert_eq!(problem.code, ErrorCode::Validation);
        assert_eq!(problem.fields.len(), 2, "no issue is dropped on the way out");
        assert_eq!(problem.fields[1].code, "ID_NUMBER_CHECKSUM");
        assert_eq!(problem.message, "有2处需要更正，请查看标红的项目。");
        let one = vec![domain::FieldIssue::new("id_number", "ID_NUMBER_CHECKSUM", "校验位错误。")];
        assert_eq!(Problem::of(&AppError::Validation(one)).message, "校验位错误。");
    }

    fn code_of(error: impl Into<AppError>) -> ErrorCode {
        Problem::of(&error.into()).code
    }

    #[test]
    fn log_in_errors_have_their_own_codes() {
        assert_eq!(code_of(StoreError::WrongPassword), ErrorCode::WrongPassword);
        let unknown = StoreError::UnknownUser { username: "nobody".to_owned() };
        assert_eq!(code_of(unknown), ErrorCode::WrongPassword, "an unknown user looks like a wrong password");
        let until = chrono::DateTime::from_timestamp(1_772_413_200, 0).expect("instant"); // 2026-03-02 01:00 UTC
        let locked = Problem::of(&StoreError::LockedOut { until }.into());
        assert_eq!(locked.code, ErrorCode::LockedOut);
        assert!(locked.message.contains("09:00"), "China Standard Time: {}", locked.message);
    }

    #[test]
    fn another_program_on_the_office_is_told_apart_from_damage() {
        assert_eq!(code_of(StoreError::OfficeBusy), ErrorCode::OfficeBusy);
        assert_eq!(code_of(StoreError::OfficeOpenElsewhere), ErrorCode::OfficeOpenElsewhere);
        let waited = Problem::of(&StoreError::CheckWaiting { copied: 3, log: 9 }.into());
        assert_eq!(waited.code, ErrorCode::DatabaseCheckWaiting);
        assert!(waited.message.contains("并不说明数据有问题"), "{}", waited.message);
        for code in [ErrorCode::OfficeBusy, ErrorCode::OfficeOpenElsewhere, ErrorCode::DatabaseCheckWaiting] {
            assert_eq!(code.class(), Class::Refused, "{code:?}: nothing is broken");
        }
    }

    #[test]
    fn a_damaged_store_and_a_mismatched_key_are_told_apart() {
        let damaged = StoreError::Corrupt { detail: "file is not a database".to_owned() };
        assert_eq!(code_of(damaged), ErrorCode::DatabaseDamaged);
        assert_eq!(code_of(StoreError::KeyMismatch), ErrorCode::KeyMismatch);
        assert_eq!(ErrorCode::KeyMismatch.class(), Class::Fault);
        assert_eq!(ErrorCode::WrongPassword.class(), Class::Refused);
    }

    #[test]
    fn separation_of_duties_names_both_steps() {
        use domain::case::Role;
        let problem =
            Problem::of(&AppError::SeparationOfDuties { role: Role::Reviewer, earlier: Role::Accepter });
        assert_eq!(problem.code, ErrorCode::SeparationOfDuties);
        assert_eq!(
            problem.message,
            "受理、审核、审批须由三名不同人员办理：您已办理本案的受理环节，不能再审核。"
        );
        // The domain's SameActor arrives as the same variant.
        let same = domain::case::TransitionError::SameActor {
            role: Role::Approver,
            earlier: Role::Reviewer,
            user_id: "li".to_owned(),
            name: "李".to_owned(),
        };
        assert_eq!(code_of(same), ErrorCode::SeparationOfDuties);
    }

    #[test]
    fn case_steps_backups_and_roles_have_codes() {
        let step = domain::case::TransitionError::TextMissing { what: "审核人意见" };
        let problem = Problem::of(&step.into());
        assert_eq!(problem.code, ErrorCode::CaseTextMissing);
        assert!(problem.message.contains("审核人意见"), "{}", problem.message);
        let other = AppError::OtherOffice { backup_office: "a".to_owned(), this_office: "b".to_owned() };
        assert_eq!(code_of(other), ErrorCode::BackupOtherOffice);
        assert_eq!(code_of(AppError::NotLoggedIn), ErrorCode::NotLoggedIn);
        assert_eq!(code_of(AppError::PersonNotFound), ErrorCode::PersonNotFound);
    }

    #[test]
    fn a_slip_from_another_office_has_one_code_everywhere() {
        let other =
            print::PrintError::PayloadKeyMismatch { found: "ab12".to_owned(), expected: "cd34".to_owned() };
        let problem = Problem::of(&other.into());
        assert_eq!(problem.code, ErrorCode::SlipOtherOffice);
        assert!(problem.message.contains("ab12"), "{}", problem.message);
    }

    #[test]
    fn adapter_errors_keep_their_own_sentences() {
        let scan = scan::ScanError::PdfEncrypted;
        let problem = Problem::of(&scan.into());
        assert_eq!(problem.code, ErrorCode::ScanPdfEncrypted);
        assert_eq!(problem.message, scan::ScanError::PdfEncrypted.message_zh());
        let calendar = domain::calendar::CalendarError::YearNotCovered(2027);
        let problem = Problem::of(&AppError::Deadline(crate::deadline::DeadlineError::Calendar(calendar)));
        assert_eq!(problem.code, ErrorCode::CalendarYearNotCovered);
        assert!(problem.message.contains("2027"), "{}", problem.message);
    }

    #[test]
    fn bundle_file_errors_name_the_file_and_the_cause() {
        let file = |writing, kind| crate::bundle::BundleFileError {
            path: "/media/clerk/STICK/answer.pdb".into(),
            writing,
            source: std::io::Error::from(kind),
        };
        let exists = Problem::of(&file(true, std::io::ErrorKind::AlreadyExists).into());
        assert_eq!(exists.code, ErrorCode::BundleFileExists);
        assert!(
            exists.message.contains("/media/clerk/STICK/answer.pdb") && exists.message.contains("不会覆盖")
        );
        let missing = Problem::of(&file(false, std::io::ErrorKind::NotFound).into());
        assert_eq!(missing.code, ErrorCode::BundleFileNotFound);
        let locked = Problem::of(&file(true, std::io::ErrorKind::PermissionDenied).into());
        assert_eq!(locked.code, ErrorCode::BundleWriteFailed);
        assert!(locked.message.contains("写保护"), "{}", locked.message);
    }

    #[test]
    fn unrecognised_values_say_what_was_expected() {
        let problem = Problem::of(&parse_date("2027-13-01").expect_err("no month 13"));
        assert_eq!(problem.code, ErrorCode::InvalidInput);
        assert!(problem.message.contains("2027-13-01"), "{}", problem.message);
        assert_eq!(parse_date(" 2027-01-04 ").ok(), chrono::NaiveDate::from_ymd_opt(2027, 1, 4));
        assert_eq!(code_of(AppError::Unrecognised(Unrecognised::Role)), ErrorCode::InvalidInput);
    }
}
