//! `find_paths` on small hand-built estates: one control at a time decides a hop.
mod common;

use common::*;
use inventory::analysis::{analyze_topology, find_paths, Endpoint, PathOptions, PathsError, PathsReport};
use inventory::model::*;
use inventory::topology::Topology;

/// vpc-1 (10.0.0.0/16): i-web (10.0.1.10, public 198.51.100.10, sg-web: tcp/443 from
/// anywhere) and i-app (10.0.1.20, sg-app: tcp/8443 from sg-web) in subnet-1; an RDS
/// ENI eni-db (10.0.2.30, sg-db: tcp/5432 from sg-app) in subnet-2. Main table rtb-1
/// (local, 0.0.0.0/0 → igw-1); default NACL acl-1 on both subnets.
fn estate() -> Estate {
    let mut e = Estate::empty();
    let r = &mut e.snap.resources;
    r.vpcs.push(vpc("vpc-1", "10.0.0.0/16", None));
    r.subnets.push(subnet("subnet-1", "vpc-1", "10.0.1.0/24"));
    r.subnets.push(subnet("subnet-2", "vpc-1", "10.0.2.0/24"));
    r.internet_gateways.push(igw("igw-1", "vpc-1"));
    r.route_tables.push(route_table(
        "rtb-1",
        "vpc-1",
        true,
        &[],
        vec![route("10.0.0.0/16", "local"), route("0.0.0.0/0", "igw-1")],
    ));
    r.network_acls.push(default_nacl("acl-1", "vpc-1"));
    r.security_groups.push(sg("sg-web", "vpc-1", vec![sg_rule("tcp", "443", "0.0.0.0/0")]));
    r.security_groups.push(sg("sg-app", "vpc-1", vec![sg_rule("tcp", "8443", "sg-web")]));
    r.security_groups.push(sg("sg-db", "vpc-1", vec![sg_rule("tcp", "5432", "sg-app")]));
    let mut web =
        eni("eni-web", "vpc-1", "subnet-1", "10.0.1.10", Some("198.51.100.10"), &[], &["sg-web"], Some("i-web"));
    web.tags = tags(&[("Role", "web")]);
    r.network_interfaces.push(web);
    r.network_interfaces.push(eni("eni-app", "vpc-1", "subnet-1", "10.0.1.20", None, &[], &["sg-app"], Some("i-app")));
    let mut db = eni("eni-db", "vpc-1", "subnet-2", "10.0.2.30", None, &[], &["sg-db"], None);
    db.service = ServiceKind::Rds;
    r.network_interfaces.push(db);
    e
}

/// vpc-2 (10.1.0.0/16) with i-remote (10.1.1.40, sg-remote: tcp/22 from 10.0.1.0/24)
/// in subnet-3, main table rtb-2 (local only), default NACL acl-3; pcx-1 active
/// between vpc-1 and vpc-2 but no route to it yet.
fn peered() -> Estate {
    estate().with(|r| {
        r.vpcs.push(vpc("vpc-2", "10.1.0.0/16", None));
        r.subnets.push(subnet("subnet-3", "vpc-2", "10.1.1.0/24"));
        r.route_tables.push(route_table("rtb-2", "vpc-2", true, &[], vec![route("10.1.0.0/16", "local")]));
        r.network_acls.push(default_nacl("acl-3", "vpc-2"));
        r.security_groups.push(sg("sg-remote", "vpc-2", vec![sg_rule("tcp", "22", "10.0.1.0/24")]));
        r.network_interfaces.push(eni(
            "eni-remote",
            "vpc-2",
            "subnet-3",
            "10.1.1.40",
            None,
            &[],
            &["sg-remote"],
            Some("i-remote"),
        ));
        let side = |v: &str, c: &str| PeeringSide {
            account_id: ACCT.into(),
            region: REGION.into(),
            vpc_id: v.into(),
            cidr_blocks: vec![net(c)],
        };
        r.vpc_peering_connections.push(VpcPeeringConnection {
            id: "pcx-1".into(),
            account_id: ACCT.into(),
            region: REGION.into(),
            arn: None,
            requester: side("vpc-1", "10.0.0.0/16"),
            accepter: side("vpc-2", "10.1.0.0/16"),
            status: "active".into(),
            tags: Tags::new(),
        });
    })
}

