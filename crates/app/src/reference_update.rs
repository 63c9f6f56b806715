//! Signed reference-data updates from a file: how an office gets next year's holiday table
//! (the State Council publishes it each November or December), or a county's policy
//! profile (a county publishing or revising its 互认 document), without a new program.
//!
//! The county bureau makes the file with `permitctl reference sign`, with a key whose
//! public half every office of the county keeps ([`set_key`], like the platform's key: an
//! administrator types it and compares the fingerprint by phone). The administrator loads
//! the file from a USB stick in the window or with `permitctl reference load`; [`load`]
//! checks, in order: the file is one ([`UpdateError::Unreadable`]), the office keeps a key
//! ([`UpdateError::KeyMissing`]), the signature is the key's over the exact signed bytes
//! ([`UpdateError::SignatureInvalid`]: an altered file), the kind is one the program
//! takes, the serial is above the one loaded ([`UpdateError::NotNewer`]: an older file),
//! and the table itself parses and adds to the program's own. Then it is kept in the store
//! and audited, and every deadline the office computes uses it ([`holiday_updates`]).
//!
//! The file (docs/reference-updates.md):
//!
//! ```text
//! {"format": "permit-desk-reference-update", "version": 1,
//!  "signed": "<base64 of the payload's JSON bytes>", "signature": "<128 hex digits>"}
//! payload: {"kind": "holidays", "serial": 2026120101, "issuer": "…", "issued_on": "2026-12-01",
//!           "content": {"years": {"2027": {"source": "…", "holidays": […], "adjusted_working_days": […]}}}}
//! ```
//!
//! The signature covers the payload's bytes as they are in the file, so nothing needs to be
//! re-serialised the same way to check it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use store::{StoredReferenceUpdate, TrustedKey};

use crate::AppError;
use crate::bundle::{PlatformKey, PlatformKeySet};
use crate::office::{Office, Roles};

/// The `format` of every update file.
pub const FORMAT: &str = "permit-desk-reference-update";
/// The envelope's version this program reads and writes.
pub const VERSION: u32 = 1;
/// The holiday table (content: the format of `assets/reference/holidays.json`).
pub const HOLIDAYS: &str = "holidays";
/// County policy profiles (content: `{"profiles": [<a profile, the format of
/// assets/profiles/*.json>, …]}`); each replaces the program's own for its county or adds
/// the county.
pub const PROFILES: &str = "profiles";
/// The kinds an update file may carry.
pub const KINDS: [&str; 2] = [HOLIDAYS, PROFILES];

/// Why an update file was refused; each is one Chinese sentence for the administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// Not an update file, or a version this program does not read.
    #[error("not a reference update file: {0}")]
    Unreadable(String),
    /// The office keeps no key to check updates with.
    #[error("no reference-update key is set")]
    KeyMissing,
    /// The signature is not the office's key's over these bytes (altered, or another key).
    #[error("the signature does not match the office's reference-update key")]
    SignatureInvalid,
    /// A kind of table this program does not take from a file.
    #[error("reference updates of kind {0} are not supported")]
    KindUnsupported(String),
    /// The serial is not above the update already loaded.
    #[error("update {given} is not newer than the loaded update {loaded}")]
    NotNewer {
        /// The serial loaded.
        loaded: u64,
        /// The file's.
        given: u64,
    },
    /// The table inside is not a valid table of its kind.
    #[error("the {kind} table in the update is invalid: {reason}")]
    ContentInvalid {
        /// [`HOLIDAYS`] or [`PROFILES`].
        kind: String,
        /// What is wrong.
        reason: String,
    },
}

