//! Type 3 fonts for the PDF writer: the embedded DejaVu outlines as glyph
//! procedures (`d1`, so the text colour is the fill colour), one-byte codes
//! assigned per weight in first-use order, and a ToUnicode map so every label
//! stays selectable and searchable (auditors search PDFs for instance ids).
use inventory::topology::hash::FastMap;
use std::sync::OnceLock;

use ab_glyph::{Font, GlyphId, OutlineCurve, Point};
use pdf_writer::types::{SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use crate::diagram::font::metrics;
use crate::diagram::write::glyphs;

/// Codes per Type 3 font (one-byte strings).
const CODES_PER_FONT: usize = 256;

/// A glyph procedure; independent of page and code, so built and compressed once per process.
pub(crate) struct GlyphProc {
    /// FlateDecode-compressed content stream.
    pub data: Vec<u8>,
    /// Advance in font units.
    pub advance: f32,
    /// Bounding box of the outline's points in font units (empty glyph: all zero).
    pub bbox: [f32; 4],
}

fn proc_cache(bold: bool) -> &'static [OnceLock<GlyphProc>] {
    static REGULAR: OnceLock<Vec<OnceLock<GlyphProc>>> = OnceLock::new();
    static BOLD: OnceLock<Vec<OnceLock<GlyphProc>>> = OnceLock::new();
    let cell = if bold { &BOLD } else { &REGULAR };
    cell.get_or_init(|| (0..metrics::font(bold).glyph_count()).map(|_| OnceLock::new()).collect())
}

pub(crate) fn glyph_proc(glyph: GlyphId, bold: bool) -> &'static GlyphProc {
    let cache = proc_cache(bold);
    match cache.get(glyph.0 as usize) {
        Some(cell) => cell.get_or_init(|| build_proc(glyph, bold)),
        // ab_glyph only hands out ids of the font; anything else draws as .notdef.
        None => cache[0].get_or_init(|| build_proc(GlyphId(0), bold)),
    }
}

/// Whole font units (2048 per em: 0.006 pt at 12 pt), the shortest exact-enough numbers.
fn r(v: f32) -> f32 {
    v.round()
}

/// zlib level for glyph procedures: each is compressed once per process, so the
/// slowest level costs nothing per page and saves a few bytes on every page.
const PROC_DEFLATE_LEVEL: u8 = 10;

fn build_proc(glyph: GlyphId, bold: bool) -> GlyphProc {
    let curves = glyphs::outline(glyph, bold);
    let advance = glyphs::advance_units(glyph, bold) as f32;
    let mut bbox = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    let mut grow = |p: Point| {
        bbox[0] = bbox[0].min(p.x.floor());
        bbox[1] = bbox[1].min(p.y.floor());
        bbox[2] = bbox[2].max(p.x.ceil());
        bbox[3] = bbox[3].max(p.y.ceil());
    };
    for c in &curves {
        match c {
            OutlineCurve::Line(a, b) => [a, b].into_iter().for_each(|p| grow(*p)),
            OutlineCurve::Quad(a, b, d) => [a, b, d].into_iter().for_each(|p| grow(*p)),
            OutlineCurve::Cubic(a, b, d, e) => [a, b, d, e].into_iter().for_each(|p| grow(*p)),
        }
    }
    if curves.is_empty() {
        bbox = [0.0; 4];
    }
    let mut c = Content::new();
    c.start_shape_glyph(advance, bbox[0], bbox[1], bbox[2], bbox[3]);
    let mut prev_end: Option<Point> = None;
    let mut contour_start: Option<Point> = None;
    for (i, cv) in curves.iter().enumerate() {
        if glyphs::starts_contour(prev_end, cv) {
            if prev_end.is_some() {
                c.close_path();
            }
            let s = glyphs::curve_start(cv);
            c.move_to(r(s.x), r(s.y));
            contour_start = Some(s);
        }
        match *cv {
            OutlineCurve::Line(_, p) => {
                // The line back to the contour's start is implied by `h`.
                let closes = contour_start.is_some_and(|s| (s.x - p.x).abs() < 1e-3 && (s.y - p.y).abs() < 1e-3);
                let last_of_contour = curves.get(i + 1).is_none_or(|n| glyphs::starts_contour(Some(p), n));
                if !(closes && last_of_contour) {
                    c.line_to(r(p.x), r(p.y));
                }
            }
            OutlineCurve::Quad(p0, q, p1) => {
                // Degree elevation: the cubic's controls lie 2/3 of the way to the quad control.
                let (c1x, c1y) = (p0.x + 2.0 / 3.0 * (q.x - p0.x), p0.y + 2.0 / 3.0 * (q.y - p0.y));
                let (c2x, c2y) = (p1.x + 2.0 / 3.0 * (q.x - p1.x), p1.y + 2.0 / 3.0 * (q.y - p1.y));
                c.cubic_to(r(c1x), r(c1y), r(c2x), r(c2y), r(p1.x), r(p1.y));
            }
            OutlineCurve::Cubic(_, a, b, p) => {
                c.cubic_to(r(a.x), r(a.y), r(b.x), r(b.y), r(p.x), r(p.y));
            }
        }
        prev_end = Some(glyphs::curve_end(cv));
    }
    if prev_end.is_some() {
        // TrueType outlines use the nonzero winding rule.
        c.close_path().fill_nonzero();
    }
    let data = miniz_oxide::deflate::compress_to_vec_zlib(&c.finish(), PROC_DEFLATE_LEVEL);
    GlyphProc { data, advance, bbox }
}