fn run_with(e: &Estate, from: &str, to: &str, opts: &PathOptions) -> Result<PathsReport, PathsError> {
    let mut s = e.snap.clone();
    s.normalize();
    let topo = Topology::build(&s);
    let analysis = analyze_topology(&topo);
    find_paths(&topo, &analysis, &Endpoint::parse(from)?, &Endpoint::parse(to)?, opts)
}

fn run(e: &Estate, from: &str, to: &str) -> PathsReport {
    run_with(e, from, to, &PathOptions::default()).expect("valid endpoints")
}

/// Each path as "a -tcp/443-> b -tcp/8443-> c".
fn chains(r: &PathsReport) -> Vec<String> {
    r.paths
        .iter()
        .map(|p| {
            let mut s = p.hops[0].from.clone();
            for h in &p.hops {
                s.push_str(&format!(" -{}/{}-> {}", h.protocol, h.ports, h.to));
            }
            s
        })
        .collect()
}

#[test]
fn internet_to_data_store_chain() {
    let r = run(&estate(), "internet", "data-stores");
    assert_eq!(r.from, "internet");
    assert_eq!(r.to, "data-stores");
    assert_eq!(chains(&r), ["internet -tcp/443-> i-web -tcp/8443-> i-app -tcp/5432-> eni-db"]);
    let hops = &r.paths[0].hops;
    // Internet hop: the exposure finding's evidence.
    let g = &hops[0].evidence.grants[0];
    assert_eq!(hops[0].sources, ["0.0.0.0/0"]);
    assert_eq!(g.sg_rule.as_deref(), Some("tcp/443 from 0.0.0.0/0"));
    assert_eq!(hops[0].evidence.return_route.as_ref().unwrap().route, "0.0.0.0/0 → igw-1");
    // Same subnet: SG reference, no NACL.
    let e = &hops[1].evidence;
    assert_eq!(hops[1].sources, ["10.0.1.10"]);
    assert_eq!(e.note.as_deref(), Some("same subnet: NACLs not evaluated"));
    assert_eq!(e.forward_route.as_ref().unwrap().route, "10.0.0.0/16 → local");
    assert_eq!(e.grants[0].security_group_id.as_deref(), Some("sg-app"));
    assert_eq!(e.grants[0].sg_rule.as_deref(), Some("tcp/8443 from sg-web"));
    assert!(e.grants[0].nacl.is_none());
    // Different subnets: both NACLs, both directions.
    let e = &hops[2].evidence;
    assert_eq!(e.note, None);
    assert_eq!(e.to_eni.as_deref(), Some("eni-db"));
    assert_eq!(
        e.grants[0].nacl.as_ref().unwrap().describe(),
        "acl-1 out #100, acl-1 in #100; replies acl-1 out #100, acl-1 in #100"
    );
}

#[test]
fn json_shape() {
    let r = run(&estate(), "i-web", "eni-db");
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["from"], "i-web");
    let hop = &v["paths"][0]["hops"][0];
    for k in ["from", "to", "protocol", "ports", "sources", "evidence"] {
        assert!(hop.get(k).is_some(), "{k} missing: {hop}");
    }
    assert_eq!(hop["ports"], "8443");
    assert!(v.get("not_shown").is_none());
    let one = PathOptions { max_hops: 1, ..PathOptions::default() };
    let none = serde_json::to_value(run_with(&estate(), "eni-db", "i-app", &one).unwrap()).unwrap();
    assert_eq!(none, serde_json::json!({"from": "eni-db", "to": "i-app", "paths": []}));
}

