//! Sending a rendered PDF to the operating system's print system.
//!
//! [`PrintSystem`] is the seam: the app lists printers, submits a [`PrintJob`] and follows
//! its [`JobId`] until CUPS (or, one day, the Windows spooler) says it printed or why not.
//! [`Cups`] is the Linux implementation: IPP over one blocking HTTP/1.1 request per call to
//! a CUPS server (by default the local one, `localhost:631`), encoded and decoded with the
//! `ipp` crate. No background thread, no async runtime: the app calls it inside
//! `spawn_blocking`, like rendering.
//!
//! ```no_run
//! # fn main() -> Result<(), print::PrinterError> {
//! use std::time::Duration;
//! use print::{Cups, PrintJob, PrintSystem};
//! let cups = Cups::local();
//! let printers = cups.printers()?; // the default one has `is_default: true`
//! # let pdf: Vec<u8> = Vec::new();
//! let job = PrintJob::a4("HP_LaserJet", "确认单 JD-2025-000123", pdf);
//! let id = cups.submit(&job)?;
//! cups.wait_for(&id, Duration::from_secs(30))?; // Err(JobFailed { reason, .. }) if it did not print
//! # Ok(()) }
//! ```

use std::fmt;
use std::io::{Cursor, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use ipp::attribute::{IppAttribute, IppAttributes};
use ipp::model::{DelimiterTag, IppVersion, JobState, Operation, StatusCode};
use ipp::operation::IppOperation;
use ipp::operation::builder::IppOperationBuilder;
use ipp::parser::IppParser;
use ipp::payload::IppPayload;
use ipp::reader::IppReader;
use ipp::request::IppRequestResponse;
use ipp::value::IppValue;
use serde::{Deserialize, Serialize};

/// What can go wrong between the app and the print system. Each variant has a sentence a
/// clerk can act on: [`PrinterError::message_zh`].
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// Nothing answers at the print server's address (CUPS not started, wrong port), or it
    /// stopped answering.
    #[error("print server {server} is not reachable: {source}")]
    Unreachable {
        /// `host:port` that was tried.
        server: String,
        /// The connection or read error.
        #[source]
        source: std::io::Error,
    },
    /// No printer by that name, or it was deleted.
    #[error("printer {printer:?} does not exist")]
    NoSuchPrinter {
        /// The name the app asked for.
        printer: String,
    },
    /// The printer exists but rejects new jobs (`cupsreject`, or disabled by the administrator).
    #[error("printer {printer:?} is not accepting jobs: {reason}")]
    NotAcceptingJobs {
        /// The printer's name.
        printer: String,
        /// CUPS's explanation, possibly empty.
        reason: String,
    },
    /// The job was aborted by the print system (filter or device failure).
    #[error("print job {job} failed: {reason}")]
    JobFailed {
        /// The job.
        job: JobId,
        /// What CUPS gives as the reason (`job-printer-state-message`, else the job's
        /// state reasons), e.g. `Filter failed`.
        reason: String,
    },
    /// Someone cancelled the job (at the printer, or with `cancel`).
    #[error("print job {job} was cancelled")]
    JobCanceled {
        /// The job.
        job: JobId,
    },
    /// The printer stopped with the job still queued (CUPS's default error policy
    /// `stop-printer`): it prints once someone fixes and re-enables the printer.
    #[error("printer stopped with print job {job} queued: {reason}")]
    JobStopped {
        /// The job.
        job: JobId,
        /// Why the printer stopped, as CUPS says.
        reason: String,
    },
    /// The job had not finished when [`PrintSystem::wait_for`] gave up; it may still print.
    #[error("print job {job} did not finish within {waited:?}")]
    JobTimeout {
        /// The job.
        job: JobId,
        /// How long we waited.
        waited: Duration,
    },
    /// The print server does not know this job (purged from its history, or another server).
    #[error("print job {job} is unknown to the print server")]
    NoSuchJob {
        /// The job.
        job: JobId,
    },
    /// The job itself is unusable (no copies, not a PDF); a bug in the caller.
    #[error("invalid print job: {0}")]
    InvalidJob(String),
    /// The print server refused the request (authorisation, an unsupported option).
    #[error("print server refused {operation}: {status} {message}")]
    Refused {
        /// The IPP operation, e.g. `Print-Job`.
        operation: &'static str,
        /// The IPP status, e.g. `Forbidden`.
        status: String,
        /// The server's status message, possibly empty.
        message: String,
    },
    /// The answer was not IPP we understand (not a CUPS server at that address?).
    #[error("unexpected answer from print server {server}: {detail}")]
    Protocol {
        /// `host:port`.
        server: String,
        /// What was wrong with it.
        detail: String,
    },
}

