//! The working-day calendar: statutory holidays (放假) and adjusted working days
//! (调休上班), and the deadline arithmetic built on them.
//!
//! Rules, from `shared/research/domain-reference.md` §4:
//! - A date is a working day if it is an adjusted working day, or a Monday–Friday
//!   that is not a holiday.
//! - Deadlines in working days (行政许可法 Art. 82) do not count the starting day
//!   (民法典 Art. 201): "2 working days from acceptance" ends on the second working
//!   day *after* the acceptance date. Because only working days are counted, a
//!   period never ends on a rest day (民法典 Art. 203 holds by construction).
//!
//! Contract: the calendar never guesses. The State Council publishes each year's
//! arrangement in the November before, so a date in a year without a loaded table
//! is an explicit [`CalendarError::YearNotCovered`], even for an ordinary-looking
//! Wednesday. Tables arrive as JSON text ([`HolidayCalendar::parse`]); an update
//! file can add or replace whole years ([`HolidayCalendar::with_update`]).
//!
//! ```
//! use chrono::NaiveDate;
//! use domain::calendar::{CalendarError, HolidayCalendar};
//!
//! let calendar = HolidayCalendar::parse(r#"{"years": {"2026": {
//!     "source": "国务院办公厅关于2026年部分节假日安排的通知",
//!     "holidays": ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
//!                  "2026-10-05", "2026-10-06", "2026-10-07"],
//!     "adjusted_working_days": ["2026-10-10"]}}}"#)?;
//! let accepted = NaiveDate::from_ymd_opt(2026, 9, 30).ok_or("date")?;
//! assert_eq!(calendar.due_date(accepted, 2)?, NaiveDate::from_ymd_opt(2026, 10, 9).ok_or("date")?);
//! let next_year = NaiveDate::from_ymd_opt(2027, 3, 3).ok_or("date")?;
//! assert_eq!(calendar.is_working_day(next_year), Err(CalendarError::YearNotCovered(2027)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// Why a calendar question has no answer, or a table was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No table is loaded for this year, so whether a date in it is a working day is
    /// unknown. Clerk-facing: the fix is to load the year's table.
    #[error("no holiday table for {0}")]
    YearNotCovered(i32),
    /// The text is not JSON of the documented shape (see `assets/reference/README.md`).
    #[error("holiday table is not valid json: {0}")]
    Format(String),
    /// The table has the right shape but wrong content; every problem is listed.
    #[error("invalid holiday table: {}", join_problems(.0))]
    Invalid(Vec<TableProblem>),
    /// The date arithmetic left chrono's range (only with absurd inputs).
    #[error("date out of range")]
    OutOfRange,
}

// Its stable code is given by the one error catalogue, `app::problem`.
impl CalendarError {
    /// One plain Chinese sentence for the clerk.
    pub fn message_zh(&self) -> String {
        match self {
            CalendarError::YearNotCovered(year) => format!(
                "尚未载入{year}年的节假日安排，无法确定{year}年的工作日，不能计算办理期限；请在国务院公布{year}年放假安排后更新节假日表。"
            ),
            CalendarError::Format(_) | CalendarError::Invalid(_) => {
                "节假日表格式有误，未能载入；请联系系统管理员核对节假日表文件。".to_owned()
            }
            CalendarError::OutOfRange => "日期超出可计算的范围，请核对输入的日期。".to_owned(),
        }
    }
}

/// One problem found in a holiday table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableProblem {
    /// A key of `years` is not a four-digit year.
    #[error("`{0}` is not a year")]
    BadYear(String),
    /// A year has no `source` (the notice it was copied from).
    #[error("{0}: source is empty")]
    MissingSource(i32),
    /// A list entry is not a `YYYY-MM-DD` date.
    #[error("{year}: `{text}` is not a yyyy-mm-dd date")]
    BadDate {
        /// The year whose entry holds it.
        year: i32,
        /// The text found.
        text: String,
    },
    /// A date is listed under another year.
    #[error("{year}: {date} lies outside the year")]
    OutsideYear {
        /// The year whose entry holds it.
        year: i32,
        /// The date.
        date: NaiveDate,
    },
    /// A date is both a holiday and an adjusted working day.
    #[error("{0} is both a holiday and an adjusted working day")]
    HolidayAndWorkingDay(NaiveDate),
    /// An adjusted working day falls Monday–Friday, where it would change nothing;
    /// it is almost certainly a typing mistake.
    #[error("adjusted working day {0} is not a saturday or sunday")]
    WorkingDayNotWeekend(NaiveDate),
}

