//! 台账, the office's register of applications for a range of days: the counts an office
//! reports to the county bureau (by outcome, type, deadline and accepting clerk, with the
//! late share), then one ruled line per application, the header repeated on every sheet.
//! Not a case's document: the app builds [`LedgerSheet`] from its register, and the same
//! sheet is written as a spreadsheet by [`crate::spreadsheet`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::layout::{Align, Cell, LINE_SPACING, PAGE_HEIGHT, PAGE_WIDTH, TextStyle, pt_to_mm};
use crate::notice::paragraph;
use crate::{MARGIN, PrintError, RenderedDocument, Renderer};

/// Labels `ledger.json` must define.
pub(crate) const REQUIRED_LABELS: &[&str] = &[
    "summary",
    "total",
    "accepted",
    "late",
    "by_state",
    "by_type",
    "by_deadline",
    "by_clerk",
    "lines",
    "number",
    "application_number",
    "name",
    "id_number",
    "type",
    "profile",
    "submitted",
    "decided",
    "outcome",
    "deadline",
    "accepted_by",
    "count",
];

/// Texts `ledger.json` must define.
pub(crate) const REQUIRED_TEXTS: &[&str] =
    &["period", "late_share", "none", "truncated", "footer_note", "sheet_lines", "sheet_summary"];

/// One application as the register prints it (every text already in words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// 申请编号 (empty for an application never submitted).
    pub application_number: String,
    /// The applicant's name as the clerk may see it (an administrator sees the first
    /// character only).
    pub name: String,
    /// The ID number, masked.
    pub id_number: String,
    /// 互认类型 in words.
    pub recognition_type: String,
    /// The county policy it was assessed under, in words.
    pub profile: String,
    /// The day it was first submitted.
    pub submitted_on: NaiveDate,
    /// The day it reached its outcome, if it has.
    pub decided_on: Option<NaiveDate>,
    /// Where it stands, in words (已受理, 已签发, 不予受理, …).
    pub outcome: String,
    /// Against its deadline, in words (办理中, 按期办结, 超期办结, …).
    pub deadline: String,
    /// The clerk who accepted it ("" when it was never accepted).
    pub accepted_by: String,
}

/// The register's counts, each with its words.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LedgerCounts {
    /// Applications in the register.
    pub total: usize,
    /// Of those, accepted (the deadline ran).
    pub accepted: usize,
    /// Overdue or decided late.
    pub late: usize,
    /// `late` as a share of `accepted`, in per cent to one decimal (`None`: none accepted).
    pub late_percent: Option<f64>,
    /// Per outcome.
    pub by_state: Vec<(String, usize)>,
    /// Per type.
    pub by_type: Vec<(String, usize)>,
    /// Per deadline status.
    pub by_deadline: Vec<(String, usize)>,
    /// Accepted per clerk.
    pub by_clerk: Vec<(String, usize)>,
}

impl LedgerCounts {
    /// The late share as printed: `12.5%`, `50%` (`0%` with none accepted).
    pub fn late_share(&self) -> String {
        match self.late_percent {
            Some(percent) if percent.fract() != 0.0 => format!("{percent:.1}%"),
            Some(percent) => format!("{percent:.0}%"),
            None => "0%".to_owned(),
        }
    }
}

/// What the register prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerSheet {
    /// The office's name.
    pub office: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// The applications, in the order they were submitted.
    pub rows: Vec<LedgerRow>,
    /// Their counts.
    pub counts: LedgerCounts,
    /// More applications than `rows` holds: the register was cut at `rows.len()`.
    pub truncated: bool,
    /// The day it is printed.
    pub printed_on: NaiveDate,
}

const LABEL: TextStyle = TextStyle::new(9.0, 7.0);
const BODY: TextStyle = TextStyle::new(8.0, 6.5);
const BOTTOM: f32 = PAGE_HEIGHT - 22.0;

/// The columns of a line: key of its label, width in mm.
const COLUMNS: [(&str, f32); 9] = [
    ("number", 8.0),
    ("application_number", 26.0),
    ("name", 15.0),
    ("id_number", 32.0),
    ("type", 17.0),
    ("submitted", 19.5),
    ("decided", 19.5),
    ("outcome", 17.0),
    ("deadline", 16.0),
];

