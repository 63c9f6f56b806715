//! A Tauri desk joining the office server and working through it (`crates/desk-link`, as
//! the window's shell uses it): the CA read from the handshake and compared, the one-time
//! code, mutual TLS afterwards, the session's cookie kept by the link, the event stream,
//! and the refusals — a wrong code, another office's server, an address where nothing or
//! something else answers.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failing unwrap is the test report")]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use desk_link::{DeskIdentity, DeskLink, LinkError};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;
use support::{ADMIN_PASSWORD, Desk, FIRST_PASSWORD, OWN_PASSWORD, accept, start};

/// An administrator's one-time code.
async fn code_from(server: &server::RunningServer) -> String {
    let mut admin = Desk::of(server);
    let (status, body) = admin.log_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = admin.ok("create_join_code", json!({})).await["code"].as_str().unwrap().to_owned();
    format!("{} {}", &code[..4], &code[4..])
}

/// A command sent through the link as the page sends it (JSON body, CSRF token).
async fn call(link: &DeskLink, csrf: &mut Option<String>, command: &str, args: Value) -> (u16, Value) {
    let key = format!("key-{command}-{}", rand_suffix());
    let answer =
        link.send(command, args.to_string().into_bytes(), Some(&key), csrf.as_deref()).await.unwrap();
    if answer.csrf.is_some() {
        csrf.clone_from(&answer.csrf);
    }
    (answer.status, serde_json::from_slice(&answer.body).unwrap_or(Value::Null))
}

