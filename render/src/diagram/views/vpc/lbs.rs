//! Load balancers on a VPC page: one box per load balancer, in a lane its row of
//! subnets keeps free, across the AZ columns of the subnets it serves (a "node in …"
//! tab on its top edge in each), and one line per subnet of its targets. Targets come from the
//! analysis' rows (`behind_load_balancers`, `other_load_balancer_targets`); nothing is
//! recomputed here.
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use inventory::analysis::TargetReach;
use inventory::model::{LoadBalancer, LoadBalancerType, PortRange, Resource, Subnet};

use super::super::labels;
use super::{marks, resolve, ChangeMarks, Item, Mark};
use crate::diagram::facts::{port_label, Facts};
use crate::diagram::font::metrics;
use crate::diagram::scene::{clean, name as nm, Anchor, Rect, Role, Scene, SceneEdge};
use crate::diagram::style::{self, Line, EXPOSED, INK, MUTED};

/// Target subnets one load balancer draws lines to; the rest are counted on its box.
const MAX_TARGET_LINES: usize = 6;
/// Vertical step between the lines leaving a box's right side (a label chip each).
const EXIT_STEP: f64 = 17.0;
/// Room right of a box, inside its subnet, for the labels of its lines.
const LABEL_COL: f64 = 118.0;
/// Space between stacked load-balancer lanes of one row.
const LANE_GAP: f64 = 8.0;
/// Height of the "node in …" tabs on a box's top edge, and their text size.
const TAB_H: f64 = 12.0;
const TAB_TEXT: f64 = 7.5;
/// Widest a one-column box's text asks its column to be.
const MAX_TEXT_W: f64 = 320.0;

type TextLine = (String, f64, bool, &'static str);

/// A line from a load balancer to its targets in one subnet.
pub(super) struct TargetLine<'a> {
    pub subnet: &'a str,
    pub blocked: bool,
    /// "tcp/8080 × 2", "blocked tcp/8080".
    pub label: String,
}

/// One load balancer of the page.
pub(super) struct LbBox<'a> {
    pub lb: &'a LoadBalancer,
    /// Id and ENI ids (members), change mark and change lines.
    pub item: Item,
    /// Subnets of this page it has a node in, sorted.
    pub served: Vec<&'a str>,
    pub targets: Vec<TargetLine<'a>>,
    /// Target counts the box states in words (outside the VPC, not evaluated, …).
    pub notes: Vec<String>,
}

impl LbBox<'_> {
    pub fn exposed(&self) -> bool {
        !self.item.ports.is_empty()
    }

    /// Badge, "ALB name", scheme and listeners, nodes' public addresses, exposure,
    /// notes, change lines.
    pub fn lines(&self, f: &Facts) -> Vec<TextLine> {
        let it = &self.item;
        let mut out: Vec<TextLine> = Vec::new();
        if let Some(m) = &it.mark {
            out.push((m.badge(), 8.5, true, style::WHITE));
        }
        out.push((format!("{} {}", it.kind, it.name), 9.5, true, INK));
        out.push((scheme_and_listeners(f, self.lb), 8.5, false, MUTED));
        out.extend(it.extra.iter().map(|x| (x.clone(), 8.5, false, MUTED)));
        if self.exposed() {
            out.push((format!("internet → {}", it.ports.join(", ")), 8.5, true, EXPOSED));
        }
        out.extend(self.notes.iter().map(|n| (n.clone(), 8.5, false, MUTED)));
        out.extend(it.notes.iter().map(|(t, c, b)| (t.clone(), 8.5, *b, *c)));
        out
    }

    /// Height of its box: its text, or the lines leaving its right side.
    pub fn height(&self, f: &Facts) -> f64 {
        let text = text_height(&self.lines(f));
        let exits = TAB_H + self.targets.len() as f64 * EXIT_STEP + 2.0;
        text.max(exits)
    }

    /// Width its text would like (capped), plus the label room when it has lines.
    pub fn wanted_width(&self, f: &Facts) -> f64 {
        let text = self.lines(f).iter().map(|(t, s, b, _)| metrics::width(&clean(t), *s, *b)).fold(0.0, f64::max);
        text.min(MAX_TEXT_W) + 12.0 + if self.targets.is_empty() { 0.0 } else { LABEL_COL }
    }
}

fn text_height(lines: &[TextLine]) -> f64 {
    // The node tabs on the top edge above, 4 below.
    lines.iter().map(|(_, s, _, _)| metrics::line_height(*s) + 2.0).sum::<f64>() + TAB_H + 6.0
}

