//! [`Office`]: the context every stored use case runs in, an unlocked office store plus
//! the clerk logged in at the counter.
//!
//! One `Office` per running program (the shell keeps it in a `Mutex` in its state).
//! Opening unlocks the store with a clerk's password; after [`Office::lock`] (idle lock)
//! or [`Office::logout`] the store stays unlocked in memory but no use case runs until a
//! clerk logs in again with [`Office::login`]. Every instant is an argument: the shell
//! passes `app::clock::now()`, tests pass fixed times.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
pub use store::{
    KdfParams, LockoutPolicy, OfficeDetails, PrintSettings, Rekeyed, Roles, SchemaUpgrade,
    ServerSlotAfterRekey, Session, StoreOptions, UserId,
};
use store::{StateSealInterrupt, StateSealProblem, Store, User};

use crate::AppError;

/// Every problem of the office's details, as field issues with Chinese sentences
/// (`AppError::Validation`), before anything is written.
pub fn check_details(details: &OfficeDetails) -> Result<(), AppError> {
    use domain::FieldIssue;
    let mut issues = Vec::new();
    if crate::reference::check_county(&details.county_code).is_err() {
        issues.push(FieldIssue::new(
            "county_code",
            "OFFICE_COUNTY_INVALID",
            "请从行政区划中选择本办理点所在的浙江省县（市、区）。",
        ));
    }
    let station = details.station.as_str();
    if station.len() != 2 || !station.bytes().all(|b| b.is_ascii_digit()) || station == "00" {
        issues.push(FieldIssue::new(
            "station",
            "OFFICE_STATION_INVALID",
            "办理点编号应为01至99的两位数字，由县（市、区）公安局统一编排，同一县内不得重复。",
        ));
    }
    if details.name.trim().is_empty() {
        issues.push(FieldIssue::new(
            "name",
            "OFFICE_NAME_MISSING",
            "请填写办理点名称（打印在告知书和回执上）。",
        ));
    }
    if issues.is_empty() { Ok(()) } else { Err(AppError::Validation(issues)) }
}

/// The problems of the print settings, as field issues (`AppError::Validation`).
pub fn check_print_settings(settings: &PrintSettings) -> Result<(), AppError> {
    if settings.problems().is_empty() {
        return Ok(());
    }
    Err(AppError::Validation(vec![domain::FieldIssue::new(
        "printer",
        "PRINTER_NAME_INVALID",
        "打印机名称无效：请从列表中选择一台打印机，或选择“系统默认打印机”。",
    )]))
}

/// The file that held the office's printed details before they were kept in the store
/// (`office.json` in the data directory: county code, name, address, phone). It is read
/// only to fill the administrator's 办理点信息 page once ([`legacy_details`]); saving the
/// details there retires it ([`retire_legacy_file`]).
pub const LEGACY_OFFICE_FILE: &str = "office.json";

/// The details an old `office.json` in `data_dir` held, to prefill the office page of an
/// office whose details were never set: county, name, address and phone (the file had no
/// station number; the administrator adds it). `None` when there is no such file or it
/// cannot be read as one.
pub fn legacy_details(data_dir: &Path) -> Option<OfficeDetails> {
    let text = std::fs::read_to_string(data_dir.join(LEGACY_OFFICE_FILE)).ok()?;
    let info = print::OfficeInfo::from_json(LEGACY_OFFICE_FILE, &text).ok()?;
    Some(OfficeDetails {
        county_code: info.county_code,
        station: String::new(),
        name: info.name,
        address: info.address,
        phone: info.phone,
    })
}

/// Renames an old `office.json` to `office.json.migrated` once its details are in the
/// store, so it is never read again (kept, not deleted: it is the office's own file).
pub fn retire_legacy_file(data_dir: &Path) -> Result<(), AppError> {
    let file = data_dir.join(LEGACY_OFFICE_FILE);
    if !file.exists() {
        return Ok(());
    }
    std::fs::rename(&file, data_dir.join(format!("{LEGACY_OFFICE_FILE}.migrated")))
        .map_err(AppError::io(LEGACY_OFFICE_FILE))
}

