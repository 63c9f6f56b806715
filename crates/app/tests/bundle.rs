//! The air-gapped round trip with the real encrypted store and the real stand-in's
//! database: export → the platform ingests → answer → import → cases issued; the same
//! answer imported twice changes nothing; a flipped byte is refused and changes nothing.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::path::Path;
use std::time::Duration;

use app::AppError;
use app::bundle;
use app::cases::{self, CaseId, CaseState, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::problem::{ErrorCode, Problem};
use app::sync;
use app::users::{self, NewClerk};
use chrono::{DateTime, Duration as Minutes, TimeZone, Utc};
use domain::record::ApplicationRecord;
use platform_stub::{Platform, StubConfig};

const ADMIN_PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";
const DEVICE: &str = "330182-jiande-01-airgap";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().unwrap() + Minutes::minutes(minutes)
}

fn login(office: &mut Office, username: &str, minutes: i64) {
    let password = if username == "admin" { ADMIN_PASSWORD } else { CLERK_PASSWORD };
    office.login(username, password, at(minutes)).unwrap();
}

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

fn set_up_office(dir: &Path) -> Office {
    let mut office =
        Office::set_up_with_options(dir, "330182-jiande-01", "admin", ADMIN_PASSWORD, at(0), options())
            .unwrap();
    for (username, roles) in [("a", Roles::ACCEPT), ("b", Roles::REVIEW), ("c", Roles::APPROVE)] {
        let clerk = NewClerk { username, display_name: username, roles, password: CLERK_PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).unwrap();
    }
    office
}

fn approved_case(office: &mut Office, name: &str, minutes: i64) -> CaseId {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/application-complete.json");
    let mut record = ApplicationRecord::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    record.applicant.name = name.to_owned();
    login(office, "a", minutes);
    let case_id = cases::new_case_id(at(minutes)).unwrap();
    cases::save_draft(office, &case_id, &record, at(minutes)).unwrap();
    let submission =
        Submission { profile: "330182", opinion: "同意受理。", duplicates: DuplicateDecision::Proceed };
    assert!(matches!(
        cases::submit(office, &case_id, &submission, at(minutes + 1)).unwrap(),
        SubmitOutcome::Accepted { .. }
    ));
    login(office, "b", minutes + 2);
    cases::review(office, &case_id, "材料真实有效。", at(minutes + 3)).unwrap();
    login(office, "c", minutes + 4);
    cases::approve(office, &case_id, "同意。", at(minutes + 5)).unwrap();
    case_id
}

/// The stand-in's platform on its own database, with permits issued at once (a clerk
/// at the platform's side decides before writing the answer).
fn platform(dir: &Path) -> Platform {
    let config = StubConfig { permit_delay: Duration::ZERO, enrolment_codes: Vec::new() };
    Platform::open(&dir.join("stub.sqlite3"), config).unwrap()
}

fn register(platform: &Platform, office: &mut Office) {
    let device = sync::device_identity(&mut *office, Some(DEVICE), at(0)).unwrap();
    let mut key = [0_u8; 32];
    hex::decode_to_slice(&device.public_key_hex, &mut key).unwrap();
    platform.register_device(&device.device_id, key).unwrap();
}

/// What an import may change: the outbox, the cases' states, the decisions.
fn snapshot(office: &mut Office, cases: &[CaseId]) -> String {
    login(office, "admin", 200);
    let listing = sync::outbox(office, 1000).unwrap();
    let status = sync::sync_status(office).unwrap();
    let mut text = format!("{} {} {}\n", status.queued, status.held, status.quarantined);
    for entry in listing.queued.iter().chain(&listing.quarantined) {
        text += &format!("{} {:?} {:?} {}\n", entry.id, entry.status, entry.code, entry.updated_at);
    }
    for case_id in cases {
        let view = cases::get_case(office, case_id, at(200)).unwrap();
        text += &format!("{case_id} {:?} {:?}\n", view.state, view.permit_number);
        for decision in sync::case_decisions(office, case_id).unwrap() {
            text += &format!("  {} {} {}\n", decision.cursor, decision.kind, decision.outcome);
        }
    }
    text
}

