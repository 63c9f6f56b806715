//! PDF proofs through the real Poppler renderer (`pdftoppm`, `pdfinfo` from
//! poppler-utils): a two-page statement comes in as two pages in order; an encrypted, a
//! damaged and an overlong file are refused with their own errors, and a page of absurd
//! size is capped before it becomes a bitmap.

use std::fmt::Write as _;

use base64::Engine;
use scan::{MAX_PDF_PAGES, ScanError, intake_data_url_pages, intake_document, intake_file_pages};

use crate::{dark_corner, grey_options};

/// A minimal, valid PDF of `pages` A4 pages, each with a black square in its top-left
/// corner and `n` thin bars, so pages can be told apart; `extra_trailer` is added to the
/// trailer dictionary (e.g. an `/Encrypt` entry). `media_box` overrides the page size.
fn pdf(pages: usize, media_box: &str, extra_trailer: &str) -> Vec<u8> {
    let mut objects: Vec<String> = Vec::new();
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 3 + 2 * i)).collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".to_owned());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" ")));
    for page in 0..pages {
        let content_id = 4 + 2 * page;
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] /Contents {content_id} 0 R >>"
        ));
        // A black square at the top left; below it page+1 bars.
        let mut stream = String::from("0 g 0 742 150 100 re f\n");
        for bar in 0..=page {
            let _ = writeln!(stream, "0 g 300 {} 200 6 re f", 600 - bar * 20);
        }
        objects.push(format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()));
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {extra_trailer}>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

const A4: &str = "0 0 595 842";

#[test]
fn a_two_page_pdf_comes_in_as_two_pages_in_order() {
    let bytes = pdf(2, A4, "");
    let pages = intake_document(&bytes, &grey_options()).unwrap();
    assert_eq!(pages.len(), 2);
    for page in &pages {
        assert_eq!(dark_corner(page), "top-left", "rendered upright");
        assert!(page.width < page.height, "portrait A4");
        assert!(page.jpeg.len() < 400_000, "a grey page stays small: {} bytes", page.jpeg.len());
    }
    assert_ne!(pages[0].sha256, pages[1].sha256, "two different pages");
    // The same from a file and from the data URL the window's file chooser sends.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("社保缴费证明.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let from_file = intake_file_pages(&path, &grey_options()).unwrap();
    let url =
        format!("data:application/pdf;base64,{}", base64::engine::general_purpose::STANDARD.encode(&bytes));
    let from_url = intake_data_url_pages(&url, &grey_options()).unwrap();
    let hashes = |pages: &[scan::Page]| pages.iter().map(|page| page.sha256.clone()).collect::<Vec<_>>();
    assert_eq!(hashes(&from_file), hashes(&pages));
    assert_eq!(hashes(&from_url), hashes(&pages));
    // An image is still one page through the same door.
    let png = crate::fixtures::encode(
        &image::DynamicImage::ImageLuma8(crate::marked(400, 560)),
        image::ImageFormat::Png,
    );
    assert_eq!(intake_document(&png, &grey_options()).unwrap().len(), 1);
}

#[test]
fn an_encrypted_pdf_is_refused_as_such() {
    // An /Encrypt dictionary whose user password is not empty: Poppler cannot open it.
    let encrypt = "/Encrypt << /Filter /Standard /V 1 /R 2 /O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> \
                   /U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> /P -4 >> \
                   /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ";
    let error = intake_document(&pdf(1, A4, encrypt), &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::PdfEncrypted), "{error:?}");
    assert!(error.message_zh().contains("密码"), "{}", error.message_zh());
}

#[test]
fn a_damaged_pdf_is_refused_without_a_page() {
    let mut bytes = pdf(2, A4, "");
    bytes.truncate(60);
    let error = intake_document(&bytes, &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::PdfDamaged { .. }), "{error:?}");
}

#[test]
fn more_pages_than_the_limit_are_refused_before_any_is_rendered() {
    let pages = usize::try_from(MAX_PDF_PAGES).unwrap() + 1;
    let error = intake_document(&pdf(pages, A4, ""), &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::PdfTooManyPages { pages: 31, limit: 30 }), "{error:?}");
    assert!(error.message_zh().contains("31"), "{}", error.message_zh());
}

#[test]
fn a_page_of_absurd_size_is_capped_not_rendered_full_size() {
    // 200 × 200 inches: at 200 dpi a 40,000-pixel square; the long side is capped instead.
    let pages = intake_document(&pdf(1, "0 0 14400 14400", ""), &grey_options()).unwrap();
    assert!(pages[0].width <= scan::COLOUR_MAX_LONG_SIDE && pages[0].height <= scan::COLOUR_MAX_LONG_SIDE);
}
