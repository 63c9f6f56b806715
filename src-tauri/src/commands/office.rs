//! The office and its clerks: first-run set-up, log-in, log-out, the idle lock, and the
//! administrator's clerk list.

use tauri::State;

use super::{now, with_office, with_office_slot, with_office_to_change_password};
use crate::AppState;
use crate::error::UiError;
use crate::json::{
    BackupFileInfo, BackupMadeInfo, ClerkInfo, FolderInfo, OfficeDetailsInfo, OfficeDetailsInput,
    OfficeStatus, PlaceInfo, PrintSettingsInput, ProfileInfo, ReferenceStatusInfo, RekeyInfo, RestoredInfo,
    RoleName, SessionInfo, SupportExportInfo, UpgradeInfo, local_minute,
};
use app::problem::Unrecognised;

/// Whether this machine has an office yet, and who is logged in.
#[tauri::command]
pub async fn office_status(state: State<'_, AppState>) -> Result<OfficeStatus, UiError> {
    let db_dir = state.paths.db_dir.clone();
    let paths = state.paths.clone();
    let idle_lock_minutes = state.settings.idle_lock_minutes;
    with_office_slot(&state, move |slot| {
        if slot.is_none() {
            app::office::Office::prepare_folders(&paths.folders())?;
        }
        Ok(OfficeStatus {
            exists: slot.is_some() || app::office::Office::exists(&db_dir),
            office_id: slot.as_ref().map(|office| office.office_id().to_owned()),
            session: slot.as_ref().and_then(|office| office.session().ok()).map(SessionInfo::from),
            idle_lock_minutes,
        })
    })
    .await
}

/// First-run set-up: creates the encrypted office store and its administrator, who is
/// logged in at once, with the office's details (county from the division list, station
/// number, name, address, phone). `roles` adds counter roles the administrator also holds
/// (a small office may have one person doing several jobs).
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_up_office(
    state: State<'_, AppState>,
    details: OfficeDetailsInput,
    username: String,
    password: String,
    roles: Vec<RoleName>,
    print: PrintSettingsInput,
) -> Result<SessionInfo, UiError> {
    let extra_roles = app::office::Roles::from_keys(&roles).ok_or(app::AppError::from(Unrecognised::Role))?;
    let db_dir = state.paths.db_dir.clone();
    if state.desk.link().is_some() {
        // A desk of an office server keeps no office of its own.
        return Err(app::AppError::from(app::error::StoreError::AlreadyExists { path: db_dir }).into());
    }
    with_office_slot(&state, move |slot| {
        let details = details.into_details();
        let print = print.into_settings();
        let setup = app::office::FirstRun {
            details: &details,
            username: &username,
            password: &password,
            extra_roles,
            print: &print,
        };
        let office =
            app::office::Office::first_run(&db_dir, &setup, now(), app::office::StoreOptions::default())?;
        let session = SessionInfo::from(office.session()?);
        *slot = Some(office);
        Ok(session)
    })
    .await
}

/// The office's details and the profile its counters apply by default (and, for an office
/// whose details were never set, what an old `office.json` suggests).
#[tauri::command]
pub async fn office_details(state: State<'_, AppState>) -> Result<OfficeDetailsInfo, UiError> {
    let data_dir = state.paths.data_dir.clone();
    with_office(&state, move |office| OfficeDetailsInfo::new(office, &data_dir)).await
}

/// Changes the office's details (管理员; audited); an old `office.json` is then retired.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_office_details(
    state: State<'_, AppState>,
    details: OfficeDetailsInput,
) -> Result<OfficeDetailsInfo, UiError> {
    let data_dir = state.paths.data_dir.clone();
    with_office(&state, move |office| {
        office.set_details(&details.into_details(), now())?;
        app::office::retire_legacy_file(&data_dir)?;
        OfficeDetailsInfo::new(office, &data_dir)
    })
    .await
}

/// The last upgrade of the office's database (schemas and the copy made before it), for
/// the notice the window shows once after an upgrade.
#[tauri::command]
pub async fn last_upgrade(state: State<'_, AppState>) -> Result<Option<UpgradeInfo>, UiError> {
    with_office(&state, |office| Ok(app::about::last_upgrade(office)?.map(Into::into))).await
}

/// Where the window can write a file to take elsewhere, to pick from (never typed): the
/// USB sticks mounted for this user, with label and free space, then the home folder.
#[tauri::command]
pub async fn export_places(state: State<'_, AppState>) -> Result<Vec<PlaceInfo>, UiError> {
    let home = state.settings.home.clone();
    let user = state.settings.os_user.clone();
    let places =
        tauri::async_runtime::spawn_blocking(move || app::media::places(home.as_deref(), user.as_deref()))
            .await
            .map_err(|_| UiError::internal())?;
    Ok(places.into_iter().map(PlaceInfo::from).collect())
}

