//! The story of one case: draft → accepted → reviewed → approved → issued, its events,
//! outbox items and audit rows, plus the refusals along the way.

use serde_json::json;
use sm3::Digest;
use store::{CaseId, CaseState, OutboxStatus, Roles, SaveOutcome, StateChange, StoreError, Worklist};

use crate::common::{add_clerk, at, march, new_store, sample_case};

fn change(from: CaseState, to: CaseState) -> StateChange {
    StateChange { from, to, note: None, due_date: None, profile: None }
}

#[test]
fn a_case_goes_from_draft_to_issued_with_one_event_and_outbox_item_per_step() {
    let (_dir, mut store, admin) = new_store();
    let acceptor = add_clerk(&mut store, &admin, "acceptor", Roles::ACCEPT);
    let reviewer = add_clerk(&mut store, &admin, "reviewer", Roles::REVIEW);
    let approver = add_clerk(&mut store, &admin, "approver", Roles::APPROVE);

    // Drafts are saved as the clerk types, under an id made when the form opened.
    let case_id = CaseId::new(at(10)).unwrap();
    let (mut record, mut index) = sample_case(1);
    assert_eq!(store.save_draft(&acceptor, &case_id, &record, &index, at(10)).unwrap(), SaveOutcome::Created);
    record["applicant"]["phone"] = json!("13900000001");
    index.phone = Some("13900000001".into());
    index.application_number = Some("HY0001".into());
    assert_eq!(store.save_draft(&acceptor, &case_id, &record, &index, at(11)).unwrap(), SaveOutcome::Updated);
    assert_eq!(
        store.save_draft(&acceptor, &case_id, &record, &index, at(12)).unwrap(),
        SaveOutcome::Unchanged
    );

    let accept = StateChange {
        from: CaseState::Draft,
        to: CaseState::Accepted,
        note: Some("材料齐全，予以受理".into()),
        due_date: Some(march(4)),
        profile: None,
    };
    let receipt = store.transition(&acceptor, &case_id, &accept, at(20)).unwrap();
    store.transition(&reviewer, &case_id, &change(CaseState::Accepted, CaseState::Reviewed), at(30)).unwrap();
    store.transition(&approver, &case_id, &change(CaseState::Reviewed, CaseState::Approved), at(40)).unwrap();
    store.transition(&approver, &case_id, &change(CaseState::Approved, CaseState::Issued), at(50)).unwrap();

    let case = store.get_case(&admin, &case_id, at(60)).unwrap();
    assert_eq!(case.state, CaseState::Issued);
    assert_eq!(case.accepted_by, Some(acceptor.user_id()));
    assert_eq!(case.reviewed_by, Some(reviewer.user_id()));
    assert_eq!(case.approved_by, Some(approver.user_id()));
    assert_eq!(case.accepted_at, Some(at(20)));
    assert_eq!(case.due_date, Some(march(4)));
    assert_eq!(case.application_number.as_deref(), Some("HY0001"));
    assert_eq!(case.id_number_masked.as_deref(), Some("330102********001X"));
    assert_eq!(case.record, record);
    assert!(!case.synced);

    let events = store.case_events(&case_id).unwrap();
    let steps: Vec<(Option<CaseState>, CaseState)> =
        events.iter().map(|e| (e.from_state, e.to_state)).collect();
    assert_eq!(
        steps,
        [
            (None, CaseState::Draft),
            (Some(CaseState::Draft), CaseState::Accepted),
            (Some(CaseState::Accepted), CaseState::Reviewed),
            (Some(CaseState::Reviewed), CaseState::Approved),
            (Some(CaseState::Approved), CaseState::Issued),
        ]
    );
    assert_eq!(events[1].note.as_deref(), Some("材料齐全，予以受理"));
    assert_eq!(events[1].id, receipt.event_id);

    let pending = store.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 4, "one outbox item per state change, none for the draft");
    assert_eq!(pending[0].id, receipt.outbox_id);
    assert_eq!(
        pending[0].payload["idempotency_key"],
        receipt.outbox_id.to_string(),
        "the id is the idempotency key"
    );
    assert_eq!(pending[0].payload["record"], record, "the payload freezes the record as accepted");
    assert_eq!(pending[0].payload["to"], "accepted");
    assert_eq!(pending[1].payload["record"], serde_json::Value::Null, "later steps do not repeat the record");
    assert_eq!(pending[1].payload["from"], "accepted");
    assert_eq!(pending[0].case_id, Some(case_id));

    // Sync: one attempt fails, then everything is confirmed, twice (a repeated ack is harmless).
    store.outbox_mark_attempt(&pending[0].id, Some("timeout"), at(61)).unwrap();
    let item = store.outbox_item(&pending[0].id).unwrap();
    assert_eq!(
        (item.status, item.attempts, item.last_error.as_deref()),
        (OutboxStatus::Sent, 1, Some("timeout"))
    );
    let ids: Vec<_> = pending.iter().map(|item| item.id).collect();
    assert_eq!(store.outbox_mark_confirmed(&ids, at(62)).unwrap(), 4);
    assert_eq!(store.outbox_mark_confirmed(&ids, at(63)).unwrap(), 0);
    assert!(store.outbox_pending(10).unwrap().is_empty());
    // A settled item leaves the outbox: the platform holds it, the case keeps its record.
    assert!(matches!(store.outbox_item(&pending[0].id), Err(StoreError::NotFound { .. })));
    let remaining: i64 =
        store.raw_connection().query_row("SELECT count(*) FROM outbox", [], |row| row.get(0)).unwrap();
    assert_eq!(remaining, 0, "nothing of a settled case stays in the outbox");
    // One audit row names every item acknowledged, with one SM3 over what was sent.
    let acknowledgement = store
        .audit_entries(None, 1_000)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "sync_confirmed")
        .collect::<Vec<_>>();
    assert_eq!(acknowledgement.len(), 1, "one row for the acknowledgement, none for the repeat");
    let ids_named: Vec<String> = acknowledgement[0].details["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids_named, ids.iter().map(ToString::to_string).collect::<Vec<_>>());
    let mut digest = sm3::Sm3::new();
    for item in &pending {
        digest.update(item.id.to_string().as_bytes());
        digest.update(sm3::Sm3::digest(serde_json::to_string(&item.payload).unwrap().as_bytes()));
    }
    assert_eq!(
        acknowledgement[0].details["sm3"].as_str().unwrap(),
        hex(&digest.finalize()),
        "the digest covers each item's id and the SM3 of the payload sent"
    );
    assert!(store.read_case(&case_id).unwrap().record == record, "the case keeps its record");
    assert!(store.read_case(&case_id).unwrap().synced, "every item confirmed: the case is synced");
    assert!(store.worklist(Worklist::NotSynced, march(2), 10).unwrap().is_empty());

    let actions: Vec<String> =
        store.audit_entries(Some(&case_id), 100).unwrap().into_iter().map(|entry| entry.action).collect();
    assert_eq!(
        actions,
        [
            "case_created",
            "draft_saved",
            "case_state_changed",
            "case_state_changed",
            "case_state_changed",
            "case_state_changed",
            "case_viewed",
            "sync_failed"
        ]
    );
    let saved = store.audit_entries(Some(&case_id), 100).unwrap().into_iter().nth(1).unwrap();
    assert_eq!(
        saved.details["changed"],
        json!(["/applicant/phone"]),
        "the audit names the field, not its value"
    );
    assert_eq!(saved.details["index_changed"], json!(["application_number", "phone"]));
    // A step's row names the deadline and that a note was written only when there are
    // such (the acceptance has both; the review neither): absent, not null or false.
    let steps: Vec<_> = store
        .audit_entries(Some(&case_id), 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "case_state_changed")
        .map(|entry| entry.details)
        .collect();
    assert_eq!(
        (steps[0]["due_date"].as_str(), steps[0]["with_note"].as_bool()),
        (Some("2026-03-04"), Some(true))
    );
    assert!(steps[1].get("due_date").is_none() && steps[1].get("with_note").is_none(), "{}", steps[1]);
    assert!(store.audit_verify().unwrap().is_intact());
}

