//! Migration from the previous schema: a v1 database with data written the way the v1
//! program wrote it opens with every migration applied and keeps its data.

use store::{AuditAction, CaseId, CaseState, Roles, SCHEMA_VERSION, StateChange, Store, Worklist};

use crate::common::{ADMIN_PASSWORD, OFFICE, add_clerk, at, march, options, sample_case};

#[test]
fn a_version_1_database_migrates_and_keeps_its_cases() {
    assert_eq!(SCHEMA_VERSION, 13, "update this test's expectations when adding a migration");
    let dir = tempfile::tempdir().unwrap();
    let (store, _) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 1)
            .unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
    let case_id = CaseId::new(at(1)).unwrap();
    {
        // Rows exactly as the v1 program wrote them: no slip columns exist yet.
        let conn = store.raw_connection();
        conn.execute(
            "INSERT INTO cases (uuid, state, record, name, created_by, created_at, accepted_by, accepted_at,
                                due_date, updated_at)
             VALUES (?1, 'accepted', '{\"applicant\":{\"name\":\"李四\"}}', '李四', 1, ?2, 1, ?2, '2026-03-04', ?2)",
            rusqlite::params![case_id.to_string(), at(1).timestamp_millis()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO case_events (case_id, from_state, to_state, actor, at) VALUES (1, NULL, 'draft', 1, ?1),
                                                                                  (1, 'draft', 'accepted', 1, ?1)",
            [at(1).timestamp_millis()],
        )
        .unwrap();
        let error = conn.execute("UPDATE cases SET slip_required = 1", []).unwrap_err();
        assert!(error.to_string().contains("slip_required"), "v1 has no slip columns: {error}");
    }
    store.close().unwrap();

    let (mut store, admin) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(5), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.state_seal_check().unwrap(), None, "the v1 rows are sealed as they were");
    let case = store.get_case(&admin, &case_id, at(6)).unwrap();
    assert_eq!(case.state, CaseState::Accepted);
    assert_eq!(case.name.as_deref(), Some("李四"));
    assert!(!case.slip_required, "new columns get their defaults");
    assert_eq!(case.slip_printed_at, None);
    assert_eq!(store.case_events(&case_id).unwrap().len(), 2);
    let awaiting = store.worklist(Worklist::AwaitingReview, march(3), 10).unwrap();
    assert_eq!(awaiting.len(), 1, "old cases appear in worklists");
    assert!(store.worklist(Worklist::IssuedAwaitingSlip, march(3), 10).unwrap().is_empty());
    // Schema 9: a case accepted by the old program can have its visit rated.
    let rating = domain::rating::Rating::check("satisfied", "").unwrap();
    let rated = store.record_rating(&admin, &case_id, &rating, at(6)).unwrap();
    assert_eq!(rated.visit_state, "accepted");
    let migrated =
        store.audit_entries(None, 100).unwrap().into_iter().find(|entry| entry.action == "schema_migrated");
    assert_eq!(
        migrated.map(|entry| entry.details),
        Some(serde_json::json!({ "from": 1, "to": 13, "copy": "office.before-upgrade-v1.db" }))
    );
    // Schema 10: the administrator's key, registered at the first log-in after the upgrade,
    // is the office's root (it certifies itself; the platform pins it).
    let certificates = store.clerk_key_certificates().unwrap();
    assert_eq!(certificates.len(), 1, "{certificates:?}");
    assert!(certificates[0].is_self_signed() && certificates[0].administrator);
    assert_eq!(certificates[0].username, "admin");
    assert_eq!(certificates[0].verify(), Ok(()));
    assert!(store.audit_verify().unwrap().is_intact());
    let upgrade = store.last_schema_upgrade().unwrap().expect("the upgrade, for the window's notice");
    assert_eq!((upgrade.from, upgrade.to, upgrade.at), (1, SCHEMA_VERSION, at(5)));
    assert_eq!(upgrade.copy, Some(dir.path().join("office.before-upgrade-v1.db")));
    store.close().unwrap();

    let (store, _) = Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(7), options()).unwrap();
    assert_eq!(
        store.last_schema_upgrade().unwrap().map(|upgrade| upgrade.seq),
        Some(upgrade.seq),
        "still that one"
    );
    let migrations =
        store.audit_entries(None, 100).unwrap().into_iter().filter(|e| e.action == "schema_migrated").count();
    assert_eq!(migrations, 1, "an up-to-date database is not migrated again");
    store.close().unwrap();

    // The copy written before migrating is the v1 database, whole: put back with the same
    // key slots it opens (and is migrated again, from 1), with its case.
    let copy = upgrade.copy.expect("a copy before the upgrade");
    assert!(copy.exists());
    assert!(!dir.path().join("office.before-upgrade-v1.db.partial").exists());
    let back = tempfile::tempdir().unwrap();
    std::fs::copy(&copy, back.path().join(store::DB_FILE_NAME)).unwrap();
    std::fs::copy(dir.path().join(store::KEY_SLOTS_FILE_NAME), back.path().join(store::KEY_SLOTS_FILE_NAME))
        .unwrap();
    let (mut store, admin) =
        Store::open_with_options(back.path(), "admin", ADMIN_PASSWORD, at(8), options()).unwrap();
    assert_eq!(store.get_case(&admin, &case_id, at(8)).unwrap().name.as_deref(), Some("李四"));
    let from = store.audit_entries(None, 100).unwrap().into_iter().find(|e| e.action == "schema_migrated");
    assert_eq!(
        from.map(|entry| entry.details["from"].clone()),
        Some(serde_json::json!(1)),
        "the copy is at v1"
    );
}

