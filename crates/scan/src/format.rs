//! Format detection by magic bytes, never by file name or a declared MIME type.

use crate::ScanError;

/// The formats intake decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// JPEG (JFIF or EXIF): cameras, phones, most scanners' "save as JPEG".
    Jpeg,
    /// PNG: SANE's `--format=png`, screenshots, the window's camera frames.
    Png,
    /// TIFF, little- or big-endian (BigTIFF included): scanners that save to a folder.
    Tiff,
}

impl SourceFormat {
    /// Lowercase name for logs and JSON: `jpeg`, `png`, `tiff`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "jpeg",
            SourceFormat::Png => "png",
            SourceFormat::Tiff => "tiff",
        }
    }

    pub(crate) fn to_image_format(self) -> image::ImageFormat {
        match self {
            SourceFormat::Jpeg => image::ImageFormat::Jpeg,
            SourceFormat::Png => image::ImageFormat::Png,
            SourceFormat::Tiff => image::ImageFormat::Tiff,
        }
    }
}

/// Recognises the format from the first bytes, or says why the input is refused.
pub(crate) fn detect(bytes: &[u8]) -> Result<SourceFormat, ScanError> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(SourceFormat::Jpeg);
    }
    if bytes.starts_with(PNG) {
        return Ok(SourceFormat::Png);
    }
    if [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"].iter().any(|magic| bytes.starts_with(*magic)) {
        return Ok(SourceFormat::Tiff);
    }
    // A PDF's header may follow up to 1,024 bytes of junk (PDF 1.7, annex H.3).
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|window| window == b"%PDF-") {
        return Err(ScanError::PdfNotSupported);
    }
    let detected = if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "GIF"
    } else if bytes.starts_with(b"BM") {
        "BMP"
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        "WebP"
    } else if bytes.get(4..8) == Some(b"ftyp") {
        // ISO base media: HEIC/HEIF from phones, AVIF.
        "HEIC"
    } else {
        "unknown"
    };
    Err(ScanError::Unsupported { detected })
}

/// Width and height from a PNG's IHDR chunk, read without the decoder: the IHDR is always
/// the first chunk, at a fixed offset.
pub(crate) fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), ScanError> {
    let corrupt = || ScanError::Corrupt { detail: "png header (IHDR) is missing or cut short".to_owned() };
    if bytes.get(12..16) != Some(b"IHDR") {
        return Err(corrupt());
    }
    let read_u32 = |offset: usize| {
        bytes
            .get(offset..offset + 4)
            .and_then(|field| <[u8; 4]>::try_from(field).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(corrupt)
    };
    Ok((read_u32(16)?, read_u32(20)?))
}

/// Width and height from a JPEG's frame header, after checking that the data does not stop
/// before the end-of-image marker.
///
/// Walks the marker segments up to the first start-of-scan, reading the frame header (SOF)
/// on the way, then looks for the end-of-image marker (`FF D9`) after it. Entropy-coded data never contains `FF D9` (a
/// data byte `FF` is always followed by `00`), and a thumbnail in the EXIF block sits
/// before the first scan, so neither can fool the check.
pub(crate) fn jpeg_dimensions(bytes: &[u8]) -> Result<(u32, u32), ScanError> {
    let corrupt = |detail: &str| ScanError::Corrupt { detail: format!("jpeg {detail}") };
    let mut position = 2;
    let mut dimensions = None;
    loop {
        match bytes.get(position) {
            None => return Err(corrupt("ends before its image data")),
            Some(0xFF) => {}
            Some(_) => return Err(corrupt("has a broken marker segment")),
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while bytes.get(position) == Some(&0xFF) {
            position += 1;
        }
        let Some(&marker) = bytes.get(position) else {
            return Err(corrupt("ends before its image data"));
        };
        position += 1;
        match marker {
            // Markers without a length field.
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 => return Err(corrupt("has no image data")),
            _ => {}
        }
        let Some(length) = bytes
            .get(position..position + 2)
            .map(|field| usize::from(u16::from_be_bytes([field[0], field[1]])))
        else {
            return Err(corrupt("ends before its image data"));
        };
        if length < 2 {
            return Err(corrupt("has a broken marker segment"));
        }
        // Frame headers SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC): length (2),
        // precision (1), height (2), width (2).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let field = |offset: usize| {
                bytes
                    .get(position + offset..position + offset + 2)
                    .map(|pair| u32::from(u16::from_be_bytes([pair[0], pair[1]])))
            };
            if let (Some(height), Some(width)) = (field(3), field(5)) {
                dimensions = Some((width, height));
            }
            check_sampling(
                bytes.get(position + 7..(position + length).min(bytes.len())).unwrap_or_default(),
            )?;
        }
        position += length;
        if marker == 0xDA {
            break;
        }
    }
    let scan_data = bytes.get(position..).unwrap_or_default();
    if !scan_data.windows(2).any(|pair| pair == [0xFF, 0xD9]) {
        return Err(corrupt("is cut short (no end-of-image marker)"));
    }
    dimensions.ok_or_else(|| corrupt("has no frame header"))
}

/// Refuses a frame whose components' sampling factors a scanner or a phone never writes
/// and the decoder mishandles: a factor outside 1–4 (the standard's range), or a colour
/// component sampled more finely than the first (the luminance). zune-jpeg 0.5.15 panics
/// in its IDCT on the second (a slice index past its row buffer), found by the
/// `scan_document` fuzz target (2026-12-06); every camera and scanner file samples its
/// colour at most as finely as its luminance (4:4:4, 4:2:2, 4:2:0, 4:1:1).
///
/// `frame` is the frame header from its component count on: count (1), then per component
/// its id (1), factors (1: horizontal in the high four bits) and quantisation table (1).
fn check_sampling(frame: &[u8]) -> Result<(), ScanError> {
    let Some((&count, components)) = frame.split_first() else { return Ok(()) };
    let factors: Vec<(u8, u8)> =
        components.chunks_exact(3).take(usize::from(count)).map(|c| (c[1] >> 4, c[1] & 0x0F)).collect();
    let Some(&(first_h, first_v)) = factors.first() else { return Ok(()) };
    for (index, &(h, v)) in factors.iter().enumerate() {
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return Err(ScanError::Corrupt {
                detail: format!("jpeg component {} has sampling factors {h}×{v} (1 to 4 allowed)", index + 1),
            });
        }
        if h > first_h || v > first_v {
            return Err(ScanError::UnsupportedVariant {
                detail: format!(
                    "jpeg component {} sampled {h}×{v}, more finely than the first component's {first_h}×{first_v}",
                    index + 1
                ),
            });
        }
    }
    Ok(())
}
