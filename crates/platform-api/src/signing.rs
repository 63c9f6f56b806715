//! Request signing: what a device signs and which headers carry it.
//!
//! Every request except `GET /v1/time` carries four headers:
//! - [`HEADER_DEVICE_ID`]: the device id;
//! - [`HEADER_TIMESTAMP`]: the device's time in whole seconds since the Unix epoch,
//!   corrected by the skew the device measured against `GET /v1/time`;
//! - [`HEADER_NONCE`]: 16 random bytes, 32 lowercase hex digits, new for every send;
//! - [`HEADER_SIGNATURE`]: the Ed25519 signature of [`signing_message`], 128 lowercase hex
//!   digits.
//!
//! The signed message names the host the request was sent to (its `Host` header) as well
//! as the method, path, device, time, nonce and body. The platform verifies the signature
//! with the device's enrolled public key, refuses a host other than its own
//! ([`crate::code::WRONG_HOST`]: a request captured on its way to one platform cannot be
//! played to another), timestamps further than [`SIGNATURE_WINDOW_SECONDS`] from its own
//! clock, and a nonce it has seen within that window ([`crate::code::REQUEST_REPLAYED`]).
//! A device signs every send afresh, a retry included; a push sent twice is harmless
//! anyway (idempotency keys).
//!
//! Why Ed25519 rather than SM2: it is deterministic (no random nonce per signature, whose
//! reuse leaks the key), small, fast, and has a mature, audited pure-Rust implementation
//! (`ed25519-dalek`) that builds everywhere the app does. The available pure-Rust SM2
//! implementations are younger and pre-1.0. SM2 remains a candidate if a 密评 assessment
//! demands 国密 for device authentication; it would arrive as a new contract version with
//! its own signature header, not as a change to this one.

/// Header with the platform's Ed25519 signature of its answer to a signed request, 128
/// lowercase hex digits: [`answer_message`] signed with the platform's own key (the one the
/// office keeps for air-gapped bundles). A counter that holds that key accepts a verdict,
/// a refusal or a decision only with a valid signature; without it a man in the middle of
/// a township line could confirm records the platform never stored (the counter would
/// stop sending them) or refuse them into quarantine.
pub const HEADER_ANSWER_SIGNATURE: &str = "x-platform-signature";

/// What the platform signs of an answer: a tag, the nonce of the request it answers (so
/// an answer cannot be replayed to another request), the HTTP status, and the SHA-256 of
/// the body as sent (lowercase hex), separated by `\n`.
///
/// ```
/// assert_eq!(
///     platform_api::signing::answer_message(
///         "5f3c8e2a9b1d4c6e8f0a2b4c6d8e0f12",
///         200,
///         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
///     ),
///     "permit-desk-answer-v1\n5f3c8e2a9b1d4c6e8f0a2b4c6d8e0f12\n200\n\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn answer_message(request_nonce: &str, status: u16, body_sha256_hex: &str) -> String {
    format!("permit-desk-answer-v1\n{request_nonce}\n{status}\n{body_sha256_hex}")
}

/// Header naming the signing device.
pub const HEADER_DEVICE_ID: &str = "x-device-id";
/// Header with the signing time, whole seconds since the Unix epoch.
pub const HEADER_TIMESTAMP: &str = "x-timestamp";
/// Header with the request's nonce, 32 lowercase hex digits.
pub const HEADER_NONCE: &str = "x-nonce";
/// Header with the signature, 128 lowercase hex digits.
pub const HEADER_SIGNATURE: &str = "x-signature";
/// How far (either way) a request's timestamp may be from the platform's clock.
pub const SIGNATURE_WINDOW_SECONDS: i64 = 300;

/// The bytes of a request body whose SHA-256 goes into [`signing_message`]: the whole
/// body, except for `POST /v1/blobs/batch`, where it is the frame's header (the 4-byte
/// length and the JSON index, [`crate::blob_batch_header`]). The index names every blob's
/// SHA-256 and length, and the platform stores a blob only if its bytes hash to the signed
/// value and refuses a body with bytes left over, so the signature still covers every
/// byte, while the pages — nearly all of a batch — are hashed once, by the platform, rather
/// than three times (device signing, platform verifying the signature, platform checking
/// each page). A body too short to frame is signed whole; the platform refuses it anyway.
pub fn signed_body<'a>(method: &str, path: &str, body: &'a [u8]) -> &'a [u8] {
    if method == "POST" && path == crate::path::BLOB_BATCH {
        crate::blob_batch_header(body).unwrap_or(body)
    } else {
        body
    }
}

/// The exact bytes a device signs (as UTF-8): a version line, the method in upper case,
/// the host as in the request's `Host` header (`platform.example.gov.cn`, or
/// `127.0.0.1:8787` with a port), the path with its query string as sent
/// (`/v1/decisions?cursor=0&limit=100`), the device id, the timestamp, the nonce, and the
/// SHA-256 of the body in lowercase hex (of the empty string when there is no body; of
/// the frame header for a blob batch, [`signed_body`]), separated by `\n`.
///
/// ```
/// let message = platform_api::signing::signing_message(
///     "GET",
///     "127.0.0.1:8787",
///     "/v1/decisions?cursor=0&limit=100",
///     "zj-330182-counter-03",
///     1_772_438_400,
///     "5f3c8e2a9b1d4c6e8f0a2b4c6d8e0f12",
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
/// );
/// assert_eq!(
///     message,
///     "permit-desk-v2\nGET\n127.0.0.1:8787\n/v1/decisions?cursor=0&limit=100\nzj-330182-counter-03\n\
///      1772438400\n5f3c8e2a9b1d4c6e8f0a2b4c6d8e0f12\n\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn signing_message(
    method: &str,
    host: &str,
    path_and_query: &str,
    device_id: &str,
    timestamp: i64,
    nonce: &str,
    body_sha256_hex: &str,
) -> String {
    format!(
        "permit-desk-v2\n{method}\n{host}\n{path_and_query}\n{device_id}\n{timestamp}\n{nonce}\n{body_sha256_hex}"
    )
}

/// Whether `text` is a well-formed nonce: 32 lowercase hex digits.
pub fn is_nonce(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}
