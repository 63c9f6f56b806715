//! The clerks' signing keys as the office keeps them (issue 18, `clerk_signing`).
//!
//! Each clerk's private key lives in their own key slot (`keyslots.rs`); this table keeps
//! the public halves with their certificates, which every push carries to the platform,
//! and `cases.step_link` keeps the link of each case's last signed step. Which
//! certificate a key gets:
//! - the first administrator's key at set-up certifies itself as the office's root;
//! - a clerk created, reset or re-enabled by an administrator gets a new key certified by
//!   the administrator's key (the administrator knows that password for a while: the key
//!   is replaced when the clerk chooses their own);
//! - a clerk choosing their own password gets a new key certified by their current one;
//! - a key made at log-in for a slot without one certifies itself — the root if the clerk
//!   is an administrator of an office without a root, otherwise waiting until an
//!   administrator logs in, whose key then certifies every waiting key.
//!
//! What the office records here is not what makes a key trusted: the platform walks the
//! certificates from the root it pinned. An insider who edits this table can remove or
//! add rows, but not sign a certificate with a key they do not hold.

use chrono::{DateTime, SecondsFormat, Utc};
use clerk_signing::{
    CertificateSubject, ClerkKey, KeyCertificate, KeyRevocation, NO_PREVIOUS, Step, StepSignature,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, AuditAction, NewAuditRow};
use crate::crypto::{hex_decode, hex_encode};
use crate::error::{Result, StoreError};
use crate::time::to_millis;
use crate::users::UserId;

/// RFC 3339 in UTC with milliseconds: how certificates and steps write a time.
pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Who acts when a certificate is recorded (for its audit row).
pub(crate) struct Recorder<'a> {
    pub(crate) user_id: UserId,
    pub(crate) username: &'a str,
}

/// Stores `certificate` for `user_id`'s key; the caller's own audit row names it (its
/// [`key_details`]).
pub(crate) fn insert_certificate(
    conn: &Connection,
    user_id: UserId,
    certificate: &KeyCertificate,
    at: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO clerk_keys (user_id, public_key, issuer, administrator, certificate, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        user_id.0,
        certificate.public_key,
        certificate.issuer,
        certificate.administrator,
        serde_json::to_string(certificate)?,
        to_millis(at)
    ])?;
    Ok(())
}

/// What an audit row says of a certificate: the key's fingerprint, whether it may certify
/// others, and who issued it (`self`, or the issuer's fingerprint).
pub(crate) fn key_details(certificate: &KeyCertificate) -> serde_json::Value {
    json!({
        "fingerprint": clerk_signing::fingerprint(&certificate.public_key),
        "administrator": certificate.administrator,
        "issuer": certificate.issuer.as_deref().map_or_else(|| "self".to_owned(), clerk_signing::fingerprint),
    })
}

/// Stores `certificate` for `user_id`'s key with an audit row of its own
/// (`clerk_key_certified`).
pub(crate) fn record_certificate(
    conn: &Connection,
    audit_key: &[u8; 32],
    by: &Recorder<'_>,
    user_id: UserId,
    certificate: &KeyCertificate,
    at: DateTime<Utc>,
) -> Result<()> {
    insert_certificate(conn, user_id, certificate, at)?;
    let mut details = key_details(certificate);
    details["username"] = json!(certificate.username);
    audit::append(
        conn,
        audit_key,
        NewAuditRow {
            desk: None,
            at,
            actor_user_id: Some(by.user_id),
            actor: by.username,
            action: AuditAction::ClerkKeyCertified,
            case_id: None,
            details,
        },
    )?;
    Ok(())
}

/// Retires every key of `user_id` other than `keep` (`None`: all of them). With a
/// `revoker` (an administrator's key, or the clerk's own previous key), each is also
/// revoked from `at` on: the revocation travels with the next push, and the platform stops
/// counting that key's steps dated from then (steps signed before stay valid).
pub(crate) fn retire_others(
    conn: &Connection,
    user: (UserId, &str),
    keep: Option<&str>,
    revoker: Option<&ClerkKey>,
    at: DateTime<Utc>,
) -> Result<()> {
    let retiring: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT public_key FROM clerk_keys
              WHERE user_id = ?1 AND retired_at IS NULL AND public_key IS NOT ?2",
        )?
        .query_map(params![user.0.0, keep], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // A key replaced by a successor (`keep`, certified by it at `at`) retires a millisecond
    // later: the platform's rule is that a revoked key certifies nothing dated from its
    // revocation on, and a certificate and a revocation of the same instant would leave
    // the successor untrusted (found by the office server's first sync test: an office
    // that enrolled before its clerks chose their passwords had every step refused).
    let at = if keep.is_some() { at + chrono::Duration::milliseconds(1) } else { at };
    for public_key in &retiring {
        conn.prepare_cached(
            "UPDATE clerk_keys SET retired_at = ?2 WHERE public_key = ?1 AND retired_at IS NULL",
        )?
        .execute(params![public_key, to_millis(at)])?;
        if let Some(revoker) = revoker {
            let revocation = revoker.revoke(user.1, public_key, &rfc3339(at));
            conn.prepare_cached(
                "INSERT INTO clerk_key_revocations (public_key, revocation, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![public_key, serde_json::to_string(&revocation)?, to_millis(at)])?;
        }
    }
    Ok(())
}

/// Every revocation the office holds, oldest first: what a push carries with the
/// certificates.
pub(crate) fn revocations(conn: &Connection) -> Result<Vec<KeyRevocation>> {
    let texts: Vec<String> = conn
        .prepare_cached("SELECT revocation FROM clerk_key_revocations ORDER BY id")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    texts.iter().map(|text| Ok(serde_json::from_str(text)?)).collect()
}

/// Whether the office holds a certificate that lets `public_key` certify others (the root,
/// or one issued with the administrator flag).
pub(crate) fn is_administrator_key(conn: &Connection, public_key: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM clerk_keys WHERE public_key = ?1 AND administrator = 1)",
        )?
        .query_row([public_key], |row| row.get(0))?)
}

