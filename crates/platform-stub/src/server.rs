//! The HTTP side: the router of contract v1 plus `/admin`, the signature check, the fault
//! middleware, and an accept loop that can drop a connection on purpose.
//!
//! The accept loop is ours (hyper's HTTP/1 connection per socket, not `axum::serve`) for one
//! reason: to lose an acknowledgement faithfully, the stand-in must close a connection
//! *after* its handler committed and *without* writing a response. Each connection gets a
//! [`ConnectionControl`] in its requests' extensions; the fault middleware signals it and
//! the connection's task drops the socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use ed25519_dalek::{Signature, VerifyingKey};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use platform_api::signing::{
    HEADER_DEVICE_ID, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, SIGNATURE_WINDOW_SECONDS,
};
use platform_api::{
    ApiError, BlobBatchResponse, BlobReceipt, BlobResult, BlobStatus, DecisionKind, DeviceEnrolment,
    EnrolmentReceipt, PushBatch, ServerTime, code, path,
};
use serde::Deserialize;
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::error::{Result, StubError};
use crate::faults::{BeforeRequest, FaultRequest};
use crate::platform::{BlobOutcome, EnrolOutcome, Platform};

/// Lets a handler close its own connection without answering.
#[derive(Clone, Debug)]
struct ConnectionControl(Arc<Notify>);

impl ConnectionControl {
    fn drop_connection(&self) {
        self.0.notify_one();
    }
}

/// The device a request was signed by, set by the signature check.
#[derive(Clone, Debug)]
struct Authenticated {
    device_id: String,
    /// The SHA-256 (hex) the signature covers: of the whole body, except for a blob batch
    /// (`platform_api::signing::signed_body`). `PUT /v1/blobs/{sha256}` compares it with
    /// the path instead of hashing the page a second time.
    body_sha256: String,
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes)
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn api_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    json_response(status, &ApiError::new(code, message))
}

fn internal(error: StubError) -> Response {
    tracing::error!(%error, "request failed");
    api_error(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "internal error")
}

/// A JSON body that did not parse. The message names the position only: serde's own text
/// can quote values, and values here are personal data.
fn body_invalid(what: &str, error: &serde_json::Error) -> Response {
    api_error(
        StatusCode::BAD_REQUEST,
        code::BODY_INVALID,
        format!("body is not a {what} (line {}, column {})", error.line(), error.column()),
    )
}

/// The router of contract v1 and the admin routes, over `platform`.
pub fn router(platform: Platform) -> Router {
    let signed = Router::new()
        .route(path::RECORDS, post(push))
        .route(path::BLOB_BATCH, post(put_blob_batch))
        .route(path::BLOB, put(put_blob).head(head_blob))
        .route(path::DECISIONS, get(decisions))
        .route(path::DEVICES, post(enrol))
        .route_layer(middleware::from_fn_with_state(platform.clone(), authenticate));
    let contract = signed
        .route(path::TIME, get(time))
        .layer(middleware::from_fn_with_state(platform.clone(), inject_faults))
        // The signature check reads bodies itself, with the contract's limits.
        .layer(DefaultBodyLimit::disable());
    let admin = Router::new()
        .route("/admin/faults", post(admin_faults))
        .route("/admin/stats", get(admin_stats))
        .route("/admin/records", get(admin_records))
        .route("/admin/devices", post(admin_device))
        .route("/admin/enrolment-codes", post(admin_enrolment_code))
        .route("/admin/audit-anchors/forget", post(admin_forget_anchor))
        .route("/admin/decisions", post(admin_decision))
        .route("/admin/references", post(admin_reference));
    contract.merge(admin).fallback(not_found).with_state(platform)
}

async fn not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, code::NOT_FOUND, "no such route")
}

