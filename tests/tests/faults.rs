//! The faults a counter PC has, injected through the real component (issue 22): a full
//! disk is a size-limited tmpfs mounted under the office's data, filled up; a read-only
//! data folder is that tmpfs remounted read-only; a full USB stick is a tiny tmpfs.
//!
//! Each test shows what the clerk is told and that nothing acknowledged is lost. Mounting
//! needs root with CAP_SYS_ADMIN, as the CI runs; elsewhere the test fails and says so.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use app::AppError;
use app::cases::{self, CaseId, DuplicateDecision, SaveOutcome, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::problem::{ErrorCode, Problem};
use app::scans::{ColourMode, IntakeOptions};
use app::users::{self, NewClerk};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::record::ApplicationRecord;

const PASSWORD: &str = "clerk-password-1";

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().expect("valid instant") + Duration::minutes(minutes)
}

fn record(name: &str) -> ApplicationRecord {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/application-complete.json");
    let mut record =
        ApplicationRecord::from_json(&std::fs::read_to_string(path).expect("example")).expect("parses");
    record.applicant.name = name.to_owned();
    // A long remark, so each draft needs pages of its own.
    record.remarks = "申请人补充说明。".repeat(200);
    record
}

/// One test at a time: each runs `mount`, and a child forked by one test's thread holds
/// copies of every file the others have open until it execs — a filler file deleted to
/// free space stays allocated for those milliseconds, and a save right after it finds the
/// disk still full. (The window spawns no child while it saves; the tests do.)
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A tmpfs of `size` mounted on a new temporary directory, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        Tmpfs::mount_in(&std::env::temp_dir(), "", size)
    }

    /// A tmpfs mounted on a new folder under `parent` whose name starts with `prefix`.
    fn mount_in(parent: &Path, prefix: &str, size: &str) -> Tmpfs {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        std::fs::create_dir_all(parent).expect("parent folder");
        let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(parent).expect("temporary directory");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "permit-desk-full-disk"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a {size} tmpfs failed: this test needs root with CAP_SYS_ADMIN (the CI runs as root)"
        );
        Tmpfs { dir, _turn: turn }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Gives the file system a new size (a bigger stick).
    fn resize(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(self.dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mount -o remount,size={size} failed");
    }

    /// Remounts the file system read-write (`true`) or read-only.
    fn remount(&self, writable: bool) {
        let mode = if writable { "remount,rw" } else { "remount,ro" };
        let status =
            Command::new("mount").args(["-o", mode]).arg(self.dir.path()).status().expect("mount runs");
        assert!(status.success(), "mount -o {mode} failed");
    }

    /// Writes a filler file until the file system refuses; returns it.
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0x5a_u8; 16 * 1024];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::StorageFull => break,
                Err(error) => panic!("filling the disk: {error}"),
            }
        }
        let _ = file.sync_all();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// A new office in `dir` with clerk `a` (受理) logged in.
fn office_with_clerk_a(dir: &Path) -> Office {
    let mut office =
        Office::set_up_with_options(dir, "330182-jiande-01", "admin", PASSWORD, at(0), options())
            .expect("set up");
    let clerk =
        NewClerk { username: "a", display_name: "受理员甲", roles: Roles::ACCEPT, password: PASSWORD };
    users::add_clerk(&mut office, &clerk, at(1)).expect("clerk");
    office.login("a", PASSWORD, at(2)).expect("log in");
    office
}

/// A new office in `dir` whose administrator also accepts, logged in.
fn office_run_by_its_administrator(dir: &Path) -> Office {
    let mut office =
        Office::set_up_with_options(dir, "330182-jiande-01", "admin", PASSWORD, at(0), options())
            .expect("set up");
    users::set_roles(&mut office, "admin", Roles::ADMIN | Roles::ACCEPT, at(1)).expect("roles");
    office.login("admin", PASSWORD, at(1)).expect("log in");
    office
}

/// An office in `office/` below a temporary folder, run by its administrator, with one
/// draft for `name` saved: the set-up of the backup and restore tests. Returns the
/// temporary folder, the office's folder, the office and the draft's id.
fn office_with_a_draft(name: &str) -> (tempfile::TempDir, PathBuf, Office, CaseId) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let office_dir = dir.path().join("office");
    std::fs::create_dir_all(&office_dir).expect("office folder");
    let mut office = office_run_by_its_administrator(&office_dir);
    let id = cases::new_case_id(at(2)).expect("id");
    cases::save_draft(&mut office, &id, &record(name), at(2)).expect("draft");
    (dir, office_dir, office, id)
}

/// The disk fills while a clerk saves drafts: the save that does not fit is refused with
/// 磁盘空间已满, nothing of it is written, every draft acknowledged before is intact, and
/// once space is freed the same save goes through.
#[test]
fn a_full_disk_refuses_the_save_and_keeps_everything_acknowledged() {
    let disk = Tmpfs::mount("6m");
    let dir = disk.path().join("db");
    let mut office = office_with_clerk_a(&dir);

    let mut saved: Vec<(CaseId, String)> = Vec::new();
    for n in 0..3 {
        let id = cases::new_case_id(at(3)).expect("id");
        let name = format!("申请人{n}");
        cases::save_draft(&mut office, &id, &record(&name), at(3)).expect("room for these");
        saved.push((id, name));
    }

    let filler = disk.fill();
    let mut refused = None;
    for n in 3..400 {
        let id = cases::new_case_id(at(4)).expect("id");
        let name = format!("申请人{n}");
        match cases::save_draft(&mut office, &id, &record(&name), at(4)) {
            Ok(_) => saved.push((id, name)),
            Err(error) => {
                refused = Some((id, name, error));
                break;
            }
        }
    }
    let (id, name, error) = refused.expect("the full disk refuses a save before 400 drafts");
    eprintln!("full disk: {} drafts saved, then refused: {error:?}", saved.len());
    let problem = Problem::of(&error);
    assert_eq!(problem.code, ErrorCode::DiskFull, "{error:?}");
    assert!(
        problem.message.contains("磁盘空间已满") && problem.message.contains("窗口中填写的内容仍在"),
        "{}",
        problem.message
    );
    assert!(matches!(error, AppError::Store(store::StoreError::DiskFull)), "{error:?}");

    // Space is freed (the administrator deleted something): the same save goes through.
    std::fs::remove_file(filler).expect("free the disk");
    assert!(
        matches!(
            cases::get_case(&mut office, &id, at(5)),
            Err(AppError::Store(store::StoreError::NotFound { .. }))
        ),
        "nothing of the refused save was written"
    );
    let outcome =
        cases::save_draft(&mut office, &id, &record(&name), at(5)).expect("saved once there is room");
    assert_eq!(outcome.outcome, SaveOutcome::Created);
    saved.push((id, name));
    for (id, name) in &saved {
        let view = cases::get_case(&mut office, id, at(6)).expect("every acknowledged draft is there");
        assert_eq!(&view.record.applicant.name, name);
    }
    office.login("admin", PASSWORD, at(7)).expect("administrator");
    assert!(app::audit::verify(&office).expect("verify").is_intact(), "the audit chain holds");
    office.close().expect("close");

    // And the office opens again from the same disk.
    let office = Office::open_with_options(&dir, "a", PASSWORD, at(8), options()).expect("reopen");
    office.close().expect("close");
}

