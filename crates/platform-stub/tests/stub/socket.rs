//! Faults that only a real socket shows: a connection closed without an answer.

use std::time::Duration;

use platform_stub::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn raw_get(url: &str, path: &str) -> Vec<u8> {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("the server ends the connection")
        .expect("read");
    answer
}

#[tokio::test]
async fn test_server_answers_at_once_on_loopback() {
    let server = TestServer::start().await.expect("start");
    assert!(server.url().starts_with("http://127.0.0.1:"), "bound to loopback: {}", server.url());
    let answer = raw_get(&server.url(), "/v1/time").await;
    assert!(answer.starts_with(b"HTTP/1.1 200"), "no sleep needed before the first request");
}

#[tokio::test]
async fn a_dropped_connection_carries_no_answer_at_all() {
    let server = TestServer::start().await.expect("start");
    server.faults().drop_after_commit_next(1);
    let answer = raw_get(&server.url(), "/v1/time").await;
    assert!(answer.is_empty(), "the lost-ack fault closes the socket without a byte, got {answer:?}");
    let answer = raw_get(&server.url(), "/v1/time").await;
    assert!(answer.starts_with(b"HTTP/1.1 200"), "the next request is served normally");
}

#[tokio::test]
async fn a_hang_outlasts_the_caller_and_dropping_the_server_ends_it() {
    let server = TestServer::start().await.expect("start");
    server.faults().hang_next(1, Duration::from_secs(3600));
    let url = server.url();
    let mut waiting = tokio::spawn(async move { raw_get(&url, "/v1/time").await });
    let early = tokio::time::timeout(Duration::from_millis(200), &mut waiting).await;
    assert!(early.is_err(), "the hung request gets no answer");
    drop(server);
    let answer = waiting.await.expect("task");
    assert!(answer.is_empty(), "stopping the server closes hung connections");
}
