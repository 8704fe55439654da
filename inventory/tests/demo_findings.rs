//! The demo estate's exact analysis results; the cases are listed in
//! examples/estates/README.md ("Exposure cases").
mod common;

use common::show;
use inventory::analysis::{analyze, Analysis, ConnectionVia, EgressVia, SubnetTier};
use inventory::demo::demo_snapshot;

fn demo() -> Analysis {
    analyze(&demo_snapshot().expect("demo estate loads"))
}

const PUB_RT: &str = "rtb-09a27a03ced0a2b26 0.0.0.0/0 → igw-08b039c3dd55064c2";
const PROD_NACL: &str = "acl-0b21bd8d58fa87567 in 100 out 100";

#[test]
fn demo_exposures_are_exactly_the_documented_cases() {
    let alb_a = "eni-048ee9bf12cce54f2";
    let alb_b = "eni-0a7989c5f93e80337";
    let alb_sg = "sg-0ff2e8b8af2006b9d";
    let nlb = "eni-06ab9b764a5d1a8ab";
    let alb = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/prod-web-alb/50dc6c495c0c9188";
    let nlb_arn =
        "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/net/prod-partner-nlb/53ecc0a2e2186332";
    let mut expected = vec![
        // 1: bastion, SSH from one partner /32 only.
        format!("i-0c1425424139e128e eni-02ddc55598d602106 V4 tcp/22 from 198.51.100.10/32 | {PUB_RT} | {PROD_NACL} | sg-0fc783549fafee1df tcp/22 from 198.51.100.10/32"),
        // 2: both ALB ENIs, on its two listeners (HTTP 80 redirects, HTTPS 443) from anywhere.
        format!("{alb} {alb_a} V4 tcp/80 from 0.0.0.0/0 | {PUB_RT} | {PROD_NACL} | {alb_sg} tcp/80 from 0.0.0.0/0"),
        format!("{alb} {alb_a} V4 tcp/443 from 0.0.0.0/0 | {PUB_RT} | {PROD_NACL} | {alb_sg} tcp/443 from 0.0.0.0/0"),
        format!("{alb} {alb_b} V4 tcp/80 from 0.0.0.0/0 | {PUB_RT} | {PROD_NACL} | {alb_sg} tcp/80 from 0.0.0.0/0"),
        format!("{alb} {alb_b} V4 tcp/443 from 0.0.0.0/0 | {PUB_RT} | {PROD_NACL} | {alb_sg} tcp/443 from 0.0.0.0/0"),
        // 8: IPv6-only web server through the IGW.
        "i-01aaf64d0f2451013 eni-08a823bf38c2dd537 V6 tcp/443 from ::/0 | rtb-09a27a03ced0a2b26 ::/0 → igw-08b039c3dd55064c2 | acl-0b21bd8d58fa87567 in 101 out 101 | sg-07f35d4df1645d9a0 tcp/443 from ::/0".to_string(),
        // 9: partner gateway through a prefix list that contains 0.0.0.0/0.
        format!("i-01edb68b7464fd758 eni-0989a3403d4a65f35 V4 tcp/9443 from 0.0.0.0/0 | {PUB_RT} | {PROD_NACL} | sg-03e7584f7fd6cb5d0 tcp/9443 from pl-0e34061bf376cddac (entry 0.0.0.0/0)"),
        // 10: staging web server, subnet on the VPC main table.
        "i-045d317b9f33a0858 eni-09d0f277ed84fec93 V4 tcp/80 from 0.0.0.0/0 | rtb-0d8d74b1af1c6c66e(main) 0.0.0.0/0 → igw-0beaf81e89426e7f3 | acl-0824369413539b414 in 100 out 100 | sg-089d3ca2f6c6929fb tcp/80 from 0.0.0.0/0".to_string(),
        // 14: the partner NLB's ENI, without security groups: any client on its one
        // listener, TCP 9443.
        format!("{nlb_arn} {nlb} V4 tcp/9443 from 0.0.0.0/0 | {PUB_RT} | {PROD_NACL} |  no security groups (NLB): any client on its listener ports"),
    ];
    let a = demo();
    let mut got: Vec<String> = a.exposures.iter().map(show).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);

    // Addresses and names as the table shows them.
    let bastion = a.exposures.iter().find(|f| f.resource_id == "i-0c1425424139e128e").unwrap();
    assert_eq!(bastion.public_ip, "203.0.113.10");
    assert_eq!(bastion.name.as_deref(), Some("prod-bastion-1"));
    let staging = a.exposures.iter().find(|f| f.resource_id == "i-045d317b9f33a0858").unwrap();
    assert!(staging.evidence.route_table_main);
}

