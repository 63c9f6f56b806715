//! Air-gapped sync: the outbox to a file for a counter without a link to the platform,
//! and the platform's answer file back (`permitctl bundle export | import`).
//!
//! - [`export_bundle`] writes every sendable record (what the online drain would send:
//!   queued, not held behind a quarantined record of its case) exactly as the online push
//!   sends it, with the pages those records name and the decision cursor, into one file
//!   signed with the device's Ed25519 key (from the store's `sync_state`) and encrypted to
//!   the platform's key (format: [`bundle`], `docs/sync.md`). The records stay queued: an
//!   export is not a delivery, and the online sync may send them too (the platform answers
//!   `duplicate`).
//! - [`import_bundle`] checks the answer's signature against the platform's key *before*
//!   reading anything, then settles each record by the online drain's rules
//!   (`sync::verdict`) through the same store calls as [`crate::sync::StoreOutbox`], and
//!   applies the decisions through the same page-at-a-time code as the online pull, with
//!   the cursor. Records already settled and decisions already recorded are skipped, so
//!   importing the same answer twice changes nothing the second time (only the audit row
//!   of the attempt is added).
//!
//! Both need 审批 or 管理员 (personal data leaves on a medium; the platform's verdicts
//! are applied) and are audited as `bundle_exported` / `bundle_imported` with the bundle
//! id and counts, never content. A damaged, altered or foreign file is refused as
//! [`AppError::Validation`] with the code `BUNDLE_*` and a Chinese sentence, and nothing
//! is changed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use ::sync::Verdict;
use bundle::{BundleError, BundleKind, ExportBundle, Page, Seal};
use chrono::{DateTime, SecondsFormat, Utc};
use domain::FieldIssue;
use platform_api::RecordStatus;
use serde_json::json;
use store::{AuditAction, OutboxStatus};

use crate::AppError;
use crate::cases::CaseId;
use crate::office::{Office, Roles};
use crate::sync::{self as app_sync, Applied, IssuedPermit, OfficeHandle, PlatformRejection};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedBundle {
    /// The bundle file's bytes (write them to the medium).
    pub file: Vec<u8>,
    /// Its id (the answer names it).
    pub bundle_id: String,
    /// The device that signed it.
    pub device_id: String,
    /// Records in it.
    pub records: u64,
    /// Pages in it.
    pub pages: u64,
    /// Pages named by records that the store does not hold (the platform will report
    /// them missing; the import then sets those records aside).
    pub pages_missing: u64,
    /// True when it carries an administrator's order replacing the device's key (a
    /// re-key's, not yet answered): the platform's answer settles it.
    pub device_key_change: bool,
}

/// What importing an answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedBundle {
    /// The answer's id.
    pub bundle_id: String,
    /// The export it answers.
    pub export_bundle_id: String,
    /// Records confirmed now.
    pub confirmed: u64,
    /// Of those, records the platform already had.
    pub duplicates: u64,
    /// Records set aside now with the platform's reason.
    pub quarantined: u64,
    /// Records left queued (deferred, or their page still missing on the platform).
    pub left_queued: u64,
    /// Verdicts for records already settled here (an answer imported before) or unknown.
    pub skipped: u64,
    /// Decisions recorded now.
    pub decisions: u64,
    /// Permits issued now.
    pub issued: Vec<IssuedPermit>,
    /// Rejections recorded now.
    pub rejected: Vec<PlatformRejection>,
    /// What the answer did with the device key change the export carried, when the
    /// office was still waiting for it.
    pub device_key: Option<DeviceKeyOutcome>,
    /// When the platform took the change: how many orders a later re-key made still wait
    /// (each replaces the key of the one before; the next export carries the first).
    pub device_key_orders_waiting: u64,
}

/// The platform's answer to an administrator's order replacing the device's key, as an
/// answer bundle brought it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKeyOutcome {
    /// Taken: the office signs with the new key from now on (audited `device_key_changed`).
    Changed,
    /// Refused, with the platform's reason: the office keeps its key (audited
    /// `device_key_change_refused`).
    Refused(String),
}

impl ImportedBundle {
    /// True when the import settled no record, applied no decision and changed no key (an
    /// answer imported before, or one with nothing new).
    pub fn changed_nothing(&self) -> bool {
        self.confirmed == 0 && self.quarantined == 0 && self.decisions == 0 && self.device_key.is_none()
    }
}

fn refused(code: &'static str, message: String) -> AppError {
    AppError::Validation(vec![FieldIssue::new("bundle", code, message)])
}

