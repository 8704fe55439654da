//! Differential fuzzing of the exposure analysis (route LPM with prefix lists, NACL
//! first-match in both directions, SG rules with prefix lists) against a naive
//! reference that evaluates one concrete address, protocol and port at a time.
//!
//! The naive answer is constant between "cut points" (every CIDR's first address and
//! one past its last, every rule port boundary), so checking one representative per
//! elementary interval is exhaustive, not a sample:
//! - complete: every (address, proto, port) the reference says reaches the instance is
//!   inside some finding (source ⊇ address, ports ∋ port);
//! - exact: every probe inside a finding (public address of its exact source set, port
//!   in its range) is one the reference says reaches the instance.
//!
//! IPv4 only (v6 uses the same code paths with wider integers). Cases: PROPTEST_CASES
//! (default 256 here, kept modest for CI); run long with e.g. PROPTEST_CASES=200000.
mod common;

use std::net::Ipv4Addr;

use common::*;
use inventory::analysis::{ExposureFinding, IpVersion};
use inventory::model::*;
use ipnet::{IpNet, Ipv4Net};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    ProptestConfig { cases, max_shrink_iters: 4096, ..ProptestConfig::default() }
}

// ---------- generation ----------

/// Bases that make rules overlap often, and straddle the non-public ranges.
const BASES: [[u8; 4]; 9] = [
    [0, 0, 0, 0],
    [8, 8, 8, 0],
    [10, 0, 0, 0],
    [100, 64, 0, 0],
    [172, 16, 0, 0],
    [198, 51, 100, 0],
    [203, 0, 113, 0],
    [192, 168, 0, 0],
    [223, 255, 255, 0],
];
const PORTS: [u16; 10] = [0, 22, 80, 443, 1000, 1023, 1024, 3389, 32768, 65535];

