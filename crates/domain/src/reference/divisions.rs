//! GB/T 2260 administrative divisions: province → city → county, current and historical.
//!
//! Two tables feed [`Divisions::parse`]:
//! - the current codes (`divisions.csv`: `code,name,level,parent,initials`), used by
//!   the 常住户口 pickers;
//! - codes no longer in use (`divisions-historical.csv`:
//!   `code,name,level,parent,last_seen_revision`), which stay valid inside old ID
//!   numbers forever (330103 下城区 was abolished in 2021, but a number starting with
//!   it is still a valid number).
//!
//! Lookups ([`Divisions::get`], [`Divisions::describe`], [`Divisions::province_of`],
//! [`Divisions::city_of`]) see both tables; [`Divisions::search`], which feeds the
//! pickers, sees only current codes, because a clerk must not record an abolished
//! county as a current household registration.

use std::collections::BTreeMap;

use super::{ReferenceError, is_digits, is_initials, parse_csv};

const CURRENT_FILE: &str = "divisions.csv";
const HISTORICAL_FILE: &str = "divisions-historical.csv";
const CURRENT_HEADER: [&str; 5] = ["code", "name", "level", "parent", "initials"];
const HISTORICAL_HEADER: [&str; 5] = ["code", "name", "level", "parent", "last_seen_revision"];

/// Grouping rows of GB/T 2260 whose names say nothing about a place; a full name
/// ([`Divisions::describe`]) leaves them out unless they are the row described.
const PLACEHOLDER_NAMES: [&str; 4] = ["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"];

/// Appended by [`Divisions::describe`] to the name of a code no longer in use.
pub const ABOLISHED_MARK: &str = "（已撤销）";

/// The three levels of GB/T 2260.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DivisionLevel {
    /// 省级: province, autonomous region, municipality, SAR (code `XX0000`).
    Province,
    /// 地级: prefecture-level city, prefecture, league, or a grouping such as
    /// 省直辖县级行政区划 (code `XXYY00`).
    City,
    /// 县级: district, county, county-level city, banner (any other code).
    County,
}

impl DivisionLevel {
    /// The three, from the top.
    pub const ALL: [DivisionLevel; 3] = [DivisionLevel::Province, DivisionLevel::City, DivisionLevel::County];

    /// The word used in the CSV files and by the window: `province`, `city` or `county`.
    pub fn as_str(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::City => "city",
            DivisionLevel::County => "county",
        }
    }

    /// The level named by [`as_str`](Self::as_str)'s word.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "province" => Some(DivisionLevel::Province),
            "city" => Some(DivisionLevel::City),
            "county" => Some(DivisionLevel::County),
            _ => None,
        }
    }

    /// The level a six-digit code has by its shape.
    fn of_code(code: &str) -> Self {
        if code.ends_with("0000") {
            DivisionLevel::Province
        } else if code.ends_with("00") {
            DivisionLevel::City
        } else {
            DivisionLevel::County
        }
    }
}

/// Whether a code is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DivisionStatus {
    /// Listed in the current table.
    Current,
    /// Only in older GB/T 2260 revisions.
    Historical {
        /// The latest revision (`YYYYMM`) known to list the code.
        last_seen_revision: String,
    },
}

/// One row of GB/T 2260.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    /// Six-digit code, e.g. `330182`.
    pub code: String,
    /// Name at this level only, e.g. `建德市`.
    pub name: String,
    /// Province, city or county.
    pub level: DivisionLevel,
    /// Code of the level above; `None` for a province.
    pub parent: Option<String>,
    /// Lowercase pinyin initials of the name for the picker (`jds`); empty for
    /// historical codes, which are never offered in a picker.
    pub initials: String,
    /// Current or historical.
    pub status: DivisionStatus,
}

impl Division {
    /// True if the code is in the current table.
    pub fn is_current(&self) -> bool {
        self.status == DivisionStatus::Current
    }
}

/// Both division tables, indexed by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divisions {
    by_code: BTreeMap<String, Division>,
}