async fn inject_faults(State(platform): State<Platform>, request: Request, next: Next) -> Response {
    match platform.faults().before_request() {
        BeforeRequest::Fail => {
            return api_error(StatusCode::SERVICE_UNAVAILABLE, code::UNAVAILABLE, "unavailable (injected)");
        }
        BeforeRequest::Hang(duration) => {
            tokio::time::sleep(duration).await;
            return api_error(StatusCode::SERVICE_UNAVAILABLE, code::UNAVAILABLE, "timed out (injected)");
        }
        BeforeRequest::Proceed(delay) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }
    let control = request.extensions().get::<ConnectionControl>().cloned();
    let response = next.run(request).await;
    if platform.faults().take_drop() {
        match control {
            Some(control) => {
                tracing::info!("dropping the connection after processing (injected lost ack)");
                control.drop_connection();
                // The connection task drops this future together with the socket.
                return std::future::pending::<Response>().await;
            }
            None => tracing::warn!("cannot drop a connection not served by platform_stub::spawn"),
        }
    }
    response
}

/// SHA-256 in lowercase hex, with ring's assembly: every uploaded page goes through here.
fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

fn header_text<'a>(request: &'a axum::http::request::Parts, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|value| value.to_str().ok())
}

fn unauthorized(code: &str, message: &str) -> Response {
    api_error(StatusCode::UNAUTHORIZED, code, message)
}

/// Checks the device signature of a contract request (see [`platform_api::signing`]), and
/// signs the answer with the platform's key, bound to the request's nonce
/// ([`platform_api::signing::answer_message`]): a verdict, a refusal or a decision the
/// counter can trust did come from here.
async fn authenticate(State(platform): State<Platform>, request: Request, next: Next) -> Response {
    let nonce = request
        .headers()
        .get(HEADER_NONCE)
        .and_then(|value| value.to_str().ok())
        .filter(|text| platform_api::signing::is_nonce(text))
        .map(str::to_owned);
    let response = check_signature(State(platform.clone()), request, next).await;
    match nonce {
        Some(nonce) => sign_answer(&platform, &nonce, response).await,
        None => response,
    }
}

