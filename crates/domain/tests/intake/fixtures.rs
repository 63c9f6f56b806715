//! Shared fixtures: dates, the shipped profiles, and a complete valid record to edit.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use domain::Gender;
use domain::assessment::{Assessment, assess};
use domain::profile::PolicyProfile;
use domain::record::{
    Applicant, ApplicationRecord, CurrentAddress, Declaration, HouseholdRegistration, RecognitionType,
    RegistrationPeriod,
};

/// The assessment date of the fixtures and of `docs/examples`.
pub const TODAY: &str = "2025-03-10";

/// An adult man from 阜阳市颍东区 (Anhui), born 1990-03-07.
pub const ADULT_ID: &str = "341203199003071219";
/// An adult man whose check character is X, born 1988-05-12.
pub const ADULT_ID_X: &str = "34120319880512105X";
/// A girl born 2012-08-15 (12 on the fixture date).
pub const MINOR_ID: &str = "341203201208150025";
/// A boy born 2009-03-10: 16 exactly on the fixture date.
pub const TURNS_16_ON_TODAY_ID: &str = "341203200903100033";
/// A woman born 1985-01-01, the minor's mother.
pub const MOTHER_ID: &str = "341203198501012022";
/// A girl born 2008-01-01 (17 on the fixture date): a guardian only if she lives on her
/// own labour income (《民法典》第十八条第二款).
pub const SEVENTEEN_ID: &str = "341203200801010045";
/// A girl born 2010-01-01 (15 on the fixture date): never a guardian.
pub const FIFTEEN_ID: &str = "341203201001010041";

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("test date {text}: {e}"))
}

pub fn today() -> NaiveDate {
    day(TODAY)
}

pub fn workspace_root() -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads `assets/profiles/<file>` as shipped.
pub fn profile(file: &str) -> PolicyProfile {
    let path = workspace_root().join("assets/profiles").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    PolicyProfile::from_json(&text).unwrap_or_else(|e| panic!("{file} should parse: {e}"))
}

pub fn jiande() -> PolicyProfile {
    profile("330182-jiande.json")
}
pub fn haiyan() -> PolicyProfile {
    profile("330424-haiyan.json")
}
pub fn qingtian() -> PolicyProfile {
    profile("331121-qingtian.json")
}
pub fn gongshu() -> PolicyProfile {
    profile("330105-gongshu.json")
}
/// Gongshu's draft with the effective date an administrator would record once the text is
/// published (the draft itself leaves it blank and is not in force).
pub fn gongshu_in_force() -> PolicyProfile {
    gongshu().with_recorded_effective(day("2022-09-01"))
}
pub fn province() -> PolicyProfile {
    profile("330000-province.json")
}

pub fn period(county_code: &str, start: &str, end: Option<&str>) -> RegistrationPeriod {
    RegistrationPeriod { county_code: county_code.to_owned(), start: day(start), end: end.map(day) }
}

/// A complete application that Jiande accepts on [`TODAY`]: an adult from Anhui living in
/// 建德, registration-time recognition, employed with a labour contract and renting.
/// It is the record of `docs/examples/application-complete.json`.
pub fn complete_record() -> ApplicationRecord {
    let mut record = ApplicationRecord::new();
    record.applicant = Applicant {
        id_number: ADULT_ID.to_owned(),
        name: "张伟".to_owned(),
        gender: Some(Gender::Male),
        ethnic_group: "01".to_owned(),
    };
    record.household_registration = HouseholdRegistration {
        province_code: "340000".to_owned(),
        county_code: "341203".to_owned(),
        address: "安徽省阜阳市颍东区向阳路街道幸福村12号".to_owned(),
    };
    record.current_address = CurrentAddress {
        county_code: "330182".to_owned(),
        address: "浙江省杭州市建德市新安江街道江滨中路88号3幢2单元501室".to_owned(),
    };
    record.phone_number = "13812345678".to_owned();
    record.recognition_type = Some(RecognitionType::RegistrationTime);
    record.registration_history =
        vec![period("330106", "2024-03-01", Some("2024-06-30")), period("330182", "2024-07-10", None)];
    record.evidence.employment.labour_contract = true;
    record.evidence.employment.social_insurance = true;
    record.evidence.residence.rental.lease_contract = true;
    record.evidence.residence.rental.rental_registration = true;
    record.declaration = Declaration { signed: true, date: Some(today()) };
    record
}

/// [`complete_record`] moved to live in `county_code` (so other profiles' jurisdictions apply).
pub fn living_in(county_code: &str) -> ApplicationRecord {
    let mut record = complete_record();
    record.current_address.county_code = county_code.to_owned();
    record
}

/// The codes of an assessment's items, in order.
pub fn codes(assessment: &Assessment) -> Vec<&str> {
    assessment.codes()
}

/// The (code, field) pairs of an assessment's items, in order.
pub fn code_fields(assessment: &Assessment) -> Vec<(&str, &str)> {
    assessment.items.iter().map(|item| (item.code.as_str(), item.field.as_str())).collect()
}

/// Assesses and asserts every item has a non-empty Chinese message.
pub fn assess_checked(record: &ApplicationRecord, profile: &PolicyProfile, on: NaiveDate) -> Assessment {
    let assessment = assess(record, profile, on);
    for item in &assessment.items {
        assert!(
            item.message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{} must carry a Chinese sentence for the applicant: {:?}",
            item.code,
            item.message
        );
    }
    assert_eq!(
        assessment.is_accept(),
        assessment.items.is_empty(),
        "the decision is Accept exactly when the notice is empty: {assessment:?}"
    );
    for item in &assessment.items {
        let rule = profile.eligibility_rule(&item.code);
        assert_eq!(
            item.is_eligibility(),
            rule.is_some(),
            "{} is an eligibility reason exactly when {} lists it",
            item.code,
            profile.county.name
        );
        assert_eq!(item.basis, rule.map(|r| r.basis.clone()).unwrap_or_default(), "{}: basis", item.code);
    }
    assert_eq!(
        assessment.decision == domain::assessment::Decision::NotEligible,
        assessment.items.iter().any(|item| item.is_eligibility()),
        "not eligible exactly when a reason is an eligibility reason: {assessment:?}"
    );
    assessment
}