#[test]
fn a_version_2_database_migrates_to_sync_with_its_queue_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 2)
            .unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    let case_id = CaseId::new(at(1)).unwrap();
    let outbox_id = "01950000-0000-7000-8000-000000000001";
    {
        // A v2 office with a clerk whose name would clash with a careless system account,
        // an accepted case and its queued outbox item, written as the v2 program did.
        let conn = store.raw_connection();
        conn.execute(
            "INSERT INTO users (username, display_name, roles, created_at) VALUES ('platform', '平台', 1, ?1)",
            [at(1).timestamp_millis()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO cases (uuid, state, record, name, created_by, created_at, accepted_by, accepted_at,
                                due_date, updated_at)
             VALUES (?1, 'accepted', '{}', '李四', 1, ?2, 1, ?2, '2026-03-04', ?2)",
            rusqlite::params![case_id.to_string(), at(1).timestamp_millis()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO case_events (case_id, from_state, to_state, actor, at) VALUES (1, 'draft', 'accepted', 1, ?1)",
            [at(1).timestamp_millis()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO outbox (id, case_id, event_id, kind, payload, status, last_error, created_at, updated_at)
             VALUES (?1, 1, 1, 'case_state_changed', '{\"to\":\"accepted\"}', 'quarantined', 'old reason', ?2, ?2)",
            rusqlite::params![outbox_id, at(1).timestamp_millis()],
        )
        .unwrap();
        let error =
            conn.query_row("SELECT count(*) FROM sync_state", [], |row| row.get::<_, i64>(0)).unwrap_err();
        assert!(error.to_string().contains("sync_state"), "v2 has no sync tables: {error}");
    }
    store.close().unwrap();

    let (store, _) = Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(5), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let names: Vec<String> = store.users().unwrap().into_iter().map(|user| user.username).collect();
    assert_eq!(names, ["admin", "platform"], "the clerk keeps its name; the system account is no clerk");
    let platform = store.platform_user().unwrap();
    assert_eq!(
        (platform.id.0, platform.username.as_str(), platform.display_name.as_str()),
        (0, "PLATFORM", "省平台")
    );
    let state = store.sync_state().unwrap();
    assert_eq!((state.decision_cursor, state.device_id, state.last_success_at), (0, None, None));
    let quarantined = store.outbox_quarantined(10).unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].id.to_string(), outbox_id);
    assert_eq!(quarantined[0].last_error.as_deref(), Some("old reason"));
    assert_eq!(quarantined[0].quarantine_code, None, "items quarantined before v3 have no code");
    let summary = store.outbox_summary().unwrap();
    assert_eq!((summary.pending, summary.quarantined), (0, 1));
    let migrated =
        store.audit_entries(None, 100).unwrap().into_iter().find(|entry| entry.action == "schema_migrated");
    assert_eq!(
        migrated.map(|entry| entry.details),
        Some(serde_json::json!({ "from": 2, "to": 13, "copy": "office.before-upgrade-v2.db" }))
    );
    assert!(store.audit_verify().unwrap().is_intact());
}

