//! The confirmation slip (确认单) of an issued case through the `app` facade, on a real
//! encrypted store: the application number given at acceptance, the paper-slip flag and
//! its worklist, the slip rendered with the office's own key (created in the store on first
//! use), its QR code read back from the rendered page with `pdftoppm` and `zbarimg` and
//! checked by the app, a tampered code refused, large print from the clerk's choice, and
//! printing: a failed job leaves the slip on the worklist, a finished one takes it off,
//! and each attempt is in the audit trail.

use std::cell::RefCell;
use std::path::Path;
use std::process::Command;

use app::AppError;
use app::cases::{self, CaseId, DuplicateDecision, Submission};
use app::office::{KdfParams, LockoutPolicy, Office, PrintSettings, Roles, StoreOptions};
use app::printing::{self, Document, Printing, RenderChoices};
use app::users::{self, NewClerk};
use app::worklists::{self, Worklist};
use chrono::{DateTime, Duration as Minutes, NaiveDate, TimeZone, Utc};
use domain::record::ApplicationRecord;
use print::{JobId, JobOutcome, PrintJob, PrintSystem, PrinterError, PrinterInfo, PrinterState};

const OFFICE_ID: &str = "JD01";
const PASSWORD: &str = "clerk-password-1";

fn options() -> StoreOptions {
    StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() }
}

/// Monday 2025-03-10, 09:00 in Zhejiang (01:00 UTC), plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().expect("valid instant") + Minutes::minutes(minutes)
}

fn complete_record() -> ApplicationRecord {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../docs/examples/application-complete.json");
    ApplicationRecord::from_json(&std::fs::read_to_string(path).expect("example")).expect("parses")
}

fn login(office: &mut Office, username: &str, minutes: i64) {
    office.login(username, PASSWORD, at(minutes)).unwrap_or_else(|e| panic!("{username} logs in: {e}"));
}

/// An office with three clerks and one case taken to 签发 with the paper-slip flag.
fn issued_case(dir: &Path) -> (Office, CaseId) {
    let mut office =
        Office::set_up_with_options(dir, OFFICE_ID, "a", PASSWORD, at(0), options()).expect("set up");
    office.set_details(&jiande_details(), at(0)).expect("details");
    users::set_roles(&mut office, "a", Roles::ACCEPT | Roles::ADMIN, at(1)).expect("roles");
    for (username, display_name, roles) in
        [("b", "审核员乙", Roles::REVIEW), ("c", "审批员丙", Roles::APPROVE)]
    {
        let clerk = NewClerk { username, display_name, roles, password: PASSWORD };
        users::add_clerk(&mut office, &clerk, at(1)).unwrap_or_else(|e| panic!("add {username}: {e}"));
    }
    let case_id = cases::new_case_id(at(2)).expect("id");
    cases::save_draft_with(&mut office, &case_id, &complete_record(), Some(true), at(2)).expect("draft");
    // Typing on keeps the flag unless the clerk changes it.
    let mut record = complete_record();
    record.remarks = "老年人，无智能手机".to_owned();
    cases::save_draft(&mut office, &case_id, &record, at(3)).expect("draft again");
    let submission = Submission {
        profile: "330182",
        opinion: "材料齐全，同意受理。",
        duplicates: DuplicateDecision::Check,
    };
    cases::submit(&mut office, &case_id, &submission, at(4)).expect("accept");
    login(&mut office, "b", 10);
    cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(11)).expect("review");
    login(&mut office, "c", 20);
    cases::approve(&mut office, &case_id, "同意签发。", at(21)).expect("approve");
    cases::record_issued(&mut office, &case_id, "330182202503100001", at(30)).expect("issue");
    (office, case_id)
}

/// A print system that keeps each job's PDF in a folder (as cups-pdf does), or refuses
/// every job when `fail` is set. The real CUPS path is covered by `crates/print/tests/cups.rs`
/// and the WebDriver workflow test.
struct FolderPrinter {
    dir: std::path::PathBuf,
    fail: bool,
    jobs: RefCell<i32>,
}

impl PrintSystem for FolderPrinter {
    fn printers(&self) -> Result<Vec<PrinterInfo>, PrinterError> {
        Ok(vec![PrinterInfo {
            name: "Folder".to_owned(),
            description: String::new(),
            location: String::new(),
            make_and_model: String::new(),
            is_default: true,
            state: PrinterState::Idle,
            accepting_jobs: true,
            state_message: String::new(),
        }])
    }

