//! The case desk's commands as plain functions (issue 17, step 1 of
//! `docs/office-server.md`): what the window asks, translated into one `app` use case and
//! its answer translated back, written once for every transport.
//!
//! Each takes the office as the asking clerk sees it (`&mut Office` with that clerk's
//! session in place: the Tauri shell's one office, or the office server's shared one
//! through `Office::as_clerk`) and the arguments as the window sends them; the shell's
//! `#[tauri::command]` wrappers and the server's routes only find the office and call
//! these. [`case_desk_commands!`](crate::case_desk_commands) lists them with their
//! arguments, so the server's routes are generated from the same list and cannot drift.

use app::AppError;
use app::cases::{CaseId, DuplicateDecision, Submission};
use app::domain::reference::DivisionLevel;
use app::office::Office;
use app::problem::Unrecognised;
use chrono::{DateTime, Utc};

use crate::json::{
    AssessmentInfo, AuditLineInfo, CaseInfo, CaseLineInfo, ClerkInfo, DeskPrintReport, DivisionChoice,
    DocumentName, DraftSavedInfo, EthnicChoice, IdNumberInfo, LedgerInfo, LevelName, PageEditInput,
    PageMarkName, PagesInfo, PreviewInfo, PrintedInfo, ProfileInfo, RecordJson, RekeyInfo, RoleName,
    SubmitResult, SyncStatusInfo, WorklistCount, WorklistName,
};

/// Most lines a worklist or a search sends to the window at once.
pub const LIST_LIMIT: u32 = 200;

/// Most audit rows the case page lists.
pub const AUDIT_LIMIT: u32 = 100;

/// The case desk's commands, each as `name(argument: Type, …) -> Answer;`, for a transport
/// to generate its handlers from: `wire::case_desk_commands!(my_macro)` calls `my_macro!`
/// with the list. The argument names are the window's (camelCase on the wire, as Tauri
/// sends them); the functions of the same names in [`crate::commands`] take them in order
/// after the office.
#[macro_export]
macro_rules! case_desk_commands {
    ($then:ident) => {
        $then! {
            new_case() -> String;
            save_draft(case_id: String, record: $crate::json::RecordJson, paper_slip: Option<bool>, base_version: Option<i64>) -> $crate::json::DraftSavedInfo;
            submit_case(case_id: String, profile: String, opinion: String, proceed: bool) -> $crate::json::SubmitResult;
            review_case(case_id: String, opinion: String) -> $crate::json::CaseInfo;
            approve_case(case_id: String, opinion: String) -> $crate::json::CaseInfo;
            reject_case(case_id: String, reasons: Vec<String>) -> $crate::json::CaseInfo;
            send_back_case(case_id: String, reasons: Vec<String>) -> $crate::json::CaseInfo;
            withdraw_case(case_id: String, reason: String) -> $crate::json::CaseInfo;
            get_case(case_id: String) -> $crate::json::CaseInfo;
            case_audit(case_id: String) -> Vec<$crate::json::AuditLineInfo>;
            worklist_counts() -> Vec<$crate::json::WorklistCount>;
            worklist(list: $crate::json::WorklistName) -> Vec<$crate::json::CaseLineInfo>;
            search_cases(text: String) -> Vec<$crate::json::CaseLineInfo>;
            ledger(from: String, to: String) -> $crate::json::LedgerInfo;
            list_profiles() -> Vec<$crate::json::ProfileInfo>;
            assess_application(record: $crate::json::RecordJson, profile: String, case_id: Option<String>) -> $crate::json::AssessmentInfo;
            list_pages(case_id: String) -> $crate::json::PagesInfo;
            page_image(page_id: String) -> String;
            mark_page(case_id: String, page_id: String, note: String, mark: Option<$crate::json::PageMarkName>) -> $crate::json::PagesInfo;
            change_page(case_id: String, page_id: String, change: $crate::json::PageEditInput) -> $crate::json::PagesInfo;
            delete_page(case_id: String, page_id: String) -> $crate::json::PagesInfo;
            list_clerks() -> Vec<$crate::json::ClerkInfo>;
            add_clerk(username: String, display_name: String, roles: Vec<$crate::json::RoleName>, password: String) -> ();
            set_clerk_roles(username: String, roles: Vec<$crate::json::RoleName>) -> ();
            revoke_clerk(username: String) -> $crate::json::RekeyInfo;
            rekey_office() -> $crate::json::RekeyInfo;
            rekey_owed() -> bool;
            reenable_clerk(username: String, password: String) -> ();
        }
    };
}

