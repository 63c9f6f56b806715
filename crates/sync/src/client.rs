//! [`PlatformClient`]: one signed HTTP request per contract operation, and nothing more.
//!
//! Transport choices:
//! - reqwest over hyper with **rustls** (ring provider) and the operating system's
//!   certificate verifier; extra roots (a provincial private CA) can be added. No OpenSSL.
//! - `https://` for any real platform. Plain `http://` is accepted for loopback hosts
//!   only (`127.0.0.0/8`, `::1`, `localhost`), where the stand-in runs for tests and demos;
//!   [`PlatformClient::new`] refuses anything else with [`SyncError::InsecureUrl`].
//! - Every request has a timeout; the client does not retry by itself (the drain decides).
//!
//! Signing follows [`platform_api::signing`]. The timestamp is the local clock corrected
//! by the skew last measured against `GET /v1/time` ([`PlatformClient::set_clock_skew_millis`],
//! set by [`crate::ConnectivityMonitor::probe`]), so a counter whose clock is off by more
//! than the platform's window still authenticates once it has probed.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use platform_api::signing::{
    HEADER_ANSWER_SIGNATURE, HEADER_DEVICE_ID, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    answer_message, signing_message,
};
use platform_api::{
    ApiError, BlobBatchResponse, BlobReceipt, DecisionPage, DeviceEnrolment, EnrolmentReceipt, PushBatch,
    PushResponse, ServerTime, code, path,
};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::error::SyncError;
use crate::identity::DeviceIdentity;

/// How to reach the platform.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `https://platform.example.cn` or `http://127.0.0.1:8787` (no path).
    pub base_url: String,
    /// Longest wait for a whole request, answer included.
    pub request_timeout: Duration,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Extra trusted root certificates (DER), for a platform behind a private CA.
    pub extra_root_certificates: Vec<Vec<u8>>,
    /// The platform's Ed25519 public key (the one the office keeps for air-gapped
    /// bundles). When known, every answer the client acts on must carry the platform's
    /// valid signature ([`platform_api::signing::HEADER_ANSWER_SIGNATURE`]); an answer
    /// without one is [`SyncError::AnswerUnverified`] and changes nothing.
    pub platform_key: Option<[u8; 32]>,
}

impl ClientConfig {
    /// A configuration for `base_url` with 30 s per request and 10 s to connect.
    pub fn new(base_url: &str) -> ClientConfig {
        ClientConfig {
            base_url: base_url.to_owned(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            extra_root_certificates: Vec::new(),
            platform_key: None,
        }
    }
}

/// Checks the scheme and host of a platform URL: `https`, or `http` to loopback.
///
/// ```
/// assert!(sync::check_platform_url("https://platform.example.cn").is_ok());
/// assert!(sync::check_platform_url("http://127.0.0.1:8787").is_ok());
/// assert!(sync::check_platform_url("http://localhost:8787").is_ok());
/// assert!(matches!(
///     sync::check_platform_url("http://10.1.2.3:8787"),
///     Err(sync::SyncError::InsecureUrl { .. })
/// ));
/// ```
pub fn check_platform_url(base_url: &str) -> Result<Url, SyncError> {
    let url = Url::parse(base_url).map_err(|error| SyncError::InvalidUrl { reason: error.to_string() })?;
    if url.query().is_some() || url.fragment().is_some() || !matches!(url.path(), "" | "/") {
        return Err(SyncError::InvalidUrl {
            reason: "the base url must have no path, query or fragment".to_owned(),
        });
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|address| address.is_loopback());
            if loopback { Ok(url) } else { Err(SyncError::InsecureUrl { host: host.to_owned() }) }
        }
        other => Err(SyncError::InvalidUrl { reason: format!("scheme {other:?} is neither https nor http") }),
    }
}

/// Milliseconds since the Unix epoch on the local clock.
pub(crate) fn local_millis() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
        Err(before_epoch) => -i64::try_from(before_epoch.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// `bytes` gzip-compressed (level 6: a 300 KB batch in a few milliseconds).
fn gzip(bytes: &[u8]) -> Result<Vec<u8>, SyncError> {
    use std::io::Write;
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::new(6));
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|error| SyncError::Protocol { detail: format!("compressing a request: {error}") })
}

