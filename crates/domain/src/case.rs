//! The case state machine: from the draft at the counter to the issued permit, with who
//! did what and when (事中事后核查 needs the trail).
//!
//! ```text
//! Draft ──issue_notice──▶ NoticeIssued ──revise_record──▶ Draft
//!   │  └──declare_not_eligible──┴──▶ NotEligible (terminal: no papers change it)
//!   │                         │
//!   └──────────accept─────────┴──▶ Accepted ──review──▶ Reviewed ──approve──▶ Approved ──issue──▶ Issued
//!                                     │                    │                                       │
//!                                     └──reject──▶ Rejected ◀──reject──┘        record_old_permit_cancelled
//!                                                                                 (ExistingPermit only) ▼
//! any open step (Draft … Approved) ──withdraw──▶ Withdrawn                            OldPermitCancelled
//!
//! Accepted / Reviewed ──send_back (退回补正, by the reviewer / the approver)──▶ NoticeIssued
//!   (a notice of the reasons; the counter revises and accepts again, the later steps start over)
//! ```
//!
//! Contract:
//! - Every transition is a function of `&Case` returning a new [`Case`] or a
//!   [`TransitionError`]; the case given is never changed, so a refused step loses nothing.
//! - Every step takes the [`Actor`] and the time as arguments (the domain reads no clock)
//!   and appends one [`HistoryEntry`]. Time never goes backwards within a case.
//! - The accepting clerk (受理人), the reviewer (审核人) and the approver (审批人) are three
//!   different people, compared by `user_id`; a rejection counts as the step it replaces.
//! - Each opinion is also written into the record's 审核部门意见 with the actor's name and
//!   the date, so the printed form and the trail agree.
//! - The due date is computed by the caller (the working-day calendar lives elsewhere) and
//!   stored on acceptance.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::assessment::{Assessment, Decision, NoticeItem};
use crate::id_number;
use crate::record::{ApplicationRecord, Opinion, RecognitionType};

/// The notice code of a reason a reviewer or approver gave for sending a case back.
pub const SENT_BACK_CODE: &str = "SENT_BACK_BY_REVIEW";

const SENT_BACK_PREFIX: &str = "退回补正：";

/// The history note of a send-back: the reasons, in one line.
fn sent_back_note(reasons: &[String]) -> String {
    format!("{SENT_BACK_PREFIX}{}", reasons.join("；"))
}

const REJECTED_PREFIX: &str = "不予通过：";

