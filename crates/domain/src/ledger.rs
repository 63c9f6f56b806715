//! The register of applications (台账) and its summary: whether each application kept its
//! deadline, and the counts an office reports to the county bureau each month (by type,
//! by outcome, by deadline, by accepting clerk). Pure: the lines come from the store.

use chrono::NaiveDate;

use crate::case::CaseState;
use crate::record::RecognitionType;

/// Where an application stands against its deadline (办结时限).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Deadline {
    /// Not running: never accepted (not eligible, a notice waiting for the applicant,
    /// withdrawn) or sent back to the counter (补正 does not count).
    NotRunning,
    /// Accepted, not yet decided, within the deadline.
    Running,
    /// Accepted, not yet decided, past the deadline.
    Overdue,
    /// Decided (approved or refused after acceptance) on or before the deadline.
    Met,
    /// Decided after the deadline.
    Missed,
}

impl Deadline {
    /// Every status, in the register's order.
    pub const ALL: [Deadline; 5] =
        [Deadline::Running, Deadline::Overdue, Deadline::Met, Deadline::Missed, Deadline::NotRunning];

    /// Stable key.
    pub fn key(self) -> &'static str {
        match self {
            Deadline::NotRunning => "not_running",
            Deadline::Running => "running",
            Deadline::Overdue => "overdue",
            Deadline::Met => "met",
            Deadline::Missed => "missed",
        }
    }

    /// Its name in the register.
    pub fn label(self) -> &'static str {
        match self {
            Deadline::NotRunning => "不计时",
            Deadline::Running => "办理中",
            Deadline::Overdue => "已超期",
            Deadline::Met => "按期办结",
            Deadline::Missed => "超期办结",
        }
    }

    /// Whether the deadline was or is being missed.
    pub fn is_late(self) -> bool {
        matches!(self, Deadline::Overdue | Deadline::Missed)
    }

    /// The status of an application in `state` with deadline `due`, decided on `decided_on`
    /// (the day it reached its outcome, if it has one), as of `today`.
    pub fn of(
        state: CaseState,
        due: Option<NaiveDate>,
        decided_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Deadline {
        let Some(due) = due else {
            return Deadline::NotRunning;
        };
        match state {
            CaseState::Accepted | CaseState::Reviewed => {
                if today > due {
                    Deadline::Overdue
                } else {
                    Deadline::Running
                }
            }
            CaseState::Approved | CaseState::Issued | CaseState::OldPermitCancelled | CaseState::Rejected => {
                match decided_on {
                    Some(day) if day > due => Deadline::Missed,
                    _ => Deadline::Met,
                }
            }
            CaseState::Draft | CaseState::NoticeIssued | CaseState::NotEligible | CaseState::Withdrawn => {
                Deadline::NotRunning
            }
        }
    }
}

/// What the summary counts of one line of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerFacts<'a> {
    /// Where it stands.
    pub state: CaseState,
    /// The type applied for.
    pub recognition_type: Option<RecognitionType>,
    /// Against its deadline.
    pub deadline: Deadline,
    /// The clerk who accepted it (its name), if it was accepted.
    pub accepted_by: Option<&'a str>,
}

/// The register's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerSummary {
    /// Applications in the register.
    pub total: usize,
    /// Of those accepted (the deadline ran for them).
    pub accepted: usize,
    /// Per state, in [`CaseState::ALL`] order, states with none left out.
    pub by_state: Vec<(CaseState, usize)>,
    /// Per type (`None`: no type chosen), existing permit first.
    pub by_type: Vec<(Option<RecognitionType>, usize)>,
    /// Per deadline status, in [`Deadline::ALL`] order, statuses with none left out.
    pub by_deadline: Vec<(Deadline, usize)>,
    /// Applications accepted per clerk, most first, then by name.
    pub by_clerk: Vec<(String, usize)>,
    /// Overdue or decided late.
    pub late: usize,
}

impl LedgerSummary {
    /// The share of accepted applications that are or were late, in per cent (rounded to
    /// one decimal), `None` when none was accepted.
    pub fn late_percent(&self) -> Option<f64> {
        (self.accepted > 0).then(|| (self.late as f64 * 1000.0 / self.accepted as f64).round() / 10.0)
    }
}

