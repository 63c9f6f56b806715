//! The documents an office gives out and keeps. PDF rendering of the counter's seven
//! documents of a case: the confirmation slip
//! 《浙江省居住证确认单》, the filled Annex 1 form (互认转换申请表), the one-time notice
//! (一次性告知书), the refusal of an applicant who is not eligible (不予受理告知书), the
//! acceptance receipt (受理回执), the review sheet (审核单, for the office's own file) and
//! the refusal of an accepted application at review or approval (不予办理告知书); and the
//! office's register of applications (台账, [`LedgerSheet`]) as a PDF and as an xlsx
//! workbook.
//!
//! API boundary: plain data in, PDF bytes out. Nothing here previews, audits or reads the
//! clock: the caller passes every date, and sends [`RenderedDocument::bytes`] to a preview
//! or, through [`printer`] ([`Cups`] behind the [`PrintSystem`] trait), to a printer.
//! Rendering is CPU-bound and synchronous (about 10–15 ms a page in a release build);
//! the app calls it, and the printer calls, inside `spawn_blocking`.
//!
//! How to use it:
//!
//! ```no_run
//! # fn main() -> Result<(), print::PrintError> {
//! use print::{Fonts, Renderer, Templates};
//! // Once, at start-up: parsing the font costs tens of milliseconds.
//! let renderer = Renderer::new(Fonts::embedded()?, Templates::embedded()?);
//! let record = domain::record::ApplicationRecord::new();
//! let document = renderer.render_form(&record)?;
//! for warning in &document.warnings {
//!     eprintln!("{warning:?}"); // e.g. a character the font lacks, printed as a box
//! }
//! std::fs::write("form.pdf", &document.bytes).ok();
//! # Ok(()) }
//! ```
//!
//! Architecture invariants:
//! - Every document is A4, set in the one embedded CJK font, subset on save (pages of
//!   30–50 KB instead of 16 MB).
//! - Every PDF records its template name and version in its keywords and footer.
//! - A character the font lacks is printed as an empty square and reported, never left blank.

mod error;
mod fonts;
mod form;
mod layout;
mod ledger;
mod notice;
mod payload;
pub mod printer;
mod receipt;
mod refusal;
mod review;
mod slip;
mod spreadsheet;
mod templates;

use chrono::{Datelike, NaiveDate};
use domain::reference::{Divisions, EthnicGroups};
use printpdf::{PdfDocument, PdfPage, PdfSaveOptions};
use serde::{Deserialize, Serialize};

pub use error::PrintError;
#[cfg(feature = "embedded-font")]
pub use fonts::EMBEDDED_FONT_NAME;
pub use fonts::Fonts;
pub use form::AttachedPage;
pub use layout::RenderWarning;
pub use ledger::{LedgerCounts, LedgerRow, LedgerSheet};
pub use notice::NoticeData;
pub use payload::{
    PAYLOAD_PREFIX, SlipPayload, VerifiedSlip, demo_signing_key, key_id, key_to_hex, signing_key_from_hex,
    verify_slip_payload, verifying_key_from_hex,
};
pub use printer::{
    Cups, JobId, JobOutcome, MAX_COPIES, PrintJob, PrintSystem, PrinterError, PrinterInfo, PrinterState,
};
pub use receipt::ReceiptData;
pub use refusal::{RefusalData, RejectionData};
pub use review::{ReviewData, ReviewLine};
pub use slip::{EndorsementWindow, PermitInfo, SlipData};
pub use templates::{
    DEMO_OFFICE_JSON, DocumentKind, LEDGER_TEMPLATE, OFFICE_FORMAT, OfficeInfo, Template, TemplateId,
    TemplateSpec, Templates,
};

/// Re-exported so callers need not depend on `ed25519-dalek` themselves.
pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::layout::{Align, Canvas, PAGE_HEIGHT, PAGE_WIDTH};

/// A rendered PDF with what went into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDocument {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// The template and version it was made from (for the print audit).
    pub template: TemplateId,
    /// Number of pages.
    pub pages: usize,
    /// What the clerk should check before printing (missing glyphs, cut texts).
    pub warnings: Vec<RenderWarning>,
}

