//! The parsers that read what someone else wrote, as fuzz targets: ID numbers, application
//! records, the slip's QR text, answer bundles, scanned images, the requests the
//! stand-in platform takes (through its real router, signed as a counter signs), and the
//! requests the office server takes from a desk (through its real routes, as a logged-in
//! clerk's desk sends them).
//!
//! Each target takes arbitrary bytes, feeds them to one parser the way the program does,
//! and panics only when a promise is broken: a parser that panics itself, an accepted
//! input that does not survive its own round trip, an ID number left in text meant for
//! logs. Errors are the expected answer to most inputs.
//!
//! Two drivers run the same functions:
//! - AFL++ through `cargo afl` (`fuzz/`, a workspace of its own; `make fuzz` runs each
//!   target for a set time and `scripts/fuzz.sh` reports executions, paths and crashes);
//! - every `cargo test` replays each target's corpus (`corpus/<target>/`: the seeds, plus
//!   every input that once broke a target), and a short stream of mutations of it
//!   (`tests/corpus.rs`), so a fixed crash stays fixed without AFL installed.

use chrono::NaiveDate;
use domain::id_number;
use domain::profile::PolicyProfile;
use domain::record::ApplicationRecord;

/// A fuzz target: takes any bytes, panics only when a promise is broken.
pub type Target = fn(&[u8]);

/// Every target by the name its corpus folder and AFL binary use.
pub const TARGETS: &[(&str, Target)] = &[
    ("id_number", id_number),
    ("application_record", application_record),
    ("slip_payload", slip_payload),
    ("bundle_answer", bundle_answer),
    ("scan_document", scan_document),
    ("platform_request", platform_request),
    ("office_server_request", office_server_request),
];

/// The day every target checks against (an ID number's age depends on it).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 5).unwrap_or_default()
}

/// The ID-number check as the form runs it on every keystroke, and the redaction that
/// keeps numbers out of logs: an accepted number decodes consistently, is 18 characters
/// with its own check character, and is never left in redacted text.
pub fn id_number(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match id_number::check(&text, today()) {
        Ok(decoded) => {
            let number = decoded.number.as_str();
            assert_eq!(number.chars().count(), 18, "an accepted number has 18 characters: {number:?}");
            let check = id_number::check_character(&number[..17]);
            assert_eq!(check, number.chars().last(), "an accepted number carries its check character");
            assert_eq!(decoded.region_code, number[..6], "the region is the number's first six digits");
            if let Some(redacted) = id_number::redact(&text) {
                assert!(!redacted.contains(number), "redaction left the number in {redacted:?}");
            }
            // Checking the normalised number again gives the same answer.
            assert_eq!(id_number::check(number, today()), Ok(decoded));
        }
        Err(issues) => {
            assert!(!issues.is_empty(), "a refusal says why");
            assert!(issues.iter().all(|issue| !issue.message.is_empty()));
        }
    }
    // Redaction runs on every log line: it must never fail on any text.
    let _ = id_number::redact(&text);
}

/// The county profile the record target assesses against (a real one from `assets/`).
fn profile() -> Option<PolicyProfile> {
    PolicyProfile::from_json(include_str!("../../../assets/profiles/330424-haiyan.json")).ok()
}

/// An application record as the store, the bundle import and `permitctl` read it: an
/// accepted record survives a write and a read unchanged, and the assessment of any
/// accepted record decides without panicking.
pub fn application_record(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(record) = ApplicationRecord::from_json(text) else { return };
    let written = match serde_json::to_string(&record) {
        Ok(written) => written,
        Err(error) => panic!("an accepted record could not be written: {error}"),
    };
    match ApplicationRecord::from_json(&written) {
        Ok(again) => assert_eq!(again, record, "a record changed on its way through JSON"),
        Err(error) => panic!("a written record was refused: {error}"),
    }
    if let Some(profile) = profile() {
        let assessment = domain::assessment::assess(&record, &profile, today());
        assert_eq!(
            assessment.items.is_empty(),
            assessment.decision == domain::assessment::Decision::Accept,
            "accepted exactly when nothing is wrong"
        );
    }
}

