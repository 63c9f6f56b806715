//! The key-slot sidecar `office.keys.json`: one Argon2id + XChaCha20-Poly1305 wrap of the
//! office data key per clerk, plus the lockout counters and the failed log-ins that
//! happened while the database was still locked.
//!
//! The file is plain JSON next to the database and holds no personal data of applicants:
//! user names of clerks, salts, cost parameters, wrapped keys, counters and timestamps.
//! It must be backed up together with the database; without it the database cannot be
//! opened. Writes go to a temporary file that is synced and renamed over the old one,
//! under an advisory lock (`office.keys.lock`), so a crash never leaves half a file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use clerk_signing::ClerkKey;

use crate::crypto::{
    self, DataKey, KEY_LEN, KdfParams, NONCE_LEN, SALT_LEN, derive_kek, fill_random, hex_decode, hex_encode,
    new_sealing_key, open_sealed, open_secret, seal_secret, seal_to, unwrap_key, wrap_key,
};
use crate::error::{Result, StoreError};

/// File name of the key-slot sidecar inside the store directory.
pub const KEY_SLOTS_FILE_NAME: &str = "office.keys.json";
/// File name of the advisory lock taken while the sidecar is read and rewritten.
pub const KEY_SLOTS_LOCK_FILE_NAME: &str = "office.keys.lock";
const TEMP_SUFFIX: &str = ".tmp";

/// Value of the `format` field; do not change.
const FORMAT: &str = "permit-desk-key-slots";
/// Version of the sidecar layout; bump only with a reader for the old one.
const FORMAT_VERSION: u32 = 1;
const KDF_ALGORITHM: &str = "argon2id";
const ARGON2_VERSION: u32 = 0x13;
const WRAP_ALGORITHM: &str = "xchacha20poly1305";
/// Failed log-ins kept while the database is locked; older ones are counted, not kept,
/// so guessing at the log-in screen cannot grow the file without bound.
const MAX_PENDING_EVENTS: usize = 200;
/// Longest user name stored in a pending event (a password typed into the user-name
/// field should not be kept whole).
const MAX_EVENT_USERNAME_CHARS: usize = 32;

/// How many wrong passwords lock an account, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    /// Consecutive wrong passwords that lock the account; 0 turns lockout off.
    pub max_failed_attempts: u32,
    /// How long a locked account stays locked, in minutes.
    pub lock_minutes: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy { max_failed_attempts: 5, lock_minutes: 15 }
    }
}

/// Why a log-in failed; stored in the sidecar and copied into the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LoginFailure {
    UnknownUser,
    WrongPassword,
    LockedOut,
    AccountDisabled,
}

impl LoginFailure {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LoginFailure::UnknownUser => "unknown_user",
            LoginFailure::WrongPassword => "wrong_password",
            LoginFailure::LockedOut => "locked_out",
            LoginFailure::AccountDisabled => "account_disabled",
        }
    }
}

/// A failed log-in that happened while the database could not be written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PendingLoginEvent {
    pub(crate) at: DateTime<Utc>,
    pub(crate) username: String,
    pub(crate) reason: LoginFailure,
}

/// The whole sidecar file. Field names are a stored format: do not rename them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct KeySlotsFile {
    format: String,
    version: u32,
    /// The office the data key belongs to; also stored inside the database.
    pub(crate) office_id: String,
    /// The first 16 bytes of the database file (SQLCipher's salt), hex. Lets a failed
    /// open tell "these slots belong to another database" from "the database is damaged".
    pub(crate) db_salt: String,
    pub(crate) lockout: LockoutPolicy,
    pub(crate) slots: Vec<KeySlot>,
    #[serde(default)]
    pub(crate) pending_events: Vec<PendingLoginEvent>,
    #[serde(default)]
    pub(crate) dropped_events: u64,
    /// Every clerk revoked here and when: a restore carries these over, so a backup made
    /// before a revocation never brings the clerk's key slot back
    /// ([`crate::Store::carry_over_revocations`]).
    #[serde(default)]
    pub(crate) revoked: Vec<Revocation>,
    /// The office server's own wrap of the data key (issue 17), opened with the secret in
    /// its unlock file rather than a clerk's password ([`crate::Store::open_for_server`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) server: Option<ServerSlot>,
    /// How many times the office's data key has been replaced (a re-key after a
    /// revocation, [`crate::Store::rekey`]): 0 for the key the office was created with.
    #[serde(default)]
    pub(crate) generation: u32,
    /// A clerk was revoked (or revoked again by a restore) since the last re-key: the
    /// data key is one a revoked clerk held. Cleared by the re-key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) rekey_owed: bool,
}

