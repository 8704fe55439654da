//! Network segmentation: which VPC can send traffic to which other VPC or on-premises
//! network, through peering, transit gateways or VPN, with the routes that say so.
use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use super::tgw::{TgwGraph, TgwStep};
use super::types::{Connection, ConnectionVia, ReturnPath, Text};
use crate::facts::{is_production, TagKeys};
use crate::model::*;
use crate::topology::hash::FastMap;
use crate::topology::{Index, Topology};

struct Ctx<'c, 'a> {
    ix: &'c Index<'a>,
    tables_by_vpc: FastMap<&'a str, Vec<&'a RouteTable>>,
    active_routes: ActiveRoutes<'a>,
    /// VPC id → environment, by the one rule (`crate::facts::TagKeys::environment`).
    env_by_vpc: &'c BTreeMap<String, String>,
    keys: &'c TagKeys,
    /// Every id and environment a connection names, shared (a VPC id recurs in
    /// every connection of the VPC).
    texts: std::cell::RefCell<crate::topology::hash::FastSet<Text>>,
}

impl Ctx<'_, '_> {
    fn text(&self, s: &str) -> Text {
        if let Some(t) = self.texts.borrow().get(s) {
            return t.clone();
        }
        let t: Text = s.into();
        self.texts.borrow_mut().insert(t.clone());
        t
    }
    fn env(&self, vpc_id: &str) -> Option<Text> {
        self.env_by_vpc.get(vpc_id).map(|e| self.text(e))
    }
    fn tag_env(&self, tags: &Tags) -> Option<Text> {
        self.keys.environment(tags).map(|e| self.text(e))
    }
}

/// Active routes of `vpc_id`'s tables whose target is `target_id`.
fn routes_to<'c>(ctx: &'c Ctx, vpc_id: &'c str, target_id: &'c str) -> &'c [ActiveRoute] {
    ctx.active_routes.get(&(vpc_id, target_id)).map(Vec::as_slice).unwrap_or_default()
}

fn expand(d: &RouteDestination, ix: &Index) -> Vec<IpNet> {
    match d {
        RouteDestination::Cidr(c) => vec![*c],
        RouteDestination::PrefixList(p) => ix.prefix_list_entries(p).iter().map(|e| e.cidr).collect(),
    }
}

fn overlaps(a: &[IpNet], b: &[IpNet]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.contains(y) || y.contains(x)))
}

#[allow(clippy::too_many_arguments)]
fn connection(
    ctx: &Ctx,
    from_vpc: &str,
    from_account: &str,
    to_id: &str,
    to_kind: ResourceKind,
    to_account: Option<&str>,
    to_env: Option<Text>,
    via: ConnectionVia,
    via_id: &str,
    cidrs: BTreeSet<Text>,
    evidence: BTreeSet<Text>,
    from_env: Option<Text>,
    return_path: ReturnPath,
) -> Connection {
    let prod_from_nonprod = matches!((&from_env, &to_env), (Some(f), Some(t)) if is_production(t) && !is_production(f));
    Connection {
        from_vpc_id: ctx.text(from_vpc),
        from_account_id: ctx.text(from_account),
        to_id: ctx.text(to_id),
        to_kind,
        to_account_id: to_account.map(|a| ctx.text(a)),
        via,
        via_id: ctx.text(via_id),
        cidrs: cidrs.into_iter().collect(),
        evidence: evidence.into_iter().collect(),
        from_environment: from_env,
        to_environment: to_env,
        prod_from_nonprod,
        return_path,
    }
}

/// A VPC's own CIDRs (IPv4 and IPv6): what replies to it are addressed to.
fn vpc_cidrs(ix: &Index, vpc_id: &str) -> Vec<IpNet> {
    ix.get::<Vpc>(vpc_id)
        .map(|v| {
            v.cidr_blocks
                .iter()
                .map(|c| IpNet::V4(*c))
                .chain(v.ipv6_cidr_blocks.iter().map(|c| IpNet::V6(*c)))
                .collect()
        })
        .unwrap_or_default()
}

/// Routes of `vpc_id`'s tables to `target_id` that cover some of `cidrs`, as return evidence.
fn routes_back(ctx: &Ctx, vpc_id: &str, target_id: &str, cidrs: &[IpNet]) -> Vec<Text> {
    routes_to(ctx, vpc_id, target_id)
        .iter()
        .filter(|r| cidrs.is_empty() || overlaps(&r.dests, cidrs))
        .map(|r| r.return_text.clone())
        .collect()
}

