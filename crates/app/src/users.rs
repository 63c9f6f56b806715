//! Clerk accounts: adding a clerk with roles, revoking, changing roles and passwords.
//!
//! Each clerk has a key slot (their password wraps the office's data key), so a new clerk
//! can log in offline at once and a revoked one no longer can; revoking re-keys the office
//! (`store::Store::rekey`), so the revoked clerk's old password opens nothing.
//! Administrative calls need the 管理员 role, re-read from the database by the store.

use chrono::{DateTime, Utc};
pub use store::MIN_PASSWORD_CHARS;
use store::NewUser;

use crate::AppError;
use crate::office::{Office, Roles, UserId};

/// A clerk to create.
#[derive(Debug, Clone, Copy)]
pub struct NewClerk<'a> {
    /// Log-in name (trimmed, lower-cased).
    pub username: &'a str,
    /// Name printed on the form's opinion lines.
    pub display_name: &'a str,
    /// Roles, combinable: 受理, 审核, 审批, 管理员.
    pub roles: Roles,
    /// First password, at least [`MIN_PASSWORD_CHARS`] characters.
    pub password: &'a str,
}

/// A clerk as listed for the administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clerk {
    /// Account id.
    pub user_id: UserId,
    /// Log-in name.
    pub username: String,
    /// Name shown on screen and on the form.
    pub display_name: String,
    /// Roles held.
    pub roles: Roles,
    /// False once revoked.
    pub active: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The clerk's current signing key (issue 18): its fingerprint and how far the office's
    /// certificates vouch for it. `None` for a clerk who has not logged in since the office
    /// was upgraded to signed steps, or who is revoked.
    pub signing_key: Option<store::CurrentClerkKey>,
}

/// Adds a clerk with roles and a key slot. Needs 管理员.
pub fn add_clerk(office: &mut Office, clerk: &NewClerk<'_>, now: DateTime<Utc>) -> Result<UserId, AppError> {
    let session = office.session()?.clone();
    let new_user = NewUser {
        username: clerk.username,
        display_name: clerk.display_name,
        roles: clerk.roles,
        password: clerk.password,
    };
    Ok(office.store.add_user(&session, &new_user, now)?)
}

/// What revoking a clerk did.
#[derive(Debug)]
pub struct Revoked {
    /// The re-key that followed: the office's data key replaced, so the revoked clerk's
    /// password (and any copy of the key-slot file they kept) no longer opens it.
    pub rekeyed: Result<crate::office::Rekeyed, AppError>,
}

/// Revokes a clerk: removes the key slot and disables the account, then re-keys the
/// office ([`rekey`]). Needs 管理员; refuses to revoke the last administrator. A re-key
/// that fails (a full disk: it needs room for a second copy of the database) leaves the
/// revocation done and the re-key owed ([`rekey_owed`]), said in the answer.
pub fn revoke_clerk(office: &mut Office, username: &str, now: DateTime<Utc>) -> Result<Revoked, AppError> {
    let session = office.session()?.clone();
    office.store.revoke_slot(&session, username, now)?;
    Ok(Revoked { rekeyed: rekey(office, now) })
}

/// Replaces the office's data key (needs 管理员): the database copied under a new key,
/// every remaining clerk's slot handed it sealed to their own key (no passwords needed);
/// clerks whose slots could not be handed it (not logged in since this program came) are
/// paused and named, for an administrator to re-enable with a new password. Runs after each revocation, after a restore that revoked
/// clerks again, and when the administrator asks (an owed re-key).
pub fn rekey(office: &mut Office, now: DateTime<Utc>) -> Result<crate::office::Rekeyed, AppError> {
    let session = office.session()?.clone();
    office.clerk_with_any_role(Roles::ADMIN)?;
    office.rekey_store(&session, now, 0)
}

/// Whether a revoked clerk could still open the office with an old copy of its files (a
/// revocation since the last re-key). Needs 管理员.
pub fn rekey_owed(office: &Office) -> Result<bool, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    Ok(office.store.rekey_owed()?)
}

/// Re-enables a revoked clerk with a new initial password (a new key slot); the account
/// keeps its roles and history. Needs 管理员; audited.
pub fn reenable_clerk(
    office: &mut Office,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let session = office.session()?.clone();
    Ok(office.store.reenable_user(&session, username, password, now)?)
}

/// Replaces a clerk's roles. Needs 管理员.
pub fn set_roles(
    office: &mut Office,
    username: &str,
    roles: Roles,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let session = office.session()?.clone();
    Ok(office.store.set_roles(&session, username, roles, now)?)
}

/// Sets a new password for a clerk who forgot theirs. Needs 管理员.
pub fn reset_password(
    office: &mut Office,
    username: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let session = office.session()?.clone();
    Ok(office.store.add_slot(&session, username, new_password, now)?)
}

/// Changes the logged-in clerk's own password after checking the old one.
pub fn change_password(
    office: &mut Office,
    old_password: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut session = office.session()?.clone();
    office.store.change_password(&mut session, old_password, new_password, now)?;
    office.replace_session(session);
    Ok(())
}

/// Every clerk, active or not. Needs 管理员.
pub fn list_clerks(office: &Office) -> Result<Vec<Clerk>, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    let keys = office.store.current_clerk_keys()?;
    Ok(office
        .store
        .users()?
        .into_iter()
        .map(|user| Clerk {
            signing_key: keys.iter().find(|key| key.user_id == user.id).cloned(),
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            roles: user.roles,
            active: user.active,
            created_at: user.created_at,
        })
        .collect())
}
