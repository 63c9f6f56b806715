//! 不予受理告知书（不符合互认条件）: the answer to an applicant who is not eligible. Every
//! reason at once (「对不符合互认条件的，无论线上或线下均必须一次性告知理由」), each with the
//! sentence of the county's document (or of the regulation) it rests on, the document
//! applied, the date, the office with room for its stamp, and the way to contest the
//! decision. Unlike the one-time notice it asks for no papers: none would change it.

use chrono::NaiveDate;
use domain::assessment::Assessment;
use domain::record::ApplicationRecord;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, LINE_SPACING, PAGE_WIDTH, pt_to_mm};
use crate::notice::{heading_and_facts, labelled_line, paragraph};
use crate::templates::OfficeInfo;
use crate::{MARGIN, PrintError, RenderedDocument, Renderer, cn_date};

/// Labels `refusal.json` must define.
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
    "basis",
    "document",
    "stamp",
    "applicant_signature",
    "date_blank",
];

/// Texts `refusal.json` must define.
pub(crate) const REQUIRED_TEXTS: &[&str] =
    &["subtitle", "matter", "intro", "not_materials", "remedy", "footer_note"];

/// What the refusal prints besides the record and the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalData {
    /// The case number (the application number, or the case id before one was given).
    #[serde(default)]
    pub case_number: String,
    /// The office refusing.
    pub office: OfficeInfo,
    /// The clerk's name.
    pub clerk: String,
    /// The date of the decision.
    pub date: NaiveDate,
    /// The policy document applied: its number and title (e.g. `建政办函〔2024〕18号
    /// 《建德市〈浙江省居住证〉互认制度改革工作实施办法》`).
    pub document: String,
}

/// Body text.
const BODY: f32 = 11.5;
/// The sentences a reason rests on.
const BASIS: f32 = 9.5;
/// Lowest y for body text before a new page, mm.
const BODY_BOTTOM: f32 = 272.0;

impl Renderer {
    /// Renders the refusal of `record`'s applicant: the eligibility reasons of `assessment`
    /// (its materials items are not printed: they would ask for papers that change nothing).
    /// An assessment without eligibility reasons is refused with
    /// [`PrintError::NothingToRefuse`].
    pub fn render_refusal(
        &self,
        record: &ApplicationRecord,
        assessment: &Assessment,
        refusal: &RefusalData,
    ) -> Result<RenderedDocument, PrintError> {
        let reasons = assessment.reasons();
        if reasons.is_empty() {
            return Err(PrintError::NothingToRefuse);
        }
        let template = &self.templates.refusal;
        let (document, mut canvas) = self.start();
        let x = MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let pitch = pt_to_mm(BODY * LINE_SPACING);
        let basis_pitch = pt_to_mm(BASIS * LINE_SPACING);
        let name = record.applicant.name.trim();
        let mut y = heading_and_facts(&mut canvas, template, record, &refusal.case_number, x, width);

        let date = cn_date(refusal.date);
        let intro = template.text("intro", &[("name", name), ("date", &date)]);
        y = paragraph(&mut canvas, x, y, width, &intro, BODY, "intro");
        y += 2.0;

        let indent = 9.0;
        for (index, item) in reasons.iter().enumerate() {
            let field = format!("reasons[{index}]");
            let lines = canvas.wrap(item.message.trim(), BODY, width - indent);
            let basis_text = format!("{}{}", template.label("basis"), item.basis.trim());
            let basis_lines = if item.basis.trim().is_empty() {
                Vec::new()
            } else {
                canvas.wrap(&basis_text, BASIS, width - indent)
            };
            let height = lines.len() as f32 * pitch + basis_lines.len() as f32 * basis_pitch + 2.0;
            if y + height > BODY_BOTTOM {
                canvas.new_page();
                y = 20.0;
            }
            let number = format!("{}.", index + 1);
            canvas.text_in_line(x + 2.0, indent, y + pitch / 2.0, BODY, Align::Left, &number, &field);
            for line in &lines {
                canvas.text_in_line(
                    x + indent,
                    width - indent,
                    y + pitch / 2.0,
                    BODY,
                    Align::Left,
                    line,
                    &field,
                );
                y += pitch;
            }
            canvas.grey(0.3);
            for line in &basis_lines {
                canvas.text_in_line(
                    x + indent,
                    width - indent,
                    y + basis_pitch / 2.0,
                    BASIS,
                    Align::Left,
                    line,
                    &format!("{field}.basis"),
                );
                y += basis_pitch;
            }
            canvas.grey(0.0);
            y += 2.0;
        }
        y += 1.0;
        let document_line = format!("{}{}", template.label("document"), refusal.document.trim());
        y = paragraph(&mut canvas, x, y, width, &document_line, BODY, "document");
        y += 2.0;
        y = paragraph(&mut canvas, x, y, width, &template.text("not_materials", &[]), BODY, "not_materials");
        y += 1.0;
        y = paragraph(&mut canvas, x, y, width, &template.text("remedy", &[]), BODY, "remedy");
        y += 6.0;

        let office = &refusal.office;
        let block = [
            (template.label("office"), office.name.clone(), "office.name"),
            (template.label("office_address"), office.address.clone(), "office.address"),
            (template.label("office_phone"), office.phone.clone(), "office.phone"),
            (template.label("clerk"), refusal.clerk.clone(), "clerk"),
            (template.label("date"), date.clone(), "date"),
        ];
        if y + block.len() as f32 * pitch + 50.0 > BODY_BOTTOM {
            canvas.new_page();
            y = 20.0;
        }
        let block_top = y;
        let label_width = block.iter().map(|(label, _, _)| canvas.measure(label, BODY)).fold(0.0, f32::max);
        for (label, value, field) in &block {
            y = labelled_line(&mut canvas, x, y, width - 70.0, label_width, label, value, field);
        }
        // Room for the office's stamp (盖章), right of the office block.
        let stamp_x = x + width - 60.0;
        canvas.grey(0.6);
        canvas.rect(stamp_x, block_top, 48.0, 40.0, 0.4);
        canvas.grey(0.0);
        canvas.text_in_line(
            stamp_x,
            48.0,
            block_top + 45.0,
            10.0,
            Align::Centre,
            template.label("stamp"),
            "stamp",
        );
        y = y.max(block_top + 50.0) + 4.0;
        let signature = template.label("applicant_signature");
        let used = canvas.text_in_line(x, width, y, BODY, Align::Left, signature, "applicant_signature");
        canvas.line(x + used + 1.0, y + 2.5, x + used + 45.0, y + 2.5, 0.5);
        canvas.text_in_line(x, width, y, BODY, Align::Right, template.label("date_blank"), "date_blank");
        y += 10.0;
        canvas.footer_note(x, y, width, &template.text("footer_note", &[]));

        let subject = format!("{} {}", template.title, name);
        Ok(self.finish(document, canvas, template, &subject, refusal.date))
    }
}
