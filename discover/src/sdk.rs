//! SDK configuration: the standard credential chain and AWS conventions (profiles,
//! SSO, AWS_REGION, AWS_ENDPOINT_URL[_<SERVICE>]) via aws-config, plus our retry and
//! timeout settings, and clients that report every call to the recorder.
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::options::{DiscoverOptions, RetryMode};
use crate::recorder::Recorder;

pub fn retry_config(opts: &DiscoverOptions) -> RetryConfig {
    let base = match opts.retry_mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    };
    base.with_max_attempts(opts.max_attempts.max(1))
}

pub fn timeout_config(opts: &DiscoverOptions) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        // The SDK's read timeout only covers the wait for the response head; a body
        // that stops arriving would hold the call until the operation timeout and then
        // fail it with no retry. Bounding each attempt makes that a retried timeout.
        .operation_attempt_timeout(opts.connect_timeout + opts.read_timeout)
        .operation_timeout(opts.operation_timeout)
        .build()
}

pub async fn load_base(opts: &DiscoverOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config(opts))
        .timeout_config(timeout_config(opts));
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

pub fn ec2(conf: &SdkConfig, region: &str, recorder: &Recorder, account_id: &str) -> aws_sdk_ec2::Client {
    let c = aws_sdk_ec2::config::Builder::from(conf)
        .region(Region::new(region.to_string()))
        .interceptor(recorder.interceptor(account_id, region))
        .build();
    aws_sdk_ec2::Client::from_conf(c)
}

pub fn elbv2(
    conf: &SdkConfig,
    region: &str,
    recorder: &Recorder,
    account_id: &str,
) -> aws_sdk_elasticloadbalancingv2::Client {
    let c = aws_sdk_elasticloadbalancingv2::config::Builder::from(conf)
        .region(Region::new(region.to_string()))
        .interceptor(recorder.interceptor(account_id, region))
        .build();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(c)
}

/// Classic Load Balancers.
pub fn elb(
    conf: &SdkConfig,
    region: &str,
    recorder: &Recorder,
    account_id: &str,
) -> aws_sdk_elasticloadbalancing::Client {
    let c = aws_sdk_elasticloadbalancing::config::Builder::from(conf)
        .region(Region::new(region.to_string()))
        .interceptor(recorder.interceptor(account_id, region))
        .build();
    aws_sdk_elasticloadbalancing::Client::from_conf(c)
}

pub fn sts(conf: &SdkConfig, recorder: &Recorder, account_id: &str) -> aws_sdk_sts::Client {
    let c = aws_sdk_sts::config::Builder::from(conf).interceptor(recorder.interceptor(account_id, "global")).build();
    aws_sdk_sts::Client::from_conf(c)
}

pub fn organizations(conf: &SdkConfig, recorder: &Recorder, account_id: &str) -> aws_sdk_organizations::Client {
    let c = aws_sdk_organizations::config::Builder::from(conf)
        .interceptor(recorder.interceptor(account_id, "global"))
        .build();
    aws_sdk_organizations::Client::from_conf(c)
}
