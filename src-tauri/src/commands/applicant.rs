//! The screen facing the applicant: a second window (`applicant`, on a second monitor
//! when there is one) that shows what the clerk enters, takes the applicant's 确认无误
//! and their 好差评 rating. The clerk's window says what to show; the applicant's answers
//! are accepted from the applicant's window only, so the clerk's window cannot give or
//! change a rating.

use tauri::{AppHandle, Manager, Runtime, State, WebviewWindow};

use super::{now, parse_case_id, with_office_passive};
use crate::AppState;
use crate::error::UiError;
use crate::json::{ApplicantScreenInfo, RecordJson};

/// The applicant window's label.
const APPLICANT: &str = "applicant";

/// Whether this PC shows a screen to the applicant (kept in the data folder).
#[tauri::command]
pub async fn applicant_screen_in_use(state: State<'_, AppState>) -> Result<bool, UiError> {
    Ok(app::applicant_screen::in_use(&state.paths.data_dir))
}

/// Opens the screen facing the applicant (or brings it forward) and remembers that this
/// PC uses one: full screen on a monitor other than the clerk's when there is one, else a
/// window beside it.
#[tauri::command]
pub async fn open_applicant_screen<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<(), UiError> {
    app::applicant_screen::set_in_use(&state.paths.data_dir, true)?;
    if let Some(window) = app.get_webview_window(APPLICANT) {
        return window.set_focus().map_err(|_| UiError::internal());
    }
    let clerks = app.get_webview_window("main").and_then(|main| main.current_monitor().ok().flatten());
    let other = app
        .available_monitors()
        .unwrap_or_default()
        .into_iter()
        .find(|monitor| clerks.as_ref().is_none_or(|clerks| clerks.position() != monitor.position()));
    let url = tauri::WebviewUrl::App("index.html#applicant".into());
    let mut builder = tauri::WebviewWindowBuilder::new(&app, APPLICANT, url)
        .title("申请人确认屏")
        .inner_size(1024.0, 768.0);
    if let Some(monitor) = other.filter(|_| clerks.is_some()) {
        let at = monitor.position().to_logical::<f64>(monitor.scale_factor());
        builder = builder.position(at.x, at.y).fullscreen(true);
    }
    builder.build().map(|_| ()).map_err(|error| {
        tracing::error!(%error, "the applicant's screen did not open");
        UiError::internal()
    })
}

/// Closes the screen facing the applicant, and remembers that this PC does not use one.
#[tauri::command]
pub async fn close_applicant_screen<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<(), UiError> {
    app::applicant_screen::set_in_use(&state.paths.data_dir, false)?;
    if let Some(window) = app.get_webview_window(APPLICANT) {
        window.close().map_err(|_| UiError::internal())?;
    }
    Ok(())
}

/// What the screen facing the applicant shows (the welcome while no clerk is logged in:
/// at a desk of an office server, as the server says).
#[tauri::command]
pub async fn applicant_screen(state: State<'_, AppState>) -> Result<ApplicantScreenInfo, UiError> {
    let logged_in = match state.desk.link() {
        // An unreachable server shows the welcome: nothing of an applicant without a clerk.
        Some(link) => link.session_alive().await.unwrap_or(false),
        None => with_office_passive(&state, |office| office.session().map(|_| ())).await.is_ok(),
    };
    Ok(state.applicant.view_for(logged_in).into())
}

/// Shows the application as typed on the applicant's screen; `confirm`: asks them to
/// check it (确认无误), saying what submitting will do. Returns the serial shown, or `null`
/// when the applicant's window is not open (closed by hand): nobody is there to confirm,
/// so the clerk does not wait.
#[tauri::command]
pub async fn show_draft_to_applicant<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    record: RecordJson,
    confirm: Option<String>,
) -> Result<Option<u32>, UiError> {
    let record = app::assess::parse_record(&record.to_string()).map_err(app::AppError::from)?;
    let serial = state.applicant.show_draft(&record, confirm);
    let open = app.get_webview_window(APPLICANT).is_some();
    Ok(open.then(|| u32::try_from(serial).unwrap_or(u32::MAX)))
}

/// Shows the counter's decision on `case_id` and asks the applicant to rate the visit.
#[tauri::command]
pub async fn show_decision_to_applicant(
    state: State<'_, AppState>,
    case_id: String,
    heading: String,
    items: Vec<String>,
) -> Result<(), UiError> {
    let case_id = parse_case_id(&case_id)?;
    state.applicant.show_decided(case_id, heading, items);
    Ok(())
}

/// Shows the welcome again (the visit is over, or the form was left).
#[tauri::command]
pub async fn show_welcome_to_applicant(state: State<'_, AppState>) -> Result<(), UiError> {
    state.applicant.welcome();
    Ok(())
}

/// 确认无误, pressed on the applicant's screen for what it showed at `serial`; whether it
/// counts (not when the screen has changed since).
#[tauri::command]
pub async fn applicant_confirms<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    serial: u32,
) -> Result<bool, UiError> {
    from_applicant(&window)?;
    Ok(state.applicant.confirm(u64::from(serial)))
}

/// The applicant's 好差评 of the visit the screen shows (`level` a rating key; a reason for
/// 不满意 and 非常不满意), from the applicant's window only.
#[tauri::command]
pub async fn applicant_rates<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    level: String,
    reason: String,
) -> Result<ApplicantScreenInfo, UiError> {
    from_applicant(&window)?;
    if let Some(link) = state.desk.link() {
        rate_at_server(&link, &state.applicant, &level, &reason).await?;
        return Ok(state.applicant.view().into());
    }
    let screen = state.applicant.clone();
    // The applicant's tap, not the clerk's: it does not keep the clerk's session alive.
    with_office_passive(&state, move |office| {
        app::ratings::rate_from_screen(office, &screen, &level, &reason, now())
    })
    .await?;
    Ok(state.applicant.view().into())
}

/// At a desk of an office server: the rating of the visit the screen asks about, sent to
/// the server's `rate_visit` under the session of the clerk logged in here (the server
/// keeps it as the window's own office would); the screen then thanks the applicant.
async fn rate_at_server(
    link: &desk_link::DeskLink,
    screen: &app::applicant_screen::ApplicantScreen,
    level: &str,
    reason: &str,
) -> Result<(), UiError> {
    let case_id = screen.rating_asked().ok_or(app::AppError::from(app::error::StoreError::NothingToRate))?;
    let body = serde_json::json!({"caseId": case_id.to_string(), "level": level, "reason": reason});
    let answer = link
        .send_for_shell("rate_visit", body.to_string().into_bytes())
        .await
        .map_err(super::desk::link_error)?
        .ok_or(app::AppError::NotLoggedIn)?;
    if answer.status != 200 {
        return Err(serde_json::from_slice::<UiError>(&answer.body).unwrap_or_else(|_| UiError::internal()));
    }
    let rated = serde_json::from_slice::<String>(&answer.body).ok();
    let level = rated.as_deref().and_then(app::ratings::RatingLevel::from_key);
    screen.rated(level.map_or("", app::ratings::RatingLevel::label));
    Ok(())
}

/// Refuses an applicant's answer sent from any window but theirs.
fn from_applicant<R: Runtime>(window: &WebviewWindow<R>) -> Result<(), UiError> {
    if window.label() == APPLICANT {
        Ok(())
    } else {
        Err(app::AppError::Unrecognised(app::problem::Unrecognised::NotApplicantWindow).into())
    }
}