/// The slip's QR text as the checking page reads it: nothing unsigned is vouched for,
/// and a text the office signed verifies to exactly what was signed.
pub fn slip_payload(data: &[u8]) {
    let key = print::demo_signing_key();
    let public = key.verifying_key();
    let text = String::from_utf8_lossy(data);
    if let Ok(verified) = print::verify_slip_payload(&text, &public) {
        // Only a text signed with the office's key verifies: re-signing what it vouches
        // for must give back a text that verifies to the same fields.
        let again = verified.payload.encode_signed(&key);
        match print::verify_slip_payload(&again, &public) {
            Ok(twice) => assert_eq!(twice.payload, verified.payload),
            Err(error) => panic!("a re-signed slip does not verify: {error}"),
        }
    }
    // Fields of any content, signed, come back exactly (the escaping holds).
    let fields: Vec<String> = text.split('\u{1f}').map(str::to_owned).collect();
    let field = |index: usize| fields.get(index).cloned().unwrap_or_default();
    let payload = print::SlipPayload {
        case_number: field(0),
        name: field(1),
        id_number: field(2),
        permit_number: field(3),
        issue_date: today(),
        valid_until: None,
        office_county_code: field(4),
    };
    let signed = payload.encode_signed(&key);
    match print::verify_slip_payload(&signed, &public) {
        Ok(verified) => assert_eq!(verified.payload, payload, "a signed slip read back differently"),
        Err(error) => panic!("a slip the office signed does not verify: {error}"),
    }
}

/// An answer bundle as `导入答复` reads it from a USB stick: any file is refused or read
/// (never a panic, never a read of a file not signed by the platform), and any answer the
/// platform could write is sealed and opened back unchanged.
pub fn bundle_answer(data: &[u8]) {
    let platform = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let device = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let platform_public = platform.verifying_key().to_bytes();
    // The file itself: header, signature, encryption.
    let _ = bundle::read_header(data);
    assert!(
        bundle::open_answer(data, &platform_public, &device).is_err(),
        "a file not written by the platform's key was opened"
    );
    // The content: what the platform may put in an answer, through seal and open.
    let Ok(answer) = serde_json::from_slice::<bundle::AnswerBundle>(data) else { return };
    let seal = bundle::Seal {
        kind: bundle::BundleKind::Answer,
        bundle_id: uuid::Uuid::from_u128(0x0195_0000_0000_7000_8000_0000_0000_0001),
        created_at: "2026-12-05T00:00:00Z",
        device_id: &answer.device_id,
        sender: &platform,
        recipient: &device.verifying_key().to_bytes(),
    };
    let Ok(file) = bundle::seal_answer(&seal, &answer) else { return };
    match bundle::open_answer(&file, &platform_public, &device) {
        Ok((_, opened)) => assert_eq!(opened, answer, "an answer changed between seal and open"),
        Err(error) => panic!("an answer the platform sealed could not be opened: {error}"),
    }
}

/// A scanned or uploaded image (JPEG, PNG, TIFF) as intake takes it, with small limits so
/// each input stays cheap (the limits are part of what is checked): a page is within the
/// size asked for, with pixels and a thumbnail, or the clerk gets a message. (A PDF goes
/// to Poppler's `pdftoppm` in a process of its own, with its own limits: not fuzzed here.)
pub fn scan_document(data: &[u8]) {
    let Some((&choice, bytes)) = data.split_first() else { return };
    let options = scan::IntakeOptions {
        limits: scan::Limits {
            max_file_bytes: 1_000_000,
            max_pixels: 4_000_000,
            max_dimension: 8_000,
            max_decode_bytes: 64 * 1024 * 1024,
        },
        mode: if choice & 1 == 0 { scan::ColourMode::Grey } else { scan::ColourMode::Colour },
        rotation: [
            scan::Rotation::Keep,
            scan::Rotation::Clockwise90,
            scan::Rotation::Clockwise180,
            scan::Rotation::Clockwise270,
        ][usize::from((choice >> 1) & 3)],
        auto_crop: choice & 8 != 0,
        max_long_side: 64 + u32::from(choice >> 4) * 8,
        thumbnail_long_side: 32,
        ..scan::IntakeOptions::default()
    };
    match scan::intake(bytes, &options) {
        Ok(page) => {
            assert!(page.width >= 1 && page.height >= 1);
            assert!(page.width.max(page.height) <= options.max_long_side, "a page over the size asked for");
            assert!(!page.jpeg.is_empty() && !page.thumbnail.is_empty());
        }
        Err(error) => assert!(!error.message_zh().is_empty(), "every refusal has a message for the clerk"),
    }
}

