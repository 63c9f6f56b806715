//! Each clerk's signing key (issue 18): made with the account, certified by the
//! administrator, replaced by one of the clerk's own when they choose their password,
//! unwrapped only by their own password; every step they take is signed over the record
//! and the case's previous signed step.

use clerk_signing::{KeyCertificate, NO_PREVIOUS, StepSignature};
use store::{CaseState, Roles, StateChange, Store};

use crate::common::{ADMIN_PASSWORD, CLERK_PASSWORD, add_clerk, at, new_store, options, sample_case};

fn certificates_of<'a>(all: &'a [KeyCertificate], username: &str) -> Vec<&'a KeyCertificate> {
    all.iter().filter(|certificate| certificate.username == username).collect()
}

#[test]
fn the_root_certifies_each_clerk_and_a_clerks_own_password_brings_their_own_key() {
    let (_dir, mut store, admin) = new_store();
    let mut clerk = add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    let all = store.clerk_key_certificates().unwrap();
    let root = certificates_of(&all, "admin")[0].clone();
    assert!(root.is_self_signed() && root.administrator, "the first administrator's key is the root");
    let issued = certificates_of(&all, "li")[0].clone();
    assert_eq!(issued.issuer.as_deref(), Some(root.public_key.as_str()), "the administrator issued li's key");
    assert!(!issued.administrator);
    assert_eq!(issued.verify(), Ok(()));
    assert_eq!(clerk.signing_key_fingerprint(), Some(clerk_signing::fingerprint(&issued.public_key)));

    // li chooses their own password: a new key, certified by the one the administrator made.
    store.change_password(&mut clerk, CLERK_PASSWORD, "li-own-password-9", at(3)).unwrap();
    let all = store.clerk_key_certificates().unwrap();
    let own = certificates_of(&all, "li")[1].clone();
    assert_eq!(own.issuer.as_deref(), Some(issued.public_key.as_str()));
    assert_eq!(own.verify(), Ok(()));
    assert_eq!(clerk.signing_key_fingerprint(), Some(clerk_signing::fingerprint(&own.public_key)));
    let again = store.login("li", "li-own-password-9", at(4)).unwrap();
    assert_eq!(again.signing_key_fingerprint(), clerk.signing_key_fingerprint(), "the slot keeps the key");

    // An administrator's reset makes a key the administrator certifies again.
    store.add_slot(&admin, "li", "reset-password-7", at(5)).unwrap();
    let reset = store.login("li", "reset-password-7", at(6)).unwrap();
    let all = store.clerk_key_certificates().unwrap();
    let after_reset = certificates_of(&all, "li")[2].clone();
    assert_eq!(after_reset.issuer.as_deref(), Some(root.public_key.as_str()));
    assert_eq!(reset.signing_key_fingerprint(), Some(clerk_signing::fingerprint(&after_reset.public_key)));
}

#[test]
fn each_step_is_signed_by_its_clerk_over_the_record_and_the_previous_step() {
    let (_dir, mut store, admin) = new_store();
    let accepting = add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    let reviewing = add_clerk(&mut store, &admin, "wang", Roles::REVIEW);
    let (record, index) = sample_case(1);
    let case_id = store.create_case(&accepting, &record, &index, at(10)).unwrap();
    let step = |from, to| StateChange { from, to, note: None, due_date: None, profile: None };
    store.transition(&accepting, &case_id, &step(CaseState::Draft, CaseState::Accepted), at(11)).unwrap();
    store.transition(&reviewing, &case_id, &step(CaseState::Accepted, CaseState::Reviewed), at(12)).unwrap();

    let items = store.outbox_pending(100).unwrap();
    let steps: Vec<_> = items.iter().filter(|item| item.kind == "case_state_changed").collect();
    assert_eq!(steps.len(), 2);
    let signature = |index: usize| -> StepSignature {
        serde_json::from_value(steps[index].payload["signature"].clone()).expect("a clerk's step is signed")
    };
    let (accepted, reviewed) = (signature(0), signature(1));
    let all = store.clerk_key_certificates().unwrap();
    assert_eq!(accepted.key, certificates_of(&all, "li")[0].public_key);
    assert_eq!(reviewed.key, certificates_of(&all, "wang")[0].public_key);
    assert_eq!(accepted.previous, NO_PREVIOUS);
    assert_eq!(reviewed.previous, accepted.link(), "the review signs over the acceptance");
    assert_eq!(accepted.record, clerk_signing::record_digest(&steps[0].payload["record"]));
    assert_eq!(reviewed.record, accepted.record, "the same application");
    let payload = &steps[1].payload;
    let verify =
        |to: &str| reviewed.verify(&case_id.to_string(), "accepted", to, payload["at"].as_str().unwrap());
    assert_eq!(verify("reviewed"), Ok(()));
    assert!(verify("approved").is_err(), "a signature is for its own step only");
}

