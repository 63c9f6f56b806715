//! The one-time notice: every rule of `assess`, table-driven.
//!
//! Each row edits the complete fixture record (which every profile accepts where the
//! applicant lives in its county) and lists exactly the `(code, field)` pairs expected.

use domain::Gender;
use domain::assessment::Decision;
use domain::profile::PolicyProfile;
use domain::record::{ApplicationRecord, EndorsementStatus, ExistingPermit, Guardian, RecognitionType};

use crate::fixtures::{
    ADULT_ID_X, FIFTEEN_ID, MINOR_ID, MOTHER_ID, SEVENTEEN_ID, TODAY, TURNS_16_ON_TODAY_ID, assess_checked,
    code_fields, complete_record, day, gongshu_in_force, haiyan, jiande, period, province, qingtian,
};

type Expected = &'static [(&'static str, &'static str)];

struct Row {
    why: &'static str,
    profile: fn() -> PolicyProfile,
    today: &'static str,
    edit: fn(&mut ApplicationRecord),
    expected: Expected,
}

const fn row(
    why: &'static str,
    profile: fn() -> PolicyProfile,
    edit: fn(&mut ApplicationRecord),
    expected: Expected,
) -> Row {
    Row { why, profile, today: TODAY, edit, expected }
}

/// Assesses the fixture, moved into the profile's county and signed on the row's date,
/// then edited by the row; asserts the exact notice.
fn check(row: &Row) {
    let profile = (row.profile)();
    let mut record = complete_record();
    if !profile.county.code.ends_with("0000") {
        record.current_address.county_code = profile.county.code.clone();
    }
    record.declaration.date = Some(day(row.today));
    (row.edit)(&mut record);
    let assessment = assess_checked(&record, &profile, day(row.today));
    assert_eq!(
        code_fields(&assessment),
        row.expected,
        "{} (under {}): {:#?}",
        row.why,
        profile.county.name,
        assessment.items
    );
}

fn check_all(rows: &[Row]) {
    for row in rows {
        check(row);
    }
}

fn existing_permit(record: &mut ApplicationRecord) {
    record.recognition_type = Some(RecognitionType::ExistingPermit);
    record.existing_permit = Some(ExistingPermit {
        number: "330106202300001234".to_owned(),
        issuing_county_code: "330106".to_owned(),
        issue_date: Some(day("2023-05-20")),
        endorsement: Some(EndorsementStatus::Current),
    });
}

fn minor_with_mother(record: &mut ApplicationRecord) {
    record.applicant.id_number = MINOR_ID.to_owned();
    record.applicant.gender = Some(Gender::Female);
    record.guardian = Some(Guardian {
        name: "李芳".to_owned(),
        id_number: MOTHER_ID.to_owned(),
        relationship: "母亲".to_owned(),
        own_income: false,
    });
}

/// Registered in Gongshu since 2024, with a social-insurance certificate that meets the
/// Gongshu rule (12 months, no gap over one month, no back-payment).
fn gongshu_base(record: &mut ApplicationRecord) {
    record.registration_history = vec![period("330105", "2024-01-01", None)];
    record.evidence_facts.social_insurance.months = Some(12);
    record.evidence_facts.social_insurance.longest_gap_days = Some(0);
    record.evidence_facts.social_insurance.back_paid = Some(false);
}

/// Gongshu, applying under 合法稳定住所 only.
fn gongshu_residence_only(record: &mut ApplicationRecord) {
    gongshu_base(record);
    record.evidence.employment = Default::default();
    record.evidence.residence = Default::default();
}

#[test]
fn complete_applications_are_accepted() {
    check_all(&[
        row("the fixture", jiande, |_| {}, &[]),
        row("the fixture in Haiyan", haiyan, |_| {}, &[]),
        row(
            "the fixture in Qingtian (its second period alone is unbroken six months)",
            qingtian,
            |_| {},
            &[],
        ),
        row(
            "Gongshu's draft with its proofs, once its effective date is recorded",
            gongshu_in_force,
            gongshu_base,
            &[],
        ),
        row(
            "lowercase x check character",
            jiande,
            |r| r.applicant.id_number = ADULT_ID_X.to_lowercase(),
            &[],
        ),
        row("ethnic code 97 其他", jiande, |r| r.applicant.ethnic_group = "97".to_owned(), &[]),
        row("ethnic code 98 外国血统中国籍人士", jiande, |r| r.applicant.ethnic_group = "98".to_owned(), &[]),
        row(
            "16 exactly on the day needs no guardian",
            jiande,
            |r| r.applicant.id_number = TURNS_16_ON_TODAY_ID.to_owned(),
            &[],
        ),
        row("a minor with a guardian", jiande, minor_with_mother, &[]),
        row("a valid existing permit", jiande, existing_permit, &[]),
        row(
            "existing permits ignore the registration history",
            haiyan,
            |r| {
                existing_permit(r);
                r.registration_history.clear()
            },
            &[],
        ),
        row(
            "a 其他 proof with its description (the clerk judges it)",
            jiande,
            |r| {
                r.evidence = Default::default();
                r.evidence.employment.other.ticked = true;
                r.evidence.employment.other.description = "个体经营证明".to_owned();
            },
            &[],
        ),
        row(
            "a study certificate alone",
            haiyan,
            |r| {
                r.evidence = Default::default();
                r.evidence.study.higher_education = true
            },
            &[],
        ),
        row(
            "another county of Zhejiang is floating population",
            jiande,
            |r| {
                r.household_registration.province_code = "330000".to_owned();
                r.household_registration.county_code = "330424".to_owned();
            },
            &[],
        ),
    ]);
}

