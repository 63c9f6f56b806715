//! Who did each step (issue 18): the stand-in registers only clerk keys that chain to the
//! device's root, and takes an approval only when three different registered clerks signed
//! the acceptance, review and approval of the same application, one after the other.

use clerk_signing::{
    CertificateSubject, ClerkKey, DeviceKeyChange, DeviceKeySubject, KeyCertificate, NO_PREVIOUS, Step,
    StepSignature, record_digest,
};
use platform_api::{RecordKind, code};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{DEVICE, Fixture, case, fixture, record};

const AT: &str = "2026-03-02T08:15:00.000Z";

fn key(seed: u8) -> ClerkKey {
    ClerkKey::from_secret(&[seed; 32]).expect("valid secret")
}

fn issued(by: &ClerkKey, username: &str, key: &ClerkKey, administrator: bool) -> KeyCertificate {
    by.certify(&CertificateSubject { username, public_key: key.public_key(), administrator, issued_at: AT })
}

/// The office: administrator (root), three clerks the administrator certified.
struct Office {
    admin: ClerkKey,
    li: ClerkKey,
    wang: ClerkKey,
    zhao: ClerkKey,
}

impl Office {
    fn new() -> Office {
        Office { admin: key(1), li: key(2), wang: key(3), zhao: key(4) }
    }

    fn certificates(&self) -> Vec<KeyCertificate> {
        vec![
            // Out of order on purpose: the platform finds the chain whatever the order.
            issued(&self.admin, "li", &self.li, false),
            self.admin.certify_self("admin", true, AT),
            issued(&self.admin, "wang", &self.wang, false),
            issued(&self.admin, "zhao", &self.zhao, false),
        ]
    }
}

fn application() -> Value {
    json!({ "applicant": { "name": "测试" }, "schema_version": 2 })
}

/// A signed state change; returns it with its signature (for the next step's `previous`).
fn step(
    id: u64,
    case_id: Uuid,
    sequence: u64,
    (from, to): (&str, &str),
    (username, signer): (&str, &ClerkKey),
    previous: &str,
) -> (platform_api::PushRecord, StepSignature) {
    let submitted = from == "draft";
    let signature = signer.sign_step(&Step {
        case_id: &case_id.to_string(),
        from,
        to,
        at: AT,
        username,
        record: &record_digest(&application()),
        previous,
    });
    let mut pushed =
        record(id, case_id, sequence, RecordKind::StateChanged { from: from.to_owned(), to: to.to_owned() });
    pushed.payload = json!({
        "from": from,
        "to": to,
        "at": AT,
        "actor": username,
        "record": if submitted { application() } else { Value::Null },
        "signature": signature,
    });
    (pushed, signature)
}

fn statuses(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            result["code"].as_str().unwrap_or(result["status"].as_str().expect("status")).to_owned()
        })
        .collect()
}

async fn push(fixture: &Fixture, records: Vec<platform_api::PushRecord>, office: &Office) -> Vec<String> {
    let (status, body) = fixture.push_with_keys(records, office.certificates()).await;
    assert_eq!(status, 200, "{body}");
    statuses(&body)
}

#[tokio::test]
async fn only_keys_that_chain_to_the_first_root_are_registered() {
    let fixture = fixture();
    let office = Office::new();
    let intruder = key(9);
    let successor = key(5);
    let mut certificates = office.certificates();
    certificates.extend([
        // A second root is never taken once the device has one.
        intruder.certify_self("admin2", true, AT),
        // A clerk's key cannot certify a colleague's key...
        issued(&office.li, "zhang", &intruder, false),
        // ...nor make itself an administrator,
        issued(&office.li, "li", &intruder, true),
        // but it does certify the same clerk's next key.
        issued(&office.li, "li", &successor, false),
        // A certificate whose signature does not match its issuer is ignored.
        KeyCertificate {
            issuer: Some(office.admin.public_key().to_owned()),
            ..intruder.certify_self("wang", false, AT)
        },
    ]);
    let (status, body) = fixture.push_with_keys(Vec::new(), certificates).await;
    assert_eq!(status, 200, "{body}");
    let registered = fixture.platform.clerk_keys(DEVICE).expect("keys read");
    let mut names: Vec<(&str, bool)> = registered.iter().map(|key| (key.0.as_str(), key.3)).collect();
    names.sort();
    assert_eq!(names, [("admin", true), ("li", false), ("li", false), ("wang", false), ("zhao", false)]);
    assert!(registered.iter().any(|key| key.1 == successor.public_key()));
    assert!(!registered.iter().any(|key| key.1 == intruder.public_key()), "{registered:?}");
}

