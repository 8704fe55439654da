//! Longest-prefix-match over a route table, with prefix-list destinations expanded.
use ipnet::IpNet;

use super::ipset::{contains_addr, covers};
use crate::model::{Route, RouteDestination, RouteTable};
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
    entries
        .iter()
        .filter(|e| covers(&e.cidr, range))
        .max_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| b.route.cmp(a.route)))
}

/// The route AWS uses for address `a` (index into `entries`): longest prefix, a CIDR
/// beating a prefix-list entry of the same length.
pub fn lookup_addr(entries: &[RouteEntry], a: u128, v6: bool) -> Option<usize> {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| contains_addr(&e.cidr, a, v6))
        .max_by(|(_, x), (_, y)| rank(x).cmp(&rank(y)).then_with(|| y.route.cmp(x.route)))
        .map(|(i, _)| i)
}

fn rank(e: &RouteEntry) -> (u8, bool) {
    (e.cidr.prefix_len(), matches!(e.route.destination, RouteDestination::Cidr(_)))
}

/// "0.0.0.0/0 → igw-1", or "pl-1 (0.0.0.0/0) → igw-1" for a prefix-list route.
pub fn describe(e: &RouteEntry) -> String {
    match &e.route.destination {
        RouteDestination::Cidr(c) => format!("{c} → {}", e.route.target.id),
        RouteDestination::PrefixList(p) => format!("{p} ({}) → {}", e.cidr, e.route.target.id),
    }
}