fn join_problems(problems: &[TableProblem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// The arrangement of one year, as published by the State Council.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearTable {
    /// The calendar year.
    pub year: i32,
    /// The notice the dates were copied from (title and URL).
    pub source: String,
    /// Days off, weekends inside a holiday period included.
    pub holidays: BTreeSet<NaiveDate>,
    /// Saturdays and Sundays worked instead (调休上班).
    pub adjusted_working_days: BTreeSet<NaiveDate>,
}

/// Holiday tables for the years loaded so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, YearTable>,
}

/// The JSON shape of a table file (see `assets/reference/README.md`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    #[allow(dead_code, reason = "documentation for people who open the file")]
    description: Option<String>,
    years: BTreeMap<String, YearEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearEntry {
    source: String,
    holidays: Vec<String>,
    adjusted_working_days: Vec<String>,
}

impl HolidayCalendar {
    /// Parses a table file and validates it: four-digit year keys, a source per year,
    /// `YYYY-MM-DD` dates inside their year, no date both a holiday and a working
    /// day, and adjusted working days only on Saturdays and Sundays. Every problem is
    /// reported at once in [`CalendarError::Invalid`].
    pub fn parse(json: &str) -> Result<HolidayCalendar, CalendarError> {
        let file: TableFile = serde_json::from_str(json).map_err(|e| CalendarError::Format(e.to_string()))?;
        let mut problems = Vec::new();
        let mut years = BTreeMap::new();
        for (key, entry) in file.years {
            let Some(year) =
                key.parse::<i32>().ok().filter(|_| key.len() == 4 && key.bytes().all(|b| b.is_ascii_digit()))
            else {
                problems.push(TableProblem::BadYear(key));
                continue;
            };
            if entry.source.trim().is_empty() {
                problems.push(TableProblem::MissingSource(year));
            }
            let holidays = dates_of_year(year, &entry.holidays, &mut problems);
            let adjusted_working_days = dates_of_year(year, &entry.adjusted_working_days, &mut problems);
            for date in holidays.intersection(&adjusted_working_days) {
                problems.push(TableProblem::HolidayAndWorkingDay(*date));
            }
            for date in &adjusted_working_days {
                if !is_weekend(*date) {
                    problems.push(TableProblem::WorkingDayNotWeekend(*date));
                }
            }
            years.insert(year, YearTable { year, source: entry.source, holidays, adjusted_working_days });
        }
        if problems.is_empty() {
            Ok(HolidayCalendar { years })
        } else {
            Err(CalendarError::Invalid(problems))
        }
    }

    /// Adds the years of `update`; a year present in both is replaced whole by the
    /// update's (later files win, year by year).
    pub fn merge(&mut self, update: HolidayCalendar) {
        self.years.extend(update.years);
    }

    /// Parses `json` as an update file and merges it over `self` (see [`Self::merge`]).
    pub fn with_update(mut self, json: &str) -> Result<HolidayCalendar, CalendarError> {
        self.merge(HolidayCalendar::parse(json)?);
        Ok(self)
    }

    /// The loaded years, in order.
    pub fn years(&self) -> impl Iterator<Item = &YearTable> {
        self.years.values()
    }

    /// The table of `year`, if loaded.
    pub fn year(&self, year: i32) -> Option<&YearTable> {
        self.years.get(&year)
    }

