//! One generated VPC with everything in it, plus peering and top-up helpers.
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::{arn, pick_app, region_name, region_zones, s3_list_id, tags, zone_id, Gen, Hub, VpcInfo};
use inventory::model::*;

/// Per-VPC facts the builders below share.
struct Ctx {
    account: String,
    ai: usize,
    region: &'static str,
    ri: usize,
    vpc_id: String,
    env: &'static str,
    stem: String,
    owner: String,
    data_class: &'static str,
}

impl Ctx {
    fn tags(&self, name: &str) -> Tags {
        tags(&[("Name", name), ("Environment", self.env), ("Owner", &self.owner)])
    }
    fn tags_dc(&self, name: &str, dc: &str) -> Tags {
        tags(&[("Name", name), ("Environment", self.env), ("Owner", &self.owner), ("DataClassification", dc)])
    }
}

fn cidr(s: &str) -> IpNet {
    s.parse().expect("literal CIDR")
}

fn local_routes(v4: Ipv4Net, v6: Option<Ipv6Net>) -> Vec<Route> {
    let mut out = vec![route(IpNet::V4(v4), RouteTargetKind::Local, "local", "CreateRouteTable")];
    if let Some(v6) = v6 {
        out.push(route(IpNet::V6(v6), RouteTargetKind::Local, "local", "CreateRouteTable"));
    }
    out
}

fn route(dest: IpNet, kind: RouteTargetKind, target: &str, origin: &str) -> Route {
    Route {
        destination: RouteDestination::Cidr(dest),
        target: RouteTarget { kind, id: target.to_string() },
        state: RouteState::Active,
        origin: Some(origin.into()),
    }
}

fn rule(g: &mut Gen, protocol: Protocol, ports: Option<(u16, u16)>, peer: RulePeer, desc: &str) -> SgRule {
    SgRule {
        rule_id: Some(g.id("sgr")),
        protocol,
        ports: ports.map(|(a, b)| PortRange::new(a, b)),
        icmp: None,
        peer,
        description: (!desc.is_empty()).then(|| desc.to_string()),
    }
}

fn from_cidr(c: &str) -> RulePeer {
    RulePeer::Cidr { cidr: cidr(c) }
}

fn from_sg(id: &str, account: &str) -> RulePeer {
    RulePeer::SecurityGroup {
        group_id: id.to_string(),
        account_id: Some(account.to_string()),
        vpc_id: None,
        peering_status: None,
    }
}

fn sg(g: &mut Gen, c: &Ctx, name: &str, desc: &str, ingress: Vec<SgRule>, v6: bool) -> String {
    let id = g.id("sg");
    let mut egress = vec![rule(g, Protocol::All, None, from_cidr("0.0.0.0/0"), "")];
    if v6 {
        egress.push(rule(g, Protocol::All, None, from_cidr("::/0"), ""));
    }
    g.r.security_groups.push(SecurityGroup {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("security-group", c.region, &c.account, &id),
        vpc_id: c.vpc_id.clone(),
        group_name: name.into(),
        description: desc.into(),
        ingress,
        egress,
        tags: if name == "default" { Tags::new() } else { c.tags(name) },
    });
    id
}

struct EniSpec<'a> {
    subnet: usize,
    sgs: Vec<String>,
    interface_type: &'a str,
    requester: Option<String>,
    description: String,
    attachment: Option<EniAttachment>,
    public: Option<PublicIpAssociation>,
    ipv6: Vec<Ipv6Addr>,
    tags: Tags,
}

fn eni(g: &mut Gen, spec: EniSpec<'_>) -> String {
    let id = g.id("eni");
    let address = g.host(spec.subnet);
    let sn = &g.r.subnets[spec.subnet];
    let attached = spec.attachment.as_ref().is_some_and(|a| a.instance_id.is_some());
    let service = ServiceKind::classify(spec.interface_type, spec.requester.as_deref(), &spec.description, attached);
    let nic = NetworkInterface {
        id: id.clone(),
        account_id: sn.account_id.clone(),
        region: sn.region.clone(),
        arn: arn("network-interface", &sn.region, &sn.account_id, &id),
        vpc_id: sn.vpc_id.clone(),
        subnet_id: sn.id.clone(),
        availability_zone: Some(sn.availability_zone.clone()),
        interface_type: spec.interface_type.into(),
        requester_managed: spec.requester.is_some(),
        requester_id: spec.requester,
        description: spec.description,
        status: Some("in-use".into()),
        private_ips: vec![PrivateIp { address, primary: true, association: spec.public }],
        ipv6_addresses: spec.ipv6,
        security_group_ids: spec.sgs,
        attachment: spec.attachment,
        source_dest_check: spec.interface_type != "nat_gateway",
        service,
        tags: spec.tags,
    };
    g.r.network_interfaces.push(nic);
    id
}

/// AWS-managed ENI attachment (ELB, RDS, ...): no instance, an AWS owner.
fn managed(owner: &str) -> Option<EniAttachment> {
    Some(EniAttachment {
        instance_id: None,
        instance_owner_id: Some(owner.into()),
        device_index: Some(1),
        status: Some("attached".into()),
    })
}

fn new_eip(g: &mut Gen, c: &Ctx, name: &str) -> usize {
    let id = g.id("eipalloc");
    let public_ip = g.public_ip();
    g.r.elastic_ips.push(ElasticIp {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("elastic-ip", c.region, &c.account, &id),
        public_ip,
        association_id: None,
        instance_id: None,
        network_interface_id: None,
        private_ip: None,
        network_border_group: Some(c.region.into()),
        tags: c.tags(name),
    });
    g.r.elastic_ips.len() - 1
}

fn bind_eip(g: &mut Gen, eip: usize, eni_id: &str, instance: Option<&str>) {
    let assoc = g.id("eipassoc");
    let private_ip = g.r.network_interfaces.iter().rev().find(|n| n.id == eni_id).and_then(|n| n.primary_private_ip());
    let e = &mut g.r.elastic_ips[eip];
    e.association_id = Some(assoc);
    e.network_interface_id = Some(eni_id.into());
    e.instance_id = instance.map(str::to_string);
    e.private_ip = private_ip;
}

fn eip_assoc(g: &Gen, eip: usize, account: &str) -> PublicIpAssociation {
    let e = &g.r.elastic_ips[eip];
    PublicIpAssociation { public_ip: e.public_ip, allocation_id: Some(e.id.clone()), ip_owner_id: Some(account.into()) }
}

struct InstanceSpec<'a> {
    subnet: usize,
    name: String,
    sgs: Vec<String>,
    itype: &'a str,
    asg: Option<String>,
    public: Option<Ipv4Addr>,
    eip: Option<usize>,
    profile: Option<&'a str>,
    data_class: &'a str,
}