    fn submit(&self, job: &PrintJob) -> Result<JobId, PrinterError> {
        let mut jobs = self.jobs.borrow_mut();
        *jobs += 1;
        std::fs::write(self.dir.join(format!("job-{jobs}.pdf")), &job.pdf).expect("write job");
        Ok(JobId { printer: job.printer.clone(), id: *jobs })
    }

    fn job_state(&self, _id: &JobId) -> Result<JobOutcome, PrinterError> {
        Ok(if self.fail {
            JobOutcome::Failed { reason: "Filter failed".to_owned() }
        } else {
            JobOutcome::Completed
        })
    }
}

fn slip_qr_codes(pdf: &[u8], dir: &Path) -> Vec<String> {
    let pdf_path = dir.join("slip.pdf");
    std::fs::write(&pdf_path, pdf).expect("write pdf");
    let status = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-f", "1", "-l", "1"])
        .arg(&pdf_path)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm runs (poppler-utils)");
    assert!(status.success());
    let png = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "png"))
        .expect("a page");
    let output = Command::new("zbarimg").args(["--raw", "-q"]).arg(&png).output().expect("zbarimg runs");
    assert!(output.status.success(), "no QR code on the slip");
    String::from_utf8(output.stdout).expect("utf-8").lines().map(str::to_owned).collect()
}

#[test]
fn an_issued_case_gets_a_signed_slip_that_the_office_verifies() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut office, case_id) = issued_case(dir.path());
    let printing = Printing::load().expect("printing");

    let view = cases::get_case(&mut office, &case_id, at(31)).expect("view");
    assert_eq!(
        view.record.application_number, "33018201-20250310-0001",
        "numbered at acceptance (county and station), CST date"
    );
    assert!(view.paper_slip, "the flag set while typing survives later saves");
    assert_eq!(
        printing::available(&view),
        [Document::Form, Document::Receipt, Document::Review, Document::Slip]
    );
    let awaiting =
        worklists::worklist(&office, Worklist::IssuedAwaitingSlip, at(31).date_naive(), 10).expect("list");
    assert_eq!(awaiting.iter().map(|line| line.id).collect::<Vec<_>>(), [case_id]);

    let rendered =
        printing::render(&mut office, &printing, &case_id, Document::Slip, RenderChoices::default(), at(32))
            .expect("slip");
    assert_eq!(rendered.template.split(' ').next(), Some("slip"));
    let qr_dir = tempfile::tempdir().expect("dir");
    let codes = slip_qr_codes(&rendered.pdf, qr_dir.path());
    assert_eq!(codes.len(), 1, "one QR code: {codes:?}");

    let verified =
        printing::verify_slip(&mut office, &codes[0], at(33)).expect("the office's own slip verifies");
    assert_eq!(verified.payload.case_number, "33018201-20250310-0001");
    assert_eq!(verified.payload.permit_number, "330182202503100001");
    assert_eq!(verified.payload.issue_date, NaiveDate::from_ymd_opt(2025, 3, 10).expect("date"));
    assert!(verified.payload.id_number.contains('*'), "masked by default: {}", verified.payload.id_number);
    let (public_key, key_id) = printing::slip_public_key(&mut office, at(34)).expect("key");
    assert_eq!((public_key.len(), &public_key[..8]), (64, key_id.as_str()));

    // One changed character (another permit number) breaks the signature.
    let forged = codes[0].replacen("330182202503100001", "330182202503100002", 1);
    let refused = printing::verify_slip(&mut office, &forged, at(35)).expect_err("forged");
    assert!(matches!(refused, AppError::Print(print::PrintError::PayloadSignatureInvalid)), "{refused:?}");
    let refused = printing::verify_slip(&mut office, "not a slip", at(35)).expect_err("garbage");
    assert!(matches!(refused, AppError::Print(print::PrintError::PayloadMalformed { .. })), "{refused:?}");

    // The key survives closing and reopening the office: the same slip still verifies.
    office.close().expect("close");
    let mut office = Office::open(dir.path(), "c", PASSWORD, at(40)).expect("reopen");
    printing::verify_slip(&mut office, &codes[0], at(41)).expect("still verifies after a restart");
    assert_eq!(printing::slip_public_key(&mut office, at(42)).expect("key").0, public_key, "never replaced");
}

