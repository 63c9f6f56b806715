//! `permitctl render` and `permitctl verify-slip`: the five printed documents from a case
//! file, without a database, and the offline check of a slip's QR code.
//!
//! `render slip|form|notice|refusal|receipt --case FILE.json -o OUT.pdf` reads either a bare
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

use app::assess;
use app::domain::profile::SlipOptions;
use chrono::{Months, NaiveDate};
use print::{
    DocumentKind, EndorsementWindow, Fonts, Names, NoticeData, OfficeInfo, PermitInfo, ReceiptData,
    RefusalData, Renderer, SigningKey, SlipData, Templates, VerifyingKey,
};
use serde::Deserialize;
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

/// A case file: the record plus what the documents print that the record does not hold.
/// Every field but `record` is optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    record: serde_json::Value,
    #[serde(default)]
    case_number: Option<String>,
    #[serde(default)]
    clerk: Option<String>,
    #[serde(default)]
    office: Option<OfficeInfo>,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    date: Option<NaiveDate>,
    #[serde(default)]
    permit: Option<PermitInfo>,
    #[serde(default)]
    slip_options: Option<SlipOptions>,
    #[serde(default)]
    accepted_on: Option<NaiveDate>,
    #[serde(default)]
    due: Option<NaiveDate>,
}

/// A usage or input error: code, Chinese message.
struct Failure(&'static str, String);

/// Runs `permitctl render`.
pub fn run_render(args: &RenderArgs) -> ExitCode {
    match render(args) {
        Ok(out) => {
            println!("{out:#}");
            ExitCode::SUCCESS
        }
        Err(Failure(code, message)) => fail("render", code, message),
    }
}

fn render(args: &RenderArgs) -> Result<serde_json::Value, Failure> {
    let text = std::fs::read_to_string(&args.case).map_err(|e| {
        Failure("CASE_FILE_UNREADABLE", format!("无法读取案件文件 {}：{e}", args.case.display()))
    })?;
    let case = parse_case(&text).map_err(|detail| {
        Failure(
            "CASE_INVALID",
            format!("案件文件 {} 不是有效的申请表或案件 JSON（{detail}）", args.case.display()),
        )
    })?;
    let record = app::assess::parse_record(&case.record.to_string()).map_err(|e| {
        Failure("RECORD_INVALID", format!("案件文件 {} 中的申请表无效（{e}）", args.case.display()))
    })?;
    let mut defaults: Vec<&str> = Vec::new();
    let today = args.today.or(case.date).unwrap_or_else(|| {
        defaults.push("date");
        app::clock::today()
    });
    let office = match (&args.office, &case.office) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure("OFFICE_FILE_UNREADABLE", format!("无法读取办理单位文件 {}：{e}", path.display()))
            })?;
            OfficeInfo::from_json(&path.display().to_string(), &text)
                .map_err(|e| Failure("OFFICE_INVALID", format!("办理单位文件有误（{e}）")))?
        }
        (None, Some(office)) => office.clone(),
        (None, None) => {
            defaults.push("office");
            OfficeInfo::demo()
                .map_err(|e| Failure("OFFICE_INVALID", format!("内置演示办理单位有误（{e}）")))?
        }
    };
    let case_number = case.case_number.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
        if record.application_number.trim().is_empty() {
            defaults.push("case_number");
            format!("DEMO-{}-000001", today.format("%Y%m%d"))
        } else {
            record.application_number.trim().to_owned()
        }
    });
    let clerk = case.clerk.clone().unwrap_or_else(|| {
        defaults.push("clerk");
        "演示经办人".to_owned()
    });
    let profile_query = args.profile.clone().or(case.profile.clone()).unwrap_or_else(|| {
        defaults.push("profile");
        let county = record.current_address.county_code.trim();
        if assess::find_profile(county).is_ok() { county.to_owned() } else { "330000".to_owned() }
    });
    let profile = assess::find_profile(&profile_query)
        .map_err(|e| Failure("PROFILE_UNKNOWN", format!("没有可用的县（市、区）政策配置（{e}）")))?;

    let renderer = renderer(args.templates.as_deref())?;
    let document = match args.document {
        DocumentKind::Form => {
            // The form's 申请编号 is the case number once the case file gives one.
            let mut record = record.clone();
            if record.application_number.trim().is_empty()
                && let Some(number) = case.case_number.clone()
            {
                record.application_number = number;
            }
            renderer.render_form(&record)
        }
        DocumentKind::Notice => {
            let report = assess::assess(&record, &profile_query, today)
                .map_err(|e| Failure("ASSESS_FAILED", format!("无法审查申请表（{e}）")))?;
            let notice = NoticeData {
                case_number: case.case_number.clone().unwrap_or_default(),
                office,
                clerk,
                date: today,
            };
            renderer.render_notice(&record, &report.assessment, &notice)
        }
        DocumentKind::Refusal => {
            let assessment = app::domain::assessment::assess(&record, &profile, today);
            if assessment.reasons().is_empty() {
                return Err(Failure(
                    "NOT_REFUSED",
                    format!(
                        "按{}审查，该申请不存在不符合互认条件的情形（结论：{}），不能出具不予受理告知书。",
                        profile.county.name,
                        assessment.decision.label()
                    ),
                ));
            }
            let refusal = RefusalData {
                case_number: case.case_number.clone().unwrap_or_default(),
                office,
                clerk,
                date: today,
                document: format!("{}《{}》", profile.document.number, profile.document.title),
            };
            renderer.render_refusal(&record, &assessment, &refusal)
        }
        DocumentKind::Receipt => {
            let accepted_on = case.accepted_on.unwrap_or(today);
            let working_days = profile.deadline_working_days;
            let due = match case.due {
                Some(due) => due,
                None => {
                    app::deadline::due_date(accepted_on, working_days, &[])
                        .map_err(|e| Failure("DEADLINE_UNAVAILABLE", format!("无法计算办结期限（{e}）")))?
                        .due
                }
            };
            let due_note = app::deadline::estimate_note(
                &app::deadline::estimated_years_between(accepted_on, due, &[]).unwrap_or_default(),
            );
            let receipt =
                ReceiptData { case_number, office, clerk, accepted_on, due, working_days, due_note };
            renderer.render_receipt(&record, &receipt)
        }
        DocumentKind::Slip => {
            let key = signing_key(args.key.as_deref())?;
            if args.key.is_none() {
                defaults.push("key");
            }
            let permit = case.permit.clone().unwrap_or_else(|| {
                defaults.push("permit");
                demo_permit(&office, today)
            });
            let mut options = case.slip_options.clone().unwrap_or_else(|| profile.slip.clone());
            options.large_print |= args.large_print;
            options.mask_id_number &= !args.full_id;
            let slip = SlipData { case_number, permit, office, clerk, printed_on: today, options };
            renderer.render_slip(&record, &slip, &key)
        }
    }
    .map_err(|e| Failure("RENDER_FAILED", format!("生成 PDF 失败（{e}）")))?;
    std::fs::write(&args.output, &document.bytes)
        .map_err(|e| Failure("OUTPUT_UNWRITABLE", format!("无法写入 {}：{e}", args.output.display())))?;
    Ok(json!({
        "document": args.document.name(),
        "output": args.output,
        "template": document.template,
        "pages": document.pages,
        "bytes": document.bytes.len(),
        "warnings": document.warnings,
        "defaults": defaults,
    }))
}