/// The stand-in platform with one enrolled counter, kept for the whole run (AFL's
/// persistent mode calls a target many times in one process).
struct PlatformUnderTest {
    runtime: tokio::runtime::Runtime,
    platform: platform_stub::Platform,
    router: axum::Router,
    key: ed25519_dalek::SigningKey,
    _folder: tempfile::TempDir,
}

const DEVICE: &str = "counter-fuzz";

static PLATFORM_ACCEPTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many requests of [`platform_request`] the platform answered with a success: the
/// proof that the target's signatures hold and its inputs reach past the signature check.
pub fn platform_requests_accepted() -> u64 {
    PLATFORM_ACCEPTED.load(std::sync::atomic::Ordering::Relaxed)
}
const HOST: &str = "platform.test";

fn platform_under_test() -> Option<&'static PlatformUnderTest> {
    static PLATFORM: std::sync::OnceLock<Option<PlatformUnderTest>> = std::sync::OnceLock::new();
    PLATFORM
        .get_or_init(|| {
            let folder = tempfile::tempdir().ok()?;
            let config = platform_stub::StubConfig {
                permit_delay: std::time::Duration::ZERO,
                enrolment_codes: vec!["FUZZ-CODE".to_owned()],
            };
            let platform =
                platform_stub::Platform::open(&folder.path().join("platform.sqlite3"), config).ok()?;
            let key = ed25519_dalek::SigningKey::from_bytes(&[11; 32]);
            platform.register_device(DEVICE, key.verifying_key().to_bytes()).ok()?;
            platform.accept_host(HOST);
            let router = platform_stub::router(platform.clone());
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            Some(PlatformUnderTest { runtime, platform, router, key, _folder: folder })
        })
        .as_ref()
}

