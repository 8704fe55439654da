//! Exposure is a walk over the topology graph from the internet node: the exposure
//! findings are exactly the paths of length one from the internet, and an interface
//! the walk does not reach is not exposed but keeps its `--why` entries.
mod common;

use std::collections::BTreeSet;

use common::*;
use inventory::analysis::{
    analyze_topology, find_paths, internet_reach, Analysis, Endpoint, InternetReach, PathOptions,
};
use inventory::demo::demo_snapshot;
use inventory::model::ResourceKind;
use inventory::snapshot::Snapshot;
use inventory::topology::{Edge, Topology};

/// (ENI, protocol, ports, source range, public address) of one admitted grant.
type Grant = (String, String, Option<String>, String, String);

/// What the exposure findings admit, per ENI. Stand-in nodes of load balancers without
/// ENIs (no `eni_id`) are no path-search node, so they are left out.
fn exposure_grants(a: &Analysis) -> BTreeSet<Grant> {
    a.exposures
        .iter()
        .filter(|f| !f.eni_id.is_empty())
        .map(|f| {
            let ports = f.ports.map(|p| p.to_string());
            (f.eni_id.clone(), f.protocol.to_string(), ports, f.source.to_string(), f.public_ip.clone())
        })
        .collect()
}

/// What the one-hop paths from the internet admit, to every ENI (asked VPC by VPC:
/// a VPC endpoint stands for all its ENIs).
fn one_hop_grants(s: &Snapshot, topo: &Topology, a: &Analysis) -> BTreeSet<Grant> {
    let vpcs: BTreeSet<&str> = s.resources.network_interfaces.iter().map(|e| e.vpc_id.as_str()).collect();
    let opts = PathOptions { max_hops: 1, limit: usize::MAX, ..PathOptions::default() };
    let mut out = BTreeSet::new();
    for vpc in vpcs {
        let r = find_paths(topo, a, &Endpoint::Internet, &Endpoint::Resource(vpc.to_string()), &opts).unwrap();
        assert_eq!(r.not_shown, 0, "{vpc}: every path shown");
        for p in &r.paths {
            assert_eq!(p.hops.len(), 1, "{vpc}: {p:?}");
            let hop = &p.hops[0];
            assert_eq!(hop.from, "internet");
            let eni = hop.evidence.to_eni.clone().unwrap();
            for g in &hop.evidence.grants {
                let ports = g.ports.map(|p| p.to_string());
                let (source, ip) = (g.source.clone().unwrap(), g.public_ip.clone().unwrap());
                out.insert((eni.clone(), g.protocol.to_string(), ports, source, ip));
            }
        }
    }
    out
}

fn reaches(topo: &Topology, reach: &InternetReach, eni: &str) -> bool {
    reach.reaches(&topo.graph, ResourceKind::NetworkInterface, eni)
}

/// The claim on one estate; returns how many grants it compared.
fn exposure_is_one_hop_from_the_internet(s: &Snapshot) -> usize {
    let topo = Topology::build(s);
    let a = analyze_topology(&topo);
    let exposed = exposure_grants(&a);
    assert_eq!(exposed, one_hop_grants(s, &topo, &a));
    // Every exposed ENI is one the walk reached.
    let reach = internet_reach(&topo.graph);
    for (eni, ..) in &exposed {
        assert!(reaches(&topo, &reach, eni), "{eni} exposed but not reached from the internet node");
    }
    exposed.len()
}

#[test]
fn demo_exposure_is_the_one_hop_paths_from_the_internet() {
    let s = demo_snapshot().expect("demo estate loads");
    // The documented cases (demo_findings.rs) with an ENI: bastion, two ALB ENIs × two
    // listeners, IPv6 web, partner gateway, staging web, NLB.
    assert_eq!(exposure_is_one_hop_from_the_internet(&s), 9);
}

#[test]
fn generated_exposure_is_the_one_hop_paths_from_the_internet() {
    let s = generate::generate(1_000, 3);
    let n = exposure_is_one_hop_from_the_internet(&s);
    assert!(n > 0, "the generated estate has exposures");
}

/// `Estate::public_web` with SSH open to the world, and igw-1 as `attach` leaves it.
fn ssh_open(attach: impl FnOnce(&mut inventory::model::InternetGateway)) -> Snapshot {
    let mut e =
        Estate::public_web().sg_in("sg-1", "tcp", "22", "0.0.0.0/0").with(|r| attach(&mut r.internet_gateways[0]));
    e.snap.normalize();
    e.snap
}

