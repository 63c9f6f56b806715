//! The ID-card reader at the counter (`crates/idcard`): a card read through the reader's
//! serial port, checked as the form checks a typed number (the domain's `id_number::check`,
//! which also routes a 港澳台 or foreigner's number elsewhere), with whether it has
//! expired. What is read is returned, never logged or stored here: the window fills the
//! form with it, and the form is saved and audited as typed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDate;
use domain::FieldIssue;
use domain::id_number::Gender;

use crate::AppError;

pub use idcard::{Card, CardKind, ReaderError};

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
    /// What the card puts into the application form: a resident ID card whose number
    /// checks; `None` for any other card, which the form does not take.
    pub fill: Option<CardFill>,
    /// The holder's photo as a BMP, when the vendor's library decoded it (the serial
    /// protocol carries it encoded, which only a vendor's decoder reads).
    pub photo_bmp: Option<Vec<u8>>,
}

/// The application form's fields as a card gives them (Annex 1: 公民身份号码, 姓名, 性别,
/// 民族, 常住户口 province, county and address). The birth date is inside the number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFill {
    /// 公民身份号码, canonical (upper-case X).
    pub id_number: String,
    /// 姓名.
    pub name: String,
    /// 性别 from the card's gender code.
    pub gender: Option<Gender>,
    /// 民族: the GB 3304 code, when the table knows it.
    pub ethnic_group: Option<String>,
    /// 常住户口 province and county, when the card's 住址 starts with a current county.
    pub household: Option<(String, String)>,
    /// 详细地址: the 住址 after the county, or the whole 住址 when no county leads it.
    pub household_address: String,
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
    let fill = (card.kind == CardKind::ResidentId && issues.is_empty()).then(|| fill(&card));
    CardRead { expired: card.expired_on(today), issues, fill, card, photo_bmp: None }
}

/// The form's fields from a resident ID card.
fn fill(card: &Card) -> CardFill {
    let reference = crate::reference::embedded().ok();
    let address = card.address.clone().unwrap_or_default();
    let located =
        reference.and_then(|data| data.divisions.locate_address(&address)).and_then(|(county, rest)| {
            let province = reference?.divisions.province_of(&county.code)?;
            Some(((province.code.clone(), county.code.clone()), rest.to_owned()))
        });
    let ethnic_group = card
        .ethnic_code
        .as_deref()
        .filter(|code| reference.is_some_and(|data| data.ethnic_groups.get(code).is_some()))
        .map(str::to_owned);
    CardFill {
        id_number: domain::id_number::canonical(&card.id_number),
        name: card.name.clone(),
        gender: match card.gender_code.as_str() {
            "1" => Some(Gender::Male),
            "2" => Some(Gender::Female),
            _ => None,
        },
        ethnic_group,
        household_address: located.as_ref().map_or(address.clone(), |(_, rest)| rest.clone()),
        household: located.map(|(place, _)| place),
    }
}

/// A card read for the application form: what it fills, and its validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormCard {
    /// The form's fields.
    pub fill: CardFill,
    /// The card's validity has ended.
    pub expired: bool,
    /// The last day of its validity; `None` for a 长期 card.
    pub valid_to: Option<NaiveDate>,
    /// The holder's photo (BMP), when the vendor's library decoded it: shown beside the
    /// form for the clerk to compare with the person, never stored.
    pub photo_bmp: Option<Vec<u8>>,
}

impl CardRead {
    /// The card for the application form: a resident ID card whose number checks. Any
    /// other card is refused with what its number check says (a 港澳台 or foreigner's
    /// number names where to send the applicant), or that the form takes resident ID
    /// cards only.
    pub fn for_form(self) -> Result<FormCard, AppError> {
        match self.fill {
            Some(fill) => Ok(FormCard {
                fill,
                expired: self.expired,
                valid_to: self.card.valid_to,
                photo_bmp: self.photo_bmp,
            }),
            None if !self.issues.is_empty() => Err(AppError::Validation(self.issues)),
            None => Err(AppError::Validation(vec![FieldIssue::new(
                "id_number",
                "ID_CARD_NOT_RESIDENT",
                format!("读到的是{}，本申请表只受理居民身份证。", self.card.kind.label()),
            )])),
        }
    }
}

