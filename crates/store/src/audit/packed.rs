//! Audit details as stored since schema 13 (issue 20): one format byte, then the JSON text.
//!
//! - `0`: the text as it is (details too short to gain anything from deflating);
//! - `1`: raw deflate (RFC 1951) of the text against the fixed dictionary
//!   `details_v1.dict`: fragments of the details the program writes (a state change's
//!   keys and states, a new case's sections, a search, an acknowledgement's list), the
//!   commonest last. A state change's 103 bytes become about 45, a new case's 111 about 5.
//!
//! The dictionary is part of the stored format: never edit it; a better one is format `2`.
//! The hash chain covers the JSON text, not these bytes.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::{Result, StoreError};

const RAW: u8 = 0;
const DEFLATED_V1: u8 = 1;
const DICTIONARY_V1: &[u8] = include_bytes!("details_v1.dict");
/// Details never come near this (an acknowledgement of 500 items is 20 KB): a stored value
/// that inflates past it was not written by the program.
const MAX_TEXT: usize = 4 << 20;

thread_local! {
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(6), false));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

fn damaged(detail: &str) -> StoreError {
    StoreError::Corrupt { detail: format!("audit details: {detail}") }
}

/// The stored form of `text`: deflated when that is shorter.
pub(crate) fn pack(text: &str) -> Result<Vec<u8>> {
    let deflated = DEFLATE.with(|cell| -> Result<Vec<u8>> {
        let mut deflate = cell.borrow_mut();
        deflate.reset();
        deflate.set_dictionary(DICTIONARY_V1).map_err(|error| damaged(&error.to_string()))?;
        let mut out = Vec::with_capacity(text.len() / 2 + 64);
        out.push(DEFLATED_V1);
        loop {
            let consumed = usize::try_from(deflate.total_in()).unwrap_or(usize::MAX);
            let input = text.as_bytes().get(consumed..).unwrap_or_default();
            out.reserve(input.len() / 2 + 64);
            let status = deflate
                .compress_vec(input, &mut out, FlushCompress::Finish)
                .map_err(|error| damaged(&error.to_string()))?;
            if status == Status::StreamEnd {
                return Ok(out);
            }
        }
    })?;
    if deflated.len() < text.len() + 1 {
        Ok(deflated)
    } else {
        let mut raw = Vec::with_capacity(text.len() + 1);
        raw.push(RAW);
        raw.extend_from_slice(text.as_bytes());
        Ok(raw)
    }
}

/// The JSON text of stored details; `Corrupt` for bytes the program did not write.
pub(crate) fn unpack(stored: &[u8]) -> Result<String> {
    let (format, body) = stored.split_first().ok_or_else(|| damaged("empty"))?;
    let bytes = match *format {
        RAW => body.to_vec(),
        DEFLATED_V1 => INFLATE.with(|cell| -> Result<Vec<u8>> {
            let mut inflate = cell.borrow_mut();
            inflate.reset(false);
            // A raw stream has no header to ask for it: the dictionary goes in first.
            inflate.set_dictionary(DICTIONARY_V1).map_err(|error| damaged(&error.to_string()))?;
            let mut out = Vec::with_capacity(body.len() * 4 + 64);
            loop {
                let consumed = usize::try_from(inflate.total_in()).unwrap_or(usize::MAX);
                let input = body.get(consumed..).unwrap_or_default();
                let before = (inflate.total_in(), inflate.total_out());
                let status = inflate
                    .decompress_vec(input, &mut out, FlushDecompress::Finish)
                    .map_err(|error| damaged(&error.to_string()))?;
                if status == Status::StreamEnd {
                    return Ok(out);
                }
                if out.len() >= MAX_TEXT {
                    return Err(damaged("too long"));
                }
                if (inflate.total_in(), inflate.total_out()) == before && out.len() < out.capacity() {
                    return Err(damaged("cut short"));
                }
                out.reserve(out.len().max(256));
            }
        })?,
        other => return Err(damaged(&format!("format {other}"))),
    };
    String::from_utf8(bytes).map_err(|_| damaged("not UTF-8"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn details_come_back_as_written_and_the_common_ones_shrink() {
        let step = r#"{"event_id":48213,"from":"accepted","outbox_id":"019bad86-0480-7d68-b0ed-0c7960140961","to":"reviewed"}"#;
        let created = r#"{"fields":["applicant","current_address","declaration","evidence","household_registration","recognition_type"]}"#;
        let unusual = r#"{"note":"打印机卡纸后重打","copies":2,"printer":"HP_LaserJet"}"#;
        for text in [step, created, unusual, "{}", ""] {
            let stored = pack(text).unwrap();
            assert_eq!(unpack(&stored).unwrap(), text);
            assert!(stored.len() <= text.len() + 1, "never longer than the text and its format byte");
        }
        assert!(pack(step).unwrap().len() < 60, "{}", pack(step).unwrap().len());
        assert!(pack(created).unwrap().len() < 12, "{}", pack(created).unwrap().len());
        assert_eq!(pack("{}").unwrap(), b"\0{}", "two bytes are kept as they are");
        let long = format!(
            r#"{{"count":500,"items":[{}]}}"#,
            vec![r#""019bad86-0480-7d68-b0ed-0c7960140961""#; 500].join(",")
        );
        assert_eq!(unpack(&pack(&long).unwrap()).unwrap(), long);
    }

    #[test]
    fn bytes_the_program_did_not_write_are_refused_not_misread() {
        let stored = pack(r#"{"event_id":1,"from":"draft","outbox_id":"019","to":"accepted"}"#).unwrap();
        assert!(unpack(&[]).is_err());
        assert!(unpack(&[7, b'{', b'}']).is_err(), "an unknown format");
        assert!(unpack(&stored[..stored.len() / 2]).is_err(), "cut short");
        let mut flipped = stored.clone();
        flipped[1] ^= 0xff;
        assert!(unpack(&flipped).map(|text| text != unpack(&stored).unwrap()).unwrap_or(true));
        assert!(unpack(&[0, 0xff, 0xfe]).is_err(), "not UTF-8");
        // A deflate bomb: far more text than any details.
        let mut bomb = Compress::new(Compression::best(), false);
        let zeros = vec![b' '; 8 << 20];
        let mut out = Vec::with_capacity(1 << 20);
        out.push(DEFLATED_V1);
        bomb.compress_vec(&zeros, &mut out, FlushCompress::Finish).unwrap();
        assert!(unpack(&out).is_err());
    }
}