#[test]
fn printing_the_slip_takes_it_off_the_worklist_and_large_print_is_the_clerks_choice() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut office, case_id) = issued_case(dir.path());
    let printing = Printing::load().expect("printing");
    let jobs = tempfile::tempdir().expect("jobs");
    let today = at(31).date_naive();

    let regular =
        printing::render(&mut office, &printing, &case_id, Document::Slip, RenderChoices::default(), at(31))
            .expect("regular");
    let large = RenderChoices { large_print: Some(true) };
    let big =
        printing::render(&mut office, &printing, &case_id, Document::Slip, large, at(31)).expect("large");
    assert_ne!(regular.pdf, big.pdf, "large print is another layout");

    let failing = FolderPrinter { dir: jobs.path().to_owned(), fail: true, jobs: RefCell::new(0) };
    let error = printing::print(
        &mut office,
        &printing,
        &failing,
        &case_id,
        Document::Slip,
        large,
        "Folder",
        1,
        at(32),
    )
    .expect_err("the job fails");
    assert!(matches!(error, AppError::Printer(PrinterError::JobFailed { .. })), "{error:?}");
    assert_eq!(worklists::worklist(&office, Worklist::IssuedAwaitingSlip, today, 10).expect("list").len(), 1);

    let printer = FolderPrinter { dir: jobs.path().to_owned(), fail: false, jobs: RefCell::new(10) };
    let printed = printing::print(
        &mut office,
        &printing,
        &printer,
        &case_id,
        Document::Slip,
        large,
        "Folder",
        2,
        at(33),
    )
    .expect("printed");
    assert_eq!(printed.job, "Folder-11");
    assert!(jobs.path().join("job-11.pdf").exists());
    assert!(worklists::worklist(&office, Worklist::IssuedAwaitingSlip, today, 10).expect("list").is_empty());
    let view = cases::get_case(&mut office, &case_id, at(34)).expect("view");
    assert_eq!(view.slip_printed_at, Some(at(33)));

    // Reprint for an applicant who lost it: allowed, audited again.
    printing::print(&mut office, &printing, &printer, &case_id, Document::Slip, large, "Folder", 1, at(40))
        .expect("reprint");
    let prints: Vec<String> = app::audit::case_trail(&office, &case_id, 100)
        .expect("trail")
        .iter()
        .filter(|line| line.action == "printed")
        .map(app::audit::summary)
        .collect();
    assert_eq!(prints.len(), 3, "two prints and the failed attempt: {prints:?}");
    assert!(prints.iter().all(|line| line.contains("居住证确认单")), "{prints:?}");
    assert!(prints.iter().any(|line| line.contains("失败")), "{prints:?}");
}

/// The office's print settings decide what the clerk is offered: the slip's size when the
/// clerk does not choose, and which printer is preselected (the system's default when the
/// office's printer is gone).
#[test]
fn the_offices_print_settings_size_the_slip_and_preselect_the_printer() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut office, case_id) = issued_case(dir.path());
    let printing = Printing::load().expect("printing");
    // The page as pixels: the PDF's bytes differ from one render to the next.
    let pixels = tempfile::tempdir().expect("temporary directory");
    let render = |office: &mut Office, large_print: Option<bool>| {
        let choices = RenderChoices { large_print };
        let pdf = printing::render(office, &printing, &case_id, Document::Slip, choices, at(31))
            .expect("render")
            .pdf;
        let pdf_path = pixels.path().join("slip.pdf");
        std::fs::write(&pdf_path, pdf).expect("write pdf");
        let output = Command::new("pdftoppm")
            .args(["-r", "30", "-gray", "-f", "1", "-l", "1"])
            .arg(&pdf_path)
            .output()
            .expect("pdftoppm runs (poppler-utils)");
        assert!(output.status.success());
        output.stdout
    };
    // The administrator, who also accepts, prints (the slip names the clerk printing it).
    office.login("a", PASSWORD, at(31)).expect("administrator");
    let view = cases::get_case(&mut office, &case_id, at(31)).expect("view");
    assert!(!printing::large_print_default(&office, &view).expect("default"), "Jiande's profile: regular");
    let regular = render(&mut office, Some(false));
    let large = render(&mut office, Some(true));
    assert!(regular != large, "two layouts");
    assert!(render(&mut office, None) == regular, "the profile decides");

    let settings = PrintSettings { large_print: Some(true), printer: Some("Counter2".to_owned()) };
    office.set_print_settings(&settings, at(32)).expect("settings");
    assert!(printing::large_print_default(&office, &view).expect("default"), "the office's setting");
    assert!(render(&mut office, None) == large, "large unless the clerk chooses");
    assert!(render(&mut office, Some(false)) == regular, "the clerk may still choose");
    let refused =
        office.set_print_settings(&PrintSettings { printer: Some("a b".to_owned()), ..settings }, at(33));
    assert!(
        matches!(refused, Err(AppError::Validation(ref issues)) if issues[0].field == "printer"),
        "{refused:?}"
    );

    let system = Printers(vec![printer("Counter1", true), printer("Counter2", false)]);
    let names = |listed: Vec<printing::ListedPrinter>| {
        listed.into_iter().map(|p| (p.info.name, p.preferred)).collect::<Vec<_>>()
    };
    let office_printer = office.print_settings().expect("settings").printer;
    assert_eq!(
        names(printing::printers(&system, office_printer.as_deref()).expect("list")),
        [("Counter2".to_owned(), true), ("Counter1".to_owned(), false)],
        "the office's printer first and chosen"
    );
    assert_eq!(
        names(printing::printers(&system, Some("Removed")).expect("list")),
        [("Counter1".to_owned(), true), ("Counter2".to_owned(), false)],
        "a printer no longer there: the system's default"
    );
}

