//! 《浙江省居住证确认单》: the confirmation slip for applicants without a smartphone.
//!
//! No official layout exists (domain-reference §6), so this one follows the issue: the
//! holder's fields in a ruled table (order and labels from `slip.json`), the office and the
//! clerk, an empty box for the household-registration stamp (户口专用章) with its date, and
//! a signed QR code ([`crate::payload`]). The ID number is masked unless the profile's slip
//! options say otherwise. The large-print variant puts one field per row in bigger type.

use chrono::NaiveDate;
use domain::profile::SlipOptions;
use domain::record::ApplicationRecord;
use ed25519_dalek::SigningKey;
use printpdf::PdfDocument;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, Canvas, Cell, PAGE_WIDTH, TextStyle};
use crate::payload::SlipPayload;
use crate::templates::{OfficeInfo, Template};
use crate::{MARGIN, PrintError, RenderedDocument, Renderer, cn_date, mask_id_number, normalise_id};

/// Holder fields a slip template may list, in the default order.
pub(crate) const FIELDS: &[&str] = &[
    "name",
    "gender",
    "ethnic_group",
    "birth_date",
    "id_number",
    "household_address",
    "residence_address",
    "permit_number",
    "issuing_authority",
    "issue_date",
    "valid_until",
    "endorsement_window",
];

/// Labels `slip.json` must define.
pub(crate) const REQUIRED_LABELS: &[&str] = &[
    "case_number",
    "printed_on",
    "name",
    "gender",
    "ethnic_group",
    "birth_date",
    "id_number",
    "household_address",
    "residence_address",
    "permit_number",
    "issuing_authority",
    "issue_date",
    "valid_until",
    "endorsement_window",
    "office",
    "office_address",
    "office_phone",
    "clerk",
    "stamp",
    "stamp_date",
    "qr_caption",
];

/// Texts `slip.json` must define.
pub(crate) const REQUIRED_TEXTS: &[&str] = &["valid_long_term", "endorsement_window", "footer_note"];

/// The window of the next annual endorsement (签注), both days inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementWindow {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// The electronic permit as issued by the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitInfo {
    /// The permit's number.
    pub number: String,
    /// Date of issue.
    pub issue_date: NaiveDate,
    /// End of validity; `None` for a permit kept valid by annual endorsement.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// When the next endorsement is due, if known.
    #[serde(default)]
    pub next_endorsement: Option<EndorsementWindow>,
}

/// What the slip prints besides the application record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipData {
    /// The case number (申请编号); printed and signed.
    pub case_number: String,
    /// The issued permit.
    pub permit: PermitInfo,
    /// The office printing the slip (its issuing authority is printed as 签发机关).
    pub office: OfficeInfo,
    /// The clerk's name (经办人).
    pub clerk: String,
    /// The printing date.
    pub printed_on: NaiveDate,
    /// The profile's slip options: masking and large print.
    #[serde(default)]
    pub options: SlipOptions,
}

/// Sizes of one variant of the slip.
struct SlipLayout {
    title_size: f32,
    info_size: f32,
    label_width: f32,
    label: TextStyle,
    value: TextStyle,
    row_min: f32,
    row_max: f32,
    one_field_per_row: bool,
    note: TextStyle,
    stamp_height: f32,
    qr_side: f32,
}

const REGULAR: SlipLayout = SlipLayout {
    title_size: 20.0,
    info_size: 10.0,
    label_width: 28.0,
    label: TextStyle::new(10.5, 8.0),
    value: TextStyle::new(11.0, 8.0),
    row_min: 9.0,
    row_max: 20.0,
    one_field_per_row: false,
    note: TextStyle::new(9.0, 7.0),
    stamp_height: 52.0,
    qr_side: 46.0,
};

