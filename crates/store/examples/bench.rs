//! Benchmark of the store: generates N realistic cases (default 20 000) in a temporary
//! directory, then reports the database size and p50/p99 latencies of saving one case
//! durably, of each search and of each worklist query.
//!
//! `cargo run -p store --release --features test-support --example bench -- 1000000`
//! (`BENCH_REKEY=1`: also a re-key, a sealed backup and its unsealing, after the fill;
//! `BENCH_FROM_SCHEMA=12`: made and filled at that schema, then upgraded, timed)
//! The fill phase saves 1,000 cases per transaction ([`Store::bulk_create`]: the same
//! rows, outbox items and audit chain as one call per change) with `synchronous` off;
//! every measured save runs alone, through the API, with the production setting (`FULL`).

#![allow(clippy::print_stdout, reason = "a benchmark prints its report")]
#![allow(clippy::unwrap_used, reason = "a benchmark stops at the first error")]

use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, NaiveDate, TimeZone, Utc};
use serde_json::json;
use store::{
    BulkCase, CaseIndex, CaseState, KdfParams, SearchQuery, StateChange, Store, StoreOptions, Worklist,
};

const SAMPLES: usize = 200;

/// Saves and signed steps measured: their p99 is a target (issue 20), and the 99th
/// percentile of 200 samples is the third slowest, which one stray pause moves.
const SAVE_SAMPLES: usize = 1_000;

/// Cases per transaction while filling ([`Store::bulk_create`]).
const FILL_BATCH: usize = 1_000;

/// Builds one search from a sample person.
type MakeQuery = fn(&CaseIndex) -> SearchQuery<'_>;

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡"];
const GIVEN: &[&str] =
    &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"];

fn person(random: &mut SplitMix, n: u64) -> (serde_json::Value, CaseIndex) {
    let name = format!(
        "{}{}{}",
        SURNAMES[random.below(SURNAMES.len() as u64) as usize],
        GIVEN[random.below(GIVEN.len() as u64) as usize],
        GIVEN[random.below(GIVEN.len() as u64) as usize]
    );
    let birth = NaiveDate::from_ymd_opt(
        1960 + random.below(45) as i32,
        1 + random.below(12) as u32,
        1 + random.below(28) as u32,
    )
    .unwrap();
    let id_number =
        format!("3304{:02}{}{:03}{}", random.below(30), birth.format("%Y%m%d"), n % 1000, random.below(10));
    let phone = format!("1{}{:09}", 3 + random.below(6), random.below(1_000_000_000));
    let record = json!({
        "applicant": { "name": name, "id_number": id_number, "phone": phone, "gender": "female", "ethnic_group": "01" },
        "household_registration": { "province": "34", "county": "341222", "address": format!("安徽省太和县某某镇{n}号") },
        "current_address": format!("浙江省嘉兴市海盐县武原街道某某路{}号", random.below(2000)),
        "recognition_type": "RegistrationTime",
        "evidence": { "employment": ["labour_contract", "social_insurance"], "residence": ["rental_registration"], "study": [] },
        "declaration": { "signed": true },
    });
    let index = CaseIndex {
        application_number: Some(format!("HY{n:010}")),
        id_number: Some(id_number),
        name: Some(name),
        phone: Some(phone),
        birth_date: Some(birth),
        slip_required: random.below(5) == 0,
    };
    (record, index)
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}

fn report(label: &str, samples: Vec<Duration>) {
    let (p50, p99) = percentiles(samples);
    println!("{label:<32} p50 {:>8.3} ms   p99 {:>8.3} ms", p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3);
}