fn printer(name: &str, is_default: bool) -> PrinterInfo {
    PrinterInfo {
        name: name.to_owned(),
        description: String::new(),
        location: String::new(),
        make_and_model: String::new(),
        is_default,
        state: PrinterState::Idle,
        accepting_jobs: true,
        state_message: String::new(),
    }
}

/// A print system that only lists printers.
struct Printers(Vec<PrinterInfo>);

impl PrintSystem for Printers {
    fn printers(&self) -> Result<Vec<PrinterInfo>, PrinterError> {
        Ok(self.0.clone())
    }

    fn submit(&self, _job: &PrintJob) -> Result<JobId, PrinterError> {
        unreachable!("the test only lists printers")
    }

    fn job_state(&self, _id: &JobId) -> Result<JobOutcome, PrinterError> {
        unreachable!("the test only lists printers")
    }
}

#[test]
fn a_slip_is_refused_before_the_permit_is_issued() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office =
        Office::set_up_with_options(dir.path(), OFFICE_ID, "a", PASSWORD, at(0), options()).expect("set up");
    users::set_roles(&mut office, "a", Roles::ACCEPT | Roles::ADMIN, at(1)).expect("roles");
    let case_id = cases::new_case_id(at(2)).expect("id");
    cases::save_draft(&mut office, &case_id, &complete_record(), at(2)).expect("draft");
    let printing = Printing::load().expect("printing");
    let view = cases::get_case(&mut office, &case_id, at(3)).expect("view");
    assert_eq!(printing::available(&view), [Document::Form]);

    // Set up from the command line, the office has no printed details: the form (which
    // names no office) prints, an official document is refused, whatever its state.
    printing::render(&mut office, &printing, &case_id, Document::Form, RenderChoices::default(), at(3))
        .expect("the form names no office");
    let error =
        printing::render(&mut office, &printing, &case_id, Document::Slip, RenderChoices::default(), at(3))
            .expect_err("no office details");
    assert!(matches!(error, AppError::OfficeNotConfigured), "{error:?}");
    let problem = app::problem::Problem::of(&error);
    assert_eq!(problem.code, app::problem::ErrorCode::OfficeNotConfigured);
    assert!(problem.message.contains("办理点信息"), "{}", problem.message);

    office.set_details(&jiande_details(), at(3)).expect("details");
    let error =
        printing::render(&mut office, &printing, &case_id, Document::Slip, RenderChoices::default(), at(3))
            .expect_err("not issued");
    assert!(matches!(error, AppError::DocumentNotAvailable { .. }), "{error:?}");
}

/// The office's printed details, as the first-run screen or 办理点信息 sets them.
fn jiande_details() -> app::office::OfficeDetails {
    app::office::OfficeDetails {
        county_code: "330182".to_owned(),
        station: "01".to_owned(),
        name: "建德市公安局新安江派出所".to_owned(),
        address: "建德市新安江街道严州大道1号".to_owned(),
        phone: "0571-64712345".to_owned(),
    }
}

/// The private CUPS the WebDriver tests print to (`scripts/cups-private.sh`: a cupsd of
/// its own on a free loopback port, with the cups-pdf queue `PermitDeskPDF`), stopped when
/// dropped. Needs root and the CUPS packages, as CI has (scripts/install-deps.sh).
struct PrivateCups {
    pid: String,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PrivateCups {
    fn start() -> PrivateCups {
        let dir = tempfile::tempdir().expect("cups dir");
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("addr").port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/cups-private.sh");
        let started =
            Command::new("bash").arg(script).arg(dir.path()).arg(port.to_string()).output().expect("run it");
        assert!(
            started.status.success(),
            "the private CUPS did not start: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        let pid = String::from_utf8_lossy(&started.stdout).trim().to_owned();
        PrivateCups { pid, port, _dir: dir }
    }

    fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Runs a CUPS command line tool against this server.
    fn run(&self, tool: &str, args: &[&str]) {
        let status =
            Command::new(tool).arg("-h").arg(self.server()).args(args).status().expect("a CUPS tool");
        assert!(status.success(), "{tool} {args:?}");
    }
}

impl Drop for PrivateCups {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.pid).status();
    }
}

