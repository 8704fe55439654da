//! East-west reachability by AWS semantics, per address family and across transit
//! gateway peering chains: one control at a time decides a hop, in both directions.
//! Estates are built from the AWS documentation's rules (VPC IPv6 local route, NACL
//! IPv6 entries, SG IPv6 CIDRs and references; TGW peering attachments with static
//! routes on both TGWs; VPC peering is not transitive).
mod common;

use common::*;
use inventory::analysis::{analyze_topology, find_paths, Connection, Endpoint, Hop, PathOptions, ReturnPath};
use inventory::model::*;
use inventory::topology::Topology;

const A6: &str = "2001:db8:1:1::10";
const B6: &str = "2001:db8:1:2::20";

/// vpc-1 (10.0.0.0/16, 2001:db8:1::/56): eni-a (10.0.1.10, A6, sg-a) in subnet-1
/// (10.0.1.0/24, 2001:db8:1:1::/64) and eni-b (10.0.2.20, B6, sg-b) in subnet-2
/// (10.0.2.0/24, 2001:db8:1:2::/64). Main table: both local routes. NACL acl-1 (AWS
/// default: all allowed, IPv4 rule 100, IPv6 rule 101) on both subnets. Both groups
/// let everything out over both families and admit nothing yet.
fn dual_stack() -> Estate {
    let mut e = Estate::empty();
    let r = &mut e.snap.resources;
    let mut v = vpc("vpc-1", "10.0.0.0/16", None);
    v.ipv6_cidr_blocks = vec!["2001:db8:1::/56".parse().unwrap()];
    r.vpcs.push(v);
    for (id, v4, v6) in
        [("subnet-1", "10.0.1.0/24", "2001:db8:1:1::/64"), ("subnet-2", "10.0.2.0/24", "2001:db8:1:2::/64")]
    {
        let mut s = subnet(id, "vpc-1", v4);
        s.ipv6_cidr_blocks = vec![v6.parse().unwrap()];
        r.subnets.push(s);
    }
    r.route_tables.push(route_table(
        "rtb-1",
        "vpc-1",
        true,
        &[],
        vec![route("10.0.0.0/16", "local"), route("2001:db8:1::/56", "local")],
    ));
    r.network_acls.push(default_nacl("acl-1", "vpc-1"));
    for id in ["sg-a", "sg-b"] {
        let mut g = sg(id, "vpc-1", vec![]);
        g.egress.push(sg_rule("-1", "", "::/0"));
        r.security_groups.push(g);
    }
    r.network_interfaces.push(eni("eni-a", "vpc-1", "subnet-1", "10.0.1.10", None, &[A6], &["sg-a"], None));
    r.network_interfaces.push(eni("eni-b", "vpc-1", "subnet-2", "10.0.2.20", None, &[B6], &["sg-b"], None));
    e
}

/// subnet-2 gets its own NACL acl-2: `entries` plus the default's allow-all for the
/// rest (rule 200, both families, both directions).
fn own_nacl(e: Estate, entries: Vec<NaclEntry>) -> Estate {
    e.with(|r| {
        let mut acl = default_nacl("acl-2", "vpc-1");
        acl.is_default = false;
        acl.associations = vec![NaclAssociation { id: "aclassoc-2".into(), subnet_id: "subnet-2".into() }];
        acl.entries.retain(|x| x.rule_number == 32767);
        for egress in [false, true] {
            acl.entries.push(nacl_entry(200, egress, "-1", "", "0.0.0.0/0", true));
            acl.entries.push(nacl_entry(201, egress, "-1", "", "::/0", true));
        }
        acl.entries.extend(entries);
        r.network_acls.push(acl);
    })
}

/// The one-hop report from `from` to `to`, if any.
fn hop(e: &Estate, from: &str, to: &str) -> Option<Hop> {
    let mut s = e.snap.clone();
    s.normalize();
    let topo = Topology::build(&s);
    let analysis = analyze_topology(&topo);
    let one = PathOptions { max_hops: 1, ..PathOptions::default() };
    let from = Endpoint::parse(from).unwrap();
    let to = Endpoint::parse(to).unwrap();
    let r = find_paths(&topo, &analysis, &from, &to, &one).unwrap();
    assert!(r.paths.len() <= 1, "one hop at most: {:?}", r.paths);
    r.paths.into_iter().next().map(|mut p| p.hops.remove(0))
}

