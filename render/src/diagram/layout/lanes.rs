//! Grid-and-lanes layout for the organisation and account pages: nodes in a
//! grid, links in the channels between them. Each link end has its own port on
//! its node's bottom; a link runs down into the channel under its row to a track,
//! along a vertical lane in the gutter next to the other end's column, and along
//! a track under the other end's row. Links share a track (or lane) only where
//! their stretches of it lie apart, with a gap (left-edge channel packing), so two
//! links never run on the same piece of line (they may cross), by construction.
//! A label sits on its link's first track right beside its own end, and its
//! extent counts as part of the link's stretch: labels never overlap.
use crate::diagram::scene::Rect;

/// Gap between adjacent vertical lanes in a gutter.
const LANE_GAP: f64 = 7.0;
/// Clear space round the grid cells (gutters and channels never shrink below it).
const PAD: f64 = 14.0;
/// Least distance between two ports on one node.
const PORT_GAP: f64 = 8.0;
/// Least gap between two links' stretches on one track.
const TRACK_SEP: f64 = 10.0;
/// Half the spacing an unlabelled track needs from its neighbours.
const BARE_HALF: f64 = 3.5;

/// One link between nodes `a` and `b` (indices into the node list); the label,
/// if any, sits next to `a`.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    /// Label chip width (0: no label).
    pub label_w: f64,
}

#[derive(Debug, Clone)]
pub struct Placed {
    pub rects: Vec<Rect>,
    /// Orthogonal polyline per link, from `a`'s border to `b`'s border.
    pub paths: Vec<Vec<(f64, f64)>>,
    /// Label chip per link (None when the link has no label).
    pub labels: Vec<Option<Rect>>,
    pub width: f64,
    pub height: f64,
}

/// Left-edge packing: gives each interval (lo, hi, key) a slot such that the
/// intervals in one slot are apart by more than `sep`. Returns slot per key and slot count.
fn pack(mut items: Vec<(f64, f64, usize)>, sep: f64) -> (Vec<(usize, usize)>, usize) {
    items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ends: Vec<f64> = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    for (lo, hi, k) in items {
        let slot = match ends.iter().position(|e| *e + sep < lo) {
            Some(s) => s,
            None => {
                ends.push(f64::MIN);
                ends.len() - 1
            }
        };
        ends[slot] = hi;
        out.push((k, slot));
    }
    (out, ends.len())
}

