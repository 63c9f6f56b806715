//! 政务服务"好差评": the applicant's rating of a visit to the counter.
//!
//! Every government service counter offers it (国务院办公厅《关于建立政务服务"好差评"制度
//! 提高政务服务水平的意见》, 国办发〔2019〕51号): five levels, 非常满意 to 非常不满意, and a
//! reason when the applicant is not satisfied, so the complaint can be followed up. The
//! applicant gives it on the screen facing them; the clerk can neither give nor change
//! it. One rating per visit: a visit ends with the counter's decision on the case (the
//! state change the applicant was told about).

use crate::FieldIssue;

/// The five levels, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RatingLevel {
    /// 非常满意.
    VerySatisfied,
    /// 满意.
    Satisfied,
    /// 基本满意.
    Basic,
    /// 不满意.
    Dissatisfied,
    /// 非常不满意.
    VeryDissatisfied,
}

/// The longest reason kept, in characters.
pub const REASON_MAX_CHARS: usize = 200;

impl RatingLevel {
    /// Every level, in the order the applicant's screen shows them.
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Basic,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];

    /// The stored and sent key (never renamed).
    pub fn key(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::Basic => "basic",
            RatingLevel::Dissatisfied => "dissatisfied",
            RatingLevel::VeryDissatisfied => "very_dissatisfied",
        }
    }

    /// The level with this [`key`](Self::key).
    pub fn from_key(key: &str) -> Option<RatingLevel> {
        RatingLevel::ALL.into_iter().find(|level| level.key() == key)
    }

    /// Its name, as the applicant reads it.
    pub fn label(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "非常满意",
            RatingLevel::Satisfied => "满意",
            RatingLevel::Basic => "基本满意",
            RatingLevel::Dissatisfied => "不满意",
            RatingLevel::VeryDissatisfied => "非常不满意",
        }
    }

    /// Whether the applicant must say why (差评).
    pub fn needs_reason(self) -> bool {
        matches!(self, RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied)
    }
}

/// A rating as the applicant gave it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// The level.
    pub level: RatingLevel,
    /// Why, trimmed; empty only for a level that needs none.
    pub reason: String,
}

impl Rating {
    /// Checks a rating: a known level, a reason for 不满意 and 非常不满意, at most
    /// [`REASON_MAX_CHARS`] characters.
    pub fn check(level: &str, reason: &str) -> Result<Rating, Vec<FieldIssue>> {
        let reason = reason.trim();
        let Some(level) = RatingLevel::from_key(level) else {
            return Err(vec![FieldIssue::new("level", "RATING_LEVEL_UNKNOWN", "请选择一项评价。")]);
        };
        if level.needs_reason() && reason.is_empty() {
            return Err(vec![FieldIssue::new(
                "reason",
                "RATING_REASON_MISSING",
                format!("选择“{}”时请写明原因，以便改进服务。", level.label()),
            )]);
        }
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err(vec![FieldIssue::new(
                "reason",
                "RATING_REASON_TOO_LONG",
                format!("原因请不超过{REASON_MAX_CHARS}字。"),
            )]);
        }
        Ok(Rating { level, reason: reason.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_frozen_and_read_back() {
        let keys: Vec<&str> = RatingLevel::ALL.iter().map(|level| level.key()).collect();
        assert_eq!(keys, ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"]);
        for level in RatingLevel::ALL {
            assert_eq!(RatingLevel::from_key(level.key()), Some(level));
        }
    }

    #[test]
    fn a_bad_rating_needs_a_reason_and_a_good_one_none() {
        assert_eq!(Rating::check("satisfied", "  ").map(|r| r.reason), Ok(String::new()));
        let codes = |level: &str, reason: &str| -> Vec<&'static str> {
            Rating::check(level, reason).err().unwrap_or_default().iter().map(|issue| issue.code).collect()
        };
        assert_eq!(codes("dissatisfied", " "), ["RATING_REASON_MISSING"]);
        assert_eq!(codes("very_dissatisfied", "等了很久"), Vec::<&str>::new());
        assert_eq!(codes("excellent", ""), ["RATING_LEVEL_UNKNOWN"]);
        assert_eq!(codes("dissatisfied", &"慢".repeat(201)), ["RATING_REASON_TOO_LONG"]);
    }
}
