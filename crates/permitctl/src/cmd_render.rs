//! `permitctl render` and `permitctl verify-slip`: the seven printed documents from a case
//! file, without a database, and the offline check of a slip's QR code.
//!
//! `render slip|form|notice|refusal|receipt|review --case FILE.json -o OUT.pdf` reads either a bare
//! application record (docs/application-record.md) or a case file wrapping one with what
//! the record does not hold (case number, clerk, office, permit, dates, profile; see
//! docs/print.md). Anything missing gets a demo default, printed in the answer's
//! `defaults` list so an operator sees what was made up. It prints
//! `{"document", "output", "template", "pages", "bytes", "warnings", "defaults"}` and
//! exits 0; 2 when the input cannot be used, with `{"error": {"code", "message"}}`.
//!
//! `verify-slip (--payload TEXT | --png FILE)` prints `{"valid", "case_number", ...}`;
//! exit 0 when the signature holds, 1 when it does not (or no QR code is found), 2 when
//! the input cannot be used (unreadable key, `zbarimg` missing).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use app::AppError;
use app::case_file::{CaseFile, FileRequest, SigningKey, VerifyingKey};
use app::printing::Document as DocumentKind;
use chrono::NaiveDate;
use serde_json::json;

/// The documents, as typed on the command line: the print crate's one list, by name,
/// each with its Chinese name in `--help`.
fn document_parser() -> impl clap::builder::TypedValueParser<Value = DocumentKind> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = DocumentKind::ALL.map(|kind| PossibleValue::new(kind.name()).help(kind.label()));
    PossibleValuesParser::new(values).try_map(|name| DocumentKind::from_name(&name).ok_or("unknown document"))
}

/// Arguments of `permitctl render`.
#[derive(clap::Args)]
pub struct RenderArgs {
    /// Which document.
    #[arg(value_parser = document_parser())]
    document: DocumentKind,
    /// The case: an application record, or a case file wrapping one (docs/print.md).
    #[arg(long = "case", value_name = "FILE.json")]
    case: PathBuf,
    /// Where to write the PDF.
    #[arg(short = 'o', long = "output", value_name = "OUT.pdf")]
    output: PathBuf,
    /// The office's details (format of assets/templates/office-demo.json); default: the
    /// case file's `office`, else the demo office.
    #[arg(long, value_name = "FILE.json")]
    office: Option<PathBuf>,
    /// The office's Ed25519 signing key: a file holding the 32-byte seed as 64 hex digits.
    /// Default: the public demo key (never for a real office).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// A folder of template files replacing the embedded ones (slip.json, form.json, ...).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// The county profile (code, name or alias) for the notice's assessment, the slip's
    /// options and the receipt's working days; default: the case file's, else the county
    /// of the current address, else the province.
    #[arg(long)]
    profile: Option<String>,
    /// The document's date (printing, notice or acceptance date), YYYY-MM-DD; default:
    /// the case file's, else today (UTC+8).
    #[arg(long)]
    today: Option<NaiveDate>,
    /// Print the slip in large type, one field per row (overrides the profile).
    #[arg(long)]
    large_print: bool,
    /// Print the full ID number on the slip (overrides the profile's masking).
    #[arg(long)]
    full_id: bool,
}

/// Arguments of `permitctl verify-slip`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["payload", "png"])))]
pub struct VerifyArgs {
    /// The QR code's text, as scanned.
    #[arg(long)]
    payload: Option<String>,
    /// A PNG (photo or scan) of the slip; decoded with `zbarimg --raw -q`.
    #[arg(long, value_name = "FILE.png")]
    png: Option<PathBuf>,
    /// The office's public key as 64 hex digits; default: the demo key's.
    #[arg(long, value_name = "HEX")]
    public_key: Option<String>,
    /// Or the office's signing-key file (its public key is derived).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
}

