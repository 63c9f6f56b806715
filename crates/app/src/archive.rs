//! One file per person (一人一档): every case of one ID number, each with its record,
//! every state change with its clerk, and the audit extract, in one file an archivist
//! opens without this program.
//!
//! Format (version 2, do not change; add fields only with a new `version`): a single
//! self-contained HTML5 page, UTF-8, no scripts that run, no external resources.
//! - The page shows, per case, the main fields of the record, the history (时间, 环节,
//!   办理人, 意见) and the audit extract, readable in any browser and printable.
//! - The same content, complete, is embedded as JSON in
//!   `<script type="application/json" id="permit-desk-person-archive">` for machines:
//!   `{"format": "permit-desk-person-archive", "version": 1, "office_id", "exported_at",
//!   "exported_by", "cases": [{"case_id", "state", "record", "accepted_by", "reviewed_by",
//!   "approved_by", "accepted_at", "due_date", "permit_number", "history": [...],
//!   "audit": [...], "pages": [...]}]}` (instants in RFC 3339 UTC, dates `YYYY-MM-DD`).
//! - Version 2 added `pages`: every scanned page of the case in order, `{"position",
//!   "evidence", "evidence_label", "mode", "width", "height", "bytes", "sha256",
//!   "jpeg_base64"}`; the page shows each as an `<img>` with a `data:image/jpeg;base64,`
//!   source, its evidence item and its SHA-256, so the archivist sees the proofs in the
//!   browser and can check each image against its hash (`sha256sum` of the decoded JPEG).
//!   Reading each image for the export is audited like any view of a page.
//!
//! Why HTML and not a ZIP or PDF: one file, opened by any browser on any PC of the
//! archive, with the machine-readable data inside; a ZIP would need a new dependency.
//! Scans go in as `data:` images (a third more bytes than the JPEG: a 300 KB page adds
//! about 400 KB to the file).
//!
//! The page is written **encrypted** (issue 18): an AES-256 ZIP (WinZip AE-2: AES-256 in
//! CTR mode with an HMAC-SHA1 tag over the ciphertext, the key from PBKDF2) holding one
//! file, `person.html`, under a password the program generates for each export (24
//! characters of an alphabet without look-alikes, about 120 bits) and shows once to the
//! administrator, who writes it on the transfer form that goes to the archive separately
//! from the medium. The archivist opens it with any tool that reads AES ZIPs (7-Zip,
//! WinRAR, Bandizip, 360压缩; `7z x` on Linux), or [`open_archive`]. Why not the program's
//! own bundle encryption: the archive PC has no permit-desk and no office key; why a
//! generated password rather than one chosen: a chosen one would be weak exactly where
//! PBKDF2's 1,000 rounds in this format give it no help. The export is audited on every
//! case and needs the 管理员 role; the password is never logged or audited.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use store::{AuditAction, SearchQuery};

use crate::AppError;
use crate::cases::{ClerkRef, clerk_ref, domain_case};
use crate::office::{Office, Roles};

/// The format name written into the file.
pub const ARCHIVE_FORMAT: &str = "permit-desk-person-archive";
/// The format version written into the file.
pub const ARCHIVE_VERSION: u32 = 2;
/// Most audit rows exported per case.
const MAX_AUDIT_ROWS: u32 = 100_000;

/// What [`export_person`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSummary {
    /// The file written.
    pub path: PathBuf,
    /// Cases in it.
    pub cases: usize,
    /// State changes in it, all cases together.
    pub events: usize,
    /// Audit rows in it, all cases together.
    pub audit_rows: usize,
    /// Scanned pages in it, all cases together.
    pub pages: usize,
    /// The password the archive opens with: shown once, never stored.
    pub password: String,
}

/// The name of the page inside the encrypted archive.
pub const ARCHIVE_ENTRY: &str = "person.html";

/// The characters of a generated archive password: digits and capitals without the
/// look-alikes 0/O and 1/I, so it is copied by hand without mistakes.
const PASSWORD_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A fresh archive password: 24 characters in groups of four (`K7QM-3XWP-…`), 120 bits.
fn archive_password() -> Result<String, AppError> {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).map_err(|_| AppError::Io {
        what: "generate the archive password",
        source: std::io::Error::other("no randomness"),
    })?;
    let mut password = String::with_capacity(29);
    for (index, byte) in random.iter().enumerate() {
        if index > 0 && index % 4 == 0 {
            password.push('-');
        }
        password.push(char::from(PASSWORD_ALPHABET[usize::from(byte % 32)]));
    }
    Ok(password)
}

/// The archive's bytes: `html` as [`ARCHIVE_ENTRY`] in an AES-256 ZIP under `password`.
fn encrypt_archive(html: &str, password: &str) -> Result<Vec<u8>, AppError> {
    use std::io::Write as _;
    let failed = |error: zip::result::ZipError| AppError::Io {
        what: "encrypt the archive",
        source: std::io::Error::other(error.to_string()),
    };
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, password);
    writer.start_file(ARCHIVE_ENTRY, options).map_err(failed)?;
    writer.write_all(html.as_bytes()).map_err(AppError::io("encrypt the archive"))?;
    Ok(writer.finish().map_err(failed)?.into_inner())
}

