//! One page per VPC, AWS architecture-diagram style: VPC › availability-zone
//! columns › subnet boxes (coloured by tier, with CIDR and default route) ›
//! resources. Gateways sit on the VPC's top border; each has its own lane in the
//! routing band under the header and in the gutter left of each AZ column, so
//! route lines never cross a box and never run on top of each other.
use std::collections::{BTreeMap, BTreeSet};

use inventory::analysis::SubnetTier;
use inventory::model::*;

use super::super::facts::{name_stem, Facts};
use super::super::font::metrics;
use super::super::layout::pack;
use super::super::scene::{clean, name as nm, Anchor, Rect, Role, Scene, SceneEdge};
use super::super::style::{self, Line, EXPOSED, INK, MUTED};
use super::marks::{self, ChangeMarks, Entry, Mark, CHANGED_INK};

mod lbs;

const PAD: f64 = 10.0;
const CHIP_GAP: f64 = 6.0;
const LANE: f64 = 7.0;
const GUTTER: f64 = 18.0;
const ROW_GAP: f64 = 14.0;
const GW_H: f64 = 38.0;
const AZ_HEAD: f64 = 24.0;
const SUBNET_MIN_W: f64 = 240.0;
const SUBNET_MAX_HEAD_W: f64 = 360.0;
const CHIP_MIN_W: f64 = 120.0;
const CHIP_MAX_W: f64 = 220.0;
/// Most chips drawn in one subnet; beyond this resources are aggregated harder.
pub const MAX_CHIPS: usize = 24;
/// Like resources aggregate into one "× N" chip from this many up.
pub const AGGREGATE_FROM: usize = 3;

/// One drawable resource before aggregation.
#[derive(Debug, Clone)]
struct Item {
    kind: &'static str,
    id: String,
    name: String,
    stem: String,
    sgs: Vec<String>,
    ports: Vec<String>,
    behind_lb: bool,
    /// The resource id plus its ENI ids.
    members: Vec<String>,
    extra: Option<String>,
    /// Change pages only: what the diff says about it (None elsewhere).
    mark: Option<Mark>,
    /// Change pages only: exposure and security-group change lines.
    notes: Vec<(String, &'static str, bool)>,
}

pub(super) fn kind_label(s: ServiceKind) -> &'static str {
    match s {
        ServiceKind::Ec2 => "ENI",
        ServiceKind::Elb => "ELB",
        ServiceKind::Rds => "RDS",
        ServiceKind::Lambda => "Lambda",
        ServiceKind::Nat => "NAT",
        ServiceKind::VpcEndpoint => "Endpoint",
        ServiceKind::Eks => "EKS",
        ServiceKind::Ecs => "ECS",
        ServiceKind::Efs => "EFS",
        ServiceKind::Elasticache => "ElastiCache",
        ServiceKind::Redshift => "Redshift",
        ServiceKind::TransitGateway => "TGW ENI",
        ServiceKind::Other => "ENI",
    }
}

fn items_of_subnet(f: &Facts, subnet: &Subnet) -> Vec<Item> {
    let mut out = Vec::new();
    let empty_i = Vec::new();
    let empty_n = Vec::new();
    let instances = f.instances_by_subnet.get(subnet.id.as_str()).unwrap_or(&empty_i);
    for i in instances {
        let enis = f.enis_by_instance.get(i.id.as_str()).unwrap_or(&empty_n);
        let mut sgs: BTreeSet<String> = i.security_group_ids.iter().cloned().collect();
        sgs.extend(enis.iter().flat_map(|n| n.security_group_ids.iter().cloned()));
        let name = nm(i.name().unwrap_or(&i.id));
        let stem = i.tags.get("aws:autoscaling:groupName").cloned().unwrap_or_else(|| name_stem(&name));
        let mut members = vec![i.id.clone()];
        members.extend(enis.iter().map(|n| n.id.clone()));
        out.push(Item {
            kind: "EC2",
            id: i.id.clone(),
            name,
            stem,
            sgs: sgs.into_iter().collect(),
            ports: f.exposed_ports(enis.iter().map(|n| n.id.as_str())),
            behind_lb: enis.iter().any(|n| f.behind_lb.contains(n.id.as_str())),
            members,
            extra: i.public_ip.map(|ip| format!("public {ip}")),
            mark: None,
            notes: Vec::new(),
        });
    }
    let nats = f.nats_by_subnet.get(subnet.id.as_str()).map(|v| v.as_slice()).unwrap_or(&[]);
    let nat_enis: BTreeSet<&str> =
        nats.iter().flat_map(|n| n.addresses.iter().filter_map(|a| a.network_interface_id.as_deref())).collect();
    for n in nats {
        let name = nm(n.name().unwrap_or(&n.id));
        let mut members = vec![n.id.clone()];
        members.extend(n.addresses.iter().filter_map(|a| a.network_interface_id.clone()));
        let ip = n.addresses.iter().find_map(|a| a.public_ip);
        out.push(Item {
            kind: "NAT",
            id: n.id.clone(),
            stem: name_stem(&name),
            name,
            sgs: Vec::new(),
            ports: Vec::new(),
            behind_lb: false,
            members,
            extra: ip.map(|ip| format!("public {ip}")),
            mark: None,
            notes: Vec::new(),
        });
    }
    for n in f.enis_by_subnet.get(subnet.id.as_str()).unwrap_or(&empty_n) {
        let on_known_instance = n.instance_id().is_some_and(|i| f.instance_ids.contains(i));
        // A load balancer's node is part of its box (`lbs`).
        let lb_node = f.lb_of_eni.contains_key(n.id.as_str());
        if on_known_instance || lb_node || nat_enis.contains(n.id.as_str()) {
            continue;
        }
        let name = nm(&n.name().map(str::to_string).unwrap_or_else(|| {
            if n.description.trim().is_empty() {
                n.id.clone()
            } else {
                short_description(&n.description)
            }
        }));
        let stem = n.tags.get("aws:autoscaling:groupName").cloned().unwrap_or_else(|| name_stem(&name));
        let ip = n.public_ips().first().map(|ip| format!("public {ip}"));
        out.push(Item {
            kind: kind_label(n.service),
            id: n.id.clone(),
            name,
            stem,
            sgs: n.security_group_ids.clone(),
            ports: f.exposed_ports(std::iter::once(n.id.as_str())),
            behind_lb: f.behind_lb.contains(n.id.as_str()),
            members: vec![n.id.clone()],
            extra: ip,
            mark: None,
            notes: Vec::new(),
        });
    }
    out
}