#[test]
fn demo_load_balancer_targets() {
    let a = demo();
    let got: Vec<String> = a
        .behind_load_balancers
        .iter()
        .map(|t| {
            format!(
                "{} {} → {} {} {}/{} {}",
                t.listener.load_balancer_name,
                t.listener.label(),
                t.target_group_name,
                t.target_id,
                t.protocol,
                t.port,
                t.reach.as_str()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "prod-web-alb HTTPS 443 → prod-web i-046c37331a2918a8b tcp/8080 reachable",
            "prod-web-alb HTTPS 443 → prod-web i-074d13fabe7d18650 tcp/8080 reachable",
            "prod-partner-nlb TCP 9443 → prod-partner-ips 10.10.1.13 tcp/9443 reachable",
            "prod-partner-nlb TCP 9443 → prod-partner-ips 192.168.10.5 tcp/9443 not evaluated",
        ]
    );
    // The web tier admits the ALB's group: the evidence names the rule.
    assert!(a.behind_load_balancers[0].evidence.iter().any(|e| e.starts_with("sg-04f2773762a80f0b7: tcp/8080 from")));
    // The internet reaches prod-web-alb on its two listeners only (80 redirects).
    let alb: Vec<String> = a
        .exposures
        .iter()
        .filter_map(|f| f.load_balancer.as_ref().filter(|l| l.load_balancer_name == "prod-web-alb").map(|l| l.label()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(alb, ["HTTP 80", "HTTPS 443"]);
}

#[test]
fn demo_egress_tiers() {
    let a = demo();
    let tier = |s: &str| a.egress.iter().find(|e| e.subnet_id == s).map(|e| (e.tier, e.ipv4, e.ipv6)).unwrap();
    assert_eq!(
        tier("subnet-09b6d4c090cf2b614"),
        (SubnetTier::Public, EgressVia::InternetGateway, EgressVia::InternetGateway)
    );
    assert_eq!(
        tier("subnet-0a7c67577410f06fa"),
        (SubnetTier::Private, EgressVia::NatGateway, EgressVia::EgressOnlyInternetGateway)
    );
    // The staging legacy subnet's default route is a blackhole to a detached IGW.
    assert_eq!(tier("subnet-0c42341f5ed0c2f4a"), (SubnetTier::Isolated, EgressVia::None, EgressVia::None));
    assert_eq!(tier("subnet-09fe8a085b14e97f2"), (SubnetTier::Public, EgressVia::InternetGateway, EgressVia::None));
    assert_eq!(a.egress.len(), demo_snapshot().unwrap().resources.subnets.len());
}

#[test]
fn demo_segmentation() {
    let a = demo();
    let got: Vec<String> = a
        .segmentation
        .iter()
        .map(|c| {
            format!(
                "{} -> {} via {:?} {} {:?} prod_from_nonprod={}",
                c.from_vpc_id, c.to_id, c.via, c.via_id, c.cidrs, c.prod_from_nonprod
            )
        })
        .collect();
    let prod = "vpc-03ff7338c5e6a1e40";
    let staging = "vpc-0b25874defdab4e8c";
    let shared = "vpc-084e8b2940c925acb";
    let tgw = "tgw-0e66b059f88c0cc7d";
    let pcx = "pcx-09c1a61f3eb535030";
    let expected = vec![
        format!("{prod} -> cgw-0cd50760d05ee6019 via TransitGateway {tgw} [\"192.168.0.0/16\"] prod_from_nonprod=false"),
        format!("{prod} -> {shared} via TransitGateway {tgw} [\"10.30.0.0/16\"] prod_from_nonprod=false"),
        format!("{prod} -> {staging} via Peering {pcx} [\"10.20.0.0/16\"] prod_from_nonprod=false"),
        format!("{shared} -> cgw-0cd50760d05ee6019 via TransitGateway {tgw} [\"192.168.0.0/16\"] prod_from_nonprod=true"),
        format!("{shared} -> {prod} via TransitGateway {tgw} [\"10.10.0.0/16\"] prod_from_nonprod=true"),
        format!("{staging} -> cgw-06862d478d7127281 via Vpn vpn-0899a85dcb88dacb7 [\"192.168.0.0/16\"] prod_from_nonprod=false"),
        format!("{staging} -> {prod} via Peering {pcx} [\"10.10.0.0/16\"] prod_from_nonprod=true"),
    ];
    assert_eq!(got, expected);
    // Peering evidence names the routes on both sides.
    let p = a.segmentation.iter().find(|c| c.via == ConnectionVia::Peering && &*c.from_vpc_id == prod).unwrap();
    assert!(
        p.evidence.iter().any(|e| e.starts_with("return: rtb-0ab57eafa5637aba0: 10.10.0.0/16")),
        "{:?}",
        p.evidence
    );
    // The TGW blackhole route to 10.99.0.0/16 never shows up.
    assert!(a.segmentation.iter().all(|c| !c.cidrs.iter().any(|x| x.starts_with("10.99."))));
}

#[test]
fn demo_sg_flows_follow_the_documented_chain() {
    let a = demo();
    let has = |from: &str, to: &str, port: u16| {
        a.sg_flows.iter().any(|f| {
            f.from_security_group_id == from
                && f.to_security_group_id == to
                && f.ports.is_some_and(|p| p.contains(port))
        })
    };
    assert!(has("sg-0ff2e8b8af2006b9d", "sg-04f2773762a80f0b7", 8080)); // alb → web
    assert!(has("sg-04f2773762a80f0b7", "sg-0f25deb99aa2268d1", 8443)); // web → app
    assert!(has("sg-0f25deb99aa2268d1", "sg-02d5c1d66cc1de9eb", 5432)); // app → db
}
