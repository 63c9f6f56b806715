//! The acceptance receipt.

use crate::support::*;

#[test]
fn receipt_shows_the_case_the_applicant_and_the_due_date() {
    let record = complete();
    let document = renderer().render_receipt(&record, &receipt_data()).expect("receipt renders");
    let pdf = write_pdf("receipt", &document);
    assert_only_subset_fonts(&pdf);
    pdftoppm(&pdf, 100);
    assert_eq!(document.pages, 1);
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    let text = pdftotext(&pdf);
    let squeezed = squeeze(&text);
    for expected in [
        "受理回执",
        "JD-2025-000123",
        "张伟",
        "341203********1219",
        "居住登记时间互认",
        "2025年3月10日",
        "2025年3月12日前（自受理之日起2个工作日内）",
        "海盐县武原街道便民服务中心",
        "李建国",
        "138****5678",
        "模板receipt1.0.0",
    ] {
        assert!(squeezed.contains(expected), "the receipt shows {expected}:\n{text}");
    }
    assert!(!text.contains("341203199003071219"), "the receipt masks the ID number");
}
