//! Who did each step (issue 18): the stand-in registers the clerk keys an office sends and
//! checks every clerk's step against them, so an approval stands only when three different
//! clerks signed the acceptance, the review and the approval of the same application, in
//! order — whatever the office's database says.
//!
//! Keys are trusted through their certificates (`clerk_signing`): the first self-signed
//! administrator key a device sends is its **root**, pinned for good; every other key
//! needs a certificate from a registered administrator key, or from the same clerk's
//! registered key (a clerk's own next key). Certificates that do not chain are ignored.
//!
//! A device that has never sent a root is held to the old rules (its records predate
//! clerk signatures; the signed steps among them are followed, not enforced); once it has
//! one, every clerk's step must be signed. The steps the
//! platform itself decided (issued, rejected, old permit cancelled, reported back by the
//! device under the `platform` account) need no clerk's signature.

use clerk_signing::{
    DeviceKeyChange, KeyCertificate, KeyRevocation, NO_PREVIOUS, StepSignature, record_digest,
};
use platform_api::{DeviceKeyAnswer, PushRecord, code};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// Version 4 of the stand-in's schema.
pub(crate) const SCHEMA_V4: &str = "
CREATE TABLE clerk_keys (
    device_id     TEXT NOT NULL,
    public_key    TEXT NOT NULL,
    username      TEXT NOT NULL,
    administrator INTEGER NOT NULL,
    root          INTEGER NOT NULL,
    certificate   TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, public_key)
);
CREATE TABLE clerk_key_revocations (
    device_id  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    revoked_at TEXT NOT NULL,
    revocation TEXT NOT NULL,
    PRIMARY KEY (device_id, public_key)
);
CREATE TABLE case_steps (
    case_id     TEXT PRIMARY KEY,
    link        TEXT NOT NULL,
    record      TEXT,
    accepted_by TEXT,
    reviewed_by TEXT
);
";

/// Version 5: each device key an administrator's order replaced (after a re-key at the
/// office), so a request still signed with one is told so (`DEVICE_KEY_REPLACED`).
pub(crate) const SCHEMA_V5: &str = "
CREATE TABLE device_key_changes (
    device_id    TEXT NOT NULL,
    previous_key TEXT NOT NULL,
    new_key      TEXT NOT NULL,
    change       TEXT NOT NULL,
    applied_at   INTEGER NOT NULL,
    PRIMARY KEY (device_id, previous_key)
);
";

/// The account the counter reports the platform's own decisions under.
const PLATFORM_ACCOUNT: &str = "platform";

/// States only the platform decides.
const PLATFORM_DECIDED: [&str; 3] = ["issued", "rejected", "old_permit_cancelled"];

/// Registers the certificates of a push that chain to the device's root (pinning the
/// first root it sees). Returns how many keys were newly registered.
pub(crate) fn register(
    conn: &Connection,
    device_id: &str,
    certificates: &[KeyCertificate],
    now_millis: i64,
) -> Result<usize> {
    let mut pending: Vec<&KeyCertificate> =
        certificates.iter().filter(|certificate| certificate.verify().is_ok()).collect();
    let mut registered = 0;
    loop {
        let mut progressed = false;
        let mut index = 0;
        while index < pending.len() {
            let certificate = pending[index];
            if trusted(conn, device_id, certificate)? {
                if upsert(conn, device_id, certificate, now_millis)? {
                    registered += 1;
                }
                pending.swap_remove(index);
                progressed = true;
            } else {
                index += 1;
            }
        }
        if !progressed {
            break;
        }
    }
    if !pending.is_empty() {
        tracing::info!(
            device_id,
            ignored = pending.len(),
            "clerk key certificates that do not chain to the root"
        );
    }
    Ok(registered)
}

/// Records the revocations of a push whose issuer may revoke the key: an administrator's
/// registered key, the key itself, or another registered key of the same clerk. The
/// earliest revocation of a key stands. Returns how many keys were newly revoked.
pub(crate) fn revoke(conn: &Connection, device_id: &str, revocations: &[KeyRevocation]) -> Result<usize> {
    let mut revoked = 0;
    for revocation in revocations {
        if revocation.verify().is_err() {
            continue;
        }
        let Some(subject) = known(conn, device_id, &revocation.public_key)? else { continue };
        if subject.username != revocation.username {
            continue;
        }
        let allowed = revocation.issuer == revocation.public_key
            || known(conn, device_id, &revocation.issuer)?
                .is_some_and(|issuer| issuer.administrator || issuer.username == revocation.username);
        if !allowed {
            continue;
        }
        revoked += conn
            .prepare_cached(
                "INSERT INTO clerk_key_revocations (device_id, public_key, revoked_at, revocation)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (device_id, public_key) DO UPDATE
                    SET revoked_at = excluded.revoked_at, revocation = excluded.revocation
                  WHERE excluded.revoked_at < revoked_at",
            )?
            .execute(params![
                device_id,
                revocation.public_key,
                revocation.revoked_at,
                serde_json::to_string(revocation)?
            ])?;
    }
    Ok(revoked)
}

