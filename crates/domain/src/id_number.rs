//! Resident ID numbers (公民身份号码, GB 11643-1999): validation and decoding.
//!
//! An 18-character number is `AAAAAA YYYYMMDD SSS C`: the address code, the birth
//! date, a sequence whose parity gives the gender (odd male, even female) and an
//! ISO 7064 MOD 11-2 check character. [`check`] validates one and decodes it.
//!
//! Contract:
//! - Every problem is reported at once (a bad date *and* a bad check character give
//!   two issues); the function never panics, whatever the input.
//! - A lowercase `x` is accepted and normalised to `X`. Nothing else is silently
//!   repaired: full-width digits, spaces and 15-digit legacy numbers are errors whose
//!   message shows the clerk what the number probably is.
//! - The address code is only checked for a known province prefix; old county codes
//!   (e.g. 330103 下城区, abolished 2021) stay valid inside ID numbers forever.
//! - Hong Kong / Macau / Taiwan residence-permit numbers (81/82/83) and foreign
//!   permanent-residence numbers (9…) are refused with the channel they belong to.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::issue::FieldIssue;

/// Weights of digits 1–17 for the MOD 11-2 check (2^(17−i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Province-level prefixes of GB/T 2260 used in citizens' ID numbers.
const PROVINCE_PREFIXES: [&str; 31] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
];
/// Earliest plausible birth year (the standard's own example is from 1880).
const EARLIEST_BIRTH_YEAR: i32 = 1880;

/// The field name used in issues when the caller does not re-root them.
const FIELD: &str = "id_number";

/// Gender as decoded from the sequence code or entered on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// 男
    Male,
    /// 女
    Female,
}

impl Gender {
    /// The Chinese label printed on forms.
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

/// A validated, normalised 18-character ID number (uppercase `X`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdNumber(String);

impl IdNumber {
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit address code (where the number was first assigned).
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    /// A masked form for screens and prints (GB/T 35273): `330105********123X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl std::fmt::Display for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a valid ID number tells us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedId {
    /// The normalised number.
    pub number: IdNumber,
    /// Birth date from digits 7–14.
    pub birth_date: NaiveDate,
    /// Gender from the parity of digit 17.
    pub gender: Gender,
    /// Address code, digits 1–6 (not necessarily a current county code).
    pub region_code: String,
}

impl DecodedId {
    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        age_on(self.birth_date, on)
    }
}

/// Whole years between `birth` and `on` (0 if `on` is before `birth`).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The MOD 11-2 check character for the first 17 digits, or `None` if they are not 17 ASCII digits.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes.iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// Upgrades a 15-digit legacy number (GB 11643-1989) to its 18-character form.
pub fn upgrade_legacy(legacy15: &str) -> Option<String> {
    if legacy15.len() != 15 || !legacy15.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let first17 = format!("{}19{}", &legacy15[..6], &legacy15[6..]);
    let check = check_character(&first17)?;
    Some(format!("{first17}{check}"))
}

/// The canonical form of anything typed as an ID number: no white space, full-width digits
/// and `Ｘ`/`ｘ`/`x` made ASCII, letters upper case. Idempotent; for a valid number it is
/// [`IdNumber::as_str`]. The store's blind index and duplicate search key on it, and
/// [`check`] offers it as the likely number when the clerk pasted a formatted one.
pub fn canonical(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            other => other.to_ascii_uppercase(),
        })
        .collect()
}