#[test]
fn a_slot_from_before_signing_gets_a_key_at_log_in_which_the_administrator_certifies() {
    let (dir, mut store, admin) = new_store();
    add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    store.close().unwrap();
    // The key-slot file as an older program wrote it: no signing key in li's slot, and the
    // office has no certificate for li.
    let path = Store::key_slots_path(dir.path());
    let mut slots: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for slot in slots["slots"].as_array_mut().unwrap() {
        if slot["username"] == "li" {
            slot.as_object_mut().unwrap().remove("signing");
        }
    }
    std::fs::write(&path, slots.to_string()).unwrap();
    {
        let (store, _) =
            Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(2), options()).unwrap();
        store
            .raw_connection()
            .execute(
                "DELETE FROM clerk_keys WHERE user_id = (SELECT id FROM users WHERE username = 'li')",
                [],
            )
            .unwrap();
        store.close().unwrap();
    }

    let (mut store, li) =
        Store::open_with_options(dir.path(), "li", CLERK_PASSWORD, at(3), options()).unwrap();
    let all = store.clerk_key_certificates().unwrap();
    let made = certificates_of(&all, "li");
    assert_eq!(made.len(), 1);
    assert!(made[0].is_self_signed() && !made[0].administrator, "waiting for an administrator: {made:?}");
    assert_eq!(li.signing_key_fingerprint(), Some(clerk_signing::fingerprint(&made[0].public_key)));
    let slots: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let slot = slots["slots"].as_array().unwrap().iter().find(|slot| slot["username"] == "li").unwrap();
    assert_eq!(slot["signing"]["public_key"], made[0].public_key.as_str(), "kept in li's slot, wrapped");
    assert!(!slot.to_string().contains(&made[0].signature), "no certificate in the slot");

    // The administrator's next log-in certifies it, once.
    store.login("admin", ADMIN_PASSWORD, at(4)).unwrap();
    store.login("admin", ADMIN_PASSWORD, at(5)).unwrap();
    let all = store.clerk_key_certificates().unwrap();
    let certified = certificates_of(&all, "li");
    assert_eq!(certified.len(), 2, "{certified:?}");
    assert_eq!(certified[1].public_key, made[0].public_key);
    assert_eq!(certified[1].issuer.as_deref(), Some(certificates_of(&all, "admin")[0].public_key.as_str()));
    assert_eq!(certified[1].verify(), Ok(()));
    let trail = store.audit_entries(None, 100).unwrap();
    assert_eq!(trail.iter().filter(|entry| entry.action == "clerk_key_certified").count(), 2);
    // Another clerk's password does not open li's key: the slot is bound to li.
    assert!(store.login("li", ADMIN_PASSWORD, at(6)).is_err());
}

#[test]
fn revoking_a_clerk_or_leaving_an_administrators_password_revokes_the_keys_that_ended() {
    let (_dir, mut store, admin) = new_store();
    let mut li = add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    add_clerk(&mut store, &admin, "wang", Roles::REVIEW);
    let all = store.clerk_key_certificates().unwrap();
    let (root, li_first, wang_key) = (
        certificates_of(&all, "admin")[0].public_key.clone(),
        certificates_of(&all, "li")[0].public_key.clone(),
        certificates_of(&all, "wang")[0].public_key.clone(),
    );
    assert!(store.clerk_key_revocations().unwrap().is_empty());

    // li's own password: the key made under the administrator's password revokes itself.
    store.change_password(&mut li, CLERK_PASSWORD, "li-own-password-9", at(3)).unwrap();
    let revocations = store.clerk_key_revocations().unwrap();
    assert_eq!(revocations.len(), 1);
    assert_eq!(
        (revocations[0].public_key.as_str(), revocations[0].issuer.as_str()),
        (li_first.as_str(), li_first.as_str())
    );
    assert_eq!(revocations[0].verify(), Ok(()));

    // wang is revoked: the administrator's key revokes wang's key from that moment.
    store.revoke_slot(&admin, "wang", at(4)).unwrap();
    let revocations = store.clerk_key_revocations().unwrap();
    assert_eq!(revocations.len(), 2);
    assert_eq!(
        (revocations[1].public_key.as_str(), revocations[1].issuer.as_str()),
        (wang_key.as_str(), root.as_str())
    );
    assert_eq!(revocations[1].username, "wang");
    assert_eq!(revocations[1].revoked_at, "2026-03-02T01:04:00.000Z");
    assert_eq!(revocations[1].verify(), Ok(()));
}

#[test]
fn the_check_before_every_push_reads_only_the_unconfirmed_items() {
    let (_dir, store, _admin) = new_store();
    assert!(!store.unsigned_steps_waiting().unwrap());
    let plan: Vec<String> = store
        .raw_connection()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('queued', 'sent') AND kind = 'case_state_changed')
                 OR EXISTS (SELECT 1 FROM outbox WHERE status = 'quarantined' AND kind = 'case_state_changed')",
        )
        .unwrap()
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Each half walks its partial index (pending, quarantined), never the whole table.
    assert!(plan.iter().any(|step| step.contains("USING INDEX outbox_pending")), "{plan:?}");
    assert!(plan.iter().any(|step| step.contains("USING INDEX outbox_quarantined")), "{plan:?}");
    assert!(plan.iter().all(|step| step != "SCAN outbox"), "{plan:?}");
}

#[test]
fn a_revocation_carried_over_by_a_restore_revokes_the_clerks_keys_as_of_then() {
    let (_dir, mut store, admin) = new_store();
    add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    let li_key = certificates_of(&store.clerk_key_certificates().unwrap(), "li")[0].public_key.clone();
    // The replaced office had revoked li at minute 3; the backup restored predates that.
    let revoked = vec![store::Revocation { username: "li".to_owned(), at: at(3) }];
    assert_eq!(store.carry_over_revocations(&admin, &revoked, at(9)).unwrap(), ["li"]);
    let revocations = store.clerk_key_revocations().unwrap();
    assert_eq!(revocations.len(), 1, "{revocations:?}");
    assert_eq!(
        (revocations[0].public_key.as_str(), revocations[0].revoked_at.as_str()),
        (li_key.as_str(), "2026-03-02T01:03:00.000Z")
    );
    assert_eq!(revocations[0].verify(), Ok(()));
}
