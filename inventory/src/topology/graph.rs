//! The estate as a typed petgraph graph: one node per resource, edges for
//! containment, attachment, routing, peering, TGW, VPN and SG references, plus one
//! internet pseudo-node with an edge to every internet gateway (to the VPC, for one
//! only its routes name). Exposure is a walk
//! from that node (`analysis::exposure`), so where the internet enters is part of
//! the graph, not a rule each analysis restates.
use std::collections::BTreeSet;

use super::hash::FastMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::index::Index;
use crate::model::*;
use crate::snapshot::Snapshot;

/// What a node stands for. The internet is no snapshot resource, so it is not a
/// `ResourceKind` (which is the snapshot's schema) but a kind of node of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Resource(ResourceKind),
    Internet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Node<'a> {
    pub kind: NodeKind,
    /// The resource id; `INTERNET_ID` for the internet node.
    pub id: &'a str,
}

/// Id of the internet pseudo-node. It is not in `Graph::nodes` (no resource kind):
/// `Graph::internet` finds it.
pub const INTERNET_ID: &str = "internet";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge<'a> {
    /// account › region › VPC › subnet › ENI.
    Contains,
    /// Instance → its ENI.
    HasInterface,
    /// Gateway ↔ VPC (IGW, EIGW, VGW), NAT → subnet, endpoint → subnet / route table,
    /// VPC → TGW attachment → TGW, VPN → VGW/TGW/customer gateway.
    Attached,
    /// SG → ENI it protects.
    Protects,
    /// NACL → subnet it filters (explicitly or as the VPC default).
    Filters,
    /// Subnet → its effective route table; `main` when by VPC main-table fallback.
    UsesRouteTable { main: bool },
    /// Route table → target, for one destination (CIDR or prefix list).
    Route { destination: &'a RouteDestination, state: RouteState },
    /// VPC → peering connection → VPC.
    Peering,
    /// TGW attachment → TGW route table it is associated with.
    AssociatedWith,
    /// TGW route table → attachment, for one destination.
    TgwRoute { destination: &'a RouteDestination, state: RouteState },
    /// SG owning the rule → SG the rule names, on protocol/ports.
    SgReference { rule: &'a SgRule, ingress: bool },
    /// Internet → internet gateway: where traffic from the internet enters the estate
    /// (IPv4 and IPv6 alike; egress-only gateways and VGWs admit none). Straight to a
    /// VPC when the gateway is `unseen`: an active route (or edge association) of the
    /// VPC names it but the snapshot lacks it, which `Index::igw_attached` trusts.
    Internet { unseen: Option<&'a str> },
}

/// Directed graph of the estate; `nodes` finds a resource's node by (kind, id).
#[derive(Debug)]
pub struct Graph<'a> {
    pub graph: DiGraph<Node<'a>, Edge<'a>>,
    pub nodes: FastMap<(ResourceKind, &'a str), NodeIndex>,
    /// The internet pseudo-node (the last node: resource nodes keep their indices).
    pub internet: NodeIndex,
}

impl<'a> Graph<'a> {
    pub fn node(&self, kind: ResourceKind, id: &str) -> Option<NodeIndex> {
        self.nodes.get(&(kind, id)).copied()
    }

    fn add_node(&mut self, kind: ResourceKind, id: &'a str) {
        if let std::collections::hash_map::Entry::Vacant(v) = self.nodes.entry((kind, id)) {
            let n = self.graph.add_node(Node { kind: NodeKind::Resource(kind), id });
            v.insert(n);
        }
    }

    fn link(&mut self, from: (ResourceKind, &str), to: (ResourceKind, &str), e: Edge<'a>) {
        if let (Some(a), Some(b)) = (self.node(from.0, from.1), self.node(to.0, to.1)) {
            self.graph.add_edge(a, b, e);
        }
    }

    pub fn build(snapshot: &'a Snapshot, ix: &Index<'a>) -> Graph<'a> {
        use ResourceKind as K;
        let r = &snapshot.resources;
        let total = r.total();
        let mut g = Graph {
            graph: DiGraph::with_capacity(total + 1, 2 * total),
            nodes: super::hash::map_with_capacity(total),
            internet: NodeIndex::default(),
        };
        macro_rules! add_nodes {
            ($field:ident, $ty:ident) => {
                for x in &r.$field {
                    g.add_node(<$ty as Resource>::KIND, x.id());
                }
            };
        }
        crate::for_each_kind!(add_nodes);

        // Every stated reference that means an edge (`Rel`), in kind order.
        let mut refs = Refs::default();
        macro_rules! link_refs {
            ($field:ident, $ty:ident) => {
                for x in &r.$field {
                    refs.clear();
                    x.references(&mut refs);
                    let me = (<$ty as Resource>::KIND, x.id());
                    for rf in &refs.list {
                        let target = (rf.kind, rf.id);
                        match rf.rel {
                            Rel::In => g.link(target, me, Edge::Contains),
                            Rel::AttachedTo => g.link(me, target, Edge::Attached),
                            Rel::InterfaceOf => g.link(target, me, Edge::HasInterface),
                            Rel::ProtectedBy => g.link(target, me, Edge::Protects),
                            Rel::Route { destination, state } => g.link(me, target, Edge::Route { destination, state }),
                            Rel::PeeringSide { requester: true } => g.link(target, me, Edge::Peering),
                            Rel::PeeringSide { requester: false } => g.link(me, target, Edge::Peering),
                            Rel::AssociatedWith => g.link(me, target, Edge::AssociatedWith),
                            Rel::TgwRoute { destination, state } => {
                                g.link(me, target, Edge::TgwRoute { destination, state })
                            }
                            Rel::SgRule { rule, ingress } => g.link(me, target, Edge::SgReference { rule, ingress }),
                            // Drawn from the index's effective table / NACL instead.
                            Rel::Association | Rel::Names => {}
                        }
                    }
                }
            };
        }
        crate::for_each_kind!(link_refs);

        // Derived edges: a VPC's region, each subnet's effective route table and NACL.
        let mut region_node: FastMap<(&str, &str), &str> = FastMap::default();
        for reg in &r.regions {
            region_node.insert((reg.account_id.as_str(), reg.region.as_str()), reg.id.as_str());
        }
        for v in &r.vpcs {
            if let Some(reg) = region_node.get(&(v.account_id.as_str(), v.region.as_str())) {
                g.link((K::Region, reg), (K::Vpc, &v.id), Edge::Contains);
            }
        }
        for s in &r.subnets {
            if let Some(eff) = ix.route_table_of(&s.id, &s.vpc_id) {
                g.link((K::Subnet, &s.id), (K::RouteTable, &eff.table.id), Edge::UsesRouteTable { main: eff.main });
            }
            if let Some(n) = ix.nacl_of(&s.id, &s.vpc_id) {
                g.link((K::NetworkAcl, &n.acl.id), (K::Subnet, &s.id), Edge::Filters);
            }
        }
        g.add_internet(r);
        g
    }

    /// The internet node and its edges, added last so that every resource node and
    /// edge keeps the index (and the adjacency order) it has without them.
    fn add_internet(&mut self, r: &'a Resources) {
        self.internet = self.graph.add_node(Node { kind: NodeKind::Internet, id: INTERNET_ID });
        for igw in &r.internet_gateways {
            if let Some(n) = self.node(ResourceKind::InternetGateway, &igw.id) {
                self.graph.add_edge(self.internet, n, Edge::Internet { unseen: None });
            }
        }
        for (vpc, igw) in self.unseen_gateways(&r.route_tables) {
            if let Some(n) = self.node(ResourceKind::Vpc, vpc) {
                self.graph.add_edge(self.internet, n, Edge::Internet { unseen: Some(igw) });
            }
        }
    }

    /// (VPC, gateway id) for internet gateways missing from the snapshot that one of the
    /// VPC's route tables routes to (actively) or takes ingress traffic from.
    fn unseen_gateways(&self, tables: &'a [RouteTable]) -> BTreeSet<(&'a str, &'a str)> {
        let mut out = BTreeSet::new();
        for t in tables {
            let routed = t
                .routes
                .iter()
                .filter(|x| x.state == RouteState::Active && x.target.kind == RouteTargetKind::InternetGateway);
            let edge = t.associations.iter().filter_map(|a| a.gateway_id.as_deref()).filter(|g| g.starts_with("igw-"));
            for igw in routed.map(|x| x.target.id.as_str()).chain(edge) {
                if self.node(ResourceKind::InternetGateway, igw).is_none() {
                    out.insert((t.vpc_id.as_str(), igw));
                }
            }
        }
        out
    }
}
