//! Graph construction, subnet egress and segmentation on tiny estates.
mod common;

use common::*;
use inventory::analysis::{environment, is_production, ConnectionVia, EgressVia, ReturnPath, SubnetTier};
use inventory::model::*;
use inventory::topology::{Edge, Topology};

fn two_vpcs() -> Estate {
    Estate::empty().with(|r| {
        r.vpcs.push(vpc("vpc-a", "10.1.0.0/16", Some("dev")));
        r.vpcs.push(vpc("vpc-b", "10.2.0.0/16", Some("Production")));
        r.subnets.push(subnet("subnet-a", "vpc-a", "10.1.1.0/24"));
        r.subnets.push(subnet("subnet-b", "vpc-b", "10.2.1.0/24"));
        r.route_tables.push(route_table("rtb-a", "vpc-a", true, &[], vec![route("10.1.0.0/16", "local")]));
        r.route_tables.push(route_table("rtb-b", "vpc-b", true, &[], vec![route("10.2.0.0/16", "local")]));
    })
}

fn peering(status: &str) -> VpcPeeringConnection {
    let side = |v: &str, c: &str| PeeringSide {
        account_id: ACCT.into(),
        region: REGION.into(),
        vpc_id: v.into(),
        cidr_blocks: vec![net(c)],
    };
    VpcPeeringConnection {
        id: "pcx-1".into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        requester: side("vpc-a", "10.1.0.0/16"),
        accepter: side("vpc-b", "10.2.0.0/16"),
        status: status.into(),
        tags: Tags::new(),
    }
}