#[test]
fn a_stale_state_change_is_refused_and_writes_nothing() {
    let (_dir, mut store, admin) = new_store();
    let (record, index) = sample_case(2);
    let case_id = store.create_case(&admin, &record, &index, at(10)).unwrap();
    store.transition(&admin, &case_id, &change(CaseState::Draft, CaseState::Accepted), at(11)).unwrap();
    let audit_rows = store.audit_entries(None, 1000).unwrap().len();

    let error = store
        .transition(&admin, &case_id, &change(CaseState::Draft, CaseState::NoticeIssued), at(12))
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Conflict { expected_state: CaseState::Draft, actual: CaseState::Accepted }
        ),
        "got {error:?}"
    );
    let error = store.save_draft(&admin, &case_id, &record, &index, at(12)).unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict { actual: CaseState::Accepted, .. }),
        "an accepted case is no draft"
    );
    assert_eq!(store.case_events(&case_id).unwrap().len(), 2);
    assert_eq!(store.outbox_pending(10).unwrap().len(), 1);
    assert_eq!(
        store.audit_entries(None, 1000).unwrap().len(),
        audit_rows,
        "a refused change is not audited as done"
    );

    let unknown = CaseId::new(at(0)).unwrap();
    let error = store
        .transition(&admin, &unknown, &change(CaseState::Draft, CaseState::Accepted), at(13))
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { what: "case", .. }), "got {error:?}");
}

