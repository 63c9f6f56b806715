//! Transport types of the register of applications (台账).

use serde::Serialize;
use ts_rs::TS;

use super::{CaseLineInfo, local_minute};

/// One application in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LedgerLineInfo {
    /// The case as a worklist line (number, name, masked ID number, state, deadline, 受理人).
    pub case: CaseLineInfo,
    /// The type applied for, in Chinese (现有证件互认 / 居住登记时间互认), if chosen.
    pub recognition_type: Option<String>,
    /// The county profile's code.
    pub profile: Option<String>,
    /// First submitted, local time.
    pub submitted_at: String,
    /// Reached its outcome, local time.
    pub decided_at: Option<String>,
    /// Against its deadline ([`app::domain::ledger::Deadline::key`]).
    #[ts(type = "DeadlineKey")]
    pub deadline: String,
}

/// A count with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CountInfo {
    /// What is counted, in Chinese.
    pub label: String,
    /// How many.
    pub count: u32,
}

/// The register's counts.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LedgerSummaryInfo {
    /// Applications.
    pub total: u32,
    /// Of those, accepted.
    pub accepted: u32,
    /// Overdue or decided late.
    pub late: u32,
    /// Late share of the accepted, per cent, one decimal.
    pub late_percent: Option<f64>,
    /// Per state.
    pub by_state: Vec<CountInfo>,
    /// Per type.
    pub by_type: Vec<CountInfo>,
    /// Per deadline status.
    pub by_deadline: Vec<CountInfo>,
    /// Accepted per clerk.
    pub by_clerk: Vec<CountInfo>,
}

/// The register of a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LedgerInfo {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// The applications, in the order they were submitted.
    pub lines: Vec<LedgerLineInfo>,
    /// Their counts.
    pub summary: LedgerSummaryInfo,
    /// The register was cut at its maximum length.
    pub truncated: bool,
}

fn count(label: &str, count: usize) -> CountInfo {
    CountInfo { label: label.to_owned(), count: u32::try_from(count).unwrap_or(u32::MAX) }
}

impl From<app::ledger::Ledger> for LedgerInfo {
    fn from(ledger: app::ledger::Ledger) -> Self {
        let summary = &ledger.summary;
        let type_label = app::ledger::type_label;
        Self {
            from: ledger.from.to_string(),
            to: ledger.to.to_string(),
            summary: LedgerSummaryInfo {
                total: count("", summary.total).count,
                accepted: count("", summary.accepted).count,
                late: count("", summary.late).count,
                late_percent: summary.late_percent(),
                by_state: summary.by_state.iter().map(|(state, n)| count(state.label(), *n)).collect(),
                by_type: summary.by_type.iter().map(|(kind, n)| count(type_label(*kind), *n)).collect(),
                by_deadline: summary
                    .by_deadline
                    .iter()
                    .map(|(deadline, n)| count(deadline.label(), *n))
                    .collect(),
                by_clerk: summary.by_clerk.iter().map(|(name, n)| count(name, *n)).collect(),
            },
            lines: ledger
                .lines
                .into_iter()
                .map(|line| LedgerLineInfo {
                    case: CaseLineInfo::from(line.case),
                    recognition_type: line.recognition_type.map(|kind| kind.label().to_owned()),
                    profile: line.profile,
                    submitted_at: local_minute(line.submitted_at),
                    decided_at: line.decided_at.map(local_minute),
                    deadline: line.deadline.key().to_owned(),
                })
                .collect(),
            truncated: ledger.truncated,
        }
    }
}

/// The register written as a workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LedgerExportInfo {
    /// The file written.
    pub path: String,
    /// Its size.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Applications in it.
    #[ts(type = "number")]
    pub lines: u64,
}

impl From<app::ledger::ExportedLedger> for LedgerExportInfo {
    fn from(exported: app::ledger::ExportedLedger) -> Self {
        Self {
            path: exported.path.display().to_string(),
            bytes: exported.bytes,
            lines: exported.lines as u64,
        }
    }
}
