//! Page layout on top of printpdf's low-level operations: text measured by glyph advances,
//! line wrapping, boxes that shrink their text before overflowing, ruled cells, drawn
//! checkboxes and a vector QR code.
//!
//! Coordinates are millimetres from the page's **top-left** corner (the way a form is
//! measured with a ruler); [`Canvas`] converts to PDF points from the bottom-left.
//!
//! Contract:
//! - A character the font lacks is never printed blank: a square the size of the character
//!   is drawn in its place (room for the clerk to write it in by hand) and a
//!   [`RenderWarning::MissingGlyph`] names the field and the character.
//! - A text that does not fit its box at the smallest allowed size is cut with `…` and
//!   reported as [`RenderWarning::TextOverflow`]; nothing is drawn outside a box.

use printpdf::{
    Codepoint, Color, FontId, Greyscale, Line, LinePoint, Op, PaintMode, PdfFontHandle, Point, Polygon,
    PolygonRing, Pt, Rect, TextItem, WindingOrder,
};
use qrcode::{Color as QrColor, EcLevel, QrCode};
use serde::{Deserialize, Serialize};

use crate::{Fonts, PrintError};

/// A4 width in mm.
pub(crate) const PAGE_WIDTH: f32 = 210.0;
/// A4 height in mm.
pub(crate) const PAGE_HEIGHT: f32 = 297.0;
/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;
/// Distance from the baseline to the centre of the ideographic em box, in em (the box sits
/// 0.88 em above and 0.12 em below the baseline).
const EM_CENTRE: f32 = 0.38;
/// Line pitch as a multiple of the font size.
pub(crate) const LINE_SPACING: f32 = 1.35;

/// Converts points to millimetres.
pub(crate) fn pt_to_mm(pt: f32) -> f32 {
    pt / PT_PER_MM
}

/// Something the clerk should know before printing: the document is printable, but not
/// exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RenderWarning {
    /// The font has no glyph for `ch`: an empty square was printed in its place, to be
    /// written in by hand.
    MissingGlyph {
        /// Dotted path of the field, e.g. `applicant.name`.
        field: String,
        /// The character.
        ch: char,
        /// Its code point, e.g. `U+30EDE`.
        code_point: String,
    },
    /// The text did not fit its box even at the smallest size: it was cut and ends in `…`.
    TextOverflow {
        /// Dotted path of the field.
        field: String,
        /// Characters printed.
        shown: usize,
        /// Characters in the text.
        total: usize,
    },
}

/// How a text is fitted in a box: preferred and smallest size, and the line pitch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    /// Preferred size in points.
    pub size: f32,
    /// Smallest size in points before the text is cut.
    pub min_size: f32,
    /// The text is a person's name: break only after a middle dot (`·`) when possible.
    pub name: bool,
}

impl TextStyle {
    /// A style that may shrink from `size` to `min_size`.
    pub(crate) const fn new(size: f32, min_size: f32) -> TextStyle {
        TextStyle { size, min_size, name: false }
    }

    /// The same sizes for a person's name (see [`wrap_name`]).
    pub(crate) const fn for_names(self) -> TextStyle {
        TextStyle { name: true, ..self }
    }
}

/// Horizontal alignment of a text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Centre,
    /// Flush right.
    Right,
}

/// A wrapped text at the size it fits.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    /// Font size in points.
    pub size: f32,
    /// The lines, already cut and ending in `…` when the text overflowed.
    pub lines: Vec<String>,
}

impl Fitted {
    /// Height of the lines in mm.
    pub(crate) fn height(&self) -> f32 {
        self.lines.len() as f32 * pt_to_mm(self.size * LINE_SPACING)
    }
}

/// The pages being drawn, with the warnings collected on the way.
pub(crate) struct Canvas<'a> {
    fonts: &'a Fonts,
    font_id: FontId,
    pages: Vec<Vec<Op>>,
    warnings: Vec<RenderWarning>,
}

