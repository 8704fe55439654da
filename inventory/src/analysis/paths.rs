//! Attack paths: every simple path of up to N hops from one set of endpoints (the
//! internet, resources, tagged resources) to another (often the data stores), hop by
//! hop with the controls that allow each hop.
//!
//! Nodes are ENIs (an instance is its ENIs), the `internet` pseudo-node and S3/DynamoDB
//! gateway endpoints (targets only). Hops:
//! - internet → ENI: the exposure findings of that ENI, grouped;
//! - ENI A → ENI B, per address family (IPv4; IPv6 when both have IPv6 addresses): B's
//!   address routed from A's subnet (local, or an active peering — not transitive — or
//!   transit gateways, across TGW peering attachments too, with the return route going
//!   back the same way), the NACLs of both subnets in both directions when they differ
//!   (stateless), and one of B's security-group ingress rules admitting A (CIDR,
//!   prefix-list entry or a reference to one of A's groups, which admits its members'
//!   addresses of both families). A's addresses that get through are the sources;
//! - ENI → gateway endpoint: A's route table routes to the endpoint (tcp/443).
//!
//! NAT gateway, TGW attachment and interface/GWLB endpoint ENIs start no hop (they only
//! forward routed traffic, or end at an AWS service), nor do EFS mount targets and
//! ElastiCache nodes (servers only); Lambda ENIs are never a hop's destination (Lambda
//! opens no listener).
//!
//! Candidate next hops come from indexes, never an all-pairs scan: the topology graph's
//! SG-reference and `Protects` edges (groups that name one of A's groups, and their
//! ENIs) and a per-VPC index of security-group CIDR / prefix-list ingress rules by
//! prefix length. The search explores forward from FROM up to N hops into a petgraph
//! subgraph, computes each node's distance to TO backwards, and enumerates only
//! branches that can still reach TO.
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::{Deserialize, Serialize};

use super::ipset::{covers, SpanSet};
use super::ports::{domain, intersect, port_span, rule_ports, to_range};
use super::routes::{self, describe, lookup, RouteEntry};
use super::segmentation::usable;
use super::tgw::{TgwGraph, TgwStep};
use super::types::{Analysis, ConnectionVia, ExposureFinding, LoadBalancerTarget, TargetReach};
use crate::facts::{tag_value, TagKeys};
use crate::model::*;
use crate::topology::hash::{FastMap, FastSet};
use crate::topology::{Edge, NaclRules, Topology};

/// An ENI that is never the source of a hop: a NAT gateway's, a transit gateway
/// attachment's or an interface / Gateway Load Balancer endpoint's (they forward what a
/// route sends them, or end at an AWS service), an EFS mount target's or an ElastiCache
/// node's (servers that open no connection to other hosts; RDS and Redshift can).
fn originates_nothing(eni: &NetworkInterface) -> bool {
    matches!(
        eni.service,
        ServiceKind::Nat
            | ServiceKind::TransitGateway
            | ServiceKind::VpcEndpoint
            | ServiceKind::Efs
            | ServiceKind::Elasticache
    )
}

/// An ENI that is never the destination of a hop: a Lambda function's (Lambda opens
/// no listener; its ENIs carry the function's outbound connections only).
fn listens_on_nothing(eni: &NetworkInterface) -> bool {
    eni.service == ServiceKind::Lambda
}

/// How many paths are counted at most (beyond the ones shown) before counting stops.
pub const COUNT_CAP: usize = 1_000_000;

/// One end of a path query, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Internet,
    /// Instance (`i-`), ENI (`eni-`), subnet (`subnet-`) or VPC (`vpc-`) id.
    Resource(String),
    /// Instances and ENIs carrying tag KEY=VALUE.
    Tag {
        key: String,
        value: String,
    },
    /// Data-store ENIs (RDS, ElastiCache, Redshift, EFS), S3/DynamoDB gateway endpoints
    /// and instances/ENIs whose data-classification tag marks sensitive data.
    DataStores,
}

impl Endpoint {
    /// Parses `internet`, `data-stores`, `tag:KEY=VALUE` or a resource id.
    pub fn parse(s: &str) -> Result<Endpoint, PathsError> {
        let t = s.trim();
        let bad = |why: &str| PathsError::BadEndpoint(format!("{s:?}: {why}"));
        if t.eq_ignore_ascii_case("internet") {
            return Ok(Endpoint::Internet);
        }
        if t.eq_ignore_ascii_case("data-stores") {
            return Ok(Endpoint::DataStores);
        }
        if let Some(kv) = t.strip_prefix("tag:") {
            let (k, v) = kv.split_once('=').ok_or_else(|| bad("a tag selector is tag:KEY=VALUE"))?;
            if k.trim().is_empty() {
                return Err(bad("the tag key is empty (tag:KEY=VALUE)"));
            }
            return Ok(Endpoint::Tag { key: k.trim().to_string(), value: v.trim().to_string() });
        }
        let known = ["i-", "eni-", "subnet-", "vpc-"];
        if known.iter().any(|p| t.starts_with(p) && t.len() > p.len()) {
            return Ok(Endpoint::Resource(t.to_string()));
        }
        Err(bad("expected internet, data-stores, tag:KEY=VALUE, or an instance (i-…), ENI (eni-…), subnet (subnet-…) or VPC (vpc-…) id"))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Internet => f.write_str("internet"),
            Endpoint::Resource(id) => f.write_str(id),
            Endpoint::Tag { key, value } => write!(f, "tag:{key}={value}"),
            Endpoint::DataStores => f.write_str("data-stores"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathsError {
    /// Not a selector auditmap understands.
    BadEndpoint(String),
    /// A resource id the snapshot does not hold.
    UnknownResource(String),
    /// A selector that is valid but not supported on this side.
    Unsupported(String),
}

impl fmt::Display for PathsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathsError::BadEndpoint(m) => write!(f, "bad endpoint {m}"),
            PathsError::UnknownResource(id) => write!(f, "{id}: no such resource in the snapshot"),
            PathsError::Unsupported(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PathsError {}

#[derive(Debug, Clone)]
pub struct PathOptions {
    /// Longest path, in hops.
    pub max_hops: usize,
    /// Paths kept in the report (the rest are counted in `not_shown`).
    pub limit: usize,
    /// Keys of the data-classification tag (`data-stores`).
    pub tag_keys: TagKeys,
}

impl Default for PathOptions {
    fn default() -> PathOptions {
        PathOptions { max_hops: 4, limit: 1000, tag_keys: TagKeys::default() }
    }
}

/// Every path found, in order (by the resource and ENI ids along it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PathsReport {
    pub from: String,
    pub to: String,
    pub paths: Vec<Path>,
    /// Paths found beyond `limit` (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_shown: usize,
    /// Counting stopped at `COUNT_CAP`: there are at least `not_shown` more.
    #[serde(default, skip_serializing_if = "is_false")]
    pub count_capped: bool,
    /// Nodes and hops the search evaluated (not serialised; `-v` logs them).
    #[serde(skip)]
    pub explored: (usize, usize),
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Path {
    pub hops: Vec<Hop>,
}

/// One hop: `from` reaches `to` on these protocols/ports, every control shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    /// "internet", an instance id (for an instance's ENI) or an ENI id.
    pub from: String,
    /// An instance id, ENI id or gateway endpoint id.
    pub to: String,
    /// Protocols admitted, e.g. "tcp" ("tcp, udp" when several).
    pub protocol: String,
    /// Ports admitted, e.g. "5432" or "80, 443" ("tcp/53, udp/53" when several protocols).
    pub ports: String,
    /// Source addresses: A's private IPs, or the internet ranges admitted.
    pub sources: Vec<String>,
    pub evidence: HopEvidence,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HopEvidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_eni: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_eni: Option<String>,
    /// Destination address used for routing and NACLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_route: Option<RouteUsed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_route: Option<RouteUsed>,
    /// Peering connection, or transit gateway and attachments, of a cross-VPC hop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// e.g. "same subnet: NACLs not evaluated".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Each protocol/port range admitted, with the NACL and SG rules that admit it.
    pub grants: Vec<Grant>,
    /// IPv6 routing of a hop reachable over both IPv4 and IPv6 (the fields above are
    /// IPv4's then; a hop reachable over IPv6 only has IPv6's above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<FamilyRoute>,
}

/// How one address family of a hop is routed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyRoute {
    pub destination: String,
    pub forward_route: RouteUsed,
    pub return_route: RouteUsed,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RouteUsed {
    pub route_table_id: String,
    /// e.g. "10.1.0.0/16 → local", "10.2.0.0/16 → pcx-1".
    pub route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    pub protocol: Protocol,
    /// None for protocols without ports.
    pub ports: Option<PortRange>,
    /// Internet hops: the source range admitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Internet hops: the public address used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    /// e.g. "tcp/5432 from sg-0abc".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sg_rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sg_rule_id: Option<String>,
    /// NACL rules (absent when both ENIs are in one subnet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nacl: Option<NaclUsed>,
    /// The source's security-group egress rule letting it out, e.g. "sg-1: all to
    /// 0.0.0.0/0" (absent for the internet and for interfaces without groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_rule: Option<String>,
    /// "ipv6" for an east-west grant over IPv6 (absent: IPv4, or the internet hop's
    /// `source` says the family).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

/// The NACL rule numbers that let the traffic and its replies through.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NaclUsed {
    /// Source side (absent for the internet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_nacl_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_outbound_rule: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_inbound_reply_rule: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_nacl_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_inbound_rule: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_outbound_reply_rule: Option<u16>,
}

impl NaclUsed {
    /// e.g. "acl-1 out #100, acl-2 in #100; replies acl-2 out #100, acl-1 in #100".
    pub fn describe(&self) -> String {
        let n = |r: Option<u16>| r.map_or("-".to_string(), |r| format!("#{r}"));
        let to = self.to_nacl_id.as_deref().unwrap_or("-");
        match &self.from_nacl_id {
            Some(from) => format!(
                "{from} out {}, {to} in {}; replies {to} out {}, {from} in {}",
                n(self.from_outbound_rule),
                n(self.to_inbound_rule),
                n(self.to_outbound_reply_rule),
                n(self.from_inbound_reply_rule)
            ),
            None => format!("{to} in {} out {}", n(self.to_inbound_rule), n(self.to_outbound_reply_rule)),
        }
    }
}

/// Finds the paths. FROM/TO that name resources the snapshot lacks are errors.
pub fn find_paths(
    topo: &Topology,
    analysis: &Analysis,
    from: &Endpoint,
    to: &Endpoint,
    opts: &PathOptions,
) -> Result<PathsReport, PathsError> {
    let _span = tracing::info_span!("paths").entered();
    let eng = Engine::new(topo, analysis, matches!(to, Endpoint::DataStores));
    if matches!(to, Endpoint::Internet) {
        return Err(PathsError::Unsupported("--to internet is not supported: paths start at the internet".into()));
    }
    let from_set = eng.resolve(from, &opts.tag_keys)?;
    let to_set: FastSet<Node> = eng.resolve(to, &opts.tag_keys)?.into_iter().collect();
    let mut report = PathsReport { from: from.to_string(), to: to.to_string(), ..PathsReport::default() };
    if from_set.is_empty() || to_set.is_empty() || opts.max_hops == 0 {
        return Ok(report);
    }
    let t0 = std::time::Instant::now();
    let to_list: Vec<Node> = to_set.iter().copied().collect();
    let bound = tracing::info_span!("bound").in_scope(|| eng.bound(&to_list, opts.max_hops));
    let sub = tracing::info_span!("explore").in_scope(|| eng.explore(&from_set, &bound, opts.max_hops));
    let t1 = std::time::Instant::now();
    tracing::info_span!("enumerate").in_scope(|| sub.enumerate(&eng, &from_set, &to_set, opts, &mut report));
    report.explored = (sub.nodes.len(), sub.edges.len());
    tracing::info!(
        "paths: {} node(s) and {} hop(s) explored in {:?}, enumerated in {:?}",
        sub.nodes.len(),
        sub.edges.len(),
        t1 - t0,
        t1.elapsed()
    );
    Ok(report)
}

/// One hop of the internet → data-store picture (the exposure/data-flow diagram):
/// `from` reaches `to` on `grants`, the internet reaches `from` in k hops at the fewest
/// and `to` reaches a data store in at most `max_hops` − k − 1 more (all by the path
/// engine), and the hop leads onward: `to` is first reached through it (k + 1 hops),
/// or it brings a data store one hop closer. Hops that go sideways or back are left
/// to `auditmap paths`, which lists every path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DataFlow {
    /// "internet" or an ENI id.
    pub from: String,
    /// An ENI id or an S3/DynamoDB gateway endpoint id.
    pub to: String,
    /// Protocol and port ranges admitted (ports absent for protocols without ports).
    pub grants: Vec<(Protocol, Option<PortRange>)>,
}

/// Every hop on the way from the internet to the data stores within `max_hops`
/// (`DataFlow`), sorted. The same engine and evidence as `find_paths`, without
/// enumerating the (possibly millions of) paths themselves.
pub fn data_flows(topo: &Topology, analysis: &Analysis, max_hops: usize, keys: &TagKeys) -> Vec<DataFlow> {
    let _span = tracing::info_span!("data_flows").entered();
    let eng = Engine::new(topo, analysis, true);
    let Ok(to_list) = eng.resolve(&Endpoint::DataStores, keys) else { return Vec::new() };
    if to_list.is_empty() || max_hops == 0 {
        return Vec::new();
    }
    let from = [Node::Internet];
    let bound = eng.bound(&to_list, max_hops);
    let sub = eng.explore(&from, &bound, max_hops);
    let to_set: FastSet<Node> = to_list.into_iter().collect();
    let dist = sub.distances_to(&to_set);
    // Hops from the internet, breadth-first over the explored hops.
    let n = sub.nodes.len();
    let out_edges = Csr::build(n, sub.edges.iter().copied());
    let mut depth = vec![usize::MAX; n];
    let mut queue = VecDeque::new();
    for (i, m) in sub.nodes.iter().enumerate() {
        if *m == Node::Internet {
            depth[i] = 0;
            queue.push_back(i as u32);
        }
    }
    while let Some(u) = queue.pop_front() {
        for &v in out_edges.of(u) {
            if depth[v as usize] == usize::MAX {
                depth[v as usize] = depth[u as usize] + 1;
                queue.push_back(v);
            }
        }
    }
    // Sources and destinations alike get one answer (as in the search).
    let class = |m: Node| -> NodeClass {
        match m {
            Node::Internet => (0, 0, 0, 0),
            Node::GatewayEndpoint(i) => (1, i, 0, 0),
            Node::Eni(i) => {
                let iu = i as usize;
                if eng.uniform[iu] {
                    (2, eng.subnet_of[iu], eng.vpc_of[iu], eng.gset_of[iu])
                } else {
                    (3, i, 0, 0)
                }
            }
        }
    };
    // Grants are shared by hops alike (`grants`, indexed); flows are sorted by their
    // nodes' places in id order and get their own strings once sorted, rather than
    // copying both ids of each of the 276 k flows (100k resources) to sort strings.
    let mut grants_of: FastMap<(NodeClass, NodeClass), usize> = FastMap::default();
    let mut grants: Vec<FlowGrants> = Vec::new();
    // Each explored node's place in id order (equal ids, equal places).
    let id = |m: Node| match m {
        Node::Internet => "internet",
        Node::Eni(i) => eng.eni(i).id.as_str(),
        Node::GatewayEndpoint(i) => eng.gateway_endpoints[i as usize].id.as_str(),
    };
    let mut by_id: Vec<(&str, u32)> = sub.nodes.iter().enumerate().map(|(u, &m)| (id(m), u as u32)).collect();
    by_id.sort_unstable();
    let mut rank = vec![0u32; n];
    for (k, w) in by_id.windows(2).enumerate() {
        rank[w[1].1 as usize] = if w[0].0 == w[1].0 { rank[w[0].1 as usize] } else { k as u32 + 1 };
    }
    // (from's place, to's place, grant set).
    let mut found: Vec<(u32, u32, u32)> = Vec::new();
    let mut seen: FastSet<(u32, u32)> = FastSet::default();
    for &(u, v) in &sub.edges {
        let (du, dv) = (depth[u as usize], dist[v as usize]);
        let onward = depth[v as usize] == du.saturating_add(1) || dist[u as usize] == dv.saturating_add(1);
        if du == usize::MAX || dv == usize::MAX || !onward || du + 1 + dv > max_hops || !seen.insert((u, v)) {
            continue;
        }
        let (a, b) = (sub.nodes[u as usize], sub.nodes[v as usize]);
        // Internet hops differ per ENI (its own findings); the others by class.
        let key = match a {
            Node::Internet => ((0, 0, 0, 0), (3, v, 0, 0)),
            Node::Eni(ai) => {
                let from = match eng.succ_class[ai as usize] {
                    Some(c) => (4, c, 0, 0),
                    None => (3, ai, 0, 0),
                };
                (from, class(b))
            }
            Node::GatewayEndpoint(_) => continue,
        };
        let g = *grants_of.entry(key).or_insert_with(|| {
            grants.push(eng.hop_grants(a, b));
            grants.len() - 1
        });
        found.push((rank[u as usize], rank[v as usize], g as u32));
    }
    // Each grant set's place in sorted order (equal sets, equal places), so flows sort
    // by integers.
    let mut by_grants: Vec<usize> = (0..grants.len()).collect();
    by_grants.sort_unstable_by(|&x, &y| grants[x].cmp(&grants[y]));
    let mut grants_rank = vec![0u32; grants.len()];
    for (k, w) in by_grants.windows(2).enumerate() {
        let same = grants[w[0]] == grants[w[1]];
        grants_rank[w[1]] = if same { grants_rank[w[0]] } else { k as u32 + 1 };
    }
    // A grant set of each rank.
    let mut grants_at = vec![0usize; grants.len()];
    for (g, &r) in grants_rank.iter().enumerate() {
        grants_at[r as usize] = g;
    }
    // `DataFlow`'s order: from, to, then grants.
    for f in &mut found {
        f.2 = grants_rank[f.2 as usize];
    }
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .map(|(ru, rv, rg)| DataFlow {
            from: by_id[ru as usize].0.to_string(),
            to: by_id[rv as usize].0.to_string(),
            grants: grants[grants_at[rg as usize]].clone(),
        })
        .collect()
}

/// Nodes whose hops are alike in `data_flows`: (kind, and an ENI, subnet/VPC/groups,
/// source class or endpoint as the kind says).
type NodeClass = (u8, u32, u32, u32);

/// `DataFlow::grants`.
type FlowGrants = Vec<(Protocol, Option<PortRange>)>;

/// A path node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Node {
    Internet,
    /// Index into the snapshot's ENIs.
    Eni(u32),
    /// Index into `Engine::gateway_endpoints`.
    GatewayEndpoint(u32),
}

/// One security-group rule of B that admits A.
struct SgAdmit<'a> {
    group: &'a SecurityGroup,
    rule: &'a SgRule,
    /// The prefix-list entry that contains A's address, for a prefix-list rule.
    via_entry: Option<IpNet>,
}

