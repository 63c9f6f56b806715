//! The three answers: accept, a notice of materials (补正), or not eligible (不符合互认条件).
//!
//! The seeds name two different refusals: 「对申请材料不齐全的，应当一次性告知当事人需要补充的
//! 材料」 and 「对不符合互认条件的，无论线上或线下均必须一次性告知理由」 (盐政办发〔2024〕10号;
//! 建政办函〔2024〕18号 and 青政办发〔2023〕35号 say the second; Gongshu's draft says both:
//! 「对材料不全的，应当一次性告知需要补充的材料；对不符合申领条件的，应当告知申领人并说明理由」).
//! No paper can make a not-eligible applicant eligible, so the answer must not ask for any.

use domain::assessment::{Decision, ItemKind, code};
use domain::profile::{PolicyProfile, same_county_or_urban_area, urban_area_of};
use domain::record::{ApplicationRecord, SpecialCase, SpecialCaseKind};

use crate::fixtures::{
    TODAY, assess_checked, complete_record, day, gongshu, gongshu_in_force, haiyan, jiande, living_in,
    province, qingtian, workspace_root,
};

fn shipped() -> Vec<PolicyProfile> {
    vec![jiande(), haiyan(), qingtian(), gongshu(), province()]
}

fn local(record: &mut ApplicationRecord, county: &str) {
    record.household_registration.province_code = "330000".to_owned();
    record.household_registration.county_code = county.to_owned();
}

#[test]
fn each_county_says_which_rules_decide_eligibility_and_on_what_sentence() {
    // The answers no paper changes, in every county.
    for profile in shipped() {
        for code in [
            "ID_NUMBER_HK_MO_TW_PERMIT",
            "ID_NUMBER_FOREIGN_PERMANENT_RESIDENT",
            code::PROFILE_NOT_IN_FORCE,
            code::LOCAL_APPLICANT,
            code::EXISTING_PERMIT_NOT_ZHEJIANG,
            code::EXISTING_PERMIT_TERMINATED,
            code::REGISTRATION_TIME_SHORT,
            code::REGISTRATION_NOT_RECENT,
        ] {
            let rule = profile
                .eligibility_rule(code)
                .unwrap_or_else(|| panic!("{} classes {code} as eligibility", profile.county.name));
            assert!(
                rule.basis.chars().count() > 10,
                "{} {code}: the sentence it rests on",
                profile.county.name
            );
        }
        // What papers can fix is never an eligibility reason.
        for code in [
            code::REQUIRED_FIELD_MISSING,
            code::PHONE_NUMBER_INVALID,
            code::EVIDENCE_NONE,
            code::CONDITION_NOT_MET,
            code::GUARDIAN_MISSING,
            code::DECLARATION_NOT_SIGNED,
        ] {
            assert!(
                profile.eligibility_rule(code).is_none(),
                "{} {code} asks for materials",
                profile.county.name
            );
        }
    }
    assert!(province().eligibility_rule(code::RECOGNITION_NOT_IMPLEMENTED).is_some());
    // The registration sentence is quoted from the county's own document.
    let basis = |profile: PolicyProfile| {
        profile.eligibility_rule(code::REGISTRATION_TIME_SHORT).map(|r| r.basis.clone()).unwrap_or_default()
    };
    assert!(basis(jiande()).contains("期间中断不超过30日"));
    assert!(basis(haiyan()).contains("累计居住登记满六个月"));
    assert!(basis(qingtian()).contains("累计连续登记满六个月"));
    assert!(basis(gongshu()).contains("连续居住半年以上"));
    assert!(basis(province()).contains("在居住地居住半年以上"));
}

#[test]
fn three_answers() {
    let today = day(TODAY);
    // Accept.
    let accepted = assess_checked(&complete_record(), &jiande(), today);
    assert_eq!(accepted.decision, Decision::Accept);
    // Materials only: the notice, and the applicant may come back.
    let mut record = complete_record();
    record.declaration.signed = false;
    record.evidence = Default::default();
    let notice = assess_checked(&record, &jiande(), today);
    assert_eq!(notice.decision, Decision::Notice);
    assert!(notice.items.iter().all(|item| item.kind == ItemKind::Materials && item.basis.is_empty()));
    assert!(notice.reasons().is_empty());
    // A local applicant who also forgot to sign: not eligible, and the reasons are the
    // eligibility items only (the signature would not help).
    local(&mut record, "330182");
    let refused = assess_checked(&record, &jiande(), today);
    assert_eq!(refused.decision, Decision::NotEligible);
    let reasons: Vec<&str> = refused.reasons().iter().map(|item| item.code.as_str()).collect();
    assert_eq!(reasons, [code::LOCAL_APPLICANT]);
    assert!(
        refused.items.iter().any(|item| item.code == code::DECLARATION_NOT_SIGNED),
        "the clerk still sees it"
    );
    assert!(refused.reasons()[0].basis.contains("流动人口"), "{:?}", refused.reasons()[0]);
}

