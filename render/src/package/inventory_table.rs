//! The asset inventory: one row per resource of every kind, shared by
//! inventory.csv, inventory.json, inventory.xlsx and the HTML report.
use std::collections::HashMap;

use inventory::analysis::{Analysis, ExposureFinding};
use inventory::facts::PortStyle;
use inventory::model::{PortRange, Protocol, Resource, ResourceKind, Tags};
use inventory::Snapshot;
use serde::Serialize;

pub use inventory::facts::{ScopeTag, TagKeys};

/// Column names, in file order. The README documents each one.
pub const HEADERS: [&str; 24] = [
    "id",
    "arn",
    "name",
    "kind",
    "service",
    "account",
    "region",
    "availability_zone",
    "vpc",
    "subnet",
    "private_ips",
    "public_ips",
    "ipv6_addresses",
    "security_groups",
    "internet_exposed",
    "exposed_ports",
    "environment",
    "owner",
    "data_classification",
    "encrypted",
    "in_scope",
    "first_seen",
    "last_seen",
    "tags",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryRow {
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    pub kind: ResourceKind,
    pub service: String,
    pub account: String,
    pub region: String,
    pub availability_zone: Option<String>,
    pub vpc: Vec<String>,
    pub subnet: Vec<String>,
    pub private_ips: Vec<String>,
    pub public_ips: Vec<String>,
    pub ipv6_addresses: Vec<String>,
    pub security_groups: Vec<String>,
    /// None where the analysis does not apply (only ENIs and instances can be exposed).
    pub internet_exposed: Option<bool>,
    pub exposed_ports: Vec<String>,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub data_classification: Option<String>,
    /// Encryption at rest is not in the snapshot format: always unknown (None).
    pub encrypted: Option<bool>,
    pub in_scope: bool,
    pub first_seen: String,
    pub last_seen: String,
    pub tags: Tags,
}

impl InventoryRow {
    /// Cells as plain (not yet neutralised) text, in `HEADERS` order. Lists are
    /// space-separated; tags are a JSON object so any key or value survives.
    pub fn cells(&self) -> [String; 24] {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let list = |v: &Vec<String>| v.join(" ");
        let tri = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
        [
            self.id.clone(),
            opt(&self.arn),
            opt(&self.name),
            self.kind.as_str().to_string(),
            self.service.clone(),
            self.account.clone(),
            self.region.clone(),
            opt(&self.availability_zone),
            list(&self.vpc),
            list(&self.subnet),
            list(&self.private_ips),
            list(&self.public_ips),
            list(&self.ipv6_addresses),
            list(&self.security_groups),
            tri(self.internet_exposed),
            self.exposed_ports.join("; "),
            opt(&self.environment),
            opt(&self.owner),
            opt(&self.data_classification),
            tri(self.encrypted),
            self.in_scope.to_string(),
            self.first_seen.clone(),
            self.last_seen.clone(),
            serde_json::to_string(&self.tags).unwrap_or_default(),
        ]
    }
}

/// "tcp/22", "udp/53-60", "all", "icmp" (the inventory's one formatter, short style).
pub fn port_label(protocol: Protocol, ports: Option<PortRange>) -> String {
    inventory::facts::port_label(protocol, ports, PortStyle::Short)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

struct Ctx<'a> {
    seen: String,
    keys: &'a TagKeys,
    /// Findings by resource id and by ENI id.
    exposures: HashMap<&'a str, Vec<&'a ExposureFinding>>,
}

impl Ctx<'_> {
    fn base<R: Resource>(&self, r: &R, service: &str) -> InventoryRow {
        let tags = r.tags();
        InventoryRow {
            id: r.id().to_string(),
            arn: r.arn().map(str::to_string),
            name: r.name().map(str::to_string),
            kind: R::KIND,
            service: service.to_string(),
            account: r.account_id().to_string(),
            region: r.region().to_string(),
            availability_zone: None,
            // Set from `inventory::facts::resource_vpcs` once every row is built.
            vpc: Vec::new(),
            subnet: Vec::new(),
            private_ips: Vec::new(),
            public_ips: Vec::new(),
            ipv6_addresses: Vec::new(),
            security_groups: Vec::new(),
            internet_exposed: None,
            exposed_ports: Vec::new(),
            environment: self.keys.environment(tags).map(str::to_string),
            owner: self.keys.owner(tags).map(str::to_string),
            data_classification: self.keys.data_classification(tags).map(str::to_string),
            encrypted: None,
            in_scope: true,
            first_seen: self.seen.clone(),
            last_seen: self.seen.clone(),
            tags: tags.clone(),
        }
    }

    /// Marks exposure for an instance or ENI from the findings naming it.
    fn exposure(&self, row: &mut InventoryRow, id: &str, by_eni: bool) {
        let findings = self.exposures.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let mut ports = Vec::new();
        for f in findings {
            if (by_eni && f.eni_id == id) || (!by_eni && f.resource_id == id) {
                ports.push(port_label(f.protocol, f.ports));
            }
        }
        row.internet_exposed = Some(!ports.is_empty());
        row.exposed_ports = sorted(ports);
    }
}

