//! The office server (issue 17, `docs/office-server.md`): one office store, several clerks
//! at several desks at once.
//!
//! It serves the case desk's commands (`wire::commands`, listed once by
//! `wire::case_desk_commands!`) as `POST /api/<command>` with the window's arguments as a
//! JSON object, and answers with the same JSON the Tauri shell returns, or the same
//! `{code, message, fields}` with an HTTP status by the code. No use case is written here:
//! each request runs one `wire::commands` function as its own clerk
//! (`app::office::Office::as_clerk`).
//!
//! What a request must carry, checked in this order ([`sessions`]):
//! 1. the session cookie of a log-in on this server (`NOT_LOGGED_IN` without one, or after
//!    the log-out);
//! 2. the session's CSRF token in `X-Permit-Desk-CSRF` (`DESK_REQUEST_REFUSED`);
//! 3. a clerk command within the idle limit of the last one (`IDLE_LOCKED` past it: the
//!    session is ended and audited as a log-out, here, not in the page);
//! 4. a password of the clerk's own (`PASSWORD_CHANGE_REQUIRED`), as in the window.
//!
//! A request with an `Idempotency-Key` that this session already sent gets the first
//! answer again instead of running twice (a desk retrying after a timeout); one sent while
//! the first still runs waits for that answer.
//!
//! Only TLS is spoken ([`tls`]): the office's own CA, a server certificate made at each
//! start, and client certificates for the desks that joined with a one-time code
//! (`create_join_code`, `join_desk`). There is no plain HTTP port, not even one that
//! redirects.

pub mod access;
pub mod joining;
pub mod sessions;
pub mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use app::AppError;
use app::clock::ClockWatch;
use app::office::Office;
use app::problem::{Class, ErrorCode, Problem, Unrecognised};
use app::sync::SyncLoop;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;
use wire::error::UiError;
use wire::json::SessionInfo;

use crate::access::Browsers;
use crate::joining::JoinCodes;
use crate::sessions::{Admission, Sessions};
use crate::tls::OfficeTls;
use desk_link::protocol::{JoinRequest, Joined};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "permit_desk_session";
/// The header carrying the session's CSRF token on every request but the log-in.
pub const CSRF_HEADER: &str = "x-permit-desk-csrf";
/// The header naming one request, so a retry is answered, not run again.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// The largest request body a desk sends (an application record is a few KB).
const MAX_BODY: usize = 1 << 20;
/// The largest import a desk sends: a file or photo within the scan intake's own limit
/// (50 MB), as a base64 data URL inside JSON.
const MAX_IMPORT_BODY: usize = 72 << 20;

/// How the server treats its desks.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// A session with no clerk command for this long is ended (audited as a log-out):
    /// the window's idle lock (`PERMIT_DESK_IDLE_LOCK_MINUTES`, 10 minutes by default).
    pub idle_limit: Duration,
    /// How often idle sessions are looked for and ended without waiting for their next
    /// request.
    pub sweep_every: Duration,
    /// How long an idempotency key's answer is kept.
    pub idempotency_for: Duration,
    /// The built window (`ui/dist`), served to browsers at `/`; none serves the API only.
    pub ui_dir: Option<std::path::PathBuf>,
    /// The platform to sync the office's queue to, as the window does (`SyncLoop`); none
    /// keeps the queue for later.
    pub sync: Option<app::sync::SyncConfig>,
    /// The host names and IP addresses desks and browsers reach the server by: the
    /// server's certificate names them (a browser refuses any other).
    pub names: Vec<String>,
    /// Where connections without a desk certificate (browsers) are served from; from
    /// elsewhere they may only join (`DESK_NOT_JOINED`).
    pub browsers: Browsers,
    /// How long a one-time code to join a desk stays valid.
    pub join_code_for: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            idle_limit: Duration::from_secs(10 * 60),
            sweep_every: Duration::from_secs(15),
            idempotency_for: Duration::from_secs(24 * 60 * 60),
            ui_dir: None,
            sync: None,
            names: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            browsers: Browsers::Anywhere,
            join_code_for: Duration::from_secs(10 * 60),
        }
    }
}

/// What every request shares: the one office and the desks' sessions. The office sits
/// in an `Option` behind an `Arc` because the background sync (`app::sync::SyncLoop`, as
/// the window runs it) holds it too; it is taken out when the server stops.
struct Shared {
    office: Arc<Mutex<Option<Office>>>,
    sessions: Sessions,
    config: ServerConfig,
    /// The background sync to the platform, when one is configured.
    sync: Option<SyncLoop>,
    /// The system clock as the server started, for the header's clock-jump warning.
    clock_watch: Option<ClockWatch>,
    /// The office's id, fixed at set-up: `office_status` answers it without waiting for
    /// the office's lock behind other desks' saves.
    office_id: String,
    /// The office's TLS: the CA that signs joining desks' certificates.
    tls: OfficeTls,
    /// The one-time codes administrators gave out for desks to join.
    join_codes: Mutex<JoinCodes>,
    /// The desks served, by their certificate's fingerprint: their names. A certificate
    /// of this office's CA that is not here (removed, or from before desks were kept) is
    /// refused.
    desks: std::sync::RwLock<std::collections::HashMap<String, String>>,
    /// The document renderer (fonts and templates), loaded at the first preview.
    printing: Mutex<Option<Arc<app::printing::Printing>>>,
    /// Cases changed by a desk, for the other desks' event streams (`GET /api/events`).
    events: tokio::sync::broadcast::Sender<CaseChanged>,
}

