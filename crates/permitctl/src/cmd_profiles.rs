//! `permitctl profiles`: the policy profiles this build ships, with their documents.
//!
//! Prints a JSON array of `{county, name, document, effective, draft}` in county-code
//! order and exits 0; exits 2 with `{"error": {"code", "message"}}` if a shipped
//! profile is broken.

use std::process::ExitCode;

use serde_json::json;

/// Runs the command and prints its JSON answer.
pub fn run() -> ExitCode {
    match app::assess::profiles() {
        Ok(profiles) => {
            let summaries: Vec<_> = profiles.iter().map(|profile| profile.summary()).collect();
            println!("{:#}", json!(summaries));
            ExitCode::SUCCESS
        }
        Err(error) => {
            let message = format!("内置政策配置有误（{error}）");
            eprintln!("permitctl profiles: {message}");
            println!("{:#}", json!({ "error": { "code": "PROFILE_INVALID", "message": message } }));
            ExitCode::from(2)
        }
    }
}