#[tokio::test]
async fn three_different_clerks_in_order_make_an_approval_and_nothing_less_does() {
    let fixture = fixture();
    let office = Office::new();
    // The genuine case: li accepts, wang reviews, zhao approves.
    let genuine = case(1);
    let (accept, accepted) = step(1, genuine, 1, ("draft", "accepted"), ("li", &office.li), NO_PREVIOUS);
    let (review, reviewed) =
        step(2, genuine, 2, ("accepted", "reviewed"), ("wang", &office.wang), &accepted.link());
    let (approve, _) =
        step(3, genuine, 3, ("reviewed", "approved"), ("zhao", &office.zhao), &reviewed.link());
    assert_eq!(
        push(&fixture, vec![accept, review, approve], &office).await,
        ["accepted", "accepted", "accepted"]
    );

    // li accepts and reviews, zhao approves: two people, not three.
    let short = case(2);
    let (accept, accepted) = step(11, short, 1, ("draft", "accepted"), ("li", &office.li), NO_PREVIOUS);
    let (review, reviewed) =
        step(12, short, 2, ("accepted", "reviewed"), ("li", &office.li), &accepted.link());
    let (approve, _) = step(13, short, 3, ("reviewed", "approved"), ("zhao", &office.zhao), &reviewed.link());
    let verdicts = push(&fixture, vec![accept, review, approve], &office).await;
    assert_eq!(verdicts, ["accepted", "accepted", code::APPROVAL_NOT_SEPARATED]);

    // An approval that does not follow the case's last signed step.
    let skipped = case(3);
    let (accept, accepted) = step(21, skipped, 1, ("draft", "accepted"), ("li", &office.li), NO_PREVIOUS);
    let (review, _) =
        step(22, skipped, 2, ("accepted", "reviewed"), ("wang", &office.wang), &accepted.link());
    let (approve, _) =
        step(23, skipped, 3, ("reviewed", "approved"), ("zhao", &office.zhao), &accepted.link());
    let verdicts = push(&fixture, vec![accept, review, approve], &office).await;
    assert_eq!(verdicts, ["accepted", "accepted", code::STEP_SIGNATURE_INVALID]);

    // A step in one clerk's name signed with another's key; an approval with no signature;
    // a signature over another step.
    let misnamed = case(4);
    let (accept, _) = step(31, misnamed, 1, ("draft", "accepted"), ("li", &office.wang), NO_PREVIOUS);
    assert_eq!(push(&fixture, vec![accept], &office).await, [code::CLERK_KEY_UNTRUSTED]);
    let (mut accept, _) = step(32, misnamed, 2, ("draft", "accepted"), ("li", &office.li), NO_PREVIOUS);
    accept.payload.as_object_mut().expect("an object").remove("signature");
    assert_eq!(push(&fixture, vec![accept], &office).await, [code::STEP_NOT_SIGNED]);
    let (mut accept, _) = step(33, misnamed, 3, ("draft", "accepted"), ("li", &office.li), NO_PREVIOUS);
    accept.payload["at"] = json!("2026-03-02T09:00:00.000Z");
    assert_eq!(push(&fixture, vec![accept], &office).await, [code::STEP_SIGNATURE_INVALID]);

    fixture.platform.issue_due_permits().expect("permits issued");
    let permits = fixture.platform.stats().expect("stats read").permits;
    assert!(permits <= 1, "only the genuine case may be issued ({permits})");
}

#[tokio::test]
async fn a_device_that_never_sent_a_root_keeps_the_old_rules() {
    let fixture = fixture();
    let office = Office::new();
    let unsigned = case(1);
    let (mut approve, _) =
        step(1, unsigned, 1, ("reviewed", "approved"), ("zhao", &office.zhao), NO_PREVIOUS);
    approve.payload.as_object_mut().expect("an object").remove("signature");
    let (status, body) = fixture.push(vec![approve]).await;
    assert_eq!(status, 200);
    assert_eq!(statuses(&body), ["accepted"], "records from before clerk signatures");
}

