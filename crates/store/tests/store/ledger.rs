//! The register of applications (台账): each case once, on the day it was first submitted,
//! with its outcome and when it was reached, read from the submissions index.

use store::{CaseId, CaseState, Roles, StateChange};

use crate::common::{add_clerk, at, new_store, sample_case};

fn change(from: CaseState, to: CaseState) -> StateChange {
    StateChange { from, to, note: None, due_date: None, profile: Some("330182".into()) }
}

#[test]
fn each_case_is_registered_once_on_the_day_it_was_first_submitted() {
    let (_dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT);
    let reviewer = add_clerk(&mut store, &admin, "reviewer", Roles::REVIEW);
    let approver = add_clerk(&mut store, &admin, "approver", Roles::APPROVE);
    let case = |n: u32, minute: i64, store: &mut store::Store| {
        let id = CaseId::new(at(minute)).unwrap();
        let (record, index) = sample_case(n);
        store.save_draft(&clerk, &id, &record, &index, at(minute)).unwrap();
        id
    };
    // Before the range: accepted at minute 5.
    let earlier = case(1, 1, &mut store);
    store.transition(&clerk, &earlier, &change(CaseState::Draft, CaseState::Accepted), at(5)).unwrap();
    // In the range [100, 200): accepted, reviewed and approved.
    let approved = case(2, 100, &mut store);
    store.transition(&clerk, &approved, &change(CaseState::Draft, CaseState::Accepted), at(110)).unwrap();
    store
        .transition(&reviewer, &approved, &change(CaseState::Accepted, CaseState::Reviewed), at(120))
        .unwrap();
    store
        .transition(&approver, &approved, &change(CaseState::Reviewed, CaseState::Approved), at(130))
        .unwrap();
    // Not eligible at minute 115; a one-time notice at 116, revised and accepted at 150.
    let refused = case(3, 101, &mut store);
    store.transition(&clerk, &refused, &change(CaseState::Draft, CaseState::NotEligible), at(115)).unwrap();
    let noticed = case(4, 102, &mut store);
    store.transition(&clerk, &noticed, &change(CaseState::Draft, CaseState::NoticeIssued), at(116)).unwrap();
    store.transition(&clerk, &noticed, &change(CaseState::NoticeIssued, CaseState::Draft), at(149)).unwrap();
    store.transition(&clerk, &noticed, &change(CaseState::Draft, CaseState::Accepted), at(150)).unwrap();
    // A draft and a draft given up are not applications.
    case(5, 103, &mut store);
    let given_up = case(6, 104, &mut store);
    store.transition(&clerk, &given_up, &change(CaseState::Draft, CaseState::Withdrawn), at(105)).unwrap();
    // After the range.
    let later = case(7, 199, &mut store);
    store.transition(&clerk, &later, &change(CaseState::Draft, CaseState::Accepted), at(200)).unwrap();

    let lines = store.ledger(at(100), at(200), 100).unwrap();
    let seen: Vec<(CaseId, CaseState)> =
        lines.iter().map(|line| (line.summary.id, line.summary.state)).collect();
    assert_eq!(
        seen,
        [(approved, CaseState::Approved), (refused, CaseState::NotEligible), (noticed, CaseState::Accepted)]
    );
    assert_eq!(lines.iter().map(|line| line.submitted_at).collect::<Vec<_>>(), [at(110), at(115), at(116)]);
    assert_eq!(
        lines.iter().map(|line| line.decided_at).collect::<Vec<_>>(),
        [Some(at(130)), Some(at(115)), None]
    );
    assert_eq!(lines[0].profile.as_deref(), Some("330182"));
    assert_eq!(lines[0].recognition_type.as_deref(), Some("ExistingPermit"), "the record's own key");
    assert_eq!(store.ledger(at(100), at(200), 2).unwrap().len(), 2, "the limit holds");
    // The case accepted again at 150 is not registered a second time in a later range.
    assert!(store.ledger(at(117), at(199), 100).unwrap().is_empty());

    let plan: String = store
        .raw_connection()
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM case_events WHERE from_state = 'draft' AND at >= 1 AND at < 2",
            [],
            |row| row.get(3),
        )
        .unwrap();
    assert!(plan.contains("case_events_submitted"), "a range of the submissions index: {plan}");
}