fn lb_kind(lb: &LoadBalancer) -> &'static str {
    match lb.lb_type {
        LoadBalancerType::Application => "ALB",
        LoadBalancerType::Network => "NLB",
        LoadBalancerType::Gateway => "GWLB",
        LoadBalancerType::Classic => "CLB",
    }
}

/// "internet-facing · HTTP 80 → redirect, HTTPS 443".
fn scheme_and_listeners(f: &Facts, lb: &LoadBalancer) -> String {
    let mut parts = vec![lb.scheme.clone().unwrap_or_else(|| "scheme not stated".into())];
    match f.listeners_of_lb.get(lb.id.as_str()) {
        Some(l) if !l.is_empty() => parts.push(l.join(", ")),
        _ => parts.push("no listeners".into()),
    }
    parts.join(" · ")
}

/// The load balancers with a node in one of `subnets` (an ENI, or a subnet AWS
/// states for one the snapshot has no ENI for), sorted by id.
pub(super) fn load_balancers<'a>(f: &Facts<'a>, subnets: &[&'a Subnet], marks: Option<&ChangeMarks>) -> Vec<LbBox<'a>> {
    /// The load balancer, the subnets and ENIs of its nodes, their public addresses.
    type Found<'a> = (&'a LoadBalancer, BTreeSet<&'a str>, BTreeSet<&'a str>, BTreeSet<Ipv4Addr>);
    let mut found: BTreeMap<&str, Found<'a>> = BTreeMap::new();
    for &s in subnets {
        for n in f.enis_by_subnet.get(s.id.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(&lb) = f.lb_of_eni.get(n.id.as_str()) {
                let e = found
                    .entry(lb.id.as_str())
                    .or_insert_with(|| (lb, BTreeSet::new(), BTreeSet::new(), BTreeSet::new()));
                e.1.insert(s.id.as_str());
                e.2.insert(n.id.as_str());
                e.3.extend(n.public_ips());
            }
        }
        for &lb in f.lbs_without_enis.get(s.id.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
            found
                .entry(lb.id.as_str())
                .or_insert_with(|| (lb, BTreeSet::new(), BTreeSet::new(), BTreeSet::new()))
                .1
                .insert(s.id.as_str());
        }
    }
    let on_page: BTreeSet<&str> = subnets.iter().map(|s| s.id.as_str()).collect();
    found
        .into_values()
        .map(|(lb, served, enis, public)| {
            // A load balancer without ENIs has stand-in nodes under its own id.
            let ids: Vec<&str> = enis.iter().copied().chain([lb.id.as_str()]).collect();
            let mut item = Item {
                kind: lb_kind(lb),
                id: lb.id.clone(),
                name: nm(&lb.name),
                stem: lb.name.clone(),
                sgs: lb.security_group_ids.clone(),
                ports: f.exposed_ports(ids.iter().copied()),
                behind_lb: false,
                members: ids.iter().map(|s| s.to_string()).collect(),
                extra: (!public.is_empty()).then(|| {
                    format!("public {}", public.iter().map(|ip| ip.to_string()).collect::<Vec<_>>().join(", "))
                }),
                mark: None,
                notes: Vec::new(),
            };
            if let Some(m) = marks {
                resolve(f, &mut item, m);
            }
            let (targets, notes) = target_lines(f, lb, &on_page);
            LbBox { lb, item, served: served.into_iter().collect(), targets, notes }
        })
        .collect()
}

