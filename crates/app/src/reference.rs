//! The reference data shipped inside the binary: GB/T 2260 divisions, GB 3304 ethnic
//! groups and the holiday calendar.
//!
//! The tables are the versioned files under `assets/reference/` (see the README
//! there for sources, licences and how to update them), embedded at build time with
//! `include_str!` and parsed once, on first use, by the `domain` parsers. Nothing is
//! read from disk or the network at run time; a newer holiday table can still be
//! merged over the embedded one (see [`crate::deadline`]).

use std::sync::OnceLock;

use domain::calendar::{CalendarError, HolidayCalendar};
use domain::reference::{Divisions, EthnicGroups, ReferenceError};

const DIVISIONS_CSV: &str = include_str!("../../../assets/reference/divisions.csv");
const DIVISIONS_HISTORICAL_CSV: &str = include_str!("../../../assets/reference/divisions-historical.csv");
const ETHNIC_GROUPS_CSV: &str = include_str!("../../../assets/reference/ethnic-groups.csv");
const HOLIDAYS_JSON: &str = include_str!("../../../assets/reference/holidays.json");

/// All reference tables, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceData {
    /// Current and historical GB/T 2260 codes.
    pub divisions: Divisions,
    /// GB 3304 ethnic groups plus 97 and 98.
    pub ethnic_groups: EthnicGroups,
    /// Holidays and adjusted working days of the embedded years (2023–2026).
    pub holidays: HolidayCalendar,
}

/// An embedded table does not parse. The tests of this module parse every table,
/// so this only happens if a broken asset was committed without running them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceLoadError {
    /// `divisions.csv`, `divisions-historical.csv` or `ethnic-groups.csv` is broken.
    #[error("embedded reference table: {0}")]
    Table(#[from] ReferenceError),
    /// `holidays.json` is broken.
    #[error("embedded holiday table: {0}")]
    Holidays(CalendarError),
}

/// The embedded reference data, parsed on the first call and shared afterwards.
pub fn embedded() -> Result<&'static ReferenceData, ReferenceLoadError> {
    static DATA: OnceLock<Result<ReferenceData, ReferenceLoadError>> = OnceLock::new();
    DATA.get_or_init(parse_embedded).as_ref().map_err(Clone::clone)
}

/// Checks that `code` is a current Zhejiang county-level division (an office's county).
pub fn check_county(code: &str) -> Result<(), &'static str> {
    let divisions = &embedded().map_err(|_| "the embedded division table is broken")?.divisions;
    match divisions.get(code) {
        Some(division)
            if division.level == domain::reference::DivisionLevel::County
                && division.is_current()
                && code.starts_with("33") =>
        {
            Ok(())
        }
        _ => Err("county_code is not a current Zhejiang county-level division"),
    }
}

fn parse_embedded() -> Result<ReferenceData, ReferenceLoadError> {
    Ok(ReferenceData {
        divisions: Divisions::parse(DIVISIONS_CSV, DIVISIONS_HISTORICAL_CSV)?,
        ethnic_groups: EthnicGroups::parse(ETHNIC_GROUPS_CSV)?,
        holidays: HolidayCalendar::parse(HOLIDAYS_JSON).map_err(ReferenceLoadError::Holidays)?,
    })
}

#[cfg(test)]
mod tests {
    use domain::reference::DivisionLevel;

    use super::*;