/// The reasons written in a refusal's history note (不予通过 at review or approval; empty
/// for any other note), each as the reviewer wrote it.
pub fn rejected_reasons(note: &str) -> Vec<String> {
    note.strip_prefix(REJECTED_PREFIX)
        .map(|reasons| {
            reasons
                .split('；')
                .map(str::trim)
                .filter(|reason| !reason.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The reasons written in a send-back's history note (empty for any other note), each
/// as a sentence for the applicant.
pub fn sent_back_reasons(note: &str) -> Vec<String> {
    note.strip_prefix(SENT_BACK_PREFIX)
        .map(|reasons| {
            reasons
                .split('；')
                .filter(|reason| !reason.trim().is_empty())
                .map(|reason| format!("{}。", reason.trim()))
                .collect()
        })
        .unwrap_or_default()
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Being filled in at the counter.
    Draft,
    /// A one-time notice of what is missing was given; the applicant may come back.
    NoticeIssued,
    /// 不予受理: the applicant does not meet the conditions; every reason was given at once
    /// (terminal: a new application is a new case).
    NotEligible,
    /// 受理: accepted; the deadline runs.
    Accepted,
    /// 审核: reviewed.
    Reviewed,
    /// 审批: approved.
    Approved,
    /// Refused at review or approval, with reasons (terminal).
    Rejected,
    /// 签发: the platform issued the electronic permit. Terminal for 居住登记时间互认.
    Issued,
    /// The old permit's cancellation is recorded (terminal; 现有证件互认 only).
    OldPermitCancelled,
    /// Withdrawn by the applicant (terminal).
    Withdrawn,
}

impl CaseState {
    /// Every state.
    pub const ALL: &[CaseState] = &[
        CaseState::Draft,
        CaseState::Accepted,
        CaseState::Reviewed,
        CaseState::Approved,
        CaseState::Issued,
        CaseState::NoticeIssued,
        CaseState::NotEligible,
        CaseState::Rejected,
        CaseState::Withdrawn,
        CaseState::OldPermitCancelled,
    ];

    /// The state's key: its name in the office store, the outbox payloads and the
    /// window's DTOs. `NoticeIssued` keeps `refused`, its name since schema 1 (stored
    /// rows carry it). The platform contract uses the serde names (`notice_issued`).
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Accepted => "accepted",
            CaseState::Reviewed => "reviewed",
            CaseState::Approved => "approved",
            CaseState::Issued => "issued",
            CaseState::NoticeIssued => "refused",
            CaseState::NotEligible => "not_eligible",
            CaseState::Rejected => "rejected",
            CaseState::Withdrawn => "withdrawn",
            CaseState::OldPermitCancelled => "old_permit_cancelled",
        }
    }

    /// The state's name in the platform contract (its serde name): the key but for
    /// `NoticeIssued`, which the contract calls `notice_issued`. What the outbox sends and
    /// what a clerk's step signature covers.
    pub fn contract_name(self) -> &'static str {
        match self {
            CaseState::NoticeIssued => "notice_issued",
            other => other.as_str(),
        }
    }

    /// The state with this key.
    pub fn parse(key: &str) -> Option<CaseState> {
        CaseState::ALL.iter().copied().find(|state| state.as_str() == key)
    }

    /// True for states whose deadline still runs (accepted, reviewed, approved).
    pub fn is_in_progress(self) -> bool {
        matches!(self, CaseState::Accepted | CaseState::Reviewed | CaseState::Approved)
    }

    /// The state's name for the clerk.
    pub fn label(self) -> &'static str {
        match self {
            CaseState::Draft => "草稿",
            CaseState::NoticeIssued => "已一次性告知",
            CaseState::NotEligible => "不予受理",
            CaseState::Accepted => "已受理",
            CaseState::Reviewed => "已审核",
            CaseState::Approved => "已审批",
            CaseState::Rejected => "不予通过",
            CaseState::Issued => "已签发",
            CaseState::OldPermitCancelled => "原有证件已注销",
            CaseState::Withdrawn => "已撤回",
        }
    }

    /// Whether the case can still move on or be withdrawn.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::Draft
                | CaseState::NoticeIssued
                | CaseState::Accepted
                | CaseState::Reviewed
                | CaseState::Approved
        )
    }
}

impl std::fmt::Display for CaseState {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A person acting on a case (a clerk, reviewer, approver, or the platform's account).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// Stable account id; identity is compared on this.
    pub user_id: String,
    /// Name printed on the form's opinion line.
    pub name: String,
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The case was opened at the counter.
    Open,
    /// The record was changed before acceptance.
    ReviseRecord,
    /// 一次性告知.
    IssueNotice,
    /// 不予受理 (不符合互认条件), with every reason.
    DeclareNotEligible,
    /// 受理.
    Accept,
    /// 审核.
    Review,
    /// 审批.
    Approve,
    /// 不予通过.
    Reject,
    /// 退回补正: the reviewer or approver sends the case back to the counter.
    SendBack,
    /// 签发.
    Issue,
    /// 原有证件注销 recorded.
    RecordOldPermitCancelled,
    /// 撤回.
    Withdraw,
}

impl Action {
    /// The action's name for the clerk.
    pub fn label(self) -> &'static str {
        match self {
            Action::Open => "新建",
            Action::ReviseRecord => "修改申请表",
            Action::IssueNotice => "一次性告知",
            Action::DeclareNotEligible => "不予受理",
            Action::Accept => "受理",
            Action::Review => "审核",
            Action::Approve => "审批",
            Action::Reject => "不予通过",
            Action::SendBack => "退回补正",
            Action::Issue => "签发",
            Action::RecordOldPermitCancelled => "登记原有证件注销",
            Action::Withdraw => "撤回",
        }
    }
}

/// The three signing roles of 审核部门意见.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 受理人.
    Accepter,
    /// 审核人.
    Reviewer,
    /// 审批人.
    Approver,
}

