//! Regions, zones, VPCs, subnets, route tables, gateways, NAT, EIPs, endpoints.
use aws_sdk_ec2::types as sdk;
use inventory::model::{
    AvailabilityZone, EgressOnlyInternetGateway, ElasticIp, InternetGateway, NatConnectivity, NatGateway,
    NatGatewayAddress, Region, Route, RouteDestination, RouteState, RouteTable, RouteTableAssociation, RouteTarget,
    RouteTargetKind, Subnet, Vpc, VpcAttachment, VpcEndpoint, VpcEndpointType,
};

use super::{net, opt, required, tags, v4addr, v4net, v6net, Ctx, Result};

pub fn region(ctx: &Ctx, r: &sdk::Region) -> Result<Region> {
    let name = required(r.region_name(), "RegionName", "region")?;
    Ok(Region {
        id: format!("{}/{}", ctx.account_id, name),
        account_id: ctx.account_id.clone(),
        region: name,
        arn: None,
        opt_in_status: opt(r.opt_in_status()),
        tags: Default::default(),
    })
}

pub fn availability_zone(ctx: &Ctx, z: &sdk::AvailabilityZone) -> Result<AvailabilityZone> {
    let name = required(z.zone_name(), "ZoneName", "availability zone")?;
    Ok(AvailabilityZone {
        id: format!("{}/{}", ctx.account_id, name),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        arn: None,
        zone_name: name,
        zone_id: opt(z.zone_id()),
        state: z.state().map(|s| s.as_str().to_string()),
        tags: Default::default(),
    })
}

pub fn vpc(ctx: &Ctx, v: &sdk::Vpc) -> Result<Vpc> {
    let id = required(v.vpc_id(), "VpcId", "vpc")?;
    let mut cidr_blocks = Vec::new();
    // Disassociated CIDRs linger in the set with a state; only associated ones route.
    for a in v.cidr_block_association_set() {
        let state = a.cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str());
        if matches!(state, Some("disassociated" | "disassociating" | "failed")) {
            continue;
        }
        if let Some(c) = a.cidr_block() {
            cidr_blocks.push(v4net(c, "CidrBlock", &id)?);
        }
    }
    if cidr_blocks.is_empty() {
        if let Some(c) = v.cidr_block() {
            cidr_blocks.push(v4net(c, "CidrBlock", &id)?);
        }
    }
    let mut ipv6_cidr_blocks = Vec::new();
    for a in v.ipv6_cidr_block_association_set() {
        let state = a.ipv6_cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str());
        if matches!(state, Some("disassociated" | "disassociating" | "failed")) {
            continue;
        }
        if let Some(c) = a.ipv6_cidr_block() {
            ipv6_cidr_blocks.push(v6net(c, "Ipv6CidrBlock", &id)?);
        }
    }
    Ok(Vpc {
        arn: Some(format!("arn:aws:ec2:{}:{}:vpc/{}", ctx.region, v.owner_id().unwrap_or(&ctx.account_id), id)),
        id,
        account_id: ctx.owner(v.owner_id()),
        region: ctx.region.clone(),
        cidr_blocks,
        ipv6_cidr_blocks,
        is_default: v.is_default().unwrap_or(false),
        state: v.state().map(|s| s.as_str().to_string()),
        tags: tags(v.tags()),
    })
}

pub fn subnet(ctx: &Ctx, s: &sdk::Subnet) -> Result<Subnet> {
    let id = required(s.subnet_id(), "SubnetId", "subnet")?;
    let mut ipv6_cidr_blocks = Vec::new();
    for a in s.ipv6_cidr_block_association_set() {
        let state = a.ipv6_cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str());
        if matches!(state, Some("disassociated" | "disassociating" | "failed")) {
            continue;
        }
        if let Some(c) = a.ipv6_cidr_block() {
            ipv6_cidr_blocks.push(v6net(c, "Ipv6CidrBlock", &id)?);
        }
    }
    Ok(Subnet {
        vpc_id: required(s.vpc_id(), "VpcId", &id)?,
        availability_zone: s.availability_zone().unwrap_or("").to_string(),
        availability_zone_id: opt(s.availability_zone_id()),
        cidr_block: s.cidr_block().map(|c| v4net(c, "CidrBlock", &id)).transpose()?,
        ipv6_cidr_blocks,
        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
        assign_ipv6_address_on_creation: s.assign_ipv6_address_on_creation().unwrap_or(false),
        available_ip_address_count: s.available_ip_address_count().and_then(|n| u32::try_from(n).ok()),
        state: s.state().map(|s| s.as_str().to_string()),
        arn: opt(s.subnet_arn()),
        tags: tags(s.tags()),
        account_id: ctx.owner(s.owner_id()),
        region: ctx.region.clone(),
        id,
    })
}

