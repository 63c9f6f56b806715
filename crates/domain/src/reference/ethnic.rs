//! Ethnic groups (民族) by GB 3304-1991, as the form's 民族 field needs them.
//!
//! The table (`ethnic-groups.csv`: `code,name,short_name,roman,letters,initials`)
//! must hold exactly the 56 groups 01–56 plus 97 其他 and 98 外国血统中国籍人士,
//! the two extra values of public-security and ID-card chip data. Legacy codes some
//! older systems invented (57, 58, 59, 99) are refused, both in the table and by
//! [`EthnicGroups::check`].
//!
//! Names are accepted in three forms: the full name (汉族), the short form printed
//! on ID cards (汉), and the old names GB 3304 replaced (崩龙族 → 德昂族,
//! 毛难族 → 毛南族).

use std::collections::HashMap;

use super::{ReferenceError, is_digits, is_initials, parse_csv};
use crate::issue::FieldIssue;

const FILE: &str = "ethnic-groups.csv";
const HEADER: [&str; 6] = ["code", "name", "short_name", "roman", "letters", "initials"];

/// Old names and the current name they stand for.
const FORMER_NAMES: [(&str, &str); 4] =
    [("崩龙族", "德昂族"), ("崩龙", "德昂族"), ("毛难族", "毛南族"), ("毛难", "毛南族")];

/// Codes outside GB 3304 that legacy systems used; refused with a specific message.
const LEGACY_CODES: [&str; 4] = ["57", "58", "59", "99"];

/// The field name used in issues when the caller does not re-root them.
const FIELD: &str = "ethnic_group";

/// One ethnic group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthnicGroup {
    /// Two-digit GB 3304 code, `01`–`56`, or `97` / `98`.
    pub code: String,
    /// Full name, e.g. `汉族`.
    pub name: String,
    /// The form printed on ID cards, e.g. `汉`.
    pub short_name: String,
    /// GB 3304 romanisation, e.g. `Han`; empty for 97 and 98.
    pub roman: String,
    /// GB 3304 two-letter code, e.g. `HA`; empty for 97 and 98.
    pub letters: String,
    /// Lowercase pinyin initials of the full name for the picker, e.g. `hz`.
    pub initials: String,
}

/// The ethnic-group table, in code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthnicGroups {
    groups: Vec<EthnicGroup>,
    by_name: HashMap<String, usize>,
}

impl EthnicGroups {
    /// Parses the table and checks it holds exactly 01–56, 97 and 98, in that order,
    /// with unique names.
    pub fn parse(csv: &str) -> Result<EthnicGroups, ReferenceError> {
        let mut groups = Vec::new();
        for row in parse_csv(FILE, csv, &HEADER)? {
            let [code, name, short_name, roman, letters, initials] = row.fields[..] else { continue };
            let problem = if LEGACY_CODES.contains(&code) {
                Some(format!("code `{code}` is not a gb 3304 code"))
            } else if !is_digits(code, 2) {
                Some(format!("code `{code}` is not two digits"))
            } else if name.is_empty() || short_name.is_empty() || !name.starts_with(short_name) {
                Some(format!("short name `{short_name}` does not shorten `{name}`"))
            } else if !is_initials(initials) {
                Some(format!("initials `{initials}` are not lowercase letters"))
            } else if !(letters.is_empty()
                || (letters.len() == 2 && letters.bytes().all(|b| b.is_ascii_uppercase())))
            {
                Some(format!("letters `{letters}` are not two capitals"))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(ReferenceError::Value { file: FILE, line: row.line, problem });
            }
            groups.push(EthnicGroup {
                code: code.to_owned(),
                name: name.to_owned(),
                short_name: short_name.to_owned(),
                roman: roman.to_owned(),
                letters: letters.to_owned(),
                initials: initials.to_owned(),
            });
        }
        let expected: Vec<String> = (1..=56).chain([97, 98]).map(|n| format!("{n:02}")).collect();
        let found: Vec<&str> = groups.iter().map(|g| g.code.as_str()).collect();
        if found != expected {
            return Err(ReferenceError::Table {
                file: FILE,
                problem: format!("codes should be 01-56, 97, 98 in order, found {}", found.join(" ")),
            });
        }
        let mut by_name = HashMap::new();
        for (group_idx, group) in groups.iter().enumerate() {
            for key in [&group.name, &group.short_name] {
                if let Some(other_idx) = by_name.insert(key.clone(), group_idx)
                    && other_idx != group_idx
                {
                    return Err(ReferenceError::Table {
                        file: FILE,
                        problem: format!("name `{key}` is used twice"),
                    });
                }
            }
        }
        for (former, current) in FORMER_NAMES {
            let Some(&group_idx) = by_name.get(current) else {
                return Err(ReferenceError::Table { file: FILE, problem: format!("`{current}` is missing") });
            };
            by_name.insert(former.to_owned(), group_idx);
        }
        Ok(EthnicGroups { groups, by_name })
    }