fn segmentation(e: &Estate) -> Vec<Connection> {
    let mut s = e.snap.clone();
    s.normalize();
    analyze_topology(&Topology::build(&s)).segmentation
}

/// The families of a hop's grants ("ipv4" for grants without one).
fn families(h: &Hop) -> Vec<String> {
    let mut f: Vec<String> =
        h.evidence.grants.iter().map(|g| g.family.clone().unwrap_or_else(|| "ipv4".into())).collect();
    f.sort();
    f.dedup();
    f
}

#[test]
fn ipv6_only_hop_is_reported_both_directions() {
    // Each side admits the other's IPv6 subnet only.
    let e =
        dual_stack().sg_in("sg-b", "tcp", "22", "2001:db8:1:1::/64").sg_in("sg-a", "tcp", "443", "2001:db8:1:2::/64");
    let h = hop(&e, "eni-a", "eni-b").expect("reachable over IPv6");
    assert_eq!(h.sources, [A6]);
    assert_eq!((h.protocol.as_str(), h.ports.as_str()), ("tcp", "22"));
    assert_eq!(families(&h), ["ipv6"]);
    assert_eq!(h.evidence.destination.as_deref(), Some(B6));
    assert_eq!(h.evidence.forward_route.as_ref().unwrap().route, "2001:db8:1::/56 → local");
    assert!(h.evidence.ipv6.is_none(), "IPv6 only: the main fields are IPv6's");
    let nacl = h.evidence.grants[0].nacl.as_ref().unwrap();
    assert_eq!((nacl.from_outbound_rule, nacl.to_inbound_rule), (Some(101), Some(101)));
    let back = hop(&e, "eni-b", "eni-a").expect("reachable over IPv6");
    assert_eq!((back.sources.as_slice(), back.ports.as_str()), ([B6.to_string()].as_slice(), "443"));
    assert_eq!(families(&back), ["ipv6"]);
    // Without the IPv6 local route's addresses on B, no hop: nothing admits IPv4.
    let v4_only = e.with(|r| r.network_interfaces[1].ipv6_addresses.clear());
    assert!(hop(&v4_only, "eni-a", "eni-b").is_none());
}

#[test]
fn both_families_carry_their_own_sources_and_evidence() {
    let e = dual_stack().sg_in("sg-b", "tcp", "22", "10.0.1.0/24").sg_in("sg-b", "tcp", "22", "2001:db8:1:1::/64");
    let h = hop(&e, "eni-a", "eni-b").unwrap();
    assert_eq!(h.sources, ["10.0.1.10", A6]);
    assert_eq!(families(&h), ["ipv4", "ipv6"]);
    assert_eq!(h.evidence.destination.as_deref(), Some("10.0.2.20"));
    let v6 = h.evidence.ipv6.as_ref().expect("IPv6 routing shown");
    assert_eq!(v6.destination, B6);
    assert_eq!(v6.forward_route.route, "2001:db8:1::/56 → local");
    assert_eq!(v6.return_route.route, "2001:db8:1::/56 → local");
}

