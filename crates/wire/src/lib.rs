//! The window's vocabulary (issue 17, step 1 of `docs/office-server.md`): the transport
//! types between the window and whoever serves it, and the error it receives.
//!
//! One definition for every transport: the Tauri shell (`src-tauri`) serves these types
//! over IPC today; the office server will serve the same ones over HTTPS, so no
//! conversion is written twice. Their TypeScript declarations are generated into
//! `ui/src/bindings.ts` by the shell's `bindings_are_up_to_date` test.

pub mod commands;
pub mod error;
pub mod json;
