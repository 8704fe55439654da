//! Text measurement with real glyph advances (ab_glyph over the embedded font).
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId};
use inventory::topology::hash::FastMap;

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        // The bytes are compiled in and known-good; a failure here is a build defect.
        regular: FontRef::try_from_slice(super::REGULAR).expect("embedded DejaVuSans.ttf parses"),
        bold: FontRef::try_from_slice(super::BOLD).expect("embedded DejaVuSans-Bold.ttf parses"),
    })
}

/// The parsed embedded font (the PNG and PDF writers draw its outlines).
pub(crate) fn font(bold: bool) -> &'static FontRef<'static> {
    let f = fonts();
    if bold {
        &f.bold
    } else {
        &f.regular
    }
}

thread_local! {
    /// Kerning looked up per glyph pair is a table search in the font; labels repeat
    /// the same pairs thousands of times on a big estate. (Printable ASCII pairs are
    /// in `Ascii`; this holds the rest.)
    static KERN: std::cell::RefCell<FastMap<(bool, u16, u16), f32>> = std::cell::RefCell::new(FastMap::default());
}

/// Kerning between two glyphs in font units (cached per thread).
fn kern_units(bold: bool, a: GlyphId, b: GlyphId) -> f32 {
    KERN.with(|k| {
        let mut k = k.borrow_mut();
        // Hostile names can bring any number of distinct pairs: keep the cache bounded.
        if k.len() > 1_000_000 {
            k.clear();
        }
        *k.entry((bold, a.0, b.0)).or_insert_with(|| font(bold).kern_unscaled(a, b))
    })
}

/// Printable ASCII (almost every character of a label): glyph, advance and the kerning
/// of every pair, looked up once per font. Measuring text was a tenth of the page
/// building time at 100k resources, most of it in the cmap search and the kerning cache.
struct Ascii {
    glyph: [GlyphId; ASCII_END],
    advance: [f32; ASCII_END],
    /// `kern[a * ASCII_END + b]`.
    kern: Vec<f32>,
}

const ASCII_START: usize = 0x20;
const ASCII_END: usize = 0x7f;

impl Ascii {
    fn build(bold: bool) -> Ascii {
        let f = font(bold);
        let mut glyph = [GlyphId(0); ASCII_END];
        let mut advance = [0.0; ASCII_END];
        for c in ASCII_START..ASCII_END {
            glyph[c] = f.glyph_id(c as u8 as char);
            advance[c] = f.h_advance_unscaled(glyph[c]);
        }
        let mut kern = vec![0.0; ASCII_END * ASCII_END];
        for a in ASCII_START..ASCII_END {
            for b in ASCII_START..ASCII_END {
                kern[a * ASCII_END + b] = f.kern_unscaled(glyph[a], glyph[b]);
            }
        }
        Ascii { glyph, advance, kern }
    }

    fn of(bold: bool) -> &'static Ascii {
        static REGULAR: OnceLock<Ascii> = OnceLock::new();
        static BOLD: OnceLock<Ascii> = OnceLock::new();
        if bold {
            BOLD.get_or_init(|| Ascii::build(true))
        } else {
            REGULAR.get_or_init(|| Ascii::build(false))
        }
    }

    fn index(c: char) -> Option<usize> {
        let i = c as usize;
        (ASCII_START..ASCII_END).contains(&i).then_some(i)
    }
}

/// One character of a text run, in font units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pen {
    pub ch: char,
    pub glyph: GlyphId,
    /// Kerning against the previous character (0 for the first).
    pub kern: f32,
    pub advance: f32,
}

