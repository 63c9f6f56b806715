//! The office's own details, kept in the encrypted `meta` table: the county it serves (a
//! GB/T 2260 code chosen from the division list), its station number within the county,
//! and the name, address and telephone printed on its documents. Also the effective dates
//! an administrator recorded for undated draft policy documents.
//!
//! The county and the station make the prefix of every application number (申请编号):
//! `{county}{station}-{YYYYMMDD}-{NNNN}`. The county bureau hands out station numbers, so
//! two offices of one county never share a prefix, and offices of different counties
//! cannot, whatever name was typed at set-up. Offices set up before the details existed
//! keep the numbers they gave; their next numbers use the new prefix once it is set.
//!
//! Every change is audited (`office_details_set`, `profile_effective_set`) in the same
//! transaction as the write, with the old and the new value.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Store;
use crate::audit::{self, AuditAction};
use crate::error::{Result, StoreError};
use crate::time::date_to_text;
use crate::users::{Roles, Session};

/// The `meta` key holding the office details as JSON.
const OFFICE_DETAILS: &str = "office_details";
/// Prefix of the `meta` keys holding recorded effective dates, followed by a county code.
const PROFILE_EFFECTIVE: &str = "profile_effective:";
/// The `meta` key holding the print settings as JSON.
const PRINT_SETTINGS: &str = "print_settings";

/// How the office prints, asked at set-up and changed under 设置 by an administrator.
/// Each clerk may still choose otherwise for one document; these are the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintSettings {
    /// The confirmation slip in large print by default (an office serving many elderly
    /// applicants); `None` follows the county profile's setting.
    #[serde(default)]
    pub large_print: Option<bool>,
    /// The printer (a CUPS queue name) documents go to unless the clerk picks another;
    /// `None`: the system's default printer.
    #[serde(default)]
    pub printer: Option<String>,
}

impl PrintSettings {
    /// Every problem with the settings, in plain words (empty when they can be stored).
    pub fn problems(&self) -> Vec<&'static str> {
        let mut problems = Vec::new();
        if let Some(printer) = &self.printer {
            // CUPS queue names: printable, no space, `/` or `#`, at most 127 bytes.
            if printer.is_empty()
                || printer.len() > 127
                || printer.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == '#')
            {
                problems.push("printer is not a printer queue name");
            }
        }
        problems
    }
}

/// What identifies an office and what its documents print.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeDetails {
    /// The county-level division the office serves (six digits, e.g. `330182`).
    pub county_code: String,
    /// The office's number within its county, given by the county bureau: two digits.
    pub station: String,
    /// The office's name as printed (e.g. `建德市公安局新安江派出所`).
    pub name: String,
    /// Its address, printed on notices and receipts.
    pub address: String,
    /// Its telephone, printed on notices and receipts.
    pub phone: String,
}

impl OfficeDetails {
    /// The prefix of the office's application numbers: county code and station.
    pub fn application_prefix(&self) -> String {
        format!("{}{}", self.county_code, self.station)
    }

    /// Every problem with the details, in plain words (empty when they can be stored).
    pub fn problems(&self) -> Vec<&'static str> {
        let mut problems = Vec::new();
        let code = &self.county_code;
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || code.ends_with("00") {
            problems.push("county_code must be a six-digit county-level code");
        }
        if self.station.len() != 2
            || !self.station.bytes().all(|b| b.is_ascii_digit())
            || self.station == "00"
        {
            problems.push("station must be two digits, 01 to 99");
        }
        if self.name.trim().is_empty() {
            problems.push("name is blank");
        }
        problems
    }
}

impl Store {
    /// The office's details, if they were set.
    pub fn office_details(&self) -> Result<Option<OfficeDetails>> {
        read_details(&self.conn)
    }

