//! Air-gapped sync bundles: what a counter without a link to the provincial platform
//! carries on removable media, and the answer it carries back.
//!
//! - An **export bundle** (counter → platform) holds the records queued in the outbox, as
//!   the online push would send them ([`platform_api::PushRecord`]), the bytes of the
//!   pages they name, and the counter's decision cursor.
//! - An **answer bundle** (platform → counter) holds one verdict per record
//!   ([`platform_api::RecordResult`], the push answer's), the pages the platform still
//!   lacks, and the decisions after the counter's cursor ([`platform_api::DecisionPage`]).
//!   The counter applies it through the same code as an online sync, so importing an
//!   answer twice changes nothing the second time.
//!
//! # File format, version 1 (do not change; a change is a new version byte)
//!
//! ```text
//! offset   length  content
//! 0        8       magic "PDBUNDLE"
//! 8        1       format version, 1
//! 9        4       header length H, big-endian
//! 13       H       header, UTF-8 JSON (Header): kind, bundle id, time, device id,
//!                  sender key, recipient key, ephemeral key, nonce; no personal data
//! 13+H     C       ciphertext: XChaCha20-Poly1305 of the content, associated data =
//!                  bytes 0 .. 13+H (magic, version and header are authenticated)
//! end-64   64      Ed25519 signature by the sender over bytes 0 .. end-64
//! ```
//!
//! The content (the plaintext) is a 4-byte big-endian length J, J bytes of JSON
//! ([`ExportBundle`] or [`AnswerBundle`]; an export lists its pages as `{content_hash,
//! bytes}`), then each page's bytes in the order listed.
//!
//! # Keys
//!
//! Both sides already own an Ed25519 key pair: the device's secret lives in the office
//! store (`sync_state`) and its public key is enrolled on the platform; the platform's
//! public key is given to the counter by the operator (`permitctl bundle … --platform-key`).
//! - **Signature**: the sender signs the whole file with its Ed25519 key; the reader checks
//!   it against the key it expects (the enrolled device key, the configured platform key)
//!   *before* decrypting anything.
//! - **Encryption**: ephemeral-static X25519 to the recipient. The sender draws an ephemeral
//!   X25519 key, agrees a secret with the Montgomery form of the recipient's Ed25519 public
//!   key, and derives the content key with HKDF-SHA256 (salt = ephemeral public key ‖
//!   recipient's X25519 key, info = `permit-desk bundle v1` and the kind). The recipient
//!   derives the same secret from its Ed25519 secret (`SigningKey::to_scalar_bytes`, as
//!   age does for `ssh-ed25519` recipients). A fresh ephemeral key and a random 24-byte
//!   nonce per bundle mean no key/nonce pair is ever reused; a stolen bundle cannot be read
//!   without the recipient's secret, and the device's own secret does not open what it
//!   exported (forward secrecy on the sender's side).
//!
//! Errors are [`BundleError`]s, each with a Chinese sentence ([`BundleError::message_zh`]);
//! any change to a byte of a file is refused before its content is looked at.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use platform_api::{DecisionPage, PushRecord, RecordResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

/// The first eight bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"PDBUNDLE";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// The largest bundle read or written (a day's queue with its pages fits many times).
pub const MAX_BUNDLE_BYTES: usize = 1 << 30;

const PREFIX_LEN: usize = 13;
const SIGNATURE_LEN: usize = 64;
const NONCE_LEN: usize = 24;