#[test]
fn hong_kong_macau_taiwan_and_foreign_applicants_are_sent_to_their_channel() {
    for (number, channel) in [
        ("810000199001010012", "港澳台居民居住证"),
        ("830000199001010012", "港澳台居民居住证"),
        ("910000199001010012", "住宿登记"),
    ] {
        let mut record = complete_record();
        record.applicant.id_number = number.to_owned();
        let assessment = assess_checked(&record, &haiyan(), day(TODAY));
        assert_eq!(assessment.decision, Decision::NotEligible, "{number}");
        assert!(assessment.reasons()[0].message.contains(channel), "{number}: says where to go instead");
    }
}

#[test]
fn living_elsewhere_is_not_eligible_here() {
    let assessment = assess_checked(&living_in("330424"), &jiande(), day(TODAY));
    assert_eq!(assessment.decision, Decision::NotEligible);
    assert!(assessment.reasons()[0].message.contains("居住地所在县"), "and says where to apply");
}

/// 浙政办发〔2023〕41号 「有条件的地方探索推行居住证互认、转换办理集成应用」 encourages; it does
/// not switch mutual recognition on in a county that issued no implementing document.
#[test]
fn the_provincial_default_never_accepts_by_itself() {
    let assessment = assess_checked(&living_in("330127"), &province(), day(TODAY));
    assert_eq!(assessment.decision, Decision::NotEligible);
    let reason = &assessment.reasons()[0];
    assert_eq!(reason.code, code::RECOGNITION_NOT_IMPLEMENTED);
    assert!(reason.message.contains("申领居住证"), "it names the channel: {}", reason.message);
    assert!(!province().recognition.implemented && jiande().recognition.implemented);
    assert!(!province().summary().implements_recognition);
}

/// 「在其他县（市）、设区市市区居住的」: moving between two districts of one 设区市's urban area
/// is not moving between counties.
#[test]
fn a_move_inside_one_city_urban_area_is_not_floating() {
    assert_eq!(urban_area_of("330105"), Some("3301"), "拱墅区 is a 市辖区 of 杭州");
    assert_eq!(urban_area_of("330182"), None, "建德市 is a county-level city, its own area");
    assert_eq!(urban_area_of("330122"), None, "桐庐县 is a county");
    assert_eq!(urban_area_of("330100"), None, "the city itself is no county");
    assert!(same_county_or_urban_area("330106", "330105"), "西湖区 and 拱墅区");
    assert!(same_county_or_urban_area("330182", "330182"));
    assert!(!same_county_or_urban_area("330106", "330182"), "西湖区 and 建德市");
    assert!(!same_county_or_urban_area("330106", "330402"), "杭州 and 嘉兴");
    // Household in 西湖区, living in 拱墅区: local under the provincial rule.
    let mut record = living_in("330105");
    local(&mut record, "330106");
    let assessment = assess_checked(&record, &province(), day(TODAY));
    assert!(assessment.codes().contains(&code::LOCAL_APPLICANT), "{:#?}", assessment.items);
    // Household in 西湖区, living in 建德市: floating population.
    let mut record = complete_record();
    local(&mut record, "330106");
    assert_eq!(assess_checked(&record, &jiande(), day(TODAY)).decision, Decision::Accept);
}

/// The coding rule `urban_area_of` rests on (GB/T 2260: 01–20 市辖区, 21–80 县, 81–99 县级市),
/// checked against every Zhejiang county-level unit of the shipped division list.
#[test]
fn the_district_rule_holds_for_every_zhejiang_code() {
    let text =
        std::fs::read_to_string(workspace_root().join("assets/reference/divisions.csv")).expect("read");
    let mut checked = 0;
    for line in text.lines().filter(|line| line.starts_with("33")) {
        let fields: Vec<&str> = line.split(',').collect();
        let (code, name, level) = (fields[0], fields[1], fields[2]);
        if level != "county" {
            continue;
        }
        assert_eq!(urban_area_of(code).is_some(), name.ends_with('区'), "{code} {name}");
        checked += 1;
    }
    assert_eq!(checked, 90, "Zhejiang has 90 county-level units");
}