/// The application form's pickers and its ID-number check, as `name(argument: Type, …) ->
/// Answer;` like [`case_desk_commands!`](crate::case_desk_commands): they read only the
/// shipped reference data, so their functions take no office (the window's set-up uses
/// the division picker before there is one); a transport decides who may call them (the
/// office server: a logged-in clerk).
#[macro_export]
macro_rules! picker_commands {
    ($then:ident) => {
        $then! {
            check_id_number(input: String) -> $crate::json::IdNumberInfo;
            search_divisions(query: String, level: Option<$crate::json::LevelName>, within: Option<String>) -> Vec<$crate::json::DivisionChoice>;
            search_ethnic_groups(query: String) -> Vec<$crate::json::EthnicChoice>;
        }
    };
}

/// Most entries a picker sends to the window at once.
pub const PICKER_LIMIT: usize = 30;

/// Validates and decodes an ID number typed by the clerk (its age by today).
pub fn check_id_number(input: String) -> Result<IdNumberInfo, AppError> {
    Ok(app::intake::check_id_number(&input, app::clock::today())?.into())
}

/// Searches the division picker; `level` is `province`, `city` or `county` (an unknown
/// level searches every level, as none does), `within` a parent code.
pub fn search_divisions(
    query: String,
    level: Option<LevelName>,
    within: Option<String>,
) -> Result<Vec<DivisionChoice>, AppError> {
    let level = level.as_deref().and_then(DivisionLevel::parse);
    let choices = app::intake::search_divisions(&query, level, within.as_deref(), PICKER_LIMIT);
    Ok(choices.into_iter().map(DivisionChoice::from).collect())
}

/// Searches the ethnic-group picker.
pub fn search_ethnic_groups(query: String) -> Result<Vec<EthnicChoice>, AppError> {
    Ok(app::intake::search_ethnic_groups(&query).into_iter().map(EthnicChoice::from).collect())
}

/// The live assessment of the form as typed so far under `profile`; for a stored case
/// (`case_id`), with the ticked evidence no scanned page proves yet.
pub fn assess_application(
    office: &mut Office,
    record: RecordJson,
    profile: String,
    case_id: Option<String>,
) -> Result<AssessmentInfo, AppError> {
    let record = app::assess::parse_record(&record.to_string())?;
    let case_id = case_id.as_deref().map(parse_case_id).transpose()?;
    let draft = app::intake::assess_live(office, case_id.as_ref(), record, &profile, app::clock::today())?;
    Ok(AssessmentInfo::from_draft(draft))
}

/// Rotates, moves or reassigns a page of a case; the case's pages afterwards.
pub fn change_page(
    office: &mut Office,
    case_id: String,
    page_id: String,
    change: PageEditInput,
) -> Result<PagesInfo, AppError> {
    app::scans::change(office, &page_id, &change.into(), now())?;
    Ok(PagesInfo::from(app::scans::overview(office, &parse_case_id(&case_id)?)?))
}

/// Deletes a page of a case (audited); the case's pages afterwards.
pub fn delete_page(office: &mut Office, case_id: String, page_id: String) -> Result<PagesInfo, AppError> {
    app::scans::delete(office, &page_id, now())?;
    Ok(PagesInfo::from(app::scans::overview(office, &parse_case_id(&case_id)?)?))
}

