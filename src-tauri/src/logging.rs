//! Logging to a file in the data directory and to stderr.
//!
//! Rule for everyone who logs: never personal data. No ID numbers, names, addresses,
//! phone numbers or scan contents — log case ids, codes and counts instead.

use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Sets up the global subscriber with the settings' filter (`PERMIT_DESK_LOG`, default
/// `info`; a filter that does not parse falls back to `info`).
pub fn init(log_dir: &Path, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let file = std::fs::OpenOptions::new().create(true).append(true).open(log_dir.join("permit-desk.log"));
    let result = match file {
        Ok(file) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(Mutex::new(file).and(std::io::stderr))
            .try_init(),
        Err(error) => {
            eprintln!("permit-desk: cannot open log file in {}: {error}", log_dir.display());
            tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init()
        }
    };
    // A subscriber already set (e.g. in tests) is fine.
    drop(result);
}