/// One Type 3 font of the document: a weight and up to 256 (glyph, char) codes.
struct Slot {
    bold: bool,
    /// Code = index.
    glyphs: Vec<(GlyphId, char)>,
}

/// The fonts of one document, filled while the page content is written.
pub(crate) struct FontSet {
    slots: Vec<Slot>,
    /// Code of a (weight, char) beyond ASCII: each char gets its own code even when it
    /// draws as .notdef, so ToUnicode still maps it back to the right text.
    codes: FastMap<(bool, char), (usize, u8)>,
    /// The codes of ASCII chars, per weight (looked up for nearly every glyph).
    ascii: [[Option<(usize, u8)>; 128]; 2],
    /// Slot currently receiving new codes, per weight.
    open: [Option<usize>; 2],
}

impl Default for FontSet {
    fn default() -> FontSet {
        FontSet { slots: Vec::new(), codes: FastMap::default(), ascii: [[None; 128]; 2], open: [None; 2] }
    }
}

impl FontSet {
    /// Slot index and one-byte code for `ch` (drawn as `glyph`) in weight `bold`.
    pub fn code(&mut self, bold: bool, glyph: GlyphId, ch: char) -> (usize, u8) {
        let w = bold as usize;
        let ascii = (ch as usize) < 128;
        let known = if ascii { self.ascii[w][ch as usize] } else { self.codes.get(&(bold, ch)).copied() };
        if let Some(c) = known {
            return c;
        }
        let slot = match self.open[w] {
            Some(s) if self.slots[s].glyphs.len() < CODES_PER_FONT => s,
            _ => {
                self.slots.push(Slot { bold, glyphs: Vec::new() });
                self.open[w] = Some(self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        let code = self.slots[slot].glyphs.len() as u8;
        self.slots[slot].glyphs.push((glyph, ch));
        if ascii {
            self.ascii[w][ch as usize] = Some((slot, code));
        } else {
            self.codes.insert((bold, ch), (slot, code));
        }
        (slot, code)
    }

    pub fn resource_name(slot: usize) -> String {
        format!("F{slot}")
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Writes every font (dictionary, glyph procedures, ToUnicode) with ids from
    /// `next`; returns each slot's font dictionary id, in slot order.
    pub fn write(&self, pdf: &mut Pdf, next: &mut Ref) -> Vec<Ref> {
        let mut alloc = || next.bump();
        let mut ids = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let font_id = alloc();
            let cmap_id = alloc();
            let procs: Vec<(&'static GlyphProc, Ref)> =
                slot.glyphs.iter().map(|&(g, _)| (glyph_proc(g, slot.bold), alloc())).collect();
            let names: Vec<String> = (0..slot.glyphs.len()).map(|i| format!("g{i}")).collect();
            let upem = glyphs::units_per_em(slot.bold) as f32;
            let mut bbox = [0f32; 4];
            for (p, _) in &procs {
                bbox[0] = bbox[0].min(p.bbox[0]);
                bbox[1] = bbox[1].min(p.bbox[1]);
                bbox[2] = bbox[2].max(p.bbox[2]);
                bbox[3] = bbox[3].max(p.bbox[3]);
            }
            let mut f = pdf.type3_font(font_id);
            f.bbox(Rect::new(bbox[0], bbox[1], bbox[2], bbox[3]))
                .matrix([1.0 / upem, 0.0, 0.0, 1.0 / upem, 0.0, 0.0])
                .first_char(0)
                .last_char((slot.glyphs.len() - 1) as u8)
                .widths(procs.iter().map(|(p, _)| p.advance));
            f.encoding_custom().differences().consecutive(0, names.iter().map(|n| Name(n.as_bytes())));
            f.char_procs().pairs(names.iter().zip(&procs).map(|(n, (_, id))| (Name(n.as_bytes()), *id)));
            f.resources();
            f.to_unicode(cmap_id);
            f.finish();

            let mut cmap = UnicodeCmap::<u8>::new(
                Name(b"Custom"),
                SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"UCS"), supplement: 0 },
            );
            for (code, &(_, ch)) in slot.glyphs.iter().enumerate() {
                cmap.pair(code as u8, ch);
            }
            let cmap = crate::deflate::zlib(&cmap.finish());
            pdf.cmap(cmap_id, &cmap).filter(Filter::FlateDecode);
            for (p, id) in procs {
                pdf.stream(id, &p.data).filter(Filter::FlateDecode);
            }
            ids.push(font_id);
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_first_use_order_per_weight_and_roll_over_at_256() {
        let mut fs = FontSet::default();
        let f = metrics::font(false);
        assert_eq!(fs.code(false, f.glyph_id('b'), 'b'), (0, 0));
        assert_eq!(fs.code(true, f.glyph_id('b'), 'b'), (1, 0));
        assert_eq!(fs.code(false, f.glyph_id('a'), 'a'), (0, 1));
        assert_eq!(fs.code(false, f.glyph_id('b'), 'b'), (0, 0));
        // Uncovered chars share .notdef but keep their own code (for ToUnicode).
        assert_eq!(fs.code(false, GlyphId(0), '日'), (0, 2));
        assert_eq!(fs.code(false, GlyphId(0), '本'), (0, 3));
        let chars: Vec<char> = ('\u{100}'..).take(300).collect();
        let slots: Vec<usize> = chars.iter().map(|&c| fs.code(false, f.glyph_id(c), c).0).collect();
        assert_eq!(slots.iter().filter(|&&s| s == 0).count(), 252);
        assert_eq!(slots.iter().filter(|&&s| s == 2).count(), 48);
        assert_eq!(fs.len(), 3);
    }

    #[test]
    fn glyph_procs_start_with_d1_and_fill() {
        let f = metrics::font(false);
        let p = glyph_proc(f.glyph_id('o'), false);
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&p.data).unwrap();
        let s = String::from_utf8(raw).unwrap();
        assert!(s.starts_with(&format!("{} 0 ", p.advance)), "{s}");
        assert!(s.contains(" d1\n"), "{s}");
        assert!(s.trim_end().ends_with('f'), "{s}");
        assert!(s.contains(" c\n"), "quads become cubics: {s}");
        assert!(p.bbox[2] > p.bbox[0] && p.bbox[3] > p.bbox[1]);
        let space = glyph_proc(f.glyph_id(' '), false);
        assert_eq!(space.bbox, [0.0; 4]);
    }
}
