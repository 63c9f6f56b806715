//! `permitctl setup`, `audit verify`, `export-person`, `backup` and `restore`, run as an
//! operator would run them, on real store directories. The password comes from
//! `PERMITCTL_PASSWORD` or stdin, never from a flag.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

const PASSWORD: &str = "admin-password-1";

/// How the password reaches permitctl.
enum Password<'a> {
    Env(&'a str),
    Stdin(&'a str),
    None,
}

fn permitctl(args: &[&str], password: Password<'_>) -> (i32, serde_json::Value) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_permitctl"));
    command.args(args).env_remove("PERMITCTL_PASSWORD").stdin(Stdio::piped()).stdout(Stdio::piped());
    if let Password::Env(password) = password {
        command.env("PERMITCTL_PASSWORD", password);
    }
    let mut child = command.spawn().expect("run permitctl");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Password::Stdin(password) = password {
        writeln!(stdin, "{password}").expect("write password");
    }
    drop(stdin);
    let output = child.wait_with_output().expect("permitctl finishes");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("permitctl {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    });
    (output.status.code().unwrap_or(-1), json)
}

/// A directory in the temp directory, unique to this test, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("permitctl-office-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn join(&self, name: &str) -> String {
        self.0.join(name).to_str().expect("utf-8 temp path").to_owned()
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn set_up(dir: &str, office_id: &str) {
    let (code, json) = permitctl(
        &["setup", "--data-dir", dir, "--user", "admin", "--office-id", office_id],
        Password::Env(PASSWORD),
    );
    assert_eq!(code, 0, "setup: {json:#}");
    assert_eq!(json["office_id"], office_id);
}

fn assert_error(code: i32, json: &serde_json::Value, exit_code: i32, error_code: &str, why: &str) {
    assert_eq!(code, exit_code, "{why}: {json:#}");
    assert_eq!(json["error"]["code"], error_code, "{why}: {json:#}");
}

#[test]
fn setup_verify_export_backup_and_restore() {
    let root = TempDir::new("story");
    let office = root.join("office");
    set_up(&office, "330182-jiande-01");
    let (code, json) = permitctl(
        &["setup", "--data-dir", &office, "--user", "admin", "--office-id", "330182-jiande-01"],
        Password::Env(PASSWORD),
    );
    assert_error(code, &json, 1, "OFFICE_ALREADY_SET_UP", "a second set-up never overwrites");

    let verify = ["audit", "verify", "--data-dir", &office, "--user", "admin"];
    let (code, json) = permitctl(&verify, Password::Stdin("wrong-password"));
    assert_error(code, &json, 1, "WRONG_PASSWORD", "a wrong password read from stdin");
    let (code, json) = permitctl(&verify, Password::None);
    assert_error(code, &json, 2, "PASSWORD_MISSING", "no password at all");
    let (code, json) = permitctl(&verify, Password::Stdin(PASSWORD));
    assert_eq!(code, 0, "verify: {json:#}");
    assert_eq!(json["intact"], true);
    assert_eq!(json["state_seal"], serde_json::json!({ "intact": true, "problem": null }), "{json:#}");
    assert!(json["rows"].as_u64().is_some_and(|rows| rows >= 4), "set-up and log-ins are audited: {json:#}");

    let archive = root.join("person.html");
    let (code, json) = permitctl(
        &["export-person", "341203199003071219", "-o", &archive, "--data-dir", &office, "--user", "admin"],
        Password::Env(PASSWORD),
    );
    assert_error(code, &json, 1, "PERSON_NOT_FOUND", "nobody with this ID number has a case yet");
    assert!(!json.to_string().contains("341203199003071219"), "the ID number is not echoed");

    let backup = root.join("office.backup");
    let (code, json) = permitctl(
        &["backup", "-o", &backup, "--data-dir", &office, "--user", "admin"],
        Password::Env(PASSWORD),
    );
    assert_eq!(code, 0, "backup: {json:#}");
    assert_eq!(json["office_id"], "330182-jiande-01");

    let restored = root.join("restored");
    let (code, json) =
        permitctl(&["restore", &backup, "--data-dir", &restored, "--user", "admin"], Password::Env(PASSWORD));
    assert_eq!(code, 0, "restore into an empty directory: {json:#}");
    assert_eq!(json["rekey"], serde_json::Value::Null, "nobody revoked since: no re-key owed");
    let (code, json) =
        permitctl(&["audit", "verify", "--data-dir", &restored, "--user", "admin"], Password::Env(PASSWORD));
    assert_eq!((code, &json["intact"]), (0, &serde_json::json!(true)), "restored trail verifies: {json:#}");

    let other = root.join("other");
    set_up(&other, "330424-haiyan-01");
    let restore_other = ["restore", &backup, "--data-dir", &other, "--user", "admin"];
    let (code, json) = permitctl(&restore_other, Password::Env(PASSWORD));
    assert_error(code, &json, 1, "BACKUP_OTHER_OFFICE", "another office's backup needs confirmation");
    let (code, json) = permitctl(
        &["restore", &backup, "--data-dir", &other, "--user", "admin", "--force-other-office"],
        Password::Env(PASSWORD),
    );
    assert_eq!(code, 0, "confirmed restore: {json:#}");
    assert_eq!(json["forced_other_office"], true);
    assert!(
        std::fs::read_dir(root.path().join("other")).expect("list").any(|entry| entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .contains("before-restore")),
        "the replaced store is set aside"
    );
}

#[test]
fn the_slip_key_is_the_offices_and_survives_backup_and_restore() {
    let root = TempDir::new("slip-key");
    let office = root.join("office");
    set_up(&office, "330182-jiande-01");
    let slip_key =
        |dir: &str| permitctl(&["slip-key", "--data-dir", dir, "--user", "admin"], Password::Env(PASSWORD));
    let (code, first) = slip_key(&office);
    assert_eq!(code, 0, "slip-key: {first:#}");
    let public_key = first["public_key"].as_str().expect("hex").to_owned();
    assert_eq!(public_key.len(), 64);
    assert!(public_key.starts_with(first["key_id"].as_str().expect("id")));
    assert_eq!(slip_key(&office).1, first, "created once, then the same");

    let backup = root.join("office.backup");
    let (code, json) = permitctl(
        &["backup", "-o", &backup, "--data-dir", &office, "--user", "admin"],
        Password::Env(PASSWORD),
    );
    assert_eq!(code, 0, "backup: {json:#}");
    let restored = root.join("restored");
    let (code, json) =
        permitctl(&["restore", &backup, "--data-dir", &restored, "--user", "admin"], Password::Env(PASSWORD));
    assert_eq!(code, 0, "restore: {json:#}");
    assert_eq!(slip_key(&restored).1, first, "slips printed before a restore still verify after it");

    // A payload that is no slip is refused against the office key (exit 1, not a crash).
    let (code, json) = permitctl(
        &["verify-slip", "--payload", "PDSLIP1|garbage", "--public-key", &public_key],
        Password::None,
    );
    assert_eq!((code, &json["valid"]), (1, &serde_json::json!(false)), "{json:#}");
}

#[test]
fn setup_with_the_offices_details_checks_them_first_and_names_the_office_by_them() {
    let root = TempDir::new("details");
    let office = root.join("office");
    let setup = |station: &str| {
        permitctl(
            &[
                "setup",
                "--data-dir",
                &office,
                "--user",
                "admin",
                "--county",
                "330182",
                "--station",
                station,
                "--name",
                "建德市公安局新安江派出所",
                "--address",
                "建德市新安江街道严州大道1号",
                "--phone",
                "0571-64712345",
            ],
            Password::Env(PASSWORD),
        )
    };
    let (code, json) = setup("1x");
    assert_error(code, &json, 1, "VALIDATION", "a station that is not two digits");
    assert_eq!(json["error"]["fields"][0]["field"], "station", "{json:#}");
    assert!(
        std::fs::read_dir(&office).map_or(true, |mut entries| entries.next().is_none()),
        "nothing created"
    );

    let (code, json) = setup("01");
    assert_eq!(code, 0, "setup: {json:#}");
    assert_eq!(json["office_id"], "33018201-建德市公安局新安江派出所");
}

#[test]
fn a_support_bundle_is_written_for_the_administrator_with_the_logs_end() {
    let root = TempDir::new("support");
    let office = root.join("office");
    set_up(&office, "330182-jiande-01");
    let logs = root.join("logs");
    std::fs::create_dir_all(&logs).expect("log folder");
    std::fs::write(format!("{logs}/permit-desk.log"), "INFO 启动\nWARN 341203199003071219\n").expect("log");
    let bundle = root.join("support.json");
    let (code, json) = permitctl(
        &["support-bundle", "-o", &bundle, "--data-dir", &office, "--user", "admin"],
        Password::Env(PASSWORD),
    );
    assert_eq!(code, 0, "support-bundle: {json:#}");
    let text = std::fs::read_to_string(&bundle).expect("the bundle");
    let written: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(written["office_id"], "330182-jiande-01");
    assert!(
        written["logs"][0]["text"].as_str().expect("text").contains("启动"),
        "the logs beside the data folder"
    );
    assert!(!text.contains("341203199003071219"), "no ID number, even from a log line");
}

/// `audit verify` reads every page too: a damaged page past the first is named (the page
/// and what it holds), exit 1; a database damaged at its first page does not open, exit 2,
/// and the message names what to do. The files are left as found.
#[test]
fn audit_verify_names_a_damaged_page_and_a_database_that_will_not_open() {
    let root = TempDir::new("damaged");
    let office = root.join("office");
    common::office_with_approved_cases(&root.path().join("office"), 20);
    let verify = ["audit", "verify", "--data-dir", &office, "--user", "admin"];
    let (code, json) = permitctl(&verify, Password::Env(PASSWORD));
    assert_eq!(code, 0, "whole: {json:#}");
    assert_eq!(json["database"], serde_json::json!({ "intact": true, "problems": [] }));

    let db = root.path().join("office").join("office.db");
    let intact = std::fs::read(&db).expect("the database");
    let pages = intact.len() / 4096;
    assert!(pages > 16, "several pages: {pages}");
    // A page the log-in itself does not read (the users, the key, the audit's last page it
    // appends to would stop the open): from the middle of the file on, the first whose
    // damage lets the office open.
    let mut found = None;
    for page in (pages / 2..pages).take(12) {
        let mut bytes = intact.clone();
        for byte in &mut bytes[page * 4096 + 100..page * 4096 + 140] {
            *byte ^= 0xff;
        }
        std::fs::write(&db, &bytes).expect("damaged");
        let (code, json) = permitctl(&verify, Password::Env(PASSWORD));
        if code == 1 {
            found = Some((page + 1, json, bytes));
            break;
        }
        assert_error(code, &json, 2, "DATABASE_DAMAGED", "a page the log-in reads");
    }
    let (page, json, mut bytes) = found.expect("a damaged page past the log-in's");
    assert_eq!(json["database"]["intact"], false, "{json:#}");
    let said = json["database"]["problems"].to_string();
    assert!(
        said.contains(&format!("page {page}")) || said.contains(&format!("pgno={page}")),
        "names page {page}: {said}"
    );
    // The log-in and the check are audited (written), the damaged page is not touched.
    let after = std::fs::read(&db).expect("kept");
    let range = (page - 1) * 4096..page * 4096;
    assert!(after[range.clone()] == bytes[range], "the damaged page is left as found");

    bytes[100..612].fill(0xa5);
    std::fs::write(&db, &bytes).expect("damaged at the first page");
    let (code, json) = permitctl(&verify, Password::Env(PASSWORD));
    assert_error(code, &json, 2, "DATABASE_DAMAGED", "a first page damaged");
    assert!(std::fs::read(&db).expect("kept") == bytes, "left as found");
}

#[test]
fn a_restore_waits_until_no_other_program_has_the_office_open() {
    let root = TempDir::new("in-use");
    let office = root.join("office");
    set_up(&office, "330182-jiande-01");
    let backup = root.join("office.backup");
    let (code, json) = permitctl(
        &["backup", "-o", &backup, "--data-dir", &office, "--user", "admin"],
        Password::Env(PASSWORD),
    );
    assert_eq!(code, 0, "backup: {json:#}");

    // Another program (this test's process, as the window would) has the office open.
    let (window, _) = store::Store::open(Path::new(&office), "admin", PASSWORD, chrono::Utc::now())
        .expect("open the office");
    let (code, json) =
        permitctl(&["audit", "verify", "--data-dir", &office, "--user", "admin"], Password::Env(PASSWORD));
    assert_eq!(code, 0, "reading beside another program is fine: {json:#}");
    let restore = ["restore", &backup, "--data-dir", &office, "--user", "admin"];
    let (code, json) = permitctl(&restore, Password::Env(PASSWORD));
    assert_error(code, &json, 1, "OFFICE_OPEN_ELSEWHERE", "the window still has the office open");
    assert!(json.to_string().contains("先关闭"), "said in Chinese: {json:#}");
    let set_aside = || {
        std::fs::read_dir(Path::new(&office))
            .expect("list")
            .filter(|entry| {
                entry.as_ref().expect("entry").file_name().to_string_lossy().contains("before-restore")
            })
            .count()
    };
    assert_eq!(set_aside(), 0, "nothing was set aside or replaced");

    window.close().expect("close");
    let (code, json) = permitctl(&restore, Password::Env(PASSWORD));
    assert_eq!(code, 0, "once the other program closed it: {json:#}");
    assert!(set_aside() > 0, "the replaced store is set aside");
}
