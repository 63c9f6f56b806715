//! Scanned pages of a stored case beyond the scan panel, through the `app` facade on a
//! real encrypted store: the ticked evidence without a page in the live assessment and in
//! the printed one-time notice, the list of pages on the printed Annex 1 form (read back
//! with `pdftotext`), and the pages inside the person's one-file archive, checked against
//! their hashes.

use std::path::{Path, PathBuf};
use std::process::Command;

use app::cases::{self, CaseId, DuplicateDecision, Submission, SubmitOutcome};
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use app::printing::{Document, Printing};
use app::scans::{self, IntakeOptions};
use app::users::{self, NewClerk};
use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::record::ApplicationRecord;
use domain::review::PageMark;
use sha2::Digest as _;

const PASSWORD: &str = "clerk-password-1";
const ID_NUMBER: &str = "341203199003071219";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 1, 0, 0).single().expect("valid instant") + Duration::minutes(minutes)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 10).expect("date")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn complete_record() -> ApplicationRecord {
    let text =
        std::fs::read_to_string(root().join("docs/examples/application-complete.json")).expect("example");
    ApplicationRecord::from_json(&text).expect("example parses")
}

fn set_up_office(dir: &Path) -> Office {
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() };
    let mut office = Office::set_up_with_options(dir, "330182-jiande-01", "admin", PASSWORD, at(0), options)
        .expect("set up");
    let details = app::office::OfficeDetails {
        county_code: "330182".to_owned(),
        station: "01".to_owned(),
        name: "建德市公安局新安江派出所".to_owned(),
        address: "建德市新安江街道严州大道1号".to_owned(),
        phone: "0571-64712345".to_owned(),
    };
    office.set_details(&details, at(0)).expect("the office's printed details");
    let clerk =
        NewClerk { username: "a", display_name: "受理员甲", roles: Roles::ACCEPT, password: PASSWORD };
    users::add_clerk(&mut office, &clerk, at(1)).expect("add clerk");
    office
}

/// A real picture through the real pipeline: the rendered slip of the docs, as a scan.
fn scanned_page() -> scans::Page {
    scans::intake_file(&root().join("docs/examples/rendered/slip.png"), &IntakeOptions::default())
        .expect("a PNG goes through the pipeline")
        .remove(0)
}

fn pdftotext(pdf: &[u8], dir: &Path, name: &str) -> String {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write PDF");
    let output = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install -y poppler-utils)");
    assert!(output.status.success(), "pdftotext: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8").chars().filter(|c| !c.is_whitespace()).collect()
}

/// A case with the complete record but the declaration unsigned (so a notice is given),
/// and one page linked to the labour contract; three other boxes are ticked.
fn case_with_one_page(office: &mut Office) -> (CaseId, ApplicationRecord, scans::Page) {
    office.login("a", PASSWORD, at(2)).expect("log in");
    let case_id = cases::new_case_id(at(3)).expect("case id");
    let mut record = complete_record();
    record.declaration.signed = false;
    cases::save_draft(office, &case_id, &record, at(3)).expect("save");
    let page = scanned_page();
    scans::attach(office, &case_id, std::slice::from_ref(&page), "employment.labour_contract", at(4))
        .expect("attach");
    (case_id, record, page)
}

/// Renders `document` of the case as the clerk logged in would preview it.
fn render(
    office: &mut Office,
    printing: &Printing,
    case_id: &CaseId,
    document: Document,
    at: DateTime<Utc>,
) -> Result<app::printing::Rendered, app::AppError> {
    app::printing::render(office, printing, case_id, document, app::printing::RenderChoices::default(), at)
}

/// Adds the reviewer `r` and the approver `p` (the administrator logs in to do it).
fn add_reviewer_and_approver(office: &mut Office) {
    office.login("admin", PASSWORD, at(1)).expect("admin");
    for (username, display_name, roles) in
        [("r", "审核员乙", Roles::REVIEW), ("p", "审批员丙", Roles::APPROVE)]
    {
        let clerk = NewClerk { username, display_name, roles, password: PASSWORD };
        users::add_clerk(office, &clerk, at(1)).expect("add clerk");
    }
}

