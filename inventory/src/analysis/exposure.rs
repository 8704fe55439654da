//! Internet exposure: a search over the topology graph from its internet node. The
//! walk (`internet_reach`) goes internet → internet gateway → attached VPC → subnet →
//! ENI; that is where internet traffic can arrive, and the per-ENI transfer function
//! below says what of it the controls let through, so each finding is a path of length
//! one from the internet (the path engine takes its internet hops from them). ENIs with
//! a public address the walk does not reach are not exposed; they still go through the
//! transfer function, for the `--why` evidence only.
//!
//! The transfer function works on exact sets. For each public address family the
//! source space is cut at every boundary a control names (route, NACL and SG CIDRs,
//! prefix-list entries, non-public ranges); on each piece every control decides one way, so each
//! piece is evaluated once — return route (longest prefix match), NACL outbound for the
//! replies, NACL inbound per port (first match), security groups (union) — and the
//! pieces are joined back into exact source sets per (protocol, ports, evidence).
//! Ingress routing (an IGW edge route table sending the traffic to an appliance, GWLB
//! or Network Firewall endpoint) is followed; what stops a candidate is kept for `--why`.
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::ipset::{describe_sources, family_max, is_non_public, is_public_v6, non_public_set, span, Span, SpanSet};
use super::lb::{self, LbTable};
use super::nacl;
use super::ports::{domain, intersect};
use super::routes::{self, describe, RouteEntry};
use super::sg::{self, SgMatch};
use super::types::{BlockReason, Blocked, Evidence, ExposureFinding, IpVersion};
use crate::model::*;
use crate::topology::hash::FastMap;
use crate::topology::{Edge, EffectiveRouteTable, Graph, Index, NaclRules, NodeKind, Topology};

/// What the ports of an NLB without security groups are, in EC2 data.
pub const LISTENER_PORTS_NOTE: &str = "listener ports (not in EC2 data)";
/// The "SG rule" of an NLB without security groups.
const NLB_OPEN: &str = "no security groups (NLB): any client on its listener ports";

/// Exposure findings and, for every interface with a public address that nothing
/// reaches, why (`--why`).
pub fn exposures(topo: &Topology) -> (Vec<ExposureFinding>, Vec<Blocked>) {
    let reach = internet_reach(&topo.graph);
    let mut eval = Evaluator::new(topo);
    let mut out = Vec::new();
    let mut blocked = Vec::new();
    for eni in &topo.snapshot.resources.network_interfaces {
        let addresses = public_addresses(eni, &topo.index);
        // Without a public address nothing is exposed, reached or not: no need to ask.
        let public = addresses.0.is_some() || addresses.1.is_some();
        if !public || reach.reaches(&topo.graph, ResourceKind::NetworkInterface, &eni.id) {
            eval.interface(eni, &addresses, &mut out, &mut blocked);
        } else {
            eval.unreached_interface(eni, &addresses, &mut blocked);
        }
    }
    eval.stand_ins(&reach, &mut out, &mut blocked);
    out.sort();
    out.dedup();
    blocked.sort();
    (out, blocked)
}

/// What a walk from the internet node reaches along typed edges: internet →(Internet)
/// internet gateway →(Attached) VPC →(Contains) subnet →(Contains) ENI, or internet
/// →(Internet, unseen gateway) VPC when only routes know the gateway. These are the
/// only places internet traffic can arrive at; the transfer function (`eni_exposures`)
/// decides on each what its routes, NACLs and security groups let through.
pub struct InternetReach {
    /// By node index: a flag per node, not a set of ids, keeps the walk free of hashing.
    reached: Vec<bool>,
}

impl InternetReach {
    /// Whether the walk reaches a resource. The last hop, subnet →(Contains) ENI, is
    /// taken from the ENI's side when asked: only interfaces with a public address are
    /// asked, and following every subnet's edges to every ENI costs more than they do.
    pub fn reaches(&self, g: &Graph, kind: ResourceKind, id: &str) -> bool {
        let Some(n) = g.node(kind, id) else { return false };
        if kind != ResourceKind::NetworkInterface {
            return self.reached[n.index()];
        }
        let mut into = g.graph.edges_directed(n, Direction::Incoming);
        into.any(|e| matches!(e.weight(), Edge::Contains) && self.reached[e.source().index()])
    }
}

