//! Assessment use case: the policy profiles shipped in the binary, picked by county, applied
//! to an application record on a given date.
//!
//! The profiles are the files of `assets/profiles/`, embedded with `include_str!` and parsed
//! by `domain::profile` on each call (five small files; no cache to invalidate). Adding a
//! county is adding its file there and one line to [`EMBEDDED_PROFILES`]; a test fails if
//! a file in the folder is not embedded.

use chrono::NaiveDate;
use domain::assessment::{self, Assessment};
use domain::profile::{PolicyProfile, ProfileError, ProfileSummary};
use domain::record::{ApplicationRecord, RecordError};

use crate::AppError;
use crate::office::Office;

/// Every profile file shipped, by file name: `<county code>-<name>.json`.
pub const EMBEDDED_PROFILES: [(&str, &str); 5] = [
    ("330000-province.json", include_str!("../../../assets/profiles/330000-province.json")),
    ("330105-gongshu.json", include_str!("../../../assets/profiles/330105-gongshu.json")),
    ("330182-jiande.json", include_str!("../../../assets/profiles/330182-jiande.json")),
    ("330424-haiyan.json", include_str!("../../../assets/profiles/330424-haiyan.json")),
    ("331121-qingtian.json", include_str!("../../../assets/profiles/331121-qingtian.json")),
];

/// Why an assessment could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    /// A shipped profile does not parse. The tests parse every file, so this means a
    /// broken asset was committed without running them.
    #[error("embedded policy profile {file}: {source}")]
    Profile {
        /// The file name under `assets/profiles/`.
        file: &'static str,
        /// What is wrong with it.
        source: ProfileError,
    },
    /// No shipped profile has this code, name or alias.
    #[error("no policy profile matches {query:?}; known profiles: {known}")]
    UnknownProfile {
        /// What was asked for.
        query: String,
        /// The known profiles, `code name` separated by commas.
        known: String,
    },
    /// The record text is not an application record of a version this build reads.
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// The assessment with the profile it was made under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentReport {
    /// The profile applied.
    pub profile: ProfileSummary,
    /// The decision and the one-time notice.
    pub assessment: Assessment,
}

/// Every shipped profile, in county-code order.
pub fn profiles() -> Result<Vec<PolicyProfile>, AssessError> {
    EMBEDDED_PROFILES
        .iter()
        .map(|(file, text)| {
            PolicyProfile::from_json(text).map_err(|source| AssessError::Profile { file, source })
        })
        .collect()
}

/// The profile whose county code, name or alias is `query` (e.g. `330182`, `建德市`, `jiande`).
pub fn find_profile(query: &str) -> Result<PolicyProfile, AssessError> {
    pick(profiles()?, query)
}

/// The profile of `all` whose county code, name or alias is `query`.
fn pick(all: Vec<PolicyProfile>, query: &str) -> Result<PolicyProfile, AssessError> {
    let known =
        all.iter().map(|p| format!("{} {}", p.county.code, p.county.name)).collect::<Vec<_>>().join(", ");
    all.into_iter()
        .find(|profile| profile.matches(query))
        .ok_or(AssessError::UnknownProfile { query: query.to_owned(), known })
}

/// The profiles the office applies: the shipped ones, each county's replaced by the
/// profile of a signed update the office loaded, and counties the update adds.
pub fn profiles_in_office(office: &Office) -> Result<Vec<PolicyProfile>, AppError> {
    let mut all = profiles()?;
    for loaded in crate::reference_update::profile_updates(office)? {
        match all.iter_mut().find(|profile| profile.county.code == loaded.county.code) {
            Some(shipped) => *shipped = loaded,
            None => all.push(loaded),
        }
    }
    all.sort_by(|a, b| a.county.code.cmp(&b.county.code));
    Ok(all)
}

/// The office's profile named by `query` ([`profiles_in_office`]), with the effective
/// date its administrators recorded when its document is an undated draft.
pub fn profile_in_office(office: &Office, query: &str) -> Result<PolicyProfile, AppError> {
    choose_in_office(office, profiles_in_office(office)?, query)
}

