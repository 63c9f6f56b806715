//! The filled Annex 1 form.

use crate::support::*;

#[test]
fn complete_form_has_every_row_and_box_of_the_annex() {
    let mut record = complete();
    record.opinions.acceptance.text = "材料齐全，同意受理".to_owned();
    record.opinions.acceptance.person = "李建国".to_owned();
    record.opinions.acceptance.date = Some(day("2025-03-10"));
    let document = renderer().render_form(&record).expect("form renders");
    let pdf = write_pdf("form-complete", &document);
    assert_only_subset_fonts(&pdf);
    assert_eq!(document.pages, 1, "the annex is one page");
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    pdftoppm(&pdf, 100);
    let text = pdftotext(&pdf);
    let squeezed = squeeze(&text);
    for expected in [
        "《浙江省居住证》互认转换申请表",
        "申请编号：JD-2025-000123",
        "公民身份号码",
        "张伟",
        "汉族",
        "安徽省阜阳市颍东区",
        "安徽省阜阳市颍东区向阳路街道幸福村12号",
        "现居住住址",
        "现有证件互认",
        "居住登记时间互认",
        "合法稳定就业",
        "合法稳定住所",
        "连续就读",
        "签订劳动合同",
        "签订农业承包合同",
        "参加社会保险",
        "持有工商执照",
        "自购房屋",
        "单位内部宿舍",
        "居住出租房屋",
        "办理出租登记",
        "办理租赁登记备案",
        "签订租赁合同",
        "符合安全条件",
        "依法缴纳税费",
        "小学学籍证明",
        "中学学籍证明",
        "中高等职业学校学籍证明",
        "普通高等学校学籍证明",
        "重要提示",
        "只保留转换后签发的电子《浙江省居住证》",
        "如有虚假愿承担法律责任",
        "申请人签名",
        "2025年3月10日",
        "受理人意见",
        "材料齐全，同意受理",
        "审核人意见",
        "审批人意见",
        "一人一档，长期妥善保管",
        "模板form1.2.0",
    ] {
        assert!(squeezed.contains(expected), "the form shows {expected}; text:\n{text}");
    }
    // The ID number goes one character per box, in order.
    let digits: String = squeezed.chars().filter(char::is_ascii_digit).collect();
    assert!(digits.contains("341203199003071219"), "the 18 boxes hold the ID number:\n{text}");
}

#[test]
fn long_name_and_address_wrap_inside_the_form_cells() {
    let record = long_name_long_address();
    let document = renderer().render_form(&record).expect("form renders");
    let pdf = write_pdf("form-long", &document);
    pdftoppm(&pdf, 100);
    assert!(document.warnings.is_empty(), "the long values fit after shrinking: {:?}", document.warnings);
    let squeezed = squeeze(&pdftotext(&pdf));
    assert!(squeezed.contains("阿卜杜热合曼·买买提·艾合买提江"));
    assert!(squeezed.contains(LONG_ADDRESS), "the whole 119-character address is printed");
    assert!(squeezed.contains("新疆维吾尔自治区"), "the province of 653101");
}

#[test]
fn blank_draft_form_prints_the_empty_annex() {
    let record = domain::record::ApplicationRecord::new();
    let document = renderer().render_form(&record).expect("an empty draft renders");
    let pdf = write_pdf("form-blank", &document);
    pdftoppm(&pdf, 100);
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    let squeezed = squeeze(&pdftotext(&pdf));
    assert!(squeezed.contains("年月日"), "blank date lines for handwriting");
}

#[test]
fn rare_character_in_the_form_is_reported() {
    let document = renderer().render_form(&rare_character()).expect("renders");
    write_pdf("form-rare", &document);
    assert!(
        document.warnings.iter().any(|w| matches!(w, print::RenderWarning::MissingGlyph { field, ch: '𪚥', .. } if field == "applicant.name")),
        "{:?}",
        document.warnings
    );
}

fn page(position: u32, evidence: &str, seed: u8) -> print::AttachedPage {
    let sha256: String =
        (0..32u8).map(|i| format!("{:02x}", i.wrapping_mul(seed).wrapping_add(seed))).collect();
    print::AttachedPage { position, evidence: evidence.to_owned(), sha256 }
}

#[test]
fn attached_pages_are_listed_per_evidence_item_after_the_annex() {
    let record = complete();
    let pages = [
        page(1, "residence.rental.lease_contract", 3),
        page(2, "employment.labour_contract", 5),
        page(3, "residence.rental.lease_contract", 7),
        page(4, "", 11),
    ];
    let document = renderer().render_form_with_pages(&record, &pages).expect("form renders");
    let pdf = write_pdf("form-pages", &document);
    pdftoppm(&pdf, 100);
    assert_only_subset_fonts(&pdf);
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    assert_eq!(document.pages, 2, "the annex, then the list of pages");

    let annex = squeeze(&pdftotext_page(&pdf, 1));
    assert!(annex.contains("互认转换申请表") && !annex.contains("所附证明材料扫描件清单"), "{annex}");
    assert!(annex.contains("第1页共2页"), "the annex's footer counts both pages:\n{annex}");
    let list_text = pdftotext_page(&pdf, 2);
    let list = squeeze(&list_text);
    for expected in [
        "所附证明材料扫描件清单",
        "本案共附证明材料扫描件4页",
        "签订劳动合同1页",
        "签订租赁合同2页",
        "未指定证明材料1页",
        "第2页共2页",
        "模板form1.2.0",
    ] {
        assert!(list.contains(expected), "the list shows {expected}:\n{list_text}");
    }
    for attached in &pages {
        let line = format!("第{}页{}", attached.position, &attached.sha256[..16]);
        assert!(list.contains(&line), "page {} with its hash prefix: {line}\n{list_text}", attached.position);
        assert!(!list.contains(&attached.sha256[..17]), "only 16 hex digits are printed");
    }
    // The form's order: employment before residence, unassigned last.
    let order: Vec<usize> = ["签订劳动合同", "签订租赁合同", "未指定证明材料"]
        .iter()
        .map(|label| list.find(label).unwrap_or_else(|| panic!("{label} listed")))
        .collect();
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "form order: {order:?}");

    let without = renderer().render_form_with_pages(&record, &[]).expect("form renders");
    assert_eq!(without.pages, 1, "no pages, no list");
}

#[test]
fn a_long_list_of_pages_continues_on_more_pages_with_its_header() {
    let pages: Vec<print::AttachedPage> =
        (1..=90).map(|position| page(position, "residence.rental.lease_contract", position as u8)).collect();
    let document = renderer().render_form_with_pages(&complete(), &pages).expect("form renders");
    let pdf = write_pdf("form-many-pages", &document);
    assert!(document.pages >= 3, "90 pages do not fit on one sheet: {}", document.pages);
    let last = squeeze(&pdftotext_page(&pdf, document.pages));
    assert!(last.contains("页序与内容摘要"), "each continuation repeats the header:\n{last}");
    assert!(last.contains(&format!("第90页{}", &pages[89].sha256[..16])), "the last page is listed:\n{last}");
    let all = squeeze(&pdftotext(&pdf));
    assert!(
        all.contains(&format!("第{}页共{}页", document.pages, document.pages)),
        "footer on the last page"
    );
}
