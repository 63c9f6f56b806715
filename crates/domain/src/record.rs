//! The application record: every field and checkbox of Annex 1, 《浙江省居住证》互认转换申请表,
//! plus the facts the rules need that the paper form lacks.
//!
//! The JSON form of [`ApplicationRecord`] is a wire format: the store keeps it, the UI sends
//! it, `permitctl assess` reads it. It is documented in `docs/application-record.md` and
//! frozen by `tests/intake/record.rs` against `tests/golden/application-record-v2.json`.
//! **Do not change a shipped version**: add a field only as a new `schema_version`, and keep
//! reading the old one ([`ApplicationRecord::from_json`] reads versions 1 and 2).
//!
//! Version 2 (this build writes it) differs from version 1 in four places:
//! - the standalone 「其他」 box of 证明材料 is `evidence.study.other`: in the Haiyan Annex 1
//!   table grid it sits in the column span headed 连续就读 (columns 11–20; 合法稳定住所 spans
//!   5–10), right before 小学学籍证明. Version 1 called the same paper box
//!   `evidence.residence.other`; reading a version 1 record moves it (the box is the box);
//! - `special_case`: the cases 《浙江省流动人口居住登记条例》 treats specially (投资创业,
//!   引进人才, and Gongshu's direct exchange of 《浙江省引进人才居住证》);
//! - `evidence_facts.minor` records a break and a back-payment in the guardian's social
//!   insurance (Gongshu's 「不含一个月以上中断或补缴，下同」 applies to the guardian too);
//! - `guardian.own_income`: a guardian of 16 or 17 who lives on their own labour income has
//!   full civil capacity (《民法典》第十八条第二款).
//!
//! Contract:
//! - The record holds what the clerk typed; it is not validated on the way in. A half-filled
//!   draft parses, and [`crate::assessment::assess`] lists everything missing or wrong.
//! - Every object rejects unknown keys, so a typo in a hand-written file is an error rather
//!   than a silently ignored field. Missing keys take their empty value (blank text, an
//!   unticked box, `null`), except `schema_version`, which must be present.
//! - Field names follow the English identifiers of DOMAIN.md ("Words to use").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id_number::Gender;

/// The schema version this build writes (it reads this one and version 1).
pub const SCHEMA_VERSION: u32 = 2;

/// One application for mutual recognition (互认转换), one file per person (一人一档).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApplicationRecord {
    /// Version of this JSON form; always [`SCHEMA_VERSION`] for records this build writes.
    pub schema_version: u32,
    /// 申请编号: assigned by the counter system when the case is accepted; blank before.
    pub application_number: String,
    /// 公民身份号码, 姓名, 性别, 民族.
    pub applicant: Applicant,
    /// 常住户口省县 + 详细地址.
    pub household_registration: HouseholdRegistration,
    /// 现居住住址, with the county it lies in (not on the paper form; the local-applicant
    /// rule and the county's jurisdiction need it).
    pub current_address: CurrentAddress,
    /// Mainland mobile number for the SMS that announces the result (not on the paper form,
    /// optional: without one the applicant gets the paper 确认单).
    pub phone_number: String,
    /// 互认类型; `None` while neither box is ticked.
    pub recognition_type: Option<RecognitionType>,
    /// 证明材料: the three evidence groups with every checkbox.
    pub evidence: Evidence,
    /// Facts about the evidence that some counties measure (contract term, months of
    /// social insurance, months of enrolment, minors' parents' proofs).
    pub evidence_facts: EvidenceFacts,
    /// The permit held today, for [`RecognitionType::ExistingPermit`].
    pub existing_permit: Option<ExistingPermit>,
    /// Residence-registration (居住登记) periods, for [`RecognitionType::RegistrationTime`].
    pub registration_history: Vec<RegistrationPeriod>,
    /// The guardian who applies for an applicant under 16 (居住证暂行条例 Art. 9).
    pub guardian: Option<Guardian>,
    /// A case the regulation treats specially (「除《浙江省流动人口居住登记条例》有特别规定外」);
    /// `None` for an ordinary application.
    pub special_case: Option<SpecialCase>,
    /// 申请人声明 and 申请人签名 with its date.
    pub declaration: Declaration,
    /// 审核部门意见: 受理人意见, 审核人意见, 审批人意见, each with a date.
    pub opinions: Opinions,
    /// 备注.
    pub remarks: String,
}