/// `response` with the platform's signature of it for the request with `nonce`.
async fn sign_answer(platform: &Platform, nonce: &str, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return internal(StubError::InvalidInput { what: "answer", reason: "unreadable body".to_owned() });
    };
    let key = match platform.signing_key() {
        Ok(key) => key,
        Err(error) => return internal(error),
    };
    let message = platform_api::signing::answer_message(nonce, parts.status.as_u16(), &sha256_hex(&bytes));
    let signature = hex::encode(ed25519_dalek::Signer::sign(&key, message.as_bytes()).to_bytes());
    if let Ok(value) = axum::http::HeaderValue::from_str(&signature) {
        parts.headers.insert(platform_api::signing::HEADER_ANSWER_SIGNATURE, value);
    }
    if platform.faults().take_tamper() {
        // A man in the middle: the signed answer's body changed on its way (a verdict
        // turned round), the signature left as it was.
        let mut tampered = bytes.to_vec();
        if let Some(last) = tampered.iter().rposition(|byte| byte.is_ascii_alphanumeric()) {
            tampered[last] ^= 0x01;
        }
        return Response::from_parts(parts, Body::from(tampered));
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn check_signature(State(platform): State<Platform>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Some(device_id) = header_text(&parts, HEADER_DEVICE_ID).map(str::to_owned) else {
        return unauthorized(code::SIGNATURE_INVALID, "missing x-device-id");
    };
    let Some(timestamp) = header_text(&parts, HEADER_TIMESTAMP).and_then(|text| text.parse::<i64>().ok())
    else {
        return unauthorized(code::SIGNATURE_INVALID, "missing or malformed x-timestamp");
    };
    let Some(nonce) = header_text(&parts, HEADER_NONCE).filter(|text| platform_api::signing::is_nonce(text))
    else {
        return unauthorized(code::SIGNATURE_INVALID, "missing or malformed x-nonce");
    };
    let nonce = nonce.to_owned();
    let host = header_text(&parts, axum::http::header::HOST.as_str()).unwrap_or_default().to_owned();
    if !platform.is_own_host(&host) {
        tracing::info!(device_id, host, "request signed for another host refused");
        return unauthorized(code::WRONG_HOST, &format!("this platform is not {host}"));
    }
    let signature = header_text(&parts, HEADER_SIGNATURE)
        .and_then(|text| hex::decode(text).ok())
        .and_then(|bytes| <[u8; 64]>::try_from(bytes.as_slice()).ok());
    let Some(signature) = signature else {
        return unauthorized(code::SIGNATURE_INVALID, "missing or malformed x-signature");
    };
    let is_blob_batch = parts.uri.path() == path::BLOB_BATCH;
    let is_blob = !is_blob_batch && parts.uri.path().starts_with("/v1/blobs/");
    let limit = if is_blob_batch {
        platform_api::MAX_BLOB_BATCH_BYTES
    } else if is_blob {
        platform_api::MAX_BLOB_BYTES
    } else {
        platform_api::MAX_REQUEST_BYTES
    };
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        let (code, message) = if is_blob {
            (code::BLOB_TOO_LARGE, "blob too large")
        } else {
            (code::BATCH_TOO_LARGE, "request body too large")
        };
        return api_error(StatusCode::PAYLOAD_TOO_LARGE, code, message);
    };
    let public_key = if parts.method == Method::POST && parts.uri.path() == path::DEVICES {
        // Enrolment proves possession of the key it enrols. Its body goes compressed once
        // it carries the office's key certificates: the key is read from it expanded.
        let expanded = match expanded_body(&parts, &bytes) {
            Ok(expanded) => expanded,
            Err(refusal) => return *refusal,
        };
        let enrolment: DeviceEnrolment = match serde_json::from_slice(&expanded) {
            Ok(enrolment) => enrolment,
            Err(error) => return body_invalid("device enrolment", &error),
        };
        if enrolment.device_id != device_id {
            return api_error(
                StatusCode::FORBIDDEN,
                code::DEVICE_MISMATCH,
                "body and header name different devices",
            );
        }
        match hex::decode(&enrolment.public_key)
            .ok()
            .and_then(|key| <[u8; 32]>::try_from(key.as_slice()).ok())
        {
            Some(key) => key,
            None => {
                return api_error(
                    StatusCode::BAD_REQUEST,
                    code::BODY_INVALID,
                    "public_key is not 32 bytes of hex",
                );
            }
        }
    } else {
        match platform.device_key(&device_id) {
            Ok(Some(key)) => key,
            Ok(None) => {
                tracing::info!(device_id, "request from an unknown device refused");
                return unauthorized(code::DEVICE_UNKNOWN, "device is not enrolled");
            }
            Err(error) => return internal(error),
        }
    };
    let now = platform.clock().now().timestamp();
    if (now - timestamp).abs() > SIGNATURE_WINDOW_SECONDS {
        return unauthorized(
            code::TIMESTAMP_OUT_OF_WINDOW,
            &format!(
                "timestamp {timestamp} is more than {SIGNATURE_WINDOW_SECONDS} s from the platform's {now}"
            ),
        );
    }
    let body_sha256 =
        sha256_hex(platform_api::signing::signed_body(parts.method.as_str(), parts.uri.path(), &bytes));
    let path_and_query = parts.uri.path_and_query().map_or("/", |path_and_query| path_and_query.as_str());
    let message = platform_api::signing::signing_message(
        parts.method.as_str(),
        &host,
        path_and_query,
        &device_id,
        timestamp,
        &nonce,
        &body_sha256,
    );
    let verified = VerifyingKey::from_bytes(&public_key)
        .and_then(|key| key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature)));
    if verified.is_err() {
        // Signed with a key the device's administrator replaced: a copy of the office made
        // before the re-key, or the office whose answer to the change was lost.
        let replaced = platform.replaced_device_keys(&device_id).unwrap_or_default().iter().any(|key| {
            VerifyingKey::from_bytes(key)
                .and_then(|key| key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature)))
                .is_ok()
        });
        if replaced {
            tracing::info!(device_id, "request signed with a replaced device key refused");
            return unauthorized(
                code::DEVICE_KEY_REPLACED,
                "this device key was replaced by its administrator",
            );
        }
        tracing::info!(device_id, "request with a bad signature refused");
        return unauthorized(code::SIGNATURE_INVALID, "signature does not verify");
    }
    // Only a verified request's nonce is kept: a forger cannot use up a device's nonces.
    if !platform.first_use_of_nonce(&device_id, &nonce, now, SIGNATURE_WINDOW_SECONDS) {
        tracing::info!(device_id, "replayed request refused");
        return unauthorized(code::REQUEST_REPLAYED, "this signed request was received before");
    }
    // The signature covered the bytes as sent; a compressed JSON body is read expanded,
    // never beyond the JSON limit (a small body that inflates to gigabytes is refused).
    let mut parts = parts;
    let bytes = match expanded_body(&parts, &bytes) {
        Ok(expanded) => expanded,
        Err(refusal) => return *refusal,
    };
    parts.headers.remove(axum::http::header::CONTENT_ENCODING);
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(Authenticated { device_id, body_sha256 });
    next.run(request).await
}

