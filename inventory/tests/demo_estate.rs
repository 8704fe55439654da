//! The bundled demo estate: valid, complete, canonical, and shaped the way the
//! exposure cases in examples/estates/README.md say.
use std::collections::BTreeMap;
use std::path::PathBuf;

use inventory::demo::{demo_snapshot, DEMO_JSON};
use inventory::model::*;
use inventory::snapshot::{load_bytes, to_json_bytes, validate, Snapshot};

fn demo() -> Snapshot {
    demo_snapshot().unwrap_or_else(|e| panic!("demo estate does not load: {e}"))
}

fn demo_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/estates/demo.json")
}

#[test]
fn demo_loads_with_no_problems_at_all() {
    let s = demo();
    let problems = validate(&s);
    assert!(
        problems.is_empty(),
        "demo has problems:\n{}",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    );
    assert!(!s.has_gaps());
    assert_eq!(s.collected_at.to_string(), "2026-11-20T09:30:00Z");
    assert_eq!(s.generator.name, "auditmap");
}

#[test]
fn demo_has_every_resource_kind() {
    let s = demo();
    let missing: Vec<ResourceKind> = ResourceKind::ALL.into_iter().filter(|k| s.resources.count(*k) == 0).collect();
    assert!(missing.is_empty(), "kinds missing from demo: {missing:?}");
    let total = s.resources.total();
    assert!((100..=200).contains(&total), "demo should stay small, has {total} resources");
}

/// demo.json is exactly what the canonical writer produces. Set AUDITMAP_BLESS=1 to
/// rewrite it after regenerating with make_demo.py.
#[test]
fn demo_file_is_canonical() {
    if std::env::var_os("AUDITMAP_BLESS").is_some() {
        let path = demo_path();
        let bytes = std::fs::read(&path).expect("read demo.json");
        let s = load_bytes(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, to_json_bytes(&s)).expect("write demo.json");
        return;
    }
    let s = demo();
    let canonical = to_json_bytes(&s);
    assert!(
        canonical == DEMO_JSON.as_bytes(),
        "demo.json is not canonical; run AUDITMAP_BLESS=1 cargo test -p auditmap-inventory --test demo_estate"
    );
    // And the embedded copy is the file on disk.
    let on_disk = std::fs::read(demo_path()).expect("read demo.json");
    assert!(on_disk == DEMO_JSON.as_bytes(), "embedded demo differs from the file; rebuild");
}

#[test]
fn eni_service_matches_classification() {
    let s = demo();
    for e in &s.resources.network_interfaces {
        let expected = ServiceKind::classify(
            &e.interface_type,
            e.requester_id.as_deref(),
            &e.description,
            e.instance_id().is_some(),
        );
        assert_eq!(e.service, expected, "ENI {} ({:?})", e.id, e.description);
    }
    let services: std::collections::BTreeSet<ServiceKind> =
        s.resources.network_interfaces.iter().map(|e| e.service).collect();
    for want in [
        ServiceKind::Ec2,
        ServiceKind::Elb,
        ServiceKind::Rds,
        ServiceKind::Lambda,
        ServiceKind::Nat,
        ServiceKind::VpcEndpoint,
    ] {
        assert!(services.contains(&want), "no {want} ENI in demo");
    }
}

/// Coverage records say how many items each call returned; they must match what is there.
#[test]
fn coverage_items_match_resources() {
    let s = demo();
    let api_kind: BTreeMap<&str, ResourceKind> = [
        ("ec2:DescribeVpcs", ResourceKind::Vpc),
        ("ec2:DescribeSubnets", ResourceKind::Subnet),
        ("ec2:DescribeRouteTables", ResourceKind::RouteTable),
        ("ec2:DescribeInstances", ResourceKind::Instance),
        ("ec2:DescribeNetworkInterfaces", ResourceKind::NetworkInterface),
        ("ec2:DescribeSecurityGroups", ResourceKind::SecurityGroup),
        ("ec2:DescribeNetworkAcls", ResourceKind::NetworkAcl),
        ("ec2:DescribeAddresses", ResourceKind::ElasticIp),
        ("ec2:DescribeTransitGatewayAttachments", ResourceKind::TransitGatewayAttachment),
        ("ec2:DescribeVpcPeeringConnections", ResourceKind::VpcPeeringConnection),
    ]
    .into_iter()
    .collect();
    let mut checked = 0;
    for c in &s.coverage {
        if let Some(kind) = api_kind.get(c.api.as_str()) {
            let n = s
                .resources
                .iter()
                .filter(|r| r.kind == *kind && r.account_id == c.account_id && r.region == c.region)
                .count();
            assert_eq!(c.items as usize, n, "{} {} {}", c.account_id, c.region, c.api);
            checked += 1;
        }
    }
    assert_eq!(checked, api_kind.len() * 4, "one record per account × region × API");
    assert_eq!(s.coverage.iter().filter(|c| c.api == "sts:GetCallerIdentity").count(), 2);
}