/// The target of a route: AWS sets exactly one of these id fields.
fn route_target(r: &sdk::Route) -> RouteTarget {
    let candidates = [
        r.gateway_id(),
        r.egress_only_internet_gateway_id(),
        r.nat_gateway_id(),
        r.transit_gateway_id(),
        r.vpc_peering_connection_id(),
        r.network_interface_id(),
        r.instance_id(),
        r.local_gateway_id(),
        r.carrier_gateway_id(),
        r.core_network_arn(),
    ];
    match candidates.into_iter().flatten().find(|s| !s.is_empty()) {
        Some(id) => RouteTarget { kind: RouteTargetKind::from_target_id(id), id: id.to_string() },
        None => RouteTarget { kind: RouteTargetKind::Unknown, id: String::new() },
    }
}

pub fn route(rt_id: &str, r: &sdk::Route) -> Result<Route> {
    let destination = if let Some(c) = r.destination_cidr_block() {
        RouteDestination::Cidr(net(c, "DestinationCidrBlock", rt_id)?)
    } else if let Some(c) = r.destination_ipv6_cidr_block() {
        RouteDestination::Cidr(net(c, "DestinationIpv6CidrBlock", rt_id)?)
    } else if let Some(p) = r.destination_prefix_list_id() {
        RouteDestination::PrefixList(p.to_string())
    } else {
        return Err(format!("{rt_id}: route without destination"));
    };
    let state = match r.state().map(|s| s.as_str()) {
        Some("blackhole") => RouteState::Blackhole,
        _ => RouteState::Active,
    };
    Ok(Route { destination, target: route_target(r), state, origin: r.origin().map(|o| o.as_str().to_string()) })
}

pub fn route_table(ctx: &Ctx, t: &sdk::RouteTable) -> Result<RouteTable> {
    let id = required(t.route_table_id(), "RouteTableId", "route table")?;
    let routes = t.routes().iter().map(|r| route(&id, r)).collect::<Result<Vec<_>>>()?;
    let associations = t
        .associations()
        .iter()
        // Disassociated entries still show up briefly; they no longer apply.
        .filter(|a| {
            !matches!(
                a.association_state().and_then(|s| s.state()).map(|s| s.as_str()),
                Some("disassociated" | "disassociating")
            )
        })
        .map(|a| RouteTableAssociation {
            id: a.route_table_association_id().unwrap_or("").to_string(),
            main: a.main().unwrap_or(false),
            subnet_id: opt(a.subnet_id()),
            gateway_id: opt(a.gateway_id()),
        })
        .collect();
    Ok(RouteTable {
        vpc_id: required(t.vpc_id(), "VpcId", &id)?,
        arn: Some(format!("arn:aws:ec2:{}:{}:route-table/{}", ctx.region, t.owner_id().unwrap_or(&ctx.account_id), id)),
        routes,
        associations,
        propagating_vgws: t.propagating_vgws().iter().filter_map(|v| opt(v.gateway_id())).collect(),
        tags: tags(t.tags()),
        account_id: ctx.owner(t.owner_id()),
        region: ctx.region.clone(),
        id,
    })
}

fn attachments(a: &[sdk::InternetGatewayAttachment], id: &str) -> Result<Vec<VpcAttachment>> {
    a.iter()
        .map(|a| {
            Ok(VpcAttachment {
                vpc_id: required(a.vpc_id(), "Attachments.VpcId", id)?,
                state: a.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            })
        })
        .collect()
}