/// The page inside an archive [`export_person`] wrote, opened with its password; `None`
/// for a wrong password, a changed byte or a file that is no such archive.
pub fn open_archive(bytes: &[u8], password: &str) -> Option<String> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut entry = archive.by_name_decrypt(ARCHIVE_ENTRY, password.as_bytes()).ok()?;
    let mut html = String::new();
    entry.read_to_string(&mut html).ok()?;
    Some(html)
}

/// Writes the archive of the person with `id_number` to `dest` (replacing it), encrypted
/// under a password generated for it and returned once in the summary. Needs 管理员.
pub fn export_person(
    office: &mut Office,
    id_number: &str,
    dest: &Path,
    now: DateTime<Utc>,
) -> Result<ArchiveSummary, AppError> {
    let (session, _) = office.clerk_with_any_role(Roles::ADMIN)?;
    let found = office.store.search(&session, &SearchQuery::IdNumber(id_number), 1000, now)?;
    if found.is_empty() {
        return Err(AppError::PersonNotFound);
    }
    let users = office.users()?;
    let mut cases = Vec::with_capacity(found.len());
    let (mut n_events, mut n_audit, mut n_pages) = (0, 0, 0);
    for summary in &found {
        let stored = office.store.read_case(&summary.id)?;
        let events = office.store.case_events(&summary.id)?;
        let audit = office.store.audit_entries(Some(&summary.id), MAX_AUDIT_ROWS)?;
        let domain = domain_case(&stored, &events, &users)?;
        let pages = pages_json(office, &session, &summary.id, now)?;
        n_pages += pages.len();
        n_events += events.len();
        n_audit += audit.len();
        let clerk = |id| clerk_json(&clerk_ref(id, &users));
        cases.push(json!({
            "case_id": stored.id.to_string(),
            "state": stored.state.as_str(),
            "state_label": domain.state.label(),
            "record": domain.record,
            "accepted_by": stored.accepted_by.map(clerk),
            "reviewed_by": stored.reviewed_by.map(clerk),
            "approved_by": stored.approved_by.map(clerk),
            "accepted_at": stored.accepted_at.map(instant),
            "due_date": stored.due_date,
            "permit_number": domain.permit_number,
            "history": events.iter().zip(&domain.history).map(|(event, entry)| json!({
                "at": instant(event.at),
                "from": event.from_state.map(|state| state.as_str()),
                "to": event.to_state.as_str(),
                "action": entry.action.label(),
                "actor": clerk(event.actor),
                "note": event.note,
            })).collect::<Vec<_>>(),
            "audit": audit.iter().map(|row| json!({
                "seq": row.seq,
                "at": instant(row.at),
                "actor": row.actor,
                "action": row.action,
                "details": row.details,
            })).collect::<Vec<_>>(),
            "pages": pages,
        }));
    }
    let document = json!({
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "office_id": office.office_id(),
        "exported_at": instant(now),
        "exported_by": session.username(),
        "cases": cases,
    });
    let password = archive_password()?;
    write_atomically(dest, &encrypt_archive(&render_html(&document), &password)?)?;
    for summary in &found {
        let details = json!({ "kind": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION, "cases": found.len() });
        office.store.audit_event(&session, AuditAction::Exported, Some(&summary.id), details, now)?;
    }
    Ok(ArchiveSummary {
        path: dest.to_owned(),
        cases: found.len(),
        events: n_events,
        audit_rows: n_audit,
        pages: n_pages,
        password,
    })
}

