//! The shipped policy profiles, and what the profile parser refuses.

use domain::profile::{Accumulation, LocalArea, PolicyProfile, ProfileError, RegistrationScope};

use crate::fixtures::{day, gongshu, jiande, workspace_root};

/// Every file of `assets/profiles`, parsed: adding a county is adding a file, and this test
/// picks it up.
fn all_shipped() -> Vec<(String, PolicyProfile)> {
    let dir = workspace_root().join("assets/profiles");
    let mut profiles = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("assets/profiles exists") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let name = path.file_name().expect("file name").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("read profile");
            let profile =
                PolicyProfile::from_json(&text).unwrap_or_else(|e| panic!("{name} should parse: {e}"));
            profiles.push((name, profile));
        }
    }
    profiles.sort_by(|a, b| a.0.cmp(&b.0));
    profiles
}

#[test]
fn every_shipped_profile_parses_and_is_named_by_its_county() {
    let profiles = all_shipped();
    assert!(
        profiles.len() >= 5,
        "four counties and the province ship: {:?}",
        profiles.iter().map(|p| &p.0).collect::<Vec<_>>()
    );
    let mut names_seen: Vec<String> = Vec::new();
    for (file, profile) in &profiles {
        assert!(file.starts_with(&format!("{}-", profile.county.code)), "{file} starts with its county code");
        assert_eq!(profile.deadline_working_days, 2, "{file}: every document so far says 2 working days");
        assert_eq!(profile.registration_time.required_months, 6, "{file}: six months everywhere");
        assert_eq!(profile.minors.age_below, 16, "{file}: minors are under 16");
        assert!(profile.slip.mask_id_number, "{file}: the slip masks the ID number by default");
        assert!(!profile.notes.is_empty(), "{file}: the file says how its document was read");
        for name in std::iter::once(&profile.county.code).chain(&profile.aliases) {
            let key = name.to_lowercase();
            assert!(!names_seen.contains(&key), "{file}: {name} names two profiles");
            names_seen.push(key);
        }
    }
}

#[test]
fn shipped_profiles_follow_their_documents() {
    struct Expected {
        file: &'static str,
        document: &'static str,
        effective: Option<&'static str>,
        draft: bool,
        rule: Accumulation,
    }
    let table = [
        Expected {
            file: "330182-jiande.json",
            document: "建政办函〔2024〕18号",
            effective: Some("2024-06-17"),
            draft: false,
            rule: Accumulation::CumulativeWithMaxGap { max_gap_days: 30 },
        },
        Expected {
            file: "330424-haiyan.json",
            document: "盐政办发〔2024〕10号",
            effective: Some("2024-07-04"),
            draft: false,
            rule: Accumulation::Cumulative,
        },
        Expected {
            file: "331121-qingtian.json",
            document: "青政办发〔2023〕35号",
            effective: Some("2023-10-16"),
            draft: false,
            rule: Accumulation::Continuous { tolerance_days: 10 },
        },
        Expected {
            file: "330105-gongshu.json",
            document: "拱墅区新型居住证制度通知（修订）征求意见稿（2022年7月11日公告）",
            effective: None,
            draft: true,
            rule: Accumulation::Continuous { tolerance_days: 10 },
        },
        Expected {
            file: "330000-province.json",
            document: "浙政办发〔2023〕41号",
            effective: Some("2023-07-07"),
            draft: false,
            rule: Accumulation::Continuous { tolerance_days: 10 },
        },
    ];
    let profiles = all_shipped();
    for expected in table {
        let (_, profile) = profiles
            .iter()
            .find(|(file, _)| file == expected.file)
            .unwrap_or_else(|| panic!("{} ships", expected.file));
        assert_eq!(profile.document.number, expected.document, "{} document number", expected.file);
        assert_eq!(
            profile.document.effective,
            expected.effective.map(day),
            "{} effective date",
            expected.file
        );
        assert_eq!(profile.document.draft, expected.draft, "{} draft flag", expected.file);
        assert_eq!(profile.registration_time.rule, expected.rule, "{} registration rule", expected.file);
    }
}

#[test]
fn gongshu_counts_only_the_hangzhou_urban_area() {
    let profile = gongshu();
    let RegistrationScope::Counties { name, counties } = &profile.registration_time.scope else {
        panic!("Gongshu counts registrations in the urban area only");
    };
    assert_eq!(name, "杭州市区");
    for code in ["330102", "330105", "330106", "330103", "330104", "330114"] {
        assert!(counties.iter().any(|c| c == code), "{code} is in 杭州市区 (abolished codes included)");
    }
    assert!(
        !profile.registration_time.scope.contains("330182", "330105"),
        "建德市 is in Hangzhou but not its urban area"
    );
    assert!(matches!(&profile.local_area, LocalArea::Counties { .. }), "local means the whole urban area");
}