/// What the desks' event streams carry when a desk changed a case: its id and the
/// command that changed it, never personal data. A desk refreshes its lists on it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct CaseChanged {
    case_id: String,
    change: &'static str,
}

/// The case desk's commands that change a case, announced on the event stream.
const CHANGES_CASES: &[&str] = &[
    "save_draft",
    "submit_case",
    "review_case",
    "approve_case",
    "reject_case",
    "send_back_case",
    "withdraw_case",
    "mark_page",
    "change_page",
    "delete_page",
    "import_page",
    "record_desk_print",
    "rate_visit",
];

impl Shared {
    /// Runs `work` on the office on a blocking thread (the store's calls block).
    async fn on_office<T, F>(self: &Arc<Self>, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Office) -> Result<T, AppError> + Send + 'static,
    {
        let shared = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut office = shared.office.lock().unwrap_or_else(PoisonError::into_inner);
            match office.as_mut() {
                Some(office) => work(office),
                // Only while the server stops: the office has been handed back.
                None => Err(AppError::NotLoggedIn),
            }
        })
        .await
        .unwrap_or_else(|_| {
            Err(AppError::Io {
                what: "office server worker",
                source: std::io::Error::other("the worker panicked"),
            })
        })
    }
}

/// The office server on an address of its own.
pub struct RunningServer {
    local_addr: SocketAddr,
    ca_pem: String,
    ca_fingerprint: String,
    ca_spki_sha256: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<Office, AppError>>,
}

impl RunningServer {
    /// Where desks reach it.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `https://<address>` of the server.
    pub fn url(&self) -> String {
        format!("https://{}", self.local_addr)
    }

    /// The office CA (PEM) that desks and browsers trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The office CA's SHA-256 fingerprint (`AB:CD:…`).
    pub fn ca_fingerprint(&self) -> &str {
        &self.ca_fingerprint
    }

    /// The base64 SHA-256 of the CA's public key, for Chromium's
    /// `--ignore-certificate-errors-spki-list` in tests.
    pub fn ca_spki_sha256(&self) -> &str {
        &self.ca_spki_sha256
    }

    /// Stops accepting, ends every desk's session (audited) and hands the office back.
    pub async fn stop(mut self) -> Result<Office, AppError> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (&mut self.task).await.map_err(|_| AppError::Io {
            what: "office server",
            source: std::io::Error::other("the server's task ended abnormally"),
        })?
    }
}

/// Serves `office` over TLS on an already bound `listener`, with a server certificate
/// made now from the office CA ([`tls::ensure_office_ca`] must have made it) for
/// `config.names`. The office should have no clerk logged in: each desk logs its own
/// clerk in.
pub fn serve(listener: TcpListener, office: Office, config: ServerConfig) -> Result<RunningServer, AppError> {
    let local_addr =
        listener.local_addr().map_err(|source| AppError::Io { what: "office server address", source })?;
    let shared = start_shared(office, &config)?;
    let (ca_pem, ca_fingerprint, ca_spki_sha256) =
        (shared.tls.ca_pem(), shared.tls.ca_fingerprint().to_owned(), shared.tls.ca_spki_sha256());
    let acceptor = shared.tls.acceptor();
    let router = router(Arc::clone(&shared));
    let (shutdown, shutdown_signal) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, acceptor, router, shared, config, shutdown_signal));
    tracing::info!(%local_addr, "office server listening");
    Ok(RunningServer { local_addr, ca_pem, ca_fingerprint, ca_spki_sha256, shutdown: Some(shutdown), task })
}

/// What every request shares: the office (closed again if its TLS cannot start), the
/// sessions, the sync, the desks that joined.
fn start_shared(office: Office, config: &ServerConfig) -> Result<Arc<Shared>, AppError> {
    let tls = match OfficeTls::start(&office, &config.names, wire::commands::now()) {
        Ok(tls) => tls,
        Err(error) => {
            // Refused before anything is served: the office is closed, not left open.
            if let Err(closing) = office.close() {
                tracing::warn!(code = %Problem::of(&closing).code, "closing the office after a TLS failure failed");
            }
            return Err(AppError::Io {
                what: "office server TLS",
                source: std::io::Error::other(error.to_string()),
            });
        }
    };
    let office_id = office.office_id().to_owned();
    let desks =
        app::desks::served_desks(&office)?.into_iter().map(|desk| (desk.fingerprint, desk.name)).collect();
    let office = Arc::new(Mutex::new(Some(office)));
    let sync = match &config.sync {
        Some(sync) => Some(
            SyncLoop::start(Arc::clone(&office), sync.clone())
                .map_err(|source| AppError::Io { what: "office server sync", source })?,
        ),
        None => None,
    };
    Ok(Arc::new(Shared {
        office,
        sessions: Sessions::new(config.clone()),
        config: config.clone(),
        sync,
        clock_watch: ClockWatch::start(),
        office_id,
        tls,
        join_codes: Mutex::new(JoinCodes::default()),
        desks: std::sync::RwLock::new(desks),
        printing: Mutex::new(None),
        events: tokio::sync::broadcast::channel(256).0,
    }))
}

/// The server's routes on an office, without its listener: what a request meets once its
/// connection is accepted — the sessions, CSRF tokens, idle limit, idempotency keys and
/// every command, as served. Skipped are the TLS handshake and what is decided from the
/// connection (where browsers are served, a desk certificate's lookup). For the fuzz
/// target of the server's request parsing (`fuzz-targets`' `office_server_request`): the
/// program itself never serves without TLS.
pub struct Routes {
    router: Router,
}