/// The disk fills while pages come in from the scanner (each page is its own save): the
/// pages stored before are kept whole and listed, the page that does not fit is refused
/// with 磁盘空间已满, and once space is freed the rest come in.
#[test]
fn a_full_disk_during_a_scan_keeps_the_pages_already_stored() {
    let disk = Tmpfs::mount("8m");
    let dir = disk.path().join("db");
    let mut office = office_with_clerk_a(&dir);
    let id = cases::new_case_id(at(3)).expect("id");
    cases::save_draft(&mut office, &id, &record("孙丽"), at(3)).expect("draft");
    let slip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/rendered/slip.png");
    let page = app::scans::intake_file(&slip, &IntakeOptions::default()).expect("a page").remove(0);
    let page_bytes = page.jpeg.len() as u64;

    // Fill the disk, then give back room for about two pages.
    let filler = disk.fill();
    let length = std::fs::metadata(&filler).expect("filler").len();
    let file = std::fs::OpenOptions::new().write(true).open(&filler).expect("open filler");
    file.set_len(length.saturating_sub(page_bytes * 5 / 2)).expect("give back some room");
    drop(file);

    let mut stored = Vec::new();
    let mut refusal = None;
    for _ in 0..20 {
        match app::scans::attach(&mut office, &id, std::slice::from_ref(&page), "", at(4)) {
            Ok(pages) => stored.extend(pages),
            Err(error) => {
                refusal = Some(error);
                break;
            }
        }
    }
    let error = refusal.expect("the full disk refuses a page before twenty");
    eprintln!("full disk during a scan: {} pages stored, then refused: {error:?}", stored.len());
    assert!(!stored.is_empty(), "room was given back for at least one page");
    assert_eq!(Problem::of(&error).code, ErrorCode::DiskFull, "{error:?}");
    let listed = app::scans::list(&office, &id).expect("listed");
    assert_eq!(
        listed.iter().map(|page| page.id.clone()).collect::<Vec<_>>(),
        stored.iter().map(|page| page.id.clone()).collect::<Vec<_>>(),
        "exactly the pages acknowledged, none half-stored"
    );
    for listed_page in &listed {
        let jpeg = app::scans::image(&mut office, &listed_page.id, at(5)).expect("each page reads back");
        assert_eq!(jpeg, page.jpeg, "whole");
    }

    std::fs::remove_file(filler).expect("free the disk");
    app::scans::attach(&mut office, &id, std::slice::from_ref(&page), "", at(6)).expect("room again");
    assert_eq!(app::scans::list(&office, &id).expect("listed").len(), listed.len() + 1);
    office.login("admin", PASSWORD, at(7)).expect("administrator");
    assert!(app::audit::verify(&office).expect("verify").is_intact(), "the audit chain holds");
    office.close().expect("close");
}

/// The data folder became read-only (a disk remounted read-only after errors, a
/// write-protected stick): opening the office says so in words, writes nothing, and once
/// the folder is writable again everything is there.
#[test]
fn a_read_only_data_folder_is_named_and_nothing_is_lost() {
    let disk = Tmpfs::mount("16m");
    let dir = disk.path().join("db");
    let mut office = office_with_clerk_a(&dir);
    let id = cases::new_case_id(at(3)).expect("id");
    cases::save_draft(&mut office, &id, &record("钱军"), at(3)).expect("saved");
    office.close().expect("close");

    disk.remount(false);
    let error = Office::open_with_options(&dir, "a", PASSWORD, at(4), options())
        .expect_err("cannot open for writing");
    let problem = Problem::of(&error);
    assert_eq!(problem.code, ErrorCode::DataReadOnly, "{error:?}");
    assert!(problem.message.contains("只读"), "{}", problem.message);
    assert!(Office::exists(&dir), "still seen as an office, not offered first-run set-up");

    disk.remount(true);
    let mut office =
        Office::open_with_options(&dir, "a", PASSWORD, at(5), options()).expect("writable again");
    assert_eq!(cases::get_case(&mut office, &id, at(6)).expect("the draft").record.applicant.name, "钱军");
    office.close().expect("close");
}

/// The data folder cannot be made at start (a fresh PC whose data disk is read-only, or
/// a file where the folder should be): the start-up check names the folder and why, in
/// words, with nothing written; once the disk is writable the same check makes them all.
#[test]
fn a_data_folder_that_cannot_be_made_is_named_at_start_and_made_once_it_can() {
    let disk = Tmpfs::mount("4m");
    let data = disk.path().join("permit-desk");
    let folders = [data.clone(), data.join("db"), data.join("scans"), data.join("logs")];
    let folders: Vec<&Path> = folders.iter().map(PathBuf::as_path).collect();
    disk.remount(false);
    let error = Office::prepare_folders(&folders).expect_err("a read-only disk");
    let problem = Problem::of(&error);
    assert_eq!(problem.code, ErrorCode::DataFolderUnusable, "{error:?}");
    assert!(
        problem.message.contains("只读") && problem.message.contains("permit-desk"),
        "{}",
        problem.message
    );
    assert!(problem.message.contains("重试"), "{}", problem.message);
    assert!(!data.exists());

    disk.remount(true);
    Office::prepare_folders(&folders).expect("made once the disk is writable");
    assert!(folders.iter().all(|folder| folder.is_dir()));
    // Personal data inside: the owner's only, and a folder found open to others is closed.
    use std::os::unix::fs::PermissionsExt;
    let mode = |folder: &Path| std::fs::metadata(folder).expect("stat").permissions().mode() & 0o777;
    assert!(folders.iter().all(|folder| mode(folder) == 0o700), "made 0700");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    Office::prepare_folders(&folders).expect("checked again");
    assert_eq!(mode(&data), 0o700, "closed to others again");

    // A file where a folder should be.
    std::fs::remove_dir(data.join("logs")).expect("remove");
    std::fs::write(data.join("logs"), b"not a folder").expect("a file in its place");
    let problem = Problem::of(&Office::prepare_folders(&folders).expect_err("a file in the way"));
    assert_eq!(problem.code, ErrorCode::DataFolderUnusable);
    assert!(problem.message.contains("已有同名文件"), "{}", problem.message);
}