/// The applicant's identity as on the form's first line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Applicant {
    /// 公民身份号码, as typed (validated by [`crate::id_number::check`] during assessment).
    pub id_number: String,
    /// 姓名.
    pub name: String,
    /// 性别; must agree with digit 17 of the ID number.
    pub gender: Option<Gender>,
    /// 民族, the two-digit GB 3304 code (`01` 汉族 … `56` 基诺族, `97` 其他, `98` 外国血统中国籍人士).
    pub ethnic_group: String,
}

/// 常住户口: where the applicant's household is registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HouseholdRegistration {
    /// 省: GB/T 2260 province code, six digits ending in `0000` (e.g. `340000`).
    pub province_code: String,
    /// 县: GB/T 2260 county-level code (e.g. `341203`), inside the province.
    pub county_code: String,
    /// 详细地址.
    pub address: String,
}

/// 现居住住址.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CurrentAddress {
    /// GB/T 2260 county-level code of the place of residence (e.g. `330182` 建德市).
    pub county_code: String,
    /// The address as written on the form.
    pub address: String,
}

/// 互认类型: exactly the two boxes of Annex 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionType {
    /// 现有证件互认: the applicant holds a 《浙江省居住证》 from elsewhere in Zhejiang.
    ExistingPermit,
    /// 居住登记时间互认: residence registration in Zhejiang adds up to the required time.
    RegistrationTime,
}

impl RecognitionType {
    /// The label printed on the form.
    pub fn label(self) -> &'static str {
        match self {
            RecognitionType::ExistingPermit => "现有证件互认",
            RecognitionType::RegistrationTime => "居住登记时间互认",
        }
    }
}

/// 证明材料: the three groups of Annex 1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    /// 合法稳定就业.
    pub employment: EmploymentEvidence,
    /// 合法稳定住所.
    pub residence: ResidenceEvidence,
    /// 连续就读.
    pub study: StudyEvidence,
}

/// 合法稳定就业 checkboxes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmploymentEvidence {
    /// 签订劳动合同.
    pub labour_contract: bool,
    /// 签订农业承包合同.
    pub agricultural_contract: bool,
    /// 参加社会保险.
    pub social_insurance: bool,
    /// 持有工商执照.
    pub business_licence: bool,
    /// 其他, with what it is.
    pub other: OtherEvidence,
}

/// 合法稳定住所 checkboxes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResidenceEvidence {
    /// 自购房屋.
    pub own_home: bool,
    /// 单位内部宿舍.
    pub employer_dormitory: bool,
    /// 居住出租房屋 and its sub-items.
    pub rental: RentalEvidence,
}

/// 居住出租房屋 sub-items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RentalEvidence {
    /// 办理出租登记 (the landlord's registration of the rental).
    pub rental_registration: bool,
    /// 办理租赁登记备案 (the housing authority's lease filing).
    pub lease_filing: bool,
    /// 签订租赁合同.
    pub lease_contract: bool,
    /// 符合安全条件.
    pub safety_compliant: bool,
    /// 依法缴纳税费.
    pub taxes_paid: bool,
    /// The rental's 其他.
    pub other: OtherEvidence,
}

/// 连续就读 checkboxes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudyEvidence {
    /// The standalone 其他 that the form prints first under 连续就读 (version 1 called it
    /// `evidence.residence.other`).
    pub other: OtherEvidence,
    /// 小学学籍证明.
    pub primary_school: bool,
    /// 中学学籍证明.
    pub secondary_school: bool,
    /// 中高等职业学校学籍证明.
    pub vocational_school: bool,
    /// 普通高等学校学籍证明.
    pub higher_education: bool,
}

/// A 「其他」 box and the free text that says what the other proof is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtherEvidence {
    /// The box is ticked.
    pub ticked: bool,
    /// What the proof is; required when ticked.
    pub description: String,
}

