//! 一次性告知书, the one-time notice: every item of an assessment (its Chinese message), in
//! the order of the form, so the applicant comes back once. Flows onto further pages when
//! the list is long.

use chrono::NaiveDate;
use domain::assessment::Assessment;
use domain::record::ApplicationRecord;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, Canvas, LINE_SPACING, PAGE_WIDTH, pt_to_mm};
use crate::templates::OfficeInfo;
use crate::{MARGIN, PrintError, RenderedDocument, Renderer, cn_date, mask_id_number};

/// Labels `notice.json` must define.
pub(crate) const REQUIRED_LABELS: &[&str] = &[
    "case_number",
    "applicant",
    "id_number",
    "matter",
    "office",
    "office_address",
    "office_phone",
    "clerk",
    "date",
    "applicant_signature",
    "date_blank",
];

/// Texts `notice.json` must define.
pub(crate) const REQUIRED_TEXTS: &[&str] =
    &["subtitle", "matter", "intro", "no_items", "closing", "footer_note"];

/// What the notice prints besides the record and the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeData {
    /// The case number, if one was assigned (blank before acceptance).
    #[serde(default)]
    pub case_number: String,
    /// The office giving the notice.
    pub office: OfficeInfo,
    /// The clerk's name.
    pub clerk: String,
    /// The date of the notice.
    pub date: NaiveDate,
}

/// Body text.
const BODY: f32 = 11.5;
/// Lowest y for body text before a new page, mm.
const BODY_BOTTOM: f32 = 272.0;

impl Renderer {
    /// Renders the one-time notice of `assessment` for `record`'s applicant.
    pub fn render_notice(
        &self,
        record: &ApplicationRecord,
        assessment: &Assessment,
        notice: &NoticeData,
    ) -> Result<RenderedDocument, PrintError> {
        let template = &self.templates.notice;
        let (document, mut canvas) = self.start();
        let x = MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let pitch = pt_to_mm(BODY * LINE_SPACING);
        let name = record.applicant.name.trim();
        let mut y = heading_and_facts(&mut canvas, template, record, &notice.case_number, x, width);
        let intro = template.text("intro", &[("name", name)]);
        y = paragraph(&mut canvas, x, y, width, &intro, BODY, "intro");
        y += 2.0;

        if assessment.items.is_empty() {
            y = paragraph(
                &mut canvas,
                x + 6.0,
                y,
                width - 6.0,
                &template.text("no_items", &[]),
                BODY,
                "no_items",
            );
        }
        for (index, item) in assessment.items.iter().enumerate() {
            let number = format!("{}.", index + 1);
            let indent = 9.0;
            let field = format!("assessment.items[{index}]");
            let lines = canvas.wrap(item.message.trim(), BODY, width - indent);
            let height = lines.len() as f32 * pitch + 1.5;
            if y + height > BODY_BOTTOM {
                canvas.new_page();
                y = 20.0;
            }
            canvas.text_in_line(x + 2.0, indent, y + pitch / 2.0, BODY, Align::Left, &number, &field);
            for (line_idx, line) in lines.iter().enumerate() {
                canvas.text_in_line(
                    x + indent,
                    width - indent,
                    y + pitch * (line_idx as f32 + 0.5),
                    BODY,
                    Align::Left,
                    line,
                    &field,
                );
            }
            y += height;
        }
        y += 2.0;
        y = paragraph(&mut canvas, x, y, width, &template.text("closing", &[]), BODY, "closing");
        y += 6.0;

        let office = &notice.office;
        let block = [
            (template.label("office"), office.name.clone(), "office.name"),
            (template.label("office_address"), office.address.clone(), "office.address"),
            (template.label("office_phone"), office.phone.clone(), "office.phone"),
            (template.label("clerk"), notice.clerk.clone(), "clerk"),
            (template.label("date"), cn_date(notice.date), "date"),
        ];
        if y + block.len() as f32 * pitch + 24.0 > BODY_BOTTOM {
            canvas.new_page();
            y = 20.0;
        }
        let label_width = block.iter().map(|(label, _, _)| canvas.measure(label, BODY)).fold(0.0, f32::max);
        for (label, value, field) in &block {
            y = labelled_line(&mut canvas, x + 70.0, y, width - 70.0, label_width, label, value, field);
        }
        y += 8.0;
        let signature = template.label("applicant_signature");
        let used = canvas.text_in_line(x, width, y, BODY, Align::Left, signature, "applicant_signature");
        canvas.line(x + used + 1.0, y + 2.5, x + used + 45.0, y + 2.5, 0.5);
        canvas.text_in_line(x, width, y, BODY, Align::Right, template.label("date_blank"), "date_blank");
        y += 10.0;
        canvas.footer_note(x, y, width, &template.text("footer_note", &[]));

        let subject = format!("{} {}", template.title, name);
        Ok(self.finish(document, canvas, template, &subject, notice.date))
    }
}

