//! The register of applications (台账) for a range of days and its summary: what an office
//! keeps as its register and reports to the county bureau each month. Reading it is
//! audited as a view of the personal data of every case in it; clerks without a case
//! role (an administrator only) see names reduced to their first character.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Utc};
use domain::ledger::{Deadline, LedgerFacts, LedgerSummary, summarise};
use domain::record::RecognitionType;
use serde_json::json;
use store::AuditAction;

use crate::cases::local;
use crate::office::Office;
use crate::worklists::{CaseLine, line, may_see_names};
use crate::{AppError, clock};

/// The most lines one register holds; a longer range says it was cut.
pub const MAX_LINES: u32 = 5000;

/// The longest range, in days (a year and a day, for a leap year's register).
pub const MAX_DAYS: i64 = 366;

/// One application in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    /// The case as a worklist shows it (number, name, masked ID number, deadline, 受理人).
    pub case: CaseLine,
    /// The type applied for.
    pub recognition_type: Option<RecognitionType>,
    /// The county profile it was assessed under.
    pub profile: Option<String>,
    /// When it was first submitted (accepted, refused or given a notice).
    pub submitted_at: DateTime<Utc>,
    /// When it reached its outcome, if it has one.
    pub decided_at: Option<DateTime<Utc>>,
    /// Against its deadline.
    pub deadline: Deadline,
}

/// The register of a range of days.
#[derive(Debug, Clone, PartialEq)]
pub struct Ledger {
    /// First day (the counter's civil date).
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// The applications first submitted in those days, in order.
    pub lines: Vec<LedgerLine>,
    /// Their counts.
    pub summary: LedgerSummary,
    /// More than [`MAX_LINES`] applications: the register was cut (choose a shorter range).
    pub truncated: bool,
}

/// The register of the days `from` to `to` (both included) as of `now`. Needs a case role
/// or 管理员; audited with the range and the number of lines.
pub fn ledger(
    office: &mut Office,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Ledger, AppError> {
    check_range(from, to)?;
    let full_names = may_see_names(office)?;
    let session = office.session()?.clone();
    let users = office.users()?;
    let today = local(now).date();
    let start = day_start(from);
    let end = day_start(to.checked_add_days(Days::new(1)).unwrap_or(to));
    let mut entries = office.store.ledger(start, end, MAX_LINES + 1)?;
    let truncated = entries.len() > MAX_LINES as usize;
    entries.truncate(MAX_LINES as usize);
    let lines: Vec<LedgerLine> = entries
        .into_iter()
        .map(|entry| {
            let decided_on = entry.decided_at.map(|at| local(at).date());
            let deadline = Deadline::of(entry.summary.state, entry.summary.due_date, decided_on, today);
            LedgerLine {
                case: line(entry.summary, today, full_names, &users),
                recognition_type: entry.recognition_type.as_deref().and_then(recognition_type),
                profile: entry.profile,
                submitted_at: entry.submitted_at,
                decided_at: entry.decided_at,
                deadline,
            }
        })
        .collect();
    let summary = summarise(lines.iter().map(|line| LedgerFacts {
        state: line.case.state,
        recognition_type: line.recognition_type,
        deadline: line.deadline,
        accepted_by: line.case.accepted_by.as_ref().map(|clerk| clerk.display_name.as_str()),
    }));
    office.store.audit_event(
        &session,
        AuditAction::LedgerViewed,
        None,
        json!({ "from": from.to_string(), "to": to.to_string(), "lines": lines.len(), "truncated": truncated }),
        now,
    )?;
    Ok(Ledger { from, to, lines, summary, truncated })
}

/// The range must run forwards and hold at most [`MAX_DAYS`] days.
fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), AppError> {
    let issue = if to < from {
        Some("结束日期不能早于开始日期。".to_owned())
    } else if (to - from).num_days() + 1 > MAX_DAYS {
        Some(format!("台账一次最多查询{MAX_DAYS}天，请缩短日期范围。"))
    } else {
        None
    };
    match issue {
        Some(message) => {
            Err(AppError::Validation(vec![domain::FieldIssue::new("to", "LEDGER_RANGE_INVALID", message)]))
        }
        None => Ok(()),
    }
}

/// Midnight at the counter (China Standard Time) starting `day`, as an instant.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(clock::china_standard_time()).single())
        .map_or(DateTime::<Utc>::MIN_UTC, |at| at.with_timezone(&Utc))
}

/// The record's recognition type by its serde key (`registration_time`); older records
/// wrote the variant name (`RegistrationTime`).
fn recognition_type(key: &str) -> Option<RecognitionType> {
    match key {
        "existing_permit" | "ExistingPermit" => Some(RecognitionType::ExistingPermit),
        "registration_time" | "RegistrationTime" => Some(RecognitionType::RegistrationTime),
        _ => None,
    }
}

/// The first and last day of the month holding `day`.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day0(0).unwrap_or(day);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    (first, next.pred_opt().unwrap_or(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn a_day_starts_at_midnight_at_the_counter() {
        assert_eq!(day_start(day("2026-12-04")).to_rfc3339(), "2026-12-03T16:00:00+00:00");
    }

    #[test]
    fn ranges_run_forwards_and_hold_a_year_at_most() {
        assert!(check_range(day("2026-12-01"), day("2026-12-01")).is_ok());
        assert!(check_range(day("2026-01-01"), day("2026-12-31")).is_ok());
        assert!(check_range(day("2026-12-02"), day("2026-12-01")).is_err());
        assert!(check_range(day("2025-01-01"), day("2026-01-02")).is_err());
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        assert_eq!(month_of(day("2024-02-10")), (day("2024-02-01"), day("2024-02-29")));
        assert_eq!(month_of(day("2026-12-31")), (day("2026-12-01"), day("2026-12-31")));
        assert_eq!(month_of(day("2026-12-31")).0.day(), 1);
    }
}
