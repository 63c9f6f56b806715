//! Golden JSON of every wire type: the files under `tests/golden/` are the contract.
//!
//! A failing test here means the wire format changed. Version 1 is frozen: revert the
//! change, or add a `/v2` type. Only a new golden file (a new type) may be blessed, with
//! `UPDATE_GOLDEN=1 cargo test -p platform-api`.

use std::path::PathBuf;

use platform_api::{
    ApiError, BlobBatch, BlobBatchResponse, BlobReceipt, BlobResult, BlobStatus, DecisionKind, DecisionPage,
    DeviceEnrolment, EnrolmentReceipt, PushBatch, PushResponse, RecordResult, RecordStatus, ServerTime,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::samples;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"))
}

/// Serializes `value`, compares it with `tests/golden/{name}.json`, and parses the golden
/// file back into a value equal to `value`.
fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(name: &str, value: &T) {
    let actual = serde_json::to_string_pretty(value).expect("serialize sample") + "\n";
    let path = golden_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).expect("write golden file");
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error} (bless with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(actual, expected, "wire format of {name} changed: v1 is frozen (see {})", path.display());
    let parsed: T = serde_json::from_str(&expected).expect("golden file parses");
    assert_eq!(&parsed, value, "{name} does not survive a round trip through its golden JSON");
}

#[test]
fn push_batch_is_stable() {
    check::<PushBatch>("push-batch", &samples::push_batch());
}

#[test]
fn push_response_is_stable() {
    check::<PushResponse>("push-response", &samples::push_response());
}

#[test]
fn decision_page_is_stable() {
    check::<DecisionPage>("decision-page", &samples::decision_page());
}

#[test]
fn blob_batch_is_stable() {
    check::<BlobBatch>("blob-batch", &samples::blob_batch());
    check::<BlobBatchResponse>("blob-batch-response", &samples::blob_batch_response());
}

#[test]
fn unknown_blob_status_reads_as_unknown() {
    let text = format!(r#"{{"content_hash":"{}","status":"quarantined","until":3}}"#, samples::PAGE_HASH);
    let result: BlobResult = serde_json::from_str(&text).expect("unknown status parses");
    assert_eq!(result.status, BlobStatus::Unknown, "an unknown blob verdict must read as Unknown");
    assert!(!result.status.is_success(), "an unknown blob verdict must not confirm a page");
}

#[test]
fn blob_batch_framing_round_trips_and_refuses_bad_lengths() {
    let pages = [
        (samples::PAGE_HASH.to_owned(), b"one".as_slice()),
        (samples::OTHER_HASH.to_owned(), b"".as_slice()),
    ];
    let body = platform_api::encode_blob_batch(&pages).expect("encode");
    let (index, blobs) = platform_api::decode_blob_batch(&body).expect("decode");
    assert_eq!(index.blobs.len(), 2);
    assert_eq!(blobs, vec![b"one".as_slice(), b"".as_slice()]);
    let index_length = u32::from_be_bytes(body[..4].try_into().expect("four bytes")) as usize;
    assert_eq!(&body[4..4 + index_length], serde_json::to_vec(&index).expect("index json").as_slice());
    use platform_api::BlobBatchFramingError as Framing;
    assert_eq!(platform_api::decode_blob_batch(&body[..body.len() - 1]), Err(Framing::LengthMismatch));
    assert_eq!(
        platform_api::decode_blob_batch(&[body.as_slice(), b"x"].concat()),
        Err(Framing::LengthMismatch)
    );
    assert_eq!(platform_api::decode_blob_batch(&body[..3]), Err(Framing::Truncated));
    assert_eq!(platform_api::decode_blob_batch(&[0, 0, 0, 2, b'{', b'}']), Err(Framing::IndexInvalid));
    assert_eq!(platform_api::decode_blob_batch(&[0, 0, 1, 0, b'{']), Err(Framing::Truncated));
}

#[test]
fn small_types_are_stable() {
    check::<ServerTime>("server-time", &samples::server_time());
    check::<BlobReceipt>("blob-receipt", &samples::blob_receipt());
    check::<DeviceEnrolment>("device-enrolment", &samples::device_enrolment());
    check::<EnrolmentReceipt>("enrolment-receipt", &samples::enrolment_receipt());
    check::<ApiError>("api-error", &samples::api_error());
}

#[test]
fn unknown_record_status_reads_as_unknown() {
    // A later platform may add a verdict; this client must not fail the whole response.
    let text = r#"{"record_id":"0195a1b2-3c4d-7e5f-8a6b-000000000001","status":"queued_for_review","eta":3}"#;
    let result: RecordResult = serde_json::from_str(text).expect("unknown status parses");
    assert_eq!(result.status, RecordStatus::Unknown, "an unknown verdict must read as Unknown");
    assert!(!result.status.is_success(), "an unknown verdict must not confirm a record");
}

#[test]
fn unknown_decision_kind_reads_as_unknown() {
    let text = r#"{"type":"appointment_booked","when":"2026-05-01"}"#;
    let kind: DecisionKind = serde_json::from_str(text).expect("unknown decision parses");
    assert_eq!(kind, DecisionKind::Unknown, "an unknown decision must read as Unknown, not fail the page");
}

#[test]
fn readers_ignore_unknown_keys() {
    // Forward compatibility: a later minor revision may add optional fields.
    let text = r#"{"unix_millis":5,"now":"1970-01-01T00:00:00.005Z","leap_second_pending":false}"#;
    let time: ServerTime = serde_json::from_str(text).expect("extra key is ignored");
    assert_eq!(time.unix_millis, 5);
}

#[test]
fn record_kind_names_match_their_tags() {
    for kind in samples::record_kinds() {
        let json = serde_json::to_value(&kind).expect("serialize kind");
        assert_eq!(json["type"], kind.name(), "RecordKind::name must equal the serialized tag");
    }
    for decision in samples::decision_page().decisions {
        let json = serde_json::to_value(&decision.kind).expect("serialize kind");
        assert_eq!(json["type"], decision.kind.name(), "DecisionKind::name must equal the serialized tag");
    }
}