impl Routes {
    /// The routes on `office` (its CA made: [`tls::ensure_office_ca`]).
    pub fn new(office: Office, config: &ServerConfig) -> Result<Routes, AppError> {
        Ok(Routes { router: router(start_shared(office, config)?) })
    }

    /// The answer to one request, as a connection would have it.
    pub async fn answer(&self, request: axum::http::Request<axum::body::Body>) -> Response {
        match tower::ServiceExt::oneshot(self.router.clone(), request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    router: Router,
    shared: Arc<Shared>,
    config: ServerConfig,
    mut shutdown_signal: oneshot::Receiver<()>,
) -> Result<Office, AppError> {
    let mut connections = JoinSet::new();
    let mut sweep = tokio::time::interval(config.sweep_every);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = &mut shutdown_signal => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let browsers_served = config.browsers.serves(peer.ip());
                    connections.spawn(serve_connection(
                        stream,
                        acceptor.clone(),
                        router.clone(),
                        Arc::clone(&shared),
                        browsers_served,
                    ));
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = sweep.tick() => end_idle_sessions(&shared).await,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
    // Every desk's clerk is logged out, audited, before the office is handed back.
    let ended = shared.sessions.take_all();
    let office = shared.on_office(move |office| {
        for mut session in ended {
            office.as_clerk(&mut session, |office| office.logout(wire::commands::now()))?;
        }
        Ok(())
    });
    if let Err(error) = office.await {
        tracing::warn!(code = %Problem::of(&error).code, "logging the desks out at shutdown failed");
    }
    // Taken out under the lock: a request's blocking half still finishing, or the sync
    // between two requests, is waited for; afterwards both find no office.
    let office = Arc::clone(&shared.office);
    let taken =
        tokio::task::spawn_blocking(move || office.lock().unwrap_or_else(PoisonError::into_inner).take())
            .await
            .ok()
            .flatten();
    taken.ok_or(AppError::Io {
        what: "office server shutdown",
        source: std::io::Error::other("the office was already handed back"),
    })
}

/// Ends the sessions idle past the limit, each audited as a log-out.
async fn end_idle_sessions(shared: &Arc<Shared>) {
    let ended = shared.sessions.take_idle(Instant::now());
    if ended.is_empty() {
        return;
    }
    let result = shared
        .on_office(move |office| {
            for mut session in ended {
                office.as_clerk(&mut session, |office| office.logout(wire::commands::now()))?;
            }
            Ok(())
        })
        .await;
    if let Err(error) = result {
        tracing::warn!(code = %Problem::of(&error).code, "ending idle sessions failed");
    }
}

/// How long a connection may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection: the TLS handshake (a client speaking plain HTTP, or showing another
/// office's certificate, ends here with nothing served), then HTTP/1.1. Without a desk
/// certificate, and from where browsers are not served (`browsers_served` false), only
/// `join_desk` is answered.
async fn serve_connection(
    stream: TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    router: Router,
    shared: Arc<Shared>,
    browsers_served: bool,
) {
    let _ = stream.set_nodelay(true);
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            tracing::info!(%error, "a connection was refused in the TLS handshake");
            return;
        }
        Err(_) => {
            tracing::info!("a connection did not finish its TLS handshake in time");
            return;
        }
    };
    // A desk's certificate, by its fingerprint: looked up at every request, so a desk an
    // administrator removes is refused at once, on connections already open too.
    let desk = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|certificate| tls::fingerprint(certificate.as_ref()));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let router = router.clone();
        let name = desk.as_ref().map(|fingerprint| {
            shared.desks.read().unwrap_or_else(PoisonError::into_inner).get(fingerprint).cloned()
        });
        async move {
            match name {
                Some(None) => return Ok(answer_error(&AppError::DeskRevoked)),
                Some(Some(name)) => {
                    request.extensions_mut().insert(DeskName(Some(name)));
                }
                None if !browsers_served && request.uri().path() != "/api/join_desk" => {
                    return Ok(answer_error(&AppError::DeskNotJoined));
                }
                None => {
                    request.extensions_mut().insert(DeskName(None));
                }
            }
            router.oneshot(request.map(Body::new)).await
        }
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    if let Err(error) = connection.await {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Generates one route per case desk command from `wire::case_desk_commands!`: the
/// arguments read as the window names them, the function of the same name called as the
/// request's clerk.
macro_rules! case_desk_routes {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty;)*) => {
        fn case_desk_routes(mut router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
            $(
                router = router.route(
                    concat!("/api/", stringify!($name)),
                    post(|State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes| async move {
                        #[derive(Deserialize)]
                        #[serde(rename_all = "camelCase", deny_unknown_fields)]
                        #[allow(dead_code, reason = "a command without arguments reads an empty object")]
                        struct Args { $($arg: $ty,)* }
                        let args: Args = match read_args(&body) {
                            Ok(args) => args,
                            Err(error) => return answer_error(&error),
                        };
                        let Args { $($arg,)* } = args;
                        let response = clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
                            wire::commands::$name(office $(, $arg)*)
                        })
                        .await;
                        announce(&shared, stringify!($name), &body, &response);
                        response
                    }),
                );
            )*
            router
        }
        /// The commands served and their arguments, as Rust names them (for the test that
        /// holds them to the window's list).
        pub const CASE_DESK_COMMANDS: &[(&str, &[&str])] = &[$((stringify!($name), &[$(stringify!($arg)),*])),*];
    };
}
wire::case_desk_commands!(case_desk_routes);