fn bundle_error(error: &BundleError) -> AppError {
    let code = match error {
        BundleError::NotABundle | BundleError::UnsupportedVersion(_) => "BUNDLE_NOT_RECOGNISED",
        BundleError::Damaged { .. }
        | BundleError::PageHashMismatch { .. }
        | BundleError::ContentInvalid(_) => "BUNDLE_DAMAGED",
        BundleError::WrongSigner => "BUNDLE_WRONG_SIGNER",
        BundleError::WrongRecipient => "BUNDLE_WRONG_RECIPIENT",
        BundleError::WrongKind { .. } => "BUNDLE_WRONG_KIND",
        BundleError::TooLarge => "BUNDLE_TOO_LARGE",
        BundleError::InvalidKey(_) => {
            return AppError::Validation(vec![FieldIssue::new(
                "platform_key",
                "PLATFORM_KEY_INVALID",
                error.message_zh(),
            )]);
        }
        BundleError::Random => "BUNDLE_RANDOM_SOURCE",
    };
    refused(code, error.message_zh())
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Writes the sendable records and their pages to an export bundle for the platform
/// whose Ed25519 public key is `platform_key_hex` (64 hex digits). Creates the device
/// identity if this installation has none yet. Needs 审批 or 管理员; audited as
/// `bundle_exported`. The records stay queued.
pub fn export_bundle(
    office: &mut Office,
    platform_key_hex: &str,
    now: DateTime<Utc>,
) -> Result<ExportedBundle, AppError> {
    let sealed = seal_export(office, platform_key_hex, now)?;
    audit_export(office, &sealed, false, now)?;
    Ok(sealed.exported)
}

/// An export sealed but not yet audited: who made it and from which cursor.
struct SealedExport {
    session: store::Session,
    exported: ExportedBundle,
    decision_cursor: u64,
}

fn seal_export(
    office: &mut Office,
    platform_key_hex: &str,
    now: DateTime<Utc>,
) -> Result<SealedExport, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    let platform_key = bundle::public_key_from_hex(platform_key_hex).map_err(|error| bundle_error(&error))?;
    let identity = app_sync::load_identity(office, None, now)?;
    let secret = office
        .store
        .device_secret()?
        .ok_or_else(|| refused("DEVICE_IDENTITY_MISSING", "本机设备身份缺失，无法签名。".to_owned()))?;
    let signing_key = ed25519_dalek::SigningKey::from_bytes(&secret.secret);
    let items = office.store.outbox_sendable(u32::MAX)?;
    let mut records = Vec::with_capacity(items.len());
    let mut pages: BTreeMap<String, Page> = BTreeMap::new();
    let mut pages_missing = HashSet::new();
    for item in items {
        let outgoing = app_sync::outgoing(item)?;
        if let Some(hash) = outgoing.kind.content_hash()
            && !pages.contains_key(hash)
        {
            match office.store.page_bytes_by_hash(hash)? {
                Some(bytes) => {
                    pages.insert(hash.to_owned(), Page { content_hash: hash.to_owned(), bytes });
                }
                None => {
                    pages_missing.insert(hash.to_owned());
                }
            }
        }
        records.push(outgoing.to_wire());
    }
    let clerk_keys = crate::sync::clerk_keys_to_send(&office.store)?;
    // A re-key's order replacing the key this file is signed with travels with it, as
    // before an online push, for an office that only exchanges files.
    let device_key_change = office.store.pending_device_key_change()?.map(|pending| pending.change.clone());
    // As before an online push: a change made beside the program goes to the platform with
    // this export (`broken_at`).
    office.check_state_seal_now()?;
    let export = ExportBundle {
        device_id: identity.device_id().to_owned(),
        decision_cursor: office.store.sync_state()?.decision_cursor,
        records,
        pages: pages.into_values().collect(),
        // The platform holds the office's audit chain to the anchor it last saw, as for
        // an online push (docs/platform-api.md).
        audit_anchor: office
            .store
            .audit_anchor_for_push()?
            .map(|points| crate::sync::wire_anchor(&points, office.audit_broken_at())),
        clerk_keys: clerk_keys.certificates,
        clerk_key_revocations: clerk_keys.revocations,
        device_key_change,
    };
    let bundle_id = *CaseId::new(now)?.as_uuid();
    let created_at = rfc3339(now);
    let seal = Seal {
        kind: BundleKind::Export,
        bundle_id,
        created_at: &created_at,
        device_id: identity.device_id(),
        sender: &signing_key,
        recipient: &platform_key,
    };
    let file = bundle::seal_export(&seal, &export).map_err(|error| bundle_error(&error))?;
    Ok(SealedExport {
        session,
        decision_cursor: export.decision_cursor,
        exported: ExportedBundle {
            file,
            bundle_id: bundle_id.to_string(),
            device_id: export.device_id.clone(),
            records: export.records.len() as u64,
            pages: export.pages.len() as u64,
            pages_missing: pages_missing.len() as u64,
            device_key_change: export.device_key_change.is_some(),
        },
    })
}

