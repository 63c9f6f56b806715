//! A joined desk's requests: mutual TLS to the pinned office CA, the session's cookie kept
//! here, the answers handed back whole.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::LinkError;
use crate::identity::DeskIdentity;

/// The header carrying the session's CSRF token (docs/office-server.md).
pub const CSRF_HEADER: &str = "x-permit-desk-csrf";
/// The header carrying a request's idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// How long a command may take, the upload of a page's picture included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the event stream may stay silent: the server says it is alive every 15 s.
const EVENTS_SILENCE: Duration = Duration::from_secs(40);
/// The wait before the event stream is opened again.
const EVENTS_RETRY: Duration = Duration::from_secs(2);
/// How long the server's answer to "is a clerk logged in here" is reused.
const SESSION_CHECK_REUSE: Duration = Duration::from_secs(2);

/// The server's answer to one request.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body (JSON, as the server wrote it).
    pub body: Vec<u8>,
    /// The session's CSRF token, when the server sent one.
    pub csrf: Option<String>,
}

/// The DER inside a PEM certificate.
pub(crate) fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().map(str::trim).filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The certificates of a PEM bundle, in order.
fn pem_chain(pem: &str) -> Vec<CertificateDer<'static>> {
    pem.split("-----END CERTIFICATE-----")
        .filter(|part| part.contains("-----BEGIN CERTIFICATE-----"))
        .filter_map(pem_der)
        .map(CertificateDer::from)
        .collect()
}

/// A failed request as the page sees it: a server whose certificate the pinned CA did not
/// sign (or that refused the desk's) is not the office server; anything else is the
/// network, worth trying again.
pub(crate) fn unreachable(error: &reqwest::Error) -> LinkError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return LinkError::NotOfficeServer(tls.to_string());
        }
        // An io::Error's `source` skips the error it wraps: descend into it instead.
        cause = match current.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner),
            None => current.source(),
        };
    }
    LinkError::Unreachable(error.to_string())
}

/// An HTTPS client that trusts the office CA `ca_der` alone, shows the desk's
/// certificate when `identity` is given, follows no redirect and uses no proxy (the
/// server is on the office's LAN). `timeout`: for the whole request; `None` for the
/// event stream, which may stay open for hours (a silence limit applies instead).
pub(crate) fn client(
    ca_der: &[u8],
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    timeout: Option<Duration>,
) -> Result<reqwest::Client, LinkError> {
    let setup = |error: String| LinkError::Setup(error);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der.to_vec())).map_err(|error| setup(error.to_string()))?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| setup(error.to_string()))?
        .with_root_certificates(roots);
    let mut tls = match identity {
        Some((chain, key)) => {
            builder.with_client_auth_cert(chain, key).map_err(|error| setup(error.to_string()))?
        }
        None => builder.with_no_client_auth(),
    };
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("permit-desk/", env!("CARGO_PKG_VERSION")));
    http = match timeout {
        Some(timeout) => http.timeout(timeout),
        None => http.read_timeout(EVENTS_SILENCE),
    };
    http.build().map_err(|error| setup(error.to_string()))
}

/// A joined desk's connection to its office server.
pub struct DeskLink {
    identity: DeskIdentity,
    http: reqwest::Client,
    events: reqwest::Client,
    /// The cookies the server set (the session's), sent with every request.
    cookies: Mutex<BTreeMap<String, String>>,
    /// The server's last word on the session ([`DeskLink::session_alive`]): when, whether
    /// one was alive, and its CSRF token. Forgotten when the cookies change.
    last_status: Mutex<Option<(Instant, bool, Option<String>)>>,
}

impl std::fmt::Debug for DeskLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskLink").field("identity", &self.identity).finish_non_exhaustive()
    }
}

