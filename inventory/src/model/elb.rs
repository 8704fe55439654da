//! Elastic Load Balancing: load balancers (application, network, gateway and Classic),
//! their listeners (v2; Classic listeners are inline on the load balancer) and target
//! groups with their registered targets.
//!
//! Ids are ARNs: v2 names are unique only per type, and a Classic ELB may share its
//! name with an ALB, but ARNs never collide. A Classic ELB has no ARN in its API; its
//! documented form `arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/<name>`
//! is used.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::asset::{sorted, Asset};
use super::checks::Issues;
use super::common::{impl_resource, ResourceKind, Tags};
use super::compute::NetworkInterface;
use super::refs::{Check, Field, Refs, Rel};

/// The four kinds of load balancer AWS offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoadBalancerType {
    Application,
    Network,
    Gateway,
    Classic,
}

impl LoadBalancerType {
    pub fn as_str(self) -> &'static str {
        match self {
            LoadBalancerType::Application => "application",
            LoadBalancerType::Network => "network",
            LoadBalancerType::Gateway => "gateway",
            LoadBalancerType::Classic => "classic",
        }
    }

    /// The type segment of a v2 ARN and of its ENIs' descriptions ("app", "net", "gwy").
    pub fn arn_segment(self) -> Option<&'static str> {
        match self {
            LoadBalancerType::Application => Some("app"),
            LoadBalancerType::Network => Some("net"),
            LoadBalancerType::Gateway => Some("gwy"),
            LoadBalancerType::Classic => None,
        }
    }

    fn from_arn_segment(s: &str) -> Option<LoadBalancerType> {
        match s {
            "app" => Some(LoadBalancerType::Application),
            "net" => Some(LoadBalancerType::Network),
            "gwy" => Some(LoadBalancerType::Gateway),
            _ => None,
        }
    }
}

impl std::fmt::Display for LoadBalancerType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Addresses AWS states for one zone of a network or gateway load balancer (an NLB's
/// Elastic IPs and chosen private addresses). ALBs and Classic ELBs list none.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerAddress {
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Public IPv4 address (an Elastic IP of an internet-facing NLB).
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub allocation_id: Option<String>,
    #[serde(default)]
    pub private_ipv4_address: Option<String>,
    #[serde(default)]
    pub ipv6_address: Option<String>,
}

/// The load balancer attributes an audit asks about (DescribeLoadBalancerAttributes);
/// each None when AWS did not state it for this type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerAttributes {
    #[serde(default)]
    pub deletion_protection: Option<bool>,
    #[serde(default)]
    pub cross_zone_load_balancing: Option<bool>,
    /// ALB only: `routing.http.drop_invalid_header_fields.enabled`.
    #[serde(default)]
    pub drop_invalid_header_fields: Option<bool>,
    #[serde(default)]
    pub access_logs_enabled: Option<bool>,
    #[serde(default)]
    pub access_logs_bucket: Option<String>,
    #[serde(default)]
    pub access_logs_prefix: Option<String>,
}

/// A Classic ELB listener: front-end protocol/port to back-end protocol/port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassicListener {
    /// "HTTP", "HTTPS", "TCP" or "SSL".
    pub protocol: String,
    pub port: u16,
    pub instance_protocol: Option<String>,
    pub instance_port: u16,
    /// ARN of the server certificate (IAM or ACM) for HTTPS/SSL.
    #[serde(default)]
    pub ssl_certificate_id: Option<String>,
    #[serde(default)]
    pub policy_names: Vec<String>,
}

