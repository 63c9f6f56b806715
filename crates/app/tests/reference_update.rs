//! Signed holiday-table updates with the real encrypted store: the county bureau's key
//! pair, a signed file, and an office that refuses every file it should (no key, altered,
//! another key's, not newer, not a table, not a kind it takes, not an administrator) and
//! loads the right one — after which the header's warning goes and deadlines use it.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::path::Path;

use app::AppError;
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::problem::{ErrorCode, Problem};
use app::reference_update::{self as reference, Payload, UpdateError};
use app::users::{self, NewClerk};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

const PASSWORD: &str = "admin-password-1";

/// A made-up 2027 table for the test; NOT the State Council's 2027 arrangement.
fn table_2027() -> serde_json::Value {
    serde_json::json!({"years": {"2027": {
        "source": "test fixture, not an official notice",
        "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"],
        "adjusted_working_days": []
    }}})
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, 2, 0, 0).single().unwrap()
}

fn set_up(dir: &Path) -> Office {
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() };
    let mut office =
        Office::set_up_with_options(dir, "330182-jiande-01", "admin", PASSWORD, at(1), options).unwrap();
    let clerk =
        NewClerk { username: "a", display_name: "受理员甲", roles: Roles::ACCEPT, password: PASSWORD };
    users::add_clerk(&mut office, &clerk, at(1)).unwrap();
    office
}

fn payload(serial: u64, content: serde_json::Value) -> Payload {
    Payload {
        kind: reference::HOLIDAYS.to_owned(),
        serial,
        issuer: "建德市公安局".to_owned(),
        issued_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        content,
    }
}

fn refused(result: Result<reference::LoadedUpdate, AppError>) -> UpdateError {
    match result {
        Err(AppError::ReferenceUpdate(error)) => error,
        other => panic!("expected a refused update, got {other:?}"),
    }
}

