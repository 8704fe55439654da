//! Orthogonal edge routing around boxes: A* over the sparse grid made of every
//! obstacle border (inflated by a margin) and every port, with a bend penalty.
//! Lines may cross container borders but never a leaf box. Deterministic: ties
//! break on state index.
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::diagram::scene::Rect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Top,
    Bottom,
    Left,
    Right,
}

impl Side {
    fn normal(self) -> (f64, f64) {
        match self {
            Side::Top => (0.0, -1.0),
            Side::Bottom => (0.0, 1.0),
            Side::Left => (-1.0, 0.0),
            Side::Right => (1.0, 0.0),
        }
    }
}

/// A point on a box border where a line attaches, and which way it leaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Port {
    pub x: f64,
    pub y: f64,
    pub side: Side,
}

impl Port {
    pub fn of(r: &Rect, side: Side) -> Port {
        match side {
            Side::Top => Port { x: r.cx(), y: r.y, side },
            Side::Bottom => Port { x: r.cx(), y: r.bottom(), side },
            Side::Left => Port { x: r.x, y: r.cy(), side },
            Side::Right => Port { x: r.right(), y: r.cy(), side },
        }
    }
    fn stub(&self, m: f64) -> (f64, f64) {
        let (nx, ny) = self.side.normal();
        (self.x + nx * m, self.y + ny * m)
    }
}

pub struct Router {
    margin: f64,
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// Horizontal segment (i → i+1) on row j blocked: index j * (nx-1) + i.
    h_block: Vec<bool>,
    /// Vertical segment (j → j+1) on column i blocked: index i * (ny-1) + j.
    v_block: Vec<bool>,
    /// Routes that fell back to a plain dog-leg (may cross boxes).
    pub fallbacks: std::cell::Cell<usize>,
    /// Grid segments earlier routes run on (same indexing as the blocks): a later
    /// line pays to run on them, so unrelated lines take their own tracks.
    /// Only with `separating` (the overview); other pages route as before.
    separate: bool,
    h_used: std::cell::RefCell<Vec<bool>>,
    v_used: std::cell::RefCell<Vec<bool>>,
    /// Search work (grid states allocated + expanded) left for this page. Bounds a
    /// huge page's routing time; once spent, lines become dog-legs (counted above).
    budget: std::cell::Cell<u64>,
}

const BEND: u64 = 40 * SCALE;
/// Extra cost per unit of running on a segment another line already uses: a long
/// detour beats a shared stretch a reader cannot follow.
const SHARED: u64 = 30 * SCALE;
/// Largest window (grid points) one route may search.
const MAX_SEARCH_CELLS: usize = 300_000;
const SCALE: u64 = 8;
/// Search work one page may spend on routing: about half a second on this machine.
/// The demo and 10k-resource pages use a small fraction of it.
const PAGE_SEARCH_BUDGET: u64 = 25_000_000;

fn key(v: f64) -> i64 {
    (v * 1000.0).round() as i64
}

fn sorted_unique(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v.dedup_by(|a, b| key(*a) == key(*b));
    v
}

fn index_of(v: &[f64], x: f64) -> Option<usize> {
    v.binary_search_by(|p| key(*p).cmp(&key(x))).ok()
}