/// Measured facts behind the ticks, for counties that set minimum terms (e.g. Gongshu).
/// `None` means "not recorded".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceFacts {
    /// The rented home.
    pub rental: RentalFacts,
    /// The applicant's own social insurance in the county's area.
    pub social_insurance: SocialInsuranceFacts,
    /// The applicant's full-time enrolment.
    pub study: StudyFacts,
    /// Proofs from the parents of an applicant under 16.
    pub minor: MinorFacts,
}

/// Facts about a rental.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RentalFacts {
    /// Term of the signed lease, in whole months.
    pub contract_months: Option<u32>,
    /// The home is commercial housing (商品房), which needs a lease filing in Gongshu.
    pub commercial_housing: Option<bool>,
    /// The landlord showed the ownership or homestead-use certificate (房屋所有权或宅基地使用权证明).
    pub landlord_title_proof: Option<bool>,
}

/// Facts from a social-insurance certificate (参保证明).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SocialInsuranceFacts {
    /// Months paid in the area, up to the application.
    pub months: Option<u32>,
    /// Longest interruption within those months, in days (0 when unbroken).
    pub longest_gap_days: Option<u32>,
    /// Some of the months were paid afterwards (补缴).
    pub back_paid: Option<bool>,
}

/// Facts from a certificate of enrolment (学籍证明).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudyFacts {
    /// Months of continuous full-time enrolment in the area.
    pub enrolment_months: Option<u32>,
}

/// Proofs from the parents or other legal guardians of an applicant under 16.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MinorFacts {
    /// Both parents (or the legal guardians) hold a valid 《浙江省居住证》.
    pub guardians_hold_permits: Option<bool>,
    /// Months of continuous social insurance paid in the area by one parent or guardian.
    pub guardian_social_insurance_months: Option<u32>,
    /// Longest interruption in that parent's or guardian's insurance, in days (0 when unbroken).
    pub guardian_social_insurance_longest_gap_days: Option<u32>,
    /// Some of that parent's or guardian's months were paid afterwards (补缴).
    pub guardian_social_insurance_back_paid: Option<bool>,
}

/// The 《浙江省居住证》 the applicant holds, for 现有证件互认.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExistingPermit {
    /// The permit's number.
    pub number: String,
    /// GB/T 2260 code of the county whose public-security bureau issued it.
    pub issuing_county_code: String,
    /// Date of issue.
    pub issue_date: Option<NaiveDate>,
    /// Where the annual endorsement (签注) stands.
    pub endorsement: Option<EndorsementStatus>,
}

/// Endorsement (签注) status of an existing permit, as the platform shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndorsementStatus {
    /// Endorsed on time; the permit is in use.
    Current,
    /// Endorsement overdue: the permit's use is suspended until it is endorsed.
    Overdue,
    /// The permit's function is terminated (no longer qualifies, moved, confiscated …).
    Terminated,
}

/// One period of residence registration (居住登记), both dates inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationPeriod {
    /// GB/T 2260 county-level code where the registration was made.
    pub county_code: String,
    /// First day registered.
    pub start: NaiveDate,
    /// Last day registered; `None` while the registration is still open.
    #[serde(default)]
    pub end: Option<NaiveDate>,
}

/// The guardian of an applicant under 16.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Guardian {
    /// 姓名.
    pub name: String,
    /// 公民身份号码, as typed.
    pub id_number: String,
    /// Relationship to the applicant, e.g. 父亲, 母亲, 其他法定监护人.
    pub relationship: String,
    /// A guardian aged 16 or 17 lives mainly on their own labour income, so has full civil
    /// capacity (《民法典》第十八条第二款); irrelevant for a guardian of 18 or more.
    pub own_income: bool,
}

/// A case the regulation treats specially: 《浙江省流动人口居住登记条例》 exempts investors and
/// entrepreneurs and introduced talent, as the county government defines them, from the
/// six months of residence, and Gongshu lets a holder of 《浙江省引进人才居住证》 exchange it
/// directly. Which kinds a county recognises is in its policy profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpecialCase {
    /// Which special case; `None` while the clerk has not chosen.
    pub kind: Option<SpecialCaseKind>,
    /// The proof: the county's recognition document (认定文件名称及文号) or, for the talent
    /// permit, its number. Required.
    pub proof: String,
}

