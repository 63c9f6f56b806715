//! Clerks, their roles and log-in sessions.
//!
//! A clerk is a row in `users` (inside the encrypted database: display name, roles,
//! active flag) plus a key slot in the sidecar (the Argon2id-wrapped data key). The key
//! slot is the password verifier: unwrapping the data key proves the password, so there
//! is no second password hash that could drift out of step with the slot.

use std::fmt;
use std::ops::BitOr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// Minimum password length in characters (GB/T 22239 asks for complexity; length is the
/// part a counter PC can check without annoying rules).
pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_USERNAME_CHARS: usize = 64;

/// Row id of a clerk in `users`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

/// A combinable set of roles. Stored as the bits of `users.roles`; the bit values are a
/// stored format: do not change them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Roles(u8);

impl Roles {
    /// No role at all.
    pub const NONE: Roles = Roles(0);
    /// 受理: accepts cases at the counter.
    pub const ACCEPT: Roles = Roles(1);
    /// 审核: reviews accepted cases.
    pub const REVIEW: Roles = Roles(2);
    /// 审批: approves reviewed cases.
    pub const APPROVE: Roles = Roles(4);
    /// 管理员: manages clerks, key slots and the lockout policy.
    pub const ADMIN: Roles = Roles(8);
    const ALL_BITS: u8 = 15;

    /// Builds a set from stored bits; `None` if an unknown bit is set.
    pub fn from_bits(bits: u8) -> Option<Roles> {
        (bits & !Self::ALL_BITS == 0).then_some(Roles(bits))
    }

    /// The stored bits.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True when every role of `other` is in `self`.
    pub fn contains(self, other: Roles) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when no role is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// `self` without the roles of `other`.
    pub fn without(self, other: Roles) -> Roles {
        Roles(self.0 & !other.0)
    }
}

impl BitOr for Roles {
    type Output = Roles;
    fn bitor(self, other: Roles) -> Roles {
        Roles(self.0 | other.0)
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Roles::ACCEPT, "accept"),
            (Roles::REVIEW, "review"),
            (Roles::APPROVE, "approve"),
            (Roles::ADMIN, "admin"),
        ];
        let mut first = true;
        for (role, name) in names {
            if self.contains(role) {
                if !first {
                    formatter.write_str("+")?;
                }
                formatter.write_str(name)?;
                first = false;
            }
        }
        if first {
            formatter.write_str("none")?;
        }
        Ok(())
    }
}

/// A clerk as stored in the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Log-in name, normalised (trimmed, lower case).
    pub username: String,
    /// Name shown on screen and on the form's opinion fields.
    pub display_name: String,
    /// Roles held.
    pub roles: Roles,
    /// False once the account has been revoked.
    pub active: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// Proof that a clerk logged in to this store. Only [`crate::Store`] creates one; every
/// change to a case takes it, so the audit trail always names a real, unlocked account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub(crate) user_id: UserId,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) roles: Roles,
    pub(crate) logged_in_at: DateTime<Utc>,
}

impl Session {
    /// The logged-in clerk's row id.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    /// The logged-in clerk's user name.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The logged-in clerk's display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// Roles at log-in time. Administrative operations re-read them from the database.
    pub fn roles(&self) -> Roles {
        self.roles
    }
    /// When the clerk logged in.
    pub fn logged_in_at(&self) -> DateTime<Utc> {
        self.logged_in_at
    }
}

/// A clerk to create with [`crate::Store::add_user`].
#[derive(Clone, Copy, Debug)]
pub struct NewUser<'a> {
    /// Log-in name; trimmed and lower-cased before it is stored.
    pub username: &'a str,
    /// Name shown on screen.
    pub display_name: &'a str,
    /// Roles to grant.
    pub roles: Roles,
    /// First password; wraps the clerk's key slot.
    pub password: &'a str,
}

/// Trims and lower-cases a user name and refuses empty, long or control-character names.
pub fn normalise_username(username: &str) -> Result<String> {
    let normalised = username.trim().to_lowercase();
    if normalised.is_empty() {
        return Err(StoreError::InvalidInput { what: "user name", reason: "empty" });
    }
    if normalised.chars().count() > MAX_USERNAME_CHARS {
        return Err(StoreError::InvalidInput { what: "user name", reason: "longer than 64 characters" });
    }
    if normalised.chars().any(|c| c.is_control()) {
        return Err(StoreError::InvalidInput { what: "user name", reason: "contains control characters" });
    }
    Ok(normalised)
}

/// Refuses passwords shorter than [`MIN_PASSWORD_CHARS`].
pub(crate) fn check_new_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StoreError::WeakPassword { min_chars: MIN_PASSWORD_CHARS });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn roles_combine_and_print() {
        let roles = Roles::ACCEPT | Roles::REVIEW;
        assert!(roles.contains(Roles::ACCEPT));
        assert!(!roles.contains(Roles::APPROVE));
        assert_eq!(roles.to_string(), "accept+review");
        assert_eq!(Roles::NONE.to_string(), "none");
        assert_eq!(Roles::from_bits(16), None, "unknown bits are refused");
        assert_eq!((Roles::ADMIN | Roles::ACCEPT).without(Roles::ADMIN), Roles::ACCEPT);
    }

    #[test]
    fn usernames_are_normalised() {
        assert_eq!(normalise_username("  Zhang.San ").unwrap(), "zhang.san");
        assert_eq!(normalise_username("王芳").unwrap(), "王芳");
        assert!(normalise_username("   ").is_err());
        assert!(normalise_username("a\u{7}b").is_err());
    }
}