#[test]
fn identity() {
    const ID: &str = "applicant.id_number";
    check_all(&[
        row(
            "Hong Kong residence-permit number",
            jiande,
            |r| r.applicant.id_number = "810000199001010012".to_owned(),
            &[("ID_NUMBER_HK_MO_TW_PERMIT", ID)],
        ),
        row(
            "Macau residence-permit number",
            jiande,
            |r| r.applicant.id_number = "820000199001010012".to_owned(),
            &[("ID_NUMBER_HK_MO_TW_PERMIT", ID)],
        ),
        row(
            "Taiwan residence-permit number",
            jiande,
            |r| r.applicant.id_number = "830000199001010012".to_owned(),
            &[("ID_NUMBER_HK_MO_TW_PERMIT", ID)],
        ),
        row(
            "foreign permanent-residence number",
            jiande,
            |r| r.applicant.id_number = "910000199001010012".to_owned(),
            &[("ID_NUMBER_FOREIGN_PERMANENT_RESIDENT", ID)],
        ),
        row(
            "wrong check character",
            jiande,
            |r| r.applicant.id_number = "341203199003071218".to_owned(),
            &[("ID_NUMBER_CHECKSUM", ID)],
        ),
        row(
            "15-digit legacy number",
            jiande,
            |r| r.applicant.id_number = "341203900307121".to_owned(),
            &[("ID_NUMBER_LEGACY_15", ID)],
        ),
        row("no ID number", jiande, |r| r.applicant.id_number.clear(), &[("ID_NUMBER_EMPTY", ID)]),
        row(
            "gender disagrees with the ID",
            jiande,
            |r| r.applicant.gender = Some(Gender::Female),
            &[("GENDER_MISMATCH", "applicant.gender")],
        ),
        row(
            "gender not chosen",
            jiande,
            |r| r.applicant.gender = None,
            &[("REQUIRED_FIELD_MISSING", "applicant.gender")],
        ),
        row(
            "no name",
            jiande,
            |r| r.applicant.name = "  ".to_owned(),
            &[("REQUIRED_FIELD_MISSING", "applicant.name")],
        ),
        row(
            "ethnic code 57 does not exist",
            jiande,
            |r| r.applicant.ethnic_group = "57".to_owned(),
            &[("ETHNIC_GROUP_INVALID", "applicant.ethnic_group")],
        ),
        row(
            "ethnic name instead of code",
            jiande,
            |r| r.applicant.ethnic_group = "汉".to_owned(),
            &[("ETHNIC_GROUP_INVALID", "applicant.ethnic_group")],
        ),
        row(
            "ethnic code 00",
            jiande,
            |r| r.applicant.ethnic_group = "00".to_owned(),
            &[("ETHNIC_GROUP_INVALID", "applicant.ethnic_group")],
        ),
        row(
            "no ethnic group",
            jiande,
            |r| r.applicant.ethnic_group.clear(),
            &[("REQUIRED_FIELD_MISSING", "applicant.ethnic_group")],
        ),
    ]);
}

