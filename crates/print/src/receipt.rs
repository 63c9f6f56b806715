//! 受理回执, the acceptance receipt: the case number, the applicant, the accepting office
//! and clerk, the acceptance date and the due date (computed by the caller from the
//! working-day calendar), with room for the office's stamp.

use chrono::NaiveDate;
use domain::record::ApplicationRecord;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, Cell, PAGE_WIDTH, TextStyle};
use crate::notice::paragraph;
use crate::templates::OfficeInfo;
use crate::{MARGIN, PrintError, RenderedDocument, Renderer, cn_date, mask_id_number, mask_phone};

/// Labels `receipt.json` must define.
pub(crate) const REQUIRED_LABELS: &[&str] = &[
    "case_number",
    "applicant",
    "id_number",
    "recognition_type",
    "accepted_on",
    "due",
    "office",
    "office_address",
    "office_phone",
    "clerk",
    "stamp",
];

/// Texts `receipt.json` must define.
pub(crate) const REQUIRED_TEXTS: &[&str] =
    &["subtitle", "matter", "matter_no_type", "intro", "due", "sms", "sms_no_phone", "footer_note"];

/// What the receipt prints besides the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptData {
    /// The case number assigned on acceptance.
    pub case_number: String,
    /// The accepting office.
    pub office: OfficeInfo,
    /// The accepting clerk (受理人).
    pub clerk: String,
    /// The acceptance date.
    pub accepted_on: NaiveDate,
    /// The due date from the working-day calendar.
    pub due: NaiveDate,
    /// The working days allowed (the profile's `deadline_working_days`).
    pub working_days: u32,
    /// When the due date is an estimate (a year without a holiday table), the sentence
    /// that says so, printed under it.
    #[serde(default)]
    pub due_note: Option<String>,
}

const LABEL: TextStyle = TextStyle::new(11.0, 8.0);
const VALUE: TextStyle = TextStyle::new(12.0, 8.0);

impl Renderer {
    /// Renders the acceptance receipt of `record`'s case.
    pub fn render_receipt(
        &self,
        record: &ApplicationRecord,
        receipt: &ReceiptData,
    ) -> Result<RenderedDocument, PrintError> {
        let template = &self.templates.receipt;
        let (document, mut canvas) = self.start();
        let x = MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let mut y = 20.0;
        canvas.text_in_line(x, width, y, 20.0, Align::Centre, &template.title, "title");
        y += 9.0;
        canvas.text_in_line(x, width, y, 12.0, Align::Centre, &template.text("subtitle", &[]), "subtitle");
        y += 8.0;

        let name = record.applicant.name.trim();
        let accepted_on = cn_date(receipt.accepted_on);
        y = paragraph(
            &mut canvas,
            x,
            y,
            width,
            &template.text("intro", &[("name", name), ("accepted_on", &accepted_on)]),
            12.0,
            "intro",
        );
        y += 4.0;

        let matter = match record.recognition_type {
            Some(kind) => template.text("matter", &[("type", kind.label())]),
            None => template.text("matter_no_type", &[]),
        };
        let mut due = template
            .text("due", &[("due", &cn_date(receipt.due)), ("days", &receipt.working_days.to_string())]);
        if let Some(note) = receipt.due_note.as_deref().filter(|note| !note.trim().is_empty()) {
            due.push_str(&format!("（{}）", note.trim().trim_end_matches('。')));
        }
        let office = &receipt.office;
        let rows = [
            ("case_number", receipt.case_number.trim().to_owned(), "case_number"),
            ("applicant", name.to_owned(), "applicant.name"),
            ("id_number", mask_id_number(&record.applicant.id_number), "applicant.id_number"),
            ("recognition_type", matter, "recognition_type"),
            ("accepted_on", accepted_on.clone(), "accepted_on"),
            ("due", due, "due"),
            ("office", office.name.clone(), "office.name"),
            ("office_address", office.address.clone(), "office.address"),
            ("office_phone", office.phone.clone(), "office.phone"),
            ("clerk", receipt.clerk.clone(), "clerk"),
        ];
        let label_width = 34.0;
        for (key, value, field) in &rows {
            let cells = [
                Cell::label(label_width, template.label(key), LABEL),
                Cell::value(width - label_width, value, VALUE, field),
            ];
            y += canvas.row(x, y, &cells, 10.0, 18.0);
        }
        y += 5.0;
        let phone = record.phone_number.trim();
        let sms = if phone.is_empty() {
            template.text("sms_no_phone", &[])
        } else {
            template.text("sms", &[("phone", &mask_phone(phone))])
        };
        y = paragraph(&mut canvas, x, y, width, &sms, 11.5, "sms");
        y += 10.0;

        // The office's stamp and the date, bottom right.
        let stamp_x = x + width - 70.0;
        canvas.text_in_line(stamp_x, 70.0, y, 11.5, Align::Centre, template.label("stamp"), "stamp");
        canvas.text_in_line(stamp_x, 70.0, y + 28.0, 11.5, Align::Centre, &accepted_on, "accepted_on");
        y += 36.0;
        canvas.footer_note(x, y, width, &template.text("footer_note", &[]));

        let subject = format!("{} {}", template.title, receipt.case_number.trim());
        Ok(self.finish(document, canvas, template, &subject, receipt.accepted_on))
    }
}