impl<'a> Canvas<'a> {
    /// A canvas with one empty page, drawing text in `font_id` (which must be `fonts`' face
    /// added to the document).
    pub(crate) fn new(fonts: &'a Fonts, font_id: FontId) -> Canvas<'a> {
        Canvas { fonts, font_id, pages: vec![Vec::new()], warnings: Vec::new() }
    }

    /// Starts a new page; drawing continues there.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
    }

    /// Number of pages so far.
    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Makes page `index` (0-based) the one drawn on, e.g. to add footers at the end.
    pub(crate) fn select_page(&mut self, index: usize) {
        if index < self.pages.len() {
            let page = self.pages.remove(index);
            self.pages.push(page);
        }
    }

    /// The pages' operations and the warnings, in page order (undoing [`Canvas::select_page`]
    /// is the caller's business; documents select pages only in order).
    pub(crate) fn finish(self) -> (Vec<Vec<Op>>, Vec<RenderWarning>) {
        (self.pages, self.warnings)
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn point(x: f32, y: f32) -> Point {
        Point { x: Pt(x * PT_PER_MM), y: Pt((PAGE_HEIGHT - y) * PT_PER_MM) }
    }

    /// Sets the grey level (0 black … 1 white) for fills and strokes.
    pub(crate) fn grey(&mut self, level: f32) {
        let col = Color::Greyscale(Greyscale { percent: level, icc_profile: None });
        self.ops().push(Op::SetFillColor { col: col.clone() });
        self.ops().push(Op::SetOutlineColor { col });
    }

    /// A straight line of `width_pt`.
    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width_pt: f32) {
        let points = vec![
            LinePoint { p: Canvas::point(x1, y1), bezier: false },
            LinePoint { p: Canvas::point(x2, y2), bezier: false },
        ];
        self.ops().push(Op::SetOutlineThickness { pt: Pt(width_pt) });
        self.ops().push(Op::DrawLine { line: Line { points, is_closed: false } });
    }

