//! A stand-in for the provincial platform: a faithful peer for the counter's sync client,
//! not a mock.
//!
//! It implements contract v1 ([`platform_api`]) over real HTTP with its own SQLite
//! database: idempotent push (a repeat is `duplicate`, another record under a known id is
//! `conflict`), per-case ordering, idempotent blob upload, Ed25519 request signatures with
//! unknown devices refused (401 `DEVICE_UNKNOWN`), device enrolment by one-time code, a
//! decision feed with cursors, permit numbers issued a configurable delay after a case is
//! approved, and a fake SMS written to its log for each permit.
//!
//! For tests it injects faults ([`Faults`]): fail the next N requests with 503, hang
//! longer than the client's timeout, close the connection after committing but before
//! answering (the lost acknowledgement), answer slowly, reject records by case or kind,
//! refuse whole batches that carry a poisoned case's record, and shift its clock. The
//! same switches are reachable over HTTP at `POST /admin/faults`
//! for the binary (`platform-stub --listen 127.0.0.1:8787 --db stub.sqlite3`).
//!
//! Air-gapped transfer: [`Platform::answer_bundle`] reads a counter's export bundle,
//! ingests it like a push and writes the answer bundle (`platform-stub --db DB
//! bundle-answer IN OUT`; `platform-stub --db DB bundle-key` prints the key counters need).
//!
//! # In a test
//!
//! ```no_run
//! # async fn example() -> Result<(), platform_stub::StubError> {
//! use platform_stub::TestServer;
//!
//! let server = TestServer::start().await?; // bound to 127.0.0.1:0 before it returns
//! server.platform().register_device("counter-1", [7; 32])?;
//! server.faults().drop_after_commit_next(1); // the next push commits, then loses its answer
//! // ... drain an outbox to server.url(), then inspect server.platform().records()
//! # Ok(())
//! # }
//! ```
//!
//! # Admin routes (unsigned, never faulted; the stand-in is for loopback use)
//!
//! | route | body | effect |
//! |---|---|---|
//! | `POST /admin/faults` | [`FaultRequest`] | flip fault switches |
//! | `GET /admin/stats` | | [`Stats`] |
//! | `GET /admin/records` | | every [`StoredRecord`] (no payloads) |
//! | `POST /admin/devices` | `{device_id, public_key}` | register a pre-shared key |
//! | `POST /admin/enrolment-codes` | `{code}` | add a one-time enrolment code |
//! | `POST /admin/decisions` | `{case_id, kind}` | add a decision (e.g. `rejected`) |
//! | `POST /admin/references` | `{name, version}` | announce reference data |

mod bundles;
mod clerk_steps;
mod clock;
mod error;
mod faults;
mod platform;
mod server;
mod test_server;

pub use bundles::BundleAnswer;
pub use clock::Clock;
pub use error::{Result, StubError};
pub use faults::{FaultRequest, Faults, HangRequest, RejectRule};
pub use platform::{AnchorCheck, Platform, Stats, StoredRecord, StubConfig};
pub use server::{RunningServer, router, spawn};
pub use test_server::TestServer;
