//! Policy profiles: each county's rules for mutual recognition, as data.
//!
//! The counties' documents differ (DOMAIN.md, "Policy profiles"), so no rule is hard-coded:
//! a [`PolicyProfile`] is parsed from the JSON text of one file in `assets/profiles/`
//! (`assets/profiles/README.md` documents the format). Adding a county is adding a file.
//!
//! Contract:
//! - [`PolicyProfile::from_json`] reports every problem of a file at once and never panics.
//! - A profile names its document, its effective date and whether it is a draft; a draft
//!   may have no effective date (the Gongshu consultation draft leaves it blank), and an
//!   undated draft is not in force until an administrator records the date it took effect
//!   ([`PolicyProfile::with_recorded_effective`]).
//! - A profile says which of its rules decide *eligibility* (不符合互认条件: no papers can
//!   change the answer) and which ask for *materials* (补正): [`PolicyProfile::eligibility`]
//!   lists the notice codes that are eligibility reasons in this county, each with the
//!   sentence of the document it rests on. Every other code asks for materials.
//! - Parameters carry the sentence they rest on (`basis`) and, where the document is
//!   silent, the reading we chose (`reading`), next to the number.
//! - Evidence rules name checkboxes by their record field path (see
//!   [`crate::record::EvidenceItem`]), so a profile cannot refer to a box the form lacks.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::record::{Condition, EvidenceItem};

/// The profile-file format version this build reads.
pub const PROFILE_VERSION: u32 = 2;

/// One county's (or the province's default) rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyProfile {
    /// Version of the file format, [`PROFILE_VERSION`].
    pub profile_version: u32,
    /// The county whose counters apply this profile (`330000` for the provincial default).
    pub county: County,
    /// Other names a clerk or operator may type to pick the profile (e.g. `建德`, `jiande`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The policy document the rules come from.
    pub document: PolicyDocument,
    /// Whether the document puts mutual recognition in place in the county.
    pub recognition: RecognitionScheme,
    /// Who counts as a local applicant (not floating population) and is refused.
    pub local_area: LocalArea,
    /// The rule for 居住登记时间互认.
    pub registration_time: RegistrationTimeRule,
    /// Which evidence makes each of the three conditions.
    pub conditions: ConditionRules,
    /// Applicants under 16.
    pub minors: MinorRule,
    /// The special cases of 《浙江省流动人口居住登记条例》 this county applies.
    pub special_cases: SpecialCaseRules,
    /// The notice codes that are eligibility reasons here (不符合互认条件), each with the
    /// sentence it rests on; every other code asks for materials.
    pub eligibility: Vec<EligibilityRule>,
    /// Working days from acceptance to issuance (自受理之日起N个工作日内).
    pub deadline_working_days: u32,
    /// How the confirmation slip is printed.
    #[serde(default)]
    pub slip: SlipOptions,
    /// How the file's author read the document where it is silent (kept with the data).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// A county-level division (or the province, for the default profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct County {
    /// GB/T 2260 code, e.g. `330182`.
    pub code: String,
    /// Chinese name, e.g. `建德市`.
    pub name: String,
}

/// The document a profile implements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// 文号, e.g. `建政办函〔2024〕18号`.
    pub number: String,
    /// Title of the document.
    pub title: String,
    /// First day the rules apply (施行日期); `None` only for a draft that leaves it blank.
    pub effective: Option<NaiveDate>,
    /// The document is a consultation draft (征求意见稿), not a rule in force.
    pub draft: bool,
}

/// Whether a document implements mutual recognition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecognitionScheme {
    /// True for a county's implementing document; false for the provincial default,
    /// which only encourages counties to do it (so it never accepts by itself).
    pub implemented: bool,
    /// The sentence that says so.
    pub basis: String,
}

/// An eligibility rule: a notice code that means 不符合互认条件 in this county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    /// The notice code (one of [`crate::assessment::code::ELIGIBILITY_CAPABLE`]).
    pub code: String,
    /// The sentence of the document (or regulation) the rule rests on, printed on the
    /// 不予受理告知书 next to the reason.
    pub basis: String,
}

/// The special cases of 《浙江省流动人口居住登记条例》 (「除……有特别规定外」) a county applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpecialCaseRules {
    /// 投资创业 exempts from the six months of residence (the regulation's article on the
    /// permit's conditions; the county government defines who qualifies).
    pub investment: bool,
    /// 引进人才 exempts from the six months of residence, likewise.
    pub talent: bool,
    /// A valid 《浙江省引进人才居住证》 is exchanged directly (Gongshu), without the six
    /// months and without the conditions.
    pub talent_permit_exchange: bool,
    /// The sentences the exemptions rest on.
    pub basis: String,
}