/// Lines per (target subnet on this page, blocked), labelled with protocol/port and
/// how many distinct targets; and what the box says about the rest.
fn target_lines<'a>(f: &Facts<'a>, lb: &LoadBalancer, on_page: &BTreeSet<&str>) -> (Vec<TargetLine<'a>>, Vec<String>) {
    let rows = f.lb_targets.get(lb.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
    // Only internet-reached listeners' targets are rows of load_balancer_targets.csv.
    let see = if f.lb_targets_listed.contains(lb.id.as_str()) { " (load_balancer_targets.csv)" } else { "" };
    let mut notes = Vec::new();
    if rows.is_empty() {
        notes.push("no targets: no listener forwards to a registered target".to_string());
        return (Vec::new(), notes);
    }
    let mut by_subnet: BTreeMap<(&str, bool), BTreeMap<String, BTreeSet<&str>>> = BTreeMap::new();
    let mut outside: BTreeMap<&str, bool> = BTreeMap::new();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    for t in rows {
        let subnet = t.eni_id.as_deref().and_then(|e| f.target_eni_subnet.get(e)).copied();
        match (subnet.filter(|s| on_page.contains(s)), t.reach) {
            (Some(s), TargetReach::Reachable | TargetReach::Blocked) => {
                let port = port_label(t.protocol, Some(PortRange::single(t.port)));
                let key = (s, t.reach == TargetReach::Blocked);
                by_subnet.entry(key).or_default().entry(port).or_default().insert(t.target_id.as_str());
            }
            (Some(_), TargetReach::NotEvaluated) => {
                unknown.insert(t.target_id.as_str());
            }
            (None, reach) => {
                let evaluated = outside.entry(t.target_id.as_str()).or_insert(false);
                *evaluated |= reach != TargetReach::NotEvaluated;
            }
        }
    }
    let mut lines: Vec<TargetLine> = by_subnet
        .into_iter()
        .map(|((subnet, blocked), ports)| {
            let parts: Vec<String> = ports
                .into_iter()
                .map(|(p, ids)| if ids.len() > 1 { format!("{p} × {}", ids.len()) } else { p })
                .collect();
            let label = format!("{}{}", if blocked { "blocked " } else { "" }, parts.join(", "));
            TargetLine { subnet, blocked, label }
        })
        .collect();
    if lines.len() > MAX_TARGET_LINES {
        let more = lines.len() - (MAX_TARGET_LINES - 1);
        lines.truncate(MAX_TARGET_LINES - 1);
        notes.push(format!("+{more} more target subnet(s) not drawn{see}"));
    }
    if !outside.is_empty() {
        let n = outside.len();
        let how = if outside.values().any(|e| *e) { see } else { ", not evaluated" };
        notes.push(format!("+{n} target{} outside this VPC{how}", if n == 1 { "" } else { "s" }));
    }
    if !unknown.is_empty() {
        let n = unknown.len();
        notes.push(format!("+{n} target{} not evaluated{see}", if n == 1 { "" } else { "s" }));
    }
    (lines, notes)
}

/// Where each load balancer goes: its row and column span, its lane in the row, and
/// the slots of its lines (channel right of a column, lane in the gap below a row).
pub(super) struct LbPlacement {
    pub row: usize,
    pub cols: (usize, usize),
    /// Offset of its box below the top of its row's load-balancer strip.
    pub y_off: f64,
    pub h: f64,
    /// Per target line: its out channel slot in the box's last column, and when the
    /// target subnet is in another column, that column, its in slot and a gap lane.
    pub slots: Vec<(usize, Option<Via>)>,
}

/// The way of a line to a target subnet in another column: down the box's channel,
/// along a lane in the gap below the box's row, up or down the target's channel.
#[derive(Debug, Clone, Copy)]
pub(super) struct Via {
    pub col: usize,
    pub slot: usize,
    pub gap: usize,
}

pub(super) struct LbLayout {
    pub boxes: Vec<LbPlacement>,
    /// Per row: height of its load-balancer strip.
    pub strip_h: Vec<f64>,
    /// Per column: channels right of its subnets.
    pub channels: Vec<usize>,
    /// Per row: lanes in the gap below it.
    pub gap_lanes: Vec<usize>,
}

/// Places `lbs` given each subnet's (row, column). A load balancer takes the row most
/// of its subnets are in (served subnets of other rows get a note on its box); those
/// whose column spans overlap stack in lanes.
pub(super) fn place(
    f: &Facts,
    lbs: &mut [LbBox],
    pos: &BTreeMap<&str, (usize, usize)>,
    n_rows: usize,
    n_cols: usize,
) -> LbLayout {
    let mut boxes = Vec::with_capacity(lbs.len());
    for b in lbs.iter_mut() {
        let mut per_row: BTreeMap<usize, usize> = BTreeMap::new();
        for s in &b.served {
            if let Some(&(r, _)) = pos.get(s) {
                *per_row.entry(r).or_default() += 1;
            }
        }
        let row = per_row.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(r, _)| *r).unwrap_or(0);
        let cols: Vec<usize> = b.served.iter().filter_map(|s| pos.get(s)).filter(|p| p.0 == row).map(|p| p.1).collect();
        let span = (cols.iter().copied().min().unwrap_or(0), cols.iter().copied().max().unwrap_or(0));
        for s in b.served.iter().filter(|s| pos.get(*s).is_some_and(|p| p.0 != row)) {
            b.notes.push(format!("also a node in {s} (another tier)"));
        }
        boxes.push(LbPlacement { row, cols: span, y_off: 0.0, h: b.height(f), slots: Vec::new() });
    }
    // Lanes per row: first lane whose last box ends left of this one's first column.
    let mut strip_h = vec![0.0; n_rows];
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by_key(|&i| (boxes[i].row, boxes[i].cols, lbs[i].lb.id.as_str()));
    let mut lanes: Vec<Vec<(usize, Vec<usize>)>> = vec![Vec::new(); n_rows];
    for &i in &order {
        let p = &boxes[i];
        let Some(row_lanes) = lanes.get_mut(p.row) else { continue };
        match row_lanes.iter_mut().find(|(end, _)| *end < p.cols.0) {
            Some(lane) => {
                lane.0 = p.cols.1;
                lane.1.push(i);
            }
            None => row_lanes.push((p.cols.1, vec![i])),
        }
    }
    for (r, row_lanes) in lanes.iter().enumerate() {
        let mut y = 0.0;
        for (_, members) in row_lanes {
            let h = members.iter().map(|&i| boxes[i].h).fold(0.0, f64::max);
            for &i in members {
                boxes[i].y_off = y;
            }
            y += h + LANE_GAP;
        }
        strip_h[r] = y;
    }
    // Line slots, in box order then target order (deterministic).
    let mut channels = vec![0usize; n_cols];
    let mut gap_lanes = vec![0usize; n_rows];
    for &i in &order {
        let (row, last) = (boxes[i].row, boxes[i].cols.1);
        let mut slots = Vec::new();
        for t in &lbs[i].targets {
            let col = pos.get(t.subnet).map(|p| p.1).unwrap_or(last);
            let out = take(&mut channels, last);
            let via =
                (col != last).then(|| Via { col, slot: take(&mut channels, col), gap: take(&mut gap_lanes, row) });
            slots.push((out, via));
        }
        boxes[i].slots = slots;
    }
    LbLayout { boxes, strip_h, channels, gap_lanes }
}

