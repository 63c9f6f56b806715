//! Clerks, their roles and log-in sessions, and the administrator's side of the store:
//! adding a clerk, roles, revoking and re-enabling, passwords and the lockout policy.
//!
//! A clerk is a row in `users` (inside the encrypted database: display name, roles,
//! active flag) plus a key slot in the sidecar (the Argon2id-wrapped data key). The key
//! slot is the password verifier: unwrapping the data key proves the password, so there
//! is no second password hash that could drift out of step with the slot.

use std::fmt;
use std::ops::BitOr;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Store;
use crate::audit::{self, AuditAction, NewAuditRow};
use crate::clerk_keys;
use crate::error::{Result, StoreError};
use crate::keyslots::{
    self, Attempt, FailureLog, KeySlot, KeySlotsFile, LockoutPolicy, Revocation, Unlocked,
};
use crate::store::read_user;
use crate::time::to_millis;
use clerk_signing::ClerkKey;

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
    /// Each role with its stable key, in display order: the one table of role names (the
    /// window, `permitctl` and logs use these keys).
    pub const KEYED: [(Roles, &'static str); 4] = [
        (Roles::ACCEPT, "accept"),
        (Roles::REVIEW, "review"),
        (Roles::APPROVE, "approve"),
        (Roles::ADMIN, "admin"),
    ];

    /// The keys of the roles held, in display order.
    pub fn keys(self) -> Vec<&'static str> {
        Roles::KEYED.iter().filter(|(role, _)| self.contains(*role)).map(|(_, key)| *key).collect()
    }

    /// The roles named by `keys`; `None` if any key is unknown.
    pub fn from_keys<S: AsRef<str>>(keys: &[S]) -> Option<Roles> {
        keys.iter().try_fold(Roles::NONE, |roles, key| {
            Roles::KEYED.iter().find(|(_, known)| *known == key.as_ref()).map(|(role, _)| roles | *role)
        })
    }

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
        let mut first = true;
        for (role, name) in Roles::KEYED {
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
    /// The password was set by an administrator and not yet changed by the clerk.
    pub(crate) password_from_admin: bool,
    /// The clerk's own signing key, unwrapped from their slot at log-in (issue 18):
    /// signs every step they take. `None` only for sessions of older schemas in tests.
    pub(crate) signer: Option<ClerkKey>,
    /// Where the clerk logged in, when the office server knows it (a joined desk's name):
    /// every audit row written in this session names it.
    pub(crate) desk: Option<String>,
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
    /// The clerk logged in with a password an administrator set (and so knows): the
    /// window asks them to choose their own.
    pub fn password_from_admin(&self) -> bool {
        self.password_from_admin
    }
    /// This session, at the desk named `desk` (the office server's joined desk): each audit
    /// row it writes says so.
    #[must_use]
    pub fn at_desk(mut self, desk: &str) -> Session {
        self.desk = Some(desk.to_owned());
        self
    }
    /// The desk the clerk logged in at, when known.
    pub fn desk(&self) -> Option<&str> {
        self.desk.as_deref()
    }
    /// The fingerprint of the key that signs this clerk's steps (what 签名密钥 shows).
    pub fn signing_key_fingerprint(&self) -> Option<String> {
        self.signer.as_ref().map(ClerkKey::fingerprint)
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

/// Why the password rule refuses a new password.
///
/// The rule, for GB/T 22239-2019 (level 3, 8.1.4.1 a: 身份鉴别信息具有复杂度要求): at
/// least [`MIN_PASSWORD_CHARS`] characters, of at least two kinds (letters, digits,
/// anything else), not one of the passwords everyone tries first, and not the user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordWeakness {
    /// Fewer than this many characters.
    TooShort {
        /// The minimum length in characters.
        min_chars: usize,
    },
    /// Letters only, digits only, or symbols only.
    OneKind,
    /// On the list of passwords tried first ([`COMMON_PASSWORDS`]).
    Common,
    /// The user name itself.
    IsUserName,
}

/// Passwords that meet the length and the two kinds but are among the first anyone tries
/// (keyboard runs, "password" and "admin" with digits, 我爱你 in digits), compared without
/// regard to case. Patterns of the weak-password lists published after the large Chinese
/// leaks; short on purpose: the two-kinds rule already refuses 12345678 and qwertyui.
pub const COMMON_PASSWORDS: &[&str] = &[
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "admin123",
    "admin1234",
    "admin888",
    "admin@123",
    "admin123456",
    "abc12345",
    "abc123456",
    "abcd1234",
    "abc@1234",
    "a1234567",
    "a12345678",
    "a123456789",
    "aa123456",
    "aa12345678",
    "12345678a",
    "123456789a",
    "qwer1234",
    "1234qwer",
    "qwe12345",
    "qwe123456",
    "qwe123!@#",
    "1qaz2wsx",
    "1q2w3e4r",
    "q1w2e3r4",
    "1q2w3e4r5t",
    "zxcv1234",
    "asd12345",
    "asdf1234",
    "123qweasd",
    "woaini1314",
    "woaini520",
    "5201314a",
    "iloveyou1",
    "huawei123",
    "test1234",
    "test12345",
    "user1234",
    "root1234",
    "111111aa",
    "aaa11111",
    "abcabc123",
];

/// Checks a new password against the rule ([`PasswordWeakness`]).
pub fn password_weakness(password: &str, username: &str) -> Option<PasswordWeakness> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(PasswordWeakness::TooShort { min_chars: MIN_PASSWORD_CHARS });
    }
    let letters = password.chars().any(char::is_alphabetic);
    let digits = password.chars().any(|c| c.is_ascii_digit());
    let others = password.chars().any(|c| !c.is_alphabetic() && !c.is_ascii_digit());
    if u8::from(letters) + u8::from(digits) + u8::from(others) < 2 {
        return Some(PasswordWeakness::OneKind);
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Some(PasswordWeakness::Common);
    }
    if !username.is_empty() && lower == username.to_lowercase() {
        return Some(PasswordWeakness::IsUserName);
    }
    None
}

