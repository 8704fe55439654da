//! What the views need to know about the estate, indexed once per render. Derived
//! facts (effective route tables, subnet tiers, environments) are read from
//! `analysis.facts`, computed once in the inventory crate; this only indexes.
use std::collections::{BTreeMap, BTreeSet};

use inventory::topology::hash::{FastMap, FastSet};

use inventory::accept::{Acceptances, Review};
use inventory::analysis::{Analysis, DataFlow, ExposureFinding, LoadBalancerTarget, SubnetTier};
use inventory::facts::{is_production, PortStyle};
use inventory::model::*;
use inventory::Snapshot;
use sha2::{Digest, Sha256};

use super::style::Env;

/// Lookups by resource id are hash maps (a `BTreeMap` over 100k ids spent a third of
/// the VPC pages' time comparing strings); nothing iterates them, so their order never
/// reaches a page.
pub struct Facts<'a> {
    pub snap: &'a Snapshot,
    pub analysis: &'a Analysis,
    /// The internet → data-store flows: `analysis.data_flows`, unless the caller computed
    /// them apart (`Plan::with_data_flows`).
    pub data_flows: &'a [DataFlow],
    /// First 16 hex digits of SHA-256 over the canonical snapshot bytes.
    pub sha_prefix: String,
    /// Route table id → table (first wins on a duplicate id, as in the topology index).
    route_tables: FastMap<&'a str, &'a RouteTable>,
    pub exposures_by_eni: FastMap<&'a str, Vec<&'a ExposureFinding>>,
    /// ENIs reachable only through an internet-facing load balancer.
    pub behind_lb: FastSet<&'a str>,
    pub subnets_by_vpc: FastMap<&'a str, Vec<&'a Subnet>>,
    /// Per VPC, in snapshot order: a card or page per VPC must not scan the estate.
    pub vpc_index: FastMap<&'a str, VpcIndex<'a>>,
    pub instances_by_subnet: FastMap<&'a str, Vec<&'a Instance>>,
    pub enis_by_subnet: FastMap<&'a str, Vec<&'a NetworkInterface>>,
    pub enis_by_instance: FastMap<&'a str, Vec<&'a NetworkInterface>>,
    pub nats_by_subnet: FastMap<&'a str, Vec<&'a NatGateway>>,
    pub accounts: FastMap<&'a str, &'a Account>,
    pub sg_names: FastMap<&'a str, &'a str>,
    pub instance_ids: FastSet<&'a str>,
    /// ENI id → the load balancer it is a node of (joined by AWS's description).
    pub lb_of_eni: FastMap<&'a str, &'a LoadBalancer>,
    /// Subnet → load balancers with a node there but no ENI in the snapshot.
    pub lbs_without_enis: FastMap<&'a str, Vec<&'a LoadBalancer>>,
    /// Load balancer id → its listeners as AWS states them ("HTTPS 443", "HTTP 80 →
    /// redirect" when its default action reaches no target), sorted.
    pub listeners_of_lb: FastMap<&'a str, Vec<String>>,
    /// Load balancer id → the analysis' rows of its targets (`behind_load_balancers`,
    /// `other_load_balancer_targets`).
    pub lb_targets: FastMap<&'a str, Vec<&'a LoadBalancerTarget>>,
    /// Load balancers whose targets `behind_load_balancers` (load_balancer_targets.csv) lists.
    pub lb_targets_listed: FastSet<&'a str>,
    /// Subnet of each ENI a load-balancer target row names.
    pub target_eni_subnet: FastMap<&'a str, &'a str>,
    /// The audit scope (`--scope-tag`), when one is set.
    pub scope: Option<Scope<'a>>,
    /// `package --accepted`: the file and its review of `analysis.exposures` (one
    /// verdict per finding, same order), made once by the pipeline.
    pub acceptance: Option<(&'a Acceptances, &'a Review)>,
}

/// Which resources the audit scope holds (`inventory::facts::in_scope_ids`), indexed
/// for drawing: pages shade in-scope boxes, dim the rest and highlight the lines
/// that cross between them.
pub struct Scope<'a> {
    /// "KEY=VALUE or KEY=VALUE": the rule, for the title block.
    pub rule: String,
    pub inside: BTreeSet<&'a str>,
    /// Every resource id (to tell "out of scope" from "not a resource").
    pub known: FastSet<&'a str>,
    /// Accounts with an in-scope VPC.
    pub accounts: BTreeSet<&'a str>,
}