fn audit_export(
    office: &mut Office,
    sealed: &SealedExport,
    written: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let exported = &sealed.exported;
    let mut details = json!({
        "bundle_id": exported.bundle_id,
        "device_id": exported.device_id,
        "records": exported.records,
        "pages": exported.pages,
        "pages_missing": exported.pages_missing,
        "decision_cursor": sealed.decision_cursor,
        "device_key_change": exported.device_key_change,
    });
    if written {
        // The file's name is the clerk's choice and may say anything: only its size.
        details["file_bytes"] = json!(exported.file.len());
    }
    office.store.audit_event(&sealed.session, AuditAction::BundleExported, None, details, now)?;
    Ok(())
}

/// Why an answer addressed to a device key this PC replaced is not imported, and why
/// nothing is lost by it.
const EARLIER_KEY_ANSWER: &str = "这份回执是省平台发给本机更换设备密钥之前的旧密钥的，已无法读取，未导入任何内容。\
其中的记录仍在待上传队列中，会随下次导出再报，平台的决定也会随下一份回执送达，不会丢失。";

/// Crash point (kill harnesses): an answer's verdicts recorded, its decisions not applied.
pub const IMPORT_CONFIRMED: &str = "app.import.confirmed";
/// Crash point: an answer's decisions applied, the device key change it answers not yet
/// settled.
pub const IMPORT_DECISIONS_APPLIED: &str = "app.import.decisions_applied";
/// Crash point: the device key change settled, the import not yet audited.
pub const IMPORT_DEVICE_KEY_SETTLED: &str = "app.import.device_key_settled";