/// The same answer with its header naming another counter PC (re-framed, so its signature
/// no longer holds: only the header is read when files are listed).
fn answer_for_another_desk(answer: &[u8]) -> Vec<u8> {
    let header_len = u32::from_be_bytes([answer[9], answer[10], answer[11], answer[12]]) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&answer[13..13 + header_len]).unwrap();
    header["device_id"] = serde_json::Value::from("330100-other-desk");
    let header = serde_json::to_vec(&header).unwrap();
    let mut file = answer[..9].to_vec();
    file.extend_from_slice(&u32::try_from(header.len()).unwrap().to_be_bytes());
    file.extend_from_slice(&header);
    file.extend_from_slice(&answer[13 + header_len..]);
    file
}

fn issue_code(error: AppError) -> (String, String) {
    match error {
        AppError::Validation(issues) => (issues[0].code.to_string(), issues[0].message.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn export_answer_import_issues_the_permits_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let zhang = approved_case(&mut office, "张伟", 10);
    let li = approved_case(&mut office, "李娜", 20);
    let platform = platform(dir.path());
    register(&platform, &mut office);
    let platform_key = platform.public_key_hex().unwrap();

    // The counter exports its queue: six records, signed and encrypted.
    login(&mut office, "c", 30);
    let exported = bundle::export_bundle(&mut office, &platform_key, at(30)).unwrap();
    assert_eq!((exported.records, exported.pages, exported.device_id.as_str()), (6, 0, DEVICE));
    assert!(!exported.file.windows("张伟".len()).any(|w| w == "张伟".as_bytes()), "names are encrypted");
    assert_eq!(sync::sync_status(&office).unwrap().queued, 6, "an export is not a delivery");

    // The platform ingests it and answers; the counter imports the answer.
    let answer = platform.answer_bundle(&exported.file).unwrap();
    assert_eq!((answer.records, answer.decisions), (6, 4), "two permits, two SMS");
    assert_eq!(platform.records().unwrap().len(), 6);
    let imported = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(31)).unwrap();
    assert_eq!((imported.confirmed, imported.quarantined, imported.skipped), (6, 0, 0), "{imported:?}");
    assert_eq!(imported.decisions, 4);
    assert_eq!(imported.export_bundle_id, exported.bundle_id);
    let mut issued: Vec<CaseId> = imported.issued.iter().map(|permit| permit.case_id).collect();
    issued.sort_by_key(ToString::to_string);
    let mut expected = vec![zhang, li];
    expected.sort_by_key(ToString::to_string);
    assert_eq!(issued, expected);
    let view = cases::get_case(&mut office, &zhang, at(32)).unwrap();
    assert_eq!(view.state, CaseState::Issued);
    assert!(view.permit_number.as_deref().unwrap().starts_with("3300"));
    assert_eq!(sync::sync_status(&office).unwrap().queued, 2, "the two 签发 steps wait for the next export");

    // The same answer again: nothing changes; a flipped byte: refused, nothing changes.
    let before = snapshot(&mut office, &[zhang, li]);
    let again = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(40)).unwrap();
    assert_eq!(
        (again.confirmed, again.quarantined, again.decisions, again.skipped),
        (0, 0, 0, 6),
        "{again:?}"
    );
    assert!(again.issued.is_empty());
    assert_eq!(snapshot(&mut office, &[zhang, li]), before);
    let mut tampered = answer.file.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let (code, message) =
        issue_code(bundle::import_bundle(&mut office, &platform_key, &tampered, at(41)).unwrap_err());
    assert_eq!(code, "BUNDLE_DAMAGED");
    assert!(message.contains("已被改动或损坏") && message.contains("未导入任何内容"), "{message}");
    assert_eq!(snapshot(&mut office, &[zhang, li]), before);

    // The export itself is no answer; another platform's key is refused.
    let (code, _) =
        issue_code(bundle::import_bundle(&mut office, &platform_key, &exported.file, at(42)).unwrap_err());
    assert_eq!(code, "BUNDLE_DAMAGED", "signed by the device, not the platform");
    let (code, _) = issue_code(bundle::import_bundle(&mut office, "abc", &answer.file, at(42)).unwrap_err());
    assert_eq!(code, "PLATFORM_KEY_INVALID");

    // The platform ingests the first export again: duplicates, stored once.
    let replay = platform.answer_bundle(&exported.file).unwrap();
    assert_eq!(platform.records().unwrap().len(), 6);
    assert_eq!(platform.stats().unwrap().duplicates, 6);
    let replayed = bundle::import_bundle(&mut office, &platform_key, &replay.file, at(43)).unwrap();
    assert_eq!((replayed.confirmed, replayed.skipped, replayed.decisions), (0, 6, 0));
    assert_eq!(snapshot(&mut office, &[zhang, li]), before);

    // The next round carries the 签发 steps; everything is confirmed and synced.
    let second = bundle::export_bundle(&mut office, &platform_key, at(50)).unwrap();
    assert_eq!(second.records, 2);
    let answer = platform.answer_bundle(&second.file).unwrap();
    let imported = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(51)).unwrap();
    assert_eq!((imported.confirmed, imported.decisions), (2, 0));
    let status = sync::sync_status(&office).unwrap();
    assert_eq!((status.queued, status.quarantined), (0, 0));
    assert_eq!(platform.records().unwrap().len(), 8, "every record on the platform exactly once");

    // Each export and import is audited (no content), and the chain holds.
    let trail = app::audit::verify(&office).unwrap();
    assert!(trail.is_intact());
}

