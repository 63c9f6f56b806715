//! The assessment explained rule by rule: the sentences a reviewer checks, and each rule's
//! outcome, for every kind of rule (the registration sum with a tolerated break, a chain
//! broken by a long gap, a continuous run, Gongshu's insurance facts, a minor's guardian,
//! the evidence boxes with their pages).

use domain::assessment::{ExplainedRule, Outcome, PageRef, explain};
use domain::profile::PolicyProfile;
use domain::record::{ApplicationRecord, EvidenceItem, Guardian, SpecialCase, SpecialCaseKind};

use crate::fixtures::{
    MINOR_ID, MOTHER_ID, assess_checked, complete_record, gongshu_in_force, jiande, living_in, period,
    qingtian, today,
};

fn explained(record: &ApplicationRecord, profile: &PolicyProfile, pages: &[PageRef]) -> Vec<ExplainedRule> {
    let assessment = assess_checked(record, profile, today());
    explain(record, profile, today(), &assessment, Some(pages))
}

fn rule<'a>(rules: &'a [ExplainedRule], key: &str) -> &'a ExplainedRule {
    rules.iter().find(|rule| rule.key == key).unwrap_or_else(|| panic!("no rule {key}: {rules:#?}"))
}

#[test]
fn an_accepted_application_is_explained_rule_by_rule_with_its_pages() {
    let pages = [
        PageRef { item: EvidenceItem::LabourContract, position: 2 },
        PageRef { item: EvidenceItem::LabourContract, position: 1 },
        PageRef { item: EvidenceItem::LeaseContract, position: 3 },
    ];
    let rules = explained(&complete_record(), &jiande(), &pages);
    let keys: Vec<&str> = rules.iter().map(|rule| rule.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "policy",
            "applicant",
            "residence",
            "registration_time",
            "employment",
            "residence_evidence",
            "study",
            "declaration"
        ]
    );
    for rule in &rules {
        let expected = if rule.key == "study" { Outcome::NotApplicable } else { Outcome::Met };
        assert_eq!(rule.outcome, expected, "{rule:?}");
    }
    assert_eq!(
        rule(&rules, "policy").sentence,
        "建德市《建德市〈浙江省居住证〉互认制度改革工作实施办法》（建政办函〔2024〕18号），自2024年6月17日起施行。"
    );
    assert_eq!(
        rule(&rules, "applicant").sentence,
        "公民身份号码校验通过，出生日期1990年3月7日，申请时35周岁。"
    );
    // 2024-03-01..06-30 in 西湖区, a 9-day break, then 建德 from 07-10: Jiande sums periods
    // across Zhejiang with breaks of up to 30 days.
    assert_eq!(
        rule(&rules, "registration_time").sentence,
        "在浙江省内连续累计居住登记12个月1日（2024年3月1日至今，共2段），最长中断9日，不超过30日；须满6个月。"
    );
    assert_eq!(rule(&rules, "employment").sentence, "签订劳动合同（第1、2页）；参加社会保险（未附扫描件）。");
    assert_eq!(
        rule(&rules, "residence_evidence").sentence,
        "办理出租登记（未附扫描件）；签订租赁合同（第3页）。"
    );
    assert_eq!(rule(&rules, "study").sentence, "未勾选。");
    assert_eq!(rule(&rules, "declaration").sentence, "申请人已于2025年3月10日签名。");
}