fn instance(g: &mut Gen, c: &Ctx, spec: InstanceSpec<'_>) -> String {
    let id = g.id("i");
    let (sn_id, az, v6net) = {
        let sn = &g.r.subnets[spec.subnet];
        (
            sn.id.clone(),
            sn.availability_zone.clone(),
            sn.assign_ipv6_address_on_creation.then(|| sn.ipv6_cidr_blocks.first().copied()).flatten(),
        )
    };
    let mut t = c.tags_dc(&spec.name, spec.data_class);
    if let Some(asg) = &spec.asg {
        t.insert("aws:autoscaling:groupName".into(), asg.clone());
    }
    let public = match (spec.eip, spec.public) {
        (Some(e), _) => Some(eip_assoc(g, e, &c.account)),
        (None, Some(ip)) => {
            Some(PublicIpAssociation { public_ip: ip, allocation_id: None, ip_owner_id: Some("amazon".into()) })
        }
        _ => None,
    };
    let public_ip = public.as_ref().map(|p| p.public_ip);
    let host = g.next_host[spec.subnet];
    let ipv6 = v6net.map(|n| vec![Ipv6Addr::from(u128::from(n.network()) + 0x1000 + host as u128)]).unwrap_or_default();
    let mut eni_tags = c.tags_dc(&format!("{}-eth0", spec.name), spec.data_class);
    if let Some(asg) = &spec.asg {
        eni_tags.insert("aws:autoscaling:groupName".into(), asg.clone());
    }
    let eni_id = eni(
        g,
        EniSpec {
            subnet: spec.subnet,
            sgs: spec.sgs.clone(),
            interface_type: "interface",
            requester: None,
            description: String::new(),
            attachment: Some(EniAttachment {
                instance_id: Some(id.clone()),
                instance_owner_id: Some(c.account.clone()),
                device_index: Some(0),
                status: Some("attached".into()),
            }),
            public,
            ipv6,
            tags: eni_tags,
        },
    );
    if let Some(e) = spec.eip {
        bind_eip(g, e, &eni_id, Some(&id));
    }
    let private_ip = g.r.network_interfaces.last().and_then(|n| n.primary_private_ip());
    let month = 1 + g.rng.below(10);
    let launch_time = format!(
        "2026-{month:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + g.rng.below(28),
        g.rng.below(24),
        g.rng.below(60),
        g.rng.below(60)
    );
    g.r.instances.push(Instance {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("instance", c.region, &c.account, &id),
        vpc_id: Some(c.vpc_id.clone()),
        subnet_id: Some(sn_id),
        availability_zone: Some(az),
        instance_type: Some(spec.itype.into()),
        state: Some("running".into()),
        image_id: Some(format!("ami-0{:016x}", super::mix(c.ri as u64 + 77))),
        platform: None,
        private_ip,
        public_ip,
        network_interface_ids: vec![eni_id],
        security_group_ids: spec.sgs,
        iam_instance_profile_arn: spec.profile.map(|p| format!("arn:aws:iam::{}:instance-profile/{p}", c.account)),
        launch_time: Some(launch_time),
        tags: t,
    });
    id
}

#[allow(clippy::too_many_arguments)] // one call per subnet kind; a struct would only rename them
fn subnet(
    g: &mut Gen,
    c: &Ctx,
    name: &str,
    z: usize,
    net: Ipv4Net,
    v6: Option<Ipv6Net>,
    public: bool,
    dc: &str,
    tier: &str,
) -> usize {
    let id = g.id("subnet");
    let mut t = c.tags_dc(name, dc);
    t.insert("Tier".into(), tier.into());
    g.r.subnets.push(Subnet {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("subnet", c.region, &c.account, &id),
        vpc_id: c.vpc_id.clone(),
        availability_zone: format!("{}{}", c.region, (b'a' + z as u8) as char),
        availability_zone_id: Some(zone_id(c.ai, c.ri, z)),
        cidr_block: Some(net),
        ipv6_cidr_blocks: v6.into_iter().collect(),
        map_public_ip_on_launch: public,
        assign_ipv6_address_on_creation: v6.is_some(),
        available_ip_address_count: None,
        state: Some("available".into()),
        tags: t,
    });
    g.next_host.push(0);
    g.r.subnets.len() - 1
}

fn route_table(g: &mut Gen, c: &Ctx, name: &str, routes: Vec<Route>, subnets: &[usize], main: bool) -> usize {
    let id = g.id("rtb");
    let mut associations = Vec::new();
    if main {
        associations.push(RouteTableAssociation {
            id: g.id("rtbassoc"),
            main: true,
            subnet_id: None,
            gateway_id: None,
        });
    }
    for &s in subnets {
        let sid = g.r.subnets[s].id.clone();
        associations.push(RouteTableAssociation {
            id: g.id("rtbassoc"),
            main: false,
            subnet_id: Some(sid),
            gateway_id: None,
        });
    }
    g.r.route_tables.push(RouteTable {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("route-table", c.region, &c.account, &id),
        vpc_id: c.vpc_id.clone(),
        routes,
        associations,
        propagating_vgws: Vec::new(),
        tags: c.tags(name),
    });
    g.r.route_tables.len() - 1
}

fn nacl(g: &mut Gen, c: &Ctx, name: &str, mut entries: Vec<NaclEntry>, subnets: &[usize], default: bool, v6: bool) {
    let id = g.id("acl");
    let entry = |n, egress, protocol, action, c: &str| NaclEntry {
        rule_number: n,
        egress,
        protocol,
        action,
        cidr: cidr(c),
        ports: None,
        icmp: None,
    };
    for egress in [false, true] {
        if default {
            entries.push(entry(100, egress, Protocol::All, RuleAction::Allow, "0.0.0.0/0"));
            if v6 {
                entries.push(entry(101, egress, Protocol::All, RuleAction::Allow, "::/0"));
            }
        }
        // AWS lists the implicit "*" deny as rule 32767 per address family.
        entries.push(entry(32767, egress, Protocol::All, RuleAction::Deny, "0.0.0.0/0"));
        if v6 {
            entries.push(entry(32767, egress, Protocol::All, RuleAction::Deny, "::/0"));
        }
    }
    let associations = subnets
        .iter()
        .map(|&s| NaclAssociation { id: g.id("aclassoc"), subnet_id: g.r.subnets[s].id.clone() })
        .collect();
    g.r.network_acls.push(NetworkAcl {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("network-acl", c.region, &c.account, &id),
        vpc_id: c.vpc_id.clone(),
        is_default: default,
        entries,
        associations,
        tags: c.tags(name),
    });
}

fn nacl_rule(n: u16, egress: bool, action: RuleAction, c: Ipv4Net, ports: (u16, u16)) -> NaclEntry {
    NaclEntry {
        rule_number: n,
        egress,
        protocol: Protocol::Tcp,
        action,
        cidr: IpNet::V4(c),
        ports: Some(PortRange::new(ports.0, ports.1)),
        icmp: None,
    }
}

/// The region's S3 prefix list (AWS-owned, so recorded once per region).
fn s3_list(g: &mut Gen, c: &Ctx) -> String {
    if let Some(id) = g.s3_lists.get(&c.ri) {
        return id.clone();
    }
    let id = s3_list_id(c.ri).to_string();
    let i = c.ri as u8;
    g.r.managed_prefix_lists.push(ManagedPrefixList {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: Some(format!("arn:aws:ec2:{}:aws:prefix-list/{id}", c.region)),
        name: format!("com.amazonaws.{}.s3", c.region),
        address_family: "IPv4".into(),
        max_entries: None,
        owner_id: Some("AWS".into()),
        entries: [format!("3.5.{}.0/21", 8 * i), format!("52.{}.0.0/16", 216 + i)]
            .iter()
            .map(|s| PrefixListEntry { cidr: cidr(s), description: None })
            .collect(),
        tags: Tags::new(),
    });
    g.s3_lists.insert(c.ri, id.clone());
    id
}

