//! The case state machine: the happy paths, the three-people rule, and every refusal.

use chrono::{NaiveDate, NaiveDateTime};
use domain::assessment::{Assessment, Decision, NoticeItem};
use domain::case::{Action, Actor, Case, CaseState, Role, TransitionError};
use domain::record::{EndorsementStatus, ExistingPermit, RecognitionType};

use crate::fixtures::{ADULT_ID_X, complete_record, day};

fn actor(user_id: &str, name: &str) -> Actor {
    Actor { user_id: user_id.to_owned(), name: name.to_owned() }
}

fn clerk() -> Actor {
    actor("u-clerk", "王受理")
}
fn reviewer() -> Actor {
    actor("u-reviewer", "陈审核")
}
fn approver() -> Actor {
    actor("u-approver", "刘审批")
}
fn platform() -> Actor {
    actor("platform", "省电子居住证平台")
}

/// 2025-03-10 at `hh:mm`.
fn at(hh_mm: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(&format!("2025-03-10 {hh_mm}"), "%Y-%m-%d %H:%M").expect("test time")
}

fn due() -> NaiveDate {
    day("2025-03-12")
}

fn accepted_assessment() -> Assessment {
    Assessment { decision: Decision::Accept, items: Vec::new() }
}

fn notice_assessment() -> Assessment {
    Assessment {
        decision: Decision::Notice,
        items: vec![NoticeItem::new("evidence", "EVIDENCE_NONE", "请至少提供一项证明材料。")],
    }
}

fn draft() -> Case {
    Case::open(complete_record(), &clerk(), at("09:00")).expect("open")
}

fn accepted() -> Case {
    draft()
        .accept(&clerk(), at("09:10"), &accepted_assessment(), due(), "材料齐全，予以受理")
        .expect("accept")
}

fn reviewed() -> Case {
    accepted().review(&reviewer(), at("10:00"), "审核通过").expect("review")
}

fn approved() -> Case {
    reviewed().approve(&approver(), at("11:00"), "同意签发").expect("approve")
}

fn issued() -> Case {
    approved().issue(&platform(), at("11:05"), "330182202503100001").expect("issue")
}

#[test]
fn registration_time_case_ends_at_issue() {
    let case = issued();
    assert_eq!(case.state, CaseState::Issued);
    assert!(!case.state.is_open(), "an issued case cannot be withdrawn");
    let steps: Vec<(Action, CaseState, CaseState, &str)> =
        case.history.iter().map(|h| (h.action, h.from, h.to, h.actor.user_id.as_str())).collect();
    assert_eq!(
        steps,
        [
            (Action::Open, CaseState::Draft, CaseState::Draft, "u-clerk"),
            (Action::Accept, CaseState::Draft, CaseState::Accepted, "u-clerk"),
            (Action::Review, CaseState::Accepted, CaseState::Reviewed, "u-reviewer"),
            (Action::Approve, CaseState::Reviewed, CaseState::Approved, "u-approver"),
            (Action::Issue, CaseState::Approved, CaseState::Issued, "platform"),
        ],
        "every step is recorded with who did it"
    );
    assert_eq!(case.due, Some(due()), "the caller's due date is stored on acceptance");
    assert_eq!(case.accepted_at, Some(at("09:10")));
    assert_eq!(case.permit_number.as_deref(), Some("330182202503100001"));
    let opinions = &case.record.opinions;
    assert_eq!(
        (opinions.acceptance.person.as_str(), opinions.acceptance.text.as_str()),
        ("王受理", "材料齐全，予以受理")
    );
    assert_eq!((opinions.review.person.as_str(), opinions.review.date), ("陈审核", Some(day("2025-03-10"))));
    assert_eq!(opinions.approval.person, "刘审批", "the opinions are written into the form");
    assert_eq!(
        case.record_old_permit_cancelled(&platform(), at("11:06")),
        Err(TransitionError::NotExistingPermit),
        "Issued is terminal for registration-time recognition"
    );
}

