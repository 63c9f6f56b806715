//! The screen facing the applicant (a second window, meant for a second monitor): what
//! the clerk is entering, in large type with the ID number masked; the applicant's
//! 确认无误 before the clerk submits; then the counter's decision and the 好差评 rating.
//!
//! Held in memory only (nothing here is stored: the rating goes through
//! [`crate::ratings`]). The clerk's window says what to show; the applicant's window reads
//! it and answers. Every change has a new serial, and a confirmation counts only for the
//! serial the applicant saw: a change after 确认无误 asks again.

use std::path::Path;
use std::sync::Mutex;

use domain::record::{ApplicationRecord, EvidenceItem};

use crate::cases::CaseId;

/// The file in the data directory that says this PC shows a screen to the applicant.
pub const SETTING_FILE: &str = "applicant-screen.json";

/// Whether this installation shows a screen to the applicant (set in the header; off
/// until chosen). An unreadable setting reads as off.
pub fn in_use(data_dir: &Path) -> bool {
    std::fs::read_to_string(data_dir.join(SETTING_FILE))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|value| value["in_use"].as_bool())
        .unwrap_or(false)
}

/// Remembers for this installation whether it shows a screen to the applicant.
pub fn set_in_use(data_dir: &Path, on: bool) -> Result<(), crate::AppError> {
    let text = serde_json::json!({ "in_use": on }).to_string();
    crate::archive::write_atomically(&data_dir.join(SETTING_FILE), text.as_bytes())
}

/// One line of the applicant's screen: a label and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenLine {
    /// The form's label (姓名, 公民身份号码…).
    pub label: String,
    /// The value as the applicant should check it (the ID number masked).
    pub value: String,
}

/// What the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Showing {
    /// Nothing in progress: a welcome.
    Welcome,
    /// The application as typed so far; `confirm` when the clerk asks the applicant to
    /// check it (确认无误), with what submitting will do (受理 / 一次性告知 / 不予受理).
    Draft {
        /// The form's lines.
        lines: Vec<ScreenLine>,
        /// What submitting will do, in words, when the clerk asks for the confirmation.
        confirm: Option<String>,
    },
    /// The counter's decision and the request for a rating of the visit.
    Decided {
        /// The case rated.
        case_id: CaseId,
        /// The decision in one sentence (受理, with the date the result is due; the
        /// one-time notice; 不予受理).
        heading: String,
        /// What to bring or why, one item per line (may be empty).
        items: Vec<String>,
        /// The rating given, by its label, once given.
        rated: Option<String>,
    },
}

/// The screen's state as the windows read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenView {
    /// Changes with every new thing shown.
    pub serial: u64,
    /// What is shown.
    pub showing: Showing,
    /// The applicant confirmed what is shown (the draft at this serial).
    pub confirmed: bool,
}

/// The screen facing the applicant, shared by both windows.
#[derive(Debug)]
pub struct ApplicantScreen {
    state: Mutex<ScreenView>,
}

impl Default for ApplicantScreen {
    fn default() -> Self {
        ApplicantScreen {
            state: Mutex::new(ScreenView { serial: 0, showing: Showing::Welcome, confirmed: false }),
        }
    }
}

impl ApplicantScreen {
    fn with<T>(&self, change: impl FnOnce(&mut ScreenView) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        change(&mut state)
    }

    fn show(&self, showing: Showing) -> u64 {
        self.with(|state| {
            if state.showing != showing {
                state.serial += 1;
                state.showing = showing;
                state.confirmed = false;
            }
            state.serial
        })
    }

    /// What the screen shows now.
    pub fn view(&self) -> ScreenView {
        self.with(|state| state.clone())
    }

    /// What the screen shows to the applicant: the welcome while no clerk is logged in
    /// (a locked counter shows nobody's data), else [`Self::view`].
    pub fn view_for(&self, logged_in: bool) -> ScreenView {
        let view = self.view();
        if logged_in { view } else { ScreenView { showing: Showing::Welcome, confirmed: false, ..view } }
    }

    /// Shows the welcome (no applicant, or the visit is over).
    pub fn welcome(&self) -> u64 {
        self.show(Showing::Welcome)
    }

    /// Shows the application as typed; `confirm`: asks the applicant to check it, saying
    /// what submitting will do. An unchanged draft keeps its serial (and a confirmation).
    pub fn show_draft(&self, record: &ApplicationRecord, confirm: Option<String>) -> u64 {
        self.show(Showing::Draft { lines: draft_lines(record), confirm })
    }

    /// Shows the decision and asks for a rating of the visit.
    pub fn show_decided(&self, case_id: CaseId, heading: String, items: Vec<String>) -> u64 {
        self.show(Showing::Decided { case_id, heading, items, rated: None })
    }

    /// The applicant pressed 确认无误 on what they saw at `serial`; `false` when the screen
    /// has changed since (they are asked again) or nothing was asked.
    pub fn confirm(&self, serial: u64) -> bool {
        self.with(|state| {
            let asked = matches!(state.showing, Showing::Draft { confirm: Some(_), .. });
            if asked && state.serial == serial {
                state.confirmed = true;
            }
            state.confirmed && state.serial == serial
        })
    }

    /// The case whose visit is to be rated now, if the screen asks for a rating not given.
    pub fn rating_asked(&self) -> Option<CaseId> {
        self.with(|state| match &state.showing {
            Showing::Decided { case_id, rated: None, .. } => Some(*case_id),
            _ => None,
        })
    }

