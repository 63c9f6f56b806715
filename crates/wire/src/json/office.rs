//! Transport types of the office's own details: what the first-run screen and the
//! administrator's 办理点信息 screen send, and what the window shows.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ProfileInfo;

/// The office's details as the window sends them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct OfficeDetailsInput {
    /// County-level division code chosen from the division list, e.g. `330182`.
    pub county_code: String,
    /// The office's number within the county, two digits, given by the county bureau.
    pub station: String,
    /// The office's name as printed.
    pub name: String,
    /// Its address.
    pub address: String,
    /// Its telephone.
    pub phone: String,
}

impl OfficeDetailsInput {
    /// The app's details (trimmed; a one-digit station gets its leading zero).
    pub fn into_details(self) -> app::office::OfficeDetails {
        let station = self.station.trim();
        let station = if station.len() == 1 { format!("0{station}") } else { station.to_owned() };
        app::office::OfficeDetails {
            county_code: self.county_code.trim().to_owned(),
            station,
            name: self.name.trim().to_owned(),
            address: self.address.trim().to_owned(),
            phone: self.phone.trim().to_owned(),
        }
    }
}

/// The office's details and what follows from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OfficeDetailsInfo {
    /// The details, `null` for an office set up before they existed (set them first).
    pub details: Option<OfficeDetailsInput>,
    /// The county's full name, e.g. `浙江省杭州市建德市`.
    pub county_name: Option<String>,
    /// The prefix of the office's application numbers (county code and station).
    pub application_prefix: Option<String>,
    /// The profile the counters apply by default: the county's own document, or the
    /// provincial default (which answers that the county has none).
    pub default_profile: ProfileInfo,
    /// When the details were never set: what an old `office.json` in the data directory
    /// held (county, name, address, phone; no station), to prefill the page once.
    pub suggested: Option<OfficeDetailsInput>,
}

impl From<app::office::OfficeDetails> for OfficeDetailsInput {
    fn from(details: app::office::OfficeDetails) -> Self {
        OfficeDetailsInput {
            county_code: details.county_code,
            station: details.station,
            name: details.name,
            address: details.address,
            phone: details.phone,
        }
    }
}

impl OfficeDetailsInfo {
    /// Reads the office's details and its default profile; `data_dir` is where an old
    /// `office.json` may suggest details that were never set.
    pub fn new(office: &app::office::Office, data_dir: &std::path::Path) -> Result<Self, app::AppError> {
        let details = office.details()?;
        let suggested = match details {
            None => app::office::legacy_details(data_dir),
            Some(_) => None,
        };
        let county_name = details.as_ref().or(suggested.as_ref()).and_then(|details| {
            app::reference::embedded().ok().and_then(|data| data.divisions.describe(&details.county_code))
        });
        Ok(Self {
            application_prefix: details.as_ref().map(app::office::OfficeDetails::application_prefix),
            county_name,
            details: details.map(OfficeDetailsInput::from),
            default_profile: app::assess::office_profile(office)?.summary().into(),
            suggested: suggested.map(OfficeDetailsInput::from),
        })
    }
}

/// A signed reference-data update the office loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LoadedUpdateInfo {
    /// The issuer's serial.
    #[ts(type = "number")]
    pub serial: u64,
    /// Who issued it.
    pub issuer: String,
    /// The day it was issued, `YYYY-MM-DD`.
    pub issued_on: String,
    /// The years its table holds (a holiday update).
    pub years: Vec<i32>,
    /// The profiles it holds, `code name document` (a profiles update).
    pub profiles: Vec<String>,
}

impl From<app::reference_update::LoadedUpdate> for LoadedUpdateInfo {
    fn from(update: app::reference_update::LoadedUpdate) -> Self {
        Self {
            serial: update.serial,
            issuer: update.issuer,
            issued_on: update.issued_on,
            years: update.years,
            profiles: update.profiles,
        }
    }
}

/// The office's reference data: the key updates are checked with, the holiday update
/// loaded, and the years the holiday calendar now covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReferenceStatusInfo {
    /// The county bureau's key, `null` until an administrator sets it.
    pub key: Option<super::PlatformKeyInfo>,
    /// The holiday update loaded, if any.
    pub holidays: Option<LoadedUpdateInfo>,
    /// The county profiles update loaded, if any.
    pub profiles: Option<LoadedUpdateInfo>,
    /// Every year the holiday calendar covers (the program's and the update's).
    pub holiday_years: Vec<i32>,
}

impl From<app::reference_update::ReferenceStatus> for ReferenceStatusInfo {
    fn from(status: app::reference_update::ReferenceStatus) -> Self {
        Self {
            key: status.key.map(Into::into),
            holidays: status.holidays.map(Into::into),
            profiles: status.profiles.map(Into::into),
            holiday_years: status.holiday_years,
        }
    }
}

/// The last upgrade of the office's database, for the notice after an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpgradeInfo {
    /// Its audit row's number: the window shows the notice once per upgrade.
    #[ts(type = "number")]
    pub seq: i64,
    /// When, `YYYY-MM-DD HH:MM` at the counter.
    pub at: String,
    /// The schema version found.
    pub from: u32,
    /// The version it was brought to.
    pub to: u32,
    /// Where the copy of the database as it was lies, if one was made.
    pub copy: Option<String>,
}

impl From<app::office::SchemaUpgrade> for UpgradeInfo {
    fn from(upgrade: app::office::SchemaUpgrade) -> Self {
        Self {
            seq: upgrade.seq,
            at: super::local_minute(upgrade.at),
            from: upgrade.from,
            to: upgrade.to,
            copy: upgrade.copy.map(|path| path.display().to_string()),
        }
    }
}