/// Applies a push's device key change when an administrator of the device, registered
/// and never revoked here, ordered it for the key the platform holds; `current` is that
/// key (hex), with which the push was signed. Answers the key held afterwards, and why the
/// change was refused when it was.
pub(crate) fn change_device_key(
    conn: &Connection,
    device_id: &str,
    current: &str,
    change: &DeviceKeyChange,
    now_millis: i64,
) -> Result<DeviceKeyAnswer> {
    let refuse = |why: &str| {
        tracing::info!(device_id, why, "device key change refused");
        Ok(DeviceKeyAnswer { key: current.to_owned(), refused: Some(why.to_owned()) })
    };
    if change.device_id != device_id {
        return refuse("设备密钥变更单所指的设备不是发送它的设备。");
    }
    if change.new_key == current {
        // Applied by an earlier push whose answer was lost: this one is signed with it.
        return Ok(DeviceKeyAnswer { key: current.to_owned(), refused: None });
    }
    if change.verify().is_err() {
        return refuse("设备密钥变更单的管理员签名无效。");
    }
    if change.previous_key != current {
        return refuse("设备密钥变更单要替换的不是省平台为本设备登记的密钥。");
    }
    let ordered_by_administrator = known(conn, device_id, &change.issuer)?
        .is_some_and(|issuer| issuer.administrator && issuer.username == change.username);
    if !ordered_by_administrator {
        return refuse("签署设备密钥变更单的不是本办理点在省平台登记的管理员。");
    }
    if revoked_at(conn, device_id, &change.issuer)?.is_some() {
        return refuse("签署设备密钥变更单的管理员密钥已注销。");
    }
    let Some(new_key) = hex::decode(&change.new_key).ok().filter(|key| key.len() == 32) else {
        return refuse("新的设备密钥格式不正确。");
    };
    conn.prepare_cached("UPDATE devices SET public_key = ?2 WHERE device_id = ?1")?
        .execute(rusqlite::params![device_id, new_key])?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO device_key_changes (device_id, previous_key, new_key, change, applied_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        device_id,
        change.previous_key,
        change.new_key,
        serde_json::to_string(change)?,
        now_millis
    ])?;
    tracing::info!(device_id, administrator = change.username, "device key replaced");
    Ok(DeviceKeyAnswer { key: change.new_key.clone(), refused: None })
}

/// The order that replaced `previous_key` (64 hex digits) of `device_id`, as it was
/// applied (its administrator's signature included), if one did.
pub(crate) fn applied_device_key_change(
    conn: &Connection,
    device_id: &str,
    previous_key: &str,
) -> Result<Option<DeviceKeyChange>> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT change FROM device_key_changes WHERE device_id = ?1 AND previous_key = ?2")?
        .query_row(params![device_id, previous_key], |row| row.get(0))
        .optional()?;
    Ok(stored.map(|change| serde_json::from_str(&change)).transpose()?)
}

/// The keys `device_id` signed with before an administrator's order replaced them.
pub(crate) fn replaced_device_keys(conn: &Connection, device_id: &str) -> Result<Vec<[u8; 32]>> {
    let keys: Vec<String> = conn
        .prepare_cached("SELECT previous_key FROM device_key_changes WHERE device_id = ?1")?
        .query_map([device_id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(keys
        .iter()
        .filter_map(|key| hex::decode(key).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok()))
        .collect())
}

fn revoked_at(conn: &Connection, device_id: &str, public_key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT revoked_at FROM clerk_key_revocations WHERE device_id = ?1 AND public_key = ?2",
        )?
        .query_row(params![device_id, public_key], |row| row.get(0))
        .optional()?)
}

struct KnownKey {
    username: String,
    administrator: bool,
    root: bool,
}

fn known(conn: &Connection, device_id: &str, public_key: &str) -> Result<Option<KnownKey>> {
    Ok(conn
        .prepare_cached(
            "SELECT username, administrator, root FROM clerk_keys WHERE device_id = ?1 AND public_key = ?2",
        )?
        .query_row(params![device_id, public_key], |row| {
            Ok(KnownKey { username: row.get(0)?, administrator: row.get(1)?, root: row.get(2)? })
        })
        .optional()?)
}