/// A request to the stand-in platform as a counter sends it, signed, with any body: the
/// first byte picks the route (records, a page batch, enrolment) and whether the body is
/// sent gzip-compressed. Whatever the body, the answer is the platform's own: a success
/// or a refusal with its JSON error code, never a server error (a 5xx would be a parser
/// failing inside the platform, not a refusal of the input).
pub fn platform_request(data: &[u8]) {
    use ed25519_dalek::Signer as _;
    use sha2::Digest as _;
    use tower::ServiceExt as _;
    let Some(under_test) = platform_under_test() else { return };
    let Some((&choice, body)) = data.split_first() else { return };
    let path = [
        platform_api::routes::path::RECORDS,
        platform_api::routes::path::BLOB_BATCH,
        platform_api::routes::path::DEVICES,
    ][usize::from(choice & 0x0f) % 3];
    let gzipped = choice & 0x10 != 0;
    let sent = if gzipped {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        if encoder.write_all(body).is_err() {
            return;
        }
        match encoder.finish() {
            Ok(compressed) => compressed,
            Err(_) => return,
        }
    } else {
        body.to_vec()
    };
    static NONCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let nonce = format!("{:032x}", NONCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let timestamp = under_test.platform.clock().now().timestamp();
    let signed_part = platform_api::signing::signed_body("POST", path, &sent);
    let body_sha256 = hex::encode(sha2::Sha256::digest(signed_part));
    let message =
        platform_api::signing::signing_message("POST", HOST, path, DEVICE, timestamp, &nonce, &body_sha256);
    let signature = hex::encode(under_test.key.sign(message.as_bytes()).to_bytes());
    let mut request = axum::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", HOST)
        .header(platform_api::signing::HEADER_DEVICE_ID, DEVICE)
        .header(platform_api::signing::HEADER_TIMESTAMP, timestamp.to_string())
        .header(platform_api::signing::HEADER_NONCE, &nonce)
        .header(platform_api::signing::HEADER_SIGNATURE, signature);
    if gzipped {
        request = request.header("content-encoding", "gzip");
    }
    let Ok(request) = request.body(axum::body::Body::from(sent)) else { return };
    let (status, answer) = under_test.runtime.block_on(async {
        let response = match under_test.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap_or_default();
        (status, bytes)
    });
    success_or_coded_refusal(path, status, &answer, &PLATFORM_ACCEPTED);
}

/// The promise of the two server targets: `what` answered a success (counted in
/// `accepted`) or a refusal with its JSON error code, never a server error.
fn success_or_coded_refusal(
    what: &str,
    status: axum::http::StatusCode,
    answer: &[u8],
    accepted: &std::sync::atomic::AtomicU64,
) {
    assert!(!status.is_server_error(), "{what} answered {status}: {}", String::from_utf8_lossy(answer));
    if status.is_success() {
        accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    } else {
        let error: serde_json::Value = match serde_json::from_slice(answer) {
            Ok(error) => error,
            Err(_) => panic!("{what} refused with {status} and a body that is not JSON"),
        };
        assert!(error["code"].is_string(), "{what} refused with {status} without an error code: {error}");
    }
}

static OFFICE_SERVER_ACCEPTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many requests of [`office_server_request`] the server answered with a success: the
/// seeds' should be, or the target would only ever test refusals (or its set-up failed).
pub fn office_server_requests_accepted() -> u64 {
    OFFICE_SERVER_ACCEPTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// What [`office_server_request`] works against: the server's routes on an office in a
/// temporary folder, a clerk of every role logged in, and one draft case.
struct OfficeUnderTest {
    runtime: tokio::runtime::Runtime,
    routes: server::Routes,
    cookie: String,
    csrf: String,
    case_id: String,
    _folder: tempfile::TempDir,
}

/// The clerk's password after the first log-in.
const CLERK_PASSWORD: &str = "fuzz-password-22";

fn office_under_test() -> Option<&'static OfficeUnderTest> {
    static OFFICE: std::sync::OnceLock<Option<OfficeUnderTest>> = std::sync::OnceLock::new();
    OFFICE
        .get_or_init(|| {
            use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
            let folder = tempfile::tempdir().ok()?;
            let now = wire::commands::now();
            // No lockout: the fuzzer's wrong passwords would otherwise lock the clerk out.
            let options = StoreOptions {
                kdf: KdfParams::INSECURE_FAST,
                lockout: LockoutPolicy { max_failed_attempts: 0, lock_minutes: 0 },
            };
            let mut office = Office::set_up_with_options(
                folder.path(),
                "330182-jiande-01",
                "admin",
                "admin-password-1",
                now,
                options,
            )
            .ok()?;
            let every_role = Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE | Roles::ADMIN;
            let clerk = app::users::NewClerk {
                username: "fuzz",
                display_name: "模糊测试",
                roles: every_role,
                password: "first-password-1",
            };
            app::users::add_clerk(&mut office, &clerk, now).ok()?;
            server::tls::ensure_office_ca(&mut office, now).ok()?;
            office.logout(now).ok()?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            let routes = {
                let _entered = runtime.enter();
                server::Routes::new(office, &server::ServerConfig::default()).ok()?
            };
            let log_in = serde_json::json!({ "username": "fuzz", "password": "first-password-1" });
            let request = axum::http::Request::post("/api/log_in")
                .body(axum::body::Body::from(log_in.to_string()))
                .ok()?;
            let response = runtime.block_on(routes.answer(request));
            let cookie = response.headers().get("set-cookie")?.to_str().ok()?.split(';').next()?.to_owned();
            let csrf = response.headers().get(server::CSRF_HEADER)?.to_str().ok()?.to_owned();
            let mut under_test =
                OfficeUnderTest { runtime, routes, cookie, csrf, case_id: String::new(), _folder: folder };
            let change =
                serde_json::json!({ "oldPassword": "first-password-1", "newPassword": CLERK_PASSWORD });
            under_test
                .send("change_password", change.to_string().into_bytes(), true, None)
                .0
                .is_success()
                .then_some(())?;
            let (status, case_id) = under_test.send("new_case", b"{}".to_vec(), true, None);
            under_test.case_id =
                serde_json::from_slice::<String>(&case_id).ok().filter(|_| status.is_success())?;
            Some(under_test)
        })
        .as_ref()
}

impl OfficeUnderTest {
    /// POSTs `body` to `/api/{command}` as the clerk's desk.
    fn send(
        &self,
        command: &str,
        body: Vec<u8>,
        with_csrf: bool,
        idempotency_key: Option<&str>,
    ) -> (axum::http::StatusCode, axum::body::Bytes) {
        let mut request = axum::http::Request::post(format!("/api/{command}")).header("cookie", &self.cookie);
        if with_csrf {
            request = request.header(server::CSRF_HEADER, &self.csrf);
        }
        if let Some(key) = idempotency_key {
            request = request.header(server::IDEMPOTENCY_HEADER, key);
        }
        let Ok(request) = request.body(axum::body::Body::from(body)) else {
            return (axum::http::StatusCode::BAD_REQUEST, axum::body::Bytes::new());
        };
        self.runtime.block_on(async {
            let response = self.routes.answer(request).await;
            let status = response.status();
            (status, axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024).await.unwrap_or_default())
        })
    }
}

