//! Transit gateway routing across TGW peering attachments, shared by segmentation and
//! paths.
//!
//! AWS: traffic entering a transit gateway through an attachment is routed by the TGW
//! route table associated with that attachment (on that TGW), longest prefix first; a
//! blackhole route drops it. A route to a TGW peering attachment hands the traffic to
//! the peer TGW, which routes it by the table associated with the peering attachment on
//! its side. Peering attachments carry static routes only (no propagation), so a
//! propagated route to one is not followed.
//!
//! A peering attachment is one id seen from both TGWs (each side associates it with one
//! of its own tables); snapshots that list each side as its own attachment (the peer
//! TGW as `resource_id`) are paired by TGW.
use std::collections::BTreeSet;

use ipnet::IpNet;

use super::ipset::covers;
use super::segmentation::usable;
use crate::model::*;
use crate::topology::hash::FastMap;
use crate::topology::Index;

/// Peering attachments crossed at most in one walk (a loop of peerings stops there too).
const MAX_PEERINGS: usize = 8;

/// One TGW route table decision on the way: the table associated with `entered_by` on
/// `tgw` sends the traffic (route `destination`) to `exit`.
#[derive(Debug, Clone)]
pub struct TgwStep<'a> {
    pub tgw: &'a str,
    pub table: &'a TransitGatewayRouteTable,
    pub entered_by: &'a str,
    pub destination: &'a RouteDestination,
    pub exit: &'a str,
}

impl TgwStep<'_> {
    /// "tgw-rtb-1 (associated with tgw-attach-a): 10.2.0.0/16 → tgw-attach-b".
    pub fn describe(&self) -> String {
        format!("{} (associated with {}): {} → {}", self.table.id, self.entered_by, self.destination, self.exit)
    }
}

/// A TGW route with one concrete destination CIDR (a prefix-list route gives one per entry).
type TgwEntry<'a> = (IpNet, &'a TgwRoute);

/// How `TgwGraph::best` prefers a route: longer prefix, then a CIDR over a prefix-list entry.
fn rank((c, r): &TgwEntry) -> (u8, bool) {
    (c.prefix_len(), matches!(r.destination, RouteDestination::Cidr(_)))
}

pub struct TgwGraph<'a> {
    /// (TGW, attachment) → the route table associated with the attachment on that TGW.
    table_at: FastMap<(&'a str, &'a str), &'a TransitGatewayRouteTable>,
    /// TGW route table id → its routes with concrete destinations.
    entries: FastMap<&'a str, Vec<TgwEntry<'a>>>,
    /// TGW route table id → its routes as `best` prefers them (see `best`).
    ranked: FastMap<&'a str, Vec<TgwEntry<'a>>>,
    /// (TGW, attachment id) → the attachment as that TGW lists it.
    attachment_at: FastMap<(&'a str, &'a str), &'a TransitGatewayAttachment>,
    /// Attachment id → every listing of it (a peering attachment may be listed per side).
    listings: FastMap<&'a str, Vec<&'a TransitGatewayAttachment>>,
    /// (TGW, peer TGW) → usable peering attachments of that TGW to that peer.
    peerings: FastMap<(&'a str, &'a str), Vec<&'a str>>,
    /// (TGW route table, exit attachment) → indices of its routes to it.
    by_exit: FastMap<(&'a str, &'a str), Vec<usize>>,
    /// TGW route table → indices of its routes to a peering attachment.
    peering_routes: FastMap<&'a str, Vec<usize>>,
    /// (TGW, VPC) → the VPC's attachments to that TGW.
    vpc_attachments: FastMap<(&'a str, &'a str), Vec<&'a str>>,
}

fn is_peering(t: TgwAttachmentResourceType) -> bool {
    matches!(t, TgwAttachmentResourceType::TgwPeering | TgwAttachmentResourceType::Peering)
}

