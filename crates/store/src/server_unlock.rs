//! The office server's own key slot (issue 17, docs/office-server.md "Running as a
//! service"): a wrap of the data key under a random secret kept in a file only the
//! service reads (`/etc/permit-desk-server/unlock`, root's, 0600), so that the server
//! starts after a power cut without an administrator typing a password.
//!
//! What it trusts: whoever can read the unlock file and the office's files can open the
//! office — on the server PC that is root (or a copy of its disk). The slot opens the
//! store and nothing else: it carries no clerk's signing key and logs nobody in, so the
//! server still needs each clerk's own password for every step. An administrator makes
//! it (audited `server_unlock_created`), makes it again (the old file stops opening the
//! office) or removes it (`server_unlock_removed`).

use chrono::{DateTime, Utc};
use rusqlite::TransactionBehavior;
use serde_json::json;
use zeroize::Zeroizing;

use crate::audit::{self, AuditAction, NewAuditRow};
use crate::crypto::{self, KEY_LEN, hex_decode, hex_encode};
use crate::error::{Result, ServerUnlockProblem, StoreError};
use crate::keyslots::{self, KeySlotsFile, ServerSlot};
use crate::store::{Store, StoreOptions};
use crate::users::{Roles, Session};

/// Who the audit names when the server opens the office with its slot.
pub const SERVER_ACTOR: &str = "permit-desk-server";

/// The first word of an unlock file, then the version.
const FILE_PREFIX: &str = "permit-desk-server-unlock v1 ";

/// The server's secret, as its unlock file holds it.
pub struct ServerUnlockSecret(Zeroizing<[u8; KEY_LEN]>);

impl ServerUnlockSecret {
    /// The unlock file's text: one line, the prefix and the secret in hex.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{FILE_PREFIX}{}\n", hex_encode(self.0.as_slice())))
    }

    /// Reads an unlock file's text (surrounding white space allowed).
    pub fn from_file_text(text: &str) -> Result<ServerUnlockSecret> {
        let malformed = || StoreError::ServerUnlock { reason: ServerUnlockProblem::Malformed };
        let hex = text.trim().strip_prefix(FILE_PREFIX).ok_or_else(malformed)?;
        let bytes = Zeroizing::new(hex_decode(hex.trim()).ok_or_else(malformed)?);
        let secret: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| malformed())?;
        Ok(ServerUnlockSecret(Zeroizing::new(secret)))
    }
}

impl std::fmt::Debug for ServerUnlockSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerUnlockSecret(..)")
    }
}

impl Store {
    /// Opens the office with the server's secret: nobody is logged in (each desk logs its
    /// own clerk in), the opening is audited in the server's name.
    ///
    /// Errors: as [`Store::open_with_options`] for the files and the database, and
    /// `ServerUnlock` when the office has no server slot or the secret does not open it.
    pub fn open_for_server(
        dir: &std::path::Path,
        secret: &ServerUnlockSecret,
        at: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<Store> {
        let office_lock = Store::check_files(dir)?;
        let file = {
            let _lock = keyslots::lock_slots(dir)?;
            KeySlotsFile::load(&Store::key_slots_path(dir))?
        };
        let slot =
            file.server.as_ref().ok_or(StoreError::ServerUnlock { reason: ServerUnlockProblem::NotSetUp })?;
        let damaged = |reason: &str| StoreError::KeySlotsDamaged {
            path: Store::key_slots_path(dir),
            reason: reason.to_owned(),
        };
        let data_key = slot
            .unwrap(&file.office_id, &secret.0)
            .map_err(damaged)?
            .ok_or(StoreError::ServerUnlock { reason: ServerUnlockProblem::WrongSecret })?;
        let mut store = Store::open_unlocked(dir, &file, data_key, at, options, office_lock)?;
        store.server_secret = Some(secret.0.clone());
        store.append_audit(NewAuditRow {
            desk: None,
            at,
            actor_user_id: None,
            actor: SERVER_ACTOR,
            action: AuditAction::ServerOpened,
            case_id: None,
            details: json!({ "slot_made_at": slot.created_at, "slot_made_by": slot.created_by }),
        })?;
        Ok(store)
    }

    /// Makes the server's slot (an administrator only), replacing one made before: the
    /// secret returned is written to the server's unlock file by the caller; an earlier
    /// file no longer opens the office.
    pub fn create_server_unlock(&mut self, admin: &Session, at: DateTime<Utc>) -> Result<ServerUnlockSecret> {
        self.require_role(admin, Roles::ADMIN)?;
        let mut secret = Zeroizing::new([0_u8; KEY_LEN]);
        crypto::fill_random(secret.as_mut_slice())?;
        let slot = ServerSlot::new(&self.office_id, &secret, &self.data_key, &admin.username, at)?;
        self.change_server_slot(admin, Some(slot), AuditAction::ServerUnlockCreated, at)?;
        Ok(ServerUnlockSecret(secret))
    }

    /// Removes the server's slot (an administrator only): the unlock file opens nothing
    /// from now on. `false` when there was none (nothing audited).
    pub fn remove_server_unlock(&mut self, admin: &Session, at: DateTime<Utc>) -> Result<bool> {
        self.require_role(admin, Roles::ADMIN)?;
        if !self.has_server_unlock()? {
            return Ok(false);
        }
        self.change_server_slot(admin, None, AuditAction::ServerUnlockRemoved, at)?;
        Ok(true)
    }

    /// Whether the office has a server slot.
    pub fn has_server_unlock(&self) -> Result<bool> {
        let _lock = keyslots::lock_slots(&self.dir)?;
        Ok(KeySlotsFile::load(&Store::key_slots_path(&self.dir))?.server.is_some())
    }

    /// Writes `slot` in the key-slot file and the audit row, as the clerks' slots are
    /// changed: under the file's lock, the file saved before the row commits.
    fn change_server_slot(
        &mut self,
        admin: &Session,
        slot: Option<ServerSlot>,
        action: AuditAction,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let audit_key = *self.audit_key;
        let _lock = keyslots::lock_slots(&self.dir)?;
        let slots_path = Store::key_slots_path(&self.dir);
        let mut file = KeySlotsFile::load(&slots_path)?;
        let replaced = file.server.is_some();
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::append(
            &transaction,
            &audit_key,
            crate::users::admin_row(admin, action, json!({ "replaced": replaced }), at),
        )?;
        file.server = slot;
        file.save(&slots_path)?;
        transaction.commit()?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn the_file_text_reads_back_and_nothing_else_reads() {
        let secret = ServerUnlockSecret(Zeroizing::new([7_u8; KEY_LEN]));
        let text = secret.to_file_text();
        assert!(text.starts_with(FILE_PREFIX) && text.ends_with('\n'));
        let back = ServerUnlockSecret::from_file_text(&format!("  {}  ", text.as_str())).unwrap();
        assert_eq!(*back.0, [7_u8; KEY_LEN]);
        for bad in ["", "permit-desk-server-unlock v1 ", "permit-desk-server-unlock v1 abcd", "07070707"] {
            assert!(
                matches!(
                    ServerUnlockSecret::from_file_text(bad),
                    Err(StoreError::ServerUnlock { reason: ServerUnlockProblem::Malformed })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(format!("{back:?}"), "ServerUnlockSecret(..)", "the secret never reaches a log");
    }
}
