//! Load balancers: joined to their ENIs as real AWS describes them
//! (fixtures/load_balancer_enis.json: requester-managed, "ELB app/<name>/<id>"), and
//! reached from the internet on their listener ports only, through to their targets.
mod common;

use std::path::Path;

use common::*;
use inventory::analysis::{Analysis, TargetReach};
use inventory::model::{
    Listener, LoadBalancer, LoadBalancerEnis, LoadBalancerType, NetworkInterface, Protocol, Resource, TargetGroup,
};
use inventory::snapshot::load_bytes;
use serde_json::json;

const FIXTURE: &str = include_str!("fixtures/load_balancer_enis.json");

#[test]
fn load_balancer_enis_map_to_their_load_balancers() {
    let s = load_bytes(Path::new("load_balancer_enis.json"), FIXTURE.as_bytes()).expect("fixture loads and validates");
    let r = &s.resources;
    let join = LoadBalancerEnis::new(&r.load_balancers);
    let of = |id: &str| {
        let eni: &NetworkInterface = r.network_interfaces.iter().find(|e| e.id == id).expect("ENI in the fixture");
        join.load_balancer_of(eni).map(|lb| (lb.name.as_str(), lb.kind()))
    };
    assert_eq!(of("eni-alb-a"), Some(("web", LoadBalancerType::Application)));
    assert_eq!(of("eni-alb-b"), Some(("web", LoadBalancerType::Application)));
    assert_eq!(of("eni-nlb-a"), Some(("edge", LoadBalancerType::Network)));
    assert_eq!(of("eni-clb-a"), Some(("legacy", LoadBalancerType::Classic)));
    assert_eq!(of("eni-lookalike"), None, "not requester-managed");
    assert_eq!(of("eni-orphan"), None, "its load balancer is not in the snapshot");
    let nlb = r.load_balancers.iter().find(|l| l.name == "edge").expect("the NLB");
    assert!(nlb.is_internet_facing() && nlb.security_group_ids.is_empty());
    assert_eq!(Resource::asset(nlb).service, "elb");
}

const ALB: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188";
const NLB: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/net/edge/53ecc0a2e2186332";
const TG: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/app/6d0ecf831eec9f09";

fn lb(id: &str, name: &str, kind: &str, scheme: &str, sgs: &[&str]) -> LoadBalancer {
    serde_json::from_value(json!({
        "id": id, "account_id": ACCT, "region": REGION, "arn": id, "name": name, "type": kind,
        "scheme": scheme, "vpc_id": "vpc-1", "subnet_ids": ["subnet-1"], "security_group_ids": sgs,
    }))
    .expect("load balancer")
}

fn listener(lb: &str, protocol: &str, port: u16, policy: Option<&str>) -> Listener {
    serde_json::from_value(json!({
        "id": format!("{lb}/listener/{port}"), "account_id": ACCT, "region": REGION, "load_balancer_id": lb,
        "protocol": protocol, "port": port, "ssl_policy": policy,
        "default_actions": [{"type": "forward", "target_groups": [{"target_group_id": TG}]}],
    }))
    .expect("listener")
}

fn target_group(lb: &str, kind: &str, port: u16, targets: &[&str]) -> TargetGroup {
    let targets: Vec<_> = targets.iter().map(|t| json!({"id": t, "port": port, "health": "healthy"})).collect();
    serde_json::from_value(json!({
        "id": TG, "account_id": ACCT, "region": REGION, "name": "app", "target_type": kind, "protocol": "TCP",
        "port": port, "vpc_id": "vpc-1", "load_balancer_ids": [lb], "targets": targets,
    }))
    .expect("target group")
}