/// What the first-run screen asks for.
#[derive(Debug, Clone, Copy)]
pub struct FirstRun<'a> {
    /// The office: county chosen from the division list, station number given by the
    /// county bureau, name, address and phone printed on its documents.
    pub details: &'a OfficeDetails,
    /// The first administrator's user name.
    pub username: &'a str,
    /// Their password.
    pub password: &'a str,
    /// Counter roles the administrator also holds (a one-person office).
    pub extra_roles: Roles,
    /// How the office prints: the slip's large-print default and the printer.
    pub print: &'a PrintSettings,
}

/// An opened office store and the clerk logged in, if any.
#[derive(Debug)]
pub struct Office {
    pub(crate) store: Store,
    session: Option<Session>,
    /// The last clock comparison with the platform (kept in memory: it is only true now).
    pub(crate) clock_check: Option<crate::sync::ClockCheck>,
    /// What the check of the audit chain at the last log-in found wrong (Chinese), shown
    /// in every clerk's header until a check finds the chain whole again.
    audit_warning: Option<String>,
    /// The first bad row that check found: reported to the platform with the next push.
    audit_broken_at: Option<i64>,
    /// The state seal's check: what the last one found, and the one running in the
    /// background since the last log-in.
    state_seal: StateSealWatch,
}

/// The state seal's checks for an open office (issue 18): the one started at each log-in
/// runs in a thread of its own (it reads every sealed row: 0.15 s at 20,000 cases, seconds
/// at a million — BENCHMARKS.md), the one before a sync or an export runs where it is
/// called; both report here.
#[derive(Debug, Default)]
struct StateSealWatch {
    /// The finding of the latest check to finish, by when it started.
    found: Arc<Mutex<SealFinding>>,
    /// Numbers the checks in the order they start.
    started: u64,
    /// The check started at the last log-in, until it is waited for or stopped.
    running: Option<(std::thread::JoinHandle<()>, StateSealInterrupt)>,
}

/// What the latest-started check that has finished found, and the audit chain's head when
/// it started.
#[derive(Debug, Default)]
struct SealFinding {
    check: u64,
    found: Option<(StateSealProblem, i64)>,
}

impl SealFinding {
    /// Keeps `found` unless a check that started later has already reported: a slow check
    /// at log-in, reading an older snapshot, never overwrites what a sync's check found
    /// since.
    fn record(slot: &Mutex<SealFinding>, check: u64, found: Option<StateSealProblem>, head: i64) {
        if let Some(problem) = found {
            tracing::warn!(?problem, head, "state seal broken");
        }
        let mut finding = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if check >= finding.check {
            *finding = SealFinding { check, found: found.map(|problem| (problem, head)) };
        }
    }
}

impl StateSealWatch {
    fn stop(&mut self) {
        if let Some((thread, interrupt)) = self.running.take() {
            interrupt.interrupt();
            let _ = thread.join();
        }
    }

    /// The number of a check starting now.
    fn next_check(&mut self) -> u64 {
        self.started += 1;
        self.started
    }

    fn found(&self) -> Option<(StateSealProblem, i64)> {
        self.found.lock().unwrap_or_else(std::sync::PoisonError::into_inner).found
    }
}

impl Drop for StateSealWatch {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A state seal check to run where the caller chooses: the checker with its own
/// connection, its number, and the audit chain's head as it started.
#[derive(Debug)]
pub(crate) struct SealCheck {
    pub(crate) checker: store::StateSealChecker,
    pub(crate) check: u64,
    pub(crate) head: i64,
}

/// What every clerk's header says while the state seal is broken.
const STATE_SEAL_WARNING: &str = "本机数据核验未通过：人员、案件、流转记录、待发送队列或签名密钥被绕过本程序改动过，与审计记录不符。请立即报告管理员并联系技术支持；在查明之前，本机数据不能作为依据。";

impl Office {
    /// True when `dir` holds an office (database or key slots): show the log-in screen;
    /// otherwise show first-run set-up.
    pub fn exists(dir: &Path) -> bool {
        Store::exists(dir)
    }

