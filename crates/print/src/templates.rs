//! Template data: the labels, wording, field order and version of each document, and the
//! office details printed on them.
//!
//! Templates are JSON files in `assets/templates/` (format described in `docs/print.md`),
//! embedded at build time. A county changes wording by giving [`Templates::load_dir`] a
//! folder with its own `slip.json`, `form.json`, `notice.json`, `receipt.json` or `refusal.json`: a file
//! found there replaces the embedded one, a missing file keeps it. Every rendered PDF names
//! the template and version it was made from ([`TemplateId`]).
//!
//! Contract: a template is checked completely when it is loaded (every label and text the
//! document prints is present, the slip's fields are known), and every problem of a file is
//! reported at once. Rendering therefore never fails on a template.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::PrintError;

/// The template-file format this build reads.
pub const TEMPLATE_FORMAT: u32 = 1;
/// The office-file format this build reads.
pub const OFFICE_FORMAT: u32 = 1;

/// The seven documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 《浙江省居住证确认单》, the confirmation slip.
    Slip,
    /// Annex 1, 《浙江省居住证》互认转换申请表, filled in.
    Form,
    /// 一次性告知书, the one-time notice.
    Notice,
    /// 受理回执, the acceptance receipt.
    Receipt,
    /// 不予受理告知书（不符合互认条件）, the refusal of an applicant who is not eligible.
    Refusal,
    /// 审核单, the assessment explained rule by rule for the reviewer and the approver.
    Review,
    /// 不予办理告知书, the refusal of an accepted application at review or approval
    /// (不予通过), with the reviewer's or approver's reasons.
    Rejection,
}

impl DocumentKind {
    /// All seven, in the order of the counter procedure's paper.
    pub const ALL: [DocumentKind; 7] = [
        DocumentKind::Form,
        DocumentKind::Notice,
        DocumentKind::Refusal,
        DocumentKind::Receipt,
        DocumentKind::Review,
        DocumentKind::Rejection,
        DocumentKind::Slip,
    ];

    /// The template's name, which is also its file stem (`slip` → `slip.json`).
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Slip => "slip",
            DocumentKind::Form => "form",
            DocumentKind::Notice => "notice",
            DocumentKind::Receipt => "receipt",
            DocumentKind::Refusal => "refusal",
            DocumentKind::Review => "review",
            DocumentKind::Rejection => "rejection",
        }
    }

    /// The document's Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Form => "互认转换申请表",
            DocumentKind::Receipt => "受理回执",
            DocumentKind::Notice => "一次性告知书",
            DocumentKind::Refusal => "不予受理告知书",
            DocumentKind::Review => "审核单",
            DocumentKind::Rejection => "不予办理告知书",
            DocumentKind::Slip => "居住证确认单",
        }
    }

    /// Parses a template name (`slip`, `form`, `notice`, `receipt`, `refusal`).
    pub fn from_name(name: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// What this document's template file must hold.
    pub(crate) fn spec(self) -> TemplateSpec {
        let (labels, texts, embedded): (&[&str], &[&str], &str) = match self {
            DocumentKind::Slip => (
                crate::slip::REQUIRED_LABELS,
                crate::slip::REQUIRED_TEXTS,
                include_str!("../../../assets/templates/slip.json"),
            ),
            DocumentKind::Form => (
                crate::form::REQUIRED_LABELS,
                crate::form::REQUIRED_TEXTS,
                include_str!("../../../assets/templates/form.json"),
            ),
            DocumentKind::Notice => (
                crate::notice::REQUIRED_LABELS,
                crate::notice::REQUIRED_TEXTS,
                include_str!("../../../assets/templates/notice.json"),
            ),
            DocumentKind::Receipt => (
                crate::receipt::REQUIRED_LABELS,
                crate::receipt::REQUIRED_TEXTS,
                include_str!("../../../assets/templates/receipt.json"),
            ),
            DocumentKind::Refusal => (
                crate::refusal::REQUIRED_LABELS,
                crate::refusal::REQUIRED_TEXTS,
                include_str!("../../../assets/templates/refusal.json"),
            ),
            DocumentKind::Review => (
                crate::review::REQUIRED_LABELS,
                crate::review::REQUIRED_TEXTS,
                include_str!("../../../assets/templates/review.json"),
            ),
            DocumentKind::Rejection => (
                crate::refusal::REQUIRED_LABELS,
                crate::refusal::REJECTION_TEXTS,
                include_str!("../../../assets/templates/rejection.json"),
            ),
        };
        TemplateSpec { name: self.name(), labels, texts, embedded }
    }
}