impl Router {
    /// `ports` must include every port later routed, so their stubs are grid points.
    pub fn new(obstacles: &[Rect], ports: &[Port], margin: f64) -> Router {
        let inflated: Vec<Rect> = obstacles.iter().map(|r| r.inflate(margin)).collect();
        let mut xs = Vec::with_capacity(inflated.len() * 2 + ports.len() + 2);
        let mut ys = Vec::with_capacity(xs.capacity());
        let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for r in &inflated {
            xs.extend([r.x, r.right()]);
            ys.extend([r.y, r.bottom()]);
            minx = minx.min(r.x);
            miny = miny.min(r.y);
            maxx = maxx.max(r.right());
            maxy = maxy.max(r.bottom());
        }
        for p in ports {
            let (sx, sy) = p.stub(margin);
            xs.push(sx);
            ys.push(sy);
            minx = minx.min(sx);
            miny = miny.min(sy);
            maxx = maxx.max(sx);
            maxy = maxy.max(sy);
        }
        if minx <= maxx {
            xs.extend([minx - margin, maxx + margin]);
            ys.extend([miny - margin, maxy + margin]);
        }
        let xs = sorted_unique(xs);
        let ys = sorted_unique(ys);
        let (nx, ny) = (xs.len(), ys.len());
        let mut h_block = vec![false; ny * nx.saturating_sub(1)];
        let mut v_block = vec![false; nx * ny.saturating_sub(1)];
        for r in &inflated {
            let (Some(i0), Some(i1), Some(j0), Some(j1)) =
                (index_of(&xs, r.x), index_of(&xs, r.right()), index_of(&ys, r.y), index_of(&ys, r.bottom()))
            else {
                continue;
            };
            // Rows strictly inside the box: horizontal segments between its sides blocked.
            for j in j0 + 1..j1 {
                for i in i0..i1 {
                    h_block[j * (nx - 1) + i] = true;
                }
            }
            for i in i0 + 1..i1 {
                for j in j0..j1 {
                    v_block[i * (ny - 1) + j] = true;
                }
            }
        }
        Router {
            margin,
            xs,
            ys,
            separate: false,
            h_used: std::cell::RefCell::new(vec![false; h_block.len()]),
            v_used: std::cell::RefCell::new(vec![false; v_block.len()]),
            h_block,
            v_block,
            fallbacks: std::cell::Cell::new(0),
            budget: std::cell::Cell::new(PAGE_SEARCH_BUDGET),
        }
    }

    /// Later lines avoid running on segments earlier lines took.
    pub fn separating(mut self) -> Router {
        self.separate = true;
        self
    }

    /// Orthogonal polyline from `a` to `b`, leaving and entering perpendicular to the borders.
    pub fn route(&self, a: Port, b: Port) -> Vec<(f64, f64)> {
        let sa = a.stub(self.margin);
        let sb = b.stub(self.margin);
        // Search a window around the two ends first (cheap on big pages), widening
        // until a path is found or the window is the whole grid.
        let mut pad = 240.0;
        let mid = loop {
            let win = Window::around(&self.xs, &self.ys, sa, sb, pad);
            let cells = (win.i1 - win.i0 + 1) * (win.j1 - win.j0 + 1);
            if (cells as u64) * 4 > self.budget.get() {
                self.fallbacks.set(self.fallbacks.get() + 1);
                break fallback(a, sa, sb);
            }
            if let Some(p) = self.search(a, sa, b, sb, win) {
                break p;
            }
            // Past a few widenings on a huge page, searching the whole grid costs
            // seconds per line: accept the dog-leg instead (counted in `fallbacks`).
            if win.is_full(self.xs.len(), self.ys.len()) || cells > MAX_SEARCH_CELLS {
                self.fallbacks.set(self.fallbacks.get() + 1);
                break fallback(a, sa, sb);
            }
            pad *= 4.0;
        };
        let mut pts = vec![(a.x, a.y)];
        pts.extend(mid);
        pts.push((b.x, b.y));
        simplify(pts)
    }