impl Divisions {
    /// Parses the current and the historical table.
    ///
    /// Checks every code is six digits with a level matching its shape, that codes
    /// are unique across both tables, and that every parent exists one or two levels
    /// up with the same leading digits (a current row's parent must be current).
    pub fn parse(current_csv: &str, historical_csv: &str) -> Result<Divisions, ReferenceError> {
        let mut by_code = BTreeMap::new();
        let mut lines = Vec::new();
        for row in parse_csv(CURRENT_FILE, current_csv, &CURRENT_HEADER)? {
            let [code, name, level, parent, initials] = row.fields[..] else { continue };
            if !is_initials(initials) {
                return Err(value_error(
                    CURRENT_FILE,
                    row.line,
                    format!("initials `{initials}` are not lowercase letters"),
                ));
            }
            let division =
                division(CURRENT_FILE, row.line, [code, name, level, parent], DivisionStatus::Current)?;
            let division = Division { initials: initials.to_owned(), ..division };
            insert(&mut by_code, CURRENT_FILE, row.line, division)?;
            lines.push((CURRENT_FILE, row.line, code));
        }
        for row in parse_csv(HISTORICAL_FILE, historical_csv, &HISTORICAL_HEADER)? {
            let [code, name, level, parent, revision] = row.fields[..] else { continue };
            if !is_digits(revision, 6) {
                return Err(value_error(
                    HISTORICAL_FILE,
                    row.line,
                    format!("revision `{revision}` is not yyyymm"),
                ));
            }
            let status = DivisionStatus::Historical { last_seen_revision: revision.to_owned() };
            let division = division(HISTORICAL_FILE, row.line, [code, name, level, parent], status)?;
            insert(&mut by_code, HISTORICAL_FILE, row.line, division)?;
            lines.push((HISTORICAL_FILE, row.line, code));
        }
        for (file, line, code) in lines {
            check_parent(&by_code, file, line, code)?;
        }
        Ok(Divisions { by_code })
    }

    /// The division with this code, current or historical.
    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code)
    }

    /// True if `code` is in the current table (false for historical and unknown codes).
    pub fn is_current(&self, code: &str) -> bool {
        self.get(code).is_some_and(Division::is_current)
    }

    /// The full name from the province down, e.g. `浙江省杭州市建德市`, or
    /// `浙江省杭州市下城区（已撤销）` for a historical code; `None` for an unknown code.
    ///
    /// Grouping rows (市辖区, 县, 省直辖县级行政区划) and a city named like its
    /// municipality (北京市北京市) are left out, so `110105` reads `北京市朝阳区` and
    /// `429004` reads `湖北省仙桃市`.
    pub fn describe(&self, code: &str) -> Option<String> {
        let division = self.get(code)?;
        let mut text = String::new();
        let mut previous_name: Option<&str> = None;
        for ancestor in self.lineage(division) {
            let is_leaf = ancestor.code == division.code;
            let is_placeholder = PLACEHOLDER_NAMES.contains(&ancestor.name.as_str());
            if is_leaf || !(is_placeholder || previous_name == Some(ancestor.name.as_str())) {
                text.push_str(&ancestor.name);
                previous_name = Some(&ancestor.name);
            }
        }
        if !division.is_current() {
            text.push_str(ABOLISHED_MARK);
        }
        Some(text)
    }

    /// The province a known code belongs to (itself for a province).
    pub fn province_of(&self, code: &str) -> Option<&Division> {
        let division = self.get(code)?;
        self.lineage(division).into_iter().find(|d| d.level == DivisionLevel::Province)
    }

    /// The prefecture-level row a known code belongs to (itself for a city); `None`
    /// for a province and for a county directly under its province.
    pub fn city_of(&self, code: &str) -> Option<&Division> {
        let division = self.get(code)?;
        self.lineage(division).into_iter().find(|d| d.level == DivisionLevel::City)
    }

    /// The current provinces, in code order.
    pub fn provinces(&self) -> Vec<&Division> {
        self.by_code.values().filter(|d| d.is_current() && d.level == DivisionLevel::Province).collect()
    }

    /// The current divisions directly under `code`, in code order (a cascading picker's
    /// next list).
    pub fn children(&self, code: &str) -> Vec<&Division> {
        self.by_code.values().filter(|d| d.is_current() && d.parent.as_deref() == Some(code)).collect()
    }

    /// Current divisions matching `query`, best first, at most `limit`.
    ///
    /// What matches depends on the query:
    /// - digits: the code (`3301` finds 杭州市 and its districts);
    /// - ASCII letters: the pinyin initials, case-insensitive (`jds` finds 建德市);
    /// - anything else: the Chinese name, as a substring (`海盐` finds 海盐县).
    ///
    /// Ranking: exact matches (whole code, whole name, whole initials) first, then
    /// prefix matches, then other substrings. Within a rank, code queries stay in code
    /// order (the province, then its cities, then their counties), while name and
    /// initials queries list counties before cities before provinces, since the form
    /// asks for the county of household registration; ties go by code.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Division> {
        let query = query.trim().to_ascii_lowercase();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let by_code = query.bytes().all(|b| b.is_ascii_digit());
        let by_initials = query.bytes().all(|b| b.is_ascii_lowercase());
        let mut hits: Vec<(u8, u8, &Division)> = self
            .by_code
            .values()
            .filter(|d| d.is_current())
            .filter_map(|d| {
                let field = if by_code {
                    &d.code
                } else if by_initials {
                    &d.initials
                } else {
                    &d.name
                };
                let rank = if *field == query {
                    0
                } else if field.starts_with(&query) {
                    1
                } else if !by_code && !by_initials && field.contains(&query) {
                    2
                } else {
                    return None;
                };
                let level_rank = match (by_code, d.level) {
                    (true, _) => 0,
                    (false, DivisionLevel::County) => 0,
                    (false, DivisionLevel::City) => 1,
                    (false, DivisionLevel::Province) => 2,
                };
                Some((rank, level_rank, d))
            })
            .collect();
        hits.sort_by(|a, b| (a.0, a.1, &a.2.code).cmp(&(b.0, b.1, &b.2.code)));
        hits.into_iter().take(limit).map(|(_, _, d)| d).collect()
    }

    /// The current county an address starts with, and the rest of the address after it:
    /// a card's 住址 `安徽省阜阳市颍东区向阳路街道幸福村12号` gives 颍东区 and
    /// `向阳路街道幸福村12号`. The county's full name ([`Divisions::describe`]) or its
    /// province's name followed by its own may lead the address; the longest match wins.
    /// `None` when no current county leads it (an address written another way, or a county
    /// renamed since the card was issued).
    pub fn locate_address<'a>(&self, address: &'a str) -> Option<(&Division, &'a str)> {
        let address = address.trim();
        let mut best: Option<(&Division, usize)> = None;
        for county in self.by_code.values().filter(|d| d.is_current() && d.level == DivisionLevel::County) {
            let Some(full) = self.describe(&county.code) else { continue };
            let short =
                self.province_of(&county.code).map(|province| format!("{}{}", province.name, county.name));
            for lead in std::iter::once(full).chain(short) {
                if address.starts_with(&lead) && best.is_none_or(|(_, len)| lead.len() > len) {
                    best = Some((county, lead.len()));
                }
            }
        }
        best.map(|(county, len)| (county, &address[len..]))
    }

    /// The division and its ancestors, province first.
    fn lineage<'a>(&'a self, division: &'a Division) -> Vec<&'a Division> {
        let mut chain = vec![division];
        // Parents are strictly higher levels (checked in `parse`), so this ends
        // after at most two steps.
        while let Some(parent) = chain.last().and_then(|d| d.parent.as_deref()).and_then(|p| self.get(p)) {
            chain.push(parent);
        }
        chain.reverse();
        chain
    }
}

