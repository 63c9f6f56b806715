//! The seven printed documents from a case file, without an office store: what
//! `permitctl render` does for an operator checking a county's templates or reprinting
//! from an exported record, and `permitctl verify-slip`'s offline check.
//!
//! A case file is either a bare application record (docs/application-record.md) or an
//! object wrapping one with what the record does not hold (case number, clerk, office,
//! permit, dates, profile; docs/print.md). Anything missing gets a demo default, named in
//! [`FileRendered::defaults`] so an operator sees what was made up. Reading and writing
//! the files is the caller's; this module takes and gives text and bytes.

use std::path::Path;

use chrono::{Months, NaiveDate};
use domain::profile::SlipOptions;
use print::{
    EndorsementWindow, Fonts, Names, NoticeData, PermitInfo, ReceiptData, RefusalData, RejectionData,
    RenderedDocument, Renderer, SlipData, Templates,
};
use serde::Deserialize;

use crate::printing::Document;
use crate::{AppError, assess, deadline};

pub use print::{OfficeInfo, SigningKey, VerifiedSlip, VerifyingKey};

/// A case file: the record plus what the documents print that the record does not hold.
/// Every field but `record` is optional.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
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
    /// The reasons of a refusal at review or approval (不予办理告知书).
    #[serde(default)]
    rejection_reasons: Option<Vec<String>>,
}

impl CaseFile {
    /// A bare record (no `record` key) or a case file (has `record`).
    pub fn parse(text: &str) -> Result<CaseFile, AppError> {
        let invalid = |error: serde_json::Error| AppError::CaseFileInvalid { detail: error.to_string() };
        let value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
        if value.get("record").is_some() {
            serde_json::from_value(value).map_err(invalid)
        } else {
            Ok(CaseFile { record: value, ..CaseFile::default() })
        }
    }
}

/// What the operator chose beside the case file; each overrides the file's own value.
#[derive(Debug, Default)]
pub struct FileRequest<'a> {
    /// The office's details (else the file's, else the demo office).
    pub office: Option<OfficeInfo>,
    /// The office's signing key for the slip (else the public demo key).
    pub key: Option<SigningKey>,
    /// A folder of templates replacing the embedded ones.
    pub templates: Option<&'a Path>,
    /// The county profile (code, name or alias): else the file's, else the county of the
    /// current address, else the province.
    pub profile: Option<String>,
    /// The document's date: else the file's, else `today`.
    pub date: Option<NaiveDate>,
    /// The slip in large type, whatever the profile says.
    pub large_print: bool,
    /// The full ID number on the slip, whatever the profile says.
    pub full_id: bool,
}

/// A rendered document and the defaults that filled what the file did not say.
#[derive(Debug)]
pub struct FileRendered {
    /// The PDF and what it was made from.
    pub document: RenderedDocument,
    /// `date`, `office`, `case_number`, `clerk`, `profile`, `key`, `permit`: each one made up.
    pub defaults: Vec<&'static str>,
}