impl UpdateError {
    /// The sentence the window and `permitctl` show.
    pub fn message_zh(&self) -> String {
        match self {
            UpdateError::Unreadable(_) => "该文件不是参考数据更新文件，或版本过新，未作任何改动。".to_owned(),
            UpdateError::KeyMissing => {
                "本办理点尚未设置参考数据签发公钥，不能核验更新文件。请先向县（市、区）公安局索取公钥并核对指纹后设置。"
                    .to_owned()
            }
            UpdateError::SignatureInvalid => {
                "更新文件的签名与本办理点保存的签发公钥不符（文件被改动，或不是本县签发），未作任何改动。".to_owned()
            }
            UpdateError::KindUnsupported(kind) => format!("本程序不能从文件更新“{kind}”类参考数据，未作任何改动。"),
            UpdateError::NotNewer { loaded, given } => format!(
                "该更新文件（编号 {given}）不比已载入的更新（编号 {loaded}）新，未作任何改动。"
            ),
            UpdateError::ContentInvalid { kind, .. } => format!(
                "更新文件中的{}格式有误，未作任何改动。请联系签发单位。",
                if kind == PROFILES { "政策文件（县（市、区）互认规则）" } else { "节假日表" }
            ),
        }
    }
}

/// What a signed file carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// The kind of table: [`HOLIDAYS`].
    pub kind: String,
    /// The issuer's serial for this kind; each update's is higher (e.g. `2026120101`).
    pub serial: u64,
    /// Who issued it, e.g. `建德市公安局`.
    pub issuer: String,
    /// The day it was issued.
    pub issued_on: NaiveDate,
    /// The table, in the format of its `assets/reference` file.
    pub content: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    signed: String,
    signature: String,
}

/// The update file of `payload`, signed with the 32-byte `secret` (the county bureau's).
pub fn sign(secret: &[u8; 32], payload: &Payload) -> Result<String, AppError> {
    let bytes = serde_json::to_vec(payload).map_err(|error| UpdateError::Unreadable(error.to_string()))?;
    let signature = SigningKey::from_bytes(secret).sign(&bytes);
    let envelope = Envelope {
        format: FORMAT.to_owned(),
        version: VERSION,
        signed: BASE64.encode(&bytes),
        signature: hex(&signature.to_bytes()),
    };
    serde_json::to_string_pretty(&envelope).map_err(|error| UpdateError::Unreadable(error.to_string()).into())
}

/// [`sign`] into the file `dest` (written whole or not at all).
pub fn sign_to_file(secret: &[u8; 32], payload: &Payload, dest: &std::path::Path) -> Result<(), AppError> {
    crate::archive::write_atomically(dest, sign(secret, payload)?.as_bytes())
}

/// A new key pair for an issuer: (secret, public), 32 bytes each.
pub fn generate_key() -> Result<([u8; 32], [u8; 32]), AppError> {
    let mut secret = [0_u8; 32];
    getrandom::fill(&mut secret).map_err(|_| UpdateError::Unreadable("no randomness".to_owned()))?;
    let public = SigningKey::from_bytes(&secret).verifying_key().to_bytes();
    Ok((secret, public))
}

/// Makes a key pair and writes its secret half (64 hex digits) to `path`, readable by its
/// owner only and never over an existing file; returns the public half.
pub fn generate_key_file(path: &std::path::Path) -> Result<[u8; 32], AppError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let (secret, public) = generate_key()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).map_err(AppError::io("secret key file"))?;
    file.write_all(hex(&secret).as_bytes()).map_err(AppError::io("secret key file"))?;
    file.sync_all().map_err(AppError::io("secret key file"))?;
    Ok(public)
}

/// The payload of `file` if `key` signed it.
pub fn open(file: &str, key: &[u8; 32]) -> Result<Payload, UpdateError> {
    let unreadable = |why: String| UpdateError::Unreadable(why);
    let envelope: Envelope = serde_json::from_str(file).map_err(|error| unreadable(error.to_string()))?;
    if envelope.format != FORMAT || envelope.version != VERSION {
        return Err(unreadable(format!("format {} version {}", envelope.format, envelope.version)));
    }
    let bytes = BASE64.decode(envelope.signed.as_bytes()).map_err(|error| unreadable(error.to_string()))?;
    let signature = unhex::<64>(&envelope.signature).ok_or(UpdateError::SignatureInvalid)?;
    let verifying = VerifyingKey::from_bytes(key).map_err(|_| UpdateError::SignatureInvalid)?;
    verifying
        .verify(&bytes, &Signature::from_bytes(&signature))
        .map_err(|_| UpdateError::SignatureInvalid)?;
    serde_json::from_slice(&bytes).map_err(|error| unreadable(error.to_string()))
}