/// The body as JSON is read: gunzipped when it came compressed, never beyond the JSON
/// limit (a small body that inflates to gigabytes is refused), or the refusal to answer.
fn expanded_body(
    parts: &axum::http::request::Parts,
    bytes: &Bytes,
) -> std::result::Result<Bytes, Box<Response>> {
    let gzipped = header_text(parts, axum::http::header::CONTENT_ENCODING.as_str())
        .is_some_and(|encoding| encoding.eq_ignore_ascii_case("gzip"));
    if !gzipped {
        return Ok(bytes.clone());
    }
    match gunzip(bytes, platform_api::MAX_REQUEST_BYTES) {
        Ok(Some(expanded)) => Ok(Bytes::from(expanded)),
        Ok(None) => Err(Box::new(api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::BATCH_TOO_LARGE,
            "body expands too far",
        ))),
        Err(error) => Err(Box::new(api_error(
            StatusCode::BAD_REQUEST,
            code::BODY_INVALID,
            format!("gzip body: {error}"),
        ))),
    }
}

/// `bytes` gunzipped, or `None` when they expand beyond `limit`.
fn gunzip(bytes: &[u8], limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut expanded = Vec::new();
    flate2::read::GzDecoder::new(bytes).take(limit as u64 + 1).read_to_end(&mut expanded)?;
    Ok((expanded.len() <= limit).then_some(expanded))
}

fn authenticated(request_extensions: Option<axum::Extension<Authenticated>>) -> Option<Authenticated> {
    request_extensions.map(|axum::Extension(authenticated)| authenticated)
}

async fn push(
    State(platform): State<Platform>,
    extension: Option<axum::Extension<Authenticated>>,
    body: Bytes,
) -> Response {
    let Some(authenticated) = authenticated(extension) else {
        return unauthorized(code::SIGNATURE_INVALID, "request is not signed");
    };
    let batch: PushBatch = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(error) => return body_invalid("push batch", &error),
    };
    if batch.device_id != authenticated.device_id {
        return api_error(
            StatusCode::FORBIDDEN,
            code::DEVICE_MISMATCH,
            "batch device differs from the signer",
        );
    }
    if batch.records.len() > platform_api::MAX_BATCH_RECORDS {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::BATCH_TOO_LARGE,
            format!("at most {} records per batch", platform_api::MAX_BATCH_RECORDS),
        );
    }
    if let Some(position) =
        batch.records.iter().position(|record| platform.faults().is_poisoned(record.case_id))
    {
        return api_error(
            StatusCode::BAD_REQUEST,
            code::BODY_INVALID,
            format!("record {position} of the batch is not readable (injected)"),
        );
    }
    match platform.check_audit_anchor(&authenticated.device_id, batch.audit_anchor.as_ref()) {
        Ok(crate::platform::AnchorCheck::Accepted) => {}
        Ok(crate::platform::AnchorCheck::Broken(reason)) => {
            tracing::warn!(device_id = %authenticated.device_id, "push refused: audit chain broken");
            return api_error(StatusCode::CONFLICT, code::AUDIT_CHAIN_BROKEN, reason);
        }
        Err(error) => return internal(error),
    }
    match platform.push(&authenticated.device_id, &batch) {
        Ok(response) => json_response(StatusCode::OK, &response),
        Err(error) => internal(error),
    }
}

