//! Worklists, search and the duplicate guard return the right cases, and every one of
//! their queries is answered from an index (EXPLAIN QUERY PLAN shows no table scan).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use store::{CaseId, CaseState, SearchQuery, StateChange, Store, Worklist};

use crate::common::{at, march, new_store, sample_case};

/// Creates case `n` and moves it through `path`, accepted with deadline `due`.
fn case_in(store: &mut Store, admin: &store::Session, n: u32, path: &[CaseState], due: NaiveDate) -> CaseId {
    let (record, index) = sample_case(n);
    let case_id = store.create_case(admin, &record, &index, at(i64::from(n))).unwrap();
    let mut from = CaseState::Draft;
    for to in path {
        let due_date = (*to == CaseState::Accepted).then_some(due);
        let change = StateChange { from, to: *to, note: None, due_date, profile: None };
        store.transition(admin, &case_id, &change, at(100 + i64::from(n))).unwrap();
        from = *to;
    }
    case_id
}

fn ids(list: &[store::CaseSummary]) -> BTreeSet<CaseId> {
    list.iter().map(|summary| summary.id).collect()
}

#[test]
fn each_worklist_holds_exactly_its_cases() {
    use CaseState::*;
    let (_dir, mut store, admin) = new_store();
    let today = march(3);
    let draft = case_in(&mut store, &admin, 1, &[], today);
    let accepted_due_today = case_in(&mut store, &admin, 2, &[Accepted], today);
    let accepted_overdue = case_in(&mut store, &admin, 3, &[Accepted], march(2));
    let reviewed_later = case_in(&mut store, &admin, 4, &[Accepted, Reviewed], march(5));
    let approved_overdue = case_in(&mut store, &admin, 5, &[Accepted, Reviewed, Approved], march(1));
    let issued_late = case_in(&mut store, &admin, 6, &[Accepted, Reviewed, Approved, Issued], march(1));
    let refused = case_in(&mut store, &admin, 7, &[NoticeIssued], march(1));

    let list = |store: &Store, worklist| ids(&store.worklist(worklist, today, 100).unwrap());
    assert_eq!(list(&store, Worklist::Drafts), BTreeSet::from([draft]));
    assert_eq!(
        list(&store, Worklist::AwaitingReview),
        BTreeSet::from([accepted_due_today, accepted_overdue])
    );
    assert_eq!(list(&store, Worklist::AwaitingApproval), BTreeSet::from([reviewed_later]));
    assert_eq!(list(&store, Worklist::DueToday), BTreeSet::from([accepted_due_today]));
    assert_eq!(
        list(&store, Worklist::Overdue),
        BTreeSet::from([accepted_overdue, approved_overdue]),
        "finished cases (issued, refused) are never overdue"
    );
    assert_eq!(
        list(&store, Worklist::NotSynced),
        BTreeSet::from([
            accepted_due_today,
            accepted_overdue,
            reviewed_later,
            approved_overdue,
            issued_late,
            refused
        ]),
        "every case with a state change awaits sync; drafts are never sent"
    );
    let awaiting_review = store.worklist(Worklist::AwaitingReview, today, 100).unwrap();
    assert_eq!(awaiting_review[0].id, accepted_overdue, "earliest deadline first");
    assert_eq!(awaiting_review[0].id_number_masked.as_deref(), Some("330102********003X"));

    let counts = store.worklist_counts(today).unwrap();
    let count_of = |list: Worklist| counts.counts.iter().find(|(l, _)| *l == list).map(|(_, n)| *n);
    assert_eq!(count_of(Worklist::Overdue), Some(2));
    assert_eq!(count_of(Worklist::NotSynced), Some(6));
    assert_eq!(count_of(Worklist::Drafts), Some(1));
}

