//! Transport types of the scan panel.

use base64::Engine;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ColourName;

/// What the scan panel asks the scanner for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct ScanRequest {
    /// SANE device name from [`ScannerChoice::name`].
    pub device: String,
    /// Pages to scan (1–50; a feeder stops when empty).
    pub pages: u32,
    /// Dots per inch.
    pub resolution: u32,
    /// `grey` or `colour`.
    #[ts(type = "ColourKey")]
    pub colour: ColourName,
    /// The evidence item the pages prove (empty: unassigned).
    pub evidence: String,
}

impl ScanRequest {
    /// The scanner's settings and the intake that follows (at most 50 pages at a time).
    pub fn settings(&self) -> (app::scans::ScanSettings, app::scans::IntakeOptions) {
        let mode = app::scans::ColourMode::from_name(&self.colour);
        let settings = app::scans::ScanSettings {
            resolution: self.resolution,
            mode,
            pages: self.pages.clamp(1, 50),
            ..Default::default()
        };
        (settings, app::scans::IntakeOptions::for_mode(mode))
    }
}

/// A change the clerk makes to one page; each part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
pub struct PageEditInput {
    /// Quarter turns clockwise (1–3).
    #[serde(default)]
    #[ts(optional)]
    pub quarter_turns: Option<u32>,
    /// A new evidence link (empty: unassigned).
    #[serde(default)]
    #[ts(optional)]
    pub evidence: Option<String>,
    /// A new position, 1 = first.
    #[serde(default)]
    #[ts(optional)]
    pub position: Option<u32>,
}

impl From<PageEditInput> for app::scans::PageEdit {
    fn from(input: PageEditInput) -> Self {
        Self {
            quarter_turns: input.quarter_turns.unwrap_or(0),
            evidence: input.evidence,
            position: input.position,
        }
    }
}

/// A scanner the clerk may choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScannerChoice {
    /// SANE device name (sent back to scan), e.g. `test:0`.
    pub name: String,
    /// Maker, model and kind.
    pub label: String,
}

impl From<app::scans::Device> for ScannerChoice {
    fn from(device: app::scans::Device) -> Self {
        let label = [device.vendor.as_str(), device.model.as_str(), device.kind.as_str()]
            .into_iter()
            .filter(|part| !part.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Self { label: if label.is_empty() { device.name.clone() } else { label }, name: device.name }
    }
}

/// Progress of a multi-page scan (event `scan-progress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct ScanProgress {
    /// Pages scanned.
    pub done: u32,
    /// Pages asked for.
    pub total: u32,
}

/// One stored page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PageDto {
    /// Page id.
    pub id: String,
    /// Order, from 1.
    pub position: u32,
    /// Evidence path it proves, or empty.
    pub evidence: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// `grey` or `colour`.
    pub mode: String,
    /// Content hash, hex.
    pub sha256: String,
    /// Stored size in KB.
    pub kilobytes: u32,
    /// Thumbnail as a JPEG data URL.
    pub thumbnail: String,
    /// The reviewer's mark on it, if any.
    pub mark: Option<PageMarkInfo>,
}

/// A reviewer's mark on a page ([`app::scans::PageMarkView`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PageMarkInfo {
    /// `unclear` or `mismatch`.
    #[ts(type = "PageMarkKey")]
    pub mark: String,
    /// The reviewer's note (may be empty).
    pub note: String,
    /// The reviewer's name.
    pub by: String,
    /// When, local time.
    pub at: String,
    /// The reason it gives for sending the case back.
    pub reason: String,
}

impl From<app::scans::PageInfo> for PageDto {
    fn from(page: app::scans::PageInfo) -> Self {
        Self {
            thumbnail: format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&page.thumbnail)
            ),
            kilobytes: u32::try_from(page.bytes.div_ceil(1024)).unwrap_or(u32::MAX),
            id: page.id,
            position: page.position,
            evidence: page.evidence,
            width: page.width,
            height: page.height,
            mode: page.mode,
            sha256: page.sha256,
            mark: page.mark.map(|mark| PageMarkInfo {
                mark: mark.mark.key().to_owned(),
                note: mark.note,
                by: mark.by,
                at: super::cases::local_minute(mark.at),
                reason: mark.reason,
            }),
        }
    }
}

