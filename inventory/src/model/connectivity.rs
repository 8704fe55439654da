//! What connects a VPC to other networks: peering, transit gateways, VPN.
use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::asset::{sorted, Asset};
use super::common::{impl_resource, ResourceKind, Tags, VpcAttachment};
use super::refs::{Check, Field, Refs, Rel};

/// One side of a peering connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeeringSide {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cidr_blocks: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringConnection {
    pub id: String,
    /// Account that described it (either side may).
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub requester: PeeringSide,
    pub accepter: PeeringSide,
    /// "active", "pending-acceptance", "deleted", ...
    pub status: String,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(VpcPeeringConnection, ResourceKind::VpcPeeringConnection, {
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        // Either side may be in an account outside the snapshot.
        for (name, side, requester) in [("requester", &self.requester, true), ("accepter", &self.accepter, false)] {
            let field = Field { name, index: None, rest: ".vpc_id" };
            out.push(field, ResourceKind::Vpc, &side.vpc_id, Check::Open, Rel::PeeringSide { requester });
        }
    }
});

impl VpcPeeringConnection {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    pub id: String,
    /// Owner account.
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub amazon_side_asn: Option<u64>,
    #[serde(default)]
    pub association_default_route_table_id: Option<String>,
    #[serde(default)]
    pub propagation_default_route_table_id: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(TransitGateway, ResourceKind::TransitGateway, {
    fn asset(&self) -> Asset<'_> {
        Asset::service("transit-gateway")
    }
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TgwAttachmentResourceType {
    Vpc,
    Vpn,
    DirectConnectGateway,
    Connect,
    Peering,
    TgwPeering,
    NetworkFunction,
    Other,
}

impl TgwAttachmentResourceType {
    /// The kind of the attached resource, when auditmap models it (a TGW peering
    /// attachment's resource is the peer TGW).
    pub fn resource_kind(self) -> Option<ResourceKind> {
        match self {
            TgwAttachmentResourceType::Vpc => Some(ResourceKind::Vpc),
            TgwAttachmentResourceType::Vpn => Some(ResourceKind::VpnConnection),
            TgwAttachmentResourceType::Peering | TgwAttachmentResourceType::TgwPeering => {
                Some(ResourceKind::TransitGateway)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitGatewayAttachment {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub transit_gateway_id: String,
    #[serde(default)]
    pub transit_gateway_owner_id: Option<String>,
    pub resource_type: TgwAttachmentResourceType,
    /// VPC id, VPN connection id, peer TGW id, ...
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub resource_owner_id: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    /// TGW route table this attachment is associated with.
    #[serde(default)]
    pub association_route_table_id: Option<String>,
    /// Subnets of a VPC attachment.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(TransitGatewayAttachment, ResourceKind::TransitGatewayAttachment, {
    fn asset(&self) -> Asset<'_> {
        Asset { subnets: self.subnet_ids.iter().map(String::as_str).collect(), ..Asset::service("transit-gateway") }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        if let (Some(res), Some(kind)) = (&self.resource_id, self.resource_type.resource_kind()) {
            // The attached VPC or VPN may belong to another account.
            out.push(Field::new("resource_id"), kind, res, Check::Open, Rel::AttachedTo);
        }
        let tgw = Field::new("transit_gateway_id");
        out.push(tgw, ResourceKind::TransitGateway, &self.transit_gateway_id, Check::Expected, Rel::AttachedTo);
        if let Some(t) = &self.association_route_table_id {
            let field = Field::new("association_route_table_id");
            out.push(field, ResourceKind::TransitGatewayRouteTable, t, Check::Open, Rel::AssociatedWith);
        }
        out.required_each("subnet_ids", ResourceKind::Subnet, &self.subnet_ids, Rel::Names);
    }
    fn normalize(&mut self) {
        self.subnet_ids.sort();
    }
});

/// An attachment as named by a TGW route, association or propagation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TgwAttachmentRef {
    pub attachment_id: String,
    pub resource_type: TgwAttachmentResourceType,
    #[serde(default)]
    pub resource_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TgwRouteType {
    Static,
    Propagated,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TgwRoute {
    pub destination: super::network::RouteDestination,
    #[serde(default)]
    pub attachments: Vec<TgwAttachmentRef>,
    pub route_type: TgwRouteType,
    pub state: super::network::RouteState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitGatewayRouteTable {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub transit_gateway_id: String,
    #[serde(default)]
    pub default_association_route_table: bool,
    #[serde(default)]
    pub default_propagation_route_table: bool,
    #[serde(default)]
    pub routes: Vec<TgwRoute>,
    #[serde(default)]
    pub associations: Vec<TgwAttachmentRef>,
    #[serde(default)]
    pub propagations: Vec<TgwAttachmentRef>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(TransitGatewayRouteTable, ResourceKind::TransitGatewayRouteTable, {
    fn asset(&self) -> Asset<'_> {
        Asset::service("transit-gateway")
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("transit_gateway_id", ResourceKind::TransitGateway, &self.transit_gateway_id, Rel::In);
        for (i, route) in self.routes.iter().enumerate() {
            for att in &route.attachments {
                let rel = Rel::TgwRoute { destination: &route.destination, state: route.state };
                let field = Field::at("routes", i, ".attachments");
                out.push(field, ResourceKind::TransitGatewayAttachment, &att.attachment_id, Check::Open, rel);
            }
        }
    }
    fn normalize(&mut self) {
        self.routes.sort();
        self.associations.sort();
        self.propagations.sort();
    }
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpnGateway {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub amazon_side_asn: Option<u64>,
    #[serde(default)]
    pub attachments: Vec<VpcAttachment>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(VpnGateway, ResourceKind::VpnGateway, {
    fn asset(&self) -> Asset<'_> {
        Asset::service("vpn")
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        super::common::attachment_refs(&self.attachments, out);
    }
    fn normalize(&mut self) {
        self.attachments.sort();
    }
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerGateway {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    /// Public IP of the on-premises device.
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub bgp_asn: Option<String>,
    #[serde(default)]
    pub device_name: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(CustomerGateway, ResourceKind::CustomerGateway, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            fallback_name: self.device_name.as_deref(),
            public_ips: self.ip_address.iter().cloned().collect(),
            ..Asset::service("vpn")
        }
    }
});

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpnTunnel {
    pub outside_ip: String,
    /// "UP" or "DOWN".
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpnConnection {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub customer_gateway_id: String,
    #[serde(default)]
    pub vpn_gateway_id: Option<String>,
    #[serde(default)]
    pub transit_gateway_id: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub static_routes_only: bool,
    /// On-premises CIDRs routed over the VPN (static routes).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub static_routes: Vec<IpNet>,
    #[serde(default)]
    pub tunnels: Vec<VpnTunnel>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(VpnConnection, ResourceKind::VpnConnection, {
    fn asset(&self) -> Asset<'_> {
        // The AWS-side tunnel endpoints: public addresses the internet can reach.
        Asset {
            public_ips: sorted(self.tunnels.iter().map(|t| t.outside_ip.clone()).collect()),
            ..Asset::service("vpn")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("customer_gateway_id", ResourceKind::CustomerGateway, &self.customer_gateway_id, Rel::AttachedTo);
        if let Some(v) = &self.vpn_gateway_id {
            out.required("vpn_gateway_id", ResourceKind::VpnGateway, v, Rel::AttachedTo);
        }
        if let Some(t) = &self.transit_gateway_id {
            let field = Field::new("transit_gateway_id");
            out.push(field, ResourceKind::TransitGateway, t, Check::Expected, Rel::AttachedTo);
        }
    }
    fn normalize(&mut self) {
        self.static_routes.sort();
        self.tunnels.sort();
    }
});