/// The case's pages with their images (each read audited as a view).
fn pages_json(
    office: &mut Office,
    session: &store::Session,
    case_id: &crate::cases::CaseId,
    now: DateTime<Utc>,
) -> Result<Vec<Value>, AppError> {
    use base64::Engine as _;
    let metas = office.store.pages(case_id)?;
    let mut pages = Vec::with_capacity(metas.len());
    for meta in metas {
        let jpeg = office.store.page_image(session, &meta.id, now)?;
        let label = domain::record::EvidenceItem::from_key(&meta.evidence)
            .map_or("未指定证明材料", |item| item.label());
        pages.push(json!({
            "position": meta.position,
            "evidence": meta.evidence,
            "evidence_label": label,
            "mode": meta.mode,
            "width": meta.width,
            "height": meta.height,
            "bytes": meta.bytes,
            "sha256": meta.sha256,
            "jpeg_base64": base64::engine::general_purpose::STANDARD.encode(jpeg),
        }));
    }
    Ok(pages)
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn clerk_json(clerk: &ClerkRef) -> Value {
    json!({ "username": clerk.username, "display_name": clerk.display_name })
}

/// Writes to a temporary file next to `dest`, syncs it and renames it over `dest`; the
/// temporary file is removed when anything fails (`bundle::write_whole`).
pub(crate) fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<(), AppError> {
    crate::bundle::write_whole(dest, bytes).map_err(AppError::io("write output file"))
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn render_html(document: &Value) -> String {
    let mut html = String::new();
    let empty = Vec::new();
    let cases = document["cases"].as_array().unwrap_or(&empty);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>一人一档 个人档案</title>\n<style>body{{font-family:sans-serif;margin:2em}}\
         table{{border-collapse:collapse;margin:0.5em 0 1.5em}}td,th{{border:1px solid #888;padding:0.2em 0.5em;\
         text-align:left;vertical-align:top}}</style>\n</head>\n<body>\n<h1>一人一档 个人档案</h1>\n\
         <p>办理机构：{}　导出时间：{}　导出人：{}　案件数：{}</p>\n",
        escape(&text_of(&document["office_id"])),
        escape(&text_of(&document["exported_at"])),
        escape(&text_of(&document["exported_by"])),
        cases.len()
    );
    for case in cases {
        let record = &case["record"];
        let _ = write!(
            html,
            "<h2>案件 {}（{}）</h2>\n<table>\n<tr><th>申请编号</th><td>{}</td></tr>\n\
             <tr><th>姓名</th><td>{}</td></tr>\n<tr><th>公民身份号码</th><td>{}</td></tr>\n\
             <tr><th>联系电话</th><td>{}</td></tr>\n<tr><th>现居住地址</th><td>{}</td></tr>\n\
             <tr><th>办理时限</th><td>{}</td></tr>\n<tr><th>居住证号码</th><td>{}</td></tr>\n</table>\n",
            escape(&text_of(&case["case_id"])),
            escape(&text_of(&case["state_label"])),
            escape(&text_of(&record["application_number"])),
            escape(&text_of(&record["applicant"]["name"])),
            escape(&text_of(&record["applicant"]["id_number"])),
            escape(&text_of(&record["phone_number"])),
            escape(&text_of(&record["current_address"]["address"])),
            escape(&text_of(&case["due_date"])),
            escape(&text_of(&case["permit_number"])),
        );
        html.push_str("<h3>办理经过</h3>\n<table>\n<tr><th>时间</th><th>环节</th><th>状态</th><th>办理人</th><th>意见</th></tr>\n");
        for line in case["history"].as_array().unwrap_or(&empty) {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}（{}）</td><td>{}</td></tr>",
                escape(&text_of(&line["at"])),
                escape(&text_of(&line["action"])),
                escape(&text_of(&line["from"])),
                escape(&text_of(&line["to"])),
                escape(&text_of(&line["actor"]["display_name"])),
                escape(&text_of(&line["actor"]["username"])),
                escape(&text_of(&line["note"])),
            );
        }
        html.push_str("</table>\n<h3>审计记录</h3>\n<table>\n<tr><th>序号</th><th>时间</th><th>操作人</th><th>操作</th><th>内容</th></tr>\n");
        for row in case["audit"].as_array().unwrap_or(&empty) {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&text_of(&row["seq"])),
                escape(&text_of(&row["at"])),
                escape(&text_of(&row["actor"])),
                escape(&text_of(&row["action"])),
                escape(&text_of(&row["details"])),
            );
        }
        html.push_str("</table>\n");
        let pages = case["pages"].as_array().unwrap_or(&empty);
        if !pages.is_empty() {
            let _ = writeln!(html, "<h3>证明材料扫描件（{} 页）</h3>", pages.len());
            for page in pages {
                let _ = writeln!(
                    html,
                    "<figure><img src=\"data:image/jpeg;base64,{}\" alt=\"第 {} 页\" style=\"max-width:100%;border:1px solid #888\">\
                     <figcaption>第 {} 页　{}　{} × {} 像素　SHA-256 <code>{}</code></figcaption></figure>",
                    escape(&text_of(&page["jpeg_base64"])),
                    escape(&text_of(&page["position"])),
                    escape(&text_of(&page["position"])),
                    escape(&text_of(&page["evidence_label"])),
                    escape(&text_of(&page["width"])),
                    escape(&text_of(&page["height"])),
                    escape(&text_of(&page["sha256"])),
                );
            }
        }
    }
    // `</` cannot end the script element early once escaped; JSON parsers read `<\/` as `</`.
    let data = document.to_string().replace("</", "<\\/");
    let _ = write!(
        html,
        "<script type=\"application/json\" id=\"{ARCHIVE_FORMAT}\">{data}</script>\n</body>\n</html>\n"
    );
    html
}

/// Reads the embedded JSON back from an archive file's text (for tests and tools).
pub fn embedded_json(html: &str) -> Option<Value> {
    let start_tag = format!("<script type=\"application/json\" id=\"{ARCHIVE_FORMAT}\">");
    let start = html.find(&start_tag)? + start_tag.len();
    let end = start + html[start..].find("</script>")?;
    serde_json::from_str(&html[start..end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_text_and_the_embedded_json_reads_back() {
        let document = json!({
            "office_id": "330424<x>",
            "cases": [{ "case_id": "c1", "record": { "remarks": "</script><b>&" }, "history": [], "audit": [] }],
        });
        let html = render_html(&document);
        assert!(html.contains("330424&lt;x&gt;"), "text is escaped");
        assert!(!html.contains("</script><b>"), "no markup or early script end from data");
        assert_eq!(embedded_json(&html), Some(document), "the JSON block round-trips");
    }
}
