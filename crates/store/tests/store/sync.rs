//! What the sync client needs from the store: the sendable queue (a case waits behind its
//! quarantined item), batched attempts, quarantine with the platform's code, fix and
//! resend, the device identity, and decisions applied once with the cursor.

use serde_json::json;
use store::{CaseState, IncomingDecision, OutboxStatus, StateChange, StoreError};

use crate::common::{at, new_store, sample_case};

fn change(from: CaseState, to: CaseState) -> StateChange {
    StateChange { from, to, note: None, due_date: None, profile: None }
}

#[test]
fn a_quarantined_item_holds_back_its_case_only_until_it_is_released() {
    let (_dir, mut store, admin) = new_store();
    let (record, index) = sample_case(1);
    let held_case = store.create_case(&admin, &record, &index, at(10)).unwrap();
    let (record, index) = sample_case(2);
    let other_case = store.create_case(&admin, &record, &index, at(10)).unwrap();
    let first =
        store.transition(&admin, &held_case, &change(CaseState::Draft, CaseState::Accepted), at(11)).unwrap();
    store.transition(&admin, &other_case, &change(CaseState::Draft, CaseState::Accepted), at(12)).unwrap();
    store.transition(&admin, &held_case, &change(CaseState::Accepted, CaseState::Reviewed), at(13)).unwrap();
    assert_eq!(store.outbox_count_sendable().unwrap(), 3);
    let sendable = store.outbox_sendable(10).unwrap();
    assert!(sendable.windows(2).all(|pair| pair[0].seq < pair[1].seq), "queue order");

    // One attempt for the three: the error is kept, the attempt is counted once.
    let ids: Vec<_> = sendable.iter().map(|item| item.id).collect();
    assert_eq!(store.outbox_mark_attempts(&ids, None, at(20)).unwrap(), 3);
    assert_eq!(store.outbox_mark_attempts(&ids, Some("platform unreachable"), at(21)).unwrap(), 3);
    let item = store.outbox_item(&first.outbox_id).unwrap();
    assert_eq!(
        (item.status, item.attempts, item.last_error.as_deref()),
        (OutboxStatus::Sent, 1, Some("platform unreachable"))
    );

    store.outbox_quarantine_with_code(&first.outbox_id, "RECORD_INVALID", "字段不合规", at(22)).unwrap();
    let sendable = store.outbox_sendable(10).unwrap();
    assert_eq!(sendable.len(), 1, "the held case's later item waits behind its quarantined one");
    assert_eq!(sendable[0].case_id, Some(other_case));
    let summary = store.outbox_summary().unwrap();
    assert_eq!((summary.pending, summary.held, summary.quarantined), (2, 1, 1));
    assert_eq!(summary.oldest_pending_at, Some(at(12)));
    let quarantined = store.outbox_quarantined(10).unwrap();
    assert_eq!(quarantined[0].quarantine_code.as_deref(), Some("RECORD_INVALID"));
    assert_eq!(quarantined[0].last_error.as_deref(), Some("字段不合规"));

    // Fix and resend: same id, same content, back in the queue with its case behind it.
    store.outbox_requeue(&admin, &first.outbox_id, at(30)).unwrap();
    let item = store.outbox_item(&first.outbox_id).unwrap();
    assert_eq!((item.status, item.quarantine_code, item.last_error), (OutboxStatus::Queued, None, None));
    assert_eq!(store.outbox_count_sendable().unwrap(), 3);
    let error = store.outbox_requeue(&admin, &first.outbox_id, at(31)).unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput { what: "outbox item", .. }), "got {error:?}");

    let actions: Vec<String> =
        store.audit_entries(Some(&held_case), 100).unwrap().into_iter().map(|entry| entry.action).collect();
    assert!(actions.ends_with(&["sync_quarantined".to_owned(), "sync_requeued".to_owned()]), "{actions:?}");
    let requeued = store.audit_entries(Some(&held_case), 100).unwrap().pop().unwrap();
    assert_eq!(requeued.actor, "admin", "a person released it");
    assert_eq!(requeued.details["code"], "RECORD_INVALID");
    assert!(store.audit_verify().unwrap().is_intact());
}

