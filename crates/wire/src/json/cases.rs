//! Transport types of the office: clerks, sessions, cases, worklists.
//!
//! Instants cross as the counter's local time (`YYYY-MM-DD HH:MM`, China Standard Time);
//! dates as `YYYY-MM-DD`. States and roles cross as stable keys the UI translates.

use app::cases::{CaseSummary, ClerkRef, HistoryLine, SubmitOutcome};
use app::office::{Roles, Session};
use app::worklists::CaseLine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::AssessmentInfo;

/// `accept`, `review`, `approve`, `admin` for each role held (the store's one table).
fn role_keys(roles: Roles) -> Vec<String> {
    roles.keys().into_iter().map(str::to_owned).collect()
}

/// An instant as the counter's local time, to the minute.
pub fn local_minute(at: DateTime<Utc>) -> String {
    at.with_timezone(&app::clock::china_standard_time()).format("%Y-%m-%d %H:%M").to_string()
}

/// Whether the office exists and who is logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OfficeStatus {
    /// An office store exists on this machine (log in) or not (first-run set-up).
    pub exists: bool,
    /// The office id, once unlocked.
    pub office_id: Option<String>,
    /// The clerk logged in, if any.
    pub session: Option<SessionInfo>,
    /// Minutes of inactivity before the screen locks.
    pub idle_lock_minutes: u32,
}

/// The clerk at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SessionInfo {
    /// Log-in name.
    pub username: String,
    /// Name shown on screen and printed on the form.
    pub display_name: String,
    /// Role keys: `accept`, `review`, `approve`, `admin`.
    #[ts(type = "Array<RoleKey>")]
    pub roles: Vec<String>,
    /// The password was set by an administrator (a new account or a reset) and the clerk
    /// has not chosen their own yet: the window asks them to.
    pub password_from_admin: bool,
}

impl From<&Session> for SessionInfo {
    fn from(session: &Session) -> Self {
        Self {
            username: session.username().to_owned(),
            display_name: session.display_name().to_owned(),
            roles: role_keys(session.roles()),
            password_from_admin: session.password_from_admin(),
        }
    }
}

/// A clerk account, for the administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClerkInfo {
    /// Log-in name.
    pub username: String,
    /// Name shown on screen.
    pub display_name: String,
    /// Role keys.
    #[ts(type = "Array<RoleKey>")]
    pub roles: Vec<String>,
    /// False once revoked.
    pub active: bool,
    /// When created, local time.
    pub created_at: String,
    /// The fingerprint of the clerk's current signing key (four groups of four hex
    /// digits), for the administrator to compare with the platform's list.
    pub signing_key: Option<String>,
    /// How far the office's certificates vouch for it.
    #[ts(type = "\"root\" | \"certified\" | \"waiting\" | null")]
    pub signing_key_standing: Option<String>,
}

impl From<app::users::Clerk> for ClerkInfo {
    fn from(clerk: app::users::Clerk) -> Self {
        Self {
            username: clerk.username,
            display_name: clerk.display_name,
            roles: role_keys(clerk.roles),
            active: clerk.active,
            created_at: local_minute(clerk.created_at),
            signing_key: clerk.signing_key.as_ref().map(|key| key.fingerprint.clone()),
            signing_key_standing: clerk.signing_key.map(|key| key.standing.as_str().to_owned()),
        }
    }
}

/// What saving the draft did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DraftSavedInfo {
    /// The case.
    pub case_id: String,
    /// `created`, `updated` or `unchanged`.
    pub outcome: String,
    /// The case had a one-time notice and is a draft again.
    pub reopened: bool,
    /// When, local time `HH:MM:SS`.
    pub saved_at: String,
    /// The case's version after the save: the next save from this form starts from it.
    #[ts(type = "number")]
    pub version: i64,
}