impl SpecialCaseRules {
    /// Whether this county applies `kind`.
    pub fn allows(&self, kind: crate::record::SpecialCaseKind) -> bool {
        use crate::record::SpecialCaseKind;
        match kind {
            SpecialCaseKind::Investment => self.investment,
            SpecialCaseKind::Talent => self.talent,
            SpecialCaseKind::TalentPermitExchange => self.talent_permit_exchange,
        }
    }
}

/// Whose household registration makes an applicant local (not 流动人口, Zhejiang
/// regulation Art. 2: one must have left the county (市), or the 设区市 urban area).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LocalArea {
    /// 「离开常住户口所在地的县（市）或者设区的市的市区」: household registration in the
    /// county of residence, or, when the residence is a 市辖区, in any 市辖区 of the same
    /// 设区市 (see [`urban_area_of`]).
    CountyOrUrbanArea,
    /// Household registration anywhere in this list, e.g. 杭州市区 for a Hangzhou urban district.
    Counties {
        /// Name of the area, used in the notice, e.g. `杭州市区`.
        name: String,
        /// GB/T 2260 codes of the counties in the area (abolished codes may be listed).
        counties: Vec<String>,
    },
}

/// The registration-time rule (居住登记时间互认).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationTimeRule {
    /// Months required (六个月 everywhere so far), in calendar months: see
    /// `crate::assessment` for how a period or a sum of periods is measured.
    pub required_months: u32,
    /// How periods add up.
    pub rule: Accumulation,
    /// Which registrations count.
    pub scope: RegistrationScope,
    /// How close to the application the qualifying registration must run.
    pub up_to_application: UpToApplication,
    /// The document's sentence.
    pub basis: String,
    /// How we read it where it is silent.
    pub reading: String,
}

/// The registration that counts is the recent one: the qualifying chain of periods must
/// still be open on the application date, or have ended at most `max_days_before` days
/// earlier (days registered nowhere, counted up to and including the application date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpToApplication {
    /// Longest tolerated stretch without registration between the last registered day
    /// and the application date.
    pub max_days_before: u32,
    /// The sentence the number rests on.
    pub basis: String,
}

/// How registration periods add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Accumulation {
    /// 累计: the periods are summed, gaps do not matter (Haiyan).
    Cumulative,
    /// 累计连续 / 连续: one run must last the required months (Qingtian, Gongshu). Periods
    /// separated by at most `tolerance_days` unregistered days still form one run (a move
    /// registered within the regulation's deadline does not break it); the days between are
    /// not counted as registered.
    Continuous {
        /// Longest interruption that does not break the run, in days not registered.
        tolerance_days: u32,
    },
    /// 连续累计, 期间中断不超过N日: summed, but no gap between consecutive periods may
    /// exceed `max_gap_days` (Jiande: 30).
    CumulativeWithMaxGap {
        /// Longest tolerated interruption, in whole days not registered.
        max_gap_days: u32,
    },
}

/// Which registrations count towards the registration time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RegistrationScope {
    /// Anywhere in Zhejiang (county codes starting with `33`).
    Zhejiang,
    /// 「在居住地」: the county of residence, or, when it is a 市辖区, any 市辖区 of the same
    /// 设区市 (the provincial default, 浙政办发〔2023〕41号).
    PlaceOfResidence,
    /// Only the listed counties, e.g. 杭州市区.
    Counties {
        /// Name of the area, used in the notice.
        name: String,
        /// GB/T 2260 codes (abolished codes may be listed for old registrations).
        counties: Vec<String>,
    },
}

impl RegistrationScope {
    /// Whether a registration in `county_code` counts for someone living in `residence`.
    pub fn contains(&self, county_code: &str, residence: &str) -> bool {
        match self {
            RegistrationScope::Zhejiang => county_code.starts_with("33"),
            RegistrationScope::PlaceOfResidence => same_county_or_urban_area(county_code, residence),
            RegistrationScope::Counties { counties, .. } => counties.iter().any(|c| c == county_code),
        }
    }

    /// The area's name for the notice.
    pub fn name(&self) -> &str {
        match self {
            RegistrationScope::Zhejiang => "浙江省内",
            RegistrationScope::PlaceOfResidence => "居住地",
            RegistrationScope::Counties { name, .. } => name,
        }
    }
}