    /// A stroked rectangle with its top-left corner at (`x`, `y`).
    pub(crate) fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, width_pt: f32) {
        self.ops().push(Op::SetOutlineThickness { pt: Pt(width_pt) });
        self.ops().push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x * PT_PER_MM),
                y: Pt((PAGE_HEIGHT - y - height) * PT_PER_MM),
                width: Pt(width * PT_PER_MM),
                height: Pt(height * PT_PER_MM),
                mode: Some(PaintMode::Stroke),
                winding_order: None,
            },
        });
    }

    /// Filled rectangles `(x, y, width, height)`, as one path (one fill operation).
    pub(crate) fn fill_rects(&mut self, rects: &[(f32, f32, f32, f32)]) {
        if rects.is_empty() {
            return;
        }
        let rings = rects
            .iter()
            .map(|&(x, y, width, height)| PolygonRing {
                points: [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
                    .into_iter()
                    .map(|(px, py)| LinePoint { p: Canvas::point(px, py), bezier: false })
                    .collect(),
            })
            .collect();
        self.ops().push(Op::DrawPolygon {
            polygon: Polygon { rings, mode: PaintMode::Fill, winding_order: WindingOrder::NonZero },
        });
    }

    /// A checkbox of side `size` with its top-left corner at (`x`, `y`), with a drawn tick
    /// when `ticked` (no CJK font has ☐/☑ glyphs).
    pub(crate) fn checkbox(&mut self, x: f32, y: f32, size: f32, ticked: bool) {
        self.rect(x, y, size, size, 0.6);
        if ticked {
            let points = [(0.18, 0.52), (0.42, 0.78), (0.84, 0.16)]
                .into_iter()
                .map(|(fx, fy)| LinePoint { p: Canvas::point(x + fx * size, y + fy * size), bezier: false })
                .collect();
            self.ops().push(Op::SetOutlineThickness { pt: Pt(1.3) });
            self.ops().push(Op::DrawLine { line: Line { points, is_closed: false } });
        }
    }

    /// Width of `text` in mm at `size` points.
    pub(crate) fn measure(&self, text: &str, size: f32) -> f32 {
        pt_to_mm(self.fonts.width_pt(text, size))
    }

    /// Draws one line of text with its baseline at `baseline`; returns its width in mm.
    /// Characters the font lacks become squares and warnings under `field`.
    pub(crate) fn text(&mut self, x: f32, baseline: f32, size: f32, text: &str, field: &str) -> f32 {
        let mut cursor = x;
        let mut run = String::new();
        for ch in text.chars().filter(|ch| !ch.is_control()) {
            if self.fonts.has_glyph(ch) {
                run.push(ch);
                continue;
            }
            cursor += self.show_run(cursor, baseline, size, &run);
            run.clear();
            let side = pt_to_mm(size) * 0.9;
            let em = pt_to_mm(size);
            self.rect(cursor + em * 0.05, baseline - em * 0.8, side, side, 0.5);
            cursor += em;
            self.warn_missing(field, ch);
        }
        cursor += self.show_run(cursor, baseline, size, &run);
        cursor - x
    }

    fn show_run(&mut self, x: f32, baseline: f32, size: f32, run: &str) -> f32 {
        if run.is_empty() {
            return 0.0;
        }
        // Glyph ids with their text (for the ToUnicode map), so printpdf does no cmap lookup.
        let glyphs: Vec<Codepoint> = run
            .chars()
            .filter_map(|ch| {
                let gid = self.fonts.glyph(ch)?;
                Some(Codepoint { gid, offset: 0.0, cid: Some(ch.to_string()) })
            })
            .collect();
        let font = PdfFontHandle::External(self.font_id.clone());
        let ops = self.ops();
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont { font, size: Pt(size) });
        ops.push(Op::SetTextCursor { pos: Canvas::point(x, baseline) });
        ops.push(Op::ShowText { items: vec![TextItem::GlyphIds(glyphs)] });
        ops.push(Op::EndTextSection);
        self.measure(run, size)
    }

    fn warn_missing(&mut self, field: &str, ch: char) {
        let warning = RenderWarning::MissingGlyph {
            field: field.to_owned(),
            ch,
            code_point: format!("U+{:04X}", u32::from(ch)),
        };
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// Draws one line aligned in the span `x .. x + width`, its em box vertically centred on
    /// `centre_y`. Returns the drawn width.
    #[allow(clippy::too_many_arguments, reason = "a line is a span, a size, an alignment and its text")]
    pub(crate) fn text_in_line(
        &mut self,
        x: f32,
        width: f32,
        centre_y: f32,
        size: f32,
        align: Align,
        text: &str,
        field: &str,
    ) -> f32 {
        let text_width = self.measure(text, size);
        let start = match align {
            Align::Left => x,
            Align::Centre => x + (width - text_width) / 2.0,
            Align::Right => x + width - text_width,
        };
        self.text(start, centre_y + pt_to_mm(size) * EM_CENTRE, size, text, field)
    }

    /// Wraps `text` into lines no wider than `width` mm at `size` points (see [`wrap_units`]).
    pub(crate) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let fonts = self.fonts;
        let measure = |s: &str| pt_to_mm(fonts.width_pt(s, size));
        wrap_with(text, width, &measure)
    }

    /// Wraps with `style`'s rule: [`wrap_name`] for names, [`Canvas::wrap`] otherwise.
    fn wrap_styled(&self, text: &str, size: f32, width: f32, style: TextStyle) -> Vec<String> {
        if style.name {
            let fonts = self.fonts;
            let measure = |s: &str| pt_to_mm(fonts.width_pt(s, size));
            wrap_name(text, width, &measure)
        } else {
            self.wrap(text, size, width)
        }
    }

    /// Fits `text` in a box `width` × `height` mm: the preferred size if it fits, else the
    /// largest size down to the style's minimum (half-point steps) at which it does, else
    /// the minimum size with the text cut (reported under `field`).
    pub(crate) fn fit(
        &mut self,
        text: &str,
        width: f32,
        height: f32,
        style: TextStyle,
        field: &str,
    ) -> Fitted {
        let mut size = style.size;
        loop {
            let lines = self.wrap_styled(text, size, width, style);
            let pitch = pt_to_mm(size * LINE_SPACING);
            let fits = lines.len() as f32 * pitch <= height + 0.01 || lines.len() <= 1;
            if fits {
                return Fitted { size, lines };
            }
            if size - 0.5 < style.min_size {
                let max_lines = ((height + 0.01) / pitch).floor().max(1.0) as usize;
                let lines = self.cut(lines, max_lines, size, width, field, text);
                return Fitted { size, lines };
            }
            size -= 0.5;
        }
    }

    /// Keeps `max_lines` lines, ending the last in `…` within `width`, and reports it.
    fn cut(
        &mut self,
        mut lines: Vec<String>,
        max_lines: usize,
        size: f32,
        width: f32,
        field: &str,
        text: &str,
    ) -> Vec<String> {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && self.measure(&format!("{last}…"), size) > width {
                last.pop();
            }
            last.push('…');
        }
        let shown = lines.iter().map(|line| line.chars().count()).sum::<usize>().saturating_sub(1);
        let total = text.chars().filter(|ch| !ch.is_control()).count();
        self.warnings.push(RenderWarning::TextOverflow { field: field.to_owned(), shown, total });
        lines
    }

    /// Reports a text cut to `shown` of its `total` characters.
    pub(crate) fn note_overflow(&mut self, field: &str, shown: usize, total: usize) {
        self.warnings.push(RenderWarning::TextOverflow { field: field.to_owned(), shown, total });
    }

    /// Draws fitted lines from the top `y` of the span `x .. x + width`.
    pub(crate) fn draw_lines(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        fitted: &Fitted,
        align: Align,
        field: &str,
    ) {
        let pitch = pt_to_mm(fitted.size * LINE_SPACING);
        for (index, line) in fitted.lines.iter().enumerate() {
            let centre = y + pitch * (index as f32 + 0.5);
            self.text_in_line(x, width, centre, fitted.size, align, line, field);
        }
    }

    /// Fits `text` in the box and draws it vertically centred; returns the fitted text.
    #[allow(clippy::too_many_arguments, reason = "a box is four numbers plus what goes in it")]
    pub(crate) fn text_box(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        text: &str,
        style: TextStyle,
        align: Align,
        field: &str,
    ) -> Fitted {
        let fitted = self.fit(text, width, height, style, field);
        let top = y + (height - fitted.height()).max(0.0) / 2.0;
        self.draw_lines(x, top, width, &fitted, align, field);
        fitted
    }

    /// The small grey note at the foot of a notice, refusal or receipt: one 10 mm box.
    pub(crate) fn footer_note(&mut self, x: f32, y: f32, width: f32, text: &str) {
        self.grey(0.3);
        self.text_box(x, y, width, 10.0, text, TextStyle::new(9.0, 7.0), Align::Left, "footer_note");
        self.grey(0.0);
    }

    /// A QR code of `payload` (byte mode, error correction M) as filled squares, `side` mm
    /// wide including the 4-module quiet zone, top-left corner at (`x`, `y`).
    pub(crate) fn qr(&mut self, x: f32, y: f32, side: f32, payload: &str) -> Result<(), PrintError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|e| PrintError::QrTooLong { length: payload.len(), detail: e.to_string() })?;
        let n = code.width();
        let colors = code.to_colors();
        let module = side / (n as f32 + 8.0);
        let origin_x = x + 4.0 * module;
        let origin_y = y + 4.0 * module;
        let mut rects = Vec::new();
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == QrColor::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == QrColor::Dark {
                        col += 1;
                    }
                    rects.push((
                        origin_x + start as f32 * module,
                        origin_y + row as f32 * module,
                        (col - start) as f32 * module,
                        module,
                    ));
                } else {
                    col += 1;
                }
            }
        }
        self.grey(0.0);
        self.fill_rects(&rects);
        Ok(())
    }
}