#[test]
fn a_version_4_database_migrates_and_an_old_permit_cancelled_case_still_awaits_its_slip() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 4)
            .unwrap();
    let waiting = CaseId::new(at(1)).unwrap();
    let printed = CaseId::new(at(2)).unwrap();
    {
        let conn = store.raw_connection();
        for (case_id, printed_at) in [(waiting, None), (printed, Some(at(3).timestamp_millis()))] {
            conn.execute(
                "INSERT INTO cases (uuid, state, record, name, created_by, created_at, updated_at, slip_required,
                                    slip_printed_at)
                 VALUES (?1, 'old_permit_cancelled', '{}', '王五', 1, ?2, ?2, 1, ?3)",
                rusqlite::params![case_id.to_string(), at(1).timestamp_millis(), printed_at],
            )
            .unwrap();
        }
        let plan: String = conn
            .query_row("SELECT sql FROM sqlite_master WHERE name = 'cases_awaiting_slip'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert!(!plan.contains("old_permit_cancelled"), "v4's index knows only 'issued': {plan}");
    }
    store.close().unwrap();

    let (store, _) = Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(5), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let awaiting = store.worklist(Worklist::IssuedAwaitingSlip, march(3), 10).unwrap();
    assert_eq!(awaiting.iter().map(|line| line.id).collect::<Vec<_>>(), [waiting]);
    assert_eq!(awaiting[0].state, CaseState::OldPermitCancelled);
    let plan: String = store
        .raw_connection()
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE state IN ('issued', 'old_permit_cancelled')
             AND slip_required = 1 AND slip_printed_at IS NULL AND 1 IS NOT NULL ORDER BY updated_at",
            [],
            |row| row.get(3),
        )
        .unwrap();
    assert!(plan.contains("USING INDEX"), "the worklist is a search of an index, not a scan: {plan}");
}

#[test]
fn a_version_7_database_migrates_and_its_pages_carry_no_mark_until_a_reviewer_sets_one() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 7)
            .unwrap();
    let case_id = CaseId::new(at(1)).unwrap();
    {
        let conn = store.raw_connection();
        conn.execute(
            "INSERT INTO cases (uuid, state, record, name, created_by, created_at, updated_at)
             VALUES (?1, 'accepted', '{}', '赵六', 1, ?2, ?2)",
            rusqlite::params![case_id.to_string(), at(1).timestamp_millis()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO pages (uuid, case_id, evidence, position, sha256, mode, width, height, jpeg, thumbnail,
                                created_at, created_by)
             VALUES ('page-1', 1, 'employment.labour_contract', 1, 'ab', 'grey', 10, 20, x'FFD8', x'FFD8', ?1, 1)",
            [at(1).timestamp_millis()],
        )
        .unwrap();
        let error = conn.execute("UPDATE pages SET mark = 'unclear'", []).unwrap_err();
        assert!(error.to_string().contains("mark"), "v7 pages have no mark: {error}");
    }
    store.close().unwrap();

    let (mut store, admin) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(5), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let pages = store.pages(&case_id).unwrap();
    assert_eq!((pages.len(), pages[0].mark.clone()), (1, None));
    let marked =
        store.mark_page(&admin, "page-1", Some((domain::review::PageMark::Mismatch, "")), at(6)).unwrap();
    assert_eq!(marked.mark.map(|mark| mark.mark), Some(domain::review::PageMark::Mismatch));
    let error = store.raw_connection().execute("UPDATE pages SET mark = 'smudged'", []).unwrap_err();
    assert!(error.to_string().contains("CHECK"), "only the known marks are stored: {error}");
}