#[test]
fn existing_permit_case_records_the_old_permit_cancelled() {
    let mut record = complete_record();
    record.recognition_type = Some(RecognitionType::ExistingPermit);
    record.existing_permit = Some(ExistingPermit {
        number: "330106202300001234".to_owned(),
        issuing_county_code: "330106".to_owned(),
        issue_date: Some(day("2023-05-20")),
        endorsement: Some(EndorsementStatus::Current),
    });
    let case = Case::open(record, &clerk(), at("09:00"))
        .and_then(|c| c.accept(&clerk(), at("09:10"), &accepted_assessment(), due(), "予以受理"))
        .and_then(|c| c.review(&reviewer(), at("10:00"), "审核通过"))
        .and_then(|c| c.approve(&approver(), at("11:00"), "同意"))
        .and_then(|c| c.issue(&platform(), at("11:05"), "330182202503100002"))
        .and_then(|c| c.record_old_permit_cancelled(&platform(), at("11:06")))
        .expect("the whole existing-permit path");
    assert_eq!(case.state, CaseState::OldPermitCancelled);
    assert_eq!(
        case.history.last().map(|h| h.note.as_str()),
        Some("330106202300001234"),
        "the old permit's number is noted"
    );
    assert!(!case.state.is_open());
}

#[test]
fn accepter_reviewer_and_approver_are_three_people() {
    let same = |role, earlier, who: &Actor| TransitionError::SameActor {
        role,
        earlier,
        user_id: who.user_id.clone(),
        name: who.name.clone(),
    };
    let clerk_again = actor("u-clerk", "王受理（另一台电脑）");
    assert_eq!(
        accepted().review(&clerk(), at("10:00"), "审核通过"),
        Err(same(Role::Reviewer, Role::Accepter, &clerk())),
        "the accepter cannot review"
    );
    assert_eq!(
        accepted().review(&clerk_again, at("10:00"), "审核通过"),
        Err(same(Role::Reviewer, Role::Accepter, &clerk_again)),
        "identity is the account, not the name"
    );
    assert_eq!(
        reviewed().approve(&clerk(), at("11:00"), "同意"),
        Err(same(Role::Approver, Role::Accepter, &clerk())),
        "the accepter cannot approve"
    );
    assert_eq!(
        reviewed().approve(&reviewer(), at("11:00"), "同意"),
        Err(same(Role::Approver, Role::Reviewer, &reviewer())),
        "the reviewer cannot approve"
    );
    let reasons = ["材料不实".to_owned()];
    assert_eq!(
        accepted().reject(&clerk(), at("10:00"), &reasons),
        Err(same(Role::Reviewer, Role::Accepter, &clerk())),
        "rejecting at review is reviewing"
    );
    assert_eq!(
        reviewed().reject(&reviewer(), at("11:00"), &reasons),
        Err(same(Role::Approver, Role::Reviewer, &reviewer())),
        "rejecting at approval is approving"
    );
    let message = accepted().review(&clerk(), at("10:00"), "审核通过").expect_err("same person").to_string();
    assert_eq!(message, "审核人与受理人不能是同一人（王受理）", "the clerk reads why");
}

#[test]
fn rejection_at_either_step_records_the_reasons() {
    let reasons = vec!["租赁合同系伪造".to_owned(), " ".to_owned(), "社保记录不符".to_owned()];
    let at_review = accepted().reject(&reviewer(), at("10:00"), &reasons).expect("reject at review");
    assert_eq!(at_review.state, CaseState::Rejected);
    assert_eq!(at_review.rejection_reasons, ["租赁合同系伪造", "社保记录不符"], "blank reasons are dropped");
    assert_eq!(at_review.record.opinions.review.text, "不予通过：租赁合同系伪造；社保记录不符");
    let note = at_review.history.last().map(|entry| entry.note.clone()).unwrap_or_default();
    assert_eq!(
        domain::case::rejected_reasons(&note),
        ["租赁合同系伪造", "社保记录不符"],
        "read back for the letter"
    );
    assert!(domain::case::rejected_reasons("退回补正：照片不清").is_empty());
    let at_approval = reviewed().reject(&approver(), at("11:00"), &reasons).expect("reject at approval");
    assert_eq!(at_approval.record.opinions.approval.person, "刘审批");
    assert_eq!(at_approval.approved_by, Some(approver()));
    assert_eq!(
        accepted().reject(&reviewer(), at("10:00"), &[" ".to_owned()]),
        Err(TransitionError::TextMissing { what: "不予通过的理由" })
    );
    assert!(
        matches!(
            approved().reject(&approver(), at("12:00"), &reasons),
            Err(TransitionError::NotAllowed { action: Action::Reject, from: CaseState::Approved })
        ),
        "too late to reject once approved"
    );
}