#[test]
fn ipv4_blocked_by_nacl_while_ipv6_open_is_not_hidden() {
    let open = || dual_stack().sg_in("sg-b", "tcp", "22", "0.0.0.0/0").sg_in("sg-b", "tcp", "22", "::/0");
    // acl-2 denies IPv4 in from subnet-1 (rule 50) and leaves IPv6 to rule 201.
    let e = own_nacl(open(), vec![nacl_entry(50, false, "-1", "", "10.0.1.0/24", false)]);
    let h = hop(&e, "eni-a", "eni-b").expect("IPv6 still open");
    assert_eq!(h.sources, [A6]);
    assert_eq!(families(&h), ["ipv6"]);
    assert_eq!(h.evidence.grants[0].nacl.as_ref().unwrap().to_inbound_rule, Some(201));
    // The mirror: IPv6 denied in (rule 50), IPv4 open.
    let e = own_nacl(open(), vec![nacl_entry(50, false, "-1", "", "2001:db8:1:1::/64", false)]);
    let h = hop(&e, "eni-a", "eni-b").unwrap();
    assert_eq!((h.sources.as_slice(), families(&h)), (["10.0.1.10".to_string()].as_slice(), vec!["ipv4".to_string()]));
    // Stateless: IPv6 replies denied out of subnet-2 to ephemeral ports stop IPv6 too.
    let e = own_nacl(
        open(),
        vec![
            nacl_entry(50, false, "-1", "", "10.0.1.0/24", false),
            nacl_entry(50, true, "tcp", "1024-65535", "2001:db8:1:1::/64", false),
        ],
    );
    assert!(hop(&e, "eni-a", "eni-b").is_none());
    // The other direction (B → A) crosses acl-2 outbound and inbound for replies.
    let e = own_nacl(
        open().sg_in("sg-a", "tcp", "80", "::/0").sg_in("sg-a", "tcp", "80", "0.0.0.0/0"),
        vec![nacl_entry(50, true, "-1", "", "10.0.1.0/24", false)],
    );
    let h = hop(&e, "eni-b", "eni-a").expect("IPv6 open from B");
    assert_eq!((h.sources.as_slice(), families(&h)), ([B6.to_string()].as_slice(), vec!["ipv6".to_string()]));
}

#[test]
fn ipv6_blocked_by_security_group_that_admits_ipv4_only() {
    let e = dual_stack().sg_in("sg-b", "-1", "", "10.0.0.0/16").sg_in("sg-a", "-1", "", "10.0.0.0/16");
    for (from, to, src) in [("eni-a", "eni-b", "10.0.1.10"), ("eni-b", "eni-a", "10.0.2.20")] {
        let h = hop(&e, from, to).unwrap();
        assert_eq!(h.sources, [src], "{from} → {to}");
        assert_eq!(families(&h), ["ipv4"]);
        assert!(h.evidence.ipv6.is_none());
        assert_eq!(h.protocol, "all", "tcp, udp and icmp: one 'all' grant");
    }
    // An "all" rule for ::/0 admits IPv6 as TCP, UDP and ICMPv6 (not ICMP).
    let h = hop(&dual_stack().sg_in("sg-b", "-1", "", "::/0"), "eni-a", "eni-b").unwrap();
    assert_eq!((h.protocol.as_str(), families(&h)), ("all", vec!["ipv6".to_string()]));
    let h = hop(&dual_stack().sg_in("sg-b", "icmp", "", "::/0"), "eni-a", "eni-b");
    assert!(h.is_none(), "an ICMP (IPv4) rule does not admit IPv6 traffic");
    // A's groups must let IPv6 out: without the ::/0 egress rule, nothing leaves A.
    let e = dual_stack().sg_in("sg-b", "tcp", "22", "::/0").with(|r| r.security_groups[0].egress.truncate(1));
    assert!(hop(&e, "eni-a", "eni-b").is_none());
}

#[test]
fn security_group_reference_admits_members_over_both_families() {
    // AWS: a rule naming a group admits traffic from the interfaces in that group; the
    // interface's IPv6 addresses are its addresses too.
    let e = dual_stack().sg_in("sg-b", "tcp", "5432", "sg-a");
    let h = hop(&e, "eni-a", "eni-b").unwrap();
    assert_eq!(h.sources, ["10.0.1.10", A6]);
    assert_eq!(families(&h), ["ipv4", "ipv6"]);
    assert!(hop(&e, "eni-b", "eni-a").is_none(), "sg-a admits nothing");
}

// ---- transit gateway peering chains ----

fn tgw_att(id: &str, tgw: &str, kind: TgwAttachmentResourceType, res: &str, table: &str) -> TransitGatewayAttachment {
    TransitGatewayAttachment {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        transit_gateway_id: tgw.into(),
        transit_gateway_owner_id: None,
        resource_type: kind,
        resource_id: Some(res.into()),
        resource_owner_id: None,
        state: Some("available".into()),
        association_route_table_id: Some(table.into()),
        subnet_ids: vec![],
        tags: Tags::new(),
    }
}