    /// Makes the office's data folders (`folders`, outermost first) where they are missing,
    /// before anything else looks at them: a folder that cannot be made (a disk not
    /// mounted, read-only or full, no permission, a file in its place) is refused with the
    /// folder and the reason, for the window to say so and retry instead of exiting.
    ///
    /// The folders hold personal data (the database, key slots, scans, logs): they are
    /// made readable by their owner only (0700), and one found open to others is closed.
    pub fn prepare_folders(folders: &[&Path]) -> Result<(), AppError> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        for folder in folders {
            let unusable = |source| AppError::DataFolderUnusable { folder: folder.to_path_buf(), source };
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(folder).map_err(unusable)?;
            let mode = std::fs::metadata(folder).map_err(unusable)?.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(folder, std::fs::Permissions::from_mode(mode & 0o700))
                    .map_err(unusable)?;
            }
        }
        Ok(())
    }

    /// First-run set-up: creates the encrypted office database in `dir` with its first
    /// administrator, logged in. Refuses if a store is already there.
    pub fn set_up(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        now: DateTime<Utc>,
    ) -> Result<Office, AppError> {
        Office::set_up_with_options(
            dir,
            office_id,
            admin_username,
            admin_password,
            now,
            StoreOptions::default(),
        )
    }

    /// [`Office::set_up`] with explicit store options (tests use fast key derivation).
    pub fn set_up_with_options(
        dir: &Path,
        office_id: &str,
        admin_username: &str,
        admin_password: &str,
        now: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<Office, AppError> {
        let (store, session) =
            Store::create_with_options(dir, office_id, admin_username, admin_password, now, options)?;
        Office::opened(store, session)
    }

    /// The office just opened (or set up) with `session` logged in: its audit chain
    /// checked, as at every log-in.
    fn opened(store: Store, session: Session) -> Result<Office, AppError> {
        Office::opened_as(store, Some(session))
    }

    fn opened_as(store: Store, session: Option<Session>) -> Result<Office, AppError> {
        let mut office = Office {
            store,
            session,
            clock_check: None,
            audit_warning: None,
            audit_broken_at: None,
            state_seal: StateSealWatch::default(),
        };
        office.check_audit_chain()?;
        Ok(office)
    }

    /// Checks the audit chain since the last check (issue 18), at every log-in: what a
    /// clerk's work wrote since is read again, so a row changed or removed by hand is
    /// found by the next clerk who logs in, not only when an administrator asks. Then
    /// starts the state seal's check in the background.
    fn check_audit_chain(&mut self) -> Result<(), AppError> {
        self.check_audit_chain_since_last()?;
        self.start_state_seal_check()
    }

    /// The audit chain from the last row a check found good to the head (at log-in, and
    /// before a sync's first push): a row changed by hand since is found before the
    /// platform hears of it, and reported with that push.
    pub(crate) fn check_audit_chain_since_last(&mut self) -> Result<(), AppError> {
        let report = self.store.audit_verify_since_last_check()?;
        self.audit_broken_at = report.first_bad_row;
        self.audit_warning = report.first_bad_row.map(|row| {
            format!(
                "审计记录核验未通过：第 {row} 条起的记录被改动或删除过。请立即报告管理员并联系技术支持（技术人员可用 permitctl audit verify 查明是哪些记录）；在查明之前，本机数据不能作为依据。"
            )
        });
        Ok(())
    }

    /// Starts the state seal's check (issue 18: the clerks, cases, state changes, queue,
    /// page records, ratings and clerk keys as the program's own writes left them) in a
    /// thread with its own connection, stopping one still running. A change made beside
    /// the program shows in every clerk's header once it is found, and the next push or
    /// export reports it to the platform.
    fn start_state_seal_check(&mut self) -> Result<(), AppError> {
        self.state_seal.stop();
        let SealCheck { checker, check, head } = self.state_seal_checker()?;
        let interrupt = checker.interrupt_handle();
        let slot = Arc::clone(&self.state_seal.found);
        let thread = std::thread::Builder::new()
            .name("state-seal-check".to_owned())
            .spawn(move || match checker.check() {
                Ok(found) => SealFinding::record(&slot, check, found, head),
                // Stopped (the office closed or a new log-in started another check), or
                // the file could not be read: the next check at a sync or log-in says.
                Err(error) => tracing::debug!(%error, "state seal check did not finish"),
            })
            .map_err(|error| AppError::Store(store::StoreError::Io(error)))?;
        self.state_seal.running = Some((thread, interrupt));
        Ok(())
    }

    /// Re-keys the store (`store::Store::rekey`): the state seal's check running beside it
    /// is stopped first (its connection is to the file being replaced) and started again on
    /// the new file; then the device's request-signing key is ordered replaced
    /// (`sync::order_device_key_change`), sent at the next sync.
    pub(crate) fn rekey_store(
        &mut self,
        session: &store::Session,
        now: chrono::DateTime<chrono::Utc>,
        past_generation: u32,
    ) -> Result<Rekeyed, AppError> {
        self.state_seal.stop();
        match self.store.rekey_past(session, now, past_generation) {
            Ok(rekeyed) => {
                self.start_state_seal_check()?;
                // The device's own key too: the revoked clerk's copy holds the old one.
                crate::sync::order_device_key_change(self, session, now)?;
                Ok(rekeyed)
            }
            Err(error) => {
                // The office is as it was (or, past the re-key's commit, must be opened
                // again): the check goes on if it can; the re-key's error is the answer.
                let _ = self.start_state_seal_check();
                Err(error.into())
            }
        }
    }

    /// Waits for the check started at log-in (tests).
    pub fn wait_for_state_seal_check(&mut self) {
        if let Some((thread, _)) = self.state_seal.running.take() {
            let _ = thread.join();
        }
    }

    /// The state seal's checker and its number, to run outside the office's lock (before
    /// a sync's first push), with the audit chain's head as it starts; its finding goes to
    /// [`Office::record_state_seal`].
    pub(crate) fn state_seal_checker(&mut self) -> Result<SealCheck, AppError> {
        let head = self.store.audit_head()?.map_or(0, |head| head.seq);
        Ok(SealCheck { checker: self.store.state_seal_checker()?, check: self.state_seal.next_check(), head })
    }

    /// Records what a state seal check found.
    pub(crate) fn record_state_seal(&mut self, check: u64, head: i64, found: Option<StateSealProblem>) {
        SealFinding::record(&self.state_seal.found, check, found, head);
    }

    /// Runs the state seal's check here and now (before an export).
    pub(crate) fn check_state_seal_now(&mut self) -> Result<(), AppError> {
        let SealCheck { checker, check, head } = self.state_seal_checker()?;
        let found = checker.check()?;
        self.record_state_seal(check, head, found);
        Ok(())
    }

    /// What every clerk's header says about the audit trail: a broken chain first, else a
    /// broken state seal.
    pub(crate) fn audit_warning(&self) -> Option<String> {
        self.audit_warning.clone().or_else(|| self.state_seal.found().map(|_| STATE_SEAL_WARNING.to_owned()))
    }

    /// The row reported to the platform as the start of a break: the chain's first bad
    /// row, or for a broken state seal the chain's head when it was found (the rows the
    /// chain vouches for no longer describe what is stored).
    pub(crate) fn audit_broken_at(&self) -> Option<i64> {
        let seal = self.state_seal.found().map(|(_, head)| head);
        match (self.audit_broken_at, seal) {
            (Some(row), Some(head)) => Some(row.min(head)),
            (row, head) => row.or(head),
        }
    }

    /// First-run set-up as the window does it: checks the office's details first (so a
    /// mistake creates nothing), creates the store with its administrator, stores the
    /// details (audited) and gives the administrator the counter roles of a one-person
    /// office (`extra_roles`, may be empty). Returns the office with the administrator
    /// logged in.
    pub fn first_run(
        dir: &Path,
        setup: &FirstRun<'_>,
        now: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<Office, AppError> {
        check_details(setup.details)?;
        check_print_settings(setup.print)?;
        let office_id = format!("{}-{}", setup.details.application_prefix(), setup.details.name.trim());
        let mut office =
            Office::set_up_with_options(dir, &office_id, setup.username, setup.password, now, options)?;
        let session = office.session()?.clone();
        office.store.set_office_details(&session, setup.details, now)?;
        office.store.set_print_settings(&session, setup.print, now)?;
        if !setup.extra_roles.is_empty() {
            let username = session.username().to_owned();
            crate::users::set_roles(&mut office, &username, setup.extra_roles | Roles::ADMIN, now)?;
            office.login(&username, setup.password, now)?;
        }
        Ok(office)
    }

    /// The office's details (county, station, name, address, phone), if set.
    pub fn details(&self) -> Result<Option<OfficeDetails>, AppError> {
        Ok(self.store.office_details()?)
    }

    /// Sets the office's details (管理员 only; audited with the old and new values).
    pub fn set_details(&mut self, details: &OfficeDetails, now: DateTime<Utc>) -> Result<(), AppError> {
        check_details(details)?;
        let session = self.session()?.clone();
        Ok(self.store.set_office_details(&session, details, now)?)
    }

    /// The office's print settings (the defaults when never set).
    pub fn print_settings(&self) -> Result<PrintSettings, AppError> {
        Ok(self.store.print_settings()?)
    }

    /// Changes the print settings (管理员 only; audited with the old and new values).
    pub fn set_print_settings(
        &mut self,
        settings: &PrintSettings,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        check_print_settings(settings)?;
        let session = self.session()?.clone();
        Ok(self.store.set_print_settings(&session, settings, now)?)
    }

    /// Records the date the published text of an undated draft profile took effect
    /// (管理员 only; audited). Refuses a profile that is not a draft or already dated.
    pub fn record_effective_date(
        &mut self,
        profile_query: &str,
        effective: chrono::NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<domain::profile::ProfileSummary, AppError> {
        let profile = crate::assess::profile_in_office(self, profile_query)?;
        if !profile.document.draft || profile.document.effective.is_some() {
            return Err(AppError::Store(store::StoreError::InvalidInput {
                what: "effective date",
                reason: "only an undated draft's effective date is recorded",
            }));
        }
        let session = self.session()?.clone();
        self.store.record_effective_date(
            &session,
            &profile.county.code,
            &profile.document.number,
            effective,
            now,
        )?;
        Ok(profile.with_recorded_effective(effective).summary())
    }

    /// Unlocks the office in `dir` with a clerk's password and logs the clerk in.
    /// Wrong password, lockout, damaged or foreign files are reported, never repaired.
    pub fn open(dir: &Path, username: &str, password: &str, now: DateTime<Utc>) -> Result<Office, AppError> {
        Office::open_with_options(dir, username, password, now, StoreOptions::default())
    }

    /// [`Office::open`] with explicit store options.
    pub fn open_with_options(
        dir: &Path,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<Office, AppError> {
        let (store, session) = Store::open_with_options(dir, username, password, now, options)
            .map_err(|error| opening_error(dir, error))?;
        Office::opened(store, session)
    }

    /// Opens the office in `dir` with the office server's unlock file (its text), nobody
    /// logged in: the server's start as a service (docs/office-server.md). The audit chain
    /// and the state seal are checked as at a log-in.
    pub fn open_for_server(
        dir: &Path,
        unlock_file_text: &str,
        now: DateTime<Utc>,
        options: StoreOptions,
    ) -> Result<Office, AppError> {
        let secret = store::ServerUnlockSecret::from_file_text(unlock_file_text)?;
        let store =
            Store::open_for_server(dir, &secret, now, options).map_err(|error| opening_error(dir, error))?;
        Office::opened_as(store, None)
    }

    /// Makes the office server's unlock slot as the logged-in administrator (again: the
    /// earlier file stops opening the office), audited; the text to write to the server's
    /// unlock file is returned (a secret: write it 0600, never log it).
    pub fn create_server_unlock(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<zeroize::Zeroizing<String>, AppError> {
        let session = self.session()?.clone();
        Ok(self.store.create_server_unlock(&session, now)?.to_file_text())
    }

    /// Removes the office server's unlock slot (administrators; audited). `false` when
    /// there was none.
    pub fn remove_server_unlock(&mut self, now: DateTime<Utc>) -> Result<bool, AppError> {
        let session = self.session()?.clone();
        Ok(self.store.remove_server_unlock(&session, now)?)
    }

    /// Logs a clerk in to the unlocked store (clerk change, or unlocking after the idle
    /// lock). The previous clerk, if any, is logged out first.
    pub fn login(
        &mut self,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<&Session, AppError> {
        self.login_at_desk(username, password, None, now)
    }

    /// [`Office::login`] at the office server's joined desk `desk` (its name): the log-in
    /// row, a failed attempt, and every row of the session name the desk.
    pub fn login_at_desk(
        &mut self,
        username: &str,
        password: &str,
        desk: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<&Session, AppError> {
        if let Some(previous) = self.session.take() {
            self.store.logout(&previous, now)?;
        }
        let session = self.store.login_at_desk(username, password, desk, now)?;
        self.session = Some(session);
        self.check_audit_chain()?;
        self.session()
    }

    /// Ends the clerk's session (audited). Nothing runs until the next log-in.
    pub fn logout(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        match self.session.take() {
            Some(session) => Ok(self.store.logout(&session, now)?),
            None => Ok(()),
        }
    }

    /// The idle lock: the same as [`Office::logout`] (audited as a log-out); the screen
    /// asks for a password again. The store stays unlocked in memory.
    pub fn lock(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        self.logout(now)
    }

    /// Runs `work` as the clerk of `session`, on an office several clerks use at once (the
    /// office server, docs/office-server.md): the office's own session is set aside, the
    /// given one put in its place for the length of `work`, and whatever `work` left there
    /// (the same session, one a password change replaced, a new clerk's after a log-in, or
    /// none after a log-out) handed back in `session`. No use case changes: each still
    /// asks `self.session()`, and roles, separation of duties and the audit's clerk come
    /// from the session it is given.
    pub fn as_clerk<T>(&mut self, session: &mut Option<Session>, work: impl FnOnce(&mut Office) -> T) -> T {
        let own = std::mem::replace(&mut self.session, session.take());
        let result = work(self);
        *session = std::mem::replace(&mut self.session, own);
        result
    }

    /// The logged-in clerk, or `NotLoggedIn`.
    pub fn session(&self) -> Result<&Session, AppError> {
        self.session.as_ref().ok_or(AppError::NotLoggedIn)
    }

    /// Refuses (`PASSWORD_CHANGE_REQUIRED`) while the clerk's password is one an
    /// administrator set: the window's and the office server's commands call this before
    /// every clerk command except changing the password itself. (`permitctl` does not: it
    /// is the administrator's tool on the office PC.)
    pub fn require_own_password(&self) -> Result<(), AppError> {
        if self.session()?.password_from_admin() {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(())
    }

    /// The same clerk's session after a change the store made to it (their own password).
    pub(crate) fn replace_session(&mut self, session: Session) {
        self.session = Some(session);
    }

    /// The office id given at set-up.
    pub fn office_id(&self) -> &str {
        self.store.office_id()
    }

    /// The directory holding the office's files.
    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    /// Checkpoints and closes the store (the session ends without a log-out row; call
    /// [`Office::logout`] first when a clerk is leaving).
    pub fn close(self) -> Result<(), AppError> {
        let Office { store, mut state_seal, .. } = self;
        // The check's reader stops first, so the store's last checkpoint is not held back.
        state_seal.stop();
        Ok(store.close()?)
    }

    /// The logged-in clerk as stored now, refusing unless the account is still active
    /// and holds at least one of `any_of`. Roles are re-read from the database, so a
    /// clerk revoked or demoted since log-in is refused at once.
    pub(crate) fn clerk_with_any_role(&self, any_of: Roles) -> Result<(Session, User), AppError> {
        let session = self.session()?.clone();
        let user = self
            .store
            .users()?
            .into_iter()
            .find(|user| user.id == session.user_id())
            .filter(|user| user.active)
            .ok_or(AppError::RoleMissing { needed: any_of })?;
        let holds_one = [Roles::ACCEPT, Roles::REVIEW, Roles::APPROVE, Roles::ADMIN]
            .into_iter()
            .any(|role| any_of.contains(role) && user.roles.contains(role));
        if !holds_one {
            return Err(AppError::RoleMissing { needed: any_of });
        }
        Ok((session, user))
    }

    /// Every clerk, and the platform's system account (省平台, which signs the 签发 step
    /// it decides), for names on history lines and opinions. Not a list of clerks: that is
    /// `store.users()`.
    pub(crate) fn users(&self) -> Result<Vec<User>, AppError> {
        let mut users = self.store.users()?;
        users.push(self.store.platform_user()?);
        Ok(users)
    }
}

/// The backend's own idle lock (issue 18): the window locks itself after the idle limit,
/// but a page that stopped running its timer — or a caller that is not the window — would
/// keep an unlocked office in memory. Every clerk command passes here first: after more
/// than the limit without one, the office is locked (the clerk logged out, audited) and
/// the command refused with [`AppError::IdleLocked`]. The window's own polls (the header's
/// link and printer badges, the applicant's screen) pass as *passive*: they are refused
/// after the limit too, but never keep the session alive. Measured on the monotonic clock:
/// setting the wall clock does not lock or unlock anyone.
#[derive(Debug)]
pub struct IdleLock {
    limit: std::time::Duration,
    /// The session it follows (its log-in time) and its last clerk command.
    last: std::sync::Mutex<Option<(DateTime<Utc>, std::time::Instant)>>,
    /// The clerk it locked out, until someone logs in: every command until then says
    /// `IdleLocked` for them (the log-in screen offers their name), not `NotLoggedIn`.
    locked_out: std::sync::Mutex<Option<String>>,
}

impl IdleLock {
    /// A lock after `limit` without a clerk command.
    pub fn new(limit: std::time::Duration) -> IdleLock {
        IdleLock { limit, last: std::sync::Mutex::new(None), locked_out: std::sync::Mutex::new(None) }
    }

    /// A command at `at` (monotonic) and `now` (for the audit row of a lock): refused and
    /// the office locked when the session's last clerk command is older than the limit;
    /// otherwise let through, and, when `active` (a clerk's own command), noted as the
    /// last one. A new log-in starts a new count. Nobody logged in: `IdleLocked` again
    /// while the clerk this lock locked out has not logged back in, else nothing to do
    /// (the command refuses by itself).
    pub fn pass(
        &self,
        office: &mut Office,
        at: std::time::Instant,
        now: DateTime<Utc>,
        active: bool,
    ) -> Result<(), AppError> {
        let minutes = self.limit.as_secs().div_ceil(60);
        let mut locked_out = self.locked_out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Ok(session) = office.session() else {
            return match locked_out.clone() {
                Some(username) => Err(AppError::IdleLocked { username, minutes }),
                None => Ok(()),
            };
        };
        *locked_out = None;
        let (started, username) = (session.logged_in_at(), session.username().to_owned());
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match *last {
            Some((session_start, seen)) if session_start == started => {
                if at.saturating_duration_since(seen) > self.limit {
                    *last = None;
                    office.lock(now)?;
                    *locked_out = Some(username.clone());
                    return Err(AppError::IdleLocked { username, minutes });
                }
                if active {
                    *last = Some((started, at));
                }
            }
            // A session this lock has not seen: its count starts now.
            _ => *last = Some((started, at)),
        }
        Ok(())
    }
}

/// A store's refusal to open, with a damaged database named as such (and the last backup
/// to restore from).
fn opening_error(dir: &Path, error: store::StoreError) -> AppError {
    match error {
        store::StoreError::Corrupt { .. } | store::StoreError::DatabaseMissing { .. } => {
            AppError::DatabaseDamaged {
                source: error,
                last_backup: crate::backup::last_backup(dir).map(Box::new),
            }
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_check_from_an_older_snapshot_never_hides_what_a_later_one_found() {
        let slot = Mutex::new(SealFinding::default());
        // The log-in's check (1) is still reading when a sync's check (2) finds the change.
        SealFinding::record(&slot, 2, Some(StateSealProblem::Differs), 40);
        SealFinding::record(&slot, 1, None, 30);
        let found = slot.lock().expect("not poisoned").found;
        assert_eq!(found, Some((StateSealProblem::Differs, 40)));
        // A later check decides, whatever it finds.
        SealFinding::record(&slot, 3, None, 50);
        assert_eq!(slot.lock().expect("not poisoned").found, None);
    }

    #[test]
    fn an_old_office_file_suggests_its_details_once_and_is_then_retired_not_deleted() {
        let dir = tempfile::tempdir().expect("temporary directory");
        assert_eq!(legacy_details(dir.path()), None, "no file, no suggestion");
        retire_legacy_file(dir.path()).expect("nothing to retire is fine");

        let file = dir.path().join(LEGACY_OFFICE_FILE);
        std::fs::write(&file, print::DEMO_OFFICE_JSON).expect("write office.json");
        let suggested = legacy_details(dir.path()).expect("the file's details");
        assert_eq!(suggested.county_code, "330424");
        assert_eq!(suggested.name, "海盐县武原街道便民服务中心");
        assert_eq!(suggested.phone, "0573-86000000");
        assert_eq!(suggested.station, "", "the old file had no station: the administrator gives it");

        retire_legacy_file(dir.path()).expect("retire");
        assert!(!file.exists());
        assert!(dir.path().join("office.json.migrated").exists(), "kept under another name");
        assert_eq!(legacy_details(dir.path()), None, "read once");

        std::fs::write(&file, "{ not json").expect("write a broken file");
        assert_eq!(legacy_details(dir.path()), None, "a broken file suggests nothing");
    }
}