/// The case's pages and what is still unproven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PagesInfo {
    /// Pages in order.
    pub pages: Vec<PageDto>,
    /// Evidence paths ticked without a page.
    pub unproven: Vec<String>,
}

impl From<app::scans::Overview> for PagesInfo {
    fn from(overview: app::scans::Overview) -> Self {
        Self { pages: overview.pages.into_iter().map(PageDto::from).collect(), unproven: overview.unproven }
    }
}

/// What a scan stored: the case's pages afterwards, and why the scanner stopped part-way
/// when it did (the pages it sent before are among `pages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScanOutcome {
    /// The case's pages and what is still unproven.
    pub pages: PagesInfo,
    /// 扫描在第 N 页中断：…, or `null` when the scan ended normally.
    pub stopped: Option<String>,
}

/// What a joined desk's scanner brought in, for the page to upload to the office server
/// one by one (`import_page`, which checks and normalises each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeskScanInfo {
    /// Each page as a PNG data URL, in order.
    pub pages: Vec<String>,
    /// 扫描在第 N 页中断：…, or `null` when the scan ended normally.
    pub stopped: Option<String>,
}

impl From<app::scans::ScannedAtDesk> for DeskScanInfo {
    fn from(scanned: app::scans::ScannedAtDesk) -> Self {
        use base64::Engine as _;
        let stopped = scanned.stopped_message();
        let pages = scanned
            .pages
            .iter()
            .map(|png| {
                format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
            })
            .collect();
        DeskScanInfo { pages, stopped }
    }
}

/// A file of the watched folder that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RefusedFile {
    /// The file's name.
    pub name: String,
    /// Stable code, e.g. `SCAN_PDF_NOT_SUPPORTED`.
    pub code: app::problem::ErrorCode,
    /// The Chinese sentence.
    pub message: String,
}

/// A new file of the watched folder at a joined desk, for the page to upload to the office
/// server (`import_page`, which checks and normalises it; a PDF brings its pages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeskFolderFile {
    /// The file's name in the folder (what the page reports back with `desk_folder_file_done`).
    pub name: String,
    /// The file as it lies on disk, as a base64 data URL.
    pub data_url: String,
}

/// What one poll of the watched folder found at a joined desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeskFolderInfo {
    /// The new, complete files, in name order.
    pub files: Vec<DeskFolderFile>,
    /// Files refused here (too large, unreadable), each with its reason; they stay.
    pub refused: Vec<RefusedFile>,
}

impl From<(Vec<app::scan_folder::DeskFile>, Vec<app::scan_folder::Refused>)> for DeskFolderInfo {
    fn from((files, refused): (Vec<app::scan_folder::DeskFile>, Vec<app::scan_folder::Refused>)) -> Self {
        use base64::Engine as _;
        let files = files
            .into_iter()
            .map(|file| {
                // The server tells the format from the bytes; the label is for people.
                let media = match file.bytes.get(..4) {
                    Some(b"%PDF") => "application/pdf",
                    Some([0xFF, 0xD8, ..]) => "image/jpeg",
                    Some([0x89, b'P', b'N', b'G']) => "image/png",
                    _ => "application/octet-stream",
                };
                let encoded = base64::engine::general_purpose::STANDARD.encode(&file.bytes);
                DeskFolderFile { name: file.name, data_url: format!("data:{media};base64,{encoded}") }
            })
            .collect();
        let refused = refused
            .into_iter()
            .map(|refused| RefusedFile { name: refused.name, code: refused.code, message: refused.message })
            .collect();
        DeskFolderInfo { files, refused }
    }
}

/// What one poll of the watched folder brought into the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FolderPollInfo {
    /// Names of the files stored as pages (moved into `imported/`).
    pub imported: Vec<String>,
    /// Files refused, each with its reason.
    pub refused: Vec<RefusedFile>,
    /// The case's pages afterwards.
    pub pages: PagesInfo,
}

impl From<app::scan_folder::Imported> for FolderPollInfo {
    fn from(imported: app::scan_folder::Imported) -> Self {
        Self {
            imported: imported.files,
            refused: imported
                .refused
                .into_iter()
                .map(|refused| RefusedFile {
                    name: refused.name,
                    code: refused.code,
                    message: refused.message,
                })
                .collect(),
            pages: imported.overview.into(),
        }
    }
}