/// public_web plus subnet-2 (10.0.2.0/24, same tables) holding i-app / eni-app in sg-app.
fn estate() -> Estate {
    Estate::public_web().with(|r| {
        r.subnets.push(subnet("subnet-2", "vpc-1", "10.0.2.0/24"));
        r.security_groups.push(sg("sg-lb", "vpc-1", vec![]));
        r.security_groups.push(sg("sg-app", "vpc-1", vec![]));
        r.network_interfaces.push(eni(
            "eni-app",
            "vpc-1",
            "subnet-2",
            "10.0.2.30",
            None,
            &[],
            &["sg-app"],
            Some("i-app"),
        ));
    })
}

/// An internet-facing ALB in subnet-1 (no ENI in the snapshot, as the emulator
/// leaves it) with an HTTPS 443 listener forwarding to i-app on 8080.
fn alb(e: Estate) -> Estate {
    e.with(|r| {
        r.load_balancers.push(lb(ALB, "web", "application", "internet-facing", &["sg-lb"]));
        r.listeners.push(listener(ALB, "HTTPS", 443, Some("ELBSecurityPolicy-TLS13-1-2-2021-06")));
        r.target_groups.push(target_group(ALB, "instance", 8080, &["i-app"]));
    })
}

fn lines(a: &Analysis) -> Vec<String> {
    a.exposures
        .iter()
        .map(|f| {
            let l = f.load_balancer.as_ref().map(|l| l.label()).unwrap_or_default();
            format!(
                "{} {} {}/{} from {} [{l}]",
                f.name.as_deref().unwrap_or(""),
                f.subnet_id,
                f.protocol,
                f.ports.map(|p| p.to_string()).unwrap_or_default(),
                f.source_text
            )
        })
        .collect()
}

fn targets(a: &Analysis) -> Vec<String> {
    a.behind_load_balancers
        .iter()
        .map(|t| {
            format!(
                "{} {} → {} {}/{} {} from {}",
                t.listener.load_balancer_name,
                t.listener.label(),
                t.target_id,
                t.protocol,
                t.port,
                t.reach.as_str(),
                t.sources
            )
        })
        .collect()
}

#[test]
fn alb_open_on_80_and_443_but_listening_on_443_is_exposed_on_443_only() {
    let a = alb(estate().sg_in("sg-lb", "tcp", "80", "0.0.0.0/0").sg_in("sg-lb", "tcp", "443", "0.0.0.0/0"))
        .sg_in("sg-app", "tcp", "8080", "sg-lb")
        .analyze();
    assert_eq!(lines(&a), ["web subnet-1 tcp/443 from 0.0.0.0/0 [HTTPS 443]"]);
    let f = &a.exposures[0];
    assert_eq!((f.resource_id.as_str(), f.eni_id.as_str()), (ALB, ""));
    assert_eq!(f.load_balancer.as_ref().unwrap().encryption, "TLS (ELBSecurityPolicy-TLS13-1-2-2021-06)");
    assert_eq!(targets(&a), ["web HTTPS 443 → i-app tcp/8080 reachable from 10.0.1.0/24"]);
    assert!(
        a.behind_load_balancers[0].evidence.iter().any(|e| e == "sg-app: tcp/8080 from sg-lb"),
        "{:?}",
        a.behind_load_balancers[0].evidence
    );
}

#[test]
fn alb_whose_groups_admit_no_listener_port_is_not_exposed_and_says_why() {
    let a = alb(estate().sg_in("sg-lb", "tcp", "80", "0.0.0.0/0")).analyze();
    assert!(a.exposures.is_empty(), "{:?}", lines(&a));
    assert!(a.behind_load_balancers.is_empty());
    let reasons: Vec<&str> = a
        .blocked
        .iter()
        .filter(|b| b.resource_id == ALB)
        .flat_map(|b| b.reasons.iter().map(|r| r.reason.as_str()))
        .collect();
    assert_eq!(reasons, ["load balancer web: the controls admit tcp/80 but it listens on HTTPS 443 only"]);
}

#[test]
fn alb_admitting_its_listener_only_from_private_ranges_is_not_exposed() {
    let a = alb(estate().sg_in("sg-lb", "tcp", "443", "10.0.0.0/8")).analyze();
    assert!(a.exposures.is_empty(), "{:?}", lines(&a));
}