#[test]
fn addresses_and_phone() {
    check_all(&[
        row(
            "province code of a city",
            jiande,
            |r| r.household_registration.province_code = "341200".to_owned(),
            &[("DIVISION_CODE_INVALID", "household_registration.province_code")],
        ),
        row(
            "county code too short",
            jiande,
            |r| r.household_registration.county_code = "34120".to_owned(),
            &[("DIVISION_CODE_INVALID", "household_registration.county_code")],
        ),
        row(
            "county outside the province",
            jiande,
            |r| r.household_registration.county_code = "320102".to_owned(),
            &[("HOUSEHOLD_COUNTY_NOT_IN_PROVINCE", "household_registration.county_code")],
        ),
        row(
            "no household address",
            jiande,
            |r| r.household_registration.address.clear(),
            &[("REQUIRED_FIELD_MISSING", "household_registration.address")],
        ),
        row(
            "living in another county",
            jiande,
            |r| r.current_address.county_code = "330424".to_owned(),
            &[("CURRENT_ADDRESS_OUTSIDE_COUNTY", "current_address.county_code")],
        ),
        row(
            "living outside Zhejiang, provincial default",
            province,
            |r| r.current_address.county_code = "310115".to_owned(),
            &[
                ("RECOGNITION_NOT_IMPLEMENTED", ""),
                ("CURRENT_ADDRESS_OUTSIDE_COUNTY", "current_address.county_code"),
                // 41号 counts the place of residence only: Shanghai has no Zhejiang registration.
                ("REGISTRATION_TIME_SHORT", "registration_history"),
            ],
        ),
        row(
            "no county of residence",
            jiande,
            |r| r.current_address.county_code.clear(),
            &[("REQUIRED_FIELD_MISSING", "current_address.county_code")],
        ),
        row(
            "no current address",
            jiande,
            |r| r.current_address.address.clear(),
            &[("REQUIRED_FIELD_MISSING", "current_address.address")],
        ),
        // Not on Annex 1: optional; the applicant then gets the paper 确认单.
        row("no phone", jiande, |r| r.phone_number.clear(), &[]),
        row(
            "10-digit phone",
            jiande,
            |r| r.phone_number = "1381234567".to_owned(),
            &[("PHONE_NUMBER_INVALID", "phone_number")],
        ),
        row(
            "12x is no mobile prefix",
            jiande,
            |r| r.phone_number = "12812345678".to_owned(),
            &[("PHONE_NUMBER_INVALID", "phone_number")],
        ),
        row(
            "country code",
            jiande,
            |r| r.phone_number = "+8613812345678".to_owned(),
            &[("PHONE_NUMBER_INVALID", "phone_number")],
        ),
        row(
            "landline",
            jiande,
            |r| r.phone_number = "057164123456".to_owned(),
            &[("PHONE_NUMBER_INVALID", "phone_number")],
        ),
    ]);
}

#[test]
fn local_applicants_are_refused() {
    const LOCAL: Expected = &[("LOCAL_APPLICANT", "household_registration.county_code")];
    fn household(record: &mut ApplicationRecord, county: &str) {
        record.household_registration.province_code = "330000".to_owned();
        record.household_registration.county_code = county.to_owned();
    }
    check_all(&[
        row("household in Jiande, living in Jiande", jiande, |r| household(r, "330182"), LOCAL),
        row("household in Haiyan, living in Haiyan", haiyan, |r| household(r, "330424"), LOCAL),
        row(
            "provincial default: household in the county of residence",
            province,
            |r| household(r, "330182"),
            &[("RECOGNITION_NOT_IMPLEMENTED", ""), ("LOCAL_APPLICANT", "household_registration.county_code")],
        ),
        row(
            "Gongshu: household in Xihu is the same urban area",
            gongshu_in_force,
            |r| {
                gongshu_base(r);
                household(r, "330106")
            },
            LOCAL,
        ),
        row(
            "Gongshu: household in Gongshu",
            gongshu_in_force,
            |r| {
                gongshu_base(r);
                household(r, "330105")
            },
            LOCAL,
        ),
        row(
            "Gongshu: Jiande is in Hangzhou but not its urban area",
            gongshu_in_force,
            |r| {
                gongshu_base(r);
                household(r, "330182")
            },
            &[],
        ),
    ]);
    let mut record = complete_record();
    household(&mut record, "330182");
    let assessment = assess_checked(&record, &jiande(), day(TODAY));
    assert!(
        assessment.items[0].message.contains("建德市") && assessment.items[0].message.contains("流动人口"),
        "the notice says why: {:?}",
        assessment.items[0]
    );
}

#[test]
fn recognition_type_and_existing_permit() {
    fn permit(record: &mut ApplicationRecord) -> &mut ExistingPermit {
        existing_permit(record);
        record.existing_permit.as_mut().unwrap_or_else(|| unreachable!())
    }
    check_all(&[
        row(
            "no recognition type",
            jiande,
            |r| r.recognition_type = None,
            &[("RECOGNITION_TYPE_MISSING", "recognition_type")],
        ),
        row(
            "existing permit not described",
            jiande,
            |r| {
                existing_permit(r);
                r.existing_permit = None
            },
            &[("EXISTING_PERMIT_MISSING", "existing_permit")],
        ),
        row(
            "endorsement overdue",
            jiande,
            |r| permit(r).endorsement = Some(EndorsementStatus::Overdue),
            &[("EXISTING_PERMIT_ENDORSEMENT_OVERDUE", "existing_permit.endorsement")],
        ),
        row(
            "permit terminated",
            jiande,
            |r| permit(r).endorsement = Some(EndorsementStatus::Terminated),
            &[("EXISTING_PERMIT_TERMINATED", "existing_permit.endorsement")],
        ),
        row(
            "endorsement unknown",
            jiande,
            |r| permit(r).endorsement = None,
            &[("REQUIRED_FIELD_MISSING", "existing_permit.endorsement")],
        ),
        row(
            "no permit number",
            jiande,
            |r| permit(r).number.clear(),
            &[("REQUIRED_FIELD_MISSING", "existing_permit.number")],
        ),
        row(
            "a Jiangsu permit",
            jiande,
            |r| permit(r).issuing_county_code = "320102".to_owned(),
            &[("EXISTING_PERMIT_NOT_ZHEJIANG", "existing_permit.issuing_county_code")],
        ),
        row(
            "a permit of the county of residence",
            jiande,
            |r| permit(r).issuing_county_code = "330182".to_owned(),
            &[("EXISTING_PERMIT_SAME_COUNTY", "existing_permit.issuing_county_code")],
        ),
        row(
            "issued tomorrow",
            jiande,
            |r| permit(r).issue_date = Some(day("2025-03-11")),
            &[("EXISTING_PERMIT_ISSUE_DATE_INVALID", "existing_permit.issue_date")],
        ),
        row(
            "no issue date",
            jiande,
            |r| permit(r).issue_date = None,
            &[("REQUIRED_FIELD_MISSING", "existing_permit.issue_date")],
        ),
    ]);
}