/// A slip sent to a printer that is stopped (out of paper) waits at the printer: the clerk
/// is told, the slip stays owed, and the desk follows the job. Cancelled at the printer, it
/// is recorded as not printed and the slip is still owed; sent again and printed once the
/// printer is back, the slip leaves 待打印确认单 then — recorded once, with who sent it.
#[test]
fn a_slip_held_by_a_stopped_printer_is_owed_until_the_job_really_prints() {
    let cups = PrivateCups::start();
    let system = printing::Cups::new("127.0.0.1", cups.port);
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut office, case_id) = issued_case(dir.path());
    let printing = Printing::load().expect("printing");
    let today = at(31).date_naive();
    let owed = |office: &Office| {
        worklists::worklist(office, Worklist::IssuedAwaitingSlip, today, 10).expect("list").len()
    };
    let print = |office: &mut Office, minutes| {
        printing::print(
            office,
            &printing,
            &system,
            &case_id,
            Document::Slip,
            RenderChoices::default(),
            "PermitDeskPDF",
            1,
            at(minutes),
        )
    };

    // Stopped, then the job cancelled at the printer.
    cups.run("cupsdisable", &["-r", "out of paper", "PermitDeskPDF"]);
    let error = print(&mut office, 32).expect_err("the printer is stopped");
    assert!(matches!(error, AppError::Printer(PrinterError::JobStopped { .. })), "{error:?}");
    let waiting = printing::waiting_jobs(&office).expect("waiting");
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].case_id, waiting[0].document.as_str()), (case_id, "confirmation_slip"));
    assert_eq!(owed(&office), 1, "a held slip is not in the applicant's hands");
    assert!(
        printing::follow_waiting_jobs(&mut office, &system, at(33)).expect("follow").is_empty(),
        "still held"
    );
    cups.run("cancel", &["-a", "PermitDeskPDF"]);
    let ended = follow_until_ended(&mut office, &system, 34);
    assert!(
        matches!(&ended.end, printing::JobEnd::NotPrinted { code, .. } if *code == app::problem::ErrorCode::PrintJobCanceled),
        "{ended:?}"
    );
    assert_eq!(owed(&office), 1, "cancelled: still owed");
    assert!(printing::waiting_jobs(&office).expect("waiting").is_empty());

    // Stopped again; this time the printer comes back and prints it.
    let error = print(&mut office, 35).expect_err("still stopped");
    assert!(matches!(error, AppError::Printer(PrinterError::JobStopped { .. })), "{error:?}");
    cups.run("cupsenable", &["PermitDeskPDF"]);
    let ended = follow_until_ended(&mut office, &system, 36);
    assert_eq!(ended.end, printing::JobEnd::Completed);
    assert_eq!(owed(&office), 0, "printed: off the list");
    let view = cases::get_case(&mut office, &case_id, at(37)).expect("view");
    assert_eq!(view.slip_printed_at, Some(at(36)), "when the desk saw it printed");
    assert!(printing::follow_waiting_jobs(&mut office, &system, at(38)).expect("follow").is_empty(), "once");

    let prints: Vec<String> = app::audit::case_trail(&office, &case_id, 100)
        .expect("trail")
        .iter()
        .filter(|line| line.action == "printed")
        .map(app::audit::summary)
        .collect();
    assert_eq!(prints.len(), 4, "two held, one cancelled, one printed: {prints:?}");
    assert_eq!(
        prints.iter().filter(|line| line.contains("在打印机排队（PRINT_JOB_STOPPED）")).count(),
        2,
        "{prints:?}"
    );
    assert_eq!(
        prints.iter().filter(|line| line.contains("失败（PRINT_JOB_CANCELED）")).count(),
        1,
        "{prints:?}"
    );
    assert_eq!(prints.iter().filter(|line| line.contains("排队后打印完成")).count(), 1, "{prints:?}");
    office.login("a", PASSWORD, at(39)).expect("administrator");
    assert!(app::audit::verify(&office).expect("verify").is_intact());
}

/// Follows the held jobs until one has ended (CUPS takes a moment to print or forget).
fn follow_until_ended(office: &mut Office, system: &printing::Cups, minutes: i64) -> printing::EndedJob {
    let started = std::time::Instant::now();
    loop {
        let mut ended = printing::follow_waiting_jobs(office, system, at(minutes)).expect("follow");
        if let Some(job) = ended.pop() {
            assert!(ended.is_empty());
            return job;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the held job never ended");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
