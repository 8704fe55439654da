//! Peering, transit gateways (attachments, route tables, routes), VPN.
use std::collections::BTreeMap;

use aws_sdk_ec2::types as sdk;
use inventory::model::{
    CustomerGateway, PeeringSide, RouteDestination, RouteState, TgwAttachmentRef, TgwAttachmentResourceType, TgwRoute,
    TgwRouteType, TransitGateway, TransitGatewayAttachment, TransitGatewayRouteTable, VpcAttachment,
    VpcPeeringConnection, VpnConnection, VpnGateway, VpnTunnel,
};

use super::{net, opt, required, tags, Ctx, Result};

fn peering_side(
    ctx: &Ctx,
    info: Option<&sdk::VpcPeeringConnectionVpcInfo>,
    which: &str,
    id: &str,
) -> Result<PeeringSide> {
    let info = info.ok_or_else(|| format!("{id}: missing {which}VpcInfo"))?;
    let mut cidr_blocks = Vec::new();
    for c in info.cidr_block_set().iter().filter_map(|c| c.cidr_block()) {
        cidr_blocks.push(net(c, "CidrBlockSet", id)?);
    }
    if cidr_blocks.is_empty() {
        if let Some(c) = info.cidr_block() {
            cidr_blocks.push(net(c, "CidrBlock", id)?);
        }
    }
    for c in info.ipv6_cidr_block_set().iter().filter_map(|c| c.ipv6_cidr_block()) {
        cidr_blocks.push(net(c, "Ipv6CidrBlockSet", id)?);
    }
    cidr_blocks.sort();
    cidr_blocks.dedup();
    Ok(PeeringSide {
        // Same-account, same-region peering may omit owner and region.
        account_id: opt(info.owner_id()).unwrap_or_else(|| ctx.account_id.clone()),
        region: opt(info.region()).unwrap_or_else(|| ctx.region.clone()),
        vpc_id: required(info.vpc_id(), &format!("{which}VpcInfo.VpcId"), id)?,
        cidr_blocks,
    })
}

