//! Assessment: can the counter accept this application under this county's profile today,
//! must it give a one-time notice (一次性告知) of everything missing, or is the applicant
//! not eligible at all (不符合互认条件, 不予受理)?
//!
//! The seeds name two different answers besides acceptance: 「对申请材料不齐全的，应当一次性告知
//! 当事人需要补充的材料」 and 「对不符合互认条件的，无论线上或线下均必须一次性告知理由」 (Haiyan;
//! Jiande and Qingtian say the second, Gongshu both). Every [`NoticeItem`] is therefore of one
//! [`ItemKind`]: an *eligibility* reason (the county's profile lists the code in
//! `eligibility`, with the sentence it rests on) or a *materials* item (anything else). Any
//! eligibility reason makes the decision [`Decision::NotEligible`]: no papers will change
//! it, and the applicant must not be told to come back with more.
//!
//! [`assess`] never stops at the first problem. It walks the form in its printed order and
//! collects every [`NoticeItem`]: the notice reads top to bottom like the form, and the
//! applicant comes back once. Each item has a stable code (see [`code`]), the field path
//! in the record's JSON form, and one Chinese sentence a clerk can read to the applicant.
//!
//! How evidence is judged (the seeds list boxes, not combinations; this is our reading):
//! - A condition (就业/住所/就读) is *attempted* when any box of its group is ticked.
//! - A condition is met when one of the profile's ways for it is met: every box the way
//!   names is ticked and every extra proof holds. For an applicant under the profile's
//!   minor age, the condition's extra minors' proofs must hold as well.
//! - One met condition is enough: the other groups' gaps are then not reported.
//! - Otherwise, for each attempted condition, the notice lists what is missing in every
//!   way the applicant has started (some of its boxes ticked); if no way was started it
//!   lists the ways to choose from.
//! - A ticked 「其他」 without its description is always reported: the form is archived.
//! - The application number (申请编号) is not required: the system assigns it on acceptance.
//! - The phone number is not on Annex 1 and is optional: without one the applicant gets the
//!   paper 确认单 ([`crate::record::ApplicationRecord::needs_paper_slip`]); a number that is
//!   given must be a valid mobile number.
//! - A special case the county applies ([`crate::record::SpecialCase`]) waives the six months
//!   (投资创业, 引进人才) or, for Gongshu's 《浙江省引进人才居住证》, the six months and the
//!   conditions; its proof must be named.

mod explain;
mod registration;

pub use explain::{ExplainedRule, Outcome, PageRef, explain};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::id_number::{self, DecodedId};
use crate::issue::FieldIssue;
use crate::profile::{
    EvidenceWay, LocalArea, PolicyProfile, Proof, is_division_code, same_county_or_urban_area,
};
use crate::record::{
    ApplicationRecord, Condition, EndorsementStatus, EvidenceItem, RecognitionType, SpecialCaseKind,
};