/// An instance registered with a Classic ELB, with its health (DescribeInstanceHealth).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassicBackend {
    pub instance_id: String,
    /// "InService", "OutOfService" or "Unknown"; None when health was not read.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// The ARN (see the module documentation for Classic ELBs).
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub lb_type: LoadBalancerType,
    /// "internet-facing" or "internal"; AWS states none for gateway load balancers.
    #[serde(default)]
    pub scheme: Option<String>,
    /// "ipv4", "dualstack" or "dualstack-without-public-ipv4".
    #[serde(default)]
    pub ip_address_type: Option<String>,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub availability_zones: Vec<String>,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Network load balancers may have none (then their ENIs admit any source).
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<LoadBalancerAddress>,
    #[serde(default)]
    pub dns_name: Option<String>,
    /// v2 state code: "active", "provisioning", "active_impaired", "failed".
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub created_time: Option<String>,
    /// None when not read (Classic ELBs, or the call failed: its coverage record says so).
    #[serde(default)]
    pub attributes: Option<LoadBalancerAttributes>,
    /// Classic ELBs only (v2 listeners are `Listener` resources).
    #[serde(default)]
    pub classic_listeners: Vec<ClassicListener>,
    /// Classic ELBs only (v2 targets are in their `TargetGroup`).
    #[serde(default)]
    pub classic_instances: Vec<ClassicBackend>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(LoadBalancer, ResourceKind::LoadBalancer, opt_vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            fallback_name: Some(&self.name),
            availability_zone: match self.availability_zones.as_slice() {
                [only] => Some(only.as_str()),
                _ => None,
            },
            subnets: self.subnet_ids.iter().map(String::as_str).collect(),
            private_ips: sorted(self.addresses.iter().filter_map(|a| a.private_ipv4_address.clone()).collect()),
            // Only addresses AWS states on the load balancer itself (NLB Elastic IPs);
            // an ALB's public addresses are on its ENIs, which are their own rows.
            public_ips: sorted(self.addresses.iter().filter_map(|a| a.ip_address.clone()).collect()),
            ipv6_addresses: sorted(self.addresses.iter().filter_map(|a| a.ipv6_address.clone()).collect()),
            security_groups: self.security_group_ids.iter().map(String::as_str).collect(),
            // Findings name the load balancer (on its listener ports), node by node.
            exposed_as: Some(super::asset::ExposedAs::Resource),
            ..Asset::service("elb")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        if let Some(v) = &self.vpc_id {
            out.required("vpc_id", ResourceKind::Vpc, v, Rel::Names);
        }
        out.required_each("subnet_ids", ResourceKind::Subnet, &self.subnet_ids, Rel::AttachedTo);
        out.required_each("security_group_ids", ResourceKind::SecurityGroup, &self.security_group_ids, Rel::Names);
        for (i, a) in self.addresses.iter().enumerate() {
            if let Some(s) = &a.subnet_id {
                out.push(Field::at("addresses", i, ".subnet_id"), ResourceKind::Subnet, s, Check::Required, Rel::Names);
            }
        }
        // A registered instance may belong to a VPC-sharing participant's account.
        for (i, b) in self.classic_instances.iter().enumerate() {
            let field = Field::at("classic_instances", i, ".instance_id");
            out.push(field, ResourceKind::Instance, &b.instance_id, Check::Expected, Rel::Names);
        }
    }
    fn check(&self, out: &mut Issues) {
        if self.lb_type == LoadBalancerType::Classic {
            return;
        }
        if !self.classic_listeners.is_empty() || !self.classic_instances.is_empty() {
            let message = format!("a {} load balancer has Classic listeners or instances", self.lb_type);
            out.invalid("classic_listeners", message);
        }
    }
    fn normalize(&mut self) {
        self.availability_zones.sort();
        self.subnet_ids.sort();
        self.security_group_ids.sort();
        self.addresses.sort();
        self.classic_listeners.sort();
        self.classic_instances.sort();
        for l in &mut self.classic_listeners {
            l.policy_names.sort();
        }
    }
});

impl LoadBalancer {
    pub fn kind(&self) -> LoadBalancerType {
        self.lb_type
    }

    pub fn is_internet_facing(&self) -> bool {
        self.scheme.as_deref() == Some("internet-facing")
    }

    /// The key AWS writes into the description of this load balancer's ENIs:
    /// "app/<name>/<id>" (from the ARN) for v2, the name for Classic.
    fn eni_key(&self) -> Option<EniKey<'_>> {
        match self.lb_type.arn_segment() {
            Some(seg) => {
                let arn = self.arn.as_deref().unwrap_or(&self.id);
                let (_, rest) = arn.split_once(":loadbalancer/")?;
                let mut parts = rest.splitn(3, '/');
                let (t, name, id) = (parts.next()?, parts.next()?, parts.next()?);
                (t == seg && name == self.name).then_some(EniKey::V2 { lb_type: self.lb_type, name, id })
            }
            None => Some(EniKey::Classic { name: &self.name }),
        }
    }
}

/// What an ELB ENI's description names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EniKey<'a> {
    /// "ELB app/<name>/<id>", "ELB net/…", "ELB gwy/…".
    V2 { lb_type: LoadBalancerType, name: &'a str, id: &'a str },
    /// "ELB <name>".
    Classic { name: &'a str },
}

