//! The register (台账) as an xlsx workbook for the county bureau's Excel or WPS: a sheet of
//! lines (one row per application, dates as dates, a filter on the header, the header
//! frozen) and a sheet of counts, labelled from the same `ledger.json` as the printed one.
//! Deterministic: the workbook's creation time is the day it is made for, not the clock.

use chrono::{Datelike as _, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::ledger::LedgerSheet;
use crate::{PrintError, Renderer};

/// The columns of the lines sheet: label key, width in characters.
const COLUMNS: [(&str, f64); 11] = [
    ("number", 6.0),
    ("application_number", 20.0),
    ("name", 10.0),
    ("id_number", 21.0),
    ("type", 18.0),
    ("profile", 24.0),
    ("submitted", 12.0),
    ("decided", 12.0),
    ("outcome", 12.0),
    ("deadline", 10.0),
    ("accepted_by", 10.0),
];

impl Renderer {
    /// The register as an xlsx file.
    pub fn ledger_xlsx(&self, sheet: &LedgerSheet) -> Result<Vec<u8>, PrintError> {
        workbook(self, sheet).map_err(|error| PrintError::Spreadsheet { detail: error.to_string() })
    }
}

fn workbook(renderer: &Renderer, sheet: &LedgerSheet) -> Result<Vec<u8>, XlsxError> {
    let template = &renderer.templates().ledger;
    let mut workbook = Workbook::new();
    let made_on = excel_date(sheet.printed_on)?;
    let subject = template.text(
        "period",
        &[("office", &sheet.office), ("from", &sheet.from.to_string()), ("to", &sheet.to.to_string())],
    );
    workbook.set_properties(
        &DocProperties::new()
            .set_title(template.title.as_str())
            .set_subject(subject.as_str())
            .set_author(sheet.office.as_str())
            .set_keywords(format!("template={} template_version={}", template.name, template.version))
            .set_creation_datetime(&made_on),
    );
    let bold = Format::new().set_bold();
    let header = Format::new().set_bold().set_border(FormatBorder::Thin).set_background_color(0xE5E7EB);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let date = Format::new().set_border(FormatBorder::Thin).set_num_format("yyyy-mm-dd");

    let lines = workbook.add_worksheet();
    lines.set_name(template.text("sheet_lines", &[]))?;
    lines.write_string_with_format(0, 0, &template.title, &bold)?;
    lines.write_string(1, 0, &subject)?;
    let top = 3;
    for (column, (key, width)) in COLUMNS.iter().enumerate() {
        let column = column as u16;
        lines.set_column_width(column, *width)?;
        lines.write_string_with_format(top, column, template.label(key), &header)?;
    }
    for (index, row) in sheet.rows.iter().enumerate() {
        let at = top + 1 + index as u32;
        lines.write_number_with_format(at, 0, (index + 1) as f64, &cell)?;
        let texts = [
            (1, &row.application_number),
            (2, &row.name),
            (3, &row.id_number),
            (4, &row.recognition_type),
            (5, &row.profile),
            (8, &row.outcome),
            (9, &row.deadline),
            (10, &row.accepted_by),
        ];
        for (column, text) in texts {
            lines.write_string_with_format(at, column, text, &cell)?;
        }
        lines.write_date_with_format(at, 6, &excel_date(row.submitted_on)?, &date)?;
        match row.decided_on {
            Some(day) => lines.write_date_with_format(at, 7, &excel_date(day)?, &date)?,
            None => lines.write_string_with_format(at, 7, "", &cell)?,
        };
    }
    let last = top + sheet.rows.len() as u32;
    lines.autofilter(top, 0, last, COLUMNS.len() as u16 - 1)?;
    lines.set_freeze_panes(top + 1, 0)?;
    if sheet.truncated {
        let note = template.text("truncated", &[("n", &sheet.rows.len().to_string())]);
        lines.write_string(last + 2, 0, note)?;
    }
    lines.write_string(last + 3, 0, template.text("footer_note", &[]))?;
    lines.set_landscape().set_paper_size(9).set_print_fit_to_pages(1, 0);

    let summary = workbook.add_worksheet();
    summary.set_name(template.text("sheet_summary", &[]))?;
    write_summary(summary, renderer, sheet, &subject, (&bold, &header, &cell))?;
    workbook.save_to_buffer()
}

fn write_summary(
    summary: &mut Worksheet,
    renderer: &Renderer,
    sheet: &LedgerSheet,
    subject: &str,
    (bold, header, cell): (&Format, &Format, &Format),
) -> Result<(), XlsxError> {
    let template = &renderer.templates().ledger;
    let counts = &sheet.counts;
    summary.set_column_width(0, 28.0)?;
    summary.set_column_width(1, 12.0)?;
    summary.write_string_with_format(0, 0, &template.title, bold)?;
    summary.write_string(1, 0, subject)?;
    let mut row = 3;
    for (key, value) in [("total", counts.total), ("accepted", counts.accepted), ("late", counts.late)] {
        summary.write_string_with_format(row, 0, template.label(key), header)?;
        summary.write_number_with_format(row, 1, value as f64, cell)?;
        row += 1;
    }
    let share =
        template.text("late_share", &[("late", &counts.late.to_string()), ("share", &counts.late_share())]);
    summary.write_string(row, 0, share)?;
    row += 2;
    for (key, pairs) in [
        ("by_state", &counts.by_state),
        ("by_type", &counts.by_type),
        ("by_deadline", &counts.by_deadline),
        ("by_clerk", &counts.by_clerk),
    ] {
        summary.write_string_with_format(row, 0, template.label(key), header)?;
        summary.write_string_with_format(row, 1, template.label("count"), header)?;
        row += 1;
        for (label, count) in pairs {
            summary.write_string_with_format(row, 0, label, cell)?;
            summary.write_number_with_format(row, 1, *count as f64, cell)?;
            row += 1;
        }
        row += 1;
    }
    Ok(())
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(day.year()).map_err(|_| XlsxError::DateTimeRangeError(day.to_string()))?;
    ExcelDateTime::from_ymd(year, day.month() as u8, day.day() as u8)
}