/// A USB stick too small for the export (or full of other files): the write stops with
/// the system's no-space error, the clerk is told the stick is full, and nothing that looks
/// like an export is left on it — neither the file nor its `.partial`. The records stay
/// queued, and the same export goes to a stick with room.
#[test]
fn an_export_to_a_full_stick_leaves_nothing_that_looks_complete() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = office_run_by_its_administrator(dir.path());
    let id = cases::new_case_id(at(2)).expect("id");
    cases::save_draft(&mut office, &id, &record("孙丽"), at(2)).expect("draft");
    let scan = IntakeOptions::for_mode(ColourMode::Colour);
    for file in ["receipt.png", "notice.png", "form.png"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/rendered").join(file);
        let pages = app::scans::intake_file(&path, &scan).expect("intake");
        app::scans::attach(&mut office, &id, &pages, "", at(2)).expect("attach");
    }
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Proceed,
    };
    let outcome = cases::submit(&mut office, &id, &submission, at(3)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    let (_, platform_key) = app::reference_update::generate_key().expect("a platform key");
    app::bundle::set_platform_key(&mut office, &app::reference_update::hex(&platform_key), false, at(4))
        .expect("platform key");
    let queued = app::sync::sync_status(&office).expect("status").queued;

    let stick = Tmpfs::mount("64k");
    let error =
        app::bundle::export_bundle_to_file(&mut office, stick.path(), None, at(5)).expect_err("no room");
    let problem = Problem::of(&error);
    assert_eq!(problem.code, ErrorCode::BundleWriteFailed, "{error:?}");
    assert!(problem.message.contains("空间不足") && problem.message.contains("未写入"), "{problem:?}");
    let left: Vec<_> = std::fs::read_dir(stick.path()).expect("stick").collect();
    assert!(left.is_empty(), "nothing is left on the stick: {left:?}");
    assert_eq!(
        app::sync::sync_status(&office).expect("status").queued,
        queued,
        "an export is not a delivery"
    );

    stick.resize("8m");
    let exported =
        app::bundle::export_bundle_to_file(&mut office, stick.path(), None, at(6)).expect("room now");
    assert!(exported.pages >= 3 && exported.bytes > 64 * 1024, "{exported:?}");
    assert_eq!(std::fs::metadata(&exported.path).expect("the export").len(), exported.bytes);
    assert_eq!(std::fs::read_dir(stick.path()).expect("stick").count(), 1, "one whole file, no partial");
}

/// A USB stick pulled while a file is written to it (its mount detached, as the desktop
/// does when a stick is yanked out, pulled exactly half way through the bytes): the write
/// ends in words — the stick was pulled, the file is not whole —, and nothing under the
/// final name (or its `.partial`) is where the stick was. Every export, backup, archive,
/// register and support file goes through this one writer.
#[test]
fn a_stick_pulled_mid_write_is_said_and_leaves_nothing_that_looks_complete() {
    let stick = Tmpfs::mount("8m");
    let target = stick.path().join("permit-desk-export.pdb");
    let bytes = vec![0x42_u8; 2 * 1024 * 1024];
    let pull = || {
        let status = Command::new("umount").arg("-l").arg(stick.path()).status().expect("umount runs");
        assert!(status.success(), "the stick is pulled");
    };
    let error = app::bundle::write_whole_with(&target, &bytes, pull).expect_err("pulled half way");
    assert_eq!(error.kind(), std::io::ErrorKind::NotConnected, "{error}");
    let file = app::bundle::BundleFileError { path: target.clone(), writing: true, source: error };
    let problem = Problem::of(&AppError::BundleFile(file));
    assert_eq!(problem.code, ErrorCode::BundleWriteFailed);
    assert!(
        problem.message.contains("U盘被拔出") && problem.message.contains("没有写完整"),
        "{}",
        problem.message
    );
    let mut partial = target.clone().into_os_string();
    partial.push(".partial");
    assert!(!target.exists() && !Path::new(&partial).exists(), "nothing where the stick was");
    drop(stick);

    // The same writer with the stick left in: one whole file, no partial.
    let again = Tmpfs::mount("8m");
    let target = again.path().join("permit-desk-export.pdb");
    app::bundle::write_whole_with(&target, &bytes, || {}).expect("written whole");
    assert_eq!(std::fs::read(&target).expect("read back"), bytes);
    assert_eq!(std::fs::read_dir(again.path()).expect("list").count(), 1);
}

