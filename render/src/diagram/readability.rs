//! Readability figures of a page, measured on its scene: can a reader follow each
//! line and find its label? The tests hold the overview-level pages to them on the
//! demo and a generated 10k estate; `bench/readability.rs` prints them for 100k.
use std::collections::BTreeMap;

use super::scene::{Rect, Role, Scene};

/// An A0 sheet in diagram units (the long and short side, either orientation).
pub const A0_LONG: f64 = 3370.0;
pub const A0_SHORT: f64 = 2384.0;
/// Smallest text height a printed A0 page may carry.
pub const MIN_TEXT: f64 = 7.0;
/// A label is "at an end" when it sits within this much line (or the first/last
/// third of a short line) from one of its line's ends.
pub const LABEL_REACH: f64 = 160.0;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Readability {
    pub width: f64,
    pub height: f64,
    /// Smallest text size on the page (f64::MAX without text).
    pub min_text: f64,
    /// Length of line that runs on top of a line with neither end in common.
    pub shared_length: f64,
    /// Pairs of label chips that overlap.
    pub label_overlaps: usize,
    /// Labels not on their own line, or not near one of its ends.
    pub labels_astray: usize,
    /// Labels measured.
    pub labels: usize,
}

impl Readability {
    /// Fits an A0 sheet in either orientation.
    pub fn fits_a0(&self) -> bool {
        self.width.max(self.height) <= A0_LONG + 0.5 && self.width.min(self.height) <= A0_SHORT + 0.5
    }
    /// Every figure at its goal.
    pub fn is_clean(&self) -> bool {
        self.fits_a0()
            && self.min_text >= MIN_TEXT
            && self.shared_length < 0.5
            && self.label_overlaps == 0
            && self.labels_astray == 0
    }
}

/// (low end, high end, edge index) of an axis-parallel piece of line.
type Piece = (f64, f64, usize);

fn key(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

/// Measures `scene` (a framed page).
pub fn measure(scene: &Scene) -> Readability {
    // Legend samples and scope boundaries are not links.
    let edges: Vec<usize> = (0..scene.edges.len())
        .filter(|&i| !scene.edges[i].from.starts_with("legend:") && !scene.edges[i].from.starts_with("scope:"))
        .collect();
    // Axis-parallel pieces by the line they lie on: (horizontal?, coordinate) → (lo, hi, edge).
    let mut lines: BTreeMap<(bool, i64), Vec<Piece>> = BTreeMap::new();
    for &e in &edges {
        for w in scene.edges[e].points.windows(2) {
            let (p, q) = (w[0], w[1]);
            if (p.1 - q.1).abs() < 1e-6 {
                lines.entry((true, key(p.1))).or_default().push((p.0.min(q.0), p.0.max(q.0), e));
            } else if (p.0 - q.0).abs() < 1e-6 {
                lines.entry((false, key(p.0))).or_default().push((p.1.min(q.1), p.1.max(q.1), e));
            }
        }
    }
    let related = |a: usize, b: usize| {
        let (ea, eb) = (&scene.edges[a], &scene.edges[b]);
        a == b || ea.from == eb.from || ea.from == eb.to || ea.to == eb.from || ea.to == eb.to
    };
    let mut shared_length = 0.0;
    for segs in lines.values_mut() {
        segs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        // Sweep: pieces still open at each start.
        let mut open: Vec<Piece> = Vec::new();
        for &(lo, hi, e) in segs.iter() {
            open.retain(|o| o.1 > lo);
            for o in &open {
                if !related(o.2, e) {
                    shared_length += (o.1.min(hi) - lo).max(0.0);
                }
            }
            open.push((lo, hi, e));
        }
    }

    let chips: Vec<Rect> = scene.boxes.iter().filter(|b| b.role == Role::Chip).map(|b| b.rect).collect();
    let mut by_x: Vec<&Rect> = chips.iter().collect();
    by_x.sort_by(|a, b| a.x.total_cmp(&b.x));
    let mut label_overlaps = 0;
    for (i, a) in by_x.iter().enumerate() {
        for b in &by_x[i + 1..] {
            if b.x >= a.right() {
                break;
            }
            if a.overlaps(b) {
                label_overlaps += 1;
            }
        }
    }

    let mut labels = 0;
    let mut labels_astray = 0;
    for &e in &edges {
        let edge = &scene.edges[e];
        let Some(chip) = edge.label.and_then(|b| scene.boxes.get(b)) else { continue };
        labels += 1;
        if !label_at_an_end(&edge.points, &chip.rect) {
            labels_astray += 1;
        }
    }
    let min_text = scene.texts.iter().map(|t| t.size).fold(f64::MAX, f64::min);
    Readability {
        width: scene.width,
        height: scene.height,
        min_text,
        shared_length,
        label_overlaps,
        labels_astray,
        labels,
    }
}

/// The chip touches its line within `LABEL_REACH` (or a third of the line) of an end.
fn label_at_an_end(points: &[(f64, f64)], chip: &Rect) -> bool {
    let lens: Vec<f64> = points.windows(2).map(|w| (w[1].0 - w[0].0).abs() + (w[1].1 - w[0].1).abs()).collect();
    let total: f64 = lens.iter().sum();
    let reach = LABEL_REACH.max(total / 3.0);
    let near = chip.inflate(1.0);
    let mut along = 0.0;
    for (w, len) in points.windows(2).zip(&lens) {
        // Where along this piece the chip first touches it, if it does.
        let (p, q) = (w[0], w[1]);
        if super::layout::route::segment_crosses(p, q, &near) || touches(p, q, &near) {
            let t = if (p.1 - q.1).abs() < 1e-6 {
                let x = if q.0 >= p.0 { near.x.max(p.0) } else { near.right().min(p.0) };
                (x - p.0).abs()
            } else {
                let y = if q.1 >= p.1 { near.y.max(p.1) } else { near.bottom().min(p.1) };
                (y - p.1).abs()
            };
            let from_start = along + t;
            // The chip spans some line: measure to its far side from the end too.
            let from_end = total - from_start - chip.w.max(chip.h);
            if from_start <= reach || from_end <= reach {
                return true;
            }
        }
        along += len;
    }
    false
}

/// Segment p→q (axis-parallel) meets `r`, borders included.
fn touches(p: (f64, f64), q: (f64, f64), r: &Rect) -> bool {
    let (x0, x1) = (p.0.min(q.0), p.0.max(q.0));
    let (y0, y1) = (p.1.min(q.1), p.1.max(q.1));
    x0 <= r.right() && x1 >= r.x && y0 <= r.bottom() && y1 >= r.y
}

impl std::fmt::Display for Readability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0} × {:.0}{} · min text {:.1} · shared line {:.0} · label overlaps {} · labels astray {}/{}",
            self.width,
            self.height,
            if self.fits_a0() { " (≤ A0)" } else { " (> A0)" },
            if self.min_text == f64::MAX { 0.0 } else { self.min_text },
            self.shared_length,
            self.label_overlaps,
            self.labels_astray,
            self.labels
        )
    }
}
