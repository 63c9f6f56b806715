//! The case page: everything the clerk who opens a case sees, in one call — the case
//! itself, the documents it has, the application with its places named, and how the
//! county's rules were applied to it. The reviewer (审核) and the approver (审批) sign what
//! this shows, so it shows the whole application, not a summary.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::assessment::{ExplainedRule, PageRef, explain};
use domain::profile::PolicyProfile;
use domain::record::{ApplicationRecord, EvidenceItem};

use crate::cases::{self, CaseId, CaseState, CaseView};
use crate::intake::{self, DraftAssessment};
use crate::office::Office;
use crate::printing::{self, Document};
use crate::scans::PageInfo;
use crate::{AppError, assess, clock, reference};

/// One opened case.
#[derive(Debug)]
pub struct CasePage {
    /// The case, as the clerk may see it (masked for some roles).
    pub view: CaseView,
    /// The documents it has now.
    pub documents: Vec<Document>,
    /// The county profile prints the slip in large type by default.
    pub large_print_default: bool,
    /// The names of the places and the ethnic group the record names.
    pub names: RecordNames,
    /// How the county's rules apply to the application as submitted (`None` for a draft,
    /// which the intake form assesses live, and for a masked case).
    pub assessment: Option<DraftAssessment>,
    /// The same assessment explained rule by rule, with the pages beside the boxes they
    /// prove (empty when there is no assessment).
    pub explanation: Vec<ExplainedRule>,
    /// What changed since the case was accepted before, when it was sent back and
    /// accepted again (`None` for a case accepted once, a draft, or a masked view).
    pub revision: Option<Revision>,
}

/// How a case accepted again differs from its previous acceptance: what the reviewer
/// of a corrected case checks first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// When it was accepted before.
    pub previously_accepted_at: DateTime<Utc>,
    /// The application's fields that differ, as dotted paths of the record (see
    /// [`domain::changes::changed_fields`]).
    pub fields: Vec<String>,
    /// The pages added since then, by id.
    pub new_pages: Vec<String>,
}

/// Names for the codes a record holds, for showing it to a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordNames {
    /// Division code → its full name, province first (`浙江省杭州市建德市`).
    pub divisions: BTreeMap<String, String>,
    /// Ethnic-group code → its name (`汉族`).
    pub ethnic_groups: BTreeMap<String, String>,
}

/// Opens a case (audited as a view of personal data, like [`cases::get_case`]).
pub fn case_page(office: &mut Office, case_id: &CaseId, now: DateTime<Utc>) -> Result<CasePage, AppError> {
    let view = cases::get_case(office, case_id, now)?;
    let documents = printing::available(&view);
    let large_print_default = printing::large_print_default(office, &view)?;
    let names = record_names(&view.record)?;
    let (assessment, explanation, revision) = match reasoning(office, case_id, &view)? {
        Some(reasoning) => {
            let revision = revision(office, case_id, &reasoning.pages)?;
            (Some(reasoning.assessment), reasoning.rules, revision)
        }
        None => (None, Vec::new(), None),
    };
    Ok(CasePage { view, documents, large_print_default, names, assessment, explanation, revision })
}

/// The last acceptance compared with the one before (see [`Revision`]); `None` when the
/// case was accepted once or never.
fn revision(office: &Office, case_id: &CaseId, pages: &[PageInfo]) -> Result<Option<Revision>, AppError> {
    let accepted = office.store.accepted_records(case_id)?;
    let [.., (previously_accepted_at, before), (_, after)] = accepted.as_slice() else {
        return Ok(None);
    };
    let before = ApplicationRecord::from_json(&before.to_string())?;
    let after = ApplicationRecord::from_json(&after.to_string())?;
    Ok(Some(Revision {
        previously_accepted_at: *previously_accepted_at,
        fields: domain::changes::changed_fields(&before, &after),
        new_pages: pages
            .iter()
            .filter(|page| page.added_at > *previously_accepted_at)
            .map(|page| page.id.clone())
            .collect(),
    }))
}

/// A submitted case's assessment as of the day it was submitted, explained.
#[derive(Debug)]
pub struct Reasoning {
    /// The day it was assessed on.
    pub on: NaiveDate,
    /// The policy applied.
    pub profile: PolicyProfile,
    /// The assessment with the ticked boxes that have no page.
    pub assessment: DraftAssessment,
    /// Every rule with what was checked, pages named.
    pub rules: Vec<ExplainedRule>,
    /// The case's pages, in order.
    pub pages: Vec<PageInfo>,
}

/// The reasoning of a submitted case (`None` for a draft, a case without a profile, or a
/// masked view): what the case page shows and the 审核单 prints.
pub fn reasoning(office: &Office, case_id: &CaseId, view: &CaseView) -> Result<Option<Reasoning>, AppError> {
    let Some(query) = view.profile.as_deref().filter(|_| view.state != CaseState::Draft && !view.masked)
    else {
        return Ok(None);
    };
    let on = submitted_on(view).unwrap_or_else(clock::today);
    // The profile and the pages are read once: both the assessment and its explanation use them.
    let profile = assess::profile_in_office(office, query)?;
    let listed = crate::scans::list(office, case_id)?;
    let unscanned =
        domain::assessment::unscanned_evidence(&view.record, &crate::scans::scanned_items(&listed));
    let updates = crate::reference_update::holiday_updates(office)?;
    let assessment = intake::draft_assessment(
        &view.record,
        &profile,
        on,
        unscanned,
        &crate::reference_update::texts(&updates),
    );
    let pages: Vec<PageRef> = listed
        .iter()
        .filter_map(|page| {
            EvidenceItem::from_key(&page.evidence).map(|item| PageRef { item, position: page.position })
        })
        .collect();
    let rules = explain(&view.record, &profile, on, &assessment.report.assessment, Some(&pages));
    Ok(Some(Reasoning { on, profile, assessment, rules, pages: listed }))
}

/// The day the application was last put to the rules: its acceptance, or the step that
/// gave its notice or refusal. Assessed on that day, the reasoning is the one the counter
/// acted on, not one that drifts as registration periods grow.
fn submitted_on(view: &CaseView) -> Option<NaiveDate> {
    let decided = view.history.iter().rev().find(|line| {
        matches!(line.to, CaseState::Accepted | CaseState::NoticeIssued | CaseState::NotEligible)
    });
    view.accepted_at
        .or(decided.map(|line| line.at))
        .map(|at| at.with_timezone(&clock::china_standard_time()).date_naive())
}

/// The names of every division and the ethnic group `record` names; a code the tables
/// lack is left out (the window shows the code itself).
pub fn record_names(record: &ApplicationRecord) -> Result<RecordNames, AppError> {
    let tables = reference::embedded()?;
    let mut codes: Vec<&str> = vec![
        &record.household_registration.province_code,
        &record.household_registration.county_code,
        &record.current_address.county_code,
    ];
    if let Some(permit) = &record.existing_permit {
        codes.push(&permit.issuing_county_code);
    }
    codes.extend(record.registration_history.iter().map(|period| period.county_code.as_str()));
    let divisions = codes
        .into_iter()
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .filter_map(|code| tables.divisions.describe(code).map(|name| (code.to_owned(), name)))
        .collect();
    let ethnic = record.applicant.ethnic_group.trim();
    let ethnic_groups = tables
        .ethnic_groups
        .get(ethnic)
        .map(|group| (ethnic.to_owned(), group.name.clone()))
        .into_iter()
        .collect();
    Ok(RecordNames { divisions, ethnic_groups })
}