// ---- the exposure fixtures, looked up by Name tag as README.md lists them ----

fn instance<'a>(s: &'a Snapshot, name: &str) -> &'a Instance {
    s.resources.instances.iter().find(|i| i.name() == Some(name)).unwrap_or_else(|| panic!("no instance {name}"))
}
fn eni_of<'a>(s: &'a Snapshot, i: &Instance) -> &'a NetworkInterface {
    s.resources
        .network_interfaces
        .iter()
        .find(|e| e.instance_id() == Some(i.id.as_str()))
        .unwrap_or_else(|| panic!("no ENI for {}", i.id))
}
fn sg<'a>(s: &'a Snapshot, id: &str) -> &'a SecurityGroup {
    s.resources.security_groups.iter().find(|g| g.id == id).unwrap_or_else(|| panic!("no SG {id}"))
}
/// The route table a subnet uses: its explicit association, else the VPC main table.
fn route_table_of<'a>(s: &'a Snapshot, subnet: &Subnet) -> (&'a RouteTable, bool) {
    let rts = &s.resources.route_tables;
    if let Some(rt) =
        rts.iter().find(|t| t.associations.iter().any(|a| a.subnet_id.as_deref() == Some(subnet.id.as_str())))
    {
        return (rt, false);
    }
    (rts.iter().find(|t| t.vpc_id == subnet.vpc_id && t.is_main()).expect("main table"), true)
}
fn subnet<'a>(s: &'a Snapshot, id: &str) -> &'a Subnet {
    s.resources.subnets.iter().find(|x| x.id == id).expect("subnet")
}
fn default_route(rt: &RouteTable, v6: bool) -> Option<&Route> {
    let dest: ipnet::IpNet = if v6 { "::/0".parse().unwrap() } else { "0.0.0.0/0".parse().unwrap() };
    rt.routes.iter().find(|r| r.destination == RouteDestination::Cidr(dest))
}
fn nacl_of<'a>(s: &'a Snapshot, subnet_id: &str) -> &'a NetworkAcl {
    s.resources
        .network_acls
        .iter()
        .find(|n| n.associations.iter().any(|a| a.subnet_id == subnet_id))
        .expect("every subnet has a NACL")
}
fn any_ingress(s: &Snapshot, e: &NetworkInterface, pred: impl Fn(&SgRule) -> bool) -> bool {
    e.security_group_ids.iter().any(|g| sg(s, g).ingress.iter().any(&pred))
}
fn world(r: &SgRule) -> bool {
    matches!(&r.peer, RulePeer::Cidr { cidr } if cidr.prefix_len() == 0)
}

#[test]
fn every_subnet_has_exactly_one_nacl() {
    let s = demo();
    for sn in &s.resources.subnets {
        let n = s.resources.network_acls.iter().flat_map(|n| &n.associations).filter(|a| a.subnet_id == sn.id).count();
        assert_eq!(n, 1, "subnet {}", sn.id);
    }
}