/// Tells the other desks' event streams that a command changed a case (when it did).
fn announce(shared: &Shared, command: &'static str, body: &Bytes, response: &Response) {
    if response.status() != StatusCode::OK {
        return;
    }
    let Some(change) = CHANGES_CASES.iter().copied().find(|name| *name == command) else {
        return;
    };
    let case_id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|args| args.get("caseId").and_then(serde_json::Value::as_str).map(str::to_owned));
    if let Some(case_id) = case_id {
        // No desk listening is not an error.
        let _ = shared.events.send(CaseChanged { case_id, change });
    }
}

/// How often a quiet event stream says it is alive and checks its session.
const EVENTS_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /api/events`: a logged-in desk's stream of [`CaseChanged`] (server-sent events,
/// `event: case`), so its worklists and counts follow the other desks' work. The cookie
/// is the credential (an `EventSource` sends no headers; SameSite=Strict keeps other
/// sites out, and the stream carries no personal data); it ends with the session. A desk
/// that fell behind gets `{}`: refresh everything.
async fn events(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    use axum::response::sse::{Event, Sse};
    let Some(token) = session_cookie(&headers) else {
        return answer_error(&AppError::NotLoggedIn);
    };
    if !shared.sessions.alive(&token, Instant::now()) {
        return answer_error(&AppError::NotLoggedIn);
    }
    let receiver = shared.events.subscribe();
    let stream =
        futures_util::stream::unfold((receiver, shared, token), |(mut receiver, shared, token)| async move {
            use tokio::sync::broadcast::error::RecvError;
            let event = match tokio::time::timeout(EVENTS_KEEP_ALIVE, receiver.recv()).await {
                Ok(Ok(changed)) => Event::default().event("case").data(serde_json::to_string(&changed).ok()?),
                Ok(Err(RecvError::Lagged(_))) => Event::default().event("case").data("{}"),
                Ok(Err(RecvError::Closed)) => return None,
                Err(_) if shared.sessions.alive(&token, Instant::now()) => Event::default().comment("alive"),
                Err(_) => return None,
            };
            Some((Ok::<_, std::convert::Infallible>(event), (receiver, shared, token)))
        });
    Sse::new(stream).into_response()
}

/// Generates one route per picker command from `wire::picker_commands!`: as the case
/// desk's, for a logged-in clerk, but the function takes no office.
macro_rules! picker_routes {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty;)*) => {
        fn picker_routes(mut router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
            $(
                router = router.route(
                    concat!("/api/", stringify!($name)),
                    post(|State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes| async move {
                        #[derive(Deserialize)]
                        #[serde(rename_all = "camelCase", deny_unknown_fields)]
                        struct Args { $($arg: $ty,)* }
                        let args: Args = match read_args(&body) {
                            Ok(args) => args,
                            Err(error) => return answer_error(&error),
                        };
                        let Args { $($arg,)* } = args;
                        clerk_command(&shared, &headers, Need::OwnPassword, move |_office| {
                            wire::commands::$name($($arg),*)
                        })
                        .await
                    }),
                );
            )*
            router
        }
        /// The picker commands served and their arguments, as Rust names them.
        pub const PICKER_COMMANDS: &[(&str, &[&str])] = &[$((stringify!($name), &[$(stringify!($arg)),*])),*];
    };
}
wire::picker_commands!(picker_routes);

fn router(shared: Arc<Shared>) -> Router {
    let router = Router::new()
        .route("/api/log_in", post(log_in))
        .route("/api/log_out", post(log_out))
        // The page's lock (Ctrl+L, its own idle timer) ends the session here too.
        .route("/api/lock_screen", post(log_out))
        .route("/api/change_password", post(change_password))
        .route("/api/office_status", post(office_status))
        .route("/api/get_app_info", post(get_app_info))
        .route("/api/sync_status", post(sync_status))
        .route("/api/sync_now", post(sync_now))
        .route("/api/events", get(events))
        .route("/api/create_join_code", post(create_join_code))
        .route(
            "/api/import_page",
            post(import_page).layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BODY)),
        )
        .route("/api/preview_document", post(preview_document))
        .route("/api/print_in_browser", post(print_in_browser))
        .route("/api/record_desk_print", post(record_desk_print))
        .route("/api/rate_visit", post(rate_visit))
        .route("/api/backup_at_server", post(backup_at_server))
        .route("/api/list_desks", post(list_desks))
        .route("/api/office_details", post(office_details))
        .route("/api/set_office_details", post(set_office_details))
        .route("/api/record_effective_date", post(record_effective_date))
        .route("/api/revoke_desk", post(revoke_desk))
        .route("/api/join_desk", post(join_desk))
        .route("/api/{*command}", post(not_found));
    picker_routes(case_desk_routes(router)).fallback(get(static_file)).with_state(shared)
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such command").into_response()
}

/// What a command needs besides a live session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The clerk's own password (every command but changing it).
    OwnPassword,
    /// Only the session: changing the password an administrator set, logging out.
    SessionOnly,
    /// The window's own polls (the header's sync badge): refused after the idle limit like
    /// any command, but never keeping the session alive, as in the window.
    Passive,
}

/// Runs `work` as the clerk of the request's session, after the checks the crate's
/// documentation lists, answering a repeated idempotency key with its first answer.
async fn clerk_command<T, F>(shared: &Arc<Shared>, headers: &HeaderMap, need: Need, work: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut Office) -> Result<T, AppError> + Send + 'static,
{
    let Some(token) = session_cookie(headers) else {
        return answer_error(&AppError::NotLoggedIn);
    };
    let csrf = headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok());
    let idempotency_key =
        headers.get(IDEMPOTENCY_HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let active = need != Need::Passive;
    let admitted =
        match shared.sessions.admit(&token, csrf, idempotency_key.as_deref(), active, Instant::now()) {
            Admission::Refused(error) => return answer_error(&error),
            Admission::Repeat(status, body) => return json_response(status, body),
            Admission::InFlight(running) => return first_answer(running).await,
            Admission::IdleExpired { session, username, minutes } => {
                let mut ended = Some(session);
                let logged_out = shared
                    .on_office(move |office| {
                        office.as_clerk(&mut ended, |office| office.logout(wire::commands::now()))
                    })
                    .await;
                if let Err(error) = logged_out {
                    return answer_error(&error);
                }
                return answer_error(&AppError::IdleLocked { username, minutes });
            }
            Admission::Admitted(session) => session,
        };
    // The session is put back and the answer kept under its key in the office's worker,
    // after the command: they happen even if the desk's connection drops meanwhile (the
    // worker is not cancelled with the request), so its retry finds the answer.
    let (worker_shared, worker_token, worker_key) =
        (Arc::clone(shared), token.clone(), idempotency_key.clone());
    let outcome = shared
        .on_office(move |office| {
            let mut session = Some(admitted);
            let result = office.as_clerk(&mut session, |office| {
                if need == Need::OwnPassword {
                    office.require_own_password()?;
                }
                work(office)
            });
            worker_shared.sessions.put_back(&worker_token, session);
            let (status, body) = match result {
                Ok(value) => match serde_json::to_vec(&value) {
                    Ok(body) => (StatusCode::OK, body),
                    Err(_) => error_body(&UiError::internal()),
                },
                Err(error) => error_body(&UiError::from(error)),
            };
            if let Some(key) = worker_key {
                worker_shared.sessions.remember(&worker_token, key, status, body.clone(), Instant::now());
            }
            Ok((status, body))
        })
        .await;
    let (status, body) = match outcome {
        Ok(answer) => answer,
        // The office was not there to run it (the server stopping) or its worker failed.
        Err(error) => {
            let (status, body) = error_body(&UiError::from(error));
            if let Some(key) = idempotency_key {
                shared.sessions.remember(&token, key, status, body.clone(), Instant::now());
            }
            (status, body)
        }
    };
    json_response(status, body)
}

/// The answer of a command whose retry arrived while it ran: the first's, once given. A
/// session ended meanwhile (a log-out at the same desk) has no answer to give:
/// `NOT_LOGGED_IN`, as the retry would have got after it.
async fn first_answer(mut running: tokio::sync::watch::Receiver<Option<(StatusCode, Vec<u8>)>>) -> Response {
    match running.wait_for(Option::is_some).await {
        Ok(answer) => match answer.as_ref() {
            Some((status, body)) => json_response(*status, body.clone()),
            None => answer_error(&AppError::NotLoggedIn),
        },
        Err(_) => answer_error(&AppError::NotLoggedIn),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LogIn {
    username: String,
    password: String,
}

/// The joined desk a request came from (its name), or `None` for a browser: the clerk's
/// session, and so every audit row it writes, names the desk.
#[derive(Clone)]
struct DeskName(Option<String>);

/// A clerk logs in at a desk: a new session with its own cookie and CSRF token, naming
/// the joined desk it came from.
async fn log_in(
    State(shared): State<Arc<Shared>>,
    desk: Option<axum::Extension<DeskName>>,
    body: Bytes,
) -> Response {
    let desk = desk.and_then(|axum::Extension(DeskName(name))| name);
    let LogIn { username, password } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    let tokens = match sessions::new_tokens() {
        Ok(tokens) => tokens,
        Err(error) => return answer_error(&error),
    };
    let logged_in = shared
        .on_office(move |office| {
            let mut session = None;
            office.as_clerk(&mut session, |office| {
                office.login_at_desk(&username, &password, desk.as_deref(), wire::commands::now()).map(|_| ())
            })?;
            session.ok_or(AppError::NotLoggedIn)
        })
        .await;
    let session = match logged_in {
        Ok(session) => session,
        Err(error) => return answer_error(&error),
    };
    let info = SessionInfo::from(&session);
    let (token, csrf) = tokens.clone();
    shared.sessions.open(tokens, session, Instant::now());
    let Ok(body) = serde_json::to_vec(&info) else {
        return answer_error_ui(&UiError::internal());
    };
    let mut response = json_response(StatusCode::OK, body);
    let cookie = format!("{SESSION_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/");
    if let (Ok(cookie), Ok(csrf)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(&csrf)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
        response.headers_mut().insert(CSRF_HEADER, csrf);
    }
    response
}

/// Logs the desk's clerk out (audited) and forgets the session.
async fn log_out(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let mut response =
        clerk_command(&shared, &headers, Need::SessionOnly, |office| office.logout(wire::commands::now()))
            .await;
    if let Ok(expired) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, expired);
    }
    response
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChangePassword {
    old_password: String,
    new_password: String,
}

/// The clerk chooses their own password (the one command allowed before they have).
async fn change_password(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let ChangePassword { old_password, new_password } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    clerk_command(&shared, &headers, Need::SessionOnly, move |office| {
        app::users::change_password(office, &old_password, &new_password, wire::commands::now())?;
        Ok(SessionInfo::from(office.session()?))
    })
    .await
}

/// The header's sync badge: the stored queue with what this server's background sync
/// last saw.
async fn sync_status(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let live = shared.sync.as_ref().map(SyncLoop::snapshot).unwrap_or_default();
    let jumped = shared.clock_watch.and_then(|watch| watch.jumped());
    clerk_command(&shared, &headers, Need::Passive, move |office| {
        wire::commands::sync_status(office, &live, jumped)
    })
    .await
}

/// A clerk's 立即同步: wakes the server's background sync.
async fn sync_now(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let response = clerk_command(&shared, &headers, Need::OwnPassword, |_office| Ok(())).await;
    if response.status() == StatusCode::OK
        && let Some(sync) = &shared.sync
    {
        sync.sync_now();
    }
    response
}

/// The renderer, loaded on first use (parsing the font takes a moment: on a blocking
/// thread, outside the office's lock) and then shared.
async fn printing(shared: &Arc<Shared>) -> Result<Arc<app::printing::Printing>, AppError> {
    let shared = Arc::clone(shared);
    tokio::task::spawn_blocking(move || {
        let mut slot = shared.printing.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(printing) = slot.as_ref() {
            return Ok(Arc::clone(printing));
        }
        let printing = Arc::new(app::printing::Printing::load()?);
        *slot = Some(Arc::clone(&printing));
        Ok(printing)
    })
    .await
    .unwrap_or_else(|_| {
        Err(AppError::Io { what: "document renderer", source: std::io::Error::other("loading it panicked") })
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DocumentArgs {
    case_id: String,
    document: String,
    large_print: Option<bool>,
}

/// A document's preview, as the window's (the PDF, drawn by the page).
async fn preview_document(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    document_command(shared, headers, body, wire::commands::preview_document).await
}

/// A browser desk's 打印: the PDF for the browser's print dialog, audited as sent there.
async fn print_in_browser(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    document_command(shared, headers, body, wire::commands::print_in_browser).await
}

type DocumentWork = fn(
    &mut Office,
    &app::printing::Printing,
    String,
    String,
    Option<bool>,
) -> Result<wire::json::PreviewInfo, AppError>;

async fn document_command(
    shared: Arc<Shared>,
    headers: HeaderMap,
    body: Bytes,
    work: DocumentWork,
) -> Response {
    let DocumentArgs { case_id, document, large_print } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    let printing = match printing(&shared).await {
        Ok(printing) => printing,
        Err(error) => return answer_error(&error),
    };
    clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
        work(office, &printing, case_id, document, large_print)
    })
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ImportArgs {
    case_id: String,
    data_url: String,
    colour: String,
    evidence: String,
}

/// A file or camera picture from a browser desk (a data URL), normalised into pages on a
/// blocking thread beside the office's lock, then attached to the case as the desk's
/// clerk. The session is checked before the work.
async fn import_page(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let ImportArgs { case_id, data_url, colour, evidence } = match read_args_up_to(&body, MAX_IMPORT_BODY) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    // Refused before the CPU work if the desk could not attach anyway. (Without the
    // request's idempotency key: that key belongs to the attach, whose answer a retry
    // must get.)
    let mut check = headers.clone();
    check.remove(IDEMPOTENCY_HEADER);
    let allowed =
        clerk_command(&shared, &check, Need::OwnPassword, |office| office.session().map(|_| ())).await;
    if allowed.status() != StatusCode::OK {
        return allowed;
    }
    let announced_case = serde_json::json!({ "caseId": case_id }).to_string();
    let pages = tokio::task::spawn_blocking(move || wire::commands::intake_page(&data_url, &colour)).await;
    let pages = match pages {
        Ok(Ok(pages)) => pages,
        Ok(Err(error)) => return answer_error(&error),
        Err(_) => return answer_error_ui(&UiError::internal()),
    };
    let response = clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
        wire::commands::attach_pages(office, case_id, pages, evidence)
    })
    .await;
    announce(&shared, "import_page", &Bytes::from(announced_case), &response);
    response
}

/// A joined desk's print on its own printer of a document this server rendered for it:
/// recorded as the desk reports it (`wire::commands::record_desk_print`); a slip that
/// printed leaves 待打印确认单, which the other desks hear.
async fn record_desk_print(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let report: wire::json::DeskPrintReport = match read_args(&body) {
        Ok(report) => report,
        Err(error) => return answer_error(&error),
    };
    let response = clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
        wire::commands::record_desk_print(office, report)
    })
    .await;
    announce(&shared, "record_desk_print", &body, &response);
    response
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RateVisit {
    case_id: String,
    level: String,
    #[serde(default)]
    reason: String,
}

/// The applicant's 好差评 from the screen facing them at a joined desk, relayed by that
/// desk's shell (which takes it from the applicant's window only, as the window's own
/// `applicant_rates` does): kept as `app::ratings::rate_visit` keeps it, the clerk logged
/// in at that desk named as the one who served. A browser has no applicant's screen: a
/// session that did not log in at a joined desk is refused. The applicant's tap does not
/// keep the clerk's session alive.
async fn rate_visit(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let RateVisit { case_id, level, reason } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    let case_id = match wire::commands::parse_case_id(&case_id) {
        Ok(case_id) => case_id,
        Err(error) => return answer_error(&error),
    };
    let response = clerk_command(&shared, &headers, Need::Passive, move |office| {
        if office.session()?.desk().is_none() {
            return Err(AppError::Unrecognised(Unrecognised::NotApplicantWindow));
        }
        let rating = app::ratings::rate_visit(office, &case_id, &level, &reason, wire::commands::now())?;
        Ok(rating.level.key())
    })
    .await;
    announce(&shared, "rate_visit", &body, &response);
    response
}

/// 立即备份 at a desk (administrators): the backup the window makes onto a stick, written
/// by the server into the `backups` folder beside its office (`app::backup::
/// backup_beside_office`, audited `backup_created`), so an office the server keeps is
/// backed up without stopping it. The other desks wait while the copy is made (the office
/// is one worker); the administrator copies the folder off the server's PC.
async fn backup_at_server(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    clerk_command(&shared, &headers, Need::OwnPassword, |office| {
        let now = wire::commands::now();
        let (written, _) = app::backup::backup_beside_office(office, now)?;
        let bytes = std::fs::metadata(&written).map(|metadata| metadata.len()).unwrap_or_default();
        Ok(wire::json::BackupMadeInfo {
            path: written.display().to_string(),
            bytes,
            created_at: wire::json::local_minute(now),
        })
    })
    .await
}