/// Renders `document` from `case` on `today` (the counter's date, used when neither the
/// request nor the file gives one).
pub fn render(
    document: Document,
    case: &CaseFile,
    request: FileRequest<'_>,
    today: NaiveDate,
) -> Result<FileRendered, AppError> {
    let record = assess::parse_record(&case.record.to_string())?;
    let mut defaults: Vec<&'static str> = Vec::new();
    let today = request.date.or(case.date).unwrap_or_else(|| {
        defaults.push("date");
        today
    });
    let office = match (request.office, &case.office) {
        (Some(office), _) => office,
        (None, Some(office)) => office.clone(),
        (None, None) => {
            defaults.push("office");
            OfficeInfo::demo()?
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
    let profile_query = request.profile.or(case.profile.clone()).unwrap_or_else(|| {
        defaults.push("profile");
        let county = record.current_address.county_code.trim();
        if assess::find_profile(county).is_ok() { county.to_owned() } else { "330000".to_owned() }
    });
    let profile = assess::find_profile(&profile_query)?;

    let renderer = renderer(request.templates)?;
    let rendered = match document {
        Document::Form => {
            // The form's 申请编号 is the case number once the case file gives one.
            let mut record = record.clone();
            if record.application_number.trim().is_empty()
                && let Some(number) = case.case_number.clone()
            {
                record.application_number = number;
            }
            renderer.render_form(&record)?
        }
        Document::Notice => {
            let report = assess::assess(&record, &profile_query, today)?;
            let notice = NoticeData {
                case_number: case.case_number.clone().unwrap_or_default(),
                office,
                clerk,
                date: today,
            };
            renderer.render_notice(&record, &report.assessment, &notice)?
        }
        Document::Refusal => {
            // Without a not-eligible reason the renderer refuses (REFUSAL_NOT_AVAILABLE).
            let assessment = domain::assessment::assess(&record, &profile, today);
            let refusal = RefusalData {
                case_number: case.case_number.clone().unwrap_or_default(),
                office,
                clerk,
                date: today,
                document: format!("{}《{}》", profile.document.number, profile.document.title),
            };
            renderer.render_refusal(&record, &assessment, &refusal)?
        }
        Document::Receipt => {
            let accepted_on = case.accepted_on.unwrap_or(today);
            let working_days = profile.deadline_working_days;
            let due = match case.due {
                Some(due) => due,
                None => deadline::due_date(accepted_on, working_days, &[])?.due,
            };
            let due_note = deadline::estimate_note(
                &deadline::estimated_years_between(accepted_on, due, &[]).unwrap_or_default(),
            );
            let receipt =
                ReceiptData { case_number, office, clerk, accepted_on, due, working_days, due_note };
            renderer.render_receipt(&record, &receipt)?
        }
        Document::Rejection => {
            // Without reasons in the file the renderer refuses (REFUSAL_NOT_AVAILABLE).
            let reasons = case.rejection_reasons.clone().unwrap_or_default();
            let rejection = RejectionData {
                case_number,
                office,
                clerk,
                date: today,
                accepted_on: case.accepted_on.unwrap_or(today),
                document: format!("{}《{}》", profile.document.number, profile.document.title),
            };
            renderer.render_rejection(&record, &reasons, &rejection)?
        }
        Document::Review => {
            // A record on its own: no pages to name, none missing.
            let assessment = domain::assessment::assess(&record, &profile, today);
            let rules = domain::assessment::explain(&record, &profile, today, &assessment, None);
            let data =
                crate::printing::review_sheet(case_number, &profile, today, &assessment, &rules, None, today);
            renderer.render_review(&record, &data)?
        }
        Document::Slip => {
            let key = request.key.unwrap_or_else(|| {
                defaults.push("key");
                print::demo_signing_key()
            });
            let permit = case.permit.clone().unwrap_or_else(|| {
                defaults.push("permit");
                demo_permit(&office, today)
            });
            let mut options = case.slip_options.clone().unwrap_or_else(|| profile.slip.clone());
            options.large_print |= request.large_print;
            options.mask_id_number &= !request.full_id;
            let slip = SlipData { case_number, permit, office, clerk, printed_on: today, options };
            renderer.render_slip(&record, &slip, &key)?
        }
    };
    Ok(FileRendered { document: rendered, defaults })
}

/// The office's details from a file's text (`name` names it in messages).
pub fn office_from_json(name: &str, text: &str) -> Result<OfficeInfo, AppError> {
    Ok(OfficeInfo::from_json(name, text)?)
}

/// A signing key from a key file's text (the 32-byte seed as 64 hex digits).
pub fn signing_key_from_hex(text: &str) -> Result<SigningKey, AppError> {
    Ok(print::signing_key_from_hex(text)?)
}

/// A public key from 64 hex digits.
pub fn verifying_key_from_hex(text: &str) -> Result<VerifyingKey, AppError> {
    Ok(print::verifying_key_from_hex(text)?)
}

/// The public demo key's verifying half (never a real office's).
pub fn demo_verifying_key() -> VerifyingKey {
    print::demo_signing_key().verifying_key()
}

/// Checks a slip's QR text against `public_key`, offline; the catalogue's
/// `SLIP_UNREADABLE`, `SLIP_OTHER_OFFICE` or `SLIP_SIGNATURE_INVALID` when it fails.
pub fn verify_slip(payload: &str, public_key: &VerifyingKey) -> Result<VerifiedSlip, AppError> {
    Ok(print::verify_slip_payload(payload, public_key)?)
}

fn renderer(templates: Option<&Path>) -> Result<Renderer, AppError> {
    let fonts = Fonts::embedded()?;
    let templates = match templates {
        Some(dir) => Templates::load_dir(dir)?,
        None => Templates::embedded()?,
    };
    let reference = crate::reference::embedded()?;
    let names = Names {
        divisions: Some(reference.divisions.clone()),
        ethnic_groups: Some(reference.ethnic_groups.clone()),
    };
    Ok(Renderer::new(fonts, templates).with_names(names))
}

/// A demo permit issued on `today`: number from the office's county and the date,
/// endorsement due in the month before the first anniversary.
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
