//! Transport types of a desk joined to an office server (docs/office-server.md, "Joining a
//! Tauri desk"): what the window is, the server found at an address before it is trusted,
//! and a request's answer handed to the page as a browser's fetch would read it.

use serde::Serialize;
use ts_rs::TS;

/// The office server this PC joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct JoinedDeskInfo {
    /// `https://host:port`.
    pub server_url: String,
    /// The name the desk gave itself (e.g. 二号窗口).
    pub desk_name: String,
    /// The office it belongs to.
    pub office_id: String,
    /// The office CA's fingerprint the desk pinned.
    pub ca_fingerprint: String,
}

/// What this window is: the office's own (standalone, the store on this PC) or a desk of
/// an office server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeskModeInfo {
    /// The server this PC joined; `None`: standalone (or not set up yet).
    pub joined: Option<JoinedDeskInfo>,
    /// This PC joined once but its file from joining is damaged: it must join again.
    pub damaged: bool,
}

/// The office server found at an address, not yet trusted: the clerk compares the
/// fingerprint with the administrator's 加入新电脑 screen before sending the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerProbeInfo {
    /// `https://host:port` as the address typed was read.
    pub server_url: String,
    /// The office CA's SHA-256 fingerprint (`AB:CD:…`).
    pub ca_fingerprint: String,
}

/// The office server's answer to one of a joined desk's requests: its status, its body
/// (JSON text) and the session's CSRF token when it sent one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeskAnswerInfo {
    /// The HTTP status.
    pub status: u16,
    /// The body as the server wrote it.
    pub body: String,
    /// The session's CSRF token, when the server sent one.
    pub csrf: Option<String>,
}