/// A picture or file the window sends (a data URL) as normalised pages, in colour mode
/// `colour`: the CPU work of an import, done without the office (a transport runs it
/// beside, not inside, the office's lock).
pub fn intake_page(data_url: &str, colour: &str) -> Result<Vec<app::scans::Page>, AppError> {
    let options = app::scans::IntakeOptions::for_mode(app::scans::ColourMode::from_name(colour));
    app::scans::intake_data_url(data_url, &options)
}

/// Attaches normalised pages to the case as proof of `evidence`; the case's pages
/// afterwards.
pub fn attach_pages(
    office: &mut Office,
    case_id: String,
    pages: Vec<app::scans::Page>,
    evidence: String,
) -> Result<PagesInfo, AppError> {
    let id = parse_case_id(&case_id)?;
    app::scans::attach(office, &id, &pages, &evidence, now())?;
    Ok(PagesInfo::from(app::scans::overview(office, &id)?))
}

/// Every clerk account (人员管理). Needs 管理员.
pub fn list_clerks(office: &mut Office) -> Result<Vec<ClerkInfo>, AppError> {
    Ok(app::users::list_clerks(office)?.into_iter().map(ClerkInfo::from).collect())
}

/// Roles as the window names them.
fn roles_of(names: &[RoleName]) -> Result<app::office::Roles, AppError> {
    app::office::Roles::from_keys(names).ok_or(AppError::Unrecognised(Unrecognised::Role))
}

/// Adds a clerk with roles and a first password (which they must change at their first
/// log-in). Needs 管理员.
pub fn add_clerk(
    office: &mut Office,
    username: String,
    display_name: String,
    roles: Vec<RoleName>,
    password: String,
) -> Result<(), AppError> {
    let roles = roles_of(&roles)?;
    let clerk =
        app::users::NewClerk { username: &username, display_name: &display_name, roles, password: &password };
    app::users::add_clerk(office, &clerk, now()).map(|_| ())
}

/// Changes a clerk's roles. Needs 管理员.
pub fn set_clerk_roles(office: &mut Office, username: String, roles: Vec<RoleName>) -> Result<(), AppError> {
    let roles = roles_of(&roles)?;
    app::users::set_roles(office, &username, roles, now())
}

/// Revokes a clerk: the key slot goes, the account stays for the audit trail, and the
/// office is re-keyed (the answer says how that went). Needs 管理员.
pub fn revoke_clerk(office: &mut Office, username: String) -> Result<RekeyInfo, AppError> {
    let revoked = app::users::revoke_clerk(office, &username, now())?;
    let clerks = app::users::list_clerks(office)?;
    Ok(RekeyInfo::from_outcome(revoked.rekeyed, &clerks))
}

/// Re-keys the office when the administrator asks (a re-key a revocation owed). Needs 管理员.
pub fn rekey_office(office: &mut Office) -> Result<RekeyInfo, AppError> {
    let rekeyed = app::users::rekey(office, now())?;
    let clerks = app::users::list_clerks(office)?;
    Ok(RekeyInfo::from_outcome(Ok(rekeyed), &clerks))
}

/// Whether a revocation since the last re-key left the office under a key a revoked clerk
/// held. Needs 管理员.
pub fn rekey_owed(office: &mut Office) -> Result<bool, AppError> {
    app::users::rekey_owed(office)
}

/// Re-enables a revoked clerk with a new initial password (audited). Needs 管理员.
pub fn reenable_clerk(office: &mut Office, username: String, password: String) -> Result<(), AppError> {
    app::users::reenable_clerk(office, &username, &password, now())
}

/// A printed document's name as the window sends it.
pub fn parse_document(key: &str) -> Result<app::printing::Document, AppError> {
    app::printing::Document::from_name(key).ok_or(AppError::Unrecognised(Unrecognised::Document))
}