/// The submission of the counter's clerk under Jiande's rules.
fn jiande_submission() -> Submission<'static> {
    Submission {
        profile: "330182",
        opinion: "经审查，申请材料齐全，符合互认转换条件，同意受理。",
        duplicates: DuplicateDecision::Check,
    }
}

/// Signs the record of [`case_with_one_page`] and submits it: accepted at `at(6)`.
fn accept(office: &mut Office, case_id: &CaseId, record: &mut ApplicationRecord) {
    record.declaration.signed = true;
    record.declaration.date = Some(today());
    cases::save_draft(office, case_id, record, at(5)).expect("save");
    let outcome = cases::submit(office, case_id, &jiande_submission(), at(6)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
}

#[test]
fn ticked_evidence_without_a_page_is_named_live_and_on_the_printed_notice() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    let (case_id, record, _) = case_with_one_page(&mut office);

    let live =
        app::intake::assess_live(&office, Some(&case_id), record.clone(), "330182", today()).expect("assess");
    let unscanned: Vec<&str> = live.unscanned.iter().map(|item| item.field.as_str()).collect();
    assert_eq!(
        unscanned,
        [
            "evidence.employment.social_insurance",
            "evidence.residence.rental.rental_registration",
            "evidence.residence.rental.lease_contract"
        ],
        "the labour contract has its page; the other ticked boxes are named"
    );
    assert!(live.unscanned.iter().all(|item| item.code == "EVIDENCE_PAGE_MISSING"));
    let without_pages = app::intake::assess_draft(record.clone(), "330182", today()).expect("assess");
    assert_eq!(
        live.report, without_pages.report,
        "the decision and the policy's items do not depend on pages"
    );
    assert!(without_pages.unscanned.is_empty(), "a form without a case knows no pages");

    let submission = Submission { profile: "330182", opinion: "", duplicates: DuplicateDecision::Check };
    let outcome = cases::submit(&mut office, &case_id, &submission, at(5)).expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Notice { .. }), "unsigned: a notice, {outcome:?}");

    let printing = Printing::load().expect("printing");
    let notice = render(&mut office, &printing, &case_id, Document::Notice, at(6)).expect("notice");
    let text = pdftotext(&notice.pdf, dir.path(), "notice");
    assert!(text.contains("请申请人（未成年人由监护人）阅读申请人声明后签名"), "the policy's item:\n{text}");
    for label in ["参加社会保险", "办理出租登记", "签订租赁合同"] {
        assert!(text.contains(&format!("“{label}”已勾选但未附扫描件")), "{label} is named:\n{text}");
    }
    assert!(!text.contains("“签订劳动合同”已勾选但未附扫描件"), "the scanned box is not:\n{text}");

    // Once every ticked box has a page, the notice names none of them.
    for evidence in [
        "employment.social_insurance",
        "residence.rental.rental_registration",
        "residence.rental.lease_contract",
    ] {
        scans::attach(&mut office, &case_id, &[scanned_page()], evidence, at(7)).expect("attach");
    }
    let notice = render(&mut office, &printing, &case_id, Document::Notice, at(8)).expect("notice");
    let text = pdftotext(&notice.pdf, dir.path(), "notice-all-scanned");
    assert!(!text.contains("已勾选但未附扫描件"), "{text}");
    let live = app::intake::assess_live(&office, Some(&case_id), record, "330182", today()).expect("assess");
    assert!(live.unscanned.is_empty(), "{:?}", live.unscanned);
}

#[test]
fn the_printed_form_lists_the_case_pages_with_their_hashes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    let (case_id, _, page) = case_with_one_page(&mut office);
    scans::attach(&mut office, &case_id, &[scanned_page()], "", at(5)).expect("an unassigned page");

    let printing = Printing::load().expect("printing");
    let form = render(&mut office, &printing, &case_id, Document::Form, at(6)).expect("form");
    assert_eq!(form.pages, 2, "the annex and the list of pages");
    assert_eq!(form.template, "form 1.2.0");
    let text = pdftotext(&form.pdf, dir.path(), "form");
    assert!(text.contains("所附证明材料扫描件清单"), "{text}");
    assert!(text.contains("本案共附证明材料扫描件2页"), "{text}");
    assert!(text.contains(&format!("签订劳动合同1页第1页{}", &page.sha256[..16])), "{text}");
    assert!(text.contains(&format!("未指定证明材料1页第2页{}", &page.sha256[..16])), "{text}");

    // A case without pages prints the one-page annex, as before.
    let other = cases::new_case_id(at(9)).expect("case id");
    cases::save_draft(&mut office, &other, &complete_record(), at(9)).expect("save");
    let form = app::printing::render(
        &mut office,
        &printing,
        &other,
        Document::Form,
        app::printing::RenderChoices::default(),
        at(10),
    )
    .expect("form");
    assert_eq!(form.pages, 1);
}