/// The account's "corp-offices" customer prefix list in this region.
fn office_list(g: &mut Gen, c: &Ctx) -> String {
    if let Some(id) = g.office_lists.get(&(c.ai, c.ri)) {
        return id.clone();
    }
    let id = g.id("pl");
    g.r.managed_prefix_lists.push(ManagedPrefixList {
        id: id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("prefix-list", c.region, &c.account, &id),
        name: "corp-offices".into(),
        address_family: "IPv4".into(),
        max_entries: Some(20),
        owner_id: Some(c.account.clone()),
        entries: vec![
            PrefixListEntry { cidr: cidr("198.51.100.0/28"), description: Some("HQ".into()) },
            PrefixListEntry { cidr: cidr("203.0.113.240/28"), description: Some("Branch".into()) },
        ],
        tags: tags(&[("Name", "corp-offices"), ("Owner", "network@acme.example")]),
    });
    g.office_lists.insert((c.ai, c.ri), id.clone());
    id
}

/// The region's transit gateway hub with its route table and office VPN, created on first use.
fn hub(g: &mut Gen, c: &Ctx) -> (String, usize) {
    if let Some(h) = g.hubs.get(&c.ri) {
        return (h.tgw_id.clone(), h.rtb);
    }
    let tgw_id = g.id("tgw");
    let rtb_id = g.id("tgw-rtb");
    let owner = c.account.clone();
    let net_tags = |name: &str| tags(&[("Name", name), ("Environment", "shared"), ("Owner", "network@acme.example")]);
    g.r.transit_gateways.push(TransitGateway {
        id: tgw_id.clone(),
        account_id: owner.clone(),
        region: c.region.into(),
        arn: arn("transit-gateway", c.region, &owner, &tgw_id),
        state: Some("available".into()),
        description: Some(format!("Core TGW {}", c.region)),
        amazon_side_asn: Some(64512 + g.hubs.len() as u64),
        association_default_route_table_id: Some(rtb_id.clone()),
        propagation_default_route_table_id: Some(rtb_id.clone()),
        tags: net_tags(&format!("core-tgw-{}", c.region)),
    });
    let cgw_id = g.id("cgw");
    let office_ip = format!("203.0.113.{}", 1 + g.hubs.len() % 200);
    g.r.customer_gateways.push(CustomerGateway {
        id: cgw_id.clone(),
        account_id: owner.clone(),
        region: c.region.into(),
        arn: arn("customer-gateway", c.region, &owner, &cgw_id),
        ip_address: Some(office_ip),
        bgp_asn: Some("65000".into()),
        device_name: Some("office-fw".into()),
        state: Some("available".into()),
        tags: net_tags("office"),
    });
    let vpn_id = g.id("vpn");
    let tunnels = (0..2).map(|_| VpnTunnel { outside_ip: g.public_ip().to_string(), status: "UP".into() }).collect();
    g.r.vpn_connections.push(VpnConnection {
        id: vpn_id.clone(),
        account_id: owner.clone(),
        region: c.region.into(),
        arn: arn("vpn-connection", c.region, &owner, &vpn_id),
        customer_gateway_id: cgw_id,
        vpn_gateway_id: None,
        transit_gateway_id: Some(tgw_id.clone()),
        state: Some("available".into()),
        static_routes_only: true,
        static_routes: vec![cidr("192.168.0.0/16")],
        tunnels,
        tags: net_tags("office-vpn"),
    });
    let att_id = g.id("tgw-attach");
    g.r.transit_gateway_attachments.push(TransitGatewayAttachment {
        id: att_id.clone(),
        account_id: owner.clone(),
        region: c.region.into(),
        arn: arn("transit-gateway-attachment", c.region, &owner, &att_id),
        transit_gateway_id: tgw_id.clone(),
        transit_gateway_owner_id: Some(owner.clone()),
        resource_type: TgwAttachmentResourceType::Vpn,
        resource_id: Some(vpn_id.clone()),
        resource_owner_id: Some(owner.clone()),
        state: Some("available".into()),
        association_route_table_id: Some(rtb_id.clone()),
        subnet_ids: Vec::new(),
        tags: net_tags("office-vpn"),
    });
    let vpn_ref = TgwAttachmentRef {
        attachment_id: att_id,
        resource_type: TgwAttachmentResourceType::Vpn,
        resource_id: Some(vpn_id),
    };
    g.r.transit_gateway_route_tables.push(TransitGatewayRouteTable {
        id: rtb_id.clone(),
        account_id: owner.clone(),
        region: c.region.into(),
        arn: arn("transit-gateway-route-table", c.region, &owner, &rtb_id),
        transit_gateway_id: tgw_id.clone(),
        default_association_route_table: true,
        default_propagation_route_table: true,
        routes: vec![TgwRoute {
            destination: RouteDestination::Cidr(cidr("192.168.0.0/16")),
            attachments: vec![vpn_ref.clone()],
            route_type: TgwRouteType::Static,
            state: RouteState::Active,
        }],
        associations: vec![vpn_ref],
        propagations: Vec::new(),
        tags: net_tags(&format!("core-tgw-{}-default", c.region)),
    });
    let rtb = g.r.transit_gateway_route_tables.len() - 1;
    g.hubs.insert(c.ri, Hub { tgw_id: tgw_id.clone(), owner, rtb });
    (tgw_id, rtb)
}