fn aref(id: &str) -> TgwAttachmentRef {
    let kind = if id.contains("peer") { TgwAttachmentResourceType::TgwPeering } else { TgwAttachmentResourceType::Vpc };
    TgwAttachmentRef { attachment_id: id.into(), resource_type: kind, resource_id: None }
}

fn troute(dest: &str, att: &str, state: RouteState) -> TgwRoute {
    let route_type = if att.contains("peer") { TgwRouteType::Static } else { TgwRouteType::Propagated };
    TgwRoute { destination: RouteDestination::Cidr(net(dest)), attachments: vec![aref(att)], route_type, state }
}

fn tgw_table(id: &str, tgw: &str, routes: Vec<TgwRoute>, assoc: &[&str]) -> TransitGatewayRouteTable {
    TransitGatewayRouteTable {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        transit_gateway_id: tgw.into(),
        default_association_route_table: false,
        default_propagation_route_table: false,
        routes,
        associations: assoc.iter().map(|a| aref(a)).collect(),
        propagations: vec![],
        tags: Tags::new(),
    }
}

/// How the chain is broken, if at all.
#[derive(Clone, Copy, PartialEq)]
enum Chain {
    Whole,
    /// tgw-rtb-2 has no route back to vpc-a (10.0.0.0/16 → the peering attachment).
    NoReturnInTgw2,
    /// tgw-rtb-2's route to vpc-b is a blackhole.
    Blackhole,
    /// The peering attachment is listed once per side (tgw-attach-peer-1 on tgw-1,
    /// tgw-attach-peer-2 on tgw-2, each naming the other TGW) instead of one shared id.
    TwoIds,
}

