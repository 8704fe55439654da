//! Load balancers (ELB v2 and Classic), listeners, rules and target groups.
use aws_sdk_elasticloadbalancing::types as classic;
use aws_sdk_elasticloadbalancingv2::types as v2;
use aws_smithy_types::date_time::Format;
use inventory::model::{
    ClassicBackend, ClassicListener, HealthCheck, Listener, ListenerAction, ListenerRule, LoadBalancer,
    LoadBalancerAddress, LoadBalancerAttributes, LoadBalancerType, Target, TargetGroup, TargetType,
    WeightedTargetGroup,
};

use super::{opt, required, Ctx, Result};

/// A port AWS sends as an integer; out-of-range values (never from AWS) become None.
fn port(p: Option<i32>) -> Option<u16> {
    p.and_then(|p| u16::try_from(p).ok())
}

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

pub fn v2_load_balancer(ctx: &Ctx, l: &v2::LoadBalancer) -> Result<LoadBalancer> {
    let arn = required(l.load_balancer_arn(), "LoadBalancerArn", "load balancer")?;
    let name = required(l.load_balancer_name(), "LoadBalancerName", &arn)?;
    let lb_type = match l.r#type() {
        Some(v2::LoadBalancerTypeEnum::Application) => LoadBalancerType::Application,
        Some(v2::LoadBalancerTypeEnum::Network) => LoadBalancerType::Network,
        Some(v2::LoadBalancerTypeEnum::Gateway) => LoadBalancerType::Gateway,
        Some(other) => return Err(format!("{arn}: unknown load balancer type {:?}", other.as_str())),
        None => return Err(format!("{arn}: missing Type")),
    };
    let zones = l.availability_zones();
    let addresses = zones
        .iter()
        .flat_map(|z| {
            z.load_balancer_addresses().iter().map(move |a| LoadBalancerAddress {
                subnet_id: opt(z.subnet_id()),
                ip_address: opt(a.ip_address()),
                allocation_id: opt(a.allocation_id()),
                private_ipv4_address: opt(a.private_ipv4_address()),
                ipv6_address: opt(a.ipv6_address()),
            })
        })
        .filter(|a| a.ip_address.is_some() || a.private_ipv4_address.is_some() || a.ipv6_address.is_some())
        .collect();
    Ok(LoadBalancer {
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        arn: Some(arn.clone()),
        name,
        lb_type,
        scheme: l.scheme().map(|s| s.as_str().to_string()).filter(|s| !s.is_empty()),
        ip_address_type: l.ip_address_type().map(|t| t.as_str().to_string()).filter(|s| !s.is_empty()),
        vpc_id: opt(l.vpc_id()),
        availability_zones: zones.iter().filter_map(|z| opt(z.zone_name())).collect(),
        subnet_ids: zones.iter().filter_map(|z| opt(z.subnet_id())).collect(),
        security_group_ids: l.security_groups().iter().filter(|g| !g.is_empty()).cloned().collect(),
        addresses,
        dns_name: opt(l.dns_name()),
        state: l.state().and_then(|s| s.code()).map(|c| c.as_str().to_string()),
        created_time: l.created_time().and_then(|t| t.fmt(Format::DateTime).ok()),
        attributes: None,
        classic_listeners: Vec::new(),
        classic_instances: Vec::new(),
        tags: Default::default(),
        id: arn,
    })
}

/// The audit-relevant attributes; AWS sends every value as text.
pub fn attributes(list: &[v2::LoadBalancerAttribute]) -> LoadBalancerAttributes {
    let get = |key: &str| list.iter().find(|a| a.key() == Some(key)).and_then(|a| opt(a.value()));
    let flag = |key: &str| get(key).and_then(|v| v.parse::<bool>().ok());
    LoadBalancerAttributes {
        deletion_protection: flag("deletion_protection.enabled"),
        cross_zone_load_balancing: flag("load_balancing.cross_zone.enabled"),
        drop_invalid_header_fields: flag("routing.http.drop_invalid_header_fields.enabled"),
        access_logs_enabled: flag("access_logs.s3.enabled"),
        access_logs_bucket: get("access_logs.s3.bucket"),
        access_logs_prefix: get("access_logs.s3.prefix"),
    }
}

/// `preserve_client_ip.enabled` of a target group's attributes, when stated.
pub fn preserve_client_ip(list: &[v2::TargetGroupAttribute]) -> Option<bool> {
    list.iter()
        .find(|a| a.key() == Some("preserve_client_ip.enabled"))
        .and_then(|a| a.value())
        .and_then(|v| v.trim().parse::<bool>().ok())
}

