//! The office server on loopback, over the real encrypted office, driven as desks drive
//! it: plain HTTP requests with the session cookie and the CSRF token.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use server::{CSRF_HEADER, IDEMPOTENCY_HEADER, ServerConfig};
use support::{ADMIN_PASSWORD, Desk, accept, audit, client, office, record, start, three_desks};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clerks_at_three_desks_accept_review_and_approve_one_case() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    // All three are logged in at once, each at their own desk.
    let (counter, reviewer, approver) = three_desks(&server).await;

    let case_id = accept(&counter).await;

    // The reviewer's worklist shows it; the acceptor cannot review their own acceptance.
    let awaiting_review = reviewer.ok("worklist", json!({ "list": "awaiting_review" })).await;
    assert!(
        awaiting_review.as_array().unwrap().iter().any(|line| line["id"] == case_id.as_str()),
        "{awaiting_review}"
    );
    let (status, body) = counter.call("review_case", json!({ "caseId": case_id, "opinion": "自审。" })).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("ROLE_MISSING")), "{body}");
    let reviewed =
        reviewer.ok("review_case", json!({ "caseId": case_id, "opinion": "经审核，材料真实有效。" })).await;
    assert_eq!(reviewed["state"], "reviewed", "{reviewed}");
    let approved = approver.ok("approve_case", json!({ "caseId": case_id, "opinion": "同意签发。" })).await;
    assert_eq!(approved["state"], "approved", "{approved}");

    // Every desk sees the others' work.
    let page = counter.ok("get_case", json!({ "caseId": case_id })).await;
    assert_eq!(page["state"], "approved");
    let trail = reviewer.ok("case_audit", json!({ "caseId": case_id })).await;
    for (step, actor) in [("草稿 → 已受理", "a"), ("已受理 → 已审核", "b"), ("已审核 → 已审批", "c")]
    {
        let line = trail.as_array().unwrap().iter().find(|line| line["summary"] == step);
        assert_eq!(line.map(|line| line["actor"].clone()), Some(json!(actor)), "{step}: {trail}");
    }
    server.stop().await.unwrap().close().unwrap();
    // The server's stop logged every desk out, each under its own clerk.
    let logouts: Vec<String> =
        audit(dir.path()).into_iter().filter(|row| row.action == "logout").map(|row| row.actor).collect();
    for clerk in ["a", "b", "c"] {
        assert!(logouts.iter().any(|actor| actor == clerk), "{clerk} logged out: {logouts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_live_session_and_its_token_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let mut desk = Desk::of(&server);

    // No session.
    let (status, body) = desk.call("worklist_counts", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("NOT_LOGGED_IN")), "{body}");
    // A wrong password.
    let (status, body) = desk.log_in("a", "not-the-password").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("WRONG_PASSWORD")), "{body}");
    desk.first_log_in("a").await;
    desk.ok("worklist_counts", json!({})).await;

    // The session's cookie without its CSRF token, or with another: a page of another site.
    let (status, body) = desk.send("worklist_counts", &json!({}), &[]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("DESK_REQUEST_REFUSED")),
        "{body}"
    );
    let forged = "0".repeat(64);
    let (status, body) = desk.send("worklist_counts", &json!({}), &[(CSRF_HEADER, &forged)]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("DESK_REQUEST_REFUSED")),
        "{body}"
    );
    // Arguments the command does not take, and a body that is not JSON.
    let (status, body) = desk.call("get_case", json!({ "caseId": "x", "extra": 1 })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("INVALID_INPUT")),
        "{body}"
    );
    let csrf = desk.csrf.clone().unwrap();
    let (status, _) = desk.send("worklist", &json!("not an object"), &[(CSRF_HEADER, &csrf)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A command the server does not serve.
    let (status, _) = desk.call("backup_office", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // After the log-out the same cookie and token are refused.
    desk.ok("log_out", json!({})).await;
    let (status, body) = desk.call("worklist_counts", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("NOT_LOGGED_IN")), "{body}");

    server.stop().await.unwrap().close().unwrap();
}

/// A server ending sessions after `idle_limit` (with no sweep: only a request finds it) and
/// clerk `a` logged in at a desk.
async fn logged_in_with_idle_limit(idle_limit: Duration) -> (tempfile::TempDir, server::RunningServer, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let config =
        ServerConfig { idle_limit, sweep_every: Duration::from_secs(3_600), ..ServerConfig::default() };
    let server = start(dir.path(), config).await;
    let mut desk = Desk::of(&server);
    desk.first_log_in("a").await;
    (dir, server, desk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_ended_by_the_server_and_audited() {
    // The sweep is slow here: the first desk meets the limit on its next request.
    let (dir, server, desk) = logged_in_with_idle_limit(Duration::from_millis(600)).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    let (status, body) = desk.call("worklist_counts", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("IDLE_LOCKED")), "{body}");
    // Ended, not paused: the next request has no session at all.
    let (status, body) = desk.call("worklist_counts", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("NOT_LOGGED_IN")), "{body}");
    server.stop().await.unwrap().close().unwrap();
    let rows = audit(dir.path());
    let logouts = rows.iter().filter(|row| row.action == "logout" && row.actor == "a").count();
    assert_eq!(logouts, 1, "the idle end is one audited log-out");

    // With the sweep on, a desk that never comes back is logged out all the same.
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        idle_limit: Duration::from_millis(300),
        sweep_every: Duration::from_millis(100),
        ..ServerConfig::default()
    };
    let server = start(dir.path(), config).await;
    let mut desk = Desk::of(&server);
    desk.first_log_in("b").await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    let office = server.stop().await.unwrap();
    office.close().unwrap();
    let logout = audit(dir.path()).into_iter().find(|row| row.action == "logout" && row.actor == "b");
    assert!(logout.is_some(), "the sweep logged the idle clerk out");
}