#[test]
fn a_break_longer_than_the_tolerance_is_named_and_the_run_before_it_not_counted() {
    // Qingtian: continuous in the place of residence, a move registered within 10 days
    // does not break it. A 40-day gap does: only the run after it counts.
    let mut record = living_in("331121");
    record.registration_history =
        vec![period("331121", "2023-01-01", Some("2024-05-31")), period("331121", "2024-07-11", None)];
    let rules = explained(&record, &qingtian(), &[]);
    let registration = rule(&rules, "registration_time");
    assert_eq!(registration.outcome, Outcome::Met, "{registration:?}");
    assert_eq!(
        registration.sentence,
        "在浙江省内连续居住登记8个月（2024年7月11日至今）；此前有1段登记因中断过长不计算；须满6个月。"
    );

    // Three months after the break: not met, and the notice item says why.
    record.registration_history[1] = period("331121", "2024-12-10", None);
    let rules = explained(&record, &qingtian(), &[]);
    let registration = rule(&rules, "registration_time");
    assert_eq!(registration.outcome, Outcome::NotMet);
    assert!(
        registration.sentence.starts_with("在浙江省内连续居住登记3个月1日（2024年12月10日至今）"),
        "{registration:?}"
    );
}

#[test]
fn a_continuous_run_with_a_tolerated_move_is_one_run() {
    let mut record = living_in("331121");
    record.registration_history =
        vec![period("331121", "2024-01-01", Some("2024-05-31")), period("331121", "2024-06-08", None)];
    let rules = explained(&record, &qingtian(), &[]);
    assert_eq!(
        rule(&rules, "registration_time").sentence,
        "在浙江省内连续居住登记14个月3日（2024年1月1日至今，共2段），最长中断7日，不超过10日；须满6个月。"
    );
}

#[test]
fn gongshu_measures_the_insurance_months_and_says_which_group_falls_short() {
    let mut record = living_in("330105");
    record.evidence.residence.rental.lease_contract = false;
    record.evidence.residence.rental.rental_registration = false;
    record.evidence_facts.social_insurance.months = Some(5);
    record.evidence_facts.social_insurance.longest_gap_days = Some(0);
    record.evidence_facts.social_insurance.back_paid = Some(false);
    let rules = explained(&record, &gongshu_in_force(), &[]);
    assert_eq!(rule(&rules, "employment").outcome, Outcome::NotMet, "{rules:#?}");
    assert_eq!(rule(&rules, "residence_evidence").outcome, Outcome::NotApplicable);

    record.evidence_facts.social_insurance.months = Some(13);
    let rules = explained(&record, &gongshu_in_force(), &[]);
    assert_eq!(rule(&rules, "employment").outcome, Outcome::Met, "{rules:#?}");
}

#[test]
fn a_minor_is_explained_with_the_guardian_and_an_unsigned_form_with_its_declaration() {
    let mut record = complete_record();
    record.applicant.id_number = MINOR_ID.to_owned();
    record.guardian = Some(Guardian {
        name: "王芳".to_owned(),
        id_number: MOTHER_ID.to_owned(),
        relationship: "母亲".to_owned(),
        own_income: false,
    });
    record.declaration.signed = false;
    let rules = explained(&record, &jiande(), &[]);
    assert_eq!(
        rule(&rules, "applicant").sentence,
        "公民身份号码校验通过，出生日期2012年8月15日，申请时12周岁。"
    );
    let guardian = rule(&rules, "guardian");
    assert_eq!(guardian.sentence, "监护人王芳（母亲）代为申请。");
    assert_eq!(rule(&rules, "declaration").outcome, Outcome::NotMet);
    assert_eq!(rule(&rules, "declaration").sentence, "申请人未签名。");
}

#[test]
fn a_special_case_is_named_and_exempt_from_the_registration_time() {
    let mut record = complete_record();
    record.registration_history.clear();
    record.special_case = Some(SpecialCase {
        kind: Some(SpecialCaseKind::Talent),
        proof: "建人才〔2024〕3号".to_owned(),
    });
    let rules = explained(&record, &jiande(), &[]);
    let special = rule(&rules, "special_case");
    assert_eq!(special.sentence, "引进人才（证明：建人才〔2024〕3号）。");
    let registration = rule(&rules, "registration_time");
    assert_eq!(registration.outcome, Outcome::NotApplicable, "{rules:#?}");
    assert!(registration.sentence.contains("不受居住登记满六个月的限制"));
}