#[test]
fn nacl_deny_between_subnets_cuts_the_hop() {
    let with_acl2 = |entries: Vec<NaclEntry>| {
        estate().with(move |r| {
            let mut acl = default_nacl("acl-2", "vpc-1");
            acl.is_default = false;
            acl.associations = vec![NaclAssociation { id: "aclassoc-2".into(), subnet_id: "subnet-2".into() }];
            acl.entries.extend(entries);
            r.network_acls.push(acl);
        })
    };
    // Inbound deny of 5432 from subnet-1 before the allow-all.
    let e = with_acl2(vec![nacl_entry(90, false, "tcp", "5432", "10.0.1.0/24", false)]);
    assert_eq!(chains(&run(&e, "i-app", "eni-db")), Vec::<String>::new());
    // A deny for other ports leaves 5432: evidence names acl-2's allow rule.
    let e = with_acl2(vec![nacl_entry(90, false, "tcp", "22", "10.0.1.0/24", false)]);
    let r = run(&e, "i-app", "eni-db");
    assert_eq!(chains(&r), ["i-app -tcp/5432-> eni-db"]);
    assert_eq!(
        r.paths[0].hops[0].evidence.grants[0].nacl.as_ref().unwrap().describe(),
        "acl-1 out #100, acl-2 in #100; replies acl-2 out #100, acl-1 in #100"
    );
    // Replies blocked (stateless): acl-2 denies outbound ephemeral ports to subnet-1.
    let e = with_acl2(vec![nacl_entry(90, true, "tcp", "1024-65535", "10.0.1.0/24", false)]);
    assert!(run(&e, "i-app", "eni-db").paths.is_empty());
    // Same deny on a same-subnet hop changes nothing: NACLs filter only between subnets.
    let e = estate().nacl(90, false, "tcp", "8443", "10.0.1.0/24", false);
    assert_eq!(chains(&run(&e, "i-web", "i-app")), ["i-web -tcp/8443-> i-app"]);
}

#[test]
fn sg_reference_and_cidr_rules() {
    // No group of i-web is named by sg-db: no direct hop web → db.
    assert!(run(&estate(), "i-web", "eni-db").paths.iter().all(|p| p.hops.len() == 2));
    // A CIDR rule containing the source address admits it...
    let e = estate().sg_in("sg-db", "tcp", "5432-5433", "10.0.1.10/32");
    let r = run_with(&e, "i-web", "eni-db", &PathOptions { max_hops: 1, ..PathOptions::default() }).unwrap();
    assert_eq!(chains(&r), ["i-web -tcp/5432-5433-> eni-db"]);
    assert_eq!(r.paths[0].hops[0].evidence.grants[0].sg_rule.as_deref(), Some("tcp/5432-5433 from 10.0.1.10/32"));
    // ...one for another address does not.
    let e = estate().sg_in("sg-db", "tcp", "5432", "10.0.1.99/32");
    let r = run_with(&e, "i-web", "eni-db", &PathOptions { max_hops: 1, ..PathOptions::default() }).unwrap();
    assert!(r.paths.is_empty());
    // An "all" rule for the VPC collapses to one grant.
    let e = estate().sg_in("sg-db", "-1", "", "10.0.0.0/16");
    let r = run_with(&e, "i-web", "eni-db", &PathOptions { max_hops: 1, ..PathOptions::default() }).unwrap();
    assert_eq!(chains(&r), ["i-web -all/all-> eni-db"]);
}

#[test]
fn peering_needs_routes_both_ways() {
    // One hop only: sg-web admits 0.0.0.0/0, so longer detours via i-web exist too.
    let run = |e: &Estate, from: &str, to: &str| {
        run_with(e, from, to, &PathOptions { max_hops: 1, ..PathOptions::default() }).unwrap()
    };
    // No route to pcx-1 at all.
    assert!(run(&peered(), "i-app", "i-remote").paths.is_empty());
    // Forward route only: replies have no way back.
    let one_way = peered().set_route("rtb-1", "10.1.0.0/16", "pcx-1");
    assert!(run(&one_way, "i-app", "i-remote").paths.is_empty());
    // Both ways: the hop, with both routes and the peering as evidence.
    let both = one_way.set_route("rtb-2", "10.0.0.0/16", "pcx-1");
    let r = run(&both, "i-app", "i-remote");
    assert_eq!(chains(&r), ["i-app -tcp/22-> i-remote"]);
    let e = &r.paths[0].hops[0].evidence;
    assert_eq!(e.via, ["pcx-1"]);
    assert_eq!(e.forward_route.as_ref().unwrap().route, "10.1.0.0/16 → pcx-1");
    assert_eq!(e.return_route.as_ref().unwrap().route, "10.0.0.0/16 → pcx-1");
    assert_eq!(e.grants[0].nacl.as_ref().unwrap().from_nacl_id.as_deref(), Some("acl-1"));
    assert_eq!(e.grants[0].nacl.as_ref().unwrap().to_nacl_id.as_deref(), Some("acl-3"));
    // A return route through something else is not the same way back.
    let other = Estate { snap: both.snap.clone() }.set_route("rtb-2", "10.0.0.0/16", "igw-9");
    assert!(run(&other, "i-app", "i-remote").paths.is_empty());
    // An inactive peering carries nothing.
    let pending =
        Estate { snap: both.snap.clone() }.with(|r| r.vpc_peering_connections[0].status = "pending-acceptance".into());
    assert!(run(&pending, "i-app", "i-remote").paths.is_empty());
    // An SG reference to a peered group works across the peering.
    let by_ref = both.with(|r| {
        let g = r.security_groups.iter_mut().find(|g| g.id == "sg-remote").unwrap();
        g.ingress = vec![sg_rule("tcp", "22", "sg-app")];
    });
    assert_eq!(chains(&run(&by_ref, "i-app", "i-remote")), ["i-app -tcp/22-> i-remote"]);
    assert!(run(&by_ref, "i-web", "i-remote").paths.is_empty());
}