/// Builds every row, kind by kind in `ResourceKind::ALL` order, each kind in snapshot
/// order (= `Resources::iter()` order). Tag keys, VPCs and scope come from the
/// inventory's derived facts (`analysis.facts`).
pub fn build_rows(snapshot: &Snapshot, analysis: &Analysis) -> Vec<InventoryRow> {
    let keys = &analysis.facts.settings.tag_keys;
    let r = &snapshot.resources;
    let mut exposures: HashMap<&str, Vec<&ExposureFinding>> = HashMap::new();
    for f in &analysis.exposures {
        exposures.entry(f.resource_id.as_str()).or_default().push(f);
        if f.eni_id != f.resource_id {
            exposures.entry(f.eni_id.as_str()).or_default().push(f);
        }
    }
    let ctx = Ctx { seen: snapshot.collected_at.to_string(), keys, exposures };
    let subnet_az: HashMap<&str, &str> =
        r.subnets.iter().map(|s| (s.id.as_str(), s.availability_zone.as_str())).collect();
    let enis: HashMap<&str, &inventory::model::NetworkInterface> =
        r.network_interfaces.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut rows: Vec<InventoryRow> = Vec::with_capacity(r.total());

    for x in &r.accounts {
        let mut row = ctx.base(x, "account");
        row.name = row.name.or_else(|| x.alias.clone()).or_else(|| x.org_name.clone());
        rows.push(row);
    }
    for x in &r.regions {
        rows.push(ctx.base(x, "ec2"));
    }
    for x in &r.availability_zones {
        let mut row = ctx.base(x, "ec2");
        row.availability_zone = Some(x.zone_name.clone());
        rows.push(row);
    }
    for x in &r.vpcs {
        rows.push(ctx.base(x, "vpc"));
    }
    for x in &r.subnets {
        let mut row = ctx.base(x, "vpc");
        row.availability_zone = Some(x.availability_zone.clone());
        row.subnet = vec![x.id.clone()];
        rows.push(row);
    }
    for x in &r.route_tables {
        let mut row = ctx.base(x, "vpc");
        row.subnet = sorted(x.associations.iter().filter_map(|a| a.subnet_id.clone()).collect());
        rows.push(row);
    }
    for x in &r.internet_gateways {
        rows.push(ctx.base(x, "vpc"));
    }
    for x in &r.egress_only_internet_gateways {
        rows.push(ctx.base(x, "vpc"));
    }
    for x in &r.nat_gateways {
        let mut row = ctx.base(x, "vpc");
        row.subnet = vec![x.subnet_id.clone()];
        row.availability_zone = subnet_az.get(x.subnet_id.as_str()).map(|s| s.to_string());
        row.private_ips = sorted(x.addresses.iter().filter_map(|a| a.private_ip.map(|i| i.to_string())).collect());
        row.public_ips = sorted(x.addresses.iter().filter_map(|a| a.public_ip.map(|i| i.to_string())).collect());
        rows.push(row);
    }
    for x in &r.vpc_peering_connections {
        rows.push(ctx.base(x, "vpc"));
    }
    for x in &r.transit_gateways {
        rows.push(ctx.base(x, "transit-gateway"));
    }
    for x in &r.transit_gateway_attachments {
        let mut row = ctx.base(x, "transit-gateway");
        row.subnet = x.subnet_ids.clone();
        rows.push(row);
    }
    for x in &r.transit_gateway_route_tables {
        rows.push(ctx.base(x, "transit-gateway"));
    }
    for x in &r.vpn_gateways {
        rows.push(ctx.base(x, "vpn"));
    }
    for x in &r.vpn_connections {
        let mut row = ctx.base(x, "vpn");
        // The AWS-side tunnel endpoints: public addresses the internet can reach.
        row.public_ips = sorted(x.tunnels.iter().map(|t| t.outside_ip.clone()).collect());
        rows.push(row);
    }
    for x in &r.customer_gateways {
        let mut row = ctx.base(x, "vpn");
        row.name = row.name.or_else(|| x.device_name.clone());
        row.public_ips = x.ip_address.clone().into_iter().collect();
        rows.push(row);
    }
    for x in &r.vpc_endpoints {
        let mut row = ctx.base(x, "vpc");
        row.name = row.name.or_else(|| Some(x.service_name.clone()));
        row.subnet = x.subnet_ids.clone();
        row.security_groups = x.security_group_ids.clone();
        row.private_ips = sorted(
            x.network_interface_ids
                .iter()
                .filter_map(|e| enis.get(e.as_str()))
                .flat_map(|e| e.private_ips.iter().map(|p| p.address.to_string()))
                .collect(),
        );
        rows.push(row);
    }
    for x in &r.instances {
        let mut row = ctx.base(x, "ec2");
        row.availability_zone = x
            .availability_zone
            .clone()
            .or_else(|| x.subnet_id.as_deref().and_then(|s| subnet_az.get(s)).map(|s| s.to_string()));
        row.subnet = x.subnet_id.clone().into_iter().collect();
        let own: Vec<&inventory::model::NetworkInterface> =
            x.network_interface_ids.iter().filter_map(|e| enis.get(e.as_str()).copied()).collect();
        let mut private: Vec<String> = x.private_ip.iter().map(|i| i.to_string()).collect();
        let mut public: Vec<String> = x.public_ip.iter().map(|i| i.to_string()).collect();
        let mut v6 = Vec::new();
        let mut sgs = x.security_group_ids.clone();
        for e in own {
            private.extend(e.private_ips.iter().map(|p| p.address.to_string()));
            public.extend(e.public_ips().iter().map(|i| i.to_string()));
            v6.extend(e.ipv6_addresses.iter().map(|i| i.to_string()));
            sgs.extend(e.security_group_ids.iter().cloned());
        }
        row.private_ips = sorted(private);
        row.public_ips = sorted(public);
        row.ipv6_addresses = sorted(v6);
        row.security_groups = sorted(sgs);
        ctx.exposure(&mut row, &x.id, false);
        rows.push(row);
    }
    for x in &r.network_interfaces {
        let mut row = ctx.base(x, x.service.as_str());
        row.name = row.name.or_else(|| (!x.description.is_empty()).then(|| x.description.clone()));
        row.availability_zone =
            x.availability_zone.clone().or_else(|| subnet_az.get(x.subnet_id.as_str()).map(|s| s.to_string()));
        row.subnet = vec![x.subnet_id.clone()];
        row.private_ips = x.private_ips.iter().map(|p| p.address.to_string()).collect();
        row.public_ips = x.public_ips().iter().map(|i| i.to_string()).collect();
        row.ipv6_addresses = x.ipv6_addresses.iter().map(|i| i.to_string()).collect();
        row.security_groups = x.security_group_ids.clone();
        ctx.exposure(&mut row, &x.id, true);
        rows.push(row);
    }
    for x in &r.security_groups {
        let mut row = ctx.base(x, "vpc");
        row.name = row.name.or_else(|| Some(x.group_name.clone()));
        rows.push(row);
    }
    for x in &r.network_acls {
        let mut row = ctx.base(x, "vpc");
        row.subnet = sorted(x.associations.iter().map(|a| a.subnet_id.clone()).collect());
        rows.push(row);
    }
    for x in &r.elastic_ips {
        let mut row = ctx.base(x, "vpc");
        row.public_ips = vec![x.public_ip.to_string()];
        row.private_ips = x.private_ip.iter().map(|i| i.to_string()).collect();
        if let Some(e) = x.network_interface_id.as_deref().and_then(|e| enis.get(e)) {
            row.subnet = vec![e.subnet_id.clone()];
        }
        rows.push(row);
    }
    for x in &r.managed_prefix_lists {
        let mut row = ctx.base(x, "vpc");
        row.name = row.name.or_else(|| Some(x.name.clone()));
        rows.push(row);
    }
    // Row i is resource i of `Resources::iter()`: VPCs and scope are read by position.
    debug_assert!(
        rows.len() == r.total() && rows.iter().zip(r.iter()).all(|(row, a)| row.kind == a.kind && row.id == a.id)
    );
    for (i, (row, vpcs)) in rows.iter_mut().zip(inventory::facts::resource_vpcs(r)).enumerate() {
        row.vpc = vpcs;
        row.in_scope = analysis.facts.in_scope(i);
    }
    rows
}