/// A database damaged on disk (bytes of its first page overwritten) is refused at log-in,
/// never replaced by a new one, and the message names the last backup made on this PC —
/// when, by whom, where — and the command that restores it; without a backup it says so.
#[test]
fn a_damaged_database_names_the_last_backup_to_restore_from() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let backups = tempfile::tempdir().expect("a stick");
    let office_dir = dir.path().join("office");
    std::fs::create_dir_all(&office_dir).expect("office folder");
    let office = office_run_by_its_administrator(&office_dir);
    let damage = |office_dir: &Path| {
        let db = office_dir.join(store::DB_FILE_NAME);
        let mut bytes = std::fs::read(&db).expect("the database");
        bytes[100..612].fill(0xA5);
        std::fs::write(&db, &bytes).expect("damaged");
        bytes
    };

    // No backup yet: said as such.
    drop(office);
    let intact = std::fs::read(office_dir.join(store::DB_FILE_NAME)).expect("the database");
    let damaged = damage(&office_dir);
    let error =
        Office::open_with_options(&office_dir, "admin", PASSWORD, at(3), options()).expect_err("damaged");
    let problem = Problem::of(&error);
    assert_eq!(problem.code, ErrorCode::DatabaseDamaged, "{error:?}");
    assert!(problem.message.contains("没有备份记录"), "{}", problem.message);
    assert_eq!(std::fs::read(office_dir.join(store::DB_FILE_NAME)).expect("kept"), damaged, "left as found");

    // Repaired by hand for the test, a backup made, then damaged again: the backup is named.
    std::fs::write(office_dir.join(store::DB_FILE_NAME), &intact).expect("put back");
    let mut office =
        Office::open_with_options(&office_dir, "admin", PASSWORD, at(4), options()).expect("opens");
    let file = backups.path().join("office-20260302.backup");
    app::backup::backup(&mut office, &file, at(5)).expect("backup");
    drop(office);
    damage(&office_dir);
    let error =
        Office::open_with_options(&office_dir, "admin", PASSWORD, at(6), options()).expect_err("damaged");
    let problem = Problem::of(&error);
    assert_eq!(problem.code, ErrorCode::DatabaseDamaged);
    for part in ["2026-03-02 09:05", "admin", file.to_str().expect("utf-8"), "permitctl restore"] {
        assert!(problem.message.contains(part), "{part} in: {}", problem.message);
    }
    assert!(!problem.message.contains("陈") && !problem.message.contains("3301"), "no applicant data");
}

/// A backup made before a clerk was revoked does not bring the clerk back: the restore
/// carries the revocation over from the replaced office's key slots, so the revoked
/// clerk's password opens nothing, while a clerk re-enabled before the backup keeps the
/// slot made then. The carried revocation is in the audit trail.
#[test]
fn a_restored_backup_never_brings_back_a_revoked_clerk() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let stick = tempfile::tempdir().expect("a stick");
    let office_dir = dir.path().join("office");
    std::fs::create_dir_all(&office_dir).expect("office folder");
    let mut office = office_run_by_its_administrator(&office_dir);
    for (username, display_name) in [("a", "受理员甲"), ("b", "受理员乙")] {
        let clerk = NewClerk { username, display_name, roles: Roles::ACCEPT, password: PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).expect("clerk");
    }
    users::revoke_clerk(&mut office, "b", at(2)).expect("b revoked");
    users::reenable_clerk(&mut office, "b", "clerk-password-2", at(3)).expect("b re-enabled");
    let (written, _) = app::backup::backup_to_folder(&mut office, stick.path(), at(4)).expect("backup");
    // Clerk a keeps a copy of the key-slot file before being revoked (the backup's key).
    let kept = tempfile::tempdir().expect("a's copy");
    std::fs::copy(office_dir.join(store::KEY_SLOTS_FILE_NAME), kept.path().join(store::KEY_SLOTS_FILE_NAME))
        .expect("copy of the slots");
    let revoked = users::revoke_clerk(&mut office, "a", at(5)).expect("a revoked after the backup");
    assert_eq!(revoked.rekeyed.expect("re-keyed").generation, 2, "b's revocation made 1, a's makes 2");
    drop(office);

    let (office, summary) =
        app::backup::restore(&written, &office_dir, "admin", PASSWORD, false, at(10), options())
            .expect("restored");
    assert_eq!(summary.revoked_again, ["a"], "only the clerk revoked after the backup");
    // The backup's key is one a held: the restored office is re-keyed, numbered after the
    // office it replaced (2), not after the backup (1).
    let rekeyed = summary.rekeyed.expect("a re-key follows").expect("re-keyed");
    assert_eq!(rekeyed.generation, 3);
    assert!(rekeyed.needs_reset.is_empty(), "{:?}", rekeyed.needs_reset);
    let trail = app::audit::verify(&office).expect("verify");
    assert!(trail.is_intact());
    office.close().expect("close");

    let error = Office::open_with_options(&office_dir, "a", PASSWORD, at(11), options())
        .map(|_| ())
        .expect_err("the revoked clerk's password opens nothing");
    assert_eq!(Problem::of(&error).code, ErrorCode::WrongPassword, "{error:?}");
    Office::open_with_options(&office_dir, "b", "clerk-password-2", at(12), options())
        .expect("the clerk re-enabled before the backup keeps working")
        .close()
        .expect("close");
    // a's copy of the slots with the restored database: the key it holds no longer opens it.
    std::fs::copy(office_dir.join(store::DB_FILE_NAME), kept.path().join(store::DB_FILE_NAME)).expect("copy");
    let error = Office::open_with_options(kept.path(), "a", PASSWORD, at(13), options())
        .map(|_| ())
        .expect_err("a's old key does not open the re-keyed office");
    assert_eq!(Problem::of(&error).code, ErrorCode::KeyMismatch, "{error:?}");
    // A second restore of the same backup carries the same revocation again.
    let (office, summary) =
        app::backup::restore(&written, &office_dir, "admin", PASSWORD, false, at(20), options())
            .expect("again");
    assert_eq!(summary.revoked_again, ["a"]);
    office.close().expect("close");
}