pub fn internet_gateway(ctx: &Ctx, g: &sdk::InternetGateway) -> Result<InternetGateway> {
    let id = required(g.internet_gateway_id(), "InternetGatewayId", "internet gateway")?;
    Ok(InternetGateway {
        attachments: attachments(g.attachments(), &id)?,
        arn: Some(format!(
            "arn:aws:ec2:{}:{}:internet-gateway/{}",
            ctx.region,
            g.owner_id().unwrap_or(&ctx.account_id),
            id
        )),
        tags: tags(g.tags()),
        account_id: ctx.owner(g.owner_id()),
        region: ctx.region.clone(),
        id,
    })
}

pub fn egress_only_internet_gateway(
    ctx: &Ctx,
    g: &sdk::EgressOnlyInternetGateway,
) -> Result<EgressOnlyInternetGateway> {
    let id =
        required(g.egress_only_internet_gateway_id(), "EgressOnlyInternetGatewayId", "egress-only internet gateway")?;
    Ok(EgressOnlyInternetGateway {
        attachments: attachments(g.attachments(), &id)?,
        arn: None,
        tags: tags(g.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

pub fn nat_gateway(ctx: &Ctx, n: &sdk::NatGateway) -> Result<NatGateway> {
    let id = required(n.nat_gateway_id(), "NatGatewayId", "NAT gateway")?;
    let connectivity = match n.connectivity_type().map(|c| c.as_str()) {
        Some("private") => NatConnectivity::Private,
        // AWS omitted the field before private NAT existed: those are public.
        _ => NatConnectivity::Public,
    };
    Ok(NatGateway {
        vpc_id: required(n.vpc_id(), "VpcId", &id)?,
        subnet_id: required(n.subnet_id(), "SubnetId", &id)?,
        connectivity,
        state: n.state().map(|s| s.as_str().to_string()),
        addresses: n
            .nat_gateway_addresses()
            .iter()
            .map(|a| NatGatewayAddress {
                allocation_id: opt(a.allocation_id()),
                network_interface_id: opt(a.network_interface_id()),
                private_ip: v4addr(a.private_ip()),
                public_ip: v4addr(a.public_ip()),
            })
            .collect(),
        arn: None,
        tags: tags(n.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

pub fn elastic_ip(ctx: &Ctx, a: &sdk::Address) -> Result<ElasticIp> {
    let public_ip = a.public_ip().unwrap_or("");
    let public_ip: std::net::Ipv4Addr = public_ip
        .parse()
        .map_err(|_| format!("address {:?}: PublicIp {public_ip:?} is not an IPv4 address", a.allocation_id()))?;
    // EC2-Classic addresses had no allocation id; the address itself is the stable key.
    let id = opt(a.allocation_id()).unwrap_or_else(|| public_ip.to_string());
    Ok(ElasticIp {
        id,
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        arn: None,
        public_ip,
        association_id: opt(a.association_id()),
        instance_id: opt(a.instance_id()),
        network_interface_id: opt(a.network_interface_id()),
        private_ip: v4addr(a.private_ip_address()),
        network_border_group: opt(a.network_border_group()),
        tags: tags(a.tags()),
    })
}

pub fn vpc_endpoint(ctx: &Ctx, e: &sdk::VpcEndpoint) -> Result<VpcEndpoint> {
    let id = required(e.vpc_endpoint_id(), "VpcEndpointId", "VPC endpoint")?;
    let endpoint_type = match e.vpc_endpoint_type().map(|t| t.as_str().to_ascii_lowercase()) {
        Some(t) if t == "gateway" => VpcEndpointType::Gateway,
        Some(t) if t == "gatewayloadbalancer" => VpcEndpointType::GatewayLoadBalancer,
        Some(t) if t == "resource" => VpcEndpointType::Resource,
        Some(t) if t == "servicenetwork" => VpcEndpointType::ServiceNetwork,
        Some(t) if t == "interface" => VpcEndpointType::Interface,
        // Route-table ids only exist on gateway endpoints.
        _ if !e.route_table_ids().is_empty() => VpcEndpointType::Gateway,
        _ => VpcEndpointType::Interface,
    };
    Ok(VpcEndpoint {
        vpc_id: required(e.vpc_id(), "VpcId", &id)?,
        service_name: e.service_name().unwrap_or("").to_string(),
        endpoint_type,
        state: e.state().map(|s| s.as_str().to_string()),
        route_table_ids: e.route_table_ids().to_vec(),
        subnet_ids: e.subnet_ids().to_vec(),
        security_group_ids: e.groups().iter().filter_map(|g| opt(g.group_id())).collect(),
        network_interface_ids: e.network_interface_ids().to_vec(),
        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
        arn: None,
        tags: tags(e.tags()),
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
    fn vpc_keeps_associated_cidrs_only() {
        let v = sdk::Vpc::builder()
            .vpc_id("vpc-1")
            .cidr_block("10.0.0.0/16")
            .cidr_block_association_set(sdk::VpcCidrBlockAssociation::builder().cidr_block("10.0.0.0/16").build())
            .cidr_block_association_set(
                sdk::VpcCidrBlockAssociation::builder()
                    .cidr_block("10.9.0.0/16")
                    .cidr_block_state(
                        sdk::VpcCidrBlockState::builder().state(sdk::VpcCidrBlockStateCode::Disassociated).build(),
                    )
                    .build(),
            )
            .ipv6_cidr_block_association_set(
                sdk::VpcIpv6CidrBlockAssociation::builder().ipv6_cidr_block("2600:1f18::/56").build(),
            )
            .tags(sdk::Tag::builder().key("Name").value("prod").build())
            .build();
        let m = vpc(&ctx(), &v).unwrap();
        assert_eq!(m.cidr_blocks, vec!["10.0.0.0/16".parse().unwrap()]);
        assert_eq!(m.ipv6_cidr_blocks.len(), 1);
        assert_eq!(m.tags.get("Name").map(String::as_str), Some("prod"));
        assert_eq!(m.region, "eu-west-1");
    }

    #[test]
    fn vpc_without_id_or_with_bad_cidr_is_an_error() {
        assert!(vpc(&ctx(), &sdk::Vpc::builder().build()).is_err());
        let bad = sdk::Vpc::builder().vpc_id("vpc-1").cidr_block("10.0.0.300/16").build();
        assert!(vpc(&ctx(), &bad).unwrap_err().contains("vpc-1"));
    }

    #[test]
    fn subnet_maps_fields() {
        let s = sdk::Subnet::builder()
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .availability_zone("eu-west-1a")
            .cidr_block("10.0.1.0/24")
            .map_public_ip_on_launch(true)
            .available_ip_address_count(-1)
            .build();
        let m = subnet(&ctx(), &s).unwrap();
        assert!(m.map_public_ip_on_launch);
        assert_eq!(m.available_ip_address_count, None);
        assert!(subnet(&ctx(), &sdk::Subnet::builder().subnet_id("subnet-2").build()).is_err(), "VpcId is required");
    }

    #[test]
    fn routes_classify_targets_and_destinations() {
        let t = sdk::RouteTable::builder()
            .route_table_id("rtb-1")
            .vpc_id("vpc-1")
            .routes(
                sdk::Route::builder()
                    .destination_cidr_block("10.0.0.0/16")
                    .gateway_id("local")
                    .state(sdk::RouteState::Active)
                    .build(),
            )
            .routes(sdk::Route::builder().destination_cidr_block("0.0.0.0/0").gateway_id("igw-1").build())
            .routes(
                sdk::Route::builder()
                    .destination_ipv6_cidr_block("::/0")
                    .egress_only_internet_gateway_id("eigw-1")
                    .build(),
            )
            .routes(sdk::Route::builder().destination_prefix_list_id("pl-1").gateway_id("vpce-1").build())
            .routes(
                sdk::Route::builder()
                    .destination_cidr_block("10.8.0.0/16")
                    .vpc_peering_connection_id("pcx-1")
                    .state(sdk::RouteState::Blackhole)
                    .build(),
            )
            .associations(
                sdk::RouteTableAssociation::builder().route_table_association_id("rtbassoc-1").main(true).build(),
            )
            .associations(
                sdk::RouteTableAssociation::builder()
                    .route_table_association_id("rtbassoc-2")
                    .subnet_id("subnet-1")
                    .build(),
            )
            .propagating_vgws(sdk::PropagatingVgw::builder().gateway_id("vgw-1").build())
            .build();
        let m = route_table(&ctx(), &t).unwrap();
        let kinds: Vec<RouteTargetKind> = m.routes.iter().map(|r| r.target.kind).collect();
        assert_eq!(
            kinds,
            vec![
                RouteTargetKind::Local,
                RouteTargetKind::InternetGateway,
                RouteTargetKind::EgressOnlyInternetGateway,
                RouteTargetKind::VpcEndpoint,
                RouteTargetKind::VpcPeeringConnection
            ]
        );
        assert_eq!(m.routes[3].destination, RouteDestination::PrefixList("pl-1".into()));
        assert_eq!(m.routes[4].state, RouteState::Blackhole);
        assert!(m.is_main());
        assert_eq!(m.associations[1].subnet_id.as_deref(), Some("subnet-1"));
        assert_eq!(m.propagating_vgws, vec!["vgw-1".to_string()]);
    }

    #[test]
    fn gateways_nat_eip_endpoint() {
        let g = sdk::InternetGateway::builder()
            .internet_gateway_id("igw-1")
            .attachments(
                sdk::InternetGatewayAttachment::builder()
                    .vpc_id("vpc-1")
                    .state(sdk::AttachmentStatus::from("available"))
                    .build(),
            )
            .build();
        assert!(internet_gateway(&ctx(), &g).unwrap().attachments[0].is_attached());
        let e = sdk::EgressOnlyInternetGateway::builder()
            .egress_only_internet_gateway_id("eigw-1")
            .attachments(
                sdk::InternetGatewayAttachment::builder()
                    .vpc_id("vpc-1")
                    .state(sdk::AttachmentStatus::Attached)
                    .build(),
            )
            .build();
        assert_eq!(egress_only_internet_gateway(&ctx(), &e).unwrap().attachments[0].vpc_id, "vpc-1");
        let n = sdk::NatGateway::builder()
            .nat_gateway_id("nat-1")
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .nat_gateway_addresses(
                sdk::NatGatewayAddress::builder()
                    .public_ip("203.0.113.5")
                    .private_ip("10.0.0.5")
                    .allocation_id("eipalloc-1")
                    .build(),
            )
            .build();
        let n = nat_gateway(&ctx(), &n).unwrap();
        assert_eq!(n.connectivity, NatConnectivity::Public);
        assert_eq!(n.addresses[0].public_ip, Some("203.0.113.5".parse().unwrap()));
        let a = sdk::Address::builder()
            .public_ip("198.51.100.1")
            .allocation_id("eipalloc-1")
            .network_interface_id("eni-1")
            .build();
        assert_eq!(elastic_ip(&ctx(), &a).unwrap().id, "eipalloc-1");
        assert!(elastic_ip(&ctx(), &sdk::Address::builder().allocation_id("eipalloc-2").build()).is_err());
        let ep = sdk::VpcEndpoint::builder()
            .vpc_endpoint_id("vpce-1")
            .vpc_id("vpc-1")
            .service_name("com.amazonaws.eu-west-1.s3")
            .vpc_endpoint_type(sdk::VpcEndpointType::Gateway)
            .route_table_ids("rtb-1")
            .build();
        let ep = vpc_endpoint(&ctx(), &ep).unwrap();
        assert_eq!(ep.endpoint_type, VpcEndpointType::Gateway);
        assert_eq!(ep.route_table_ids, vec!["rtb-1".to_string()]);
    }

    #[test]
    fn region_and_zone_ids_are_account_scoped() {
        let r = region(
            &ctx(),
            &sdk::Region::builder().region_name("eu-west-1").opt_in_status("opt-in-not-required").build(),
        )
        .unwrap();
        assert_eq!(r.id, "111111111111/eu-west-1");
        let z = availability_zone(
            &ctx(),
            &sdk::AvailabilityZone::builder().zone_name("eu-west-1a").zone_id("euw1-az1").build(),
        )
        .unwrap();
        assert_eq!(z.id, "111111111111/eu-west-1a");
        assert_eq!(z.zone_id.as_deref(), Some("euw1-az1"));
    }
}