/// An office served on loopback with a case accepted at one desk, the reviewer logged in
/// at another, and the review the reviewer sends.
async fn a_case_to_review() -> (tempfile::TempDir, server::RunningServer, Desk, Value) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let (mut counter, mut reviewer) = (Desk::of(&server), Desk::of(&server));
    counter.first_log_in("a").await;
    reviewer.first_log_in("b").await;
    let case_id = accept(&counter).await;
    let review = json!({ "caseId": case_id, "opinion": "经审核，材料真实有效。" });
    (dir, server, reviewer, review)
}

/// How many times the office's audit trail saw a case reviewed.
fn reviews_in(dir: &Path) -> usize {
    audit(dir)
        .into_iter()
        .filter(|row| row.action == "case_state_changed" && row.details["to"] == "reviewed")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_again_with_its_idempotency_key_is_answered_not_run_again() {
    let (dir, server, reviewer, review) = a_case_to_review().await;
    let csrf = reviewer.csrf.clone().unwrap();
    let key = "0195f3a0-0000-7000-8000-000000000001";
    let headers = [(CSRF_HEADER, csrf.as_str()), (IDEMPOTENCY_HEADER, key)];
    let first = reviewer.send("review_case", &review, &headers).await;
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    // The answer was lost on the way; the desk sends the same request again.
    let again = reviewer.send("review_case", &review, &headers).await;
    assert_eq!(again, first, "the repeat gets the first answer");
    // A new key is a new request: reviewing twice is refused by the case's rules.
    let other = [(CSRF_HEADER, csrf.as_str()), (IDEMPOTENCY_HEADER, "another")];
    let (status, body) = reviewer.send("review_case", &review, &other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    server.stop().await.unwrap().close().unwrap();
    assert_eq!(reviews_in(dir.path()), 1, "reviewed once");
}

/// A desk's retry that overtakes its first send (the answer was slow, the desk sent the
/// request again while the server still ran it) waits for the first's answer instead of
/// running the step a second time and being told the case has moved on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_that_overtake_the_first_send_get_its_answer() {
    let (dir, server, reviewer, review) = a_case_to_review().await;
    let csrf = reviewer.csrf.clone().unwrap();
    let key = "0195f3a0-0000-7000-8000-000000000002";
    let sends = (0..8).map(|_| {
        let headers = [(CSRF_HEADER, csrf.as_str()), (IDEMPOTENCY_HEADER, key)];
        let (review, reviewer) = (&review, &reviewer);
        async move { reviewer.send("review_case", review, &headers).await }
    });
    let answers = futures_util::future::join_all(sends).await;
    for answer in &answers {
        assert_eq!(answer.0, StatusCode::OK, "every send is answered as the first: {}", answer.1);
        assert_eq!(answer, &answers[0]);
    }
    server.stop().await.unwrap().close().unwrap();
    assert_eq!(reviews_in(dir.path()), 1, "reviewed once");
}

/// Two desks typing into one draft (issue 17, "Faults"): each saves from the version it
/// last loaded or saved; the second to save after the other is refused with CASE_CHANGED,
/// naming the fields the other's save left different, and the other's typing stays. After
/// reopening the draft it saves again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_desk_to_save_a_draft_the_first_changed_is_refused_and_told_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let (mut first, mut second) = (Desk::of(&server), Desk::of(&server));
    first.first_log_in("a").await;
    let (status, body) = second.log_in("a", support::OWN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let case_id = first.ok("new_case", json!({})).await;
    let mut typed = record();
    let saved =
        first.ok("save_draft", json!({ "caseId": case_id, "record": typed, "baseVersion": null })).await;
    let loaded = second.ok("get_case", json!({ "caseId": case_id })).await;
    assert_eq!(loaded["version"], saved["version"], "the second desk opens the draft as saved");

    typed["phone_number"] = json!("13900000001");
    let again = first
        .ok("save_draft", json!({ "caseId": case_id, "record": typed, "baseVersion": saved["version"] }))
        .await;
    assert_ne!(again["version"], saved["version"], "each save moves the version on");

    let mut theirs = loaded["record"].clone();
    theirs["remarks"] = json!("申请人另交租房合同复印件");
    let (status, body) = second
        .call("save_draft", json!({ "caseId": case_id, "record": theirs, "baseVersion": loaded["version"] }))
        .await;
    assert_eq!(body["code"], "CASE_CHANGED", "{status} {body}");
    assert!(body["message"].as_str().unwrap().contains("另一办理台"), "{body}");
    let fields: Vec<&str> =
        body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"phone_number"), "the other desk's change is named: {fields:?}");
    let kept = second.ok("get_case", json!({ "caseId": case_id })).await;
    assert_eq!(kept["record"]["phone_number"], "13900000001", "the first desk's typing stays");

    // Reopened, the second desk saves on top of the first's.
    theirs = kept["record"].clone();
    theirs["remarks"] = json!("申请人另交租房合同复印件");
    second
        .ok("save_draft", json!({ "caseId": case_id, "record": theirs, "baseVersion": kept["version"] }))
        .await;
    server.stop().await.unwrap().close().unwrap();
}