/// Change pages: marks each item from the diff, and adds what OLD had in this subnet
/// that NEW no longer shows (removed, or not collected) in its old place. A NEW ENI of
/// such an instance (its instance listing was denied, its ENIs were not) folds into it.
fn mark_items(f: &Facts, subnet: &Subnet, items: &mut Vec<Item>, marks: &ChangeMarks, entries: &[Entry]) {
    let placeable = |e: &&Entry| {
        matches!(e.mark, Mark::Removed | Mark::Unknown)
            && e.old_subnet.as_deref() == Some(subnet.id.as_str())
            && matches!(e.kind, ResourceKind::Instance | ResourceKind::NetworkInterface | ResourceKind::NatGateway)
    };
    let ghosts: Vec<&Entry> = entries.iter().filter(placeable).collect();
    let ghost_instances: BTreeSet<&str> =
        ghosts.iter().filter(|e| e.kind == ResourceKind::Instance).map(|e| e.id.as_str()).collect();
    let mut folded: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let new_enis = f.enis_by_subnet.get(subnet.id.as_str()).map(|v| v.as_slice()).unwrap_or(&[]);
    items.retain(|it| {
        let owner = new_enis.iter().find(|n| n.id == it.id).and_then(|n| n.instance_id());
        match owner.filter(|i| ghost_instances.contains(i)) {
            Some(i) => {
                folded.entry(i.to_string()).or_default().push(it.id.clone());
                false
            }
            None => true,
        }
    });
    // Still in NEW but gone all the same (state terminated): marked where it is drawn,
    // not drawn twice.
    let mut in_new = BTreeSet::new();
    for it in items.iter_mut() {
        if let Some(e) = ghosts.iter().find(|e| it.id == e.id || it.members.contains(&e.id)) {
            it.mark = Some(e.mark.clone());
            in_new.insert(e.id.as_str());
        }
        resolve(f, it, marks);
    }
    for e in &ghosts {
        if e.kind == ResourceKind::NetworkInterface
            && e.old_instance.as_deref().is_some_and(|i| ghost_instances.contains(i))
        {
            folded.entry(e.old_instance.clone().unwrap_or_default()).or_default().push(e.id.clone());
        }
    }
    for e in ghosts {
        if in_new.contains(e.id.as_str())
            || e.kind == ResourceKind::NetworkInterface
                && e.old_instance.as_deref().is_some_and(|i| ghost_instances.contains(i))
        {
            continue;
        }
        let mut it = ghost_item(e);
        if let Some(enis) = folded.get(&e.id) {
            it.members.extend(enis.iter().cloned());
            it.members.sort();
            it.members.dedup();
        }
        resolve(f, &mut it, marks);
        items.push(it);
    }
}

/// An OLD resource NEW does not show, as a chip item.
fn ghost_item(e: &Entry) -> Item {
    let name = nm(e.name.as_deref().unwrap_or(&e.id));
    let kind = if e.label.is_empty() { e.kind.as_str() } else { e.label };
    Item {
        kind,
        id: e.id.clone(),
        stem: name_stem(&name),
        name,
        sgs: Vec::new(),
        ports: Vec::new(),
        behind_lb: false,
        members: vec![e.id.clone()],
        extra: e.old_extra.clone(),
        mark: Some(e.mark.clone()),
        notes: Vec::new(),
    }
}

/// An item's own mark, else its ENIs' marks as a change of it; its exposure
/// changes; and the changed security groups it uses.
fn resolve(f: &Facts, it: &mut Item, marks: &ChangeMarks) {
    if it.mark.is_none() {
        let own = marks.mark(&it.id);
        it.mark = own.cloned().or_else(|| {
            let parts: Vec<String> = it
                .members
                .iter()
                .filter(|m| **m != it.id)
                .filter_map(|m| match marks.mark(m)? {
                    Mark::Added => Some(format!("{m} added")),
                    Mark::Changed { fields } => Some(format!("{m} {}", fields.join(", "))),
                    _ => None,
                })
                .collect();
            (!parts.is_empty()).then_some(Mark::Changed { fields: parts })
        });
    }
    if let Some(n) = marks.notes.get(&it.id) {
        it.notes.push((n.clone(), MUTED, false));
    }
    let ids = it.members.iter().map(String::as_str).chain([it.id.as_str()]);
    for x in marks.exposure_of(ids) {
        let opens = x.what.opens();
        it.notes.push((x.text(), if opens { EXPOSED } else { MUTED }, opens));
    }
    for sg in &it.sgs {
        if let Some(Mark::Changed { fields }) = marks.mark(sg) {
            let name = f.sg_names.get(sg.as_str()).map(|n| format!("{sg} ({})", nm(n))).unwrap_or_else(|| sg.clone());
            it.notes.push((format!("its security group {name} changed: {}", fields.join(", ")), CHANGED_INK, false));
        }
    }
}

/// Managed-service ENI descriptions repeat the service name; keep the telling part.
fn short_description(d: &str) -> String {
    let d = d.trim();
    for prefix in [
        "ELB ",
        "AWS Lambda VPC ENI-",
        "RDSNetworkInterface",
        "VPC Endpoint Interface ",
        "Network Interface for Transit Gateway Attachment ",
        "Interface for NAT Gateway ",
    ] {
        if let Some(rest) = d.strip_prefix(prefix) {
            let rest = rest.trim();
            if !rest.is_empty() {
                return rest.to_string();
            }
        }
    }
    d.to_string()
}

/// A chip: one resource, or several like ones.
#[derive(Debug, Clone)]
struct Chip {
    items: Vec<Item>,
    /// Set when the chip stands for several resources.
    title: Option<String>,
}

impl Chip {
    fn exposed(&self) -> bool {
        self.items.iter().any(|i| !i.ports.is_empty())
    }
    fn ports(&self) -> Vec<String> {
        let s: BTreeSet<&String> = self.items.iter().flat_map(|i| i.ports.iter()).collect();
        s.into_iter().cloned().collect()
    }
    /// Like items share their mark (it is part of the grouping key).
    fn mark(&self) -> Option<&Mark> {
        self.items.first().and_then(|i| i.mark.as_ref())
    }
    /// Drawn from OLD: removed, or not collected in NEW.
    fn ghost(&self) -> bool {
        matches!(self.mark(), Some(Mark::Removed | Mark::Unknown))
    }
}

