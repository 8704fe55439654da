//! Glyph placement shared by the PNG and PDF writers: the same advances and kerning
//! `font::metrics` measured with, so text lands exactly where the layout fitted it.
use ab_glyph::{Font, GlyphId, OutlineCurve};

use crate::diagram::font::metrics;
use crate::diagram::scene::{Anchor, SceneText};

/// One glyph of a text run: which glyph, and its pen position in page units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub glyph: GlyphId,
    pub ch: char,
    /// Pen x of the glyph origin (the baseline is the text's `y`).
    pub x: f64,
}

/// Page units per font unit at `size`.
pub fn scale(size: f64, bold: bool) -> f64 {
    size / units_per_em(bold)
}

pub fn units_per_em(bold: bool) -> f64 {
    metrics::font(bold).units_per_em().unwrap_or(2048.0) as f64
}

/// Glyphs of `t` left to right, positioned with advances + kerning from its anchor.
pub fn place(t: &SceneText) -> Vec<Placed> {
    let k = scale(t.size, t.bold);
    let mut x = match t.anchor {
        Anchor::Start => t.x,
        Anchor::Middle => t.x - t.width / 2.0,
    };
    let mut out = Vec::with_capacity(t.text.len());
    for p in metrics::pens(&t.text, t.bold) {
        x += p.kern as f64 * k;
        out.push(Placed { glyph: p.glyph, ch: p.ch, x });
        x += p.advance as f64 * k;
    }
    out
}

/// Advance of one glyph in font units.
pub fn advance_units(glyph: GlyphId, bold: bool) -> f64 {
    metrics::font(bold).h_advance_unscaled(glyph) as f64
}

/// A glyph outline in font units, y up (as stored in the font); empty for blanks.
pub fn outline(glyph: GlyphId, bold: bool) -> Vec<OutlineCurve> {
    metrics::font(bold).outline(glyph).map(|o| o.curves).unwrap_or_default()
}

/// Whether two consecutive curves are disconnected (a new contour starts).
pub fn starts_contour(prev_end: Option<ab_glyph::Point>, curve: &OutlineCurve) -> bool {
    match prev_end {
        None => true,
        Some(p) => {
            let s = curve_start(curve);
            (p.x - s.x).abs() > 1e-3 || (p.y - s.y).abs() > 1e-3
        }
    }
}

pub fn curve_start(c: &OutlineCurve) -> ab_glyph::Point {
    match c {
        OutlineCurve::Line(p, _) | OutlineCurve::Quad(p, _, _) | OutlineCurve::Cubic(p, _, _, _) => *p,
    }
}

pub fn curve_end(c: &OutlineCurve) -> ab_glyph::Point {
    match c {
        OutlineCurve::Line(_, p) | OutlineCurve::Quad(_, _, p) | OutlineCurve::Cubic(_, _, _, p) => *p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::scene::Scene;

    #[test]
    fn placement_matches_measured_width_and_anchor() {
        let mut s = Scene::new("t");
        s.add_text(None, 100.0, 50.0, "VAWa prod-web", 12.0, false, "#000", Anchor::Middle, 1000.0);
        let t = &s.texts[0];
        let g = place(t);
        assert_eq!(g.len(), t.text.chars().count());
        assert!((g[0].x - (100.0 - t.width / 2.0)).abs() < 1e-9);
        let last = g.last().unwrap();
        let end = last.x + advance_units(last.glyph, false) * scale(12.0, false);
        assert!((end - (100.0 + t.width / 2.0)).abs() < 1e-6, "{end} vs {}", 100.0 + t.width / 2.0);
        assert!(g.windows(2).all(|w| w[1].x > w[0].x));
        assert!(!outline(g[0].glyph, false).is_empty(), "V has an outline");
        assert!(outline(g[4].glyph, false).is_empty(), "space has none");
    }
}