#[test]
fn the_person_archive_holds_every_page_and_each_matches_its_hash() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    let (case_id, _, page) = case_with_one_page(&mut office);
    let colour = scans::intake_file(
        &root().join("docs/examples/rendered/form.png"),
        &IntakeOptions::for_mode(scans::ColourMode::Colour),
    )
    .expect("colour page")
    .remove(0);
    scans::attach(
        &mut office,
        &case_id,
        std::slice::from_ref(&colour),
        "residence.rental.lease_contract",
        at(5),
    )
    .expect("attach");

    office.login("admin", PASSWORD, at(20)).expect("admin logs in");
    let path = dir.path().join("person.zip");
    let summary = app::archive::export_person(&mut office, ID_NUMBER, &path, at(21)).expect("export");
    assert_eq!((summary.cases, summary.pages), (1, 2));
    // Encrypted: neither the ID number nor the name nor a JPEG is in the file's bytes, a
    // wrong password opens nothing, and 7-Zip (what an archive PC has) opens it with the
    // password shown once.
    let bytes = std::fs::read(&path).expect("archive");
    let name = complete_record().applicant.name;
    assert!(name.len() >= 6, "a name of two characters or more: {name}");
    for secret in [ID_NUMBER.as_bytes(), name.as_bytes(), b"JFIF\0".as_slice(), b"<!DOCTYPE html".as_slice()]
    {
        assert!(!bytes.windows(secret.len()).any(|window| window == secret), "{secret:?} in clear");
    }
    assert_eq!(summary.password.len(), 29, "24 characters in groups of four: {}", summary.password.len());
    assert!(
        app::archive::open_archive(&bytes, "K7QM-3XWP-9HTR-2DFA-6YCN-8BVE").is_none(),
        "a wrong password"
    );
    let html = app::archive::open_archive(&bytes, &summary.password).expect("opens with its password");
    let unpacked = dir.path().join("unpacked");
    let status = std::process::Command::new("7z")
        .arg("x")
        .arg(format!("-p{}", summary.password))
        .arg(format!("-o{}", unpacked.display()))
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("7z (p7zip-full) to open the archive as an archive PC does");
    assert!(status.success(), "7-Zip opens it");
    assert_eq!(std::fs::read_to_string(unpacked.join(app::archive::ARCHIVE_ENTRY)).expect("unpacked"), html);
    let archive = app::archive::embedded_json(&html).expect("embedded JSON");
    assert_eq!(archive["version"], 2);
    let pages = archive["cases"][0]["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 2);
    for (exported, original) in pages.iter().zip([&page, &colour]) {
        let jpeg = base64::engine::general_purpose::STANDARD
            .decode(exported["jpeg_base64"].as_str().expect("base64"))
            .expect("valid base64");
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
        assert_eq!(jpeg, original.jpeg, "the stored image, byte for byte");
        let hash = hex::encode(sha2::Sha256::digest(&jpeg));
        assert_eq!(exported["sha256"].as_str(), Some(hash.as_str()), "the hash written is the image's");
        assert_eq!(hash, original.sha256);
        assert!(
            html.contains(&format!(
                "<img src=\"data:image/jpeg;base64,{}\"",
                exported["jpeg_base64"].as_str().unwrap_or_default()
            )),
            "the page is shown as an image an archivist opens in a browser"
        );
        assert!(html.contains(&hash), "the hash is printed beside it");
    }
    assert_eq!(pages[0]["evidence"], "employment.labour_contract");
    assert_eq!(pages[0]["evidence_label"], "签订劳动合同");
    assert_eq!(pages[1]["evidence_label"], "签订租赁合同");
    assert_eq!(pages[1]["mode"], "colour");
    assert!(html.contains("证明材料扫描件（2 页）"));

    // Reading the images for the export is audited on the case, like any view of a page.
    let trail = app::audit::case_trail(&office, &case_id, 1000).expect("audit");
    let viewed =
        trail.iter().filter(|row| row.action == "case_viewed" && row.details["page"].is_string()).count();
    assert!(viewed >= 2, "each exported page is a view: {viewed}");
    assert!(trail.iter().any(|row| row.action == "exported"));
}