/// A server on a new office, its administrator logged in at one desk and clerk `a` (受理)
/// at another.
async fn admin_and_clerk() -> (tempfile::TempDir, server::RunningServer, Desk, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let (mut admin, mut clerk) = (Desk::of(&server), Desk::of(&server));
    let (status, body) = admin.log_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    clerk.first_log_in("a").await;
    (dir, server, admin, clerk)
}

/// 办理点信息 at a desk: an administrator reads and sets the office's details (audited),
/// a clerk reads them but is refused a change, and a malformed date is refused as input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sets_the_offices_details_from_a_desk() {
    let (dir, server, admin, clerk) = admin_and_clerk().await;
    let before = admin.ok("office_details", json!({})).await;
    assert!(before["details"].is_null(), "{before}");
    let details = json!({
        "county_code": "330182",
        "station": "3",
        "name": "建德市新安江街道便民服务中心",
        "address": "建德市新安江街道府前路1号",
        "phone": "0571-64700000",
    });
    let (status, body) = clerk.call("set_office_details", json!({ "details": details })).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("ROLE_MISSING")), "{body}");
    let set = admin.ok("set_office_details", json!({ "details": details })).await;
    assert_eq!(set["details"]["station"], "03", "{set}");
    assert_eq!(set["application_prefix"], "33018203");
    let seen = clerk.ok("office_details", json!({})).await;
    assert_eq!(seen["details"]["name"], "建德市新安江街道便民服务中心");
    let (status, body) =
        admin.call("record_effective_date", json!({ "profile": "330182", "effective": "not a date" })).await;
    assert!(status.is_client_error() && body["code"].is_string(), "{status} {body}");
    server.stop().await.unwrap().close().unwrap();
    let set_rows: Vec<_> =
        audit(dir.path()).into_iter().filter(|row| row.action == "office_details_set").collect();
    assert_eq!(set_rows.len(), 1);
    assert_eq!(set_rows[0].actor, "admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_backs_the_office_up_on_the_server_while_the_desks_work() {
    let (dir, server, admin, clerk) = admin_and_clerk().await;
    let case_id = accept(&clerk).await;
    let (status, body) = clerk.call("backup_at_server", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("ROLE_MISSING")), "{body}");

    let made = admin.ok("backup_at_server", json!({})).await;
    let path = std::path::PathBuf::from(made["path"].as_str().unwrap());
    assert_eq!(path.parent(), Some(dir.path().join("backups").as_path()), "{made}");
    assert_eq!(made["bytes"].as_u64(), Some(std::fs::metadata(&path).unwrap().len()));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the backups folder is the server's alone");
    }
    // A real backup: its header names the office, and the desks went on working.
    let info = app::backup::inspect(&path).unwrap();
    assert_eq!(info.created_by, "admin");
    clerk.ok("get_case", json!({ "caseId": case_id })).await;
    server.stop().await.unwrap().close().unwrap();
    let rows: Vec<_> = audit(dir.path()).into_iter().filter(|row| row.action == "backup_created").collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, "admin");
}

