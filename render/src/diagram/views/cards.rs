//! Boxes of text lines (VPC cards, account boxes, hubs): measuring and drawing them.
use super::super::font::metrics;
use super::super::scene::{clean, Anchor, Rect, Scene};

/// (text, size, bold, colour).
pub type TextLine = (String, f64, bool, &'static str);

/// Size of a box holding `lines`, its width clamped to [min_w, max_w].
pub fn measure(lines: &[TextLine], min_w: f64, max_w: f64) -> (f64, f64) {
    let w = lines.iter().map(|l| metrics::width(&clean(&l.0), l.1, l.2)).fold(0.0, f64::max) + 20.0;
    let h = lines.iter().map(|l| metrics::line_height(l.1) + 3.0).sum::<f64>() + 12.0;
    (w.clamp(min_w, max_w), h)
}

/// Draws `lines` into box `owner` (rect `r`) from `top` down, left-aligned or centred.
pub fn draw_lines(scene: &mut Scene, owner: usize, r: Rect, top: f64, lines: &[TextLine], centred: bool) {
    let mut y = r.y + top;
    for (t, size, bold, color) in lines {
        y += metrics::ascent(*size);
        if centred {
            scene.add_text(Some(owner), r.cx(), y, t, *size, *bold, color, Anchor::Middle, r.w - 12.0);
        } else {
            scene.add_text(Some(owner), r.x + 10.0, y, t, *size, *bold, color, Anchor::Start, r.w - 20.0);
        }
        y += metrics::descent(*size) + 3.0;
    }
}
