//! Case use cases: the draft typed at the counter, submission (one-time notice or
//! acceptance with its deadline and duplicate guard), review, approval, rejection,
//! withdrawal, the permit number issued by the platform, the audited case view and its
//! history.
//!
//! How the pieces fit:
//! - The store keeps the record as JSON, the state, who signed each step and every
//!   state change; `store::Store::transition` writes the event, the outbox row and the
//!   audit row in one transaction.
//! - Before each step the stored case is rebuilt as a `domain::case::Case` (record,
//!   signers as `Actor`s keyed by the clerk's user id, history) and the domain's state
//!   machine decides: allowed state, non-blank opinion, time order, and **separation of
//!   duties** between the real logged-in clerks. Only then is the change written.
//! - The opinions (受理/审核/审批人意见) are the notes of the state-change events; the
//!   record shown by [`get_case`] has them written back into its 审核部门意见, with the
//!   clerk's display name and the date, exactly as the domain writes them.
//! - Submitting gives one of three answers: acceptance; the one-time notice of materials
//!   (state `NoticeIssued`, stored as `refused`: saving the completed record later moves it
//!   back to draft, an event of its own, and it can be submitted again); or 不予受理 when
//!   the applicant is not eligible (state `NotEligible`: closed for good, with every reason;
//!   a new application is a new case).
//!
//! Roles: drafts, submission and withdrawal need 受理 (accept); review needs 审核
//! (review); approval needs 审批 (approve); a rejection needs the role of the step it
//! replaces; recording the issued permit number needs 受理 or 审批.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use domain::assessment::{Assessment, Decision};
use domain::case::{Action, Actor, Case as DomainCase, HistoryEntry, TransitionError};
use domain::id_number;
use domain::profile::ProfileSummary;
use domain::record::{ApplicationRecord, Opinion};
use domain::review::PageMark;
use serde_json::json;
use store::{AuditAction, CaseEvent, CaseIndex, StateChange, User};
pub use store::{CaseId, CaseState, CaseSummary, SaveOutcome};

use crate::office::{Office, Roles, UserId};
use crate::scans::PageInfo;
use crate::{AppError, assess, clock, deadline};

/// A clerk named on a case: who accepted, reviewed, approved or changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkRef {
    /// Account id.
    pub user_id: UserId,
    /// Log-in name.
    pub username: String,
    /// Name printed on the form.
    pub display_name: String,
}

/// What [`save_draft`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftSaved {
    /// The case saved.
    pub case_id: CaseId,
    /// Created, updated, or unchanged (nothing written).
    pub outcome: SaveOutcome,
    /// The case had a one-time notice and was reopened as a draft by this save.
    pub reopened: bool,
    /// The case's version after the save: the next save from this desk starts from it.
    pub version: i64,
}

/// What the clerk decided about possible duplicates, for [`submit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateDecision {
    /// Look for duplicates first; stop and return them if there are any.
    Check,
    /// The clerk has seen the candidates and accepts anyway (audited).
    Proceed,
}

/// What the clerk submits with a case.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// The policy profile: county code, name or alias (e.g. `330424`, `海盐`).
    pub profile: &'a str,
    /// 受理人意见, written into the form when the case is accepted.
    pub opinion: &'a str,
    /// Whether possible duplicates were already shown to the clerk.
    pub duplicates: DuplicateDecision,
}

/// Other cases that may be the same application.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DuplicateCandidates {
    /// Open cases (draft or in progress) with the same ID number.
    pub same_id_number: Vec<CaseSummary>,
    /// Cases of any state with the same name and birth date (near matches).
    pub near_matches: Vec<CaseSummary>,
}

impl DuplicateCandidates {
    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.same_id_number.is_empty() && self.near_matches.is_empty()
    }
}

