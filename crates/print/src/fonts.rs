//! The CJK font every document is set in, parsed once and shared.
//!
//! The shipped face is Noto Sans CJK SC Regular (SIL OFL 1.1), extracted from Debian's
//! `fonts-noto-cjk` collection; `assets/fonts/README.md` says where it comes from and how it
//! was extracted. Parsing the 16 MB face costs tens of milliseconds, so a [`Fonts`] value is
//! built once (at start-up, or lazily in [`crate::Renderer`]) and reused for every document:
//! each render only clones the parsed face's tables and lets printpdf subset it.
//!
//! The same value answers the layout questions printpdf's low-level API leaves to us: does
//! the face have a glyph for this character, and how wide is it.

use std::path::Path;

use printpdf::ParsedFont;

use crate::PrintError;

/// The face shipped in `assets/fonts/`, embedded in the binary when the `embedded-font`
/// feature is on (the default).
#[cfg(feature = "embedded-font")]
static EMBEDDED_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansCJKsc-Regular.otf");

/// File name of the shipped face, for messages and docs.
pub const EMBEDDED_FONT_NAME: &str = "NotoSansCJKsc-Regular.otf";

/// A parsed font face with the metrics layout needs.
#[derive(Debug, Clone)]
pub struct Fonts {
    face: ParsedFont,
    units_per_em: f32,
    name: String,
}

impl Fonts {
    /// The face shipped in `assets/fonts/`, parsed (10–50 ms: call once).
    #[cfg(feature = "embedded-font")]
    pub fn embedded() -> Result<Fonts, PrintError> {
        Fonts::from_bytes(EMBEDDED_FONT, 0, EMBEDDED_FONT_NAME)
    }

    /// Reads and parses a font file; `face_index` selects a face of a `.ttc` collection
    /// (0 for a single-face file; Noto Sans CJK SC is face 2 of Debian's `NotoSansCJK-Regular.ttc`).
    pub fn load(path: &Path, face_index: usize) -> Result<Fonts, PrintError> {
        let bytes = std::fs::read(path)
            .map_err(|source| PrintError::FontUnreadable { path: path.to_owned(), source })?;
        Fonts::from_bytes(&bytes, face_index, &path.display().to_string())
    }

    /// Parses font bytes; `name` is used in messages only.
    pub fn from_bytes(bytes: &[u8], face_index: usize, name: &str) -> Result<Fonts, PrintError> {
        let mut warnings = Vec::new();
        let face = ParsedFont::from_bytes(bytes, face_index, &mut warnings).ok_or_else(|| {
            PrintError::FontInvalid {
                name: name.to_owned(),
                detail: warnings.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join("; "),
            }
        })?;
        let units_per_em = f32::from(face.font_metrics.units_per_em.max(1));
        if face.lookup_glyph_index(u32::from('中')).is_none() {
            return Err(PrintError::FontInvalid {
                name: name.to_owned(),
                detail: "the face has no glyph for 中: not a Chinese font".to_owned(),
            });
        }
        Ok(Fonts { face, units_per_em, name: name.to_owned() })
    }

    /// The parsed face, for adding to a printpdf document.
    pub(crate) fn face(&self) -> &ParsedFont {
        &self.face
    }

    /// The face's file name (or the name given to [`Fonts::from_bytes`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the face can print `ch`. Control characters count as printable (they are
    /// dropped before layout).
    pub fn has_glyph(&self, ch: char) -> bool {
        ch.is_control() || self.face.lookup_glyph_index(u32::from(ch)).is_some_and(|gid| gid != 0)
    }

    /// Advance width of `ch` in em (1.0 = the font size). A character the face lacks is
    /// drawn as a placeholder box one em wide.
    pub fn advance_em(&self, ch: char) -> f32 {
        match self.face.lookup_glyph_index(u32::from(ch)) {
            Some(gid) if gid != 0 => f32::from(self.face.get_horizontal_advance(gid)) / self.units_per_em,
            _ => 1.0,
        }
    }

    /// Width of `text` in points at `size_pt`.
    pub fn width_pt(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|ch| self.advance_em(ch)).sum::<f32>() * size_pt
    }
}