/// The kinds of [`SpecialCase`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialCaseKind {
    /// 投资创业, as recognised by the county government.
    Investment,
    /// 引进人才, as recognised by the county government.
    Talent,
    /// Holds a valid 《浙江省引进人才居住证》, exchanged directly (Gongshu: 「可直接换领」).
    TalentPermitExchange,
}

impl SpecialCaseKind {
    /// Every kind, in the order the form lists them.
    pub const ALL: [SpecialCaseKind; 3] =
        [SpecialCaseKind::Investment, SpecialCaseKind::Talent, SpecialCaseKind::TalentPermitExchange];

    /// The label on the form.
    pub fn label(self) -> &'static str {
        match self {
            SpecialCaseKind::Investment => "投资创业",
            SpecialCaseKind::Talent => "引进人才",
            SpecialCaseKind::TalentPermitExchange => "持《浙江省引进人才居住证》换领",
        }
    }
}

/// 申请人声明: "本申请表所填内容正确无误……如有虚假愿承担法律责任。" and the signature.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Declaration {
    /// The applicant (or guardian) signed the declaration.
    pub signed: bool,
    /// Date written next to the signature.
    pub date: Option<NaiveDate>,
}

/// 审核部门意见: the three opinions, filled in as the case moves on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Opinions {
    /// 受理人意见 (the accepting clerk).
    pub acceptance: Opinion,
    /// 审核人意见 (the reviewer).
    pub review: Opinion,
    /// 审批人意见 (the approver).
    pub approval: Opinion,
}

/// One opinion line of the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Opinion {
    /// The opinion's text.
    pub text: String,
    /// Who gave it.
    pub person: String,
    /// 年 月 日.
    pub date: Option<NaiveDate>,
}

/// The conditions of which the applicant must meet one (合法稳定就业 / 住所 / 连续就读).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// 合法稳定就业.
    Employment,
    /// 合法稳定住所 (合法稳定居住).
    Residence,
    /// 连续就读.
    Study,
}

impl Condition {
    /// All three, in the form's order.
    pub const ALL: [Condition; 3] = [Condition::Employment, Condition::Residence, Condition::Study];

    /// The group's heading on the form.
    pub fn label(self) -> &'static str {
        match self {
            Condition::Employment => "合法稳定就业",
            Condition::Residence => "合法稳定住所",
            Condition::Study => "连续就读",
        }
    }

    /// The group's key under `evidence`, e.g. `employment`.
    pub fn key(self) -> &'static str {
        match self {
            Condition::Employment => "employment",
            Condition::Residence => "residence",
            Condition::Study => "study",
        }
    }

    /// The checkboxes of the group, in the form's order.
    pub fn items(self) -> impl Iterator<Item = EvidenceItem> {
        EvidenceItem::ALL.into_iter().filter(move |item| item.condition() == self)
    }

    /// The field path of the group, e.g. `evidence.employment`.
    pub fn field(self) -> &'static str {
        match self {
            Condition::Employment => "evidence.employment",
            Condition::Residence => "evidence.residence",
            Condition::Study => "evidence.study",
        }
    }
}

/// The sub-heading of 合法稳定住所 under which the rental boxes sit on the form.
pub const RENTAL_HEADING: &str = "居住出租房屋";

