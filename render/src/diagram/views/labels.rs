//! Edge label chips: placed on the longest segment of their line, slid along it
//! until they collide with no other chip or box.
use super::super::font::metrics;
use super::super::scene::{Anchor, Rect, Role, Scene};
use super::super::style;

const SIZE: f64 = 8.5;

/// Adds a label chip for edge `e` and links it. `avoid` holds boxes chips must not cover.
pub fn place(scene: &mut Scene, e: usize, text: &str, avoid: &mut Vec<Rect>) {
    let pts = scene.edges[e].points.clone();
    if pts.len() < 2 || text.is_empty() {
        return;
    }
    let t = super::super::scene::clean(text);
    let w = (metrics::width(&t, SIZE, false) + 8.0).min(340.0);
    let h = metrics::line_height(SIZE) + 4.0;
    // Segments longest first; candidate positions along each.
    let mut segs: Vec<usize> = (0..pts.len() - 1).collect();
    let len = |i: usize| (pts[i + 1].0 - pts[i].0).abs() + (pts[i + 1].1 - pts[i].1).abs();
    segs.sort_by(|a, b| len(*b).total_cmp(&len(*a)).then(a.cmp(b)));
    let mut chosen = None;
    'outer: for &s in &segs {
        for f in [0.5, 0.3, 0.7, 0.15, 0.85] {
            let cx = pts[s].0 + (pts[s + 1].0 - pts[s].0) * f;
            let cy = pts[s].1 + (pts[s + 1].1 - pts[s].1) * f;
            let r = Rect::new(cx - w / 2.0, cy - h / 2.0, w, h);
            if !avoid.iter().any(|a| a.overlaps(&r)) {
                chosen = Some(r);
                break 'outer;
            }
        }
    }
    let r = chosen.unwrap_or_else(|| {
        let s = segs[0];
        let (cx, cy) = ((pts[s].0 + pts[s + 1].0) / 2.0, (pts[s].1 + pts[s + 1].1) / 2.0);
        Rect::new(cx - w / 2.0, cy - h / 2.0, w, h)
    });
    avoid.push(r);
    let id = format!("label:{}:{}", scene.edges[e].from, scene.edges[e].to);
    let b = scene.add_box(&id, Role::Chip, r, None, style::chip());
    scene.add_text(
        Some(b),
        r.cx(),
        r.y + 2.0 + metrics::ascent(SIZE),
        &t,
        SIZE,
        false,
        style::INK,
        Anchor::Middle,
        w - 6.0,
    );
    scene.edges[e].label = Some(b);
}
