//! Camera and document-camera (高拍仪) frames: the window captures a frame with
//! `getUserMedia` and hands it over as a data URL; from here it is an ordinary input.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;

use crate::{IntakeOptions, Page, ScanError, intake, intake_document};

/// Takes in a frame sent by the window as `data:image/png;base64,…` or
/// `data:image/jpeg;base64,…` (what `canvas.toDataURL` and `FileReader.readAsDataURL`
/// produce), or as bare base64. The declared MIME type is not trusted, nor required to be
/// an image: a dropped PDF arrives as `data:application/pdf;…` and is refused as a PDF,
/// with the PDF's own message; the format is detected from the decoded bytes, as for a file.
///
/// The size limit is checked on the encoded text, before it is decoded.
pub fn intake_data_url(data_url: &str, options: &IntakeOptions) -> Result<Page, ScanError> {
    intake(&decode_data_url(data_url, options)?, options)
}

/// [`intake_data_url`] for a file the clerk chose: a PDF brings every page, an image one.
pub fn intake_data_url_pages(data_url: &str, options: &IntakeOptions) -> Result<Vec<Page>, ScanError> {
    intake_document(&decode_data_url(data_url, options)?, options)
}

fn decode_data_url(data_url: &str, options: &IntakeOptions) -> Result<Vec<u8>, ScanError> {
    let invalid = |detail: &str| ScanError::InvalidDataUrl { detail: detail.to_owned() };
    let text = data_url.trim();
    let payload = match text.strip_prefix("data:") {
        Some(rest) => {
            let (header, payload) =
                rest.split_once(',').ok_or_else(|| invalid("no comma after the media type"))?;
            header.strip_suffix(";base64").ok_or_else(|| invalid("not base64-encoded"))?;
            payload
        }
        None => text,
    };
    let encoded_bytes = u64::try_from(payload.len()).unwrap_or(u64::MAX);
    let decoded_bytes = encoded_bytes / 4 * 3;
    if decoded_bytes > options.limits.max_file_bytes {
        return Err(ScanError::TooLarge { bytes: decoded_bytes, limit: options.limits.max_file_bytes });
    }
    // Some senders wrap base64 at 76 columns; the decoder takes none of that whitespace.
    let bytes = if payload.bytes().any(|byte| byte.is_ascii_whitespace()) {
        let compact: String = payload.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD_PAD_INDIFFERENT.decode(compact)
    } else {
        STANDARD_PAD_INDIFFERENT.decode(payload)
    }
    .map_err(|error| invalid(&format!("base64: {error}")))?;
    Ok(bytes)
}
