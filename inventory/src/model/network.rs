//! Accounts, regions, zones, VPCs, subnets, route tables and the gateways routes point at.
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::asset::{sorted, Asset, FromEnis};
use super::common::{impl_resource, ResourceKind, Tags, VpcAttachment};
use super::refs::{Check, Field, Refs, Rel};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// 12-digit AWS account id.
    pub id: String,
    /// Same as `id`; present so every resource has `account_id`.
    pub account_id: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    /// IAM account alias, if one is set.
    #[serde(default)]
    pub alias: Option<String>,
    /// Organizations account name, if known.
    #[serde(default)]
    pub org_name: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(Account, ResourceKind::Account, {
    fn asset(&self) -> Asset<'_> {
        Asset { fallback_name: self.alias.as_deref().or(self.org_name.as_deref()), ..Asset::service("account") }
    }
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Region name, e.g. "eu-west-1"; unique per account, so `id` is "<account>/<region>".
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    /// "opt-in-not-required", "opted-in" or "not-opted-in".
    #[serde(default)]
    pub opt_in_status: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(Region, ResourceKind::Region, {
    fn asset(&self) -> Asset<'_> {
        Asset::service("ec2")
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.push(Field::new("account_id"), ResourceKind::Account, &self.account_id, Check::Open, Rel::In);
    }
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityZone {
    /// "<account>/<zone name>", as zone names map to different zone ids per account.
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    /// Zone name, e.g. "eu-west-1a".
    pub zone_name: String,
    /// Zone id, e.g. "euw1-az1" (stable across accounts).
    #[serde(default)]
    pub zone_id: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(AvailabilityZone, ResourceKind::AvailabilityZone, {
    fn asset(&self) -> Asset<'_> {
        Asset { availability_zone: Some(&self.zone_name), ..Asset::service("ec2") }
    }
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cidr_blocks: Vec<Ipv4Net>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(Vpc, ResourceKind::Vpc, {
    fn check(&self, out: &mut super::Issues) {
        for (i, c) in self.cidr_blocks.iter().enumerate() {
            out.cidr(Field::at("cidr_blocks", i, ""), &IpNet::V4(*c));
        }
        for (i, c) in self.ipv6_cidr_blocks.iter().enumerate() {
            out.cidr(Field::at("ipv6_cidr_blocks", i, ""), &IpNet::V6(*c));
        }
    }
    fn normalize(&mut self) {
        self.cidr_blocks.iter_mut().for_each(|c| *c = c.trunc());
        self.ipv6_cidr_blocks.iter_mut().for_each(|c| *c = c.trunc());
        self.cidr_blocks.sort();
        self.ipv6_cidr_blocks.sort();
    }
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub vpc_id: String,
    /// Zone name, e.g. "eu-west-1a".
    pub availability_zone: String,
    #[serde(default)]
    pub availability_zone_id: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cidr_block: Option<Ipv4Net>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    #[serde(default)]
    pub assign_ipv6_address_on_creation: bool,
    #[serde(default)]
    pub available_ip_address_count: Option<u32>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(Subnet, ResourceKind::Subnet, vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset { availability_zone: Some(&self.availability_zone), subnets: vec![&self.id], ..Asset::service("vpc") }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("vpc_id", ResourceKind::Vpc, &self.vpc_id, Rel::In);
    }
    fn check(&self, out: &mut super::Issues) {
        if let Some(c) = self.cidr_block {
            out.cidr(Field::new("cidr_block"), &IpNet::V4(c));
        }
        for (i, c) in self.ipv6_cidr_blocks.iter().enumerate() {
            out.cidr(Field::at("ipv6_cidr_blocks", i, ""), &IpNet::V6(*c));
        }
    }
    fn normalize(&mut self) {
        self.cidr_block = self.cidr_block.map(|c| c.trunc());
        self.ipv6_cidr_blocks.iter_mut().for_each(|c| *c = c.trunc());
    }
});

/// What a route sends traffic to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteTargetKind {
    /// The VPC's own CIDRs.
    Local,
    InternetGateway,
    EgressOnlyInternetGateway,
    NatGateway,
    VpcPeeringConnection,
    TransitGateway,
    VpnGateway,
    /// Gateway endpoint (S3/DynamoDB) or Gateway Load Balancer endpoint.
    VpcEndpoint,
    NetworkInterface,
    Instance,
    CarrierGateway,
    LocalGateway,
    CoreNetwork,
    Unknown,
}

impl RouteTargetKind {
    /// The resource kind a target of this kind is, where auditmap models it.
    pub fn resource_kind(self) -> Option<ResourceKind> {
        Some(match self {
            RouteTargetKind::InternetGateway => ResourceKind::InternetGateway,
            RouteTargetKind::EgressOnlyInternetGateway => ResourceKind::EgressOnlyInternetGateway,
            RouteTargetKind::NatGateway => ResourceKind::NatGateway,
            RouteTargetKind::VpcPeeringConnection => ResourceKind::VpcPeeringConnection,
            RouteTargetKind::TransitGateway => ResourceKind::TransitGateway,
            RouteTargetKind::VpnGateway => ResourceKind::VpnGateway,
            RouteTargetKind::VpcEndpoint => ResourceKind::VpcEndpoint,
            RouteTargetKind::NetworkInterface => ResourceKind::NetworkInterface,
            RouteTargetKind::Instance => ResourceKind::Instance,
            RouteTargetKind::Local
            | RouteTargetKind::CarrierGateway
            | RouteTargetKind::LocalGateway
            | RouteTargetKind::CoreNetwork
            | RouteTargetKind::Unknown => return None,
        })
    }

    /// Classifies a target id by its AWS prefix ("igw-", "nat-", ...). AWS returns IGWs,
    /// VGWs and gateway endpoints all in `GatewayId`, so the prefix is the only signal.
    pub fn from_target_id(id: &str) -> RouteTargetKind {
        let prefix = id.split('-').next().unwrap_or("");
        match prefix {
            "local" => RouteTargetKind::Local,
            "igw" => RouteTargetKind::InternetGateway,
            "eigw" => RouteTargetKind::EgressOnlyInternetGateway,
            "nat" => RouteTargetKind::NatGateway,
            "pcx" => RouteTargetKind::VpcPeeringConnection,
            "tgw" => RouteTargetKind::TransitGateway,
            "vgw" => RouteTargetKind::VpnGateway,
            "vpce" => RouteTargetKind::VpcEndpoint,
            "eni" => RouteTargetKind::NetworkInterface,
            "i" => RouteTargetKind::Instance,
            "cagw" => RouteTargetKind::CarrierGateway,
            "lgw" => RouteTargetKind::LocalGateway,
            _ if id.starts_with("arn:aws:networkmanager") => RouteTargetKind::CoreNetwork,
            _ => RouteTargetKind::Unknown,
        }
    }
}

/// Where a route sends traffic, e.g. `{kind: internet_gateway, id: "igw-0abc"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTarget {
    pub kind: RouteTargetKind,
    /// Target id; "local" for the local route.
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteState {
    Active,
    /// The target is gone: traffic matching this route is dropped.
    Blackhole,
}

/// What a route matches: a CIDR (v4 or v6) or a managed prefix list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteDestination {
    Cidr(#[schemars(with = "String")] IpNet),
    PrefixList(String),
}

impl std::fmt::Display for RouteDestination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteDestination::Cidr(c) => write!(f, "{c}"),
            RouteDestination::PrefixList(p) => f.write_str(p),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub destination: RouteDestination,
    pub target: RouteTarget,
    pub state: RouteState,
    /// "CreateRouteTable", "CreateRoute" or "EnableVgwRoutePropagation".
    #[serde(default)]
    pub origin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTableAssociation {
    pub id: String,
    /// The VPC's main route table; applies to every subnet without an explicit association.
    #[serde(default)]
    pub main: bool,
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Edge association (IGW or VGW ingress routing).
    #[serde(default)]
    pub gateway_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub vpc_id: String,
    #[serde(default)]
    pub routes: Vec<Route>,
    #[serde(default)]
    pub associations: Vec<RouteTableAssociation>,
    /// VGWs whose routes propagate into this table.
    #[serde(default)]
    pub propagating_vgws: Vec<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(RouteTable, ResourceKind::RouteTable, vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            subnets: sorted(self.associations.iter().filter_map(|a| a.subnet_id.as_deref()).collect()),
            ..Asset::service("vpc")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("vpc_id", ResourceKind::Vpc, &self.vpc_id, Rel::Names);
        for (i, a) in self.associations.iter().enumerate() {
            if let Some(sn) = &a.subnet_id {
                // A main association applies through the VPC, not to this subnet.
                let rel = if a.main { Rel::Names } else { Rel::Association };
                out.push(Field::at("associations", i, ".subnet_id"), ResourceKind::Subnet, sn, Check::Required, rel);
            }
        }
        for (i, route) in self.routes.iter().enumerate() {
            if let Some(kind) = route.target.kind.resource_kind() {
                let rel = Rel::Route { destination: &route.destination, state: route.state };
                out.push(Field::at("routes", i, ".target"), kind, &route.target.id, Check::Expected, rel);
            }
            if let RouteDestination::PrefixList(pl) = &route.destination {
                let field = Field::at("routes", i, ".destination");
                out.push(field, ResourceKind::ManagedPrefixList, pl, Check::Expected, Rel::Names);
            }
        }
    }
    fn check(&self, out: &mut super::Issues) {
        for (i, route) in self.routes.iter().enumerate() {
            if let RouteDestination::Cidr(c) = &route.destination {
                out.cidr(Field::at("routes", i, ".destination"), c);
            }
        }
    }
    fn normalize(&mut self) {
        for route in &mut self.routes {
            if let RouteDestination::Cidr(c) = &mut route.destination {
                *c = c.trunc();
            }
        }
        self.routes.sort();
        self.routes.dedup();
        self.associations.sort();
        self.propagating_vgws.sort();
    }
});

impl RouteTable {
    pub fn is_main(&self) -> bool {
        self.associations.iter().any(|a| a.main)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub attachments: Vec<VpcAttachment>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(InternetGateway, ResourceKind::InternetGateway, {
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        super::common::attachment_refs(&self.attachments, out);
    }
    fn normalize(&mut self) {
        self.attachments.sort();
    }
});

/// IPv6 egress-only internet gateway: outbound-initiated traffic only, never inbound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EgressOnlyInternetGateway {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub attachments: Vec<VpcAttachment>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(EgressOnlyInternetGateway, ResourceKind::EgressOnlyInternetGateway, {
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        super::common::attachment_refs(&self.attachments, out);
    }
    fn normalize(&mut self) {
        self.attachments.sort();
    }
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NatConnectivity {
    Public,
    Private,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatGatewayAddress {
    #[serde(default)]
    pub allocation_id: Option<String>,
    #[serde(default)]
    pub network_interface_id: Option<String>,
    #[serde(default)]
    pub private_ip: Option<std::net::Ipv4Addr>,
    #[serde(default)]
    pub public_ip: Option<std::net::Ipv4Addr>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub vpc_id: String,
    pub subnet_id: String,
    pub connectivity: NatConnectivity,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub addresses: Vec<NatGatewayAddress>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(NatGateway, ResourceKind::NatGateway, vpc, {
    fn asset(&self) -> Asset<'_> {
        let ips = |f: fn(&NatGatewayAddress) -> Option<std::net::Ipv4Addr>| {
            sorted(self.addresses.iter().filter_map(f).map(|i| i.to_string()).collect())
        };
        Asset {
            subnets: vec![&self.subnet_id],
            zone_from_subnet: true,
            private_ips: ips(|a| a.private_ip),
            public_ips: ips(|a| a.public_ip),
            ..Asset::service("vpc")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("vpc_id", ResourceKind::Vpc, &self.vpc_id, Rel::Names);
        out.required("subnet_id", ResourceKind::Subnet, &self.subnet_id, Rel::AttachedTo);
    }
    fn normalize(&mut self) {
        self.addresses.sort();
    }
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ElasticIp {
    /// Allocation id ("eipalloc-…").
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub public_ip: std::net::Ipv4Addr,
    #[serde(default)]
    pub association_id: Option<String>,
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub network_interface_id: Option<String>,
    #[serde(default)]
    pub private_ip: Option<std::net::Ipv4Addr>,
    #[serde(default)]
    pub network_border_group: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(ElasticIp, ResourceKind::ElasticIp, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            public_ips: vec![self.public_ip.to_string()],
            private_ips: self.private_ip.iter().map(|i| i.to_string()).collect(),
            enis: self.network_interface_id.as_slice(),
            from_enis: FromEnis::Subnet,
            ..Asset::service("vpc")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        if let Some(e) = &self.network_interface_id {
            let field = Field::new("network_interface_id");
            out.push(field, ResourceKind::NetworkInterface, e, Check::Expected, Rel::AttachedTo);
        }
    }
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VpcEndpointType {
    Gateway,
    Interface,
    GatewayLoadBalancer,
    Resource,
    ServiceNetwork,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub vpc_id: String,
    /// e.g. "com.amazonaws.eu-west-1.s3".
    pub service_name: String,
    pub endpoint_type: VpcEndpointType,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub route_table_ids: Vec<String>,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
    #[serde(default)]
    pub private_dns_enabled: bool,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(VpcEndpoint, ResourceKind::VpcEndpoint, vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            fallback_name: Some(&self.service_name),
            subnets: self.subnet_ids.iter().map(String::as_str).collect(),
            security_groups: self.security_group_ids.iter().map(String::as_str).collect(),
            enis: &self.network_interface_ids,
            from_enis: FromEnis::PrivateIps,
            ..Asset::service("vpc")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("vpc_id", ResourceKind::Vpc, &self.vpc_id, Rel::Names);
        out.required_each("subnet_ids", ResourceKind::Subnet, &self.subnet_ids, Rel::AttachedTo);
        out.required_each("route_table_ids", ResourceKind::RouteTable, &self.route_table_ids, Rel::AttachedTo);
        out.required_each("security_group_ids", ResourceKind::SecurityGroup, &self.security_group_ids, Rel::Names);
    }
    fn normalize(&mut self) {
        self.route_table_ids.sort();
        self.subnet_ids.sort();
        self.security_group_ids.sort();
        self.network_interface_ids.sort();
    }
});