pub fn classic_load_balancer(ctx: &Ctx, l: &classic::LoadBalancerDescription) -> Result<LoadBalancer> {
    let name = required(l.load_balancer_name(), "LoadBalancerName", "classic load balancer")?;
    // The API states no ARN; this is the documented form (IAM and tagging use it).
    let arn = format!(
        "arn:{}:elasticloadbalancing:{}:{}:loadbalancer/{name}",
        partition(&ctx.region),
        ctx.region,
        ctx.account_id
    );
    let mut listeners = Vec::new();
    for d in l.listener_descriptions() {
        let Some(x) = d.listener() else { continue };
        let (Some(p), Some(ip)) = (port(Some(x.load_balancer_port())), port(Some(x.instance_port()))) else {
            return Err(format!(
                "{arn}: listener port {} → {} out of range",
                x.load_balancer_port(),
                x.instance_port()
            ));
        };
        listeners.push(ClassicListener {
            protocol: x.protocol().to_string(),
            port: p,
            instance_protocol: opt(x.instance_protocol()),
            instance_port: ip,
            ssl_certificate_id: opt(x.ssl_certificate_id()),
            policy_names: d.policy_names().to_vec(),
        });
    }
    Ok(LoadBalancer {
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        arn: Some(arn.clone()),
        lb_type: LoadBalancerType::Classic,
        scheme: opt(l.scheme()),
        // Classic ELBs in a VPC are IPv4 only.
        ip_address_type: None,
        vpc_id: opt(l.vpc_id()),
        availability_zones: l.availability_zones().iter().filter(|z| !z.is_empty()).cloned().collect(),
        subnet_ids: l.subnets().iter().filter(|s| !s.is_empty()).cloned().collect(),
        security_group_ids: l.security_groups().iter().filter(|g| !g.is_empty()).cloned().collect(),
        addresses: Vec::new(),
        dns_name: opt(l.dns_name()),
        state: None,
        created_time: l.created_time().and_then(|t| t.fmt(Format::DateTime).ok()),
        attributes: None,
        classic_listeners: listeners,
        classic_instances: l
            .instances()
            .iter()
            .filter_map(|i| opt(i.instance_id()))
            .map(|instance_id| ClassicBackend { instance_id, state: None, reason_code: None, description: None })
            .collect(),
        tags: Default::default(),
        name,
        id: arn,
    })
}

/// Adds DescribeInstanceHealth's answer to a Classic ELB's instances (an instance it
/// reports that the listing did not name is added: registration changed in between).
pub fn fill_instance_health(lb: &mut LoadBalancer, states: &[classic::InstanceState]) {
    for s in states {
        let Some(id) = opt(s.instance_id()) else { continue };
        let health = ClassicBackend {
            state: opt(s.state()),
            reason_code: opt(s.reason_code()),
            description: opt(s.description()),
            instance_id: id,
        };
        match lb.classic_instances.iter_mut().find(|b| b.instance_id == health.instance_id) {
            Some(b) => *b = health,
            None => lb.classic_instances.push(health),
        }
    }
}

pub fn listener(ctx: &Ctx, l: &v2::Listener) -> Result<Listener> {
    let arn = required(l.listener_arn(), "ListenerArn", "listener")?;
    let load_balancer_id = required(l.load_balancer_arn(), "LoadBalancerArn", &arn)?;
    Ok(Listener {
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        arn: Some(arn.clone()),
        load_balancer_id,
        protocol: l.protocol().map(|p| p.as_str().to_string()).filter(|s| !s.is_empty()),
        port: port(l.port()),
        ssl_policy: opt(l.ssl_policy()),
        certificate_arns: l.certificates().iter().filter_map(|c| opt(c.certificate_arn())).collect(),
        default_actions: actions(l.default_actions()),
        rules: Vec::new(),
        tags: Default::default(),
        id: arn,
    })
}

/// Actions in the order AWS applies them.
pub fn actions(list: &[v2::Action]) -> Vec<ListenerAction> {
    let mut v: Vec<&v2::Action> = list.iter().collect();
    v.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    v.into_iter().map(action).collect()
}

fn action(a: &v2::Action) -> ListenerAction {
    use v2::ActionTypeEnum as T;
    match a.r#type() {
        Some(T::Forward) => {
            let weighted: Vec<WeightedTargetGroup> = a
                .forward_config()
                .map(|f| f.target_groups())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| {
                    Some(WeightedTargetGroup { target_group_id: opt(t.target_group_arn())?, weight: t.weight() })
                })
                .collect();
            // TargetGroupArn alone, or repeated beside a one-group ForwardConfig.
            let target_groups = if weighted.is_empty() {
                opt(a.target_group_arn())
                    .map(|id| WeightedTargetGroup { target_group_id: id, weight: None })
                    .into_iter()
                    .collect()
            } else {
                weighted
            };
            ListenerAction::Forward { target_groups }
        }
        Some(T::Redirect) => {
            let r = a.redirect_config();
            ListenerAction::Redirect {
                protocol: r.and_then(|r| opt(r.protocol())),
                port: r.and_then(|r| opt(r.port())),
                host: r.and_then(|r| opt(r.host())),
                path: r.and_then(|r| opt(r.path())),
                query: r.and_then(|r| opt(r.query())),
                status_code: r.and_then(|r| r.status_code()).map(|s| s.as_str().to_string()),
            }
        }
        Some(T::FixedResponse) => {
            let r = a.fixed_response_config();
            ListenerAction::FixedResponse {
                status_code: r.and_then(|r| opt(r.status_code())),
                content_type: r.and_then(|r| opt(r.content_type())),
            }
        }
        Some(T::AuthenticateOidc) => ListenerAction::Authenticate { provider: "oidc".into() },
        Some(T::AuthenticateCognito) => ListenerAction::Authenticate { provider: "cognito".into() },
        Some(other) => ListenerAction::Other { action: other.as_str().to_string() },
        None => ListenerAction::Other { action: String::new() },
    }
}