impl<'a> EniKey<'a> {
    fn of_eni(eni: &'a NetworkInterface) -> Option<EniKey<'a>> {
        // AWS creates these ENIs itself: requester-managed, requester "amazon-elb".
        if !(eni.requester_managed || eni.requester_id.as_deref() == Some("amazon-elb")) {
            return None;
        }
        let rest = eni.description.strip_prefix("ELB ")?;
        match rest.split_once('/') {
            Some((seg, tail)) => {
                let lb_type = LoadBalancerType::from_arn_segment(seg)?;
                let (name, id) = tail.split_once('/')?;
                (!name.is_empty() && !id.is_empty() && !id.contains('/')).then_some(EniKey::V2 { lb_type, name, id })
            }
            // Classic names are letters, digits and hyphens.
            None => (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                .then_some(EniKey::Classic { name: rest }),
        }
    }
}

/// Finds the load balancer an ENI belongs to, from the description AWS writes on the
/// ENIs it creates for it: v2 by type, name and the id at the end of the ARN, Classic
/// by name and VPC; always within the ENI's account and region.
#[derive(Debug, Default)]
pub struct LoadBalancerEnis<'a> {
    by_key: std::collections::BTreeMap<(&'a str, &'a str, Option<&'a str>, EniKey<'a>), &'a LoadBalancer>,
}

impl<'a> LoadBalancerEnis<'a> {
    pub fn new(lbs: &'a [LoadBalancer]) -> LoadBalancerEnis<'a> {
        let mut by_key = std::collections::BTreeMap::new();
        for lb in lbs {
            let Some(key) = lb.eni_key() else { continue };
            // A Classic name is unique per account and region; the VPC is matched too
            // so an ENI is never joined to a load balancer in another network.
            let vpc = matches!(key, EniKey::Classic { .. }).then_some(lb.vpc_id.as_deref()).flatten();
            by_key.insert((lb.account_id.as_str(), lb.region.as_str(), vpc, key), lb);
        }
        LoadBalancerEnis { by_key }
    }

    /// The load balancer whose ENI `eni` is, if it is one and its load balancer is known.
    pub fn load_balancer_of(&self, eni: &NetworkInterface) -> Option<&'a LoadBalancer> {
        let key = EniKey::of_eni(eni)?;
        let vpc = matches!(key, EniKey::Classic { .. }).then_some(eni.vpc_id.as_str());
        self.by_key.get(&(eni.account_id.as_str(), eni.region.as_str(), vpc, key)).copied()
    }
}

/// What a listener or rule does with a request, in AWS's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ListenerAction {
    Forward {
        target_groups: Vec<WeightedTargetGroup>,
    },
    Redirect {
        /// "HTTP", "HTTPS" or "#{protocol}" (keep the request's).
        #[serde(default)]
        protocol: Option<String>,
        #[serde(default)]
        port: Option<String>,
        #[serde(default)]
        host: Option<String>,
        #[serde(default)]
        path: Option<String>,
        #[serde(default)]
        query: Option<String>,
        /// "HTTP_301" or "HTTP_302".
        #[serde(default)]
        status_code: Option<String>,
    },
    FixedResponse {
        #[serde(default)]
        status_code: Option<String>,
        #[serde(default)]
        content_type: Option<String>,
    },
    /// authenticate-oidc / authenticate-cognito, before the action that follows.
    Authenticate {
        provider: String,
    },
    /// A type this version does not model, kept by name.
    Other {
        action: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightedTargetGroup {
    pub target_group_id: String,
    /// Set when the action forwards to several groups.
    #[serde(default)]
    pub weight: Option<i32>,
}

/// A listener rule: conditions as AWS states them (one text per condition, e.g.
/// "path-pattern: /api/*"), and its actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListenerRule {
    #[serde(default)]
    pub arn: Option<String>,
    /// A number as text, or "default" for the rule that applies when none match.
    pub priority: String,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub actions: Vec<ListenerAction>,
}

impl ListenerRule {
    pub fn is_default(&self) -> bool {
        self.priority == "default"
    }

