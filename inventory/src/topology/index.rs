//! Lookups by id and the derived per-subnet facts every analysis needs (effective
//! route table, effective NACL, NACL rules in evaluation order). Built once, O(n).
use super::hash::FastMap;
use std::net::Ipv4Addr;

use crate::model::*;
use crate::snapshot::Snapshot;

/// The route table that applies to a subnet, and whether it applies as the VPC's
/// main table (no explicit association).
#[derive(Debug, Clone, Copy)]
pub struct EffectiveRouteTable<'a> {
    pub table: &'a RouteTable,
    pub main: bool,
}

/// A NACL's entries split by direction, each in evaluation order.
#[derive(Debug, Clone)]
pub struct NaclRules<'a> {
    pub acl: &'a NetworkAcl,
    pub inbound: Vec<&'a NaclEntry>,
    pub outbound: Vec<&'a NaclEntry>,
}

#[derive(Debug, Default)]
pub struct Index<'a> {
    /// Every resource by id, one map per kind: `get::<Subnet>(id)`.
    by_id: ById<'a>,
    explicit_route_table: FastMap<&'a str, &'a RouteTable>,
    main_route_table: FastMap<&'a str, &'a RouteTable>,
    explicit_nacl: FastMap<&'a str, usize>,
    default_nacl: FastMap<&'a str, usize>,
    nacl_rules: Vec<NaclRules<'a>>,
    /// ENI id → public IPv4 addresses of Elastic IPs associated with it.
    pub eips_by_eni: FastMap<&'a str, Vec<Ipv4Addr>>,
    /// SG id → ENIs that carry it, in ENI id order.
    pub enis_by_sg: FastMap<&'a str, Vec<&'a NetworkInterface>>,
    /// SG id → (group, ingress rule) pairs whose rule names that SG as its peer.
    pub sg_referenced_by: FastMap<&'a str, Vec<(&'a SecurityGroup, &'a SgRule)>>,
}

/// A kind's map inside `ById` (implemented for every kind by the table below).
pub trait KindMap: Sized {
    fn map<'m, 'a>(by_id: &'m ById<'a>) -> &'m FastMap<&'a str, &'a Self>;
}

macro_rules! by_id_maps {
    ([] $(($variant:ident, $field:ident, $ty:ident, $name:literal, $api:expr, $segment:tt))*) => {
        /// One id → resource map per kind, from the kind table.
        #[derive(Debug, Default)]
        pub struct ById<'a> {
            $($field: FastMap<&'a str, &'a $ty>,)*
        }

        impl<'a> ById<'a> {
            fn build(r: &'a Resources) -> ById<'a> {
                ById { $($field: by_id(&r.$field),)* }
            }
        }

        $(
            impl KindMap for $ty {
                fn map<'m, 'a>(by_id: &'m ById<'a>) -> &'m FastMap<&'a str, &'a $ty> {
                    &by_id.$field
                }
            }
        )*
    };
}
crate::kind_table! { [by_id_maps] [] }

fn by_id<T: Resource>(items: &[T]) -> FastMap<&str, &T> {
    let mut m = super::hash::map_with_capacity(items.len());
    for i in items {
        // First wins on a duplicate id so the result does not depend on hashing.
        m.entry(i.id()).or_insert(i);
    }
    m
}

