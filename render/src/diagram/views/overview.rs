//! The estate on one page: accounts › regions › VPCs (name, id, CIDRs, counts,
//! coloured by environment), the internet and internet gateways, peering,
//! transit gateways and their attachments, VPNs to on-premises customer
//! gateways, cross-account links. Containment is our packer; lines are routed
//! around boxes.
use std::collections::{BTreeMap, BTreeSet};

use inventory::model::*;

use super::super::facts::Facts;
use super::super::font::metrics;
use super::super::layout::containment::CNode;
use super::super::layout::layered::LayeredGraph;
use super::super::layout::route::{Port, Router, Side};
use super::super::scene::{clean, name as nm, Anchor, Rect, Role, Scene, SceneEdge};
use super::super::style::{self, Line, EXPOSED, INK, MUTED};
use super::cards::{draw_lines, measure, TextLine};
use super::labels;

const CHIP_H: f64 = 18.0;
const LEAF_MARGIN: f64 = CHIP_H / 2.0 + 2.0;
const MARGIN: f64 = 8.0;
/// Containment keys at and above this are containers (index = key - base).
const CONTAINER_BASE: usize = 1 << 40;

pub struct OverviewPage {
    pub scene: Scene,
    pub notes: Vec<String>,
    /// The layered graph drawn (the DOT writer reads it).
    pub graph: LayeredGraph,
}

const CHIP_MAX_W: f64 = 190.0;
/// Above this many internet gateways, IGW chips stand alone (no line to the Internet box).
const MAX_INTERNET_LINES: usize = 40;

/// Width of a border chip "IGW igw-…", fitted to the id.
fn chip_w(id: &str) -> f64 {
    (metrics::width(&clean(&format!("IGW {id}")), 8.5, false) + 12.0).clamp(100.0, CHIP_MAX_W)
}

