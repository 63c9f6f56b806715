//! Logging to a file in the data directory and to stderr.
//!
//! Rule for everyone who logs: never personal data. No ID numbers, names, addresses,
//! phone numbers or scan contents — log case ids, codes and counts instead.
//!
//! And a net under the rule: every line is written through [`Redacting`], which takes ID
//! numbers out (plain, or grouped as the window shows them for checking) before the line
//! reaches the file or stderr. An error whose Chinese sentence quotes the number the
//! clerk typed (a check-digit error does) is logged without it.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Makes writers that take ID numbers out of what they write ([`app::domain::id_number::redact`]).
pub struct Redacting<M>(pub M);

/// One writer of [`Redacting`].
pub struct RedactingWriter<W>(W);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    /// Takes each call as whole lines (the formatter writes one event per call).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match app::domain::id_number::redact(&String::from_utf8_lossy(buf)) {
            Some(clean) => self.0.write_all(clean.as_bytes())?,
            None => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Sets up the global subscriber with the settings' filter (`PERMIT_DESK_LOG`, default
/// `info`; a filter that does not parse falls back to `info`).
pub fn init(log_dir: &Path, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let file = std::fs::OpenOptions::new().create(true).append(true).open(log_dir.join("permit-desk.log"));
    let result = match file {
        Ok(file) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(Redacting(Mutex::new(file).and(std::io::stderr)))
            .try_init(),
        Err(error) => {
            eprintln!("permit-desk: cannot open log file in {}: {error}", log_dir.display());
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(Redacting(std::io::stderr))
                .try_init()
        }
    };
    // A subscriber already set (e.g. in tests) is fine.
    drop(result);
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A log destination the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().map_err(|_| io::Error::other("poisoned"))?.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn a_failed_command_is_logged_without_the_id_number_the_clerk_typed() {
        let buffer = Buffer::default();
        let subscriber =
            tracing_subscriber::fmt().with_ansi(false).with_writer(Redacting(buffer.clone())).finish();
        tracing::subscriber::with_default(subscriber, || {
            // A check-digit error quotes the number, grouped, in its Chinese sentence.
            let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
            let issues = match app::domain::id_number::check("110105194912310021", today) {
                Err(issues) => issues,
                Ok(_) => Vec::new(),
            };
            assert!(!issues.is_empty(), "the number is wrong");
            let error = crate::error::UiError::from(app::AppError::Validation(issues));
            tracing::warn!(?error, "command failed");
            tracing::info!(record = "341203199003071219", phone = "13800138000", "saved");
        });
        let text = String::from_utf8(buffer.0.lock().map(|bytes| bytes.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert!(text.contains("command failed") && text.contains("ID_NUMBER_CHECKSUM"), "{text}");
        for number in ["110105194912310021", "110105 19491231 0021", "341203199003071219"] {
            assert!(!text.contains(number), "{number} reached the log:\n{text}");
        }
        assert!(text.contains("[id number removed]"), "{text}");
        assert!(text.contains("13800138000"), "a phone number is not an ID number");
    }
}