#[test]
fn an_office_loads_only_a_newer_holiday_table_signed_with_the_key_it_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up(dir.path());
    let (secret, public) = reference::generate_key().unwrap();
    let file = reference::sign(&secret, &payload(2026120101, table_2027())).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let warning = app::sync::header_status(&office, today).unwrap().holiday_warning;
    assert!(warning.is_some_and(|warning| warning.contains("2027")), "December without next year's table");

    // No key yet: nothing can be checked.
    let error = refused(reference::load(&mut office, &file, at(2)));
    assert_eq!(error, UpdateError::KeyMissing);
    let problem = Problem::of(&AppError::ReferenceUpdate(error));
    assert_eq!(problem.code, ErrorCode::ReferenceKeyMissing);
    assert!(problem.message.contains("公钥"), "{}", problem.message);

    let set = reference::set_key(&mut office, &reference::hex(&public), false, at(2)).unwrap();
    assert!(set.changed);

    // Altered: one date changed inside the signed bytes.
    let mut envelope: serde_json::Value = serde_json::from_str(&file).unwrap();
    let signed = envelope["signed"].as_str().unwrap().to_owned();
    let mut bytes = base64_decode(&signed);
    let position = bytes.windows(10).position(|w| w == b"2027-01-03").unwrap();
    bytes[position + 9] = b'4';
    envelope["signed"] = serde_json::Value::String(base64_encode(&bytes));
    assert_eq!(
        refused(reference::load(&mut office, &envelope.to_string(), at(2))),
        UpdateError::SignatureInvalid
    );
    // Signed with another key.
    let (other_secret, _) = reference::generate_key().unwrap();
    let other = reference::sign(&other_secret, &payload(2026120101, table_2027())).unwrap();
    assert_eq!(refused(reference::load(&mut office, &other, at(2))), UpdateError::SignatureInvalid);
    // Not an update file at all.
    assert!(matches!(
        refused(reference::load(&mut office, "{\"years\": {}}", at(2))),
        UpdateError::Unreadable(_)
    ));
    // A kind the program does not take from a file.
    let mut divisions = payload(2026120101, table_2027());
    divisions.kind = "divisions".to_owned();
    let divisions = reference::sign(&secret, &divisions).unwrap();
    assert_eq!(
        refused(reference::load(&mut office, &divisions, at(2))),
        UpdateError::KindUnsupported("divisions".to_owned())
    );
    // Properly signed, but not a holiday table.
    let broken = serde_json::json!({"years": {"2027": {"source": "x", "holidays": ["2027-02-30"], "adjusted_working_days": []}}});
    let broken = reference::sign(&secret, &payload(2026120102, broken)).unwrap();
    assert!(matches!(
        refused(reference::load(&mut office, &broken, at(2))),
        UpdateError::ContentInvalid { .. }
    ));
    // A counter clerk may not load one.
    office.login("a", PASSWORD, at(2)).unwrap();
    assert!(matches!(
        reference::load(&mut office, &file, at(2)),
        Err(AppError::Store(_) | AppError::RoleMissing { .. })
    ));
    office.login("admin", PASSWORD, at(2)).unwrap();
    assert_eq!(reference::status(&office).unwrap().holidays, None, "nothing refused was kept");

    let rows = app::audit::verify(&office).unwrap().rows;
    let loaded = reference::load(&mut office, &file, at(3)).unwrap();
    assert_eq!(app::audit::verify(&office).unwrap().rows, rows + 1, "the load is audited");
    assert_eq!((loaded.serial, loaded.years.as_slice()), (2026120101, &[2027][..]));
    let status = reference::status(&office).unwrap();
    assert!(status.holiday_years.contains(&2026) && status.holiday_years.contains(&2027), "{status:?}");
    assert_eq!(status.key.unwrap().hex, reference::hex(&public));
    assert_eq!(app::sync::header_status(&office, today).unwrap().holiday_warning, None, "the warning goes");

    // The same file again, or an older one: refused, the loaded one stays.
    assert_eq!(
        refused(reference::load(&mut office, &file, at(4))),
        UpdateError::NotNewer { loaded: 2026120101, given: 2026120101 }
    );
    let older = reference::sign(&secret, &payload(2026110101, table_2027())).unwrap();
    assert!(matches!(refused(reference::load(&mut office, &older, at(4))), UpdateError::NotNewer { .. }));
    assert_eq!(app::audit::verify(&office).unwrap().rows, rows + 1, "a refusal changes nothing");

    // Kept in the encrypted store: a new session on the same files still has it.
    office.close().unwrap();
    let office = Office::open(dir.path(), "admin", PASSWORD, at(5)).unwrap();
    let status = reference::status(&office).unwrap();
    assert_eq!(status.holidays.map(|update| update.serial), Some(2026120101));
    assert!(app::audit::verify(&office).unwrap().is_intact());
}

#[test]
fn a_case_accepted_on_new_years_eve_counts_the_loaded_holidays() {
    let before = app::deadline::due_date(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), 2, &[]).unwrap();
    assert_eq!(before.estimated_years, vec![2027], "without the table the count is an estimate");
    let table = table_2027().to_string();
    let after =
        app::deadline::due_date(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), 2, &[&table]).unwrap();
    assert!(after.estimated_years.is_empty());
    assert_eq!(after.due, NaiveDate::from_ymd_opt(2027, 1, 5).unwrap(), "1–3 January are days off");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A shipped profile file as JSON, to make an update's content from.