#[test]
fn search_finds_by_id_number_application_number_phone_and_name_prefix() {
    let (_dir, mut store, admin) = new_store();
    let (record, mut index) = sample_case(11);
    index.application_number = Some("HY0011".into());
    index.name = Some("张三丰".into());
    let target = store.create_case(&admin, &record, &index, at(1)).unwrap();
    let (other_record, mut other_index) = sample_case(12);
    other_index.name = Some("张无忌".into());
    let other = store.create_case(&admin, &other_record, &other_index, at(2)).unwrap();
    let (third_record, mut third_index) = sample_case(13);
    third_index.name = Some("李四".into());
    store.create_case(&admin, &third_record, &third_index, at(3)).unwrap();

    let id_number = index.id_number.clone().unwrap();
    let typed_sloppily = format!(" {} ", id_number.to_lowercase());
    let mut search = |query: SearchQuery<'_>| ids(&store.search(&admin, &query, 10, at(5)).unwrap());
    assert_eq!(search(SearchQuery::IdNumber(&typed_sloppily)), BTreeSet::from([target]));
    assert_eq!(search(SearchQuery::ApplicationNumber("HY0011")), BTreeSet::from([target]));
    assert_eq!(search(SearchQuery::Phone(index.phone.as_deref().unwrap())), BTreeSet::from([target]));
    assert_eq!(search(SearchQuery::NamePrefix("张")), BTreeSet::from([target, other]));
    assert_eq!(search(SearchQuery::NamePrefix("张三")), BTreeSet::from([target]));
    assert!(search(SearchQuery::NamePrefix("王")).is_empty());
    assert!(search(SearchQuery::IdNumber("   ")).is_empty());

    let searched: Vec<_> = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "searched")
        .collect();
    assert_eq!(searched.len(), 7, "every search is audited");
    assert_eq!(
        searched[0].details,
        serde_json::json!({ "by": "id_number", "results": 1 }),
        "kind and count only"
    );
}

#[test]
fn the_duplicate_guard_finds_open_cases_and_near_matches() {
    use CaseState::*;
    let (_dir, mut store, admin) = new_store();
    let open = case_in(&mut store, &admin, 21, &[Accepted], march(4));
    let (record, index) = sample_case(21);
    let finished = store.create_case(&admin, &record, &index, at(30)).unwrap();
    let change = StateChange { from: Draft, to: NoticeIssued, note: None, due_date: None, profile: None };
    store.transition(&admin, &finished, &change, at(31)).unwrap();

    let blind = store.blind_index(index.id_number.as_deref().unwrap()).unwrap();
    assert_eq!(
        ids(&store.find_open_cases_by_id(&blind).unwrap()),
        BTreeSet::from([open]),
        "refused cases are closed"
    );
    let near = store.near_matches(index.name.as_deref().unwrap(), index.birth_date.unwrap()).unwrap();
    assert_eq!(ids(&near), BTreeSet::from([open, finished]), "near matches include finished cases");
    assert!(store.near_matches("别人", index.birth_date.unwrap()).unwrap().is_empty());
}

#[test]
fn every_worklist_and_search_uses_an_index() {
    let (_dir, mut store, admin) = new_store();
    // A few rows and fresh statistics, so the planner decides as it would in an office.
    for n in 0..30 {
        let (record, index) = sample_case(n);
        store.create_case(&admin, &record, &index, at(i64::from(n))).unwrap();
    }
    store.raw_connection().execute_batch("ANALYZE").unwrap();
    let plans = store.query_plans(march(3)).unwrap();
    assert_eq!(plans.len(), Worklist::ALL.len() + 4 + 2, "every query is checked");
    for (name, lines) in plans {
        let plan = lines.join(" | ");
        if name.contains("name_prefix") || name.contains("near_matches") {
            // Thousands of matches at a million cases: the result lines come from the index.
            assert!(
                plan.contains("COVERING INDEX cases_name_birth"),
                "{name} must not read the table: {plan}"
            );
        }
        assert!(plan.contains("INDEX"), "{name} must use an index: {plan}");
        for line in &lines {
            let table_scan = line.starts_with("SCAN cases") && !line.contains("INDEX");
            assert!(!table_scan, "{name} scans the whole cases table: {plan}");
        }
    }
}

#[test]
fn a_search_is_audited_without_lowering_the_durability_of_later_writes() {
    let (_dir, mut store, admin) = new_store();
    let synchronous = |store: &Store| -> i64 {
        store.raw_connection().query_row("PRAGMA synchronous", [], |row| row.get(0)).unwrap()
    };
    assert_eq!(synchronous(&store), 2, "FULL");
    store.search(&admin, &SearchQuery::NamePrefix("张"), 10, at(5)).unwrap();
    assert_eq!(synchronous(&store), 2, "back to FULL after the search's audit row");
    let rows = store.audit_entries(None, 100).unwrap();
    assert_eq!(rows.last().map(|row| row.action.as_str()), Some("searched"));
    assert!(store.audit_verify().unwrap().is_intact());
}

