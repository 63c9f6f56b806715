//! Worklists, search and the duplicate guard: every query here is answered from an index
//! (see the `cases_*` indexes in `schema.rs`; a test runs `EXPLAIN QUERY PLAN` on each).
//!
//! Lists return [`CaseSummary`] rows (masked ID number, no record) and are not audited;
//! searches are audited because they look a person up, but the audit row records only
//! what kind of search it was and how many cases matched.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{ToSql, params_from_iter};
use serde_json::json;

use crate::Store;
use crate::audit::{AuditAction, NewAuditRow};
use crate::cases::{BlindIndex, CaseId, CaseState, parse_state};
use crate::error::{Result, StoreError};
use crate::time::{date_to_text, from_millis, opt_date_from_text, opt_from_millis};
use crate::users::{Session, UserId};

/// The worklists of the home screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Worklist {
    /// Drafts, most recently edited first.
    Drafts,
    /// Accepted, awaiting review, earliest deadline first.
    AwaitingReview,
    /// Reviewed, awaiting approval, earliest deadline first.
    AwaitingApproval,
    /// In progress with the deadline today.
    DueToday,
    /// In progress with the deadline before today.
    Overdue,
    /// Issued to an applicant who needs the paper slip, slip not yet printed.
    IssuedAwaitingSlip,
    /// Not a draft, and the province has not confirmed every change.
    NotSynced,
    /// 已一次性告知: waiting for the applicant to come back with the materials, most recent
    /// first.
    NoticesIssued,
    /// 不予受理: closed as not eligible, most recent first.
    NotEligible,
}

impl Worklist {
    /// Every worklist.
    pub const ALL: &[Worklist] = &[
        Worklist::Drafts,
        Worklist::AwaitingReview,
        Worklist::AwaitingApproval,
        Worklist::DueToday,
        Worklist::Overdue,
        Worklist::IssuedAwaitingSlip,
        Worklist::NotSynced,
        Worklist::NoticesIssued,
        Worklist::NotEligible,
    ];

    /// The list's stable key (the window's worklist tabs, `permitctl`).
    pub fn key(self) -> &'static str {
        match self {
            Worklist::Drafts => "drafts",
            Worklist::AwaitingReview => "awaiting_review",
            Worklist::AwaitingApproval => "awaiting_approval",
            Worklist::DueToday => "due_today",
            Worklist::Overdue => "overdue",
            Worklist::IssuedAwaitingSlip => "issued_awaiting_slip",
            Worklist::NotSynced => "not_synced",
            Worklist::NoticesIssued => "notices_issued",
            Worklist::NotEligible => "not_eligible",
        }
    }

    /// The worklist whose [`key`](Self::key) is `key`.
    pub fn from_key(key: &str) -> Option<Worklist> {
        Worklist::ALL.iter().copied().find(|list| list.key() == key)
    }

    /// The `WHERE … ORDER BY` of the list; `?1` is today's date where it is used. Each
    /// condition repeats its partial index's `WHERE` word for word so SQLite can use it.
    fn condition(self) -> &'static str {
        match self {
            Worklist::Drafts => "state = 'draft' AND ?1 IS NOT NULL ORDER BY updated_at DESC",
            Worklist::AwaitingReview => {
                "state = 'accepted' AND ?1 IS NOT NULL ORDER BY due_date, accepted_at"
            }
            Worklist::AwaitingApproval => {
                "state = 'reviewed' AND ?1 IS NOT NULL ORDER BY due_date, accepted_at"
            }
            Worklist::DueToday => {
                "state IN ('accepted', 'reviewed', 'approved') AND due_date = ?1 ORDER BY due_date, accepted_at"
            }
            Worklist::Overdue => {
                "state IN ('accepted', 'reviewed', 'approved') AND due_date < ?1 ORDER BY due_date, accepted_at"
            }
            Worklist::IssuedAwaitingSlip => {
                "state IN ('issued', 'old_permit_cancelled') AND slip_required = 1 AND slip_printed_at IS NULL \
                 AND ?1 IS NOT NULL ORDER BY updated_at"
            }
            Worklist::NotSynced => "synced = 0 AND state <> 'draft' AND ?1 IS NOT NULL ORDER BY updated_at",
            Worklist::NoticesIssued => "state = 'refused' AND ?1 IS NOT NULL ORDER BY updated_at DESC",
            Worklist::NotEligible => "state = 'not_eligible' AND ?1 IS NOT NULL ORDER BY updated_at DESC",
        }
    }
}