/// One active route of a VPC's tables, its texts made once (many connections cite it).
struct ActiveRoute {
    /// Concrete destinations (prefix lists expanded).
    dests: Vec<IpNet>,
    /// The destination as written.
    dest: Text,
    /// "rtb: destination → target".
    text: Text,
    /// "return: rtb: destination → target".
    return_text: Text,
}

/// (VPC, route target) → each active route of the VPC's tables to that target. Built
/// once: forward and return checks run per connection.
type ActiveRoutes<'a> = FastMap<(&'a str, &'a str), Vec<ActiveRoute>>;

fn active_routes<'a>(tables_by_vpc: &FastMap<&'a str, Vec<&'a RouteTable>>, ix: &Index) -> ActiveRoutes<'a> {
    let mut m: ActiveRoutes = FastMap::default();
    for (vpc, tables) in tables_by_vpc {
        for t in tables {
            for r in t.routes.iter().filter(|r| r.state == RouteState::Active) {
                let text = format!("{}: {} → {}", t.id, r.destination, r.target.id);
                m.entry((*vpc, r.target.id.as_str())).or_default().push(ActiveRoute {
                    dests: expand(&r.destination, ix),
                    dest: r.destination.to_string().into(),
                    return_text: format!("return: {text}").into(),
                    text: text.into(),
                });
            }
        }
    }
    m
}

pub fn segmentation(topo: &Topology, env_by_vpc: &BTreeMap<String, String>, keys: &TagKeys) -> Vec<Connection> {
    let r = &topo.snapshot.resources;
    let mut tables_by_vpc: FastMap<&str, Vec<&RouteTable>> = FastMap::default();
    // Only tables that route some subnet's traffic: an unassociated table is inert.
    for t in r.route_tables.iter().filter(|t| t.associations.iter().any(|a| a.main || a.subnet_id.is_some())) {
        tables_by_vpc.entry(t.vpc_id.as_str()).or_default().push(t);
    }
    let active_routes = active_routes(&tables_by_vpc, &topo.index);
    let ctx = Ctx { ix: &topo.index, tables_by_vpc, active_routes, env_by_vpc, keys, texts: Default::default() };
    let mut out = Vec::new();
    peering(&ctx, r, &mut out);
    let graph = TgwGraph::new(r, &topo.index);
    transit(&ctx, r, &graph, &mut out);
    vpn(&ctx, r, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

fn peering(ctx: &Ctx, r: &Resources, out: &mut Vec<Connection>) {
    for p in r.vpc_peering_connections.iter().filter(|p| p.is_active()) {
        for (from, to) in [(&p.requester, &p.accepter), (&p.accepter, &p.requester)] {
            let forward = routes_to(ctx, &from.vpc_id, &p.id);
            if forward.is_empty() {
                continue;
            }
            let back = routes_back(ctx, &to.vpc_id, &p.id, &vpc_cidrs(ctx.ix, &from.vpc_id));
            let mut evidence: BTreeSet<Text> = forward.iter().map(|r| r.text.clone()).collect();
            if back.is_empty() {
                evidence.insert(
                    format!(
                        "return: no route back to {} through {} in {} (as far as the snapshot shows)",
                        from.vpc_id, p.id, to.vpc_id
                    )
                    .into(),
                );
            }
            let return_path = if back.is_empty() { ReturnPath::Missing } else { ReturnPath::Routed };
            evidence.extend(back);
            let cidrs = forward.iter().map(|r| r.dest.clone()).collect();
            out.push(connection(
                ctx,
                &from.vpc_id,
                &from.account_id,
                &to.vpc_id,
                ResourceKind::Vpc,
                Some(&to.account_id),
                ctx.env(&to.vpc_id),
                ConnectionVia::Peering,
                &p.id,
                cidrs,
                evidence,
                ctx.env(&from.vpc_id),
                return_path,
            ));
        }
    }
}

pub(crate) fn usable(state: &Option<String>) -> bool {
    !matches!(state.as_deref(), Some("deleted" | "deleting" | "failed" | "rejected" | "rejecting" | "failing"))
}

fn attachment_target(ix: &Index, att: &TgwAttachmentRef, owner: Option<&str>) -> Target {
    let full = ix.get::<TransitGatewayAttachment>(&att.attachment_id);
    let res = att.resource_id.clone().or_else(|| full.and_then(|a| a.resource_id.clone()));
    let account =
        full.map(|a| a.resource_owner_id.clone().unwrap_or_else(|| a.account_id.clone())).or(owner.map(str::to_string));
    match (att.resource_type, res) {
        (TgwAttachmentResourceType::Vpc, Some(v)) => (v, ResourceKind::Vpc, account),
        (TgwAttachmentResourceType::Vpn, Some(v)) => match ix.get::<VpnConnection>(v.as_str()) {
            Some(vpn) => (vpn.customer_gateway_id.clone(), ResourceKind::CustomerGateway, Some(vpn.account_id.clone())),
            None => (v, ResourceKind::VpnConnection, account),
        },
        (TgwAttachmentResourceType::Peering | TgwAttachmentResourceType::TgwPeering, Some(t)) => {
            (t, ResourceKind::TransitGateway, account)
        }
        _ => (att.attachment_id.clone(), ResourceKind::TransitGatewayAttachment, account),
    }
}

/// Where a TGW attachment leads: (id, kind, account).
type Target = (String, ResourceKind, Option<String>);

/// One TGW route, resolved once per table: concrete CIDRs and where each target leads.
struct TgwRouteInfo<'a> {
    dest: Vec<IpNet>,
    text: Text,
    targets: Vec<(&'a str, Target)>,
    /// Per target: "tgw-rtb: destination → attachment", and the same as return evidence.
    forward_texts: Vec<Text>,
    return_texts: Vec<Text>,
}

fn resolve_table<'a>(ix: &Index, table: &'a TransitGatewayRouteTable) -> Vec<TgwRouteInfo<'a>> {
    table
        .routes
        .iter()
        .filter(|rt| rt.state == RouteState::Active)
        .map(|rt| {
            let texts: Vec<String> = rt
                .attachments
                .iter()
                .map(|t| format!("{}: {} → {}", table.id, rt.destination, t.attachment_id))
                .collect();
            TgwRouteInfo {
                dest: expand(&rt.destination, ix),
                text: rt.destination.to_string().into(),
                targets: rt
                    .attachments
                    .iter()
                    .map(|t| (t.attachment_id.as_str(), attachment_target(ix, t, None)))
                    .collect(),
                return_texts: texts.iter().map(|t| Text::from(format!("return: {t}"))).collect(),
                forward_texts: texts.into_iter().map(Text::from).collect(),
            }
        })
        .collect()
}