/// Stable notice codes. Never rename or reuse one that has shipped; deprecate it instead.
/// Identity checks reuse the `ID_NUMBER_*` codes of [`crate::id_number::check`], re-rooted
/// under `applicant.id_number` or `guardian.id_number`.
pub mod code {
    /// The profile's document takes effect after the assessment date, or is an undated
    /// draft whose effective date no administrator has recorded.
    pub const PROFILE_NOT_IN_FORCE: &str = "PROFILE_NOT_IN_FORCE";
    /// The profile is the provincial default: the county of residence has issued no
    /// implementing document, so mutual recognition is not done there.
    pub const RECOGNITION_NOT_IMPLEMENTED: &str = "RECOGNITION_NOT_IMPLEMENTED";
    /// A field the form requires is blank; `field` says which.
    pub const REQUIRED_FIELD_MISSING: &str = "REQUIRED_FIELD_MISSING";
    /// The gender entered disagrees with digit 17 of the ID number.
    pub const GENDER_MISMATCH: &str = "GENDER_MISMATCH";
    /// The ethnic-group code is not one of GB 3304's 01–56, or 97, 98.
    pub const ETHNIC_GROUP_INVALID: &str = "ETHNIC_GROUP_INVALID";
    /// A division code does not have the GB/T 2260 shape (or a province code does not end in 0000).
    pub const DIVISION_CODE_INVALID: &str = "DIVISION_CODE_INVALID";
    /// The household-registration county is not inside the household-registration province.
    pub const HOUSEHOLD_COUNTY_NOT_IN_PROVINCE: &str = "HOUSEHOLD_COUNTY_NOT_IN_PROVINCE";
    /// The applicant does not live in the county whose profile is applied.
    pub const CURRENT_ADDRESS_OUTSIDE_COUNTY: &str = "CURRENT_ADDRESS_OUTSIDE_COUNTY";
    /// The phone number is not an 11-digit mainland mobile number.
    pub const PHONE_NUMBER_INVALID: &str = "PHONE_NUMBER_INVALID";
    /// Household registration in the local area: not floating population.
    pub const LOCAL_APPLICANT: &str = "LOCAL_APPLICANT";
    /// Neither recognition-type box is ticked.
    pub const RECOGNITION_TYPE_MISSING: &str = "RECOGNITION_TYPE_MISSING";
    /// 现有证件互认 without the existing permit's details.
    pub const EXISTING_PERMIT_MISSING: &str = "EXISTING_PERMIT_MISSING";
    /// The existing permit was not issued in Zhejiang.
    pub const EXISTING_PERMIT_NOT_ZHEJIANG: &str = "EXISTING_PERMIT_NOT_ZHEJIANG";
    /// The existing permit was issued by the county of residence: nothing to convert.
    pub const EXISTING_PERMIT_SAME_COUNTY: &str = "EXISTING_PERMIT_SAME_COUNTY";
    /// The existing permit's issue date is after the assessment date.
    pub const EXISTING_PERMIT_ISSUE_DATE_INVALID: &str = "EXISTING_PERMIT_ISSUE_DATE_INVALID";
    /// The existing permit's endorsement is overdue, so its use is suspended.
    pub const EXISTING_PERMIT_ENDORSEMENT_OVERDUE: &str = "EXISTING_PERMIT_ENDORSEMENT_OVERDUE";
    /// The existing permit's function is terminated.
    pub const EXISTING_PERMIT_TERMINATED: &str = "EXISTING_PERMIT_TERMINATED";
    /// 居住登记时间互认 without any registration period.
    pub const REGISTRATION_HISTORY_MISSING: &str = "REGISTRATION_HISTORY_MISSING";
    /// A registration period has a bad county code or impossible dates.
    pub const REGISTRATION_PERIOD_INVALID: &str = "REGISTRATION_PERIOD_INVALID";
    /// Registration in scope does not add up to the required months.
    pub const REGISTRATION_TIME_SHORT: &str = "REGISTRATION_TIME_SHORT";
    /// Enough time in total, but a gap exceeds the profile's maximum (Jiande: 30 days).
    pub const REGISTRATION_GAP_TOO_LONG: &str = "REGISTRATION_GAP_TOO_LONG";
    /// Enough time in total, but no single unbroken run lasts (continuous rule).
    pub const REGISTRATION_NOT_CONTINUOUS: &str = "REGISTRATION_NOT_CONTINUOUS";
    /// The registration ended too long before the application: the time must run up to it.
    pub const REGISTRATION_NOT_RECENT: &str = "REGISTRATION_NOT_RECENT";
    /// No evidence box is ticked at all.
    pub const EVIDENCE_NONE: &str = "EVIDENCE_NONE";
    /// A 「其他」 box is ticked without saying what the proof is.
    pub const OTHER_DESCRIPTION_MISSING: &str = "OTHER_DESCRIPTION_MISSING";
    /// A condition was attempted but none of its ways was started; the message lists them.
    pub const CONDITION_NOT_MET: &str = "CONDITION_NOT_MET";
    /// A way was started but one of its boxes is not ticked.
    pub const EVIDENCE_ITEM_MISSING: &str = "EVIDENCE_ITEM_MISSING";
    /// The lease term is not recorded.
    pub const RENTAL_CONTRACT_TERM_MISSING: &str = "RENTAL_CONTRACT_TERM_MISSING";
    /// The lease is shorter than required.
    pub const RENTAL_CONTRACT_TOO_SHORT: &str = "RENTAL_CONTRACT_TOO_SHORT";
    /// The landlord's ownership or homestead-use certificate is not shown.
    pub const LANDLORD_TITLE_PROOF_MISSING: &str = "LANDLORD_TITLE_PROOF_MISSING";
    /// Whether the rental is commercial housing is not recorded.
    pub const HOUSING_TYPE_MISSING: &str = "HOUSING_TYPE_MISSING";
    /// Commercial housing without the lease filing (租赁登记备案).
    pub const LEASE_FILING_MISSING: &str = "LEASE_FILING_MISSING";
    /// A fact of the social-insurance certificate is not recorded.
    pub const SOCIAL_INSURANCE_FACTS_MISSING: &str = "SOCIAL_INSURANCE_FACTS_MISSING";
    /// Social insurance paid for fewer months than required.
    pub const SOCIAL_INSURANCE_TOO_SHORT: &str = "SOCIAL_INSURANCE_TOO_SHORT";
    /// Social insurance interrupted for longer than allowed.
    pub const SOCIAL_INSURANCE_GAP_TOO_LONG: &str = "SOCIAL_INSURANCE_GAP_TOO_LONG";
    /// Social insurance includes back-paid months, which do not count.
    pub const SOCIAL_INSURANCE_BACK_PAID: &str = "SOCIAL_INSURANCE_BACK_PAID";
    /// The months of enrolment are not recorded.
    pub const ENROLMENT_MONTHS_MISSING: &str = "ENROLMENT_MONTHS_MISSING";
    /// Enrolled for fewer months than required.
    pub const ENROLMENT_TOO_SHORT: &str = "ENROLMENT_TOO_SHORT";
    /// An applicant under 16 without a guardian.
    pub const GUARDIAN_MISSING: &str = "GUARDIAN_MISSING";
    /// Deprecated (no longer given): the guardian is under 18. Replaced by
    /// [`GUARDIAN_NO_CAPACITY`] and [`GUARDIAN_CAPACITY_UNCONFIRMED`].
    pub const GUARDIAN_NOT_ADULT: &str = "GUARDIAN_NOT_ADULT";
    /// The guardian is under 16: not a person of full civil capacity.
    pub const GUARDIAN_NO_CAPACITY: &str = "GUARDIAN_NO_CAPACITY";
    /// The guardian is 16 or 17 and it is not confirmed that they live on their own labour
    /// income (《民法典》第十八条第二款).
    pub const GUARDIAN_CAPACITY_UNCONFIRMED: &str = "GUARDIAN_CAPACITY_UNCONFIRMED";
    /// A minor's parents' permits are not shown.
    pub const GUARDIAN_PERMITS_MISSING: &str = "GUARDIAN_PERMITS_MISSING";
    /// A minor's parent's social-insurance months are not recorded.
    pub const GUARDIAN_SOCIAL_INSURANCE_MISSING: &str = "GUARDIAN_SOCIAL_INSURANCE_MISSING";
    /// A minor's parent paid social insurance for fewer months than required.
    pub const GUARDIAN_SOCIAL_INSURANCE_TOO_SHORT: &str = "GUARDIAN_SOCIAL_INSURANCE_TOO_SHORT";
    /// A minor's parent's social insurance was interrupted for longer than allowed.
    pub const GUARDIAN_SOCIAL_INSURANCE_GAP_TOO_LONG: &str = "GUARDIAN_SOCIAL_INSURANCE_GAP_TOO_LONG";
    /// A minor's parent's social insurance includes back-paid months, which do not count.
    pub const GUARDIAN_SOCIAL_INSURANCE_BACK_PAID: &str = "GUARDIAN_SOCIAL_INSURANCE_BACK_PAID";
    /// A special case is marked that this county's document does not provide for.
    pub const SPECIAL_CASE_NOT_APPLICABLE: &str = "SPECIAL_CASE_NOT_APPLICABLE";
    /// A special case is marked without its proof (认定文件 or permit number).
    pub const SPECIAL_CASE_PROOF_MISSING: &str = "SPECIAL_CASE_PROOF_MISSING";
    /// The declaration is not signed.
    pub const DECLARATION_NOT_SIGNED: &str = "DECLARATION_NOT_SIGNED";
    /// The signature date is after the assessment date.
    pub const DECLARATION_DATE_INVALID: &str = "DECLARATION_DATE_INVALID";
    /// An evidence box is ticked but no scanned page of the proof is attached to the case.
    pub const EVIDENCE_PAGE_MISSING: &str = "EVIDENCE_PAGE_MISSING";