#[test]
fn the_watched_folder_imports_new_files_into_the_case_and_reports_the_refused_ones() {
    use app::scan_folder::{self, FolderWatch};

    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let mut office = set_up_office(&data_dir);
    let (case_id, _, _) = case_with_one_page(&mut office);
    let folder = dir.path().join("扫描仪");
    std::fs::create_dir_all(&folder).expect("folder");
    let png = std::fs::read(root().join("docs/examples/rendered/slip.png")).expect("png");
    std::fs::write(folder.join("earlier-applicant.png"), &png).expect("write");

    assert!(scan_folder::saved_folder(&data_dir).expect("read").is_none(), "nothing chosen yet");
    let missing = scan_folder::choose_folder(&data_dir, "/no/such/folder").expect_err("missing folder");
    assert!(matches!(missing, app::AppError::ScanFolderMissing { .. }), "{missing:?}");
    assert!(
        scan_folder::saved_folder(&data_dir).expect("read").is_none(),
        "a refused folder is not remembered"
    );
    let mut watch = scan_folder::choose_folder(&data_dir, folder.to_str().expect("UTF-8")).expect("choose");
    assert_eq!(scan_folder::saved_folder(&data_dir).expect("read").as_deref(), Some(folder.as_path()));

    // The scanner saves two pages, a damaged PDF and a page still being written.
    std::fs::write(folder.join("scan-001.png"), &png).expect("write");
    std::fs::write(folder.join("scan-002.png"), &png).expect("write");
    std::fs::write(folder.join("scan-003.pdf"), b"%PDF-1.4\n%%EOF\n").expect("write");
    std::fs::write(folder.join("scan-004.png.part"), &png[..100]).expect("write");
    let options = IntakeOptions::default();
    let first = scan_folder::take_new(&mut watch, &options).expect("poll");
    assert!(first.pages.is_empty() && first.refused.is_empty(), "a file is taken once it stopped growing");
    let batch = scan_folder::take_new(&mut watch, &options).expect("poll");
    assert_eq!(batch.pages.len(), 2);
    let imported = scan_folder::store(&mut office, &case_id, batch, "residence.rental.lease_contract", at(6))
        .expect("store");
    assert_eq!(imported.files, ["scan-001.png", "scan-002.png"]);
    assert_eq!(imported.refused.len(), 1);
    assert_eq!(imported.refused[0].name, "scan-003.pdf");
    assert_eq!(imported.refused[0].code.as_str(), "SCAN_CORRUPT", "a damaged PDF");
    assert!(imported.refused[0].message.contains("PDF 文件已损坏"), "{}", imported.refused[0].message);
    let evidence: Vec<&str> = imported.overview.pages.iter().map(|page| page.evidence.as_str()).collect();
    assert_eq!(
        evidence,
        ["employment.labour_contract", "residence.rental.lease_contract", "residence.rental.lease_contract"]
    );

    // Stored files move into imported/; the refused one, the earlier applicant's and the
    // partial file stay; nothing is taken twice.
    let mut left: Vec<String> = std::fs::read_dir(&folder)
        .expect("list")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["earlier-applicant.png", "imported", "scan-003.pdf", "scan-004.png.part"]);
    assert!(folder.join("imported/scan-001.png").is_file() && folder.join("imported/scan-002.png").is_file());
    let again = scan_folder::take_new(&mut watch, &options).expect("poll");
    assert!(again.pages.is_empty() && again.refused.is_empty());

    // After a restart the folder is remembered; what was imported is not taken again.
    let mut restarted =
        FolderWatch::start(&scan_folder::saved_folder(&data_dir).expect("read").expect("a folder"))
            .expect("watch");
    std::fs::write(folder.join("scan-005.png"), &png).expect("write");
    scan_folder::take_new(&mut restarted, &options).expect("poll");
    let batch = scan_folder::take_new(&mut restarted, &options).expect("poll");
    let imported = scan_folder::store(&mut office, &case_id, batch, "", at(7)).expect("store");
    assert_eq!(imported.files, ["scan-005.png"]);
    assert_eq!(imported.overview.pages.len(), 4);
}