#[test]
fn the_device_identity_is_created_once() {
    let (_dir, mut store, _admin) = new_store();
    assert!(store.device_secret().unwrap().is_none());
    let first = store.device_secret_or_insert("counter-1", &[7; 32], at(1)).unwrap();
    let again = store.device_secret_or_insert("counter-2", &[9; 32], at(2)).unwrap();
    assert_eq!((again.device_id.as_str(), *again.secret), ("counter-1", [7; 32]), "never replaced");
    assert_eq!(first.created_at, at(1));
    assert!(!format!("{first:?}").contains("7, 7"), "Debug hides the key");
    assert_eq!(store.sync_state().unwrap().device_id.as_deref(), Some("counter-1"));
    let created = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "device_identity_created")
        .count();
    assert_eq!(created, 1);
}

#[test]
fn decisions_are_applied_once_by_the_platform_account_with_the_cursor() {
    let (_dir, mut store, admin) = new_store();
    let (record, index) = sample_case(3);
    let case_id = store.create_case(&admin, &record, &index, at(10)).unwrap();
    for (from, to) in [
        (CaseState::Draft, CaseState::Accepted),
        (CaseState::Accepted, CaseState::Reviewed),
        (CaseState::Reviewed, CaseState::Approved),
    ] {
        store.transition(&admin, &case_id, &change(from, to), at(11)).unwrap();
    }
    let issued = IncomingDecision {
        cursor: 7,
        case_id: Some(case_id),
        kind: "permit_issued".to_owned(),
        decision: json!({ "permit_number": "330020260000001" }),
        change: Some(StateChange {
            from: CaseState::Approved,
            to: CaseState::Issued,
            note: Some("330020260000001".to_owned()),
            due_date: None,
            profile: None,
        }),
        outcome: "applied".to_owned(),
    };
    let sms = IncomingDecision {
        cursor: 8,
        kind: "sms_sent".to_owned(),
        decision: json!({}),
        change: None,
        outcome: "recorded".to_owned(),
        ..issued.clone()
    };
    assert_eq!(store.apply_platform_decisions(&[issued.clone(), sms.clone()], 8, at(20)).unwrap(), 2);
    assert_eq!(store.apply_platform_decisions(&[issued, sms], 8, at(21)).unwrap(), 0, "a page fetched twice");
    assert_eq!(store.sync_state().unwrap().decision_cursor, 8);
    let case = store.read_case(&case_id).unwrap();
    assert_eq!(case.state, CaseState::Issued);
    let last = store.case_events(&case_id).unwrap().pop().unwrap();
    assert_eq!(
        (last.actor, last.note.as_deref()),
        (store.platform_user().unwrap().id, Some("330020260000001"))
    );
    let stored = store.platform_decisions(&case_id).unwrap();
    assert_eq!(stored.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(), ["permit_issued", "sms_sent"]);
    // The issue is a state change like any other: it is queued for the platform too.
    assert_eq!(store.outbox_sendable(10).unwrap().last().unwrap().payload["actor"], "platform");
    assert!(store.users().unwrap().iter().all(|user| user.username != "PLATFORM"));
    assert!(store.audit_verify().unwrap().is_intact());
}

#[test]
fn sync_outcomes_are_kept_for_the_header() {
    let (_dir, mut store, _admin) = new_store();
    store.record_sync_outcome(at(1), Some(("无法连接省平台", true))).unwrap();
    let state = store.sync_state().unwrap();
    assert_eq!((state.last_attempt_at, state.last_success_at), (Some(at(1)), None));
    assert_eq!((state.last_error.as_deref(), state.last_error_offline), (Some("无法连接省平台"), true));
    store.record_sync_outcome(at(2), None).unwrap();
    let state = store.sync_state().unwrap();
    assert_eq!(
        (state.last_success_at, state.last_error, state.last_error_offline),
        (Some(at(2)), None, false)
    );
}

