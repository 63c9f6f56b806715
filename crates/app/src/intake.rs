//! Intake use cases: what the clerk types into the application form, checked against the
//! domain and the reference data shipped in the binary.
//!
//! These are the calls behind the form screen: decode an ID number (and guess the
//! household registration from it), search the division and ethnic-group pickers, and
//! list the policy profiles the office can apply.

use chrono::NaiveDate;
use domain::profile::{PolicyProfile, ProfileSummary};
use domain::record::ApplicationRecord;
use domain::reference::{Division, DivisionLevel};
use domain::{Gender, id_number};

use crate::assess::{self, AssessmentReport};
use crate::cases::CaseId;
use crate::office::Office;
use crate::{AppError, deadline, reference};

/// What the UI and the CLI learn from an ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumberReport {
    /// The normalised number (uppercase X).
    pub normalized: String,
    /// Birth date decoded from digits 7–14.
    pub birth_date: NaiveDate,
    /// Gender decoded from digit 17.
    pub gender: Gender,
    /// Age in whole years on the day of the check.
    pub age: u32,
    /// Address code, digits 1–6.
    pub region_code: String,
    /// Full name of the address code, e.g. `浙江省杭州市建德市`, marked `（已撤销）` for
    /// an abolished code; `None` when the code is in no table we ship.
    pub region_name: Option<String>,
    /// A guess at the household registration from the address code: only offered when
    /// the code is a current county. The clerk confirms it; it is never assumed, since
    /// people move their household registration after the number is assigned.
    pub household_guess: Option<HouseholdGuess>,
}

/// Province and county the ID number suggests for 常住户口.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdGuess {
    /// Province code, e.g. `330000`.
    pub province_code: String,
    /// County code, e.g. `330182`.
    pub county_code: String,
}

/// One entry of the division picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionChoice {
    /// Six-digit code.
    pub code: String,
    /// Name at its own level, e.g. `建德市`.
    pub name: String,
    /// Full name, e.g. `浙江省杭州市建德市`.
    pub full_name: String,
    /// `province`, `city` or `county`.
    pub level: &'static str,
}

/// One entry of the ethnic-group picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthnicChoice {
    /// Two-digit GB 3304 code, e.g. `01`.
    pub code: String,
    /// Full name, e.g. `汉族`.
    pub name: String,
}

/// The live assessment of a form being filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftAssessment {
    /// The decision and the one-time notice, with the profile applied.
    pub report: AssessmentReport,
    /// The processing deadline if the case were accepted today, under the profile's
    /// number of working days; `None` when the holiday table does not reach that far.
    pub due_if_accepted_today: Option<NaiveDate>,
    /// Ticked evidence without a scanned page (`EVIDENCE_PAGE_MISSING`); they do not
    /// change the decision. Empty when the pages are not known (a form not yet saved as a
    /// case); [`assess_live`] fills them in for a stored case.
    pub unscanned: Vec<domain::assessment::NoticeItem>,
    /// The due date is an estimate (a year without a holiday table): the sentence to show.
    pub due_estimate: Option<String>,
    /// No mobile number: the applicant will get the paper 确认单.
    pub paper_slip_needed: bool,
}

/// Assesses the form as typed so far under a profile, outside any office (the
/// command line): the shipped profiles as they are.
pub fn assess_draft(
    record: ApplicationRecord,
    profile_query: &str,
    today: NaiveDate,
) -> Result<DraftAssessment, AppError> {
    let profile = assess::find_profile(profile_query)?;
    Ok(draft_assessment(&record, &profile, today, Vec::new(), &[]))
}

/// The live assessment at the counter: the form as typed under a profile, with the
/// effective dates the office recorded for undated drafts, and for a stored case
/// (`case_id`) the ticked evidence its pages do not prove yet. Needs any case role when a
/// case is named.
pub fn assess_live(
    office: &Office,
    case_id: Option<&CaseId>,
    record: ApplicationRecord,
    profile_query: &str,
    today: NaiveDate,
) -> Result<DraftAssessment, AppError> {
    let profile = assess::profile_in_office(office, profile_query)?;
    let unscanned = match case_id {
        Some(case_id) => crate::scans::unscanned_items(office, case_id, &record)?,
        None => Vec::new(),
    };
    let updates = crate::reference_update::holiday_updates(office)?;
    Ok(draft_assessment(&record, &profile, today, unscanned, &crate::reference_update::texts(&updates)))
}