/// What [`submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Materials are missing: the one-time notice (一次性告知) lists every item; the case is
    /// recorded as `NoticeIssued` and can be completed and submitted again.
    Notice {
        /// The profile applied.
        profile: ProfileSummary,
        /// The decision and every notice item.
        assessment: Assessment,
    },
    /// 不予受理: the applicant does not meet the conditions; the case is closed as
    /// `NotEligible` with every reason (the 不予受理告知书 prints them).
    NotEligible {
        /// The profile applied.
        profile: ProfileSummary,
        /// The decision; its eligibility items are the reasons.
        assessment: Assessment,
    },
    /// Nothing was written except the audit row of the check: the clerk must look at
    /// the candidates and submit again with [`DuplicateDecision::Proceed`] to accept.
    PossibleDuplicates(DuplicateCandidates),
    /// 受理: the case is accepted and its deadline runs.
    Accepted {
        /// The profile applied.
        profile: ProfileSummary,
        /// Last day of the processing period (2 working days after acceptance).
        due_date: NaiveDate,
        /// The date is an estimate (a year without a holiday table): the sentence to show.
        due_estimate: Option<String>,
        /// How many duplicate candidates the clerk overrode.
        duplicates_overridden: usize,
    },
}

/// A step that moved a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDone {
    /// The case.
    pub case_id: CaseId,
    /// Its new state.
    pub state: CaseState,
}

/// One line of a case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    /// When.
    pub at: DateTime<Utc>,
    /// State before (`None` when the case was created).
    pub from: Option<CaseState>,
    /// State after.
    pub to: CaseState,
    /// The step, in Chinese (受理, 审核, ...).
    pub action_label: &'static str,
    /// Who.
    pub actor: ClerkRef,
    /// Opinion, reasons, notice summary or permit number given with the step.
    pub note: Option<String>,
}

/// A case as the case page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseView {
    /// Global id.
    pub id: CaseId,
    /// Current state.
    pub state: CaseState,
    /// The state in Chinese.
    pub state_label: &'static str,
    /// The record, with the opinions of the steps taken so far written in. ID numbers
    /// and the phone are masked when `masked` is true.
    pub record: ApplicationRecord,
    /// Personal data in `record` is masked because the clerk's roles do not need it.
    pub masked: bool,
    /// 受理人.
    pub accepted_by: Option<ClerkRef>,
    /// 审核人.
    pub reviewed_by: Option<ClerkRef>,
    /// 审批人.
    pub approved_by: Option<ClerkRef>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Deadline.
    pub due_date: Option<NaiveDate>,
    /// The deadline is an estimate (a year without a holiday table): the sentence to show.
    pub due_estimate: Option<String>,
    /// The policy profile (county code) the submission was assessed under.
    pub profile: Option<String>,
    /// The electronic permit's number, once issued.
    pub permit_number: Option<String>,
    /// The applicant needs the paper confirmation slip (no smartphone).
    pub paper_slip: bool,
    /// When the confirmation slip was last printed.
    pub slip_printed_at: Option<DateTime<Utc>>,
    /// Every state change, oldest first.
    pub history: Vec<HistoryLine>,
    /// Changes with every write; a stale screen can tell.
    pub version: i64,
}

/// A fresh case id for a form being opened at `now`.
pub fn new_case_id(now: DateTime<Utc>) -> Result<CaseId, AppError> {
    Ok(CaseId::new(now)?)
}

/// Saves the draft as the clerk types (durable at once, audited with the changed field
/// paths only). Creates the case the first time `case_id` is seen; reopens a case that
/// had a one-time notice. Needs 受理.
pub fn save_draft(
    office: &mut Office,
    case_id: &CaseId,
    record: &ApplicationRecord,
    now: DateTime<Utc>,
) -> Result<DraftSaved, AppError> {
    save_draft_with(office, case_id, record, None, now)
}

/// [`save_draft`], also setting whether the applicant needs the paper confirmation slip
/// (no smartphone for the electronic permit; `None` keeps what was set). The flag is not
/// part of Annex 1, so it lives with the case, not in the record.
pub fn save_draft_with(
    office: &mut Office,
    case_id: &CaseId,
    record: &ApplicationRecord,
    paper_slip: Option<bool>,
    now: DateTime<Utc>,
) -> Result<DraftSaved, AppError> {
    save_draft_from(office, case_id, record, paper_slip, None, now)
}

