//! Shared fixtures: temporary store directories, fixed instants, sample records.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use store::{CaseIndex, KdfParams, LockoutPolicy, NewUser, Roles, Session, Store, StoreOptions};
use tempfile::TempDir;

/// Password of the administrator created by [`new_store`].
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// Password of every clerk created by [`add_clerk`].
pub const CLERK_PASSWORD: &str = "clerk-password-1";
/// Office id of every test store.
pub const OFFICE: &str = "330424-test";

/// Fast Argon2id so that each log-in takes milliseconds; real stores use the default.
pub fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// 2026-03-02 09:00 in Zhejiang (01:00 UTC) plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().expect("valid instant") + Duration::minutes(minutes)
}

/// A date in March 2026.
pub fn march(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).expect("valid date")
}

/// A fresh store in a temporary directory, with the administrator logged in.
pub fn new_store() -> (TempDir, Store, Session) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (store, admin) =
        Store::create_with_options(dir.path(), OFFICE, "admin", ADMIN_PASSWORD, at(0), options())
            .expect("create store");
    (dir, store, admin)
}

/// Creates a clerk with `roles` and logs them in.
pub fn add_clerk(store: &mut Store, admin: &Session, username: &str, roles: Roles) -> Session {
    store
        .add_user(
            admin,
            &NewUser { username, display_name: username, roles, password: CLERK_PASSWORD },
            at(1),
        )
        .expect("add clerk");
    store.login(username, CLERK_PASSWORD, at(2)).expect("clerk logs in")
}

/// A realistic Annex 1 record and its index, for applicant number `n`.
pub fn sample_case(n: u32) -> (Value, CaseIndex) {
    let id_number = format!("3301021990{:02}{:02}{:03}X", 1 + n % 12, 1 + n % 28, n % 1000);
    let name = format!("测试人{n}");
    let phone = format!("138{:08}", n);
    let record = json!({
        "applicant": {
            "name": name,
            "id_number": id_number,
            "gender": "male",
            "ethnic_group": "01",
            "phone": phone,
        },
        "household_registration": { "province": "33", "county": "330102", "address": format!("杭州市上城区清波街道{n}号") },
        "current_address": format!("嘉兴市海盐县武原街道测试路{n}号"),
        "recognition_type": "ExistingPermit",
        "evidence": { "employment": ["labour_contract"], "residence": [], "study": [] },
    });
    let index = CaseIndex {
        application_number: None,
        id_number: Some(id_number),
        name: Some(name),
        phone: Some(phone),
        birth_date: NaiveDate::from_ymd_opt(1990, 1 + n % 12, 1 + n % 28),
        slip_required: false,
    };
    (record, index)
}

/// SplitMix64, seeded: the kill moments of a failing crash run can be replayed.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next number of the sequence.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A crash harness's child: this test binary re-executed to run only `test_name`, with
/// `env` set to `dir`; its stdout lines arrive on the receiver (read by a thread), its
/// stderr on the returned thread's text.
pub struct Child {
    /// The process, to kill or wait for.
    pub process: std::process::Child,
    /// Its stdout, line by line.
    pub lines: std::sync::mpsc::Receiver<String>,
    /// The thread reading stdout (joins when the child's stdout closes).
    pub reader: std::thread::JoinHandle<()>,
    /// The thread reading stderr, with its text (taken when a failure reports it).
    pub stderr: Option<std::thread::JoinHandle<String>>,
}

impl Child {
    /// Starts the child.
    pub fn start(test_name: &str, env: &str, dir: &std::path::Path, extra: &[(&str, String)]) -> Child {
        use std::io::BufRead;
        let mut command = std::process::Command::new(std::env::current_exe().expect("test binary path"));
        command
            .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
            .env(env, dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (name, value) in extra {
            command.env(name, value);
        }
        let mut process = command.spawn().expect("spawn child");
        let mut stderr = process.stderr.take().expect("child stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        let stdout = process.stdout.take().expect("child stdout");
        let (sender, lines) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Child { process, lines, reader, stderr: Some(stderr) }
    }

    /// Waits (a minute at most) for the line `ready`; kills the child and fails the test
    /// with its stderr if it never comes.
    pub fn wait_for(&mut self, ready: &str) {
        assert!(self.wait_for_or_death(ready, false), "unreachable: the child's death fails the test");
    }

    /// As [`Child::wait_for`], but a child that died before saying `ready` (an aimed kill
    /// may land while it opens the store) returns false when `may_die`.
    pub fn wait_for_or_death(&mut self, ready: &str, may_die: bool) -> bool {
        loop {
            match self.lines.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(line) if line == ready => return true,
                Ok(_) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) if may_die => return false,
                Err(error) => {
                    let _ = self.process.kill();
                    let _ = self.process.wait();
                    let stderr = self.stderr.take().and_then(|thread| thread.join().ok()).unwrap_or_default();
                    panic!("the child never printed {ready:?} ({error}); its stderr:\n{stderr}");
                }
            }
        }
    }
}