    /// Default last, then by number; non-numbers (never from AWS) by text.
    fn order(&self) -> (bool, u64, &str) {
        (self.is_default(), self.priority.parse().unwrap_or(u64::MAX), &self.priority)
    }
}

/// A v2 listener (application, network or gateway load balancer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// The listener ARN.
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub load_balancer_id: String,
    /// "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"; none for gateway load balancers.
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    /// TLS security policy of HTTPS/TLS listeners, e.g. "ELBSecurityPolicy-TLS13-1-2-2021-06".
    #[serde(default)]
    pub ssl_policy: Option<String>,
    #[serde(default)]
    pub certificate_arns: Vec<String>,
    #[serde(default)]
    pub default_actions: Vec<ListenerAction>,
    /// Every rule (DescribeRules), the default rule included; in priority order.
    #[serde(default)]
    pub rules: Vec<ListenerRule>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(Listener, ResourceKind::Listener, {
    fn asset(&self) -> Asset<'_> {
        Asset::service("elb")
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("load_balancer_id", ResourceKind::LoadBalancer, &self.load_balancer_id, Rel::Names);
        for (i, a) in self.default_actions.iter().enumerate() {
            forward_refs(Field::at("default_actions", i, ".target_groups[].target_group_id"), a, out);
        }
        for (i, r) in self.rules.iter().enumerate() {
            for a in &r.actions {
                forward_refs(Field::at("rules", i, ".actions[].target_groups[].target_group_id"), a, out);
            }
        }
    }
    fn normalize(&mut self) {
        self.certificate_arns.sort();
        self.rules.sort_by(|a, b| a.order().cmp(&b.order()));
        // Action order is meaningful (authenticate, then forward); only the groups of one
        // forward action are a set.
        for actions in std::iter::once(&mut self.default_actions).chain(self.rules.iter_mut().map(|r| &mut r.actions)) {
            for a in actions {
                if let ListenerAction::Forward { target_groups } = a {
                    target_groups.sort();
                }
            }
        }
    }
});