/// Counts `lines`.
pub fn summarise<'a>(lines: impl IntoIterator<Item = LedgerFacts<'a>>) -> LedgerSummary {
    let mut summary = LedgerSummary::default();
    let mut states = std::collections::BTreeMap::<usize, usize>::new();
    let mut types = [0usize; 3];
    let mut deadlines = std::collections::BTreeMap::<Deadline, usize>::new();
    let mut clerks = std::collections::BTreeMap::<&str, usize>::new();
    for line in lines {
        summary.total += 1;
        let state_index = CaseState::ALL.iter().position(|state| *state == line.state).unwrap_or(0);
        *states.entry(state_index).or_default() += 1;
        types[match line.recognition_type {
            Some(RecognitionType::ExistingPermit) => 0,
            Some(RecognitionType::RegistrationTime) => 1,
            None => 2,
        }] += 1;
        *deadlines.entry(line.deadline).or_default() += 1;
        if line.deadline != Deadline::NotRunning {
            summary.accepted += 1;
        }
        summary.late += usize::from(line.deadline.is_late());
        if let Some(clerk) = line.accepted_by {
            *clerks.entry(clerk).or_default() += 1;
        }
    }
    summary.by_state = states.into_iter().map(|(index, count)| (CaseState::ALL[index], count)).collect();
    summary.by_type = [Some(RecognitionType::ExistingPermit), Some(RecognitionType::RegistrationTime), None]
        .into_iter()
        .zip(types)
        .filter(|(_, count)| *count > 0)
        .collect();
    summary.by_deadline = Deadline::ALL
        .into_iter()
        .filter_map(|deadline| deadlines.get(&deadline).map(|count| (deadline, *count)))
        .collect();
    let mut by_clerk: Vec<(String, usize)> =
        clerks.into_iter().map(|(name, n)| (name.to_owned(), n)).collect();
    by_clerk.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    summary.by_clerk = by_clerk;
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn the_deadline_runs_from_acceptance_to_the_decision() {
        let due = Some(day("2026-12-08"));
        let today = day("2026-12-09");
        assert_eq!(Deadline::of(CaseState::Accepted, due, None, day("2026-12-08")), Deadline::Running);
        assert_eq!(Deadline::of(CaseState::Reviewed, due, None, today), Deadline::Overdue);
        assert_eq!(Deadline::of(CaseState::Issued, due, Some(day("2026-12-08")), today), Deadline::Met);
        assert_eq!(Deadline::of(CaseState::Rejected, due, Some(today), today), Deadline::Missed);
        assert_eq!(Deadline::of(CaseState::NotEligible, None, Some(today), today), Deadline::NotRunning);
        assert_eq!(
            Deadline::of(CaseState::NoticeIssued, due, Some(today), today),
            Deadline::NotRunning,
            "sent back to the counter: 补正 does not count"
        );
    }

    #[test]
    fn the_summary_counts_by_state_type_deadline_and_clerk() {
        let line = |state, recognition_type, deadline, accepted_by| LedgerFacts {
            state,
            recognition_type,
            deadline,
            accepted_by,
        };
        let summary = summarise([
            line(CaseState::Approved, Some(RecognitionType::RegistrationTime), Deadline::Met, Some("王受理")),
            line(
                CaseState::Accepted,
                Some(RecognitionType::RegistrationTime),
                Deadline::Overdue,
                Some("王受理"),
            ),
            line(CaseState::Issued, Some(RecognitionType::ExistingPermit), Deadline::Missed, Some("张受理")),
            line(CaseState::NotEligible, None, Deadline::NotRunning, None),
        ]);
        assert_eq!((summary.total, summary.accepted, summary.late), (4, 3, 2));
        assert_eq!(
            summary.by_state,
            [
                (CaseState::Accepted, 1),
                (CaseState::Approved, 1),
                (CaseState::Issued, 1),
                (CaseState::NotEligible, 1)
            ]
        );
        assert_eq!(
            summary.by_type,
            [
                (Some(RecognitionType::ExistingPermit), 1),
                (Some(RecognitionType::RegistrationTime), 2),
                (None, 1)
            ]
        );
        assert_eq!(
            summary.by_deadline,
            [(Deadline::Overdue, 1), (Deadline::Met, 1), (Deadline::Missed, 1), (Deadline::NotRunning, 1)]
        );
        assert_eq!(summary.by_clerk, [("王受理".to_owned(), 2), ("张受理".to_owned(), 1)]);
        assert_eq!(summary.late_percent(), Some(66.7));
        assert_eq!(summarise([]).late_percent(), None);
    }
}