#[test]
fn an_undated_draft_is_not_in_force_until_its_date_is_recorded() {
    let mut record = living_in("330105");
    record.registration_history = vec![crate::fixtures::period("330105", "2024-01-01", None)];
    record.evidence = Default::default();
    record.evidence.residence.own_home = true;
    let draft = assess_checked(&record, &gongshu(), day(TODAY));
    assert_eq!(draft.decision, Decision::NotEligible);
    assert_eq!(draft.codes(), [code::PROFILE_NOT_IN_FORCE]);
    assert!(draft.items[0].message.contains("征求意见稿"), "{}", draft.items[0].message);
    assert_eq!(assess_checked(&record, &gongshu_in_force(), day(TODAY)).decision, Decision::Accept);
}

#[test]
fn without_a_phone_the_applicant_gets_the_paper_slip() {
    let mut record = complete_record();
    assert!(!record.needs_paper_slip());
    record.phone_number = "  ".to_owned();
    assert!(record.needs_paper_slip());
    assert_eq!(assess_checked(&record, &jiande(), day(TODAY)).decision, Decision::Accept, "never blocks");
}

/// 「除《浙江省流动人口居住登记条例》有特别规定外」: investors and introduced talent are exempt
/// from the six months; Gongshu exchanges 《浙江省引进人才居住证》 directly.
#[test]
fn special_cases_of_the_regulation() {
    let special =
        |kind: Option<SpecialCaseKind>, proof: &str| Some(SpecialCase { kind, proof: proof.to_owned() });
    let mut record = complete_record();
    record.registration_history = vec![crate::fixtures::period("330182", "2025-02-01", None)];
    assert_eq!(assess_checked(&record, &jiande(), day(TODAY)).codes(), [code::REGISTRATION_TIME_SHORT]);
    record.special_case = special(Some(SpecialCaseKind::Talent), "建人才认〔2025〕12号");
    assert_eq!(
        assess_checked(&record, &jiande(), day(TODAY)).decision,
        Decision::Accept,
        "six months waived"
    );
    record.special_case = special(Some(SpecialCaseKind::Investment), "");
    assert_eq!(
        assess_checked(&record, &jiande(), day(TODAY)).codes(),
        [code::SPECIAL_CASE_PROOF_MISSING, code::REGISTRATION_TIME_SHORT],
        "without its proof the exemption does not apply"
    );
    record.special_case = special(None, "x");
    assert!(assess_checked(&record, &jiande(), day(TODAY)).codes().contains(&code::REQUIRED_FIELD_MISSING));
    // The exemption waives the time, not the conditions.
    record.special_case = special(Some(SpecialCaseKind::Talent), "建人才认〔2025〕12号");
    record.evidence = Default::default();
    assert_eq!(assess_checked(&record, &jiande(), day(TODAY)).codes(), [code::EVIDENCE_NONE]);
    // Jiande's document does not provide for the talent permit's exchange.
    record.special_case = special(Some(SpecialCaseKind::TalentPermitExchange), "ZJRC2024000123");
    assert!(
        assess_checked(&record, &jiande(), day(TODAY)).codes().contains(&code::SPECIAL_CASE_NOT_APPLICABLE)
    );
    // Gongshu: 「持有有效《浙江省引进人才居住证》的可直接换领」: no time, no conditions.
    let mut record = living_in("330105");
    record.registration_history.clear();
    record.evidence = Default::default();
    record.special_case = special(Some(SpecialCaseKind::TalentPermitExchange), "ZJRC2024000123");
    assert_eq!(assess_checked(&record, &gongshu_in_force(), day(TODAY)).decision, Decision::Accept);
}

#[test]
fn the_summary_says_what_the_form_must_ask() {
    // Only Gongshu sets measured terms behind the ticks (a 1-year lease, insurance without
    // long breaks, a minor's parents' proofs): the form opens 证明材料的具体情况 for it alone.
    assert!(gongshu().summary().asks_evidence_facts);
    for other in [jiande(), haiyan(), qingtian(), province()] {
        assert!(!other.summary().asks_evidence_facts, "{}", other.county.name);
    }
    // The guardian's age limit is the profile's, as the assessment uses it.
    for profile in [jiande(), haiyan(), qingtian(), gongshu(), province()] {
        assert_eq!(profile.summary().guardian_below_age, profile.minors.age_below);
    }
}