pub(crate) fn draft_assessment(
    record: &ApplicationRecord,
    profile: &PolicyProfile,
    today: NaiveDate,
    unscanned: Vec<domain::assessment::NoticeItem>,
    holiday_updates: &[&str],
) -> DraftAssessment {
    let report = AssessmentReport {
        profile: profile.summary(),
        assessment: domain::assessment::assess(record, profile, today),
    };
    let deadline = deadline::due_date(today, profile.deadline_working_days, holiday_updates).ok();
    DraftAssessment {
        report,
        due_if_accepted_today: deadline.as_ref().map(|deadline| deadline.due),
        due_estimate: deadline.and_then(|deadline| deadline.estimate_note()),
        paper_slip_needed: record.needs_paper_slip(),
        unscanned,
    }
}

/// Every policy profile the office applies (the shipped ones and those of loaded
/// updates), as summaries for the office's picker.
pub fn list_profiles(office: &Office) -> Result<Vec<ProfileSummary>, AppError> {
    Ok(assess::profiles_in_office(office)?.iter().map(PolicyProfile::summary).collect())
}

/// Checks an ID number typed at the counter on `today`.
pub fn check_id_number(input: &str, today: NaiveDate) -> Result<IdNumberReport, AppError> {
    let decoded = id_number::check(input, today).map_err(AppError::Validation)?;
    // The reference tables are embedded and tested; if they failed to parse the check
    // still answers, only without names.
    let divisions = reference::embedded().ok().map(|data| &data.divisions);
    let region_name = divisions.and_then(|d| d.describe(&decoded.region_code));
    let household_guess = divisions.and_then(|d| {
        let county = d.get(&decoded.region_code).filter(|c| c.level == DivisionLevel::County)?;
        if !d.is_current(&county.code) {
            return None;
        }
        let province = d.province_of(&county.code)?;
        Some(HouseholdGuess { province_code: province.code.clone(), county_code: county.code.clone() })
    });
    Ok(IdNumberReport {
        age: decoded.age_on(today),
        normalized: decoded.number.as_str().to_owned(),
        birth_date: decoded.birth_date,
        gender: decoded.gender,
        region_code: decoded.region_code,
        region_name,
        household_guess,
    })
}

/// Searches current divisions by Chinese name, pinyin initials or code.
///
/// `level` narrows the search to provinces, cities or counties; `within` to the
/// children (at any depth) of a province or city code.
pub fn search_divisions(
    query: &str,
    level: Option<DivisionLevel>,
    within: Option<&str>,
    limit: usize,
) -> Vec<DivisionChoice> {
    let Ok(data) = reference::embedded() else { return Vec::new() };
    let divisions = &data.divisions;
    let inside = |division: &Division| match within {
        Some(parent) if parent.len() == 6 => {
            let prefix = parent.trim_end_matches("00");
            division.code != parent && division.code.starts_with(prefix)
        }
        _ => true,
    };
    let candidates: Vec<&Division> = if query.trim().is_empty() {
        // An empty query lists the choices in code order (e.g. every county of a city).
        match (level, within) {
            (Some(DivisionLevel::Province), _) => divisions.provinces(),
            (_, Some(parent)) => {
                let mut all: Vec<&Division> = divisions.children(parent);
                let grandchildren: Vec<&Division> =
                    all.iter().flat_map(|child| divisions.children(&child.code)).collect();
                all.extend(grandchildren);
                all
            }
            _ => divisions.provinces(),
        }
    } else {
        // Search wide, then narrow: the filters below may drop most hits.
        divisions.search(query, limit.saturating_mul(20).max(200))
    };
    candidates
        .into_iter()
        .filter(|d| level.is_none_or(|wanted| d.level == wanted))
        .filter(|d| inside(d))
        .take(limit)
        .map(|d| DivisionChoice {
            full_name: divisions.describe(&d.code).unwrap_or_else(|| d.name.clone()),
            code: d.code.clone(),
            name: d.name.clone(),
            level: d.level.as_str(),
        })
        .collect()
}