/// Walks the graph from its internet node, breadth first by edge type (see `InternetReach`).
pub fn internet_reach(g: &Graph) -> InternetReach {
    use ResourceKind as K;
    let mut reached = vec![false; g.graph.node_count()];
    let entered = |e: &Edge| matches!(e, Edge::Internet { unseen: None });
    let gateways = step(g, &[g.internet], entered, K::InternetGateway, &mut reached);
    let mut vpcs = step(g, &gateways, |e| matches!(e, Edge::Attached), K::Vpc, &mut reached);
    let unseen = |e: &Edge| matches!(e, Edge::Internet { unseen: Some(_) });
    vpcs.extend(step(g, &[g.internet], unseen, K::Vpc, &mut reached));
    step(g, &vpcs, |e| matches!(e, Edge::Contains), K::Subnet, &mut reached);
    InternetReach { reached }
}

/// The nodes of kind `to` one `follow` edge away from `from` that the walk has not
/// reached yet, in edge order; marks them reached.
fn step(
    g: &Graph,
    from: &[NodeIndex],
    follow: fn(&Edge) -> bool,
    to: ResourceKind,
    reached: &mut [bool],
) -> Vec<NodeIndex> {
    let mut next = Vec::new();
    for e in from.iter().flat_map(|&n| g.graph.edges_directed(n, Direction::Outgoing)) {
        let t = e.target();
        if follow(e.weight()) && !reached[t.index()] && g.graph[t].kind == NodeKind::Resource(to) {
            reached[t.index()] = true;
            next.push(t);
        }
    }
    next
}

/// The per-interface transfer function with what it shares across interfaces.
struct Evaluator<'a> {
    topo: &'a Topology<'a>,
    edges: FastMap<&'a str, &'a RouteTable>,
    route_cache: FastMap<&'a str, Vec<RouteEntry<'a>>>,
    lbs: LbTable<'a>,
}

impl<'a> Evaluator<'a> {
    fn new(topo: &'a Topology<'a>) -> Evaluator<'a> {
        let edges = edge_tables(&topo.snapshot.resources, &topo.index);
        Evaluator { topo, edges, route_cache: FastMap::default(), lbs: LbTable::new(topo) }
    }

    /// An interface the internet reaches: its findings (a load balancer's cut down to
    /// its listeners) and, when none, why.
    fn interface(
        &mut self,
        eni: &'a NetworkInterface,
        (v4, v6): &PublicAddresses,
        out: &mut Vec<ExposureFinding>,
        blocked: &mut Vec<Blocked>,
    ) {
        let ix = &self.topo.index;
        match self.lbs.of_eni(eni) {
            None => eni_exposures(eni, v4, v6, ix, &self.edges, &mut self.route_cache, out, blocked),
            Some(lb) => {
                let mut found = Vec::new();
                eni_exposures(eni, v4, v6, ix, &self.edges, &mut self.route_cache, &mut found, blocked);
                out.extend(self.lbs.restrict(lb, found, &eni.id, blocked));
            }
        }
    }

    /// An interface the walk does not reach (its VPC has no internet gateway attached):
    /// not exposed, but one with a public address still gets its `--why` entries, from
    /// the same transfer function, so the evidence is what it always was.
    fn unreached_interface(
        &mut self,
        eni: &'a NetworkInterface,
        addresses: &PublicAddresses,
        blocked: &mut Vec<Blocked>,
    ) {
        let mut found = Vec::new();
        self.interface(eni, addresses, &mut found, blocked);
        blocked.extend(not_reached(eni, &found));
    }

    /// Internet-facing load balancers the snapshot has no ENIs for: one stand-in node
    /// per subnet, evaluated alike (the emulator creates no ENIs; nor does a denied
    /// DescribeNetworkInterfaces leave any). The walk reaches a node through its subnet.
    fn stand_ins(&self, reach: &InternetReach, out: &mut Vec<ExposureFinding>, blocked: &mut Vec<Blocked>) {
        let ix = &self.topo.index;
        let nodes: Vec<(&LoadBalancer, NetworkInterface)> = self
            .lbs
            .without_enis(&self.topo.snapshot.resources.load_balancers)
            .flat_map(|lb| {
                let subnets = lb.subnet_ids.iter().filter_map(|s| ix.get::<Subnet>(s));
                subnets.map(move |s| (lb, lb::node_interface(lb, s)))
            })
            .collect();
        let mut node_cache: FastMap<&str, Vec<RouteEntry>> = FastMap::default();
        for (lb, node) in &nodes {
            let (v4, v6) = lb::node_public_labels(lb, &node.subnet_id);
            let mut found = Vec::new();
            let mut stops = Vec::new();
            eni_exposures(node, &v4, &v6, ix, &self.edges, &mut node_cache, &mut found, &mut stops);
            for b in &mut stops {
                b.eni_id.clear();
            }
            blocked.extend(stops);
            let kept = self.lbs.restrict(lb, found, "", blocked);
            if reach.reaches(&self.topo.graph, ResourceKind::Subnet, &node.subnet_id) {
                out.extend(kept);
            } else {
                blocked.extend(not_reached(node, &kept).map(|b| Blocked { eni_id: String::new(), ..b }));
            }
        }
    }
}