/// How to look a case up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchQuery<'a> {
    /// Exact ID number (compared through the blind index).
    IdNumber(&'a str),
    /// Exact application number.
    ApplicationNumber(&'a str),
    /// Exact phone number.
    Phone(&'a str),
    /// Names starting with this text.
    NamePrefix(&'a str),
}

impl SearchQuery<'_> {
    fn kind(&self) -> &'static str {
        match self {
            SearchQuery::IdNumber(_) => "id_number",
            SearchQuery::ApplicationNumber(_) => "application_number",
            SearchQuery::Phone(_) => "phone",
            SearchQuery::NamePrefix(_) => "name_prefix",
        }
    }
}

/// A line of a worklist or of search results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    /// Global id.
    pub id: CaseId,
    /// Current state.
    pub state: CaseState,
    /// 申请编号.
    pub application_number: Option<String>,
    /// 姓名.
    pub name: Option<String>,
    /// Masked ID number.
    pub id_number_masked: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Deadline.
    pub due_date: Option<NaiveDate>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// 受理人.
    pub accepted_by: Option<UserId>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Everything confirmed by the province.
    pub synced: bool,
}

/// Numbers for the badges of the home screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorklistCounts {
    /// Count per worklist, in the order of [`Worklist::ALL`], at most
    /// [`WORKLIST_COUNT_CAP`] (which means that many or more).
    pub counts: Vec<(Worklist, u64)>,
}

/// Where the worklist badges stop counting.
pub const WORKLIST_COUNT_CAP: u64 = 1000;

const SUMMARY_COLUMNS: &str = "uuid, state, application_number, name, id_masked, birth_date, due_date, accepted_at, accepted_by, updated_at, synced";
/// [`SUMMARY_COLUMNS`] of the table aliased `c` (the register joins cases to their events).
pub(crate) const SUMMARY_COLUMNS_OF_C: &str = "c.uuid, c.state, c.application_number, c.name, c.id_masked, \
     c.birth_date, c.due_date, c.accepted_at, c.accepted_by, c.updated_at, c.synced";
const OPEN_STATES: &str = "state IN ('draft', 'accepted', 'reviewed', 'approved')";

pub(crate) fn summary_from_row(row: &rusqlite::Row<'_>) -> Result<CaseSummary> {
    let uuid: String = row.get(0)?;
    let state: String = row.get(1)?;
    Ok(CaseSummary {
        id: uuid.parse().map_err(|_| StoreError::Corrupt { detail: format!("case uuid {uuid:?}") })?,
        state: parse_state(&state)?,
        application_number: row.get(2)?,
        name: row.get(3)?,
        id_number_masked: row.get(4)?,
        birth_date: opt_date_from_text(row.get(5)?)?,
        due_date: opt_date_from_text(row.get(6)?)?,
        accepted_at: opt_from_millis(row.get(7)?)?,
        accepted_by: row.get::<_, Option<i64>>(8)?.map(UserId),
        updated_at: from_millis(row.get(9)?)?,
        synced: row.get(10)?,
    })
}

/// The smallest string greater than every string starting with `prefix`, for a range
/// scan on the name index (`name >= prefix AND name < upper`); `None` when no such bound
/// exists (the prefix is all U+10FFFF).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(next_char) = char::from_u32(next) {
            chars.push(next_char);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// One query: its name, SQL and parameters; shared by the methods and the plan test.
struct Query {
    /// Shown by [`Store::query_plans`] in test builds.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code, reason = "read only by query_plans"))]
    name: String,
    sql: String,
    params: Vec<Box<dyn ToSql>>,
}

fn worklist_query(list: Worklist, today: NaiveDate, limit: u32) -> Query {
    Query {
        name: format!("{list:?}"),
        sql: format!("SELECT {SUMMARY_COLUMNS} FROM cases WHERE {} LIMIT ?2", list.condition()),
        params: vec![Box::new(date_to_text(today)), Box::new(limit)],
    }
}

fn search_query(blind_key: &[u8; 32], query: &SearchQuery<'_>, limit: u32) -> Option<Query> {
    let (condition, params): (&str, Vec<Box<dyn ToSql>>) = match query {
        SearchQuery::IdNumber(id_number) => {
            let blind = crate::cases::blind_index(blind_key, id_number)?;
            ("id_blind = ?1 ORDER BY created_at DESC", vec![Box::new(blind.0.to_vec())])
        }
        SearchQuery::ApplicationNumber(number) => {
            ("application_number = ?1", vec![Box::new(number.trim().to_owned())])
        }
        SearchQuery::Phone(phone) => {
            ("phone = ?1 ORDER BY created_at DESC", vec![Box::new(phone.trim().to_owned())])
        }
        SearchQuery::NamePrefix(prefix) => {
            let prefix = prefix.trim();
            if prefix.is_empty() {
                return None;
            }
            match prefix_upper_bound(prefix) {
                Some(upper) => (
                    "name >= ?1 AND name < ?2 ORDER BY name, birth_date",
                    vec![Box::new(prefix.to_owned()), Box::new(upper)],
                ),
                None => ("name >= ?1 ORDER BY name, birth_date", vec![Box::new(prefix.to_owned())]),
            }
        }
    };
    let mut params = params;
    let limit_index = params.len() + 1;
    params.push(Box::new(limit));
    Some(Query {
        name: format!("search {}", query.kind()),
        sql: format!("SELECT {SUMMARY_COLUMNS} FROM cases WHERE {condition} LIMIT ?{limit_index}"),
        params,
    })
}