#[test]
fn graph_has_typed_edges_and_effective_route_table() {
    let e = Estate::public_web().sg_in("sg-1", "tcp", "22", "sg-1");
    let mut s = e.snap.clone();
    s.normalize();
    let t = Topology::build(&s);
    let g = &t.graph;
    assert_eq!(g.graph.node_count(), s.resources.total() + 1, "a node per resource, and the internet");
    let edge = |from: (ResourceKind, &str), to: (ResourceKind, &str)| {
        let (a, b) = (g.node(from.0, from.1).unwrap(), g.node(to.0, to.1).unwrap());
        g.graph.edges_connecting(a, b).map(|e| e.weight().clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        edge((ResourceKind::Subnet, "subnet-1"), (ResourceKind::RouteTable, "rtb-1")),
        vec![Edge::UsesRouteTable { main: true }]
    );
    assert_eq!(edge((ResourceKind::Vpc, "vpc-1"), (ResourceKind::Subnet, "subnet-1")), vec![Edge::Contains]);
    assert_eq!(edge((ResourceKind::InternetGateway, "igw-1"), (ResourceKind::Vpc, "vpc-1")), vec![Edge::Attached]);
    assert_eq!(edge((ResourceKind::NetworkAcl, "acl-1"), (ResourceKind::Subnet, "subnet-1")), vec![Edge::Filters]);
    assert_eq!(
        edge((ResourceKind::SecurityGroup, "sg-1"), (ResourceKind::NetworkInterface, "eni-1")),
        vec![Edge::Protects]
    );
    let routes = edge((ResourceKind::RouteTable, "rtb-1"), (ResourceKind::InternetGateway, "igw-1"));
    assert_eq!(routes.len(), 2, "0.0.0.0/0 and ::/0 → igw-1: {routes:?}");
    assert!(matches!(
        edge((ResourceKind::SecurityGroup, "sg-1"), (ResourceKind::SecurityGroup, "sg-1"))[0],
        Edge::SgReference { ingress: true, .. }
    ));
}

#[test]
fn egress_classification() {
    let cases: Vec<(&str, Estate, (EgressVia, EgressVia, SubnetTier))> = vec![
        (
            "IGW both families",
            Estate::public_web(),
            (EgressVia::InternetGateway, EgressVia::InternetGateway, SubnetTier::Public),
        ),
        (
            "NAT (unknown to the snapshot) and EIGW",
            Estate::public_web().set_route("rtb-1", "0.0.0.0/0", "nat-1").set_route("rtb-1", "::/0", "eigw-1"),
            (EgressVia::NatGateway, EgressVia::EgressOnlyInternetGateway, SubnetTier::Private),
        ),
        (
            "blackhole and no v6 route",
            Estate::public_web()
                .blackhole("rtb-1", "0.0.0.0/0")
                .with(|r| r.route_tables[0].routes.retain(|x| x.destination.to_string() != "::/0")),
            (EgressVia::None, EgressVia::None, SubnetTier::Isolated),
        ),
        (
            "default route to a TGW",
            Estate::public_web().set_route("rtb-1", "0.0.0.0/0", "tgw-1").set_route("rtb-1", "::/0", "tgw-1"),
            (EgressVia::Other, EgressVia::Other, SubnetTier::Private),
        ),
        (
            "IGW detached from this VPC",
            Estate::public_web().with(|r| r.internet_gateways[0].attachments.clear()),
            (EgressVia::None, EgressVia::None, SubnetTier::Isolated),
        ),
    ];
    for (name, e, expected) in cases {
        let a = e.analyze();
        let s = &a.egress[0];
        assert_eq!((s.ipv4, s.ipv6, s.tier), expected, "{name}");
    }
}

#[test]
fn peering_needs_active_status_and_routes() {
    let routed = |e: Estate| {
        e.with(|r| {
            r.route_tables[0].routes.push(route("10.2.0.0/16", "pcx-1"));
        })
    };
    assert!(routed(two_vpcs().with(|r| r.vpc_peering_connections.push(peering("pending-acceptance"))))
        .analyze()
        .segmentation
        .is_empty());
    assert!(two_vpcs().with(|r| r.vpc_peering_connections.push(peering("active"))).analyze().segmentation.is_empty());
    let a = routed(two_vpcs().with(|r| r.vpc_peering_connections.push(peering("active")))).analyze();
    assert_eq!(a.segmentation.len(), 1);
    let c = &a.segmentation[0];
    assert_eq!((&*c.from_vpc_id, &*c.to_id, c.via, &*c.via_id), ("vpc-a", "vpc-b", ConnectionVia::Peering, "pcx-1"));
    assert_eq!(strs(&c.cidrs), vec!["10.2.0.0/16"]);
    assert_eq!(
        strs(&c.evidence),
        vec![
            "return: no route back to vpc-a through pcx-1 in vpc-b (as far as the snapshot shows)",
            "rtb-a: 10.2.0.0/16 → pcx-1"
        ]
    );
    assert_eq!(c.return_path, ReturnPath::Missing);
    // A route back that covers vpc-a's CIDR makes it two-way; one for another range does not.
    let back = |dest: &'static str| {
        move |r: &mut Resources| {
            let t = r.route_tables.iter_mut().find(|t| t.vpc_id == "vpc-b").expect("vpc-b table");
            t.routes.push(route(dest, "pcx-1"));
        }
    };
    let a = routed(two_vpcs().with(|r| r.vpc_peering_connections.push(peering("active"))).with(back("10.1.0.0/16")))
        .analyze();
    let c = a.segmentation.iter().find(|c| &*c.from_vpc_id == "vpc-a").expect("a → b");
    assert_eq!(c.return_path, ReturnPath::Routed, "{:#?}", c.evidence);
    let a = routed(two_vpcs().with(|r| r.vpc_peering_connections.push(peering("active"))).with(back("192.168.0.0/16")))
        .analyze();
    let c = a.segmentation.iter().find(|c| &*c.from_vpc_id == "vpc-a").expect("a → b");
    assert_eq!(c.return_path, ReturnPath::Missing, "{:#?}", c.evidence);
    assert_eq!(
        (c.from_environment.as_deref(), c.to_environment.as_deref(), c.prod_from_nonprod),
        (Some("dev"), Some("Production"), true)
    );
}

