//! The one-time codes with which a new desk joins the office server (docs/office-server.md,
//! "Joining a Tauri desk"): eight digits, shown to an administrator, valid for a few
//! minutes and for one desk. Kept in the server's memory only: a restart voids them.
//!
//! Guessing is bounded: after [`WRONG_CODES_ALLOWED`] wrong codes every outstanding code
//! is void, so a guesser gets five tries in 10⁸ per code an administrator gives out.

use std::time::{Duration, Instant};

use app::AppError;
use app::office::Session;

/// Wrong codes tried before every outstanding code is voided.
pub const WRONG_CODES_ALLOWED: u32 = 5;

/// The codes given out and not yet used or expired.
#[derive(Default)]
pub struct JoinCodes {
    codes: Vec<Outstanding>,
    wrong: u32,
}

struct Outstanding {
    code: String,
    expires: Instant,
    /// The administrator who gave it: the desk's joining is audited in their name.
    admin: Session,
}

impl JoinCodes {
    /// A new code, valid for `lifetime` from `now`, given out by `admin`.
    pub fn issue(&mut self, admin: Session, now: Instant, lifetime: Duration) -> Result<String, AppError> {
        self.codes.retain(|code| code.expires > now);
        let code = loop {
            let mut bytes = [0_u8; 4];
            getrandom::fill(&mut bytes).map_err(|error| AppError::Io {
                what: "join code",
                source: std::io::Error::other(error.to_string()),
            })?;
            let value = u32::from_le_bytes(bytes);
            // Below the largest multiple of 10⁸ that fits, so every code is as likely.
            if value >= 4_200_000_000 {
                continue;
            }
            let code = format!("{:08}", value % 100_000_000);
            if !self.codes.iter().any(|outstanding| outstanding.code == code) {
                break code;
            }
        };
        self.codes.push(Outstanding { code: code.clone(), expires: now + lifetime, admin });
        Ok(code)
    }

    /// Uses `code` (digits only; spaces and dashes as typed are the caller's to remove):
    /// the administrator who gave it, once. A wrong code counts towards the limit.
    pub fn redeem(&mut self, code: &str, now: Instant) -> Option<Session> {
        self.codes.retain(|outstanding| outstanding.expires > now);
        if let Some(index) = self.codes.iter().position(|outstanding| outstanding.code == code) {
            return Some(self.codes.swap_remove(index).admin);
        }
        self.wrong += 1;
        if self.wrong >= WRONG_CODES_ALLOWED {
            tracing::warn!(
                wrong = self.wrong,
                "too many wrong codes to join a desk: every outstanding code is void"
            );
            self.codes.clear();
            self.wrong = 0;
        }
        None
    }
}