#[test]
fn the_office_slip_key_is_created_once_and_kept_encrypted_with_the_office() {
    let (dir, mut store, admin) = new_store();
    assert!(store.slip_signing_seed().unwrap().is_none());
    let mut calls = 0;
    let first = store
        .slip_signing_seed_or_create(
            &admin,
            |seed| {
                calls += 1;
                format!("public-of-{}", seed[0])
            },
            at(1),
        )
        .unwrap();
    let again =
        store.slip_signing_seed_or_create(&admin, |_| unreachable!("not created twice"), at(2)).unwrap();
    assert_eq!(*first, *again, "never replaced");
    assert_eq!(calls, 1);
    assert_ne!(*first, [0; 32], "random, not a default");
    let created: Vec<_> = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "office_key_created")
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].details["public_key"], format!("public-of-{}", first[0]));
    let hex: String = first.iter().map(|byte| format!("{byte:02x}")).collect();
    assert!(!created[0].details.to_string().contains(&hex), "the seed never enters the audit trail");
    store.close().unwrap();
    let database = std::fs::read(dir.path().join(store::DB_FILE_NAME)).unwrap();
    assert!(!database.windows(hex.len()).any(|window| window == hex.as_bytes()), "encrypted at rest");
}

#[test]
fn the_platforms_bundle_key_is_set_by_an_administrator_audited_and_kept_across_reopening() {
    let (dir, mut store, admin) = new_store();
    assert_eq!(store.platform_bundle_key().unwrap(), None);
    let approver = crate::common::add_clerk(&mut store, &admin, "shenpi", store::Roles::APPROVE);
    let first = [0x11_u8; 32];
    let refused = store.set_platform_bundle_key(&approver, &first, at(3)).unwrap_err();
    assert!(matches!(refused, StoreError::Forbidden { .. }), "got {refused:?}");
    assert_eq!(store.platform_bundle_key().unwrap(), None, "nothing stored by a refusal");

    assert_eq!(store.set_platform_bundle_key(&admin, &first, at(4)).unwrap(), store::PlatformKeyChange::Set);
    assert_eq!(
        store.set_platform_bundle_key(&admin, &first, at(5)).unwrap(),
        store::PlatformKeyChange::Unchanged
    );
    let second = [0x22_u8; 32];
    assert_eq!(
        store.set_platform_bundle_key(&admin, &second, at(6)).unwrap(),
        store::PlatformKeyChange::Replaced { previous: first }
    );
    assert_eq!(store.platform_bundle_key().unwrap(), Some(second));

    let set: Vec<_> = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "platform_key_set")
        .collect();
    assert_eq!(set.len(), 2, "the unchanged set is not audited: {set:?}");
    let replaced = set.iter().find(|entry| entry.at == at(6)).unwrap();
    assert_eq!(replaced.actor, "admin");
    assert!(replaced.details["public_key"].as_str().unwrap().starts_with("2222 2222"), "{replaced:?}");
    assert!(
        replaced.details["previous_public_key"].as_str().unwrap().starts_with("1111 1111"),
        "{replaced:?}"
    );
    assert!(store.audit_verify().unwrap().is_intact());
    store.close().unwrap();

    let reopened = store::Store::open_with_options(
        dir.path(),
        "admin",
        crate::common::ADMIN_PASSWORD,
        at(7),
        crate::common::options(),
    );
    let (reopened, _) = reopened.unwrap();
    assert_eq!(reopened.platform_bundle_key().unwrap(), Some(second), "kept in the office database");
}

