//! The processing deadline of a case: "within 2 working days from acceptance"
//! (自受理之日起2个工作日内, DOMAIN.md, counter procedure step 4).
//!
//! The calendar is the embedded holiday table, optionally with update files merged
//! over it in order (later files win, year by year), so a counter can load next
//! year's arrangement as soon as it is published, without a new build. A deadline
//! that reaches a year with no table is refused, never estimated.

use chrono::NaiveDate;
use domain::calendar::{CalendarError, HolidayCalendar};

use crate::reference::{self, ReferenceLoadError};

/// The working days the project documents allow from acceptance to issue.
pub const STANDARD_WORKING_DAYS: u32 = 2;

/// A computed deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The acceptance (受理) date.
    pub accepted: NaiveDate,
    /// The number of working days allowed.
    pub working_days: u32,
    /// The last day of the period.
    pub due: NaiveDate,
}

/// Why a deadline could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// The embedded tables are broken (a build problem).
    #[error(transparent)]
    Reference(#[from] ReferenceLoadError),
    /// A holiday update file given by the operator does not parse; `index` is its
    /// position in the list passed in.
    #[error("holiday update file {index}: {error}")]
    Update {
        /// 0-based position of the file among the updates.
        index: usize,
        /// What is wrong with it.
        error: CalendarError,
    },
    /// The calendar cannot answer, e.g. [`CalendarError::YearNotCovered`].
    #[error(transparent)]
    Calendar(CalendarError),
}

/// The embedded holiday calendar with `updates` (JSON texts in the format of
/// `assets/reference/holidays.json`) merged over it in order.
pub fn holiday_calendar(updates: &[&str]) -> Result<HolidayCalendar, DeadlineError> {
    let mut calendar = reference::embedded()?.holidays.clone();
    for (index, update) in updates.iter().enumerate() {
        calendar = calendar.with_update(update).map_err(|error| DeadlineError::Update { index, error })?;
    }
    Ok(calendar)
}

/// The deadline of a case accepted on `accepted` with `working_days` allowed, on the
/// embedded calendar plus `holiday_updates`.
pub fn due_date(
    accepted: NaiveDate,
    working_days: u32,
    holiday_updates: &[&str],
) -> Result<Deadline, DeadlineError> {
    let calendar = holiday_calendar(holiday_updates)?;
    let due = calendar.due_date(accepted, working_days).map_err(DeadlineError::Calendar)?;
    Ok(Deadline { accepted, working_days, due })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up 2027 table; NOT the official 2027 arrangement, which was not yet
    /// published when this was written.
    const UPDATE_2027: &str = r#"{"years": {"2027": {
        "source": "test fixture, not an official notice",
        "holidays": ["2027-01-01"], "adjusted_working_days": []}}}"#;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("test date {text}: {e}"))
    }

    /// Asserts the deadline on the shipped calendar (plus `updates`), with why the case matters.
    fn check(
        accepted: &str,
        working_days: u32,
        updates: &[&str],
        expected: Result<&str, DeadlineError>,
        why: &str,
    ) {
        let found = due_date(day(accepted), working_days, updates).map(|deadline| deadline.due);
        assert_eq!(found, expected.map(day), "{working_days} working days after {accepted}: {why}");
    }

    #[test]
    fn worked_examples_of_domain_reference() {
        for (accepted, due, why) in [
            ("2026-09-30", "2026-10-09", "National Day 10-01..07"),
            ("2026-02-13", "2026-02-24", "02-14 Sat is a working day, then Spring Festival 02-15..23"),
            ("2024-04-03", "2024-04-08", "Qingming 04-04..06, 04-07 Sun is a working day"),
            ("2023-04-28", "2023-05-05", "Labour Day 04-29..05-03"),
            ("2026-01-02", "2026-01-05", "accepted on a holiday, 01-04 Sun is a working day"),
        ] {
            check(accepted, STANDARD_WORKING_DAYS, &[], Ok(due), why);
        }
    }

    #[test]
    fn festivals_and_adjusted_days() {
        for (accepted, due, why) in [
            ("2024-09-30", "2024-10-09", "National Day 2024: 10-01..07 off, 10-08 and 10-09"),
            ("2024-09-27", "2024-09-30", "2024-09-29 Sun is worked before National Day"),
            ("2024-10-10", "2024-10-12", "2024-10-12 Sat is worked after National Day"),
            ("2024-09-13", "2024-09-18", "Sat 09-14 worked, Mid-Autumn 09-15..17"),
            ("2025-01-27", "2025-02-06", "Spring Festival 2025 01-28..02-04, from a Monday"),
            ("2025-01-24", "2025-01-27", "Spring Festival 2025: Sun 01-26 is worked, Sat 01-25 is not"),
            ("2025-02-06", "2025-02-08", "Sat 02-08 is worked after Spring Festival 2025"),
            ("2026-02-12", "2026-02-14", "Spring Festival 2026: the adjusted Saturday is the deadline"),
            ("2026-02-24", "2026-02-26", "the first days after Spring Festival 2026"),
            ("2026-02-26", "2026-02-28", "Sat 02-28 is worked after Spring Festival 2026"),
            ("2023-09-27", "2023-10-07", "a naive count would land on 09-29 (holiday); Sat 10-07 is worked"),
            ("2023-12-29", "2024-01-03", "across the 2023/2024 year end, 2024-01-01 off"),
            ("2023-01-20", "2023-01-29", "Spring Festival 2023 01-21..27, Sat 01-28 and Sun 01-29 worked"),
        ] {
            check(accepted, STANDARD_WORKING_DAYS, &[], Ok(due), why);
        }
        check("2026-03-02", 0, &[], Ok("2026-03-02"), "no working days allowed means the same day");
        check("2026-03-02", 5, &[], Ok("2026-03-09"), "a week of working days");
    }

    #[test]
    fn uncovered_years_are_refused_until_an_update_is_loaded() {
        let not_covered = |year| Err(DeadlineError::Calendar(CalendarError::YearNotCovered(year)));
        check("2027-03-03", 2, &[], not_covered(2027), "accepted in 2027");
        check("2026-12-31", 2, &[], not_covered(2027), "the period runs into 2027");
        check("2022-12-30", 2, &[], not_covered(2022), "before the first table");
        check("2026-12-31", 2, &[UPDATE_2027], Ok("2027-01-05"), "2027 loaded: 01-01 off, weekend, Mon, Tue");
        check("2027-03-03", 2, &[UPDATE_2027], Ok("2027-03-05"), "2027 loaded");
        let broken = due_date(day("2026-12-31"), 2, &[UPDATE_2027, "{"]).map_err(|e| e.to_string());
        assert!(
            broken.is_err_and(|message| message.starts_with("holiday update file 1:")),
            "the broken update file is named by position"
        );
    }
}