/// How long a reader may take to answer the status command when the counter looks for it.
const PROBE_TIMEOUT: Duration = Duration::from_millis(600);

/// What the header says about the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderState {
    /// No serial port a reader could be on (none configured, none plugged in).
    Absent,
    /// A reader answers on this port.
    Ready(PathBuf),
    /// A port is there but no reader answers on it: why, in Chinese.
    Fault(String),
}

/// The reader at this counter: through the vendor's library when one is installed (the
/// path set for this PC, or the usual places), else on the serial port set for this PC,
/// or else on the USB-serial and CDC ports found; one conversation with it at a time (the
/// header's look and the form's reads share the line).
#[derive(Debug)]
pub struct CounterReader {
    configured: Option<PathBuf>,
    library: Option<PathBuf>,
    baud: u32,
    /// The port a reader last answered on; held while talking to it.
    line: Mutex<Option<PathBuf>>,
    /// The vendor's library once loaded (it stays loaded: unloading C libraries is unsafe).
    vendor: Mutex<Option<idcard::VendorLibrary>>,
}

impl CounterReader {
    /// The reader on `configured` (a setting), or on the ports found, at 115200 bps.
    pub fn new(configured: Option<PathBuf>) -> Self {
        CounterReader::with_library(configured, None)
    }

    /// The same, trying the vendor's library at `library` (or installed in the usual
    /// places) first.
    pub fn with_library(configured: Option<PathBuf>, library: Option<PathBuf>) -> Self {
        CounterReader {
            configured,
            library,
            baud: idcard::serial::BAUD_RATES[0],
            line: Mutex::new(None),
            vendor: Mutex::new(None),
        }
    }

    /// Runs `work` with the vendor's library when one is installed (loading it once);
    /// `None` without one.
    fn with_vendor<T>(
        &self,
        work: impl FnOnce(&idcard::VendorLibrary) -> T,
    ) -> Option<Result<T, ReaderError>> {
        let mut vendor = self.vendor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if vendor.is_none() {
            let path = idcard::vendor::installed(self.library.as_deref())?;
            match idcard::VendorLibrary::load(&path) {
                Ok(library) => *vendor = Some(library),
                Err(error) => return Some(Err(error)),
            }
        }
        vendor.as_ref().map(|library| Ok(work(library)))
    }

    /// The ports to try, the one a reader last answered on first.
    fn candidates(&self, last: Option<&PathBuf>) -> Vec<PathBuf> {
        let mut found = match &self.configured {
            Some(port) => vec![port.clone()],
            None => ports(),
        };
        if let Some(last) = last
            && let Some(at) = found.iter().position(|port| port == last)
        {
            found[..=at].rotate_right(1);
        }
        found
    }

    /// Looks for the reader: through the vendor's library when there is one, else the first
    /// port whose module answers its status command.
    pub fn state(&self) -> ReaderState {
        match self.with_vendor(|library| (library.path().to_owned(), library.check())) {
            Some(Ok((path, Ok(())))) => return ReaderState::Ready(path),
            Some(Ok((_, Err(error)))) | Some(Err(error)) => return ReaderState::Fault(error.message_zh()),
            None => {}
        }
        let mut line = self.line.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let candidates = self.candidates(line.as_ref());
        let mut fault = None;
        for port in candidates {
            let answered = idcard::Reader::open(&port, self.baud)
                .and_then(|reader| reader.with_timeout(PROBE_TIMEOUT).check());
            match answered {
                Ok(()) => {
                    *line = Some(port.clone());
                    return ReaderState::Ready(port);
                }
                Err(error) => fault = Some(error.message_zh()),
            }
        }
        *line = None;
        match (fault, &self.configured) {
            // A port that is only there because it was set: the reader is missing or broken.
            (Some(fault), Some(_)) => ReaderState::Fault(fault),
            // Another USB-serial device answering nothing is not a fault of the reader's.
            _ => ReaderState::Absent,
        }
    }