/// Schema 13 (issue 20): the audit trail stored without `prev_hash`, each row naming its
/// case by the case's row number. Every row and every hash is kept (the platform's anchors
/// still match), each case still finds its own rows, and a row whose case this office holds
/// no row of keeps that case's UUID.
#[test]
fn a_version_12_audit_trail_is_compacted_with_every_hash_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, admin) =
        Store::create_at_schema_version(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options(), 12)
            .unwrap();
    let clerk = add_clerk(&mut store, &admin, "li", Roles::ACCEPT);
    let accept = StateChange {
        from: CaseState::Draft,
        to: CaseState::Accepted,
        note: None,
        due_date: None,
        profile: None,
    };
    let mut cases = Vec::new();
    for n in 0..3 {
        let (record, index) = sample_case(n);
        let case_id = store.create_case(&clerk, &record, &index, at(10 + i64::from(n))).unwrap();
        store.transition(&clerk, &case_id, &accept, at(20 + i64::from(n))).unwrap();
        cases.push(case_id);
    }
    let elsewhere = CaseId::new(at(30)).unwrap();
    store
        .audit_event(
            &admin,
            AuditAction::Exported,
            Some(&elsewhere),
            serde_json::json!({ "format": "zip" }),
            at(31),
        )
        .unwrap();
    let rows = |store: &Store, sql: &str| -> Vec<(i64, Option<String>, Vec<u8>)> {
        let conn = store.raw_connection();
        let mut statement = conn.prepare(sql).unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let before = rows(&store, "SELECT seq, case_uuid, hash FROM audit ORDER BY seq");
    let details_before: Vec<(i64, serde_json::Value)> = {
        let conn = store.raw_connection();
        let mut statement = conn.prepare("SELECT seq, details FROM audit ORDER BY seq").unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, serde_json::from_str(&row.get::<_, String>(1)?).unwrap())))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(before.len() > 10, "{before:?}");
    store.close().unwrap();

    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(40), options()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let after = rows(
        &store,
        &format!(
            "SELECT a.seq, coalesce(c.uuid, a.case_uuid), a.hash FROM audit a LEFT JOIN cases c ON c.id = a.case_id
             WHERE a.seq <= (SELECT max(seq) FROM audit WHERE action = {}) ORDER BY a.seq",
            AuditAction::Exported.code()
        ),
    );
    assert_eq!(after, before, "every row, its case and its hash as schema 12 held them");
    let columns: Vec<String> = {
        let conn = store.raw_connection();
        let mut statement = conn.prepare("SELECT name FROM pragma_table_info('audit')").unwrap();
        statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert!(!columns.iter().any(|name| name == "prev_hash"), "{columns:?}");
    let details_after: Vec<(i64, serde_json::Value)> = store
        .audit_entries(None, 1_000)
        .unwrap()
        .into_iter()
        .map(|entry| (entry.seq, entry.details))
        .take(details_before.len())
        .collect();
    assert_eq!(details_after, details_before, "every row's details, now deflated, read back the same");
    let deflated: i64 = store
        .raw_connection()
        .query_row("SELECT count(*) FROM audit WHERE substr(details, 1, 1) = x'01'", [], |row| row.get(0))
        .unwrap();
    assert!(deflated >= 6, "the new cases' and steps' details are stored deflated: {deflated}");
    let stored_uuids: i64 = store
        .raw_connection()
        .query_row("SELECT count(*) FROM audit WHERE case_uuid IS NOT NULL", [], |row| row.get(0))
        .unwrap();
    assert_eq!(stored_uuids, 1, "only the row whose case has no row here keeps the UUID as text");
    let (named, clerks_rows): (i64, i64) = store
        .raw_connection()
        .query_row(
            "SELECT count(*) FILTER (WHERE actor IS NOT NULL AND actor_user_id IS NOT NULL),
                    count(*) FILTER (WHERE actor_user_id IS NOT NULL)
             FROM audit",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(clerks_rows > 10, "{clerks_rows}");
    assert_eq!(named, 0, "a clerk's own name is read from users, never stored again");
    assert!(store.audit_verify().unwrap().is_intact(), "the chain verifies across the upgrade");
    let upgrade = store.last_schema_upgrade().unwrap().expect("the upgrade's row, named in meta");
    assert_eq!((upgrade.from, upgrade.to), (12, 13));
    let indexes: i64 = store
        .raw_connection()
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 2, "the two case indexes; none on the time, which nothing searched by");
    for case_id in &cases {
        let seqs: Vec<i64> =
            store.audit_entries(Some(case_id), 100).unwrap().iter().map(|entry| entry.seq).collect();
        let expected: Vec<i64> = before
            .iter()
            .filter(|(_, uuid, _)| uuid.as_deref() == Some(case_id.to_string().as_str()))
            .map(|(seq, _, _)| *seq)
            .collect();
        assert_eq!(seqs, expected);
        assert_eq!(expected.len(), 2, "created and accepted");
    }
    let exported = store.audit_entries(Some(&elsewhere), 100).unwrap();
    assert_eq!(
        exported.iter().map(|entry| (entry.action.as_str(), entry.case_id)).collect::<Vec<_>>(),
        [("exported", Some(elsewhere))]
    );
    let plan: Vec<String> = {
        let conn = store.raw_connection();
        let mut statement = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT a.seq FROM audit a LEFT JOIN cases c ON c.id = a.case_id
                 WHERE (a.case_id = (SELECT id FROM cases WHERE uuid = ?1) OR a.case_uuid = ?1)
                 ORDER BY a.seq DESC LIMIT 20",
            )
            .unwrap();
        statement.query_map([cases[1].to_string()], |row| row.get(3)).unwrap().map(Result::unwrap).collect()
    };
    let plan = plan.join(" | ");
    assert!(
        plan.contains("INDEX audit_case ") && plan.contains("INDEX audit_case_uuid"),
        "a case's rows are found through the two indexes, not a scan of the trail: {plan}"
    );
}