    fn search(&self, a: Port, sa: (f64, f64), b: Port, sb: (f64, f64), win: Window) -> Option<Vec<(f64, f64)>> {
        let (gnx, gny) = (self.xs.len(), self.ys.len());
        // Local indices inside the window; `gi`/`gj` map back to the grid.
        let (nx, ny) = (win.i1 - win.i0 + 1, win.j1 - win.j0 + 1);
        let (ia, ja) = (index_of(&self.xs, sa.0)? - win.i0, index_of(&self.ys, sa.1)? - win.j0);
        let (ib, jb) = (index_of(&self.xs, sb.0)? - win.i0, index_of(&self.ys, sb.1)? - win.j0);
        let xs = &self.xs[win.i0..=win.i1];
        let ys = &self.ys[win.j0..=win.j1];
        let hb = |i: usize, j: usize| self.h_block[(j + win.j0) * (gnx - 1) + i + win.i0];
        let vb = |i: usize, j: usize| self.v_block[(i + win.i0) * (gny - 1) + j + win.j0];
        let hu = self.h_used.borrow();
        let vu = self.v_used.borrow();
        // dirs: 0 +x, 1 -x, 2 +y, 3 -y
        let dir_of = |s: Side| match s {
            Side::Right => 0usize,
            Side::Left => 1,
            Side::Bottom => 2,
            Side::Top => 3,
        };
        let start_dir = dir_of(a.side);
        // Entering b means moving against b's normal.
        let end_dir = match b.side {
            Side::Right => 1,
            Side::Left => 0,
            Side::Bottom => 3,
            Side::Top => 2,
        };
        let n = nx * ny * 4;
        let mut best = vec![u64::MAX; n];
        let mut prev = vec![u32::MAX; n];
        let h = |i: usize, j: usize| -> u64 {
            (((self.xs[i] - sb.0).abs() + (self.ys[j] - sb.1).abs()) * SCALE as f64) as u64
        };
        let s0 = ((ja * nx + ia) * 4 + start_dir) as u32;
        best[s0 as usize] = 0;
        let mut heap = BinaryHeap::new();
        heap.push(Reverse((h(ia, ja), s0)));
        let mut goal = None;
        let mut expanded: u64 = 0;
        while let Some(Reverse((f, s))) = heap.pop() {
            expanded += 1;
            let su = s as usize;
            let (node, dir) = (su / 4, su % 4);
            let (i, j) = (node % nx, node / nx);
            let g = best[su];
            if f > g + h(i, j) {
                continue;
            }
            if i == ib && j == jb && dir == end_dir {
                goal = Some(su);
                break;
            }
            for nd in 0..4usize {
                let (ni, nj, blocked) = match nd {
                    0 if i + 1 < nx => (i + 1, j, hb(i, j)),
                    1 if i > 0 => (i - 1, j, hb(i - 1, j)),
                    2 if j + 1 < ny => (i, j + 1, vb(i, j)),
                    3 if j > 0 => (i, j - 1, vb(i, j - 1)),
                    _ => continue,
                };
                if blocked || (nd ^ 1) == dir {
                    continue;
                }
                let len = (xs[ni] - xs[i]).abs() + (ys[nj] - ys[j]).abs();
                let shared = match nd {
                    0 => hu[(j + win.j0) * (gnx - 1) + i + win.i0],
                    1 => hu[(j + win.j0) * (gnx - 1) + i - 1 + win.i0],
                    2 => vu[(i + win.i0) * (gny - 1) + j + win.j0],
                    _ => vu[(i + win.i0) * (gny - 1) + j - 1 + win.j0],
                };
                let per_unit = if shared && self.separate { SCALE + SHARED } else { SCALE };
                let mut cost = g + (len * per_unit as f64) as u64 + if nd != dir { BEND } else { 0 };
                if ni == ib && nj == jb && nd != end_dir {
                    cost += BEND;
                }
                let ns = (nj * nx + ni) * 4 + nd;
                let ns = if ni == ib && nj == jb { (nj * nx + ni) * 4 + end_dir } else { ns };
                if cost < best[ns] {
                    best[ns] = cost;
                    prev[ns] = s;
                    heap.push(Reverse((cost + h(ni, nj), ns as u32)));
                }
            }
        }
        self.budget.set(self.budget.get().saturating_sub(n as u64 + expanded * 4));
        drop((hu, vu));
        let mut cur = goal?;
        let mut pts = Vec::new();
        let mut cells = Vec::new();
        loop {
            let node = cur / 4;
            pts.push((xs[node % nx], ys[node / nx]));
            cells.push((node % nx + win.i0, node / nx + win.j0));
            let p = prev[cur];
            if p == u32::MAX {
                break;
            }
            cur = p as usize;
        }
        pts.reverse();
        if !self.separate {
            return Some(pts);
        }
        // Mark the segments this line takes.
        let (mut hu, mut vu) = (self.h_used.borrow_mut(), self.v_used.borrow_mut());
        for w in cells.windows(2) {
            let ((i0, j0), (i1, j1)) = (w[0], w[1]);
            if j0 == j1 && i0 != i1 {
                hu[j0 * (gnx - 1) + i0.min(i1)] = true;
            } else if i0 == i1 && j0 != j1 {
                vu[i0 * (gny - 1) + j0.min(j1)] = true;
            }
        }
        Some(pts)
    }
}

