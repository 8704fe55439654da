//! The estate as a typed petgraph graph: one node per resource, edges for
//! containment, attachment, routing, peering, TGW, VPN and SG references.
use super::hash::FastMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::index::Index;
use crate::model::*;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Node<'a> {
    pub kind: ResourceKind,
    pub id: &'a str,
}

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
}

/// Directed graph of the estate; `nodes` finds a resource's node by (kind, id).
#[derive(Debug, Default)]
pub struct Graph<'a> {
    pub graph: DiGraph<Node<'a>, Edge<'a>>,
    pub nodes: FastMap<(ResourceKind, &'a str), NodeIndex>,
}

/// The node kind a route target names, when auditmap models that kind.
fn target_kind(k: RouteTargetKind) -> Option<ResourceKind> {
    Some(match k {
        RouteTargetKind::InternetGateway => ResourceKind::InternetGateway,
        RouteTargetKind::EgressOnlyInternetGateway => ResourceKind::EgressOnlyInternetGateway,
        RouteTargetKind::NatGateway => ResourceKind::NatGateway,
        RouteTargetKind::VpcPeeringConnection => ResourceKind::VpcPeeringConnection,
        RouteTargetKind::TransitGateway => ResourceKind::TransitGateway,
        RouteTargetKind::VpnGateway => ResourceKind::VpnGateway,
        RouteTargetKind::VpcEndpoint => ResourceKind::VpcEndpoint,
        RouteTargetKind::NetworkInterface => ResourceKind::NetworkInterface,
        RouteTargetKind::Instance => ResourceKind::Instance,
        _ => return None,
    })
}

/// The node kind a TGW attachment's resource is, when modelled.
fn attachment_resource_kind(t: TgwAttachmentResourceType) -> Option<ResourceKind> {
    match t {
        TgwAttachmentResourceType::Vpc => Some(ResourceKind::Vpc),
        TgwAttachmentResourceType::Vpn => Some(ResourceKind::VpnConnection),
        TgwAttachmentResourceType::Peering | TgwAttachmentResourceType::TgwPeering => {
            Some(ResourceKind::TransitGateway)
        }
        _ => None,
    }
}

impl<'a> Graph<'a> {
    pub fn node(&self, kind: ResourceKind, id: &str) -> Option<NodeIndex> {
        self.nodes.get(&(kind, id)).copied()
    }