/// Prints what the database holds and how much of its file is in use.
fn sizes(store: &Store, when: &str) {
    println!("-- sizes {when}");
    let conn = store.raw_connection();
    for (label, sql) in [
        ("records", "SELECT coalesce(sum(length(record)), 0) FROM cases"),
        ("outbox payloads", "SELECT coalesce(sum(length(payload)), 0) FROM outbox"),
        ("audit details", "SELECT coalesce(sum(length(details)), 0) FROM audit"),
        ("audit rows", "SELECT count(*) FROM audit"),
        ("cases", "SELECT count(*) FROM cases"),
    ] {
        let value: i64 = conn.query_row(sql, [], |row| row.get(0)).unwrap();
        println!("{label:<32} {value}");
    }
    // SQLCipher answers some pragmas as text: read whatever comes as a number.
    let number = |sql: &str| -> i64 {
        match conn.query_row(sql, [], |row| row.get::<_, rusqlite::types::Value>(0)).unwrap() {
            rusqlite::types::Value::Integer(value) => value,
            rusqlite::types::Value::Text(text) => text.parse().unwrap(),
            other => panic!("{sql}: {other:?}"),
        }
    };
    // Where the pages go, by table and index (SQLite's dbstat, compiled into the bundled
    // SQLCipher): the largest first.
    let mut by_object =
        conn.prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 16").unwrap();
    let objects: Vec<(String, i64)> =
        by_object.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect();
    let case_count: i64 = conn.query_row("SELECT count(*) FROM cases", [], |row| row.get(0)).unwrap();
    if std::env::var_os("BENCH_AUDIT_ACTIONS").is_some() {
        let mut actions = conn
            .prepare(
                "SELECT action, count(*), avg(length(details)) FROM audit GROUP BY action ORDER BY 2 DESC",
            )
            .unwrap();
        let rows: Vec<(i64, i64, f64)> = actions
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (code, count, details) in rows {
            let action = store::AuditAction::from_code(code).map_or("?", store::AuditAction::as_str);
            println!("  audit {action:<20} {count:>8} rows, details {details:.0} B as stored");
        }
    }
    for (name, bytes) in objects {
        println!(
            "  {name:<30} {:>9.1} MiB {:>6} B a case",
            bytes as f64 / 1048576.0,
            bytes / case_count.max(1)
        );
    }
    let pages = number("PRAGMA page_count");
    let free = number("PRAGMA freelist_count");
    let page_size = number("PRAGMA page_size");
    let cases: i64 = conn.query_row("SELECT count(*) FROM cases", [], |row| row.get(0)).unwrap();
    let in_use = (pages - free) * page_size;
    println!(
        "in use: {:.1} MiB ({:.0} bytes a case); free pages {:.1} MiB (reused by later writes)",
        in_use as f64 / (1024.0 * 1024.0),
        in_use as f64 / cases.max(1) as f64,
        (free * page_size) as f64 / (1024.0 * 1024.0)
    );
}

/// The state seal's check (issue 18), as at log-in and before each sync: every sealed row
/// read and added up again; three runs.
fn seal_check(store: &Store, when: &str) {
    let mut samples = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(store.state_seal_check().unwrap(), None, "the bench's writes keep the seal");
        samples.push(started.elapsed());
    }
    println!("state seal check, {when} (3 runs): {samples:?}");
}

/// The re-key after a revocation and a sealed backup with its unsealing (issue 18): each
/// copies the whole database once (`BENCH_REKEY=1`).
fn rekey(store: &mut Store, admin: &store::Session, dir: &std::path::Path, at: DateTime<Utc>) {
    let started = Instant::now();
    let rekeyed = store.rekey(admin, at).unwrap();
    println!("re-key (generation {}) in {:?}", rekeyed.generation, started.elapsed());
    let copy_dir = tempfile::tempdir_in(dir.parent().unwrap()).unwrap();
    let copy = Store::db_path(copy_dir.path());
    let started = Instant::now();
    let sealed = store.backup_database_sealed(admin, &copy).unwrap();
    println!("sealed backup copy in {:?}", started.elapsed());
    std::fs::copy(Store::key_slots_path(dir), Store::key_slots_path(copy_dir.path())).unwrap();
    let started = Instant::now();
    Store::unseal_restored_database(copy_dir.path(), "admin", "bench-password", &sealed.sealed_keys[0].1)
        .unwrap();
    println!("unsealed for a restore in {:?}", started.elapsed());
}