#[test]
fn the_walk_enters_through_attached_gateways_only() {
    let attached = ssh_open(|_| {});
    let topo = Topology::build(&attached);
    let g = &topo.graph;
    let igw = g.node(ResourceKind::InternetGateway, "igw-1").unwrap();
    let edges: Vec<Edge> = g.graph.edges_connecting(g.internet, igw).map(|e| e.weight().clone()).collect();
    assert_eq!(edges, vec![Edge::Internet { unseen: None }]);
    assert!(reaches(&topo, &internet_reach(g), "eni-1"));
    let a = analyze_topology(&topo);
    assert_eq!(a.exposures.iter().map(|f| f.eni_id.as_str()).collect::<Vec<_>>(), ["eni-1"]);

    // The same gateway, attached to nothing: the walk stops at it.
    let detached = ssh_open(|igw| igw.attachments.clear());
    let topo = Topology::build(&detached);
    let reach = internet_reach(&topo.graph);
    assert!(!reaches(&topo, &reach, "eni-1"));
    assert!(!reach.reaches(&topo.graph, ResourceKind::Vpc, "vpc-1"));
    assert!(reach.reaches(&topo.graph, ResourceKind::InternetGateway, "igw-1"));
}

#[test]
fn an_unreached_public_eni_keeps_its_why() {
    let s = ssh_open(|igw| igw.attachments.clear());
    let topo = Topology::build(&s);
    assert!(!reaches(&topo, &internet_reach(&topo.graph), "eni-1"));
    let a = analyze_topology(&topo);
    assert!(a.exposures.is_empty(), "{:?}", a.exposures);
    let why: Vec<(String, String, String, String)> = a
        .blocked
        .iter()
        .flat_map(|b| {
            b.reasons.iter().map(move |r| (b.eni_id.clone(), b.public_ip.clone(), r.protocol.clone(), r.reason.clone()))
        })
        .collect();
    let not_attached = |dest: &str| format!("route table rtb-1: {dest} → igw-1 — igw-1 is not attached to vpc-1");
    assert_eq!(
        why,
        [
            ("eni-1".into(), "198.51.100.10".into(), "all".into(), not_attached("0.0.0.0/0")),
            ("eni-1".into(), "2001:db8:1::10".into(), "all".into(), not_attached("::/0")),
        ]
    );
}

#[test]
fn a_gateway_only_routes_name_is_an_entry_too() {
    // igw-1 is not in the snapshot; the active routes to it are evidence it is attached.
    let mut e = Estate::public_web().sg_in("sg-1", "tcp", "22", "0.0.0.0/0").with(|r| r.internet_gateways.clear());
    e.snap.normalize();
    let topo = Topology::build(&e.snap);
    let g = &topo.graph;
    let vpc = g.node(ResourceKind::Vpc, "vpc-1").unwrap();
    let edges: Vec<Edge> = g.graph.edges_connecting(g.internet, vpc).map(|e| e.weight().clone()).collect();
    assert_eq!(edges, vec![Edge::Internet { unseen: Some("igw-1") }]);
    assert!(reaches(&topo, &internet_reach(g), "eni-1"));
    assert!(!analyze_topology(&topo).exposures.is_empty());
}

#[test]
fn an_interface_outside_its_subnets_vpc_is_not_exposed_but_says_why() {
    // eni-1 names vpc-1 (internet gateway attached) but sits in subnet-2 of vpc-2 (none):
    // its controls would admit SSH over IPv4, but no path from the internet node reaches it.
    let mut e = Estate::public_web().sg_in("sg-1", "tcp", "22", "0.0.0.0/0").with(|r| {
        r.vpcs.push(vpc("vpc-2", "10.1.0.0/16", None));
        r.subnets.push(subnet("subnet-2", "vpc-2", "10.1.1.0/24"));
        r.network_interfaces[0].subnet_id = "subnet-2".into();
    });
    e.snap.normalize();
    let topo = Topology::build(&e.snap);
    assert!(!reaches(&topo, &internet_reach(&topo.graph), "eni-1"));
    let a = analyze_topology(&topo);
    assert!(a.exposures.is_empty(), "{:?}", a.exposures);
    let why: Vec<(&str, &str, &str)> = a
        .blocked
        .iter()
        .flat_map(|b| b.reasons.iter().map(move |r| (b.eni_id.as_str(), b.public_ip.as_str(), r.reason.as_str())))
        .collect();
    let reason = "no path from the internet: no internet gateway attached to vpc-1 reaches it";
    // IPv6: the controls stop it themselves, and say so as before.
    let v6 = |p: &str| format!("security groups sg-1 admit no {p} from these sources");
    let (icmp, tcp, udp) = (v6("icmpv6"), v6("tcp"), v6("udp"));
    let ip6 = "2001:db8:1::10";
    assert_eq!(
        why,
        [("eni-1", "198.51.100.10", reason), ("eni-1", ip6, &icmp), ("eni-1", ip6, &tcp), ("eni-1", ip6, &udp)]
    );
}
