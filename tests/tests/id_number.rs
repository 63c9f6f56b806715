//! The ID-number round trip through the `app` facade, as the window uses it.

use chrono::NaiveDate;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
}

#[test]
fn valid_number_decodes_through_app() {
    let report = app::intake::check_id_number("513101198201130014", today()).expect("valid");
    assert_eq!(report.birth_date, NaiveDate::from_ymd_opt(1982, 1, 13).expect("date"));
    assert_eq!(report.gender, domain::Gender::Male);
}

#[test]
fn invalid_number_is_validation_error_with_all_issues() {
    let err = app::intake::check_id_number("330182199013450019", today()).expect_err("invalid");
    let app::AppError::Validation(issues) = err else { panic!("expected a validation error, got {err:?}") };
    let codes: Vec<_> = issues.iter().map(|i| i.code).collect();
    assert_eq!(codes, ["ID_NUMBER_BIRTH_DATE", "ID_NUMBER_CHECKSUM"]);
}