/// The office server's wrap of the data key: under a random 32-byte secret that only the
/// server's unlock file holds (no key derivation: the secret is already a key).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ServerSlot {
    pub(crate) created_at: DateTime<Utc>,
    /// The administrator who made it.
    pub(crate) created_by: String,
    wrap: SlotWrap,
}

/// Associated data of the server slot's wrap: its office.
fn server_slot_aad(office_id: &str) -> Vec<u8> {
    let mut aad = b"permit-desk server slot v1\0".to_vec();
    aad.extend_from_slice(office_id.as_bytes());
    aad
}

impl ServerSlot {
    pub(crate) fn new(
        office_id: &str,
        secret: &[u8; KEY_LEN],
        data_key: &DataKey,
        created_by: &str,
        at: DateTime<Utc>,
    ) -> Result<ServerSlot> {
        ServerSlot::wrap_for(office_id, secret, data_key, created_by, at)
    }

    /// The same slot (who made it, when) around a new data key: a re-key by the server,
    /// which holds the secret.
    pub(crate) fn rewrapped(
        &self,
        office_id: &str,
        secret: &[u8; KEY_LEN],
        data_key: &DataKey,
    ) -> Result<ServerSlot> {
        ServerSlot::wrap_for(office_id, secret, data_key, &self.created_by, self.created_at)
    }

    fn wrap_for(
        office_id: &str,
        secret: &[u8; KEY_LEN],
        data_key: &DataKey,
        created_by: &str,
        at: DateTime<Utc>,
    ) -> Result<ServerSlot> {
        let (nonce, ciphertext) = wrap_key(secret, data_key, &server_slot_aad(office_id))?;
        Ok(ServerSlot {
            created_at: at,
            created_by: created_by.to_owned(),
            wrap: SlotWrap {
                alg: WRAP_ALGORITHM.to_owned(),
                nonce: hex_encode(&nonce),
                ciphertext: hex_encode(&ciphertext),
            },
        })
    }

    /// The data key, `Ok(None)` for another secret, an error when the slot is malformed.
    pub(crate) fn unwrap(
        &self,
        office_id: &str,
        secret: &[u8; KEY_LEN],
    ) -> std::result::Result<Option<DataKey>, &'static str> {
        if self.wrap.alg != WRAP_ALGORITHM {
            return Err("unsupported key wrap");
        }
        let nonce: [u8; NONCE_LEN] = hex_decode(&self.wrap.nonce)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("nonce is malformed")?;
        let ciphertext = hex_decode(&self.wrap.ciphertext).ok_or("wrapped key is not hex")?;
        Ok(unwrap_key(secret, &nonce, &ciphertext, &server_slot_aad(office_id)))
    }
}

/// One revocation, as the key-slot file remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// The clerk revoked.
    pub username: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One clerk's wrap of the data key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct KeySlot {
    pub(crate) username: String,
    pub(crate) created_at: DateTime<Utc>,
    kdf: SlotKdf,
    /// The data key under the clerk's KEK. Absent after a re-key until the clerk's next
    /// log-in, which opens `sealed` and wraps the new key here again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wrap: Option<SlotWrap>,
    #[serde(default)]
    pub(crate) failed_attempts: u32,
    #[serde(default)]
    pub(crate) locked_until: Option<DateTime<Utc>>,
    /// The clerk's SM2 signing key (issue 18), wrapped under the same KEK as the data key:
    /// only this clerk's password unwraps it. Absent in slots written before; made at the
    /// clerk's next log-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing: Option<SlotKeyPair>,
    /// The clerk's SM2 sealing key (issue 18): its public half lets a re-key hand the
    /// clerk the new data key without their password; its secret half is wrapped under
    /// the KEK. Absent in slots written before; made at the clerk's next log-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealing: Option<SlotKeyPair>,
    /// The data key a re-key sealed to `sealing` (SM2 encryption, hex), with its office,
    /// clerk and generation; opened and replaced by `wrap` at the clerk's next log-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
}

