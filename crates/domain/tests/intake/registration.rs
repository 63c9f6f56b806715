//! Registration time (居住登记时间互认) under each accumulation rule, through `assess`.
//!
//! Each case is a history of periods `(county, start, end)` (both dates inclusive, `None`
//! open), an assessment date and the registration codes expected under each rule. The
//! rest of the record is the complete fixture, so any other code is a regression.

use domain::assessment::{Decision, ItemKind};
use domain::profile::{Accumulation, PolicyProfile, RegistrationScope, UpToApplication};

use crate::fixtures::{
    assess_checked, codes, day, gongshu, haiyan, jiande, living_in, period, province, qingtian,
};

type History<'a> = &'a [(&'a str, &'a str, Option<&'a str>)];

const CUMULATIVE: Accumulation = Accumulation::Cumulative;
/// Qingtian's 累计连续: a gap of up to 10 days (the regulation's deadline for registering a
/// move) does not break the run.
const CONTINUOUS: Accumulation = Accumulation::Continuous { tolerance_days: 10 };
const JIANDE_GAP: Accumulation = Accumulation::CumulativeWithMaxGap { max_gap_days: 30 };

/// A province-wide profile (Jiande's file) with `rule` swapped in, and the recency each
/// shipped county pairs with it (Haiyan and Qingtian 10 days, Jiande 30).
fn zhejiang_wide(rule: Accumulation) -> PolicyProfile {
    let mut profile = jiande();
    profile.registration_time.rule = rule;
    let max_days_before = match rule {
        Accumulation::CumulativeWithMaxGap { max_gap_days } => max_gap_days,
        Accumulation::Cumulative | Accumulation::Continuous { .. } => 10,
    };
    profile.registration_time.up_to_application =
        UpToApplication { max_days_before, basis: "test".to_owned() };
    profile
}

/// Gongshu with an effective date recorded, as an administrator would once it is published.
fn gongshu_in_force() -> PolicyProfile {
    gongshu().with_recorded_effective(day("2022-09-01"))
}

/// Asserts that `history` on `today` under `profile` gives exactly `expected`, and returns
/// the messages (for the cases that check wording).
fn check(
    why: &str,
    profile: &PolicyProfile,
    history: History<'_>,
    today: &str,
    expected: &[&str],
) -> Vec<String> {
    let mut record = living_in(&profile.county.code);
    record.registration_history =
        history.iter().map(|(county, start, end)| period(county, start, *end)).collect();
    record.declaration.date = Some(day(today));
    // Own home makes 合法稳定住所 under every profile, Gongshu's strict rules included.
    record.evidence.residence.own_home = true;
    let assessment = assess_checked(&record, profile, day(today));
    assert_eq!(
        codes(&assessment),
        expected,
        "{why} ({:?} on {today}): {:#?}",
        profile.registration_time.rule,
        assessment.items
    );
    assessment.items.iter().map(|item| item.message.clone()).collect()
}

/// Runs one history under the three rules.
fn check_rules(
    why: &str,
    history: History<'_>,
    today: &str,
    cumulative: &[&str],
    continuous: &[&str],
    jiande_gap: &[&str],
) {
    check(why, &zhejiang_wide(CUMULATIVE), history, today, cumulative);
    check(why, &zhejiang_wide(CONTINUOUS), history, today, continuous);
    check(why, &zhejiang_wide(JIANDE_GAP), history, today, jiande_gap);
}

const OK: &[&str] = &[];
const SHORT: &[&str] = &["REGISTRATION_TIME_SHORT"];
const GAP: &[&str] = &["REGISTRATION_GAP_TOO_LONG"];
const BROKEN: &[&str] = &["REGISTRATION_NOT_CONTINUOUS"];
const STALE: &[&str] = &["REGISTRATION_NOT_RECENT"];

#[test]
fn jiande_gap_of_29_30_31_days() {
    // 建政办函〔2024〕18号: 「连续累计居住登记满六个月，期间中断不超过30日」. First period 91
    // days; the second, still open on 2024-08-31, is too short alone, so only a tolerated
    // gap lets the two add up.
    let first = ("330106", "2024-01-01", Some("2024-03-31"));
    check(
        "gap of 29 days (04-01..04-29)",
        &jiande(),
        &[first, ("330182", "2024-04-30", None)],
        "2024-08-31",
        OK,
    );
    check(
        "gap of 30 days (04-01..04-30)",
        &jiande(),
        &[first, ("330182", "2024-05-01", None)],
        "2024-08-31",
        OK,
    );
    let messages = check(
        "gap of 31 days (04-01..05-01)",
        &jiande(),
        &[first, ("330182", "2024-05-02", None)],
        "2024-08-31",
        GAP,
    );
    assert!(
        messages[0].contains("中断31日") && messages[0].contains("不超过30日"),
        "the notice names the gap and the limit: {messages:?}"
    );
}

#[test]
fn jiande_gap_splits_the_history_into_chains() {
    // A long gap is harmless when the part after it lasts six months by itself.
    check(
        "old registration, then a fresh six months",
        &jiande(),
        &[("330106", "2020-01-01", Some("2020-02-01")), ("330182", "2024-07-10", None)],
        "2025-03-10",
        OK,
    );
    // Two chains, each too short, together long enough: the gap is the reason.
    check(
        "two short chains",
        &jiande(),
        &[("330106", "2023-01-01", Some("2023-04-30")), ("330182", "2024-10-01", None)],
        "2025-03-10",
        GAP,
    );
}

#[test]
fn the_registration_that_counts_runs_up_to_the_application() {
    // Six months that ended long ago do not qualify, under every rule.
    let old = [("330182", "2023-01-01", Some("2023-12-31"))];
    check_rules("a chain that ended long ago", &old, "2025-03-10", STALE, STALE, STALE);
    // An old chain followed by a long unregistered stretch, then a fresh short one:
    // cumulative adds them (the last run is current); the others count the fresh run only.
    let refreshed = [("330106", "2022-01-01", Some("2022-12-31")), ("330424", "2025-03-01", None)];
    check_rules("an old chain and a fresh start", &refreshed, "2025-03-10", OK, BROKEN, GAP);
    // Jiande: 「期间中断不超过30日」 also bounds the break before the application.
    let ended = |end: &'static str| [("330182", "2024-01-01", Some(end))];
    check("Jiande: ended 30 days before", &jiande(), &ended("2025-02-08"), "2025-03-10", OK);
    let messages =
        check("Jiande: ended 31 days before", &jiande(), &ended("2025-02-07"), "2025-03-10", STALE);
    assert!(
        messages[0].contains("2025年2月7日") && messages[0].contains("31日") && messages[0].contains("30日"),
        "the notice names the last day, the break and the limit: {messages:?}"
    );
    // Haiyan and Qingtian: the regulation's 10 days for registering a move.
    for profile in [haiyan(), qingtian()] {
        check("ended 10 days before", &profile, &ended("2025-02-28"), "2025-03-10", OK);
        check("ended 11 days before", &profile, &ended("2025-02-27"), "2025-03-10", STALE);
    }
    // Ending on the application date itself is current.
    check_rules("ends today", &ended("2025-03-10"), "2025-03-10", OK, OK, OK);
}

#[test]
fn not_recent_is_an_eligibility_reason_in_every_county() {
    for profile in [jiande(), haiyan(), qingtian(), gongshu_in_force(), province()] {
        let rule = profile.eligibility_rule("REGISTRATION_NOT_RECENT");
        assert!(rule.is_some(), "{} classes REGISTRATION_NOT_RECENT as eligibility", profile.county.name);
        assert!(!rule.map(|r| r.basis.as_str()).unwrap_or("").is_empty());
    }
    let mut record = living_in("330182");
    record.registration_history = vec![period("330182", "2023-01-01", Some("2023-12-31"))];
    record.evidence.residence.own_home = true;
    let assessment = assess_checked(&record, &jiande(), day("2025-03-10"));
    assert_eq!(assessment.decision, Decision::NotEligible, "{assessment:#?}");
    let reason = &assessment.items[0];
    assert_eq!(reason.kind, ItemKind::Eligibility);
    assert!(
        reason.basis.contains("连续累计居住登记满六个月"),
        "the reason carries its sentence: {}",
        reason.basis
    );
}

#[test]
fn cumulative_versus_continuous_on_the_same_history() {
    // 91 + 107 = 198 days with a 30-day gap, the second still open.
    check_rules(
        "one 30-day gap",
        &[("330106", "2024-01-01", Some("2024-03-31")), ("330182", "2024-05-01", None)],
        "2024-08-15",
        OK,
        BROKEN,
        OK,
    );
    // 120 + 92 = 212 days with a 17-month gap.
    check_rules(
        "one long gap",
        &[("330106", "2023-01-01", Some("2023-04-30")), ("330182", "2024-10-01", None)],
        "2024-12-31",
        OK,
        BROKEN,
        GAP,
    );
    // An unbroken history: all rules agree.
    check_rules("unbroken", &[("330182", "2024-01-01", None)], "2025-03-10", OK, OK, OK);
    check_rules("too short everywhere", &[("330182", "2024-12-01", None)], "2025-03-10", SHORT, SHORT, SHORT);
}

#[test]
fn qingtian_tolerates_a_move_registered_within_ten_days() {
    // 青政办发〔2023〕35号 「累计连续登记满六个月」 and the regulation's 10 days for registering a
    // move: before this reading a one-day gap failed. The gap days are not counted.
    let first = ("330106", "2024-01-01", Some("2024-03-31"));
    let after_gap = |start: &'static str| [first, ("331121", start, None)];
    let profile = qingtian();
    check("one-day gap", &profile, &after_gap("2024-04-02"), "2024-07-20", OK);
    check("ten-day gap", &profile, &after_gap("2024-04-11"), "2024-07-20", OK);
    let messages = check("eleven-day gap", &profile, &after_gap("2024-04-12"), "2024-07-20", BROKEN);
    assert!(
        messages[0].contains("中断11日") && messages[0].contains("中断不超过10日的视为连续"),
        "the notice shows the reading of 累计连续: {messages:?}"
    );
    // The ten tolerated days are not registered time: 91 + 86 days on 2024-07-05 is short of
    // six months laid end to end from 2024-01-01 (183 days); counting the gap would pass.
    check("gap days do not count", &profile, &after_gap("2024-04-11"), "2024-07-05", SHORT);
    assert_eq!(profile.registration_time.rule, CONTINUOUS);
}

#[test]
fn six_calendar_months_boundary() {
    // Registered from 1 January: the sixth month completes on 1 July (民法典 Arts. 201–202).
    check_rules("one day short", &[("330182", "2024-01-01", None)], "2024-06-30", SHORT, SHORT, SHORT);
    check_rules("exactly six months", &[("330182", "2024-01-01", None)], "2024-07-01", OK, OK, OK);
    // No corresponding day: the month's last day ends the period (31 August + 6 months = 28 February).
    check_rules(
        "month end, a day short",
        &[("330182", "2024-08-31", None)],
        "2025-02-27",
        SHORT,
        SHORT,
        SHORT,
    );
    check_rules("month end", &[("330182", "2024-08-31", None)], "2025-02-28", OK, OK, OK);
    // Closed periods are measured the same way, laid end to end from the first start.
    check_rules(
        "closed, touching periods",
        &[("330106", "2024-01-01", Some("2024-03-31")), ("330182", "2024-04-01", Some("2024-06-30"))],
        "2024-07-05",
        SHORT,
        SHORT,
        SHORT,
    );
    check_rules(
        "closed, touching periods, one day more",
        &[("330106", "2024-01-01", Some("2024-03-31")), ("330182", "2024-04-01", Some("2024-07-01"))],
        "2024-07-05",
        OK,
        OK,
        OK,
    );
}

#[test]
fn touching_and_overlapping_periods_are_one_run() {
    // Touching: the next starts the day after the previous ends (gap 0). Overlapping: it starts before.
    check_rules(
        "touching",
        &[("330106", "2024-01-01", Some("2024-03-31")), ("330182", "2024-04-01", None)],
        "2024-07-01",
        OK,
        OK,
        OK,
    );
    check_rules(
        "overlapping",
        &[("330106", "2024-01-01", Some("2024-05-31")), ("330182", "2024-03-01", Some("2024-07-01"))],
        "2024-07-05",
        OK,
        OK,
        OK,
    );
    check_rules(
        "contained",
        &[("330106", "2024-01-01", Some("2024-07-01")), ("330182", "2024-02-01", Some("2024-03-01"))],
        "2024-07-05",
        OK,
        OK,
        OK,
    );
    check_rules(
        "in any order",
        &[("330182", "2024-04-01", None), ("330106", "2024-01-01", Some("2024-03-31"))],
        "2024-07-01",
        OK,
        OK,
        OK,
    );
}

#[test]
fn only_registrations_in_scope_count() {
    // Shanghai does not count towards Zhejiang time, nor does it bridge a gap.
    check_rules(
        "outside Zhejiang",
        &[("310115", "2023-01-01", Some("2024-11-30")), ("330182", "2024-12-01", None)],
        "2025-03-10",
        SHORT,
        SHORT,
        SHORT,
    );
    let messages = check(
        "only Shanghai",
        &zhejiang_wide(CUMULATIVE),
        &[("310115", "2023-01-01", None)],
        "2025-03-10",
        SHORT,
    );
    assert!(messages[0].contains("浙江省内"), "the notice says which registrations count: {messages:?}");
    // Gongshu counts the Hangzhou urban area only: Jiande is in Hangzhou but not urban.
    let gongshu = gongshu_in_force();
    check(
        "Jiande for Gongshu",
        &gongshu,
        &[("330182", "2023-01-01", Some("2024-12-31")), ("330105", "2025-01-01", None)],
        "2025-03-10",
        SHORT,
    );
    check(
        "Xihu then Gongshu",
        &gongshu,
        &[("330106", "2024-08-01", Some("2024-12-31")), ("330105", "2025-01-01", None)],
        "2025-03-10",
        OK,
    );
    check(
        "abolished Xiacheng code still counts",
        &gongshu,
        &[("330103", "2020-01-01", Some("2021-04-08")), ("330105", "2021-04-09", None)],
        "2025-03-10",
        OK,
    );
    assert!(matches!(gongshu.registration_time.scope, RegistrationScope::Counties { .. }));
}

#[test]
fn the_province_counts_the_place_of_residence_not_the_province() {
    // 浙政办发〔2023〕41号 「在居住地居住半年以上」: the county of residence, or its 设区市 urban
    // area for a 市辖区; not a sum across Zhejiang.
    let scope = province().registration_time.scope;
    assert!(matches!(scope, RegistrationScope::PlaceOfResidence));
    assert!(scope.contains("330182", "330182"), "the county of residence itself");
    assert!(!scope.contains("330106", "330182"), "西湖区 is not 建德市");
    assert!(scope.contains("330106", "330105"), "西湖区 and 拱墅区 share 杭州市区");
    assert!(!scope.contains("330182", "330105"), "建德市 is not part of 杭州市区");
    assert!(!scope.contains("330402", "330105"), "嘉兴 is another city");
    let mut record = living_in("330182");
    record.registration_history =
        vec![period("330106", "2023-01-01", Some("2024-12-31")), period("330182", "2025-01-01", None)];
    record.evidence.residence.own_home = true;
    let assessment = assess_checked(&record, &province(), day("2025-03-10"));
    assert_eq!(
        codes(&assessment),
        ["RECOGNITION_NOT_IMPLEMENTED", "REGISTRATION_TIME_SHORT"],
        "two years in 西湖区 do not count for 建德市: {:#?}",
        assessment.items
    );
}

#[test]
fn the_notice_says_when_an_open_registration_will_suffice() {
    let messages = check(
        "registered since 1 December",
        &zhejiang_wide(CUMULATIVE),
        &[("330182", "2024-12-01", None)],
        "2025-03-10",
        SHORT,
    );
    assert!(
        messages[0].contains("2025年6月1日"),
        "open registration from 2024-12-01 suffices on 2025-06-01: {messages:?}"
    );
    let messages = check(
        "closed registration",
        &zhejiang_wide(CUMULATIVE),
        &[("330182", "2024-12-01", Some("2025-03-05"))],
        "2025-03-10",
        SHORT,
    );
    assert!(!messages[0].contains("预计"), "no forecast for a registration that has ended: {messages:?}");
}

#[test]
fn invalid_periods_are_listed_and_not_measured() {
    let mut record = living_in("330182");
    record.registration_history = vec![
        period("33018", "2024-01-01", None),
        period("330182", "2025-04-01", None),
        period("330106", "2024-05-01", Some("2024-04-01")),
    ];
    let assessment = assess_checked(&record, &jiande(), day("2025-03-10"));
    let fields: Vec<(&str, &str)> =
        assessment.items.iter().map(|i| (i.code.as_str(), i.field.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("REGISTRATION_PERIOD_INVALID", "registration_history[0].county_code"),
            ("REGISTRATION_PERIOD_INVALID", "registration_history[1].start"),
            ("REGISTRATION_PERIOD_INVALID", "registration_history[2].end"),
        ],
        "every bad period is named, and no misleading SHORT is added"
    );
    record.registration_history.clear();
    let assessment = assess_checked(&record, &jiande(), day("2025-03-10"));
    assert_eq!(
        codes(&assessment),
        ["REGISTRATION_HISTORY_MISSING"],
        "registration-time recognition needs a history"
    );
}

#[test]
fn an_end_after_today_counts_only_up_to_today() {
    check_rules(
        "end in the future",
        &[("330182", "2024-12-01", Some("2025-12-31"))],
        "2025-03-10",
        SHORT,
        SHORT,
        SHORT,
    );
}