/// Reads the platform's answer bundle (`file`), signed by `platform_key_hex` and
/// addressed to this device, and applies it as an online sync would: verdicts settle the
/// records still waiting, decisions are recorded with the cursor and applied (the 签发
/// step by 省平台). Needs 审批 or 管理员; audited as `bundle_imported`. A second import of
/// the same answer changes nothing.
pub fn import_bundle(
    office: &mut Office,
    platform_key_hex: &str,
    file: &[u8],
    now: DateTime<Utc>,
) -> Result<ImportedBundle, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    let platform_key = bundle::public_key_from_hex(platform_key_hex).map_err(|error| bundle_error(&error))?;
    let secret = office.store.device_secret()?.ok_or_else(|| {
        refused(
            "DEVICE_IDENTITY_MISSING",
            "本机还没有设备身份，不可能有发给本机的回执文件，请先导出待上报文件。".to_owned(),
        )
    })?;
    // The answer to an export that carried a device key change the platform took is
    // addressed to the new key, which the office holds as pending until it reads it.
    let pending = office.store.pending_device_key_change()?;
    let addressed_to = bundle::read_header(file).map_err(|error| bundle_error(&error))?.recipient_key;
    let signing_key = match &pending {
        Some(pending) if addressed_to == pending.change.new_key => {
            ed25519_dalek::SigningKey::from_bytes(&pending.secret)
        }
        _ => ed25519_dalek::SigningKey::from_bytes(&secret.secret),
    };
    let (header, answer) = bundle::open_answer(file, &platform_key, &signing_key).map_err(|error| {
        match error {
            // The platform's signature held (it is checked first): an answer for this PC,
            // addressed to a device key it has since replaced.
            BundleError::WrongRecipient
                if bundle::read_header(file).is_ok_and(|h| h.device_id == secret.device_id) =>
            {
                refused("BUNDLE_EARLIER_DEVICE_KEY", EARLIER_KEY_ANSWER.to_owned())
            }
            other => bundle_error(&other),
        }
    })?;
    if answer.device_id != secret.device_id {
        return Err(bundle_error(&BundleError::WrongRecipient));
    }
    let mut imported = ImportedBundle {
        bundle_id: header.bundle_id.to_string(),
        export_bundle_id: answer.export_bundle_id.to_string(),
        ..ImportedBundle::default()
    };
    let missing: HashSet<String> = answer.missing_blobs.iter().cloned().collect();
    let statuses: HashMap<uuid::Uuid, &RecordStatus> =
        answer.results.iter().map(|result| (result.record_id, &result.status)).collect();
    let mut confirm = Vec::new();
    let mut quarantine = Vec::new();
    for result in &answer.results {
        let id: store::OutboxId = result.record_id.hyphenated().to_string().parse()?;
        let item = match office.store.outbox_item(&id) {
            Ok(item) => item,
            Err(store::StoreError::NotFound { .. }) => {
                imported.skipped += 1;
                continue;
            }
            Err(other) => return Err(other.into()),
        };
        if !matches!(item.status, OutboxStatus::Queued | OutboxStatus::Sent) {
            // Settled already (this answer was imported before, or an online sync did it).
            imported.skipped += 1;
            continue;
        }
        let record = app_sync::outgoing(item)?;
        match ::sync::verdict(&record, statuses.get(&record.id).copied(), &missing) {
            Verdict::Confirm { duplicate } => {
                imported.duplicates += u64::from(duplicate);
                confirm.push(record.id);
            }
            Verdict::NeedsPage { content_hash, .. } => {
                if office.store.page_bytes_by_hash(&content_hash)?.is_none() {
                    quarantine.push((record.id, ::sync::page_missing_locally()));
                } else {
                    imported.left_queued += 1;
                }
            }
            Verdict::Quarantine(reason) => quarantine.push((record.id, reason)),
            Verdict::Leave | Verdict::Unknown => imported.left_queued += 1,
        }
    }
    // The same store calls as `StoreOutbox::quarantine` and `mark_confirmed` of the drain.
    for (id, reason) in &quarantine {
        let id: store::OutboxId = id.hyphenated().to_string().parse()?;
        office.store.outbox_quarantine_with_code(&id, &reason.code, &reason.reason, now)?;
    }
    let confirm_ids = confirm
        .iter()
        .map(|id| id.hyphenated().to_string().parse())
        .collect::<Result<Vec<store::OutboxId>, _>>()?;
    office.store.outbox_mark_confirmed(&confirm_ids, now)?;
    if let Some(seq) = answer.audit_anchor_seq {
        office.store.audit_anchor_acknowledged(seq)?;
    }
    crashpoint::point(IMPORT_CONFIRMED);
    imported.confirmed = confirm.len() as u64;
    imported.quarantined = quarantine.len() as u64;
    let mut applied = Applied::default();
    let mut handle: &mut Office = office;
    app_sync::apply_page(&mut handle, &answer.decisions, now, &mut applied)?;
    crashpoint::point(IMPORT_DECISIONS_APPLIED);
    imported.decisions = applied.decisions;
    imported.issued = applied.issued;
    imported.rejected = applied.rejected;
    // The platform's answer to the change the export carried, by the online sync's rule;
    // no answer leaves it waiting (the export was written before the order, or went to a
    // platform that does not change device keys), and so does an answer to an order a
    // later re-key replaced: the next export or sync carries the waiting one.
    if let (Some(pending), Some(device_key)) = (&pending, &answer.device_key)
        && answer.device_key_ordered.as_ref().is_none_or(|new_key| *new_key == pending.change.new_key)
    {
        let refused = app_sync::device_key_refusal(device_key, pending);
        office.store.settle_device_key_change(refused.as_deref(), now)?;
        imported.device_key_orders_waiting = office.store.pending_device_key_changes()?.len() as u64;
        imported.device_key = Some(refused.map_or(DeviceKeyOutcome::Changed, DeviceKeyOutcome::Refused));
    }
    crashpoint::point(IMPORT_DEVICE_KEY_SETTLED);
    office.store.audit_event(
        &session,
        AuditAction::BundleImported,
        None,
        json!({
            "bundle_id": imported.bundle_id,
            "export_bundle_id": imported.export_bundle_id,
            "confirmed": imported.confirmed,
            "quarantined": imported.quarantined,
            "left_queued": imported.left_queued,
            "skipped": imported.skipped,
            "decisions": imported.decisions,
            "device_key": imported.device_key.as_ref().map(|outcome| match outcome {
                DeviceKeyOutcome::Changed => "changed",
                DeviceKeyOutcome::Refused(_) => "refused",
            }),
            "device_key_orders_waiting": imported.device_key_orders_waiting,
        }),
        now,
    )?;
    Ok(imported)
}

// ---- the platform's key, kept by the office ------------------------------------------

/// The platform's bundle key as the office keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformKey {
    /// The Ed25519 public key, 64 lowercase hex digits.
    pub hex: String,
    /// Its first 16 hex digits in groups of four (`1a2b 3c4d 5e6f 7081`), to compare by
    /// phone with the platform's operator.
    pub fingerprint: String,
}

impl PlatformKey {
    pub(crate) fn from_bytes(key: &[u8; 32]) -> PlatformKey {
        let hex = hex_of(key);
        PlatformKey { fingerprint: fingerprint(&hex), hex }
    }
}

