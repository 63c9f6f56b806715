//! What a case is found by without decrypting it: the blind index of the ID number
//! (HMAC-SM3 under a key derived from the data key), the masked number kept for lists,
//! and the plain index columns a save compares.

use super::*;

/// HMAC-SM3 of a normalised ID number under a key derived from the data key, truncated to
/// 128 bits. Equal ID numbers give equal indexes; the index reveals nothing without the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlindIndex(pub(crate) [u8; 16]);

impl BlindIndex {
    /// The 16 bytes as stored in `cases.id_blind`.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for BlindIndex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&hex_encode(&self.0))
    }
}

/// The masked form kept for lists: first 6 and last 4 characters, the rest `*`.
pub(crate) fn mask_id_number(normalised: &str) -> String {
    let chars: Vec<char> = normalised.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let mut masked: String = chars[..6].iter().collect();
    masked.push_str(&"*".repeat(chars.len() - 10));
    masked.extend(&chars[chars.len() - 4..]);
    masked
}

pub(crate) fn blind_index(blind_key: &[u8; 32], id_number: &str) -> Option<BlindIndex> {
    let normalised = canonical_id(id_number);
    if normalised.is_empty() {
        return None;
    }
    let mac = hmac_sm3(blind_key, &[b"id-number:", normalised.as_bytes()]);
    let mut truncated = [0u8; 16];
    truncated.copy_from_slice(&mac[..16]);
    Some(BlindIndex(truncated))
}

/// The stored form of the index columns, computed once per save.
#[derive(PartialEq)]
pub(super) struct IndexColumns {
    pub(super) application_number: Option<String>,
    pub(super) id_blind: Option<Vec<u8>>,
    pub(super) id_masked: Option<String>,
    pub(super) name: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) birth_date: Option<String>,
    pub(super) slip_required: bool,
}

pub(super) fn non_empty(text: &Option<String>) -> Option<String> {
    text.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned)
}

impl IndexColumns {
    pub(super) fn new(blind_key: &[u8; 32], index: &CaseIndex) -> IndexColumns {
        let id_number = non_empty(&index.id_number);
        IndexColumns {
            application_number: non_empty(&index.application_number),
            id_blind: id_number
                .as_deref()
                .and_then(|id| blind_index(blind_key, id))
                .map(|blind| blind.0.to_vec()),
            id_masked: id_number.as_deref().map(|id| mask_id_number(&canonical_id(id))),
            name: non_empty(&index.name),
            phone: non_empty(&index.phone),
            birth_date: index.birth_date.map(date_to_text),
            slip_required: index.slip_required,
        }
    }

    pub(super) fn changed_names(&self, other: &IndexColumns) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.application_number != other.application_number {
            names.push("application_number");
        }
        if self.id_blind != other.id_blind {
            names.push("id_number");
        }
        if self.name != other.name {
            names.push("name");
        }
        if self.phone != other.phone {
            names.push("phone");
        }
        if self.birth_date != other.birth_date {
            names.push("birth_date");
        }
        if self.slip_required != other.slip_required {
            names.push("slip_required");
        }
        names
    }
}