/// One address family's part of a private hop (`Engine::family_hop`).
#[derive(Clone)]
struct FamilyHop {
    routing: Routing,
    /// B's address of that family.
    dst: IpNet,
    /// A's addresses of that family that get through.
    sources: Vec<String>,
    grants: BTreeSet<Grant>,
}

/// How B is routed from A's subnet and back (`Default`: not written out, `Detail::Grants`).
#[derive(Clone, Default)]
struct Routing {
    forward: RouteUsed,
    back: RouteUsed,
    via: Vec<String>,
}

/// How much of a hop `Engine::family_hop` writes out: everything, or only what
/// `data_flows` keeps of it (each grant's protocol, ports and NACL rules; no text).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    Evidence,
    Grants,
}

/// Route table entries used both ways: (A's table, its entry for B, B's table, its entry for A).
type RouteTables<'e, 'a> = (&'a RouteTable, &'e RouteEntry<'a>, &'a RouteTable, &'e RouteEntry<'a>);

/// How B is routed from A's subnet and back, before any text is built.
enum RouteDecision<'e, 'a> {
    /// Same VPC: the local route.
    Local,
    Peering {
        tables: RouteTables<'e, 'a>,
        pcx: &'a VpcPeeringConnection,
    },
    /// Through transit gateways (peered TGWs too): A's attachment, B's, and the TGW
    /// route table steps each way.
    Tgw {
        tables: RouteTables<'e, 'a>,
        aa: &'a TransitGatewayAttachment,
        ab: &'a TransitGatewayAttachment,
        forward: Vec<TgwStep<'a>>,
        back: Vec<TgwStep<'a>>,
    },
}

/// Per ENI, `Engine::succ_class`.
fn succ_classes(
    enis: &[NetworkInterface],
    (src_uniform, ips6): (&[bool], &[Vec<Ipv6Addr>]),
    subnet_of: &[u32],
    security_groups: &[SecurityGroup],
    ix: &crate::topology::Index,
) -> Vec<Option<u32>> {
    let mut rule_nets: Vec<Ipv4Net> = Vec::new();
    let mut rule_nets6: Vec<Ipv6Net> = Vec::new();
    for g in security_groups {
        for rule in &g.ingress {
            let cidrs: Vec<IpNet> = match &rule.peer {
                RulePeer::Cidr { cidr } => vec![*cidr],
                RulePeer::PrefixList { prefix_list_id } => {
                    ix.prefix_list_entries(prefix_list_id).iter().map(|e| e.cidr).collect()
                }
                RulePeer::SecurityGroup { .. } => vec![],
            };
            rule_nets.extend(cidrs.iter().filter_map(v4));
            rule_nets6.extend(cidrs.iter().filter_map(v6));
        }
    }
    rule_nets.sort_unstable_by_key(|n| (u32::from(n.network()), n.prefix_len()));
    rule_nets.dedup();
    sort_v6(&mut rule_nets6);
    let mut subnet_ok: FastMap<(u32, bool), bool> = FastMap::default();
    // Keyed by the groups as stated (also ids not in the snapshot, which SG-reference
    // rules may still name).
    let mut classes: FastMap<(u32, Vec<&str>), u32> = FastMap::default();
    enis.iter()
        .enumerate()
        .map(|(i, e)| {
            if !src_uniform[i] {
                return None;
            }
            let has_v6 = !ips6[i].is_empty();
            let ok = *subnet_ok.entry((subnet_of[i], has_v6)).or_insert_with(|| {
                let Some(sn) = ix.get::<Subnet>(&e.subnet_id) else { return false };
                let Some(net) = sn.cidr_block.map(|n| n.trunc()) else { return false };
                none_strictly_inside(&rule_nets, &net) && v6_uniform(sn, &ips6[i], &rule_nets6)
            });
            ok.then(|| {
                let mut groups: Vec<&str> = e.security_group_ids.iter().map(String::as_str).collect();
                groups.sort_unstable();
                groups.dedup();
                // Sources with IPv6 addresses are never alike those without (see `gset_of`).
                groups.extend(has_v6.then_some(" ipv6"));
                let next = classes.len() as u32;
                *classes.entry((subnet_of[i], groups)).or_insert(next)
            })
        })
        .collect()
}

/// An IPv4 network, truncated; None for IPv6.
fn v4(c: &IpNet) -> Option<Ipv4Net> {
    match c {
        IpNet::V4(n) => Some(n.trunc()),
        IpNet::V6(_) => None,
    }
}

/// An IPv6 network, truncated; None for IPv4.
fn v6(c: &IpNet) -> Option<Ipv6Net> {
    match c {
        IpNet::V6(n) => Some(n.trunc()),
        IpNet::V4(_) => None,
    }
}

/// Sorts IPv6 networks by start, then prefix length (`none_strictly_inside6`'s order).
fn sort_v6(nets: &mut Vec<Ipv6Net>) {
    nets.sort_unstable_by_key(|n| (u128::from(n.network()), n.prefix_len()));
    nets.dedup();
}

/// `none_strictly_inside` for IPv6.
fn none_strictly_inside6(sorted: &[Ipv6Net], net: &Ipv6Net) -> bool {
    let (lo, hi) = (u128::from(net.network()), u128::from(net.broadcast()));
    let start = sorted.partition_point(|c| u128::from(c.network()) < lo);
    sorted[start..].iter().take_while(|c| u128::from(c.network()) <= hi).all(|c| c.prefix_len() <= net.prefix_len())
}

/// Whether an ENI's IPv6 addresses (if any) lie in one IPv6 block of its subnet that
/// no network of `sorted` splits: every such address is then treated alike.
fn v6_uniform(subnet: &Subnet, addrs: &[Ipv6Addr], sorted: &[Ipv6Net]) -> bool {
    if addrs.is_empty() {
        return true;
    }
    let block = subnet.ipv6_cidr_blocks.iter().map(|b| b.trunc()).find(|b| addrs.iter().all(|a| b.contains(a)));
    block.is_some_and(|b| none_strictly_inside6(sorted, &b))
}

/// Whether no network of `sorted` (by start, then prefix length) is a strict part of
/// `net`: CIDRs nest or are disjoint, so every other one holds all of `net` or none.
fn none_strictly_inside(sorted: &[Ipv4Net], net: &Ipv4Net) -> bool {
    let (lo, hi) = (u32::from(net.network()), u32::from(net.broadcast()));
    let start = sorted.partition_point(|c| u32::from(c.network()) < lo);
    sorted[start..].iter().take_while(|c| u32::from(c.network()) <= hi).all(|c| c.prefix_len() <= net.prefix_len())
}

/// Per ENI, `Engine::block_class`: the forward signature of its subnet's table (its
/// active peering and TGW routes, interned) and the VPC CIDR block holding all its
/// addresses, when no route of an ENI subnet's table (the tables return checks read)
/// nor TGW route is a strict part of that block.
fn block_classes(
    enis: &[NetworkInterface],
    (ips, ips6): (&[Vec<Ipv4Addr>], &[Vec<Ipv6Addr>]),
    rt_of: &[u32],
    table_entries: &[Vec<RouteEntry>],
    tgw_cidrs: &[IpNet],
    ix: &crate::topology::Index,
) -> Vec<Option<(u32, u32)>> {
    let mut routed: Vec<Ipv4Net> = Vec::new();
    for entries in table_entries {
        routed.extend(entries.iter().filter_map(|e| v4(&e.cidr)));
    }
    routed.extend(tgw_cidrs.iter().filter_map(v4));
    routed.sort_unstable_by_key(|n| (u32::from(n.network()), n.prefix_len()));
    routed.dedup();
    let uniform = |block: &Ipv4Net| none_strictly_inside(&routed, block);
    let signatures: Vec<Vec<(IpNet, &str)>> = table_entries
        .iter()
        .map(|entries| {
            let mut sig: Vec<(IpNet, &str)> = entries
                .iter()
                .filter(|e| {
                    e.route.state == RouteState::Active
                        && matches!(
                            e.route.target.kind,
                            RouteTargetKind::VpcPeeringConnection | RouteTargetKind::TransitGateway
                        )
                })
                .map(|e| (e.cidr, e.route.target.id.as_str()))
                .collect();
            sig.sort_unstable();
            sig
        })
        .collect();
    let mut sig_ids: FastMap<&[(IpNet, &str)], u32> = FastMap::default();
    let sig_of: Vec<u32> = signatures
        .iter()
        .map(|s| {
            let next = sig_ids.len() as u32;
            *sig_ids.entry(s.as_slice()).or_insert(next)
        })
        .collect();
    let mut routed6: Vec<Ipv6Net> = table_entries.iter().flatten().filter_map(|e| v6(&e.cidr)).collect();
    routed6.extend(tgw_cidrs.iter().filter_map(v6));
    sort_v6(&mut routed6);
    // Keyed by the IPv6 block too (None: no IPv6 addresses): sources with IPv6
    // addresses are routed alike when both their blocks are.
    let mut blocks: FastMap<(&str, Ipv4Net, Option<Ipv6Net>), Option<u32>> = FastMap::default();
    let mut next_block = 0u32;
    enis.iter()
        .enumerate()
        .map(|(i, e)| {
            let sig = *sig_of.get(*rt_of.get(i)? as usize)?;
            let vpc = ix.get::<Vpc>(&e.vpc_id)?;
            let first = ips[i].first()?;
            let block = vpc.cidr_blocks.iter().map(|b| b.trunc()).find(|b| b.contains(first))?;
            if !ips[i].iter().all(|a| block.contains(a)) {
                return None;
            }
            let block6 = match ips6[i].as_slice() {
                [] => None,
                v6s => {
                    Some(vpc.ipv6_cidr_blocks.iter().map(|b| b.trunc()).find(|b| v6s.iter().all(|a| b.contains(a)))?)
                }
            };
            let id = *blocks.entry((vpc.id.as_str(), block, block6)).or_insert_with(|| {
                let uniform6 = block6.is_none_or(|b| none_strictly_inside6(&routed6, &b));
                (uniform(&block) && uniform6).then(|| {
                    next_block += 1;
                    next_block
                })
            });
            Some((sig, id?))
        })
        .collect()
}