/// The clerk logged in through `link` with the password an administrator gave chooses
/// their own, as the window makes them.
async fn own_password(link: &DeskLink, csrf: &mut Option<String>) {
    let args = json!({"oldPassword": FIRST_PASSWORD, "newPassword": OWN_PASSWORD});
    let (status, body) = call(link, csrf, "change_password", args).await;
    assert_eq!(status, 200, "{body}");
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_joins_after_comparing_the_fingerprint_and_then_works_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;

    // The desk reads the office CA from the handshake: the fingerprint the clerk compares
    // is the one the server printed and the administrator's screen shows.
    let address = server.url().trim_start_matches("https://").to_owned();
    let probe = desk_link::probe(&address).await.unwrap();
    assert_eq!(probe.ca_fingerprint, server.ca_fingerprint());

    let code = code_from(&server).await;
    let identity = desk_link::join(&probe, &code, "  二号窗口 ").await.unwrap();
    assert_eq!(identity.desk_name, "二号窗口");
    assert_eq!(identity.ca_fingerprint, server.ca_fingerprint());

    // Kept and read back as the window does at its next start.
    let file = dir.path().join("desk.json");
    identity.save(&file).unwrap();
    let link = DeskLink::new(DeskIdentity::load(&file).unwrap().unwrap()).unwrap();

    // The clerk logs in at the joined desk; the link keeps the cookie, the page the token.
    let mut csrf = None;
    let (status, body) =
        call(&link, &mut csrf, "log_in", json!({"username": "a", "password": FIRST_PASSWORD})).await;
    assert_eq!(status, 200, "{body}");
    assert!(csrf.is_some() && link.has_session());
    own_password(&link, &mut csrf).await;
    let (status, body) = call(&link, &mut csrf, "office_status", json!({})).await;
    assert_eq!((status, body["session"]["username"].as_str()), (200, Some("a")), "{body}");

    // Another desk's change reaches this one's event stream while its clerk is logged in.
    let heard = Arc::new(Mutex::new(Vec::<String>::new()));
    let link = Arc::new(link);
    let follower = {
        let heard = heard.clone();
        tokio::spawn(DeskLink::follow_events(Arc::downgrade(&link), move |change| {
            heard.lock().unwrap().push(change);
        }))
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut other = Desk::of(&server);
    other.first_log_in("b").await;
    let mut counter = Desk::of(&server);
    let (status, _) = counter.log_in("a", OWN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let case_id = accept(&counter).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !heard.lock().unwrap().iter().any(|change| change.contains(&case_id)) {
        assert!(std::time::Instant::now() < deadline, "the change never reached the desk: {heard:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The case is read through the link, as the desk's case page does.
    let (status, body) = call(&link, &mut csrf, "get_case", json!({"caseId": case_id})).await;
    assert_eq!(status, 200, "{body}");

    // The desk prints the form the server rendered on its own printer and reports how
    // it went: recorded as the window's own print is, a failure with its code.
    let (status, preview) = call(
        &link,
        &mut csrf,
        "preview_document",
        json!({"caseId": case_id, "document": "form", "largePrint": null}),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    let template = preview["template"].as_str().unwrap().to_owned();
    let report = |outcome: &str, job: Option<&str>, error: Option<&str>| {
        json!({
            "caseId": case_id, "document": "form", "template": template, "printer": "Counter-Laser",
            "copies": 1, "outcome": outcome, "job": job, "error": error,
        })
    };
    let (status, body) =
        call(&link, &mut csrf, "record_desk_print", report("failed", None, Some("PRINTER_NOT_FOUND"))).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        call(&link, &mut csrf, "record_desk_print", report("completed", Some("Counter-Laser-7"), None)).await;
    assert_eq!((status, body["job"].as_str()), (200, Some("Counter-Laser-7")), "{body}");
    // What does not make sense is refused, not recorded.
    for nonsense in [
        report("completed", None, None),
        report("failed", None, Some("NO_SUCH_CODE")),
        report("burnt", Some("1"), None),
    ] {
        let (status, body) = call(&link, &mut csrf, "record_desk_print", nonsense).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("INVALID_INPUT")), "{body}");
    }

    // The applicant's 好差评 from the screen facing them at this desk, relayed by the
    // shell under the session of the clerk logged in here (its CSRF token read from the
    // server, not the page's); kept once, as the window's own office keeps it.
    let rating =
        |level: &str| json!({"caseId": case_id, "level": level, "reason": ""}).to_string().into_bytes();
    let answer = link.send_for_shell("rate_visit", rating("very_satisfied")).await.unwrap().unwrap();
    assert_eq!(
        (answer.status, serde_json::from_slice::<Value>(&answer.body).unwrap()),
        (200, json!("very_satisfied"))
    );
    let again = link.send_for_shell("rate_visit", rating("basic")).await.unwrap().unwrap();
    let again_body: Value = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(again_body["code"].as_str(), Some("RATING_ALREADY_GIVEN"), "{again_body}");
    // A browser has no applicant's screen: its clerk cannot give a rating.
    let mut browser_case = Desk::of(&server);
    let (status, _) = browser_case.log_in("a", OWN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let second_case = accept(&browser_case).await;
    let (status, body) = browser_case
        .call("rate_visit", json!({"caseId": second_case, "level": "satisfied", "reason": ""}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("INVALID_INPUT")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("申请人屏幕"), "{body}");
    let (status, body) = call(&link, &mut csrf, "get_case", json!({"caseId": case_id})).await;
    assert_eq!(status, 200, "{body}");

    // Logging out forgets the cookie: the next request is refused as the server's.
    let (status, _) = call(&link, &mut csrf, "log_out", json!({})).await;
    assert_eq!(status, 200);
    assert!(!link.has_session(), "the log-out's expired cookie is forgotten");
    // With nobody logged in here, the shell sends no rating at all.
    assert!(link.send_for_shell("rate_visit", rating("satisfied")).await.unwrap().is_none());
    let (status, body) = call(&link, &mut csrf, "worklist_counts", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("NOT_LOGGED_IN")), "{body}");
    follower.abort();
    server.stop().await.unwrap().close().unwrap();
    let printed: Vec<_> =
        support::audit(dir.path()).into_iter().filter(|row| row.action == "printed").collect();
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert_eq!(
        (printed[0].details["outcome"].as_str(), printed[0].details["error"].as_str()),
        (Some("failed"), Some("PRINTER_NOT_FOUND"))
    );
    assert_eq!(
        (
            printed[1].details["outcome"].as_str(),
            printed[1].details["job"].as_str(),
            printed[1].details["at_desk"].as_bool()
        ),
        (Some("completed"), Some("Counter-Laser-7"), Some(true))
    );
    assert_eq!(printed[1].actor, "a", "the desk's clerk printed it");
    let rated: Vec<_> = support::audit(dir.path()).into_iter().filter(|row| row.action == "rated").collect();
    assert_eq!(rated.len(), 1, "one rating, from the desk: {rated:?}");
    assert_eq!(rated[0].case_id.map(|id| id.to_string()), Some(case_id.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joined_desk_is_served_where_browsers_are_not_and_refused_once_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = support::browsers_at_server_pc_only(dir.path()).await;
    let code = admin.ok("create_join_code", json!({})).await["code"].as_str().unwrap().to_owned();

    // This PC is refused before it joins ...
    let (status, body) = Desk::of(&server).log_in("a", FIRST_PASSWORD).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("DESK_NOT_JOINED")), "{body}");
    // ... and served through its link after.
    let probe = desk_link::probe(&server.url()).await.unwrap();
    let link = DeskLink::new(desk_link::join(&probe, &code, "一号窗口").await.unwrap()).unwrap();
    let mut csrf = None;
    let (status, _) =
        call(&link, &mut csrf, "log_in", json!({"username": "a", "password": "not-it-at-all"})).await;
    assert_eq!(status, 401, "a wrong password at the desk");
    let (status, body) =
        call(&link, &mut csrf, "log_in", json!({"username": "a", "password": FIRST_PASSWORD})).await;
    assert_eq!(status, 200, "the joined desk is served: {body}");
    own_password(&link, &mut csrf).await;

    // 人员管理 lists the desk; an administrator removes it, and its very next request (on
    // the connection already open) is refused.
    let desks = admin.ok("list_desks", json!({})).await;
    assert_eq!(desks.as_array().map(Vec::len), Some(1), "{desks}");
    assert_eq!((desks[0]["name"].as_str(), desks[0]["revokedAt"].as_str()), (Some("一号窗口"), None));
    let fingerprint = desks[0]["fingerprint"].as_str().unwrap().to_owned();
    let (status, body) = Desk::of(&server).call("list_desks", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not for a PC that has not joined: {body}");
    admin.ok("revoke_desk", json!({ "fingerprint": fingerprint })).await;
    let (status, body) = call(&link, &mut csrf, "worklist_counts", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("DESK_REVOKED")), "{body}");
    let desks = admin.ok("list_desks", json!({})).await;
    assert!(desks[0]["revokedAt"].is_string(), "{desks}");

    // Removed stays removed when the server starts again.
    let office = server.stop().await.unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let restarted = server::serve(listener, office, ServerConfig::default()).unwrap();
    let (status, body) = call_fresh(&restarted, &link).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("DESK_REVOKED")), "{body}");
    restarted.stop().await.unwrap().close().unwrap();

    // The trail names the desk on the rows its clerk wrote there, and the removal.
    let rows = support::audit(dir.path());
    for action in ["login_failed", "login_succeeded", "password_changed"] {
        let row = rows.iter().find(|row| row.action == action && row.actor == "a").unwrap();
        assert_eq!(row.details["desk"], "一号窗口", "{action}: {:?}", row.details);
    }
    let revoked = rows.iter().find(|row| row.action == "desk_revoked").unwrap();
    assert_eq!((revoked.actor.as_str(), revoked.details["desk"].as_str()), ("admin", Some("一号窗口")));
    let browser_rows = rows.iter().filter(|row| row.actor == "admin" && !row.action.starts_with("desk_"));
    assert!(browser_rows.into_iter().all(|row| row.details.get("desk").is_none()), "a browser names no desk");
}

/// A request through `link` moved to `server` (the same office restarted elsewhere).
async fn call_fresh(server: &server::RunningServer, link: &DeskLink) -> (u16, Value) {
    let mut identity = link.identity().clone();
    identity.server_url = server.url();
    let moved = DeskLink::new(identity).unwrap();
    let answer = moved.send("office_status", b"{}".to_vec(), None, None).await.unwrap();
    (answer.status, serde_json::from_slice(&answer.body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_another_office_or_no_server_is_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), ServerConfig::default()).await;
    let probe = desk_link::probe(&server.url()).await.unwrap();

    // A wrong code: the server's own answer, for the page to show.
    let _given = code_from(&server).await;
    match desk_link::join(&probe, "0000 0000", "二号窗口").await {
        Err(LinkError::Refused { status: 403, body }) => {
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["code"], "JOIN_CODE_INVALID", "{body}");
        }
        other => panic!("a wrong code was not refused: {other:?}"),
    }

    // Another office's server at the address the desk joined: its CA is not the pinned
    // one, so nothing is sent to it (not even the log-in's password).
    let code = code_from(&server).await;
    let identity = desk_link::join(&probe, &code, "二号窗口").await.unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let other = start(other_dir.path(), ServerConfig::default()).await;
    assert_ne!(other.ca_fingerprint(), server.ca_fingerprint());
    let mut moved = identity.clone();
    moved.server_url = other.url();
    let link = DeskLink::new(moved).unwrap();
    let sent = link.send("office_status", b"{}".to_vec(), None, None).await;
    assert!(matches!(sent, Err(LinkError::NotOfficeServer(_))), "{sent:?}");

    // Nothing listening, and something that is not TLS.
    let closed = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let closed_address = closed.local_addr().unwrap().to_string();
    drop(closed);
    assert!(matches!(desk_link::probe(&closed_address).await, Err(LinkError::Unreachable(_))));
    let plain = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let plain_address = plain.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = plain.accept().await {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let probed = desk_link::probe(&plain_address).await;
    assert!(matches!(probed, Err(LinkError::NotOfficeServer(_))), "{probed:?}");
    assert!(matches!(desk_link::probe("http://127.0.0.1:1").await, Err(LinkError::Address)));
    other.stop().await.unwrap().close().unwrap();
    server.stop().await.unwrap().close().unwrap();
}