// Its stable code is given by the one error catalogue, `app::problem`.
impl PrinterError {
    /// A sentence a clerk can read and act on, in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            PrinterError::Unreachable { server, .. } => {
                format!("无法连接打印服务（{server}）。请确认打印服务（CUPS）已启动，或联系信息技术人员。")
            }
            PrinterError::NoSuchPrinter { printer } => {
                format!("打印机“{printer}”不存在或已停用。请重新选择打印机。")
            }
            PrinterError::NotAcceptingJobs { printer, reason } => {
                format!("打印机“{printer}”暂停接收打印任务{}。请检查打印机或换一台打印机。", paren(reason))
            }
            PrinterError::JobFailed { job, reason } => {
                format!("打印任务 {job} 失败{}。请检查打印机后重新打印。", paren(reason))
            }
            PrinterError::JobCanceled { job } => format!("打印任务 {job} 已被取消，没有打印。"),
            PrinterError::JobStopped { job, reason } => format!(
                "打印机“{}”已停止工作{}，打印任务 {job} 仍在排队。请检查纸张、墨粉和连接线，排除故障后会继续打印。",
                job.printer,
                paren(reason)
            ),
            PrinterError::JobTimeout { job, waited } => format!(
                "打印任务 {job} 在 {} 秒内没有完成，可能仍在打印。请查看打印机，不要急于重复打印。",
                waited.as_secs()
            ),
            PrinterError::NoSuchJob { job } => format!("打印服务中找不到打印任务 {job}。"),
            PrinterError::InvalidJob(detail) => format!("打印任务无效（{detail}），请联系信息技术人员。"),
            PrinterError::Refused { message, .. } => {
                format!("打印服务拒绝了请求{}。请联系信息技术人员。", paren(message))
            }
            PrinterError::Protocol { server, .. } => {
                format!("打印服务（{server}）的回应无法识别。请联系信息技术人员。")
            }
        }
    }
}

/// `（reason）` when there is one, nothing otherwise.
fn paren(reason: &str) -> String {
    if reason.trim().is_empty() { String::new() } else { format!("（{}）", reason.trim()) }
}

/// A printer as the print system lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterInfo {
    /// The queue name to print to (`PrintJob::printer`).
    pub name: String,
    /// The administrator's description (`printer-info`), possibly empty.
    pub description: String,
    /// Where it stands (`printer-location`), possibly empty.
    pub location: String,
    /// Make and model (`printer-make-and-model`), possibly empty.
    pub make_and_model: String,
    /// Whether this is the system's default printer (at most one is).
    pub is_default: bool,
    /// Idle, printing or stopped.
    pub state: PrinterState,
    /// Whether it takes new jobs.
    pub accepting_jobs: bool,
    /// What the printer last said (`printer-state-message`), e.g. `Filter failed`.
    pub state_message: String,
}

/// A printer's state (IPP `printer-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// Ready.
    Idle,
    /// Printing.
    Processing,
    /// Stopped (paused by the administrator, or after an error); jobs wait.
    Stopped,
}

/// One document to print. Always A4 (every document the counter prints is A4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    /// The printer's queue name, from [`PrintSystem::printers`].
    pub printer: String,
    /// The job's title in the queue (e.g. `确认单 JD-2025-000123`); never put an ID number here.
    pub title: String,
    /// Number of copies, 1–99.
    pub copies: u16,
    /// The PDF, e.g. `RenderedDocument::bytes`.
    pub pdf: Vec<u8>,
}

impl PrintJob {
    /// One copy of `pdf` on A4.
    pub fn a4(printer: impl Into<String>, title: impl Into<String>, pdf: Vec<u8>) -> Self {
        PrintJob { printer: printer.into(), title: title.into(), copies: 1, pdf }
    }

    /// The same job with `copies` copies.
    pub fn with_copies(mut self, copies: u16) -> Self {
        self.copies = copies;
        self
    }