/// One cell of a ruled table row.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    /// Width in mm.
    pub width: f32,
    /// The text (may be empty).
    pub text: String,
    /// Size and smallest size.
    pub style: TextStyle,
    /// Alignment of each line.
    pub align: Align,
    /// Dotted field path for warnings.
    pub field: String,
    /// A label cell, shaded light grey.
    pub shaded: bool,
}

impl Cell {
    /// A shaded label cell, centred.
    pub(crate) fn label(width: f32, text: &str, style: TextStyle) -> Cell {
        Cell { width, text: text.to_owned(), style, align: Align::Centre, field: String::new(), shaded: true }
    }

    /// A value cell, flush left.
    pub(crate) fn value(width: f32, text: &str, style: TextStyle, field: &str) -> Cell {
        Cell {
            width,
            text: text.to_owned(),
            style,
            align: Align::Left,
            field: field.to_owned(),
            shaded: false,
        }
    }
}

/// Horizontal padding inside a cell, mm.
pub(crate) const CELL_PAD_X: f32 = 2.0;
/// Vertical padding inside a cell, mm.
pub(crate) const CELL_PAD_Y: f32 = 1.5;

impl Canvas<'_> {
    /// Draws a row of ruled cells from (`x`, `y`): each cell's text is fitted in the cell
    /// (the row grows from `min_height` up to `max_height` for wrapped text, then the text
    /// shrinks, then it is cut). Returns the row's height.
    pub(crate) fn row(&mut self, x: f32, y: f32, cells: &[Cell], min_height: f32, max_height: f32) -> f32 {
        let inner_max = max_height - 2.0 * CELL_PAD_Y;
        let fitted: Vec<Fitted> = cells
            .iter()
            .map(|cell| {
                let width = cell.width - 2.0 * CELL_PAD_X;
                self.fit(&cell.text, width, inner_max, cell.style, &cell.field)
            })
            .collect();
        let content = fitted.iter().map(Fitted::height).fold(0.0_f32, f32::max);
        let height = (content + 2.0 * CELL_PAD_Y).clamp(min_height, max_height.max(min_height));
        let mut left = x;
        for (cell, fitted) in cells.iter().zip(&fitted) {
            if cell.shaded {
                self.grey(0.93);
                self.fill_rects(&[(left, y, cell.width, height)]);
            }
            self.grey(0.0);
            let top = y + (height - fitted.height()) / 2.0;
            self.draw_lines(
                left + CELL_PAD_X,
                top,
                cell.width - 2.0 * CELL_PAD_X,
                fitted,
                cell.align,
                &cell.field,
            );
            self.rect(left, y, cell.width, height, 0.6);
            left += cell.width;
        }
        height
    }
}