    /// Reads the card on the reader, as of `today`: through the vendor's library (with
    /// the photo when it decodes it), else on each port until one answers.
    pub fn read(&self, today: NaiveDate) -> Result<CardRead, AppError> {
        if let Some(read) = self.with_vendor(idcard::VendorLibrary::read_card) {
            let read = read??;
            return Ok(CardRead { photo_bmp: read.photo_bmp, ..assess(read.card, today) });
        }
        let mut line = self.line.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut last_error = ReaderError::NotFound;
        for port in self.candidates(line.as_ref()) {
            match idcard::Reader::open(&port, self.baud).and_then(|mut reader| reader.read_card()) {
                Ok(card) => {
                    *line = Some(port);
                    return Ok(assess(card, today));
                }
                // Nothing on a reader that answered: the answer, whatever other ports say.
                Err(error) if matches!(error, ReaderError::Status(_)) => {
                    *line = Some(port);
                    return Err(error.into());
                }
                Err(error) => last_error = error,
            }
        }
        Err(last_error.into())
    }
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
        let read = assess(card("341203199003071227", "20350307"), day("2026-12-05"));
        assert!(read.issues.is_empty() && !read.expired, "{read:?}");
        assert!(assess(card("341203199003071227", "20251201"), day("2026-12-05")).expired);
    }

    #[test]
    fn a_resident_card_fills_the_form_with_its_household_place() {
        let read = assess(card("341203199003071227", "20350307"), day("2026-12-05"));
        let fill = read.fill.clone().unwrap_or_else(|| panic!("a resident card fills the form: {read:?}"));
        assert_eq!(fill.id_number, "341203199003071227");
        assert_eq!((fill.name.as_str(), fill.gender), ("陈静", Some(Gender::Female)));
        assert_eq!(fill.ethnic_group.as_deref(), Some("01"));
        assert_eq!(fill.household, Some(("340000".to_owned(), "341203".to_owned())));
        assert_eq!(fill.household_address, "向阳路街道幸福村12号");
    }

    #[test]
    fn the_counter_finds_its_reader_and_reads_through_it() {
        use idcard::simulator::{Behaviour, simulated_reader};
        let (port, answerer) = simulated_reader(Behaviour::Card).expect("a pseudo-terminal");
        let reader = CounterReader::new(Some(port.clone()));
        assert_eq!(reader.state(), ReaderState::Ready(port));
        let read = reader.read(day("2026-12-05")).expect("the card is read");
        assert_eq!(read.fill.map(|fill| fill.name), Some("陈静".to_owned()));
        drop(reader);
        assert!(answerer.join().expect("the simulator ends").contains(&(0x30, 0x01)));
    }

    #[test]
    fn a_reader_set_but_not_there_is_said() {
        let reader = CounterReader::new(Some(PathBuf::from("/dev/ttyUSB-permit-desk-none")));
        assert!(matches!(reader.state(), ReaderState::Fault(message) if message.contains("找不到读卡器")));
        let error = reader.read(day("2026-12-05")).expect_err("no reader, no card");
        assert_eq!(crate::problem::Problem::of(&error).code, crate::problem::ErrorCode::IdCardReaderMissing);
    }

    #[test]
    fn a_vendor_library_set_but_missing_is_said_not_passed_over() {
        let reader =
            CounterReader::with_library(None, Some(PathBuf::from("/opt/permit-desk-none/libsdtapi.so")));
        assert!(matches!(reader.state(), ReaderState::Fault(message) if message.contains("驱动库")));
        let error = reader.read(day("2026-12-05")).expect_err("no library, no card");
        assert_eq!(crate::problem::Problem::of(&error).code, crate::problem::ErrorCode::IdCardReaderMissing);
    }

    #[test]
    fn a_hong_kong_residence_permit_number_is_routed_elsewhere() {
        let read = assess(card("810000199001010012", "20350307"), day("2026-12-05"));
        let codes: Vec<&str> = read.issues.iter().map(|issue| issue.code).collect();
        assert_eq!(codes, ["ID_NUMBER_HK_MO_TW_PERMIT"], "{read:?}");
    }
}
