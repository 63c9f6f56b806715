//! The scan panel: scanners, scanning with progress, importing a file or a camera frame,
//! and the case's pages (thumbnails, rotate, reorder, assign, delete).

use tauri::State;
use tauri::ipc::Channel;

use super::{now, parse_case_id, with_office, with_office_passive};
use crate::AppState;
use crate::error::UiError;
use crate::json::{
    ColourName, DeskFolderInfo, DeskScanInfo, FolderPollInfo, PageEditInput, PageMarkName, PagesInfo,
    ScanOutcome, ScanProgress, ScanRequest, ScannerChoice,
};

fn intake_for(colour: &str) -> app::scans::IntakeOptions {
    app::scans::IntakeOptions::for_mode(app::scans::ColourMode::from_name(colour))
}

fn joined<T>(result: Result<Result<T, app::AppError>, tauri::Error>) -> Result<T, UiError> {
    result.map_err(|_| UiError::internal())?.map_err(UiError::from)
}

/// The scanners SANE sees.
#[tauri::command]
pub async fn list_scanners(state: State<'_, AppState>) -> Result<Vec<ScannerChoice>, UiError> {
    let env = state.sane_env();
    let devices = joined(tauri::async_runtime::spawn_blocking(move || app::scans::scanners(&env)).await)?;
    Ok(devices.into_iter().map(ScannerChoice::from).collect())
}

/// Scans pages into the case, linked to the request's evidence; sends progress on
/// `progress` after each page. The office is locked only to store the finished pages. A
/// scanner that stops part-way keeps the pages received, and says why it stopped.
#[tauri::command]
pub async fn scan_pages(
    state: State<'_, AppState>,
    case_id: String,
    scan: ScanRequest,
    progress: Channel<ScanProgress>,
) -> Result<ScanOutcome, UiError> {
    let env = state.sane_env();
    let (settings, options) = scan.settings();
    let device = scan.device;
    let scanned = joined(
        tauri::async_runtime::spawn_blocking(move || {
            app::scans::acquire_sane(&env, &device, &settings, &options, |done, total| {
                // A lost progress event only leaves the bar behind; the pages still arrive.
                let _ = progress.send(ScanProgress { done, total });
            })
        })
        .await,
    )?;
    let stopped = scanned.stopped_message();
    let pages = attach_and_list(&state, case_id, scanned.pages, scan.evidence).await?;
    Ok(ScanOutcome { pages, stopped })
}

/// A joined desk's scan: pages from this PC's scanner, returned to the page as PNG data
/// URLs for it to upload to the office server one by one; progress on `progress` after
/// each page. Nothing is kept here.
#[tauri::command]
pub async fn scan_at_desk(
    state: State<'_, AppState>,
    scan: ScanRequest,
    progress: Channel<ScanProgress>,
) -> Result<DeskScanInfo, UiError> {
    if state.desk.link().is_none() {
        return Err(app::AppError::DeskNotJoined.into());
    }
    let env = state.sane_env();
    let (settings, _) = scan.settings();
    let device = scan.device;
    let scanned = joined(
        tauri::async_runtime::spawn_blocking(move || {
            app::scans::scan_at_desk(&env, &device, &settings, |done, total| {
                let _ = progress.send(ScanProgress { done, total });
            })
        })
        .await,
    )?;
    Ok(DeskScanInfo::from(scanned))
}

/// Takes in one image the window sends as a data URL (a file chosen or dropped, or a
/// document camera's frame).
#[tauri::command]
pub async fn import_page(
    state: State<'_, AppState>,
    case_id: String,
    data_url: String,
    colour: ColourName,
    evidence: String,
) -> Result<PagesInfo, UiError> {
    let pages = joined(
        tauri::async_runtime::spawn_blocking(move || wire::commands::intake_page(&data_url, &colour)).await,
    )?;
    attach_and_list(&state, case_id, pages, evidence).await
}

async fn attach_and_list(
    state: &AppState,
    case_id: String,
    pages: Vec<app::scans::Page>,
    evidence: String,
) -> Result<PagesInfo, UiError> {
    with_office(state, move |office| wire::commands::attach_pages(office, case_id, pages, evidence)).await
}

/// The case's pages and the ticked evidence without one.
#[tauri::command]
pub async fn list_pages(state: State<'_, AppState>, case_id: String) -> Result<PagesInfo, UiError> {
    with_office(&state, move |office| wire::commands::list_pages(office, case_id)).await
}

/// One page's full image, as a JPEG data URL (audited as a view).
#[tauri::command]
pub async fn page_image(state: State<'_, AppState>, page_id: String) -> Result<String, UiError> {
    with_office(&state, move |office| wire::commands::page_image(office, page_id)).await
}

/// Changes a page: a turn clockwise, a new evidence link, or a new position.
#[tauri::command]
pub async fn change_page(
    state: State<'_, AppState>,
    case_id: String,
    page_id: String,
    change: PageEditInput,
) -> Result<PagesInfo, UiError> {
    with_office(&state, move |office| wire::commands::change_page(office, case_id, page_id, change)).await
}