    fn check(&self) -> Result<(), PrinterError> {
        if !(1..=MAX_COPIES).contains(&self.copies) {
            return Err(PrinterError::InvalidJob(format!("份数应为 1–{MAX_COPIES}，收到 {}", self.copies)));
        }
        if !self.pdf.starts_with(b"%PDF-") {
            return Err(PrinterError::InvalidJob("文件不是 PDF".to_owned()));
        }
        Ok(())
    }
}

/// The most copies one job may ask for.
pub const MAX_COPIES: u16 = 99;

/// A submitted job: the printer and the print system's job number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JobId {
    /// The printer's queue name.
    pub printer: String,
    /// The job number the print system gave (CUPS: `job-id`).
    pub id: i32,
}

impl fmt::Display for JobId {
    /// `PRINTER-ID`, as `lp` and `lpstat` show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.printer, self.id)
    }
}

/// Where a job is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobOutcome {
    /// Handed to the printer completely. (For a physical printer: the spooler is done; the
    /// paper may still be coming out.)
    Completed,
    /// Aborted by the print system; it will not print.
    Failed {
        /// What CUPS gives as the reason.
        reason: String,
    },
    /// Cancelled by someone; it will not print.
    Canceled,
    /// Still queued, held or printing.
    Pending {
        /// Whether the printer stopped with this job (it waits for someone to fix and
        /// re-enable the printer).
        stopped: bool,
        /// What CUPS says about it, possibly empty.
        reason: String,
    },
}

/// An operating system's print system: list printers, submit a PDF, follow the job.
///
/// Linux: [`Cups`]. Windows is designed in docs/print.md but not built.
pub trait PrintSystem {
    /// Every printer, the default one marked.
    fn printers(&self) -> Result<Vec<PrinterInfo>, PrinterError>;

    /// Queues `job`; returns as soon as the print system has accepted it.
    fn submit(&self, job: &PrintJob) -> Result<JobId, PrinterError>;

    /// Where the job is now.
    fn job_state(&self, id: &JobId) -> Result<JobOutcome, PrinterError>;

    /// Polls [`PrintSystem::job_state`] every 200 ms until the job is done. `Ok(())` once it
    /// completed; [`PrinterError::JobFailed`] or [`PrinterError::JobCanceled`] as soon as it
    /// will not print; [`PrinterError::JobStopped`] when the printer has stayed stopped with
    /// the job for 2 seconds (CUPS stops a job for a moment before aborting it, so a brief
    /// stop is not reported); [`PrinterError::JobTimeout`] when still pending after `timeout`.
    fn wait_for(&self, id: &JobId, timeout: Duration) -> Result<(), PrinterError> {
        let started = Instant::now();
        let mut stopped_since: Option<Instant> = None;
        loop {
            match self.job_state(id)? {
                JobOutcome::Completed => return Ok(()),
                JobOutcome::Failed { reason } => {
                    return Err(PrinterError::JobFailed { job: id.clone(), reason });
                }
                JobOutcome::Canceled => return Err(PrinterError::JobCanceled { job: id.clone() }),
                JobOutcome::Pending { stopped: true, reason } => {
                    let since = *stopped_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= STOPPED_GRACE || started.elapsed() >= timeout {
                        return Err(PrinterError::JobStopped { job: id.clone(), reason });
                    }
                }
                JobOutcome::Pending { stopped: false, .. } => stopped_since = None,
            }
            let waited = started.elapsed();
            if waited >= timeout {
                return Err(PrinterError::JobTimeout { job: id.clone(), waited });
            }
            std::thread::sleep(POLL_INTERVAL.min(timeout - waited));
        }
    }
}

const STOPPED_GRACE: Duration = Duration::from_secs(2);
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// A CUPS server reached over IPP (plain HTTP; CUPS listens on loopback by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cups {
    host: String,
    port: u16,
    user: String,
    timeout: Duration,
}