impl Role {
    /// The role's name on the form.
    pub fn label(self) -> &'static str {
        match self {
            Role::Accepter => "受理人",
            Role::Reviewer => "审核人",
            Role::Approver => "审批人",
        }
    }
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Who.
    pub actor: Actor,
    /// When (China Standard Time, as given by the caller).
    pub at: NaiveDateTime,
    /// What.
    pub action: Action,
    /// State before.
    pub from: CaseState,
    /// State after.
    pub to: CaseState,
    /// The opinion, reasons, permit number or summary given with the step.
    pub note: String,
}

/// One application's case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The application, with the opinions written in as the case moves on.
    pub record: ApplicationRecord,
    /// Where the case stands.
    pub state: CaseState,
    /// 受理人.
    pub accepted_by: Option<Actor>,
    /// 审核人.
    pub reviewed_by: Option<Actor>,
    /// 审批人.
    pub approved_by: Option<Actor>,
    /// When accepted.
    pub accepted_at: Option<NaiveDateTime>,
    /// Issuance due date, computed by the caller from the working-day calendar.
    pub due: Option<NaiveDate>,
    /// The last one-time notice given.
    pub notice: Vec<NoticeItem>,
    /// Reasons given on rejection.
    pub rejection_reasons: Vec<String>,
    /// The electronic permit's number from the platform, once issued.
    pub permit_number: Option<String>,
    /// Every step, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// Why a step was refused. Messages are for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action is not possible in the case's current state.
    #[error("案件当前状态为“{}”，不能{}", from.label(), action.label())]
    NotAllowed {
        /// What was attempted.
        action: Action,
        /// The state the case is in.
        from: CaseState,
    },
    /// The same person tried to sign two of the three roles.
    #[error("{}与{}不能是同一人（{name}）", role.label(), earlier.label())]
    SameActor {
        /// The role being signed now.
        role: Role,
        /// The role the same person already signed.
        earlier: Role,
        /// The person's account id.
        user_id: String,
        /// The person's name.
        name: String,
    },
    /// Accepting needs an assessment whose decision is Accept.
    #[error("申请还有{n_items}项问题须一次性告知，不能受理")]
    AssessmentNotAccept {
        /// Number of notice items.
        n_items: usize,
    },
    /// A notice needs an assessment whose decision is Notice (materials only).
    #[error("评估结果为可以受理，没有须一次性告知的内容")]
    NothingToNotify,
    /// A notice of materials cannot answer an applicant who is not eligible (and the
    /// reverse): the decision must match the step.
    #[error("评估结果为“{}”，不能按“{}”办理", decision.label(), action.label())]
    DecisionMismatch {
        /// The assessment's decision.
        decision: Decision,
        /// The step attempted.
        action: Action,
    },
    /// Only existing-permit cases cancel an old permit.
    #[error("只有“现有证件互认”的案件才需要登记原有证件注销")]
    NotExistingPermit,
    /// A required text (opinion, reasons, permit number) is blank.
    #[error("请填写{what}")]
    TextMissing {
        /// What is missing, in Chinese.
        what: &'static str,
    },
    /// The actor has no user id or no name.
    #[error("操作人信息不完整：须有账号和姓名")]
    ActorIncomplete,
    /// The step's time is before the previous step's.
    #[error("操作时间{at}早于上一步的时间{last}，请核对系统时间")]
    TimeBeforeLastStep {
        /// The time given.
        at: NaiveDateTime,
        /// The previous step's time.
        last: NaiveDateTime,
    },
}

impl Case {
    /// Opens a draft case for `record` at the counter.
    pub fn open(
        record: ApplicationRecord,
        actor: &Actor,
        at: NaiveDateTime,
    ) -> Result<Case, TransitionError> {
        check_actor(actor)?;
        Ok(Case {
            record,
            state: CaseState::Draft,
            accepted_by: None,
            reviewed_by: None,
            approved_by: None,
            accepted_at: None,
            due: None,
            notice: Vec::new(),
            rejection_reasons: Vec::new(),
            permit_number: None,
            history: vec![HistoryEntry {
                actor: actor.clone(),
                at,
                action: Action::Open,
                from: CaseState::Draft,
                to: CaseState::Draft,
                note: String::new(),
            }],
        })
    }

