//! SDK-level mocks (aws-smithy-mocks) for what moto cannot show: several pages,
//! throttling with retries, denied calls, and odd or malformed fields.
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsError;
use aws_sdk_ec2::operation::describe_transit_gateways::DescribeTransitGatewaysError;
use aws_sdk_ec2::types as sdk;
use aws_sdk_ec2::Client;
use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use inventory::snapshot::{CoverageRecord, CoverageStatus};

use crate::ops;
use crate::progress::Progress;
use crate::recorder::Recorder;
use crate::region::{collect, RegionJob, RegionOutput};
use crate::transform::Ctx;

const ACCOUNT: &str = "111111111111";
const REGION: &str = "eu-west-1";

fn mocks(rules: &[Rule]) -> MockResponseInterceptor {
    let mut mocks = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny).allow_passthrough();
    for r in rules {
        mocks = mocks.with_rule(r);
    }
    mocks
}

/// The settings every mock client shares.
macro_rules! mock_client {
    ($sdk:ident, $rules:expr, $recorder:expr) => {{
        let conf = $sdk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "mock"))
            .http_client(create_mock_http_client())
            .retry_config(RetryConfig::standard().with_max_attempts(4).with_initial_backoff(Duration::from_millis(1)))
            .interceptor(mocks($rules))
            .interceptor($recorder.interceptor(ACCOUNT, REGION))
            .build();
        $sdk::Client::from_conf(conf)
    }};
}

/// A client whose every call is answered by `rules`; anything unmatched gets an
/// HTTP 418 (so it shows up as a failed record, never as silent success).
fn client(rules: &[Rule], recorder: &Recorder) -> Client {
    mock_client!(aws_sdk_ec2, rules, recorder)
}

async fn run(rules: &[Rule]) -> (RegionOutput, Recorder) {
    let recorder = Recorder::new();
    let job = RegionJob {
        ctx: Ctx::new(ACCOUNT, REGION),
        ec2: client(rules, &recorder),
        elbv2: mock_client!(aws_sdk_elasticloadbalancingv2, rules, &recorder),
        elb: mock_client!(aws_sdk_elasticloadbalancing, rules, &recorder),
        v2_load_balancers: Default::default(),
        slot: crate::limits::Limits::new(8, 4).slot(ACCOUNT, REGION),
        recorder: recorder.clone(),
        progress: Progress::hidden(),
    };
    (collect(job).await, recorder)
}

fn rec(out: &RegionOutput, op: ops::Op) -> &CoverageRecord {
    out.coverage.iter().find(|c| c.api == op.action()).unwrap_or_else(|| panic!("no record for {}", op.action()))
}

fn vpc(id: &str) -> sdk::Vpc {
    sdk::Vpc::builder().vpc_id(id).cidr_block("10.0.0.0/16").build()
}

fn throttled() -> String {
    "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>".into()
}

#[tokio::test]
async fn pages_are_followed_with_the_largest_page_size() {
    use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput;
    let first = mock!(Client::describe_vpcs)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(1000))
        .then_output(|| {
            DescribeVpcsOutput::builder().vpcs(vpc("vpc-1")).vpcs(vpc("vpc-2")).next_token("page2").build()
        });
    let second = mock!(Client::describe_vpcs)
        .match_requests(|r| r.next_token() == Some("page2"))
        .then_output(|| DescribeVpcsOutput::builder().vpcs(vpc("vpc-3")).next_token("page3").build());
    let third = mock!(Client::describe_vpcs)
        .match_requests(|r| r.next_token() == Some("page3"))
        .then_output(|| DescribeVpcsOutput::builder().vpcs(vpc("vpc-4")).build());
    let (out, recorder) = run(&[first, second, third]).await;
    let ids: Vec<&str> = out.resources.vpcs.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["vpc-1", "vpc-2", "vpc-3", "vpc-4"]);
    let r = rec(&out, ops::DESCRIBE_VPCS);
    assert_eq!((r.status, r.pages, r.items, r.retries), (CoverageStatus::Ok, 3, 4, 0));
    assert_eq!(recorder.get(ACCOUNT, REGION, "ec2:DescribeVpcs").calls, 3);
}