fn hex_of(key: &[u8; 32]) -> String {
    key.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The first 16 hex digits of a key in groups of four.
pub fn fingerprint(hex: &str) -> String {
    let head: Vec<String> =
        hex.chars().take(16).collect::<Vec<_>>().chunks(4).map(|group| group.iter().collect()).collect();
    head.join(" ")
}

/// What setting the platform's key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformKeySet {
    /// The key now kept.
    pub key: PlatformKey,
    /// The key it replaced, if another one was kept.
    pub replaced: Option<PlatformKey>,
    /// False when this very key was kept already (nothing written, nothing audited).
    pub changed: bool,
}

/// What the air-gapped transfer screen shows before anything is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOverview {
    /// The platform's key, if an administrator set it.
    pub platform_key: Option<PlatformKey>,
    /// This installation's device id and public key (the platform's operator registers
    /// them once; created now if this installation had none).
    pub device: app_sync::DeviceInfo,
    /// Records an export would carry now (queued, not held behind a refused record).
    pub sendable: u64,
    /// Orders replacing the device key (re-keys) the platform has not answered yet: the
    /// next export carries the first; until its answer the office signs with its key.
    pub device_key_orders_waiting: u64,
}

fn key_issue(code: &'static str, message: String) -> AppError {
    AppError::Validation(vec![FieldIssue::new("platform_key", code, message)])
}

/// The 32 bytes of a key typed or pasted by a person: 64 hex digits, spaces and colons
/// between groups allowed, and a valid Ed25519 point.
fn parse_platform_key(text: &str) -> Result<[u8; 32], AppError> {
    let compact: String =
        text.chars().filter(|c| !c.is_whitespace() && *c != ':').collect::<String>().to_ascii_lowercase();
    bundle::public_key_from_hex(&compact).map_err(|error| bundle_error(&error))
}

/// The platform's bundle key kept by the office, if any. Needs a logged-in clerk.
pub fn platform_key(office: &Office) -> Result<Option<PlatformKey>, AppError> {
    office.session()?;
    Ok(office.store.platform_bundle_key()?.as_ref().map(PlatformKey::from_bytes))
}

/// Keeps `key_text` (64 hex digits, from the platform's operator) as the platform's
/// bundle key. Needs 管理员; audited as `platform_key_set` with the old and new key.
/// Replacing a different key needs `replace` (the window asks first); without it the
/// answer is `PLATFORM_KEY_REPLACE_UNCONFIRMED` and nothing changes.
pub fn set_platform_key(
    office: &mut Office,
    key_text: &str,
    replace: bool,
    now: DateTime<Utc>,
) -> Result<PlatformKeySet, AppError> {
    set_trusted_key(office, store::TrustedKey::PlatformBundle, key_text, replace, now)
}

/// Keeps a trusted public key typed by an administrator (the platform's, or the county
/// bureau's for reference updates), with the confirmation a replacement needs.
pub(crate) fn set_trusted_key(
    office: &mut Office,
    which: store::TrustedKey,
    key_text: &str,
    replace: bool,
    now: DateTime<Utc>,
) -> Result<PlatformKeySet, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ADMIN)?;
    let key = parse_platform_key(key_text)?;
    let stored = office.store.trusted_key(which)?;
    if let Some(stored) = stored
        && stored != key
        && !replace
    {
        let whose = match which {
            store::TrustedKey::PlatformBundle => "省平台公钥",
            store::TrustedKey::ReferenceUpdates => "参考数据签发公钥",
        };
        return Err(key_issue(
            "PLATFORM_KEY_REPLACE_UNCONFIRMED",
            format!(
                "本办理点已保存{whose}（指纹 {}），更换须确认；请先与签发单位核对新公钥的指纹 {}。",
                PlatformKey::from_bytes(&stored).fingerprint,
                PlatformKey::from_bytes(&key).fingerprint
            ),
        ));
    }
    let change = office.store.set_trusted_key(&session, which, &key, now)?;
    Ok(PlatformKeySet {
        key: PlatformKey::from_bytes(&key),
        replaced: match change {
            store::PlatformKeyChange::Replaced { previous } => Some(PlatformKey::from_bytes(&previous)),
            store::PlatformKeyChange::Set | store::PlatformKeyChange::Unchanged => None,
        },
        changed: change != store::PlatformKeyChange::Unchanged,
    })
}