    /// Replaces the record before acceptance (e.g. the applicant came back with what the
    /// notice asked for); the case returns to Draft. `note` says what changed.
    pub fn revise_record(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
        record: ApplicationRecord,
        note: &str,
    ) -> Result<Case, TransitionError> {
        self.precheck(Action::ReviseRecord, &[CaseState::Draft, CaseState::NoticeIssued], actor, at)?;
        let mut next = self.clone();
        next.record = record;
        Ok(next.step(Action::ReviseRecord, CaseState::Draft, actor, at, note.trim()))
    }

    /// Gives the one-time notice (一次性告知) of `assessment`, which must be a Notice.
    pub fn issue_notice(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
        assessment: &Assessment,
    ) -> Result<Case, TransitionError> {
        self.precheck(Action::IssueNotice, &[CaseState::Draft], actor, at)?;
        match assessment.decision {
            Decision::Notice if !assessment.items.is_empty() => {}
            Decision::NotEligible => {
                return Err(TransitionError::DecisionMismatch {
                    decision: assessment.decision,
                    action: Action::IssueNotice,
                });
            }
            Decision::Notice | Decision::Accept => return Err(TransitionError::NothingToNotify),
        }
        let mut next = self.clone();
        next.notice = assessment.items.clone();
        let note = format!("一次性告知{}项：{}", assessment.items.len(), assessment.codes().join("、"));
        Ok(next.step(Action::IssueNotice, CaseState::NoticeIssued, actor, at, &note))
    }

    /// 不予受理: the applicant is not eligible (the assessment's decision must be
    /// NotEligible); the reasons are kept as the case's notice and the case closes. From a
    /// draft, or from a notice case whose completed record turns out not eligible.
    pub fn declare_not_eligible(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
        assessment: &Assessment,
    ) -> Result<Case, TransitionError> {
        self.precheck(Action::DeclareNotEligible, &[CaseState::Draft, CaseState::NoticeIssued], actor, at)?;
        if assessment.decision != Decision::NotEligible {
            return Err(TransitionError::DecisionMismatch {
                decision: assessment.decision,
                action: Action::DeclareNotEligible,
            });
        }
        let reasons: Vec<NoticeItem> = assessment.reasons().into_iter().cloned().collect();
        let codes: Vec<&str> = reasons.iter().map(|item| item.code.as_str()).collect();
        let note = format!("不符合互认条件{}项：{}", reasons.len(), codes.join("、"));
        let mut next = self.clone();
        next.notice = reasons;
        Ok(next.step(Action::DeclareNotEligible, CaseState::NotEligible, actor, at, &note))
    }

    /// 受理: accepts the case on an Accept `assessment`, storing the caller's `due` date
    /// and writing 受理人意见.
    pub fn accept(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
        assessment: &Assessment,
        due: NaiveDate,
        opinion: &str,
    ) -> Result<Case, TransitionError> {
        self.precheck(Action::Accept, &[CaseState::Draft, CaseState::NoticeIssued], actor, at)?;
        if assessment.decision != Decision::Accept {
            return Err(TransitionError::AssessmentNotAccept { n_items: assessment.items.len() });
        }
        let opinion = non_blank(opinion, "受理人意见")?;
        let mut next = self.clone();
        // Store the ID number as validated (uppercase X), so later look-ups match.
        if let Ok(decoded) = id_number::check(&next.record.applicant.id_number, at.date()) {
            next.record.applicant.id_number = decoded.number.as_str().to_owned();
        }
        next.record.opinions.acceptance = opinion_line(opinion, actor, at);
        next.accepted_by = Some(actor.clone());
        next.accepted_at = Some(at);
        next.due = Some(due);
        Ok(next.step(Action::Accept, CaseState::Accepted, actor, at, opinion))
    }

    /// 审核: the reviewer, who is not the accepting clerk, gives 审核人意见.
    pub fn review(&self, actor: &Actor, at: NaiveDateTime, opinion: &str) -> Result<Case, TransitionError> {
        self.precheck(Action::Review, &[CaseState::Accepted], actor, at)?;
        self.distinct(actor, Role::Reviewer)?;
        let opinion = non_blank(opinion, "审核人意见")?;
        let mut next = self.clone();
        next.record.opinions.review = opinion_line(opinion, actor, at);
        next.reviewed_by = Some(actor.clone());
        Ok(next.step(Action::Review, CaseState::Reviewed, actor, at, opinion))
    }

