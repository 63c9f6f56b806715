//! The outbox client of permit-desk: it moves what the counter queued to the provincial
//! platform, exactly once, and brings the platform's decisions back.
//!
//! The pieces, each usable alone:
//! - [`PlatformClient`]: signed HTTP requests of contract v1 ([`platform_api`]) over
//!   rustls; plain HTTP only to loopback.
//! - [`Outbox`]: the boundary to the local store the client drains (the app's SQLite store
//!   implements it), with [`OutgoingRecord`]s converted explicitly to wire records.
//! - [`Drainer`]: drains an outbox in order per case, in adaptive batches, with backoff
//!   and jitter, quarantining what the platform refuses ([`DrainReport`]).
//! - [`verdict`]: what the platform's answer means for each record, for the drain and
//!   for the air-gapped import of an answer bundle alike.
//! - [`pull_decisions`]: the decision feed, with a cursor the caller persists.
//! - [`ConnectivityMonitor`]: online/offline by a cheap probe with backoff, and the clock
//!   skew check.
//!
//! # How the app drains (sketch)
//!
//! ```no_run
//! # async fn example<O: sync::Outbox>(outbox: &mut O, secret: [u8; 32]) -> Result<(), sync::SyncError> {
//! use sync::{ClientConfig, ConnectivityMonitor, ConnectivityOptions, DeviceIdentity, DrainOptions, Drainer, Jitter};
//!
//! let identity = DeviceIdentity::from_secret("zj-330182-counter-03", &secret)?;
//! let client = sync::PlatformClient::new(&ClientConfig::new("https://platform.example.cn"), identity)?;
//! let mut monitor = ConnectivityMonitor::new(ConnectivityOptions::default(), Jitter::from_entropy());
//! let mut drainer = Drainer::new(client.clone(), DrainOptions::default(), Jitter::from_entropy());
//! loop {
//!     if monitor.probe(&client).await.is_online() {
//!         let report = drainer.drain(outbox, |done, total| { let _ = (done, total); }).await?;
//!         if let Some(error) = &report.stopped_by {
//!             // Show it in the sync status; records stay queued.
//!             let _ = error;
//!         }
//!     }
//!     tokio::time::sleep(monitor.next_probe_in()).await;
//! }
//! # }
//! ```
//!
//! Architecture invariants: the client keeps no record in memory across drains (the outbox
//! is the truth, so a crash loses nothing); it never deletes a record; it never logs a
//! payload (record ids and counts only).

mod backoff;
mod client;
mod connectivity;
pub mod crash;
mod decisions;
mod drain;
mod error;
mod identity;
mod outbox;
mod verdict;

pub use backoff::{BackoffPolicy, Jitter, backoff};
pub use client::{ClientConfig, PlatformClient, check_platform_url};
pub use connectivity::{Connectivity, ConnectivityMonitor, ConnectivityOptions, clock_skew_millis};
pub use decisions::{PullReport, pull_decisions};
pub use drain::{BlobPacer, DrainOptions, DrainReport, Drainer, FIRST_UPLOAD_BYTES};
pub use error::SyncError;
pub use identity::DeviceIdentity;
pub use outbox::{ClerkKeys, Outbox, OutgoingKind, OutgoingRecord, QuarantineReason};
pub use verdict::{Verdict, page_missing_locally, verdict};
