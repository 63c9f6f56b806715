//! The assessment explained, rule by rule, for the people who sign the case after the
//! counter: which document applied, what the applicant declared under each rule, the
//! facts the rule measured (registration time with its breaks, the evidence boxes with
//! the pages that prove them) and whether the rule is met. The notice items say what is
//! wrong; this says what was checked, so a reviewer can check it again.
//!
//! A rule is not met when the assessment has an item about one of its fields; the
//! sentences are computed here, from the record and the profile, never in a view.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Assessment, cn_date, registration};
use crate::id_number;
use crate::profile::PolicyProfile;
use crate::record::{ApplicationRecord, Condition, EndorsementStatus, EvidenceItem, RecognitionType};

/// Whether a rule holds for the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Checked and met.
    Met,
    /// Checked and not met: the assessment's items say why.
    NotMet,
    /// Not asked of this application (a group with no box ticked, a rule the recognition
    /// type does not use).
    NotApplicable,
}

impl Outcome {
    /// The outcome in Chinese, as the case page and the 审核单 print it.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Met => "符合",
            Outcome::NotMet => "不符合",
            Outcome::NotApplicable => "不适用",
        }
    }
}

/// One rule with what was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainedRule {
    /// Stable key: `policy`, `applicant`, `residence`, `existing_permit`,
    /// `registration_time`, `special_case`, `employment`, `residence_evidence`, `study`,
    /// `guardian`, `declaration`.
    pub key: String,
    /// The rule's name, e.g. 居住登记时间.
    pub title: String,
    /// Met, not met or not applicable.
    pub outcome: Outcome,
    /// What was checked, in a sentence a supervisor can verify.
    pub sentence: String,
}

/// A scanned page as the explanation names it: the box it proves and its position in the
/// case (1 = first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRef {
    /// The evidence box.
    pub item: EvidenceItem,
    /// Its position among the case's pages.
    pub position: u32,
}

