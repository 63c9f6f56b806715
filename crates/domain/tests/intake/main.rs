//! Issue 3 intake tests: the application record's frozen JSON form, the policy profiles,
//! the registration-time arithmetic, the one-time-notice assessment and the case state
//! machine. One binary with a module per area; shared fixtures in `fixtures`.

mod assessment;
mod case;
mod eligibility;
mod explain;
mod fixtures;
mod profiles;
mod record;
mod registration;