/// One checkbox of 证明材料, named by its field path (policy profiles refer to these keys).
///
/// This is the one evidence catalogue: its key, its group, the text beside its box on the
/// form, its name on its own (in notices and page lists), whether it carries a description
/// (「其他」) and whether it sits under [`RENTAL_HEADING`]. The printed form, the window's
/// checkboxes (generated into `ui/src/bindings.ts`) and the policy profiles all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EvidenceItem {
    /// 签订劳动合同.
    #[serde(rename = "employment.labour_contract")]
    LabourContract,
    /// 签订农业承包合同.
    #[serde(rename = "employment.agricultural_contract")]
    AgriculturalContract,
    /// 参加社会保险.
    #[serde(rename = "employment.social_insurance")]
    SocialInsurance,
    /// 持有工商执照.
    #[serde(rename = "employment.business_licence")]
    BusinessLicence,
    /// 就业 其他.
    #[serde(rename = "employment.other")]
    EmploymentOther,
    /// 自购房屋.
    #[serde(rename = "residence.own_home")]
    OwnHome,
    /// 单位内部宿舍.
    #[serde(rename = "residence.employer_dormitory")]
    EmployerDormitory,
    /// 办理出租登记.
    #[serde(rename = "residence.rental.rental_registration")]
    RentalRegistration,
    /// 办理租赁登记备案.
    #[serde(rename = "residence.rental.lease_filing")]
    LeaseFiling,
    /// 签订租赁合同.
    #[serde(rename = "residence.rental.lease_contract")]
    LeaseContract,
    /// 符合安全条件.
    #[serde(rename = "residence.rental.safety_compliant")]
    SafetyCompliant,
    /// 依法缴纳税费.
    #[serde(rename = "residence.rental.taxes_paid")]
    TaxesPaid,
    /// 居住出租房屋 其他.
    #[serde(rename = "residence.rental.other")]
    RentalOther,
    /// The standalone 其他 under 连续就读.
    #[serde(rename = "study.other")]
    StudyOther,
    /// 小学学籍证明.
    #[serde(rename = "study.primary_school")]
    PrimarySchool,
    /// 中学学籍证明.
    #[serde(rename = "study.secondary_school")]
    SecondarySchool,
    /// 中高等职业学校学籍证明.
    #[serde(rename = "study.vocational_school")]
    VocationalSchool,
    /// 普通高等学校学籍证明.
    #[serde(rename = "study.higher_education")]
    HigherEducation,
}

impl EvidenceItem {
    /// Every checkbox, in the form's order.
    pub const ALL: [EvidenceItem; 18] = [
        EvidenceItem::LabourContract,
        EvidenceItem::AgriculturalContract,
        EvidenceItem::SocialInsurance,
        EvidenceItem::BusinessLicence,
        EvidenceItem::EmploymentOther,
        EvidenceItem::OwnHome,
        EvidenceItem::EmployerDormitory,
        EvidenceItem::RentalRegistration,
        EvidenceItem::LeaseFiling,
        EvidenceItem::LeaseContract,
        EvidenceItem::SafetyCompliant,
        EvidenceItem::TaxesPaid,
        EvidenceItem::RentalOther,
        EvidenceItem::StudyOther,
        EvidenceItem::PrimarySchool,
        EvidenceItem::SecondarySchool,
        EvidenceItem::VocationalSchool,
        EvidenceItem::HigherEducation,
    ];

