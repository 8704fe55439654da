//! Exact-set exposure (issue 12): partial-range controls narrow the reported sources,
//! return routes are looked up per address, SG-less NLB interfaces, ingress routing
//! through inspection points, and the "why not" explanations. IPv4 and IPv6.
mod common;

use common::*;
use inventory::analysis::Analysis;
use inventory::model::*;

fn web() -> Estate {
    Estate::public_web().sg_in("sg-1", "tcp", "443", "0.0.0.0/0").sg_in("sg-1", "tcp", "443", "::/0")
}

/// (ip version, ports, source text) of every finding.
fn sources(a: &Analysis) -> Vec<String> {
    a.exposures
        .iter()
        .map(|f| {
            format!("{:?} {} from {}", f.ip_version, f.ports_label(inventory::facts::PortStyle::Short), f.source_text)
        })
        .collect()
}

fn reasons(a: &Analysis) -> Vec<String> {
    a.blocked
        .iter()
        .flat_map(|b| b.reasons.iter().map(|r| format!("{} from {}: {}", r.protocol, r.sources, r.reason)))
        .collect()
}

#[test]
fn more_specific_return_routes_carve_sources_out_for_every_target_kind() {
    for target in ["nat-1", "vgw-1", "pcx-1", "tgw-1", "eni-9", "vpce-9"] {
        let a = web().set_route("rtb-1", "0.0.0.0/1", target).analyze();
        assert_eq!(
            sources(&a),
            vec!["V4 tcp/443 from 128.0.0.0/1", "V6 tcp/443 from ::/0"],
            "replies to 0.0.0.0/1 leave by {target}"
        );
    }
    // A blackhole is no better.
    let a = web().set_route("rtb-1", "198.51.100.0/24", "igw-1").blackhole("rtb-1", "198.51.100.0/24").analyze();
    assert_eq!(sources(&a)[0], "V4 tcp/443 from 0.0.0.0/0 except 198.51.100.0/24");
    // The same for IPv6: 2001:db8::/32 replies go to a peering.
    let a = web().set_route("rtb-1", "2001:db8::/32", "pcx-1").analyze();
    assert_eq!(sources(&a)[1], "V6 tcp/443 from ::/0 except 2001:db8::/32");
}

#[test]
fn nacl_partial_denies_narrow_sources_in_both_directions_and_families() {
    // Inbound deny of 0.0.0.0/1 before the allow.
    let a = web().nacl(90, false, "-1", "", "0.0.0.0/1", false).analyze();
    assert_eq!(sources(&a)[0], "V4 tcp/443 from 128.0.0.0/1");
    // Outbound (the replies) deny of 128.0.0.0/1.
    let a = web().nacl(90, true, "tcp", "1024-65535", "128.0.0.0/1", false).analyze();
    assert_eq!(sources(&a)[0], "V4 tcp/443 from 0.0.0.0/1");
    // IPv6: inbound deny of 8000::/1, outbound deny of 4000::/2 replies.
    let a = web().nacl(90, false, "-1", "", "8000::/1", false).nacl(91, true, "-1", "", "4000::/2", false).analyze();
    assert_eq!(sources(&a)[1], "V6 tcp/443 from ::/2");
    // Several holes read as "except".
    let a = web()
        .nacl(80, false, "tcp", "443", "203.0.113.0/24", false)
        .nacl(81, false, "tcp", "443", "192.0.2.0/24", false)
        .analyze();
    assert_eq!(sources(&a)[0], "V4 tcp/443 from 0.0.0.0/0 except 192.0.2.0/24, 203.0.113.0/24");
    let f = &a.exposures[0];
    assert_eq!(f.source.to_string(), "0.0.0.0/0");
    assert!(f.sources.len() > 2 && !f.sources.iter().any(|c| c.to_string() == "203.0.113.0/24"));
}

#[test]
fn why_names_the_first_control_that_stops_each_candidate() {
    let a = web().nacl(90, false, "tcp", "443", "0.0.0.0/0", false).clear_nacl(true).analyze();
    let why = reasons(&a);
    assert!(
        why.contains(
            &"all from 0.0.0.0/0: NACL acl-1 outbound: no rule allows tcp replies to ports 1024-65535".to_string()
        ) || why.iter().any(|r| r.starts_with("tcp from 0.0.0.0/0: NACL acl-1 outbound: no rule allows tcp replies")),
        "{why:#?}"
    );
    let a =
        web().nacl(90, false, "tcp", "443", "0.0.0.0/0", false).nacl(91, false, "tcp", "443", "::/0", false).analyze();
    let why = reasons(&a);
    assert!(
        why.contains(
            &"tcp from 0.0.0.0/0: NACL acl-1 inbound #90 denies tcp/443 (security groups admit tcp/443)".to_string()
        ),
        "{why:#?}"
    );
    assert!(
        why.contains(
            &"tcp from ::/0: NACL acl-1 inbound #91 denies tcp/443 (security groups admit tcp/443)".to_string()
        ),
        "{why:#?}"
    );
    let a = web().set_route("rtb-1", "0.0.0.0/0", "nat-1").set_route("rtb-1", "::/0", "eigw-1").analyze();
    let why = reasons(&a);
    assert!(why.iter().any(|r| r.starts_with("all from 0.0.0.0/0: route table rtb-1: 0.0.0.0/0 → nat-1")), "{why:#?}");
    assert!(why.iter().any(|r| r.contains("eigw-1 (egress-only internet gateway)")), "{why:#?}");
    assert!(a.exposures.is_empty() && a.blocked.len() == 2);
}