/// A desk that joined, as 人员管理 lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeskLine {
    fingerprint: String,
    name: String,
    /// `YYYY-MM-DD HH:MM`, local time.
    joined_at: String,
    joined_by: String,
    /// When it was removed, if it was.
    revoked_at: Option<String>,
}

impl From<app::desks::DeskRecord> for DeskLine {
    fn from(desk: app::desks::DeskRecord) -> Self {
        DeskLine {
            fingerprint: desk.fingerprint,
            name: desk.name,
            joined_at: wire::json::local_minute(desk.joined_at),
            joined_by: desk.joined_by,
            revoked_at: desk.revoked_at.map(wire::json::local_minute),
        }
    }
}

/// The desks that joined the office (人员管理, administrators).
async fn list_desks(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    clerk_command(&shared, &headers, Need::OwnPassword, |office| {
        Ok(app::desks::list_desks(office)?.into_iter().map(DeskLine::from).collect::<Vec<_>>())
    })
    .await
}

/// The office's details and its default profile, as the window's 办理点信息 shows them
/// (any clerk may read them; they hold no personal data).
async fn office_details(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    clerk_command(&shared, &headers, Need::OwnPassword, |office| {
        let dir = office.dir().to_path_buf();
        wire::json::OfficeDetailsInfo::new(office, &dir)
    })
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetOfficeDetails {
    details: wire::json::OfficeDetailsInput,
}

/// Changes the office's details from a desk (administrators; audited
/// `office_details_set` with the old and new values), as the window's 办理点信息 does.
async fn set_office_details(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let SetOfficeDetails { details } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
        office.set_details(&details.into_details(), wire::commands::now())?;
        let dir = office.dir().to_path_buf();
        wire::json::OfficeDetailsInfo::new(office, &dir)
    })
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EffectiveDate {
    profile: String,
    effective: String,
}

