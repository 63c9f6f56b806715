//! Tauri's build step (the window's configuration and icon).
fn main() {
    tauri_build::build();
}
