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
use crate::sync::{self as app_sync, Applied, IssuedPermit, PlatformRejection};

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
    let export = ExportBundle {
        device_id: identity.device_id().to_owned(),
        decision_cursor: office.store.sync_state()?.decision_cursor,
        records,
        pages: pages.into_values().collect(),
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
    let exported = ExportedBundle {
        file,
        bundle_id: bundle_id.to_string(),
        device_id: export.device_id.clone(),
        records: export.records.len() as u64,
        pages: export.pages.len() as u64,
        pages_missing: pages_missing.len() as u64,
    };
    office.store.audit_event(
        &session,
        AuditAction::BundleExported,
        None,
        json!({
            "bundle_id": exported.bundle_id,
            "device_id": exported.device_id,
            "records": exported.records,
            "pages": exported.pages,
            "pages_missing": exported.pages_missing,
            "decision_cursor": export.decision_cursor,
        }),
        now,
    )?;
    Ok(exported)
}

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
    let signing_key = ed25519_dalek::SigningKey::from_bytes(&secret.secret);
    let (header, answer) =
        bundle::open_answer(file, &platform_key, &signing_key).map_err(|error| bundle_error(&error))?;
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
    imported.confirmed = confirm.len() as u64;
    imported.quarantined = quarantine.len() as u64;
    let mut applied = Applied::default();
    let mut handle: &mut Office = office;
    app_sync::apply_page(&mut handle, &answer.decisions, now, &mut applied)?;
    imported.decisions = applied.decisions;
    imported.issued = applied.issued;
    imported.rejected = applied.rejected;
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
        }),
        now,
    )?;
    Ok(imported)
}