/// The commands the server serves are the window's, with the window's argument names
/// (Tauri's camelCase of the Rust names) in the same order.
#[test]
fn the_served_commands_are_the_windows_own() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/backend/commands.ts");
    let commands = std::fs::read_to_string(path).unwrap();
    let camel = |name: &str| {
        let mut parts = name.split('_');
        let first = parts.next().unwrap_or_default().to_owned();
        parts.fold(first, |mut out, part| {
            let mut chars = part.chars();
            out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
            out.push_str(chars.as_str());
            out
        })
    };
    for (name, args) in server::CASE_DESK_COMMANDS.iter().chain(server::PICKER_COMMANDS) {
        let wires: Vec<String> = args.iter().map(|arg| format!("\"{}\"", camel(arg))).collect();
        let entry = format!("[\"{name}\", [{}]]", wires.join(", "));
        assert!(commands.contains(&entry), "{entry} is not one of the window's commands");
    }
    assert!(server::CASE_DESK_COMMANDS.len() >= 14, "{:?}", server::CASE_DESK_COMMANDS);
}

/// The program itself: opened with the administrator's password on stdin, serving on the
/// port it prints, and on SIGTERM logging every desk out and closing the office.
#[test]
fn the_program_serves_until_told_to_stop_and_closes_the_office() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    office(dir.path()).close().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_permit-desk-server"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "--listen", "127.0.0.1:0", "--user", "admin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{ADMIN_PASSWORD}").unwrap();
    // It names the office CA and its fingerprint first, then the address.
    let mut printed = Vec::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    while !printed.last().is_some_and(|line: &String| line.contains("listening on")) {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{printed:?}");
        printed.push(line);
    }
    let url = printed.last().unwrap().trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{printed:?}");
    let ca = std::fs::read_to_string(dir.path().join("office-ca.pem")).unwrap();
    let fingerprint =
        printed.iter().find_map(|line| line.strip_prefix("SHA-256 指纹 (fingerprint): ")).unwrap();
    let der = support::pem_der(&ca);
    assert_eq!(
        fingerprint.trim(),
        server::tls::fingerprint(&der),
        "the fingerprint printed is the CA's written"
    );

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut desk = Desk::new(&url, &ca);
        desk.first_log_in("b").await;
        desk.ok("worklist_counts", json!({})).await;
    });
    let pid = i32::try_from(child.id()).unwrap();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let rows = audit(dir.path());
    // One at the set-up above, one as the program opened the office: no administrator's
    // session stays open on the server.
    let admin_out = rows.iter().filter(|row| row.action == "logout" && row.actor == "admin").count();
    assert_eq!(admin_out, 2, "the opening log-in ended at once");
    assert!(
        rows.iter().any(|row| row.action == "logout" && row.actor == "b"),
        "the desk was logged out at stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reloaded_page_finds_its_session_and_the_lock_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let mut desk = Desk::of(&server);
    let (status, before) = desk.call("office_status", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((before["exists"].clone(), before["session"].clone()), (json!(true), Value::Null), "{before}");
    desk.first_log_in("b").await;

    // A reload: the page has only its cookie; office_status names the clerk and hands the
    // page its token again.
    let token = desk.csrf.take().unwrap();
    let response = desk
        .client
        .post(format!("{}/api/office_status", desk.base))
        .header("cookie", desk.cookie.clone().unwrap())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()), Some(token.as_str()));
    let status: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(status["session"]["username"], "b", "{status}");
    desk.csrf = Some(token);
    desk.ok("worklist_counts", json!({})).await;

    // The page's lock ends the session on the server, not only on the screen.
    desk.ok("lock_screen", json!({})).await;
    let (status, body) = desk.call("worklist_counts", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("NOT_LOGGED_IN")), "{body}");
    let (_, after) = desk.call("office_status", json!({})).await;
    assert_eq!(after["session"], Value::Null);
    server.stop().await.unwrap().close().unwrap();
}