fn transit<'a>(ctx: &Ctx<'_, 'a>, r: &'a Resources, graph: &TgwGraph<'a>, out: &mut Vec<Connection>) {
    let ix = ctx.ix;
    let mut associated: FastMap<&str, &TransitGatewayRouteTable> = FastMap::default();
    for t in &r.transit_gateway_route_tables {
        for a in &t.associations {
            associated.entry(a.attachment_id.as_str()).or_insert(t);
        }
    }
    // Every TGW route table resolved once: forward and return checks both read them.
    let resolved: FastMap<&str, Vec<TgwRouteInfo>> =
        r.transit_gateway_route_tables.iter().map(|t| (t.id.as_str(), resolve_table(ix, t))).collect();
    let far_uses: std::cell::RefCell<FastMap<&str, Text>> = Default::default();
    let mut to_attachment: FastMap<(&str, &str), Vec<usize>> = FastMap::default();
    for (table, routes) in &resolved {
        for (i, route) in routes.iter().enumerate() {
            for (att, _) in &route.targets {
                to_attachment.entry((*table, *att)).or_default().push(i);
            }
        }
    }
    for att in &r.transit_gateway_attachments {
        if att.resource_type != TgwAttachmentResourceType::Vpc || !usable(&att.state) {
            continue;
        }
        let Some(vpc_id) = att.resource_id.as_deref() else { continue };
        let table = att
            .association_route_table_id
            .as_deref()
            .and_then(|id| ix.get::<TransitGatewayRouteTable>(id))
            .or_else(|| associated.get(att.id.as_str()).copied());
        let Some(table) = table else { continue };
        // Each VPC route to the TGW with its concrete CIDRs, to match TGW routes against.
        let sent = routes_to(ctx, vpc_id, &att.transit_gateway_id);
        if sent.is_empty() {
            continue;
        }
        let Some(routes) = resolved.get(table.id.as_str()) else { continue };
        let from_account = att.resource_owner_id.as_deref().unwrap_or(&att.account_id);
        let from_env = ctx.env(vpc_id);
        transit_chains(ctx, graph, (att, vpc_id, from_account), sent, out);
        let uses: Text = format!("{} uses TGW route table {}", att.id, table.id).into();
        // Per target: (CIDRs, evidence, the TGW attachments it is reached through).
        type Reached<'t> = (BTreeSet<Text>, BTreeSet<Text>, Vec<&'t str>);
        let mut per_target: BTreeMap<&Target, Reached> = BTreeMap::new();
        for route in routes.iter() {
            let via: Vec<&Text> = sent.iter().filter(|r| overlaps(&r.dests, &route.dest)).map(|r| &r.text).collect();
            if via.is_empty() {
                continue;
            }
            for (k, (target_att, key)) in route.targets.iter().enumerate().filter(|(_, (t, _))| *t != att.id) {
                if key.1 == ResourceKind::Vpc && key.0 == vpc_id {
                    continue;
                }
                let entry = per_target.entry(key).or_default();
                if entry.1.is_empty() {
                    entry.1.insert(uses.clone());
                }
                entry.2.push(target_att);
                entry.0.insert(route.text.clone());
                entry.1.insert(route.forward_texts[k].clone());
                entry.1.extend(via.iter().map(|e| (*e).clone()));
            }
        }
        let from_cidrs = vpc_cidrs(ix, vpc_id);
        for ((to_id, to_kind, to_account), (cidrs, mut evidence, target_atts)) in per_target {
            let return_path = tgw_return(
                ctx,
                &TgwReturn {
                    associated: &associated,
                    resolved: &resolved,
                    to_attachment: &to_attachment,
                    uses: &far_uses,
                },
                (att, &from_cidrs),
                (to_id, *to_kind, &target_atts),
                &mut evidence,
            );
            let to_env = match to_kind {
                ResourceKind::Vpc => ctx.env(to_id),
                ResourceKind::CustomerGateway => ix.get::<CustomerGateway>(to_id).and_then(|c| ctx.tag_env(&c.tags)),
                _ => None,
            };
            out.push(connection(
                ctx,
                vpc_id,
                from_account,
                to_id,
                *to_kind,
                to_account.as_deref(),
                to_env,
                ConnectionVia::TransitGateway,
                &att.transit_gateway_id,
                cidrs,
                evidence,
                from_env.clone(),
                return_path,
            ));
        }
    }
}

