//! Scanners through SANE, by running the `scanimage` command line (package sane-utils).
//!
//! A child process rather than bindings to libsane: a crashing or hanging backend driver
//! (they are third-party C, some closed) takes down scanimage, not the app, and a hang is
//! ended by killing the child. It also needs no libclang at build time and no `unsafe`.
//! docs/scan.md has the comparison with the `sane-scan` crate.
//!
//! Pages come back as PNG bytes, to be run through [`crate::intake`] like any file.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{ColourMode, ScanError};

/// How to reach SANE: which `scanimage`, and which configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaneEnv {
    /// Sets `SANE_CONFIG_DIR` for scanimage: the folder holding `dll.conf` and the backends'
    /// `.conf` files. `None` uses the system's (`/etc/sane.d`). Tests point it at a folder of
    /// their own whose `dll.conf` enables the `test` backend. A value without a trailing `:`
    /// replaces the system folder; with one, the system folder is searched after it.
    pub config_dir: Option<PathBuf>,
    /// The scanimage program (default `scanimage`, looked up on the path).
    pub program: PathBuf,
    /// Where scanimage writes pages before they are read back and deleted; `None` uses the
    /// system's temporary folder. The app passes a folder under its data directory.
    pub work_dir: Option<PathBuf>,
    /// Longest time listing devices may take (default 30 s: network scanners answer slowly).
    pub list_timeout: Duration,
}

impl Default for SaneEnv {
    fn default() -> Self {
        SaneEnv {
            config_dir: None,
            program: PathBuf::from("scanimage"),
            work_dir: None,
            list_timeout: Duration::from_secs(30),
        }
    }
}

/// A scanner SANE can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// SANE's device name, what [`scan`] takes: `test:0`, `epson2:libusb:001:004`, …
    pub name: String,
    /// Maker, as the backend reports it.
    pub vendor: String,
    /// Model, as the backend reports it.
    pub model: String,
    /// Kind: `flatbed scanner`, `sheetfed scanner`, `virtual device`, …
    pub kind: String,
}

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSettings {
    /// Dots per inch (default 300).
    pub resolution: u32,
    /// SANE's `Gray` or `Color` mode.
    pub mode: ColourMode,
    /// Number of pages, scanned in one batch: a document feeder feeds them one after the
    /// other. A feeder that runs out early ends the batch with fewer pages, not an error.
    pub pages: u32,
    /// Scan area, width and height in millimetres (`-x`, `-y`); `None` keeps the device's.
    pub area_mm: Option<(u32, u32)>,
    /// Device-specific options as name and value, passed as `--name=value` (for example
    /// `source` = `ADF Duplex`, or the test backend's `test-picture` = `Color pattern`).
    pub backend_options: Vec<(String, String)>,
    /// Longest time one page may take: the first page gets twice this (the lamp warms up),
    /// each later page this much from the one before. A scanner that stops sending (a cable
    /// pulled, a network scanner gone) is found within one page's time, not the batch's.
    pub page_timeout: Duration,
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            resolution: 300,
            mode: ColourMode::Grey,
            pages: 1,
            area_mm: None,
            backend_options: Vec::new(),
            page_timeout: Duration::from_secs(60),
        }
    }
}

