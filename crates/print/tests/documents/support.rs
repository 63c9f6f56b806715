//! Shared set-up: one renderer for the whole binary, the real-looking cases, and the
//! external tools that look at a PDF the way a person would (poppler-utils, zbar-tools).
//!
//! The tools are required: a missing one fails the test with the command that installs
//! it (`apt-get install -y poppler-utils zbar-tools`), never skips it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDate;
use domain::record::ApplicationRecord;
use domain::reference::{Divisions, EthnicGroups};
use print::{
    EndorsementWindow, Fonts, Names, NoticeData, OfficeInfo, PermitInfo, ReceiptData, RenderedDocument,
    Renderer, SlipData, Templates,
};

/// The renderer, built once (the font is parsed once for all tests).
pub fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| {
        let names = Names {
            divisions: Some(
                Divisions::parse(
                    include_str!("../../../../assets/reference/divisions.csv"),
                    include_str!("../../../../assets/reference/divisions-historical.csv"),
                )
                .expect("shipped divisions parse"),
            ),
            ethnic_groups: Some(
                EthnicGroups::parse(include_str!("../../../../assets/reference/ethnic-groups.csv"))
                    .expect("shipped ethnic groups parse"),
            ),
        };
        Renderer::new(
            Fonts::embedded().expect("embedded font parses"),
            Templates::embedded().expect("templates"),
        )
        .with_names(names)
    })
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("test date {text}: {e}"))
}

pub fn workspace_root() -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("../..")
}

