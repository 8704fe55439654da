//! Exposure and data flow (PCI DSS 1.2.4): Internet → exposed entry points →
//! tiers (ENIs grouped by VPC and security-group set) → data stores, every line
//! labelled with protocol/ports. Layered placement by layout-rs (capped), lines
//! routed around boxes.
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::super::facts::{port_label, Facts};
use super::super::font::metrics;
use super::super::layout::layered::{self, LayeredGraph};
use super::super::layout::route::{Port, Router, Side};
use super::super::scene::{clean, Anchor, Rect, Role, Scene, SceneEdge};
use super::super::style::{self, Line, EXPOSED, INK, MUTED};
use super::labels;
use inventory::accept::{Acceptance, Status};
use inventory::model::{PortRange, Protocol};
use inventory::topology::hash::{FastMap, FastSet};

/// Above this many nodes, tiers are merged per VPC before layout (layout-rs is cubic).
pub const MAX_NODES: usize = layered::MAX_LAYOUT_RS_NODES;

#[derive(Debug, Clone, Default)]
struct Node {
    id: String,
    vpc: String,
    vpcs: BTreeSet<String>,
    account: String,
    sgs: BTreeSet<String>,
    services: BTreeMap<&'static str, usize>,
    enis: BTreeSet<String>,
    exposed: bool,
    data: bool,
    internet: bool,
    /// A gateway endpoint (S3/DynamoDB): its service name.
    endpoint: Option<String>,
    /// A load balancer: "prod-web-alb (application, internet-facing)", and the
    /// listeners the internet reaches ("HTTPS 443").
    load_balancer: Option<String>,
    listeners: BTreeSet<String>,
}

pub struct ExposurePage {
    pub scene: Scene,
    pub notes: Vec<String>,
    /// The layered graph drawn (the DOT writer reads it).
    pub graph: LayeredGraph,
    /// Nodes handed to the layered layout, and seconds it took (for the report).
    pub layout_nodes: usize,
    pub layout_secs: f64,
}

/// The graph before layout: nodes and labelled edges (port sets).
pub struct FlowGraph {
    nodes: Vec<Node>,
    edges: BTreeMap<(usize, usize), BTreeMap<String, usize>>,
    notes: Vec<String>,
}