/// Lists the scanners SANE can see. No scanner is an empty list, not an error.
pub fn list_devices(env: &SaneEnv) -> Result<Vec<Device>, ScanError> {
    let arguments = ["--formatted-device-list=%d\t%v\t%m\t%t%n".to_owned()];
    let finished = run(env, &arguments, env.list_timeout, &mut |_| None)?;
    if !finished.status.success() {
        return Err(ScanError::ScanFailed { detail: finished.stderr_summary() });
    }
    Ok(String::from_utf8_lossy(&finished.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let name = fields.next()?.trim();
            if name.is_empty() {
                return None;
            }
            Some(Device {
                name: name.to_owned(),
                vendor: fields.next().unwrap_or_default().to_owned(),
                model: fields.next().unwrap_or_default().to_owned(),
                kind: fields.next().unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

/// What a scan brought back.
#[derive(Debug)]
pub struct Scanned {
    /// Each whole page as PNG bytes, in order.
    pub pages: Vec<Vec<u8>>,
    /// Pages asked for.
    pub requested: u32,
    /// Why the scan stopped before the pages asked for, when it failed part-way (the
    /// scanner unplugged, jammed or silent after some pages came in): the pages in `pages`
    /// are whole and kept, the rest were never received. `None` when it ended normally,
    /// including a feeder that ran out early.
    pub stopped: Option<ScanError>,
}

/// Scans `settings.pages` pages from `device` and returns each as PNG bytes, in order.
///
/// `progress(done, total)` is called after each page. A scanner that fails or falls silent
/// after some pages came in keeps those pages: they are returned, with the reason in
/// [`Scanned::stopped`]; a scan that fails before its first page is an error. A silent
/// scanner is stopped (scanimage killed) after [`ScanSettings::page_timeout`] without a page.
pub fn scan(
    env: &SaneEnv,
    device: &str,
    settings: &ScanSettings,
    mut progress: impl FnMut(u32, u32),
) -> Result<Scanned, ScanError> {
    let total = settings.pages.max(1);
    let io_error = |what: &str| {
        let what = what.to_owned();
        move |source| ScanError::Io { what, source }
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix("permit-desk-scan-");
    // The pages are personal data: only this user may read them while they are on disk.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let work = match &env.work_dir {
        Some(dir) => builder.tempdir_in(dir),
        None => builder.tempdir(),
    }
    .map_err(io_error("a temporary folder for the scanned pages"))?;
    let pattern = work.path().join("page-%d.png");

    let mode = match settings.mode {
        ColourMode::Grey => "Gray",
        ColourMode::Colour => "Color",
    };
    let mut arguments = vec![
        format!("--device-name={device}"),
        "--format=png".to_owned(),
        format!("--mode={mode}"),
        format!("--resolution={}", settings.resolution),
        format!("--batch={}", pattern.display()),
        format!("--batch-count={total}"),
    ];
    if let Some((width, height)) = settings.area_mm {
        arguments.extend(["-x".to_owned(), width.to_string()]);
        arguments.extend(["-y".to_owned(), height.to_string()]);
    }
    for (name, value) in &settings.backend_options {
        arguments.push(format!("--{name}={value}"));
    }

    // The first page may take twice a page's time (the lamp warms up); each later page
    // gets a page's time from the one before.
    let page_timeout = settings.page_timeout;
    let mut done = 0;
    let mut broken_page = false;
    let finished = run(env, &arguments, page_timeout.saturating_mul(2), &mut |line| {
        // Batch mode reports "Scanned page 3. (scanner status = 5)" on stderr; 5 is SANE's
        // end of page. A page whose scanner went away mid-way is reported "scanned" too,
        // with another status, and its file is not kept: that is no progress.
        let rest = line.strip_prefix("Scanned page ")?;
        let page = rest.split(['.', ' ']).next().and_then(|number| number.parse::<u32>().ok())?;
        if rest.contains("(scanner status = ") && !rest.contains("(scanner status = 5)") {
            broken_page = true;
            return None;
        }
        done = page.min(total);
        progress(done, total);
        Some(page_timeout)
    });
    let (stopped, said) = match finished {
        // scanimage reports a page broken off (the scanner gone mid-page) and may still
        // exit with success: the batch did not end normally.
        Ok(finished) if broken_page => {
            (Some(ScanError::ScanFailed { detail: finished.stderr_summary() }), String::new())
        }
        Ok(finished) if finished.status.success() => (None, finished.stderr_summary()),
        // A feeder that ran out before the count asked for: scanimage exits with SANE's
        // "no documents" status, which ends a batch normally once a page came in (and is
        // a failure, empty feeder, when none did).
        Ok(finished) if finished.status.code() == Some(SANE_STATUS_NO_DOCS) => {
            (None, finished.stderr_summary())
        }
        Ok(finished) => {
            let detail = finished.stderr_summary();
            let error = if detail.contains("open of device") {
                ScanError::ScannerNotFound { device: device.to_owned(), detail }
            } else {
                ScanError::ScanFailed { detail }
            };
            (Some(error), String::new())
        }
        Err(error @ ScanError::ScanTimeout { .. }) => (Some(error), String::new()),
        Err(error) => return Err(error),
    };

    // scanimage writes each page under `page-N.png.part` and renames it when whole, so a
    // `page-N.png` is a whole page even when the scan stopped in the middle of the next.
    let mut pages = Vec::new();
    for number in 1..=total {
        let path = work.path().join(format!("page-{number}.png"));
        match std::fs::read(&path) {
            Ok(bytes) => pages.push(bytes),
            // A feeder that ran out, or a scan that stopped: no more pages.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => break,
            Err(error) => return Err(io_error(&path.display().to_string())(error)),
        }
    }
    match stopped {
        Some(error) if pages.is_empty() => Err(error),
        None if pages.is_empty() => {
            // The feeder held no paper, or scanimage ended without saying why.
            Err(ScanError::ScanFailed { detail: format!("no page was scanned: {said}") })
        }
        stopped => Ok(Scanned { pages, requested: total, stopped }),
    }
}

/// scanimage's exit status when the feeder is out of documents (SANE_STATUS_NO_DOCS).
const SANE_STATUS_NO_DOCS: i32 = 7;

/// What a finished scanimage left behind.
struct Finished {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<String>,
}

impl Finished {
    /// scanimage's own messages ("scanimage: …"), or its last line when it printed none.
    fn stderr_summary(&self) -> String {
        let messages: Vec<&str> =
            self.stderr.iter().map(String::as_str).filter(|line| line.starts_with("scanimage:")).collect();
        if messages.is_empty() {
            self.stderr.last().cloned().unwrap_or_else(|| format!("scanimage exited with {}", self.status))
        } else {
            messages.join("; ")
        }
    }
}

/// Runs scanimage, hands each stderr line to `on_line` as it arrives, and kills it when
/// `timeout` passes. A line for which `on_line` answers a time is progress: the clock
/// starts again, with that long to go.
fn run(
    env: &SaneEnv,
    arguments: &[String],
    timeout: Duration,
    on_line: &mut dyn FnMut(&str) -> Option<Duration>,
) -> Result<Finished, ScanError> {
    let mut command = Command::new(&env.program);
    command.args(arguments).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(dir) = &env.config_dir {
        command.env("SANE_CONFIG_DIR", dir);
    }
    let mut child = command.spawn().map_err(|error| spawn_error(&env.program, error))?;
    let mut window = timeout;
    let mut deadline = Instant::now() + window;

    let (stdout_sender, stdout_bytes) = mpsc::channel();
    if let Some(mut stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            // A read error leaves what was read: the exit status tells what happened.
            let _ = stdout.read_to_end(&mut bytes);
            let _ = stdout_sender.send(bytes);
        });
    }
    let (line_sender, lines) = mpsc::channel();
    if let Some(stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line_sender.send(line).is_err() {
                    break;
                }
            }
        });
    }

    // Until stderr closes (scanimage is exiting) or scanimage itself has exited: a
    // backend's helper process may inherit the pipes and keep them open after scanimage
    // is gone (seen with SANE's test backend reporting a jam), which must not read as a
    // scan that hangs.
    let mut stderr = Vec::new();
    let mut exited = None;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(remaining.min(POLL)) {
            Ok(line) => {
                if let Some(next) = on_line(&line) {
                    window = next;
                    deadline = Instant::now() + window;
                }
                stderr.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = child.try_wait() {
                    // Take what it wrote before it exited, then stop listening.
                    while let Ok(line) = lines.recv_timeout(POLL) {
                        let _ = on_line(&line);
                        stderr.push(line);
                    }
                    exited = Some(status);
                    break;
                }
                if remaining.is_zero() {
                    return stop(&mut child, window, stderr);
                }
            }
        }
    }
    // stderr is closed: scanimage is exiting. Wait for it, still within the deadline.
    let status = match exited {
        Some(status) => status,
        None => loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                Ok(None) => return stop(&mut child, window, stderr),
                Err(source) => {
                    return Err(ScanError::Io { what: "the scanimage process".to_owned(), source });
                }
            }
        },
    };
    // Its output, unless a helper still holds the pipe (then a failed scan's stdout is empty
    // and a finished scan's pages are in their files).
    let stdout = stdout_bytes.recv_timeout(STDOUT_GRACE).unwrap_or_default();
    Ok(Finished { status, stdout, stderr })
}