    /// The field path under `evidence`, e.g. `residence.rental.lease_contract`.
    pub fn key(self) -> &'static str {
        match self {
            EvidenceItem::LabourContract => "employment.labour_contract",
            EvidenceItem::AgriculturalContract => "employment.agricultural_contract",
            EvidenceItem::SocialInsurance => "employment.social_insurance",
            EvidenceItem::BusinessLicence => "employment.business_licence",
            EvidenceItem::EmploymentOther => "employment.other",
            EvidenceItem::OwnHome => "residence.own_home",
            EvidenceItem::EmployerDormitory => "residence.employer_dormitory",
            EvidenceItem::RentalRegistration => "residence.rental.rental_registration",
            EvidenceItem::LeaseFiling => "residence.rental.lease_filing",
            EvidenceItem::LeaseContract => "residence.rental.lease_contract",
            EvidenceItem::SafetyCompliant => "residence.rental.safety_compliant",
            EvidenceItem::TaxesPaid => "residence.rental.taxes_paid",
            EvidenceItem::RentalOther => "residence.rental.other",
            EvidenceItem::StudyOther => "study.other",
            EvidenceItem::PrimarySchool => "study.primary_school",
            EvidenceItem::SecondarySchool => "study.secondary_school",
            EvidenceItem::VocationalSchool => "study.vocational_school",
            EvidenceItem::HigherEducation => "study.higher_education",
        }
    }

    /// The checkbox whose [`key`](Self::key) is `key`, if any.
    pub fn from_key(key: &str) -> Option<EvidenceItem> {
        EvidenceItem::ALL.into_iter().find(|item| item.key() == key)
    }

    /// The full field path in the record, e.g. `evidence.residence.rental.lease_contract`.
    pub fn field(self) -> String {
        format!("evidence.{}", self.key())
    }

    /// The text beside the box on the form: the same as [`label`](Self::label) except the
    /// three 「其他」 boxes, which the form calls just 其他 within their group.
    pub fn box_label(self) -> &'static str {
        if self.is_other() { "其他" } else { self.label() }
    }

    /// Whether the box is a 「其他」 that carries the applicant's description.
    pub fn is_other(self) -> bool {
        matches!(self, EvidenceItem::EmploymentOther | EvidenceItem::RentalOther | EvidenceItem::StudyOther)
    }

    /// Whether the box sits under [`RENTAL_HEADING`] (居住出租房屋).
    pub fn is_rental(self) -> bool {
        self.key().starts_with("residence.rental.")
    }

    /// The checkbox's name on its own (in notices and page lists).
    pub fn label(self) -> &'static str {
        match self {
            EvidenceItem::LabourContract => "签订劳动合同",
            EvidenceItem::AgriculturalContract => "签订农业承包合同",
            EvidenceItem::SocialInsurance => "参加社会保险",
            EvidenceItem::BusinessLicence => "持有工商执照",
            EvidenceItem::EmploymentOther => "其他就业证明",
            EvidenceItem::OwnHome => "自购房屋",
            EvidenceItem::EmployerDormitory => "单位内部宿舍",
            EvidenceItem::RentalRegistration => "办理出租登记",
            EvidenceItem::LeaseFiling => "办理租赁登记备案",
            EvidenceItem::LeaseContract => "签订租赁合同",
            EvidenceItem::SafetyCompliant => "符合安全条件",
            EvidenceItem::TaxesPaid => "依法缴纳税费",
            EvidenceItem::RentalOther => "其他租房证明",
            EvidenceItem::StudyOther => "其他就读证明",
            EvidenceItem::PrimarySchool => "小学学籍证明",
            EvidenceItem::SecondarySchool => "中学学籍证明",
            EvidenceItem::VocationalSchool => "中高等职业学校学籍证明",
            EvidenceItem::HigherEducation => "普通高等学校学籍证明",
        }
    }

    /// The condition whose group holds this checkbox.
    pub fn condition(self) -> Condition {
        match self {
            EvidenceItem::LabourContract
            | EvidenceItem::AgriculturalContract
            | EvidenceItem::SocialInsurance
            | EvidenceItem::BusinessLicence
            | EvidenceItem::EmploymentOther => Condition::Employment,
            EvidenceItem::OwnHome
            | EvidenceItem::EmployerDormitory
            | EvidenceItem::RentalRegistration
            | EvidenceItem::LeaseFiling
            | EvidenceItem::LeaseContract
            | EvidenceItem::SafetyCompliant
            | EvidenceItem::TaxesPaid
            | EvidenceItem::RentalOther => Condition::Residence,
            EvidenceItem::StudyOther
            | EvidenceItem::PrimarySchool
            | EvidenceItem::SecondarySchool
            | EvidenceItem::VocationalSchool
            | EvidenceItem::HigherEducation => Condition::Study,
        }
    }

    /// Whether the box is ticked in `evidence` (a 「其他」 counts when ticked, text or not;
    /// a missing text is reported on its own).
    pub fn is_ticked(self, evidence: &Evidence) -> bool {
        let employment = &evidence.employment;
        let residence = &evidence.residence;
        let rental = &residence.rental;
        let study = &evidence.study;
        match self {
            EvidenceItem::LabourContract => employment.labour_contract,
            EvidenceItem::AgriculturalContract => employment.agricultural_contract,
            EvidenceItem::SocialInsurance => employment.social_insurance,
            EvidenceItem::BusinessLicence => employment.business_licence,
            EvidenceItem::EmploymentOther => employment.other.ticked,
            EvidenceItem::OwnHome => residence.own_home,
            EvidenceItem::EmployerDormitory => residence.employer_dormitory,
            EvidenceItem::RentalRegistration => rental.rental_registration,
            EvidenceItem::LeaseFiling => rental.lease_filing,
            EvidenceItem::LeaseContract => rental.lease_contract,
            EvidenceItem::SafetyCompliant => rental.safety_compliant,
            EvidenceItem::TaxesPaid => rental.taxes_paid,
            EvidenceItem::RentalOther => rental.other.ticked,
            EvidenceItem::StudyOther => study.other.ticked,
            EvidenceItem::PrimarySchool => study.primary_school,
            EvidenceItem::SecondarySchool => study.secondary_school,
            EvidenceItem::VocationalSchool => study.vocational_school,
            EvidenceItem::HigherEducation => study.higher_education,
        }
    }
}

