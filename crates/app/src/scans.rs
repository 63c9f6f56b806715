//! Scanned proofs: pages from a SANE scanner, a document camera's frame or a file, through
//! the scan pipeline (normalised, compressed, hashed), stored encrypted with their case and
//! linked to the evidence checkbox they prove.
//!
//! Acquiring (scanning, decoding, encoding) takes seconds and needs no store, so it runs
//! without the office: [`acquire_sane`], [`intake_file`], [`intake_data_url`] return
//! normalised [`scan::Page`]s; [`attach`] then stores them in one short call. The shell
//! keeps the office lock only for that last step.

use std::path::Path;

use chrono::{DateTime, Utc};
use domain::assessment::{Assessment, NoticeItem};
use domain::record::{ApplicationRecord, EvidenceItem};
use domain::review::PageMark;
use store::{NewPage, PageChange, PageMeta, Roles, User};

use crate::AppError;
use crate::cases::CaseId;
use crate::office::Office;
use crate::problem::Problem;

pub use scan::{ColourMode, Device, IntakeOptions, Page, Rotation, SaneEnv, ScanError, ScanSettings};

/// A stored page as the scan panel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInfo {
    /// Page id.
    pub id: String,
    /// Order within the case, from 1.
    pub position: u32,
    /// The evidence path it proves (e.g. `employment.labour_contract`), or empty.
    pub evidence: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// `grey` or `colour`.
    pub mode: String,
    /// Content hash (SHA-256, hex).
    pub sha256: String,
    /// Stored size in bytes.
    pub bytes: u64,
    /// Thumbnail JPEG.
    pub thumbnail: Vec<u8>,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// The reviewer's mark on it, if any.
    pub mark: Option<PageMarkView>,
}

/// A reviewer's mark on a page, as the case page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMarkView {
    /// 不清晰 or 与材料不符.
    pub mark: PageMark,
    /// The reviewer's note (may be empty).
    pub note: String,
    /// The reviewer's name.
    pub by: String,
    /// When it was set.
    pub at: DateTime<Utc>,
    /// The reason it gives for sending the case back, as the applicant will read it.
    pub reason: String,
}

impl PageInfo {
    /// The page as stored, its mark's author named from `users`.
    pub(crate) fn new(meta: PageMeta, users: &[User]) -> PageInfo {
        let mark = meta.mark.map(|mark| PageMarkView {
            by: users
                .iter()
                .find(|user| user.id == mark.by)
                .map_or_else(|| format!("#{}", mark.by.0), |user| user.display_name.clone()),
            reason: mark.mark.reason(meta.position, EvidenceItem::from_key(&meta.evidence), &mark.note),
            mark: mark.mark,
            note: mark.note,
            at: mark.at,
        });
        PageInfo {
            added_at: meta.created_at,
            mark,
            id: meta.id,
            position: meta.position,
            evidence: meta.evidence,
            width: meta.width,
            height: meta.height,
            mode: meta.mode,
            sha256: meta.sha256,
            bytes: meta.bytes,
            thumbnail: meta.thumbnail,
        }
    }
}

/// `meta` as the window lists it (see [`PageInfo::new`]).
fn info(office: &Office, meta: PageMeta) -> Result<PageInfo, AppError> {
    Ok(PageInfo::new(meta, &office.users()?))
}

/// The scanners SANE sees (an empty list when there are none).
pub fn scanners(env: &SaneEnv) -> Result<Vec<Device>, AppError> {
    Ok(scan::list_devices(env)?)
}

/// What a scan brought in, before it is stored.
#[derive(Debug)]
pub struct Acquired {
    /// The pages received whole, normalised, in order.
    pub pages: Vec<Page>,
    /// Why the scanner stopped before the pages asked for (unplugged, jammed, silent), when
    /// it did: the pages in `pages` are kept, the rest were never received. `None` when the
    /// scan ended normally (a feeder that ran out early included).
    pub stopped: Option<Problem>,
}

