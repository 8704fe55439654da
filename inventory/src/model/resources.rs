//! `Resources`: every resource of a snapshot, one sorted list per kind.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// Calls `$m!(field, Type)` once per kind; keeps the per-kind plumbing in one place.
#[macro_export]
macro_rules! for_each_kind {
    ($m:ident) => {
        $m!(accounts, Account);
        $m!(regions, Region);
        $m!(availability_zones, AvailabilityZone);
        $m!(vpcs, Vpc);
        $m!(subnets, Subnet);
        $m!(route_tables, RouteTable);
        $m!(internet_gateways, InternetGateway);
        $m!(egress_only_internet_gateways, EgressOnlyInternetGateway);
        $m!(nat_gateways, NatGateway);
        $m!(vpc_peering_connections, VpcPeeringConnection);
        $m!(transit_gateways, TransitGateway);
        $m!(transit_gateway_attachments, TransitGatewayAttachment);
        $m!(transit_gateway_route_tables, TransitGatewayRouteTable);
        $m!(vpn_gateways, VpnGateway);
        $m!(vpn_connections, VpnConnection);
        $m!(customer_gateways, CustomerGateway);
        $m!(vpc_endpoints, VpcEndpoint);
        $m!(instances, Instance);
        $m!(network_interfaces, NetworkInterface);
        $m!(security_groups, SecurityGroup);
        $m!(network_acls, NetworkAcl);
        $m!(elastic_ips, ElasticIp);
        $m!(managed_prefix_lists, ManagedPrefixList);
    };
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub regions: Vec<Region>,
    #[serde(default)]
    pub availability_zones: Vec<AvailabilityZone>,
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub internet_gateways: Vec<InternetGateway>,
    #[serde(default)]
    pub egress_only_internet_gateways: Vec<EgressOnlyInternetGateway>,
    #[serde(default)]
    pub nat_gateways: Vec<NatGateway>,
    #[serde(default)]
    pub vpc_peering_connections: Vec<VpcPeeringConnection>,
    #[serde(default)]
    pub transit_gateways: Vec<TransitGateway>,
    #[serde(default)]
    pub transit_gateway_attachments: Vec<TransitGatewayAttachment>,
    #[serde(default)]
    pub transit_gateway_route_tables: Vec<TransitGatewayRouteTable>,
    #[serde(default)]
    pub vpn_gateways: Vec<VpnGateway>,
    #[serde(default)]
    pub vpn_connections: Vec<VpnConnection>,
    #[serde(default)]
    pub customer_gateways: Vec<CustomerGateway>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub instances: Vec<Instance>,
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub network_acls: Vec<NetworkAcl>,
    #[serde(default)]
    pub elastic_ips: Vec<ElasticIp>,
    #[serde(default)]
    pub managed_prefix_lists: Vec<ManagedPrefixList>,
}

/// A borrowed view of any one resource, for code that walks all kinds uniformly
/// (inventory tables, validation, redaction).
#[derive(Debug, Clone, Copy)]
pub struct AnyResource<'a> {
    pub kind: ResourceKind,
    pub id: &'a str,
    pub account_id: &'a str,
    pub region: &'a str,
    pub arn: Option<&'a str>,
    pub name: Option<&'a str>,
    pub vpc_id: Option<&'a str>,
    pub tags: &'a Tags,
}

impl<'a> AnyResource<'a> {
    fn of<R: Resource>(r: &'a R) -> AnyResource<'a> {
        AnyResource {
            kind: R::KIND,
            id: r.id(),
            account_id: r.account_id(),
            region: r.region(),
            arn: r.arn(),
            name: r.name(),
            vpc_id: r.vpc_id(),
            tags: r.tags(),
        }
    }
}

impl Resources {
    /// Number of resources of one kind.
    pub fn count(&self, kind: ResourceKind) -> usize {
        macro_rules! count {
            ($field:ident, $ty:ident) => {
                if <$ty as Resource>::KIND == kind {
                    return self.$field.len();
                }
            };
        }
        for_each_kind!(count);
        0
    }

    pub fn total(&self) -> usize {
        ResourceKind::ALL.iter().map(|k| self.count(*k)).sum()
    }

    /// Every resource, kind by kind in `ResourceKind::ALL` order, each list in its stored order.
    pub fn iter(&self) -> impl Iterator<Item = AnyResource<'_>> {
        let mut all: Vec<AnyResource<'_>> = Vec::with_capacity(self.total());
        macro_rules! push {
            ($field:ident, $ty:ident) => {
                all.extend(self.$field.iter().map(AnyResource::of));
            };
        }
        for_each_kind!(push);
        all.into_iter()
    }

    /// Sorts every list (and the lists inside resources) so output is deterministic
    /// whatever order AWS or a hand-edited file gave.
    pub fn normalize(&mut self) {
        macro_rules! sort {
            ($field:ident, $ty:ident) => {
                self.$field.sort_by(|a, b| {
                    (a.id.as_str(), a.account_id.as_str()).cmp(&(b.id.as_str(), b.account_id.as_str()))
                });
            };
        }
        for_each_kind!(sort);
        for v in &mut self.vpcs {
            v.cidr_blocks.sort();
            v.ipv6_cidr_blocks.sort();
        }
        for rt in &mut self.route_tables {
            rt.routes.sort();
            rt.routes.dedup();
            rt.associations.sort();
            rt.propagating_vgws.sort();
        }
        for a in &mut self.transit_gateway_attachments {
            a.subnet_ids.sort();
        }
        for t in &mut self.transit_gateway_route_tables {
            t.routes.sort();
            t.associations.sort();
            t.propagations.sort();
        }
        for e in &mut self.vpc_endpoints {
            e.route_table_ids.sort();
            e.subnet_ids.sort();
            e.security_group_ids.sort();
            e.network_interface_ids.sort();
        }
        for i in &mut self.instances {
            i.network_interface_ids.sort();
            i.security_group_ids.sort();
        }
        for n in &mut self.network_interfaces {
            n.private_ips.sort_by(|a, b| (!a.primary, a.address).cmp(&(!b.primary, b.address)));
            n.ipv6_addresses.sort();
            n.security_group_ids.sort();
        }
        for g in &mut self.security_groups {
            g.ingress.sort();
            g.egress.sort();
        }
        for n in &mut self.network_acls {
            n.entries.sort_by_key(|e| (e.egress, e.rule_number));
            n.associations.sort();
        }
        for p in &mut self.managed_prefix_lists {
            p.entries.sort();
        }
        for v in &mut self.vpn_connections {
            v.static_routes.sort();
            v.tunnels.sort();
        }
        for n in &mut self.nat_gateways {
            n.addresses.sort();
        }
        for g in &mut self.internet_gateways {
            g.attachments.sort();
        }
        for g in &mut self.egress_only_internet_gateways {
            g.attachments.sort();
        }
        for g in &mut self.vpn_gateways {
            g.attachments.sort();
        }
    }
}