/// The folders inside `path` (a place or a folder this listed), by name, for the window's
/// folder picker: the clerk opens folders one level at a time and never types a path.
#[tauri::command]
pub async fn folders_in(path: String) -> Result<Vec<FolderInfo>, UiError> {
    let folder = std::path::PathBuf::from(path);
    let listed = tauri::async_runtime::spawn_blocking(move || app::media::subfolders(&folder))
        .await
        .map_err(|_| UiError::internal())??;
    Ok(listed.into_iter().map(FolderInfo::from).collect())
}

/// Backs the whole office up (备份: the encrypted database and the clerks' key slots, one
/// file that opens only with the password of a clerk who had an account then) into
/// `path`, a folder on a USB stick picked in the window, as a new time-named file.
/// 管理员 only; audited as `backup_created`.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn backup_office(state: State<'_, AppState>, path: String) -> Result<BackupMadeInfo, UiError> {
    with_office(&state, move |office| {
        let now = now();
        let (written, _) = app::backup::backup_to_folder(office, std::path::Path::new(&path), now)?;
        let bytes = std::fs::metadata(&written).map(|metadata| metadata.len()).unwrap_or_default();
        Ok(BackupMadeInfo { path: written.display().to_string(), bytes, created_at: local_minute(now) })
    })
    .await
}

/// The backups there are to restore from: the last one made on this PC and those on the
/// USB sticks and in the home folder, newest first. Asked at the log-in screen when the
/// office's database is damaged, so no log-in is needed (headers only: no applicant data).
#[tauri::command]
pub async fn backup_files(state: State<'_, AppState>) -> Result<Vec<BackupFileInfo>, UiError> {
    let home = state.settings.home.clone();
    let user = state.settings.os_user.clone();
    let dir = state.paths.db_dir.clone();
    let found = tauri::async_runtime::spawn_blocking(move || {
        let places = app::media::places(home.as_deref(), user.as_deref());
        app::backup::found_backups(&dir, &places)
    })
    .await
    .map_err(|_| UiError::internal())?;
    Ok(found.into_iter().map(BackupFileInfo::from).collect())
}

/// Restores the office from the backup at `path` (picked from [`backup_files`]) and logs
/// the administrator in: for an office whose database is damaged, at the log-in screen.
/// The replaced files are renamed aside, never deleted; the restore is audited. The
/// password must open the clerk's key slot here, and the clerk must be an administrator in
/// the backup; a backup of another office is refused.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn restore_office(
    state: State<'_, AppState>,
    path: String,
    username: String,
    password: String,
) -> Result<RestoredInfo, UiError> {
    let db_dir = state.paths.db_dir.clone();
    with_office_slot(&state, move |slot| {
        // An open office is someone's work in progress: restoring is for one that would
        // not open. Closing it first keeps the files consistent for the copy aside.
        if let Some(open) = slot.take() {
            open.close()?;
        }
        let (office, summary) = app::backup::restore(
            std::path::Path::new(&path),
            &db_dir,
            username.trim(),
            &password,
            false,
            now(),
            app::office::StoreOptions::default(),
        )?;
        let office = slot.insert(office);
        // Named as the administrator knows them: 周离职（zhou）.
        let clerks = app::users::list_clerks(office)?;
        let revoked_again =
            summary.revoked_again.iter().map(|username| wire::json::clerk_name(&clerks, username)).collect();
        let rekey = summary.rekeyed.map(|outcome| wire::json::RekeyInfo::from_outcome(outcome, &clerks));
        Ok(RestoredInfo { session: SessionInfo::from(office.session()?), revoked_again, rekey })
    })
    .await
}

/// Writes the support file (诊断信息: versions, schema, queue counts, warnings, the end of
/// the logs; no personal data) to `path`, a file or a folder for a time-named file.
/// 管理员 only.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn export_support_bundle(
    state: State<'_, AppState>,
    path: String,
) -> Result<SupportExportInfo, UiError> {
    let log_dir = state.paths.log_dir.clone();
    with_office(&state, move |office| {
        let written = app::support::export(office, Some(&log_dir), std::path::Path::new(&path), now())?;
        Ok(SupportExportInfo { path: written.path.display().to_string(), bytes: written.bytes })
    })
    .await
}

/// The office's reference data: the update key, the holiday update loaded, the years covered.
#[tauri::command]
pub async fn reference_status(state: State<'_, AppState>) -> Result<ReferenceStatusInfo, UiError> {
    with_office(&state, |office| Ok(app::reference_update::status(office)?.into())).await
}

/// Keeps the county bureau's key for reference updates (管理员; `replace` after the
/// window's confirmation); audited as `reference_key_set`.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_reference_key(
    state: State<'_, AppState>,
    key: String,
    replace: bool,
) -> Result<ReferenceStatusInfo, UiError> {
    with_office(&state, move |office| {
        app::reference_update::set_key(office, &key, replace, now())?;
        Ok(app::reference_update::status(office)?.into())
    })
    .await
}

