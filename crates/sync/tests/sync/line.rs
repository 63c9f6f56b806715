//! A township line on loopback: a TCP proxy between the drain and the stand-in that gives
//! every byte the line's bandwidth (one token bucket per direction, shared by all
//! connections, as one DSL line is) and a one-way delay, and can cut the connection that
//! carries the `n`-th uploaded byte, as a line that drops does.
//!
//! Why a proxy and not `tc netem` in a network namespace: this machine's kernel (and the
//! CI's, a Firecracker guest) has no `sch_netem` and no module loader; `tbf` shapes rate
//! but cannot delay or cut. A proxy in the test's own process can, and it measures the
//! bytes that crossed the line, which is what the test asserts. Packet loss is not
//! modelled: under TCP it shows as a lower throughput, which the rate stands for.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The line's shape.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Bandwidth in each direction, bits per second.
    pub bits_per_second: u64,
    /// One-way delay (the round trip is twice this).
    pub delay: Duration,
    /// Cut the connection carrying the upload's byte number `n` (counted over the whole
    /// line, from 1), once.
    pub cut_at_upload_byte: Option<u64>,
}

/// One direction's bottleneck: the time the line is next free.
struct Bucket {
    next_free: Mutex<Instant>,
    bits_per_second: u64,
}

impl Bucket {
    /// Waits until `bytes` have been serialised onto the line.
    async fn pass(&self, bytes: usize) {
        let until = {
            let mut next_free = self.next_free.lock().await;
            let start = (*next_free).max(Instant::now());
            let seconds = bytes as f64 * 8.0 / self.bits_per_second as f64;
            *next_free = start + Duration::from_secs_f64(seconds);
            *next_free
        };
        tokio::time::sleep_until(until).await;
    }
}

/// What crossed the line.
#[derive(Default)]
pub struct Counters {
    /// Bytes the counter sent towards the platform.
    pub up: AtomicU64,
    /// Bytes the platform sent back.
    pub down: AtomicU64,
    /// Connections cut.
    pub cuts: AtomicU64,
    /// Connections opened.
    pub connections: AtomicU64,
}

/// A running line: the address to use instead of the platform's, and its counters.
pub struct Line {
    pub url: String,
    pub counters: Arc<Counters>,
}

impl Line {
    /// Starts a line from a loopback port to `upstream` (`host:port`).
    pub async fn start(upstream: String, shape: Shape) -> Line {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the line");
        let address = listener.local_addr().expect("address");
        let counters = Arc::new(Counters::default());
        let up = Arc::new(Bucket {
            next_free: Mutex::new(Instant::now()),
            bits_per_second: shape.bits_per_second,
        });
        let down = Arc::new(Bucket {
            next_free: Mutex::new(Instant::now()),
            bits_per_second: shape.bits_per_second,
        });
        let cut_done = Arc::new(AtomicBool::new(false));
        let shared = counters.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let Ok(server) = TcpStream::connect(&upstream).await else { continue };
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (counters, up, down, cut_done) =
                    (shared.clone(), up.clone(), down.clone(), cut_done.clone());
                tokio::spawn(async move {
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    let cut = shape.cut_at_upload_byte.map(|at| (at, cut_done));
                    let upload = pump(
                        client_read,
                        server_write,
                        up,
                        shape.delay,
                        counters.clone(),
                        Direction::Up,
                        cut,
                    );
                    let download = pump(
                        server_read,
                        client_write,
                        down,
                        shape.delay,
                        counters.clone(),
                        Direction::Down,
                        None,
                    );
                    // Either direction ending (closed, or cut) ends the connection: both
                    // sockets are dropped, which the other side sees as a reset or an EOF.
                    tokio::select! {
                        _ = upload => {}
                        _ = download => {}
                    }
                });
            }
        });
        Line { url: format!("http://{address}"), counters }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// Carries one direction of one connection: read, wait for the line, deliver after the
/// delay. Returns when the source closes, the destination fails, or the cut lands.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bucket: Arc<Bucket>,
    delay: Duration,
    counters: Arc<Counters>,
    direction: Direction,
    cut: Option<(u64, Arc<AtomicBool>)>,
) {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(256);
    let reading = async move {
        let mut buffer = vec![0_u8; 16 * 1024];
        loop {
            let Ok(read) = from.read(&mut buffer).await else { return };
            if read == 0 {
                return;
            }
            let mut chunk = buffer[..read].to_vec();
            let counter = match direction {
                Direction::Up => &counters.up,
                Direction::Down => &counters.down,
            };
            let before = counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            let mut cutting = false;
            if let Some((at, done)) = &cut
                && before < *at
                && before + chunk.len() as u64 >= *at
                && !done.swap(true, Ordering::SeqCst)
            {
                // Deliver up to the cut byte, then the line drops.
                chunk.truncate(usize::try_from(*at - before).unwrap_or(chunk.len()));
                counter.fetch_sub(read as u64 - chunk.len() as u64, Ordering::SeqCst);
                counters.cuts.fetch_add(1, Ordering::SeqCst);
                cutting = true;
            }
            bucket.pass(chunk.len()).await;
            if sender.send((Instant::now() + delay, chunk)).await.is_err() || cutting {
                return;
            }
        }
    };
    let writing = async move {
        while let Some((due, chunk)) = receiver.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reading, writing);
}