#[tokio::test]
async fn a_revoked_key_signs_nothing_dated_from_its_revocation_on() {
    let fixture = fixture();
    let office = Office::new();
    let revocation = office.admin.revoke("li", office.li.public_key(), "2026-03-02T08:15:00.000Z");
    // Revocations nobody with the right may sign are ignored: a clerk revoking a colleague.
    let meddling = office.wang.revoke("zhao", office.zhao.public_key(), "2026-03-01T00:00:00.000Z");
    let (status, body) =
        fixture.push_with_revocations(Vec::new(), office.certificates(), vec![revocation, meddling]).await;
    assert_eq!(status, 200, "{body}");

    // li's step at the moment of the revocation is refused; zhao's key still counts.
    let (accept, _) = step(1, case(1), 1, ("draft", "accepted"), ("li", &office.li), NO_PREVIOUS);
    assert_eq!(push(&fixture, vec![accept], &office).await, [code::CLERK_KEY_UNTRUSTED]);
    let (accept, _) = step(2, case(2), 1, ("draft", "accepted"), ("zhao", &office.zhao), NO_PREVIOUS);
    assert_eq!(push(&fixture, vec![accept], &office).await, ["accepted"]);
    // A step li signed before the revocation still counts.
    let (mut earlier, _) = step(3, case(3), 1, ("draft", "accepted"), ("li", &office.li), NO_PREVIOUS);
    let signature = office.li.sign_step(&Step {
        case_id: &case(3).to_string(),
        from: "draft",
        to: "accepted",
        at: "2026-03-02T08:14:59.999Z",
        username: "li",
        record: &record_digest(&application()),
        previous: NO_PREVIOUS,
    });
    earlier.payload["at"] = json!("2026-03-02T08:14:59.999Z");
    earlier.payload["signature"] = serde_json::to_value(signature).expect("serializes");
    assert_eq!(push(&fixture, vec![earlier], &office).await, ["accepted"]);
}

#[tokio::test]
async fn a_revoked_administrator_key_certifies_nothing_after_its_revocation() {
    let fixture = fixture();
    let office = Office::new();
    let (status, _) = fixture
        .push_with_revocations(
            Vec::new(),
            office.certificates(),
            vec![office.admin.revoke("admin", office.admin.public_key(), "2026-03-02T08:00:00.000Z")],
        )
        .await;
    assert_eq!(status, 200);
    let late = key(7);
    let certificate = office.admin.certify(&CertificateSubject {
        username: "sun",
        public_key: late.public_key(),
        administrator: false,
        issued_at: "2026-03-02T09:00:00.000Z",
    });
    let (status, _) = fixture.push_with_keys(Vec::new(), vec![certificate]).await;
    assert_eq!(status, 200);
    let registered = fixture.platform.clerk_keys(DEVICE).expect("keys read");
    assert!(!registered.iter().any(|key| key.0 == "sun"), "{registered:?}");
}

/// A push of no records carrying the office's certificates, its revocations and `change`.
fn key_change_batch(
    office: &Office,
    revocations: Vec<platform_api::KeyRevocation>,
    change: &DeviceKeyChange,
) -> platform_api::PushBatch {
    platform_api::PushBatch {
        device_id: DEVICE.to_owned(),
        records: Vec::new(),
        audit_anchor: None,
        clerk_keys: office.certificates(),
        clerk_key_revocations: revocations,
        device_key_change: Some(change.clone()),
    }
}

fn device_key_hex(key: &ed25519_dalek::SigningKey) -> String {
    hex::encode(key.verifying_key().to_bytes())
}

fn order(by: &ClerkKey, username: &str, device_id: &str, previous: &str, new: &str) -> DeviceKeyChange {
    by.order_device_key_change(&DeviceKeySubject {
        device_id,
        previous_key: previous,
        new_key: new,
        changed_at: AT,
        username,
    })
}

#[tokio::test]
async fn an_administrators_order_replaces_the_device_key_and_the_old_key_is_told_so() {
    let fixture = fixture();
    let office = Office::new();
    let (old, new) = (fixture.key.clone(), ed25519_dalek::SigningKey::from_bytes(&[8; 32]));
    let change = order(&office.admin, "admin", DEVICE, &device_key_hex(&old), &device_key_hex(&new));
    let batch = key_change_batch(&office, Vec::new(), &change);

    let (status, body) = fixture.push_signed(&old, &batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["device_key"], json!({ "key": device_key_hex(&new) }), "{body}");
    let held = fixture.platform.device_key(DEVICE).expect("read").expect("enrolled");
    assert_eq!(held, new.verifying_key().to_bytes());

    // A copy of the office from before the re-key signs with the old key: refused, and told
    // why (the office itself, whose answer was lost, then signs with the new one).
    let (status, body) = fixture.push_signed(&old, &batch).await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (401, Some(code::DEVICE_KEY_REPLACED)), "{body}");
    let (status, body) = fixture.push(Vec::new()).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (401, Some(code::DEVICE_KEY_REPLACED)),
        "any request: {body}"
    );
    // The same order sent again with the new key: answered as taken, nothing changes.
    let (status, body) = fixture.push_signed(&new, &batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["device_key"], json!({ "key": device_key_hex(&new) }), "{body}");
    // A key the device never had is still just a bad signature.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let (status, body) = fixture.push_signed(&stranger, &batch).await;
    assert_eq!((status.as_u16(), body["code"].as_str()), (401, Some(code::SIGNATURE_INVALID)), "{body}");
}