/// A GET sent as written, path and all (a URL parser would resolve `..` first).
async fn raw_get(server: &server::RunningServer, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = support::tls_connect(server, None).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: desk\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_is_served_to_browsers_and_nothing_outside_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    // The window's folder, with a file beside it that a path climbing out would reach.
    let root = tempfile::tempdir().unwrap();
    let ui = root.path().join("ui");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>居住证</title>").unwrap();
    std::fs::write(ui.join("assets/index.js"), "export {};").unwrap();
    std::fs::write(root.path().join("secret.txt"), "not for browsers").unwrap();
    let config = ServerConfig { ui_dir: Some(ui), ..ServerConfig::default() };
    let server = start(dir.path(), config).await;

    let index = client(server.ca_pem()).get(format!("{}/", server.url())).send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    let headers = index.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.starts_with("default-src 'self'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert!(index.text().await.unwrap().contains("居住证"));
    let (status, script) = raw_get(&server, "/assets/index.js").await;
    assert_eq!(status, 200, "{script}");
    assert!(script.contains("content-type: text/javascript; charset=utf-8"), "{script}");
    for outside in
        ["/../secret.txt", "/assets/../../secret.txt", "/./../secret.txt", "/assets//index.js", "/missing.js"]
    {
        let (status, answer) = raw_get(&server, outside).await;
        assert_eq!(status, 404, "{outside}: {answer}");
        assert!(!answer.contains("not for browsers"), "{outside}");
    }
    server.stop().await.unwrap().close().unwrap();
}

/// The server syncs as the window does: steps taken at its desks reach the platform, and
/// every desk's header shows the queue draining.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_taken_at_the_desks_reach_the_platform_through_the_servers_sync() {
    let platform = platform_stub::TestServer::start_with(platform_stub::StubConfig {
        permit_delay: Duration::from_millis(1),
        enrolment_codes: vec!["DESK-2026".to_owned()],
    })
    .await
    .unwrap();
    let mut sync = app::sync::SyncConfig::new(&platform.url());
    sync.device_id = Some("330182-jiande-01-server".to_owned());
    sync.enrolment_code = Some("DESK-2026".to_owned());
    sync.request_timeout = Duration::from_secs(5);
    sync.connect_timeout = Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig { sync: Some(sync), ..ServerConfig::default() }).await;
    let (counter, reviewer, approver) = three_desks(&server).await;
    let case_id = accept(&counter).await;
    reviewer.ok("review_case", json!({ "caseId": case_id, "opinion": "经审核，材料真实有效。" })).await;
    approver.ok("approve_case", json!({ "caseId": case_id, "opinion": "同意签发。" })).await;
    approver.ok("sync_now", json!({})).await;

    let mut header = Value::Null;
    for _ in 0..200 {
        header = counter.ok("sync_status", json!({})).await;
        if header["queued"] == 0 && header["last_success_at"].is_string() && header["running"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(header["queued"], 0, "the queue drained: {header}");
    assert_eq!(header["offline"], false, "{header}");
    let steps: Vec<String> = platform
        .platform()
        .records()
        .unwrap()
        .into_iter()
        .filter(|record| record.case_id.to_string() == case_id)
        .map(|record| record.kind)
        .collect();
    assert!(steps.len() >= 3, "acceptance, review and approval reached the platform: {steps:?}");
    server.stop().await.unwrap().close().unwrap();
    platform.stop().await;
}

/// The header's poll does not keep a desk's session alive, as in the window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headers_poll_does_not_keep_a_session_alive() {
    let (_dir, server, desk) = logged_in_with_idle_limit(Duration::from_millis(700)).await;
    let mut codes = Vec::new();
    for _ in 0..12 {
        let (status, body) = desk.call("sync_status", json!({})).await;
        codes.push((status.as_u16(), body["code"].as_str().unwrap_or("").to_owned()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(codes.first().map(|c| c.0), Some(200), "{codes:?}");
    assert!(codes.iter().any(|(status, code)| *status == 401 && code == "IDLE_LOCKED"), "{codes:?}");
    server.stop().await.unwrap().close().unwrap();
}

/// A browser desk types an application with the server's pickers, ID-number check and
/// live assessment (the intake form's own commands), for a logged-in clerk only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_desk_types_an_application_with_the_servers_pickers_and_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let mut desk = Desk::of(&server);
    let (status, body) = desk.call("check_id_number", json!({ "input": "341203199003071219" })).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("NOT_LOGGED_IN")), "{body}");
    desk.first_log_in("a").await;

    let id = desk.ok("check_id_number", json!({ "input": "341203199003071219" })).await;
    assert_eq!(
        (id["birth_date"].as_str(), id["gender"].as_str()),
        (Some("1990-03-07"), Some("male")),
        "{id}"
    );
    let (status, body) = desk.call("check_id_number", json!({ "input": "341203199003071218" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a wrong check digit is the form's error: {body}");
    assert_eq!(body["fields"][0]["code"], "ID_NUMBER_CHECKSUM", "{body}");

    let counties =
        desk.ok("search_divisions", json!({ "query": "建德", "level": "county", "within": null })).await;
    assert!(counties.as_array().unwrap().iter().any(|c| c["code"] == "330182"), "{counties}");
    let groups = desk.ok("search_ethnic_groups", json!({ "query": "汉" })).await;
    assert!(groups.as_array().unwrap().iter().any(|g| g["code"] == "01"), "{groups}");

    let assessed = desk
        .ok("assess_application", json!({ "record": record(), "profile": "330182", "caseId": null }))
        .await;
    assert_eq!(assessed["decision"], "accept", "{assessed}");
    assert_eq!(assessed["profile"]["county"], "330182", "{assessed}");
    server.stop().await.unwrap().close().unwrap();
}

/// A browser desk previews a document and prints it with the browser: the PDF comes
/// from the server, and the print is audited as sent to the browser (whether a page came
/// out, the browser does not say).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_desk_previews_and_prints_through_the_browser_audited_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let mut counter = Desk::of(&server);
    counter.first_log_in("a").await;
    let case_id = accept(&counter).await;
    // The application form (the receipt needs the office's details, which this test
    // office has not set).
    let args = json!({ "caseId": case_id, "document": "form", "largePrint": null });

    let preview = counter.ok("preview_document", args.clone()).await;
    assert!(preview["pdf_base64"].as_str().unwrap().starts_with("JVBER"), "a PDF");
    let printed = counter.ok("print_in_browser", args).await;
    assert!(printed["pdf_base64"].as_str().unwrap().starts_with("JVBER"), "a PDF");
    let (status, body) = counter
        .call("print_in_browser", json!({ "caseId": case_id, "document": "poster", "largePrint": null }))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("INVALID_INPUT")),
        "{body}"
    );

    let lines = counter.ok("case_audit", json!({ "caseId": case_id })).await;
    let print_lines: Vec<&Value> =
        lines.as_array().unwrap().iter().filter(|line| line["action"] == "printed").collect();
    assert_eq!(print_lines.len(), 1, "the preview is not a print: {lines}");
    assert!(print_lines[0]["summary"].as_str().unwrap().contains("已发送到浏览器打印"), "{lines}");
    server.stop().await.unwrap().close().unwrap();
}

