//! Signed requests and sample records for the stand-in's tests.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use ed25519_dalek::{Signer as _, SigningKey};
use platform_api::{PushBatch, PushRecord, RecordKind};
use platform_stub::{Platform, StubConfig};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tower::ServiceExt;
use uuid::Uuid;

pub const DEVICE: &str = "counter-1";
/// The host the fixture's platform answers to; the requests name it.
pub const HOST: &str = "platform.test";

/// A nonce no other request of this test binary used.
pub fn fresh_nonce() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!("{:032x}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// A platform in a temporary directory, its router and one registered device.
pub struct Fixture {
    pub platform: Platform,
    pub router: Router,
    pub key: SigningKey,
    _directory: TempDir,
}

pub fn fixture() -> Fixture {
    fixture_with(StubConfig {
        permit_delay: std::time::Duration::ZERO,
        enrolment_codes: vec!["CODE-1".to_owned()],
    })
}

pub fn fixture_with(config: StubConfig) -> Fixture {
    let directory = tempfile::tempdir().expect("temp dir");
    let platform = Platform::open(&directory.path().join("platform.sqlite3"), config).expect("open platform");
    let key = SigningKey::from_bytes(&[7; 32]);
    platform.register_device(DEVICE, key.verifying_key().to_bytes()).expect("register device");
    platform.accept_host(HOST);
    let router = platform_stub::router(platform.clone());
    Fixture { platform, router, key, _directory: directory }
}

pub fn now_seconds(platform: &Platform) -> i64 {
    platform.clock().now().timestamp()
}

/// A request signed by `key` as `device_id` at `timestamp`, for [`HOST`], with a fresh nonce.
pub fn signed(
    method: &str,
    path: &str,
    body: Vec<u8>,
    device_id: &str,
    key: &SigningKey,
    timestamp: i64,
) -> Request<Body> {
    signed_for(method, path, body, device_id, key, timestamp, HOST, &fresh_nonce())
}

/// A request signed for `host` with `nonce`, sent with that `Host` header.
#[allow(clippy::too_many_arguments, reason = "each is one part of what is signed")]
pub fn signed_for(
    method: &str,
    path: &str,
    body: Vec<u8>,
    device_id: &str,
    key: &SigningKey,
    timestamp: i64,
    host: &str,
    nonce: &str,
) -> Request<Body> {
    // The contract signs a blob batch's frame header (length + index), every other body whole.
    // A body too short to frame is signed whole.
    let header = |body: &[u8]| -> Option<usize> {
        let index_length = u32::from_be_bytes(body.get(..4)?.try_into().ok()?) as usize;
        (body.len() >= 4 + index_length).then_some(4 + index_length)
    };
    let signed_part = match header(&body) {
        Some(end) if method == "POST" && path == "/v1/blobs/batch" => &body[..end],
        _ => &body[..],
    };
    let body_hash = hex::encode(Sha256::digest(signed_part));
    let message =
        platform_api::signing::signing_message(method, host, path, device_id, timestamp, nonce, &body_hash);
    let signature = hex::encode(key.sign(message.as_bytes()).to_bytes());
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .header("x-device-id", device_id)
        .header("x-timestamp", timestamp.to_string())
        .header("x-nonce", nonce)
        .header("x-signature", signature)
        .body(Body::from(body))
        .expect("request builds")
}

/// Sends a request through the router; returns the status and the JSON body (or null).
pub async fn call(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body reads");
    let json =
        if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("json body") };
    (status, json)
}

impl Fixture {
    pub async fn send(&self, method: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let request = signed(method, path, body, DEVICE, &self.key, now_seconds(&self.platform));
        call(&self.router, request).await
    }

    pub async fn push(&self, records: Vec<PushRecord>) -> (StatusCode, Value) {
        self.push_with_keys(records, Vec::new()).await
    }

    /// A push that carries the office's clerk-key certificates (issue 18).
    pub async fn push_with_keys(
        &self,
        records: Vec<PushRecord>,
        clerk_keys: Vec<platform_api::KeyCertificate>,
    ) -> (StatusCode, Value) {
        self.push_with_revocations(records, clerk_keys, Vec::new()).await
    }

    /// `batch`, signed with `key` as [`DEVICE`].
    pub async fn push_signed(&self, key: &SigningKey, batch: &PushBatch) -> (StatusCode, Value) {
        let body = serde_json::to_vec(batch).expect("batch serializes");
        let request = signed("POST", "/v1/records", body, DEVICE, key, now_seconds(&self.platform));
        call(&self.router, request).await
    }

    /// A push with clerk-key certificates and revocations.
    pub async fn push_with_revocations(
        &self,
        records: Vec<PushRecord>,
        clerk_keys: Vec<platform_api::KeyCertificate>,
        clerk_key_revocations: Vec<platform_api::KeyRevocation>,
    ) -> (StatusCode, Value) {
        let batch = PushBatch {
            device_id: DEVICE.to_owned(),
            records,
            audit_anchor: None,
            clerk_keys,
            clerk_key_revocations,
            device_key_change: None,
        };
        self.send("POST", "/v1/records", serde_json::to_vec(&batch).expect("batch serializes")).await
    }
}

pub fn uuid_v7(n: u64) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(1_772_438_400_000 + n, &[n as u8; 10]).into_uuid()
}

pub fn case(n: u64) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(1_772_000_000_000 + n, &[0xca; 10]).into_uuid()
}

pub fn record(id: u64, case_id: Uuid, sequence: u64, kind: RecordKind) -> PushRecord {
    PushRecord {
        record_id: uuid_v7(id),
        case_id,
        kind,
        sequence,
        created_at: "2026-03-02T08:15:00.000Z".to_owned(),
        payload: json!({"note": format!("record {id}"), "nested": {"b": 2, "a": 1}}),
    }
}

/// The statuses of a push answer, in order.
pub fn statuses(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| result["status"].as_str().expect("status").to_owned())
        .collect()
}