/// The key to use for a transfer: the office's, or `given` (`permitctl --platform-key`)
/// when the office keeps none. A `given` key that differs from the office's is refused
/// (`PLATFORM_KEY_MISMATCH`): a file for the wrong platform is never written, and an answer
/// is never trusted on a key typed for one call. No key at all is `PLATFORM_KEY_MISSING`.
pub fn resolve_platform_key(office: &Office, given: Option<&str>) -> Result<String, AppError> {
    let stored = office.store.platform_bundle_key()?;
    let given = given.map(parse_platform_key).transpose()?;
    match (stored, given) {
        (Some(stored), Some(given)) if stored != given => Err(key_issue(
            "PLATFORM_KEY_MISMATCH",
            format!(
                "给出的省平台公钥（指纹 {}）与本办理点保存的（指纹 {}）不一致，已拒绝，未作任何改动；如省平台确已更换密钥，请管理员先更换保存的公钥。",
                PlatformKey::from_bytes(&given).fingerprint,
                PlatformKey::from_bytes(&stored).fingerprint
            ),
        )),
        (Some(key), _) | (None, Some(key)) => Ok(hex_of(&key)),
        (None, None) => Err(key_issue(
            "PLATFORM_KEY_MISSING",
            "尚未设置省平台的离线交换公钥，请管理员先设置（并与省平台核对指纹）。".to_owned(),
        )),
    }
}

/// The transfer screen's facts: the platform's key, this device, what an export would
/// carry. Needs 审批 or 管理员. Creates the device identity (audited) if there is none,
/// since the platform's operator must register it before answering any export.
pub fn transfer_overview(office: &mut Office, now: DateTime<Utc>) -> Result<TransferOverview, AppError> {
    office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    let device = app_sync::device_identity(&mut *office, None, now)?;
    Ok(TransferOverview {
        platform_key: office.store.platform_bundle_key()?.as_ref().map(PlatformKey::from_bytes),
        device,
        sendable: office.store.outbox_count_sendable()?,
        device_key_orders_waiting: office.store.pending_device_key_changes()?.len() as u64,
    })
}

// ---- files on removable media ----------------------------------------------------------

/// What a bundle file found on a drive is, for the window's list of files to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBundleKind {
    /// The platform's answer to this counter PC: the one kind that can be imported.
    AnswerForThisDesk,
    /// The platform's answer to another counter PC.
    AnswerForAnotherDesk,
    /// The platform's answer to this PC, addressed to a device key it has since replaced
    /// (written before the re-key's change reached the platform): it cannot be read.
    AnswerToAnEarlierKey,
    /// An export (records for the platform): it goes to the platform, never back in.
    Export,
    /// Not a bundle, damaged, or of a format this version does not read.
    Unreadable,
}

impl FoundBundleKind {
    /// Every kind, in the order of the enum.
    pub const ALL: [FoundBundleKind; 5] = [
        FoundBundleKind::AnswerForThisDesk,
        FoundBundleKind::AnswerForAnotherDesk,
        FoundBundleKind::AnswerToAnEarlierKey,
        FoundBundleKind::Export,
        FoundBundleKind::Unreadable,
    ];

    /// The key the window receives.
    pub fn key(self) -> &'static str {
        match self {
            FoundBundleKind::AnswerForThisDesk => "answer",
            FoundBundleKind::AnswerForAnotherDesk => "answer_other_desk",
            FoundBundleKind::AnswerToAnEarlierKey => "answer_earlier_key",
            FoundBundleKind::Export => "export",
            FoundBundleKind::Unreadable => "unreadable",
        }
    }

    /// What the clerk reads beside the file.
    pub fn label(self) -> &'static str {
        match self {
            FoundBundleKind::AnswerForThisDesk => "省平台回执（本机）",
            FoundBundleKind::AnswerForAnotherDesk => "其他电脑的回执，本机不能导入",
            FoundBundleKind::AnswerToAnEarlierKey => {
                "本机更换设备密钥之前的回执，已无法导入（其中的记录会随下次导出再报）"
            }
            FoundBundleKind::Export => "待上报文件（交省平台，不在本机导入）",
            FoundBundleKind::Unreadable => "无法识别或已损坏的文件",
        }
    }
}

/// A bundle file found on a drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundBundle {
    /// Where it is.
    pub file: crate::media::FoundFile,
    /// What it is, from its header alone (nothing is trusted before the import checks it).
    pub kind: FoundBundleKind,
    /// When its sender says it was written.
    pub created_at: Option<DateTime<Utc>>,
}

/// How much of a file is read to find its header.
const HEADER_PREFIX_BYTES: u64 = 64 * 1024;

