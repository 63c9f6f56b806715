//! The typed commands the window may invoke, grouped by area and registered once.
//!
//! Each command is an `async fn` (so it never blocks the window's main thread) that
//! converts its DTO, makes one call into `app`, and converts the result back.

pub mod intake;
pub mod system;

/// The invoke handler with every command of the app.
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        system::get_app_info,
        intake::check_id_number,
        intake::search_divisions,
        intake::search_ethnic_groups,
        intake::list_profiles,
        intake::assess_application,
    ]
}