fn shipped_profile(file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/profiles").join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A county bureau's profiles update: Jiande's revised document replaces the program's
/// own, and a county the program does not ship (义乌市, made up from Jiande's rules for the
/// test) is added; then the office applies both — in its list, in an assessment, in the
/// default profile — while the office-less command line keeps the shipped ones. Updates
/// that name a county twice, a place outside Zhejiang, or are not newer are refused.
#[test]
fn a_signed_profiles_update_replaces_and_adds_county_profiles_in_the_office() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = set_up(dir.path());
    let details = app::office::OfficeDetails {
        county_code: "330782".to_owned(),
        station: "01".to_owned(),
        name: "义乌市公安局稠城派出所".to_owned(),
        address: String::new(),
        phone: String::new(),
    };
    office.set_details(&details, at(1)).unwrap();
    let (secret, public) = reference::generate_key().unwrap();
    reference::set_key(&mut office, &reference::hex(&public), false, at(2)).unwrap();
    assert_eq!(
        app::assess::office_profile(&office).unwrap().county.code,
        "330000",
        "no Yiwu profile shipped"
    );

    let mut jiande = shipped_profile("330182-jiande.json");
    jiande["document"]["number"] = serde_json::json!("建政办函〔2026〕99号");
    let mut yiwu = shipped_profile("330182-jiande.json");
    yiwu["county"] = serde_json::json!({"code": "330782", "name": "义乌市"});
    yiwu["aliases"] = serde_json::json!(["义乌", "yiwu"]);
    yiwu["document"]["number"] = serde_json::json!("义政办发〔2026〕1号（测试用）");
    let update = |serial: u64, profiles: Vec<serde_json::Value>| {
        let payload = Payload {
            kind: reference::PROFILES.to_owned(),
            content: serde_json::json!({ "profiles": profiles }),
            ..payload(serial, serde_json::Value::Null)
        };
        reference::sign(&secret, &payload).unwrap()
    };

    // Refused: a county twice, a place outside Zhejiang, a kind the program does not take.
    let twice = update(2026120201, vec![jiande.clone(), jiande.clone()]);
    assert!(matches!(
        refused(reference::load(&mut office, &twice, at(3))),
        UpdateError::ContentInvalid { ref kind, .. } if kind == reference::PROFILES
    ));
    let mut beijing = yiwu.clone();
    beijing["county"] = serde_json::json!({"code": "110101", "name": "东城区"});
    let outside = update(2026120201, vec![beijing]);
    let error = refused(reference::load(&mut office, &outside, at(3)));
    assert!(Problem::of(&AppError::ReferenceUpdate(error)).message.contains("政策文件"));
    let divisions =
        reference::sign(&secret, &Payload { kind: "divisions".to_owned(), ..payload(1, table_2027()) });
    assert!(matches!(
        refused(reference::load(&mut office, &divisions.unwrap(), at(3))),
        UpdateError::KindUnsupported(_)
    ));
    assert!(reference::status(&office).unwrap().profiles.is_none(), "nothing was kept");

    let loaded = reference::load(&mut office, &update(2026120201, vec![jiande, yiwu]), at(4)).unwrap();
    assert_eq!(loaded.kind, "profiles");
    assert_eq!(
        loaded.profiles,
        ["330182 建德市 建政办函〔2026〕99号", "330782 义乌市 义政办发〔2026〕1号（测试用）"]
    );
    let listed: Vec<String> =
        app::intake::list_profiles(&office).unwrap().into_iter().map(|summary| summary.county).collect();
    assert_eq!(listed, ["330000", "330105", "330182", "330424", "330782", "331121"]);
    assert_eq!(app::assess::profile_in_office(&office, "yiwu").unwrap().county.name, "义乌市");
    assert_eq!(
        app::assess::profile_in_office(&office, "330182").unwrap().document.number,
        "建政办函〔2026〕99号"
    );
    assert_eq!(
        app::assess::office_profile(&office).unwrap().county.code,
        "330782",
        "the office's own county now"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/application-complete.json");
    let record = app::assess::parse_record(&std::fs::read_to_string(path).unwrap()).unwrap();
    let report = app::assess::assess_in_office(
        &office,
        &record,
        "330782",
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
    )
    .unwrap();
    assert_eq!(report.profile.county, "330782");
    // Outside any office, the command line's assessments use what the program ships.
    assert!(app::assess::find_profile("330782").is_err());
    assert_eq!(app::assess::find_profile("330182").unwrap().document.number, "建政办函〔2024〕18号");

    // The same serial again is not newer; the holiday table's serials are its own.
    let again = update(2026120201, vec![shipped_profile("330182-jiande.json")]);
    assert!(matches!(refused(reference::load(&mut office, &again, at(5))), UpdateError::NotNewer { .. }));
    let holidays = reference::sign(&secret, &payload(1, table_2027())).unwrap();
    assert_eq!(reference::load(&mut office, &holidays, at(5)).unwrap().kind, "holidays");
    let status = reference::status(&office).unwrap();
    assert_eq!(
        (status.profiles.map(|p| p.serial), status.holidays.map(|h| h.serial)),
        (Some(2026120201), Some(1))
    );
}
