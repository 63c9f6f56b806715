//! One sample value per wire type, shared by the golden and the OpenAPI tests.
//!
//! The samples use made-up data only: no real ID number appears anywhere.

use platform_api::{
    ApiError, BlobBatch, BlobBatchEntry, BlobBatchResponse, BlobReceipt, BlobResult, BlobStatus, Decision,
    DecisionKind, DecisionPage, DeviceEnrolment, EnrolmentReceipt, PushBatch, PushRecord, PushResponse,
    RecordKind, RecordResult, RecordStatus, ServerTime,
};
use serde_json::json;
use uuid::Uuid;

pub fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("sample uuid parses")
}

pub const CASE_ID: &str = "0195a1b2-0000-7000-8000-00000000c001";
pub const PAGE_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

pub fn push_batch() -> PushBatch {
    PushBatch {
        device_id: "zj-330182-counter-03".to_owned(),
        records: vec![
            PushRecord {
                record_id: uuid("0195a1b2-3c4d-7e5f-8a6b-000000000001"),
                case_id: uuid(CASE_ID),
                kind: RecordKind::CaseCreated,
                sequence: 1,
                created_at: "2026-03-02T08:15:00.000Z".to_owned(),
                payload: json!({"application_number": "", "record": {"schema_version": 1}}),
            },
            PushRecord {
                record_id: uuid("0195a1b2-3c4d-7e5f-8a6b-000000000002"),
                case_id: uuid(CASE_ID),
                kind: RecordKind::StateChanged { from: "reviewed".to_owned(), to: "approved".to_owned() },
                sequence: 7,
                created_at: "2026-03-03T09:00:00.000Z".to_owned(),
                payload: json!({"note": null}),
            },
            PushRecord {
                record_id: uuid("0195a1b2-3c4d-7e5f-8a6b-000000000003"),
                case_id: uuid(CASE_ID),
                kind: RecordKind::PageMetadata { content_hash: PAGE_HASH.to_owned(), bytes: 412_331 },
                sequence: 8,
                created_at: "2026-03-03T09:01:00.000Z".to_owned(),
                payload: json!({"document": "tenancy_contract", "page": 1}),
            },
        ],
        // Absent in v1's golden batch: the anchor is an optional, compatible addition.
        audit_anchor: None,
        clerk_keys: Vec::new(),
        clerk_key_revocations: Vec::new(),
        device_key_change: None,
    }
}

pub fn record_kinds() -> Vec<RecordKind> {
    vec![
        RecordKind::CaseCreated,
        RecordKind::StateChanged { from: "accepted".to_owned(), to: "reviewed".to_owned() },
        RecordKind::Opinion,
        RecordKind::PageMetadata { content_hash: PAGE_HASH.to_owned(), bytes: 1 },
        RecordKind::SlipPrinted,
        RecordKind::Rating { level: "satisfied".to_owned() },
    ]
}

pub fn push_response() -> PushResponse {
    let id = |n: u32| uuid(&format!("0195a1b2-3c4d-7e5f-8a6b-{n:012}"));
    PushResponse {
        results: vec![
            RecordResult { record_id: id(1), status: RecordStatus::Accepted },
            RecordResult { record_id: id(2), status: RecordStatus::Duplicate },
            RecordResult { record_id: id(3), status: RecordStatus::Conflict },
            RecordResult {
                record_id: id(4),
                status: RecordStatus::Rejected {
                    code: "RECORD_INVALID".to_owned(),
                    reason: "居住地址不在本省".to_owned(),
                },
            },
            RecordResult { record_id: id(5), status: RecordStatus::Deferred { blocked_by: id(4) } },
        ],
        missing_blobs: vec![PAGE_HASH.to_owned()],
        device_key: None,
    }
}

pub fn decision_page() -> DecisionPage {
    let case_id = Some(uuid(CASE_ID));
    let at = "2026-03-04T10:00:00.000Z".to_owned();
    DecisionPage {
        decisions: vec![
            Decision {
                cursor: 11,
                case_id,
                decided_at: at.clone(),
                kind: DecisionKind::PermitIssued {
                    permit_number: "330100202600000042".to_owned(),
                    valid_from: "2026-03-04".to_owned(),
                    valid_until: "2027-03-03".to_owned(),
                },
            },
            Decision {
                cursor: 12,
                case_id,
                decided_at: at.clone(),
                kind: DecisionKind::Rejected { reasons: vec!["居住登记时间不足".to_owned()] },
            },
            Decision { cursor: 13, case_id, decided_at: at.clone(), kind: DecisionKind::SmsSent },
            Decision { cursor: 15, case_id, decided_at: at.clone(), kind: DecisionKind::OldPermitCancelled },
            Decision {
                cursor: 20,
                case_id: None,
                decided_at: at,
                kind: DecisionKind::ReferenceUpdated {
                    name: "holidays".to_owned(),
                    version: "2027.1".to_owned(),
                },
            },
        ],
        next_cursor: 20,
    }
}

pub fn server_time() -> ServerTime {
    ServerTime { unix_millis: 1_772_438_400_123, now: "2026-03-02T08:00:00.123Z".to_owned() }
}

pub fn blob_receipt() -> BlobReceipt {
    BlobReceipt { content_hash: PAGE_HASH.to_owned(), bytes: 412_331 }
}

pub const OTHER_HASH: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

pub fn blob_batch() -> BlobBatch {
    BlobBatch {
        blobs: vec![
            BlobBatchEntry { content_hash: PAGE_HASH.to_owned(), bytes: 412_331 },
            BlobBatchEntry { content_hash: OTHER_HASH.to_owned(), bytes: 5 },
        ],
    }
}

pub fn blob_batch_response() -> BlobBatchResponse {
    BlobBatchResponse {
        results: vec![
            BlobResult { content_hash: PAGE_HASH.to_owned(), status: BlobStatus::Stored },
            BlobResult { content_hash: PAGE_HASH.to_owned(), status: BlobStatus::AlreadyStored },
            BlobResult {
                content_hash: OTHER_HASH.to_owned(),
                status: BlobStatus::Refused {
                    code: "HASH_MISMATCH".to_owned(),
                    reason: "bytes do not hash to content_hash".to_owned(),
                },
            },
        ],
    }
}

pub fn device_enrolment() -> DeviceEnrolment {
    DeviceEnrolment {
        device_id: "zj-330182-counter-03".to_owned(),
        public_key: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".to_owned(),
        enrolment_code: "7K4Q-29XD".to_owned(),
        clerk_keys: Vec::new(),
    }
}

pub fn enrolment_receipt() -> EnrolmentReceipt {
    EnrolmentReceipt {
        device_id: "zj-330182-counter-03".to_owned(),
        enrolled_at: "2026-03-01T07:30:00.000Z".to_owned(),
    }
}

pub fn api_error() -> ApiError {
    ApiError::new("DEVICE_UNKNOWN", "device is not enrolled")
}