/// Connections through TGW peering chains: A's attachment → its TGW's table → a
/// peering attachment → the peer TGW's table associated with that attachment → … → B's
/// attachment; back the same way (B's VPC must route A's CIDRs to B's own TGW). The
/// direct VPC attachments of A's TGW are `transit`'s.
fn transit_chains<'a>(
    ctx: &Ctx<'_, 'a>,
    graph: &TgwGraph<'a>,
    (att, vpc_id, from_account): (&'a TransitGatewayAttachment, &str, &str),
    sent: &[ActiveRoute],
    out: &mut Vec<Connection>,
) {
    let home = att.transit_gateway_id.as_str();
    let keep = |c: &IpNet| sent.iter().any(|r| overlaps(&r.dests, std::slice::from_ref(c)));
    let other_vpc = |t: &str, a: &str| {
        t != home
            && graph.attachment(t, a).is_some_and(|x| {
                x.resource_type == TgwAttachmentResourceType::Vpc
                    && usable(&x.state)
                    && x.resource_id.as_deref().is_some_and(|v| v != vpc_id)
            })
    };
    let from_cidrs = vpc_cidrs(ctx.ix, vpc_id);
    for exit in graph.exits(home, &att.id, &keep, &other_vpc) {
        let Some(ab) = graph.attachment(exit.tgw, exit.attachment) else { continue };
        let Some(to_vpc) = ab.resource_id.as_deref() else { continue };
        let to_b = |t: &str, a: &str| t == exit.tgw && a == exit.attachment;
        let Some(forward) = confirmed(graph, (home, &att.id), &vpc_cidrs(ctx.ix, to_vpc), &to_b, exit.steps) else {
            continue;
        };
        let mut evidence: BTreeSet<Text> = BTreeSet::new();
        if let Some(first) = forward.first() {
            evidence.insert(format!("{} uses TGW route table {}", att.id, first.table.id).into());
        }
        evidence.extend(forward.iter().map(|s| Text::from(s.describe())));
        let last_dests = forward.last().map(|s| expand(s.destination, ctx.ix)).unwrap_or_default();
        evidence.extend(sent.iter().filter(|r| overlaps(&r.dests, &last_dests)).map(|r| r.text.clone()));
        let cidrs: BTreeSet<Text> = forward.last().map(|s| Text::from(s.destination.to_string())).into_iter().collect();
        let return_path = chain_return(ctx, graph, (att, vpc_id, &from_cidrs), ab, &mut evidence);
        let to_account = ab.resource_owner_id.as_deref().unwrap_or(&ab.account_id);
        out.push(connection(
            ctx,
            vpc_id,
            from_account,
            to_vpc,
            ResourceKind::Vpc,
            Some(to_account),
            ctx.env(to_vpc),
            ConnectionVia::TransitGateway,
            home,
            cidrs,
            evidence,
            ctx.env(vpc_id),
            return_path,
        ));
    }
}