/// A listener forwards only to target groups of its own account and region.
fn forward_refs<'a>(field: Field, action: &'a ListenerAction, out: &mut Refs<'a>) {
    if let ListenerAction::Forward { target_groups } = action {
        for t in target_groups {
            out.push(field, ResourceKind::TargetGroup, &t.target_group_id, Check::Required, Rel::Names);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Instance,
    Ip,
    Lambda,
    Alb,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub protocol: Option<String>,
    /// A number as text, or "traffic-port".
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub interval_seconds: Option<i32>,
    #[serde(default)]
    pub timeout_seconds: Option<i32>,
    #[serde(default)]
    pub healthy_threshold: Option<i32>,
    #[serde(default)]
    pub unhealthy_threshold: Option<i32>,
    /// Success codes, e.g. "200-399" (HTTP) or "12" (gRPC).
    #[serde(default)]
    pub matcher: Option<String>,
}

/// One registered target and its health (DescribeTargetHealth).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Instance id, IP address (possibly outside the VPC), Lambda ARN or ALB ARN.
    pub id: String,
    #[serde(default)]
    pub port: Option<u16>,
    /// A zone name, or "all" for an IP target outside the VPC.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// "healthy", "unhealthy", "initial", "unused", "draining", "unavailable".
    #[serde(default)]
    pub health: Option<String>,
    /// AWS reason code, e.g. "Target.NotInUse".
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    /// The target group ARN.
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub name: String,
    /// None for a target type this version does not know.
    #[serde(default)]
    pub target_type: Option<TargetType>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    /// None for Lambda targets.
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
    /// The `preserve_client_ip.enabled` attribute (DescribeTargetGroupAttributes);
    /// None when not read: the AWS default for the group's type and protocol applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_client_ip: Option<bool>,
    #[serde(default)]
    pub load_balancer_ids: Vec<String>,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(TargetGroup, ResourceKind::TargetGroup, opt_vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset { fallback_name: Some(&self.name), ..Asset::service("elb") }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        if let Some(v) = &self.vpc_id {
            out.required("vpc_id", ResourceKind::Vpc, v, Rel::Names);
        }
        out.required_each("load_balancer_ids", ResourceKind::LoadBalancer, &self.load_balancer_ids, Rel::Names);
        // Only targets that must exist somewhere are stated: IPs may be anywhere routable
        // and Lambda functions are not modelled. An instance may be a VPC-sharing
        // participant's, an ALB target another account's: expected, not required.
        let kind = match self.target_type {
            Some(TargetType::Instance) => ResourceKind::Instance,
            Some(TargetType::Alb) => ResourceKind::LoadBalancer,
            _ => return,
        };
        for (i, t) in self.targets.iter().enumerate() {
            out.push(Field::at("targets", i, ".id"), kind, &t.id, Check::Expected, Rel::Names);
        }
    }
    fn normalize(&mut self) {
        self.load_balancer_ids.sort();
        self.targets.sort();
    }
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceKind;

    fn lb(name: &str, lb_type: LoadBalancerType, arn: &str, vpc: &str) -> LoadBalancer {
        LoadBalancer {
            id: arn.into(),
            account_id: "111111111111".into(),
            region: "eu-west-1".into(),
            arn: Some(arn.into()),
            name: name.into(),
            lb_type,
            scheme: Some("internet-facing".into()),
            ip_address_type: None,
            vpc_id: Some(vpc.into()),
            availability_zones: vec![],
            subnet_ids: vec![],
            security_group_ids: vec![],
            addresses: vec![],
            dns_name: None,
            state: None,
            created_time: None,
            attributes: None,
            classic_listeners: vec![],
            classic_instances: vec![],
            tags: Tags::new(),
        }
    }

    fn eni(description: &str, interface_type: &str, vpc: &str) -> NetworkInterface {
        NetworkInterface {
            id: "eni-1".into(),
            account_id: "111111111111".into(),
            region: "eu-west-1".into(),
            arn: None,
            vpc_id: vpc.into(),
            subnet_id: "subnet-1".into(),
            availability_zone: None,
            interface_type: interface_type.into(),
            requester_id: Some("amazon-elb".into()),
            requester_managed: true,
            description: description.into(),
            status: None,
            private_ips: vec![],
            ipv6_addresses: vec![],
            security_group_ids: vec![],
            attachment: None,
            source_dest_check: true,
            service: ServiceKind::Elb,
            tags: Tags::new(),
        }
    }

    const ARN: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer";

    #[test]
    fn enis_map_to_their_load_balancer_by_name_and_arn_id() {
        let lbs = vec![
            lb("web", LoadBalancerType::Application, &format!("{ARN}/app/web/50dc6c495c0c9188"), "vpc-1"),
            // Same name, other type and id: must not be confused with the ALB.
            lb("web", LoadBalancerType::Network, &format!("{ARN}/net/web/0123456789abcdef"), "vpc-1"),
            lb("legacy", LoadBalancerType::Classic, &format!("{ARN}/legacy"), "vpc-1"),
        ];
        let ix = LoadBalancerEnis::new(&lbs);
        let of = |e: &NetworkInterface| ix.load_balancer_of(e).map(|l| l.kind());
        assert_eq!(of(&eni("ELB app/web/50dc6c495c0c9188", "interface", "vpc-1")), Some(LoadBalancerType::Application));
        assert_eq!(
            of(&eni("ELB net/web/0123456789abcdef", "network_load_balancer", "vpc-1")),
            Some(LoadBalancerType::Network)
        );
        assert_eq!(of(&eni("ELB legacy", "interface", "vpc-1")), Some(LoadBalancerType::Classic));
        // A Classic name in another VPC, an ALB id that differs, a user's look-alike ENI.
        assert_eq!(of(&eni("ELB legacy", "interface", "vpc-2")), None);
        assert_eq!(of(&eni("ELB app/web/ffffffffffffffff", "interface", "vpc-1")), None);
        let mut fake = eni("ELB app/web/50dc6c495c0c9188", "interface", "vpc-1");
        (fake.requester_managed, fake.requester_id) = (false, None);
        assert_eq!(of(&fake), None);
        // Another account with the same names.
        let mut other = eni("ELB legacy", "interface", "vpc-1");
        other.account_id = "222222222222".into();
        assert_eq!(of(&other), None);
        for odd in
            ["ELB ", "ELB app/web", "ELB app//x", "ELB xyz/web/1", "ELB app/web/1/2", "ELB le gacy", "elb legacy"]
        {
            assert_eq!(of(&eni(odd, "interface", "vpc-1")), None, "{odd:?}");
        }
    }

    #[test]
    fn scheme_and_kind() {
        let mut l = lb("gw", LoadBalancerType::Gateway, &format!("{ARN}/gwy/gw/1"), "vpc-1");
        assert!(l.is_internet_facing());
        l.scheme = None;
        assert!(!l.is_internet_facing());
        assert_eq!(l.kind().arn_segment(), Some("gwy"));
    }

    #[test]
    fn rules_sort_by_priority_with_default_last() {
        let rule = |p: &str| ListenerRule { arn: None, priority: p.into(), conditions: vec![], actions: vec![] };
        let mut l = Listener {
            id: "l".into(),
            account_id: "111111111111".into(),
            region: "eu-west-1".into(),
            arn: None,
            load_balancer_id: "lb".into(),
            protocol: None,
            port: None,
            ssl_policy: None,
            certificate_arns: vec![],
            default_actions: vec![],
            rules: vec![rule("default"), rule("10"), rule("2")],
            tags: Tags::new(),
        };
        crate::model::Resource::normalize(&mut l);
        let order: Vec<&str> = l.rules.iter().map(|r| r.priority.as_str()).collect();
        assert_eq!(order, ["2", "10", "default"]);
    }
}