/// Why an unreached interface is not exposed although its controls would admit
/// `found`: one entry per address. Only a snapshot AWS would not produce gets here (an
/// interface outside its subnet's VPC, an edge association with a gateway the snapshot
/// says is detached), but the evidence must not vanish with the finding.
fn not_reached<'e>(eni: &'e NetworkInterface, found: &[ExposureFinding]) -> impl Iterator<Item = Blocked> + 'e {
    let addresses: BTreeSet<(IpVersion, String)> = found.iter().map(|f| (f.ip_version, f.public_ip.clone())).collect();
    let why = format!("no path from the internet: no internet gateway attached to {} reaches it", eni.vpc_id);
    addresses.into_iter().map(move |(v, ip)| {
        let reason = BlockReason { protocol: "all".into(), sources: "any".into(), reason: why.clone() };
        blocked_entry(eni, v, &ip, vec![reason])
    })
}

/// VPC id → the route table associated with the edge of its internet gateway.
fn edge_tables<'a>(r: &'a Resources, ix: &Index<'a>) -> FastMap<&'a str, &'a RouteTable> {
    let mut m = FastMap::default();
    for t in &r.route_tables {
        let igw_edge = t.associations.iter().filter_map(|a| a.gateway_id.as_deref()).any(|g| {
            g.starts_with("igw-") || ix.get::<InternetGateway>(g).is_some_and(|igw| ix.igw_attached(&igw.id, &t.vpc_id))
        });
        if igw_edge {
            m.entry(t.vpc_id.as_str()).or_insert(t);
        }
    }
    m
}

/// Everything fixed for one ENI.
struct Ctx<'c, 'a> {
    eni: &'a NetworkInterface,
    ix: &'c Index<'a>,
    rt: EffectiveRouteTable<'a>,
    nacl: &'c NaclRules<'a>,
    groups: Vec<&'a SecurityGroup>,
    routes: &'c [RouteEntry<'a>],
    /// An internet-facing NLB without security groups: every client on its listeners.
    nlb_open: bool,
    edge: Option<&'a RouteTable>,
}

/// How replies (and, with ingress routing, requests) travel between the internet and
/// the ENI for one piece of the source space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Path {
    /// Index into `routes` of the subnet route carrying the replies.
    ret: usize,
    /// Index into the edge table's routes of the ingress route, when traffic is inspected.
    ingress: Option<usize>,
}

/// Evidence key of one allowed (piece, ports): everything a finding names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    protocol: Protocol,
    path: Path,
    out_rule: u16,
    in_rule: u16,
    /// Index into `Family::matches`; `usize::MAX` for an open NLB.
    sg: usize,
}

/// Per address family: the pieces, SG matches, ingress routes.
struct Family<'a> {
    v6: bool,
    matches: Vec<SgMatch<'a>>,
    edge_routes: Vec<RouteEntry<'a>>,
    /// (key) → allowed rectangles (ports × addresses).
    rects: BTreeMap<Key, Vec<(PortRange, Span)>>,
    /// (protocol label, reason) → sources it applies to.
    stops: BTreeMap<(String, String), SpanSet>,
    /// Addresses the subnet routes locally: the VPC's own, never internet clients.
    own: SpanSet,
}

/// An interface's public IPv4 and IPv6 addresses as shown (none: not reachable that way).
type PublicAddresses = (Option<String>, Option<String>);

/// The public addresses of an ENI as shown, per family.
fn public_addresses(eni: &NetworkInterface, ix: &Index) -> PublicAddresses {
    let mut v4: Vec<Ipv4Addr> = eni.public_ips();
    if let Some(eips) = ix.eips_by_eni.get(eni.id.as_str()) {
        v4.extend(eips);
    }
    v4.sort();
    v4.dedup();
    let v6: Vec<Ipv6Addr> = eni.ipv6_addresses.iter().copied().filter(|a| is_public_v6(*a)).collect();
    let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join(", "));
    (join(v4.iter().map(|a| a.to_string()).collect()), join(v6.iter().map(|a| a.to_string()).collect()))
}