/// Why a bundle cannot be written or read. Every variant has a Chinese sentence.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file does not start like a bundle or is cut short.
    #[error("not a permit-desk bundle, or truncated")]
    NotABundle,
    /// A bundle of a later format.
    #[error("unsupported bundle format version {0}")]
    UnsupportedVersion(u8),
    /// A byte of the file changed: the signature does not verify, the header does not
    /// parse, or the ciphertext does not authenticate.
    #[error("bundle damaged or altered: {detail}")]
    Damaged {
        /// What did not check (no content).
        detail: &'static str,
    },
    /// Signed with another key than the expected sender's.
    #[error("bundle signed by an unexpected key")]
    WrongSigner,
    /// Encrypted to another recipient.
    #[error("bundle is addressed to another key")]
    WrongRecipient,
    /// An export where an answer was expected, or the reverse.
    #[error("expected a {expected} bundle, found {found}")]
    WrongKind {
        /// What the reader wanted.
        expected: &'static str,
        /// What the file is.
        found: &'static str,
    },
    /// Authentic, but its content is not what this version understands.
    #[error("bundle content invalid: {0}")]
    ContentInvalid(String),
    /// A page's bytes do not hash to the name they travel under.
    #[error("page {content_hash} does not match its content hash")]
    PageHashMismatch {
        /// The name it travelled under.
        content_hash: String,
    },
    /// Larger than [`MAX_BUNDLE_BYTES`].
    #[error("bundle larger than {MAX_BUNDLE_BYTES} bytes")]
    TooLarge,
    /// A public key is not 64 hex digits of a valid Ed25519 point.
    #[error("invalid public key: {0}")]
    InvalidKey(String),
    /// The operating system's random source failed.
    #[error("no random source")]
    Random,
}

impl BundleError {
    /// One Chinese sentence for the clerk.
    pub fn message_zh(&self) -> String {
        match self {
            BundleError::NotABundle => {
                "这不是本系统的离线交换文件，或文件不完整，未导入任何内容。".to_owned()
            }
            BundleError::UnsupportedVersion(version) => {
                format!("离线交换文件的格式版本（{version}）不受本系统支持，请升级后再导入。")
            }
            BundleError::Damaged { .. } => {
                "离线交换文件已被改动或损坏（签名或校验不符），未导入任何内容。请向省平台重新索取。"
                    .to_owned()
            }
            BundleError::WrongSigner => {
                "离线交换文件不是由预期的一方签发（签名密钥不符），未导入任何内容。".to_owned()
            }
            BundleError::WrongRecipient => "离线交换文件不是发给本机的，未导入任何内容。".to_owned(),
            BundleError::WrongKind { expected: "answer", .. } => {
                "这是本机导出的待上报文件，不是省平台的回执文件，未导入任何内容。".to_owned()
            }
            BundleError::WrongKind { .. } => "这是省平台的回执文件，不是办理点的待上报文件。".to_owned(),
            BundleError::ContentInvalid(_) => "离线交换文件的内容无法识别，未导入任何内容。".to_owned(),
            BundleError::PageHashMismatch { .. } => {
                "离线交换文件中的扫描页与其校验值不符，未导入任何内容。".to_owned()
            }
            BundleError::TooLarge => "离线交换文件过大（超过 1 GiB），请分批导出。".to_owned(),
            BundleError::InvalidKey(_) => "省平台公钥无效：应为 64 位十六进制数字。".to_owned(),
            BundleError::Random => "系统随机数源不可用，无法加密。".to_owned(),
        }
    }
}

/// Which way a bundle travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleKind {
    /// Counter → platform: queued records and their pages.
    Export,
    /// Platform → counter: verdicts and decisions.
    Answer,
}

impl BundleKind {
    fn name(self) -> &'static str {
        match self {
            BundleKind::Export => "export",
            BundleKind::Answer => "answer",
        }
    }
}

/// The cleartext, authenticated header. **Format v1: do not change.**
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Which way it travels.
    pub kind: BundleKind,
    /// A UUIDv7 the sender chose; an answer names the export it answers.
    pub bundle_id: Uuid,
    /// When it was written, RFC 3339 UTC.
    pub created_at: String,
    /// The counter's device id (the sender of an export, the recipient of an answer).
    pub device_id: String,
    /// The sender's Ed25519 public key, 64 hex digits.
    pub sender_key: String,
    /// The recipient's Ed25519 public key, 64 hex digits.
    pub recipient_key: String,
    /// The ephemeral X25519 public key, 64 hex digits.
    pub ephemeral_key: String,
    /// The XChaCha20-Poly1305 nonce, 48 hex digits.
    pub nonce: String,
}

/// A page's bytes as carried in an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// SHA-256 of `bytes`, 64 lowercase hex digits (the name records use).
    pub content_hash: String,
    /// The page.
    pub bytes: Vec<u8>,
}

