//! The application record's JSON form: frozen by a golden file, documented by the examples.

use domain::Gender;
use domain::record::{
    ApplicationRecord, EndorsementStatus, EvidenceItem, ExistingPermit, Guardian, Opinion, RecognitionType,
    RecordError, SCHEMA_VERSION, SpecialCase, SpecialCaseKind,
};

use crate::fixtures::{MINOR_ID, MOTHER_ID, complete_record, day, period, workspace_root};

/// A record with every field set to a non-empty value, so the golden file pins every key
/// and the shape of every value (dates, enums, nulls).
fn every_field_record() -> ApplicationRecord {
    let mut record = complete_record();
    record.application_number = "330182-2025-000123".to_owned();
    record.applicant.id_number = MINOR_ID.to_owned();
    record.applicant.name = "张小雨".to_owned();
    record.applicant.gender = Some(Gender::Female);
    record.applicant.ethnic_group = "22".to_owned();
    record.recognition_type = Some(RecognitionType::ExistingPermit);
    record.evidence.employment.agricultural_contract = true;
    record.evidence.employment.business_licence = true;
    record.evidence.employment.other.ticked = true;
    record.evidence.employment.other.description = "村委会出具的务工证明".to_owned();
    record.evidence.residence.own_home = true;
    record.evidence.residence.employer_dormitory = true;
    record.evidence.residence.rental.lease_filing = true;
    record.evidence.residence.rental.safety_compliant = true;
    record.evidence.residence.rental.taxes_paid = true;
    record.evidence.residence.rental.other.ticked = true;
    record.evidence.residence.rental.other.description = "出租人出具的住宿证明".to_owned();
    record.evidence.study.other.ticked = true;
    record.evidence.study.other.description = "亲属房屋借住证明".to_owned();
    record.evidence.study.primary_school = true;
    record.evidence.study.secondary_school = true;
    record.evidence.study.vocational_school = true;
    record.evidence.study.higher_education = true;
    record.evidence_facts.rental.contract_months = Some(12);
    record.evidence_facts.rental.commercial_housing = Some(true);
    record.evidence_facts.rental.landlord_title_proof = Some(true);
    record.evidence_facts.social_insurance.months = Some(14);
    record.evidence_facts.social_insurance.longest_gap_days = Some(0);
    record.evidence_facts.social_insurance.back_paid = Some(false);
    record.evidence_facts.study.enrolment_months = Some(18);
    record.evidence_facts.minor.guardians_hold_permits = Some(true);
    record.evidence_facts.minor.guardian_social_insurance_months = Some(24);
    record.existing_permit = Some(ExistingPermit {
        number: "330106202300001234".to_owned(),
        issuing_county_code: "330106".to_owned(),
        issue_date: Some(day("2023-05-20")),
        endorsement: Some(EndorsementStatus::Current),
    });
    record.registration_history =
        vec![period("330106", "2023-05-01", Some("2024-06-30")), period("330182", "2024-07-10", None)];
    record.guardian = Some(Guardian {
        name: "李芳".to_owned(),
        id_number: MOTHER_ID.to_owned(),
        relationship: "母亲".to_owned(),
        own_income: true,
    });
    let opinion = |text: &str, person: &str| Opinion {
        text: text.to_owned(),
        person: person.to_owned(),
        date: Some(day("2025-03-10")),
    };
    record.opinions.acceptance = opinion("材料齐全，予以受理", "王受理");
    record.opinions.review = opinion("审核通过", "陈审核");
    record.opinions.approval = opinion("同意签发", "刘审批");
    record.evidence_facts.minor.guardian_social_insurance_longest_gap_days = Some(0);
    record.evidence_facts.minor.guardian_social_insurance_back_paid = Some(false);
    record.special_case = Some(SpecialCase {
        kind: Some(SpecialCaseKind::Talent),
        proof: "建德市人才认定文件（建人才〔2025〕3号）".to_owned(),
    });
    record.remarks = "申请表随证明材料一人一档保管".to_owned();
    record
}

/// Do not change version 1: if this fails because a field was added or renamed, add a
/// schema version instead (docs/application-record.md). Re-bless a deliberate change of
/// the fixture only with `UPDATE_GOLDEN=1 cargo test -p domain --test intake`.
#[test]
fn record_v2_json_is_frozen() {
    let path = workspace_root().join("crates/domain/tests/golden/application-record-v2.json");
    let actual = format!("{}\n", serde_json::to_string_pretty(&every_field_record()).expect("serialise"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).expect("write golden");
    }
    let golden = std::fs::read_to_string(&path).expect("read golden (bless with UPDATE_GOLDEN=1)");
    assert_eq!(actual, golden, "the v2 JSON form of the record changed; add a schema version instead");
    let parsed = ApplicationRecord::from_json(&golden).expect("golden parses");
    assert_eq!(parsed, every_field_record(), "the golden file reads back into the same record");
}