impl Scope<'_> {
    /// In scope (Some(true)), out of it (Some(false)), or not a resource (None).
    /// The internet is outside every scope; "account:ID" is an account box.
    pub fn of(&self, id: &str) -> Option<bool> {
        if id == "internet" {
            return Some(false);
        }
        if let Some(a) = id.strip_prefix("account:") {
            return Some(self.accounts.contains(a));
        }
        self.known.contains(id).then(|| self.inside.contains(id))
    }
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

        let mut route_tables: FastMap<&str, &RouteTable> = FastMap::default();
        for rt in &r.route_tables {
            route_tables.entry(rt.id.as_str()).or_insert(rt);
        }
        let mut subnets_by_vpc: FastMap<&str, Vec<&Subnet>> = FastMap::default();
        for s in &r.subnets {
            subnets_by_vpc.entry(s.vpc_id.as_str()).or_default().push(s);
        }
        let mut exposures_by_eni: FastMap<&str, Vec<&ExposureFinding>> = FastMap::default();
        for x in &analysis.exposures {
            exposures_by_eni.entry(x.eni_id.as_str()).or_default().push(x);
        }
        let vpc_index = VpcIndex::build(snap, analysis);
        let behind_lb = analysis
            .behind_load_balancers
            .iter()
            .filter(|b| b.reach == inventory::analysis::TargetReach::Reachable)
            .filter_map(|b| b.eni_id.as_deref())
            .collect();
        let mut instances_by_subnet: FastMap<&str, Vec<&Instance>> = FastMap::default();
        for i in &r.instances {
            if let Some(s) = &i.subnet_id {
                instances_by_subnet.entry(s.as_str()).or_default().push(i);
            }
        }
        let mut lb_targets: FastMap<&str, Vec<&LoadBalancerTarget>> = FastMap::default();
        let lb_targets_listed =
            analysis.behind_load_balancers.iter().map(|t| t.listener.load_balancer_id.as_str()).collect();
        let all_targets = || analysis.behind_load_balancers.iter().chain(&analysis.other_load_balancer_targets);
        for t in all_targets() {
            lb_targets.entry(t.listener.load_balancer_id.as_str()).or_default().push(t);
        }
        let mut target_eni_subnet: FastMap<&str, &str> =
            all_targets().filter_map(|t| t.eni_id.as_deref()).map(|e| (e, "")).collect();
        let mut enis_by_subnet: FastMap<&str, Vec<&NetworkInterface>> = FastMap::default();
        let mut enis_by_instance: FastMap<&str, Vec<&NetworkInterface>> = FastMap::default();
        for n in &r.network_interfaces {
            if let Some(s) = target_eni_subnet.get_mut(n.id.as_str()) {
                *s = n.subnet_id.as_str();
            }
            enis_by_subnet.entry(n.subnet_id.as_str()).or_default().push(n);
            if let Some(i) = n.instance_id() {
                enis_by_instance.entry(i).or_default().push(n);
            }
        }
        let mut nats_by_subnet: FastMap<&str, Vec<&NatGateway>> = FastMap::default();
        for n in &r.nat_gateways {
            nats_by_subnet.entry(n.subnet_id.as_str()).or_default().push(n);
        }
        let accounts = r.accounts.iter().map(|a| (a.id.as_str(), a)).collect();
        let sg_names = r.security_groups.iter().map(|g| (g.id.as_str(), g.group_name.as_str())).collect();
        let instance_ids = r.instances.iter().map(|i| i.id.as_str()).collect();
        let scope = inventory::facts::in_scope_ids(r, analysis).map(|inside| {
            let accounts =
                r.vpcs.iter().filter(|v| inside.contains(v.id.as_str())).map(|v| v.account_id.as_str()).collect();
            let rule = analysis
                .facts
                .settings
                .scope_tags
                .iter()
                .map(|t| format!("{}={}", t.key, t.value))
                .collect::<Vec<_>>()
                .join(" or ");
            Scope { rule, inside, known: r.iter().map(|a| a.id).collect(), accounts }
        });
        let join = LoadBalancerEnis::new(&r.load_balancers);
        let lb_of_eni: FastMap<&str, &LoadBalancer> = r
            .network_interfaces
            .iter()
            .filter_map(|n| join.load_balancer_of(n).map(|lb| (n.id.as_str(), lb)))
            .collect();
        let with_enis: BTreeSet<&str> = lb_of_eni.values().map(|lb| lb.id.as_str()).collect();
        let mut lbs_without_enis: FastMap<&str, Vec<&LoadBalancer>> = FastMap::default();
        for lb in r.load_balancers.iter().filter(|lb| !with_enis.contains(lb.id.as_str())) {
            for s in &lb.subnet_ids {
                lbs_without_enis.entry(s.as_str()).or_default().push(lb);
            }
        }
        let mut listeners: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for l in &r.listeners {
            if let (Some(p), Some(port)) = (&l.protocol, l.port) {
                let action = no_target_action(&l.default_actions).map(|a| format!(" → {a}")).unwrap_or_default();
                listeners.entry(l.load_balancer_id.as_str()).or_default().insert(format!("{p} {port}{action}"));
            }
        }
        for lb in &r.load_balancers {
            for l in &lb.classic_listeners {
                listeners.entry(lb.id.as_str()).or_default().insert(format!("{} {}", l.protocol, l.port));
            }
        }
        target_eni_subnet.retain(|_, s| !s.is_empty());
        let listeners_of_lb = listeners.into_iter().map(|(k, v)| (k, v.into_iter().collect())).collect();
        Facts {
            acceptance: None,
            scope,
            lb_of_eni,
            lbs_without_enis,
            listeners_of_lb,
            lb_targets,
            lb_targets_listed,
            target_eni_subnet,
            instance_ids,
            snap,
            analysis,
            data_flows: &analysis.data_flows,
            sha_prefix,
            route_tables,
            exposures_by_eni,
            behind_lb,
            subnets_by_vpc,
            vpc_index,
            instances_by_subnet,
            enis_by_subnet,
            enis_by_instance,
            nats_by_subnet,
            accounts,
            sg_names,
        }
    }

    /// What the snapshot holds for one VPC (empty for an unknown id).
    pub fn in_vpc(&self, vpc_id: &str) -> &VpcIndex<'a> {
        static EMPTY: VpcIndex<'static> = VpcIndex {
            exposures: Vec::new(),
            instances: 0,
            internet_gateways: Vec::new(),
            route_tables: Vec::new(),
            egress_only_gateways: Vec::new(),
            vpn_gateways: Vec::new(),
            tgw_attachments: Vec::new(),
            peerings: Vec::new(),
            gateway_endpoints: Vec::new(),
        };
        self.vpc_index.get(vpc_id).unwrap_or(&EMPTY)
    }

    /// The subnet's effective route table (`analysis.facts`).
    pub fn route_table(&self, subnet_id: &str) -> Option<&'a RouteTable> {
        let id = self.analysis.facts.subnet(subnet_id)?.route_table_id.as_deref()?;
        self.route_tables.get(id).copied()
    }

    pub fn tier(&self, subnet_id: &str) -> SubnetTier {
        self.analysis.facts.tier(subnet_id)
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

    /// The VPC's environment (its tags, else its account's: `inventory::facts`).
    pub fn vpc_env(&self, vpc: &Vpc) -> Env {
        env_of(self.analysis.facts.vpc_environment(&vpc.id)).unwrap_or(Env::Unknown)
    }

    /// The account's environment, None when untagged.
    pub fn account_env(&self, account_id: &str) -> Option<Env> {
        env_of(self.analysis.facts.account_environment(account_id))
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

/// "redirect" or "fixed response" when a listener's default actions reach no target
/// (an HTTP listener that only redirects to HTTPS reads apart from one that serves).
fn no_target_action(actions: &[ListenerAction]) -> Option<&'static str> {
    let last = actions.iter().rfind(|a| !matches!(a, ListenerAction::Authenticate { .. }))?;
    match last {
        ListenerAction::Redirect { .. } => Some("redirect"),
        ListenerAction::FixedResponse { .. } => Some("fixed response"),
        _ => None,
    }
}

/// Active or blackhole default routes (IPv4 and IPv6) of a table.
pub fn default_routes(rt: &RouteTable) -> impl Iterator<Item = &Route> {
    rt.routes.iter().filter(|r| matches!(&r.destination, RouteDestination::Cidr(c) if c.prefix_len() == 0))
}

/// "tcp/443", "udp/53", "icmp", "all traffic": the inventory's formatter, diagram style.
pub fn port_label(p: Protocol, ports: Option<PortRange>) -> String {
    inventory::facts::port_label(p, ports, PortStyle::Words)
}

/// The drawing style of an environment value (`inventory::facts::is_production`).
fn env_of(value: Option<&str>) -> Option<Env> {
    value.map(|v| if is_production(v) { Env::Prod } else { Env::NonProd })
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

/// One VPC's share of the estate, gathered in one pass over it.
#[derive(Default)]
pub struct VpcIndex<'a> {
    pub exposures: Vec<&'a ExposureFinding>,
    pub instances: usize,
    /// Gateways with an attachment in the `attached` state.
    pub internet_gateways: Vec<&'a str>,
    pub route_tables: Vec<&'a RouteTable>,
    /// What the VPC page draws on the border, each in snapshot order: attached
    /// egress-only and VPN gateways, VPC attachments to transit gateways, peerings
    /// either side, gateway endpoints (one pass here rather than one per page).
    pub egress_only_gateways: Vec<&'a str>,
    pub vpn_gateways: Vec<&'a str>,
    pub tgw_attachments: Vec<&'a TransitGatewayAttachment>,
    pub peerings: Vec<&'a VpcPeeringConnection>,
    pub gateway_endpoints: Vec<&'a VpcEndpoint>,
}

impl<'a> VpcIndex<'a> {
    fn build(snap: &'a Snapshot, analysis: &'a Analysis) -> FastMap<&'a str, VpcIndex<'a>> {
        let r = &snap.resources;
        let mut by_vpc: FastMap<&str, VpcIndex> = FastMap::default();
        for x in &analysis.exposures {
            by_vpc.entry(x.vpc_id.as_str()).or_default().exposures.push(x);
        }
        for i in &r.instances {
            if let Some(v) = &i.vpc_id {
                by_vpc.entry(v.as_str()).or_default().instances += 1;
            }
        }
        for t in &r.route_tables {
            by_vpc.entry(t.vpc_id.as_str()).or_default().route_tables.push(t);
        }
        // Each gateway once per VPC it is attached to (in the `attached` state).
        let attached_vpcs = |attachments: &'a [VpcAttachment]| -> BTreeSet<&'a str> {
            attachments.iter().filter(|a| a.is_attached()).map(|a| a.vpc_id.as_str()).collect()
        };
        for g in &r.internet_gateways {
            for v in attached_vpcs(&g.attachments) {
                by_vpc.entry(v).or_default().internet_gateways.push(g.id.as_str());
            }
        }
        for g in &r.egress_only_internet_gateways {
            for v in attached_vpcs(&g.attachments) {
                by_vpc.entry(v).or_default().egress_only_gateways.push(g.id.as_str());
            }
        }
        for g in &r.vpn_gateways {
            for v in attached_vpcs(&g.attachments) {
                by_vpc.entry(v).or_default().vpn_gateways.push(g.id.as_str());
            }
        }
        for a in r.transit_gateway_attachments.iter().filter(|a| a.resource_type == TgwAttachmentResourceType::Vpc) {
            if let Some(v) = a.resource_id.as_deref() {
                by_vpc.entry(v).or_default().tgw_attachments.push(a);
            }
        }
        for p in &r.vpc_peering_connections {
            let (requester, accepter) = (p.requester.vpc_id.as_str(), p.accepter.vpc_id.as_str());
            by_vpc.entry(requester).or_default().peerings.push(p);
            if accepter != requester {
                by_vpc.entry(accepter).or_default().peerings.push(p);
            }
        }
        for e in r.vpc_endpoints.iter().filter(|e| e.endpoint_type == VpcEndpointType::Gateway) {
            by_vpc.entry(e.vpc_id.as_str()).or_default().gateway_endpoints.push(e);
        }
        by_vpc
    }
}