/// An office that only exchanges files has its device key replaced after a re-key too:
/// the export carries the administrator's order, the answer (addressed to the new key)
/// settles it. An answer lost on the way is made good by the next file, still signed with
/// the old key and carrying the same order; a file written with the old key without the
/// order (written before the re-key and carried late, or a copy's) is refused whole.
#[test]
fn a_re_key_replaces_the_device_key_through_the_files_even_when_an_answer_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    approved_case(&mut office, "周琳", 10);
    let platform = platform(dir.path());
    register(&platform, &mut office);
    let platform_key = platform.public_key_hex().unwrap();
    // A first round: the platform learns the office's clerk keys.
    login(&mut office, "c", 20);
    let first = bundle::export_bundle(&mut office, &platform_key, at(20)).unwrap();
    assert!(!first.device_key_change);
    let first_answer = platform.answer_bundle(&first.file).unwrap();
    bundle::import_bundle(&mut office, &platform_key, &first_answer.file, at(21)).unwrap();
    let late = bundle::export_bundle(&mut office, &platform_key, at(22)).unwrap();
    let old = sync::device_identity(&mut office, None, at(22)).unwrap().public_key_hex;

    login(&mut office, "admin", 30);
    users::revoke_clerk(&mut office, "a", at(30)).unwrap().rekeyed.unwrap();
    let carrying = bundle::export_bundle(&mut office, &platform_key, at(31)).unwrap();
    assert!(carrying.device_key_change, "the re-key's order travels with the file");
    // The platform takes it; this answer does not reach the office (yet).
    let lost = platform.answer_bundle(&carrying.file).unwrap();
    let held = hex::encode(platform.device_key(DEVICE).unwrap().unwrap());
    assert_ne!(held, old, "the platform took the new key");
    assert_eq!(
        sync::device_identity(&mut office, None, at(32)).unwrap().public_key_hex,
        old,
        "the office signs with the old key until it reads the answer"
    );

    // On the stick, the lost answer (addressed to the key the office holds as pending) is
    // listed as this PC's; so is the first round's (addressed to the key it signs with).
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    std::fs::write(stick.join("lost.pdb"), &lost.file).unwrap();
    std::fs::write(stick.join("first.pdb"), &first_answer.file).unwrap();
    let place =
        app::media::Place { path: stick.clone(), label: "STICK".into(), removable: true, space: None };
    let kinds = |office: &mut Office| {
        let mut kinds: Vec<(String, bundle::FoundBundleKind)> =
            bundle::found_bundles(office, std::slice::from_ref(&place), at(33))
                .unwrap()
                .into_iter()
                .map(|found| (found.file.name, found.kind))
                .collect();
        kinds.sort_by(|a, b| a.0.cmp(&b.0));
        kinds
    };
    assert_eq!(
        kinds(&mut office),
        [
            ("first.pdb".to_owned(), bundle::FoundBundleKind::AnswerForThisDesk),
            ("lost.pdb".to_owned(), bundle::FoundBundleKind::AnswerForThisDesk),
        ]
    );

    let again = bundle::export_bundle(&mut office, &platform_key, at(33)).unwrap();
    assert!(again.device_key_change);
    let answer = platform.answer_bundle(&again.file).unwrap();
    let imported = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(34)).unwrap();
    assert_eq!(imported.device_key, Some(bundle::DeviceKeyOutcome::Changed), "{imported:?}");
    assert!(!imported.changed_nothing());
    assert_eq!(sync::device_identity(&mut office, None, at(34)).unwrap().public_key_hex, held);
    // The lost answer, found later, reads with the new key and changes no key.
    let found = bundle::import_bundle(&mut office, &platform_key, &lost.file, at(35)).unwrap();
    assert_eq!(found.device_key, None, "{found:?}");
    // An answer addressed to the replaced key can no longer be read: listed and refused as
    // such, with what that means (nothing is lost).
    assert_eq!(
        kinds(&mut office),
        [
            ("first.pdb".to_owned(), bundle::FoundBundleKind::AnswerToAnEarlierKey),
            ("lost.pdb".to_owned(), bundle::FoundBundleKind::AnswerForThisDesk),
        ]
    );
    let (code, message) = issue_code(
        bundle::import_bundle(&mut office, &platform_key, &first_answer.file, at(36)).unwrap_err(),
    );
    assert_eq!(code, "BUNDLE_EARLIER_DEVICE_KEY");
    assert!(message.contains("更换设备密钥之前") && message.contains("不会丢失"), "{message}");

    match platform.answer_bundle(&late.file) {
        Err(platform_stub::StubError::DeviceKeyReplaced(device)) => assert_eq!(device, DEVICE),
        other => panic!("a file signed with the replaced key and no order is refused: {other:?}"),
    }
    // The office's next file is signed with the new key and carries nothing more.
    let next = bundle::export_bundle(&mut office, &platform_key, at(40)).unwrap();
    assert!(!next.device_key_change);
    let answer = platform.answer_bundle(&next.file).unwrap();
    let imported = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(41)).unwrap();
    assert_eq!(imported.device_key, None);
    assert_eq!(sync::sync_status(&office).unwrap().quarantined, 0);

    assert!(app::audit::verify(&office).unwrap().is_intact());
    office.close().unwrap();
    let (store, _) =
        store::Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(50), options()).unwrap();
    let actions: Vec<String> =
        store.audit_entries(None, 500).unwrap().into_iter().map(|entry| entry.action).collect();
    store.close().unwrap();
    for action in ["device_key_change_ordered", "device_key_changed"] {
        assert_eq!(actions.iter().filter(|a| *a == action).count(), 1, "{action} audited once: {actions:?}");
    }
}