/// What a sealed data key starts with: its office, clerk and generation, so a sealed key
/// moved to another slot, office or generation does not open as one.
fn sealed_context(office_id: &str, username: &str, generation: u32) -> Vec<u8> {
    let mut context = b"permit-desk sealed data key v1\0".to_vec();
    for part in [office_id, username] {
        context.extend_from_slice(part.as_bytes());
        context.push(0);
    }
    context.extend_from_slice(&generation.to_be_bytes());
    context
}

/// What a sealed backup key starts with: its office and administrator.
fn backup_context(office_id: &str, username: &str) -> Vec<u8> {
    let mut context = b"permit-desk backup key v1\0".to_vec();
    for part in [office_id, username] {
        context.extend_from_slice(part.as_bytes());
        context.push(0);
    }
    context
}

/// Opens a backup's own key sealed to `username`'s slot in `file` (the backup's slot
/// file) with their password: the office's data key of the backup's day and the backup's
/// key. `WrongPassword`, `UnknownUser`, or `KeySlotsDamaged` for a sealed key that is not
/// this administrator's.
pub(crate) fn open_backup_key(
    file: &KeySlotsFile,
    path: &Path,
    username: &str,
    password: &str,
    sealed: &[u8],
) -> Result<(DataKey, DataKey)> {
    let damaged =
        |reason: &str| StoreError::KeySlotsDamaged { path: path.to_owned(), reason: reason.to_owned() };
    let index =
        file.slot_index(username).ok_or_else(|| StoreError::UnknownUser { username: username.to_owned() })?;
    let slot = &file.slots[index];
    let Unwrapped { data_key, kek } = slot
        .unwrap(&file.office_id, file.generation, password)
        .map_err(damaged)?
        .ok_or(StoreError::WrongPassword)?;
    let secret = slot
        .sealing
        .as_ref()
        .and_then(|sealing| sealing.open_sealing(&kek, &file.office_id, username))
        .ok_or_else(|| damaged("the slot has no sealing key"))?;
    let message = open_sealed(&secret, sealed).ok_or_else(|| damaged("the backup key does not open"))?;
    let backup_key = message
        .strip_prefix(backup_context(&file.office_id, username).as_slice())
        .and_then(DataKey::from_slice)
        .ok_or_else(|| damaged("the backup key is for another office or administrator"))?;
    Ok((data_key, backup_key))
}

/// A key pair of a clerk's as the slot keeps it: the public half in clear, the secret half
/// under the slot's KEK, bound to the office, the clerk, the public half and what the key
/// is for. The signing key (`signing`) and the sealing key (`sealing`) share this layout.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SlotKeyPair {
    /// The public key (hex), readable without the password.
    public_key: String,
    nonce: String,
    ciphertext: String,
}

/// What a slot's key pair is for: the tag of its associated data.
#[derive(Clone, Copy)]
enum KeyUse {
    /// The clerk's SM2 signing key.
    Signing,
    /// The clerk's SM2 sealing (encryption) key.
    Sealing,
}

/// Associated data of a wrapped key pair: its use, office, clerk and public key.
fn key_pair_aad(use_: KeyUse, office_id: &str, username: &str, public_key: &str) -> Vec<u8> {
    let mut aad = match use_ {
        KeyUse::Signing => b"permit-desk clerk signing key v1\0".to_vec(),
        KeyUse::Sealing => b"permit-desk clerk sealing key v1\0".to_vec(),
    };
    for part in [office_id, username, public_key] {
        aad.extend_from_slice(part.as_bytes());
        aad.push(0);
    }
    aad
}

impl SlotKeyPair {
    fn wrap(
        kek: &[u8; KEY_LEN],
        (use_, office_id, username): (KeyUse, &str, &str),
        public_key: String,
        secret: &[u8; KEY_LEN],
    ) -> Result<SlotKeyPair> {
        let aad = key_pair_aad(use_, office_id, username, &public_key);
        let (nonce, ciphertext) = seal_secret(kek, secret, &aad)?;
        Ok(SlotKeyPair { public_key, nonce: hex_encode(&nonce), ciphertext: hex_encode(&ciphertext) })
    }