    /// The codes a profile may list as eligibility reasons: each says something about the
    /// applicant or the county that no paper can change. The others ask for materials.
    pub const ELIGIBILITY_CAPABLE: &[&str] = &[
        "ID_NUMBER_HK_MO_TW_PERMIT",
        "ID_NUMBER_FOREIGN_PERMANENT_RESIDENT",
        PROFILE_NOT_IN_FORCE,
        RECOGNITION_NOT_IMPLEMENTED,
        CURRENT_ADDRESS_OUTSIDE_COUNTY,
        LOCAL_APPLICANT,
        EXISTING_PERMIT_NOT_ZHEJIANG,
        EXISTING_PERMIT_SAME_COUNTY,
        EXISTING_PERMIT_ENDORSEMENT_OVERDUE,
        EXISTING_PERMIT_TERMINATED,
        REGISTRATION_TIME_SHORT,
        REGISTRATION_GAP_TOO_LONG,
        REGISTRATION_NOT_CONTINUOUS,
        REGISTRATION_NOT_RECENT,
    ];
}

/// GB 3304 ethnic-group codes plus 97 (其他) and 98 (外国血统中国籍人士).
///
/// TODO(#3): use the reference-data module's ethnic list once it lands; this is the one
/// place the codes are listed meanwhile.
pub fn ethnic_code_is_valid(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_digit())
        && matches!(code.parse::<u8>(), Ok(1..=56 | 97 | 98))
}

/// Whether `number` is an 11-digit mainland mobile number: `1`, then `3`–`9`, then 9 digits.
pub fn phone_number_is_valid(number: &str) -> bool {
    let bytes = number.as_bytes();
    bytes.len() == 11
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1])
        && bytes.iter().all(u8::is_ascii_digit)
}

/// The outcome of an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Nothing is missing: the clerk may accept (受理).
    Accept,
    /// Materials are missing or defective: give the one-time notice of what to bring
    /// (一次性告知需要补充的材料); the applicant may come back.
    Notice,
    /// The applicant does not meet the conditions (不符合互认条件): give every reason at once
    /// (不予受理告知书); no papers will change the answer.
    NotEligible,
}

impl Decision {
    /// The answer's name for the clerk.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Accept => "可以受理",
            Decision::Notice => "一次性告知补正材料",
            Decision::NotEligible => "不符合互认条件，不予受理",
        }
    }
}

/// Whether an item asks for materials or says why the applicant is not eligible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Something to bring, complete or correct (补正).
    #[default]
    Materials,
    /// A reason the applicant is not eligible here (不符合互认条件).
    Eligibility,
}

/// One line of the one-time notice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NoticeItem {
    /// Stable SCREAMING_SNAKE code from [`code`] (or an `ID_NUMBER_*` code).
    pub code: String,
    /// Dotted path of the field in the record's JSON form; blank for the whole application.
    pub field: String,
    /// One Chinese sentence for the applicant.
    pub message: String,
    /// Materials or eligibility, as the county's profile classes the code.
    #[serde(default)]
    pub kind: ItemKind,
    /// For an eligibility reason: the sentence of the document it rests on.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

impl NoticeItem {
    /// Builds a materials item (the profile decides the kind at the end of [`assess`]).
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            field: field.into(),
            message: message.into(),
            kind: ItemKind::Materials,
            basis: String::new(),
        }
    }

    /// Whether this item says the applicant is not eligible.
    pub fn is_eligibility(&self) -> bool {
        self.kind == ItemKind::Eligibility
    }
}

impl From<FieldIssue> for NoticeItem {
    fn from(issue: FieldIssue) -> Self {
        NoticeItem::new(issue.field, issue.code, issue.message)
    }
}

/// The decision and the full notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// Accept when `items` is empty; NotEligible when any item is an eligibility reason;
    /// otherwise Notice.
    pub decision: Decision,
    /// Every problem found, in the form's order; empty when accepted.
    pub items: Vec<NoticeItem>,
}

impl Assessment {
    /// Builds an assessment from its items, deciding as documented on [`Assessment::decision`].
    pub fn from_items(items: Vec<NoticeItem>) -> Assessment {
        let decision = if items.iter().any(NoticeItem::is_eligibility) {
            Decision::NotEligible
        } else if items.is_empty() {
            Decision::Accept
        } else {
            Decision::Notice
        };
        Assessment { decision, items }
    }

    /// Whether the clerk may accept.
    pub fn is_accept(&self) -> bool {
        self.decision == Decision::Accept
    }

    /// The codes of the items, in order (handy for tests and logs).
    pub fn codes(&self) -> Vec<&str> {
        self.items.iter().map(|item| item.code.as_str()).collect()
    }

    /// The eligibility reasons, in the form's order (what the 不予受理告知书 prints).
    pub fn reasons(&self) -> Vec<&NoticeItem> {
        self.items.iter().filter(|item| item.is_eligibility()).collect()
    }
}