impl DraftSavedInfo {
    /// Converts the app's answer, stamped with the time of the save.
    pub fn new(saved: app::cases::DraftSaved, at: DateTime<Utc>) -> Self {
        Self {
            case_id: saved.case_id.to_string(),
            outcome: match saved.outcome {
                app::cases::SaveOutcome::Created => "created",
                app::cases::SaveOutcome::Updated => "updated",
                app::cases::SaveOutcome::Unchanged => "unchanged",
            }
            .to_owned(),
            reopened: saved.reopened,
            saved_at: at.with_timezone(&app::clock::china_standard_time()).format("%H:%M:%S").to_string(),
            version: saved.version,
        }
    }
}

/// What submitting a case did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SubmitResult {
    /// `notice` (one-time notice of materials given), `not_eligible` (不予受理, the case is
    /// closed), `duplicates` (look first) or `accepted`.
    pub outcome: String,
    /// The assessment, for `notice` and `not_eligible`.
    pub assessment: Option<AssessmentInfo>,
    /// Open cases with the same ID number, for `duplicates`.
    pub same_id_number: Vec<CaseLineInfo>,
    /// Cases with the same name and birth date, for `duplicates`.
    pub near_matches: Vec<CaseLineInfo>,
    /// The deadline, for `accepted`.
    pub due_date: Option<String>,
    /// When the deadline is an estimate, the sentence that says so.
    pub due_estimate: Option<String>,
}

impl SubmitResult {
    fn empty(outcome: &str) -> Self {
        Self {
            outcome: outcome.to_owned(),
            assessment: None,
            same_id_number: Vec::new(),
            near_matches: Vec::new(),
            due_date: None,
            due_estimate: None,
        }
    }

    /// Converts the app's outcome; `lines` turns the duplicate guard's candidates into
    /// list lines (it needs the office for clerk names).
    pub fn from_outcome<E>(
        outcome: SubmitOutcome,
        mut lines: impl FnMut(Vec<CaseSummary>) -> Result<Vec<CaseLine>, E>,
    ) -> Result<Self, E> {
        let infos = |lines: Vec<CaseLine>| lines.into_iter().map(CaseLineInfo::from).collect();
        Ok(match outcome {
            SubmitOutcome::Notice { profile, assessment } => Self {
                assessment: Some(AssessmentInfo::from_report(
                    app::assess::AssessmentReport { profile, assessment },
                    None,
                )),
                ..Self::empty("notice")
            },
            SubmitOutcome::NotEligible { profile, assessment } => Self {
                assessment: Some(AssessmentInfo::from_report(
                    app::assess::AssessmentReport { profile, assessment },
                    None,
                )),
                ..Self::empty("not_eligible")
            },
            SubmitOutcome::PossibleDuplicates(candidates) => Self {
                same_id_number: infos(lines(candidates.same_id_number)?),
                near_matches: infos(lines(candidates.near_matches)?),
                ..Self::empty("duplicates")
            },
            SubmitOutcome::Accepted { due_date, due_estimate, .. } => {
                Self { due_date: Some(due_date.to_string()), due_estimate, ..Self::empty("accepted") }
            }
        })
    }
}

/// One line of a worklist or of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CaseLineInfo {
    /// Case id.
    pub id: String,
    /// State key (`app::domain::case::CaseState::as_str`; its label is `CASE_STATE_LABELS`).
    #[ts(type = "CaseStateKey")]
    pub state: String,
    /// 申请编号.
    pub application_number: Option<String>,
    /// 姓名.
    pub name: Option<String>,
    /// ID number, first 6 and last 4 characters.
    pub id_number_masked: Option<String>,
    /// Deadline.
    pub due_date: Option<String>,
    /// Past its deadline and still in progress.
    pub overdue: bool,
    /// 受理人's display name.
    pub accepted_by: Option<String>,
    /// Last change, local time.
    pub updated_at: String,
    /// Every change confirmed by the province.
    pub synced: bool,
}

