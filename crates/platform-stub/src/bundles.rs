//! The platform's side of the air-gapped transfer: it reads a counter's export bundle,
//! ingests it exactly as it ingests an online push (same idempotency, same rules, the pages
//! stored by hash), and writes the answer bundle: a verdict per record and the decisions
//! after the counter's cursor, encrypted to the device and signed with the platform's key.
//! See [`bundle`] for the file format.

use bundle::{AnswerBundle, BundleKind, Seal};
use platform_api::PushBatch;

use crate::clock::rfc3339;
use crate::error::{Result, StubError};
use crate::platform::Platform;

/// The most decisions one answer carries; the rest come with the next answer.
const ANSWER_DECISIONS: u32 = 100_000;

/// What ingesting an export did, for the stand-in's log and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleAnswer {
    /// The answer bundle's bytes.
    pub file: Vec<u8>,
    /// The device the bundle came from.
    pub device_id: String,
    /// Records in the export.
    pub records: usize,
    /// Pages in the export.
    pub pages: usize,
    /// Decisions in the answer.
    pub decisions: usize,
}

impl Platform {
    /// Reads an export bundle (signed by an enrolled device, encrypted to this platform),
    /// ingests its pages and records as a push, and writes the answer bundle. Ingesting
    /// the same export again answers `duplicate` for every record: nothing is stored twice.
    pub fn answer_bundle(&self, export_file: &[u8]) -> Result<BundleAnswer> {
        let header = bundle::read_header(export_file)?;
        let device_key = self
            .device_key(&header.device_id)?
            .ok_or_else(|| StubError::UnknownDevice(header.device_id.clone()))?;
        let platform_key = self.signing_key()?;
        let (header, export) = self.open_export_of_device(export_file, &header, device_key, &platform_key)?;
        // The same hold on the office's audit chain as an online push; a file answered
        // before is answered again (its anchor was held to the chain then).
        let export_id = header.bundle_id.to_string();
        let again = self.export_answered_before(&export_id)?;
        if !again
            && let crate::platform::AnchorCheck::Broken(reason) =
                self.check_audit_anchor(&header.device_id, export.audit_anchor.as_ref())?
        {
            tracing::warn!(device_id = %header.device_id, "export bundle refused: audit chain broken");
            return Err(StubError::AuditChainBroken(reason));
        }
        for page in &export.pages {
            // open_export checked each page against its hash.
            self.put_blob(&page.content_hash, &page.bytes)?;
        }
        let audit_anchor_seq = export.audit_anchor.as_ref().map(|anchor| anchor.head.seq);
        let batch = PushBatch {
            device_id: header.device_id.clone(),
            records: export.records,
            audit_anchor: None,
            clerk_keys: export.clerk_keys,
            clerk_key_revocations: export.clerk_key_revocations,
            // Applied as an online push's, by the same code.
            device_key_change: export.device_key_change,
        };
        let response = self.push(&header.device_id, &batch)?;
        // The answer goes to the key the platform holds now: the new one when the export's
        // change was taken (the office holds it, as its pending key until it reads this).
        let device_key = self
            .device_key(&header.device_id)?
            .ok_or_else(|| StubError::UnknownDevice(header.device_id.clone()))?;
        let decisions = self.decisions(&header.device_id, export.decision_cursor, ANSWER_DECISIONS)?;
        let answer = AnswerBundle {
            device_id: header.device_id.clone(),
            export_bundle_id: header.bundle_id,
            results: response.results,
            missing_blobs: response.missing_blobs,
            decisions,
            audit_anchor_seq,
            device_key: response.device_key,
            device_key_ordered: batch.device_key_change.as_ref().map(|change| change.new_key.clone()),
        };
        let now = self.clock().now();
        let mut random = [0_u8; 10];
        getrandom::fill(&mut random)
            .map_err(|error| StubError::InvalidInput { what: "random source", reason: error.to_string() })?;
        let bundle_id =
            uuid::Builder::from_unix_timestamp_millis(now.timestamp_millis().max(0) as u64, &random)
                .into_uuid();
        let created_at = rfc3339(now);
        let seal = Seal {
            kind: BundleKind::Answer,
            bundle_id,
            created_at: &created_at,
            device_id: &header.device_id,
            sender: &platform_key,
            recipient: &device_key,
        };
        let file = bundle::seal_answer(&seal, &answer)?;
        self.note_export_answered(&export_id, &header.device_id)?;
        tracing::info!(
            device_id = %header.device_id,
            records = batch.records.len(),
            pages = export.pages.len(),
            decisions = answer.decisions.decisions.len(),
            "export bundle ingested; answer written"
        );
        Ok(BundleAnswer {
            file,
            device_id: header.device_id,
            records: batch.records.len(),
            pages: export.pages.len(),
            decisions: answer.decisions.decisions.len(),
        })
    }

    /// Opens an export signed with the device's key, or with a key its administrator
    /// replaced when the export carries the very order that replaced it, byte for byte as
    /// applied (its administrator's signature included, which a copy of the office from
    /// before the re-key never held): the office wrote it before it read the answer that
    /// took the change (that answer lost, or not yet carried back), as an online push after
    /// a lost answer. Any other export signed with a replaced key is refused
    /// [`StubError::DeviceKeyReplaced`].
    fn open_export_of_device(
        &self,
        file: &[u8],
        header: &bundle::Header,
        device_key: [u8; 32],
        platform_key: &ed25519_dalek::SigningKey,
    ) -> Result<(bundle::Header, bundle::ExportBundle)> {
        if header.sender_key == hex::encode(device_key) {
            return Ok(bundle::open_export(file, &device_key, platform_key)?);
        }
        let replaced = self.replaced_device_keys(&header.device_id)?;
        let Some(old_key) = replaced.iter().find(|key| header.sender_key == hex::encode(key)) else {
            // Another key altogether: refused as a bad signature by the usual check.
            return Ok(bundle::open_export(file, &device_key, platform_key)?);
        };
        let (header, export) = bundle::open_export(file, old_key, platform_key)?;
        let applied = self.applied_device_key_change(&header.device_id, &hex::encode(old_key))?;
        let carries_the_change = applied.is_some_and(|applied| {
            applied.new_key == hex::encode(device_key) && export.device_key_change.as_ref() == Some(&applied)
        });
        if !carries_the_change {
            tracing::info!(device_id = %header.device_id, "export signed with a replaced device key refused");
            return Err(StubError::DeviceKeyReplaced(header.device_id));
        }
        Ok((header, export))
    }
}