/// Assesses `record` under `profile` on `today` (the acceptance date).
pub fn assess(record: &ApplicationRecord, profile: &PolicyProfile, today: NaiveDate) -> Assessment {
    let mut items = Vec::new();
    check_profile(profile, today, &mut items);
    let decoded = check_applicant(record, today, &mut items);
    check_household(record, &mut items);
    check_current_address(record, profile, &mut items);
    check_phone(record, &mut items);
    check_local_applicant(record, profile, &mut items);
    let special = check_special_case(record, profile, &mut items);
    let exchange = special == Some(SpecialCaseKind::TalentPermitExchange);
    match record.recognition_type {
        None => items.push(NoticeItem::new(
            "recognition_type",
            code::RECOGNITION_TYPE_MISSING,
            "请勾选互认类型：现有证件互认或居住登记时间互认。",
        )),
        // A holder of 《浙江省引进人才居住证》 exchanges it directly: no other permit to check.
        Some(RecognitionType::ExistingPermit) if exchange => {}
        Some(RecognitionType::ExistingPermit) => check_existing_permit(record, today, &mut items),
        // 投资创业 and 引进人才 are exempt from the six months (「特别规定」).
        Some(RecognitionType::RegistrationTime) if special.is_some() => {}
        Some(RecognitionType::RegistrationTime) => registration::check(
            &record.registration_history,
            &profile.registration_time,
            record.current_address.county_code.trim(),
            today,
            &mut items,
        ),
    }
    let minor_age =
        decoded.as_ref().map(|decoded| decoded.age_on(today)).filter(|age| *age < profile.minors.age_below);
    if !exchange {
        check_evidence(record, profile, minor_age.is_some(), &mut items);
    }
    check_guardian(record, profile, minor_age, today, &mut items);
    check_declaration(record, today, &mut items);
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert((item.code.clone(), item.field.clone())));
    for item in &mut items {
        if let Some(rule) = profile.eligibility_rule(&item.code) {
            item.kind = ItemKind::Eligibility;
            item.basis = rule.basis.clone();
        }
    }
    Assessment::from_items(items)
}

/// The ticked evidence boxes that no scanned page proves, as notice items
/// ([`code::EVIDENCE_PAGE_MISSING`], field `evidence.…`), in the form's order.
///
/// `scanned` is the set of evidence items that have at least one page attached (the
/// caller knows the pages; this module never reads them). These items are kept apart
/// from [`assess`]: a page the clerk has not scanned yet is the counter's work, not a
/// reason to refuse the application, so they do not change the [`Decision`]. They are
/// shown beside the live assessment and printed on a one-time notice, where they tell
/// the applicant which of the proofs they ticked were not handed in.
pub fn unscanned_evidence(record: &ApplicationRecord, scanned: &[EvidenceItem]) -> Vec<NoticeItem> {
    EvidenceItem::ALL
        .into_iter()
        .filter(|item| item.is_ticked(&record.evidence) && !scanned.contains(item))
        .map(|item| {
            NoticeItem::new(
                item.field(),
                code::EVIDENCE_PAGE_MISSING,
                format!("“{}”已勾选但未附扫描件，请提交该证明材料原件，扫描或拍照后附入本案。", item.label()),
            )
        })
        .collect()
}

/// A date as written in a Chinese sentence: `2024年6月17日`.
pub(crate) fn cn_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn required(items: &mut Vec<NoticeItem>, value: &str, field: &str, message: &str) -> bool {
    let present = !value.trim().is_empty();
    if !present {
        items.push(NoticeItem::new(field, code::REQUIRED_FIELD_MISSING, message));
    }
    present
}

fn check_profile(profile: &PolicyProfile, today: NaiveDate, items: &mut Vec<NoticeItem>) {
    if !profile.recognition.implemented {
        items.push(NoticeItem::new(
            "",
            code::RECOGNITION_NOT_IMPLEMENTED,
            format!(
                "现居住地所在县（市、区）尚未出台《浙江省居住证》互认转换的实施文件（{}只是鼓励“有条件的地方探索推行居住证互认、转换办理集成应用”），本窗口不能按互认转换办理；申请人可按《浙江省流动人口居住登记条例》申领居住证。",
                profile.document.number
            ),
        ));
    }
    match profile.document.effective {
        Some(effective) if effective > today => items.push(NoticeItem::new(
            "",
            code::PROFILE_NOT_IN_FORCE,
            format!(
                "{}的居住证互认政策（{}）自{}起施行，目前尚未施行，暂不能受理。",
                profile.county.name,
                profile.document.number,
                cn_date(effective)
            ),
        )),
        Some(_) => {}
        None => items.push(NoticeItem::new(
            "",
            code::PROFILE_NOT_IN_FORCE,
            format!(
                "{}的居住证政策文件（{}）是征求意见稿，施行日期尚未确定，暂不能按此受理；正式文件施行后，由管理员登记施行日期。",
                profile.county.name, profile.document.number
            ),
        )),
    }
}

/// Checks the special case, if marked; returns the kind when it applies here.
fn check_special_case(
    record: &ApplicationRecord,
    profile: &PolicyProfile,
    items: &mut Vec<NoticeItem>,
) -> Option<SpecialCaseKind> {
    let special = record.special_case.as_ref()?;
    let Some(kind) = special.kind else {
        items.push(NoticeItem::new(
            "special_case.kind",
            code::REQUIRED_FIELD_MISSING,
            "已选择“特殊情形”，请选择具体情形（投资创业、引进人才等），或取消该选项。",
        ));
        return None;
    };
    if !profile.special_cases.allows(kind) {
        items.push(NoticeItem::new(
            "special_case.kind",
            code::SPECIAL_CASE_NOT_APPLICABLE,
            format!(
                "{}的居住证互认文件未规定“{}”这一特殊情形，请取消该选项，按一般条件办理。",
                profile.county.name,
                kind.label()
            ),
        ));
        return None;
    }
    if special.proof.trim().is_empty() {
        let what = match kind {
            SpecialCaseKind::TalentPermitExchange => {
                "请填写《浙江省引进人才居住证》的证件号码，并出示该证件。"
            }
            SpecialCaseKind::Investment | SpecialCaseKind::Talent => {
                "请填写县级以上人民政府或其有关部门出具的认定文件名称及文号，并提交该文件。"
            }
        };
        items.push(NoticeItem::new("special_case.proof", code::SPECIAL_CASE_PROOF_MISSING, what));
        return None;
    }
    Some(kind)
}