/// Two re-keys before the first order's answer is read, by file: the platform took the
/// first (its answer lost), and the second order replaces the first's key. Each file
/// carries the first order still waiting: the next answer settles the first, the one after
/// it the second, and the office ends on the second order's key, which the platform holds.
#[test]
fn a_second_re_key_while_the_first_order_waits_is_settled_by_the_files_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    approved_case(&mut office, "冯岚", 10);
    let platform = platform(dir.path());
    register(&platform, &mut office);
    let platform_key = platform.public_key_hex().unwrap();
    login(&mut office, "admin", 20);
    let first = bundle::export_bundle(&mut office, &platform_key, at(20)).unwrap();
    let first_answer = platform.answer_bundle(&first.file).unwrap();
    bundle::import_bundle(&mut office, &platform_key, &first_answer.file, at(21)).unwrap();
    let old = sync::device_identity(&mut office, None, at(22)).unwrap().public_key_hex;

    users::revoke_clerk(&mut office, "a", at(30)).unwrap().rekeyed.unwrap();
    let carrying = bundle::export_bundle(&mut office, &platform_key, at(31)).unwrap();
    assert!(carrying.device_key_change);
    platform.answer_bundle(&carrying.file).unwrap(); // taken; the answer is lost
    let taken_first = hex::encode(platform.device_key(DEVICE).unwrap().unwrap());
    assert_ne!(taken_first, old);

    users::revoke_clerk(&mut office, "b", at(40)).unwrap().rekeyed.unwrap();
    let overview = bundle::transfer_overview(&mut office, at(40)).unwrap();
    assert_eq!(overview.device_key_orders_waiting, 2, "the transfer screen says two orders wait");
    // The next file still carries the first order (signed with the key it replaces): the
    // platform reads it, as it carries the order applied, and answers to the first's key.
    let again = bundle::export_bundle(&mut office, &platform_key, at(41)).unwrap();
    assert!(again.device_key_change);
    let answer = platform.answer_bundle(&again.file).unwrap();
    let imported = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(42)).unwrap();
    assert_eq!(imported.device_key, Some(bundle::DeviceKeyOutcome::Changed), "{imported:?}");
    assert_eq!(imported.device_key_orders_waiting, 1, "the second order still waits");
    assert_eq!(sync::device_identity(&mut office, None, at(42)).unwrap().public_key_hex, taken_first);

    // The one after it carries the second order, signed with the first's key.
    let second = bundle::export_bundle(&mut office, &platform_key, at(43)).unwrap();
    assert!(second.device_key_change, "the second order waits its turn");
    let answer = platform.answer_bundle(&second.file).unwrap();
    let imported = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(44)).unwrap();
    assert_eq!(imported.device_key, Some(bundle::DeviceKeyOutcome::Changed), "{imported:?}");
    assert_eq!(imported.device_key_orders_waiting, 0);
    let now_signing = sync::device_identity(&mut office, None, at(44)).unwrap().public_key_hex;
    let held = hex::encode(platform.device_key(DEVICE).unwrap().unwrap());
    assert_eq!(held, now_signing, "the platform holds the key the office signs with");
    assert!(held != taken_first && held != old);

    let next = bundle::export_bundle(&mut office, &platform_key, at(50)).unwrap();
    assert!(!next.device_key_change, "nothing more to carry");
    let answer = platform.answer_bundle(&next.file).unwrap();
    bundle::import_bundle(&mut office, &platform_key, &answer.file, at(51)).unwrap();
    assert_eq!(sync::sync_status(&office).unwrap().quarantined, 0);
    assert!(app::audit::verify(&office).unwrap().is_intact());
}

