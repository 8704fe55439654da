//! The order a region's requests queue in: with a bound of one request in flight,
//! they are sent in exactly that order.
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::config::Credentials;
use aws_smithy_mocks::{create_mock_http_client, MockResponseInterceptor, RuleMode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::progress::Progress;
use crate::recorder::Recorder;
use crate::region::{collect, RegionJob};
use crate::transform::Ctx;

/// Operation names in the order they were sent.
#[derive(Debug, Clone, Default)]
struct Sent(Arc<Mutex<Vec<String>>>);

impl Intercept for Sent {
    fn name(&self) -> &'static str {
        "order_tests::Sent"
    }

    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(m.name().to_string());
        }
        Ok(())
    }
}

/// The fan-out parents first (their children can only start when they return), then
/// the listings most likely to page; the order the collector has always used.
#[tokio::test]
async fn requests_queue_in_start_order() {
    let sent = Sent::default();
    macro_rules! client {
        ($sdk:ident) => {
            $sdk::Client::from_conf(
                $sdk::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new("eu-west-1"))
                    .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "mock"))
                    .http_client(create_mock_http_client())
                    .interceptor(MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny).allow_passthrough())
                    .interceptor(sent.clone())
                    .build(),
            )
        };
    }
    let job = RegionJob {
        ctx: Ctx::new("111111111111", "eu-west-1"),
        ec2: client!(aws_sdk_ec2),
        elbv2: client!(aws_sdk_elasticloadbalancingv2),
        elb: client!(aws_sdk_elasticloadbalancing),
        v2_load_balancers: Default::default(),
        slot: crate::limits::Limits::new(1, 1).slot("111111111111", "eu-west-1"),
        recorder: Recorder::new(),
        progress: Progress::hidden(),
    };
    collect(job).await;
    let order = sent.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(
        order,
        [
            "DescribeManagedPrefixLists",
            "DescribeTransitGatewayRouteTables",
            // ELB v2, then Classic; listeners wait for the v2 listing (which fails here).
            "DescribeLoadBalancers",
            "DescribeLoadBalancers",
            "DescribeTargetGroups",
            "DescribeInstances",
            "DescribeNetworkInterfaces",
            "DescribeSecurityGroupRules",
            "DescribeSecurityGroups",
            "DescribeSubnets",
            "DescribeRouteTables",
            "DescribeNetworkAcls",
            "DescribeVpcEndpoints",
            "DescribeVpcs",
            "DescribeAvailabilityZones",
            "DescribeInternetGateways",
            "DescribeEgressOnlyInternetGateways",
            "DescribeNatGateways",
            "DescribeVpcPeeringConnections",
            "DescribeTransitGateways",
            "DescribeTransitGatewayAttachments",
            "DescribeTransitGatewayVpcAttachments",
            "DescribeVpnGateways",
            "DescribeVpnConnections",
            "DescribeCustomerGateways",
            "DescribeAddresses",
        ]
    );
}