fn is_registered(conn: &Connection, public_key: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM clerk_keys WHERE public_key = ?1)")?
        .query_row([public_key], |row| row.get(0))?)
}

fn has_root(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM clerk_keys WHERE issuer IS NULL AND administrator = 1)",
        )?
        .query_row([], |row| row.get(0))?)
}

/// The certificate for a clerk's new key: by the administrator's key when there is one,
/// by the key itself otherwise (then waiting for an administrator).
pub(crate) fn issue(
    issuer: Option<&ClerkKey>,
    username: &str,
    key: &ClerkKey,
    administrator: bool,
    at: DateTime<Utc>,
) -> KeyCertificate {
    let issued_at = rfc3339(at);
    match issuer {
        Some(issuer) => issuer.certify(&CertificateSubject {
            username,
            public_key: key.public_key(),
            administrator,
            issued_at: &issued_at,
        }),
        None => key.certify_self(username, false, &issued_at),
    }
}

/// At the start of a session, inside the caller's transaction: registers the clerk's key
/// if the office has no certificate for it yet (made at this log-in, or by a crash between
/// the slot and the database), and, when the clerk is an administrator whose key may
/// certify, certifies every active clerk's key still waiting for one. Returns how many
/// keys it certified for others.
pub(crate) fn on_session_start(
    conn: &Connection,
    audit_key: &[u8; 32],
    clerk: &Recorder<'_>,
    is_admin: bool,
    signer: &ClerkKey,
    at: DateTime<Utc>,
) -> Result<usize> {
    if !is_registered(conn, signer.public_key())? {
        let root = is_admin && !has_root(conn)?;
        let certificate = signer.certify_self(clerk.username, root, &rfc3339(at));
        record_certificate(conn, audit_key, clerk, clerk.user_id, &certificate, at)?;
        retire_others(conn, (clerk.user_id, clerk.username), Some(signer.public_key()), None, at)?;
    }
    if !is_admin || !is_administrator_key(conn, signer.public_key())? {
        return Ok(0);
    }
    let waiting: Vec<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT k.user_id, u.username, k.public_key FROM clerk_keys k JOIN users u ON u.id = k.user_id
             WHERE k.retired_at IS NULL AND u.active = 1
             GROUP BY k.public_key
             HAVING MAX(k.issuer IS NOT NULL) = 0 AND MAX(k.administrator) = 0",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (user_id, username, public_key) in &waiting {
        let certificate = signer.certify(&CertificateSubject {
            username,
            public_key,
            administrator: false,
            issued_at: &rfc3339(at),
        });
        record_certificate(conn, audit_key, clerk, UserId(*user_id), &certificate, at)?;
    }
    Ok(waiting.len())
}

/// Every certificate the office holds, oldest first: what a push carries.
pub(crate) fn certificates(conn: &Connection) -> Result<Vec<KeyCertificate>> {
    let texts: Vec<String> = conn
        .prepare_cached("SELECT certificate FROM clerk_keys ORDER BY id")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    texts.iter().map(|text| Ok(serde_json::from_str(text)?)).collect()
}

/// A step to sign inside a state change: the case row, its UUID, the change and the record
/// as stored.
pub(crate) struct StepToSign<'a> {
    pub(crate) row_id: i64,
    pub(crate) case_id: &'a str,
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) at: &'a str,
    pub(crate) username: &'a str,
    pub(crate) record_text: &'a str,
}

/// Signs a clerk's step over the record's digest and the case's previous signed step, and
/// moves the case's link on to it (inside the caller's transaction).
pub(crate) fn sign_step(
    conn: &Connection,
    signer: &ClerkKey,
    step: &StepToSign<'_>,
) -> Result<StepSignature> {
    let link: Option<Vec<u8>> = conn
        .prepare_cached("SELECT step_link FROM cases WHERE id = ?1")?
        .query_row([step.row_id], |row| row.get(0))
        .optional()?
        .flatten();
    let previous = link.map_or_else(|| NO_PREVIOUS.to_owned(), |bytes| hex_encode(&bytes));
    let record: serde_json::Value = serde_json::from_str(step.record_text)?;
    let signature = signer.sign_step(&Step {
        case_id: step.case_id,
        from: step.from,
        to: step.to,
        at: step.at,
        username: step.username,
        record: &clerk_signing::record_digest(&record),
        previous: &previous,
    });
    let next = hex_decode(&signature.link())
        .ok_or(StoreError::InvalidInput { what: "step link", reason: "not hex" })?;
    conn.prepare_cached("UPDATE cases SET step_link = ?2 WHERE id = ?1")?
        .execute(params![step.row_id, next])?;
    Ok(signature)
}