/// At a desk of an office server the folder's files go to the server as they lie on disk;
/// each is moved, left or handed out again only as its upload went.
#[test]
fn at_a_joined_desk_the_watched_folder_hands_out_files_as_they_are_and_moves_them_only_once_stored() {
    use app::scan_folder::{self, DeskFileOutcome};

    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let folder = dir.path().join("扫描仪");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    std::fs::create_dir_all(&folder).expect("folder");
    let png = std::fs::read(root().join("docs/examples/rendered/slip.png")).expect("png");
    std::fs::write(folder.join("earlier-applicant.png"), &png).expect("write");
    let mut watch = scan_folder::choose_folder(&data_dir, folder.to_str().expect("UTF-8")).expect("choose");

    std::fs::write(folder.join("a.png"), &png).expect("write");
    std::fs::write(folder.join("b.pdf"), b"%PDF-1.4\n%%EOF\n").expect("write");
    std::fs::write(folder.join("c.png"), &png).expect("write");
    // Over the intake's limit: refused here, never uploaded (sparse, so no 50 MB written).
    let huge = std::fs::File::create(folder.join("huge.tif")).expect("create");
    huge.set_len(IntakeOptions::default().limits.max_file_bytes + 1).expect("grow");
    drop(huge);
    let (first, refused) = scan_folder::take_new_at_desk(&mut watch).expect("poll");
    assert!(first.is_empty() && refused.is_empty(), "taken once they stopped growing");
    let (files, refused) = scan_folder::take_new_at_desk(&mut watch).expect("poll");
    let names: Vec<&str> = files.iter().map(|file| file.name.as_str()).collect();
    assert_eq!(names, ["a.png", "b.pdf", "c.png"]);
    assert_eq!(files[0].bytes, png, "the bytes as they lie on disk: the server normalises");
    assert_eq!(refused.len(), 1);
    assert_eq!((refused[0].name.as_str(), refused[0].code.as_str()), ("huge.tif", "SCAN_TOO_LARGE"));

    // a.png stored, b.pdf refused by the server, c.png not answered.
    scan_folder::desk_file_done(&mut watch, "a.png", DeskFileOutcome::Stored).expect("stored");
    scan_folder::desk_file_done(&mut watch, "b.pdf", DeskFileOutcome::Refused).expect("refused");
    scan_folder::desk_file_done(&mut watch, "c.png", DeskFileOutcome::Retry).expect("retry");
    assert!(folder.join("imported/a.png").is_file() && !folder.join("a.png").exists());
    assert!(folder.join("b.pdf").is_file(), "a refused file stays where it is");
    // Only c.png comes again, once seen unchanged; the refused one is said once.
    assert!(scan_folder::take_new_at_desk(&mut watch).expect("poll").0.is_empty());
    let (again, _) = scan_folder::take_new_at_desk(&mut watch).expect("poll");
    assert_eq!(again.iter().map(|file| file.name.as_str()).collect::<Vec<_>>(), ["c.png"]);

    // The window names only files of the folder: nothing else is moved.
    for name in ["../data/scan-folder.json", "imported", "", "no-such.png"] {
        let refused = scan_folder::desk_file_done(&mut watch, name, DeskFileOutcome::Stored).expect_err(name);
        assert!(matches!(refused, app::AppError::ScanFolderMissing { .. }), "{name}: {refused:?}");
    }
    assert!(data_dir.join("scan-folder.json").is_file());
}