/// vpc-a (10.0.0.0/16, 2001:db8:a::/56; eni-a 10.0.1.10 / 2001:db8:a:1::10) attached to
/// tgw-1 (tgw-attach-a, table tgw-rtb-1); vpc-b (10.1.0.0/16, 2001:db8:b::/56; eni-b
/// 10.1.1.20 / 2001:db8:b:1::20) attached to tgw-2 (tgw-attach-b, table tgw-rtb-2);
/// tgw-1 and tgw-2 peered (tgw-attach-peer, associated with tgw-rtb-1 on tgw-1 and
/// tgw-rtb-2 on tgw-2). Static routes to the peering both ways, IPv4 and IPv6; the VPC
/// tables route the far VPC to their own TGW. sg-a and sg-b admit tcp/5432 from the
/// other VPC's CIDRs (both families).
fn chain(how: Chain) -> Estate {
    let (peer1, peer2) = if how == Chain::TwoIds {
        ("tgw-attach-peer-1", "tgw-attach-peer-2")
    } else {
        ("tgw-attach-peer", "tgw-attach-peer")
    };
    let active = RouteState::Active;
    let mut e = Estate::empty();
    let r = &mut e.snap.resources;
    for (v, v4, v6, s4, s6, far4, far6, tgw, ip4, ip6, g) in [
        (
            "a",
            "10.0.0.0/16",
            "2001:db8:a::/56",
            "10.0.1.0/24",
            "2001:db8:a:1::/64",
            "10.1.0.0/16",
            "2001:db8:b::/56",
            "tgw-1",
            "10.0.1.10",
            "2001:db8:a:1::10",
            "10.1.0.0/16",
        ),
        (
            "b",
            "10.1.0.0/16",
            "2001:db8:b::/56",
            "10.1.1.0/24",
            "2001:db8:b:1::/64",
            "10.0.0.0/16",
            "2001:db8:a::/56",
            "tgw-2",
            "10.1.1.20",
            "2001:db8:b:1::20",
            "10.0.0.0/16",
        ),
    ] {
        let (vpc_id, sn, table) = (format!("vpc-{v}"), format!("subnet-{v}"), format!("rtb-{v}"));
        let mut x = vpc(&vpc_id, v4, None);
        x.ipv6_cidr_blocks = vec![v6.parse().unwrap()];
        r.vpcs.push(x);
        let mut s = subnet(&sn, &vpc_id, s4);
        s.ipv6_cidr_blocks = vec![s6.parse().unwrap()];
        r.subnets.push(s);
        let routes = vec![route(v4, "local"), route(v6, "local"), route(far4, tgw), route(far6, tgw)];
        r.route_tables.push(route_table(&table, &vpc_id, true, &[], routes));
        r.network_acls.push(default_nacl(&format!("acl-{v}"), &vpc_id));
        let far6_hosts = if v == "a" { "2001:db8:b::/56" } else { "2001:db8:a::/56" };
        let mut group =
            sg(&format!("sg-{v}"), &vpc_id, vec![sg_rule("tcp", "5432", g), sg_rule("tcp", "5432", far6_hosts)]);
        group.egress.push(sg_rule("-1", "", "::/0"));
        r.security_groups.push(group);
        let id = format!("eni-{v}");
        r.network_interfaces.push(eni(&id, &vpc_id, &sn, ip4, None, &[ip6], &[&format!("sg-{v}")], None));
        let att = format!("tgw-attach-{v}");
        let rtb = if v == "a" { "tgw-rtb-1" } else { "tgw-rtb-2" };
        r.transit_gateway_attachments.push(tgw_att(&att, tgw, TgwAttachmentResourceType::Vpc, &vpc_id, rtb));
    }
    let peering = TgwAttachmentResourceType::TgwPeering;
    r.transit_gateway_attachments.push(tgw_att(peer1, "tgw-1", peering, "tgw-2", "tgw-rtb-1"));
    if how == Chain::TwoIds {
        r.transit_gateway_attachments.push(tgw_att(peer2, "tgw-2", peering, "tgw-1", "tgw-rtb-2"));
    }
    r.transit_gateway_route_tables.push(tgw_table(
        "tgw-rtb-1",
        "tgw-1",
        vec![
            troute("10.0.0.0/16", "tgw-attach-a", active),
            troute("2001:db8:a::/56", "tgw-attach-a", active),
            troute("10.1.0.0/16", peer1, active),
            troute("2001:db8:b::/56", peer1, active),
        ],
        &["tgw-attach-a", peer1],
    ));
    let to_b = if how == Chain::Blackhole { RouteState::Blackhole } else { active };
    let mut routes2 =
        vec![troute("10.1.0.0/16", "tgw-attach-b", to_b), troute("2001:db8:b::/56", "tgw-attach-b", to_b)];
    if how != Chain::NoReturnInTgw2 {
        routes2.push(troute("10.0.0.0/16", peer2, active));
        routes2.push(troute("2001:db8:a::/56", peer2, active));
    }
    r.transit_gateway_route_tables.push(tgw_table("tgw-rtb-2", "tgw-2", routes2, &["tgw-attach-b", peer2]));
    e
}

fn vpc_link<'c>(c: &'c [Connection], from: &str, to: &str) -> Option<&'c Connection> {
    c.iter().find(|x| &*x.from_vpc_id == from && &*x.to_id == to)
}