impl<'a> TgwGraph<'a> {
    pub fn new(r: &'a Resources, ix: &Index<'a>) -> TgwGraph<'a> {
        let mut table_at: FastMap<(&str, &str), &TransitGatewayRouteTable> = FastMap::default();
        let mut entries: FastMap<&str, Vec<TgwEntry>> = FastMap::default();
        for t in &r.transit_gateway_route_tables {
            for a in &t.associations {
                table_at.entry((t.transit_gateway_id.as_str(), a.attachment_id.as_str())).or_insert(t);
            }
            let mut v: Vec<TgwEntry> = Vec::new();
            for rt in &t.routes {
                match &rt.destination {
                    RouteDestination::Cidr(c) => v.push((*c, rt)),
                    RouteDestination::PrefixList(p) => v.extend(ix.prefix_list_entries(p).iter().map(|e| (e.cidr, rt))),
                }
            }
            entries.insert(t.id.as_str(), v);
        }
        let mut attachment_at = FastMap::default();
        let mut listings: FastMap<&str, Vec<&TransitGatewayAttachment>> = FastMap::default();
        let mut peerings: FastMap<(&str, &str), Vec<&str>> = FastMap::default();
        for a in &r.transit_gateway_attachments {
            attachment_at.entry((a.transit_gateway_id.as_str(), a.id.as_str())).or_insert(a);
            listings.entry(a.id.as_str()).or_default().push(a);
            // The attachment's own record names its table (authoritative over the tables'
            // association lists, as elsewhere in auditmap).
            if let Some(t) =
                a.association_route_table_id.as_deref().and_then(|id| ix.get::<TransitGatewayRouteTable>(id))
            {
                table_at.insert((a.transit_gateway_id.as_str(), a.id.as_str()), t);
            }
            if is_peering(a.resource_type) && usable(&a.state) {
                if let Some(peer) = a.resource_id.as_deref() {
                    peerings.entry((a.transit_gateway_id.as_str(), peer)).or_default().push(a.id.as_str());
                }
            }
        }
        let mut vpc_attachments: FastMap<(&str, &str), Vec<&str>> = FastMap::default();
        for a in r.transit_gateway_attachments.iter().filter(|a| a.resource_type == TgwAttachmentResourceType::Vpc) {
            if let Some(v) = a.resource_id.as_deref() {
                vpc_attachments.entry((a.transit_gateway_id.as_str(), v)).or_default().push(a.id.as_str());
            }
        }
        let mut by_exit: FastMap<(&str, &str), Vec<usize>> = FastMap::default();
        let mut peering_routes: FastMap<&str, Vec<usize>> = FastMap::default();
        for (table, list) in &entries {
            for (i, (_, rt)) in list.iter().enumerate() {
                for x in &rt.attachments {
                    by_exit.entry((*table, x.attachment_id.as_str())).or_default().push(i);
                    let listed_peering = || {
                        listings
                            .get(x.attachment_id.as_str())
                            .is_some_and(|l| l.iter().any(|a| is_peering(a.resource_type)))
                    };
                    if is_peering(x.resource_type) || listed_peering() {
                        peering_routes.entry(*table).or_default().push(i);
                    }
                }
            }
        }
        // Longest prefix first, a CIDR before a prefix-list entry of the same length, and
        // among equals the later route first (as `max_by_key` keeps the last maximum).
        let ranked = entries
            .iter()
            .map(|(table, list)| {
                let mut v: Vec<(usize, TgwEntry)> = list.iter().copied().enumerate().collect();
                v.sort_by(|(i, x), (j, y)| rank(y).cmp(&rank(x)).then(j.cmp(i)));
                (*table, v.into_iter().map(|(_, e)| e).collect())
            })
            .collect();
        TgwGraph {
            table_at,
            entries,
            ranked,
            attachment_at,
            listings,
            peerings,
            by_exit,
            peering_routes,
            vpc_attachments,
        }
    }

    /// Every concrete destination of every TGW route.
    pub fn all_destinations(&self) -> impl Iterator<Item = IpNet> + '_ {
        self.entries.values().flatten().map(|(c, _)| *c)
    }

    /// The route table associated with `att` on `tgw`.
    pub fn table_of(&self, tgw: &str, att: &str) -> Option<&'a TransitGatewayRouteTable> {
        self.table_at.get(&(tgw, att)).copied()
    }

    /// The routes of a TGW route table, destinations concrete.
    pub fn routes(&self, table: &str) -> &[TgwEntry<'a>] {
        self.entries.get(table).map(Vec::as_slice).unwrap_or_default()
    }

    /// The attachment `att` as `tgw` lists it (or its only listing).
    pub fn attachment(&self, tgw: &str, att: &str) -> Option<&'a TransitGatewayAttachment> {
        self.attachment_at.get(&(tgw, att)).copied().or_else(|| self.listings.get(att).and_then(|l| l.first().copied()))
    }

    /// The route AWS uses for `dst` in `table`: longest prefix (a CIDR beating a
    /// prefix-list entry of the same length), whatever its state.
    pub fn best(&self, table: &str, dst: &IpNet) -> Option<TgwEntry<'a>> {
        // The first covering route in `ranked` order: a TGW table holds a route per
        // attached VPC (hundreds), and this runs for every source the flows check.
        let ranked = self.ranked.get(table).map(Vec::as_slice).unwrap_or_default();
        ranked.iter().find(|(c, _)| covers(c, dst)).copied()
    }

    /// `best` by reading every route: the reference `best` is tested against.
    #[cfg(test)]
    fn best_by_scan(&self, table: &str, dst: &IpNet) -> Option<TgwEntry<'a>> {
        self.routes(table).iter().filter(|(c, _)| covers(c, dst)).max_by_key(|e| rank(e)).copied()
    }

    /// Where traffic leaving `tgw` by peering attachment `att` enters: (peer TGW, the
    /// attachment as the peer sees it), one per peer side found.
    pub fn far_sides(&self, tgw: &'a str, att: &'a str, named_peer: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
        let mut peers: BTreeSet<&str> = BTreeSet::new();
        peers.extend(named_peer.filter(|p| *p != tgw));
        for a in self.listings.get(att).into_iter().flatten() {
            if a.transit_gateway_id == tgw {
                peers.extend(a.resource_id.as_deref().filter(|p| *p != tgw));
            } else {
                peers.insert(a.transit_gateway_id.as_str());
            }
        }
        let mut out = Vec::new();
        for peer in peers {
            if self.table_of(peer, att).is_some() {
                out.push((peer, att));
            }
            for &other in self.peerings.get(&(peer, tgw)).into_iter().flatten() {
                if other != att {
                    out.push((peer, other));
                }
            }
        }
        out
    }

    /// Follows `dst` from attachment `att` into `tgw` through TGW peerings, longest
    /// prefix at each TGW, until `goal(tgw, exit attachment)` holds: the steps taken.
    /// None when a table or route is missing, a blackhole is hit, or the walk loops.
    pub fn walk(
        &self,
        tgw: &'a str,
        att: &'a str,
        dst: &IpNet,
        goal: &dyn Fn(&str, &str) -> bool,
    ) -> Option<Vec<TgwStep<'a>>> {
        let mut steps = Vec::new();
        self.walk_from(tgw, att, dst, goal, &mut steps).then_some(steps)
    }

    fn walk_from(
        &self,
        tgw: &'a str,
        att: &'a str,
        dst: &IpNet,
        goal: &dyn Fn(&str, &str) -> bool,
        steps: &mut Vec<TgwStep<'a>>,
    ) -> bool {
        if steps.len() > MAX_PEERINGS {
            return false;
        }
        let Some(table) = self.table_of(tgw, att) else { return false };
        let Some((_, route)) = self.best(&table.id, dst) else { return false };
        if route.state != RouteState::Active {
            return false;
        }
        for exit in &route.attachments {
            let step =
                TgwStep { tgw, table, entered_by: att, destination: &route.destination, exit: &exit.attachment_id };
            steps.push(step);
            if goal(tgw, &exit.attachment_id) {
                return true;
            }
            if self.crosses_peering(tgw, exit, route) {
                for (peer, far) in self.far_sides(tgw, &exit.attachment_id, exit.resource_id.as_deref()) {
                    if self.walk_from(peer, far, dst, goal, steps) {
                        return true;
                    }
                }
            }
            steps.pop();
        }
        false
    }

    /// Whether `route` hands traffic to a peer TGW through `exit` (a usable peering
    /// attachment, static route).
    pub fn crosses_peering(&self, tgw: &str, exit: &TgwAttachmentRef, route: &TgwRoute) -> bool {
        let record = self.attachment(tgw, &exit.attachment_id);
        let peering = is_peering(exit.resource_type) || record.is_some_and(|a| is_peering(a.resource_type));
        peering && route.route_type == TgwRouteType::Static && record.is_none_or(|a| usable(&a.state))
    }

    /// Whether `att` on `tgw` is a usable attachment of VPC `vpc_id`.
    pub fn is_vpc_attachment(&self, tgw: &str, att: &str, vpc_id: &str) -> bool {
        self.attachment(tgw, att).is_some_and(|a| {
            a.resource_type == TgwAttachmentResourceType::Vpc
                && a.resource_id.as_deref() == Some(vpc_id)
                && usable(&a.state)
        })
    }

    /// Every exit (TGW, attachment) meeting `goal` that traffic entering `tgw` by `att`
    /// may leave by, with the steps there: each active route whose destination `keep`s
    /// is followed, through peerings. A superset of `walk` over some address (callers
    /// check address by address), and the segmentation analysis' view of a chain.
    pub fn exits(
        &self,
        tgw: &'a str,
        att: &'a str,
        keep: &dyn Fn(&IpNet) -> bool,
        goal: &dyn Fn(&str, &str) -> bool,
    ) -> Vec<Exit<'a>> {
        let mut search = ExitSearch {
            keep,
            goal,
            vpc: None,
            with_steps: true,
            steps: Vec::new(),
            seen: BTreeSet::new(),
            out: Vec::new(),
        };
        self.exits_from(tgw, att, &mut search);
        search.out
    }

    /// Where `exits` leaves for the attachments of VPC `vpc_id`, as (TGW, attachment),
    /// without the steps; reads only the routes that lead there or to a peering (tables
    /// hold a route per VPC: the rest cannot matter).
    pub fn exits_to_vpc(
        &self,
        tgw: &'a str,
        att: &'a str,
        keep: &dyn Fn(&IpNet) -> bool,
        vpc_id: &str,
    ) -> Vec<(&'a str, &'a str)> {
        let goal = |t: &str, a: &str| self.is_vpc_attachment(t, a, vpc_id);
        let mut search = ExitSearch {
            keep,
            goal: &goal,
            vpc: Some(vpc_id),
            with_steps: false,
            steps: Vec::new(),
            seen: BTreeSet::new(),
            out: Vec::new(),
        };
        self.exits_from(tgw, att, &mut search);
        search.out.into_iter().map(|e| (e.tgw, e.attachment)).collect()
    }

    /// Indices of the routes of `table` (on `tgw`) an exit search reads.
    fn candidate_routes(&self, table: &str, tgw: &str, vpc: Option<&str>) -> Vec<usize> {
        let Some(vpc) = vpc else { return (0..self.routes(table).len()).collect() };
        let mut v: Vec<usize> = self.peering_routes.get(table).cloned().unwrap_or_default();
        for att in self.vpc_attachments.get(&(tgw, vpc)).into_iter().flatten() {
            v.extend(self.by_exit.get(&(table, *att)).into_iter().flatten());
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    fn exits_from(&self, tgw: &'a str, att: &'a str, s: &mut ExitSearch<'_, 'a>) {
        if s.steps.len() > MAX_PEERINGS || !s.seen.insert((tgw, att)) {
            return;
        }
        let Some(table) = self.table_of(tgw, att) else { return };
        let routes = self.routes(&table.id);
        for (c, route) in self.candidate_routes(&table.id, tgw, s.vpc).into_iter().filter_map(|i| routes.get(i)) {
            if route.state != RouteState::Active || !(s.keep)(c) {
                continue;
            }
            for exit in &route.attachments {
                let exit_id = exit.attachment_id.as_str();
                s.steps.push(TgwStep { tgw, table, entered_by: att, destination: &route.destination, exit: exit_id });
                if (s.goal)(tgw, exit_id) {
                    if !s.out.iter().any(|e| e.tgw == tgw && e.attachment == exit_id) {
                        let steps = if s.with_steps { s.steps.clone() } else { Vec::new() };
                        s.out.push(Exit { tgw, attachment: exit_id, steps });
                    }
                } else if self.crosses_peering(tgw, exit, route) {
                    for (peer, far) in self.far_sides(tgw, exit_id, exit.resource_id.as_deref()) {
                        self.exits_from(peer, far, s);
                    }
                }
                s.steps.pop();
            }
        }
    }
}

/// Where `TgwGraph::exits` leaves the TGWs, and the steps there.
#[derive(Debug, Clone)]
pub struct Exit<'a> {
    pub tgw: &'a str,
    pub attachment: &'a str,
    pub steps: Vec<TgwStep<'a>>,
}