/// What a template file must hold: its name (also its file stem), the labels and texts its
/// document prints, and the file shipped in `assets/templates/`. A case's documents have
/// theirs through [`DocumentKind`]; the office's register (台账) is [`LEDGER_TEMPLATE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateSpec {
    /// `slip`, `form`, …, `ledger`.
    pub name: &'static str,
    labels: &'static [&'static str],
    texts: &'static [&'static str],
    embedded: &'static str,
}

/// The register of applications (台账): not a case's document, the office's own.
pub const LEDGER_TEMPLATE: TemplateSpec = TemplateSpec {
    name: "ledger",
    labels: crate::ledger::REQUIRED_LABELS,
    texts: crate::ledger::REQUIRED_TEXTS,
    embedded: include_str!("../../../assets/templates/ledger.json"),
};

/// Which template, in which version, a document was rendered from. Recorded in the PDF's
/// keywords and footer, and meant for the print audit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemplateId {
    /// The template's name: `slip`, `form`, `notice` or `receipt`.
    pub name: String,
    /// The template file's own version, e.g. `1.0.0`.
    pub version: String,
}

impl std::fmt::Display for TemplateId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.name, self.version)
    }
}

/// One template file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Always [`TEMPLATE_FORMAT`].
    pub template_format: u32,
    /// `slip`, `form`, `notice` or `receipt`; must match the file.
    pub name: String,
    /// The file's version; bump it whenever wording or layout data changes.
    pub version: String,
    /// The document's title, printed at the top.
    pub title: String,
    /// Short labels, by key.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Sentences and formats, by key; `{name}` placeholders are filled at render time.
    #[serde(default)]
    pub texts: BTreeMap<String, String>,
    /// The slip only: which holder fields to print, in order.
    #[serde(default)]
    pub fields: Vec<String>,
    /// The slip only: fields that take a whole row in the regular layout.
    #[serde(default)]
    pub full_width_fields: Vec<String>,
}

impl Template {
    /// Parses and checks a template for `spec`; `file` names it in messages.
    pub fn parse(spec: TemplateSpec, file: &str, text: &str) -> Result<Template, PrintError> {
        let invalid = |problems: Vec<String>| PrintError::TemplateInvalid {
            name: file.to_owned(),
            problems: problems.join("; "),
        };
        let template: Template = serde_json::from_str(text).map_err(|e| invalid(vec![e.to_string()]))?;
        let mut problems = Vec::new();
        if template.template_format != TEMPLATE_FORMAT {
            problems.push(format!(
                "template_format is {}, this build reads {TEMPLATE_FORMAT}",
                template.template_format
            ));
        }
        if template.name != spec.name {
            problems.push(format!("name is `{}`, expected `{}`", template.name, spec.name));
        }
        if template.version.trim().is_empty() {
            problems.push("version is blank".to_owned());
        }
        for key in spec.labels {
            if !template.labels.contains_key(*key) {
                problems.push(format!("label `{key}` is missing"));
            }
        }
        for key in spec.texts {
            if !template.texts.contains_key(*key) {
                problems.push(format!("text `{key}` is missing"));
            }
        }
        if spec.name == DocumentKind::Slip.name() {
            for field in template.fields.iter().chain(&template.full_width_fields) {
                if !crate::slip::FIELDS.contains(&field.as_str()) {
                    problems.push(format!(
                        "unknown slip field `{field}` (known: {})",
                        crate::slip::FIELDS.join(", ")
                    ));
                }
            }
            if template.fields.is_empty() {
                problems.push("fields is empty: the slip would print no holder data".to_owned());
            }
        }
        if problems.is_empty() { Ok(template) } else { Err(invalid(problems)) }
    }

    /// The template's identity.
    pub fn id(&self) -> TemplateId {
        TemplateId { name: self.name.clone(), version: self.version.clone() }
    }

    /// The label under `key` (checked present at load time; the key itself otherwise).
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.labels.get(key).map_or(key, String::as_str)
    }

    /// The text under `key` with `{name}` placeholders replaced by `values`.
    pub fn text(&self, key: &str, values: &[(&str, &str)]) -> String {
        let raw = self.texts.get(key).map_or(key, String::as_str);
        fill(raw, values)
    }
}