    /// The secret half, or `None` if it does not open under `kek`.
    fn open_secret(
        &self,
        kek: &[u8; KEY_LEN],
        (use_, office_id, username): (KeyUse, &str, &str),
    ) -> Option<zeroize::Zeroizing<[u8; KEY_LEN]>> {
        let nonce: [u8; NONCE_LEN] = hex_decode(&self.nonce)?.try_into().ok()?;
        let ciphertext = hex_decode(&self.ciphertext)?;
        open_secret(kek, &nonce, &ciphertext, &key_pair_aad(use_, office_id, username, &self.public_key))
    }

    /// The clerk's signing key under `kek`.
    fn signing(kek: &[u8; KEY_LEN], office_id: &str, username: &str, key: &ClerkKey) -> Result<SlotKeyPair> {
        let owner = (KeyUse::Signing, office_id, username);
        SlotKeyPair::wrap(kek, owner, key.public_key().to_owned(), &key.secret())
    }

    /// The signing key, or `None` if it does not open (or is not the key its public half
    /// names).
    fn open_signing(&self, kek: &[u8; KEY_LEN], office_id: &str, username: &str) -> Option<ClerkKey> {
        let secret = self.open_secret(kek, (KeyUse::Signing, office_id, username))?;
        let key = ClerkKey::from_secret(&secret).ok()?;
        (key.public_key() == self.public_key).then_some(key)
    }

    /// A new sealing key pair, its secret half under `kek`.
    fn new_sealing(kek: &[u8; KEY_LEN], office_id: &str, username: &str) -> Result<SlotKeyPair> {
        let (secret, public) = new_sealing_key()?;
        SlotKeyPair::wrap(kek, (KeyUse::Sealing, office_id, username), hex_encode(&public), &secret)
    }

    /// The sealing key's secret half, or `None` if it does not open under `kek`.
    fn open_sealing(
        &self,
        kek: &[u8; KEY_LEN],
        office_id: &str,
        username: &str,
    ) -> Option<zeroize::Zeroizing<[u8; KEY_LEN]>> {
        self.open_secret(kek, (KeyUse::Sealing, office_id, username))
    }
}

/// A new signing key for a clerk, from the operating system's random source.
pub(crate) fn new_clerk_key() -> Result<ClerkKey> {
    ClerkKey::generate(|bytes| fill_random(bytes))
}

/// What a slot unwrapped: the data key and the key-encryption key (to wrap more under it).
struct Unwrapped {
    data_key: DataKey,
    kek: zeroize::Zeroizing<[u8; KEY_LEN]>,
}