/// The title, the subtitle and the facts block (case number if any, applicant, masked ID
/// number, the matter) of a letter to the applicant (the notice, the refusal); returns the
/// y below it. The template defines the labels `case_number`, `applicant`, `id_number`,
/// `matter` and the texts `subtitle`, `matter`.
pub(crate) fn heading_and_facts(
    canvas: &mut Canvas<'_>,
    template: &crate::templates::Template,
    record: &ApplicationRecord,
    case_number: &str,
    x: f32,
    width: f32,
) -> f32 {
    let mut y = 20.0;
    canvas.text_in_line(x, width, y, 20.0, Align::Centre, &template.title, "title");
    y += 9.0;
    canvas.text_in_line(x, width, y, 12.0, Align::Centre, &template.text("subtitle", &[]), "subtitle");
    y += 10.0;
    let mut facts = Vec::new();
    if !case_number.trim().is_empty() {
        facts.push((template.label("case_number"), case_number.trim().to_owned(), "case_number"));
    }
    facts.push((template.label("applicant"), record.applicant.name.trim().to_owned(), "applicant.name"));
    if !record.applicant.id_number.trim().is_empty() {
        facts.push((
            template.label("id_number"),
            mask_id_number(&record.applicant.id_number),
            "applicant.id_number",
        ));
    }
    facts.push((template.label("matter"), template.text("matter", &[]), "matter"));
    let label_width = facts.iter().map(|(label, _, _)| canvas.measure(label, BODY)).fold(0.0, f32::max);
    for (label, value, field) in &facts {
        y = labelled_line(canvas, x, y, width, label_width, label, value, field);
    }
    y + 3.0
}

/// `label value` on one line, values aligned after a label column of `label_width` mm (the
/// value wraps under itself); returns the y below it.
#[allow(clippy::too_many_arguments, reason = "a line is a box plus a label and a value")]
pub(crate) fn labelled_line(
    canvas: &mut Canvas<'_>,
    x: f32,
    y: f32,
    width: f32,
    label_width: f32,
    label: &str,
    value: &str,
    field: &str,
) -> f32 {
    let pitch = pt_to_mm(BODY * LINE_SPACING);
    canvas.text_in_line(x, label_width, y + pitch / 2.0, BODY, Align::Right, label, "label");
    let used = label_width;
    let lines = canvas.wrap(value, BODY, width - used);
    for (index, line) in lines.iter().enumerate() {
        canvas.text_in_line(
            x + used,
            width - used,
            y + pitch * (index as f32 + 0.5),
            BODY,
            Align::Left,
            line,
            field,
        );
    }
    y + pitch * lines.len().max(1) as f32 + 0.8
}

/// A wrapped paragraph from `y`, flowing onto a new page when needed; returns the y below it.
pub(crate) fn paragraph(
    canvas: &mut Canvas<'_>,
    x: f32,
    mut y: f32,
    width: f32,
    text: &str,
    size: f32,
    field: &str,
) -> f32 {
    let pitch = pt_to_mm(size * LINE_SPACING);
    for line in canvas.wrap(text, size, width) {
        if y + pitch > BODY_BOTTOM {
            canvas.new_page();
            y = 20.0;
        }
        canvas.text_in_line(x, width, y + pitch / 2.0, size, Align::Left, &line, field);
        y += pitch;
    }
    y
}