/// The bundle files (`.pdb`) on `places`, newest first, each with what its header says it
/// is, so the clerk picks the platform's answer from a list instead of typing a path.
/// Needs 审批 or 管理员 (as the import does).
pub fn found_bundles(
    office: &mut Office,
    places: &[crate::media::Place],
    now: DateTime<Utc>,
) -> Result<Vec<FoundBundle>, AppError> {
    office.clerk_with_any_role(Roles::APPROVE | Roles::ADMIN)?;
    let device = app_sync::device_identity(&mut *office, None, now)?;
    let device_id = device.device_id;
    // The keys an answer for this PC may be addressed to: its key, and the one a re-key
    // ordered while the platform's answer is awaited.
    let mut own_keys = vec![device.public_key_hex];
    if let Some(pending) = office.store.pending_device_key_change()? {
        own_keys.push(pending.change.new_key.clone());
    }
    Ok(crate::media::files_ending(places, ".pdb")
        .into_iter()
        .map(|file| {
            let header = read_prefix(&file.path).ok().and_then(|prefix| bundle::read_header(&prefix).ok());
            let kind = match &header {
                Some(header) if header.kind == BundleKind::Export => FoundBundleKind::Export,
                Some(header) if header.device_id == device_id && own_keys.contains(&header.recipient_key) => {
                    FoundBundleKind::AnswerForThisDesk
                }
                Some(header) if header.device_id == device_id => FoundBundleKind::AnswerToAnEarlierKey,
                Some(_) => FoundBundleKind::AnswerForAnotherDesk,
                None => FoundBundleKind::Unreadable,
            };
            let created_at = header
                .and_then(|header| DateTime::parse_from_rfc3339(&header.created_at).ok())
                .map(|at| at.with_timezone(&Utc));
            FoundBundle { file, kind, created_at }
        })
        .collect())
}

/// The first [`HEADER_PREFIX_BYTES`] of a file.
fn read_prefix(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut prefix = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path)?, HEADER_PREFIX_BYTES),
        &mut prefix,
    )?;
    Ok(prefix)
}

/// A file on removable media (a bundle, an answer, a support file) could not be read or
/// written: a wrong path, a stick pulled or full, a read-only medium. Carries the path as typed (a clerk's choice, never logged with
/// content) and the operating system's error.
#[derive(Debug, thiserror::Error)]
#[error("{} bundle file {}: {source}", if *.writing { "write" } else { "read" }, .path.display())]
pub struct BundleFileError {
    /// The file (or folder) concerned.
    pub path: PathBuf,
    /// Writing (export) rather than reading (import).
    pub writing: bool,
    /// The operating system's error.
    pub source: std::io::Error,
}

// Its stable code is given by the one error catalogue, `app::problem`.
impl BundleFileError {
    /// One Chinese sentence for the clerk.
    pub fn message_zh(&self) -> String {
        use std::io::ErrorKind;
        let path = self.path.display();
        match (self.writing, self.source.kind()) {
            (true, ErrorKind::AlreadyExists) => {
                format!("文件“{path}”已存在，不会覆盖；请换一个文件名。")
            }
            (true, ErrorKind::NotFound) => {
                format!("找不到文件夹“{path}”，请检查U盘是否已插好。")
            }
            (false, ErrorKind::NotFound) => {
                format!("找不到文件“{path}”，请检查U盘是否已插好，再刷新列表。")
            }
            (_, ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) => {
                format!("没有权限访问“{path}”（U盘可能处于写保护状态），未作任何改动。")
            }
            (true, ErrorKind::NotConnected) => {
                format!(
                    "写入“{path}”时U盘被拔出，文件没有写完整，也不会被当作完整的文件；请插好U盘后重新操作。"
                )
            }
            (true, ErrorKind::StorageFull) => {
                format!("“{path}”所在的磁盘或U盘空间不足，文件未写入。")
            }
            (_, ErrorKind::IsADirectory) => {
                format!("“{path}”是文件夹，不是文件，请重新选择。")
            }
            (false, ErrorKind::FileTooLarge) => {
                format!("文件“{path}”过大，不是本系统的离线交换文件，未导入任何内容。")
            }
            (true, _) => format!("无法写入文件“{path}”，请检查U盘后重试；未留下不完整的文件。"),
            (false, _) => format!("无法读取文件“{path}”，请检查U盘后重试。"),
        }
    }
}

/// What [`export_bundle_to_file`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    /// The file written (a folder given as the path gets a file named by the time).
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The bundle's id (the answer names it).
    pub bundle_id: String,
    /// The device that signed it.
    pub device_id: String,
    /// Records in it (they stay queued until the answer is imported).
    pub records: u64,
    /// Pages in it.
    pub pages: u64,
    /// Pages named by records that the store does not hold.
    pub pages_missing: u64,
    /// True when it carries the order replacing the device's key (see
    /// [`ExportedBundle::device_key_change`]).
    pub device_key_change: bool,
}

/// The file name an export gets when the clerk names a folder: the counter's local time.
pub fn default_export_file_name(now: DateTime<Utc>) -> String {
    format!("permit-desk-export-{}.pdb", crate::clock::file_stamp(now))
}