/// A backup is sealed to the office's administrators (issue 18): a clerk's password, with
/// the key slots the backup carries, opens nothing in it; a clerk cannot restore it (the
/// administrators who can are named, nothing is changed); an administrator restores it
/// into an empty folder and the clerk logs in there as before.
#[test]
fn a_backup_opens_for_no_clerks_password_and_only_its_administrators_restore_it() {
    let (dir, _, mut office, id) = office_with_a_draft("孙丽");
    let stick = tempfile::tempdir().expect("a stick");
    let clerk =
        NewClerk { username: "a", display_name: "受理员甲", roles: Roles::ACCEPT, password: PASSWORD };
    users::add_clerk(&mut office, &clerk, at(2)).expect("clerk");
    let (written, info) = app::backup::backup_to_folder(&mut office, stick.path(), at(3)).expect("backup");
    assert_eq!((info.key_generation, info.sealed_to.clone()), (Some(0), vec!["admin".to_owned()]));
    assert_eq!(app::backup::inspect(&written).expect("inspect").sealed_to, ["admin"]);
    office.close().expect("close");

    // The clerk takes the backup apart: its key slots (theirs among them) and its database.
    let bytes = std::fs::read(&written).expect("read backup");
    let header_end = bytes.iter().enumerate().filter(|(_, byte)| **byte == b'\n').nth(1).expect("header").0;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes[app::backup::BACKUP_MAGIC.len()..header_end]).expect("header json");
    let insider = tempfile::tempdir().expect("insider");
    std::fs::write(insider.path().join(store::KEY_SLOTS_FILE_NAME), header["key_slots"].to_string())
        .expect("slots");
    std::fs::write(insider.path().join(store::DB_FILE_NAME), &bytes[header_end + 1..]).expect("database");
    let error = Office::open_with_options(insider.path(), "a", PASSWORD, at(4), options())
        .map(|_| ())
        .expect_err("a clerk's password opens nothing in a backup");
    assert_eq!(Problem::of(&error).code, ErrorCode::KeyMismatch, "{error:?}");

    // The clerk cannot restore it; the administrator can, and the clerk works there.
    let elsewhere = dir.path().join("elsewhere");
    let error = app::backup::restore(&written, &elsewhere, "a", PASSWORD, false, at(5), options())
        .map(|_| ())
        .expect_err("only an administrator of its day restores it");
    let problem = Problem::of(&error);
    assert_eq!(problem.code, ErrorCode::BackupNotYours, "{error:?}");
    assert!(problem.message.contains("admin"), "{}", problem.message);
    assert!(!elsewhere.join(store::DB_FILE_NAME).exists(), "nothing was written");
    let (restored, summary) =
        app::backup::restore(&written, &elsewhere, "admin", PASSWORD, false, at(6), options())
            .expect("restored");
    assert!(summary.rekeyed.is_none(), "nobody was revoked: no re-key owed");
    restored.close().expect("close");
    let mut office =
        Office::open_with_options(&elsewhere, "a", PASSWORD, at(7), options()).expect("a logs in");
    assert_eq!(
        cases::get_case(&mut office, &id, at(8)).expect("the draft came along").record.applicant.name,
        "孙丽"
    );
    office.close().expect("close");
}

/// A restore over an office whose last re-key was committed but not finished (killed
/// between its marker and the swap): the re-key is finished first (its files are the
/// replaced office's), the office's files, the re-key's among them, go aside, and nothing
/// of that re-key reaches the restored office.
#[test]
fn a_restore_over_an_unfinished_re_key_leaves_nothing_of_it_in_the_restored_office() {
    let (_dir, office_dir, mut office, id) = office_with_a_draft("吴芳");
    let stick = tempfile::tempdir().expect("a stick");
    let (written, _) = app::backup::backup_to_folder(&mut office, stick.path(), at(3)).expect("backup");
    let later = cases::new_case_id(at(4)).expect("id");
    cases::save_draft(&mut office, &later, &record("郑强"), at(4)).expect("a draft after the backup");
    office.close().expect("close");
    // What a re-key killed after its marker leaves: the new files beside the old ones.
    let [marker, new_db, new_slots] = store::REKEY_FILE_NAMES;
    std::fs::copy(office_dir.join(store::DB_FILE_NAME), office_dir.join(new_db)).expect("new database");
    std::fs::copy(office_dir.join(store::KEY_SLOTS_FILE_NAME), office_dir.join(new_slots))
        .expect("new slots");
    std::fs::write(office_dir.join(marker), b"permit-desk re-key to generation 1\n").expect("marker");

    let (restored, _) =
        app::backup::restore(&written, &office_dir, "admin", PASSWORD, false, at(5), options())
            .expect("restored");
    restored.close().expect("close");
    for name in store::REKEY_FILE_NAMES {
        assert!(!office_dir.join(name).exists(), "{name} is not left in the restored office");
    }
    let mut office =
        Office::open_with_options(&office_dir, "admin", PASSWORD, at(6), options()).expect("opens");
    assert_eq!(cases::get_case(&mut office, &id, at(7)).expect("draft").record.applicant.name, "吴芳");
    assert!(cases::get_case(&mut office, &later, at(7)).is_err(), "the restored office is the backup's");
    office.close().expect("close");
}

/// A backup an older program wrote (format version 1: the database under the office's own
/// key) still restores, by an administrator.
#[test]
fn a_backup_of_the_older_format_still_restores() {
    let (dir, office_dir, office, id) = office_with_a_draft("周敏");
    office.close().expect("close");
    // As version 1 wrote it: the database file as it is, the key slots in the header.
    let database = std::fs::read(office_dir.join(store::DB_FILE_NAME)).expect("database");
    let slots: serde_json::Value =
        serde_json::from_slice(&std::fs::read(office_dir.join(store::KEY_SLOTS_FILE_NAME)).expect("slots"))
            .expect("slots json");
    let header = serde_json::json!({
        "format": "permit-desk-backup", "version": 1, "office_id": "330182-jiande-01",
        "created_at": "2026-03-02T01:03:00.000Z", "created_by": "admin",
        "database_bytes": database.len(), "key_slots": slots,
    });
    let mut bytes = app::backup::BACKUP_MAGIC.to_vec();
    bytes.extend_from_slice(header.to_string().as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&database);
    let file = dir.path().join("old.backup");
    std::fs::write(&file, &bytes).expect("write");
    let info = app::backup::inspect(&file).expect("read as version 1");
    assert_eq!((info.key_generation, info.sealed_to.len()), (None, 0));
    let elsewhere = dir.path().join("elsewhere");
    let (mut restored, _) =
        app::backup::restore(&file, &elsewhere, "admin", PASSWORD, false, at(5), options())
            .expect("restored");
    assert_eq!(cases::get_case(&mut restored, &id, at(6)).expect("draft").record.applicant.name, "周敏");
    restored.close().expect("close");
}