/// One poll at a desk hands the window a bounded amount (it crosses as base64 in one
/// message): what does not fit comes at the next.
#[test]
fn at_a_joined_desk_a_poll_hands_out_at_most_64_mb_and_the_rest_next_time() {
    use app::scan_folder;

    let dir = tempfile::tempdir().expect("temporary directory");
    let folder = dir.path().join("扫描仪");
    std::fs::create_dir_all(&folder).expect("folder");
    let mut watch = scan_folder::FolderWatch::start(&folder).expect("watch");
    for name in ["1.pdf", "2.pdf", "3.pdf"] {
        // Sparse: 30 MB each without writing them.
        let file = std::fs::File::create(folder.join(name)).expect("create");
        file.set_len(30 * 1024 * 1024).expect("grow");
    }
    assert!(scan_folder::take_new_at_desk(&mut watch).expect("poll").0.is_empty());
    let (first, refused) = scan_folder::take_new_at_desk(&mut watch).expect("poll");
    assert!(refused.is_empty());
    assert_eq!(first.iter().map(|file| file.name.as_str()).collect::<Vec<_>>(), ["1.pdf", "2.pdf"]);
    assert!(scan_folder::take_new_at_desk(&mut watch).expect("poll").0.is_empty(), "seen again first");
    let (next, _) = scan_folder::take_new_at_desk(&mut watch).expect("poll");
    assert_eq!(next.iter().map(|file| file.name.as_str()).collect::<Vec<_>>(), ["3.pdf"]);
}

#[test]
fn the_case_page_shows_the_reviewer_the_named_application_and_the_reasoning_of_the_day_of_acceptance() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    add_reviewer_and_approver(&mut office);
    let (case_id, mut record, _) = case_with_one_page(&mut office);

    // A draft is assessed live by the intake form, not on the case page.
    let draft = app::review::case_page(&mut office, &case_id, at(4)).expect("draft page");
    assert!(draft.assessment.is_none());

    accept(&mut office, &case_id, &mut record);

    // The reviewer opens it forty days later.
    let later = at(6) + Duration::days(40);
    office.login("r", PASSWORD, later).expect("reviewer logs in");
    let page = app::review::case_page(&mut office, &case_id, later).expect("case page");
    assert_eq!(page.names.divisions.get("330182").map(String::as_str), Some("浙江省杭州市建德市"));
    assert_eq!(page.names.divisions.get("341203").map(String::as_str), Some("安徽省阜阳市颍东区"));
    assert_eq!(page.names.ethnic_groups.get("01").map(String::as_str), Some("汉族"));
    let assessment = page.assessment.expect("an accepted case carries its reasoning");
    assert!(assessment.report.assessment.is_accept(), "{:?}", assessment.report.assessment.codes());
    assert_eq!(assessment.report.profile.county, "330182");
    assert_eq!(
        assessment.due_if_accepted_today, page.view.due_date,
        "assessed on the day of acceptance, the deadline is the case's own, not one forty days on"
    );
    let unscanned: Vec<&str> = assessment.unscanned.iter().map(|item| item.field.as_str()).collect();
    assert_eq!(
        unscanned,
        [
            "evidence.employment.social_insurance",
            "evidence.residence.rental.rental_registration",
            "evidence.residence.rental.lease_contract"
        ]
    );
    // Explained rule by rule, with the case's page beside the box it proves.
    let employment = page.explanation.iter().find(|rule| rule.key == "employment").expect("employment");
    assert_eq!(employment.sentence, "签订劳动合同（第1页）；参加社会保险（未附扫描件）。");
    let registration =
        page.explanation.iter().find(|rule| rule.key == "registration_time").expect("registration time");
    assert!(registration.sentence.ends_with("；须满6个月。"), "{registration:?}");
    assert!(
        page.explanation.iter().all(|rule| rule.outcome != domain::assessment::Outcome::NotMet),
        "{:#?}",
        page.explanation
    );

    // The 审核单 prints the same reasoning, with the pages and the proofs still missing.
    assert!(page.documents.contains(&Document::Review), "{:?}", page.documents);
    let printing = Printing::load().expect("printing");
    let sheet = render(&mut office, &printing, &case_id, Document::Review, later).expect("review sheet");
    let text = pdftotext(&sheet.pdf, dir.path(), "review").replace(['\n', ' '], "");
    for expected in [
        "《浙江省居住证》互认转换审核单",
        "可以受理",
        "签订劳动合同（第1页）；参加社会保险（未附扫描件）。",
        "参加社会保险、办理出租登记、签订租赁合同",
        "审核人（签名）：",
        "审批人（签名）：",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
}