#[tokio::test]
async fn throttling_is_retried_and_counted() {
    use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
    let subnets = mock!(Client::describe_subnets)
        .sequence()
        .http_status(400, Some(throttled()))
        .times(2)
        .output(|| {
            DescribeSubnetsOutput::builder()
                .subnets(sdk::Subnet::builder().subnet_id("subnet-1").vpc_id("vpc-1").build())
                .build()
        })
        .build();
    // Three 503s then nothing more: retries run out (max 4 attempts) and the call fails.
    let nat = mock!(Client::describe_nat_gateways).sequence().http_status(503, None).repeatedly().build();
    let (out, _) = run(&[subnets, nat]).await;
    let r = rec(&out, ops::DESCRIBE_SUBNETS);
    assert_eq!((r.status, r.items, r.retries), (CoverageStatus::Ok, 1, 2), "{r:?}");
    assert_eq!(out.resources.subnets.len(), 1);
    let r = rec(&out, ops::DESCRIBE_NAT_GATEWAYS);
    assert_eq!((r.status, r.retries), (CoverageStatus::Failed, 3), "{r:?}");
    assert_eq!(r.error_code.as_deref(), Some("HTTP 503"));
}

#[tokio::test]
async fn denied_calls_are_gaps_and_the_rest_goes_on() {
    use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput;
    let denied = mock!(Client::describe_security_groups).then_error(|| {
        DescribeSecurityGroupsError::generic(
            ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("You are not authorized to perform this operation.")
                .build(),
        )
    });
    let broken = mock!(Client::describe_transit_gateways)
        .then_error(|| DescribeTransitGatewaysError::generic(ErrorMetadata::builder().code("InternalError").build()));
    let vpcs = mock!(Client::describe_vpcs).then_output(|| DescribeVpcsOutput::builder().vpcs(vpc("vpc-1")).build());
    let (out, _) = run(&[denied, broken, vpcs]).await;
    let r = rec(&out, ops::DESCRIBE_SECURITY_GROUPS);
    assert_eq!(r.status, CoverageStatus::Denied);
    assert_eq!(r.error_code.as_deref(), Some("UnauthorizedOperation"));
    assert!(r.error_message.as_deref().unwrap_or("").contains("not authorized"));
    assert_eq!(rec(&out, ops::DESCRIBE_TRANSIT_GATEWAYS).status, CoverageStatus::Failed);
    assert_eq!(rec(&out, ops::DESCRIBE_VPCS).status, CoverageStatus::Ok);
    assert_eq!(out.resources.vpcs.len(), 1);
    // Every regional API has exactly one record, whatever happened.
    for op in ops::REGIONAL {
        assert_eq!(out.coverage.iter().filter(|c| c.api == op.action()).count(), 1, "{}", op.action());
    }
}

