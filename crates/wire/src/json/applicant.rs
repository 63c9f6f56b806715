//! The screen facing the applicant: what it shows, for both windows.

use serde::Serialize;
use ts_rs::TS;

/// One line of the applicant's screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScreenLineInfo {
    /// The form's label.
    pub label: String,
    /// The value (ID and phone numbers masked).
    pub value: String,
}

/// What the screen facing the applicant shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApplicantScreenInfo {
    /// Changes with every new thing shown; 确认无误 is sent with the serial seen.
    pub serial: u32,
    /// `welcome`, `draft` (the form as typed) or `decided` (the decision and the rating).
    pub kind: String,
    /// The form's lines, for `draft`.
    pub lines: Vec<ScreenLineInfo>,
    /// For `draft`: what submitting will do, when the applicant is asked to confirm.
    pub confirm: Option<String>,
    /// The applicant confirmed the draft shown.
    pub confirmed: bool,
    /// For `decided`: the decision in one sentence.
    pub heading: Option<String>,
    /// For `decided`: what to bring, or why not.
    pub items: Vec<String>,
    /// For `decided`: the rating given, by its label, once given.
    pub rated: Option<String>,
}

impl From<app::applicant_screen::ScreenView> for ApplicantScreenInfo {
    fn from(view: app::applicant_screen::ScreenView) -> Self {
        use app::applicant_screen::Showing;
        let mut info = ApplicantScreenInfo {
            serial: u32::try_from(view.serial).unwrap_or(u32::MAX),
            kind: "welcome".to_owned(),
            lines: Vec::new(),
            confirm: None,
            confirmed: view.confirmed,
            heading: None,
            items: Vec::new(),
            rated: None,
        };
        match view.showing {
            Showing::Welcome => {}
            Showing::Draft { lines, confirm } => {
                info.kind = "draft".to_owned();
                info.lines = lines
                    .into_iter()
                    .map(|line| ScreenLineInfo { label: line.label, value: line.value })
                    .collect();
                info.confirm = confirm;
            }
            Showing::Decided { heading, items, rated, .. } => {
                info.kind = "decided".to_owned();
                info.heading = Some(heading);
                info.items = items;
                info.rated = rated;
            }
        }
        info
    }
}