impl crate::Store {
    /// Every clerk-key certificate the office holds, oldest first: what each push and each
    /// export carries to the platform (`platform_api::PushBatch::clerk_keys`).
    pub fn clerk_key_certificates(&self) -> Result<Vec<KeyCertificate>> {
        certificates(&self.conn)
    }

    /// Every revocation of a clerk key the office holds, oldest first: carried with the
    /// certificates (`platform_api::PushBatch::clerk_key_revocations`).
    pub fn clerk_key_revocations(&self) -> Result<Vec<KeyRevocation>> {
        revocations(&self.conn)
    }
}

impl crate::Store {
    /// Whether a quarantined submission can still be corrected (更正后重报): it is unsigned,
    /// or its signed step is still the case's last (no clerk has signed a later step over
    /// the application the platform refused).
    pub fn correction_possible(&self, outbox_id: &crate::OutboxId) -> Result<bool> {
        let found: Option<(String, Option<Vec<u8>>)> = self
            .conn
            .query_row(
                "SELECT o.payload, c.step_link FROM outbox o JOIN cases c ON c.id = o.case_id WHERE o.id = ?1",
                [outbox_id.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((payload, link)) = found else { return Ok(false) };
        let payload: serde_json::Value = serde_json::from_str(&payload)?;
        if payload["signature"].is_null() {
            return Ok(true);
        }
        let signature: StepSignature = serde_json::from_value(payload["signature"].clone())?;
        Ok(link.map(|bytes| hex_encode(&bytes)) == Some(signature.link()))
    }
}

/// How far the office's certificates vouch for a clerk's current key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStanding {
    /// The office's root: the first administrator's key, certifying itself.
    Root,
    /// Certified by an administrator's key (or by the clerk's own previous key).
    Certified,
    /// Certified by itself only: counts once an administrator logs in and certifies it.
    Waiting,
}

impl KeyStanding {
    /// The key the window and the wire use.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStanding::Root => "root",
            KeyStanding::Certified => "certified",
            KeyStanding::Waiting => "waiting",
        }
    }
}

/// A clerk's current signing key, for the administrator's list of clerks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentClerkKey {
    /// Whose.
    pub user_id: UserId,
    /// What a person compares: [`clerk_signing::fingerprint`] of the public key.
    pub fingerprint: String,
    /// How far it is vouched for.
    pub standing: KeyStanding,
}

impl crate::Store {
    /// Every clerk's current (not retired) signing key with its standing, one per clerk
    /// (the newest if a crash left two).
    pub fn current_clerk_keys(&self) -> Result<Vec<CurrentClerkKey>> {
        let rows: Vec<(i64, String, bool, bool)> = self
            .conn
            .prepare_cached(
                "SELECT user_id, public_key, MAX(issuer IS NULL AND administrator = 1), MAX(issuer IS NOT NULL)
                   FROM clerk_keys WHERE retired_at IS NULL
                  GROUP BY user_id, public_key
                  ORDER BY user_id, MAX(id)",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut keys: Vec<CurrentClerkKey> = Vec::with_capacity(rows.len());
        for (user_id, public_key, root, certified) in rows {
            let standing = match (root, certified) {
                (true, _) => KeyStanding::Root,
                (false, true) => KeyStanding::Certified,
                (false, false) => KeyStanding::Waiting,
            };
            let key = CurrentClerkKey {
                user_id: UserId(user_id),
                fingerprint: clerk_signing::fingerprint(&public_key),
                standing,
            };
            match keys.last_mut() {
                Some(last) if last.user_id == key.user_id => *last = key,
                _ => keys.push(key),
            }
        }
        Ok(keys)
    }
}

impl crate::Store {
    /// Whether the outbox still holds a clerk's step queued unsigned (by the program
    /// before clerks signed their steps) that the platform has not confirmed: while one
    /// does, the office sends no certificates, since a root at the platform would make it
    /// refuse those steps (`docs/security.md`, the upgrade). Runs before every push: it
    /// reads the unconfirmed items through their partial indexes, never the items an older
    /// program left confirmed.
    pub fn unsigned_steps_waiting(&self) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('queued', 'sent') AND kind = 'case_state_changed'
                                   AND json_extract(payload, '$.signature') IS NULL
                                   AND json_extract(payload, '$.actor') IS NOT ?1)
                     OR EXISTS (SELECT 1 FROM outbox WHERE status = 'quarantined' AND kind = 'case_state_changed'
                                   AND json_extract(payload, '$.signature') IS NULL
                                   AND json_extract(payload, '$.actor') IS NOT ?1)",
            )?
            .query_row([crate::sync_state::PLATFORM_ACTOR], |row| row.get(0))?)
    }
}