impl Cups {
    /// The CUPS server at `host:port`, as user `permit-desk`, with a 10-second timeout.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Cups { host: host.into(), port, user: "permit-desk".to_owned(), timeout: Duration::from_secs(10) }
    }

    /// The local CUPS server, `localhost:631`.
    pub fn local() -> Self {
        Cups::new("localhost", 631)
    }

    /// Submits jobs as `user` (IPP `requesting-user-name`: shown in the queue, and the
    /// user a PDF printer such as cups-pdf writes for). Default `permit-desk`.
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.user = user.into();
        self
    }

    /// How long to wait for the server to connect and to answer one request (default 10 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `host:port`.
    pub fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn printer_uri(&self, printer: &str) -> Result<ipp::prelude::Uri, PrinterError> {
        if !valid_printer_name(printer) {
            return Err(PrinterError::NoSuchPrinter { printer: printer.to_owned() });
        }
        format!("ipp://{}/printers/{printer}", self.server())
            .parse()
            .map_err(|_| PrinterError::NoSuchPrinter { printer: printer.to_owned() })
    }

    fn request(&self, operation: Operation) -> Result<IppRequestResponse, PrinterError> {
        IppRequestResponse::new(IppVersion::v1_1(), operation, None).map_err(|e| self.protocol(e))
    }

    fn protocol(&self, detail: impl fmt::Display) -> PrinterError {
        PrinterError::Protocol { server: self.server(), detail: detail.to_string() }
    }

    fn unreachable(&self, source: std::io::Error) -> PrinterError {
        PrinterError::Unreachable { server: self.server(), source }
    }

    fn connect(&self) -> Result<TcpStream, PrinterError> {
        let addresses = (self.host.as_str(), self.port).to_socket_addrs().map_err(|e| self.unreachable(e))?;
        let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "the host name has no address");
        for address in addresses {
            match TcpStream::connect_timeout(&address, self.timeout) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(self.timeout)).map_err(|e| self.unreachable(e))?;
                    stream.set_write_timeout(Some(self.timeout)).map_err(|e| self.unreachable(e))?;
                    return Ok(stream);
                }
                Err(error) => last = error,
            }
        }
        Err(self.unreachable(last))
    }

    /// Sends one IPP request to `resource` and parses the answer; an IPP status that is not
    /// a success is returned as the response (the caller maps it), an HTTP failure as an error.
    fn send(&self, resource: &str, request: IppRequestResponse) -> Result<IppRequestResponse, PrinterError> {
        let mut body = Vec::new();
        request.into_read().read_to_end(&mut body).map_err(|e| self.protocol(e))?;
        let head = format!(
            "POST {resource} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/ipp\r\nContent-Length: {}\r\n\
             Connection: close\r\nUser-Agent: permit-desk\r\n\r\n",
            self.server(),
            body.len()
        );
        let mut stream = self.connect()?;
        stream.write_all(head.as_bytes()).map_err(|e| self.unreachable(e))?;
        stream.write_all(&body).map_err(|e| self.unreachable(e))?;
        stream.flush().map_err(|e| self.unreachable(e))?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).map_err(|e| self.unreachable(e))?;
        let body = http_body(&answer).map_err(|detail| match detail {
            HttpFailure::Status(code, text) => PrinterError::Refused {
                operation: "HTTP",
                status: format!("{code} {text}"),
                message: String::new(),
            },
            HttpFailure::Malformed(detail) => self.protocol(detail),
        })?;
        IppParser::new(IppReader::new(Cursor::new(body))).parse().map_err(|e| self.protocol(e))
    }

    /// The operation's status message (`status-message`), possibly empty.
    fn status_message(response: &IppRequestResponse) -> String {
        first_value(response.attributes(), DelimiterTag::OperationAttributes, "status-message")
            .map(text)
            .unwrap_or_default()
    }

    fn refused(operation: &'static str, response: &IppRequestResponse) -> PrinterError {
        PrinterError::Refused {
            operation,
            status: response.header().status_code().to_string(),
            message: Cups::status_message(response),
        }
    }

    fn default_printer(&self) -> Result<Option<String>, PrinterError> {
        let mut request = self.request(Operation::CupsGetDefault)?;
        request.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attribute("requested-attributes", keyword("printer-name")?)?,
        );
        let response = self.send("/", request)?;
        match response.header().status_code() {
            status if status.is_success() => {
                Ok(first_value(response.attributes(), DelimiterTag::PrinterAttributes, "printer-name")
                    .map(text))
            }
            StatusCode::ClientErrorNotFound => Ok(None),
            _ => Err(Cups::refused("CUPS-Get-Default", &response)),
        }
    }
}

fn attribute(name: &str, value: IppValue) -> Result<IppAttribute, PrinterError> {
    IppAttribute::with_name(name, value).map_err(|e| PrinterError::InvalidJob(e.to_string()))
}

fn keyword(value: &str) -> Result<IppValue, PrinterError> {
    IppValue::new_keyword(value).map_err(|e| PrinterError::InvalidJob(e.to_string()))
}

