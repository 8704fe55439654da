//! Discovery against a moto server seeded with a multi-account, multi-region estate:
//! everything seeded must come back, with its relationships, and coverage complete.
#[path = "support/moto.rs"]
mod support;

use std::collections::BTreeSet;

use discover::{ops, DiscoverOptions, RoleTarget};
use inventory::model::*;
use inventory::snapshot::CoverageStatus;
use serde_json::Value;
use support::Moto;

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_else(|| panic!("seed output lacks {k}")).to_string()
}

fn find<'a, T: Resource>(list: &'a [T], id: &str) -> &'a T {
    list.iter().find(|r| r.id() == id).unwrap_or_else(|| panic!("{} {id} missing from the snapshot", T::KIND))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_estate_is_discovered_completely() {
    support::aws_env();
    let moto = Moto::start();
    let seed = moto.seed(true);
    let main = &seed["accounts"]["123456789012"];
    let member = s(&seed, "org_member");
    let opts = DiscoverOptions {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        roles: vec![RoleTarget {
            role_arn: "arn:aws:iam::111111111111:role/audit".into(),
            external_id: Some("x-1".into()),
        }],
        org_role: Some("OrganizationAccountAccessRole".into()),
        endpoint_url: Some(moto.endpoint.clone()),
        progress: false,
        ..DiscoverOptions::default()
    };
    let d = discover::discover(opts).await.expect("discovery runs");
    let snap = &d.snapshot;
    let r = &snap.resources;

    // Coverage: nothing missing, one record per account × region × regional API.
    let gaps: Vec<_> = snap.gaps().collect();
    assert!(gaps.is_empty(), "unexpected gaps: {gaps:#?}");
    let accounts: BTreeSet<&str> = ["123456789012", "111111111111", member.as_str()].into_iter().collect();
    assert_eq!(snap.scope.accounts.iter().map(String::as_str).collect::<BTreeSet<_>>(), accounts);
    assert_eq!(snap.scope.regions_discovered, vec!["eu-west-1".to_string(), "us-east-1".to_string()]);
    for a in &accounts {
        for region in ["us-east-1", "eu-west-1"] {
            for op in ops::REGIONAL {
                let n = snap
                    .coverage
                    .iter()
                    .filter(|c| c.account_id == *a && c.region == region && c.api == op.action())
                    .count();
                assert_eq!(n, 1, "{a} {region} {}", op.action());
            }
        }
        assert!(snap.identity.iter().any(|i| i.account_id == *a), "identity of {a}");
        assert!(r.accounts.iter().any(|x| x.id == *a));
    }
    let assumed: Vec<_> = snap.identity.iter().filter_map(|i| i.assumed_role_arn.as_deref()).collect();
    assert!(assumed.contains(&"arn:aws:iam::111111111111:role/audit"));
    assert!(assumed.contains(&format!("arn:aws:iam::{member}:role/OrganizationAccountAccessRole").as_str()));
    assert_eq!(r.accounts.iter().find(|a| a.id == member).and_then(|a| a.org_name.as_deref()), Some("member"));
    assert!(r.regions.iter().any(|x| x.id == "123456789012/eu-west-1"));
    assert!(r.availability_zones.iter().any(|z| z.id == "123456789012/us-east-1a"));

    // Read-only, and exactly the table: every operation sent is in ops::OPERATIONS
    // (hence in docs/iam-policy.json), and this estate exercises all of them.
    let sent: BTreeSet<String> = d.stats.calls.keys().cloned().collect();
    let table: BTreeSet<String> = ops::OPERATIONS.iter().map(|o| o.action()).collect();
    assert_eq!(sent, table, "operations sent differ from the operation table / IAM policy");

    // Network core.
    let vpc = find(&r.vpcs, &s(main, "vpc"));
    assert_eq!(vpc.cidr_blocks, vec!["10.0.0.0/16".parse().unwrap()]);
    assert_eq!(vpc.ipv6_cidr_blocks.len(), 1);
    assert_eq!(vpc.tags.get("env").map(String::as_str), Some("prod"));
    let pub_sn = main["subnets"][0].as_str().unwrap().to_string();
    let priv_sn = main["subnets"][1].as_str().unwrap().to_string();
    let sn = find(&r.subnets, &pub_sn);
    assert!(sn.map_public_ip_on_launch && sn.vpc_id == vpc.id && sn.ipv6_cidr_blocks.len() == 1);
    let igw = find(&r.internet_gateways, &s(main, "igw"));
    assert!(igw.attachments.iter().any(|a| a.vpc_id == vpc.id && a.is_attached()));
    let eigw = find(&r.egress_only_internet_gateways, &s(main, "eigw"));
    assert_eq!(eigw.attachments[0].vpc_id, vpc.id);
    let rt = find(&r.route_tables, &s(main, "route_table"));
    let route = |rt: &RouteTable, dest: &str| {
        rt.routes
            .iter()
            .find(|x| x.destination.to_string() == dest)
            .cloned()
            .unwrap_or_else(|| panic!("{} has no route to {dest}", rt.id))
    };
    assert_eq!(
        route(rt, "0.0.0.0/0").target,
        RouteTarget { kind: RouteTargetKind::InternetGateway, id: igw.id.clone() }
    );
    assert_eq!(route(rt, "::/0").target.kind, RouteTargetKind::EgressOnlyInternetGateway);
    assert!(rt.associations.iter().any(|a| a.subnet_id.as_deref() == Some(pub_sn.as_str())));
    let prt = find(&r.route_tables, &s(main, "private_route_table"));
    assert_eq!(route(prt, "0.0.0.0/0").target, RouteTarget { kind: RouteTargetKind::NatGateway, id: s(main, "nat") });
    assert_eq!(
        route(prt, "10.1.0.0/16").target,
        RouteTarget { kind: RouteTargetKind::VpcPeeringConnection, id: s(main, "peering") }
    );
    let nat = find(&r.nat_gateways, &s(main, "nat"));
    assert_eq!(nat.subnet_id, pub_sn);
    assert_eq!(nat.addresses[0].allocation_id.as_deref(), Some(s(main, "eip_nat").as_str()));

    // Security.
    let pl = find(&r.managed_prefix_lists, &s(main, "prefix_list"));
    assert_eq!(pl.entries.len(), 2);
    assert!(pl.entries.iter().any(|e| e.description.as_deref() == Some("hq")));
    let web = find(&r.security_groups, &s(main, "sg_web"));
    let https: Vec<&SgRule> = web.ingress.iter().filter(|x| x.ports == Some(PortRange::single(443))).collect();
    assert_eq!(https.len(), 2, "one rule per peer: 0.0.0.0/0 and ::/0");
    assert!(web
        .ingress
        .iter()
        .any(|x| x.ports == Some(PortRange::single(22))
            && x.peer == RulePeer::PrefixList { prefix_list_id: pl.id.clone() }));
    let app = find(&r.security_groups, &s(main, "sg_app"));
    assert!(app
        .ingress
        .iter()
        .any(|x| matches!(&x.peer, RulePeer::SecurityGroup { group_id, .. } if *group_id == web.id)
            && x.ports == Some(PortRange::single(8080))));
    for g in [web, app] {
        assert!(
            g.ingress.iter().chain(&g.egress).all(|x| x.rule_id.as_deref().is_some_and(|id| id.starts_with("sgr-"))),
            "rule ids on {g:?}"
        );
    }
    let acl = find(&r.network_acls, &s(main, "nacl"));
    assert!(acl.entries.iter().any(|e| e.rule_number == 100
        && !e.egress
        && e.action == RuleAction::Allow
        && e.ports == Some(PortRange::single(443))));
    assert!(acl.entries.iter().any(|e| e.rule_number == 200 && e.action == RuleAction::Deny));
    assert!(acl.entries.iter().any(|e| e.rule_number == 100 && e.egress));
    assert!(acl.associations.iter().any(|a| a.subnet_id == pub_sn));

    // Compute: groups come from the ENI when the instance lists none.
    let inst = find(&r.instances, &s(main, "instance"));
    assert_eq!(inst.subnet_id.as_deref(), Some(pub_sn.as_str()));
    assert!(inst.security_group_ids.contains(&web.id), "{inst:?}");
    assert!(inst.network_interface_ids.contains(&s(main, "instance_eni")));
    assert_eq!(inst.tags.get("owner").map(String::as_str), Some("team-a"));
    let eni = find(&r.network_interfaces, &s(main, "instance_eni"));
    assert_eq!(eni.service, ServiceKind::Ec2);
    assert!(eni.public_ips().contains(&s(main, "eip_public_ip").parse().unwrap()));
    assert_eq!(find(&r.network_interfaces, &s(main, "elb_eni")).service, ServiceKind::Elb);
    let eip = find(&r.elastic_ips, &s(main, "eip"));
    assert_eq!(eip.network_interface_id.as_deref(), Some(eni.id.as_str()));
    let vpce = find(&r.vpc_endpoints, &s(main, "vpc_endpoint"));
    assert_eq!(vpce.endpoint_type, VpcEndpointType::Gateway);
    assert!(vpce.route_table_ids.contains(&prt.id));

    // Load balancers: listeners, rules, target groups, registrations and health.
    let alb = find(&r.load_balancers, &s(main, "alb"));
    assert_eq!((alb.kind(), alb.is_internet_facing()), (LoadBalancerType::Application, true));
    assert_eq!(alb.security_group_ids, vec![s(main, "sg_alb")]);
    assert_eq!(alb.subnet_ids.len(), 2);
    assert_eq!(alb.vpc_id.as_deref(), Some(vpc.id.as_str()));
    assert_eq!(alb.attributes.as_ref().and_then(|a| a.deletion_protection), Some(true));
    let alb_listeners: Vec<&Listener> = r.listeners.iter().filter(|l| l.load_balancer_id == alb.id).collect();
    assert_eq!(alb_listeners.len(), 1, "only the 443 listener, though its group admits 80 too");
    let https = find(&r.listeners, &s(main, "alb_https"));
    assert_eq!((https.protocol.as_deref(), https.port), (Some("HTTPS"), Some(443)));
    assert_eq!(https.ssl_policy.as_deref(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"));
    assert_eq!(https.certificate_arns, vec![s(main, "certificate")]);
    let forward_web = ListenerAction::Forward {
        target_groups: vec![WeightedTargetGroup { target_group_id: s(main, "tg_web"), weight: None }],
    };
    assert_eq!(https.default_actions, vec![forward_web.clone()]);
    let prios: Vec<&str> = https.rules.iter().map(|x| x.priority.as_str()).collect();
    assert_eq!(prios, ["10", "default"]);
    assert_eq!(https.rules[0].conditions, ["path-pattern: /admin/*"]);
    assert!(
        matches!(&https.rules[0].actions[..], [ListenerAction::FixedResponse { status_code: Some(c), .. }] if c == "403")
    );
    let web_tg = find(&r.target_groups, &s(main, "tg_web"));
    assert_eq!(
        (web_tg.target_type, web_tg.port, web_tg.load_balancer_ids.clone()),
        (Some(TargetType::Instance), Some(8080), vec![alb.id.clone()])
    );
    assert_eq!(web_tg.targets.len(), 1);
    assert_eq!(
        (web_tg.targets[0].id.as_str(), web_tg.targets[0].health.as_deref()),
        (inst.id.as_str(), Some("healthy"))
    );
    let nlb = find(&r.load_balancers, &s(main, "nlb"));
    assert_eq!((nlb.kind(), nlb.is_internet_facing()), (LoadBalancerType::Network, true));
    assert!(nlb.security_group_ids.is_empty(), "an NLB without security groups");
    let tcp = find(&r.listeners, &s(main, "nlb_tcp"));
    assert_eq!(
        (tcp.protocol.as_deref(), tcp.port, tcp.load_balancer_id.as_str()),
        (Some("TCP"), Some(443), nlb.id.as_str())
    );
    let ips = find(&r.target_groups, &s(main, "tg_ips"));
    assert_eq!(ips.target_type, Some(TargetType::Ip));
    assert_eq!(ips.targets.iter().map(|t| (t.id.as_str(), t.port)).collect::<Vec<_>>(), [("10.0.1.50", Some(443))]);
    assert_eq!(ips.preserve_client_ip, Some(true), "DescribeTargetGroupAttributes read");
    let internal = find(&r.load_balancers, &s(main, "internal_alb"));
    assert_eq!((internal.scheme.as_deref(), internal.is_internet_facing()), (Some("internal"), false));
    assert!(find(&r.target_groups, &s(main, "tg_app")).targets.is_empty());
    let partner = find(&r.load_balancers, &s(main, "partner_alb"));
    assert_eq!(partner.security_group_ids, vec![s(main, "sg_partner_alb")]);
    let redirect = find(&r.listeners, &s(main, "partner_redirect"));
    assert!(
        matches!(&redirect.default_actions[..], [ListenerAction::Redirect { protocol: Some(p), port: Some(n), status_code: Some(c), .. }]
        if p == "HTTPS" && n == "443" && c == "HTTP_301"),
        "{redirect:?}"
    );
    let classic = r.load_balancers.iter().find(|l| l.kind() == LoadBalancerType::Classic).expect("the Classic ELB");
    assert_eq!((classic.name.as_str(), classic.is_internet_facing()), (s(main, "classic").as_str(), true));
    assert_eq!(classic.classic_listeners.len(), 1);
    assert_eq!((classic.classic_listeners[0].port, classic.classic_listeners[0].instance_port), (80, 8080));
    let backends: Vec<(&str, Option<&str>)> =
        classic.classic_instances.iter().map(|b| (b.instance_id.as_str(), b.state.as_deref())).collect();
    assert_eq!(backends, [(inst.id.as_str(), Some("InService"))]);
    load_balancer_reachability(snap, main, &inst.id);
    for op in [
        ops::ELBV2_DESCRIBE_LOAD_BALANCERS,
        ops::ELBV2_DESCRIBE_LOAD_BALANCER_ATTRIBUTES,
        ops::ELBV2_DESCRIBE_LISTENERS,
        ops::ELBV2_DESCRIBE_RULES,
        ops::ELBV2_DESCRIBE_TARGET_GROUPS,
        ops::ELBV2_DESCRIBE_TARGET_HEALTH,
        ops::ELBV2_DESCRIBE_TARGET_GROUP_ATTRIBUTES,
        ops::ELB_DESCRIBE_LOAD_BALANCERS,
        ops::ELB_DESCRIBE_INSTANCE_HEALTH,
    ] {
        let rec = snap
            .coverage
            .iter()
            .find(|c| c.account_id == "123456789012" && c.region == "us-east-1" && c.api == op.action())
            .unwrap_or_else(|| panic!("no coverage record for {}", op.action()));
        assert!(rec.status == CoverageStatus::Ok && rec.items > 0, "{rec:?}");
    }

    // Transit gateway and its routing.
    let tgw = find(&r.transit_gateways, &s(main, "tgw"));
    assert_eq!(tgw.amazon_side_asn, Some(64512));
    let att = find(&r.transit_gateway_attachments, &s(main, "tgw_attachment"));
    assert_eq!(
        (att.resource_type, att.resource_id.as_deref()),
        (TgwAttachmentResourceType::Vpc, Some(vpc.id.as_str()))
    );
    assert_eq!(att.subnet_ids, vec![priv_sn.clone()]);
    let trt = find(&r.transit_gateway_route_tables, &s(main, "tgw_route_table"));
    let st = trt.routes.iter().find(|x| x.destination.to_string() == "172.16.0.0/12").expect("static TGW route");
    assert_eq!((st.route_type, st.state), (TgwRouteType::Static, RouteState::Active));
    // moto answers TransitGatewayAttachments empty; the mock tests cover that mapping.
    assert!(st.attachments.iter().all(|a| a.attachment_id == att.id));
    assert!(trt.routes.iter().any(|x| x.destination.to_string() == "192.0.2.0/24" && x.state == RouteState::Blackhole));
    assert!(trt.associations.iter().any(|a| a.attachment_id == att.id));
    assert!(trt.propagations.iter().any(|a| a.attachment_id == att.id));

    // VPN.
    let vgw = find(&r.vpn_gateways, &s(main, "vgw"));
    assert!(vgw.attachments.iter().any(|a| a.vpc_id == vpc.id));
    let cgw = find(&r.customer_gateways, &s(main, "cgw"));
    assert_eq!(cgw.ip_address.as_deref(), Some("198.51.100.10"));
    let vpn = find(&r.vpn_connections, &s(main, "vpn"));
    assert_eq!(
        (vpn.customer_gateway_id.as_str(), vpn.vpn_gateway_id.as_deref()),
        (cgw.id.as_str(), Some(vgw.id.as_str()))
    );
    // moto omits Options.StaticRoutesOnly; the transform unit test covers it.

    // Cross-region peering, once per account.
    let pcx: Vec<&VpcPeeringConnection> =
        r.vpc_peering_connections.iter().filter(|p| p.id == s(main, "peering")).collect();
    assert_eq!(pcx.len(), 1, "one record per (account, peering)");
    assert_eq!((pcx[0].requester.vpc_id.as_str(), pcx[0].requester.region.as_str()), (vpc.id.as_str(), "us-east-1"));
    assert_eq!(
        (pcx[0].accepter.vpc_id.as_str(), pcx[0].accepter.region.as_str()),
        (s(main, "eu_vpc").as_str(), "eu-west-1")
    );
    assert!(pcx[0].is_active());
    assert_eq!(find(&r.subnets, &s(main, "eu_subnet")).region, "eu-west-1");

    // Other accounts.
    assert_eq!(find(&r.vpcs, &s(&seed["accounts"]["111111111111"], "vpc")).account_id, "111111111111");
    assert_eq!(find(&r.vpcs, &s(&seed["accounts"][member.as_str()], "vpc")).account_id, member);

    // The snapshot round-trips through the canonical writer and the validating loader.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.json");
    inventory::snapshot::write_file(&path, snap).unwrap();
    let loaded = inventory::snapshot::load_file(&path).expect("written snapshot validates");
    assert_eq!(loaded.resources.total(), r.total());
    let summary = d.summary_line();
    assert!(summary.contains("3 account(s)") && summary.contains("0 coverage gap(s)"), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_regions_reads_enabled_regions_and_skips_the_rest() {
    support::aws_env();
    let moto = Moto::start();
    let opts = DiscoverOptions {
        all_regions: true,
        endpoint_url: Some(moto.endpoint.clone()),
        progress: false,
        concurrency: 32,
        ..DiscoverOptions::default()
    };
    let d = discover::discover(opts).await.expect("discovery runs");
    let snap = &d.snapshot;
    assert!(!snap.has_gaps(), "{:#?}", snap.gaps().collect::<Vec<_>>());
    let read = &snap.scope.regions_discovered;
    assert!(read.len() > 10 && read.contains(&"us-west-2".to_string()), "{read:?}");
    // moto reports some regions as not opted in: recorded as skipped, never read.
    let skipped: BTreeSet<&str> =
        snap.coverage.iter().filter(|c| c.status == CoverageStatus::Skipped).map(|c| c.region.as_str()).collect();
    assert!(!skipped.is_empty());
    for region in &skipped {
        assert!(!read.iter().any(|r| r == region), "{region} both skipped and read");
        let n = snap.coverage.iter().filter(|c| c.region == *region).count();
        assert_eq!(n, ops::REGIONAL.len(), "one skipped record per API in {region}");
    }
    // Default VPC in every region read.
    assert_eq!(snap.resources.vpcs.len(), read.len());
    assert_eq!(snap.resources.regions.len(), read.len());
}

/// What the internet reaches through the seeded load balancers (moto creates no ENIs
/// for them: each is evaluated from its subnets and groups). The public subnet's NACL
/// admits tcp/443 only; its route table sends 0.0.0.0/0 to the IGW, the private one to
/// a NAT gateway.
fn load_balancer_reachability(snap: &inventory::Snapshot, main: &Value, instance: &str) {
    let a = inventory::analysis::analyze(snap);
    let mut exposed: Vec<String> = a
        .exposures
        .iter()
        .filter_map(|f| {
            f.load_balancer
                .as_ref()
                .map(|l| format!("{} {} {}/{:?}", l.load_balancer_name, l.label(), f.protocol, f.ports))
        })
        .collect();
    exposed.dedup();
    // web-alb: its group admits 80 and 443, it listens on 443 only; edge-nlb has no
    // groups and listens on TCP 443; internal-alb is internal; partner-alb admits its
    // port from 10.0.0.0/8 only; legacy-web listens on 80, which the NACL denies (it admits 443 only).
    assert_eq!(
        exposed,
        [
            "edge-nlb TCP 443 tcp/Some(PortRange { from: 443, to: 443 })",
            "web-alb HTTPS 443 tcp/Some(PortRange { from: 443, to: 443 })",
        ]
    );
    let alb = s(main, "alb");
    let alb_nodes: Vec<&str> =
        a.exposures.iter().filter(|f| f.resource_id == alb).map(|f| f.subnet_id.as_str()).collect();
    assert_eq!(alb_nodes.len(), 1, "only the node in the public subnet (the other routes to a NAT gateway)");
    let classic_id =
        &snap.resources.load_balancers.iter().find(|l| l.name == s(main, "classic")).expect("legacy-web").id;
    let classic = a.blocked.iter().find(|b| &b.resource_id == classic_id).expect("legacy-web is explained");
    // The NACL admits tcp/443 only (its group admits 80 and 443): no listener port is left.
    let reasons: Vec<&str> = classic.reasons.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons, ["load balancer legacy-web: the controls admit tcp/443 but it listens on HTTP 80 only"]);
    let targets: Vec<String> = a
        .behind_load_balancers
        .iter()
        .map(|t| format!("{} {} {} {}", t.listener.load_balancer_name, t.target_id, t.port, t.reach.as_str()))
        .collect();
    // web-1's group admits 443 and 22 only, not the ALB on 8080; 10.0.1.50 is no ENI.
    assert_eq!(
        targets,
        ["edge-nlb 10.0.1.50 443 not evaluated".to_string(), format!("web-alb {instance} 8080 blocked")]
    );
}