/// [`profile_in_office`] among `all`, the office's profiles already read with
/// [`profiles_in_office`] (a caller that also looked through them reads them once).
pub fn choose_in_office(
    office: &Office,
    all: Vec<PolicyProfile>,
    query: &str,
) -> Result<PolicyProfile, AppError> {
    let profile = pick(all, query)?;
    let recorded = office.store.recorded_effective_dates()?;
    Ok(match recorded.iter().find(|(county, _)| *county == profile.county.code) {
        Some((_, effective)) => profile.with_recorded_effective(*effective),
        None => profile,
    })
}

/// The profile the counters of the office apply by default: its county's own document,
/// or the provincial default (which answers that the county has none) when the county
/// has no profile or the office's county is not set.
pub fn office_profile(office: &Office) -> Result<PolicyProfile, AppError> {
    let county = office.store.office_details()?.map(|details| details.county_code);
    let all = profiles_in_office(office)?;
    let chosen = county
        .and_then(|county| all.iter().find(|profile| profile.county.code == county))
        .or_else(|| all.iter().find(|profile| !profile.recognition.implemented))
        .ok_or_else(|| AssessError::UnknownProfile { query: "330000".to_owned(), known: String::new() })?;
    profile_in_office(office, &chosen.county.code)
}

/// [`assess`] in an office: the profile with the effective dates its administrators
/// recorded for undated drafts.
pub fn assess_in_office(
    office: &Office,
    record: &ApplicationRecord,
    profile_query: &str,
    today: NaiveDate,
) -> Result<AssessmentReport, AppError> {
    let profile = profile_in_office(office, profile_query)?;
    Ok(AssessmentReport {
        profile: profile.summary(),
        assessment: assessment::assess(record, &profile, today),
    })
}

/// Parses the documented JSON form of an application record.
pub fn parse_record(text: &str) -> Result<ApplicationRecord, AssessError> {
    Ok(ApplicationRecord::from_json(text)?)
}

/// Assesses `record` under the profile named by `profile_query` on `today`.
pub fn assess(
    record: &ApplicationRecord,
    profile_query: &str,
    today: NaiveDate,
) -> Result<AssessmentReport, AssessError> {
    let profile = find_profile(profile_query)?;
    Ok(AssessmentReport {
        profile: profile.summary(),
        assessment: assessment::assess(record, &profile, today),
    })
}

/// [`assess`] with each rule explained (`permitctl assess --explain`): a record on its
/// own, so pages are not mentioned.
pub fn explain(
    record: &ApplicationRecord,
    profile_query: &str,
    today: NaiveDate,
) -> Result<(AssessmentReport, Vec<assessment::ExplainedRule>), AssessError> {
    let profile = find_profile(profile_query)?;
    let decided = assessment::assess(record, &profile, today);
    let rules = assessment::explain(record, &profile, today, &decided, None);
    Ok((AssessmentReport { profile: profile.summary(), assessment: decided }, rules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_file_is_embedded_and_parses() {
        let dir = std::path::Path::new(
            &std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
        )
        .join("../../assets/profiles");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("assets/profiles exists")
            .map(|entry| entry.expect("dir entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = EMBEDDED_PROFILES.iter().map(|(file, _)| (*file).to_owned()).collect();
        assert_eq!(embedded, on_disk, "every file in assets/profiles must be listed in EMBEDDED_PROFILES");
        let parsed = profiles().expect("embedded profiles parse");
        for ((file, _), profile) in EMBEDDED_PROFILES.iter().zip(&parsed) {
            assert!(file.starts_with(&profile.county.code), "{file} must start with its county code");
        }
    }

    #[test]
    fn profiles_are_found_by_code_name_and_alias() {
        for (query, code) in [
            ("330182", "330182"),
            ("建德", "330182"),
            ("建德市", "330182"),
            ("JianDe", "330182"),
            ("gongshu", "330105"),
            ("province", "330000"),
        ] {
            let profile =
                find_profile(query).unwrap_or_else(|e| panic!("{query} should name a profile: {e}"));
            assert_eq!(profile.county.code, code, "{query} names {code}");
        }
        let error = find_profile("330999").expect_err("unknown county");
        assert!(error.to_string().contains("330182 建德市"), "the error lists the known profiles: {error}");
    }
}