/// Builds one VPC with `n_inst` application instances and everything around them.
pub(crate) fn build(g: &mut Gen, ai: usize, ri: usize, n_inst: usize) {
    let idx = g.vpcs.len();
    let acc = &g.accounts[ai];
    let (account, env, team) = (acc.id.clone(), acc.env, acc.team);
    let region = region_name(ri);
    let app = pick_app(&mut g.rng);
    let owner = if g.rng.chance(70) { format!("{team}@acme.example") } else { format!("{app}-team@acme.example") };
    let vpc_id = g.id("vpc");
    // Names stay unique so diagrams and reports can tell VPCs apart.
    let mut stem = format!("{env}-{app}");
    if g.vpcs.iter().any(|v| v.stem == stem) {
        stem = format!("{env}-{app}-{idx}");
    }
    let c = Ctx {
        account: account.clone(),
        ai,
        region,
        ri,
        vpc_id: vpc_id.clone(),
        env,
        stem: stem.clone(),
        owner,
        data_class: if env == "prod" { "confidential" } else { "internal" },
    };
    // A /20 per VPC from 10.0.0.0/8: unique for the first 4096 VPCs, so peered and
    // TGW-attached VPCs never overlap in estates of realistic size.
    let base = u32::from(Ipv4Addr::new(10, 0, 0, 0)) + ((idx as u32 % 4096) << 12);
    let v4 = Ipv4Net::new(Ipv4Addr::from(base), 20).expect("prefix 20");
    let has_v6 = idx.is_multiple_of(7);
    let v6 = has_v6.then(|| {
        let hi = ((idx >> 8) & 0xffff) as u16;
        let lo = ((idx & 0xff) << 8) as u16;
        Ipv6Net::new(Ipv6Addr::new(0x2001, 0xdb8, hi, lo, 0, 0, 0, 0), 56).expect("prefix 56")
    });
    g.r.vpcs.push(Vpc {
        id: vpc_id.clone(),
        account_id: account.clone(),
        region: region.into(),
        arn: arn("vpc", region, &account, &vpc_id),
        cidr_blocks: vec![v4],
        ipv6_cidr_blocks: v6.into_iter().collect(),
        is_default: false,
        state: Some("available".into()),
        tags: c.tags(&stem),
    });

    // Subnets: public / private / data per AZ, /24s at fixed offsets in the /20.
    let zones = region_zones(ri);
    let n_az = if env == "prod" { 3 } else { 2 }.min(zones);
    let first_zone = g.rng.below(zones);
    let sub24 = |k: u32| Ipv4Net::new(Ipv4Addr::from(base + (k << 8)), 24).expect("prefix 24");
    let sub64 = |k: u16| {
        v6.map(|n| Ipv6Net::new(Ipv6Addr::from(u128::from(n.network()) + ((k as u128) << 64)), 64).expect("prefix 64"))
    };
    let (mut public, mut private, mut data) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..n_az {
        let z = (first_zone + k) % zones;
        let l = (b'a' + z as u8) as char;
        public.push(subnet(
            g,
            &c,
            &format!("{stem}-public-{l}"),
            z,
            sub24(k as u32),
            sub64(k as u16),
            true,
            "public",
            "public",
        ));
        private.push(subnet(
            g,
            &c,
            &format!("{stem}-private-{l}"),
            z,
            sub24(4 + k as u32),
            sub64(4 + k as u16),
            false,
            c.data_class,
            "private",
        ));
        data.push(subnet(
            g,
            &c,
            &format!("{stem}-data-{l}"),
            z,
            sub24(8 + k as u32),
            None,
            false,
            "restricted",
            "data",
        ));
    }

    // Gateways.
    let igw = g.id("igw");
    g.r.internet_gateways.push(InternetGateway {
        id: igw.clone(),
        account_id: account.clone(),
        region: region.into(),
        arn: arn("internet-gateway", region, &account, &igw),
        attachments: vec![VpcAttachment { vpc_id: vpc_id.clone(), state: "available".into() }],
        tags: c.tags(&format!("{stem}-igw")),
    });
    let eigw = has_v6.then(|| {
        let id = g.id("eigw");
        g.r.egress_only_internet_gateways.push(EgressOnlyInternetGateway {
            id: id.clone(),
            account_id: account.clone(),
            region: region.into(),
            arn: arn("egress-only-internet-gateway", region, &account, &id),
            attachments: vec![VpcAttachment { vpc_id: vpc_id.clone(), state: "attached".into() }],
            tags: c.tags(&format!("{stem}-eigw")),
        });
        id
    });
    // NAT per AZ in prod (resilience), one elsewhere (cost).
    let n_nat = if env == "prod" { n_az } else { 1 };
    let mut nats = Vec::new();
    for (k, &public_k) in public.iter().enumerate().take(n_nat) {
        let nat_id = g.id("nat");
        let eip = new_eip(g, &c, &format!("{stem}-nat-{k}"));
        let assoc = eip_assoc(g, eip, &account);
        let eni_id = eni(
            g,
            EniSpec {
                subnet: public_k,
                sgs: Vec::new(),
                interface_type: "nat_gateway",
                requester: Some("amazon-nat".into()),
                description: format!("Interface for NAT Gateway {nat_id}"),
                attachment: managed("amazon-aws"),
                public: Some(assoc.clone()),
                ipv6: Vec::new(),
                tags: Tags::new(),
            },
        );
        bind_eip(g, eip, &eni_id, None);
        let private_ip = g.r.network_interfaces.last().and_then(|n| n.primary_private_ip());
        g.r.nat_gateways.push(NatGateway {
            id: nat_id.clone(),
            account_id: account.clone(),
            region: region.into(),
            arn: arn("natgateway", region, &account, &nat_id),
            vpc_id: vpc_id.clone(),
            subnet_id: g.r.subnets[public_k].id.clone(),
            connectivity: NatConnectivity::Public,
            state: Some("available".into()),
            addresses: vec![NatGatewayAddress {
                allocation_id: assoc.allocation_id,
                network_interface_id: Some(eni_id),
                private_ip,
                public_ip: Some(assoc.public_ip),
            }],
            tags: c.tags(&format!("{stem}-nat-{k}")),
        });
        nats.push(nat_id);
    }

    // Transit gateway attachment (most non-dev VPCs), shared from the region's hub.
    let tgw = if env != "dev" || idx.is_multiple_of(2) {
        let (tgw_id, rtb) = hub(g, &c);
        let att_id = g.id("tgw-attach");
        let hub_owner = g.hubs.get(&ri).map(|h| h.owner.clone()).unwrap_or_else(|| account.clone());
        g.r.transit_gateway_attachments.push(TransitGatewayAttachment {
            id: att_id.clone(),
            account_id: hub_owner.clone(),
            region: region.into(),
            arn: arn("transit-gateway-attachment", region, &hub_owner, &att_id),
            transit_gateway_id: tgw_id.clone(),
            transit_gateway_owner_id: Some(hub_owner),
            resource_type: TgwAttachmentResourceType::Vpc,
            resource_id: Some(vpc_id.clone()),
            resource_owner_id: Some(account.clone()),
            state: Some("available".into()),
            association_route_table_id: Some(g.r.transit_gateway_route_tables[rtb].id.clone()),
            subnet_ids: private.iter().map(|&s| g.r.subnets[s].id.clone()).collect(),
            tags: c.tags(&stem),
        });
        let r = TgwAttachmentRef {
            attachment_id: att_id,
            resource_type: TgwAttachmentResourceType::Vpc,
            resource_id: Some(vpc_id.clone()),
        };
        let t = &mut g.r.transit_gateway_route_tables[rtb];
        t.routes.push(TgwRoute {
            destination: RouteDestination::Cidr(IpNet::V4(v4)),
            attachments: vec![r.clone()],
            route_type: TgwRouteType::Propagated,
            state: RouteState::Active,
        });
        t.associations.push(r.clone());
        t.propagations.push(r);
        Some(tgw_id)
    } else {
        None
    };

    // Route tables and the S3 gateway endpoint they route to.
    let s3_pl = s3_list(g, &c);
    let s3_vpce = g.id("vpce");
    route_table(g, &c, &format!("{stem}-main"), local_routes(v4, v6), &[], true);
    let mut pub_routes = local_routes(v4, v6);
    pub_routes.push(route(cidr("0.0.0.0/0"), RouteTargetKind::InternetGateway, &igw, "CreateRoute"));
    if let Some(v6) = v6 {
        let _ = v6;
        pub_routes.push(route(cidr("::/0"), RouteTargetKind::InternetGateway, &igw, "CreateRoute"));
    }
    route_table(g, &c, &format!("{stem}-public"), pub_routes, &public, false);
    let s3_route = Route {
        destination: RouteDestination::PrefixList(s3_pl),
        target: RouteTarget { kind: RouteTargetKind::VpcEndpoint, id: s3_vpce.clone() },
        state: RouteState::Active,
        origin: Some("CreateRoute".into()),
    };
    let mut private_rts = Vec::new();
    for (k, nat) in nats.iter().enumerate() {
        let mut routes = local_routes(v4, v6);
        routes.push(route(cidr("0.0.0.0/0"), RouteTargetKind::NatGateway, nat, "CreateRoute"));
        if let Some(e) = &eigw {
            routes.push(route(cidr("::/0"), RouteTargetKind::EgressOnlyInternetGateway, e, "CreateRoute"));
        }
        routes.push(s3_route.clone());
        if let Some(t) = &tgw {
            routes.push(route(cidr("10.0.0.0/8"), RouteTargetKind::TransitGateway, t, "CreateRoute"));
            routes.push(route(cidr("192.168.0.0/16"), RouteTargetKind::TransitGateway, t, "CreateRoute"));
        }
        // One table per NAT; with a single NAT every private subnet shares it.
        let subnets: Vec<usize> = if n_nat == 1 { private.clone() } else { vec![private[k]] };
        let name = if n_nat == 1 { format!("{stem}-private") } else { format!("{stem}-private-{k}") };
        private_rts.push(route_table(g, &c, &name, routes, &subnets, false));
    }
    let mut data_routes = local_routes(v4, None);
    data_routes.push(s3_route);
    let data_rt = route_table(g, &c, &format!("{stem}-data"), data_routes, &data, false);
    let mut rt_ids: Vec<String> = private_rts.iter().map(|&i| g.r.route_tables[i].id.clone()).collect();
    rt_ids.push(g.r.route_tables[data_rt].id.clone());
    g.r.vpc_endpoints.push(VpcEndpoint {
        id: s3_vpce.clone(),
        account_id: account.clone(),
        region: region.into(),
        arn: arn("vpc-endpoint", region, &account, &s3_vpce),
        vpc_id: vpc_id.clone(),
        service_name: format!("com.amazonaws.{region}.s3"),
        endpoint_type: VpcEndpointType::Gateway,
        state: Some("available".into()),
        route_table_ids: rt_ids,
        subnet_ids: Vec::new(),
        security_group_ids: Vec::new(),
        network_interface_ids: Vec::new(),
        private_dns_enabled: false,
        tags: c.tags(&format!("{stem}-s3")),
    });

    // VPN gateway to a branch office on a few VPCs.
    if idx % 11 == 3 {
        branch_vpn(g, &c, &private_rts);
    }

    // NACLs: default for public/private, a restrictive one for the data tier.
    let mut pp = public.clone();
    pp.extend(&private);
    nacl(g, &c, &format!("{stem}-default"), Vec::new(), &pp, true, has_v6);
    let priv_range = Ipv4Net::new(Ipv4Addr::from(base + (4 << 8)), 22).expect("prefix 22");
    let db_port = if g.rng.chance(60) { 5432 } else { 3306 };
    nacl(
        g,
        &c,
        &format!("{stem}-data-nacl"),
        vec![
            nacl_rule(100, false, RuleAction::Allow, priv_range, (db_port, db_port)),
            nacl_rule(110, false, RuleAction::Allow, v4, (1024, 65535)),
            nacl_rule(100, true, RuleAction::Allow, v4, (1024, 65535)),
            nacl_rule(110, true, RuleAction::Allow, "0.0.0.0/0".parse().expect("literal"), (443, 443)),
        ],
        &data,
        false,
        has_v6,
    );

    // Security groups: default, then the alb → web → app → db chain.
    let default_id = g.id("sg");
    let self_rule = rule(g, Protocol::All, None, from_sg(&default_id, &account), "");
    let mut egress = vec![rule(g, Protocol::All, None, from_cidr("0.0.0.0/0"), "")];
    if has_v6 {
        egress.push(rule(g, Protocol::All, None, from_cidr("::/0"), ""));
    }
    g.r.security_groups.push(SecurityGroup {
        id: default_id.clone(),
        account_id: account.clone(),
        region: region.into(),
        arn: arn("security-group", region, &account, &default_id),
        vpc_id: vpc_id.clone(),
        group_name: "default".into(),
        description: "default VPC security group".into(),
        ingress: vec![self_rule],
        egress,
        tags: Tags::new(),
    });
    let bastion = idx.is_multiple_of(3);
    let bastion_sg = if bastion {
        let peer = if idx.is_multiple_of(24) {
            from_cidr("0.0.0.0/0") // the classic finding: SSH open to the world
        } else if idx.is_multiple_of(2) {
            RulePeer::PrefixList { prefix_list_id: office_list(g, &c) }
        } else {
            from_cidr(&format!("198.51.100.{}/32", 1 + idx % 250))
        };
        let r = rule(g, Protocol::Tcp, Some((22, 22)), peer, "SSH");
        Some(sg(g, &c, &format!("{stem}-bastion-sg"), "SSH bastion", vec![r], has_v6))
    } else {
        None
    };
    let n_web = n_inst / 5;
    let n_app = (n_inst - n_web) / 2;
    let n_worker = n_inst - n_web - n_app;
    let alb_sg = if n_web > 0 {
        let r1 = rule(g, Protocol::Tcp, Some((443, 443)), from_cidr("0.0.0.0/0"), "HTTPS");
        let r2 = rule(g, Protocol::Tcp, Some((80, 80)), from_cidr("0.0.0.0/0"), "HTTP redirect");
        Some(sg(g, &c, &format!("{stem}-alb-sg"), "Internet-facing ALB", vec![r1, r2], has_v6))
    } else {
        None
    };
    let ssh_from_bastion = |g: &mut Gen| {
        bastion_sg.as_ref().map(|b| rule(g, Protocol::Tcp, Some((22, 22)), from_sg(b, &account), "SSH from bastion"))
    };
    let mut web_in = Vec::new();
    if let Some(a) = &alb_sg {
        web_in.push(rule(g, Protocol::Tcp, Some((8080, 8080)), from_sg(a, &account), "from ALB"));
    }
    web_in.extend(ssh_from_bastion(g));
    let web_sg = sg(g, &c, &format!("{stem}-web-sg"), "Web tier", web_in, has_v6);
    let mut app_in = vec![rule(g, Protocol::Tcp, Some((8443, 8443)), from_sg(&web_sg, &account), "API from web")];
    app_in.extend(ssh_from_bastion(g));
    let mut icmp = rule(g, Protocol::Icmp, None, RulePeer::Cidr { cidr: IpNet::V4(v4) }, "ping from VPC");
    icmp.icmp = Some(IcmpTypeCode { icmp_type: 8, code: -1 });
    app_in.push(icmp);
    let app_sg = sg(g, &c, &format!("{stem}-app-sg"), "Application tier", app_in, has_v6);
    let metrics = rule(g, Protocol::Tcp, Some((9100, 9100)), RulePeer::Cidr { cidr: IpNet::V4(v4) }, "node exporter");
    let worker_sg = sg(g, &c, &format!("{stem}-worker-sg"), "Workers", vec![metrics], has_v6);
    let lambda_sg = sg(g, &c, &format!("{stem}-lambda-sg"), "Lambda functions", Vec::new(), has_v6);
    let db_in = vec![
        rule(g, Protocol::Tcp, Some((db_port, db_port)), from_sg(&app_sg, &account), "from app"),
        rule(g, Protocol::Tcp, Some((db_port, db_port)), from_sg(&worker_sg, &account), "from workers"),
        rule(g, Protocol::Tcp, Some((db_port, db_port)), from_sg(&lambda_sg, &account), "from lambda"),
    ];
    let db_sg = sg(g, &c, &format!("{stem}-db-sg"), "Database", db_in, has_v6);

    // Instances.
    if let Some(b) = &bastion_sg {
        let eip = new_eip(g, &c, &format!("{stem}-bastion"));
        let spec = InstanceSpec {
            subnet: public[0],
            name: format!("{stem}-bastion-1"),
            sgs: vec![b.clone()],
            itype: "t3.micro",
            asg: None,
            public: None,
            eip: Some(eip),
            profile: Some("bastion"),
            data_class: "internal",
        };
        instance(g, &c, spec);
    }
    let alb = alb_sg.as_ref().map(|a| (a.clone(), format!("{stem}-alb"), g.hex()));
    if let Some((a, lb, suffix)) = &alb {
        for &s in &public {
            let ip = g.public_ip();
            eni(
                g,
                EniSpec {
                    subnet: s,
                    sgs: vec![a.clone()],
                    interface_type: "interface",
                    requester: Some("amazon-elb".into()),
                    description: format!("ELB app/{lb}/{suffix}"),
                    attachment: managed("amazon-elb"),
                    public: Some(PublicIpAssociation {
                        public_ip: ip,
                        allocation_id: None,
                        ip_owner_id: Some("amazon".into()),
                    }),
                    ipv6: Vec::new(),
                    tags: Tags::new(),
                },
            );
        }
    }
    let groups: [(&str, usize, &String, &str, &str); 3] = [
        ("web", n_web, &web_sg, "m6i.large", c.data_class),
        ("app", n_app, &app_sg, "m6i.xlarge", c.data_class),
        ("worker", n_worker, &worker_sg, "c6i.large", "internal"),
    ];
    // Instance ids per tier, for the load balancers' targets.
    let mut tiers: Vec<Vec<String>> = Vec::new();
    for (tier, n, sg_id, itype, dc) in groups {
        let asg = format!("{stem}-{tier}-asg");
        tiers.push(Vec::new());
        for k in 0..n {
            let spec = InstanceSpec {
                subnet: private[k % private.len()],
                name: format!("{stem}-{tier}-{}", k + 1),
                sgs: vec![sg_id.clone()],
                itype,
                asg: Some(asg.clone()),
                public: None,
                eip: None,
                profile: Some(&format!("{stem}-{tier}")),
                data_class: dc,
            };
            let id = instance(g, &c, spec);
            if let Some(t) = tiers.last_mut() {
                t.push(id);
            }
        }
    }
    let subnet_ids = |g: &Gen, list: &[usize]| list.iter().map(|&s| g.r.subnets[s].id.clone()).collect::<Vec<_>>();
    if let (Some((a, lb, suffix)), Some(web)) = (&alb, tiers.first()) {
        let subnets = subnet_ids(g, &public);
        let spec = LbSpec {
            name: lb,
            suffix,
            lb_type: LoadBalancerType::Application,
            internet: true,
            subnets,
            sgs: vec![a.clone()],
        };
        load_balancer(g, &c, spec, "HTTP", 8080, web);
    }
    // Every fourth VPC: an internal NLB (no security groups) in front of the app tier.
    if let (true, Some(app)) = (idx % 4 == 1, tiers.get(1).filter(|t| !t.is_empty())) {
        let (name, suffix) = (format!("{stem}-app-nlb"), g.hex());
        for &s in &private {
            let e = EniSpec {
                subnet: s,
                sgs: Vec::new(),
                interface_type: "network_load_balancer",
                requester: Some("amazon-elb".into()),
                description: format!("ELB net/{name}/{suffix}"),
                attachment: managed("amazon-elb"),
                public: None,
                ipv6: Vec::new(),
                tags: Tags::new(),
            };
            eni(g, e);
        }
        let subnets = subnet_ids(g, &private);
        let spec = LbSpec {
            name: &name,
            suffix: &suffix,
            lb_type: LoadBalancerType::Network,
            internet: false,
            subnets,
            sgs: vec![],
        };
        load_balancer(g, &c, spec, "TCP", 8443, app);
    }
    // Every sixth VPC: a Classic ELB still in front of the workers.
    if let (true, Some(workers)) = (idx % 6 == 3, tiers.get(2).filter(|t| !t.is_empty())) {
        classic_elb(g, &c, private[0], &worker_sg, workers);
    }
    // A dev "quick test" box with a public IP and an open port: a real finding.
    if env == "dev" && g.rng.chance(35) {
        let mut rules = vec![rule(g, Protocol::Tcp, Some((8080, 8080)), from_cidr("0.0.0.0/0"), "temporary test")];
        if has_v6 {
            rules.push(rule(g, Protocol::Tcp, Some((8080, 8080)), from_cidr("::/0"), "temporary test"));
        }
        let test_sg = sg(g, &c, &format!("{stem}-test-sg"), "launch-wizard-1", rules, has_v6);
        let ip = g.public_ip();
        let spec = InstanceSpec {
            subnet: public[public.len() - 1],
            name: format!("{stem}-test-1"),
            sgs: vec![test_sg],
            itype: "t3.small",
            asg: None,
            public: Some(ip),
            eip: None,
            profile: None,
            data_class: "internal",
        };
        instance(g, &c, spec);
    }

    // Managed services: RDS in the data tier, Lambda and interface endpoints in private.
    for k in 0..if env == "prod" { 2 } else { 1 } {
        eni(
            g,
            EniSpec {
                subnet: data[k % data.len()],
                sgs: vec![db_sg.clone()],
                interface_type: "interface",
                requester: Some("amazon-rds".into()),
                description: "RDSNetworkInterface".into(),
                attachment: managed("amazon-rds"),
                public: None,
                ipv6: Vec::new(),
                tags: Tags::new(),
            },
        );
    }
    for k in 0..g.rng.below(3) {
        let fn_name = format!("{stem}-fn-{}", k + 1);
        let uuid = g.hex();
        eni(
            g,
            EniSpec {
                subnet: private[k % private.len()],
                sgs: vec![lambda_sg.clone()],
                interface_type: "lambda",
                requester: Some(format!("AROAEXAMPLE{:08X}:{fn_name}", idx)),
                description: format!("AWS Lambda VPC ENI-{fn_name}-{uuid}"),
                attachment: managed("amazon-aws"),
                public: None,
                ipv6: Vec::new(),
                tags: Tags::new(),
            },
        );
    }
    if idx.is_multiple_of(4) {
        let service = *g.rng.pick(&["secretsmanager", "ssm", "ecr.api", "logs", "sts"]);
        let r = rule(g, Protocol::Tcp, Some((443, 443)), RulePeer::Cidr { cidr: IpNet::V4(v4) }, "HTTPS from VPC");
        let vpce_sg = sg(g, &c, &format!("{stem}-vpce-sg"), "Interface endpoints", vec![r], has_v6);
        let vpce_id = g.id("vpce");
        let mut nics = Vec::new();
        for &s in &private {
            nics.push(eni(
                g,
                EniSpec {
                    subnet: s,
                    sgs: vec![vpce_sg.clone()],
                    interface_type: "vpc_endpoint",
                    requester: Some("727180483921".into()),
                    description: format!("VPC Endpoint Interface {vpce_id}"),
                    attachment: managed("amazon-aws"),
                    public: None,
                    ipv6: Vec::new(),
                    tags: Tags::new(),
                },
            ));
        }
        g.r.vpc_endpoints.push(VpcEndpoint {
            id: vpce_id.clone(),
            account_id: account.clone(),
            region: region.into(),
            arn: arn("vpc-endpoint", region, &account, &vpce_id),
            vpc_id: vpc_id.clone(),
            service_name: format!("com.amazonaws.{region}.{service}"),
            endpoint_type: VpcEndpointType::Interface,
            state: Some("available".into()),
            route_table_ids: Vec::new(),
            subnet_ids: private.iter().map(|&s| g.r.subnets[s].id.clone()).collect(),
            security_group_ids: vec![vpce_sg],
            network_interface_ids: nics,
            private_dns_enabled: true,
            tags: c.tags(&format!("{stem}-{service}")),
        });
    }

    g.vpcs.push(VpcInfo {
        id: vpc_id,
        account: ai,
        region: ri,
        cidr: v4,
        env,
        stem: c.stem.clone(),
        owner: c.owner.clone(),
        private_rts,
        private_subnets: private,
        worker_sg,
        batch_count: 0,
    });
}