pub fn vpc_peering_connection(ctx: &Ctx, p: &sdk::VpcPeeringConnection) -> Result<VpcPeeringConnection> {
    let id = required(p.vpc_peering_connection_id(), "VpcPeeringConnectionId", "peering connection")?;
    Ok(VpcPeeringConnection {
        requester: peering_side(ctx, p.requester_vpc_info(), "Requester", &id)?,
        accepter: peering_side(ctx, p.accepter_vpc_info(), "Accepter", &id)?,
        status: p.status().and_then(|s| s.code()).map(|c| c.as_str().to_string()).unwrap_or_else(|| "unknown".into()),
        arn: None,
        tags: tags(p.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

pub fn transit_gateway(ctx: &Ctx, t: &sdk::TransitGateway) -> Result<TransitGateway> {
    let id = required(t.transit_gateway_id(), "TransitGatewayId", "transit gateway")?;
    let o = t.options();
    Ok(TransitGateway {
        // A TGW shared through RAM is described by the sharing account too; the owner is authoritative.
        account_id: opt(t.owner_id()).unwrap_or_else(|| ctx.account_id.clone()),
        arn: opt(t.transit_gateway_arn()),
        state: t.state().map(|s| s.as_str().to_string()),
        description: opt(t.description()),
        amazon_side_asn: o.and_then(|o| o.amazon_side_asn()).and_then(|a| u64::try_from(a).ok()),
        association_default_route_table_id: o.and_then(|o| opt(o.association_default_route_table_id())),
        propagation_default_route_table_id: o.and_then(|o| opt(o.propagation_default_route_table_id())),
        tags: tags(t.tags()),
        region: ctx.region.clone(),
        id,
    })
}

pub fn tgw_resource_type(t: Option<&sdk::TransitGatewayAttachmentResourceType>) -> TgwAttachmentResourceType {
    match t.map(|t| t.as_str()) {
        Some("vpc") => TgwAttachmentResourceType::Vpc,
        Some("vpn") => TgwAttachmentResourceType::Vpn,
        Some("direct-connect-gateway") => TgwAttachmentResourceType::DirectConnectGateway,
        Some("connect") => TgwAttachmentResourceType::Connect,
        Some("peering") => TgwAttachmentResourceType::Peering,
        Some("tgw-peering") => TgwAttachmentResourceType::TgwPeering,
        Some("network-function") => TgwAttachmentResourceType::NetworkFunction,
        _ => TgwAttachmentResourceType::Other,
    }
}

/// Subnet ids come from DescribeTransitGatewayVpcAttachments; `vpc_attachment_subnets` merges them.
pub fn transit_gateway_attachment(ctx: &Ctx, a: &sdk::TransitGatewayAttachment) -> Result<TransitGatewayAttachment> {
    let id = required(a.transit_gateway_attachment_id(), "TransitGatewayAttachmentId", "TGW attachment")?;
    let association =
        a.association().filter(|x| !matches!(x.state().map(|s| s.as_str()), Some("disassociated" | "disassociating")));
    Ok(TransitGatewayAttachment {
        transit_gateway_id: required(a.transit_gateway_id(), "TransitGatewayId", &id)?,
        transit_gateway_owner_id: opt(a.transit_gateway_owner_id()),
        resource_type: tgw_resource_type(a.resource_type()),
        resource_id: opt(a.resource_id()),
        resource_owner_id: opt(a.resource_owner_id()),
        state: a.state().map(|s| s.as_str().to_string()),
        association_route_table_id: association.and_then(|x| opt(x.transit_gateway_route_table_id())),
        subnet_ids: Vec::new(),
        arn: None,
        tags: tags(a.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

/// (attachment id, subnet ids) of a VPC attachment.
pub fn vpc_attachment_subnets(a: &sdk::TransitGatewayVpcAttachment) -> Result<(String, Vec<String>)> {
    let id = required(a.transit_gateway_attachment_id(), "TransitGatewayAttachmentId", "TGW VPC attachment")?;
    let mut subnets = a.subnet_ids().to_vec();
    subnets.sort();
    Ok((id, subnets))
}

/// Puts the subnets of `vpc_attachment_subnets` on their attachments.
pub fn attach_vpc_subnets(atts: &mut [TransitGatewayAttachment], subnets: Vec<(String, Vec<String>)>) {
    let by_att: BTreeMap<String, Vec<String>> = subnets.into_iter().collect();
    for a in atts {
        if let Some(sn) = by_att.get(&a.id) {
            a.subnet_ids = sn.clone();
        }
    }
}

/// The route table without its routes, associations and propagations (separate APIs).
pub fn transit_gateway_route_table(ctx: &Ctx, t: &sdk::TransitGatewayRouteTable) -> Result<TransitGatewayRouteTable> {
    let id = required(t.transit_gateway_route_table_id(), "TransitGatewayRouteTableId", "TGW route table")?;
    Ok(TransitGatewayRouteTable {
        transit_gateway_id: required(t.transit_gateway_id(), "TransitGatewayId", &id)?,
        default_association_route_table: t.default_association_route_table().unwrap_or(false),
        default_propagation_route_table: t.default_propagation_route_table().unwrap_or(false),
        routes: Vec::new(),
        associations: Vec::new(),
        propagations: Vec::new(),
        arn: None,
        tags: tags(t.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

pub fn tgw_route(rt_id: &str, r: &sdk::TransitGatewayRoute) -> Result<TgwRoute> {
    let destination = if let Some(c) = r.destination_cidr_block() {
        RouteDestination::Cidr(net(c, "DestinationCidrBlock", rt_id)?)
    } else if let Some(p) = r.prefix_list_id() {
        RouteDestination::PrefixList(p.to_string())
    } else {
        return Err(format!("{rt_id}: TGW route without destination"));
    };
    let route_type = match r.r#type().map(|t| t.as_str()) {
        Some("propagated") => TgwRouteType::Propagated,
        _ => TgwRouteType::Static,
    };
    let state = match r.state().map(|s| s.as_str()) {
        Some("blackhole") => RouteState::Blackhole,
        _ => RouteState::Active,
    };
    let attachments = r
        .transit_gateway_attachments()
        .iter()
        .filter_map(|a| {
            Some(TgwAttachmentRef {
                attachment_id: opt(a.transit_gateway_attachment_id())?,
                resource_type: tgw_resource_type(a.resource_type()),
                resource_id: opt(a.resource_id()),
            })
        })
        .collect();
    Ok(TgwRoute { destination, attachments, route_type, state })
}

pub fn tgw_association(a: &sdk::TransitGatewayRouteTableAssociation) -> Option<TgwAttachmentRef> {
    if matches!(a.state().map(|s| s.as_str()), Some("disassociated" | "disassociating")) {
        return None;
    }
    Some(TgwAttachmentRef {
        attachment_id: opt(a.transit_gateway_attachment_id())?,
        resource_type: tgw_resource_type(a.resource_type()),
        resource_id: opt(a.resource_id()),
    })
}

pub fn tgw_propagation(p: &sdk::TransitGatewayRouteTablePropagation) -> Option<TgwAttachmentRef> {
    if matches!(p.state().map(|s| s.as_str()), Some("disabled" | "disabling")) {
        return None;
    }
    Some(TgwAttachmentRef {
        attachment_id: opt(p.transit_gateway_attachment_id())?,
        resource_type: tgw_resource_type(p.resource_type()),
        resource_id: opt(p.resource_id()),
    })
}

pub fn vpn_gateway(ctx: &Ctx, g: &sdk::VpnGateway) -> Result<VpnGateway> {
    let id = required(g.vpn_gateway_id(), "VpnGatewayId", "VPN gateway")?;
    let attachments = g
        .vpc_attachments()
        .iter()
        .filter_map(|a| {
            Some(VpcAttachment {
                vpc_id: opt(a.vpc_id())?,
                state: a.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            })
        })
        // Detached VGWs keep the old attachment in the list with state "detached".
        .filter(|a| a.state != "detached")
        .collect();
    Ok(VpnGateway {
        state: g.state().map(|s| s.as_str().to_string()),
        amazon_side_asn: g.amazon_side_asn().and_then(|a| u64::try_from(a).ok()),
        attachments,
        arn: None,
        tags: tags(g.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

pub fn customer_gateway(ctx: &Ctx, g: &sdk::CustomerGateway) -> Result<CustomerGateway> {
    let id = required(g.customer_gateway_id(), "CustomerGatewayId", "customer gateway")?;
    Ok(CustomerGateway {
        ip_address: opt(g.ip_address()),
        bgp_asn: opt(g.bgp_asn_extended()).or_else(|| opt(g.bgp_asn())),
        device_name: opt(g.device_name()),
        state: opt(g.state()),
        arn: None,
        tags: tags(g.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

pub fn vpn_connection(ctx: &Ctx, v: &sdk::VpnConnection) -> Result<VpnConnection> {
    let id = required(v.vpn_connection_id(), "VpnConnectionId", "VPN connection")?;
    let mut static_routes = Vec::new();
    for r in v.routes() {
        if matches!(r.state().map(|s| s.as_str()), Some("deleted" | "deleting")) {
            continue;
        }
        if let Some(c) = r.destination_cidr_block() {
            static_routes.push(net(c, "Routes.DestinationCidrBlock", &id)?);
        }
    }
    Ok(VpnConnection {
        customer_gateway_id: required(v.customer_gateway_id(), "CustomerGatewayId", &id)?,
        vpn_gateway_id: opt(v.vpn_gateway_id()),
        transit_gateway_id: opt(v.transit_gateway_id()),
        state: v.state().map(|s| s.as_str().to_string()),
        static_routes_only: v.options().and_then(|o| o.static_routes_only()).unwrap_or(false),
        static_routes,
        tunnels: v
            .vgw_telemetry()
            .iter()
            .filter_map(|t| {
                Some(VpnTunnel {
                    outside_ip: opt(t.outside_ip_address())?,
                    status: t.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                })
            })
            .collect(),
        arn: None,
        tags: tags(v.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx::new("111111111111", "eu-west-1")
    }

    #[test]
    fn peering_sides_default_owner_and_region() {
        let p = sdk::VpcPeeringConnection::builder()
            .vpc_peering_connection_id("pcx-1")
            .requester_vpc_info(
                sdk::VpcPeeringConnectionVpcInfo::builder().vpc_id("vpc-a").cidr_block("10.0.0.0/16").build(),
            )
            .accepter_vpc_info(
                sdk::VpcPeeringConnectionVpcInfo::builder()
                    .vpc_id("vpc-b")
                    .owner_id("222222222222")
                    .region("us-east-1")
                    .cidr_block_set(sdk::CidrBlock::builder().cidr_block("10.1.0.0/16").build())
                    .build(),
            )
            .status(
                sdk::VpcPeeringConnectionStateReason::builder()
                    .code(sdk::VpcPeeringConnectionStateReasonCode::Active)
                    .build(),
            )
            .build();
        let m = vpc_peering_connection(&ctx(), &p).unwrap();
        assert!(m.is_active());
        assert_eq!((m.requester.account_id.as_str(), m.requester.region.as_str()), ("111111111111", "eu-west-1"));
        assert_eq!((m.accepter.account_id.as_str(), m.accepter.region.as_str()), ("222222222222", "us-east-1"));
        assert_eq!(m.accepter.cidr_blocks, vec!["10.1.0.0/16".parse().unwrap()]);
        let no_accepter = sdk::VpcPeeringConnection::builder().vpc_peering_connection_id("pcx-2").build();
        assert!(vpc_peering_connection(&ctx(), &no_accepter).is_err());
    }

    #[test]
    fn tgw_and_attachment() {
        let t = sdk::TransitGateway::builder()
            .transit_gateway_id("tgw-1")
            .owner_id("333333333333")
            .options(
                sdk::TransitGatewayOptions::builder()
                    .amazon_side_asn(64512)
                    .association_default_route_table_id("tgw-rtb-1")
                    .build(),
            )
            .build();
        let m = transit_gateway(&ctx(), &t).unwrap();
        assert_eq!(m.account_id, "333333333333");
        assert_eq!(m.amazon_side_asn, Some(64512));
        let a = sdk::TransitGatewayAttachment::builder()
            .transit_gateway_attachment_id("tgw-attach-1")
            .transit_gateway_id("tgw-1")
            .resource_type(sdk::TransitGatewayAttachmentResourceType::Vpc)
            .resource_id("vpc-1")
            .association(
                sdk::TransitGatewayAttachmentAssociation::builder()
                    .transit_gateway_route_table_id("tgw-rtb-1")
                    .state(sdk::TransitGatewayAssociationState::Associated)
                    .build(),
            )
            .build();
        let m = transit_gateway_attachment(&ctx(), &a).unwrap();
        assert_eq!(m.resource_type, TgwAttachmentResourceType::Vpc);
        assert_eq!(m.association_route_table_id.as_deref(), Some("tgw-rtb-1"));
        let va = sdk::TransitGatewayVpcAttachment::builder()
            .transit_gateway_attachment_id("tgw-attach-1")
            .subnet_ids("subnet-2")
            .subnet_ids("subnet-1")
            .build();
        assert_eq!(vpc_attachment_subnets(&va).unwrap().1, vec!["subnet-1".to_string(), "subnet-2".to_string()]);
    }

    #[test]
    fn tgw_routes_and_refs() {
        let r = sdk::TransitGatewayRoute::builder()
            .destination_cidr_block("10.2.0.0/16")
            .r#type(sdk::TransitGatewayRouteType::Propagated)
            .state(sdk::TransitGatewayRouteState::Blackhole)
            .transit_gateway_attachments(
                sdk::TransitGatewayRouteAttachment::builder()
                    .transit_gateway_attachment_id("tgw-attach-1")
                    .resource_type(sdk::TransitGatewayAttachmentResourceType::Vpn)
                    .resource_id("vpn-1")
                    .build(),
            )
            .build();
        let m = tgw_route("tgw-rtb-1", &r).unwrap();
        assert_eq!((m.route_type, m.state), (TgwRouteType::Propagated, RouteState::Blackhole));
        assert_eq!(m.attachments[0].resource_type, TgwAttachmentResourceType::Vpn);
        assert!(tgw_route("tgw-rtb-1", &sdk::TransitGatewayRoute::builder().build()).is_err());
        let gone = sdk::TransitGatewayRouteTablePropagation::builder()
            .transit_gateway_attachment_id("a")
            .state(sdk::TransitGatewayPropagationState::Disabled)
            .build();
        assert_eq!(tgw_propagation(&gone), None);
        let assoc = sdk::TransitGatewayRouteTableAssociation::builder().transit_gateway_attachment_id("a").build();
        assert_eq!(tgw_association(&assoc).map(|a| a.attachment_id), Some("a".to_string()));
    }

    #[test]
    fn vpn_pieces() {
        let g = sdk::VpnGateway::builder()
            .vpn_gateway_id("vgw-1")
            .vpc_attachments(
                sdk::VpcAttachment::builder().vpc_id("vpc-1").state(sdk::AttachmentStatus::Attached).build(),
            )
            .vpc_attachments(
                sdk::VpcAttachment::builder().vpc_id("vpc-old").state(sdk::AttachmentStatus::Detached).build(),
            )
            .build();
        assert_eq!(vpn_gateway(&ctx(), &g).unwrap().attachments.len(), 1);
        let c = sdk::CustomerGateway::builder()
            .customer_gateway_id("cgw-1")
            .ip_address("198.51.100.7")
            .bgp_asn("65000")
            .build();
        assert_eq!(customer_gateway(&ctx(), &c).unwrap().bgp_asn.as_deref(), Some("65000"));
        let v = sdk::VpnConnection::builder()
            .vpn_connection_id("vpn-1")
            .customer_gateway_id("cgw-1")
            .vpn_gateway_id("vgw-1")
            .options(sdk::VpnConnectionOptions::builder().static_routes_only(true).build())
            .routes(
                sdk::VpnStaticRoute::builder()
                    .destination_cidr_block("192.168.0.0/16")
                    .state(sdk::VpnState::Available)
                    .build(),
            )
            .vgw_telemetry(
                sdk::VgwTelemetry::builder().outside_ip_address("203.0.113.1").status(sdk::TelemetryStatus::Up).build(),
            )
            .build();
        let m = vpn_connection(&ctx(), &v).unwrap();
        assert!(m.static_routes_only);
        assert_eq!(m.static_routes, vec!["192.168.0.0/16".parse().unwrap()]);
        assert_eq!(m.tunnels[0].status, "UP");
        assert!(vpn_connection(&ctx(), &sdk::VpnConnection::builder().vpn_connection_id("vpn-2").build()).is_err());
    }
}