/// `peered()` without the peering routes: vpc-1 and vpc-2 attached to tgw-1, routes
/// both ways in the VPC tables and in the TGW route table (`tgw_return`: vpc-2 → vpc-1).
fn tgw_linked(tgw_return: bool) -> Estate {
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
    let troute = |dest: &str, id: &str, vpc: &str| TgwRoute {
        destination: RouteDestination::Cidr(net(dest)),
        attachments: vec![aref(id, vpc)],
        route_type: TgwRouteType::Propagated,
        state: RouteState::Active,
    };
    let mut routes = vec![troute("10.1.0.0/16", "tgw-attach-2", "vpc-2")];
    if tgw_return {
        routes.push(troute("10.0.0.0/16", "tgw-attach-1", "vpc-1"));
    }
    peered().set_route("rtb-1", "10.1.0.0/16", "tgw-1").set_route("rtb-2", "10.0.0.0/16", "tgw-1").with(|r| {
        r.vpc_peering_connections.clear();
        r.transit_gateway_attachments.push(att("tgw-attach-1", "vpc-1"));
        r.transit_gateway_attachments.push(att("tgw-attach-2", "vpc-2"));
        r.transit_gateway_route_tables.push(TransitGatewayRouteTable {
            id: "tgw-rtb-1".into(),
            account_id: ACCT.into(),
            region: REGION.into(),
            arn: None,
            transit_gateway_id: "tgw-1".into(),
            default_association_route_table: true,
            default_propagation_route_table: true,
            routes,
            associations: vec![aref("tgw-attach-1", "vpc-1"), aref("tgw-attach-2", "vpc-2")],
            propagations: vec![],
            tags: Tags::new(),
        });
    })
}

#[test]
fn transit_gateway_hop_needs_routes_both_ways() {
    let one = PathOptions { max_hops: 1, ..PathOptions::default() };
    let r = run_with(&tgw_linked(true), "i-app", "i-remote", &one).unwrap();
    assert_eq!(chains(&r), ["i-app -tcp/22-> i-remote"]);
    let e = &r.paths[0].hops[0].evidence;
    assert_eq!(e.via[..3], ["tgw-1", "tgw-attach-1", "tgw-attach-2"]);
    assert_eq!(e.forward_route.as_ref().unwrap().route, "10.1.0.0/16 → tgw-1");
    assert_eq!(e.return_route.as_ref().unwrap().route, "10.0.0.0/16 → tgw-1");
    // Without the TGW route back to vpc-1, replies have no way back.
    assert!(run_with(&tgw_linked(false), "i-app", "i-remote", &one).unwrap().paths.is_empty());
}

#[test]
fn hops_limit_and_path_cap() {
    let two = PathOptions { max_hops: 2, ..PathOptions::default() };
    assert!(run_with(&estate(), "internet", "eni-db", &two).unwrap().paths.is_empty());
    // Web also reaches db directly: two paths, in order of the ids along them.
    let e = estate().sg_in("sg-db", "tcp", "5432", "sg-web");
    let r = run(&e, "internet", "eni-db");
    assert_eq!(
        chains(&r),
        [
            "internet -tcp/443-> i-web -tcp/5432-> eni-db",
            "internet -tcp/443-> i-web -tcp/8443-> i-app -tcp/5432-> eni-db"
        ]
    );
    let one = PathOptions { limit: 1, ..PathOptions::default() };
    let r = run_with(&e, "internet", "eni-db", &one).unwrap();
    assert_eq!((r.paths.len(), r.not_shown), (1, 1));
}

