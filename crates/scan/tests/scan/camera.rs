//! The camera path up to the frame the window hands over: a data URL.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use image::ImageFormat;
use scan::{IntakeOptions, Limits, ScanError, intake, intake_data_url};

use crate::{colour_options, fixtures, grey_options, rgb};

fn frame() -> (Vec<u8>, Vec<u8>) {
    let photo = rgb(fixtures::phone_photo(640, 905, 40));
    (fixtures::encode(&photo, ImageFormat::Png), fixtures::jpeg(&photo, 85))
}

#[test]
fn png_and_jpeg_data_urls_go_through_the_same_pipeline_as_files() {
    let (png, jpeg) = frame();
    for (bytes, media_type) in [(png, "image/png"), (jpeg, "image/jpeg")] {
        let encoded = STANDARD.encode(&bytes);
        let expected = intake(&bytes, &colour_options()).unwrap();
        let urls = [
            format!("data:{media_type};base64,{encoded}"),
            // Bare base64, and base64 wrapped at 76 columns with a trailing newline.
            encoded.clone(),
            encoded
                .as_bytes()
                .chunks(76)
                .map(|line| std::str::from_utf8(line).unwrap())
                .collect::<Vec<_>>()
                .join("\r\n")
                + "\n",
        ];
        for url in urls {
            let page = intake_data_url(&url, &colour_options()).unwrap();
            assert_eq!(page, expected, "{media_type}: same page as the file path");
        }
    }
}

#[test]
fn the_declared_media_type_is_not_trusted() {
    let (png, _) = frame();
    let url = format!("data:image/jpeg;base64,{}", STANDARD.encode(&png));
    let page = intake_data_url(&url, &grey_options()).unwrap();
    assert_eq!(page.source_format, scan::SourceFormat::Png, "detected from the bytes");
}

#[test]
fn malformed_frames_are_refused() {
    let (png, _) = frame();
    let encoded = STANDARD.encode(&png);
    // The label is not trusted either way: a PNG declared as text is still a PNG.
    assert!(intake_data_url(&format!("data:text/plain;base64,{encoded}"), &grey_options()).is_ok());
    let cases = [
        format!("data:image/png,{encoded}"),
        format!("data:image/png;base64{encoded}"),
        "data:image/png;base64,not*base64!".to_owned(),
    ];
    for url in cases {
        let error = intake_data_url(&url, &grey_options()).unwrap_err();
        assert!(matches!(error, ScanError::InvalidDataUrl { .. }), "{}: {error:?}", &url[..30]);
        assert_eq!(error.message_zh(), "拍摄的画面无法读取，请重新拍摄。");
    }
    assert!(matches!(intake_data_url("data:image/png;base64,", &grey_options()), Err(ScanError::Empty)));
    let gif = format!("data:image/gif;base64,{}", STANDARD.encode(b"GIF89a\x01\x00\x01\x00"));
    assert!(matches!(
        intake_data_url(&gif, &grey_options()),
        Err(ScanError::Unsupported { detected: "GIF" })
    ));
}

#[test]
fn an_oversized_frame_is_refused_before_decoding_the_base64() {
    let (png, _) = frame();
    let options =
        IntakeOptions { limits: Limits { max_file_bytes: 1000, ..Limits::default() }, ..grey_options() };
    let url = format!("data:image/png;base64,{}", STANDARD.encode(&png));
    assert!(matches!(intake_data_url(&url, &options), Err(ScanError::TooLarge { limit: 1000, .. })));
}

#[test]
fn a_dropped_pdf_is_refused_as_a_pdf_not_as_a_broken_frame() {
    use base64::Engine;
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let url =
        format!("data:application/pdf;base64,{}", base64::engine::general_purpose::STANDARD.encode(pdf));
    let error = intake_data_url(&url, &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::PdfNotSupported), "{error:?}");
    assert!(error.message_zh().contains("PDF"), "{}", error.message_zh());
}