#[tokio::test]
async fn an_order_no_administrator_of_the_device_signed_changes_nothing() {
    let office = Office::new();
    let new = device_key_hex(&ed25519_dalek::SigningKey::from_bytes(&[8; 32]));
    let intruder = key(9);
    /// What is wrong, the order for the device's current key, revocations sent with it.
    type Case<'a> = (&'a str, Box<dyn Fn(&str) -> DeviceKeyChange + 'a>, Vec<platform_api::KeyRevocation>);
    let cases: Vec<Case<'_>> = vec![
        (
            "a clerk who is no administrator",
            Box::new(|old| order(&office.li, "li", DEVICE, old, &new)),
            Vec::new(),
        ),
        (
            "a key the platform does not know",
            Box::new(|old| order(&intruder, "admin", DEVICE, old, &new)),
            Vec::new(),
        ),
        (
            "the administrator's key under another name",
            Box::new(|old| order(&office.admin, "li", DEVICE, old, &new)),
            Vec::new(),
        ),
        (
            "a revoked administrator's key",
            Box::new(|old| order(&office.admin, "admin", DEVICE, old, &new)),
            vec![office.admin.revoke("admin", office.admin.public_key(), "2026-03-02T09:00:00.000Z")],
        ),
        (
            "another key than the one the platform holds",
            Box::new(|_| order(&office.admin, "admin", DEVICE, &"c".repeat(64), &new)),
            Vec::new(),
        ),
        ("another device", Box::new(|old| order(&office.admin, "admin", "counter-2", old, &new)), Vec::new()),
        (
            "a tampered order",
            Box::new(|old| DeviceKeyChange {
                new_key: "d".repeat(64),
                ..order(&office.admin, "admin", DEVICE, old, &new)
            }),
            Vec::new(),
        ),
    ];
    for (what, change, revocations) in cases {
        let fixture = fixture();
        let old = device_key_hex(&fixture.key);
        let (status, body) =
            fixture.push_signed(&fixture.key, &key_change_batch(&office, revocations, &change(&old))).await;
        assert_eq!(status, 200, "{what}: {body}");
        assert_eq!(body["device_key"]["key"], old, "{what}: {body}");
        assert!(
            body["device_key"]["refused"].as_str().is_some_and(|reason| !reason.is_empty()),
            "{what}: {body}"
        );
        let held = fixture.platform.device_key(DEVICE).expect("read").expect("enrolled");
        assert_eq!(hex::encode(held), old, "{what}: the key stays");
        let (status, body) = fixture.push(Vec::new()).await;
        assert_eq!(status, 200, "{what}: the device goes on with its key: {body}");
    }
}

/// An export bundle of no records from the office (its certificates), signed with
/// `signer`, carrying `change` when given.
fn export_file(
    fixture: &Fixture,
    office: &Office,
    signer: &ed25519_dalek::SigningKey,
    change: Option<DeviceKeyChange>,
    id: u128,
) -> Vec<u8> {
    let platform_key = fixture.platform.public_key_hex().expect("platform key");
    let platform_key = bundle::public_key_from_hex(&platform_key).expect("hex");
    let export = bundle::ExportBundle {
        device_id: DEVICE.to_owned(),
        decision_cursor: 0,
        records: Vec::new(),
        pages: Vec::new(),
        audit_anchor: None,
        clerk_keys: office.certificates(),
        clerk_key_revocations: Vec::new(),
        device_key_change: change,
    };
    let seal = bundle::Seal {
        kind: bundle::BundleKind::Export,
        bundle_id: Uuid::from_u128(id),
        created_at: AT,
        device_id: DEVICE,
        sender: signer,
        recipient: &platform_key,
    };
    bundle::seal_export(&seal, &export).expect("sealed")
}

/// The answer bundle read with `device`'s key: the key it is addressed to must be it.
fn read_answer(fixture: &Fixture, file: &[u8], device: &ed25519_dalek::SigningKey) -> bundle::AnswerBundle {
    let platform_key = fixture.platform.public_key_hex().expect("platform key");
    let platform_key = bundle::public_key_from_hex(&platform_key).expect("hex");
    bundle::open_answer(file, &platform_key, device).expect("the answer opens with this key").1
}