/// The case, document and choices a preview or print names, as the window sends them.
fn document_request(
    case_id: &str,
    document: &str,
    large_print: Option<bool>,
) -> Result<(CaseId, app::printing::Document, app::printing::RenderChoices), AppError> {
    Ok((parse_case_id(case_id)?, parse_document(document)?, app::printing::RenderChoices { large_print }))
}

/// Renders a document of the case for the preview. `large_print`: the slip in large
/// type; left out, the county profile decides. The renderer (`printing`) is the
/// transport's, loaded once.
pub fn preview_document(
    office: &mut Office,
    printing: &app::printing::Printing,
    case_id: String,
    document: DocumentName,
    large_print: Option<bool>,
) -> Result<PreviewInfo, AppError> {
    let (id, document, choices) = document_request(&case_id, &document, large_print)?;
    Ok(PreviewInfo::from(app::printing::render(office, printing, &id, document, choices, now())?))
}

/// A document of the case for a browser desk to print with the browser's print dialog,
/// audited as sent there (`app::printing::sent_to_browser`); the answer is the PDF to
/// print, exactly what was audited.
pub fn print_in_browser(
    office: &mut Office,
    printing: &app::printing::Printing,
    case_id: String,
    document: DocumentName,
    large_print: Option<bool>,
) -> Result<PreviewInfo, AppError> {
    let (id, document, choices) = document_request(&case_id, &document, large_print)?;
    Ok(PreviewInfo::from(app::printing::sent_to_browser(office, printing, &id, document, choices, now())?))
}

/// A print a joined desk made on its own printer of a document the server rendered for it
/// (`preview_document`), as the desk reports it: `outcome` is `completed` or `held` (with
/// the print system's `job`) or `failed` (with the `error` code). Audited as `printed`
/// (`app::printing::record_desk_print`); a slip that printed leaves 待打印确认单.
pub fn record_desk_print(office: &mut Office, report: DeskPrintReport) -> Result<PrintedInfo, AppError> {
    let DeskPrintReport { case_id, document, template, printer, copies, outcome, job, error } = report;
    use app::printing::DeskPrintOutcome;
    let (id, document, _) = document_request(&case_id, &document, None)?;
    let unreadable = || AppError::from(app::problem::Unrecognised::Request);
    let outcome = match (outcome.as_str(), job, error) {
        ("completed", Some(job), None) => DeskPrintOutcome::Completed { job },
        ("held", Some(job), None) => DeskPrintOutcome::Held { job },
        ("failed", None, Some(code)) => DeskPrintOutcome::Failed {
            code: serde_json::from_value(serde_json::Value::String(code)).map_err(|_| unreadable())?,
        },
        _ => return Err(unreadable()),
    };
    if printer.trim().is_empty()
        || printer.chars().count() > 127
        || template.chars().count() > 127
        || copies == 0
    {
        return Err(unreadable());
    }
    let now = now();
    app::printing::record_desk_print(office, &id, document, &template, &printer, copies, &outcome, now)?;
    let job = match outcome {
        DeskPrintOutcome::Completed { job } | DeskPrintOutcome::Held { job } => job,
        DeskPrintOutcome::Failed { .. } => String::new(),
    };
    Ok(PrintedInfo { job, template, printed_at: crate::json::local_minute(now) })
}

/// A case id sent by the window.
pub fn parse_case_id(text: &str) -> Result<CaseId, AppError> {
    Ok(text.parse::<CaseId>()?)
}

/// The current instant for use cases (they take every instant as an argument).
pub fn now() -> DateTime<Utc> {
    app::clock::now().with_timezone(&Utc)
}

/// A fresh case id for a form being opened (nothing is stored until the first save); for a
/// logged-in clerk only.
pub fn new_case(office: &mut Office) -> Result<String, AppError> {
    office.session()?;
    Ok(app::cases::new_case_id(now())?.to_string())
}

