//! The ID-card reader at the counter: its state for the header, and 读卡 for the form.
//! What a card says goes to the window only: nothing read is logged or stored here (the
//! form saves it as if typed).

use tauri::State;

use super::with_office;
use crate::AppState;
use crate::error::UiError;
use crate::json::{CardReadInfo, ReaderStateInfo};

/// Whether a reader answers at this counter.
#[tauri::command]
pub async fn id_card_reader(state: State<'_, AppState>) -> Result<ReaderStateInfo, UiError> {
    let reader = state.reader.clone();
    match tauri::async_runtime::spawn_blocking(move || reader.state()).await {
        Ok(found) => Ok(found.into()),
        Err(_) => Err(UiError::internal()),
    }
}

/// Reads the card on the reader for the application form (a clerk must be logged in):
/// `IDCARD_NO_CARD` when none lies on it; another card than a resident ID card is refused
/// with where to send the applicant.
#[tauri::command]
pub async fn read_id_card(state: State<'_, AppState>) -> Result<CardReadInfo, UiError> {
    // The session is checked under the office's lock; the card is read outside it (a
    // silent reader takes seconds, which must not hold up the sync or other commands).
    // At a desk of an office server, the server says whether a clerk is logged in here.
    match state.desk.link() {
        Some(link) => {
            if !link.session_alive().await.map_err(super::desk::link_error)? {
                return Err(app::AppError::NotLoggedIn.into());
            }
        }
        None => with_office(&state, |office| office.session().map(|_| ())).await?,
    }
    let reader = state.reader.clone();
    match tauri::async_runtime::spawn_blocking(move || reader.read(app::clock::today())?.for_form()).await {
        Ok(card) => Ok(card.map_err(UiError::from)?.into()),
        Err(_) => Err(UiError::internal()),
    }
}