/// The protocols a rule is evaluated on for one address family: TCP, UDP and ICMP
/// (ICMPv6 over IPv6) for "all", else its own; an ICMP rule does not apply to IPv6
/// traffic, nor an ICMPv6 rule to IPv4.
fn rule_protocols(rule: &SgRule, v6: bool) -> &[Protocol] {
    match (rule.protocol, v6) {
        (Protocol::All, false) => &ALL_V4,
        (Protocol::All, true) => &ALL_V6,
        (Protocol::Icmp, true) | (Protocol::Icmpv6, false) => &[],
        _ => std::slice::from_ref(&rule.protocol),
    }
}

/// What an "all traffic" rule is evaluated on, per family.
const ALL_V4: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Icmp];
const ALL_V6: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Icmpv6];

/// ((IPv6?, prefix length), network → ENIs) for the prefix lengths present, IPv4 and
/// shortest first.
type PrefixLevels = Vec<((bool, u8), FastMap<u128, Vec<u32>>)>;

/// `PrefixLevels` while it is built, ordered by level.
type LevelMap = BTreeMap<(bool, u8), FastMap<u128, Vec<u32>>>;

/// A load balancer's reachable targets (`LoadBalancerTarget` rows) by target ENI.
type LbTargets<'t> = std::rc::Rc<BTreeMap<u32, Vec<&'t LoadBalancerTarget>>>;

/// Routing between two uniform subnets ((subnet, VPC) of A, of B) → Some(peering)
/// when routed both ways.
type RouteCache = std::cell::RefCell<FastMap<(u32, u32, u32, u32), Option<bool>>>;

