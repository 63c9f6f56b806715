//! The processing deadline of a case: "within 2 working days from acceptance"
//! (自受理之日起2个工作日内, DOMAIN.md, counter procedure step 4).
//!
//! The calendar is the embedded holiday table, optionally with update files merged
//! over it in order (later files win, year by year), so a counter can load next
//! year's arrangement as soon as it is published, without a new build. A deadline that
//! reaches a year with no table is estimated (Monday to Friday count as working days in
//! that year) and says so: the State Council publishes next year's arrangement late in
//! the year, and a counter must still accept on 31 December. The screen and the receipt
//! show the estimate as such; the header warns from 1 December while next year's table
//! is missing ([`holiday_warning`]).

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
    /// Years without a holiday table that the count crossed (Monday to Friday counted as
    /// working days); empty when `due` is exact.
    pub estimated_years: Vec<i32>,
}

impl Deadline {
    /// The sentence the screen and the receipt show when the date is an estimate.
    pub fn estimate_note(&self) -> Option<String> {
        estimate_note(&self.estimated_years)
    }
}

/// 「2027年节假日安排尚未载入，期限按周一至周五为工作日估算。」 for `years`, or `None` when empty.
pub fn estimate_note(years: &[i32]) -> Option<String> {
    if years.is_empty() {
        return None;
    }
    let years: Vec<String> = years.iter().map(|year| format!("{year}年")).collect();
    Some(format!("{}节假日安排尚未载入，期限按周一至周五为工作日估算。", years.join("、")))
}

/// The header's warning about the holiday table on `today`: always when this year has no
/// table, and from 1 December when next year has none. `None` when all is loaded.
pub fn holiday_warning(today: NaiveDate, holiday_updates: &[&str]) -> Result<Option<String>, DeadlineError> {
    use chrono::Datelike;
    let calendar = holiday_calendar(holiday_updates)?;
    let year = today.year();
    let missing = if !calendar.covers(year) {
        Some(year)
    } else if today.month() == 12 && !calendar.covers(year + 1) {
        Some(year + 1)
    } else {
        None
    };
    Ok(missing.map(|year| {
        format!("尚未载入{year}年节假日安排：{year}年的受理期限将按周一至周五估算。请管理员在国务院办公厅公布后载入。")
    }))
}

/// Which of `accepted`..=`due` have no holiday table now (for a stored deadline, to say
/// on the case page and the receipt that it was estimated).
pub fn estimated_years_between(
    accepted: NaiveDate,
    due: NaiveDate,
    holiday_updates: &[&str],
) -> Result<Vec<i32>, DeadlineError> {
    use chrono::Datelike;
    let calendar = holiday_calendar(holiday_updates)?;
    // The days counted are those after the acceptance day, up to the due date.
    let Some(first_counted) = accepted.succ_opt().filter(|first| *first <= due) else {
        return Ok(Vec::new());
    };
    Ok((first_counted.year()..=due.year()).filter(|year| !calendar.covers(*year)).collect())
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
    let estimate = calendar.estimate_due_date(accepted, working_days).map_err(DeadlineError::Calendar)?;
    Ok(Deadline { accepted, working_days, due: estimate.due, estimated_years: estimate.guessed_years })
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
    fn uncovered_years_are_estimated_and_say_so_until_an_update_is_loaded() {
        let estimate = |accepted: &str, updates: &[&str]| {
            due_date(day(accepted), 2, updates).unwrap_or_else(|e| panic!("{accepted}: {e}"))
        };
        // 2026-12-31 (Thu): Fri 2027-01-01 and Mon 01-04 counted as working days.
        let into_2027 = estimate("2026-12-31", &[]);
        assert_eq!((into_2027.due, into_2027.estimated_years.clone()), (day("2027-01-04"), vec![2027]));
        let note = into_2027.estimate_note().expect("an estimate says so");
        assert!(note.contains("2027年节假日安排尚未载入"), "{note}");
        assert_eq!(estimate("2027-03-03", &[]).estimated_years, vec![2027], "accepted in 2027");
        assert_eq!(estimate("2022-12-30", &[]).estimated_years, vec![2022], "before the first table");
        // Inside a covered year nothing is estimated.
        let exact = estimate("2026-12-28", &[]);
        assert!(exact.estimated_years.is_empty() && exact.estimate_note().is_none());
        check("2026-12-31", 2, &[UPDATE_2027], Ok("2027-01-05"), "2027 loaded: 01-01 off, weekend, Mon, Tue");
        check("2027-03-03", 2, &[UPDATE_2027], Ok("2027-03-05"), "2027 loaded");
        assert!(estimate("2027-03-03", &[UPDATE_2027]).estimated_years.is_empty());
        let broken = due_date(day("2026-12-31"), 2, &[UPDATE_2027, "{"]).map_err(|e| e.to_string());
        assert!(
            broken.is_err_and(|message| message.starts_with("holiday update file 1:")),
            "the broken update file is named by position"
        );
    }

    #[test]
    fn the_header_warns_from_december_while_next_year_is_missing() {
        assert_eq!(holiday_warning(day("2026-11-30"), &[]).expect("calendar"), None);
        let december = holiday_warning(day("2026-12-01"), &[]).expect("calendar").expect("warns");
        assert!(december.contains("2027年"), "{december}");
        assert_eq!(holiday_warning(day("2026-12-01"), &[UPDATE_2027]).expect("calendar"), None);
        let uncovered = holiday_warning(day("2027-03-01"), &[]).expect("calendar").expect("warns");
        assert!(uncovered.contains("2027年"), "{uncovered}");
        assert_eq!(
            estimated_years_between(day("2026-12-31"), day("2027-01-04"), &[]).expect("calendar"),
            [2027]
        );
        assert!(
            estimated_years_between(day("2026-12-28"), day("2026-12-30"), &[]).expect("calendar").is_empty()
        );
    }
}