impl<'a> Index<'a> {
    /// The resource of kind `T` with this id (the first, on a duplicate id).
    pub fn get<T: KindMap>(&self, id: &str) -> Option<&'a T> {
        T::map(&self.by_id).get(id).copied()
    }

    /// A managed prefix list's entries, as routes and rules expand them; none when the
    /// list is not in the snapshot (its coverage record says why).
    pub fn prefix_list_entries(&self, id: &str) -> &'a [PrefixListEntry] {
        self.get::<ManagedPrefixList>(id).map_or(&[], |pl| pl.entries.as_slice())
    }

    pub fn build(snapshot: &'a Snapshot) -> Index<'a> {
        let r = &snapshot.resources;
        let mut ix = Index { by_id: ById::build(r), ..Index::default() };

        let mut refs = Refs::default();
        for t in &r.route_tables {
            if t.associations.iter().any(|a| a.main) {
                ix.main_route_table.entry(t.vpc_id.as_str()).or_insert(t);
            }
            for rf in associations(t, &mut refs) {
                ix.explicit_route_table.entry(rf).or_insert(t);
            }
        }

        // NACLs: rules sorted once; subnets without an association get the default NACL.
        ix.nacl_rules = r
            .network_acls
            .iter()
            .map(|acl| {
                let mut inbound: Vec<&NaclEntry> = acl.entries.iter().filter(|e| !e.egress).collect();
                let mut outbound: Vec<&NaclEntry> = acl.entries.iter().filter(|e| e.egress).collect();
                inbound.sort_by_key(|e| e.rule_number);
                outbound.sort_by_key(|e| e.rule_number);
                NaclRules { acl, inbound, outbound }
            })
            .collect();
        for (i, n) in ix.nacl_rules.iter().enumerate() {
            if n.acl.is_default {
                ix.default_nacl.entry(n.acl.vpc_id.as_str()).or_insert(i);
            }
            for subnet in associations(n.acl, &mut refs) {
                ix.explicit_nacl.entry(subnet).or_insert(i);
            }
        }
        ix.eips_by_eni = eips(&r.elastic_ips);
        ix.enis_by_sg = enis_by_sg(&r.network_interfaces);
        ix.sg_referenced_by = sg_references(&r.security_groups);
        ix
    }

    /// The route table that applies to a subnet: its explicit association, else the
    /// main table of its VPC.
    pub fn route_table_of(&self, subnet_id: &str, vpc_id: &str) -> Option<EffectiveRouteTable<'a>> {
        match self.explicit_route_table.get(subnet_id) {
            Some(t) => Some(EffectiveRouteTable { table: t, main: false }),
            None => self.main_route_table.get(vpc_id).map(|t| EffectiveRouteTable { table: t, main: true }),
        }
    }

    /// The NACL that applies to a subnet: its association, else the VPC's default NACL.
    pub fn nacl_of(&self, subnet_id: &str, vpc_id: &str) -> Option<&NaclRules<'a>> {
        let i = self.explicit_nacl.get(subnet_id).or_else(|| self.default_nacl.get(vpc_id))?;
        self.nacl_rules.get(*i)
    }

    /// Whether an IGW is attached to a VPC. An IGW missing from the snapshot is
    /// trusted when an active route names it: AWS marks routes to a detached or
    /// deleted gateway as blackhole, so "active" is itself evidence of attachment.
    pub fn igw_attached(&self, igw_id: &str, vpc_id: &str) -> bool {
        match self.get::<InternetGateway>(igw_id) {
            Some(g) => g.attachments.iter().any(|a| a.vpc_id == vpc_id && a.is_attached()),
            None => true,
        }
    }
}

/// The subnets a route table or NACL is explicitly associated with, as it states them.
fn associations<'a, R: Resource>(x: &'a R, refs: &mut Refs<'a>) -> Vec<&'a str> {
    refs.clear();
    x.references(refs);
    refs.list.iter().filter(|rf| rf.rel == Rel::Association).map(|rf| rf.id).collect()
}

fn eips(list: &[ElasticIp]) -> FastMap<&str, Vec<Ipv4Addr>> {
    let mut m: FastMap<&str, Vec<Ipv4Addr>> = FastMap::default();
    let mut refs = Refs::default();
    for e in list {
        refs.clear();
        e.references(&mut refs);
        for rf in refs.list.iter().filter(|rf| rf.kind == ResourceKind::NetworkInterface) {
            m.entry(rf.id).or_default().push(e.public_ip);
        }
    }
    m
}

fn enis_by_sg(list: &[NetworkInterface]) -> FastMap<&str, Vec<&NetworkInterface>> {
    let mut m: FastMap<&str, Vec<&NetworkInterface>> = FastMap::default();
    let mut refs = Refs::default();
    for e in list {
        refs.clear();
        e.references(&mut refs);
        for rf in refs.list.iter().filter(|rf| rf.rel == Rel::ProtectedBy) {
            m.entry(rf.id).or_default().push(e);
        }
    }
    for v in m.values_mut() {
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v.dedup_by(|a, b| a.id == b.id);
    }
    m
}

fn sg_references(list: &[SecurityGroup]) -> FastMap<&str, Vec<(&SecurityGroup, &SgRule)>> {
    let mut m: FastMap<&str, Vec<(&SecurityGroup, &SgRule)>> = FastMap::default();
    let mut refs = Refs::default();
    for g in list {
        refs.clear();
        g.references(&mut refs);
        for rf in &refs.list {
            if let Rel::SgRule { rule, ingress: true } = rf.rel {
                m.entry(rf.id).or_default().push((g, rule));
            }
        }
    }
    m
}