#[test]
fn exposure_fixtures_are_as_documented() {
    let s = demo();

    // Bastion: EIP, SG 22 from the office /32 only, public route, default NACL.
    let b = instance(&s, "prod-bastion-1");
    let be = eni_of(&s, b);
    assert!(
        be.private_ips[0].association.as_ref().and_then(|a| a.allocation_id.as_ref()).is_some(),
        "bastion uses an EIP"
    );
    assert!(any_ingress(&s, be, |r| r.ports == Some(PortRange::single(22)) && r.peer.to_string() == "198.51.100.10/32"));
    assert!(!any_ingress(&s, be, world));
    let bs = subnet(&s, b.subnet_id.as_deref().unwrap());
    assert_eq!(default_route(route_table_of(&s, bs).0, false).unwrap().target.kind, RouteTargetKind::InternetGateway);
    assert!(nacl_of(&s, &bs.id).is_default);

    // ALB ENIs: public, amazon-elb, 443 and 80 from the world.
    let join = LoadBalancerEnis::new(&s.resources.load_balancers);
    let albs: Vec<&NetworkInterface> = s
        .resources
        .network_interfaces
        .iter()
        .filter(|e| e.service == ServiceKind::Elb && join.load_balancer_of(e).is_some_and(|l| l.name == "prod-web-alb"))
        .collect();
    assert_eq!(albs.len(), 2);
    for a in &albs {
        assert!(!a.public_ips().is_empty());
        assert!(any_ingress(&s, a, |r| world(r) && r.ports == Some(PortRange::single(443))));
        assert!(any_ingress(&s, a, |r| world(r) && r.ports == Some(PortRange::single(80))));
    }
    // Web instances admit only the ALB's group.
    for name in ["prod-web-1", "prod-web-2"] {
        let w = eni_of(&s, instance(&s, name));
        assert!(w.public_ips().is_empty());
        assert!(any_ingress(
            &s,
            w,
            |r| matches!(&r.peer, RulePeer::SecurityGroup { group_id, .. } if *group_id == albs[0].security_group_ids[0])
        ));
    }

    // Legacy: public IP and SG 8080 from the world, but NACL denies 8080 before allowing all.
    let l = instance(&s, "prod-legacy-report-1");
    assert!(l.public_ip.is_some());
    assert!(any_ingress(&s, eni_of(&s, l), |r| world(r) && r.ports == Some(PortRange::single(8080))));
    let ln = nacl_of(&s, l.subnet_id.as_deref().unwrap());
    let first = ln
        .rules(false)
        .find(|e| {
            e.cidr.prefix_len() == 0
                && (e.ports.is_none() || e.ports.unwrap().contains(8080))
                && e.protocol.covers(Protocol::Tcp)
        })
        .unwrap();
    assert_eq!((first.rule_number, first.action), (90, RuleAction::Deny));

    // Batch: public IP, but the subnet's default route is the NAT gateway.
    let bt = instance(&s, "prod-batch-1");
    assert!(bt.public_ip.is_some());
    let (rt, _) = route_table_of(&s, subnet(&s, bt.subnet_id.as_deref().unwrap()));
    assert_eq!(default_route(rt, false).unwrap().target.kind, RouteTargetKind::NatGateway);

    // Internal API: open SG in a public subnet, no public IP.
    let ia = instance(&s, "prod-internal-api-1");
    assert!(
        ia.public_ip.is_none() && eni_of(&s, ia).public_ips().is_empty() && eni_of(&s, ia).ipv6_addresses.is_empty()
    );
    let (rt, _) = route_table_of(&s, subnet(&s, ia.subnet_id.as_deref().unwrap()));
    assert_eq!(default_route(rt, false).unwrap().target.kind, RouteTargetKind::InternetGateway);

    // IPv6: worker behind the EIGW, web behind the IGW; both ::/0 tcp/443.
    for (name, kind) in [
        ("prod-ipv6-worker-1", RouteTargetKind::EgressOnlyInternetGateway),
        ("prod-ipv6-web-1", RouteTargetKind::InternetGateway),
    ] {
        let i = instance(&s, name);
        let e = eni_of(&s, i);
        assert_eq!(e.ipv6_addresses.len(), 1);
        assert!(e.public_ips().is_empty());
        assert!(any_ingress(&s, e, |r| world(r) && r.peer.to_string() == "::/0"));
        let (rt, _) = route_table_of(&s, subnet(&s, &e.subnet_id));
        assert_eq!(default_route(rt, true).unwrap().target.kind, kind, "{name}");
    }

    // Partner gateway: SG rule via a prefix list that contains 0.0.0.0/0.
    let p = eni_of(&s, instance(&s, "prod-partner-gw-1"));
    assert!(!p.public_ips().is_empty());
    let pl_id = p
        .security_group_ids
        .iter()
        .flat_map(|g| sg(&s, g).ingress.iter())
        .find_map(|r| match &r.peer {
            RulePeer::PrefixList { prefix_list_id } => Some(prefix_list_id.clone()),
            _ => None,
        })
        .expect("prefix-list rule");
    let pl = s.resources.managed_prefix_lists.iter().find(|x| x.id == pl_id).unwrap();
    assert!(pl.entries.iter().any(|e| e.cidr.to_string() == "0.0.0.0/0"));

    // Staging web: no explicit association, main table routes to the IGW.
    let sw = instance(&s, "staging-web-1");
    let (rt, main) = route_table_of(&s, subnet(&s, sw.subnet_id.as_deref().unwrap()));
    assert!(main);
    assert_eq!(default_route(rt, false).unwrap().target.kind, RouteTargetKind::InternetGateway);
    assert!(sw.public_ip.is_some());

    // Orphan: default route is a blackhole.
    let o = instance(&s, "staging-orphan-1");
    let (rt, _) = route_table_of(&s, subnet(&s, o.subnet_id.as_deref().unwrap()));
    assert_eq!(default_route(rt, false).unwrap().state, RouteState::Blackhole);
    assert!(o.public_ip.is_some());

    // Staging API: NACL allows 443 in but no ephemeral ports out.
    let a = instance(&s, "staging-api-1");
    let n = nacl_of(&s, a.subnet_id.as_deref().unwrap());
    assert!(!n.rules(true).any(|e| e.action == RuleAction::Allow && e.ports.is_none_or(|p| p.contains(40000))));
    assert!(n.rules(false).any(|e| e.action == RuleAction::Allow && e.ports == Some(PortRange::single(443))));

    // Rules with protocol "all" and ICMP exist.
    let rules: Vec<&SgRule> =
        s.resources.security_groups.iter().flat_map(|g| g.ingress.iter().chain(&g.egress)).collect();
    assert!(rules.iter().any(|r| r.protocol == Protocol::All));
    assert!(rules.iter().any(|r| r.protocol == Protocol::Icmp && r.icmp.is_some()));
}