#[test]
fn tgw_peering_chain_is_reachable_both_ways_and_families() {
    for how in [Chain::Whole, Chain::TwoIds] {
        let (p1, p2) = if how == Chain::TwoIds {
            ("tgw-attach-peer-1", "tgw-attach-peer-2")
        } else {
            ("tgw-attach-peer", "tgw-attach-peer")
        };
        let e = chain(how);
        let h = hop(&e, "eni-a", "eni-b").expect("routed through tgw-1 → peering → tgw-2");
        assert_eq!(h.sources, ["10.0.1.10", "2001:db8:a:1::10"]);
        assert_eq!(families(&h), ["ipv4", "ipv6"]);
        let via = &h.evidence.via;
        assert_eq!(via[..4], ["tgw-1", "tgw-2", "tgw-attach-a", "tgw-attach-b"]);
        for step in [
            format!("tgw-rtb-1 (associated with tgw-attach-a): 10.1.0.0/16 → {p1}"),
            format!("tgw-rtb-2 (associated with {p2}): 10.1.0.0/16 → tgw-attach-b"),
            format!("return: tgw-rtb-2 (associated with tgw-attach-b): 10.0.0.0/16 → {p2}"),
            format!("return: tgw-rtb-1 (associated with {p1}): 10.0.0.0/16 → tgw-attach-a"),
        ] {
            assert!(via.contains(&step), "{step} missing from {via:?}");
        }
        assert_eq!(h.evidence.return_route.as_ref().unwrap().route, "10.0.0.0/16 → tgw-2");
        let v6 = h.evidence.ipv6.as_ref().unwrap();
        assert!(v6.via.contains(&format!("tgw-rtb-2 (associated with {p2}): 2001:db8:b::/56 → tgw-attach-b")));
        let back = hop(&e, "eni-b", "eni-a").expect("and back the other way");
        assert_eq!(back.sources, ["10.1.1.20", "2001:db8:b:1::20"]);
        let seg = segmentation(&e);
        for (from, to) in [("vpc-a", "vpc-b"), ("vpc-b", "vpc-a")] {
            let c = vpc_link(&seg, from, to).unwrap_or_else(|| panic!("{from} → {to} in {seg:?}"));
            assert_eq!(c.return_path, ReturnPath::Routed, "{from} → {to}");
            let ev: Vec<&str> = c.evidence.iter().map(|t| &**t).collect();
            assert!(ev.iter().any(|t| t.contains("tgw-rtb-1") && t.contains(p1)), "{ev:?}");
            assert!(ev.iter().any(|t| t.contains("tgw-rtb-2") && t.contains(p2)), "{ev:?}");
        }
    }
}

#[test]
fn tgw_peering_chain_without_return_route_in_tgw2_is_not_connected() {
    let e = chain(Chain::NoReturnInTgw2);
    assert!(hop(&e, "eni-a", "eni-b").is_none(), "replies from vpc-b have no way back");
    assert!(hop(&e, "eni-b", "eni-a").is_none(), "tgw-2 does not route vpc-a at all");
    let seg = segmentation(&e);
    let c = vpc_link(&seg, "vpc-a", "vpc-b").expect("the forward routes exist");
    assert_eq!(c.return_path, ReturnPath::Missing);
    assert!(c.evidence.iter().any(|t| t.contains("return: no TGW route back")), "{:?}", c.evidence);
    assert!(vpc_link(&seg, "vpc-b", "vpc-a").is_none());
}

#[test]
fn blackhole_tgw_route_stops_the_chain() {
    let e = chain(Chain::Blackhole);
    assert!(hop(&e, "eni-a", "eni-b").is_none());
    assert!(hop(&e, "eni-b", "eni-a").is_none(), "replies to vpc-b are dropped too");
    assert!(vpc_link(&segmentation(&e), "vpc-a", "vpc-b").is_none());
    // A more specific blackhole beats a broader active route (longest prefix first).
    let shadowed = chain(Chain::Whole).with(|r| {
        let t = &mut r.transit_gateway_route_tables[0];
        t.routes.push(troute("10.1.1.0/24", "tgw-attach-peer", RouteState::Blackhole));
    });
    let h = hop(&shadowed, "eni-a", "eni-b").expect("IPv6 is not shadowed");
    assert_eq!(families(&h), ["ipv6"]);
}

#[test]
fn a_propagated_route_to_a_peering_attachment_is_not_followed() {
    // Peering attachments carry static routes only: such a route cannot come from AWS.
    let e = chain(Chain::Whole).with(|r| {
        for t in &mut r.transit_gateway_route_tables {
            for rt in &mut t.routes {
                rt.route_type = TgwRouteType::Propagated;
            }
        }
    });
    assert!(hop(&e, "eni-a", "eni-b").is_none());
}

