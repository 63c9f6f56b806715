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
//! answer again instead of running twice (a desk retrying after a timeout).
//!
//! Step 3 of the build order: plain HTTP, so the server listens on loopback only; TLS, the
//! office CA and joining desks come next (step 4), and until then [`serve`] refuses any
//! other address.

pub mod sessions;

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

use crate::sessions::{Admission, Sessions};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "permit_desk_session";
/// The header carrying the session's CSRF token on every request but the log-in.
pub const CSRF_HEADER: &str = "x-permit-desk-csrf";
/// The header naming one request, so a retry is answered, not run again.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// The largest request body a desk sends (an application record is a few KB).
const MAX_BODY: usize = 1 << 20;

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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            idle_limit: Duration::from_secs(10 * 60),
            sweep_every: Duration::from_secs(15),
            idempotency_for: Duration::from_secs(24 * 60 * 60),
            ui_dir: None,
            sync: None,
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
}

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
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<Office, AppError>>,
}

impl RunningServer {
    /// Where desks reach it.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://<address>` of the server.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
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

/// Serves `office` on an already bound `listener`: loopback only until TLS lands (step 4
/// of docs/office-server.md), so no personal data crosses a network in plain HTTP. The
/// office should have no clerk logged in: each desk logs its own clerk in.
pub fn serve(listener: TcpListener, office: Office, config: ServerConfig) -> Result<RunningServer, AppError> {
    let local_addr =
        listener.local_addr().map_err(|source| AppError::Io { what: "office server address", source })?;
    if !local_addr.ip().is_loopback() {
        // Refused before anything is served: the office is closed, not left open.
        let closed = office.close();
        if let Err(error) = closed {
            tracing::warn!(code = %Problem::of(&error).code, "closing the office after a refused address failed");
        }
        return Err(AppError::Io {
            what: "office server address",
            source: std::io::Error::other(
                "plain HTTP is served on loopback only until the office's TLS is set up",
            ),
        });
    }
    let office_id = office.office_id().to_owned();
    let office = Arc::new(Mutex::new(Some(office)));
    let sync = match &config.sync {
        Some(sync) => Some(
            SyncLoop::start(Arc::clone(&office), sync.clone())
                .map_err(|source| AppError::Io { what: "office server sync", source })?,
        ),
        None => None,
    };
    let shared = Arc::new(Shared {
        office,
        sessions: Sessions::new(config.clone()),
        config: config.clone(),
        sync,
        clock_watch: ClockWatch::start(),
        office_id,
    });
    let router = router(Arc::clone(&shared));
    let (shutdown, shutdown_signal) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, router, shared, config, shutdown_signal));
    tracing::info!(%local_addr, "office server listening");
    Ok(RunningServer { local_addr, shutdown: Some(shutdown), task })
}

async fn accept_loop(
    listener: TcpListener,
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
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
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

async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        router.clone().oneshot(request.map(Body::new))
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
                        clerk_command(&shared, &headers, Need::OwnPassword, move |office| {
                            wire::commands::$name(office $(, $arg)*)
                        })
                        .await
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
        .route("/api/{*command}", post(not_found));
    case_desk_routes(router).fallback(get(static_file)).with_state(shared)
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
    let outcome = shared
        .on_office(move |office| {
            let mut session = Some(admitted);
            let result = office.as_clerk(&mut session, |office| {
                if need == Need::OwnPassword {
                    office.require_own_password()?;
                }
                work(office)
            });
            Ok((session, result))
        })
        .await;
    let (session, result) = match outcome {
        Ok(pair) => pair,
        Err(error) => return answer_error(&error),
    };
    shared.sessions.put_back(&token, session);
    let (status, body) = match result {
        Ok(value) => match serde_json::to_vec(&value) {
            Ok(body) => (StatusCode::OK, body),
            Err(_) => error_body(&UiError::internal()),
        },
        Err(error) => error_body(&UiError::from(error)),
    };
    if let Some(key) = idempotency_key {
        shared.sessions.remember(&token, key, status, body.clone(), Instant::now());
    }
    json_response(status, body)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LogIn {
    username: String,
    password: String,
}

/// A clerk logs in at a desk: a new session with its own cookie and CSRF token.
async fn log_in(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
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
                office.login(&username, &password, wire::commands::now()).map(|_| ())
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
    if body.len() > MAX_BODY {
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