/// The air-gapped office is held to its audit chain too: the export carries the anchor,
/// the answer acknowledges it, and after an insider rewrote the chain (with their own
/// password and the key it unlocks) the next export is refused by the platform whole.
/// A file answered before is answered again without a false alarm.
#[test]
fn an_export_from_a_rewritten_audit_chain_is_refused_by_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    approved_case(&mut office, "冯远", 10);
    let platform = platform(dir.path());
    register(&platform, &mut office);
    let platform_key = platform.public_key_hex().unwrap();
    login(&mut office, "c", 30);
    let first = bundle::export_bundle(&mut office, &platform_key, at(30)).unwrap();
    let answer = platform.answer_bundle(&first.file).unwrap();
    bundle::import_bundle(&mut office, &platform_key, &answer.file, at(31)).unwrap();
    let (anchored, _) = platform.audit_anchor(DEVICE).unwrap().expect("the export anchored the chain");
    approved_case(&mut office, "蒋勤", 40);
    login(&mut office, "c", 46);
    let second = bundle::export_bundle(&mut office, &platform_key, at(46)).unwrap();
    platform.answer_bundle(&second.file).unwrap();
    // The first file handed in again: answered, no alarm.
    platform.answer_bundle(&first.file).unwrap();
    office.close().unwrap();

    {
        // The insider: clerk a's own password, the files and a SQLCipher shell.
        let (store, _) =
            store::Store::open_with_options(dir.path(), "a", CLERK_PASSWORD, at(50), options()).unwrap();
        store.rewrite_audit_row(3, r#"{"rewritten":true}"#).unwrap();
        assert!(store.audit_verify().unwrap().is_intact(), "the office's own check is fooled");
        assert!(anchored > 3);
        store.close().unwrap();
    }

    let mut office = Office::open(dir.path(), "c", CLERK_PASSWORD, at(60)).unwrap();
    approved_case(&mut office, "韩雪", 60);
    login(&mut office, "c", 66);
    let third = bundle::export_bundle(&mut office, &platform_key, at(66)).unwrap();
    let error = platform.answer_bundle(&third.file).unwrap_err();
    assert!(matches!(error, platform_stub::StubError::AuditChainBroken(_)), "{error}");
}