/// A command's name as the server routes it: lower-case words and underscores, nothing
/// that could make another path.
fn command_name_ok(command: &str) -> bool {
    !command.is_empty() && command.len() <= 64 && command.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

impl DeskLink {
    /// The link of a desk that joined as `identity`.
    pub fn new(identity: DeskIdentity) -> Result<DeskLink, LinkError> {
        let ca = pem_der(&identity.office_ca)
            .ok_or_else(|| LinkError::Identity("the office CA is unreadable".to_owned()))?;
        let chain = pem_chain(&identity.certificate);
        if chain.is_empty() {
            return Err(LinkError::Identity("the desk's certificate is unreadable".to_owned()));
        }
        let key = || -> Result<PrivateKeyDer<'static>, LinkError> {
            Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key_pkcs8()?.to_vec())))
        };
        let http = client(&ca, Some((chain.clone(), key()?)), Some(REQUEST_TIMEOUT))?;
        let events = client(&ca, Some((chain, key()?)), None)?;
        Ok(DeskLink { identity, http, events, cookies: Mutex::default(), last_status: Mutex::default() })
    }

    /// Who this desk is.
    pub fn identity(&self) -> &DeskIdentity {
        &self.identity
    }

    fn cookie_header(&self) -> Option<String> {
        let cookies = self.cookies.lock().unwrap_or_else(PoisonError::into_inner);
        (!cookies.is_empty()).then(|| {
            cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
        })
    }

    /// Keeps what the server's `Set-Cookie`s say: a new value, or a cookie removed (an
    /// empty value or `Max-Age=0`, as a log-out sends).
    fn keep_cookies(&self, headers: &reqwest::header::HeaderMap) {
        let mut cookies = self.cookies.lock().unwrap_or_else(PoisonError::into_inner);
        if headers.contains_key(reqwest::header::SET_COOKIE) {
            // A log-in or log-out: what the server last said of the session is stale.
            *self.last_status.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
        for value in headers.get_all(reqwest::header::SET_COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            let mut parts = value.split(';').map(str::trim);
            let Some((name, content)) = parts.next().and_then(|pair| pair.split_once('=')) else { continue };
            let expired = parts.any(|attribute| attribute.eq_ignore_ascii_case("max-age=0"));
            if expired || content.is_empty() {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), content.to_owned());
            }
        }
    }

    /// Whether a clerk's session cookie is held (the event stream needs one).
    pub fn has_session(&self) -> bool {
        !self.cookies.lock().unwrap_or_else(PoisonError::into_inner).is_empty()
    }

    /// Whether a clerk is logged in at this desk now, as the server says (`office_status`,
    /// which does not keep the session alive): what the desk's own devices (the card
    /// reader, the screen facing the applicant) ask before they work for the page. The
    /// answer is reused for two seconds: the applicant's screen asks several
    /// times a second, and a log-in or log-out at this desk forgets it at once.
    pub async fn session_alive(&self) -> Result<bool, LinkError> {
        Ok(self.session_status().await?.0)
    }

    /// [`DeskLink::session_alive`], with the session's CSRF token when one is alive.
    async fn session_status(&self) -> Result<(bool, Option<String>), LinkError> {
        if !self.has_session() {
            return Ok((false, None));
        }
        if let Some((at, alive, csrf)) =
            self.last_status.lock().unwrap_or_else(PoisonError::into_inner).clone()
            && at.elapsed() < SESSION_CHECK_REUSE
        {
            return Ok((alive, csrf));
        }
        let answer = self.send("office_status", b"{}".to_vec(), None, None).await?;
        let status: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        let alive = answer.status == 200 && status.get("session").is_some_and(|session| !session.is_null());
        let csrf = if alive { answer.csrf } else { None };
        *self.last_status.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), alive, csrf.clone()));
        Ok((alive, csrf))
    }

    /// Sends `command` for the desk's shell itself rather than for the page: the
    /// applicant's 好差评, which the shell takes from the applicant's window only and the
    /// clerk's page never sends. Under the session of the clerk logged in here, with its
    /// CSRF token as the server last gave it; no session is `None` (nothing is sent).
    pub async fn send_for_shell(&self, command: &str, body: Vec<u8>) -> Result<Option<Answer>, LinkError> {
        let (alive, csrf) = self.session_status().await?;
        if !alive {
            return Ok(None);
        }
        self.send(command, body, None, csrf.as_deref()).await.map(Some)
    }

    /// Sends `POST /api/<command>` with `body` (the page's JSON), the page's idempotency
    /// key and CSRF token, and the session's cookie; any answer the server gives is
    /// returned (errors are the page's to read), a network failure is
    /// [`LinkError::Unreachable`] and may be sent again with the same key.
    pub async fn send(
        &self,
        command: &str,
        body: Vec<u8>,
        idempotency_key: Option<&str>,
        csrf: Option<&str>,
    ) -> Result<Answer, LinkError> {
        if !command_name_ok(command) {
            return Ok(Answer { status: 404, body: Vec::new(), csrf: None });
        }
        let mut request = self
            .http
            .post(format!("{}/api/{command}", self.identity.server_url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(key) = idempotency_key {
            request = request.header(IDEMPOTENCY_HEADER, key);
        }
        if let Some(token) = csrf {
            request = request.header(CSRF_HEADER, token);
        }
        if let Some(cookie) = self.cookie_header() {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        let answer = request.send().await.map_err(|error| unreachable(&error))?;
        self.keep_cookies(answer.headers());
        let status = answer.status().as_u16();
        let csrf = answer.headers().get(CSRF_HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned);
        let body = answer.bytes().await.map_err(|error| unreachable(&error))?.to_vec();
        Ok(Answer { status, body, csrf })
    }

    /// Reads the server's event stream (`GET /api/events`) while the link lives, calling
    /// `on_change` with each case change's JSON (`{caseId, change}`, or `{}` when the desk
    /// fell behind). Opened while a clerk is logged in, opened again after a break.
    pub async fn follow_events(link: Weak<DeskLink>, mut on_change: impl FnMut(String) + Send) {
        loop {
            let Some(desk) = link.upgrade() else { return };
            if desk.has_session()
                && let Err(error) = desk.read_events(&mut on_change).await
            {
                tracing::debug!(%error, "the office server's event stream ended");
            }
            drop(desk);
            tokio::time::sleep(EVENTS_RETRY).await;
        }
    }

    async fn read_events(&self, on_change: &mut (impl FnMut(String) + Send)) -> Result<(), LinkError> {
        let mut request = self.events.get(format!("{}/api/events", self.identity.server_url));
        if let Some(cookie) = self.cookie_header() {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        let mut answer = request.send().await.map_err(|error| unreachable(&error))?;
        if !answer.status().is_success() {
            return Ok(());
        }
        let mut pending = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|error| unreachable(&error))? {
            pending.extend_from_slice(&chunk);
            while let Some(end) = pending.windows(2).position(|pair| pair == b"\n\n") {
                let block: Vec<u8> = pending.drain(..end + 2).collect();
                if let Some(data) = case_event(&String::from_utf8_lossy(&block)) {
                    on_change(data);
                }
            }
        }
        Ok(())
    }
}

/// The data of a server-sent `case` event block, if the block is one.
fn case_event(block: &str) -> Option<String> {
    let mut is_case = false;
    let mut data = Vec::new();
    for line in block.lines() {
        if let Some(name) = line.strip_prefix("event:") {
            is_case = name.trim() == "case";
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    (is_case && !data.is_empty()).then(|| data.join("\n"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn case_events_are_read_and_comments_skipped() {
        assert_eq!(
            case_event("event: case\ndata: {\"caseId\":\"c1\",\"change\":\"accepted\"}\n\n").as_deref(),
            Some("{\"caseId\":\"c1\",\"change\":\"accepted\"}")
        );
        assert_eq!(case_event(": alive\n\n"), None);
        assert_eq!(case_event("event: other\ndata: {}\n\n"), None);
    }

    #[test]
    fn only_plain_command_names_make_a_path() {
        assert!(command_name_ok("log_in"));
        for bad in ["", "../events", "log_in?x", "Log_in", "a/b"] {
            assert!(!command_name_ok(bad), "{bad:?}");
        }
    }
}