/// Replies over a TGW chain: from B's attachment `ab`, through the TGWs back to A's
/// attachment, and B's VPC routing A's CIDRs to B's own TGW.
fn chain_return<'a>(
    ctx: &Ctx<'_, 'a>,
    graph: &TgwGraph<'a>,
    (att, vpc_id, from_cidrs): (&'a TransitGatewayAttachment, &str, &[IpNet]),
    ab: &'a TransitGatewayAttachment,
    evidence: &mut BTreeSet<Text>,
) -> ReturnPath {
    let keep = |c: &IpNet| from_cidrs.is_empty() || overlaps(std::slice::from_ref(c), from_cidrs);
    let to_a = |t: &str, a: &str| t == att.transit_gateway_id && a == att.id;
    let relaxed = graph.exits(&ab.transit_gateway_id, &ab.id, &keep, &to_a).into_iter().next().map(|e| e.steps);
    let back = relaxed.and_then(|steps| confirmed(graph, (&ab.transit_gateway_id, &ab.id), from_cidrs, &to_a, steps));
    let Some(back) = back else {
        evidence.insert(
            format!("return: no TGW route back to {vpc_id} from {} on {}", ab.id, ab.transit_gateway_id).into(),
        );
        return ReturnPath::Missing;
    };
    evidence.extend(back.iter().map(|s| Text::from(format!("return: {}", s.describe()))));
    let to_vpc = ab.resource_id.as_deref().unwrap_or_default();
    let vpc_back = routes_back(ctx, to_vpc, &ab.transit_gateway_id, from_cidrs);
    if vpc_back.is_empty() {
        evidence
            .insert(format!("return: no route in {to_vpc} back to {vpc_id} through {}", ab.transit_gateway_id).into());
        return ReturnPath::Missing;
    }
    evidence.extend(vpc_back);
    ReturnPath::Routed
}

/// A chain `TgwGraph::exits` found, checked by longest prefix for the far VPC's CIDRs
/// where the entry table has a route covering one: the exact steps, or None when
/// longest-prefix matching (a blackhole above all) stops it.
fn confirmed<'a>(
    graph: &TgwGraph<'a>,
    (tgw, att): (&'a str, &'a str),
    cidrs: &[IpNet],
    goal: &dyn Fn(&str, &str) -> bool,
    relaxed: Vec<TgwStep<'a>>,
) -> Option<Vec<TgwStep<'a>>> {
    if let Some(steps) = cidrs.iter().find_map(|c| graph.walk(tgw, att, c, goal)) {
        return Some(steps);
    }
    let table = graph.table_of(tgw, att)?;
    cidrs.iter().all(|c| graph.best(&table.id, c).is_none()).then_some(relaxed)
}

/// What the return check through a TGW needs besides the context.
struct TgwReturn<'m, 'a> {
    associated: &'m FastMap<&'a str, &'a TransitGatewayRouteTable>,
    resolved: &'m FastMap<&'a str, Vec<TgwRouteInfo<'a>>>,
    /// (TGW route table, target attachment) → indices of its routes to that attachment,
    /// so a return check reads a handful of routes rather than the whole table.
    to_attachment: &'m FastMap<(&'a str, &'a str), Vec<usize>>,
    /// Far attachment → "return: <attachment> uses TGW route table <table>", made once.
    uses: &'m std::cell::RefCell<FastMap<&'a str, Text>>,
}

