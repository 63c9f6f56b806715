//! The typed commands the window may invoke, grouped by area and registered once.
//!
//! Each command is an `async fn` (so it never blocks the window's main thread) that
//! converts its DTO, makes one call into `app`, and converts the result back. Calls that
//! touch the office store run on a blocking thread through [`with_office`].

pub mod applicant;
pub mod cases;
pub mod desk;
pub mod idcard;
pub mod intake;
pub mod office;
pub mod print;
pub mod scans;
pub mod sync;
pub mod system;

mod bindings;

use crate::AppState;
use crate::error::UiError;

/// The invoke handler with every command of the app.
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        system::get_app_info,
        intake::check_id_number,
        intake::search_divisions,
        intake::search_ethnic_groups,
        intake::list_profiles,
        intake::assess_application,
        idcard::id_card_reader,
        idcard::read_id_card,
        applicant::applicant_screen_in_use,
        applicant::open_applicant_screen,
        applicant::close_applicant_screen,
        applicant::applicant_screen,
        applicant::show_draft_to_applicant,
        applicant::show_decision_to_applicant,
        applicant::show_welcome_to_applicant,
        applicant::applicant_confirms,
        applicant::applicant_rates,
        desk::desk_mode,
        desk::probe_office_server,
        desk::join_office_server,
        desk::leave_office_server,
        desk::desk_request,
        office::office_status,
        office::set_up_office,
        office::office_details,
        office::set_office_details,
        office::last_upgrade,
        office::export_places,
        office::folders_in,
        office::export_support_bundle,
        office::backup_office,
        office::backup_files,
        office::restore_office,
        office::reference_status,
        office::set_reference_key,
        office::load_reference_update,
        office::record_effective_date,
        office::log_in,
        office::change_password,
        office::log_out,
        office::lock_screen,
        office::list_clerks,
        office::add_clerk,
        office::set_clerk_roles,
        office::revoke_clerk,
        office::rekey_office,
        office::rekey_owed,
        office::reenable_clerk,
        cases::new_case,
        cases::save_draft,
        cases::submit_case,
        cases::review_case,
        cases::approve_case,
        cases::reject_case,
        cases::send_back_case,
        cases::withdraw_case,
        cases::get_case,
        cases::case_audit,
        cases::worklist_counts,
        cases::worklist,
        cases::search_cases,
        cases::ledger,
        cases::export_ledger,
        print::list_printers,
        print::print_pdf_at_desk,
        print::print_settings,
        print::set_print_settings,
        print::preview_document,
        print::print_document,
        print::print_jobs,
        print::print_ledger,
        print::verify_slip,
        scans::list_scanners,
        scans::scan_pages,
        scans::scan_at_desk,
        scans::import_page,
        scans::list_pages,
        scans::page_image,
        scans::mark_page,
        scans::change_page,
        scans::delete_page,
        scans::scan_folder,
        scans::set_scan_folder,
        scans::poll_scan_folder,
        scans::take_desk_folder_files,
        scans::desk_folder_file_done,
        sync::sync_status,
        sync::sync_now,
        sync::confirm_clock,
        sync::list_quarantined,
        sync::resend_record,
        sync::correct_record,
        sync::transfer_overview,
        sync::bundle_files,
        sync::set_platform_key,
        sync::export_bundle,
        sync::import_bundle,
    ]
}

// The case id parser and the clock every command uses: the same as the office server's.
pub(crate) use wire::commands::{now, parse_case_id};

/// Runs `work` on the unlocked office, on a blocking thread, for a clerk's own command:
/// it counts as activity for the backend's idle lock, and is refused (`IDLE_LOCKED`, the
/// office locked) after the idle limit without one. `NOT_LOGGED_IN` before the first
/// log-in.
pub(crate) async fn with_office<T, F>(state: &AppState, work: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut app::office::Office) -> Result<T, app::AppError> + Send + 'static,
{
    office_command(state, true, work).await
}

/// [`with_office`] for the window's own polls (the header's badges, the applicant's
/// screen, the watched scan folder): refused after the idle limit like any command, but
/// never keeping the session alive.
pub(crate) async fn with_office_passive<T, F>(state: &AppState, work: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut app::office::Office) -> Result<T, app::AppError> + Send + 'static,
{
    office_command(state, false, work).await
}

/// [`with_office`] for the one command a clerk whose password an administrator set may
/// run: changing it. Every other clerk command is refused (`PASSWORD_CHANGE_REQUIRED`)
/// until then.
pub(crate) async fn with_office_to_change_password<T, F>(state: &AppState, work: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut app::office::Office) -> Result<T, app::AppError> + Send + 'static,
{
    run_on_office(state, true, false, work).await
}

async fn office_command<T, F>(state: &AppState, active: bool, work: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut app::office::Office) -> Result<T, app::AppError> + Send + 'static,
{
    // The window's polls (counts, the header's badges) go on; a clerk's own command waits
    // for the password only they know.
    run_on_office(state, active, active, work).await
}

async fn run_on_office<T, F>(
    state: &AppState,
    active: bool,
    own_password: bool,
    work: F,
) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut app::office::Office) -> Result<T, app::AppError> + Send + 'static,
{
    let idle = state.idle.clone();
    let at = std::time::Instant::now();
    with_office_slot(state, move |slot| match slot.as_mut() {
        Some(office) => {
            idle.pass(office, at, now(), active)?;
            if own_password {
                office.require_own_password()?;
            }
            work(office)
        }
        None => Err(app::AppError::NotLoggedIn),
    })
    .await
}

/// Runs `work` on the office slot itself (log-in opens it, set-up fills it).
pub(crate) async fn with_office_slot<T, F>(state: &AppState, work: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Option<app::office::Office>) -> Result<T, app::AppError> + Send + 'static,
{
    let office = state.office.clone();
    let joined = tauri::async_runtime::spawn_blocking(move || {
        // A panic while holding the lock leaves the store as SQLite left it (every change
        // is one transaction), so the slot stays usable.
        let mut slot = office.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        work(&mut slot)
    })
    .await;
    match joined {
        Ok(result) => result.map_err(UiError::from),
        Err(error) => {
            tracing::error!(%error, "an office command panicked");
            Err(UiError::internal())
        }
    }
}

/// Runs `work` on a blocking thread with the office's mutex itself, for use cases that
/// lock it only around their store calls (a bundle written to a slow USB stick must not
/// hold up the sync or the other commands).
pub(crate) async fn with_office_handle<T, F>(state: &AppState, work: F) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&std::sync::Mutex<Option<app::office::Office>>) -> Result<T, app::AppError> + Send + 'static,
{
    let office = state.office.clone();
    match tauri::async_runtime::spawn_blocking(move || work(&office)).await {
        Ok(result) => result.map_err(UiError::from),
        Err(error) => {
            tracing::error!(%error, "an office command panicked");
            Err(UiError::internal())
        }
    }
}