/// How often a running scanimage is checked while it is silent.
const POLL: Duration = Duration::from_millis(200);
/// How long its output may take to arrive after it exited.
const STDOUT_GRACE: Duration = Duration::from_secs(2);

/// Kills a scanimage that overran its time and reaps it. One that reported a failed SANE
/// call first (`scanimage: sane_read: Document feeder jammed`, `sane_start: …`; not its
/// warnings such as a rounded value) and then hung closing the device is that failure, as
/// the clerk should read it, not a timeout; seen once with SANE's test backend reporting a
/// jam on a loaded machine.
fn stop(child: &mut Child, timeout: Duration, stderr: Vec<String>) -> Result<Finished, ScanError> {
    // It may have exited just now; either way it must not linger.
    let _ = child.kill();
    let status = child.wait();
    match status {
        Ok(status) if stderr.iter().any(|line| line.starts_with("scanimage: sane_")) => {
            Ok(Finished { status, stdout: Vec::new(), stderr })
        }
        _ => Err(ScanError::ScanTimeout { timeout }),
    }
}

fn spawn_error(program: &Path, error: std::io::Error) -> ScanError {
    if error.kind() == std::io::ErrorKind::NotFound {
        ScanError::SaneMissing { detail: format!("{}: {error}", program.display()) }
    } else {
        ScanError::Io { what: format!("starting {}", program.display()), source: error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hanging() -> Child {
        Command::new("sleep").arg("30").spawn().expect("sleep runs")
    }

    #[test]
    fn a_scanimage_that_reported_a_failed_call_and_then_hung_is_that_failure() {
        let stderr = vec![
            "scanimage: rounded value of br-x from 200 to 199.99".to_owned(),
            "scanimage: sane_read: Document feeder jammed".to_owned(),
        ];
        let finished = stop(&mut hanging(), Duration::from_secs(1), stderr).expect("the jam, not a timeout");
        assert!(!finished.status.success(), "killed");
        assert!(finished.stderr_summary().contains("jammed"), "{}", finished.stderr_summary());
    }

    #[test]
    fn a_scanimage_that_only_warned_and_then_hung_timed_out() {
        let stderr = vec!["scanimage: rounded value of br-x from 200 to 199.99".to_owned()];
        let stopped = stop(&mut hanging(), Duration::from_secs(1), stderr);
        assert!(matches!(stopped, Err(ScanError::ScanTimeout { .. })), "{:?}", stopped.err());
        assert!(matches!(
            stop(&mut hanging(), Duration::from_secs(1), Vec::new()),
            Err(ScanError::ScanTimeout { .. })
        ));
    }
}