/// The 设区市 whose urban area (市区) holds `code`, as its four-digit prefix, when `code` is
/// a 市辖区: GB/T 2260 numbers a city's districts 01–20 in the last two digits (21–80 are
/// counties, 81–99 county-level cities). `None` for a county or county-level city, which
/// is its own area. The app's tests check this against the shipped division list for every
/// Zhejiang code.
pub fn urban_area_of(code: &str) -> Option<&str> {
    if !is_division_code(code) || code.ends_with("00") {
        return None;
    }
    let district: u8 = code[4..].parse().ok()?;
    (1..=20).contains(&district).then(|| &code[..4])
}

/// Whether `a` and `b` are the same county, or two 市辖区 of one 设区市's urban area: a move
/// between them is not a move between counties (「在其他县（市）、设区市市区居住的」).
pub fn same_county_or_urban_area(a: &str, b: &str) -> bool {
    if !is_division_code(a) || !is_division_code(b) {
        return false;
    }
    a == b || matches!((urban_area_of(a), urban_area_of(b)), (Some(x), Some(y)) if x == y)
}

/// The evidence rules of the three conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionRules {
    /// 合法稳定就业.
    pub employment: ConditionRule,
    /// 合法稳定住所.
    pub residence: ConditionRule,
    /// 连续就读.
    pub study: ConditionRule,
}

impl ConditionRules {
    /// The rule of `condition`.
    pub fn get(&self, condition: Condition) -> &ConditionRule {
        match condition {
            Condition::Employment => &self.employment,
            Condition::Residence => &self.residence,
            Condition::Study => &self.study,
        }
    }
}

/// One condition: met when any one of its ways is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionRule {
    /// The alternatives, in the order the notice lists them.
    pub ways: Vec<EvidenceWay>,
}

/// One way to meet a condition: every listed box ticked and every extra proof shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceWay {
    /// Short Chinese label for the notice, e.g. `租住房屋`.
    pub label: String,
    /// Boxes that must all be ticked.
    pub evidence: Vec<EvidenceItem>,
    /// Measured facts that must hold as well.
    #[serde(default)]
    pub proofs: Vec<Proof>,
}

/// An extra proof behind the ticks, checked against the record's `evidence_facts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Proof {
    /// The lease runs at least `min_months` (Gongshu: 1年以上).
    RentalContractMonths {
        /// Minimum term in months.
        min_months: u32,
    },
    /// The landlord's ownership or homestead-use certificate is shown.
    LandlordTitleProof,
    /// Commercial housing (商品房) also needs 办理租赁登记备案 ticked.
    LeaseFilingIfCommercial,
    /// The applicant's own social insurance, paid continuously in `area`.
    SocialInsurance {
        /// Minimum months paid.
        min_months: u32,
        /// Longest tolerated interruption, in days.
        max_gap_days: u32,
        /// Whether back-paid months (补缴) count.
        back_payment_allowed: bool,
        /// Where it must be paid, for the notice (e.g. `杭州市区`); may be blank.
        #[serde(default)]
        area: String,
    },
    /// Full-time enrolment for at least `min_months` in `area`.
    EnrolmentMonths {
        /// Minimum months enrolled.
        min_months: u32,
        /// Where, for the notice; may be blank.
        #[serde(default)]
        area: String,
    },
    /// Minors: both parents (legal guardians) hold a valid 《浙江省居住证》.
    GuardiansHoldPermits,
    /// Minors: one parent (guardian) paid social insurance continuously in `area`.
    GuardianSocialInsurance {
        /// Minimum months paid.
        min_months: u32,
        /// Longest tolerated interruption, in days (Gongshu: 「不含一个月以上中断或补缴，下同」).
        max_gap_days: u32,
        /// Whether back-paid months (补缴) count.
        back_payment_allowed: bool,
        /// Where, for the notice; may be blank.
        #[serde(default)]
        area: String,
    },
}

/// Rules for applicants under a given age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinorRule {
    /// Applicants younger than this (in whole years on the assessment date) are minors: 16.
    pub age_below: u32,
    /// A minor's application names a guardian (name, ID number, relationship).
    pub guardian_required: bool,
    /// The sentences the minors' rule rests on, and our reading.
    pub basis: String,
    /// Extra proofs a minor shows per condition (Gongshu).
    #[serde(default)]
    pub extra_proofs: MinorProofs,
}

/// Minors' extra proofs, per condition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MinorProofs {
    /// When applying under 合法稳定就业.
    pub employment: Vec<Proof>,
    /// When applying under 合法稳定住所.
    pub residence: Vec<Proof>,
    /// When applying under 连续就读.
    pub study: Vec<Proof>,
}

