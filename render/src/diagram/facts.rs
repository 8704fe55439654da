//! What the views need to know about the estate, indexed once per render:
//! effective route tables, subnet tiers, environments, exposure per ENI.
use std::collections::{BTreeMap, BTreeSet};

use inventory::analysis::{Analysis, ExposureFinding, SubnetTier};
use inventory::model::*;
use inventory::Snapshot;
use sha2::{Digest, Sha256};

use super::style::Env;

pub struct Facts<'a> {
    pub snap: &'a Snapshot,
    pub analysis: &'a Analysis,
    /// First 16 hex digits of SHA-256 over the canonical snapshot bytes.
    pub sha_prefix: String,
    /// Subnet id → its effective route table (explicit association, else the VPC main table).
    route_table: BTreeMap<&'a str, &'a RouteTable>,
    tier: BTreeMap<&'a str, SubnetTier>,
    pub exposures_by_eni: BTreeMap<&'a str, Vec<&'a ExposureFinding>>,
    /// ENIs reachable only through an internet-facing load balancer.
    pub behind_lb: BTreeSet<&'a str>,
    pub subnets_by_vpc: BTreeMap<&'a str, Vec<&'a Subnet>>,
    pub instances_by_subnet: BTreeMap<&'a str, Vec<&'a Instance>>,
    pub enis_by_subnet: BTreeMap<&'a str, Vec<&'a NetworkInterface>>,
    pub enis_by_instance: BTreeMap<&'a str, Vec<&'a NetworkInterface>>,
    pub nats_by_subnet: BTreeMap<&'a str, Vec<&'a NatGateway>>,
    pub accounts: BTreeMap<&'a str, &'a Account>,
    pub sg_names: BTreeMap<&'a str, &'a str>,
    pub instance_ids: BTreeSet<&'a str>,
}

impl<'a> Facts<'a> {
    pub fn new(snap: &'a Snapshot, analysis: &'a Analysis) -> Facts<'a> {
        let sha = Sha256::digest(inventory::snapshot::to_json_bytes(snap));
        Facts::with_sha(snap, analysis, &hex::encode(sha))
    }

    /// With the SHA-256 (hex) of the snapshot file already known: the package passes
    /// its snapshot.json hash, so every page's title block matches the manifest.
    pub fn with_sha(snap: &'a Snapshot, analysis: &'a Analysis, sha256_hex: &str) -> Facts<'a> {
        let r = &snap.resources;
        let sha_prefix: String = sha256_hex.chars().take(16).collect();

        let mut main_rt: BTreeMap<&str, &RouteTable> = BTreeMap::new();
        let mut explicit: BTreeMap<&str, &RouteTable> = BTreeMap::new();
        for rt in &r.route_tables {
            for a in &rt.associations {
                if a.main {
                    main_rt.entry(rt.vpc_id.as_str()).or_insert(rt);
                }
                if let Some(s) = &a.subnet_id {
                    explicit.entry(s.as_str()).or_insert(rt);
                }
            }
        }
        let mut route_table = BTreeMap::new();
        let mut subnets_by_vpc: BTreeMap<&str, Vec<&Subnet>> = BTreeMap::new();
        for s in &r.subnets {
            if let Some(rt) = explicit.get(s.id.as_str()).or_else(|| main_rt.get(s.vpc_id.as_str())) {
                route_table.insert(s.id.as_str(), *rt);
            }
            subnets_by_vpc.entry(s.vpc_id.as_str()).or_default().push(s);
        }
        let mut tier: BTreeMap<&str, SubnetTier> = BTreeMap::new();
        for e in &analysis.egress {
            tier.insert(e.subnet_id.as_str(), e.tier);
        }
        for s in &r.subnets {
            let t = tier_from_routes(route_table.get(s.id.as_str()).copied());
            tier.entry(s.id.as_str()).or_insert(t);
        }
        let mut exposures_by_eni: BTreeMap<&str, Vec<&ExposureFinding>> = BTreeMap::new();
        for x in &analysis.exposures {
            exposures_by_eni.entry(x.eni_id.as_str()).or_default().push(x);
        }
        let behind_lb = analysis.behind_load_balancers.iter().map(|b| b.eni_id.as_str()).collect();
        let mut instances_by_subnet: BTreeMap<&str, Vec<&Instance>> = BTreeMap::new();
        for i in &r.instances {
            if let Some(s) = &i.subnet_id {
                instances_by_subnet.entry(s.as_str()).or_default().push(i);
            }
        }
        let mut enis_by_subnet: BTreeMap<&str, Vec<&NetworkInterface>> = BTreeMap::new();
        let mut enis_by_instance: BTreeMap<&str, Vec<&NetworkInterface>> = BTreeMap::new();
        for n in &r.network_interfaces {
            enis_by_subnet.entry(n.subnet_id.as_str()).or_default().push(n);
            if let Some(i) = n.instance_id() {
                enis_by_instance.entry(i).or_default().push(n);
            }
        }
        let mut nats_by_subnet: BTreeMap<&str, Vec<&NatGateway>> = BTreeMap::new();
        for n in &r.nat_gateways {
            nats_by_subnet.entry(n.subnet_id.as_str()).or_default().push(n);
        }
        let accounts = r.accounts.iter().map(|a| (a.id.as_str(), a)).collect();
        let sg_names = r.security_groups.iter().map(|g| (g.id.as_str(), g.group_name.as_str())).collect();
        let instance_ids = r.instances.iter().map(|i| i.id.as_str()).collect();
        Facts {
            instance_ids,
            snap,
            analysis,
            sha_prefix,
            route_table,
            tier,
            exposures_by_eni,
            behind_lb,
            subnets_by_vpc,
            instances_by_subnet,
            enis_by_subnet,
            enis_by_instance,
            nats_by_subnet,
            accounts,
            sg_names,
        }
    }

    pub fn route_table(&self, subnet_id: &str) -> Option<&'a RouteTable> {
        self.route_table.get(subnet_id).copied()
    }

    pub fn tier(&self, subnet_id: &str) -> SubnetTier {
        self.tier.get(subnet_id).copied().unwrap_or(SubnetTier::Isolated)
    }

    /// "0.0.0.0/0 → igw-…" (or the IPv6 default), or "no default route".
    pub fn default_route_text(&self, subnet_id: &str) -> String {
        let Some(rt) = self.route_table(subnet_id) else { return "no route table".into() };
        let mut parts = Vec::new();
        for r in default_routes(rt) {
            let state = if r.state == RouteState::Blackhole { " (blackhole)" } else { "" };
            parts.push(format!("{} → {}{}", r.destination, r.target.id, state));
        }
        if parts.is_empty() {
            "no default route".into()
        } else {
            parts.join(", ")
        }
    }

    /// Display name of an account: "alias (id)" or the id.
    pub fn account_label(&self, id: &str) -> String {
        match self.accounts.get(id).and_then(|a| a.alias.as_deref().or(a.org_name.as_deref())) {
            Some(alias) => format!("{} ({id})", super::scene::name(alias)),
            None => id.to_string(),
        }
    }

    pub fn vpc_env(&self, vpc: &Vpc) -> Env {
        env_from_tags(&vpc.tags)
            .or_else(|| self.accounts.get(vpc.account_id.as_str()).and_then(|a| env_from_tags(&a.tags)))
            .unwrap_or(Env::Unknown)
    }

    /// Sorted "tcp/443"-style labels of what the internet reaches on these ENIs.
    pub fn exposed_ports<'b>(&self, enis: impl Iterator<Item = &'b str>) -> Vec<String> {
        let mut set = BTreeSet::new();
        for e in enis {
            for x in self.exposures_by_eni.get(e).map(|v| v.as_slice()).unwrap_or(&[]) {
                set.insert(port_label(x.protocol, x.ports));
            }
        }
        set.into_iter().collect()
    }
}

