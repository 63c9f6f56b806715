//! Pulling the platform's decisions with a cursor the caller persists.
//!
//! The cursor is the caller's: it stores the decisions and the page's `next_cursor` in
//! one transaction inside `apply`, and passes the stored cursor to the next pull. A crash
//! between a page's arrival and its storage only means the page is fetched again; the feed
//! is read-only on the platform's side.

use platform_api::DecisionPage;

use crate::client::PlatformClient;
use crate::error::SyncError;

/// What a pull did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Decisions handed to `apply`.
    pub decisions: u64,
    /// Pages fetched.
    pub pages: u64,
    /// The cursor after the last page applied (to store; `apply` has stored it already).
    pub cursor: u64,
}

/// Fetches pages of at most `page_limit` decisions after `cursor` and hands each to
/// `apply` until the feed is exhausted. `apply` must store the decisions and
/// `page.next_cursor` atomically; if it fails, the pull stops with [`SyncError::Outbox`]
/// and the cursor stays where `apply` last stored it.
pub async fn pull_decisions<E>(
    client: &PlatformClient,
    cursor: u64,
    page_limit: u32,
    mut apply: impl FnMut(&DecisionPage) -> Result<(), E>,
) -> Result<PullReport, SyncError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let page_limit = page_limit.clamp(1, platform_api::MAX_DECISIONS_PER_PAGE);
    let mut report = PullReport { cursor, ..PullReport::default() };
    loop {
        let page = client.decisions(report.cursor, page_limit).await?;
        report.pages += 1;
        if page.decisions.is_empty() {
            break;
        }
        if page.next_cursor <= report.cursor {
            return Err(SyncError::Protocol { detail: "the decision cursor did not advance".to_owned() });
        }
        crate::crash::point(crate::crash::DECISIONS_RECEIVED);
        apply(&page).map_err(SyncError::outbox)?;
        report.decisions += page.decisions.len() as u64;
        report.cursor = page.next_cursor;
        if page.decisions.len() < page_limit as usize {
            break;
        }
    }
    tracing::info!(decisions = report.decisions, cursor = report.cursor, "decisions pulled");
    Ok(report)
}