/// Saves the draft as the clerk types: durable at once, audited with the changed fields.
/// `paper_slip` (the applicant needs the paper 确认单): left out, it keeps what was set.
/// `base_version`: the case's version the form last loaded or saved (`None` for a new
/// form); another desk's save since is refused with CASE_CHANGED naming its fields.
pub fn save_draft(
    office: &mut Office,
    case_id: String,
    record: RecordJson,
    paper_slip: Option<bool>,
    base_version: Option<i64>,
) -> Result<DraftSavedInfo, AppError> {
    let now = now();
    let id = parse_case_id(&case_id)?;
    let saved =
        app::cases::save_draft_json_from(office, &id, &record.to_string(), paper_slip, base_version, now)?;
    Ok(DraftSavedInfo::new(saved, now))
}

/// Submits a saved draft for acceptance: a one-time notice, the duplicate guard's
/// candidates (submit again with `proceed` after the clerk has looked), or 受理.
pub fn submit_case(
    office: &mut Office,
    case_id: String,
    profile: String,
    opinion: String,
    proceed: bool,
) -> Result<SubmitResult, AppError> {
    let submission = Submission {
        profile: &profile,
        opinion: &opinion,
        duplicates: if proceed { DuplicateDecision::Proceed } else { DuplicateDecision::Check },
    };
    let outcome = app::cases::submit(office, &parse_case_id(&case_id)?, &submission, now())?;
    let today = app::clock::today();
    SubmitResult::from_outcome(outcome, |summaries| app::worklists::lines_for(office, summaries, today))
}

/// 审核 with the reviewer's opinion.
pub fn review_case(office: &mut Office, case_id: String, opinion: String) -> Result<CaseInfo, AppError> {
    step(office, &case_id, |office, id| app::cases::review(office, id, &opinion, now()).map(|_| ()))
}

/// 审批 with the approver's opinion.
pub fn approve_case(office: &mut Office, case_id: String, opinion: String) -> Result<CaseInfo, AppError> {
    step(office, &case_id, |office, id| app::cases::approve(office, id, &opinion, now()).map(|_| ()))
}

/// 不予通过 with every reason (one per line in the window).
pub fn reject_case(office: &mut Office, case_id: String, reasons: Vec<String>) -> Result<CaseInfo, AppError> {
    step(office, &case_id, |office, id| app::cases::reject(office, id, &reasons, now()).map(|_| ()))
}

/// 退回补正: sends the case back to the counter with every reason (one per line in the
/// window); it becomes a one-time notice of them.
pub fn send_back_case(
    office: &mut Office,
    case_id: String,
    reasons: Vec<String>,
) -> Result<CaseInfo, AppError> {
    step(office, &case_id, |office, id| app::cases::send_back(office, id, &reasons, now()).map(|_| ()))
}

/// Withdraws an open case at the applicant's request.
pub fn withdraw_case(office: &mut Office, case_id: String, reason: String) -> Result<CaseInfo, AppError> {
    step(office, &case_id, |office, id| app::cases::withdraw(office, id, &reason, now()).map(|_| ()))
}

/// Opens the case page (audited as a view of personal data).
pub fn get_case(office: &mut Office, case_id: String) -> Result<CaseInfo, AppError> {
    view(office, &parse_case_id(&case_id)?)
}

/// The case's latest audit rows, newest first.
pub fn case_audit(office: &mut Office, case_id: String) -> Result<Vec<AuditLineInfo>, AppError> {
    let lines = app::audit::case_trail(office, &parse_case_id(&case_id)?, AUDIT_LIMIT)?;
    Ok(lines.into_iter().map(AuditLineInfo::from).collect())
}