/// Builds a division from `code,name,level,parent`, checking each field alone.
fn division(
    file: &'static str,
    line: usize,
    [code, name, level, parent]: [&str; 4],
    status: DivisionStatus,
) -> Result<Division, ReferenceError> {
    if !is_digits(code, 6) || code.starts_with('0') {
        return Err(value_error(file, line, format!("code `{code}` is not six digits")));
    }
    if name.trim().is_empty() || name.trim() != name {
        return Err(value_error(file, line, format!("name `{name}` is empty or padded")));
    }
    let Some(level) = DivisionLevel::parse(level) else {
        return Err(value_error(file, line, format!("level `{level}` is not province, city or county")));
    };
    if DivisionLevel::of_code(code) != level {
        return Err(value_error(file, line, format!("code `{code}` cannot be a {}", level.as_str())));
    }
    let parent = match (level, parent) {
        (DivisionLevel::Province, "") => None,
        (DivisionLevel::Province, _) => {
            return Err(value_error(file, line, format!("province `{code}` has a parent")));
        }
        (_, "") => return Err(value_error(file, line, format!("`{code}` has no parent"))),
        (_, parent) => Some(parent.to_owned()),
    };
    Ok(Division {
        code: code.to_owned(),
        name: name.to_owned(),
        level,
        parent,
        initials: String::new(),
        status,
    })
}

fn insert(
    by_code: &mut BTreeMap<String, Division>,
    file: &'static str,
    line: usize,
    division: Division,
) -> Result<(), ReferenceError> {
    if by_code.contains_key(&division.code) {
        return Err(value_error(file, line, format!("code `{}` is listed twice", division.code)));
    }
    by_code.insert(division.code.clone(), division);
    Ok(())
}

