//! Bad input: each is a typed error with a sentence for the clerk, never a panic, and
//! limits trip before the expensive work.

use std::time::Duration;

use image::{DynamicImage, ImageFormat};
use scan::{IntakeOptions, Limits, ScanError, intake, intake_file};

use crate::{fixtures, grey_options, marked};

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    chunk.extend_from_slice(&crc.finalize().to_be_bytes());
    chunk
}

/// A well-formed PNG whose header declares `width × height` 8-bit grey pixels, with valid
/// CRCs, a tiny IDAT (an empty zlib stream) and IEND: 67 bytes that promise any size.
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit, greyscale, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(b"IDAT", b"\x78\x01\x01\x00\x00\xff\xff\x00\x00\x00\x01"));
    png.extend(png_chunk(b"IEND", b""));
    png
}

fn small_jpeg() -> Vec<u8> {
    fixtures::jpeg(&DynamicImage::ImageLuma8(marked(400, 300)), 90)
}

#[test]
fn zero_bytes_are_refused_as_empty() {
    let error = intake(&[], &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::Empty), "{error:?}");
    assert_eq!(error.message_zh(), "文件为空（0 字节），请重新扫描或选择其他文件。");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.jpg");
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(intake_file(&path, &grey_options()), Err(ScanError::Empty)));
}

#[test]
fn a_png_bomb_is_refused_from_its_header() {
    // 10^10 pixels: 10 GB of greyscale if anyone tried to allocate it.
    let bomb = png_declaring(100_000, 100_000);
    let error = intake(&bomb, &grey_options()).unwrap_err();
    assert!(
        matches!(error, ScanError::TooManyPixels { width: 100_000, height: 100_000, limit: 60_000_000 }),
        "{error:?}"
    );
    assert!(error.message_zh().contains("100000 × 100000"), "{}", error.message_zh());

    let cases = [
        // Within the side limit, far beyond the pixel count.
        (png_declaring(20_000, 20_000), "TooManyPixels"),
        // Few pixels, one absurd side.
        (png_declaring(30_000, 10), "DimensionTooLarge"),
        (png_declaring(0, 10), "Corrupt"),
    ];
    for (png, expected) in cases {
        let error = intake(&png, &grey_options()).unwrap_err();
        assert!(format!("{error:?}").starts_with(expected), "expected {expected}, got {error:?}");
    }
}

#[test]
fn the_pixel_limit_is_configurable() {
    let png = fixtures::encode(&DynamicImage::ImageLuma8(marked(400, 300)), ImageFormat::Png);
    let options =
        IntakeOptions { limits: Limits { max_pixels: 100_000, ..Limits::default() }, ..grey_options() };
    assert!(matches!(
        intake(&png, &options),
        Err(ScanError::TooManyPixels { width: 400, height: 300, limit: 100_000 })
    ));
}

#[test]
fn a_jpeg_bomb_is_refused_from_its_frame_header() {
    let mut jpeg = small_jpeg();
    let frame = jpeg.windows(2).position(|pair| pair == [0xFF, 0xC0]).expect("a baseline frame header");
    // FF C0, length (2), precision (1), height (2), width (2).
    jpeg[frame + 5..frame + 7].copy_from_slice(&60_000_u16.to_be_bytes());
    jpeg[frame + 7..frame + 9].copy_from_slice(&60_000_u16.to_be_bytes());
    let error = intake(&jpeg, &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::TooManyPixels { width: 60_000, height: 60_000, .. }), "{error:?}");
}

#[test]
fn truncated_files_are_corrupt() {
    let image = DynamicImage::ImageLuma8(marked(400, 300));
    let jpeg = small_jpeg();
    let png = fixtures::encode(&image, ImageFormat::Png);
    let tiff = fixtures::encode(&image, ImageFormat::Tiff);
    // A PNG or TIFF without its last bytes (IEND, padding) still holds the whole picture;
    // a JPEG without its end marker may not.
    let cases = [
        ("jpeg", &jpeg, vec![jpeg.len() * 6 / 10, jpeg.len() - 2, 40, 10]),
        ("png", &png, vec![png.len() * 6 / 10, png.len() / 3, 40, 10]),
        ("tiff", &tiff, vec![tiff.len() * 6 / 10, tiff.len() / 3, 40, 10]),
    ];
    for (name, bytes, cuts) in cases {
        for keep in cuts {
            let error = intake(&bytes[..keep], &grey_options()).unwrap_err();
            assert!(
                matches!(error, ScanError::Corrupt { .. }),
                "{name} cut to {keep} of {} bytes: {error:?}",
                bytes.len()
            );
            assert_eq!(
                error.message_zh(),
                "文件已损坏或不完整，无法读取图像，请重新扫描或重新保存后再导入。"
            );
        }
    }
}

#[test]
fn random_bytes_are_unsupported_or_corrupt() {
    let mut random = fixtures::XorShift(42);
    let noise: Vec<u8> = (0..10_000).map(|_| random.next() as u8).collect();
    let mut unknown = noise.clone();
    unknown[0] = b'Z';
    let error = intake(&unknown, &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::Unsupported { detected: "unknown" }), "{error:?}");
    assert_eq!(error.message_zh(), "无法识别的文件格式，请选择 JPEG、PNG、TIFF 图片或 PDF 文件。");

    for magic in [&b"\xFF\xD8\xFF"[..], b"\x89PNG\r\n\x1a\n", b"II*\0", b"MM\0*"] {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&noise);
        let error = intake(&bytes, &grey_options()).unwrap_err();
        assert!(
            matches!(error, ScanError::Corrupt { .. } | ScanError::UnsupportedVariant { .. }),
            "noise after {magic:?}: {error:?}"
        );
    }
}