/// The next free slot of counter `i`.
fn take(counters: &mut [usize], i: usize) -> usize {
    match counters.get_mut(i) {
        Some(n) => {
            *n += 1;
            *n - 1
        }
        None => 0,
    }
}

/// Width a column needs for the one-column boxes in it.
pub(super) fn column_widths(f: &Facts, lbs: &[LbBox], layout: &LbLayout, col_w: &mut [f64], pad: f64) {
    for (b, p) in lbs.iter().zip(&layout.boxes) {
        if p.cols.0 == p.cols.1 {
            if let Some(w) = col_w.get_mut(p.cols.0) {
                *w = w.max(b.wanted_width(f) + 2.0 * pad);
            }
        }
    }
}

/// Where the page's grid is, for drawing the load balancers into it.
pub(super) struct Grid<'g> {
    /// Subnet and rectangle of each (row, column) cell.
    pub cells: BTreeMap<(usize, usize), (&'g Subnet, Rect)>,
    /// Per row: top of its load-balancer strip.
    pub strip_top: Vec<f64>,
    /// Per column: x of its first channel.
    pub channel_x0: Vec<f64>,
    /// Per row: y of the first lane in the gap below it.
    pub gap_y0: Vec<f64>,
    pub lane: f64,
    pub pad: f64,
    pub vpc_box: usize,
}

impl Grid<'_> {
    fn subnet(&self, id: &str) -> Option<((usize, usize), Rect)> {
        self.cells.iter().find(|(_, (s, _))| s.id == id).map(|(rc, (_, r))| (*rc, *r))
    }
}

/// Draws every load balancer: its box, a tab in each subnet it serves, and its
/// lines (each labelled on its first stretch, right of the box).
pub(super) fn draw(scene: &mut Scene, f: &Facts, lbs: &[LbBox], layout: &LbLayout, grid: &Grid) {
    let mut entries: BTreeMap<&str, usize> = BTreeMap::new();
    for (b, p) in lbs.iter().zip(&layout.boxes) {
        let (Some(left), Some(right)) = (grid.cells.get(&(p.row, p.cols.0)), grid.cells.get(&(p.row, p.cols.1))) else {
            continue;
        };
        let room = if b.targets.is_empty() { 0.0 } else { LABEL_COL };
        let (x0, x1) = (left.1.x + grid.pad, right.1.right() - grid.pad - room);
        let r = Rect::new(x0, grid.strip_top[p.row] + p.y_off, x1 - x0, p.h);
        let bx = draw_box(scene, f, b, r, grid.vpc_box);
        for c in p.cols.0..=p.cols.1 {
            match grid.cells.get(&(p.row, c)) {
                Some((s, sr)) if b.served.contains(&s.id.as_str()) => {
                    node_tab(scene, bx, s, sr.x.max(r.x), (sr.right() - grid.pad).min(r.right()))
                }
                _ => {}
            }
        }
        for (k, (t, (out, via))) in b.targets.iter().zip(&p.slots).enumerate() {
            let Some((_, ts)) = grid.subnet(t.subnet) else { continue };
            let y = r.y + TAB_H + EXIT_STEP * k as f64 + EXIT_STEP / 2.0;
            let xo = grid.channel_x0[p.cols.1] + *out as f64 * grid.lane;
            let n = entries.entry(t.subnet).or_insert(0);
            let py = (ts.y + 10.0 + *n as f64 * 6.0).min(ts.bottom() - 4.0);
            *n += 1;
            let mut points = vec![(r.right(), y), (xo, y)];
            if let Some(v) = via {
                let gy = grid.gap_y0[p.row] + v.gap as f64 * grid.lane;
                let xi = grid.channel_x0[v.col] + v.slot as f64 * grid.lane;
                points.extend([(xo, gy), (xi, gy), (xi, py)]);
            } else {
                points.push((xo, py));
            }
            points.push((ts.right(), py));
            let line = if t.blocked { Line::LbTargetBlocked } else { Line::LbTarget };
            scene.edges.push(SceneEdge {
                from: b.item.id.clone(),
                to: t.subnet.to_string(),
                points,
                style: line.style(),
                label: None,
            });
            let text = clean(&t.label);
            let (w, h) = labels::size(&text);
            let chip = Rect::new(r.right() + 4.0, y - h / 2.0, w.min(LABEL_COL - 8.0), h);
            labels::attach(scene, scene.edges.len() - 1, &text, chip);
        }
    }
}