/// Lays out `sizes` (w, h) in reading order on `cols` columns and routes `links`
/// (a == b is not allowed: callers drop self links). `label_h` is the chip height.
pub fn layout(sizes: &[(f64, f64)], cols: usize, links: &[Link], label_h: f64) -> Placed {
    let n = sizes.len();
    let cols = cols.clamp(1, n.max(1));
    let rows = n.div_ceil(cols);
    let cell = |i: usize| (i / cols, i % cols);
    let ok = |l: &Link| l.a < n && l.b < n && l.a != l.b;

    // Ports: each node's ends sorted by where the other end lies, so lines leave
    // towards their destination and cross less.
    let mut ends: Vec<Vec<(usize, usize, usize, bool)>> = vec![Vec::new(); n];
    for (k, l) in links.iter().enumerate().filter(|(_, l)| ok(l)) {
        let ((ra, ca), (rb, cb)) = (cell(l.a), cell(l.b));
        ends[l.a].push((cb, rb, k, true));
        ends[l.b].push((ca, ra, k, false));
    }
    for e in &mut ends {
        e.sort();
    }
    // Nodes widen to fit their ports.
    let sizes: Vec<(f64, f64)> =
        sizes.iter().enumerate().map(|(i, &(w, h))| (w.max((ends[i].len() + 1) as f64 * PORT_GAP), h)).collect();

    // Lanes: a link between rows runs beside b's column, on the side a comes from
    // (gutter c lies left of column c; gutter `cols` right of the last). Links
    // share a lane when the channels they span do not meet.
    let mut by_gutter: Vec<Vec<(f64, f64, usize)>> = vec![Vec::new(); cols + 1];
    for (k, l) in links.iter().enumerate().filter(|(_, l)| ok(l)) {
        let ((ra, ca), (rb, cb)) = (cell(l.a), cell(l.b));
        if ra != rb {
            let g = if ca < cb { cb } else { cb + 1 };
            by_gutter[g].push((ra.min(rb) as f64, ra.max(rb) as f64, k));
        }
    }
    let mut lane_slot = vec![(usize::MAX, 0usize); links.len()];
    let mut gutter_w = Vec::with_capacity(cols + 1);
    for (g, items) in by_gutter.into_iter().enumerate() {
        let (slots, count) = pack(items, 0.0);
        for (k, s) in slots {
            lane_slot[k] = (g, s);
        }
        gutter_w.push(2.0 * PAD + count as f64 * LANE_GAP);
    }
    let col_w: Vec<f64> =
        (0..cols).map(|c| (0..rows).filter_map(|r| sizes.get(r * cols + c)).map(|s| s.0).fold(0.0, f64::max)).collect();
    let row_h: Vec<f64> =
        (0..rows).map(|r| (0..cols).filter_map(|c| sizes.get(r * cols + c)).map(|s| s.1).fold(0.0, f64::max)).collect();
    let mut col_x = Vec::with_capacity(cols);
    let mut x = 0.0;
    for c in 0..cols {
        x += gutter_w[c];
        col_x.push(x);
        x += col_w[c];
    }
    let width = x + gutter_w[cols];
    // Centred in its column; y comes once the channels are packed.
    let node_x: Vec<f64> =
        sizes.iter().enumerate().map(|(i, s)| col_x[cell(i).1] + (col_w[cell(i).1] - s.0) / 2.0).collect();
    let mut port_x = vec![(0.0, 0.0); links.len()];
    for (i, e) in ends.iter().enumerate() {
        for (j, &(_, _, k, is_a)) in e.iter().enumerate() {
            let x = node_x[i] + sizes[i].0 * (j + 1) as f64 / (e.len() + 1) as f64;
            if is_a {
                port_x[k].0 = x;
            } else {
                port_x[k].1 = x;
            }
        }
    }
    let mut lane_x = vec![0.0; links.len()];
    for (k, &(g, s)) in lane_slot.iter().enumerate() {
        if g != usize::MAX {
            let x0 = if g == 0 { 0.0 } else { col_x[g - 1] + col_w[g - 1] };
            lane_x[k] = x0 + PAD + LANE_GAP / 2.0 + s as f64 * LANE_GAP;
        }
    }
    // Where a's label goes along its first track: just past the port, the way the line heads.
    let label_span = |k: usize| -> Option<(f64, f64)> {
        let l = &links[k];
        if l.label_w <= 0.0 {
            return None;
        }
        let xa = port_x[k].0;
        let towards = if cell(l.a).0 == cell(l.b).0 { port_x[k].1 } else { lane_x[k] };
        Some(if towards >= xa { (xa + 4.0, xa + 4.0 + l.label_w) } else { (xa - 4.0 - l.label_w, xa - 4.0) })
    };

    // Tracks: per row channel, each link's stretch (with its label) packed; labelled
    // stretches first, so labels sit on the shallow tracks near their ends.
    // Slot per (link, end): index 0 for a's channel, 1 for b's.
    let mut track_of: Vec<[usize; 2]> = vec![[usize::MAX; 2]; links.len()];
    let mut channel_h = Vec::with_capacity(rows);
    let mut track_off: Vec<Vec<f64>> = Vec::with_capacity(rows);
    for r in 0..rows {
        let mut labelled = Vec::new();
        let mut bare = Vec::new();
        for (k, l) in links.iter().enumerate().filter(|(_, l)| ok(l)) {
            let (ra, rb) = (cell(l.a).0, cell(l.b).0);
            let (xa, xb) = port_x[k];
            if ra == r {
                let other = if ra == rb { xb } else { lane_x[k] };
                let (mut lo, mut hi) = (xa.min(other), xa.max(other));
                let label = label_span(k);
                if let Some((l0, l1)) = label {
                    lo = lo.min(l0);
                    hi = hi.max(l1);
                }
                if label.is_some() { &mut labelled } else { &mut bare }.push((lo, hi, 2 * k));
            }
            if rb == r && ra != rb {
                bare.push((xb.min(lane_x[k]), xb.max(lane_x[k]), 2 * k + 1));
            }
        }
        let (slots_l, count_l) = pack(labelled, TRACK_SEP);
        let (slots_b, count_b) = pack(bare, TRACK_SEP);
        let count = count_l + count_b;
        let half: Vec<f64> = (0..count).map(|t| if t < count_l { label_h / 2.0 + 1.5 } else { BARE_HALF }).collect();
        for (key, s) in slots_l.into_iter().chain(slots_b.into_iter().map(|(key, s)| (key, s + count_l))) {
            track_of[key / 2][key % 2] = s;
        }
        let mut off = Vec::with_capacity(count);
        let mut y = PAD;
        for h in &half {
            y += h;
            off.push(y);
            y += h;
        }
        channel_h.push(y + PAD);
        track_off.push(off);
    }
    let mut row_y = Vec::with_capacity(rows);
    let mut y = 0.0;
    for r in 0..rows {
        row_y.push(y);
        y += row_h[r] + channel_h[r];
    }
    let height = y;
    let rects: Vec<Rect> = sizes
        .iter()
        .enumerate()
        // Bottom-aligned in the row: every port drops from the same line, so labels
        // stay close to their ends.
        .map(|(i, &(w, h))| Rect::new(node_x[i], row_y[cell(i).0] + row_h[cell(i).0] - h, w, h))
        .collect();
    let track_y = |r: usize, t: usize| row_y[r] + row_h[r] + track_off[r][t];

    let mut paths = Vec::with_capacity(links.len());
    let mut labels = Vec::with_capacity(links.len());
    for (k, l) in links.iter().enumerate() {
        if !ok(l) {
            paths.push(Vec::new());
            labels.push(None);
            continue;
        }
        let ((ra, _), (rb, _)) = (cell(l.a), cell(l.b));
        let (xa, xb) = port_x[k];
        let (ya, yb) = (rects[l.a].bottom(), rects[l.b].bottom());
        let ta = track_y(ra, track_of[k][0]);
        let pts = if ra == rb {
            vec![(xa, ya), (xa, ta), (xb, ta), (xb, yb)]
        } else {
            let tb = track_y(rb, track_of[k][1]);
            let lx = lane_x[k];
            vec![(xa, ya), (xa, ta), (lx, ta), (lx, tb), (xb, tb), (xb, yb)]
        };
        labels.push(label_span(k).map(|(x0, x1)| Rect::new(x0, ta - label_h / 2.0, x1 - x0, label_h)));
        paths.push(super::route::simplify(pts));
    }
    Placed { rects, paths, labels, width, height }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Total length two axis-parallel polylines run on top of each other.
    fn shared(p: &[(f64, f64)], q: &[(f64, f64)]) -> f64 {
        let mut s = 0.0;
        for a in p.windows(2) {
            for b in q.windows(2) {
                if a[0].0 == a[1].0 && b[0].0 == b[1].0 && (a[0].0 - b[0].0).abs() < 1e-6 {
                    let (a0, a1) = (a[0].1.min(a[1].1), a[0].1.max(a[1].1));
                    let (b0, b1) = (b[0].1.min(b[1].1), b[0].1.max(b[1].1));
                    s += (a1.min(b1) - a0.max(b0)).max(0.0);
                } else if a[0].1 == a[1].1 && b[0].1 == b[1].1 && (a[0].1 - b[0].1).abs() < 1e-6 {
                    let (a0, a1) = (a[0].0.min(a[1].0), a[0].0.max(a[1].0));
                    let (b0, b1) = (b[0].0.min(b[1].0), b[0].0.max(b[1].0));
                    s += (a1.min(b1) - a0.max(b0)).max(0.0);
                }
            }
        }
        s
    }

    #[test]
    fn links_never_share_a_segment_and_labels_never_overlap() {
        let sizes: Vec<(f64, f64)> =
            (0..11).map(|i| (120.0 + (i % 3) as f64 * 20.0, 60.0 + (i % 2) as f64 * 15.0)).collect();
        let mut links = Vec::new();
        for a in 0..11 {
            for b in 0..11 {
                if a != b && (a * 7 + b * 3) % 4 == 0 {
                    links.push(Link { a, b, label_w: 60.0 });
                }
            }
        }
        let p = layout(&sizes, 4, &links, 12.0);
        for i in 0..links.len() {
            assert_eq!(p.paths[i].first().map(|x| x.1), Some(p.rects[links[i].a].bottom()));
            assert_eq!(p.paths[i].last().map(|x| x.1), Some(p.rects[links[i].b].bottom()));
            for j in i + 1..links.len() {
                assert_eq!(shared(&p.paths[i], &p.paths[j]), 0.0, "links {i} and {j}");
                let (Some(a), Some(b)) = (p.labels[i], p.labels[j]) else { continue };
                assert!(!a.overlaps(&b), "labels {i} and {j}");
            }
        }
        for (i, a) in p.rects.iter().enumerate() {
            for b in &p.rects[i + 1..] {
                assert!(!a.overlaps(b));
            }
            // No line crosses a node.
            for path in &p.paths {
                for w in path.windows(2) {
                    assert!(!super::super::route::segment_crosses(w[0], w[1], a));
                }
            }
        }
    }
}