/// A clerk's slot opened with their password.
pub(crate) struct Unlocked {
    pub(crate) data_key: DataKey,
    /// The clerk's own signing key.
    pub(crate) signer: ClerkKey,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SlotKdf {
    alg: String,
    version: u32,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SlotWrap {
    alg: String,
    nonce: String,
    ciphertext: String,
}

/// Associated data of a slot's AEAD: binds the wrapped key to its office and user name.
fn slot_aad(office_id: &str, username: &str) -> Vec<u8> {
    let mut aad = b"permit-desk key slot v1\0".to_vec();
    aad.extend_from_slice(office_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(username.as_bytes());
    aad
}

impl KeySlot {
    /// Wraps `data_key` and the clerk's signing key `signer` for `username` under a KEK
    /// derived from `password`.
    pub(crate) fn new(
        office_id: &str,
        username: &str,
        password: &str,
        data_key: &DataKey,
        signer: &ClerkKey,
        params: &KdfParams,
        at: DateTime<Utc>,
    ) -> Result<KeySlot> {
        let mut salt = [0u8; SALT_LEN];
        crypto::fill_random(&mut salt)?;
        let kek = derive_kek(password, &salt, params)
            .map_err(|reason| StoreError::InvalidInput { what: "key derivation parameters", reason })?;
        let (nonce, ciphertext) = wrap_key(&kek, data_key, &slot_aad(office_id, username))?;
        let signing = SlotKeyPair::signing(&kek, office_id, username, signer)?;
        let sealing = SlotKeyPair::new_sealing(&kek, office_id, username)?;
        Ok(KeySlot {
            username: username.to_owned(),
            created_at: at,
            kdf: SlotKdf {
                alg: KDF_ALGORITHM.to_owned(),
                version: ARGON2_VERSION,
                params: *params,
                salt: hex_encode(&salt),
            },
            wrap: Some(SlotWrap::new(nonce, ciphertext)),
            failed_attempts: 0,
            locked_until: None,
            signing: Some(signing),
            sealing: Some(sealing),
            sealed: None,
        })
    }

    /// Hands this clerk `data_key` of `generation` without their password: sealed to their
    /// sealing key, the wrap of the old key dropped. False when the slot has no sealing
    /// key yet (the clerk has not logged in since this program came): nothing changes.
    pub(crate) fn reseal(&mut self, office_id: &str, generation: u32, data_key: &DataKey) -> Result<bool> {
        let Some(sealing) = &self.sealing else {
            return Ok(false);
        };
        let Some(public) = hex_decode(&sealing.public_key) else {
            return Ok(false);
        };
        let mut message = zeroize::Zeroizing::new(sealed_context(office_id, &self.username, generation));
        message.extend_from_slice(data_key.as_bytes());
        let Some(sealed) = seal_to(&public, &message)? else {
            return Ok(false);
        };
        self.sealed = Some(hex_encode(&sealed));
        self.wrap = None;
        Ok(true)
    }

    /// A backup's own key sealed to this clerk's sealing key (an administrator's: only they
    /// may restore), bound to the office and the clerk; `None` without a sealing key.
    pub(crate) fn seal_backup_key(&self, office_id: &str, backup_key: &DataKey) -> Result<Option<Vec<u8>>> {
        let Some(public) = self.sealing.as_ref().and_then(|sealing| hex_decode(&sealing.public_key)) else {
            return Ok(None);
        };
        let mut message = zeroize::Zeroizing::new(backup_context(office_id, &self.username));
        message.extend_from_slice(backup_key.as_bytes());
        seal_to(&public, &message)
    }

    /// Whether a re-key can hand this clerk a new key (see [`KeySlot::reseal`]).
    pub(crate) fn can_be_resealed(&self) -> bool {
        self.sealing.is_some()
    }

    /// Unwraps the data key with `password`: `Ok(None)` for a wrong password, an error
    /// when the slot itself is malformed. A slot a re-key left sealed opens its sealing
    /// key with the password, then the sealed data key of `generation`.
    fn unwrap(
        &self,
        office_id: &str,
        generation: u32,
        password: &str,
    ) -> std::result::Result<Option<Unwrapped>, &'static str> {
        if self.kdf.alg != KDF_ALGORITHM || self.kdf.version != ARGON2_VERSION {
            return Err("unsupported key derivation");
        }
        let salt = hex_decode(&self.kdf.salt).ok_or("salt is not hex")?;
        if let Some(wrap) = &self.wrap {
            if wrap.alg != WRAP_ALGORITHM {
                return Err("unsupported key wrap");
            }
            let nonce: [u8; NONCE_LEN] = hex_decode(&wrap.nonce)
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or("nonce is malformed")?;
            let ciphertext = hex_decode(&wrap.ciphertext).ok_or("wrapped key is not hex")?;
            let kek = derive_kek(password, &salt, &self.kdf.params)?;
            return Ok(unwrap_key(&kek, &nonce, &ciphertext, &slot_aad(office_id, &self.username))
                .map(|data_key| Unwrapped { data_key, kek }));
        }
        let (Some(sealing), Some(sealed)) = (&self.sealing, &self.sealed) else {
            return Err("the slot holds no key");
        };
        let sealed = hex_decode(sealed).ok_or("sealed key is not hex")?;
        let kek = derive_kek(password, &salt, &self.kdf.params)?;
        let Some(secret) = sealing.open_sealing(&kek, office_id, &self.username) else {
            return Ok(None);
        };
        let message = open_sealed(&secret, &sealed).ok_or("the sealed key does not open")?;
        let context = sealed_context(office_id, &self.username, generation);
        let data_key = message
            .strip_prefix(context.as_slice())
            .and_then(DataKey::from_slice)
            .ok_or("the sealed key is for another office, clerk or generation")?;
        Ok(Some(Unwrapped { data_key, kek }))
    }
}

impl SlotWrap {
    fn new(nonce: [u8; NONCE_LEN], ciphertext: Vec<u8>) -> SlotWrap {
        SlotWrap {
            alg: WRAP_ALGORITHM.to_owned(),
            nonce: hex_encode(&nonce),
            ciphertext: hex_encode(&ciphertext),
        }
    }
}

impl KeySlotsFile {
    /// A new sidecar for a freshly created database.
    pub(crate) fn new(office_id: &str, db_salt: &[u8], lockout: LockoutPolicy, first_slot: KeySlot) -> Self {
        KeySlotsFile {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            office_id: office_id.to_owned(),
            db_salt: hex_encode(db_salt),
            lockout,
            slots: vec![first_slot],
            pending_events: Vec::new(),
            dropped_events: 0,
            revoked: Vec::new(),
            server: None,
            generation: 0,
            rekey_owed: false,
        }
    }

    /// Reads and checks the sidecar.
    pub(crate) fn load(path: &Path) -> Result<KeySlotsFile> {
        let damaged = |reason: String| StoreError::KeySlotsDamaged { path: path.to_owned(), reason };
        let text = fs::read_to_string(path)?;
        let file: KeySlotsFile = serde_json::from_str(&text).map_err(|error| damaged(error.to_string()))?;
        if file.format != FORMAT {
            return Err(damaged(format!("not a key slot file (format {:?})", file.format)));
        }
        if file.version != FORMAT_VERSION {
            return Err(damaged(format!("unsupported version {}", file.version)));
        }
        for slot in &file.slots {
            slot.kdf
                .params
                .check_bounds()
                .map_err(|reason| damaged(format!("slot {}: {reason}", slot.username)))?;
        }
        Ok(file)
    }

    /// Writes the sidecar atomically: temporary file, fsync, rename, fsync of the directory.
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|error| StoreError::Io(std::io::Error::other(error.to_string())))?;
        let mut temp_name = path.as_os_str().to_owned();
        temp_name.push(TEMP_SUFFIX);
        let temp_path = PathBuf::from(temp_name);
        {
            let mut temp_file = File::create(&temp_path)?;
            temp_file.write_all(text.as_bytes())?;
            temp_file.write_all(b"\n")?;
            temp_file.sync_all()?;
        }
        fs::rename(&temp_path, path)?;
        sync_directory(path);
        Ok(())
    }