/// What an export carries (the counter's queue).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportBundle {
    /// The counter's device id.
    pub device_id: String,
    /// The counter's decision cursor: the answer carries the decisions after it.
    pub decision_cursor: u64,
    /// The queued records in queue order, exactly as the online push sends them.
    pub records: Vec<PushRecord>,
    /// The pages those records name that the counter holds.
    pub pages: Vec<Page>,
    /// The office's audit chain, as an online push names it (`platform_api::AuditAnchor`;
    /// absent from exports written before it existed).
    pub audit_anchor: Option<platform_api::AuditAnchor>,
    /// The office's clerk-key certificates, as an online push carries them
    /// (`platform_api::PushBatch::clerk_keys`; empty in exports written before).
    pub clerk_keys: Vec<platform_api::KeyCertificate>,
    /// And their revocations (`platform_api::PushBatch::clerk_key_revocations`).
    pub clerk_key_revocations: Vec<platform_api::KeyRevocation>,
    /// An administrator's order replacing the key this export is signed with, while the
    /// platform has not answered it (`platform_api::PushBatch::device_key_change`; absent
    /// from exports written before, and when none is waiting).
    pub device_key_change: Option<platform_api::DeviceKeyChange>,
}

/// What an answer carries (the platform's verdicts and decisions). **Format v1.**
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerBundle {
    /// The counter it is for.
    pub device_id: String,
    /// The export it answers.
    pub export_bundle_id: Uuid,
    /// One verdict per record of the export, in its order (as in the push answer).
    pub results: Vec<RecordResult>,
    /// Pages named by accepted records that the platform still lacks.
    pub missing_blobs: Vec<String>,
    /// Decisions after the export's cursor, oldest first.
    pub decisions: DecisionPage,
    /// The audit anchor the platform now holds for the device (the export's head row),
    /// when the export carried one: the counter notes it as acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_anchor_seq: Option<u64>,
    /// The platform's answer to the export's device key change, when it carried one (as
    /// `platform_api::PushResponse::device_key`). An answer to an export that carried a
    /// change is encrypted to the key the platform holds afterwards: the new key when it
    /// took the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<platform_api::DeviceKeyAnswer>,
    /// The new key the answered change named (64 hex digits): the counter settles its
    /// waiting change with `device_key` only when it is that one (a later re-key may have
    /// ordered another since the export was written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key_ordered: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PageEntry {
    content_hash: String,
    bytes: u64,
}

#[derive(Serialize, Deserialize)]
struct ExportJson {
    device_id: String,
    decision_cursor: u64,
    records: Vec<PushRecord>,
    pages: Vec<PageEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_anchor: Option<platform_api::AuditAnchor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    clerk_keys: Vec<platform_api::KeyCertificate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    clerk_key_revocations: Vec<platform_api::KeyRevocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_key_change: Option<platform_api::DeviceKeyChange>,
}

/// An Ed25519 public key from 64 hex digits.
pub fn public_key_from_hex(text: &str) -> Result<[u8; 32], BundleError> {
    let bytes = hex::decode(text.trim()).map_err(|_| BundleError::InvalidKey("not hex".to_owned()))?;
    let key = <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| BundleError::InvalidKey("not 32 bytes".to_owned()))?;
    VerifyingKey::from_bytes(&key).map_err(|_| BundleError::InvalidKey("not a curve point".to_owned()))?;
    Ok(key)
}

fn random<const N: usize>() -> Result<[u8; N], BundleError> {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes).map_err(|_| BundleError::Random)?;
    Ok(bytes)
}

/// HKDF-SHA256 (RFC 5869) for one 32-byte output block.
fn content_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient_x25519: &[u8; 32],
    kind: BundleKind,
) -> Zeroizing<[u8; 32]> {
    type HmacSha256 = Hmac<Sha256>;
    let mut salt = [0_u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient_x25519);
    let prk = match <HmacSha256 as KeyInit>::new_from_slice(&salt) {
        Ok(mut mac) => {
            mac.update(shared);
            Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()))
        }
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => Zeroizing::new([0_u8; 32]),
    };
    match <HmacSha256 as KeyInit>::new_from_slice(prk.as_slice()) {
        Ok(mut mac) => {
            mac.update(b"permit-desk bundle v1 ");
            mac.update(kind.name().as_bytes());
            mac.update(&[1]);
            Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()))
        }
        Err(_) => Zeroizing::new([0_u8; 32]),
    }
}