/// Large print with less air, for a holder whose long addresses push the large layout past
/// one page.
const LARGE_COMPACT: SlipLayout = SlipLayout {
    title_size: 22.0,
    info_size: 12.0,
    label_width: 36.0,
    label: TextStyle::new(12.5, 9.0),
    value: TextStyle::new(13.0, 9.0),
    row_min: 9.5,
    row_max: 26.0,
    one_field_per_row: true,
    note: TextStyle::new(11.0, 8.0),
    stamp_height: 44.0,
    qr_side: 42.0,
};

const LARGE: SlipLayout = SlipLayout {
    title_size: 24.0,
    info_size: 13.0,
    label_width: 38.0,
    label: TextStyle::new(14.0, 10.0),
    value: TextStyle::new(15.0, 10.0),
    row_min: 10.5,
    row_max: 26.0,
    one_field_per_row: true,
    note: TextStyle::new(12.0, 9.0),
    stamp_height: 48.0,
    qr_side: 44.0,
};

/// Bottom of the printable area for content, mm (the footer sits below).
const CONTENT_BOTTOM: f32 = 280.0;

/// One holder field: its key, printed value and field path for warnings.
struct FieldValue {
    key: &'static str,
    value: String,
    field: &'static str,
}

impl Renderer {
    /// Renders the confirmation slip of `record`'s holder, signing the QR payload with the
    /// office's `key`.
    pub fn render_slip(
        &self,
        record: &ApplicationRecord,
        slip: &SlipData,
        key: &SigningKey,
    ) -> Result<RenderedDocument, PrintError> {
        let template = &self.templates.slip;
        let id_printed = if slip.options.mask_id_number {
            mask_id_number(&record.applicant.id_number)
        } else {
            normalise_id(&record.applicant.id_number)
        };
        let payload = SlipPayload {
            case_number: slip.case_number.clone(),
            name: record.applicant.name.trim().to_owned(),
            id_number: id_printed.clone(),
            permit_number: slip.permit.number.clone(),
            issue_date: slip.permit.issue_date,
            valid_until: slip.permit.valid_until,
            office_county_code: slip.office.county_code.clone(),
        }
        .encode_signed(key);
        let values = self.slip_values(record, slip, template, &id_printed);

        // Large print falls back to tighter type rather than putting the stamp on a second
        // sheet: the stamp must be on the page that carries the holder's data.
        let layouts: &[&SlipLayout] =
            if slip.options.large_print { &[&LARGE, &LARGE_COMPACT, &REGULAR] } else { &[&REGULAR] };
        let mut attempt = self.draw_slip(template, layouts[0], slip, &values, &payload)?;
        for layout in &layouts[1..] {
            if attempt.1.page_count() == 1 {
                break;
            }
            attempt = self.draw_slip(template, layout, slip, &values, &payload)?;
        }
        let (document, canvas) = attempt;
        let subject = format!("{} {}", template.title, slip.case_number);
        Ok(self.finish(document, canvas, template, &subject, slip.printed_on))
    }

