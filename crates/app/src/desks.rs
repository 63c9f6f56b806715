//! What the office server keeps in the office for its desks (issue 17,
//! docs/office-server.md "Trust on the LAN"): the office's certificate authority, kept
//! encrypted in the store and created once by an administrator, and the record of each
//! desk that joined with a one-time code. The X.509 work is the server's (`crates/server`);
//! the office only keeps the bytes and audits.

use chrono::{DateTime, Utc};
pub use store::OfficeCa;

use crate::AppError;
use crate::office::Office;
pub use store::DeskRecord;

/// The office CA, made by `make` (the CA and its fingerprint) the first time. Needs an
/// administrator logged in for that first time; audited as `office_ca_created`. Once
/// made, it is never replaced: the desks and browsers of the office trust it.
pub fn office_ca_or_create<E>(
    office: &mut Office,
    make: impl FnOnce() -> Result<(OfficeCa, String), E>,
    now: DateTime<Utc>,
) -> Result<Result<OfficeCa, E>, AppError> {
    if let Some(ca) = office.store.office_ca()? {
        return Ok(Ok(ca));
    }
    let session = office.session()?.clone();
    Ok(office.store.office_ca_or_create(&session, make, now)?)
}

/// The office CA, if an administrator's start of the server made it.
pub fn office_ca(office: &Office) -> Result<Option<OfficeCa>, AppError> {
    Ok(office.store.office_ca()?)
}

/// Audits a desk's joining (`desk_joined`: its name and certificate fingerprint) in the
/// name of the logged-in administrator, the one whose one-time code it used.
pub fn record_desk_joined(
    office: &mut Office,
    desk_name: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let session = office.session()?.clone();
    office.store.record_desk_joined(&session, desk_name, fingerprint, now)?;
    Ok(())
}

/// The desks that joined the office server (removed ones included): administrators only.
pub fn list_desks(office: &Office) -> Result<Vec<store::DeskRecord>, AppError> {
    office.clerk_with_any_role(store::Roles::ADMIN)?;
    Ok(office.store.desks()?)
}

/// The desks the office server serves (joined, not removed), for its connections to be
/// checked against; no clerk needed (the server reads them at its start).
pub fn served_desks(office: &Office) -> Result<Vec<store::DeskRecord>, AppError> {
    Ok(office.store.desks()?.into_iter().filter(|desk| desk.revoked_at.is_none()).collect())
}

/// Removes a desk from the office (an administrator; audited `desk_revoked`): the server
/// refuses its certificate from now on.
pub fn revoke_desk(
    office: &mut Office,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<store::DeskRecord, AppError> {
    let session = office.session()?.clone();
    Ok(office.store.revoke_desk(&session, fingerprint, now)?)
}