#[tokio::test]
async fn odd_fields_are_handled_and_unusable_items_are_reported() {
    use aws_sdk_ec2::operation::describe_instances::DescribeInstancesOutput;
    use aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput;
    use aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput;
    // Instance with no groups or interfaces listed; its ENI has both.
    let instances = mock!(Client::describe_instances).then_output(|| {
        DescribeInstancesOutput::builder()
            .reservations(
                sdk::Reservation::builder()
                    .instances(
                        sdk::Instance::builder().instance_id("i-1").vpc_id("vpc-1").subnet_id("subnet-1").build(),
                    )
                    .build(),
            )
            .build()
    });
    let enis = mock!(Client::describe_network_interfaces).then_output(|| {
        DescribeNetworkInterfacesOutput::builder()
            .network_interfaces(
                sdk::NetworkInterface::builder()
                    .network_interface_id("eni-1")
                    .vpc_id("vpc-1")
                    .subnet_id("subnet-1")
                    .attachment(sdk::NetworkInterfaceAttachment::builder().instance_id("i-1").build())
                    .groups(sdk::GroupIdentifier::builder().group_id("sg-1").build())
                    .build(),
            )
            .build()
    });
    // One good table, one whose route has no destination: the bad one is reported, not dropped silently.
    let rtbs = mock!(Client::describe_route_tables).then_output(|| {
        DescribeRouteTablesOutput::builder()
            .route_tables(sdk::RouteTable::builder().route_table_id("rtb-good").vpc_id("vpc-1").build())
            .route_tables(
                sdk::RouteTable::builder()
                    .route_table_id("rtb-bad")
                    .vpc_id("vpc-1")
                    .routes(sdk::Route::builder().gateway_id("igw-1").build())
                    .build(),
            )
            .build()
    });
    let (out, _) = run(&[instances, enis, rtbs]).await;
    let i = &out.resources.instances[0];
    assert_eq!(i.security_group_ids, vec!["sg-1".to_string()]);
    assert_eq!(i.network_interface_ids, vec!["eni-1".to_string()]);
    assert_eq!(out.resources.route_tables.len(), 1);
    let r = rec(&out, ops::DESCRIBE_ROUTE_TABLES);
    assert_eq!(r.status, CoverageStatus::Failed);
    assert_eq!(r.error_code.as_deref(), Some("UnusableResponse"));
    assert!(r.error_message.as_deref().unwrap_or("").contains("rtb-bad"), "{r:?}");
}