/// Marks a page of a case waiting for review or approval 不清晰 or 与材料不符 with the
/// reviewer's note, or clears its mark (no mark given).
#[tauri::command]
pub async fn mark_page(
    state: State<'_, AppState>,
    case_id: String,
    page_id: String,
    note: String,
    mark: Option<PageMarkName>,
) -> Result<PagesInfo, UiError> {
    with_office(&state, move |office| wire::commands::mark_page(office, case_id, page_id, note, mark)).await
}

/// Removes a page (the window has asked the clerk to confirm).
#[tauri::command]
pub async fn delete_page(
    state: State<'_, AppState>,
    case_id: String,
    page_id: String,
) -> Result<PagesInfo, UiError> {
    with_office(&state, move |office| wire::commands::delete_page(office, case_id, page_id)).await
}

/// The watched folder remembered for this installation (empty if none).
#[tauri::command]
pub async fn scan_folder(state: State<'_, AppState>) -> Result<String, UiError> {
    let data_dir = state.paths.data_dir.clone();
    let folder = joined(
        tauri::async_runtime::spawn_blocking(move || app::scan_folder::saved_folder(&data_dir)).await,
    )?;
    Ok(folder.map(|folder| folder.display().to_string()).unwrap_or_default())
}

/// Chooses the watched folder (remembered for this installation) and starts watching it;
/// the files already in it are left alone.
#[tauri::command]
pub async fn set_scan_folder(state: State<'_, AppState>, folder: String) -> Result<String, UiError> {
    let data_dir = state.paths.data_dir.clone();
    let slot = state.scan_folder.clone();
    joined(
        tauri::async_runtime::spawn_blocking(move || {
            let watch = app::scan_folder::choose_folder(&data_dir, &folder)?;
            let dir = watch.dir().display().to_string();
            *slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(watch);
            Ok(dir)
        })
        .await,
    )
}

/// Imports the files that arrived in the watched folder into the case (the window calls
/// this every two seconds while the folder is the panel's source).
#[tauri::command]
pub async fn poll_scan_folder(
    state: State<'_, AppState>,
    case_id: String,
    colour: ColourName,
    evidence: String,
) -> Result<FolderPollInfo, UiError> {
    let slot = state.scan_folder.clone();
    let options = intake_for(&colour);
    let batch = joined(
        tauri::async_runtime::spawn_blocking(move || {
            let mut watch = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            watch.as_mut().map_or(Ok(app::scan_folder::Batch::default()), |watch| {
                app::scan_folder::take_new(watch, &options)
            })
        })
        .await,
    )?;
    // The window polls the folder on a timer: a file arriving is the scanner's doing, not
    // the clerk's, and does not keep the session alive.
    with_office_passive(&state, move |office| {
        let imported = app::scan_folder::store(office, &parse_case_id(&case_id)?, batch, &evidence, now())?;
        Ok(FolderPollInfo::from(imported))
    })
    .await
}

/// At a desk of an office server: the new, complete files of the watched folder as they lie
/// on disk, for the window to upload to the server one by one (`import_page`, which checks
/// and normalises each, as it does the desk's scanned pages); the window then reports each
/// with `desk_folder_file_done`, and nothing is moved before. A clerk must be logged in
/// here (the files are an applicant's papers); no folder watched is an empty answer.
#[tauri::command]
pub async fn take_desk_folder_files(state: State<'_, AppState>) -> Result<DeskFolderInfo, UiError> {
    let Some(link) = state.desk.link() else {
        return Err(app::AppError::DeskNotJoined.into());
    };
    if !link.session_alive().await.map_err(super::desk::link_error)? {
        return Err(app::AppError::NotLoggedIn.into());
    }
    let slot = state.scan_folder.clone();
    let taken = joined(
        tauri::async_runtime::spawn_blocking(move || {
            let mut watch = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            watch.as_mut().map_or(Ok((Vec::new(), Vec::new())), app::scan_folder::take_new_at_desk)
        })
        .await,
    )?;
    Ok(DeskFolderInfo::from(taken))
}

/// How the upload of the watched folder's file `name` went at a desk of an office server:
/// `stored` moves it into `imported/`; `retry` (the server did not answer) hands it out
/// again at a later poll; `refused` (the server's sentence shown) leaves it where it is.
#[tauri::command]
pub async fn desk_folder_file_done(
    state: State<'_, AppState>,
    name: String,
    outcome: String,
) -> Result<(), UiError> {
    use app::scan_folder::DeskFileOutcome;
    if state.desk.link().is_none() {
        return Err(app::AppError::DeskNotJoined.into());
    }
    let outcome = match outcome.as_str() {
        "stored" => DeskFileOutcome::Stored,
        "refused" => DeskFileOutcome::Refused,
        "retry" => DeskFileOutcome::Retry,
        _ => return Err(app::AppError::Unrecognised(app::problem::Unrecognised::Request).into()),
    };
    let slot = state.scan_folder.clone();
    joined(
        tauri::async_runtime::spawn_blocking(move || {
            let mut watch = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let watch = watch.as_mut().ok_or(app::AppError::ScanFolderMissing { folder: String::new() })?;
            app::scan_folder::desk_file_done(watch, &name, outcome)
        })
        .await,
    )
}