async fn put_blob(
    State(platform): State<Platform>,
    Path(sha256): Path<String>,
    extension: Option<axum::Extension<Authenticated>>,
    body: Bytes,
) -> Response {
    if !platform_api::is_sha256_hex(&sha256) {
        return api_error(StatusCode::BAD_REQUEST, code::HASH_MISMATCH, "path is not a lowercase sha-256");
    }
    // The signature check hashed this body already.
    let body_sha256 = match authenticated(extension) {
        Some(authenticated) => authenticated.body_sha256,
        None => sha256_hex(&body),
    };
    if body_sha256 != sha256 {
        return api_error(StatusCode::BAD_REQUEST, code::HASH_MISMATCH, "body does not hash to the path");
    }
    let receipt = BlobReceipt { content_hash: sha256.clone(), bytes: body.len() as u64 };
    match platform.put_blob(&sha256, &body) {
        Ok(BlobOutcome::Stored) => json_response(StatusCode::CREATED, &receipt),
        Ok(BlobOutcome::AlreadyStored) => json_response(StatusCode::OK, &receipt),
        Err(error) => internal(error),
    }
}

/// `POST /v1/blobs/batch`: checks each blob against its hash, stores the good ones in one
/// transaction, and answers per blob.
async fn put_blob_batch(State(platform): State<Platform>, body: Bytes) -> Response {
    let (index, blobs) = match platform_api::decode_blob_batch(&body) {
        Ok(decoded) => decoded,
        Err(platform_api::BlobBatchFramingError::TooManyBlobs) => {
            return api_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::BATCH_TOO_LARGE,
                format!("at most {} blobs per batch", platform_api::MAX_BLOB_BATCH_BLOBS),
            );
        }
        Err(error) => {
            return api_error(StatusCode::BAD_REQUEST, code::BODY_INVALID, format!("blob batch: {error}"));
        }
    };
    let refused =
        |code: &str, reason: &str| BlobStatus::Refused { code: code.to_owned(), reason: reason.to_owned() };
    let mut statuses: Vec<Option<BlobStatus>> = Vec::with_capacity(blobs.len());
    let mut to_store = Vec::new();
    for (entry, bytes) in index.blobs.iter().zip(&blobs) {
        let status = if !platform_api::is_sha256_hex(&entry.content_hash) {
            Some(refused(code::HASH_MISMATCH, "content_hash is not a lowercase sha-256"))
        } else if bytes.len() > platform_api::MAX_BLOB_BYTES {
            Some(refused(code::BLOB_TOO_LARGE, "blob too large"))
        } else if sha256_hex(bytes) != entry.content_hash {
            Some(refused(code::HASH_MISMATCH, "bytes do not hash to content_hash"))
        } else {
            to_store.push((entry.content_hash.as_str(), *bytes));
            None
        };
        statuses.push(status);
    }
    let mut outcomes = match platform.put_blobs(&to_store) {
        Ok(outcomes) => outcomes.into_iter(),
        Err(error) => return internal(error),
    };
    let mut results = Vec::with_capacity(statuses.len());
    for (entry, status) in index.blobs.iter().zip(statuses) {
        let status = match status {
            Some(status) => status,
            None => match outcomes.next() {
                Some(BlobOutcome::Stored) => BlobStatus::Stored,
                Some(BlobOutcome::AlreadyStored) => BlobStatus::AlreadyStored,
                None => {
                    return internal(StubError::InvalidInput {
                        what: "blob batch",
                        reason: "fewer outcomes than blobs".to_owned(),
                    });
                }
            },
        };
        results.push(BlobResult { content_hash: entry.content_hash.clone(), status });
    }
    json_response(StatusCode::OK, &BlobBatchResponse { results })
}

async fn head_blob(State(platform): State<Platform>, Path(sha256): Path<String>) -> Response {
    match platform.blob_length(&sha256) {
        Ok(Some(length)) => (StatusCode::OK, [("x-blob-bytes", length.to_string())]).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => internal(error),
    }
}

/// Reads `cursor` and `limit` from a query string.
fn decision_query(uri: &Uri) -> Option<(u64, u32)> {
    let (mut cursor, mut limit) = (None, None);
    for pair in uri.query()?.split('&') {
        match pair.split_once('=') {
            Some(("cursor", value)) => cursor = value.parse::<u64>().ok(),
            Some(("limit", value)) => limit = value.parse::<u32>().ok(),
            _ => {}
        }
    }
    Some((cursor?, limit?))
}