#[tokio::test]
async fn tgw_route_tables_fan_out_and_parent_failure_skips_children() {
    use aws_sdk_ec2::operation::describe_transit_gateway_route_tables::DescribeTransitGatewayRouteTablesOutput;
    use aws_sdk_ec2::operation::get_transit_gateway_route_table_associations::GetTransitGatewayRouteTableAssociationsOutput;
    use aws_sdk_ec2::operation::get_transit_gateway_route_table_propagations::GetTransitGatewayRouteTablePropagationsOutput;
    use aws_sdk_ec2::operation::search_transit_gateway_routes::SearchTransitGatewayRoutesOutput;
    let tables = mock!(Client::describe_transit_gateway_route_tables).then_output(|| {
        DescribeTransitGatewayRouteTablesOutput::builder()
            .transit_gateway_route_tables(
                sdk::TransitGatewayRouteTable::builder()
                    .transit_gateway_route_table_id("tgw-rtb-1")
                    .transit_gateway_id("tgw-1")
                    .build(),
            )
            .build()
    });
    // The search must ask for both active and blackhole routes.
    let routes = mock!(Client::search_transit_gateway_routes)
        .match_requests(|r| {
            r.filters().iter().any(|f| {
                f.name() == Some("state")
                    && f.values().contains(&"active".to_string())
                    && f.values().contains(&"blackhole".to_string())
            })
        })
        .then_output(|| {
            SearchTransitGatewayRoutesOutput::builder()
                .routes(
                    sdk::TransitGatewayRoute::builder()
                        .destination_cidr_block("10.0.0.0/16")
                        .r#type(sdk::TransitGatewayRouteType::Static)
                        .state(sdk::TransitGatewayRouteState::Active)
                        .transit_gateway_attachments(
                            sdk::TransitGatewayRouteAttachment::builder()
                                .transit_gateway_attachment_id("tgw-attach-1")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    let assoc = mock!(Client::get_transit_gateway_route_table_associations).then_output(|| {
        GetTransitGatewayRouteTableAssociationsOutput::builder()
            .associations(
                sdk::TransitGatewayRouteTableAssociation::builder()
                    .transit_gateway_attachment_id("tgw-attach-1")
                    .build(),
            )
            .build()
    });
    let prop = mock!(Client::get_transit_gateway_route_table_propagations).then_output(|| {
        GetTransitGatewayRouteTablePropagationsOutput::builder()
            .transit_gateway_route_table_propagations(
                sdk::TransitGatewayRouteTablePropagation::builder()
                    .transit_gateway_attachment_id("tgw-attach-1")
                    .build(),
            )
            .build()
    });
    let (out, _) = run(&[tables, routes, assoc, prop]).await;
    let t = &out.resources.transit_gateway_route_tables[0];
    assert_eq!((t.routes.len(), t.associations.len(), t.propagations.len()), (1, 1, 1));
    assert_eq!(rec(&out, ops::SEARCH_TRANSIT_GATEWAY_ROUTES).status, CoverageStatus::Ok);

    // Prefix lists denied: the entries API is recorded as skipped, with the reason.
    let (out, _) = run(&[]).await;
    assert_eq!(rec(&out, ops::DESCRIBE_MANAGED_PREFIX_LISTS).status, CoverageStatus::Failed);
    let child = rec(&out, ops::GET_MANAGED_PREFIX_LIST_ENTRIES);
    assert_eq!(child.status, CoverageStatus::Skipped);
    assert!(child.error_message.as_deref().unwrap_or("").contains("DescribeManagedPrefixLists"));
}

/// Every operation the collector sent is in the operation table (and so in the IAM policy).
#[tokio::test]
async fn only_table_operations_are_sent() {
    let (_, recorder) = run(&[]).await;
    let sent = recorder.per_action();
    assert!(!sent.is_empty());
    for action in sent.keys() {
        assert!(ops::OPERATIONS.iter().any(|o| &o.action() == action), "{action} is not in ops::OPERATIONS");
    }
}

mod elb {
    use aws_sdk_elasticloadbalancing::operation::describe_load_balancers::DescribeLoadBalancersOutput as ClassicOutput;
    use aws_sdk_elasticloadbalancing::Client as Elb;
    use aws_sdk_elasticloadbalancingv2::operation::describe_listeners::DescribeListenersOutput;
    use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancer_attributes::DescribeLoadBalancerAttributesOutput;
    use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::{
        DescribeLoadBalancersError, DescribeLoadBalancersOutput,
    };
    use aws_sdk_elasticloadbalancingv2::operation::describe_rules::DescribeRulesOutput;
    use aws_sdk_elasticloadbalancingv2::operation::describe_target_group_attributes::DescribeTargetGroupAttributesOutput;
    use aws_sdk_elasticloadbalancingv2::operation::describe_target_groups::DescribeTargetGroupsOutput;
    use aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthOutput;
    use aws_sdk_elasticloadbalancingv2::types as v2;
    use aws_sdk_elasticloadbalancingv2::Client as Elbv2;

    use super::*;

    const ARN: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111";

    fn lb(name: &str) -> v2::LoadBalancer {
        v2::LoadBalancer::builder()
            .load_balancer_arn(format!("{ARN}:loadbalancer/app/{name}/0123456789abcdef"))
            .load_balancer_name(name)
            .r#type(v2::LoadBalancerTypeEnum::Application)
            .scheme(v2::LoadBalancerSchemeEnum::InternetFacing)
            .build()
    }

    fn tg(name: &str) -> v2::TargetGroup {
        v2::TargetGroup::builder()
            .target_group_arn(format!("{ARN}:targetgroup/{name}/0123456789abcdef"))
            .target_group_name(name)
            .target_type(v2::TargetTypeEnum::Ip)
            .build()
    }

    fn empty_classic() -> Rule {
        mock!(Elb::describe_load_balancers).then_output(|| ClassicOutput::builder().build())
    }

    /// Both listings follow NextMarker with the largest page size; each load balancer's
    /// listeners, each listener's rules and each group's targets are read.
    #[tokio::test]
    async fn load_balancers_and_target_groups_page_by_marker_and_fan_out() {
        let lbs1 = mock!(Elbv2::describe_load_balancers)
            .match_requests(|r| r.marker().is_none() && r.page_size() == Some(400))
            .then_output(|| DescribeLoadBalancersOutput::builder().load_balancers(lb("a")).next_marker("m2").build());
        let lbs2 = mock!(Elbv2::describe_load_balancers)
            .match_requests(|r| r.marker() == Some("m2"))
            .then_output(|| DescribeLoadBalancersOutput::builder().load_balancers(lb("b")).build());
        let attrs = mock!(Elbv2::describe_load_balancer_attributes).then_output(|| {
            DescribeLoadBalancerAttributesOutput::builder()
                .attributes(
                    v2::LoadBalancerAttribute::builder().key("deletion_protection.enabled").value("true").build(),
                )
                .build()
        });
        let listeners = mock!(Elbv2::describe_listeners).then_output(|| DescribeListenersOutput::builder().build());
        let listeners_a = mock!(Elbv2::describe_listeners)
            .match_requests(|r| r.load_balancer_arn().is_some_and(|a| a.contains("/app/a/")))
            .then_output(|| {
                DescribeListenersOutput::builder()
                    .listeners(
                        v2::Listener::builder()
                            .listener_arn(format!("{ARN}:listener/app/a/0123456789abcdef/1"))
                            .load_balancer_arn(format!("{ARN}:loadbalancer/app/a/0123456789abcdef"))
                            .protocol(v2::ProtocolEnum::Http)
                            .port(80)
                            .build(),
                    )
                    .build()
            });
        let rules = mock!(Elbv2::describe_rules).then_output(|| {
            DescribeRulesOutput::builder()
                .rules(v2::Rule::builder().priority("default").is_default(true).build())
                .build()
        });
        let tgs1 = mock!(Elbv2::describe_target_groups)
            .match_requests(|r| r.marker().is_none() && r.page_size() == Some(400))
            .then_output(|| DescribeTargetGroupsOutput::builder().target_groups(tg("x")).next_marker("t2").build());
        let tgs2 = mock!(Elbv2::describe_target_groups)
            .match_requests(|r| r.marker() == Some("t2"))
            .then_output(|| DescribeTargetGroupsOutput::builder().target_groups(tg("y")).next_marker("t3").build());
        let tgs3 = mock!(Elbv2::describe_target_groups)
            .match_requests(|r| r.marker() == Some("t3"))
            .then_output(|| DescribeTargetGroupsOutput::builder().target_groups(tg("z")).build());
        let health = mock!(Elbv2::describe_target_health).then_output(|| {
            DescribeTargetHealthOutput::builder()
                .target_health_descriptions(
                    v2::TargetHealthDescription::builder()
                        .target(v2::TargetDescription::builder().id("10.0.0.5").port(443).build())
                        .build(),
                )
                .build()
        });
        // Group x turned client IP preservation off; y and z state nothing.
        let tg_attrs_x = mock!(Elbv2::describe_target_group_attributes)
            .match_requests(|r| r.target_group_arn().is_some_and(|a| a.contains("/x/")))
            .then_output(|| {
                DescribeTargetGroupAttributesOutput::builder()
                    .attributes(
                        v2::TargetGroupAttribute::builder().key("preserve_client_ip.enabled").value("false").build(),
                    )
                    .build()
            });
        let tg_attrs = mock!(Elbv2::describe_target_group_attributes)
            .then_output(|| DescribeTargetGroupAttributesOutput::builder().build());
        // Specific rules first: MatchAny takes the first that matches.
        let all = [
            lbs1,
            lbs2,
            attrs,
            listeners_a,
            listeners,
            rules,
            tgs1,
            tgs2,
            tgs3,
            health,
            tg_attrs_x,
            tg_attrs,
            empty_classic(),
        ];
        let (out, _) = run(&all).await;
        let names: Vec<&str> = out.resources.load_balancers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(out
            .resources
            .load_balancers
            .iter()
            .all(|l| l.attributes.as_ref().and_then(|a| a.deletion_protection) == Some(true)));
        let r = rec(&out, ops::ELBV2_DESCRIBE_LOAD_BALANCERS);
        assert_eq!((r.status, r.pages, r.items), (CoverageStatus::Ok, 2, 2));
        assert_eq!(rec(&out, ops::ELBV2_DESCRIBE_LOAD_BALANCER_ATTRIBUTES).items, 2);
        let r = rec(&out, ops::ELBV2_DESCRIBE_TARGET_GROUPS);
        assert_eq!((r.status, r.pages, r.items), (CoverageStatus::Ok, 3, 3));
        assert_eq!(out.resources.target_groups.len(), 3);
        assert!(out.resources.target_groups.iter().all(|g| g.targets.len() == 1));
        assert_eq!(rec(&out, ops::ELBV2_DESCRIBE_TARGET_HEALTH).items, 3);
        let preserve: Vec<(&str, Option<bool>)> =
            out.resources.target_groups.iter().map(|g| (g.name.as_str(), g.preserve_client_ip)).collect();
        assert_eq!(preserve, [("x", Some(false)), ("y", None), ("z", None)]);
        assert_eq!(rec(&out, ops::ELBV2_DESCRIBE_TARGET_GROUP_ATTRIBUTES).items, 3);
        // One DescribeListeners per load balancer; rules for the one listener.
        let r = rec(&out, ops::ELBV2_DESCRIBE_LISTENERS);
        assert_eq!((r.status, r.pages, r.items), (CoverageStatus::Ok, 2, 1));
        assert_eq!(out.resources.listeners.len(), 1);
        assert!(out.resources.listeners[0].rules[0].is_default());
        assert_eq!(rec(&out, ops::ELBV2_DESCRIBE_RULES).items, 1);
        assert_eq!(rec(&out, ops::ELB_DESCRIBE_LOAD_BALANCERS).status, CoverageStatus::Ok);
    }

    /// A denied ELB v2 listing is a gap; what needs it is skipped and says why; the
    /// Classic listing and target groups go on.
    #[tokio::test]
    async fn denied_load_balancer_listing_is_a_gap_and_its_children_are_skipped() {
        let denied = mock!(Elbv2::describe_load_balancers).then_error(|| {
            DescribeLoadBalancersError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("User is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers")
                    .build(),
            )
        });
        let tgs = mock!(Elbv2::describe_target_groups).then_output(|| DescribeTargetGroupsOutput::builder().build());
        let (out, _) = run(&[denied, tgs, empty_classic()]).await;
        let r = rec(&out, ops::ELBV2_DESCRIBE_LOAD_BALANCERS);
        assert_eq!((r.status, r.error_code.as_deref()), (CoverageStatus::Denied, Some("AccessDenied")));
        for op in
            [ops::ELBV2_DESCRIBE_LOAD_BALANCER_ATTRIBUTES, ops::ELBV2_DESCRIBE_LISTENERS, ops::ELBV2_DESCRIBE_RULES]
        {
            let r = rec(&out, op);
            assert_eq!(r.status, CoverageStatus::Skipped, "{r:?}");
            assert!(r.error_message.as_deref().unwrap_or("").contains("DescribeLoadBalancers"), "{r:?}");
        }
        assert_eq!(rec(&out, ops::ELB_DESCRIBE_LOAD_BALANCERS).status, CoverageStatus::Ok);
        assert_eq!(rec(&out, ops::ELBV2_DESCRIBE_TARGET_GROUPS).status, CoverageStatus::Ok);
        assert!(out
            .coverage
            .iter()
            .filter(|c| c.status.is_gap())
            .any(|c| c.api == "elasticloadbalancing:DescribeLoadBalancers"));
    }

    /// An emulator that hands back the same NextMarker forever must not hang the run.
    #[tokio::test]
    async fn a_repeated_marker_fails_the_listing_instead_of_looping() {
        let looping = mock!(Elbv2::describe_target_groups)
            .then_output(|| DescribeTargetGroupsOutput::builder().target_groups(tg("x")).next_marker("same").build());
        let (out, _) = run(&[looping, empty_classic()]).await;
        let r = rec(&out, ops::ELBV2_DESCRIBE_TARGET_GROUPS);
        assert_eq!(
            (r.status, r.error_code.as_deref(), r.pages),
            (CoverageStatus::Failed, Some("RepeatedMarker"), 2),
            "{r:?}"
        );
    }
}