impl From<CaseLine> for CaseLineInfo {
    fn from(line: CaseLine) -> Self {
        Self {
            id: line.id.to_string(),
            state: line.state.as_str().to_owned(),
            application_number: line.application_number,
            name: line.name,
            id_number_masked: line.id_number_masked,
            due_date: line.due_date.map(|date| date.to_string()),
            overdue: line.overdue,
            accepted_by: line.accepted_by.map(|clerk| clerk.display_name),
            updated_at: local_minute(line.updated_at),
            synced: line.synced,
        }
    }
}

/// A worklist and how many cases it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WorklistCount {
    /// The worklist's key ([`app::worklists::Worklist::key`]).
    #[ts(type = "WorklistKey")]
    pub key: String,
    /// Number of cases, counted up to a cap.
    pub count: u32,
    /// The count reached the cap: there are at least `count` cases (shown as `1000+`).
    pub at_least: bool,
}

/// One line of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HistoryInfo {
    /// When, local time.
    pub at: String,
    /// State before, if any.
    #[ts(type = "CaseStateKey | null")]
    pub from: Option<String>,
    /// State after.
    #[ts(type = "CaseStateKey")]
    pub to: String,
    /// The step in Chinese (受理, 审核, ...).
    pub action: String,
    /// Who (display name).
    pub actor: String,
    /// Opinion, reasons or notice given with the step.
    pub note: Option<String>,
}

impl From<HistoryLine> for HistoryInfo {
    fn from(line: HistoryLine) -> Self {
        Self {
            at: local_minute(line.at),
            from: line.from.map(|state| state.as_str().to_owned()),
            to: line.to.as_str().to_owned(),
            action: line.action_label.to_owned(),
            actor: line.actor.display_name,
            note: line.note,
        }
    }
}

/// A case as the case page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CaseInfo {
    /// Case id.
    pub id: String,
    /// State key.
    #[ts(type = "CaseStateKey")]
    pub state: String,
    /// The state in Chinese.
    pub state_label: String,
    /// The Annex 1 record in its documented JSON form (opinions written in; masked when
    /// `masked`).
    #[ts(type = "unknown")]
    pub record: serde_json::Value,
    /// ID numbers and phone are masked for this clerk.
    pub masked: bool,
    /// 受理人.
    pub accepted_by: Option<String>,
    /// 审核人.
    pub reviewed_by: Option<String>,
    /// 审批人.
    pub approved_by: Option<String>,
    /// When accepted, local time.
    pub accepted_at: Option<String>,
    /// Deadline.
    pub due_date: Option<String>,
    /// When the deadline is an estimate (a year without a holiday table), the sentence.
    pub due_estimate: Option<String>,
    /// The policy profile (county code) the submission was assessed under.
    pub profile: Option<String>,
    /// Electronic permit number, once issued.
    pub permit_number: Option<String>,
    /// The applicant needs the paper confirmation slip.
    pub paper_slip: bool,
    /// When the slip was last printed, local time.
    pub slip_printed_at: Option<String>,
    /// The documents the case has now (`form`, `notice`, `refusal`, `receipt`, `slip`).
    #[ts(type = "Array<DocumentKey>")]
    pub documents: Vec<String>,
    /// The county profile prints the slip in large type by default.
    pub large_print_default: bool,
    /// Every state change, oldest first.
    pub history: Vec<HistoryInfo>,
    /// Changes with every write.
    #[ts(type = "number")]
    pub version: i64,
    /// Division code → full name, for every place the record names.
    pub division_names: std::collections::BTreeMap<String, String>,
    /// Ethnic-group code → name.
    pub ethnic_names: std::collections::BTreeMap<String, String>,
    /// How the county's rules apply to the application as submitted, on the day it was
    /// (`null` for a draft and for a masked case).
    pub assessment: Option<AssessmentInfo>,
    /// The same, rule by rule with what was checked (empty without an assessment).
    pub explanation: Vec<ExplainedRuleInfo>,
    /// What changed since it was accepted before (a case sent back and accepted again).
    pub revision: Option<RevisionInfo>,
}

