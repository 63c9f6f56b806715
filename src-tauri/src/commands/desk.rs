//! A PC joining an office server as one of its desks, and a joined desk's requests
//! (docs/office-server.md, "Joining a Tauri desk"). The page builds each request from the
//! generated command list as a browser desk does (`ui/src/backend/http.ts`); these
//! commands only carry it over the desk's mutual TLS.

use desk_link::LinkError;
use tauri::{AppHandle, Runtime, State};

use crate::AppState;
use crate::error::UiError;
use crate::json::{DeskAnswerInfo, DeskModeInfo, JoinedDeskInfo, ServerProbeInfo};

/// What a failure to reach or join the server says to the clerk.
pub(crate) fn link_error(error: LinkError) -> UiError {
    use app::AppError;
    match error {
        LinkError::Address => AppError::ServerAddressInvalid.into(),
        LinkError::Unreachable(_) => AppError::ServerUnreachable.into(),
        LinkError::NotOfficeServer(_) => AppError::NotAnOfficeServer.into(),
        // The server's own answer (a wrong or used code) is what the clerk reads.
        LinkError::Refused { body, .. } => {
            serde_json::from_slice::<UiError>(&body).unwrap_or_else(|_| AppError::NotAnOfficeServer.into())
        }
        LinkError::DeskName => AppError::Validation(vec![app::domain::FieldIssue::new(
            "desk_name",
            "DESK_NAME_INVALID",
            "请填写本机的名称（如「二号窗口」），不超过 40 个字。",
        )])
        .into(),
        LinkError::Identity(_) => AppError::DeskFileDamaged.into(),
        LinkError::Setup(_) => UiError::internal(),
    }
}

/// A PC holding an office of its own never joins another (its data would be left behind).
fn refuse_if_office_here(state: &AppState) -> Result<(), UiError> {
    if app::office::Office::exists(&state.paths.db_dir) {
        let error = app::error::StoreError::AlreadyExists { path: state.paths.db_dir.clone() };
        return Err(app::AppError::from(error).into());
    }
    Ok(())
}

/// Whether this window is the office's own or a desk of an office server (and which).
#[tauri::command]
pub async fn desk_mode(state: State<'_, AppState>) -> Result<DeskModeInfo, UiError> {
    Ok(state.desk.info())
}

/// 加入办理点, first step: finds the office server at the address typed and reads its
/// certificate authority, which nothing trusts yet; the clerk compares its fingerprint with
/// the administrator's 加入新电脑 screen before sending the code.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn probe_office_server(
    state: State<'_, AppState>,
    address: String,
) -> Result<ServerProbeInfo, UiError> {
    refuse_if_office_here(&state)?;
    let probe = desk_link::probe(&address).await.map_err(link_error)?;
    let info = ServerProbeInfo {
        server_url: probe.server_url.clone(),
        ca_fingerprint: probe.ca_fingerprint.clone(),
    };
    state.desk.remember_probe(probe);
    Ok(info)
}

/// 加入办理点, second step: joins the server found by `probe_office_server` (the same address
/// and fingerprint the clerk compared) with the administrator's one-time code, naming this
/// PC `desk_name`. The desk's key and certificate are kept in its data folder (0600); from
/// now on the window works through the server.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn join_office_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    server_url: String,
    ca_fingerprint: String,
    code: String,
    desk_name: String,
) -> Result<JoinedDeskInfo, UiError> {
    refuse_if_office_here(&state)?;
    let probe = state
        .desk
        .probe_for(&server_url, &ca_fingerprint)
        .ok_or_else(|| UiError::from(app::AppError::NotAnOfficeServer))?;
    let identity = desk_link::join(&probe, &code, &desk_name).await.map_err(link_error)?;
    let info = state.desk.joined(identity, &app).map_err(link_error)?;
    tracing::info!(server = %info.server_url, "this PC joined an office server");
    Ok(info)
}

/// Leaves the office server (asked for only on the log-in screen, after a confirmation):
/// the desk's key and certificate are deleted; to work again the PC joins anew.
#[tauri::command]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn leave_office_server(state: State<'_, AppState>) -> Result<(), UiError> {
    state.desk.leave().map_err(link_error)?;
    tracing::info!("this PC left its office server");
    Ok(())
}

/// The server's commands this shell sends for itself and never for a page: the
/// applicant's rating, which it takes from the applicant's window only
/// (`commands::applicant::applicant_rates`), so the clerk's page cannot give one.
const SHELL_ONLY: &[&str] = &["rate_visit"];

/// One of the page's requests to the office server, sent over the desk's mutual TLS with
/// the session's cookie (held here, out of the page's reach): `command`'s JSON `body`, the
/// page's idempotency key and CSRF token. Any answer the server gives is returned as is;
/// a network failure is `SERVER_UNREACHABLE` and may be sent again with the same key.
#[tauri::command]
pub async fn desk_request(
    state: State<'_, AppState>,
    command: String,
    body: String,
    idempotency_key: Option<String>,
    csrf: Option<String>,
) -> Result<DeskAnswerInfo, UiError> {
    let Some(link) = state.desk.link() else {
        return Err(app::AppError::DeskNotJoined.into());
    };
    if SHELL_ONLY.contains(&command.as_str()) {
        return Err(app::AppError::Unrecognised(app::problem::Unrecognised::NotApplicantWindow).into());
    }
    let answer = link
        .send(&command, body.into_bytes(), idempotency_key.as_deref(), csrf.as_deref())
        .await
        .map_err(link_error)?;
    Ok(DeskAnswerInfo {
        status: answer.status,
        body: String::from_utf8_lossy(&answer.body).into_owned(),
        csrf: answer.csrf,
    })
}