impl Acquired {
    /// The sentence the scan panel shows beside the kept pages when the scan stopped
    /// part-way: which page it stopped at, why, and that the pages before it are kept.
    pub fn stopped_message(&self) -> Option<String> {
        stopped_message(self.stopped.as_ref()?, self.pages.len())
    }
}

fn stopped_message(problem: &Problem, kept: usize) -> Option<String> {
    Some(format!(
        "扫描在第 {} 页中断：{}已收到的前 {kept} 页已保存，不必重扫；其余的页请处理好扫描仪后接着扫描。",
        kept + 1,
        problem.message
    ))
}

/// What a joined desk's scanner brought in, to upload to the office server: each page as
/// the scanner gave it (PNG, lossless), which the server checks and normalises as it does
/// any picture a desk sends (it never stores an image it did not check itself).
#[derive(Debug)]
pub struct ScannedAtDesk {
    /// Each whole page as PNG bytes, in order.
    pub pages: Vec<Vec<u8>>,
    /// Why the scanner stopped part-way, as for [`Acquired::stopped`].
    pub stopped: Option<Problem>,
}

impl ScannedAtDesk {
    /// The sentence shown when the scan stopped part-way (the pages received are kept:
    /// uploaded like the others).
    pub fn stopped_message(&self) -> Option<String> {
        stopped_message(self.stopped.as_ref()?, self.pages.len())
    }
}

/// Scans `pages` pages from this desk's `device` for upload to the office server (no
/// office here); `progress(done, total)` after each page. Stops part-way as
/// [`acquire_sane`] does.
pub fn scan_at_desk(
    env: &SaneEnv,
    device: &str,
    settings: &ScanSettings,
    progress: impl FnMut(u32, u32),
) -> Result<ScannedAtDesk, AppError> {
    let scanned = scan::scan(env, device, settings, progress)?;
    let stopped = scanned.stopped.map(|error| Problem::of(&AppError::from(error)));
    Ok(ScannedAtDesk { pages: scanned.pages, stopped })
}

/// Scans `pages` pages from `device` and normalises each; `progress(done, total)` after
/// each scanned page. A scanner that stops part-way (see [`Acquired::stopped`]) keeps the
/// pages that came in whole; one that fails before the first page is an error.
pub fn acquire_sane(
    env: &SaneEnv,
    device: &str,
    settings: &ScanSettings,
    options: &IntakeOptions,
    progress: impl FnMut(u32, u32),
) -> Result<Acquired, AppError> {
    let scanned = scan::scan(env, device, settings, progress)?;
    let pages = scanned
        .pages
        .iter()
        .map(|image| Ok(scan::intake(image, options)?))
        .collect::<Result<_, AppError>>()?;
    let stopped = scanned.stopped.map(|error| Problem::of(&AppError::from(error)));
    Ok(Acquired { pages, stopped })
}

/// One file through the pipeline: a JPEG, PNG or TIFF gives one page, a PDF every page
/// (rendered by Poppler); anything else is a clear error.
pub fn intake_file(path: &Path, options: &IntakeOptions) -> Result<Vec<Page>, AppError> {
    Ok(scan::intake_file_pages(path, options)?)
}

/// A document camera's frame or a file the clerk chose, as a data URL or bare base64: an
/// image gives one page, a PDF every page.
pub fn intake_data_url(data_url: &str, options: &IntakeOptions) -> Result<Vec<Page>, AppError> {
    Ok(scan::intake_data_url_pages(data_url, options)?)
}

/// Stores normalised pages at the end of the case's pages, linked to `evidence` (empty:
/// not yet assigned). Needs 受理.
pub fn attach(
    office: &mut Office,
    case_id: &CaseId,
    pages: &[Page],
    evidence: &str,
    now: DateTime<Utc>,
) -> Result<Vec<PageInfo>, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT)?;
    let mut ids = Vec::with_capacity(pages.len());
    for page in pages {
        ids.push(office.store.add_page(&session, case_id, &new_page(page, evidence), now)?);
    }
    let stored = office.store.pages(case_id)?;
    let users = office.users()?;
    Ok(stored
        .into_iter()
        .filter(|meta| ids.contains(&meta.id))
        .map(|meta| PageInfo::new(meta, &users))
        .collect())
}