#[test]
fn internal_alb_with_an_open_group_is_not_exposed_nor_are_its_targets() {
    let a = estate()
        .sg_in("sg-lb", "tcp", "443", "0.0.0.0/0")
        .sg_in("sg-app", "tcp", "8080", "sg-lb")
        .with(|r| {
            r.load_balancers.push(lb(ALB, "web", "application", "internal", &["sg-lb"]));
            r.listeners.push(listener(ALB, "HTTPS", 443, None));
            r.target_groups.push(target_group(ALB, "instance", 8080, &["i-app"]));
        })
        .analyze();
    assert!(a.exposures.is_empty(), "{:?}", lines(&a));
    assert!(a.behind_load_balancers.is_empty());
}

#[test]
fn target_whose_group_does_not_admit_the_load_balancer_is_blocked() {
    let a = alb(estate().sg_in("sg-lb", "tcp", "443", "0.0.0.0/0")).sg_in("sg-app", "tcp", "9000", "sg-lb").analyze();
    assert_eq!(targets(&a), ["web HTTPS 443 → i-app tcp/8080 blocked from "]);
}

#[test]
fn target_nacl_denying_the_load_balancer_subnet_blocks_the_target() {
    // One NACL for both subnets: traffic between them crosses it twice. A deny of
    // 10.0.1.0/24 on 8080, numbered first, stops the load balancer's nodes.
    let a = alb(estate().sg_in("sg-lb", "tcp", "443", "0.0.0.0/0"))
        .sg_in("sg-app", "tcp", "8080", "10.0.0.0/16")
        .nacl(50, false, "tcp", "8080", "10.0.1.0/24", false)
        .analyze();
    assert_eq!(targets(&a), ["web HTTPS 443 → i-app tcp/8080 blocked from "]);
    assert!(a.behind_load_balancers[0].evidence.iter().any(|e| e == "NACL acl-1 inbound #50 denies tcp/8080"));
}

#[test]
fn nlb_without_groups_is_exposed_on_its_listener_and_targets_see_the_clients() {
    let a = estate()
        .sg_in("sg-app", "tcp", "9443", "203.0.113.0/24")
        .with(|r| {
            r.load_balancers.push(lb(NLB, "edge", "network", "internet-facing", &[]));
            r.listeners.push(listener(NLB, "TCP", 9443, None));
            r.target_groups.push(target_group(NLB, "instance", 9443, &["i-app"]));
        })
        .analyze();
    assert_eq!(lines(&a), ["edge subnet-1 tcp/9443 from 0.0.0.0/0 [TCP 9443]"]);
    assert_eq!(a.exposures[0].load_balancer.as_ref().unwrap().encryption, "plain TCP");
    // Client IP preservation (instance targets): the target's group admits clients
    // from 203.0.113.0/24 only, so only those reach it.
    assert_eq!(targets(&a), ["edge TCP 9443 → i-app tcp/9443 reachable from 203.0.113.0/24"]);
    assert!(a.behind_load_balancers[0].source_model.starts_with("client addresses"));
}

#[test]
fn nlb_ip_targets_see_the_load_balancer_nodes() {
    let a = estate()
        .sg_in("sg-app", "tcp", "9443", "203.0.113.0/24")
        .with(|r| {
            r.load_balancers.push(lb(NLB, "edge", "network", "internet-facing", &[]));
            r.listeners.push(listener(NLB, "TLS", 9443, Some("ELBSecurityPolicy-TLS13-1-2-2021-06")));
            r.target_groups.push(target_group(NLB, "ip", 9443, &["10.0.2.30", "192.168.1.5"]));
        })
        .analyze();
    // TLS to IP targets: no client IP preservation by default, the nodes' addresses
    // (10.0.1.0/24) are not admitted; the on-premises address cannot be evaluated.
    assert_eq!(
        targets(&a),
        [
            "edge TLS 9443 → 10.0.2.30 tcp/9443 blocked from ",
            "edge TLS 9443 → 192.168.1.5 tcp/9443 not evaluated from "
        ]
    );
    assert_eq!(a.behind_load_balancers[0].eni_id.as_deref(), Some("eni-app"));
}