pub fn rule(listener_arn: &str, r: &v2::Rule) -> Result<ListenerRule> {
    let is_default = r.is_default() == Some(true);
    let priority = match opt(r.priority()) {
        Some(p) => p,
        None if is_default => "default".to_string(),
        None => return Err(format!("{listener_arn}: rule {:?} has no priority", r.rule_arn().unwrap_or("?"))),
    };
    Ok(ListenerRule {
        arn: opt(r.rule_arn()),
        priority,
        conditions: r.conditions().iter().map(condition).collect(),
        actions: actions(r.actions()),
    })
}

/// One condition as text: "path-pattern: /api/*, /v2/*", "http-header X-Env: blue",
/// "query-string: version=2, debug".
fn condition(c: &v2::RuleCondition) -> String {
    let field = c.field().unwrap_or("?");
    let values: Vec<String> = if let Some(h) = c.http_header_config() {
        let name = h.http_header_name().unwrap_or("?");
        return format!("{field} {name}: {}", h.values().join(", "));
    } else if let Some(q) = c.query_string_config() {
        q.values()
            .iter()
            .map(|kv| match kv.key() {
                Some(k) => format!("{k}={}", kv.value().unwrap_or("")),
                None => kv.value().unwrap_or("").to_string(),
            })
            .collect()
    } else if let Some(x) = c.host_header_config() {
        x.values().to_vec()
    } else if let Some(x) = c.path_pattern_config() {
        x.values().to_vec()
    } else if let Some(x) = c.http_request_method_config() {
        x.values().to_vec()
    } else if let Some(x) = c.source_ip_config() {
        x.values().to_vec()
    } else {
        #[allow(deprecated)] // the legacy form, still sent for host-header and path-pattern
        c.values().to_vec()
    };
    format!("{field}: {}", values.join(", "))
}

pub fn target_group(ctx: &Ctx, t: &v2::TargetGroup) -> Result<TargetGroup> {
    let arn = required(t.target_group_arn(), "TargetGroupArn", "target group")?;
    let name = required(t.target_group_name(), "TargetGroupName", &arn)?;
    let target_type = match t.target_type() {
        Some(v2::TargetTypeEnum::Instance) => Some(TargetType::Instance),
        Some(v2::TargetTypeEnum::Ip) => Some(TargetType::Ip),
        Some(v2::TargetTypeEnum::Lambda) => Some(TargetType::Lambda),
        Some(v2::TargetTypeEnum::Alb) => Some(TargetType::Alb),
        _ => None,
    };
    let health_check = HealthCheck {
        enabled: t.health_check_enabled(),
        protocol: t.health_check_protocol().map(|p| p.as_str().to_string()).filter(|s| !s.is_empty()),
        port: opt(t.health_check_port()),
        path: opt(t.health_check_path()),
        interval_seconds: t.health_check_interval_seconds(),
        timeout_seconds: t.health_check_timeout_seconds(),
        healthy_threshold: t.healthy_threshold_count(),
        unhealthy_threshold: t.unhealthy_threshold_count(),
        matcher: t.matcher().and_then(|m| opt(m.http_code()).or_else(|| opt(m.grpc_code()))),
    };
    Ok(TargetGroup {
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        arn: Some(arn.clone()),
        name,
        target_type,
        protocol: t.protocol().map(|p| p.as_str().to_string()).filter(|s| !s.is_empty()),
        port: port(t.port()),
        vpc_id: opt(t.vpc_id()),
        health_check: (health_check != HealthCheck::default()).then_some(health_check),
        preserve_client_ip: None,
        load_balancer_ids: t.load_balancer_arns().iter().filter(|a| !a.is_empty()).cloned().collect(),
        targets: Vec::new(),
        tags: Default::default(),
        id: arn,
    })
}

pub fn target(group_arn: &str, d: &v2::TargetHealthDescription) -> Result<Target> {
    let t = d.target();
    let id = required(t.and_then(|t| t.id()), "Target.Id", group_arn)?;
    let h = d.target_health();
    Ok(Target {
        id,
        port: port(t.and_then(|t| t.port())),
        availability_zone: t.and_then(|t| opt(t.availability_zone())),
        health: h.and_then(|h| h.state()).map(|s| s.as_str().to_string()),
        reason: h.and_then(|h| h.reason()).map(|s| s.as_str().to_string()),
        description: h.and_then(|h| opt(h.description())),
    })
}

#[cfg(test)]
#[path = "elb_tests.rs"]
mod tests;
