//! Key material: the office data key, Argon2id key-encryption keys, slot wrapping with
//! XChaCha20-Poly1305, and HMAC-SM3 for sub-keys, the blind index and the audit chain.
//!
//! Every secret lives in a [`Zeroizing`] buffer so it is wiped when dropped. Nothing here
//! touches files or the database; `keyslots` and `store` decide where bytes go.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sm3::Sm3;
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

/// Length of the data key and of every derived key, in bytes.
pub(crate) const KEY_LEN: usize = 32;
/// Length of an XChaCha20-Poly1305 nonce, in bytes.
pub(crate) const NONCE_LEN: usize = 24;
/// Length of an Argon2id salt, in bytes.
pub(crate) const SALT_LEN: usize = 16;

type HmacSm3 = Hmac<Sm3>;

/// Argon2id cost parameters of one key slot.
///
/// The defaults follow the second recommendation of RFC 9106 §4 scaled to a 2-core
/// counter PC: 64 MiB, 3 passes, 1 lane, about a third of a second per log-in in a
/// release build. Each slot stores its own parameters, so raising them later only
/// affects slots written after the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub m_cost_kib: u32,
    /// Number of passes.
    pub t_cost: u32,
    /// Degree of parallelism (lanes).
    pub p_cost: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 }
    }
}

impl KdfParams {
    /// Tiny parameters that make tests fast. Never use them for a real office: a slot
    /// written with them can be brute-forced quickly by anyone holding the slot file.
    pub const INSECURE_FAST: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    /// Refuses parameters that no slot written by this crate can have. A tampered slot
    /// file could otherwise ask for terabytes of memory and hang the log-in screen.
    pub(crate) fn check_bounds(&self) -> std::result::Result<(), &'static str> {
        if !(8..=4 * 1024 * 1024).contains(&self.m_cost_kib) {
            return Err("argon2 memory cost out of range");
        }
        if !(1..=64).contains(&self.t_cost) {
            return Err("argon2 time cost out of range");
        }
        if !(1..=16).contains(&self.p_cost) || self.m_cost_kib < 8 * self.p_cost {
            return Err("argon2 parallelism out of range");
        }
        Ok(())
    }
}

/// Fills `buffer` from the operating system's random number generator.
pub(crate) fn fill_random(buffer: &mut [u8]) -> Result<()> {
    getrandom::fill(buffer).map_err(|_| StoreError::Random)
}

/// The office's 256-bit data key: opens the SQLCipher database and seeds every sub-key.
pub(crate) struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl DataKey {
    /// A fresh random key for a new office.
    pub(crate) fn generate() -> Result<DataKey> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(key.as_mut())?;
        Ok(DataKey(key))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The key from its 32 bytes (a sealed key opened, the key root read from the
    /// database); `None` for another length.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<DataKey> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if bytes.len() != KEY_LEN {
            return None;
        }
        key.copy_from_slice(bytes);
        Some(DataKey(key))
    }

    /// A second copy (both are wiped when dropped).
    pub(crate) fn duplicate(&self) -> DataKey {
        DataKey(Zeroizing::new(*self.0))
    }

    /// The value for `PRAGMA key`: SQLCipher's raw-key syntax `x'…'`, which skips
    /// SQLCipher's own PBKDF2 because the key is already uniformly random.
    pub(crate) fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex_encode(self.0.as_ref())))
    }

    /// A sub-key for one purpose: HMAC-SM3(data key, label). A PRF keyed with a uniformly
    /// random key is a sound KDF for fixed labels (NIST SP 800-108, one block).
    pub(crate) fn subkey(&self, label: &str) -> Zeroizing<[u8; KEY_LEN]> {
        Zeroizing::new(hmac_sm3(self.0.as_ref(), &[label.as_bytes()]))
    }

    /// Constant-time comparison, used when a second clerk logs in to an open store.
    pub(crate) fn same_as(&self, other: &DataKey) -> bool {
        let difference = self.0.iter().zip(other.0.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        difference == 0
    }
}

/// HMAC-SM3 over the concatenation of `parts`.
pub(crate) fn hmac_sm3(key: &[u8], parts: &[&[u8]]) -> [u8; KEY_LEN] {
    // HMAC accepts keys of any length, so this constructor cannot fail; fall back to the
    // block-level API only to avoid an expect() in library code.
    let mut mac = match <HmacSm3 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0u8; KEY_LEN],
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Derives the key-encryption key of a slot from the clerk's password with Argon2id.
pub(crate) fn derive_kek(
    password: &str,
    salt: &[u8],
    params: &KdfParams,
) -> std::result::Result<Zeroizing<[u8; KEY_LEN]>, &'static str> {
    params.check_bounds()?;
    let argon_params = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(KEY_LEN))
        .map_err(|_| "argon2 parameters rejected")?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut kek = Zeroizing::new([0u8; KEY_LEN]);
    argon.hash_password_into(password.as_bytes(), salt, kek.as_mut()).map_err(|_| "argon2 failed")?;
    Ok(kek)
}

/// Encrypts the data key under a slot's KEK. `aad` binds the slot to its office and
/// user name, so a slot copied to another user name no longer opens.
pub(crate) fn wrap_key(
    kek: &[u8; KEY_LEN],
    data_key: &DataKey,
    aad: &[u8],
) -> Result<([u8; NONCE_LEN], Vec<u8>)> {
    seal_secret(kek, data_key.as_bytes(), aad)
}

