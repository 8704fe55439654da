//! Differential fuzzing of east-west hops (`find_paths`, one hop) over IPv4 and IPv6
//! against a naive reference that evaluates one family, protocol and port at a time:
//! two dual-stack ENIs in two subnets of one VPC, each subnet with its own NACL of
//! random IPv4 and IPv6 entries (first match by rule number, both directions, replies
//! to ephemeral ports), B's random ingress rules (IPv4/IPv6 CIDRs, a reference to A's
//! group) and A's random egress rules.
//!
//! Exhaustive per case: the reference is constant between port cut points (every rule
//! boundary), so one port per elementary interval is checked, both ways:
//! - complete: every (family, protocol, port) the reference lets through is in a grant
//!   of that family;
//! - exact: every such triple inside a grant is one the reference lets through;
//!   and a family's source address is listed exactly when something gets through.
//!
//! Cases: PROPTEST_CASES (default 128 here); run long with e.g. PROPTEST_CASES=20000.
mod common;

use std::collections::BTreeSet;

use common::*;
use inventory::analysis::{analyze_topology, find_paths, Endpoint, Hop, PathOptions};
use inventory::model::*;
use inventory::topology::Topology;
use ipnet::IpNet;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128);
    ProptestConfig { cases, max_shrink_iters: 2048, ..ProptestConfig::default() }
}

const A4: &str = "10.0.1.10";
const B4: &str = "10.0.2.20";
const A6: &str = "2001:db8:0:1::10";
const B6: &str = "2001:db8:0:2::20";

/// CIDRs that hold A's or B's address, both, or neither, per family.
const POOL: [&str; 12] = [
    "0.0.0.0/0",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.0.2.0/24",
    "10.0.1.10/32",
    "192.0.2.0/24",
    "::/0",
    "2001:db8::/56",
    "2001:db8:0:1::/64",
    "2001:db8:0:2::/64",
    "2001:db8:0:2::20/128",
    "2001:db8:ff::/48",
];

const PORTS: [u16; 8] = [0, 22, 443, 1023, 1024, 5432, 32768, 65535];

#[derive(Debug, Clone, Copy, PartialEq)]
enum P {
    Tcp,
    Udp,
    All,
    /// ICMP (ICMPv6 over IPv6): probed only, rules are never of it.
    Icmp,
}

fn proto() -> impl Strategy<Value = P> {
    prop_oneof![3 => Just(P::Tcp), 2 => Just(P::Udp), 1 => Just(P::All)]
}

fn ports() -> impl Strategy<Value = (u16, u16)> {
    (0..PORTS.len(), 0u16..3000, any::<bool>()).prop_map(|(i, len, all)| {
        if all {
            (0, 65535)
        } else {
            (PORTS[i], PORTS[i].saturating_add(len))
        }
    })
}

#[derive(Debug, Clone)]
struct Rule {
    p: P,
    ports: (u16, u16),
    /// Index into POOL, or None for a reference to sg-a (ingress only).
    peer: Option<usize>,
}

#[derive(Debug, Clone)]
struct Entry {
    number: u16,
    egress: bool,
    allow: bool,
    p: P,
    ports: (u16, u16),
    cidr: usize,
}

#[derive(Debug, Clone)]
struct Case {
    ingress: Vec<Rule>,
    egress: Vec<Rule>,
    /// NACL entries of subnet-1 (A) and subnet-2 (B).
    acls: [Vec<Entry>; 2],
    a_v6: bool,
    b_v6: bool,
}

fn rule(sg_ref: bool) -> impl Strategy<Value = Rule> {
    let peer = if sg_ref {
        prop_oneof![5 => (0..POOL.len()).prop_map(Some), 1 => Just(None)].boxed()
    } else {
        (0..POOL.len()).prop_map(Some).boxed()
    };
    (proto(), ports(), peer).prop_map(|(p, ports, peer)| Rule { p, ports, peer })
}