fn tgw_estate(vpc_a_routes_to_tgw: bool) -> Estate {
    let att = |id: &str, vpc: &str| TransitGatewayAttachment {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        transit_gateway_id: "tgw-1".into(),
        transit_gateway_owner_id: None,
        resource_type: TgwAttachmentResourceType::Vpc,
        resource_id: Some(vpc.into()),
        resource_owner_id: None,
        state: Some("available".into()),
        association_route_table_id: Some("tgw-rtb-1".into()),
        subnet_ids: vec![],
        tags: Tags::new(),
    };
    let aref = |id: &str, vpc: &str| TgwAttachmentRef {
        attachment_id: id.into(),
        resource_type: TgwAttachmentResourceType::Vpc,
        resource_id: Some(vpc.into()),
    };
    two_vpcs().with(|r| {
        r.transit_gateway_attachments.push(att("tgw-attach-a", "vpc-a"));
        r.transit_gateway_attachments.push(att("tgw-attach-b", "vpc-b"));
        let troute = |dest: &str, id: &str, vpc: &str, state: RouteState| TgwRoute {
            destination: RouteDestination::Cidr(net(dest)),
            attachments: vec![aref(id, vpc)],
            route_type: TgwRouteType::Propagated,
            state,
        };
        r.transit_gateway_route_tables.push(TransitGatewayRouteTable {
            id: "tgw-rtb-1".into(),
            account_id: ACCT.into(),
            region: REGION.into(),
            arn: None,
            transit_gateway_id: "tgw-1".into(),
            default_association_route_table: true,
            default_propagation_route_table: true,
            routes: vec![
                troute("10.1.0.0/16", "tgw-attach-a", "vpc-a", RouteState::Active),
                troute("10.2.0.0/16", "tgw-attach-b", "vpc-b", RouteState::Active),
                troute("10.3.0.0/16", "tgw-attach-b", "vpc-b", RouteState::Blackhole),
            ],
            associations: vec![aref("tgw-attach-a", "vpc-a"), aref("tgw-attach-b", "vpc-b")],
            propagations: vec![],
            tags: Tags::new(),
        });
        if vpc_a_routes_to_tgw {
            r.route_tables[0].routes.push(route("10.0.0.0/8", "tgw-1"));
        }
    })
}

#[test]
fn transit_gateway_connections_need_routes_on_both_levels() {
    assert!(tgw_estate(false).analyze().segmentation.is_empty());
    let a = tgw_estate(true).analyze();
    assert_eq!(a.segmentation.len(), 1, "{:#?}", a.segmentation);
    let c = &a.segmentation[0];
    assert_eq!(
        (&*c.from_vpc_id, &*c.to_id, c.via, &*c.via_id),
        ("vpc-a", "vpc-b", ConnectionVia::TransitGateway, "tgw-1")
    );
    assert_eq!(strs(&c.cidrs), vec!["10.2.0.0/16"]);
    assert_eq!(
        strs(&c.evidence),
        vec![
            "return: no route in vpc-b back to vpc-a through tgw-1",
            "return: tgw-attach-b uses TGW route table tgw-rtb-1",
            "return: tgw-rtb-1: 10.1.0.0/16 → tgw-attach-a",
            "rtb-a: 10.0.0.0/8 → tgw-1",
            "tgw-attach-a uses TGW route table tgw-rtb-1",
            "tgw-rtb-1: 10.2.0.0/16 → tgw-attach-b"
        ]
    );
    assert!(c.prod_from_nonprod);
    assert_eq!(c.return_path, ReturnPath::Missing);
    // vpc-b routing back to the TGW completes the return path.
    let a = tgw_estate(true)
        .with(|r| {
            let t = r.route_tables.iter_mut().find(|t| t.vpc_id == "vpc-b").expect("vpc-b table");
            t.routes.push(route("10.1.0.0/16", "tgw-1"));
        })
        .analyze();
    let c = a.segmentation.iter().find(|c| &*c.from_vpc_id == "vpc-a").expect("a → b");
    assert_eq!(c.return_path, ReturnPath::Routed, "{:#?}", c.evidence);
    // Without the TGW route back to tgw-attach-a, replies stop at the TGW.
    let a = tgw_estate(true)
        .with(|r| {
            let t = r.route_tables.iter_mut().find(|t| t.vpc_id == "vpc-b").expect("vpc-b table");
            t.routes.push(route("10.1.0.0/16", "tgw-1"));
            r.transit_gateway_route_tables[0].routes.retain(|x| x.destination.to_string() != "10.1.0.0/16");
        })
        .analyze();
    let c = a.segmentation.iter().find(|c| &*c.from_vpc_id == "vpc-a").expect("a → b");
    assert_eq!(c.return_path, ReturnPath::Missing, "{:#?}", c.evidence);
}

