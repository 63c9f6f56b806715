//! 政务服务"好差评": the applicant rates the visit on the screen facing them (the
//! applicant window); the rating is kept with the case, queued for the platform as its own
//! `rating` record, and never changed (a second rating of the same visit is refused).
//! The clerk logged in at the counter is named as the one who served, not as its author.

use chrono::{DateTime, Utc};
use domain::rating::Rating;

pub use domain::rating::RatingLevel;
pub use store::StoredRating;

use crate::AppError;
use crate::cases::CaseId;
use crate::office::Office;

/// Keeps the applicant's rating (`level` a [`RatingLevel::key`], `reason` required for
/// 不满意 and 非常不满意) of the visit that ended with the case's latest decision.
pub fn rate_visit(
    office: &mut Office,
    case_id: &CaseId,
    level: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<StoredRating, AppError> {
    let rating = Rating::check(level, reason).map_err(AppError::Validation)?;
    let session = office.session()?.clone();
    Ok(office.store.record_rating(&session, case_id, &rating, now)?)
}

/// The applicant's rating from the screen facing them: of the visit that screen asks about
/// (the decision it shows), refused with `NOTHING_TO_RATE` when it asks about none; the
/// screen then thanks them.
pub fn rate_from_screen(
    office: &mut Office,
    screen: &crate::applicant_screen::ApplicantScreen,
    level: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<StoredRating, AppError> {
    let case_id = screen.rating_asked().ok_or(AppError::Store(store::StoreError::NothingToRate))?;
    let rating = rate_visit(office, &case_id, level, reason, now)?;
    screen.rated(rating.level.label());
    Ok(rating)
}

/// The ratings the applicant gave on this case, oldest first.
pub fn ratings(office: &Office, case_id: &CaseId) -> Result<Vec<StoredRating>, AppError> {
    office.session()?;
    Ok(office.store.ratings(case_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_spells_the_levels_as_the_domain_does() {
        let keys = RatingLevel::ALL.map(RatingLevel::key);
        assert_eq!(
            keys,
            platform_api::RATING_LEVELS,
            "the platform contract and the domain name the same levels"
        );
    }
}