impl Renderer {
    /// Renders the register.
    pub fn render_ledger(&self, sheet: &LedgerSheet) -> Result<RenderedDocument, PrintError> {
        let template = &self.templates.ledger;
        let (document, mut canvas) = self.start();
        let x = MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let mut y = 18.0;
        canvas.text_in_line(x, width, y, 16.0, Align::Centre, &template.title, "title");
        y += 8.0;
        let period = template.text(
            "period",
            &[("office", &sheet.office), ("from", &sheet.from.to_string()), ("to", &sheet.to.to_string())],
        );
        canvas.text_in_line(x, width, y, 10.0, Align::Centre, &period, "period");
        y += 8.0;

        // 统计: the totals, then each breakdown as label | count pairs, two pairs a row.
        canvas.text_in_line(x, width, y, 11.0, Align::Left, template.label("summary"), "summary");
        y += 3.0;
        let counts = &sheet.counts;
        let totals = [
            (template.label("total"), counts.total.to_string()),
            (template.label("accepted"), counts.accepted.to_string()),
            (
                template.label("late"),
                template.text(
                    "late_share",
                    &[("late", &counts.late.to_string()), ("share", &counts.late_share())],
                ),
            ),
        ];
        let cells: Vec<Cell> = totals
            .iter()
            .flat_map(|(label, value)| {
                [Cell::label(22.0, label, LABEL), Cell::value(width / 3.0 - 22.0, value, BODY, "summary")]
            })
            .collect();
        y += canvas.row(x, y, &cells, 7.0, 12.0);
        for (key, pairs) in [
            ("by_state", &counts.by_state),
            ("by_type", &counts.by_type),
            ("by_deadline", &counts.by_deadline),
            ("by_clerk", &counts.by_clerk),
        ] {
            if pairs.is_empty() {
                continue;
            }
            if y + 14.0 > BOTTOM {
                canvas.new_page();
                y = 18.0;
            }
            y += 2.0;
            canvas.text_in_line(x, width, y + 3.0, 9.0, Align::Left, template.label(key), key);
            y += 5.0;
            for chunk in pairs.chunks(3) {
                let mut cells = Vec::new();
                for (label, count) in chunk {
                    cells.push(Cell::label(width / 3.0 - 14.0, label, LABEL));
                    cells.push(Cell {
                        align: Align::Right,
                        ..Cell::value(14.0, &count.to_string(), BODY, key)
                    });
                }
                if y + 7.0 > BOTTOM {
                    canvas.new_page();
                    y = 18.0;
                }
                y += canvas.row(x, y, &cells, 7.0, 12.0);
            }
        }
        y += 6.0;

        // 申请明细: one ruled line per application, the header on every sheet.
        if y + 20.0 > BOTTOM {
            canvas.new_page();
            y = 18.0;
        }
        canvas.text_in_line(x, width, y, 11.0, Align::Left, template.label("lines"), "lines");
        y += 3.0;
        let header = |canvas: &mut crate::layout::Canvas<'_>, y: f32| {
            let cells: Vec<Cell> = COLUMNS
                .iter()
                .map(|(key, column)| Cell {
                    align: Align::Centre,
                    ..Cell::label(*column, template.label(key), LABEL)
                })
                .collect();
            y + canvas.row(x, y, &cells, 8.0, 12.0)
        };
        y = header(&mut canvas, y);
        if sheet.rows.is_empty() {
            y = paragraph(&mut canvas, x, y + 3.0, width, &template.text("none", &[]), 10.0, "lines");
        }
        let pitch = pt_to_mm(BODY.size * LINE_SPACING);
        for (index, row) in sheet.rows.iter().enumerate() {
            let texts = [
                (index + 1).to_string(),
                row.application_number.clone(),
                row.name.clone(),
                row.id_number.clone(),
                row.recognition_type.clone(),
                row.submitted_on.to_string(),
                row.decided_on.map(|day| day.to_string()).unwrap_or_default(),
                row.outcome.clone(),
                row.deadline.clone(),
            ];
            let lines = texts
                .iter()
                .zip(COLUMNS)
                .map(|(text, (_, column))| canvas.wrap(text, BODY.size, column - 4.0).len())
                .max()
                .unwrap_or(1)
                .min(3);
            let needed = lines as f32 * pitch + 3.0;
            if y + needed.max(7.0) > BOTTOM {
                canvas.new_page();
                y = header(&mut canvas, 18.0);
            }
            let field = format!("row[{index}]");
            let cells: Vec<Cell> = texts
                .iter()
                .zip(COLUMNS)
                .map(|(text, (_, column))| Cell::value(column, text, BODY, &field))
                .collect();
            y += canvas.row(x, y, &cells, 7.0, 16.0);
        }
        if sheet.truncated {
            let note = template.text("truncated", &[("n", &sheet.rows.len().to_string())]);
            y = paragraph(&mut canvas, x, y + 3.0, width, &note, 9.5, "truncated");
        }
        canvas.footer_note(x, (y + 6.0).min(BOTTOM), width, &template.text("footer_note", &[]));

        let subject = format!("{} {} {}", template.title, sheet.from, sheet.to);
        Ok(self.finish(document, canvas, template, &subject, sheet.printed_on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_late_share_prints_a_decimal_only_when_it_has_one() {
        let share = |late_percent| LedgerCounts { late_percent, ..LedgerCounts::default() }.late_share();
        assert_eq!(share(None), "0%");
        assert_eq!(share(Some(12.5)), "12.5%");
        assert_eq!(share(Some(33.3)), "33.3%");
        assert_eq!(share(Some(50.0)), "50%");
        assert_eq!(share(Some(0.0)), "0%");
    }
}