/// The damaged database restored from the window's list: the last backup is offered (and
/// one on a stick), a wrong password or a clerk who is no administrator is refused with the
/// damaged file left as it was, and the administrator's restore brings back every case of
/// the backup, sets the damaged file aside (never deleted) and is audited.
#[test]
fn a_damaged_database_is_restored_from_the_backup_the_window_offers() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let stick = tempfile::tempdir().expect("a stick");
    let office_dir = dir.path().join("office");
    std::fs::create_dir_all(&office_dir).expect("office folder");
    let mut office = office_run_by_its_administrator(&office_dir);
    let clerk =
        NewClerk { username: "a", display_name: "受理员甲", roles: Roles::ACCEPT, password: PASSWORD };
    users::add_clerk(&mut office, &clerk, at(1)).expect("clerk");
    let id = cases::new_case_id(at(2)).expect("id");
    cases::save_draft(&mut office, &id, &record("孙丽"), at(2)).expect("draft");
    let (written, _) = app::backup::backup_to_folder(&mut office, stick.path(), at(3)).expect("backup");
    assert!(written.starts_with(stick.path()));
    let name = written.file_name().and_then(|name| name.to_str()).expect("name");
    assert!(name.starts_with("permit-desk-backup-330182-jiande-01-") && name.ends_with(".backup"), "{name}");
    // A draft saved after the backup is what a restore loses (the confirmation says so).
    let later = cases::new_case_id(at(4)).expect("id");
    cases::save_draft(&mut office, &later, &record("钱多"), at(4)).expect("draft");
    drop(office);

    let db = office_dir.join(store::DB_FILE_NAME);
    let mut bytes = std::fs::read(&db).expect("the database");
    bytes[100..612].fill(0xA5);
    std::fs::write(&db, &bytes).expect("damaged");

    let place = app::media::Place {
        path: stick.path().to_owned(),
        label: "KINGSTON".to_owned(),
        removable: true,
        space: None,
    };
    let found = app::backup::found_backups(&office_dir, std::slice::from_ref(&place));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].file.path.as_path(), found[0].last), (written.as_path(), true));
    assert_eq!(
        (found[0].info.office_id.as_str(), found[0].info.created_by.as_str()),
        ("330182-jiande-01", "admin")
    );
    // A file that only looks like a backup by its name is not offered.
    std::fs::write(stick.path().join("notes.backup"), "not a backup").expect("a stray file");
    assert_eq!(app::backup::found_backups(&office_dir, std::slice::from_ref(&place)).len(), 1);

    let restore = |username: &str, password: &str| {
        app::backup::restore(&written, &office_dir, username, password, false, at(10), options())
    };
    let error = restore("admin", "wrong-password-1").map(|_| ()).expect_err("wrong password");
    assert_eq!(Problem::of(&error).code, ErrorCode::WrongPassword, "{error:?}");
    assert_eq!(std::fs::read(&db).expect("still there"), bytes, "untouched");
    // A clerk: the backup's key is sealed to its administrators only, so it is refused
    // before anything is touched (older backups were refused after the clerk's log-in to
    // the restored copy, RoleMissing, with the damaged file put back).
    let error = restore("a", PASSWORD).map(|_| ()).expect_err("not an administrator");
    assert_eq!(Problem::of(&error).code, ErrorCode::BackupNotYours, "{error:?}");
    assert_eq!(std::fs::read(&db).expect("untouched"), bytes, "the damaged file as it was");

    let (mut office, summary) = restore("admin", PASSWORD).expect("restored");
    assert_eq!(summary.set_aside.len(), 2, "{:?}", summary.set_aside);
    let aside = summary
        .set_aside
        .iter()
        .find(|path| path.to_string_lossy().contains("office.db.before-restore-"))
        .expect("the damaged database set aside");
    assert_eq!(std::fs::read(aside).expect("kept"), bytes, "kept as it was");
    assert_eq!(cases::get_case(&mut office, &id, at(11)).expect("the case").record.applicant.name, "孙丽");
    assert!(cases::get_case(&mut office, &later, at(11)).is_err(), "saved after the backup: not in it");
    assert!(app::audit::verify(&office).expect("verify").is_intact());
    office.close().expect("close");
    Office::open_with_options(&office_dir, "a", PASSWORD, at(12), options())
        .expect("the clerk logs in again");
}

/// A backup to a disk (a stick) without room for it: refused in words, nothing that looks
/// like a backup left there, the office untouched; with room, the same backup is whole.
#[test]
fn a_backup_to_a_full_stick_leaves_nothing_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = office_run_by_its_administrator(dir.path());
    let id = cases::new_case_id(at(2)).expect("id");
    cases::save_draft(&mut office, &id, &record("孙丽"), at(2)).expect("draft");
    let slip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/rendered/form.png");
    let pages = app::scans::intake_file(&slip, &IntakeOptions::for_mode(ColourMode::Colour)).expect("a page");
    app::scans::attach(&mut office, &id, &pages, "", at(2)).expect("attach");

    let stick = Tmpfs::mount("64k");
    let dest = stick.path().join("office.backup");
    let error = app::backup::backup(&mut office, &dest, at(3)).expect_err("no room");
    let problem = Problem::of(&error);
    eprintln!("backup to a full stick: {error:?} → {problem:?}");
    assert_eq!(problem.code, ErrorCode::BundleWriteFailed, "{error:?}");
    assert!(
        problem.message.contains("空间不足") && problem.message.contains("未写入"),
        "{}",
        problem.message
    );
    let left: Vec<_> = std::fs::read_dir(stick.path()).expect("stick").collect();
    assert!(left.is_empty(), "nothing is left on the stick: {left:?}");
    assert_eq!(cases::get_case(&mut office, &id, at(4)).expect("the draft").record.applicant.name, "孙丽");

    stick.resize("16m");
    let info = app::backup::backup(&mut office, &dest, at(5)).expect("room now");
    assert_eq!(app::backup::inspect(&dest).expect("a whole backup"), info);
    assert_eq!(std::fs::read_dir(stick.path()).expect("stick").count(), 1, "one whole file, no partial");
    assert!(app::audit::verify(&office).expect("verify").is_intact());
}