/// Names for the codes a record holds (ethnic group, divisions). Without tables the codes
/// themselves are printed.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// GB/T 2260 divisions, current and historical.
    pub divisions: Option<Divisions>,
    /// GB 3304 ethnic groups.
    pub ethnic_groups: Option<EthnicGroups>,
}

impl Names {
    /// The ethnic group's full name (`汉族`), or the code when unknown.
    pub fn ethnic_group(&self, code: &str) -> String {
        self.ethnic_groups
            .as_ref()
            .and_then(|groups| groups.get(code))
            .map_or_else(|| code.to_owned(), |group| group.name.clone())
    }

    /// The full name of a division (`浙江省杭州市建德市`), or the code when unknown.
    pub fn division(&self, code: &str) -> String {
        self.divisions
            .as_ref()
            .and_then(|divisions| divisions.describe(code))
            .unwrap_or_else(|| code.to_owned())
    }

    /// A province's name (`安徽省`), or the code when unknown.
    pub fn province(&self, code: &str) -> String {
        self.divisions
            .as_ref()
            .and_then(|divisions| divisions.get(code))
            .map_or_else(|| code.to_owned(), |division| division.name.clone())
    }

    /// A county's name below its province (`阜阳市颍东区`), or the code when unknown.
    pub fn county_below_province(&self, code: &str) -> String {
        let Some(divisions) = &self.divisions else { return code.to_owned() };
        let Some(full) = divisions.describe(code) else { return code.to_owned() };
        match divisions.province_of(code) {
            Some(province) if province.code != code => {
                full.strip_prefix(province.name.as_str()).unwrap_or(&full).to_owned()
            }
            _ => full,
        }
    }
}

/// Renders the documents with one parsed font and one set of templates.
#[derive(Debug, Clone)]
pub struct Renderer {
    fonts: Fonts,
    templates: Templates,
    names: Names,
}

impl Renderer {
    /// A renderer printing codes for ethnic groups and divisions (see [`Renderer::with_names`]).
    pub fn new(fonts: Fonts, templates: Templates) -> Renderer {
        Renderer { fonts, templates, names: Names::default() }
    }

    /// Uses `names` to print ethnic groups and divisions by name.
    pub fn with_names(mut self, names: Names) -> Renderer {
        self.names = names;
        self
    }

    /// The embedded font and templates.
    #[cfg(feature = "embedded-font")]
    pub fn embedded() -> Result<Renderer, PrintError> {
        Ok(Renderer::new(Fonts::embedded()?, Templates::embedded()?))
    }

    /// The templates in use.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The parsed font.
    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    /// The name tables in use.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// Starts a document: a printpdf document with the font added and an empty canvas.
    fn start(&self) -> (PdfDocument, Canvas<'_>) {
        let mut document = PdfDocument::new("");
        let font_id = document.add_font(self.fonts.face());
        let canvas = Canvas::new(&self.fonts, font_id);
        (document, canvas)
    }