/// `chain(Whole)` plus vpc-c (10.2.0.0/16; eni-c 10.2.1.30, sg-c: tcp/5432 from
/// 10.0.0.0/16) on tgw-3, peered with tgw-2 (tgw-attach-peer23, associated with
/// tgw-rtb-2 on tgw-2 and tgw-rtb-3 on tgw-3): vpc-a → tgw-1 → tgw-2 → tgw-3 → vpc-c.
fn three_tgws(return_on_tgw3: bool) -> Estate {
    let active = RouteState::Active;
    chain(Chain::Whole).with(|r| {
        r.vpcs.push(vpc("vpc-c", "10.2.0.0/16", None));
        r.subnets.push(subnet("subnet-c", "vpc-c", "10.2.1.0/24"));
        let routes = vec![route("10.2.0.0/16", "local"), route("10.0.0.0/16", "tgw-3")];
        r.route_tables.push(route_table("rtb-c", "vpc-c", true, &[], routes));
        r.network_acls.push(default_nacl("acl-c", "vpc-c"));
        r.security_groups.push(sg("sg-c", "vpc-c", vec![sg_rule("tcp", "5432", "10.0.0.0/16")]));
        r.network_interfaces.push(eni("eni-c", "vpc-c", "subnet-c", "10.2.1.30", None, &[], &["sg-c"], None));
        r.route_tables[0].routes.push(route("10.2.0.0/16", "tgw-1"));
        let peering = TgwAttachmentResourceType::TgwPeering;
        r.transit_gateway_attachments.push(tgw_att(
            "tgw-attach-c",
            "tgw-3",
            TgwAttachmentResourceType::Vpc,
            "vpc-c",
            "tgw-rtb-3",
        ));
        r.transit_gateway_attachments.push(tgw_att("tgw-attach-peer23", "tgw-2", peering, "tgw-3", "tgw-rtb-2"));
        r.transit_gateway_route_tables[0].routes.push(troute("10.2.0.0/16", "tgw-attach-peer", active));
        r.transit_gateway_route_tables[1].routes.push(troute("10.2.0.0/16", "tgw-attach-peer23", active));
        r.transit_gateway_route_tables[1].associations.push(aref("tgw-attach-peer23"));
        let mut routes3 = vec![troute("10.2.0.0/16", "tgw-attach-c", active)];
        if return_on_tgw3 {
            routes3.push(troute("10.0.0.0/16", "tgw-attach-peer23", active));
        }
        r.transit_gateway_route_tables.push(tgw_table(
            "tgw-rtb-3",
            "tgw-3",
            routes3,
            &["tgw-attach-c", "tgw-attach-peer23"],
        ));
    })
}

#[test]
fn chain_of_three_tgws_is_followed_and_needs_every_return_route() {
    let e = three_tgws(true);
    let h = hop(&e, "eni-a", "eni-c").expect("tgw-1 → tgw-2 → tgw-3");
    assert_eq!(h.sources, ["10.0.1.10"]);
    assert_eq!(h.evidence.via[..5], ["tgw-1", "tgw-2", "tgw-3", "tgw-attach-a", "tgw-attach-c"]);
    assert!(h
        .evidence
        .via
        .contains(&"tgw-rtb-2 (associated with tgw-attach-peer): 10.2.0.0/16 → tgw-attach-peer23".to_string()));
    assert!(h
        .evidence
        .via
        .contains(&"return: tgw-rtb-3 (associated with tgw-attach-c): 10.0.0.0/16 → tgw-attach-peer23".to_string()));
    let seg = segmentation(&e);
    let c = vpc_link(&seg, "vpc-a", "vpc-c").expect("a → c in segmentation");
    assert_eq!(c.return_path, ReturnPath::Routed);
    let broken = three_tgws(false);
    assert!(hop(&broken, "eni-a", "eni-c").is_none(), "tgw-3 has no route back to vpc-a");
    assert_eq!(vpc_link(&segmentation(&broken), "vpc-a", "vpc-c").unwrap().return_path, ReturnPath::Missing);
}

// ---- VPC peering is not transitive ----