enum Leaf<'a> {
    Vpc(&'a Vpc, Vec<TextLine>),
    Tgw(&'a TransitGateway, Vec<TextLine>),
}

/// An edge request before routing: ends are (box id, side).
struct Want {
    from: (String, Side),
    to: (String, Side),
    line: Line,
    label: String,
}

pub fn render(f: &Facts) -> OverviewPage {
    let r = &f.snap.resources;
    let mut notes = Vec::new();
    let mut graph = LayeredGraph { name: "overview".into(), ..LayeredGraph::default() };
    let vpc_ids: BTreeSet<&str> = r.vpcs.iter().map(|v| v.id.as_str()).collect();

    // Per-VPC counts.
    let mut subnets: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &r.subnets {
        *subnets.entry(s.vpc_id.as_str()).or_default() += 1;
    }
    let mut instances: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &r.instances {
        if let Some(v) = &i.vpc_id {
            *instances.entry(v.as_str()).or_default() += 1;
        }
    }
    let mut enis: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &r.network_interfaces {
        *enis.entry(n.vpc_id.as_str()).or_default() += 1;
    }
    let mut exposed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for x in &f.analysis.exposures {
        exposed.entry(x.vpc_id.as_str()).or_default().insert(x.eni_id.as_str());
    }

    // account → region → leaves
    let mut tree: BTreeMap<&str, BTreeMap<&str, Vec<Leaf>>> = BTreeMap::new();
    for a in &r.accounts {
        tree.entry(a.id.as_str()).or_default();
    }
    for t in &r.transit_gateways {
        let n = r.transit_gateway_attachments.iter().filter(|a| a.transit_gateway_id == t.id).count();
        let lines = vec![
            (format!("Transit gateway {}", nm(t.name().unwrap_or(""))), 10.0, true, INK),
            (t.id.clone(), 9.0, false, INK),
            (format!("{n} attachment(s)"), 9.0, false, MUTED),
        ];
        tree.entry(t.account_id.as_str()).or_default().entry(t.region.as_str()).or_default().push(Leaf::Tgw(t, lines));
    }
    for v in &r.vpcs {
        let env = f.vpc_env(v);
        let cidrs: Vec<String> = v
            .cidr_blocks
            .iter()
            .map(|c| c.to_string())
            .chain(v.ipv6_cidr_blocks.iter().map(|c| c.to_string()))
            .collect();
        let x = exposed.get(v.id.as_str()).map_or(0, |s| s.len());
        let lines = vec![
            (v.name().map(nm).unwrap_or_else(|| v.id.clone()), 11.0, true, env.color()),
            (format!("{}{}", v.id, if v.is_default { " (default)" } else { "" }), 9.0, false, INK),
            (if cidrs.is_empty() { "no CIDR".into() } else { cidrs.join(", ") }, 9.0, false, INK),
            (
                format!(
                    "{} subnets · {} instances · {} ENIs",
                    subnets.get(v.id.as_str()).unwrap_or(&0),
                    instances.get(v.id.as_str()).unwrap_or(&0),
                    enis.get(v.id.as_str()).unwrap_or(&0)
                ),
                9.0,
                false,
                INK,
            ),
            if x > 0 {
                (format!("{x} internet-exposed ENI(s)"), 9.0, true, EXPOSED)
            } else {
                ("no internet exposure found".into(), 9.0, false, MUTED)
            },
            (env.label().to_string(), 9.0, false, env.color()),
        ];
        tree.entry(v.account_id.as_str()).or_default().entry(v.region.as_str()).or_default().push(Leaf::Vpc(v, lines));
    }

    // Border chips of each VPC: attached IGWs (top) and VGWs (bottom).
    let mut igw_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in &r.internet_gateways {
        for a in g.attachments.iter().filter(|a| a.is_attached()) {
            igw_of.entry(a.vpc_id.as_str()).or_default().push(g.id.as_str());
        }
    }
    let mut vgw_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut vgw_vpc: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &r.vpn_gateways {
        for a in g.attachments.iter().filter(|a| a.is_attached()) {
            vgw_of.entry(a.vpc_id.as_str()).or_default().push(g.id.as_str());
            vgw_vpc.insert(g.id.as_str(), a.vpc_id.as_str());
        }
    }

    // Containment tree.
    let mut leaves: Vec<&Leaf> = Vec::new();
    let mut containers: Vec<(Role, String, Vec<TextLine>)> = Vec::new();
    let mut account_nodes = Vec::new();
    for (acct, regions) in &tree {
        let mut region_nodes = Vec::new();
        for (region, ls) in regions {
            let mut kids = Vec::new();
            for l in ls {
                let (w, h) = match l {
                    Leaf::Vpc(v, lines) => {
                        let (w, h) = measure(lines, 200.0, 300.0);
                        let chips = igw_of
                            .get(v.id.as_str())
                            .map_or(0, |g| g.len())
                            .max(vgw_of.get(v.id.as_str()).map_or(0, |g| g.len()));
                        // Room inside for the halves of the border chips.
                        (w.max(120.0 + chips as f64 * (CHIP_MAX_W + 10.0)), h + CHIP_H + 2.0 * LEAF_MARGIN)
                    }
                    Leaf::Tgw(_, lines) => {
                        let (w, h) = measure(lines, 170.0, 260.0);
                        (w, h + 2.0 * LEAF_MARGIN)
                    }
                };
                kids.push(CNode::leaf(leaves.len(), w, h));
                leaves.push(l);
            }
            let head = vec![(format!("Region {region}"), 10.5, true, "#147eba")];
            let (hw, hh) = measure(&head, 0.0, 400.0);
            containers.push((Role::Region, format!("{acct}/{region}"), head));
            region_nodes.push(CNode::container(CONTAINER_BASE + containers.len() - 1, hw, hh, 12.0, 26.0, 1.8, kids));
        }
        let env = f.account_env(acct);
        let head = vec![
            (format!("AWS account {}", f.account_label(acct)), 12.0, true, INK),
            (env.map(|e| e.label().to_string()).unwrap_or_default(), 9.0, false, env.map_or(MUTED, |e| e.color())),
        ];
        let (hw, hh) = measure(&head, 0.0, 500.0);
        containers.push((Role::Account, format!("account:{acct}"), head));
        account_nodes.push(CNode::container(
            CONTAINER_BASE + containers.len() - 1,
            hw,
            hh,
            12.0,
            18.0,
            1.6,
            region_nodes,
        ));
    }
    let mut root = CNode::container(usize::MAX, 0.0, 0.0, 0.0, 30.0, 2.2, account_nodes);
    root.measure();

    // Top band: the internet, on-premises customer gateways, VPCs outside the snapshot.
    let mut band: Vec<(String, Vec<TextLine>, bool)> = Vec::new();
    let any_igw = r.internet_gateways.iter().any(|g| g.attachments.iter().any(|a| a.is_attached()));
    if any_igw {
        band.push((
            "internet".into(),
            vec![("Internet".into(), 13.0, true, EXPOSED), ("public networks".into(), 9.0, false, MUTED)],
            true,
        ));
    }
    for c in &r.customer_gateways {
        band.push((
            c.id.clone(),
            vec![
                (format!("On-premises {}", nm(c.name().or(c.device_name.as_deref()).unwrap_or(""))), 10.0, true, INK),
                (c.id.clone(), 9.0, false, INK),
                (
                    format!("{} · ASN {}", c.ip_address.as_deref().unwrap_or("?"), c.bgp_asn.as_deref().unwrap_or("?")),
                    9.0,
                    false,
                    MUTED,
                ),
            ],
            false,
        ));
    }
    let mut external: BTreeMap<String, String> = BTreeMap::new();
    for p in &r.vpc_peering_connections {
        for side in [&p.requester, &p.accepter] {
            if !vpc_ids.contains(side.vpc_id.as_str()) {
                external.insert(side.vpc_id.clone(), format!("account {} · {}", side.account_id, side.region));
            }
        }
    }
    for a in &r.transit_gateway_attachments {
        if a.resource_type == TgwAttachmentResourceType::Vpc {
            if let Some(v) = a.resource_id.as_deref().filter(|v| !vpc_ids.contains(v)) {
                external.insert(v.to_string(), format!("account {}", a.resource_owner_id.as_deref().unwrap_or("?")));
            }
        }
    }
    for (v, detail) in &external {
        band.push((
            v.clone(),
            vec![
                (format!("VPC {v}"), 10.0, true, INK),
                (detail.clone(), 9.0, false, INK),
                ("not in this snapshot".into(), 9.0, false, MUTED),
            ],
            false,
        ));
    }
    if !external.is_empty() {
        notes.push(format!("{} peer VPC(s) outside the snapshot are drawn in the top row.", external.len()));
    }
    let band_sizes: Vec<(f64, f64)> = band.iter().map(|(_, l, _)| measure(l, 150.0, 280.0)).collect();
    let band_h = band_sizes.iter().map(|s| s.1).fold(0.0, f64::max);
    let top = if band.is_empty() { 0.0 } else { band_h + 60.0 };
    root.place(0.0, top);

    let mut scene = Scene::new("overview");
    let mut obstacles: Vec<Rect> = Vec::new();
    let mut box_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut bx = 0.0;
    for ((id, lines, internet), (w, h)) in band.iter().zip(&band_sizes) {
        let rr = Rect::new(bx, 0.0, *w, *h);
        let b = scene.add_box(id, Role::Node, rr, None, if *internet { style::internet() } else { style::node() });
        draw_lines(&mut scene, b, rr, 6.0, lines, true);
        graph.nodes.push((id.clone(), lines[0].0.clone(), Vec::new()));
        obstacles.push(rr);
        box_of.insert(id.clone(), b);
        bx += w + 30.0;
    }

    // Boxes, parents before children.
    let mut order = Vec::new();
    root.walk(&mut order);
    let mut parent_box: BTreeMap<usize, usize> = BTreeMap::new();
    let mut path_of: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    fn index_parents(n: &CNode, out: &mut BTreeMap<usize, usize>) {
        for c in &n.children {
            out.insert(c.key, n.key);
            index_parents(c, out);
        }
    }
    // Right end of the gateway chips on each VPC side: (box, side) → x.
    let mut chip_end: BTreeMap<(usize, u8), f64> = BTreeMap::new();
    let mut parent_key = BTreeMap::new();
    index_parents(&root, &mut parent_key);
    for n in order {
        let parent = parent_key.get(&n.key).and_then(|k| parent_box.get(k)).copied();
        let ppath = parent_key.get(&n.key).and_then(|k| path_of.get(k)).cloned().unwrap_or_default();
        if n.key == usize::MAX {
            continue;
        }
        if n.key >= CONTAINER_BASE {
            let Some((role, id, head)) = containers.get(n.key - CONTAINER_BASE) else { continue };
            let st = if *role == Role::Account { style::account() } else { style::region() };
            let b = scene.add_box(id, *role, n.rect(), parent, st);
            draw_lines(&mut scene, b, n.rect(), 8.0, head, false);
            parent_box.insert(n.key, b);
            let mut p = ppath.clone();
            p.push(head[0].0.clone());
            path_of.insert(n.key, p);
            continue;
        }
        let Some(leaf) = leaves.get(n.key) else { continue };
        let lr = n.rect();
        let inner = Rect::new(lr.x, lr.y + LEAF_MARGIN, lr.w, lr.h - 2.0 * LEAF_MARGIN);
        match leaf {
            Leaf::Vpc(v, lines) => {
                let env = f.vpc_env(v);
                let b = scene.add_box(&v.id, Role::Vpc, inner, parent, style::vpc(env));
                scene.boxes[b].exposed = exposed.contains_key(v.id.as_str());
                draw_lines(&mut scene, b, inner, CHIP_H / 2.0 + 4.0, lines, false);
                box_of.insert(v.id.clone(), b);
                obstacles.push(inner);
                graph.nodes.push((v.id.clone(), format!("{}\n{}", lines[0].0, lines[2].0), ppath.clone()));
                let mut chips: Vec<(String, Rect)> = Vec::new();
                let mut cx = inner.x + 10.0;
                for g in igw_of.get(v.id.as_str()).cloned().unwrap_or_default() {
                    let w = chip_w(g);
                    chips.push((g.to_string(), Rect::new(cx, inner.y - CHIP_H / 2.0, w, CHIP_H)));
                    cx += w + 10.0;
                }
                let mut cx = inner.x + 10.0;
                for g in vgw_of.get(v.id.as_str()).cloned().unwrap_or_default() {
                    let w = chip_w(g);
                    chips.push((g.to_string(), Rect::new(cx, inner.bottom() - CHIP_H / 2.0, w, CHIP_H)));
                    cx += w + 10.0;
                }
                for (g, cr) in &chips {
                    let side = if cr.cy() < inner.cy() { Side::Top } else { Side::Bottom };
                    let e = chip_end.entry((b, side as u8)).or_insert(inner.x);
                    *e = e.max(cr.right());
                    let kind = if g.starts_with("vgw") { "VGW" } else { "IGW" };
                    let cb = scene.add_box(g, Role::Gateway, *cr, Some(b), style::gateway());
                    scene.add_text(
                        Some(cb),
                        cr.cx(),
                        cr.y + 3.0 + metrics::ascent(8.5),
                        &format!("{kind} {g}"),
                        8.5,
                        false,
                        INK,
                        Anchor::Middle,
                        cr.w - 8.0,
                    );
                    box_of.insert(g.clone(), cb);
                    obstacles.push(*cr);
                }
            }
            Leaf::Tgw(t, lines) => {
                let b = scene.add_box(&t.id, Role::Node, inner, parent, style::node());
                draw_lines(&mut scene, b, inner, 4.0, lines, true);
                box_of.insert(t.id.clone(), b);
                obstacles.push(inner);
                graph.nodes.push((t.id.clone(), format!("TGW {}", t.id), ppath.clone()));
            }
        }
    }

    // What to connect.
    let mut wants: Vec<Want> = Vec::new();
    let igw_count: usize = igw_of.values().map(Vec::len).sum();
    if igw_count > MAX_INTERNET_LINES {
        notes.push(format!("{igw_count} internet gateways: each is marked on its VPC's top border (IGW chip); lines to the Internet box are omitted above {MAX_INTERNET_LINES} for legibility."));
    } else if box_of.contains_key("internet") {
        for gws in igw_of.values() {
            for g in gws {
                wants.push(Want {
                    from: ("internet".into(), Side::Bottom),
                    to: (g.to_string(), Side::Top),
                    line: Line::Gateway,
                    label: String::new(),
                });
            }
        }
    }
    // (link id, VPC) pairs that let a non-production network reach production.
    let mut prod_risk: BTreeSet<(&str, &str)> = BTreeSet::new();
    for c in f.analysis.segmentation.iter().filter(|c| c.prod_from_nonprod) {
        prod_risk.insert((&*c.via_id, &*c.from_vpc_id));
        prod_risk.insert((&*c.via_id, &*c.to_id));
    }
    // Both sides' accounts may describe the same peering / attachment: draw each once.
    let mut seen_links: BTreeSet<&str> = BTreeSet::new();
    for p in &r.vpc_peering_connections {
        if !seen_links.insert(p.id.as_str()) {
            continue;
        }
        let cross = p.requester.account_id != p.accepter.account_id;
        let mut label = format!("{} {}", p.id, p.status);
        if cross {
            label.push_str(" · cross-account");
        }
        if prod_risk.contains(&(p.id.as_str(), p.requester.vpc_id.as_str())) {
            label.push_str(" · non-prod ↔ prod");
        }
        wants.push(Want {
            from: (p.requester.vpc_id.clone(), Side::Bottom),
            to: (p.accepter.vpc_id.clone(), Side::Bottom),
            line: if cross { Line::CrossAccount } else { Line::Peering },
            label,
        });
    }
    let tgw_owners = super::links::TgwOwners::new(r);
    for a in &r.transit_gateway_attachments {
        let Some(res) = a.resource_id.as_deref() else { continue };
        if a.resource_type != TgwAttachmentResourceType::Vpc || !seen_links.insert(a.id.as_str()) {
            continue;
        }
        let owner = tgw_owners.of(a);
        let vpc_acct = r
            .vpcs
            .iter()
            .find(|v| v.id == res)
            .map(|v| v.account_id.as_str())
            .or(a.resource_owner_id.as_deref())
            .unwrap_or(&a.account_id);
        let cross = owner != vpc_acct;
        // Cross-account shows in the line style; only the segmentation risk gets words.
        let risky = [a.transit_gateway_id.as_str(), a.id.as_str()].iter().any(|via| prod_risk.contains(&(*via, res)));
        let label = if risky { format!("{} · non-prod ↔ prod", a.id) } else { String::new() };
        wants.push(Want {
            from: (a.transit_gateway_id.clone(), Side::Bottom),
            to: (res.to_string(), Side::Top),
            line: if cross { Line::CrossAccount } else { Line::Transit },
            label,
        });
    }
    for v in &r.vpn_connections {
        if !seen_links.insert(v.id.as_str()) {
            continue;
        }
        let up = v.tunnels.iter().filter(|t| t.status.eq_ignore_ascii_case("up")).count();
        let label = format!("{} · tunnels {up}/{} up", v.id, v.tunnels.len());
        let to = match (&v.vpn_gateway_id, &v.transit_gateway_id) {
            (Some(g), _) => (g.clone(), Side::Bottom),
            (None, Some(t)) => (t.clone(), Side::Top),
            _ => continue,
        };
        wants.push(Want { from: (v.customer_gateway_id.clone(), Side::Bottom), to, line: Line::Vpn, label });
    }
    let dropped = wants.iter().filter(|w| !box_of.contains_key(&w.from.0) || !box_of.contains_key(&w.to.0)).count();
    if dropped > 0 {
        notes.push(format!(
            "{dropped} link(s) name a resource missing from the snapshot and are not drawn (see inventory)."
        ));
    }
    wants.retain(|w| box_of.contains_key(&w.from.0) && box_of.contains_key(&w.to.0) && w.from.0 != w.to.0);

    // Spread ports along each side so lines do not share an attachment point.
    let mut per_side: BTreeMap<(usize, u8), usize> = BTreeMap::new();
    let side_key = |s: Side| s as u8;
    for w in &wants {
        for (id, s) in [&w.from, &w.to] {
            *per_side.entry((box_of[id], side_key(*s))).or_default() += 1;
        }
    }
    let mut used: BTreeMap<(usize, u8), usize> = BTreeMap::new();
    let mut ends: Vec<(Port, Port)> = Vec::new();
    for w in &wants {
        let mut pe = Vec::new();
        for (id, s) in [&w.from, &w.to] {
            let b = box_of[id];
            let rr = scene.boxes[b].rect;
            let n = per_side[&(b, side_key(*s))];
            let k = used.entry((b, side_key(*s))).or_default();
            // VPC tops/bottoms carry gateway chips on their left: attach right of them.
            let (x0, span) = match chip_end.get(&(b, side_key(*s))) {
                Some(end) => (*end + 6.0, rr.right() - 6.0 - (*end + 6.0)),
                None => (rr.x, rr.w),
            };
            let x = x0 + span * (*k as f64 + 1.0) / (n as f64 + 1.0);
            *k += 1;
            let y = if *s == Side::Top { rr.y } else { rr.bottom() };
            pe.push(Port { x, y, side: *s });
        }
        ends.push((pe[0], pe[1]));
    }
    let all_ports: Vec<Port> = ends.iter().flat_map(|(a, b)| [*a, *b]).collect();
    let t_router = std::time::Instant::now();
    let router = Router::new(&obstacles, &all_ports, MARGIN).separating();
    tracing::debug!("overview router grid built in {:.2}s", t_router.elapsed().as_secs_f64());
    // Labels keep off every text too (account and region headings are not obstacles).
    let mut avoid = obstacles.clone();
    avoid.extend(scene.texts.iter().map(|t| t.bbox()));
    for (w, (a, b)) in wants.iter().zip(&ends) {
        let pts = router.route(*a, *b);
        scene.edges.push(SceneEdge {
            from: w.from.0.clone(),
            to: w.to.0.clone(),
            points: pts,
            style: w.line.style(),
            label: None,
        });
        let e = scene.edges.len() - 1;
        labels::place(&mut scene, e, &w.label, &mut avoid);
        graph.edges.push((w.from.0.clone(), w.to.0.clone(), w.label.clone()));
    }

    if router.fallbacks.get() > 0 {
        notes.push(format!(
            "{} long line(s) drawn as simple dog-legs (they may pass over boxes) to keep this page fast.",
            router.fallbacks.get()
        ));
    }
    let (mut w, mut h) = (root.w.max(bx - 30.0), top + root.h);
    for b in &scene.boxes {
        w = w.max(b.rect.right());
        h = h.max(b.rect.bottom());
    }
    for e in &scene.edges {
        for p in &e.points {
            w = w.max(p.0);
            h = h.max(p.1);
        }
    }
    scene.width = w + MARGIN;
    scene.height = h + MARGIN;
    if r.vpcs.is_empty() {
        notes.push("No VPCs in this snapshot.".into());
    }
    OverviewPage { scene, notes, graph }
}