/// Each character of `s` with its glyph, kerning and advance: what `width` adds up and
/// the PNG/PDF writers place glyphs with.
pub(crate) fn pens(s: &str, bold: bool) -> impl Iterator<Item = Pen> + '_ {
    let f = font(bold);
    let ascii = Ascii::of(bold);
    let mut prev: Option<(Option<usize>, GlyphId)> = None;
    s.chars().map(move |ch| {
        let index = Ascii::index(ch);
        let (glyph, advance) = match index {
            Some(i) => (ascii.glyph[i], ascii.advance[i]),
            None => {
                let g = f.glyph_id(ch);
                (g, f.h_advance_unscaled(g))
            }
        };
        let kern = match (prev, index) {
            (None, _) => 0.0,
            (Some((Some(a), _)), Some(b)) => ascii.kern[a * ASCII_END + b],
            (Some((_, p)), _) => kern_units(bold, p, glyph),
        };
        prev = Some((index, glyph));
        Pen { ch, glyph, kern, advance }
    })
}

/// Advance width of `s` at `size` px, with kerning.
pub fn width(s: &str, size: f64, bold: bool) -> f64 {
    let upem = font(bold).units_per_em().unwrap_or(2048.0) as f64;
    let mut w = 0.0f64;
    for p in pens(s, bold) {
        w += p.kern as f64;
        w += p.advance as f64;
    }
    w * size / upem
}

/// Distance from baseline to the top of the tallest glyphs.
pub fn ascent(size: f64) -> f64 {
    let f = font(false);
    f.ascent_unscaled() as f64 * size / f.units_per_em().unwrap_or(2048.0) as f64
}

/// Distance from baseline to the lowest descender (positive).
pub fn descent(size: f64) -> f64 {
    let f = font(false);
    -(f.descent_unscaled() as f64) * size / f.units_per_em().unwrap_or(2048.0) as f64
}

/// Height of one line of text.
pub fn line_height(size: f64) -> f64 {
    ascent(size) + descent(size)
}

/// `s` shortened with a visible "…" until it is at most `max_w` wide.
pub fn fit(s: &str, size: f64, bold: bool, max_w: f64) -> String {
    if width(s, size, bold) <= max_w {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    // Binary search on the kept prefix length: width grows with the prefix.
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let cand: String = chars[..mid].iter().collect::<String>() + "…";
        if width(&cand, size, bold) <= max_w {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>() + "…"
}

/// Greedy word wrap to `max_w`; a single over-long word is elided.
pub fn wrap(s: &str, size: f64, bold: bool, max_w: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() { word.to_string() } else { format!("{cur} {word}") };
        if width(&cand, size, bold) <= max_w || cur.is_empty() {
            cur = cand;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines.into_iter().map(|l| fit(&l, size, bold, max_w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider_and_fit_respects_width() {
        assert!(width("WWWW", 12.0, false) > width("iiii", 12.0, false));
        assert!(width("abc", 12.0, true) > width("abc", 12.0, false));
        let long = "x".repeat(10_000);
        let f = fit(&long, 12.0, false, 100.0);
        assert!(width(&f, 12.0, false) <= 100.0);
        assert!(f.ends_with('…'));
        assert_eq!(fit("short", 12.0, false, 500.0), "short");
    }

    #[test]
    fn the_ascii_tables_agree_with_the_font() {
        for bold in [false, true] {
            let f = font(bold);
            let text = "VAWa Ty-Te prod · 10.0.0.0/16 ÄÖ \u{202e}x {}~";
            let pens: Vec<Pen> = pens(text, bold).collect();
            let chars: Vec<char> = text.chars().collect();
            assert_eq!(pens.len(), chars.len());
            for (i, p) in pens.iter().enumerate() {
                let g = f.glyph_id(chars[i]);
                assert_eq!((p.ch, p.glyph), (chars[i], g));
                assert_eq!(p.advance, f.h_advance_unscaled(g));
                let kern = if i == 0 { 0.0 } else { f.kern_unscaled(f.glyph_id(chars[i - 1]), g) };
                assert_eq!(p.kern, kern, "{:?}{:?}", chars.get(i.wrapping_sub(1)), chars[i]);
            }
            assert!(pens.iter().any(|p| p.kern != 0.0), "the sample has kerned pairs");
        }
    }
}