/// Groups like resources (same kind, name stem or autoscaling group, SG set and
/// exposure) so a subnet stays legible; every member stays listed in the inventory.
fn chips(mut items: Vec<Item>) -> (Vec<Chip>, bool) {
    items.sort_by(|a, b| {
        (a.ports.is_empty(), a.kind, &a.stem, &a.id).cmp(&(b.ports.is_empty(), b.kind, &b.stem, &b.id))
    });
    // A change mark and its lines are part of the key: an added or removed resource
    // never hides in a group of unchanged ones (outside change pages both are empty).
    type Key = (bool, &'static str, String, Vec<String>, Vec<String>, bool, Option<Mark>, Vec<String>);
    let mut groups: BTreeMap<Key, Vec<Item>> = BTreeMap::new();
    for it in items.iter().cloned() {
        let notes = it.notes.iter().map(|n| n.0.clone()).collect();
        groups
            .entry((
                it.ports.is_empty(),
                it.kind,
                it.stem.clone(),
                it.sgs.clone(),
                it.ports.clone(),
                it.behind_lb,
                it.mark.clone(),
                notes,
            ))
            .or_default()
            .push(it);
    }
    let mut out = Vec::new();
    for ((_, kind, stem, ..), members) in groups {
        if members.len() >= AGGREGATE_FROM {
            out.push(Chip { title: Some(format!("{kind} {stem} × {}", members.len())), items: members });
        } else {
            out.extend(members.into_iter().map(|m| Chip { items: vec![m], title: None }));
        }
    }
    if out.len() <= MAX_CHIPS {
        return (out, false);
    }
    // Second level: by kind and exposure only.
    type Coarse = (bool, &'static str, Vec<String>, Option<Mark>);
    let mut coarse: BTreeMap<Coarse, Vec<Item>> = BTreeMap::new();
    for it in items {
        coarse.entry((it.ports.is_empty(), it.kind, it.ports.clone(), it.mark.clone())).or_default().push(it);
    }
    let mut out: Vec<Chip> = coarse
        .into_iter()
        .map(|((_, kind, ..), members)| {
            let stems: BTreeSet<&str> = members.iter().map(|m| m.stem.as_str()).collect();
            let title = if members.len() == 1 {
                None
            } else {
                Some(format!("{kind} × {} ({} names)", members.len(), stems.len()))
            };
            Chip { title, items: members }
        })
        .collect();
    if out.len() > MAX_CHIPS {
        let rest: Vec<Item> = out.split_off(MAX_CHIPS - 1).into_iter().flat_map(|c| c.items).collect();
        out.push(Chip { title: Some(format!("+ {} more resources (see inventory)", rest.len())), items: rest });
    }
    (out, true)
}

struct ChipLines {
    lines: Vec<(String, f64, bool, &'static str)>,
    w: f64,
    h: f64,
}

fn chip_lines(c: &Chip) -> ChipLines {
    let mut lines: Vec<(String, f64, bool, &'static str)> = Vec::new();
    let first = &c.items[0];
    if let Some(m) = c.mark() {
        lines.push((m.badge(), 8.5, true, style::WHITE));
    }
    // Drawn from OLD: greyed, so it does not read as present.
    let ink = if c.ghost() { MUTED } else { INK };
    match &c.title {
        Some(t) => {
            lines.push((t.clone(), 9.5, true, ink));
            let sgs: BTreeSet<&str> = c.items.iter().flat_map(|i| i.sgs.iter().map(String::as_str)).collect();
            let sgs: Vec<&str> = sgs.into_iter().collect();
            lines.push((
                if sgs.is_empty() { "no security group".to_string() } else { sgs.join(", ") },
                8.5,
                false,
                MUTED,
            ));
        }
        None => {
            lines.push((format!("{} {}", first.kind, clean(&first.name)), 9.5, true, ink));
            lines.push((first.id.clone(), 8.5, false, MUTED));
            if let Some(x) = &first.extra {
                lines.push((x.clone(), 8.5, false, MUTED));
            }
        }
    }
    let ports = c.ports();
    if !ports.is_empty() {
        lines.push((format!("internet → {}", ports.join(", ")), 8.5, true, EXPOSED));
    } else if c.items.iter().any(|i| i.behind_lb) {
        lines.push(("internet via load balancer".to_string(), 8.5, false, MUTED));
    }
    // Change lines (exposure, security groups), wrapped rather than cut: they are the news.
    let mut seen = BTreeSet::new();
    for (text, color, bold) in c.items.iter().flat_map(|i| i.notes.iter()) {
        if seen.insert(text) {
            for l in metrics::wrap(&clean(text), 8.5, *bold, CHIP_MAX_W - 12.0) {
                lines.push((l, 8.5, *bold, color));
            }
        }
    }
    let w = lines.iter().map(|(t, s, b, _)| metrics::width(&clean(t), *s, *b)).fold(0.0, f64::max) + 12.0;
    let w = w.clamp(CHIP_MIN_W, CHIP_MAX_W);
    let h = lines.iter().map(|(_, s, _, _)| metrics::line_height(*s) + 2.0).sum::<f64>() + 8.0;
    ChipLines { lines, w, h }
}

/// A gateway on the VPC border and the route-target id that selects it.
struct Gateway {
    target: String,
    kind: &'static str,
    id: String,
    detail: String,
    missing: bool,
}

fn gateways(f: &Facts, vpc: &Vpc, tables: &[&RouteTable]) -> Vec<Gateway> {
    let in_vpc = f.in_vpc(&vpc.id);
    let mut out: Vec<Gateway> = Vec::new();
    let attached = [
        (&in_vpc.internet_gateways, "IGW", "internet gateway"),
        (&in_vpc.egress_only_gateways, "EIGW", "egress-only (IPv6)"),
        (&in_vpc.vpn_gateways, "VGW", "VPN gateway"),
    ];
    for (ids, kind, detail) in attached {
        for &id in ids {
            out.push(Gateway {
                target: id.to_string(),
                kind,
                id: id.to_string(),
                detail: detail.into(),
                missing: false,
            });
        }
    }
    for a in &in_vpc.tgw_attachments {
        out.push(Gateway {
            target: a.transit_gateway_id.clone(),
            kind: "TGW",
            id: a.transit_gateway_id.clone(),
            detail: a.id.clone(),
            missing: false,
        });
    }
    for p in &in_vpc.peerings {
        let other = if p.requester.vpc_id == vpc.id { &p.accepter } else { &p.requester };
        let acct = if other.account_id != vpc.account_id { format!(" ({})", other.account_id) } else { String::new() };
        out.push(Gateway {
            target: p.id.clone(),
            kind: "PCX",
            id: p.id.clone(),
            detail: format!("↔ {}{acct} {}", other.vpc_id, p.status),
            missing: false,
        });
    }
    for e in &in_vpc.gateway_endpoints {
        let svc = e.service_name.rsplit('.').next().unwrap_or(&e.service_name).to_string();
        out.push(Gateway {
            target: e.id.clone(),
            kind: "VPCE",
            id: e.id.clone(),
            detail: format!("gateway endpoint {svc}"),
            missing: false,
        });
    }
    // Route targets that name a gateway the snapshot lacks: draw them anyway, marked.
    let known: BTreeSet<String> = out.iter().map(|g| g.target.clone()).collect();
    let mut missing = BTreeSet::new();
    for t in tables {
        for route in &t.routes {
            let kind = match route.target.kind {
                RouteTargetKind::InternetGateway => "IGW",
                RouteTargetKind::EgressOnlyInternetGateway => "EIGW",
                RouteTargetKind::VpnGateway => "VGW",
                RouteTargetKind::TransitGateway => "TGW",
                RouteTargetKind::VpcPeeringConnection => "PCX",
                RouteTargetKind::VpcEndpoint => "VPCE",
                _ => continue,
            };
            if !known.contains(&route.target.id) && missing.insert(route.target.id.clone()) {
                out.push(Gateway {
                    target: route.target.id.clone(),
                    kind,
                    id: route.target.id.clone(),
                    detail: "not in snapshot".into(),
                    missing: true,
                });
            }
        }
    }
    let order = |k: &str| ["IGW", "EIGW", "VGW", "TGW", "PCX", "VPCE"].iter().position(|x| *x == k).unwrap_or(9);
    out.sort_by(|a, b| (order(a.kind), &a.id, &a.detail).cmp(&(order(b.kind), &b.id, &b.detail)));
    out.dedup_by(|a, b| a.target == b.target);
    out
}

pub struct VpcPage {
    pub scene: Scene,
    pub notes: Vec<String>,
}

struct SubnetPlan<'a> {
    subnet: &'a Subnet,
    tier: SubnetTier,
    head: Vec<(String, f64, bool, &'static str)>,
    head_h: f64,
    chips: Vec<(Chip, ChipLines)>,
    pref_w: f64,
    w: f64,
    h: f64,
    offs: Vec<(f64, f64)>,
    mark: Option<Mark>,
}

pub fn render(f: &Facts, vpc: &Vpc) -> VpcPage {
    render_marked(f, vpc, None)
}

/// The mark of a gateway: its own id's, or (TGW) its attachment's.
fn gateway_mark<'m>(g: &Gateway, marks: &'m ChangeMarks) -> Option<&'m Mark> {
    let of = |id: &str| marks.mark(id).or_else(|| marks.gone.get(id));
    of(&g.id).or_else(|| of(&g.target)).or_else(|| (g.kind == "TGW").then(|| of(&g.detail)).flatten())
}

/// Change lines of a subnet's head: its effective route table's and NACL's changes.
fn subnet_change_lines(f: &Facts, s: &Subnet, marks: &ChangeMarks) -> Vec<(String, f64, bool, &'static str)> {
    let mut out = Vec::new();
    if let Some(rt) = f.route_table(&s.id) {
        if let Some(Mark::Changed { fields }) = marks.mark(&rt.id) {
            out.push((format!("~ its route table {} changed: {}", rt.id, fields.join(", ")), 9.0, true, CHANGED_INK));
        }
    }
    let nacls = &f.snap.resources.network_acls;
    let nacl = nacls
        .iter()
        .find(|n| n.associations.iter().any(|a| a.subnet_id == s.id))
        .or_else(|| nacls.iter().find(|n| n.vpc_id == s.vpc_id && n.is_default));
    if let Some(n) = nacl {
        if let Some(Mark::Changed { fields }) = marks.mark(&n.id) {
            out.push((format!("~ its network ACL {} changed: {}", n.id, fields.join(", ")), 9.0, true, CHANGED_INK));
        }
    }
    out
}

/// The page of `vpc`; with `marks`, a change page: what the diff added, changed,
/// removed or could not see marked on it (see `marks`).
pub fn render_marked(f: &Facts, vpc: &Vpc, marks: Option<&ChangeMarks>) -> VpcPage {
    let env = f.vpc_env(vpc);
    let entries = marks.map(|m| m.entries(&vpc.id)).unwrap_or(&[]);
    let mut notes = Vec::new();
    let subnets: Vec<&Subnet> = f.subnets_by_vpc.get(vpc.id.as_str()).cloned().unwrap_or_default();
    let gws = gateways(f, vpc, &f.in_vpc(&vpc.id).route_tables);

    // Which subnets route to which gateway.
    let mut uses: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); gws.len()];
    for s in &subnets {
        if let Some(rt) = f.route_table(&s.id) {
            for route in &rt.routes {
                if let Some(g) = gws.iter().position(|g| g.target == route.target.id) {
                    uses[g].insert(s.id.as_str());
                }
            }
        }
    }

    // Plan subnets: header, chips, preferred width.
    let mut aggregated = 0usize;
    let mut plans: Vec<SubnetPlan> = subnets
        .iter()
        .map(|s| {
            let tier = f.tier(&s.id);
            let cidr = s.cidr_block.map(|c| c.to_string()).unwrap_or_else(|| "no IPv4 CIDR".into());
            let mut head = Vec::new();
            match s.name() {
                Some(n) => {
                    head.push((nm(n), 11.0, true, INK));
                    head.push((format!("{} · {} · {}", s.id, cidr, style::tier_label(tier)), 9.0, false, INK));
                }
                None => head.push((format!("{} · {} · {}", s.id, cidr, style::tier_label(tier)), 10.0, true, INK)),
            }
            head.push((f.default_route_text(&s.id), 9.0, false, MUTED));
            let mark = marks.and_then(|m| m.mark(&s.id)).cloned();
            if let Some(m) = &mark {
                head.insert(0, (m.badge(), 9.0, true, style::WHITE));
            }
            if let Some(m) = marks {
                head.extend(subnet_change_lines(f, s, m));
            }
            let head_h = head.iter().map(|l| metrics::line_height(l.1) + 3.0).sum::<f64>() + 6.0;
            let head_w =
                head.iter().map(|l| metrics::width(&clean(&l.0), l.1, l.2)).fold(0.0, f64::max).min(SUBNET_MAX_HEAD_W);
            let mut items = items_of_subnet(f, s);
            if let Some(m) = marks {
                mark_items(f, s, &mut items, m, entries);
            }
            let (cs, hard) = chips(items);
            if hard {
                aggregated += 1;
            }
            let chips: Vec<(Chip, ChipLines)> = cs
                .into_iter()
                .map(|c| {
                    let l = chip_lines(&c);
                    (c, l)
                })
                .collect();
            let sizes: Vec<(f64, f64)> = chips.iter().map(|(_, l)| (l.w, l.h)).collect();
            let (_, cw, _) = pack::shelves(&sizes, CHIP_GAP, 3.0);
            let pref_w = (cw.max(head_w) + 2.0 * PAD).max(SUBNET_MIN_W);
            SubnetPlan { subnet: s, tier, head, head_h, chips, pref_w, w: 0.0, h: 0.0, offs: Vec::new(), mark }
        })
        .collect();
    if aggregated > 0 {
        notes.push(format!("{aggregated} subnet(s) hold more than {MAX_CHIPS} kinds of resources: grouped by kind; every resource is listed in the inventory."));
    }
    notes.push(format!("Like resources (same kind, name stem or autoscaling group, security groups, exposure) are drawn once as \"× N\" from {AGGREGATE_FROM} up."));

    // AZ columns, tier-ordered rows aligned across columns.
    let mut azs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in plans.iter().enumerate() {
        azs.entry(p.subnet.availability_zone.as_str()).or_default().push(i);
    }
    let az_names: Vec<&str> = azs.keys().copied().collect();
    let mut rows_per_tier = [0usize; 3];
    for idxs in azs.values_mut() {
        idxs.sort_by(|a, b| {
            let (pa, pb) = (&plans[*a], &plans[*b]);
            (pa.tier, pa.subnet.name().unwrap_or(""), &pa.subnet.id).cmp(&(
                pb.tier,
                pb.subnet.name().unwrap_or(""),
                &pb.subnet.id,
            ))
        });
        for (t, rows) in rows_per_tier.iter_mut().enumerate() {
            let n = idxs.iter().filter(|i| plans[**i].tier as usize == t).count();
            *rows = (*rows).max(n);
        }
    }
    let tier_row0 = [0, rows_per_tier[0], rows_per_tier[0] + rows_per_tier[1]];
    let n_rows: usize = rows_per_tier.iter().sum();
    // cell[(row, col)] = plan index
    let mut cell: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (c, name) in az_names.iter().enumerate() {
        let mut k = [0usize; 3];
        for &i in &azs[name] {
            let t = plans[i].tier as usize;
            cell.insert((tier_row0[t] + k[t], c), i);
            k[t] += 1;
        }
    }
    let mut col_w = vec![SUBNET_MIN_W; az_names.len()];
    for (&(_, c), &i) in &cell {
        col_w[c] = col_w[c].max(plans[i].pref_w);
    }
    // Load balancers: a lane at the bottom of their row, channels right of columns and
    // lanes in the gaps below rows for their lines.
    let pos: BTreeMap<&str, (usize, usize)> = cell.iter().map(|(&rc, &i)| (plans[i].subnet.id.as_str(), rc)).collect();
    let mut lbs = lbs::load_balancers(f, &subnets, marks);
    let lb_layout = lbs::place(f, &mut lbs, &pos, n_rows, az_names.len());
    lbs::column_widths(f, &lbs, &lb_layout, &mut col_w, PAD);
    for (&(_, c), &i) in &cell {
        let p = &mut plans[i];
        p.w = col_w[c];
        let sizes: Vec<(f64, f64)> = p.chips.iter().map(|(_, l)| (l.w, l.h)).collect();
        let (offs, _, ch) = pack::shelves_at_width(&sizes, CHIP_GAP, p.w - 2.0 * PAD);
        p.offs = offs;
        p.h = p.head_h + ch + if p.chips.is_empty() { PAD / 2.0 } else { PAD };
    }
    let mut row_h = vec![0.0f64; n_rows];
    for (&(r, _), &i) in &cell {
        row_h[r] = row_h[r].max(plans[i].h);
    }
    let strip_top_in_row = row_h.clone();
    for (h, strip) in row_h.iter_mut().zip(&lb_layout.strip_h) {
        *h += strip;
    }
    let gap_below: Vec<f64> = lb_layout.gap_lanes.iter().map(|n| *n as f64 * LANE).collect();
    let channels_w: Vec<f64> = lb_layout.channels.iter().map(|n| *n as f64 * LANE).collect();

    // Lanes: one per gateway with lines; per AZ gutter, one per gateway reaching it.
    let lined: Vec<usize> = (0..gws.len()).filter(|g| !uses[*g].is_empty()).collect();
    let az_of: BTreeMap<&str, usize> = plans
        .iter()
        .map(|p| (p.subnet.id.as_str(), az_names.iter().position(|a| *a == p.subnet.availability_zone).unwrap_or(0)))
        .collect();
    let mut gutter_lanes: Vec<Vec<usize>> = vec![Vec::new(); az_names.len()];
    for &g in &lined {
        let cols: BTreeSet<usize> = uses[g].iter().filter_map(|s| az_of.get(s).copied()).collect();
        for c in cols {
            gutter_lanes[c].push(g);
        }
    }

    // Header and gateway row geometry. A badge line makes every gateway box taller,
    // so they stay one row.
    let gw_marks: Vec<Option<&Mark>> = gws.iter().map(|g| marks.and_then(|m| gateway_mark(g, m))).collect();
    let gw_h = if gw_marks.iter().any(Option::is_some) { GW_H + 12.0 } else { GW_H };
    let vy = gw_h / 2.0;
    let name = vpc.name().map(|n| format!("VPC {}", nm(n))).unwrap_or_else(|| format!("VPC {}", vpc.id));
    let cidrs: Vec<String> = vpc
        .cidr_blocks
        .iter()
        .map(|c| c.to_string())
        .chain(vpc.ipv6_cidr_blocks.iter().map(|c| c.to_string()))
        .collect();
    let vpc_mark = marks.and_then(|m| m.mark(&vpc.id)).cloned();
    let mut head = vec![
        (name, 14.0, true, env.color()),
        (
            format!(
                "{} · {} · {}",
                vpc.id,
                if cidrs.is_empty() { "no CIDR".to_string() } else { cidrs.join(", ") },
                env.label()
            ),
            10.0,
            false,
            INK,
        ),
        (
            format!(
                "account {} · {}{}",
                f.account_label(&vpc.account_id),
                vpc.region,
                if vpc.is_default { " · default VPC" } else { "" }
            ),
            10.0,
            false,
            INK,
        ),
    ];
    if let Some(m) = &vpc_mark {
        head.push((m.badge(), 10.0, true, style::WHITE));
    }
    let head_w = head.iter().map(|l| metrics::width(&clean(&l.0), l.1, l.2)).fold(0.0, f64::max).min(520.0);
    let gw_lines: Vec<Vec<(String, f64, bool, &'static str)>> = gws
        .iter()
        .zip(&gw_marks)
        .map(|(g, m)| {
            let mut ls = vec![(format!("{} {}", g.kind, g.detail), 9.0, true, INK), (g.id.clone(), 8.5, false, INK)];
            if let Some(m) = m {
                ls.insert(0, (m.badge(), 8.5, true, style::WHITE));
            }
            ls
        })
        .collect();
    // A badge line makes every gateway box taller, so they stay one row.
    let gw_w: Vec<f64> = gw_lines
        .iter()
        .map(|ls| {
            (ls.iter().map(|l| metrics::width(&clean(&l.0), l.1, l.2)).fold(0.0, f64::max) + 14.0).clamp(90.0, 290.0)
        })
        .collect();
    let gw_x0 = PAD + head_w + 24.0;
    let gw_total: f64 = gw_w.iter().sum::<f64>() + 12.0 * gw_w.len().saturating_sub(1) as f64;
    let head_bottom = vy + 10.0 + head.iter().map(|l| metrics::line_height(l.1) + 4.0).sum::<f64>();
    let band_top = head_bottom.max(vy + gw_h / 2.0) + 8.0;
    let band_h = 8.0 + lined.len() as f64 * LANE + 6.0;
    let az_top = band_top + band_h;

    // Columns.
    let mut x = 0.0;
    let mut az_x = Vec::new();
    for c in 0..az_names.len() {
        x += GUTTER + gutter_lanes[c].len() as f64 * LANE;
        az_x.push(x);
        x += col_w[c] + 2.0 * PAD + channels_w[c];
    }
    x += GUTTER;
    let rows_h: f64 =
        row_h.iter().sum::<f64>() + ROW_GAP * n_rows.saturating_sub(1) as f64 + gap_below.iter().sum::<f64>();
    let az_h = AZ_HEAD + PAD + rows_h + PAD;
    let vpc_w = x.max(gw_x0 + gw_total + PAD).max(head_w + 2.0 * PAD).max(320.0);
    let body_h = if az_names.is_empty() { 40.0 } else { az_h };
    let vpc_h = az_top - vy + body_h + GUTTER;

    let mut scene = Scene::new(&vpc.id);
    let vpc_rect = Rect::new(0.0, vy, vpc_w, vpc_h);
    if let Some(ring) = vpc_mark.as_ref().and_then(Mark::ring) {
        scene.add_box(&format!("{}:ring", vpc.id), Role::Ring, vpc_rect.inflate(marks::RING + 1.0), None, ring);
    }
    let vb = scene.add_box(&vpc.id, Role::Vpc, vpc_rect, None, style::vpc(env));
    scene.boxes[vb].tooltip = format!("{} {}", vpc.id, nm(vpc.name().unwrap_or("")));
    let mut ty = vy + 10.0;
    for (t, size, bold, color) in &head {
        ty += metrics::ascent(*size);
        match vpc_mark.as_ref().filter(|_| *color == style::WHITE) {
            Some(m) => marks::badge(&mut scene, vb, PAD, ty, t, *size, Anchor::Start, head_w, m),
            None => scene.add_text(Some(vb), PAD, ty, t, *size, *bold, color, Anchor::Start, head_w),
        }
        ty += metrics::descent(*size) + 4.0;
    }
    if az_names.is_empty() {
        scene.add_text(
            Some(vb),
            PAD,
            az_top + 20.0,
            "no subnets in snapshot",
            10.0,
            false,
            MUTED,
            Anchor::Start,
            vpc_w - 2.0 * PAD,
        );
    }

    // Gateways straddle the top border.
    let mut gx = gw_x0;
    let mut gw_rect = Vec::new();
    for (i, g) in gws.iter().enumerate() {
        let r = Rect::new(gx, vy - gw_h / 2.0, gw_w[i], gw_h);
        let mut st = style::gateway();
        if g.missing {
            st.dashed = true;
        }
        match gw_marks[i] {
            // Gone from NEW, drawn because a route still names it: greyed like any removed box.
            Some(Mark::Removed) => st = marks::removed_style(),
            Some(Mark::Unknown) => st = marks::unknown_style(),
            _ => {}
        }
        if let Some(ring) = gw_marks[i].and_then(Mark::ring) {
            scene.add_box(&format!("{}:ring", g.id), Role::Ring, r.inflate(marks::RING), Some(vb), ring);
        }
        let b = scene.add_box(&g.id, Role::Gateway, r, Some(vb), st);
        scene.boxes[b].tooltip = format!("{} {} {}", g.kind, g.id, g.detail);
        scene.boxes[b].members = vec![g.id.clone(), g.target.clone()];
        if g.kind == "TGW" {
            // The attachment is the VPC's own resource: its changes mark this box.
            scene.boxes[b].members.push(g.detail.clone());
        }
        let mut ly = r.y + 6.0;
        for (t, size, bold, color) in &gw_lines[i] {
            ly += metrics::ascent(*size);
            match gw_marks[i].filter(|_| *color == style::WHITE) {
                Some(m) => marks::badge(&mut scene, b, r.cx(), ly, t, *size, Anchor::Middle, r.w - 10.0, m),
                None => scene.add_text(Some(b), r.cx(), ly, t, *size, *bold, color, Anchor::Middle, r.w - 10.0),
            }
            ly += metrics::descent(*size) + 2.0;
        }
        gw_rect.push(r);
        gx += gw_w[i] + 12.0;
    }

    // AZ columns and subnets.
    let mut subnet_rect: BTreeMap<&str, Rect> = BTreeMap::new();
    let mut row_y = vec![0.0; n_rows];
    let mut yy = az_top + AZ_HEAD + PAD;
    for r in 0..n_rows {
        row_y[r] = yy;
        yy += row_h[r] + ROW_GAP + gap_below[r];
    }
    for (c, az) in az_names.iter().enumerate() {
        let ar = Rect::new(az_x[c], az_top, col_w[c] + 2.0 * PAD + channels_w[c], az_h);
        let ab = scene.add_box(&format!("{}:{az}", vpc.id), Role::AvailabilityZone, ar, Some(vb), style::az());
        let zone_id = plans
            .iter()
            .find(|p| p.subnet.availability_zone == *az)
            .and_then(|p| p.subnet.availability_zone_id.clone());
        let label = match zone_id {
            Some(z) => format!("Availability zone {az} ({z})"),
            None => format!("Availability zone {az}"),
        };
        scene.add_text(
            Some(ab),
            ar.x + PAD,
            ar.y + 6.0 + metrics::ascent(10.0),
            &label,
            10.0,
            true,
            "#147eba",
            Anchor::Start,
            ar.w - 2.0 * PAD,
        );
        for r in 0..n_rows {
            let Some(&i) = cell.get(&(r, c)) else { continue };
            let p = &plans[i];
            let sr = Rect::new(ar.x + PAD, row_y[r], p.w, row_h[r]);
            if let Some(ring) = p.mark.as_ref().and_then(Mark::ring) {
                scene.add_box(&format!("{}:ring", p.subnet.id), Role::Ring, sr.inflate(marks::RING), Some(ab), ring);
            }
            let sb = scene.add_box(&p.subnet.id, Role::Subnet, sr, Some(ab), style::subnet_style(p.tier));
            scene.boxes[sb].tooltip =
                format!("{} {} {}", p.subnet.id, nm(p.subnet.name().unwrap_or("")), style::tier_label(p.tier));
            subnet_rect.insert(p.subnet.id.as_str(), sr);
            let mut ly = sr.y + 5.0;
            for (t, size, bold, color) in &p.head {
                ly += metrics::ascent(*size);
                let (x, w) = (sr.x + PAD, sr.w - 2.0 * PAD);
                match p.mark.as_ref().filter(|_| *color == style::WHITE) {
                    Some(m) => marks::badge(&mut scene, sb, x, ly, t, *size, Anchor::Start, w, m),
                    None => scene.add_text(Some(sb), x, ly, t, *size, *bold, color, Anchor::Start, w),
                }
                ly += metrics::descent(*size) + 3.0;
            }
            for ((chip, lines), (ox, oy)) in p.chips.iter().zip(&p.offs) {
                let cr = Rect::new(sr.x + PAD + ox, sr.y + p.head_h + oy, lines.w, lines.h);
                let exposed = chip.exposed();
                let id = match &chip.title {
                    None => chip.items[0].id.clone(),
                    Some(_) => format!("{}:group:{}", p.subnet.id, chip.items[0].id),
                };
                if let Some(ring) = chip.mark().and_then(Mark::ring) {
                    scene.add_box(&format!("{id}:ring"), Role::Ring, cr.inflate(marks::RING), Some(sb), ring);
                }
                let st = match chip.mark() {
                    Some(Mark::Removed) => marks::removed_style(),
                    Some(Mark::Unknown) => marks::unknown_style(),
                    _ if exposed => style::exposed_resource(),
                    _ => style::resource(),
                };
                let cb = scene.add_box(&id, Role::Resource, cr, Some(sb), st);
                scene.boxes[cb].exposed = exposed;
                scene.boxes[cb].members = chip.items.iter().flat_map(|i| i.members.iter().cloned()).collect();
                let mut ids: Vec<&str> = chip.items.iter().map(|i| i.id.as_str()).take(40).collect();
                if chip.items.len() > 40 {
                    ids.push("…");
                }
                scene.boxes[cb].tooltip = ids.join(" ");
                let mut ly = cr.y + 4.0;
                for (t, size, bold, color) in &lines.lines {
                    ly += metrics::ascent(*size);
                    let (x, w) = (cr.x + 6.0, cr.w - 12.0);
                    match chip.mark().filter(|_| *color == style::WHITE) {
                        Some(m) => marks::badge(&mut scene, cb, x, ly, t, *size, Anchor::Start, w, m),
                        None => scene.add_text(Some(cb), x, ly, t, *size, *bold, color, Anchor::Start, w),
                    }
                    ly += metrics::descent(*size) + 2.0;
                }
            }
        }
    }

    let grid = lbs::Grid {
        cells: cell
            .iter()
            .filter_map(|(&rc, &i)| {
                let sub = plans[i].subnet;
                subnet_rect.get(sub.id.as_str()).map(|r| (rc, (sub, *r)))
            })
            .collect(),
        strip_top: (0..n_rows).map(|r| row_y[r] + strip_top_in_row[r]).collect(),
        channel_x0: (0..az_names.len()).map(|c| az_x[c] + 1.5 * PAD + col_w[c]).collect(),
        gap_y0: (0..n_rows).map(|r| row_y[r] + row_h[r] + ROW_GAP / 2.0).collect(),
        lane: LANE,
        pad: PAD,
        vpc_box: vb,
    };
    lbs::draw(&mut scene, f, &lbs, &lb_layout, &grid);

    // Route lines: gateway → its lane → the AZ gutter lane → the subnet's left edge.
    let mut port_count: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, &g) in lined.iter().enumerate() {
        let gr = gw_rect[g];
        let lane_y = band_top + 8.0 + k as f64 * LANE;
        let mut targets: Vec<&str> = uses[g].iter().copied().collect();
        targets.sort();
        for s in targets {
            let (Some(sr), Some(&c)) = (subnet_rect.get(s), az_of.get(s)) else { continue };
            let m = gutter_lanes[c].iter().position(|x| *x == g).unwrap_or(0);
            let lane_x = az_x[c] - 8.0 - m as f64 * LANE;
            let n = port_count.entry(s).or_insert(0);
            let py = (sr.y + 10.0 + *n as f64 * 5.0).min(sr.bottom() - 4.0);
            *n += 1;
            let gxc = gr.x + 10.0 + (k % 8) as f64 * 4.0;
            let gxc = gxc.min(gr.right() - 6.0);
            scene.edges.push(SceneEdge {
                from: gws[g].id.clone(),
                to: s.to_string(),
                points: vec![(gxc, gr.bottom()), (gxc, lane_y), (lane_x, lane_y), (lane_x, py), (sr.x, py)],
                style: Line::Route.style(),
                label: None,
            });
        }
    }

    // Everything must start at (0,0): shift down by nothing (gateways start at y=0).
    scene.width = vpc_w;
    scene.height = vy + vpc_h;
    if let Some(m) = marks {
        change_panel(f, &mut scene, m, entries, vy + vpc_h + 2.0 * GUTTER, vpc_w);
    }
    VpcPage { scene, notes }
}