#[test]
fn notice_then_revision_then_acceptance() {
    let noticed = draft().issue_notice(&clerk(), at("09:05"), &notice_assessment()).expect("notice");
    assert_eq!(noticed.state, CaseState::NoticeIssued);
    assert_eq!(noticed.notice, notice_assessment().items, "the notice given is kept");
    assert_eq!(noticed.history.last().map(|h| h.note.as_str()), Some("一次性告知1项：EVIDENCE_NONE"));
    assert_eq!(
        noticed.issue_notice(&clerk(), at("09:06"), &notice_assessment()),
        Err(TransitionError::NotAllowed { action: Action::IssueNotice, from: CaseState::NoticeIssued }),
        "one notice, not piecemeal"
    );
    let revised =
        noticed.revise_record(&clerk(), at("14:00"), complete_record(), "补充了租赁合同").expect("revise");
    assert_eq!(revised.state, CaseState::Draft);
    let accepted = revised
        .accept(&clerk(), at("14:05"), &accepted_assessment(), due(), "予以受理")
        .expect("accept after revision");
    assert_eq!(accepted.state, CaseState::Accepted);
    let direct = noticed
        .accept(&clerk(), at("14:05"), &accepted_assessment(), due(), "予以受理")
        .expect("accept straight from the notice");
    assert_eq!(direct.state, CaseState::Accepted);
    assert_eq!(
        accepted.revise_record(&clerk(), at("14:10"), complete_record(), "改"),
        Err(TransitionError::NotAllowed { action: Action::ReviseRecord, from: CaseState::Accepted }),
        "an accepted record is frozen"
    );
}

#[test]
fn acceptance_and_notice_follow_the_assessment() {
    assert_eq!(
        draft().accept(&clerk(), at("09:10"), &notice_assessment(), due(), "受理"),
        Err(TransitionError::AssessmentNotAccept { n_items: 1 })
    );
    assert_eq!(
        draft().issue_notice(&clerk(), at("09:10"), &accepted_assessment()),
        Err(TransitionError::NothingToNotify)
    );
    assert_eq!(
        draft().accept(&clerk(), at("09:10"), &accepted_assessment(), due(), "  "),
        Err(TransitionError::TextMissing { what: "受理人意见" })
    );
}

#[test]
fn acceptance_stores_the_normalised_id_number() {
    let mut record = complete_record();
    record.applicant.id_number = ADULT_ID_X.to_lowercase();
    let case = Case::open(record, &clerk(), at("09:00"))
        .and_then(|c| c.accept(&clerk(), at("09:10"), &accepted_assessment(), due(), "予以受理"))
        .expect("accept");
    assert_eq!(case.record.applicant.id_number, ADULT_ID_X, "the record keeps the uppercase X form");
}

#[test]
fn withdrawal_at_every_open_step_and_never_after() {
    let open_cases = [
        draft(),
        draft().issue_notice(&clerk(), at("09:05"), &notice_assessment()).expect("notice"),
        accepted(),
        reviewed(),
        approved(),
    ];
    for case in open_cases {
        let from = case.state;
        let withdrawn = case
            .withdraw(&clerk(), at("12:00"), "申请人撤回")
            .unwrap_or_else(|e| panic!("withdraw from {from:?}: {e}"));
        assert_eq!(withdrawn.state, CaseState::Withdrawn, "withdrawn from {from:?}");
        assert_eq!(withdrawn.history.last().map(|h| (h.from, h.note.as_str())), Some((from, "申请人撤回")));
        assert_eq!(
            withdrawn.withdraw(&clerk(), at("12:01"), "再撤回"),
            Err(TransitionError::NotAllowed { action: Action::Withdraw, from: CaseState::Withdrawn })
        );
    }
    let rejected = accepted().reject(&reviewer(), at("10:00"), &["不符合条件".to_owned()]).expect("reject");
    for closed in [issued(), rejected] {
        let from = closed.state;
        assert_eq!(
            closed.withdraw(&clerk(), at("12:00"), "申请人撤回"),
            Err(TransitionError::NotAllowed { action: Action::Withdraw, from }),
            "{from:?} is closed"
        );
    }
    assert_eq!(
        draft().withdraw(&clerk(), at("12:00"), ""),
        Err(TransitionError::TextMissing { what: "撤回原因" }),
        "a withdrawal says why"
    );
}