/// The full name of a division code, if we know it.
pub fn describe_division(code: &str) -> Option<String> {
    reference::embedded().ok()?.divisions.describe(code)
}

/// The name of the ethnic group with this GB 3304 code (`01` 汉族).
pub fn ethnic_group_name(code: &str) -> Option<String> {
    Some(reference::embedded().ok()?.ethnic_groups.get(code)?.name.clone())
}

/// Searches ethnic groups by Chinese name, pinyin initials or code; an empty query
/// lists all 58 in code order.
pub fn search_ethnic_groups(query: &str) -> Vec<EthnicChoice> {
    let Ok(data) = reference::embedded() else { return Vec::new() };
    let groups: Vec<_> = if query.trim().is_empty() {
        data.ethnic_groups.all().iter().collect()
    } else {
        data.ethnic_groups.search(query)
    };
    groups.into_iter().map(|g| EthnicChoice { code: g.code.clone(), name: g.name.clone() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
    }

    #[test]
    fn id_number_names_its_region_and_guesses_the_household_county() {
        let first17 = "33018219900101001";
        let number = format!("{first17}{}", id_number::check_character(first17).expect("digits"));
        let report = check_id_number(&number, today()).expect("valid");
        assert_eq!(report.region_name.as_deref(), Some("浙江省杭州市建德市"));
        let guess = report.household_guess.expect("a current county gives a guess");
        assert_eq!((guess.province_code.as_str(), guess.county_code.as_str()), ("330000", "330182"));
    }

    #[test]
    fn abolished_county_is_named_but_not_guessed() {
        let first17 = "33010319850315002";
        let number = format!("{first17}{}", id_number::check_character(first17).expect("digits"));
        let report = check_id_number(&number, today()).expect("valid");
        assert!(report.region_name.as_deref().is_some_and(|n| n.contains("下城区")), "{report:?}");
        assert_eq!(report.household_guess, None, "an abolished code is not a place to register today");
    }

    #[test]
    fn division_search_filters_by_level_and_parent() {
        let counties = search_divisions("", Some(DivisionLevel::County), Some("330100"), 50);
        assert_eq!(counties.len(), 13, "Hangzhou has 13 county-level units: {counties:?}");
        assert!(counties.iter().all(|c| c.code.starts_with("3301") && c.level == "county"));
        let hits = search_divisions("jds", Some(DivisionLevel::County), None, 5);
        assert_eq!(hits.first().map(|h| h.code.as_str()), Some("330182"), "{hits:?}");
        assert_eq!(hits[0].full_name, "浙江省杭州市建德市");
        let provinces = search_divisions("", Some(DivisionLevel::Province), None, 100);
        assert!(provinces.len() >= 31, "every province is listed: {}", provinces.len());
        let zhejiang_only = search_divisions("海盐", None, Some("330000"), 5);
        assert_eq!(zhejiang_only.first().map(|h| h.code.as_str()), Some("330424"));
    }

    #[test]
    fn draft_assessment_gives_the_notice_and_the_deadline_if_accepted_today() {
        let empty = ApplicationRecord::new();
        let draft = assess_draft(empty, "330182", today()).expect("profile exists");
        assert_eq!(draft.report.assessment.decision, domain::assessment::Decision::Notice);
        assert!(draft.report.assessment.items.len() > 3, "an empty form lists many missing items");
        // 2026-11-21 is a Saturday: two working days after it are Tue 11-24.
        assert_eq!(draft.due_if_accepted_today, NaiveDate::from_ymd_opt(2026, 11, 24));
    }

    #[test]
    fn ethnic_search_lists_all_or_matches() {
        assert_eq!(search_ethnic_groups("").len(), 58, "56 groups plus 97 and 98");
        assert_eq!(search_ethnic_groups("汉").first().map(|g| g.code.as_str()), Some("01"));
        assert_eq!(search_ethnic_groups("sz").first().map(|g| g.name.as_str()), Some("畲族"));
    }
}