/// The support file written (诊断信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SupportExportInfo {
    /// The file written.
    pub path: String,
    /// Its size.
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A place a file can be written to, for the window's picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlaceInfo {
    /// The folder (sent back to write there; never typed by the clerk).
    pub path: String,
    /// The drive's label, or 本机主文件夹.
    pub label: String,
    /// A removable drive (USB stick).
    pub removable: bool,
    /// Free bytes, when known.
    #[ts(type = "number | null")]
    pub free_bytes: Option<u64>,
    /// Total bytes, when known.
    #[ts(type = "number | null")]
    pub total_bytes: Option<u64>,
}

/// A folder inside a place, for the window's folder picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FolderInfo {
    /// The folder (sent back to open or choose it; never typed by the clerk).
    pub path: String,
    /// Its name.
    pub name: String,
}

impl From<app::media::Folder> for FolderInfo {
    fn from(folder: app::media::Folder) -> Self {
        Self { path: folder.path.display().to_string(), name: folder.name }
    }
}

impl From<app::media::Place> for PlaceInfo {
    fn from(place: app::media::Place) -> Self {
        Self {
            path: place.path.display().to_string(),
            label: place.label,
            removable: place.removable,
            free_bytes: place.space.map(|(free, _)| free),
            total_bytes: place.space.map(|(_, total)| total),
        }
    }
}

/// A backup written from the window (备份).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupMadeInfo {
    /// The file written.
    pub path: String,
    /// Its size.
    #[ts(type = "number")]
    pub bytes: u64,
    /// When, local minute.
    pub created_at: String,
}

/// A backup file the window offers to restore from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupFileInfo {
    /// The file (sent back to restore; never shown for typing).
    pub path: String,
    /// Its name, with the folder it is in.
    pub name: String,
    /// The stick's label, 本机主文件夹, or the folder of the last backup.
    pub place: String,
    /// The office it is of.
    pub office_id: String,
    /// When it was made, local minute.
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// Its size.
    #[ts(type = "number")]
    pub bytes: u64,
    /// The last backup made on this PC.
    pub last: bool,
    /// The administrators who can restore it (its key is sealed to them); empty for a
    /// backup of an older program, which any clerk's password of its day opened.
    pub restorable_by: Vec<String>,
}

/// What a restore from the window did: the administrator logged in to the restored office,
/// and the clerks revoked since the backup was made, whose accounts the backup still had
/// and the restore revoked again (the window names them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RestoredInfo {
    /// The administrator, logged in.
    pub session: super::SessionInfo,
    /// The clerks revoked again, in the order revoked, each as `姓名（用户名）`.
    pub revoked_again: Vec<String>,
    /// The re-key that followed (the backup's key was one a revoked clerk held); `null`
    /// when none was needed.
    pub rekey: Option<RekeyInfo>,
}

/// What a re-key of the office did (after a revocation, a restore, or when the
/// administrator asked): the data key replaced so that a revoked clerk's old password,
/// and any copy of the office's files they kept, opens nothing made from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RekeyInfo {
    /// The office's key generation now; `null` when the re-key did not happen (`problem`).
    pub generation: Option<u32>,
    /// Clerks the new key could not be handed to (not logged in since this program came):
    /// their accounts are paused until an administrator re-enables them with a new
    /// password, each as `姓名（用户名）`.
    pub needs_reset: Vec<String>,
    /// The office server's unlock file no longer opens the office (made elsewhere than on
    /// the server): `permit-desk-server setup` again.
    pub server_unlock_removed: bool,
    /// Why the re-key did not happen, one Chinese sentence; the revocation stands and the
    /// re-key is owed (人员管理 offers it again).
    pub problem: Option<String>,
}

impl RekeyInfo {
    /// From a re-key's outcome, the clerks named as the administrator knows them (`clerks`:
    /// the office's clerk list, read after the re-key).
    pub fn from_outcome(
        outcome: Result<app::office::Rekeyed, app::AppError>,
        clerks: &[app::users::Clerk],
    ) -> RekeyInfo {
        match outcome {
            Ok(rekeyed) => RekeyInfo {
                generation: Some(rekeyed.generation),
                needs_reset: rekeyed
                    .needs_reset
                    .iter()
                    .map(|username| clerk_name(clerks, username))
                    .collect(),
                server_unlock_removed: rekeyed.server_slot == app::office::ServerSlotAfterRekey::Removed,
                problem: None,
            },
            Err(error) => RekeyInfo {
                generation: None,
                needs_reset: Vec::new(),
                server_unlock_removed: false,
                problem: Some(app::problem::Problem::of(&error).message),
            },
        }
    }
}

/// `姓名（用户名）`, or the user name alone for a clerk not in `clerks`.
pub fn clerk_name(clerks: &[app::users::Clerk], username: &str) -> String {
    clerks
        .iter()
        .find(|clerk| clerk.username == username)
        .map_or_else(|| username.to_owned(), |clerk| format!("{}（{}）", clerk.display_name, clerk.username))
}

impl From<app::backup::FoundBackup> for BackupFileInfo {
    fn from(found: app::backup::FoundBackup) -> Self {
        let created_at = chrono::DateTime::parse_from_rfc3339(&found.info.created_at)
            .map(|at| super::local_minute(at.to_utc()))
            .unwrap_or(found.info.created_at);
        Self {
            path: found.file.path.display().to_string(),
            name: found.file.name,
            place: found.file.place,
            office_id: found.info.office_id,
            created_at,
            created_by: found.info.created_by,
            bytes: found.file.bytes,
            last: found.last,
            restorable_by: found.info.sealed_to,
        }
    }
}