/// How a case accepted again differs from its previous acceptance ([`app::review::Revision`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RevisionInfo {
    /// When it was accepted before, local time.
    pub previously_accepted_at: String,
    /// The fields that differ, as dotted paths of the record (`applicant.name`).
    pub fields: Vec<String>,
    /// Ids of the pages added since.
    pub new_pages: Vec<String>,
}

impl CaseInfo {
    /// Converts the app's case page; fails only if the record cannot be serialised.
    pub fn new(page: app::review::CasePage) -> Result<Self, serde_json::Error> {
        let app::review::CasePage {
            view,
            documents,
            large_print_default,
            names,
            assessment,
            explanation,
            revision,
        } = page;
        let name = |clerk: Option<ClerkRef>| clerk.map(|clerk| clerk.display_name);
        Ok(Self {
            id: view.id.to_string(),
            state: view.state.as_str().to_owned(),
            state_label: view.state_label.to_owned(),
            record: serde_json::to_value(&view.record)?,
            masked: view.masked,
            accepted_by: name(view.accepted_by),
            reviewed_by: name(view.reviewed_by),
            approved_by: name(view.approved_by),
            accepted_at: view.accepted_at.map(local_minute),
            due_date: view.due_date.map(|date| date.to_string()),
            due_estimate: view.due_estimate,
            profile: view.profile,
            permit_number: view.permit_number,
            paper_slip: view.paper_slip,
            slip_printed_at: view.slip_printed_at.map(local_minute),
            documents: documents.iter().map(|document| document.name().to_owned()).collect(),
            large_print_default,
            history: view.history.into_iter().map(HistoryInfo::from).collect(),
            version: view.version,
            division_names: names.divisions,
            ethnic_names: names.ethnic_groups,
            assessment: assessment.map(AssessmentInfo::from_draft),
            explanation: explanation.into_iter().map(ExplainedRuleInfo::from).collect(),
            revision: revision.map(|revision| RevisionInfo {
                previously_accepted_at: local_minute(revision.previously_accepted_at),
                fields: revision.fields,
                new_pages: revision.new_pages,
            }),
        })
    }
}

/// One rule of the assessment with what was checked (`domain::assessment::explain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExplainedRuleInfo {
    /// Stable key, e.g. `registration_time`.
    pub key: String,
    /// The rule's name in Chinese.
    pub title: String,
    /// `met`, `not_met` or `not_applicable`.
    #[ts(type = "OutcomeKey")]
    pub outcome: String,
    /// What was checked, in Chinese.
    pub sentence: String,
}

/// The wire name of an outcome (its serde name).
pub fn outcome_key(outcome: app::domain::assessment::Outcome) -> &'static str {
    use app::domain::assessment::Outcome;
    match outcome {
        Outcome::Met => "met",
        Outcome::NotMet => "not_met",
        Outcome::NotApplicable => "not_applicable",
    }
}

impl From<app::domain::assessment::ExplainedRule> for ExplainedRuleInfo {
    fn from(rule: app::domain::assessment::ExplainedRule) -> Self {
        Self {
            key: rule.key,
            title: rule.title,
            outcome: outcome_key(rule.outcome).to_owned(),
            sentence: rule.sentence,
        }
    }
}

/// One row of a case's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditLineInfo {
    /// Position in the chain.
    #[ts(type = "number")]
    pub seq: i64,
    /// When, local time.
    pub at: String,
    /// The clerk's user name, or a system actor.
    pub actor: String,
    /// Stored action name, e.g. `printed`.
    pub action: String,
    /// The action in Chinese.
    pub label: String,
    /// A Chinese summary of what was done, where there is one.
    pub summary: String,
}

impl From<app::audit::AuditLine> for AuditLineInfo {
    fn from(line: app::audit::AuditLine) -> Self {
        Self {
            summary: app::audit::summary(&line),
            seq: line.seq,
            at: local_minute(line.at),
            label: line.action_label.to_owned(),
            actor: line.actor,
            action: line.action,
        }
    }
}