    /// 审批: the approver, who is neither the accepting clerk nor the reviewer, gives 审批人意见.
    pub fn approve(&self, actor: &Actor, at: NaiveDateTime, opinion: &str) -> Result<Case, TransitionError> {
        self.precheck(Action::Approve, &[CaseState::Reviewed], actor, at)?;
        self.distinct(actor, Role::Approver)?;
        let opinion = non_blank(opinion, "审批人意见")?;
        let mut next = self.clone();
        next.record.opinions.approval = opinion_line(opinion, actor, at);
        next.approved_by = Some(actor.clone());
        Ok(next.step(Action::Approve, CaseState::Approved, actor, at, opinion))
    }

    /// Refuses the case with `reasons`, at the review step (from Accepted, by a reviewer)
    /// or at the approval step (from Reviewed, by an approver). The reasons become that
    /// step's opinion on the form.
    pub fn reject(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
        reasons: &[String],
    ) -> Result<Case, TransitionError> {
        self.precheck(Action::Reject, &[CaseState::Accepted, CaseState::Reviewed], actor, at)?;
        let role = if self.state == CaseState::Accepted { Role::Reviewer } else { Role::Approver };
        self.distinct(actor, role)?;
        let reasons: Vec<String> = reasons
            .iter()
            .map(|reason| reason.trim().to_owned())
            .filter(|reason| !reason.is_empty())
            .collect();
        if reasons.is_empty() {
            return Err(TransitionError::TextMissing { what: "不予通过的理由" });
        }
        let text = format!("{REJECTED_PREFIX}{}", reasons.join("；"));
        let mut next = self.clone();
        let line = opinion_line(&text, actor, at);
        match role {
            Role::Reviewer => {
                next.record.opinions.review = line;
                next.reviewed_by = Some(actor.clone());
            }
            Role::Accepter | Role::Approver => {
                next.record.opinions.approval = line;
                next.approved_by = Some(actor.clone());
            }
        }
        next.rejection_reasons = reasons;
        Ok(next.step(Action::Reject, CaseState::Rejected, actor, at, &text))
    }

    /// 退回补正: the reviewer (from Accepted) or the approver (from Reviewed) sends the case
    /// back to the counter with `reasons`, each a sentence for the applicant. The case
    /// becomes a one-time notice of those reasons (已一次性告知): the counter revises the
    /// record with the applicant and accepts it again, and the steps after acceptance start
    /// over (their opinions are cleared; the deadline is set again on the new acceptance).
    pub fn send_back(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
        reasons: &[String],
    ) -> Result<Case, TransitionError> {
        self.may_mark_pages(actor, at)?;
        let reasons: Vec<String> = reasons
            .iter()
            .map(|reason| reason.trim().trim_end_matches(['。', '；', ';']).to_owned())
            .filter(|reason| !reason.is_empty())
            .collect();
        if reasons.is_empty() {
            return Err(TransitionError::TextMissing { what: "退回补正的理由" });
        }
        let mut next = self.clone();
        next.record.opinions.review = Opinion::default();
        next.record.opinions.approval = Opinion::default();
        next.reviewed_by = None;
        next.approved_by = None;
        next.notice =
            reasons.iter().map(|reason| NoticeItem::new("", SENT_BACK_CODE, format!("{reason}。"))).collect();
        Ok(next.step(Action::SendBack, CaseState::NoticeIssued, actor, at, &sent_back_note(&reasons)))
    }

    /// Whether `actor` may mark the case's scanned pages ([`crate::review::PageMark`]):
    /// whoever may send it back now, that is the reviewer while it waits for review and the
    /// approver while it waits for approval, neither being a clerk who signed before.
    pub fn may_mark_pages(&self, actor: &Actor, at: NaiveDateTime) -> Result<(), TransitionError> {
        self.precheck(Action::SendBack, &[CaseState::Accepted, CaseState::Reviewed], actor, at)?;
        let role = if self.state == CaseState::Accepted { Role::Reviewer } else { Role::Approver };
        self.distinct(actor, role)
    }