/// The badge numbers of the home screen's worklists.
pub fn worklist_counts(office: &mut Office) -> Result<Vec<WorklistCount>, AppError> {
    let counts = app::worklists::worklist_counts(office, app::clock::today())?;
    Ok(counts
        .into_iter()
        .map(|(list, count)| WorklistCount {
            key: list.key().to_owned(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
            at_least: count >= app::worklists::WORKLIST_COUNT_CAP,
        })
        .collect())
}

/// The lines of one worklist.
pub fn worklist(office: &mut Office, list: WorklistName) -> Result<Vec<CaseLineInfo>, AppError> {
    let list = app::worklists::Worklist::from_key(&list).ok_or(AppError::from(Unrecognised::Worklist))?;
    let lines = app::worklists::worklist(office, list, app::clock::today(), LIST_LIMIT)?;
    Ok(lines.into_iter().map(CaseLineInfo::from).collect())
}

/// The search box: ID number, phone, name prefix or application number (audited without
/// the searched text).
pub fn search_cases(office: &mut Office, text: String) -> Result<Vec<CaseLineInfo>, AppError> {
    let Some(query) = app::worklists::query_for(&text) else {
        return Ok(Vec::new());
    };
    let lines = app::worklists::search(office, &query, LIST_LIMIT, now())?;
    Ok(lines.into_iter().map(CaseLineInfo::from).collect())
}

/// The register of applications (台账) from `from` to `to` (`YYYY-MM-DD`, both included),
/// with its counts (audited as a view of every case in it).
pub fn ledger(office: &mut Office, from: String, to: String) -> Result<LedgerInfo, AppError> {
    let from = app::problem::parse_date(&from)?;
    let to = app::problem::parse_date(&to)?;
    Ok(LedgerInfo::from(app::ledger::ledger(office, from, to, now())?))
}

/// The policy profiles the office can apply (the shipped ones and those of loaded updates).
pub fn list_profiles(office: &mut Office) -> Result<Vec<ProfileInfo>, AppError> {
    Ok(app::intake::list_profiles(office)?.into_iter().map(ProfileInfo::from).collect())
}

/// The case's pages and the ticked evidence without one.
pub fn list_pages(office: &mut Office, case_id: String) -> Result<PagesInfo, AppError> {
    Ok(PagesInfo::from(app::scans::overview(office, &parse_case_id(&case_id)?)?))
}

/// One page's full image, as a JPEG data URL (audited as a view).
pub fn page_image(office: &mut Office, page_id: String) -> Result<String, AppError> {
    use base64::Engine as _;
    let jpeg = app::scans::image(office, &page_id, now())?;
    Ok(format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg)))
}

/// Marks a page of a case waiting for review or approval 不清晰 or 与材料不符 with the
/// reviewer's note, or clears its mark (no mark given).
pub fn mark_page(
    office: &mut Office,
    case_id: String,
    page_id: String,
    note: String,
    mark: Option<PageMarkName>,
) -> Result<PagesInfo, AppError> {
    let mark = mark.as_deref().map(app::problem::parse_page_mark).transpose()?;
    app::cases::mark_page(office, &page_id, mark.map(|mark| (mark, note.as_str())), now())?;
    list_pages(office, case_id)
}

/// The header's sync status: the stored queue and warnings with what the background sync
/// last saw (`live`) laid over them, and how far the system clock moved since the program
/// started watching it (`jumped`). Each transport keeps its own loop and clock watch.
pub fn sync_status(
    office: &mut Office,
    live: &app::sync::LiveSync,
    jumped: Option<chrono::Duration>,
) -> Result<SyncStatusInfo, AppError> {
    Ok(SyncStatusInfo::from(app::sync::header(office, app::clock::today(), now(), live, jumped)?))
}

/// Runs one step on a case and answers with the case page as it is afterwards.
fn step(
    office: &mut Office,
    case_id: &str,
    run: impl FnOnce(&mut Office, &CaseId) -> Result<(), AppError>,
) -> Result<CaseInfo, AppError> {
    let id = parse_case_id(case_id)?;
    run(office, &id)?;
    view(office, &id)
}

/// The case page as the clerk may see it.
pub fn view(office: &mut Office, id: &CaseId) -> Result<CaseInfo, AppError> {
    let page = app::review::case_page(office, id, now())?;
    CaseInfo::new(page).map_err(|error| AppError::Record(error.into()))
}
