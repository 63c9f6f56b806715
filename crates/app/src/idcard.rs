//! The ID-card reader at the counter (`crates/idcard`): a card read through the reader's
//! serial port, checked as the form checks a typed number (the domain's `id_number::check`,
//! which also routes a 港澳台 or foreigner's number elsewhere), with whether it has
//! expired. What is read is returned, never logged or stored here: the window fills the
//! form with it, and the form is saved and audited as typed.

use std::path::Path;

use chrono::NaiveDate;
use domain::FieldIssue;

use crate::AppError;

pub use idcard::{Card, CardKind};

/// A card read, with what the counter makes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRead {
    /// What the card says.
    pub card: Card,
    /// The card's validity has ended (`valid_to` before today).
    pub expired: bool,
    /// What the ID number check found (a 港澳台 or foreigner's number is refused here with
    /// the channel to send the applicant to); empty for a valid resident number.
    pub issues: Vec<FieldIssue>,
}

/// Reads the card on the reader at `device` (`/dev/ttyUSB0`) at `baud` bps, as of `today`.
pub fn read(device: &Path, baud: u32, today: NaiveDate) -> Result<CardRead, AppError> {
    let card = idcard::Reader::open(device, baud)?.read_card()?;
    Ok(assess(card, today))
}

/// What the counter makes of `card` on `today`.
pub fn assess(card: Card, today: NaiveDate) -> CardRead {
    let issues = match domain::id_number::check(&card.id_number, today) {
        Ok(_) => Vec::new(),
        Err(issues) => issues,
    };
    CardRead { expired: card.expired_on(today), issues, card }
}

/// The serial devices a reader may be on: USB-serial and USB CDC ports, by name.
pub fn ports() -> Vec<std::path::PathBuf> {
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir("/dev")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.starts_with("ttyUSB") || name.starts_with("ttyACM"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn card(number: &str, valid_to: &str) -> Card {
        let block = idcard::card::resident_text(
            "陈静",
            "2",
            "01",
            "19900307",
            "安徽省阜阳市颍东区向阳路街道幸福村12号",
            number,
            "阜阳市公安局颍东分局",
            ("20150307", valid_to),
        );
        idcard::decode_text(&block).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn a_valid_card_has_no_issues_and_an_expired_one_is_said() {
        let read = assess(card("341203199003071219", "20350307"), day("2026-12-05"));
        assert!(read.issues.is_empty() && !read.expired, "{read:?}");
        assert!(assess(card("341203199003071219", "20251201"), day("2026-12-05")).expired);
    }

    #[test]
    fn a_hong_kong_residence_permit_number_is_routed_elsewhere() {
        let read = assess(card("810000199001010012", "20350307"), day("2026-12-05"));
        let codes: Vec<&str> = read.issues.iter().map(|issue| issue.code).collect();
        assert_eq!(codes, ["ID_NUMBER_HK_MO_TW_PERMIT"], "{read:?}");
    }
}