#[test]
fn vpn_through_a_vgw_with_propagation() {
    let a = two_vpcs()
        .with(|r| {
            r.vpn_gateways.push(VpnGateway {
                id: "vgw-1".into(),
                account_id: ACCT.into(),
                region: REGION.into(),
                arn: None,
                state: None,
                amazon_side_asn: None,
                attachments: vec![VpcAttachment { vpc_id: "vpc-a".into(), state: "attached".into() }],
                tags: Tags::new(),
            });
            r.vpn_connections.push(VpnConnection {
                id: "vpn-1".into(),
                account_id: ACCT.into(),
                region: REGION.into(),
                arn: None,
                customer_gateway_id: "cgw-1".into(),
                vpn_gateway_id: Some("vgw-1".into()),
                transit_gateway_id: None,
                state: Some("available".into()),
                static_routes_only: true,
                static_routes: vec![net("192.168.0.0/16")],
                tunnels: vec![],
                tags: Tags::new(),
            });
            r.route_tables[0].propagating_vgws.push("vgw-1".into());
        })
        .analyze();
    assert_eq!(a.segmentation.len(), 1);
    let c = &a.segmentation[0];
    assert_eq!(
        (&*c.to_id, c.to_kind, c.via, &*c.via_id),
        ("cgw-1", ResourceKind::CustomerGateway, ConnectionVia::Vpn, "vpn-1")
    );
    assert_eq!(strs(&c.cidrs), vec!["192.168.0.0/16"]);
    assert!(strs(&c.evidence).contains(&"rtb-a: propagates routes from vgw-1"));
}

#[test]
fn environments_from_tags() {
    assert_eq!(environment(&tags(&[("ENV", "prod")])).as_deref(), Some("prod"));
    assert_eq!(environment(&tags(&[("Stage", "qa")])).as_deref(), Some("qa"));
    assert_eq!(environment(&tags(&[("Name", "x")])), None);
    assert!(is_production("Production") && is_production("prd") && !is_production("preprod") && !is_production("dev"));
}

#[test]
fn sg_flows_per_referencing_rule() {
    let a = Estate::public_web()
        .with(|r| {
            r.security_groups.push(sg(
                "sg-2",
                "vpc-1",
                vec![sg_rule("tcp", "5432", "sg-1"), sg_rule("tcp", "22", "0.0.0.0/0")],
            ))
        })
        .analyze();
    assert_eq!(a.sg_flows.len(), 1);
    let f = &a.sg_flows[0];
    assert_eq!(
        (f.from_security_group_id.as_str(), f.to_security_group_id.as_str(), f.ports),
        ("sg-1", "sg-2", Some(PortRange::single(5432)))
    );
}

#[test]
fn generated_estates_analyze_without_panic_and_deterministically() {
    for seed in [1, 7] {
        let snap = generate::generate(2_000, seed);
        let a = inventory::analysis::analyze(&snap);
        assert_eq!(a, inventory::analysis::analyze(&snap));
        assert_eq!(a.egress.len(), snap.resources.subnets.len(), "every subnet has an egress row");
        let mut sorted = a.exposures.clone();
        sorted.sort();
        assert_eq!(sorted, a.exposures, "findings are in their documented order");
    }
}

/// Shared texts as plain strings, to compare with literals.
fn strs(v: &[std::sync::Arc<str>]) -> Vec<&str> {
    v.iter().map(|s| &**s).collect()
}