pub fn graph(f: &Facts) -> FlowGraph {
    let r = &f.snap.resources;
    let mut notes = Vec::new();
    let mut nodes: Vec<Node> = vec![Node { id: "internet".into(), internet: true, ..Node::default() }];
    // Lookups only (nodes are numbered in ENI order): hash maps, as these see every ENI.
    // (VPC, its load balancer's id, or its sorted groups when it has none).
    let mut by_key: FastMap<(&str, Option<&str>, Vec<&str>), usize> = FastMap::default();
    let mut node_of_eni: FastMap<&str, usize> = FastMap::default();
    let exposed_enis: FastSet<&str> = f.analysis.exposures.iter().map(|x| x.eni_id.as_str()).collect();
    let instances: FastMap<&str, &inventory::model::Instance> =
        r.instances.iter().map(|i| (i.id.as_str(), i)).collect();
    // A load balancer is one node (all its ENIs), not a tier of anonymous interfaces.
    let lbs = inventory::model::LoadBalancerEnis::new(&r.load_balancers);
    let lb_text = |lb: &inventory::model::LoadBalancer| {
        format!("{} ({}, {})", lb.name, lb.lb_type.as_str(), lb.scheme.as_deref().unwrap_or("scheme not stated"))
    };
    let mut node_of_lb: BTreeMap<&str, usize> = BTreeMap::new();
    let listeners = |lb: &str| -> BTreeSet<String> {
        f.listeners_of_lb.get(lb).map(|l| l.iter().cloned().collect()).unwrap_or_default()
    };
    // Each node's ENI ids, made a set once all are in: one sort and bulk build rather
    // than a tree insert (and an id copy on the way) per ENI.
    let mut eni_ids: Vec<Vec<&str>> = vec![Vec::new()];
    for n in &r.network_interfaces {
        // Borrowed: this runs for every ENI (100 k), owned keys were most of its time.
        let mut sgs: Vec<&str> = n.security_group_ids.iter().map(String::as_str).collect();
        sgs.sort_unstable();
        let lb = lbs.load_balancer_of(n);
        let key = match lb {
            Some(lb) => (n.vpc_id.as_str(), Some(lb.id.as_str()), Vec::new()),
            None => (n.vpc_id.as_str(), None, sgs.clone()),
        };
        let idx = *by_key.entry(key).or_insert_with(|| {
            let id = match lb {
                Some(lb) => format!("{}:lb:{}", n.vpc_id, lb.name),
                None => format!("{}:{}", n.vpc_id, if sgs.is_empty() { "no-sg".to_string() } else { sgs.join("+") }),
            };
            nodes.push(Node {
                id,
                vpc: n.vpc_id.clone(),
                vpcs: BTreeSet::from([n.vpc_id.clone()]),
                account: n.account_id.clone(),
                sgs: sgs.iter().map(|g| g.to_string()).collect(),
                load_balancer: lb.map(lb_text),
                listeners: lb.map(|lb| listeners(lb.id.as_str())).unwrap_or_default(),
                ..Node::default()
            });
            eni_ids.push(Vec::new());
            nodes.len() - 1
        });
        if let Some(lb) = lb {
            node_of_lb.insert(lb.id.as_str(), idx);
        }
        let node = &mut nodes[idx];
        *node.services.entry(n.service.as_str()).or_default() += 1;
        eni_ids[idx].push(n.id.as_str());
        node.exposed |= exposed_enis.contains(n.id.as_str());
        let instance = n.instance_id().and_then(|id| instances.get(id).copied());
        node.data |= inventory::analysis::holds_data(n, instance, &f.analysis.facts.settings.tag_keys);
        node_of_eni.insert(n.id.as_str(), idx);
    }
    for (node, ids) in nodes.iter_mut().zip(eni_ids) {
        node.enis = ids.into_iter().map(str::to_string).collect();
    }
    // Load balancers the snapshot has no ENIs for (their findings name nodes by subnet).
    let mut lbs: BTreeMap<&str, &inventory::model::LoadBalancer> = BTreeMap::new();
    for lb in &r.load_balancers {
        lbs.entry(lb.id.as_str()).or_insert(lb);
    }
    for x in f.analysis.exposures.iter().filter(|x| x.eni_id.is_empty()) {
        let Some(l) = &x.load_balancer else { continue };
        let Some(lb) = lbs.get(l.load_balancer_id.as_str()).copied() else { continue };
        node_of_lb.entry(lb.id.as_str()).or_insert_with(|| {
            let mut sgs = lb.security_group_ids.clone();
            sgs.sort();
            nodes.push(Node {
                id: format!("{}:lb:{}", x.vpc_id, lb.name),
                vpc: x.vpc_id.clone(),
                vpcs: BTreeSet::from([x.vpc_id.clone()]),
                account: lb.account_id.clone(),
                sgs: sgs.into_iter().collect(),
                services: BTreeMap::from([("elb", 1)]),
                exposed: true,
                load_balancer: Some(lb_text(lb)),
                listeners: listeners(lb.id.as_str()),
                ..Node::default()
            });
            nodes.len() - 1
        });
    }
    let mut edges: BTreeMap<(usize, usize), BTreeMap<String, usize>> = BTreeMap::new();
    for (k, x) in f.analysis.exposures.iter().enumerate() {
        let node = match &x.load_balancer {
            Some(l) => node_of_lb.get(l.load_balancer_id.as_str()),
            None => node_of_eni.get(x.eni_id.as_str()),
        };
        if let Some(&i) = node {
            let src = if x.from_anywhere() { String::new() } else { format!(" from {}", x.source_text) };
            // A listener reads as the load balancer states it ("HTTPS 443").
            let what = match &x.load_balancer {
                Some(l) => l.label(),
                None => port_label(x.protocol, x.ports),
            };
            let mark = f.acceptance.map(|(acc, review)| acceptance_mark(review.of(acc, k))).unwrap_or_default();
            *edges.entry((0, i)).or_default().entry(format!("{what}{src}{mark}")).or_default() += 1;
        }
    }
    // Hops between tiers: the path engine's internet → data-store flows (routes both
    // ways, NACLs, security groups), not a guess from security-group references.
    let mut node_of_endpoint: BTreeMap<&str, usize> = BTreeMap::new();
    // A hash set: 276 k flows at 100k resources, only looked up (a sorted set cost 1 % of the package).
    let flow_targets: FastSet<&str> = f.data_flows.iter().map(|fl| fl.to.as_str()).collect();
    for e in r.vpc_endpoints.iter().filter(|e| flow_targets.contains(e.id.as_str())) {
        nodes.push(Node {
            id: e.id.clone(),
            vpc: e.vpc_id.clone(),
            vpcs: BTreeSet::from([e.vpc_id.clone()]),
            account: e.account_id.clone(),
            data: true,
            endpoint: Some(e.service_name.clone()),
            ..Node::default()
        });
        node_of_endpoint.insert(e.id.as_str(), nodes.len() - 1);
    }
    // Hundreds of thousands of flows between a few thousand node pairs and a handful of
    // port sets: counted under integer keys, then folded into the labelled edges once.
    let mut label_of: FastMap<(Protocol, Option<PortRange>), u32> = FastMap::default();
    let mut labels: Vec<String> = Vec::new();
    let mut counts: FastMap<(usize, usize, u32), usize> = FastMap::default();
    // Flows come sorted by source: its node is looked up once per run of flows.
    let mut last_from: Option<(&str, Option<usize>)> = None;
    for fl in f.data_flows.iter().filter(|fl| fl.from != "internet") {
        let a = match last_from {
            Some((id, a)) if id == fl.from => a,
            _ => {
                let a = node_of_eni.get(fl.from.as_str()).copied();
                last_from = Some((fl.from.as_str(), a));
                a
            }
        };
        let to = node_of_eni.get(fl.to.as_str()).or_else(|| node_of_endpoint.get(fl.to.as_str()));
        if let (Some(a), Some(&b)) = (a, to) {
            if a != b {
                for &(protocol, ports) in &fl.grants {
                    let label = *label_of.entry((protocol, ports)).or_insert_with(|| {
                        labels.push(port_label(protocol, ports));
                        labels.len() as u32 - 1
                    });
                    *counts.entry((a, b, label)).or_default() += 1;
                }
            }
        }
    }
    for ((a, b, label), n) in counts {
        *edges.entry((a, b)).or_default().entry(labels[label as usize].clone()).or_default() += n;
    }
    // Keep what the internet reaches (transitively) and every data store with what feeds it.
    let mut keep = BTreeSet::from([0usize]);
    let mut q = VecDeque::from([0usize]);
    let mut succ: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(a, b) in edges.keys() {
        succ.entry(a).or_default().push(b);
    }
    while let Some(v) = q.pop_front() {
        for &w in succ.get(&v).map(|v| v.as_slice()).unwrap_or(&[]) {
            if keep.insert(w) {
                q.push_back(w);
            }
        }
    }
    // Data stores the internet does not reach stay on the page, unconnected: the
    // picture is of every data store, not only the reachable ones.
    for (i, n) in nodes.iter().enumerate() {
        if n.data {
            keep.insert(i);
        }
    }
    let mut remap = BTreeMap::new();
    let mut kept = Vec::new();
    for (i, n) in nodes.into_iter().enumerate() {
        if keep.contains(&i) {
            remap.insert(i, kept.len());
            kept.push(n);
        }
    }
    let mut kedges: BTreeMap<(usize, usize), BTreeMap<String, usize>> = BTreeMap::new();
    for ((a, b), l) in edges {
        if let (Some(&a), Some(&b)) = (remap.get(&a), remap.get(&b)) {
            add_counts(kedges.entry((a, b)).or_default(), l);
        }
    }
    let mut g = FlowGraph { nodes: kept, edges: kedges, notes: Vec::new() };
    if g.nodes.len() > MAX_NODES {
        let before = g.nodes.len();
        // Tiers by function across VPCs: same role and security-group names.
        let role = |n: &Node| {
            if n.exposed {
                "entry"
            } else if n.data {
                "data"
            } else {
                "tier"
            }
        };
        // A group's function: its name without the VPC's name as prefix ("prod-pay-web-sg" → "web-sg").
        let vpc_name: BTreeMap<&str, &str> =
            r.vpcs.iter().filter_map(|v| v.tags.get("Name").map(|n| (v.id.as_str(), n.as_str()))).collect();
        let sg_vpc: BTreeMap<&str, &str> =
            r.security_groups.iter().map(|g| (g.id.as_str(), g.vpc_id.as_str())).collect();
        let function = |sg: &str| -> String {
            let name = f.sg_names.get(sg).copied().unwrap_or(sg);
            let prefix = sg_vpc.get(sg).and_then(|v| vpc_name.get(v)).copied().unwrap_or("");
            match name
                .strip_prefix(prefix)
                .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | '_' | ' ')))
            {
                Some(rest) if !prefix.is_empty() && !rest.is_empty() => rest.to_string(),
                _ => name.to_string(),
            }
        };
        let names = |n: &Node| {
            let set: BTreeSet<String> = n.sgs.iter().map(|s| function(s)).collect();
            set.into_iter().collect::<Vec<_>>().join("+")
        };
        if g.nodes.len() > MAX_NODES {
            g = merge(g, |n| format!("{}:{}", role(n), names(n)));
        }
        if g.nodes.len() > MAX_NODES {
            g = merge(g, |n| format!("{}:{}", role(n), names(n).split('+').next().unwrap_or("")));
        }
        if g.nodes.len() > MAX_NODES {
            g = merge(g, |n| role(n).to_string());
        }
        notes.push(format!(
            "{before} security-group tiers merged into {} groups (by role and security-group name across VPCs) to stay legible; every ENI is listed in the inventory.",
            g.nodes.len()
        ));
    }
    g.notes = notes;
    g
}