/// "node in prod-public-a": a tab on the box's top edge, within the part of the box
/// over that subnet (`x0`..`x1`).
fn node_tab(scene: &mut Scene, bx: usize, s: &Subnet, x0: f64, x1: f64) {
    let b = &scene.boxes[bx];
    let (stroke, box_rect, id) = (b.style.stroke, b.rect, format!("{}:in:{}", b.id, s.id));
    let x = x0 + 6.0;
    let room = x1 - x - 6.0;
    let full = clean(&format!("node in {}", nm(s.name().unwrap_or(&s.id))));
    // Where the subnet's name does not fit, "node" alone: the subnet's heading is above.
    let text = if metrics::width(&full, TAB_TEXT, true) + 8.0 <= room { full } else { "node".to_string() };
    let w = (metrics::width(&text, TAB_TEXT, true) + 8.0).min(room);
    if w < 24.0 {
        return;
    }
    let tab = Rect::new(x, box_rect.y, w, TAB_H);
    let t = scene.add_box(&id, Role::LoadBalancer, tab, Some(bx), style::plain(stroke, stroke, 0.0, false));
    scene.boxes[t].tooltip = format!("node in {}", s.id);
    let baseline = tab.y + (TAB_H - metrics::line_height(TAB_TEXT)) / 2.0 + metrics::ascent(TAB_TEXT);
    scene.add_text(Some(t), x + 4.0, baseline, &text, TAB_TEXT, true, style::WHITE, Anchor::Start, w - 8.0);
}

/// The box of one load balancer with its text; red when the internet reaches it,
/// greyed when the diff says it is gone. Returns its index.
fn draw_box(scene: &mut Scene, f: &Facts, b: &LbBox, r: Rect, parent: usize) -> usize {
    let mark = b.item.mark.as_ref();
    if let Some(ring) = mark.and_then(Mark::ring) {
        scene.add_box(&format!("{}:ring", b.item.id), Role::Ring, r.inflate(marks::RING), Some(parent), ring);
    }
    let st = match mark {
        Some(Mark::Removed) => marks::removed_style(),
        Some(Mark::Unknown) => marks::unknown_style(),
        _ if b.exposed() => style::exposed_resource(),
        _ => style::load_balancer(),
    };
    let bx = scene.add_box(&b.item.id, Role::LoadBalancer, r, Some(parent), st);
    scene.boxes[bx].exposed = b.exposed();
    scene.boxes[bx].members = b.item.members.clone();
    scene.boxes[bx].tooltip = format!("{} {} {}", b.item.kind, b.lb.id, b.lb.dns_name.as_deref().unwrap_or(""));
    // Below the node tabs on its top edge.
    let mut ly = r.y + TAB_H + 2.0;
    for (t, size, bold, color) in &b.lines(f) {
        ly += metrics::ascent(*size);
        let (x, w) = (r.x + 6.0, r.w - 12.0);
        match mark.filter(|_| *color == style::WHITE) {
            Some(m) => marks::badge(scene, bx, x, ly, t, *size, Anchor::Start, w, m),
            None => scene.add_text(Some(bx), x, ly, t, *size, *bold, color, Anchor::Start, w),
        }
        ly += metrics::descent(*size) + 2.0;
    }
    bx
}