    /// Whether the data key is one a revoked clerk held: a revocation since the last
    /// re-key, or (an office from before re-keying) any revocation and no re-key yet.
    pub(crate) fn rekey_owed(&self) -> bool {
        self.rekey_owed || (self.generation == 0 && !self.revoked.is_empty())
    }

    pub(crate) fn slot_index(&self, username: &str) -> Option<usize> {
        self.slots.iter().position(|slot| slot.username == username)
    }

    pub(crate) fn db_salt_bytes(&self) -> Option<Vec<u8>> {
        hex_decode(&self.db_salt)
    }

    /// Remembers a failed log-in until the database can be written.
    pub(crate) fn push_event(&mut self, at: DateTime<Utc>, username: &str, reason: LoginFailure) {
        if self.pending_events.len() >= MAX_PENDING_EVENTS {
            self.pending_events.remove(0);
            self.dropped_events += 1;
        }
        let username: String = username.chars().take(MAX_EVENT_USERNAME_CHARS).collect();
        self.pending_events.push(PendingLoginEvent { at, username, reason });
    }
}

/// Syncs the directory entry after a rename so the new name survives a power cut.
/// Only Unix can open a directory for syncing; elsewhere the rename is all we can do.
fn sync_directory(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(handle) = File::open(dir)
    {
        // A failed directory sync leaves the rename in the page cache, which is the
        // best the platform offers; the write itself has already succeeded.
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Holds the advisory lock on the sidecar; released when dropped.
pub(crate) struct SlotsLock {
    _file: File,
}

/// Takes the exclusive advisory lock of the store directory, waiting for other processes
/// (the CLI next to the desktop app) to finish their read-modify-write of the sidecar.
pub(crate) fn lock_slots(dir: &Path) -> Result<SlotsLock> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(dir.join(KEY_SLOTS_LOCK_FILE_NAME))?;
    file.lock()?;
    Ok(SlotsLock { _file: file })
}

/// What to do with a failed attempt's event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureLog {
    /// Keep it in the sidecar: the database is not open yet.
    Sidecar,
    /// Return it to the caller, which writes it to the audit trail directly.
    Caller,
}