/// A record from `docs/examples/`.
pub fn example(name: &str) -> ApplicationRecord {
    let path = workspace_root().join("docs/examples").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ApplicationRecord::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// 张伟, the documented complete application (Jiande).
pub fn complete() -> ApplicationRecord {
    let mut record = example("application-complete.json");
    record.application_number = "JD-2025-000123".to_owned();
    record
}

/// A long Uyghur name with middle dots and a household address of more than 100 characters.
pub fn long_name_long_address() -> ApplicationRecord {
    let mut record = complete();
    record.applicant.name = "阿卜杜热合曼·买买提·艾合买提江".to_owned();
    record.applicant.id_number = "653101199202021237".to_owned();
    record.applicant.ethnic_group = "05".to_owned();
    record.household_registration.province_code = "650000".to_owned();
    record.household_registration.county_code = "653101".to_owned();
    record.household_registration.address = LONG_ADDRESS.to_owned();
    record.current_address.address =
        "浙江省杭州市建德市新安江街道江滨中路88号滨江花园小区3幢2单元501室（房东：王建国，联系电话13800000000）".to_owned();
    record
}

/// 119 characters: a village address the way a household register spells it out.
pub const LONG_ADDRESS: &str = "新疆维吾尔自治区喀什地区喀什市色满乡阿亚格色满村第三村民小组（原色满乡农业合作社第二生产队旧址）托万克色满路与吐曼河东岸支路交叉口向北约二百米处自建房第12号院内东侧二层小楼第2单元301室（户主：买买提·艾合买提江，与申请人系父子关系）";

/// A name with 𪚥 (U+2A6A5), which the shipped font lacks.
pub fn rare_character() -> ApplicationRecord {
    let mut record = complete();
    record.applicant.name = "陈𪚥".to_owned();
    record
}

pub fn office() -> OfficeInfo {
    OfficeInfo::demo().expect("demo office parses")
}

pub fn slip_data() -> SlipData {
    SlipData {
        case_number: "JD-2025-000123".to_owned(),
        permit: PermitInfo {
            number: "330182202503120123".to_owned(),
            issue_date: day("2025-03-12"),
            valid_until: None,
            next_endorsement: Some(EndorsementWindow { from: day("2026-02-12"), to: day("2026-03-11") }),
        },
        office: office(),
        clerk: "李建国".to_owned(),
        printed_on: day("2025-03-12"),
        options: Default::default(),
    }
}

pub fn notice_data() -> NoticeData {
    NoticeData {
        case_number: String::new(),
        office: office(),
        clerk: "李建国".to_owned(),
        date: day("2025-03-10"),
    }
}

pub fn receipt_data() -> ReceiptData {
    ReceiptData {
        case_number: "JD-2025-000123".to_owned(),
        office: office(),
        clerk: "李建国".to_owned(),
        accepted_on: day("2025-03-10"),
        due: day("2025-03-12"),
        working_days: 2,
        due_note: None,
    }
}

/// Where a test's files go: `<target>/tmp/print-documents/<name>/`, kept for a person to
/// look at after the run.
pub fn out_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("print-documents").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Writes the PDF and returns its path.
pub fn write_pdf(name: &str, document: &RenderedDocument) -> PathBuf {
    let path = out_dir(name).join(format!("{name}.pdf"));
    std::fs::write(&path, &document.bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Runs an external tool, failing with the install command when it is missing.
pub fn run(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{program}` ({e}). The print tests look at PDFs with real tools: \
             apt-get install -y poppler-utils zbar-tools"
        )
    })
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_else(|| panic!("non-UTF-8 path {}", path.display()))
}

/// The PDF's text in content order (`pdftotext -raw`).
pub fn pdftotext(pdf: &Path) -> String {
    let output = run("pdftotext", &["-raw", "-enc", "UTF-8", path_str(pdf), "-"]);
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("pdftotext prints UTF-8")
}

/// The text of one page (from 1) in content order.
pub fn pdftotext_page(pdf: &Path, page: usize) -> String {
    let page = page.to_string();
    let output = run("pdftotext", &["-raw", "-enc", "UTF-8", "-f", &page, "-l", &page, path_str(pdf), "-"]);
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("pdftotext prints UTF-8")
}

/// The text with all whitespace removed, for finding a value that wrapped across lines.
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|ch| !ch.is_whitespace()).collect()
}

/// Asserts the PDF's fonts are all embedded subsets (`ABCDEF+Name`, emb yes, sub yes).
pub fn assert_only_subset_fonts(pdf: &Path) {
    let output = run("pdffonts", &[path_str(pdf)]);
    assert!(output.status.success(), "pdffonts failed: {}", String::from_utf8_lossy(&output.stderr));
    let listing = String::from_utf8_lossy(&output.stdout).into_owned();
    let rows: Vec<&str> = listing.lines().skip(2).filter(|line| !line.trim().is_empty()).collect();
    assert!(!rows.is_empty(), "the PDF has no fonts at all:\n{listing}");
    for row in rows {
        let name = row.split_whitespace().next().unwrap_or_default();
        let (tag, _) =
            name.split_once('+').unwrap_or_else(|| panic!("font `{name}` is not a subset:\n{listing}"));
        assert!(
            tag.len() == 6 && tag.chars().all(|ch| ch.is_ascii_uppercase()),
            "subset tag of `{name}` is not six capitals:\n{listing}"
        );
        let columns: Vec<&str> = row.split_whitespace().collect();
        let flags = &columns[columns.len().saturating_sub(5)..columns.len().saturating_sub(2)];
        assert_eq!(
            flags,
            ["yes", "yes", "yes"],
            "font `{name}` must be embedded, subset, with a ToUnicode map:\n{listing}"
        );
    }
}

/// Converts every page to PNG at `dpi`; returns the files in page order.
pub fn pdftoppm(pdf: &Path, dpi: u32) -> Vec<PathBuf> {
    let prefix = pdf.with_extension("");
    let dpi_text = dpi.to_string();
    let output = run("pdftoppm", &["-r", &dpi_text, "-png", path_str(pdf), path_str(&prefix)]);
    assert!(output.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&output.stderr));
    let dir = pdf.parent().expect("pdf has a folder");
    let stem = prefix.file_name().and_then(|s| s.to_str()).expect("stem").to_owned();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read out dir")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "png")
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{stem}-")))
        })
        .collect();
    pages.sort();
    assert!(!pages.is_empty(), "pdftoppm wrote no page for {}", pdf.display());
    pages
}

/// The QR codes zbarimg finds in a PNG, as raw text.
pub fn zbarimg(png: &Path) -> Vec<String> {
    let output = run("zbarimg", &["--raw", "-q", path_str(png)]);
    // Exit status 4: the image holds no code (e.g. the first page of a two-page slip).
    if output.status.code() == Some(4) {
        return Vec::new();
    }
    assert!(
        output.status.success(),
        "zbarimg found no code in {} (status {:?}): {}",
        png.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("zbarimg prints UTF-8").lines().map(str::to_owned).collect()
}

/// Number of pages per `pdfinfo`.
pub fn pdfinfo(pdf: &Path) -> String {
    let output = run("pdfinfo", &[path_str(pdf)]);
    assert!(output.status.success(), "pdfinfo failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