fn cidr() -> impl Strategy<Value = Ipv4Net> {
    let len = prop_oneof![Just(0u8), 1u8..=32, 8u8..=32, 20u8..=32];
    (0..BASES.len(), 0u32..4096, any::<u32>(), any::<bool>(), len).prop_map(|(b, off, raw, random, len)| {
        let base = u32::from(Ipv4Addr::from(BASES[b]));
        let addr = if random { raw } else { base.wrapping_add(off) };
        Ipv4Net::new(Ipv4Addr::from(addr), len).expect("len <= 32").trunc()
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum P {
    Tcp,
    Udp,
    All,
}

fn proto() -> impl Strategy<Value = P> {
    prop_oneof![3 => Just(P::Tcp), 2 => Just(P::Udp), 1 => Just(P::All)]
}

fn port_range() -> impl Strategy<Value = (u16, u16)> {
    (0..PORTS.len(), any::<u16>(), any::<bool>(), 0u16..2000, any::<bool>()).prop_map(|(i, raw, random, len, all)| {
        if all {
            return (0, 65535);
        }
        let from = if random { raw } else { PORTS[i] };
        (from, from.saturating_add(len))
    })
}

#[derive(Debug, Clone)]
enum Peer {
    Cidr(Ipv4Net),
    PrefixList,
}

#[derive(Debug, Clone)]
struct SgR {
    p: P,
    ports: (u16, u16),
    peer: Peer,
}

#[derive(Debug, Clone)]
struct NaclR {
    number: u16,
    egress: bool,
    allow: bool,
    p: P,
    ports: (u16, u16),
    cidr: Ipv4Net,
}

#[derive(Debug, Clone)]
struct RouteR {
    cidr: Ipv4Net,
    /// 0: igw-1, 1: nat-1 (not the internet), 2: blackhole igw-1, 3: pcx-1.
    target: u8,
}

#[derive(Debug, Clone)]
struct Case {
    sg: Vec<SgR>,
    nacl: Vec<NaclR>,
    routes: Vec<RouteR>,
    /// Entries of pl-1 (used by SG rules).
    pl_sg: Vec<Ipv4Net>,
    /// Entries of pl-2, routed (as a prefix-list destination) with `pl_route_target`.
    pl_route: Vec<Ipv4Net>,
    pl_route_target: u8,
    default_route: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let sg = (proto(), port_range(), prop_oneof![4 => cidr().prop_map(Peer::Cidr), 1 => Just(Peer::PrefixList)])
        .prop_map(|(p, ports, peer)| SgR { p, ports, peer });
    let nacl = (1u16..=60, any::<bool>(), any::<bool>(), proto(), port_range(), cidr())
        .prop_map(|(n, egress, allow, p, ports, cidr)| NaclR { number: n * 10, egress, allow, p, ports, cidr });
    let route = (cidr(), 0u8..4).prop_map(|(cidr, target)| RouteR { cidr, target });
    (
        prop::collection::vec(sg, 0..5),
        prop::collection::vec(nacl, 0..10),
        prop::collection::vec(route, 0..4),
        prop::collection::vec(cidr(), 0..3),
        prop::collection::vec(cidr(), 0..3),
        0u8..4,
        prop::bool::weighted(0.85),
    )
        .prop_map(|(sg, nacl, routes, pl_sg, pl_route, pl_route_target, default_route)| Case {
            sg,
            nacl,
            routes,
            pl_sg,
            pl_route,
            pl_route_target,
            default_route,
        })
}

// ---------- the estate under test ----------

fn proto_str(p: P) -> &'static str {
    match p {
        P::Tcp => "tcp",
        P::Udp => "udp",
        P::All => "-1",
    }
}

fn target_route(cidr: IpNet, prefix_list: Option<&str>, target: u8) -> Route {
    let (kind, id) = match target {
        0 | 2 => (RouteTargetKind::InternetGateway, "igw-1"),
        1 => (RouteTargetKind::from_target_id("nat-1"), "nat-1"),
        _ => (RouteTargetKind::from_target_id("pcx-1"), "pcx-1"),
    };
    Route {
        destination: match prefix_list {
            Some(id) => RouteDestination::PrefixList(id.into()),
            None => RouteDestination::Cidr(cidr),
        },
        target: RouteTarget { kind, id: id.into() },
        state: if target == 2 { RouteState::Blackhole } else { RouteState::Active },
        origin: None,
    }
}

fn prefix_list(id: &str, entries: &[Ipv4Net]) -> ManagedPrefixList {
    ManagedPrefixList {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        name: id.into(),
        address_family: "IPv4".into(),
        max_entries: Some(10),
        owner_id: Some(ACCT.into()),
        entries: entries.iter().map(|c| PrefixListEntry { cidr: IpNet::V4(*c), description: None }).collect(),
        tags: Tags::new(),
    }
}

impl Case {
    /// Route destinations as AWS would hold them: one route per destination CIDR
    /// (first one kept), never a second route for the VPC's own range.
    fn unique_routes(&self) -> Vec<&RouteR> {
        let vpc: Ipv4Net = "10.0.0.0/16".parse().expect("literal");
        let mut seen = vec![vpc];
        if self.default_route {
            seen.push(Ipv4Net::default());
        }
        let mut out = Vec::new();
        for r in &self.routes {
            if !seen.contains(&r.cidr) {
                seen.push(r.cidr);
                out.push(r);
            }
        }
        out
    }

    fn nacl_rules(&self) -> Vec<&NaclR> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for n in &self.nacl {
            if !seen.contains(&(n.number, n.egress)) {
                seen.push((n.number, n.egress));
                out.push(n);
            }
        }
        out
    }

    fn estate(&self) -> Estate {
        let mut e = Estate::public_web().clear_nacl(false).clear_nacl(true);
        for r in &self.sg {
            let peer = match &r.peer {
                Peer::Cidr(c) => c.to_string(),
                Peer::PrefixList => "pl-1".into(),
            };
            let ports = if r.p == P::All { String::new() } else { format!("{}-{}", r.ports.0, r.ports.1) };
            e = e.sg_in("sg-1", proto_str(r.p), &ports, &peer);
        }
        for n in self.nacl_rules() {
            let ports = if n.p == P::All { String::new() } else { format!("{}-{}", n.ports.0, n.ports.1) };
            e = e.nacl(n.number, n.egress, proto_str(n.p), &ports, &n.cidr.to_string(), n.allow);
        }
        e = e.nacl(32767, false, "-1", "", "0.0.0.0/0", false).nacl(32767, true, "-1", "", "0.0.0.0/0", false);
        let routes = self.unique_routes();
        let default_route = self.default_route;
        let pl_sg = self.pl_sg.clone();
        let pl_route = self.pl_route.clone();
        let pl_target = self.pl_route_target;
        e.with(|r| {
            let t = &mut r.route_tables[0];
            t.routes.retain(|x| x.destination.to_string() == "10.0.0.0/16");
            if default_route {
                t.routes.push(target_route(IpNet::V4(Ipv4Net::default()), None, 0));
            }
            for x in &routes {
                t.routes.push(target_route(IpNet::V4(x.cidr), None, x.target));
            }
            if !pl_route.is_empty() {
                t.routes.push(target_route(IpNet::V4(Ipv4Net::default()), Some("pl-2"), pl_target));
            }
            r.managed_prefix_lists.push(prefix_list("pl-1", &pl_sg));
            r.managed_prefix_lists.push(prefix_list("pl-2", &pl_route));
        })
    }
}

// ---------- the naive reference ----------

fn contains(c: &Ipv4Net, a: u32) -> bool {
    let lo = u32::from(c.network());
    let hi = u32::from(c.broadcast());
    lo <= a && a <= hi
}

/// Written out independently of inventory::analysis::ipset. 240.0.0.0/5 counts as
/// public on purpose: `--redact` puts estate public IPs there (see ipset::NON_PUBLIC_V4).
fn public(a: u32) -> bool {
    let o = Ipv4Addr::from(a).octets();
    !(o[0] == 0
        || o[0] == 10
        || o[0] == 127
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 169 && o[1] == 254)
        || (o[0] == 172 && (16..32).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (224..240).contains(&o[0])
        || o[0] >= 248)
}

fn rule_matches(rp: P, ports: (u16, u16), p: P, port: u16) -> bool {
    match rp {
        P::All => true,
        _ => rp == p && ports.0 <= port && port <= ports.1,
    }
}

impl Case {
    /// Replies to `a` leave through igw-1: the longest-prefix route containing `a`
    /// (a CIDR route beats a prefix-list entry of the same length) is an active igw-1 route.
    fn route_ok(&self, a: u32) -> bool {
        // (prefix len, is CIDR route, reaches internet)
        let mut best: Option<(u8, bool, bool)> = None;
        let mut consider = |len: u8, cidr_route: bool, target: u8| {
            let key = (len, cidr_route);
            if !matches!(best, Some(b) if key <= (b.0, b.1)) {
                best = Some((len, cidr_route, target == 0));
            }
        };
        if contains(&"10.0.0.0/16".parse().expect("literal"), a) {
            consider(16, true, 9);
        }
        if self.default_route {
            consider(0, true, 0);
        }
        for r in self.unique_routes() {
            if contains(&r.cidr, a) {
                consider(r.cidr.prefix_len(), true, r.target);
            }
        }
        for c in &self.pl_route {
            if contains(c, a) {
                consider(c.prefix_len(), false, self.pl_route_target);
            }
        }
        best.is_some_and(|b| b.2)
    }

    fn nacl_first(&self, egress: bool, a: u32, p: P, port: u16) -> bool {
        let mut rules: Vec<&NaclR> = self.nacl_rules().into_iter().filter(|n| n.egress == egress).collect();
        rules.sort_by_key(|n| n.number);
        rules.iter().find(|n| contains(&n.cidr, a) && rule_matches(n.p, n.ports, p, port)).is_some_and(|n| n.allow)
    }

    fn nacl_return_ok(&self, a: u32, p: P) -> bool {
        let mut cuts = vec![1024u32];
        for n in self.nacl.iter().filter(|n| n.egress) {
            cuts.push(n.ports.0 as u32);
            cuts.push(n.ports.1 as u32 + 1);
        }
        cuts.into_iter().filter(|c| (1024..=65535).contains(c)).any(|q| self.nacl_first(true, a, p, q as u16))
    }

    fn sg_ok(&self, a: u32, p: P, port: u16) -> bool {
        self.sg.iter().any(|r| {
            rule_matches(r.p, r.ports, p, port)
                && match &r.peer {
                    Peer::Cidr(c) => contains(c, a),
                    Peer::PrefixList => self.pl_sg.iter().any(|c| contains(c, a)),
                }
        })
    }

    fn reaches(&self, a: u32, p: P, port: u16) -> bool {
        public(a)
            && self.route_ok(a)
            && self.nacl_first(false, a, p, port)
            && self.nacl_return_ok(a, p)
            && self.sg_ok(a, p, port)
    }

    /// One representative address per interval on which the reference is constant.
    fn address_cuts(&self, findings: &[ExposureFinding]) -> Vec<u32> {
        let mut nets: Vec<Ipv4Net> = Vec::new();
        nets.extend(self.nacl.iter().map(|n| n.cidr));
        nets.extend(self.routes.iter().map(|r| r.cidr));
        nets.extend(self.pl_sg.iter().chain(&self.pl_route).copied());
        nets.extend(self.sg.iter().filter_map(|r| match r.peer {
            Peer::Cidr(c) => Some(c),
            Peer::PrefixList => None,
        }));
        for s in [
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "224.0.0.0/4",
            "240.0.0.0/5",
            "248.0.0.0/5",
            "10.0.0.0/16",
        ] {
            nets.push(s.parse().expect("literal"));
        }
        nets.extend(findings.iter().flat_map(|f| f.sources.iter()).filter_map(|s| match s {
            IpNet::V4(n) => Some(*n),
            IpNet::V6(_) => None,
        }));
        let mut cuts = vec![0u32];
        for n in nets {
            cuts.push(u32::from(n.network()));
            if let Some(next) = u32::from(n.broadcast()).checked_add(1) {
                cuts.push(next);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    fn port_cuts(&self) -> Vec<u16> {
        let mut cuts = vec![0u16];
        for r in self.nacl.iter().map(|n| n.ports).chain(self.sg.iter().map(|r| r.ports)) {
            cuts.push(r.0);
            if let Some(n) = r.1.checked_add(1) {
                cuts.push(n);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }
}

/// Whether address `a` is in the finding's exact source set (public addresses only).
fn in_sources(f: &ExposureFinding, a: u32) -> bool {
    public(a) && f.sources.iter().any(|s| matches!(s, IpNet::V4(n) if contains(n, a)))
}

fn finding_covers(f: &ExposureFinding, a: u32, p: P, port: u16) -> bool {
    let proto_ok = match f.protocol {
        Protocol::All => true,
        Protocol::Tcp => p == P::Tcp,
        Protocol::Udp => p == P::Udp,
        _ => false,
    };
    let ports_ok = !matches!(f.ports, Some(r) if port < r.from || port > r.to);
    let src_ok = in_sources(f, a);
    proto_ok && ports_ok && src_ok
}

fn check(case: &Case) -> Result<(), String> {
    let findings: Vec<ExposureFinding> =
        case.estate().analyze().exposures.into_iter().filter(|f| f.ip_version == IpVersion::V4).collect();
    let addrs = case.address_cuts(&findings);
    let ports = case.port_cuts();
    // Complete.
    for &a in &addrs {
        for p in [P::Tcp, P::Udp] {
            for &port in &ports {
                if case.reaches(a, p, port) && !findings.iter().any(|f| finding_covers(f, a, p, port)) {
                    return Err(format!(
                        "reference: {} reaches {p:?}/{port}, but no finding covers it; findings: {:#?}",
                        Ipv4Addr::from(a),
                        findings.iter().map(show).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    // Sound and exact: every probe inside a finding's source set and ports reaches.
    for f in &findings {
        if f.ip_version != IpVersion::V4 {
            continue;
        }
        let protos: &[P] = match f.protocol {
            Protocol::Tcp => &[P::Tcp],
            Protocol::Udp => &[P::Udp],
            Protocol::All => &[P::Tcp, P::Udp],
            _ => continue, // ICMP: the reference models TCP/UDP only
        };
        let range = f.ports.unwrap_or(PortRange::ALL);
        for &p in protos {
            for &port in ports.iter().filter(|&&q| range.from <= q && q <= range.to).chain([&range.from, &range.to]) {
                for &a in addrs.iter().filter(|&&a| in_sources(f, a)) {
                    if !case.reaches(a, p, port) {
                        return Err(format!(
                            "finding `{}` claims {p:?}/{port} from {}, but the reference says it does not reach",
                            show(f),
                            Ipv4Addr::from(a)
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn exposure_matches_naive_reference(c in case()) {
        if let Err(e) = check(&c) {
            prop_assert!(false, "{}", e);
        }
    }
}