#[test]
fn evidence_on_the_form() {
    check_all(&[
        row("nothing ticked", jiande, |r| r.evidence = Default::default(), &[("EVIDENCE_NONE", "evidence")]),
        row(
            "employment 其他 without text",
            jiande,
            |r| r.evidence.employment.other.ticked = true,
            &[("OTHER_DESCRIPTION_MISSING", "evidence.employment.other.description")],
        ),
        row(
            "rental 其他 without text",
            jiande,
            |r| r.evidence.residence.rental.other.ticked = true,
            &[("OTHER_DESCRIPTION_MISSING", "evidence.residence.rental.other.description")],
        ),
        row(
            "the standalone 其他 (under 连续就读) without text",
            jiande,
            |r| r.evidence.study.other.ticked = true,
            &[("OTHER_DESCRIPTION_MISSING", "evidence.study.other.description")],
        ),
        row(
            "only 其他 without text: one item, not two",
            haiyan,
            |r| {
                r.evidence = Default::default();
                r.evidence.study.other.ticked = true
            },
            &[("OTHER_DESCRIPTION_MISSING", "evidence.study.other.description")],
        ),
        row(
            "a safety certificate alone is no residence",
            jiande,
            |r| {
                r.evidence = Default::default();
                r.evidence.residence.rental.safety_compliant = true
            },
            &[("CONDITION_NOT_MET", "evidence.residence")],
        ),
        row(
            "taxes and safety alone, and nothing for work",
            qingtian,
            |r| {
                r.evidence = Default::default();
                r.evidence.residence.rental.safety_compliant = true;
                r.evidence.residence.rental.taxes_paid = true;
            },
            &[("CONDITION_NOT_MET", "evidence.residence")],
        ),
    ]);
}