/// Result of one attempt to unwrap a slot, after the sidecar has been updated.
pub(crate) struct Attempt {
    /// The data key, or the error to report with the failure to audit.
    pub(crate) outcome: std::result::Result<Unlocked, (StoreError, LoginFailure)>,
    /// The sidecar as it is now on disk.
    pub(crate) file: KeySlotsFile,
}

/// Checks lockout, runs Argon2id and unwraps `username`'s slot, updating the failure
/// counters on disk. Errors of the outer `Result` are IO problems or a damaged sidecar;
/// a wrong password is an `Attempt` whose outcome is an error.
pub(crate) fn attempt_unlock(
    dir: &Path,
    username: &str,
    password: &str,
    at: DateTime<Utc>,
    failure_log: FailureLog,
) -> Result<Attempt> {
    let path = dir.join(KEY_SLOTS_FILE_NAME);
    let _lock = lock_slots(dir)?;
    let mut file = KeySlotsFile::load(&path)?;
    let damaged =
        |reason: &str| StoreError::KeySlotsDamaged { path: path.clone(), reason: reason.to_owned() };
    let policy = file.lockout;
    let office_id = file.office_id.clone();
    let generation = file.generation;

    let failure = |file: &mut KeySlotsFile, error: StoreError, reason: LoginFailure| -> Result<Attempt> {
        if failure_log == FailureLog::Sidecar {
            file.push_event(at, username, reason);
        }
        file.save(&path)?;
        Ok(Attempt { outcome: Err((error, reason)), file: file.clone() })
    };

    let Some(index) = file.slot_index(username) else {
        return failure(
            &mut file,
            StoreError::UnknownUser { username: username.to_owned() },
            LoginFailure::UnknownUser,
        );
    };
    if let Some(until) = file.slots[index].locked_until
        && at < until
    {
        return failure(&mut file, StoreError::LockedOut { until }, LoginFailure::LockedOut);
    }
    match file.slots[index].unwrap(&office_id, generation, password).map_err(damaged)? {
        Some(Unwrapped { data_key, kek }) => {
            let slot = &mut file.slots[index];
            let mut changed = slot.failed_attempts != 0 || slot.locked_until.is_some();
            slot.failed_attempts = 0;
            slot.locked_until = None;
            // A slot from before clerks signed their steps (or whose signing key no longer
            // opens) gets a key now, under the same password; the store registers it.
            let opened =
                slot.signing.as_ref().and_then(|signing| signing.open_signing(&kek, &office_id, username));
            let signer = match opened {
                Some(signer) => signer,
                None => {
                    let signer = new_clerk_key()?;
                    slot.signing = Some(SlotKeyPair::signing(&kek, &office_id, username, &signer)?);
                    changed = true;
                    signer
                }
            };
            // A slot from before re-keying gets its sealing key now; a slot a re-key left
            // sealed gets the new key wrapped under the password again.
            if slot.sealing.is_none() {
                slot.sealing = Some(SlotKeyPair::new_sealing(&kek, &office_id, username)?);
                changed = true;
            }
            if slot.wrap.is_none() {
                let (nonce, ciphertext) = wrap_key(&kek, &data_key, &slot_aad(&office_id, username))?;
                slot.wrap = Some(SlotWrap::new(nonce, ciphertext));
                slot.sealed = None;
                changed = true;
            }
            if changed {
                file.save(&path)?;
            }
            Ok(Attempt { outcome: Ok(Unlocked { data_key, signer }), file })
        }
        None => {
            let slot = &mut file.slots[index];
            slot.failed_attempts = slot.failed_attempts.saturating_add(1);
            if policy.max_failed_attempts > 0 && slot.failed_attempts >= policy.max_failed_attempts {
                let until = at + Duration::minutes(i64::from(policy.lock_minutes));
                slot.failed_attempts = 0;
                slot.locked_until = Some(until);
                failure(&mut file, StoreError::LockedOut { until }, LoginFailure::WrongPassword)
            } else {
                failure(&mut file, StoreError::WrongPassword, LoginFailure::WrongPassword)
            }
        }
    }
}