    fn add_node(&mut self, kind: ResourceKind, id: &'a str) {
        if let std::collections::hash_map::Entry::Vacant(v) = self.nodes.entry((kind, id)) {
            let n = self.graph.add_node(Node { kind, id });
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
        let mut g =
            Graph { graph: DiGraph::with_capacity(total, 2 * total), nodes: super::hash::map_with_capacity(total) };
        macro_rules! add_nodes {
            ($field:ident, $ty:ident) => {
                for x in &r.$field {
                    g.add_node(<$ty as Resource>::KIND, x.id());
                }
            };
        }
        crate::for_each_kind!(add_nodes);

        let mut region_node: FastMap<(&str, &str), &str> = FastMap::default();
        for reg in &r.regions {
            region_node.insert((reg.account_id.as_str(), reg.region.as_str()), reg.id.as_str());
            g.link((K::Account, &reg.account_id), (K::Region, &reg.id), Edge::Contains);
        }
        for v in &r.vpcs {
            if let Some(reg) = region_node.get(&(v.account_id.as_str(), v.region.as_str())) {
                g.link((K::Region, reg), (K::Vpc, &v.id), Edge::Contains);
            }
        }
        for s in &r.subnets {
            g.link((K::Vpc, &s.vpc_id), (K::Subnet, &s.id), Edge::Contains);
            if let Some(eff) = ix.route_table_of(&s.id, &s.vpc_id) {
                g.link((K::Subnet, &s.id), (K::RouteTable, &eff.table.id), Edge::UsesRouteTable { main: eff.main });
            }
            if let Some(n) = ix.nacl_of(&s.id, &s.vpc_id) {
                g.link((K::NetworkAcl, &n.acl.id), (K::Subnet, &s.id), Edge::Filters);
            }
        }
        for e in &r.network_interfaces {
            g.link((K::Subnet, &e.subnet_id), (K::NetworkInterface, &e.id), Edge::Contains);
            if let Some(i) = e.instance_id() {
                g.link((K::Instance, i), (K::NetworkInterface, &e.id), Edge::HasInterface);
            }
            for sg in &e.security_group_ids {
                g.link((K::SecurityGroup, sg), (K::NetworkInterface, &e.id), Edge::Protects);
            }
        }
        for t in &r.route_tables {
            for route in &t.routes {
                if let Some(kind) = target_kind(route.target.kind) {
                    let e = Edge::Route { destination: &route.destination, state: route.state };
                    g.link((K::RouteTable, &t.id), (kind, &route.target.id), e);
                }
            }
        }
        for gw in &r.internet_gateways {
            for a in gw.attachments.iter().filter(|a| a.is_attached()) {
                g.link((K::InternetGateway, &gw.id), (K::Vpc, &a.vpc_id), Edge::Attached);
            }
        }
        for gw in &r.egress_only_internet_gateways {
            for a in gw.attachments.iter().filter(|a| a.is_attached()) {
                g.link((K::EgressOnlyInternetGateway, &gw.id), (K::Vpc, &a.vpc_id), Edge::Attached);
            }
        }
        for gw in &r.vpn_gateways {
            for a in gw.attachments.iter().filter(|a| a.is_attached()) {
                g.link((K::VpnGateway, &gw.id), (K::Vpc, &a.vpc_id), Edge::Attached);
            }
        }
        for n in &r.nat_gateways {
            g.link((K::NatGateway, &n.id), (K::Subnet, &n.subnet_id), Edge::Attached);
        }
        for ep in &r.vpc_endpoints {
            for s in &ep.subnet_ids {
                g.link((K::VpcEndpoint, &ep.id), (K::Subnet, s), Edge::Attached);
            }
            for t in &ep.route_table_ids {
                g.link((K::VpcEndpoint, &ep.id), (K::RouteTable, t), Edge::Attached);
            }
        }
        for p in &r.vpc_peering_connections {
            g.link((K::Vpc, &p.requester.vpc_id), (K::VpcPeeringConnection, &p.id), Edge::Peering);
            g.link((K::VpcPeeringConnection, &p.id), (K::Vpc, &p.accepter.vpc_id), Edge::Peering);
        }
        for a in &r.transit_gateway_attachments {
            if let (Some(res), Some(kind)) = (&a.resource_id, attachment_resource_kind(a.resource_type)) {
                g.link((K::TransitGatewayAttachment, &a.id), (kind, res), Edge::Attached);
            }
            g.link((K::TransitGatewayAttachment, &a.id), (K::TransitGateway, &a.transit_gateway_id), Edge::Attached);
            if let Some(t) = &a.association_route_table_id {
                g.link((K::TransitGatewayAttachment, &a.id), (K::TransitGatewayRouteTable, t), Edge::AssociatedWith);
            }
        }
        for t in &r.transit_gateway_route_tables {
            g.link((K::TransitGateway, &t.transit_gateway_id), (K::TransitGatewayRouteTable, &t.id), Edge::Contains);
            for route in &t.routes {
                for att in &route.attachments {
                    let e = Edge::TgwRoute { destination: &route.destination, state: route.state };
                    g.link((K::TransitGatewayRouteTable, &t.id), (K::TransitGatewayAttachment, &att.attachment_id), e);
                }
            }
        }
        for v in &r.vpn_connections {
            g.link((K::VpnConnection, &v.id), (K::CustomerGateway, &v.customer_gateway_id), Edge::Attached);
            if let Some(gw) = &v.vpn_gateway_id {
                g.link((K::VpnConnection, &v.id), (K::VpnGateway, gw), Edge::Attached);
            }
            if let Some(tgw) = &v.transit_gateway_id {
                g.link((K::VpnConnection, &v.id), (K::TransitGateway, tgw), Edge::Attached);
            }
        }
        for sg in &r.security_groups {
            for (rules, ingress) in [(&sg.ingress, true), (&sg.egress, false)] {
                for rule in rules {
                    if let RulePeer::SecurityGroup { group_id, .. } = &rule.peer {
                        g.link(
                            (K::SecurityGroup, &sg.id),
                            (K::SecurityGroup, group_id),
                            Edge::SgReference { rule, ingress },
                        );
                    }
                }
            }
        }
        g
    }
}
