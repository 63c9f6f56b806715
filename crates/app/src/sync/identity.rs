//! The device identity: an id derived from the office id and an Ed25519 key, kept in
//! the store and created (audited) on first use.

use super::*;

/// A device id from the office id: each run of characters outside `A-Z a-z 0-9 . _ -`
/// becomes one `-` (an office id with its name in Chinese gave a row of dashes, which a
/// clerk reading the id to the platform's operator by phone had to count), then a random
/// suffix, so two installations of one office differ.
fn default_device_id(office_id: &str) -> Result<String, AppError> {
    let mut stem = String::new();
    for c in office_id.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' };
        if !(c == '-' && stem.ends_with('-')) {
            stem.push(c);
        }
    }
    let stem: String = stem.trim_end_matches('-').chars().take(48).collect();
    let suffix = CaseId::new(DateTime::UNIX_EPOCH)?.as_uuid().simple().to_string();
    let suffix = &suffix[suffix.len() - 8..];
    Ok(if stem.trim_matches('-').is_empty() {
        format!("counter-{suffix}")
    } else {
        format!("{stem}-{suffix}")
    })
}

fn identity_problem(error: &SyncError) -> AppError {
    AppError::Validation(vec![domain::FieldIssue::new(
        "device_id",
        "DEVICE_ID_INVALID",
        format!("设备号不合规：只能使用字母、数字和 . _ -，最长 64 个字符（{error}）。"),
    )])
}

pub(crate) fn load_identity(
    office: &mut Office,
    preferred_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DeviceIdentity, AppError> {
    let stored = match office.store.device_secret()? {
        Some(stored) => stored,
        None => {
            let device_id = match preferred_id {
                Some(id) => id.to_owned(),
                None => default_device_id(office.office_id())?,
            };
            let fresh = DeviceIdentity::generate(&device_id).map_err(|error| identity_problem(&error))?;
            office.store.device_secret_or_insert(&device_id, &fresh.secret_bytes(), now)?
        }
    };
    DeviceIdentity::from_secret(&stored.device_id, &stored.secret).map_err(|error| identity_problem(&error))
}

/// This installation's device identity, created (and audited) the first time: a device id
/// (`preferred_id`, or one derived from the office id) and an Ed25519 key pair whose
/// secret is kept in the encrypted store. Idempotent: later calls return the stored one.
/// Needs no clerk (the first sync calls it); show the public key to the operator who
/// registers the device on the platform.
pub fn device_identity(
    mut handle: impl OfficeHandle,
    preferred_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DeviceInfo, AppError> {
    handle.with_office(|office| {
        let identity = load_identity(office, preferred_id, now)?;
        let created_at = office.store.device_secret()?.map_or(now, |stored| stored.created_at);
        Ok(DeviceInfo {
            device_id: identity.device_id().to_owned(),
            public_key_hex: identity.public_key_hex(),
            created_at,
        })
    })
}

/// After a re-key: orders the device's request-signing key replaced, signed by the
/// administrator (`session`), with a new key kept in the re-keyed database, so a copy of the
/// office made before the re-key — by the clerk it revoked — holds no key the platform
/// takes once the next sync has sent the order ([`Syncer::sync`]). While an earlier order
/// waits for its answer, the new one replaces that order's key (which the platform may
/// have taken, its answer lost) and is sent after it. Nothing to do for an office that
/// never synced (no device identity yet).
pub(crate) fn order_device_key_change(
    office: &mut Office,
    session: &store::Session,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(current) = office.store.device_secret()? else { return Ok(()) };
    let previous = match office.store.pending_device_key_changes()?.last() {
        Some(waiting) => waiting.change.new_key.clone(),
        None => DeviceIdentity::from_secret(&current.device_id, &current.secret)
            .map_err(|error| identity_problem(&error))?
            .public_key_hex(),
    };
    let next = DeviceIdentity::generate(&current.device_id).map_err(|error| identity_problem(&error))?;
    office.store.order_device_key_change(
        session,
        (&previous, &next.public_key_hex()),
        &next.secret_bytes(),
        now,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_device_id;
    use crate::AppError;

    #[test]
    fn a_device_id_keeps_the_office_ids_letters_and_one_dash_for_each_run_of_others() -> Result<(), AppError>
    {
        let id = default_device_id("33018201建德市新安江街道便民服务中心")?;
        let Some((stem, suffix)) = id.rsplit_once('-') else { panic!("no suffix: {id}") };
        assert_eq!(stem, "33018201");
        assert_eq!(suffix.len(), 8);
        let id = default_device_id("330182-jiande 01（窗口）")?;
        assert!(id.starts_with("330182-jiande-01-"), "{id}");
        assert!(!id.contains("--"), "{id}");
        assert!(default_device_id("建德")?.starts_with("counter-"));
        Ok(())
    }
}