fn entries() -> impl Strategy<Value = Vec<Entry>> {
    let entry = (1u16..=40, any::<bool>(), prop::bool::weighted(0.4), proto(), ports(), 0..POOL.len())
        .prop_map(|(n, egress, allow, p, ports, cidr)| Entry { number: n * 10, egress, allow, p, ports, cidr });
    (prop::collection::vec(entry, 0..8), prop::bool::weighted(0.8)).prop_map(|(mut v, open)| {
        // AWS: one entry per rule number and direction.
        let mut seen = BTreeSet::new();
        v.retain(|e| seen.insert((e.egress, e.number)));
        // Mostly the default's allow-all below the random entries (as most NACLs are),
        // so that what the random ones leave open gets through.
        if open {
            for (egress, cidr) in [(false, 0), (true, 0), (false, 6), (true, 6)] {
                let number = 500 + u16::from(cidr == 6);
                v.push(Entry { number, egress, allow: true, p: P::All, ports: (0, 65535), cidr });
            }
        }
        v
    })
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(rule(true), 0..5),
        prop::collection::vec(rule(false), 1..4),
        entries(),
        entries(),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(ingress, egress, a, b, a_v6, b_v6)| Case { ingress, egress, acls: [a, b], a_v6, b_v6 })
}

fn proto_str(p: P) -> &'static str {
    match p {
        P::Tcp => "tcp",
        P::Udp => "udp",
        P::All => "-1",
        P::Icmp => "icmp",
    }
}

fn sg_rule_of(r: &Rule) -> SgRule {
    let port = if r.p == P::All { String::new() } else { format!("{}-{}", r.ports.0, r.ports.1) };
    sg_rule(proto_str(r.p), &port, r.peer.map_or("sg-a", |i| POOL[i]))
}

fn estate(c: &Case) -> Estate {
    let mut e = Estate::empty();
    let r = &mut e.snap.resources;
    let mut v = vpc("vpc-1", "10.0.0.0/16", None);
    v.ipv6_cidr_blocks = vec!["2001:db8::/56".parse().unwrap()];
    r.vpcs.push(v);
    for (i, (v4, v6)) in [("10.0.1.0/24", "2001:db8:0:1::/64"), ("10.0.2.0/24", "2001:db8:0:2::/64")].iter().enumerate()
    {
        let mut s = subnet(&format!("subnet-{}", i + 1), "vpc-1", v4);
        s.ipv6_cidr_blocks = vec![v6.parse().unwrap()];
        r.subnets.push(s);
        let mut acl = default_nacl(&format!("acl-{}", i + 1), "vpc-1");
        acl.is_default = false;
        acl.associations =
            vec![NaclAssociation { id: format!("aclassoc-{i}"), subnet_id: format!("subnet-{}", i + 1) }];
        acl.entries.retain(|x| x.rule_number == 32767);
        for x in &c.acls[i] {
            let port = if x.p == P::All { String::new() } else { format!("{}-{}", x.ports.0, x.ports.1) };
            acl.entries.push(nacl_entry(x.number, x.egress, proto_str(x.p), &port, POOL[x.cidr], x.allow));
        }
        r.network_acls.push(acl);
    }
    r.route_tables.push(route_table(
        "rtb-1",
        "vpc-1",
        true,
        &[],
        vec![route("10.0.0.0/16", "local"), route("2001:db8::/56", "local")],
    ));
    let mut a = sg("sg-a", "vpc-1", vec![]);
    a.egress = c.egress.iter().map(sg_rule_of).collect();
    r.security_groups.push(a);
    r.security_groups.push(sg("sg-b", "vpc-1", c.ingress.iter().map(sg_rule_of).collect()));
    let v6 = |on: bool, a: &'static str| if on { vec![a] } else { vec![] };
    r.network_interfaces.push(eni("eni-a", "vpc-1", "subnet-1", A4, None, &v6(c.a_v6, A6), &["sg-a"], None));
    r.network_interfaces.push(eni("eni-b", "vpc-1", "subnet-2", B4, None, &v6(c.b_v6, B6), &["sg-b"], None));
    e
}

// ---------- the naive reference ----------

fn holds(cidr: &str, addr: &str) -> bool {
    let (c, a): (IpNet, IpNet) =
        (cidr.parse().unwrap(), format!("{addr}/{}", if addr.contains(':') { 128 } else { 32 }).parse().unwrap());
    c.contains(&a)
}

fn matches(rp: P, ports: (u16, u16), p: P, port: u16) -> bool {
    rp == P::All || (rp == p && ports.0 <= port && port <= ports.1)
}

