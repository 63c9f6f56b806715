//! The one error type of the `print` crate.
//!
//! Rendering problems that still let the document be printed (a character the font lacks,
//! a text that had to be cut) are not errors: they are [`crate::RenderWarning`]s returned
//! with the document, so the clerk sees them before printing.

use std::path::PathBuf;

/// Why a document could not be rendered, a font or template not loaded, or a QR payload
/// not accepted.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The font file could not be read from disk.
    #[error("cannot read font file {path}: {source}")]
    FontUnreadable {
        /// The file asked for.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The bytes are not a font printpdf can parse (or the face index does not exist).
    #[error("font {name} does not parse as an OpenType/TrueType face: {detail}")]
    FontInvalid {
        /// The file name or `embedded`.
        name: String,
        /// What the parser reported.
        detail: String,
    },
    /// A template file could not be read from disk.
    #[error("cannot read template file {path}: {source}")]
    TemplateUnreadable {
        /// The file asked for.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A template file is not valid JSON of the template format, or lacks a label or text
    /// the document prints. The message lists every problem of the file at once.
    #[error("template {name} is not usable: {problems}")]
    TemplateInvalid {
        /// The template's file name.
        name: String,
        /// Every problem found, separated by `; `.
        problems: String,
    },
    /// An office file is not valid JSON of the office format.
    #[error("office details {name} are not usable: {detail}")]
    OfficeInvalid {
        /// The file name.
        name: String,
        /// What is wrong.
        detail: String,
    },
    /// The QR payload could not be encoded (it is longer than the largest QR code holds).
    #[error("qr payload of {length} bytes does not fit a qr code: {detail}")]
    QrTooLong {
        /// Payload length in bytes.
        length: usize,
        /// The encoder's message.
        detail: String,
    },
    /// A signing key file is not 32 bytes of hex (the Ed25519 seed).
    #[error("signing key is not 64 hex digits (a 32-byte ed25519 seed)")]
    KeyInvalid,
    /// The text is not a version-1 slip payload (wrong prefix, field count, date or
    /// signature encoding).
    #[error("not a slip qr payload: {detail}")]
    PayloadMalformed {
        /// What is wrong.
        detail: String,
    },
    /// The payload was signed by another office's key than the one it is checked with.
    #[error("slip was signed with key {found}, not with the office key {expected}")]
    PayloadKeyMismatch {
        /// Key id of the key given for the check.
        expected: String,
        /// Key id written in the payload.
        found: String,
    },
    /// The signature does not match the payload: the text was altered or forged.
    #[error("slip signature is invalid: the qr payload was altered or not issued by this office")]
    PayloadSignatureInvalid,
    /// A refusal (不予受理告知书) was asked for an assessment without any eligibility reason.
    #[error("the assessment gives no reason the applicant is not eligible: nothing to refuse")]
    NothingToRefuse,
    /// The spreadsheet writer refused the register (a value out of the format's range).
    #[error("the register could not be written as a spreadsheet: {detail}")]
    Spreadsheet {
        /// The writer's message.
        detail: String,
    },
}

impl PrintError {
    /// A template file or folder that cannot be read or lacks what its document prints.
    pub fn is_template_problem(&self) -> bool {
        matches!(self, PrintError::TemplateUnreadable { .. } | PrintError::TemplateInvalid { .. })
    }
}