fn recipient_x25519(recipient: &[u8; 32]) -> Result<MontgomeryPoint, BundleError> {
    let key = VerifyingKey::from_bytes(recipient)
        .map_err(|_| BundleError::InvalidKey("not a curve point".to_owned()))?;
    Ok(key.to_montgomery())
}

/// Who writes a bundle and for whom.
#[derive(Debug, Clone, Copy)]
pub struct Seal<'a> {
    /// Which way it travels.
    pub kind: BundleKind,
    /// A fresh UUIDv7 (the sender's choice, so the caller's clock and id source).
    pub bundle_id: Uuid,
    /// When it is written, RFC 3339 UTC.
    pub created_at: &'a str,
    /// The counter's device id.
    pub device_id: &'a str,
    /// The sender's signing key.
    pub sender: &'a SigningKey,
    /// The recipient's Ed25519 public key.
    pub recipient: &'a [u8; 32],
}

/// Encrypts `plaintext` to the recipient and signs the file.
fn seal(seal: &Seal<'_>, plaintext: &[u8]) -> Result<Vec<u8>, BundleError> {
    if plaintext.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge);
    }
    let recipient = recipient_x25519(seal.recipient)?;
    let ephemeral_secret = Zeroizing::new(random::<32>()?);
    let ephemeral_public = MontgomeryPoint::mul_base_clamped(*ephemeral_secret);
    let shared = Zeroizing::new(recipient.mul_clamped(*ephemeral_secret).to_bytes());
    if shared.iter().all(|byte| *byte == 0) {
        return Err(BundleError::InvalidKey("low-order point".to_owned()));
    }
    let key = content_key(&shared, &ephemeral_public.to_bytes(), &recipient.to_bytes(), seal.kind);
    let nonce = random::<NONCE_LEN>()?;
    let header = Header {
        kind: seal.kind,
        bundle_id: seal.bundle_id,
        created_at: seal.created_at.to_owned(),
        device_id: seal.device_id.to_owned(),
        sender_key: hex::encode(seal.sender.verifying_key().to_bytes()),
        recipient_key: hex::encode(seal.recipient),
        ephemeral_key: hex::encode(ephemeral_public.to_bytes()),
        nonce: hex::encode(nonce),
    };
    let header_json =
        serde_json::to_vec(&header).map_err(|error| BundleError::ContentInvalid(error.to_string()))?;
    let header_len = u32::try_from(header_json.len()).map_err(|_| BundleError::TooLarge)?;
    let mut file = Vec::with_capacity(PREFIX_LEN + header_json.len() + plaintext.len() + 16 + SIGNATURE_LEN);
    file.extend_from_slice(MAGIC);
    file.push(FORMAT_VERSION);
    file.extend_from_slice(&header_len.to_be_bytes());
    file.extend_from_slice(&header_json);
    let cipher = XChaCha20Poly1305::new((&*key).into());
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: &file })
        .map_err(|_| BundleError::TooLarge)?;
    file.extend_from_slice(&ciphertext);
    let signature = seal.sender.sign(&file);
    file.extend_from_slice(&signature.to_bytes());
    Ok(file)
}

/// Reads the header of a bundle **without checking anything but its framing**: for the
/// reader to find the key the sender should have signed with (the platform looks the
/// device up by `device_id`). Trust nothing in it before [`open`] succeeded.
pub fn read_header(file: &[u8]) -> Result<Header, BundleError> {
    if file.len() > MAX_BUNDLE_BYTES + 4096 {
        return Err(BundleError::TooLarge);
    }
    if file.len() < PREFIX_LEN + SIGNATURE_LEN || &file[..8] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    if file[8] != FORMAT_VERSION {
        return Err(BundleError::UnsupportedVersion(file[8]));
    }
    let header_len = u32::from_be_bytes([file[9], file[10], file[11], file[12]]) as usize;
    let header_end = PREFIX_LEN.checked_add(header_len).ok_or(BundleError::NotABundle)?;
    if header_end + SIGNATURE_LEN > file.len() {
        return Err(BundleError::Damaged { detail: "header length" });
    }
    serde_json::from_slice(&file[PREFIX_LEN..header_end])
        .map_err(|_| BundleError::Damaged { detail: "header" })
}

