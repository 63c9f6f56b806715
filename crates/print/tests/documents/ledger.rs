//! The register of applications (台账): the PDF over several sheets with the header on
//! each, and the xlsx workbook opened again and read cell by cell.

use std::io::Read as _;

use print::{LedgerCounts, LedgerRow, LedgerSheet};

use crate::support::*;

fn sheet(rows: usize) -> LedgerSheet {
    let outcomes = ["已签发", "已受理", "不予受理", "已审批"];
    let rows: Vec<LedgerRow> = (0..rows)
        .map(|index| LedgerRow {
            application_number: format!("JD-2026-{:06}", index + 1),
            name: if index == 0 { "欧阳·娜仁托雅".to_owned() } else { format!("申请人{index}") },
            id_number: "341203********1219".to_owned(),
            recognition_type: "居住登记时间互认".to_owned(),
            profile: "建德市 建政办函〔2024〕18号".to_owned(),
            submitted_on: day("2026-12-01"),
            decided_on: (index % 2 == 0).then(|| day("2026-12-03")),
            outcome: outcomes[index % outcomes.len()].to_owned(),
            deadline: if index == 1 { "已超期".to_owned() } else { "按期办结".to_owned() },
            accepted_by: "李建国".to_owned(),
        })
        .collect();
    LedgerSheet {
        office: "建德市公安局新安江派出所".to_owned(),
        from: day("2026-12-01"),
        to: day("2026-12-31"),
        counts: LedgerCounts {
            total: rows.len(),
            accepted: 8,
            late: 1,
            late_percent: Some(12.5),
            by_state: vec![("已签发".to_owned(), 3), ("不予受理".to_owned(), 2)],
            by_type: vec![("居住登记时间互认".to_owned(), rows.len())],
            by_deadline: vec![("按期办结".to_owned(), 7), ("已超期".to_owned(), 1)],
            by_clerk: vec![("李建国".to_owned(), 8)],
        },
        rows,
        truncated: false,
        printed_on: day("2027-01-02"),
    }
}

#[test]
fn the_register_prints_its_counts_then_every_line_with_the_header_on_each_sheet() {
    let document = renderer().render_ledger(&sheet(70)).expect("the register renders");
    let pdf = write_pdf("ledger", &document);
    assert_only_subset_fonts(&pdf);
    pdftoppm(&pdf, 80);
    assert!(document.pages >= 3, "70 lines run over several sheets: {}", document.pages);
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    let first = squeeze(&pdftotext_page(&pdf, 1));
    for expected in [
        "《浙江省居住证》互认转换业务台账",
        "建德市公安局新安江派出所统计期间：2026-12-01至2026-12-31",
        "申请总数70",
        "超期1件，占已受理的12.5%",
        "按受理人（已受理件数）",
        "JD-2026-000001",
        "欧阳·娜仁托雅",
        "341203********1219",
    ] {
        assert!(first.contains(expected), "the first sheet shows {expected}:\n{first}");
    }
    let last = squeeze(&pdftotext_page(&pdf, document.pages));
    assert!(last.contains("序号申请编号姓名"), "the header is repeated:\n{last}");
    assert!(last.contains("JD-2026-000070"), "the last line is on the last sheet:\n{last}");
    assert!(last.contains("本台账含申请人个人信息"), "{last}");
    assert!(squeeze(&pdftotext(&pdf)).contains("模板ledger1.0.0"));

    let empty = LedgerSheet { rows: Vec::new(), counts: LedgerCounts::default(), ..sheet(0) };
    let document = renderer().render_ledger(&empty).expect("an empty register renders");
    let pdf = write_pdf("ledger-empty", &document);
    assert_eq!(document.pages, 1);
    assert!(squeeze(&pdftotext(&pdf)).contains("本期间没有申请。"));
}

/// The text of `name` inside the workbook.
fn part(workbook: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook)).expect("an xlsx is a zip archive");
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name} in the workbook: {e}"))
        .read_to_string(&mut text)
        .expect("UTF-8 XML");
    text
}

#[test]
fn the_register_is_a_workbook_with_a_sheet_of_lines_and_a_sheet_of_counts() {
    let workbook = renderer().ledger_xlsx(&sheet(3)).expect("the workbook is written");
    let path = out_dir("ledger-xlsx").join("ledger.xlsx");
    std::fs::write(&path, &workbook).expect("kept for a person to open");
    assert!(workbook.starts_with(b"PK"), "a zip archive");
    let book = part(&workbook, "xl/workbook.xml");
    assert!(book.contains(r#"name="台账""#) && book.contains(r#"name="统计""#), "{book}");
    assert!(book.contains("_FilterDatabase"), "the header has a filter: {book}");
    let strings = part(&workbook, "xl/sharedStrings.xml");
    for expected in [
        "申请编号",
        "JD-2026-000003",
        "欧阳·娜仁托雅",
        "341203********1219",
        "建德市 建政办函〔2024〕18号",
        "李建国",
        "超期 1 件，占已受理的 12.5%",
    ] {
        assert!(strings.contains(expected), "the workbook holds {expected}: {strings}");
    }
    assert!(!strings.contains("341203199003071219"));
    // Dates are dates (Excel serial numbers with a date format), not text: 2026-12-01 is 46357.
    let lines = part(&workbook, "xl/worksheets/sheet1.xml");
    assert!(lines.contains("<v>46357</v>"), "{lines}");
    let styles = part(&workbook, "xl/styles.xml");
    assert!(styles.contains("yyyy-mm-dd"), "{styles}");
    let properties = part(&workbook, "docProps/core.xml");
    assert!(
        properties.contains("2027-01-02T00:00:00Z"),
        "made on the day given, not the clock: {properties}"
    );
    // The same sheet makes the same file.
    assert_eq!(renderer().ledger_xlsx(&sheet(3)).expect("again"), workbook);
}