/// The header's sync status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncStatusInfo {
    /// Records waiting for the platform.
    #[ts(type = "number")]
    pub queued: u64,
    /// Records the platform refused, waiting for a person.
    #[ts(type = "number")]
    pub quarantined: u64,
    /// The platform could not be reached on the last try.
    pub offline: bool,
    /// A sync is running now.
    pub running: bool,
    /// Progress of the running drain.
    #[ts(type = "number")]
    pub done: u64,
    /// Records in the running drain.
    #[ts(type = "number")]
    pub total: u64,
    /// Last sync without trouble, local time.
    pub last_success_at: Option<String>,
    /// The last problem, in Chinese.
    pub problem: Option<String>,
    /// A record has waited longer than three days.
    pub queue_too_old: bool,
    /// This machine's clock differs from the platform's by more than two minutes, or is
    /// behind the latest time the office recorded (Chinese).
    pub clock_warning: Option<String>,
    /// The warning is that the clock is behind: an administrator may confirm it once set right.
    pub clock_behind: bool,
    /// The data directory's disk is nearly full (Chinese).
    pub disk_warning: Option<String>,
    /// This year's holiday table is missing, or next year's from 1 December (Chinese).
    pub holiday_warning: Option<String>,
    /// The audit chain's check at log-in found rows changed or removed (Chinese).
    pub audit_warning: Option<String>,
}

impl From<app::sync::Header> for SyncStatusInfo {
    fn from(header: app::sync::Header) -> Self {
        Self {
            queued: header.queued,
            quarantined: header.quarantined,
            offline: header.offline,
            running: header.running,
            done: header.done,
            total: header.total,
            last_success_at: header.last_success_at.map(local_minute),
            problem: header.problem,
            queue_too_old: header.queue_too_old,
            clock_warning: header.clock_warning,
            clock_behind: header.clock_behind,
            disk_warning: header.disk_warning,
            holiday_warning: header.holiday_warning,
            audit_warning: header.audit_warning,
        }
    }
}

/// A record the platform refused, for the supervisor view (被退回的记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QuarantinedRecord {
    /// The record's id: pass it to `resend_record`.
    pub id: String,
    /// The case it belongs to.
    pub case_id: Option<String>,
    /// What it reports, in Chinese (e.g. `状态变更：已审核 → 已审批`).
    pub summary: String,
    /// The platform's stable code (`RECORD_INVALID`, `CONFLICT`…).
    pub code: Option<String>,
    /// Why it was refused, in Chinese.
    pub reason: String,
    /// Who must do what next, in Chinese.
    pub next_step: String,
    /// The applicant's name.
    pub applicant: Option<String>,
    /// The case's 申请编号.
    pub application_number: Option<String>,
    /// The platform refused the application's content: it can be corrected and sent again.
    pub correctable: bool,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was set aside, local time.
    pub set_aside_at: String,
}

impl From<app::sync::OutboxEntry> for QuarantinedRecord {
    fn from(entry: app::sync::OutboxEntry) -> QuarantinedRecord {
        QuarantinedRecord {
            id: entry.id.to_string(),
            case_id: entry.case_id.map(|id| id.to_string()),
            summary: entry.summary,
            code: entry.code,
            reason: entry.reason_zh.unwrap_or_default(),
            next_step: entry.next_step_zh.unwrap_or_default(),
            applicant: entry.applicant,
            application_number: entry.application_number,
            correctable: entry.correctable,
            attempts: entry.attempts,
            set_aside_at: local_minute(entry.updated_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::outcome_key;
    use app::domain::assessment::Outcome;

    #[test]
    fn outcome_keys_are_the_domains_serde_names() {
        for outcome in [Outcome::Met, Outcome::NotMet, Outcome::NotApplicable] {
            assert_eq!(serde_json::to_value(outcome).ok(), Some(serde_json::json!(outcome_key(outcome))));
        }
    }
}
