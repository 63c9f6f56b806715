//! [`Office`]: the context every stored use case runs in, an unlocked office store plus
//! the clerk logged in at the counter.
//!
//! One `Office` per running program (the shell keeps it in a `Mutex` in its state).
//! Opening unlocks the store with a clerk's password; after [`Office::lock`] (idle lock)
//! or [`Office::logout`] the store stays unlocked in memory but no use case runs until a
//! clerk logs in again with [`Office::login`]. Every instant is an argument: the shell
//! passes `app::clock::now()`, tests pass fixed times.

use std::path::Path;

use chrono::{DateTime, Utc};
pub use store::{KdfParams, LockoutPolicy, Roles, Session, StoreOptions, UserId};
use store::{Store, User};

use crate::AppError;

/// An opened office store and the clerk logged in, if any.
#[derive(Debug)]
pub struct Office {
    pub(crate) store: Store,
    session: Option<Session>,
    /// The last clock comparison with the platform (kept in memory: it is only true now).
    pub(crate) clock_check: Option<crate::sync::ClockCheck>,
}

impl Office {
    /// True when `dir` holds an office (database or key slots): show the log-in screen;
    /// otherwise show first-run set-up.
    pub fn exists(dir: &Path) -> bool {
        Store::exists(dir)
    }

    /// First-run set-up: creates the encrypted office database in `dir` with its first
    /// administrator, logged in. Refuses if a store is already there.
    pub fn set_up(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        now: DateTime<Utc>,
    ) -> Result<Office, AppError> {
        Office::set_up_with_options(
            dir,
            office_id,
            admin_username,
            admin_password,
            now,
            StoreOptions::default(),
        )
    }

    /// [`Office::set_up`] with explicit store options (tests use fast key derivation).
    pub fn set_up_with_options(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        now: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<Office, AppError> {
        let (store, session) =
            Store::create_with_options(dir, office_id, admin_username, admin_password, now, options)?;
        Ok(Office { store, session: Some(session), clock_check: None })
    }

    /// Unlocks the office in `dir` with a clerk's password and logs the clerk in.
    /// Wrong password, lockout, damaged or foreign files are reported, never repaired.
    pub fn open(dir: &Path, username: &str, password: &str, now: DateTime<Utc>) -> Result<Office, AppError> {
        Office::open_with_options(dir, username, password, now, StoreOptions::default())
    }

    /// [`Office::open`] with explicit store options.
    pub fn open_with_options(
        dir: &Path,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<Office, AppError> {
        let (store, session) = Store::open_with_options(dir, username, password, now, options)?;
        Ok(Office { store, session: Some(session), clock_check: None })
    }

    /// Logs a clerk in to the unlocked store (clerk change, or unlocking after the idle
    /// lock). The previous clerk, if any, is logged out first.
    pub fn login(
        &mut self,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<&Session, AppError> {
        if let Some(previous) = self.session.take() {
            self.store.logout(&previous, now)?;
        }
        let session = self.store.login(username, password, now)?;
        Ok(self.session.insert(session))
    }

    /// Ends the clerk's session (audited). Nothing runs until the next log-in.
    pub fn logout(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        match self.session.take() {
            Some(session) => Ok(self.store.logout(&session, now)?),
            None => Ok(()),
        }
    }

    /// The idle lock: the same as [`Office::logout`] (audited as a log-out); the screen
    /// asks for a password again. The store stays unlocked in memory.
    pub fn lock(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        self.logout(now)
    }

    /// The logged-in clerk, or `NotLoggedIn`.
    pub fn session(&self) -> Result<&Session, AppError> {
        self.session.as_ref().ok_or(AppError::NotLoggedIn)
    }

    /// The office id given at set-up.
    pub fn office_id(&self) -> &str {
        self.store.office_id()
    }

    /// The directory holding the office's files.
    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    /// Checkpoints and closes the store (the session ends without a log-out row; call
    /// [`Office::logout`] first when a clerk is leaving).
    pub fn close(self) -> Result<(), AppError> {
        Ok(self.store.close()?)
    }

    /// The logged-in clerk as stored now, refusing unless the account is still active
    /// and holds at least one of `any_of`. Roles are re-read from the database, so a
    /// clerk revoked or demoted since log-in is refused at once.
    pub(crate) fn clerk_with_any_role(&self, any_of: Roles) -> Result<(Session, User), AppError> {
        let session = self.session()?.clone();
        let user = self
            .store
            .users()?
            .into_iter()
            .find(|user| user.id == session.user_id())
            .filter(|user| user.active)
            .ok_or(AppError::RoleMissing { needed: any_of })?;
        let holds_one = [Roles::ACCEPT, Roles::REVIEW, Roles::APPROVE, Roles::ADMIN]
            .into_iter()
            .any(|role| any_of.contains(role) && user.roles.contains(role));
        if !holds_one {
            return Err(AppError::RoleMissing { needed: any_of });
        }
        Ok((session, user))
    }

    /// Every clerk, and the platform's system account (省平台, which signs the 签发 step
    /// it decides), for names on history lines and opinions. Not a list of clerks: that is
    /// `store.users()`.
    pub(crate) fn users(&self) -> Result<Vec<User>, AppError> {
        let mut users = self.store.users()?;
        users.push(self.store.platform_user()?);
        Ok(users)
    }
}
