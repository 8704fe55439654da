//! Facts derived once from a snapshot and its analyses, for every consumer to read
//! (diagrams, the inventory table, the report): each subnet's effective route table
//! and tier, environments, scope membership; and the rules behind them (tag keys,
//! production, the port/protocol formatter). `render` reads these, never re-derives.
mod crossings;
mod ports;
mod scope;
mod tags;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crossings::{in_scope_ids, scope_crossings, ScopeCrossing};
pub use ports::{port_label, PortStyle};
pub use scope::{in_scope, resource_vpcs, ScopeTag};
pub use tags::{environment, is_production, tag_value, TagKeys};

use crate::analysis::{SubnetEgress, SubnetTier};
use crate::topology::Topology;

/// What the caller chooses about the derived facts (`--environment-tag` and the
/// other tag keys, `--scope-tag`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub tag_keys: TagKeys,
    pub scope_tags: Vec<ScopeTag>,
}

/// The route table that applies to a subnet, and its tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetFacts {
    /// The explicitly associated table, else the VPC's main table (`Index::route_table_of`).
    pub route_table_id: Option<String>,
    /// Whether that table applies as the VPC's main table.
    pub route_table_main: bool,
    /// From the egress analysis; isolated when the subnet has no route table.
    pub tier: SubnetTier,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub settings: Settings,
    /// Subnet id → its facts.
    pub subnets: BTreeMap<String, SubnetFacts>,
    /// Account id → environment (`TagKeys::environment` of its tags), where tagged.
    pub account_environments: BTreeMap<String, String>,
    /// VPC id → environment: its own tags, else its account's.
    pub vpc_environments: BTreeMap<String, String>,
    /// Scope membership in `Resources::iter()` order; None when no scope tags are
    /// given (everything is in scope).
    pub in_scope: Option<Vec<bool>>,
}

impl Facts {
    pub fn subnet(&self, subnet_id: &str) -> Option<&SubnetFacts> {
        self.subnets.get(subnet_id)
    }

    pub fn tier(&self, subnet_id: &str) -> SubnetTier {
        self.subnets.get(subnet_id).map_or(SubnetTier::Isolated, |s| s.tier)
    }

    pub fn vpc_environment(&self, vpc_id: &str) -> Option<&str> {
        self.vpc_environments.get(vpc_id).map(String::as_str)
    }

    pub fn account_environment(&self, account_id: &str) -> Option<&str> {
        self.account_environments.get(account_id).map(String::as_str)
    }

    /// Whether the resource at `position` in `Resources::iter()` order is in scope.
    pub fn in_scope(&self, position: usize) -> bool {
        match &self.in_scope {
            Some(v) => v.get(position).copied().unwrap_or(true),
            None => true,
        }
    }
}

/// Environments of accounts and VPCs (segmentation needs them before the rest).
pub(crate) struct Environments {
    pub accounts: BTreeMap<String, String>,
    pub vpcs: BTreeMap<String, String>,
}

pub(crate) fn environments(topo: &Topology, keys: &TagKeys) -> Environments {
    let r = &topo.snapshot.resources;
    let mut accounts = BTreeMap::new();
    for a in &r.accounts {
        if let Some(e) = keys.environment(&a.tags) {
            // First wins on a duplicate id, as in the topology index.
            accounts.entry(a.id.clone()).or_insert_with(|| e.to_string());
        }
    }
    let mut vpcs = BTreeMap::new();
    for v in &r.vpcs {
        let env = keys.environment(&v.tags).or_else(|| accounts.get(&v.account_id).map(String::as_str));
        if let Some(e) = env {
            vpcs.entry(v.id.clone()).or_insert_with(|| e.to_string());
        }
    }
    Environments { accounts, vpcs }
}

/// Every derived fact, from the topology, the egress analysis and the environments.
pub(crate) fn derive(topo: &Topology, egress: &[SubnetEgress], envs: Environments, settings: &Settings) -> Facts {
    let r = &topo.snapshot.resources;
    let tiers: BTreeMap<&str, SubnetTier> = egress.iter().map(|e| (e.subnet_id.as_str(), e.tier)).collect();
    let mut subnets = BTreeMap::new();
    for s in &r.subnets {
        let rt = topo.index.route_table_of(&s.id, &s.vpc_id);
        subnets.insert(
            s.id.clone(),
            SubnetFacts {
                route_table_id: rt.map(|t| t.table.id.clone()),
                route_table_main: rt.is_some_and(|t| t.main),
                tier: tiers.get(s.id.as_str()).copied().unwrap_or(SubnetTier::Isolated),
            },
        );
    }
    let in_scope = (!settings.scope_tags.is_empty()).then(|| in_scope(r, &settings.scope_tags));
    Facts {
        settings: settings.clone(),
        subnets,
        account_environments: envs.accounts,
        vpc_environments: envs.vpcs,
        in_scope,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze_with;

    use super::*;

    /// The facts agree with the analyses they come from, and scope is opt-in.
    #[test]
    fn demo_facts_match_egress_and_scope_is_opt_in() {
        let snap = crate::demo::demo_snapshot().expect("demo");
        let a = analyze_with(&snap, &Settings::default());
        assert_eq!(a.facts.subnets.len(), snap.resources.subnets.len());
        for e in &a.egress {
            let f = a.facts.subnet(&e.subnet_id).expect("subnet facts");
            assert_eq!(f.route_table_id.as_deref(), Some(e.route_table_id.as_str()));
            assert_eq!(f.tier, e.tier);
        }
        assert!(a.facts.in_scope.is_none() && a.facts.in_scope(0));
        assert!(snap.resources.vpcs.iter().all(|v| a.facts.vpc_environment(&v.id).is_some()));

        let prod = ScopeTag::parse("Environment=prod").expect("parses");
        let scoped = analyze_with(&snap, &Settings { scope_tags: vec![prod], ..Settings::default() });
        let flags = scoped.facts.in_scope.as_ref().expect("scoped");
        assert_eq!(flags.len(), snap.resources.total());
        assert!(flags.iter().any(|f| *f) && flags.iter().any(|f| !*f));
    }
}
