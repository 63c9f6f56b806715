//! What the office commands share: `--data-dir` and `--user`, the password (from the
//! `PERMITCTL_PASSWORD` environment variable or the first line of stdin, never a flag,
//! so it stays out of the shell history and `ps`), the JSON error document with its exit
//! code, and `permitctl setup` for the first administrator.
//!
//! Exit codes: 0 done, 1 understood refusal (wrong password, locked, missing role,
//! another office's backup, no such person, already set up), 2 usage, IO or damaged files.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use app::AppError;
use app::office::Office;
use serde_json::{Value, json};

/// The environment variable holding the clerk's password.
pub const PASSWORD_ENV: &str = "PERMITCTL_PASSWORD";

/// Where the office is and who is acting.
#[derive(clap::Args)]
pub struct OfficeArgs {
    /// The data directory holding office.db and office.keys.json (`--dir` for short).
    #[arg(long, visible_alias = "dir", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// The clerk's user name (the password comes from PERMITCTL_PASSWORD or stdin).
    #[arg(long, value_name = "USER")]
    pub user: String,
}

/// Arguments of `permitctl setup`.
#[derive(clap::Args)]
pub struct SetupArgs {
    #[command(flatten)]
    office: OfficeArgs,
    /// The office id, e.g. `330424-haiyan-01` (an office set up without its details; it
    /// prints no official document until an administrator sets them in the window).
    #[arg(long, required_unless_present = "county", conflicts_with = "county")]
    office_id: Option<String>,
    /// The office's details, as the window's first-run screen asks them: its county's
    /// six-digit code (e.g. `330182`); with it, `--station` and `--name` are needed too.
    #[arg(long, requires_all = ["station", "name"])]
    county: Option<String>,
    /// The office's number within the county (two digits, from the county bureau).
    #[arg(long, requires = "county")]
    station: Option<String>,
    /// The office's name as printed on its documents.
    #[arg(long, requires = "county")]
    name: Option<String>,
    /// The office's address as printed.
    #[arg(long, requires = "county", default_value = "")]
    address: String,
    /// The office's telephone as printed.
    #[arg(long, requires = "county", default_value = "")]
    phone: String,
    /// The confirmation slip in large print by default (`true`) or not (`false`); left
    /// out, the county profile decides.
    #[arg(long, requires = "county")]
    large_print: Option<bool>,
    /// The printer (CUPS queue) documents go to by default; left out, the system's default.
    #[arg(long, requires = "county")]
    printer: Option<String>,
}

/// Reads the password from the environment or the first line of stdin.
pub fn password() -> Result<String, ExitCode> {
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(password);
    }
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(_) if !line.trim_end_matches(['\r', '\n']).is_empty() => {
            Ok(line.trim_end_matches(['\r', '\n']).to_owned())
        }
        _ => Err(fail(2, "PASSWORD_MISSING", format!("请通过环境变量 {PASSWORD_ENV} 或标准输入提供密码。"))),
    }
}

/// Opens the office as `--user` with the password, or prints the error.
pub fn open(args: &OfficeArgs) -> Result<Office, ExitCode> {
    let password = password()?;
    Office::open(&args.data_dir, &args.user, &password, app::clock::now().to_utc()).map_err(|e| report(&e))
}

/// Runs `permitctl slip-key`: `{"public_key", "key_id"}` of the office key that signs
/// its confirmation slips (created on first use; the same after a backup is restored).
/// Give `public_key` to `verify-slip --public-key` wherever slips are checked.
pub fn run_slip_key(args: &OfficeArgs) -> ExitCode {
    let mut office = match open(args) {
        Ok(office) => office,
        Err(code) => return code,
    };
    match app::printing::slip_public_key(&mut office, app::clock::now().to_utc()) {
        Ok((public_key, key_id)) => done(&json!({ "public_key": public_key, "key_id": key_id })),
        Err(error) => report(&error),
    }
}

/// Prints `value` and exits 0.
pub fn done(value: &Value) -> ExitCode {
    println!("{value:#}");
    ExitCode::SUCCESS
}