    /// Adds the footer to every page, the metadata, and saves with subset fonts.
    fn finish(
        &self,
        mut document: PdfDocument,
        mut canvas: Canvas<'_>,
        template: &Template,
        subject: &str,
        date: NaiveDate,
    ) -> RenderedDocument {
        let n_pages = canvas.page_count();
        for page_idx in 0..n_pages {
            canvas.select_page(0);
            let footer = format!("模板 {} {}", template.name, template.version);
            let page_label = format!("第 {} 页 共 {} 页", page_idx + 1, n_pages);
            canvas.grey(0.45);
            canvas.text_in_line(
                MARGIN,
                PAGE_WIDTH - 2.0 * MARGIN,
                PAGE_HEIGHT - 10.0,
                7.0,
                Align::Left,
                &footer,
                "footer",
            );
            canvas.text_in_line(
                MARGIN,
                PAGE_WIDTH - 2.0 * MARGIN,
                PAGE_HEIGHT - 10.0,
                7.0,
                Align::Right,
                &page_label,
                "footer",
            );
            canvas.grey(0.0);
        }
        let (pages, warnings) = canvas.finish();
        let info = &mut document.metadata.info;
        info.document_title = template.title.clone();
        info.subject = subject.to_owned();
        info.creator = "permit-desk".to_owned();
        info.producer = format!("permit-desk print {}", env!("CARGO_PKG_VERSION"));
        info.keywords =
            vec![format!("template={}", template.name), format!("template_version={}", template.version)];
        info.identifier = format!("{}-{}", template.name, template.version);
        // The document's own date at midnight China Standard Time: rendering reads no clock.
        if let Some(timestamp) = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp() - 8 * 3600)
            && let Ok(when) = printpdf::OffsetDateTime::from_unix_timestamp(timestamp)
        {
            info.creation_date = when;
            info.modification_date = when;
            info.metadata_date = when;
        }
        let pages = pages
            .into_iter()
            .map(|ops| PdfPage::new(printpdf::Mm(PAGE_WIDTH), printpdf::Mm(PAGE_HEIGHT), ops))
            .collect();
        let options =
            PdfSaveOptions { optimize: true, subset_fonts: true, secure: true, image_optimization: None };
        let mut save_warnings = Vec::new();
        let bytes = document.with_pages(pages).save(&options, &mut save_warnings);
        RenderedDocument { bytes, template: template.id(), pages: n_pages, warnings }
    }
}

/// Left and right page margin in mm.
pub(crate) const MARGIN: f32 = 20.0;

/// `2025年3月12日`.
pub(crate) fn cn_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// The ID number as typed, normalised (`x` → `X`, surrounding spaces dropped).
pub(crate) fn normalise_id(raw: &str) -> String {
    raw.trim().to_uppercase()
}

/// A masked ID number (GB/T 35273): `330105********123X` for 18 characters; anything else
/// keeps its first and last two characters only.
pub fn mask_id_number(raw: &str) -> String {
    let id: Vec<char> = normalise_id(raw).chars().collect();
    match id.len() {
        18 => {
            format!("{}********{}", id[..6].iter().collect::<String>(), id[14..].iter().collect::<String>())
        }
        n if n > 4 => {
            format!(
                "{}{}{}",
                id[..2].iter().collect::<String>(),
                "*".repeat(n - 4),
                id[n - 2..].iter().collect::<String>()
            )
        }
        n => "*".repeat(n),
    }
}

/// A phone number with its middle four digits masked (`138****5678`).
pub(crate) fn mask_phone(raw: &str) -> String {
    let digits: Vec<char> = raw.trim().chars().collect();
    if digits.len() == 11 {
        format!("{}****{}", digits[..3].iter().collect::<String>(), digits[7..].iter().collect::<String>())
    } else {
        raw.trim().to_owned()
    }
}

/// Serialisable view of a rendered document's metadata, for JSON answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderSummary {
    /// Template and version.
    pub template: TemplateId,
    /// Pages.
    pub pages: usize,
    /// File size in bytes.
    pub bytes: usize,
    /// Warnings.
    pub warnings: Vec<RenderWarning>,
}

impl RenderedDocument {
    /// The document's metadata without its bytes.
    pub fn summary(&self) -> RenderSummary {
        RenderSummary {
            template: self.template.clone(),
            pages: self.pages,
            bytes: self.bytes.len(),
            warnings: self.warnings.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renderer_can_be_shared_between_threads() {
        // The app keeps one renderer in its state and renders inside spawn_blocking.
        fn shared<T: Send + Sync + Clone + 'static>() {}
        shared::<Renderer>();
        shared::<RenderedDocument>();
    }

    #[test]
    fn id_numbers_are_masked_like_gb_t_35273() {
        assert_eq!(mask_id_number("33010519491231002x"), "330105********002X");
        assert_eq!(mask_id_number(" 341203199003071219 "), "341203********1219");
        assert_eq!(mask_id_number("1234567"), "12***67");
        assert_eq!(mask_id_number("123"), "***");
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }
}