/// First match by rule number: allowed?
fn nacl_allows(entries: &[Entry], egress: bool, peer: &str, p: P, port: u16) -> bool {
    let mut v: Vec<&Entry> = entries.iter().filter(|e| e.egress == egress).collect();
    v.sort_by_key(|e| e.number);
    v.into_iter().find(|e| holds(POOL[e.cidr], peer) && matches(e.p, e.ports, p, port)).is_some_and(|e| e.allow)
}

/// Port cut points: each rule boundary, and the ephemeral range's.
fn cuts(c: &Case) -> Vec<u16> {
    let mut v: BTreeSet<u16> = [0, 1023, 1024, 65535].into_iter().collect();
    let ranges = c.ingress.iter().chain(&c.egress).map(|r| r.ports).chain(c.acls.iter().flatten().map(|e| e.ports));
    for (lo, hi) in ranges {
        v.insert(lo);
        v.insert(hi);
        v.extend(lo.checked_sub(1));
        v.extend(hi.checked_add(1));
    }
    v.into_iter().collect()
}

/// Whether A (`src`) reaches B (`dst`) on (p, port): SGs, NACLs both ways, replies.
fn reference(c: &Case, (src, dst): (&str, &str), p: P, port: u16, cuts: &[u16]) -> bool {
    let sg_in = c.ingress.iter().any(|r| matches(r.p, r.ports, p, port) && r.peer.is_none_or(|i| holds(POOL[i], src)));
    let sg_out = c.egress.iter().any(|r| matches(r.p, r.ports, p, port) && r.peer.is_some_and(|i| holds(POOL[i], dst)));
    let [na, nb] = &c.acls;
    let ephemeral = |entries: &[Entry], egress: bool, peer: &str| {
        cuts.iter().filter(|&&q| q >= 1024).any(|&q| nacl_allows(entries, egress, peer, p, q))
    };
    sg_in
        && sg_out
        && nacl_allows(na, true, dst, p, port)
        && nacl_allows(nb, false, src, p, port)
        && ephemeral(nb, true, src)
        && ephemeral(na, false, dst)
}

fn engine_hop(c: &Case) -> Option<Hop> {
    let mut s = estate(c).snap;
    s.normalize();
    let topo = Topology::build(&s);
    let analysis = analyze_topology(&topo);
    let one = PathOptions { max_hops: 1, ..PathOptions::default() };
    let (a, b) = (Endpoint::parse("eni-a").unwrap(), Endpoint::parse("eni-b").unwrap());
    let r = find_paths(&topo, &analysis, &a, &b, &one).unwrap();
    r.paths.into_iter().next().map(|mut p| p.hops.remove(0))
}

fn granted(h: Option<&Hop>, v6: bool, p: P, port: u16) -> bool {
    let want = match (p, v6) {
        (P::Tcp, _) => Protocol::Tcp,
        (P::Icmp, false) => Protocol::Icmp,
        (P::Icmp, true) => Protocol::Icmpv6,
        _ => Protocol::Udp,
    };
    h.is_some_and(|h| {
        h.evidence.grants.iter().any(|g| {
            g.family.is_some() == v6
                && (g.protocol == want || g.protocol == Protocol::All)
                && g.ports.is_none_or(|r| r.from <= port && port <= r.to)
        })
    })
}

fn check(c: &Case) -> Result<(), String> {
    let h = engine_hop(c);
    let cuts = cuts(c);
    let families = [(false, A4, B4, true), (true, A6, B6, c.a_v6 && c.b_v6)];
    for (v6, src, dst, present) in families {
        let mut any = false;
        for p in [P::Tcp, P::Udp, P::Icmp] {
            for &port in &cuts {
                let want = present && reference(c, (src, dst), p, port, &cuts);
                let got = granted(h.as_ref(), v6, p, port);
                any |= want;
                if want != got {
                    return Err(format!("{src} → {dst} {p:?}/{port}: reference {want}, engine {got}; hop {h:#?}"));
                }
            }
        }
        let listed = h.as_ref().is_some_and(|h| h.sources.iter().any(|s| s == src));
        if listed != any {
            return Err(format!("source {src} listed {listed}, reference {any}; hop {h:#?}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn east_west_hop_matches_naive_reference(c in case()) {
        if let Err(e) = check(&c) {
            prop_assert!(false, "{}", e);
        }
    }
}
