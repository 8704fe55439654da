//! Grid-and-lanes layout for the organisation and account pages: nodes in a
//! grid, every link on tracks of its own. Each link end has its own port on its
//! node's bottom; a link runs down into the channel under its row on a track no
//! other link uses, along a vertical lane of its own in the gutter next to the
//! other end's column, and along its own track under the other end's row. So two
//! links never run on the same piece of line (they may cross), by construction,
//! and a label sits on its link's first track right beside its own end: tracks
//! are a label's height apart, so labels never overlap.
use crate::diagram::scene::Rect;

/// Gap between adjacent vertical lanes in a gutter.
const LANE_GAP: f64 = 7.0;
/// Clear space round the grid cells (gutters and channels never shrink below it).
const PAD: f64 = 14.0;
/// Least distance between two ports on one node.
const PORT_GAP: f64 = 8.0;

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

/// Lays out `sizes` (w, h) in reading order on `cols` columns and routes `links`
/// (a == b is not allowed: callers drop self links). `label_h` is the chip height;
/// tracks are that far apart plus a gap.
pub fn layout(sizes: &[(f64, f64)], cols: usize, links: &[Link], label_h: f64) -> Placed {
    let n = sizes.len();
    let cols = cols.clamp(1, n.max(1));
    let rows = n.div_ceil(cols);
    let cell = |i: usize| (i / cols, i % cols);
    let track_gap = label_h + 3.0;

    // Ports: each node's ends sorted by where the other end lies, so lines leave
    // towards their destination and cross less.
    let mut ends: Vec<Vec<(usize, usize, usize, bool)>> = vec![Vec::new(); n];
    for (k, l) in links.iter().enumerate() {
        if l.a >= n || l.b >= n || l.a == l.b {
            continue;
        }
        let (rb, cb) = cell(l.b);
        let (ra, ca) = cell(l.a);
        ends[l.a].push((cb, rb, k, true));
        ends[l.b].push((ca, ra, k, false));
    }
    for e in &mut ends {
        e.sort();
    }
    // Nodes widen to fit their ports.
    let sizes: Vec<(f64, f64)> =
        sizes.iter().enumerate().map(|(i, &(w, h))| (w.max((ends[i].len() + 1) as f64 * PORT_GAP), h)).collect();

    // Which channels and gutters each link uses, and its track/lane there.
    // Row channel r lies under row r; gutter c lies left of column c (gutter `cols`
    // is right of the last column).
    let mut tracks: Vec<Vec<usize>> = vec![Vec::new(); rows];
    let mut lanes: Vec<Vec<usize>> = vec![Vec::new(); cols + 1];
    for (k, l) in links.iter().enumerate() {
        if l.a >= n || l.b >= n || l.a == l.b {
            continue;
        }
        let ((ra, ca), (rb, cb)) = (cell(l.a), cell(l.b));
        tracks[ra].push(k);
        if ra != rb {
            tracks[rb].push(k);
            // The lane runs beside b's column, on the side a comes from.
            let g = if ca < cb { cb } else { cb + 1 };
            lanes[g].push(k);
        }
    }
    let col_w: Vec<f64> =
        (0..cols).map(|c| (0..rows).filter_map(|r| sizes.get(r * cols + c)).map(|s| s.0).fold(0.0, f64::max)).collect();
    let row_h: Vec<f64> =
        (0..rows).map(|r| (0..cols).filter_map(|c| sizes.get(r * cols + c)).map(|s| s.1).fold(0.0, f64::max)).collect();
    let gutter_w: Vec<f64> = lanes.iter().map(|l| 2.0 * PAD + l.len() as f64 * LANE_GAP).collect();
    let channel_h: Vec<f64> = tracks.iter().map(|t| 2.0 * PAD + t.len() as f64 * track_gap).collect();

    let mut col_x = Vec::with_capacity(cols);
    let mut x = 0.0;
    for c in 0..cols {
        x += gutter_w[c];
        col_x.push(x);
        x += col_w[c];
    }
    let width = x + gutter_w[cols];
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
        .map(|(i, &(w, h))| {
            let (r, c) = cell(i);
            // Centred in its column, top-aligned in its row.
            Rect::new(col_x[c] + (col_w[c] - w) / 2.0, row_y[r], w, h)
        })
        .collect();

    // Port x of every link end.
    let mut port_x = vec![(0.0, 0.0); links.len()];
    for (i, e) in ends.iter().enumerate() {
        let r = rects[i];
        for (j, &(_, _, k, is_a)) in e.iter().enumerate() {
            let x = r.x + r.w * (j + 1) as f64 / (e.len() + 1) as f64;
            if is_a {
                port_x[k].0 = x;
            } else {
                port_x[k].1 = x;
            }
        }
    }
    let mut lane_x = vec![0.0; links.len()];
    for (g, ls) in lanes.iter().enumerate() {
        let x0 = if g == 0 { 0.0 } else { col_x[g - 1] + col_w[g - 1] };
        for (t, &k) in ls.iter().enumerate() {
            lane_x[k] = x0 + PAD + LANE_GAP / 2.0 + t as f64 * LANE_GAP;
        }
    }
    // Track y per (link, row channel): shorter horizontal runs nearer the nodes, so
    // fewer ports drop across them.
    let mut track_y: Vec<[f64; 2]> = vec![[0.0; 2]; links.len()];
    for (r, ts) in tracks.iter_mut().enumerate() {
        let span = |k: usize| {
            let (ra, rb) = (cell(links[k].a).0, cell(links[k].b).0);
            let (xa, xb) = port_x[k];
            match (ra == rb, ra == r) {
                (true, _) => (xa - xb).abs(),
                (false, true) => (xa - lane_x[k]).abs(),
                (false, false) => (xb - lane_x[k]).abs(),
            }
        };
        ts.sort_by(|&p, &q| span(p).total_cmp(&span(q)).then(p.cmp(&q)));
        let base = row_y[r] + row_h[r] + PAD + track_gap / 2.0;
        for (t, &k) in ts.iter().enumerate() {
            let y = base + t as f64 * track_gap;
            let ra = cell(links[k].a).0;
            track_y[k][if ra == r { 0 } else { 1 }] = y;
        }
    }

    let mut paths = Vec::with_capacity(links.len());
    let mut labels = Vec::with_capacity(links.len());
    for (k, l) in links.iter().enumerate() {
        if l.a >= n || l.b >= n || l.a == l.b {
            paths.push(Vec::new());
            labels.push(None);
            continue;
        }
        let ((ra, _), (rb, _)) = (cell(l.a), cell(l.b));
        let (xa, xb) = port_x[k];
        let (ya, yb) = (rects[l.a].bottom(), rects[l.b].bottom());
        let ta = track_y[k][0];
        let pts = if ra == rb {
            vec![(xa, ya), (xa, ta), (xb, ta), (xb, yb)]
        } else {
            let tb = track_y[k][1];
            let lx = lane_x[k];
            vec![(xa, ya), (xa, ta), (lx, ta), (lx, tb), (xb, tb), (xb, yb)]
        };
        // The label starts just past a's port, on the first track, heading the way the line goes.
        let label = (l.label_w > 0.0).then(|| {
            let towards = pts[2].0;
            let x = if towards >= xa { xa + 4.0 } else { xa - 4.0 - l.label_w };
            Rect::new(x, ta - label_h / 2.0, l.label_w, label_h)
        });
        paths.push(super::route::simplify(pts));
        labels.push(label);
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