/// Replaces each `{name}` of `raw` by its value.
pub(crate) fn fill(raw: &str, values: &[(&str, &str)]) -> String {
    let mut out = raw.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The five templates in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    /// The confirmation slip.
    pub slip: Template,
    /// The Annex 1 form.
    pub form: Template,
    /// The one-time notice.
    pub notice: Template,
    /// The acceptance receipt.
    pub receipt: Template,
    /// The refusal of an applicant who is not eligible.
    pub refusal: Template,
    /// The review sheet.
    pub review: Template,
    /// The refusal of an accepted application at review or approval.
    pub rejection: Template,
    /// The office's register of applications (台账).
    pub ledger: Template,
}

impl Templates {
    /// The templates shipped in `assets/templates/`.
    pub fn embedded() -> Result<Templates, PrintError> {
        Templates::load_with(|_| Ok(None))
    }

    /// The templates of `dir` (`slip.json`, `form.json`, `notice.json`, `receipt.json`),
    /// falling back to the embedded one for each file the folder lacks.
    pub fn load_dir(dir: &Path) -> Result<Templates, PrintError> {
        Templates::load_with(|name| {
            let path = dir.join(format!("{name}.json"));
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some(text)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(PrintError::TemplateUnreadable { path, source }),
            }
        })
    }

    fn load_with(
        mut read: impl FnMut(&str) -> Result<Option<String>, PrintError>,
    ) -> Result<Templates, PrintError> {
        let mut load = |spec: TemplateSpec| -> Result<Template, PrintError> {
            let file = format!("{}.json", spec.name);
            match read(spec.name)? {
                Some(text) => Template::parse(spec, &file, &text),
                None => Template::parse(spec, &format!("embedded {file}"), spec.embedded),
            }
        };
        Ok(Templates {
            slip: load(DocumentKind::Slip.spec())?,
            form: load(DocumentKind::Form.spec())?,
            notice: load(DocumentKind::Notice.spec())?,
            receipt: load(DocumentKind::Receipt.spec())?,
            refusal: load(DocumentKind::Refusal.spec())?,
            review: load(DocumentKind::Review.spec())?,
            rejection: load(DocumentKind::Rejection.spec())?,
            ledger: load(LEDGER_TEMPLATE)?,
        })
    }

    /// The template of `kind`.
    pub fn get(&self, kind: DocumentKind) -> &Template {
        match kind {
            DocumentKind::Slip => &self.slip,
            DocumentKind::Form => &self.form,
            DocumentKind::Notice => &self.notice,
            DocumentKind::Receipt => &self.receipt,
            DocumentKind::Refusal => &self.refusal,
            DocumentKind::Review => &self.review,
            DocumentKind::Rejection => &self.rejection,
        }
    }
}

/// The office that prints a document: who the applicant deals with, and who issues the
/// permit. Loaded from a JSON file like `assets/templates/office-demo.json`, or built by
/// the app from its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeInfo {
    /// Always [`OFFICE_FORMAT`] in files; ignored when built in code.
    #[serde(default = "office_format")]
    pub office_format: u32,
    /// GB/T 2260 code of the office's county (also printed in the slip's QR payload).
    pub county_code: String,
    /// The office's name, e.g. `海盐县武原街道便民服务中心`.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Telephone number for applicants.
    pub phone: String,
    /// The permit's issuing authority (签发机关), e.g. `海盐县公安局`.
    pub issuing_authority: String,
}

fn office_format() -> u32 {
    OFFICE_FORMAT
}

/// The demo office of `assets/templates/office-demo.json` (fictitious phone number).
pub const DEMO_OFFICE_JSON: &str = include_str!("../../../assets/templates/office-demo.json");

impl OfficeInfo {
    /// Parses an office file; `file` names it in messages.
    pub fn from_json(file: &str, text: &str) -> Result<OfficeInfo, PrintError> {
        let office: OfficeInfo = serde_json::from_str(text)
            .map_err(|e| PrintError::OfficeInvalid { name: file.to_owned(), detail: e.to_string() })?;
        if office.office_format != OFFICE_FORMAT {
            return Err(PrintError::OfficeInvalid {
                name: file.to_owned(),
                detail: format!(
                    "office_format is {}, this build reads {OFFICE_FORMAT}",
                    office.office_format
                ),
            });
        }
        Ok(office)
    }

    /// The demo office shipped for examples and tests.
    pub fn demo() -> Result<OfficeInfo, PrintError> {
        OfficeInfo::from_json("office-demo.json", DEMO_OFFICE_JSON)
    }
}