#[test]
fn load_balancer_enis_in_the_snapshot_carry_the_findings() {
    let a = alb(estate().sg_in("sg-lb", "tcp", "80", "0.0.0.0/0").sg_in("sg-lb", "tcp", "443", "0.0.0.0/0"))
        .with(|r| {
            let mut n = eni("eni-alb", "vpc-1", "subnet-1", "10.0.1.40", Some("198.51.100.40"), &[], &["sg-lb"], None);
            n.requester_managed = true;
            n.requester_id = Some("amazon-elb".into());
            n.description = "ELB app/web/50dc6c495c0c9188".into();
            r.network_interfaces.push(n);
        })
        .analyze();
    assert_eq!(lines(&a), ["web subnet-1 tcp/443 from 0.0.0.0/0 [HTTPS 443]"]);
    assert_eq!((a.exposures[0].eni_id.as_str(), a.exposures[0].public_ip.as_str()), ("eni-alb", "198.51.100.40"));
    assert_eq!(a.exposures[0].protocol, Protocol::Tcp);
}

#[test]
fn classic_load_balancer_listeners_and_instances() {
    let a = estate()
        .sg_in("sg-lb", "tcp", "0-65535", "0.0.0.0/0")
        .sg_in("sg-app", "tcp", "8443", "sg-lb")
        .with(|r| {
            let mut c = lb("legacy", "legacy", "classic", "internet-facing", &["sg-lb"]);
            c.arn = None;
            c.classic_listeners = serde_json::from_value(json!([
                {"protocol": "HTTPS", "port": 443, "instance_protocol": "HTTPS", "instance_port": 8443, "policy_names": ["ELBSecurityPolicy-2016-08"]}
            ]))
            .unwrap();
            c.classic_instances = serde_json::from_value(json!([{"instance_id": "i-app", "state": "InService"}])).unwrap();
            r.load_balancers.push(c);
        })
        .analyze();
    assert_eq!(lines(&a), ["legacy subnet-1 tcp/443 from 0.0.0.0/0 [HTTPS 443]"]);
    assert_eq!(targets(&a), ["legacy HTTPS 443 → i-app tcp/8443 reachable from 10.0.1.0/24"]);
    assert_eq!(a.behind_load_balancers[0].reach, TargetReach::Reachable);
}