async fn decisions(
    State(platform): State<Platform>,
    extension: Option<axum::Extension<Authenticated>>,
    uri: Uri,
) -> Response {
    let Some(authenticated) = authenticated(extension) else {
        return unauthorized(code::SIGNATURE_INVALID, "request is not signed");
    };
    let Some((cursor, limit)) = decision_query(&uri).filter(|(_, limit)| *limit > 0) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            code::QUERY_INVALID,
            "cursor and limit (1 or more) are required",
        );
    };
    match platform.decisions(
        &authenticated.device_id,
        cursor,
        limit.min(platform_api::MAX_DECISIONS_PER_PAGE),
    ) {
        Ok(page) => json_response(StatusCode::OK, &page),
        Err(error) => internal(error),
    }
}

async fn enrol(State(platform): State<Platform>, body: Bytes) -> Response {
    let enrolment: DeviceEnrolment = match serde_json::from_slice(&body) {
        Ok(enrolment) => enrolment,
        Err(error) => return body_invalid("device enrolment", &error),
    };
    if !platform_api::is_valid_device_id(&enrolment.device_id) {
        return api_error(
            StatusCode::BAD_REQUEST,
            code::BODY_INVALID,
            "device_id has characters outside A-Z a-z 0-9 . _ -",
        );
    }
    let Some(public_key) =
        hex::decode(&enrolment.public_key).ok().and_then(|key| <[u8; 32]>::try_from(key.as_slice()).ok())
    else {
        return api_error(StatusCode::BAD_REQUEST, code::BODY_INVALID, "public_key is not 32 bytes of hex");
    };
    let receipt = |at| EnrolmentReceipt { device_id: enrolment.device_id.clone(), enrolled_at: rfc3339(at) };
    match platform.enrol(&enrolment.device_id, public_key, &enrolment.enrolment_code, &enrolment.clerk_keys) {
        Ok(EnrolOutcome::Enrolled(at)) => json_response(StatusCode::CREATED, &receipt(at)),
        Ok(EnrolOutcome::AlreadyEnrolled(at)) => json_response(StatusCode::OK, &receipt(at)),
        Ok(EnrolOutcome::CodeRefused) => {
            api_error(StatusCode::FORBIDDEN, code::ENROLMENT_REFUSED, "enrolment code is unknown or used")
        }
        Ok(EnrolOutcome::KeyConflict) => api_error(
            StatusCode::CONFLICT,
            code::DEVICE_KEY_CONFLICT,
            "device id is enrolled with another key",
        ),
        Err(error) => internal(error),
    }
}

async fn time(State(platform): State<Platform>) -> Response {
    let now = platform.clock().now();
    json_response(StatusCode::OK, &ServerTime { unix_millis: now.timestamp_millis(), now: rfc3339(now) })
}

fn parse_admin<T: for<'de> Deserialize<'de>>(body: &Bytes) -> std::result::Result<T, serde_json::Error> {
    serde_json::from_slice(body)
}

async fn admin_faults(State(platform): State<Platform>, body: Bytes) -> Response {
    match parse_admin::<FaultRequest>(&body) {
        Ok(request) => {
            platform.faults().apply(request);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => body_invalid("admin request", &error),
    }
}

async fn admin_stats(State(platform): State<Platform>) -> Response {
    match platform.stats() {
        Ok(stats) => json_response(StatusCode::OK, &stats),
        Err(error) => internal(error),
    }
}

async fn admin_records(State(platform): State<Platform>) -> Response {
    match platform.records() {
        Ok(records) => json_response(StatusCode::OK, &records),
        Err(error) => internal(error),
    }
}

#[derive(Deserialize)]
struct AdminDevice {
    device_id: String,
    public_key: String,
}

async fn admin_device(State(platform): State<Platform>, body: Bytes) -> Response {
    let device = match parse_admin::<AdminDevice>(&body) {
        Ok(device) => device,
        Err(error) => return body_invalid("admin request", &error),
    };
    let Some(key) =
        hex::decode(&device.public_key).ok().and_then(|key| <[u8; 32]>::try_from(key.as_slice()).ok())
    else {
        return api_error(StatusCode::BAD_REQUEST, code::BODY_INVALID, "public_key is not 32 bytes of hex");
    };
    match platform.register_device(&device.device_id, key) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(StubError::InvalidInput { reason, .. }) => {
            api_error(StatusCode::CONFLICT, code::DEVICE_KEY_CONFLICT, reason)
        }
        Err(error) => internal(error),
    }
}