/// Explains `assessment` of `record` under `profile` on `today`. With `pages` (a stored
/// case), each ticked box names its pages or says it has none; without (a record on its
/// own), pages are not mentioned.
pub fn explain(
    record: &ApplicationRecord,
    profile: &PolicyProfile,
    today: NaiveDate,
    assessment: &Assessment,
    pages: Option<&[PageRef]>,
) -> Vec<ExplainedRule> {
    let outcome = |fields: &[&str]| outcome_of(assessment, fields);
    let mut rules = Vec::new();
    let mut push = |key: &str, title: &str, outcome: Outcome, sentence: String| {
        rules.push(ExplainedRule { key: key.to_owned(), title: title.to_owned(), outcome, sentence });
    };

    let document = &profile.document;
    let in_force = match (document.effective, document.draft) {
        (Some(effective), _) => format!("自{}起施行", cn_date(effective)),
        (None, true) => "征求意见稿，施行日期未定".to_owned(),
        (None, false) => "施行日期未载明".to_owned(),
    };
    push(
        "policy",
        "适用政策",
        outcome(&[""]),
        format!(
            "{}《{}》（{}），{in_force}。",
            profile.county.name,
            nested(&document.title),
            document.number
        ),
    );

    let applicant = &record.applicant;
    let identity = match id_number::check(&applicant.id_number, today) {
        Ok(decoded) => format!(
            "公民身份号码校验通过，出生日期{}，申请时{}周岁。",
            cn_date(decoded.birth_date),
            decoded.age_on(today)
        ),
        Err(_) => "公民身份号码未通过校验。".to_owned(),
    };
    push("applicant", "申请人", outcome(&["applicant"]), identity);

    push(
        "residence",
        "现居住地",
        outcome(&["current_address"]),
        format!(
            "现居住地行政区划代码{}，按{}的政策审查。",
            blank_or(&record.current_address.county_code),
            profile.county.name
        ),
    );

    let special =
        record.special_case.as_ref().and_then(|special| special.kind.map(|kind| (kind, &special.proof)));
    if let Some((kind, proof)) = special {
        push(
            "special_case",
            "特殊情形",
            outcome(&["special_case"]),
            format!("{}（证明：{}）。", kind.label(), blank_or(proof)),
        );
    }

    match record.recognition_type {
        Some(RecognitionType::ExistingPermit) => {
            let sentence = match &record.existing_permit {
                Some(permit) => format!(
                    "现有证件互认：居住证号{}，{}签发，签注状态：{}。",
                    blank_or(&permit.number),
                    permit.issue_date.map_or_else(|| "签发日期未填".to_owned(), cn_date),
                    permit.endorsement.map_or("未填", endorsement_label)
                ),
                None => "现有证件互认：未填写现有居住证信息。".to_owned(),
            };
            push("existing_permit", "现有证件", outcome(&["recognition_type", "existing_permit"]), sentence);
        }
        Some(RecognitionType::RegistrationTime) if special.is_some() => push(
            "registration_time",
            "居住登记时间",
            Outcome::NotApplicable,
            "属《浙江省流动人口居住登记条例》特别规定的情形，不受居住登记满六个月的限制。".to_owned(),
        ),
        Some(RecognitionType::RegistrationTime) => {
            let rule = &profile.registration_time;
            let sentence = registration::summary(
                &record.registration_history,
                rule,
                record.current_address.county_code.trim(),
                today,
            )
            .unwrap_or_else(|| format!("在{}没有可计算的居住登记。", rule.scope.name()));
            push(
                "registration_time",
                "居住登记时间",
                outcome(&["recognition_type", "registration_history"]),
                sentence,
            );
        }
        None => push("registration_time", "互认类型", Outcome::NotMet, "未勾选互认类型。".to_owned()),
    }

    // A group is not met when an item names it or the facts measured for it, or when no
    // group is met at all (the item about 证明材料 as a whole) though this one is ticked.
    let none_met = assessment.items.iter().any(|item| item.field == "evidence");
    for (condition, key, facts) in [
        (Condition::Employment, "employment", "evidence_facts.social_insurance"),
        (Condition::Residence, "residence_evidence", "evidence_facts.rental"),
        (Condition::Study, "study", "evidence_facts.study"),
    ] {
        let ticked: Vec<EvidenceItem> =
            condition.items().filter(|item| item.is_ticked(&record.evidence)).collect();
        if ticked.is_empty() {
            push(key, condition.label(), Outcome::NotApplicable, "未勾选。".to_owned());
            continue;
        }
        let boxes: Vec<String> = ticked
            .iter()
            .map(|item| match pages {
                Some(pages) => format!("{}（{}）", item.label(), pages_of(*item, pages)),
                None => item.label().to_owned(),
            })
            .collect();
        let result = if none_met { Outcome::NotMet } else { outcome(&[condition.field(), facts]) };
        push(key, condition.label(), result, format!("{}。", boxes.join("；")));
    }

    if let Some(guardian) = &record.guardian {
        push(
            "guardian",
            "监护人",
            outcome(&["guardian"]),
            format!("监护人{}（{}）代为申请。", blank_or(&guardian.name), blank_or(&guardian.relationship)),
        );
    }

    let declaration = &record.declaration;
    let signed = match (declaration.signed, declaration.date) {
        (true, Some(date)) => format!("申请人已于{}签名。", cn_date(date)),
        (true, None) => "申请人已签名，日期未填。".to_owned(),
        (false, _) => "申请人未签名。".to_owned(),
    };
    push("declaration", "申请人声明", outcome(&["declaration"]), signed);
    rules
}

/// Not met when an item names one of `fields` (or a field inside it); `""` is the
/// profile's own items.
fn outcome_of(assessment: &Assessment, fields: &[&str]) -> Outcome {
    let named = assessment.items.iter().any(|item| {
        fields.iter().any(|field| {
            item.field == *field
                || (!field.is_empty()
                    && (item.field.starts_with(&format!("{field}."))
                        || item.field.starts_with(&format!("{field}["))))
        })
    });
    if named { Outcome::NotMet } else { Outcome::Met }
}

/// 第 1、2 页, or 未附扫描件.
fn pages_of(item: EvidenceItem, pages: &[PageRef]) -> String {
    let mut positions: Vec<u32> =
        pages.iter().filter(|page| page.item == item).map(|page| page.position).collect();
    positions.sort_unstable();
    if positions.is_empty() {
        return "未附扫描件".to_owned();
    }
    let list: Vec<String> = positions.iter().map(u32::to_string).collect();
    format!("第{}页", list.join("、"))
}

fn endorsement_label(status: EndorsementStatus) -> &'static str {
    match status {
        EndorsementStatus::Current => "按期签注",
        EndorsementStatus::Overdue => "逾期未签注",
        EndorsementStatus::Terminated => "已终止",
    }
}

/// A title inside 《》: its own 《》 become 〈〉, as nested titles are written.
fn nested(title: &str) -> String {
    title.replace('《', "〈").replace('》', "〉")
}

fn blank_or(text: &str) -> &str {
    if text.trim().is_empty() { "未填" } else { text.trim() }
}