    /// True if a table for `year` is loaded.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `date` is a working day; [`CalendarError::YearNotCovered`] if its year
    /// has no table.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let table = self.years.get(&date.year()).ok_or(CalendarError::YearNotCovered(date.year()))?;
        if table.adjusted_working_days.contains(&date) {
            return Ok(true);
        }
        Ok(!table.holidays.contains(&date) && !is_weekend(date))
    }

    /// The `n`th working day after `start`, not counting `start` itself (民法典
    /// Art. 201); `start` for `n = 0`. Fails with [`CalendarError::YearNotCovered`]
    /// as soon as the count reaches a year without a table.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = start;
        let mut remaining = n;
        while remaining > 0 {
            date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if self.is_working_day(date)? {
                remaining -= 1;
            }
        }
        Ok(date)
    }

    /// The last day of a period of `working_days` working days that starts on the day
    /// after `accepted` (自受理之日起N个工作日内). The acceptance date itself may be any
    /// day, even a holiday, and need not be in a covered year's table.
    pub fn due_date(&self, accepted: NaiveDate, working_days: u32) -> Result<NaiveDate, CalendarError> {
        self.add_working_days(accepted, working_days)
    }

    /// [`Self::due_date`] that never fails for a missing table: a day of a year without
    /// one counts as a working day when it is Monday to Friday. The estimate names the
    /// years it had to guess, so the screen and the receipt can say so (the State
    /// Council publishes next year's arrangement late in the year; a counter must still
    /// accept on 31 December).
    pub fn estimate_due_date(
        &self,
        accepted: NaiveDate,
        working_days: u32,
    ) -> Result<DueEstimate, CalendarError> {
        let mut date = accepted;
        let mut remaining = working_days;
        let mut guessed_years = Vec::new();
        while remaining > 0 {
            date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
            let working = match self.is_working_day(date) {
                Ok(working) => working,
                Err(CalendarError::YearNotCovered(year)) => {
                    if !guessed_years.contains(&year) {
                        guessed_years.push(year);
                    }
                    !is_weekend(date)
                }
                Err(other) => return Err(other),
            };
            if working {
                remaining -= 1;
            }
        }
        Ok(DueEstimate { due: date, guessed_years })
    }

    /// How many working days lie after `start` up to and including `end`; 0 if `end`
    /// is not after `start`. The inverse of [`Self::add_working_days`]:
    /// `working_days_between(d, add_working_days(d, n)) == n`.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> Result<u32, CalendarError> {
        let mut count = 0;
        let mut date = start;
        while date < end {
            date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if self.is_working_day(date)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

/// A due date, with the years whose holiday table was missing (counted Monday to Friday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEstimate {
    /// The last day of the period.
    pub due: NaiveDate,
    /// Years the count crossed without a table; empty when the date is exact.
    pub guessed_years: Vec<i32>,
}

impl DueEstimate {
    /// Whether the date is exact (every year on the way had a table).
    pub fn is_exact(&self) -> bool {
        self.guessed_years.is_empty()
    }
}