/// An office that only exchanges files gets its key replaced too: the export carries the
/// order and the answer goes to the new key. An export signed with the replaced key is
/// read only when it carries that very order (the office wrote it before it read the
/// answer); without it (a copy of the office from before the re-key) it is refused whole.
#[test]
fn an_export_carrying_the_order_replaces_the_device_key_and_is_answered_to_the_new_key() {
    let fixture = fixture();
    let office = Office::new();
    let (old, new) = (fixture.key.clone(), ed25519_dalek::SigningKey::from_bytes(&[8; 32]));
    let change = order(&office.admin, "admin", DEVICE, &device_key_hex(&old), &device_key_hex(&new));
    let copys = export_file(&fixture, &office, &old, None, 1);

    let first =
        fixture.platform.answer_bundle(&export_file(&fixture, &office, &old, Some(change.clone()), 2));
    let answer = read_answer(&fixture, &first.expect("answered").file, &new);
    assert_eq!(
        answer.device_key,
        Some(platform_api::DeviceKeyAnswer { key: device_key_hex(&new), refused: None })
    );
    assert_eq!(answer.device_key_ordered, Some(device_key_hex(&new)), "names the order it answers");
    let held = fixture.platform.device_key(DEVICE).expect("read").expect("enrolled");
    assert_eq!(held, new.verifying_key().to_bytes());

    // The office, its answer not yet read, writes another file with the old key and the
    // same order: read, answered as taken, to the new key.
    let again =
        fixture.platform.answer_bundle(&export_file(&fixture, &office, &old, Some(change.clone()), 3));
    let answer = read_answer(&fixture, &again.expect("answered").file, &new);
    assert_eq!(answer.device_key.map(|answer| answer.key), Some(device_key_hex(&new)));

    // The copy's file, signed with the old key and no order: refused, nothing answered.
    match fixture.platform.answer_bundle(&copys) {
        Err(platform_stub::StubError::DeviceKeyReplaced(device)) => assert_eq!(device, DEVICE),
        other => panic!("a file signed with the replaced key is refused: {other:?}"),
    }
    // Nor does any other order for the new key carry it: it must be the very order the
    // platform took. Not one naming another key replaced, nor one made up with the right
    // keys (anyone who saw the new public key could write it) and no administrator's
    // signature, nor the administrator's own signed afresh (what the copy cannot do).
    let other = order(&office.admin, "admin", DEVICE, &"c".repeat(64), &device_key_hex(&new));
    let made_up = DeviceKeyChange { signature: "00".repeat(64), ..change.clone() };
    let signed_afresh = office.admin.order_device_key_change(&DeviceKeySubject {
        device_id: DEVICE,
        previous_key: &device_key_hex(&old),
        new_key: &device_key_hex(&new),
        changed_at: "2026-03-02T08:16:00.000Z",
        username: "admin",
    });
    for (id, wrong) in [(4, other), (6, made_up), (7, signed_afresh)] {
        let answered = fixture.platform.answer_bundle(&export_file(&fixture, &office, &old, Some(wrong), id));
        assert!(
            matches!(answered, Err(platform_stub::StubError::DeviceKeyReplaced(_))),
            "{id}: {answered:?}"
        );
    }
    // The office with its new key goes on.
    let next = fixture.platform.answer_bundle(&export_file(&fixture, &office, &new, None, 5));
    assert_eq!(read_answer(&fixture, &next.expect("answered").file, &new).device_key, None);
}

/// A refused order in a file leaves the key, and the answer goes to the key the device
/// still has, with the reason.
#[test]
fn an_export_whose_order_is_refused_is_answered_to_the_old_key_with_the_reason() {
    let fixture = fixture();
    let office = Office::new();
    let (old, new) = (fixture.key.clone(), ed25519_dalek::SigningKey::from_bytes(&[8; 32]));
    let by_a_clerk = order(&office.li, "li", DEVICE, &device_key_hex(&old), &device_key_hex(&new));
    let answered = fixture.platform.answer_bundle(&export_file(&fixture, &office, &old, Some(by_a_clerk), 1));
    let answer = read_answer(&fixture, &answered.expect("answered").file, &old);
    assert_eq!(answer.device_key_ordered, Some(device_key_hex(&new)));
    let device_key = answer.device_key.expect("the order is answered");
    assert_eq!(device_key.key, device_key_hex(&old));
    assert!(device_key.refused.is_some_and(|reason| reason.contains("管理员")));
    let held = fixture.platform.device_key(DEVICE).expect("read").expect("enrolled");
    assert_eq!(held, old.verifying_key().to_bytes(), "the key stays");
}