fn branch_vpn(g: &mut Gen, c: &Ctx, private_rts: &[usize]) {
    g.branch_count += 1;
    let n = g.branch_count;
    let vgw = g.id("vgw");
    g.r.vpn_gateways.push(VpnGateway {
        id: vgw.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("vpn-gateway", c.region, &c.account, &vgw),
        state: Some("available".into()),
        amazon_side_asn: Some(64600 + n as u64 % 1000),
        attachments: vec![VpcAttachment { vpc_id: c.vpc_id.clone(), state: "attached".into() }],
        tags: c.tags(&format!("{}-vgw", c.stem)),
    });
    let cgw = g.id("cgw");
    g.r.customer_gateways.push(CustomerGateway {
        id: cgw.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: arn("customer-gateway", c.region, &c.account, &cgw),
        ip_address: Some(format!("198.51.100.{}", 100 + n % 150)),
        bgp_asn: Some(format!("{}", 65100 + n % 800)),
        device_name: Some(format!("branch-{n}-fw")),
        state: Some("available".into()),
        tags: c.tags(&format!("branch-{n}")),
    });
    let lan: IpNet = format!("172.20.{}.0/24", n % 256).parse().expect("branch LAN");
    let vpn = g.id("vpn");
    let tunnels = (0..2)
        .map(|i| VpnTunnel { outside_ip: g.public_ip().to_string(), status: if i == 0 { "UP" } else { "DOWN" }.into() })
        .collect();
    g.r.vpn_connections.push(VpnConnection {
        id: vpn,
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: None,
        customer_gateway_id: cgw,
        vpn_gateway_id: Some(vgw.clone()),
        transit_gateway_id: None,
        state: Some("available".into()),
        static_routes_only: true,
        static_routes: vec![lan],
        tunnels,
        tags: c.tags(&format!("branch-{n}-vpn")),
    });
    for &rt in private_rts {
        let t = &mut g.r.route_tables[rt];
        t.routes.push(route(lan, RouteTargetKind::VpnGateway, &vgw, "EnableVgwRoutePropagation"));
        t.propagating_vgws.push(vgw.clone());
    }
}