/// Characters that must not start a line (closing punctuation and the name dot).
fn no_line_start(ch: char) -> bool {
    matches!(
        ch,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '”'
            | '’'
            | '…'
            | '·'
            | '・'
            | '‧'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '％'
            | '%'
    )
}

/// Characters that must not end a line (opening punctuation).
fn no_line_end(ch: char) -> bool {
    matches!(ch, '（' | '《' | '「' | '『' | '【' | '〔' | '“' | '‘' | '(' | '[')
}

/// Characters kept together with their neighbours in a Latin run (`No.88-1`, `A/B`).
fn is_word_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric()
        || matches!(ch, '-' | '_' | '/' | '#' | '.' | '@' | '+' | '&' | '\'' | '*')
        || ('０'..='９').contains(&ch)
        || ('Ａ'..='Ｚ').contains(&ch)
        || ('ａ'..='ｚ').contains(&ch)
}

/// Splits a paragraph into unbreakable units: a Latin/digit run, or one CJK character,
/// with closing punctuation glued to the unit before and opening punctuation to the unit
/// after. A unit starting with a space marks a break opportunity that is dropped at a
/// line start.
pub(crate) fn wrap_units(text: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut pending_open = String::new();
    let chars: Vec<char> = text.chars().filter(|ch| !ch.is_control()).collect();
    let mut index = 0;
    while index < chars.len() {
        let ch = chars[index];
        if no_line_start(ch)
            && pending_open.is_empty()
            && let Some(last) = units.last_mut()
        {
            last.push(ch);
            index += 1;
            continue;
        }
        if no_line_end(ch) {
            pending_open.push(ch);
            index += 1;
            continue;
        }
        let mut unit = std::mem::take(&mut pending_open);
        if is_word_char(ch) {
            while index < chars.len() && is_word_char(chars[index]) {
                unit.push(chars[index]);
                index += 1;
            }
        } else {
            unit.push(ch);
            index += 1;
        }
        units.push(unit);
    }
    if !pending_open.is_empty() {
        units.push(pending_open);
    }
    units
}