/// vpc-a (10.0.0.0/16) ↔ pcx-ab ↔ vpc-b (10.1.0.0/16) ↔ pcx-bc ↔ vpc-c (10.2.0.0/16):
/// vpc-a routes both vpc-b and vpc-c to pcx-ab, vpc-b routes both peers, vpc-c routes
/// vpc-a to pcx-bc. sg-b and sg-c admit tcp/22 from anywhere in 10.0.0.0/8.
fn peering_line() -> Estate {
    let mut e = Estate::empty();
    let r = &mut e.snap.resources;
    let table = |v: &str, routes: &[(&str, &str)]| {
        let mut rs = vec![route(&format!("10.{v}.0.0/16"), "local")];
        rs.extend(routes.iter().map(|(d, t)| route(d, t)));
        rs
    };
    for (n, name, routes) in [
        ("0", "a", vec![("10.1.0.0/16", "pcx-ab"), ("10.2.0.0/16", "pcx-ab")]),
        ("1", "b", vec![("10.0.0.0/16", "pcx-ab"), ("10.2.0.0/16", "pcx-bc")]),
        ("2", "c", vec![("10.0.0.0/16", "pcx-bc"), ("10.1.0.0/16", "pcx-bc")]),
    ] {
        let vpc_id = format!("vpc-{name}");
        r.vpcs.push(vpc(&vpc_id, &format!("10.{n}.0.0/16"), None));
        r.subnets.push(subnet(&format!("subnet-{name}"), &vpc_id, &format!("10.{n}.1.0/24")));
        r.route_tables.push(route_table(&format!("rtb-{name}"), &vpc_id, true, &[], table(n, &routes)));
        r.network_acls.push(default_nacl(&format!("acl-{name}"), &vpc_id));
        r.security_groups.push(sg(&format!("sg-{name}"), &vpc_id, vec![sg_rule("tcp", "22", "10.0.0.0/8")]));
        let ip = format!("10.{n}.1.10");
        let sgs = [format!("sg-{name}")];
        let sgs: Vec<&str> = sgs.iter().map(String::as_str).collect();
        r.network_interfaces.push(eni(
            &format!("eni-{name}"),
            &vpc_id,
            &format!("subnet-{name}"),
            &ip,
            None,
            &[],
            &sgs,
            None,
        ));
    }
    let side = |v: &str, c: &str| PeeringSide {
        account_id: ACCT.into(),
        region: REGION.into(),
        vpc_id: v.into(),
        cidr_blocks: vec![net(c)],
    };
    for (id, x, cx, y, cy) in [
        ("pcx-ab", "vpc-a", "10.0.0.0/16", "vpc-b", "10.1.0.0/16"),
        ("pcx-bc", "vpc-b", "10.1.0.0/16", "vpc-c", "10.2.0.0/16"),
    ] {
        r.vpc_peering_connections.push(VpcPeeringConnection {
            id: id.into(),
            account_id: ACCT.into(),
            region: REGION.into(),
            arn: None,
            requester: side(x, cx),
            accepter: side(y, cy),
            status: "active".into(),
            tags: Tags::new(),
        });
    }
    e
}

#[test]
fn vpc_peering_is_not_transitive() {
    let e = peering_line();
    // Direct peers reach each other, both ways.
    for (from, to) in [("eni-a", "eni-b"), ("eni-b", "eni-a"), ("eni-b", "eni-c"), ("eni-c", "eni-b")] {
        assert!(hop(&e, from, to).is_some(), "{from} → {to} is one peering");
    }
    // vpc-a's route for vpc-c's CIDR through pcx-ab reaches nothing: vpc-b does not
    // forward it on to pcx-bc. Nor does vpc-c reach vpc-a through pcx-bc.
    assert!(hop(&e, "eni-a", "eni-c").is_none());
    assert!(hop(&e, "eni-c", "eni-a").is_none());
    let seg = segmentation(&e);
    assert!(vpc_link(&seg, "vpc-a", "vpc-c").is_none(), "{seg:?}");
    assert!(vpc_link(&seg, "vpc-c", "vpc-a").is_none(), "{seg:?}");
    assert!(vpc_link(&seg, "vpc-a", "vpc-b").is_some());
    // Over two hops the path goes through eni-b as a host, not through the peering.
    let mut s = e.snap.clone();
    s.normalize();
    let topo = Topology::build(&s);
    let analysis = analyze_topology(&topo);
    let r = find_paths(
        &topo,
        &analysis,
        &Endpoint::parse("eni-a").unwrap(),
        &Endpoint::parse("eni-c").unwrap(),
        &PathOptions::default(),
    )
    .unwrap();
    assert!(r.paths.iter().all(|p| p.hops.len() == 2 && p.hops[0].to == "eni-b"), "{:?}", r.paths);
}