    /// Stores the office's details (administrator only), audited with the old and new
    /// values. Refuses details with problems ([`OfficeDetails::problems`]).
    pub fn set_office_details(
        &mut self,
        session: &Session,
        details: &OfficeDetails,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(session, Roles::ADMIN)?;
        if let Some(reason) = details.problems().first() {
            return Err(StoreError::InvalidInput { what: "office details", reason });
        }
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous = read_details(&transaction)?;
        if previous.as_ref() == Some(details) {
            return Ok(());
        }
        put_meta(&transaction, OFFICE_DETAILS, &serde_json::to_string(details)?)?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::OfficeDetailsSet,
            None,
            json!({ "previous": previous, "details": details }),
            at,
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// The effective dates administrators recorded, by county code.
    pub fn recorded_effective_dates(&self) -> Result<Vec<(String, NaiveDate)>> {
        let mut statement =
            self.conn.prepare("SELECT key, value FROM meta WHERE key LIKE 'profile_effective:%'")?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        let mut dates = Vec::new();
        for row in rows {
            let (key, value) = row?;
            let county = key.trim_start_matches(PROFILE_EFFECTIVE).to_owned();
            let date = NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| StoreError::Corrupt {
                detail: format!("effective date of {county}: {value:?}"),
            })?;
            dates.push((county, date));
        }
        dates.sort();
        Ok(dates)
    }

    /// Records the date the published text of county `county_code`'s draft document took
    /// effect (administrator only), audited with `document` (its number) and the previous
    /// date, if any.
    pub fn record_effective_date(
        &mut self,
        session: &Session,
        county_code: &str,
        document: &str,
        effective: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(session, Roles::ADMIN)?;
        if county_code.len() != 6 || !county_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::InvalidInput { what: "county code", reason: "not six digits" });
        }
        let audit_key = *self.audit_key;
        let key = format!("{PROFILE_EFFECTIVE}{county_code}");
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: Option<String> = transaction
            .query_row("SELECT value FROM meta WHERE key = ?1", [&key], |row| row.get(0))
            .optional()?;
        let value = date_to_text(effective);
        if previous.as_deref() == Some(value.as_str()) {
            return Ok(());
        }
        put_meta(&transaction, &key, &value)?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::ProfileEffectiveSet,
            None,
            json!({ "county": county_code, "document": document, "effective": value, "previous": previous }),
            at,
        )?;
        transaction.commit()?;
        Ok(())
    }
}

impl Store {
    /// The office's print settings (the defaults when never set).
    pub fn print_settings(&self) -> Result<PrintSettings> {
        Ok(read_json(&self.conn, PRINT_SETTINGS, "print settings")?.unwrap_or_default())
    }

    /// Stores the print settings (administrator only), audited with the old and new
    /// values; unchanged settings write nothing.
    pub fn set_print_settings(
        &mut self,
        session: &Session,
        settings: &PrintSettings,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.require_role(session, Roles::ADMIN)?;
        if let Some(reason) = settings.problems().first() {
            return Err(StoreError::InvalidInput { what: "print settings", reason });
        }
        let audit_key = *self.audit_key;
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: PrintSettings =
            read_json(&transaction, PRINT_SETTINGS, "print settings")?.unwrap_or_default();
        if &previous == settings {
            return Ok(());
        }
        put_meta(&transaction, PRINT_SETTINGS, &serde_json::to_string(settings)?)?;
        audit::append_by(
            &transaction,
            &audit_key,
            session,
            AuditAction::PrintSettingsSet,
            None,
            json!({ "previous": previous, "settings": settings }),
            at,
        )?;
        transaction.commit()?;
        Ok(())
    }
}

/// Writes one `meta` value, replacing the old one (inside the caller's transaction).
pub(crate) fn put_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The stored details, read inside any connection or transaction.
pub(crate) fn read_details(conn: &Connection) -> Result<Option<OfficeDetails>> {
    read_json(conn, OFFICE_DETAILS, "office details")
}

/// A `meta` value holding JSON, if set.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    key: &str,
    what: &str,
) -> Result<Option<T>> {
    let text: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0)).optional()?;
    text.map(|text| {
        serde_json::from_str(&text)
            .map_err(|error| StoreError::Corrupt { detail: format!("{what}: {error}") })
    })
    .transpose()
}
