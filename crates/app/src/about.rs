//! 关于: what this build is and what it carries — the program's version, the database
//! schema it writes, the application record's schema, each printed document's template
//! version, the county profiles with their documents, and the years of the holiday table.
//! What support asks first, shown in the window's 关于 dialog and by `permitctl --version`.

use domain::profile::ProfileSummary;

use crate::{AppError, assess, reference};

/// The program's version (the workspace's).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One holiday table year and the notice it was copied from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayYear {
    /// The calendar year.
    pub year: i32,
    /// The State Council notice (title and address).
    pub source: String,
}

/// What this build is and carries.
#[derive(Debug, Clone, PartialEq)]
pub struct About {
    /// The program's version.
    pub version: &'static str,
    /// The office database's schema version this build writes.
    pub database_schema: u32,
    /// The application record's schema version.
    pub record_schema: u32,
    /// Each printed document's template (its name in Chinese, its file's version).
    pub templates: Vec<(&'static str, String)>,
    /// The county profiles, in code order.
    pub profiles: Vec<ProfileSummary>,
    /// The holiday table's years, oldest first.
    pub holiday_years: Vec<HolidayYear>,
}

impl About {
    /// One line: 版本 0.1.0 · 数据库结构 8 · 申请表数据 2 · 节假日 2023–2026.
    pub fn line(&self) -> String {
        let years = match (self.holiday_years.first(), self.holiday_years.last()) {
            (Some(first), Some(last)) if first.year != last.year => format!("{}–{}", first.year, last.year),
            (Some(only), _) => only.year.to_string(),
            _ => "无".to_owned(),
        };
        format!(
            "版本 {} · 数据库结构 {} · 申请表数据 {} · 节假日 {years}",
            self.version, self.database_schema, self.record_schema
        )
    }
}

/// What this build carries (the embedded templates, profiles and holiday table).
pub fn about() -> Result<About, AppError> {
    let templates = print::Templates::embedded()?;
    let mut profiles: Vec<ProfileSummary> =
        assess::profiles()?.iter().map(|profile| profile.summary()).collect();
    profiles.sort_by(|a, b| a.county.cmp(&b.county));
    Ok(About {
        version: VERSION,
        database_schema: store::SCHEMA_VERSION,
        record_schema: domain::record::SCHEMA_VERSION,
        templates: print::DocumentKind::ALL
            .into_iter()
            .map(|kind| (kind.label(), templates.get(kind).version.clone()))
            .collect(),
        profiles,
        holiday_years: reference::embedded()?
            .holidays
            .years()
            .map(|table| HolidayYear { year: table.year, source: table.source.clone() })
            .collect(),
    })
}

/// The last upgrade of the office's database (when, from which schema to which, and the
/// copy of the database as it was), for the window's one-time notice after an upgrade.
/// Needs a logged-in clerk.
pub fn last_upgrade(office: &crate::office::Office) -> Result<Option<store::SchemaUpgrade>, AppError> {
    office.session()?;
    Ok(office.store.last_schema_upgrade()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_names_its_versions_and_what_it_carries() -> Result<(), AppError> {
        let about = about()?;
        assert_eq!(about.database_schema, store::SCHEMA_VERSION);
        assert_eq!(about.templates.len(), print::DocumentKind::ALL.len());
        assert!(
            about.templates.iter().any(|(name, version)| *name == "不予办理告知书" && version == "1.0.0")
        );
        assert!(about.profiles.iter().any(|profile| profile.county == "330182"));
        assert!(about.holiday_years.iter().any(|year| year.year == 2026 && year.source.contains("国务院")));
        let line = about.line();
        assert!(
            line.starts_with(&format!("版本 {VERSION} · 数据库结构 {}", store::SCHEMA_VERSION)),
            "{line}"
        );
        assert!(line.contains("节假日 2023–"), "{line}");
        Ok(())
    }
}