/// A desk hears of another desk's changes without asking (server-sent events): the case's
/// id and what changed, for a logged-in desk only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_hears_of_another_desks_changes_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let stranger = client(server.ca_pem()).get(format!("{}/api/events", server.url())).send().await.unwrap();
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);

    let (counter, reviewer, _approver) = three_desks(&server).await;
    let mut stream = reviewer
        .client
        .get(format!("{}/api/events", reviewer.base))
        .header("cookie", reviewer.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let case_id = accept(&counter).await;
    let mut heard = String::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !heard.contains("\"change\":\"submit_case\"") {
        let chunk = tokio::time::timeout_at(deadline.into(), stream.chunk()).await.expect("heard within 5 s");
        heard.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    assert!(heard.contains("event: case"), "{heard}");
    assert!(heard.contains(&format!("\"caseId\":\"{case_id}\"")), "{heard}");
    assert!(heard.contains("\"change\":\"save_draft\""), "the draft's save first: {heard}");
    assert!(!heard.contains("受理"), "no personal data or opinions: {heard}");
    server.stop().await.unwrap().close().unwrap();
}

/// A browser desk attaches a proof from a file or its camera (a data URL, as the page
/// reads it), turns and deletes a page; a repeat of the import under its idempotency key
/// attaches nothing twice; an import without a session does no work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_desk_attaches_turns_and_deletes_pages() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let stranger = Desk::of(&server);
    let photo = {
        let mut png = Vec::new();
        let picture =
            image::RgbImage::from_fn(900, 1200, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 200]));
        picture.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
    };
    let (status, body) = stranger
        .call(
            "import_page",
            json!({ "caseId": "x", "dataUrl": photo, "colour": "colour", "evidence": "identity" }),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("NOT_LOGGED_IN")), "{body}");

    let mut counter = Desk::of(&server);
    counter.first_log_in("a").await;
    let case_id = counter.ok("new_case", json!({})).await.as_str().unwrap().to_owned();
    counter.ok("save_draft", json!({ "caseId": case_id, "record": record() })).await;
    let args = json!({ "caseId": case_id, "dataUrl": photo, "colour": "colour", "evidence": "employment.labour_contract" });
    let csrf = counter.csrf.clone().unwrap();
    let headers = [(server::CSRF_HEADER, csrf.as_str()), (server::IDEMPOTENCY_HEADER, "import-1")];
    let (status, first) = counter.send("import_page", &args, &headers).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = counter.send("import_page", &args, &headers).await;
    assert_eq!((status, &again), (StatusCode::OK, &first), "the repeat is answered, not run");
    let pages = first["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 1, "{first}");
    let page_id = pages[0]["id"].as_str().unwrap().to_owned();

    let turned = counter
        .ok("change_page", json!({ "caseId": case_id, "pageId": page_id, "change": { "quarter_turns": 1 } }))
        .await;
    assert_eq!(turned["pages"].as_array().unwrap().len(), 1, "{turned}");
    let gone = counter.ok("delete_page", json!({ "caseId": case_id, "pageId": page_id })).await;
    assert!(gone["pages"].as_array().unwrap().is_empty(), "{gone}");
    server.stop().await.unwrap().close().unwrap();
}

