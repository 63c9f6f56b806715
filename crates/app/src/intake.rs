//! Intake use cases: what the clerk types at the counter, checked against the domain.

use chrono::NaiveDate;
use domain::{Gender, id_number};

use crate::AppError;

/// What the UI and the CLI learn from an ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumberReport {
    /// The normalised number (uppercase X).
    pub normalized: String,
    /// Birth date decoded from digits 7–14.
    pub birth_date: NaiveDate,
    /// Gender decoded from digit 17.
    pub gender: Gender,
    /// Address code, digits 1–6.
    pub region_code: String,
}

/// Checks an ID number typed at the counter on `today`.
pub fn check_id_number(input: &str, today: NaiveDate) -> Result<IdNumberReport, AppError> {
    let decoded = id_number::check(input, today).map_err(AppError::Validation)?;
    Ok(IdNumberReport {
        normalized: decoded.number.as_str().to_owned(),
        birth_date: decoded.birth_date,
        gender: decoded.gender,
        region_code: decoded.region_code,
    })
}