/// Merges nodes with the same key (the internet node is never merged).
fn merge(g: FlowGraph, key: impl Fn(&Node) -> String) -> FlowGraph {
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut map = Vec::with_capacity(g.nodes.len());
    for n in g.nodes {
        let k = if n.internet { "internet".to_string() } else { key(&n) };
        let idx = *by.entry(k.clone()).or_insert_with(|| {
            nodes.push(Node {
                id: k.clone(),
                vpc: n.vpc.clone(),
                account: n.account.clone(),
                internet: n.internet,
                ..Node::default()
            });
            nodes.len() - 1
        });
        let m = &mut nodes[idx];
        m.sgs.extend(n.sgs);
        m.vpcs.extend(n.vpcs);
        for (s, c) in n.services {
            *m.services.entry(s).or_default() += c;
        }
        m.enis.extend(n.enis);
        m.exposed |= n.exposed;
        m.data |= n.data;
        if m.vpcs.len() > 1 {
            m.vpc = format!("{} VPCs", m.vpcs.len());
        }
        if m.account != n.account {
            m.account = "several accounts".into();
        }
        map.push(idx);
    }
    let mut edges: BTreeMap<(usize, usize), BTreeMap<String, usize>> = BTreeMap::new();
    for ((a, b), l) in g.edges {
        let (a, b) = (map[a], map[b]);
        if a != b {
            add_counts(edges.entry((a, b)).or_default(), l);
        }
    }
    FlowGraph { nodes, edges, notes: g.notes }
}