/// Checks the signature against `sender` (the key the reader expects), that the bundle
/// is of `kind` and addressed to `recipient`, then decrypts it. Returns the header and the
/// plaintext.
fn open(
    file: &[u8],
    kind: BundleKind,
    sender: &[u8; 32],
    recipient: &SigningKey,
) -> Result<(Header, Zeroizing<Vec<u8>>), BundleError> {
    let header = read_header(file)?;
    let signed_len = file.len() - SIGNATURE_LEN;
    let signature_bytes =
        <[u8; SIGNATURE_LEN]>::try_from(&file[signed_len..]).map_err(|_| BundleError::NotABundle)?;
    let sender_key = VerifyingKey::from_bytes(sender)
        .map_err(|_| BundleError::InvalidKey("not a curve point".to_owned()))?;
    sender_key
        .verify_strict(&file[..signed_len], &Signature::from_bytes(&signature_bytes))
        .map_err(|_| BundleError::Damaged { detail: "signature" })?;
    // Authentic from here on: the header was signed by the expected sender.
    if header.sender_key != hex::encode(sender) {
        return Err(BundleError::WrongSigner);
    }
    if header.kind != kind {
        return Err(BundleError::WrongKind { expected: kind.name(), found: header.kind.name() });
    }
    let own_key = recipient.verifying_key().to_bytes();
    if header.recipient_key != hex::encode(own_key) {
        return Err(BundleError::WrongRecipient);
    }
    let ephemeral = <[u8; 32]>::try_from(
        hex::decode(&header.ephemeral_key)
            .map_err(|_| BundleError::Damaged { detail: "ephemeral key" })?
            .as_slice(),
    )
    .map_err(|_| BundleError::Damaged { detail: "ephemeral key" })?;
    let nonce = <[u8; NONCE_LEN]>::try_from(
        hex::decode(&header.nonce).map_err(|_| BundleError::Damaged { detail: "nonce" })?.as_slice(),
    )
    .map_err(|_| BundleError::Damaged { detail: "nonce" })?;
    let scalar = Zeroizing::new(recipient.to_scalar_bytes());
    let shared = Zeroizing::new(MontgomeryPoint(ephemeral).mul_clamped(*scalar).to_bytes());
    let own_x25519 = recipient.verifying_key().to_montgomery();
    let key = content_key(&shared, &ephemeral, &own_x25519.to_bytes(), kind);
    let header_len = u32::from_be_bytes([file[9], file[10], file[11], file[12]]) as usize;
    let aad = &file[..PREFIX_LEN + header_len];
    let cipher = XChaCha20Poly1305::new((&*key).into());
    let plaintext = cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: &file[PREFIX_LEN + header_len..signed_len], aad })
        .map_err(|_| BundleError::Damaged { detail: "ciphertext" })?;
    Ok((header, Zeroizing::new(plaintext)))
}

fn framed(json: &[u8], pages: &[Page]) -> Result<Vec<u8>, BundleError> {
    let json_len = u32::try_from(json.len()).map_err(|_| BundleError::TooLarge)?;
    let total = pages.iter().map(|page| page.bytes.len()).sum::<usize>() + json.len() + 4;
    if total > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge);
    }
    let mut plaintext = Vec::with_capacity(total);
    plaintext.extend_from_slice(&json_len.to_be_bytes());
    plaintext.extend_from_slice(json);
    for page in pages {
        plaintext.extend_from_slice(&page.bytes);
    }
    Ok(plaintext)
}

fn unframed(plaintext: &[u8]) -> Result<(&[u8], &[u8]), BundleError> {
    let invalid = || BundleError::ContentInvalid("framing".to_owned());
    let length_bytes = plaintext.get(..4).ok_or_else(invalid)?;
    let json_len =
        u32::from_be_bytes([length_bytes[0], length_bytes[1], length_bytes[2], length_bytes[3]]) as usize;
    let json = plaintext.get(4..4 + json_len).ok_or_else(invalid)?;
    Ok((json, &plaintext[4 + json_len..]))
}