fn check_applicant(
    record: &ApplicationRecord,
    today: NaiveDate,
    items: &mut Vec<NoticeItem>,
) -> Option<DecodedId> {
    let applicant = &record.applicant;
    let decoded = match id_number::check(&applicant.id_number, today) {
        Ok(decoded) => Some(decoded),
        Err(issues) => {
            items.extend(issues.into_iter().map(|issue| NoticeItem::from(issue.under("applicant"))));
            None
        }
    };
    required(items, &applicant.name, "applicant.name", "请填写申请人姓名。");
    match (applicant.gender, &decoded) {
        (None, _) => {
            items.push(NoticeItem::new("applicant.gender", code::REQUIRED_FIELD_MISSING, "请选择性别。"))
        }
        (Some(gender), Some(decoded)) if gender != decoded.gender => items.push(NoticeItem::new(
            "applicant.gender",
            code::GENDER_MISMATCH,
            format!(
                "所填性别“{}”与公民身份号码显示的性别“{}”不一致，请核对。",
                gender.label(),
                decoded.gender.label()
            ),
        )),
        (Some(_), _) => {}
    }
    let ethnic = applicant.ethnic_group.trim();
    if required(items, ethnic, "applicant.ethnic_group", "请填写民族。") && !ethnic_code_is_valid(ethnic)
    {
        items.push(NoticeItem::new(
            "applicant.ethnic_group",
            code::ETHNIC_GROUP_INVALID,
            format!("民族代码“{ethnic}”无效，应为01至56，或97（其他）、98（外国血统中国籍人士）。"),
        ));
    }
    decoded
}

fn check_household(record: &ApplicationRecord, items: &mut Vec<NoticeItem>) {
    let household = &record.household_registration;
    let province = household.province_code.trim();
    let county = household.county_code.trim();
    let province_ok =
        required(items, province, "household_registration.province_code", "请填写常住户口所在省。")
            && division_code(items, province, "household_registration.province_code", "常住户口所在省", true);
    let county_ok =
        required(items, county, "household_registration.county_code", "请填写常住户口所在县（市、区）。")
            && division_code(
                items,
                county,
                "household_registration.county_code",
                "常住户口所在县（市、区）",
                false,
            );
    if province_ok && county_ok && province[..2] != county[..2] {
        items.push(NoticeItem::new(
            "household_registration.county_code",
            code::HOUSEHOLD_COUNTY_NOT_IN_PROVINCE,
            format!("常住户口所在县（{county}）不属于所填的省（{province}），请核对。"),
        ));
    }
    required(items, &household.address, "household_registration.address", "请填写常住户口详细地址。");
}

fn division_code(items: &mut Vec<NoticeItem>, value: &str, field: &str, what: &str, province: bool) -> bool {
    let valid = is_division_code(value) && (!province || value.ends_with("0000"));
    if !valid {
        let shape = if province {
            "6位省级行政区划代码（如340000）"
        } else {
            "6位县级行政区划代码"
        };
        items.push(NoticeItem::new(
            field,
            code::DIVISION_CODE_INVALID,
            format!("{what}代码“{value}”无效，应为{shape}。"),
        ));
    }
    valid
}

fn check_current_address(record: &ApplicationRecord, profile: &PolicyProfile, items: &mut Vec<NoticeItem>) {
    let current = &record.current_address;
    let county = current.county_code.trim();
    if required(items, county, "current_address.county_code", "请选择现居住地所在县（市、区）。")
        && division_code(items, county, "current_address.county_code", "现居住地所在县（市、区）", false)
        && !profile.covers(county)
    {
        items.push(NoticeItem::new(
            "current_address.county_code",
            code::CURRENT_ADDRESS_OUTSIDE_COUNTY,
            format!("现居住地不在{}，请到居住地所在县（市、区）的窗口申请互认转换。", profile.county.name),
        ));
    }
    required(items, &current.address, "current_address.address", "请填写现居住住址。");
}

/// The phone number is optional (it is not on Annex 1; without one the applicant gets the
/// paper 确认单); a number that is given must be one an SMS can reach.
fn check_phone(record: &ApplicationRecord, items: &mut Vec<NoticeItem>) {
    let phone = record.phone_number.trim();
    if !phone.is_empty() && !phone_number_is_valid(phone) {
        items.push(NoticeItem::new(
            "phone_number",
            code::PHONE_NUMBER_INVALID,
            format!("手机号码“{phone}”无效，应为11位大陆手机号码（1开头，第二位为3至9）。"),
        ));
    }
}

fn check_local_applicant(record: &ApplicationRecord, profile: &PolicyProfile, items: &mut Vec<NoticeItem>) {
    let household = record.household_registration.county_code.trim();
    let residence = record.current_address.county_code.trim();
    if !is_division_code(household) {
        return;
    }
    let local_area_name = match &profile.local_area {
        LocalArea::CountyOrUrbanArea => {
            if !is_division_code(residence) {
                None
            } else if household == residence {
                Some(if profile.county.code == residence {
                    profile.county.name.clone()
                } else {
                    "现居住地所在县（市、区）".to_owned()
                })
            } else {
                // Two 市辖区 of one 设区市: a move inside the city's urban area (市区) is not a
                // move between counties (「在其他县（市）、设区市市区居住的」).
                same_county_or_urban_area(household, residence)
                    .then(|| "现居住地所在设区市的市区（申请人在同一市区的各区之间迁居）".to_owned())
            }
        }
        LocalArea::Counties { name, counties } => {
            counties.iter().any(|c| c == household).then(|| name.clone())
        }
    };
    if let Some(area) = local_area_name {
        items.push(NoticeItem::new(
            "household_registration.county_code",
            code::LOCAL_APPLICANT,
            format!("申请人常住户口在{area}，属本地户籍人员，不是流动人口，不能申领《浙江省居住证》。"),
        ));
    }
}