/// Greedy line filling of [`wrap_units`] within `width`, measuring with `measure`; `\n`
/// forces a break; a unit wider than a line is split between characters.
pub(crate) fn wrap_with(text: &str, width: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    fill_paragraphs(text, width, measure, &wrap_units)
}

/// Wraps a person's name: the parts between middle dots (阿卜杜热合曼· / 买买提· / 艾合买提江)
/// are kept whole when they fit a line, so a long name breaks where its reader expects.
pub(crate) fn wrap_name(text: &str, width: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    fill_paragraphs(text, width, measure, &|paragraph: &str| {
        let mut parts = Vec::new();
        let mut part = String::new();
        for ch in paragraph.chars().filter(|ch| !ch.is_control()) {
            part.push(ch);
            if matches!(ch, '·' | '・' | '‧' | '•') {
                parts.push(std::mem::take(&mut part));
            }
        }
        if !part.is_empty() {
            parts.push(part);
        }
        parts
    })
}

fn fill_paragraphs(
    text: &str,
    width: f32,
    measure: &dyn Fn(&str) -> f32,
    units_of: &dyn Fn(&str) -> Vec<String>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for unit in units_of(paragraph) {
            let candidate = format!("{line}{unit}");
            if measure(&candidate) <= width + 0.01 {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_owned());
            }
            let unit = if unit.starts_with(' ') { unit.trim_start().to_owned() } else { unit };
            if measure(&unit) <= width + 0.01 {
                line = unit;
                continue;
            }
            for ch in unit.chars() {
                let candidate = format!("{line}{ch}");
                if measure(&candidate) > width + 0.01 && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(ch);
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    if lines.len() > 1 {
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide, so widths are character counts.
    fn check_wrap(text: &str, width: f32, expected: &[&str]) {
        let measure = |s: &str| s.chars().count() as f32;
        assert_eq!(wrap_with(text, width, &measure), expected, "wrapping {text:?} at {width}");
    }

    #[test]
    fn cjk_breaks_anywhere() {
        check_wrap("浙江省杭州市建德市", 4.0, &["浙江省杭", "州市建德", "市"]);
    }

    #[test]
    fn latin_and_digit_runs_stay_together() {
        check_wrap("江滨中路88号3幢", 5.0, &["江滨中路", "88号3幢"]);
        check_wrap("Room 1203B", 6.0, &["Room", "1203B"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        check_wrap("材料齐全，无需补充。", 4.0, &["材料齐", "全，无需", "补充。"]);
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        check_wrap("请携带《居住证》原件", 4.0, &["请携带", "《居住", "证》原件"]);
    }

    #[test]
    fn the_name_dot_stays_with_the_part_before_it() {
        check_wrap("阿卜杜热合曼·买买提", 7.0, &["阿卜杜热合曼·", "买买提"]);
        check_wrap("阿卜杜热合曼·买买提", 6.0, &["阿卜杜热合", "曼·买买提"]);
    }

    #[test]
    fn names_break_after_their_middle_dots() {
        let measure = |s: &str| s.chars().count() as f32;
        let name = "阿卜杜热合曼·买买提·艾合买提江";
        assert_eq!(wrap_name(name, 12.0, &measure), ["阿卜杜热合曼·买买提·", "艾合买提江"]);
        assert_eq!(wrap_name(name, 8.0, &measure), ["阿卜杜热合曼·", "买买提·", "艾合买提江"]);
        assert_eq!(wrap_name(name, 5.0, &measure), ["阿卜杜热合", "曼·", "买买提·", "艾合买提江"]);
        assert_eq!(wrap_name("张伟", 5.0, &measure), ["张伟"]);
    }

    #[test]
    fn an_overlong_run_is_split_between_characters() {
        check_wrap("ABCDEFGHIJ", 4.0, &["ABCD", "EFGH", "IJ"]);
    }

    #[test]
    fn newlines_break_and_empty_text_is_one_empty_line() {
        check_wrap("一\n二", 4.0, &["一", "二"]);
        check_wrap("", 4.0, &[""]);
    }
}
