//! What the office server's tests share: an office of three clerks, a desk speaking the
//! server's HTTP as the window's `http.ts` does, and the audit trail read back.

#![allow(dead_code, reason = "each test file uses its own part of it")]

use std::path::Path;

use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::users::{self, NewClerk};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::{CSRF_HEADER, ServerConfig};

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const FIRST_PASSWORD: &str = "first-password-1";
pub const OWN_PASSWORD: &str = "own-password-22";

/// The `permit-desk-server` binary on the office in `dir` with `opening` (`--user admin`
/// or `--unlock-file F`), `password` written to its stdin if given: the child, once it
/// says it listens, its URL and the office CA.
pub fn start_server_binary(
    dir: &Path,
    opening: &[&str],
    password: Option<&str>,
) -> (std::process::Child, String, String) {
    use std::io::{BufRead, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_permit-desk-server"))
        .args(["--data-dir", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .args(opening)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(password) = password {
        writeln!(stdin, "{password}").unwrap();
    }
    drop(stdin);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the server exited before listening");
        if let Some(url) = line.trim().strip_prefix("permit-desk-server listening on ") {
            break url.to_owned();
        }
    };
    let ca = std::fs::read_to_string(dir.join("office-ca.pem")).unwrap();
    (child, url, ca)
}

/// A random number below `below`.
pub fn random_below(below: u64) -> u64 {
    let mut bytes = [0_u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    u64::from_le_bytes(bytes) % below
}

pub fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// An office with an acceptor `a`, a reviewer `b` and an approver `c`, each with the
/// password an administrator gave them, and nobody logged in.
pub fn office(dir: &Path) -> Office {
    office_with(
        dir,
        &[
            ("a", "受理员甲", Roles::ACCEPT),
            ("b", "审核员乙", Roles::REVIEW),
            ("c", "审批员丙", Roles::APPROVE),
        ],
    )
}

/// An office with these clerks (user name, name, roles), each with the password an
/// administrator gave them, and nobody logged in.
pub fn office_with(dir: &Path, clerks: &[(&str, &str, Roles)]) -> Office {
    let now = wire::commands::now();
    let mut office =
        Office::set_up_with_options(dir, "330182-jiande-01", "admin", ADMIN_PASSWORD, now, options())
            .unwrap();
    for &(username, display_name, roles) in clerks {
        let clerk = NewClerk { username, display_name, roles, password: FIRST_PASSWORD };
        users::add_clerk(&mut office, &clerk, now).unwrap();
    }
    // What `permit-desk-server` does at its first start, as the administrator.
    server::tls::ensure_office_ca(&mut office, now).unwrap();
    office.logout(now).unwrap();
    office
}

pub fn record() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/application-complete.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An HTTPS client that trusts the office CA `ca_pem` (and nothing else).
pub fn client(ca_pem: &str) -> reqwest::Client {
    // The same provider the sync installs; a second install by another test is a no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()])
        .build()
        .unwrap()
}

/// One desk: a browser or a joined window, with its own cookie and CSRF token.
pub struct Desk {
    pub client: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Desk {
    /// A browser at `base` that trusts the office CA `ca_pem`.
    pub fn new(base: &str, ca_pem: &str) -> Desk {
        Desk { client: client(ca_pem), base: base.to_owned(), cookie: None, csrf: None }
    }

    /// A browser at `server`, trusting its office CA.
    pub fn of(server: &server::RunningServer) -> Desk {
        Desk::new(&server.url(), server.ca_pem())
    }

    /// A browser at `server` connecting from the loopback address `from` (127.0.0.2 …):
    /// another PC, as far as the server's `browsers` ranges can tell.
    pub fn from_address(server: &server::RunningServer, from: std::net::IpAddr) -> Desk {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .no_proxy()
            .local_address(from)
            .tls_certs_only([reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap()])
            .build()
            .unwrap();
        Desk { client, base: server.url(), cookie: None, csrf: None }
    }

    pub async fn send(&self, command: &str, args: &Value, headers: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = self.client.post(format!("{}/api/{command}", self.base)).body(args.to_string());
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie.as_str());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.bytes().await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// A command as the window sends it: the cookie and the CSRF token.
    pub async fn call(&self, command: &str, args: Value) -> (StatusCode, Value) {
        let csrf = self.csrf.clone().unwrap_or_default();
        self.send(command, &args, &[(CSRF_HEADER, &csrf)]).await
    }

    /// `call`, expecting success.
    pub async fn ok(&self, command: &str, args: Value) -> Value {
        let (status, body) = self.call(command, args).await;
        assert_eq!(status, StatusCode::OK, "{command}: {body}");
        body
    }

    pub async fn log_in(&mut self, username: &str, password: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/api/log_in", self.base))
            .body(json!({ "username": username, "password": password }).to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        if status == StatusCode::OK {
            let set_cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
            assert!(
                set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
                "the cookie is out of the page's reach: {set_cookie}"
            );
            self.cookie = Some(set_cookie.split(';').next().unwrap().to_owned());
            self.csrf = Some(response.headers().get(CSRF_HEADER).unwrap().to_str().unwrap().to_owned());
        }
        let body = response.bytes().await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// A clerk's first log-in: the administrator's password, then their own.
    pub async fn first_log_in(&mut self, username: &str) {
        let (status, body) = self.log_in(username, FIRST_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = self.call("worklist_counts", json!({})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("PASSWORD_CHANGE_REQUIRED"))
        );
        self.ok("change_password", json!({ "oldPassword": FIRST_PASSWORD, "newPassword": OWN_PASSWORD }))
            .await;
    }
}

/// The acceptor `a`, the reviewer `b` and the approver `c`, each logged in at a desk of
/// their own with the password they chose.
pub async fn three_desks(server: &server::RunningServer) -> (Desk, Desk, Desk) {
    let (mut counter, mut reviewer, mut approver) = (Desk::of(server), Desk::of(server), Desk::of(server));
    counter.first_log_in("a").await;
    reviewer.first_log_in("b").await;
    approver.first_log_in("c").await;
    (counter, reviewer, approver)
}

/// A new case saved and accepted at the counter desk (its clerk logged in): its id.
pub async fn accept(counter: &Desk) -> String {
    let case_id = counter.ok("new_case", json!({})).await.as_str().unwrap().to_owned();
    counter.ok("save_draft", json!({ "caseId": case_id, "record": record() })).await;
    let submitted = counter
        .ok(
            "submit_case",
            json!({ "caseId": case_id, "profile": "330182", "opinion": "材料齐全，同意受理。", "proceed": true }),
        )
        .await;
    assert_eq!(submitted["outcome"], "accepted", "{submitted}");
    case_id
}

pub async fn start(dir: &Path, config: ServerConfig) -> server::RunningServer {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    server::serve(listener, office(dir), config).unwrap()
}

/// A server that serves browsers from the server PC's own address only (127.0.0.2 in the
/// tests), so every other PC must join first; and its administrator logged in at a
/// browser there.
pub async fn browsers_at_server_pc_only(dir: &Path) -> (server::RunningServer, Desk) {
    let server_pc: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let config = ServerConfig {
        browsers: server::access::Browsers::From(vec!["127.0.0.2".parse().unwrap()]),
        ..ServerConfig::default()
    };
    let server = start(dir, config).await;
    let mut admin = Desk::from_address(&server, server_pc);
    let (status, body) = admin.log_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (server, admin)
}

/// The DER inside a PEM certificate.
pub fn pem_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

/// A TLS connection to `server` that trusts its office CA, showing `identity` (a desk's
/// certificate chain and PKCS#8 key) when given: what a raw request or a refused
/// handshake is tested with.
pub async fn tls_connect(
    server: &server::RunningServer,
    identity: Option<(Vec<Vec<u8>>, Vec<u8>)>,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pem_der(server.ca_pem()))).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        Some((chain, key)) => builder
            .with_client_auth_cert(
                chain.into_iter().map(CertificateDer::from).collect(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let stream = tokio::net::TcpStream::connect(server.local_addr()).await?;
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let mut stream = connector.connect(ServerName::try_from("localhost").unwrap(), stream).await?;
    // TLS 1.3 sends the server's verdict on a client certificate after the handshake: a
    // first write and read show it.
    use tokio::io::AsyncWriteExt;
    stream.flush().await?;
    Ok(stream)
}

/// One request written on a new TLS connection to `server` (showing `identity` if given),
/// and everything read back until the server closes: the raw answer, or the error that
/// ended the connection.
pub async fn raw_request(
    server: &server::RunningServer,
    identity: Option<(Vec<Vec<u8>>, Vec<u8>)>,
    path: &str,
) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tls_connect(server, identity).await?;
    let request =
        format!("POST {path} HTTP/1.1\r\nHost: desk\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// A desk's key pair as it makes one to join: its PKCS#8 and its public point.
pub fn desk_key() -> (Vec<u8>, Vec<u8>) {
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
    let random = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &random).unwrap();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &random).unwrap();
    (pkcs8.as_ref().to_vec(), key.public_key().as_ref().to_vec())
}

/// The `join_desk` arguments of a desk holding `pkcs8`, naming itself `desk_name`, with
/// `code` as typed and the signature over `signed_code` (the code's digits, unless a test
/// signs something else).
pub fn join_args(pkcs8: &[u8], code: &str, signed_code: &str, desk_name: &str) -> Value {
    use base64::Engine as _;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
    let random = ring::rand::SystemRandom::new();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &random).unwrap();
    let signature = key.sign(&random, &desk_link::protocol::join_message(signed_code, desk_name)).unwrap();
    let base64 = base64::engine::general_purpose::STANDARD;
    json!({
        "code": code,
        "deskName": desk_name,
        "publicKey": base64.encode(key.public_key().as_ref()),
        "signature": base64.encode(signature.as_ref()),
    })
}

/// The audit trail's rows after the server has stopped, oldest first.
pub fn audit(dir: &Path) -> Vec<store::AuditEntry> {
    let (store, _) =
        store::Store::open_with_options(dir, "admin", ADMIN_PASSWORD, wire::commands::now(), options())
            .unwrap();
    let mut rows = store.audit_entries(None, 1_000).unwrap();
    rows.sort_by_key(|row| row.seq);
    rows
}
