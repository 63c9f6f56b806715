//! The joining protocol as both ends speak it: what a desk sends to `POST /api/join_desk`
//! and what it receives. The office server (`crates/server`) reads and answers these very
//! types, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

/// The desk's request to join, with an administrator's one-time code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JoinRequest {
    /// The one-time code as the clerk typed it (spaces and dashes allowed).
    pub code: String,
    /// The name the desk gives itself (e.g. 二号窗口), which its certificate carries.
    pub desk_name: String,
    /// The desk's new P-256 public key, uncompressed, base64.
    pub public_key: String,
    /// Its ASN.1 ECDSA (SHA-256) signature over [`join_message`] of the code's digits and
    /// the desk's name, base64.
    pub signature: String,
}

/// What a desk that joined receives.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Joined {
    /// The desk's client certificate (PEM), signed by the office CA.
    pub certificate: String,
    /// The office CA (PEM), which the desk pins from now on.
    pub office_ca: String,
    /// The CA's fingerprint, for the clerk to compare with the server's screen.
    pub ca_fingerprint: String,
    /// The office the desk now belongs to.
    pub office_id: String,
}

/// What a joining desk signs: the code's digits and its name, so a code seen on the wire
/// cannot be reused for another key or name.
pub fn join_message(code: &str, desk_name: &str) -> Vec<u8> {
    format!("permit-desk join\n{code}\n{desk_name}").into_bytes()
}

/// A code as a clerk may type it (`1234 5678`, `1234-5678`) with only its digits.
pub fn code_digits(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

/// The longest name a desk may give itself.
pub const DESK_NAME_MAX_CHARS: usize = 40;

/// A desk's name as the server accepts it: trimmed, 1 to [`DESK_NAME_MAX_CHARS`]
/// characters, no control characters.
pub fn desk_name(name: &str) -> Option<String> {
    let name = name.trim();
    let fits = !name.is_empty() && name.chars().count() <= DESK_NAME_MAX_CHARS;
    (fits && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn a_code_keeps_its_digits_only() {
        assert_eq!(code_digits("1234 5678"), "12345678");
        assert_eq!(code_digits(" 1234-5678\n"), "12345678");
    }

    #[test]
    fn desk_names_are_trimmed_and_bounded() {
        assert_eq!(desk_name("  二号窗口 ").as_deref(), Some("二号窗口"));
        assert_eq!(desk_name("   "), None);
        assert_eq!(desk_name("a\u{7}b"), None);
        assert_eq!(desk_name(&"窗".repeat(DESK_NAME_MAX_CHARS)).map(|name| name.chars().count()), Some(40));
        assert_eq!(desk_name(&"窗".repeat(DESK_NAME_MAX_CHARS + 1)), None);
    }

    #[test]
    fn the_signed_message_names_code_and_desk() {
        assert_eq!(join_message("12345678", "二号窗口"), "permit-desk join\n12345678\n二号窗口".as_bytes());
        assert_ne!(join_message("12345678", "一号窗口"), join_message("12345678", "二号窗口"));
    }
}
