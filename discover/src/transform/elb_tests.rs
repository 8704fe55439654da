//! Transform tests with the fields real (and odd) answers carry.
use aws_sdk_elasticloadbalancing::types as classic;
use aws_sdk_elasticloadbalancingv2::types as v2;
use inventory::model::*;

use super::*;

const ARN: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111";

fn ctx() -> Ctx {
    Ctx::new("111111111111", "eu-west-1")
}

fn zone(name: &str, subnet: &str) -> v2::AvailabilityZone {
    v2::AvailabilityZone::builder().zone_name(name).subnet_id(subnet).build()
}

#[test]
fn nlb_without_scheme_or_groups_dualstack_with_elastic_ips() {
    let l = v2::LoadBalancer::builder()
        .load_balancer_arn(format!("{ARN}:loadbalancer/net/edge/0123456789abcdef"))
        .load_balancer_name("edge")
        .r#type(v2::LoadBalancerTypeEnum::Network)
        .ip_address_type(v2::IpAddressType::Dualstack)
        .vpc_id("vpc-1")
        .availability_zones(
            v2::AvailabilityZone::builder()
                .zone_name("eu-west-1a")
                .subnet_id("subnet-a")
                .load_balancer_addresses(
                    v2::LoadBalancerAddress::builder()
                        .ip_address("203.0.113.7")
                        .allocation_id("eipalloc-1")
                        .private_ipv4_address("10.0.0.7")
                        .ipv6_address("2001:db8::7")
                        .build(),
                )
                .build(),
        )
        .availability_zones(zone("eu-west-1b", "subnet-b"))
        .state(v2::LoadBalancerState::builder().code(v2::LoadBalancerStateEnum::Active).build())
        .build();
    let m = v2_load_balancer(&ctx(), &l).expect("transforms");
    assert_eq!(m.id, format!("{ARN}:loadbalancer/net/edge/0123456789abcdef"));
    assert_eq!((m.kind(), m.scheme.as_deref(), m.is_internet_facing()), (LoadBalancerType::Network, None, false));
    assert_eq!(m.ip_address_type.as_deref(), Some("dualstack"));
    assert!(m.security_group_ids.is_empty());
    assert_eq!(m.subnet_ids, ["subnet-a", "subnet-b"]);
    assert_eq!(m.availability_zones, ["eu-west-1a", "eu-west-1b"]);
    assert_eq!(m.addresses.len(), 1, "a zone without addresses adds none");
    assert_eq!(m.addresses[0].ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(m.state.as_deref(), Some("active"));
    let asset = Resource::asset(&m);
    assert_eq!((asset.service, asset.public_ips.clone()), ("elb", vec!["203.0.113.7".to_string()]));
}

#[test]
fn load_balancers_missing_required_fields_are_rejected_with_the_reason() {
    let no_type = v2::LoadBalancer::builder().load_balancer_arn("arn:x").load_balancer_name("x").build();
    assert!(v2_load_balancer(&ctx(), &no_type).unwrap_err().contains("Type"));
    let no_arn = v2::LoadBalancer::builder().load_balancer_name("x").build();
    assert!(v2_load_balancer(&ctx(), &no_arn).unwrap_err().contains("LoadBalancerArn"));
}

#[test]
fn attributes_are_read_from_their_keys() {
    let a = |k: &str, v: &str| v2::LoadBalancerAttribute::builder().key(k).value(v).build();
    let got = attributes(&[
        a("deletion_protection.enabled", "true"),
        a("routing.http.drop_invalid_header_fields.enabled", "false"),
        a("access_logs.s3.enabled", "true"),
        a("access_logs.s3.bucket", "logs-bucket"),
        a("access_logs.s3.prefix", ""),
        a("idle_timeout.timeout_seconds", "60"),
    ]);
    assert_eq!(got.deletion_protection, Some(true));
    assert_eq!(got.drop_invalid_header_fields, Some(false));
    assert_eq!(got.cross_zone_load_balancing, None, "not stated");
    assert_eq!((got.access_logs_enabled, got.access_logs_bucket.as_deref()), (Some(true), Some("logs-bucket")));
    assert_eq!(got.access_logs_prefix, None);
}

#[test]
fn classic_load_balancer_listeners_instances_and_health() {
    let d = classic::LoadBalancerDescription::builder()
        .load_balancer_name("legacy-web")
        .scheme("internet-facing")
        .vpc_id("vpc-1")
        .subnets("subnet-a")
        .security_groups("sg-1")
        .listener_descriptions(
            classic::ListenerDescription::builder()
                .listener(
                    classic::Listener::builder()
                        .protocol("HTTPS")
                        .load_balancer_port(443)
                        .instance_protocol("HTTP")
                        .instance_port(8080)
                        .ssl_certificate_id("arn:aws:acm:eu-west-1:111111111111:certificate/abc")
                        .build()
                        .expect("listener builds"),
                )
                .policy_names("ELBSecurityPolicy-2016-08")
                .build(),
        )
        .instances(classic::Instance::builder().instance_id("i-1").build())
        .build();
    let mut m = classic_load_balancer(&ctx(), &d).expect("transforms");
    assert_eq!(m.id, format!("{ARN}:loadbalancer/legacy-web"));
    assert_eq!((m.kind(), m.is_internet_facing()), (LoadBalancerType::Classic, true));
    let l = &m.classic_listeners[0];
    assert_eq!(
        (l.protocol.as_str(), l.port, l.instance_protocol.as_deref(), l.instance_port),
        ("HTTPS", 443, Some("HTTP"), 8080)
    );
    assert_eq!(l.policy_names, ["ELBSecurityPolicy-2016-08"]);
    let state =
        |id: &str, s: &str| classic::InstanceState::builder().instance_id(id).state(s).reason_code("ELB").build();
    fill_instance_health(&mut m, &[state("i-1", "InService"), state("i-2", "OutOfService")]);
    let got: Vec<(&str, Option<&str>)> =
        m.classic_instances.iter().map(|b| (b.instance_id.as_str(), b.state.as_deref())).collect();
    assert_eq!(got, [("i-1", Some("InService")), ("i-2", Some("OutOfService"))]);
    // The ENI join finds it by name and VPC.
    let c = Ctx::new("111111111111", "cn-north-1");
    assert!(classic_load_balancer(&c, &d).unwrap().id.starts_with("arn:aws-cn:"));
}

#[test]
fn listener_actions_in_order_with_weights_redirects_and_fixed_responses() {
    let tg = |n: &str| format!("{ARN}:targetgroup/{n}/1");
    let forward = v2::Action::builder()
        .r#type(v2::ActionTypeEnum::Forward)
        .order(2)
        .forward_config(
            v2::ForwardActionConfig::builder()
                .target_groups(v2::TargetGroupTuple::builder().target_group_arn(tg("blue")).weight(80).build())
                .target_groups(v2::TargetGroupTuple::builder().target_group_arn(tg("green")).weight(20).build())
                .build(),
        )
        .build();
    let auth = v2::Action::builder().r#type(v2::ActionTypeEnum::AuthenticateOidc).order(1).build();
    let l = v2::Listener::builder()
        .listener_arn(format!("{ARN}:listener/app/web/1/2"))
        .load_balancer_arn(format!("{ARN}:loadbalancer/app/web/1"))
        .protocol(v2::ProtocolEnum::Https)
        .port(443)
        .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .certificates(
            v2::Certificate::builder().certificate_arn("arn:aws:acm:eu-west-1:111111111111:certificate/c").build(),
        )
        .default_actions(forward)
        .default_actions(auth)
        .build();
    let m = listener(&ctx(), &l).expect("transforms");
    assert_eq!((m.protocol.as_deref(), m.port), (Some("HTTPS"), Some(443)));
    assert_eq!(m.certificate_arns.len(), 1);
    assert_eq!(m.default_actions[0], ListenerAction::Authenticate { provider: "oidc".into() });
    let ListenerAction::Forward { target_groups } = &m.default_actions[1] else { panic!("{:?}", m.default_actions) };
    assert_eq!(target_groups.iter().map(|t| t.weight).collect::<Vec<_>>(), [Some(80), Some(20)]);

    let redirect = v2::Action::builder()
        .r#type(v2::ActionTypeEnum::Redirect)
        .redirect_config(
            v2::RedirectActionConfig::builder()
                .protocol("HTTPS")
                .port("443")
                .status_code(v2::RedirectActionStatusCodeEnum::Http301)
                .build(),
        )
        .build();
    let fixed = v2::Action::builder()
        .r#type(v2::ActionTypeEnum::FixedResponse)
        .fixed_response_config(v2::FixedResponseActionConfig::builder().status_code("404").build())
        .build();
    let single = v2::Action::builder().r#type(v2::ActionTypeEnum::Forward).target_group_arn(tg("blue")).build();
    let got = actions(&[redirect, fixed, single]);
    assert!(
        matches!(&got[0], ListenerAction::Redirect { protocol: Some(p), status_code: Some(s), .. } if p == "HTTPS" && s == "HTTP_301")
    );
    assert!(matches!(&got[1], ListenerAction::FixedResponse { status_code: Some(s), .. } if s == "404"));
    assert_eq!(
        got[2],
        ListenerAction::Forward {
            target_groups: vec![WeightedTargetGroup { target_group_id: tg("blue"), weight: None }]
        }
    );
}

#[test]
fn rules_keep_conditions_as_text() {
    let r = v2::Rule::builder()
        .rule_arn("arn:rule/1")
        .priority("10")
        .conditions(
            v2::RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(v2::PathPatternConditionConfig::builder().values("/api/*").values("/v2/*").build())
                .build(),
        )
        .conditions(
            v2::RuleCondition::builder()
                .field("http-header")
                .http_header_config(
                    v2::HttpHeaderConditionConfig::builder().http_header_name("X-Env").values("blue").build(),
                )
                .build(),
        )
        .build();
    let m = rule("arn:listener", &r).expect("transforms");
    assert_eq!(m.conditions, ["path-pattern: /api/*, /v2/*", "http-header X-Env: blue"]);
    let default = v2::Rule::builder().is_default(true).build();
    assert!(rule("arn:listener", &default).unwrap().is_default());
    assert!(rule("arn:listener", &v2::Rule::builder().build()).is_err(), "no priority and not the default");
}

#[test]
fn target_groups_with_lambda_and_outside_ip_targets() {
    let g = v2::TargetGroup::builder()
        .target_group_arn(format!("{ARN}:targetgroup/fn/1"))
        .target_group_name("fn")
        .target_type(v2::TargetTypeEnum::Lambda)
        .build();
    let m = target_group(&ctx(), &g).expect("transforms");
    assert_eq!(
        (m.target_type, m.vpc_id.as_deref(), m.port, m.health_check.as_ref()),
        (Some(TargetType::Lambda), None, None, None)
    );
    let lambda = v2::TargetHealthDescription::builder()
        .target(v2::TargetDescription::builder().id("arn:aws:lambda:eu-west-1:111111111111:function:f").build())
        .target_health(v2::TargetHealth::builder().state(v2::TargetHealthStateEnum::Unavailable).build())
        .build();
    let t = target(&m.id, &lambda).expect("transforms");
    assert_eq!((t.port, t.health.as_deref()), (None, Some("unavailable")));

    let ip = v2::TargetHealthDescription::builder()
        .target(v2::TargetDescription::builder().id("192.168.10.5").port(443).availability_zone("all").build())
        .target_health(
            v2::TargetHealth::builder()
                .state(v2::TargetHealthStateEnum::Unhealthy)
                .reason(v2::TargetHealthReasonEnum::FailedHealthChecks)
                .build(),
        )
        .build();
    let t = target("tg", &ip).expect("transforms");
    assert_eq!(
        (t.id.as_str(), t.port, t.availability_zone.as_deref(), t.reason.as_deref()),
        ("192.168.10.5", Some(443), Some("all"), Some("Target.FailedHealthChecks"))
    );
    assert!(target("tg", &v2::TargetHealthDescription::builder().build()).is_err());

    let ip_group = v2::TargetGroup::builder()
        .target_group_arn(format!("{ARN}:targetgroup/ips/2"))
        .target_group_name("ips")
        .target_type(v2::TargetTypeEnum::Ip)
        .protocol(v2::ProtocolEnum::Tcp)
        .port(443)
        .vpc_id("vpc-1")
        .health_check_port("traffic-port")
        .load_balancer_arns(format!("{ARN}:loadbalancer/net/edge/1"))
        .build();
    let mut m = target_group(&ctx(), &ip_group).expect("transforms");
    m.targets.push(t);
    // IP targets (even outside the VPC) are not references: nothing to find.
    let mut refs = Refs::default();
    m.references(&mut refs);
    assert!(refs.list.iter().all(|r| r.kind != ResourceKind::Instance));
    assert_eq!(m.health_check.and_then(|h| h.port).as_deref(), Some("traffic-port"));
}
