//! `AppError`: the one error type of the use cases.
//!
//! Each adapter crate's error is wrapped in its own variant, and validation problems
//! travel as data ([`AppError::Validation`]). [`crate::problem::Problem::of`] gives every
//! variant its stable code and Chinese sentence, for the window and `permitctl` alike.
//!
//! No variant carries an applicant's personal data (ID number, name, address, phone):
//! `Display` may be logged. Clerk user names and office ids are not personal data of
//! applicants and may appear.

use domain::FieldIssue;
use domain::case::{Role, TransitionError};
use domain::record::RecordError;
use store::Roles;
pub use store::StoreError;

use crate::assess::AssessError;
use crate::deadline::DeadlineError;
use crate::reference::ReferenceLoadError;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input has problems; every one is listed, none is fatal to the app.
    #[error("validation failed: {} issue(s)", .0.len())]
    Validation(Vec<FieldIssue>),
    /// The office store refused or failed (log-in, lockout, damaged file, conflict...).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The office database is damaged or missing at log-in; the last backup this PC
    /// made, if it knows one, is where to restore from.
    #[error("damaged database: {source}")]
    DatabaseDamaged {
        /// What the store found.
        source: StoreError,
        /// The last backup made here (from the note beside the office).
        last_backup: Option<Box<crate::backup::LastBackup>>,
    },
    /// The policy profile could not be found or applied.
    #[error("assessment: {0}")]
    Assess(#[from] AssessError),
    /// The processing deadline could not be computed (e.g. a year without holiday table).
    #[error("deadline: {0}")]
    Deadline(#[from] DeadlineError),
    /// The embedded reference tables are broken (a build problem).
    #[error("reference data: {0}")]
    Reference(#[from] ReferenceLoadError),
    /// A record (typed by the clerk or read back from the store) is not an application
    /// record this build reads.
    #[error("record: {0}")]
    Record(#[from] RecordError),
    /// The case state machine refused the step (wrong state, blank opinion, clock
    /// running backwards...). Separation of duties has its own variant.
    #[error("case step refused: {0}")]
    Transition(TransitionError),
    /// The logged-in clerk already signed an earlier step of this case (受理/审核/审批
    /// must be three different people).
    #[error("separation of duties: the {} already acted as {}", role.label(), earlier.label())]
    SeparationOfDuties {
        /// The step being attempted.
        role: Role,
        /// The step the same clerk already signed.
        earlier: Role,
    },
    /// Nobody is logged in (after log-out or the idle lock).
    #[error("nobody is logged in")]
    NotLoggedIn,
    /// The backend locked the office: no clerk command for longer than the idle limit.
    #[error("locked after {minutes} idle minutes")]
    IdleLocked {
        /// The clerk whose session it was (the log-in screen offers it again).
        username: String,
        /// The limit.
        minutes: u64,
    },
    /// The clerk's password was set by an administrator (a new account, a reset): nothing
    /// but changing it is allowed until they have (issue 18: the administrator knows it).
    #[error("the clerk must change the password an administrator set")]
    PasswordChangeRequired,
    /// The office server refused a desk's request without its session's security token
    /// (CSRF, docs/office-server.md).
    #[error("the request lacks the session's security token")]
    DeskRequestRefused,
    /// A desk's one-time code to join the office server is wrong, used or expired (or too
    /// many wrong codes were tried, which voids every code outstanding).
    #[error("the code to join the office is wrong, used or expired")]
    JoinCodeInvalid,
    /// The office server serves this PC's requests only once it has joined (it serves
    /// browsers from given addresses only, and this is not one).
    #[error("this PC has not joined the office")]
    DeskNotJoined,
    /// The office server no longer serves this desk's certificate (removed by an
    /// administrator).
    #[error("this desk was removed from the office")]
    DeskRevoked,
    /// A draft saved from a version another desk has since changed: not saved (issue 17,
    /// two desks on one draft).
    #[error("the draft was changed at another desk")]
    DraftChanged {
        /// The fields the other desk's save left different from this one's, as dotted
        /// paths of the record ([`domain::changes::changed_fields`]).
        fields: Vec<String>,
    },
    /// The office server's address typed at a desk cannot be read.
    #[error("the office server's address cannot be read")]
    ServerAddressInvalid,
    /// A desk cannot reach its office server.
    #[error("the office server cannot be reached")]
    ServerUnreachable,
    /// What answers at the office server's address is not this office's server.
    #[error("the server is not this office's server")]
    NotAnOfficeServer,
    /// The desk's file from joining is damaged.
    #[error("the desk's file from joining is damaged")]
    DeskFileDamaged,
    /// The logged-in clerk has none of the roles the use case needs.
    #[error("this needs one of the roles {needed}")]
    RoleMissing {
        /// The roles, any of which would do.
        needed: Roles,
    },
    /// No case belongs to this person (export of the one-file-per-person archive).
    #[error("no case found for this person")]
    PersonNotFound,
    /// The backup was made by another office; restoring it needs explicit confirmation
    /// (`--force-other-office`).
    #[error("backup belongs to office {backup_office}, this store to {this_office}")]
    OtherOffice {
        /// The office id written in the backup.
        backup_office: String,
        /// The office id of the store being replaced.
        this_office: String,
    },
    /// The backup's own key is sealed to other administrators than the one restoring
    /// (only an administrator of the backup's day can restore it).
    #[error("backup sealed to other administrators")]
    BackupNotYours {
        /// The administrators it is sealed to.
        administrators: Vec<String>,
    },
    /// The file is not a permit-desk backup, or it is truncated or damaged.
    #[error("not a usable backup file: {reason}")]
    BackupInvalid {
        /// What is wrong with it.
        reason: String,
    },
    /// A document could not be rendered (font or template broken).
    #[error("print: {0}")]
    Print(#[from] print::PrintError),
    /// The print system refused or failed a job.
    #[error("printer: {0}")]
    Printer(#[from] print::PrinterError),
    /// A page could not be scanned or taken in (bad file, scanner gone, too large).
    #[error("scan: {0}")]
    Scan(#[from] scan::ScanError),
    /// The document does not exist for the case in its present state (e.g. a receipt
    /// before acceptance); `reason` is one Chinese sentence for the clerk.
    #[error("document {document} not available: {reason}")]
    DocumentNotAvailable {
        /// The document's Chinese name.
        document: &'static str,
        /// Why, in Chinese.
        reason: &'static str,
    },
    /// A reference-data update file was refused.
    #[error("reference update: {0}")]
    ReferenceUpdate(#[from] crate::reference_update::UpdateError),
    /// The office's name, address and phone were never set (an office set up from the
    /// command line, or before the details existed): no official document is printed
    /// with a made-up office on it.
    #[error("the office's details are not set: official documents cannot be printed")]
    OfficeNotConfigured,
    /// The office's data folder (or one inside it) cannot be made: a disk not mounted, a
    /// read-only or full disk, no permission, a file where the folder should be.
    #[error("data folder {folder} cannot be created: {source}")]
    DataFolderUnusable {
        /// The folder.
        folder: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The folder chosen for the watched folder is not there (or is not a folder).
    #[error("scan folder {folder} does not exist")]
    ScanFolderMissing {
        /// The path as given.
        folder: String,
    },
    /// The ID-card reader read no card (none there, lifted, not genuine, or no reader).
    #[error("id card reader: {0}")]
    IdCard(#[from] idcard::ReaderError),
    /// An air-gapped bundle file could not be read or written (path, medium, space).
    #[error("{0}")]
    BundleFile(#[from] crate::bundle::BundleFileError),
    /// A case file given to `permitctl render` is neither an application record nor a case
    /// file wrapping one.
    #[error("case file: {detail}")]
    CaseFileInvalid {
        /// What the JSON reader said.
        detail: String,
    },
    /// A value chosen in the window or typed on the command line that this build does
    /// not know (a worklist, a role, a document, a date).
    #[error("unrecognised input: {0}")]
    Unrecognised(#[from] crate::problem::Unrecognised),
    /// A file of an export or backup could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// Which file operation failed, in a few words.
        what: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl AppError {
    /// Wraps an IO error with a short description of what was being done.
    pub(crate) fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> AppError {
        move |source| AppError::Io { what, source }
    }
}

impl From<TransitionError> for AppError {
    fn from(error: TransitionError) -> Self {
        match error {
            TransitionError::SameActor { role, earlier, .. } => {
                AppError::SeparationOfDuties { role, earlier }
            }
            other => AppError::Transition(other),
        }
    }
}
