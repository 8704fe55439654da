//! Internet exposure per ENI: public address + route back to an attached IGW +
//! NACL inbound (first match) + NACL outbound for the replies + some SG rule, all for
//! the same source range, protocol and ports. Every finding carries that chain.
use std::collections::{BTreeSet, HashMap};

use crate::topology::hash::FastMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::ipset::{covers, is_public, is_public_v6};
use super::nacl::{inbound_allowed, return_allowed};
use super::ports::{domain, intersect, subtract, Segments};
use super::routes::{self, describe, internet_route, RouteEntry};
use super::sg::{ingress_matches, SgMatch};
use super::types::{Evidence, ExposureFinding, IpVersion};
use crate::model::*;
use crate::topology::{EffectiveRouteTable, Index, NaclRules, Topology};

pub fn exposures(topo: &Topology) -> Vec<ExposureFinding> {
    let ix = &topo.index;
    let mut route_cache: FastMap<&str, Vec<RouteEntry>> = FastMap::default();
    let mut out = Vec::new();
    for eni in &topo.snapshot.resources.network_interfaces {
        eni_exposures(eni, ix, &mut route_cache, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// Everything fixed for one ENI.
struct Ctx<'c, 'a> {
    eni: &'a NetworkInterface,
    ix: &'c Index<'a>,
    rt: EffectiveRouteTable<'a>,
    nacl: &'c NaclRules<'a>,
    groups: Vec<&'a SecurityGroup>,
    routes: &'c [RouteEntry<'a>],
}

/// (source, inbound NACL rule, outbound NACL rule, SG rule) of a collapsed "all" finding.
type AllKey = (IpNet, u16, u16, *const SgRule);
type RuleKey = (u16, u16, *const SgRule);

/// Exposure of one ENI to one source on one protocol, before reporting.
struct Hit<'c, 'a> {
    source: IpNet,
    protocol: Protocol,
    route: &'c RouteEntry<'a>,
    out_rule: u16,
    matches: Vec<SgMatch<'a>>,
    /// (ports, (inbound NACL rule, index into `matches`)).
    segments: Segments<(u16, usize)>,
}

fn eni_exposures<'a>(
    eni: &'a NetworkInterface,
    ix: &Index<'a>,
    cache: &mut FastMap<&'a str, Vec<RouteEntry<'a>>>,
    out: &mut Vec<ExposureFinding>,
) {
    let mut v4: Vec<Ipv4Addr> = eni.public_ips();
    if let Some(eips) = ix.eips_by_eni.get(eni.id.as_str()) {
        v4.extend(eips);
    }
    v4.sort();
    v4.dedup();
    let v6: Vec<Ipv6Addr> = eni.ipv6_addresses.iter().copied().filter(|a| is_public_v6(*a)).collect();
    if v4.is_empty() && v6.is_empty() {
        return;
    }
    // Without a route table or NACL in the snapshot nothing can be shown; coverage
    // gaps (reported elsewhere) explain why.
    let Some(rt) = ix.route_table_of(&eni.subnet_id, &eni.vpc_id) else { return };
    let Some(nacl) = ix.nacl_of(&eni.subnet_id, &eni.vpc_id) else { return };
    let mut groups: Vec<&SecurityGroup> =
        eni.security_group_ids.iter().filter_map(|id| ix.get::<SecurityGroup>(id)).collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    groups.dedup_by(|a, b| a.id == b.id);
    if groups.is_empty() {
        return;
    }
    let routes = cache.entry(rt.table.id.as_str()).or_insert_with(|| routes::entries(rt.table, ix));
    let ctx = Ctx { eni, ix, rt, nacl, groups, routes };
    if !v4.is_empty() {
        let ips: Vec<String> = v4.iter().map(|a| a.to_string()).collect();
        ctx.report(IpVersion::V4, &ips.join(", "), out);
    }
    if !v6.is_empty() {
        let ips: Vec<String> = v6.iter().map(|a| a.to_string()).collect();
        ctx.report(IpVersion::V6, &ips.join(", "), out);
    }
}

fn is_version(n: &IpNet, v: IpVersion) -> bool {
    matches!((n, v), (IpNet::V4(_), IpVersion::V4) | (IpNet::V6(_), IpVersion::V6))
}

impl<'c, 'a> Ctx<'c, 'a> {
    /// Source ranges worth evaluating: the whole internet plus every public range a
    /// rule or route names. Intersections of CIDRs are CIDRs from this list, so the
    /// narrowest allowed source is always among them. Broadest first.
    fn candidate_sources(&self, v: IpVersion) -> Vec<IpNet> {
        let mut set: BTreeSet<IpNet> = BTreeSet::new();
        set.insert(match v {
            IpVersion::V4 => IpNet::V4(Default::default()),
            IpVersion::V6 => IpNet::V6(Default::default()),
        });
        for g in &self.groups {
            for rule in &g.ingress {
                match &rule.peer {
                    RulePeer::Cidr { cidr } => {
                        set.insert(*cidr);
                    }
                    RulePeer::PrefixList { prefix_list_id } => {
                        set.extend(self.ix.prefix_list_entries(prefix_list_id).iter().map(|e| e.cidr));
                    }
                    RulePeer::SecurityGroup { .. } => {}
                }
            }
        }
        for e in self.nacl.inbound.iter().chain(&self.nacl.outbound) {
            if e.action == RuleAction::Allow {
                set.insert(e.cidr);
            }
        }
        for r in self.routes {
            if r.route.target.kind == RouteTargetKind::InternetGateway {
                set.insert(r.cidr);
            }
        }
        let mut v: Vec<IpNet> =
            set.into_iter().map(|n| n.trunc()).filter(|n| is_version(n, v) && is_public(n)).collect();
        v.sort_by_key(|n| (n.prefix_len(), *n));
        v.dedup();
        v
    }

    fn protocols(&self, v: IpVersion) -> Vec<Protocol> {
        let icmp = if v == IpVersion::V4 { Protocol::Icmp } else { Protocol::Icmpv6 };
        let mut set: BTreeSet<Protocol> = [Protocol::Tcp, Protocol::Udp, icmp].into_iter().collect();
        let named = self
            .groups
            .iter()
            .flat_map(|g| g.ingress.iter().map(|r| r.protocol))
            .chain(self.nacl.inbound.iter().map(|e| e.protocol));
        set.extend(named.filter(|p| matches!(p, Protocol::Other(_))));
        set.into_iter().collect()
    }

    fn hit(&self, source: IpNet, protocol: Protocol) -> Option<Hit<'c, 'a>> {
        let route = internet_route(self.routes, self.ix, &self.eni.vpc_id, &source)?;
        let out_rule = return_allowed(&self.nacl.outbound, &source, protocol)?;
        let inbound = inbound_allowed(&self.nacl.inbound, &source, protocol);
        if inbound.is_empty() {
            return None;
        }
        let matches = ingress_matches(&self.groups, self.ix, &source, protocol);
        let sg: Vec<(PortRange, usize)> = matches.iter().enumerate().map(|(i, m)| (m.ports, i)).collect();
        let segments = intersect(&inbound, &sg);
        (!segments.is_empty()).then_some(Hit { source, protocol, route, out_rule, matches, segments })
    }

    fn report(&self, v: IpVersion, public_ip: &str, out: &mut Vec<ExposureFinding>) {
        let sources = self.candidate_sources(v);
        let protocols = self.protocols(v);
        let mut hits: Vec<Hit> = Vec::new();
        for s in &sources {
            for p in &protocols {
                hits.extend(self.hit(*s, *p));
            }
        }
        // A narrower source inside a broader allowed one adds nothing on those ports.
        let reduced: Vec<Segments<(u16, usize)>> = hits
            .iter()
            .map(|h| {
                let mut segs = h.segments.clone();
                for b in hits
                    .iter()
                    .filter(|b| b.protocol == h.protocol && b.source != h.source && covers(&b.source, &h.source))
                {
                    for (r, _) in &b.segments {
                        segs = subtract(&segs, *r);
                    }
                }
                segs
            })
            .collect();
        let all = self.collapse_all(&hits, &reduced);
        for (h, segs) in hits.iter().zip(&reduced) {
            for (ports, (in_rule, m)) in segs {
                let m = &h.matches[*m];
                if all.contains(&(h.source, *in_rule, h.out_rule, m.rule as *const SgRule)) {
                    continue;
                }
                let ports = h.protocol.has_ports().then_some(*ports);
                out.push(self.finding(v, public_ip, h, h.protocol, ports, *in_rule, m));
            }
        }
        for (h, segs) in hits.iter().zip(&reduced) {
            if let Some((_, (in_rule, m))) = segs.first() {
                let m = &h.matches[*m];
                if h.protocol == Protocol::Tcp
                    && all.contains(&(h.source, *in_rule, h.out_rule, m.rule as *const SgRule))
                {
                    out.push(self.finding(v, public_ip, h, Protocol::All, None, *in_rule, m));
                }
            }
        }
    }

    /// Sources for which TCP, UDP and ICMP are each allowed completely by the same
    /// NACL rules and the same protocol-"all" SG rule: one "all" finding says it better.
    fn collapse_all(&self, hits: &[Hit], reduced: &[Segments<(u16, usize)>]) -> BTreeSet<AllKey> {
        let mut per_source: HashMap<IpNet, Vec<Option<RuleKey>>> = HashMap::new();
        for (h, segs) in hits.iter().zip(reduced) {
            let full = match segs.as_slice() {
                [(r, (in_rule, m))] if *r == domain(h.protocol) && h.matches[*m].rule.protocol == Protocol::All => {
                    Some((*in_rule, h.out_rule, h.matches[*m].rule as *const SgRule))
                }
                _ => None,
            };
            if matches!(h.protocol, Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6) {
                per_source.entry(h.source).or_default().push(full);
            }
        }
        per_source
            .into_iter()
            .filter_map(|(s, v)| match v.as_slice() {
                [Some(a), Some(b), Some(c)] if a == b && b == c => Some((s, a.0, a.1, a.2)),
                _ => None,
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        v: IpVersion,
        public_ip: &str,
        h: &Hit,
        protocol: Protocol,
        ports: Option<PortRange>,
        in_rule: u16,
        m: &SgMatch,
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
            source: h.source,
            evidence: Evidence {
                route_table_id: self.rt.table.id.clone(),
                route: describe(h.route),
                route_table_main: self.rt.main,
                nacl_id: self.nacl.acl.id.clone(),
                nacl_in_rule: in_rule,
                nacl_out_rule: h.out_rule,
                security_group_id: m.group.id.clone(),
                sg_rule: m.describe(),
                sg_rule_id: m.rule.rule_id.clone(),
            },
        }
    }
}