/// Writes an export bundle (`seal.kind` must be [`BundleKind::Export`]; the sender is the
/// device, the recipient the platform).
pub fn seal_export(seal_with: &Seal<'_>, export: &ExportBundle) -> Result<Vec<u8>, BundleError> {
    if seal_with.kind != BundleKind::Export {
        return Err(BundleError::WrongKind { expected: "export", found: seal_with.kind.name() });
    }
    let json = ExportJson {
        device_id: export.device_id.clone(),
        decision_cursor: export.decision_cursor,
        records: export.records.clone(),
        pages: export
            .pages
            .iter()
            .map(|page| PageEntry { content_hash: page.content_hash.clone(), bytes: page.bytes.len() as u64 })
            .collect(),
        audit_anchor: export.audit_anchor.clone(),
        clerk_keys: export.clerk_keys.clone(),
        clerk_key_revocations: export.clerk_key_revocations.clone(),
        device_key_change: export.device_key_change.clone(),
    };
    let json = Zeroizing::new(
        serde_json::to_vec(&json).map_err(|error| BundleError::ContentInvalid(error.to_string()))?,
    );
    let plaintext = Zeroizing::new(framed(&json, &export.pages)?);
    seal(seal_with, &plaintext)
}

/// Reads an export bundle signed by `device_key` and addressed to `platform`. Checks each
/// page against its hash.
pub fn open_export(
    file: &[u8],
    device_key: &[u8; 32],
    platform: &SigningKey,
) -> Result<(Header, ExportBundle), BundleError> {
    let (header, plaintext) = open(file, BundleKind::Export, device_key, platform)?;
    let (json, mut rest) = unframed(&plaintext)?;
    let parsed: ExportJson =
        serde_json::from_slice(json).map_err(|error| BundleError::ContentInvalid(error.to_string()))?;
    if parsed.device_id != header.device_id {
        return Err(BundleError::ContentInvalid("device id differs from the header's".to_owned()));
    }
    let mut pages = Vec::with_capacity(parsed.pages.len());
    for entry in parsed.pages {
        let length = usize::try_from(entry.bytes).map_err(|_| BundleError::TooLarge)?;
        if length > rest.len() {
            return Err(BundleError::ContentInvalid("page beyond the end".to_owned()));
        }
        let (bytes, tail) = rest.split_at(length);
        rest = tail;
        if hex::encode(Sha256::digest(bytes)) != entry.content_hash {
            return Err(BundleError::PageHashMismatch { content_hash: entry.content_hash });
        }
        pages.push(Page { content_hash: entry.content_hash, bytes: bytes.to_vec() });
    }
    if !rest.is_empty() {
        return Err(BundleError::ContentInvalid("bytes after the last page".to_owned()));
    }
    let export = ExportBundle {
        device_id: parsed.device_id,
        decision_cursor: parsed.decision_cursor,
        records: parsed.records,
        pages,
        audit_anchor: parsed.audit_anchor,
        clerk_keys: parsed.clerk_keys,
        clerk_key_revocations: parsed.clerk_key_revocations,
        device_key_change: parsed.device_key_change,
    };
    Ok((header, export))
}

/// Writes an answer bundle (`seal.kind` must be [`BundleKind::Answer`]; the sender is the
/// platform, the recipient the device).
pub fn seal_answer(seal_with: &Seal<'_>, answer: &AnswerBundle) -> Result<Vec<u8>, BundleError> {
    if seal_with.kind != BundleKind::Answer {
        return Err(BundleError::WrongKind { expected: "answer", found: seal_with.kind.name() });
    }
    let json = serde_json::to_vec(answer).map_err(|error| BundleError::ContentInvalid(error.to_string()))?;
    seal(seal_with, &framed(&json, &[])?)
}

/// Reads an answer bundle signed by `platform_key` and addressed to `device`.
pub fn open_answer(
    file: &[u8],
    platform_key: &[u8; 32],
    device: &SigningKey,
) -> Result<(Header, AnswerBundle), BundleError> {
    let (header, plaintext) = open(file, BundleKind::Answer, platform_key, device)?;
    let (json, rest) = unframed(&plaintext)?;
    if !rest.is_empty() {
        return Err(BundleError::ContentInvalid("bytes after the answer".to_owned()));
    }
    let answer: AnswerBundle =
        serde_json::from_slice(json).map_err(|error| BundleError::ContentInvalid(error.to_string()))?;
    if answer.device_id != header.device_id {
        return Err(BundleError::ContentInvalid("device id differs from the header's".to_owned()));
    }
    Ok((header, answer))
}