fn has_root(conn: &Connection, device_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM clerk_keys WHERE device_id = ?1 AND root = 1)")?
        .query_row([device_id], |row| row.get(0))?)
}

/// Whether a (self-consistent) certificate chains to what the device already has.
fn trusted(conn: &Connection, device_id: &str, certificate: &KeyCertificate) -> Result<bool> {
    if let Some(existing) = known(conn, device_id, &certificate.public_key)?
        && existing.username != certificate.username
    {
        // A key is one clerk's: a certificate naming it for another is ignored.
        return Ok(false);
    }
    match &certificate.issuer {
        None => {
            let root = known(conn, device_id, &certificate.public_key)?.is_some_and(|key| key.root);
            Ok(certificate.administrator && (root || !has_root(conn, device_id)?))
        }
        Some(issuer_key) => {
            // A revoked key certifies nothing dated from its revocation on.
            if revoked_at(conn, device_id, issuer_key)?.is_some_and(|at| certificate.issued_at >= at) {
                return Ok(false);
            }
            Ok(match known(conn, device_id, issuer_key)? {
                Some(issuer) if issuer.administrator => true,
                Some(issuer) => issuer.username == certificate.username && !certificate.administrator,
                None => false,
            })
        }
    }
}

/// Records a trusted certificate; returns whether the key is new to the device.
fn upsert(conn: &Connection, device_id: &str, certificate: &KeyCertificate, now_millis: i64) -> Result<bool> {
    let root = certificate.issuer.is_none() && certificate.administrator;
    let changed = conn
        .prepare_cached(
            "INSERT INTO clerk_keys (device_id, public_key, username, administrator, root, certificate, registered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (device_id, public_key) DO UPDATE
                SET administrator = MAX(administrator, excluded.administrator)
              WHERE excluded.administrator > administrator",
        )?
        .execute(params![
            device_id,
            certificate.public_key,
            certificate.username,
            certificate.administrator,
            root,
            serde_json::to_string(certificate)?,
            now_millis
        ])?;
    Ok(changed > 0 && known(conn, device_id, &certificate.public_key)?.is_some())
}

/// What an accepted step changes in the case's chain, applied once the record is stored.
pub(crate) struct StepEffect {
    case_id: String,
    link: String,
    record: Option<String>,
    username: String,
    to: String,
}

/// A case's chain as the platform holds it: the last signed step's link, the record's
/// digest, who accepted and who reviewed the application now standing.
type CaseSteps = (String, Option<String>, Option<String>, Option<String>);

