//! 审核单, the review sheet: the assessment of a case explained rule by rule (computed by
//! the domain's `explain`), with the case, the policy applied, the ticked proofs without a
//! page, and lines for the reviewer's and the approver's signatures. For the office's own
//! file, not for the applicant.

use chrono::NaiveDate;
use domain::record::ApplicationRecord;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, Cell, LINE_SPACING, PAGE_HEIGHT, PAGE_WIDTH, TextStyle, pt_to_mm};
use crate::notice::paragraph;
use crate::{MARGIN, PrintError, RenderedDocument, Renderer, cn_date, mask_id_number};

/// Labels `review.json` must define.
pub(crate) const REQUIRED_LABELS: &[&str] = &[
    "case_number",
    "applicant",
    "id_number",
    "policy",
    "assessed_on",
    "decision",
    "rule",
    "outcome",
    "checked",
    "unscanned",
    "reviewer",
    "approver",
    "date_blank",
];

/// Texts `review.json` must define.
pub(crate) const REQUIRED_TEXTS: &[&str] = &["intro", "none", "pages_unknown", "footer_note"];

/// One rule as the sheet prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewLine {
    /// The rule's name, e.g. 居住登记时间.
    pub title: String,
    /// 符合, 不符合 or 不适用.
    pub outcome: String,
    /// What was checked.
    pub sentence: String,
}

/// What the review sheet prints besides the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewData {
    /// 申请编号.
    pub case_number: String,
    /// The policy applied: county, document and number.
    pub policy: String,
    /// The day the application was assessed (its acceptance).
    pub assessed_on: NaiveDate,
    /// The decision in words, e.g. 材料齐全，符合受理条件.
    pub decision: String,
    /// Every rule, in the explanation's order.
    pub lines: Vec<ReviewLine>,
    /// The ticked proofs without a scanned page, by name; `None` when the pages are not
    /// known (a record rendered on its own).
    pub unscanned: Option<Vec<String>>,
    /// The day the sheet is printed.
    pub printed_on: NaiveDate,
}

const LABEL: TextStyle = TextStyle::new(10.5, 8.0);
const VALUE: TextStyle = TextStyle::new(11.0, 8.0);
const BODY: TextStyle = TextStyle::new(10.5, 7.5);
const BOTTOM: f32 = PAGE_HEIGHT - 22.0;

impl Renderer {
    /// Renders the review sheet of `record`'s case.
    pub fn render_review(
        &self,
        record: &ApplicationRecord,
        review: &ReviewData,
    ) -> Result<RenderedDocument, PrintError> {
        let template = &self.templates.review;
        let (document, mut canvas) = self.start();
        let x = MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let mut y = 18.0;
        canvas.text_in_line(x, width, y, 17.0, Align::Centre, &template.title, "title");
        y += 8.0;
        y = paragraph(&mut canvas, x, y, width, &template.text("intro", &[]), 10.5, "intro");
        y += 3.0;

        let label_width = 30.0;
        let head = [
            ("case_number", review.case_number.trim().to_owned(), "case_number"),
            ("applicant", record.applicant.name.trim().to_owned(), "applicant.name"),
            ("id_number", mask_id_number(&record.applicant.id_number), "applicant.id_number"),
            ("policy", review.policy.clone(), "policy"),
            ("assessed_on", cn_date(review.assessed_on), "assessed_on"),
            ("decision", review.decision.clone(), "decision"),
        ];
        for (key, value, field) in &head {
            let cells = [
                Cell::label(label_width, template.label(key), LABEL),
                Cell::value(width - label_width, value, VALUE, field),
            ];
            y += canvas.row(x, y, &cells, 9.0, 20.0);
        }
        y += 4.0;

        // The rules: 审查项目 | 结论 | 审查情况, the header repeated on a new sheet.
        let (rule_width, outcome_width) = (30.0, 18.0);
        let checked_width = width - rule_width - outcome_width;
        let header = |canvas: &mut crate::layout::Canvas<'_>, y: f32| {
            let cells = [
                Cell::label(rule_width, template.label("rule"), LABEL),
                Cell::label(outcome_width, template.label("outcome"), LABEL),
                Cell::label(checked_width, template.label("checked"), LABEL),
            ];
            y + canvas.row(x, y, &cells, 8.0, 8.0)
        };
        y = header(&mut canvas, y);
        let pitch = pt_to_mm(BODY.size * LINE_SPACING);
        for (index, line) in review.lines.iter().enumerate() {
            let lines = canvas.wrap(&line.sentence, BODY.size, checked_width - 4.0).len().max(1);
            let needed = lines as f32 * pitch + 3.0;
            if y + needed > BOTTOM {
                canvas.new_page();
                y = header(&mut canvas, 18.0);
            }
            let field = format!("rule[{index}]");
            let cells = [
                Cell::value(rule_width, &line.title, BODY, &field),
                Cell { align: Align::Centre, ..Cell::value(outcome_width, &line.outcome, BODY, &field) },
                Cell::value(checked_width, &line.sentence, BODY, &field),
            ];
            y += canvas.row(x, y, &cells, 8.0, 60.0);
        }
        y += 4.0;

        let unscanned = match &review.unscanned {
            None => template.text("pages_unknown", &[]),
            Some(names) if names.is_empty() => template.text("none", &[]),
            Some(names) => names.join("、"),
        };
        let cells = [
            Cell::label(label_width + 10.0, template.label("unscanned"), LABEL),
            Cell::value(width - label_width - 10.0, &unscanned, VALUE, "unscanned"),
        ];
        if y + 30.0 > BOTTOM {
            canvas.new_page();
            y = 18.0;
        }
        y += canvas.row(x, y, &cells, 9.0, 24.0);
        y += 12.0;

        // Signature lines: the reviewer, then the approver, each with a blank date.
        for (key, field) in [("reviewer", "reviewer"), ("approver", "approver")] {
            if y + 12.0 > BOTTOM {
                canvas.new_page();
                y = 18.0;
            }
            canvas.text_in_line(x, 60.0, y, 11.0, Align::Left, template.label(key), field);
            canvas.text_in_line(
                x + width - 60.0,
                60.0,
                y,
                11.0,
                Align::Right,
                template.label("date_blank"),
                field,
            );
            y += 12.0;
        }
        canvas.footer_note(x, y.min(BOTTOM), width, &template.text("footer_note", &[]));

        let subject = format!("{} {}", template.title, review.case_number.trim());
        Ok(self.finish(document, canvas, template, &subject, review.printed_on))
    }
}