/// CUPS queue names: printable, at most 127 bytes, no space, `/`, `\`, `?`, `#`, quotes.
fn valid_printer_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 127
        && name.chars().all(|ch| !ch.is_control() && !matches!(ch, ' ' | '/' | '\\' | '?' | '#' | '\'' | '"'))
}

const PRINTER_ATTRIBUTES: [&str; 7] = [
    "printer-name",
    "printer-info",
    "printer-location",
    "printer-make-and-model",
    "printer-state",
    "printer-state-message",
    "printer-is-accepting-jobs",
];

impl PrintSystem for Cups {
    fn printers(&self) -> Result<Vec<PrinterInfo>, PrinterError> {
        let default = self.default_printer()?;
        let mut request = self.request(Operation::CupsGetPrinters)?;
        let requested = PRINTER_ATTRIBUTES.iter().map(|name| keyword(name)).collect::<Result<Vec<_>, _>>()?;
        request.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attribute("requested-attributes", IppValue::Array(requested))?,
        );
        let response = self.send("/", request)?;
        match response.header().status_code() {
            status if status.is_success() => {}
            // CUPS answers "not found" when there is no printer at all.
            StatusCode::ClientErrorNotFound => return Ok(Vec::new()),
            _ => return Err(Cups::refused("CUPS-Get-Printers", &response)),
        }
        let mut printers: Vec<PrinterInfo> = response
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .filter_map(|group| {
                let get = |name: &str| group.get(name).map(|a| text(a.value())).unwrap_or_default();
                let name = get("printer-name");
                if name.is_empty() {
                    return None;
                }
                let state = match group.get("printer-state").map(IppAttribute::value) {
                    Some(IppValue::Enum(4)) => PrinterState::Processing,
                    Some(IppValue::Enum(5)) => PrinterState::Stopped,
                    _ => PrinterState::Idle,
                };
                let accepting_jobs = !matches!(
                    group.get("printer-is-accepting-jobs").map(IppAttribute::value),
                    Some(IppValue::Boolean(false))
                );
                Some(PrinterInfo {
                    is_default: default.as_deref() == Some(name.as_str()),
                    description: get("printer-info"),
                    location: get("printer-location"),
                    make_and_model: get("printer-make-and-model"),
                    state_message: get("printer-state-message"),
                    state,
                    accepting_jobs,
                    name,
                })
            })
            .collect();
        printers.sort_by(|a, b| b.is_default.cmp(&a.is_default).then_with(|| a.name.cmp(&b.name)));
        Ok(printers)
    }

    fn submit(&self, job: &PrintJob) -> Result<JobId, PrinterError> {
        job.check()?;
        let uri = self.printer_uri(&job.printer)?;
        let invalid = |e: ipp::parser::IppParseError| PrinterError::InvalidJob(e.to_string());
        let request = IppOperationBuilder::print_job(uri, IppPayload::new(Cursor::new(job.pdf.clone())))
            .user_name(self.user.as_str())
            .job_title(job.title.as_str())
            .document_format("application/pdf")
            .attribute(attribute("copies", IppValue::Integer(i32::from(job.copies)))?)
            .attribute(attribute("media", keyword("iso_a4_210x297mm")?)?)
            .build()
            .map_err(invalid)?
            .into_ipp_request();
        let response = self.send(&format!("/printers/{}", job.printer), request)?;
        match response.header().status_code() {
            status if status.is_success() => {}
            StatusCode::ClientErrorNotFound => {
                return Err(PrinterError::NoSuchPrinter { printer: job.printer.clone() });
            }
            StatusCode::ClientErrorNotPossible | StatusCode::ServerErrorNotAcceptingJobs => {
                return Err(PrinterError::NotAcceptingJobs {
                    printer: job.printer.clone(),
                    reason: Cups::status_message(&response),
                });
            }
            _ => return Err(Cups::refused("Print-Job", &response)),
        }
        match first_value(response.attributes(), DelimiterTag::JobAttributes, "job-id") {
            Some(IppValue::Integer(id)) => Ok(JobId { printer: job.printer.clone(), id: *id }),
            _ => Err(self.protocol("Print-Job succeeded without a job-id")),
        }
    }

    fn job_state(&self, id: &JobId) -> Result<JobOutcome, PrinterError> {
        let uri = self.printer_uri(&id.printer)?;
        let mut request = IppOperationBuilder::get_job_attributes(uri, id.id)
            .user_name(self.user.as_str())
            .build()
            .map_err(|e| PrinterError::InvalidJob(e.to_string()))?
            .into_ipp_request();
        let requested = ["job-state", "job-state-reasons", "job-printer-state-message", "job-state-message"]
            .iter()
            .map(|name| keyword(name))
            .collect::<Result<Vec<_>, _>>()?;
        request.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attribute("requested-attributes", IppValue::Array(requested))?,
        );
        let response = self.send("/jobs", request)?;
        match response.header().status_code() {
            status if status.is_success() => {}
            StatusCode::ClientErrorNotFound => return Err(PrinterError::NoSuchJob { job: id.clone() }),
            _ => return Err(Cups::refused("Get-Job-Attributes", &response)),
        }
        let attributes = response.attributes();
        let value = |name: &str| first_value(attributes, DelimiterTag::JobAttributes, name);
        let state = match value("job-state") {
            Some(IppValue::Enum(state)) => *state,
            _ => return Err(self.protocol("Get-Job-Attributes without job-state")),
        };
        // The last thing the printer's filters said (e.g. `Filter failed`, or qpdf's complaint
        // about a damaged file), unless it is a debugging line; else the state reasons.
        let message = [value("job-printer-state-message"), value("job-state-message")]
            .into_iter()
            .flatten()
            .map(text)
            .find(|message| !message.trim().is_empty() && !message.starts_with("DEBUG"));
        let reasons = value("job-state-reasons")
            .map(text)
            .filter(|reasons| !reasons.is_empty() && reasons != "none")
            .unwrap_or_default();
        let printer_stopped = reasons.contains("printer-stopped");
        let reason = message.unwrap_or_else(|| reasons.clone());
        Ok(match state {
            s if s == JobState::Completed as i32 => JobOutcome::Completed,
            s if s == JobState::Aborted as i32 => JobOutcome::Failed { reason },
            // CUPS stops a job whose filter failed (`job-completed-with-errors`): it stays in
            // the queue but will not print unless someone restarts it, so it failed.
            s if s == JobState::ProcessingStopped as i32 && !printer_stopped => JobOutcome::Failed { reason },
            s if s == JobState::Canceled as i32 => JobOutcome::Canceled,
            // CUPS marks the jobs of a printer that stops under them `printer-stopped`, but
            // not a job sent to a printer already stopped (paused by a colleague, out of
            // paper): that one waits with no reason, so the printer itself is asked.
            s if s == JobState::Pending as i32 && !printer_stopped => match self.stopped(&id.printer)? {
                Some(why) => JobOutcome::Pending { stopped: true, reason: why },
                None => JobOutcome::Pending { stopped: false, reason },
            },
            _ => JobOutcome::Pending { stopped: printer_stopped, reason },
        })
    }
}