/// Records the date an undated draft policy document took effect (administrators;
/// audited), as the window's 办理点信息 does.
async fn record_effective_date(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let EffectiveDate { profile, effective } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    let effective = match app::problem::parse_date(&effective) {
        Ok(date) => date,
        Err(error) => return answer_error(&error),
    };
    clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
        Ok(wire::json::ProfileInfo::from(office.record_effective_date(
            &profile,
            effective,
            wire::commands::now(),
        )?))
    })
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RevokeDesk {
    fingerprint: String,
}

/// Removes a desk (administrators; audited `desk_revoked`): its certificate is refused at
/// its next request, on connections already open too.
async fn revoke_desk(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let RevokeDesk { fingerprint } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    let removed = fingerprint.clone();
    let response = clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
        Ok(DeskLine::from(app::desks::revoke_desk(office, &fingerprint, wire::commands::now())?))
    })
    .await;
    if response.status() == StatusCode::OK {
        shared.desks.write().unwrap_or_else(PoisonError::into_inner).remove(&removed);
    }
    response
}

/// A one-time code for a new desk, given to an administrator.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JoinCodeAnswer {
    /// Eight digits.
    code: String,
    /// How many minutes it stays valid.
    minutes: u64,
    /// The office CA's fingerprint, which the joining desk shows for comparison.
    ca_fingerprint: String,
}