/// The clock is set back a day while the office runs (a dead CMOS battery), and later one
/// that ran a year ahead is set right: the header says the clock is behind what the office
/// recorded, offline, with both times; the work goes on and the audit chain holds; the
/// warning goes when the clock catches up, or when an administrator who has checked the
/// clock confirms it (audited), so a clock once a year ahead does not warn for a year.
#[test]
fn a_clock_set_back_is_named_in_the_header_until_it_is_right_or_confirmed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = office_run_by_its_administrator(dir.path());
    let id = cases::new_case_id(at(10)).expect("id");
    cases::save_draft(&mut office, &id, &record("周强"), at(10)).expect("draft");
    let today = at(10).date_naive();
    let live = app::sync::LiveSync::default();
    let header = |office: &Office, now: DateTime<Utc>| {
        app::sync::header(office, today, now, &live, None).expect("header")
    };
    assert_eq!(header(&office, at(11)).clock_warning, None, "a clock that runs on is fine");
    assert_eq!(header(&office, at(5)).clock_warning, None, "minutes back are a correction, not a fault");

    // Set back a day: named, with both times; work goes on at the wrong time.
    let back = at(12) - Duration::days(1);
    let shown = header(&office, back);
    let warning = shown.clock_warning.expect("the header names the clock");
    assert!(shown.clock_behind);
    assert!(warning.contains("2026-03-01 09:12") && warning.contains("2026-03-02 09:10"), "{warning}");
    cases::save_draft(&mut office, &id, &record("周强强"), back).expect("the clerk can still work");
    assert!(header(&office, back + Duration::minutes(1)).clock_warning.is_some(), "still behind");
    assert_eq!(header(&office, at(13)).clock_warning, None, "set right: gone");

    // A clock a year ahead wrote records; set right, it warns until confirmed.
    let ahead = at(20) + Duration::days(365);
    cases::save_draft(&mut office, &id, &record("周强"), ahead).expect("saved a year ahead");
    assert!(header(&office, at(21)).clock_behind, "behind the year-ahead records");
    let clerk =
        NewClerk { username: "b", display_name: "审核员乙", roles: Roles::REVIEW, password: PASSWORD };
    users::add_clerk(&mut office, &clerk, at(22)).expect("clerk");
    office.login("b", PASSWORD, at(22)).expect("log in");
    assert!(matches!(app::sync::confirm_clock(&mut office, at(22)), Err(AppError::RoleMissing { .. })));
    office.login("admin", PASSWORD, at(23)).expect("log in");
    let rows = app::audit::verify(&office).expect("verify").rows;
    app::sync::confirm_clock(&mut office, at(23)).expect("confirmed");
    let after = header(&office, at(24));
    assert_eq!((after.clock_warning, after.clock_behind), (None, false));
    let report = app::audit::verify(&office).expect("verify");
    assert!(report.is_intact(), "times out of order do not break the chain: {report:?}");
    assert_eq!(report.rows, rows + 1, "the confirmation is audited");
}

/// The wall clock moved while the app runs — a year ahead by a mistyped date, then back a
/// day — is measured against the time since the machine started (a reading the app takes
/// at start and compares on every look of the header), named in the header with how far
/// and which way, and confirmable by an administrator; the work goes on meanwhile.
#[test]
fn a_clock_moved_while_the_app_runs_is_named_in_the_header() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = office_run_by_its_administrator(dir.path());
    let today = at(10).date_naive();
    let live = app::sync::LiveSync::default();
    // The app started at 09:10 on a machine up for 3 hours.
    let boot = |minutes: u64| std::time::Duration::from_secs(3 * 3600 + 60 * minutes);
    let watch = app::clock::ClockWatch::new(at(10), boot(0));
    let look = |office: &Office, wall: DateTime<Utc>, since_boot| {
        let moved = watch.moved(wall, since_boot);
        let jumped = (moved.num_minutes().abs() > app::clock::CLOCK_JUMP_WARNING_MINUTES).then_some(moved);
        app::sync::header(office, today, wall, &live, jumped).expect("header")
    };
    assert_eq!(look(&office, at(40), boot(30)).clock_warning, None, "half an hour on both clocks");
    assert_eq!(look(&office, at(42), boot(30)).clock_warning, None, "a time server's correction");

    let ahead = at(50) + Duration::days(365);
    let shown = look(&office, ahead, boot(40));
    let warning = shown.clock_warning.expect("named");
    assert!(warning.starts_with("本机时间在程序运行期间被调快了约 365 天"), "{warning}");
    assert!(shown.clock_behind, "an administrator may confirm it");
    let id = cases::new_case_id(ahead).expect("id");
    cases::save_draft(&mut office, &id, &record("吴敏"), ahead).expect("the clerk can still work");

    // Then set back to a day before the start: behind the records written meanwhile too.
    let back = at(60) - Duration::days(1);
    let warning = look(&office, back, boot(50)).clock_warning.expect("named");
    assert!(warning.contains("早于本办理点已记录的时间"), "the office's own records say it first: {warning}");
}

/// A USB stick as the desktop mounts it (a file system mounted under `/media/USER`, its
/// label with a space in it) is offered with its label and free space, before the home
/// folder; a plain folder there is not a drive.
#[test]
fn a_mounted_stick_is_offered_by_its_label_with_its_free_space() {
    let user = format!("permit-desk-test-{}", std::process::id());
    let media = Path::new("/media").join(&user);
    let stick = Tmpfs::mount_in(&media, "KINGSTON ", "8m");
    let plain = tempfile::Builder::new().prefix("not-a-drive").tempdir_in(&media).expect("plain folder");
    let home = tempfile::tempdir().expect("home");
    let places = app::media::places(Some(home.path()), Some(&user));
    let labels: Vec<(&str, bool)> =
        places.iter().map(|place| (place.label.as_str(), place.removable)).collect();
    let stick_label = stick.path().file_name().expect("name").to_string_lossy().into_owned();
    assert_eq!(labels, [(stick_label.as_str(), true), ("本机主文件夹", false)], "{places:?}");
    assert!(stick_label.starts_with("KINGSTON "));
    let (free, total) = places[0].space.expect("free space of the stick");
    assert!(total <= 8 * 1024 * 1024 && free > 7 * 1024 * 1024, "{free} of {total}");
    std::fs::write(stick.path().join("answer.pdb"), b"on the stick").expect("write to the stick");
    let found: Vec<(String, String)> =
        app::media::files_ending(&places, ".pdb").into_iter().map(|file| (file.place, file.name)).collect();
    assert_eq!(found, [(stick_label.clone(), "answer.pdb".to_owned())]);

    // Pulled: the folder stays (not every system removes it), but nothing is mounted there;
    // an export to it would land on this PC's disk, so it is refused as a missing stick.
    assert!(!app::media::stick_gone(stick.path()));
    let status = Command::new("umount").arg(stick.path()).status().expect("umount runs");
    assert!(status.success());
    assert!(stick.path().is_dir() && app::media::stick_gone(stick.path()));
    let labels: Vec<String> =
        app::media::places(Some(home.path()), Some(&user)).into_iter().map(|p| p.label).collect();
    assert_eq!(labels, ["本机主文件夹"], "a pulled stick is no longer offered");
    let places = app::media::places(Some(home.path()), Some(&user));
    assert!(app::media::files_ending(&places, ".pdb").is_empty(), "nor the files that were on it");
    drop(plain);
    drop(stick);
    let _ = std::fs::remove_dir(&media);
}