/// Label suffix of an accepted finding: " · accepted SEC-142" (the ticket, else who
/// approved it), " · acceptance expired SEC-142"; nothing for an unaccepted one, so
/// an unreviewed opening looks as it does without --accepted.
fn acceptance_mark((status, entry): (Status, Option<&Acceptance>)) -> String {
    let what = entry.map(|e| e.ticket.clone().unwrap_or_else(|| e.approved_by.clone())).unwrap_or_default();
    let what = super::super::scene::name(&what);
    match status {
        Status::Accepted => format!("{ACCEPTED_MARK}{what}"),
        Status::Expired => format!(" · acceptance expired {what}"),
        Status::Unaccepted => String::new(),
    }
}

/// Starts the suffix of a finding an entry accepts; an internet line whose every
/// label has it is drawn as accepted.
const ACCEPTED_MARK: &str = " · accepted ";

fn add_counts(into: &mut BTreeMap<String, usize>, from: BTreeMap<String, usize>) {
    for (k, n) in from {
        *into.entry(k).or_default() += n;
    }
}

/// Parallel rules bundled: "12 × tcp/443, tcp/80"; long lists cut with a count.
fn edge_label(ports: &BTreeMap<String, usize>) -> String {
    let one = |(p, n): (&String, &usize)| if *n > 1 { format!("{n} × {p}") } else { p.clone() };
    if ports.len() > 4 {
        let first: Vec<String> = ports.iter().take(3).map(one).collect();
        format!("{}, … ({} port sets)", first.join(", "), ports.len())
    } else {
        ports.iter().map(one).collect::<Vec<_>>().join(", ")
    }
}