#[test]
fn badge_counts_stop_at_the_cap() {
    let (_dir, mut store, admin) = new_store();
    let (record, index) = sample_case(1);
    store.create_case(&admin, &record, &index, at(1)).unwrap();
    let counts = store.worklist_counts(march(2)).unwrap();
    assert_eq!(counts.counts.iter().find(|(list, _)| *list == Worklist::Drafts).map(|c| c.1), Some(1));
    {
        // Many more drafts, written directly (the API would take seconds for this many).
        let conn = store.raw_connection();
        let mut insert = conn
            .prepare(
                "INSERT INTO cases (uuid, state, record, created_by, created_at, updated_at)
                 VALUES (?1, 'draft', '{}', 1, ?2, ?2)",
            )
            .unwrap();
        for n in 0..store::WORKLIST_COUNT_CAP + 50 {
            insert
                .execute(rusqlite::params![
                    CaseId::new(at(2)).unwrap().to_string(),
                    at(2).timestamp_millis() + n as i64
                ])
                .unwrap();
        }
    }
    let counts = store.worklist_counts(march(2)).unwrap();
    let drafts = counts.counts.iter().find(|(list, _)| *list == Worklist::Drafts).map(|c| c.1);
    assert_eq!(drafts, Some(store::WORKLIST_COUNT_CAP), "counted up to the cap, not beyond");
}

/// The benchmark's bulk fill writes what one call per change writes: the same worklists,
/// outbox items, case events and an audit chain that verifies.
#[test]
fn bulk_creation_matches_one_call_per_change() {
    use CaseState::*;
    let paths: [&[CaseState]; 4] = [&[], &[Accepted], &[Accepted, Reviewed, Approved], &[NoticeIssued]];
    let due = march(3);
    let (_one_dir, mut one_by_one, admin) = new_store();
    for (n, path) in (1_u32..).zip(paths) {
        case_in(&mut one_by_one, &admin, n, path, due);
    }
    let (_bulk_dir, mut bulk, bulk_admin) = new_store();
    let cases: Vec<store::BulkCase> = (1_u32..)
        .zip(paths)
        .map(|(n, path)| {
            let (record, index) = sample_case(n);
            let mut from = Draft;
            let changes = path
                .iter()
                .map(|to| {
                    let change = StateChange {
                        from,
                        to: *to,
                        note: None,
                        due_date: (*to == Accepted).then_some(due),
                        profile: None,
                    };
                    from = *to;
                    change
                })
                .collect();
            store::BulkCase { record, index, at: at(i64::from(n)), changes }
        })
        .collect();
    let created = bulk.bulk_create(&bulk_admin, &cases).unwrap();
    assert_eq!(created.len(), 4);

    for list in Worklist::ALL {
        assert_eq!(
            one_by_one.worklist(*list, march(3), 50).unwrap().len(),
            bulk.worklist(*list, march(3), 50).unwrap().len(),
            "{list:?}"
        );
    }
    let (one, many) = (one_by_one.outbox_summary().unwrap(), bulk.outbox_summary().unwrap());
    assert_eq!((one.pending, one.held, one.quarantined), (many.pending, many.held, many.quarantined));
    let events = |store: &Store, id: &CaseId| store.case_events(id).unwrap().len();
    assert_eq!(events(&bulk, &created[2]), 4, "draft, accepted, reviewed, approved");
    let report = bulk.audit_verify().unwrap();
    assert!(report.problem.is_none(), "{report:?}");
    assert_eq!(report.rows, one_by_one.audit_verify().unwrap().rows);
}

#[test]
fn every_worklist_has_a_distinct_key() {
    for list in store::Worklist::ALL {
        assert_eq!(store::Worklist::from_key(list.key()), Some(*list));
    }
    assert_eq!(store::Worklist::from_key("everything"), None);
}