    /// All groups in code order.
    pub fn all(&self) -> &[EthnicGroup] {
        &self.groups
    }

    /// The group with this two-digit code (`"01"`); `None` for anything else,
    /// including the legacy codes 57, 58, 59 and 99.
    pub fn get(&self, code: &str) -> Option<&EthnicGroup> {
        self.groups.iter().find(|g| g.code == code)
    }

    /// The group with this name: full (`汉族`), as on ID cards (`汉`), or a former
    /// name (`崩龙族` gives 德昂族). Surrounding spaces are ignored.
    pub fn by_name(&self, name: &str) -> Option<&EthnicGroup> {
        self.by_name.get(name.trim()).and_then(|&group_idx| self.groups.get(group_idx))
    }

    /// Resolves what a clerk typed or a card reader returned (a code or a name) to a
    /// group, or explains in Chinese why it cannot. Issues have field `ethnic_group`.
    pub fn check(&self, input: &str) -> Result<&EthnicGroup, FieldIssue> {
        let input = input.trim();
        if input.is_empty() {
            return Err(FieldIssue::new(FIELD, "ETHNIC_GROUP_EMPTY", "请选择民族。"));
        }
        if let Some(group) = self.get(input).or_else(|| self.by_name(input)) {
            return Ok(group);
        }
        if LEGACY_CODES.contains(&input) {
            return Err(FieldIssue::new(
                FIELD,
                "ETHNIC_GROUP_LEGACY_CODE",
                format!("民族代码“{input}”不是国家标准（GB 3304）代码，请按申请人身份证件上的民族重新选择。"),
            ));
        }
        Err(FieldIssue::new(
            FIELD,
            "ETHNIC_GROUP_UNKNOWN",
            format!("“{input}”不是有效的民族名称或代码，请从列表中选择。"),
        ))
    }