#[test]
fn gongshu_extra_proofs() {
    fn commercial_rental(record: &mut ApplicationRecord) {
        gongshu_residence_only(record);
        let rental = &mut record.evidence.residence.rental;
        rental.lease_contract = true;
        rental.rental_registration = true;
        rental.safety_compliant = true;
        rental.lease_filing = true;
        record.evidence_facts.rental.contract_months = Some(12);
        record.evidence_facts.rental.landlord_title_proof = Some(true);
        record.evidence_facts.rental.commercial_housing = Some(true);
    }
    fn social_insurance_only(record: &mut ApplicationRecord) {
        gongshu_base(record);
        record.evidence.residence = Default::default();
    }
    fn study_only(record: &mut ApplicationRecord) {
        gongshu_base(record);
        record.evidence = Default::default();
        record.evidence.study.secondary_school = true;
        record.evidence_facts.study.enrolment_months = Some(12);
    }
    check_all(&[
        row(
            "a lease alone",
            gongshu_in_force,
            |r| {
                gongshu_residence_only(r);
                r.evidence.residence.rental.lease_contract = true
            },
            &[
                ("EVIDENCE_ITEM_MISSING", "evidence.residence.rental.rental_registration"),
                ("EVIDENCE_ITEM_MISSING", "evidence.residence.rental.safety_compliant"),
                ("RENTAL_CONTRACT_TERM_MISSING", "evidence_facts.rental.contract_months"),
                ("LANDLORD_TITLE_PROOF_MISSING", "evidence_facts.rental.landlord_title_proof"),
                ("HOUSING_TYPE_MISSING", "evidence_facts.rental.commercial_housing"),
            ],
        ),
        row("a complete commercial rental", gongshu_in_force, commercial_rental, &[]),
        row(
            "commercial housing without the lease filing",
            gongshu_in_force,
            |r| {
                commercial_rental(r);
                r.evidence.residence.rental.lease_filing = false
            },
            &[("LEASE_FILING_MISSING", "evidence.residence.rental.lease_filing")],
        ),
        row(
            "a private house needs no lease filing",
            gongshu_in_force,
            |r| {
                commercial_rental(r);
                r.evidence.residence.rental.lease_filing = false;
                r.evidence_facts.rental.commercial_housing = Some(false)
            },
            &[],
        ),
        row(
            "an 11-month lease",
            gongshu_in_force,
            |r| {
                commercial_rental(r);
                r.evidence_facts.rental.contract_months = Some(11)
            },
            &[("RENTAL_CONTRACT_TOO_SHORT", "evidence_facts.rental.contract_months")],
        ),
        row(
            "own home",
            gongshu_in_force,
            |r| {
                gongshu_residence_only(r);
                r.evidence.residence.own_home = true
            },
            &[],
        ),
        row(
            "a dormitory is no way in Gongshu",
            gongshu_in_force,
            |r| {
                gongshu_residence_only(r);
                r.evidence.residence.employer_dormitory = true
            },
            &[("CONDITION_NOT_MET", "evidence.residence")],
        ),
        row(
            "12 months of social insurance, 31-day gap",
            gongshu_in_force,
            |r| {
                social_insurance_only(r);
                r.evidence_facts.social_insurance.longest_gap_days = Some(31)
            },
            &[],
        ),
        row(
            "a 32-day gap is over one month",
            gongshu_in_force,
            |r| {
                social_insurance_only(r);
                r.evidence_facts.social_insurance.longest_gap_days = Some(32)
            },
            &[("SOCIAL_INSURANCE_GAP_TOO_LONG", "evidence_facts.social_insurance.longest_gap_days")],
        ),
        row(
            "11 months of social insurance",
            gongshu_in_force,
            |r| {
                social_insurance_only(r);
                r.evidence_facts.social_insurance.months = Some(11)
            },
            &[("SOCIAL_INSURANCE_TOO_SHORT", "evidence_facts.social_insurance.months")],
        ),
        row(
            "back-paid social insurance",
            gongshu_in_force,
            |r| {
                social_insurance_only(r);
                r.evidence_facts.social_insurance.back_paid = Some(true)
            },
            &[("SOCIAL_INSURANCE_BACK_PAID", "evidence_facts.social_insurance.back_paid")],
        ),
        row(
            "social insurance ticked without its certificate's facts",
            gongshu_in_force,
            |r| {
                social_insurance_only(r);
                r.evidence_facts.social_insurance = Default::default()
            },
            &[
                ("SOCIAL_INSURANCE_FACTS_MISSING", "evidence_facts.social_insurance.months"),
                ("SOCIAL_INSURANCE_FACTS_MISSING", "evidence_facts.social_insurance.longest_gap_days"),
                ("SOCIAL_INSURANCE_FACTS_MISSING", "evidence_facts.social_insurance.back_paid"),
            ],
        ),
        row(
            "a labour contract is no way in Gongshu",
            gongshu_in_force,
            |r| {
                social_insurance_only(r);
                r.evidence.employment.social_insurance = false
            },
            &[("CONDITION_NOT_MET", "evidence.employment")],
        ),
        row("12 months of enrolment", gongshu_in_force, study_only, &[]),
        row(
            "11 months of enrolment",
            gongshu_in_force,
            |r| {
                study_only(r);
                r.evidence_facts.study.enrolment_months = Some(11)
            },
            &[("ENROLMENT_TOO_SHORT", "evidence_facts.study.enrolment_months")],
        ),
        row(
            "enrolment not stated, two certificates: one item",
            gongshu_in_force,
            |r| {
                study_only(r);
                r.evidence.study.primary_school = true;
                r.evidence_facts.study.enrolment_months = None
            },
            &[("ENROLMENT_MONTHS_MISSING", "evidence_facts.study.enrolment_months")],
        ),
        row(
            "one condition met is enough",
            gongshu_in_force,
            |r| {
                gongshu_base(r);
                r.evidence_facts.rental = Default::default()
            },
            &[],
        ),
        row(
            "two conditions attempted, neither met: both listed",
            gongshu_in_force,
            |r| {
                gongshu_base(r);
                r.evidence_facts.social_insurance.months = Some(3);
                r.evidence.residence.rental = Default::default();
                r.evidence.residence.employer_dormitory = true
            },
            &[
                ("SOCIAL_INSURANCE_TOO_SHORT", "evidence_facts.social_insurance.months"),
                ("CONDITION_NOT_MET", "evidence.residence"),
            ],
        ),
    ]);
}