/// The case's pages in order. Needs any case role.
pub fn list(office: &Office, case_id: &CaseId) -> Result<Vec<PageInfo>, AppError> {
    office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE)?;
    let users = office.users()?;
    Ok(office.store.pages(case_id)?.into_iter().map(|meta| PageInfo::new(meta, &users)).collect())
}

/// The pages of a case and the ticked evidence items no page proves yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// Pages in order.
    pub pages: Vec<PageInfo>,
    /// Evidence paths ticked on the stored record without a page.
    pub unproven: Vec<String>,
}

/// [`list`] plus [`unproven_evidence`] against the stored record. Needs any case role.
pub fn overview(office: &Office, case_id: &CaseId) -> Result<Overview, AppError> {
    let pages = list(office, case_id)?;
    let stored = office.store.read_case(case_id)?;
    let record = ApplicationRecord::from_json(&stored.record.to_string())?;
    let unproven = unproven_evidence(&record, &pages);
    Ok(Overview { pages, unproven })
}

/// The full image of a page (audited as a view). Needs any case role.
pub fn image(office: &mut Office, page_id: &str, now: DateTime<Utc>) -> Result<Vec<u8>, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE)?;
    Ok(office.store.page_image(&session, page_id, now)?)
}

/// Turns a page a quarter, half or three quarters clockwise (re-encoded). Needs 受理.
pub fn rotate(
    office: &mut Office,
    page_id: &str,
    rotation: Rotation,
    now: DateTime<Utc>,
) -> Result<PageInfo, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT)?;
    let meta = office.store.page(page_id)?;
    let jpeg = office.store.page_image(&session, page_id, now)?;
    let mode = ColourMode::from_name(&meta.mode);
    // Turning never rescales: the page keeps the size it was stored at.
    let max_long_side = meta.width.max(meta.height);
    let options =
        IntakeOptions { rotation, mode, auto_crop: false, max_long_side, ..IntakeOptions::default() };
    let turned = scan::intake(&jpeg, &options)?;
    let change = PageChange { image: Some(new_page(&turned, &meta.evidence)), ..PageChange::default() };
    let meta = office.store.update_page(&session, page_id, &change, now)?;
    info(office, meta)
}

/// Links a page to another evidence item (empty: unassigned). Needs 受理.
pub fn assign(
    office: &mut Office,
    page_id: &str,
    evidence: &str,
    now: DateTime<Utc>,
) -> Result<PageInfo, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT)?;
    let change = PageChange { evidence: Some(evidence), ..PageChange::default() };
    let meta = office.store.update_page(&session, page_id, &change, now)?;
    info(office, meta)
}

/// Moves a page to `position` (1 = first). Needs 受理.
pub fn move_to(
    office: &mut Office,
    page_id: &str,
    position: u32,
    now: DateTime<Utc>,
) -> Result<PageInfo, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT)?;
    let change = PageChange { position: Some(position), ..PageChange::default() };
    let meta = office.store.update_page(&session, page_id, &change, now)?;
    info(office, meta)
}

/// What the clerk changed on one page in the scan panel; each part may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageEdit {
    /// Quarter turns clockwise; whole turns are ignored.
    pub quarter_turns: u32,
    /// A new evidence link (empty: unassigned).
    pub evidence: Option<String>,
    /// A new position (1 = first).
    pub position: Option<u32>,
}

impl PageEdit {
    /// The rotation the quarter turns ask for.
    pub fn rotation(&self) -> Rotation {
        match self.quarter_turns % 4 {
            1 => Rotation::Clockwise90,
            2 => Rotation::Clockwise180,
            3 => Rotation::Clockwise270,
            _ => Rotation::Keep,
        }
    }
}

