//! 不予办理告知书: an accepted application refused at review or approval, with the
//! reviewer's reasons, read back from the PDF with poppler.

use print::{PrintError, RejectionData};

use crate::support::*;

fn rejection_data() -> RejectionData {
    RejectionData {
        case_number: "33018201-20250310-0001".to_owned(),
        office: office(),
        clerk: "赵审批".to_owned(),
        date: day("2025-03-12"),
        accepted_on: day("2025-03-10"),
        document: "建政办函〔2024〕18号《建德市〈浙江省居住证〉互认制度改革工作实施办法》".to_owned(),
    }
}

#[test]
fn the_rejection_prints_every_reason_the_accepted_day_and_the_way_to_contest_it() {
    let reasons = vec![
        "经核查，劳动合同所载用人单位已于2024年注销，就业证明不真实".to_owned(),
        "  ".to_owned(),
        "租赁合同的出租人与房屋所有权人不符".to_owned(),
    ];
    let rendered = renderer().render_rejection(&complete(), &reasons, &rejection_data()).expect("renders");
    assert_eq!(rendered.template.name, "rejection");
    let pdf = write_pdf("rejection", &rendered);
    assert_only_subset_fonts(&pdf);
    let text = squeeze(&pdftotext(&pdf));
    for expected in [
        "不予办理告知书",
        "33018201-20250310-0001",
        "2025年3月10日提交、经受理",
        "1.经核查，劳动合同所载用人单位已于2024年注销，就业证明不真实",
        "2.租赁合同的出租人与房屋所有权人不符",
        "建政办函〔2024〕18号",
        "六十日内依法申请行政复议",
        "签发人：赵审批",
    ] {
        assert!(text.contains(&squeeze(expected)), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains("3."), "a blank reason is left out:\n{text}");
    assert!(!text.contains("不能通过补充材料改变"), "the refusal's paragraph is not this letter's:\n{text}");
    let pngs = pdftoppm(&pdf, 60);
    assert_eq!(pngs.len(), 1, "one page");
}

#[test]
fn a_rejection_without_a_reason_is_refused() {
    let error = renderer()
        .render_rejection(&complete(), &[" ".to_owned()], &rejection_data())
        .expect_err("nothing to print");
    assert!(matches!(error, PrintError::NothingToRefuse), "{error:?}");
}