/// Peers VPC `a` (requester) with VPC `b` (accepter), routing each one's private tables to
/// the other. Each account describes the connection, so cross-account peering is recorded twice.
pub(crate) fn peer(g: &mut Gen, a: usize, b: usize) {
    let id = g.id("pcx");
    let side = |g: &Gen, v: usize| {
        let info = &g.vpcs[v];
        PeeringSide {
            account_id: g.accounts[info.account].id.clone(),
            region: region_name(info.region).into(),
            vpc_id: info.id.clone(),
            cidr_blocks: vec![IpNet::V4(info.cidr)],
        }
    };
    let (req, acc) = (side(g, a), side(g, b));
    let mut holders = vec![(req.account_id.clone(), req.region.clone())];
    if acc.account_id != req.account_id {
        holders.push((acc.account_id.clone(), acc.region.clone()));
    }
    let name = format!("{}-to-{}", g.vpcs[a].stem, g.vpcs[b].stem);
    for (account, region) in holders {
        let env = g.accounts.iter().find(|x| x.id == account).map(|x| x.env).unwrap_or("shared");
        g.r.vpc_peering_connections.push(VpcPeeringConnection {
            id: id.clone(),
            arn: arn("vpc-peering-connection", &region, &account, &id),
            account_id: account,
            region,
            requester: req.clone(),
            accepter: acc.clone(),
            status: "active".into(),
            tags: tags(&[("Name", &name), ("Environment", env), ("Owner", "network@acme.example")]),
        });
    }
    for (from, to) in [(a, b), (b, a)] {
        let dest = IpNet::V4(g.vpcs[to].cidr);
        for rt in g.vpcs[from].private_rts.clone() {
            g.r.route_tables[rt].routes.push(route(dest, RouteTargetKind::VpcPeeringConnection, &id, "CreateRoute"));
        }
    }
}