/// A bare record (has `schema_version`) or a case file (has `record`).
fn parse_case(text: &str) -> Result<CaseFile, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if value.get("record").is_some() {
        serde_json::from_value(value).map_err(|e| e.to_string())
    } else {
        Ok(CaseFile { record: value, ..CaseFile::default() })
    }
}

fn renderer(templates: Option<&Path>) -> Result<Renderer, Failure> {
    let fonts = Fonts::embedded().map_err(|e| Failure("FONT_INVALID", format!("内置字体无法加载（{e}）")))?;
    let templates = match templates {
        Some(dir) => Templates::load_dir(dir),
        None => Templates::embedded(),
    }
    .map_err(|e| Failure("TEMPLATE_INVALID", format!("模板有误（{e}）")))?;
    let reference = app::reference::embedded()
        .map_err(|e| Failure("REFERENCE_INVALID", format!("内置参考数据有误（{e}）")))?;
    let names = Names {
        divisions: Some(reference.divisions.clone()),
        ethnic_groups: Some(reference.ethnic_groups.clone()),
    };
    Ok(Renderer::new(fonts, templates).with_names(names))
}

fn signing_key(path: Option<&Path>) -> Result<SigningKey, Failure> {
    match path {
        None => Ok(print::demo_signing_key()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure("KEY_FILE_UNREADABLE", format!("无法读取签名密钥文件 {}：{e}", path.display()))
            })?;
            print::signing_key_from_hex(&text)
                .map_err(|e| Failure("KEY_INVALID", format!("签名密钥文件 {} 有误（{e}）", path.display())))
        }
    }
}

/// A demo permit issued today: number from the office's county and the date, endorsement
/// due in the month before the first anniversary.
fn demo_permit(office: &OfficeInfo, today: NaiveDate) -> PermitInfo {
    let anniversary = today.checked_add_months(Months::new(12)).unwrap_or(today);
    let next_endorsement = anniversary
        .checked_sub_months(Months::new(1))
        .and_then(|from| anniversary.pred_opt().map(|to| EndorsementWindow { from, to }));
    PermitInfo {
        number: format!("{}{}0001", office.county_code, today.format("%Y%m%d")),
        issue_date: today,
        valid_until: None,
        next_endorsement,
    }
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
    match print::verify_slip_payload(&payload, &public_key) {
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
            let problem = app::problem::Problem::of(&error.into());
            invalid(problem.code.as_str(), problem.message)
        }
    }
}

fn verifying_key(args: &VerifyArgs) -> Result<VerifyingKey, Failure> {
    match (&args.public_key, &args.key) {
        (Some(hex), _) => {
            print::verifying_key_from_hex(hex).map_err(|e| Failure("KEY_INVALID", format!("公钥有误（{e}）")))
        }
        (None, path) => Ok(signing_key(path.as_deref())?.verifying_key()),
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