#[test]
fn paths_through_an_internal_load_balancer_reach_its_targets_on_the_target_port_only() {
    use inventory::analysis::{find_paths, Endpoint, PathOptions};
    // i-1 may reach the internal ALB on 443; the ALB's group is admitted by sg-app on
    // 8080 and 9000, but the ALB forwards to i-app on 8080 only.
    let e = estate()
        .sg_in("sg-lb", "tcp", "443", "10.0.0.0/16")
        .sg_in("sg-app", "tcp", "8080", "sg-lb")
        .sg_in("sg-app", "tcp", "9000", "sg-lb")
        .with(|r| {
            r.load_balancers.push(lb(ALB, "web", "application", "internal", &["sg-lb"]));
            r.listeners.push(listener(ALB, "HTTPS", 443, None));
            r.target_groups.push(target_group(ALB, "instance", 8080, &["i-app"]));
            let mut n = eni("eni-alb", "vpc-1", "subnet-1", "10.0.1.40", None, &[], &["sg-lb"], None);
            n.requester_managed = true;
            n.requester_id = Some("amazon-elb".into());
            n.description = "ELB app/web/50dc6c495c0c9188".into();
            r.network_interfaces.push(n);
        });
    let mut snap = e.snap.clone();
    snap.normalize();
    let topo = inventory::topology::Topology::build(&snap);
    let analysis = inventory::analysis::analyze_topology(&topo);
    let opts = PathOptions { max_hops: 3, limit: 100, ..PathOptions::default() };
    let report =
        find_paths(&topo, &analysis, &Endpoint::parse("i-1").unwrap(), &Endpoint::parse("i-app").unwrap(), &opts)
            .expect("paths");
    let hops: Vec<String> = report
        .paths
        .iter()
        .map(|p| {
            p.hops
                .iter()
                .map(|h| format!("{} → {} {} {}", h.from, h.to, h.protocol, h.ports))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    assert_eq!(hops, ["i-1 → eni-alb tcp 443 | eni-alb → i-app tcp 8080"]);
    let via = &report.paths[0].hops[1].evidence.via;
    assert!(via[0].starts_with("load balancer web listener HTTPS 443"), "{via:?}");
}

const TG_EDGE: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/edge/0a1b2c3d4e5f6a7b";

/// The internet-facing NLB "edge" (no groups) with a `protocol` listener on `port`
/// forwarding to the group TG_EDGE of `kind` targets, its attribute set to `preserve`.
fn nlb(e: Estate, protocol: &str, port: u16, kind: &str, targets: &[&str], preserve: Option<bool>) -> Estate {
    let targets: Vec<_> = targets.iter().map(|t| json!({"id": t, "port": port, "health": "healthy"})).collect();
    let group_protocol = if protocol == "UDP" { "UDP" } else { "TCP" };
    e.with(|r| {
        r.load_balancers.push(lb(NLB, "edge", "network", "internet-facing", &[]));
        r.listeners.push(
            serde_json::from_value(json!({
                "id": format!("{NLB}/listener/{port}"), "account_id": ACCT, "region": REGION, "load_balancer_id": NLB,
                "protocol": protocol, "port": port,
                "default_actions": [{"type": "forward", "target_groups": [{"target_group_id": TG_EDGE}]}],
            }))
            .expect("listener"),
        );
        r.target_groups.push(
            serde_json::from_value(json!({
                "id": TG_EDGE, "account_id": ACCT, "region": REGION, "name": "edge", "target_type": kind,
                "protocol": group_protocol, "port": port, "vpc_id": "vpc-1", "load_balancer_ids": [NLB],
                "targets": targets, "preserve_client_ip": preserve,
            }))
            .expect("target group"),
        );
    })
}

fn evidence_of<'a>(a: &'a Analysis, target: &str) -> &'a [String] {
    &a.behind_load_balancers.iter().find(|t| t.target_id == target).expect("a row for the target").evidence
}

#[test]
fn nlb_ip_target_with_preservation_turned_on_sees_the_clients() {
    let e = estate().sg_in("sg-app", "tcp", "9443", "203.0.113.0/24");
    let a = nlb(e, "TCP", 9443, "ip", &["10.0.2.30"], Some(true)).analyze();
    assert_eq!(targets(&a), ["edge TCP 9443 → 10.0.2.30 tcp/9443 reachable from 203.0.113.0/24"]);
    assert!(evidence_of(&a, "10.0.2.30").contains(&"client IP preservation on (target group attribute)".to_string()));
}

#[test]
fn nlb_instance_target_with_preservation_turned_off_sees_the_nodes() {
    // The target admits the clients' range, not the NLB's subnet: blocked once AWS
    // stops preserving client addresses; admitted when it names the node subnet.
    let clients_only = estate().sg_in("sg-app", "tcp", "9443", "203.0.113.0/24");
    let a = nlb(clients_only, "TCP", 9443, "instance", &["i-app"], Some(false)).analyze();
    assert_eq!(targets(&a), ["edge TCP 9443 → i-app tcp/9443 blocked from "]);
    let nodes = estate().sg_in("sg-app", "tcp", "9443", "10.0.1.0/24");
    let a = nlb(nodes, "TCP", 9443, "instance", &["i-app"], Some(false)).analyze();
    assert_eq!(targets(&a), ["edge TCP 9443 → i-app tcp/9443 reachable from 10.0.1.0/24"]);
    assert!(a.behind_load_balancers[0].source_model.starts_with("load balancer nodes"));
}