/// Checks that the parent of `code` exists, is a higher level with the same leading
/// digits, and is current if `code` is.
fn check_parent(
    by_code: &BTreeMap<String, Division>,
    file: &'static str,
    line: usize,
    code: &str,
) -> Result<(), ReferenceError> {
    let Some(division) = by_code.get(code) else { return Ok(()) };
    let Some(parent_code) = division.parent.as_deref() else { return Ok(()) };
    let Some(parent) = by_code.get(parent_code) else {
        return Err(value_error(file, line, format!("parent `{parent_code}` of `{code}` is not listed")));
    };
    let shared_digits = match parent.level {
        DivisionLevel::Province => 2,
        DivisionLevel::City => 4,
        DivisionLevel::County => 6,
    };
    if parent.level >= division.level || code[..shared_digits] != parent_code[..shared_digits] {
        return Err(value_error(file, line, format!("`{parent_code}` cannot be the parent of `{code}`")));
    }
    if division.is_current() && !parent.is_current() {
        return Err(value_error(
            file,
            line,
            format!("current `{code}` has historical parent `{parent_code}`"),
        ));
    }
    Ok(())
}

fn value_error(file: &'static str, line: usize, problem: String) -> ReferenceError {
    ReferenceError::Value { file, line, problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &str = "\
# test fixture
code,name,level,parent,initials
110000,北京市,province,,bjs
110100,北京市,city,110000,bjs
110105,朝阳区,county,110100,cyq
330000,浙江省,province,,zjs
330100,杭州市,city,330000,hzs
330102,上城区,county,330100,scq
330105,拱墅区,county,330100,gsq
330182,建德市,county,330100,jds
330400,嘉兴市,city,330000,jxs
330424,海盐县,county,330400,hyx
420000,湖北省,province,,hbs
429000,省直辖县级行政区划,city,420000,szxxjxzqh
429004,仙桃市,county,429000,xts
";
    const HISTORICAL: &str = "\
code,name,level,parent,last_seen_revision
330101,市辖区,county,330100,201607
330103,下城区,county,330100,201607
330183,富阳市,county,330100,201410
341400,巢湖市,city,340000,201010
341421,庐江县,county,341400,201010
340000,安徽省,province,,201607
";

    fn divisions() -> Divisions {
        Divisions::parse(CURRENT, HISTORICAL).unwrap_or_else(|e| panic!("fixture parses: {e}"))
    }

    /// Asserts the full name of `code`.
    fn check_describe(code: &str, expected: Option<&str>) {
        assert_eq!(divisions().describe(code).as_deref(), expected, "full name of {code}");
    }

    #[test]
    fn an_address_is_located_by_the_county_it_starts_with() {
        let divisions = divisions();
        let located = |address: &str| {
            divisions.locate_address(address).map(|(county, rest)| (county.code.clone(), rest.to_owned()))
        };
        assert_eq!(
            located("浙江省杭州市建德市新安江街道1号"),
            Some(("330182".into(), "新安江街道1号".into()))
        );
        assert_eq!(located("浙江省建德市新安江街道1号"), Some(("330182".into(), "新安江街道1号".into())));
        assert_eq!(located("北京市朝阳区建国路2号"), Some(("110105".into(), "建国路2号".into())));
        assert_eq!(located("湖北省仙桃市沔阳大道3号"), Some(("429004".into(), "沔阳大道3号".into())));
        // A district abolished since the card was issued, a city alone, no province: not located.
        assert_eq!(located("浙江省杭州市下城区武林路4号"), None);
        assert_eq!(located("浙江省杭州市5号"), None);
        assert_eq!(located("建德市新安江街道1号"), None);
    }

    #[test]
    fn describe_names_every_level() {
        check_describe("330182", Some("浙江省杭州市建德市"));
        check_describe("330100", Some("浙江省杭州市"));
        check_describe("330000", Some("浙江省"));
        check_describe("110105", Some("北京市朝阳区"));
        check_describe("429004", Some("湖北省仙桃市"));
        check_describe("429000", Some("湖北省省直辖县级行政区划"));
        check_describe("330103", Some("浙江省杭州市下城区（已撤销）"));
        check_describe("330101", Some("浙江省杭州市市辖区（已撤销）"));
        check_describe("341421", Some("安徽省巢湖市庐江县（已撤销）"));
        check_describe("330199", None);
        check_describe("", None);
    }

    /// Asserts the province and city of `code`.
    fn check_ancestors(code: &str, province: Option<&str>, city: Option<&str>) {
        let divisions = divisions();
        let found_province = divisions.province_of(code).map(|d| d.code.as_str());
        let found_city = divisions.city_of(code).map(|d| d.code.as_str());
        assert_eq!((found_province, found_city), (province, city), "province and city of {code}");
    }

    #[test]
    fn ancestors() {
        check_ancestors("330182", Some("330000"), Some("330100"));
        check_ancestors("330100", Some("330000"), Some("330100"));
        check_ancestors("330000", Some("330000"), None);
        check_ancestors("330103", Some("330000"), Some("330100"));
        check_ancestors("341421", Some("340000"), Some("341400"));
        check_ancestors("999999", None, None);
    }

    #[test]
    fn current_and_historical() {
        let divisions = divisions();
        for (code, current) in [("330105", true), ("330103", false), ("330000", true), ("330199", false)] {
            assert_eq!(divisions.is_current(code), current, "is {code} current");
        }
        assert_eq!(
            divisions.get("330183").map(|d| d.status.clone()),
            Some(DivisionStatus::Historical { last_seen_revision: "201410".into() }),
            "historical rows keep their last revision"
        );
        let zhejiang: Vec<&str> = divisions.children("330000").iter().map(|d| d.code.as_str()).collect();
        assert_eq!(zhejiang, ["330100", "330400"], "children are current only");
        let provinces: Vec<&str> = divisions.provinces().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(provinces, ["北京市", "浙江省", "湖北省"], "安徽省 is only historical in the fixture");
    }

    /// Asserts the codes `search(query, limit)` returns, in order.
    fn check_search(query: &str, limit: usize, expected: &[&str]) {
        let divisions = divisions();
        let found: Vec<&str> = divisions.search(query, limit).iter().map(|d| d.code.as_str()).collect();
        assert_eq!(found, expected, "search({query:?}, {limit})");
    }

    #[test]
    fn search_ranks_exact_then_prefix_then_substring() {
        check_search("jds", 10, &["330182"]);
        check_search("JDS", 10, &["330182"]);
        check_search(" 海盐 ", 10, &["330424"]);
        // Exact initials before prefixes; counties before cities for letters.
        check_search("hz", 10, &["330100"]);
        check_search("h", 10, &["330424", "330100", "420000"]);
        check_search("hzs", 10, &["330100"]);
        // Code queries keep the tree order.
        check_search("3301", 10, &["330100", "330102", "330105", "330182"]);
        check_search("330105", 10, &["330105"]);
        check_search("33", 3, &["330000", "330100", "330102"]);
        // Chinese: exact name, then prefix, then substring; counties first.
        check_search("北京市", 10, &["110100", "110000"]);
        check_search("城", 10, &["330102"]);
        check_search("下城", 10, &[]);
        check_search("", 10, &[]);
        check_search("jds", 0, &[]);
    }

    /// Asserts that parsing the fixture with `from` replaced by `to` fails with `expected` in its message.
    fn check_invalid(from: &str, to: &str, expected: &str) {
        let (current, historical) = if CURRENT.contains(from) {
            (CURRENT.replacen(from, to, 1), HISTORICAL.to_owned())
        } else {
            (CURRENT.to_owned(), HISTORICAL.replacen(from, to, 1))
        };
        let error = Divisions::parse(&current, &historical).expect_err("should be refused");
        assert!(error.to_string().contains(expected), "replacing {from:?} by {to:?}: {error}");
    }

    #[test]
    fn broken_tables_are_refused() {
        check_invalid("330182,建德市", "33018,建德市", "code `33018` is not six digits");
        check_invalid("330182,建德市,county", "330182,建德市,city", "cannot be a city");
        check_invalid("330182,建德市,county", "330182,建德市,town", "level `town`");
        check_invalid("330424,海盐县,county,330400", "330424,海盐县,county,330500", "parent `330500`");
        check_invalid("330424,海盐县,county,330400", "330424,海盐县,county,330100", "cannot be the parent");
        check_invalid("330424,海盐县,county,330400", "330424,海盐县,county,", "has no parent");
        check_invalid("330000,浙江省,province,", "330000,浙江省,province,110000", "has a parent");
        check_invalid(",hyx", ",HYX", "initials `HYX`");
        check_invalid("330103,下城区", "330105,下城区", "listed twice");
        check_invalid("330424,海盐县,county,330400", "330424,海盐县,county,341400", "cannot be the parent");
        check_invalid("330103,下城区,county,330100,201607", "330103,下城区,county,330100,2016", "not yyyymm");
        check_invalid("code,name,level,parent,initials", "code,name,level,parent", "header should be");
    }

    #[test]
    fn current_rows_need_current_parents() {
        let current =
            CURRENT.replace("330182,建德市,county,330100,jds\n", "341422,无为县,county,341400,wwx\n");
        let error = Divisions::parse(&current, HISTORICAL).expect_err("current child of an abolished city");
        assert!(error.to_string().contains("historical parent"), "{error}");
    }
}