#[test]
fn minors_and_guardians() {
    fn minor_alone(record: &mut ApplicationRecord) {
        minor_with_mother(record);
        record.guardian = None;
    }
    fn gongshu_minor(record: &mut ApplicationRecord) {
        gongshu_residence_only(record);
        minor_with_mother(record);
        record.evidence.residence.own_home = true;
    }
    fn gongshu_minor_proven(record: &mut ApplicationRecord) {
        gongshu_minor(record);
        let minor = &mut record.evidence_facts.minor;
        minor.guardians_hold_permits = Some(true);
        minor.guardian_social_insurance_months = Some(12);
        minor.guardian_social_insurance_longest_gap_days = Some(0);
        minor.guardian_social_insurance_back_paid = Some(false);
    }
    fn guardian(record: &mut ApplicationRecord) -> &mut Guardian {
        minor_with_mother(record);
        record.guardian.as_mut().unwrap_or_else(|| unreachable!())
    }
    check_all(&[
        row("a minor without a guardian", jiande, minor_alone, &[("GUARDIAN_MISSING", "guardian")]),
        row(
            "a minor without a guardian, Gongshu",
            gongshu_in_force,
            |r| {
                gongshu_base(r);
                minor_alone(r)
            },
            &[("GUARDIAN_MISSING", "guardian")],
        ),
        row(
            "a guardian with a wrong check character",
            jiande,
            |r| guardian(r).id_number = "341203198501012023".to_owned(),
            &[("ID_NUMBER_CHECKSUM", "guardian.id_number")],
        ),
        row(
            "a guardian with a Taiwan permit number",
            jiande,
            |r| guardian(r).id_number = "830000199001010012".to_owned(),
            &[("ID_NUMBER_HK_MO_TW_PERMIT", "guardian.id_number")],
        ),
        // 《民法典》第十八条: 16–17 living on their own labour income have full capacity; a
        // parent of 17 is still the guardian (第二十七条), so the clerk confirms the income.
        row(
            "a 17-year-old guardian, income not confirmed",
            jiande,
            |r| guardian(r).id_number = SEVENTEEN_ID.to_owned(),
            &[("GUARDIAN_CAPACITY_UNCONFIRMED", "guardian.own_income")],
        ),
        row(
            "a 17-year-old guardian who lives on their own income",
            jiande,
            |r| {
                let g = guardian(r);
                g.id_number = SEVENTEEN_ID.to_owned();
                g.own_income = true
            },
            &[],
        ),
        row(
            "a 15-year-old guardian",
            jiande,
            |r| {
                let g = guardian(r);
                g.id_number = FIFTEEN_ID.to_owned();
                g.own_income = true
            },
            &[("GUARDIAN_NO_CAPACITY", "guardian.id_number")],
        ),
        row(
            "a guardian without name and relationship",
            jiande,
            |r| {
                let g = guardian(r);
                g.name.clear();
                g.relationship.clear()
            },
            &[
                ("REQUIRED_FIELD_MISSING", "guardian.name"),
                ("REQUIRED_FIELD_MISSING", "guardian.relationship"),
            ],
        ),
        row(
            "Gongshu minor by residence without the parents' proofs",
            gongshu_in_force,
            gongshu_minor,
            &[
                ("GUARDIAN_PERMITS_MISSING", "evidence_facts.minor.guardians_hold_permits"),
                (
                    "GUARDIAN_SOCIAL_INSURANCE_MISSING",
                    "evidence_facts.minor.guardian_social_insurance_months",
                ),
                (
                    "GUARDIAN_SOCIAL_INSURANCE_MISSING",
                    "evidence_facts.minor.guardian_social_insurance_longest_gap_days",
                ),
                (
                    "GUARDIAN_SOCIAL_INSURANCE_MISSING",
                    "evidence_facts.minor.guardian_social_insurance_back_paid",
                ),
            ],
        ),
        row(
            "Gongshu minor by residence with the parents' proofs",
            gongshu_in_force,
            gongshu_minor_proven,
            &[],
        ),
        // 「满1年以上（不含一个月以上中断或补缴，下同）」: 下同 carries the rule to the guardian.
        row(
            "Gongshu: the guardian's insurance broken for 32 days",
            gongshu_in_force,
            |r| {
                gongshu_minor_proven(r);
                r.evidence_facts.minor.guardian_social_insurance_longest_gap_days = Some(32);
            },
            &[(
                "GUARDIAN_SOCIAL_INSURANCE_GAP_TOO_LONG",
                "evidence_facts.minor.guardian_social_insurance_longest_gap_days",
            )],
        ),
        row(
            "Gongshu: the guardian's insurance back-paid",
            gongshu_in_force,
            |r| {
                gongshu_minor_proven(r);
                r.evidence_facts.minor.guardian_social_insurance_back_paid = Some(true);
            },
            &[(
                "GUARDIAN_SOCIAL_INSURANCE_BACK_PAID",
                "evidence_facts.minor.guardian_social_insurance_back_paid",
            )],
        ),
        row(
            "Gongshu minor by study: one parent's insurance 11 months",
            gongshu_in_force,
            |r| {
                gongshu_minor(r);
                r.evidence.residence.own_home = false;
                r.evidence.study.primary_school = true;
                r.evidence_facts.study.enrolment_months = Some(24);
                r.evidence_facts.minor.guardian_social_insurance_months = Some(11);
                r.evidence_facts.minor.guardian_social_insurance_longest_gap_days = Some(0);
                r.evidence_facts.minor.guardian_social_insurance_back_paid = Some(false);
            },
            &[(
                "GUARDIAN_SOCIAL_INSURANCE_TOO_SHORT",
                "evidence_facts.minor.guardian_social_insurance_months",
            )],
        ),
        row(
            "Jiande sets no parents' proofs",
            jiande,
            |r| {
                minor_with_mother(r);
                r.evidence = Default::default();
                r.evidence.study.primary_school = true
            },
            &[],
        ),
    ]);
}