/// Writes `bytes` to `partial` next to `path`, flushes it, and renames it into place, so
/// a full disk or a pulled stick never leaves a half-written bundle under the final name.
/// A partial file is removed again when anything fails; a stick pulled while the file was
/// written (its folder now another file system, or gone) is said as such
/// ([`std::io::ErrorKind::NotConnected`]).
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_whole_with(path, bytes, || {})
}

/// [`write_whole`] calling `midway` when half the bytes are written: the fault tests pull
/// the stick there. Not for other callers.
#[doc(hidden)]
pub fn write_whole_with(path: &Path, bytes: &[u8], midway: impl FnOnce()) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let folder = path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let device = |folder: &Path| std::fs::metadata(folder).ok().map(|meta| meta.dev());
    let device_at_start = device(folder);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&partial)?;
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        std::io::Write::write_all(&mut file, first)?;
        midway();
        std::io::Write::write_all(&mut file, rest)?;
        file.sync_all()?;
        std::fs::rename(&partial, path)?;
        // The rename is durable once the folder is flushed (best effort: not every file
        // system lets a folder be opened).
        if let Ok(folder) = std::fs::File::open(folder) {
            let _ = folder.sync_all();
        }
        Ok(())
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        if device_at_start.is_some() && device(folder) != device_at_start {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                format!("the medium was removed while the file was written ({error})"),
            ));
        }
        return Err(error);
    }
    Ok(())
}

/// The file an export writes to: `path` itself, or a file named `file_name` in it when it
/// is a folder. Refuses a folder that is not there, the folder a pulled stick left behind
/// ([`crate::media::stick_gone`]), and a file that is there (an old export or an answer is
/// never overwritten).
pub(crate) fn export_target(path: &Path, file_name: &str) -> Result<PathBuf, BundleFileError> {
    let problem = |path: &Path, kind: std::io::ErrorKind| BundleFileError {
        path: path.to_owned(),
        writing: true,
        source: std::io::Error::from(kind),
    };
    if path.as_os_str().is_empty() {
        return Err(problem(path, std::io::ErrorKind::NotFound));
    }
    let target = if path.is_dir() { path.join(file_name) } else { path.to_owned() };
    let folder = match target.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_owned(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() || crate::media::stick_gone(&folder) {
        return Err(problem(&folder, std::io::ErrorKind::NotFound));
    }
    if target.exists() {
        return Err(problem(&target, std::io::ErrorKind::AlreadyExists));
    }
    Ok(target)
}

/// Exports the sendable records to a file at `path` (a file, or a folder to put a
/// time-named file in) for the office's platform key (or `given_key`, see
/// [`resolve_platform_key`]). The office is held while the bundle is sealed and audited,
/// not while the file goes to the medium. Needs 审批 or 管理员; audited as
/// `bundle_exported` once the file is in place. The records stay queued.
pub fn export_bundle_to_file(
    mut handle: impl OfficeHandle,
    path: &Path,
    given_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ExportedFile, AppError> {
    let target = export_target(path, &default_export_file_name(now))?;
    let sealed = handle.with_office(|office| {
        let key = resolve_platform_key(office, given_key)?;
        seal_export(office, &key, now)
    })?;
    write_whole(&target, &sealed.exported.file).map_err(|source| BundleFileError {
        path: target.clone(),
        writing: true,
        source,
    })?;
    handle.with_office(|office| audit_export(office, &sealed, true, now))?;
    let exported = sealed.exported;
    Ok(ExportedFile {
        path: target,
        bytes: exported.file.len() as u64,
        bundle_id: exported.bundle_id,
        device_id: exported.device_id,
        records: exported.records,
        pages: exported.pages,
        pages_missing: exported.pages_missing,
        device_key_change: exported.device_key_change,
    })
}

/// Reads the platform's answer at `path` (without holding the office) and imports it
/// with the office's platform key (or `given_key`, see [`resolve_platform_key`]), as
/// [`import_bundle`]. A second import of the same answer changes nothing.
pub fn import_bundle_from_file(
    mut handle: impl OfficeHandle,
    path: &Path,
    given_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ImportedBundle, AppError> {
    let problem = |source| BundleFileError { path: path.to_owned(), writing: false, source };
    let length = std::fs::metadata(path).map_err(problem)?.len();
    if length > bundle::MAX_BUNDLE_BYTES as u64 {
        return Err(problem(std::io::Error::from(std::io::ErrorKind::FileTooLarge)).into());
    }
    let file = std::fs::read(path).map_err(problem)?;
    handle.with_office(|office| {
        let key = resolve_platform_key(office, given_key)?;
        import_bundle(office, &key, &file, now)
    })
}