/// A usage or input error: code, Chinese message.
struct Failure(&'static str, String);

/// Why `render` stopped: a file the operator named (its own code), or the use case's
/// refusal (the catalogue's code).
enum Stop {
    Failure(Failure),
    App(AppError),
}

impl From<Failure> for Stop {
    fn from(failure: Failure) -> Self {
        Stop::Failure(failure)
    }
}

impl From<AppError> for Stop {
    fn from(error: AppError) -> Self {
        Stop::App(error)
    }
}

/// Runs `permitctl render`.
pub fn run_render(args: &RenderArgs) -> ExitCode {
    match render(args) {
        Ok(out) => {
            println!("{out:#}");
            ExitCode::SUCCESS
        }
        Err(Stop::Failure(Failure(code, message))) => fail("render", code, message),
        Err(Stop::App(error)) => {
            // The catalogue's code and sentence; the detail on stderr. `render` keeps its
            // contract: any input it cannot use exits 2.
            eprintln!("permitctl render: {error}");
            let problem = app::problem::Problem::of(&error);
            fail("render", problem.code.as_str(), problem.message)
        }
    }
}

fn render(args: &RenderArgs) -> Result<serde_json::Value, Stop> {
    let text = read(&args.case, "CASE_FILE_UNREADABLE", "案件文件")?;
    let case = CaseFile::parse(&text)?;
    let office = match &args.office {
        Some(path) => {
            let text = read(path, "OFFICE_FILE_UNREADABLE", "办理单位文件")?;
            Some(
                app::case_file::office_from_json(&path.display().to_string(), &text)
                    .map_err(|e| Failure("OFFICE_INVALID", format!("办理单位文件有误（{e}）")))?,
            )
        }
        None => None,
    };
    let key = match &args.key {
        Some(path) => Some(signing_key(path)?),
        None => None,
    };
    let request = FileRequest {
        office,
        key,
        templates: args.templates.as_deref(),
        profile: args.profile.clone(),
        date: args.today,
        large_print: args.large_print,
        full_id: args.full_id,
    };
    let rendered =
        app::case_file::render(args.document, &case, request, app::clock::today()).map_err(|error| {
            // A county's own template folder is the operator's file: say what is wrong with it.
            match (&args.templates, &error) {
                (Some(dir), AppError::Print(print_error)) if print_error.is_template_problem() => {
                    Stop::Failure(Failure(
                        "TEMPLATE_INVALID",
                        format!("模板文件夹 {} 有误（{print_error}）", dir.display()),
                    ))
                }
                _ => Stop::App(error),
            }
        })?;
    let document = rendered.document;
    std::fs::write(&args.output, &document.bytes)
        .map_err(|e| Failure("OUTPUT_UNWRITABLE", format!("无法写入 {}：{e}", args.output.display())))?;
    Ok(json!({
        "document": args.document.name(),
        "output": args.output,
        "template": document.template,
        "pages": document.pages,
        "bytes": document.bytes.len(),
        "warnings": document.warnings,
        "defaults": rendered.defaults,
    }))
}

/// A file the operator named, or its own code and a Chinese sentence.
fn read(path: &Path, code: &'static str, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure(code, format!("无法读取{what} {}：{e}", path.display())))
}

fn signing_key(path: &Path) -> Result<SigningKey, Failure> {
    let text = read(path, "KEY_FILE_UNREADABLE", "签名密钥文件")?;
    app::case_file::signing_key_from_hex(&text)
        .map_err(|e| Failure("KEY_INVALID", format!("签名密钥文件 {} 有误（{e}）", path.display())))
}

/// Runs `permitctl verify-slip`.
pub fn run_verify(args: &VerifyArgs) -> ExitCode {
    let public_key = match verifying_key(args) {
        Ok(key) => key,
        Err(Failure(code, message)) => return fail("verify-slip", code, message),
    };
    let payload = match (&args.payload, &args.png) {
        (Some(payload), _) => payload.clone(),
        (None, Some(png)) => match scan(png) {
            Ok(Some(payload)) => payload,
            Ok(None) => {
                return invalid("QR_NOT_FOUND", format!("图片 {} 中没有找到二维码", png.display()));
            }
            Err(Failure(code, message)) => return fail("verify-slip", code, message),
        },
        (None, None) => return fail("verify-slip", "USAGE", "需要 --payload 或 --png".to_owned()),
    };
    match app::case_file::verify_slip(&payload, &public_key) {
        Ok(verified) => {
            let slip = verified.payload;
            let out = json!({
                "valid": true,
                "case_number": slip.case_number,
                "name": slip.name,
                "id_number": slip.id_number,
                "permit_number": slip.permit_number,
                "issue_date": slip.issue_date,
                "valid_until": slip.valid_until,
                "office_county_code": slip.office_county_code,
                "key_id": verified.key_id,
            });
            println!("{out:#}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            // The same code and sentence as the window's 核验确认单.
            let problem = app::problem::Problem::of(&error);
            invalid(problem.code.as_str(), problem.message)
        }
    }
}

fn verifying_key(args: &VerifyArgs) -> Result<VerifyingKey, Failure> {
    match (&args.public_key, &args.key) {
        (Some(hex), _) => app::case_file::verifying_key_from_hex(hex)
            .map_err(|e| Failure("KEY_INVALID", format!("公钥有误（{e}）"))),
        (None, Some(path)) => Ok(signing_key(path)?.verifying_key()),
        (None, None) => Ok(app::case_file::demo_verifying_key()),
    }
}

/// The first QR code zbarimg finds in `png`, or `None`.
fn scan(png: &Path) -> Result<Option<String>, Failure> {
    let output =
        std::process::Command::new("zbarimg").args(["--raw", "-q"]).arg(png).output().map_err(|e| {
            Failure(
                "ZBARIMG_MISSING",
                format!("无法运行 zbarimg（{e}）；请安装：apt-get install -y zbar-tools"),
            )
        })?;
    // zbarimg exits 4 when the image holds no code; 2 when it cannot read the file.
    match output.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&output.stdout).lines().next().map(str::to_owned)),
        Some(4) => Ok(None),
        _ => Err(Failure(
            "PNG_UNREADABLE",
            format!("zbarimg 无法读取 {}：{}", png.display(), String::from_utf8_lossy(&output.stderr).trim()),
        )),
    }
}

fn invalid(code: &str, message: String) -> ExitCode {
    println!("{:#}", json!({ "valid": false, "error": { "code": code, "message": message } }));
    ExitCode::from(1)
}

fn fail(command: &str, code: &str, message: String) -> ExitCode {
    eprintln!("permitctl {command}: {message}");
    println!("{:#}", json!({ "error": { "code": code, "message": message } }));
    ExitCode::from(2)
}
