//! 不予受理告知书（不符合互认条件）: the answer to an applicant who is not eligible. Every
//! reason at once (「对不符合互认条件的，无论线上或线下均必须一次性告知理由」), each with the
//! sentence of the county's document (or of the regulation) it rests on, the document
//! applied, the date, the office with room for its stamp, and the way to contest the
//! decision. Unlike the one-time notice it asks for no papers: none would change it.
//!
//! 不予办理告知书 is the same letter for an application refused after it was accepted (不予通过
//! at review or approval): the reviewer's or approver's reasons, the day it was accepted,
//! the same way to contest it (`rejection.json`).

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

/// Texts `rejection.json` must define (its labels are the refusal's).
pub(crate) const REJECTION_TEXTS: &[&str] = &["subtitle", "matter", "intro", "remedy", "footer_note"];

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

/// What the 不予办理告知书 prints besides the record and the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionData {
    /// The application number.
    #[serde(default)]
    pub case_number: String,
    /// The office refusing.
    pub office: OfficeInfo,
    /// The reviewer or approver who refused it.
    pub clerk: String,
    /// The date of the decision.
    pub date: NaiveDate,
    /// The day the application was accepted.
    pub accepted_on: NaiveDate,
    /// The policy document applied, as for the refusal.
    pub document: String,
}

/// One reason as printed: the sentence, and what it rests on (may be empty).
struct Reason<'a> {
    message: &'a str,
    basis: &'a str,
}

/// What differs between the two letters.
struct Letter<'a> {
    template: &'a crate::templates::Template,
    case_number: &'a str,
    intro: String,
    /// A paragraph after the document applied (the refusal's 「以上情形不能通过补充材料改变」).
    after_document: Option<String>,
    office: &'a OfficeInfo,
    clerk: &'a str,
    date: NaiveDate,
    document: &'a str,
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
        let date = cn_date(refusal.date);
        let letter = Letter {
            template,
            case_number: &refusal.case_number,
            intro: template.text("intro", &[("name", record.applicant.name.trim()), ("date", &date)]),
            after_document: Some(template.text("not_materials", &[])),
            office: &refusal.office,
            clerk: &refusal.clerk,
            date: refusal.date,
            document: &refusal.document,
        };
        let reasons: Vec<Reason<'_>> =
            reasons.iter().map(|item| Reason { message: &item.message, basis: &item.basis }).collect();
        Ok(self.letter(record, &letter, &reasons))
    }

    /// Renders the 不予办理告知书 of an accepted application refused at review or approval,
    /// with `reasons` (the reviewer's or approver's sentences, in order; blank ones are left
    /// out). Without a reason it is refused with [`PrintError::NothingToRefuse`].
    pub fn render_rejection(
        &self,
        record: &ApplicationRecord,
        reasons: &[String],
        rejection: &RejectionData,
    ) -> Result<RenderedDocument, PrintError> {
        let reasons: Vec<Reason<'_>> = reasons
            .iter()
            .map(|reason| reason.trim())
            .filter(|reason| !reason.is_empty())
            .map(|message| Reason { message, basis: "" })
            .collect();
        let sentences: Vec<String> = reasons
            .iter()
            .map(|reason| {
                let ends = reason.message.ends_with(['。', '！', '？', '.']);
                if ends { reason.message.to_owned() } else { format!("{}。", reason.message) }
            })
            .collect();
        let reasons: Vec<Reason<'_>> =
            sentences.iter().map(|message| Reason { message, basis: "" }).collect();
        if reasons.is_empty() {
            return Err(PrintError::NothingToRefuse);
        }
        let template = &self.templates.rejection;
        let accepted = cn_date(rejection.accepted_on);
        let letter = Letter {
            template,
            case_number: &rejection.case_number,
            intro: template.text("intro", &[("name", record.applicant.name.trim()), ("accepted", &accepted)]),
            after_document: None,
            office: &rejection.office,
            clerk: &rejection.clerk,
            date: rejection.date,
            document: &rejection.document,
        };
        Ok(self.letter(record, &letter, &reasons))
    }

    /// The letter: heading and facts, the intro, the numbered reasons with what each rests
    /// on, the document applied, the way to contest it, the office block with room for the
    /// stamp, and the applicant's receipt line.
    fn letter(
        &self,
        record: &ApplicationRecord,
        letter: &Letter<'_>,
        reasons: &[Reason<'_>],
    ) -> RenderedDocument {
        let template = letter.template;
        let (document, mut canvas) = self.start();
        let x = MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let pitch = pt_to_mm(BODY * LINE_SPACING);
        let basis_pitch = pt_to_mm(BASIS * LINE_SPACING);
        let name = record.applicant.name.trim();
        let mut y = heading_and_facts(&mut canvas, template, record, letter.case_number, x, width);

        let date = cn_date(letter.date);
        y = paragraph(&mut canvas, x, y, width, &letter.intro, BODY, "intro");
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
        let document_line = format!("{}{}", template.label("document"), letter.document.trim());
        y = paragraph(&mut canvas, x, y, width, &document_line, BODY, "document");
        y += 2.0;
        if let Some(text) = &letter.after_document {
            y = paragraph(&mut canvas, x, y, width, text, BODY, "not_materials");
            y += 1.0;
        }
        y = paragraph(&mut canvas, x, y, width, &template.text("remedy", &[]), BODY, "remedy");
        y += 6.0;

        let office = letter.office;
        let block = [
            (template.label("office"), office.name.clone(), "office.name"),
            (template.label("office_address"), office.address.clone(), "office.address"),
            (template.label("office_phone"), office.phone.clone(), "office.phone"),
            (template.label("clerk"), letter.clerk.to_owned(), "clerk"),
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
        self.finish(document, canvas, template, &subject, letter.date)
    }
}