    /// 签发: records the electronic permit's number assigned by the platform.
    pub fn issue(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
        permit_number: &str,
    ) -> Result<Case, TransitionError> {
        self.precheck(Action::Issue, &[CaseState::Approved], actor, at)?;
        let permit_number = non_blank(permit_number, "平台签发的居住证号码")?;
        let mut next = self.clone();
        next.permit_number = Some(permit_number.to_owned());
        Ok(next.step(Action::Issue, CaseState::Issued, actor, at, permit_number))
    }

    /// Records that the old permit was cancelled (原有证件注销), for 现有证件互认 only.
    pub fn record_old_permit_cancelled(
        &self,
        actor: &Actor,
        at: NaiveDateTime,
    ) -> Result<Case, TransitionError> {
        self.precheck(Action::RecordOldPermitCancelled, &[CaseState::Issued], actor, at)?;
        if self.record.recognition_type != Some(RecognitionType::ExistingPermit) {
            return Err(TransitionError::NotExistingPermit);
        }
        let note =
            self.record.existing_permit.as_ref().map(|permit| permit.number.clone()).unwrap_or_default();
        Ok(self.clone().step(
            Action::RecordOldPermitCancelled,
            CaseState::OldPermitCancelled,
            actor,
            at,
            &note,
        ))
    }

    /// Withdraws the case at any open step, with the applicant's `reason`.
    pub fn withdraw(&self, actor: &Actor, at: NaiveDateTime, reason: &str) -> Result<Case, TransitionError> {
        self.precheck(
            Action::Withdraw,
            &[
                CaseState::Draft,
                CaseState::NoticeIssued,
                CaseState::Accepted,
                CaseState::Reviewed,
                CaseState::Approved,
            ],
            actor,
            at,
        )?;
        let reason = non_blank(reason, "撤回原因")?;
        Ok(self.clone().step(Action::Withdraw, CaseState::Withdrawn, actor, at, reason))
    }

    fn precheck(
        &self,
        action: Action,
        allowed_from: &[CaseState],
        actor: &Actor,
        at: NaiveDateTime,
    ) -> Result<(), TransitionError> {
        if !allowed_from.contains(&self.state) {
            return Err(TransitionError::NotAllowed { action, from: self.state });
        }
        check_actor(actor)?;
        if let Some(last) = self.history.last()
            && at < last.at
        {
            return Err(TransitionError::TimeBeforeLastStep { at, last: last.at });
        }
        Ok(())
    }

    /// Refuses `actor` in `role` if they already signed an earlier role.
    fn distinct(&self, actor: &Actor, role: Role) -> Result<(), TransitionError> {
        let earlier = [(Role::Accepter, &self.accepted_by), (Role::Reviewer, &self.reviewed_by)];
        for (earlier_role, signer) in earlier {
            if earlier_role == role {
                break;
            }
            if let Some(signer) = signer
                && signer.user_id == actor.user_id
            {
                return Err(TransitionError::SameActor {
                    role,
                    earlier: earlier_role,
                    user_id: actor.user_id.clone(),
                    name: actor.name.clone(),
                });
            }
        }
        Ok(())
    }

    fn step(mut self, action: Action, to: CaseState, actor: &Actor, at: NaiveDateTime, note: &str) -> Case {
        self.history.push(HistoryEntry {
            actor: actor.clone(),
            at,
            action,
            from: self.state,
            to,
            note: note.to_owned(),
        });
        self.state = to;
        self
    }
}

fn check_actor(actor: &Actor) -> Result<(), TransitionError> {
    if actor.user_id.trim().is_empty() || actor.name.trim().is_empty() {
        return Err(TransitionError::ActorIncomplete);
    }
    Ok(())
}

fn non_blank<'a>(text: &'a str, what: &'static str) -> Result<&'a str, TransitionError> {
    let text = text.trim();
    if text.is_empty() { Err(TransitionError::TextMissing { what }) } else { Ok(text) }
}

fn opinion_line(text: &str, actor: &Actor, at: NaiveDateTime) -> Opinion {
    Opinion { text: text.to_owned(), person: actor.name.clone(), date: Some(at.date()) }
}
