//! The sync status of the header, the clerk's "sync now", the supervisor's view of the
//! records the platform refused, with resend, and the air-gapped transfer (离线传输):
//! the platform's key kept by the office, export to a file, the platform's answer back.

use std::path::PathBuf;

use tauri::State;

use super::{with_office, with_office_handle, with_office_passive};
use crate::AppState;
use crate::error::UiError;
use crate::json::{
    BundleExportInfo, BundleFileInfo, BundleImportInfo, PlatformKeySetInfo, QuarantinedRecord, RecordJson,
    SyncStatusInfo, TransferInfo,
};

/// Queue, link and last success for the header; the progress of a running drain.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatusInfo, UiError> {
    let live = state.sync.snapshot();
    let jumped = clock_watch(&state).and_then(|watch| watch.jumped());
    with_office_passive(&state, move |office| wire::commands::sync_status(office, &live, jumped)).await
}

/// 更正后重报: sends the corrected application of a refused submission (受理 or 审批;
/// audited), and wakes the sync.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn correct_record(
    state: State<'_, AppState>,
    id: String,
    record: RecordJson,
) -> Result<String, UiError> {
    let record = app::assess::parse_record(&record.to_string()).map_err(app::AppError::from)?;
    let case_id = with_office(&state, move |office| {
        let id = id.parse::<app::sync::OutboxId>()?;
        app::sync::correct_and_resend(office, &id, &record, super::now())
    })
    .await?;
    state.sync.sync_now();
    Ok(case_id.to_string())
}

/// An administrator confirms the system clock after the header said it was behind the
/// office's records (管理员; audited as `clock_confirmed`).
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn confirm_clock(state: State<'_, AppState>) -> Result<(), UiError> {
    with_office(&state, |office| app::sync::confirm_clock(office, super::now())).await?;
    // The clock as it is now is the one confirmed: moves are measured from here.
    *state.clock_watch.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
        app::clock::ClockWatch::start();
    Ok(())
}

fn clock_watch(state: &AppState) -> Option<app::clock::ClockWatch> {
    *state.clock_watch.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Wakes the background sync at once.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), UiError> {
    state.sync.sync_now();
    Ok(())
}

/// The records the platform refused, oldest first, with its reason in Chinese. Needs
/// 审批 or 管理员.
#[tauri::command]
pub async fn list_quarantined(state: State<'_, AppState>) -> Result<Vec<QuarantinedRecord>, UiError> {
    with_office(&state, |office| Ok(app::sync::quarantined(office)?.into_iter().map(Into::into).collect()))
        .await
}

/// Releases a refused record to be sent again (same id, same content) and wakes the
/// sync. Needs 审批 or 管理员; audited as `sync_requeued`.
#[tauri::command]
pub async fn resend_record(state: State<'_, AppState>, id: String) -> Result<(), UiError> {
    with_office(&state, move |office| {
        let id = id.parse::<app::sync::OutboxId>()?;
        app::sync::resend(office, &id, super::now())
    })
    .await?;
    state.sync.sync_now();
    Ok(())
}

/// The transfer screen: the platform's key (fingerprint), this device's id and key, how
/// many records an export would carry. Needs 审批 or 管理员.
#[tauri::command]
pub async fn transfer_overview(state: State<'_, AppState>) -> Result<TransferInfo, UiError> {
    with_office(&state, move |office| {
        let overview = app::bundle::transfer_overview(office, super::now())?;
        Ok(TransferInfo {
            platform_key: overview.platform_key.map(Into::into),
            device_id: overview.device.device_id,
            device_public_key: overview.device.public_key_hex,
            sendable: overview.sendable,
            device_key_orders_waiting: overview.device_key_orders_waiting,
        })
    })
    .await
}

/// The bundle files on the USB sticks mounted for this user and in the home folder (top
/// level and one folder down), newest first, each with what it is: 导入平台回执 picks one
/// from this list. Needs 审批 or 管理员.
#[tauri::command]
pub async fn bundle_files(state: State<'_, AppState>) -> Result<Vec<BundleFileInfo>, UiError> {
    let home = state.settings.home.clone();
    let user = state.settings.os_user.clone();
    with_office(&state, move |office| {
        let places = app::media::places(home.as_deref(), user.as_deref());
        let found = app::bundle::found_bundles(office, &places, super::now())?;
        Ok(found.into_iter().map(Into::into).collect())
    })
    .await
}

/// Keeps the platform's bundle key (管理员; `replace` after the window's confirmation);
/// audited as `platform_key_set`.
#[tauri::command]
pub async fn set_platform_key(
    state: State<'_, AppState>,
    key: String,
    replace: bool,
) -> Result<PlatformKeySetInfo, UiError> {
    with_office(&state, move |office| {
        Ok(app::bundle::set_platform_key(office, &key, replace, super::now())?.into())
    })
    .await
}

/// Writes the sendable records to a bundle file at `path` (or a time-named file in that
/// folder) for the kept platform key. Needs 审批 or 管理员. The records stay queued.
#[tauri::command]
pub async fn export_bundle(state: State<'_, AppState>, path: String) -> Result<BundleExportInfo, UiError> {
    with_office_handle(&state, move |office| {
        Ok(app::bundle::export_bundle_to_file(office, &PathBuf::from(path), None, super::now())?.into())
    })
    .await
}

/// Applies the platform's answer file at `path`, checked against the kept platform key.
/// Needs 审批 or 管理员. A second import of the same answer changes nothing.
#[tauri::command]
pub async fn import_bundle(state: State<'_, AppState>, path: String) -> Result<BundleImportInfo, UiError> {
    with_office_handle(&state, move |office| {
        Ok(app::bundle::import_bundle_from_file(office, &PathBuf::from(path), None, super::now())?.into())
    })
    .await
}