/// Index range of the grid searched for one route.
#[derive(Debug, Clone, Copy)]
struct Window {
    i0: usize,
    i1: usize,
    j0: usize,
    j1: usize,
}

impl Window {
    fn around(xs: &[f64], ys: &[f64], a: (f64, f64), b: (f64, f64), pad: f64) -> Window {
        let lo = |v: &[f64], x: f64| v.partition_point(|p| *p < x - pad);
        let hi =
            |v: &[f64], x: f64| v.partition_point(|p| *p <= x + pad).saturating_sub(1).min(v.len().saturating_sub(1));
        Window {
            i0: lo(xs, a.0.min(b.0)),
            i1: hi(xs, a.0.max(b.0)),
            j0: lo(ys, a.1.min(b.1)),
            j1: hi(ys, a.1.max(b.1)),
        }
    }
    fn is_full(&self, nx: usize, ny: usize) -> bool {
        self.i0 == 0 && self.j0 == 0 && self.i1 + 1 >= nx && self.j1 + 1 >= ny
    }
}

/// Straight orthogonal dog-leg, used only when the grid has no free path.
fn fallback(a: Port, sa: (f64, f64), sb: (f64, f64)) -> Vec<(f64, f64)> {
    match a.side {
        Side::Top | Side::Bottom => vec![sa, (sa.0, (sa.1 + sb.1) / 2.0), (sb.0, (sa.1 + sb.1) / 2.0), sb],
        Side::Left | Side::Right => vec![sa, ((sa.0 + sb.0) / 2.0, sa.1), ((sa.0 + sb.0) / 2.0, sb.1), sb],
    }
}

/// Drops repeated and collinear points.
pub fn simplify(pts: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len());
    for p in pts {
        if let Some(l) = out.last() {
            if (l.0 - p.0).abs() < 1e-6 && (l.1 - p.1).abs() < 1e-6 {
                continue;
            }
        }
        if out.len() >= 2 {
            let a = out[out.len() - 2];
            let b = out[out.len() - 1];
            let collinear = ((a.0 - b.0).abs() < 1e-6 && (b.0 - p.0).abs() < 1e-6)
                || ((a.1 - b.1).abs() < 1e-6 && (b.1 - p.1).abs() < 1e-6);
            if collinear {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// Whether segment p→q (axis-parallel) passes through the interior of `r`.
pub fn segment_crosses(p: (f64, f64), q: (f64, f64), r: &Rect) -> bool {
    const E: f64 = 0.5;
    let (x0, x1) = (p.0.min(q.0), p.0.max(q.0));
    let (y0, y1) = (p.1.min(q.1), p.1.max(q.1));
    x0 < r.right() - E && x1 > r.x + E && y0 < r.bottom() - E && y1 > r.y + E
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_around_a_box_in_the_way() {
        let a = Rect::new(0.0, 0.0, 40.0, 20.0);
        let wall = Rect::new(-50.0, 60.0, 200.0, 20.0);
        let b = Rect::new(0.0, 140.0, 40.0, 20.0);
        let pa = Port::of(&a, Side::Bottom);
        let pb = Port::of(&b, Side::Top);
        let router = Router::new(&[a, wall, b], &[pa, pb], 6.0);
        let pts = router.route(pa, pb);
        assert_eq!(pts.first(), Some(&(pa.x, pa.y)));
        assert_eq!(pts.last(), Some(&(pb.x, pb.y)));
        for w in pts.windows(2) {
            assert!(w[0].0 == w[1].0 || w[0].1 == w[1].1, "orthogonal");
            assert!(!segment_crosses(w[0], w[1], &wall), "{pts:?}");
        }
    }
}