#[test]
fn selectors() {
    let e = estate();
    assert_eq!(chains(&run(&e, "tag:Role=web", "subnet-2")), ["i-web -tcp/8443-> i-app -tcp/5432-> eni-db"]);
    assert_eq!(run(&e, "vpc-1", "eni-db").paths.len(), 2);
    assert!(run(&e, "tag:Role=nothing", "eni-db").paths.is_empty());
    let err = |from: &str| run_with(&e, from, "data-stores", &PathOptions::default()).unwrap_err();
    assert!(matches!(err("tag:Role"), PathsError::BadEndpoint(_)));
    assert!(matches!(err("tag:=x"), PathsError::BadEndpoint(_)));
    assert!(matches!(err("sg-1"), PathsError::BadEndpoint(_)));
    assert_eq!(err("i-nope"), PathsError::UnknownResource("i-nope".into()));
    assert_eq!(err("eni-nope"), PathsError::UnknownResource("eni-nope".into()));
    assert_eq!(err("vpc-nope"), PathsError::UnknownResource("vpc-nope".into()));
}

#[test]
fn sensitive_tags_and_gateway_endpoints_are_data_stores() {
    // i-app tagged confidential becomes a target itself; "internal" does not count.
    let e = estate().with(|r| {
        r.network_interfaces[1].tags = tags(&[("DataClassification", "confidential")]);
        r.network_interfaces[0].tags = tags(&[("DataClassification", "internal")]);
    });
    assert_eq!(
        chains(&run(&e, "internet", "data-stores")),
        [
            "internet -tcp/443-> i-web -tcp/8443-> i-app",
            "internet -tcp/443-> i-web -tcp/8443-> i-app -tcp/5432-> eni-db"
        ]
    );
    // An S3 gateway endpoint routed from subnet-1's table.
    let e = estate().set_route("rtb-1", "10.9.0.0/16", "vpce-s3").with(|r| {
        r.vpc_endpoints.push(VpcEndpoint {
            id: "vpce-s3".into(),
            account_id: ACCT.into(),
            region: REGION.into(),
            arn: None,
            vpc_id: "vpc-1".into(),
            service_name: "com.amazonaws.eu-west-1.s3".into(),
            endpoint_type: VpcEndpointType::Gateway,
            state: Some("available".into()),
            route_table_ids: vec!["rtb-1".into()],
            subnet_ids: vec![],
            security_group_ids: vec![],
            network_interface_ids: vec![],
            private_dns_enabled: false,
            tags: Tags::new(),
        });
    });
    let r = run_with(&e, "internet", "data-stores", &PathOptions { max_hops: 2, ..PathOptions::default() }).unwrap();
    assert_eq!(chains(&r), ["internet -tcp/443-> i-web -tcp/443-> vpce-s3"]);
    assert_eq!(r.paths[0].hops[1].evidence.forward_route.as_ref().unwrap().route, "10.9.0.0/16 → vpce-s3");
}

/// Digest of a report: its JSON (every hop and its evidence) and the counts.
fn digest(r: &PathsReport) -> String {
    use sha2::Digest;
    let json = serde_json::to_string(r).unwrap();
    let h = sha2::Sha256::digest(json.as_bytes());
    format!("{} {} {} {}", r.paths.len(), r.not_shown, r.count_capped, &hex::encode(h)[..16])
}