#[test]
fn matching_and_jurisdiction() {
    let profile = jiande();
    for (query, expected) in [
        ("330182", true),
        ("建德市", true),
        ("建德", true),
        ("JIANDE", true),
        ("", false),
        ("330424", false),
        ("建", false),
    ] {
        assert_eq!(profile.matches(query), expected, "does {query:?} name Jiande?");
    }
    assert!(
        profile.covers("330182") && !profile.covers("330424"),
        "a county profile covers its own county only"
    );
    let province = crate::fixtures::province();
    assert!(
        province.covers("330424") && province.covers("331121"),
        "the provincial default covers every Zhejiang county"
    );
    assert!(!province.covers("310115") && !province.covers("33"), "but nothing outside Zhejiang");
    assert!(
        !profile.in_force_on(day("2024-06-16")) && profile.in_force_on(day("2024-06-17")),
        "in force from its effective date"
    );
    // 「本通知自　年　月　日起施行」: an undated draft is not a rule in force until an
    // administrator records the date its published text took effect.
    assert!(!gongshu().in_force_on(day("2030-01-01")), "an undated draft is not in force");
    let recorded = gongshu().with_recorded_effective(day("2026-01-01"));
    assert!(!recorded.in_force_on(day("2025-12-31")) && recorded.in_force_on(day("2026-01-01")));
    assert!(recorded.document.draft, "it stays marked as a draft, so every result says so");
    assert_eq!(
        jiande().with_recorded_effective(day("2030-01-01")).document.effective,
        Some(day("2024-06-17")),
        "a dated document keeps its own date"
    );
}

/// Asserts that editing the Jiande file with `edit` is refused with problems containing each of `expected`.
fn check_refused(edit: impl FnOnce(&mut serde_json::Value), expected: &[&str]) {
    let text =
        std::fs::read_to_string(workspace_root().join("assets/profiles/330182-jiande.json")).expect("read");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    edit(&mut value);
    let error = PolicyProfile::from_json(&value.to_string()).expect_err("edited profile should be refused");
    let message = error.to_string();
    for fragment in expected {
        assert!(message.contains(fragment), "the error should mention {fragment:?}: {message}");
    }
    if expected.len() > 1 {
        assert!(
            matches!(error, ProfileError::Invalid { ref problems, .. } if problems.len() >= expected.len()),
            "every problem is listed at once: {message}"
        );
    }
}

#[test]
fn eligibility_rules_name_real_codes_and_their_sentences() {
    check_refused(
        |v| v["eligibility"][0]["code"] = "DECLARATION_NOT_SIGNED".into(),
        &["\"DECLARATION_NOT_SIGNED\" is not a code that can decide eligibility"],
    );
    check_refused(
        |v| {
            v["eligibility"][1]["basis"] = " ".into();
            v["registration_time"]["basis"] = "".into();
            v["eligibility"][2] = v["eligibility"][3].clone();
        },
        &["eligibility[1].basis is blank", "registration_time.basis is blank", "twice"],
    );
}

#[test]
fn inconsistent_profiles_are_refused_with_every_problem() {
    check_refused(|v| v["unexpected"] = true.into(), &["unknown field"]);
    check_refused(
        |v| v["registration_time"]["rule"] = serde_json::json!({"kind": "sometimes"}),
        &["unknown variant"],
    );
    check_refused(
        |v| v["conditions"]["study"]["ways"][0]["evidence"] = serde_json::json!(["study.kindergarten"]),
        &["unknown variant"],
    );
    check_refused(
        |v| {
            v["document"]["number"] = "".into();
            v["document"]["effective"] = serde_json::Value::Null;
            v["conditions"]["employment"]["ways"] = serde_json::json!([]);
            v["conditions"]["study"]["ways"][0]["evidence"] = serde_json::json!(["residence.own_home"]);
            v["county"]["code"] = "320102".into();
        },
        &[
            "document.number is blank",
            "only for a draft",
            "conditions.employment has no ways",
            "another condition's group",
            "not a Zhejiang",
        ],
    );
    check_refused(
        |v| v["local_area"] = serde_json::json!({"kind": "counties", "name": "某区", "counties": ["330106"]}),
        &["must include the profile's own county"],
    );
}
