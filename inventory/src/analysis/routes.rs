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

/// `entries` in `lookup`'s order of preference: most specific first, a CIDR before a
/// prefix-list entry of the same length, then by route. The first entry of these that
/// covers a range is the one `lookup` picks (`lookup_ranked`).
pub fn ranked(mut entries: Vec<RouteEntry<'_>>) -> Vec<RouteEntry<'_>> {
    entries.sort_by(|a, b| rank(b).cmp(&rank(a)).then_with(|| a.route.cmp(b.route)));
    entries
}

/// `lookup` over entries in `ranked` order: the first that covers `range`, without
/// reading the rest (the data-flow search asks this ~10⁶ times at 100k resources).
pub fn lookup_ranked<'e, 'a>(entries: &'e [RouteEntry<'a>], range: &IpNet) -> Option<&'e RouteEntry<'a>> {
    entries.iter().find(|e| covers(&e.cidr, range))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RouteState, RouteTarget, RouteTargetKind};
    use proptest::prelude::*;

    fn route(dest: RouteDestination, target: &str, active: bool) -> Route {
        Route {
            destination: dest,
            target: RouteTarget { kind: RouteTargetKind::TransitGateway, id: target.to_string() },
            state: if active { RouteState::Active } else { RouteState::Blackhole },
            origin: None,
        }
    }

    proptest! {
        /// The first covering entry in `ranked` order is `lookup`'s answer, with ties of
        /// length, CIDR vs prefix list and target all present.
        #[test]
        fn ranked_lookup_is_lookup(
            routes in prop::collection::vec((0u8..4, 0u8..=32, any::<bool>(), 0u8..3, any::<bool>()), 0..12),
            probes in prop::collection::vec((0u8..4, 24u8..=32), 1..8),
        ) {
            let net = |hi: u8, len: u8| -> IpNet {
                IpNet::V4(ipnet::Ipv4Net::new(std::net::Ipv4Addr::new(10, hi % 2, hi, 0), len).unwrap().trunc())
            };
            let owned: Vec<(IpNet, Route)> = routes
                .iter()
                .map(|&(hi, len, pl, t, active)| {
                    let cidr = net(hi, len);
                    let dest = if pl { RouteDestination::PrefixList(format!("pl-{t}")) } else { RouteDestination::Cidr(cidr) };
                    (cidr, route(dest, &format!("tgw-{t}"), active))
                })
                .collect();
            let entries: Vec<RouteEntry> = owned.iter().map(|(cidr, route)| RouteEntry { cidr: *cidr, route }).collect();
            let sorted = ranked(entries.clone());
            for &(hi, len) in &probes {
                let range = net(hi, len);
                let want = lookup(&entries, &range).map(|e| (e.cidr, e.route));
                let got = lookup_ranked(&sorted, &range).map(|e| (e.cidr, e.route));
                prop_assert_eq!(got, want);
            }
        }
    }
}