fn node_lines(f: &Facts, n: &Node) -> Vec<(String, f64, bool, &'static str)> {
    if n.internet {
        return vec![("Internet".into(), 13.0, true, EXPOSED), ("any public source".into(), 9.0, false, MUTED)];
    }
    if let Some(service) = n.endpoint.as_deref().filter(|_| n.enis.is_empty()) {
        return vec![
            ("Data store".into(), 10.0, true, INK),
            (format!("gateway endpoint {}", n.id), 9.0, false, INK),
            (super::super::scene::name(service), 9.0, false, INK),
            (format!("{} · {}", n.vpc, f.account_label(&n.account)), 8.5, false, MUTED),
        ];
    }
    if let Some(lb) = &n.load_balancer {
        let role = if n.exposed { "Entry point: load balancer" } else { "Load balancer" };
        let listeners = if n.listeners.is_empty() {
            "no listeners".to_string()
        } else {
            format!("listeners {}", n.listeners.iter().cloned().collect::<Vec<_>>().join(", "))
        };
        return vec![
            (role.to_string(), 10.0, true, if n.exposed { EXPOSED } else { INK }),
            (super::super::scene::name(lb), 9.0, false, INK),
            (listeners, 9.0, false, INK),
            (format!("{} · {}", n.vpc, f.account_label(&n.account)), 8.5, false, MUTED),
        ];
    }
    let role = if n.exposed {
        "Entry point"
    } else if n.data {
        "Data store"
    } else {
        "Tier"
    };
    // One VPC: names with ids. Merged across VPCs: the distinct names and how many groups.
    let (names, total): (Vec<String>, usize) = if n.vpcs.len() > 1 && n.id.contains(':') {
        // Merged by function: the key says which ("entry:alb-sg").
        let func = n.id.split_once(':').map(|x| x.1).unwrap_or(&n.id);
        (vec![format!("{} ({} groups)", super::super::scene::name(func), n.sgs.len())], 1)
    } else if n.vpcs.len() > 1 {
        let set: BTreeSet<String> =
            n.sgs.iter().map(|s| super::super::scene::name(f.sg_names.get(s.as_str()).copied().unwrap_or(s))).collect();
        let total = set.len();
        (set.into_iter().take(3).collect(), total.max(3) - 3 + 3)
    } else {
        let v = n
            .sgs
            .iter()
            .take(2)
            .map(|s| match f.sg_names.get(s.as_str()) {
                Some(name) => format!("{} ({s})", super::super::scene::name(name)),
                None => s.clone(),
            })
            .collect();
        (v, n.sgs.len())
    };
    let more = if total > names.len() { format!(" +{}", total - names.len()) } else { String::new() };
    let services: Vec<String> = n.services.iter().map(|(s, c)| format!("{c} × {s}")).collect();
    vec![
        (role.to_string(), 10.0, true, if n.exposed { EXPOSED } else { INK }),
        (
            if names.is_empty() { "no security group".into() } else { format!("{}{more}", names.join(", ")) },
            9.0,
            false,
            INK,
        ),
        (services.join(", "), 9.0, false, INK),
        (
            format!(
                "{} · {}",
                n.vpc,
                if n.account.contains(' ') { n.account.clone() } else { f.account_label(&n.account) }
            ),
            8.5,
            false,
            MUTED,
        ),
    ]
}