/// 人员管理 at a browser desk: an administrator adds a clerk, who logs in at another desk
/// and must choose a password; a revoked clerk cannot log in again; a clerk who is not an
/// administrator may do none of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_the_clerks_from_a_browser_desk() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let mut reviewer = Desk::of(&server);
    reviewer.first_log_in("b").await;
    let (status, body) = reviewer.call("list_clerks", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("ROLE_MISSING")), "{body}");

    let mut admin = Desk::of(&server);
    assert_eq!(admin.log_in("admin", ADMIN_PASSWORD).await.0, StatusCode::OK);
    admin
        .ok(
            "add_clerk",
            json!({ "username": "d", "displayName": "受理员丁", "roles": ["accept"], "password": support::FIRST_PASSWORD }),
        )
        .await;
    admin.ok("set_clerk_roles", json!({ "username": "d", "roles": ["accept", "review"] })).await;
    let clerks = admin.ok("list_clerks", json!({})).await;
    let added = clerks.as_array().unwrap().iter().find(|clerk| clerk["username"] == "d").unwrap();
    assert_eq!(added["roles"], json!(["accept", "review"]), "{added}");

    let mut new_desk = Desk::of(&server);
    new_desk.first_log_in("d").await;
    new_desk.ok("worklist_counts", json!({})).await;
    new_desk.ok("log_out", json!({})).await;
    // Revoking re-keys the served office: the answer says so, and the desks logged in go on.
    let rekey = admin.ok("revoke_clerk", json!({ "username": "d" })).await;
    assert_eq!((rekey["generation"].as_u64(), &rekey["problem"]), (Some(1), &json!(null)), "{rekey}");
    assert_eq!(admin.ok("rekey_owed", json!({})).await, json!(false));
    reviewer.ok("worklist_counts", json!({})).await;
    let (status, body) = Desk::of(&server).log_in("d", support::OWN_PASSWORD).await;
    assert_ne!(status, StatusCode::OK, "a revoked clerk: {body}");
    server.stop().await.unwrap().close().unwrap();
    let rows = audit(dir.path());
    assert!(
        rows.iter().any(|row| row.action == "user_created" && row.actor == "admin"),
        "audited as the administrator"
    );
}
