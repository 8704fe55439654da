//! Draws a grid-and-lanes page (`layout::lanes`): text boxes in a grid, each link
//! on lines of its own with its label chip beside its first end.
use super::super::font::metrics;
use super::super::layout::lanes::{self, Link};
use super::super::scene::{clean, Anchor, BoxStyle, Role, Scene, SceneEdge};
use super::super::style::{self, Line};
use super::cards::{draw_lines, measure, TextLine};

const LABEL_SIZE: f64 = 8.5;
const LABEL_MAX_W: f64 = 300.0;

pub struct GNode {
    /// Unique on the page (AWS id or a synthetic key).
    pub id: String,
    pub role: Role,
    pub style: BoxStyle,
    pub lines: Vec<TextLine>,
    pub exposed: bool,
    pub tooltip: String,
}

pub struct GLink {
    /// Unique on the page: names the label chip.
    pub id: String,
    pub a: usize,
    pub b: usize,
    pub line: Line,
    /// Drawn next to `a`; empty: no label.
    pub label: String,
    /// Joins an in-scope and an out-of-scope end (`--scope-tag`): highlighted.
    pub cross_scope: bool,
}

/// Columns that give a page about 3:2 landscape for `n` boxes of similar size.
pub fn columns(n: usize) -> usize {
    ((n as f64 * 1.6).sqrt().ceil() as usize).clamp(1, 10)
}

pub fn draw(title: &str, nodes: &[GNode], links: &[GLink], cols: usize) -> Scene {
    let label_h = metrics::line_height(LABEL_SIZE) + 4.0;
    let sizes: Vec<(f64, f64)> = nodes.iter().map(|n| measure(&n.lines, 180.0, 300.0)).collect();
    let texts: Vec<String> = links.iter().map(|l| clean(&l.label)).collect();
    let lane_links: Vec<Link> = links
        .iter()
        .zip(&texts)
        .map(|(l, t)| Link {
            a: l.a,
            b: l.b,
            label_w: if t.is_empty() { 0.0 } else { (metrics::width(t, LABEL_SIZE, false) + 8.0).min(LABEL_MAX_W) },
        })
        .collect();
    let placed = lanes::layout(&sizes, cols, &lane_links, label_h);
    let mut scene = Scene::new(title);
    for (n, r) in nodes.iter().zip(&placed.rects) {
        let b = scene.add_box(&n.id, n.role, *r, None, n.style.clone());
        scene.boxes[b].exposed = n.exposed;
        scene.boxes[b].tooltip = n.tooltip.clone();
        draw_lines(&mut scene, b, *r, 6.0, &n.lines, false);
    }
    for ((l, pts), (chip, text)) in links.iter().zip(placed.paths).zip(placed.labels.iter().zip(&texts)) {
        if pts.len() < 2 {
            continue;
        }
        let (Some(a), Some(b)) = (nodes.get(l.a), nodes.get(l.b)) else { continue };
        scene.edges.push(SceneEdge {
            from: a.id.clone(),
            to: b.id.clone(),
            points: pts,
            style: l.line.style(),
            label: None,
        });
        let Some(r) = chip else { continue };
        let e = scene.edges.len() - 1;
        let cb = scene.add_box(&format!("label:{}", l.id), Role::Chip, *r, None, style::chip());
        scene.add_text(
            Some(cb),
            r.cx(),
            r.y + 2.0 + metrics::ascent(LABEL_SIZE),
            text,
            LABEL_SIZE,
            false,
            style::INK,
            Anchor::Middle,
            r.w - 6.0,
        );
        scene.edges[e].label = Some(cb);
    }
    scene.width = placed.width;
    scene.height = placed.height;
    scene
}
