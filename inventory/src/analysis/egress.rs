//! Internet egress of each subnet: where its default routes lead, and its tier.
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::routes::{entries, lookup, RouteEntry};
use crate::model::{NatConnectivity, NatGateway, RouteState, RouteTargetKind, Subnet};
use crate::topology::{Index, Topology};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EgressVia {
    InternetGateway,
    NatGateway,
    EgressOnlyInternetGateway,
    /// Default route to a TGW/VGW/peering/ENI: egress may continue elsewhere.
    Other,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SubnetEgress {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub route_table_id: String,
    pub ipv4: EgressVia,
    /// Target id of the IPv4 default route, if any.
    pub ipv4_target: Option<String>,
    pub ipv6: EgressVia,
    pub ipv6_target: Option<String>,
    /// Public (IGW default route), private (NAT/other egress) or isolated (none).
    pub tier: SubnetTier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubnetTier {
    Public,
    Private,
    Isolated,
}

pub fn egress(topo: &Topology) -> Vec<SubnetEgress> {
    let ix = &topo.index;
    let mut out: Vec<SubnetEgress> =
        topo.snapshot.resources.subnets.iter().filter_map(|s| subnet_egress(s, ix)).collect();
    out.sort();
    out
}

fn default_route<'e, 'a>(routes: &'e [RouteEntry<'a>], v6: bool) -> Option<&'e RouteEntry<'a>> {
    let all: IpNet = if v6 { IpNet::V6(Default::default()) } else { IpNet::V4(Default::default()) };
    lookup(routes, &all)
}

fn classify(e: Option<&RouteEntry>, ix: &Index, vpc_id: &str) -> (EgressVia, Option<String>) {
    let Some(e) = e else { return (EgressVia::None, None) };
    let target = Some(e.route.target.id.clone());
    if e.route.state != RouteState::Active {
        return (EgressVia::None, target);
    }
    let via = match e.route.target.kind {
        RouteTargetKind::InternetGateway if ix.igw_attached(&e.route.target.id, vpc_id) => EgressVia::InternetGateway,
        RouteTargetKind::InternetGateway => EgressVia::None,
        RouteTargetKind::EgressOnlyInternetGateway => EgressVia::EgressOnlyInternetGateway,
        RouteTargetKind::NatGateway => nat_via(&e.route.target.id, ix),
        RouteTargetKind::Local => EgressVia::None,
        _ => EgressVia::Other,
    };
    (via, target)
}

/// A NAT gateway gives internet egress only if it is public and its own subnet
/// routes to an attached IGW; otherwise traffic continues somewhere else (or nowhere).
fn nat_via(nat_id: &str, ix: &Index) -> EgressVia {
    let Some(nat) = ix.get::<NatGateway>(nat_id) else { return EgressVia::NatGateway };
    if nat.connectivity == NatConnectivity::Private {
        return EgressVia::Other;
    }
    let Some(rt) = ix.route_table_of(&nat.subnet_id, &nat.vpc_id) else { return EgressVia::Other };
    let routes = entries(rt.table, ix);
    match default_route(&routes, false).map(|e| e.route) {
        Some(r)
            if r.state == RouteState::Active
                && r.target.kind == RouteTargetKind::InternetGateway
                && ix.igw_attached(&r.target.id, &nat.vpc_id) =>
        {
            EgressVia::NatGateway
        }
        _ => EgressVia::Other,
    }
}

fn subnet_egress(s: &Subnet, ix: &Index) -> Option<SubnetEgress> {
    let rt = ix.route_table_of(&s.id, &s.vpc_id)?;
    let routes = entries(rt.table, ix);
    let (ipv4, ipv4_target) = classify(default_route(&routes, false), ix, &s.vpc_id);
    let (ipv6, ipv6_target) = classify(default_route(&routes, true), ix, &s.vpc_id);
    let tier = if ipv4 == EgressVia::InternetGateway || ipv6 == EgressVia::InternetGateway {
        SubnetTier::Public
    } else if ipv4 != EgressVia::None || ipv6 != EgressVia::None {
        SubnetTier::Private
    } else {
        SubnetTier::Isolated
    };
    Some(SubnetEgress {
        account_id: s.account_id.clone(),
        region: s.region.clone(),
        vpc_id: s.vpc_id.clone(),
        subnet_id: s.id.clone(),
        route_table_id: rt.table.id.clone(),
        ipv4,
        ipv4_target,
        ipv6,
        ipv6_target,
        tier,
    })
}