/// A network scanner's server (SANE's own `saned`, serving SANE's `test` backend on
/// loopback), and the configuration a desk uses to reach it through SANE's `net` backend.
/// Killing it mid-scan is the scanner unplugged: the desk's scanimage hears nothing more.
struct NetworkScanner {
    saned: std::process::Child,
    _server: tempfile::TempDir,
    client: tempfile::TempDir,
}

impl NetworkScanner {
    fn start() -> NetworkScanner {
        let server = tempfile::tempdir().expect("server config");
        std::fs::write(server.path().join("dll.conf"), "test\n").expect("dll.conf");
        std::fs::write(server.path().join("saned.conf"), "127.0.0.1\n").expect("saned.conf");
        if Path::new("/etc/sane.d/test.conf").exists() {
            std::fs::copy("/etc/sane.d/test.conf", server.path().join("test.conf")).expect("test.conf");
        }
        let client = tempfile::tempdir().expect("client config");
        std::fs::write(client.path().join("dll.conf"), "net\n").expect("dll.conf");
        std::fs::write(client.path().join("net.conf"), "connect_timeout = 3\n127.0.0.1\n").expect("net.conf");
        // SANE's net backend reaches saned on its registered port only (6566).
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", 6566)).is_err(),
            "something already listens on SANE's port 6566 on this machine"
        );
        // Its own process group: saned serves each desk from a process of its own, and the
        // scanner going away is all of them going.
        let saned = Command::new("saned")
            .args(["-l", "-e", "-b", "127.0.0.1", "-d", "0"])
            .process_group(0)
            .env("SANE_CONFIG_DIR", server.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("saned (package sane-utils; scripts/install-deps.sh installs it)");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", 6566)).is_err() {
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "saned did not start listening");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        NetworkScanner { saned, _server: server, client }
    }

    /// The scanner gone at once: saned and the process serving the desk, killed.
    fn unplug(&mut self) {
        let group = format!("-{}", self.saned.id());
        let killed = Command::new("kill").args(["-KILL", "--", &group]).status();
        assert!(
            killed.as_ref().is_ok_and(|status| status.success()),
            "kill the scanner's processes: {killed:?}"
        );
        let _ = self.saned.wait();
    }
}

impl Drop for NetworkScanner {
    fn drop(&mut self) {
        if let Ok(None) = self.saned.try_wait() {
            self.unplug();
        }
    }
}

/// The scanner is unplugged while it feeds page 3 of 5 (its server killed the moment page
/// 2 is in): the two pages received are kept, whole, and stored in the case; the clerk is
/// told at which page it stopped, why, and that those pages need no rescan.
#[test]
fn a_scanner_unplugged_mid_scan_keeps_the_pages_already_received() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut scanner = NetworkScanner::start();
    let dir = tempfile::tempdir().expect("dir");
    let work = dir.path().join("scan-work");
    std::fs::create_dir(&work).expect("work folder");
    let env = app::scans::SaneEnv {
        config_dir: Some(scanner.client.path().to_owned()),
        work_dir: Some(work.clone()),
        ..app::scans::SaneEnv::default()
    };
    // About 1.6 s a page: the test backend waits 0.15 s after each of its ~11 transfers; a page
    // silent for 6 s (four pages' time, room for a loaded machine) has hung.
    let settings = app::scans::ScanSettings {
        resolution: 50,
        mode: ColourMode::Grey,
        pages: 5,
        area_mm: Some((200, 200)),
        backend_options: [("test-picture", "Grid"), ("read-delay", "yes"), ("read-delay-duration", "150000")]
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
        page_timeout: std::time::Duration::from_secs(6),
    };
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    let acquired = app::scans::acquire_sane(
        &env,
        "net:127.0.0.1:test:0",
        &settings,
        &IntakeOptions::for_mode(ColourMode::Grey),
        |done, total| {
            seen.push((done, total));
            if done == 2 {
                scanner.unplug();
            }
        },
    )
    .expect("the pages received are kept, not an error");
    let took = started.elapsed();
    eprintln!("scanner unplugged at page 3: {} pages kept, stopped after {took:?}", acquired.pages.len());
    assert_eq!(seen, vec![(1, 5), (2, 5)]);
    assert_eq!(acquired.pages.len(), 2, "the two pages received");
    let problem = acquired.stopped.as_ref().expect("the scan says it stopped");
    // scanimage hears the connection drop and gives up on page 3.
    assert_eq!(problem.code, ErrorCode::ScanFailed);
    let message = acquired.stopped_message().expect("a sentence for the clerk");
    assert!(message.starts_with("扫描在第 3 页中断：扫描失败"), "{message}");
    assert!(message.contains("已收到的前 2 页已保存，不必重扫"), "{message}");
    assert!(
        took < std::time::Duration::from_secs(15),
        "given up at once, not after the batch's time: {took:?}"
    );
    assert_eq!(std::fs::read_dir(&work).expect("work").count(), 0, "no scanned page left on disk");

    let mut office = office_with_clerk_a(&dir.path().join("db"));
    let id = cases::new_case_id(at(3)).expect("id");
    cases::save_draft(&mut office, &id, &record("孙丽"), at(3)).expect("draft");
    let stored = app::scans::attach(&mut office, &id, &acquired.pages, "", at(4)).expect("stored");
    assert_eq!(stored.len(), 2);
    for (stored, page) in stored.iter().zip(&acquired.pages) {
        assert_eq!(
            app::scans::image(&mut office, &stored.id, at(5)).expect("reads back"),
            page.jpeg,
            "whole"
        );
        assert_eq!((stored.width, stored.height), (page.width, page.height));
    }
    office.close().expect("close");
}
