//! Text measurement with real glyph advances (ab_glyph over the embedded font).
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};

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
    /// the same pairs thousands of times on a big estate.
    static KERN: std::cell::RefCell<std::collections::HashMap<(bool, u16, u16), f32>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Kerning between two glyphs in font units (cached per thread).
pub(crate) fn kern_units(bold: bool, a: ab_glyph::GlyphId, b: ab_glyph::GlyphId) -> f32 {
    KERN.with(|k| {
        let mut k = k.borrow_mut();
        // Hostile names can bring any number of distinct pairs: keep the cache bounded.
        if k.len() > 1_000_000 {
            k.clear();
        }
        *k.entry((bold, a.0, b.0)).or_insert_with(|| font(bold).kern_unscaled(a, b))
    })
}

/// Advance width of `s` at `size` px, with kerning.
pub fn width(s: &str, size: f64, bold: bool) -> f64 {
    let f = font(bold);
    let upem = f.units_per_em().unwrap_or(2048.0) as f64;
    let mut w = 0.0f64;
    let mut prev = None;
    for c in s.chars() {
        let g = f.glyph_id(c);
        if let Some(p) = prev {
            w += kern_units(bold, p, g) as f64;
        }
        w += f.h_advance_unscaled(g) as f64;
        prev = Some(g);
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
}