impl Evidence {
    /// The three 「其他」 boxes with their field paths, in the form's order.
    pub fn others(&self) -> [(&'static str, &OtherEvidence); 3] {
        [
            ("evidence.employment.other", &self.employment.other),
            ("evidence.residence.rental.other", &self.residence.rental.other),
            ("evidence.study.other", &self.study.other),
        ]
    }

    /// Whether any box at all is ticked.
    pub fn any_ticked(&self) -> bool {
        EvidenceItem::ALL.iter().any(|item| item.is_ticked(self))
    }
}

/// Why a JSON text is not an application record this build can read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The text is not JSON, or its shape is not that of its schema version (unknown key,
    /// wrong type, bad date). The message names the line and column.
    #[error("application record is not valid (schema version {SCHEMA_VERSION}): {0}")]
    Json(#[from] serde_json::Error),
    /// The top-level object has no numeric `schema_version`.
    #[error(
        "application record has no schema_version; version {SCHEMA_VERSION} records start with \"schema_version\": {SCHEMA_VERSION}"
    )]
    MissingSchemaVersion,
    /// The record was written by another version of the format.
    #[error(
        "application record has schema_version {found}, but this build reads only versions 1 and {SCHEMA_VERSION}"
    )]
    UnsupportedSchemaVersion {
        /// The version found in the text.
        found: u64,
    },
}

impl ApplicationRecord {
    /// An empty record of the current schema version (a new draft).
    pub fn new() -> Self {
        Self { schema_version: SCHEMA_VERSION, ..Self::default() }
    }

    /// Parses the documented JSON form, checking the schema version first so that a
    /// record of another version gets a clear error rather than an "unknown field". A
    /// version 1 record is read as version 2 (see the module documentation).
    pub fn from_json(text: &str) -> Result<Self, RecordError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        Self::from_value(value)
    }

    /// [`ApplicationRecord::from_json`] for a record already parsed as JSON.
    pub fn from_value(mut value: serde_json::Value) -> Result<Self, RecordError> {
        match value.get("schema_version").and_then(serde_json::Value::as_u64) {
            None => Err(RecordError::MissingSchemaVersion),
            Some(1) => {
                upgrade_v1(&mut value);
                Ok(serde_json::from_value(value)?)
            }
            Some(found) if found != u64::from(SCHEMA_VERSION) => {
                Err(RecordError::UnsupportedSchemaVersion { found })
            }
            Some(_) => Ok(serde_json::from_value(value)?),
        }
    }

    /// The applicant gave no mobile number, so the result cannot reach them by SMS: the
    /// case is marked for the paper 确认单 (the applicant this product exists for).
    pub fn needs_paper_slip(&self) -> bool {
        self.phone_number.trim().is_empty()
    }
}

/// Rewrites a version 1 record in place as version 2: the standalone 其他 box moves from
/// `evidence.residence.other` to `evidence.study.other`; the new fields take their empty
/// values. Anything else version 1 could not hold is left for the reader to refuse.
fn upgrade_v1(value: &mut serde_json::Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert("schema_version".to_owned(), serde_json::Value::from(SCHEMA_VERSION));
    }
    let moved = value
        .get_mut("evidence")
        .and_then(|evidence| evidence.get_mut("residence"))
        .and_then(serde_json::Value::as_object_mut)
        .and_then(|residence| residence.remove("other"));
    if let Some(other) = moved
        && let Some(evidence) = value.get_mut("evidence").and_then(serde_json::Value::as_object_mut)
    {
        let study = evidence.entry("study").or_insert_with(|| serde_json::json!({}));
        if let Some(study) = study.as_object_mut() {
            study.insert("other".to_owned(), other);
        }
    }
}