/// [`save_draft_with`] from the version of the case the desk last loaded or saved
/// (`base_version`, `None` for a new form): when another desk has saved the draft since,
/// nothing is saved and the answer names the fields its save left different
/// (`DraftChanged`, shown as CASE_CHANGED), rather than one desk's typing silently
/// replacing the other's. Every use case runs under the office's one lock, so the check and
/// the save are one step.
pub fn save_draft_from(
    office: &mut Office,
    case_id: &CaseId,
    record: &ApplicationRecord,
    paper_slip: Option<bool>,
    base_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<DraftSaved, AppError> {
    let (session, user) = office.clerk_with_any_role(Roles::ACCEPT)?;
    // The opinions (受理/审核/审批人意见) are the notes of the steps each clerk took, and the
    // application number is the one the store gave at the first acceptance: neither is
    // ever taken from a saved draft, so an accepting clerk cannot put a reviewer's opinion,
    // in another's name, or a number of their choosing into the record that goes to the
    // platform.
    let stored = match office.store.read_case(case_id) {
        Ok(existing) => Some(existing),
        Err(store::StoreError::NotFound { .. }) => None,
        Err(other) => return Err(other.into()),
    };
    if let (Some(base), Some(existing)) = (base_version, stored.as_ref())
        && existing.version != base
    {
        let theirs = ApplicationRecord::from_json(&existing.record.to_string())?;
        return Err(AppError::DraftChanged { fields: domain::changes::changed_fields(&theirs, record) });
    }
    let mut own = record.clone();
    own.opinions = domain::record::Opinions::default();
    own.application_number =
        stored.as_ref().and_then(|existing| existing.application_number.clone()).unwrap_or_default();
    let record = &own;
    let at = local(now);
    let mut reopened = false;
    let mut slip_required = paper_slip.unwrap_or(false);
    match stored.ok_or(store::StoreError::NotFound { what: "case", id: case_id.to_string() }) {
        Ok(existing) if !matches!(existing.state, CaseState::Draft | CaseState::NoticeIssued) => {
            // A closed or accepted case is not a draft any more: a not-eligible case in
            // particular is never reopened (a new application is a new case).
            return Err(AppError::Transition(TransitionError::NotAllowed {
                action: Action::ReviseRecord,
                from: existing.state,
            }));
        }
        Ok(existing) if existing.state == CaseState::NoticeIssued => {
            slip_required = paper_slip.unwrap_or(existing.slip_required);
            let users = office.users()?;
            let events = office.store.case_events(case_id)?;
            let current = domain_case(&existing, &events, &users)?;
            let next =
                current.revise_record(&actor(&user), at, record.clone(), "根据一次性告知补正申请表")?;
            let change = StateChange {
                from: CaseState::NoticeIssued,
                to: CaseState::Draft,
                note: last_note(&next),
                due_date: None,
                profile: None,
            };
            office.store.transition(&session, case_id, &change, now)?;
            reopened = true;
        }
        Ok(existing) => slip_required = paper_slip.unwrap_or(existing.slip_required),
        Err(store::StoreError::NotFound { .. }) => {}
        Err(other) => return Err(other.into()),
    }
    let value = serde_json::to_value(record).map_err(|error| AppError::Record(error.into()))?;
    let mut index = index_of(record, now);
    // Without a mobile number the result cannot reach the applicant by SMS: the paper
    // 确认单 is always printed for them, whatever the checkbox says.
    index.slip_required = slip_required || record.needs_paper_slip();
    let outcome = office.store.save_draft(&session, case_id, &value, &index, now)?;
    let version = office.store.case_version(case_id)?;
    Ok(DraftSaved { case_id: *case_id, outcome, reopened, version })
}

/// [`save_draft_with`] for the record's documented JSON form (as the UI or a file sends it).
pub fn save_draft_json(
    office: &mut Office,
    case_id: &CaseId,
    record_json: &str,
    paper_slip: Option<bool>,
    now: DateTime<Utc>,
) -> Result<DraftSaved, AppError> {
    save_draft_json_from(office, case_id, record_json, paper_slip, None, now)
}

/// [`save_draft_from`] for the record's documented JSON form.
pub fn save_draft_json_from(
    office: &mut Office,
    case_id: &CaseId,
    record_json: &str,
    paper_slip: Option<bool>,
    base_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<DraftSaved, AppError> {
    let record = ApplicationRecord::from_json(record_json)?;
    save_draft_from(office, case_id, &record, paper_slip, base_version, now)
}

/// Submits a draft: assesses it under the profile on the acceptance date, then either
/// gives the one-time notice, or (after the duplicate guard) accepts it with the due date
/// from the working-day calendar. Needs 受理.
pub fn submit(
    office: &mut Office,
    case_id: &CaseId,
    submission: &Submission<'_>,
    now: DateTime<Utc>,
) -> Result<SubmitOutcome, AppError> {
    let (session, user) = office.clerk_with_any_role(Roles::ACCEPT)?;
    let at = local(now);
    let today = at.date();
    let stored = office.store.read_case(case_id)?;
    let users = office.users()?;
    let events = office.store.case_events(case_id)?;
    let current = domain_case(&stored, &events, &users)?;
    let report = assess::assess_in_office(office, &current.record, submission.profile, today)?;
    let clerk = actor(&user);
    match report.assessment.decision {
        Decision::Accept => {}
        Decision::Notice => {
            let next = current.issue_notice(&clerk, at, &report.assessment)?;
            let change = StateChange {
                from: stored.state,
                to: CaseState::NoticeIssued,
                note: last_note(&next),
                due_date: None,
                profile: Some(report.profile.county.clone()),
            };
            office.store.transition(&session, case_id, &change, now)?;
            return Ok(SubmitOutcome::Notice { profile: report.profile, assessment: report.assessment });
        }
        Decision::NotEligible => {
            let next = current.declare_not_eligible(&clerk, at, &report.assessment)?;
            let change = StateChange {
                from: stored.state,
                to: CaseState::NotEligible,
                note: last_note(&next),
                due_date: None,
                profile: Some(report.profile.county.clone()),
            };
            office.store.transition(&session, case_id, &change, now)?;
            return Ok(SubmitOutcome::NotEligible { profile: report.profile, assessment: report.assessment });
        }
    }
    let candidates = duplicate_candidates(office, &stored, &current.record, today)?;
    let candidate_ids: Vec<String> = candidates
        .same_id_number
        .iter()
        .chain(&candidates.near_matches)
        .map(|summary| summary.id.to_string())
        .collect();
    let counts = json!({
        "same_id_number": candidates.same_id_number.len(),
        "near_matches": candidates.near_matches.len(),
        "candidates": candidate_ids,
    });
    let overridden = candidate_ids.len();
    if !candidates.is_empty() {
        match submission.duplicates {
            DuplicateDecision::Check => {
                office.store.audit_event(
                    &session,
                    AuditAction::DuplicateCheck,
                    Some(case_id),
                    counts,
                    now,
                )?;
                return Ok(SubmitOutcome::PossibleDuplicates(candidates));
            }
            DuplicateDecision::Proceed => {
                let mut details = counts;
                details["decision"] = json!("proceed");
                office.store.audit_event(
                    &session,
                    AuditAction::DuplicateDecision,
                    Some(case_id),
                    details,
                    now,
                )?;
            }
        }
    }
    // The program's holiday table with the update the office loaded (a signed file).
    let updates = crate::reference_update::holiday_updates(office)?;
    let deadline = deadline::due_date(
        today,
        deadline::STANDARD_WORKING_DAYS,
        &crate::reference_update::texts(&updates),
    )?;
    let due = deadline.due;
    let next = current.accept(&clerk, at, &report.assessment, due, submission.opinion)?;
    let change = StateChange {
        from: stored.state,
        to: CaseState::Accepted,
        note: last_note(&next),
        due_date: Some(due),
        profile: Some(report.profile.county.clone()),
    };
    office.store.transition(&session, case_id, &change, now)?;
    Ok(SubmitOutcome::Accepted {
        profile: report.profile,
        due_date: due,
        due_estimate: deadline.estimate_note(),
        duplicates_overridden: overridden,
    })
}

/// 审核: the reviewer, who did not accept the case, gives 审核人意见. Needs 审核.
pub fn review(
    office: &mut Office,
    case_id: &CaseId,
    opinion: &str,
    now: DateTime<Utc>,
) -> Result<StepDone, AppError> {
    step(office, case_id, |_| Roles::REVIEW, now, |case, clerk, at| case.review(clerk, at, opinion))
}

/// 审批: the approver, who neither accepted nor reviewed the case, gives 审批人意见.
/// Needs 审批.
pub fn approve(
    office: &mut Office,
    case_id: &CaseId,
    opinion: &str,
    now: DateTime<Utc>,
) -> Result<StepDone, AppError> {
    step(office, case_id, |_| Roles::APPROVE, now, |case, clerk, at| case.approve(clerk, at, opinion))
}

/// 不予通过 with every reason, at review (needs 审核) or approval (needs 审批).
pub fn reject(
    office: &mut Office,
    case_id: &CaseId,
    reasons: &[String],
    now: DateTime<Utc>,
) -> Result<StepDone, AppError> {
    step(office, case_id, after_acceptance_role, now, |case, clerk, at| case.reject(clerk, at, reasons))
}

/// Who may refuse or send back a case: 审核 while it waits for review, 审批 once reviewed.
fn after_acceptance_role(state: CaseState) -> Roles {
    match state {
        CaseState::Reviewed => Roles::APPROVE,
        _ => Roles::REVIEW,
    }
}

/// 退回补正: sends an accepted case back to the counter with `reasons` (审核 from 已受理,
/// 审批 from 已审核); it becomes a one-time notice of those reasons, to be revised with the
/// applicant and accepted again.
pub fn send_back(
    office: &mut Office,
    case_id: &CaseId,
    reasons: &[String],
    now: DateTime<Utc>,
) -> Result<StepDone, AppError> {
    step(office, case_id, after_acceptance_role, now, |case, clerk, at| case.send_back(clerk, at, reasons))
}

/// Marks a scanned page of a case waiting for review or approval 不清晰 or 与材料不符 with
/// a note (`None`: clears the mark). Whoever may send the case back may mark its pages
/// (审核 from 已受理, 审批 from 已审核, not a clerk who signed before); a marked page offers
/// its reason when the case is sent back, and the counter sees the mark.
pub fn mark_page(
    office: &mut Office,
    page_id: &str,
    mark: Option<(PageMark, &str)>,
    now: DateTime<Utc>,
) -> Result<PageInfo, AppError> {
    let page = office.store.page(page_id)?;
    let signing = Signing::read(office, &page.case_id, after_acceptance_role)?;
    signing.current.may_mark_pages(&signing.actor, local(now))?;
    let meta = office.store.mark_page(&signing.session, page_id, mark, now)?;
    Ok(PageInfo::new(meta, &signing.users))
}

/// Withdraws an open case at the applicant's request, with the reason. Needs 受理.
pub fn withdraw(
    office: &mut Office,
    case_id: &CaseId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<StepDone, AppError> {
    step(office, case_id, |_| Roles::ACCEPT, now, |case, clerk, at| case.withdraw(clerk, at, reason))
}

/// 签发: records the electronic permit number the platform issued for an approved case.
/// Needs 受理 or 审批.
pub fn record_issued(
    office: &mut Office,
    case_id: &CaseId,
    permit_number: &str,
    now: DateTime<Utc>,
) -> Result<StepDone, AppError> {
    step(
        office,
        case_id,
        |_| Roles::ACCEPT | Roles::APPROVE,
        now,
        |case, clerk, at| case.issue(clerk, at, permit_number),
    )
}

/// Opens a case for a person to read (audited as a view). Clerks who hold none of the
/// case roles (an administrator only) see ID numbers and the phone masked.
pub fn get_case(office: &mut Office, case_id: &CaseId, now: DateTime<Utc>) -> Result<CaseView, AppError> {
    let session = office.session()?.clone();
    let case_roles = Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE;
    let masked = office.clerk_with_any_role(case_roles).is_err();
    if masked {
        office.clerk_with_any_role(case_roles | Roles::ADMIN)?;
    }
    let stored = office.store.get_case(&session, case_id, now)?;
    let events = office.store.case_events(case_id)?;
    let users = office.users()?;
    let domain = domain_case(&stored, &events, &users)?;
    let mut record = domain.record;
    if record.application_number.trim().is_empty()
        && let Some(number) = &stored.application_number
    {
        // Given by the store at acceptance; the record saved as a draft had none.
        record.application_number = number.clone();
    }
    if masked {
        mask_record(&mut record);
    }
    Ok(CaseView {
        id: stored.id,
        state: stored.state,
        state_label: domain.state.label(),
        record,
        masked,
        accepted_by: stored.accepted_by.map(|id| clerk_ref(id, &users)),
        reviewed_by: stored.reviewed_by.map(|id| clerk_ref(id, &users)),
        approved_by: stored.approved_by.map(|id| clerk_ref(id, &users)),
        accepted_at: stored.accepted_at,
        due_date: stored.due_date,
        due_estimate: match (stored.accepted_at, stored.due_date) {
            (Some(accepted_at), Some(due)) => deadline::estimate_note(&deadline::estimated_years_between(
                local(accepted_at).date(),
                due,
                &crate::reference_update::texts(&crate::reference_update::holiday_updates(office)?),
            )?),
            _ => None,
        },
        profile: stored.profile.clone(),
        permit_number: domain.permit_number,
        paper_slip: stored.slip_required,
        slip_printed_at: stored.slip_printed_at,
        history: history_lines(&events, &users),
        version: stored.version,
    })
}

/// The case's history, oldest first: every state change with its clerk and note.
/// Needs any role.
pub fn case_history(office: &Office, case_id: &CaseId) -> Result<Vec<HistoryLine>, AppError> {
    office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE | Roles::ADMIN)?;
    let events = office.store.case_events(case_id)?;
    Ok(history_lines(&events, &office.users()?))
}

/// Runs one step of the domain's state machine on the stored case and writes it.
/// A clerk about to act on a case, and the case as the domain sees it, read once.
struct Signing {
    session: store::Session,
    actor: Actor,
    /// The state stored now (what the store's transition expects to find).
    state: CaseState,
    current: DomainCase,
    users: Vec<User>,
}

impl Signing {
    /// Reads the case, then checks that the logged-in clerk holds one of the roles its
    /// state asks for (`needed`).
    fn read(
        office: &Office,
        case_id: &CaseId,
        needed: impl FnOnce(CaseState) -> Roles,
    ) -> Result<Signing, AppError> {
        let stored = office.store.read_case(case_id)?;
        let (session, user) = office.clerk_with_any_role(needed(stored.state))?;
        let events = office.store.case_events(case_id)?;
        let users = office.users()?;
        let current = domain_case(&stored, &events, &users)?;
        Ok(Signing { session, actor: actor(&user), state: stored.state, current, users })
    }
}

fn step(
    office: &mut Office,
    case_id: &CaseId,
    needed: impl FnOnce(CaseState) -> Roles,
    now: DateTime<Utc>,
    decide: impl FnOnce(&DomainCase, &Actor, NaiveDateTime) -> Result<DomainCase, TransitionError>,
) -> Result<StepDone, AppError> {
    let signing = Signing::read(office, case_id, needed)?;
    let next = decide(&signing.current, &signing.actor, local(now))?;
    let to = next.state;
    let change =
        StateChange { from: signing.state, to, note: last_note(&next), due_date: None, profile: None };
    office.store.transition(&signing.session, case_id, &change, now)?;
    Ok(StepDone { case_id: *case_id, state: to })
}

/// The store's state change for one domain step from `current` to `next` (`None` when the
/// step leaves the state unchanged).
pub(crate) fn change_between(current: &DomainCase, next: &DomainCase) -> Option<StateChange> {
    let (from, to) = (current.state, next.state);
    (from != to).then(|| StateChange { from, to, note: last_note(next), due_date: None, profile: None })
}

/// The instant as a civil date-time at the counter (China Standard Time).
pub(crate) fn local(now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&clock::china_standard_time()).naive_local()
}

fn actor(user: &User) -> Actor {
    Actor { user_id: user.id.0.to_string(), name: user.display_name.clone() }
}

fn last_note(case: &DomainCase) -> Option<String> {
    case.history.last().map(|entry| entry.note.clone()).filter(|note| !note.is_empty())
}

pub(crate) fn clerk_ref(id: UserId, users: &[User]) -> ClerkRef {
    match users.iter().find(|user| user.id == id) {
        Some(user) => {
            ClerkRef { user_id: id, username: user.username.clone(), display_name: user.display_name.clone() }
        }
        None => ClerkRef { user_id: id, username: format!("#{id}"), display_name: format!("#{id}") },
    }
}

fn action_of(from: Option<CaseState>, to: CaseState) -> Action {
    match (from, to) {
        (None, _) => Action::Open,
        (Some(_), CaseState::Draft) => Action::ReviseRecord,
        (Some(CaseState::Accepted | CaseState::Reviewed), CaseState::NoticeIssued) => Action::SendBack,
        (Some(_), CaseState::NoticeIssued) => Action::IssueNotice,
        (Some(_), CaseState::NotEligible) => Action::DeclareNotEligible,
        (Some(_), CaseState::Accepted) => Action::Accept,
        (Some(_), CaseState::Reviewed) => Action::Review,
        (Some(_), CaseState::Approved) => Action::Approve,
        (Some(_), CaseState::Rejected) => Action::Reject,
        (Some(_), CaseState::Issued) => Action::Issue,
        (Some(_), CaseState::Withdrawn) => Action::Withdraw,
        (Some(_), CaseState::OldPermitCancelled) => Action::RecordOldPermitCancelled,
    }
}

fn history_lines(events: &[CaseEvent], users: &[User]) -> Vec<HistoryLine> {
    events
        .iter()
        .map(|event| HistoryLine {
            at: event.at,
            from: event.from_state,
            to: event.to_state,
            action_label: action_of(event.from_state, event.to_state).label(),
            actor: clerk_ref(event.actor, users),
            note: event.note.clone(),
        })
        .collect()
}

/// Rebuilds the domain's view of a stored case: the record with the opinions of the
/// steps taken, the signers, the deadline, the permit number and the history.
pub(crate) fn domain_case(
    stored: &store::Case,
    events: &[CaseEvent],
    users: &[User],
) -> Result<DomainCase, AppError> {
    let mut record = ApplicationRecord::from_json(&stored.record.to_string())?;
    let signer = |id: Option<UserId>| {
        id.map(|id| {
            let clerk = clerk_ref(id, users);
            Actor { user_id: id.0.to_string(), name: clerk.display_name }
        })
    };
    let mut history = Vec::with_capacity(events.len());
    let mut permit_number = None;
    for event in events {
        let clerk = clerk_ref(event.actor, users);
        let at = local(event.at);
        let note = event.note.clone().unwrap_or_default();
        let opinion =
            Opinion { text: note.clone(), person: clerk.display_name.clone(), date: Some(at.date()) };
        match (event.from_state, event.to_state) {
            (Some(_), CaseState::Accepted) => record.opinions.acceptance = opinion,
            (Some(_), CaseState::Reviewed) | (Some(CaseState::Accepted), CaseState::Rejected) => {
                record.opinions.review = opinion;
            }
            (Some(_), CaseState::Approved) | (Some(CaseState::Reviewed), CaseState::Rejected) => {
                record.opinions.approval = opinion;
            }
            (Some(_), CaseState::Issued) => permit_number = Some(note.clone()),
            // Sent back to the counter: the steps after acceptance start over.
            (Some(CaseState::Accepted | CaseState::Reviewed), CaseState::NoticeIssued) => {
                record.opinions.review = Opinion::default();
                record.opinions.approval = Opinion::default();
            }
            _ => {}
        }
        history.push(HistoryEntry {
            actor: Actor { user_id: event.actor.0.to_string(), name: clerk.display_name },
            at,
            action: action_of(event.from_state, event.to_state),
            from: event.from_state.unwrap_or(CaseState::Draft),
            to: event.to_state,
            note,
        });
    }
    Ok(DomainCase {
        record,
        state: stored.state,
        accepted_by: signer(stored.accepted_by),
        reviewed_by: signer(stored.reviewed_by),
        approved_by: signer(stored.approved_by),
        accepted_at: stored.accepted_at.map(local),
        due: stored.due_date,
        notice: Vec::new(),
        rejection_reasons: Vec::new(),
        permit_number,
        history,
    })
}

/// The index columns the store keeps for lists, search and the duplicate guard.
pub(crate) fn index_of(record: &ApplicationRecord, now: DateTime<Utc>) -> CaseIndex {
    let non_blank = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    let birth_date = id_number::check(&record.applicant.id_number, local(now).date())
        .ok()
        .map(|decoded| decoded.birth_date);
    CaseIndex {
        application_number: non_blank(&record.application_number),
        id_number: non_blank(&record.applicant.id_number),
        name: non_blank(&record.applicant.name),
        phone: non_blank(&record.phone_number),
        birth_date,
        slip_required: false,
    }
}

fn duplicate_candidates(
    office: &Office,
    stored: &store::Case,
    record: &ApplicationRecord,
    today: NaiveDate,
) -> Result<DuplicateCandidates, AppError> {
    let mut candidates = DuplicateCandidates::default();
    if let Some(blind) = office.store.blind_index(&record.applicant.id_number) {
        candidates.same_id_number = office
            .store
            .find_open_cases_by_id(&blind)?
            .into_iter()
            .filter(|summary| summary.id != stored.id)
            .collect();
    }
    let name = record.applicant.name.trim();
    let birth_date =
        id_number::check(&record.applicant.id_number, today).ok().map(|decoded| decoded.birth_date);
    if let (false, Some(birth_date)) = (name.is_empty(), birth_date) {
        candidates.near_matches = office
            .store
            .near_matches(name, birth_date)?
            .into_iter()
            .filter(|summary| {
                summary.id != stored.id && !candidates.same_id_number.iter().any(|same| same.id == summary.id)
            })
            .collect();
    }
    Ok(candidates)
}

/// Masks an ID number or phone: first 3 and last 4 characters kept for a phone, first 6
/// and last 4 for an ID number (as the store's lists do).
pub(crate) fn mask(text: &str, keep_start: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= keep_start + 4 {
        return "*".repeat(chars.len());
    }
    let mut masked: String = chars[..keep_start].iter().collect();
    masked.push_str(&"*".repeat(chars.len() - keep_start - 4));
    masked.extend(&chars[chars.len() - 4..]);
    masked
}

fn mask_record(record: &mut ApplicationRecord) {
    record.applicant.id_number = mask(&record.applicant.id_number, 6);
    record.phone_number = mask(&record.phone_number, 3);
    if let Some(guardian) = record.guardian.as_mut() {
        guardian.id_number = mask(&guardian.id_number, 6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        for (text, keep, masked) in [
            ("33010219900307123X", 6, "330102********123X"),
            ("13812345678", 3, "138****5678"),
            ("12345", 3, "*****"),
            ("", 6, ""),
        ] {
            assert_eq!(mask(text, keep), masked, "{text}");
        }
    }
}
