//! Transport types of the air-gapped transfer screen (离线传输).

use serde::Serialize;
use ts_rs::TS;

/// The platform's bundle key as the office keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlatformKeyInfo {
    /// The Ed25519 public key, 64 lowercase hex digits.
    pub hex: String,
    /// Its first 16 hex digits in groups of four, to compare by phone with the platform.
    pub fingerprint: String,
}

impl From<app::bundle::PlatformKey> for PlatformKeyInfo {
    fn from(key: app::bundle::PlatformKey) -> Self {
        Self { hex: key.hex, fingerprint: key.fingerprint }
    }
}

/// What the transfer screen shows before anything is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TransferInfo {
    /// The platform's key, `null` until an administrator sets it.
    pub platform_key: Option<PlatformKeyInfo>,
    /// This installation's device id (the platform's operator registers it once).
    pub device_id: String,
    /// This installation's Ed25519 public key, 64 hex digits.
    pub device_public_key: String,
    /// Records an export would carry now.
    #[ts(type = "number")]
    pub sendable: u64,
    /// Re-keys' orders replacing the device key that the platform has not answered yet.
    #[ts(type = "number")]
    pub device_key_orders_waiting: u64,
}

/// A bundle file found on a drive, for the list 导入平台回执 picks from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BundleFileInfo {
    /// The file (sent back to import it; never typed by the clerk).
    pub path: String,
    /// Its name, with the folder it is in on the drive.
    pub name: String,
    /// The drive's label, or 本机主文件夹.
    pub place: String,
    /// On a removable drive.
    pub removable: bool,
    /// Its size in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
    /// When it was last written, the counter's local time to the minute ("" if unknown).
    pub modified: String,
    /// What its header says it is: `answer` (for this PC), `answer_other_desk`,
    /// `answer_earlier_key` (for this PC, addressed to a device key it replaced), `export`,
    /// `unreadable`.
    pub kind: String,
    /// That, in Chinese.
    pub kind_label: String,
    /// It can be imported here (an answer for this PC).
    pub importable: bool,
}

impl From<app::bundle::FoundBundle> for BundleFileInfo {
    fn from(found: app::bundle::FoundBundle) -> Self {
        let written = found.created_at.or(found.file.modified);
        Self {
            path: found.file.path.display().to_string(),
            name: found.file.name,
            place: found.file.place,
            removable: found.file.removable,
            bytes: found.file.bytes,
            modified: written.map(super::cases::local_minute).unwrap_or_default(),
            kind: found.kind.key().to_owned(),
            kind_label: found.kind.label().to_owned(),
            importable: found.kind == app::bundle::FoundBundleKind::AnswerForThisDesk,
        }
    }
}

/// What setting the platform's key did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlatformKeySetInfo {
    /// The key now kept.
    pub key: PlatformKeyInfo,
    /// The key it replaced.
    pub replaced: Option<PlatformKeyInfo>,
    /// False when this very key was kept already.
    pub changed: bool,
}

impl From<app::bundle::PlatformKeySet> for PlatformKeySetInfo {
    fn from(set: app::bundle::PlatformKeySet) -> Self {
        Self { key: set.key.into(), replaced: set.replaced.map(Into::into), changed: set.changed }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BundleExportInfo {
    /// The file written.
    pub path: String,
    /// Its size.
    #[ts(type = "number")]
    pub bytes: u64,
    /// The bundle's id (the platform's answer names it).
    pub bundle_id: String,
    /// Records in it; they stay queued until the answer is imported.
    #[ts(type = "number")]
    pub records: u64,
    /// Scanned pages in it.
    #[ts(type = "number")]
    pub pages: u64,
    /// Pages the records name that this office does not hold.
    #[ts(type = "number")]
    pub pages_missing: u64,
    /// True when it carries the administrator's order replacing this PC's device key
    /// (after a re-key): the platform's answer settles it.
    pub device_key_change: bool,
}

impl From<app::bundle::ExportedFile> for BundleExportInfo {
    fn from(file: app::bundle::ExportedFile) -> Self {
        Self {
            path: file.path.display().to_string(),
            bytes: file.bytes,
            bundle_id: file.bundle_id,
            records: file.records,
            pages: file.pages,
            pages_missing: file.pages_missing,
            device_key_change: file.device_key_change,
        }
    }
}

/// What importing the platform's answer did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BundleImportInfo {
    /// The answer's id.
    pub bundle_id: String,
    /// The export it answers.
    pub export_bundle_id: String,
    /// Records the platform confirmed (now synced).
    #[ts(type = "number")]
    pub confirmed: u64,
    /// Of those, records the platform already had.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Records the platform refused (now in 被退回的记录).
    #[ts(type = "number")]
    pub refused: u64,
    /// Records still waiting (the platform deferred them or lacks a page).
    #[ts(type = "number")]
    pub left_queued: u64,
    /// Answers for records settled before (this answer was imported already).
    #[ts(type = "number")]
    pub skipped: u64,
    /// Platform decisions applied now.
    #[ts(type = "number")]
    pub decisions: u64,
    /// Of those, permits issued.
    #[ts(type = "number")]
    pub issued: u64,
    /// Of those, applications the platform rejected.
    #[ts(type = "number")]
    pub rejected: u64,
    /// False when nothing changed (the same answer imported again).
    pub changed: bool,
    /// True when the platform took the order replacing this PC's device key that the
    /// export carried: the office signs with the new key from now on.
    pub device_key_changed: bool,
    /// Why the platform did not take that order (the office keeps its key), in Chinese.
    pub device_key_refused: Option<String>,
    /// When it took it: how many orders of later re-keys still wait, each carried by an
    /// export in turn.
    #[ts(type = "number")]
    pub device_key_orders_waiting: u64,
}

impl From<app::bundle::ImportedBundle> for BundleImportInfo {
    fn from(imported: app::bundle::ImportedBundle) -> Self {
        Self {
            changed: !imported.changed_nothing(),
            device_key_changed: imported.device_key == Some(app::bundle::DeviceKeyOutcome::Changed),
            device_key_orders_waiting: imported.device_key_orders_waiting,
            device_key_refused: match imported.device_key {
                Some(app::bundle::DeviceKeyOutcome::Refused(ref reason)) => Some(reason.clone()),
                _ => None,
            },
            bundle_id: imported.bundle_id,
            export_bundle_id: imported.export_bundle_id,
            confirmed: imported.confirmed,
            duplicates: imported.duplicates,
            refused: imported.quarantined,
            left_queued: imported.left_queued,
            skipped: imported.skipped,
            decisions: imported.decisions,
            issued: imported.issued.len() as u64,
            rejected: imported.rejected.len() as u64,
        }
    }
}