#[test]
fn a_case_sent_back_at_review_becomes_a_notice_of_the_reasons_and_is_accepted_reviewed_and_approved_again() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    add_reviewer_and_approver(&mut office);
    let (case_id, mut record, _) = case_with_one_page(&mut office);
    accept(&mut office, &case_id, &mut record);
    let number =
        app::review::case_page(&mut office, &case_id, at(6)).expect("page").view.record.application_number;

    // The reviewer sends it back with a reason the applicant can act on.
    office.login("r", PASSWORD, at(20)).expect("reviewer");
    let reason = "劳动合同扫描件不清晰，请携带原件到窗口重新扫描".to_owned();
    let back =
        cases::send_back(&mut office, &case_id, std::slice::from_ref(&reason), at(21)).expect("send back");
    assert_eq!(back.state, cases::CaseState::NoticeIssued);
    let page = app::review::case_page(&mut office, &case_id, at(22)).expect("page");
    assert_eq!(page.view.reviewed_by, None, "the review starts over");
    assert_eq!(page.view.history.last().map(|line| line.action_label), Some("退回补正"));

    // The counter finds it among the notices and prints the notice with the reason.
    office.login("a", PASSWORD, at(30)).expect("clerk");
    let notices = app::worklists::worklist(&office, app::worklists::Worklist::NoticesIssued, today(), 50)
        .expect("list");
    assert!(notices.iter().any(|line| line.id == case_id), "in 已一次性告知");
    let printing = Printing::load().expect("printing");
    let notice = render(&mut office, &printing, &case_id, Document::Notice, at(31)).expect("notice");
    let text = pdftotext(&notice.pdf, dir.path(), "sent-back-notice").replace(['\n', ' '], "");
    assert!(text.contains(&format!("{reason}。")), "the reviewer's reason is on the notice:\n{text}");

    // Revised with the applicant (the record as stored, with its number) and accepted
    // again: the same number, then 审核 and 审批.
    let stored = app::review::case_page(&mut office, &case_id, at(39)).expect("page").view.record;
    cases::save_draft(&mut office, &case_id, &stored, at(40)).expect("revise");
    let again = cases::submit(&mut office, &case_id, &jiande_submission(), at(41)).expect("resubmit");
    assert!(matches!(again, SubmitOutcome::Accepted { .. }), "{again:?}");
    office.login("r", PASSWORD, at(50)).expect("reviewer");
    cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(51)).expect("review");
    office.login("p", PASSWORD, at(60)).expect("approver");
    let approved = cases::approve(&mut office, &case_id, "同意。", at(61)).expect("approve");
    assert_eq!(approved.state, cases::CaseState::Approved);
    let page = app::review::case_page(&mut office, &case_id, at(62)).expect("page");
    assert_eq!(page.view.record.application_number, number, "numbered once, at the first acceptance");
    let steps: Vec<&str> = page.view.history.iter().map(|line| line.action_label).collect();
    assert_eq!(steps, ["新建", "受理", "退回补正", "修改申请表", "受理", "审核", "审批"]);
}