fn open_by_blind_query(blind: &BlindIndex) -> Query {
    Query {
        name: "find_open_cases_by_id".to_owned(),
        sql: format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases WHERE id_blind = ?1 AND {OPEN_STATES} ORDER BY created_at DESC"
        ),
        params: vec![Box::new(blind.0.to_vec())],
    }
}

fn near_match_query(name: &str, birth_date: NaiveDate) -> Query {
    Query {
        name: "near_matches".to_owned(),
        sql: format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases WHERE name = ?1 AND birth_date = ?2 ORDER BY created_at DESC"
        ),
        params: vec![Box::new(name.trim().to_owned()), Box::new(date_to_text(birth_date))],
    }
}

impl Store {
    fn run_summaries(&self, query: &Query) -> Result<Vec<CaseSummary>> {
        let mut statement = self.conn.prepare_cached(&query.sql)?;
        let mut rows = statement.query(params_from_iter(query.params.iter()))?;
        let mut summaries = Vec::new();
        while let Some(row) = rows.next()? {
            summaries.push(summary_from_row(row)?);
        }
        Ok(summaries)
    }

    /// The first `limit` cases of a worklist. `today` is the office's local date.
    pub fn worklist(&self, list: Worklist, today: NaiveDate, limit: u32) -> Result<Vec<CaseSummary>> {
        self.run_summaries(&worklist_query(list, today, limit))
    }

    /// How many cases each worklist holds.
    pub fn worklist_counts(&self, today: NaiveDate) -> Result<WorklistCounts> {
        let mut counts = Vec::with_capacity(Worklist::ALL.len());
        for list in Worklist::ALL {
            // Counting stops at the cap: a badge says 1000+ as well as 190 000 would, and
            // an exact count of a list that long read every one of its rows (2.4 s for the
            // seven lists of a 200 000-case office).
            let condition = list.condition();
            let condition = condition.split(" ORDER BY").next().unwrap_or(condition);
            let sql = format!(
                "SELECT count(*) FROM (SELECT 1 FROM cases WHERE {condition} LIMIT {WORKLIST_COUNT_CAP})"
            );
            let count: i64 =
                self.conn.prepare_cached(&sql)?.query_row([date_to_text(today)], |row| row.get(0))?;
            counts.push((*list, u64::try_from(count).unwrap_or(0)));
        }
        Ok(WorklistCounts { counts })
    }

    /// Looks cases up and audits the search (`searched`, with its kind and the number of
    /// results, never the searched value).
    pub fn search(
        &mut self,
        session: &Session,
        query: &SearchQuery<'_>,
        limit: u32,
        at: DateTime<Utc>,
    ) -> Result<Vec<CaseSummary>> {
        let results = match search_query(&self.blind_key, query, limit) {
            Some(sql_query) => self.run_summaries(&sql_query)?,
            None => Vec::new(),
        };
        self.append_read_audit(NewAuditRow {
            desk: session.desk(),
            at,
            actor_user_id: Some(session.user_id),
            actor: &session.username,
            action: AuditAction::Searched,
            case_id: None,
            details: json!({ "by": query.kind(), "results": results.len() }),
        })?;
        Ok(results)
    }

    /// Duplicate guard, exact part: open cases (draft or in progress) with this ID number.
    pub fn find_open_cases_by_id(&self, blind: &BlindIndex) -> Result<Vec<CaseSummary>> {
        self.run_summaries(&open_by_blind_query(blind))
    }

    /// Duplicate guard, fuzzy part: cases of any state with the same name and birth date.
    pub fn near_matches(&self, name: &str, birth_date: NaiveDate) -> Result<Vec<CaseSummary>> {
        self.run_summaries(&near_match_query(name, birth_date))
    }

    /// `EXPLAIN QUERY PLAN` of every worklist, search and duplicate-guard query, as
    /// `(query name, plan lines)`. For tests that prove each one uses an index.
    #[cfg(feature = "test-support")]
    pub fn query_plans(&self, today: NaiveDate) -> Result<Vec<(String, Vec<String>)>> {
        let blind = BlindIndex([0u8; 16]);
        let mut queries: Vec<Query> =
            Worklist::ALL.iter().map(|list| worklist_query(*list, today, 50)).collect();
        for search in [
            SearchQuery::IdNumber("33010219900307123X"),
            SearchQuery::ApplicationNumber("A1"),
            SearchQuery::Phone("13800138000"),
            SearchQuery::NamePrefix("张"),
        ] {
            queries.extend(search_query(&self.blind_key, &search, 50));
        }
        queries.push(open_by_blind_query(&blind));
        queries.push(near_match_query("张三", today));
        let mut plans = Vec::new();
        for query in queries {
            let mut statement = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {}", query.sql))?;
            let mut rows = statement.query(params_from_iter(query.params.iter()))?;
            let mut lines = Vec::new();
            while let Some(row) = rows.next()? {
                lines.push(row.get::<_, String>(3)?);
            }
            plans.push((query.name, lines));
        }
        Ok(plans)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds_cover_exactly_the_prefix() {
        assert_eq!(prefix_upper_bound("张").as_deref(), Some("弡"));
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }
}
