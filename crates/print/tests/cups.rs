//! Printing through a real CUPS daemon that the test starts itself: a private `cupsd` on a
//! free loopback port (its own ServerRoot, spool, cache and state in a temporary directory),
//! a cups-pdf queue added with `lpadmin`, a real slip rendered and sent through [`Cups`],
//! and the PDF that cups-pdf writes found and read back with `pdftotext`.
//!
//! Needs `apt-get install -y cups cups-client cups-bsd printer-driver-cups-pdf poppler-utils`
//! and root (the cups-pdf backend is `0700 root`, so only a root cupsd can run it). A missing
//! piece fails the test with that message; it never skips. docs/print.md explains the set-up.

#[allow(dead_code, reason = "shared with the documents tests; this file uses a few helpers")]
#[path = "documents/support.rs"]
mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use print::{Cups, JobOutcome, PrintJob, PrintSystem, PrinterError, demo_signing_key};

const INSTALL: &str = "apt-get install -y cups cups-client cups-bsd printer-driver-cups-pdf poppler-utils";
const QUEUE: &str = "PermitDeskPDF";
const SPARE_QUEUE: &str = "PermitDeskSpare";

/// A private cupsd, stopped (killed and reaped) when dropped, even when the test panics.
struct CupsDaemon {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for CupsDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

fn require(path: &str, what: &str) {
    assert!(Path::new(path).exists(), "{what} ({path}) is missing; the CUPS test needs it: {INSTALL}");
}

fn current_user() -> String {
    let output = Command::new("id").arg("-un").output().expect("run `id -un`");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

impl CupsDaemon {
    fn start() -> CupsDaemon {
        require("/usr/sbin/cupsd", "cupsd");
        require("/usr/sbin/lpadmin", "lpadmin");
        require("/usr/lib/cups/backend/cups-pdf", "the cups-pdf backend");
        let user = current_user();
        assert_eq!(
            user, "root",
            "the CUPS test must run as root: the cups-pdf backend is executable by root only, so a \
             cupsd started by `{user}` cannot print to it (CI runs as root)"
        );
        let dir =
            tempfile::Builder::new().prefix("permit-desk-cups-").tempdir().expect("temporary directory");
        let root = dir.path();
        for sub in ["root", "spool", "cache", "state", "tmp", "log"] {
            std::fs::create_dir_all(root.join(sub)).expect("create cupsd directory");
        }
        // cupsd runs filters as user `lp`: it must reach the spool and write its temp files.
        chmod(root, 0o755);
        chmod(&root.join("tmp"), 0o1777);
        let port = free_port();
        let files = format!(
            "ServerRoot {r}/root\nRequestRoot {r}/spool\nCacheDir {r}/cache\nStateDir {r}/state\n\
             TempDir {r}/tmp\nErrorLog {r}/log/error_log\nAccessLog {r}/log/access_log\n\
             PageLog {r}/log/page_log\nSystemGroup root\n",
            r = root.display()
        );
        // Loopback only, no web interface, no browsing, no authentication (the default
        // policy would ask lpadmin for a local certificate it looks for in the system
        // cupsd's state directory). A failed job is aborted rather than stopping the queue.
        let conf = format!(
            "Listen 127.0.0.1:{port}\nLogLevel debug\nWebInterface No\nBrowsing No\n\
             DefaultAuthType None\nErrorPolicy abort-job\nMaxJobs 100\n\
             <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
             <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        );
        std::fs::write(root.join("cups-files.conf"), files).expect("write cups-files.conf");
        std::fs::write(root.join("cupsd.conf"), conf).expect("write cupsd.conf");
        let log = std::fs::File::create(root.join("log/cupsd.out")).expect("cupsd output file");
        let child = Command::new("/usr/sbin/cupsd")
            .arg("-f")
            .arg("-c")
            .arg(root.join("cupsd.conf"))
            .arg("-s")
            .arg(root.join("cups-files.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start /usr/sbin/cupsd ({e}): {INSTALL}"));
        let mut daemon = CupsDaemon { child, port, dir };
        daemon.wait_until_ready();
        daemon
    }

    fn cups(&self) -> Cups {
        Cups::new("127.0.0.1", self.port).with_user(current_user()).with_timeout(Duration::from_secs(5))
    }

    fn log(&self) -> String {
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join("log").join(name)).unwrap_or_default();
        let error_log = read("error_log");
        let tail: Vec<&str> = error_log.lines().rev().take(40).collect();
        format!(
            "cupsd output:\n{}\nlast lines of error_log:\n{}",
            read("cupsd.out"),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    fn wait_until_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("cupsd exited at start ({status}). {}", self.log());
            }
            match self.cups().printers() {
                Ok(_) => return,
                Err(error) if started.elapsed() > Duration::from_secs(10) => {
                    panic!("cupsd did not answer on port {} within 10 s: {error}. {}", self.port, self.log())
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn lpadmin(&self, args: &[&str]) {
        let server = format!("127.0.0.1:{}", self.port);
        let output = Command::new("/usr/sbin/lpadmin")
            .arg("-h")
            .arg(&server)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run lpadmin ({e}): {INSTALL}"));
        assert!(
            output.status.success(),
            "lpadmin {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }

    /// A cups-pdf queue, A4. `pdftops-renderer-default=pdftocairo`: cups-pdf takes PostScript,
    /// and the default PDF → PostScript route (Ghostscript) turns our CID font into Type 3
    /// glyphs without text, so `pdftotext` could no longer find the name in the printed file.
    fn add_pdf_queue(&self, name: &str) {
        self.lpadmin(&[
            "-p",
            name,
            "-E",
            "-v",
            "cups-pdf:/",
            "-m",
            "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd",
            "-o",
            "PageSize=A4",
            "-o",
            "pdftops-renderer-default=pdftocairo",
            "-o",
            "printer-error-policy=abort-job",
        ]);
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Where cups-pdf writes for `user`: `Out` in /etc/cups/cups-pdf.conf (its path is compiled
/// into the backend, so a private instance cannot have its own), `${HOME}/PDF` by default,
/// with `${HOME}` the user's home directory from the password database.
fn cups_pdf_out_dir(user: &str) -> PathBuf {
    let conf = std::fs::read_to_string("/etc/cups/cups-pdf.conf").unwrap_or_default();
    let out = conf
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix("Out ").map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| "${HOME}/PDF".to_owned());
    let passwd = Command::new("getent").args(["passwd", user]).output().expect("run getent passwd");
    let entry = String::from_utf8_lossy(&passwd.stdout).into_owned();
    let home = entry.trim().split(':').nth(5).map(str::to_owned).unwrap_or_else(|| {
        std::env::var("HOME").unwrap_or_else(|_| panic!("no home directory for {user} in getent passwd"))
    });
    PathBuf::from(out.replace("${HOME}", &home))
}

/// The file cups-pdf wrote for job `id`: `<title>-job_<id>.pdf` (cups-pdf mangles the title a
/// little, so match the job number and a token of the title), newer than `since`.
fn find_printed(dir: &Path, token: &str, id: i32, since: SystemTime) -> Option<PathBuf> {
    let suffix = format!("-job_{id}.pdf");
    std::fs::read_dir(dir).ok()?.filter_map(|entry| entry.ok()).map(|entry| entry.path()).find(|path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let fresh = path.metadata().and_then(|m| m.modified()).is_ok_and(|modified| modified >= since);
        name.ends_with(&suffix) && name.contains(token) && fresh
    })
}

#[test]
fn a_slip_prints_through_a_private_cupsd_to_a_cups_pdf_queue() {
    let started = SystemTime::now() - Duration::from_secs(1);
    let daemon = CupsDaemon::start();
    let cups = daemon.cups();

    // An empty server lists no printer.
    assert_eq!(cups.printers().expect("list printers"), Vec::new());

    daemon.add_pdf_queue(QUEUE);
    daemon.add_pdf_queue(SPARE_QUEUE);
    daemon.lpadmin(&["-d", QUEUE]);
    let printers = cups.printers().expect("list printers");
    let names: Vec<&str> = printers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, [QUEUE, SPARE_QUEUE], "the default printer comes first");
    assert!(printers[0].is_default && !printers[1].is_default, "{printers:?}");
    assert!(printers.iter().all(|p| p.accepting_jobs), "{printers:?}");
    assert!(printers[0].make_and_model.contains("PDF"), "{printers:?}");

    // A real slip for 张伟.
    let document = support::renderer()
        .render_slip(&support::complete(), &support::slip_data(), &demo_signing_key())
        .expect("slip renders");
    let token = format!("PermitDeskTest{}", std::process::id());
    let job = PrintJob::a4(QUEUE, format!("{token} slip"), document.bytes.clone());
    let id =
        cups.submit(&job).unwrap_or_else(|e| panic!("submit: {e} ({}). {}", e.message_zh(), daemon.log()));
    assert_eq!(id.printer, QUEUE);
    cups.wait_for(&id, Duration::from_secs(15))
        .unwrap_or_else(|e| panic!("job {id}: {e} ({}). {}", e.message_zh(), daemon.log()));
    assert_eq!(cups.job_state(&id).expect("job state"), JobOutcome::Completed);

    let out_dir = cups_pdf_out_dir(&current_user());
    let printed = find_printed(&out_dir, &token, id.id, started).unwrap_or_else(|| {
        panic!("cups-pdf wrote no *{token}*-job_{}.pdf in {}. {}", id.id, out_dir.display(), daemon.log())
    });
    // Keep a copy for a person to look at, and leave the user's PDF folder as it was.
    let kept = support::out_dir("cups").join("printed-slip.pdf");
    std::fs::copy(&printed, &kept).expect("copy the printed PDF");
    let _ = std::fs::remove_file(&printed);
    let text = support::squeeze(&support::pdftotext(&kept));
    assert!(text.contains("张伟"), "the printed slip names the holder; text:\n{text}");
    assert!(text.contains("浙江省居住证确认单"), "and has its title; text:\n{text}");
    assert!(support::pdfinfo(&kept).contains("A4"), "printed on A4");

    // Two copies are accepted too (cups-pdf writes one file whatever the copies).
    let copies = cups.submit(&job.clone().with_copies(2)).expect("two copies");
    cups.wait_for(&copies, Duration::from_secs(15)).expect("two copies print");
    if let Some(path) = find_printed(&out_dir, &token, copies.id, started) {
        let _ = std::fs::remove_file(path);
    }

    // A printer that does not exist: the typed error and the clerk's sentence.
    let missing = PrintJob::a4("NoSuchQueue", "t", document.bytes.clone());
    match cups.submit(&missing) {
        Err(error @ PrinterError::NoSuchPrinter { .. }) => {
            assert_eq!(error.message_zh(), "打印机“NoSuchQueue”不存在或已停用。请重新选择打印机。");
        }
        other => panic!("expected NoSuchPrinter, got {other:?}"),
    }

    // A damaged PDF: CUPS accepts it, its filter fails, and the reason comes back.
    let broken = PrintJob::a4(QUEUE, format!("{token} broken"), b"%PDF-1.7\nnot really a PDF\n".to_vec());
    let broken_id = cups.submit(&broken).expect("CUPS accepts the damaged file");
    match cups.wait_for(&broken_id, Duration::from_secs(15)) {
        Err(PrinterError::JobFailed { job, reason }) => {
            assert_eq!(job, broken_id);
            assert!(!reason.is_empty(), "CUPS gives a reason");
        }
        other => panic!("expected JobFailed for the damaged PDF, got {other:?}. {}", daemon.log()),
    }
    // cups-pdf may still write an empty file for it, titled after its spool path.
    if let Some(path) = find_printed(&out_dir, "", broken_id.id, started) {
        let _ = std::fs::remove_file(path);
    }

    // A printer paused before the job arrives (a colleague's `cupsdisable`, out of paper):
    // CUPS gives such a job no reason; the printer's own state says it is stopped, and the
    // wait ends after its grace with that reason instead of at the timeout.
    let server = format!("127.0.0.1:{}", daemon.port);
    let disabled = Command::new("/usr/sbin/cupsdisable")
        .args(["-h", &server, "-r", "out of paper", SPARE_QUEUE])
        .status()
        .unwrap_or_else(|e| panic!("cannot run cupsdisable ({e}): {INSTALL}"));
    assert!(disabled.success(), "cupsdisable failed. {}", daemon.log());
    let paused = PrintJob::a4(SPARE_QUEUE, format!("{token} paused"), document.bytes.clone());
    let paused_id = cups.submit(&paused).expect("a stopped queue still takes jobs");
    let waited = Instant::now();
    match cups.wait_for(&paused_id, Duration::from_secs(30)) {
        Err(PrinterError::JobStopped { job, reason }) => {
            assert_eq!(job, paused_id);
            assert_eq!(reason, "out of paper");
        }
        other => panic!("expected JobStopped for the paused printer, got {other:?}. {}", daemon.log()),
    }
    assert!(waited.elapsed() < Duration::from_secs(10), "said after the grace, not at the timeout");
    let _ = Command::new("/usr/bin/cancel").args(["-h", &server, "-a", SPARE_QUEUE]).status();

    // A job number the server never gave.
    let unknown = print::JobId { printer: QUEUE.to_owned(), id: 99_999 };
    assert!(
        matches!(cups.job_state(&unknown), Err(PrinterError::NoSuchJob { .. })),
        "{:?}",
        cups.job_state(&unknown)
    );
    drop(daemon);
}

#[test]
fn a_print_server_that_is_not_there_is_a_typed_error() {
    // A port nothing listens on: bound, then released.
    let port = free_port();
    let cups = Cups::new("127.0.0.1", port).with_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let error = cups.printers().expect_err("nothing listens there");
    assert!(matches!(error, PrinterError::Unreachable { .. }), "{error:?}");
    assert!(
        error.message_zh().starts_with(&format!("无法连接打印服务（127.0.0.1:{port}）")),
        "{}",
        error.message_zh()
    );
    let job = PrintJob::a4(QUEUE, "t", b"%PDF-1.7\n".to_vec());
    assert!(matches!(cups.submit(&job), Err(PrinterError::Unreachable { .. })));
    assert!(started.elapsed() < Duration::from_secs(5), "refused connections fail fast");
}

#[test]
fn something_that_is_not_cups_is_a_protocol_error() {
    // A server that answers with something other than HTTP.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut stream, _)) = listener.accept() {
            // Read the whole request (until the client goes quiet), then answer.
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let mut buffer = [0_u8; 4096];
            while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\r\n");
        }
    });
    let error = Cups::new("127.0.0.1", port).printers().expect_err("not CUPS");
    assert!(matches!(error, PrinterError::Protocol { .. }), "{error:?}");
    server.join().expect("server thread");
}