#[test]
fn the_reference_update_key_is_its_own_and_a_loaded_update_is_never_replaced_by_an_older_one() {
    let (_dir, mut store, admin) = new_store();
    let key = [0x33_u8; 32];
    store.set_trusted_key(&admin, store::TrustedKey::ReferenceUpdates, &key, at(3)).unwrap();
    assert_eq!(store.trusted_key(store::TrustedKey::ReferenceUpdates).unwrap(), Some(key));
    assert_eq!(store.platform_bundle_key().unwrap(), None, "the platform's key is another key");

    let update = |serial| store::StoredReferenceUpdate {
        serial,
        issuer: "建德市公安局".to_owned(),
        issued_on: "2026-12-01".to_owned(),
        content: r#"{"years": {}}"#.to_owned(),
    };
    let clerk = crate::common::add_clerk(&mut store, &admin, "shouli", store::Roles::ACCEPT);
    let refused = store.load_reference_update(&clerk, "holidays", &update(5), at(4)).unwrap_err();
    assert!(matches!(refused, StoreError::Forbidden { .. }), "got {refused:?}");
    store.load_reference_update(&admin, "holidays", &update(5), at(4)).unwrap();
    for serial in [5, 4] {
        let refused = store.load_reference_update(&admin, "holidays", &update(serial), at(5)).unwrap_err();
        assert!(matches!(refused, StoreError::InvalidInput { .. }), "serial {serial}: {refused:?}");
    }
    assert_eq!(store.reference_update("holidays").unwrap().map(|update| update.serial), Some(5));
    store.load_reference_update(&admin, "holidays", &update(6), at(6)).unwrap();

    let entries = store.audit_entries(None, 100).unwrap();
    let key_set: Vec<_> = entries.iter().filter(|entry| entry.action == "reference_key_set").collect();
    assert_eq!(key_set.len(), 1);
    assert_eq!(key_set[0].details["purpose"], "reference_updates");
    let loaded: Vec<_> = entries.iter().filter(|entry| entry.action == "reference_update_loaded").collect();
    assert_eq!(loaded.len(), 2, "refusals are not audited");
    let last = loaded.iter().find(|entry| entry.at == at(6)).unwrap();
    assert_eq!(
        (last.details["serial"].as_u64(), last.details["previous_serial"].as_u64()),
        (Some(6), Some(5))
    );
    assert!(store.audit_verify().unwrap().is_intact());
}

#[test]
fn a_device_key_change_is_kept_until_answered_and_a_refusal_keeps_the_old_key() {
    let (_dir, mut store, admin) = new_store();
    let (previous, next) = ("a".repeat(64), "b".repeat(64));
    // Nothing to order before the office has a device identity.
    assert!(store.order_device_key_change(&admin, (&previous, &next), &[2; 32], at(1)).unwrap().is_none());
    store.device_secret_or_insert("counter-1", &[1; 32], at(2)).unwrap();
    let clerk = crate::common::add_clerk(&mut store, &admin, "li", store::Roles::ACCEPT);
    let refused = store.order_device_key_change(&clerk, (&previous, &next), &[2; 32], at(3)).unwrap_err();
    assert!(matches!(refused, StoreError::Forbidden { .. }), "an administrator's order only: {refused:?}");

    let order = store.order_device_key_change(&admin, (&previous, &next), &[2; 32], at(4)).unwrap().unwrap();
    assert_eq!((order.device_id.as_str(), order.username.as_str()), ("counter-1", "admin"));
    assert_eq!(order.verify(), Ok(()), "signed by the administrator's clerk key");
    let pending = store.pending_device_key_change().unwrap().expect("kept until answered");
    assert_eq!((pending.change.clone(), *pending.secret), (order, [2; 32]));
    assert!(!format!("{pending:?}").contains("2, 2, 2"), "Debug never shows the secret");

    store.settle_device_key_change(Some("签署设备密钥变更单的管理员密钥已注销。"), at(5)).unwrap();
    assert!(store.pending_device_key_change().unwrap().is_none());
    assert_eq!(*store.device_secret().unwrap().unwrap().secret, [1; 32], "refused: the old key stays");

    store.order_device_key_change(&admin, (&previous, &next), &[3; 32], at(6)).unwrap().unwrap();
    store.settle_device_key_change(None, at(7)).unwrap();
    assert_eq!(*store.device_secret().unwrap().unwrap().secret, [3; 32], "taken: the new key signs");
    assert!(store.pending_device_key_change().unwrap().is_none());
    // Settling with nothing pending changes nothing.
    store.settle_device_key_change(None, at(8)).unwrap();
    assert_eq!(*store.device_secret().unwrap().unwrap().secret, [3; 32]);

    let actions: Vec<String> =
        store.audit_entries(None, 100).unwrap().into_iter().map(|entry| entry.action).collect();
    for (action, times) in
        [("device_key_change_ordered", 2), ("device_key_change_refused", 1), ("device_key_changed", 1)]
    {
        assert_eq!(actions.iter().filter(|a| *a == action).count(), times, "{action}: {actions:?}");
    }
    assert_eq!(store.audit_verify().unwrap().problem, None, "the chain is whole");
}

