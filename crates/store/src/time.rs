//! Conversions between chrono values and their stored forms.
//!
//! Instants are INTEGER milliseconds since the Unix epoch (UTC); calendar dates are TEXT
//! `YYYY-MM-DD`. The store never reads the clock: every instant arrives as an argument.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Result, StoreError};

const DATE_FORMAT: &str = "%Y-%m-%d";

pub(crate) fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(millis: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| StoreError::Corrupt { detail: format!("timestamp {millis} out of range") })
}

pub(crate) fn opt_from_millis(millis: Option<i64>) -> Result<Option<DateTime<Utc>>> {
    millis.map(from_millis).transpose()
}

pub(crate) fn date_to_text(date: NaiveDate) -> String {
    date.format(DATE_FORMAT).to_string()
}

pub(crate) fn opt_date_from_text(text: Option<String>) -> Result<Option<NaiveDate>> {
    text.map(|text| {
        NaiveDate::parse_from_str(&text, DATE_FORMAT)
            .map_err(|_| StoreError::Corrupt { detail: format!("date {text:?}") })
    })
    .transpose()
}
