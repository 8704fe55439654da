//! Layered (Sugiyama) placement of small graphs with layout-rs, used for
//! coordinates only; drawing goes through our scene like every other page.
//!
//! layout-rs time grows about cubically with node count (measured: 200 nodes
//! 0.42 s, 1 000 nodes 10 s), so views aggregate before calling this, and graphs
//! above `MAX_LAYOUT_RS_NODES` use `simple_layers` (longest-path ranks, barycentre
//! ordering; linear-ish) instead.
use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

pub const MAX_LAYOUT_RS_NODES: usize = 150;

/// What a layered view drew, as a plain graph: node labels with their containment
/// path, and labelled edges. Writers that redraw the graph elsewhere (DOT) read it,
/// so views never depend on a writer.
#[derive(Debug, Clone, Default)]
pub struct LayeredGraph {
    pub name: String,
    /// (id, label, cluster path e.g. ["account 1111", "eu-west-1"])
    pub nodes: Vec<(String, String, Vec<String>)>,
    /// (from, to, label)
    pub edges: Vec<(String, String, String)>,
}

/// Centre of every node, top-to-bottom layers, in the input order.
pub fn place(sizes: &[(f64, f64)], edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    if sizes.is_empty() {
        return Vec::new();
    }
    if sizes.len() > MAX_LAYOUT_RS_NODES {
        return simple_layers(sizes, edges, 60.0, 90.0);
    }
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    let handles: Vec<_> = sizes
        .iter()
        .map(|&(w, h)| {
            // Empty label: layout-rs must not resize our measured boxes.
            let e = Element::create(
                ShapeKind::new_box(""),
                StyleAttr::simple(),
                Orientation::LeftToRight,
                Point::new(w, h),
            );
            vg.add_node(e)
        })
        .collect();
    for &(a, b) in edges {
        if a != b && a < handles.len() && b < handles.len() {
            vg.add_edge(Arrow::simple(""), handles[a], handles[b]);
        }
    }
    let mut sink = NullBackend;
    vg.do_it(false, false, false, &mut sink);
    handles
        .iter()
        .map(|h| {
            let c = vg.pos(*h).center();
            (c.x, c.y)
        })
        .collect()
}

/// Our own layering: rank = longest path from a source, order within a rank by
/// barycentre of predecessors (one sweep), then by input order.
pub fn simple_layers(sizes: &[(f64, f64)], edges: &[(usize, usize)], hgap: f64, vgap: f64) -> Vec<(f64, f64)> {
    let n = sizes.len();
    let mut rank = vec![0usize; n];
    // Edges only go forward in input order for a DAG given in topological order; for
    // others, bounded relaxation keeps this O(n·e) at worst and cycle-safe.
    for _ in 0..n.min(8) {
        let mut changed = false;
        for &(a, b) in edges {
            if a < n && b < n && a != b && rank[b] < rank[a] + 1 && rank[a] + 1 < n {
                rank[b] = rank[a] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let max_rank = rank.iter().copied().max().unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); max_rank + 1];
    for (i, r) in rank.iter().enumerate() {
        layers[*r].push(i);
    }
    let mut order = vec![0f64; n];
    let mut out = vec![(0.0, 0.0); n];
    let mut y = 0.0;
    for layer in &mut layers {
        let mut keyed: Vec<(f64, usize)> = layer
            .iter()
            .map(|&v| {
                let preds: Vec<f64> =
                    edges.iter().filter(|e| e.1 == v && rank[e.0] < rank[v]).map(|e| order[e.0]).collect();
                let bc = if preds.is_empty() { f64::MAX } else { preds.iter().sum::<f64>() / preds.len() as f64 };
                (bc, v)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let h = keyed.iter().map(|(_, v)| sizes[*v].1).fold(0.0, f64::max);
        let mut x = 0.0;
        for (pos, (_, v)) in keyed.iter().enumerate() {
            order[*v] = pos as f64;
            out[*v] = (x + sizes[*v].0 / 2.0, y + h / 2.0);
            x += sizes[*v].0 + hgap;
        }
        y += h + vgap;
    }
    out
}

/// layout-rs wants a renderer; we only need its coordinates.
struct NullBackend;

impl RenderBackend for NullBackend {
    fn draw_rect(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>, _: Option<ClipHandle>) {}
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        _: &[(Point, Point)],
        _: bool,
        _: (bool, bool),
        _: &StyleAttr,
        _: Option<String>,
        _: &str,
    ) {
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}