    /// Draws the slip in `layout`; the caller checks the page count.
    fn draw_slip(
        &self,
        template: &Template,
        layout: &SlipLayout,
        slip: &SlipData,
        values: &[FieldValue],
        payload: &str,
    ) -> Result<(PdfDocument, Canvas<'_>), PrintError> {
        let (document, mut canvas) = self.start();
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let mut y = 16.0;
        canvas.text_in_line(
            MARGIN,
            width,
            y + 5.0,
            layout.title_size,
            Align::Centre,
            &template.title,
            "title",
        );
        y += 9.0 + layout.title_size * 0.25;
        let case_line = format!("{}：{}", template.label("case_number"), slip.case_number);
        let date_line = format!("{}：{}", template.label("printed_on"), cn_date(slip.printed_on));
        canvas.text_in_line(MARGIN, width, y, layout.info_size, Align::Left, &case_line, "case_number");
        canvas.text_in_line(MARGIN, width, y, layout.info_size, Align::Right, &date_line, "printed_on");
        y += 5.0;

        for row in holder_rows(template, layout, values) {
            y = page_break(&mut canvas, y, layout.row_max);
            y += canvas.row(MARGIN, y, &row, layout.row_min, layout.row_max);
        }
        y += 4.0;
        for row in office_rows(template, layout, slip) {
            y = page_break(&mut canvas, y, layout.row_max);
            y += canvas.row(MARGIN, y, &row, layout.row_min, layout.row_max);
        }
        y += 6.0;
        let block = layout.stamp_height + 4.0;
        y = page_break(&mut canvas, y, block);
        draw_stamp_and_qr(&mut canvas, template, layout, y, payload)?;
        y += block;
        let note = canvas.fit(&template.text("footer_note", &[]), width, 14.0, layout.note, "footer_note");
        y = page_break(&mut canvas, y, note.height());
        canvas.grey(0.25);
        canvas.draw_lines(MARGIN, y, width, &note, Align::Left, "footer_note");
        canvas.grey(0.0);

        Ok((document, canvas))
    }

    fn slip_values(
        &self,
        record: &ApplicationRecord,
        slip: &SlipData,
        template: &Template,
        id_printed: &str,
    ) -> Vec<FieldValue> {
        let applicant = &record.applicant;
        let id = normalise_id(&applicant.id_number);
        let birth_date = id
            .get(6..14)
            .filter(|_| id.len() == 18)
            .and_then(|digits| NaiveDate::parse_from_str(digits, "%Y%m%d").ok());
        let gender = applicant.gender.map(|g| g.label().to_owned()).unwrap_or_default();
        let household = address_with_division(
            &record.household_registration.address,
            &self.names.division(&record.household_registration.county_code),
        );
        let residence = address_with_division(
            &record.current_address.address,
            &self.names.division(&record.current_address.county_code),
        );
        let valid_until =
            slip.permit.valid_until.map_or_else(|| template.text("valid_long_term", &[]), cn_date);
        let endorsement = slip.permit.next_endorsement.map_or_else(String::new, |window| {
            template
                .text("endorsement_window", &[("from", &cn_date(window.from)), ("to", &cn_date(window.to))])
        });
        let value = |key: &'static str, value: String, field: &'static str| FieldValue { key, value, field };
        vec![
            value("name", applicant.name.trim().to_owned(), "applicant.name"),
            value("gender", gender, "applicant.gender"),
            value("ethnic_group", self.names.ethnic_group(&applicant.ethnic_group), "applicant.ethnic_group"),
            value("birth_date", birth_date.map(cn_date).unwrap_or_default(), "applicant.id_number"),
            value("id_number", id_printed.to_owned(), "applicant.id_number"),
            value("household_address", household, "household_registration.address"),
            value("residence_address", residence, "current_address.address"),
            value("permit_number", slip.permit.number.clone(), "permit.number"),
            value("issuing_authority", slip.office.issuing_authority.clone(), "office.issuing_authority"),
            value("issue_date", cn_date(slip.permit.issue_date), "permit.issue_date"),
            value("valid_until", valid_until, "permit.valid_until"),
            value("endorsement_window", endorsement, "permit.next_endorsement"),
        ]
    }
}

/// The address as written; the division's full name when the clerk left it blank.
fn address_with_division(address: &str, division: &str) -> String {
    let address = address.trim();
    if address.is_empty() { division.to_owned() } else { address.to_owned() }
}

/// Starts a new page when `needed` mm do not fit below `y`; returns the y to draw at.
fn page_break(canvas: &mut Canvas<'_>, y: f32, needed: f32) -> f32 {
    if y + needed > CONTENT_BOTTOM {
        canvas.new_page();
        20.0
    } else {
        y
    }
}

