//! The office store behind `sync::Outbox`: queued rows become wire records, answers
//! settle them, page bytes are read by hash.

use super::*;

/// The office store behind `sync::Outbox` (see the module docs).
pub struct StoreOutbox<'h, H: OfficeHandle> {
    pub(super) handle: &'h mut H,
    clock: fn() -> DateTime<Utc>,
    /// Whether this drain has checked the audit chain and the state seal (once, before its
    /// first push).
    checked_before_push: bool,
}

impl<'h, H: OfficeHandle> StoreOutbox<'h, H> {
    /// The outbox of the office behind `handle`, writing instants read from `clock`.
    pub fn new(handle: &'h mut H, clock: fn() -> DateTime<Utc>) -> StoreOutbox<'h, H> {
        StoreOutbox { handle, clock, checked_before_push: false }
    }
}

fn outbox_ids(ids: &[Uuid]) -> Result<Vec<OutboxId>, AppError> {
    ids.iter().map(|id| Ok(id.hyphenated().to_string().parse::<OutboxId>()?)).collect()
}

/// A stored state key as the contract spells it: the domain's serde name (the one-time
/// notice is stored as `refused` and travels as `notice_issued`). A key this build does
/// not know travels as it is stored, for the platform to refuse.
fn wire_state(stored: &str) -> String {
    CaseState::parse(stored).map_or_else(|| stored.to_owned(), |state| state.contract_name().to_owned())
}

pub(crate) fn outgoing(item: OutboxItem) -> Result<OutgoingRecord, AppError> {
    let corrupt = |detail: String| AppError::Store(StoreError::Corrupt { detail });
    let case_id = item.case_id.ok_or_else(|| corrupt(format!("outbox item {} names no case", item.id)))?;
    let kind = match item.kind.as_str() {
        "case_state_changed" => {
            let state = |key: &str| {
                item.payload[key]
                    .as_str()
                    .map(wire_state)
                    .ok_or_else(|| corrupt(format!("outbox item {} has no {key} state", item.id)))
            };
            OutgoingKind::StateChanged { from: state("from")?, to: state("to")? }
        }
        "page_metadata" => {
            let content_hash = item.payload["content_hash"]
                .as_str()
                .ok_or_else(|| corrupt(format!("outbox item {} has no content hash", item.id)))?
                .to_owned();
            let bytes = item.payload["bytes"]
                .as_u64()
                .ok_or_else(|| corrupt(format!("outbox item {} has no page size", item.id)))?;
            OutgoingKind::PageMetadata { content_hash, bytes }
        }
        "rating" => {
            let level = item.payload["level"]
                .as_str()
                .ok_or_else(|| corrupt(format!("outbox item {} has no rating level", item.id)))?
                .to_owned();
            OutgoingKind::Rating { level }
        }
        other => return Err(corrupt(format!("outbox item {} has unknown kind {other:?}", item.id))),
    };
    Ok(OutgoingRecord {
        id: *item.id.as_uuid(),
        case_id: *case_id.as_uuid(),
        kind,
        sequence: u64::try_from(item.seq).unwrap_or(0),
        payload: item.payload,
        created_at: item.created_at,
    })
}

impl<H: OfficeHandle> Outbox for StoreOutbox<'_, H> {
    type Error = AppError;

    fn pending(&mut self, limit: usize) -> Result<Vec<OutgoingRecord>, AppError> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let items = self.handle.with_office(|office| Ok(office.store.outbox_sendable(limit)?))?;
        items.into_iter().map(outgoing).collect()
    }

    fn count_pending(&mut self) -> Result<u64, AppError> {
        self.handle.with_office(|office| Ok(office.store.outbox_count_sendable()?))
    }

    fn record_attempt(&mut self, ids: &[Uuid], error: Option<&str>) -> Result<(), AppError> {
        let ids = outbox_ids(ids)?;
        let at = (self.clock)();
        self.handle
            .with_office(|office| Ok(office.store.outbox_mark_attempts(&ids, error, at).map(|_| ())?))
    }

    fn mark_confirmed(&mut self, ids: &[Uuid]) -> Result<(), AppError> {
        let ids = outbox_ids(ids)?;
        let at = (self.clock)();
        self.handle.with_office(|office| Ok(office.store.outbox_mark_confirmed(&ids, at).map(|_| ())?))
    }

    fn quarantine(&mut self, id: Uuid, reason: &QuarantineReason) -> Result<(), AppError> {
        let ids = outbox_ids(&[id])?;
        let at = (self.clock)();
        self.handle.with_office(|office| {
            Ok(office.store.outbox_quarantine_with_code(&ids[0], &reason.code, &reason.reason, at)?)
        })
    }

    fn read_blob(&mut self, content_hash: &str) -> Result<Option<Vec<u8>>, AppError> {
        // The stored page with that hash; a page record whose bytes are missing (the page
        // was deleted) is quarantined as BLOB_MISSING_LOCALLY by the drain.
        self.handle.with_office(|office| Ok(office.store.page_bytes_by_hash(content_hash)?))
    }

    fn audit_anchor(&mut self) -> Result<Option<platform_api::AuditAnchor>, AppError> {
        // Before the drain's first push, the audit chain since the last check and the state
        // seal are checked: a change made beside the program since the last log-in goes to
        // the platform with this very push. The seal's check reads every sealed row on a
        // connection of its own, outside the office's lock, so the window's commands go on
        // meanwhile.
        if !std::mem::replace(&mut self.checked_before_push, true) {
            let seal = self.handle.with_office(|office| {
                office.check_audit_chain_since_last()?;
                office.state_seal_checker()
            })?;
            let found = seal.checker.check()?;
            self.handle.with_office(|office| {
                office.record_state_seal(seal.check, seal.head, found);
                Ok(())
            })?;
        }
        let (points, broken_at) = self
            .handle
            .with_office(|office| Ok((office.store.audit_anchor_for_push()?, office.audit_broken_at())))?;
        Ok(points.as_ref().map(|points| super::wire_anchor(points, broken_at)))
    }

    fn clerk_keys(&mut self) -> Result<::sync::ClerkKeys, AppError> {
        self.handle.with_office(|office| super::clerk_keys_to_send(&office.store))
    }

    fn anchor_acknowledged(&mut self, seq: u64) -> Result<(), AppError> {
        self.handle.with_office(|office| Ok(office.store.audit_anchor_acknowledged(seq)?))
    }
}
