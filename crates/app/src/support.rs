//! 诊断信息: one file an office's administrator hands to support when something is wrong —
//! what the program is, the database's structure and last upgrade, the queue to the
//! platform and its last error, the warnings the header shows, the reference data in use,
//! and the end of the logs — with no personal data: no ID number, name, phone or address
//! (the queue is counted, never listed; log lines pass through the same redaction as
//! when written, and the log part is capped at [`MAX_LOG_BYTES`]).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::AppError;
use crate::bundle::{BundleFileError, export_target, write_whole};
use crate::office::{Office, Roles};

/// The most log text a bundle carries (the newest lines first, whole files while they fit).
pub const MAX_LOG_BYTES: usize = 256 * 1024;

/// The bundle of the office, as JSON. 管理员 only.
pub fn bundle(office: &Office, log_dir: Option<&Path>, today: NaiveDate) -> Result<Value, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    let about = crate::about::about()?;
    let status = crate::sync::header_status(office, today)?;
    let reference = crate::reference_update::status(office)?;
    let upgrade = crate::about::last_upgrade(office)?;
    let warnings: Vec<&String> = [&status.clock_warning, &status.disk_warning, &status.holiday_warning]
        .into_iter()
        .flatten()
        .collect();
    Ok(json!({
        "format": "permit-desk-support",
        "version": 1,
        "made_on": today.to_string(),
        "program": about.line(),
        "database_schema": about.database_schema,
        "record_schema": about.record_schema,
        "templates": about.templates.iter().map(|(name, version)| format!("{name} {version}")).collect::<Vec<_>>(),
        "profiles": about.profiles.iter().map(|profile| profile.county.clone()).collect::<Vec<_>>(),
        "office_id": office.office_id(),
        "last_upgrade": upgrade.map(|upgrade| json!({
            "from": upgrade.from,
            "to": upgrade.to,
            "at": upgrade.at.to_rfc3339(),
            "copy_kept": upgrade.copy.is_some_and(|copy| copy.exists()),
        })),
        "queue": {
            "queued": status.queued,
            "held": status.held,
            "quarantined": status.quarantined,
            "oldest_queued_at": status.oldest_queued_at.map(|at| at.to_rfc3339()),
            "last_attempt_at": status.last_attempt_at.map(|at| at.to_rfc3339()),
            "last_success_at": status.last_success_at.map(|at| at.to_rfc3339()),
            "last_error": status.last_error.as_deref().map(redacted),
            "offline": status.offline,
            "device_id": status.device_id,
        },
        "warnings": warnings,
        "disk_free_bytes": status.disk_free_bytes,
        "holidays": {
            "years": reference.holiday_years,
            "update": reference.holidays.map(|update| json!({
                "serial": update.serial,
                "issuer": update.issuer,
                "issued_on": update.issued_on,
            })),
            "update_key": reference.key.map(|key| key.fingerprint),
        },
        "profiles_update": reference.profiles.map(|update| json!({
            "serial": update.serial,
            "issuer": update.issuer,
            "issued_on": update.issued_on,
            "profiles": update.profiles,
        })),
        "logs": log_dir.map(log_tail).transpose()?.unwrap_or_default(),
    }))
}

/// What [`export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedSupport {
    /// The file written (a folder given as the path gets a file named by the time).
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The file name the bundle gets when a folder is given: the counter's local time.
pub fn file_name(now: DateTime<Utc>) -> String {
    format!("permit-desk-support-{}.json", crate::clock::file_stamp(now))
}

/// Writes [`bundle`] to `path`: a file, or a folder (a USB stick) to put a time-named file
/// in. Whole or not at all; never over an existing file; the clerk's messages are those of
/// any file on removable media ([`BundleFileError`]). 管理员 only.
pub fn export(
    office: &Office,
    log_dir: Option<&Path>,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<ExportedSupport, AppError> {
    let target = export_target(path, &file_name(now))?;
    let today = now.with_timezone(&crate::clock::china_standard_time()).date_naive();
    let text = serde_json::to_vec_pretty(&bundle(office, log_dir, today)?)
        .map_err(|error| AppError::io("support bundle")(std::io::Error::other(error)))?;
    write_whole(&target, &text).map_err(|source| BundleFileError {
        path: target.clone(),
        writing: true,
        source,
    })?;
    Ok(ExportedSupport { path: target, bytes: text.len() as u64 })
}

fn redacted(text: &str) -> String {
    domain::id_number::redact(text).unwrap_or_else(|| text.to_owned())
}

/// The newest log files' text, newest first, up to [`MAX_LOG_BYTES`] in all (the newest
/// file's end when it alone is larger), each line redacted again.
fn log_tail(dir: &Path) -> Result<Vec<Value>, AppError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| {
            (entry.metadata().and_then(|meta| meta.modified()).unwrap_or(std::time::UNIX_EPOCH), entry.path())
        })
        .collect();
    files.sort_by_key(|file| std::cmp::Reverse(file.0));
    let mut left = MAX_LOG_BYTES;
    let mut out = Vec::new();
    for (_, path) in files {
        if left == 0 {
            break;
        }
        let bytes = std::fs::read(&path).map_err(AppError::io("log file"))?;
        let mut start = bytes.len().saturating_sub(left);
        // A file cut short starts after a line break: no line, or character, half shown.
        if start > 0
            && let Some(at) = bytes[start..].iter().position(|byte| *byte == b'\n')
        {
            start += at + 1;
        }
        let text = String::from_utf8_lossy(&bytes[start..]);
        left -= bytes.len() - start;
        out.push(json!({
            "file": path.file_name().map(|name| name.to_string_lossy().into_owned()),
            "bytes": bytes.len(),
            "from_byte": start,
            "text": redacted(&text),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logs_are_capped_newest_first_and_cut_at_a_line_break() -> Result<(), AppError> {
        let dir = tempfile::tempdir().map_err(AppError::io("temporary directory"))?;
        let line = "INFO 同步：离线，稍后重试\n";
        let big = line.repeat(MAX_LOG_BYTES / line.len() + 500);
        std::fs::write(dir.path().join("permit-desk.log"), &big).map_err(AppError::io("log"))?;
        let tail = log_tail(dir.path())?;
        assert_eq!(tail.len(), 1, "the one file fills the cap: {tail:?}");
        let text = tail[0]["text"].as_str().unwrap_or_default();
        assert!(text.len() <= MAX_LOG_BYTES && text.len() > MAX_LOG_BYTES - line.len(), "{}", text.len());
        assert!(text.starts_with("INFO "), "starts at a whole line");
        assert_eq!(tail[0]["bytes"], big.len());
        assert!(log_tail(&dir.path().join("missing"))?.is_empty(), "no log folder, no logs");
        Ok(())
    }
}
