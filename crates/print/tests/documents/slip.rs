//! The confirmation slip: fields, masking, QR signature, large print, long and rare names.

use print::{RenderWarning, demo_signing_key, verify_slip_payload};

use crate::support::*;

/// Renders a slip, checks what every slip must satisfy, and returns its PDF and text.
fn check_slip(
    name: &str,
    record: &domain::record::ApplicationRecord,
    slip: &print::SlipData,
) -> (print::RenderedDocument, String, std::path::PathBuf) {
    let key = demo_signing_key();
    let document = renderer().render_slip(record, slip, &key).expect("slip renders");
    let pdf = write_pdf(name, &document);
    assert!(
        document.bytes.len() <= 150 * 1024,
        "a slip is at most 150 KB (issue 5): {} bytes",
        document.bytes.len()
    );
    assert_eq!(document.template.name, "slip");
    assert_only_subset_fonts(&pdf);
    let text = pdftotext(&pdf);
    let pages = pdftoppm(&pdf, 150);
    assert_eq!(pages.len(), document.pages, "pdftoppm and the renderer agree on the page count");
    // The QR code decodes from the printed page and its signature holds.
    let codes: Vec<String> = pages.iter().flat_map(|page| zbarimg(page)).collect();
    assert_eq!(codes.len(), 1, "exactly one QR code on the slip: {codes:?}");
    let verified = verify_slip_payload(&codes[0], &key.verifying_key()).expect("the scanned QR verifies");
    assert_eq!(verified.payload.case_number, slip.case_number);
    assert_eq!(verified.payload.name, record.applicant.name);
    assert_eq!(verified.payload.permit_number, slip.permit.number);
    (document, text, pdf)
}

#[test]
fn regular_slip_prints_every_field_masked_and_a_verifiable_qr() {
    let record = complete();
    let (document, text, pdf) = check_slip("slip-regular", &record, &slip_data());
    assert!(document.warnings.is_empty(), "nothing to report for 张伟: {:?}", document.warnings);
    assert_eq!(document.pages, 1);
    let squeezed = squeeze(&text);
    for expected in [
        "浙江省居住证确认单",
        "JD-2025-000123",
        "张伟",
        "男",
        "汉族",
        "1990年3月7日",
        "341203********1219",
        "安徽省阜阳市颍东区向阳路街道幸福村12号",
        "浙江省杭州市建德市新安江街道江滨中路88号3幢2单元501室",
        "330182202503120123",
        "海盐县公安局",
        "2025年3月12日",
        "长期（逐年签注）",
        "2026年2月12日至2026年3月11日",
        "海盐县武原街道便民服务中心",
        "0573-86000000",
        "李建国",
        "户口专用章",
        "扫码核验本单",
        "模板slip1.0.0",
    ] {
        assert!(squeezed.contains(expected), "the slip shows {expected}; text:\n{text}");
    }
    assert!(!text.contains("341203199003071219"), "the full ID number is masked by default");
    let info = pdfinfo(&pdf);
    assert!(info.contains("template=slip"), "the PDF keywords name the template:\n{info}");
    assert!(info.contains("template_version=1.0.0"), "and its version:\n{info}");
}

#[test]
fn full_id_number_when_the_profile_says_so() {
    let record = complete();
    let mut slip = slip_data();
    slip.options.mask_id_number = false;
    let (_, text, _) = check_slip("slip-full-id", &record, &slip);
    assert!(text.contains("341203199003071219"), "the full number is printed:\n{text}");
}

#[test]
fn large_print_slip_is_one_page_with_one_field_per_row() {
    let record = complete();
    let mut slip = slip_data();
    slip.options.large_print = true;
    let (document, text, _) = check_slip("slip-large", &record, &slip);
    assert_eq!(document.pages, 1, "the large-print slip still fits one page");
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    // One field per row: the gender's value follows its label directly in content order.
    let squeezed = squeeze(&text);
    assert!(squeezed.contains("性别男民族汉族"), "one field per row in large print:\n{text}");
}

#[test]
fn long_name_with_middle_dots_and_a_119_character_address_wrap_inside_their_boxes() {
    assert!(LONG_ADDRESS.chars().count() > 100);
    let record = long_name_long_address();
    for large_print in [false, true] {
        let mut slip = slip_data();
        slip.options.large_print = large_print;
        let name = if large_print { "slip-long-large" } else { "slip-long" };
        let (document, text, _) = check_slip(name, &record, &slip);
        assert!(document.warnings.is_empty(), "the long values fit after shrinking: {:?}", document.warnings);
        assert_eq!(document.pages, 1, "the stamp stays on the page with the holder's data");
        let squeezed = squeeze(&text);
        assert!(squeezed.contains("阿卜杜热合曼·买买提·艾合买提江"), "the whole name is printed:\n{text}");
        assert!(squeezed.contains(LONG_ADDRESS), "the whole address is printed:\n{text}");
        assert!(squeezed.contains("维吾尔族"), "ethnic group 05 is printed by name");
    }
}

#[test]
fn a_character_missing_from_the_font_is_reported_and_boxed() {
    let record = rare_character();
    let (document, text, _) = check_slip("slip-rare", &record, &slip_data());
    assert_eq!(
        document.warnings,
        vec![RenderWarning::MissingGlyph {
            field: "applicant.name".to_owned(),
            ch: '𪚥',
            code_point: "U+2A6A5".to_owned()
        }],
        "the missing character is named with its field"
    );
    assert!(text.contains('陈'), "the rest of the name is printed");
}