fn check_existing_permit(record: &ApplicationRecord, today: NaiveDate, items: &mut Vec<NoticeItem>) {
    let Some(permit) = &record.existing_permit else {
        items.push(NoticeItem::new(
            "existing_permit",
            code::EXISTING_PERMIT_MISSING,
            "选择“现有证件互认”的，请提供现有《浙江省居住证》的证件号码、签发地、签发日期和签注状态。",
        ));
        return;
    };
    required(items, &permit.number, "existing_permit.number", "请填写现有《浙江省居住证》的证件号码。");
    let issuing = permit.issuing_county_code.trim();
    let field = "existing_permit.issuing_county_code";
    if required(items, issuing, field, "请填写现有《浙江省居住证》的签发地。")
        && division_code(items, issuing, field, "现有居住证签发地", false)
    {
        if !issuing.starts_with("33") {
            items.push(NoticeItem::new(
                field,
                code::EXISTING_PERMIT_NOT_ZHEJIANG,
                "现有居住证不是浙江省签发的，只有《浙江省居住证》可以在省内互认转换。",
            ));
        } else if issuing == record.current_address.county_code.trim() {
            items.push(NoticeItem::new(
                field,
                code::EXISTING_PERMIT_SAME_COUNTY,
                "现有《浙江省居住证》就是现居住地签发的，无需互认转换；如证件需要延续，请办理签注。",
            ));
        }
    }
    match permit.issue_date {
        None => items.push(NoticeItem::new(
            "existing_permit.issue_date",
            code::REQUIRED_FIELD_MISSING,
            "请填写现有《浙江省居住证》的签发日期。",
        )),
        Some(issued) if issued > today => items.push(NoticeItem::new(
            "existing_permit.issue_date",
            code::EXISTING_PERMIT_ISSUE_DATE_INVALID,
            format!("现有居住证的签发日期{}晚于今天，请核对。", cn_date(issued)),
        )),
        Some(_) => {}
    }
    match permit.endorsement {
        None => items.push(NoticeItem::new(
            "existing_permit.endorsement",
            code::REQUIRED_FIELD_MISSING,
            "请核实现有《浙江省居住证》的签注状态。",
        )),
        Some(EndorsementStatus::Current) => {}
        Some(EndorsementStatus::Overdue) => items.push(NoticeItem::new(
            "existing_permit.endorsement",
            code::EXISTING_PERMIT_ENDORSEMENT_OVERDUE,
            "现有《浙江省居住证》逾期未签注，使用功能已中止；请先补办签注，恢复使用后再申请互认转换。",
        )),
        Some(EndorsementStatus::Terminated) => items.push(NoticeItem::new(
            "existing_permit.endorsement",
            code::EXISTING_PERMIT_TERMINATED,
            "现有《浙江省居住证》已终止使用，不能互认转换；可改按居住登记时间互认申请。",
        )),
    }
}

fn check_evidence(
    record: &ApplicationRecord,
    profile: &PolicyProfile,
    minor: bool,
    items: &mut Vec<NoticeItem>,
) {
    let evidence = &record.evidence;
    if !evidence.any_ticked() {
        items.push(NoticeItem::new(
            "evidence",
            code::EVIDENCE_NONE,
            "请至少提供合法稳定就业、合法稳定住所、连续就读三项条件之一的证明材料，并在申请表上勾选。",
        ));
        return;
    }
    for (field, other) in evidence.others() {
        if other.ticked && other.description.trim().is_empty() {
            items.push(NoticeItem::new(
                format!("{field}.description"),
                code::OTHER_DESCRIPTION_MISSING,
                "勾选了“其他”证明材料，请写明具体是什么材料。",
            ));
        }
    }
    let context = ProofContext { record, minor_age_below: profile.minors.age_below };
    let mut failures = Vec::new();
    for condition in Condition::ALL {
        let attempted =
            EvidenceItem::ALL.iter().any(|item| item.condition() == condition && item.is_ticked(evidence));
        if !attempted {
            continue;
        }
        let rule = profile.conditions.get(condition);
        let mut started_ways = Vec::new();
        let mut met = false;
        for way in &rule.ways {
            let way_items = missing_for_way(way, condition, &context);
            if way_items.is_empty() {
                met = true;
                break;
            }
            if way.evidence.iter().any(|item| item.is_ticked(evidence)) {
                started_ways.extend(way_items);
            }
        }
        if met {
            let minor_items: Vec<NoticeItem> = if minor {
                profile
                    .minors
                    .extra_proofs
                    .get(condition)
                    .iter()
                    .flat_map(|proof| proof_items(proof, &context))
                    .collect()
            } else {
                Vec::new()
            };
            if minor_items.is_empty() {
                return;
            }
            failures.extend(minor_items);
        } else if started_ways.is_empty() {
            let ways: Vec<String> = rule.ways.iter().map(way_description).collect();
            failures.push(NoticeItem::new(
                condition.field(),
                code::CONDITION_NOT_MET,
                format!("按{}申请的，须提供以下材料之一：{}。", condition.label(), ways.join("；")),
            ));
        } else {
            failures.extend(started_ways);
        }
    }
    items.extend(failures);
}

