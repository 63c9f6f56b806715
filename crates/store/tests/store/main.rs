//! Integration tests of the store on real SQLCipher files in temporary directories.
//!
//! One binary, one module per area (STYLE.md §4.2). Every test uses its own directory,
//! removed with the database, its `-wal` and `-shm` when the test ends.

// The workspace warns on unwrap() because library code must return errors; in tests a
// panic carrying the error is exactly the report wanted.
#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

mod audit_chain;
mod backup;
mod cases;
mod clerk_keys;
mod common;
mod crash;
mod crash_migration;
mod keying;
mod ledger;
mod lifecycle;
mod migrations;
mod office_details;
mod office_lock;
mod pages;
mod plaintext;
mod rekey;
mod state_seal;
mod sync;
mod users;
mod worklists;
