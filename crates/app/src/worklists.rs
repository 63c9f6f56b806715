//! Worklists of the home screen and case search.
//!
//! Lines never carry a full ID number (the store keeps only the masked form for lists).
//! Clerks who hold none of the case roles (an administrator only) also see names
//! reduced to the first character: they manage accounts, not applicants.

use chrono::{DateTime, NaiveDate, Utc};
use store::{CaseSummary, User};
pub use store::{SearchQuery, WORKLIST_COUNT_CAP, Worklist};

use crate::AppError;
use crate::cases::{CaseId, CaseState, ClerkRef, clerk_ref};
use crate::office::{Office, Roles};

/// One line of a worklist or of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    /// Global id.
    pub id: CaseId,
    /// Current state.
    pub state: CaseState,
    /// 申请编号.
    pub application_number: Option<String>,
    /// 姓名 (only its first character for clerks without a case role).
    pub name: Option<String>,
    /// ID number, first 6 and last 4 characters.
    pub id_number_masked: Option<String>,
    /// Deadline.
    pub due_date: Option<NaiveDate>,
    /// The deadline has passed and the case is still in progress.
    pub overdue: bool,
    /// 受理人.
    pub accepted_by: Option<ClerkRef>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Every change confirmed by the province.
    pub synced: bool,
}

/// How many cases each worklist holds, in the order of [`Worklist::ALL`].
pub type WorklistCounts = Vec<(Worklist, u64)>;

/// The first `limit` cases of a worklist on `today` (the counter's civil date).
pub fn worklist(
    office: &Office,
    list: Worklist,
    today: NaiveDate,
    limit: u32,
) -> Result<Vec<CaseLine>, AppError> {
    let full_names = may_see_names(office)?;
    let users = office.users()?;
    let summaries = office.store.worklist(list, today, limit)?;
    Ok(summaries.into_iter().map(|summary| line(summary, today, full_names, &users)).collect())
}

/// The badge numbers of the home screen.
pub fn worklist_counts(office: &Office, today: NaiveDate) -> Result<WorklistCounts, AppError> {
    may_see_names(office)?;
    Ok(office.store.worklist_counts(today)?.counts)
}

/// Searches by ID number, application number, phone or name prefix (audited as a search,
/// without the searched value).
pub fn search(
    office: &mut Office,
    query: &SearchQuery<'_>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<CaseLine>, AppError> {
    let full_names = may_see_names(office)?;
    let session = office.session()?.clone();
    let users = office.users()?;
    let today = crate::cases::local(now).date();
    let summaries = office.store.search(&session, query, limit, now)?;
    Ok(summaries.into_iter().map(|summary| line(summary, today, full_names, &users)).collect())
}

/// List lines for summaries found elsewhere (the duplicate guard's candidates), as a
/// worklist would show them on `today`.
pub fn lines_for(
    office: &Office,
    summaries: Vec<CaseSummary>,
    today: NaiveDate,
) -> Result<Vec<CaseLine>, AppError> {
    let full_names = may_see_names(office)?;
    let users = office.users()?;
    Ok(summaries.into_iter().map(|summary| line(summary, today, full_names, &users)).collect())
}

/// Refuses clerks without any role; true when the clerk may see full names.
pub(crate) fn may_see_names(office: &Office) -> Result<bool, AppError> {
    let case_roles = Roles::ACCEPT | Roles::REVIEW | Roles::APPROVE;
    if office.clerk_with_any_role(case_roles).is_ok() {
        return Ok(true);
    }
    office.clerk_with_any_role(case_roles | Roles::ADMIN)?;
    Ok(false)
}

pub(crate) fn line(summary: CaseSummary, today: NaiveDate, full_names: bool, users: &[User]) -> CaseLine {
    let name = summary.name.map(|name| {
        if full_names {
            name
        } else {
            let mut chars = name.chars();
            let first: String = chars.next().into_iter().collect();
            first + &"*".repeat(chars.count())
        }
    });
    CaseLine {
        id: summary.id,
        state: summary.state,
        application_number: summary.application_number,
        name,
        id_number_masked: summary.id_number_masked,
        due_date: summary.due_date,
        overdue: summary.state.is_in_progress() && summary.due_date.is_some_and(|due| due < today),
        accepted_by: summary.accepted_by.map(|id| clerk_ref(id, users)),
        updated_at: summary.updated_at,
        synced: summary.synced,
    }
}

/// What the single search box of the home screen means by `text`: an 18-character ID
/// number, an 11-digit mobile number, a name (any Chinese character or the middle dot),
/// or else an application number. `None` for blank text.
pub fn query_for(text: &str) -> Option<SearchQuery<'_>> {
    let text = text.trim();
    let chars: Vec<char> = text.chars().collect();
    let is_id_number = chars.len() == 18
        && chars[..17].iter().all(char::is_ascii_digit)
        && (chars[17].is_ascii_digit() || chars[17] == 'X' || chars[17] == 'x');
    if text.is_empty() {
        None
    } else if is_id_number {
        Some(SearchQuery::IdNumber(text))
    } else if chars.len() == 11 && chars[0] == '1' && chars.iter().all(char::is_ascii_digit) {
        Some(SearchQuery::Phone(text))
    } else if chars.iter().any(|c| ('\u{4e00}'..='\u{9fff}').contains(c) || *c == '·') {
        Some(SearchQuery::NamePrefix(text))
    } else {
        Some(SearchQuery::ApplicationNumber(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_box_guesses_what_was_typed() {
        assert!(matches!(
            query_for(" 33018219900307121X "),
            Some(SearchQuery::IdNumber("33018219900307121X"))
        ));
        assert!(matches!(query_for("13812345678"), Some(SearchQuery::Phone(_))));
        assert!(matches!(query_for("张"), Some(SearchQuery::NamePrefix("张"))));
        assert!(matches!(query_for("阿依·买买提"), Some(SearchQuery::NamePrefix(_))));
        assert!(matches!(query_for("JD2025-0001"), Some(SearchQuery::ApplicationNumber(_))));
        assert!(query_for("   ").is_none());
    }
}
