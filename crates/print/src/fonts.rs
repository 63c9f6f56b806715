//! The CJK font every document is set in, parsed once and shared.
//!
//! The shipped face is Noto Sans CJK SC Regular (SIL OFL 1.1), extracted from Debian's
//! `fonts-noto-cjk` collection; `assets/fonts/README.md` says where it comes from and how it
//! was extracted. Parsing the 16 MB face costs tens of milliseconds, so a [`Fonts`] value is
//! built once (at start-up, or lazily in [`crate::Renderer`]) and reused for every document:
//! each render only clones the parsed face's tables and lets printpdf subset it.
//!
//! The same value answers the layout questions printpdf's low-level API leaves to us: does
//! the face have a glyph for this character, which one, and how wide is it. It answers them
//! from its own tables, read once with `ttf-parser`: the cmap lookup of the parsed face is a
//! linear scan over thousands of format-12 groups, which used to be most of a page's render
//! time. Text is handed to printpdf as glyph ids for the same reason.

use std::collections::HashMap;
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
    /// Unicode scalar → glyph id, for every character the face maps.
    glyphs: HashMap<u32, u16>,
    /// Advance width of each glyph id, in font units.
    advances: Vec<u16>,
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
        let invalid =
            |detail: &str| PrintError::FontInvalid { name: name.to_owned(), detail: detail.to_owned() };
        let table = ttf_parser::Face::parse(bytes, u32::try_from(face_index).unwrap_or(u32::MAX))
            .map_err(|e| invalid(&e.to_string()))?;
        let units_per_em = f32::from(table.units_per_em().max(1));
        let mut glyphs = HashMap::new();
        if let Some(cmap) = table.tables().cmap {
            // Unicode subtables only; a later (fuller, format 12) one wins over format 4.
            for subtable in cmap.subtables.into_iter().filter(|subtable| subtable.is_unicode()) {
                subtable.codepoints(|code_point| {
                    if let Some(gid) = subtable.glyph_index(code_point) {
                        glyphs.insert(code_point, gid.0);
                    }
                });
            }
        }
        let advances = (0..table.number_of_glyphs())
            .map(|gid| table.glyph_hor_advance(ttf_parser::GlyphId(gid)).unwrap_or(0))
            .collect();
        if !glyphs.contains_key(&u32::from('中')) {
            return Err(invalid("the face has no glyph for 中: not a Chinese font"));
        }
        Ok(Fonts { face, units_per_em, name: name.to_owned(), glyphs, advances })
    }

    /// The parsed face, for adding to a printpdf document.
    pub(crate) fn face(&self) -> &ParsedFont {
        &self.face
    }

    /// The face's file name (or the name given to [`Fonts::from_bytes`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The glyph id printing `ch`, or `None` when the face lacks it.
    pub fn glyph(&self, ch: char) -> Option<u16> {
        self.glyphs.get(&u32::from(ch)).copied().filter(|gid| *gid != 0)
    }

    /// Whether the face can print `ch`. Control characters count as printable (they are
    /// dropped before layout).
    pub fn has_glyph(&self, ch: char) -> bool {
        ch.is_control() || self.glyph(ch).is_some()
    }

    /// Advance width of `ch` in em (1.0 = the font size). A character the face lacks is
    /// drawn as a placeholder box one em wide.
    pub fn advance_em(&self, ch: char) -> f32 {
        match self.glyph(ch).and_then(|gid| self.advances.get(usize::from(gid))) {
            Some(advance) => f32::from(*advance) / self.units_per_em,
            None => 1.0,
        }
    }

    /// Width of `text` in points at `size_pt`.
    pub fn width_pt(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|ch| self.advance_em(ch)).sum::<f32>() * size_pt
    }
}