/// The server's own routes a desk posts to, besides the window's commands (log-out and
/// the lock are left out: they would end the session every later input needs; the backup
/// too: each call writes a copy of the office, which millions of runs would fill the disk
/// with).
const SERVER_ROUTES: &[&str] = &[
    "change_password",
    "office_status",
    "get_app_info",
    "sync_status",
    "sync_now",
    "create_join_code",
    "import_page",
    "preview_document",
    "print_in_browser",
    "record_desk_print",
    "list_desks",
    "office_details",
    "set_office_details",
    "record_effective_date",
    "revoke_desk",
    "join_desk",
    "rate_visit",
];

/// The window's commands the target leaves out: the re-key copies the whole office under
/// a new key at each call (its bodies are empty: nothing to parse), as the backup writes one.
const LEFT_OUT_COMMANDS: &[&str] = &["rekey_office"];

/// Every command the target can post to: the window's, then the server's own.
fn office_server_commands() -> Vec<&'static str> {
    server::CASE_DESK_COMMANDS
        .iter()
        .chain(server::PICKER_COMMANDS)
        .map(|(name, _)| *name)
        .filter(|name| !LEFT_OUT_COMMANDS.contains(name))
        .chain(SERVER_ROUTES.iter().copied())
        .collect()
}

/// A request to the office server as a logged-in clerk's desk sends it (issue 18, "the
/// office-server request parser"), through the server's real routes: sessions, CSRF
/// token, idempotency keys, each command's argument parsing and its use case on a real
/// office. The first byte picks the command; the second's low bit drops the CSRF token
/// and its next an idempotency key (one of four, so repeats meet answers kept); the rest
/// is the body, with `$CASE` replaced by the office's draft case, so inputs reach past
/// NOT_FOUND. Whatever the body, the answer is a success or a refusal with its JSON error
/// code, never a server error.
pub fn office_server_request(data: &[u8]) {
    let Some(under_test) = office_under_test() else { return };
    let [choice, flags, body @ ..] = data else { return };
    let commands = office_server_commands();
    let command = commands[usize::from(*choice) % commands.len()];
    let body = match std::str::from_utf8(body) {
        Ok(text) if text.contains("$CASE") => text.replace("$CASE", &under_test.case_id).into_bytes(),
        _ => body.to_vec(),
    };
    let keys = ["k0", "k1", "k2", "k3"];
    let key = (flags & 2 != 0).then(|| keys[usize::from(flags >> 2) % keys.len()]);
    let (status, answer) = under_test.send(command, body, flags & 1 == 0, key);
    success_or_coded_refusal(command, status, &answer, &OFFICE_SERVER_ACCEPTED);
}