#[test]
fn a_reviewers_page_mark_becomes_the_send_back_reason_and_the_second_review_sees_what_changed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    add_reviewer_and_approver(&mut office);
    let (case_id, mut record, page) = case_with_one_page(&mut office);
    let page_id = scans::list(&office, &case_id).expect("pages")[0].id.clone();

    // Before acceptance nobody marks pages; the counter clerk never does.
    office.login("r", PASSWORD, at(5)).expect("reviewer");
    let early = cases::mark_page(&mut office, &page_id, Some((PageMark::Unclear, "")), at(5))
        .expect_err("a case not yet accepted has no review");
    assert!(matches!(early, app::AppError::Transition(_)), "{early:?}");
    office.login("a", PASSWORD, at(5)).expect("clerk");
    accept(&mut office, &case_id, &mut record);
    let refused = cases::mark_page(&mut office, &page_id, Some((PageMark::Unclear, "")), at(7))
        .expect_err("the counter clerk does not review");
    assert!(matches!(refused, app::AppError::RoleMissing { .. }), "{refused:?}");
    assert!(app::review::case_page(&mut office, &case_id, at(7)).expect("page").revision.is_none());

    // The reviewer marks the page; the mark carries the sentence the applicant will read.
    office.login("r", PASSWORD, at(20)).expect("reviewer");
    let marked = cases::mark_page(&mut office, &page_id, Some((PageMark::Unclear, "印章看不清")), at(20))
        .expect("mark");
    let mark = marked.mark.expect("marked");
    assert_eq!((mark.by.as_str(), mark.mark), ("审核员乙", PageMark::Unclear));
    assert_eq!(mark.reason, "第1页（签订劳动合同）不清晰，请重新提供清晰的材料（印章看不清）");
    cases::send_back(&mut office, &case_id, std::slice::from_ref(&mark.reason), at(21)).expect("send back");

    // The counter sees the mark, adds a clear page and ticks one more box, accepts again.
    office.login("a", PASSWORD, at(30)).expect("clerk");
    let seen = scans::list(&office, &case_id).expect("pages");
    assert_eq!(seen[0].mark.as_ref().map(|mark| mark.mark), Some(PageMark::Unclear), "the counter sees it");
    let added = scans::attach(
        &mut office,
        &case_id,
        std::slice::from_ref(&page),
        "employment.labour_contract",
        at(31),
    )
    .expect("attach")
    .remove(0);
    let mut stored = app::review::case_page(&mut office, &case_id, at(32)).expect("page").view.record;
    stored.evidence.residence.rental.lease_filing = true;
    cases::save_draft(&mut office, &case_id, &stored, at(33)).expect("revise");
    let again = cases::submit(&mut office, &case_id, &jiande_submission(), at(34)).expect("resubmit");
    assert!(matches!(again, SubmitOutcome::Accepted { .. }), "{again:?}");

    // The second review is shown what changed since the first acceptance, and clears the mark.
    office.login("r", PASSWORD, at(40)).expect("reviewer");
    let page = app::review::case_page(&mut office, &case_id, at(40)).expect("page");
    let revision = page.revision.expect("accepted twice");
    assert_eq!(revision.previously_accepted_at, at(6));
    assert_eq!(revision.fields, ["evidence.residence.rental.lease_filing"]);
    assert_eq!(revision.new_pages, [added.id]);
    let cleared = cases::mark_page(&mut office, &page_id, None, at(41)).expect("clear");
    assert_eq!(cleared.mark, None);
    let audit = app::audit::case_trail(&office, &case_id, 100).expect("audit");
    let marks: Vec<_> = audit.iter().filter(|line| line.action == "page_marked").collect();
    assert_eq!(marks.len(), 2);
    assert_eq!(app::audit::summary(marks[0]), "第1页 清除标记");
    assert_eq!(app::audit::summary(marks[1]), "第1页 标记为不清晰");
    cases::review(&mut office, &case_id, "经审核，材料真实有效。", at(43)).expect("review");
}

#[test]
fn a_case_refused_at_review_prints_the_letter_with_the_reviewers_reasons() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut office = set_up_office(dir.path());
    add_reviewer_and_approver(&mut office);
    let (case_id, mut record, _) = case_with_one_page(&mut office);
    accept(&mut office, &case_id, &mut record);
    let printing = Printing::load().expect("printing");
    let accepted = app::review::case_page(&mut office, &case_id, at(7)).expect("page");
    assert!(!accepted.documents.contains(&Document::Rejection), "nothing refused yet");

    office.login("r", PASSWORD, at(20)).expect("reviewer");
    let reasons =
        ["经核查，劳动合同所载单位已注销".to_owned(), "租赁合同的出租人与房屋所有权人不符".to_owned()];
    cases::reject(&mut office, &case_id, &reasons, at(21)).expect("reject");
    let page = app::review::case_page(&mut office, &case_id, at(22)).expect("page");
    assert!(page.documents.contains(&Document::Rejection), "{:?}", page.documents);
    assert!(!page.documents.contains(&Document::Refusal), "不予受理 is for a case never accepted");
    let letter = render(&mut office, &printing, &case_id, Document::Rejection, at(23)).expect("letter");
    let text = pdftotext(&letter.pdf, dir.path(), "rejection");
    assert!(text.contains("不予办理告知书"), "{text}");
    assert!(text.contains("1.经核查，劳动合同所载单位已注销"), "{text}");
    assert!(text.contains("2.租赁合同的出租人与房屋所有权人不符"), "{text}");
    assert!(text.contains("签发人：审核员乙"), "the reviewer who refused it signs: {text}");
    assert!(text.contains("建政办函"), "the county's document: {text}");
}