/// What the office has loaded, for the window and `permitctl reference show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceStatus {
    /// The key updates are checked with, if set.
    pub key: Option<PlatformKey>,
    /// The holiday update loaded, if any.
    pub holidays: Option<LoadedUpdate>,
    /// The profiles update loaded, if any.
    pub profiles: Option<LoadedUpdate>,
    /// The years the holiday calendar covers now (the program's own and the update's).
    pub holiday_years: Vec<i32>,
}

/// One loaded update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedUpdate {
    /// Its kind, [`HOLIDAYS`] or [`PROFILES`].
    pub kind: String,
    /// Its serial.
    pub serial: u64,
    /// Its issuer.
    pub issuer: String,
    /// The day it was issued, `YYYY-MM-DD`.
    pub issued_on: String,
    /// The years its table holds (a holiday update).
    pub years: Vec<i32>,
    /// The profiles it holds, as `code name document` (a profiles update).
    pub profiles: Vec<String>,
}

impl LoadedUpdate {
    fn of(kind: &str, stored: &StoredReferenceUpdate) -> LoadedUpdate {
        let mut loaded = LoadedUpdate {
            kind: kind.to_owned(),
            serial: stored.serial,
            issuer: stored.issuer.clone(),
            issued_on: stored.issued_on.clone(),
            years: Vec::new(),
            profiles: Vec::new(),
        };
        if kind == HOLIDAYS {
            loaded.years = domain::calendar::HolidayCalendar::parse(&stored.content)
                .map(|calendar| calendar.years().map(|table| table.year).collect())
                .unwrap_or_default();
        } else {
            loaded.profiles = parse_profiles(&stored.content)
                .map(|profiles| {
                    profiles
                        .iter()
                        .map(|profile| {
                            format!(
                                "{} {} {}",
                                profile.county.code, profile.county.name, profile.document.number
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
        }
        loaded
    }
}

/// Whether `content` is a valid table of `kind` ([`KINDS`]): what an office checks before
/// it keeps an update, and what `permitctl reference sign` checks before signing.
pub fn check_content(kind: &str, content: &str) -> Result<(), UpdateError> {
    let invalid = |reason: String| UpdateError::ContentInvalid { kind: kind.to_owned(), reason };
    match kind {
        HOLIDAYS => crate::deadline::holiday_calendar(&[content])
            .map(drop)
            .map_err(|error| invalid(error.to_string())),
        PROFILES => parse_profiles(content).map(drop).map_err(invalid),
        other => Err(UpdateError::KindUnsupported(other.to_owned())),
    }
}

/// The profiles of a profiles update's content: each a valid profile of a Zhejiang
/// county-level division (or the province's default), no county twice.
fn parse_profiles(content: &str) -> Result<Vec<domain::profile::PolicyProfile>, String> {
    #[derive(Deserialize)]
    struct Content {
        profiles: Vec<serde_json::Value>,
    }
    let content: Content = serde_json::from_str(content).map_err(|error| error.to_string())?;
    if content.profiles.is_empty() {
        return Err("no profile".to_owned());
    }
    let mut out: Vec<domain::profile::PolicyProfile> = Vec::with_capacity(content.profiles.len());
    for value in content.profiles {
        let profile = domain::profile::PolicyProfile::from_json(&value.to_string())
            .map_err(|error| error.to_string())?;
        let code = profile.county.code.as_str();
        if code != "330000" && crate::reference::check_county(code).is_err() {
            return Err(format!("{code} is not a Zhejiang county-level division"));
        }
        if out.iter().any(|other| other.county.code == code) {
            return Err(format!("{code} appears twice"));
        }
        out.push(profile);
    }
    Ok(out)
}

/// The holiday tables the office loaded, to merge over the program's own in every deadline
/// (at most one: each update replaces the one before and carries every year it needs).
pub fn holiday_updates(office: &Office) -> Result<Vec<String>, AppError> {
    Ok(office.store.reference_update(HOLIDAYS)?.map(|update| update.content).into_iter().collect())
}

/// The county profiles of the update the office loaded, if any (at most one update: each
/// replaces the one before and carries every profile the county bureau issues).
pub fn profile_updates(office: &Office) -> Result<Vec<domain::profile::PolicyProfile>, AppError> {
    let Some(stored) = office.store.reference_update(PROFILES)? else {
        return Ok(Vec::new());
    };
    // Checked before it was stored; a failure here is a damaged database.
    parse_profiles(&stored.content).map_err(|reason| {
        AppError::Store(store::StoreError::Corrupt { detail: format!("loaded profiles update: {reason}") })
    })
}

/// The updates as the deadline functions take them.
pub fn texts(updates: &[String]) -> Vec<&str> {
    updates.iter().map(String::as_str).collect()
}

/// The key, the loaded update and the years covered. Needs a logged-in clerk.
pub fn status(office: &Office) -> Result<ReferenceStatus, AppError> {
    office.session()?;
    let key = office.store.trusted_key(TrustedKey::ReferenceUpdates)?.as_ref().map(PlatformKey::from_bytes);
    let stored = office.store.reference_update(HOLIDAYS)?;
    let updates: Vec<String> = stored.iter().map(|update| update.content.clone()).collect();
    let calendar = crate::deadline::holiday_calendar(&texts(&updates))?;
    Ok(ReferenceStatus {
        key,
        holidays: stored.as_ref().map(|stored| LoadedUpdate::of(HOLIDAYS, stored)),
        profiles: office.store.reference_update(PROFILES)?.map(|stored| LoadedUpdate::of(PROFILES, &stored)),
        holiday_years: calendar.years().map(|table| table.year).collect(),
    })
}

/// Keeps `key_text` (64 hex digits from the county bureau) as the key updates are checked
/// with. 管理员; audited as `reference_key_set`; replacing another key needs `replace`.
pub fn set_key(
    office: &mut Office,
    key_text: &str,
    replace: bool,
    now: DateTime<Utc>,
) -> Result<PlatformKeySet, AppError> {
    crate::bundle::set_trusted_key(office, TrustedKey::ReferenceUpdates, key_text, replace, now)
}

/// Checks and loads an update file's text (管理员; audited as `reference_update_loaded`).
/// Nothing changes unless every check passes.
pub fn load(office: &mut Office, file: &str, now: DateTime<Utc>) -> Result<LoadedUpdate, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ADMIN)?;
    let key = office.store.trusted_key(TrustedKey::ReferenceUpdates)?.ok_or(UpdateError::KeyMissing)?;
    let payload = open(file, &key)?;
    let Some(kind) = KINDS.into_iter().find(|kind| *kind == payload.kind) else {
        return Err(UpdateError::KindUnsupported(payload.kind).into());
    };
    if let Some(loaded) = office.store.reference_update(kind)?
        && loaded.serial >= payload.serial
    {
        return Err(UpdateError::NotNewer { loaded: loaded.serial, given: payload.serial }.into());
    }
    let content = payload.content.to_string();
    check_content(kind, &content)?;
    let stored = StoredReferenceUpdate {
        serial: payload.serial,
        issuer: payload.issuer,
        issued_on: payload.issued_on.format("%Y-%m-%d").to_string(),
        content,
    };
    office.store.load_reference_update(&session, kind, &stored, now)?;
    Ok(LoadedUpdate::of(kind, &stored))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `N` bytes from `2N` hex digits.
pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0_u8; N];
    for (index, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok()?;
    }
    Some(out)
}