/// Validates `input` as an ID number of an applicant on date `today` and decodes it.
///
/// Returns every problem found; issue fields are `id_number` (re-root them with
/// [`FieldIssue::under`] for nested records).
pub fn check(input: &str, today: NaiveDate) -> Result<DecodedId, Vec<FieldIssue>> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(vec![issue("ID_NUMBER_EMPTY", "请填写公民身份号码。".to_owned())]);
    }
    // Characters a clerk might paste from a word processor: report, and show the likely number.
    let has_full_width = trimmed.chars().any(|c| ('０'..='９').contains(&c) || c == 'Ｘ' || c == 'ｘ');
    let has_space = trimmed.chars().any(char::is_whitespace);
    if has_full_width || has_space {
        let suggestion = canonical(trimmed);
        let mut issues = Vec::new();
        if has_full_width {
            issues.push(issue(
                "ID_NUMBER_FULL_WIDTH",
                format!("公民身份号码含有全角字符，请用半角数字重新输入（是否为 {suggestion}？）。"),
            ));
        }
        if has_space {
            issues.push(issue(
                "ID_NUMBER_WHITESPACE",
                format!("公民身份号码中间不应有空格（是否为 {suggestion}？）。"),
            ));
        }
        return Err(issues);
    }
    let upper = trimmed.replace('x', "X");
    let char_count = upper.chars().count();
    if char_count == 15 && upper.bytes().all(|b| b.is_ascii_digit()) {
        let message = match upgrade_legacy(&upper) {
            Some(upgraded) => format!(
                "这是15位旧版身份证号码，一代证已于2013年1月1日停止使用，请核对申请人现行18位号码（对应号码应为 {upgraded}）。"
            ),
            None => "这是15位旧版身份证号码，请核对申请人现行18位号码。".to_owned(),
        };
        return Err(vec![issue("ID_NUMBER_LEGACY_15", message)]);
    }
    if char_count != 18 {
        return Err(vec![issue("ID_NUMBER_LENGTH", format!("公民身份号码应为18位，当前为{char_count}位。"))]);
    }
    let bad_position = upper
        .chars()
        .enumerate()
        .find(|&(idx, c)| !(c.is_ascii_digit() || (idx == 17 && c == 'X')))
        .map(|(idx, c)| (idx + 1, c));
    if let Some((position, character)) = bad_position {
        return Err(vec![issue(
            "ID_NUMBER_CHARACTER",
            format!("公民身份号码第{position}位“{character}”无效：前17位只能是数字，第18位是数字或X。"),
        )]);
    }
    // From here the text is 18 ASCII characters.
    if upper.starts_with('9') {
        return Err(vec![issue(
            "ID_NUMBER_FOREIGN_PERMANENT_RESIDENT",
            "这是外国人永久居留身份证号码，不办理《浙江省居住证》；外国人请按出入境管理规定办理住宿登记。"
                .to_owned(),
        )]);
    }
    match &upper[..2] {
        "81" | "82" | "83" => {
            let who = match &upper[..2] {
                "81" => "香港",
                "82" => "澳门",
                _ => "台湾",
            };
            return Err(vec![issue(
                "ID_NUMBER_HK_MO_TW_PERMIT",
                format!(
                    "这是{who}居民居住证号码，不办理《浙江省居住证》；请引导申请人按《港澳台居民居住证申领发放办法》申领港澳台居民居住证。"
                ),
            )]);
        }
        _ => {}
    }
    let mut issues = Vec::new();
    if !PROVINCE_PREFIXES.contains(&&upper[..2]) {
        issues.push(issue(
            "ID_NUMBER_PROVINCE",
            format!("公民身份号码前两位“{}”不是有效的省级行政区划代码。", &upper[..2]),
        ));
    }
    let birth_date = parse_birth_date(&upper[6..14]);
    match birth_date {
        None => issues.push(issue(
            "ID_NUMBER_BIRTH_DATE",
            format!("公民身份号码第7至14位“{}”不是有效的出生日期。", &upper[6..14]),
        )),
        Some(date) if date > today => issues.push(issue(
            "ID_NUMBER_BIRTH_IN_FUTURE",
            format!("公民身份号码中的出生日期 {date} 晚于受理日期 {today}。"),
        )),
        Some(date) if date.year() < EARLIEST_BIRTH_YEAR => issues.push(issue(
            "ID_NUMBER_BIRTH_TOO_EARLY",
            format!("公民身份号码中的出生日期 {date} 早于{EARLIEST_BIRTH_YEAR}年，请核对。"),
        )),
        Some(_) => {}
    }
    let expected = check_character(&upper[..17]);
    let found = upper[17..].chars().next();
    if expected != found {
        // Never name the expected check character: a typo is as likely anywhere in the
        // number, and "correcting" the last character makes a valid but wrong number.
        // The number grouped 6-8-4 (region, birth date, sequence and check) is easier to
        // compare with the card digit by digit.
        issues.push(issue(
            "ID_NUMBER_CHECKSUM",
            format!(
                "公民身份号码有误，请对照证件逐位核对：{} {} {}",
                &upper[..6],
                &upper[6..14],
                &upper[14..]
            ),
        ));
    }
    let Some(birth_date) = birth_date.filter(|_| issues.is_empty()) else {
        return Err(issues);
    };
    let sequence_digit = upper.as_bytes()[16] - b'0';
    let gender = if sequence_digit % 2 == 1 { Gender::Male } else { Gender::Female };
    Ok(DecodedId { region_code: upper[..6].to_owned(), number: IdNumber(upper), birth_date, gender })
}