struct Engine<'t, 'a> {
    topo: &'t Topology<'a>,
    enis: &'a [NetworkInterface],
    eni_pos: FastMap<&'a str, u32>,
    /// Per ENI: its private IPv4 addresses (primary first), its resource id
    /// (instance or ENI) and its security groups (sorted, deduplicated).
    ips: Vec<Vec<Ipv4Addr>>,
    /// Per ENI: its IPv6 addresses (sorted).
    ips6: Vec<Vec<Ipv6Addr>>,
    resource: Vec<&'a str>,
    groups: Vec<Vec<&'a SecurityGroup>>,
    /// Per VPC: (prefix length, network → ENIs with an SG CIDR / prefix-list ingress
    /// rule for exactly that network), for "whose rules contain A's address".
    cidr_ix: Vec<PrefixLevels>,
    route_entries: FastMap<&'a str, Vec<RouteEntry<'a>>>,
    /// (VPC, TGW) → usable VPC attachments.
    tgw_attachments: FastMap<(&'a str, &'a str), Vec<&'a TransitGatewayAttachment>>,
    /// TGW route tables, associations and peerings (`tgw::TgwGraph`).
    tgw: TgwGraph<'a>,
    /// S3/DynamoDB gateway endpoints (when TO includes data stores).
    gateway_endpoints: Vec<&'a VpcEndpoint>,
    gateway_endpoint_pos: FastMap<&'a str, u32>,
    exposures: BTreeMap<&'t str, Vec<&'t ExposureFinding>>,
    /// VPC → (private IPv4 address, ENI), sorted: "which ENIs does a CIDR hold".
    ip_ix: Vec<Vec<(u32, u32)>>,
    /// VPC → (IPv6 address, ENI), sorted.
    ip6_ix: Vec<Vec<(u128, u32)>>,
    /// VPC → VPCs that can send to it (reverse of `links`).
    rlinks: Vec<Vec<u32>>,
    /// VPC id → interned VPC (ENIs' VPCs and linked VPCs; the per-VPC vectors are
    /// indexed by it).
    vpc_pos: FastMap<&'a str, u32>,
    /// Per ENI, interned: its VPC, subnet, resource (instance or ENI) and set of groups.
    vpc_of: Vec<u32>,
    subnet_of: Vec<u32>,
    res_of: Vec<u32>,
    gset_of: Vec<u32>,
    /// Per ENI: every route, TGW route and NACL rule treats all addresses of its subnet
    /// alike (none is more specific than the subnet) and its primary address is in the
    /// subnet, so hops to it depend on (subnet, VPC, groups) only, not on the address.
    uniform: Vec<bool>,
    /// VPC → VPCs it can send to by peering or transit gateway (the segmentation
    /// analysis' connections), by interned VPC, sorted; every hop is then checked
    /// address by address.
    links_ix: Vec<Vec<u32>>,
    /// Per ENI: `uniform`, and every private address in its subnet.
    src_uniform: Vec<bool>,
    /// Per ENI: its subnet's NACL.
    nacl: Vec<Option<&'t NaclRules<'a>>>,
    /// Routing between two uniform subnets ((subnet, VPC) of A, of B): Some(peering)
    /// when routed both ways. Every address of a uniform subnet is routed alike.
    route_cache: RouteCache,
    /// `route_cache` for IPv6 (uniform ENIs with IPv6 addresses: their subnet's IPv6
    /// block is treated alike too).
    route_cache6: RouteCache,
    /// Interned VPC → its id.
    vpc_ids: Vec<&'a str>,
    /// Interned VPC → the route tables its ENIs' subnets use (interned, sorted).
    vpc_tables: Vec<Vec<(u32, &'a RouteTable)>>,
    /// Interned route table → its routes in `routes::ranked` order (`routes::lookup_ranked`).
    table_ranked: Vec<Vec<RouteEntry<'a>>>,
    /// Per ENI: its subnet's route table, interned (`u32::MAX`: none).
    rt_of: Vec<u32>,
    /// `tgw_returns` by (TGW, route table, A's attachment, source address).
    #[allow(clippy::type_complexity)]
    tgw_return_cache: std::cell::RefCell<
        FastMap<(&'a str, *const TransitGatewayRouteTable, *const TransitGatewayAttachment, IpNet), bool>,
    >,
    /// `linked` by the source's routing class (`route_class`).
    linked_cache: std::cell::RefCell<FastMap<RouteClass, Linked>>,
    /// Per ENI: its routing class when every address lies in one VPC CIDR block that
    /// no route or TGW route names a strict part of: (the forward signature of its
    /// subnet's table, that block), interned.
    block_class: Vec<Option<(u32, u32)>>,
    /// Per ENI: sources whose hops are alike share a class: every address in one subnet
    /// that routes, NACLs and SG rules treat alike (`src_uniform`, and no SG rule CIDR
    /// is a strict part of the subnet), with the same groups; interned (subnet, groups).
    succ_class: Vec<Option<u32>>,
    /// `eni_successors` by `succ_class`.
    succ_cache: std::cell::RefCell<FastMap<u32, std::rc::Rc<[u32]>>>,
    /// Load-balancer ENIs whose targets the analysis followed: hops from them go to
    /// those targets only, on the target port (`LoadBalancerTarget` rows, reachable).
    lb_next: FastMap<u32, LbTargets<'t>>,
    /// Target ENI → the load-balancer ENIs with a hop to it (for `bound`).
    lb_prev: FastMap<u32, Vec<u32>>,
    /// ENIs whose groups have an ingress rule naming a group, by that group's set
    /// (`gset_of`): SG-reference candidates are shared by ENIs with the same groups.
    sg_ref_cache: std::cell::RefCell<FastMap<u32, std::rc::Rc<[u32]>>>,
    /// `endpoint_ok` by (subnet, VPC, groups, endpoint): all it reads of the source.
    endpoint_cache: std::cell::RefCell<FastMap<(u32, u32, u32, u32), bool>>,
}

/// Sources routed alike to every linked VPC (see `Engine::route_class`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum RouteClass {
    /// (forward signature of the source's route table, VPC CIDR block).
    Block(u32, u32),
    /// (subnet, whether the source has IPv6 addresses).
    Subnet(u32, bool),
    Eni(u32),
}

/// A source's side of `Engine::vpc_reachable` (`Engine::onward_routes`).
struct OnwardRoutes<'e, 'a> {
    /// The source addresses routing is checked for.
    srcs: Vec<IpNet>,
    /// Active routes of the source's table to a peering or transit gateway, in table
    /// order, by destination.
    routes: Vec<(IpNet, Onward<'e, 'a>)>,
}

/// Where an active route of the source's table leads out of its VPC.
enum Onward<'e, 'a> {
    /// An active peering connection: the VPC on its other side (interned, each way the
    /// source's VPC is one end; None: no VPC the search knows).
    Peering { peers: [Option<u32>; 2], pcx: &'a str },
    /// A transit gateway and the usable attachments of the source's VPC to it.
    Tgw { tgw: &'a str, atts: &'e [&'a TransitGatewayAttachment] },
}

/// Linked VPCs (interned, sorted) a source can be routed to, each with the route
/// tables of that VPC that route back (`Engine::vpc_reachable`, never empty).
type Linked = std::rc::Rc<[(u32, std::rc::Rc<[u32]>)]>;

/// Hops from each node to TO, at least (an over-approximation of who can reach whom,
/// from SG rules and VPC links only): exploration skips nodes that cannot reach TO in time.
struct Bound {
    eni: Vec<u8>,
    internet: u8,
    endpoint: Vec<u8>,
}

impl Bound {
    fn get(&self, n: Node) -> usize {
        usize::from(match n {
            Node::Internet => self.internet,
            Node::Eni(i) => self.eni[i as usize],
            Node::GatewayEndpoint(i) => self.endpoint[i as usize],
        })
    }
    fn set(&mut self, n: Node, d: u8) -> bool {
        let slot = match n {
            Node::Internet => &mut self.internet,
            Node::Eni(i) => &mut self.eni[i as usize],
            Node::GatewayEndpoint(i) => &mut self.endpoint[i as usize],
        };
        let fresh = *slot == u8::MAX;
        if fresh {
            *slot = d;
        }
        fresh
    }
}

/// What `Engine::bound` has listed already (`Engine::reverse_candidates`).
#[derive(Default)]
struct Listed {
    /// (VPC, group) pairs whose ingress rules were listed.
    groups: FastSet<(u32, *const SecurityGroup)>,
    /// (VPC, network) pairs whose ENIs were listed.
    ranges: FastSet<(u32, IpNet)>,
}

/// The `via` of a TGW hop: the TGWs crossed, A's and B's attachments, then every TGW
/// route table step forward and back (naming each attachment, peering ones too).
fn tgw_via(
    aa: &TransitGatewayAttachment,
    ab: &TransitGatewayAttachment,
    forward: &[TgwStep],
    back: &[TgwStep],
) -> Vec<String> {
    let mut via: Vec<String> = Vec::new();
    for s in forward {
        if !via.iter().any(|v| v == s.tgw) {
            via.push(s.tgw.to_string());
        }
    }
    via.extend([aa.id.clone(), ab.id.clone()]);
    via.extend(forward.iter().map(TgwStep::describe));
    via.extend(back.iter().map(|s| format!("return: {}", s.describe())));
    via
}

/// The network of prefix length `len` holding address `a` of a `bits`-bit family.
fn net_key(a: u128, len: u8, bits: u8) -> u128 {
    if len == 0 || len > bits {
        0
    } else {
        a & (u128::MAX << (bits - len)) & (u128::MAX >> (128 - bits))
    }
}

fn host(a: Ipv4Addr) -> IpNet {
    IpNet::V4(Ipv4Net::from(a))
}

fn host6(a: Ipv6Addr) -> IpNet {
    IpNet::V6(Ipv6Net::from(a))
}

/// Gateway endpoints to S3 or DynamoDB hold data.
fn is_data_endpoint(e: &VpcEndpoint) -> bool {
    e.endpoint_type == VpcEndpointType::Gateway
        && (e.service_name.ends_with(".s3") || e.service_name.ends_with(".dynamodb"))
}

/// Whether an ENI is a data store for `--to data-stores` and the data-flow picture:
/// a data service's interface (RDS, ElastiCache, Redshift, EFS), or an ENI or its
/// instance tagged with a sensitive data classification.
pub fn holds_data(e: &NetworkInterface, instance: Option<&Instance>, keys: &TagKeys) -> bool {
    let sensitive = |t: &Tags| tag_value(t, &keys.data_classification).is_some_and(is_sensitive_classification);
    e.service.is_data_store() || sensitive(&e.tags) || instance.is_some_and(|x| sensitive(&x.tags))
}

/// A data-classification value that marks sensitive data: anything but public /
/// internal / none-like values (those are on nearly every resource and would make
/// every web server a "data store").
pub fn is_sensitive_classification(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    !matches!(v.as_str(), "" | "public" | "internal" | "none" | "unclassified" | "n/a" | "na" | "general")
}

impl<'t, 'a> Engine<'t, 'a> {
    fn new(topo: &'t Topology<'a>, analysis: &'t Analysis, with_endpoints: bool) -> Engine<'t, 'a> {
        let ix = &topo.index;
        let r = &topo.snapshot.resources;
        let enis = r.network_interfaces.as_slice();
        let mut eni_pos = crate::topology::hash::map_with_capacity(enis.len());
        let mut ips = Vec::with_capacity(enis.len());
        let mut ips6 = Vec::with_capacity(enis.len());
        let mut resource = Vec::with_capacity(enis.len());
        let mut groups = Vec::with_capacity(enis.len());
        for (i, e) in enis.iter().enumerate() {
            eni_pos.entry(e.id.as_str()).or_insert(i as u32);
            let mut v: Vec<Ipv4Addr> = e.primary_private_ip().into_iter().collect();
            for p in &e.private_ips {
                if !v.contains(&p.address) {
                    v.push(p.address);
                }
            }
            ips.push(v);
            let mut v6 = e.ipv6_addresses.clone();
            v6.sort_unstable();
            v6.dedup();
            ips6.push(v6);
            resource.push(e.instance_id().unwrap_or(&e.id));
            let mut g: Vec<&SecurityGroup> =
                e.security_group_ids.iter().filter_map(|id| ix.get::<SecurityGroup>(id)).collect();
            g.sort_by(|a, b| a.id.cmp(&b.id));
            g.dedup_by(|a, b| a.id == b.id);
            groups.push(g);
        }

        // Per-VPC index of SG CIDR / prefix-list ingress networks → the ENIs they protect.
        let mut levels: FastMap<&str, LevelMap> = FastMap::default();
        for g in &r.security_groups {
            let mut nets: BTreeSet<((bool, u8), u128)> = BTreeSet::new();
            for rule in &g.ingress {
                let cidrs: Vec<IpNet> = match &rule.peer {
                    RulePeer::Cidr { cidr } => vec![*cidr],
                    RulePeer::PrefixList { prefix_list_id } => {
                        ix.prefix_list_entries(prefix_list_id).iter().map(|e| e.cidr).collect()
                    }
                    RulePeer::SecurityGroup { .. } => vec![],
                };
                for c in cidrs {
                    let (v6, start) = match c.trunc() {
                        IpNet::V4(n) => (false, u128::from(u32::from(n.network()))),
                        IpNet::V6(n) => (true, u128::from(n.network())),
                    };
                    nets.insert(((v6, c.prefix_len()), start));
                }
            }
            if nets.is_empty() {
                continue;
            }
            for e in ix.enis_by_sg.get(g.id.as_str()).map(Vec::as_slice).unwrap_or_default() {
                let Some(&pos) = eni_pos.get(e.id.as_str()) else { continue };
                let per_vpc = levels.entry(e.vpc_id.as_str()).or_default();
                for (len, net) in &nets {
                    per_vpc.entry(*len).or_default().entry(*net).or_default().push(pos);
                }
            }
        }
        let cidr_ix: FastMap<&str, PrefixLevels> =
            levels.into_iter().map(|(vpc, m)| (vpc, m.into_iter().collect())).collect();

        let mut links: FastMap<&str, BTreeSet<&str>> = FastMap::default();
        for c in &analysis.segmentation {
            if matches!(c.via, ConnectionVia::Peering | ConnectionVia::TransitGateway) && c.to_kind == ResourceKind::Vpc
            {
                let (Some(f), Some(t)) = (ix.get::<Vpc>(&c.from_vpc_id), ix.get::<Vpc>(&c.to_id)) else { continue };
                links.entry(f.id.as_str()).or_default().insert(t.id.as_str());
            }
        }

        let route_entries: FastMap<&str, Vec<RouteEntry>> =
            r.route_tables.iter().map(|t| (t.id.as_str(), routes::entries(t, ix))).collect();

        let mut tgw_attachments: FastMap<(&str, &str), Vec<&TransitGatewayAttachment>> = FastMap::default();
        for a in &r.transit_gateway_attachments {
            if a.resource_type != TgwAttachmentResourceType::Vpc || !usable(&a.state) {
                continue;
            }
            if let Some(v) = a.resource_id.as_deref() {
                tgw_attachments.entry((v, a.transit_gateway_id.as_str())).or_default().push(a);
            }
        }
        let tgw = TgwGraph::new(r, ix);
        let tgw_cidrs: Vec<IpNet> = tgw.all_destinations().collect();
        let gateway_endpoints: Vec<&VpcEndpoint> = if with_endpoints {
            let mut v: Vec<&VpcEndpoint> = r.vpc_endpoints.iter().filter(|e| is_data_endpoint(e)).collect();
            v.sort_by(|a, b| a.id.cmp(&b.id));
            v
        } else {
            Vec::new()
        };
        let gateway_endpoint_pos =
            gateway_endpoints.iter().enumerate().map(|(i, e)| (e.id.as_str(), i as u32)).collect();

        let mut exposures: BTreeMap<&str, Vec<&ExposureFinding>> = BTreeMap::new();
        for f in &analysis.exposures {
            exposures.entry(f.eni_id.as_str()).or_default().push(f);
        }
        let mut ip_ix: FastMap<&str, Vec<(u32, u32)>> = FastMap::default();
        for (i, e) in enis.iter().enumerate() {
            let list = ip_ix.entry(e.vpc_id.as_str()).or_default();
            list.extend(ips[i].iter().map(|a| (u32::from(*a), i as u32)));
        }
        for list in ip_ix.values_mut() {
            list.sort_unstable();
        }
        let mut ip6_ix: FastMap<&str, Vec<(u128, u32)>> = FastMap::default();
        for (i, e) in enis.iter().enumerate().filter(|(i, _)| !ips6[*i].is_empty()) {
            let list = ip6_ix.entry(e.vpc_id.as_str()).or_default();
            list.extend(ips6[i].iter().map(|a| (u128::from(*a), i as u32)));
        }
        for list in ip6_ix.values_mut() {
            list.sort_unstable();
        }
        let mut rlinks: FastMap<&str, BTreeSet<&str>> = FastMap::default();
        for (from, tos) in &links {
            for to in tos {
                rlinks.entry(*to).or_default().insert(*from);
            }
        }
        let mut vpc_names: FastMap<&str, u32> = FastMap::default();
        let mut intern_vpc = |v: &'a str| {
            let next = vpc_names.len() as u32;
            *vpc_names.entry(v).or_insert(next)
        };
        let vpc_of: Vec<u32> = enis.iter().map(|e| intern_vpc(e.vpc_id.as_str())).collect();
        let mut link_pairs: Vec<(u32, u32)> = Vec::new();
        for (from, tos) in &links {
            let f = intern_vpc(from);
            link_pairs.extend(tos.iter().map(|t| (f, intern_vpc(t))));
        }
        let mut vpc_ids: Vec<&str> = vec![""; vpc_names.len()];
        for (v, &i) in &vpc_names {
            vpc_ids[i as usize] = v;
        }
        let mut vpc_tables: Vec<Vec<(u32, &RouteTable)>> = vec![Vec::new(); vpc_names.len()];
        let mut table_names: FastMap<&str, u32> = FastMap::default();
        let mut table_entries: Vec<Vec<RouteEntry>> = Vec::new();
        let mut subnet_rt: FastMap<(&str, &str), u32> = FastMap::default();
        let rt_of: Vec<u32> = enis
            .iter()
            .zip(&vpc_of)
            .map(|(e, &v)| {
                *subnet_rt.entry((e.subnet_id.as_str(), e.vpc_id.as_str())).or_insert_with(|| {
                    let Some(rt) = ix.route_table_of(&e.subnet_id, &e.vpc_id) else { return u32::MAX };
                    let next = table_names.len() as u32;
                    let t = *table_names.entry(rt.table.id.as_str()).or_insert_with(|| {
                        table_entries.push(route_entries.get(rt.table.id.as_str()).cloned().unwrap_or_default());
                        next
                    });
                    vpc_tables[v as usize].push((t, rt.table));
                    t
                })
            })
            .collect();
        for t in &mut vpc_tables {
            t.sort_unstable_by_key(|(t, _)| *t);
            t.dedup_by_key(|(t, _)| *t);
        }
        // Per-VPC maps as vectors by interned VPC, for the hot loops.
        fn by_vpc<T: Default>(m: FastMap<&str, T>, vpc_names: &FastMap<&str, u32>) -> Vec<T> {
            let mut v: Vec<T> = (0..vpc_names.len()).map(|_| T::default()).collect();
            for (vpc, x) in m {
                if let Some(&i) = vpc_names.get(vpc) {
                    v[i as usize] = x;
                }
            }
            v
        }
        let cidr_ix = by_vpc(cidr_ix, &vpc_names);
        let ip_ix = by_vpc(ip_ix, &vpc_names);
        let ip6_ix = by_vpc(ip6_ix, &vpc_names);
        let mut rlinks_ix: Vec<Vec<u32>> = vec![Vec::new(); vpc_names.len()];
        for (to, froms) in &rlinks {
            if let Some(&t) = vpc_names.get(to) {
                rlinks_ix[t as usize] = froms.iter().filter_map(|f| vpc_names.get(f).copied()).collect();
            }
        }
        let mut links_ix: Vec<Vec<u32>> = vec![Vec::new(); vpc_names.len()];
        for (f, t) in link_pairs {
            links_ix[f as usize].push(t);
        }
        for l in &mut links_ix {
            l.sort_unstable();
            l.dedup();
        }
        let intern = |keys: &mut FastMap<Vec<&'a str>, u32>, k: Vec<&'a str>| {
            let next = keys.len() as u32;
            *keys.entry(k).or_insert(next)
        };
        let intern_id = |ids: &mut FastMap<&'a str, u32>, id: &'a str| {
            let next = ids.len() as u32;
            *ids.entry(id).or_insert(next)
        };
        let mut subnets: FastMap<&str, u32> = FastMap::default();
        let subnet_of: Vec<u32> = enis.iter().map(|e| intern_id(&mut subnets, e.subnet_id.as_str())).collect();
        let mut resources: FastMap<&str, u32> = FastMap::default();
        let res_of: Vec<u32> = resource.iter().map(|r| intern_id(&mut resources, r)).collect();
        let mut sets: FastMap<Vec<&str>, u32> = FastMap::default();
        // ENIs with and without IPv6 addresses are never alike (their hops differ): the
        // marker (no group id has it) keeps them in separate classes.
        let gset_of: Vec<u32> = groups
            .iter()
            .zip(&ips6)
            .map(|(g, v6)| {
                let marker = (!v6.is_empty()).then_some(" ipv6");
                intern(&mut sets, g.iter().map(|g| g.id.as_str()).chain(marker).collect())
            })
            .collect();
        // Every IPv4 CIDR a route, TGW route or NACL rule matches addresses with.
        let mut cidrs: Vec<Ipv4Net> = Vec::new();
        for entries in route_entries.values() {
            cidrs.extend(entries.iter().filter_map(|e: &RouteEntry| v4(&e.cidr)));
        }
        cidrs.extend(tgw_cidrs.iter().filter_map(v4));
        for acl in &r.network_acls {
            cidrs.extend(acl.entries.iter().filter_map(|e| v4(&e.cidr)));
        }
        cidrs.sort_unstable_by_key(|n| (u32::from(n.network()), n.prefix_len()));
        cidrs.dedup();
        let mut cidrs6: Vec<Ipv6Net> = Vec::new();
        for entries in route_entries.values() {
            cidrs6.extend(entries.iter().filter_map(|e: &RouteEntry| v6(&e.cidr)));
        }
        cidrs6.extend(tgw_cidrs.iter().filter_map(v6));
        for acl in &r.network_acls {
            cidrs6.extend(acl.entries.iter().filter_map(|e| v6(&e.cidr)));
        }
        sort_v6(&mut cidrs6);
        // A subnet is uniform when no CIDR lies strictly inside it (CIDRs nest or are
        // disjoint, so every other one contains all of it or none of it).
        let mut subnet_uniform: FastMap<&str, bool> = FastMap::default();
        let uniform: Vec<bool> = enis
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let Some(net) = ix.get::<Subnet>(&e.subnet_id).and_then(|s| s.cidr_block).map(|n| n.trunc()) else {
                    return false;
                };
                let inside = ips[i].first().is_some_and(|a| net.contains(a));
                inside
                    && *subnet_uniform.entry(e.subnet_id.as_str()).or_insert_with(|| none_strictly_inside(&cidrs, &net))
                    && ix.get::<Subnet>(&e.subnet_id).is_some_and(|s| v6_uniform(s, &ips6[i], &cidrs6))
            })
            .collect();
        let src_uniform: Vec<bool> = enis
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let net = ix.get::<Subnet>(&e.subnet_id).and_then(|s| s.cidr_block);
                uniform[i] && net.is_some_and(|n| ips[i].iter().all(|a| n.trunc().contains(a)))
            })
            .collect();
        let nacl = enis.iter().map(|e| ix.nacl_of(&e.subnet_id, &e.vpc_id)).collect();
        let block_class = block_classes(enis, (&ips, &ips6), &rt_of, &table_entries, &tgw_cidrs, ix);
        let succ_class = succ_classes(enis, (&src_uniform, &ips6), &subnet_of, &r.security_groups, ix);
        let (lb_next, lb_prev) = load_balancer_hops(topo, analysis, &eni_pos);
        Engine {
            succ_class,
            succ_cache: Default::default(),
            block_class,
            sg_ref_cache: Default::default(),
            endpoint_cache: Default::default(),
            vpc_ids,
            vpc_tables,
            table_ranked: table_entries.into_iter().map(routes::ranked).collect(),
            linked_cache: Default::default(),
            tgw_return_cache: Default::default(),
            rt_of,
            src_uniform,
            nacl,
            route_cache: Default::default(),
            route_cache6: Default::default(),
            vpc_of,
            subnet_of,
            res_of,
            gset_of,
            uniform,
            links_ix,
            ip_ix,
            ip6_ix,
            rlinks: rlinks_ix,
            vpc_pos: vpc_names,
            topo,
            enis,
            eni_pos,
            ips,
            ips6,
            resource,
            groups,
            cidr_ix,
            route_entries,
            tgw_attachments,
            tgw,
            gateway_endpoints,
            gateway_endpoint_pos,
            exposures,
            lb_next,
            lb_prev,
        }
    }

    fn eni(&self, i: u32) -> &'a NetworkInterface {
        &self.enis[i as usize]
    }

    /// (resource id, ENI id) of a node, for ordering and display.
    fn key(&self, n: Node) -> (&str, &str) {
        match n {
            Node::Internet => ("", "internet"),
            Node::Eni(i) => (self.resource[i as usize], self.eni(i).id.as_str()),
            Node::GatewayEndpoint(i) => {
                let id = self.gateway_endpoints[i as usize].id.as_str();
                (id, id)
            }
        }
    }

    fn resolve(&self, ep: &Endpoint, keys: &TagKeys) -> Result<Vec<Node>, PathsError> {
        let ix = &self.topo.index;
        let all = || (0..self.enis.len() as u32).map(Node::Eni);
        let mut out: Vec<Node> = match ep {
            Endpoint::Internet => vec![Node::Internet],
            Endpoint::Resource(id) => {
                let nodes: Vec<Node> = if id.starts_with("eni-") {
                    self.eni_pos.get(id.as_str()).map(|&i| Node::Eni(i)).into_iter().collect()
                } else if id.starts_with("i-") {
                    if ix.get::<Instance>(id).is_none() && !self.resource.iter().any(|r| r == id) {
                        return Err(PathsError::UnknownResource(id.clone()));
                    }
                    all().filter(|n| matches!(n, Node::Eni(i) if self.resource[*i as usize] == id)).collect()
                } else if id.starts_with("subnet-") {
                    if ix.get::<Subnet>(id).is_none() && !self.enis.iter().any(|e| &e.subnet_id == id) {
                        return Err(PathsError::UnknownResource(id.clone()));
                    }
                    all().filter(|n| matches!(n, Node::Eni(i) if &self.eni(*i).subnet_id == id)).collect()
                } else {
                    if ix.get::<Vpc>(id).is_none() && !self.enis.iter().any(|e| &e.vpc_id == id) {
                        return Err(PathsError::UnknownResource(id.clone()));
                    }
                    all().filter(|n| matches!(n, Node::Eni(i) if &self.eni(*i).vpc_id == id)).collect()
                };
                if id.starts_with("eni-") && nodes.is_empty() {
                    return Err(PathsError::UnknownResource(id.clone()));
                }
                nodes
            }
            Endpoint::Tag { key, value } => {
                let has = |t: &Tags| t.get(key).is_some_and(|v| v == value);
                all()
                    .filter(|n| {
                        let Node::Eni(i) = n else { return false };
                        let e = self.eni(*i);
                        has(&e.tags)
                            || e.instance_id().and_then(|id| ix.get::<Instance>(id)).is_some_and(|x| has(&x.tags))
                    })
                    .collect()
            }
            Endpoint::DataStores => {
                let mut v: Vec<Node> = all()
                    .filter(|n| {
                        let Node::Eni(i) = n else { return false };
                        let e = self.eni(*i);
                        holds_data(e, e.instance_id().and_then(|id| ix.get::<Instance>(id)), keys)
                    })
                    .collect();
                v.extend((0..self.gateway_endpoints.len() as u32).map(Node::GatewayEndpoint));
                v
            }
        };
        out.sort_by(|a, b| self.key(*a).cmp(&self.key(*b)));
        out.dedup();
        Ok(out)
    }

    /// Candidate next hops of ENI `a`: ENIs with a group that names one of A's groups
    /// (graph SG-reference edges), or with an SG CIDR / prefix-list rule containing one
    /// of A's addresses (per-VPC prefix index); in A's VPC or one it is linked to.
    fn candidates(&self, a: u32) -> Vec<u32> {
        let mut out: Vec<u32> = self.sg_referrers(a).to_vec();
        let va = self.vpc_of[a as usize];
        let linked = self.linked(a);
        for vpc in std::iter::once(va).chain(linked.iter().map(|(v, _)| *v)) {
            let levels = &self.cidr_ix[vpc as usize];
            let addrs = self.ips[a as usize].iter().map(|ip| (false, u128::from(u32::from(*ip))));
            for (v6, addr) in addrs.chain(self.ips6[a as usize].iter().map(|ip| (true, u128::from(*ip)))) {
                let bits = if v6 { 128 } else { 32 };
                for ((_, len), nets) in levels.iter().filter(|((f, _), _)| *f == v6) {
                    if let Some(v) = nets.get(&net_key(addr, *len, bits)) {
                        out.extend(v);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&b| {
            if listens_on_nothing(self.eni(b)) {
                return false;
            }
            let vb = self.vpc_of[b as usize];
            let routed = || {
                let i = linked.binary_search_by_key(&vb, |(v, _)| *v);
                i.is_ok_and(|i| linked[i].1.binary_search(&self.rt_of[b as usize]).is_ok())
            };
            vb == va || routed()
        });
        out
    }

    /// ENIs with a group whose ingress names one of A's groups (graph SG-reference edges).
    fn sg_referrers(&self, a: u32) -> std::rc::Rc<[u32]> {
        let key = self.gset_of[a as usize];
        if let Some(v) = self.sg_ref_cache.borrow().get(&key) {
            return v.clone();
        }
        let g = &self.topo.graph;
        let mut out: Vec<u32> = Vec::new();
        for sg in &self.groups[a as usize] {
            let Some(n) = g.node(ResourceKind::SecurityGroup, &sg.id) else { continue };
            for e in g.graph.edges_directed(n, Direction::Incoming) {
                if !matches!(e.weight(), Edge::SgReference { ingress: true, .. }) {
                    continue;
                }
                for p in g.graph.edges_directed(e.source(), Direction::Outgoing) {
                    if matches!(p.weight(), Edge::Protects) {
                        if let Some(&pos) = self.eni_pos.get(g.graph[p.target()].id) {
                            out.push(pos);
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        let v: std::rc::Rc<[u32]> = out.into();
        self.sg_ref_cache.borrow_mut().insert(key, v.clone());
        v
    }

    /// Which sources get the same `vpc_reachable` answers: it reads only the active
    /// peering and TGW routes of A's table (its forward signature), A's VPC, and how
    /// A's address is routed back by TGW tables and other VPCs' tables, which treat
    /// every address of a block alike when none of their CIDRs is a strict part of it.
    fn route_class(&self, a: u32) -> RouteClass {
        let ai = a as usize;
        match self.block_class[ai] {
            Some((sig, block)) => RouteClass::Block(sig, block),
            None if self.src_uniform[ai] => RouteClass::Subnet(self.subnet_of[ai], !self.ips6[ai].is_empty()),
            None => RouteClass::Eni(a),
        }
    }

    /// Linked VPCs that A can be routed to at all (the others' ENIs are no hop), with
    /// the tables of each that route back; shared by the sources of a `route_class`.
    fn linked(&self, a: u32) -> Linked {
        let ai = a as usize;
        let key = self.route_class(a);
        if let Some(l) = self.linked_cache.borrow().get(&key) {
            return l.clone();
        }
        let va = self.vpc_of[ai];
        let routes = self.onward_routes(a);
        let l: Linked = self.links_ix[va as usize]
            .iter()
            .filter(|&&vb| vb != va)
            .map(|&vb| (vb, self.vpc_reachable(&routes, vb).into()))
            .filter(|(_, tables): &(u32, std::rc::Rc<[u32]>)| !tables.is_empty())
            .collect();
        self.linked_cache.borrow_mut().insert(key, l.clone());
        l
    }

    /// What `vpc_reachable` reads of source A, looked up once for all the VPCs A is
    /// linked to: its addresses (one per family stands for a uniform class) and the
    /// active routes of its table that may lead to another VPC.
    fn onward_routes(&self, a: u32) -> OnwardRoutes<'_, 'a> {
        let ai = a as usize;
        let ea = self.eni(a);
        let n_src = if self.src_uniform[ai] || self.block_class[ai].is_some() { 1 } else { usize::MAX };
        let mut srcs: Vec<IpNet> = self.ips[ai].iter().take(n_src).map(|ip| host(*ip)).collect();
        srcs.extend(self.ips6[ai].iter().take(n_src).map(|ip| host6(*ip)));
        let mut routes = Vec::new();
        let ix = &self.topo.index;
        let entries = ix
            .route_table_of(&ea.subnet_id, &ea.vpc_id)
            .and_then(|rta| self.route_entries.get(rta.table.id.as_str()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        for fe in entries.iter().filter(|fe| fe.route.state == RouteState::Active) {
            let target = fe.route.target.id.as_str();
            let onward = match fe.route.target.kind {
                RouteTargetKind::VpcPeeringConnection => {
                    // Peering is not transitive: only the VPC on the other side of A's.
                    let Some(p) = ix.get::<VpcPeeringConnection>(target).filter(|p| p.is_active()) else { continue };
                    let peer = |mine: &str, other: &str| {
                        (mine == ea.vpc_id).then(|| self.vpc_pos.get(other).copied()).flatten()
                    };
                    let peers =
                        [peer(&p.requester.vpc_id, &p.accepter.vpc_id), peer(&p.accepter.vpc_id, &p.requester.vpc_id)];
                    if peers == [None, None] {
                        continue;
                    }
                    Onward::Peering { peers, pcx: target }
                }
                RouteTargetKind::TransitGateway => {
                    let Some(atts) = self.tgw_attachments.get(&(ea.vpc_id.as_str(), target)) else { continue };
                    Onward::Tgw { tgw: target, atts }
                }
                _ => continue,
            };
            routes.push((fe.cidr, onward));
        }
        OnwardRoutes { srcs, routes }
    }

    /// `route_decision` relaxed to "some address of `vb`": A's table has an active route
    /// covering one of `vb`'s ENI addresses to a peering joining the VPCs, or to a
    /// transit gateway attached to both whose route table (from A's attachment) routes
    /// one of them to `vb`'s attachment and back (from `vb`'s attachment) to A's address;
    /// and the table of `vb`'s subnet routes that address back the same way.
    fn vpc_reachable(&self, source: &OnwardRoutes<'_, 'a>, vb: u32) -> Vec<u32> {
        let vb_id = self.vpc_ids[vb as usize];
        let tables = &self.vpc_tables[vb as usize];
        let mut allowed: Vec<u32> = Vec::new();
        let (dsts, dsts6) = (&self.ip_ix[vb as usize], &self.ip6_ix[vb as usize]);
        // Some ENI address of `vb` in `c`.
        let holds = |c: &IpNet| match c.trunc() {
            IpNet::V4(n) => {
                let (lo, hi) = (u32::from(n.network()), u32::from(n.broadcast()));
                let start = dsts.partition_point(|(ip, _)| *ip < lo);
                dsts.get(start).is_some_and(|(ip, _)| *ip <= hi)
            }
            IpNet::V6(n) => {
                let (lo, hi) = (u128::from(n.network()), u128::from(n.broadcast()));
                let start = dsts6.partition_point(|(ip, _)| *ip < lo);
                dsts6.get(start).is_some_and(|(ip, _)| *ip <= hi)
            }
        };
        // The tables of `vb` routing one of `srcs` back to `target`.
        let mut back = |srcs: &mut dyn Iterator<Item = &IpNet>, target: &str| {
            let srcs: Vec<&IpNet> = srcs.collect();
            for &(ti, _) in tables {
                let routes_back = |s: &&IpNet| {
                    routes::lookup_ranked(&self.table_ranked[ti as usize], s)
                        .is_some_and(|e| e.route.state == RouteState::Active && e.route.target.id == target)
                };
                if !allowed.contains(&ti) && srcs.iter().any(routes_back) {
                    allowed.push(ti);
                }
            }
        };
        let srcs = &source.srcs;
        for (cidr, onward) in &source.routes {
            if !holds(cidr) {
                continue;
            }
            match onward {
                Onward::Peering { peers, pcx } => {
                    if peers.contains(&Some(vb)) {
                        back(&mut srcs.iter(), pcx);
                    }
                }
                Onward::Tgw { tgw, atts } => {
                    for &aa in atts.iter() {
                        for (exit_tgw, exit) in self.tgw.exits_to_vpc(tgw, &aa.id, &holds, vb_id) {
                            let Some(ab) = self.tgw.attachment(exit_tgw, exit) else { continue };
                            let returns = |s: &&IpNet| self.tgw_returns(exit_tgw, exit, aa, s);
                            back(&mut srcs.iter().filter(returns), &ab.transit_gateway_id);
                        }
                    }
                }
            }
        }
        allowed.sort_unstable();
        allowed
    }

    /// Whether `src`, entering TGW `tgw` by attachment `att`, is routed out at A's
    /// attachment `aa`. The answer depends on the route table associated with `att`,
    /// not on `att` itself: every VPC attached to a hub shares its table, so each
    /// (table, source) is walked once, not once per linked VPC.
    fn tgw_returns(&self, tgw: &'a str, att: &'a str, aa: &'a TransitGatewayAttachment, src: &IpNet) -> bool {
        let Some(table) = self.tgw.table_of(tgw, att) else { return false };
        let key = (tgw, table as *const TransitGatewayRouteTable, aa as *const TransitGatewayAttachment, *src);
        if let Some(&ok) = self.tgw_return_cache.borrow().get(&key) {
            return ok;
        }
        let to_a = |t: &str, x: &str| t == aa.transit_gateway_id && x == aa.id;
        let ok = self.tgw.walk(tgw, att, src, &to_a).is_some();
        self.tgw_return_cache.borrow_mut().insert(key, ok);
        ok
    }

    /// Who might reach `n` in one hop (a superset: SG rules and VPC links only). The
    /// members a group's ingress rules admit are the same for every ENI of one VPC the
    /// group protects: `listed` holds the (VPC, group) pairs already listed, and the
    /// (VPC, network) pairs whose ENIs were, which are skipped (`bound` visits nodes
    /// nearest first, so a second listing adds nothing).
    fn reverse_candidates(&self, n: Node, listed: &mut Listed, out: &mut Vec<Node>) {
        let in_vpcs = |vpc: u32, net: Ipv4Net, ranges: &mut FastSet<(u32, IpNet)>, out: &mut Vec<Node>| {
            let (lo, hi) = (u32::from(net.network()), u32::from(net.broadcast()));
            for &v in std::iter::once(&vpc).chain(&self.rlinks[vpc as usize]) {
                if !ranges.insert((v, IpNet::V4(net))) {
                    continue;
                }
                let list = &self.ip_ix[v as usize];
                let start = list.partition_point(|(ip, _)| *ip < lo);
                out.extend(list[start..].iter().take_while(|(ip, _)| *ip <= hi).map(|(_, e)| Node::Eni(*e)));
            }
        };
        let in_vpcs6 = |vpc: u32, net: Ipv6Net, ranges: &mut FastSet<(u32, IpNet)>, out: &mut Vec<Node>| {
            let (lo, hi) = (u128::from(net.network()), u128::from(net.broadcast()));
            for &v in std::iter::once(&vpc).chain(&self.rlinks[vpc as usize]) {
                if !ranges.insert((v, IpNet::V6(net))) {
                    continue;
                }
                let list = &self.ip6_ix[v as usize];
                let start = list.partition_point(|(ip, _)| *ip < lo);
                out.extend(list[start..].iter().take_while(|(ip, _)| *ip <= hi).map(|(_, e)| Node::Eni(*e)));
            }
        };
        match n {
            Node::Internet => {}
            Node::GatewayEndpoint(i) => {
                let vpce = self.gateway_endpoints[i as usize];
                if let Some(list) = self.vpc_pos.get(vpce.vpc_id.as_str()).map(|&v| &self.ip_ix[v as usize]) {
                    out.extend(list.iter().map(|(_, e)| Node::Eni(*e)));
                }
            }
            Node::Eni(b) => {
                let eb = self.eni(b);
                if self.exposures.contains_key(eb.id.as_str()) {
                    out.push(Node::Internet);
                }
                if let Some(lbs) = self.lb_prev.get(&b) {
                    out.extend(lbs.iter().map(|&a| Node::Eni(a)));
                }
                let g = &self.topo.graph;
                let vpc = self.vpc_of[b as usize];
                for sg in &self.groups[b as usize] {
                    if !listed.groups.insert((vpc, *sg as *const SecurityGroup)) {
                        continue;
                    }
                    for rule in &sg.ingress {
                        let cidrs: Vec<IpNet> = match &rule.peer {
                            RulePeer::SecurityGroup { group_id, .. } => {
                                let Some(gn) = g.node(ResourceKind::SecurityGroup, group_id) else { continue };
                                for p in g.graph.edges_directed(gn, Direction::Outgoing) {
                                    if matches!(p.weight(), Edge::Protects) {
                                        if let Some(&pos) = self.eni_pos.get(g.graph[p.target()].id) {
                                            out.push(Node::Eni(pos));
                                        }
                                    }
                                }
                                continue;
                            }
                            RulePeer::Cidr { cidr } => vec![*cidr],
                            RulePeer::PrefixList { prefix_list_id } => {
                                self.topo.index.prefix_list_entries(prefix_list_id).iter().map(|e| e.cidr).collect()
                            }
                        };
                        for c in cidrs {
                            match c.trunc() {
                                IpNet::V4(c) => in_vpcs(vpc, c, &mut listed.ranges, out),
                                IpNet::V6(c) => in_vpcs6(vpc, c, &mut listed.ranges, out),
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backward breadth-first from TO over `reverse_candidates`, up to `max_hops`.
    fn bound(&self, to: &[Node], max_hops: usize) -> Bound {
        let max_hops = max_hops.min(usize::from(u8::MAX) - 1);
        let mut b = Bound {
            eni: vec![u8::MAX; self.enis.len()],
            internet: u8::MAX,
            endpoint: vec![u8::MAX; self.gateway_endpoints.len()],
        };
        let mut queue: VecDeque<(Node, u8)> = VecDeque::new();
        for &n in to {
            b.set(n, 0);
            queue.push_back((n, 0));
        }
        let mut buf = Vec::new();
        let mut listed = Listed::default();
        while let Some((n, d)) = queue.pop_front() {
            if usize::from(d) >= max_hops {
                continue;
            }
            buf.clear();
            self.reverse_candidates(n, &mut listed, &mut buf);
            for &m in &buf {
                if b.set(m, d + 1) {
                    queue.push_back((m, d + 1));
                }
            }
        }
        b
    }

    fn table_route(&self, table: &RouteTable, dst: &IpNet) -> Option<&RouteEntry<'a>> {
        lookup(self.route_entries.get(table.id.as_str())?, dst)
    }

    fn used(table: &RouteTable, e: &RouteEntry) -> RouteUsed {
        RouteUsed { route_table_id: table.id.clone(), route: describe(e) }
    }

    /// The local route of a subnet's table for an address of its own VPC (always there
    /// in AWS, so a table without one still routes locally).
    fn local_route(&self, e: &NetworkInterface, dst: &IpNet) -> RouteUsed {
        let rt = self.topo.index.route_table_of(&e.subnet_id, &e.vpc_id);
        let local = rt.and_then(|rt| {
            let entries = self.route_entries.get(rt.table.id.as_str())?;
            entries
                .iter()
                .filter(|x| x.route.target.kind == RouteTargetKind::Local && covers(&x.cidr, dst))
                .max_by_key(|x| x.cidr.prefix_len())
                .map(describe)
        });
        RouteUsed {
            route_table_id: rt.map_or_else(|| "-".to_string(), |rt| rt.table.id.clone()),
            route: local.unwrap_or_else(|| "local".to_string()),
        }
    }

    /// How B is routed from A and back, without the text: the route table entries
    /// both ways (cross-VPC) and what joins the VPCs. None when no route goes both ways.
    fn route_decision(
        &self,
        ea: &NetworkInterface,
        eb: &NetworkInterface,
        src: &IpNet,
        dst: &IpNet,
    ) -> Option<RouteDecision<'_, 'a>> {
        if ea.vpc_id == eb.vpc_id {
            return Some(RouteDecision::Local);
        }
        let ix = &self.topo.index;
        let rta = ix.route_table_of(&ea.subnet_id, &ea.vpc_id)?;
        let rtb = ix.route_table_of(&eb.subnet_id, &eb.vpc_id)?;
        let (fe, be) = (self.table_route(rta.table, dst)?, self.table_route(rtb.table, src)?);
        let (fr, br) = (fe.route, be.route);
        if fr.state != RouteState::Active || br.state != RouteState::Active {
            return None;
        }
        let tables = (rta.table, fe, rtb.table, be);
        match fr.target.kind {
            RouteTargetKind::VpcPeeringConnection => {
                // Peering is not transitive: the connection must join A's and B's VPCs
                // and B must route A back through the same one.
                let p = ix.get::<VpcPeeringConnection>(&fr.target.id)?;
                let joins = (p.requester.vpc_id == ea.vpc_id && p.accepter.vpc_id == eb.vpc_id)
                    || (p.requester.vpc_id == eb.vpc_id && p.accepter.vpc_id == ea.vpc_id);
                (p.is_active() && joins && br.target.id == fr.target.id)
                    .then_some(RouteDecision::Peering { tables, pcx: p })
            }
            RouteTargetKind::TransitGateway => {
                let tgw = fr.target.id.as_str();
                let to_b = |t: &str, att: &str| self.tgw.is_vpc_attachment(t, att, &eb.vpc_id);
                for &aa in self.tgw_attachments.get(&(ea.vpc_id.as_str(), tgw))? {
                    let Some(forward) = self.tgw.walk(tgw, &aa.id, dst, &to_b) else { continue };
                    let Some(last) = forward.last() else { continue };
                    let Some(ab) = self.tgw.attachment(last.tgw, last.exit) else { continue };
                    // B's replies enter the TGW B is attached to (another one across a
                    // TGW peering) and must come out at A's attachment.
                    if br.target.id != ab.transit_gateway_id {
                        continue;
                    }
                    let to_a = |t: &str, att: &str| t == aa.transit_gateway_id && att == aa.id;
                    if let Some(back) = self.tgw.walk(&ab.transit_gateway_id, &ab.id, src, &to_a) {
                        return Some(RouteDecision::Tgw { tables, aa, ab, forward, back });
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// Routing from A (address `src`) to B (address `dst`) and back.
    /// The routes of a decision (`route_decision`) as evidence text.
    fn routing(
        &self,
        ea: &NetworkInterface,
        eb: &NetworkInterface,
        (src, dst): (&IpNet, &IpNet),
        decision: RouteDecision,
    ) -> Routing {
        let used = |(ta, fe, tb, be): RouteTables| (Self::used(ta, fe), Self::used(tb, be));
        match decision {
            RouteDecision::Local => {
                Routing { forward: self.local_route(ea, dst), back: self.local_route(eb, src), via: vec![] }
            }
            RouteDecision::Peering { tables, pcx } => {
                let (forward, back) = used(tables);
                Routing { forward, back, via: vec![pcx.id.clone()] }
            }
            RouteDecision::Tgw { tables, aa, ab, forward: steps, back: back_steps } => {
                let (forward, back) = used(tables);
                Routing { forward, back, via: tgw_via(aa, ab, &steps, &back_steps) }
            }
        }
    }

    /// Whether `rule` (of one of B's groups) admits A at address `src`: Some(the
    /// prefix-list entry containing `src`, for a prefix-list rule). SG references: same
    /// VPC or peered.
    fn rule_admits(
        &self,
        rule: &'a SgRule,
        ea: &NetworkInterface,
        eb: &NetworkInterface,
        src: &IpNet,
        peering: bool,
    ) -> Option<Option<IpNet>> {
        match &rule.peer {
            RulePeer::Cidr { cidr } => covers(cidr, src).then_some(None),
            RulePeer::PrefixList { prefix_list_id } => {
                let e = self.topo.index.prefix_list_entries(prefix_list_id).iter().find(|e| covers(&e.cidr, src))?;
                Some(Some(e.cidr))
            }
            RulePeer::SecurityGroup { group_id, .. } => {
                (ea.security_group_ids.contains(group_id) && (ea.vpc_id == eb.vpc_id || peering)).then_some(None)
            }
        }
    }

    /// B's ingress rules admitting A at address `src` (SG references: same VPC or peered).
    fn sg_admits(&self, a: u32, b: u32, src: &IpNet, peering: bool) -> Vec<SgAdmit<'a>> {
        let (ea, eb) = (self.eni(a), self.eni(b));
        let mut out = Vec::new();
        for g in &self.groups[b as usize] {
            for rule in &g.ingress {
                if let Some(via_entry) = self.rule_admits(rule, ea, eb, src, peering) {
                    out.push(SgAdmit { group: g, rule, via_entry });
                }
            }
        }
        out
    }

    /// Whether `private_hop(a, b)` is a hop, without building it: over IPv4 or IPv6,
    /// some address of A routed both ways, admitted by one of B's rules, on ports both
    /// NACLs let through.
    fn private_ok(&self, a: u32, b: u32) -> bool {
        self.family_ok(a, b, false) || self.family_ok(a, b, true)
    }

    /// A's addresses of one family as host networks (IPv4: primary first).
    fn sources(&self, a: u32, v6: bool) -> impl Iterator<Item = IpNet> + '_ {
        let v4s = self.ips[a as usize].iter().filter(move |_| !v6).map(|ip| host(*ip));
        v4s.chain(self.ips6[a as usize].iter().filter(move |_| v6).map(|ip| host6(*ip)))
    }

    /// B's address of one family that hops are evaluated to (IPv4: the primary).
    fn destination(&self, b: u32, v6: bool) -> Option<IpNet> {
        if v6 {
            self.ips6[b as usize].first().map(|ip| host6(*ip))
        } else {
            self.ips[b as usize].first().map(|ip| host(*ip))
        }
    }

    /// `private_ok` for one address family.
    fn family_ok(&self, a: u32, b: u32, v6: bool) -> bool {
        let (ea, eb) = (self.eni(a), self.eni(b));
        let Some(dst) = self.destination(b, v6) else { return false };
        let (ai, bi) = (a as usize, b as usize);
        let nacls = if self.subnet_of[ai] == self.subnet_of[bi] {
            None
        } else {
            match (self.nacl[ai], self.nacl[bi]) {
                (Some(na), Some(nb)) => Some((na, nb)),
                _ => return false,
            }
        };
        let decide =
            |src: &IpNet| self.route_decision(ea, eb, src, &dst).map(|d| matches!(d, RouteDecision::Peering { .. }));
        let key = (self.src_uniform[ai] && self.uniform[bi])
            .then(|| (self.subnet_of[ai], self.vpc_of[ai], self.subnet_of[bi], self.vpc_of[bi]));
        let cache = if v6 { &self.route_cache6 } else { &self.route_cache };
        for src in self.sources(a, v6) {
            let routed = match key {
                None => decide(&src),
                Some(k) => {
                    let cached = cache.borrow().get(&k).copied();
                    cached.unwrap_or_else(|| {
                        let r = decide(&src);
                        cache.borrow_mut().insert(k, r);
                        r
                    })
                }
            };
            let Some(peering) = routed else { continue };
            for g in &self.groups[b as usize] {
                for rule in &g.ingress {
                    if self.rule_admits(rule, ea, eb, &src, peering).is_none() {
                        continue;
                    }
                    for p in rule_protocols(rule, v6) {
                        let rp = rule_ports(rule.protocol, rule.ports, *p);
                        for (rp, _) in self.egress_pieces(a, eb, &dst, *p, peering, rp) {
                            let Some((na, nb)) = nacls else { return true };
                            if nacl_return(&nb.outbound, &src, *p).is_none()
                                || nacl_return(&na.inbound, &dst, *p).is_none()
                            {
                                continue;
                            }
                            let a_out = nacl_allowed(&na.outbound, &dst, *p, rp);
                            if a_out.is_empty() {
                                continue;
                            }
                            let b_in = nacl_allowed(&nb.inbound, &src, *p, rp);
                            if !intersect(&a_out, &b_in).is_empty() {
                                return true;
                            }
                        }
                    }
                }
            }
        }
        false
    }

    /// The parts of `within` (ports of protocol `p`) that A's security groups let out to
    /// B at `dst`, each with the egress rule that does (the first rule wins where
    /// rules overlap). An interface without security groups is not filtered.
    fn egress_pieces(
        &self,
        a: u32,
        eb: &NetworkInterface,
        dst: &IpNet,
        p: Protocol,
        peering: bool,
        within: PortRange,
    ) -> Vec<(PortRange, Option<(&'a SecurityGroup, &'a SgRule)>)> {
        let ea = self.eni(a);
        if ea.security_group_ids.is_empty() {
            return vec![(within, None)];
        }
        let mut remaining = SpanSet::of(port_span(within));
        let mut out: Vec<(PortRange, Option<(&SecurityGroup, &SgRule)>)> = Vec::new();
        for g in &self.groups[a as usize] {
            for rule in g.egress.iter().filter(|r| r.protocol == Protocol::All || r.protocol == p) {
                let admits = match &rule.peer {
                    RulePeer::Cidr { cidr } => covers(cidr, dst),
                    RulePeer::PrefixList { prefix_list_id } => {
                        self.topo.index.prefix_list_entries(prefix_list_id).iter().any(|e| covers(&e.cidr, dst))
                    }
                    RulePeer::SecurityGroup { group_id, .. } => {
                        eb.security_group_ids.contains(group_id) && (ea.vpc_id == eb.vpc_id || peering)
                    }
                };
                if !admits {
                    continue;
                }
                let rp = port_span(rule_ports(rule.protocol, rule.ports, p));
                out.extend(remaining.intersect(rp).spans().iter().map(|s| (to_range(*s), Some((*g, rule)))));
                remaining.subtract(rp);
                if remaining.is_empty() {
                    break;
                }
            }
        }
        out.sort_by_key(|(r, _)| r.from);
        out
    }

    /// ENI A → ENI B, if anything gets through over IPv4 or IPv6. Each family is
    /// evaluated on its own (routes, NACL entries and SG rules of that family); the
    /// hop carries both families' sources and grants.
    fn private_hop(&self, a: u32, b: u32) -> Option<Hop> {
        let (ea, eb) = (self.eni(a), self.eni(b));
        let same_subnet = ea.subnet_id == eb.subnet_id;
        let v4 = self.family_hop(a, b, false, Detail::Evidence);
        let v6 = self.family_hop(a, b, true, Detail::Evidence);
        let (main, ipv6) = match (v4, v6) {
            (Some(v4), Some(v6)) => (v4.clone(), Some(v6)),
            (Some(only), None) | (None, Some(only)) => (only, None),
            (None, None) => return None,
        };
        let mut sources = main.sources.clone();
        let mut grants = main.grants.clone();
        if let Some(v6) = &ipv6 {
            sources.extend(v6.sources.iter().cloned());
            grants.extend(v6.grants.iter().cloned());
        }
        let grants: Vec<Grant> = grants.into_iter().collect();
        let (protocol, ports) = summarize(&grants);
        Some(Hop {
            from: self.resource[a as usize].to_string(),
            to: self.resource[b as usize].to_string(),
            protocol,
            ports,
            sources,
            evidence: HopEvidence {
                from_eni: Some(ea.id.clone()),
                to_eni: Some(eb.id.clone()),
                destination: Some(main.dst.addr().to_string()),
                forward_route: Some(main.routing.forward),
                return_route: Some(main.routing.back),
                via: main.routing.via,
                note: same_subnet.then(|| "same subnet: NACLs not evaluated".to_string()),
                grants,
                ipv6: ipv6.map(|v6| FamilyRoute {
                    destination: v6.dst.addr().to_string(),
                    forward_route: v6.routing.forward,
                    return_route: v6.routing.back,
                    via: v6.routing.via,
                }),
            },
        })
    }

    /// One address family of `private_hop`: A's addresses of that family that get
    /// through to B's address of that family, the grants, and the routing used.
    fn family_hop(&self, a: u32, b: u32, v6: bool, detail: Detail) -> Option<FamilyHop> {
        let evidence = detail == Detail::Evidence;
        let (ea, eb) = (self.eni(a), self.eni(b));
        let dst = self.destination(b, v6)?;
        let ix = &self.topo.index;
        let same_subnet = ea.subnet_id == eb.subnet_id;
        let nacls = if same_subnet {
            None
        } else {
            Some((ix.nacl_of(&ea.subnet_id, &ea.vpc_id)?, ix.nacl_of(&eb.subnet_id, &eb.vpc_id)?))
        };
        let family = (v6 && evidence).then(|| "ipv6".to_string());
        let all = if v6 { ALL_V6 } else { ALL_V4 };
        let mut grants: BTreeSet<Grant> = BTreeSet::new();
        let mut sources = Vec::new();
        let mut first: Option<Routing> = None;
        for src in self.sources(a, v6) {
            let Some(decision) = self.route_decision(ea, eb, &src, &dst) else { continue };
            let peering = matches!(decision, RouteDecision::Peering { .. });
            let before = grants.len();
            for m in self.sg_admits(a, b, &src, peering) {
                let protocols = rule_protocols(m.rule, v6);
                let mut per_rule: Vec<Grant> = Vec::new();
                for &p in protocols {
                    let rule_range = rule_ports(m.rule.protocol, m.rule.ports, p);
                    for (rp, egress_rule) in self.egress_pieces(a, eb, &dst, p, peering, rule_range) {
                        let segments: Vec<(PortRange, Option<NaclUsed>)> = match nacls {
                            None => vec![(rp, None)],
                            Some((na, nb)) => {
                                let (Some(b_reply), Some(a_reply)) =
                                    (nacl_return(&nb.outbound, &src, p), nacl_return(&na.inbound, &dst, p))
                                else {
                                    continue;
                                };
                                let a_out = nacl_allowed(&na.outbound, &dst, p, rp);
                                let b_in = nacl_allowed(&nb.inbound, &src, p, rp);
                                intersect(&a_out, &b_in)
                                    .into_iter()
                                    .map(|(r, (ao, bi))| {
                                        let used = NaclUsed {
                                            from_nacl_id: Some(na.acl.id.clone()),
                                            from_outbound_rule: Some(ao),
                                            from_inbound_reply_rule: Some(a_reply),
                                            to_nacl_id: Some(nb.acl.id.clone()),
                                            to_inbound_rule: Some(bi),
                                            to_outbound_reply_rule: Some(b_reply),
                                        };
                                        (r, Some(used))
                                    })
                                    .collect()
                            }
                        };
                        for (r, nacl) in segments {
                            // Without evidence, only what `data_flows` keeps and the NACL
                            // rules the "all" collapsing below compares.
                            per_rule.push(Grant {
                                protocol: p,
                                ports: p.has_ports().then_some(r),
                                source: None,
                                public_ip: None,
                                security_group_id: evidence.then(|| m.group.id.clone()),
                                sg_rule: evidence.then(|| match m.via_entry {
                                    Some(e) => format!("{} (entry {e})", m.rule.summary("from")),
                                    None => m.rule.summary("from"),
                                }),
                                sg_rule_id: evidence.then(|| m.rule.rule_id.clone()).flatten(),
                                nacl,
                                egress_rule: egress_rule
                                    .filter(|_| evidence)
                                    .map(|(g, r)| format!("{}: {}", g.id, r.summary("to"))),
                                family: family.clone(),
                            });
                        }
                    }
                }
                // An "all" rule let through completely on TCP, UDP and ICMP(v6) by the same
                // NACL rules: one "all" grant says it.
                let whole = |p: Protocol| {
                    per_rule.iter().filter(|g| g.protocol == p).count() == 1
                        && per_rule.iter().any(|g| g.protocol == p && g.ports.is_none_or(|r| r == domain(p)))
                };
                if m.rule.protocol == Protocol::All
                    && per_rule.len() == 3
                    && all.into_iter().all(whole)
                    && per_rule.iter().all(|g| g.nacl == per_rule[0].nacl)
                {
                    let mut g = per_rule.swap_remove(0);
                    g.protocol = Protocol::All;
                    g.ports = None;
                    per_rule = vec![g];
                }
                grants.extend(per_rule);
            }
            if grants.len() > before {
                if evidence {
                    sources.push(src.addr().to_string());
                }
                if first.is_none() {
                    first =
                        Some(if evidence { self.routing(ea, eb, (&src, &dst), decision) } else { Routing::default() });
                }
            }
        }
        Some(FamilyHop { routing: first?, dst, sources, grants })
    }

    /// Load-balancer ENI A → target B: the target port of every listener rule that
    /// forwards to B, with the controls the load-balancer analysis found admitting it
    /// (and the routes of the plain hop, when the target admits A's own address).
    fn lb_hop(&self, a: u32, b: u32) -> Hop {
        let rows = &self.lb_next[&a][&b];
        let plain = self.private_hop(a, b);
        let grants: BTreeSet<Grant> = rows
            .iter()
            .map(|t| Grant {
                protocol: t.protocol,
                ports: Some(PortRange::new(t.port, t.port)),
                source: (!t.sources.is_empty()).then(|| t.sources.clone()),
                public_ip: None,
                security_group_id: None,
                sg_rule: Some(t.evidence.join("; ")),
                sg_rule_id: None,
                nacl: None,
                egress_rule: None,
                family: None,
            })
            .collect();
        let grants: Vec<Grant> = grants.into_iter().collect();
        let (protocol, ports) = summarize(&grants);
        let via: BTreeSet<String> = rows
            .iter()
            .map(|t| {
                let group = if t.target_group_name.is_empty() { "registered instances" } else { &t.target_group_name };
                format!(
                    "load balancer {} listener {} ({}) → {} → target group {group}; the target sees {}",
                    t.listener.load_balancer_name,
                    t.listener.label(),
                    t.listener.encryption,
                    t.rule,
                    t.source_model
                )
            })
            .collect();
        let (ea, eb) = (self.eni(a), self.eni(b));
        let routes = plain.map(|h| (h.evidence.forward_route, h.evidence.return_route)).unwrap_or_default();
        Hop {
            from: self.resource[a as usize].to_string(),
            to: self.resource[b as usize].to_string(),
            protocol,
            ports,
            sources: rows.iter().map(|t| t.sources.clone()).filter(|s| !s.is_empty()).collect::<BTreeSet<_>>().into_iter().collect(),
            evidence: HopEvidence {
                from_eni: Some(ea.id.clone()),
                to_eni: Some(eb.id.clone()),
                destination: self.ips[b as usize].first().map(|ip| ip.to_string()),
                forward_route: routes.0,
                return_route: routes.1,
                via: via.into_iter().collect(),
                note: Some("load balancer → target: listener rules and target groups decide, not the load balancer's own egress".into()),
                grants,
                ipv6: None,
            },
        }
    }

    /// The internet → ENI hop from the ENI's exposure findings.
    fn internet_hop(&self, b: u32, findings: &[&ExposureFinding]) -> Hop {
        let eb = self.eni(b);
        let grants: BTreeSet<Grant> = findings
            .iter()
            .map(|f| Grant {
                protocol: f.protocol,
                ports: f.ports,
                source: Some(f.source.to_string()),
                public_ip: Some(f.public_ip.clone()),
                security_group_id: Some(f.evidence.security_group_id.clone()),
                sg_rule: Some(f.evidence.sg_rule.clone()),
                sg_rule_id: f.evidence.sg_rule_id.clone(),
                nacl: Some(NaclUsed {
                    from_nacl_id: None,
                    from_outbound_rule: None,
                    from_inbound_reply_rule: None,
                    to_nacl_id: Some(f.evidence.nacl_id.clone()),
                    to_inbound_rule: Some(f.evidence.nacl_in_rule),
                    to_outbound_reply_rule: Some(f.evidence.nacl_out_rule),
                }),
                egress_rule: None,
                family: None,
            })
            .collect();
        let grants: Vec<Grant> = grants.into_iter().collect();
        let sources: BTreeSet<String> = findings.iter().map(|f| f.source.to_string()).collect();
        let (protocol, ports) = summarize(&grants);
        // Every finding of one ENI comes back through the same route table.
        let e = &findings[0].evidence;
        Hop {
            from: "internet".to_string(),
            to: self.resource[b as usize].to_string(),
            protocol,
            ports,
            sources: sources.into_iter().collect(),
            evidence: HopEvidence {
                to_eni: Some(eb.id.clone()),
                destination: Some(findings[0].public_ip.clone()),
                return_route: Some(RouteUsed { route_table_id: e.route_table_id.clone(), route: e.route.clone() }),
                grants,
                ..HopEvidence::default()
            },
        }
    }

    /// ENI A → S3/DynamoDB gateway endpoint routed from A's subnet (tcp/443).
    fn endpoint_hop(&self, a: u32, ep: u32) -> Option<Hop> {
        let ea = self.eni(a);
        let vpce = self.gateway_endpoints[ep as usize];
        if vpce.vpc_id != ea.vpc_id {
            return None;
        }
        let ix = &self.topo.index;
        let rt = ix.route_table_of(&ea.subnet_id, &ea.vpc_id)?;
        let route = rt.table.routes.iter().find(|r| r.target.id == vpce.id && r.state == RouteState::Active)?;
        let p = Protocol::Tcp;
        let https = PortRange::single(443);
        let mut grant = Grant {
            protocol: p,
            ports: Some(https),
            source: None,
            public_ip: None,
            security_group_id: None,
            sg_rule: None,
            sg_rule_id: None,
            nacl: None,
            egress_rule: None,
            family: None,
        };
        let mut note = None;
        let dests: Vec<IpNet> = match &route.destination {
            RouteDestination::Cidr(c) => vec![*c],
            RouteDestination::PrefixList(pl) => ix.prefix_list_entries(pl).iter().map(|e| e.cidr).collect(),
        };
        // A's security groups must let tcp/443 out to the service's prefix list (or
        // to addresses covering one of its ranges).
        if !ea.security_group_ids.is_empty() {
            let admits = |rule: &SgRule| {
                let port_ok = rule.protocol == Protocol::All
                    || (rule.protocol == p && rule.ports.is_none_or(|r| r.from <= 443 && 443 <= r.to));
                port_ok
                    && match (&rule.peer, &route.destination) {
                        (RulePeer::PrefixList { prefix_list_id }, RouteDestination::PrefixList(pl)) => {
                            prefix_list_id == pl
                        }
                        (RulePeer::Cidr { cidr }, _) => dests.iter().any(|d| covers(cidr, d)),
                        _ => false,
                    }
            };
            let (g, rule) =
                self.groups[a as usize].iter().find_map(|g| g.egress.iter().find(|r| admits(r)).map(|r| (g, r)))?;
            grant.egress_rule = Some(format!("{}: {}", g.id, rule.summary("to")));
        }
        if dests.is_empty() {
            note = Some(format!("{}: prefix list not in the snapshot, NACLs not evaluated", route.destination));
        } else {
            let na = ix.nacl_of(&ea.subnet_id, &ea.vpc_id)?;
            let used = dests.iter().find_map(|d| {
                let out = nacl_allowed(&na.outbound, d, p, https).first()?.1;
                let reply = nacl_return(&na.inbound, d, p)?;
                Some(NaclUsed {
                    from_nacl_id: Some(na.acl.id.clone()),
                    from_outbound_rule: Some(out),
                    from_inbound_reply_rule: Some(reply),
                    to_nacl_id: None,
                    to_inbound_rule: None,
                    to_outbound_reply_rule: None,
                })
            })?;
            grant.nacl = Some(used);
        }
        Some(Hop {
            from: self.resource[a as usize].to_string(),
            to: vpce.id.clone(),
            protocol: "tcp".to_string(),
            ports: "443".to_string(),
            sources: self.ips[a as usize].iter().map(|i| i.to_string()).collect(),
            evidence: HopEvidence {
                from_eni: Some(ea.id.clone()),
                destination: Some(vpce.service_name.clone()),
                forward_route: Some(RouteUsed {
                    route_table_id: rt.table.id.clone(),
                    route: format!("{} → {}", route.destination, vpce.id),
                }),
                note,
                grants: vec![grant],
                ..HopEvidence::default()
            },
        })
    }

    /// Next hops of `n` into nodes at most `left` hops from TO (by `bound`), in the
    /// order they are found; the hops themselves are built later (`hop`) for the paths
    /// shown only.
    fn successors(&self, n: Node, bound: &Bound, left: usize, max_left: usize, out: &mut Vec<Node>) {
        let ok = |m: Node| bound.get(m) <= left;
        match n {
            Node::Internet => {
                out.extend(
                    self.exposures
                        .keys()
                        .filter_map(|eni| self.eni_pos.get(eni).map(|&b| Node::Eni(b)))
                        .filter(|&m| ok(m)),
                );
            }
            Node::Eni(a) if self.lb_next.contains_key(&a) => {
                // A load balancer forwards to its targets only.
                out.extend(self.lb_next[&a].keys().map(|&b| Node::Eni(b)).filter(|&m| m != n && ok(m)));
            }
            // AWS-managed forwarders start no connection of their own: what they carry is
            // already a route (NAT, TGW) or ends at an AWS service (interface endpoint).
            Node::Eni(a) if originates_nothing(self.eni(a)) => {}
            Node::Eni(a) => {
                let ra = self.res_of[a as usize];
                let next = self.eni_successors(a, bound, max_left);
                out.extend(
                    next.iter()
                        .filter(|&&b| b != a && self.res_of[b as usize] != ra)
                        .map(|&b| Node::Eni(b))
                        .filter(|&m| ok(m)),
                );
                if !self.gateway_endpoints.is_empty() {
                    let ea = self.eni(a);
                    let rt = self.topo.index.route_table_of(&ea.subnet_id, &ea.vpc_id);
                    for r in rt.map(|rt| rt.table.routes.as_slice()).unwrap_or_default() {
                        let ep = self.gateway_endpoint_pos.get(r.target.id.as_str()).copied();
                        if let Some(ep) = ep.filter(|&ep| ok(Node::GatewayEndpoint(ep))) {
                            if self.endpoint_ok(a, ep) {
                                out.push(Node::GatewayEndpoint(ep));
                            }
                        }
                    }
                }
            }
            Node::GatewayEndpoint(_) => {}
        }
    }

    /// The ENIs A has a hop to that are at most `max_left` hops from TO, in candidate
    /// order; A itself and ENIs of A's resource may be among them (callers drop them),
    /// so sources alike (`succ_class`) share one list.
    fn eni_successors(&self, a: u32, bound: &Bound, max_left: usize) -> std::rc::Rc<[u32]> {
        let class = self.succ_class[a as usize];
        if let Some(v) = class.and_then(|c| self.succ_cache.borrow().get(&c).cloned()) {
            return v;
        }
        // Destinations alike (subnet, VPC, groups; `uniform`) get one answer.
        let mut seen: FastMap<(u32, u32, u32), bool> = FastMap::default();
        let mut out: Vec<u32> = Vec::new();
        for b in self.candidates(a) {
            if bound.get(Node::Eni(b)) > max_left {
                continue;
            }
            let bi = b as usize;
            let pass = if self.uniform[bi] {
                let class = (self.subnet_of[bi], self.vpc_of[bi], self.gset_of[bi]);
                *seen.entry(class).or_insert_with(|| self.private_ok(a, b))
            } else {
                self.private_ok(a, b)
            };
            if pass {
                out.push(b);
            }
        }
        let v: std::rc::Rc<[u32]> = out.into();
        if let Some(c) = class {
            self.succ_cache.borrow_mut().insert(c, v.clone());
        }
        v
    }

    /// Whether `endpoint_hop(a, ep)` is a hop: it reads A's subnet (route table, NACL),
    /// VPC and groups only, so ENIs alike share one answer.
    fn endpoint_ok(&self, a: u32, ep: u32) -> bool {
        let ai = a as usize;
        let key = (self.subnet_of[ai], self.vpc_of[ai], self.gset_of[ai], ep);
        if let Some(&ok) = self.endpoint_cache.borrow().get(&key) {
            return ok;
        }
        let ok = self.endpoint_hop(a, ep).is_some();
        self.endpoint_cache.borrow_mut().insert(key, ok);
        ok
    }

    /// The hop from `n` to `m`, with its evidence (the search found it).
    fn hop(&self, n: Node, m: Node) -> Hop {
        match (n, m) {
            (Node::Internet, Node::Eni(b)) => self.internet_hop(b, &self.exposures[self.eni(b).id.as_str()]),
            (Node::Eni(a), Node::Eni(b)) if self.lb_next.contains_key(&a) => self.lb_hop(a, b),
            (Node::Eni(a), Node::Eni(b)) => self.private_hop(a, b).expect("the search found this hop"),
            (Node::Eni(a), Node::GatewayEndpoint(ep)) => self.endpoint_hop(a, ep).expect("the search found this hop"),
            _ => unreachable!("no hop from {n:?} to {m:?}"),
        }
    }

    /// The protocols and ports of `hop(n, m)`'s grants, sorted: internet, load-balancer
    /// and private hops without building their evidence text (`data_flows` needs no more).
    fn hop_grants(&self, n: Node, m: Node) -> FlowGrants {
        let mut g: FlowGrants = match (n, m) {
            // As `internet_hop` and `lb_hop` make their grants.
            (Node::Internet, Node::Eni(b)) => {
                self.exposures[self.eni(b).id.as_str()].iter().map(|f| (f.protocol, f.ports)).collect()
            }
            (Node::Eni(a), Node::Eni(b)) if self.lb_next.contains_key(&a) => {
                self.lb_next[&a][&b].iter().map(|t| (t.protocol, Some(PortRange::new(t.port, t.port)))).collect()
            }
            (Node::Eni(a), Node::Eni(b)) => [false, true]
                .into_iter()
                .filter_map(|v6| self.family_hop(a, b, v6, Detail::Grants))
                .flat_map(|f| f.grants)
                .map(|g| (g.protocol, g.ports))
                .collect(),
            _ => self.hop(n, m).evidence.grants.iter().map(|g| (g.protocol, g.ports)).collect(),
        };
        g.sort_unstable();
        g.dedup();
        g
    }

    /// Breadth-first from FROM, up to `max_hops`, into an explicit subgraph.
    fn explore(&self, from: &[Node], bound: &Bound, max_hops: usize) -> Subgraph {
        let mut sub = Subgraph::default();
        let mut depth: Vec<usize> = Vec::new();
        let mut queue: VecDeque<u32> = VecDeque::new();
        for &n in from {
            let (u, fresh) = sub.node(n);
            if fresh {
                depth.push(0);
                queue.push_back(u);
            }
        }
        let mut next = Vec::new();
        while let Some(u) = queue.pop_front() {
            let (n, d) = (sub.nodes[u as usize], depth[u as usize]);
            if d >= max_hops || bound.get(n) > max_hops - d {
                continue;
            }
            next.clear();
            self.successors(n, bound, max_hops - d - 1, max_hops - 1, &mut next);
            for &m in &next {
                let (v, fresh) = sub.node(m);
                sub.edges.push((u, v));
                if fresh {
                    depth.push(d + 1);
                    queue.push_back(v);
                }
            }
        }
        sub
    }
}

/// The explored part of the estate: nodes reached from FROM and the hops between them
/// (node indices only: hops are built for the paths shown).
#[derive(Default)]
struct Subgraph {
    nodes: Vec<Node>,
    index: FastMap<Node, u32>,
    /// (from, to) in the order found.
    edges: Vec<(u32, u32)>,
}

/// Adjacency lists in one array: the neighbours of `i` are `list[start[i]..start[i + 1]]`.
struct Csr {
    start: Vec<u32>,
    list: Vec<u32>,
}

impl Csr {
    /// From (node, neighbour) pairs, each node's neighbours in the order given.
    fn build(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Csr {
        let mut start = vec![0u32; n + 1];
        for (u, _) in pairs.clone() {
            start[u as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut list = vec![0u32; start[n] as usize];
        for (u, v) in pairs {
            list[fill[u as usize] as usize] = v;
            fill[u as usize] += 1;
        }
        Csr { start, list }
    }

    fn of(&self, i: u32) -> &[u32] {
        &self.list[self.start[i as usize] as usize..self.start[i as usize + 1] as usize]
    }

    fn of_mut(&mut self, i: usize) -> &mut [u32] {
        let (a, b) = (self.start[i] as usize, self.start[i + 1] as usize);
        &mut self.list[a..b]
    }
}

impl Subgraph {
    /// The node's index, and whether it is new.
    fn node(&mut self, n: Node) -> (u32, bool) {
        let next = self.nodes.len() as u32;
        let i = *self.index.entry(n).or_insert(next);
        if i == next {
            self.nodes.push(n);
        }
        (i, i == next)
    }

    /// Distance (hops) from each node to the nearest TO node, backwards over the edges.
    fn distances_to(&self, to: &FastSet<Node>) -> Vec<usize> {
        let n = self.nodes.len();
        let incoming = Csr::build(n, self.edges.iter().map(|&(u, v)| (v, u)));
        let mut dist = vec![usize::MAX; n];
        let mut queue = VecDeque::new();
        for (i, m) in self.nodes.iter().enumerate() {
            if to.contains(m) {
                dist[i] = 0;
                queue.push_back(i as u32);
            }
        }
        while let Some(v) = queue.pop_front() {
            let d = dist[v as usize];
            for &u in incoming.of(v) {
                if dist[u as usize] == usize::MAX {
                    dist[u as usize] = d + 1;
                    queue.push_back(u);
                }
            }
        }
        dist
    }

    fn enumerate(&self, eng: &Engine, from: &[Node], to: &FastSet<Node>, opts: &PathOptions, report: &mut PathsReport) {
        let dist = self.distances_to(to);
        let n = self.nodes.len();
        // Each node's rank in (resource id, ENI id) order and its resource (an instance
        // is one resource however many ENIs it has), interned.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|&a, &b| eng.key(self.nodes[a as usize]).cmp(&eng.key(self.nodes[b as usize])));
        let mut rank = vec![0u32; n];
        for w in 1..n {
            let (prev, cur) = (order[w - 1], order[w]);
            let same = eng.key(self.nodes[prev as usize]) == eng.key(self.nodes[cur as usize]);
            rank[cur as usize] = if same { rank[prev as usize] } else { w as u32 };
        }
        let mut resources: FastMap<&str, u32> = FastMap::default();
        let resource: Vec<u32> = self
            .nodes
            .iter()
            .map(|&m| {
                let next = resources.len() as u32;
                *resources.entry(eng.key(m).0).or_insert(next)
            })
            .collect();
        // Out-edges in (resource id, ENI id) order of their targets, found order among
        // equals: depth-first search then yields paths already sorted.
        let live = self.edges.iter().copied().filter(|&(_, v)| dist[v as usize] < opts.max_hops);
        let mut adj = Csr::build(n, live);
        for u in 0..n {
            adj.of_mut(u).sort_by_key(|&v| rank[v as usize]);
        }
        let mut search = Search {
            nodes: &self.nodes,
            resource: &resource,
            to,
            dist: &dist,
            adj: &adj,
            opts,
            found: 0,
            stack: vec![],
            shown: vec![],
        };
        for m in from {
            let Some(&i) = self.index.get(m) else { continue };
            if dist[i as usize] > opts.max_hops {
                continue;
            }
            search.stack.push(i);
            let mut on_path = vec![resource[i as usize]];
            search.dfs(i, &mut on_path);
            search.stack.pop();
            if search.found >= COUNT_CAP {
                break;
            }
        }
        // The hops of the paths shown, each built once.
        let mut hops: FastMap<(Node, Node), Hop> = FastMap::default();
        for path in &search.shown {
            let mut p = Vec::with_capacity(path.len() - 1);
            for w in path.windows(2) {
                let (a, b) = (self.nodes[w[0] as usize], self.nodes[w[1] as usize]);
                p.push(hops.entry((a, b)).or_insert_with(|| eng.hop(a, b)).clone());
            }
            report.paths.push(Path { hops: p });
        }
        let found = search.found;
        report.not_shown = found.saturating_sub(report.paths.len());
        report.count_capped = found >= COUNT_CAP;
    }
}

struct Search<'s> {
    nodes: &'s [Node],
    resource: &'s [u32],
    to: &'s FastSet<Node>,
    dist: &'s [usize],
    adj: &'s Csr,
    opts: &'s PathOptions,
    found: usize,
    /// The nodes of the path so far, FROM first.
    stack: Vec<u32>,
    /// Paths kept (at most `limit`), as node indices.
    shown: Vec<Vec<u32>>,
}

impl Search<'_> {
    fn dfs(&mut self, u: u32, on_path: &mut Vec<u32>) {
        let left = self.opts.max_hops - (self.stack.len() - 1);
        for &v in self.adj.of(u) {
            if self.found >= COUNT_CAP {
                return;
            }
            if self.dist[v as usize] >= left {
                continue;
            }
            let resource = self.resource[v as usize];
            if on_path.contains(&resource) {
                continue;
            }
            self.stack.push(v);
            if self.to.contains(&self.nodes[v as usize]) {
                self.found += 1;
                if self.shown.len() < self.opts.limit {
                    self.shown.push(self.stack.clone());
                }
            }
            if left > 1 {
                on_path.push(resource);
                self.dfs(v, on_path);
                on_path.pop();
            }
            self.stack.pop();
        }
    }
}

/// Per load-balancer ENI (joined to its load balancer), the targets it reaches, by
/// target ENI: the analysis' rows for listeners the internet reaches, and for every
/// other load balancer (internal ones above all) its listeners' targets for clients
/// anywhere. The reverse map feeds `bound`.
fn load_balancer_hops<'t>(
    topo: &Topology,
    analysis: &'t Analysis,
    eni_pos: &FastMap<&str, u32>,
) -> (FastMap<u32, LbTargets<'t>>, FastMap<u32, Vec<u32>>) {
    let r = &topo.snapshot.resources;
    let mut next = FastMap::default();
    let mut prev: FastMap<u32, Vec<u32>> = FastMap::default();
    if r.load_balancers.is_empty() {
        return (next, prev);
    }
    let mut by_lb: BTreeMap<&str, BTreeMap<u32, Vec<&LoadBalancerTarget>>> = BTreeMap::new();
    for t in analysis.behind_load_balancers.iter().chain(&analysis.other_load_balancer_targets) {
        let targets = by_lb.entry(t.listener.load_balancer_id.as_str()).or_default();
        if t.reach != TargetReach::Reachable {
            continue;
        }
        if let Some(&b) = t.eni_id.as_deref().and_then(|e| eni_pos.get(e)) {
            targets.entry(b).or_default().push(t);
        }
    }
    // Shared by the load balancer's ENIs.
    let by_lb: BTreeMap<&str, LbTargets> = by_lb.into_iter().map(|(lb, t)| (lb, std::rc::Rc::new(t))).collect();
    let join = LoadBalancerEnis::new(&r.load_balancers);
    for (i, e) in r.network_interfaces.iter().enumerate() {
        let Some(lb) = join.load_balancer_of(e) else { continue };
        let Some(targets) = by_lb.get(lb.id.as_str()) else { continue };
        let a = i as u32;
        for &b in targets.keys() {
            prev.entry(b).or_default().push(a);
        }
        next.insert(a, targets.clone());
    }
    (next, prev)
}

/// Top-level protocol and ports of a hop from its grants.
fn summarize(grants: &[Grant]) -> (String, String) {
    let protocols: BTreeSet<String> = grants.iter().map(|g| g.protocol.to_string()).collect();
    let several = protocols.len() > 1;
    let mut ports: Vec<String> = Vec::new();
    for g in grants {
        let label = match (g.ports, several) {
            (Some(r), false) => r.to_string(),
            (Some(r), true) => format!("{}/{r}", g.protocol),
            (None, false) => "all".to_string(),
            (None, true) => g.protocol.to_string(),
        };
        if !ports.contains(&label) {
            ports.push(label);
        }
    }
    (protocols.into_iter().collect::<Vec<_>>().join(", "), ports.join(", "))
}

/// Stateless NACL evaluation for one peer range that rules match only as a whole
/// (a private address here): the ranges of `within` that the first matching rules
/// allow, each with its rule number, in evaluation order.
fn nacl_allowed(rules: &[&NaclEntry], peer: &IpNet, p: Protocol, within: PortRange) -> Vec<(PortRange, u16)> {
    let span = |r: PortRange| (u128::from(r.from), u128::from(r.to));
    let mut remaining = SpanSet::of(span(within));
    let mut out = Vec::new();
    for e in rules {
        if remaining.is_empty() {
            break;
        }
        if !e.protocol.covers(p) || !covers(&e.cidr, peer) {
            continue;
        }
        // A deny of one ICMP type leaves the others: not a decision for "ICMP".
        let one_icmp_type =
            matches!(e.protocol, Protocol::Icmp | Protocol::Icmpv6) && e.icmp.is_some_and(|t| t.icmp_type != -1);
        if one_icmp_type && e.action == RuleAction::Deny {
            continue;
        }
        let rp = span(rule_ports(e.protocol, e.ports, p));
        if e.action == RuleAction::Allow {
            out.extend(remaining.intersect(rp).spans().iter().map(|s| (to_range(*s), e.rule_number)));
        }
        remaining.subtract(rp);
    }
    out
}

/// The rule letting replies of protocol `p` to/from `peer` through (TCP/UDP: some
/// ephemeral port 1024-65535), if any.
fn nacl_return(rules: &[&NaclEntry], peer: &IpNet, p: Protocol) -> Option<u16> {
    let within = if p.has_ports() { PortRange::EPHEMERAL } else { domain(p) };
    nacl_allowed(rules, peer, p, within).first().map(|(_, n)| *n)
}