/// Prints `{"error": {"code", "message"}}` and returns the exit code.
pub fn fail(exit_code: u8, code: &str, message: String) -> ExitCode {
    println!("{:#}", json!({ "error": { "code": code, "message": message } }));
    ExitCode::from(exit_code)
}

/// Prints an application error as JSON with the catalogue's code and sentence
/// (`app::problem`, the same the window shows), and returns exit code 1 when the request
/// was refused or 2 when something is broken. No personal data is in it.
pub fn report(error: &AppError) -> ExitCode {
    eprintln!("permitctl: {error}");
    let problem = app::problem::Problem::of(error);
    let exit_code = match problem.code.class() {
        app::problem::Class::Refused => 1,
        app::problem::Class::Fault => 2,
    };
    let mut out = json!({ "error": { "code": problem.code, "message": problem.message } });
    if !problem.fields.is_empty() {
        out["error"]["fields"] = json!(problem.fields);
    }
    if let AppError::OtherOffice { .. } = error {
        // The command line's way to confirm what the window asks an administrator for.
        out["error"]["hint"] = json!("确认恢复请加 --force-other-office。");
    }
    println!("{out:#}");
    ExitCode::from(exit_code)
}

/// Runs `permitctl setup`: creates the office store with its first administrator.
pub fn run_setup(args: &SetupArgs) -> ExitCode {
    let password = match password() {
        Ok(password) => password,
        Err(code) => return code,
    };
    let now = app::clock::now().to_utc();
    let made = match (&args.office_id, &args.county) {
        (Some(office_id), _) => {
            Office::set_up(&args.office.data_dir, office_id, &args.office.user, &password, now)
        }
        (None, county) => {
            let details = app::office::OfficeDetails {
                county_code: county.clone().unwrap_or_default(),
                station: args.station.clone().unwrap_or_default(),
                name: args.name.clone().unwrap_or_default(),
                address: args.address.clone(),
                phone: args.phone.clone(),
            };
            let print =
                app::office::PrintSettings { large_print: args.large_print, printer: args.printer.clone() };
            let setup = app::office::FirstRun {
                details: &details,
                username: &args.office.user,
                password: &password,
                extra_roles: app::office::Roles::NONE,
                print: &print,
            };
            Office::first_run(&args.office.data_dir, &setup, now, app::office::StoreOptions::default())
        }
    };
    match made {
        Ok(office) => {
            let out = json!({ "office_id": office.office_id(), "admin": office.session().map(|s| s.username().to_owned()).ok() });
            match office.close() {
                Ok(()) => done(&out),
                Err(error) => report(&error),
            }
        }
        Err(error) => report(&error),
    }
}

/// Arguments of `permitctl support-bundle`.
#[derive(clap::Args)]
pub struct SupportArgs {
    #[command(flatten)]
    office: OfficeArgs,
    /// Where to write the bundle (JSON): a file, or a folder (a USB stick) to put a
    /// time-named file in. An existing file is never overwritten.
    #[arg(short, long)]
    output: PathBuf,
    /// The window's log folder (default: `logs` beside the data directory, as the window
    /// lays them out).
    #[arg(long)]
    log_dir: Option<PathBuf>,
}

/// Runs `permitctl support-bundle`: versions, schema, queue, warnings, reference data and
/// the end of the logs, with no personal data (管理员).
pub fn run_support(args: &SupportArgs) -> ExitCode {
    let office = match open(&args.office) {
        Ok(office) => office,
        Err(code) => return code,
    };
    let log_dir =
        args.log_dir.clone().or_else(|| args.office.data_dir.parent().map(|parent| parent.join("logs")));
    let written = app::support::export(
        &office,
        log_dir.as_deref(),
        &args.output,
        app::clock::now().with_timezone(&chrono::Utc),
    );
    let closed = office.close();
    match (written, closed) {
        (Ok(written), Ok(())) => done(&json!({ "path": written.path, "bytes": written.bytes })),
        (Err(error), _) | (Ok(_), Err(error)) => report(&error),
    }
}