#[allow(clippy::too_many_arguments)]
fn eni_exposures<'a>(
    eni: &'a NetworkInterface,
    v4: &Option<String>,
    v6: &Option<String>,
    ix: &Index<'a>,
    edges: &FastMap<&'a str, &'a RouteTable>,
    cache: &mut FastMap<&'a str, Vec<RouteEntry<'a>>>,
    out: &mut Vec<ExposureFinding>,
    blocked: &mut Vec<Blocked>,
) {
    let public = |v: IpVersion| match v {
        IpVersion::V4 => v4.clone().unwrap_or_default(),
        IpVersion::V6 => v6.clone().unwrap_or_default(),
    };
    let versions: Vec<IpVersion> = [(IpVersion::V4, v4.is_some()), (IpVersion::V6, v6.is_some())]
        .into_iter()
        .filter_map(|(v, has)| has.then_some(v))
        .collect();
    if versions.is_empty() {
        return;
    }
    let block_all = |reason: String, blocked: &mut Vec<Blocked>| {
        for v in &versions {
            blocked.push(blocked_entry(
                eni,
                *v,
                &public(*v),
                vec![BlockReason { protocol: "all".into(), sources: "any".into(), reason: reason.clone() }],
            ));
        }
    };
    // Without a route table, NACL or security group in the snapshot nothing can be
    // shown; coverage gaps (reported elsewhere) explain why.
    let Some(rt) = ix.route_table_of(&eni.subnet_id, &eni.vpc_id) else {
        return block_all(format!("no route table for {} in the snapshot", eni.subnet_id), blocked);
    };
    let Some(nacl) = ix.nacl_of(&eni.subnet_id, &eni.vpc_id) else {
        return block_all(format!("no network ACL for {} in the snapshot", eni.subnet_id), blocked);
    };
    let mut groups: Vec<&SecurityGroup> =
        eni.security_group_ids.iter().filter_map(|id| ix.get::<SecurityGroup>(id)).collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    groups.dedup_by(|a, b| a.id == b.id);
    let nlb_open = eni.security_group_ids.is_empty() && is_network_load_balancer(eni);
    if eni.service == ServiceKind::Nat {
        // A NAT gateway translates outbound flows only; unsolicited inbound is dropped.
        return block_all("NAT gateway interface: accepts no connections from the internet".into(), blocked);
    }
    if groups.is_empty() && !nlb_open {
        let why = if eni.security_group_ids.is_empty() {
            "no security group on the interface".to_string()
        } else {
            format!("its security groups ({}) are not in the snapshot", eni.security_group_ids.join(", "))
        };
        return block_all(why, blocked);
    }
    let routes = cache.entry(rt.table.id.as_str()).or_insert_with(|| routes::entries(rt.table, ix));
    let edge = edges.get(eni.vpc_id.as_str()).copied();
    let ctx = Ctx { eni, ix, rt, nacl, groups, routes, nlb_open, edge };
    for v in versions {
        let before = out.len();
        let fam = ctx.evaluate(v);
        ctx.report(v, &public(v), &fam, out);
        if out.len() == before {
            let reasons = fam
                .stops
                .iter()
                .map(|((protocol, reason), set)| BlockReason {
                    protocol: protocol.clone(),
                    sources: describe_sources(set, fam.v6, &fam.own).text,
                    reason: reason.clone(),
                })
                .collect();
            blocked.push(blocked_entry(eni, v, &public(v), reasons));
        }
    }
}

/// NLB interfaces: interface type, or the description AWS writes ("ELB net/…").
fn is_network_load_balancer(eni: &NetworkInterface) -> bool {
    eni.interface_type == "network_load_balancer" || eni.description.starts_with("ELB net/")
}

fn blocked_entry(eni: &NetworkInterface, v: IpVersion, public_ip: &str, reasons: Vec<BlockReason>) -> Blocked {
    Blocked {
        account_id: eni.account_id.clone(),
        region: eni.region.clone(),
        vpc_id: eni.vpc_id.clone(),
        resource_id: eni.instance_id().unwrap_or(&eni.id).to_string(),
        eni_id: eni.id.clone(),
        ip_version: v,
        public_ip: public_ip.to_string(),
        reasons,
    }
}

