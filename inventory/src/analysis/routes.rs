//! Longest-prefix-match over a route table, with prefix-list destinations expanded.
use ipnet::IpNet;

use super::ipset::{covers, public_part, same_family, span};
use crate::model::{Route, RouteDestination, RouteState, RouteTable, RouteTargetKind};
use crate::topology::Index;

/// One route with one concrete destination CIDR (a prefix-list route gives one per entry).
#[derive(Debug, Clone, Copy)]
pub struct RouteEntry<'a> {
    pub cidr: IpNet,
    pub route: &'a Route,
}

/// All routes of a table as concrete CIDRs. A prefix list missing from the snapshot
/// contributes nothing (its entries are unknown).
pub fn entries<'a>(table: &'a RouteTable, ix: &Index<'a>) -> Vec<RouteEntry<'a>> {
    let mut out = Vec::with_capacity(table.routes.len());
    for route in &table.routes {
        match &route.destination {
            RouteDestination::Cidr(c) => out.push(RouteEntry { cidr: *c, route }),
            RouteDestination::PrefixList(id) => {
                out.extend(ix.prefix_list_entries(id).iter().map(|e| RouteEntry { cidr: e.cidr, route }));
            }
        }
    }
    out
}

/// The route AWS uses for every address of `range`: the most specific one containing
/// the whole range (a CIDR beats a prefix-list entry of the same length, as in AWS).
pub fn lookup<'e, 'a>(entries: &'e [RouteEntry<'a>], range: &IpNet) -> Option<&'e RouteEntry<'a>> {
    entries.iter().filter(|e| covers(&e.cidr, range)).max_by(|a, b| {
        let rank = |e: &RouteEntry| (e.cidr.prefix_len(), matches!(e.route.destination, RouteDestination::Cidr(_)));
        rank(a).cmp(&rank(b)).then_with(|| b.route.cmp(a.route))
    })
}

/// "0.0.0.0/0 → igw-1", or "pl-1 (0.0.0.0/0) → igw-1" for a prefix-list route.
pub fn describe(e: &RouteEntry) -> String {
    match &e.route.destination {
        RouteDestination::Cidr(c) => format!("{c} → {}", e.route.target.id),
        RouteDestination::PrefixList(p) => format!("{p} ({}) → {}", e.cidr, e.route.target.id),
    }
}

/// The route that carries replies to `source` out through an internet gateway
/// attached to `vpc_id`, if it does for some public address of `source`. The route
/// covering the whole source decides; more specific routes elsewhere (blackholes
/// included) carve their ranges out, and what is left must include a public address.
/// Egress-only IGWs, NAT gateways and blackhole routes never admit inbound traffic.
pub fn internet_route<'e, 'a>(
    entries: &'e [RouteEntry<'a>],
    ix: &Index<'a>,
    vpc_id: &str,
    source: &IpNet,
) -> Option<&'e RouteEntry<'a>> {
    let to_igw = |r: &Route| {
        r.state == RouteState::Active
            && r.target.kind == RouteTargetKind::InternetGateway
            && ix.igw_attached(&r.target.id, vpc_id)
    };
    let best = lookup(entries, source)?;
    if !to_igw(best.route) {
        return None;
    }
    let mut left = public_part(source);
    for e in entries {
        if same_family(&e.cidr, source) && e.cidr.prefix_len() > best.cidr.prefix_len() && !to_igw(e.route) {
            left.subtract(span(&e.cidr));
        }
    }
    (!left.is_empty()).then_some(best)
}