#[test]
fn steps_out_of_order_are_refused() {
    let table: [(Case, Action); 6] = [
        (draft(), Action::Review),
        (draft(), Action::Approve),
        (accepted(), Action::Approve),
        (reviewed(), Action::Issue),
        (approved(), Action::Accept),
        (issued(), Action::Review),
    ];
    for (case, action) in table {
        let from = case.state;
        let result = match action {
            Action::Review => case.review(&reviewer(), at("12:00"), "审核通过"),
            Action::Approve => case.approve(&approver(), at("12:00"), "同意"),
            Action::Issue => case.issue(&platform(), at("12:00"), "330182202503100001"),
            Action::Accept => case.accept(&clerk(), at("12:00"), &accepted_assessment(), due(), "受理"),
            other => panic!("not in the table: {other:?}"),
        };
        assert_eq!(result, Err(TransitionError::NotAllowed { action, from }), "{action:?} from {from:?}");
    }
}

#[test]
fn the_trail_is_honest() {
    assert_eq!(
        accepted().review(&reviewer(), at("09:05"), "审核通过"),
        Err(TransitionError::TimeBeforeLastStep { at: at("09:05"), last: at("09:10") }),
        "time never goes backwards within a case"
    );
    assert_eq!(
        accepted().review(&actor("", "陈审核"), at("10:00"), "审核通过"),
        Err(TransitionError::ActorIncomplete)
    );
    assert_eq!(
        Case::open(complete_record(), &actor("u-1", " "), at("09:00")),
        Err(TransitionError::ActorIncomplete)
    );
    assert_eq!(
        approved().issue(&platform(), at("12:00"), " "),
        Err(TransitionError::TextMissing { what: "平台签发的居住证号码" })
    );
    let case = issued();
    let json = serde_json::to_string(&case).expect("serialise case");
    let back: Case = serde_json::from_str(&json).expect("deserialise case");
    assert_eq!(back, case, "a case survives the store's round trip");
}

fn not_eligible_assessment() -> Assessment {
    let mut local = NoticeItem::new(
        "household_registration.county_code",
        "LOCAL_APPLICANT",
        "申请人常住户口在建德市，属本地户籍人员，不是流动人口。",
    );
    local.kind = domain::assessment::ItemKind::Eligibility;
    local.basis = "凡持有《浙江省居住证》的流动人口".to_owned();
    let unsigned = NoticeItem::new("declaration.signed", "DECLARATION_NOT_SIGNED", "请签名。");
    Assessment::from_items(vec![local, unsigned])
}

/// 「对不符合互认条件的……必须一次性告知理由」: a closing of its own, never a notice to come
/// back with papers, and never reopened.
#[test]
fn not_eligible_closes_the_case_with_its_reasons() {
    let assessment = not_eligible_assessment();
    assert_eq!(assessment.decision, Decision::NotEligible);
    let refusal = draft().issue_notice(&clerk(), at("09:10"), &assessment).expect_err("not a notice");
    assert!(matches!(refusal, TransitionError::DecisionMismatch { .. }), "{refusal}");
    let closed = draft().declare_not_eligible(&clerk(), at("09:10"), &assessment).expect("declare");
    assert_eq!(closed.state, CaseState::NotEligible);
    assert!(!closed.state.is_open());
    assert_eq!(closed.notice.len(), 1, "only the eligibility reasons are kept as the answer");
    assert_eq!(closed.notice[0].code, "LOCAL_APPLICANT");
    let last = closed.history.last().expect("a step");
    assert_eq!((last.action, last.to), (Action::DeclareNotEligible, CaseState::NotEligible));
    assert!(last.note.contains("LOCAL_APPLICANT"), "{}", last.note);
    for refused in [
        closed.revise_record(&clerk(), at("09:20"), complete_record(), "补正").err(),
        closed.accept(&clerk(), at("09:20"), &accepted_assessment(), due(), "受理").err(),
        closed.withdraw(&clerk(), at("09:20"), "撤回").err(),
    ] {
        assert!(matches!(refused, Some(TransitionError::NotAllowed { from: CaseState::NotEligible, .. })));
    }
    // A notice case whose completed record turns out not eligible closes the same way.
    let noticed = draft().issue_notice(&clerk(), at("09:10"), &notice_assessment()).expect("notice");
    let closed = noticed.declare_not_eligible(&clerk(), at("09:30"), &assessment).expect("from a notice");
    assert_eq!(closed.state, CaseState::NotEligible);
    // And a materials-only assessment cannot close a case as not eligible.
    let wrong =
        draft().declare_not_eligible(&clerk(), at("09:10"), &notice_assessment()).expect_err("mismatch");
    assert!(matches!(wrong, TransitionError::DecisionMismatch { .. }));
}

