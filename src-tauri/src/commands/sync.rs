//! The sync status of the header, the clerk's "sync now", and the supervisor's view of
//! the records the platform refused, with resend.

use tauri::State;

use super::with_office;
use crate::AppState;
use crate::error::UiError;
use crate::json::{QuarantinedRecord, SyncStatusInfo, local_minute};

/// Days after which a record still waiting is worth a warning.
const OLD_QUEUE_DAYS: i64 = 3;

/// Queue, link and last success for the header; the progress of a running drain.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatusInfo, UiError> {
    let live = state.sync.snapshot();
    with_office(&state, move |office| {
        let status = app::sync::sync_status(office)?;
        let now = super::now();
        let queue_too_old = status.queue_older_than(now, chrono::Duration::days(OLD_QUEUE_DAYS));
        Ok(SyncStatusInfo {
            queued: status.queued,
            quarantined: status.quarantined,
            offline: live.offline.unwrap_or(status.offline),
            running: live.running,
            done: live.progress.0,
            total: live.progress.1,
            last_success_at: status.last_success_at.map(local_minute),
            problem: live.last_problem.or(status.last_error),
            queue_too_old,
            clock_warning: status.clock_warning,
            disk_warning: status.disk_warning,
        })
    })
    .await
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
