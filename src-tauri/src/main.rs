//! The `permit-desk` executable: hands over to [`permit_desk::run`].

// Without a console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    permit_desk::run()
}