#[test]
fn review_or_approval_sends_the_case_back_to_the_counter_and_the_steps_start_over() {
    // The reviewer sends it back: a notice of the reviewer's reasons, the review undone.
    let reasons = ["劳动合同扫描件不清晰，请提供原件重新扫描".to_owned(), "  ".to_owned()];
    let back = accepted().send_back(&reviewer(), at("10:00"), &reasons).expect("send back");
    assert_eq!(back.state, CaseState::NoticeIssued);
    assert_eq!(back.history.last().map(|entry| entry.action), Some(Action::SendBack));
    assert_eq!(Action::SendBack.label(), "退回补正");
    let codes: Vec<&str> = back.notice.iter().map(|item| item.code.as_str()).collect();
    assert_eq!(codes, [domain::case::SENT_BACK_CODE], "blank reasons are dropped");
    assert_eq!(back.notice[0].message, "劳动合同扫描件不清晰，请提供原件重新扫描。");
    let note = &back.history.last().expect("a step").note;
    assert_eq!(domain::case::sent_back_reasons(note), ["劳动合同扫描件不清晰，请提供原件重新扫描。"]);
    assert!(domain::case::sent_back_reasons("一次性告知1项：EVIDENCE_NONE").is_empty());

    // The counter revises and accepts again; a review and an approval follow as before.
    let again = back
        .revise_record(&clerk(), at("11:00"), complete_record(), "重新扫描劳动合同")
        .expect("revise")
        .accept(&clerk(), at("11:05"), &accepted_assessment(), due(), "补正后材料齐全，予以受理")
        .expect("accept again");
    let done = again
        .review(&reviewer(), at("11:30"), "审核通过")
        .expect("review")
        .approve(&approver(), at("12:00"), "同意")
        .expect("approve");
    assert_eq!(done.state, CaseState::Approved);

    // The approver sends a reviewed case back: the review opinion goes with it.
    let back =
        reviewed().send_back(&approver(), at("11:00"), &["户籍地址与身份证不一致".to_owned()]).expect("back");
    assert_eq!(back.state, CaseState::NoticeIssued);
    assert_eq!(back.record.opinions.review.text, "", "the review starts over");
    assert_eq!(back.reviewed_by, None);

    // Never by the clerk who accepted, never without a reason, never from another state.
    assert!(matches!(
        accepted().send_back(&clerk(), at("10:00"), &["x".to_owned()]),
        Err(TransitionError::SameActor { .. })
    ));
    assert!(matches!(
        accepted().send_back(&reviewer(), at("10:00"), &[" ".to_owned()]),
        Err(TransitionError::TextMissing { .. })
    ));
    assert!(matches!(
        draft().send_back(&reviewer(), at("10:00"), &["x".to_owned()]),
        Err(TransitionError::NotAllowed { action: Action::SendBack, from: CaseState::Draft })
    ));
}

#[test]
fn the_contract_name_of_each_state_is_its_serde_name() {
    for state in domain::case::CaseState::ALL {
        let serde_name = serde_json::to_value(state).expect("serializes");
        assert_eq!(serde_name.as_str(), Some(state.contract_name()), "{state:?}");
    }
}
