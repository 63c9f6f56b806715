//! 申请编号: `{office code}-{YYYYMMDD}-{NNNN}`, given in the acceptance transaction.

use super::*;

/// Maps a unique-constraint failure on the application number to its own error.
/// The next 申请编号, given when a case is accepted: `{office code}-{YYYYMMDD}-{NNNN}`, the
/// date in China Standard Time (UTC+8, the date on the receipt), numbered from 0001 each
/// day per office. The counter lives in `meta` and moves in the caller's transaction, so
/// a rolled-back acceptance gives its number back; a number already taken (typed by hand
/// into an older record) is skipped.
pub(super) fn next_application_number(transaction: &Connection, at: DateTime<Utc>) -> Result<String> {
    // The county code and station number of the office (unique by construction: the
    // county bureau numbers its stations). An office set up before the details existed
    // falls back to the ASCII letters and digits of its free-text id until an
    // administrator sets them; numbers already given are never changed.
    let prefix = match crate::office_details::read_details(transaction)? {
        Some(details) => details.application_prefix(),
        None => {
            let office_id: String =
                transaction
                    .query_row("SELECT value FROM meta WHERE key = 'office_id'", [], |row| row.get(0))?;
            let legacy: String = office_id.chars().filter(char::is_ascii_alphanumeric).collect();
            if legacy.is_empty() { "PD".to_owned() } else { legacy }
        }
    };
    let china = chrono::FixedOffset::east_opt(8 * 3600)
        .ok_or(StoreError::InvalidInput { what: "time zone", reason: "UTC+8 is out of range" })?;
    let day = at.with_timezone(&china).format("%Y%m%d").to_string();
    let counter: Option<String> = transaction
        .query_row("SELECT value FROM meta WHERE key = 'application_seq'", [], |row| row.get(0))
        .optional()?;
    let mut next = match counter.as_deref().and_then(|text| text.split_once(':')) {
        Some((counter_day, last)) if counter_day == day => last.parse::<u32>().unwrap_or(0) + 1,
        _ => 1,
    };
    loop {
        let number = format!("{prefix}-{day}-{next:04}");
        let taken: bool = transaction
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM cases WHERE application_number = ?1)")?
            .query_row([&number], |row| row.get(0))?;
        if !taken {
            transaction.execute(
                "INSERT INTO meta (key, value) VALUES ('application_seq', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [format!("{day}:{next}")],
            )?;
            return Ok(number);
        }
        next += 1;
    }
}

pub(super) fn map_application_number_conflict(
    error: rusqlite::Error,
    application_number: &Option<String>,
) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error
        && failure.code == rusqlite::ffi::ErrorCode::ConstraintViolation
        && message.contains("cases.application_number")
    {
        return StoreError::DuplicateApplicationNumber {
            application_number: application_number.clone().unwrap_or_default(),
        };
    }
    StoreError::from(error)
}
