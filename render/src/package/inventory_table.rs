//! The asset inventory: one row per resource of every kind, shared by
//! inventory.csv, inventory.json, inventory.xlsx and the HTML report.
use std::borrow::Cow;
use std::collections::HashMap;

use inventory::analysis::{Analysis, ExposureFinding};
use inventory::facts::PortStyle;
use inventory::model::{
    sorted, ExposedAs, FromEnis, NetworkInterface, PortRange, Protocol, Resource, ResourceKind, Tags,
};
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
    /// `tags` as their cell shows them (a JSON object), made once with the row: the
    /// XLSX reads every row twice and the CSV once.
    #[serde(skip)]
    tags_cell: String,
}

impl InventoryRow {
    /// Cells as plain (not yet neutralised) text, in `HEADERS` order. Lists are
    /// space-separated; tags are a JSON object so any key or value survives. Borrowed
    /// where a field is the cell already: the CSV and XLSX writers read 100k rows
    /// (the XLSX twice), and 24 new strings per row were a tenth of their time.
    pub fn cells(&self) -> [Cow<'_, str>; 24] {
        fn opt(o: &Option<String>) -> Cow<'_, str> {
            Cow::Borrowed(o.as_deref().unwrap_or_default())
        }
        fn list<'r>(v: &'r [String], sep: &str) -> Cow<'r, str> {
            match v {
                [] => Cow::Borrowed(""),
                [one] => Cow::Borrowed(one.as_str()),
                many => Cow::Owned(many.join(sep)),
            }
        }
        let tri = |b: Option<bool>| Cow::Borrowed(b.map(bool_text).unwrap_or_default());
        [
            Cow::Borrowed(self.id.as_str()),
            opt(&self.arn),
            opt(&self.name),
            Cow::Borrowed(self.kind.as_str()),
            Cow::Borrowed(self.service.as_str()),
            Cow::Borrowed(self.account.as_str()),
            Cow::Borrowed(self.region.as_str()),
            opt(&self.availability_zone),
            list(&self.vpc, " "),
            list(&self.subnet, " "),
            list(&self.private_ips, " "),
            list(&self.public_ips, " "),
            list(&self.ipv6_addresses, " "),
            list(&self.security_groups, " "),
            tri(self.internet_exposed),
            list(&self.exposed_ports, "; "),
            opt(&self.environment),
            opt(&self.owner),
            opt(&self.data_classification),
            tri(self.encrypted),
            Cow::Borrowed(bool_text(self.in_scope)),
            Cow::Borrowed(self.first_seen.as_str()),
            Cow::Borrowed(self.last_seen.as_str()),
            Cow::Borrowed(self.tags_cell.as_str()),
        ]
    }
}

/// "true" / "false", as `bool`'s `Display` writes them.
fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// "tcp/22", "udp/53-60", "all", "icmp" (the inventory's one formatter, short style).
pub fn port_label(protocol: Protocol, ports: Option<PortRange>) -> String {
    inventory::facts::port_label(protocol, ports, PortStyle::Short)
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
            tags_cell: if tags.is_empty() { "{}".into() } else { serde_json::to_string(tags).unwrap_or_default() },
        }
    }

    /// The row of one resource, from its `Asset` facts and the ENIs they name.
    fn row<R: Resource>(
        &self,
        x: &R,
        subnet_az: &HashMap<&str, &str>,
        enis: &HashMap<&str, &NetworkInterface>,
    ) -> InventoryRow {
        let a = x.asset();
        let mut row = self.base(x, a.service);
        row.name = row.name.or_else(|| a.fallback_name.map(str::to_string));
        row.availability_zone = a.availability_zone.map(str::to_string).or_else(|| {
            let subnet = a.subnets.first().filter(|_| a.zone_from_subnet)?;
            subnet_az.get(subnet).map(|z| z.to_string())
        });
        row.subnet = a.subnets.iter().map(|s| s.to_string()).collect();
        row.private_ips = a.private_ips;
        row.public_ips = a.public_ips;
        row.ipv6_addresses = a.ipv6_addresses;
        row.security_groups = a.security_groups.iter().map(|s| s.to_string()).collect();
        let own: Vec<&NetworkInterface> = a.enis.iter().filter_map(|e| enis.get(e.as_str()).copied()).collect();
        match a.from_enis {
            FromEnis::Nothing => {}
            FromEnis::PrivateIps => {
                let ips = own.iter().flat_map(|e| e.private_ips.iter().map(|p| p.address.to_string()));
                row.private_ips = sorted(row.private_ips.drain(..).chain(ips).collect());
            }
            FromEnis::Everything => {
                for e in &own {
                    row.private_ips.extend(e.private_ips.iter().map(|p| p.address.to_string()));
                    row.public_ips.extend(e.public_ips().iter().map(|i| i.to_string()));
                    row.ipv6_addresses.extend(e.ipv6_addresses.iter().map(|i| i.to_string()));
                    row.security_groups.extend(e.security_group_ids.iter().cloned());
                }
                for list in
                    [&mut row.private_ips, &mut row.public_ips, &mut row.ipv6_addresses, &mut row.security_groups]
                {
                    *list = sorted(std::mem::take(list));
                }
            }
            FromEnis::Subnet => {
                if let (true, Some(e)) = (row.subnet.is_empty(), a.enis.first().and_then(|e| enis.get(e.as_str()))) {
                    row.subnet = vec![e.subnet_id.clone()];
                }
            }
        }
        match a.exposed_as {
            Some(ExposedAs::Resource) => self.exposure(&mut row, x.id(), false),
            Some(ExposedAs::Eni) => self.exposure(&mut row, x.id(), true),
            None => {}
        }
        row
    }

    /// Marks exposure for an instance or ENI from the findings naming it.
    fn exposure(&self, row: &mut InventoryRow, id: &str, by_eni: bool) {
        let findings = self.exposures.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let mut ports = Vec::new();
        for f in findings {
            if (by_eni && f.eni_id == id) || (!by_eni && f.resource_id == id) {
                ports.push(f.ports_label(PortStyle::Short));
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
    let enis: HashMap<&str, &NetworkInterface> = r.network_interfaces.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut rows: Vec<InventoryRow> = Vec::with_capacity(r.total());
    macro_rules! kind_rows {
        ($field:ident, $ty:ident) => {
            rows.extend(r.$field.iter().map(|x| ctx.row(x, &subnet_az, &enis)));
        };
    }
    inventory::for_each_kind!(kind_rows);
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