/// A generated estate's paths, pinned (JSON digest, shown, not shown, capped; re-pinned
/// when hops gained `egress_rule`, with identical digests once that field is removed; and when
/// load-balancer ENIs came to hop to their targets only, on the target port; and when
/// hops gained their IPv6 sources and grants: same paths, 5 hops between dual-stack
/// ENIs with IPv6 addresses and `family: ipv6` grants) from the
/// engine that built every hop's evidence during the search: the compact search and the
/// evidence built afterwards give the same report.
#[test]
fn generated_estate_paths_pinned() {
    let s = generate::generate(2000, 1);
    let topo = Topology::build(&s);
    let analysis = analyze_topology(&topo);
    let vpc = s.resources.vpcs.iter().map(|v| v.id.clone()).min().unwrap();
    let q = |from: &str, to: &str, max_hops: usize, limit: usize| {
        let o = PathOptions { max_hops, limit, ..PathOptions::default() };
        let r = find_paths(&topo, &analysis, &Endpoint::parse(from).unwrap(), &Endpoint::parse(to).unwrap(), &o);
        let r = r.unwrap();
        let cross = r.paths.iter().flat_map(|p| &p.hops).filter(|h| !h.evidence.via.is_empty()).count();
        eprintln!("{from} → {to} ({max_hops}, {limit}): {} [cross-VPC hops shown: {cross}]", digest(&r));
        digest(&r)
    };
    let got = [
        q("internet", "data-stores", 4, 1000),
        q("internet", "data-stores", 2, 1000),
        q("internet", "data-stores", 6, 300),
        q(&vpc, "data-stores", 3, 500),
    ];
    assert_eq!(
        got,
        [
            "1000 110999 false 69398f9404b30e2b",
            "156 0 false 1d22d9c41f4bd6eb",
            "300 999700 true 660480fa5a5da2bd",
            "500 1939 false d7a2cc1c68423ab5",
        ]
    );
}

#[test]
fn source_security_group_egress_limits_the_hop() {
    // Default groups let everything out: the egress rule is cited.
    let r = run(&estate(), "internet", "data-stores");
    let g = &r.paths[0].hops[2].evidence.grants[0];
    assert_eq!(g.egress_rule.as_deref(), Some("sg-app: all to 0.0.0.0/0"));
    // sg-app lets out only tcp/5432-5433 to 10.0.2.0/24 and tcp/80 elsewhere: the db hop keeps 5432 only.
    let narrowed = estate().with(|r| {
        let app = r.security_groups.iter_mut().find(|g| g.id == "sg-app").unwrap();
        app.egress = vec![sg_rule("tcp", "5432-5433", "10.0.2.0/24"), sg_rule("tcp", "80", "0.0.0.0/0")];
        let db = r.security_groups.iter_mut().find(|g| g.id == "sg-db").unwrap();
        db.ingress = vec![sg_rule("tcp", "5000-6000", "sg-app")];
    });
    let r = run(&narrowed, "internet", "data-stores");
    assert_eq!(chains(&r), ["internet -tcp/443-> i-web -tcp/8443-> i-app -tcp/5432-5433-> eni-db"]);
    assert_eq!(
        r.paths[0].hops[2].evidence.grants[0].egress_rule.as_deref(),
        Some("sg-app: tcp/5432-5433 to 10.0.2.0/24")
    );
    // Egress to another subnet only: no hop to the database, so no path.
    let closed = estate().with(|r| {
        let app = r.security_groups.iter_mut().find(|g| g.id == "sg-app").unwrap();
        app.egress = vec![sg_rule("-1", "", "10.0.9.0/24")];
    });
    assert!(run(&closed, "internet", "data-stores").paths.is_empty());
    assert!(run(&closed, "i-app", "eni-db").paths.is_empty());
}