/// Applies a clerk's change to a page: the turn first, then the evidence link, then the
/// position (each audited on its own). Needs 受理.
pub fn change(
    office: &mut Office,
    page_id: &str,
    edit: &PageEdit,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rotation = edit.rotation();
    if rotation != Rotation::Keep {
        rotate(office, page_id, rotation, now)?;
    }
    if let Some(evidence) = &edit.evidence {
        assign(office, page_id, evidence, now)?;
    }
    if let Some(position) = edit.position {
        move_to(office, page_id, position, now)?;
    }
    Ok(())
}

/// Removes a page (the window asks first). Needs 受理.
pub fn delete(office: &mut Office, page_id: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ACCEPT)?;
    Ok(office.store.delete_page(&session, page_id, now)?)
}

/// Evidence items ticked on the form that no page proves yet, as paths under `evidence`
/// (e.g. `residence.rental.lease_contract`), in the form's order.
pub fn unproven_evidence(record: &ApplicationRecord, pages: &[PageInfo]) -> Vec<String> {
    domain::assessment::unscanned_evidence(record, &scanned_items(pages))
        .into_iter()
        .filter_map(|item| item.field.strip_prefix("evidence.").map(str::to_owned))
        .collect()
}

/// The evidence items at least one page is linked to.
pub fn scanned_items(pages: &[PageInfo]) -> Vec<EvidenceItem> {
    let mut items: Vec<EvidenceItem> =
        pages.iter().filter_map(|page| EvidenceItem::from_key(&page.evidence)).collect();
    items.dedup();
    items
}

/// The notice items for ticked evidence without a page of the stored case
/// (`EVIDENCE_PAGE_MISSING`), checked against `record`. Needs any case role.
pub fn unscanned_items(
    office: &Office,
    case_id: &CaseId,
    record: &ApplicationRecord,
) -> Result<Vec<NoticeItem>, AppError> {
    let pages = list(office, case_id)?;
    Ok(domain::assessment::unscanned_evidence(record, &scanned_items(&pages)))
}

/// The one-time notice of a stored case as printed: the assessment's items, then the
/// ticked evidence the applicant handed in no page of. Needs any case role.
pub fn notice_with_unscanned(
    office: &Office,
    case_id: &CaseId,
    record: &ApplicationRecord,
    mut assessment: Assessment,
) -> Result<Assessment, AppError> {
    assessment.items.extend(unscanned_items(office, case_id, record)?);
    Ok(assessment)
}

/// The case's pages as the printed form lists them. Needs any case role.
pub fn attached_pages(office: &Office, case_id: &CaseId) -> Result<Vec<print::AttachedPage>, AppError> {
    Ok(list(office, case_id)?
        .into_iter()
        .map(|page| print::AttachedPage {
            position: page.position,
            evidence: page.evidence,
            sha256: page.sha256,
        })
        .collect())
}

fn new_page<'a>(page: &'a Page, evidence: &'a str) -> NewPage<'a> {
    NewPage {
        evidence,
        sha256: &page.sha256,
        mode: page.mode.as_str(),
        width: page.width,
        height: page.height,
        jpeg: &page.jpeg,
        thumbnail: &page.thumbnail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticked_evidence_without_a_page_is_named() {
        let mut record = ApplicationRecord::new();
        record.evidence.employment.labour_contract = true;
        record.evidence.residence.rental.lease_contract = true;
        let page = PageInfo {
            id: "p".into(),
            position: 1,
            evidence: "employment.labour_contract".into(),
            width: 1,
            height: 1,
            mode: "grey".into(),
            sha256: String::new(),
            bytes: 0,
            thumbnail: Vec::new(),
            added_at: DateTime::UNIX_EPOCH,
            mark: None,
        };
        assert_eq!(unproven_evidence(&record, &[page]), ["residence.rental.lease_contract"]);
        assert!(unproven_evidence(&ApplicationRecord::new(), &[]).is_empty());
    }
}