/// Parses `texts` as dates of `year`, recording problems and keeping the good ones.
fn dates_of_year(year: i32, texts: &[String], problems: &mut Vec<TableProblem>) -> BTreeSet<NaiveDate> {
    let mut dates = BTreeSet::new();
    for text in texts {
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().filter(|_| text.len() == 10);
        match parsed {
            None => problems.push(TableProblem::BadDate { year, text: text.clone() }),
            Some(date) if date.year() != year => problems.push(TableProblem::OutsideYear { year, date }),
            Some(date) => {
                dates.insert(date);
            }
        }
    }
    dates
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025 and 2026 exactly as in domain-reference.md §4.2; the `app` crate runs the
    /// same kind of table against the shipped asset for all of 2023–2026.
    const TABLE: &str = r#"{
      "description": "test fixture",
      "years": {
        "2025": {
          "source": "国办发明电〔2024〕12号",
          "holidays": ["2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01",
            "2025-02-02", "2025-02-03", "2025-02-04", "2025-04-04", "2025-04-05", "2025-04-06", "2025-05-01",
            "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-31", "2025-06-01", "2025-06-02",
            "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07",
            "2025-10-08"],
          "adjusted_working_days": ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
        },
        "2026": {
          "source": "gov.cn 202511 content_7047090",
          "holidays": ["2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17",
            "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", "2026-04-04",
            "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
            "2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01",
            "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"],
          "adjusted_working_days": ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
            "2026-10-10"]
        }
      }
    }"#;

    /// A made-up 2027 table for merge tests; NOT the official 2027 arrangement.
    const UPDATE_2027: &str = r#"{"years": {"2027": {
        "source": "test fixture, not an official notice",
        "holidays": ["2027-01-01"], "adjusted_working_days": []}}}"#;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("test date {text}: {e}"))
    }

    fn calendar() -> HolidayCalendar {
        HolidayCalendar::parse(TABLE).unwrap_or_else(|e| panic!("fixture parses: {e}"))
    }

    /// Asserts `calendar.due_date(accepted, n)`, with the reason the case is interesting.
    fn check_due(
        calendar: &HolidayCalendar,
        accepted: &str,
        n: u32,
        expected: Result<&str, CalendarError>,
        why: &str,
    ) {
        let found = calendar.due_date(day(accepted), n);
        assert_eq!(found, expected.map(day), "{n} working days after {accepted}: {why}");
        if let Ok(due) = found {
            assert_eq!(
                calendar.working_days_between(day(accepted), due),
                Ok(n),
                "working_days_between inverts due_date for {accepted}"
            );
        }
    }

    #[test]
    fn worked_examples_and_festivals() {
        let calendar = calendar();
        for (accepted, n, due, why) in [
            ("2026-09-30", 2, "2026-10-09", "National Day 10-01..07, then Thu 10-08 and Fri 10-09"),
            ("2026-02-13", 2, "2026-02-24", "Sat 02-14 is worked, then Spring Festival 02-15..23"),
            ("2026-01-02", 2, "2026-01-05", "accepted on a holiday; Sun 01-04 is worked"),
            ("2026-02-12", 2, "2026-02-14", "the adjusted Saturday counts"),
            ("2026-02-26", 2, "2026-02-28", "Sat 02-28 is worked after the festival"),
            ("2025-01-27", 2, "2025-02-06", "Spring Festival 01-28..02-04 from a Monday"),
            ("2025-01-24", 2, "2025-01-27", "Sun 01-26 is worked, Sat 01-25 is not"),
            ("2025-09-26", 2, "2025-09-29", "Sun 09-28 is worked before National Day"),
            ("2025-09-30", 1, "2025-10-09", "National Day and Mid-Autumn 10-01..08"),
            ("2025-05-30", 1, "2025-06-03", "Dragon Boat 05-31..06-02 lands the deadline past it"),
            ("2026-03-06", 1, "2026-03-09", "an ordinary weekend is skipped"),
            ("2026-03-06", 0, "2026-03-06", "zero working days is the acceptance day itself"),
            ("2025-12-30", 2, "2026-01-04", "across the year end: 12-31, then Sun 01-04 worked"),
        ] {
            check_due(&calendar, accepted, n, Ok(due), why);
        }
    }

    #[test]
    fn years_without_a_table_are_never_guessed() {
        let calendar = calendar();
        for (accepted, n, year, why) in [
            ("2026-12-31", 2, 2027, "the count runs into 2027"),
            ("2026-12-30", 2, 2027, "the second day, 2027-01-01, is unknown"),
            ("2027-03-03", 1, 2027, "accepted in 2027"),
            ("2024-12-30", 2, 2024, "2024 has no table in this fixture"),
        ] {
            check_due(&calendar, accepted, n, Err(CalendarError::YearNotCovered(year)), why);
        }
        check_due(&calendar, "2024-12-31", 1, Ok("2025-01-02"), "only the counted days need a table");
        check_due(&calendar, "2026-12-28", 2, Ok("2026-12-30"), "a deadline inside 2026 needs no 2027 table");
        assert_eq!(
            calendar.is_working_day(day("2024-06-05")),
            Err(CalendarError::YearNotCovered(2024)),
            "an ordinary Wednesday in an uncovered year is still unknown"
        );
        assert_eq!(
            calendar.working_days_between(day("2026-12-30"), day("2027-01-05")),
            Err(CalendarError::YearNotCovered(2027)),
            "counting into 2027 needs its table"
        );
        let error = CalendarError::YearNotCovered(2027);
        assert!(error.message_zh().contains("2027年"), "the clerk is told which year is missing");
        assert_eq!(error.to_string(), "no holiday table for 2027", "short lowercase message");
    }

    #[test]
    fn an_update_file_adds_a_year_and_later_files_win() {
        let updated = calendar().with_update(UPDATE_2027).unwrap_or_else(|e| panic!("update parses: {e}"));
        check_due(&updated, "2026-12-31", 2, Ok("2027-01-05"), "2027-01-01 off, then a weekend");
        assert!(
            updated.covers(2025) && updated.covers(2026) && updated.covers(2027),
            "merging keeps old years"
        );
        let replaced = updated
            .with_update(r#"{"years": {"2026": {"source": "correction", "holidays": [], "adjusted_working_days": []}}}"#)
            .unwrap_or_else(|e| panic!("correction parses: {e}"));
        check_due(
            &replaced,
            "2026-09-30",
            2,
            Ok("2026-10-02"),
            "the later 2026 table replaced the earlier one whole",
        );
        assert_eq!(replaced.year(2026).map(|t| t.source.as_str()), Some("correction"));
        let years: Vec<i32> = replaced.years().map(|t| t.year).collect();
        assert_eq!(years, [2025, 2026, 2027], "years are listed in order");
    }

    /// Asserts `is_working_day(date)`.
    fn check_working(calendar: &HolidayCalendar, date: &str, expected: bool, why: &str) {
        assert_eq!(calendar.is_working_day(day(date)), Ok(expected), "{date}: {why}");
    }

    #[test]
    fn working_days() {
        let calendar = calendar();
        check_working(&calendar, "2026-02-14", true, "adjusted Saturday");
        check_working(&calendar, "2026-01-04", true, "adjusted Sunday");
        check_working(&calendar, "2026-02-16", false, "Spring Festival Monday");
        check_working(&calendar, "2026-02-21", false, "Saturday inside the festival");
        check_working(&calendar, "2026-02-25", true, "ordinary Wednesday");
        check_working(&calendar, "2026-03-07", false, "ordinary Saturday");
        check_working(&calendar, "2025-10-08", false, "eighth day of the 2025 National Day break");
    }

    /// Asserts that parsing `json` fails with exactly `expected`.
    fn check_invalid(json: &str, expected: CalendarError) {
        assert_eq!(HolidayCalendar::parse(json), Err(expected), "parsing {json}");
    }

    fn year_json(year: &str, source: &str, holidays: &str, working: &str) -> String {
        format!(
            r#"{{"years": {{"{year}": {{"source": "{source}", "holidays": [{holidays}], "adjusted_working_days": [{working}]}}}}}}"#
        )
    }

    #[test]
    fn broken_tables_are_refused_with_every_problem() {
        check_invalid(
            &year_json("2026", "n", r#""2026-02-14""#, r#""2026-02-14""#),
            CalendarError::Invalid(vec![TableProblem::HolidayAndWorkingDay(day("2026-02-14"))]),
        );
        check_invalid(
            &year_json("2026", "n", "", r#""2026-02-13""#),
            CalendarError::Invalid(vec![TableProblem::WorkingDayNotWeekend(day("2026-02-13"))]),
        );
        check_invalid(
            &year_json("2026", "n", r#""2027-01-01""#, ""),
            CalendarError::Invalid(vec![TableProblem::OutsideYear { year: 2026, date: day("2027-01-01") }]),
        );
        check_invalid(
            &year_json("2026", " ", r#""2026-02-30", "2026-2-3""#, ""),
            CalendarError::Invalid(vec![
                TableProblem::MissingSource(2026),
                TableProblem::BadDate { year: 2026, text: "2026-02-30".into() },
                TableProblem::BadDate { year: 2026, text: "2026-2-3".into() },
            ]),
        );
        check_invalid(
            &year_json("26", "n", "", ""),
            CalendarError::Invalid(vec![TableProblem::BadYear("26".into())]),
        );
        let not_json = HolidayCalendar::parse("{");
        assert!(matches!(not_json, Err(CalendarError::Format(_))), "truncated json");
        let unknown_field = HolidayCalendar::parse(r#"{"years": {}, "yeers": {}}"#);
        assert!(
            matches!(unknown_field, Err(CalendarError::Format(_))),
            "a misspelt key is not silently ignored"
        );
        let message = HolidayCalendar::parse(&year_json("2026", "n", r#""2026-02-14""#, r#""2026-02-14""#))
            .map_err(|e| e.to_string());
        assert_eq!(
            message,
            Err("invalid holiday table: 2026-02-14 is both a holiday and an adjusted working day".into()),
            "problems are listed in the message"
        );
    }
}