#[test]
fn application_numbers_are_unique() {
    let (_dir, mut store, admin) = new_store();
    let (record, mut index) = sample_case(3);
    index.application_number = Some("HY0042".into());
    store.create_case(&admin, &record, &index, at(10)).unwrap();
    let error = store.create_case(&admin, &record, &index, at(11)).unwrap_err();
    assert!(
        matches!(error, StoreError::DuplicateApplicationNumber { ref application_number } if application_number == "HY0042"),
        "got {error:?}"
    );
}

#[test]
fn a_quarantined_item_leaves_the_queue_and_the_case_unsynced() {
    let (_dir, mut store, admin) = new_store();
    let (record, index) = sample_case(4);
    let case_id = store.create_case(&admin, &record, &index, at(10)).unwrap();
    let receipt =
        store.transition(&admin, &case_id, &change(CaseState::Draft, CaseState::Accepted), at(11)).unwrap();
    store.outbox_quarantine(&receipt.outbox_id, "province: field 12 invalid", at(12)).unwrap();
    assert!(store.outbox_pending(10).unwrap().is_empty());
    let item = store.outbox_item(&receipt.outbox_id).unwrap();
    assert_eq!(item.status, OutboxStatus::Quarantined);
    assert_eq!(item.last_error.as_deref(), Some("province: field 12 invalid"));
    assert_eq!(store.worklist(Worklist::NotSynced, march(2), 10).unwrap().len(), 1);
}

#[test]
fn printing_the_slip_takes_the_case_off_the_slip_worklist() {
    let (_dir, mut store, admin) = new_store();
    let (record, mut index) = sample_case(5);
    index.slip_required = true;
    let case_id = store.create_case(&admin, &record, &index, at(10)).unwrap();
    for (from, to) in [
        (CaseState::Draft, CaseState::Accepted),
        (CaseState::Accepted, CaseState::Reviewed),
        (CaseState::Reviewed, CaseState::Approved),
        (CaseState::Approved, CaseState::Issued),
    ] {
        store.transition(&admin, &case_id, &change(from, to), at(11)).unwrap();
    }
    assert_eq!(store.worklist(Worklist::IssuedAwaitingSlip, march(2), 10).unwrap().len(), 1);
    store.mark_slip_printed(&admin, &case_id, serde_json::json!({"printer": "PDF"}), at(12)).unwrap();
    assert!(store.worklist(Worklist::IssuedAwaitingSlip, march(2), 10).unwrap().is_empty());
    let printed = store.audit_entries(Some(&case_id), 100).unwrap().into_iter().last().unwrap();
    assert_eq!(
        (printed.action.as_str(), &printed.details),
        ("printed", &json!({ "document": "confirmation_slip", "printer": "PDF" }))
    );
}

#[test]
fn a_draft_given_up_tells_the_platform_the_state_change_without_the_record() {
    let (_dir, mut store, admin) = new_store();
    let (record, index) = sample_case(9);
    let case_id = store.create_case(&admin, &record, &index, at(10)).unwrap();
    let receipt = store
        .transition(
            &admin,
            &case_id,
            &StateChange {
                from: CaseState::Draft,
                to: CaseState::Withdrawn,
                note: Some("放弃".to_owned()),
                due_date: None,
                profile: None,
            },
            at(11),
        )
        .unwrap();
    let item = store.outbox_item(&receipt.outbox_id).unwrap();
    assert_eq!(
        (item.payload["from"].as_str(), item.payload["to"].as_str()),
        (Some("draft"), Some("withdrawn"))
    );
    assert!(
        item.payload["record"].is_null(),
        "no personal data for an application never made: {}",
        item.payload
    );
    assert!(store.worklist(Worklist::Drafts, march(2), 10).unwrap().is_empty(), "off the drafts list");
}