/// Change pages: every change of this VPC the drawing above does not show as a box
/// of its own: OLD's resources with no place left (a removed subnet, gateway or load
/// balancer; anything whose subnet is gone) as greyed chips, and changes to kinds
/// drawn as no box (security groups, NACLs, route tables…) with their field changes.
fn change_panel(f: &Facts, scene: &mut Scene, marks: &ChangeMarks, entries: &[Entry], y: f64, w: f64) {
    let drawn: BTreeSet<&str> = scene
        .boxes
        .iter()
        .flat_map(|b| std::iter::once(b.id.as_str()).chain(b.members.iter().map(String::as_str)))
        .collect();
    let left: Vec<&Entry> = entries.iter().filter(|e| !drawn.contains(e.id.as_str())).collect();
    if left.is_empty() {
        return;
    }
    let gone: Vec<&&Entry> = left.iter().filter(|e| matches!(e.mark, Mark::Removed | Mark::Unknown)).collect();
    let gone_ids: BTreeSet<&str> = gone.iter().map(|e| e.id.as_str()).collect();
    // An ENI of an instance also gone is drawn as part of it, as in a subnet.
    let of_gone_instance = |e: &Entry| e.old_instance.as_deref().is_some_and(|i| gone_ids.contains(i));
    let ghosts: Vec<Chip> = gone
        .iter()
        .filter(|e| !of_gone_instance(e))
        .map(|e| {
            let mut it = ghost_item(e);
            it.members
                .extend(gone.iter().filter(|x| x.old_instance.as_deref() == Some(e.id.as_str())).map(|x| x.id.clone()));
            if it.extra.is_none() {
                it.extra = e.old_subnet.as_ref().map(|s| format!("was in subnet {s}, gone too"));
            }
            resolve(f, &mut it, marks);
            Chip { items: vec![it], title: None }
        })
        .collect();
    let listed: Vec<&&Entry> = left.iter().filter(|e| matches!(e.mark, Mark::Added | Mark::Changed { .. })).collect();
    const MAX_DETAILS: usize = 6;
    let text_w = w - 2.0 * PAD - 14.0;
    let mut lines: Vec<(String, f64, f64, bool, &'static str)> = Vec::new();
    for e in &listed {
        let name = e.name.as_deref().map(|n| format!(" ({})", nm(n))).unwrap_or_default();
        let badge = match &e.mark {
            Mark::Changed { .. } => "~ CHANGED".to_string(),
            m => m.badge(),
        };
        lines.push((format!("{badge}: {} {}{name}", e.kind.as_str(), e.id), 0.0, 9.5, true, e.mark.ink()));
        for d in e.details.iter().take(MAX_DETAILS) {
            for l in metrics::wrap(&clean(d), 9.0, false, text_w) {
                lines.push((l, 14.0, 9.0, false, INK));
            }
        }
        if e.details.len() > MAX_DETAILS {
            lines.push((
                format!("… and {} more (changes.csv)", e.details.len() - MAX_DETAILS),
                14.0,
                9.0,
                false,
                MUTED,
            ));
        }
    }
    let chip_lines: Vec<ChipLines> = ghosts.iter().map(chip_lines).collect();
    let sizes: Vec<(f64, f64)> = chip_lines.iter().map(|l| (l.w, l.h)).collect();
    let (offs, _, chips_h) = pack::shelves_at_width(&sizes, CHIP_GAP, w - 2.0 * PAD);
    let title = "Also changed in this VPC, not drawn as a box above (every change is one row of changes.csv)";
    let title_h = metrics::line_height(10.5) + 8.0;
    let lines_h: f64 = lines.iter().map(|l| metrics::line_height(l.2) + 2.0).sum();
    let h = PAD + title_h + lines_h + if ghosts.is_empty() { 0.0 } else { chips_h + PAD } + PAD;
    let r = Rect::new(0.0, y, w, h);
    let pb = scene.add_box("changes-panel", Role::Region, r, None, style::plain(style::WHITE, "#aab7b8", 1.0, false));
    let mut ly = y + PAD + metrics::ascent(10.5);
    scene.add_text(Some(pb), PAD, ly, title, 10.5, true, INK, Anchor::Start, w - 2.0 * PAD);
    ly += metrics::descent(10.5) + 8.0;
    for (t, indent, size, bold, color) in &lines {
        ly += metrics::ascent(*size);
        scene.add_text(Some(pb), PAD + indent, ly, t, *size, *bold, color, Anchor::Start, w - 2.0 * PAD - indent);
        ly += metrics::descent(*size) + 2.0;
    }
    let cy = ly + 4.0;
    for ((chip, cl), (ox, oy)) in ghosts.iter().zip(&chip_lines).zip(&offs) {
        let cr = Rect::new(PAD + ox, cy + oy, cl.w, cl.h);
        let st = if chip.mark() == Some(&Mark::Unknown) { marks::unknown_style() } else { marks::removed_style() };
        let cb = scene.add_box(&format!("changes-panel:{}", chip.items[0].id), Role::Resource, cr, Some(pb), st);
        scene.boxes[cb].members = chip.items[0].members.clone();
        scene.boxes[cb].tooltip = chip.items[0].id.clone();
        let mut ty = cr.y + 4.0;
        for (t, size, bold, color) in &cl.lines {
            ty += metrics::ascent(*size);
            let (x, w) = (cr.x + 6.0, cr.w - 12.0);
            match chip.mark().filter(|_| *color == style::WHITE) {
                Some(m) => marks::badge(scene, cb, x, ty, t, *size, Anchor::Start, w, m),
                None => scene.add_text(Some(cb), x, ty, t, *size, *bold, color, Anchor::Start, w),
            }
            ty += metrics::descent(*size) + 2.0;
        }
    }
    scene.height = r.bottom();
}