pub fn render(f: &Facts) -> ExposurePage {
    let g = graph(f);
    let mut notes = g.notes.clone();
    let lines: Vec<_> = g.nodes.iter().map(|n| node_lines(f, n)).collect();
    let sizes: Vec<(f64, f64)> = lines
        .iter()
        .map(|ls| {
            let w = ls.iter().map(|l| metrics::width(&clean(&l.0), l.1, l.2)).fold(0.0, f64::max) + 24.0;
            let h = ls.iter().map(|l| metrics::line_height(l.1) + 3.0).sum::<f64>() + 14.0;
            (w.clamp(140.0, 300.0), h)
        })
        .collect();
    let edge_list: Vec<(usize, usize)> = g.edges.keys().copied().collect();
    let t0 = std::time::Instant::now();
    let centres = layered::place(&sizes, &edge_list);
    let layout_secs = t0.elapsed().as_secs_f64();

    let mut scene = Scene::new("exposure");
    let (minx, miny) = centres
        .iter()
        .zip(&sizes)
        .fold((f64::MAX, f64::MAX), |(mx, my), (c, s)| (mx.min(c.0 - s.0 / 2.0), my.min(c.1 - s.1 / 2.0)));
    let mut rects = Vec::new();
    let mut graph = LayeredGraph { name: "exposure".into(), ..LayeredGraph::default() };
    for (i, n) in g.nodes.iter().enumerate() {
        let (c, s) = (centres[i], sizes[i]);
        let r = Rect::new(c.0 - s.0 / 2.0 - minx + 20.0, c.1 - s.1 / 2.0 - miny + 20.0, s.0, s.1);
        let st = if n.internet {
            style::internet()
        } else if n.exposed {
            style::exposed_resource()
        } else if n.data {
            style::data_store()
        } else {
            style::node()
        };
        let b = scene.add_box(&n.id, Role::Node, r, None, st);
        scene.boxes[b].exposed = n.exposed;
        scene.boxes[b].members = n.enis.iter().cloned().collect();
        let mut ids: Vec<&str> = n.enis.iter().map(String::as_str).take(40).collect();
        if n.enis.len() > 40 {
            ids.push("…");
        }
        scene.boxes[b].tooltip = ids.join(" ");
        let mut y = r.y + 7.0;
        for (t, size, bold, color) in &lines[i] {
            y += metrics::ascent(*size);
            scene.add_text(Some(b), r.cx(), y, t, *size, *bold, color, Anchor::Middle, r.w - 12.0);
            y += metrics::descent(*size) + 3.0;
        }
        rects.push(r);
        graph.nodes.push((
            n.id.clone(),
            lines[i].iter().map(|l| l.0.clone()).collect::<Vec<_>>().join("\n"),
            Vec::new(),
        ));
    }
    if g.nodes.len() == 1 {
        notes.push("No internet exposure and no data stores found in this snapshot.".into());
    }

    // Ports: bottom of the source and top of the target (reversed for upward lines).
    let mut per_side: BTreeMap<(usize, bool), usize> = BTreeMap::new();
    let dir: Vec<bool> = edge_list.iter().map(|&(a, b)| rects[b].y >= rects[a].y).collect();
    for (k, &(a, b)) in edge_list.iter().enumerate() {
        *per_side.entry((a, dir[k])).or_default() += 1;
        *per_side.entry((b, !dir[k])).or_default() += 1;
    }
    let mut used: BTreeMap<(usize, bool), usize> = BTreeMap::new();
    let mut port = |node: usize, bottom: bool| {
        let r = rects[node];
        let n = per_side[&(node, bottom)];
        let k = used.entry((node, bottom)).or_default();
        let x = r.x + r.w * (*k as f64 + 1.0) / (n as f64 + 1.0);
        *k += 1;
        if bottom {
            Port { x, y: r.bottom(), side: Side::Bottom }
        } else {
            Port { x, y: r.y, side: Side::Top }
        }
    };
    let ends: Vec<(Port, Port)> =
        edge_list.iter().enumerate().map(|(k, &(a, b))| (port(a, dir[k]), port(b, !dir[k]))).collect();
    let all: Vec<Port> = ends.iter().flat_map(|(a, b)| [*a, *b]).collect();
    let router = Router::new(&rects, &all, 10.0);
    let mut avoid = rects.clone();
    for (k, (&(a, b), ports)) in g.edges.iter().enumerate() {
        let pts = router.route(ends[k].0, ends[k].1);
        let line = if a != 0 {
            Line::Flow
        } else if ports.keys().all(|l| l.contains(ACCEPTED_MARK)) {
            Line::InternetAccepted
        } else {
            Line::Internet
        };
        scene.edges.push(SceneEdge {
            from: g.nodes[a].id.clone(),
            to: g.nodes[b].id.clone(),
            points: pts,
            style: line.style(),
            label: None,
        });
        let e = scene.edges.len() - 1;
        let label = edge_label(ports);
        labels::place(&mut scene, e, &label, &mut avoid);
        graph.edges.push((g.nodes[a].id.clone(), g.nodes[b].id.clone(), label));
    }
    let (mut w, mut h) = (0.0f64, 0.0f64);
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
    scene.width = w + 20.0;
    scene.height = h + 20.0;
    ExposurePage { scene, notes, graph, layout_nodes: sizes.len(), layout_secs }
}