/// A second re-key while the first order waits: the platform may have taken the first
/// (its answer lost), so the second replaces the first's new key and waits behind it; each
/// answer settles the first of the chain; a refusal drops the orders after it (each names a
/// key the platform now never holds); an order for the current key replaces the chain.
#[test]
fn device_key_changes_made_while_one_waits_form_a_chain_settled_in_order() {
    let (_dir, mut store, admin) = new_store();
    store.device_secret_or_insert("counter-1", &[1; 32], at(1)).unwrap();
    let (k0, k1, k2, k3) = ("a".repeat(64), "b".repeat(64), "c".repeat(64), "d".repeat(64));
    let first = store.order_device_key_change(&admin, (&k0, &k1), &[2; 32], at(2)).unwrap().unwrap();
    let second = store.order_device_key_change(&admin, (&k1, &k2), &[3; 32], at(3)).unwrap().unwrap();
    let chain = store.pending_device_key_changes().unwrap();
    let kept: Vec<_> = chain.iter().map(|pending| (pending.change.clone(), *pending.secret)).collect();
    assert_eq!(kept, [(first.clone(), [2; 32]), (second.clone(), [3; 32])], "both kept, oldest first");
    assert_eq!(store.pending_device_key_change().unwrap().unwrap().change, first, "the first is sent first");

    store.settle_device_key_change(None, at(4)).unwrap();
    assert_eq!(*store.device_secret().unwrap().unwrap().secret, [2; 32], "the first's key signs");
    let chain = store.pending_device_key_changes().unwrap();
    assert_eq!(chain.iter().map(|pending| pending.change.clone()).collect::<Vec<_>>(), [second]);
    store.settle_device_key_change(None, at(5)).unwrap();
    assert_eq!(*store.device_secret().unwrap().unwrap().secret, [3; 32], "then the second's");
    assert!(store.pending_device_key_changes().unwrap().is_empty());

    // A refusal of the first drops the ones after it; the office keeps its key.
    store.order_device_key_change(&admin, (&k2, &k3), &[4; 32], at(6)).unwrap().unwrap();
    store.order_device_key_change(&admin, (&k3, &k0), &[5; 32], at(7)).unwrap().unwrap();
    store.settle_device_key_change(Some("签署设备密钥变更单的管理员密钥已注销。"), at(8)).unwrap();
    assert!(store.pending_device_key_changes().unwrap().is_empty(), "nothing left to send");
    assert_eq!(*store.device_secret().unwrap().unwrap().secret, [3; 32]);

    // An order for the key the office holds (not a waiting order's) replaces the chain.
    store.order_device_key_change(&admin, (&k2, &k3), &[6; 32], at(9)).unwrap().unwrap();
    store.order_device_key_change(&admin, (&k3, &k1), &[7; 32], at(10)).unwrap().unwrap();
    let alone = store.order_device_key_change(&admin, (&k2, &k0), &[8; 32], at(11)).unwrap().unwrap();
    let chain = store.pending_device_key_changes().unwrap();
    assert_eq!(chain.iter().map(|pending| pending.change.clone()).collect::<Vec<_>>(), [alone]);

    let entries = store.audit_entries(None, 100).unwrap();
    let waiting: Vec<_> = entries
        .iter()
        .filter(|entry| entry.action == "device_key_change_ordered")
        .map(|entry| entry.details["waiting_before"].as_u64())
        .collect();
    assert_eq!(waiting, [Some(0), Some(1), Some(0), Some(1), Some(0), Some(1), Some(0)], "oldest first");
    let refused = entries.iter().find(|entry| entry.action == "device_key_change_refused").unwrap();
    assert_eq!(refused.details["dropped_after"].as_u64(), Some(1));
    assert_eq!(store.audit_verify().unwrap().problem, None, "the chain is whole");
}