#[test]
fn profile_in_force_and_declaration() {
    fn registered_since_2023(record: &mut ApplicationRecord) {
        record.registration_history = vec![period("330182", "2023-01-01", None)];
    }
    check_all(&[
        Row {
            why: "the day before Jiande's measures take effect",
            profile: jiande,
            today: "2024-06-16",
            edit: registered_since_2023,
            expected: &[("PROFILE_NOT_IN_FORCE", "")],
        },
        Row {
            why: "the day they take effect",
            profile: jiande,
            today: "2024-06-17",
            edit: registered_since_2023,
            expected: &[],
        },
        Row {
            why: "Haiyan before 4 July 2024",
            profile: haiyan,
            today: "2024-07-03",
            edit: registered_since_2023,
            expected: &[("PROFILE_NOT_IN_FORCE", "")],
        },
        row(
            "declaration not signed",
            jiande,
            |r| r.declaration.signed = false,
            &[("DECLARATION_NOT_SIGNED", "declaration.signed")],
        ),
        row(
            "signed without a date",
            jiande,
            |r| r.declaration.date = None,
            &[("REQUIRED_FIELD_MISSING", "declaration.date")],
        ),
        row(
            "signed tomorrow",
            jiande,
            |r| r.declaration.date = Some(day("2025-03-11")),
            &[("DECLARATION_DATE_INVALID", "declaration.date")],
        ),
    ]);
}

/// The point of the one-time notice: everything at once, in the form's order.
#[test]
fn five_problems_at_once_are_all_listed() {
    let mut record = complete_record();
    record.applicant.id_number = "341203199003071218".to_owned();
    record.applicant.ethnic_group = "60".to_owned();
    record.phone_number = "1381234567".to_owned();
    record.evidence = Default::default();
    record.declaration.signed = false;
    let assessment = assess_checked(&record, &jiande(), day(TODAY));
    assert_eq!(assessment.decision, Decision::Notice);
    assert_eq!(
        assessment.codes(),
        [
            "ID_NUMBER_CHECKSUM",
            "ETHNIC_GROUP_INVALID",
            "PHONE_NUMBER_INVALID",
            "EVIDENCE_NONE",
            "DECLARATION_NOT_SIGNED"
        ],
        "five problems give five items, in the form's order: {:#?}",
        assessment.items
    );
}

#[test]
fn a_blank_draft_lists_every_required_field() {
    let assessment = assess_checked(&ApplicationRecord::new(), &jiande(), day(TODAY));
    let fields: Vec<&str> = assessment.items.iter().map(|item| item.field.as_str()).collect();
    for field in [
        "applicant.id_number",
        "applicant.name",
        "applicant.gender",
        "applicant.ethnic_group",
        "household_registration.province_code",
        "household_registration.county_code",
        "household_registration.address",
        "current_address.county_code",
        "current_address.address",
        "recognition_type",
        "evidence",
        "declaration.signed",
    ] {
        assert!(fields.contains(&field), "a blank form's notice names {field}: {fields:?}");
    }
    assert!(
        !fields.contains(&"application_number"),
        "the application number is assigned on acceptance, not asked for"
    );
    assert!(!fields.contains(&"phone_number"), "the phone is not on Annex 1 and is optional");
}

#[test]
fn messages_speak_to_the_applicant() {
    let mut record = complete_record();
    record.applicant.id_number = MINOR_ID.to_owned();
    record.applicant.gender = Some(Gender::Female);
    let assessment = assess_checked(&record, &jiande(), day(TODAY));
    assert_eq!(assessment.codes(), ["GUARDIAN_MISSING"]);
    assert!(
        assessment.items[0].message.contains("未满16周岁（12周岁）"),
        "the notice gives the rule and the age: {}",
        assessment.items[0].message
    );
    let mut record = complete_record();
    record.evidence = Default::default();
    record.evidence.residence.rental.taxes_paid = true;
    let assessment = assess_checked(&record, &jiande(), day(TODAY));
    let message = &assessment.items[0].message;
    assert!(
        message.contains("自购房屋") && message.contains("签订租赁合同"),
        "CONDITION_NOT_MET lists the ways: {message}"
    );
}