/// The holder table's rows in the template's order: full-width fields alone, other fields
/// paired (one per row in large print).
fn holder_rows(template: &Template, layout: &SlipLayout, values: &[FieldValue]) -> Vec<Vec<Cell>> {
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let half_value = width / 2.0 - layout.label_width;
    let full_value = width - layout.label_width;
    let mut rows = Vec::new();
    let mut pending: Option<&FieldValue> = None;
    let cells = |field: &FieldValue, value_width: f32| {
        let style = if field.key == "name" { layout.value.for_names() } else { layout.value };
        vec![
            Cell::label(layout.label_width, template.label(field.key), layout.label),
            Cell::value(value_width, &field.value, style, field.field),
        ]
    };
    for key in &template.fields {
        let Some(field) = values.iter().find(|value| value.key == key) else { continue };
        let full = layout.one_field_per_row || template.full_width_fields.iter().any(|wide| wide == key);
        if full {
            if let Some(alone) = pending.take() {
                rows.push(cells(alone, full_value));
            }
            rows.push(cells(field, full_value));
        } else if let Some(first) = pending.take() {
            let mut row = cells(first, half_value);
            row.extend(cells(field, half_value));
            rows.push(row);
        } else {
            pending = Some(field);
        }
    }
    if let Some(alone) = pending {
        rows.push(cells(alone, full_value));
    }
    rows
}

/// The office block: office, address, phone and clerk.
fn office_rows(template: &Template, layout: &SlipLayout, slip: &SlipData) -> Vec<Vec<Cell>> {
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let label = |key: &str| Cell::label(layout.label_width, template.label(key), layout.label);
    let full_value = width - layout.label_width;
    let half_value = width / 2.0 - layout.label_width;
    let office = &slip.office;
    let mut rows = vec![
        vec![label("office"), Cell::value(full_value, &office.name, layout.value, "office.name")],
        vec![
            label("office_address"),
            Cell::value(full_value, &office.address, layout.value, "office.address"),
        ],
    ];
    if layout.one_field_per_row {
        rows.push(vec![
            label("office_phone"),
            Cell::value(full_value, &office.phone, layout.value, "office.phone"),
        ]);
        rows.push(vec![label("clerk"), Cell::value(full_value, &slip.clerk, layout.value, "clerk")]);
    } else {
        rows.push(vec![
            label("office_phone"),
            Cell::value(half_value, &office.phone, layout.value, "office.phone"),
            label("clerk"),
            Cell::value(half_value, &slip.clerk, layout.value, "clerk"),
        ]);
    }
    rows
}

/// The stamp box on the left, the QR code with its caption on the right, from `y`.
fn draw_stamp_and_qr(
    canvas: &mut Canvas<'_>,
    template: &Template,
    layout: &SlipLayout,
    y: f32,
    payload: &str,
) -> Result<(), PrintError> {
    let stamp_width = 72.0;
    let stamp_height = layout.stamp_height;
    canvas.grey(0.0);
    canvas.rect(MARGIN, y, stamp_width, stamp_height, 0.8);
    canvas.grey(0.45);
    canvas.text_in_line(
        MARGIN,
        stamp_width,
        y + 5.0,
        layout.info_size,
        Align::Centre,
        template.label("stamp"),
        "stamp",
    );
    canvas.text_in_line(
        MARGIN,
        stamp_width - 4.0,
        y + stamp_height - 5.0,
        layout.info_size,
        Align::Right,
        template.label("stamp_date"),
        "stamp",
    );
    canvas.grey(0.0);
    let qr_side = layout.qr_side;
    let qr_x = PAGE_WIDTH - MARGIN - qr_side;
    canvas.qr(qr_x, y - 1.0, qr_side, payload)?;
    canvas.grey(0.25);
    canvas.text_in_line(
        qr_x,
        qr_side,
        y + qr_side + 2.0,
        layout.info_size * 0.85,
        Align::Centre,
        template.label("qr_caption"),
        "qr_caption",
    );
    canvas.grey(0.0);
    Ok(())
}
