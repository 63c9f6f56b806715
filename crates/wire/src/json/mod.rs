//! Transport types (DTOs) between the window and the shell.
//!
//! These are an IPC boundary: changing a field changes the UI's contract. Their
//! TypeScript declarations are generated into `ui/src/bindings.ts` by this module's test
//! `bindings_are_up_to_date` (re-bless with `make bindings`).

mod applicant;
mod bundle;
mod cases;
mod desk;
mod idcard;
mod ledger;
mod office;
mod print;
mod scans;

pub use applicant::*;
pub use bundle::*;
pub use cases::*;
pub use desk::*;
pub use idcard::*;
pub use ledger::*;
pub use office::*;
pub use print::*;
pub use scans::*;
use serde::Serialize;
use ts_rs::TS;

/// What the window learns from a valid ID number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IdNumberInfo {
    /// Normalised number (uppercase X).
    pub normalized: String,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male` or `female`.
    pub gender: String,
    /// Chinese label of the gender: 男 / 女.
    pub gender_label: String,
    /// Age in whole years today.
    pub age: u32,
    /// Six-digit address code.
    pub region_code: String,
    /// Full name of the address code, e.g. 浙江省杭州市建德市; `null` if unknown.
    pub region_name: Option<String>,
    /// Suggested 常住户口 province code (only for a current county code).
    pub household_province_code: Option<String>,
    /// Suggested 常住户口 county code (only for a current county code).
    pub household_county_code: Option<String>,
}

impl From<app::intake::IdNumberReport> for IdNumberInfo {
    fn from(report: app::intake::IdNumberReport) -> Self {
        let (household_province_code, household_county_code) = match report.household_guess {
            Some(guess) => (Some(guess.province_code), Some(guess.county_code)),
            None => (None, None),
        };
        Self {
            age: report.age,
            normalized: report.normalized,
            birth_date: report.birth_date.to_string(),
            gender: gender_key(report.gender).to_owned(),
            gender_label: report.gender.label().to_owned(),
            region_code: report.region_code,
            region_name: report.region_name,
            household_province_code,
            household_county_code,
        }
    }
}

fn gender_key(gender: app::domain::Gender) -> &'static str {
    match gender {
        app::domain::Gender::Male => "male",
        app::domain::Gender::Female => "female",
    }
}

/// One entry of a division picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DivisionChoice {
    /// Six-digit code.
    pub code: String,
    /// Name at its own level.
    pub name: String,
    /// Full name, province first.
    pub full_name: String,
    /// `province`, `city` or `county`.
    pub level: String,
}

impl From<app::intake::DivisionChoice> for DivisionChoice {
    fn from(choice: app::intake::DivisionChoice) -> Self {
        Self {
            code: choice.code,
            name: choice.name,
            full_name: choice.full_name,
            level: choice.level.to_owned(),
        }
    }
}

/// One entry of the ethnic-group picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EthnicChoice {
    /// Two-digit GB 3304 code.
    pub code: String,
    /// Full name, e.g. 汉族.
    pub name: String,
}

impl From<app::intake::EthnicChoice> for EthnicChoice {
    fn from(choice: app::intake::EthnicChoice) -> Self {
        Self { code: choice.code, name: choice.name }
    }
}

/// A policy profile the office can apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProfileInfo {
    /// County code, e.g. 330182.
    pub county: String,
    /// County name.
    pub name: String,
    /// Document number (文号).
    pub document: String,
    /// Effective date, `YYYY-MM-DD`; `null` for an undated draft.
    pub effective: Option<String>,
    /// Whether the document is a draft (征求意见稿).
    pub draft: bool,
    /// Whether the document implements mutual recognition (false: the provincial default,
    /// which never accepts by itself).
    pub implements_recognition: bool,
    /// An applicant younger than this needs a guardian on the form.
    pub guardian_below_age: u32,
    /// The form asks for the measured facts behind the ticks (证明材料的具体情况).
    pub asks_evidence_facts: bool,
}

impl From<app::domain::profile::ProfileSummary> for ProfileInfo {
    fn from(summary: app::domain::profile::ProfileSummary) -> Self {
        Self {
            county: summary.county,
            name: summary.name,
            document: summary.document,
            effective: summary.effective.map(|d| d.to_string()),
            draft: summary.draft,
            implements_recognition: summary.implements_recognition,
            guardian_below_age: summary.guardian_below_age,
            asks_evidence_facts: summary.asks_evidence_facts,
        }
    }
}

/// One line of the one-time notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NoticeLine {
    /// Stable code, e.g. `EVIDENCE_NONE`.
    pub code: String,
    /// Dotted path of the field in the record.
    pub field: String,
    /// The Chinese sentence read to the applicant.
    pub message: String,
    /// `materials` (补正: something to bring or correct) or `eligibility` (不符合互认条件).
    pub kind: String,
    /// For an eligibility reason, the sentence of the document it rests on; blank otherwise.
    pub basis: String,
}

/// The live assessment shown beside the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssessmentInfo {
    /// `accept`, `notice` (materials to bring) or `not_eligible` (不予受理).
    #[ts(type = "DecisionKey")]
    pub decision: String,
    /// The profile applied.
    pub profile: ProfileInfo,
    /// Every missing item and reason (empty when the case can be accepted).
    pub items: Vec<NoticeLine>,
    /// If accepted today, the processing deadline (`YYYY-MM-DD`); `null` if the holiday
    /// table does not cover it.
    pub due_if_accepted_today: Option<String>,
    /// Ticked evidence of a stored case without a scanned page (`EVIDENCE_PAGE_MISSING`);
    /// shown with the assessment, they do not change the decision.
    pub unscanned: Vec<NoticeLine>,
    /// When the deadline is an estimate (a year without a holiday table), the sentence
    /// that says so.
    pub due_estimate: Option<String>,
    /// No mobile number: the applicant will get the paper 确认单 (never blocks acceptance).
    pub paper_slip_needed: bool,
}

/// The assessment's answer as the window names it.
pub fn decision_key(decision: app::domain::assessment::Decision) -> &'static str {
    match decision {
        app::domain::assessment::Decision::Accept => "accept",
        app::domain::assessment::Decision::Notice => "notice",
        app::domain::assessment::Decision::NotEligible => "not_eligible",
    }
}

impl AssessmentInfo {
    /// Converts the app's report; `due` is the deadline if accepted today.
    pub fn from_report(report: app::assess::AssessmentReport, due: Option<chrono::NaiveDate>) -> Self {
        Self {
            decision: decision_key(report.assessment.decision).to_owned(),
            profile: report.profile.into(),
            items: report.assessment.items.into_iter().map(NoticeLine::from).collect(),
            due_if_accepted_today: due.map(|d| d.to_string()),
            unscanned: Vec::new(),
            due_estimate: None,
            paper_slip_needed: false,
        }
    }

    /// Converts the app's live assessment, with the ticked evidence its pages lack.
    pub fn from_draft(draft: app::intake::DraftAssessment) -> Self {
        let unscanned = draft.unscanned.into_iter().map(NoticeLine::from).collect();
        Self {
            unscanned,
            due_estimate: draft.due_estimate,
            paper_slip_needed: draft.paper_slip_needed,
            ..Self::from_report(draft.report, draft.due_if_accepted_today)
        }
    }
}

impl From<app::domain::assessment::NoticeItem> for NoticeLine {
    fn from(item: app::domain::assessment::NoticeItem) -> Self {
        let kind = match item.kind {
            app::domain::assessment::ItemKind::Materials => "materials",
            app::domain::assessment::ItemKind::Eligibility => "eligibility",
        };
        NoticeLine {
            code: item.code,
            field: item.field,
            message: item.message,
            kind: kind.to_owned(),
            basis: item.basis,
        }
    }
}

/// Facts about this installation for the header and the about box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    /// Version of the app.
    pub version: String,
    /// Today's date at the counter (UTC+8), `YYYY-MM-DD`.
    pub today: String,
    /// The data directory in use.
    pub data_dir: String,
    /// What this build carries (关于).
    pub about: AboutInfo,
}

/// What this build is and carries ([`app::about::About`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AboutInfo {
    /// 版本 0.1.0 · 数据库结构 8 · 申请表数据 2 · 节假日 2023–2026.
    pub line: String,
    /// The office database's schema version.
    pub database_schema: u32,
    /// The application record's schema version.
    pub record_schema: u32,
    /// Each printed document's template: `名称 版本`.
    pub templates: Vec<String>,
    /// Each county profile: `名称（文号）`, a draft marked.
    pub profiles: Vec<String>,
    /// The holiday table's years.
    pub holiday_years: Vec<i32>,
}

impl From<app::about::About> for AboutInfo {
    fn from(about: app::about::About) -> Self {
        Self {
            line: about.line(),
            database_schema: about.database_schema,
            record_schema: about.record_schema,
            templates: about.templates.iter().map(|(name, version)| format!("{name} {version}")).collect(),
            profiles: about
                .profiles
                .iter()
                .map(|profile| {
                    // A draft is named so once (its document number usually says it already).
                    let draft = if profile.draft && !profile.document.contains("征求意见稿") {
                        "（征求意见稿）"
                    } else {
                        ""
                    };
                    format!("{}（{}）{draft}", profile.name, profile.document)
                })
                .collect(),
            holiday_years: about.holiday_years.iter().map(|year| year.year).collect(),
        }
    }
}

// Keyed values the window sends: strings on the wire, parsed by the one table that owns
// each kind (with a Chinese error for an unknown key). The alias names the kind so the
// command bindings (`commands::bindings`) give the argument its TypeScript union.

/// An application record as JSON, parsed by `app` (a malformed one is a `VALIDATION`
/// error naming its fields); `ApplicationRecord` in TypeScript.
pub type RecordJson = serde_json::Value;
/// A printed document's key ([`app::printing::Document::name`]); `DocumentKey`.
pub type DocumentName = String;
/// A worklist's key ([`app::worklists::Worklist::key`]); `WorklistKey`.
pub type WorklistName = String;
/// A role's key ([`app::office::Roles::KEYED`]); `RoleKey`.
pub type RoleName = String;
/// A colour mode's name ([`app::scans::ColourMode::as_str`]); `ColourKey`.
pub type ColourName = String;
/// A reviewer's mark on a page ([`app::domain::review::PageMark::key`]); `PageMarkKey`.
pub type PageMarkName = String;
/// A division level's name ([`app::domain::reference::DivisionLevel::as_str`]); `DivisionLevel`.
pub type LevelName = String;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{UiError, UiFieldError};

    /// Every type the UI imports, in declaration order.
    fn declarations() -> String {
        let config = ts_rs::Config::default();
        let mut out = String::from(
            "// Generated by `cargo test -p wire` (crates/wire/src/json/mod.rs). Do not edit by hand.\n",
        );
        for decl in [
            app::problem::ErrorCode::decl(&config),
            UiFieldError::decl(&config),
            UiError::decl(&config),
            IdNumberInfo::decl(&config),
            ReaderStateInfo::decl(&config),
            CardReadInfo::decl(&config),
            ScreenLineInfo::decl(&config),
            ApplicantScreenInfo::decl(&config),
            DivisionChoice::decl(&config),
            EthnicChoice::decl(&config),
            ProfileInfo::decl(&config),
            NoticeLine::decl(&config),
            AssessmentInfo::decl(&config),
            AboutInfo::decl(&config),
            AppInfo::decl(&config),
            OfficeStatus::decl(&config),
            JoinedDeskInfo::decl(&config),
            DeskModeInfo::decl(&config),
            ServerProbeInfo::decl(&config),
            DeskAnswerInfo::decl(&config),
            DeskPrintInfo::decl(&config),
            DeskScanInfo::decl(&config),
            DeskFolderFile::decl(&config),
            DeskFolderInfo::decl(&config),
            SessionInfo::decl(&config),
            ClerkInfo::decl(&config),
            DraftSavedInfo::decl(&config),
            CaseLineInfo::decl(&config),
            SubmitResult::decl(&config),
            WorklistCount::decl(&config),
            HistoryInfo::decl(&config),
            ExplainedRuleInfo::decl(&config),
            RevisionInfo::decl(&config),
            CaseInfo::decl(&config),
            AuditLineInfo::decl(&config),
            SyncStatusInfo::decl(&config),
            QuarantinedRecord::decl(&config),
            PrinterChoice::decl(&config),
            PrintSettingsInput::decl(&config),
            SupportExportInfo::decl(&config),
            BackupMadeInfo::decl(&config),
            BackupFileInfo::decl(&config),
            RestoredInfo::decl(&config),
            RekeyInfo::decl(&config),
            PlaceInfo::decl(&config),
            FolderInfo::decl(&config),
            PreviewInfo::decl(&config),
            PrintedInfo::decl(&config),
            WaitingJobInfo::decl(&config),
            EndedJobInfo::decl(&config),
            PrintJobsInfo::decl(&config),
            VerifiedSlipInfo::decl(&config),
            ScannerChoice::decl(&config),
            ScanRequest::decl(&config),
            PageEditInput::decl(&config),
            ScanProgress::decl(&config),
            PageMarkInfo::decl(&config),
            PageDto::decl(&config),
            PagesInfo::decl(&config),
            ScanOutcome::decl(&config),
            RefusedFile::decl(&config),
            FolderPollInfo::decl(&config),
            PlatformKeyInfo::decl(&config),
            TransferInfo::decl(&config),
            BundleFileInfo::decl(&config),
            LedgerExportInfo::decl(&config),
            PlatformKeySetInfo::decl(&config),
            BundleExportInfo::decl(&config),
            BundleImportInfo::decl(&config),
            OfficeDetailsInput::decl(&config),
            OfficeDetailsInfo::decl(&config),
            LoadedUpdateInfo::decl(&config),
            ReferenceStatusInfo::decl(&config),
            UpgradeInfo::decl(&config),
            LedgerLineInfo::decl(&config),
            CountInfo::decl(&config),
            LedgerSummaryInfo::decl(&config),
            LedgerInfo::decl(&config),
        ] {
            out.push_str("export ");
            out.push_str(&decl);
            out.push('\n');
        }
        // The case states' and printed documents' keys with their Chinese labels: the
        // domain's and the print crate's one tables, for the UI.
        let states: Vec<_> =
            app::domain::case::CaseState::ALL.iter().map(|state| (state.as_str(), state.label())).collect();
        key_table(&mut out, "CaseStateKey", "CASE_STATE_LABELS", &states);
        let documents = app::printing::Document::ALL.map(|document| (document.name(), document.label()));
        key_table(&mut out, "DocumentKey", "DOCUMENT_LABELS", &documents);
        // The 好差评 levels, best first (the applicant's screen shows them in this order).
        let levels = app::ratings::RatingLevel::ALL.map(|level| (level.key(), level.label()));
        key_table(&mut out, "RatingLevelKey", "RATING_LEVEL_LABELS", &levels);
        evidence_catalogue(&mut out);
        // Keys the window sends back or switches on, from the shell's own tables.
        use app::domain::assessment::Decision;
        let decisions = [Decision::Accept, Decision::Notice, Decision::NotEligible].map(decision_key);
        key_union(&mut out, "DecisionKey", &decisions);
        key_union(&mut out, "RoleKey", &app::office::Roles::KEYED.map(|(_, key)| key));
        let worklists: Vec<&str> = app::worklists::Worklist::ALL.iter().map(|list| list.key()).collect();
        key_union(&mut out, "WorklistKey", &worklists);
        use app::domain::assessment::Outcome;
        let outcomes = [Outcome::Met, Outcome::NotMet, Outcome::NotApplicable]
            .map(|o| (cases::outcome_key(o), o.label()));
        key_table(&mut out, "OutcomeKey", "OUTCOME_LABELS", &outcomes);
        key_union(&mut out, "ColourKey", &app::scans::ColourMode::ALL.map(|mode| mode.as_str()));
        use app::domain::review::PageMark;
        key_table(
            &mut out,
            "PageMarkKey",
            "PAGE_MARK_LABELS",
            &PageMark::ALL.map(|mark| (mark.key(), mark.label())),
        );
        use app::domain::ledger::Deadline;
        key_table(&mut out, "DeadlineKey", "DEADLINE_LABELS", &Deadline::ALL.map(|d| (d.key(), d.label())));
        let levels = app::domain::reference::DivisionLevel::ALL.map(|level| level.as_str());
        key_union(&mut out, "DivisionLevel", &levels);
        out
    }

    /// The domain's one evidence catalogue: its keys, and its groups with their boxes in
    /// the form's order (`label` beside the box, `name` on its own).
    fn evidence_catalogue(out: &mut String) {
        use app::domain::record::{Condition, EvidenceItem, RENTAL_HEADING};
        let keys: Vec<&str> = EvidenceItem::ALL.iter().map(|item| item.key()).collect();
        key_union(out, "EvidenceKey", &keys);
        out.push_str(&format!("export const RENTAL_HEADING = \"{RENTAL_HEADING}\";\n"));
        out.push_str("export interface EvidenceBox {\n  path: EvidenceKey;\n  label: string;\n  name: string;\n  rental: boolean;\n  other: boolean;\n}\n");
        out.push_str("export interface EvidenceGroup {\n  key: string;\n  label: string;\n  items: readonly EvidenceBox[];\n}\n");
        out.push_str("export const EVIDENCE_GROUPS: readonly EvidenceGroup[] = [\n");
        for condition in Condition::ALL {
            out.push_str(&format!(
                "  {{\n    key: \"{}\",\n    label: \"{}\",\n    items: [\n",
                condition.key(),
                condition.label()
            ));
            for item in condition.items() {
                out.push_str(&format!(
                    "      {{ path: \"{}\", label: \"{}\", name: \"{}\", rental: {}, other: {} }},\n",
                    item.key(),
                    item.box_label(),
                    item.label(),
                    item.is_rental(),
                    item.is_other()
                ));
            }
            out.push_str("    ],\n  },\n");
        }
        out.push_str("];\n");
    }

    /// `export type KEY = "a" | …;`.
    fn key_union(out: &mut String, key_type: &str, keys: &[&str]) {
        let keys: Vec<String> = keys.iter().map(|key| format!("\"{key}\"")).collect();
        out.push_str(&format!("export type {key_type} = {};\n", keys.join(" | ")));
    }

    /// `export type KEY = "a" | …;` and `export const LABELS: Record<KEY, string> = {…};`.
    fn key_table(out: &mut String, key_type: &str, labels: &str, entries: &[(&str, &str)]) {
        key_union(out, key_type, &entries.iter().map(|(key, _)| *key).collect::<Vec<_>>());
        out.push_str(&format!("export const {labels}: Record<{key_type}, string> = {{\n"));
        for (key, label) in entries {
            out.push_str(&format!("  {key}: \"{label}\",\n"));
        }
        out.push_str("};\n");
    }

    #[test]
    fn bindings_are_up_to_date() {
        let path = std::path::Path::new(
            &std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
        )
        .join("../../ui/src/bindings.ts");
        let expected = declarations();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).expect("write bindings");
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(actual, expected, "ui/src/bindings.ts is stale: run `make bindings`");
    }
}