/// Checks a state change from `device_id`: `Ok(Err((code, reason)))` refuses it.
pub(crate) fn check(
    conn: &Connection,
    device_id: &str,
    record: &PushRecord,
    from: &str,
    to: &str,
) -> Result<std::result::Result<Option<StepEffect>, (&'static str, String)>> {
    // Before the device has a root the old rules hold (an office upgraded with steps
    // queued unsigned); a signed step that verifies is still followed, so the case's chain
    // goes on when the root arrives.
    let enforced = has_root(conn, device_id)?;
    let refuse =
        |code: &'static str, reason: String| Ok(if enforced { Err((code, reason)) } else { Ok(None) });
    let payload = &record.payload;
    let actor = payload["actor"].as_str().unwrap_or_default();
    let case_id = record.case_id.to_string();
    if payload["signature"].is_null() {
        if actor == PLATFORM_ACCOUNT && PLATFORM_DECIDED.contains(&to) {
            return Ok(Ok(None));
        }
        return refuse(code::STEP_NOT_SIGNED, "该环节没有办理人的电子签名，省平台不予认可。".to_owned());
    }
    let invalid = |why: &str| refuse(code::STEP_SIGNATURE_INVALID, format!("办理人电子签名无效：{why}。"));
    let Ok(signature) = serde_json::from_value::<StepSignature>(payload["signature"].clone()) else {
        return invalid("签名格式不正确");
    };
    if signature.username != actor {
        return invalid("签名人与办理人不一致");
    }
    let registered =
        known(conn, device_id, &signature.key)?.is_some_and(|key| key.username == signature.username);
    if enforced && !registered {
        return refuse(
            code::CLERK_KEY_UNTRUSTED,
            "签名密钥未经本办理点管理员确认（或不属于该办理人），省平台不予认可。".to_owned(),
        );
    }
    let at = payload["at"].as_str().unwrap_or_default();
    if signature.verify(&case_id, from, to, at).is_err() {
        return invalid("签名与环节内容不符");
    }
    // Both times are RFC 3339 in UTC with milliseconds, so they order as text.
    if let Some(revoked_at) = revoked_at(conn, device_id, &signature.key)?
        && at >= revoked_at.as_str()
    {
        return refuse(
            code::CLERK_KEY_UNTRUSTED,
            format!(
                "该办理人的签名密钥已于 {revoked_at} 注销（账户停用、重置密码或本人改用新密码），此后签名的环节不予认可。"
            ),
        );
    }
    let steps: Option<CaseSteps> = conn
        .prepare_cached("SELECT link, record, accepted_by, reviewed_by FROM case_steps WHERE case_id = ?1")?
        .query_row([&case_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .optional()?;
    let (link, known_record, accepted_by, reviewed_by) = match steps {
        Some(steps) => steps,
        None => (NO_PREVIOUS.to_owned(), None, None, None),
    };
    if signature.previous != link {
        return invalid("不是接在该案件上一个签名环节之后");
    }
    let submitted = (!payload["record"].is_null()).then(|| record_digest(&payload["record"]));
    if let Some(digest) = &submitted
        && *digest != signature.record
    {
        return invalid("签名所对应的申请内容与上报内容不一致");
    }
    if enforced && to == "approved" {
        let acceptor = match accepted_by {
            Some(name) => Some(name),
            None => unsigned_step_by(conn, &case_id, "accepted")?,
        };
        let reviewer = match reviewed_by {
            Some(name) => Some(name),
            None => unsigned_step_by(conn, &case_id, "reviewed")?,
        };
        let (Some(acceptor), Some(reviewer)) = (acceptor, reviewer) else {
            return refuse(
                code::APPROVAL_NOT_SEPARATED,
                "省平台没有收到该申请经签名的受理和审核，不能审批通过。".to_owned(),
            );
        };
        if known_record.as_deref().is_some_and(|record| record != signature.record) {
            return refuse(code::APPROVAL_NOT_SEPARATED, "审批所签的申请内容与受理、审核时不同。".to_owned());
        }
        let approver = signature.username.as_str();
        if acceptor == reviewer || acceptor == approver || reviewer == approver {
            return refuse(
                code::APPROVAL_NOT_SEPARATED,
                format!(
                    "受理、审核、审批须由三名不同人员办理（受理 {acceptor}，审核 {reviewer}，审批 {approver}）。"
                ),
            );
        }
    }
    Ok(Ok(Some(StepEffect {
        case_id,
        link: signature.link(),
        record: submitted.or(known_record).or(Some(signature.record.clone())),
        username: signature.username,
        to: to.to_owned(),
    })))
}

/// Who took a step of a case that the platform stored unsigned (before the device's root):
/// an office upgraded mid-case keeps its earlier steps.
fn unsigned_step_by(conn: &Connection, case_id: &str, to: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT json_extract(body, '$.payload.actor') FROM records
              WHERE case_id = ?1 AND kind = 'state_changed' AND json_extract(body, '$.kind.to') = ?2
                AND json_extract(body, '$.payload.signature') IS NULL
              ORDER BY sequence DESC LIMIT 1",
        )?
        .query_row(params![case_id, to], |row| row.get(0))
        .optional()?
        .flatten())
}

/// Moves the case's chain on to a stored step: its link and record, and who accepted and
/// reviewed the application now standing (a new acceptance starts over; any other step
/// than a review or an approval clears them).
pub(crate) fn apply(conn: &Connection, effect: &StepEffect) -> Result<()> {
    let by = |step: &str| (effect.to == step).then_some(effect.username.as_str());
    conn.prepare_cached(
        "INSERT INTO case_steps (case_id, link, record, accepted_by, reviewed_by) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (case_id) DO UPDATE SET
            link = excluded.link,
            record = excluded.record,
            accepted_by = CASE
                WHEN ?6 = 'accepted' THEN excluded.accepted_by
                WHEN ?6 IN ('reviewed', 'approved', 'issued', 'rejected', 'old_permit_cancelled') THEN accepted_by
                ELSE NULL END,
            reviewed_by = CASE
                WHEN ?6 = 'reviewed' THEN excluded.reviewed_by
                WHEN ?6 IN ('approved', 'issued', 'rejected', 'old_permit_cancelled') THEN reviewed_by
                ELSE NULL END",
    )?
    .execute(params![
        effect.case_id,
        effect.link,
        effect.record,
        by("accepted"),
        by("reviewed"),
        effect.to
    ])?;
    Ok(())
}

/// The clerk keys registered for a device: (user name, public key, administrator, root).
pub(crate) fn keys_of(conn: &Connection, device_id: &str) -> Result<Vec<(String, String, bool, bool)>> {
    Ok(conn
        .prepare_cached(
            "SELECT username, public_key, administrator, root FROM clerk_keys WHERE device_id = ?1
              ORDER BY registered_at, public_key",
        )?
        .query_map([device_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?)
}