    fn data() -> &'static ReferenceData {
        embedded().unwrap_or_else(|e| panic!("the embedded tables must parse: {e}"))
    }

    /// Asserts the full name of `code` in the shipped tables.
    fn check_describe(code: &str, expected: Option<&str>) {
        assert_eq!(data().divisions.describe(code).as_deref(), expected, "full name of {code}");
    }

    #[test]
    fn counties_of_the_policy_documents() {
        check_describe("330105", Some("浙江省杭州市拱墅区"));
        check_describe("330182", Some("浙江省杭州市建德市"));
        check_describe("330424", Some("浙江省嘉兴市海盐县"));
        check_describe("331121", Some("浙江省丽水市青田县"));
        check_describe("331127", Some("浙江省丽水市景宁畲族自治县"));
        check_describe("330113", Some("浙江省杭州市临平区"));
        check_describe("330114", Some("浙江省杭州市钱塘区"));
        check_describe("330103", Some("浙江省杭州市下城区（已撤销）"));
        check_describe("330104", Some("浙江省杭州市江干区（已撤销）"));
        check_describe("110105", Some("北京市朝阳区"));
        check_describe("429004", Some("湖北省仙桃市"));
        check_describe("653229", Some("新疆维吾尔自治区和田地区和安县"));
        for (code, current) in [("330105", true), ("330182", true), ("330103", false), ("330104", false)] {
            assert_eq!(data().divisions.is_current(code), current, "is {code} current");
        }
    }

    #[test]
    fn zhejiang_has_11_cities_and_90_counties() {
        let divisions = &data().divisions;
        let cities = divisions.children("330000");
        assert_eq!(cities.len(), 11, "Zhejiang's prefecture-level cities (domain-reference §2.2)");
        let n_counties: usize = cities.iter().map(|city| divisions.children(&city.code).len()).sum();
        assert_eq!(n_counties, 90, "Zhejiang's county-level units (domain-reference §2.2)");
        let hangzhou: Vec<&str> = divisions.children("330100").iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            hangzhou,
            [
                "上城区",
                "拱墅区",
                "西湖区",
                "滨江区",
                "萧山区",
                "余杭区",
                "富阳区",
                "临安区",
                "临平区",
                "钱塘区",
                "桐庐县",
                "淳安县",
                "建德市"
            ],
            "Hangzhou after the 2021 adjustment"
        );
    }

    #[test]
    fn the_whole_country_without_pseudo_units() {
        let divisions = &data().divisions;
        assert_eq!(divisions.provinces().len(), 34, "31 mainland provinces plus Taiwan, Hong Kong, Macau");
        for province in ["710000", "810000", "820000"] {
            assert!(divisions.children(province).is_empty(), "{province} is kept as a province row only");
        }
        for pseudo in ["130171", "130390", "441901", "620290", "232761", "710101"] {
            assert!(
                divisions.get(pseudo).is_none(),
                "{pseudo} is an NBS or package pseudo-unit, not GB/T 2260"
            );
        }
        for real in ["500151", "230751", "460302", "659001"] {
            assert!(divisions.is_current(real), "{real} is a real county-level code kept by the filter");
        }
        let province = divisions.province_of("330182").map(|d| (d.code.as_str(), d.level));
        assert_eq!(province, Some(("330000", DivisionLevel::Province)));
        assert_eq!(divisions.city_of("330424").map(|d| d.name.as_str()), Some("嘉兴市"));
    }

    /// Asserts that `search(query)` in the shipped tables puts `code` first.
    fn check_search_first(query: &str, code: &str) {
        let hits = data().divisions.search(query, 10);
        assert_eq!(hits.first().map(|d| d.code.as_str()), Some(code), "search({query:?}) gave {hits:?}");
    }

    #[test]
    fn search_finds_the_policy_counties() {
        check_search_first("jds", "330182");
        check_search_first("海盐", "330424");
        check_search_first("青田", "331121");
        check_search_first("拱墅", "330105");
        check_search_first("330182", "330182");
        let changzhi = data().divisions.search("czs", 50).iter().any(|d| d.code == "140400");
        assert!(changzhi, "长治市 is found as czs (cháng, not zhǎng)");
        assert!(
            data().divisions.search("下城", 10).is_empty(),
            "abolished codes are not offered in the picker"
        );
    }

    #[test]
    fn ethnic_groups() {
        let groups = &data().ethnic_groups;
        assert_eq!(groups.all().len(), 58, "56 groups plus 97 and 98");
        for (input, code) in
            [("汉", "01"), ("汉族", "01"), ("畲族", "22"), ("崩龙族", "46"), ("毛难族", "36"), ("基诺", "56")]
        {
            assert_eq!(groups.by_name(input).map(|g| g.code.as_str()), Some(code), "by_name({input})");
        }
        assert_eq!(groups.get("98").map(|g| g.name.as_str()), Some("外国血统中国籍人士"));
        for legacy in ["57", "58", "59", "99"] {
            assert!(groups.get(legacy).is_none(), "{legacy} is not a GB 3304 code");
        }
        assert_eq!(groups.search("sz").first().map(|g| g.name.as_str()), Some("畲族"), "畲族 by initials");
    }

    #[test]
    fn holidays_cover_2023_to_2026_with_sources() {
        let holidays = &data().holidays;
        let years: Vec<(i32, usize, usize)> =
            holidays.years().map(|t| (t.year, t.holidays.len(), t.adjusted_working_days.len())).collect();
        assert_eq!(
            years,
            [(2023, 26, 7), (2024, 28, 8), (2025, 28, 5), (2026, 33, 6)],
            "days off and adjusted working days per year (domain-reference §4.2)"
        );
        assert!(holidays.years().all(|t| t.source.contains("gov.cn")), "every year names its notice");
        assert!(!holidays.covers(2027), "2027 was not published when the table was made");
    }
}