fn way_description(way: &EvidenceWay) -> String {
    let labels: Vec<&str> = way.evidence.iter().map(|item| item.label()).collect();
    if way.evidence.len() == 1 && way.label == labels.join("") && way.proofs.is_empty() {
        way.label.clone()
    } else {
        format!("{}（{}）", way.label, labels.join("、"))
    }
}

fn missing_for_way(way: &EvidenceWay, condition: Condition, context: &ProofContext<'_>) -> Vec<NoticeItem> {
    let evidence = &context.record.evidence;
    let mut items: Vec<NoticeItem> = way
        .evidence
        .iter()
        .filter(|item| !item.is_ticked(evidence))
        .map(|item| {
            NoticeItem::new(
                item.field(),
                code::EVIDENCE_ITEM_MISSING,
                format!("以“{}”作为{}证明的，还须提供“{}”。", way.label, condition.label(), item.label()),
            )
        })
        .collect();
    items.extend(way.proofs.iter().flat_map(|proof| proof_items(proof, context)));
    items
}

/// What proofs are checked against.
struct ProofContext<'a> {
    record: &'a ApplicationRecord,
    minor_age_below: u32,
}

fn in_area(area: &str) -> String {
    if area.trim().is_empty() { String::new() } else { format!("在{area}") }
}

fn proof_items(proof: &Proof, context: &ProofContext<'_>) -> Vec<NoticeItem> {
    let facts = &context.record.evidence_facts;
    let mut items = Vec::new();
    match proof {
        Proof::RentalContractMonths { min_months } => {
            let field = "evidence_facts.rental.contract_months";
            match facts.rental.contract_months {
                None => items.push(NoticeItem::new(
                    field,
                    code::RENTAL_CONTRACT_TERM_MISSING,
                    format!("请提供房屋租赁合同并注明租期（须满{min_months}个月以上）。"),
                )),
                Some(months) if months < *min_months => items.push(NoticeItem::new(
                    field,
                    code::RENTAL_CONTRACT_TOO_SHORT,
                    format!("房屋租赁合同期限须满{min_months}个月以上，所提供合同为{months}个月。"),
                )),
                Some(_) => {}
            }
        }
        Proof::LandlordTitleProof => {
            if facts.rental.landlord_title_proof != Some(true) {
                items.push(NoticeItem::new(
                    "evidence_facts.rental.landlord_title_proof",
                    code::LANDLORD_TITLE_PROOF_MISSING,
                    "请出租人协助提供出租房屋的房屋所有权证明或宅基地使用权证明。",
                ));
            }
        }
        Proof::LeaseFilingIfCommercial => match facts.rental.commercial_housing {
            None => items.push(NoticeItem::new(
                "evidence_facts.rental.commercial_housing",
                code::HOUSING_TYPE_MISSING,
                "请说明出租房屋是否为商品房（商品房还须提供房屋租赁登记备案证明）。",
            )),
            Some(true) if !context.record.evidence.residence.rental.lease_filing => {
                items.push(NoticeItem::new(
                    EvidenceItem::LeaseFiling.field(),
                    code::LEASE_FILING_MISSING,
                    "出租房屋为商品房的，还须提供房管部门出具的房屋租赁登记备案证明。",
                ))
            }
            Some(_) => {}
        },
        Proof::SocialInsurance { min_months, max_gap_days, back_payment_allowed, area } => {
            let facts = &facts.social_insurance;
            let area = in_area(area);
            let missing = |field: &str, what: &str| {
                NoticeItem::new(
                    format!("evidence_facts.social_insurance.{field}"),
                    code::SOCIAL_INSURANCE_FACTS_MISSING,
                    format!("请提供{area}缴纳社会保险的参保证明，并注明{what}。"),
                )
            };
            match facts.months {
                None => items.push(missing("months", "连续缴纳月数")),
                Some(months) if months < *min_months => items.push(NoticeItem::new(
                    "evidence_facts.social_insurance.months",
                    code::SOCIAL_INSURANCE_TOO_SHORT,
                    format!("须{area}连续缴纳社会保险满{min_months}个月以上，目前为{months}个月。"),
                )),
                Some(_) => {}
            }
            match facts.longest_gap_days {
                None => items.push(missing("longest_gap_days", "有无中断")),
                Some(gap) if gap > *max_gap_days => items.push(NoticeItem::new(
                    "evidence_facts.social_insurance.longest_gap_days",
                    code::SOCIAL_INSURANCE_GAP_TOO_LONG,
                    format!("社会保险须连续缴纳，中断不得超过{max_gap_days}日，您的参保记录中断了{gap}日。"),
                )),
                Some(_) => {}
            }
            if !back_payment_allowed {
                match facts.back_paid {
                    None => items.push(missing("back_paid", "有无补缴")),
                    Some(true) => items.push(NoticeItem::new(
                        "evidence_facts.social_insurance.back_paid",
                        code::SOCIAL_INSURANCE_BACK_PAID,
                        "补缴的社会保险不计入连续缴纳时间，请按实际连续缴纳的月数重新核对。",
                    )),
                    Some(false) => {}
                }
            }
        }
        Proof::EnrolmentMonths { min_months, area } => {
            let field = "evidence_facts.study.enrolment_months";
            let area = in_area(area);
            match facts.study.enrolment_months {
                None => items.push(NoticeItem::new(
                    field,
                    code::ENROLMENT_MONTHS_MISSING,
                    format!("请提供教育主管部门出具的学籍证明和连续就读证明，注明{area}连续就读的月数。"),
                )),
                Some(months) if months < *min_months => items.push(NoticeItem::new(
                    field,
                    code::ENROLMENT_TOO_SHORT,
                    format!("须{area}全日制连续就读满{min_months}个月以上，目前为{months}个月。"),
                )),
                Some(_) => {}
            }
        }
        Proof::GuardiansHoldPermits => {
            if facts.minor.guardians_hold_permits != Some(true) {
                items.push(NoticeItem::new(
                    "evidence_facts.minor.guardians_hold_permits",
                    code::GUARDIAN_PERMITS_MISSING,
                    format!(
                        "未满{}周岁的申请人以合法稳定住所申请的，还须提供父母双方等法定监护人有效的《浙江省居住证》。",
                        context.minor_age_below
                    ),
                ));
            }
        }
        Proof::GuardianSocialInsurance { min_months, max_gap_days, back_payment_allowed, area } => {
            // 「不含一个月以上中断或补缴，下同」: the guardian's year is measured like the
            // applicant's own.
            let minor = &facts.minor;
            let area = in_area(area);
            let missing = |field: &str, what: &str| {
                NoticeItem::new(
                    format!("evidence_facts.minor.{field}"),
                    code::GUARDIAN_SOCIAL_INSURANCE_MISSING,
                    format!(
                        "未满{}周岁的申请人，还须提供父母或其他法定监护人一方{area}连续缴纳社会保险满{min_months}个月以上的凭证，并注明{what}。",
                        context.minor_age_below
                    ),
                )
            };
            match minor.guardian_social_insurance_months {
                None => items.push(missing("guardian_social_insurance_months", "连续缴纳月数")),
                Some(months) if months < *min_months => items.push(NoticeItem::new(
                    "evidence_facts.minor.guardian_social_insurance_months",
                    code::GUARDIAN_SOCIAL_INSURANCE_TOO_SHORT,
                    format!("监护人须{area}连续缴纳社会保险满{min_months}个月以上，目前为{months}个月。"),
                )),
                Some(_) => {}
            }
            match minor.guardian_social_insurance_longest_gap_days {
                None => items.push(missing("guardian_social_insurance_longest_gap_days", "有无中断")),
                Some(gap) if gap > *max_gap_days => items.push(NoticeItem::new(
                    "evidence_facts.minor.guardian_social_insurance_longest_gap_days",
                    code::GUARDIAN_SOCIAL_INSURANCE_GAP_TOO_LONG,
                    format!(
                        "监护人的社会保险须连续缴纳，中断不得超过{max_gap_days}日，其参保记录中断了{gap}日。"
                    ),
                )),
                Some(_) => {}
            }
            if !back_payment_allowed {
                match minor.guardian_social_insurance_back_paid {
                    None => items.push(missing("guardian_social_insurance_back_paid", "有无补缴")),
                    Some(true) => items.push(NoticeItem::new(
                        "evidence_facts.minor.guardian_social_insurance_back_paid",
                        code::GUARDIAN_SOCIAL_INSURANCE_BACK_PAID,
                        "监护人补缴的社会保险不计入连续缴纳时间，请按实际连续缴纳的月数重新核对。",
                    )),
                    Some(false) => {}
                }
            }
        }
    }
    items
}