/// Active or blackhole default routes (IPv4 and IPv6) of a table.
pub fn default_routes(rt: &RouteTable) -> impl Iterator<Item = &Route> {
    rt.routes.iter().filter(|r| matches!(&r.destination, RouteDestination::Cidr(c) if c.prefix_len() == 0))
}

/// Tier when the analysis gave none: IGW default route public, other egress private.
fn tier_from_routes(rt: Option<&RouteTable>) -> SubnetTier {
    let Some(rt) = rt else { return SubnetTier::Isolated };
    let mut tier = SubnetTier::Isolated;
    for r in default_routes(rt).filter(|r| r.state == RouteState::Active) {
        match r.target.kind {
            RouteTargetKind::InternetGateway => return SubnetTier::Public,
            _ => tier = SubnetTier::Private,
        }
    }
    tier
}

/// "tcp/443", "udp/53", "all", "icmp".
pub fn port_label(p: Protocol, ports: Option<PortRange>) -> String {
    match (p, ports) {
        (Protocol::All, _) => "all traffic".into(),
        (p, Some(r)) if p.has_ports() => format!("{p}/{r}"),
        (p, _) => p.to_string(),
    }
}

pub fn env_from_tags(tags: &Tags) -> Option<Env> {
    for key in ["Environment", "environment", "Env", "env", "Stage", "stage", "environment-type"] {
        if let Some(v) = tags.get(key) {
            let v = v.trim().to_ascii_lowercase();
            return Some(if matches!(v.as_str(), "prod" | "production" | "prd" | "live") || v.starts_with("prod") {
                Env::Prod
            } else {
                Env::NonProd
            });
        }
    }
    None
}

/// Name with trailing instance numbers / random suffixes removed, so "web-01" and
/// "web-02" group together.
pub fn name_stem(name: &str) -> String {
    let mut s = name.trim();
    loop {
        let t = s.trim_end_matches(|c: char| c.is_ascii_digit());
        let t = t.trim_end_matches(['-', '_', '.', ' ']);
        // Also drop a trailing hex-ish random token ("web-7f3a9c").
        let t2 = match t.rsplit_once(['-', '_']) {
            Some((head, tail))
                if tail.len() >= 5
                    && tail.chars().all(|c| c.is_ascii_hexdigit())
                    && tail.chars().any(|c| c.is_ascii_digit()) =>
            {
                head
            }
            _ => t,
        };
        if t2 == s || t2.is_empty() {
            break;
        }
        s = t2;
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_group_numbered_names() {
        assert_eq!(name_stem("web-01"), "web");
        assert_eq!(name_stem("web-7f3a9c"), "web");
        assert_eq!(name_stem("db"), "db");
        assert_eq!(name_stem("123"), "123");
    }
}
