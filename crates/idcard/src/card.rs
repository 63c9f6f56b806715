//! The card's 256-byte text block: UCS-2, little-endian, fields padded with spaces.
//!
//! Three layouts share the block; the type letter at bytes 248–249 tells them apart:
//!
//! | field | 居民身份证 (blank) | 港澳台居民居住证 (`J`) | 外国人永久居留身份证 2017 (`I`) |
//! |---|---|---|---|
//! | 0–29 | name | name | English name (0–119) |
//! | 30–31 | gender code | gender code | — (gender 120–121) |
//! | 32–35 | ethnic code | reserved | — (permit number 122–151) |
//! | 36–51 | birth date | birth date | — (nationality 152–157) |
//! | 52–121 | address | address | — (Chinese name 158–187) |
//! | 122–157 | ID number | ID number | |
//! | 158–187 | issuing authority | issuing authority | |
//! | 188–203 | valid from | valid from | valid from |
//! | 204–219 | valid to (or 长期) | valid to | valid to |
//! | 220–… | reserved | pass number (220–237), issues (238–241) | birth date (220–235) |
//!
//! Sources: the machine-readable field tables of the cards as published by reader vendors
//! (`docs/peripherals.md`). The photo (1024 bytes, WLT) is not decoded here: only a
//! vendor's library can.

use chrono::NaiveDate;

/// The size of the text block.
pub const TEXT_LEN: usize = 256;

/// Which card was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// 居民身份证.
    ResidentId,
    /// 港澳台居民居住证 (type `J`).
    HkMoTwResidencePermit,
    /// 外国人永久居留身份证 (type `I`, the 2017 version; other foreign cards by their letter).
    ForeignPermanentResident,
    /// A type letter this build does not know.
    Unknown(char),
}

impl CardKind {
    /// A stable key.
    pub fn key(self) -> &'static str {
        match self {
            CardKind::ResidentId => "resident_id",
            CardKind::HkMoTwResidencePermit => "hk_mo_tw_residence_permit",
            CardKind::ForeignPermanentResident => "foreign_permanent_resident",
            CardKind::Unknown(_) => "unknown",
        }
    }

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            CardKind::ResidentId => "居民身份证",
            CardKind::HkMoTwResidencePermit => "港澳台居民居住证",
            CardKind::ForeignPermanentResident => "外国人永久居留身份证",
            CardKind::Unknown(_) => "未知证件",
        }
    }
}

/// What a card says, as it says it (codes are left as codes: the caller names them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Which card.
    pub kind: CardKind,
    /// 姓名 (the Chinese name; a foreigner's Chinese name, which may be empty).
    pub name: String,
    /// A foreigner's English name.
    pub name_en: Option<String>,
    /// GB/T 2261.1 gender code: `1` male, `2` female.
    pub gender_code: String,
    /// GB 3304 ethnic group code (resident ID cards only).
    pub ethnic_code: Option<String>,
    /// 出生日期.
    pub birth_date: Option<NaiveDate>,
    /// 住址 (the household address on a resident ID card).
    pub address: Option<String>,
    /// 公民身份号码, or the permit's number.
    pub id_number: String,
    /// 签发机关 (a foreigner's card: the accepting authority's code).
    pub authority: String,
    /// First day of validity.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity; `None` with `long_term`.
    pub valid_to: Option<NaiveDate>,
    /// 长期: valid without end.
    pub long_term: bool,
    /// 港澳台居民出入境证件号码 (type `J`).
    pub pass_number: Option<String>,
    /// A foreigner's nationality code (GB/T 2659).
    pub nationality: Option<String>,
}

impl Card {
    /// Expired on `today` (a long-term card never is).
    pub fn expired_on(&self, today: NaiveDate) -> bool {
        !self.long_term && self.valid_to.is_some_and(|last| last < today)
    }
}

/// Why a text block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Not 256 bytes.
    #[error("text block of {0} bytes, expected 256")]
    Length(usize),
    /// A field that must be there is empty (the ID number).
    #[error("text block without an ID number")]
    Empty,
}

/// Decodes the 256-byte text block.
pub fn decode_text(block: &[u8]) -> Result<Card, CardError> {
    if block.len() != TEXT_LEN {
        return Err(CardError::Length(block.len()));
    }
    let field = |from: usize, to: usize| ucs2(&block[from..to]);
    let kind = match field(248, 250).chars().next() {
        None => CardKind::ResidentId,
        Some('J') => CardKind::HkMoTwResidencePermit,
        Some('I') => CardKind::ForeignPermanentResident,
        Some(other) => CardKind::Unknown(other),
    };
    let date = |from: usize| NaiveDate::parse_from_str(&field(from, from + 16), "%Y%m%d").ok();
    let valid_to_text = field(204, 220);
    let long_term = valid_to_text == "长期";
    let card = match kind {
        CardKind::ForeignPermanentResident => Card {
            kind,
            name: field(158, 188),
            name_en: Some(field(0, 120)),
            gender_code: field(120, 122),
            ethnic_code: None,
            birth_date: date(220),
            address: None,
            id_number: field(122, 152),
            authority: field(240, 248),
            valid_from: date(188),
            valid_to: date(204),
            long_term,
            pass_number: None,
            nationality: Some(field(152, 158)),
        },
        _ => Card {
            kind,
            name: field(0, 30),
            name_en: None,
            gender_code: field(30, 32),
            ethnic_code: (kind == CardKind::ResidentId).then(|| field(32, 36)),
            birth_date: date(36),
            address: Some(field(52, 122)),
            id_number: field(122, 158),
            authority: field(158, 188),
            valid_from: date(188),
            valid_to: date(204),
            long_term,
            pass_number: (kind == CardKind::HkMoTwResidencePermit).then(|| field(220, 238)),
            nationality: None,
        },
    };
    if card.id_number.is_empty() { Err(CardError::Empty) } else { Ok(card) }
}

