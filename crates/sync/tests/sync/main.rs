//! Integration tests of the sync client against the stand-in platform over real loopback
//! HTTP, with outboxes kept in real SQLite files.

mod answers;
mod blobs;
mod client;
mod drain;
mod kill;
mod line;
mod outbox_file;
mod support;
mod township;