fn ctx_of(g: &Gen, v: usize) -> Ctx {
    let info = &g.vpcs[v];
    Ctx {
        account: g.accounts[info.account].id.clone(),
        ai: info.account,
        region: region_name(info.region),
        ri: info.region,
        vpc_id: info.id.clone(),
        env: info.env,
        stem: info.stem.clone(),
        owner: info.owner.clone(),
        data_class: "internal",
    }
}

/// One more instance (+ its ENI) in VPC `v`'s batch-worker group: used to hit the exact size.
pub(crate) fn batch_worker(g: &mut Gen, v: usize) {
    let c = ctx_of(g, v);
    g.vpcs[v].batch_count += 1;
    let k = g.vpcs[v].batch_count;
    let subnets = &g.vpcs[v].private_subnets;
    let spec = InstanceSpec {
        subnet: subnets[k % subnets.len()],
        name: format!("{}-batch-{k}", c.stem),
        sgs: vec![g.vpcs[v].worker_sg.clone()],
        itype: "c6i.2xlarge",
        asg: Some(format!("{}-batch-asg", c.stem)),
        public: None,
        eip: None,
        profile: Some("batch"),
        data_class: "internal",
    };
    instance(g, &c, spec);
}

/// An allocated but unassociated Elastic IP (common, and one resource exactly).
pub(crate) fn spare_eip(g: &mut Gen, v: usize) {
    let c = ctx_of(g, v);
    new_eip(g, &c, &format!("{}-spare", c.stem));
}

/// Free-address counts, once every ENI is placed: a /24 minus AWS's 5 reserved addresses.
pub(crate) fn finish_subnets(g: &mut Gen) {
    for (s, used) in g.r.subnets.iter_mut().zip(&g.next_host) {
        let size = s.cidr_block.map(|c| 1u32 << (32 - c.prefix_len())).unwrap_or(256);
        s.available_ip_address_count = Some(size.saturating_sub(5 + used));
    }
}

/// A v2 load balancer as `build` makes it.
struct LbSpec<'a> {
    name: &'a str,
    /// The id at the end of its ARN (and of its ENIs' descriptions).
    suffix: &'a str,
    lb_type: LoadBalancerType,
    internet: bool,
    subnets: Vec<String>,
    sgs: Vec<String>,
}

