//! Bundles written and read back with real keys: the round trip, and every way a file can
//! be wrong (a flipped byte anywhere, another signer, another recipient, the other kind).

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use bundle::{AnswerBundle, BundleError, BundleKind, ExportBundle, Page, Seal};
use ed25519_dalek::SigningKey;
use platform_api::{DecisionPage, PushRecord, RecordKind, RecordResult, RecordStatus};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn export() -> ExportBundle {
    let page = b"\xff\xd8 a page \xff\xd9".to_vec();
    let content_hash = hex::encode(Sha256::digest(&page));
    ExportBundle {
        device_id: "counter-1".to_owned(),
        decision_cursor: 7,
        records: vec![PushRecord {
            record_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
            case_id: Uuid::from_u128(2),
            kind: RecordKind::PageMetadata { content_hash: content_hash.clone(), bytes: page.len() as u64 },
            sequence: 3,
            created_at: "2025-03-10T01:00:00.000Z".to_owned(),
            payload: serde_json::json!({ "name": "张伟" }),
        }],
        pages: vec![Page { content_hash, bytes: page }],
        // The office's audit chain travels with the export and comes back whole.
        audit_anchor: Some(platform_api::AuditAnchor {
            head: platform_api::AuditPoint { seq: 42, hash: "ab".repeat(32) },
            at: vec![platform_api::AuditPoint { seq: 40, hash: "cd".repeat(32) }],
            broken_at: Some(12),
        }),
        // So do the clerks' key certificates (carried as data; the platform checks them).
        clerk_keys: vec![platform_api::KeyCertificate {
            username: "li".to_owned(),
            public_key: format!("04{}", "11".repeat(64)),
            administrator: false,
            issued_at: "2025-03-10T01:00:00.000Z".to_owned(),
            issuer: Some(format!("04{}", "22".repeat(64))),
            signature: "33".repeat(64),
        }],
        clerk_key_revocations: vec![platform_api::KeyRevocation {
            username: "li".to_owned(),
            public_key: format!("04{}", "11".repeat(64)),
            revoked_at: "2025-03-11T01:00:00.000Z".to_owned(),
            issuer: format!("04{}", "22".repeat(64)),
            signature: "44".repeat(64),
        }],
        // And an administrator's order replacing the device's key, while it is waiting.
        device_key_change: Some(platform_api::DeviceKeyChange {
            device_id: "counter-1".to_owned(),
            previous_key: "55".repeat(32),
            new_key: "66".repeat(32),
            changed_at: "2025-03-11T01:00:00.000Z".to_owned(),
            username: "admin".to_owned(),
            issuer: format!("04{}", "22".repeat(64)),
            signature: "77".repeat(64),
        }),
    }
}

fn seal<'a>(kind: BundleKind, sender: &'a SigningKey, recipient: &'a [u8; 32]) -> Seal<'a> {
    Seal {
        kind,
        bundle_id: Uuid::from_u128(9),
        created_at: "2025-03-10T02:00:00.000Z",
        device_id: "counter-1",
        sender,
        recipient,
    }
}

#[test]
fn an_export_round_trips_and_hides_its_content() {
    let (device, platform) = (key(1), key(2));
    let file = bundle::seal_export(
        &seal(BundleKind::Export, &device, &platform.verifying_key().to_bytes()),
        &export(),
    )
    .unwrap();
    assert!(!file.windows("张伟".len()).any(|window| window == "张伟".as_bytes()), "payload in clear");
    assert!(!file.windows(8).any(|window| window == b"a page \xff"), "page in clear");
    let (header, read) = bundle::open_export(&file, &device.verifying_key().to_bytes(), &platform).unwrap();
    assert_eq!(header.device_id, "counter-1");
    assert_eq!(header.kind, BundleKind::Export);
    assert_eq!(read, export());
    assert_eq!(bundle::read_header(&file).unwrap(), header);
}

#[test]
fn an_answer_round_trips() {
    let (device, platform) = (key(1), key(2));
    let answer = AnswerBundle {
        device_id: "counter-1".to_owned(),
        export_bundle_id: Uuid::from_u128(9),
        results: vec![RecordResult { record_id: Uuid::from_u128(1), status: RecordStatus::Accepted }],
        missing_blobs: Vec::new(),
        decisions: DecisionPage { decisions: Vec::new(), next_cursor: 7 },
        audit_anchor_seq: Some(42),
        device_key: Some(platform_api::DeviceKeyAnswer { key: "66".repeat(32), refused: None }),
        device_key_ordered: Some("66".repeat(32)),
    };
    let file = bundle::seal_answer(
        &seal(BundleKind::Answer, &platform, &device.verifying_key().to_bytes()),
        &answer,
    )
    .unwrap();
    let (_, read) = bundle::open_answer(&file, &platform.verifying_key().to_bytes(), &device).unwrap();
    assert_eq!(read, answer);
}

#[test]
fn one_flipped_byte_anywhere_is_refused() {
    let (device, platform) = (key(1), key(2));
    let file = bundle::seal_export(
        &seal(BundleKind::Export, &device, &platform.verifying_key().to_bytes()),
        &export(),
    )
    .unwrap();
    for position in (0..file.len()).step_by(7).chain([file.len() - 1]) {
        let mut tampered = file.clone();
        tampered[position] ^= 0x01;
        let error =
            bundle::open_export(&tampered, &device.verifying_key().to_bytes(), &platform).unwrap_err();
        assert!(
            matches!(
                error,
                BundleError::Damaged { .. } | BundleError::NotABundle | BundleError::UnsupportedVersion(_)
            ),
            "byte {position}: {error:?}"
        );
        assert!(error.message_zh().contains("未导入任何内容") || error.message_zh().contains("版本"));
    }
    let truncated = &file[..file.len() - 10];
    assert!(bundle::open_export(truncated, &device.verifying_key().to_bytes(), &platform).is_err());
}

#[test]
fn another_signer_recipient_or_kind_is_refused() {
    let (device, platform, stranger) = (key(1), key(2), key(3));
    let file = bundle::seal_export(
        &seal(BundleKind::Export, &device, &platform.verifying_key().to_bytes()),
        &export(),
    )
    .unwrap();
    let error = bundle::open_export(&file, &stranger.verifying_key().to_bytes(), &platform).unwrap_err();
    assert!(matches!(error, BundleError::Damaged { detail: "signature" }), "{error:?}");
    let error = bundle::open_export(&file, &device.verifying_key().to_bytes(), &stranger).unwrap_err();
    assert!(matches!(error, BundleError::WrongRecipient), "{error:?}");
    let error = bundle::open_answer(&file, &device.verifying_key().to_bytes(), &platform).unwrap_err();
    assert!(matches!(error, BundleError::WrongKind { .. }), "{error:?}");
    assert!(error.message_zh().contains("不是省平台的回执文件"));
    assert!(bundle::public_key_from_hex("zz").is_err());
    assert_eq!(
        bundle::public_key_from_hex(&hex::encode(device.verifying_key().to_bytes())).unwrap(),
        device.verifying_key().to_bytes()
    );
}
