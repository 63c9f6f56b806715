#!/usr/bin/env python3
"""Regenerate the reference CSVs in assets/reference/ from registry packages.

This script is run by hand when the reference data needs an update; the app
never runs it and never fetches anything at run time. It writes:

- divisions.csv             current GB/T 2260 codes (province, city, county)
- divisions-historical.csv  codes found in older GB/T 2260 revisions only
- ethnic-groups.csv         GB 3304 ethnic groups plus 97 and 98

Inputs (see README.md beside the CSVs for the exact commands):

- npm  @vant/area-data 2.1.0 (MIT), unpacked: --vant DIR (the "package" folder)
- npm  gb3304 1.0.1 (MIT), unpacked: --gb3304 DIR (the "package" folder)
- crate gb2260 0.1.2 (MIT) source: --gb2260 DIR (the folder with src/data.rs)
- PyPI pypinyin (MIT) installed in the Python running this script
- `node` on PATH, to evaluate the two npm packages' CommonJS/UMD bundles

Usage:
    python3 generate.py --vant V --gb3304 G --gb2260 R --out assets/reference
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin

VANT_VERSION = "2.1.0"
GB3304_VERSION = "1.0.1"
GB2260_VERSION = "0.1.2"

# Provinces kept as a single row each: their sub-rows in @vant/area-data are
# not GB/T 2260 codes (Taiwan's are invented "pseudo-districts"; Hong Kong and
# Macau are not subdivided by GB/T 2260).
PROVINCE_ROW_ONLY = {"71", "81", "82"}

# Prefecture-level cities that have no county-level divisions at all
# (不设区的地级市). @vant/area-data lists their towns and streets with made-up
# six-digit codes (e.g. 441901 中堂镇); those rows are dropped.
CITIES_WITHOUT_COUNTIES = {"441900", "442000", "460400", "620200"}

# Further National Bureau of Statistics management units that are not
# GB/T 2260 codes and that the x7x / x9x rules below do not catch. Each was
# checked against the union of the gb2260 crate's revisions and the
# Ministry of Civil Affairs list: none of them was ever approved as a
# county-level division.
NBS_PSEUDO_UNITS = {
    "232761",  # 加格达奇区 (大兴安岭地区 management district)
    "232762",  # 松岭区
    "232763",  # 新林区
    "232764",  # 呼中区
    "320112",  # 江北新区 (a state-level new area, not a district)
    "321150",  # 镇江新区
    "632857",  # 大柴旦行政委员会
}

# GB/T 2260 names for the "directly administered county-level divisions"
# groupings, which @vant/area-data shortens.
CITY_NAME_FIXES = {
    "419000": "省直辖县级行政区划",
    "429000": "省直辖县级行政区划",
    "469000": "省直辖县级行政区划",
    "659000": "自治区直辖县级行政区划",
}

# Pinyin initials that pypinyin gets wrong for place names (polyphonic
# characters read in their place-name reading). Extend when a clerk reports
# that a county cannot be found by its initials.
INITIALS_BY_NAME = {
    "单县": "sx",
    "涡阳县": "gyx",
    "荥经县": "yjx",
    "浚县": "xx",
    "洪洞县": "htx",
    "繁峙县": "fsx",
    "筠连县": "jlx",
    "龙圩区": "lxq",
    "召陵区": "slq",
    "长子县": "zzx",
}
# Characters whose place-name reading differs from pypinyin's default.
INITIAL_BY_CHAR = {
    "长": "c",  # 长治, 长宁, 长葛 … (cháng); 长子县 (zhǎng) is in INITIALS_BY_NAME
    "朝": "c",  # 朝阳, 朝天, 朝鲜族 (cháo)
    "漯": "l",  # 漯河 (luò)
}

ETHNIC_SHORT_NAME_EXCEPTIONS = {
    # On ID cards the group is printed without the final 族. The two codes
    # outside GB 3304 do not end in 族 and keep their full name.
    "其他": "其他",
    "外国血统中国籍人士": "外国血统中国籍人士",
}


def run_node(script: str) -> object:
    """Runs a small node script that prints JSON and returns the parsed value."""
    output = subprocess.run(["node", "-e", script], check=True, capture_output=True, text=True)
    return json.loads(output.stdout)


def initials(name: str) -> str:
    """Lowercase pinyin initials of a Chinese name, e.g. 建德市 -> jds."""
    if name in INITIALS_BY_NAME:
        return INITIALS_BY_NAME[name]
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    chars = [c for c in name if "\u4e00" <= c <= "\u9fff"]
    if len(chars) == len(letters):
        letters = [INITIAL_BY_CHAR.get(c, letter) for c, letter in zip(chars, letters)]
    return "".join(letters).lower()


def is_pseudo_county(code: str) -> bool:
    """True for rows of @vant/area-data that are not GB/T 2260 county codes."""
    if code[:2] in PROVINCE_ROW_ONLY:
        return True
    if code[:4] + "00" in CITIES_WITHOUT_COUNTIES:
        return True
    if code in NBS_PSEUDO_UNITS:
        return True
    # NBS statistical units: 5th digit 7 (开发区, 新区, 管理区 …) and 9x
    # (开发区 and towns). No GB/T 2260 county-level code has either form; the
    # 省直辖 groupings (xx90xx) have 9 in the 3rd digit and are not affected.
    return code[4] == "7" or code[4] == "9"


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def load_current(vant_dir: Path) -> list[dict[str, str]]:
    area = run_node(
        f"console.log(JSON.stringify(require({json.dumps(str((vant_dir / 'dist' / 'index.cjs').resolve()))}).areaList))"
    )
    rows: list[dict[str, str]] = []
    for code, name in sorted(area["province_list"].items()):
        rows.append({"code": code, "name": name, "level": "province", "parent": ""})
    for code, name in sorted(area["city_list"].items()):
        if code[:2] in PROVINCE_ROW_ONLY:
            continue
        name = CITY_NAME_FIXES.get(code, name)
        rows.append({"code": code, "name": name, "level": "city", "parent": code[:2] + "0000"})
    for code, name in sorted(area["county_list"].items()):
        if is_pseudo_county(code):
            continue
        rows.append({"code": code, "name": name, "level": "county", "parent": code[:4] + "00"})
    codes = {row["code"] for row in rows}
    for row in rows:
        if row["parent"] and row["parent"] not in codes:
            sys.exit(f"{row['code']} {row['name']}: parent {row['parent']} missing")
        row["initials"] = initials(row["name"])
    rows.sort(key=lambda row: row["code"])
    return rows


def load_historical(gb2260_dir: Path, current_codes: set[str]) -> list[dict[str, str]]:
    source = (gb2260_dir / "src" / "data.rs").read_text(encoding="utf-8")
    revisions: dict[str, dict[str, str]] = {}
    # Only the national revisions (DIVISIONS_YYYYMM), not the Hong Kong and
    # Macau tables.
    for match in re.finditer(r"static DIVISIONS_(\d{6}): phf::Map<[^=]*= ::phf::Map \{(.*?)\n\};", source, re.S):
        revisions[match.group(1)] = dict(re.findall(r'\("(\d{6})", "([^"]*)"\)', match.group(2)))
    if len(revisions) < 19:
        sys.exit(f"expected 19 gb2260 revisions, found {len(revisions)}")
    latest: dict[str, tuple[str, str]] = {}
    for revision in sorted(revisions):
        for code, name in revisions[revision].items():
            latest[code] = (name, revision)
    historical_codes = {code for code in latest if code not in current_codes and code[:2] not in PROVINCE_ROW_ONLY}
    known = current_codes | historical_codes
    rows = []
    for code in sorted(historical_codes):
        name, revision = latest[code]
        level = level_of(code)
        if level == "province":
            parent = ""
        elif level == "city":
            parent = code[:2] + "0000"
        else:
            parent = code[:4] + "00" if code[:4] + "00" in known else code[:2] + "0000"
        rows.append({"code": code, "name": name, "level": level, "parent": parent, "last_seen_revision": revision})
    return rows


def load_ethnic(gb3304_dir: Path) -> list[dict[str, str]]:
    data = run_node(
        f"console.log(JSON.stringify(require({json.dumps(str((gb3304_dir / 'dist' / 'gb3304.umd.js').resolve()))}).data))"
    )
    if len(data) != 56:
        sys.exit(f"gb3304 should list 56 groups, found {len(data)}")
    rows = []
    for item in sorted(data, key=lambda item: item["digitalCode"]):
        rows.append({"code": item["digitalCode"], "name": item["name"], "roman": item["romanization"], "letters": item["code"]})
    # Not in GB 3304's 56-row table but used in public-security and ID-card
    # chip data (see shared/research/domain-reference.md §3).
    # GB 3304 gives them no romanisation and no letter code, so those stay empty.
    rows.append({"code": "97", "name": "其他", "roman": "", "letters": ""})
    rows.append({"code": "98", "name": "外国血统中国籍人士", "roman": "", "letters": ""})
    for row in rows:
        name = row["name"]
        row["short_name"] = ETHNIC_SHORT_NAME_EXCEPTIONS.get(name, name[:-1] if name.endswith("族") else name)
        row["initials"] = initials(name)
    return rows


def write_csv(path: Path, header_lines: list[str], columns: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    for line in header_lines:
        buffer.write(f"# {line}\n")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    print(f"wrote {path} ({len(rows)} rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vant", type=Path, required=True)
    parser.add_argument("--gb3304", type=Path, required=True)
    parser.add_argument("--gb2260", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    current = load_current(args.vant)
    current_codes = {row["code"] for row in current}
    write_csv(
        args.out / "divisions.csv",
        [
            "GB/T 2260 administrative division codes, current: province, city, county.",
            f"Source: npm @vant/area-data {VANT_VERSION} (MIT, (c) Youzan), data year 2024",
            "(contains 653228 和康县 and 653229 和安县, created December 2024).",
            "Filtered: NBS pseudo-units (5th digit 7 or 9, and a listed few), towns under cities",
            "without counties, and Taiwan / Hong Kong / Macau sub-rows (those provinces are kept).",
            "initials: pinyin initials of the name (PyPI pypinyin, MIT, plus place-name fixes).",
            "Generated by tools/generate.py; do not edit by hand, see README.md.",
        ],
        ["code", "name", "level", "parent", "initials"],
        current,
    )
    historical = load_historical(args.gb2260, current_codes)
    write_csv(
        args.out / "divisions-historical.csv",
        [
            "GB/T 2260 codes that are no longer current but stay valid inside old ID numbers.",
            f"Source: crate gb2260 {GB2260_VERSION} (MIT, (c) 2018 messense), revisions 200212 to 201607,",
            "minus every code in divisions.csv. last_seen_revision is the latest of those revisions",
            "that lists the code (201607 means: still listed in 2016, abolished since).",
            "Generated by tools/generate.py; do not edit by hand, see README.md.",
        ],
        ["code", "name", "level", "parent", "last_seen_revision"],
        historical,
    )
    ethnic = load_ethnic(args.gb3304)
    write_csv(
        args.out / "ethnic-groups.csv",
        [
            "GB 3304-1991 names of the ethnic groups of China with codes, plus 97 and 98.",
            f"Source: npm gb3304 {GB3304_VERSION} (MIT, (c) Qingrong Ke) for 01-56;",
            "97 其他 and 98 外国血统中国籍人士 added as used in ID-card chip data.",
            "short_name: as printed on ID cards; letters: GB 3304 two-letter code;",
            "initials: pinyin initials of the name (PyPI pypinyin, MIT).",
            "Generated by tools/generate.py; do not edit by hand, see README.md.",
        ],
        ["code", "name", "short_name", "roman", "letters", "initials"],
        ethnic,
    )


if __name__ == "__main__":
    main()
