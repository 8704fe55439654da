//! Semantic checks on a parsed snapshot: duplicate ids and references that point
//! nowhere. Containment references (a subnet's VPC, an ENI's subnet) must resolve;
//! references that may legitimately leave the snapshot (a blackhole route's deleted
//! target, a TGW shared from another account) are warnings.
use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::Snapshot;
use crate::model::{AnyResource, ResourceKind, RulePeer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub kind: ResourceKind,
    pub resource_id: String,
    /// Field path inside the resource, e.g. "associations[0].subnet_id".
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}: {} {} field {}: {}", self.kind, self.resource_id, self.field, self.message)
    }
}

struct Checker<'a> {
    ids: HashSet<(ResourceKind, &'a str)>,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn has(&self, kind: ResourceKind, id: &str) -> bool {
        self.ids.contains(&(kind, id))
    }
    fn report(&mut self, severity: Severity, kind: ResourceKind, id: &str, field: String, message: String) {
        self.problems.push(Problem { severity, kind, resource_id: id.to_string(), field, message });
    }
    /// Reports `target` if no resource of `target_kind` has that id.
    fn reference(
        &mut self,
        severity: Severity,
        kind: ResourceKind,
        id: &str,
        field: impl Into<String>,
        target_kind: ResourceKind,
        target: &str,
    ) {
        if !self.has(target_kind, target) {
            self.report(
                severity,
                kind,
                id,
                field.into(),
                format!("refers to {target_kind} {target:?}, which is not in the snapshot"),
            );
        }
    }
}