/// Refuses a new password the rule refuses ([`password_weakness`]).
pub(crate) fn check_new_password(password: &str, username: &str) -> Result<()> {
    match password_weakness(password, username) {
        Some(weakness) => Err(StoreError::WeakPassword { weakness }),
        None => Ok(()),
    }
}

// ---- managing clerks: the administrator's side of the store ---------------------------

impl Store {
    /// Creates a clerk: a user row in the database and a key slot in the sidecar, so the
    /// clerk can log in offline at once. Needs the administrator role.
    pub fn add_user(&mut self, admin: &Session, new_user: &NewUser<'_>, at: DateTime<Utc>) -> Result<UserId> {
        self.require_role(admin, Roles::ADMIN)?;
        let username = normalise_username(new_user.username)?;
        if new_user.roles.is_empty() {
            return Err(StoreError::NoRoles);
        }
        check_new_password(new_user.password, new_user.username)?;
        let display_name = new_user.display_name.trim();
        if display_name.is_empty() || display_name.chars().any(char::is_control) {
            return Err(StoreError::InvalidInput {
                what: "display name",
                reason: "empty or has control characters",
            });
        }
        if read_user(&self.conn, &username)?.is_some() {
            return Err(StoreError::UserExists { username });
        }
        // The clerk's signing key, certified by the administrator's (issue 18); replaced
        // by one of the clerk's own when they choose their password.
        let (_, certificate, slot) =
            self.issued_slot(admin, &username, new_user.password, new_user.roles.contains(Roles::ADMIN), at)?;
        let audit_key = *self.audit_key;
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO users (username, display_name, roles, created_at, created_by, password_from_admin)
             VALUES (?1, ?2, ?3, ?4, ?5, 1)",
            params![username, display_name, new_user.roles.bits(), to_millis(at), admin.user_id.0],
        )?;
        let user_id = UserId(transaction.last_insert_rowid());
        clerk_keys::insert_certificate(&transaction, user_id, &certificate, at)?;
        audit::append(
            &transaction,
            &audit_key,
            admin_row(
                admin,
                AuditAction::UserCreated,
                json!({
                    "username": username,
                    "roles": new_user.roles.to_string(),
                    "key": clerk_keys::key_details(&certificate),
                }),
                at,
            ),
        )?;
        // The slot is written before the commit: if the write fails, the user row rolls
        // back; if the commit fails after it, the slot opens nothing but a disabled path
        // (log-in finds no user row and refuses).
        file.slots.retain(|existing| existing.username != username);
        file.slots.push(slot);
        file.save(&slots_path)?;
        transaction.commit()?;
        Ok(user_id)
    }

    /// Writes a new key slot for an existing, active clerk (an administrator resetting a
    /// forgotten password), replacing the old slot. No data is re-encrypted.
    pub fn add_slot(
        &mut self,
        admin: &Session,
        username: &str,
        password: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(admin, Roles::ADMIN)?;
        let username = normalise_username(username)?;
        check_new_password(password, &username)?;
        let user = match read_user(&self.conn, &username)? {
            Some(user) if user.active => user,
            Some(_) => return Err(StoreError::AccountDisabled { username }),
            None => return Err(StoreError::UnknownUser { username }),
        };
        let signer = keyslots::new_clerk_key()?;
        let certificate = clerk_keys::issue(
            admin.signer.as_ref(),
            &username,
            &signer,
            user.roles.contains(Roles::ADMIN),
            at,
        );
        // The key the forgotten password wrapped is revoked by the administrator.
        let revoker = admin.signer.as_ref();
        self.replace_slot(
            admin,
            &user,
            password,
            (&signer, &certificate, revoker),
            AuditAction::SlotAdded,
            at,
        )
    }

    /// Changes the logged-in clerk's own password after checking the old one.
    pub fn change_password(
        &mut self,
        session: &mut Session,
        old_password: &str,
        new_password: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        check_new_password(new_password, &session.username)?;
        let Attempt { outcome, .. } =
            keyslots::attempt_unlock(&self.dir, &session.username, old_password, at, FailureLog::Caller)?;
        let current = match outcome {
            Ok(Unlocked { data_key, signer }) if data_key.same_as(&self.data_key) => signer,
            Ok(_) => return Err(StoreError::KeyMismatch),
            Err((error, reason)) => {
                self.audit_login_failure(&session.username, reason, at)?;
                return Err(error);
            }
        };
        let user = read_user(&self.conn, &session.username)?
            .ok_or_else(|| StoreError::UnknownUser { username: session.username.clone() })?;
        // A new signing key under the clerk's own password, certified by their current
        // one: a key made under a password an administrator set (and so knew) is retired.
        let signer = keyslots::new_clerk_key()?;
        let administrator = clerk_keys::is_administrator_key(&self.conn, current.public_key())?;
        let certificate = clerk_keys::issue(Some(&current), &user.username, &signer, administrator, at);
        self.replace_slot(
            session,
            &user,
            new_password,
            // The previous key revokes itself: steps signed with it from now on do not
            // count (the administrator who set the previous password may have copied it).
            (&signer, &certificate, Some(&current)),
            AuditAction::PasswordChanged,
            at,
        )?;
        session.password_from_admin = false;
        session.signer = Some(signer);
        Ok(())
    }

    fn replace_slot(
        &mut self,
        actor: &Session,
        user: &User,
        password: &str,
        (signer, certificate, revoker): NewKey<'_>,
        action: AuditAction,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let username = user.username.as_str();
        let slot =
            KeySlot::new(&self.office_id, username, password, &self.data_key, signer, &self.options.kdf, at)?;
        let audit_key = *self.audit_key;
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // A reset by an administrator leaves a password they know; the clerk's own change clears it.
        transaction.execute(
            "UPDATE users SET password_from_admin = ?2 WHERE username = ?1 AND system = 0",
            params![username, action != AuditAction::PasswordChanged],
        )?;
        audit::append(
            &transaction,
            &audit_key,
            NewAuditRow {
                desk: actor.desk(),
                at,
                actor_user_id: Some(actor.user_id),
                actor: &actor.username,
                action,
                case_id: None,
                details: json!({ "username": username, "key": clerk_keys::key_details(certificate) }),
            },
        )?;
        clerk_keys::insert_certificate(&transaction, user.id, certificate, at)?;
        clerk_keys::retire_others(&transaction, (user.id, username), Some(signer.public_key()), revoker, at)?;
        file.slots.retain(|existing| existing.username != username);
        file.slots.push(slot);
        file.save(&slots_path)?;
        transaction.commit()?;
        Ok(())
    }

    /// Removes a clerk's key slot and disables the account. The data key stays the same
    /// until [`Store::rekey`] (which the window runs next; until then an old copy of the
    /// slot file still unwraps the key, and [`Store::rekey_owed`] says so); the disabled
    /// account can no longer log in. Refuses to remove the last administrator.
    pub fn revoke_slot(&mut self, admin: &Session, username: &str, at: DateTime<Utc>) -> Result<()> {
        self.require_role(admin, Roles::ADMIN)?;
        let username = normalise_username(username)?;
        let user = read_user(&self.conn, &username)?
            .ok_or_else(|| StoreError::UnknownUser { username: username.clone() })?;
        if user.roles.contains(Roles::ADMIN) && self.active_admin_count()? <= 1 {
            return Err(StoreError::LastAdmin);
        }
        let audit_key = *self.audit_key;
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "UPDATE users SET active = 0, deactivated_at = ?2 WHERE id = ?1",
            params![user.id.0, to_millis(at)],
        )?;
        audit::append(
            &transaction,
            &audit_key,
            admin_row(admin, AuditAction::SlotRevoked, json!({ "username": username }), at),
        )?;
        // Every key of the clerk ends now, signed by the administrator's key: the
        // platform stops counting steps they sign from this moment.
        clerk_keys::retire_others(&transaction, (user.id, &username), None, admin.signer.as_ref(), at)?;
        file.slots.retain(|existing| existing.username != username);
        file.revoked.push(Revocation { username: username.clone(), at });
        file.rekey_owed = true;
        file.save(&slots_path)?;
        transaction.commit()?;
        Ok(())
    }

    /// The clerks revoked in the office in `dir`, read from its key-slot file alone (no
    /// password: the names are in the file in clear). For a restore, before the office's
    /// files are set aside; the database may be damaged.
    pub fn revocations_in(dir: &Path) -> Result<Vec<Revocation>> {
        // A re-key the replaced office committed is finished first: its revocations and
        // generation are those of the new key-slot file.
        let office_lock = crate::office_lock::OfficeLock::shared(dir)?;
        crate::rekey::finish_interrupted(dir, &office_lock)?;
        Ok(KeySlotsFile::load(&Store::key_slots_path(dir))?.revoked)
    }

    /// After a restore: every clerk revoked in the office before (`revocations`, read by
    /// [`Store::revocations_in`] from the replaced files) stays revoked in the restored
    /// one. A key slot made before the revocation is removed and the account deactivated,
    /// audited as `slot_revoked` with `carried_over`; a slot made after it (the clerk was
    /// re-enabled before the backup) stays. The administrator restoring is never revoked
    /// here: they have just proved their place in both offices. Returns the clerks revoked
    /// again.
    pub fn carry_over_revocations(
        &mut self,
        admin: &Session,
        revocations: &[Revocation],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        self.require_role(admin, Roles::ADMIN)?;
        let audit_key = *self.audit_key;
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut revoked_again = Vec::new();
        for revocation in revocations {
            if !file.revoked.contains(revocation) {
                file.revoked.push(revocation.clone());
            }
            if revocation.username == admin.username {
                continue;
            }
            let before = file.slots.len();
            file.slots.retain(|slot| slot.username != revocation.username || slot.created_at > revocation.at);
            if file.slots.len() == before {
                continue;
            }
            transaction.execute(
                "UPDATE users SET active = 0, deactivated_at = ?2 WHERE username = ?1 AND system = 0",
                params![revocation.username, to_millis(at)],
            )?;
            // The keys the backup still holds for the clerk end as of the revocation, as
            // revoking them did in the replaced office (the platform may not have seen it).
            if let Some(user) = read_user(&transaction, &revocation.username)? {
                let clerk = (user.id, revocation.username.as_str());
                clerk_keys::retire_others(&transaction, clerk, None, admin.signer.as_ref(), revocation.at)?;
            }
            audit::append(
                &transaction,
                &audit_key,
                admin_row(
                    admin,
                    AuditAction::SlotRevoked,
                    json!({
                        "username": revocation.username,
                        "carried_over": "restore",
                        "revoked_at": revocation.at.to_rfc3339(),
                    }),
                    at,
                ),
            )?;
            revoked_again.push(revocation.username.clone());
            file.rekey_owed = true;
        }
        file.save(&slots_path)?;
        transaction.commit()?;
        Ok(revoked_again)
    }

    /// Re-enables a revoked clerk with a new initial password the administrator hands
    /// over (a new key slot: the old one was removed on revocation). The account keeps its
    /// roles and history. Audited as `user_reenabled`. Refuses an account that is active.
    pub fn reenable_user(
        &mut self,
        admin: &Session,
        username: &str,
        password: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(admin, Roles::ADMIN)?;
        let username = normalise_username(username)?;
        check_new_password(password, &username)?;
        let user = read_user(&self.conn, &username)?
            .ok_or_else(|| StoreError::UnknownUser { username: username.clone() })?;
        if user.active {
            return Err(StoreError::InvalidInput { what: "re-enable", reason: "the account is active" });
        }
        let (signer, certificate, slot) =
            self.issued_slot(admin, &username, password, user.roles.contains(Roles::ADMIN), at)?;
        let audit_key = *self.audit_key;
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "UPDATE users SET active = 1, deactivated_at = NULL, password_from_admin = 1 WHERE id = ?1",
            params![user.id.0],
        )?;
        audit::append(
            &transaction,
            &audit_key,
            admin_row(
                admin,
                AuditAction::UserReenabled,
                json!({
                    "username": username,
                    "roles": user.roles.to_string(),
                    "key": clerk_keys::key_details(&certificate),
                }),
                at,
            ),
        )?;
        clerk_keys::insert_certificate(&transaction, user.id, &certificate, at)?;
        clerk_keys::retire_others(&transaction, (user.id, &username), Some(signer.public_key()), None, at)?;
        file.slots.retain(|existing| existing.username != username);
        file.slots.push(slot);
        file.save(&slots_path)?;
        transaction.commit()?;
        Ok(())
    }

    /// A new signing key for `username`, certified by the administrator's key, and the
    /// key slot that wraps it with the data key under `password` (a new clerk, a re-enabled one).
    fn issued_slot(
        &self,
        admin: &Session,
        username: &str,
        password: &str,
        administrator: bool,
        at: DateTime<Utc>,
    ) -> Result<(ClerkKey, clerk_signing::KeyCertificate, KeySlot)> {
        let signer = keyslots::new_clerk_key()?;
        let certificate = clerk_keys::issue(admin.signer.as_ref(), username, &signer, administrator, at);
        let slot = KeySlot::new(
            &self.office_id,
            username,
            password,
            &self.data_key,
            &signer,
            &self.options.kdf,
            at,
        )?;
        Ok((signer, certificate, slot))
    }

    fn active_admin_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM users WHERE active = 1 AND (roles & ?1) <> 0",
            [Roles::ADMIN.bits()],
            |row| row.get(0),
        )?)
    }

    /// Replaces a clerk's roles. Needs the administrator role; refuses to demote the last
    /// administrator.
    pub fn set_roles(
        &mut self,
        admin: &Session,
        username: &str,
        roles: Roles,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(admin, Roles::ADMIN)?;
        let username = normalise_username(username)?;
        if roles.is_empty() {
            return Err(StoreError::NoRoles);
        }
        let user = read_user(&self.conn, &username)?
            .ok_or_else(|| StoreError::UnknownUser { username: username.clone() })?;
        if user.roles.contains(Roles::ADMIN)
            && !roles.contains(Roles::ADMIN)
            && self.active_admin_count()? <= 1
        {
            return Err(StoreError::LastAdmin);
        }
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute("UPDATE users SET roles = ?2 WHERE id = ?1", params![user.id.0, roles.bits()])?;
        audit::append(
            &transaction,
            &audit_key,
            admin_row(
                admin,
                AuditAction::UserRolesChanged,
                json!({ "username": username, "from": user.roles.to_string(), "to": roles.to_string() }),
                at,
            ),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Every clerk, active or not, by user name (system accounts such as the platform's
    /// are not clerks and are left out; see [`Store::platform_user`]).
    pub fn users(&self) -> Result<Vec<User>> {
        let mut statement =
            self.conn.prepare("SELECT username FROM users WHERE system = 0 ORDER BY username")?;
        let names: Vec<String> =
            statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
        names.iter().filter_map(|name| read_user(&self.conn, name).transpose()).collect()
    }

    /// The lockout policy in force (from the key-slot file).
    pub fn lockout_policy(&self) -> Result<LockoutPolicy> {
        Ok(KeySlotsFile::load(&Store::key_slots_path(&self.dir))?.lockout)
    }

    /// Changes the lockout policy. Needs the administrator role.
    pub fn set_lockout_policy(
        &mut self,
        admin: &Session,
        policy: LockoutPolicy,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(admin, Roles::ADMIN)?;
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        let previous = file.lockout;
        file.lockout = policy;
        file.save(&slots_path)?;
        self.append_audit(admin_row(admin, AuditAction::LockoutPolicyChanged, json!({
                "from": { "max_failed_attempts": previous.max_failed_attempts, "lock_minutes": previous.lock_minutes },
                "to": { "max_failed_attempts": policy.max_failed_attempts, "lock_minutes": policy.lock_minutes },
            }), at))
        .map(|_| ())
    }
}

/// A clerk's new signing key, its certificate, and the key that revokes the ones it
/// replaces (none: they are only retired).
type NewKey<'a> = (&'a ClerkKey, &'a clerk_signing::KeyCertificate, Option<&'a ClerkKey>);

/// The audit row of an administrator's change to the clerks, the log-in policy or the
/// server's unlock (no case).
pub(crate) fn admin_row(
    admin: &Session,
    action: AuditAction,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> NewAuditRow<'_> {
    NewAuditRow {
        desk: admin.desk(),
        at,
        actor_user_id: Some(admin.user_id),
        actor: &admin.username,
        action,
        case_id: None,
        details,
    }
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