/// Decrypts a wrapped data key; `None` when the tag does not verify (wrong password,
/// or the slot was edited).
pub(crate) fn unwrap_key(
    kek: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    ciphertext: &[u8],
    aad: &[u8],
) -> Option<DataKey> {
    open_secret(kek, nonce, ciphertext, aad).map(DataKey)
}

/// Encrypts a 32-byte secret other than the data key (a clerk's signing key) under a
/// slot's KEK, bound to `aad`.
pub(crate) fn seal_secret(
    kek: &[u8; KEY_LEN],
    secret: &[u8; KEY_LEN],
    aad: &[u8],
) -> Result<([u8; NONCE_LEN], Vec<u8>)> {
    let cipher = XChaCha20Poly1305::new(kek.into());
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let ciphertext =
        cipher.encrypt(&XNonce::from(nonce), Payload { msg: secret, aad }).map_err(|_| StoreError::Random)?;
    Ok((nonce, ciphertext))
}

/// Decrypts what [`seal_secret`] sealed; `None` when the tag does not verify.
pub(crate) fn open_secret(
    kek: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    ciphertext: &[u8],
    aad: &[u8],
) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    let cipher = XChaCha20Poly1305::new(kek.into());
    let plaintext =
        Zeroizing::new(cipher.decrypt(&XNonce::from(*nonce), Payload { msg: ciphertext, aad }).ok()?);
    let mut secret = Zeroizing::new([0u8; KEY_LEN]);
    if plaintext.len() != KEY_LEN {
        return None;
    }
    secret.copy_from_slice(&plaintext);
    Some(secret)
}

/// A clerk's sealing key pair (SM2, GB/T 32918.4 public-key encryption): its public half
/// lets an administrator hand the clerk a new data key without the clerk's password (a
/// re-key after a revocation); its secret half is wrapped under the clerk's KEK.
pub(crate) fn new_sealing_key() -> Result<(Zeroizing<[u8; KEY_LEN]>, Vec<u8>)> {
    // A random 32-byte string is a valid SM2 secret unless it is zero or not below the
    // group order (a chance near 2^-32); draw again then.
    for _ in 0..16 {
        let mut secret = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(secret.as_mut())?;
        if let Ok(key) = sm2::pke::DecryptingKey::from_slice(secret.as_ref()) {
            let public = key.encrypting_key().to_sec1_bytes().into_vec();
            return Ok((secret, public));
        }
    }
    Err(StoreError::Random)
}

/// Encrypts `message` to the SM2 public key `public` (SEC1 bytes), C1C3C2 with SM3.
/// `None` when `public` is not a point of the curve.
pub(crate) fn seal_to(public: &[u8], message: &[u8]) -> Result<Option<Vec<u8>>> {
    let Ok(key) = sm2::pke::EncryptingKey::from_sec1_bytes(public) else {
        return Ok(None);
    };
    key.encrypt(&mut getrandom::SysRng, message).map(Some).map_err(|_| StoreError::Random)
}

/// Decrypts what [`seal_to`] encrypted to the public half of `secret`; `None` when it does
/// not decrypt (another key, or a changed ciphertext: SM2's C3 is a hash over the message).
pub(crate) fn open_sealed(secret: &[u8; KEY_LEN], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let key = sm2::pke::DecryptingKey::from_slice(secret).ok()?;
    key.decrypt(ciphertext).ok().map(Zeroizing::new)
}

/// Lower-case hex.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Parses hex of either case; `None` on odd length or a non-hex character.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    text.as_bytes().chunks(2).map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?)).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn hmac_parts_are_concatenated() {
        let first = hmac_sm3(b"key", &[b"abc"]);
        let split = hmac_sm3(b"key", &[b"a", b"bc"]);
        assert_eq!(first, split, "parts are concatenated before hashing");
        assert_ne!(first, hmac_sm3(b"key", &[b"abd"]));
    }

    #[test]
    fn sm3_digest_matches_the_standard_vector() {
        use sm3::Digest;
        let digest = Sm3::digest(b"abc");
        assert_eq!(
            hex_encode(&digest),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
            "GB/T 32905 example 1"
        );
    }

    #[test]
    fn wrap_then_unwrap_round_trips_and_rejects_other_aad() {
        let data_key = DataKey::generate().unwrap();
        let kek = derive_kek("correct horse", &[7u8; SALT_LEN], &KdfParams::INSECURE_FAST).unwrap();
        let (nonce, ciphertext) = wrap_key(&kek, &data_key, b"office/alice").unwrap();
        let unwrapped = unwrap_key(&kek, &nonce, &ciphertext, b"office/alice").unwrap();
        assert!(unwrapped.same_as(&data_key));
        assert!(unwrap_key(&kek, &nonce, &ciphertext, b"office/bob").is_none(), "aad binds the user");
        let wrong = derive_kek("wrong horse", &[7u8; SALT_LEN], &KdfParams::INSECURE_FAST).unwrap();
        assert!(unwrap_key(&wrong, &nonce, &ciphertext, b"office/alice").is_none());
    }

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex_decode(&hex_encode(&bytes)).unwrap(), bytes);
        assert!(hex_decode("abc").is_none());
        assert!(hex_decode("zz").is_none());
    }

    #[test]
    fn absurd_kdf_parameters_are_refused() {
        let huge = KdfParams { m_cost_kib: u32::MAX, t_cost: 1, p_cost: 1 };
        assert!(derive_kek("x", &[0; SALT_LEN], &huge).is_err());
    }
}