fn parse_birth_date(yyyymmdd: &str) -> Option<NaiveDate> {
    let year = yyyymmdd.get(0..4)?.parse().ok()?;
    let month = yyyymmdd.get(4..6)?.parse().ok()?;
    let day = yyyymmdd.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

fn issue(code: &'static str, message: String) -> FieldIssue {
    FieldIssue::new(FIELD, code, message)
}

/// The shortest hexadecimal token [`redact`] leaves alone: an SM3 or SHA-256 digest is 64
/// digits, a key or a signature more; an ID number is 18 characters.
pub const HEX_TOKEN_MIN: usize = 32;

/// Whether the digits `chars[start..end]` lie inside a hexadecimal token of at least
/// [`HEX_TOKEN_MIN`] characters that has a letter in it.
fn within_hex_token(chars: &[char], start: usize, end: usize) -> bool {
    let first = chars[..start].iter().rev().take_while(|c| c.is_ascii_hexdigit()).count();
    let last = chars[end..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    let token = &chars[start - first..end + last];
    token.len() >= HEX_TOKEN_MIN && token.iter().any(char::is_ascii_alphabetic)
}

/// What [`redact`] puts where an ID number was.
pub const REDACTED: &str = "[id number removed]";

/// `text` with every ID number taken out (`None` when there was none): runs of 15 or more
/// digits with the check character `X` after them, and the grouping the window shows for
/// checking (`110105 19491231 0021`, six, eight and four). For anything written outside
/// the encrypted store — log files, audit details. Phone numbers (11 digits), dates,
/// application numbers (digits between hyphens), key fingerprints (groups of four) and
/// digits inside a hexadecimal digest, key or signature (a run of at least
/// [`HEX_TOKEN_MIN`] hex digits with a letter among them) stay.
pub fn redact(text: &str) -> Option<String> {
    const MIN_DIGITS: usize = 15;
    let chars: Vec<char> = text.chars().collect();
    let digits_from =
        |at: usize| chars[at.min(chars.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    let is_check = |at: usize| chars.get(at).is_some_and(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x'));
    let mut output = String::with_capacity(text.len());
    let mut changed = false;
    let mut index = 0;
    while index < chars.len() {
        if !chars[index].is_ascii_digit() {
            output.push(chars[index]);
            index += 1;
            continue;
        }
        let run = digits_from(index);
        let mut end = index + run;
        if within_hex_token(&chars, index, end) {
            output.extend(&chars[index..end]);
            index = end;
            continue;
        }
        let plain = run >= MIN_DIGITS;
        // 6 + space + 8 + space + 3 digits and a check character.
        let grouped = run == 6
            && chars.get(end) == Some(&' ')
            && digits_from(end + 1) == 8
            && chars.get(end + 9) == Some(&' ')
            && digits_from(end + 10) >= 3
            && is_check(end + 13)
            && !chars.get(end + 14).is_some_and(char::is_ascii_digit);
        if plain {
            if matches!(chars.get(end), Some('X' | 'x')) {
                end += 1;
            }
        } else if grouped {
            end += 14;
        }
        if plain || grouped {
            output.push_str(REDACTED);
            changed = true;
        } else {
            output.extend(&chars[index..end]);
        }
        index = end;
    }
    changed.then_some(output)
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_takes_out_id_numbers_plain_grouped_or_old_and_leaves_phones_dates_and_case_numbers() {
        let cases = [
            ("号码 341203199003071219 有误", Some("号码 [id number removed] 有误")),
            ("核对：110105 19491231 002x。", Some("核对：[id number removed]。")),
            ("15位旧号 110105491231002", Some("15位旧号 [id number removed]")),
            ("电话 13800138000，2026-12-04 10:00，33018201-20261205-0001", None),
            ("seq 42 of 1000 lines", None),
            ("摘要 4f2f9942b7ccad61b071889a5eb96b5b596ef1fea571064106661087b5267a44", None),
            ("短 ab341203199003071219cd", Some("短 ab[id number removed]cd")),
            ("全数字 3412031990030712193412031990030712191234", Some("全数字 [id number removed]")),
            ("指纹 1111 1111 2222 2222 3333 3333 4444 4444", None),
            ("两个 110105 19491231 00212", None),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text).as_deref(), expected, "{text}");
        }
    }

    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn the_canonical_form_is_the_valid_number_and_idempotent() {
        for (typed, expected) in [
            (" 33010219900307123x ", "33010219900307123X"),
            ("３３０１０２１９９００３０７１２３Ｘ", "33010219900307123X"),
            ("330102 19900307 123ｘ", "33010219900307123X"),
            ("ab12", "AB12"),
        ] {
            assert_eq!(canonical(typed), expected, "{typed}");
            assert_eq!(canonical(expected), expected, "idempotent");
        }
        let valid = "11010519491231002X";
        let decoded = check(valid, day("2026-11-21")).expect("valid");
        assert_eq!(canonical(&valid.to_lowercase()), decoded.number.as_str());
    }

    /// Asserts that `input` is valid on 2026-11-21 and decodes as given.
    fn check_valid(input: &str, normalized: &str, birth: &str, gender: Gender) {
        let decoded =
            check(input, day("2026-11-21")).unwrap_or_else(|e| panic!("{input} should be valid: {e:?}"));
        assert_eq!(decoded.number.as_str(), normalized, "normalised form of {input}");
        assert_eq!(decoded.birth_date, day(birth), "birth date of {input}");
        assert_eq!(decoded.gender, gender, "gender of {input}");
    }

    /// Asserts that `input` is refused on `today` with exactly `codes`.
    fn check_codes(input: &str, today: &str, codes: &[&str]) {
        let issues = check(input, day(today)).expect_err("should be invalid");
        let found: Vec<&str> = issues.iter().map(|i| i.code).collect();
        assert_eq!(found, codes, "codes for {input:?}: {issues:?}");
        assert!(issues.iter().all(|i| !i.message.is_empty() && i.field == "id_number"));
    }

    #[test]
    fn standard_examples_are_valid() {
        check_valid("11010519491231002X", "11010519491231002X", "1949-12-31", Gender::Female);
        check_valid("11010519491231002x", "11010519491231002X", "1949-12-31", Gender::Female);
        check_valid("440524188001010014", "440524188001010014", "1880-01-01", Gender::Male);
        check_valid("513101198201130014", "513101198201130014", "1982-01-13", Gender::Male);
        check_valid(" 330105199001011233 ".trim(), "330105199001011233", "1990-01-01", Gender::Male);
    }

    #[test]
    fn abolished_county_codes_stay_valid() {
        let first17 = "33010319850315002";
        let number = format!("{first17}{}", check_character(first17).expect("digits"));
        check_valid(&number, &number, "1985-03-15", Gender::Female);
    }

    #[test]
    fn leap_days() {
        let leap = format!("33018220000229001{}", check_character("33018220000229001").expect("digits"));
        check_valid(&leap, &leap, "2000-02-29", Gender::Male);
        let not_leap = format!("33018219000229001{}", check_character("33018219000229001").expect("digits"));
        check_codes(&not_leap, "2026-11-21", &["ID_NUMBER_BIRTH_DATE"]);
        let not_leap_2023 =
            format!("33018220230229001{}", check_character("33018220230229001").expect("digits"));
        check_codes(&not_leap_2023, "2026-11-21", &["ID_NUMBER_BIRTH_DATE"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        check_codes("330182199013450019", "2026-11-21", &["ID_NUMBER_BIRTH_DATE", "ID_NUMBER_CHECKSUM"]);
        check_codes("990182199001010019", "2026-11-21", &["ID_NUMBER_FOREIGN_PERMANENT_RESIDENT"]);
    }

    #[test]
    fn refusals() {
        check_codes("", "2026-11-21", &["ID_NUMBER_EMPTY"]);
        check_codes("11010519491231002Y", "2026-11-21", &["ID_NUMBER_CHARACTER"]);
        check_codes("1101051949123100X2", "2026-11-21", &["ID_NUMBER_CHARACTER"]);
        check_codes("110105194912310021", "2026-11-21", &["ID_NUMBER_CHECKSUM"]);
        let Err(issues) = check("110105194912310021", day("2026-11-21")) else {
            panic!("a wrong check character is refused");
        };
        let message = &issues[0].message;
        assert!(
            message.contains("逐位核对") && message.contains("110105 19491231 0021"),
            "the number grouped 6-8-4: {message}"
        );
        assert!(!message.contains("应为"), "the answer is not given away: {message}");
        check_codes("110105491231002", "2026-11-21", &["ID_NUMBER_LEGACY_15"]);
        check_codes("1101051949123", "2026-11-21", &["ID_NUMBER_LENGTH"]);
        check_codes("１１０１０５１９４９１２３１００２Ｘ", "2026-11-21", &["ID_NUMBER_FULL_WIDTH"]);
        check_codes("110105 19491231 002X", "2026-11-21", &["ID_NUMBER_WHITESPACE"]);
        check_codes("810000199001010012", "2026-11-21", &["ID_NUMBER_HK_MO_TW_PERMIT"]);
        check_codes("820000199001010012", "2026-11-21", &["ID_NUMBER_HK_MO_TW_PERMIT"]);
        check_codes("830000199001010012", "2026-11-21", &["ID_NUMBER_HK_MO_TW_PERMIT"]);
        check_codes("910000199001010012", "2026-11-21", &["ID_NUMBER_FOREIGN_PERMANENT_RESIDENT"]);
    }

    #[test]
    fn unknown_province_prefix() {
        let first17 = "70010519900101001";
        let number = format!("{first17}{}", check_character(first17).expect("digits"));
        check_codes(&number, "2026-11-21", &["ID_NUMBER_PROVINCE"]);
    }

    #[test]
    fn birth_after_acceptance_date_is_refused() {
        let first17 = "33018220261122001";
        let number = format!("{first17}{}", check_character(first17).expect("digits"));
        check_codes(&number, "2026-11-21", &["ID_NUMBER_BIRTH_IN_FUTURE"]);
        assert!(check(&number, day("2026-11-22")).is_ok(), "born on the acceptance day is allowed");
    }

    #[test]
    fn legacy_upgrade_matches_standard() {
        assert_eq!(upgrade_legacy("110105491231002").as_deref(), Some("11010519491231002X"));
        let issues = check("110105491231002", day("2026-11-21")).expect_err("legacy");
        assert!(issues[0].message.contains("11010519491231002X"), "message names the upgraded number");
    }

    #[test]
    fn masking_keeps_region_and_tail() {
        let decoded = check("11010519491231002X", day("2026-11-21")).expect("valid");
        assert_eq!(decoded.number.masked(), "110105********002X");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            "x",
            "X",
            "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
            "11010519491231002XX",
            "\u{0}",
            "一二三四五六七八九十一二三四五六七八",
        ] {
            let _ = check(input, day("2026-11-21"));
        }
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(day("2010-11-22"), day("2026-11-21")), 15);
        assert_eq!(age_on(day("2010-11-21"), day("2026-11-21")), 16);
    }
}