/// Checks and loads a signed update file the window read from the chosen file (管理员;
/// audited as `reference_update_loaded`). Nothing changes unless every check passes.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn load_reference_update(
    state: State<'_, AppState>,
    text: String,
) -> Result<ReferenceStatusInfo, UiError> {
    with_office(&state, move |office| {
        app::reference_update::load(office, &text, now())?;
        Ok(app::reference_update::status(office)?.into())
    })
    .await
}

/// Records the date an undated draft policy document took effect (管理员; audited).
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn record_effective_date(
    state: State<'_, AppState>,
    profile: String,
    effective: String,
) -> Result<ProfileInfo, UiError> {
    let effective = app::problem::parse_date(&effective)?;
    with_office(&state, move |office| Ok(office.record_effective_date(&profile, effective, now())?.into()))
        .await
}

/// Logs a clerk in: unlocks the store with the clerk's key slot the first time, then
/// changes the clerk at the counter. Failed attempts are audited and count to lockout.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn log_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<SessionInfo, UiError> {
    let db_dir = state.paths.db_dir.clone();
    with_office_slot(&state, move |slot| {
        let now = now();
        let office = match slot {
            Some(office) => {
                office.login(&username, &password, now)?;
                office
            }
            None => slot.insert(app::office::Office::open(&db_dir, &username, &password, now)?),
        };
        Ok(SessionInfo::from(office.session()?))
    })
    .await
}

/// The logged-in clerk chooses their own password (the old one checked first; audited as
/// `password_changed`). Returns the session, no longer marked as using an administrator's
/// password.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn change_password(
    state: State<'_, AppState>,
    old_password: String,
    new_password: String,
) -> Result<SessionInfo, UiError> {
    with_office_to_change_password(&state, move |office| {
        app::users::change_password(office, &old_password, &new_password, now())?;
        Ok(SessionInfo::from(office.session()?))
    })
    .await
}

/// Logs the clerk out (audited).
#[tauri::command]
pub async fn log_out(state: State<'_, AppState>) -> Result<(), UiError> {
    with_office_slot(&state, |slot| match slot {
        Some(office) => office.logout(now()),
        None => Ok(()),
    })
    .await
}

/// The idle lock (or the clerk's Ctrl+L): nothing runs until a clerk logs in again.
#[tauri::command]
pub async fn lock_screen(state: State<'_, AppState>) -> Result<(), UiError> {
    with_office_slot(&state, |slot| match slot {
        Some(office) => office.lock(now()),
        None => Ok(()),
    })
    .await
}

/// Every clerk account. Needs 管理员.
#[tauri::command]
pub async fn list_clerks(state: State<'_, AppState>) -> Result<Vec<ClerkInfo>, UiError> {
    with_office(&state, wire::commands::list_clerks).await
}

/// Adds a clerk with roles and a first password. Needs 管理员.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn add_clerk(
    state: State<'_, AppState>,
    username: String,
    display_name: String,
    roles: Vec<RoleName>,
    password: String,
) -> Result<(), UiError> {
    with_office(&state, move |office| {
        wire::commands::add_clerk(office, username, display_name, roles, password)
    })
    .await
}

/// Changes a clerk's roles. Needs 管理员.
#[tauri::command]
pub async fn set_clerk_roles(
    state: State<'_, AppState>,
    username: String,
    roles: Vec<RoleName>,
) -> Result<(), UiError> {
    with_office(&state, move |office| wire::commands::set_clerk_roles(office, username, roles)).await
}

/// Revokes a clerk: the key slot goes, the account stays for the audit trail. Needs 管理员.
#[tauri::command]
pub async fn revoke_clerk(state: State<'_, AppState>, username: String) -> Result<RekeyInfo, UiError> {
    with_office(&state, move |office| wire::commands::revoke_clerk(office, username)).await
}

/// Re-keys the office when the administrator asks (a re-key a revocation owed). Needs 管理员.
#[tauri::command]
pub async fn rekey_office(state: State<'_, AppState>) -> Result<RekeyInfo, UiError> {
    with_office(&state, wire::commands::rekey_office).await
}

/// Whether a revocation since the last re-key left the office under a key a revoked
/// clerk held. Needs 管理员.
#[tauri::command]
pub async fn rekey_owed(state: State<'_, AppState>) -> Result<bool, UiError> {
    with_office(&state, wire::commands::rekey_owed).await
}

/// Re-enables a revoked clerk with a new initial password (audited). Needs 管理员.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn reenable_clerk(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<(), UiError> {
    with_office(&state, move |office| wire::commands::reenable_clerk(office, username, password)).await
}