/// An administrator's 加入新电脑: a one-time code for one desk to join, valid for
/// `ServerConfig::join_code_for`.
async fn create_join_code(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let codes = Arc::clone(&shared);
    clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
        let session = office.session()?.clone();
        if !session.roles().contains(app::office::Roles::ADMIN) {
            return Err(AppError::RoleMissing { needed: app::office::Roles::ADMIN });
        }
        let lifetime = codes.config.join_code_for;
        let code = codes.join_codes.lock().unwrap_or_else(PoisonError::into_inner).issue(
            session,
            Instant::now(),
            lifetime,
        )?;
        Ok(JoinCodeAnswer {
            code,
            minutes: (lifetime.as_secs() / 60).max(1),
            ca_fingerprint: codes.tls.ca_fingerprint().to_owned(),
        })
    })
    .await
}

/// A new desk joins with an administrator's one-time code: no session (the desk has no
/// clerk yet), the code used once, the desk's key proven by its signature, and the
/// joining audited in the name of the administrator who gave the code (`desk_joined`).
async fn join_desk(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    use base64::Engine as _;
    let JoinRequest { code, desk_name, public_key, signature } = match read_args(&body) {
        Ok(args) => args,
        Err(error) => return answer_error(&error),
    };
    let unreadable = || answer_error(&AppError::Unrecognised(Unrecognised::Request));
    let Some(desk_name) = desk_link::protocol::desk_name(&desk_name) else {
        return unreadable();
    };
    let code = desk_link::protocol::code_digits(&code);
    let base64 = base64::engine::general_purpose::STANDARD;
    let (Ok(public_key), Ok(signature)) = (base64.decode(public_key), base64.decode(signature)) else {
        return unreadable();
    };
    if !tls::join_signature_valid(&public_key, &code, &desk_name, &signature) {
        return unreadable();
    }
    let admin =
        shared.join_codes.lock().unwrap_or_else(PoisonError::into_inner).redeem(&code, Instant::now());
    let Some(admin) = admin else {
        return answer_error(&AppError::JoinCodeInvalid);
    };
    let now = wire::commands::now();
    let (certificate, fingerprint) = match shared.tls.issue_desk_certificate(&public_key, &desk_name, now) {
        Ok(issued) => issued,
        Err(error) => {
            return answer_error(&AppError::Io {
                what: "desk certificate",
                source: std::io::Error::other(error.to_string()),
            });
        }
    };
    let (name, print) = (desk_name.clone(), fingerprint.clone());
    let audited = shared
        .on_office(move |office| {
            let mut session = Some(admin);
            office.as_clerk(&mut session, |office| app::desks::record_desk_joined(office, &name, &print, now))
        })
        .await;
    if let Err(error) = audited {
        return answer_error(&error);
    }
    shared
        .desks
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(fingerprint.clone(), desk_name.clone());
    tracing::info!(%fingerprint, "a desk joined the office");
    let joined = Joined {
        certificate,
        office_ca: shared.tls.ca_pem(),
        ca_fingerprint: shared.tls.ca_fingerprint().to_owned(),
        office_id: shared.office_id.clone(),
    };
    match serde_json::to_vec(&joined) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(_) => answer_error_ui(&UiError::internal()),
    }
}

