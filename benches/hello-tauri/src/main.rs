//! A hello-world Tauri v2 window: the peer of permit-desk's start and memory figures.
#![windows_subsystem = "windows"]

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("hello-tauri: {error}");
        std::process::exit(1);
    }
}