/// The examples in `docs/examples` assess as `docs/application-record.md` says.
#[test]
fn docs_examples_assess_as_documented() {
    let example = |file: &str| {
        let path = crate::fixtures::workspace_root().join("docs/examples").join(file);
        ApplicationRecord::from_json(&std::fs::read_to_string(&path).expect("read example"))
            .expect("example parses")
    };
    let today = day(TODAY);
    assert_eq!(
        assess_checked(&example("application-complete.json"), &jiande(), today).codes(),
        Vec::<&str>::new(),
        "complete: Jiande accepts"
    );
    assert_eq!(
        assess_checked(&example("application-existing-permit.json"), &haiyan(), today).codes(),
        Vec::<&str>::new(),
        "existing permit: Haiyan accepts"
    );
    let incomplete = assess_checked(&example("application-incomplete.json"), &jiande(), today);
    assert_eq!(incomplete.decision, Decision::Notice, "materials only: the applicant may come back");
    assert_eq!(
        code_fields(&incomplete),
        [
            ("PHONE_NUMBER_INVALID", "phone_number"),
            ("OTHER_DESCRIPTION_MISSING", "evidence.study.other.description"),
            ("GUARDIAN_MISSING", "guardian"),
            ("DECLARATION_NOT_SIGNED", "declaration.signed"),
        ],
        "incomplete: every problem at once: {:#?}",
        incomplete.items
    );
    let local = assess_checked(&example("application-not-eligible.json"), &jiande(), today);
    assert_eq!(local.decision, Decision::NotEligible, "a local applicant is told so, not asked for papers");
    assert_eq!(local.codes(), ["LOCAL_APPLICANT"]);
}

#[test]
fn guardian_id_number_sentences_name_the_guardian() {
    let mut record = complete_record();
    minor_with_mother(&mut record);
    if let Some(guardian) = record.guardian.as_mut() {
        guardian.id_number.clear();
    }
    let assessment = assess_checked(&record, &jiande(), day(TODAY));
    let item = assessment
        .items
        .iter()
        .find(|item| item.field == "guardian.id_number")
        .expect("a blank guardian ID number is in the notice");
    assert!(
        item.message.starts_with("监护人："),
        "the applicant must not read it as their own: {}",
        item.message
    );
}

#[test]
fn ticked_evidence_without_a_scanned_page_is_named_without_changing_the_decision() {
    use domain::assessment::unscanned_evidence;
    use domain::record::EvidenceItem;

    let mut record = complete_record();
    record.evidence.employment.labour_contract = true;
    record.evidence.study.other.ticked = true;
    let ticked: Vec<EvidenceItem> =
        EvidenceItem::ALL.into_iter().filter(|item| item.is_ticked(&record.evidence)).collect();
    assert!(ticked.len() >= 3, "the fixture ticks some evidence too: {ticked:?}");

    let none_scanned = unscanned_evidence(&record, &[]);
    assert_eq!(none_scanned.len(), ticked.len(), "every ticked box is named: {none_scanned:#?}");
    assert!(none_scanned.iter().all(|item| item.code == "EVIDENCE_PAGE_MISSING"));
    let fields: Vec<String> = ticked.iter().map(|item| item.field()).collect();
    assert_eq!(none_scanned.iter().map(|item| item.field.clone()).collect::<Vec<_>>(), fields, "form order");
    let contract = none_scanned
        .iter()
        .find(|item| item.field == "evidence.employment.labour_contract")
        .expect("the labour contract is named");
    assert_eq!(
        contract.message,
        "“签订劳动合同”已勾选但未附扫描件，请提交该证明材料原件，扫描或拍照后附入本案。"
    );

    assert!(unscanned_evidence(&record, &ticked).is_empty(), "every ticked box has a page");
    let all_but_contract: Vec<EvidenceItem> =
        ticked.iter().copied().filter(|item| *item != EvidenceItem::LabourContract).collect();
    let one_left: Vec<(String, String)> = unscanned_evidence(&record, &all_but_contract)
        .into_iter()
        .map(|item| (item.code, item.field))
        .collect();
    assert_eq!(
        one_left,
        [("EVIDENCE_PAGE_MISSING".to_owned(), "evidence.employment.labour_contract".to_owned())]
    );
    assert!(unscanned_evidence(&ApplicationRecord::new(), &[]).is_empty(), "nothing ticked, nothing to scan");
    // A page linked to an unticked box proves nothing the form claims, and names nothing.
    assert!(unscanned_evidence(&ApplicationRecord::new(), &[EvidenceItem::OwnHome]).is_empty());

    let assessment = assess_checked(&record, &jiande(), day(TODAY));
    assert!(
        !assessment.codes().contains(&"EVIDENCE_PAGE_MISSING"),
        "the assessment itself does not know about pages"
    );
    assert_eq!(EvidenceItem::from_key("employment.labour_contract"), Some(EvidenceItem::LabourContract));
    assert_eq!(EvidenceItem::from_key("evidence.employment.labour_contract"), None);
    assert!(EvidenceItem::ALL.iter().all(|item| EvidenceItem::from_key(item.key()) == Some(*item)));
}