fn in_family(n: &IpNet, v6: bool) -> bool {
    matches!(n, IpNet::V6(_)) == v6
}

fn ports_text(p: Protocol, r: PortRange) -> String {
    if p.has_ports() {
        format!("{p}/{r}")
    } else {
        p.to_string()
    }
}

impl<'c, 'a> Ctx<'c, 'a> {
    fn protocols(&self, v6: bool) -> Vec<Protocol> {
        let icmp = if v6 { Protocol::Icmpv6 } else { Protocol::Icmp };
        let mut set: BTreeSet<Protocol> = [Protocol::Tcp, Protocol::Udp, icmp].into_iter().collect();
        let named = self
            .groups
            .iter()
            .flat_map(|g| g.ingress.iter().map(|r| r.protocol))
            .chain(self.nacl.inbound.iter().map(|e| e.protocol));
        set.extend(named.filter(|p| matches!(p, Protocol::Other(_))));
        set.into_iter().collect()
    }

    /// Every boundary a control draws in the source space of one family.
    fn cuts(&self, v6: bool, edge_routes: &[RouteEntry]) -> Vec<u128> {
        let mut spans: Vec<Span> = non_public_set(v6).spans().to_vec();
        let mut add = |n: &IpNet| {
            if in_family(n, v6) {
                spans.push(span(n));
            }
        };
        self.nacl.inbound.iter().chain(&self.nacl.outbound).for_each(|e| add(&e.cidr));
        self.routes.iter().chain(edge_routes).for_each(|e| add(&e.cidr));
        for g in &self.groups {
            for rule in &g.ingress {
                match &rule.peer {
                    RulePeer::Cidr { cidr } => add(cidr),
                    RulePeer::PrefixList { prefix_list_id } => {
                        self.ix.prefix_list_entries(prefix_list_id).iter().for_each(|e| add(&e.cidr))
                    }
                    RulePeer::SecurityGroup { .. } => {}
                }
            }
        }
        let mut cuts = vec![0u128];
        for (lo, hi) in spans {
            cuts.push(lo);
            if let Some(next) = hi.checked_add(1).filter(|n| *n <= family_max(v6)) {
                cuts.push(next);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    /// The ENI's own address the gateway translates to (v4: primary private IP).
    fn destination(&self, v6: bool) -> Option<u128> {
        if v6 {
            self.eni.ipv6_addresses.iter().find(|a| is_public_v6(**a)).map(|a| u128::from(*a))
        } else {
            let primary = self.eni.private_ips.iter().find(|p| p.primary).or(self.eni.private_ips.first());
            primary.map(|p| u32::from(p.address) as u128)
        }
    }

    fn evaluate(&self, v: IpVersion) -> Family<'a> {
        let v6 = v == IpVersion::V6;
        let edge_routes = self.edge.map(|t| routes::entries(t, self.ix)).unwrap_or_default();
        let mut fam = Family {
            v6,
            matches: Vec::new(),
            edge_routes,
            rects: BTreeMap::new(),
            stops: BTreeMap::new(),
            own: SpanSet::default(),
        };
        let cuts = self.cuts(v6, &fam.edge_routes);
        let protocols = self.protocols(v6);
        // Ingress routing decides per destination, the same for every source.
        let ingress = self.ingress(&fam, v6);
        for (i, &lo) in cuts.iter().enumerate() {
            let hi = cuts.get(i + 1).map(|n| n - 1).unwrap_or(family_max(v6));
            if is_non_public(lo, v6) {
                continue;
            }
            let piece = (lo, hi);
            let local = routes::lookup_addr(self.routes, lo, v6)
                .is_some_and(|i| self.routes[i].route.target.kind == RouteTargetKind::Local);
            if local {
                fam.own = fam.own.union(&SpanSet::of(piece));
                continue;
            }
            let via = ingress.clone().map(|ing| ing.map(|i| (i, fam.edge_routes[i].route.target.id.as_str())));
            let path = match via.and_then(|ing| self.return_path(lo, v6, ing)) {
                Ok(p) => p,
                Err(why) => {
                    fam.stop("all", why, piece);
                    continue;
                }
            };
            for &p in &protocols {
                self.piece(&mut fam, piece, p, path);
            }
        }
        fam
    }

    /// The ingress route that sends internet traffic for this ENI to an inspection
    /// point (Ok(None) when the edge table routes it locally or there is none).
    fn ingress(&self, fam: &Family, v6: bool) -> Result<Option<usize>, String> {
        let (Some(table), Some(dst)) = (self.edge, self.destination(v6)) else { return Ok(None) };
        let Some(i) = routes::lookup_addr(&fam.edge_routes, dst, v6) else { return Ok(None) };
        let e = &fam.edge_routes[i];
        if e.route.target.kind == RouteTargetKind::Local {
            return Ok(None);
        }
        if e.route.state != RouteState::Active {
            return Err(format!("ingress route table {}: {} is a blackhole", table.id, describe(e)));
        }
        Ok(Some(i))
    }

    /// How replies to `a` leave: through an attached IGW, or back through the
    /// inspection point the ingress route names.
    fn return_path(&self, a: u128, v6: bool, ingress: Option<(usize, &str)>) -> Result<Path, String> {
        let table = &self.rt.table.id;
        let Some(ret) = routes::lookup_addr(self.routes, a, v6) else {
            return Err(format!("route table {table} has no route back to these sources"));
        };
        let e = &self.routes[ret];
        let target = &e.route.target;
        if e.route.state != RouteState::Active {
            return Err(format!("route table {table}: {} is a blackhole (no reply reaches them)", describe(e)));
        }
        let ingress_index = ingress.map(|(i, _)| i);
        match target.kind {
            RouteTargetKind::InternetGateway if self.ix.igw_attached(&target.id, &self.eni.vpc_id) => {
                Ok(Path { ret, ingress: ingress_index })
            }
            RouteTargetKind::InternetGateway => Err(format!(
                "route table {table}: {} — {} is not attached to {}",
                describe(e),
                target.id,
                self.eni.vpc_id
            )),
            // Replies go back through the inspection point the requests came through.
            _ if ingress.is_some_and(|(_, via)| via == target.id) => Ok(Path { ret, ingress: ingress_index }),
            _ => Err(format!(
                "route table {table}: {} — replies to these sources leave by {} ({}), not the internet gateway",
                describe(e),
                target.id,
                target_kind_text(target.kind)
            )),
        }
    }

    /// Evaluates one piece of the source space for one protocol.
    fn piece(&self, fam: &mut Family<'a>, piece: Span, p: Protocol, path: Path) {
        let (a, v6) = (piece.0, fam.v6);
        let label = p.to_string();
        let out_rule = match nacl::replies_allowed(&self.nacl.outbound, a, v6, p) {
            Ok(n) => n,
            Err(deny) => {
                let what =
                    if p.has_ports() { format!("{p} replies to ports 1024-65535") } else { format!("{p} replies") };
                let why = match deny {
                    Some(n) => format!("NACL {} outbound #{n} denies {what}", self.nacl.acl.id),
                    None => format!("NACL {} outbound: no rule allows {what}", self.nacl.acl.id),
                };
                return fam.stop(&label, why, piece);
            }
        };
        let (inbound, first_deny) = nacl::ports_allowed(&self.nacl.inbound, a, v6, p);
        if inbound.is_empty() {
            let why = match first_deny {
                Some((n, r)) => format!("NACL {} inbound #{n} denies {}", self.nacl.acl.id, ports_text(p, r)),
                None => format!("NACL {} inbound: no rule allows {p} (the default rule denies it)", self.nacl.acl.id),
            };
            return fam.stop(&label, why, piece);
        }
        let sg = self.sg_ports(fam, a, v6, p);
        if sg.is_empty() {
            let ids: Vec<&str> = self.groups.iter().map(|g| g.id.as_str()).collect();
            return fam.stop(
                &label,
                format!("security groups {} admit no {p} from these sources", ids.join(", ")),
                piece,
            );
        }
        let segments = intersect(&inbound, &sg);
        if segments.is_empty() {
            let show = |v: Vec<PortRange>| v.iter().map(|r| ports_text(p, *r)).collect::<Vec<_>>().join(", ");
            let admitted = show(sg.iter().map(|x| x.0).collect());
            let why = match first_deny.filter(|(_, d)| sg.iter().any(|(r, _)| r.intersect(d).is_some())) {
                Some((n, r)) => format!(
                    "NACL {} inbound #{n} denies {} (security groups admit {admitted})",
                    self.nacl.acl.id,
                    ports_text(p, r)
                ),
                None => format!(
                    "NACL {} inbound allows {} but security groups admit {admitted}: no port in both",
                    self.nacl.acl.id,
                    show(inbound.iter().map(|x| x.0).collect()),
                ),
            };
            return fam.stop(&label, why, piece);
        }
        for (ports, (in_rule, sg)) in segments {
            let key = Key { protocol: p, path, out_rule, in_rule, sg };
            fam.rects.entry(key).or_default().push((ports, piece));
        }
    }

    /// Ports the security groups admit from address `a` (a union: the first rule
    /// covering a port is its evidence).
    fn sg_ports(&self, fam: &mut Family<'a>, a: u128, v6: bool, p: Protocol) -> Vec<(PortRange, usize)> {
        if self.nlb_open {
            return if p.has_ports() { vec![(domain(p), usize::MAX)] } else { Vec::new() };
        }
        let mut out = Vec::new();
        for m in sg::admitting(&self.groups, self.ix, a, v6, p) {
            let idx = match fam.matches.iter().position(|x| x == &m) {
                Some(i) => i,
                None => {
                    fam.matches.push(m);
                    fam.matches.len() - 1
                }
            };
            out.push((m.ports, idx));
        }
        out
    }

    fn report(&self, v: IpVersion, public_ip: &str, fam: &Family, out: &mut Vec<ExposureFinding>) {
        // Port-major: for each evidence key, split at its port boundaries and give each
        // port range its exact source set; neighbours with equal sets join again.
        let mut found: Vec<(Key, PortRange, SpanSet)> = Vec::new();
        for (key, rects) in &fam.rects {
            let mut cuts: Vec<u32> = rects.iter().flat_map(|(r, _)| [r.from as u32, r.to as u32 + 1]).collect();
            cuts.sort_unstable();
            cuts.dedup();
            let mut last: Option<(PortRange, SpanSet)> = None;
            for w in cuts.windows(2) {
                let (lo, hi) = (w[0], w[1] - 1);
                let set = SpanSet::from_spans(
                    rects.iter().filter(|(r, _)| r.from as u32 <= lo && hi <= r.to as u32).map(|(_, s)| *s).collect(),
                );
                if set.is_empty() {
                    if let Some(l) = last.take() {
                        found.push((*key, l.0, l.1));
                    }
                    continue;
                }
                match &mut last {
                    Some((r, s)) if *s == set && r.to as u32 + 1 == lo => r.to = hi as u16,
                    _ => {
                        if let Some(l) = last.replace((PortRange::new(lo as u16, hi as u16), set)) {
                            found.push((*key, l.0, l.1));
                        }
                    }
                }
            }
            if let Some(l) = last {
                found.push((*key, l.0, l.1));
            }
        }
        let all = self.collapse_all(fam, &found);
        for (key, ports, set) in &found {
            let collapsed =
                all.contains(&(key.path, key.out_rule, key.in_rule, rule_id(fam, key), set.spans().to_vec()));
            if collapsed {
                if key.protocol == Protocol::Tcp {
                    out.push(self.finding(v, public_ip, fam, key, Protocol::All, None, set));
                }
                continue;
            }
            let ports = key.protocol.has_ports().then_some(*ports);
            out.push(self.finding(v, public_ip, fam, key, key.protocol, ports, set));
        }
    }

    /// Sources for which TCP, UDP and ICMP are each allowed completely by the same
    /// NACL rules and the same protocol-"all" SG rule: one "all" finding says it better.
    #[allow(clippy::type_complexity)]
    fn collapse_all(
        &self,
        fam: &Family,
        found: &[(Key, PortRange, SpanSet)],
    ) -> BTreeSet<(Path, u16, u16, usize, Vec<Span>)> {
        let mut per: BTreeMap<(Path, u16, u16, usize, Vec<Span>), BTreeSet<Protocol>> = BTreeMap::new();
        for (key, ports, set) in found {
            let sg_all = fam.matches.get(key.sg).is_some_and(|m| m.rule.protocol == Protocol::All);
            let basic = matches!(key.protocol, Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6);
            if sg_all && basic && *ports == domain(key.protocol) {
                per.entry((key.path, key.out_rule, key.in_rule, rule_id(fam, key), set.spans().to_vec()))
                    .or_default()
                    .insert(key.protocol);
            }
        }
        per.into_iter().filter(|(_, ps)| ps.len() == 3).map(|(k, _)| k).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        v: IpVersion,
        public_ip: &str,
        fam: &Family,
        key: &Key,
        protocol: Protocol,
        ports: Option<PortRange>,
        set: &SpanSet,
    ) -> ExposureFinding {
        let eni = self.eni;
        let instance = eni.instance_id().and_then(|i| self.ix.get::<Instance>(i));
        let (resource_id, resource_kind, name) = match (eni.instance_id(), instance) {
            (Some(id), inst) => {
                (id.to_string(), ResourceKind::Instance, inst.and_then(|i| i.name()).or(eni.name()).map(str::to_string))
            }
            // Managed-service ENIs rarely have a Name tag; their description names the
            // service ("ELB app/prod-web-alb/...").
            (None, _) => (
                eni.id.clone(),
                ResourceKind::NetworkInterface,
                eni.name().or((!eni.description.is_empty()).then_some(eni.description.as_str())).map(str::to_string),
            ),
        };
        let sources = describe_sources(set, fam.v6, &fam.own);
        let (security_group_id, sg_rule, sg_rule_id) = match fam.matches.get(key.sg) {
            Some(m) => (m.group.id.clone(), m.describe(), m.rule.rule_id.clone()),
            None => (String::new(), NLB_OPEN.to_string(), None),
        };
        let ingress = key.path.ingress.and_then(|i| fam.edge_routes.get(i));
        ExposureFinding {
            account_id: eni.account_id.clone(),
            region: eni.region.clone(),
            vpc_id: eni.vpc_id.clone(),
            subnet_id: eni.subnet_id.clone(),
            resource_id,
            resource_kind,
            service: eni.service,
            eni_id: eni.id.clone(),
            name,
            ip_version: v,
            public_ip: public_ip.to_string(),
            protocol,
            ports,
            source: sources.envelope,
            sources: sources.cidrs,
            source_text: sources.text,
            ports_note: (key.sg == usize::MAX).then(|| LISTENER_PORTS_NOTE.to_string()),
            load_balancer: None,
            evidence: Evidence {
                route_table_id: self.rt.table.id.clone(),
                route: describe(&self.routes[key.path.ret]),
                route_table_main: self.rt.main,
                nacl_id: self.nacl.acl.id.clone(),
                nacl_in_rule: key.in_rule,
                nacl_out_rule: key.out_rule,
                security_group_id,
                sg_rule,
                sg_rule_id,
                ingress_route: ingress.zip(self.edge).map(|(e, t)| format!("{}: {}", t.id, describe(e))),
                inspection_point: ingress.map(|e| self.inspection_text(&e.route.target)),
            },
        }
    }

    fn inspection_text(&self, t: &RouteTarget) -> String {
        let what = match t.kind {
            RouteTargetKind::VpcEndpoint => match self.ix.get::<VpcEndpoint>(&t.id) {
                Some(e) if e.service_name.contains("network-firewall") => "AWS Network Firewall endpoint",
                Some(e) if e.endpoint_type == VpcEndpointType::GatewayLoadBalancer => "Gateway Load Balancer endpoint",
                _ => "VPC endpoint (Gateway Load Balancer or Network Firewall)",
            },
            RouteTargetKind::NetworkInterface => "appliance network interface",
            RouteTargetKind::Instance => "appliance instance",
            _ => target_kind_text(t.kind),
        };
        format!("{} ({what}); its filtering policy is not in EC2 data", t.id)
    }
}

/// The SG rule behind a key, the same for every protocol it admits.
fn rule_id(fam: &Family, key: &Key) -> usize {
    fam.matches.get(key.sg).map_or(usize::MAX, |m| m.rule as *const SgRule as usize)
}

impl Family<'_> {
    fn stop(&mut self, protocol: &str, why: String, piece: Span) {
        let set = self.stops.entry((protocol.to_string(), why)).or_default();
        *set = set.union(&SpanSet::of(piece));
    }
}

fn target_kind_text(k: RouteTargetKind) -> &'static str {
    match k {
        RouteTargetKind::Local => "local",
        RouteTargetKind::InternetGateway => "internet gateway",
        RouteTargetKind::EgressOnlyInternetGateway => "egress-only internet gateway",
        RouteTargetKind::NatGateway => "NAT gateway",
        RouteTargetKind::VpcPeeringConnection => "VPC peering",
        RouteTargetKind::TransitGateway => "transit gateway",
        RouteTargetKind::VpnGateway => "virtual private gateway",
        RouteTargetKind::VpcEndpoint => "VPC endpoint",
        RouteTargetKind::NetworkInterface => "network interface",
        RouteTargetKind::Instance => "instance",
        RouteTargetKind::CarrierGateway => "carrier gateway",
        RouteTargetKind::LocalGateway => "local gateway",
        RouteTargetKind::CoreNetwork => "core network",
        RouteTargetKind::Unknown => "unknown target",
    }
}