#[test]
fn udp_groups_preserve_client_addresses_whatever_the_attribute_says() {
    let e = estate().sg_in("sg-app", "udp", "5060", "203.0.113.0/24");
    let a = nlb(e, "UDP", 5060, "ip", &["10.0.2.30"], Some(false)).analyze();
    assert_eq!(targets(&a), ["edge UDP 5060 → 10.0.2.30 udp/5060 reachable from 203.0.113.0/24"]);
}

/// The NLB "edge" forwarding TCP 443 to the internal ALB "web", which forwards
/// HTTPS 443 to i-app on 8080.
fn nlb_to_alb(e: Estate) -> Estate {
    nlb(e, "TCP", 443, "alb", &[ALB], None).with(|r| {
        r.load_balancers.push(lb(ALB, "web", "application", "internal", &["sg-lb"]));
        r.listeners.push(listener(ALB, "HTTPS", 443, None));
        r.target_groups.push(target_group(ALB, "instance", 8080, &["i-app"]));
    })
}

#[test]
fn nlb_forwarding_to_an_internal_alb_reaches_the_albs_targets() {
    let a = nlb_to_alb(estate().sg_in("sg-lb", "tcp", "443", "0.0.0.0/0").sg_in("sg-app", "tcp", "8080", "sg-lb"))
        .analyze();
    // Only the NLB is exposed; the ALB behind it is reached on its listener, and its
    // target on the target port, the rule naming the NLB listener it came through.
    assert_eq!(lines(&a), ["edge subnet-1 tcp/443 from 0.0.0.0/0 [TCP 443]"]);
    assert_eq!(
        targets(&a),
        [
            "web HTTPS 443 → i-app tcp/8080 reachable from 10.0.1.0/24".to_string(),
            format!("edge TCP 443 → {ALB} tcp/443 reachable from 0.0.0.0/0"),
        ]
    );
    let behind = a.behind_load_balancers.iter().find(|t| t.target_id == "i-app").expect("the ALB's target");
    assert_eq!(behind.rule, "via network edge TCP 443: default");
    let alb_row = a.behind_load_balancers.iter().find(|t| t.target_id == ALB).expect("the ALB as target");
    assert_eq!(alb_row.resource_id, ALB);
    assert!(
        alb_row.evidence[0].starts_with("application load balancer web listens on HTTPS 443"),
        "{:?}",
        alb_row.evidence
    );
}

#[test]
fn alb_behind_an_nlb_that_refuses_the_clients_hides_its_targets() {
    // ALB targets preserve client addresses by default: the ALB's group admitting
    // 10.0.0.0/8 only refuses the internet's clients, so nothing lies behind it.
    let a = nlb_to_alb(estate().sg_in("sg-lb", "tcp", "443", "10.0.0.0/8").sg_in("sg-app", "tcp", "8080", "sg-lb"))
        .analyze();
    assert_eq!(targets(&a), [format!("edge TCP 443 → {ALB} tcp/443 blocked from ")]);
}

#[test]
fn alb_target_without_a_listener_on_the_target_port_is_blocked() {
    let e = estate().sg_in("sg-lb", "tcp", "443", "0.0.0.0/0").sg_in("sg-app", "tcp", "8080", "sg-lb");
    let a = nlb(e, "TCP", 8443, "alb", &[ALB], None)
        .with(|r| {
            r.load_balancers.push(lb(ALB, "web", "application", "internal", &["sg-lb"]));
            r.listeners.push(listener(ALB, "HTTPS", 443, None));
            r.target_groups.push(target_group(ALB, "instance", 8080, &["i-app"]));
        })
        .analyze();
    assert_eq!(targets(&a), [format!("edge TCP 8443 → {ALB} tcp/8443 blocked from ")]);
    assert_eq!(evidence_of(&a, ALB)[0], "application load balancer web has no tcp listener on port 8443");
}