#[test]
fn a_record_the_platform_rejects_is_quarantined_by_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let case_id = approved_case(&mut office, "王芳", 10);
    let platform = platform(dir.path());
    register(&platform, &mut office);
    platform.faults().reject_case(*case_id.as_uuid(), "RECORD_INVALID", "居住地址不在本省");
    let platform_key = platform.public_key_hex().unwrap();
    login(&mut office, "admin", 30);
    let exported = bundle::export_bundle(&mut office, &platform_key, at(30)).unwrap();
    let answer = platform.answer_bundle(&exported.file).unwrap();
    let imported = bundle::import_bundle(&mut office, &platform_key, &answer.file, at(31)).unwrap();
    assert_eq!((imported.confirmed, imported.quarantined, imported.left_queued), (0, 1, 2), "{imported:?}");
    let quarantined = sync::quarantined(&office).unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].code.as_deref(), Some("RECORD_INVALID"));
    assert!(quarantined[0].reason_zh.as_deref().unwrap().contains("居住地址不在本省"));
    // Only a clerk with 审批 or 管理员 may export or import.
    login(&mut office, "a", 40);
    let refused = bundle::export_bundle(&mut office, &platform_key, at(40)).unwrap_err();
    assert!(matches!(refused, AppError::RoleMissing { .. }), "{refused:?}");
}