#[test]
fn each_acceptance_keeps_the_application_as_it_was_accepted() {
    let (_dir, mut store, admin) = new_store();
    let acceptor = add_clerk(&mut store, &admin, "acceptor", Roles::ACCEPT);
    let reviewer = add_clerk(&mut store, &admin, "reviewer", Roles::REVIEW);
    let case_id = CaseId::new(at(10)).unwrap();
    let (mut record, index) = sample_case(3);
    store.save_draft(&acceptor, &case_id, &record, &index, at(10)).unwrap();
    assert!(store.accepted_records(&case_id).unwrap().is_empty(), "a draft was never accepted");
    let first = record.clone();
    store.transition(&acceptor, &case_id, &change(CaseState::Draft, CaseState::Accepted), at(20)).unwrap();

    // Sent back (退回补正), revised with the applicant, accepted again.
    store
        .transition(&reviewer, &case_id, &change(CaseState::Accepted, CaseState::NoticeIssued), at(30))
        .unwrap();
    store
        .transition(&acceptor, &case_id, &change(CaseState::NoticeIssued, CaseState::Draft), at(40))
        .unwrap();
    record["evidence"]["employment"] = json!(["labour_contract", "social_insurance"]);
    store.save_draft(&acceptor, &case_id, &record, &index, at(41)).unwrap();
    store.transition(&acceptor, &case_id, &change(CaseState::Draft, CaseState::Accepted), at(50)).unwrap();

    let accepted = store.accepted_records(&case_id).unwrap();
    assert_eq!(accepted, vec![(at(20), first), (at(50), record)]);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// An office upgraded from a program that kept confirmed items in the outbox: the next
/// acknowledgement settles them too, counted in its audit row, and their cases stay synced.
#[test]
fn items_an_older_program_kept_confirmed_are_settled_with_the_next_acknowledgement() {
    let (_dir, mut store, admin) = new_store();
    let acceptor = add_clerk(&mut store, &admin, "acceptor", Roles::ACCEPT);
    let mut cases = Vec::new();
    for n in 0..3 {
        let case_id = CaseId::new(at(10 + n)).unwrap();
        let (record, index) = sample_case(u32::try_from(n).unwrap());
        store.save_draft(&acceptor, &case_id, &record, &index, at(10 + n)).unwrap();
        let accept =
            StateChange { due_date: Some(march(4)), ..change(CaseState::Draft, CaseState::Accepted) };
        store.transition(&acceptor, &case_id, &accept, at(20 + n)).unwrap();
        cases.push(case_id);
    }
    let pending = store.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 3);
    // What the previous program left: two items confirmed in place, their cases synced.
    store
        .raw_connection()
        .execute_batch(&format!(
            "UPDATE outbox SET status = 'confirmed' WHERE id IN ('{}', '{}');
             UPDATE cases SET synced = 1 WHERE id IN (SELECT case_id FROM outbox WHERE status = 'confirmed');",
            pending[0].id, pending[1].id
        ))
        .unwrap();

    assert_eq!(store.outbox_mark_confirmed(&[pending[2].id], at(40)).unwrap(), 1);
    let left: i64 =
        store.raw_connection().query_row("SELECT count(*) FROM outbox", [], |row| row.get(0)).unwrap();
    assert_eq!(left, 0, "the acknowledged item and the two left confirmed are gone");
    for case_id in &cases {
        assert!(store.read_case(case_id).unwrap().synced);
    }
    let row = store
        .audit_entries(None, 1_000)
        .unwrap()
        .into_iter()
        .find(|entry| entry.action == "sync_confirmed")
        .unwrap();
    assert_eq!(row.details["count"], 1);
    assert_eq!(row.details["earlier_confirmed"], 2);
    assert!(store.audit_verify().unwrap().is_intact());

    // The contract's `sequence` only grows, though every item before it left the table
    // (SQLite alone would give the next row the last deleted rowid again).
    let reviewer = add_clerk(&mut store, &admin, "reviewer", Roles::REVIEW);
    store
        .transition(&reviewer, &cases[0], &change(CaseState::Accepted, CaseState::Reviewed), at(50))
        .unwrap();
    let next = store.outbox_pending(10).unwrap();
    assert_eq!(next.len(), 1);
    assert!(next[0].seq > pending[2].seq, "seq {} after {}", next[0].seq, pending[2].seq);
}