#[test]
fn a_200_mb_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.tif");
    // Sparse: takes no disk space, and reading it would take seconds.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(200_000_000).unwrap();
    let error = intake_file(&path, &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::TooLarge { bytes: 200_000_000, limit: 50_000_000 }), "{error:?}");
    assert_eq!(
        error.message_zh(),
        "文件过大（200.0 MB），超过上限 50.0 MB，请降低扫描分辨率或选择其他文件。"
    );

    // The same bytes already in memory.
    let bytes = vec![0_u8; 200_000_000];
    assert!(matches!(intake(&bytes, &grey_options()), Err(ScanError::TooLarge { .. })));
}

#[test]
fn the_file_size_limit_is_configurable() {
    let options =
        IntakeOptions { limits: Limits { max_file_bytes: 1000, ..Limits::default() }, ..grey_options() };
    let error = intake(&small_jpeg(), &options).unwrap_err();
    assert!(matches!(error, ScanError::TooLarge { limit: 1000, .. }), "{error:?}");
}

#[test]
fn a_pdf_is_refused_with_its_own_message() {
    let pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    let mut with_junk = b"\xEF\xBB\xBF\r\n".to_vec();
    with_junk.extend_from_slice(pdf);
    for bytes in [pdf.to_vec(), with_junk] {
        let error = intake(&bytes, &grey_options()).unwrap_err();
        assert!(matches!(error, ScanError::PdfNotSupported), "{error:?}");
        assert!(error.message_zh().contains("PDF"));
    }
}

#[test]
fn other_image_formats_are_named_in_the_refusal() {
    let cases: [(&[u8], &str); 5] = [
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "GIF"),
        (b"GIF87a\x01\x00\x01\x00\x00\x00\x00;", "GIF"),
        (b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x18\x00", "BMP"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
    ];
    for (bytes, name) in cases {
        let error = intake(bytes, &grey_options()).unwrap_err();
        assert!(
            matches!(&error, ScanError::Unsupported { detected } if *detected == name),
            "{name}: {error:?}"
        );
        assert_eq!(
            error.message_zh(),
            format!("不支持 {name} 格式，请选择 JPEG、PNG、TIFF 图片或 PDF 文件。")
        );
    }
}

#[test]
fn a_missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = intake_file(&dir.path().join("gone.jpg"), &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::Io { .. }), "{error:?}");
}

#[test]
fn every_error_has_a_chinese_sentence() {
    let io = || std::io::Error::other("disk");
    let errors = [
        ScanError::Empty,
        ScanError::TooLarge { bytes: 1, limit: 1 },
        ScanError::TooManyPixels { width: 1, height: 1, limit: 1 },
        ScanError::DimensionTooLarge { width: 1, height: 1, limit: 1 },
        ScanError::Corrupt { detail: String::new() },
        ScanError::PdfDamaged { detail: String::new() },
        ScanError::PdfNotSupported,
        ScanError::PdfEncrypted,
        ScanError::PdfTooManyPages { pages: 31, limit: 30 },
        ScanError::PdfRendererMissing { program: "pdftoppm" },
        ScanError::PdfTimeout { timeout: Duration::from_secs(30) },
        ScanError::Unsupported { detected: "GIF" },
        ScanError::Unsupported { detected: "unknown" },
        ScanError::UnsupportedVariant { detail: String::new() },
        ScanError::InvalidDataUrl { detail: String::new() },
        ScanError::SaneMissing { detail: String::new() },
        ScanError::ScannerNotFound { device: "test:9".to_owned(), detail: String::new() },
        ScanError::ScanTimeout { timeout: Duration::from_secs(60) },
        ScanError::ScanFailed { detail: String::new() },
        ScanError::Io { what: String::new(), source: io() },
    ];
    for error in errors {
        let message = error.message_zh();
        assert!(message.ends_with('。'), "{error:?}: {message}");
        assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{error:?}: {message}");
        assert!(!error.to_string().is_empty());
    }
}

/// A colour component sampled more finely than the luminance: no scanner or phone writes
/// it, and zune-jpeg 0.5.15 panicked in its IDCT on it (the `scan_document` fuzz target,
/// 2026-12-06; the inputs are in `crates/fuzz-targets/corpus/scan_document/`). Refused
/// from the frame header as a variant not supported; a factor outside 1–4 as damage.
#[test]
fn a_jpeg_whose_colour_is_sampled_finer_than_its_luminance_is_refused() {
    let colour = fixtures::jpeg(&DynamicImage::ImageRgb8(fixtures::id_card_copy(1240, 1754)), 90);
    let frame = colour.windows(2).position(|pair| pair == [0xFF, 0xC0]).expect("a baseline frame header");
    // FF C0, length (2), precision (1), height (2), width (2), count (1), then per component
    // id, factors, table: the third component's factors are at frame + 10 + 3 × 2 + 1.
    assert_eq!(colour[frame + 9], 3, "three components");
    let third = frame + 10 + 3 * 2 + 1;
    let first = colour[frame + 11];
    assert!(intake(&colour, &grey_options()).is_ok(), "the file as written is taken in");

    let mut finer = colour.clone();
    finer[third] = 0x44;
    assert_ne!(first, 0x44);
    let error = intake(&finer, &grey_options()).unwrap_err();
    assert!(matches!(error, ScanError::UnsupportedVariant { .. }), "{error:?}");
    assert!(error.to_string().contains("component 3 sampled 4×4"), "{error}");
    assert!(error.message_zh().contains("编码方式暂不支持"), "{}", error.message_zh());

    for outside in [0x00, 0x15, 0x51] {
        let mut damaged = colour.clone();
        damaged[third] = outside;
        let error = intake(&damaged, &grey_options()).unwrap_err();
        assert!(matches!(error, ScanError::Corrupt { .. }), "{outside:#x}: {error:?}");
    }
}