impl MinorProofs {
    /// The proofs for `condition`.
    pub fn get(&self, condition: Condition) -> &[Proof] {
        match condition {
            Condition::Employment => &self.employment,
            Condition::Residence => &self.residence,
            Condition::Study => &self.study,
        }
    }
}

/// Printing options of the confirmation slip (确认单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlipOptions {
    /// Print the ID number masked (`330105********123X`); default true.
    pub mask_id_number: bool,
    /// Print in large type for elderly applicants; default false.
    pub large_print: bool,
}

impl Default for SlipOptions {
    fn default() -> Self {
        Self { mask_id_number: true, large_print: false }
    }
}

/// What a list of profiles shows: county, document and validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileSummary {
    /// County code.
    pub county: String,
    /// County name.
    pub name: String,
    /// Document number (文号).
    pub document: String,
    /// Effective date, `null` for an undated draft.
    pub effective: Option<NaiveDate>,
    /// Whether the document is a draft.
    pub draft: bool,
    /// Whether the document implements mutual recognition (false: the provincial default).
    pub implements_recognition: bool,
    /// An applicant younger than this needs a guardian on the form (`minors.age_below`).
    pub guardian_below_age: u32,
    /// The county checks measured facts behind the ticks (lease months, insurance gaps, a
    /// minor's parents' proofs): the form asks for them.
    pub asks_evidence_facts: bool,
}

/// Why a profile file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The text is not JSON of the profile format (unknown key, wrong type, bad date).
    #[error("policy profile is not valid JSON of format version {PROFILE_VERSION}: {0}")]
    Json(#[from] serde_json::Error),
    /// The file parses but breaks rules the format cannot express; every problem is listed.
    #[error("policy profile {county} is inconsistent: {}", problems.join("; "))]
    Invalid {
        /// The county code as written in the file.
        county: String,
        /// Each problem, in plain words.
        problems: Vec<String>,
    },
}

impl PolicyProfile {
    /// Parses and checks one profile file's text.
    pub fn from_json(text: &str) -> Result<Self, ProfileError> {
        let profile: PolicyProfile = serde_json::from_str(text)?;
        let problems = profile.problems();
        if problems.is_empty() {
            Ok(profile)
        } else {
            Err(ProfileError::Invalid { county: profile.county.code.clone(), problems })
        }
    }