impl Cups {
    /// Why `printer` is stopped (its state message, else its name's state), or `None`
    /// while it is not stopped or not there.
    fn stopped(&self, printer: &str) -> Result<Option<String>, PrinterError> {
        Ok(self.printers()?.into_iter().find(|info| info.name == printer).and_then(|info| {
            (info.state == PrinterState::Stopped).then(|| {
                if info.state_message.trim().is_empty() { "paused".to_owned() } else { info.state_message }
            })
        }))
    }
}

/// The first value of attribute `name` in the first group tagged `tag`.
fn first_value<'a>(attributes: &'a IppAttributes, tag: DelimiterTag, name: &str) -> Option<&'a IppValue> {
    attributes.groups_of(tag).find_map(|group| group.get(name)).map(IppAttribute::value)
}

/// A value as text; arrays joined with `, `.
fn text(value: &IppValue) -> String {
    match value {
        IppValue::Array(values) => values.iter().map(text).collect::<Vec<_>>().join(", "),
        IppValue::NoValue => String::new(),
        other => other.to_string(),
    }
}

enum HttpFailure {
    Status(u16, String),
    Malformed(String),
}

/// The body of an HTTP/1.1 response read to its end, de-chunked; an error for any status
/// but 200.
fn http_body(answer: &[u8]) -> Result<Vec<u8>, HttpFailure> {
    let malformed = |what: &str| HttpFailure::Malformed(what.to_owned());
    let split =
        answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| malformed("no HTTP header"))?;
    let head = std::str::from_utf8(&answer[..split]).map_err(|_| malformed("HTTP header is not UTF-8"))?;
    let body = &answer[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code, reason) = (parts.next(), parts.next(), parts.next().unwrap_or_default());
    if !version.is_some_and(|v| v.starts_with("HTTP/1.")) {
        return Err(malformed("not an HTTP/1.x response"));
    }
    let code: u16 = code.and_then(|c| c.parse().ok()).ok_or_else(|| malformed("no HTTP status"))?;
    // CUPS may send "100 Continue" first; we never ask for it, but skip it if it comes.
    if code == 100 {
        return http_body(body);
    }
    if code != 200 {
        return Err(HttpFailure::Status(code, reason.to_owned()));
    }
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    };
    if header("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return dechunk(body).ok_or_else(|| malformed("bad chunked encoding"));
    }
    match header("Content-Length").map(|v| v.parse::<usize>()) {
        Some(Ok(length)) if length <= body.len() => Ok(body[..length].to_vec()),
        Some(_) => Err(malformed("body shorter than Content-Length")),
        None => Ok(body.to_vec()),
    }
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_bodies_with_length_chunked_and_errors() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: application/ipp\r\n\r\nabcdef";
        assert_eq!(http_body(plain).ok(), Some(b"abc".to_vec()));
        let chunked =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(http_body(chunked).ok(), Some(b"abcde".to_vec()));
        let continued = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nxyz";
        assert_eq!(http_body(continued).ok(), Some(b"xyz".to_vec()));
        assert!(matches!(
            http_body(b"HTTP/1.1 401 Unauthorized\r\n\r\n"),
            Err(HttpFailure::Status(401, reason)) if reason == "Unauthorized"
        ));
        assert!(matches!(http_body(b"SSH-2.0-OpenSSH\r\n\r\n"), Err(HttpFailure::Malformed(_))));
        assert!(matches!(
            http_body(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab"),
            Err(HttpFailure::Malformed(_))
        ));
    }

    #[test]
    fn invalid_jobs_and_names_never_reach_the_server() {
        // Port 9 (discard) on a documentation address: these must fail before connecting.
        let cups = Cups::new("192.0.2.1", 9);
        let pdf = b"%PDF-1.7\n".to_vec();
        let no_copies = PrintJob::a4("P", "t", pdf.clone()).with_copies(0);
        assert!(matches!(cups.submit(&no_copies), Err(PrinterError::InvalidJob(_))));
        let not_pdf = PrintJob::a4("P", "t", b"hello".to_vec());
        assert!(matches!(cups.submit(&not_pdf), Err(PrinterError::InvalidJob(_))));
        let bad_name = PrintJob::a4("a/b", "t", pdf);
        assert!(
            matches!(cups.submit(&bad_name), Err(PrinterError::NoSuchPrinter { printer }) if printer == "a/b")
        );
    }

    #[test]
    fn every_error_has_a_chinese_sentence() {
        let job = JobId { printer: "前台打印机".to_owned(), id: 7 };
        let errors = [
            PrinterError::Unreachable {
                server: "localhost:631".to_owned(),
                source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            },
            PrinterError::NoSuchPrinter { printer: "X".to_owned() },
            PrinterError::NotAcceptingJobs { printer: "X".to_owned(), reason: String::new() },
            PrinterError::JobFailed { job: job.clone(), reason: "Filter failed".to_owned() },
            PrinterError::JobCanceled { job: job.clone() },
            PrinterError::JobStopped { job: job.clone(), reason: "缺纸".to_owned() },
            PrinterError::JobTimeout { job: job.clone(), waited: Duration::from_secs(30) },
            PrinterError::NoSuchJob { job },
            PrinterError::InvalidJob("份数".to_owned()),
            PrinterError::Refused {
                operation: "Print-Job",
                status: "Forbidden".to_owned(),
                message: String::new(),
            },
            PrinterError::Protocol { server: "h:1".to_owned(), detail: "x".to_owned() },
        ];
        for error in &errors {
            let message = error.message_zh();
            assert!(message.ends_with('。'), "{message}");
            assert!(message.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{message}");
        }
        assert_eq!(errors[1].message_zh(), "打印机“X”不存在或已停用。请重新选择打印机。");
        assert_eq!(
            errors[3].message_zh(),
            "打印任务 前台打印机-7 失败（Filter failed）。请检查打印机后重新打印。"
        );
    }
}