#[test]
fn nacls_carry_the_implicit_deny_as_aws_lists_it() {
    let s = demo();
    for n in &s.resources.network_acls {
        let v6 = s.resources.vpcs.iter().find(|v| v.id == n.vpc_id).is_some_and(|v| !v.ipv6_cidr_blocks.is_empty());
        for egress in [false, true] {
            let last: Vec<&NaclEntry> = n.rules(egress).filter(|e| e.rule_number == 32767).collect();
            assert_eq!(last.len(), if v6 { 2 } else { 1 }, "{} egress={egress}", n.id);
            assert!(last.iter().all(|e| e.action == RuleAction::Deny && e.protocol == Protocol::All));
        }
    }
}

/// The load balancer cases the issue asks for, each joined to its ENIs.
#[test]
fn demo_load_balancers_are_as_documented() {
    let s = demo();
    let r = &s.resources;
    let lb = |name: &str| r.load_balancers.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("{name}"));
    let listeners = |l: &LoadBalancer| r.listeners.iter().filter(|x| x.load_balancer_id == l.id).collect::<Vec<_>>();
    let join = LoadBalancerEnis::new(&r.load_balancers);
    let enis = |l: &LoadBalancer| {
        r.network_interfaces.iter().filter(|e| join.load_balancer_of(e).is_some_and(|x| x.id == l.id)).count()
    };

    let web = lb("prod-web-alb");
    assert!(web.is_internet_facing() && web.kind() == LoadBalancerType::Application);
    assert_eq!(enis(web), 2);
    let ls = listeners(web);
    let https = ls.iter().find(|x| x.port == Some(443)).expect("HTTPS listener");
    assert_eq!(https.ssl_policy.as_deref(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"));
    assert_eq!(https.certificate_arns.len(), 1);
    let ListenerAction::Forward { target_groups } = &https.default_actions[0] else { panic!("{https:?}") };
    let tg = r.target_groups.iter().find(|t| t.id == target_groups[0].target_group_id).expect("web target group");
    let web_ids: Vec<&str> = r
        .instances
        .iter()
        .filter(|i| i.tags.get("Name").is_some_and(|n| n.starts_with("prod-web-")))
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(tg.targets.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), web_ids);
    let http = ls.iter().find(|x| x.port == Some(80)).expect("HTTP listener");
    assert!(matches!(&http.default_actions[..], [ListenerAction::Redirect { port: Some(p), .. }] if p == "443"));

    let nlb = lb("prod-partner-nlb");
    assert!(nlb.is_internet_facing() && nlb.kind() == LoadBalancerType::Network && nlb.security_group_ids.is_empty());
    assert_eq!(enis(nlb), 1);
    assert_eq!(listeners(nlb)[0].protocol.as_deref(), Some("TCP"));
    let ips = r.target_groups.iter().find(|t| t.load_balancer_ids.contains(&nlb.id)).expect("NLB target group");
    assert_eq!(ips.target_type, Some(TargetType::Ip));

    let app = lb("prod-app-alb");
    assert!(!app.is_internet_facing());
    assert_eq!(enis(app), 2);

    let classic = lb("staging-legacy-elb");
    assert_eq!(classic.kind(), LoadBalancerType::Classic);
    assert_eq!(enis(classic), 1);
    assert_eq!(classic.classic_instances.len(), 1);
}