    /// Groups matching `query`, best first.
    ///
    /// Digits match the code, ASCII letters match the pinyin initials and the
    /// romanisation (both case-insensitive), anything else matches the names (full,
    /// short and former). Exact matches come first, then prefixes, then other
    /// substrings of a Chinese name; ties go by code.
    pub fn search(&self, query: &str) -> Vec<&EthnicGroup> {
        let query = query.trim().to_lowercase();
        if query.is_empty() {
            return Vec::new();
        }
        let by_code = query.bytes().all(|b| b.is_ascii_digit());
        let by_letters = query.bytes().all(|b| b.is_ascii_lowercase());
        let mut hits: Vec<(u8, usize)> = self
            .groups
            .iter()
            .enumerate()
            .filter_map(|(group_idx, group)| {
                let roman = group.roman.to_lowercase();
                let former: Vec<&str> = FORMER_NAMES
                    .iter()
                    .filter(|(_, current)| *current == group.name)
                    .map(|(former, _)| *former)
                    .collect();
                let fields: Vec<&str> = if by_code {
                    vec![&group.code]
                } else if by_letters {
                    vec![&group.initials, &roman]
                } else {
                    [group.name.as_str(), group.short_name.as_str()].into_iter().chain(former).collect()
                };
                let rank = fields
                    .iter()
                    .filter(|field| !field.is_empty())
                    .filter_map(|field| {
                        if **field == query {
                            Some(0)
                        } else if field.starts_with(&query) {
                            Some(1)
                        } else if !by_code && !by_letters && field.contains(&query) {
                            Some(2)
                        } else {
                            None
                        }
                    })
                    .min()?;
                Some((rank, group_idx))
            })
            .collect();
        hits.sort_unstable();
        hits.into_iter().filter_map(|(_, group_idx)| self.groups.get(group_idx)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A complete table with made-up rows for 04–55, so that the checks on the real
    /// rows can be exercised without the asset (which the `app` crate tests).
    fn fixture() -> String {
        let mut csv = String::from("# fixture\ncode,name,short_name,roman,letters,initials\n");
        csv.push_str("01,汉族,汉,Han,HA,hz\n02,蒙古族,蒙古,Mongol,MG,mgz\n03,回族,回,Hui,HU,hz\n");
        for n in 4..=55 {
            let (name, roman) = match n {
                22 => ("畲族".to_owned(), "She".to_owned()),
                36 => ("毛南族".to_owned(), "Maonan".to_owned()),
                46 => ("德昂族".to_owned(), "Deang".to_owned()),
                _ => (format!("测{n}族"), format!("Test{n}")),
            };
            let short = name.trim_end_matches('族');
            csv.push_str(&format!("{n:02},{name},{short},{roman},,cz\n"));
        }
        csv.push_str("56,基诺族,基诺,Jino,JN,jnz\n97,其他,其他,,,qt\n98,外国血统中国籍人士,外国血统中国籍人士,,,wgxtzgjrs\n");
        csv
    }

    fn groups() -> EthnicGroups {
        EthnicGroups::parse(&fixture()).unwrap_or_else(|e| panic!("fixture parses: {e}"))
    }

    /// Asserts which code `lookup` resolves `input` to.
    fn check_lookup(lookup: fn(&EthnicGroups, &str) -> Option<String>, input: &str, expected: Option<&str>) {
        assert_eq!(lookup(&groups(), input).as_deref(), expected, "lookup of {input:?}");
    }

    #[test]
    fn codes() {
        let by_code = |g: &EthnicGroups, s: &str| g.get(s).map(|g| g.code.clone());
        check_lookup(by_code, "01", Some("01"));
        check_lookup(by_code, "56", Some("56"));
        check_lookup(by_code, "97", Some("97"));
        check_lookup(by_code, "98", Some("98"));
        for refused in ["1", "00", "57", "58", "59", "99", "001", "汉"] {
            check_lookup(by_code, refused, None);
        }
    }

    #[test]
    fn names_short_names_and_former_names() {
        let by_name = |g: &EthnicGroups, s: &str| g.by_name(s).map(|g| g.code.clone());
        check_lookup(by_name, "汉族", Some("01"));
        check_lookup(by_name, "汉", Some("01"));
        check_lookup(by_name, " 汉 ", Some("01"));
        check_lookup(by_name, "崩龙族", Some("46"));
        check_lookup(by_name, "崩龙", Some("46"));
        check_lookup(by_name, "毛难族", Some("36"));
        check_lookup(by_name, "外国血统中国籍人士", Some("98"));
        check_lookup(by_name, "汉人", None);
        check_lookup(by_name, "", None);
    }

    /// Asserts what `check(input)` gives: a code, or an issue code.
    fn check_input(input: &str, expected: Result<&str, &str>) {
        let groups = groups();
        let found = groups.check(input).map(|g| g.code.as_str()).map_err(|issue| issue.code);
        assert_eq!(found, expected, "check({input:?})");
    }

    #[test]
    fn clerk_input() {
        check_input("01", Ok("01"));
        check_input("汉", Ok("01"));
        check_input("毛难族", Ok("36"));
        check_input("99", Err("ETHNIC_GROUP_LEGACY_CODE"));
        check_input("57", Err("ETHNIC_GROUP_LEGACY_CODE"));
        check_input("60", Err("ETHNIC_GROUP_UNKNOWN"));
        check_input("火星族", Err("ETHNIC_GROUP_UNKNOWN"));
        check_input("  ", Err("ETHNIC_GROUP_EMPTY"));
        let issue = groups().check("99").expect_err("legacy code");
        assert!(issue.message.contains("GB 3304") && issue.field == "ethnic_group", "{issue:?}");
    }

    /// Asserts the codes `search(query)` returns, in order.
    fn check_search(query: &str, expected: &[&str]) {
        let groups = groups();
        let found: Vec<&str> = groups.search(query).iter().map(|g| g.code.as_str()).collect();
        assert_eq!(found, expected, "search({query:?})");
    }

    #[test]
    fn search() {
        check_search("01", &["01"]);
        check_search("9", &["97", "98"]);
        check_search("hz", &["01", "03"]);
        check_search("HAN", &["01"]);
        check_search("jn", &["56"]);
        check_search("汉", &["01"]);
        check_search("畲", &["22"]);
        check_search("崩龙", &["46"]);
        check_search("血统", &["98"]);
        check_search("", &[]);
    }

    /// Asserts that the fixture with `from` replaced by `to` is refused with `expected` in the message.
    fn check_invalid(from: &str, to: &str, expected: &str) {
        let csv = fixture().replacen(from, to, 1);
        let error = EthnicGroups::parse(&csv).expect_err("should be refused");
        assert!(error.to_string().contains(expected), "replacing {from:?} by {to:?}: {error}");
    }

    #[test]
    fn broken_tables_are_refused() {
        check_invalid("98,外国血统", "99,外国血统", "`99` is not a gb 3304 code");
        check_invalid("97,其他", "57,其他", "`57` is not a gb 3304 code");
        check_invalid("02,蒙古族", "2,蒙古族", "not two digits");
        check_invalid("02,蒙古族,蒙古", "02,蒙古族,回", "does not shorten");
        check_invalid("03,回族", "04,回族", "01-56, 97, 98 in order");
        check_invalid("03,回族,回", "03,汉族,汉", "used twice");
        check_invalid(",HA,hz", ",HAN,hz", "two capitals");
        check_invalid(",HA,hz", ",HA,", "initials");
        check_invalid("46,德昂族,德昂", "46,德族,德", "`德昂族` is missing");
    }
}
