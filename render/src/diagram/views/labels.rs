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
    let (w, h) = size(&t);
    // Segments longest first; candidate positions along each.
    let mut segs: Vec<usize> = (0..pts.len() - 1).collect();
    let len = |i: usize| (pts[i + 1].0 - pts[i].0).abs() + (pts[i + 1].1 - pts[i].1).abs();
    segs.sort_by(|a, b| len(*b).total_cmp(&len(*a)).then(a.cmp(b)));
    let at = |s: usize, f: f64, off: f64| {
        let (dx, dy) = (pts[s + 1].0 - pts[s].0, pts[s + 1].1 - pts[s].1);
        let (cx, cy) = (pts[s].0 + dx * f, pts[s].1 + dy * f);
        // Offsets move across the segment: vertically on a horizontal one, and so on.
        let (ox, oy) = if dx.abs() >= dy.abs() { (0.0, off) } else { (off, 0.0) };
        Rect::new(cx + ox - w / 2.0, cy + oy - h / 2.0, w, h)
    };
    let free = |r: &Rect| r.x >= 0.0 && r.y >= 0.0 && !avoid.iter().any(|a| a.overlaps(r));
    // On the line first (preferred spots, then a finer sweep), then beside it, further
    // out step by step: a chip never covers another chip or a box.
    let on_line = segs.iter().flat_map(|&s| {
        [0.5, 0.3, 0.7, 0.15, 0.85].into_iter().chain((1..20).map(|i| i as f64 * 0.05)).map(move |f| (s, f, 0.0))
    });
    let beside = (1..200).flat_map(|k| {
        let off = (h + 2.0) * k as f64;
        segs.iter().flat_map(move |&s| [0.5, 0.3, 0.7].into_iter().flat_map(move |f| [(s, f, off), (s, f, -off)]))
    });
    let r = on_line
        .chain(beside)
        .map(|(s, f, off)| at(s, f, off))
        .find(|r| free(r))
        .unwrap_or_else(|| at(segs[0], 0.5, 0.0));
    avoid.push(r);
    attach(scene, e, &t, r);
}

/// The chip size of a label text (cleaned by the caller).
pub fn size(text: &str) -> (f64, f64) {
    ((metrics::width(text, SIZE, false) + 8.0).min(340.0), metrics::line_height(SIZE) + 4.0)
}

/// Adds the label chip `r` of edge `e` with its (cleaned) text `t`, fitted to it.
pub fn attach(scene: &mut Scene, e: usize, t: &str, r: Rect) {
    let id = format!("label:{}:{}", scene.edges[e].from, scene.edges[e].to);
    let b = scene.add_box(&id, Role::Chip, r, None, style::chip());
    scene.add_text(
        Some(b),
        r.cx(),
        r.y + 2.0 + metrics::ascent(SIZE),
        t,
        SIZE,
        false,
        style::INK,
        Anchor::Middle,
        r.w - 6.0,
    );
    scene.edges[e].label = Some(b);
}