/// Whether there is an office and who is in at this desk (the page's first question, and
/// after a reload): the cookie's session if it is alive, with its CSRF token in the
/// header (readable by this origin only: the server sends no CORS headers). Not a clerk
/// command: it neither needs the token nor counts as activity.
async fn office_status(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let alive = session_cookie(&headers).and_then(|token| shared.sessions.peek(&token, Instant::now()));
    let status = wire::json::OfficeStatus {
        exists: true,
        office_id: Some(shared.office_id.clone()),
        session: alive.as_ref().map(|(session, _)| SessionInfo::from(session)),
        idle_lock_minutes: u32::try_from(shared.config.idle_limit.as_secs() / 60).unwrap_or(u32::MAX),
    };
    let Ok(body) = serde_json::to_vec(&status) else {
        return answer_error_ui(&UiError::internal());
    };
    let mut response = json_response(StatusCode::OK, body);
    if let Some(csrf) = alive.and_then(|(_, csrf)| HeaderValue::from_str(&csrf).ok()) {
        response.headers_mut().insert(CSRF_HEADER, csrf);
    }
    response
}

/// The version, today's date and the licences, as the window's 关于 shows them; the data
/// folder is the server's.
async fn get_app_info(State(shared): State<Arc<Shared>>) -> Response {
    let info = shared
        .on_office(|office| {
            Ok(wire::json::AppInfo {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                today: app::clock::today().to_string(),
                data_dir: office.dir().display().to_string(),
                about: app::about::about()?.into(),
            })
        })
        .await;
    match info.map(|info| serde_json::to_vec(&info)) {
        Ok(Ok(body)) => json_response(StatusCode::OK, body),
        Ok(Err(_)) => answer_error_ui(&UiError::internal()),
        Err(error) => answer_error(&error),
    }
}

/// The built window's files (`ServerConfig::ui_dir`), `/` being its `index.html`; never a
/// path outside that folder.
async fn static_file(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    let Some(root) = shared.config.ui_dir.clone() else {
        return (StatusCode::NOT_FOUND, "no window is served here").into_response();
    };
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let safe =
        path.split('/').all(|part| !part.is_empty() && part != ".." && part != "." && !part.contains('\\'));
    if !safe {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let file = root.join(path);
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let content_type = match file.extension().and_then(|ext| ext.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        _ => "application/octet-stream",
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The window's own policy (src-tauri/tauri.conf.json) without Tauri's IPC origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; media-src 'self' blob: mediastream:; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The session token from the request's cookies.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The arguments of a request: a JSON object (an empty body is no arguments).
fn read_args<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, AppError> {
    read_args_up_to(body, MAX_BODY)
}

/// [`read_args`] for a command whose body may reach `limit` bytes.
fn read_args_up_to<T: for<'de> Deserialize<'de>>(body: &Bytes, limit: usize) -> Result<T, AppError> {
    if body.len() > limit {
        return Err(AppError::Unrecognised(Unrecognised::Request));
    }
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|_| AppError::Unrecognised(Unrecognised::Request))
}

/// The HTTP status a failure is answered with, by its code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::NotLoggedIn | C::IdleLocked | C::WrongPassword => StatusCode::UNAUTHORIZED,
        C::DeskRequestRefused
        | C::DeskNotJoined
        | C::DeskRevoked
        | C::JoinCodeInvalid
        | C::RoleMissing
        | C::SeparationOfDuties
        | C::PasswordChangeRequired
        | C::AccountDisabled
        | C::LockedOut => StatusCode::FORBIDDEN,
        C::NotFound => StatusCode::NOT_FOUND,
        C::CaseChanged => StatusCode::CONFLICT,
        C::Validation | C::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
        other => match other.class() {
            Class::Refused => StatusCode::BAD_REQUEST,
            Class::Fault => StatusCode::INTERNAL_SERVER_ERROR,
        },
    }
}

fn error_body(error: &UiError) -> (StatusCode, Vec<u8>) {
    let status = status_of(error.code);
    match serde_json::to_vec(error) {
        Ok(body) => (status, body),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, b"{\"code\":\"INTERNAL\"}".to_vec()),
    }
}

fn answer_error(error: &AppError) -> Response {
    answer_error_ui(&UiError::from(Problem::of(error)))
}

fn answer_error_ui(error: &UiError) -> Response {
    let (status, body) = error_body(error);
    json_response(status, body)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
