//! The audit trail: verifying the hash chain and reading its head to anchor elsewhere.
//!
//! Every use case audits through the store as it runs; this module only checks the
//! trail. A verify reads every row, so it is a maintenance command (`permitctl audit
//! verify`), not something the window runs at log-in.

pub use store::{AuditHead, AuditProblem, AuditReport};

use crate::AppError;
use crate::office::{Office, Roles};

/// Recomputes the whole chain and reports the first row that does not check out. Needs
/// 管理员.
pub fn verify(office: &Office) -> Result<AuditReport, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    Ok(office.store.audit_verify()?)
}

/// The last link of the chain (sequence number and hash), to write down outside this PC.
pub fn head(office: &Office) -> Result<Option<AuditHead>, AppError> {
    office.clerk_with_any_role(Roles::ADMIN)?;
    Ok(office.store.audit_head()?)
}
