//! `--scope-tag`: which resources an audit covers, and the VPCs each resource
//! belongs to (the segment boundary scope is drawn along).
use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::{AnyResource, Refs, Resource, ResourceKind, Resources, Tags};

/// One `KEY=VALUE` scope filter (`--scope-tag`). Key and value match exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeTag {
    pub key: String,
    pub value: String,
}

impl ScopeTag {
    pub fn parse(s: &str) -> Result<ScopeTag, String> {
        match s.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok(ScopeTag { key: k.to_string(), value: v.to_string() }),
            _ => Err(format!("scope tag {s:?} is not KEY=VALUE")),
        }
    }

    pub fn matches(&self, tags: &Tags) -> bool {
        tags.get(&self.key).is_some_and(|v| *v == self.value)
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// The VPC ids each resource belongs to, in `Resources::iter()` order: its own
/// `vpc_id`; a VPC itself; otherwise every VPC its stated references name (gateway
/// attachments, both sides of a peering, a VPC attachment's VPC) and, for an Elastic
/// IP, its interface's VPC.
pub fn resource_vpcs(r: &Resources) -> Vec<Vec<String>> {
    let eni_vpc: HashMap<&str, &str> =
        r.network_interfaces.iter().map(|e| (e.id.as_str(), e.vpc_id.as_str())).collect();
    let mut out = Vec::with_capacity(r.total());
    let mut refs = Refs::default();
    macro_rules! each_kind {
        ($field:ident, $ty:ident) => {
            for x in &r.$field {
                out.push(vpcs_of(x, &mut refs, &eni_vpc));
            }
        };
    }
    crate::for_each_kind!(each_kind);
    out
}

fn vpcs_of<'a, R: Resource>(x: &'a R, refs: &mut Refs<'a>, eni_vpc: &HashMap<&str, &str>) -> Vec<String> {
    if let Some(v) = x.vpc_id() {
        return vec![v.to_string()];
    }
    if R::KIND == ResourceKind::Vpc {
        return vec![x.id().to_string()];
    }
    refs.clear();
    x.references(refs);
    let vpcs = refs.list.iter().filter_map(|rf| match rf.kind {
        ResourceKind::Vpc => Some(rf.id.to_string()),
        ResourceKind::NetworkInterface => eni_vpc.get(rf.id).map(|v| v.to_string()),
        _ => None,
    });
    sorted(vpcs.collect())
}

/// Ids of the in-scope resources of one kind.
fn ids_in<'a>(all: &[AnyResource<'a>], inside: &[bool], kind: ResourceKind) -> BTreeSet<&'a str> {
    all.iter().zip(inside).filter(|(a, i)| a.kind == kind && **i).map(|(a, _)| a.id).collect()
}

/// Scope membership of every resource, in `Resources::iter()` order
/// (`--scope-tag` semantics, documented in the package's README.txt):
/// 1. a resource whose own tags match any scope tag is in scope;
/// 2. a VPC that matches puts everything in that VPC in scope;
/// 3. any other matching resource puts the network resources of its VPC(s) in scope
///    (VPC, subnets, route tables, gateways, endpoints, SGs, NACLs, peering, attachments);
/// 4. an ENI attached to an in-scope instance, and an EIP on an in-scope instance or
///    ENI, are in scope.
///
/// No scope tags: everything is in scope.
pub fn in_scope(r: &Resources, scope: &[ScopeTag]) -> Vec<bool> {
    let all: Vec<AnyResource> = r.iter().collect();
    if scope.is_empty() {
        return vec![true; all.len()];
    }
    let vpcs = resource_vpcs(r);
    let tagged: Vec<bool> = all.iter().map(|a| scope.iter().any(|s| s.matches(a.tags))).collect();
    let mut whole_vpcs: HashSet<&str> = HashSet::new();
    let mut touched_vpcs: HashSet<&str> = HashSet::new();
    for ((a, v), t) in all.iter().zip(&vpcs).zip(&tagged) {
        if *t {
            if a.kind == ResourceKind::Vpc {
                whole_vpcs.insert(a.id);
            }
            touched_vpcs.extend(v.iter().map(String::as_str));
        }
    }
    let mut inside: Vec<bool> = all
        .iter()
        .zip(&vpcs)
        .zip(&tagged)
        .map(|((a, v), t)| {
            *t || v.iter().any(|v| whole_vpcs.contains(v.as_str()))
                || (a.kind.is_segment() && v.iter().any(|v| touched_vpcs.contains(v.as_str())))
        })
        .collect();
    let instances = ids_in(&all, &inside, ResourceKind::Instance);
    let eni_instance: HashMap<&str, &str> =
        r.network_interfaces.iter().filter_map(|e| e.instance_id().map(|i| (e.id.as_str(), i))).collect();
    for (a, i) in all.iter().zip(inside.iter_mut()) {
        if a.kind == ResourceKind::NetworkInterface && !*i {
            *i = eni_instance.get(a.id).is_some_and(|x| instances.contains(x));
        }
    }
    let enis = ids_in(&all, &inside, ResourceKind::NetworkInterface);
    let eips: HashMap<&str, (Option<&str>, Option<&str>)> = r
        .elastic_ips
        .iter()
        .map(|e| (e.id.as_str(), (e.instance_id.as_deref(), e.network_interface_id.as_deref())))
        .collect();
    for (a, i) in all.iter().zip(inside.iter_mut()) {
        if a.kind == ResourceKind::ElasticIp && !*i {
            if let Some((inst, eni)) = eips.get(a.id) {
                *i = inst.is_some_and(|x| instances.contains(x)) || eni.is_some_and(|x| enis.contains(x));
            }
        }
    }
    inside
}