    /// Shows that the visit was rated (by the level's label).
    pub fn rated(&self, label: &str) -> u64 {
        self.with(|state| {
            if let Showing::Decided { rated, .. } = &mut state.showing {
                *rated = Some(label.to_owned());
                state.serial += 1;
            }
            state.serial
        })
    }
}

/// The form's lines for the applicant: who, where from, where living, the recognition
/// asked for and the proofs ticked; the ID number masked (first six and last four), the
/// phone number too (last four).
pub fn draft_lines(record: &ApplicationRecord) -> Vec<ScreenLine> {
    // The county's full name before the address, unless the address already starts with it.
    let place = |code: &str, address: &str| {
        let place = crate::intake::describe_division(code).unwrap_or_default();
        if address.trim().starts_with(&place) { address.to_owned() } else { format!("{place}{address}") }
    };
    let applicant = &record.applicant;
    let household = &record.household_registration;
    let mut lines = vec![
        ("姓名", applicant.name.clone()),
        ("公民身份号码", mask(&applicant.id_number, 6, 4)),
        ("性别", applicant.gender.map(|gender| gender.label().to_owned()).unwrap_or_default()),
        (
            "民族",
            crate::intake::ethnic_group_name(&applicant.ethnic_group)
                .unwrap_or_else(|| applicant.ethnic_group.clone()),
        ),
        ("常住户口", place(&household.county_code, &household.address)),
        ("现居住地", place(&record.current_address.county_code, &record.current_address.address)),
        ("手机号码", mask(&record.phone_number, 0, 4)),
        ("互认类型", record.recognition_type.map(|kind| kind.label().to_owned()).unwrap_or_default()),
    ];
    let proofs: Vec<&str> = EvidenceItem::ALL
        .into_iter()
        .filter(|item| item.is_ticked(&record.evidence))
        .map(EvidenceItem::label)
        .collect();
    lines.push(("证明材料", proofs.join("、")));
    lines
        .into_iter()
        .map(|(label, value)| ScreenLine { label: label.to_owned(), value: value.trim().to_owned() })
        .collect()
}

/// `text` with all but its first `head` and last `tail` characters starred.
fn mask(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ApplicationRecord {
        let mut record = ApplicationRecord::default();
        record.applicant.name = "陈静".to_owned();
        record.applicant.id_number = "341203199003071227".to_owned();
        record.household_registration.county_code = "341203".to_owned();
        record.household_registration.address = "向阳路街道幸福村12号".to_owned();
        record.phone_number = "13800001234".to_owned();
        record.evidence.employment.labour_contract = true;
        record
    }

    #[test]
    fn the_applicant_sees_the_form_with_the_numbers_masked() {
        let lines = draft_lines(&record());
        let value =
            |label: &str| lines.iter().find(|line| line.label == label).map(|line| line.value.clone());
        assert_eq!(value("公民身份号码").as_deref(), Some("341203********1227"));
        assert_eq!(value("手机号码").as_deref(), Some("*******1234"));
        assert_eq!(value("常住户口").as_deref(), Some("安徽省阜阳市颍东区向阳路街道幸福村12号"));
        let mut written_out = record();
        written_out.household_registration.address = "安徽省阜阳市颍东区向阳路街道幸福村12号".to_owned();
        let lines = draft_lines(&written_out);
        assert_eq!(lines[4].value, "安徽省阜阳市颍东区向阳路街道幸福村12号", "the place is not said twice");
        assert!(value("证明材料").is_some_and(|proofs| proofs.contains("劳动合同")), "{lines:?}");
        assert!(!format!("{lines:?}").contains("341203199003071227"), "the whole number is never shown");
    }

    #[test]
    fn a_confirmation_counts_for_what_was_seen_only() {
        let screen = ApplicantScreen::default();
        let serial = screen.show_draft(&record(), None);
        assert!(!screen.confirm(serial), "nothing asked yet");
        let asked = screen.show_draft(&record(), Some("将予受理".to_owned()));
        assert!(!screen.confirm(serial), "a stale screen's confirmation is refused");
        assert!(screen.confirm(asked) && screen.view().confirmed);
        assert_eq!(
            screen.show_draft(&record(), Some("将予受理".to_owned())),
            asked,
            "unchanged: still confirmed"
        );
        assert!(screen.view().confirmed);
        let mut changed = record();
        changed.applicant.name = "陈晶".to_owned();
        screen.show_draft(&changed, Some("将予受理".to_owned()));
        assert!(!screen.view().confirmed, "a change after 确认无误 asks again");
    }

    #[test]
    fn the_choice_is_kept_for_the_installation() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert!(!in_use(dir.path()), "off until chosen");
        set_in_use(dir.path(), true).expect("kept");
        assert!(in_use(dir.path()));
        set_in_use(dir.path(), false).expect("kept");
        assert!(!in_use(dir.path()));
        std::fs::write(dir.path().join(SETTING_FILE), b"{broken").expect("write");
        assert!(!in_use(dir.path()), "an unreadable setting reads as off");
    }

    #[test]
    fn a_decision_asks_for_one_rating() {
        let screen = ApplicantScreen::default();
        let case_id: CaseId = "0193b2c4-7d00-7000-8000-000000000001".parse().expect("a case id");
        screen.show_decided(case_id, "已受理".to_owned(), Vec::new());
        assert_eq!(screen.rating_asked(), Some(case_id));
        screen.rated("满意");
        assert_eq!(screen.rating_asked(), None);
        assert!(
            matches!(screen.view().showing, Showing::Decided { rated: Some(ref label), .. } if label == "满意")
        );
    }
}