fn main() {
    let total: u64 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let base: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).single().unwrap();
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, ..StoreOptions::default() };
    // `BENCH_FROM_SCHEMA=12`: the office is made and filled at that schema, then opened by
    // this build, which upgrades it (the copy made before, the migrations), timed.
    let from_schema: Option<u32> = std::env::var("BENCH_FROM_SCHEMA").ok().and_then(|text| text.parse().ok());
    let (mut store, mut admin) = match from_schema {
        Some(version) => Store::create_at_schema_version(
            dir.path(),
            "bench",
            "admin",
            "bench-password",
            base,
            options,
            version,
        )
        .unwrap(),
        None => {
            Store::create_with_options(dir.path(), "bench", "admin", "bench-password", base, options).unwrap()
        }
    };
    let mut random = SplitMix(42);
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();

    // Fill: most cases finished, a few in each worklist, spread over two months.
    store.raw_connection().execute_batch("PRAGMA synchronous = OFF").unwrap();
    let fill_started = Instant::now();
    let mut sample_people = Vec::new();
    let mut batch = Vec::with_capacity(FILL_BATCH);
    for n in 0..total {
        let (record, index) = person(&mut random, n);
        let at = base + Span::seconds((n * 5_000_000 / total.max(1)) as i64);
        if n % (total / 50).max(1) == 0 {
            sample_people.push(index.clone());
        }
        let roll = random.below(100);
        let path: &[CaseState] = match roll {
            0..=4 => &[],
            5..=9 => &[CaseState::Accepted],
            10..=14 => &[CaseState::Accepted, CaseState::Reviewed],
            15..=17 => &[CaseState::Accepted, CaseState::Reviewed, CaseState::Approved],
            18..=20 => &[CaseState::NoticeIssued],
            _ => &[CaseState::Accepted, CaseState::Reviewed, CaseState::Approved, CaseState::Issued],
        };
        let mut from = CaseState::Draft;
        let mut changes = Vec::with_capacity(path.len());
        for to in path {
            let due_date = (*to == CaseState::Accepted).then(|| at.date_naive() + Span::days(2));
            changes.push(StateChange { from, to: *to, note: None, due_date, profile: None });
            from = *to;
        }
        batch.push(BulkCase { record, index, at, changes });
        if batch.len() == FILL_BATCH || n + 1 == total {
            store.bulk_create(&admin, &batch).unwrap();
            batch.clear();
        }
        if n % 100_000 == 99_999 {
            println!("filled {} cases in {:?}", n + 1, fill_started.elapsed());
        }
    }
    store.raw_connection().execute_batch("PRAGMA synchronous = FULL; ANALYZE;").unwrap();
    println!("filled {total} cases in {:?}", fill_started.elapsed());
    if let Some(version) = from_schema {
        store.close().unwrap();
        let started = Instant::now();
        let (upgraded, session) =
            Store::open_with_options(dir.path(), "admin", "bench-password", base + Span::days(59), options)
                .unwrap();
        let copy = upgraded.last_schema_upgrade().unwrap().and_then(|upgrade| upgrade.copy).unwrap();
        println!(
            "upgraded from schema {version} to {} in {:?} (with the copy made before it, {:.1} MiB)",
            upgraded.schema_version().unwrap(),
            started.elapsed(),
            std::fs::metadata(&copy).unwrap().len() as f64 / 1_048_576.0
        );
        std::fs::remove_file(copy).unwrap();
        (store, admin) = (upgraded, session);
    }

    if std::env::var_os("BENCH_NO_AUTOCHECKPOINT").is_some() {
        store.raw_connection().execute_batch("PRAGMA wal_autocheckpoint = 0").unwrap();
    }
    let mut saves = Vec::new();
    let mut saved = Vec::new();
    for n in 0..SAVE_SAMPLES as u64 {
        let (record, index) = person(&mut random, total + n);
        let started = Instant::now();
        saved.push(store.create_case(&admin, &record, &index, base + Span::days(60)).unwrap());
        saves.push(started.elapsed());
    }
    let mut slowest = saves.clone();
    slowest.sort();
    println!("slowest saves: {:?}", &slowest[SAVE_SAMPLES - 5..]);
    report("save one case (durable)", saves);
    // A step: the acceptance of each case just saved, signed with the clerk's SM2 key
    // (issue 18) with its event, outbox item and audit row, durable.
    let mut steps = Vec::new();
    for case_id in &saved {
        let change = StateChange {
            from: CaseState::Draft,
            to: CaseState::Accepted,
            note: None,
            due_date: None,
            profile: None,
        };
        let started = Instant::now();
        store.transition(&admin, case_id, &change, base + Span::days(60)).unwrap();
        steps.push(started.elapsed());
    }
    report("signed step (durable)", steps);
    if std::env::var_os("BENCH_SAVES_ONLY").is_some() {
        return;
    }

    let at = base + Span::days(60);
    let searches: [(&str, MakeQuery); 4] = [
        ("search by ID number", |index| SearchQuery::IdNumber(index.id_number.as_deref().unwrap())),
        ("search by application number", |index| {
            SearchQuery::ApplicationNumber(index.application_number.as_deref().unwrap())
        }),
        ("search by phone", |index| SearchQuery::Phone(index.phone.as_deref().unwrap())),
        ("search by name prefix (2 chars)", |index| {
            let name = index.name.as_deref().unwrap();
            let end = name.char_indices().nth(2).map_or(name.len(), |(i, _)| i);
            SearchQuery::NamePrefix(&name[..end])
        }),
    ];
    for (label, make_query) in searches {
        let mut samples = Vec::new();
        for round in 0..SAMPLES {
            let index = &sample_people[round % sample_people.len()];
            let query = make_query(index);
            let started = Instant::now();
            store.search(&admin, &query, 50, at).unwrap();
            samples.push(started.elapsed());
        }
        report(label, samples);
    }
    for list in Worklist::ALL {
        let mut samples = Vec::new();
        for _ in 0..SAMPLES {
            let started = Instant::now();
            store.worklist(*list, today, 50).unwrap();
            samples.push(started.elapsed());
        }
        report(&format!("worklist {list:?}"), samples);
    }
    let mut samples = Vec::new();
    for round in 0..SAMPLES {
        let index = &sample_people[round % sample_people.len()];
        let started = Instant::now();
        let blind = store.blind_index(index.id_number.as_deref().unwrap()).unwrap();
        store.find_open_cases_by_id(&blind).unwrap();
        store.near_matches(index.name.as_deref().unwrap(), index.birth_date.unwrap()).unwrap();
        samples.push(started.elapsed());
    }
    report("duplicate guard (both queries)", samples);
    // The register (台账) of one day and of a month (the app reads at most 5,001 lines).
    for (label, days, rounds) in
        [("ledger of one day", 1, SAMPLES), ("ledger of one month (≤ 5,001 lines)", 30, 20)]
    {
        let mut samples = Vec::new();
        let mut lines = 0;
        for round in 0..rounds {
            let from = base + Span::days((round % 28) as i64);
            let started = Instant::now();
            lines = store.ledger(from, from + Span::days(days), 5_001).unwrap().len();
            samples.push(started.elapsed());
        }
        report(&format!("{label} [{lines} lines]"), samples);
    }
    let started = Instant::now();
    let counts = store.worklist_counts(today).unwrap();
    println!("worklist counts in {:?}: {:?}", started.elapsed(), counts.counts);

    sizes(&store, "after the fill, nothing confirmed");

    seal_check(&store, "nothing confirmed");

    if std::env::var_os("BENCH_REKEY").is_some() {
        rekey(&mut store, &admin, dir.path(), base + Span::days(60));
    }

    // A year of syncs: every item is sent and confirmed, 500 at a time as the drain does
    // (the request's `sync_sent` row, then the acknowledgement settles the items).
    let started = Instant::now();
    let mut confirmed = 0;
    loop {
        let pending = store.outbox_pending(500).unwrap();
        if pending.is_empty() {
            break;
        }
        let ids: Vec<_> = pending.iter().map(|item| item.id).collect();
        store.outbox_mark_attempts(&ids, None, base + Span::days(61)).unwrap();
        confirmed += store.outbox_mark_confirmed(&ids, base + Span::days(61)).unwrap();
    }
    println!("confirmed {confirmed} outbox items in {:?}", started.elapsed());
    sizes(&store, "after every item was confirmed");
    // What the file would hold rewritten: the compacted payloads' space is scattered in
    // old pages that new rows (always at the end of their table) do not reuse.
    let started = Instant::now();
    store.raw_connection().execute_batch("VACUUM").unwrap();
    println!("vacuumed in {:?}", started.elapsed());
    sizes(&store, "after VACUUM");
    seal_check(&store, "every item confirmed, after VACUUM");
    let db_path = Store::db_path(dir.path());
    store.close().unwrap();
    let size = std::fs::metadata(&db_path).unwrap().len();
    println!(
        "database size: {:.1} MiB for {} cases",
        size as f64 / (1024.0 * 1024.0),
        total + SAVE_SAMPLES as u64
    );
}