    /// Every inconsistency of the profile (empty when usable).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.profile_version != PROFILE_VERSION {
            problems.push(format!(
                "profile_version is {}, this build reads {PROFILE_VERSION}",
                self.profile_version
            ));
        }
        if !is_division_code(&self.county.code) || !self.county.code.starts_with("33") {
            problems.push(format!("county.code {:?} is not a Zhejiang GB/T 2260 code", self.county.code));
        }
        if self.county.name.trim().is_empty() {
            problems.push("county.name is blank".to_owned());
        }
        if self.document.number.trim().is_empty() {
            problems.push("document.number is blank".to_owned());
        }
        if self.document.effective.is_none() && !self.document.draft {
            problems.push("document.effective may be null only for a draft".to_owned());
        }
        if self.registration_time.required_months == 0 {
            problems.push("registration_time.required_months must be at least 1".to_owned());
        }
        if self.deadline_working_days == 0 {
            problems.push("deadline_working_days must be at least 1".to_owned());
        }
        if self.minors.age_below == 0 {
            problems.push("minors.age_below must be at least 1".to_owned());
        }
        for (path, text) in [
            ("recognition.basis", &self.recognition.basis),
            ("registration_time.basis", &self.registration_time.basis),
            ("registration_time.reading", &self.registration_time.reading),
            ("registration_time.up_to_application.basis", &self.registration_time.up_to_application.basis),
            ("minors.basis", &self.minors.basis),
        ] {
            if text.trim().is_empty() {
                problems.push(format!("{path} is blank: say which sentence the rule rests on"));
            }
        }
        let special = &self.special_cases;
        if (special.investment || special.talent || special.talent_permit_exchange)
            && special.basis.trim().is_empty()
        {
            problems.push("special_cases.basis is blank".to_owned());
        }
        let mut seen = Vec::new();
        for (index, rule) in self.eligibility.iter().enumerate() {
            if !crate::assessment::code::ELIGIBILITY_CAPABLE.contains(&rule.code.as_str()) {
                problems.push(format!(
                    "eligibility[{index}].code {:?} is not a code that can decide eligibility",
                    rule.code
                ));
            }
            if rule.basis.trim().is_empty() {
                problems.push(format!("eligibility[{index}].basis is blank"));
            }
            if seen.contains(&rule.code) {
                problems.push(format!("eligibility lists {} twice", rule.code));
            }
            seen.push(rule.code.clone());
        }
        if let RegistrationScope::Counties { name, counties } = &self.registration_time.scope {
            check_area("registration_time.scope", name, counties, &mut problems);
        }
        if let LocalArea::Counties { name, counties } = &self.local_area {
            check_area("local_area", name, counties, &mut problems);
            if !counties.contains(&self.county.code) {
                problems.push("local_area.counties must include the profile's own county".to_owned());
            }
        }
        for condition in Condition::ALL {
            let rule = self.conditions.get(condition);
            let path = format!("conditions.{}", condition_key(condition));
            if rule.ways.is_empty() {
                problems.push(format!("{path} has no ways"));
            }
            for (way_idx, way) in rule.ways.iter().enumerate() {
                if way.label.trim().is_empty() {
                    problems.push(format!("{path}.ways[{way_idx}].label is blank"));
                }
                if way.evidence.is_empty() {
                    problems.push(format!("{path}.ways[{way_idx}] names no evidence"));
                }
                for item in &way.evidence {
                    if item.condition() != condition {
                        problems.push(format!(
                            "{path}.ways[{way_idx}] names {} from another condition's group",
                            item.key()
                        ));
                    }
                }
            }
        }
        problems
    }

    /// Whether `query` names this profile: its code, its name, or an alias (ASCII case ignored).
    pub fn matches(&self, query: &str) -> bool {
        let query = query.trim();
        !query.is_empty()
            && (self.county.code == query
                || self.county.name == query
                || self.aliases.iter().any(|alias| alias.eq_ignore_ascii_case(query)))
    }

    /// Whether a person living in `county_code` belongs to this profile's counters: the
    /// county itself, or any Zhejiang county for the provincial default (`330000`).
    pub fn covers(&self, county_code: &str) -> bool {
        if let Some(prefix) = self.county.code.strip_suffix("0000") {
            is_division_code(county_code) && county_code.starts_with(prefix)
        } else {
            self.county.code == county_code
        }
    }

    /// Whether the rules apply on `day`: false before the effective date, and false for an
    /// undated draft (「本通知自　年　月　日起施行」 leaves the date blank: a draft is not a
    /// rule in force) until an administrator records the date it took effect.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.document.effective.is_some_and(|effective| effective <= day)
    }

    /// The profile with the effective date an administrator recorded for an undated draft
    /// (the published text's 施行日期). It stays marked as a draft, so every result says so.
    pub fn with_recorded_effective(mut self, effective: NaiveDate) -> Self {
        if self.document.effective.is_none() {
            self.document.effective = Some(effective);
        }
        self
    }

    /// The eligibility rule of `code` in this county, if `code` decides eligibility here.
    pub fn eligibility_rule(&self, code: &str) -> Option<&EligibilityRule> {
        self.eligibility.iter().find(|rule| rule.code == code)
    }

    /// Whether any condition or the minors' rule checks measured facts (`proofs`).
    pub fn asks_evidence_facts(&self) -> bool {
        let conditions = [&self.conditions.employment, &self.conditions.residence, &self.conditions.study];
        let minors = &self.minors.extra_proofs;
        conditions.iter().any(|rule| rule.ways.iter().any(|way| !way.proofs.is_empty()))
            || !(minors.employment.is_empty() && minors.residence.is_empty() && minors.study.is_empty())
    }

    /// The listing entry of this profile.
    pub fn summary(&self) -> ProfileSummary {
        ProfileSummary {
            county: self.county.code.clone(),
            name: self.county.name.clone(),
            document: self.document.number.clone(),
            effective: self.document.effective,
            draft: self.document.draft,
            implements_recognition: self.recognition.implemented,
            guardian_below_age: self.minors.age_below,
            asks_evidence_facts: self.asks_evidence_facts(),
        }
    }
}

/// Whether `code` has the shape of a GB/T 2260 code: six ASCII digits.
pub fn is_division_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

fn condition_key(condition: Condition) -> &'static str {
    match condition {
        Condition::Employment => "employment",
        Condition::Residence => "residence",
        Condition::Study => "study",
    }
}

fn check_area(path: &str, name: &str, counties: &[String], problems: &mut Vec<String>) {
    if name.trim().is_empty() {
        problems.push(format!("{path}.name is blank"));
    }
    if counties.is_empty() {
        problems.push(format!("{path}.counties is empty"));
    }
    for code in counties {
        if !is_division_code(code) {
            problems.push(format!("{path}.counties has {code:?}, not a six-digit code"));
        }
    }
}