/// A new nonce for one signed send: 16 bytes from the operating system's random source.
fn fresh_nonce() -> Result<String, SyncError> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| SyncError::Identity { reason: format!("no random source: {error}") })?;
    Ok(hex::encode(bytes))
}

/// A signed HTTP client for one device and one platform. Cheap to clone (shared pool).
#[derive(Debug, Clone)]
pub struct PlatformClient {
    http: reqwest::Client,
    base_url: Url,
    identity: Arc<DeviceIdentity>,
    skew_millis: Arc<AtomicI64>,
    platform_key: Option<[u8; 32]>,
}

/// An answer read whole: its status and body, its signature checked when required.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

fn tls_config(extra_roots: &[Vec<u8>]) -> Result<rustls::ClientConfig, SyncError> {
    let setup = |detail: String| SyncError::ClientSetup { detail };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(Arc::clone(&provider))
    } else {
        let roots: Vec<_> =
            extra_roots.iter().map(|der| rustls::pki_types::CertificateDer::from(der.clone())).collect();
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, Arc::clone(&provider))
    }
    .map_err(|error| setup(format!("certificate verifier: {error}")))?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| setup(format!("tls versions: {error}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

impl PlatformClient {
    /// A client for `config.base_url` signing as `identity`. Refuses plain HTTP to
    /// anything but loopback ([`check_platform_url`]).
    pub fn new(config: &ClientConfig, identity: DeviceIdentity) -> Result<PlatformClient, SyncError> {
        let base_url = check_platform_url(&config.base_url)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(&config.extra_root_certificates)?)
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            // A redirect would send the signed request, personal data and all, to an
            // address nobody configured: an answer of 3xx is a failure, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("permit-desk-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| SyncError::ClientSetup { detail: error.to_string() })?;
        Ok(PlatformClient {
            http,
            base_url,
            identity: Arc::new(identity),
            skew_millis: Arc::new(AtomicI64::new(0)),
            platform_key: config.platform_key,
        })
    }

    /// The same client (connection pool, platform, measured clock skew) signing as
    /// `identity`: the device's new key, after its administrator replaced the old one.
    pub fn with_identity(&self, identity: DeviceIdentity) -> PlatformClient {
        PlatformClient { identity: Arc::new(identity), ..self.clone() }
    }

    /// The platform key this client checks answers with, if any.
    pub fn platform_key(&self) -> Option<[u8; 32]> {
        self.platform_key
    }

    /// This device's id.
    pub fn device_id(&self) -> &str {
        self.identity.device_id()
    }

    /// The public key this client signs with, 64 hex digits.
    pub fn public_key_hex(&self) -> String {
        self.identity.public_key_hex()
    }

    /// The platform's base URL.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str()
    }

    /// Sets the platform's clock minus the local clock, in milliseconds, used to time-stamp
    /// signatures.
    pub fn set_clock_skew_millis(&self, skew_millis: i64) {
        self.skew_millis.store(skew_millis, Ordering::Relaxed);
    }

    /// The skew in use (0 until a probe measured one).
    pub fn clock_skew_millis(&self) -> i64 {
        self.skew_millis.load(Ordering::Relaxed)
    }

    fn url(&self, path_and_query: &str) -> Result<Url, SyncError> {
        self.base_url
            .join(path_and_query)
            .map_err(|error| SyncError::InvalidUrl { reason: error.to_string() })
    }

    /// Sends one request, signed unless `signed` is false, reads the answer whole and, for
    /// a signed request when the platform's key is known, checks the platform's signature
    /// ([`PlatformClient::verify_answer`]).
    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<(Vec<u8>, &'static str)>,
        signed: bool,
    ) -> Result<Answer, SyncError> {
        let mut sent_nonce = None;
        let url = self.url(path_and_query)?;
        let mut request = self.http.request(method.clone(), url.clone());
        // A JSON body of some size goes compressed; what is signed is what is sent.
        let (body, compressed) = match body {
            Some((bytes, "application/json")) if bytes.len() >= platform_api::COMPRESS_FROM_BYTES => {
                (Some((gzip(&bytes)?, "application/json")), true)
            }
            other => (other, false),
        };
        if compressed {
            request = request.header(reqwest::header::CONTENT_ENCODING, "gzip");
        }
        if signed {
            let body_bytes: &[u8] = body.as_ref().map_or(&[], |(bytes, _)| bytes.as_slice());
            let timestamp = (local_millis().saturating_add(self.clock_skew_millis())).div_euclid(1000);
            // Sign exactly what goes on the wire: the URL's own path and query.
            let signed_path = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            // The host as the Host header carries it: a port only when not the scheme's own.
            let host = match (url.host_str(), url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_owned(),
                (None, _) => String::new(),
            };
            let nonce = fresh_nonce()?;
            sent_nonce = Some(nonce.clone());
            let message = signing_message(
                method.as_str(),
                &host,
                &signed_path,
                self.identity.device_id(),
                timestamp,
                &nonce,
                &hex::encode(ring::digest::digest(
                    &ring::digest::SHA256,
                    platform_api::signing::signed_body(method.as_str(), url.path(), body_bytes),
                )),
            );
            request = request
                .header(HEADER_DEVICE_ID, self.identity.device_id())
                .header(HEADER_TIMESTAMP, timestamp.to_string())
                .header(HEADER_NONCE, nonce)
                .header(HEADER_SIGNATURE, self.identity.sign_hex(message.as_bytes()));
        }
        if let Some((bytes, content_type)) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let signature = response
            .headers()
            .get(HEADER_ANSWER_SIGNATURE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(transport_error)?.to_vec();
        if let Some(nonce) = sent_nonce {
            self.verify_answer(&nonce, status, &body, signature.as_deref())?;
        }
        Ok(Answer { status, body })
    }

    /// Checks the platform's signature of an answer to the request sent with `nonce`, when
    /// the platform's key is known. Answers that only stop or delay the drain (401, 408,
    /// 429, 5xx: a proxy or the network may make them) need none; every other — a
    /// verdict, a refusal that would quarantine, a decision — must verify.
    fn verify_answer(
        &self,
        nonce: &str,
        status: StatusCode,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<(), SyncError> {
        let Some(key) = self.platform_key else { return Ok(()) };
        let harmless = status == StatusCode::UNAUTHORIZED
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
            || status.is_server_error();
        if harmless && signature.is_none() {
            return Ok(());
        }
        let message = answer_message(
            nonce,
            status.as_u16(),
            &hex::encode(ring::digest::digest(&ring::digest::SHA256, body)),
        );
        let verified = signature.and_then(|text| hex::decode(text).ok()).is_some_and(|signature| {
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, key)
                .verify(message.as_bytes(), &signature)
                .is_ok()
        });
        if verified {
            Ok(())
        } else {
            Err(SyncError::AnswerUnverified { status: status.as_u16(), signed: signature.is_some() })
        }
    }

    /// Turns a non-success answer into the matching error.
    fn failure(&self, answer: &Answer) -> SyncError {
        let status = answer.status;
        let api_error = serde_json::from_slice::<ApiError>(&answer.body).ok();
        let (error_code, message) = match api_error {
            Some(api_error) => (api_error.code, api_error.message),
            None => (String::new(), String::new()),
        };
        if status == StatusCode::UNAUTHORIZED {
            if error_code == code::DEVICE_UNKNOWN {
                return SyncError::DeviceUnknown { device_id: self.device_id().to_owned() };
            }
            return SyncError::Unauthorized { code: error_code, message };
        }
        if status.is_server_error()
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
        {
            return SyncError::Unavailable {
                status: status.as_u16(),
                code: Some(error_code).filter(|c| !c.is_empty()),
            };
        }
        if status.is_client_error() {
            return SyncError::Rejected { status: status.as_u16(), code: error_code, reason: message };
        }
        SyncError::Protocol { detail: format!("unexpected http status {}", status.as_u16()) }
    }

    fn json<T: DeserializeOwned>(&self, answer: Answer) -> Result<T, SyncError> {
        if !answer.status.is_success() {
            return Err(self.failure(&answer));
        }
        serde_json::from_slice(&answer.body).map_err(|error| SyncError::Protocol {
            detail: format!(
                "answer is not the expected json (line {}, column {})",
                error.line(),
                error.column()
            ),
        })
    }

    /// `GET /v1/time` (unsigned): the platform's clock.
    pub async fn server_time(&self) -> Result<ServerTime, SyncError> {
        let response = self.send(Method::GET, path::TIME, None, false).await?;
        self.json(response)
    }

    /// `POST /v1/records`: pushes one batch and returns the per-record results.
    pub async fn push(&self, batch: &PushBatch) -> Result<PushResponse, SyncError> {
        let body =
            serde_json::to_vec(batch).map_err(|error| SyncError::Protocol { detail: error.to_string() })?;
        let response = self.send(Method::POST, path::RECORDS, Some((body, "application/json")), true).await?;
        let answer: PushResponse = self.json(response)?;
        if answer.results.len() != batch.records.len() {
            return Err(SyncError::Protocol {
                detail: format!("{} results for {} records", answer.results.len(), batch.records.len()),
            });
        }
        Ok(answer)
    }

    /// `PUT /v1/blobs/{sha256}`: uploads a whole blob (idempotent).
    pub async fn put_blob(&self, content_hash: &str, bytes: Vec<u8>) -> Result<BlobReceipt, SyncError> {
        let response = self
            .send(Method::PUT, &path::blob(content_hash), Some((bytes, "application/octet-stream")), true)
            .await?;
        self.json(response)
    }

    /// `POST /v1/blobs/batch`: uploads many whole blobs (content hash, bytes) in one
    /// request (idempotent) and returns one result per blob, in order.
    pub async fn put_blobs(&self, blobs: &[(String, Vec<u8>)]) -> Result<BlobBatchResponse, SyncError> {
        let framed: Vec<(String, &[u8])> =
            blobs.iter().map(|(hash, bytes)| (hash.clone(), bytes.as_slice())).collect();
        let body = platform_api::encode_blob_batch(&framed)
            .map_err(|error| SyncError::Protocol { detail: error.to_string() })?;
        let response =
            self.send(Method::POST, path::BLOB_BATCH, Some((body, "application/octet-stream")), true).await?;
        let answer: BlobBatchResponse = self.json(response)?;
        let matches = answer.results.len() == blobs.len()
            && answer.results.iter().zip(blobs).all(|(result, (hash, _))| result.content_hash == *hash);
        if !matches {
            return Err(SyncError::Protocol {
                detail: format!(
                    "{} blob results for {} blobs, or out of order",
                    answer.results.len(),
                    blobs.len()
                ),
            });
        }
        Ok(answer)
    }

    /// `HEAD /v1/blobs/{sha256}`: whether the platform holds the complete blob.
    pub async fn has_blob(&self, content_hash: &str) -> Result<bool, SyncError> {
        let response = self.send(Method::HEAD, &path::blob(content_hash), None, true).await?;
        match response.status {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(self.failure(&response)),
        }
    }

    /// `GET /v1/decisions`: up to `limit` decisions after `cursor`.
    pub async fn decisions(&self, cursor: u64, limit: u32) -> Result<DecisionPage, SyncError> {
        let response = self.send(Method::GET, &path::decisions(cursor, limit), None, true).await?;
        self.json(response)
    }

    /// `POST /v1/devices`: enrols this device's public key with a one-time code, with the
    /// office's clerk-key certificates (the platform pins the office's root from them).
    pub async fn enrol(
        &self,
        enrolment_code: &str,
        clerk_keys: Vec<platform_api::KeyCertificate>,
    ) -> Result<EnrolmentReceipt, SyncError> {
        let enrolment = DeviceEnrolment {
            device_id: self.identity.device_id().to_owned(),
            public_key: self.identity.public_key_hex(),
            enrolment_code: enrolment_code.to_owned(),
            clerk_keys,
        };
        let body = serde_json::to_vec(&enrolment)
            .map_err(|error| SyncError::Protocol { detail: error.to_string() })?;
        let response = self.send(Method::POST, path::DEVICES, Some((body, "application/json")), true).await?;
        self.json(response)
    }
}

/// Classifies a transport failure: no connection, no answer in time, or a connection that
/// broke after the request went out (the platform may have processed it).
fn transport_error(error: reqwest::Error) -> SyncError {
    if error.is_timeout() {
        SyncError::Timeout
    } else if error.is_connect() {
        SyncError::Unreachable { detail: error.to_string() }
    } else {
        SyncError::ConnectionLost { detail: error.to_string() }
    }
}