#[derive(Deserialize)]
struct AdminForgetAnchor {
    device_id: String,
}

/// The operator forgets a device's audit anchor after checking with the office that its
/// data was legitimately rolled back (a restore from an older backup).
async fn admin_forget_anchor(State(platform): State<Platform>, body: Bytes) -> Response {
    let request = match parse_admin::<AdminForgetAnchor>(&body) {
        Ok(request) => request,
        Err(error) => return body_invalid("admin request", &error),
    };
    match platform.forget_audit_anchor(&request.device_id) {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => api_error(StatusCode::NOT_FOUND, code::NOT_FOUND, "no anchor held for this device"),
        Err(error) => internal(error),
    }
}

#[derive(Deserialize)]
struct AdminEnrolmentCode {
    code: String,
}

async fn admin_enrolment_code(State(platform): State<Platform>, body: Bytes) -> Response {
    match parse_admin::<AdminEnrolmentCode>(&body) {
        Ok(request) => match platform.add_enrolment_code(&request.code) {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(error) => internal(error),
        },
        Err(error) => body_invalid("admin request", &error),
    }
}

#[derive(Deserialize)]
struct AdminDecision {
    case_id: Uuid,
    kind: DecisionKind,
}

async fn admin_decision(State(platform): State<Platform>, body: Bytes) -> Response {
    let request = match parse_admin::<AdminDecision>(&body) {
        Ok(request) => request,
        Err(error) => return body_invalid("admin request", &error),
    };
    match platform.decide(request.case_id, &request.kind) {
        Ok(cursor) => json_response(StatusCode::CREATED, &serde_json::json!({ "cursor": cursor })),
        Err(StubError::UnknownCase(case_id)) => {
            api_error(StatusCode::NOT_FOUND, code::NOT_FOUND, format!("case {case_id} was never pushed"))
        }
        Err(error) => internal(error),
    }
}

#[derive(Deserialize)]
struct AdminReference {
    name: String,
    version: String,
}

async fn admin_reference(State(platform): State<Platform>, body: Bytes) -> Response {
    match parse_admin::<AdminReference>(&body) {
        Ok(request) => match platform.publish_reference(&request.name, &request.version) {
            Ok(cursor) => json_response(StatusCode::CREATED, &serde_json::json!({ "cursor": cursor })),
            Err(error) => internal(error),
        },
        Err(error) => body_invalid("admin request", &error),
    }
}

/// A running stand-in. Dropping it stops the server at once (open connections included);
/// [`RunningServer::shutdown`] does the same and waits for it.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes every connection, and waits until the server is gone.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `platform` on an already bound `listener` (bind first, so a caller knows the
/// port before any request can race the start). Must be called inside a tokio runtime.
/// Besides answering requests, the server issues due permits every half second.
pub fn spawn(listener: TcpListener, platform: Platform) -> Result<RunningServer> {
    let local_addr = listener.local_addr()?;
    // Signed requests must name this server: its address, and `localhost` on loopback.
    platform.accept_host(&local_addr.to_string());
    if local_addr.ip().is_loopback() {
        platform.accept_host(&format!("localhost:{}", local_addr.port()));
    }
    let (shutdown, shutdown_signal) = oneshot::channel();
    let router = router(platform.clone());
    let task = tokio::spawn(accept_loop(listener, router, platform, shutdown_signal));
    tracing::info!(%local_addr, "platform stand-in listening");
    Ok(RunningServer { local_addr, shutdown: Some(shutdown), task })
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    platform: Platform,
    mut shutdown_signal: oneshot::Receiver<()>,
) {
    // Connection tasks live in this set: when the loop ends (or is aborted) they go too.
    let mut connections = JoinSet::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = &mut shutdown_signal => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = ticker.tick() => {
                if let Err(error) = platform.issue_due_permits() {
                    tracing::warn!(%error, "issuing due permits failed");
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let control = ConnectionControl(Arc::clone(&kill));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(control.clone());
        router.clone().oneshot(request.map(Body::new))
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = kill.notified() => {
            tracing::debug!("connection dropped on purpose");
        }
    }
}