/// The office server's seeds: each command with an empty object, and the draft case's
/// commands with their arguments as the window sends them.
fn office_server_seeds() -> Vec<Vec<u8>> {
    let commands = office_server_commands();
    let record = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/application-complete.json"
    ))
    .unwrap_or_else(|_| "{}".to_owned());
    let full: &[(&str, String)] = &[
        ("save_draft", format!(r#"{{"caseId":"$CASE","record":{record}}}"#)),
        ("get_case", r#"{"caseId":"$CASE"}"#.to_owned()),
        ("case_audit", r#"{"caseId":"$CASE"}"#.to_owned()),
        ("worklist", r#"{"list":"drafts"}"#.to_owned()),
        ("search_cases", r#"{"text":"陈"}"#.to_owned()),
        (
            "submit_case",
            r#"{"caseId":"$CASE","profile":"330182","opinion":"材料齐全，同意受理。","proceed":true}"#
                .to_owned(),
        ),
        ("preview_document", r#"{"caseId":"$CASE","document":"form","largePrint":null}"#.to_owned()),
        ("rate_visit", r#"{"caseId":"$CASE","level":"satisfied","reason":""}"#.to_owned()),
        (
            "change_password",
            r#"{"oldPassword":"fuzz-password-22","newPassword":"fuzz-password-22"}"#.to_owned(),
        ),
    ];
    let mut seeds = Vec::new();
    for (index, command) in commands.iter().enumerate() {
        let Ok(choice) = u8::try_from(index) else { continue };
        seeds.push([&[choice, 0][..], b"{}"].concat());
        for (name, body) in full.iter().filter(|(name, _)| name == command) {
            seeds.push([&[choice, 0][..], body.as_bytes()].concat());
            // The same under an idempotency key, so the fuzzer meets kept answers.
            seeds.push([&[choice, 2][..], body.as_bytes()].concat());
            let _ = name;
        }
    }
    seeds
}

/// Inputs each target starts from, made here rather than kept as files where they must
/// be signed or encoded (the committed `corpus/` adds hand-picked and once-failing ones).
pub fn generated_seeds(target: &str) -> Vec<Vec<u8>> {
    match target {
        "id_number" => [
            "11010519491231002X",
            "110105 19491231 002x",
            "１１０１０５１９４９１２３１００２Ｘ",
            "110105491231002",
            "33010219900101123",
        ]
        .iter()
        .map(|text| text.as_bytes().to_vec())
        .collect(),
        "application_record" => [
            include_str!("../../../docs/examples/application-complete.json"),
            include_str!("../../../docs/examples/application-existing-permit.json"),
            include_str!("../../../docs/examples/application-incomplete.json"),
            include_str!("../../../docs/examples/application-not-eligible.json"),
        ]
        .iter()
        .map(|text| text.as_bytes().to_vec())
        .collect(),
        "slip_payload" => {
            let payload = print::SlipPayload {
                case_number: "330424haiyan01-20261205-0001".to_owned(),
                name: "张三|李".to_owned(),
                id_number: "11010519491231002X".to_owned(),
                permit_number: "3300202600000001".to_owned(),
                issue_date: today(),
                valid_until: NaiveDate::from_ymd_opt(2027, 12, 5),
                office_county_code: "330424".to_owned(),
            };
            vec![
                payload.encode_signed(&print::demo_signing_key()).into_bytes(),
                "a\u{1f}b|c\\d".as_bytes().to_vec(),
            ]
        }
        "bundle_answer" => {
            let answer = serde_json::json!({
                "device_id": "dev-330424-01",
                "export_bundle_id": "01957dac-51c0-7c4c-b410-a3060010c492",
                "results": [
                    { "record_id": "01957dad-3c20-7ef3-a7c1-3061db4f3865", "status": "accepted" },
                    { "record_id": "01957dad-3c20-70d4-a86e-af228f830ad1", "status": "duplicate" },
                    { "record_id": "01957dad-3c20-70d4-a86e-af228f830ad2", "status": "rejected", "code": "SEQUENCE_OUT_OF_ORDER", "reason": "sequence 1 is not after 3" }
                ],
                "missing_blobs": ["5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"],
                "decisions": { "decisions": [], "next_cursor": 7 },
                "audit_anchor_seq": 42,
                "device_key": { "key": "66".repeat(32), "refused": "设备密钥变更单的管理员签名无效。" }
            });
            vec![answer.to_string().into_bytes(), b"PDB1".to_vec()]
        }
        "scan_document" => scan_seeds(),
        "platform_request" => platform_seeds(),
        "office_server_request" => office_server_seeds(),
        _ => Vec::new(),
    }
}

/// Small images of each format intake reads, behind the options byte.
fn scan_seeds() -> Vec<Vec<u8>> {
    use image::{DynamicImage, GrayImage, ImageFormat, Luma, RgbImage};
    let grey = DynamicImage::ImageLuma8(GrayImage::from_fn(24, 32, |x, y| {
        Luma([if (x / 4 + y / 4) % 2 == 0 { 20 } else { 235 }])
    }));
    let colour = DynamicImage::ImageRgb8(RgbImage::from_fn(20, 12, |x, y| {
        image::Rgb([(x * 12) as u8, (y * 20) as u8, 128])
    }));
    let mut seeds = Vec::new();
    for (picture, format, options) in [
        (&grey, ImageFormat::Jpeg, 0_u8),
        (&colour, ImageFormat::Jpeg, 1),
        (&grey, ImageFormat::Png, 2),
        (&colour, ImageFormat::Png, 9),
        (&grey, ImageFormat::Tiff, 4),
    ] {
        let mut encoded = std::io::Cursor::new(Vec::new());
        if picture.write_to(&mut encoded, format).is_ok() {
            let mut seed = vec![options];
            seed.extend_from_slice(encoded.get_ref());
            seeds.push(seed);
        }
    }
    seeds
}

/// A push of one well-formed record, an enrolment and a page batch's frame, each behind
/// its route byte (0 records, 1 page batch, 2 enrolment; +0x10 gzip).
fn platform_seeds() -> Vec<Vec<u8>> {
    let record = |sequence: u64, kind: platform_api::RecordKind| platform_api::PushRecord {
        record_id: uuid::Uuid::from_u128(0x0195_7dad_3c20_7ef3_a7c1_3061_db4f_3865 + u128::from(sequence)),
        case_id: uuid::Uuid::from_u128(0x0195_7d9a_0240_74cd_a7b2_8f9a_9d84_6230),
        kind,
        sequence,
        created_at: "2026-12-05T01:00:00Z".to_owned(),
        payload: serde_json::json!({ "application_number": "330424haiyan01-20261205-0001" }),
    };
    let push = serde_json::json!({
        "device_id": DEVICE,
        "records": [
            record(1, platform_api::RecordKind::CaseCreated),
            record(2, platform_api::RecordKind::StateChanged { from: "draft".to_owned(), to: "accepted".to_owned() }),
            record(3, platform_api::RecordKind::Rating { level: "satisfied".to_owned() }),
        ]
    });
    let key = ed25519_dalek::SigningKey::from_bytes(&[11; 32]);
    // A push carrying a device key change (after a re-key): its signature is no
    // administrator's the platform under test knows, so it is refused and the device keeps
    // its key — a valid one would replace the key every later input is signed with.
    let mut change_push = push.clone();
    change_push["device_key_change"] = serde_json::to_value(platform_api::DeviceKeyChange {
        device_id: DEVICE.to_owned(),
        previous_key: hex::encode(key.verifying_key().to_bytes()),
        new_key: hex::encode(ed25519_dalek::SigningKey::from_bytes(&[12; 32]).verifying_key().to_bytes()),
        changed_at: "2026-12-06T08:00:00.000Z".to_owned(),
        username: "admin".to_owned(),
        issuer: format!("04{}", "ab".repeat(64)),
        signature: "cd".repeat(64),
    })
    .unwrap_or_default();
    let enrol = serde_json::json!({
        "device_id": DEVICE,
        "public_key": hex::encode(key.verifying_key().to_bytes()),
        "enrolment_code": "FUZZ-CODE",
    });
    let page = b"a scanned page".as_slice();
    let content_hash = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(page))
    };
    let batch = platform_api::encode_blob_batch(&[(content_hash, page)]).unwrap_or_default();
    let mut seeds = Vec::new();
    for (route, body) in [
        (0_u8, push.to_string().into_bytes()),
        (0, change_push.to_string().into_bytes()),
        (1, batch),
        (2, enrol.to_string().into_bytes()),
    ] {
        for gzip in [0_u8, 0x10] {
            let mut seed = vec![route | gzip];
            seed.extend_from_slice(&body);
            seeds.push(seed);
        }
    }
    seeds
}