/// The key an administrator keeps, and files on a "stick": what the window and permitctl
/// do. A key typed for one call never overrides the kept one; an export never overwrites
/// a file or leaves a half one; the answer read from a file settles the queue once.
#[test]
fn the_kept_platform_key_and_files_on_removable_media() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    let case_id = approved_case(&mut office, "王芳", 10);
    let platform = platform(dir.path());
    register(&platform, &mut office);
    let platform_key = platform.public_key_hex().unwrap();
    let other_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();

    // No key kept yet: an approver can neither export nor set one.
    login(&mut office, "c", 30);
    assert_eq!(bundle::platform_key(&office).unwrap(), None);
    let (code, message) =
        issue_code(bundle::export_bundle_to_file(&mut office, &stick, None, at(30)).unwrap_err());
    assert_eq!(code, "PLATFORM_KEY_MISSING");
    assert!(message.contains("请管理员先设置"), "{message}");
    let error = bundle::set_platform_key(&mut office, &platform_key, false, at(30)).unwrap_err();
    assert!(matches!(error, AppError::RoleMissing { .. }), "{error:?}");

    // The administrator keeps it (pasted in groups); a bad key is refused; a different
    // key replaces it only when the replacement is confirmed.
    login(&mut office, "admin", 31);
    let (code, _) = issue_code(bundle::set_platform_key(&mut office, "abc", false, at(31)).unwrap_err());
    assert_eq!(code, "PLATFORM_KEY_INVALID");
    let grouped: Vec<&str> = (0..16).map(|group| &platform_key[group * 4..group * 4 + 4]).collect();
    let set =
        bundle::set_platform_key(&mut office, &grouped.join(" ").to_uppercase(), false, at(31)).unwrap();
    assert_eq!(
        (set.key.hex.as_str(), set.changed, set.replaced.as_ref()),
        (platform_key.as_str(), true, None)
    );
    assert_eq!(set.key.fingerprint, grouped[..4].join(" "));
    assert_eq!(set.key.fingerprint.len(), 19, "16 digits in four groups: {}", set.key.fingerprint);
    assert!(!bundle::set_platform_key(&mut office, &platform_key, false, at(32)).unwrap().changed);
    let (code, message) =
        issue_code(bundle::set_platform_key(&mut office, other_key, false, at(32)).unwrap_err());
    assert_eq!(code, "PLATFORM_KEY_REPLACE_UNCONFIRMED");
    assert!(message.contains(&set.key.fingerprint) && message.contains("d75a 9801 82b1 0ab7"), "{message}");
    let replaced = bundle::set_platform_key(&mut office, other_key, true, at(33)).unwrap();
    assert_eq!(replaced.replaced.map(|key| key.hex), Some(platform_key.clone()));
    bundle::set_platform_key(&mut office, &platform_key, true, at(34)).unwrap();
    assert_eq!(bundle::platform_key(&office).unwrap().map(|key| key.hex), Some(platform_key.clone()));

    // A key given for one call that disagrees with the kept one is refused; nothing written.
    login(&mut office, "c", 40);
    let (code, message) =
        issue_code(bundle::export_bundle_to_file(&mut office, &stick, Some(other_key), at(40)).unwrap_err());
    assert_eq!(code, "PLATFORM_KEY_MISMATCH");
    assert!(message.contains("不一致") && message.contains("d75a 9801 82b1 0ab7"), "{message}");
    assert_eq!(std::fs::read_dir(&stick).unwrap().count(), 0);

    // A folder that is not there: refused before anything is sealed.
    let gone = dir.path().join("no-stick").join("queue.pdb");
    let error = bundle::export_bundle_to_file(&mut office, &gone, None, at(40)).unwrap_err();
    let AppError::BundleFile(file) = error else { panic!("expected a file error, got {error:?}") };
    let problem = Problem::of(&AppError::BundleFile(file));
    assert_eq!(problem.code, ErrorCode::BundleFileNotFound);
    assert!(problem.message.contains("找不到文件夹"), "{}", problem.message);

    // Into the folder: a time-named file, whole, no partial left; the records stay queued.
    let exported = bundle::export_bundle_to_file(&mut office, &stick, Some(&platform_key), at(41)).unwrap();
    assert_eq!(exported.path, stick.join("permit-desk-export-20250310-094100.pdb"));
    assert_eq!((exported.records, exported.pages), (3, 0));
    let names: Vec<String> = std::fs::read_dir(&stick)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["permit-desk-export-20250310-094100.pdb"]);
    assert_eq!(std::fs::metadata(&exported.path).unwrap().len(), exported.bytes);
    assert_eq!(sync::sync_status(&office).unwrap().queued, 3, "an export is not a delivery");
    let error = bundle::export_bundle_to_file(&mut office, &exported.path, None, at(42)).unwrap_err();
    let AppError::BundleFile(file) = error else { panic!("expected a file error, got {error:?}") };
    assert!(
        matches!(file.source.kind(), std::io::ErrorKind::AlreadyExists),
        "an old export is never overwritten"
    );
    assert_eq!(Problem::of(&AppError::BundleFile(file)).code, ErrorCode::BundleFileExists);

    // The platform answers; the answer is read from the stick and settles the queue once.
    let answer = platform.answer_bundle(&std::fs::read(&exported.path).unwrap()).unwrap();
    let answer_path = stick.join("answer.pdb");
    std::fs::write(&answer_path, &answer.file).unwrap();
    // The clerk picks the answer from a list: what each .pdb file on the stick is, from
    // its header (an answer for this desk, the export, another desk's answer, junk).
    std::fs::create_dir(stick.join("其他电脑")).unwrap();
    let other_desk = answer_for_another_desk(&answer.file);
    std::fs::write(stick.join("其他电脑").join("other.pdb"), other_desk).unwrap();
    std::fs::write(stick.join("junk.pdb"), b"PDBUNDLE\x01 not really").unwrap();
    let place =
        app::media::Place { path: stick.clone(), label: "STICK".into(), removable: true, space: None };
    let found = bundle::found_bundles(&mut office, std::slice::from_ref(&place), at(42)).unwrap();
    let mut kinds: Vec<(String, bundle::FoundBundleKind)> =
        found.iter().map(|found| (found.file.name.clone(), found.kind)).collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        kinds,
        [
            ("answer.pdb".to_owned(), bundle::FoundBundleKind::AnswerForThisDesk),
            ("junk.pdb".to_owned(), bundle::FoundBundleKind::Unreadable),
            ("permit-desk-export-20250310-094100.pdb".to_owned(), bundle::FoundBundleKind::Export),
            ("其他电脑/other.pdb".to_owned(), bundle::FoundBundleKind::AnswerForAnotherDesk),
        ]
    );
    let answer_found = found.iter().find(|found| found.file.name == "answer.pdb").unwrap();
    assert_eq!((answer_found.file.place.as_str(), answer_found.file.removable), ("STICK", true));
    assert!(answer_found.created_at.is_some());
    login(&mut office, "a", 42);
    let error = bundle::found_bundles(&mut office, std::slice::from_ref(&place), at(42)).unwrap_err();
    assert!(matches!(error, AppError::RoleMissing { .. }), "{error:?}");
    login(&mut office, "c", 42);
    let missing =
        bundle::import_bundle_from_file(&mut office, &stick.join("nope.pdb"), None, at(43)).unwrap_err();
    let AppError::BundleFile(file) = missing else { panic!("expected a file error, got {missing:?}") };
    assert!(!file.writing);
    assert_eq!(Problem::of(&AppError::BundleFile(file)).code, ErrorCode::BundleFileNotFound);
    let imported = bundle::import_bundle_from_file(&mut office, &answer_path, None, at(44)).unwrap();
    assert_eq!((imported.confirmed, imported.decisions, imported.issued.len()), (3, 2, 1), "{imported:?}");
    assert!(!imported.changed_nothing());
    let again = bundle::import_bundle_from_file(&mut office, &answer_path, None, at(45)).unwrap();
    assert!(again.changed_nothing(), "{again:?}");
    assert_eq!(cases::get_case(&mut office, &case_id, at(46)).unwrap().state, CaseState::Issued);
    let (code, _) = issue_code(
        bundle::import_bundle_from_file(&mut office, &answer_path, Some(other_key), at(47)).unwrap_err(),
    );
    assert_eq!(code, "PLATFORM_KEY_MISMATCH");
    login(&mut office, "admin", 48);
    assert!(app::audit::verify(&office).unwrap().is_intact());
}

#[test]
fn the_overview_creates_the_device_identity_and_counts_what_an_export_would_carry() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up_office(dir.path());
    approved_case(&mut office, "赵磊", 10);
    login(&mut office, "a", 20);
    let error = bundle::transfer_overview(&mut office, at(20)).unwrap_err();
    assert!(matches!(error, AppError::RoleMissing { .. }), "an accepting clerk does not transfer: {error:?}");
    login(&mut office, "c", 21);
    let overview = bundle::transfer_overview(&mut office, at(21)).unwrap();
    assert_eq!((overview.platform_key, overview.sendable), (None, 3));
    assert_eq!(overview.device.public_key_hex.len(), 64);
    let again = bundle::transfer_overview(&mut office, at(22)).unwrap();
    assert_eq!(again.device, overview.device, "created once");

    assert_eq!(bundle::fingerprint("0123456789abcdef0123"), "0123 4567 89ab cdef");
}