/// Version 1 records (kept by offices and sent to the platform before version 2) still read:
/// the standalone 其他 box, which version 1 called `evidence.residence.other`, is the
/// same paper box as version 2's `evidence.study.other`; the new fields are empty.
#[test]
fn record_v1_still_reads_as_version_2() {
    let path = workspace_root().join("crates/domain/tests/golden/application-record-v1.json");
    let golden = std::fs::read_to_string(&path).expect("read the frozen v1 golden file");
    assert!(golden.contains("\"schema_version\": 1"), "the v1 golden file is never re-blessed");
    let parsed = ApplicationRecord::from_json(&golden).expect("a v1 record reads");
    let mut expected = every_field_record();
    expected.evidence_facts.minor.guardian_social_insurance_longest_gap_days = None;
    expected.evidence_facts.minor.guardian_social_insurance_back_paid = None;
    expected.special_case = None;
    if let Some(guardian) = expected.guardian.as_mut() {
        guardian.own_income = false;
    }
    assert_eq!(parsed, expected, "v1 reads as the same application in version 2");
    assert_eq!(parsed.evidence.study.other.description, "亲属房屋借住证明", "the box moved with its text");
    assert_eq!(parsed.schema_version, SCHEMA_VERSION, "it is written back as version 2");
}

#[test]
fn complete_example_in_docs_is_the_fixture() {
    let path = workspace_root().join("docs/examples/application-complete.json");
    let text = std::fs::read_to_string(&path).expect("read docs example");
    let parsed = ApplicationRecord::from_json(&text).expect("docs example parses");
    assert_eq!(
        parsed,
        complete_record(),
        "docs/examples/application-complete.json must stay the documented fixture"
    );
}

#[test]
fn every_docs_example_parses() {
    let dir = workspace_root().join("docs/examples");
    let mut n_examples = 0;
    for entry in std::fs::read_dir(&dir).expect("docs/examples exists") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let text = std::fs::read_to_string(&path).expect("read example");
            ApplicationRecord::from_json(&text)
                .unwrap_or_else(|e| panic!("{} should parse: {e}", path.display()));
            n_examples += 1;
        }
    }
    assert!(n_examples >= 2, "docs/examples holds at least a complete and an incomplete application");
}

#[test]
fn schema_version_is_checked_before_the_shape() {
    let check = |text: &str, expected: &str| {
        let error = ApplicationRecord::from_json(text).expect_err("should be refused");
        let found = match &error {
            RecordError::Json(_) => "json",
            RecordError::MissingSchemaVersion => "missing",
            RecordError::UnsupportedSchemaVersion { .. } => "unsupported",
        };
        assert_eq!(found, expected, "{text}: {error}");
    };
    check("{}", "missing");
    check(r#"{"schema_version": "1"}"#, "missing");
    check(r#"{"schema_version": 3, "brand_new_field": true}"#, "unsupported");
    check(r#"{"schema_version": 2, "brand_new_field": true}"#, "json");
    check(r#"{"schema_version": 1, "applicant": {"nmae": "张伟"}}"#, "json");
    check(r#"{"schema_version": 1, "recognition_type": "both"}"#, "json");
    check("not json", "json");
    let draft = ApplicationRecord::from_json(r#"{"schema_version": 1}"#).expect("an empty draft parses");
    assert_eq!(draft, ApplicationRecord::new(), "missing keys take their empty values");
    assert_eq!(draft.schema_version, SCHEMA_VERSION);
}

/// Each evidence key names exactly the checkbox at that path of the JSON form, so profiles
/// that refer to keys refer to the boxes the clerk ticks.
#[test]
fn evidence_keys_are_record_paths() {
    for item in EvidenceItem::ALL {
        let serialised = serde_json::to_value(item).expect("serialise item");
        assert_eq!(serialised, item.key(), "the serde name of {item:?} is its key");
        let mut value = serde_json::to_value(ApplicationRecord::new()).expect("serialise record");
        let mut pointer = format!("/evidence/{}", item.key().replace('.', "/"));
        if item.key().ends_with(".other") {
            pointer.push_str("/ticked");
        }
        *value.pointer_mut(&pointer).unwrap_or_else(|| panic!("{pointer} exists in the JSON form")) =
            serde_json::Value::Bool(true);
        let record: ApplicationRecord = serde_json::from_value(value).expect("deserialise");
        let ticked: Vec<EvidenceItem> =
            EvidenceItem::ALL.into_iter().filter(|other| other.is_ticked(&record.evidence)).collect();
        assert_eq!(ticked, vec![item], "setting {pointer} ticks {item:?} and nothing else");
        assert!(item.field().ends_with(item.key()), "field path of {item:?}");
    }
}

#[test]
fn changed_fields_name_what_the_counter_revised_not_what_the_steps_wrote() {
    use domain::changes::changed_fields;
    let before = complete_record();
    assert!(changed_fields(&before, &before).is_empty());

    let mut after = before.clone();
    after.application_number = "3301822026000123".to_owned();
    after.opinions.acceptance.text = "符合条件，予以受理".to_owned();
    assert!(changed_fields(&before, &after).is_empty(), "opinions and the number are the steps' own");

    after.evidence.employment.labour_contract = false;
    after.evidence.employment.agricultural_contract = true;
    after.current_address.address.push_str("（东门）");
    after.registration_history[0].end = Some(day("2024-07-09"));
    assert_eq!(
        changed_fields(&before, &after),
        [
            "current_address.address",
            "evidence.employment.agricultural_contract",
            "evidence.employment.labour_contract",
            "registration_history.0",
        ]
    );

    let mut longer = before.clone();
    longer.registration_history.push(period("330182", "2025-01-01", None));
    assert_eq!(changed_fields(&before, &longer), ["registration_history"]);
}