fn elb_arn(c: &Ctx, rest: &str) -> String {
    format!("arn:aws:elasticloadbalancing:{}:{}:{rest}", c.region, c.account)
}

fn lb_record(c: &Ctx, id: String, name: &str, lb_type: LoadBalancerType, internet: bool) -> LoadBalancer {
    let scheme = if internet { "internet-facing" } else { "internal" };
    LoadBalancer {
        arn: Some(id.clone()),
        account_id: c.account.clone(),
        region: c.region.into(),
        name: name.into(),
        lb_type,
        scheme: Some(scheme.into()),
        ip_address_type: (lb_type != LoadBalancerType::Classic).then(|| "ipv4".into()),
        vpc_id: Some(c.vpc_id.clone()),
        availability_zones: Vec::new(),
        subnet_ids: Vec::new(),
        security_group_ids: Vec::new(),
        addresses: Vec::new(),
        dns_name: Some(format!("{}{name}.{}.elb.amazonaws.com", if internet { "" } else { "internal-" }, c.region)),
        state: (lb_type != LoadBalancerType::Classic).then(|| "active".into()),
        created_time: None,
        attributes: None,
        classic_listeners: Vec::new(),
        classic_instances: Vec::new(),
        tags: c.tags(name),
        id,
    }
}

/// The load balancer, one target group of `targets` on `port`, and its listeners: an
/// ALB gets HTTPS 443 forwarding and HTTP 80 redirecting to it; an NLB one TCP listener.
fn load_balancer(g: &mut Gen, c: &Ctx, spec: LbSpec<'_>, protocol: &str, port: u16, targets: &[String]) {
    let seg = spec.lb_type.arn_segment().unwrap_or("app");
    let lb_rest = format!("{seg}/{}/{}", spec.name, spec.suffix);
    let mut lb = lb_record(c, elb_arn(c, &format!("loadbalancer/{lb_rest}")), spec.name, spec.lb_type, spec.internet);
    lb.availability_zones = spec
        .subnets
        .iter()
        .filter_map(|s| g.r.subnets.iter().find(|x| &x.id == s))
        .map(|x| x.availability_zone.clone())
        .collect();
    lb.subnet_ids = spec.subnets;
    lb.security_group_ids = spec.sgs;
    lb.attributes = Some(LoadBalancerAttributes {
        deletion_protection: Some(c.env == "prod"),
        cross_zone_load_balancing: Some(spec.lb_type == LoadBalancerType::Application),
        drop_invalid_header_fields: (spec.lb_type == LoadBalancerType::Application).then_some(c.env == "prod"),
        access_logs_enabled: Some(c.env == "prod"),
        access_logs_bucket: (c.env == "prod").then(|| format!("{}-elb-logs", c.account)),
        access_logs_prefix: None,
    });
    let tg_name = format!("{}-{}", spec.name, port);
    let tg_id = elb_arn(c, &format!("targetgroup/{tg_name}/{}", g.hex()));
    g.r.target_groups.push(TargetGroup {
        id: tg_id.clone(),
        account_id: c.account.clone(),
        region: c.region.into(),
        arn: Some(tg_id.clone()),
        name: tg_name,
        target_type: Some(TargetType::Instance),
        protocol: Some(protocol.into()),
        port: Some(port),
        vpc_id: Some(c.vpc_id.clone()),
        health_check: Some(HealthCheck {
            enabled: Some(true),
            protocol: Some(protocol.into()),
            port: Some("traffic-port".into()),
            path: (protocol == "HTTP").then(|| "/health".into()),
            ..HealthCheck::default()
        }),
        preserve_client_ip: None,
        load_balancer_ids: vec![lb.id.clone()],
        targets: targets
            .iter()
            .map(|t| Target {
                id: t.clone(),
                port: Some(port),
                availability_zone: None,
                health: Some("healthy".into()),
                reason: None,
                description: None,
            })
            .collect(),
        tags: Tags::new(),
    });
    let forward =
        ListenerAction::Forward { target_groups: vec![WeightedTargetGroup { target_group_id: tg_id, weight: None }] };
    let listener = |g: &mut Gen, protocol: &str, port: u16, action: ListenerAction, tls: bool| {
        let id = elb_arn(c, &format!("listener/{lb_rest}/{}", g.hex()));
        let rule = ListenerRule {
            arn: Some(id.replace(":listener/", ":listener-rule/") + "/" + &g.hex()),
            priority: "default".into(),
            conditions: Vec::new(),
            actions: vec![action.clone()],
        };
        let certificate_arns = if tls {
            vec![format!("arn:aws:acm:{}:{}:certificate/{}", c.region, c.account, g.hex())]
        } else {
            Vec::new()
        };
        g.r.listeners.push(Listener {
            arn: Some(id.clone()),
            id,
            account_id: c.account.clone(),
            region: c.region.into(),
            load_balancer_id: lb.id.clone(),
            protocol: Some(protocol.into()),
            port: Some(port),
            ssl_policy: tls.then(|| "ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
            certificate_arns,
            default_actions: vec![action],
            rules: vec![rule],
            tags: Tags::new(),
        });
    };
    if spec.lb_type == LoadBalancerType::Application {
        listener(g, "HTTPS", 443, forward, true);
        let redirect = ListenerAction::Redirect {
            protocol: Some("HTTPS".into()),
            port: Some("443".into()),
            host: None,
            path: None,
            query: None,
            status_code: Some("HTTP_301".into()),
        };
        listener(g, "HTTP", 80, redirect, false);
    } else {
        listener(g, protocol, port, forward, false);
    }
    g.r.load_balancers.push(lb);
}

/// An internal Classic ELB (HTTP 80 to 8080) with one ENI, in front of `instances`.
fn classic_elb(g: &mut Gen, c: &Ctx, subnet: usize, sg_id: &str, instances: &[String]) {
    let name = format!("{}-legacy-elb", c.stem);
    let e = EniSpec {
        subnet,
        sgs: vec![sg_id.to_string()],
        interface_type: "interface",
        requester: Some("amazon-elb".into()),
        description: format!("ELB {name}"),
        attachment: managed("amazon-elb"),
        public: None,
        ipv6: Vec::new(),
        tags: Tags::new(),
    };
    eni(g, e);
    let mut lb = lb_record(c, elb_arn(c, &format!("loadbalancer/{name}")), &name, LoadBalancerType::Classic, false);
    lb.availability_zones = vec![g.r.subnets[subnet].availability_zone.clone()];
    lb.subnet_ids = vec![g.r.subnets[subnet].id.clone()];
    lb.security_group_ids = vec![sg_id.to_string()];
    lb.classic_listeners = vec![ClassicListener {
        protocol: "HTTP".into(),
        port: 80,
        instance_protocol: Some("HTTP".into()),
        instance_port: 8080,
        ssl_certificate_id: None,
        policy_names: Vec::new(),
    }];
    lb.classic_instances = instances
        .iter()
        .map(|i| ClassicBackend {
            instance_id: i.clone(),
            state: Some("InService".into()),
            reason_code: Some("N/A".into()),
            description: Some("N/A".into()),
        })
        .collect();
    g.r.load_balancers.push(lb);
}
