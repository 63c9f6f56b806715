//! The ID-card reader: its state for the header, and a card read for the form.

use serde::Serialize;
use ts_rs::TS;

/// Whether a reader is at this counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReaderStateInfo {
    /// `absent` (no port a reader could be on), `ready` (a reader answers) or `fault`.
    pub state: String,
    /// Why no reader answers, in Chinese, for `fault`.
    pub message: Option<String>,
}

impl From<app::idcard::ReaderState> for ReaderStateInfo {
    fn from(state: app::idcard::ReaderState) -> Self {
        use app::idcard::ReaderState as S;
        let (state, message) = match state {
            S::Absent => ("absent", None),
            S::Ready(_) => ("ready", None),
            S::Fault(message) => ("fault", Some(message)),
        };
        ReaderStateInfo { state: state.to_owned(), message }
    }
}

/// A resident ID card read for the application form: the form's fields as the card gives
/// them, with the names the pickers show, and the card's validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CardReadInfo {
    /// 公民身份号码.
    pub id_number: String,
    /// 姓名.
    pub name: String,
    /// `male` or `female`; `null` for a code the card should not carry.
    pub gender: Option<String>,
    /// 民族 code, and its name.
    pub ethnic_group: Option<String>,
    /// The name of [`Self::ethnic_group`].
    pub ethnic_name: Option<String>,
    /// 常住户口 province and county codes, when the 住址 starts with a current county.
    pub household_province_code: Option<String>,
    /// See [`Self::household_province_code`].
    pub household_county_code: Option<String>,
    /// The province's and the county's full names for the pickers.
    pub household_province_name: Option<String>,
    /// See [`Self::household_province_name`].
    pub household_county_name: Option<String>,
    /// 详细地址 after the county (the whole 住址 when no county leads it).
    pub household_address: String,
    /// The card's validity has ended.
    pub expired: bool,
    /// Its last day, `YYYY-MM-DD`; `null` for 长期.
    pub valid_to: Option<String>,
    /// The holder's photo as a `data:image/bmp;base64,` URL, when the vendor's library
    /// decoded it; shown beside the form, never stored.
    pub photo: Option<String>,
}

impl From<app::idcard::FormCard> for CardReadInfo {
    fn from(card: app::idcard::FormCard) -> Self {
        let fill = card.fill;
        let (province, county) = fill.household.unzip();
        CardReadInfo {
            ethnic_name: fill.ethnic_group.as_deref().and_then(app::intake::ethnic_group_name),
            household_province_name: province.as_deref().and_then(app::intake::describe_division),
            household_county_name: county.as_deref().and_then(app::intake::describe_division),
            id_number: fill.id_number,
            name: fill.name,
            gender: fill.gender.map(|gender| super::gender_key(gender).to_owned()),
            ethnic_group: fill.ethnic_group,
            household_province_code: province,
            household_county_code: county,
            household_address: fill.household_address,
            expired: card.expired,
            valid_to: card.valid_to.map(|day| day.to_string()),
            photo: card.photo_bmp.map(|bmp| {
                use base64::Engine;
                format!("data:image/bmp;base64,{}", base64::engine::general_purpose::STANDARD.encode(bmp))
            }),
        }
    }
}