/// UCS-2 little-endian text, without its padding (spaces and NULs at the end).
fn ucs2(bytes: &[u8]) -> String {
    let text: String = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .map(|unit| char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'))
        .collect();
    text.trim_end_matches([' ', '\0']).trim_start().to_owned()
}

/// Encodes `text` as UCS-2 little-endian in `width` bytes, padded with spaces: how a card
/// holds its fields (for tests and the simulated reader).
pub fn ucs2_field(text: &str, width: usize) -> Vec<u8> {
    let mut bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).take(width).collect();
    while bytes.len() < width {
        bytes.extend_from_slice(&[0x20, 0x00]);
    }
    bytes
}

/// A resident ID card's text block from its fields (for tests and the simulated reader).
#[allow(clippy::too_many_arguments, reason = "one argument per printed field of the card")]
pub fn resident_text(
    name: &str,
    gender_code: &str,
    ethnic_code: &str,
    birth: &str,
    address: &str,
    id_number: &str,
    authority: &str,
    valid: (&str, &str),
) -> Vec<u8> {
    let mut block = Vec::with_capacity(TEXT_LEN);
    for (text, width) in [
        (name, 30),
        (gender_code, 2),
        (ethnic_code, 4),
        (birth, 16),
        (address, 70),
        (id_number, 36),
        (authority, 30),
        (valid.0, 16),
        (valid.1, 16),
        ("", 36),
    ] {
        block.extend(ucs2_field(text, width));
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }

    #[test]
    fn a_recorded_text_block_decodes() {
        // The first 52 bytes as a published sample block has them (王美娜, 女, 汉族 01, born
        // 1986-09-11); the rest written here, with a made-up number.
        let mut block = vec![
            0x8B, 0x73, 0x8E, 0x7F, 0x1C, 0x5A, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00,
            0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0x32, 0x00,
            0x30, 0x00, 0x31, 0x00, 0x31, 0x00, 0x39, 0x00, 0x38, 0x00, 0x36, 0x00, 0x30, 0x00, 0x39, 0x00,
            0x31, 0x00, 0x31, 0x00,
        ];
        block.extend(ucs2_field("河北省石家庄市长安区", 70));
        block.extend(ucs2_field("130323198609110021", 36));
        block.extend(ucs2_field("石家庄市公安局长安分局", 30));
        block.extend(ucs2_field("20110303", 16));
        block.extend(ucs2_field("20210303", 16));
        block.extend(ucs2_field("", 36));
        let card = decode_text(&block).expect("decoded");
        assert_eq!(card.kind, CardKind::ResidentId);
        assert_eq!((card.name.as_str(), card.gender_code.as_str()), ("王美娜", "2"));
        assert_eq!(card.ethnic_code.as_deref(), Some("01"));
        assert_eq!(card.birth_date, day("1986-09-11"));
        assert_eq!(card.id_number, "130323198609110021");
        assert_eq!(card.valid_to, day("2021-03-03"));
        assert!(card.expired_on(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap_or_default()));
    }

    #[test]
    fn a_long_term_card_never_expires() {
        let block = resident_text(
            "欧阳·娜仁托雅",
            "2",
            "05",
            "19520101",
            "浙江省杭州市建德市新安江街道府前路1号",
            "330182195201010025",
            "建德市公安局",
            ("20120101", "长期"),
        );
        let card = decode_text(&block).expect("decoded");
        assert!(card.long_term && card.valid_to.is_none());
        assert!(!card.expired_on(NaiveDate::from_ymd_opt(2099, 1, 1).unwrap_or_default()));
        assert_eq!(card.name, "欧阳·娜仁托雅");
        assert_eq!(card.address.as_deref(), Some("浙江省杭州市建德市新安江街道府前路1号"));
    }

    #[test]
    fn the_type_letter_tells_the_other_cards_apart() {
        let mut block =
            resident_text("陈大文", "1", "", "19900101", "香港", "810000199001010012", "", ("", ""));
        block[220..238].copy_from_slice(&ucs2_field("H12345678", 18));
        block[248..250].copy_from_slice(&ucs2_field("J", 2));
        let card = decode_text(&block).expect("decoded");
        assert_eq!(card.kind, CardKind::HkMoTwResidencePermit);
        assert_eq!((card.pass_number.as_deref(), card.ethnic_code.as_deref()), (Some("H12345678"), None));

        let mut foreign = ucs2_field("SMITH JOHN", 120);
        for (text, width) in [("1", 2), ("USA110090101015", 30), ("USA", 6), ("约翰", 30)] {
            foreign.extend(ucs2_field(text, width));
        }
        for (text, width) in [("20170101", 16), ("20270101", 16), ("19900101", 16), ("01", 4), ("1100", 8)] {
            foreign.extend(ucs2_field(text, width));
        }
        foreign.extend(ucs2_field("I", 2));
        foreign.extend(ucs2_field("", 6));
        let card = decode_text(&foreign).expect("decoded");
        assert_eq!(card.kind, CardKind::ForeignPermanentResident);
        assert_eq!((card.name_en.as_deref(), card.name.as_str()), (Some("SMITH JOHN"), "约翰"));
        assert_eq!((card.id_number.as_str(), card.nationality.as_deref()), ("USA110090101015", Some("USA")));
        assert_eq!(card.birth_date, day("1990-01-01"));
    }

    #[test]
    fn a_short_or_empty_block_is_refused() {
        assert_eq!(decode_text(&[0; 10]), Err(CardError::Length(10)));
        assert_eq!(decode_text(&ucs2_field("", 256)), Err(CardError::Empty));
    }
}