/// The state of one `TgwGraph::exits` search.
struct ExitSearch<'f, 'a> {
    keep: &'f dyn Fn(&IpNet) -> bool,
    goal: &'f dyn Fn(&str, &str) -> bool,
    /// Only routes towards this VPC's attachments (or a peering) are read.
    vpc: Option<&'f str>,
    /// Whether each exit keeps the steps there (`exits_to_vpc` needs none).
    with_steps: bool,
    steps: Vec<TgwStep<'a>>,
    seen: BTreeSet<(&'a str, &'a str)>,
    out: Vec<Exit<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RouteState, TgwAttachmentRef, TgwRouteType};
    use crate::snapshot::{Snapshot, Timestamp};
    use proptest::prelude::*;

    fn net(hi: u8, len: u8) -> IpNet {
        IpNet::V4(ipnet::Ipv4Net::new(std::net::Ipv4Addr::new(10, hi % 2, hi, 0), len).unwrap().trunc())
    }

    proptest! {
        /// The first covering route in `ranked` order is the one a scan of every route
        /// picks, with equal prefixes, prefix-list entries and blackholes present.
        #[test]
        fn best_is_the_scans_choice(
            routes in prop::collection::vec((0u8..4, 0u8..=32, any::<bool>(), 0u8..3, any::<bool>()), 0..12),
            probes in prop::collection::vec((0u8..4, 24u8..=32), 1..8),
        ) {
            let mut snap = Snapshot::new(Timestamp::parse("2026-12-02T00:00:00Z").unwrap());
            let r = &mut snap.resources;
            r.managed_prefix_lists = serde_json::from_value(serde_json::json!([
                {"id": "pl-1", "account_id": "1", "region": "r", "name": "pl", "address_family": "IPv4",
                 "entries": [{"cidr": "10.0.0.0/24"}, {"cidr": "10.1.1.0/24"}]}
            ])).unwrap();
            let routes: Vec<TgwRoute> = routes
                .iter()
                .map(|&(hi, len, pl, exit, active)| TgwRoute {
                    destination: if pl { RouteDestination::PrefixList("pl-1".into()) } else { RouteDestination::Cidr(net(hi, len)) },
                    attachments: vec![TgwAttachmentRef {
                        attachment_id: format!("tgw-attach-{exit}"),
                        resource_type: TgwAttachmentResourceType::Vpc,
                        resource_id: None,
                    }],
                    route_type: TgwRouteType::Static,
                    state: if active { RouteState::Active } else { RouteState::Blackhole },
                })
                .collect();
            r.transit_gateway_route_tables = serde_json::from_value(serde_json::json!([
                {"id": "tgw-rtb-1", "account_id": "1", "region": "r", "transit_gateway_id": "tgw-1"}
            ])).unwrap();
            r.transit_gateway_route_tables[0].routes = routes;
            let ix = Index::build(&snap);
            let g = TgwGraph::new(&snap.resources, &ix);
            for &(hi, len) in &probes {
                let dst = net(hi, len);
                let pick = |e: Option<TgwEntry>| e.map(|(c, r)| (c, r as *const TgwRoute));
                prop_assert_eq!(pick(g.best("tgw-rtb-1", &dst)), pick(g.best_by_scan("tgw-rtb-1", &dst)));
            }
        }
    }
}