fn nlb(e: Estate, sgs: &[&str]) -> Estate {
    e.with(|r| {
        let mut n = eni("eni-nlb", "vpc-1", "subnet-1", "10.0.1.50", Some("198.51.100.50"), &[], sgs, None);
        n.service = ServiceKind::Elb;
        n.interface_type = "network_load_balancer".into();
        n.description = "ELB net/public-nlb/0123456789abcdef".into();
        r.network_interfaces.push(n);
    })
}

#[test]
fn internet_facing_nlb_without_security_groups_is_exposed_on_its_listener_ports() {
    let a = nlb(Estate::public_web(), &[]).analyze();
    let got: Vec<String> = a
        .exposures
        .iter()
        .filter(|f| f.eni_id == "eni-nlb")
        .map(|f| {
            format!(
                "{} {} from {} | {}",
                f.protocol,
                f.ports_label(inventory::facts::PortStyle::Short),
                f.source_text,
                f.evidence.sg_rule
            )
        })
        .collect();
    assert_eq!(got, vec![
        "tcp tcp: listener ports (not in EC2 data) from 0.0.0.0/0 | no security groups (NLB): any client on its listener ports",
        "udp udp: listener ports (not in EC2 data) from 0.0.0.0/0 | no security groups (NLB): any client on its listener ports",
    ]);
    // Its subnet's NACL still applies: only 443 allowed inbound narrows the ports it can have.
    let a =
        nlb(Estate::public_web().clear_nacl(false).nacl(100, false, "tcp", "443", "0.0.0.0/0", true), &[]).analyze();
    let f: Vec<_> = a.exposures.iter().filter(|f| f.eni_id == "eni-nlb").collect();
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].protocol, f[0].ports), (Protocol::Tcp, Some(PortRange::single(443))));
    // With a security group, the group decides as for any interface.
    let a = nlb(Estate::public_web(), &["sg-1"]).analyze();
    assert!(a.exposures.iter().all(|f| f.eni_id != "eni-nlb"));
}

fn inspected(e: Estate, edge_target: &str, subnet_default: &str) -> Estate {
    e.set_route("rtb-1", "0.0.0.0/0", subnet_default).with(|r| {
        let mut t = route_table(
            "rtb-edge",
            "vpc-1",
            false,
            &[],
            vec![route("10.0.0.0/16", "local"), route("10.0.1.0/24", edge_target)],
        );
        t.associations.push(RouteTableAssociation {
            id: "rtbassoc-edge".into(),
            main: false,
            subnet_id: None,
            gateway_id: Some("igw-1".into()),
        });
        r.route_tables.push(t);
        r.vpc_endpoints.push(VpcEndpoint {
            id: "vpce-gwlb".into(),
            account_id: ACCT.into(),
            region: REGION.into(),
            arn: None,
            vpc_id: "vpc-1".into(),
            service_name: "com.amazonaws.vpce.eu-west-1.vpce-svc-0123".into(),
            endpoint_type: VpcEndpointType::GatewayLoadBalancer,
            state: Some("available".into()),
            route_table_ids: vec![],
            subnet_ids: vec!["subnet-9".into()],
            security_group_ids: vec![],
            network_interface_ids: vec![],
            private_dns_enabled: false,
            tags: Tags::new(),
        });
    })
}

#[test]
fn ingress_routing_puts_the_inspection_point_on_the_path() {
    let a = inspected(web(), "vpce-gwlb", "vpce-gwlb").analyze();
    let f = a
        .exposures
        .iter()
        .find(|f| f.ip_version == inventory::analysis::IpVersion::V4)
        .expect("exposed through the GWLB endpoint");
    assert_eq!(f.source_text, "0.0.0.0/0");
    assert_eq!(f.evidence.ingress_route.as_deref(), Some("rtb-edge: 10.0.1.0/24 → vpce-gwlb"));
    assert_eq!(
        f.evidence.inspection_point.as_deref(),
        Some("vpce-gwlb (Gateway Load Balancer endpoint); its filtering policy is not in EC2 data")
    );
    assert_eq!(f.evidence.route, "0.0.0.0/0 → vpce-gwlb");
    // An appliance ENI as the inspection point.
    let a = inspected(web(), "eni-fw", "eni-fw").analyze();
    assert!(a.exposures.iter().any(|f| f
        .evidence
        .inspection_point
        .as_deref()
        .is_some_and(|p| p.starts_with("eni-fw (appliance network interface)"))));
    // Replies through a GWLB endpoint that requests never pass (no edge route): asymmetric, dropped.
    let a = web().set_route("rtb-1", "0.0.0.0/0", "vpce-gwlb").analyze();
    assert!(a.exposures.iter().all(|f| f.ip_version != inventory::analysis::IpVersion::V4));
    // A blackholed ingress route stops everything.
    let a = inspected(web(), "vpce-gwlb", "vpce-gwlb").blackhole("rtb-edge", "10.0.1.0/24").analyze();
    assert!(a.exposures.iter().all(|f| f.ip_version != inventory::analysis::IpVersion::V4));
    assert!(
        reasons(&a).iter().any(|r| r.contains("ingress route table rtb-edge: 10.0.1.0/24 → vpce-gwlb is a blackhole")),
        "{:#?}",
        reasons(&a)
    );
}

#[test]
fn a_nat_gateway_address_is_never_exposed_and_says_why() {
    let a = Estate::public_web()
        .with(|r| {
            let mut n = eni("eni-nat", "vpc-1", "subnet-1", "10.0.1.60", Some("198.51.100.60"), &[], &[], None);
            n.service = ServiceKind::Nat;
            n.interface_type = "nat_gateway".into();
            r.network_interfaces.push(n);
        })
        .analyze();
    let b = a.blocked.iter().find(|b| b.eni_id == "eni-nat").expect("explained");
    assert_eq!(b.reasons[0].reason, "NAT gateway interface: accepts no connections from the internet");
}