fn check_guardian(
    record: &ApplicationRecord,
    profile: &PolicyProfile,
    minor_age: Option<u32>,
    today: NaiveDate,
    items: &mut Vec<NoticeItem>,
) {
    let Some(guardian) = &record.guardian else {
        if let Some(age) = minor_age
            && profile.minors.guardian_required
        {
            items.push(NoticeItem::new(
                "guardian",
                code::GUARDIAN_MISSING,
                format!(
                    "申请人未满{}周岁（{age}周岁），须由监护人代为申请，请填写监护人姓名、公民身份号码和与申请人的关系，并出示监护人身份证件。",
                    profile.minors.age_below
                ),
            ));
        }
        return;
    };
    // A guardian given for an adult (e.g. an agent for an elderly applicant) is still checked.
    // Who may act: a person of full civil capacity (《民法典》第十八条: 18 or more, or 16–17
    // living mainly on their own labour income). A parent of 16 or 17 is still the minor's
    // guardian (第二十七条), so 16–17 is not refused outright; the clerk confirms the income.
    required(items, &guardian.name, "guardian.name", "请填写监护人姓名。");
    match id_number::check(&guardian.id_number, today) {
        Ok(decoded) if decoded.age_on(today) < 16 => items.push(NoticeItem::new(
            "guardian.id_number",
            code::GUARDIAN_NO_CAPACITY,
            "监护人未满16周岁，不具有完全民事行为能力，不能代为申请；请由其他监护人代为申请。",
        )),
        Ok(decoded) if decoded.age_on(today) < 18 && !guardian.own_income => items.push(NoticeItem::new(
            "guardian.own_income",
            code::GUARDIAN_CAPACITY_UNCONFIRMED,
            "监护人未满18周岁：以自己的劳动收入为主要生活来源的，视为完全民事行为能力人（《民法典》第十八条第二款），可以代为申请；请核实后勾选，否则请由其他监护人代为申请。",
        )),
        Ok(_) => {}
        Err(issues) => items.extend(issues.into_iter().map(|issue| {
            // The ID-number sentences speak of "公民身份号码"; say whose, so the applicant
            // does not read it as their own.
            let mut item = NoticeItem::from(issue.under("guardian"));
            item.message = format!("监护人：{}", item.message);
            item
        })),
    }
    required(items, &guardian.relationship, "guardian.relationship", "请填写监护人与申请人的关系。");
}

fn check_declaration(record: &ApplicationRecord, today: NaiveDate, items: &mut Vec<NoticeItem>) {
    let declaration = &record.declaration;
    if !declaration.signed {
        items.push(NoticeItem::new(
            "declaration.signed",
            code::DECLARATION_NOT_SIGNED,
            "请申请人（未成年人由监护人）阅读申请人声明后签名。",
        ));
        return;
    }
    match declaration.date {
        None => items.push(NoticeItem::new(
            "declaration.date",
            code::REQUIRED_FIELD_MISSING,
            "请在签名处填写日期。",
        )),
        Some(date) if date > today => items.push(NoticeItem::new(
            "declaration.date",
            code::DECLARATION_DATE_INVALID,
            format!("签名日期{}晚于今天，请核对。", cn_date(date)),
        )),
        Some(_) => {}
    }
}