pub fn validate(s: &Snapshot) -> Vec<Problem> {
    use ResourceKind as K;
    use Severity::{Error, Warning};
    let r = &s.resources;
    let mut c = Checker { ids: HashSet::with_capacity(r.total()), problems: Vec::new() };
    if s.schema_version == 0 {
        c.report(Error, K::Account, "-", "schema_version".into(), "must be at least 1".into());
    }
    let all: Vec<AnyResource<'_>> = r.iter().collect();
    for a in &all {
        if a.id.is_empty() {
            c.report(Error, a.kind, "(empty)", "id".into(), "resource id is empty".into());
        }
        // Ids are unique per kind; the same peering connection may be described
        // by both accounts, so (kind, id, account) is the real key.
        if !c.ids.insert((a.kind, a.id)) && a.kind != K::VpcPeeringConnection {
            c.report(Error, a.kind, a.id, "id".into(), "duplicate id".into());
        }
    }
    for x in &r.subnets {
        c.reference(Error, K::Subnet, &x.id, "vpc_id", K::Vpc, &x.vpc_id);
    }
    for x in &r.route_tables {
        c.reference(Error, K::RouteTable, &x.id, "vpc_id", K::Vpc, &x.vpc_id);
        for (i, a) in x.associations.iter().enumerate() {
            if let Some(sn) = &a.subnet_id {
                c.reference(Error, K::RouteTable, &x.id, format!("associations[{i}].subnet_id"), K::Subnet, sn);
            }
        }
        for (i, route) in x.routes.iter().enumerate() {
            let target_kind = match route.target.kind {
                crate::model::RouteTargetKind::InternetGateway => Some(K::InternetGateway),
                crate::model::RouteTargetKind::EgressOnlyInternetGateway => Some(K::EgressOnlyInternetGateway),
                crate::model::RouteTargetKind::NatGateway => Some(K::NatGateway),
                crate::model::RouteTargetKind::VpnGateway => Some(K::VpnGateway),
                crate::model::RouteTargetKind::VpcPeeringConnection => Some(K::VpcPeeringConnection),
                crate::model::RouteTargetKind::TransitGateway => Some(K::TransitGateway),
                _ => None,
            };
            if let Some(tk) = target_kind {
                c.reference(Warning, K::RouteTable, &x.id, format!("routes[{i}].target"), tk, &route.target.id);
            }
            if let crate::model::RouteDestination::PrefixList(pl) = &route.destination {
                c.reference(
                    Warning,
                    K::RouteTable,
                    &x.id,
                    format!("routes[{i}].destination"),
                    K::ManagedPrefixList,
                    pl,
                );
            }
        }
    }
    for x in &r.internet_gateways {
        for (i, a) in x.attachments.iter().enumerate() {
            c.reference(Error, K::InternetGateway, &x.id, format!("attachments[{i}].vpc_id"), K::Vpc, &a.vpc_id);
        }
    }
    for x in &r.egress_only_internet_gateways {
        for (i, a) in x.attachments.iter().enumerate() {
            c.reference(
                Error,
                K::EgressOnlyInternetGateway,
                &x.id,
                format!("attachments[{i}].vpc_id"),
                K::Vpc,
                &a.vpc_id,
            );
        }
    }
    for x in &r.vpn_gateways {
        for (i, a) in x.attachments.iter().enumerate() {
            c.reference(Error, K::VpnGateway, &x.id, format!("attachments[{i}].vpc_id"), K::Vpc, &a.vpc_id);
        }
    }
    for x in &r.nat_gateways {
        c.reference(Error, K::NatGateway, &x.id, "vpc_id", K::Vpc, &x.vpc_id);
        c.reference(Error, K::NatGateway, &x.id, "subnet_id", K::Subnet, &x.subnet_id);
    }
    for x in &r.vpc_endpoints {
        c.reference(Error, K::VpcEndpoint, &x.id, "vpc_id", K::Vpc, &x.vpc_id);
        for (i, sn) in x.subnet_ids.iter().enumerate() {
            c.reference(Error, K::VpcEndpoint, &x.id, format!("subnet_ids[{i}]"), K::Subnet, sn);
        }
        for (i, rt) in x.route_table_ids.iter().enumerate() {
            c.reference(Error, K::VpcEndpoint, &x.id, format!("route_table_ids[{i}]"), K::RouteTable, rt);
        }
        for (i, sg) in x.security_group_ids.iter().enumerate() {
            c.reference(Error, K::VpcEndpoint, &x.id, format!("security_group_ids[{i}]"), K::SecurityGroup, sg);
        }
    }
    for x in &r.transit_gateway_attachments {
        c.reference(
            Warning,
            K::TransitGatewayAttachment,
            &x.id,
            "transit_gateway_id",
            K::TransitGateway,
            &x.transit_gateway_id,
        );
        for (i, sn) in x.subnet_ids.iter().enumerate() {
            c.reference(Error, K::TransitGatewayAttachment, &x.id, format!("subnet_ids[{i}]"), K::Subnet, sn);
        }
    }
    for x in &r.transit_gateway_route_tables {
        c.reference(
            Error,
            K::TransitGatewayRouteTable,
            &x.id,
            "transit_gateway_id",
            K::TransitGateway,
            &x.transit_gateway_id,
        );
    }
    for x in &r.vpn_connections {
        c.reference(Error, K::VpnConnection, &x.id, "customer_gateway_id", K::CustomerGateway, &x.customer_gateway_id);
        if let Some(v) = &x.vpn_gateway_id {
            c.reference(Error, K::VpnConnection, &x.id, "vpn_gateway_id", K::VpnGateway, v);
        }
        if let Some(t) = &x.transit_gateway_id {
            c.reference(Warning, K::VpnConnection, &x.id, "transit_gateway_id", K::TransitGateway, t);
        }
    }
    for x in &r.instances {
        if let Some(v) = &x.vpc_id {
            c.reference(Error, K::Instance, &x.id, "vpc_id", K::Vpc, v);
        }
        if let Some(sn) = &x.subnet_id {
            c.reference(Error, K::Instance, &x.id, "subnet_id", K::Subnet, sn);
        }
        for (i, e) in x.network_interface_ids.iter().enumerate() {
            c.reference(Error, K::Instance, &x.id, format!("network_interface_ids[{i}]"), K::NetworkInterface, e);
        }
    }
    for x in &r.network_interfaces {
        c.reference(Error, K::NetworkInterface, &x.id, "vpc_id", K::Vpc, &x.vpc_id);
        c.reference(Error, K::NetworkInterface, &x.id, "subnet_id", K::Subnet, &x.subnet_id);
        for (i, sg) in x.security_group_ids.iter().enumerate() {
            c.reference(Error, K::NetworkInterface, &x.id, format!("security_group_ids[{i}]"), K::SecurityGroup, sg);
        }
        if let Some(inst) = x.instance_id() {
            c.reference(Warning, K::NetworkInterface, &x.id, "attachment.instance_id", K::Instance, inst);
        }
    }
    for x in &r.security_groups {
        c.reference(Error, K::SecurityGroup, &x.id, "vpc_id", K::Vpc, &x.vpc_id);
        for (dir, rules) in [("ingress", &x.ingress), ("egress", &x.egress)] {
            for (i, rule) in rules.iter().enumerate() {
                match &rule.peer {
                    RulePeer::SecurityGroup { group_id, account_id, .. }
                        if account_id.as_deref().is_none_or(|a| a == x.account_id) =>
                    {
                        c.reference(
                            Warning,
                            K::SecurityGroup,
                            &x.id,
                            format!("{dir}[{i}].peer.group_id"),
                            K::SecurityGroup,
                            group_id,
                        );
                    }
                    RulePeer::PrefixList { prefix_list_id } => {
                        c.reference(
                            Warning,
                            K::SecurityGroup,
                            &x.id,
                            format!("{dir}[{i}].peer.prefix_list_id"),
                            K::ManagedPrefixList,
                            prefix_list_id,
                        );
                    }
                    _ => {}
                }
            }
        }
    }
    for x in &r.network_acls {
        c.reference(Error, K::NetworkAcl, &x.id, "vpc_id", K::Vpc, &x.vpc_id);
        for (i, a) in x.associations.iter().enumerate() {
            c.reference(Error, K::NetworkAcl, &x.id, format!("associations[{i}].subnet_id"), K::Subnet, &a.subnet_id);
        }
    }
    for x in &r.elastic_ips {
        if let Some(e) = &x.network_interface_id {
            c.reference(Warning, K::ElasticIp, &x.id, "network_interface_id", K::NetworkInterface, e);
        }
    }
    let mut problems = c.problems;
    problems.sort();
    problems
}
