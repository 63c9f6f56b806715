//! A joined desk's link to its office server (issue 17, docs/office-server.md, "Joining a
//! Tauri desk"). The Tauri window cannot show a client certificate from its web view, so
//! a joined window sends every command through its Rust shell, which holds this link.
//!
//! - **Joining** ([`probe`], then [`join`]): the desk connects to the address the clerk
//!   typed without trusting anything yet and reads the office CA the server shows in its
//!   handshake ([`Probe`], whose fingerprint the clerk compares with the one on the
//!   administrator's 加入新电脑 screen); only after that comparison does it send the
//!   one-time code, over a connection that trusts that CA alone, with a new P-256 key of
//!   its own and its signature over the code ([`protocol`]). It receives a client
//!   certificate and keeps everything in its [`DeskIdentity`] file (0600).
//! - **Afterwards** ([`DeskLink`]): every request goes over mutual TLS to the pinned CA,
//!   no redirects followed, with the session's cookie held here (never in the page) and
//!   answered to the page as status, body and CSRF token; the server's event stream is
//!   read here and handed on ([`DeskLink::follow_events`]).
//!
//! Nothing here knows the office's use cases: the page builds the requests (the same
//! generated command list as a browser desk) and reads the answers.

mod address;
mod identity;
mod link;
mod probe;
pub mod protocol;

pub use address::server_url;
pub use identity::DeskIdentity;
pub use link::{Answer, DeskLink};
pub use probe::{Probe, fingerprint, join, probe};

/// What went wrong reaching or joining the office server.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The address typed is not one a server can be reached at (`192.168.1.10`,
    /// `192.168.1.10:8443`, `https://office-pc:8443`).
    #[error("the office server's address cannot be read")]
    Address,
    /// Nothing answered at the address, or the connection broke.
    #[error("the office server cannot be reached: {0}")]
    Unreachable(String),
    /// Something answered that is not this office's server: no office CA in its
    /// handshake, a chain that does not verify, or another CA than the one pinned.
    #[error("the server is not the office server expected: {0}")]
    NotOfficeServer(String),
    /// The server answered the join with an error (its JSON body, `{code, message,
    /// fields}`, for the page to show).
    #[error("the office server refused (HTTP {status})")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's answer.
        body: Vec<u8>,
    },
    /// The desk's name is empty, too long (over 40 characters) or has control characters.
    #[error("the desk's name is not one the server accepts")]
    DeskName,
    /// The desk's identity file cannot be read or written.
    #[error("the desk's identity file: {0}")]
    Identity(String),
    /// Making the desk's key or its TLS configuration failed.
    #[error("the desk's key or TLS set-up failed: {0}")]
    Setup(String),
}