#[test]
fn managed_forwarders_start_no_hop() {
    // eni-vpce (an interface endpoint in subnet-1) is reachable from i-web, and sg-db
    // admits all of subnet-1: i-web → eni-db directly, but never through the endpoint
    // (nor a NAT gateway's or a TGW attachment's ENI in its place).
    let services = [
        ServiceKind::VpcEndpoint,
        ServiceKind::Nat,
        ServiceKind::TransitGateway,
        ServiceKind::Efs,
        ServiceKind::Elasticache,
    ];
    for service in services {
        let e = estate().sg_in("sg-db", "tcp", "5432", "10.0.1.0/24").with(|r| {
            r.security_groups.push(sg("sg-vpce", "vpc-1", vec![sg_rule("tcp", "443", "10.0.1.0/24")]));
            let mut ep = eni("eni-vpce", "vpc-1", "subnet-1", "10.0.1.50", None, &[], &["sg-vpce"], None);
            ep.service = service;
            r.network_interfaces.push(ep);
        });
        let r = run(&e, "i-web", "eni-db");
        let all = chains(&r);
        assert!(all.contains(&"i-web -tcp/5432-> eni-db".to_string()), "{service:?}: {all:?}");
        assert!(all.iter().all(|c| !c.contains("eni-vpce ")), "{service:?}: {all:?}");
        // The endpoint is still a destination...
        let to_ep = run_with(&e, "i-web", "eni-vpce", &PathOptions { max_hops: 1, ..PathOptions::default() }).unwrap();
        assert_eq!(chains(&to_ep), ["i-web -tcp/443-> eni-vpce"], "{service:?}");
        // ...and the source of nothing.
        assert!(run(&e, "eni-vpce", "eni-db").paths.is_empty(), "{service:?}");
    }
    // Without the rule, a compute ENI in the endpoint's place does relay.
    let e = estate().sg_in("sg-db", "tcp", "5432", "10.0.1.50/32").with(|r| {
        r.security_groups.push(sg("sg-relay", "vpc-1", vec![sg_rule("tcp", "443", "10.0.1.0/24")]));
        r.network_interfaces.push(eni(
            "eni-relay",
            "vpc-1",
            "subnet-1",
            "10.0.1.50",
            None,
            &[],
            &["sg-relay"],
            Some("i-relay"),
        ));
    });
    assert!(chains(&run(&e, "i-web", "eni-db")).contains(&"i-web -tcp/443-> i-relay -tcp/5432-> eni-db".to_string()));
}

#[test]
fn lambda_enis_accept_no_connection() {
    // sg-fn admits tcp/443 from i-web's subnet, but a Lambda ENI has no listener: no hop
    // to it. It still starts hops of its own (the function's outbound connections).
    let e = estate().sg_in("sg-db", "tcp", "5432", "10.0.1.60/32").with(|r| {
        r.security_groups.push(sg("sg-fn", "vpc-1", vec![sg_rule("tcp", "443", "10.0.1.0/24")]));
        let mut f = eni("eni-fn", "vpc-1", "subnet-1", "10.0.1.60", None, &[], &["sg-fn"], None);
        f.service = ServiceKind::Lambda;
        r.network_interfaces.push(f);
    });
    assert!(run(&e, "i-web", "eni-fn").paths.is_empty());
    assert!(chains(&run(&e, "eni-fn", "eni-db")).contains(&"eni-fn -tcp/5432-> eni-db".to_string()));
    // The same ENI as an EC2 instance's is a destination.
    let e = e.with(|r| {
        let f = r.network_interfaces.iter_mut().find(|n| n.id == "eni-fn").unwrap();
        f.service = ServiceKind::Ec2;
    });
    assert!(chains(&run(&e, "i-web", "eni-fn")).contains(&"i-web -tcp/443-> eni-fn".to_string()));
}

/// The data flows take each hop's protocols and ports from a lighter evaluation than the
/// paths' (no evidence text): on a generated estate, every flow that is a hop of a path
/// shown has exactly that hop's grants, and the flows are sorted and distinct.
#[test]
fn data_flow_grants_are_the_hops_grants() {
    let s = generate::generate(2000, 1);
    let topo = Topology::build(&s);
    let analysis = analyze_topology(&topo);
    let flows = inventory::analysis::data_flows(&topo, &analysis, 4, &Default::default());
    assert!(flows.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
    let o = PathOptions { max_hops: 4, limit: 200_000, ..PathOptions::default() };
    let r = find_paths(&topo, &analysis, &Endpoint::Internet, &Endpoint::DataStores, &o).unwrap();
    let mut hops = std::collections::BTreeMap::new();
    for h in r.paths.iter().flat_map(|p| &p.hops) {
        let from = h.evidence.from_eni.clone().unwrap_or_else(|| h.from.clone());
        let to = h.evidence.to_eni.clone().unwrap_or_else(|| h.to.clone());
        let mut g: Vec<_> = h.evidence.grants.iter().map(|g| (g.protocol, g.ports)).collect();
        g.sort_unstable();
        g.dedup();
        hops.insert((from, to), g);
    }
    let mut checked = [0usize; 2];
    for f in &flows {
        if let Some(g) = hops.get(&(f.from.clone(), f.to.clone())) {
            assert_eq!(&f.grants, g, "{} → {}", f.from, f.to);
            checked[usize::from(f.from != "internet")] += 1;
        }
    }
    assert!(checked[0] > 50 && checked[1] > 200, "flows checked (internet, private): {checked:?} of {}", flows.len());
}