/// Replies from the far side of a TGW: the far attachment's associated TGW route table
/// must route the source VPC's CIDRs to the source attachment, and a far VPC must route
/// them to the TGW. On-premises (VPN) far sides are checked on the TGW only.
fn tgw_return<'a>(
    ctx: &Ctx<'_, 'a>,
    m: &TgwReturn<'_, 'a>,
    (from_att, from_cidrs): (&TransitGatewayAttachment, &[IpNet]),
    (to_id, to_kind, target_atts): (&str, ResourceKind, &[&'a str]),
    evidence: &mut BTreeSet<Text>,
) -> ReturnPath {
    let ix = ctx.ix;
    let mut tgw_ok = false;
    for t in target_atts {
        let table = ix
            .get::<TransitGatewayAttachment>(t)
            .and_then(|a| a.association_route_table_id.as_deref())
            .and_then(|id| ix.get::<TransitGatewayRouteTable>(id))
            .or_else(|| m.associated.get(t).copied());
        let Some(table) = table else { continue };
        let Some(routes) = m.resolved.get(table.id.as_str()) else { continue };
        let Some(back) = m.to_attachment.get(&(table.id.as_str(), from_att.id.as_str())) else { continue };
        let mut any = false;
        for r in back.iter().map(|&i| &routes[i]) {
            if from_cidrs.is_empty() || overlaps(&r.dest, from_cidrs) {
                any = true;
                let k = r.targets.iter().position(|(a, _)| *a == from_att.id).unwrap_or_default();
                if let Some(text) = r.return_texts.get(k) {
                    evidence.insert(text.clone());
                }
            }
        }
        if any {
            tgw_ok = true;
            let uses = m
                .uses
                .borrow_mut()
                .entry(t)
                .or_insert_with(|| format!("return: {t} uses TGW route table {}", table.id).into())
                .clone();
            evidence.insert(uses);
        }
    }
    if !tgw_ok {
        evidence.insert(
            format!(
                "return: no TGW route back to {} from the far attachment ({})",
                from_att.resource_id.as_deref().unwrap_or(&from_att.id),
                target_atts.join(", ")
            )
            .into(),
        );
        return ReturnPath::Missing;
    }
    if to_kind != ResourceKind::Vpc {
        return ReturnPath::Unknown;
    }
    let back = routes_back(ctx, to_id, &from_att.transit_gateway_id, from_cidrs);
    if back.is_empty() {
        evidence.insert(
            format!(
                "return: no route in {to_id} back to {} through {}",
                from_att.resource_id.as_deref().unwrap_or(""),
                from_att.transit_gateway_id
            )
            .into(),
        );
        return ReturnPath::Missing;
    }
    evidence.extend(back);
    ReturnPath::Routed
}

fn vpn(ctx: &Ctx, r: &Resources, out: &mut Vec<Connection>) {
    let ix = ctx.ix;
    for vgw in &r.vpn_gateways {
        for a in vgw.attachments.iter().filter(|a| a.is_attached()) {
            let vpc_id = a.vpc_id.as_str();
            let routes = routes_to(ctx, vpc_id, &vgw.id);
            let propagating: Vec<&str> = ctx
                .tables_by_vpc
                .get(vpc_id)
                .into_iter()
                .flatten()
                .filter(|t| t.propagating_vgws.iter().any(|g| g == &vgw.id))
                .map(|t| t.id.as_str())
                .collect();
            if routes.is_empty() && propagating.is_empty() {
                continue;
            }
            for conn in r
                .vpn_connections
                .iter()
                .filter(|v| v.vpn_gateway_id.as_deref() == Some(vgw.id.as_str()) && usable(&v.state))
            {
                let mut cidrs: BTreeSet<Text> = routes.iter().map(|r| r.dest.clone()).collect();
                let mut evidence: BTreeSet<Text> = routes.iter().map(|r| r.text.clone()).collect();
                for t in &propagating {
                    evidence.insert(format!("{t}: propagates routes from {}", vgw.id).into());
                    cidrs.extend(conn.static_routes.iter().map(|c| Text::from(c.to_string())));
                }
                evidence.insert(
                    format!("{} attached to {vpc_id}; {} → {}", vgw.id, conn.id, conn.customer_gateway_id).into(),
                );
                let cgw = ix.get::<CustomerGateway>(&conn.customer_gateway_id);
                let from_account = ix.get::<Vpc>(vpc_id).map(|v| v.account_id.as_str()).unwrap_or(&vgw.account_id);
                out.push(connection(
                    ctx,
                    vpc_id,
                    from_account,
                    &conn.customer_gateway_id,
                    ResourceKind::CustomerGateway,
                    Some(cgw.map(|c| c.account_id.as_str()).unwrap_or(&conn.account_id)),
                    cgw.and_then(|c| ctx.tag_env(&c.tags)),
                    ConnectionVia::Vpn,
                    &conn.id,
                    cidrs,
                    evidence,
                    ctx.env(vpc_id),
                    ReturnPath::Unknown,
                ));
            }
        }
    }
}
